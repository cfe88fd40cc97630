//! Benchmarks of the coordination helpers (`DeferredList`, `gather_results`, `race`,
//! `DeferredSemaphore`), in shapes that `benches/twisted/deferred_shapes.py` times in
//! Twisted, so that `benches/compare-deferred` can print the two side by side.
//!
//! Units (what one criterion "iteration" is, and so what `estimates.json` holds):
//!
//! - `deferred_list_1000_fired`, `gather_results_1000_fired`, `race_1000_fired`:
//!   nanoseconds per list, that is per join over 1000 Deferreds; creating the 1000
//!   already-fired inputs, joining them and dropping the joined Deferred are all timed.
//! - `semaphore2_run`: nanoseconds per `run` call on a semaphore of 2 tokens that is
//!   created once, outside the timed loop; the returned Deferred is dropped inside it.
//!
//! Each shape's result is checked once, before timing starts.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use deferreds::testing::success_result_of;
use deferreds::{
    Deferred, DeferredList, DeferredSemaphore, Failure, gather_results, race, succeed,
};

/// How many inputs the three join shapes take.
const INPUTS: i64 = 1000;

/// The value `semaphore2_run` runs its function with.
const RUN_VALUE: i64 = 7;

/// 1000 Deferreds that have already fired, with 0, 1, … 999.
fn fired_inputs() -> impl Iterator<Item = Deferred<i64>> {
    (0..INPUTS).map(|i| succeed(black_box(i)))
}

/// A `DeferredList` of 1000 fired Deferreds, every flag off: every result, in order.
fn deferred_list_1000_fired() -> Deferred<Vec<Result<i64, Failure>>> {
    DeferredList::new(fired_inputs()).into_deferred()
}

/// `gather_results` over 1000 fired Deferreds: every value, in order.
fn gather_results_1000_fired() -> Deferred<Vec<i64>> {
    gather_results(fired_inputs())
}

/// `race` over 1000 fired Deferreds: the first wins, the other 999 are cancelled (a
/// no-op on a Deferred that has fired).
fn race_1000_fired() -> Deferred<(usize, i64)> {
    race(fired_inputs())
}

/// One `run` on `sem`, of a function returning an already-fired Deferred.
fn semaphore2_run(sem: &DeferredSemaphore) -> Deferred<i64> {
    let value = black_box(RUN_VALUE);
    sem.run(move || succeed(value))
}

fn bench_joins(c: &mut Criterion) {
    let values: Vec<i64> = (0..INPUTS).collect();

    let results = success_result_of(deferred_list_1000_fired());
    let values_seen: Vec<i64> = results
        .into_iter()
        .map(|result| result.unwrap_or_else(|f| panic!("an input of the list failed: {f}")))
        .collect();
    assert_eq!(values_seen, values);
    c.bench_function("deferred_list_1000_fired", |b| b.iter(deferred_list_1000_fired));

    assert_eq!(success_result_of(gather_results_1000_fired()), values);
    c.bench_function("gather_results_1000_fired", |b| b.iter(gather_results_1000_fired));

    assert_eq!(success_result_of(race_1000_fired()), (0, 0));
    c.bench_function("race_1000_fired", |b| b.iter(race_1000_fired));
}

fn bench_semaphore(c: &mut Criterion) {
    let sem = DeferredSemaphore::new(2);
    assert_eq!(success_result_of(semaphore2_run(&sem)), RUN_VALUE);
    // The run released its token: a leak here would make the timed loop wait forever.
    assert_eq!((sem.tokens(), sem.waiting()), (2, 0));
    c.bench_function("semaphore2_run", |b| b.iter(|| semaphore2_run(&sem)));
    assert_eq!((sem.tokens(), sem.waiting()), (2, 0));
}

criterion_group!(benches, bench_joins, bench_semaphore);
criterion_main!(benches);
