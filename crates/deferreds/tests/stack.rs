//! Long and deep chains run in constant stack.
//!
//! Each test runs on a thread with a deliberately small stack (256 KiB), far below what
//! recursion over the sizes used here would need, so a recursive implementation fails
//! these tests by overflowing instead of passing by luck on a large main-thread stack.

use deferreds::testing::success_result_of;
use deferreds::{Deferred, Failure};

const SMALL_STACK: usize = 256 * 1024;

fn on_small_stack(test: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(test)
        .expect("spawn test thread")
        .join()
        .expect("test thread panicked");
}

#[test]
fn a_million_callbacks_on_one_deferred() {
    on_small_stack(|| {
        let (mut d, resolver) = Deferred::<u64>::new();
        for _ in 0..1_000_000 {
            d = d.add_callback(|v| Ok::<_, Failure>(v + 1));
        }
        resolver.callback(0);
        assert_eq!(success_result_of(d), 1_000_000);
    });
}

#[test]
fn a_million_callbacks_added_after_firing() {
    on_small_stack(|| {
        let mut d = deferreds::succeed(0_u64);
        for _ in 0..1_000_000 {
            d = d.add_callback(|v| Ok::<_, Failure>(v + 1));
        }
        assert_eq!(success_result_of(d), 1_000_000);
    });
}

/// Builds `depth` pending Deferreds where the callback of each returns the next one,
/// and fires them outermost first, so every level waits on the one inside it and the
/// innermost result travels back out through all of them.
#[test]
fn a_hundred_thousand_nested_deferreds_fired_outermost_first() {
    on_small_stack(|| {
        const DEPTH: usize = 100_000;
        let (innermost, innermost_resolver) = Deferred::<usize>::new();
        let mut inner = innermost;
        let mut resolvers = Vec::with_capacity(DEPTH);
        for level in (0..DEPTH).rev() {
            let (d, resolver) = Deferred::<usize>::new();
            let next = inner;
            inner =
                d.add_callback(move |_| next.add_callback(move |v| Ok::<_, Failure>(v + level)));
            resolvers.push(resolver);
        }
        let outermost = inner;
        for resolver in resolvers.into_iter().rev() {
            resolver.callback(0);
            deferreds::testing::assert_no_result(&outermost);
        }
        innermost_resolver.callback(0);
        assert_eq!(success_result_of(outermost), (0..DEPTH).sum::<usize>());
    });
}

/// The same nesting, fired innermost first: each callback returns a Deferred that has
/// already fired, whose result is taken at once.
#[test]
fn a_hundred_thousand_nested_deferreds_fired_innermost_first() {
    on_small_stack(|| {
        const DEPTH: usize = 100_000;
        let mut inner = deferreds::succeed(0_usize);
        let mut resolvers = Vec::with_capacity(DEPTH);
        for _ in 0..DEPTH {
            let (d, resolver) = Deferred::<()>::new();
            let next = inner;
            inner = d.add_callback(move |()| next.add_callback(|v| Ok::<_, Failure>(v + 1)));
            resolvers.push(resolver);
        }
        for resolver in resolvers {
            resolver.callback(());
        }
        assert_eq!(success_result_of(inner), DEPTH);
    });
}

#[test]
fn a_hundred_thousand_chain_deferred_links() {
    on_small_stack(|| {
        const LINKS: usize = 100_000;
        let (first, first_resolver) = Deferred::<u32>::new();
        let mut tail = first.add_callback(|v| Ok::<_, Failure>(v + 1));
        for _ in 0..LINKS {
            let (next, resolver) = Deferred::<u32>::new();
            tail.chain_deferred(resolver);
            tail = next.add_callback(|v| Ok::<_, Failure>(v + 1));
        }
        first_resolver.callback(0);
        assert_eq!(success_result_of(tail), LINKS as u32 + 1);
    });
}

#[test]
fn a_failure_through_a_hundred_thousand_chain_deferred_links() {
    on_small_stack(|| {
        const LINKS: usize = 100_000;
        let (first, first_resolver) = Deferred::<u32>::new();
        let mut tail = first;
        for _ in 0..LINKS {
            let (next, resolver) = Deferred::<u32>::new();
            tail.chain_deferred(resolver);
            tail = next;
        }
        first_resolver.errback(Failure::msg("deep"));
        let failure = deferreds::testing::failure_result_of(tail);
        assert_eq!(failure.to_string(), "deep");
        let steps = failure.trail().len() + failure.omitted_steps();
        assert_eq!(steps, LINKS + 1, "one Entered step per Deferred");
    });
}

#[test]
fn cancelling_the_outermost_of_deeply_nested_deferreds_reaches_the_innermost() {
    on_small_stack(|| {
        const DEPTH: usize = 100_000;
        let cancelled = std::rc::Rc::new(std::cell::Cell::new(0));
        let seen = std::rc::Rc::clone(&cancelled);
        let (innermost, _producer) =
            Deferred::<u8>::with_canceller(move |_| seen.set(seen.get() + 1));
        let mut inner = innermost;
        for _ in 0..DEPTH {
            let next = inner;
            inner = deferreds::succeed(()).add_callback(move |()| next);
        }
        inner.cancel();
        assert_eq!(cancelled.get(), 1);
        let failure = deferreds::testing::failure_result_of(inner);
        assert!(failure.check::<deferreds::CancelledError>());
    });
}
