//! The signal a server's accept loop and connections wait on to stop: a flag and the
//! wakers of whoever waits, so that polling it, which happens at every wake-up of every
//! connection, costs a flag test and a waker comparison.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

#[derive(Default)]
pub(crate) struct StopSignal {
    fired: Cell<bool>,
    waiting: RefCell<Waiting>,
}

/// The waiters' wakers, each in the slot its [`Stopped`] holds; emptied slots are reused.
#[derive(Default)]
struct Waiting {
    wakers: Vec<Option<Waker>>,
    free: Vec<usize>,
}

impl StopSignal {
    /// Fires the signal, for good, and wakes everyone waiting.
    pub(crate) fn fire(&self) {
        if self.fired.replace(true) {
            return;
        }
        let wakers: Vec<Waker> = {
            let mut waiting = self.waiting.borrow_mut();
            waiting.wakers.iter_mut().filter_map(Option::take).collect()
        };
        for waker in wakers {
            waker.wake();
        }
    }

    /// A future that is ready once the signal has fired.
    pub(crate) fn stopped(self: &Rc<Self>) -> Stopped {
        Stopped { signal: Rc::clone(self), slot: None }
    }
}

pub(crate) struct Stopped {
    signal: Rc<StopSignal>,
    slot: Option<usize>,
}

impl Future for Stopped {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.signal.fired.get() {
            return Poll::Ready(());
        }
        let this = &mut *self;
        let mut waiting = this.signal.waiting.borrow_mut();
        match this.slot {
            Some(slot) => {
                let stored = &mut waiting.wakers[slot];
                if !stored.as_ref().is_some_and(|waker| waker.will_wake(cx.waker())) {
                    *stored = Some(cx.waker().clone());
                }
            }
            None => {
                let waker = Some(cx.waker().clone());
                let slot = match waiting.free.pop() {
                    Some(slot) => {
                        waiting.wakers[slot] = waker;
                        slot
                    }
                    None => {
                        waiting.wakers.push(waker);
                        waiting.wakers.len() - 1
                    }
                };
                this.slot = Some(slot);
            }
        }
        Poll::Pending
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        if let Some(slot) = self.slot {
            let mut waiting = self.signal.waiting.borrow_mut();
            waiting.wakers[slot] = None;
            waiting.free.push(slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    use super::*;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn wakes_every_waiter_once_and_stays_fired() {
        let signal = Rc::new(StopSignal::default());
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&count));
        let mut cx = Context::from_waker(&waker);
        let mut first = signal.stopped();
        let mut second = signal.stopped();
        let mut dropped = signal.stopped();
        assert!(Pin::new(&mut first).poll(&mut cx).is_pending());
        assert!(Pin::new(&mut second).poll(&mut cx).is_pending());
        assert!(Pin::new(&mut dropped).poll(&mut cx).is_pending());
        // Polled again with the same waker: nothing new is stored.
        assert!(Pin::new(&mut first).poll(&mut cx).is_pending());
        drop(dropped);
        signal.fire();
        signal.fire();
        assert_eq!(count.0.load(Ordering::SeqCst), 2);
        assert!(Pin::new(&mut first).poll(&mut cx).is_ready());
        assert!(Pin::new(&mut signal.stopped()).poll(&mut cx).is_ready());
    }
}
