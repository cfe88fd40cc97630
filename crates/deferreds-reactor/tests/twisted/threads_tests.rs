//! Twisted's `test_threads.py` (twisted/test/test_threads.py): the reactor's thread API.
//! `call_from_thread`, `call_in_thread`, `blocking_call_from_thread`, `defer_to_thread`
//! on the bounded pool, `ThreadResolver`, and what becomes of each at startup and
//! shutdown.
//!
//! Threads mean real time, so every test is bounded: each reactor stops itself through
//! `run_until` or `stop`, work that must wait waits on a channel the test controls, and
//! the few sleeps (2 ms) only give wrong behaviour its chance; no outcome depends on
//! them. The last section hands calls over in bulk.

use std::cell::RefCell;
use std::collections::HashSet;
use std::error::Error;
use std::fmt;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::{self, ThreadId};
use std::time::Duration;

use deferreds::testing::{self, ReportCapture};
use deferreds::{
    CancelledError, Deferred, Failure, IntoOutcome, PanicError, ResolverDroppedError, Time, fail,
    gather_results, succeed,
};
use deferreds_reactor::{Phase, Reactor, ReactorStopped, ReactorThreadError, SystemEvent};

fn reactor() -> Reactor {
    reactor_with_pool(10)
}

fn reactor_with_pool(threads: usize) -> Reactor {
    Reactor::builder().thread_pool_size(threads).install_signal_handlers(false).build().unwrap()
}

/// Twisted's `RuntimeError("...")`, raised by the functions the tests hand over.
#[derive(Debug)]
struct RuntimeError(&'static str);

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Error for RuntimeError {}

/// The error class the Twisted tests define locally to check the failure's type.
#[derive(Debug)]
struct NewError;

impl fmt::Display for NewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a new error")
    }
}

impl Error for NewError {}

/// Python's `ZeroDivisionError`, from `1 // 0`.
#[derive(Debug)]
struct DivisionByZero;

impl fmt::Display for DivisionByZero {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("integer division by zero")
    }
}

impl Error for DivisionByZero {}

fn int_div(a: i32, b: i32) -> Result<i32, Failure> {
    a.checked_div(b).ok_or_else(|| Failure::new(DivisionByZero))
}

fn runtime_error_message(failure: &Failure) -> &'static str {
    failure.downcast_ref::<RuntimeError>().expect("a RuntimeError failure").0
}

/// Twisted's `_testBlockingCallFromThread`: a pool thread makes one blocking call with
/// `f` and the reactor runs until that thread has its answer.
fn blocking_call_from_pool<F, R>(f: F) -> Result<R::Value, Failure>
where
    F: FnOnce(&Reactor) -> R + Send + 'static,
    R: IntoOutcome,
    R::Value: Send,
{
    let reactor = reactor();
    let handle = reactor.handle();
    let answered =
        reactor.defer_to_thread(move || Ok::<_, Failure>(handle.blocking_call_from_thread(f)));
    reactor.run_until(answered).expect("the pool job returns the answer, whatever it is")
}

// ReactorThreadsTests

// Source: twisted/test/test_threads.py ReactorThreadsTests.test_suggestThreadPoolSize
// DIFFERENCE: the pool's size is fixed when the reactor is built, and there is no
// getter, so the test checks what the size is for: six jobs on a pool of two never
// run more than two at once, on at most two threads, and all finish.
#[test]
fn thread_pool_size_bounds_concurrency() {
    let reactor = reactor_with_pool(2);
    let busy = Arc::new(AtomicUsize::new(0));
    let most_busy = Arc::new(AtomicUsize::new(0));
    let jobs: Vec<Deferred<ThreadId>> = (0..6)
        .map(|_| {
            let (busy, most_busy) = (Arc::clone(&busy), Arc::clone(&most_busy));
            reactor.defer_to_thread(move || {
                let now = busy.fetch_add(1, Ordering::SeqCst) + 1;
                most_busy.fetch_max(now, Ordering::SeqCst);
                // Long enough for the jobs to overlap if the pool let them.
                thread::sleep(Duration::from_millis(2));
                busy.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, Failure>(thread::current().id())
            })
        })
        .collect();
    let threads = reactor.run_until(gather_results(jobs)).unwrap();
    assert_eq!(threads.len(), 6);
    let most = most_busy.load(Ordering::SeqCst);
    assert!((1..=2).contains(&most), "{most} jobs ran at once on a pool of 2");
    let distinct: HashSet<ThreadId> = threads.into_iter().collect();
    assert!(distinct.len() <= 2, "{} pool threads for a pool of 2", distinct.len());
    assert_eq!(busy.load(Ordering::SeqCst), 0);
}

