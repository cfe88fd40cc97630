//! The untyped engine under every `Deferred`: a result, a queue of stages, and the loop
//! that runs them.
//!
//! Values travel boxed as `Box<dyn Any>` holding an `Option<T>`; the typed handles
//! ([`Deferred`](crate::Deferred), [`Resolver`](crate::Resolver)) are the only code that
//! puts values in or takes them out, so a type mismatch here is a bug in this crate. A
//! stage that maps `T` to `T` writes its result back into the same box, so a chain of
//! same-typed callbacks allocates once, not once per callback.
//!
//! The loop never recurses. When a handler returns a Deferred that has not fired, this
//! chain parks and appends a `Resume` stage to the inner chain; when the inner chain gets
//! there, the loop moves the result across and carries on with the outer chain in the
//! same iteration. `chain_deferred` works the same way with a `Feed` stage. Nothing can
//! follow either stage (the handle that could add more was consumed to create it), so
//! switching chains is a tail call, and nesting depth costs no stack.
//!
//! No `RefCell` borrow is held while user code runs: handlers, cancellers and the drop
//! of anything taken out of the state all happen with the state released.

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::rc::Rc;
use std::task::Waker;

use crate::errors::CancelledError;
use crate::failure::{Failure, Trace};
use crate::handler::{self, Handler};
use crate::outcome::take;
use crate::recycle;
use crate::report;
use crate::stages::Stages;

/// A chain's current value: a box holding `Option<T>` for the chain's current `T`.
pub(crate) type Value = Box<dyn Slot>;

/// What a value's box holds: an `Option<T>`, which can be emptied in place so that the
/// box outlives its value and carries the next one (see `State::spare`).
pub(crate) trait Slot: Any {
    /// Drops the value, keeping the box.
    fn clear(&mut self);
}

impl<T: 'static> Slot for Option<T> {
    fn clear(&mut self) {
        *self = None;
    }
}

/// The stand-in left where a result was taken out: a box of nothing, which costs no
/// allocation.
impl Slot for () {
    fn clear(&mut self) {}
}

/// Boxes bigger than this are not kept for reuse: a kept chain must not pin much memory.
const SPARE_LIMIT: usize = 64;
/// A chain's current result.
pub(crate) type Outcome = Result<Value, Failure>;
/// A canceller, type-erased: receives the chain so it can hand out a `Resolver`.
pub(crate) type Canceller = Box<dyn FnOnce(Rc<Chain>)>;

/// What a handler asks the loop to do next.
pub(crate) enum Step {
    /// Continue with the result now in place: the handler's own, or the one it let pass.
    Next,
    /// Continue with the result now in place, which a returned Deferred already had: it
    /// enters this chain as if that Deferred had resumed it.
    Settled,
    /// Continue with the result of this chain, once it has one. The result in place is
    /// spent.
    Wait(Rc<Chain>),
}

/// Which results a handler stage is called with. On the other path the result passes
/// the stage without a call, so a callback skipped by a failure costs no more than a
/// trail step.
#[derive(Clone, Copy)]
pub(crate) enum On {
    Success,
    Failure,
    Both,
}

/// A queued stage. Which results a handler is called with is part of the variant, so that
/// every field sits in a whole word: the loop moves a stage out of the queue for each one
/// it runs, and a field sharing the tag's word would make that move piecemeal.
pub(crate) enum Stage {
    /// A callback, added at this location by `add_callback` and friends.
    Callback(Handler, &'static Location<'static>),
    /// An errback.
    Errback(Handler, &'static Location<'static>),
    /// One handler for both paths (`add_both`, `add_callbacks`).
    Both(Handler, &'static Location<'static>),
    /// Hand the result to this outer chain, which is waiting on us.
    Resume(Rc<Chain>),
    /// Fire this chain with our result (`chain_deferred`).
    Feed(Rc<Chain>),
    /// A free place in the queue (see `Stages`).
    Spent,
}

pub(crate) struct Chain {
    state: RefCell<State>,
    created_at: &'static Location<'static>,
}

