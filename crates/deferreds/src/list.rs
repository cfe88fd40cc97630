//! `DeferredList` and `gather_results`: waiting for several Deferreds of one type.

use std::panic::Location;

use crate::collect::{Decision, collect};
use crate::errors::{FailureGroup, FirstError};
use crate::{Deferred, Failure};

/// Several Deferreds of one type, joined into one (Twisted's `DeferredList`).
///
/// Build it with [`DeferredList::new`], set Twisted's flags, then choose what the joined
/// Deferred fires with:
///
/// - [`into_deferred`](DeferredList::into_deferred): every input's result, in input
///   order, once all have fired (`Vec<Result<T, Failure>>`, Twisted's list of
///   `(success, result)` pairs).
/// - [`fire_on_one_callback`](DeferredList::fire_on_one_callback): the first success and
///   its index.
/// - [`gather`](DeferredList::gather): every value, failing at the first failure (what
///   [`gather_results`] does).
///
/// With [`fire_on_one_errback`](DeferredList::fire_on_one_errback) the join fails as soon
/// as an input fails, with a [`FirstError`] carrying the input's index. With
/// [`consume_errors`](DeferredList::consume_errors) an input's failure stops at the join;
/// without, it also stays on the input's own chain, where it is reported as unhandled
/// unless something handles it.
///
/// Inputs that have already fired are taken into account at once. Cancelling the joined
/// Deferred before it fires cancels every input.
///
/// # Example: the tutorial's `multiplyFourNumbers`, in parallel
///
/// ```
/// use deferreds::{task::Clock, testing, Deferred, DeferredList, Time};
/// use std::time::Duration;
///
/// fn remote_multiply(clock: &Clock, a: i64, b: i64) -> Deferred<i64> {
///     let (d, resolver) = Deferred::new();
///     clock.call_later(Duration::from_secs(5), move || resolver.callback(a * b));
///     d
/// }
///
/// let clock = Clock::new();
/// let c = clock.clone();
/// let products = vec![remote_multiply(&clock, 2, 3), remote_multiply(&clock, 4, 5)];
/// let d = DeferredList::new(products)
///     .fire_on_one_errback(true)
///     .into_deferred()
///     .add_callback(move |results| {
///         let [Ok(r1), Ok(r2)] = <[_; 2]>::try_from(results).unwrap() else { unreachable!() };
///         remote_multiply(&c, r1, r2)
///     });
/// clock.pump([Duration::from_secs(5); 2]);
/// assert_eq!(testing::success_result_of(d), 120); // at t=10, not 15
/// ```
#[derive(Debug)]
pub struct DeferredList<T> {
    inputs: Vec<Deferred<T>>,
    fire_on_one_errback: bool,
    consume_errors: bool,
}

