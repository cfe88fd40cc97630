//! The tutorial's sections 5–7 (Deferred lists, manufacturing Deferreds, Deferred
//! semaphores), with every timing claim checked in virtual time.
//!
//! A remote multiplication answers five virtual seconds after it is asked. A [`Server`]
//! stands behind it and counts the calls, how many run at once, and how many identical
//! ones run at once, so the claims about load are checked as well as the times. Section
//! numbers refer to `deferreds-tutorial.txt`; section 4's timings are in `tutorial.rs`.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::time::Duration;

use deferreds::task::Clock;
use deferreds::testing::{ReportCapture, assert_no_result, failure_result_of, success_result_of};
use deferreds::{
    Deferred, DeferredCache, DeferredList, DeferredSemaphore, Failure, FirstError, Resolver, Time,
    fail, join2, succeed,
};

const FIVE_SECONDS: Duration = Duration::from_secs(5);
const ONE_MILLISECOND: Duration = Duration::from_millis(1);

/// The remote side's refusal to multiply `a` by `b`.
#[derive(Debug, PartialEq)]
struct MultiplyError {
    a: i64,
    b: i64,
}

impl std::fmt::Display for MultiplyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "could not multiply {} by {}", self.a, self.b)
    }
}

impl std::error::Error for MultiplyError {}

/// Section 2's `remoteMultiply`: the product, five seconds later.
fn remote_multiply(clock: &Clock, a: i64, b: i64) -> Deferred<i64> {
    remote_multiply_or_fail(clock, a, b, false)
}

/// `remote_multiply`, failing five seconds later when told to.
fn remote_multiply_or_fail(clock: &Clock, a: i64, b: i64, fails: bool) -> Deferred<i64> {
    let (d, resolver) = Deferred::new();
    clock.call_later(FIVE_SECONDS, move || {
        if fails {
            resolver.errback(MultiplyError { a, b });
        } else {
            resolver.callback(a * b);
        }
    });
    d
}

/// Anything that multiplies remotely: `remote_multiply`, a counting server, or the
/// semaphore-limited wrapper of section 7.
type Multiplier = Rc<dyn Fn(i64, i64) -> Deferred<i64>>;

fn plain(clock: &Clock) -> Multiplier {
    let clock = clock.clone();
    Rc::new(move |a, b| remote_multiply(&clock, a, b))
}

/// The remote end, keeping count of what it is asked.
struct Server {
    clock: Clock,
    /// Operand pairs the server refuses to multiply.
    failing: RefCell<HashSet<(i64, i64)>>,
    /// Every call, with the time it arrived.
    calls: RefCell<Vec<(i64, i64, Duration)>>,
    /// The multiplications under way.
    running: RefCell<Vec<(i64, i64)>>,
    /// The most multiplications ever under way at once.
    peak: Cell<usize>,
    /// The most multiplications of one operand pair ever under way at once.
    peak_identical: Cell<usize>,
}

impl Server {
    fn new(clock: &Clock) -> Rc<Server> {
        Rc::new(Server {
            clock: clock.clone(),
            failing: RefCell::new(HashSet::new()),
            calls: RefCell::new(Vec::new()),
            running: RefCell::new(Vec::new()),
            peak: Cell::new(0),
            peak_identical: Cell::new(0),
        })
    }

    fn fail_on(&self, a: i64, b: i64) {
        self.failing.borrow_mut().insert((a, b));
    }

    fn remote_multiply(self: &Rc<Self>, a: i64, b: i64) -> Deferred<i64> {
        self.calls.borrow_mut().push((a, b, self.clock.elapsed()));
        {
            let mut running = self.running.borrow_mut();
            running.push((a, b));
            let identical = running.iter().filter(|&&pair| pair == (a, b)).count();
            self.peak.set(self.peak.get().max(running.len()));
            self.peak_identical.set(self.peak_identical.get().max(identical));
        }
        let fails = self.failing.borrow().contains(&(a, b));
        let server = Rc::clone(self);
        remote_multiply_or_fail(&self.clock, a, b, fails).add_both(move |result| {
            let mut running = server.running.borrow_mut();
            let at = running.iter().position(|&pair| pair == (a, b)).expect("was running");
            running.remove(at);
            result
        })
    }

    fn multiplier(self: &Rc<Self>) -> Multiplier {
        let server = Rc::clone(self);
        Rc::new(move |a, b| server.remote_multiply(a, b))
    }

