"""Time Twisted's Deferred in the shapes of the deferreds crate's benchmarks.

The shapes are those of crates/deferreds/benches/deferred_chain.rs (the core
Deferred) and crates/deferreds/benches/coordination.rs (DeferredList, gatherResults,
race, DeferredSemaphore).

Prints one line per shape, ``name: value unit``, after a ``#`` line naming the
versions, in the units the Rust benchmarks report, so that benches/compare-deferred
can divide one by the other:

- ``ns/callback`` for add10_then_fire, fire_then_add10 and chain10_succeed: one run
  of the shape builds a chain of 10 callbacks and fires it; its time is divided by 10.
- ``ns/chain`` for the other shapes of deferred_chain.rs: the time of one run of the
  shape's function. For the two await shapes one run is the whole coroutine: 1000
  awaits of fired Deferreds, or 20 awaits of pending ones.
- ``ns/list`` for deferred_list_1000_fired, gather_results_1000_fired and
  race_1000_fired: one join over 1000 Deferreds that have already fired, creating them
  included.
- ``ns/call`` for semaphore2_run: one ``run`` on a DeferredSemaphore(2) created once,
  outside the timed loop.

Method: for each shape, timeit's autorange picks a loop count that takes at least
0.2 s, the loop is timed REPEAT times, and the median of the per-run times is
reported. Unlike timeit's default, the garbage collector stays on, since collecting
reference cycles is part of what a Deferred costs in a running program.

Each shape's result is checked once before it is timed.

Usage: python deferred_shapes.py [--repeat N] [--only SHAPE]...
"""

import argparse
import gc
import statistics
import sys
import timeit

import twisted
from twisted.internet.defer import (
    Deferred,
    DeferredList,
    DeferredSemaphore,
    ensureDeferred,
    gatherResults,
    race,
    succeed,
)
from twisted.python.failure import Failure

CALLBACKS = 10


def increment(v):
    return v + 1


def add(x, a):
    return x + a


def result_of(d):
    """The result a fired Deferred holds, taken off its chain."""
    box = []
    d.addBoth(box.append)
    assert box, "the Deferred has no result"
    return box[0]


def add10_then_fire():
    d = Deferred()
    for _ in range(CALLBACKS):
        d.addCallback(increment)
    d.callback(0)
    return d


def fire_then_add10():
    d = Deferred()
    d.callback(0)
    for _ in range(CALLBACKS):
        d.addCallback(increment)
    return d


def succeed_next(v):
    return succeed(v + 1)


def chain10_succeed():
    d = Deferred()
    for _ in range(CALLBACKS):
        d.addCallback(succeed_next)
    d.callback(0)
    return d


def trap_value_error(f):
    f.trap(ValueError)
    return -1


def errback_10_passthru_trap():
    d = Deferred()
    for _ in range(CALLBACKS):
        d.addCallback(increment)
    d.errback(ValueError("bad value"))
    d.addErrback(trap_value_error)
    return d


# The six shapes below are the bodies of the benchmarks in Twisted's
# src/twisted/test/test_deferred.py, rewritten to return what they build so the
# result can be checked.


def callback_chain_fires_at_start():
    d = Deferred()
    d.callback(2)
    d.addCallback(add, 1)
    d.addCallback(add, 2)
    d.addCallback(add, 3)
    d.addCallback(add, 4)
    return d


def callback_chain_fires_at_end():
    d = Deferred()
    d.addCallback(add, 1)
    d.addCallback(add, 2)
    d.addCallback(add, 3)
    d.addCallback(add, 4)
    d.callback(2)
    return d


def errback_chain():
    d = succeed("result")

    def raise_boom(_):
        raise Exception("boom!")

    def trap_and_raise(failure):
        failure.trap(Exception)
        raise Exception("lesser boom!")

    def got_failure(result):
        # Twisted's benchmark returns None here; returning whether a failure
        # arrived matches the Rust shape and costs the same.
        return isinstance(result, Failure)

    d.addCallback(raise_boom)
    d.addErrback(trap_and_raise)
    d.addBoth(got_failure)
    return d


def chained_already_fired():
    d = Deferred()
    d2 = Deferred()
    d3 = Deferred()
    d2.callback(123)
    d3.callback(456)
    d.addCallback(lambda _: d2)
    d.addCallback(lambda _: d3)
    d.callback(123)
    return d


