//! Time without I/O: the [`Time`] trait, [`DelayedCall`], and the [`Timers`] queue both
//! the manual clock and a real event loop schedule on.
//!
//! `Timers` orders calls by (deadline, sequence number), so calls due at the same instant
//! run in the order they were scheduled. Cancelling a call marks it and leaves its entry
//! to be skipped when it surfaces; rescheduling gives the call a new sequence number and
//! pushes a fresh entry, and the stale one is skipped the same way. That keeps every
//! operation O(log n) without searching.
//!
//! Entries live in a binary heap, or in a FIFO lane when their deadline is no earlier
//! than the lane's last: calls scheduled with the same delay, or "as soon as possible",
//! arrive in deadline order, and the lane takes them in O(1) where the heap would sift.
//! The earliest call is the earlier of the two heads.

use std::cell::{Cell, RefCell};
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};
use std::error::Error;
use std::fmt;
use std::rc::{Rc, Weak};
use std::time::Duration;

/// A source of time that can call functions later: a real event loop, or the manual
/// [`Clock`](crate::task::Clock) of tests.
///
/// Library code that waits takes a `Time` instead of a reactor, so it runs the same in
/// virtual time.
pub trait Time {
    /// Seconds since this time source's epoch (for a clock, its creation).
    fn seconds(&self) -> f64;

    /// Schedules `call` to run `delay` from now; the object-safe form of
    /// [`call_later`](Time::call_later).
    fn call_later_boxed(&self, delay: Duration, call: Box<dyn FnOnce()>) -> DelayedCall;

    /// Schedules `call` to run `delay` from now. Calls due at the same time run in the
    /// order they were scheduled.
    fn call_later<F: FnOnce() + 'static>(&self, delay: Duration, call: F) -> DelayedCall
    where
        Self: Sized,
    {
        self.call_later_boxed(delay, Box::new(call))
    }
}

impl<T: Time + ?Sized> Time for &T {
    fn seconds(&self) -> f64 {
        (**self).seconds()
    }

    fn call_later_boxed(&self, delay: Duration, call: Box<dyn FnOnce()>) -> DelayedCall {
        (**self).call_later_boxed(delay, call)
    }
}

impl<T: Time + ?Sized> Time for Rc<T> {
    fn seconds(&self) -> f64 {
        (**self).seconds()
    }

    fn call_later_boxed(&self, delay: Duration, call: Box<dyn FnOnce()>) -> DelayedCall {
        (**self).call_later_boxed(delay, call)
    }
}

/// Why a [`DelayedCall`] could not be cancelled or rescheduled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelayedCallError {
    called: bool,
}

impl DelayedCallError {
    /// The call has already run (Twisted's `AlreadyCalled`).
    pub fn is_called(&self) -> bool {
        self.called
    }

    /// The call was cancelled before (Twisted's `AlreadyCancelled`).
    pub fn is_cancelled(&self) -> bool {
        !self.called
    }
}

impl fmt::Display for DelayedCallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.called {
            "the delayed call has already run"
        } else {
            "the delayed call was already cancelled"
        })
    }
}

impl Error for DelayedCallError {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CallState {
    Pending,
    Called,
    Cancelled,
}

struct Entry {
    deadline: Cell<Duration>,
    /// The sequence number of this call's live heap entry; other entries are stale.
    seq: Cell<u64>,
    state: Cell<CallState>,
    call: RefCell<Option<Box<dyn FnOnce()>>>,
    queue: Weak<Queue>,
}

/// A handle to a call scheduled with [`Time::call_later`] (Twisted's `IDelayedCall`).
///
/// Dropping the handle does not cancel the call.
#[derive(Clone)]
pub struct DelayedCall {
    entry: Rc<Entry>,
}

impl DelayedCall {
    /// Whether the call has neither run nor been cancelled.
    pub fn active(&self) -> bool {
        self.entry.state.get() == CallState::Pending
    }

    /// When the call is due, in the scheduler's [`Time::seconds`].
    pub fn time(&self) -> f64 {
        self.entry.deadline.get().as_secs_f64()
    }

    /// Cancels the call.
    ///
    /// # Errors
    ///
    /// If the call has already run or was already cancelled.
    pub fn cancel(&self) -> Result<(), DelayedCallError> {
        self.check_active()?;
        self.entry.state.set(CallState::Cancelled);
        let call = self.entry.call.borrow_mut().take();
        drop(call);
        if let Some(queue) = self.entry.queue.upgrade() {
            queue.note_dead_entry();
        }
        Ok(())
    }

