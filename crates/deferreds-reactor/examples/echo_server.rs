//! An echo server: every byte a client sends comes back to it. The server
//! `benches/compare-echo` measures.
//!
//! `cargo run --release -p deferreds-reactor --example echo_server [-- --port N]`
//!
//! It listens on 127.0.0.1, port N (0 by default, a free port), prints the port as the
//! first line of its output, and serves until SIGINT or SIGTERM stop the reactor, which
//! closes the port and the connections.

use std::cell::Cell;
use std::io::Write;
use std::process::ExitCode;
use std::rc::Rc;

use deferreds::Failure;
use deferreds_reactor::Reactor;
use deferreds_reactor::net::{Protocol, ServerEndpoint, Transport};

/// Writes back what it reads.
struct Echo;

impl Protocol for Echo {
    fn data_received(&self, transport: &Transport, data: &[u8]) {
        transport.write(data);
    }
}

/// The port asked for with `--port N`, or 0.
fn port_argument() -> Result<u16, String> {
    let mut args = std::env::args().skip(1);
    let mut port = 0;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let value = args.next().ok_or("--port needs a number")?;
                port = value.parse().map_err(|_| format!("--port {value}: not a port number"))?;
            }
            other => {
                return Err(format!("unknown argument {other}; usage: echo_server [--port N]"));
            }
        }
    }
    Ok(port)
}

fn main() -> ExitCode {
    let port = match port_argument() {
        Ok(port) => port,
        Err(message) => {
            eprintln!("echo_server: {message}");
            return ExitCode::FAILURE;
        }
    };
    let reactor = match Reactor::new() {
        Ok(reactor) => reactor,
        Err(error) => {
            eprintln!("echo_server: cannot start the reactor: {error}");
            return ExitCode::FAILURE;
        }
    };
    let failed = Rc::new(Cell::new(false));
    let failed_listen = Rc::clone(&failed);
    let stopping = reactor.clone();
    let _listening = ServerEndpoint::tcp(("127.0.0.1", port))
        .listen(&reactor, || Echo)
        .add_callback(|listening| {
            // The benchmark reads this line to learn the port; it must not sit in a buffer.
            let port = listening.address().tcp().map_or(0, |addr| addr.port());
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{port}").and_then(|()| stdout.flush()).map_err(Failure::new)
        })
        .add_errback(move |failure| {
            eprintln!("echo_server: cannot listen on 127.0.0.1:{port}: {failure}");
            failed_listen.set(true);
            let _ = stopping.stop();
            Ok::<_, Failure>(())
        });
    if failed.get() {
        return ExitCode::FAILURE;
    }
    match reactor.run() {
        Ok(()) if !failed.get() => ExitCode::SUCCESS,
        Ok(()) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("echo_server: {error}");
            ExitCode::FAILURE
        }
    }
}
