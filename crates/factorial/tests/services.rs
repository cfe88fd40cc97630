//! The services over loopback: the session-wrapping client against a multiplier server,
//! and a whole cluster answering factorials. Every test is bounded by a reactor that
//! stops itself, so a lost answer fails the test instead of hanging it.

use std::rc::Rc;
use std::time::Duration;

use deferreds::{Failure, Time, ensure_deferred, gather_results};
use deferreds_reactor::Reactor;
use deferreds_xmlrpc::{Fault, Proxy, Server, ServerConfig, Value};
use factorial::cluster::Cluster;
use factorial::codes::BAD_ARGUMENT;
use factorial::{
    DEFAULT_MAX_N, FactorialClient, MultClient, Multiplier, MultiplierOptions, MultiplierService,
    RetryPolicy, Strategy,
};
use num_bigint::BigUint;

/// A reactor that stops itself after five seconds: `run_until` then fails.
fn reactor() -> Reactor {
    let reactor = Reactor::builder().install_signal_handlers(false).build().expect("a reactor");
    let stopper = reactor.clone();
    reactor.call_later(Duration::from_secs(5), move || {
        let _ = stopper.stop();
    });
    reactor
}

/// A multiplier server with `options`, and a client of it.
fn multiplier(
    reactor: &Reactor,
    options: MultiplierOptions,
) -> (Rc<MultiplierService>, Server, Rc<MultClient>) {
    let time: Rc<dyn Time> = Rc::new(reactor.clone());
    let service = MultiplierService::new(Rc::clone(&time), options);
    let server = Server::listen(reactor, "127.0.0.1:0", service.methods(), ServerConfig::default())
        .expect("a port");
    let proxy = Proxy::new(reactor, &server.url()).expect("an http URL");
    let policy = RetryPolicy { delay: Duration::from_millis(1), attempts: 20 };
    (service, server, MultClient::new(proxy, time, policy))
}

fn big(n: u64) -> BigUint {
    BigUint::from(n)
}

fn product(n: u64) -> BigUint {
    (1..=n).map(BigUint::from).product()
}

fn fault_code(failure: &Failure) -> i32 {
    failure.downcast_ref::<Fault>().unwrap_or_else(|| panic!("not a fault: {failure}")).code
}

#[test]
fn sessions_refused_while_warming_up_are_asked_for_again() {
    let reactor = reactor();
    let options = MultiplierOptions { warmup_refusals: 3, ..MultiplierOptions::default() };
    let (service, _server, client) = multiplier(&reactor, options);
    let value = reactor.run_until(client.multiply(big(6), big(7))).expect("a product");
    assert_eq!(value, big(42));
    assert_eq!(client.stats().retries, 3);
    assert_eq!(client.stats().sessions, 1);
    assert_eq!((service.stats().refused_sessions, service.stats().sessions), (3, 1));
}

#[test]
fn an_expired_session_is_renewed_without_the_caller_noticing() {
    let reactor = reactor();
    let options = MultiplierOptions { session_calls: Some(3), ..MultiplierOptions::default() };
    let (service, _server, client) = multiplier(&reactor, options);
    let c = Rc::clone(&client);
    let products = ensure_deferred(async move {
        let mut products = Vec::new();
        for k in 1..=10 {
            products.push(c.multiply(big(k), big(k + 1)).await?);
        }
        Ok::<_, Failure>(products)
    });
    let products = reactor.run_until(products).expect("ten products");
    let expected: Vec<BigUint> = (1..=10).map(|k| big(k * (k + 1))).collect();
    assert_eq!(products, expected);
    assert!(client.stats().renewed_sessions >= 3, "{:?}", client.stats());
    assert_eq!(service.stats().sessions, 4, "three calls per session: 4 sessions for 10");
}

