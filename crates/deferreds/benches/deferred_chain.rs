//! Benchmarks of the core `Deferred`, in shapes that `benches/twisted/deferred_shapes.py`
//! times in Twisted, so that `benches/compare-deferred` can print the two side by side.
//!
//! Units (what one criterion "iteration" is, and so what `estimates.json` holds):
//!
//! - `add10_then_fire`, `fire_then_add10`, `chain10_succeed`: nanoseconds per callback.
//!   One timed chain runs 10 callbacks; its time, creation and drop included, is divided
//!   by 10.
//! - every other shape: nanoseconds per chain, that is per call of the shape's function
//!   (for the two `await_*` shapes, one run of the whole async block: 1000 awaits, or
//!   20 awaits).
//!
//! `instantiate_shoot_callback` is a diagnostic rather than a goal: the life of one
//! Deferred, on three or four of which the chained shapes spend 40 to 50% of their time.
//!
//! Every shape builds its chains from nothing in each iteration and drops them inside
//! the timed region, as Twisted's loop does. Each shape's result is checked once, before
//! timing starts.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use deferreds::testing::success_result_of;
use deferreds::{Deferred, Failure, succeed};

/// How many callbacks the first four shapes add.
const CALLBACKS: u32 = 10;

/// A small error of our own, standing in for Python's `ValueError` and `Exception`.
#[derive(Debug)]
struct BenchError(&'static str);

impl fmt::Display for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Error for BenchError {}

fn increment(v: i64) -> Result<i64, Failure> {
    Ok(v + 1)
}

/// Twisted's benchmark helper `f(x, a)`.
fn add(x: i64, a: i64) -> Result<i64, Failure> {
    Ok(x + a)
}

/// A fresh Deferred gets 10 callbacks, then fires with 0.
fn add10_then_fire() -> Deferred<i64> {
    let (mut d, resolver) = Deferred::<i64>::new();
    for _ in 0..CALLBACKS {
        d = d.add_callback(increment);
    }
    resolver.callback(black_box(0));
    d
}

/// A fresh Deferred fires with 0, then gets 10 callbacks, each running at once.
fn fire_then_add10() -> Deferred<i64> {
    let (mut d, resolver) = Deferred::<i64>::new();
    resolver.callback(black_box(0));
    for _ in 0..CALLBACKS {
        d = d.add_callback(increment);
    }
    d
}

/// 10 callbacks that each return an already-fired Deferred, then the chain fires.
fn chain10_succeed() -> Deferred<i64> {
    let (mut d, resolver) = Deferred::<i64>::new();
    for _ in 0..CALLBACKS {
        d = d.add_callback(|v| succeed(v + 1));
    }
    resolver.callback(black_box(0));
    d
}

/// 10 callbacks, a failure fired past all of them, then an errback that traps it.
fn errback_10_passthru_trap() -> Deferred<i64> {
    let (mut d, resolver) = Deferred::<i64>::new();
    for _ in 0..CALLBACKS {
        d = d.add_callback(increment);
    }
    resolver.errback(BenchError("bad value"));
    d.add_errback(|f: Failure| {
        f.trap::<BenchError>()?;
        Ok(-1)
    })
}

/// Twisted's `test_deferred_callback_chain_fires_at_start`.
fn callback_chain_fires_at_start() -> Deferred<i64> {
    let (d, resolver) = Deferred::<i64>::new();
    resolver.callback(black_box(2));
    d.add_callback(|x| add(x, 1))
        .add_callback(|x| add(x, 2))
        .add_callback(|x| add(x, 3))
        .add_callback(|x| add(x, 4))
}

/// Twisted's `test_deferred_callback_chain_fires_at_end`.
fn callback_chain_fires_at_end() -> Deferred<i64> {
    let (d, resolver) = Deferred::<i64>::new();
    let d = d
        .add_callback(|x| add(x, 1))
        .add_callback(|x| add(x, 2))
        .add_callback(|x| add(x, 3))
        .add_callback(|x| add(x, 4));
    resolver.callback(black_box(2));
    d
}

/// Twisted's `test_deferred_errback_chain`: a callback raises, an errback traps and
/// raises again, a final handler swallows whatever arrives. Twisted's last handler
/// returns `None`; ours returns whether it got a failure, so the check can see that the
/// second error got there.
fn errback_chain() -> Deferred<bool> {
    succeed(black_box("result"))
        .add_callback(|_| Err::<(), _>(Failure::new(BenchError("boom!"))))
        .add_errback(|f: Failure| {
            f.trap::<BenchError>()?;
            Err(Failure::new(BenchError("lesser boom!")))
        })
        .add_both(|result: Result<(), Failure>| Ok::<_, Failure>(result.is_err()))
}

/// Twisted's `test_deferred_chained_already_fired`: callbacks return Deferreds that
/// fired before they were added.
fn chained_already_fired() -> Deferred<i64> {
    let (d, resolver) = Deferred::<i64>::new();
    let (d2, resolver2) = Deferred::<i64>::new();
    let (d3, resolver3) = Deferred::<i64>::new();
    resolver2.callback(black_box(123));
    resolver3.callback(black_box(456));
    let d = d.add_callback(move |_| d2).add_callback(move |_| d3);
    resolver.callback(black_box(123));
    d
}

/// Twisted's `test_deferred_chained_not_fired`: the returned Deferreds fire after the
/// callbacks returning them were added, and one of them waits on a fourth.
fn chained_not_fired() -> Deferred<i64> {
    let (d, resolver) = Deferred::<i64>::new();
    let (d2, resolver2) = Deferred::<i64>::new();
    let (d3, resolver3) = Deferred::<i64>::new();
    let (d4, resolver4) = Deferred::<i64>::new();
    let d3 = d3.add_callback(move |_| d4);
    resolver3.callback(black_box(123));
    let d = d.add_callback(move |_| d2).add_callback(move |_| d3);
    resolver2.callback(black_box(123));
    resolver4.callback(black_box(57));
    resolver.callback(black_box(7));
    d
}

/// Twisted's `instantiateShootCallback` (`docs/core/benchmarks/deferreds.py`): the life
/// of one Deferred, created pending, fired with a value and dropped.
fn instantiate_shoot_callback() -> Deferred<i64> {
    let (d, resolver) = Deferred::<i64>::new();
    resolver.callback(black_box(1));
    d
}

/// Twisted's `test_deferred_await`: an async block awaits 1000 `succeed(x)`. Polled
/// once with a no-op waker; every awaited Deferred has fired, so one poll finishes it.
fn await_1000_fired() -> i64 {
    let run = pin!(async {
        let mut sum = 0;
        for x in 0..1000 {
            match succeed(black_box(x)).await {
                Ok(v) => sum += v,
                Err(f) => panic!("succeed() failed: {f}"),
            }
        }
        sum
    });
    match run.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(sum) => sum,
        Poll::Pending => panic!("awaiting fired Deferreds suspended"),
    }
}

