//! Tutorial section 6, "Manufacturing deferreds": a remote multiplication cacher, so
//! that the same multiplication is not asked for twice.
//!
//! `cargo run -p factorial --example cacher`
//!
//! Three versions, each asked for 5*6 twice at once and once more ten seconds later:
//! the simplest cache, which still asks twice while the first answer is on its way; the
//! tutorial's second version, which keeps the Deferreds of those who wait in a map; and
//! `DeferredCache`, the same pattern finished (failures delivered to every waiter and not
//! cached, the tutorial's exercise). Delays are scaled: a tutorial second is 10 ms.

mod common;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use common::Log;
use common::remote::Remote;
use deferreds::task::defer_later;
use deferreds::{Deferred, DeferredCache, Failure, Resolver, Time, gather_results, succeed};

/// The simplest cache: a value known is answered at once; anything else is asked for,
/// and kept when it comes.
struct RemoteMultiplierCacher<T> {
    remote: Remote<T>,
    cache: Rc<RefCell<HashMap<(i64, i64), i64>>>,
}

impl<T: Time + Clone + 'static> RemoteMultiplierCacher<T> {
    fn new(remote: &Remote<T>) -> Self {
        RemoteMultiplierCacher { remote: remote.clone(), cache: Rc::default() }
    }

    fn multiply(&self, a: i64, b: i64) -> Deferred<i64> {
        if let Some(&product) = self.cache.borrow().get(&(a, b)) {
            return succeed(product);
        }
        let d = self.remote.multiply(a, b);
        let cache = Rc::clone(&self.cache);
        let add_cache = move |res| {
            cache.borrow_mut().insert((a, b), res);
            Ok::<_, Failure>(res)
        };
        d.add_callback(add_cache)
    }
}

/// The Deferreds of those waiting for a multiplication under way, by operands.
type Running = HashMap<(i64, i64), Vec<Resolver<i64>>>;

/// The second version: whoever asks while the multiplication runs gets a Deferred of its
/// own, kept in `running` and fired with the answer.
///
/// As in the tutorial, errors are not handled: a failed multiplication is reported as
/// unhandled, and those waiting for it wait forever.
struct RunningAwareCacher<T> {
    remote: Remote<T>,
    cache: Rc<RefCell<HashMap<(i64, i64), i64>>>,
    running: Rc<RefCell<Running>>,
}

impl<T: Time + Clone + 'static> RunningAwareCacher<T> {
    fn new(remote: &Remote<T>) -> Self {
        RunningAwareCacher { remote: remote.clone(), cache: Rc::default(), running: Rc::default() }
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
        let rm = self.remote.multiply(a, b);
        let (cache, running) = (Rc::clone(&self.cache), Rc::clone(&self.running));
        let add_cache = move |res| {
            cache.borrow_mut().insert((a, b), res);
            // Taken out of the map first: a waiter's callback may ask again.
            let waiting = running.borrow_mut().remove(&(a, b)).unwrap_or_default();
            for d in waiting {
                d.callback(res);
            }
            Ok::<_, Failure>(())
        };
        drop(rm.add_callback(add_cache));
        d
    }
}

/// The pattern as the core crate has it.
struct FinishedCacher<T> {
    remote: Remote<T>,
    cache: DeferredCache<(i64, i64), i64>,
}

impl<T: Time + Clone + 'static> FinishedCacher<T> {
    fn new(remote: &Remote<T>) -> Self {
        FinishedCacher { remote: remote.clone(), cache: DeferredCache::new() }
    }

    fn multiply(&self, a: i64, b: i64) -> Deferred<i64> {
        let remote = self.remote.clone();
        self.cache.get((a, b), move |&(a, b)| remote.multiply(a, b))
    }
}

/// The tutorial's program, for any of the cachers: 5*6 twice now and once ten seconds
/// later. Prints each product with when it came, then how often the server was asked.
fn program<T: Time + Clone + 'static>(
    label: &'static str,
    time: &T,
    remote: &Remote<T>,
    multiply: impl Fn(i64, i64) -> Deferred<i64> + 'static,
    log: &Log,
) -> Deferred<()> {
    let multiply = Rc::new(multiply);
    let again = Rc::clone(&multiply);
    let asks = [
        multiply(5, 6),
        multiply(5, 6),
        defer_later(time, Duration::from_secs(10), move || again(5, 6)),
    ];
    let started = time.seconds();
    let answers = asks.map(|d| {
        let time = time.clone();
        d.add_callback(move |product| {
            Ok::<_, Failure>(format!("{product} at {} s", common::seconds_since(&time, started)))
        })
    });
    let (remote, log) = (remote.clone(), log.clone());
    gather_results(answers).add_callback(move |answers| {
        let calls = remote.calls();
        log.print(format!("{label}: {}; {calls} remote multiplication(s)", answers.join(", ")));
        Ok(())
    })
}