/// Everything about a chain that changes as it runs.
struct State {
    /// The current result. `None` before the chain fires, while the loop runs a handler
    /// on it, and after it was handed on (to an outer chain, a fed chain, or an awaiting
    /// future). A `Some(Err(_))` still here when the chain is dropped is an unhandled
    /// failure.
    result: Option<Outcome>,
    /// Set once, by the first firing (a resolver, a canceller, or cancellation itself);
    /// never cleared. Later firings are ignored.
    fired: bool,
    /// `pause()` calls not yet matched by `unpause()`. Stages wait while non-zero.
    paused: u32,
    /// True while the loop runs this chain's handlers; a stage added meanwhile is run by
    /// the loop already under way instead of a nested one.
    running: bool,
    /// The inner chain a handler returned, while we wait for it. Held strongly: once a
    /// handler returned it, nothing else may hold it (it may be fired and paused), and
    /// cancellation must reach it. The inner chain's `Resume` stage points back at us;
    /// that cycle ends when the inner chain resumes us.
    waiting_on: Option<Rc<Chain>>,
    /// Set when another chain will feed this one (`chain_deferred`); only for `Debug`.
    fed: bool,
    /// Stages not yet run, in order.
    stages: Stages,
    /// Given at creation; taken by the first `cancel()`, dropped when the chain fires.
    canceller: Option<Canceller>,
    /// The task awaiting this chain's result, woken when the chain settles.
    waker: Option<Waker>,
    /// An emptied value box from an earlier result, which the next value of the same
    /// type moves into instead of allocating: most chains of a thread carry the same few
    /// types, and a chain is recycled many times.
    spare: Option<Value>,
}

impl State {
    fn initial(canceller: Option<Canceller>) -> State {
        State {
            result: None,
            fired: false,
            paused: 0,
            running: false,
            waiting_on: None,
            fed: false,
            stages: Stages::new(),
            canceller,
            waker: None,
            spare: None,
        }
    }

    /// Whether the loop may run a stage now.
    fn idle_with_result(&self) -> bool {
        self.fired && !self.running && self.paused == 0 && self.waiting_on.is_none()
    }

    /// Whether the chain has its final result: fired, idle, and nothing left to run.
    fn settled(&self) -> bool {
        self.idle_with_result() && self.stages.is_empty()
    }
}

impl Chain {
    pub(crate) fn new(
        created_at: &'static Location<'static>,
        canceller: Option<Canceller>,
    ) -> Rc<Chain> {
        match recycle::chain() {
            Some(mut spare) => {
                let chain = Rc::get_mut(&mut spare).expect("a kept chain has no other reference");
                chain.created_at = created_at;
                // A kept chain has no canceller: nothing to drop in its place.
                let none = std::mem::replace(&mut chain.state.get_mut().canceller, canceller);
                debug_assert!(none.is_none());
                std::mem::forget(none);
                spare
            }
            None => Chain::allocate(created_at, canceller),
        }
    }

    /// `new`, when the pool has no chain to give.
    #[cold]
    fn allocate(created_at: &'static Location<'static>, canceller: Option<Canceller>) -> Rc<Chain> {
        Rc::new(Chain { state: RefCell::new(State::initial(canceller)), created_at })
    }

    /// Lets go of a handle to the chain. The last one retires the chain as dropping it
    /// would (an unhandled failure is reported; handlers never run and the canceller are
    /// dropped) and keeps its memory for the next chain.
    #[inline]
    pub(crate) fn release(chain: Rc<Chain>) {
        // Most releases are of a handle whose other half is still held: a resolver that
        // has fired, most often. Dropping that one only decrements the count.
        if Rc::strong_count(&chain) == 1 {
            Chain::retire(chain);
        }
    }

    /// `release` of what may be the last handle.
    fn retire(mut chain: Rc<Chain>) {
        let Some(unshared) = Rc::get_mut(&mut chain) else { return };
        let created_at = unshared.created_at;
        let state = unshared.state.get_mut();
        // What is dropped from here on may run any code, and release other chains:
        // nothing here is borrowed, and nothing else can reach this chain.
        match state.result.take() {
            Some(Ok(mut value)) => {
                value.clear();
                state.keep_spare(value);
            }
            Some(Err(failure)) => report::unhandled(failure, created_at),
            None => {}
        }
        state.reset();
        recycle::keep_chain(chain);
    }

