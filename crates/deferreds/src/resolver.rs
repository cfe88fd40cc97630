//! `Resolver<T>`: the producer's side of a Deferred.

use std::fmt;
use std::marker::PhantomData;
use std::panic::Location;
use std::rc::Rc;

use crate::Failure;
use crate::chain::Chain;
use crate::errors::ResolverDroppedError;
use crate::outcome::Next;

/// The right to fire one [`Deferred`](crate::Deferred), once.
///
/// Firing consumes the resolver, so a Deferred cannot be fired twice (Twisted's
/// `AlreadyCalledError` has no counterpart). A resolver dropped without firing fails its
/// Deferred with [`ResolverDroppedError`], so a forgotten promise shows up as an error
/// instead of a hang.
///
/// If the Deferred was cancelled first, firing does nothing: the cancellation won.
///
/// # Example
///
/// ```
/// use deferreds::{Deferred, ResolverDroppedError};
///
/// let (d, resolver) = Deferred::<u8>::new();
/// drop(resolver);
/// assert!(deferreds::testing::failure_result_of(d).check::<ResolverDroppedError>());
/// ```
pub struct Resolver<T> {
    /// `None` once fired or handed to `chain_deferred`.
    chain: Option<Rc<Chain>>,
    /// Whether dropping unfired fails the Deferred. The resolver given to a canceller
    /// does not: the cancellation itself settles the Deferred when the canceller returns.
    fail_on_drop: bool,
    _value: PhantomData<fn(T)>,
}

impl<T: 'static> Resolver<T> {
    pub(crate) fn from_chain(chain: Rc<Chain>) -> Resolver<T> {
        Resolver { chain: Some(chain), fail_on_drop: true, _value: PhantomData }
    }

    pub(crate) fn for_canceller(chain: Rc<Chain>) -> Resolver<T> {
        Resolver { chain: Some(chain), fail_on_drop: false, _value: PhantomData }
    }

    /// Takes the resolver apart. The emptied resolver is forgotten rather than dropped:
    /// its `Drop` would find nothing to do, and this is on the path of every firing.
    #[inline]
    pub(crate) fn into_chain(mut self) -> Rc<Chain> {
        let chain = self.chain.take().expect("an unfired resolver holds its chain");
        std::mem::forget(self);
        chain
    }

    /// Fires the Deferred with a value; its handlers run now, on this thread.
    #[inline]
    pub fn callback(self, value: T) {
        let chain = self.into_chain();
        chain.fire_value(value);
        Chain::release(chain);
    }

    /// Fires the Deferred with a failure; its handlers run now, on this thread.
    #[track_caller]
    pub fn errback(self, failure: impl Into<Failure>) {
        let chain = self.into_chain();
        chain.fire(Err(failure.into()));
        Chain::release(chain);
    }

    /// Fires the Deferred with `Ok(value)` or `Err(failure)`.
    #[track_caller]
    pub fn resolve(self, result: Result<T, Failure>) {
        match result {
            Ok(value) => self.callback(value),
            Err(failure) => self.errback(failure),
        }
    }

    /// Fires the Deferred with whatever `next` ends with, waiting for it if need be;
    /// cancelling the Deferred then cancels `next`.
    pub(crate) fn follow(self, next: crate::Deferred<T>) {
        let chain = self.into_chain();
        match next.settle_or_chain() {
            Next::Value(result) | Next::Settled(result) => {
                chain.fire(result.map(|value| Box::new(Some(value)) as _));
            }
            Next::Later(inner) => chain.fire_waiting(inner),
        }
    }

    /// Gives up the right to fire without firing: the Deferred is someone else's to
    /// settle now (a canceller's, say).
    pub(crate) fn disarm(self) {
        drop(self.into_chain());
    }

    /// Whether the Deferred has already fired, so firing this resolver would do nothing
    /// (it was cancelled).
    pub fn is_settled(&self) -> bool {
        self.chain.as_ref().is_none_or(|chain| chain.has_fired())
    }
}

impl<T> Drop for Resolver<T> {
    fn drop(&mut self) {
        if let Some(chain) = self.chain.take() {
            if self.fail_on_drop {
                let at: &'static Location<'static> = chain.created_at();
                chain.fire(Err(Failure::with_location(ResolverDroppedError(()), at)));
            }
            Chain::release(chain);
        }
    }
}

impl<T> fmt::Debug for Resolver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolver").field("deferred", &self.chain).finish()
    }
}