    /// The operand pairs asked for, in order.
    fn calls(&self) -> Vec<(i64, i64)> {
        self.calls.borrow().iter().map(|&(a, b, _)| (a, b)).collect()
    }

    /// When each call arrived, in order.
    fn call_times(&self) -> Vec<Duration> {
        self.calls.borrow().iter().map(|&(_, _, at)| at).collect()
    }
}

/// Advances the clock to `to`, stopping at each scheduled call on the way, so that calls
/// scheduled by those are timed from when they ran and not from `to`.
fn advance_to(clock: &Clock, to: Duration) {
    loop {
        let next = clock.delayed_calls().first().map(|call| Duration::from_secs_f64(call.time()));
        match next {
            Some(next) if next <= to => clock.advance(next.saturating_sub(clock.elapsed())),
            _ => break,
        }
    }
    clock.advance(to - clock.elapsed());
}

/// Advances the clock to just before `at`, checks that `d` has no result yet, then
/// advances to `at` exactly: `d` settles at `at` and not a moment earlier.
#[track_caller]
fn settles_at<T: 'static>(clock: &Clock, d: &Deferred<T>, at: Duration) {
    advance_to(clock, at - ONE_MILLISECOND);
    assert_no_result(d);
    clock.advance(ONE_MILLISECOND);
    assert_eq!(clock.elapsed(), at);
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// With `fireOnOneErrback`, every result that reaches the callback is a success: the
/// tutorial ignores the flags in `((ignored1, res1), (ignored2, res2))`.
fn ignore_flags(results: &[Result<i64, Failure>]) -> (i64, i64) {
    match results {
        [Ok(res1), Ok(res2)] => (*res1, *res2),
        _ => unreachable!("fire_on_one_errback lets only successes through: {results:?}"),
    }
}

/// Section 5's first `multiplyFourNumbers`: both products at once, through a
/// `DeferredList` with `fireOnOneErrback`, then their product.
fn multiply_four_numbers(multiply: &Multiplier, a: i64, b: i64, c: i64, d: i64) -> Deferred<i64> {
    let d1 = multiply(a, b);
    let d2 = multiply(c, d);
    let again = Rc::clone(multiply);
    DeferredList::new([d1, d2]).fire_on_one_errback(true).into_deferred().add_callback(
        move |results| {
            let (res1, res2) = ignore_flags(&results);
            again(res1, res2)
        },
    )
}

// Source: tutorial section 5
// The DeferredList version of multiplyFourNumbers takes 10 seconds: two rounds.
#[test]
fn section_5_deferred_list_multiplies_four_numbers_in_ten_seconds() {
    let clock = Clock::new();
    let d = multiply_four_numbers(&plain(&clock), 2, 3, 4, 5);
    settles_at(&clock, &d, secs(10));
    assert_eq!(success_result_of(d), 2 * 3 * 4 * 5);
}

// Source: tutorial section 5
// The two first multiplications run side by side; the third waits for both.
#[test]
fn section_5_deferred_list_runs_the_first_two_multiplications_together() {
    let clock = Clock::new();
    let server = Server::new(&clock);
    let d = multiply_four_numbers(&server.multiplier(), 2, 3, 4, 5);
    assert_eq!(server.calls(), [(2, 3), (4, 5)]);
    settles_at(&clock, &d, secs(10));
    assert_eq!(success_result_of(d), 120);
    assert_eq!(server.calls(), [(2, 3), (4, 5), (6, 20)]);
    assert_eq!(server.call_times(), [secs(0), secs(0), secs(5)]);
    assert_eq!(server.peak.get(), 2);
}

// Source: tutorial section 5
// With fireOnOneErrback, the first failure fails the list at once (t=5), as a
// FirstError naming the input; the final multiplication is never asked for. The input's
// failure also stays on its own chain (no consumeErrors), so it is reported as
// unhandled, as Twisted logs it when the input Deferred is collected.
#[test]
fn section_5_fire_on_one_errback_fails_at_the_first_failure() {
    let capture = ReportCapture::start();
    let clock = Clock::new();
    let server = Server::new(&clock);
    server.fail_on(4, 5);
    let d = multiply_four_numbers(&server.multiplier(), 2, 3, 4, 5);
    settles_at(&clock, &d, secs(5));
    let failure = failure_result_of(d);
    let first = failure.trap::<FirstError>().expect("a FirstError");
    assert_eq!(first.index(), 1);
    assert_eq!(first.failure().downcast_ref(), Some(&MultiplyError { a: 4, b: 5 }));
    assert_eq!(server.calls(), [(2, 3), (4, 5)]);
    drop(failure);
    let reports = capture.take();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].is_unhandled());
    assert_eq!(reports[0].failure().downcast_ref(), Some(&MultiplyError { a: 4, b: 5 }));
}