// Source: twisted/test/test_threads.py ReactorThreadsTests.test_suggestThreadPoolSize
// DIFFERENCE: Twisted's tests size the pool down to 0 in tearDown; here a size of 0 is
// taken as 1, so work given to such a reactor still runs, one job at a time.
#[test]
fn thread_pool_size_zero_still_runs_work() {
    let reactor = reactor_with_pool(0);
    let jobs: Vec<Deferred<ThreadId>> = (0..3)
        .map(|_| reactor.defer_to_thread(|| Ok::<_, Failure>(thread::current().id())))
        .collect();
    let threads = reactor.run_until(gather_results(jobs)).unwrap();
    assert!(threads.iter().all(|id| *id == threads[0]), "one thread did all the work");
    assert_ne!(threads[0], thread::current().id());
}

// Source: twisted/test/test_threads.py ReactorThreadsTests.test_callInThread
// DIFFERENCE: Twisted blocks the reactor's thread on an Event until the function has
// run; here the function reports its thread back through a ThreadResolver, and the
// reactor keeps running meanwhile.
#[test]
fn call_in_thread_runs_off_the_reactor_thread() {
    let reactor = reactor();
    let (ran_in, resolver) = Deferred::new();
    let remote = reactor.thread_resolver(resolver);
    let handle = reactor.handle();
    reactor.call_when_running(move || {
        handle.call_in_thread(move || remote.callback(thread::current().id())).unwrap();
    });
    let thread = reactor.run_until(ran_in).unwrap();
    assert_ne!(thread, thread::current().id(), "call_in_thread ran on the reactor's thread");
}

// Source: twisted/test/test_threads.py ReactorThreadsTests.test_callFromThread
#[test]
fn call_from_thread_from_the_reactor_and_from_another_thread() {
    let reactor = reactor();
    let reactor_thread = thread::current().id();
    let (by_reactor_thread, fire_by_reactor) = Deferred::new();
    let (by_other_thread, fire_by_other) = Deferred::new();
    let fire_by_reactor = reactor.thread_resolver(fire_by_reactor);
    let fire_by_other = reactor.thread_resolver(fire_by_other);
    let handle = reactor.handle();
    reactor.call_when_running(move || {
        let from_pool = handle.clone();
        handle
            .call_in_thread(move || {
                let asked_from = thread::current().id();
                from_pool
                    .call_from_thread(move |_| {
                        fire_by_other.callback((asked_from, thread::current().id()));
                    })
                    .unwrap();
            })
            .unwrap();
        handle
            .call_from_thread(move |_| {
                fire_by_reactor.callback((reactor_thread, thread::current().id()));
            })
            .unwrap();
    });
    let both = reactor.run_until(gather_results([by_reactor_thread, by_other_thread])).unwrap();
    assert_ne!(both[1].0, reactor_thread, "the second call came from a pool thread");
    assert_eq!(both[0].1, reactor_thread);
    assert_eq!(both[1].1, reactor_thread);
}

// Source: none in Twisted: callFromThread keeps the order of calls, and called on the
// reactor's own thread it runs the function on a later turn, not inline.
#[test]
fn call_from_thread_on_the_reactor_thread_runs_later_in_order() {
    let reactor = reactor();
    let order = Arc::new(Mutex::new(Vec::new()));
    let (done, resolver) = Deferred::new();
    let remote = reactor.thread_resolver(resolver);
    let handle = reactor.handle();
    let log = Arc::clone(&order);
    reactor.call_when_running(move || {
        for i in 0..5 {
            let log = Arc::clone(&log);
            handle.call_from_thread(move |_| log.lock().unwrap().push(i)).unwrap();
        }
        handle.call_from_thread(move |_| remote.callback(())).unwrap();
        log.lock().unwrap().push(-1);
    });
    reactor.run_until(done).unwrap();
    assert_eq!(*order.lock().unwrap(), vec![-1, 0, 1, 2, 3, 4]);
}

