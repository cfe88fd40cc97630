//! Twisted's system event trigger tests from `test_internet.py`: `ThreePhaseEventTests`
//! (the three-phase machinery) and `SystemEventTests` (the reactor's
//! `addSystemEventTrigger` / `removeSystemEventTrigger` / `fireSystemEvent`).
//!
//! Custom events are fired by hand, so none of these run the reactor's loop.

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::rc::Rc;

use deferreds::testing::{ReportCapture, assert_no_result, success_result_of};
use deferreds::{Deferred, Failure, Resolver};
use deferreds_reactor::{Phase, Reactor, SystemEvent, TriggerId};

const TEST: SystemEvent = SystemEvent::Custom("test");

fn reactor() -> Reactor {
    Reactor::builder().install_signal_handlers(false).build().unwrap()
}

/// What the triggers did, in order.
type Events<T> = Rc<RefCell<Vec<T>>>;

fn events<T>() -> Events<T> {
    Rc::new(RefCell::new(Vec::new()))
}

/// A trigger that records `value` (Twisted's `events.append` with an argument).
fn record<T: 'static>(
    events: &Events<T>,
    value: T,
) -> impl FnOnce() -> Result<(), Failure> + use<T> {
    let events = Rc::clone(events);
    move || {
        events.borrow_mut().push(value);
        Ok(())
    }
}

/// A trigger that hands back a pending Deferred, and the resolver that ends its wait.
fn pending() -> (impl FnOnce() -> Deferred<()>, Resolver<()>) {
    let (d, resolver) = Deferred::new();
    (move || d, resolver)
}

/// A trigger id, filled in once the trigger is added, for triggers that remove it.
type Slot = Rc<RefCell<Option<TriggerId>>>;

/// A trigger that removes the trigger `slot` names, recording whether there was one.
fn remover(
    reactor: &Reactor,
    slot: &Slot,
    removed: &Events<bool>,
) -> impl FnOnce() -> Result<(), Failure> + use<> {
    let (reactor, slot, removed) = (reactor.clone(), Rc::clone(slot), Rc::clone(removed));
    move || {
        let id = slot.borrow().expect("the trigger to remove was added");
        removed.borrow_mut().push(reactor.remove_system_event_trigger(id));
        Ok(())
    }
}

#[derive(Debug)]
struct Dummy;

impl fmt::Display for Dummy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("dummy trigger failure")
    }
}

impl Error for Dummy {}

/// Adds a trigger to `phase` among markers in every phase; returns where it ran.
fn runs_in(phase: Phase) -> Vec<&'static str> {
    let reactor = reactor();
    let log = events();
    reactor.add_system_event_trigger(Phase::Before, TEST, record(&log, "before"));
    reactor.add_system_event_trigger(Phase::During, TEST, record(&log, "during"));
    reactor.add_system_event_trigger(Phase::After, TEST, record(&log, "after"));
    reactor.add_system_event_trigger(phase, TEST, record(&log, "added"));
    assert!(log.borrow().is_empty(), "adding must not run the trigger");
    success_result_of(reactor.fire_system_event(TEST));
    log.take()
}

// The lists of triggers are private: the three below check the phase a trigger lands in
// by where it runs among markers in every phase.

// Source: twisted/test/test_internet.py ThreePhaseEventTests.test_addBeforeTrigger
#[test]
fn add_before_trigger() {
    assert_eq!(runs_in(Phase::Before), ["before", "added", "during", "after"]);
}

// Source: twisted/test/test_internet.py ThreePhaseEventTests.test_addDuringTrigger
#[test]
fn add_during_trigger() {
    assert_eq!(runs_in(Phase::During), ["before", "during", "added", "after"]);
}

// Source: twisted/test/test_internet.py ThreePhaseEventTests.test_addAfterTrigger
#[test]
fn add_after_trigger() {
    assert_eq!(runs_in(Phase::After), ["before", "during", "after", "added"]);
}