    /// Fires the chain with a value, in the spare box if it fits, and runs its handlers;
    /// does nothing if it had already fired.
    ///
    /// `fire` and `settle` in one borrow, for the most common firing of all.
    pub(crate) fn fire_value<T: 'static>(self: &Rc<Self>, value: T) {
        let (handed, waker) = {
            let mut state = self.state.borrow_mut();
            if state.fired {
                return;
            }
            state.fired = true;
            let value: Value = match state.spare.take() {
                Some(mut slot) => match (&mut *slot as &mut dyn Any).downcast_mut::<Option<T>>() {
                    Some(empty) => {
                        *empty = Some(value);
                        slot
                    }
                    None => {
                        state.spare = Some(slot);
                        Box::new(Some(value))
                    }
                },
                None => Box::new(Some(value)),
            };
            if state.canceller.is_some() {
                drop(state);
                self.fire_value_cancellable(value);
                return;
            }
            state.place_fired(value)
        };
        self.go_on_fired(handed, waker);
    }

    /// `fire_value` for a chain with a canceller to drop, out of its way: most chains
    /// have none.
    #[inline(never)]
    fn fire_value_cancellable(self: &Rc<Self>, value: Value) {
        let (canceller, (handed, waker)) = {
            let mut state = self.state.borrow_mut();
            (state.canceller.take(), state.place_fired(value))
        };
        drop(canceller);
        self.go_on_fired(handed, waker);
    }

    /// Wakes the task and runs the stages that `State::place_fired` said wait.
    #[inline(always)]
    fn go_on_fired(self: &Rc<Self>, handed: Option<Value>, waker: Option<Waker>) {
        if let Some(waker) = waker {
            waker.wake();
        }
        if handed.is_some() {
            run_from(self, handed);
        }
    }

    /// The settled result of a chain only the caller holds, and where the chain was
    /// created; the chain itself goes back to the pool. Otherwise the chain, untouched.
    ///
    /// This is how a handle whose chain has served its purpose (fired, nothing queued,
    /// no one else holding it) goes back to holding its result inline.
    #[inline]
    pub(crate) fn into_settled<T: 'static>(
        chain: Rc<Chain>,
    ) -> Result<(Result<T, Failure>, &'static Location<'static>), Rc<Chain>> {
        // Shared, with its resolver most often: pending, which is told without a call.
        if Rc::strong_count(&chain) > 1 {
            return Err(chain);
        }
        Chain::take_unshared_settled(chain)
    }

    /// `into_settled`, past its quick test.
    fn take_unshared_settled<T: 'static>(
        mut chain: Rc<Chain>,
    ) -> Result<(Result<T, Failure>, &'static Location<'static>), Rc<Chain>> {
        let Some(unshared) = Rc::get_mut(&mut chain) else { return Err(chain) };
        let created_at = unshared.created_at;
        let state = unshared.state.get_mut();
        if !state.settled() {
            return Err(chain);
        }
        let Some(outcome) = state.result.take() else { return Err(chain) };
        let result = state.unbox(outcome);
        state.reset();
        recycle::keep_chain(chain);
        Ok((result, created_at))
    }

    /// A chain that has fired with `outcome` (whose trail is already complete): a
    /// Deferred's inline result moved into a chain.
    pub(crate) fn settled(created_at: &'static Location<'static>, outcome: Outcome) -> Rc<Chain> {
        let chain = Chain::new(created_at, None);
        {
            let mut state = chain.state.borrow_mut();
            state.fired = true;
            state.result = Some(outcome);
        }
        chain
    }

    /// A chain that has fired and waits for `inner`'s result, as if one of its handlers
    /// had returned `inner`.
    pub(crate) fn waiting_for(
        created_at: &'static Location<'static>,
        inner: Rc<Chain>,
    ) -> Rc<Chain> {
        let chain = Chain::new(created_at, None);
        chain.state.borrow_mut().fired = true;
        if let Some(outcome) = chain.wait_for(inner) {
            chain.state.borrow_mut().result = Some(outcome);
        }
        chain
    }

    /// Makes this chain wait for `inner`: returns `inner`'s result at once if it has
    /// settled (recorded as entering this chain), or parks this chain until `inner`
    /// resumes it.
    fn wait_for(self: &Rc<Self>, inner: Rc<Chain>) -> Option<Outcome> {
        if let Some(outcome) = inner.take_settled() {
            return Some(self.entering(outcome));
        }
        self.state.borrow_mut().waiting_on = Some(Rc::clone(&inner));
        inner.push(Stage::Resume, Rc::clone(self));
        None
    }

    pub(crate) fn created_at(&self) -> &'static Location<'static> {
        self.created_at
    }

    /// Records on a failure that it enters this chain.
    fn entering(&self, outcome: Outcome) -> Outcome {
        outcome.map_err(|mut failure| {
            failure.push_trace(Trace::Entered(self.created_at));
            failure
        })
    }

    /// `entering`, on a result in place.
    fn entering_in_place(&self, outcome: &mut Outcome) {
        if let Err(failure) = outcome {
            failure.push_trace(Trace::Entered(self.created_at));
        }
    }

    /// Fires the chain and runs its handlers; does nothing if it had already fired.
    pub(crate) fn fire(self: &Rc<Self>, outcome: Outcome) {
        if self.settle(outcome) {
            run(self);
        }
    }

    /// Fires the chain with whatever `inner` ends with: the chain counts as fired now
    /// and waits for `inner`, as if a handler had returned it (a coroutine's Deferred,
    /// kept waiting after a cancellation). Does nothing if it had already fired.
    pub(crate) fn fire_waiting(self: &Rc<Self>, inner: Rc<Chain>) {
        let canceller = {
            let mut state = self.state.borrow_mut();
            if state.fired {
                return;
            }
            state.fired = true;
            state.canceller.take()
        };
        drop(canceller);
        if let Some(outcome) = self.wait_for(inner) {
            self.state.borrow_mut().result = Some(outcome);
            run(self);
        }
    }

    /// Gives the chain its result, and wakes the task awaiting it if no stage comes
    /// first. Returns whether stages wait to run on the result. Returns false, leaving
    /// the chain alone, if it had already fired.
    fn settle(&self, outcome: Outcome) -> bool {
        let (canceller, staged, waker) = {
            let mut state = self.state.borrow_mut();
            if state.fired {
                return false;
            }
            state.fired = true;
            state.result = Some(self.entering(outcome));
            let staged = !state.stages.is_empty();
            let waker = if staged || state.paused > 0 { None } else { state.waker.take() };
            (state.canceller.take(), staged, waker)
        };
        drop(canceller);
        if let Some(waker) = waker {
            waker.wake();
        }
        staged
    }

    pub(crate) fn has_fired(&self) -> bool {
        self.state.borrow().fired
    }

    /// Whether a handler added now would run at once.
    pub(crate) fn has_result(&self) -> bool {
        let state = self.state.borrow();
        state.idle_with_result() && state.result.is_some()
    }

    /// Adds a handler and returns the handle for the chain's next stage.
    #[inline(always)]
    pub(crate) fn then<U: 'static>(
        self: Rc<Self>,
        at: &'static Location<'static>,
        on: On,
        call: impl FnOnce(&mut Outcome) -> Step + 'static,
    ) -> crate::Deferred<U> {
        let ready = {
            let mut state = self.state.borrow_mut();
            state.stages.push_handler(on, handler::boxed(call), at);
            state.idle_with_result()
        };
        if ready {
            run(&self);
        }
        crate::Deferred::from_chain(self)
    }

    pub(crate) fn feed(self: &Rc<Self>, target: Rc<Chain>) {
        target.state.borrow_mut().fed = true;
        self.push(Stage::Feed, target);
    }

    /// Queues a stage handing the result to `target` (`Stage::Resume` or `Stage::Feed`),
    /// and runs it if the chain has its result and nothing else runs. Given the stage's
    /// parts, not the stage: see `Stages::push`.
    #[inline(always)]
    fn push(self: &Rc<Self>, stage: fn(Rc<Chain>) -> Stage, target: Rc<Chain>) {
        let ready = {
            let mut state = self.state.borrow_mut();
            state.stages.push(stage, target);
            state.idle_with_result()
        };
        if ready {
            run(self);
        }
    }

    pub(crate) fn pause(&self) {
        self.state.borrow_mut().paused += 1;
    }

    pub(crate) fn unpause(self: &Rc<Self>) {
        let ready = {
            let mut state = self.state.borrow_mut();
            state.paused = state.paused.saturating_sub(1);
            state.idle_with_result()
        };
        if ready {
            run(self);
        }
    }

    /// Cancels the innermost unfired chain this one is (transitively) waiting on, or this
    /// one if it has not fired. Iterative, so deep nesting costs no stack.
    pub(crate) fn cancel(self: &Rc<Self>, at: &'static Location<'static>) {
        let mut chain = Rc::clone(self);
        loop {
            let (fired, canceller, inner) = {
                let mut state = chain.state.borrow_mut();
                let canceller = if state.fired { None } else { state.canceller.take() };
                let inner = state.waiting_on.clone();
                (state.fired, canceller, inner)
            };
            if !fired {
                if let Some(canceller) = canceller {
                    // A panicking canceller is reported, and the cancellation goes on: the
                    // caller (a list cancelling its inputs, say) must not be unwound.
                    let target = Rc::clone(&chain);
                    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| canceller(target))) {
                        let _ = report::log_err(Failure::from_panic_at(payload, at));
                    }
                }
                chain.fire(Err(Failure::with_location(CancelledError(()), at)));
                return;
            }
            match inner {
                Some(inner) => chain = inner,
                None => return,
            }
        }
    }

    /// Takes the result of a chain a handler returned, if it has settled: fired, idle,
    /// and nothing left to run.
    pub(crate) fn take_settled(&self) -> Option<Outcome> {
        let mut state = self.state.borrow_mut();
        if state.settled() { state.result.take() } else { None }
    }

    /// Takes the settled result, or keeps `waker` to wake when the chain settles: how a
    /// future awaits a chain without adding a handler to it.
    pub(crate) fn poll_settled<T: 'static>(&self, waker: &Waker) -> Option<Result<T, Failure>> {
        let mut state = self.state.borrow_mut();
        if state.settled() {
            if let Some(outcome) = state.result.take() {
                return Some(state.unbox(outcome));
            }
        }
        match &mut state.waker {
            Some(kept) if kept.will_wake(waker) => {}
            kept => *kept = Some(waker.clone()),
        }
        None
    }
}

