//! Twisted's `DeferLaterTests` (twisted/test/test_task.py): `task::defer_later`, a call
//! made some time from now whose outcome arrives as a Deferred.

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use deferreds::task::{Clock, defer_later};
use deferreds::{CancelledError, Failure, PanicError, testing};

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

#[derive(Debug)]
struct TestException;

impl fmt::Display for TestException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("test exception")
    }
}

impl Error for TestException {}

// Source: twisted/test/test_task.py DeferLaterTests.test_callback
#[test]
fn callback() {
    let clock = Clock::new();
    let results = Rc::new(RefCell::new(Vec::new()));
    let flag = Rc::new(());
    let (log, returned) = (Rc::clone(&results), Rc::clone(&flag));
    // DIFFERENCE: Twisted passes positional and keyword arguments through deferLater;
    // the closure captures them.
    let (foo, bar) = ("foo", "bar");
    let d = defer_later(&clock, secs(3.0), move || {
        log.borrow_mut().push((foo, bar));
        Ok::<_, Failure>(returned)
    });
    clock.advance(secs(2.0));
    assert!(results.borrow().is_empty(), "the function must wait for the whole delay");
    clock.advance(secs(1.0));
    assert_eq!(*results.borrow(), [("foo", "bar")]);
    assert!(Rc::ptr_eq(&testing::success_result_of(d), &flag), "fires with what f returned");
}

// Source: twisted/test/test_task.py DeferLaterTests.test_errback
#[test]
fn errback() {
    let clock = Clock::new();
    let d = defer_later(&clock, secs(1.0), || Err::<(), _>(Failure::new(TestException)));
    clock.advance(secs(1.0));
    assert!(testing::failure_result_of(d).check::<TestException>());
}

// Source: twisted/test/test_task.py DeferLaterTests.test_errback
#[test]
fn errback_when_the_function_panics() {
    // DIFFERENCE: Rust raises in two ways; a panic in the function fails the Deferred
    // just as a returned error does.
    let clock = Clock::new();
    let d = defer_later(&clock, secs(1.0), || -> Result<(), Failure> { panic!("raised") });
    clock.advance(secs(1.0));
    let failure = testing::failure_result_of(d);
    assert_eq!(failure.downcast_ref::<PanicError>().map(PanicError::message), Some("raised"));
}

// Source: twisted/test/test_task.py DeferLaterTests.test_cancel
#[test]
fn cancel() {
    let clock = Clock::new();
    let called = Rc::new(RefCell::new(Vec::new()));
    let log = Rc::clone(&called);
    let d = defer_later(&clock, secs(1.0), move || {
        log.borrow_mut().push(());
        Ok::<_, Failure>(())
    });
    d.cancel();
    assert!(clock.delayed_calls().is_empty(), "cancelling must cancel the delayed call");
    assert!(called.borrow().is_empty());
    assert!(testing::failure_result_of(d).check::<CancelledError>());
    clock.advance(secs(1.0));
    assert!(called.borrow().is_empty(), "a cancelled call never runs");
}

// Source: twisted/test/test_task.py DeferLaterTests.test_noCallback
#[test]
fn no_callback() {
    // DIFFERENCE: the function is not optional; a closure returning `Ok(())` is how to
    // only wait, and the Deferred fires with `()`, Twisted's `None`.
    let clock = Clock::new();
    let d = defer_later(&clock, secs(2.0), || Ok::<_, Failure>(()));
    testing::assert_no_result(&d);
    clock.advance(secs(2.0));
    testing::success_result_of(d);
}