    /// Reschedules the call to run `delay` from now.
    ///
    /// # Errors
    ///
    /// If the call has already run or was cancelled.
    pub fn reset(&self, delay: Duration) -> Result<(), DelayedCallError> {
        self.check_active()?;
        if let Some(queue) = self.entry.queue.upgrade() {
            queue.push(&self.entry, (queue.now)().saturating_add(delay));
            queue.note_dead_entry();
        }
        Ok(())
    }

    /// Postpones the call by `delay` (Twisted's `DelayedCall.delay`).
    ///
    /// # Errors
    ///
    /// If the call has already run or was cancelled.
    pub fn delay(&self, delay: Duration) -> Result<(), DelayedCallError> {
        self.check_active()?;
        if let Some(queue) = self.entry.queue.upgrade() {
            queue.push(&self.entry, self.entry.deadline.get().saturating_add(delay));
            queue.note_dead_entry();
        }
        Ok(())
    }

    fn check_active(&self) -> Result<(), DelayedCallError> {
        match self.entry.state.get() {
            CallState::Pending => Ok(()),
            CallState::Called => Err(DelayedCallError { called: true }),
            CallState::Cancelled => Err(DelayedCallError { called: false }),
        }
    }
}

impl fmt::Debug for DelayedCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DelayedCall")
            .field("time", &self.time())
            .field("state", &self.entry.state.get())
            .finish()
    }
}

struct Queued {
    deadline: Duration,
    seq: u64,
    entry: Rc<Entry>,
}

impl Queued {
    /// Whether this is the live entry of a pending call.
    fn is_live(&self) -> bool {
        self.entry.state.get() == CallState::Pending && self.entry.seq.get() == self.seq
    }
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Queued {}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.deadline, self.seq).cmp(&(other.deadline, other.seq))
    }
}

/// The entries, in a heap and a lane sorted by construction.
#[derive(Default)]
struct Schedule {
    heap: BinaryHeap<Reverse<Queued>>,
    lane: VecDeque<Queued>,
}

impl Schedule {
    fn push(&mut self, queued: Queued) {
        if self.lane.back().is_none_or(|last| last.deadline <= queued.deadline) {
            self.lane.push_back(queued);
        } else {
            self.heap.push(Reverse(queued));
        }
    }

    fn len(&self) -> usize {
        self.heap.len() + self.lane.len()
    }

    fn retain_live(&mut self) {
        self.heap.retain(|Reverse(queued)| queued.is_live());
        self.lane.retain(Queued::is_live);
    }

    /// The earlier head: `true` for the lane's.
    fn lane_first(&self) -> Option<bool> {
        match (self.lane.front(), self.heap.peek()) {
            (None, None) => None,
            (Some(_), None) => Some(true),
            (None, Some(_)) => Some(false),
            (Some(lane), Some(Reverse(heap))) => Some(lane < heap),
        }
    }

    fn peek(&self) -> Option<&Queued> {
        if self.lane_first()? {
            self.lane.front()
        } else {
            self.heap.peek().map(|Reverse(queued)| queued)
        }
    }

    fn pop(&mut self) -> Option<Queued> {
        if self.lane_first()? {
            self.lane.pop_front()
        } else {
            self.heap.pop().map(|Reverse(queued)| queued)
        }
    }

    fn iter(&self) -> impl Iterator<Item = &Queued> {
        self.heap.iter().map(|Reverse(queued)| queued).chain(self.lane.iter())
    }
}

struct Queue {
    schedule: RefCell<Schedule>,
    /// Entries in `schedule` that are stale or cancelled, to know when to compact.
    dead: Cell<usize>,
    next_seq: Cell<u64>,
    now: Box<dyn Fn() -> Duration>,
    /// Told each new deadline, so an event loop asleep until a later one can wake.
    on_schedule: Option<Box<dyn Fn(Duration)>>,
}

impl Queue {
    fn push(&self, entry: &Rc<Entry>, deadline: Duration) {
        let seq = self.next_seq.get();
        self.next_seq.set(seq + 1);
        entry.deadline.set(deadline);
        entry.seq.set(seq);
        self.schedule.borrow_mut().push(Queued { deadline, seq, entry: Rc::clone(entry) });
        if let Some(on_schedule) = &self.on_schedule {
            on_schedule(deadline);
        }
    }

    /// Counts one more dead entry; rebuilds the heap without them once they are the
    /// majority, so far-off timers cancelled early (timeouts) do not pile up.
    fn note_dead_entry(&self) {
        let dead = self.dead.get() + 1;
        self.dead.set(dead);
        let mut schedule = self.schedule.borrow_mut();
        if dead > 64 && dead * 2 > schedule.len() {
            schedule.retain_live();
            self.dead.set(0);
        }
    }

