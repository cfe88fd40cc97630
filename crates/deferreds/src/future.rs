//! Awaiting a Deferred: `Deferred<T>` as `IntoFuture`.

use std::cell::RefCell;
use std::future::{Future, IntoFuture};
use std::panic::Location;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use crate::chain::{Chain, Outcome, Step, take_outcome};
use crate::coroutine;
use crate::outcome::take;
use crate::{Deferred, Failure};

/// The future of a [`Deferred`]'s result, from `deferred.await` or `into_future()`.
///
/// It takes the result off the chain when the chain gets to it, so an awaited failure is
/// the awaiting code's to handle and is not reported as unhandled. Dropping the future
/// does not cancel the Deferred (cancel the Deferred itself for that); a result that
/// arrives after the drop stays on the chain and a failure is reported as usual.
#[derive(Debug)]
pub struct DeferredFuture<T> {
    state: FutureState<T>,
}

#[derive(Debug)]
enum FutureState<T> {
    /// The Deferred had its result when awaited: no handler, no shared slot.
    Ready(Option<Result<T, Failure>>),
    /// The chain's last handler will fill the slot and wake the task. The chain is
    /// kept (weakly) so a coroutine being cancelled can cancel what it awaits.
    Waiting(Rc<RefCell<Slot<T>>>, Weak<Chain>),
}

#[derive(Debug)]
struct Slot<T> {
    result: Option<Result<T, Failure>>,
    waker: Option<Waker>,
}

impl<T: 'static> IntoFuture for Deferred<T> {
    type Output = Result<T, Failure>;
    type IntoFuture = DeferredFuture<T>;

    #[track_caller]
    fn into_future(self) -> DeferredFuture<T> {
        let chain = match self.try_take_ready() {
            Ok((result, _)) => return DeferredFuture { state: FutureState::Ready(Some(result)) },
            Err(deferred) => deferred.into_chain(),
        };
        if let Some(outcome) = chain.take_settled() {
            let result = outcome.map(|mut value| take::<T>(&mut value));
            return DeferredFuture { state: FutureState::Ready(Some(result)) };
        }
        let slot = Rc::new(RefCell::new(Slot { result: None, waker: None }));
        let target = Rc::downgrade(&slot);
        let handler = Box::new(move |outcome: &mut Outcome| {
            let Some(slot) = target.upgrade() else {
                return Step::Next;
            };
            let result = take_outcome(outcome).map(|mut value| take::<T>(&mut value));
            let waker = {
                let mut slot = slot.borrow_mut();
                slot.result = Some(result);
                slot.waker.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
            Step::Consumed
        });
        chain.add_handler(handler, Location::caller());
        DeferredFuture { state: FutureState::Waiting(slot, Rc::downgrade(&chain)) }
    }
}

// The result is only ever moved out, never pinned in place.
impl<T> Unpin for DeferredFuture<T> {}

impl<T> Future for DeferredFuture<T> {
    type Output = Result<T, Failure>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (slot, chain) = match &mut self.get_mut().state {
            FutureState::Ready(result) => {
                return result.take().map_or(Poll::Pending, Poll::Ready);
            }
            FutureState::Waiting(slot, chain) => (slot, chain),
        };
        let mut slot = slot.borrow_mut();
        match slot.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                slot.waker = Some(cx.waker().clone());
                coroutine::note_awaiting(chain);
                Poll::Pending
            }
        }
    }
}