// Source: twisted/test/test_threads.py ReactorThreadsTests.test_wakerOverflow
// DIFFERENCE: Twisted only checks that no call raised; here every call must also reach
// the reactor.
#[test]
fn waker_overflow() {
    const CALLS: usize = 100_000;
    let reactor = reactor();
    let arrived = Arc::new(AtomicUsize::new(0));
    let handle = reactor.handle();
    let counter = Arc::clone(&arrived);
    let sent = reactor.defer_to_thread(move || {
        for _ in 0..CALLS {
            let counter = Arc::clone(&counter);
            handle.call_from_thread(move |_| {
                counter.fetch_add(1, Ordering::Relaxed);
            })?;
        }
        Ok::<_, Failure>(())
    });
    // The job's own answer comes after its calls, through the same queue.
    reactor.run_until(sent).unwrap();
    assert_eq!(arrived.load(Ordering::Relaxed), CALLS);
}

// Source: twisted/test/test_threads.py ReactorThreadsTests.test_blockingCallFromThread
#[test]
fn blocking_call_from_thread() {
    let answer = blocking_call_from_pool(|_| succeed("foo"));
    assert_eq!(answer.unwrap(), "foo");
}

// Source: twisted/test/test_threads.py ReactorThreadsTests.test_asyncBlockingCallFromThread
// DIFFERENCE: the Deferred fires 5 ms later rather than 0.1 s, to keep the test short.
#[test]
fn async_blocking_call_from_thread() {
    let answer = blocking_call_from_pool(|reactor| {
        let (d, resolver) = Deferred::new();
        reactor.call_later(Duration::from_millis(5), move || resolver.callback("egg"));
        testing::assert_no_result(&d);
        d
    });
    assert_eq!(answer.unwrap(), "egg");
}

// Source: twisted/test/test_threads.py ReactorThreadsTests.test_errorBlockingCallFromThread
#[test]
fn error_blocking_call_from_thread() {
    let failure = blocking_call_from_pool(|_| fail::<()>(RuntimeError("bar"))).unwrap_err();
    assert_eq!(runtime_error_message(&failure), "bar");
}

// Source: twisted/test/test_threads.py ReactorThreadsTests.test_asyncErrorBlockingCallFromThread
// DIFFERENCE: the Deferred fails 5 ms later rather than 0.1 s.
#[test]
fn async_error_blocking_call_from_thread() {
    let failure = blocking_call_from_pool(|reactor| {
        let (d, resolver) = Deferred::<()>::new();
        reactor.call_later(Duration::from_millis(5), move || {
            resolver.errback(RuntimeError("spam"));
        });
        d
    })
    .unwrap_err();
    assert_eq!(runtime_error_message(&failure), "spam");
}

// Source: none in Twisted: blockingCallFromThread goes through maybeDeferred, so a
// function that returns a plain value or raises is answered too; here that is a
// function returning `Ok` or `Err`.
#[test]
fn blocking_call_from_thread_with_a_plain_result() {
    let reactor_thread = thread::current().id();
    let answer = blocking_call_from_pool(move |reactor| {
        Ok::<_, Failure>((thread::current().id() == reactor_thread, reactor.running()))
    });
    assert_eq!(answer.unwrap(), (true, true), "ran on the running reactor's thread");
    let failure = blocking_call_from_pool(|_| Err::<(), _>(Failure::new(RuntimeError("sync"))));
    assert_eq!(runtime_error_message(&failure.unwrap_err()), "sync");
}

// Source: none in Twisted: there, blockingCallFromThread on the reactor's thread waits
// for itself forever; here it fails at once with ReactorThreadError, before the reactor
// runs and while it runs, and the function is not run.
#[test]
fn blocking_call_from_thread_on_the_reactor_thread_fails() {
    let reactor = reactor();
    let handle = reactor.handle();
    let ran = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&ran);
    let before_run = handle.blocking_call_from_thread(move |_| {
        flag.store(true, Ordering::SeqCst);
        Ok::<_, Failure>(())
    });
    assert!(before_run.unwrap_err().check::<ReactorThreadError>());
    let flag = Arc::clone(&ran);
    let (d, resolver) = Deferred::new();
    reactor.call_later(Duration::ZERO, move || {
        resolver.resolve(handle.blocking_call_from_thread(move |_| {
            flag.store(true, Ordering::SeqCst);
            Ok::<_, Failure>(())
        }));
    });
    assert!(reactor.run_until(d).unwrap_err().check::<ReactorThreadError>());
    assert!(!ran.load(Ordering::SeqCst));
}

