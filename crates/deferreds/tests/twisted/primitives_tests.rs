//! Twisted's `OtherPrimitivesTests`: `DeferredLock`, `DeferredSemaphore` and
//! `DeferredQueue`, then tests of our own for fairness, cancelled waiters, failing and
//! panicking `run` functions, and a long queue drained on a small stack.
//!
//! Twisted releases a lock or a semaphore by calling `release()` on the primitive, which
//! nothing stops from being called once too often. Here a token is a `Permit` value,
//! released exactly once, when it is dropped. These tests keep the permits their
//! acquires got in a shared FIFO ([`Held`]) and drop the oldest where Twisted calls
//! `release()`; Twisted's checks against over-release have no counterpart.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use deferreds::testing::{ReportCapture, assert_no_result, failure_result_of, success_result_of};
use deferreds::{
    CancelledError, Deferred, DeferredLock, DeferredQueue, DeferredSemaphore, Failure, PanicError,
    Permit, succeed,
};

/// Permits handed to acquirers, oldest first. `release` drops the oldest, standing in for
/// Twisted's `release()` on the primitive.
#[derive(Clone, Default)]
struct Held(Rc<RefCell<VecDeque<Permit>>>);

impl Held {
    fn release(&self) {
        // Popped in a statement of its own: dropping the permit may hand the token to a
        // waiter whose handler pushes its permit here.
        let oldest = self.0.borrow_mut().pop_front();
        drop(oldest.expect("a held permit to release"));
    }

    fn len(&self) -> usize {
        self.0.borrow().len()
    }
}

/// Counts acquires that went through (Twisted's `_incr` and `self.counter`).
#[derive(Clone, Default)]
struct Counter(Rc<Cell<usize>>);

impl Counter {
    fn get(&self) -> usize {
        self.0.get()
    }

    fn set(&self, value: usize) {
        self.0.set(value);
    }

    fn incr(&self) {
        self.0.set(self.0.get() + 1);
    }
}

/// Adds Twisted's `_incr` to an acquire: counts it once it goes through and keeps its
/// permit in `held`. The returned handle is dropped by the callers; the chain still runs
/// when the primitive fires it.
fn count_and_hold(acquire: Deferred<Permit>, counter: &Counter, held: &Held) {
    let (counter, held) = (counter.clone(), held.clone());
    drop(acquire.add_callback(move |permit| {
        counter.incr();
        held.0.borrow_mut().push_back(permit);
        Ok::<_, Failure>(())
    }));
}

/// A shared log of what handlers saw.
type Log<T> = Rc<RefCell<Vec<T>>>;

