//! Benchmarks of the reactor (timers, the thread pool) and of awaiting fired Deferreds,
//! in shapes that `benches/twisted/reactor_shapes.py` times in Twisted, so that
//! `benches/compare-reactor` can print the two side by side.
//!
//! All four shapes are in the criterion group `reactor`, so their estimates are in
//! `target/criterion/reactor/<shape>/new/estimates.json`. One criterion "iteration" is
//! one call (one timer, one `defer_to_thread`, one round trip, one await): each timed
//! batch's time is divided by its size, and the throughput criterion prints is calls per
//! second.
//!
//! - `call_later_100k`: 100,000 `call_later(Duration::ZERO, ..)` scheduled at once, then
//!   the reactor runs them; the batch ends when the last one has run.
//! - `defer_to_thread_10k_in_flight`: 10,000 `defer_to_thread` started at once on the
//!   default pool (10 threads), joined with `gather_results`.
//! - `defer_to_thread_round_trip`: 1,000 `defer_to_thread`, one at a time: each starts
//!   when the previous one's Deferred has fired.
//! - `await_fired_deferred`: an `ensure_deferred` coroutine awaiting `succeed(1)` 1,000
//!   times (Twisted: `inlineCallbacks` yielding a fired Deferred). Core only: no reactor.
//!
//! A reactor runs once, so each criterion sample builds its own (without signal
//! handlers), starts it, fills its thread pool, and only then times its batches, one
//! after the other, inside that one run. Building, starting and stopping the reactor
//! are not timed. Each shape's result is checked once, before timing starts.

use std::cell::Cell;
use std::future::Future;
use std::hint::black_box;
use std::rc::Rc;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use deferreds::testing::success_result_of;
use deferreds::{Deferred, Failure, Time, ensure_deferred, gather_results, succeed};
use deferreds_reactor::Reactor;

/// Timers per `call_later_100k` batch.
const TIMERS: u32 = 100_000;

/// `defer_to_thread` calls in flight at once in `defer_to_thread_10k_in_flight`.
const IN_FLIGHT: u32 = 10_000;

/// Sequential round trips per `defer_to_thread_round_trip` batch.
const ROUND_TRIPS: u32 = 1_000;

/// Awaits per `await_fired_deferred` coroutine.
const AWAITS: u32 = 1_000;

/// The default pool size, as in Twisted.
const POOL_THREADS: u32 = 10;

fn new_reactor() -> Reactor {
    Reactor::builder()
        .install_signal_handlers(false)
        .build()
        .expect("tokio's runtime could not be built")
}

/// Runs `body` on a fresh reactor, once it is running, and returns its result.
///
/// The pool's threads start as work arrives; `body` starts after one job per thread has
/// come back, so no batch pays for starting threads.
fn on_reactor<T, F, Fut>(body: F) -> T
where
    T: 'static,
    F: FnOnce(Reactor) -> Fut + 'static,
    Fut: Future<Output = Result<T, Failure>> + 'static,
{
    let reactor = new_reactor();
    let (done, resolver) = Deferred::new();
    let r = reactor.clone();
    reactor.call_when_running(move || {
        let fill_pool =
            gather_results((0..POOL_THREADS).map(|_| r.defer_to_thread(|| Ok::<_, Failure>(()))));
        let run = ensure_deferred(async move {
            fill_pool.await?;
            body(r).await
        });
        drop(run.add_both(move |outcome| {
            resolver.resolve(outcome);
            Ok::<_, Failure>(())
        }));
    });
    match reactor.run_until(done) {
        Ok(value) => value,
        Err(failure) => panic!("the benchmark's reactor run failed: {failure}"),
    }
}

/// Times `iters` batches of `batch`, one after the other, on one fresh reactor; returns
/// the total time divided by `per_batch`, the number of calls in a batch.
fn time_on_reactor<T: 'static>(
    iters: u64,
    per_batch: u32,
    batch: fn(&Reactor) -> Deferred<T>,
) -> Duration {
    let total = on_reactor(move |reactor| async move {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            let start = Instant::now();
            let result = batch(&reactor).await?;
            total += start.elapsed();
            black_box(result);
        }
        Ok(total)
    });
    total / per_batch
}

