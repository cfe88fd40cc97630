//! tokio tasks on the reactor's thread (`spawn_local`), and their dealings with the
//! reactor's own loop.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use deferreds::{Deferred, Failure};
use deferreds_reactor::{Phase, Reactor, SystemEvent};

fn reactor() -> Reactor {
    Reactor::builder().install_signal_handlers(false).build().unwrap()
}

#[test]
fn a_tokio_task_runs_once_the_reactor_runs() {
    let reactor = reactor();
    let (d, resolver) = Deferred::new();
    reactor.spawn_local(async move {
        tokio::time::sleep(Duration::from_millis(1)).await;
        resolver.callback("slept");
    });
    assert_eq!(reactor.run_until(d).unwrap(), "slept");
}

#[test]
fn shutdown_ends_when_a_tokio_task_fires_the_before_trigger_deferred() {
    let reactor = reactor();
    let flushed = Rc::new(Cell::new(false));
    let (r, f) = (reactor.clone(), Rc::clone(&flushed));
    reactor.add_system_event_trigger(Phase::Before, SystemEvent::Shutdown, move || {
        let (d, resolver) = Deferred::new();
        r.spawn_local(async move {
            tokio::time::sleep(Duration::from_millis(1)).await;
            f.set(true);
            resolver.callback(());
        });
        d
    });
    let r = reactor.clone();
    reactor.call_when_running(move || r.stop().unwrap());
    // The loop must notice that shutdown went on in a tokio task, or it sleeps on.
    reactor.run().unwrap();
    assert!(flushed.get());
}

#[test]
fn tokio_futures_in_an_async_block_work_on_the_reactor() {
    let reactor = reactor();
    let d = reactor.enter(|| {
        deferreds::ensure_deferred(async {
            tokio::time::sleep(Duration::from_millis(1)).await;
            Ok::<_, Failure>(7)
        })
    });
    assert_eq!(reactor.run_until(d).unwrap(), 7);
}