/// Section 5's second `multiplyFourNumbers`: one multiplication after the other.
fn multiply_four_numbers_sequentially(
    multiply: &Multiplier,
    a: i64,
    b: i64,
    c: i64,
    d: i64,
) -> Deferred<i64> {
    let (times_c, times_d) = (Rc::clone(multiply), Rc::clone(multiply));
    multiply(a, b).add_callback(move |ab| times_c(ab, c)).add_callback(move |abc| times_d(abc, d))
}

// Source: tutorial section 5
// The sequential version takes 15 seconds: three rounds, one multiplication at a time.
#[test]
fn section_5_sequential_version_takes_fifteen_seconds() {
    let clock = Clock::new();
    let server = Server::new(&clock);
    let d = multiply_four_numbers_sequentially(&server.multiplier(), 2, 3, 4, 5);
    settles_at(&clock, &d, secs(15));
    assert_eq!(success_result_of(d), 120);
    assert_eq!(server.calls(), [(2, 3), (6, 4), (24, 5)]);
    assert_eq!(server.call_times(), [secs(0), secs(5), secs(10)]);
    assert_eq!(server.peak.get(), 1);
}

/// Section 5's third `multiplyFourNumbers`: a `DeferredList` without flags, and partial
/// error recovery written as the tutorial's chain of `if`s.
fn multiply_four_numbers_recovering(
    multiply: &Multiplier,
    a: i64,
    b: i64,
    c: i64,
    d: i64,
) -> Deferred<i64> {
    let d1 = multiply(a, b);
    let d2 = multiply(c, d);
    let again = Rc::clone(multiply);
    DeferredList::new([d1, d2]).into_deferred().add_callback(move |results| {
        let mut results = results.into_iter();
        let (res1, res2) = (results.next().expect("two"), results.next().expect("two"));
        // `Ok(v)` is Twisted's `(True, v)`, `Err(f)` its `(False, f)`.
        if matches!(res1, Ok(0)) || matches!(res2, Ok(0)) {
            return succeed(0);
        }
        let res1 = match res1 {
            Err(failure) => return fail(failure),
            Ok(value) => value,
        };
        let res2 = match res2 {
            Err(failure) => return fail(failure),
            Ok(value) => value,
        };
        again(res1, res2)
    })
}

/// The same recovery over `join2`, whose tuple `(res1, res2)` reads like the tutorial's
/// `((succ1, res1), (succ2, res2))`.
fn multiply_four_numbers_joined(
    multiply: &Multiplier,
    a: i64,
    b: i64,
    c: i64,
    d: i64,
) -> Deferred<i64> {
    let again = Rc::clone(multiply);
    join2(multiply(a, b), multiply(c, d)).add_callback(move |(res1, res2)| match (res1, res2) {
        (Ok(0), _) | (_, Ok(0)) => succeed(0),
        (Err(failure), _) | (_, Err(failure)) => fail(failure),
        (Ok(res1), Ok(res2)) => again(res1, res2),
    })
}

type FourNumbers = fn(&Multiplier, i64, i64, i64, i64) -> Deferred<i64>;

/// One path through the partial error recovery.
struct Recovery {
    operands: [i64; 4],
    /// Operand pairs the server refuses.
    failing: &'static [(i64, i64)],
    /// The answer: a product, or the operands of the failure it passes on.
    expected: Result<i64, (i64, i64)>,
    /// When the answer comes, in seconds.
    at: u64,
    /// The remote calls made.
    calls: &'static [(i64, i64)],
}

