//! `factorial`: the tutorial's exercises as a command.
//!
//! ```text
//! factorial demo                                   everything in one process, explained
//! factorial multiplier --listen ADDR [options]     a multiplier server
//! factorial serve --listen ADDR --multiplier URL   a factorial server (repeat --multiplier)
//! factorial call N --server URL                    ask a factorial server for N!
//! factorial compare N                              sequential chain vs product tree, timed
//! ```

use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use deferreds::{Failure, Time};
use deferreds_reactor::Reactor;
use deferreds_xmlrpc::{Fault, Proxy, Server, ServerConfig};
use factorial::cluster::Cluster;
use factorial::{
    FactorialClient, Factorials, MultClient, Multiplier, MultiplierOptions, MultiplierPool,
    MultiplierService, RetryPolicy, Strategy, demo, factorial_methods,
};

#[derive(Parser)]
#[command(
    name = "factorial",
    version,
    about = "Factorials through remote multipliers, over XML-RPC."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Starts multipliers, a factorial server and a client in this process, and shows
    /// what happened: cache hits, joined requests, retries, concurrency, time.
    Demo,
    /// Serves `multiply(a, b)`, `multiply(session, a, b)` and `createSession()`.
    Multiplier {
        /// The address to listen on; port 0 picks one. The URL is printed first.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: String,
        /// Milliseconds each multiplication takes.
        #[arg(long, default_value_t = 0)]
        latency_ms: u64,
        /// The share of multiplications that fail with fault 6 (RETRY), 0 to 1.
        #[arg(long, default_value_t = 0.0)]
        failure_rate: f64,
        /// `createSession` calls refused with RETRY first, as while warming up.
        #[arg(long, default_value_t = 0)]
        warmup_refusals: u32,
        /// Multiplications a session is good for; then fault 5 (BAD_SESSION).
        #[arg(long)]
        session_calls: Option<u32>,
    },
    /// Serves `factorial(n)`, computed through the multipliers.
    Serve {
        /// The address to listen on; port 0 picks one. The URL is printed first.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: String,
        /// A multiplier server's URL; give two for two.
        #[arg(long = "multiplier", required = true)]
        multipliers: Vec<String>,
        /// Calls each multiplier gets at a time.
        #[arg(long, default_value_t = 2)]
        limit: usize,
        /// Multiply one at a time instead of as a product tree.
        #[arg(long)]
        sequential: bool,
        /// The largest n served.
        #[arg(long, default_value_t = factorial::DEFAULT_MAX_N)]
        max_n: u64,
    },
    /// Asks a factorial server for N! and prints it.
    Call {
        /// Which factorial.
        n: u64,
        /// The factorial server's URL.
        #[arg(long)]
        server: String,
    },
    /// Computes N! both ways over loopback (2 multipliers, 2 calls each, 1 ms each) and
    /// prints wall time and remote calls.
    Compare {
        /// Which factorial.
        #[arg(default_value_t = 1000)]
        n: u64,
        /// Milliseconds per multiplication.
        #[arg(long, default_value_t = 1)]
        latency_ms: u64,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Demo => match demo::run(Rc::new(|text| print!("{text}"))) {
            Ok(report) => {
                print!("{report}");
                ExitCode::SUCCESS
            }
            Err(failure) => fail(&failure),
        },
        Command::Multiplier {
            listen,
            latency_ms,
            failure_rate,
            warmup_refusals,
            session_calls,
        } => {
            let options = MultiplierOptions {
                latency: Duration::from_millis(latency_ms),
                failure_rate,
                warmup_refusals,
                session_calls,
                ..MultiplierOptions::default()
            };
            serve(&listen, |reactor| {
                let time: Rc<dyn Time> = Rc::new(reactor.clone());
                Ok(MultiplierService::new(time, options).methods())
            })
        }
        Command::Serve { listen, multipliers, limit, sequential, max_n } => {
            serve(&listen, |reactor| {
                let time: Rc<dyn Time> = Rc::new(reactor.clone());
                let mut members: Vec<Box<dyn Multiplier>> = Vec::new();
                for url in &multipliers {
                    let proxy = Proxy::new(reactor, url).map_err(Failure::new)?;
                    members.push(Box::new(MultClient::new(
                        proxy,
                        Rc::clone(&time),
                        RetryPolicy::default(),
                    )));
                }
                let strategy = if sequential { Strategy::Sequential } else { Strategy::Tree };
                let factorials =
                    Factorials::new(Box::new(MultiplierPool::new(members, limit.max(1))), strategy);
                Ok(factorial_methods(factorials, max_n))
            })
        }
        Command::Call { n, server } => {
            let reactor = match Reactor::new() {
                Ok(reactor) => reactor,
                Err(error) => return fail(&Failure::new(error)),
            };
            let result = FactorialClient::new(&reactor, &server)
                .map_err(Failure::new)
                .and_then(|client| reactor.run_until(client.factorial(n)));
            match result {
                Ok(value) => {
                    println!("{value}");
                    ExitCode::SUCCESS
                }
                Err(failure) => fail(&failure),
            }
        }
        Command::Compare { n, latency_ms } => compare(n, Duration::from_millis(latency_ms)),
    }
}

/// Serves the methods `make` builds until SIGINT or SIGTERM; prints the URL first.
fn serve(
    listen: &str,
    make: impl FnOnce(&Reactor) -> Result<deferreds_xmlrpc::XmlRpc, Failure>,
) -> ExitCode {
    let started = Reactor::new().map_err(Failure::new).and_then(|reactor| {
        let methods = make(&reactor)?;
        let server = Server::listen(&reactor, listen, methods, ServerConfig::default())
            .map_err(Failure::new)?;
        Ok((reactor, server))
    });
    let (reactor, server) = match started {
        Ok(started) => started,
        Err(failure) => return fail(&failure),
    };
    println!("{}", server.url());
    match reactor.run() {
        // Stopped by SIGINT or SIGTERM: a server's normal end.
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&Failure::new(error)),
    }
}

fn compare(n: u64, latency: Duration) -> ExitCode {
    let options = MultiplierOptions { latency, ..MultiplierOptions::default() };
    for (label, count, strategy) in [
        ("sequential chain, 1 multiplier", 1, Strategy::Sequential),
        ("product tree, 2 multipliers x 2 calls", 2, Strategy::Tree),
    ] {
        let run = Reactor::new().map_err(Failure::new).and_then(|reactor| {
            let cluster =
                Cluster::start(&reactor, count, &options, 2, strategy).map_err(Failure::new)?;
            let at = Instant::now();
            let value = reactor.run_until(cluster.factorials.factorial(n))?;
            Ok((at.elapsed(), cluster.factorials.stats().multiplications, value))
        });
        match run {
            Ok((took, calls, value)) => println!(
                "factorial({n}) by {label}: {:.3} s, {calls} remote multiplications, {} digits",
                took.as_secs_f64(),
                value.to_string().len()
            ),
            Err(failure) => return fail(&failure),
        }
    }
    ExitCode::SUCCESS
}

/// Reports a failure: a fault from a server exits with 1, anything else with 2.
fn fail(failure: &Failure) -> ExitCode {
    match failure.downcast_ref::<Fault>() {
        Some(fault) => {
            eprintln!("fault {}: {}", fault.code, fault.string);
            ExitCode::from(1)
        }
        None => {
            eprintln!("error: {failure}");
            ExitCode::from(2)
        }
    }
}
