//! System event triggers: code that runs when the reactor starts up and shuts down, in
//! three phases (Twisted's `addSystemEventTrigger` and `_ThreePhaseEvent`).
//!
//! Firing an event runs its "before" triggers; those that return a pending Deferred are
//! waited for, all together. Then the "during" triggers run, then the "after" ones.
//! Triggers run in the order they were added, and a trigger added to a phase while that
//! phase runs still runs in it. A failing trigger is reported and does not stop the
//! others.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use deferreds::{Deferred, DeferredList, IntoOutcome, log_err, maybe_deferred};

/// A phase of a [`SystemEvent`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Runs first; a trigger may return a Deferred, and the event waits for it.
    Before,
    /// Runs once every "before" trigger is done. For shutdown: the reactor stops
    /// running, and the thread pool is stopped.
    During,
    /// Runs last.
    After,
}

/// An event with triggers: the reactor fires `Startup` when it starts running and
/// `Shutdown` when it is stopped; `Custom` events are fired by the application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SystemEvent {
    /// The reactor starts: it is `running` from the "during" phase on.
    Startup,
    /// The reactor stops: "before" triggers may hold the shutdown up with Deferreds.
    Shutdown,
    /// An event of the application's own, fired with
    /// [`Reactor::fire_system_event`](crate::Reactor::fire_system_event).
    Custom(&'static str),
}

/// Names a trigger, to remove it with
/// [`Reactor::remove_system_event_trigger`](crate::Reactor::remove_system_event_trigger).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TriggerId {
    event: SystemEvent,
    phase: Phase,
    id: u64,
}

/// A trigger, ready to run: its result is already made harmless (failures reported).
type Trigger = Box<dyn FnOnce() -> Deferred<()>>;

#[derive(Default)]
struct Phases {
    before: Vec<(u64, Trigger)>,
    during: Vec<(u64, Trigger)>,
    after: Vec<(u64, Trigger)>,
}

impl Phases {
    fn phase(&mut self, phase: Phase) -> &mut Vec<(u64, Trigger)> {
        match phase {
            Phase::Before => &mut self.before,
            Phase::During => &mut self.during,
            Phase::After => &mut self.after,
        }
    }
}

/// The triggers of every event; clones share them.
#[derive(Clone, Default)]
pub(crate) struct SystemEvents {
    inner: Rc<Inner>,
}

#[derive(Default)]
struct Inner {
    events: RefCell<HashMap<SystemEvent, Phases>>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

impl SystemEvents {
    pub(crate) fn add<F, R>(&self, phase: Phase, event: SystemEvent, trigger: F) -> TriggerId
    where
        F: FnOnce() -> R + 'static,
        R: IntoOutcome + 'static,
    {
        // Numbered across the process, so one reactor's id never names another's trigger.
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let trigger: Trigger = Box::new(move || {
            maybe_deferred(trigger).add_both(|result| {
                if let Err(failure) = result {
                    let _ = log_err(failure);
                }
                Ok(())
            })
        });
        let mut events = self.inner.events.borrow_mut();
        events.entry(event).or_default().phase(phase).push((id, trigger));
        TriggerId { event, phase, id }
    }

    /// Removes a trigger that has not run yet; returns whether there was one.
    pub(crate) fn remove(&self, trigger: TriggerId) -> bool {
        let mut events = self.inner.events.borrow_mut();
        let Some(phases) = events.get_mut(&trigger.event) else { return false };
        let phase = phases.phase(trigger.phase);
        let before = phase.len();
        phase.retain(|(id, _)| *id != trigger.id);
        phase.len() != before
    }

    /// Fires `event`: the returned Deferred fires once its "after" triggers have run.
    pub(crate) fn fire(&self, event: SystemEvent) -> Deferred<()> {
        let mut waits = Vec::new();
        while let Some(trigger) = self.next(event, Phase::Before) {
            let done = trigger();
            if !done.called() {
                waits.push(done);
            }
        }
        let events = self.clone();
        DeferredList::new(waits).into_deferred().add_callback(move |_| {
            for phase in [Phase::During, Phase::After] {
                while let Some(trigger) = events.next(event, phase) {
                    drop(trigger());
                }
            }
            Ok(())
        })
    }

    /// Takes the first trigger left in a phase; the borrow ends before it runs, so
    /// triggers may add and remove triggers.
    fn next(&self, event: SystemEvent, phase: Phase) -> Option<Trigger> {
        let mut events = self.inner.events.borrow_mut();
        let phase = events.get_mut(&event)?.phase(phase);
        (!phase.is_empty()).then(|| phase.remove(0).1)
    }
}

impl fmt::Debug for SystemEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let events = self.inner.events.borrow();
        let mut map = f.debug_map();
        for (event, phases) in events.iter() {
            let counts = (phases.before.len(), phases.during.len(), phases.after.len());
            map.entry(event, &counts);
        }
        map.finish()
    }
}
