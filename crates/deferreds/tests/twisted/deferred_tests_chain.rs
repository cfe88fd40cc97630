//! `DeferredTests`, second part: Deferreds returned from handlers (implicit chaining),
//! `chain_deferred` (explicit chaining), handlers added while the chain runs, the `Debug`
//! output that stands for `repr`, constant stack depth, a handler returning its own
//! Deferred, where failures come from, and what a fired Deferred lets go of.
//!
//! Twisted peeks at a Deferred's result after handing the Deferred to a callback; here the
//! handle moves into the callback, so those checks look at the value itself instead
//! (where it ended up, whether anything kept a copy).
//!
//! The last tests are our own: the trail a [`Failure`] records as it travels.

use std::backtrace::{Backtrace, BacktraceStatus};
use std::cell::{Cell, RefCell};
use std::error::Error;
use std::fmt;
use std::rc::Rc;

use deferreds::testing::{ReportCapture, assert_no_result, failure_result_of, success_result_of};
use deferreds::{CancelledError, Deferred, Failure, Trace, fail, succeed};

/// A shared list that handlers append to, so the test can see what ran and in what order.
type Log<T> = Rc<RefCell<Vec<T>>>;

fn log<T>() -> Log<T> {
    Rc::new(RefCell::new(Vec::new()))
}

/// A place to park a Deferred handle so that a handler on that same Deferred can take it.
type Slot<T> = Rc<RefCell<Option<Deferred<T>>>>;

fn slot<T>() -> Slot<T> {
    Rc::new(RefCell::new(None))
}

