//! Twisted's `RaceTests`: `race` fires with the first success and its index, cancels the
//! losers once each, and fails with a `FailureGroup` when every input fails.
//!
//! Twisted draws the number of inputs before and after the winner with hypothesis (0 to
//! 3 each); these tests run every one of those combinations.

use std::cell::Cell;
use std::rc::Rc;

use deferreds::testing::{ReportCapture, assert_no_result, failure_result_of, success_result_of};
use deferreds::{Deferred, Failure, FailureGroup, Resolver, race};

/// Every `(before, after)` pair Twisted's hypothesis strategies can draw.
fn positions() -> impl Iterator<Item = (usize, usize)> {
    (0..=3).flat_map(|before| (0..=3).map(move |after| (before, after)))
}

/// Twisted's `_setupRaceState`: pending Deferreds whose cancellers only count their
/// calls, one counter each.
struct RaceState<T> {
    counters: Vec<Rc<Cell<usize>>>,
    ds: Vec<Deferred<T>>,
    resolvers: Vec<Resolver<T>>,
}

fn race_state<T: 'static>(count: usize) -> RaceState<T> {
    let counters: Vec<Rc<Cell<usize>>> = (0..count).map(|_| Rc::default()).collect();
    let (ds, resolvers) = counters
        .iter()
        .map(|counter| {
            let counter = Rc::clone(counter);
            Deferred::with_canceller(move |_: Resolver<T>| counter.set(counter.get() + 1))
        })
        .unzip();
    RaceState { counters, ds, resolvers }
}

fn counts(counters: &[Rc<Cell<usize>>]) -> Vec<usize> {
    counters.iter().map(|counter| counter.get()).collect()
}

#[test]
fn success() {
    // Source: twisted/test/test_defer.py RaceTests.test_success
    // DIFFERENCE: Twisted compares the result by identity (`object()`); here the winner's
    // value is distinct from anything else in the race.
    for (before, after) in positions() {
        let capture = ReportCapture::start();
        let RaceState { counters, ds, mut resolvers } = race_state::<String>(before + 1 + after);
        let race_result = race(ds);
        assert_no_result(&race_result);
        let expected = format!("winner at {before}");
        resolvers.remove(before).callback(expected.clone());
        assert_eq!(success_result_of(race_result), (before, expected));
        let mut expected_counts = vec![1; before + 1 + after];
        expected_counts[before] = 0;
        assert_eq!(counts(&counters), expected_counts, "before={before} after={after}");
        drop(resolvers);
        // The losers' cancellations stop at the race: nothing is reported.
        assert!(capture.take().is_empty(), "before={before} after={after}");
    }
}

#[test]
fn failure() {
    // Source: twisted/test/test_defer.py RaceTests.test_failure
    // DIFFERENCE: Twisted's list equality of Failures is identity; here each failure in
    // the group is checked to be the same error as the one given.
    for (before, after) in positions() {
        let count = before + 1 + after;
        let RaceState { counters, ds, resolvers } = race_state::<()>(count);
        let failure = Failure::msg("The test demands failures.");
        let race_result = race(ds);
        for resolver in resolvers {
            resolver.errback(failure.clone());
        }
        let actual = failure_result_of(race_result);
        let group = actual
            .downcast_ref::<FailureGroup>()
            .unwrap_or_else(|| panic!("not a FailureGroup: {actual:?}"));
        assert_eq!(group.failures().len(), count);
        assert!(group.failures().iter().all(|f| f.same_error(&failure)), "{group:?}");
        assert_eq!(counts(&counters), vec![0; count], "before={before} after={after}");
    }
}

#[test]
fn result_after_cancel() {
    // Source: twisted/test/test_defer.py RaceTests.test_resultAfterCancel
    // DIFFERENCE: a loser's producer firing after the cancellation is ignored (its
    // Resolver finds the Deferred settled) rather than swallowed by Twisted's
    // AlreadyCalledError suppression; the test checks that nothing is reported.
    for (before, after) in positions() {
        let capture = ReportCapture::start();
        let (ds, mut resolvers): (Vec<Deferred<()>>, Vec<Resolver<()>>) =
            (0..before + 2 + after).map(|_| Deferred::new()).unzip();
        let race_result = race(ds);
        let mut winner_and_next = resolvers.drain(before..before + 2);
        let winner = winner_and_next.next().expect("the winner");
        let next = winner_and_next.next().expect("the input after the winner");
        drop(winner_and_next);
        winner.callback(());
        assert!(next.is_settled(), "the loser was cancelled");
        next.callback(());
        assert_eq!(success_result_of(race_result), (before, ()));
        drop(resolvers);
        assert!(capture.take().is_empty(), "before={before} after={after}");
    }
}

#[test]
fn result_from_cancel() {
    // Source: twisted/test/test_defer.py RaceTests.test_resultFromCancel
    let capture = ReportCapture::start();
    let (winner, winner_resolver) = Deferred::<&str>::new();
    let (loser, _loser_resolver) =
        Deferred::with_canceller(|resolver: Resolver<&str>| resolver.callback("from cancel"));
    let race_result = race([winner, loser]);
    winner_resolver.callback("expected");
    assert_eq!(success_result_of(race_result), (0, "expected"));
    assert!(capture.take().is_empty());
}

#[test]
fn cancel() {
    // Source: twisted/test/test_defer.py RaceTests.test_cancel
    // DIFFERENCE: hypothesis draws 1 to 3 inputs; every one of those counts is run.
    for count in 1..=3 {
        let capture = ReportCapture::start();
        let RaceState { counters, ds, resolvers } = race_state::<u32>(count);
        let race_result = race(ds);
        race_result.cancel();
        assert_eq!(counts(&counters), vec![1; count], "count={count}");
        let failure = failure_result_of(race_result);
        assert!(failure.check::<FailureGroup>(), "{failure:?}");
        drop(resolvers);
        assert!(capture.take().is_empty(), "count={count}");
    }
}

#[test]
fn empty_race_fails_at_once() {
    // Source: none in Twisted: race([]) in Twisted returns a Deferred that never fires.
    // DIFFERENCE: here a race over no inputs fails at once with an empty FailureGroup
    // (our documented answer: no input can win, and a race that never fires would hang
    // its caller).
    let race_result = race(Vec::<Deferred<u8>>::new());
    let failure = failure_result_of(race_result);
    let group = failure.downcast_ref::<FailureGroup>().expect("a FailureGroup");
    assert!(group.failures().is_empty());
}

#[test]
fn first_failures_do_not_decide_a_race() {
    // Source: none in Twisted: a failing input does not end the race while another may
    // still succeed; when one does, only the input still pending is cancelled (once), and
    // the failed input's failure stops at the race.
    let capture = ReportCapture::start();
    let RaceState { counters, ds, mut resolvers } = race_state::<&str>(3);
    let race_result = race(ds);
    resolvers.remove(0).errback(Failure::msg("first fails"));
    assert_no_result(&race_result);
    resolvers.remove(1).callback("last wins");
    assert_eq!(success_result_of(race_result), (2, "last wins"));
    assert_eq!(counts(&counters), vec![0, 1, 0]);
    drop(resolvers);
    assert!(capture.take().is_empty());
}
