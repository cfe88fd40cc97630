//! The core's time helpers on the real reactor: they take any `Time`, and the reactor is
//! one. Short real delays, as the reactor keeps real time.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use deferreds::task::{LoopingCall, defer_later};
use deferreds::{Failure, Time};
use deferreds_reactor::Reactor;

fn reactor() -> Reactor {
    Reactor::builder().install_signal_handlers(false).build().unwrap()
}

#[test]
fn defer_later_fires_on_the_reactor_after_its_delay() {
    let reactor = reactor();
    let start = reactor.seconds();
    let d = defer_later(&reactor, Duration::from_millis(5), || Ok::<_, Failure>("done"));
    assert_eq!(reactor.run_until(d).unwrap(), "done");
    assert!(reactor.seconds() - start >= 0.005);
}

#[test]
fn looping_call_runs_on_the_reactor_on_its_grid_until_stopped() {
    let reactor = reactor();
    let calls = Rc::new(Cell::new(0));
    let counted = Rc::clone(&calls);
    let times = Rc::new(std::cell::RefCell::new(Vec::new()));
    let (r, t) = (reactor.clone(), Rc::clone(&times));
    let call = Rc::new(std::cell::OnceCell::<LoopingCall>::new());
    let me = Rc::clone(&call);
    let looping = LoopingCall::new(reactor.clone(), move || {
        counted.set(counted.get() + 1);
        t.borrow_mut().push(r.seconds());
        if counted.get() == 3 {
            me.get().unwrap().stop().unwrap();
        }
        Ok::<_, Failure>(())
    });
    call.set(looping.clone()).unwrap();
    let done = looping.start(Duration::from_millis(5), true).unwrap();
    let stopped = reactor.run_until(done).unwrap();
    assert_eq!(stopped, looping);
    assert_eq!(calls.get(), 3);
    let times = times.borrow();
    // On the grid: the third call comes two intervals after the first, never sooner.
    assert!(times[2] - times[0] >= 0.010 - 1e-9, "{times:?}");
}

#[test]
fn a_failing_looping_call_stops_and_fails_its_deferred_on_the_reactor() {
    let reactor = reactor();
    let looping = LoopingCall::new(reactor.clone(), || Err::<(), _>(Failure::msg("broken")));
    let done = looping.start(Duration::from_millis(1), true).unwrap();
    let failure = reactor.run_until(done).unwrap_err();
    assert_eq!(failure.to_string(), "broken");
    assert!(!looping.running());
}