// Source: none in Twisted: a thread waiting on a Deferred that shutdown leaves unfired
// would wait forever there; here the shutdown's "during" phase releases it with
// ReactorStopped, before the pool waits for its threads.
#[test]
fn blocking_call_from_thread_is_released_at_shutdown() {
    let reactor = reactor();
    let handle = reactor.handle();
    let answer = Arc::new(Mutex::new(None));
    let slot = Arc::clone(&answer);
    handle
        .clone()
        .call_in_thread(move || {
            let result = handle.blocking_call_from_thread(|reactor| {
                reactor.stop().unwrap();
                let (never, resolver) = Deferred::<()>::new();
                // Parked in the timer heap, so the Deferred stays pending past shutdown.
                reactor.call_later(Duration::from_secs(3600), move || drop(resolver));
                never
            });
            *slot.lock().unwrap() = Some(result);
        })
        .unwrap();
    reactor.run().unwrap();
    let result = answer.lock().unwrap().take().expect("the pool thread finished within run");
    assert!(result.unwrap_err().check::<ReactorStopped>());
}

// Source: none in Twisted: while "before shutdown" triggers hold the shutdown up, the
// pool still runs and blocking calls are still answered, so a trigger may wait on work
// that talks to the reactor.
#[test]
fn blocking_call_from_thread_is_answered_before_shutdown() {
    let reactor = reactor();
    let handle = reactor.handle();
    let answer = Arc::new(Mutex::new(None));
    let (slot, r) = (Arc::clone(&answer), reactor.clone());
    reactor.add_system_event_trigger(Phase::Before, SystemEvent::Shutdown, move || {
        r.defer_to_thread(move || {
            let running = handle.blocking_call_from_thread(|reactor| Ok(reactor.running()));
            *slot.lock().unwrap() = Some(running);
            Ok::<_, Failure>(())
        })
    });
    let r = reactor.clone();
    reactor.call_when_running(move || r.stop().unwrap());
    reactor.run().unwrap();
    let running = answer.lock().unwrap().take().expect("the trigger's work ran");
    assert!(running.unwrap(), "answered while the reactor still counts as running");
}

// Source: none in Twisted: once the reactor has finished, the hand-off refuses at once
// with ReactorStopped rather than queueing work nobody will run.
#[test]
fn calls_after_the_reactor_finished_are_refused() {
    let reactor = reactor();
    reactor.run_until(succeed(())).unwrap();
    let handle = reactor.handle();
    let blocking = thread::spawn(move || {
        let refused = handle.blocking_call_from_thread(|_| Ok::<_, Failure>(1));
        assert!(refused.unwrap_err().check::<ReactorStopped>());
        assert_eq!(handle.call_from_thread(|_| {}), Err(ReactorStopped));
        assert_eq!(handle.call_in_thread(|| {}), Err(ReactorStopped));
    });
    blocking.join().unwrap();
}

// Source: none in Twisted: a function handed over with callFromThread that raises is
// logged and the loop goes on; here a panic is caught and reported the same way.
#[test]
fn call_from_thread_panic_is_reported_and_the_loop_goes_on() {
    let capture = ReportCapture::start();
    let reactor = reactor();
    let handle = reactor.handle();
    let (after, resolver) = Deferred::new();
    let remote = reactor.thread_resolver(resolver);
    handle.call_from_thread(|_| panic!("boom in the hand-off")).unwrap();
    handle.call_from_thread(move |_| remote.callback("after")).unwrap();
    assert_eq!(reactor.run_until(after).unwrap(), "after");
    let reports = capture.take();
    assert_eq!(reports.len(), 1);
    let panic = reports[0].failure().downcast_ref::<PanicError>().expect("a panic report");
    assert_eq!(panic.message(), "boom in the hand-off");
}

// Source: none in Twisted: a function given to callInThread that raises is logged and
// the worker goes on; here a panicking job does not cost the pool its only thread.
#[test]
fn call_in_thread_panic_leaves_the_pool_working() {
    let reactor = reactor_with_pool(1);
    let handle = reactor.handle();
    handle.call_in_thread(|| panic!("boom in the pool")).unwrap();
    let next = reactor.defer_to_thread(|| Ok::<_, Failure>("next job"));
    assert_eq!(reactor.run_until(next).unwrap(), "next job");
}

// DeferredResultTests