/// 100,000 timers due now; the Deferred fires with how many ran, from the last one.
fn call_later_100k(reactor: &Reactor) -> Deferred<u32> {
    let (done, resolver) = Deferred::new();
    let ran = Rc::new(Cell::new(0));
    for _ in 1..TIMERS {
        let ran = Rc::clone(&ran);
        reactor.call_later(Duration::ZERO, move || ran.set(ran.get() + 1));
    }
    reactor.call_later(Duration::ZERO, move || resolver.callback(ran.get() + 1));
    done
}

/// 10,000 `defer_to_thread` at once; the Deferred fires with the sum of their results.
fn defer_to_thread_10k_in_flight(reactor: &Reactor) -> Deferred<u64> {
    let calls: Vec<Deferred<u64>> = (0..u64::from(IN_FLIGHT))
        .map(|i| reactor.defer_to_thread(move || Ok(black_box(i))))
        .collect();
    gather_results(calls).add_callback(|values| Ok::<_, Failure>(values.iter().sum()))
}

/// 1,000 `defer_to_thread`, each started when the previous one fired, each adding one
/// to what the previous one returned.
fn defer_to_thread_round_trip(reactor: &Reactor) -> Deferred<u32> {
    let reactor = reactor.clone();
    ensure_deferred(async move {
        let mut n = 0;
        for _ in 0..ROUND_TRIPS {
            n = reactor.defer_to_thread(move || Ok(black_box(n) + 1)).await?;
        }
        Ok::<_, Failure>(n)
    })
}

/// A coroutine awaiting 1,000 Deferreds that have already fired (Twisted's
/// `inlineCallbacks` yielding `succeed(1)`).
fn await_fired_deferred() -> Deferred<u32> {
    ensure_deferred(async {
        let mut sum = 0;
        for _ in 0..AWAITS {
            sum += succeed(black_box(1)).await?;
        }
        Ok::<_, Failure>(sum)
    })
}

fn bench_reactor(c: &mut Criterion) {
    let mut group = c.benchmark_group("reactor");
    group.throughput(Throughput::Elements(1));

    // A batch takes milliseconds: a few batches per sample, each sample on a reactor
    // of its own.
    group.sample_size(10).sampling_mode(SamplingMode::Flat);

    let ran = on_reactor(|reactor| async move { call_later_100k(&reactor).await });
    assert_eq!(ran, TIMERS);
    group.bench_function("call_later_100k", |b| {
        b.iter_custom(|iters| time_on_reactor(iters, TIMERS, call_later_100k));
    });

    let sum = on_reactor(|reactor| async move { defer_to_thread_10k_in_flight(&reactor).await });
    assert_eq!(sum, (0..u64::from(IN_FLIGHT)).sum::<u64>());
    group.bench_function("defer_to_thread_10k_in_flight", |b| {
        b.iter_custom(|iters| time_on_reactor(iters, IN_FLIGHT, defer_to_thread_10k_in_flight));
    });

    let n = on_reactor(|reactor| async move { defer_to_thread_round_trip(&reactor).await });
    assert_eq!(n, ROUND_TRIPS);
    group.bench_function("defer_to_thread_round_trip", |b| {
        b.iter_custom(|iters| time_on_reactor(iters, ROUND_TRIPS, defer_to_thread_round_trip));
    });

    // Microseconds per coroutine: criterion's usual sampling.
    group.sample_size(100).sampling_mode(SamplingMode::Auto);
    assert_eq!(success_result_of(await_fired_deferred()), AWAITS);
    group.bench_function("await_fired_deferred", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(await_fired_deferred());
            }
            start.elapsed() / AWAITS
        });
    });

    group.finish();
}

criterion_group!(benches, bench_reactor);
criterion_main!(benches);