#[test]
fn lock() {
    // Source: twisted/test/test_defer.py OtherPrimitivesTests.testLock
    let capture = ReportCapture::start();
    let lock = DeferredLock::new();
    let counter = Counter::default();
    let held = Held::default();

    count_and_hold(lock.acquire(), &counter, &held);
    assert!(lock.locked());
    assert_eq!(counter.get(), 1);

    count_and_hold(lock.acquire(), &counter, &held);
    assert!(lock.locked());
    assert_eq!(counter.get(), 1);

    held.release();
    assert!(lock.locked());
    assert_eq!(counter.get(), 2);

    held.release();
    assert!(!lock.locked());
    assert_eq!(counter.get(), 2);

    // DIFFERENCE: Twisted's `lock.run()` with no function raises TypeError; here a call of
    // `run` without a function does not compile.

    // `run` calls the function at once while the lock is free and holds the lock until
    // the Deferred the function returned fires.
    let seen: Log<&'static str> = Rc::default();
    let (control, control_resolver) = Deferred::<&'static str>::new();
    let in_function = Rc::clone(&seen);
    let result = lock.run(move || {
        in_function.borrow_mut().push("first");
        control
    });
    assert!(lock.locked());
    assert_eq!(*seen.borrow(), ["first"]);

    let in_callback = Rc::clone(&seen);
    let result = result.add_callback(move |value| {
        in_callback.borrow_mut().push(value);
        Ok::<_, Failure>(())
    });

    count_and_hold(lock.acquire(), &counter, &held);
    assert!(lock.locked());
    assert_eq!(counter.get(), 2);

    control_resolver.callback("second");
    assert_eq!(*seen.borrow(), ["first", "second"]);
    assert!(lock.locked(), "the waiting acquire took the lock `run` released");
    assert_eq!(counter.get(), 3);
    success_result_of(result);

    // Cancelling a waiting acquire fails it with CancelledError.
    let outcomes: Log<Result<(), Failure>> = Rc::default();
    let record = Rc::clone(&outcomes);
    let d = lock.acquire().add_both(move |outcome: Result<Permit, Failure>| {
        record.borrow_mut().push(outcome.map(drop));
        Ok::<_, Failure>(())
    });
    d.cancel();
    {
        let outcomes = outcomes.borrow();
        assert_eq!(outcomes.len(), 1);
        let failure = outcomes[0].as_ref().expect_err("the cancelled acquire failed");
        assert!(failure.check::<CancelledError>(), "{failure:?}");
    }
    success_result_of(d);

    held.release();
    assert!(!lock.locked());
    assert_eq!(outcomes.borrow().len(), 1, "the cancelled acquire never got the lock");

    // DIFFERENCE: Twisted checks with `assert_type` that `run` keeps the function's result
    // type, for a Deferred-returning function and for a coroutine. Here the compiler checks
    // the annotated types; coroutines have no counterpart, so a `Result`-returning function
    // stands in as the second kind of function `run` accepts.
    let from_deferred: Deferred<i32> = lock.run(|| succeed(2));
    let from_result: Deferred<i32> = lock.run(|| Ok::<i32, Failure>(1));
    assert_eq!(success_result_of(from_deferred), 2);
    assert_eq!(success_result_of(from_result), 1);
    assert!(!lock.locked());
    assert!(capture.take().is_empty());
}

#[test]
fn cancel_lock_after_acquired() {
    // Source: twisted/test/test_defer.py OtherPrimitivesTests.test_cancelLockAfterAcquired
    let lock = DeferredLock::new();
    let errbacks = Rc::new(Cell::new(0));
    let count = Rc::clone(&errbacks);
    let d = lock.acquire().add_errback(move |failure| {
        count.set(count.get() + 1);
        Err::<Permit, _>(failure)
    });
    d.cancel();
    assert_eq!(errbacks.get(), 0, "cancelling an acquire that has the lock runs no errback");
    let permit = success_result_of(d);
    assert!(lock.locked());
    drop(permit);
    assert!(!lock.locked());
}

#[test]
fn cancel_lock_before_acquired() {
    // Source: twisted/test/test_defer.py OtherPrimitivesTests.test_cancelLockBeforeAcquired
    let lock = DeferredLock::new();
    let holder = lock.acquire();
    let d = lock.acquire();
    assert_eq!(lock.waiting(), 1);
    d.cancel();
    assert!(failure_result_of(d).check::<CancelledError>());
    assert_eq!(lock.waiting(), 0);
    drop(holder);
    assert!(!lock.locked(), "the cancelled acquire did not take the released lock");
}

