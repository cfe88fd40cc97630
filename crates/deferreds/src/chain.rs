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
use std::collections::VecDeque;
use std::fmt;
use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::rc::Rc;

use crate::errors::CancelledError;
use crate::failure::{Failure, Trace};
use crate::report;
use crate::stages;

/// A chain's current value: a box holding `Option<T>` for the chain's current `T`.
pub(crate) type Value = Box<dyn Any>;
/// A chain's current result.
pub(crate) type Outcome = Result<Value, Failure>;
/// A handler pair, type-erased: takes the result, says what happens next.
pub(crate) type Handler = Box<dyn FnOnce(Outcome) -> Step>;
/// A canceller, type-erased: receives the chain so it can hand out a `Resolver`.
pub(crate) type Canceller = Box<dyn FnOnce(Rc<Chain>)>;

/// What a handler asks the loop to do next.
pub(crate) enum Step {
    /// Continue with this result.
    Done(Outcome),
    /// Continue with the result of this chain, once it has one.
    Wait(Rc<Chain>),
    /// Continue with the result a returned Deferred already had.
    Settled(Outcome),
    /// The handler took the result away (an awaiting future); the chain ends empty.
    Consumed,
}

pub(crate) enum Stage {
    /// A callback/errback pair added by `add_callbacks` and friends.
    Handler { call: Handler, at: &'static Location<'static> },
    /// Hand the result to this outer chain, which is waiting on us.
    Resume(Rc<Chain>),
    /// Fire this chain with our result (`chain_deferred`).
    Feed(Rc<Chain>),
}

pub(crate) struct Chain {
    state: RefCell<State>,
    created_at: &'static Location<'static>,
}

/// Everything about a chain that changes as it runs.
struct State {
    /// The current result. `None` before the chain fires, while a handler has it, and
    /// after it was handed on (to an outer chain, a fed chain, or an awaiting future).
    /// A `Some(Err(_))` still here when the chain is dropped is an unhandled failure.
    result: Option<Outcome>,
    /// Set once, by the first firing (a resolver, a canceller, or cancellation itself);
    /// never cleared. Later firings are ignored.
    fired: bool,
    /// `pause()` calls not yet matched by `unpause()`. Stages wait while non-zero.
    paused: u32,
    /// True while one of this chain's handlers runs; stages added meanwhile are run by
    /// the loop already under way instead of a nested one.
    running: bool,
    /// The inner chain a handler returned, while we wait for it. Held strongly: once a
    /// handler returned it, nothing else may hold it (it may be fired and paused), and
    /// cancellation must reach it. The inner chain's `Resume` stage points back at us;
    /// that cycle ends when the inner chain resumes us.
    waiting_on: Option<Rc<Chain>>,
    /// Set when another chain will feed this one (`chain_deferred`); only for `Debug`.
    fed: bool,
    /// Handlers not yet run, in order.
    stages: VecDeque<Stage>,
    /// Given at creation; taken by the first `cancel()`, dropped when the chain fires.
    canceller: Option<Canceller>,
}

impl State {
    /// Whether the loop may run a stage now.
    fn idle_with_result(&self) -> bool {
        self.fired && !self.running && self.paused == 0 && self.waiting_on.is_none()
    }
}

impl Chain {
    pub(crate) fn new(
        created_at: &'static Location<'static>,
        canceller: Option<Canceller>,
    ) -> Rc<Chain> {
        Rc::new(Chain {
            state: RefCell::new(State {
                result: None,
                fired: false,
                paused: 0,
                running: false,
                waiting_on: None,
                fed: false,
                stages: VecDeque::new(),
                canceller,
            }),
            created_at,
        })
    }

