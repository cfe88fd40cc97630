//! Twisted's reactor lifecycle tests: `SystemEventTestsBuilder` (`test_core.py`: run,
//! stop, `callWhenRunning`, the startup and shutdown events), `ReactTests`
//! (`test_task.py`: `react` and its exit codes) and the default of
//! `ReactorBaseSignalTests` (`test_base.py`).
//!
//! Every test runs a real reactor and stops it from a trigger or a short timer.

use std::cell::{Cell, RefCell};
use std::error::Error;
use std::fmt;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use deferreds::testing::ReportCapture;
use deferreds::{Deferred, Failure, Time, fail, succeed};
use deferreds_reactor::{Exit, Phase, Reactor, ReactorError, ReactorStopped, SystemEvent};

fn reactor() -> Reactor {
    Reactor::builder().install_signal_handlers(false).build().unwrap()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// What the triggers did, in order.
type Events<T> = Rc<RefCell<Vec<T>>>;

fn events<T>() -> Events<T> {
    Rc::new(RefCell::new(Vec::new()))
}

/// A trigger that records `value`.
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

/// A `call_when_running` function that stops the reactor.
fn stopper(reactor: &Reactor) -> impl FnOnce() + use<> {
    let reactor = reactor.clone();
    move || reactor.stop().unwrap()
}

#[derive(Debug)]
struct Expected;

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("expected failure")
    }
}

impl Error for Expected {}

// Source: twisted/internet/test/test_core.py SystemEventTestsBuilder.test_stopWhenNotStarted
#[test]
fn stop_when_not_started() {
    assert_eq!(reactor().stop(), Err(ReactorError::NotRunning));
}

// Source: twisted/internet/test/test_core.py SystemEventTestsBuilder.test_stopWhenAlreadyStopped
#[test]
fn stop_when_already_stopped() {
    let reactor = reactor();
    reactor.call_when_running(stopper(&reactor));
    reactor.run().unwrap();
    assert_eq!(reactor.stop(), Err(ReactorError::NotRunning));
}

// Source: twisted/internet/base.py ReactorBase.stop (no Twisted test)
#[test]
fn stop_twice_while_shutting_down() {
    // DIFFERENCE: Twisted raises ReactorNotRunning for a second stop; here the error
    // says what is going on, AlreadyStopping.
    let reactor = reactor();
    let second = Rc::new(Cell::new(None));
    let (r, s) = (reactor.clone(), Rc::clone(&second));
    reactor.call_when_running(move || {
        r.stop().unwrap();
        s.set(Some(r.stop()));
    });
    reactor.run().unwrap();
    assert_eq!(second.get(), Some(Err(ReactorError::AlreadyStopping)));
}

// Source: twisted/internet/test/test_core.py SystemEventTestsBuilder.test_callWhenRunningOrder
#[test]
fn call_when_running_order() {
    let reactor = reactor();
    let log = events();
    for name in ["first", "second"] {
        let log = Rc::clone(&log);
        assert!(reactor.call_when_running(move || log.borrow_mut().push(name)).is_some());
    }
    reactor.call_when_running(stopper(&reactor));
    reactor.run().unwrap();
    assert_eq!(log.take(), ["first", "second"]);
}

// Source: twisted/internet/base.py ReactorBase.callWhenRunning (no Twisted test)
#[test]
fn call_when_running_while_running_calls_at_once() {
    let reactor = reactor();
    let log = events();
    let (r, l) = (reactor.clone(), Rc::clone(&log));
    reactor.call_when_running(move || {
        let inner = Rc::clone(&l);
        let id = r.call_when_running(move || inner.borrow_mut().push("inner"));
        assert!(id.is_none(), "nothing left to wait for");
        l.borrow_mut().push("outer");
        r.stop().unwrap();
    });
    reactor.run().unwrap();
    assert_eq!(log.take(), ["inner", "outer"]);
}

// Source: twisted/internet/base.py ReactorBase.callWhenRunning (no Twisted test)
#[test]
fn call_when_running_can_be_taken_back() {
    let reactor = reactor();
    let ran = Rc::new(Cell::new(false));
    let r = Rc::clone(&ran);
    let id = reactor.call_when_running(move || r.set(true)).unwrap();
    assert!(reactor.remove_system_event_trigger(id));
    reactor.call_when_running(stopper(&reactor));
    reactor.run().unwrap();
    assert!(!ran.get());
}

