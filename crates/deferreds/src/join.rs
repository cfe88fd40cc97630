//! Joins of two or three Deferreds of different types.
//!
//! Built on the same engine as `DeferredList`, over values boxed as `dyn Any` for the
//! trip and unboxed to their own types at the end.

use std::any::Any;

use crate::outcome::take_boxed;
use crate::{Deferred, DeferredList, Failure};

type Erased = Box<dyn Any>;

fn erase<T: 'static>(d: Deferred<T>) -> Deferred<Erased> {
    d.add_callback(|value| Ok::<_, Failure>(Box::new(value) as Erased))
}

/// Both results once both have fired, whether they succeeded or failed (a two-input
/// `DeferredList`). The inputs' failures are delivered here, in the tuple, and not also
/// reported on the inputs. Cancelling the join cancels both inputs.
///
/// # Example: the tutorial's `((succ1, res1), (succ2, res2))`
///
/// ```
/// use deferreds::{fail, join2, succeed, testing, Failure};
///
/// let d = join2(succeed(6), fail::<String>(Failure::msg("could not multiply")))
///     .add_callback(|(first, second)| Ok::<_, Failure>(match (first, second) {
///         (Ok(0), _) => "zero".to_owned(),
///         (Ok(a), Ok(b)) => format!("{a} and {b}"),
///         (_, Err(failure)) | (Err(failure), _) => failure.to_string(),
///     }));
/// assert_eq!(testing::success_result_of(d), "could not multiply");
/// ```
#[track_caller]
pub fn join2<A: 'static, B: 'static>(
    a: Deferred<A>,
    b: Deferred<B>,
) -> Deferred<(Result<A, Failure>, Result<B, Failure>)> {
    DeferredList::new([erase(a), erase(b)]).consume_errors(true).into_deferred().add_callback(
        |results| {
            let mut results = results.into_iter();
            let mut next = || results.next().expect("two results");
            Ok::<_, Failure>((next().map(take_boxed), next().map(take_boxed)))
        },
    )
}

/// Both values, or the first failure (a two-input [`gather_results`](crate::gather_results)).
/// The inputs' failures stop here: the first is the join's, and the inputs, owned by the
/// join, cannot be handled elsewhere. Cancelling the join cancels both inputs.
///
/// # Errors
///
/// A [`FirstError`](crate::FirstError) with the failed input's index.
///
/// # Example
///
/// ```
/// use deferreds::{gather2, succeed, testing};
///
/// let d = gather2(succeed(6), succeed("seven"));
/// assert_eq!(testing::success_result_of(d), (6, "seven"));
/// ```
#[track_caller]
pub fn gather2<A: 'static, B: 'static>(a: Deferred<A>, b: Deferred<B>) -> Deferred<(A, B)> {
    DeferredList::new([erase(a), erase(b)]).consume_errors(true).gather().add_callback(|values| {
        let mut values = values.into_iter();
        let mut next = || values.next().expect("two values");
        Ok::<_, Failure>((take_boxed(next()), take_boxed(next())))
    })
}

/// All three results once all have fired (a three-input `DeferredList`); failures are
/// delivered in the tuple, as with [`join2`].
#[track_caller]
#[allow(clippy::type_complexity)] // a tuple of three results is the point
pub fn join3<A: 'static, B: 'static, C: 'static>(
    a: Deferred<A>,
    b: Deferred<B>,
    c: Deferred<C>,
) -> Deferred<(Result<A, Failure>, Result<B, Failure>, Result<C, Failure>)> {
    DeferredList::new([erase(a), erase(b), erase(c)])
        .consume_errors(true)
        .into_deferred()
        .add_callback(|results| {
            let mut results = results.into_iter();
            let mut next = || results.next().expect("three results");
            Ok::<_, Failure>((
                next().map(take_boxed),
                next().map(take_boxed),
                next().map(take_boxed),
            ))
        })
}

/// All three values, or the first failure; the inputs' failures stop here, as with
/// [`gather2`].
///
/// # Errors
///
/// A [`FirstError`](crate::FirstError) with the failed input's index.
#[track_caller]
pub fn gather3<A: 'static, B: 'static, C: 'static>(
    a: Deferred<A>,
    b: Deferred<B>,
    c: Deferred<C>,
) -> Deferred<(A, B, C)> {
    DeferredList::new([erase(a), erase(b), erase(c)]).consume_errors(true).gather().add_callback(
        |values| {
            let mut values = values.into_iter();
            let mut next = || values.next().expect("three values");
            Ok::<_, Failure>((take_boxed(next()), take_boxed(next()), take_boxed(next())))
        },
    )
}