// Source: twisted/test/test_internet.py ThreePhaseEventTests.test_removeTrigger
#[test]
fn remove_trigger() {
    let reactor = reactor();
    let log = events();
    let id = reactor.add_system_event_trigger(Phase::Before, TEST, record(&log, "removed"));
    assert!(reactor.remove_system_event_trigger(id));
    success_result_of(reactor.fire_system_event(TEST));
    assert!(log.borrow().is_empty());
}

// Source: twisted/test/test_internet.py ThreePhaseEventTests.test_removeNonexistentTrigger
#[test]
fn remove_nonexistent_trigger() {
    // DIFFERENCE: a TriggerId cannot be made up; the nearest thing to "an object not
    // returned by addTrigger" is an id another reactor gave out for an event this one
    // has no triggers for. Removing answers false instead of raising ValueError.
    let (reactor, other) = (reactor(), reactor());
    let foreign = other.add_system_event_trigger(Phase::Before, TEST, || Ok::<_, Failure>(()));
    assert!(!reactor.remove_system_event_trigger(foreign));
    assert!(other.remove_system_event_trigger(foreign), "its own reactor still has it");
}

// Source: twisted/test/test_internet.py ThreePhaseEventTests.test_removeNonexistentTrigger
#[test]
fn remove_trigger_of_another_reactor() {
    let (reactor, other) = (reactor(), reactor());
    let log = events();
    reactor.add_system_event_trigger(Phase::Before, TEST, record(&log, "mine"));
    let foreign = other.add_system_event_trigger(Phase::Before, TEST, || Ok::<_, Failure>(()));
    assert!(!reactor.remove_system_event_trigger(foreign), "not a trigger of this reactor");
    success_result_of(reactor.fire_system_event(TEST));
    assert_eq!(log.take(), ["mine"]);
}

// Source: twisted/test/test_internet.py ThreePhaseEventTests.test_removeRemovedTrigger
#[test]
fn remove_removed_trigger() {
    // DIFFERENCE: the second removal answers false instead of raising ValueError.
    let reactor = reactor();
    let id = reactor.add_system_event_trigger(Phase::Before, TEST, || Ok::<_, Failure>(()));
    assert!(reactor.remove_system_event_trigger(id));
    assert!(!reactor.remove_system_event_trigger(id));
}

// Source: twisted/test/test_internet.py ThreePhaseEventTests.test_fireEvent
#[test]
fn fire_event_runs_phases_in_order() {
    let reactor = reactor();
    let log = events();
    reactor.add_system_event_trigger(Phase::After, TEST, record(&log, ("first", "after")));
    reactor.add_system_event_trigger(Phase::During, TEST, record(&log, ("first", "during")));
    reactor.add_system_event_trigger(Phase::Before, TEST, record(&log, ("first", "before")));
    reactor.add_system_event_trigger(Phase::Before, TEST, record(&log, ("second", "before")));
    reactor.add_system_event_trigger(Phase::During, TEST, record(&log, ("second", "during")));
    reactor.add_system_event_trigger(Phase::After, TEST, record(&log, ("second", "after")));
    assert!(log.borrow().is_empty());
    success_result_of(reactor.fire_system_event(TEST));
    assert_eq!(
        log.take(),
        [
            ("first", "before"),
            ("second", "before"),
            ("first", "during"),
            ("second", "during"),
            ("first", "after"),
            ("second", "after"),
        ]
    );
}

// Source: twisted/test/test_internet.py ThreePhaseEventTests.test_asynchronousBefore
#[test]
fn asynchronous_before() {
    let reactor = reactor();
    let log = events();
    let (trigger, before_result) = pending();
    reactor.add_system_event_trigger(Phase::Before, TEST, trigger);
    reactor.add_system_event_trigger(Phase::During, TEST, record(&log, "during"));
    reactor.add_system_event_trigger(Phase::After, TEST, record(&log, "after"));
    let fired = reactor.fire_system_event(TEST);
    assert!(log.borrow().is_empty(), "during waits for the before trigger's Deferred");
    assert_no_result(&fired);
    before_result.callback(());
    assert_eq!(log.take(), ["during", "after"]);
    success_result_of(fired);
}

