//! What the subprocess tests share: the `factorial` binary started as servers that die
//! with the test, and commands run with a time limit.

// Each test crate uses its own part of this module.
#![allow(dead_code)]

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long a command may run before the test calls it hung.
pub(crate) const LIMIT: Duration = Duration::from_secs(30);

/// The `factorial` binary, as a command.
pub(crate) fn factorial() -> Command {
    Command::new(env!("CARGO_BIN_EXE_factorial"))
}

/// A server subprocess, killed when dropped, so none outlives its test.
#[derive(Debug)]
pub(crate) struct Server {
    child: Child,
    /// Kept open so the server never writes into a closed pipe.
    _stdout: BufReader<ChildStdout>,
    /// The URL it printed first.
    pub(crate) url: String,
}

impl Server {
    /// Starts `factorial ARGS` and reads the URL it prints first.
    pub(crate) fn start(args: &[&str]) -> Server {
        let mut child = factorial()
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the factorial binary starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut url = String::new();
        // The server prints its URL once it listens; EOF here means it died first.
        let read = stdout.read_line(&mut url);
        let url = url.trim().to_owned();
        let server = Server { child, _stdout: stdout, url };
        assert!(
            matches!(read, Ok(n) if n > 0) && server.url.starts_with("http://127.0.0.1:"),
            "`factorial {}` printed no URL: {read:?} {:?}",
            args.join(" "),
            server.url
        );
        server
    }

    /// A multiplier server with `extra` options.
    pub(crate) fn multiplier(extra: &[&str]) -> Server {
        let mut args = vec!["multiplier", "--listen", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        Server::start(&args)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Two multipliers (the second failing now and then) and a factorial server using them;
/// `extra` goes to `serve`. Fields drop in order: the server goes before its multipliers.
pub(crate) struct Cluster {
    pub(crate) server: Server,
    pub(crate) multipliers: [Server; 2],
}

impl Cluster {
    pub(crate) fn start(extra: &[&str]) -> Cluster {
        let multipliers =
            [Server::multiplier(&[]), Server::multiplier(&["--failure-rate", "0.05"])];
        let mut args = vec!["serve", "--listen", "127.0.0.1:0"];
        for multiplier in &multipliers {
            args.extend(["--multiplier", multiplier.url.as_str()]);
        }
        args.extend_from_slice(extra);
        let server = Server::start(&args);
        Cluster { server, multipliers }
    }
}

/// Runs `command` to its end and captures its output; kills it and panics if it runs
/// longer than [`LIMIT`].
pub(crate) fn run(command: &mut Command) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped stderr")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the command") {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} ran longer than {LIMIT:?}");
        }
        // Polling a real process: there is no virtual clock to advance here.
        thread::sleep(Duration::from_millis(5));
    };
    Output {
        status,
        stdout: stdout.join().expect("stdout read"),
        stderr: stderr.join().expect("stderr read"),
    }
}

/// Output as text.
pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
