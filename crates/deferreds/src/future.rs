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

    #[inline]
    fn into_future(self) -> DeferredFuture<T> {
        let state = match self.into_ready_or_chain() {
            Ok(result) => FutureState::Ready(Some(result)),
            Err(chain) => FutureState::Waiting(Held(Some(chain))),
        };
        DeferredFuture { state }
    }
}

// The result is only ever moved out, never pinned in place.
impl<T> Unpin for DeferredFuture<T> {}

impl<T: 'static> Future for DeferredFuture<T> {
    type Output = Result<T, Failure>;

    #[inline]
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Wake, Waker};

    use super::*;
    use crate::testing::ReportCapture;

    /// A waker that counts its wakes.
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting_waker() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        (Arc::clone(&count), Waker::from(count))
    }

    fn poll<T: 'static>(future: &mut DeferredFuture<T>, waker: &Waker) -> Poll<Result<T, Failure>> {
        Pin::new(future).poll(&mut Context::from_waker(waker))
    }

    #[test]
    fn the_chain_wakes_the_task_once_its_handlers_have_run() {
        let (count, waker) = counting_waker();
        let (d, resolver) = Deferred::<i32>::new();
        let (gate, open) = Deferred::<i32>::new();
        let mut future = d.add_callback(move |_| gate).into_future();
        assert!(poll(&mut future, &waker).is_pending());
        resolver.callback(1);
        // The chain waits on `gate`: no final result yet, so no wake.
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
        open.callback(2);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(matches!(poll(&mut future, &waker), Poll::Ready(Ok(2))));
    }

    #[test]
    fn an_awaited_failure_is_the_awaiting_codes_and_is_not_reported() {
        let capture = ReportCapture::start();
        let (_, waker) = counting_waker();
        let (d, resolver) = Deferred::<i32>::new();
        let mut future = d.into_future();
        assert!(poll(&mut future, &waker).is_pending());
        resolver.errback(Failure::msg("taken by the awaiting code"));
        assert!(matches!(poll(&mut future, &waker), Poll::Ready(Err(_))));
        drop(future);
        assert!(capture.take().is_empty());
    }

    #[test]
    fn a_failure_the_future_never_took_is_reported_when_it_is_dropped() {
        let capture = ReportCapture::start();
        let (_, waker) = counting_waker();
        let (d, resolver) = Deferred::<i32>::new();
        let mut future = d.into_future();
        assert!(poll(&mut future, &waker).is_pending());
        resolver.errback(Failure::msg("never polled for"));
        drop(future);
        let reports = capture.take();
        assert_eq!(reports.len(), 1);
        assert!(reports[0].is_unhandled());
        assert_eq!(reports[0].failure().to_string(), "never polled for");
    }
}