    /// A chain that has fired with `outcome` (whose trail is already complete), paused
    /// `paused` times: a Deferred's inline result moved into a chain.
    pub(crate) fn settled(
        created_at: &'static Location<'static>,
        outcome: Outcome,
        paused: u32,
    ) -> Rc<Chain> {
        let chain = Chain::new(created_at, None);
        {
            let mut state = chain.state.borrow_mut();
            state.fired = true;
            state.paused = paused;
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
        inner.push(Stage::Resume(Rc::clone(self)));
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

    /// Gives the chain its result without running anything. Returns false, leaving the
    /// chain alone, if it had already fired.
    fn settle(&self, outcome: Outcome) -> bool {
        let canceller = {
            let mut state = self.state.borrow_mut();
            if state.fired {
                return false;
            }
            state.fired = true;
            state.result = Some(self.entering(outcome));
            state.canceller.take()
        };
        drop(canceller);
        true
    }

    pub(crate) fn has_fired(&self) -> bool {
        self.state.borrow().fired
    }

    /// Whether a handler added now would run at once.
    pub(crate) fn has_result(&self) -> bool {
        let state = self.state.borrow();
        state.idle_with_result() && state.result.is_some()
    }

    pub(crate) fn add_handler(self: &Rc<Self>, call: Handler, at: &'static Location<'static>) {
        self.push(Stage::Handler { call, at });
    }

    /// Adds a handler and returns the handle for the chain's next stage.
    pub(crate) fn then<U: 'static>(
        self: Rc<Self>,
        at: &'static Location<'static>,
        call: impl FnOnce(Outcome) -> Step + 'static,
    ) -> crate::Deferred<U> {
        self.add_handler(Box::new(call), at);
        crate::Deferred::from_chain(self)
    }

    pub(crate) fn feed(self: &Rc<Self>, target: Rc<Chain>) {
        target.state.borrow_mut().fed = true;
        self.push(Stage::Feed(target));
    }

    fn push(self: &Rc<Self>, stage: Stage) {
        // A chain with its result and nothing queued runs a new stage at once, without
        // queueing it (adding to a fired Deferred is common, and this saves the queue).
        let outcome = {
            let mut state = self.state.borrow_mut();
            if state.idle_with_result() && state.stages.is_empty() && state.result.is_some() {
                state.running = true;
                state.result.take()
            } else {
                if state.stages.capacity() == 0 {
                    state.stages = stages::buffer();
                }
                state.stages.push_back(stage);
                if state.idle_with_result() {
                    drop(state);
                    run(self);
                }
                return;
            }
        };
        let Some(outcome) = outcome else { return };
        match step(self, stage, outcome) {
            Flow::Next(next) | Flow::Kept(next) => park(self, VecDeque::new(), Some(next)),
            Flow::Parked => park(self, VecDeque::new(), None),
            Flow::Switch(next) => {
                park(self, VecDeque::new(), None);
                run(&next);
            }
        }
        run(self);
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
        if state.idle_with_result() && state.stages.is_empty() { state.result.take() } else { None }
    }
}

/// Runs `start`'s stages until it runs out, pauses, or waits, switching to another chain
/// where a stage hands the result over. See the module docs.
///
/// Stages are taken out of the state in batches and run from a local queue with the
/// result held locally, so the shared state is touched once per batch rather than twice
/// per stage. Stages added while a batch runs are queued in the state and form the next
/// batch.
fn run(start: &Rc<Chain>) {
    let mut chain = Rc::clone(start);
    'chains: loop {
        let (mut stages, mut outcome) = {
            let mut state = chain.state.borrow_mut();
            if !state.idle_with_result() || state.stages.is_empty() {
                return;
            }
            // No result: it was handed on, and later stages have nothing to run on.
            let Some(outcome) = state.result.take() else { return };
            state.running = true;
            (std::mem::take(&mut state.stages), outcome)
        };
        loop {
            let Some(stage) = stages.pop_front() else {
                let mut state = chain.state.borrow_mut();
                if state.stages.is_empty() || state.paused > 0 {
                    state.result = Some(outcome);
                    state.running = false;
                    // Keep the emptied buffer for stages added later, or give it back.
                    if state.stages.capacity() == 0 {
                        state.stages = stages;
                    } else {
                        drop(state);
                        stages::recycle(stages);
                    }
                    return;
                }
                std::mem::swap(&mut stages, &mut state.stages);
                continue;
            };
            match step(&chain, stage, outcome) {
                Flow::Next(next) => {
                    outcome = next;
                    if chain.state.borrow().paused > 0 {
                        park(&chain, stages, Some(outcome));
                        return;
                    }
                }
                Flow::Parked => {
                    // Waiting, or the result was taken away. An inner chain may already
                    // have resumed us while we were running: look again from the top.
                    park(&chain, stages, None);
                    continue 'chains;
                }
                Flow::Switch(next) => {
                    park(&chain, stages, None);
                    chain = next;
                    continue 'chains;
                }
                Flow::Kept(kept) => {
                    park(&chain, stages, Some(kept));
                    return;
                }
            }
        }
    }
}