/// A trigger in `failing` fails; the triggers after it still run, and the failure is
/// reported once.
fn failing_trigger_is_reported(failing: Phase, next: Phase) -> Vec<&'static str> {
    let capture = ReportCapture::start();
    let reactor = reactor();
    let log = events();
    reactor.add_system_event_trigger(failing, TEST, || Err::<(), _>(Failure::new(Dummy)));
    reactor.add_system_event_trigger(failing, TEST, record(&log, "same phase"));
    reactor.add_system_event_trigger(next, TEST, record(&log, "next phase"));
    success_result_of(reactor.fire_system_event(TEST));
    assert_eq!(capture.flush::<Dummy>().len(), 1);
    log.take()
}

// Source: twisted/test/test_internet.py ThreePhaseEventTests.test_beforeTriggerException
#[test]
fn before_trigger_exception() {
    let ran = failing_trigger_is_reported(Phase::Before, Phase::During);
    assert_eq!(ran, ["same phase", "next phase"]);
}

// Source: twisted/test/test_internet.py ThreePhaseEventTests.test_duringTriggerException
#[test]
fn during_trigger_exception() {
    let ran = failing_trigger_is_reported(Phase::During, Phase::After);
    assert_eq!(ran, ["same phase", "next phase"]);
}

// Source: twisted/test/test_internet.py ThreePhaseEventTests.test_duringTriggerException
#[test]
fn panicking_trigger_is_reported() {
    // DIFFERENCE: a panic is Rust's nearest thing to a raised exception; it is reported
    // as a PanicError and the other triggers run, as for an error.
    let capture = ReportCapture::start();
    let reactor = reactor();
    let log = events();
    reactor.add_system_event_trigger(Phase::During, TEST, || -> Result<(), Failure> {
        panic!("trigger panics")
    });
    reactor.add_system_event_trigger(Phase::During, TEST, record(&log, "during"));
    reactor.add_system_event_trigger(Phase::After, TEST, record(&log, "after"));
    success_result_of(reactor.fire_system_event(TEST));
    assert_eq!(log.take(), ["during", "after"]);
    assert_eq!(capture.flush::<deferreds::PanicError>().len(), 1);
}

// Source: twisted/test/test_internet.py ThreePhaseEventTests.test_synchronousRemoveAlreadyExecutedBefore
#[test]
fn synchronous_remove_already_executed_before() {
    // DIFFERENCE: removing a trigger that has run answers false; Twisted warns of a
    // future error instead.
    let reactor = reactor();
    let (log, removed, slot) = (events(), events(), Slot::default());
    let first = reactor.add_system_event_trigger(Phase::Before, TEST, record(&log, "first"));
    *slot.borrow_mut() = Some(first);
    reactor.add_system_event_trigger(Phase::Before, TEST, remover(&reactor, &slot, &removed));
    reactor.add_system_event_trigger(Phase::Before, TEST, record(&log, "second"));
    success_result_of(reactor.fire_system_event(TEST));
    assert_eq!(removed.take(), [false]);
    assert_eq!(log.take(), ["first", "second"]);
}

// Source: twisted/test/test_internet.py ThreePhaseEventTests.test_synchronousRemovePendingBefore
#[test]
fn synchronous_remove_pending_before() {
    let reactor = reactor();
    let (log, removed, slot) = (events(), events(), Slot::default());
    reactor.add_system_event_trigger(Phase::Before, TEST, remover(&reactor, &slot, &removed));
    let first = reactor.add_system_event_trigger(Phase::Before, TEST, record(&log, "first"));
    *slot.borrow_mut() = Some(first);
    reactor.add_system_event_trigger(Phase::Before, TEST, record(&log, "second"));
    success_result_of(reactor.fire_system_event(TEST));
    assert_eq!(removed.take(), [true]);
    assert_eq!(log.take(), ["second"]);
}

