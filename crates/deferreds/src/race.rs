//! `race`: the first Deferred to succeed wins, the others are cancelled.

use std::panic::Location;

use crate::Deferred;
use crate::collect::{Decision, collect};
use crate::list::all_failed;

/// The first input to succeed, as `(index, value)`; every other input is then cancelled,
/// once each (Twisted's `race`).
///
/// Inputs' failures stop here (the losers' cancellations would otherwise be reported).
/// Cancelling the result cancels every input.
///
/// # Errors
///
/// A [`FailureGroup`](crate::FailureGroup) with every input's failure, in input order,
/// when none succeeds; at once for no inputs (Twisted's race over nothing never fires).
///
/// # Example: two ways to an answer, the faster wins
///
/// ```
/// use deferreds::{race, testing, Deferred};
///
/// let (slow, _slow_resolver) = Deferred::<&str>::new();
/// let (fast, fast_resolver) = Deferred::new();
/// let winner = race([slow, fast]);
/// fast_resolver.callback("cached");
/// assert_eq!(testing::success_result_of(winner), (1, "cached"));
/// ```
#[track_caller]
pub fn race<T: 'static>(inputs: impl IntoIterator<Item = Deferred<T>>) -> Deferred<(usize, T)> {
    let at = Location::caller();
    collect(
        inputs.into_iter().collect(),
        true,
        move || Err(all_failed::<T>(Vec::new(), at)),
        move |progress, index| match progress.results[index].take() {
            Some(Ok(value)) => {
                Decision::FireAndCancel(Ok((index, value)), progress.cancel_others(index))
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
