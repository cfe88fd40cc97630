//! The factorial engine in virtual time: values, de-duplication, the cache, reuse of
//! known factorials, the pool's limit, the tree's speed, and failures.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use deferreds::task::Clock;
use deferreds::{Deferred, Failure, Time};
use factorial::{Factorials, LocalMultiplier, Multiplier, MultiplierPool, Strategy};
use num_bigint::BigUint;

const SECOND: Duration = Duration::from_secs(1);

/// `n!`, multiplied here, independently of the engine.
fn product(n: u64) -> BigUint {
    (1..=n).map(BigUint::from).product()
}

/// A result slot the test can look at without taking the Deferred apart.
type Slot<T> = Rc<RefCell<Option<Result<T, Failure>>>>;

fn watch<T: 'static>(deferred: Deferred<T>) -> Slot<T> {
    let slot: Slot<T> = Rc::default();
    let into = Rc::clone(&slot);
    drop(deferred.add_both(move |result| {
        *into.borrow_mut() = Some(result);
        Ok::<_, Failure>(())
    }));
    slot
}

/// Advances the clock a second at a time until `slot` is filled (at most `limit`
/// seconds, so a Deferred that never fires fails the test); the result and the seconds
/// it took.
fn finish<T>(clock: &Clock, slot: &Slot<T>, limit: u64) -> (Result<T, Failure>, u64) {
    let start = clock.elapsed();
    for _ in 0..=limit {
        if let Some(result) = slot.borrow_mut().take() {
            return (result, (clock.elapsed() - start).as_secs());
        }
        clock.advance(SECOND);
    }
    panic!("no result after {limit} virtual seconds");
}

fn engine(strategy: Strategy) -> (Rc<Clock>, Rc<Factorials>) {
    let clock = Rc::new(Clock::new());
    let time: Rc<dyn Time> = clock.clone();
    let multiplier = LocalMultiplier::new(time, SECOND);
    (clock, Factorials::new(Box::new(multiplier), strategy))
}

fn value(clock: &Clock, factorials: &Rc<Factorials>, n: u64) -> BigUint {
    let (result, _) = finish(clock, &watch(factorials.factorial(n)), 200);
    result.unwrap_or_else(|failure| panic!("{n}!: {}", failure.report()))
}

#[test]
fn small_and_large_factorials_are_right_both_ways() {
    for strategy in [Strategy::Sequential, Strategy::Tree] {
        for n in [0, 1, 2, 10, 100] {
            // A fresh engine each time, so every value is computed, not remembered.
            let (clock, factorials) = engine(strategy);
            assert_eq!(value(&clock, &factorials, n), product(n), "{n}! by {strategy:?}");
        }
    }
}

#[test]
fn the_same_factorial_asked_twice_while_running_is_computed_once() {
    for strategy in [Strategy::Sequential, Strategy::Tree] {
        let (clock, factorials) = engine(strategy);
        let first = watch(factorials.factorial(30));
        clock.advance(SECOND);
        let second = watch(factorials.factorial(30));
        let (first, _) = finish(&clock, &first, 100);
        let (second, _) = finish(&clock, &second, 100);
        assert_eq!(first.unwrap(), product(30));
        assert_eq!(second.unwrap(), product(30));
        let stats = factorials.stats();
        assert_eq!((stats.computed, stats.joined), (1, 1), "{strategy:?}: {stats:?}");
        // 2..=30 takes 29 steps from 1! as a chain, and 28 as a tree of 29 leaves.
        let once = if strategy == Strategy::Sequential { 29 } else { 28 };
        assert_eq!(stats.multiplications, once, "{strategy:?}: one computation's worth");
    }
}

#[test]
fn a_known_factorial_comes_from_the_cache_at_once() {
    let (clock, factorials) = engine(Strategy::Tree);
    value(&clock, &factorials, 20);
    let before = factorials.stats();
    let (again, took) = finish(&clock, &watch(factorials.factorial(20)), 0);
    assert_eq!(again.unwrap(), product(20));
    assert_eq!(took, 0, "no waiting for a cached value");
    let after = factorials.stats();
    assert_eq!(after.cache_hits, before.cache_hits + 1);
    assert_eq!(after.multiplications, before.multiplications, "nothing multiplied again");
}

#[test]
fn a_larger_factorial_starts_from_the_largest_known_one() {
    for strategy in [Strategy::Sequential, Strategy::Tree] {
        let (clock, factorials) = engine(strategy);
        value(&clock, &factorials, 100);
        let before = factorials.stats();
        assert_eq!(value(&clock, &factorials, 120), product(120));
        let after = factorials.stats();
        assert_eq!(after.multiplications - before.multiplications, 20, "{strategy:?}");
        assert_eq!(after.reused, before.reused + 1, "{strategy:?}");
    }
}

