//! An XML-RPC server publishing `multiply(a, b)`, the server `benches/compare-xmlrpc`
//! measures.
//!
//! `cargo run --release -p deferreds-xmlrpc --example multiply_server [ADDR]`
//!
//! It listens on ADDR (`127.0.0.1:0` by default, a free port), prints its URL as the
//! first line of its output, and serves until SIGINT or SIGTERM, which stop the reactor
//! gracefully: the server stops accepting and closes its connections once idle.

use std::io::Write;
use std::process::ExitCode;

use deferreds::Failure;
use deferreds_reactor::Reactor;
use deferreds_xmlrpc::{Server, ServerConfig, XmlRpc};

fn main() -> ExitCode {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let reactor = match Reactor::new() {
        Ok(reactor) => reactor,
        Err(error) => {
            eprintln!("multiply_server: cannot start the reactor: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut methods = XmlRpc::new();
    methods
        .add("multiply", |(a, b): (i64, i64)| Ok::<_, Failure>(a * b))
        .help("Multiplies two integers.")
        .signature(&["int", "int", "int"]);
    let server = match Server::listen(&reactor, addr.as_str(), methods, ServerConfig::default()) {
        Ok(server) => server,
        Err(error) => {
            eprintln!("multiply_server: cannot listen on {addr}: {error}");
            return ExitCode::FAILURE;
        }
    };
    // The benchmark reads this line to learn the port; it must not sit in a buffer.
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{}", server.url()).and_then(|()| stdout.flush()).is_err() {
        return ExitCode::FAILURE;
    }
    drop(stdout);
    match reactor.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("multiply_server: {error}");
            ExitCode::FAILURE
        }
    }
}
