//! The reference of `benches/compare-echo`: an echo server in plain tokio, as one would
//! write it for the job. A current-thread runtime, one task per connection, a read into
//! the task's buffer and then `write_all` of what was read; `TCP_NODELAY` on, as ours.
//!
//! The buffer is 64 KiB, the size ours and Twisted read at a time, so that a large
//! message takes as many reads on every server.
//!
//! Usage: `tokio-echo [--port N]` (default 0, a free port). It listens on 127.0.0.1,
//! prints the port as the first line of its output, and serves until it is killed.

use std::io::Write as _;
use std::process::ExitCode;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const BUFFER: usize = 64 * 1024;

fn main() -> ExitCode {
    let port = match port_argument() {
        Ok(port) => port,
        Err(message) => {
            eprintln!("tokio-echo: {message}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_io().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("tokio-echo: cannot start tokio: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(port)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tokio-echo: 127.0.0.1:{port}: {error}");
            ExitCode::FAILURE
        }
    }
}

fn port_argument() -> Result<u16, String> {
    let mut args = std::env::args().skip(1);
    let mut port = 0;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let value = args.next().ok_or("--port needs a number")?;
                port = value.parse().map_err(|_| format!("--port {value}: not a port number"))?;
            }
            other => return Err(format!("unknown argument {other}; usage: tokio-echo [--port N]")),
        }
    }
    Ok(port)
}

async fn serve(port: u16) -> std::io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", listener.local_addr()?.port())?;
    stdout.flush()?;
    drop(stdout);
    loop {
        // A failed accept (a reset, out of descriptors) leaves the listener usable.
        let Ok((mut stream, _)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let mut buffer = vec![0; BUFFER];
            loop {
                let read = match stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(read) => read,
                };
                if stream.write_all(&buffer[..read]).await.is_err() {
                    return;
                }
            }
        });
    }
}
