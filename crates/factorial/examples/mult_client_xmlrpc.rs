//! Tutorial section 11, "Code review: reviewing a done example": a client for an
//! XML-RPC multiplier that wants a session. `createSession` may answer "try again later"
//! (fault `RETRY`), and `multiply(session, a, b)` may answer that the session is no good
//! (fault `BAD_SESSION`). Callers only multiply; the client gets one session for all of
//! them, asks again when told to, and makes a new session when the old one has expired.
//!
//! `cargo run -p factorial --example mult_client_xmlrpc`
//!
//! The tutorial gives only the client; the server here is made up to match: it says
//! "try again later" to its first two `createSession` calls, a session is good for two
//! multiplications, and a multiplication takes five seconds. Both run in one process,
//! on 127.0.0.1 and a free port. Sockets take real time, so the tests run on a real
//! reactor too, briefly. A tutorial second is 10 ms.
//!
//! What the review finds, fixed here (each marked "Review:" below): the tutorial traps
//! `xmlrpc.Failure` where it means `xmlrpc.Fault`; its errbacks return `None` for faults
//! they do not know, which swallows them; it asks again at once after "try again later";
//! and a server that keeps answering `BAD_SESSION` keeps it multiplying forever.

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use common::Log;
use common::scaled::Scaled;
use deferreds::task::defer_later;
use deferreds::{Deferred, Failure, Resolver, Time, fail, gather_results, succeed};
use deferreds_reactor::Reactor;
use deferreds_xmlrpc::{Fault, Proxy, Server, ServerConfig, XmlRpc};

/// The fault for a session that is not (or no longer) valid.
const BAD_SESSION: i32 = 5;
/// The fault for "cannot create sessions yet, try again later".
const RETRY: i32 = 6;

/// The tutorial's `MultClient`, over a [`Proxy`].
struct MultClient<T> {
    client: Proxy,
    time: T,
    session: RefCell<Option<String>>,
    getting_session: Cell<bool>,
    on_session: RefCell<Vec<Resolver<()>>>,
}

impl<T: Time + Clone + 'static> MultClient<T> {
    fn new(client: Proxy, time: &T) -> Rc<MultClient<T>> {
        Rc::new(MultClient {
            client,
            time: time.clone(),
            session: RefCell::new(None),
            getting_session: Cell::new(false),
            on_session: RefCell::new(Vec::new()),
        })
    }

    fn has_session(&self, session: String) {
        *self.session.borrow_mut() = Some(session);
        let on_session = std::mem::take(&mut *self.on_session.borrow_mut());
        for d in on_session {
            d.callback(());
        }
    }

    fn failed_session(&self, err: Failure) {
        let on_session = std::mem::take(&mut *self.on_session.borrow_mut());
        for d in on_session {
            d.errback(err.clone());
        }
    }

    /// Fires when there is a session: at once if there is one, otherwise when the one
    /// asked for (by this call or an earlier one) comes.
    fn do_on_session(self: &Rc<Self>) -> Deferred<()> {
        if self.session.borrow().is_some() {
            return succeed(());
        }
        let (d, resolver) = Deferred::new();
        self.on_session.borrow_mut().push(resolver);
        if !self.getting_session.get() {
            let s = self.get_session();
            let (got, failed) = (Rc::clone(self), Rc::clone(self));
            drop(s.add_callbacks(
                move |session| {
                    got.has_session(session);
                    Ok(())
                },
                move |err| {
                    failed.failed_session(err);
                    Ok(())
                },
            ));
        }
        d
    }

    fn get_session(self: &Rc<Self>) -> Deferred<String> {
        self.getting_session.set(true);
        let d = self.client.call::<String, _>("createSession", &());
        let client = Rc::clone(self);
        // Review: trap `Fault` (the tutorial says `Failure`), and pass on the faults we do
        // not handle instead of returning nothing.
        let re_get = move |err: Failure| match err.downcast_ref::<Fault>() {
            Some(f) if f.code == RETRY => {
                // Review: "later" is not "at once"; wait a second before asking again.
                let again = Rc::clone(&client);
                defer_later(&client.time, Duration::from_secs(1), move || again.get_session())
            }
            _ => fail(err),
        };
        let client = Rc::clone(self);
        let finish_getting = move |val| {
            client.getting_session.set(false);
            val
        };
        d.add_errback(re_get).add_both(finish_getting)
    }

    fn multiply(self: &Rc<Self>, a: i64, b: i64) -> Deferred<i64> {
        self.multiply_with_new_sessions(a, b, 1)
    }

    /// Review: a bounded number of new sessions per multiplication. A fresh session that
    /// is refused too means something else is wrong, and the fault should be seen.
    fn multiply_with_new_sessions(self: &Rc<Self>, a: i64, b: i64, renewals: u32) -> Deferred<i64> {
        let d = self.do_on_session();
        let client = Rc::clone(self);
        let actually_multiply = move |()| {
            let session = client.session.borrow().clone().unwrap_or_default();
            client.client.call::<i64, _>("multiply", &(session, a, b))
        };
        let client = Rc::clone(self);
        let eb = move |err: Failure| match err.downcast_ref::<Fault>() {
            Some(f) if f.code == BAD_SESSION && renewals > 0 => {
                *client.session.borrow_mut() = None;
                client.multiply_with_new_sessions(a, b, renewals - 1)
            }
            _ => fail(err),
        };
        d.add_callback(actually_multiply).add_errback(eb)
    }
}

