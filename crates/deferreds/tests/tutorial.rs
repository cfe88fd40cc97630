//! The tutorial's examples from sections 1–4 and 12, in virtual time.
//!
//! Where the tutorial picks a path at random, each test runs every path with the choice
//! made explicit. Section numbers refer to `deferreds-tutorial.txt`.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use deferreds::task::Clock;
use deferreds::testing::{ReportCapture, assert_no_result, failure_result_of, success_result_of};
use deferreds::{Deferred, Failure, Time, fail, log_err, maybe_deferred, succeed};

const FIVE_SECONDS: Duration = Duration::from_secs(5);

#[derive(Debug, PartialEq)]
struct ValueError(&'static str);

impl std::fmt::Display for ValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for ValueError {}

/// A log the handlers write to, standing in for the tutorial's `print`.
#[derive(Clone, Default)]
struct Printed(Rc<RefCell<Vec<String>>>);

impl Printed {
    fn print(&self, line: impl Into<String>) {
        self.0.borrow_mut().push(line.into());
    }

    fn lines(&self) -> Vec<String> {
        self.0.borrow().clone()
    }
}

/// Section 2: `remoteMultiply`, answering five seconds later, failing when told to
/// (the tutorial fails 1% of calls at random).
fn remote_multiply(clock: &Clock, a: i64, b: i64, fails: bool) -> Deferred<i64> {
    let (d, resolver) = Deferred::new();
    clock.call_later(FIVE_SECONDS, move || {
        if fails {
            resolver.errback(ValueError("could not multiply"));
        } else {
            resolver.callback(a * b);
        }
    });
    d
}

// Section 1: the simplest function that returns a Deferred.
#[test]
fn section_1_simplest_function_returning_a_deferred() {
    fn function_returning_deferred() -> Deferred<&'static str> {
        succeed("Some value")
    }
    let printed = Printed::default();
    let out = printed.clone();
    let d = function_returning_deferred().add_callback(move |value| {
        out.print(format!("Yay, I got {value:?}"));
        Ok(())
    });
    success_result_of(d);
    assert_eq!(printed.lines(), ["Yay, I got \"Some value\""]);
}

// Section 1: a promise that may be broken, handled with `add_callbacks` and `trap`.
#[test]
fn section_1_errback_traps_the_broken_promise() {
    for broken in [false, true] {
        let d = if broken { fail(ValueError("Bummer")) } else { succeed("Some value") };
        let printed = Printed::default();
        let (on_value, on_error) = (printed.clone(), printed.clone());
        let d = d.add_callbacks(
            move |value| {
                on_value.print(format!("Yay, I got {value:?}"));
                Ok(())
            },
            move |err: Failure| {
                let ve = err.trap::<ValueError>()?;
                on_error.print(format!("There was a problem {ve}"));
                Ok(())
            },
        );
        success_result_of(d);
        let expected =
            if broken { "There was a problem Bummer" } else { "Yay, I got \"Some value\"" };
        assert_eq!(printed.lines(), [expected]);
    }
}

// Section 2: `cb` and `cb2` may each fail; any failure skips straight to `eb`.
#[test]
fn section_2_failure_bypasses_the_remaining_callbacks() {
    for (cb_fails, cb2_fails) in [(false, false), (true, false), (false, true), (true, true)] {
        let printed = Printed::default();
        let (p1, p2, p3, p4) = (printed.clone(), printed.clone(), printed.clone(), printed.clone());
        let d = succeed(())
            .add_callback(move |()| {
                p1.print("cb");
                if cb_fails { Err(ValueError("failed").into()) } else { Ok(1) }
            })
            .add_callback(move |value: i32| {
                p2.print(format!("cb2 got {value}"));
                if cb2_fails { Err(ValueError("failed").into()) } else { Ok(value + 1) }
            })
            .add_callbacks(
                move |value| {
                    p3.print(format!("Final value calculated {value}"));
                    Ok(())
                },
                move |failure: Failure| {
                    let ex = failure.trap::<ValueError>()?;
                    p4.print(format!("Something failed {ex}"));
                    Ok(())
                },
            );
        success_result_of(d);
        let expected: Vec<String> = match (cb_fails, cb2_fails) {
            (false, false) => {
                vec!["cb".into(), "cb2 got 1".into(), "Final value calculated 2".into()]
            }
            (true, _) => vec!["cb".into(), "Something failed failed".into()],
            (false, true) => {
                vec!["cb".into(), "cb2 got 1".into(), "Something failed failed".into()]
            }
        };
        assert_eq!(printed.lines(), expected);
    }
}