#[test]
fn semaphore() {
    // Source: twisted/test/test_defer.py OtherPrimitivesTests.testSemaphore
    const N: usize = 13;
    let capture = ReportCapture::start();
    let sem = DeferredSemaphore::new(N);
    let counter = Counter::default();
    let held = Held::default();

    let (control, control_resolver) = Deferred::<()>::new();
    let helper_arg: Rc<RefCell<Option<&'static str>>> = Rc::default();
    let results: Log<()> = Rc::default();
    let arg = "unique object";
    let in_helper = Rc::clone(&helper_arg);
    let in_results = Rc::clone(&results);
    let in_counter = counter.clone();
    let result = sem
        .run(move || {
            *in_helper.borrow_mut() = Some(arg);
            control
        })
        .add_callback(move |value| {
            in_results.borrow_mut().push(value);
            Ok::<_, Failure>(())
        })
        .add_callback(move |()| {
            in_counter.incr();
            Ok::<_, Failure>(())
        });
    assert!(results.borrow().is_empty());
    assert_eq!(*helper_arg.borrow(), Some(arg));
    assert_eq!(sem.tokens(), N - 1, "`run` holds a token while its Deferred is pending");
    control_resolver.callback(());
    assert_eq!(results.borrow_mut().pop(), Some(()));
    assert_eq!(counter.get(), 1);
    assert_eq!(sem.tokens(), N, "`run` released its token");
    success_result_of(result);

    counter.set(0);
    for i in 1..=N {
        count_and_hold(sem.acquire(), &counter, &held);
        assert_eq!(counter.get(), i);
    }
    assert_eq!(sem.tokens(), 0);

    let success: Log<bool> = Rc::default();
    let (on_value, on_failure) = (Rc::clone(&success), Rc::clone(&success));
    let d = sem.acquire().add_callbacks(
        move |_permit| {
            on_value.borrow_mut().push(false);
            Ok::<_, Failure>(())
        },
        move |failure| {
            assert!(failure.check::<CancelledError>(), "{failure:?}");
            on_failure.borrow_mut().push(true);
            Ok(())
        },
    );
    d.cancel();
    assert_eq!(*success.borrow(), [true]);
    success_result_of(d);

    count_and_hold(sem.acquire(), &counter, &held);
    assert_eq!(counter.get(), N);

    held.release();
    assert_eq!(counter.get(), N + 1);

    // N permits are held now (N - 1 from the loop, one from the waiter): releasing them
    // all, with nothing waiting, counts nothing more and frees every token.
    for _ in 1..=N {
        held.release();
        assert_eq!(counter.get(), N + 1);
    }
    assert_eq!(held.len(), 0);
    assert_eq!(sem.tokens(), N);
    // DIFFERENCE: one `release()` more would trip Twisted's over-release assertion. Not
    // applicable here: every permit is released exactly once, when dropped, and with none
    // left there is nothing to release.
    assert_eq!(sem.limit(), N);
    assert!(capture.take().is_empty());
}

#[test]
#[should_panic(expected = "at least one token")]
fn semaphore_invalid_tokens() {
    // Source: twisted/test/test_defer.py OtherPrimitivesTests.test_semaphoreInvalidTokens
    // DIFFERENCE: Twisted raises ValueError for 0 and for -1. The count is a usize, so -1
    // does not compile, and 0 is a programming error that panics.
    let _ = DeferredSemaphore::new(0);
}

#[test]
fn cancel_semaphore_after_acquired() {
    // Source: twisted/test/test_defer.py OtherPrimitivesTests.test_cancelSemaphoreAfterAcquired
    let sem = DeferredSemaphore::new(1);
    let errbacks = Rc::new(Cell::new(0));
    let count = Rc::clone(&errbacks);
    let d = sem.acquire().add_errback(move |failure| {
        count.set(count.get() + 1);
        Err::<Permit, _>(failure)
    });
    d.cancel();
    assert_eq!(errbacks.get(), 0, "cancelling an acquire that has a token runs no errback");
    let permit = success_result_of(d);
    assert_eq!(sem.tokens(), 0);
    drop(permit);
    assert_eq!(sem.tokens(), 1);
}

#[test]
fn cancel_semaphore_before_acquired() {
    // Source: twisted/test/test_defer.py OtherPrimitivesTests.test_cancelSemaphoreBeforeAcquired
    let sem = DeferredSemaphore::new(1);
    let holder = sem.acquire();
    let d = sem.acquire();
    assert_eq!(sem.waiting(), 1);
    d.cancel();
    assert!(failure_result_of(d).check::<CancelledError>());
    assert_eq!(sem.waiting(), 0);
    drop(holder);
    assert_eq!(sem.tokens(), 1, "the cancelled acquire did not take the released token");
}