def chained_not_fired():
    d = Deferred()
    d2 = Deferred()
    d3 = Deferred()
    d4 = Deferred()
    d3.addCallback(lambda _: d4)
    d3.callback(123)
    d.addCallback(lambda _: d2)
    d.addCallback(lambda _: d3)
    d2.callback(123)
    d4.callback(57)
    d.callback(7)
    return d


def instantiate_shoot_callback():
    # Twisted's docs/core/benchmarks/deferreds.py, instantiateShootCallback.
    d = Deferred()
    d.callback(1)
    return d


async def _await_fired():
    total = 0
    for x in range(1000):
        total += await succeed(x)
    return total


def await_1000_fired():
    return ensureDeferred(_await_fired())


async def _await_all(deferreds):
    total = 0
    for d in deferreds:
        total += await d
    return total


def await_20_unfired():
    deferreds = [Deferred() for _ in range(20)]
    result = ensureDeferred(_await_all(deferreds))
    for i in range(20):
        deferreds[i].callback(i)
    return result


# The coordination shapes, those of crates/deferreds/benches/coordination.rs.

INPUTS = 1000
RUN_VALUE = 7


def deferred_list_1000_fired():
    return DeferredList([succeed(i) for i in range(INPUTS)])


def gather_results_1000_fired():
    return gatherResults([succeed(i) for i in range(INPUTS)])


def race_1000_fired():
    return race([succeed(i) for i in range(INPUTS)])


# Created once, like the Rust shape's semaphore; every run gives its token back.
_semaphore = DeferredSemaphore(2)


def semaphore2_run():
    return _semaphore.run(succeed, RUN_VALUE)


# (name, function, divisor, unit, expected result)
SHAPES = [
    ("add10_then_fire", add10_then_fire, CALLBACKS, "ns/callback", 10),
    ("fire_then_add10", fire_then_add10, CALLBACKS, "ns/callback", 10),
    ("chain10_succeed", chain10_succeed, CALLBACKS, "ns/callback", 10),
    ("errback_10_passthru_trap", errback_10_passthru_trap, 1, "ns/chain", -1),
    ("callback_chain_fires_at_start", callback_chain_fires_at_start, 1, "ns/chain", 12),
    ("callback_chain_fires_at_end", callback_chain_fires_at_end, 1, "ns/chain", 12),
    ("errback_chain", errback_chain, 1, "ns/chain", True),
    ("chained_already_fired", chained_already_fired, 1, "ns/chain", 456),
    ("chained_not_fired", chained_not_fired, 1, "ns/chain", 57),
    ("await_1000_fired", await_1000_fired, 1, "ns/chain", sum(range(1000))),
    ("await_20_unfired", await_20_unfired, 1, "ns/chain", sum(range(20))),
    (
        "deferred_list_1000_fired",
        deferred_list_1000_fired,
        1,
        "ns/list",
        [(True, i) for i in range(INPUTS)],
    ),
    ("gather_results_1000_fired", gather_results_1000_fired, 1, "ns/list", list(range(INPUTS))),
    ("race_1000_fired", race_1000_fired, 1, "ns/list", (0, 0)),
    ("semaphore2_run", semaphore2_run, 1, "ns/call", RUN_VALUE),
    ("instantiate_shoot_callback", instantiate_shoot_callback, 1, "ns/chain", 1),
]


def time_shape(fn, divisor, repeat):
    """Median nanoseconds per run of ``fn``, divided by ``divisor``."""
    # Timer.timeit turns the collector off before running setup; turn it back on.
    timer = timeit.Timer(fn, setup=gc.enable)
    number, _ = timer.autorange()
    runs = []
    for _ in range(repeat):
        gc.collect()
        runs.append(timer.timeit(number) / number)
    return statistics.median(runs) * 1e9 / divisor


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

    print(f"# twisted {twisted.__version__}, python {sys.version.split()[0]}", flush=True)
    for name, fn, divisor, unit, expected in shapes:
        got = result_of(fn())
        if got != expected:
            sys.exit(f"{name}: expected result {expected!r}, got {got!r}")
        if fn is semaphore2_run and (_semaphore.tokens, _semaphore.waiting) != (2, []):
            sys.exit(f"{name}: the run did not give its token back")
        value = time_shape(fn, divisor, args.repeat)
        print(f"{name}: {value:.1f} {unit}", flush=True)


if __name__ == "__main__":
    main()
