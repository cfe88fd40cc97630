//! What a handler may return: a result, or another Deferred to wait for.

use std::any::Any;

use std::rc::Rc;

use crate::chain::{Chain, Step, Value};
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
    use super::{Next, Step, Value};

    pub trait Sealed<V> {
        /// Turns the handler's return value into the chain loop's next step. `spare` is
        /// the box the input value came in, reused when the output has the same type.
        fn into_step(self, spare: Option<Value>) -> Step;

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
    fn into_step(self, spare: Option<Value>) -> Step {
        Step::Done(self.map(|value| store(spare, value)))
    }

    fn into_next(self) -> Next<U> {
        Next::Value(self)
    }
}

#[allow(private_interfaces)]
impl<U: 'static> sealed::Sealed<U> for Deferred<U> {
    fn into_step(self, spare: Option<Value>) -> Step {
        match self.into_next() {
            Next::Settled(result) | Next::Value(result) => {
                Step::Settled(result.map(|value| store(spare, value)))
            }
            Next::Later(chain) => Step::Wait(chain),
        }
    }

    fn into_next(self) -> Next<U> {
        self.settle_or_chain()
    }
}

/// Boxes a value for the chain, reusing `spare` when it held the same type.
pub(crate) fn store<U: 'static>(spare: Option<Value>, value: U) -> Value {
    if let Some(mut spare) = spare {
        if let Some(slot) = spare.downcast_mut::<Option<U>>() {
            *slot = Some(value);
            return spare;
        }
    }
    Box::new(Some(value))
}

/// Takes the chain's current value out as a `T`, leaving the box to be reused.
///
/// # Panics
///
/// If the box does not hold a `T`: the typed handles make that a bug in this crate.
pub(crate) fn take<T: 'static>(value: &mut Value) -> T {
    let slot: &mut dyn Any = &mut **value;
    slot.downcast_mut::<Option<T>>()
        .and_then(Option::take)
        .expect("deferreds: a chain's value has the type its handle says")
}

/// Unboxes a value boxed as `dyn Any` by this crate's own code (the typed joins).
///
/// # Panics
///
/// If the box does not hold a `T`: a bug in this crate.
pub(crate) fn take_boxed<T: 'static>(value: Box<dyn Any>) -> T {
    *value.downcast::<T>().expect("deferreds: a joined value has the type its input had")
}