/// Puts a batch's unrun stages back in front of any added meanwhile, and the result (if
/// the chain still has it), and marks the chain as not running.
fn park(chain: &Chain, mut unrun: VecDeque<Stage>, result: Option<Outcome>) {
    let mut state = chain.state.borrow_mut();
    if !unrun.is_empty() {
        unrun.append(&mut state.stages);
        state.stages = unrun;
    }
    if result.is_some() {
        state.result = result;
    }
    state.running = false;
}

/// What running one stage leads to.
enum Flow {
    /// Carry on with this result.
    Next(Outcome),
    /// The chain has no result now: it waits on an inner chain, or a future took it.
    Parked,
    /// The result moved to this chain; carry on there.
    Switch(Rc<Chain>),
    /// The stage could not hand the result on; it stays on this chain.
    Kept(Outcome),
}

fn step(chain: &Rc<Chain>, stage: Stage, outcome: Outcome) -> Flow {
    match stage {
        Stage::Handler { call, at } => match run_handler(chain, call, at, outcome) {
            Some(next) => Flow::Next(next),
            None => Flow::Parked,
        },
        Stage::Resume(outer) => {
            let outcome = outer.entering(outcome);
            {
                let mut state = outer.state.borrow_mut();
                state.waiting_on = None;
                state.result = Some(outcome);
            }
            Flow::Switch(outer)
        }
        Stage::Feed(target) => {
            if target.has_fired() {
                // Fired already (cancelled): keep the result here, so a failure is still
                // reported when this chain goes away.
                return Flow::Kept(outcome);
            }
            target.settle(outcome);
            Flow::Switch(target)
        }
    }
}

/// Runs one handler, catching panics and following a returned Deferred. Returns the
/// chain's next result, or `None` if the result was handed away or the chain now waits.
fn run_handler(
    chain: &Rc<Chain>,
    call: Handler,
    at: &'static Location<'static>,
    outcome: Outcome,
) -> Option<Outcome> {
    let input_error = outcome.as_ref().err().map(Failure::error_addr);
    let step = catch_unwind(AssertUnwindSafe(|| call(outcome)))
        .unwrap_or_else(|payload| Step::Done(Err(Failure::from_panic_at(payload, at))));
    let mut outcome = match step {
        Step::Done(outcome) => outcome,
        Step::Consumed => return None,
        Step::Wait(inner) if Rc::ptr_eq(&inner, chain) => Err(Failure::msg(
            "a handler returned the Deferred it was added to; it would wait for itself forever",
        )),
        Step::Wait(inner) => return chain.wait_for(inner),
        // As if an inner chain had resumed us: the failure entered this chain.
        Step::Settled(outcome) => return Some(chain.entering(outcome)),
    };
    if let Err(failure) = &mut outcome {
        failure.trace_handler(input_error, at);
    }
    Some(outcome)
}

impl Drop for Chain {
    fn drop(&mut self) {
        let state = self.state.get_mut();
        if let Some(Err(failure)) = state.result.take() {
            report::unhandled(failure, self.created_at);
        }
        let mut buffer = std::mem::take(&mut state.stages);
        if buffer.capacity() > 0 {
            // Handlers never run are dropped first: their captures may drop chains too,
            // which recycle their own buffers.
            buffer.clear();
            stages::recycle(buffer);
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