    /// Drops dead entries off the top; returns the live top's deadline.
    fn peek_live(&self) -> Option<Duration> {
        let mut schedule = self.schedule.borrow_mut();
        while let Some(top) = schedule.peek() {
            if top.is_live() {
                return Some(top.deadline);
            }
            schedule.pop();
            self.dead.set(self.dead.get().saturating_sub(1));
        }
        None
    }
}

/// A queue of delayed calls: the scheduling engine under [`Clock`](crate::task::Clock),
/// for event loops to build on.
///
/// It keeps the calls in deadline order (FIFO for equal deadlines) and hands out due
/// ones; its owner decides what "now" is and when to run them.
pub struct Timers {
    queue: Rc<Queue>,
}

impl Timers {
    /// A queue that reads the current time, as a duration since its epoch, from `now`.
    pub fn new(now: impl Fn() -> Duration + 'static) -> Timers {
        Timers::build(Box::new(now), None)
    }

    /// Like [`new`](Timers::new), and `on_schedule` is told the deadline each time a call
    /// is scheduled or moved (by [`DelayedCall::reset`] or [`DelayedCall::delay`]): an
    /// event loop sleeping until a later deadline wakes up to re-arm.
    pub fn with_on_schedule(
        now: impl Fn() -> Duration + 'static,
        on_schedule: impl Fn(Duration) + 'static,
    ) -> Timers {
        Timers::build(Box::new(now), Some(Box::new(on_schedule)))
    }

    fn build(now: Box<dyn Fn() -> Duration>, on_schedule: Option<Box<dyn Fn(Duration)>>) -> Timers {
        Timers {
            queue: Rc::new(Queue {
                schedule: RefCell::new(Schedule::default()),
                dead: Cell::new(0),
                next_seq: Cell::new(0),
                now,
                on_schedule,
            }),
        }
    }

    /// The current time, as given by the `now` function.
    pub fn now(&self) -> Duration {
        (self.queue.now)()
    }

    /// Schedules `call` to run `delay` after [`now`](Timers::now).
    pub fn schedule(&self, delay: Duration, call: Box<dyn FnOnce()>) -> DelayedCall {
        let entry = Rc::new(Entry {
            deadline: Cell::new(Duration::ZERO),
            seq: Cell::new(0),
            state: Cell::new(CallState::Pending),
            call: RefCell::new(Some(call)),
            queue: Rc::downgrade(&self.queue),
        });
        // Saturating: a delay too long to represent is as good as never.
        self.queue.push(&entry, self.now().saturating_add(delay));
        DelayedCall { entry }
    }

    /// The deadline of the earliest pending call.
    pub fn next_deadline(&self) -> Option<Duration> {
        self.queue.peek_live()
    }

    /// Takes the earliest pending call due at or before `now`, marking it as run.
    pub fn pop_due(&self, now: Duration) -> Option<Box<dyn FnOnce()>> {
        if self.queue.peek_live()? > now {
            return None;
        }
        let due = self.queue.schedule.borrow_mut().pop()?;
        due.entry.state.set(CallState::Called);
        due.entry.call.borrow_mut().take()
    }

    /// The pending calls, earliest first.
    pub fn pending(&self) -> Vec<DelayedCall> {
        let schedule = self.queue.schedule.borrow();
        let mut live: Vec<&Queued> = schedule.iter().filter(|queued| queued.is_live()).collect();
        live.sort();
        live.into_iter().map(|q| DelayedCall { entry: Rc::clone(&q.entry) }).collect()
    }
}

impl fmt::Debug for Timers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timers").field("pending", &self.pending().len()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever mix of lane and heap the deadlines make, calls come out in (deadline,
    /// scheduling order).
    #[test]
    fn calls_run_in_deadline_then_scheduling_order() {
        let now = Rc::new(Cell::new(Duration::ZERO));
        let reader = Rc::clone(&now);
        let timers = Timers::new(move || reader.get());
        let ran = Rc::new(RefCell::new(Vec::new()));
        let mut expected = Vec::new();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for index in 0..2_000u32 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let delay = Duration::from_millis(seed >> 60); // 0..16 ms: many ties
            now.set(now.get() + Duration::from_micros((seed >> 20) & 0x3));
            let ran = Rc::clone(&ran);
            let call = timers.schedule(delay, Box::new(move || ran.borrow_mut().push(index)));
            if index % 7 == 3 {
                call.cancel().unwrap();
            } else {
                expected.push((now.get() + delay, index));
            }
        }
        expected.sort();
        now.set(now.get() + Duration::from_secs(1));
        while let Some(call) = timers.pop_due(now.get()) {
            call();
        }
        let expected: Vec<u32> = expected.into_iter().map(|(_, index)| index).collect();
        assert_eq!(*ran.borrow(), expected);
    }
}