// Source: twisted/test/test_internet.py ThreePhaseEventTests.test_synchronousBeforeRemovesDuring
#[test]
fn synchronous_before_removes_during() {
    let reactor = reactor();
    let (log, removed, slot) = (events(), events(), Slot::default());
    reactor.add_system_event_trigger(Phase::Before, TEST, remover(&reactor, &slot, &removed));
    let during = reactor.add_system_event_trigger(Phase::During, TEST, record(&log, "during"));
    *slot.borrow_mut() = Some(during);
    reactor.add_system_event_trigger(Phase::After, TEST, record(&log, "after"));
    success_result_of(reactor.fire_system_event(TEST));
    assert_eq!(removed.take(), [true]);
    assert_eq!(log.take(), ["after"]);
}

// Source: twisted/test/test_internet.py ThreePhaseEventTests.test_asynchronousBeforeRemovesDuring
#[test]
fn asynchronous_before_removes_during() {
    let reactor = reactor();
    let log = events();
    let (trigger, before_result) = pending();
    reactor.add_system_event_trigger(Phase::Before, TEST, trigger);
    let during = reactor.add_system_event_trigger(Phase::During, TEST, record(&log, "during"));
    reactor.add_system_event_trigger(Phase::After, TEST, record(&log, "after"));
    let fired = reactor.fire_system_event(TEST);
    assert!(reactor.remove_system_event_trigger(during));
    before_result.callback(());
    assert_eq!(log.take(), ["after"]);
    success_result_of(fired);
}

// Source: twisted/test/test_internet.py ThreePhaseEventTests.test_synchronousBeforeRemovesConspicuouslySimilarDuring
#[test]
fn synchronous_before_removes_conspicuously_similar_during() {
    let reactor = reactor();
    let (log, removed, slot) = (events(), events(), Slot::default());
    // The same function in two phases: removing the "during" one must not be confused
    // with the "before" one that already ran.
    reactor.add_system_event_trigger(Phase::Before, TEST, record(&log, "trigger"));
    reactor.add_system_event_trigger(Phase::Before, TEST, remover(&reactor, &slot, &removed));
    let during = reactor.add_system_event_trigger(Phase::During, TEST, record(&log, "trigger"));
    *slot.borrow_mut() = Some(during);
    success_result_of(reactor.fire_system_event(TEST));
    assert_eq!(removed.take(), [true]);
    assert_eq!(log.take(), ["trigger"]);
}

// Source: twisted/test/test_internet.py ThreePhaseEventTests.test_synchronousRemovePendingDuring
#[test]
fn synchronous_remove_pending_during() {
    let reactor = reactor();
    let (log, removed, slot) = (events(), events(), Slot::default());
    reactor.add_system_event_trigger(Phase::During, TEST, remover(&reactor, &slot, &removed));
    let first = reactor.add_system_event_trigger(Phase::During, TEST, record(&log, "first"));
    *slot.borrow_mut() = Some(first);
    reactor.add_system_event_trigger(Phase::During, TEST, record(&log, "second"));
    success_result_of(reactor.fire_system_event(TEST));
    assert_eq!(removed.take(), [true]);
    assert_eq!(log.take(), ["second"]);
}

// Source: twisted/test/test_internet.py ThreePhaseEventTests.test_triggersRunOnce
#[test]
fn triggers_run_once() {
    let reactor = reactor();
    let log = events();
    reactor.add_system_event_trigger(Phase::Before, TEST, record(&log, "before"));
    reactor.add_system_event_trigger(Phase::During, TEST, record(&log, "during"));
    reactor.add_system_event_trigger(Phase::After, TEST, record(&log, "after"));
    success_result_of(reactor.fire_system_event(TEST));
    success_result_of(reactor.fire_system_event(TEST));
    assert_eq!(log.take(), ["before", "during", "after"]);
}