// Section 2: the Deferred version of try/except/else: `recover` turns the failure into 0.
#[test]
fn section_2_recover_is_the_except_clause() {
    for cb_fails in [false, true] {
        let d = succeed(())
            .add_callback(move |()| if cb_fails { Err(ValueError("failed").into()) } else { Ok(1) })
            .add_callbacks(
                |value: i32| Ok(value + 1),
                |failure: Failure| {
                    failure.trap::<ValueError>()?;
                    Ok(0)
                },
            )
            .add_callback(|value| Ok::<_, Failure>(format!("Saw value {value}")));
        let expected = if cb_fails { "Saw value 0" } else { "Saw value 2" };
        assert_eq!(success_result_of(d), expected);
    }
}

// Section 2: `math.sqrt` with -1 as the failure marker, and `log.err` at the end, which
// reports the bug that a negative square root is.
#[test]
fn section_2_log_err_reports_what_the_chain_did_not_handle() {
    for (input, printed) in
        [(Ok(5.0_f64), Some(5.0_f64.sqrt())), (Ok(-1.0), None), (Err(()), Some(-1.0))]
    {
        let capture = ReportCapture::start();
        let seen = Rc::new(RefCell::new(None));
        let out = Rc::clone(&seen);
        let d = match input {
            Ok(v) => succeed(v),
            Err(()) => fail(ValueError("nothing exists")),
        };
        let d = d
            .add_callbacks(
                |x: f64| {
                    if x < 0.0 { Err(Failure::msg("math domain error")) } else { Ok(x.sqrt()) }
                },
                |_failure| Ok(-1.0),
            )
            .add_callback(move |value| {
                *out.borrow_mut() = Some(value);
                Ok(())
            })
            .add_errback(log_err);
        success_result_of(d);
        assert_eq!(*seen.borrow(), printed);
        let reports = capture.take();
        if printed.is_none() {
            assert_eq!(reports.len(), 1);
            assert!(!reports[0].is_unhandled());
            assert_eq!(reports[0].failure().to_string(), "math domain error");
        } else {
            assert!(reports.is_empty());
        }
    }
}

// Section 2: remote arithmetic answers after five seconds, or fails.
#[test]
fn section_2_remote_multiply_answers_five_seconds_later() {
    let clock = Clock::new();
    let ok = remote_multiply(&clock, 5, 5, false);
    let broken = remote_multiply(&clock, 5, 5, true);
    clock.advance(Duration::from_millis(4_999));
    assert_no_result(&ok);
    assert_no_result(&broken);
    clock.advance(Duration::from_millis(1));
    assert_eq!(success_result_of(ok), 25);
    assert_eq!(
        failure_result_of(broken).trap::<ValueError>().ok(),
        Some(&ValueError("could not multiply"))
    );
}

// Section 2: `calculate(5, 6, 7)`, and its failure turned into a message.
#[test]
fn section_2_calculate() {
    fn calculate(clock: &Clock, a: i64, b: i64, c: i64, fails: bool) -> Deferred<i64> {
        remote_multiply(clock, a, b, fails).add_callback(move |value| Ok::<_, Failure>(value + c))
    }
    let clock = Clock::new();
    let answers: Vec<Deferred<String>> = [false, true]
        .into_iter()
        .map(|fails| {
            calculate(&clock, 5, 6, 7, fails)
                .add_callback(|value| Ok::<_, Failure>(value.to_string()))
                .add_errback(|_| Ok("Multiplication fail!".to_owned()))
        })
        .collect();
    clock.advance(FIVE_SECONDS);
    let answers: Vec<String> = answers.into_iter().map(success_result_of).collect();
    assert_eq!(answers, ["37", "Multiplication fail!"]);
}