#[test]
fn injected_failures_are_retried_until_every_product_is_right() {
    let reactor = reactor();
    let options = MultiplierOptions { failure_rate: 0.3, seed: 11, ..MultiplierOptions::default() };
    let (service, _server, client) = multiplier(&reactor, options);
    let all = gather_results((1..=20).map(|k| client.multiply(big(k), big(1000 + k))));
    let products = reactor.run_until(all).expect("every product");
    let expected: Vec<BigUint> = (1..=20).map(|k| big(k * (1000 + k))).collect();
    assert_eq!(products, expected);
    let failures = service.stats().injected_failures;
    assert!(failures > 0, "the seed injects failures");
    assert_eq!(client.stats().retries, failures, "each failure retried once");
    assert_eq!(service.stats().products, 20);
}

#[test]
fn a_negative_number_is_a_bad_argument() {
    let reactor = reactor();
    let (_service, server, _client) = multiplier(&reactor, MultiplierOptions::default());
    let proxy = Proxy::new(&reactor, &server.url()).expect("an http URL");
    let call = proxy.call_remote("multiply", vec![Value::Int(-3), Value::Int(4)]);
    let failure = reactor.run_until(call).expect_err("a fault");
    assert_eq!(fault_code(&failure), BAD_ARGUMENT);
}

#[test]
fn a_cluster_answers_a_factorial() {
    let reactor = reactor();
    let cluster =
        Cluster::start(&reactor, 2, &MultiplierOptions::default(), 2, Strategy::Tree).unwrap();
    let client = FactorialClient::new(&reactor, &cluster.server.url()).unwrap();
    assert_eq!(reactor.run_until(client.factorial(60)).unwrap(), product(60));
}

#[test]
fn identical_requests_at_once_are_computed_once() {
    let reactor = reactor();
    // Slow enough multipliers that the second request arrives while the first runs.
    let options = MultiplierOptions { latency: Duration::from_millis(5), ..Default::default() };
    let cluster = Cluster::start(&reactor, 2, &options, 2, Strategy::Tree).unwrap();
    let client = FactorialClient::new(&reactor, &cluster.server.url()).unwrap();
    let both = gather_results([client.factorial(200), client.factorial(200)]);
    let values = reactor.run_until(both).unwrap();
    assert_eq!(values, [product(200), product(200)]);
    let stats = cluster.factorials.stats();
    assert_eq!((stats.requests, stats.computed, stats.joined), (2, 1, 1), "{stats:?}");
}

#[test]
fn a_factorial_above_the_maximum_is_a_bad_argument() {
    let reactor = reactor();
    let cluster =
        Cluster::start(&reactor, 1, &MultiplierOptions::default(), 1, Strategy::Tree).unwrap();
    let client = FactorialClient::new(&reactor, &cluster.server.url()).unwrap();
    let failure = reactor.run_until(client.factorial(DEFAULT_MAX_N + 1)).expect_err("a fault");
    assert_eq!(fault_code(&failure), BAD_ARGUMENT);
    assert_eq!(cluster.factorials.stats().requests, 0, "refused before the engine");
}

#[test]
fn every_factorial_asked_at_once_is_answered_despite_faults() {
    let reactor = reactor();
    let options = MultiplierOptions {
        latency: Duration::from_millis(1),
        failure_rate: 0.2,
        warmup_refusals: 2,
        session_calls: Some(10),
        seed: 3,
    };
    let cluster = Cluster::start(&reactor, 2, &options, 2, Strategy::Tree).unwrap();
    let client = FactorialClient::new(&reactor, &cluster.server.url()).unwrap();
    let ns = [5, 30, 30, 100, 7, 250, 0, 1, 100, 64, 13, 21, 250, 180, 2, 99, 300, 30, 64, 120];
    let values = reactor.run_until(gather_results(ns.map(|n| client.factorial(n)))).unwrap();
    for (n, value) in ns.iter().zip(values) {
        assert_eq!(value, product(*n), "{n}!");
    }
    let injected: u64 = cluster.multipliers.iter().map(|m| m.stats().injected_failures).sum();
    let refused: u64 = cluster.multipliers.iter().map(|m| m.stats().refused_sessions).sum();
    assert!(injected > 0, "failures were injected");
    assert_eq!(refused, 4, "two refusals per multiplier");
    assert_eq!(cluster.factorials.stats().requests, 20);
}
