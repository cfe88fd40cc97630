//! `DeferredCache`: the tutorial's section 6 cacher as a reusable type.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::Hash;
use std::rc::Rc;

use crate::{Deferred, Failure, IntoOutcome, Resolver, maybe_deferred, succeed};

/// A cache of values that take a Deferred to produce, which never produces one key twice
/// at the same time.
///
/// [`get(key, producer)`](DeferredCache::get) returns a Deferred of the key's value:
///
/// - a value already produced is served from the cache, at once;
/// - while the key is being produced, further callers wait for that same production:
///   the producer runs once, however many ask;
/// - a failure goes to every caller waiting for it and is not cached, so the next `get`
///   tries again.
///
/// How it differs from a plain memo (a map from key to value): a memo caches only
/// finished values, so two requests that overlap both miss and both produce; it has no
/// answer for failures but to cache them or lose them. Here overlapping requests share
/// one production and failures are delivered, then forgotten.
///
/// Cancelling one caller's Deferred stops only that caller's wait; the production goes
/// on for the others and for the cache. A producer that asks the cache for its own key
/// waits for itself forever.
///
/// # Example: the tutorial's `RemoteMultiplierCacher`
///
/// ```
/// use deferreds::{task::Clock, testing, Deferred, DeferredCache, Time};
/// use std::time::Duration;
///
/// fn remote_multiply(clock: &Clock, a: i64, b: i64) -> Deferred<i64> {
///     let (d, resolver) = Deferred::new();
///     clock.call_later(Duration::from_secs(5), move || resolver.callback(a * b));
///     d
/// }
///
/// let clock = Clock::new();
/// let cache = DeferredCache::new();
/// let multiply = |a: i64, b: i64| {
///     let c = clock.clone();
///     cache.get((a, b), move |&(a, b)| remote_multiply(&c, a, b))
/// };
/// let (first, second) = (multiply(5, 6), multiply(5, 6)); // one remote call
/// clock.advance(Duration::from_secs(5));
/// assert_eq!(testing::success_result_of(first), 30);
/// assert_eq!(testing::success_result_of(second), 30);
/// assert_eq!(testing::success_result_of(multiply(5, 6)), 30); // from the cache
/// assert_eq!(cache.stats().produced, 1);
/// ```
pub struct DeferredCache<K, V> {
    inner: Rc<Inner<K, V>>,
}

struct Inner<K, V> {
    max_entries: Option<usize>,
    values: RefCell<HashMap<K, V>>,
    /// Keys in the order their values were cached, for eviction.
    order: RefCell<VecDeque<K>>,
    /// Keys being produced, with the callers waiting for each.
    running: RefCell<HashMap<K, Vec<Resolver<V>>>>,
    stats: Cell<CacheStats>,
}

/// What a [`DeferredCache`] has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheStats {
    /// `get`s served from a cached value.
    pub hits: u64,
    /// `get`s that joined a production already running.
    pub joined: u64,
    /// Productions started (each a call of a producer).
    pub produced: u64,
    /// Productions that failed.
    pub failed: u64,
}