// Source: twisted/test/test_threads.py DeferredResultTests.test_callMultiple
// DIFFERENCE: there is no callMultipleInThread; one closure given to call_in_thread
// runs the functions in order in one thread, the last handing `finished` back.
#[test]
fn call_multiple_in_one_thread() {
    const N: usize = 10;
    let reactor = reactor();
    let (finished, resolver) = Deferred::new();
    let remote = reactor.thread_resolver(resolver);
    let list = Arc::new(Mutex::new(Vec::new()));
    let mut calls: Vec<Box<dyn FnOnce() + Send>> = Vec::new();
    for i in 0..N {
        let list = Arc::clone(&list);
        calls.push(Box::new(move || list.lock().unwrap().push((i, thread::current().id()))));
    }
    let handle = reactor.handle();
    calls.push(Box::new(move || {
        let finished = move |_: &Reactor| remote.callback(list.lock().unwrap().clone());
        handle.call_from_thread(finished).unwrap();
    }));
    reactor
        .handle()
        .call_in_thread(move || {
            for call in calls {
                call();
            }
        })
        .unwrap();
    let seen = reactor.run_until(finished).unwrap();
    assert_eq!(seen.iter().map(|(i, _)| *i).collect::<Vec<_>>(), (0..N).collect::<Vec<_>>());
    assert!(seen.iter().all(|(_, thread)| *thread == seen[0].1), "all in one thread");
}

// Source: twisted/test/test_threads.py DeferredResultTests.test_deferredResult
// DIFFERENCE: the arguments are captured by the closure rather than passed along.
#[test]
fn defer_to_thread_result() {
    let reactor = reactor();
    let reactor_thread = thread::current().id();
    let add = |x: i32, y: i32| x + y;
    let d = reactor
        .defer_to_thread(move || Ok::<_, Failure>(add(3, 4)))
        .add_callback(move |sum| Ok::<_, Failure>((sum, thread::current().id())));
    let (sum, fired_on) = reactor.run_until(d).unwrap();
    assert_eq!(sum, 7);
    assert_eq!(fired_on, reactor_thread, "the Deferred fires on the reactor's thread");
}

// Source: twisted/test/test_threads.py DeferredResultTests.test_deferredFailure
#[test]
fn defer_to_thread_failure() {
    let reactor = reactor();
    let d = reactor.defer_to_thread(|| Err::<(), _>(Failure::new(NewError)));
    assert!(reactor.run_until(d).unwrap_err().check::<NewError>());
}

// Source: twisted/test/test_threads.py DeferredResultTests.test_deferredFailureAfterSuccess
#[test]
fn defer_to_thread_failure_after_success() {
    let reactor = reactor();
    let r = reactor.clone();
    let d = reactor
        .defer_to_thread(|| Ok::<_, Failure>(()))
        .add_callback(move |()| r.defer_to_thread(|| int_div(1, 0)));
    assert!(reactor.run_until(d).unwrap_err().check::<DivisionByZero>());
}

// Source: none in Twisted: an exception in the function fails the Deferred; a panic is
// the Rust counterpart, and becomes a PanicError failure.
#[test]
fn defer_to_thread_panic_fails_the_deferred() {
    let reactor = reactor();
    let d = reactor.defer_to_thread(|| -> Result<(), Failure> { panic!("boom in a thread") });
    let failure = reactor.run_until(d).unwrap_err();
    let panic = failure.downcast_ref::<PanicError>().expect("a PanicError failure");
    assert_eq!(panic.message(), "boom in a thread");
}

// Source: none in Twisted: cancelling the Deferred of deferToThread does not stop the
// function; its result, when it comes, is dropped without a report.
#[test]
fn defer_to_thread_cancelled_still_runs_and_drops_its_result() {
    let capture = ReportCapture::start();
    let reactor = reactor_with_pool(1);
    let ran = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&ran);
    let d = reactor.defer_to_thread(move || {
        flag.store(true, Ordering::SeqCst);
        Ok::<_, Failure>(5)
    });
    d.cancel();
    assert!(testing::failure_result_of(d).check::<CancelledError>());
    // One pool thread: this job runs after the cancelled one, and its answer comes after.
    let next = reactor.defer_to_thread(|| Ok::<_, Failure>(()));
    reactor.run_until(next).unwrap();
    assert!(ran.load(Ordering::SeqCst));
    assert!(capture.take().is_empty());
}

// DeferToThreadPoolTests

// Source: twisted/test/test_threads.py DeferToThreadPoolTests.test_deferredResult
// DIFFERENCE: there is no public thread pool to pass; a pool of one's own size is a
// reactor built with it (ThreadPool(0, 8) becomes thread_pool_size(8)).
#[test]
fn defer_to_sized_pool_result() {
    let reactor = reactor_with_pool(8);
    let d = reactor.defer_to_thread(|| Ok::<_, Failure>(3 + 4));
    assert_eq!(reactor.run_until(d).unwrap(), 7);
}