#[test]
fn factorials_met_on_the_way_are_reused() {
    // The sequential chain passes through every k! below n; the tree through the ones
    // its left edge covers (2!, 4!, 8!, ...).
    let (clock, factorials) = engine(Strategy::Sequential);
    value(&clock, &factorials, 50);
    let before = factorials.stats().multiplications;
    assert_eq!(value(&clock, &factorials, 37), product(37));
    assert_eq!(factorials.stats().multiplications, before, "37! was met computing 50!");
}

#[test]
fn a_pool_never_gives_a_multiplier_more_than_its_limit() {
    let clock = Rc::new(Clock::new());
    let time: Rc<dyn Time> = clock.clone();
    let (one, two) =
        (LocalMultiplier::new(time.clone(), SECOND), LocalMultiplier::new(time, SECOND));
    let peaks = [one.max_in_flight_counter(), two.max_in_flight_counter()];
    let pool = MultiplierPool::new(vec![Box::new(one), Box::new(two)], 2);
    let factorials = Factorials::new(Box::new(Rc::clone(&pool)), Strategy::Tree);
    assert_eq!(value(&clock, &factorials, 64), product(64));
    for (index, peak) in peaks.iter().enumerate() {
        assert_eq!(peak.get(), 2, "multiplier {index}: used to its limit, never beyond");
    }
    for member in pool.stats() {
        assert!(member.max_in_flight <= 2, "{member:?}");
    }
    let calls: u64 = pool.stats().iter().map(|member| member.calls).sum();
    assert_eq!(calls, 62, "63 numbers, 62 multiplications");
}

#[test]
fn the_tree_is_faster_than_the_chain_in_virtual_time() {
    let took = |strategy| {
        let clock = Rc::new(Clock::new());
        let time: Rc<dyn Time> = clock.clone();
        let members: Vec<Box<dyn Multiplier>> = vec![
            Box::new(LocalMultiplier::new(time.clone(), SECOND)),
            Box::new(LocalMultiplier::new(time, SECOND)),
        ];
        let pool = MultiplierPool::new(members, 2);
        let factorials = Factorials::new(Box::new(pool), strategy);
        let (result, seconds) = finish(&clock, &watch(factorials.factorial(64)), 100);
        assert_eq!(result.unwrap(), product(64));
        seconds
    };
    let sequential = took(Strategy::Sequential);
    let tree = took(Strategy::Tree);
    assert_eq!(sequential, 63, "one multiplication at a time");
    // 4 at a time: at most ceil(63 / 4) rounds of work plus a round per level (6).
    assert!(tree <= 16 + 6, "tree took {tree} s");
    assert!(tree >= 6, "a tree of 63 leaves has 6 levels; took {tree} s");
}

/// Fails its first `failures` calls, then multiplies at once.
struct Flaky {
    failures: Cell<u32>,
    calls: Rc<Cell<u32>>,
}

impl Multiplier for Flaky {
    fn multiply(&self, a: BigUint, b: BigUint) -> Deferred<BigUint> {
        self.calls.set(self.calls.get() + 1);
        if self.failures.get() > 0 {
            self.failures.set(self.failures.get() - 1);
            return deferreds::fail(Failure::msg("the multiplier is down"));
        }
        deferreds::succeed(a * b)
    }
}

#[test]
fn a_failure_reaches_the_caller_and_is_not_cached() {
    for strategy in [Strategy::Sequential, Strategy::Tree] {
        let clock = Clock::new();
        let calls = Rc::new(Cell::new(0));
        let flaky = Flaky { failures: Cell::new(1), calls: Rc::clone(&calls) };
        let factorials = Factorials::new(Box::new(flaky), strategy);
        let (failed, _) = finish(&clock, &watch(factorials.factorial(10)), 0);
        let failure = failed.expect_err("the multiplier's failure");
        assert!(failure.report().contains("the multiplier is down"), "{}", failure.report());
        // The next request computes again, and succeeds.
        let (again, _) = finish(&clock, &watch(factorials.factorial(10)), 0);
        assert_eq!(again.unwrap(), product(10), "{strategy:?}");
        assert_eq!(factorials.stats().computed, 2, "{strategy:?}");
        assert!(calls.get() > 1, "{strategy:?}: the multiplier was asked again");
    }
}