// Section 3: `fastRemoteMultiply` answers a multiplication by zero at once.
#[test]
fn section_3_succeed_shortcuts_the_zero_case() {
    fn fast_remote_multiply(clock: &Clock, a: i64, b: i64) -> Deferred<i64> {
        if a == 0 || b == 0 { succeed(0) } else { remote_multiply(clock, a, b, false) }
    }
    let clock = Clock::new();
    let zero = fast_remote_multiply(&clock, 5, 0);
    let slow = fast_remote_multiply(&clock, 5, 5);
    assert_eq!(success_result_of(zero), 0);
    assert_no_result(&slow);
    clock.advance(FIVE_SECONDS);
    assert_eq!(success_result_of(slow), 25);
}

// Section 3: `maybeDeferred` makes a local and a remote multiplication look the same,
// failures included.
#[test]
fn section_3_maybe_deferred_harmonises_local_and_remote() {
    enum How {
        Local { fails: bool },
        Remote,
    }
    fn multiply(clock: &Clock, how: &How, a: i64, b: i64) -> Deferred<i64> {
        match *how {
            How::Local { fails } => maybe_deferred(move || {
                if fails { Err(ValueError("random failure").into()) } else { Ok(a * b) }
            }),
            How::Remote => maybe_deferred(|| remote_multiply(clock, a, b, false)),
        }
    }
    fn multiply_three(clock: &Clock, how: Rc<How>, a: i64, b: i64, c: i64) -> Deferred<i64> {
        let again = clock.clone();
        multiply(clock, &how, a, b).add_callback(move |ab| multiply(&again, &how, ab, c))
    }
    let clock = Clock::new();
    let local = multiply_three(&clock, Rc::new(How::Local { fails: false }), 2, 3, 4);
    assert_eq!(success_result_of(local), 24);
    let failing = multiply_three(&clock, Rc::new(How::Local { fails: true }), 2, 3, 4);
    assert!(failure_result_of(failing).check::<ValueError>());
    let remote = multiply_three(&clock, Rc::new(How::Remote), 2, 3, 4);
    clock.advance(FIVE_SECONDS);
    assert_no_result(&remote);
    clock.advance(FIVE_SECONDS);
    assert_eq!(success_result_of(remote), 24);
}

// Section 3: `inverseMultiply`, approximating 1/infinity by 0 for "Value too large" and
// passing any other failure on.
#[test]
fn section_3_inverse_multiply_converts_one_error_into_a_value() {
    fn inverse_multiply(product: Deferred<i64>) -> Deferred<f64> {
        product.add_callbacks(
            |x| Ok(1.0 / x as f64),
            |err: Failure| {
                let exc = err.trap::<ValueError>()?;
                if exc.0 == "Value too large" { Ok(0.0) } else { Err(err) }
            },
        )
    }
    assert_eq!(success_result_of(inverse_multiply(succeed(4))), 0.25);
    assert_eq!(success_result_of(inverse_multiply(fail(ValueError("Value too large")))), 0.0);
    let other = failure_result_of(inverse_multiply(fail(ValueError("could not multiply"))));
    assert_eq!(other.downcast_ref::<ValueError>(), Some(&ValueError("could not multiply")));
    let unrelated = failure_result_of(inverse_multiply(fail(Failure::msg("network down"))));
    assert_eq!(unrelated.to_string(), "network down");
}

const KEY: &str = "friend";

fn fire_later<T: 'static>(clock: &Clock, value: T) -> Deferred<T> {
    let (d, resolver) = Deferred::new();
    clock.call_later(FIVE_SECONDS, move || resolver.callback(value));
    d
}

fn authenticate(clock: &Clock) -> Deferred<&'static str> {
    fire_later(clock, KEY)
}

fn secure_remote_multiply(clock: &Clock, token: &str, a: i64, b: i64) -> Deferred<i64> {
    if token != KEY {
        return fail(ValueError("wrong token"));
    }
    fire_later(clock, a * b)
}

// Section 4: the naive client authenticates before every multiplication: 10 s each.
#[test]
fn section_4_naive_client_pays_ten_seconds_per_call() {
    fn my_multiply(clock: &Clock, a: i64, b: i64) -> Deferred<i64> {
        let again = clock.clone();
        authenticate(clock).add_callback(move |key| secure_remote_multiply(&again, key, a, b))
    }
    let clock = Clock::new();
    let first = my_multiply(&clock, 5, 6);
    clock.advance(FIVE_SECONDS);
    assert_no_result(&first);
    clock.advance(FIVE_SECONDS);
    assert_eq!(success_result_of(first), 30);
    assert_eq!(clock.elapsed(), Duration::from_secs(10));
    assert!(failure_result_of(secure_remote_multiply(&clock, "enemy", 1, 2)).check::<ValueError>());
}