/// Adds a callback that appends the item a `get` fires with to `gotten`.
fn collect_into(get: Deferred<usize>, gotten: &Log<usize>) {
    let gotten = Rc::clone(gotten);
    drop(get.add_callback(move |item| {
        gotten.borrow_mut().push(item);
        Ok::<_, Failure>(())
    }));
}

#[test]
fn queue() {
    // Source: twisted/test/test_defer.py OtherPrimitivesTests.testQueue
    const N: usize = 2;
    const M: usize = 2;
    let queue = DeferredQueue::<usize>::bounded(Some(N), Some(M));
    let gotten: Log<usize> = Rc::default();

    for _ in 0..M {
        collect_into(queue.get().expect("room in the backlog"), &gotten);
    }
    let underflow = queue.get().expect_err("the backlog of gets is full");
    assert!(underflow.is_underflow() && !underflow.is_overflow());
    assert_eq!(queue.waiting(), M);

    for i in 0..M {
        queue.put(i).expect("a waiting get takes the item");
        assert_eq!(*gotten.borrow(), (0..=i).collect::<Vec<_>>());
    }
    for i in 0..N {
        queue.put(N + i).expect("room in the queue");
        assert_eq!(*gotten.borrow(), (0..M).collect::<Vec<_>>());
    }
    let overflow = queue.put(99).expect_err("the queue is full");
    assert!(overflow.is_overflow() && !overflow.is_underflow());
    assert_eq!(overflow.into_item(), Some(99), "the item is handed back, not lost");
    assert_eq!(queue.len(), N);

    let gotten: Log<usize> = Rc::default();
    for i in 0..N {
        collect_into(queue.get().expect("an item is queued"), &gotten);
        assert_eq!(*gotten.borrow(), (N..=N + i).collect::<Vec<_>>());
    }
    assert!(queue.is_empty());

    let queue = DeferredQueue::<usize>::new();
    let gotten: Log<usize> = Rc::default();
    for _ in 0..N {
        collect_into(queue.get().expect("no backlog limit"), &gotten);
    }
    for i in 0..N {
        queue.put(i).expect("no size limit");
    }
    assert_eq!(*gotten.borrow(), (0..N).collect::<Vec<_>>());

    let queue = DeferredQueue::<()>::bounded(Some(0), None);
    assert!(queue.put(()).expect_err("a queue of size 0 holds nothing").is_overflow());

    let queue = DeferredQueue::<()>::bounded(None, Some(0));
    assert!(queue.get().expect_err("a backlog of 0 allows no waiting get").is_underflow());
}

#[test]
fn cancel_queue_after_synchronous_get() {
    // Source: twisted/test/test_defer.py OtherPrimitivesTests.test_cancelQueueAfterSynchronousGet
    let queue = DeferredQueue::<&'static str>::new();
    let errbacks = Rc::new(Cell::new(0));
    let count = Rc::clone(&errbacks);
    let d = queue.get().expect("no backlog limit").add_errback(move |failure| {
        count.set(count.get() + 1);
        Err::<&'static str, _>(failure)
    });
    queue.put("item").expect("no size limit");
    d.cancel();
    assert_eq!(errbacks.get(), 0, "cancelling a get that has its item runs no errback");
    assert_eq!(success_result_of(d), "item");
}

#[test]
fn cancel_queue_after_get() {
    // Source: twisted/test/test_defer.py OtherPrimitivesTests.test_cancelQueueAfterGet
    // DIFFERENCE: Twisted would raise AlreadyCalledError if the queue still fired the
    // cancelled Deferred; firing a cancelled Deferred is ignored here, so the test checks
    // that the cancelled get left the waiters (`waiting()` drops) and the item put next
    // stays in the queue for the next get.
    let capture = ReportCapture::start();
    let queue = DeferredQueue::<&'static str>::new();
    let d = queue.get().expect("no backlog limit");
    assert_eq!(queue.waiting(), 1);
    d.cancel();
    assert_eq!(queue.waiting(), 0);

    let failures: Log<Failure> = Rc::default();
    let record = Rc::clone(&failures);
    let d = d.add_errback(move |failure| {
        record.borrow_mut().push(failure);
        Ok("recovered")
    });
    assert_eq!(failures.borrow().len(), 1);
    assert!(failures.borrow()[0].check::<CancelledError>());

    let in_callback = queue.clone();
    let d = d.add_callback(move |_| {
        in_callback.put("put after the cancel").expect("no size limit");
        assert_eq!(in_callback.len(), 1, "the cancelled get did not take the item");
        in_callback.get().expect("an item is queued")
    });
    let done: Log<&'static str> = Rc::default();
    let record = Rc::clone(&done);
    let d = d.add_callback(move |item| {
        record.borrow_mut().push(item);
        Ok::<_, Failure>(())
    });
    assert_eq!(*done.borrow(), ["put after the cancel"]);
    success_result_of(d);
    assert!(queue.is_empty());
    assert!(capture.take().is_empty());
}

