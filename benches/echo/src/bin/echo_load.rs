//! The load of `benches/compare-echo`: many connections to one echo server, each
//! sending a message and waiting for its echo before sending the next (or keeping a
//! fixed number in flight), for a fixed time or a fixed count.
//!
//! Usage:
//!
//! ```text
//! echo-load --port P [--host 127.0.0.1] [--connections 50] [--size 64] [--depth 1]
//!           [--duration 5] [--warmup 1] [--count N]
//! ```
//!
//! Every connection is opened first; then each sends `depth` messages of `size` bytes
//! and, each time a whole message has come back and matched what was sent, sends the
//! next. A message's latency runs from just before its write to the end of the read
//! that completes its echo. With `--count N` each connection sends N messages, all
//! measured; otherwise messages that complete in the first `warmup` seconds are not
//! counted and the run ends after `duration` more. The server must be on a loopback
//! address, and the run stops by itself: a server that stops answering makes it fail
//! after 10 s past its planned end.
//!
//! Prints a summary on stderr and one line on stdout for scripts:
//! `echo-load: connections=.. size=.. depth=.. seconds=.. messages=.. msgs_per_s=..
//! mb_per_s=.. p50_us=.. p99_us=.. max_us=.. errors=..`. MB/s counts the echoed payload
//! once (10^6 bytes), not both directions. Exit status 1 on any error.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long past its planned end a run may go before it counts as stalled.
const GRACE: Duration = Duration::from_secs(10);

struct Options {
    addr: SocketAddr,
    connections: usize,
    size: usize,
    depth: usize,
    duration: Duration,
    warmup: Duration,
    count: Option<u64>,
}

/// One connection's results.
#[derive(Default)]
struct Tally {
    messages: u64,
    /// Nanoseconds, one per measured message.
    latencies: Vec<u64>,
    error: Option<String>,
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("echo-load: {message}");
            eprintln!(
                "usage: echo-load --port P [--host 127.0.0.1] [--connections 50] [--size 64] \
                 [--depth 1] [--duration 5] [--warmup 1] [--count N]"
            );
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("echo-load: cannot start tokio: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&options)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("echo-load: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut host: IpAddr = [127, 0, 0, 1].into();
    let mut port = None;
    let mut options = Options {
        addr: ([127, 0, 0, 1], 0).into(),
        connections: 50,
        size: 64,
        depth: 1,
        duration: Duration::from_secs(5),
        warmup: Duration::from_secs(1),
        count: None,
    };
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        let number = |text: String| -> Result<f64, String> {
            match text.parse::<f64>() {
                Ok(n) if n.is_finite() && n >= 0.0 => Ok(n),
                _ => Err(format!("{arg} {text}: not a number")),
            }
        };
        match arg.as_str() {
            "--host" => host = value()?.parse().map_err(|_| format!("{arg}: not an IP address"))?,
            "--port" => port = Some(value()?.parse::<u16>().map_err(|e| format!("{arg}: {e}"))?),
            "--connections" => options.connections = number(value()?)? as usize,
            "--size" => options.size = number(value()?)? as usize,
            "--depth" => options.depth = number(value()?)? as usize,
            "--duration" => options.duration = Duration::from_secs_f64(number(value()?)?),
            "--warmup" => options.warmup = Duration::from_secs_f64(number(value()?)?),
            "--count" => options.count = Some(number(value()?)? as u64),
            _ => return Err(format!("unknown argument {arg}")),
        }
    }
    let port = port.ok_or("--port is required")?;
    if !host.is_loopback() {
        return Err(format!("{host} is not a loopback address; this load stays on the machine"));
    }
    if options.connections == 0 || options.size == 0 || options.depth == 0 {
        return Err("--connections, --size and --depth must be at least 1".to_owned());
    }
    if options.count.is_none() && options.duration.is_zero() {
        return Err("--duration must be more than 0".to_owned());
    }
    options.addr = SocketAddr::new(host, port);
    Ok(options)
}