impl State {
    /// Returns a retiring chain, its result already gone, to its initial state.
    #[inline]
    fn reset(&mut self) {
        self.fired = false;
        self.paused = 0;
        self.running = false;
        self.fed = false;
        // Most chains end with nothing else to drop.
        if self.waiting_on.is_some()
            || self.canceller.is_some()
            || self.waker.is_some()
            || !self.stages.is_empty()
            || !recycle::worth_keeping(&self.stages)
        {
            self.drop_leftovers();
        }
    }

    /// Drops what a retiring chain still holds besides its result. Handlers never run go
    /// with their buffer (rare); an emptied buffer stays with the chain, ready for its
    /// next stages, unless it grew too large.
    #[cold]
    fn drop_leftovers(&mut self) {
        let unrun = (!self.stages.is_empty() || !recycle::worth_keeping(&self.stages))
            .then(|| std::mem::replace(&mut self.stages, Stages::new()));
        drop((self.waiting_on.take(), unrun, self.canceller.take(), self.waker.take()));
    }

    /// Where a value the chain has just fired with goes: back to the caller, to run the
    /// stages waiting for it, or into the result, handing back the task to wake.
    ///
    /// Stages to run now get the value handed in registers rather than through the
    /// state: read back whole right after it was written in words, it would stall the
    /// processor.
    #[inline(always)]
    fn place_fired(&mut self, value: Value) -> (Option<Value>, Option<Waker>) {
        if !self.stages.is_empty() && self.paused == 0 {
            (Some(value), None)
        } else {
            self.result = Some(Ok(value));
            (None, if self.paused == 0 { self.waker.take() } else { None })
        }
    }