/// What the made-up server was asked, for the tests.
#[derive(Default)]
struct Counts {
    create_session: Cell<u32>,
    multiply: Cell<u32>,
}

/// The server's methods. It refuses the first `refusals` sessions with `RETRY`, and a
/// session is good for two multiplications.
fn methods<T: Time + Clone + 'static>(time: &T, refusals: u32, counts: &Rc<Counts>) -> XmlRpc {
    // Each session's name and how many multiplications it has left.
    let sessions: Rc<RefCell<Vec<(String, u32)>>> = Rc::default();
    let mut methods = XmlRpc::new();
    let (asked, made) = (Rc::clone(counts), Rc::clone(&sessions));
    methods.add("createSession", move |(): ()| {
        let n = asked.create_session.get() + 1;
        asked.create_session.set(n);
        if n <= refusals {
            return Err(Failure::new(Fault::new(
                RETRY,
                "cannot create sessions yet - try again later",
            )));
        }
        let session = format!("session-{n}");
        made.borrow_mut().push((session.clone(), 2));
        Ok(session)
    });
    let (asked, used, time) = (Rc::clone(counts), sessions, time.clone());
    methods.add("multiply", move |(session, a, b): (String, i64, i64)| {
        asked.multiply.set(asked.multiply.get() + 1);
        let mut sessions = used.borrow_mut();
        match sessions.iter_mut().find(|(name, left)| *name == session && *left > 0) {
            Some((_, left)) => {
                *left -= 1;
                defer_later(&time, Duration::from_secs(5), move || Ok::<_, Failure>(a * b))
            }
            None => fail(Fault::new(BAD_SESSION, "session invalid - please recreate session")),
        }
    });
    methods
}

/// The client as the program runs it: on the reactor, in tutorial seconds.
type ReactorClient = Rc<MultClient<Scaled<Reactor>>>;

/// Serves the methods and makes a client for them.
fn serve(reactor: &Reactor, methods: XmlRpc) -> Result<(Server, ReactorClient), Failure> {
    let server = Server::listen(reactor, "127.0.0.1:0", methods, ServerConfig::default())?;
    let proxy = Proxy::new(reactor, &server.url())?;
    Ok((server, MultClient::new(proxy, &Scaled::new(reactor.clone()))))
}

/// Two multiplications at once (one session, after two "try again later"), then a
/// third when the session is used up (a new session, quietly).
fn program(reactor: &Reactor, log: &Log) -> Deferred<()> {
    let counts = Rc::new(Counts::default());
    let time = Scaled::new(reactor.clone());
    let (server, mc) = match serve(reactor, methods(&time, 2, &counts)) {
        Ok(served) => served,
        Err(failure) => return fail(failure),
    };
    let log = log.clone();
    deferreds::ensure_deferred(async move {
        let started = time.seconds();
        let both = gather_results([mc.multiply(5, 6), mc.multiply(5, 7)]).await?;
        let took = common::seconds_since(&time, started);
        log.print(format!(
            "{} and {} ({took} s: two \"try again later\", one session, both multiplications)",
            both[0], both[1]
        ));
        let started = time.seconds();
        let third = mc.multiply(2, 3).await?;
        let took = common::seconds_since(&time, started);
        log.print(format!("{third} ({took} s: the session had expired, a new one was made)"));
        log.print(format!(
            "the server was asked createSession {} times and multiply {} times",
            counts.create_session.get(),
            counts.multiply.get()
        ));
        drop(server);
        Ok::<_, Failure>(())
    })
}

