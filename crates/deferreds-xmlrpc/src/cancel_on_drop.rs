//! Awaiting a Deferred on behalf of someone who may leave: dropping the future cancels
//! the Deferred.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use deferreds::{Deferred, Failure};

struct Slot<T> {
    result: Option<Result<T, Failure>>,
    waker: Option<Waker>,
}

/// The future of `deferred`'s result; dropped before the result came, it cancels
/// `deferred` (an HTTP client that hung up cancels its call).
pub(crate) fn cancel_on_drop<T: 'static>(deferred: Deferred<T>) -> CancelOnDrop<T> {
    let slot = Rc::new(RefCell::new(Slot { result: None, waker: None }));
    let filled = Rc::clone(&slot);
    let handle = deferred.add_both(move |result| {
        let waker = {
            let mut slot = filled.borrow_mut();
            slot.result = Some(result);
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok::<_, Failure>(())
    });
    CancelOnDrop { handle: Some(handle), slot }
}

pub(crate) struct CancelOnDrop<T> {
    /// The chain, to cancel; `None` once the result is taken.
    handle: Option<Deferred<()>>,
    slot: Rc<RefCell<Slot<T>>>,
}

impl<T> Unpin for CancelOnDrop<T> {}

impl<T: 'static> Future for CancelOnDrop<T> {
    type Output = Result<T, Failure>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let taken = {
            let mut slot = self.slot.borrow_mut();
            match slot.result.take() {
                Some(result) => Some(result),
                None => {
                    slot.waker = Some(cx.waker().clone());
                    None
                }
            }
        };
        match taken {
            Some(result) => {
                self.handle = None;
                Poll::Ready(result)
            }
            None => Poll::Pending,
        }
    }
}

impl<T> Drop for CancelOnDrop<T> {
    fn drop(&mut self) {
        let fired = self.slot.borrow().result.is_some();
        if let Some(handle) = self.handle.take() {
            if !fired {
                handle.cancel();
            }
        }
    }
}