/// The error the tests raise (Twisted's `RuntimeError`, `Exception`, `GenericError`).
#[derive(Debug)]
struct TestError(&'static str);

impl fmt::Display for TestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Error for TestError {}

/// Counts its own drop, to see when whatever holds it lets go.
struct DropProbe(Rc<Cell<usize>>);

impl Drop for DropProbe {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

fn push<T>(log: &Log<T>, item: T) {
    log.borrow_mut().push(item);
}

#[test]
fn inner_callbacks_preserved() {
    // Source: twisted/test/test_defer.py DeferredTests.test_innerCallbacksPreserved
    let results: Log<(&str, String)> = log();
    let failures: Log<Failure> = log();
    let (inner, inner_resolver) = Deferred::<String>::new();

    let (r, f) = (Rc::clone(&results), Rc::clone(&failures));
    let outer = succeed("outer".to_owned()).add_callback(move |result: String| {
        push(&r, ("start-of-cb", result));
        let (r1, r2) = (Rc::clone(&r), Rc::clone(&r));
        succeed("inner".to_owned())
            .add_callback(move |result: String| {
                push(&r1, ("firstCallback", result));
                inner
            })
            .add_callback(move |result: String| {
                push(&r2, ("secondCallback", result.clone()));
                Ok::<_, Failure>(result.repeat(2))
            })
            .add_errback(move |failure| {
                push(&f, failure);
                Ok(String::new())
            })
    });
    inner_resolver.callback("orange".to_owned());

    // Added only now that the inner Deferred has fired: it still sees the inner result.
    let (r, f) = (Rc::clone(&results), Rc::clone(&failures));
    let outer = outer
        .add_callback(move |result| {
            push(&r, ("final", result));
            Ok::<_, Failure>(())
        })
        .add_errback(move |failure| {
            push(&f, failure);
            Ok(())
        });
    success_result_of(outer);
    assert!(failures.borrow().is_empty(), "{:?}", failures.borrow());
    assert_eq!(
        *results.borrow(),
        [
            ("start-of-cb", "outer".to_owned()),
            ("firstCallback", "inner".to_owned()),
            ("secondCallback", "orange".to_owned()),
            ("final", "orangeorange".to_owned()),
        ]
    );
}

/// The nested chain shared by `test_continueCallbackNotFirst` and
/// `test_callbackOrderPreserved`: a callback that fires a fresh Deferred whose first
/// callback returns `a` with a callback already on it, so the stage that resumes the
/// waiting chain is not the first one on `a`.
fn returns_deferred_waiting_on(
    a: Deferred<String>,
    results: &Log<(&'static str, String)>,
    failures: &Log<Failure>,
) -> impl FnOnce(String) -> Deferred<()> + 'static {
    let (r, f) = (Rc::clone(results), Rc::clone(failures));
    move |result| {
        push(&r, ("cb", result));
        let (d, d_resolver) = Deferred::<()>::new();
        let (r1, r2) = (Rc::clone(&r), Rc::clone(&r));
        let returner = d
            .add_callback(move |()| {
                push(&r1, ("firstCallback", "()".to_owned()));
                a.add_callback(|value| Ok::<_, Failure>(vec![value]))
            })
            .add_callback(move |list: Vec<String>| {
                push(&r2, ("secondCallback", format!("{list:?}")));
                Ok::<_, Failure>(())
            })
            .add_errback(move |failure| {
                push(&f, failure);
                Ok(())
            });
        d_resolver.callback(());
        returner
    }
}

#[test]
fn continue_callback_not_first() {
    // Source: twisted/test/test_defer.py DeferredTests.test_continueCallbackNotFirst
    // DIFFERENCE: gatherResults([a]) is not available yet (coordination issue); `a` with a
    // list-making callback already on it plays its part: a Deferred whose first stage is
    // not the one that resumes the waiting chain.
    let results = log();
    let failures: Log<Failure> = log();
    let (a, a_resolver) = Deferred::<String>::new();

    let f = Rc::clone(&failures);
    let cb = returns_deferred_waiting_on(a, &results, &failures);
    // The outermost handle is dropped at once, as in Twisted: the chain lives on anyway,
    // held by the Deferreds it waits on.
    drop(succeed("outer".to_owned()).add_callback(cb).add_errback(move |failure| {
        push(&f, failure);
        Ok(())
    }));
    assert_eq!(*results.borrow(), [("cb", "outer".to_owned()), ("firstCallback", "()".to_owned())]);

    a_resolver.callback("withers".to_owned());
    assert!(failures.borrow().is_empty(), "{:?}", failures.borrow());
    assert_eq!(
        *results.borrow(),
        [
            ("cb", "outer".to_owned()),
            ("firstCallback", "()".to_owned()),
            ("secondCallback", r#"["withers"]"#.to_owned()),
        ]
    );
}

#[test]
fn callback_order_preserved() {
    // Source: twisted/test/test_defer.py DeferredTests.test_callbackOrderPreserved
    // DIFFERENCE: gatherResults([a]) is not available yet (coordination issue); `a` with a
    // list-making callback already on it plays its part.
    let results = log();
    let failures: Log<Failure> = log();
    let (a, a_resolver) = Deferred::<String>::new();

    let (outer, outer_resolver) = Deferred::<String>::new();
    let (r, f) = (Rc::clone(&results), Rc::clone(&failures));
    let outer = outer
        .add_callback(returns_deferred_waiting_on(a, &results, &failures))
        .add_callback(move |()| {
            push(&r, ("final", "()".to_owned()));
            Ok::<_, Failure>(())
        })
        .add_errback(move |failure| {
            push(&f, failure);
            Ok(())
        });
    outer_resolver.callback("outer".to_owned());
    assert_eq!(*results.borrow(), [("cb", "outer".to_owned()), ("firstCallback", "()".to_owned())]);
    assert_no_result(&outer);

    a_resolver.callback("withers".to_owned());
    assert!(failures.borrow().is_empty(), "{:?}", failures.borrow());
    assert_eq!(
        *results.borrow(),
        [
            ("cb", "outer".to_owned()),
            ("firstCallback", "()".to_owned()),
            ("secondCallback", r#"["withers"]"#.to_owned()),
            ("final", "()".to_owned()),
        ]
    );
    success_result_of(outer);
}

#[test]
fn reentrant_run_callbacks() {
    // Source: twisted/test/test_defer.py DeferredTests.test_reentrantRunCallbacks
    let called: Log<u8> = log();
    let handle = slot::<()>();
    let (d, resolver) = Deferred::<()>::new();

    let (c1, c2, c3, h) =
        (Rc::clone(&called), Rc::clone(&called), Rc::clone(&called), Rc::clone(&handle));
    let d = d
        .add_callback(move |()| {
            push(&c1, 1);
            let d = h.borrow_mut().take().expect("the handle was parked before firing");
            *h.borrow_mut() = Some(d.add_callback(move |()| {
                push(&c3, 3);
                Ok::<_, Failure>(())
            }));
            Ok::<_, Failure>(())
        })
        .add_callback(move |()| {
            push(&c2, 2);
            Ok::<_, Failure>(())
        });
    *handle.borrow_mut() = Some(d);
    resolver.callback(());

    assert_eq!(*called.borrow(), [1, 2, 3]);
    let d = handle.borrow_mut().take().expect("the callback parked the handle again");
    success_result_of(d);
}

#[test]
fn non_reentrant_callbacks() {
    // Source: twisted/test/test_defer.py DeferredTests.test_nonReentrantCallbacks
    // DIFFERENCE: an assertion failing inside a callback would become a PanicError in the
    // chain, so the callback records what it saw and the test asserts on that afterwards.
    let called: Log<u8> = log();
    let seen_after_adding: Log<Vec<u8>> = log();
    let handle = slot::<()>();
    let (d, resolver) = Deferred::<()>::new();

    let (c1, c2, seen, h) =
        (Rc::clone(&called), Rc::clone(&called), Rc::clone(&seen_after_adding), Rc::clone(&handle));
    let d = d.add_callback(move |()| {
        push(&c1, 1);
        let d = h.borrow_mut().take().expect("the handle was parked before firing");
        *h.borrow_mut() = Some(d.add_callback(move |()| {
            push(&c2, 2);
            Ok::<_, Failure>(())
        }));
        push(&seen, c1.borrow().clone());
        Ok::<_, Failure>(())
    });
    *handle.borrow_mut() = Some(d);
    resolver.callback(());

    assert_eq!(*seen_after_adding.borrow(), [vec![1]]);
    assert_eq!(*called.borrow(), [1, 2]);
    let d = handle.borrow_mut().take().expect("the callback parked the handle again");
    success_result_of(d);
}

#[test]
fn reentrant_run_callbacks_with_failure() {
    // Source: twisted/test/test_defer.py DeferredTests.test_reentrantRunCallbacksWithFailure
    const MESSAGE: &str = "callback raised exception";
    let handle = slot::<()>();
    let (d, resolver) = Deferred::<()>::new();

    let h = Rc::clone(&handle);
    let d = d.add_callback(move |()| {
        let d = h.borrow_mut().take().expect("the handle was parked before firing");
        *h.borrow_mut() = Some(d.add_callback(|()| Err::<(), _>(TestError(MESSAGE).into())));
        Ok::<_, Failure>(())
    });
    *handle.borrow_mut() = Some(d);
    resolver.callback(());

    let d = handle.borrow_mut().take().expect("the callback parked the handle again");
    let failure = failure_result_of(d);
    assert_eq!(failure.downcast_ref::<TestError>().map(|e| e.0), Some(MESSAGE));
}

#[test]
fn synchronous_implicit_chain() {
    // Source: twisted/test/test_defer.py DeferredTests.test_synchronousImplicitChain
    // DIFFERENCE: `first` moves into the callback, so nothing can be added to it later to
    // see its result gone; the reference count shows instead that it kept no share of the
    // value, which reaches `second` as the very same object.
    let result = Rc::new("a result");
    let first = succeed(Rc::clone(&result));
    let (second, resolver) = Deferred::<()>::new();
    let second = second.add_callback(move |()| first);
    resolver.callback(());

    assert_eq!(Rc::strong_count(&result), 2, "ours and second's, no more");
    let value = success_result_of(second);
    assert!(Rc::ptr_eq(&value, &result));
}

#[test]
fn asynchronous_implicit_chain() {
    // Source: twisted/test/test_defer.py DeferredTests.test_asynchronousImplicitChain
    // DIFFERENCE: as in synchronous_implicit_chain, `first` belongs to the callback; the
    // reference count stands for Twisted's check that first's result became None.
    let (first, first_resolver) = Deferred::<Rc<&str>>::new();
    let (second, second_resolver) = Deferred::<()>::new();
    let second = second.add_callback(move |()| first);
    second_resolver.callback(());

    let second_result: Log<Rc<&str>> = log();
    let sr = Rc::clone(&second_result);
    let second = second.add_callback(move |value| {
        push(&sr, value);
        Ok::<_, Failure>(())
    });
    assert!(second_result.borrow().is_empty());
    assert_no_result(&second);

    let result = Rc::new("a result");
    first_resolver.callback(Rc::clone(&result));
    assert_eq!(second_result.borrow().len(), 1);
    assert!(Rc::ptr_eq(&second_result.borrow()[0], &result));
    assert_eq!(Rc::strong_count(&result), 2, "ours and the log's, no more");
    success_result_of(second);
}

#[test]
fn synchronous_implicit_error_chain() {
    // Source: twisted/test/test_defer.py DeferredTests.test_synchronousImplicitErrorChain
    let capture = ReportCapture::start();
    let error = Failure::new(TestError("First Deferred's Failure"));
    let first = fail::<()>(error.clone());
    let (second, resolver) = Deferred::<()>::new();
    let second = second.add_callback(move |()| first);
    resolver.callback(());

    let failure = failure_result_of(second);
    assert!(failure.same_error(&error));
    assert!(failure.check::<TestError>());
    // `first` is gone by now; its failure moved on, so nothing was reported unhandled.
    assert!(capture.take().is_empty());
}

#[test]
fn asynchronous_implicit_error_chain() {
    // Source: twisted/test/test_defer.py DeferredTests.test_asynchronousImplicitErrorChain
    let capture = ReportCapture::start();
    let (first, first_resolver) = Deferred::<()>::new();
    let (second, second_resolver) = Deferred::<()>::new();
    let second = second.add_callback(move |()| first);
    second_resolver.callback(());

    let second_error: Log<Failure> = log();
    let second_result: Log<()> = log();
    let (se, sr) = (Rc::clone(&second_error), Rc::clone(&second_result));
    let second = second
        .add_errback(move |failure| {
            push(&se, failure);
            Ok(())
        })
        .add_callback(move |()| {
            push(&sr, ());
            Ok::<_, Failure>(())
        });
    assert!(second_error.borrow().is_empty());
    assert!(second_result.borrow().is_empty());

    first_resolver.errback(TestError("First Deferred's Failure"));
    assert_eq!(second_error.borrow().len(), 1);
    assert!(second_error.borrow()[0].check::<TestError>());
    assert_eq!(second_result.borrow().len(), 1);
    success_result_of(second);
    assert!(capture.take().is_empty());
}

#[test]
fn double_asynchronous_implicit_chaining() {
    // Source: twisted/test/test_defer.py DeferredTests.test_doubleAsynchronousImplicitChaining
    let (first, first_resolver) = Deferred::<Rc<&str>>::new();
    let (second, second_resolver) = Deferred::<()>::new();
    let second = second.add_callback(move |()| first);
    let (third, third_resolver) = Deferred::<()>::new();
    let third_result: Log<Rc<&str>> = log();
    let tr = Rc::clone(&third_result);
    let third = third.add_callback(move |()| second).add_callback(move |value| {
        push(&tr, value);
        Ok::<_, Failure>(())
    });

    // second now waits for first, and then third waits for second.
    second_resolver.callback(());
    third_resolver.callback(());
    assert!(third_result.borrow().is_empty());
    assert_no_result(&third);

    // Firing first lets second go on, which lets third go on.
    let result = Rc::new("a result");
    first_resolver.callback(Rc::clone(&result));
    assert_eq!(third_result.borrow().len(), 1);
    assert!(Rc::ptr_eq(&third_result.borrow()[0], &result));
    success_result_of(third);
}

#[test]
fn nested_asynchronous_chained_deferreds() {
    // Source: twisted/test/test_defer.py DeferredTests.test_nestedAsynchronousChainedDeferreds
    let results: Log<(&str, String)> = log();
    let failures: Log<Failure> = log();
    let (inner, inner_resolver) = Deferred::<String>::new();

    let (r, f, r_final) = (Rc::clone(&results), Rc::clone(&failures), Rc::clone(&results));
    let outer = succeed("outer".to_owned())
        .add_callback(move |result: String| {
            push(&r, ("start-of-cb", result));
            let (r1, r2) = (Rc::clone(&r), Rc::clone(&r));
            succeed("inner".to_owned())
                .add_callback(move |result: String| {
                    push(&r1, ("firstCallback", result));
                    // Not fired yet, so the Deferreds fire out of order.
                    inner
                })
                .add_callback(move |result: String| {
                    push(&r2, ("secondCallback", result.clone()));
                    Ok::<_, Failure>(result.repeat(2))
                })
                .add_errback(move |failure| {
                    push(&f, failure);
                    Ok(String::new())
                })
        })
        .add_callback(move |result| {
            push(&r_final, ("final", result));
            Ok::<_, Failure>(())
        });
    // cb ran and so did the first callback of the Deferred it returned, which now waits.
    assert_eq!(
        *results.borrow(),
        [("start-of-cb", "outer".to_owned()), ("firstCallback", "inner".to_owned())]
    );
    assert_no_result(&outer);

    inner_resolver.callback("orange".to_owned());
    let f = Rc::clone(&failures);
    let outer = outer.add_errback(move |failure| {
        push(&f, failure);
        Ok(())
    });
    assert!(failures.borrow().is_empty(), "{:?}", failures.borrow());
    assert_eq!(
        *results.borrow(),
        [
            ("start-of-cb", "outer".to_owned()),
            ("firstCallback", "inner".to_owned()),
            ("secondCallback", "orange".to_owned()),
            ("final", "orangeorange".to_owned()),
        ]
    );
    success_result_of(outer);
}

#[test]
fn nested_asynchronous_chained_deferreds_with_extra_callbacks() {
    // Source: twisted/test/test_defer.py DeferredTests.test_nestedAsynchronousChainedDeferredsWithExtraCallbacks
    let results: Log<(&str, String)> = log();
    let failures: Log<Failure> = log();
    let (inner, inner_resolver) = Deferred::<String>::new();

    let (r, f, r_final) = (Rc::clone(&results), Rc::clone(&failures), Rc::clone(&results));
    let outer = succeed("outer".to_owned())
        .add_callback(move |result: String| {
            push(&r, ("start-of-cb", result));
            let (r1, r2) = (Rc::clone(&r), Rc::clone(&r));
            succeed("inner".to_owned())
                .add_callback(move |result: String| {
                    push(&r1, ("firstCallback", result));
                    // Not fired yet, and with a callback of its own that changes the value.
                    inner.add_callback(|result| Ok::<_, Failure>(vec![result]))
                })
                .add_callback(move |result: Vec<String>| {
                    push(&r2, ("secondCallback", format!("{result:?}")));
                    Ok::<_, Failure>([result.clone(), result].concat())
                })
                .add_errback(move |failure| {
                    push(&f, failure);
                    Ok(Vec::new())
                })
        })
        .add_callback(move |result| {
            push(&r_final, ("final", format!("{result:?}")));
            Ok::<_, Failure>(())
        });
    assert_eq!(
        *results.borrow(),
        [("start-of-cb", "outer".to_owned()), ("firstCallback", "inner".to_owned())]
    );

    inner_resolver.callback("withers".to_owned());
    let f = Rc::clone(&failures);
    let outer = outer.add_errback(move |failure| {
        push(&f, failure);
        Ok(())
    });
    assert!(failures.borrow().is_empty(), "{:?}", failures.borrow());
    assert_eq!(
        *results.borrow(),
        [
            ("start-of-cb", "outer".to_owned()),
            ("firstCallback", "inner".to_owned()),
            ("secondCallback", r#"["withers"]"#.to_owned()),
            ("final", r#"["withers", "withers"]"#.to_owned()),
        ]
    );
    success_result_of(outer);
}

const WAITING: &str = r#"status: "waiting on another Deferred""#;

#[test]
fn chain_deferred_records_explicit_chain() {
    // Source: twisted/test/test_defer.py DeferredTests.test_chainDeferredRecordsExplicitChain
    // DIFFERENCE: Twisted records the link in a private attribute, read by repr; here the
    // Debug output, our repr, is what shows it.
    let (a, a_resolver) = Deferred::<()>::new();
    let (b, _b_resolver) = Deferred::<()>::new();
    b.chain_deferred(a_resolver);
    let shown = format!("{a:?}");
    assert!(shown.contains(WAITING), "{shown}");
}

#[test]
fn explicit_chain_cleared_when_resolved() {
    // Source: twisted/test/test_defer.py DeferredTests.test_explicitChainClearedWhenResolved
    let (a, a_resolver) = Deferred::<u8>::new();
    let (b, b_resolver) = Deferred::<u8>::new();
    b.chain_deferred(a_resolver);
    b_resolver.callback(7);
    let shown = format!("{a:?}");
    assert!(!shown.contains(WAITING), "{shown}");
    assert!(shown.contains(r#"status: "succeeded""#), "{shown}");
    assert_eq!(success_result_of(a), 7);
}

#[test]
fn chain_deferred_records_implicit_chain() {
    // Source: twisted/test/test_defer.py DeferredTests.test_chainDeferredRecordsImplicitChain
    let (a, a_resolver) = Deferred::<()>::new();
    let (b, b_resolver) = Deferred::<u8>::new();
    let a = a.add_callback(move |()| b);
    let before = format!("{a:?}");
    a_resolver.callback(());
    let waiting = format!("{a:?}");
    assert!(!before.contains(WAITING), "{before}");
    assert!(waiting.contains(WAITING), "{waiting}");

    // Once b fires, the link is gone.
    b_resolver.callback(5);
    let done = format!("{a:?}");
    assert!(!done.contains(WAITING), "{done}");
    assert_eq!(success_result_of(a), 5);
}

#[test]
fn circular_chain_warning() {
    // Source: twisted/test/test_defer.py DeferredTests.test_circularChainWarning
    // DIFFERENCE: Rust has no warnings at run time. A handler returning the Deferred it was
    // added to always fails the chain (what Twisted does when its DeprecationWarning is
    // made an error), so nothing hangs silently; with no handler after it, the failure is
    // reported as unhandled, which is the counterpart of the warning.
    let capture = ReportCapture::start();
    let handle = slot::<String>();
    let (d, resolver) = Deferred::<String>::new();
    let h = Rc::clone(&handle);
    let d = d.add_callback(move |_: String| h.borrow_mut().take().expect("parked"));
    let added_at = line!() - 1;
    *handle.borrow_mut() = Some(d);
    resolver.callback("foo".to_owned());

    let reports = capture.take();
    assert_eq!(reports.len(), 1);
    assert!(reports[0].is_unhandled());
    let failure = reports[0].failure();
    assert!(failure.to_string().contains("would wait for itself"), "{failure}");
    let last = failure.trail().last().expect("a trail");
    assert!(matches!(last, Trace::RaisedIn(_)), "{last:?}");
    assert_eq!((last.location().file(), last.location().line()), (file!(), added_at));
}

#[test]
fn circular_chain_exception() {
    // Source: twisted/test/test_defer.py DeferredTests.test_circularChainException
    // DIFFERENCE: the callback returns the Deferred's handle for the stage after it, which
    // is the same Deferred; that stage sees the failure (Twisted reads the result).
    let handle = slot::<()>();
    let seen: Log<Result<(), Failure>> = log();
    let (d, resolver) = Deferred::<String>::new();
    let (h, s) = (Rc::clone(&handle), Rc::clone(&seen));
    let d = d.add_callback(move |_: String| h.borrow_mut().take().expect("parked")).add_both(
        move |result| {
            push(&s, result);
            Ok::<_, Failure>(())
        },
    );
    *handle.borrow_mut() = Some(d);
    resolver.callback("foo".to_owned());

    let seen = seen.borrow();
    assert_eq!(seen.len(), 1);
    let failure = seen[0].as_ref().expect_err("the circular return fails the chain");
    assert!(failure.to_string().contains("would wait for itself"), "{failure}");
}

/// Checks a Debug line `Deferred { status: "<status>", created_at: <file>:<line>:<col>,
/// stages: <stages> }`.
fn assert_debug(shown: &str, status: &str, line: u32, stages: usize) {
    let prefix = format!(r#"Deferred {{ status: "{status}", created_at: {}:{line}:"#, file!());
    let suffix = format!(", stages: {stages} }}");
    assert!(shown.starts_with(&prefix) && shown.ends_with(&suffix), "{shown}");
}

#[test]
fn repr() {
    // Source: twisted/test/test_defer.py DeferredTests.test_repr
    // DIFFERENCE: Twisted shows the object's address; a Deferred's Debug shows where it
    // was created, which says more in a log, and its state.
    let (d, _resolver) = Deferred::<()>::new();
    let created = line!() - 1;
    assert_debug(&format!("{d:?}"), "pending", created, 0);
    let d = d.add_callback(|()| Ok::<_, Failure>(()));
    assert_debug(&format!("{d:?}"), "pending", created, 1);
}

#[test]
fn repr_with_result() {
    // Source: twisted/test/test_defer.py DeferredTests.test_reprWithResult
    // DIFFERENCE: the value is not shown (a Deferred<T> is Debug for any T); the status is.
    let (d, resolver) = Deferred::<String>::new();
    let created = line!() - 1;
    resolver.callback("orange".to_owned());
    assert_debug(&format!("{d:?}"), "succeeded", created, 0);
    assert_eq!(success_result_of(d), "orange");
}

#[test]
fn repr_with_chaining() {
    // Source: twisted/test/test_defer.py DeferredTests.test_reprWithChaining
    // DIFFERENCE: the Debug output says that a waits, not on which Deferred (no addresses).
    let (a, a_resolver) = Deferred::<()>::new();
    let created = line!() - 1;
    let (b, _b_resolver) = Deferred::<()>::new();
    b.chain_deferred(a_resolver);
    assert_debug(&format!("{a:?}"), "waiting on another Deferred", created, 0);
}

#[test]
fn debug_shows_failed_and_paused() {
    // Our own: the other statuses the Debug output can show.
    let (mut d, resolver) = Deferred::<()>::new();
    let created = line!() - 1;
    d.pause();
    assert_debug(&format!("{d:?}"), "pending", created, 0);
    resolver.errback(TestError("bad"));
    assert_debug(&format!("{d:?}"), "paused", created, 0);
    d.unpause();
    assert_debug(&format!("{d:?}"), "failed", created, 0);
    assert!(failure_result_of(d).check::<TestError>());
}

/// Twisted's `chainDeferreds` helper: `top` returns the first of `how_many` Deferreds,
/// each returning the next, the last returning `last`. Everything fires innermost first
/// except `last`, which fires at the end and lets the whole nest unwind. Returns the
/// address of a local of the callback that then runs on `top`: a stand-in for the depth
/// of the stack (it grows downwards on every platform Rust supports, but only equality
/// matters here).
#[inline(never)]
fn stack_address_at_top_callback(how_many: usize) -> usize {
    let address = Rc::new(Cell::new(None));
    let (top, top_resolver) = Deferred::<()>::new();
    let (last, last_resolver) = Deferred::<()>::new();
    let mut next = last;
    let mut resolvers = Vec::with_capacity(how_many);
    for _ in 0..how_many {
        let (d, resolver) = Deferred::<()>::new();
        let inner = next;
        next = d.add_callback(move |()| inner);
        resolvers.push(resolver);
    }
    let record = Rc::clone(&address);
    let top = top.add_callback(move |()| next).add_callback(move |()| {
        let local = 0_u8;
        record.set(Some(std::ptr::from_ref(std::hint::black_box(&local)).addr()));
        Ok::<_, Failure>(())
    });
    top_resolver.callback(());
    for resolver in resolvers {
        resolver.callback(());
    }
    assert_eq!(address.get(), None, "the recording callback must not have run yet");
    assert_no_result(&top);

    last_resolver.callback(());
    success_result_of(top);
    address.get().expect("the recording callback ran")
}

#[test]
fn bounded_stack_depth() {
    // Source: twisted/test/test_defer.py DeferredTests.test_boundedStackDepth
    // DIFFERENCE: Rust cannot count frames; the address of a local in the callback shows
    // the stack depth at which it runs.
    let one = stack_address_at_top_callback(1);
    let two = stack_address_at_top_callback(2);
    let thousand = stack_address_at_top_callback(1000);
    assert_eq!(one, two);
    assert_eq!(one, thousand);
}

#[test]
fn bounded_stack_depth_with_a_deep_nest_on_a_small_stack() {
    // Source: twisted/test/test_defer.py DeferredTests.test_boundedStackDepth
    // The same nest, 100,000 deep, on a 256 KiB stack: recursion per level would overflow.
    let thread = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| stack_address_at_top_callback(100_000))
        .expect("spawn a thread");
    thread.join().expect("no stack overflow, no panic");
}

#[test]
fn result_of_deferred_result_of_deferred_of_fired_deferred_called() {
    // Source: twisted/test/test_defer.py DeferredTests.test_resultOfDeferredResultOfDeferredOfFiredDeferredCalled
    // DIFFERENCE: the middle Deferred's handle moves into first's callback when first
    // fires, so the late callback goes on the middle Deferred after it has fired and
    // started waiting for the third, but before first takes it.
    let (first, first_resolver) = Deferred::<()>::new();
    let (second, second_resolver) = Deferred::<()>::new();
    let (third, third_resolver) = Deferred::<u8>::new();
    let handle = slot::<()>();

    let h = Rc::clone(&handle);
    let first = first.add_callback(move |()| h.borrow_mut().take().expect("parked"));
    let second = second.add_callback(move |()| third);
    second_resolver.callback(());

    let results: Log<u8> = log();
    let r = Rc::clone(&results);
    let second = second.add_callback(move |value| {
        push(&r, value);
        Ok::<_, Failure>(())
    });
    *handle.borrow_mut() = Some(second);
    first_resolver.callback(());
    assert!(results.borrow().is_empty());
    assert_no_result(&first);

    third_resolver.callback(3);
    assert_eq!(*results.borrow(), [3]);
    success_result_of(first);
}

#[test]
fn errback_with_an_error_makes_the_failure() {
    // Source: twisted/test/test_defer.py DeferredTests.test_errbackWithNoArgsNoDebug
    // Source: twisted/test/test_defer.py DeferredTests.test_errbackWithNoArgs
    // DIFFERENCE: Rust has no "current exception", so errback always gets the error; the
    // Failure is made from it where errback is called. Twisted's debug flag (capture the
    // frames' variables) corresponds to the environment asking for backtraces
    // (RUST_BACKTRACE / RUST_LIB_BACKTRACE); a test cannot switch that safely for the
    // process, so it checks that a backtrace is captured exactly when the environment asks.
    let (d, resolver) = Deferred::<()>::new();
    let failures: Log<Failure> = log();
    let f = Rc::clone(&failures);
    let d = d.add_errback(move |failure| {
        push(&f, failure);
        Ok(())
    });
    resolver.errback(TestError("Bang"));
    let errback_line = line!() - 1;
    success_result_of(d);

    let failure = failures.borrow_mut().pop().expect("the errback ran");
    assert_eq!(failure.downcast_ref::<TestError>().map(|e| e.0), Some("Bang"));
    assert_eq!((failure.location().file(), failure.location().line()), (file!(), errback_line));
    let asked = Backtrace::capture().status() == BacktraceStatus::Captured;
    assert_eq!(failure.backtrace().is_some(), asked);
}

#[test]
fn error_in_callback_makes_the_failure_where_raised() {
    // Source: twisted/test/test_defer.py DeferredTests.test_errorInCallbackDoesNotCaptureVars
    // Source: twisted/test/test_defer.py DeferredTests.test_errorInCallbackCapturesVarsWhenDebugging
    // DIFFERENCE: as in errback_with_an_error_makes_the_failure, the debug flag is the
    // environment's backtrace setting; there are no frame variables to capture.
    let raised_line = Rc::new(Cell::new(0));
    let rl = Rc::clone(&raised_line);
    let d = succeed(()).add_callback(move |()| {
        rl.set(line!() + 1);
        Err(TestError("Bang"))?;
        Ok::<_, Failure>(())
    });
    let failure = failure_result_of(d);
    assert!(failure.check::<TestError>());
    assert_eq!(
        (failure.location().file(), failure.location().line()),
        (file!(), raised_line.get())
    );
    let asked = Backtrace::capture().status() == BacktraceStatus::Captured;
    assert_eq!(failure.backtrace().is_some(), asked);
}

/// A canceller that keeps a handle to its own Deferred (through `slot`), closing a loop
/// of references: Deferred, canceller, slot, Deferred. `drops` counts the canceller's drop.
fn canceller_holding<S: 'static, T: 'static>(
    handle: &Slot<S>,
    drops: &Rc<Cell<usize>>,
) -> impl FnOnce(deferreds::Resolver<T>) + 'static {
    let handle = Rc::clone(handle);
    let probe = DropProbe(Rc::clone(drops));
    move |_resolver| {
        drop(handle);
        drop(probe);
        unreachable!("the tests never cancel");
    }
}

#[test]
fn canceller_circular_reference_callback() {
    // Source: twisted/test/test_defer.py DeferredTests.test_canceller_circular_reference_callback
    // DIFFERENCE: Rust has no collector for such loops; firing must break it by dropping the
    // canceller. A drop counter and a Weak stand for Twisted's weak references.
    let canceller_drops = Rc::new(Cell::new(0));
    let handle = slot::<Rc<&str>>();
    let (d, resolver) = Deferred::with_canceller(canceller_holding(&handle, &canceller_drops));
    *handle.borrow_mut() = Some(d);
    let weak_handle = Rc::downgrade(&handle);
    let result = Rc::new("a result");
    let weak_result = Rc::downgrade(&result);

    resolver.callback(result);
    assert_eq!(canceller_drops.get(), 1, "firing drops the canceller");
    drop(handle);
    assert!(weak_handle.upgrade().is_none(), "nothing else holds the slot");
    assert!(weak_result.upgrade().is_none(), "the Deferred and its result are gone");
}

#[test]
fn canceller_circular_reference_errback() {
    // Source: twisted/test/test_defer.py DeferredTests.test_canceller_circular_reference_errback
    // DIFFERENCE: the failure is not taken off the Deferred (that would consume the handle
    // the loop goes through); instead, the report of it as unhandled shows the Deferred
    // was dropped, which a leaked loop would prevent.
    let capture = ReportCapture::start();
    let canceller_drops = Rc::new(Cell::new(0));
    let handle = slot::<()>();
    let (d, resolver) = Deferred::with_canceller(canceller_holding(&handle, &canceller_drops));
    *handle.borrow_mut() = Some(d);
    let weak_handle = Rc::downgrade(&handle);

    resolver.errback(TestError("The test demands failures."));
    assert_eq!(canceller_drops.get(), 1, "firing drops the canceller");
    assert!(capture.take().is_empty(), "the Deferred is still alive");
    drop(handle);
    assert!(weak_handle.upgrade().is_none(), "nothing else holds the slot");
    let reports = capture.take();
    assert_eq!(reports.len(), 1, "the Deferred went away with its failure");
    assert!(reports[0].failure().check::<TestError>());
}

#[test]
fn canceller_circular_reference_non_final() {
    // Source: twisted/test/test_defer.py DeferredTests.test_canceller_circular_reference_non_final
    let canceller_drops = Rc::new(Cell::new(0));
    let handle = slot::<u8>();
    let (d, resolver) =
        Deferred::<()>::with_canceller(canceller_holding(&handle, &canceller_drops));
    let (never, never_resolver) = Deferred::<u8>::new();
    *handle.borrow_mut() = Some(d.add_callback(move |()| never));
    let weak_handle = Rc::downgrade(&handle);

    resolver.callback(());
    assert_eq!(canceller_drops.get(), 1, "firing drops the canceller, though the chain waits");
    drop(handle);
    assert!(weak_handle.upgrade().is_none(), "nothing else holds the slot");
    // Let the waiting chain finish, so nothing is left over.
    never_resolver.callback(0);
}

#[test]
fn handlers_are_dropped_once_passed() {
    // Our own: a fired Deferred lets go of its canceller and of every handler it has
    // passed, the ones it skipped included, while the handle is still alive.
    let drops = Rc::new(Cell::new(0));
    let (canceller_probe, errback_probe, callback_probe) =
        (DropProbe(Rc::clone(&drops)), DropProbe(Rc::clone(&drops)), DropProbe(Rc::clone(&drops)));
    let (d, resolver) = Deferred::<u8>::with_canceller(move |_| drop(canceller_probe));
    let d = d
        .add_errback(move |failure| {
            drop(errback_probe);
            Err(failure)
        })
        .add_callback(move |value| {
            drop(callback_probe);
            Ok::<_, Failure>(value + 1)
        });
    assert_eq!(drops.get(), 0);
    resolver.callback(1);
    assert_eq!(drops.get(), 3);
    assert_eq!(success_result_of(d), 2);
}

fn plus_one(value: u8) -> Result<u8, Failure> {
    Ok(value + 1)
}

fn only_cancellations(failure: Failure) -> Result<u8, Failure> {
    failure.trap::<CancelledError>()?;
    Ok(0)
}

fn replace_failure(_: Failure) -> Result<u8, Failure> {
    Err(TestError("replacement").into())
}

fn raise(_: u8) -> Result<u8, Failure> {
    Err(TestError("raised").into())
}

/// A trail as (kind, file, line), for comparing with expectations built from `line!()`.
fn trail_of(failure: &Failure) -> Vec<(&'static str, &'static str, u32)> {
    failure
        .trail()
        .iter()
        .map(|step| {
            let kind = match step {
                Trace::Entered(_) => "entered",
                Trace::RaisedIn(_) => "raised in",
                Trace::PassedThrough(_) => "passed through",
                _ => "other",
            };
            (kind, step.location().file(), step.location().line())
        })
        .collect()
}

#[test]
fn failure_trail_records_entered_and_passed_through() {
    // Our own: a failure fired into a Deferred records the Deferred it entered, then each
    // handler it went past: a skipped callback, and an errback that re-raised it.
    let (d, resolver) = Deferred::<u8>::new();
    let created = line!() - 1;
    let d = d.add_callback(plus_one);
    let skipped = line!() - 1;
    let d = d.add_errback(only_cancellations);
    let reraised = line!() - 1;
    let error = Failure::new(TestError("original"));
    resolver.errback(error.clone());

    let failure = failure_result_of(d);
    assert!(failure.same_error(&error));
    assert_eq!(
        trail_of(&failure),
        [
            ("entered", file!(), created),
            ("passed through", file!(), skipped),
            ("passed through", file!(), reraised),
        ]
    );
    // The failure that went in was not changed: clones keep their own trail.
    assert!(error.trail().is_empty());
}

#[test]
fn failure_trail_records_the_handler_that_raised() {
    // Our own: a handler returning a new failure is recorded as where it was raised, and
    // the handlers after it as passed through.
    let d = succeed(1_u8).add_callback(raise);
    let raised = line!() - 1;
    let d = d.add_callback(plus_one);
    let skipped = line!() - 1;
    let failure = failure_result_of(d);
    assert_eq!(failure.location().file(), file!(), "made in `raise`, in this file");
    assert_eq!(
        trail_of(&failure),
        [("raised in", file!(), raised), ("passed through", file!(), skipped)]
    );

    // An errback that replaces the failure starts a new trail, raised in that errback.
    let (d, resolver) = Deferred::<u8>::new();
    let d = d.add_errback(replace_failure);
    let replaced = line!() - 1;
    resolver.errback(TestError("original"));
    let failure = failure_result_of(d);
    assert_eq!(failure.to_string(), "replacement");
    assert_eq!(trail_of(&failure), [("raised in", file!(), replaced)]);
}

#[test]
fn failure_trail_records_a_panicking_handler() {
    // Our own: a panic in a handler is a failure raised in that handler.
    let d = succeed(1_u8).add_callback(|_| -> Result<u8, Failure> { panic!("oops") });
    let raised = line!() - 1;
    let failure = failure_result_of(d);
    assert!(failure.check::<deferreds::PanicError>());
    assert_eq!(trail_of(&failure), [("raised in", file!(), raised)]);
}

#[test]
fn failure_trail_follows_chain_deferred() {
    // Our own: a failure fed through chain_deferred enters both Deferreds.
    let (b, b_resolver) = Deferred::<u8>::new();
    let b_created = line!() - 1;
    let (a, a_resolver) = Deferred::<u8>::new();
    let a_created = line!() - 1;
    b.chain_deferred(a_resolver);
    let a = a.add_callback(plus_one);
    let skipped = line!() - 1;
    b_resolver.errback(TestError("fed"));
    let failure = failure_result_of(a);
    assert_eq!(
        trail_of(&failure),
        [
            ("entered", file!(), b_created),
            ("entered", file!(), a_created),
            ("passed through", file!(), skipped),
        ]
    );
}

#[test]
fn failure_trail_follows_an_implicit_chain() {
    // Our own: a failure from a Deferred that a callback returned starts with the inner
    // Deferred it entered and continues on the outer chain, whether the inner Deferred
    // fails after it was returned or had failed already.
    let (inner, inner_resolver) = Deferred::<u8>::new();
    let inner_created = line!() - 1;
    let (outer, outer_resolver) = Deferred::<()>::new();
    let outer = outer.add_callback(move |()| inner);
    let outer = outer.add_callback(plus_one);
    let skipped = line!() - 1;
    outer_resolver.callback(());
    inner_resolver.errback(TestError("inner"));

    let failure = failure_result_of(outer);
    let trail = trail_of(&failure);
    assert_eq!(trail.first(), Some(&("entered", file!(), inner_created)), "{trail:?}");
    assert_eq!(trail.last(), Some(&("passed through", file!(), skipped)), "{trail:?}");
    let report = failure.report();
    assert!(report.contains(&format!("{}:{inner_created}:", file!())), "{report}");

    let inner = fail::<u8>(TestError("failed already"));
    let inner_created = line!() - 1;
    let (outer, outer_resolver) = Deferred::<()>::new();
    let outer = outer.add_callback(move |()| inner);
    let outer = outer.add_callback(plus_one);
    let skipped = line!() - 1;
    outer_resolver.callback(());

    let failure = failure_result_of(outer);
    let trail = trail_of(&failure);
    assert_eq!(trail.first(), Some(&("entered", file!(), inner_created)), "{trail:?}");
    assert_eq!(trail.last(), Some(&("passed through", file!(), skipped)), "{trail:?}");
}