const RECOVERIES: &[Recovery] = &[
    // Both succeed: the common case, a third multiplication.
    Recovery {
        operands: [2, 3, 4, 5],
        failing: &[],
        expected: Ok(120),
        at: 10,
        calls: &[(2, 3), (4, 5), (6, 20)],
    },
    // A zero on the left, the right fails: 0, the failure ignored.
    Recovery {
        operands: [0, 3, 4, 5],
        failing: &[(4, 5)],
        expected: Ok(0),
        at: 5,
        calls: &[(0, 3), (4, 5)],
    },
    // The left fails, a zero on the right: 0, the failure ignored.
    Recovery {
        operands: [2, 3, 0, 5],
        failing: &[(2, 3)],
        expected: Ok(0),
        at: 5,
        calls: &[(2, 3), (0, 5)],
    },
    // A zero and a success: 0 without a third multiplication.
    Recovery {
        operands: [2, 3, 4, 0],
        failing: &[],
        expected: Ok(0),
        at: 5,
        calls: &[(2, 3), (4, 0)],
    },
    // The left fails, no zero: the left's failure.
    Recovery {
        operands: [2, 3, 4, 5],
        failing: &[(2, 3)],
        expected: Err((2, 3)),
        at: 5,
        calls: &[(2, 3), (4, 5)],
    },
    // The right fails, no zero: the right's failure.
    Recovery {
        operands: [2, 3, 4, 5],
        failing: &[(4, 5)],
        expected: Err((4, 5)),
        at: 5,
        calls: &[(2, 3), (4, 5)],
    },
    // Both fail: the first one's failure.
    Recovery {
        operands: [2, 3, 4, 5],
        failing: &[(2, 3), (4, 5)],
        expected: Err((2, 3)),
        at: 5,
        calls: &[(2, 3), (4, 5)],
    },
    // Both succeed but the final multiplication fails: its failure, at t=10.
    Recovery {
        operands: [2, 3, 4, 5],
        failing: &[(6, 20)],
        expected: Err((6, 20)),
        at: 10,
        calls: &[(2, 3), (4, 5), (6, 20)],
    },
];

/// Runs every path through one version of the recovery and returns, per path, the
/// unhandled failures reported, as operand pairs.
fn check_recovery(version: FourNumbers) -> Vec<Vec<(i64, i64)>> {
    let mut unhandled = Vec::new();
    for case in RECOVERIES {
        let capture = ReportCapture::start();
        let clock = Clock::new();
        let server = Server::new(&clock);
        for &(a, b) in case.failing {
            server.fail_on(a, b);
        }
        let [a, b, c, d] = case.operands;
        let answer = version(&server.multiplier(), a, b, c, d);
        settles_at(&clock, &answer, secs(case.at));
        match case.expected {
            Ok(product) => assert_eq!(success_result_of(answer), product),
            Err((a, b)) => {
                assert_eq!(failure_result_of(answer).downcast_ref(), Some(&MultiplyError { a, b }))
            }
        }
        assert_eq!(server.calls(), case.calls);
        assert!(clock.delayed_calls().is_empty());
        let reports = capture.take();
        assert!(reports.iter().all(|r| r.is_unhandled()));
        unhandled.push(
            reports
                .iter()
                .map(|r| {
                    let e = r.failure().downcast_ref::<MultiplyError>().expect("MultiplyError");
                    (e.a, e.b)
                })
                .collect(),
        );
    }
    unhandled
}

// Source: tutorial section 5
// Partial error recovery with a DeferredList and no flags: a zero on either side answers
// 0 even if the other side failed; otherwise the first failure; otherwise the product.
// Without consumeErrors each input failure also stays on its own chain, where it is
// reported as unhandled (Twisted logs "Unhandled error in Deferred" for it too).
#[test]
fn section_5_partial_error_recovery_with_a_deferred_list() {
    let unhandled = check_recovery(multiply_four_numbers_recovering);
    let expected: Vec<Vec<(i64, i64)>> = RECOVERIES
        .iter()
        .map(|case| {
            let [a, b, c, d] = case.operands;
            case.failing.iter().copied().filter(|&pair| pair == (a, b) || pair == (c, d)).collect()
        })
        .collect();
    assert_eq!(unhandled, expected);
}

// Source: tutorial section 5
// The same recovery over join2: same answers at the same times, and since join2 delivers
// the inputs' failures in its tuple, none is left unhandled.
#[test]
fn section_5_partial_error_recovery_with_join2() {
    let unhandled = check_recovery(multiply_four_numbers_joined);
    assert!(unhandled.iter().all(Vec::is_empty), "{unhandled:?}");
}

/// Section 6's first `RemoteMultiplierCacher`: remembers answers, but not questions
/// still in flight.
struct NaiveCacher {
    server: Rc<Server>,
    cache: Rc<RefCell<HashMap<(i64, i64), i64>>>,
}