// ---------------------------------------------------------------------------------------
// Our own tests.

const SMALL_STACK: usize = 256 * 1024;

fn on_small_stack(test: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(test)
        .expect("spawn test thread")
        .join()
        .expect("test thread panicked");
}

#[test]
fn semaphore_drains_a_thousand_queued_runs_in_fifo_order_on_a_small_stack() {
    // Source: none in Twisted: releasing a token to a `run` whose function finishes at
    // once releases again from inside the hand-over; done by recursion, a long queue
    // would grow the stack by a few frames per waiter. On a 256 KiB stack, 1,000 waiters
    // must drain in FIFO order.
    on_small_stack(|| {
        const TOKENS: usize = 3;
        const QUEUED: usize = 1_000;
        let sem = DeferredSemaphore::new(TOKENS);
        let holders: Vec<Deferred<Permit>> = (0..TOKENS).map(|_| sem.acquire()).collect();
        assert_eq!(sem.tokens(), 0);

        let order: Log<usize> = Rc::default();
        let results: Vec<Deferred<usize>> = (0..QUEUED)
            .map(|i| {
                let order = Rc::clone(&order);
                sem.run(move || {
                    order.borrow_mut().push(i);
                    Ok::<_, Failure>(i * 2)
                })
            })
            .collect();
        assert_eq!(sem.waiting(), QUEUED);
        assert!(order.borrow().is_empty(), "no function runs before a token is free");

        let mut holders = holders.into_iter();
        drop(success_result_of(holders.next().expect("a holder")));
        assert_eq!(*order.borrow(), (0..QUEUED).collect::<Vec<_>>());
        assert_eq!(sem.waiting(), 0);
        assert_eq!(sem.tokens(), 1, "the one released token went back to the pool");
        for (i, result) in results.into_iter().enumerate() {
            assert_eq!(success_result_of(result), i * 2);
        }

        for holder in holders {
            drop(success_result_of(holder));
        }
        assert_eq!(sem.tokens(), TOKENS);
    });
}

#[test]
fn release_hands_the_token_to_the_oldest_waiter_before_a_newcomer() {
    // Source: none in Twisted: a released token goes straight to the oldest waiter, never
    // back to the pool while someone waits, so an acquire made after the release waits
    // behind the ones already queued.
    let sem = DeferredSemaphore::new(2);
    let order: Log<&'static str> = Rc::default();
    let held = Held::default();
    let acquire_as = |name: &'static str| {
        let (order, held) = (Rc::clone(&order), held.clone());
        drop(sem.acquire().add_callback(move |permit| {
            order.borrow_mut().push(name);
            held.0.borrow_mut().push_back(permit);
            Ok::<_, Failure>(())
        }));
    };

    acquire_as("first holder");
    acquire_as("second holder");
    acquire_as("oldest waiter");
    acquire_as("next waiter");
    assert_eq!(sem.waiting(), 2);

    held.release();
    assert_eq!(*order.borrow(), ["first holder", "second holder", "oldest waiter"]);
    assert_eq!(sem.tokens(), 0, "the token went to the waiter, not to the pool");

    acquire_as("newcomer");
    assert_eq!(sem.waiting(), 2, "the newcomer queued behind the next waiter");
    assert_eq!(order.borrow().len(), 3);

    held.release();
    held.release();
    assert_eq!(
        *order.borrow(),
        ["first holder", "second holder", "oldest waiter", "next waiter", "newcomer"]
    );
    assert_eq!(sem.waiting(), 0);

    // The same for a lock.
    let lock = DeferredLock::new();
    let first = lock.acquire();
    let waiter = lock.acquire();
    drop(success_result_of(first));
    assert!(lock.locked(), "the waiter holds the lock at once");
    let newcomer = lock.acquire();
    assert_no_result(&newcomer);
    let waiter_permit = success_result_of(waiter);
    drop(waiter_permit);
    drop(success_result_of(newcomer));
    assert!(!lock.locked());
}