// Source: twisted/internet/base.py _ThreePhaseEvent.fireEvent (no Twisted test): a
// trigger added to the phase that is running, or to a later one, runs in this firing;
// one added to a phase that has passed waits for the next.
#[test]
fn triggers_added_while_firing() {
    let reactor = reactor();
    let log = events();
    let (r, l) = (reactor.clone(), Rc::clone(&log));
    reactor.add_system_event_trigger(Phase::Before, TEST, move || {
        l.borrow_mut().push("before");
        r.add_system_event_trigger(Phase::Before, TEST, record(&l, "added to before"));
        r.add_system_event_trigger(Phase::After, TEST, record(&l, "added to after"));
        Ok::<_, Failure>(())
    });
    let (r, l) = (reactor.clone(), Rc::clone(&log));
    reactor.add_system_event_trigger(Phase::During, TEST, move || {
        l.borrow_mut().push("during");
        r.add_system_event_trigger(Phase::Before, TEST, record(&l, "next time"));
        Ok::<_, Failure>(())
    });
    success_result_of(reactor.fire_system_event(TEST));
    assert_eq!(log.take(), ["before", "added to before", "during", "added to after"]);
    success_result_of(reactor.fire_system_event(TEST));
    assert_eq!(log.take(), ["next time"]);
}

/// A trigger added to `phase` of a custom event waits for the event, then runs.
fn add_system_event_trigger_test(phase: Phase) {
    let reactor = reactor();
    let log = events();
    reactor.add_system_event_trigger(phase, TEST, record(&log, ()));
    reactor.add_system_event_trigger(phase, SystemEvent::Custom("other"), record(&log, ()));
    assert!(log.borrow().is_empty());
    success_result_of(reactor.fire_system_event(TEST));
    assert_eq!(log.take(), [()], "only the fired event's trigger runs");
}

// Source: twisted/test/test_internet.py SystemEventTests.test_beforePhase
#[test]
fn before_phase() {
    add_system_event_trigger_test(Phase::Before);
}

// Source: twisted/test/test_internet.py SystemEventTests.test_duringPhase
#[test]
fn during_phase() {
    add_system_event_trigger_test(Phase::During);
}

// Source: twisted/test/test_internet.py SystemEventTests.test_afterPhase
#[test]
fn after_phase() {
    add_system_event_trigger_test(Phase::After);
}

// Source: twisted/test/test_internet.py SystemEventTests.test_beforePreceedsDuring
#[test]
fn before_precedes_during() {
    let reactor = reactor();
    let log = events();
    reactor.add_system_event_trigger(Phase::During, TEST, record(&log, "during"));
    reactor.add_system_event_trigger(Phase::Before, TEST, record(&log, "before"));
    assert!(log.borrow().is_empty());
    success_result_of(reactor.fire_system_event(TEST));
    assert_eq!(log.take(), ["before", "during"]);
}

// Source: twisted/test/test_internet.py SystemEventTests.test_duringPreceedsAfter
#[test]
fn during_precedes_after() {
    let reactor = reactor();
    let log = events();
    reactor.add_system_event_trigger(Phase::After, TEST, record(&log, "after"));
    reactor.add_system_event_trigger(Phase::During, TEST, record(&log, "during"));
    assert!(log.borrow().is_empty());
    success_result_of(reactor.fire_system_event(TEST));
    assert_eq!(log.take(), ["during", "after"]);
}

// Source: twisted/test/test_internet.py SystemEventTests.test_beforeReturnsDeferred
#[test]
fn before_returns_deferred() {
    let reactor = reactor();
    let log = events();
    let (trigger, resolver) = pending();
    reactor.add_system_event_trigger(Phase::Before, TEST, trigger);
    reactor.add_system_event_trigger(Phase::During, TEST, record(&log, "during"));
    let fired = reactor.fire_system_event(TEST);
    assert!(log.borrow().is_empty());
    resolver.callback(());
    assert_eq!(log.take(), ["during"]);
    success_result_of(fired);
}

// Source: twisted/test/test_internet.py SystemEventTests.test_multipleBeforeReturnDeferred
#[test]
fn multiple_before_return_deferred() {
    let reactor = reactor();
    let log = events();
    let (first, first_resolver) = pending();
    let (second, second_resolver) = pending();
    reactor.add_system_event_trigger(Phase::Before, TEST, first);
    reactor.add_system_event_trigger(Phase::Before, TEST, second);
    reactor.add_system_event_trigger(Phase::During, TEST, record(&log, "during"));
    let fired = reactor.fire_system_event(TEST);
    assert!(log.borrow().is_empty());
    // The second is fired first: the wait is for all of them, in any order.
    second_resolver.callback(());
    assert!(log.borrow().is_empty());
    first_resolver.callback(());
    assert_eq!(log.take(), ["during"]);
    success_result_of(fired);
}