// Source: twisted/test/test_threads.py DeferToThreadPoolTests.test_deferredFailure
// DIFFERENCE: as above, the pool is the reactor's, built with 8 threads.
#[test]
fn defer_to_sized_pool_failure() {
    let reactor = reactor_with_pool(8);
    let d = reactor.defer_to_thread(|| Err::<(), _>(Failure::new(NewError)));
    assert!(reactor.run_until(d).unwrap_err().check::<NewError>());
}

// StartupBehaviorTests

// Source: twisted/test/test_threads.py StartupBehaviorTests.testCallBeforeStartupUnexecuted
// DIFFERENCE: Twisted runs a child process, which must print nothing and exit; here the
// reactor is dropped without running: the work never ran, and dropping it released
// what it held (no pool thread keeps it alive).
#[test]
fn call_before_startup_unexecuted() {
    let reactor = reactor();
    let ran = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&ran);
    reactor.handle().call_in_thread(move || flag.store(true, Ordering::SeqCst)).unwrap();
    // Twisted spins briefly to give a wrongly started thread its chance.
    thread::sleep(Duration::from_millis(2));
    assert!(!ran.load(Ordering::SeqCst), "work ran before the reactor did");
    drop(reactor);
    assert!(!ran.load(Ordering::SeqCst));
    assert_eq!(Arc::strong_count(&ran), 1, "the queued work was dropped with the reactor");
}

// Source: twisted/test/test_threads.py StartupBehaviorTests.testCallBeforeStartupUnexecuted
// DIFFERENCE: the same for defer_to_thread, whose Deferred fails when the reactor goes
// away unrun, rather than waiting forever.
#[test]
fn defer_to_thread_before_startup_unexecuted() {
    let reactor = reactor();
    let ran = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&ran);
    let d = reactor.defer_to_thread(move || {
        flag.store(true, Ordering::SeqCst);
        Ok::<_, Failure>(())
    });
    drop(reactor);
    testing::failure_result_of(d);
    assert!(!ran.load(Ordering::SeqCst));
}

// Source: twisted/test/test_threads.py StartupBehaviorTests.testCallBeforeStartupUnexecuted
// DIFFERENCE: the cleanup half, for work that holds the reactor's handle, as every
// defer_to_thread job does: dropping the unrun reactor must drop the work too.
#[test]
fn work_holding_the_handle_is_dropped_with_an_unrun_reactor() {
    let reactor = reactor();
    let token = Arc::new(());
    let held = Arc::clone(&token);
    let d = reactor.defer_to_thread(move || {
        drop(held);
        Ok::<_, Failure>(())
    });
    let (handle, held) = (reactor.handle(), Arc::clone(&token));
    reactor
        .handle()
        .call_in_thread(move || {
            drop((handle, held));
        })
        .unwrap();
    drop(reactor);
    testing::failure_result_of(d);
    assert_eq!(Arc::strong_count(&token), 1, "the queued work was dropped with the reactor");
}

