//! SIGTERM stops a reactor that has signal handlers, through its shutdown triggers.
//!
//! A signal hits the whole process, so this binary holds this one test alone.

use std::cell::Cell;
use std::process::Command;
use std::rc::Rc;
use std::thread;
use std::time::Duration;

use deferreds::{Failure, Time};
use deferreds_reactor::{Phase, Reactor, SystemEvent};

// Source: twisted/internet/test/test_base.py ReactorBaseSignalTests.test_captureSIGTERM
#[test]
fn sigterm_stops_the_reactor_through_its_shutdown_triggers() {
    // DIFFERENCE: a real SIGTERM, sent to this process, instead of calling the handler.
    let reactor = Reactor::builder().install_signal_handlers(true).build().unwrap();
    let shut_down = Rc::new(Cell::new(false));
    let s = Rc::clone(&shut_down);
    reactor.add_system_event_trigger(Phase::Before, SystemEvent::Shutdown, move || {
        s.set(true);
        Ok::<_, Failure>(())
    });
    let killer = Rc::new(Cell::new(None));
    let k = Rc::clone(&killer);
    reactor.call_when_running(move || {
        let pid = std::process::id().to_string();
        k.set(Some(thread::spawn(move || {
            Command::new("kill").args(["-TERM", &pid]).status().unwrap()
        })));
    });
    // A bound, should the signal never arrive: the assertions below then fail.
    let r = reactor.clone();
    reactor.call_later(Duration::from_secs(1), move || {
        let _ = r.stop();
    });
    reactor.run().unwrap();
    let status = killer.take().unwrap().join().unwrap();
    assert!(status.success());
    assert!(shut_down.get());
    assert_eq!(reactor.stopped_by_signal(), Some(15));
}
