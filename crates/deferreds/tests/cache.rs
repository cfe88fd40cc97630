//! `DeferredCache`, the tutorial's section 6 `RemoteMultiplierCacher` as a type: values
//! served from the cache, overlapping requests sharing one production, failures delivered
//! to every waiter and not cached, eviction, cancellation of one waiter, and the counts.
//!
//! Productions take five seconds of virtual time on a `task::Clock`, so each test decides
//! exactly which requests overlap.

use std::cell::Cell;
use std::error::Error;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use deferreds::task::Clock;
use deferreds::testing::{ReportCapture, assert_no_result, failure_result_of, success_result_of};
use deferreds::{CancelledError, Deferred, DeferredCache, Failure, PanicError, Time};

const FIVE_SECONDS: Duration = Duration::from_secs(5);

#[derive(Debug)]
struct MultiplyError;

impl fmt::Display for MultiplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("could not multiply")
    }
}

impl Error for MultiplyError {}

/// The tutorial's `remoteMultiply`: answers five seconds later, with the product or, when
/// told to, a `MultiplyError`. Counts its calls in `calls`.
#[derive(Clone)]
struct Remote {
    clock: Clock,
    calls: Rc<Cell<usize>>,
    fails: Rc<Cell<bool>>,
}

impl Remote {
    fn new(clock: &Clock) -> Remote {
        Remote { clock: clock.clone(), calls: Rc::default(), fails: Rc::default() }
    }

    fn calls(&self) -> usize {
        self.calls.get()
    }

    /// A producer for `DeferredCache::get`.
    fn multiply(&self) -> impl FnOnce(&(i64, i64)) -> Deferred<i64> + 'static {
        let remote = self.clone();
        move |&(a, b)| {
            remote.calls.set(remote.calls.get() + 1);
            let fails = remote.fails.get();
            let (d, resolver) = Deferred::new();
            remote.clock.call_later(FIVE_SECONDS, move || {
                if fails {
                    resolver.errback(MultiplyError);
                } else {
                    resolver.callback(a * b);
                }
            });
            d
        }
    }
}

/// A producer that must not be called.
fn not_called(_: &(i64, i64)) -> Result<i64, Failure> {
    panic!("the producer was called although the value is cached")
}

#[test]
fn finished_value_is_served_from_the_cache_without_calling_the_producer() {
    // Source: tutorial section 6
    let clock = Clock::new();
    let remote = Remote::new(&clock);
    let cache = DeferredCache::new();

    let first = cache.get((5, 6), remote.multiply());
    assert_no_result(&first);
    assert_eq!(cache.cached(&(5, 6)), None, "a production under way is not a cached value");
    clock.advance(FIVE_SECONDS);
    assert_eq!(success_result_of(first), 30);
    assert_eq!(cache.cached(&(5, 6)), Some(30));
    assert_eq!(cache.len(), 1);

    // The tutorial asks again ten seconds later: answered at once, no remote call.
    clock.advance(Duration::from_secs(10));
    let again = cache.get((5, 6), not_called);
    assert_eq!(success_result_of(again), 30);
    assert_eq!(remote.calls(), 1);
    assert_eq!(cache.stats().hits, 1);

    // `remove` forgets the value: the next get produces it again.
    assert_eq!(cache.remove(&(5, 6)), Some(30));
    assert!(cache.is_empty());
    let produced_again = cache.get((5, 6), remote.multiply());
    assert_no_result(&produced_again);
    assert_eq!(remote.calls(), 2);
    clock.advance(FIVE_SECONDS);
    assert_eq!(success_result_of(produced_again), 30);
}

#[test]
fn callers_during_a_production_wait_for_that_same_production() {
    // Source: tutorial section 6
    let clock = Clock::new();
    let remote = Remote::new(&clock);
    let cache = DeferredCache::new();

    let first = cache.get((5, 6), remote.multiply());
    clock.advance(Duration::from_secs(2));
    let second = cache.get((5, 6), remote.multiply());
    clock.advance(Duration::from_secs(2));
    let third = cache.get((5, 6), remote.multiply());
    assert_eq!(remote.calls(), 1, "one production however many ask");
    assert_eq!(cache.in_flight(), 1);
    assert_no_result(&first);
    assert_no_result(&second);
    assert_no_result(&third);

    // Another key is produced on its own, in parallel.
    let other = cache.get((2, 3), remote.multiply());
    assert_eq!(remote.calls(), 2);
    assert_eq!(cache.in_flight(), 2);

    clock.advance(Duration::from_secs(1));
    assert_eq!(success_result_of(first), 30);
    assert_eq!(success_result_of(second), 30);
    assert_eq!(success_result_of(third), 30);
    assert_eq!(cache.in_flight(), 1);
    assert_no_result(&other);
    clock.advance(Duration::from_secs(4));
    assert_eq!(success_result_of(other), 6);
    assert_eq!(cache.in_flight(), 0);
    assert_eq!(remote.calls(), 2);
}