/// Twisted's `test_deferred_await_unfired`: an async block awaits 20 pending Deferreds
/// in order, and they are fired one by one. After each firing the block is polled
/// again, as an executor woken by the Deferred would, so each await really suspends
/// and resumes (in Twisted, firing resumes the coroutine directly).
fn await_20_unfired() -> i64 {
    let (deferreds, resolvers): (Vec<Deferred<i64>>, Vec<_>) =
        (0..20).map(|_| Deferred::<i64>::new()).unzip();
    let mut run = pin!(async move {
        let mut sum = 0;
        for d in deferreds {
            match d.await {
                Ok(v) => sum += v,
                Err(f) => panic!("a pending Deferred failed: {f}"),
            }
        }
        sum
    });
    let mut cx = Context::from_waker(Waker::noop());
    assert!(run.as_mut().poll(&mut cx).is_pending());
    let mut last = Poll::Pending;
    for (i, resolver) in (0..).zip(resolvers) {
        resolver.callback(black_box(i));
        last = run.as_mut().poll(&mut cx);
    }
    match last {
        Poll::Ready(sum) => sum,
        Poll::Pending => panic!("the async block did not finish after 20 firings"),
    }
}

/// Times `shape` per callback: the elapsed time of `iters` chains of `CALLBACKS`
/// callbacks each, divided by `CALLBACKS`, is the time of `iters` callbacks.
fn per_callback<T>(shape: fn() -> T) -> impl FnMut(u64) -> Duration {
    move |iters| {
        let start = Instant::now();
        for _ in 0..iters {
            black_box(shape());
        }
        start.elapsed() / CALLBACKS
    }
}

fn bench_per_callback(c: &mut Criterion) {
    assert_eq!(success_result_of(add10_then_fire()), 10);
    c.bench_function("add10_then_fire", |b| {
        b.iter_custom(per_callback(add10_then_fire));
    });

    assert_eq!(success_result_of(fire_then_add10()), 10);
    c.bench_function("fire_then_add10", |b| {
        b.iter_custom(per_callback(fire_then_add10));
    });

    assert_eq!(success_result_of(chain10_succeed()), 10);
    c.bench_function("chain10_succeed", |b| {
        b.iter_custom(per_callback(chain10_succeed));
    });
}

fn bench_per_chain(c: &mut Criterion) {
    assert_eq!(success_result_of(errback_10_passthru_trap()), -1);
    c.bench_function("errback_10_passthru_trap", |b| {
        b.iter(errback_10_passthru_trap);
    });

    assert_eq!(success_result_of(callback_chain_fires_at_start()), 12);
    c.bench_function("callback_chain_fires_at_start", |b| {
        b.iter(callback_chain_fires_at_start);
    });

    assert_eq!(success_result_of(callback_chain_fires_at_end()), 12);
    c.bench_function("callback_chain_fires_at_end", |b| {
        b.iter(callback_chain_fires_at_end);
    });

    assert!(success_result_of(errback_chain()));
    c.bench_function("errback_chain", |b| b.iter(errback_chain));

    assert_eq!(success_result_of(chained_already_fired()), 456);
    c.bench_function("chained_already_fired", |b| {
        b.iter(chained_already_fired);
    });

    assert_eq!(success_result_of(chained_not_fired()), 57);
    c.bench_function("chained_not_fired", |b| b.iter(chained_not_fired));

    assert_eq!(success_result_of(instantiate_shoot_callback()), 1);
    c.bench_function("instantiate_shoot_callback", |b| b.iter(instantiate_shoot_callback));

    assert_eq!(await_1000_fired(), (0..1000).sum::<i64>());
    c.bench_function("await_1000_fired", |b| b.iter(await_1000_fired));

    assert_eq!(await_20_unfired(), (0..20).sum::<i64>());
    c.bench_function("await_20_unfired", |b| b.iter(await_20_unfired));
}

criterion_group!(benches, bench_per_callback, bench_per_chain);
criterion_main!(benches);