/// Records `reactor.running()` when a trigger in each phase of `event` runs.
fn running_in_phases(reactor: &Reactor, event: SystemEvent) -> Events<(Phase, bool)> {
    let seen = events();
    for phase in [Phase::Before, Phase::During, Phase::After] {
        let (r, s) = (reactor.clone(), Rc::clone(&seen));
        reactor.add_system_event_trigger(phase, event, move || {
            s.borrow_mut().push((phase, r.running()));
            Ok::<_, Failure>(())
        });
    }
    seen
}

// Source: twisted/internet/test/test_core.py SystemEventTestsBuilder.test_runningForStartupEvents
#[test]
fn running_for_startup_events() {
    let reactor = reactor();
    let seen = running_in_phases(&reactor, SystemEvent::Startup);
    reactor.call_when_running(stopper(&reactor));
    assert!(seen.borrow().is_empty());
    assert!(!reactor.running());
    reactor.run().unwrap();
    assert_eq!(seen.take(), [(Phase::Before, false), (Phase::During, true), (Phase::After, true)]);
}

// Source: twisted/internet/test/test_core.py SystemEventTestsBuilder.test_runningForStartupEvents
#[test]
fn running_for_shutdown_events() {
    // DIFFERENCE: the shutdown half, which Twisted does not test: the reactor's own
    // "during shutdown" trigger comes first and stops it running, as Twisted's `crash`
    // trigger does.
    let reactor = reactor();
    let seen = running_in_phases(&reactor, SystemEvent::Shutdown);
    reactor.call_when_running(stopper(&reactor));
    reactor.run().unwrap();
    assert_eq!(seen.take(), [(Phase::Before, true), (Phase::During, false), (Phase::After, false)]);
    assert!(!reactor.running());
}

// Source: twisted/internet/test/test_core.py SystemEventTestsBuilder.test_stopShutDownEvents
#[test]
fn stop_shut_down_events() {
    let reactor = reactor();
    let log = events();
    reactor.add_system_event_trigger(Phase::Before, SystemEvent::Shutdown, record(&log, "before"));
    reactor.add_system_event_trigger(Phase::During, SystemEvent::Shutdown, record(&log, "during"));
    reactor.add_system_event_trigger(Phase::After, SystemEvent::Shutdown, record(&log, "after"));
    reactor.call_when_running(stopper(&reactor));
    reactor.run().unwrap();
    assert_eq!(log.take(), ["before", "during", "after"]);
}

// Source: twisted/internet/test/test_core.py SystemEventTestsBuilder.test_stopShutDownEvents
#[test]
fn startup_and_shutdown_events_around_run() {
    let reactor = reactor();
    let log = events();
    for (event, name) in [(SystemEvent::Startup, "startup"), (SystemEvent::Shutdown, "shutdown")] {
        for (phase, when) in
            [(Phase::Before, "before"), (Phase::During, "during"), (Phase::After, "after")]
        {
            reactor.add_system_event_trigger(phase, event, record(&log, (when, name)));
        }
    }
    let l = Rc::clone(&log);
    reactor.call_when_running(move || l.borrow_mut().push(("running", "")));
    let (r, l) = (reactor.clone(), Rc::clone(&log));
    reactor.call_later(ms(1), move || {
        l.borrow_mut().push(("stop", ""));
        r.stop().unwrap();
    });
    reactor.run().unwrap();
    log.borrow_mut().push(("returned", ""));
    assert_eq!(
        log.take(),
        [
            ("before", "startup"),
            ("during", "startup"),
            ("after", "startup"),
            ("running", ""),
            ("stop", ""),
            ("before", "shutdown"),
            ("during", "shutdown"),
            ("after", "shutdown"),
            ("returned", ""),
        ]
    );
}

// Source: twisted/internet/test/test_core.py SystemEventTestsBuilder.test_shutdownFiresTriggersAsynchronously
#[test]
fn shutdown_fires_triggers_asynchronously() {
    let reactor = reactor();
    let log = events();
    reactor.add_system_event_trigger(
        Phase::Before,
        SystemEvent::Shutdown,
        record(&log, "before shutdown"),
    );
    let (r, l) = (reactor.clone(), Rc::clone(&log));
    reactor.call_when_running(move || {
        r.stop().unwrap();
        l.borrow_mut().push("stopped");
    });
    assert!(log.borrow().is_empty());
    reactor.run().unwrap();
    assert_eq!(log.take(), ["stopped", "before shutdown"]);
}