/// The three versions, one after another.
fn every_version<T: Time + Clone + 'static>(time: &T, log: &Log) -> Deferred<()> {
    let (time, log) = (time.clone(), log.clone());
    deferreds::ensure_deferred(async move {
        let remote = Remote::new(time.clone());
        let cacher = RemoteMultiplierCacher::new(&remote);
        program("simple", &time, &remote, move |a, b| cacher.multiply(a, b), &log).await?;
        let remote = Remote::new(time.clone());
        let cacher = RunningAwareCacher::new(&remote);
        program("running", &time, &remote, move |a, b| cacher.multiply(a, b), &log).await?;
        let remote = Remote::new(time.clone());
        let cacher = FinishedCacher::new(&remote);
        program("DeferredCache", &time, &remote, move |a, b| cacher.multiply(a, b), &log).await
    })
}

fn main() {
    let (reactor, time) = common::start();
    common::run(&reactor, every_version(&time, &Log::default()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::{ValueError, run_on_clock, secs, value_on_clock};
    use deferreds::ResolverDroppedError;
    use deferreds::task::Clock;
    use deferreds::testing::{ReportCapture, assert_no_result, failure_result_of};

    #[test]
    fn the_simple_cache_asks_twice_while_the_first_answer_is_on_its_way() {
        let clock = Clock::new();
        let remote = Remote::new(clock.clone());
        let log = Log::default();
        let cacher = RemoteMultiplierCacher::new(&remote);
        let d = program("simple", &clock, &remote, move |a, b| cacher.multiply(a, b), &log);
        let ((), took) = value_on_clock(&clock, d);
        assert_eq!(took, secs(10));
        assert_eq!(
            log.lines(),
            ["simple: 30 at 5 s, 30 at 5 s, 30 at 10 s; 2 remote multiplication(s)"]
        );
    }

    #[test]
    fn keeping_the_waiters_asks_once() {
        let clock = Clock::new();
        let remote = Remote::new(clock.clone());
        let log = Log::default();
        let cacher = RunningAwareCacher::new(&remote);
        let d = program("running", &clock, &remote, move |a, b| cacher.multiply(a, b), &log);
        let ((), took) = value_on_clock(&clock, d);
        assert_eq!(took, secs(10));
        assert_eq!(
            log.lines(),
            ["running: 30 at 5 s, 30 at 5 s, 30 at 10 s; 1 remote multiplication(s)"]
        );
    }

    #[test]
    fn the_running_aware_cache_leaves_waiters_waiting_on_a_failure() {
        let capture = ReportCapture::start();
        let clock = Clock::new();
        let remote = Remote::new(clock.clone()).refusing(5, 6);
        let cacher = RunningAwareCacher::new(&remote);
        let (first, second) = (cacher.multiply(5, 6), cacher.multiply(5, 6));
        clock.advance(secs(60));
        assert_no_result(&first);
        assert_no_result(&second);
        let reports = capture.take();
        assert_eq!(reports.len(), 1);
        assert!(reports[0].is_unhandled());
        assert_eq!(reports[0].failure().to_string(), "could not multiply");
        // Where Python's waiters would wait forever, a Rust resolver dropped unfired
        // fails its Deferred: the cacher goes, and the waiters learn it.
        drop(cacher);
        for d in [first, second] {
            assert!(failure_result_of(d).check::<ResolverDroppedError>());
        }
    }

    #[test]
    fn deferred_cache_asks_once_too() {
        let clock = Clock::new();
        let remote = Remote::new(clock.clone());
        let log = Log::default();
        let cacher = FinishedCacher::new(&remote);
        let d = program("DeferredCache", &clock, &remote, move |a, b| cacher.multiply(a, b), &log);
        let ((), took) = value_on_clock(&clock, d);
        assert_eq!(took, secs(10));
        assert_eq!(
            log.lines(),
            ["DeferredCache: 30 at 5 s, 30 at 5 s, 30 at 10 s; 1 remote multiplication(s)"]
        );
    }

    #[test]
    fn deferred_cache_gives_a_failure_to_every_waiter_and_forgets_it() {
        let clock = Clock::new();
        let refusing = Remote::new(clock.clone()).refusing(5, 6);
        let cacher = FinishedCacher::new(&refusing);
        let both = gather_results([cacher.multiply(5, 6), cacher.multiply(5, 6)]);
        let (result, took) = run_on_clock(&clock, both);
        assert!(result.is_err());
        assert_eq!(took, secs(5));
        assert_eq!(refusing.calls(), 1);
        // Not cached: the next call asks again (and fails again, on this server).
        let (again, _) = run_on_clock(&clock, cacher.multiply(5, 6));
        let failure = again.expect_err("refused again");
        assert_eq!(failure.downcast_ref(), Some(&ValueError("could not multiply")));
        assert_eq!(refusing.calls(), 2);
    }

    #[test]
    fn the_program_runs_every_version() {
        let clock = Clock::new();
        let log = Log::default();
        let ((), took) = value_on_clock(&clock, every_version(&clock, &log));
        assert_eq!(took, secs(30));
        assert_eq!(log.lines().len(), 3);
    }
}