impl<K, V> DeferredCache<K, V>
where
    K: Hash + Eq + Clone + 'static,
    V: Clone + 'static,
{
    /// An unbounded cache.
    pub fn new() -> DeferredCache<K, V> {
        DeferredCache::build(None)
    }

    /// A cache holding at most `max_entries` values; caching one more evicts the oldest.
    ///
    /// # Panics
    ///
    /// If `max_entries` is zero.
    pub fn with_max_entries(max_entries: usize) -> DeferredCache<K, V> {
        assert!(max_entries > 0, "a DeferredCache bound must be at least one entry");
        DeferredCache::build(Some(max_entries))
    }

    fn build(max_entries: Option<usize>) -> DeferredCache<K, V> {
        DeferredCache {
            inner: Rc::new(Inner {
                max_entries,
                values: RefCell::new(HashMap::new()),
                order: RefCell::new(VecDeque::new()),
                running: RefCell::new(HashMap::new()),
                stats: Cell::new(CacheStats::default()),
            }),
        }
    }

    /// The value for `key`: cached, or joined to the production under way, or produced
    /// now by `producer(&key)`, which may return a value, an error or a Deferred.
    #[track_caller]
    pub fn get<F, R>(&self, key: K, producer: F) -> Deferred<V>
    where
        F: FnOnce(&K) -> R,
        R: IntoOutcome<Value = V>,
    {
        let inner = &self.inner;
        if let Some(value) = inner.values.borrow().get(&key) {
            inner.count(|stats| stats.hits += 1);
            return succeed(value.clone());
        }
        let (d, resolver) = Deferred::new();
        if let Some(waiters) = inner.running.borrow_mut().get_mut(&key) {
            inner.count(|stats| stats.joined += 1);
            waiters.push(resolver);
            return d;
        }
        inner.count(|stats| stats.produced += 1);
        inner.running.borrow_mut().insert(key.clone(), vec![resolver]);
        let production = maybe_deferred(|| producer(&key));
        let cache = Rc::clone(inner);
        let _done = production.add_both(move |result: Result<V, Failure>| {
            cache.finish(key, result);
            Ok::<_, Failure>(())
        });
        d
    }

    /// The cached value for `key`, if any (a production under way does not count).
    pub fn cached(&self, key: &K) -> Option<V> {
        self.inner.values.borrow().get(key).cloned()
    }

    /// Forgets the cached value for `key`; returns it if there was one.
    pub fn remove(&self, key: &K) -> Option<V> {
        let removed = self.inner.values.borrow_mut().remove(key);
        if removed.is_some() {
            self.inner.order.borrow_mut().retain(|k| k != key);
        }
        removed
    }

    /// The number of cached values.
    pub fn len(&self) -> usize {
        self.inner.values.borrow().len()
    }

    /// Whether no value is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of keys being produced now.
    pub fn in_flight(&self) -> usize {
        self.inner.running.borrow().len()
    }

    /// Counts of hits, joins, productions and failures so far.
    pub fn stats(&self) -> CacheStats {
        self.inner.stats.get()
    }
}

impl<K: Hash + Eq + Clone, V: Clone + 'static> Inner<K, V> {
    fn count(&self, update: impl FnOnce(&mut CacheStats)) {
        let mut stats = self.stats.get();
        update(&mut stats);
        self.stats.set(stats);
    }

    /// Caches a produced value (or not, for a failure) and answers every waiter.
    fn finish(&self, key: K, result: Result<V, Failure>) {
        let waiters = self.running.borrow_mut().remove(&key).unwrap_or_default();
        match result {
            Ok(value) => {
                self.store(key, value.clone());
                for waiter in waiters {
                    waiter.callback(value.clone());
                }
            }
            Err(failure) => {
                self.count(|stats| stats.failed += 1);
                for waiter in waiters {
                    waiter.errback(failure.clone());
                }
            }
        }
    }

    fn store(&self, key: K, value: V) {
        let evicted = {
            let mut order = self.order.borrow_mut();
            order.push_back(key.clone());
            match self.max_entries {
                Some(max) if order.len() > max => order.pop_front(),
                _ => None,
            }
        };
        let mut values = self.values.borrow_mut();
        if let Some(evicted) = evicted {
            values.remove(&evicted);
        }
        values.insert(key, value);
    }
}

impl<K, V> Clone for DeferredCache<K, V> {
    fn clone(&self) -> DeferredCache<K, V> {
        DeferredCache { inner: Rc::clone(&self.inner) }
    }
}

impl<K, V> Default for DeferredCache<K, V>
where
    K: Hash + Eq + Clone + 'static,
    V: Clone + 'static,
{
    fn default() -> DeferredCache<K, V> {
        DeferredCache::new()
    }
}

impl<K, V> fmt::Debug for DeferredCache<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeferredCache")
            .field("cached", &self.inner.values.borrow().len())
            .field("in_flight", &self.inner.running.borrow().len())
            .field("max_entries", &self.inner.max_entries)
            .field("stats", &self.inner.stats.get())
            .finish()
    }
}