    /// Keeps an emptied value box as the spare, unless there is one already or the box
    /// is too big to keep (or holds nothing at all, as the stand-in for a taken result).
    fn keep_spare(&mut self, emptied: Value) {
        let size = std::mem::size_of_val(&*emptied);
        if self.spare.is_none() && size != 0 && size <= SPARE_LIMIT {
            self.spare = Some(emptied);
        }
    }

    /// Takes the value out of a result, keeping its emptied box as the spare.
    fn unbox<T: 'static>(&mut self, outcome: Outcome) -> Result<T, Failure> {
        outcome.map(|mut value| {
            let value_out = take::<T>(&mut value);
            self.spare = Some(value);
            value_out
        })
    }
}

/// Runs `start`'s stages until it runs out, pauses, or waits, switching to another chain
/// where a stage hands the result over. See the module docs.
fn run(start: &Rc<Chain>) {
    run_from(start, None);
}

/// `run`, on `fired_with` if `start` has just fired with that value and handed it over
/// directly (see `run_stages`).
fn run_from(start: &Rc<Chain>, fired_with: Option<Value>) {
    let Some(mut chain) = run_stages(start, fired_with) else { return };
    while let Some(next) = run_stages(&chain, None) {
        chain = next;
    }
}

/// Runs one chain's stages, on `fired_with` if the chain has just fired with that value
/// and handed it over directly, or else on the result in its state. Returns the chain the
/// result moved to, if a stage handed it over (`Resume`, `Feed`).
///
/// The result is held in a local while the stages run, and each stage is taken from the
/// queue as its turn comes, so a stage added by a handler joins the queue like any other
/// and the queue needs no bookkeeping of its own.
fn run_stages(chain: &Rc<Chain>, mut fired_with: Option<Value>) -> Option<Rc<Chain>> {
    'start: loop {
        let mut outcome = {
            let mut state = chain.state.borrow_mut();
            let outcome = match fired_with.take() {
                Some(value) => Ok(value),
                None => {
                    if !state.idle_with_result() {
                        return None;
                    }
                    // No result: it was handed on, and later stages have nothing to run on.
                    state.result.take()?
                }
            };
            state.running = true;
            outcome
        };
        // One `catch_unwind` around many handlers rather than one each: a panic is rare,
        // and the stage it came from is known, so the loop picks up after it.
        let mut at = chain.created_at;
        let stop = loop {
            match catch_unwind(AssertUnwindSafe(|| run_until_stop(chain, &mut outcome, &mut at))) {
                Ok(stop) => break stop,
                Err(payload) => {
                    let mut failure = Failure::from_panic_at(payload, at);
                    failure.push_trace(Trace::RaisedIn(at));
                    outcome = Err(failure);
                }
            }
        };
        let mut state = chain.state.borrow_mut();
        state.running = false;
        match stop {
            Stop::Drained => {
                state.result = Some(outcome);
                let waker = if state.paused == 0 { state.waker.take() } else { None };
                drop(state);
                if let Some(waker) = waker {
                    waker.wake();
                }
                return None;
            }
            // The handler took its input out of its box, so the emptied box can carry
            // the next value. The inner chain may already have resumed us while the
            // handler ran: look again.
            Stop::Waiting => {
                if let Ok(emptied) = outcome {
                    state.keep_spare(emptied);
                }
                continue 'start;
            }
            Stop::Resume(outer) => {
                outer.entering_in_place(&mut outcome);
                let mut outer_state = outer.state.borrow_mut();
                outer_state.waiting_on = None;
                outer_state.result = Some(outcome);
                // The result takes its box to the outer chain, which kept its own emptied
                // box when it began to wait: that one comes back the other way, so that
                // neither chain allocates when it next fires.
                if state.spare.is_none() {
                    state.spare = outer_state.spare.take();
                }
                drop(outer_state);
                return Some(outer);
            }
            Stop::Feed(target) => {
                if target.has_fired() {
                    // Fired already (cancelled): keep the result here, so a failure is
                    // still reported when this chain goes away.
                    state.result = Some(outcome);
                    return None;
                }
                drop(state);
                target.settle(outcome);
                return Some(target);
            }
        }
    }
}

