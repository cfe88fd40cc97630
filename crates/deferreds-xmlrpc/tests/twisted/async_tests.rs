//! Twisted's `AsyncXMLRPCTests`: a method that answers with a Deferred, and a client
//! that leaves before it fires.
//!
//! Twisted renders into a fake request; the same happens here with
//! [`XmlRpc::respond`], the resource without HTTP, and then over a real connection.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use deferreds::testing::{ReportCapture, assert_no_result, failure_result_of, success_result_of};
use deferreds::{CancelledError, Deferred, Resolver, task};
use deferreds_xmlrpc::{MethodCall, MethodResponse, Proxy, Value, XmlRpc};

use crate::support::{listen, reactor, run, wait_until};

/// The method `async` of Twisted's `AsyncResource`: it returns a Deferred the test fires,
/// and records whether it was called and whether its Deferred was cancelled.
#[derive(Default)]
struct Pending {
    resolver: RefCell<Option<Resolver<Value>>>,
    called: Cell<bool>,
    cancelled: Cell<bool>,
}

impl Pending {
    fn resource(self: &Rc<Self>) -> XmlRpc {
        let mut methods = XmlRpc::new();
        let this = Rc::clone(self);
        methods.add_raw("async", move |_| {
            this.called.set(true);
            let cancelled = Rc::clone(&this);
            let (deferred, resolver) =
                Deferred::with_canceller(move |_| cancelled.cancelled.set(true));
            *this.resolver.borrow_mut() = Some(resolver);
            Ok(deferred)
        });
        methods
    }

    fn fire(&self, value: &str) {
        let resolver = self.resolver.borrow_mut().take().expect("the method was called");
        resolver.callback(Value::from(value));
    }
}

fn async_call() -> String {
    MethodCall::new("async", vec![]).to_xml().unwrap()
}

// Source: twisted/web/test/test_xmlrpc.py AsyncXMLRPCTests.test_deferredResponse
#[test]
fn deferred_response() {
    // The resource alone: nothing is written until the method's Deferred fires.
    let pending = Rc::new(Pending::default());
    let methods = Rc::new(pending.resource());
    let response = methods.respond(async_call().as_bytes());
    assert_no_result(&response);
    pending.fire("result");
    let written = success_result_of(response);
    let answer = MethodResponse::from_xml(written.as_bytes()).unwrap();
    assert_eq!(answer, MethodResponse::Success(Value::from("result")));

    // Over HTTP: the client waits while the method does.
    let reactor = reactor();
    let pending = Rc::new(Pending::default());
    let server = listen(&reactor, pending.resource());
    let answered = Rc::new(Cell::new(false));
    let seen = Rc::clone(&answered);
    let call = Proxy::new(&reactor, &server.url())
        .unwrap()
        .call_remote("async", vec![])
        .add_callback(move |value| {
            seen.set(true);
            Ok(value)
        });
    let (called, timer) = (Rc::clone(&pending), reactor.clone());
    let done = wait_until(&reactor, move || called.called.get())
        .add_callback(move |()| {
            task::defer_later(&timer, Duration::from_millis(20), move || {
                assert!(!answered.get(), "answered before the method's Deferred fired");
                pending.fire("result");
                Ok(())
            })
        })
        .add_callback(move |()| call);
    assert_eq!(run(&reactor, done).unwrap(), Value::from("result"));
}

// Source: twisted/web/test/test_xmlrpc.py AsyncXMLRPCTests.test_interruptedDeferredResponse
// DIFFERENCE: Twisted lets the method's Deferred run on and drops its result; here the
// request going away cancels it, so the work stops too. Firing it afterwards writes
// nothing and is not an error.
#[test]
fn interrupted_deferred_response() {
    // The resource alone: cancelling the response cancels the method's Deferred.
    let pending = Rc::new(Pending::default());
    let methods = Rc::new(pending.resource());
    let response = methods.respond(async_call().as_bytes());
    response.cancel();
    assert!(pending.cancelled.get());
    assert!(failure_result_of(response).check::<CancelledError>());
    pending.fire("result");

    // Over HTTP: the client hangs up while the method waits.
    let capture = ReportCapture::start();
    let reactor = reactor();
    let pending = Rc::new(Pending::default());
    let server = listen(&reactor, pending.resource());
    let call = Proxy::new(&reactor, &server.url()).unwrap().call_remote("async", vec![]);
    let (called, cancelled, observer) = (Rc::clone(&pending), Rc::clone(&pending), reactor.clone());
    let done = wait_until(&reactor, move || called.called.get()).add_callback(move |()| {
        call.cancel();
        assert!(failure_result_of(call).check::<CancelledError>());
        wait_until(&observer, move || cancelled.cancelled.get() && server.connections() == 0)
    });
    run(&reactor, done).unwrap();
    pending.fire("result");
    let reports: Vec<String> = capture.take().iter().map(|r| r.failure().report()).collect();
    assert!(reports.is_empty(), "a client that leaves is not a server error: {reports:?}");
}