impl<T: 'static> DeferredList<T> {
    /// A list over `inputs`, with every flag off.
    pub fn new(inputs: impl IntoIterator<Item = Deferred<T>>) -> DeferredList<T> {
        DeferredList {
            inputs: inputs.into_iter().collect(),
            fire_on_one_errback: false,
            consume_errors: false,
        }
    }

    /// Fail at the first input failure with a [`FirstError`] instead of waiting for all.
    pub fn fire_on_one_errback(mut self, yes: bool) -> DeferredList<T> {
        self.fire_on_one_errback = yes;
        self
    }

    /// Stop input failures at the join, so they are not reported on the inputs' chains.
    pub fn consume_errors(mut self, yes: bool) -> DeferredList<T> {
        self.consume_errors = yes;
        self
    }

    /// The joined Deferred: every result in input order once all inputs have fired.
    ///
    /// An empty list fires at once with an empty `Vec`.
    ///
    /// # Errors
    ///
    /// With `fire_on_one_errback`, a [`FirstError`] at the first failure.
    #[track_caller]
    pub fn into_deferred(self) -> Deferred<Vec<Result<T, Failure>>> {
        let fail_fast = self.fire_on_one_errback;
        let at = Location::caller();
        collect(
            self.inputs,
            self.consume_errors,
            || Ok(Vec::new()),
            move |progress, index| match &progress.results[index] {
                Some(Err(failure)) if fail_fast => {
                    Decision::Fire(Err(first_error(index, failure, at)))
                }
                _ if progress.all_finished() => Decision::Fire(Ok(progress.take_all())),
                _ => Decision::Wait,
            },
        )
    }

    /// The joined Deferred: the first input to succeed, as `(value, index)`
    /// (Twisted's `fireOnOneCallback`).
    ///
    /// # Errors
    ///
    /// A [`FailureGroup`] with every input's failure, in input order, when none
    /// succeeds. Twisted fires its callback with the list of results in that case, and
    /// an empty list there never fires at all; here both are this error, at once for an
    /// empty list. With `fire_on_one_errback`, a [`FirstError`] at the first failure.
    #[track_caller]
    pub fn fire_on_one_callback(self) -> Deferred<(T, usize)> {
        let fail_fast = self.fire_on_one_errback;
        let at = Location::caller();
        collect(
            self.inputs,
            self.consume_errors,
            move || Err(Failure::with_location(FailureGroup::new(Vec::new()), at)),
            move |progress, index| match progress.results[index].take() {
                Some(Ok(value)) => Decision::Fire(Ok((value, index))),
                Some(Err(failure)) if fail_fast => {
                    Decision::Fire(Err(first_error(index, &failure, at)))
                }
                Some(Err(failure)) => {
                    progress.results[index] = Some(Err(failure));
                    if progress.all_finished() {
                        Decision::Fire(Err(all_failed(progress.take_all(), at)))
                    } else {
                        Decision::Wait
                    }
                }
                None => Decision::Wait,
            },
        )
    }

    /// The joined Deferred: every input's value in input order, or the first failure
    /// (what [`gather_results`] does; `fire_on_one_errback` is implied).
    ///
    /// # Errors
    ///
    /// A [`FirstError`] at the first input failure.
    #[track_caller]
    pub fn gather(self) -> Deferred<Vec<T>> {
        let at = Location::caller();
        collect(
            self.inputs,
            self.consume_errors,
            || Ok(Vec::new()),
            move |progress, index| match &progress.results[index] {
                Some(Err(failure)) => Decision::Fire(Err(first_error(index, failure, at))),
                _ if progress.all_finished() => Decision::Fire(Ok(progress
                    .take_all()
                    .into_iter()
                    .map(|result| result.unwrap_or_else(|_| unreachable!("a failure fires early")))
                    .collect())),
                _ => Decision::Wait,
            },
        )
    }
}

fn first_error(index: usize, failure: &Failure, at: &'static Location<'static>) -> Failure {
    Failure::with_location(FirstError::new(index, failure.clone()), at)
}

/// Wraps a list of results that are all failures into one `FailureGroup` failure.
pub(crate) fn all_failed<T>(
    results: Vec<Result<T, Failure>>,
    at: &'static Location<'static>,
) -> Failure {
    let failures = results.into_iter().filter_map(Result::err).collect();
    Failure::with_location(FailureGroup::new(failures), at)
}

/// Every input's value, in input order, or the first failure (Twisted's
/// `gatherResults`).
///
/// Input failures also stay on the inputs' chains; use
/// [`DeferredList::consume_errors`] with [`DeferredList::gather`] to stop them at the
/// join. Cancelling the result cancels every input.
///
/// # Errors
///
/// A [`FirstError`] carrying the failure and the failed input's index.
///
/// # Example
///
/// ```
/// use deferreds::{gather_results, succeed, testing};
///
/// let d = gather_results([succeed(1), succeed(2), succeed(3)]);
/// assert_eq!(testing::success_result_of(d), vec![1, 2, 3]);
/// ```
#[track_caller]
pub fn gather_results<T: 'static>(
    inputs: impl IntoIterator<Item = Deferred<T>>,
) -> Deferred<Vec<T>> {
    DeferredList::new(inputs).gather()
}
