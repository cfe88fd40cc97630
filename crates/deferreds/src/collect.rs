//! The engine under every join (`DeferredList`, `gather_results`, `race`, `join2`, …):
//! one handler per input, delivering `(index, result)` to a shared state that decides
//! when the joined Deferred fires.
//!
//! Inputs that have already fired deliver while the join is being built, so a join over
//! fired inputs may fire before `collect` returns. After the join has fired, further
//! results are ignored. Cancelling the join cancels every input still reachable (held
//! weakly: an input is kept alive by its producer, not by the join).

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use crate::chain::Chain;
use crate::{Deferred, Failure, Resolver};

/// What a join has seen so far; its `decide` function reads and updates it.
pub(crate) struct Progress<T> {
    /// One slot per input, filled as inputs fire, in input order.
    pub(crate) results: Vec<Option<Result<T, Failure>>>,
    /// How many slots are filled.
    pub(crate) finished: usize,
    inputs: Vec<Weak<Chain>>,
}

impl<T> Progress<T> {
    /// Cancels every input except `keep`, each once.
    pub(crate) fn cancel_others(&self, keep: usize) -> Vec<Rc<Chain>> {
        self.inputs
            .iter()
            .enumerate()
            .filter(|&(index, _)| index != keep)
            .filter_map(|(_, input)| input.upgrade())
            .collect()
    }

    /// Whether every input has fired.
    pub(crate) fn all_finished(&self) -> bool {
        self.finished == self.results.len()
    }

    /// Takes every result, in input order. Call only once all have finished.
    pub(crate) fn take_all(&mut self) -> Vec<Result<T, Failure>> {
        self.results.iter_mut().map(|slot| slot.take().expect("every input finished")).collect()
    }
}

/// The joined Deferred's next move after a delivery.
pub(crate) enum Decision<Out> {
    /// Not yet.
    Wait,
    /// Fire the join with this.
    Fire(Result<Out, Failure>),
    /// Fire the join with this, then cancel these inputs (a race's losers).
    FireAndCancel(Result<Out, Failure>, Vec<Rc<Chain>>),
}

struct Join<T, Out, D> {
    progress: Progress<T>,
    resolver: Option<Resolver<Out>>,
    decide: D,
}

/// Joins `inputs`. `decide(progress, index)` runs after input `index`'s result is stored
/// in `progress.results[index]`; `empty` is the join's result when there are no inputs.
/// With `consume_errors`, an input's failure stops at the join; without, it also stays on
/// the input's chain, to be handled or reported there.
#[track_caller]
pub(crate) fn collect<T, Out, D>(
    inputs: Vec<Deferred<T>>,
    consume_errors: bool,
    empty: impl FnOnce() -> Result<Out, Failure>,
    decide: D,
) -> Deferred<Out>
where
    T: 'static,
    Out: 'static,
    D: FnMut(&mut Progress<T>, usize) -> Decision<Out> + 'static,
{
    let count = inputs.len();
    let state: Rc<RefCell<Option<Join<T, Out, D>>>> = Rc::new(RefCell::new(None));
    let weak_state = Rc::downgrade(&state);
    let (joined, resolver) = Deferred::with_canceller(move |_: Resolver<Out>| {
        let inputs: Vec<Rc<Chain>> = match weak_state.upgrade() {
            Some(state) => state.borrow().as_ref().map_or_else(Vec::new, |join| {
                join.progress.inputs.iter().filter_map(Weak::upgrade).collect()
            }),
            None => Vec::new(),
        };
        for input in inputs {
            input.cancel(std::panic::Location::caller());
        }
    });
    if count == 0 {
        resolver.resolve(empty());
        return joined;
    }
    *state.borrow_mut() = Some(Join {
        progress: Progress {
            results: std::iter::repeat_with(|| None).take(count).collect(),
            finished: 0,
            inputs: Vec::with_capacity(count),
        },
        resolver: Some(resolver),
        decide,
    });
    for (index, input) in inputs.into_iter().enumerate() {
        let input = match input.into_ready_or_chain() {
            Ok(result) => {
                // Already fired: no handler needed, the result is delivered now.
                if let Some(join) = state.borrow_mut().as_mut() {
                    join.progress.inputs.push(Weak::new());
                }
                // Without consume_errors a failure also stays with its input, which goes
                // away here, so it is reported as the input would report it.
                let kept = result.as_ref().err().filter(|_| !consume_errors).cloned();
                deliver(&state, index, result);
                drop(kept.map(|failure| Deferred::<T>::ready(Err(failure))));
                continue;
            }
            Err(chain) => Deferred::from_chain(chain),
        };
        if let Some(join) = state.borrow_mut().as_mut() {
            let chain = input.chain().map_or_else(Weak::new, Rc::downgrade);
            join.progress.inputs.push(chain);
        }
        let state = Rc::clone(&state);
        let _handle = input.add_both(move |result: Result<T, Failure>| {
            let keep = match &result {
                Err(failure) if !consume_errors => Err(failure.clone()),
                _ => Ok(()),
            };
            deliver(&state, index, result);
            keep
        });
    }
    joined
}

fn deliver<T, Out: 'static, D>(
    state: &RefCell<Option<Join<T, Out, D>>>,
    index: usize,
    result: Result<T, Failure>,
) where
    D: FnMut(&mut Progress<T>, usize) -> Decision<Out>,
{
    let (resolver, outcome, losers) = {
        let mut guard = state.borrow_mut();
        let Some(join) = guard.as_mut() else { return };
        join.progress.results[index] = Some(result);
        join.progress.finished += 1;
        if join.resolver.is_none() {
            return;
        }
        match (join.decide)(&mut join.progress, index) {
            Decision::Wait => return,
            Decision::Fire(outcome) => (join.resolver.take(), outcome, Vec::new()),
            Decision::FireAndCancel(outcome, losers) => (join.resolver.take(), outcome, losers),
        }
    };
    if let Some(resolver) = resolver {
        resolver.resolve(outcome);
    }
    for loser in losers {
        loser.cancel(std::panic::Location::caller());
    }
}
