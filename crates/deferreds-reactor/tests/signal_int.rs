//! SIGINT stops a reactor that has signal handlers, through its shutdown triggers, and
//! `react` turns it into the exit code 128 + 2.
//!
//! A signal hits the whole process, so this binary holds this one test alone.

use std::cell::{Cell, RefCell};
use std::process::{Command, ExitCode};
use std::rc::Rc;
use std::thread;
use std::time::Duration;

use deferreds::{Deferred, Failure, Resolver, Time};
use deferreds_reactor::{Phase, Reactor, SystemEvent};

// Source: twisted/internet/test/test_base.py ReactorBaseSignalTests.test_captureSIGINT
#[test]
fn sigint_stops_the_reactor_and_react_exits_with_130() {
    // DIFFERENCE: a real SIGINT, sent to this process, instead of calling the handler;
    // through `react`, whose exit code tells the signal, as a shell does.
    let reactor = Reactor::builder().install_signal_handlers(true).build().unwrap();
    let shut_down = Rc::new(Cell::new(false));
    let s = Rc::clone(&shut_down);
    reactor.add_system_event_trigger(Phase::Before, SystemEvent::Shutdown, move || {
        s.set(true);
        Ok::<_, Failure>(())
    });
    let killer = Rc::new(Cell::new(None));
    // Held until react returns, so main's Deferred stays pending.
    let pending: Rc<RefCell<Option<Resolver<()>>>> = Rc::default();
    let (k, p) = (Rc::clone(&killer), Rc::clone(&pending));
    let code = reactor.react(move |reactor| {
        reactor.call_when_running(move || {
            let pid = std::process::id().to_string();
            k.set(Some(thread::spawn(move || {
                Command::new("kill").args(["-INT", &pid]).status().unwrap()
            })));
        });
        // A bound, should the signal never arrive: the assertions below then fail.
        let r = reactor.clone();
        reactor.call_later(Duration::from_secs(1), move || {
            let _ = r.stop();
        });
        let (main, resolver) = Deferred::new();
        *p.borrow_mut() = Some(resolver);
        main
    });
    let status = killer.take().unwrap().join().unwrap();
    assert!(status.success());
    assert!(shut_down.get());
    assert_eq!(reactor.stopped_by_signal(), Some(2));
    assert_eq!(code, ExitCode::from(130));
}