// Source: twisted/test/test_internet.py SystemEventTests.test_multipleBeforeReturnDeferred
#[test]
fn shutdown_waits_for_before_deferreds_fired_later() {
    // DIFFERENCE: on the shutdown event of a running reactor, with the Deferreds fired
    // by timers, where Twisted's test fires a custom event and the Deferreds by hand.
    let reactor = reactor();
    let log = events();
    for (delay, name) in [(ms(3), "slow"), (ms(1), "quick")] {
        let (r, l) = (reactor.clone(), Rc::clone(&log));
        reactor.add_system_event_trigger(Phase::Before, SystemEvent::Shutdown, move || {
            let (d, resolver) = Deferred::new();
            r.call_later(delay, move || {
                l.borrow_mut().push(name);
                resolver.callback(());
            });
            d
        });
    }
    let l = Rc::clone(&log);
    reactor.add_system_event_trigger(Phase::During, SystemEvent::Shutdown, move || {
        l.borrow_mut().push("during");
        Ok::<_, Failure>(())
    });
    reactor.call_when_running(stopper(&reactor));
    reactor.run().unwrap();
    assert_eq!(log.take(), ["quick", "slow", "during"]);
}

// Source: twisted/test/test_internet.py ThreePhaseEventTests.test_beforeTriggerException
#[test]
fn failing_shutdown_triggers_are_reported() {
    // DIFFERENCE: on the shutdown of a running reactor; one trigger fails at once, one
    // returns a Deferred that fails later, and neither stops the shutdown.
    let capture = ReportCapture::start();
    let reactor = reactor();
    let log = events();
    reactor.add_system_event_trigger(Phase::Before, SystemEvent::Shutdown, || {
        Err::<(), _>(Failure::new(Expected))
    });
    let r = reactor.clone();
    reactor.add_system_event_trigger(Phase::Before, SystemEvent::Shutdown, move || {
        let (d, resolver) = Deferred::<()>::new();
        r.call_later(ms(1), move || resolver.errback(Failure::new(Expected)));
        d
    });
    reactor.add_system_event_trigger(Phase::During, SystemEvent::Shutdown, || {
        Err::<(), _>(Failure::new(Expected))
    });
    reactor.add_system_event_trigger(Phase::After, SystemEvent::Shutdown, record(&log, "after"));
    reactor.call_when_running(stopper(&reactor));
    reactor.run().unwrap();
    assert_eq!(log.take(), ["after"]);
    assert_eq!(capture.flush::<Expected>().len(), 3);
}

// Source: twisted/internet/test/test_core.py SystemEventTestsBuilder.test_multipleRun
#[test]
fn multiple_run() {
    let reactor = reactor();
    let tested = Rc::new(Cell::new(None));
    let (r, t) = (reactor.clone(), Rc::clone(&tested));
    reactor.call_when_running(move || t.set(Some(r.run())));
    reactor.call_when_running(stopper(&reactor));
    reactor.run().unwrap();
    assert_eq!(tested.get(), Some(Err(ReactorError::AlreadyRunning)));
}

// Source: twisted/internet/test/test_core.py SystemEventTestsBuilder.test_multipleRun
#[test]
fn run_from_a_before_startup_trigger() {
    // DIFFERENCE: the reactor is not `running` yet in "before startup", but it has
    // started: run refuses there too.
    let reactor = reactor();
    let tested = Rc::new(Cell::new(None));
    let (r, t) = (reactor.clone(), Rc::clone(&tested));
    reactor.add_system_event_trigger(Phase::Before, SystemEvent::Startup, move || {
        t.set(Some(r.run()));
        Ok::<_, Failure>(())
    });
    reactor.call_when_running(stopper(&reactor));
    reactor.run().unwrap();
    assert_eq!(tested.get(), Some(Err(ReactorError::AlreadyRunning)));
}