// Source: twisted/test/test_internet.py SystemEventTests.test_subsequentBeforeTriggerFiresPriorBeforeDeferred
#[test]
fn subsequent_before_trigger_fires_prior_before_deferred() {
    let reactor = reactor();
    let log = events();
    let (first, first_resolver) = pending();
    let (second, second_resolver) = pending();
    reactor.add_system_event_trigger(Phase::Before, TEST, first);
    reactor.add_system_event_trigger(Phase::Before, TEST, move || {
        first_resolver.callback(());
        Ok::<_, Failure>(())
    });
    let l = Rc::clone(&log);
    reactor.add_system_event_trigger(Phase::Before, TEST, move || {
        l.borrow_mut().push("before");
        second()
    });
    reactor.add_system_event_trigger(Phase::During, TEST, record(&log, "during"));
    let fired = reactor.fire_system_event(TEST);
    assert_eq!(*log.borrow(), ["before"]);
    second_resolver.callback(());
    assert_eq!(log.take(), ["before", "during"]);
    success_result_of(fired);
}

// Source: twisted/test/test_internet.py SystemEventTests.test_removeSystemEventTrigger
#[test]
fn remove_system_event_trigger() {
    let reactor = reactor();
    let log = events();
    reactor.add_system_event_trigger(Phase::Before, TEST, record(&log, "first"));
    let second = reactor.add_system_event_trigger(Phase::Before, TEST, record(&log, "second"));
    assert!(reactor.remove_system_event_trigger(second));
    assert!(log.borrow().is_empty());
    success_result_of(reactor.fire_system_event(TEST));
    assert_eq!(log.take(), ["first"]);
}

// Source: twisted/test/test_internet.py SystemEventTests.test_removeNonExistentSystemEventTrigger
#[test]
fn remove_non_existent_system_event_trigger() {
    // DIFFERENCE: only the "already removed" case exists; a TriggerId cannot be None or
    // name an unknown phase. The answer is false instead of ValueError.
    let reactor = reactor();
    let id = reactor.add_system_event_trigger(Phase::During, TEST, || Ok::<_, Failure>(()));
    assert!(reactor.remove_system_event_trigger(id));
    assert!(!reactor.remove_system_event_trigger(id));
}

// Source: twisted/test/test_internet.py SystemEventTests.test_interactionBetweenDifferentEvents
#[test]
fn interaction_between_different_events() {
    let reactor = reactor();
    let log = events();
    let (first_event, second_event) = (SystemEvent::Custom("first"), SystemEvent::Custom("second"));
    let (first, first_resolver) = pending();
    let (second, second_resolver) = pending();
    let l = Rc::clone(&log);
    reactor.add_system_event_trigger(Phase::Before, first_event, move || {
        l.borrow_mut().push(("before", "first"));
        first()
    });
    reactor.add_system_event_trigger(Phase::After, first_event, record(&log, ("after", "first")));
    let l = Rc::clone(&log);
    reactor.add_system_event_trigger(Phase::Before, second_event, move || {
        l.borrow_mut().push(("before", "second"));
        second()
    });
    reactor.add_system_event_trigger(Phase::After, second_event, record(&log, ("after", "second")));

    let first_fired = reactor.fire_system_event(first_event);
    assert_eq!(*log.borrow(), [("before", "first")]);
    let second_fired = reactor.fire_system_event(second_event);
    assert_eq!(*log.borrow(), [("before", "first"), ("before", "second")]);
    first_resolver.callback(());
    assert_eq!(*log.borrow(), [("before", "first"), ("before", "second"), ("after", "first")]);
    assert_no_result(&second_fired);
    second_resolver.callback(());
    assert_eq!(
        log.take(),
        [("before", "first"), ("before", "second"), ("after", "first"), ("after", "second")]
    );
    success_result_of(first_fired);
    success_result_of(second_fired);
}
