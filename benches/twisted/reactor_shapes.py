"""Time Twisted's reactor in the shapes of the deferreds-reactor crate's benchmarks.

The shapes are those of crates/deferreds-reactor/benches/reactor.rs:

- ``call_later_100k``: 100,000 ``reactor.callLater(0, f)`` scheduled at once, then the
  reactor runs them; a batch ends when the last one has run.
- ``defer_to_thread_10k_in_flight``: 10,000 ``threads.deferToThread`` started at once on
  the reactor's default thread pool (10 threads), joined with ``gatherResults``.
- ``defer_to_thread_round_trip``: 1,000 ``deferToThread``, one at a time: each starts
  when the previous one's Deferred has fired.
- ``await_fired_deferred``: an ``inlineCallbacks`` generator yielding an already-fired
  Deferred (``succeed(1)``) 1,000 times.

Prints one line per shape, ``name: value unit``, after a ``#`` line naming the
versions, in the units the Rust benchmarks report, so that benches/compare-reactor can
divide one by the other: ``ns/call`` (per timer, per deferToThread), ``ns/round-trip``
and ``ns/await``, that is a batch's time divided by its size.

Method: Twisted's reactor cannot be restarted in one process, so everything happens in
one run of the real (default) reactor. Once it runs, one job per pool thread is sent to
the thread pool and waited for, so no batch pays for starting threads. Then, shape by
shape, one batch is run and its result checked, and the shape is timed REPEAT times:
each time, batches run one after the other until at least 0.2 s has gone by (at least
one batch), each timed with time.perf_counter from its start until its Deferred has
fired. The median of the REPEAT per-call times is reported. The garbage collector stays
on, as in deferred_shapes.py.

Usage: python reactor_shapes.py [--repeat N] [--only SHAPE]...
"""

import argparse
import gc
import statistics
import sys
import time

import twisted
from twisted.internet import reactor, threads
from twisted.internet.defer import (
    Deferred,
    ensureDeferred,
    gatherResults,
    inlineCallbacks,
    succeed,
)
from twisted.internet.task import react

TIMERS = 100_000
IN_FLIGHT = 10_000
ROUND_TRIPS = 1_000
AWAITS = 1_000
POOL_THREADS = 10

# Each timing of a shape runs batches for at least this long, as timeit's autorange.
MIN_TIME = 0.2


class ShapeError(Exception):
    """A shape's check failed; react() reports it and exits with status 1."""


def identity(value):
    return value


def increment(value):
    return value + 1


def call_later_100k():
    """100,000 timers due now; fires with how many ran, from the last one."""
    done = Deferred()
    ran = 0

    def tick():
        nonlocal ran
        ran += 1

    for _ in range(TIMERS - 1):
        reactor.callLater(0, tick)
    reactor.callLater(0, lambda: done.callback(ran + 1))
    return done


def defer_to_thread_10k_in_flight():
    """10,000 deferToThread at once; fires with the sum of their results."""
    calls = [threads.deferToThread(identity, i) for i in range(IN_FLIGHT)]
    return gatherResults(calls).addCallback(sum)


async def _round_trips():
    n = 0
    for _ in range(ROUND_TRIPS):
        n = await threads.deferToThread(increment, n)
    return n


def defer_to_thread_round_trip():
    """1,000 deferToThread, each started when the previous one fired."""
    return ensureDeferred(_round_trips())


@inlineCallbacks
def await_fired_deferred():
    """Yields 1,000 Deferreds that have already fired."""
    total = 0
    for _ in range(AWAITS):
        total += yield succeed(1)
    return total


# (name, function, calls per batch, unit, expected result)
SHAPES = [
    ("call_later_100k", call_later_100k, TIMERS, "ns/call", TIMERS),
    (
        "defer_to_thread_10k_in_flight",
        defer_to_thread_10k_in_flight,
        IN_FLIGHT,
        "ns/call",
        sum(range(IN_FLIGHT)),
    ),
    ("defer_to_thread_round_trip", defer_to_thread_round_trip, ROUND_TRIPS, "ns/round-trip", ROUND_TRIPS),
    ("await_fired_deferred", await_fired_deferred, AWAITS, "ns/await", AWAITS),
]


async def time_shape(fn, size, repeat):
    """Median nanoseconds per call of ``fn``'s batches of ``size`` calls."""
    runs = []
    for _ in range(repeat):
        gc.collect()
        batches = 0
        elapsed = 0.0
        while batches == 0 or elapsed < MIN_TIME:
            start = time.perf_counter()
            await fn()
            elapsed += time.perf_counter() - start
            batches += 1
        runs.append(elapsed / (batches * size))
    return statistics.median(runs) * 1e9


async def run_shapes(shapes, repeat):
    pool = reactor.getThreadPool()
    if pool.max != POOL_THREADS:
        raise ShapeError(f"the reactor's thread pool has {pool.max} threads, not {POOL_THREADS}")
    await gatherResults([threads.deferToThread(identity, None) for _ in range(POOL_THREADS)])

    for name, fn, size, unit, expected in shapes:
        got = await fn()
        if got != expected:
            raise ShapeError(f"{name}: expected result {expected!r}, got {got!r}")
        value = await time_shape(fn, size, repeat)
        print(f"{name}: {value:.1f} {unit}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed repeats per shape (median taken)")
    parser.add_argument("--only", action="append", default=[], help="time only this shape (repeatable)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    shapes = [s for s in SHAPES if not args.only or s[0] in args.only]
    unknown = set(args.only) - {s[0] for s in SHAPES}
    if unknown:
        parser.error(f"unknown shape(s): {', '.join(sorted(unknown))}")

    print(
        f"# twisted {twisted.__version__}, python {sys.version.split()[0]}, "
        f"{type(reactor).__name__}",
        flush=True,
    )
    react(lambda _reactor: ensureDeferred(run_shapes(shapes, args.repeat)))


if __name__ == "__main__":
    main()