async fn run(options: &Options) -> Result<bool, String> {
    let mut streams = Vec::with_capacity(options.connections);
    for i in 0..options.connections {
        let stream = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(options.addr))
            .await
            .map_err(|_| format!("connection {i} to {} timed out", options.addr))?
            .map_err(|error| format!("connection {i} to {}: {error}", options.addr))?;
        stream.set_nodelay(true).map_err(|error| format!("TCP_NODELAY: {error}"))?;
        streams.push(stream);
    }

    let start = Instant::now();
    let (measure_from, end) = match options.count {
        Some(_) => (start, None),
        None => (start + options.warmup, Some(start + options.warmup + options.duration)),
    };
    let tasks: Vec<_> = streams
        .into_iter()
        .enumerate()
        .map(|(i, stream)| {
            let message: Vec<u8> = (0..options.size).map(|j| (i * 31 + j * 7) as u8).collect();
            tokio::spawn(converse(stream, message, options.depth, measure_from, end, options.count))
        })
        .collect();

    let limit = match end {
        Some(end) => end + GRACE,
        // A generous bound for a fixed count: 1 ms per message and connection, at least
        // the grace period.
        None => start + GRACE + Duration::from_millis(options.count.unwrap_or(0)),
    };
    let mut tallies = Vec::with_capacity(tasks.len());
    for task in tasks {
        let tally = tokio::time::timeout_at(limit.into(), task)
            .await
            .map_err(|_| "the server stopped answering: the run went 10 s past its end".to_owned())?
            .map_err(|error| format!("a connection's task failed: {error}"))?;
        tallies.push(tally);
    }
    let seconds = match end {
        Some(end) => (end - measure_from).as_secs_f64(),
        None => start.elapsed().as_secs_f64(),
    };
    Ok(report(options, &mut tallies, seconds))
}

/// One connection: `depth` messages in flight until `end` (or `count` messages).
async fn converse(
    mut stream: TcpStream,
    message: Vec<u8>,
    depth: usize,
    measure_from: Instant,
    end: Option<Instant>,
    count: Option<u64>,
) -> Tally {
    let mut tally = Tally::default();
    if let Err(error) =
        exchange(&mut stream, &message, depth, measure_from, end, count, &mut tally).await
    {
        tally.error = Some(error);
    }
    tally
}

async fn exchange(
    stream: &mut TcpStream,
    message: &[u8],
    depth: usize,
    measure_from: Instant,
    end: Option<Instant>,
    count: Option<u64>,
    tally: &mut Tally,
) -> Result<(), String> {
    let mut echo = vec![0; message.len()];
    let mut in_flight = VecDeque::with_capacity(depth);
    let mut sent = 0u64;
    let wanted = count.unwrap_or(u64::MAX);
    while sent < wanted && in_flight.len() < depth {
        in_flight.push_back(Instant::now());
        stream.write_all(message).await.map_err(|e| format!("write: {e}"))?;
        sent += 1;
    }
    while let Some(written) = in_flight.pop_front() {
        stream.read_exact(&mut echo).await.map_err(|e| format!("read: {e}"))?;
        let now = Instant::now();
        if echo != message {
            return Err("the echo differs from the message".to_owned());
        }
        if now >= measure_from && end.is_none_or(|end| now < end) {
            tally.messages += 1;
            tally.latencies.push((now - written).as_nanos() as u64);
        }
        if end.is_some_and(|end| now >= end) {
            // What is still in flight is dropped with the connection.
            return Ok(());
        }
        if sent < wanted {
            in_flight.push_back(Instant::now());
            stream.write_all(message).await.map_err(|e| format!("write: {e}"))?;
            sent += 1;
        }
    }
    Ok(())
}

fn report(options: &Options, tallies: &mut [Tally], seconds: f64) -> bool {
    let messages: u64 = tallies.iter().map(|t| t.messages).sum();
    let mut latencies: Vec<u64> = tallies.iter_mut().flat_map(|t| t.latencies.drain(..)).collect();
    latencies.sort_unstable();
    let percentile = |p: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * latencies.len() as f64).ceil() as usize;
        latencies[rank.clamp(1, latencies.len()) - 1] as f64 / 1000.0
    };
    let errors: Vec<_> = tallies.iter().filter_map(|t| t.error.as_deref()).collect();
    let per_second = messages as f64 / seconds;
    let mb_per_second = per_second * options.size as f64 / 1e6;
    let (p50, p99, max) = (percentile(50.0), percentile(99.0), percentile(100.0));
    eprintln!(
        "echo-load: {} connections, {} B messages, depth {}, {seconds:.2} s measured: \
         {messages} messages, {per_second:.0} msg/s, {mb_per_second:.2} MB/s, \
         p50 {p50:.1} us, p99 {p99:.1} us, max {max:.1} us, {} errors",
        options.connections,
        options.size,
        options.depth,
        errors.len()
    );
    for error in errors.iter().take(5) {
        eprintln!("echo-load: a connection failed: {error}");
    }
    println!(
        "echo-load: connections={} size={} depth={} seconds={seconds:.3} messages={messages} \
         msgs_per_s={per_second:.1} mb_per_s={mb_per_second:.3} p50_us={p50:.1} \
         p99_us={p99:.1} max_us={max:.1} errors={}",
        options.connections,
        options.size,
        options.depth,
        errors.len()
    );
    errors.is_empty() && messages > 0
}