#[test]
fn run_with_a_panicking_function_releases_and_fails_with_panic_error() {
    // Source: none in Twisted: a `run` function that panics (Twisted: raises) releases the
    // token and fails the Deferred with a PanicError holding the panic message.
    let capture = ReportCapture::start();
    let sem = DeferredSemaphore::new(1);
    let failed = sem.run(|| -> Result<(), Failure> { panic!("the function blew up") });
    let failure = failure_result_of(failed);
    let panic = failure.downcast_ref::<PanicError>().expect("a PanicError");
    assert_eq!(panic.message(), "the function blew up");
    assert_eq!(sem.tokens(), 1);

    // Also when the function waited for a token first.
    let lock = DeferredLock::new();
    let holder = lock.acquire();
    let failed = lock.run(|| -> Deferred<u8> { panic!("after waiting") });
    assert_no_result(&failed);
    drop(holder);
    let failure = failure_result_of(failed);
    let panic = failure.downcast_ref::<PanicError>().expect("a PanicError");
    assert_eq!(panic.message(), "after waiting");
    assert!(!lock.locked());
    let after = lock.run(|| Ok::<_, Failure>("the lock still works"));
    assert_eq!(success_result_of(after), "the lock still works");
    assert!(capture.take().is_empty());
}

#[test]
fn run_releases_when_the_function_fails() {
    // Source: none in Twisted: `run` releases on failure as on success, whether the
    // function fails at once or returns a Deferred that fails later, and the failure is
    // passed on unchanged.
    let capture = ReportCapture::start();
    let lock = DeferredLock::new();
    let failed = lock.run(|| Err::<(), _>(Failure::msg("failed at once")));
    assert_eq!(failure_result_of(failed).to_string(), "failed at once");
    assert!(!lock.locked());

    let (control, control_resolver) = Deferred::<()>::new();
    let failed = lock.run(move || control);
    assert!(lock.locked());
    let next = lock.run(|| Ok::<_, Failure>("ran after the failure"));
    assert_no_result(&next);
    let error = Failure::msg("failed later");
    control_resolver.errback(error.clone());
    let failure = failure_result_of(failed);
    assert!(failure.same_error(&error), "{failure:?}");
    assert_eq!(success_result_of(next), "ran after the failure");
    assert!(!lock.locked());

    let sem = DeferredSemaphore::new(2);
    let (control, control_resolver) = Deferred::<()>::new();
    let failed = sem.run(move || control);
    assert_eq!(sem.tokens(), 1);
    control_resolver.errback(Failure::msg("semaphore function failed"));
    assert_eq!(failure_result_of(failed).to_string(), "semaphore function failed");
    assert_eq!(sem.tokens(), 2);
    assert!(capture.take().is_empty());
}

#[test]
fn lock_run_calls_the_function_only_once_it_holds_the_lock() {
    // Source: none in Twisted: a `run` queued behind a holder does not call its function
    // until the lock is handed to it, so two runs never overlap.
    let lock = DeferredLock::new();
    let (control, control_resolver) = Deferred::<()>::new();
    let calls: Log<&'static str> = Rc::default();
    let record = Rc::clone(&calls);
    let first = lock.run(move || {
        record.borrow_mut().push("first");
        control
    });
    let record = Rc::clone(&calls);
    let second = lock.run(move || {
        record.borrow_mut().push("second");
        Ok::<_, Failure>(())
    });
    assert_eq!(*calls.borrow(), ["first"]);
    assert_eq!(lock.waiting(), 1);
    assert_no_result(&second);
    control_resolver.callback(());
    assert_eq!(*calls.borrow(), ["first", "second"]);
    success_result_of(first);
    success_result_of(second);
    assert!(!lock.locked());
}