#[test]
fn a_failure_goes_to_every_waiter_and_is_not_cached() {
    // Source: tutorial section 6 ("if we want to avoid caching it ... fires the given
    // deferred with a failure")
    let capture = ReportCapture::start();
    let clock = Clock::new();
    let remote = Remote::new(&clock);
    let cache = DeferredCache::new();

    remote.fails.set(true);
    let first = cache.get((5, 6), remote.multiply());
    let second = cache.get((5, 6), remote.multiply());
    assert_eq!(remote.calls(), 1);
    clock.advance(FIVE_SECONDS);
    let first = failure_result_of(first);
    let second = failure_result_of(second);
    assert!(first.check::<MultiplyError>(), "{first:?}");
    assert!(second.same_error(&first), "both waiters get the one failure");
    assert_eq!(cache.cached(&(5, 6)), None);
    assert!(cache.is_empty());
    assert_eq!(cache.in_flight(), 0);

    // The next get calls the producer again, and this time it succeeds and is cached.
    remote.fails.set(false);
    let retry = cache.get((5, 6), remote.multiply());
    assert_eq!(remote.calls(), 2);
    clock.advance(FIVE_SECONDS);
    assert_eq!(success_result_of(retry), 30);
    assert_eq!(cache.cached(&(5, 6)), Some(30));
    assert!(capture.take().is_empty(), "the failure was delivered, not reported");
}

#[test]
fn a_producer_that_fails_at_once_or_panics_is_not_cached() {
    // Source: tutorial section 6 (the producer may fail without a Deferred)
    let cache = DeferredCache::<&'static str, u32>::new();
    let failed = cache.get("key", |_| Err(Failure::msg("no value")));
    assert_eq!(failure_result_of(failed).to_string(), "no value");
    let panicked = cache.get("key", |_| -> Result<u32, Failure> { panic!("producer broke") });
    let failure = failure_result_of(panicked);
    let panic = failure.downcast_ref::<PanicError>().expect("a PanicError");
    assert_eq!(panic.message(), "producer broke");
    assert!(cache.is_empty());
    assert_eq!(cache.in_flight(), 0);
    assert_eq!(success_result_of(cache.get("key", |_| Ok(7))), 7);
    assert_eq!(cache.stats().produced, 3);
    assert_eq!(cache.stats().failed, 2);
}

#[test]
fn a_bounded_cache_evicts_the_oldest_entry() {
    // Source: tutorial section 6 (the cache dictionary, with a bound)
    let clock = Clock::new();
    let remote = Remote::new(&clock);
    let cache = DeferredCache::with_max_entries(2);

    let a = cache.get((1, 2), remote.multiply());
    clock.advance(Duration::from_secs(1));
    let b = cache.get((3, 4), remote.multiply());
    clock.advance(Duration::from_secs(1));
    let c = cache.get((5, 6), remote.multiply());
    clock.advance(FIVE_SECONDS);
    assert_eq!([a, b, c].map(success_result_of), [2, 12, 30]);

    assert_eq!(cache.len(), 2);
    assert_eq!(cache.cached(&(1, 2)), None, "the oldest entry was evicted");
    assert_eq!(cache.cached(&(3, 4)), Some(12));
    assert_eq!(cache.cached(&(5, 6)), Some(30));

    // The evicted key is produced again; caching it evicts the next oldest.
    let again = cache.get((1, 2), remote.multiply());
    assert_eq!(remote.calls(), 4);
    clock.advance(FIVE_SECONDS);
    assert_eq!(success_result_of(again), 2);
    assert_eq!(cache.len(), 2);
    assert_eq!(cache.cached(&(3, 4)), None);
    assert_eq!(cache.cached(&(5, 6)), Some(30));
    assert_eq!(cache.cached(&(1, 2)), Some(2));
}