/// A multiplication waiting for the key.
type WaitingForKey = Box<dyn FnOnce(&'static str)>;

/// Section 4's `MultClient`: fetches the key once, queueing the multiplications that
/// arrive meanwhile, and replaces each Deferred it handed out with `chain_deferred`.
struct MultClient {
    clock: Clock,
    key: RefCell<Option<&'static str>>,
    waiting_for_key: RefCell<Vec<WaitingForKey>>,
    authentications: std::cell::Cell<u32>,
}

impl MultClient {
    fn new(clock: &Clock) -> Rc<MultClient> {
        Rc::new(MultClient {
            clock: clock.clone(),
            key: RefCell::new(None),
            waiting_for_key: RefCell::new(Vec::new()),
            authentications: std::cell::Cell::new(0),
        })
    }

    fn multiply(self: &Rc<Self>, a: i64, b: i64) -> Deferred<i64> {
        if let Some(key) = *self.key.borrow() {
            return secure_remote_multiply(&self.clock, key, a, b);
        }
        let (d, resolver) = Deferred::new();
        let clock = self.clock.clone();
        let mult = move |key: &'static str| {
            secure_remote_multiply(&clock, key, a, b).chain_deferred(resolver)
        };
        let first_waiter = {
            let mut waiting = self.waiting_for_key.borrow_mut();
            waiting.push(Box::new(mult));
            waiting.len() == 1
        };
        if first_waiter {
            self.authentications.set(self.authentications.get() + 1);
            let client = Rc::clone(self);
            let done = authenticate(&self.clock).add_callback(move |key| {
                *client.key.borrow_mut() = Some(key);
                let waiting = std::mem::take(&mut *client.waiting_for_key.borrow_mut());
                for mult in waiting {
                    mult(key);
                }
                Ok::<_, Failure>(())
            });
            drop(done);
        }
        d
    }
}

// Section 4: the key-caching client pays for the key once.
#[test]
fn section_4_mult_client_fetches_the_key_once() {
    let clock = Clock::new();
    let client = MultClient::new(&clock);
    let first = client.multiply(5, 6);
    let second = client.multiply(5, 7);
    clock.advance(FIVE_SECONDS);
    assert_no_result(&first);
    clock.advance(FIVE_SECONDS);
    assert_eq!(success_result_of(first), 30);
    assert_eq!(success_result_of(second), 35);
    let third = client.multiply(2, 3);
    clock.advance(FIVE_SECONDS);
    assert_eq!(success_result_of(third), 6);
    assert_eq!(client.authentications.get(), 1);
    assert_eq!(clock.elapsed(), Duration::from_secs(15));
}

/// Section 12: "when in doubt, defer". An authentication API that returns Deferreds
/// serves an in-memory table and a slow remote directory through one signature.
trait Authenticator {
    fn check(&self, user: &str, password: &str) -> Deferred<bool>;
}

struct InMemory(Vec<(&'static str, &'static str)>);

impl Authenticator for InMemory {
    fn check(&self, user: &str, password: &str) -> Deferred<bool> {
        succeed(self.0.iter().any(|&(u, p)| u == user && p == password))
    }
}

struct RemoteDirectory {
    clock: Clock,
    table: InMemory,
}

impl Authenticator for RemoteDirectory {
    fn check(&self, user: &str, password: &str) -> Deferred<bool> {
        let local = self.table.check(user, password);
        let clock = self.clock.clone();
        local.add_callback(move |found| fire_later(&clock, found))
    }
}

#[test]
fn section_12_one_deferred_api_for_fast_and_slow_implementations() {
    let clock = Clock::new();
    let fast: Box<dyn Authenticator> = Box::new(InMemory(vec![("alice", "secret")]));
    let slow: Box<dyn Authenticator> = Box::new(RemoteDirectory {
        clock: clock.clone(),
        table: InMemory(vec![("alice", "secret")]),
    });
    assert!(success_result_of(fast.check("alice", "secret")));
    assert!(!success_result_of(fast.check("alice", "guess")));
    let answer = slow.check("alice", "secret");
    assert_no_result(&answer);
    clock.advance(FIVE_SECONDS);
    assert!(success_result_of(answer));
}