// Source: twisted/internet/test/test_core.py SystemEventTestsBuilder.test_runWithAsynchronousBeforeStartupTrigger
#[test]
fn run_with_asynchronous_before_startup_trigger() {
    let reactor = reactor();
    let log = events();
    let (r, l) = (reactor.clone(), Rc::clone(&log));
    reactor.add_system_event_trigger(Phase::Before, SystemEvent::Startup, move || {
        l.borrow_mut().push("trigger");
        let (d, resolver) = Deferred::new();
        let (stop, l) = (r.clone(), Rc::clone(&l));
        let d = d.add_callback(move |()| {
            l.borrow_mut().push("callback");
            stop.stop().unwrap();
            Ok::<_, Failure>(())
        });
        r.call_later(Duration::ZERO, move || resolver.callback(()));
        d
    });
    reactor.run().unwrap();
    assert_eq!(log.take(), ["trigger", "callback"]);
}

// Source: twisted/internet/test/test_core.py SystemEventTestsBuilder.test_runAfterStop
#[test]
fn run_after_stop() {
    let reactor = reactor();
    let tested = Rc::new(Cell::new(None));
    let (r, t) = (reactor.clone(), Rc::clone(&tested));
    reactor.call_when_running(stopper(&reactor));
    reactor.add_system_event_trigger(Phase::After, SystemEvent::Shutdown, move || {
        t.set(Some(r.run()));
        Ok::<_, Failure>(())
    });
    reactor.run().unwrap();
    assert_eq!(tested.get(), Some(Err(ReactorError::NotRestartable)));
    assert_eq!(reactor.run(), Err(ReactorError::NotRestartable), "nor once run has returned");
}

// Source: twisted/internet/test/test_core.py SystemEventTestsBuilder.test_runAfterStop
#[test]
fn run_until_after_stop() {
    let reactor = reactor();
    assert_eq!(reactor.run_until(succeed(1)).unwrap(), 1);
    let failure = reactor.run_until(succeed(2)).unwrap_err();
    assert_eq!(failure.downcast_ref::<ReactorError>(), Some(&ReactorError::NotRestartable));
}

// Source: twisted/internet/test/test_base.py ReactorBaseSignalTests.test_exitSignalDefaultsToNone
#[test]
fn exit_signal_defaults_to_none() {
    let reactor = reactor();
    assert_eq!(reactor.stopped_by_signal(), None);
    reactor.call_when_running(stopper(&reactor));
    reactor.run().unwrap();
    assert_eq!(reactor.stopped_by_signal(), None, "stop is not a signal");
}

// Source: twisted/internet/task.py react (run_until is its core; no Twisted test)
#[test]
fn run_until_returns_the_result_once_fired() {
    let reactor = reactor();
    let (d, resolver) = Deferred::new();
    reactor.call_later(ms(1), move || resolver.callback("done"));
    assert_eq!(reactor.run_until(d).unwrap(), "done");
    assert!(!reactor.running());
}

// Source: twisted/internet/task.py react (run_until is its core; no Twisted test)
#[test]
fn run_until_returns_the_failure() {
    let reactor = reactor();
    let (d, resolver) = Deferred::<()>::new();
    reactor.call_later(ms(1), move || resolver.errback(Failure::new(Expected)));
    assert!(reactor.run_until(d).unwrap_err().check::<Expected>());
}

// Source: twisted/internet/task.py react (run_until is its core; no Twisted test)
#[test]
fn run_until_a_reactor_stopped_first() {
    let reactor = reactor();
    let (d, resolver) = Deferred::<()>::new();
    let r = reactor.clone();
    reactor.call_later(ms(1), move || r.stop().unwrap());
    assert!(reactor.run_until(d).unwrap_err().check::<ReactorStopped>());
    // Firing it now, with nobody waiting any more, does no harm.
    resolver.callback(());
}

/// `Reactor::react` on a reactor without signal handlers.
fn react<R: deferreds::IntoOutcome>(main: impl FnOnce(&Reactor) -> R) -> ExitCode {
    reactor().react(main)
}

// Source: twisted/test/test_task.py ReactTests.test_runsUntilAsyncCallback
#[test]
fn react_runs_until_async_callback() {
    let time_passed = Rc::new(Cell::new(false));
    let passed = Rc::clone(&time_passed);
    let code = react(move |reactor| {
        let (finished, resolver) = Deferred::new();
        reactor.call_later(ms(1), move || passed.set(true));
        reactor.call_later(ms(2), move || resolver.callback(()));
        finished
    });
    assert_eq!(code, ExitCode::SUCCESS);
    assert!(time_passed.get());
}