#[test]
#[should_panic(expected = "at least one entry")]
fn a_cache_bounded_to_zero_entries_is_refused() {
    // Source: tutorial section 6 (a bound of zero could never cache anything)
    let _ = DeferredCache::<u8, u8>::with_max_entries(0);
}

#[test]
fn cancelling_one_waiter_does_not_stop_the_production_for_the_others() {
    // Source: tutorial section 6
    let capture = ReportCapture::start();
    let clock = Clock::new();
    let cache = DeferredCache::new();
    let producer_cancelled = Rc::new(Cell::new(false));
    let calls = Rc::new(Cell::new(0));

    let (production, resolver) = {
        let flag = Rc::clone(&producer_cancelled);
        Deferred::<i64>::with_canceller(move |_| flag.set(true))
    };
    let answer = clock.call_later(FIVE_SECONDS, move || resolver.callback(30));
    let count = Rc::clone(&calls);
    let cancelled = cache.get((5, 6), move |_| {
        count.set(count.get() + 1);
        production
    });
    let other = cache.get((5, 6), |_| -> Deferred<i64> { unreachable!("joined, not produced") });

    cancelled.cancel();
    assert!(failure_result_of(cancelled).check::<CancelledError>());
    assert!(!producer_cancelled.get(), "the production was not cancelled");
    assert_eq!(cache.in_flight(), 1);
    assert_no_result(&other);

    clock.advance(FIVE_SECONDS);
    assert!(!answer.active());
    assert_eq!(success_result_of(other), 30);
    assert_eq!(cache.cached(&(5, 6)), Some(30), "the production still filled the cache");
    assert_eq!(calls.get(), 1);
    assert!(capture.take().is_empty());
}

#[test]
fn cancelling_every_waiter_still_caches_the_value() {
    // Source: tutorial section 6
    let clock = Clock::new();
    let remote = Remote::new(&clock);
    let cache = DeferredCache::new();
    let only = cache.get((5, 6), remote.multiply());
    only.cancel();
    assert!(failure_result_of(only).check::<CancelledError>());
    clock.advance(FIVE_SECONDS);
    assert_eq!(cache.cached(&(5, 6)), Some(30));
    assert_eq!(success_result_of(cache.get((5, 6), not_called)), 30);
    assert_eq!(remote.calls(), 1);
}

#[test]
fn stats_count_hits_joins_productions_and_failures() {
    // Source: tutorial section 6
    let capture = ReportCapture::start();
    let clock = Clock::new();
    let remote = Remote::new(&clock);
    let cache = DeferredCache::new();
    let stats = |cache: &DeferredCache<(i64, i64), i64>| {
        let s = cache.stats();
        (s.hits, s.joined, s.produced, s.failed)
    };
    assert_eq!(stats(&cache), (0, 0, 0, 0));

    let first = cache.get((5, 6), remote.multiply());
    assert_eq!(stats(&cache), (0, 0, 1, 0));
    let joined = cache.get((5, 6), remote.multiply());
    let joined_too = cache.get((5, 6), remote.multiply());
    assert_eq!(stats(&cache), (0, 2, 1, 0));
    clock.advance(FIVE_SECONDS);
    for d in [first, joined, joined_too] {
        assert_eq!(success_result_of(d), 30);
    }

    for _ in 0..3 {
        assert_eq!(success_result_of(cache.get((5, 6), not_called)), 30);
    }
    assert_eq!(stats(&cache), (3, 2, 1, 0));

    remote.fails.set(true);
    let failing = cache.get((7, 8), remote.multiply());
    let failing_joined = cache.get((7, 8), remote.multiply());
    assert_eq!(stats(&cache), (3, 3, 2, 0));
    clock.advance(FIVE_SECONDS);
    assert!(failure_result_of(failing).check::<MultiplyError>());
    assert!(failure_result_of(failing_joined).check::<MultiplyError>());
    assert_eq!(stats(&cache), (3, 3, 2, 1), "one failed production, however many waited");

    let retried = cache.get((7, 8), remote.multiply());
    assert_eq!(stats(&cache), (3, 3, 3, 1), "a failure is not a hit: the retry produces");
    clock.advance(FIVE_SECONDS);
    assert!(failure_result_of(retried).check::<MultiplyError>());
    assert_eq!(stats(&cache), (3, 3, 3, 2));
    assert_eq!(remote.calls(), 3);
    assert!(capture.take().is_empty());
}
