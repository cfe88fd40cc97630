//! Twisted's `inlineCallbacks` and coroutine tests (twisted/internet/test/test_inlinecb.py,
//! twisted/internet/test/test_defer_await.py, and the coroutine tests of
//! twisted/test/test_defer.py), on `ensure_deferred`.
//!
//! One async block stands for both Twisted forms, a generator under `inlineCallbacks`
//! and an `async def` under `ensureDeferred`: `d.await` is `yield d` / `await d`, a
//! failed Deferred comes back from `.await` as `Err(failure)` where Python throws the
//! exception into the generator, and the block's `Ok`/`Err` is the return or the raise.
//! Twisted's "stacked" cases come in two forms here too: a nested `ensure_deferred`
//! (a task of its own, with its own Deferred) and a plain `async fn` awaited in place.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::error::Error;
use std::fmt;
use std::future::{Future, IntoFuture, poll_fn, ready};
use std::panic::Location;
use std::pin::pin;
use std::rc::{Rc, Weak};
use std::time::Duration;

use deferreds::task::Clock;
use deferreds::testing::{ReportCapture, assert_no_result, failure_result_of, success_result_of};
use deferreds::{
    CancelledError, Deferred, DeferredLock, DeferredSemaphore, Failure, PanicError, Resolver, Time,
    Trace, ensure_deferred, fail, maybe_deferred, succeed,
};

/// Declares a unit error type with a fixed message.
macro_rules! unit_error {
    ($name:ident, $text:literal) => {
        #[derive(Debug)]
        struct $name;

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($text)
            }
        }

        impl Error for $name {}
    };
}

unit_error!(TerminalError, "handled terminal failure");
unit_error!(UntranslatedError, "untranslated");
unit_error!(TranslatedError, "translated");
unit_error!(SampleError, "sample");
unit_error!(ErrorMarker, "Error Marker");

/// Stands for Python's `ZeroDivisionError(msg)`.
#[derive(Debug)]
struct DivisionError(&'static str);

impl fmt::Display for DivisionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Error for DivisionError {}

/// Twisted's `DontFail`: an error carrying the value the coroutine should go on with.
#[derive(Debug)]
struct DontFail(i32);

impl fmt::Display for DontFail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "don't fail: {}", self.0)
    }
}

impl Error for DontFail {}

/// Twisted's `getValueViaDeferred`: `value`, delivered by the clock on its next turn.
fn value_via_deferred<T: 'static>(clock: &Clock, value: T) -> Deferred<T> {
    let (d, resolver) = Deferred::new();
    clock.call_later(Duration::ZERO, move || resolver.callback(value));
    d
}

/// Twisted's `getValueViaCoro`: the same, through an async fn.
async fn value_via_async_fn<T: 'static>(clock: Clock, value: T) -> Result<T, Failure> {
    value_via_deferred(&clock, value).await
}

/// Twisted's `getDivisionFailureCoro`: waits for the clock, then fails.
async fn division_failure_async_fn(clock: Clock, message: &'static str) -> Result<(), Failure> {
    value_via_deferred(&clock, "value").await?;
    Err(DivisionError(message).into())
}

/// Starts `future` as a task and says where: `ensure_deferred`'s caller is this
/// function's caller, so the location is the one the task's Deferred should record.
#[track_caller]
fn start<T: 'static>(
    future: impl Future<Output = Result<T, Failure>> + 'static,
) -> (Deferred<T>, &'static Location<'static>) {
    (ensure_deferred(future), Location::caller())
}

thread_local! {
    static RAISED_AT: Cell<Option<&'static Location<'static>>> = const { Cell::new(None) };
}

/// A failure of `error`, raised at the caller, which is remembered: a test can then
/// check that the failure still names that line after travelling (Twisted's traceback
/// naming the frame that raised).
#[track_caller]
fn raise(error: impl Error + Send + Sync + 'static) -> Failure {
    RAISED_AT.set(Some(Location::caller()));
    Failure::new(error)
}

/// Asserts that `failure` names the place of the latest `raise` as its origin.
fn assert_raised_here(failure: &Failure) {
    assert_eq!(failure.location().file(), file!());
    assert_eq!(Some(failure.location()), RAISED_AT.get());
}

/// Whether a failure's trail records entering the Deferred created at `at`.
fn entered(failure: &Failure, at: &'static Location<'static>) -> bool {
    failure.trail().contains(&Trace::Entered(at))
}

const SMALL_STACK: usize = 256 * 1024;

fn on_small_stack(test: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(test)
        .expect("spawn test thread")
        .join()
        .expect("test thread panicked");
}

// ---------------------------------------------------------------------------------------
// BasicTests (test_inlinecb.py)
// ---------------------------------------------------------------------------------------

// Source: twisted/internet/test/test_inlinecb.py BasicTests.testBasics
#[test]
fn basics() {
    let clock = Clock::new();
    let c = clock.clone();
    let d = ensure_deferred(async move {
        let x = value_via_deferred(&c, "hi").await?;
        assert_eq!(x, "hi");
        let failure = fail::<()>(DivisionError("OMG")).await.expect_err("awaited a failure");
        assert_eq!(failure.trap::<DivisionError>()?.to_string(), "OMG");
        Ok::<_, Failure>("WOOSH")
    });
    assert_no_result(&d);
    clock.advance(Duration::ZERO);
    assert_eq!(success_result_of(d), "WOOSH");
}

// Source: twisted/internet/test/test_inlinecb.py BasicTests.testBasicsAsync
#[test]
fn basics_async() {
    let clock = Clock::new();
    let c = clock.clone();
    let d = ensure_deferred(async move {
        let x = value_via_async_fn(c.clone(), "hi").await?;
        assert_eq!(x, "hi");
        let failure = division_failure_async_fn(c, "OMG").await.expect_err("it fails");
        assert_eq!(failure.trap::<DivisionError>()?.to_string(), "OMG");
        Ok::<_, Failure>("WOOSH")
    });
    assert_no_result(&d);
    // The second value is scheduled while the clock runs the first, at the same time, so
    // one turn of the clock runs both.
    clock.advance(Duration::ZERO);
    assert_eq!(success_result_of(d), "WOOSH");
}

// Source: twisted/internet/test/test_inlinecb.py BasicTests.testProducesException
// DIFFERENCE: Python's `1 / 0` raises; integer division by zero in Rust panics, so the
// error is returned instead (a panic is in a_panic_fails_the_deferred_with_panic_error).
#[test]
fn produces_exception() {
    let clock = Clock::new();
    let c = clock.clone();
    let d = ensure_deferred(async move {
        value_via_deferred(&c, "hi").await?;
        Err::<(), _>(Failure::new(DivisionError("division by zero")))
    });
    clock.advance(Duration::ZERO);
    assert!(failure_result_of(d).check::<DivisionError>());
}

// Source: twisted/internet/test/test_inlinecb.py BasicTests.testNothing
#[test]
fn nothing() {
    let d = ensure_deferred(async { Ok::<_, Failure>(()) });
    success_result_of(d);
}

// Source: twisted/internet/test/test_inlinecb.py BasicTests.testHandledTerminalFailure
#[test]
fn handled_terminal_failure() {
    let d = ensure_deferred(async {
        if let Err(failure) = fail::<()>(TerminalError).await {
            failure.trap::<TerminalError>()?;
        }
        Ok::<_, Failure>(())
    });
    success_result_of(d);
}