// Source: none in Twisted (the other half of StartupBehaviorTests' docstring): work
// queued before the reactor runs waits for it, then runs once it does.
#[test]
fn work_queued_before_run_runs_when_the_reactor_runs() {
    let reactor = reactor();
    let ran = Arc::new(AtomicUsize::new(0));
    let flag = Arc::clone(&ran);
    reactor
        .handle()
        .call_in_thread(move || {
            flag.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    let flag = Arc::clone(&ran);
    let d = reactor.defer_to_thread(move || {
        flag.fetch_add(1, Ordering::SeqCst);
        Ok::<_, Failure>(thread::current().id())
    });
    thread::sleep(Duration::from_millis(2));
    assert_eq!(ran.load(Ordering::SeqCst), 0, "work ran before the reactor did");
    let thread = reactor.run_until(d).unwrap();
    assert_ne!(thread, thread::current().id());
    // The call_in_thread job was queued first, so it has begun by now, and shutdown
    // waited for it to finish.
    assert_eq!(ran.load(Ordering::SeqCst), 2);
}

// Source: none in Twisted: a thread blocked on a reactor that is dropped without ever
// running is released with ReactorStopped.
#[test]
fn blocking_call_to_a_reactor_dropped_unrun_is_released() {
    let reactor = reactor();
    let handle = reactor.handle();
    let (asking, asked) = mpsc::channel();
    let caller = thread::spawn(move || {
        asking.send(()).unwrap();
        handle.blocking_call_from_thread(|_| Ok::<_, Failure>(1))
    });
    asked.recv().unwrap();
    // Whether the call is already waiting or not yet made, the answer is the same.
    drop(reactor);
    assert!(caller.join().unwrap().unwrap_err().check::<ReactorStopped>());
}

// Shutdown

/// Two jobs on a pool of one, the first under way when shutdown comes and the second
/// still queued; runs the reactor and returns both Deferreds and whether the second ran.
///
/// The first job waits on a channel whose sender the second job holds, so it finishes
/// exactly when the second is dropped unrun (or, wrongly, runs): no timing involved.
fn shutdown_with_work_under_way_and_queued()
-> (Deferred<&'static str>, Deferred<&'static str>, bool) {
    let reactor = reactor_with_pool(1);
    let handle = reactor.handle();
    let (release, released) = mpsc::channel::<()>();
    let under_way = reactor.defer_to_thread(move || {
        handle.call_from_thread(|reactor| reactor.stop().unwrap()).unwrap();
        let _ = released.recv();
        Ok::<_, Failure>("finished")
    });
    let ran = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&ran);
    let queued = reactor.defer_to_thread(move || {
        drop(release);
        flag.store(true, Ordering::SeqCst);
        Ok::<_, Failure>("ran")
    });
    reactor.run().unwrap();
    (under_way, queued, ran.load(Ordering::SeqCst))
}

// Source: none in Twisted: ThreadPool.stop there lets the workers drain the queue;
// here work still queued at shutdown never runs and its Deferred fails, while work
// under way finishes and delivers its result.
#[test]
fn queued_work_at_shutdown_never_runs() {
    let (under_way, queued, ran) = shutdown_with_work_under_way_and_queued();
    assert_eq!(testing::success_result_of(under_way), "finished");
    assert!(!ran, "queued work ran during shutdown");
    testing::failure_result_of(queued);
}

// Source: none in Twisted: the error that queued work's Deferred fails with, as
// documented on Reactor::defer_to_thread.
#[test]
fn queued_work_at_shutdown_fails_with_reactor_stopped() {
    let (_, queued, _) = shutdown_with_work_under_way_and_queued();
    let failure = testing::failure_result_of(queued);
    assert!(failure.check::<ReactorStopped>(), "{}", failure.report());
}

// Source: none in Twisted: work given to a pool that shutdown has stopped is refused,
// and its Deferred fails instead of waiting forever.
#[test]
fn defer_to_thread_refused_during_shutdown_fails() {
    let reactor = reactor();
    let late = Rc::new(RefCell::new(None));
    let (slot, r) = (Rc::clone(&late), reactor.clone());
    reactor.add_system_event_trigger(Phase::After, SystemEvent::Shutdown, move || {
        *slot.borrow_mut() = Some(r.defer_to_thread(|| Ok::<_, Failure>(())));
        Ok::<_, Failure>(())
    });
    reactor.run_until(succeed(())).unwrap();
    let refused = late.borrow_mut().take().expect("the trigger ran");
    testing::failure_result_of(refused);
}

// Source: none in Twisted: the same once the reactor has finished.
#[test]
fn defer_to_thread_after_the_reactor_finished_fails() {
    let reactor = reactor();
    reactor.run_until(succeed(())).unwrap();
    let refused = reactor.defer_to_thread(|| Ok::<_, Failure>(()));
    let failure = testing::failure_result_of(refused);
    assert!(failure.check::<ReactorStopped>(), "{}", failure.report());
}

// ThreadResolver

// Source: none in Twisted: a thread of one's own firing a Deferred through
// callFromThread(d.callback / d.errback), as threads.deferToThreadPool does.
#[test]
fn thread_resolver_callback_and_errback_from_another_thread() {
    let reactor = reactor();
    let (ok, resolver) = Deferred::new();
    let fire_ok = reactor.thread_resolver(resolver);
    let (err, resolver) = Deferred::<&'static str>::new();
    let fire_err = reactor.thread_resolver(resolver);
    let worker = thread::spawn(move || {
        fire_ok.callback("value from a thread");
        fire_err.errback(Failure::new(RuntimeError("failure from a thread")));
    });
    let err = err.add_errback(|failure| Ok(runtime_error_message(&failure)));
    let both = reactor.run_until(gather_results([ok, err])).unwrap();
    assert_eq!(both, vec!["value from a thread", "failure from a thread"]);
    worker.join().unwrap();
}

// Source: none in Twisted: a ThreadResolver dropped unfired on another thread fails
// its Deferred with ResolverDroppedError, as a dropped Resolver does.
#[test]
fn thread_resolver_dropped_unfired() {
    let reactor = reactor();
    let (d, resolver) = Deferred::<()>::new();
    let remote = reactor.thread_resolver(resolver);
    thread::spawn(move || drop(remote)).join().unwrap();
    assert!(reactor.run_until(d).unwrap_err().check::<ResolverDroppedError>());
}

// Source: none in Twisted: a ThreadResolver still unfired when the reactor finishes
// leaves its Deferred failed with ReactorStopped; firing or dropping it later does
// nothing.
#[test]
fn thread_resolver_fired_after_the_reactor_finished() {
    let reactor = reactor();
    let (d1, resolver) = Deferred::<i32>::new();
    let fired_late = reactor.thread_resolver(resolver);
    let (d2, resolver) = Deferred::<i32>::new();
    let dropped_late = reactor.thread_resolver(resolver);
    reactor.run_until(succeed(())).unwrap();
    assert!(testing::failure_result_of(d1).check::<ReactorStopped>());
    assert!(testing::failure_result_of(d2).check::<ReactorStopped>());
    thread::spawn(move || {
        fired_late.callback(1);
        drop(dropped_late);
    })
    .join()
    .unwrap();
}

// Stress: the hand-off in bulk

// Source: none in Twisted: many threads handing over calls at once lose none, and
// each thread's calls run in the order it made them, on the reactor's thread.
#[test]
fn call_from_thread_from_many_threads_keeps_each_threads_order() {
    const THREADS: usize = 8;
    const CALLS: usize = 2_000;
    let reactor = reactor();
    let reactor_thread = thread::current().id();
    let log = Arc::new(Mutex::new(Vec::with_capacity(THREADS * CALLS)));
    let mut finished = Vec::new();
    let mut workers = Vec::new();
    for t in 0..THREADS {
        let (done, resolver) = Deferred::new();
        finished.push(done);
        let remote = reactor.thread_resolver(resolver);
        let (handle, log) = (reactor.handle(), Arc::clone(&log));
        workers.push(thread::spawn(move || {
            for i in 0..CALLS {
                let log = Arc::clone(&log);
                handle
                    .call_from_thread(move |_| {
                        let on_reactor = thread::current().id() == reactor_thread;
                        log.lock().unwrap().push((t, i, on_reactor));
                    })
                    .unwrap();
            }
            // Behind this thread's calls in the queue.
            remote.callback(());
        }));
    }
    reactor.run_until(gather_results(finished)).unwrap();
    for worker in workers {
        worker.join().unwrap();
    }
    let log = log.lock().unwrap();
    assert_eq!(log.len(), THREADS * CALLS);
    assert!(log.iter().all(|&(_, _, on_reactor)| on_reactor));
    let mut next = [0; THREADS];
    for &(t, i, _) in log.iter() {
        assert_eq!(i, next[t], "thread {t}'s calls out of order");
        next[t] += 1;
    }
}

// Source: none in Twisted: pool threads making blocking calls at once each get their
// own answers, whether the function returns a value or a Deferred.
#[test]
fn blocking_call_from_thread_from_many_pool_threads() {
    const THREADS: usize = 4;
    const CALLS: usize = 200;
    let reactor = reactor_with_pool(THREADS);
    let answered = Arc::new(AtomicUsize::new(0));
    let jobs: Vec<Deferred<usize>> = (0..THREADS)
        .map(|t| {
            let (handle, answered) = (reactor.handle(), Arc::clone(&answered));
            reactor.defer_to_thread(move || {
                let mut sum = 0;
                for i in 0..CALLS {
                    let key = t * CALLS + i;
                    let answered = Arc::clone(&answered);
                    let answer = handle.blocking_call_from_thread(move |_| {
                        answered.fetch_add(1, Ordering::Relaxed);
                        if key.is_multiple_of(2) {
                            succeed(key * 2)
                        } else {
                            fail(RuntimeError("odd"))
                        }
                    });
                    match answer {
                        Ok(double) => {
                            assert_eq!(double, key * 2);
                            sum += 1;
                        }
                        Err(failure) => assert_eq!(runtime_error_message(&failure), "odd"),
                    }
                }
                Ok::<_, Failure>(sum)
            })
        })
        .collect();
    let evens = reactor.run_until(gather_results(jobs)).unwrap();
    assert_eq!(evens, vec![CALLS / 2; THREADS]);
    assert_eq!(answered.load(Ordering::Relaxed), THREADS * CALLS);
}
