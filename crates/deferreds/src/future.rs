//! Awaiting a Deferred: `Deferred<T>` as `IntoFuture`.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::chain::Chain;
use crate::coroutine;
use crate::{Deferred, Failure};

/// The future of a [`Deferred`]'s result, from `deferred.await` or `into_future()`.
///
/// It takes the result off the chain once the chain has run all its handlers, so an
/// awaited failure is the awaiting code's to handle and is not reported as unhandled.
/// Dropping the future does not cancel the Deferred (cancel the Deferred itself for
/// that); a failure the future never took is reported as usual.
#[derive(Debug)]
pub struct DeferredFuture<T> {
    state: FutureState<T>,
}

#[derive(Debug)]
enum FutureState<T> {
    /// The result, until taken: the Deferred had it when awaited, or the chain gave it.
    Ready(Option<Result<T, Failure>>),
    /// The chain, which wakes the task when it settles.
    Waiting(Held),
}

/// A chain a future waits on, let go of (and recycled) when the future is done with it.
/// Always `Some` until dropped.
#[derive(Debug)]
struct Held(Option<Rc<Chain>>);

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(chain) = self.0.take() {
            Chain::release(chain);
        }
    }
}

impl<T: 'static> IntoFuture for Deferred<T> {
    type Output = Result<T, Failure>;
    type IntoFuture = DeferredFuture<T>;

    fn into_future(self) -> DeferredFuture<T> {
        let state = match self.try_take_ready() {
            Ok((result, _)) => FutureState::Ready(Some(result)),
            Err(deferred) => FutureState::Waiting(Held(Some(deferred.into_chain()))),
        };
        DeferredFuture { state }
    }
}

// The result is only ever moved out, never pinned in place.
impl<T> Unpin for DeferredFuture<T> {}

impl<T: 'static> Future for DeferredFuture<T> {
    type Output = Result<T, Failure>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let state = &mut self.get_mut().state;
        let result = match state {
            FutureState::Ready(result) => return result.take().map_or(Poll::Pending, Poll::Ready),
            FutureState::Waiting(Held(Some(chain))) => match chain.poll_settled(cx.waker()) {
                Some(result) => result,
                None => {
                    coroutine::note_awaiting(chain);
                    return Poll::Pending;
                }
            },
            FutureState::Waiting(Held(None)) => unreachable!("a held chain is only taken by drop"),
        };
        *state = FutureState::Ready(None);
        Poll::Ready(result)
    }
}