// Source: twisted/internet/test/test_inlinecb.py BasicTests.testHandledTerminalAsyncFailure
#[test]
fn handled_terminal_async_failure() {
    let (awaited, resolver) = Deferred::<()>::new();
    let d = ensure_deferred(async move {
        if let Err(failure) = awaited.await {
            failure.trap::<TerminalError>()?;
        }
        Ok::<_, Failure>(())
    });
    resolver.errback(TerminalError);
    success_result_of(d);
}

// Source: twisted/internet/test/test_inlinecb.py BasicTests.testHandledCoroAsyncFailure
#[test]
fn handled_coro_async_failure() {
    async fn coro(d: Deferred<()>) -> Result<(), Failure> {
        d.await
    }
    let (awaited, resolver) = Deferred::<()>::new();
    let d = ensure_deferred(async move {
        if let Err(failure) = coro(awaited).await {
            failure.trap::<TerminalError>()?;
        }
        Ok::<_, Failure>(())
    });
    resolver.errback(TerminalError);
    success_result_of(d);
}

// Source: twisted/internet/test/test_inlinecb.py BasicTests.testStackUsage
// DIFFERENCE: 100 000 fired Deferreds instead of 5 000, on a 256 KiB stack, so a task
// that recursed per await would overflow.
#[test]
fn stack_usage() {
    on_small_stack(|| {
        let d = ensure_deferred(async {
            for _ in 0..100_000 {
                succeed(1).await?;
            }
            Ok::<_, Failure>(0)
        });
        assert_eq!(success_result_of(d), 0);
    });
}

// Source: twisted/internet/test/test_inlinecb.py BasicTests.testStackUsage2
// DIFFERENCE: a plain value cannot be awaited; the nearest thing, a future that is
// ready at once, is awaited 100 000 times on a 256 KiB stack.
#[test]
fn stack_usage_2() {
    on_small_stack(|| {
        let d = ensure_deferred(async {
            for _ in 0..100_000 {
                ready(1).await;
            }
            Ok::<_, Failure>(0)
        });
        assert_eq!(success_result_of(d), 0);
    });
}

// Source: twisted/internet/test/test_inlinecb.py BasicTests.testReturnNoValue
#[test]
fn return_no_value() {
    let d = ensure_deferred(async {
        succeed(5).await?;
        Ok::<_, Failure>(())
    });
    success_result_of(d);
}

// Source: twisted/internet/test/test_inlinecb.py BasicTests.test_internalStopIterationDoesntLeak
// DIFFERENCE: Twisted checks the formatted traceback for its generator machinery; here
// a failure raised after awaiting a finished task carries nothing of that task: it was
// created where it was raised and has entered no Deferred yet.
#[test]
fn internal_stop_iteration_doesnt_leak() {
    let clock = Clock::new();
    let c = clock.clone();
    let returns = ensure_deferred(async move {
        value_via_deferred(&c, ()).await?;
        Ok::<_, Failure>(6)
    });
    let raises = ensure_deferred(async move {
        returns.await?;
        Ok::<_, Failure>(raise(TerminalError))
    });
    clock.advance(Duration::ZERO);
    let raised = success_result_of(raises);
    assert_raised_here(&raised);
    assert!(raised.trail().is_empty());
}

// Source: twisted/internet/test/test_inlinecb.py BasicTests.test_inlineCallbacksNoCircularReference
#[test]
fn inline_callbacks_no_circular_reference() {
    let obj = Rc::new(RefCell::new(Vec::<i32>::new()));
    let obj_weak = Rc::downgrade(&obj);
    let (d, resolver) = Deferred::<()>::new();
    let func_d = ensure_deferred(async move {
        d.await?;
        Ok::<_, Failure>(obj)
    });
    resolver.callback(());
    let result = success_result_of(func_d);
    assert!(Rc::ptr_eq(&result, &obj_weak.upgrade().expect("alive while held")));
    drop(result);
    assert!(obj_weak.upgrade().is_none(), "the finished task still holds its argument");
}

// ---------------------------------------------------------------------------------------
// StopIterationReturnTests (test_inlinecb.py)
// ---------------------------------------------------------------------------------------

// Source: twisted/internet/test/test_inlinecb.py StopIterationReturnTests.test_returnWithValue
#[test]
fn return_with_value() {
    let (d1, resolver) = Deferred::<()>::new();
    let d2 = ensure_deferred(async move {
        d1.await?;
        Ok::<_, Failure>(14)
    });
    resolver.callback(());
    assert_eq!(success_result_of(d2), 14);
}

// ---------------------------------------------------------------------------------------
// StackedInlineCallbacksTests (test_inlinecb.py)
// ---------------------------------------------------------------------------------------

/// A Deferred a function waits on, and what it is to be fired with.
type Waiting = (Resolver<i32>, Result<i32, Failure>);

/// Twisted's `expectations` and `deferredList`: what the functions did, and the
/// Deferreds they wait on.
#[derive(Clone, Default)]
struct Stack {
    log: Rc<RefCell<Vec<(&'static str, i32)>>>,
    waiting: Rc<RefCell<VecDeque<Waiting>>>,
}

impl Stack {
    fn note(&self, what: &'static str, x: i32) {
        self.log.borrow_mut().push((what, x));
    }

    fn entries(&self) -> Vec<(&'static str, i32)> {
        self.log.borrow().clone()
    }

    /// A pending Deferred, to be fired with `result` by `fire_all`.
    fn wait(&self, result: Result<i32, Failure>) -> Deferred<i32> {
        let (d, resolver) = Deferred::new();
        self.waiting.borrow_mut().push_back((resolver, result));
        d
    }

    /// Twisted's `runCallbacksOnDeferreds`: fires the waiting Deferreds in order,
    /// including those that firing makes the functions wait on.
    fn fire_all(&self) {
        loop {
            let next = self.waiting.borrow_mut().pop_front();
            let Some((resolver, result)) = next else { break };
            resolver.resolve(result);
        }
    }

    /// Twisted's `f1`: waits on a Deferred fired with its argument, and adds one.
    fn f1(&self, x: i32) -> Deferred<i32> {
        let s = self.clone();
        ensure_deferred(async move {
            s.note("f1 enter", x);
            let x = s.wait(Ok(x)).await? + 1;
            s.note("f1 exit", x);
            Ok(x)
        })
    }