#[test]
fn cancelled_waiting_acquire_is_removed_and_never_gets_a_token() {
    // Source: none in Twisted: cancelling a waiting acquire takes it out of the queue at
    // once; the next release skips it, and no permit ever reaches its chain.
    let capture = ReportCapture::start();
    let sem = DeferredSemaphore::new(1);
    let holder = sem.acquire();
    let outcomes: Log<Result<(), Failure>> = Rc::default();
    let record = Rc::clone(&outcomes);
    let cancelled = sem.acquire().add_both(move |outcome: Result<Permit, Failure>| {
        record.borrow_mut().push(outcome.map(drop));
        Ok::<_, Failure>(())
    });
    let behind = sem.acquire();
    assert_eq!(sem.waiting(), 2);

    cancelled.cancel();
    assert_eq!(sem.waiting(), 1, "the cancelled acquire left the queue");
    {
        let outcomes = outcomes.borrow();
        assert_eq!(outcomes.len(), 1);
        let failure = outcomes[0].as_ref().expect_err("the cancelled acquire failed");
        assert!(failure.check::<CancelledError>(), "{failure:?}");
    }

    drop(success_result_of(holder));
    assert_eq!(outcomes.borrow().len(), 1, "no permit reached the cancelled acquire");
    let permit = success_result_of(behind);
    assert_eq!(sem.tokens(), 0);
    assert_eq!(sem.waiting(), 0);
    drop(permit);
    assert_eq!(sem.tokens(), 1, "no token was lost to the cancelled acquire");
    assert_eq!(outcomes.borrow().len(), 1);
    success_result_of(cancelled);
    assert!(capture.take().is_empty());
}

#[test]
fn queue_hands_items_to_waiting_gets_in_fifo_order_skipping_cancelled_ones() {
    // Source: none in Twisted: `put` goes to the oldest waiting `get`; a cancelled `get`
    // between them is skipped and gets nothing.
    let queue = DeferredQueue::<usize>::new();
    let first = queue.get().expect("no backlog limit");
    let cancelled = queue.get().expect("no backlog limit");
    let third = queue.get().expect("no backlog limit");
    cancelled.cancel();
    assert_eq!(queue.waiting(), 2);
    queue.put(1).expect("no size limit");
    queue.put(2).expect("no size limit");
    queue.put(3).expect("no size limit");
    assert_eq!(success_result_of(first), 1);
    assert_eq!(success_result_of(third), 2);
    assert!(failure_result_of(cancelled).check::<CancelledError>());
    assert_eq!(queue.len(), 1, "the third item waits for a get");
    assert_eq!(success_result_of(queue.get().expect("an item is queued")), 3);
}

#[test]
fn queue_limit_errors_say_which_limit_was_reached() {
    // Source: none in Twisted: QueueOverflow and QueueUnderflow carry no message; ours
    // name the limit, and an overflow hands the item back.
    let queue = DeferredQueue::<String>::bounded(Some(1), Some(1));
    queue.put("kept".to_owned()).expect("room for one item");
    let overflow = queue.put("refused".to_owned()).expect_err("full");
    let message = overflow.to_string();
    assert!(message.contains("overflow") && message.contains('1'), "{message}");
    assert_eq!(overflow.into_item().as_deref(), Some("refused"));

    assert_eq!(success_result_of(queue.get().expect("an item is queued")), "kept");
    let _waiting = queue.get().expect("room for one waiting get");
    let underflow = queue.get().expect_err("one get already waits");
    let message = underflow.to_string();
    assert!(message.contains("underflow") && message.contains('1'), "{message}");
    assert_eq!(underflow.into_item(), None);
}
