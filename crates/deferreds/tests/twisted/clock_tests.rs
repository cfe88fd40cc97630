//! Twisted's `ClockTests` (twisted/test/test_task.py): the manual clock of virtual time,
//! `task::Clock`, and the `DelayedCall` handles it gives out.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use deferreds::task::Clock;
use deferreds::{DelayedCall, Time};

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// A shared list that scheduled calls append to.
type Events<T> = Rc<RefCell<Vec<T>>>;

fn events<T>() -> Events<T> {
    Rc::new(RefCell::new(Vec::new()))
}

/// A call that records `(name, clock time)` when it runs (Twisted's `logtime`).
fn log_time(
    clock: &Clock,
    log: &Events<(&'static str, f64)>,
    name: &'static str,
) -> impl FnOnce() + use<> {
    let clock = clock.clone();
    let log = Rc::clone(log);
    move || log.borrow_mut().push((name, clock.seconds()))
}

// Source: twisted/test/test_task.py ClockTests.testSeconds
#[test]
fn seconds_starts_at_zero_and_is_virtual() {
    let clock = Clock::new();
    assert_eq!(clock.seconds(), 0.0);
    assert_eq!(clock.elapsed(), Duration::ZERO);
    clock.advance(secs(2.5));
    assert_eq!(clock.seconds(), 2.5);
    assert_eq!(clock.elapsed(), secs(2.5));
}

// Source: twisted/test/test_task.py ClockTests.testCallLater
#[test]
fn call_later_returns_an_active_delayed_call_with_its_time() {
    let clock = Clock::new();
    let ran = events();
    let log = Rc::clone(&ran);
    let (a, b) = (1, 2);
    // DIFFERENCE: Twisted passes positional and keyword arguments to callLater; a Rust
    // closure captures them. "Provides IDelayedCall" is the return type, DelayedCall.
    let call: DelayedCall = clock.call_later(secs(1.0), move || log.borrow_mut().push((a, b)));
    assert_eq!(call.time(), 1.0);
    assert!(call.active());
    assert!(ran.borrow().is_empty(), "scheduling must not run the call");
}

// Source: twisted/test/test_task.py ClockTests.testCallLaterCancelled
#[test]
fn call_later_can_be_cancelled() {
    let clock = Clock::new();
    let ran = events();
    let log = Rc::clone(&ran);
    let call = clock.call_later(secs(1.0), move || log.borrow_mut().push(()));
    assert_eq!(call.cancel(), Ok(()));
    assert!(!call.active());
    clock.advance(secs(1.0));
    assert!(ran.borrow().is_empty(), "a cancelled call must not run");
    assert!(clock.delayed_calls().is_empty());
}

// Source: twisted/test/test_task.py ClockTests.test_callLaterOrdering
#[test]
fn call_later_returns_a_new_delayed_call_each_time() {
    // DIFFERENCE: DelayedCall has no identity comparison; two handles are shown to be
    // distinct calls by their own times and by cancelling one leaving the other active.
    let clock = Clock::new();
    let call1 = clock.call_later(secs(10.0), || {});
    let call2 = clock.call_later(secs(1.0), || {});
    assert_eq!(call1.time(), 10.0);
    assert_eq!(call2.time(), 1.0);
    call2.cancel().expect("call2 is pending");
    assert!(!call2.active());
    assert!(call1.active());
}

// Source: twisted/test/test_task.py ClockTests.testAdvance
#[test]
fn advance_runs_the_calls_that_become_due() {
    let clock = Clock::new();
    let ran = events();
    let log = Rc::clone(&ran);
    let call = clock.call_later(secs(2.0), move || log.borrow_mut().push(()));
    clock.advance(secs(1.0));
    assert!(ran.borrow().is_empty());
    assert!(call.active());
    clock.advance(secs(1.0));
    assert_eq!(*ran.borrow(), vec![()]);
    assert!(!call.active());
}

// Source: twisted/test/test_task.py ClockTests.testAdvanceCancel
#[test]
fn cancelling_a_call_from_inside_itself_says_already_called() {
    let clock = Clock::new();
    let slot: Rc<RefCell<Option<DelayedCall>>> = Rc::new(RefCell::new(None));
    let outcome = events();
    let (me, log) = (Rc::clone(&slot), Rc::clone(&outcome));
    let call = clock.call_later(secs(1.0), move || {
        let me = me.borrow_mut().take().expect("the handle was stored");
        log.borrow_mut().push((me.active(), me.cancel()));
    });
    *slot.borrow_mut() = Some(call);
    clock.advance(secs(1.0));
    let outcome = outcome.borrow();
    assert_eq!(outcome.len(), 1, "the call ran once");
    let (active, cancelled) = &outcome[0];
    assert!(!active, "a running call is no longer active");
    let error = cancelled.as_ref().expect_err("cancelling a running call fails");
    assert!(error.is_called());
    assert!(!error.is_cancelled());
}

// Source: twisted/test/test_task.py ClockTests.testCallLaterDelayed
#[test]
fn delay_postpones_a_call() {
    let clock = Clock::new();
    let ran = events();
    let log = Rc::clone(&ran);
    let call = clock.call_later(secs(1.0), move || log.borrow_mut().push((1, 2)));
    call.delay(secs(1.0)).expect("the call is pending");
    assert_eq!(call.time(), 2.0);
    clock.advance(secs(1.5));
    assert!(ran.borrow().is_empty());
    clock.advance(secs(1.0));
    assert_eq!(*ran.borrow(), vec![(1, 2)]);
}

// Source: twisted/test/test_task.py ClockTests.testCallLaterResetLater
#[test]
fn reset_can_move_a_call_later() {
    let clock = Clock::new();
    let ran = events();
    let log = Rc::clone(&ran);
    let call = clock.call_later(secs(2.0), move || log.borrow_mut().push((1, 2)));
    clock.advance(secs(1.0));
    call.reset(secs(3.0)).expect("the call is pending");
    assert_eq!(call.time(), 4.0, "reset counts from now, not from scheduling");
    clock.advance(secs(2.0));
    assert!(ran.borrow().is_empty());
    clock.advance(secs(1.0));
    assert_eq!(*ran.borrow(), vec![(1, 2)]);
}

// Source: twisted/test/test_task.py ClockTests.testCallLaterResetSooner
#[test]
fn reset_can_move_a_call_sooner() {
    let clock = Clock::new();
    let ran = events();
    let log = Rc::clone(&ran);
    let call = clock.call_later(secs(4.0), move || log.borrow_mut().push((1, 2)));
    call.reset(secs(3.0)).expect("the call is pending");
    assert_eq!(call.time(), 3.0);
    clock.advance(secs(3.0));
    assert_eq!(*ran.borrow(), vec![(1, 2)]);
}

// Source: twisted/test/test_task.py ClockTests.test_getDelayedCalls
#[test]
fn delayed_calls_lists_every_pending_call() {
    let clock = Clock::new();
    let call = clock.call_later(secs(1.0), || {});
    let call2 = clock.call_later(secs(2.0), || {});
    let calls = clock.delayed_calls();
    // DIFFERENCE: no set of handles to compare; the listed handles have the calls'
    // times, and cancelling through them cancels the original handles' calls.
    let times: Vec<f64> = calls.iter().map(DelayedCall::time).collect();
    assert_eq!(times, vec![1.0, 2.0]);
    for listed in &calls {
        listed.cancel().expect("listed calls are pending");
    }
    assert!(!call.active());
    assert!(!call2.active());
    assert!(clock.delayed_calls().is_empty());
}

// Source: twisted/test/test_task.py ClockTests.test_getDelayedCallsEmpty
#[test]
fn delayed_calls_of_a_new_clock_is_empty() {
    let clock = Clock::new();
    assert!(clock.delayed_calls().is_empty());
}

// Source: twisted/test/test_task.py ClockTests.test_providesIReactorTime
#[test]
fn clock_implements_time_also_as_a_trait_object() {
    // DIFFERENCE: interface provision is a compile-time fact in Rust: Clock implements
    // Time, and works through `&dyn Time` and `Rc<dyn Time>` like any time source.
    fn takes_time(time: &impl Time) -> f64 {
        time.seconds()
    }
    let clock = Clock::new();
    let by_ref: &dyn Time = &clock;
    let shared: Rc<dyn Time> = Rc::new(clock.clone());
    assert_eq!(takes_time(&clock), 0.0);

    let ran = events();
    let (log1, log2) = (Rc::clone(&ran), Rc::clone(&ran));
    let first = Time::call_later(&by_ref, secs(1.0), move || log1.borrow_mut().push("dyn ref"));
    let second = shared.call_later(secs(2.0), move || log2.borrow_mut().push("rc dyn"));
    assert_eq!((first.time(), second.time()), (1.0, 2.0));

    clock.advance(secs(2.0));
    assert_eq!(*ran.borrow(), vec!["dyn ref", "rc dyn"]);
    assert_eq!(by_ref.seconds(), 2.0);
    assert_eq!(shared.seconds(), 2.0);
    assert_eq!(takes_time(&shared), 2.0);
}

// Source: twisted/test/test_task.py ClockTests.test_callLaterKeepsCallsOrdered
#[test]
fn call_later_after_a_reset_keeps_calls_ordered() {
    let clock = Clock::new();
    let result = events();
    let call_a = clock.call_later(secs(1.0), log_time(&clock, &result, "a"));
    call_a.reset(secs(3.0)).expect("a is pending");
    clock.call_later(secs(2.0), log_time(&clock, &result, "b"));
    clock.pump([secs(1.0); 3]);
    assert_eq!(*result.borrow(), vec![("b", 2.0), ("a", 3.0)]);
}

// Source: twisted/test/test_task.py ClockTests.test_callLaterResetKeepsCallsOrdered
#[test]
fn reset_after_call_later_keeps_calls_ordered() {
    let clock = Clock::new();
    let result = events();
    let call_a = clock.call_later(secs(1.0), log_time(&clock, &result, "a"));
    clock.call_later(secs(2.0), log_time(&clock, &result, "b"));
    call_a.reset(secs(3.0)).expect("a is pending");
    clock.pump([secs(1.0); 3]);
    assert_eq!(*result.borrow(), vec![("b", 2.0), ("a", 3.0)]);
}

// Source: twisted/test/test_task.py ClockTests.test_callLaterResetInsideCallKeepsCallsOrdered
#[test]
fn reset_inside_a_call_keeps_calls_ordered() {
    let clock = Clock::new();
    let result = events();
    let call_b = clock.call_later(secs(2.0), log_time(&clock, &result, "b"));
    clock.call_later(secs(1.0), move || {
        call_b.reset(secs(3.0)).expect("b is pending");
    });
    clock.call_later(secs(3.0), log_time(&clock, &result, "c"));
    clock.pump([secs(0.5); 10]);
    assert_eq!(*result.borrow(), vec![("c", 3.0), ("b", 4.0)]);
}
