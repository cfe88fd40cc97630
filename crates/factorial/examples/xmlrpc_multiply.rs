//! Tutorial section 2, "The rules": "if things are already available, for example with
//! xmlrpc or AMP, then it is nobody's problem. But the abstraction would still look like
//! remoteMultiply". Here it is over XML-RPC: a server publishes `multiply`, answering
//! five seconds later, and the client's `remote_multiply` returns a Deferred like the
//! local stand-in does, so `calculate` (5*6+7) does not change.
//!
//! `cargo run -p factorial --example xmlrpc_multiply`
//!
//! The server and the client run in one process, on 127.0.0.1 and a free port. Sockets
//! take real time, so the tests run on a real reactor too, briefly. A tutorial second
//! is 10 ms.

mod common;

use common::Log;
use common::scaled::Scaled;
use deferreds::{Deferred, Failure, Time, gather_results};
use deferreds_reactor::Reactor;
use deferreds_xmlrpc::{Fault, Proxy, Server, ServerConfig, XmlRpc};

/// The fault code for a multiplication that failed.
const VALUE_ERROR: i32 = 1;

/// The server's methods: `multiply(a, b)`, answered as the stand-in `remote_multiply`
/// answers (five seconds later). Its failures go to the client as faults.
fn methods<T: Time + Clone + 'static>(time: &T) -> XmlRpc {
    let time = time.clone();
    let mut methods = XmlRpc::new();
    methods
        .add("multiply", move |(a, b): (i64, i64)| {
            common::remote::remote_multiply(&time, a, b).add_errback(|failure| {
                Err::<i64, _>(Failure::new(Fault::new(VALUE_ERROR, failure.to_string())))
            })
        })
        .help("Multiplies two integers, five seconds later.")
        .signature(&["int", "int", "int"]);
    methods
}

/// The client's `remoteMultiply`: a call over the network, a Deferred all the same. A
/// fault arrives as a failure that traps to `Fault`.
fn remote_multiply(proxy: &Proxy, a: i64, b: i64) -> Deferred<i64> {
    proxy.call("multiply", &(a, b))
}

/// Section 2's `calculate`, unchanged but for where the product comes from.
fn calculate(proxy: &Proxy, a: i64, b: i64, c: i64) -> Deferred<i64> {
    remote_multiply(proxy, a, b).add_callback(move |value| Ok::<_, Failure>(value + c))
}

/// Prints the sum, or the fault.
fn print_calculation(d: Deferred<i64>, log: &Log) -> Deferred<()> {
    let log = log.clone();
    d.add_callback(|sum| Ok(sum.to_string()))
        .add_errback(|failure| {
            let fault = failure.trap::<Fault>()?;
            Ok(format!("Multiplication fail! (fault {}: {})", fault.code, fault.string))
        })
        .add_callback(move |line| {
            log.print(line);
            Ok(())
        })
}

/// Starts the server, then calculates through it twice at once: 5*6+7, and a product too
/// large for the server.
fn program(reactor: &Reactor, log: &Log) -> Deferred<()> {
    let time = Scaled::new(reactor.clone());
    let server =
        match Server::listen(reactor, "127.0.0.1:0", methods(&time), ServerConfig::default()) {
            Ok(server) => server,
            Err(error) => return deferreds::fail(error),
        };
    let proxy = match Proxy::new(reactor, &server.url()) {
        Ok(proxy) => proxy,
        Err(error) => return deferreds::fail(error),
    };
    log.print(format!("serving on {}", server.url()));
    let started = time.seconds();
    let both = gather_results([
        print_calculation(calculate(&proxy, 5, 6, 7), log),
        print_calculation(calculate(&proxy, i64::MAX, 2, 7), log),
    ]);
    let log = log.clone();
    both.add_callback(move |_| {
        log.print(format!("(both answered after {} s)", common::seconds_since(&time, started)));
        Ok(())
    })
}

fn main() {
    let (reactor, _time) = common::start();
    common::run(&reactor, program(&reactor, &Log::default()));
}

// Sockets need real time: these tests run the reactor, for a few tens of milliseconds.
#[cfg(test)]
mod tests {
    use super::*;
    use common::test_reactor;

    #[test]
    fn calculate_works_the_same_over_the_network() {
        let reactor = test_reactor();
        let time = Scaled::new(reactor.clone());
        let server =
            Server::listen(&reactor, "127.0.0.1:0", methods(&time), ServerConfig::default())
                .expect("a free port");
        let proxy = Proxy::new(&reactor, &server.url()).expect("the server's URL");
        let started = time.seconds();
        let sum = reactor.run_until(calculate(&proxy, 5, 6, 7)).expect("a sum");
        assert_eq!(sum, 37);
        // Real time: only the lower bound is certain.
        assert!(common::seconds_since(&time, started) >= 5);
    }

    #[test]
    fn a_failed_multiplication_arrives_as_a_fault() {
        let reactor = test_reactor();
        let time = Scaled::new(reactor.clone());
        let server =
            Server::listen(&reactor, "127.0.0.1:0", methods(&time), ServerConfig::default())
                .expect("a free port");
        let proxy = Proxy::new(&reactor, &server.url()).expect("the server's URL");
        let failure =
            reactor.run_until(remote_multiply(&proxy, i64::MAX, 2)).expect_err("too large");
        assert_eq!(failure.trap::<Fault>().ok(), Some(&Fault::new(VALUE_ERROR, "Value too large")));
    }

    #[test]
    fn the_program_prints_a_sum_and_a_fault() {
        let reactor = test_reactor();
        let log = Log::default();
        reactor.run_until(program(&reactor, &log)).expect("the program finishes");
        let lines = log.lines();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].starts_with("serving on http://127.0.0.1:"));
        let mut answers = lines[1..3].to_vec();
        answers.sort();
        assert_eq!(answers, ["37", "Multiplication fail! (fault 1: Value too large)"]);
        assert!(lines[3].starts_with("(both answered after "));
    }
}