/// Why `run_until_stop` stopped.
enum Stop {
    /// No stage left to run now: the queue is empty or the chain paused.
    Drained,
    /// A handler returned a Deferred without a result; the chain waits for it.
    Waiting,
    /// A `Resume` stage: the result goes to this outer chain.
    Resume(Rc<Chain>),
    /// A `Feed` stage: the result goes to this chain.
    Feed(Rc<Chain>),
}

/// Runs stages on `outcome` until one stops the loop, noting in `at` the stage whose
/// handler runs, for the failure of a panic.
fn run_until_stop(
    chain: &Rc<Chain>,
    outcome: &mut Outcome,
    at: &mut &'static Location<'static>,
) -> Stop {
    loop {
        let next = {
            let mut state = chain.state.borrow_mut();
            if state.paused == 0 { state.stages.pop() } else { None }
        };
        let Some(stage) = next else { return Stop::Drained };
        let (call, added_at) = match (stage, &mut *outcome) {
            (Stage::Callback(_, added_at), Err(failure)) => {
                failure.push_trace(Trace::PassedThrough(added_at));
                continue;
            }
            (Stage::Errback(..), Ok(_)) => continue,
            (Stage::Callback(call, added_at), _)
            | (Stage::Errback(call, added_at), _)
            | (Stage::Both(call, added_at), _) => (call, added_at),
            (Stage::Resume(outer), _) => return Stop::Resume(outer),
            (Stage::Feed(target), _) => return Stop::Feed(target),
            (Stage::Spent, _) => unreachable!("a queued stage is never a free place"),
        };
        *at = added_at;
        if !run_handler(chain, call, added_at, outcome) {
            return Stop::Waiting;
        }
    }
}