fn main() {
    let (reactor, _time) = common::start();
    common::run(&reactor, program(&reactor, &Log::default()));
}

// Sockets need real time: these tests run the reactor, for a few hundred milliseconds.
#[cfg(test)]
mod tests {
    use super::*;
    use common::test_reactor;

    #[test]
    fn callers_share_a_session_got_after_two_retries() {
        let reactor = test_reactor();
        let counts = Rc::new(Counts::default());
        let time = Scaled::new(reactor.clone());
        let (_server, mc) = serve(&reactor, methods(&time, 2, &counts)).expect("served");
        let started = time.seconds();
        let both = gather_results([mc.multiply(5, 6), mc.multiply(5, 7)]);
        assert_eq!(reactor.run_until(both).expect("two products"), [30, 35]);
        assert_eq!((counts.create_session.get(), counts.multiply.get()), (3, 2));
        // Two one-second waits, then five seconds of multiplying; real time, so only
        // the lower bound is certain.
        assert!(common::seconds_since(&time, started) >= 7);
    }

    #[test]
    fn an_expired_session_is_replaced_quietly() {
        let reactor = test_reactor();
        let counts = Rc::new(Counts::default());
        let time = Scaled::new(reactor.clone());
        let (_server, mc) = serve(&reactor, methods(&time, 0, &counts)).expect("served");
        let mc2 = Rc::clone(&mc);
        let three = gather_results([mc.multiply(5, 6), mc.multiply(5, 7)])
            .add_callback(move |_| mc2.multiply(2, 3));
        assert_eq!(reactor.run_until(three).expect("a product"), 6);
        // The third multiplication was refused once, then done with a second session.
        assert_eq!((counts.create_session.get(), counts.multiply.get()), (2, 4));
        assert_eq!(mc.session.borrow().as_deref(), Some("session-2"));
    }

    #[test]
    fn other_faults_reach_the_caller() {
        let reactor = test_reactor();
        let mut methods = XmlRpc::new();
        methods.add("createSession", |(): ()| {
            Err::<String, _>(Failure::new(Fault::new(99, "closed for maintenance")))
        });
        let (_server, mc) = serve(&reactor, methods).expect("served");
        let both = gather_results([mc.multiply(5, 6), mc.multiply(5, 7)]);
        let failure = reactor.run_until(both).expect_err("no session");
        let first = failure.downcast_ref::<deferreds::FirstError>().expect("the first failure");
        assert_eq!(
            first.failure().trap::<Fault>().ok(),
            Some(&Fault::new(99, "closed for maintenance"))
        );
    }

    #[test]
    fn a_session_refused_again_and_again_is_given_up() {
        let reactor = test_reactor();
        let mut methods = XmlRpc::new();
        methods.add("createSession", |(): ()| Ok::<_, Failure>("useless".to_owned()));
        methods.add("multiply", |(_, _, _): (String, i64, i64)| {
            Err::<i64, _>(Failure::new(Fault::new(BAD_SESSION, "session invalid")))
        });
        let (_server, mc) = serve(&reactor, methods).expect("served");
        let failure = reactor.run_until(mc.multiply(5, 6)).expect_err("refused");
        assert_eq!(failure.trap::<Fault>().map(|f| f.code).ok(), Some(BAD_SESSION));
    }

    #[test]
    fn the_program_prints_the_products_and_the_counts() {
        let reactor = test_reactor();
        let log = Log::default();
        reactor.run_until(program(&reactor, &log)).expect("the program finishes");
        let lines = log.lines();
        assert!(lines[0].starts_with("30 and 35 ("), "{lines:?}");
        assert!(lines[1].starts_with("6 ("), "{lines:?}");
        assert_eq!(lines[2], "the server was asked createSession 4 times and multiply 4 times");
    }
}