// Source: twisted/test/test_task.py ReactTests.test_runsUntilSyncCallback
#[test]
fn react_runs_until_sync_callback() {
    // DIFFERENCE: time is real, so "no time passed" is shown by a later call that is
    // still waiting when react returns.
    let later = Rc::new(RefCell::new(None));
    let l = Rc::clone(&later);
    let code = react(move |reactor| {
        *l.borrow_mut() = Some(reactor.call_later(Duration::from_secs(60), || {}));
        succeed(())
    });
    assert_eq!(code, ExitCode::SUCCESS);
    assert!(later.borrow().as_ref().unwrap().active());
}

// Source: twisted/test/test_task.py ReactTests.test_runsUntilAsyncErrback
#[test]
fn react_runs_until_async_errback() {
    // DIFFERENCE: react prints the failure to stderr rather than reporting it, so there
    // is nothing to flush; the capture checks nothing else was reported.
    let _capture = ReportCapture::start();
    let code = react(|reactor| {
        let (finished, resolver) = Deferred::<()>::new();
        reactor.call_later(ms(1), move || resolver.errback(Failure::new(Expected)));
        finished
    });
    assert_eq!(code, ExitCode::FAILURE);
}

// Source: twisted/test/test_task.py ReactTests.test_runsUntilSyncErrback
#[test]
fn react_runs_until_sync_errback() {
    let _capture = ReportCapture::start();
    let code = react(|_| fail::<()>(Failure::new(Expected)));
    assert_eq!(code, ExitCode::FAILURE);
}

// Source: twisted/test/test_task.py ReactTests.test_singleStopCallback
#[test]
fn react_single_stop_callback() {
    let code = react(|reactor| {
        let r = reactor.clone();
        reactor.call_later(ms(1), move || r.stop().unwrap());
        let (finished, resolver) = Deferred::new();
        reactor.add_system_event_trigger(Phase::During, SystemEvent::Shutdown, move || {
            resolver.callback(());
            Ok::<_, Failure>(())
        });
        finished
    });
    assert_eq!(code, ExitCode::SUCCESS);
}

// Source: twisted/test/test_task.py ReactTests.test_singleStopErrback
#[test]
fn react_single_stop_errback() {
    let _capture = ReportCapture::start();
    let code = react(|reactor| {
        let r = reactor.clone();
        reactor.call_later(ms(1), move || r.stop().unwrap());
        let (finished, resolver) = Deferred::<()>::new();
        reactor.add_system_event_trigger(Phase::During, SystemEvent::Shutdown, move || {
            resolver.errback(Failure::new(Expected));
            Ok::<_, Failure>(())
        });
        finished
    });
    assert_eq!(code, ExitCode::FAILURE);
}

// Source: twisted/test/test_task.py ReactTests.test_exitWithDefinedCode
#[test]
fn react_exit_with_defined_code() {
    let code = react(|_| fail::<()>(Failure::new(Exit(23))));
    assert_eq!(code, ExitCode::from(23));
}

// Source: twisted/test/test_task.py ReactTests.test_synchronousStop
#[test]
fn react_synchronous_stop() {
    let code = react(|reactor| {
        let (finished, resolver) = Deferred::new();
        let r = reactor.clone();
        reactor.call_when_running(move || {
            r.stop().unwrap();
            resolver.callback(());
        });
        finished
    });
    assert_eq!(code, ExitCode::SUCCESS);
}

// Source: twisted/test/test_task.py ReactTests.test_asynchronousStop
#[test]
fn react_asynchronous_stop() {
    let keep = Rc::new(RefCell::new(None));
    let k = Rc::clone(&keep);
    let code = react(move |reactor| {
        let r = reactor.clone();
        reactor.call_later(ms(1), move || r.stop().unwrap());
        let (never, resolver) = Deferred::<()>::new();
        // Kept past react's end: a dropped resolver would fail the Deferred.
        *k.borrow_mut() = Some(resolver);
        never
    });
    assert_eq!(code, ExitCode::SUCCESS);
}