/// Runs one handler on the result in place, recording the failure's trail and following
/// a returned Deferred. Returns whether the chain still has a result: false if it now
/// waits.
#[inline]
fn run_handler(
    chain: &Rc<Chain>,
    call: Handler,
    at: &'static Location<'static>,
    outcome: &mut Outcome,
) -> bool {
    // The success path only pays for this test; the trail is the failure path's business.
    let input_error = match outcome {
        Ok(_) => None,
        Err(failure) => Some(failure.error_addr()),
    };
    match call.call(outcome) {
        Step::Next => {}
        Step::Wait(inner) if Rc::ptr_eq(&inner, chain) => {
            *outcome = Err(Failure::msg(
                "a handler returned the Deferred it was added to; it would wait for itself forever",
            ));
        }
        Step::Wait(inner) => {
            return match chain.wait_for(inner) {
                Some(settled) => {
                    *outcome = settled;
                    true
                }
                None => false,
            };
        }
        // As if an inner chain had resumed us: the failure entered this chain.
        Step::Settled => {
            chain.entering_in_place(outcome);
            return true;
        }
    }
    if let Err(failure) = outcome {
        failure.trace_handler(input_error, at);
    }
    true
}

impl Drop for Chain {
    fn drop(&mut self) {
        let state = self.state.get_mut();
        if let Some(Err(failure)) = state.result.take() {
            report::unhandled(failure, self.created_at);
        }
        if state.stages.capacity() > 0 {
            let mut buffer = std::mem::replace(&mut state.stages, Stages::new());
            // Handlers never run are dropped first: their captures may drop chains too,
            // which recycle their own buffers.
            buffer.clear();
            recycle::keep_buffer(buffer);
        }
    }
}

impl fmt::Debug for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(state) = self.state.try_borrow() else {
            return f.write_str("Deferred { running }");
        };
        let status = match (&state.result, state.fired) {
            (_, false) if state.fed => "waiting on another Deferred",
            (_, false) => "pending",
            _ if state.waiting_on.is_some() => "waiting on another Deferred",
            _ if state.paused > 0 => "paused",
            (Some(Ok(_)), true) => "succeeded",
            (Some(Err(_)), true) => "failed",
            (None, true) => "handed on",
        };
        f.debug_struct("Deferred")
            .field("status", &status)
            .field("created_at", &format_args!("{}", self.created_at))
            .field("stages", &state.stages.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;

    use crate::Deferred;
    use crate::testing::success_result_of;

    /// Counts its drops, so a test can tell a value kept alive from one dropped.
    struct Tracked(Rc<Cell<u32>>);

    impl Drop for Tracked {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }

    #[test]
    fn a_value_is_dropped_with_its_chain_though_the_box_is_kept() {
        let drops = Rc::new(Cell::new(0));
        for i in 0..100 {
            let (d, resolver) = Deferred::<Tracked>::new();
            let d = d.add_callback(|t: Tracked| Ok::<_, crate::Failure>(Tracked(t.0.clone())));
            resolver.callback(Tracked(Rc::clone(&drops)));
            drop(d);
            // The value fired with, and the callback's, which the chain held.
            assert_eq!(drops.get(), 2 * (i + 1), "the values of chain {i} were dropped");
        }
    }

    #[test]
    fn recycled_chains_carry_values_of_any_type_in_turn() {
        for i in 0..100_u64 {
            let (d, resolver) = Deferred::<u64>::new();
            let d = d.add_callback(|v| Ok(v * 2));
            resolver.callback(i);
            assert_eq!(success_result_of(d), i * 2);
            let (d, resolver) = Deferred::<String>::new();
            let d = d.add_callback(|s: String| Ok(s.len()));
            resolver.callback("x".repeat(i as usize));
            assert_eq!(success_result_of(d), i as usize);
            let (d, resolver) = Deferred::<[u64; 32]>::new();
            resolver.callback([i; 32]);
            assert_eq!(success_result_of(d), [i; 32]);
        }
    }
}