impl NaiveCacher {
    fn new(server: &Rc<Server>) -> NaiveCacher {
        NaiveCacher { server: Rc::clone(server), cache: Rc::default() }
    }

    fn multiply(&self, a: i64, b: i64) -> Deferred<i64> {
        if let Some(&product) = self.cache.borrow().get(&(a, b)) {
            return succeed(product);
        }
        let cache = Rc::clone(&self.cache);
        self.server.remote_multiply(a, b).add_callback(move |res| {
            cache.borrow_mut().insert((a, b), res);
            Ok::<_, Failure>(res)
        })
    }
}

// Source: tutorial section 6
// The naive cacher answers a repeated question (at t=10) from its cache, at once and
// without a second remote call.
#[test]
fn section_6_naive_cacher_answers_a_repeated_question_from_the_cache() {
    let clock = Clock::new();
    let server = Server::new(&clock);
    let cacher = NaiveCacher::new(&server);
    let first = cacher.multiply(5, 6);
    settles_at(&clock, &first, secs(5));
    assert_eq!(success_result_of(first), 30);
    clock.advance(FIVE_SECONDS);
    let again = cacher.multiply(5, 6);
    assert_eq!(success_result_of(again), 30);
    assert_eq!(clock.elapsed(), secs(10));
    assert_eq!(server.calls(), [(5, 6)]);
}

// Source: tutorial section 6
// "we might still ask for a multiplication twice if one is asked while another one is
// being run": two overlapping identical questions make two remote calls, side by side.
#[test]
fn section_6_naive_cacher_asks_twice_for_overlapping_questions() {
    let clock = Clock::new();
    let server = Server::new(&clock);
    let cacher = NaiveCacher::new(&server);
    let first = cacher.multiply(5, 6);
    let second = cacher.multiply(5, 6);
    settles_at(&clock, &first, secs(5));
    assert_eq!(success_result_of(first), 30);
    assert_eq!(success_result_of(second), 30);
    assert_eq!(server.calls(), [(5, 6), (5, 6)]);
    assert_eq!(server.peak_identical.get(), 2);
}

/// The Resolvers of the Deferreds handed out for each question in flight.
type Waiting = HashMap<(i64, i64), Vec<Resolver<i64>>>;

/// Section 6's second `RemoteMultiplierCacher`: questions in flight are remembered too,
/// as the Resolvers of the Deferreds handed out for them. (Like the tutorial's, it has
/// no error handling.)
struct InFlightCacher {
    server: Rc<Server>,
    cache: Rc<RefCell<HashMap<(i64, i64), i64>>>,
    running: Rc<RefCell<Waiting>>,
}

impl InFlightCacher {
    fn new(server: &Rc<Server>) -> InFlightCacher {
        InFlightCacher { server: Rc::clone(server), cache: Rc::default(), running: Rc::default() }
    }

    fn multiply(&self, a: i64, b: i64) -> Deferred<i64> {
        if let Some(&product) = self.cache.borrow().get(&(a, b)) {
            return succeed(product);
        }
        let (d, resolver) = Deferred::new();
        if let Some(waiting) = self.running.borrow_mut().get_mut(&(a, b)) {
            waiting.push(resolver);
            return d;
        }
        self.running.borrow_mut().insert((a, b), vec![resolver]);
        let (cache, running) = (Rc::clone(&self.cache), Rc::clone(&self.running));
        let rm = self.server.remote_multiply(a, b);
        let done = rm.add_callback(move |res| {
            cache.borrow_mut().insert((a, b), res);
            // Out of the map before firing: a waiter's callbacks may ask us again.
            let waiting = running.borrow_mut().remove(&(a, b)).unwrap_or_default();
            for resolver in waiting {
                resolver.callback(res);
            }
            Ok::<_, Failure>(())
        });
        drop(done);
        d
    }
}