    /// Twisted's `f2` of the callback tests: a plain function adding two.
    fn add_two(&self, x: i32) -> i32 {
        self.note("f2 enter", x);
        let x = x + 2;
        self.note("f2 exit", x);
        x
    }
}

// Source: twisted/internet/test/test_inlinecb.py StackedInlineCallbacksTests.test_nonCalledDeferredSingleYield
#[test]
fn non_called_deferred_single_yield() {
    fn f2(s: &Stack, x: i32) -> Deferred<i32> {
        let s = s.clone();
        ensure_deferred(async move {
            s.note("f2 enter", x);
            let x = s.f1(x).await? + 2;
            s.note("f2 exit", x);
            Ok(x)
        })
    }
    fn f3(s: &Stack, x: i32) -> Deferred<i32> {
        let s = s.clone();
        ensure_deferred(async move {
            s.note("f3 enter", x);
            let x = f2(&s, x).await? + 4;
            s.note("f3 exit", x);
            Ok(x)
        })
    }
    let s = Stack::default();
    let res = f3(&s, 1);
    s.fire_all();
    assert_eq!(success_result_of(res), 8);
    assert_eq!(
        s.entries(),
        [
            ("f3 enter", 1),
            ("f2 enter", 1),
            ("f1 enter", 1),
            ("f1 exit", 2),
            ("f2 exit", 4),
            ("f3 exit", 8)
        ]
    );
}

// Source: twisted/internet/test/test_inlinecb.py StackedInlineCallbacksTests.test_nonCalledDeferredSingleYieldCoro
#[test]
fn non_called_deferred_single_yield_coro() {
    async fn f2(s: Stack, x: i32) -> Result<i32, Failure> {
        s.note("f2 enter", x);
        let x = s.f1(x).await? + 2;
        s.note("f2 exit", x);
        Ok(x)
    }
    fn f3(s: &Stack, x: i32) -> Deferred<i32> {
        let s = s.clone();
        ensure_deferred(async move {
            s.note("f3 enter", x);
            let x = f2(s.clone(), x).await? + 4;
            s.note("f3 exit", x);
            Ok(x)
        })
    }
    let s = Stack::default();
    let res = f3(&s, 1);
    s.fire_all();
    assert_eq!(success_result_of(res), 8);
    assert_eq!(
        s.entries(),
        [
            ("f3 enter", 1),
            ("f2 enter", 1),
            ("f1 enter", 1),
            ("f1 exit", 2),
            ("f2 exit", 4),
            ("f3 exit", 8)
        ]
    );
}

/// The log of Twisted's two multiple-yields tests: `f3` runs `f2` three times, each of
/// which runs `f1` three times.
const MULTIPLE_YIELDS_LOG: [(&str, i32); 26] = [
    ("f3 enter", 1),
    ("f2 enter", 1),
    ("f1 enter", 1),
    ("f1 exit", 2),
    ("f1 enter", 2),
    ("f1 exit", 3),
    ("f1 enter", 3),
    ("f1 exit", 4),
    ("f2 exit", 6),
    ("f2 enter", 6),
    ("f1 enter", 6),
    ("f1 exit", 7),
    ("f1 enter", 7),
    ("f1 exit", 8),
    ("f1 enter", 8),
    ("f1 exit", 9),
    ("f2 exit", 11),
    ("f2 enter", 11),
    ("f1 enter", 11),
    ("f1 exit", 12),
    ("f1 enter", 12),
    ("f1 exit", 13),
    ("f1 enter", 13),
    ("f1 exit", 14),
    ("f2 exit", 16),
    ("f3 exit", 20),
];

// Source: twisted/internet/test/test_inlinecb.py StackedInlineCallbacksTests.test_nonCalledDeferredMultipleYields
#[test]
fn non_called_deferred_multiple_yields() {
    fn f2(s: &Stack, x: i32) -> Deferred<i32> {
        let s = s.clone();
        ensure_deferred(async move {
            s.note("f2 enter", x);
            let x = s.f1(x).await?;
            let x = s.f1(x).await?;
            let x = s.f1(x).await? + 2;
            s.note("f2 exit", x);
            Ok(x)
        })
    }
    fn f3(s: &Stack, x: i32) -> Deferred<i32> {
        let s = s.clone();
        ensure_deferred(async move {
            s.note("f3 enter", x);
            let x = f2(&s, x).await?;
            let x = f2(&s, x).await?;
            let x = f2(&s, x).await? + 4;
            s.note("f3 exit", x);
            Ok(x)
        })
    }
    let s = Stack::default();
    let res = f3(&s, 1);
    s.fire_all();
    assert_eq!(success_result_of(res), 20);
    assert_eq!(s.entries(), MULTIPLE_YIELDS_LOG);
}

// Source: twisted/internet/test/test_inlinecb.py StackedInlineCallbacksTests.test_nonCalledDeferredMultipleYieldsCoro
#[test]
fn non_called_deferred_multiple_yields_coro() {
    async fn f2(s: Stack, x: i32) -> Result<i32, Failure> {
        s.note("f2 enter", x);
        let x = s.f1(x).await?;
        let x = s.f1(x).await?;
        let x = s.f1(x).await? + 2;
        s.note("f2 exit", x);
        Ok(x)
    }
    fn f3(s: &Stack, x: i32) -> Deferred<i32> {
        let s = s.clone();
        ensure_deferred(async move {
            s.note("f3 enter", x);
            let x = f2(s.clone(), x).await?;
            let x = f2(s.clone(), x).await?;
            let x = f2(s.clone(), x).await? + 4;
            s.note("f3 exit", x);
            Ok(x)
        })
    }
    let s = Stack::default();
    let res = f3(&s, 1);
    s.fire_all();
    assert_eq!(success_result_of(res), 20);
    assert_eq!(s.entries(), MULTIPLE_YIELDS_LOG);
}

// Source: twisted/internet/test/test_inlinecb.py StackedInlineCallbacksTests.test_intermediateAddCallbacksAndNoWaiting
// DIFFERENCE: `f1` yields a plain value in Twisted; here it awaits a ready future.
#[test]
fn intermediate_add_callbacks_and_no_waiting() {
    fn f1(s: &Stack, x: i32) -> Deferred<i32> {
        let s = s.clone();
        ensure_deferred(async move {
            s.note("f1 enter", x);
            let x = ready(x).await + 1;
            s.note("f1 exit", x);
            Ok(x)
        })
    }
    fn f3(s: &Stack, x: i32) -> Deferred<i32> {
        let s = s.clone();
        ensure_deferred(async move {
            s.note("f3 enter", x);
            let t = s.clone();
            let d = f1(&s, x).add_callback(move |x| Ok::<_, Failure>(t.add_two(x)));
            let x = d.await? + 4;
            s.note("f3 exit", x);
            Ok(x)
        })
    }
    let s = Stack::default();
    assert_eq!(success_result_of(f3(&s, 1)), 8);
    assert_eq!(
        s.entries(),
        [
            ("f3 enter", 1),
            ("f1 enter", 1),
            ("f1 exit", 2),
            ("f2 enter", 2),
            ("f2 exit", 4),
            ("f3 exit", 8)
        ]
    );
}

// Source: twisted/internet/test/test_inlinecb.py StackedInlineCallbacksTests.test_intermediateAddCallbacksAndWithWaitingFirstYield
#[test]
fn intermediate_add_callbacks_and_with_waiting_first_yield() {
    fn f3(s: &Stack, x: i32) -> Deferred<i32> {
        let s = s.clone();
        ensure_deferred(async move {
            s.note("f3 enter", x);
            let t = s.clone();
            let d = s.f1(x).add_callback(move |x| Ok::<_, Failure>(t.add_two(x)));
            let x = d.await? + 4;
            s.note("f3 exit", x);
            Ok(x)
        })
    }
    let s = Stack::default();
    let res = f3(&s, 1);
    s.fire_all();
    assert_eq!(success_result_of(res), 8);
    assert_eq!(
        s.entries(),
        [
            ("f3 enter", 1),
            ("f1 enter", 1),
            ("f1 exit", 2),
            ("f2 enter", 2),
            ("f2 exit", 4),
            ("f3 exit", 8)
        ]
    );
}

// Source: twisted/internet/test/test_inlinecb.py StackedInlineCallbacksTests.test_intermediateAddCallbacksAndWithWaitingSecondYield
#[test]
fn intermediate_add_callbacks_and_with_waiting_second_yield() {
    fn f3(s: &Stack, x: i32) -> Deferred<i32> {
        let s = s.clone();
        ensure_deferred(async move {
            s.note("f3 enter", x);
            let x = s.f1(x).await?;
            let t = s.clone();
            let d = s.f1(x).add_callback(move |x| Ok::<_, Failure>(t.add_two(x)));
            let x = d.await? + 4;
            s.note("f3 exit", x);
            Ok(x)
        })
    }
    let s = Stack::default();
    let res = f3(&s, 1);
    s.fire_all();
    assert_eq!(success_result_of(res), 9);
    assert_eq!(
        s.entries(),
        [
            ("f3 enter", 1),
            ("f1 enter", 1),
            ("f1 exit", 2),
            ("f1 enter", 2),
            ("f1 exit", 3),
            ("f2 enter", 3),
            ("f2 exit", 5),
            ("f3 exit", 9)
        ]
    );
}

unit_error!(MyError, "my error");

/// Twisted's failing `f2`: waits on a Deferred that fails with `MyError`.
fn failing_f2(s: &Stack, x: i32) -> Deferred<i32> {
    let s = s.clone();
    ensure_deferred(async move {
        s.note("f2 enter", x);
        let x = s.wait(Err(MyError.into())).await?;
        s.note("f2 exit", x);
        Ok(x)
    })
}

// Source: twisted/internet/test/test_inlinecb.py StackedInlineCallbacksTests.test_raisesExceptionFromDeferredWithWaitingFirstCallback
#[test]
fn raises_exception_from_deferred_with_waiting_first_callback() {
    fn f3(s: &Stack, x: i32) -> Deferred<i32> {
        let s = s.clone();
        ensure_deferred(async move {
            s.note("f3 enter", x);
            let raised = failing_f2(&s, x).await.expect_err("f2 raises");
            assert!(raised.check::<MyError>());
            let x = x + 4;
            s.note("f3 exit", x);
            Ok(x)
        })
    }
    let s = Stack::default();
    let res = f3(&s, 1);
    s.fire_all();
    assert_eq!(success_result_of(res), 5);
    assert_eq!(s.entries(), [("f3 enter", 1), ("f2 enter", 1), ("f3 exit", 5)]);
}

// Source: twisted/internet/test/test_inlinecb.py StackedInlineCallbacksTests.test_raisesExceptionFromDeferredWithWaitingSecondCallback
#[test]
fn raises_exception_from_deferred_with_waiting_second_callback() {
    fn f3(s: &Stack, x: i32) -> Deferred<i32> {
        let s = s.clone();
        ensure_deferred(async move {
            s.note("f3 enter", x);
            let x = s.f1(x).await?;
            let raised = failing_f2(&s, x).await.expect_err("f2 raises");
            assert!(raised.check::<MyError>());
            let x = x + 4;
            s.note("f3 exit", x);
            Ok(x)
        })
    }
    let s = Stack::default();
    let res = f3(&s, 1);
    s.fire_all();
    assert_eq!(success_result_of(res), 6);
    assert_eq!(
        s.entries(),
        [("f3 enter", 1), ("f1 enter", 1), ("f1 exit", 2), ("f2 enter", 2), ("f3 exit", 6)]
    );
}

// ---------------------------------------------------------------------------------------
// ForwardTraceBackTests (test_inlinecb.py)
//
// Twisted's traceback names each generator the exception went through. A Failure's
// counterpart is its origin (where it was raised) and its trail, in which every task it
// went through appears as the Deferred that task's `ensure_deferred` call created.
// ---------------------------------------------------------------------------------------

/// Twisted's `erroring`: a task that fails after a first await.
#[track_caller]
fn erroring() -> (Deferred<()>, &'static Location<'static>) {
    start(async {
        ready(()).await;
        Err::<(), _>(raise(ErrorMarker))
    })
}

/// Asserts that `failure` is the "Error Marker", still naming the line of this file
/// that raised it, and that it went through a Deferred created at each of `tasks`.
fn assert_forwarded(failure: &Failure, tasks: &[&'static Location<'static>]) {
    assert!(failure.check::<ErrorMarker>());
    assert_raised_here(failure);
    for &at in tasks {
        assert!(entered(failure, at), "the trail does not name the task started at {at}:\n{}", {
            failure.report()
        });
    }
}

// Source: twisted/internet/test/test_inlinecb.py ForwardTraceBackTests.test_forwardTracebacks
#[test]
fn forward_tracebacks() {
    let (erroring, erroring_at) = erroring();
    let (calling, calling_at) = start(async move { erroring.await });
    assert_forwarded(&failure_result_of(calling), &[erroring_at, calling_at]);
}

// Source: twisted/internet/test/test_inlinecb.py ForwardTraceBackTests.test_forwardTracebacksCoro
// DIFFERENCE: an async fn awaited in place is no Deferred of its own, so only the task
// that awaits it appears in the trail; the origin still names the async fn's line.
#[test]
fn forward_tracebacks_coro() {
    async fn erroring(clock: Clock) -> Result<(), Failure> {
        value_via_deferred(&clock, "value").await?;
        Err(raise(ErrorMarker))
    }
    let clock = Clock::new();
    let c = clock.clone();
    let (calling, calling_at) = start(async move { erroring(c).await });
    clock.advance(Duration::ZERO);
    assert_forwarded(&failure_result_of(calling), &[calling_at]);
}

// Source: twisted/internet/test/test_inlinecb.py ForwardTraceBackTests.test_forwardLotsOfTracebacks
#[test]
fn forward_lots_of_tracebacks() {
    let (erroring, erroring_at) = erroring();
    let (calling3, calling3_at) = start(async move { erroring.await });
    let (calling2, calling2_at) = start(async move { calling3.await });
    let (calling, calling_at) = start(async move { calling2.await });
    let failure = failure_result_of(calling);
    assert_forwarded(&failure, &[erroring_at, calling3_at, calling2_at, calling_at]);
}

// Source: twisted/internet/test/test_inlinecb.py ForwardTraceBackTests.test_forwardLotsOfTracebacksCoro
// DIFFERENCE: `calling3` is an async fn awaited in place, so it has no Deferred of its
// own in the trail; the three tasks around it do.
#[test]
fn forward_lots_of_tracebacks_coro() {
    async fn calling3(erroring: Deferred<()>) -> Result<(), Failure> {
        erroring.await
    }
    let (erroring, erroring_at) = erroring();
    let (calling2, calling2_at) = start(calling3(erroring));
    let (calling, calling_at) = start(async move { calling2.await });
    let failure = failure_result_of(calling);
    assert_forwarded(&failure, &[erroring_at, calling2_at, calling_at]);
}

// ---------------------------------------------------------------------------------------
// CancellationTests (test_inlinecb.py)
//
// G is the task, D the Deferred `ensure_deferred` returned for it, C the Deferred G
// awaits when D is cancelled.
// ---------------------------------------------------------------------------------------

/// How the sample task reaches C (Twisted's `CancellationTestsStackedType`).
#[derive(Clone, Copy)]
enum Stacked {
    /// G awaits C itself.
    No,
    /// G awaits a task of its own (a nested `ensure_deferred`) that awaits C.
    Task,
    /// G awaits an async fn, in place, that awaits C.
    AsyncFn,
}

async fn stacked_async_fn(child: impl FnOnce() -> Deferred<i32>) -> Result<i32, Failure> {
    child().await
}

/// Twisted's `sampleInlineCB`: awaits `first` if given, then C (as `stacked` says);
/// turns an `UntranslatedError` into a `TranslatedError` and a `DontFail(n)` into the
/// value `n - 2`; and adds one.
fn sample(
    stacked: Stacked,
    child: impl FnOnce() -> Deferred<i32> + 'static,
    first: Option<Deferred<i32>>,
) -> Deferred<i32> {
    ensure_deferred(async move {
        let awaited = async {
            if let Some(first) = first {
                first.await?;
            }
            match stacked {
                Stacked::No => child().await,
                Stacked::Task => ensure_deferred(async move { child().await }).await,
                Stacked::AsyncFn => stacked_async_fn(child).await,
            }
        }
        .await;
        let x = match awaited {
            Ok(x) => x,
            Err(failure) if failure.check::<UntranslatedError>() => {
                return Err(TranslatedError.into());
            }
            Err(failure) => match failure.downcast_ref::<DontFail>() {
                Some(DontFail(actual)) => actual - 2,
                None => return Err(failure),
            },
        };
        Ok::<_, Failure>(x + 1)
    })
}

/// Twisted's `getDeferred`: pending Deferreds whose resolvers live as long as this.
#[derive(Clone, Default)]
struct Outstanding(Rc<RefCell<Vec<Resolver<i32>>>>);

impl Outstanding {
    fn get(&self) -> Deferred<i32> {
        let (d, resolver) = Deferred::new();
        self.0.borrow_mut().push(resolver);
        d
    }
}

/// The optional first Deferred the task awaits before C, and its resolver.
fn first_deferred(on_second: bool) -> (Option<Deferred<i32>>, Option<Resolver<i32>>) {
    if on_second {
        let (d, resolver) = Deferred::new();
        (Some(d), Some(resolver))
    } else {
        (None, None)
    }
}

/// Twisted's `doCascadeCancellingOnCancel`: cancelling D cancels C at once.
fn cascade_cancelling_on_cancel(stacked: Stacked, on_second: bool) {
    let _capture = ReportCapture::start();
    let outstanding = Outstanding::default();
    let child_saw_cancel = Rc::new(Cell::new(false));
    let saw = Rc::clone(&child_saw_cancel);
    let get = outstanding.clone();
    let child = move || {
        get.get().add_errback(move |failure| {
            saw.set(failure.check::<CancelledError>());
            Err(failure)
        })
    };
    let (first, fire_first) = first_deferred(on_second);
    let d = sample(stacked, child, first).add_errback(|_| Ok(0));
    if let Some(resolver) = fire_first {
        resolver.callback(1);
    }
    d.cancel();
    assert!(child_saw_cancel.get(), "no cascade cancelling occurs");
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_CascadeCancellingOnCancelNotStacked
#[test]
fn cascade_cancelling_on_cancel_not_stacked() {
    cascade_cancelling_on_cancel(Stacked::No, false);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_CascadeCancellingOnCancelStackedInlineCb
#[test]
fn cascade_cancelling_on_cancel_stacked_inline_cb() {
    cascade_cancelling_on_cancel(Stacked::Task, false);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_CascadeCancellingOnCancelStackedInlineCbOnSecondDeferred
#[test]
fn cascade_cancelling_on_cancel_stacked_inline_cb_on_second_deferred() {
    cascade_cancelling_on_cancel(Stacked::Task, true);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_CascadeCancellingOnCancelStackedCoro
#[test]
fn cascade_cancelling_on_cancel_stacked_coro() {
    cascade_cancelling_on_cancel(Stacked::AsyncFn, false);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_CascadeCancellingOnCancelStackedCoroOnSecondDeferred
#[test]
fn cascade_cancelling_on_cancel_stacked_coro_on_second_deferred() {
    cascade_cancelling_on_cancel(Stacked::AsyncFn, true);
}

/// Twisted's `doErrbackCancelledErrorOnCancel`: C's `CancelledError` fails D.
fn errback_cancelled_error_on_cancel(stacked: Stacked, on_second: bool) {
    let _capture = ReportCapture::start();
    let outstanding = Outstanding::default();
    let get = outstanding.clone();
    let (first, fire_first) = first_deferred(on_second);
    let d = sample(stacked, move || get.get(), first);
    if let Some(resolver) = fire_first {
        resolver.callback(1);
    }
    d.cancel();
    assert!(failure_result_of(d).check::<CancelledError>());
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_ErrbackCancelledErrorOnCancel
#[test]
fn errback_cancelled_error_on_cancel_not_stacked() {
    errback_cancelled_error_on_cancel(Stacked::No, false);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_ErrbackCancelledErrorOnCancelStackedInlineCb
#[test]
fn errback_cancelled_error_on_cancel_stacked_inline_cb() {
    errback_cancelled_error_on_cancel(Stacked::Task, false);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_ErrbackCancelledErrorOnCancelStackedInlineCbOnSecondDeferred
#[test]
fn errback_cancelled_error_on_cancel_stacked_inline_cb_on_second_deferred() {
    errback_cancelled_error_on_cancel(Stacked::Task, true);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_ErrbackCancelledErrorOnCancelStackedCoro
#[test]
fn errback_cancelled_error_on_cancel_stacked_coro() {
    errback_cancelled_error_on_cancel(Stacked::AsyncFn, false);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_ErrbackCancelledErrorOnCancelStackedCoroOnSecondDeferred
#[test]
fn errback_cancelled_error_on_cancel_stacked_coro_on_second_deferred() {
    errback_cancelled_error_on_cancel(Stacked::AsyncFn, true);
}

/// Twisted's `doErrorToErrorTranslation`: C's canceller fails it with an error that G
/// catches and replaces with another, which D fails with.
fn error_to_error_translation(stacked: Stacked, on_second: bool) {
    let _capture = ReportCapture::start();
    let (a, _producer) = Deferred::<i32>::with_canceller(|it| it.errback(UntranslatedError));
    let (first, fire_first) = first_deferred(on_second);
    let d = sample(stacked, move || a, first);
    if let Some(resolver) = fire_first {
        resolver.callback(1);
    }
    d.cancel();
    assert!(failure_result_of(d).check::<TranslatedError>());
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_ErrorToErrorTranslation
#[test]
fn error_to_error_translation_not_stacked() {
    error_to_error_translation(Stacked::No, false);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_ErrorToErrorTranslationStackedInlineCb
#[test]
fn error_to_error_translation_stacked_inline_cb() {
    error_to_error_translation(Stacked::Task, false);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_ErrorToErrorTranslationStackedInlineCbOnSecondDeferred
#[test]
fn error_to_error_translation_stacked_inline_cb_on_second_deferred() {
    error_to_error_translation(Stacked::Task, true);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_ErrorToErrorTranslationStackedCoro
#[test]
fn error_to_error_translation_stacked_coro() {
    error_to_error_translation(Stacked::AsyncFn, false);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_ErrorToErrorTranslationStackedCoroOnSecondDeferred
#[test]
fn error_to_error_translation_stacked_coro_on_second_deferred() {
    error_to_error_translation(Stacked::AsyncFn, true);
}

/// Twisted's `doErrorToSuccessTranslation`: C's canceller fails it with an error that G
/// turns into a value, and D's callbacks get that value during the cancel.
fn error_to_success_translation(stacked: Stacked, on_second: bool) {
    let _capture = ReportCapture::start();
    let (a, _producer) = Deferred::<i32>::with_canceller(|it| it.errback(DontFail(4321)));
    let (first, fire_first) = first_deferred(on_second);
    let results = Rc::new(RefCell::new(Vec::new()));
    let seen = Rc::clone(&results);
    let d = sample(stacked, move || a, first).add_callback(move |x| {
        seen.borrow_mut().push(x);
        Ok::<_, Failure>(())
    });
    if let Some(resolver) = fire_first {
        resolver.callback(1);
    }
    d.cancel();
    assert_eq!(*results.borrow(), [4320]);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_ErrorToSuccessTranslation
#[test]
fn error_to_success_translation_not_stacked() {
    error_to_success_translation(Stacked::No, false);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_ErrorToSuccessTranslationStackedInlineCb
#[test]
fn error_to_success_translation_stacked_inline_cb() {
    error_to_success_translation(Stacked::Task, false);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_ErrorToSuccessTranslationStackedInlineCbOnSecondDeferred
#[test]
fn error_to_success_translation_stacked_inline_cb_on_second_deferred() {
    error_to_success_translation(Stacked::Task, true);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_ErrorToSuccessTranslationStackedCoro
#[test]
fn error_to_success_translation_stacked_coro() {
    error_to_success_translation(Stacked::AsyncFn, false);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_ErrorToSuccessTranslationStackedCoroOnSecondDeferred
#[test]
fn error_to_success_translation_stacked_coro_on_second_deferred() {
    error_to_success_translation(Stacked::AsyncFn, true);
}

/// Twisted's `doAsynchronousCancellation`: C's errback answers the cancellation with
/// another Deferred, so D has no result until that one fires, and then G goes on.
fn asynchronous_cancellation(stacked: Stacked, on_second: bool) {
    let _capture = ReportCapture::start();
    let outstanding = Outstanding::default();
    let (more, more_resolver) = Deferred::<i32>::new();
    let get = outstanding.clone();
    let defer_me =
        move || {
            get.get().add_errback(move |failure| {
                if failure.check::<CancelledError>() { more } else { fail(failure) }
            })
        };
    let (first, fire_first) = first_deferred(on_second);
    let d = sample(stacked, defer_me, first);
    if let Some(resolver) = fire_first {
        resolver.callback(1);
    }
    d.cancel();
    assert_no_result(&d);
    more_resolver.callback(6543);
    assert_eq!(success_result_of(d), 6544);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_AsynchronousCancellation
#[test]
fn asynchronous_cancellation_not_stacked() {
    asynchronous_cancellation(Stacked::No, false);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_AsynchronousCancellationStackedInlineCb
#[test]
fn asynchronous_cancellation_stacked_inline_cb() {
    asynchronous_cancellation(Stacked::Task, false);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_AsynchronousCancellationStackedInlineCbOnSecondDeferred
#[test]
fn asynchronous_cancellation_stacked_inline_cb_on_second_deferred() {
    asynchronous_cancellation(Stacked::Task, true);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_AsynchronousCancellationStackedCoro
#[test]
fn asynchronous_cancellation_stacked_coro() {
    asynchronous_cancellation(Stacked::AsyncFn, false);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_AsynchronousCancellationStackedCoroOnSecondDeferred
#[test]
fn asynchronous_cancellation_stacked_coro_on_second_deferred() {
    asynchronous_cancellation(Stacked::AsyncFn, true);
}

// Source: twisted/internet/test/test_inlinecb.py CancellationTests.test_inlineCallbacksCancelCaptured
#[test]
fn inline_callbacks_cancel_captured() {
    let _capture = ReportCapture::start();
    let (calls1, calls2) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
    let (c1, c2) = (Rc::clone(&calls1), Rc::clone(&calls2));
    let (d1, _producer1) = Deferred::<()>::with_canceller(move |_| c1.set(c1.get() + 1));
    let (d2, _producer2) = Deferred::<()>::with_canceller(move |_| c2.set(c2.get() + 1));
    let func_d = ensure_deferred(async move {
        let _ = d1.await;
        d2.await
    });
    assert_no_result(&func_d);
    assert_eq!((calls1.get(), calls2.get()), (0, 0));

    // The first cancel lands in d1; the task catches it and goes on to await d2.
    func_d.cancel();
    assert_eq!((calls1.get(), calls2.get()), (1, 0));
    assert_no_result(&func_d);

    // The second lands in d2, which the task does not catch.
    func_d.cancel();
    assert!(failure_result_of(func_d).check::<CancelledError>());
    assert_eq!((calls1.get(), calls2.get()), (1, 1));
}

// ---------------------------------------------------------------------------------------
// Coroutine tests of test_defer.py: DeferredTests, EnsureDeferredTests,
// InlineCallbackTests, CoroutineContextVarsTests
// ---------------------------------------------------------------------------------------

// Source: twisted/test/test_defer.py DeferredTests.test_maybeDeferredCoroutineSuccess
// DIFFERENCE: maybe_deferred cannot tell at run time that a function returned a
// coroutine; a function whose result is a future (not an outcome) does not compile, so
// the function runs its async block through ensure_deferred itself.
#[test]
fn maybe_deferred_coroutine_success() {
    async fn f() -> Result<i32, Failure> {
        Ok(7)
    }
    let coroutine_deferred: Deferred<i32> = maybe_deferred(|| ensure_deferred(f()));
    assert_eq!(success_result_of(coroutine_deferred), 7);
}

// Source: twisted/test/test_defer.py DeferredTests.test_maybeDeferredCoroutineSuccessIndirect
// DIFFERENCE: as in maybe_deferred_coroutine_success, `g` hands back the Deferred of
// `f`'s future rather than the bare coroutine.
#[test]
fn maybe_deferred_coroutine_success_indirect() {
    async fn f() -> Result<i32, Failure> {
        Ok(7)
    }
    fn g() -> Deferred<i32> {
        ensure_deferred(f())
    }
    let modified = maybe_deferred(g).add_callback(|result| Ok::<_, Failure>(result + 1));
    assert_eq!(success_result_of(modified), 8);
}

// Source: twisted/test/test_defer.py DeferredTests.test_maybeDeferredCoroutineFailure
// DIFFERENCE: as in maybe_deferred_coroutine_success.
#[test]
fn maybe_deferred_coroutine_failure() {
    async fn f() -> Result<(), Failure> {
        Err(SampleError.into())
    }
    fn g() -> Deferred<()> {
        ensure_deferred(f())
    }
    assert!(failure_result_of(maybe_deferred(g)).check::<SampleError>());
}

// Source: twisted/test/test_defer.py DeferredTests.test_fromCoroutine
#[test]
fn from_coroutine() {
    async fn returns_int() -> Result<i32, Failure> {
        Ok(1)
    }
    // The annotation is the type check Twisted makes with assert_type.
    let d: Deferred<i32> = ensure_deferred(returns_int());
    assert_eq!(success_result_of(d), 1);
}

// Source: twisted/test/test_defer.py EnsureDeferredTests.test_ensureDeferredCoroutine
#[test]
fn ensure_deferred_coroutine() {
    async fn run() -> Result<&'static str, Failure> {
        let d = succeed("foo");
        let res = d.await?;
        Ok(res)
    }
    let d: Deferred<&str> = ensure_deferred(run());
    assert_eq!(success_result_of(d), "foo");
}

// Source: twisted/test/test_defer.py InlineCallbackTests.test_coroutineNoCircularReference
#[test]
fn coroutine_no_circular_reference() {
    async fn func(a: Rc<RefCell<Vec<i32>>>) -> Result<Rc<RefCell<Vec<i32>>>, Failure> {
        Ok(a)
    }
    let obj = Rc::new(RefCell::new(Vec::new()));
    let obj_weak: Weak<_> = Rc::downgrade(&obj);
    let result = success_result_of(ensure_deferred(func(obj)));
    assert_eq!(Rc::strong_count(&result), 1, "only the result holds the object");
    drop(result);
    assert!(obj_weak.upgrade().is_none());
}

// Source: twisted/test/test_defer.py CoroutineContextVarsTests.test_asyncWithLock
// DIFFERENCE: `async with lock` is a Permit held for a scope: the lock is released when
// the permit is dropped.
#[test]
fn async_with_lock() {
    let lock = DeferredLock::new();
    let l = lock.clone();
    let d = ensure_deferred(async move {
        let waiting = {
            let _permit = l.acquire().await?;
            assert!(l.locked());
            let waiting = l.acquire().add_callback(|permit| {
                drop(permit);
                Ok::<_, Failure>(())
            });
            assert!(l.locked());
            assert!(!waiting.called());
            waiting
        };
        assert!(waiting.called());
        waiting.await?;
        assert!(!l.locked());
        Ok::<_, Failure>(())
    });
    success_result_of(d);
    assert!(!lock.locked());
}

// Source: twisted/test/test_defer.py CoroutineContextVarsTests.test_asyncWithSemaphore
// DIFFERENCE: as in async_with_lock, each `async with sem` is a permit held for a scope.
#[test]
fn async_with_semaphore() {
    let sem = DeferredSemaphore::new(3);
    let s = sem.clone();
    let d = ensure_deferred(async move {
        {
            let _outer = s.acquire().await?;
            assert_eq!(s.tokens(), 2);
            let (d1, d2) = {
                let _inner = s.acquire().await?;
                assert_eq!(s.tokens(), 1);
                let d1 = s.acquire();
                let d2 = s.acquire();
                assert_eq!(s.tokens(), 0);
                assert!(d1.called());
                assert!(!d2.called());
                (d1, d2)
            };
            assert_eq!(s.tokens(), 0);
            assert!(d2.called());
            let release = |permit| {
                drop(permit);
                Ok::<_, Failure>(())
            };
            d1.add_callback(release).await?;
            d2.add_callback(release).await?;
            assert_eq!(s.tokens(), 2);
        }
        assert_eq!(s.tokens(), 3);
        Ok::<_, Failure>(())
    });
    success_result_of(d);
}

// Source: twisted/test/test_defer.py CoroutineContextVarsTests.test_asyncWithLockException
#[test]
fn async_with_lock_exception() {
    let lock = DeferredLock::new();
    let l = lock.clone();
    let d = ensure_deferred(async move {
        let _permit = l.acquire().await?;
        assert!(l.locked());
        Err::<(), _>(Failure::msg("some specific exception"))
    });
    assert_eq!(failure_result_of(d).to_string(), "some specific exception");
    assert!(!lock.locked());
}

// ---------------------------------------------------------------------------------------
// AwaitTests (test_defer_await.py)
// ---------------------------------------------------------------------------------------

// Source: twisted/internet/test/test_defer_await.py AwaitTests.test_deferredFromCoroutine
#[test]
fn deferred_from_coroutine() {
    async fn run2() -> Result<&'static str, Failure> {
        succeed("foo").await
    }
    async fn run() -> Result<&'static str, Failure> {
        succeed("bar").await?;
        run2().await
    }
    assert_eq!(success_result_of(ensure_deferred(run())), "foo");
}

// Source: twisted/internet/test/test_defer_await.py AwaitTests.test_basic
// Source: twisted/internet/test/test_defer_await.py AwaitTests.test_basicEnsureDeferred
#[test]
fn basic() {
    let d = ensure_deferred(async { succeed("foo").await });
    assert_eq!(success_result_of(d), "foo");
}

// Source: twisted/internet/test/test_defer_await.py AwaitTests.test_exception
#[test]
fn exception() {
    let d = ensure_deferred(async {
        succeed("foo").await?;
        Err::<(), _>(Failure::msg("Oh no!"))
    });
    assert_eq!(failure_result_of(d).to_string(), "Oh no!");
}

// Source: twisted/internet/test/test_defer_await.py AwaitTests.test_synchronousDeferredFailureTraceback
// DIFFERENCE: a traceback's two frames are the failure's origin (in `raises`) and the
// trail step of the task that awaited it.
#[test]
fn synchronous_deferred_failure_traceback() {
    fn raises() -> Result<(), Failure> {
        Err(raise(SampleError))
    }
    let it = maybe_deferred(raises);
    let (doomed, doomed_at) = start(async move { it.await });
    let failure = failure_result_of(doomed);
    assert!(failure.check::<SampleError>());
    assert_raised_here(&failure);
    assert!(entered(&failure, doomed_at), "{}", failure.report());
}

// Source: twisted/internet/test/test_defer_await.py AwaitTests.test_asyncDeferredFailureTraceback
// DIFFERENCE: as in synchronous_deferred_failure_traceback.
#[test]
fn async_deferred_failure_traceback() {
    fn returns_failure() -> Failure {
        raise(SampleError)
    }
    let (it, resolver) = Deferred::<()>::new();
    let (started, started_at) = start(async move { it.await });
    assert_no_result(&started);
    resolver.errback(returns_failure());
    let failure = failure_result_of(started);
    assert!(failure.check::<SampleError>());
    assert_raised_here(&failure);
    assert!(entered(&failure, started_at), "{}", failure.report());
}

// Source: twisted/internet/test/test_defer_await.py AwaitTests.test_twoDeep
#[test]
fn two_deep() {
    let reactor = Clock::new();
    let sections = Rc::new(RefCell::new(Vec::new()));
    let (r, s) = (reactor.clone(), Rc::clone(&sections));
    async fn runone(r: Clock, s: Rc<RefCell<Vec<i32>>>) -> Result<&'static str, Failure> {
        s.borrow_mut().push(2);
        let (d, resolver) = Deferred::<i32>::new();
        r.call_later(Duration::from_secs(1), move || resolver.callback(2));
        d.await?;
        s.borrow_mut().push(3);
        Ok("Yay!")
    }
    let d = ensure_deferred(async move {
        s.borrow_mut().push(1);
        let result = runone(r.clone(), Rc::clone(&s)).await?;
        s.borrow_mut().push(4);
        let (d, resolver) = Deferred::<i32>::new();
        r.call_later(Duration::from_secs(1), move || resolver.callback(1));
        d.await?;
        s.borrow_mut().push(5);
        Ok::<_, Failure>(result)
    });
    let tenths = |n: u64| Duration::from_millis(100 * n);
    reactor.advance(tenths(9));
    assert_eq!(*sections.borrow(), [1, 2]);
    reactor.advance(tenths(1));
    assert_eq!(*sections.borrow(), [1, 2, 3, 4]);
    reactor.advance(tenths(9));
    assert_eq!(*sections.borrow(), [1, 2, 3, 4]);
    reactor.advance(tenths(1));
    assert_eq!(*sections.borrow(), [1, 2, 3, 4, 5]);
    assert_eq!(success_result_of(d), "Yay!");
}

// Source: twisted/internet/test/test_defer_await.py AwaitTests.test_reraise
#[test]
fn reraise() {
    let d = ensure_deferred(async {
        match fail::<()>(Failure::msg("Boom")).await {
            Err(failure) => {
                assert_eq!(failure.to_string(), "Boom");
                Ok::<_, Failure>(1)
            }
            Ok(()) => Ok(0),
        }
    });
    assert_eq!(success_result_of(d), 1);
}

// Source: twisted/internet/test/test_defer_await.py AwaitTests.test_chained
#[test]
fn chained() {
    let reactor = Clock::new();
    let r = reactor.clone();
    let d = ensure_deferred(async move {
        let (d, resolver) = Deferred::<()>::new();
        let (d2, resolver2) = Deferred::<&str>::new();
        let d = d.add_callback(move |()| d2);
        resolver.callback(());
        r.call_later(Duration::ZERO, move || resolver2.callback("bye"));
        d.await
    });
    reactor.advance(Duration::from_millis(100));
    assert_eq!(success_result_of(d), "bye");
}

// ---------------------------------------------------------------------------------------
// What ensure_deferred promises beyond Twisted's tests
// ---------------------------------------------------------------------------------------

// Source: none in Twisted: an exception in an inlineCallbacks generator fails its
// Deferred; a panic in the async block is its Rust counterpart.
#[test]
fn a_panic_fails_the_deferred_with_panic_error() {
    let (d, resolver) = Deferred::<i32>::new();
    let task = ensure_deferred(async move {
        let divisor = d.await?;
        Ok::<_, Failure>(1 / divisor)
    });
    resolver.callback(0);
    let failure = failure_result_of(task);
    let panic = failure.downcast_ref::<PanicError>().expect("a PanicError");
    assert!(panic.message().contains("divide by zero"), "{}", panic.message());
}

// Source: none in Twisted: returning a Deferred from inlineCallbacks makes its Deferred
// wait for that one; an async block whose output is a Deferred does the same, and
// cancelling the task's Deferred then cancels the one it follows.
#[test]
fn an_async_block_may_end_with_a_deferred_to_follow() {
    let (later, resolver) = Deferred::<i32>::new();
    let d = ensure_deferred(async move { later });
    assert_no_result(&d);
    resolver.callback(3);
    assert_eq!(success_result_of(d), 3);

    let cancelled = Rc::new(Cell::new(false));
    let seen = Rc::clone(&cancelled);
    let (later, _producer) = Deferred::<i32>::with_canceller(move |_| seen.set(true));
    let d = ensure_deferred(async move { later });
    d.cancel();
    assert!(cancelled.get());
    assert!(failure_result_of(d).check::<CancelledError>());
}

/// Sets its flag when dropped: shows when a future is dropped.
struct DropFlag(Rc<Cell<bool>>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

// Source: none in Twisted (a coroutine can only wait on Deferreds there): cancelling a
// task that awaits something other than a Deferred drops its future, the Rust way, and
// fails its Deferred with CancelledError.
#[test]
fn cancelling_a_task_awaiting_a_non_deferred_future_drops_it() {
    let _capture = ReportCapture::start();
    let dropped = Rc::new(Cell::new(false));
    let flag = DropFlag(Rc::clone(&dropped));
    let d = ensure_deferred(async move {
        let _flag = flag;
        std::future::pending::<()>().await;
        Ok::<_, Failure>(())
    });
    assert_no_result(&d);
    assert!(!dropped.get());
    d.cancel();
    assert!(dropped.get(), "the future was not dropped");
    assert!(failure_result_of(d).check::<CancelledError>());
}

// Source: none in Twisted: a task that caught one cancellation and then awaits
// something other than a Deferred is dropped by the next one (the second half of
// inline_callbacks_cancel_captured, with a future that has no canceller to reach).
#[test]
fn a_second_cancel_drops_a_task_that_recovered_and_awaits_a_future() {
    let _capture = ReportCapture::start();
    let dropped = Rc::new(Cell::new(false));
    let flag = DropFlag(Rc::clone(&dropped));
    let (d1, _producer) = Deferred::<()>::new();
    let d = ensure_deferred(async move {
        let _flag = flag;
        let first = d1.await;
        assert!(first.expect_err("cancelled").check::<CancelledError>());
        std::future::pending::<()>().await;
        Ok::<_, Failure>(())
    });
    d.cancel();
    assert_no_result(&d);
    assert!(!dropped.get());
    d.cancel();
    assert!(dropped.get());
    assert!(failure_result_of(d).check::<CancelledError>());
}

// Source: none in Twisted, though it is the case `_inlineCallbacks`' `waiting` flag is
// for: a Deferred the task awaits fires while the task itself is running. The wake
// cannot poll a future already being polled; the task polls again once that poll ends.
#[test]
fn a_wake_during_the_tasks_own_poll_polls_it_again() {
    let polls = Rc::new(Cell::new(0));
    let count = Rc::clone(&polls);
    let d = ensure_deferred(async move {
        let (d, resolver) = Deferred::<i32>::new();
        let mut awaited = pin!(d.into_future());
        let mut resolver = Some(resolver);
        poll_fn(move |cx| {
            count.set(count.get() + 1);
            let polled = awaited.as_mut().poll(cx);
            if polled.is_pending() {
                if let Some(resolver) = resolver.take() {
                    resolver.callback(7);
                }
            }
            polled
        })
        .await
    });
    assert_eq!(success_result_of(d), 7);
    assert_eq!(polls.get(), 2);
}

// Source: none in Twisted: cancelling a task that has finished does nothing.
#[test]
fn cancelling_a_finished_task_does_nothing() {
    let d = ensure_deferred(async { Ok::<_, Failure>(5) });
    d.cancel();
    assert_eq!(success_result_of(d), 5);
}

// Source: none in Twisted: a task resumed inline by each of 100 000 Deferreds fired one
// after the other stays in constant stack (each wake polls once and returns).
#[test]
fn a_task_resumed_by_many_deferreds_in_turn_uses_constant_stack() {
    on_small_stack(|| {
        const COUNT: usize = 100_000;
        let resolvers = Rc::new(RefCell::new(VecDeque::new()));
        let r = Rc::clone(&resolvers);
        let d = ensure_deferred(async move {
            let mut total = 0;
            for _ in 0..COUNT {
                let (d, resolver) = Deferred::<usize>::new();
                r.borrow_mut().push_back(resolver);
                total += d.await?;
            }
            Ok::<_, Failure>(total)
        });
        loop {
            let next = resolvers.borrow_mut().pop_front();
            let Some(resolver) = next else { break };
            resolver.callback(1);
        }
        assert_eq!(success_result_of(d), COUNT);
    });
}
