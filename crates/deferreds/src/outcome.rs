//! What a handler may return: a result, or another Deferred to wait for.

use std::any::Any;

use std::rc::Rc;

use crate::chain::{Chain, Outcome, Step, Value};
use crate::{Deferred, Failure};

/// The return types a callback or errback may have.
///
/// - `Result<U, Failure>`: `Ok(u)` continues on the success path with `u`, `Err(f)`
///   switches to (or stays on) the failure path. `?` converts any
///   `Error + Send + Sync + 'static` into a `Failure`, so it re-raises.
/// - `Deferred<U>`: the chain waits until that Deferred has a result and continues
///   with it (Twisted's chaining). One that has already fired is taken at once.
///
/// To fail early in a handler that otherwise returns a Deferred, return
/// [`fail(error)`](crate::fail).
///
/// This trait is sealed: it is implemented for the two types above and nothing else.
pub trait IntoOutcome: sealed::Sealed<<Self as IntoOutcome>::Value> {
    /// The value type the chain carries after the handler.
    type Value: 'static;
}

impl<U: 'static> IntoOutcome for Result<U, Failure> {
    type Value = U;
}

impl<U: 'static> IntoOutcome for Deferred<U> {
    type Value = U;
}

// The sealed trait is `pub` so it can bound a public trait, but lives in a private
// module: nothing outside the crate can name it, implement it, or call its methods.
#[allow(private_interfaces, unreachable_pub)]
pub(crate) mod sealed {
    use super::Next;

    pub trait Sealed<V> {
        /// Turns the handler's return value into a typed result, where there is one now.
        fn into_next(self) -> Next<V>;
    }
}

/// A handler's return value, typed, for a Deferred that runs handlers inline.
pub(crate) enum Next<V> {
    /// The handler returned this result.
    Value(Result<V, Failure>),
    /// The handler returned a Deferred that already had this result.
    Settled(Result<V, Failure>),
    /// The handler returned a Deferred whose result is yet to come, on this chain.
    Later(Rc<Chain>),
}

#[allow(private_interfaces)]
impl<U: 'static> sealed::Sealed<U> for Result<U, Failure> {
    #[inline]
    fn into_next(self) -> Next<U> {
        Next::Value(self)
    }
}

#[allow(private_interfaces)]
impl<U: 'static> sealed::Sealed<U> for Deferred<U> {
    // Always inlined: returning the typed result through memory from a call costs more
    // than the match itself, on the path of every handler that returns a Deferred.
    #[inline(always)]
    fn into_next(self) -> Next<U> {
        self.settle_or_chain()
    }
}

/// Runs a callback on the chain's current value (a box holding `Some(T)`), in place.
///
/// The box is looked into once: the slot found there is written back with the callback's
/// value when it has the same type (the type test is then between two known types and
/// costs nothing at run time), so a chain of same-typed callbacks neither allocates nor
/// checks the box's type twice per callback.
///
/// # Panics
///
/// If the result is not a value holding a `T`: the typed handles make that a bug in this
/// crate.
#[inline]
pub(crate) fn call_on<T: 'static, R: IntoOutcome>(
    outcome: &mut Outcome,
    callback: impl FnOnce(T) -> R,
) -> Step {
    let Ok(value) = outcome else { unreachable!("call_on is given a value") };
    let slot = (&mut **value as &mut dyn Any).downcast_mut::<Option<T>>().expect(MISMATCH);
    let input = slot.take().expect(MISMATCH);
    let (result, step) = match callback(input).into_next() {
        Next::Value(result) => (result, Step::Next),
        Next::Settled(result) => (result, Step::Settled),
        Next::Later(chain) => return Step::Wait(chain),
    };
    match result {
        Ok(output) => match (slot as &mut dyn Any).downcast_mut::<Option<R::Value>>() {
            Some(same) => *same = Some(output),
            None => *value = Box::new(Some(output)),
        },
        Err(failure) => *outcome = Err(failure),
    }
    step
}

/// Runs an errback (or a handler given a failure) on the chain's failure, in place; a
/// value it returns gets a new box, there being none to reuse.
#[inline]
pub(crate) fn errback_on<R: IntoOutcome>(
    outcome: &mut Outcome,
    errback: impl FnOnce(Failure) -> R,
) -> Step {
    let Err(failure) = take_outcome(outcome) else { unreachable!("errback_on is given a failure") };
    let boxed = |value: R::Value| Box::new(Some(value)) as Value;
    match errback(failure).into_next() {
        Next::Value(result) => {
            *outcome = result.map(boxed);
            Step::Next
        }
        Next::Settled(result) => {
            *outcome = result.map(boxed);
            Step::Settled
        }
        Next::Later(chain) => Step::Wait(chain),
    }
}

/// Takes the result out of its place, leaving a stand-in that costs no allocation (a
/// boxed `()`).
fn take_outcome(outcome: &mut Outcome) -> Outcome {
    std::mem::replace(outcome, Ok(Box::new(())))
}

const MISMATCH: &str = "deferreds: a chain's value has the type its handle says";

/// Takes the chain's current value out as a `T`, leaving the box to be reused.
///
/// # Panics
///
/// If the box does not hold a `T`: the typed handles make that a bug in this crate.
pub(crate) fn take<T: 'static>(value: &mut Value) -> T {
    let slot: &mut dyn Any = &mut **value;
    slot.downcast_mut::<Option<T>>().and_then(Option::take).expect(MISMATCH)
}

/// Unboxes a value boxed as `dyn Any` by this crate's own code (the typed joins).
///
/// # Panics
///
/// If the box does not hold a `T`: a bug in this crate.
pub(crate) fn take_boxed<T: 'static>(value: Box<dyn Any>) -> T {
    *value.downcast::<T>().expect("deferreds: a joined value has the type its input had")
}