// Source: tutorial section 6
// The in-flight cacher never runs two identical multiplications at once: the tutorial's
// two overlapping questions share one remote call, answered at t=5, and the third
// question at t=10 comes from the cache at once. A different question still runs
// alongside.
#[test]
fn section_6_in_flight_cacher_never_runs_identical_multiplications_at_once() {
    let clock = Clock::new();
    let server = Server::new(&clock);
    let cacher = InFlightCacher::new(&server);
    let first = cacher.multiply(5, 6);
    let second = cacher.multiply(5, 6);
    let other = cacher.multiply(5, 7);
    assert_eq!(server.calls(), [(5, 6), (5, 7)]);
    settles_at(&clock, &first, secs(5));
    assert_eq!(success_result_of(first), 30);
    assert_eq!(success_result_of(second), 30);
    assert_eq!(success_result_of(other), 35);
    clock.advance(FIVE_SECONDS);
    let third = cacher.multiply(5, 6);
    assert_eq!(success_result_of(third), 30);
    assert_eq!(clock.elapsed(), secs(10));
    assert_eq!(server.calls(), [(5, 6), (5, 7)]);
    assert_eq!(server.peak_identical.get(), 1);
    assert_eq!(server.peak.get(), 2);
    assert!(cacher.running.borrow().is_empty());
}

// Source: tutorial section 6
// A question asked while an identical one is in flight joins it even when asked late
// (t=3): it is answered with the first, at t=5, not at t=8.
#[test]
fn section_6_in_flight_cacher_answers_a_late_joiner_with_the_first_call() {
    let clock = Clock::new();
    let server = Server::new(&clock);
    let cacher = InFlightCacher::new(&server);
    let first = cacher.multiply(5, 6);
    clock.advance(secs(3));
    let late = cacher.multiply(5, 6);
    settles_at(&clock, &late, secs(5));
    assert_eq!(success_result_of(late), 30);
    assert_eq!(success_result_of(first), 30);
    assert_eq!(server.calls(), [(5, 6)]);
}

fn cached_multiplier(cache: &DeferredCache<(i64, i64), i64>, server: &Rc<Server>) -> Multiplier {
    let (cache, server) = (cache.clone(), Rc::clone(server));
    Rc::new(move |a, b| {
        let server = Rc::clone(&server);
        cache.get((a, b), move |&(a, b)| server.remote_multiply(a, b))
    })
}

// Source: tutorial section 6
// DeferredCache is the in-flight cacher as a library type: the same scenario, one remote
// call, the overlapping question joined, the late one a cache hit.
#[test]
fn section_6_deferred_cache_never_runs_identical_multiplications_at_once() {
    let clock = Clock::new();
    let server = Server::new(&clock);
    let cache = DeferredCache::new();
    let multiply = cached_multiplier(&cache, &server);
    let first = multiply(5, 6);
    let second = multiply(5, 6);
    let other = multiply(5, 7);
    assert_eq!(cache.in_flight(), 2);
    settles_at(&clock, &first, secs(5));
    assert_eq!(success_result_of(first), 30);
    assert_eq!(success_result_of(second), 30);
    assert_eq!(success_result_of(other), 35);
    clock.advance(FIVE_SECONDS);
    assert_eq!(success_result_of(multiply(5, 6)), 30);
    assert_eq!(clock.elapsed(), secs(10));
    assert_eq!(server.calls(), [(5, 6), (5, 7)]);
    assert_eq!(server.peak_identical.get(), 1);
    let stats = cache.stats();
    assert_eq!((stats.produced, stats.joined, stats.hits, stats.failed), (2, 1, 1, 0));
    assert_eq!(cache.in_flight(), 0);
}

// Source: tutorial section 6
// The error handling the tutorial leaves as an exercise: a failure reaches every caller
// waiting for it and is not cached, so the next question asks the server again.
#[test]
fn section_6_deferred_cache_delivers_a_failure_and_asks_again() {
    let clock = Clock::new();
    let server = Server::new(&clock);
    server.fail_on(5, 6);
    let cache = DeferredCache::new();
    let multiply = cached_multiplier(&cache, &server);
    let first = multiply(5, 6);
    let second = multiply(5, 6);
    settles_at(&clock, &first, secs(5));
    for d in [first, second] {
        assert_eq!(failure_result_of(d).downcast_ref(), Some(&MultiplyError { a: 5, b: 6 }));
    }
    assert_eq!(cache.cached(&(5, 6)), None);
    server.failing.borrow_mut().clear();
    let retry = multiply(5, 6);
    settles_at(&clock, &retry, secs(10));
    assert_eq!(success_result_of(retry), 30);
    assert_eq!(server.calls(), [(5, 6), (5, 6)]);
    assert_eq!(server.call_times(), [secs(0), secs(5)]);
    assert_eq!(server.peak_identical.get(), 1);
}

/// Section 7's `limitedRemoteMultiply`: `multiply` through the semaphore, with the same
/// interface.
fn limited(sem: &DeferredSemaphore, multiply: &Multiplier) -> Multiplier {
    let (sem, multiply) = (sem.clone(), Rc::clone(multiply));
    Rc::new(move |a, b| {
        let multiply = Rc::clone(&multiply);
        sem.run(move || multiply(a, b))
    })
}

// Source: tutorial section 7
// Three limited multiplications through DeferredSemaphore(2): two run at once, the third
// starts when one of them is done (t=5) and finishes at t=10.
#[test]
fn section_7_third_limited_multiplication_finishes_at_ten_seconds() {
    let clock = Clock::new();
    let server = Server::new(&clock);
    let sem = DeferredSemaphore::new(2);
    let limited_remote_multiply = limited(&sem, &server.multiplier());
    let d1 = limited_remote_multiply(2, 3);
    let d2 = limited_remote_multiply(3, 4);
    let d3 = limited_remote_multiply(4, 5);
    assert_eq!(sem.waiting(), 1);
    assert_eq!(server.calls(), [(2, 3), (3, 4)]);
    settles_at(&clock, &d1, secs(5));
    assert_eq!(success_result_of(d1), 6);
    assert_eq!(success_result_of(d2), 12);
    settles_at(&clock, &d3, secs(10));
    assert_eq!(success_result_of(d3), 20);
    assert_eq!(server.call_times(), [secs(0), secs(0), secs(5)]);
    assert_eq!(server.peak.get(), 2);
    assert_eq!(sem.tokens(), 2);
}

// Source: tutorial section 7
// "The DeferredList example above would still run just as fast, because it only
// parallelizes on two": multiply_four_numbers over the limited multiplier, t=10.
#[test]
fn section_7_deferred_list_example_is_as_fast_through_the_semaphore() {
    let clock = Clock::new();
    let server = Server::new(&clock);
    let sem = DeferredSemaphore::new(2);
    let d = multiply_four_numbers(&limited(&sem, &server.multiplier()), 2, 3, 4, 5);
    settles_at(&clock, &d, secs(10));
    assert_eq!(success_result_of(d), 120);
    assert_eq!(server.peak.get(), 2);
}

/// Section 7's `multiplySix`: `multiply_four_numbers` over the limited multiplier and a
/// limited `e * f` together, then the limited product of the two.
fn multiply_six(limited: &Multiplier, operands: [i64; 6]) -> Deferred<i64> {
    let [a, b, c, d, e, f] = operands;
    let d1 = multiply_four_numbers(limited, a, b, c, d);
    let d2 = limited(e, f);
    let again = Rc::clone(limited);
    DeferredList::new([d1, d2]).fire_on_one_errback(true).into_deferred().add_callback(
        move |results| {
            let (res1, res2) = ignore_flags(&results);
            again(res1, res2)
        },
    )
}

// Source: tutorial section 7
// multiplySix through the semaphore "would still take 15 seconds", and at no moment are
// more than two remote multiplications running. "Still": without the semaphore the same
// code also takes 15 seconds (its rounds depend on each other), but runs three at once.
#[test]
fn section_7_multiply_six_takes_fifteen_seconds_two_at_a_time() {
    let operands = [2, 3, 4, 5, 6, 7];
    let product: i64 = operands.iter().product();

    let clock = Clock::new();
    let server = Server::new(&clock);
    let sem = DeferredSemaphore::new(2);
    let d = multiply_six(&limited(&sem, &server.multiplier()), operands);
    assert_eq!(server.calls(), [(2, 3), (4, 5)]);
    assert_eq!(sem.waiting(), 1);
    settles_at(&clock, &d, secs(15));
    assert_eq!(success_result_of(d), product);
    assert_eq!(server.calls(), [(2, 3), (4, 5), (6, 7), (6, 20), (120, 42)]);
    assert_eq!(server.call_times(), [secs(0), secs(0), secs(5), secs(5), secs(10)]);
    assert_eq!(server.peak.get(), 2);
    assert_eq!(sem.tokens(), 2);

    let clock = Clock::new();
    let server = Server::new(&clock);
    let d = multiply_six(&server.multiplier(), operands);
    settles_at(&clock, &d, secs(15));
    assert_eq!(success_result_of(d), product);
    assert_eq!(server.peak.get(), 3);
}
