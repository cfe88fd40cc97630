//! What the socket tests share: a reactor that cannot run forever, work on plain threads
//! handed back as Deferreds, Python peers that die with the test, and a blocking HTTP/1.1
//! client for requests no well-behaved client would send.

// Each test crate uses its own part of this module.
#![allow(dead_code)]

use std::io::{self, BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::time::Duration;

use deferreds::{Deferred, Failure, Time as _};
use deferreds_reactor::Reactor;
use deferreds_xmlrpc::{Fault, MethodCall, MethodResponse, Value};

/// How long a blocking socket waits before the test calls it a failure.
pub(crate) const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// A reactor that stops itself after `limit`, so a test whose Deferred never fires fails
/// (with `ReactorStopped`) instead of hanging.
pub(crate) fn reactor(limit: Duration) -> Reactor {
    let reactor = Reactor::builder().install_signal_handlers(false).build().expect("a reactor");
    let stopper = reactor.clone();
    reactor.call_later(limit, move || {
        let _ = stopper.stop();
    });
    reactor
}

/// Runs `work` on a thread of its own; the Deferred fires on the reactor's thread with its
/// result, or with its panic as a failure. Not the reactor's pool: shutdown joins the
/// pool's threads, and a peer that is stuck must not keep the guard from stopping the test.
pub(crate) fn in_thread<T, F>(reactor: &Reactor, work: F) -> Deferred<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (deferred, resolver) = Deferred::new();
    let remote = reactor.thread_resolver(resolver);
    std::thread::spawn(move || {
        let result =
            catch_unwind(AssertUnwindSafe(work)).map_err(|panic| Failure::from_panic(panic));
        remote.resolve(result);
    });
    deferred
}

/// A file under `tests/python/`.
pub(crate) fn python_script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("python").join(name)
}

/// Runs a Python script to its end, capturing what it prints. The scripts bound their
/// own running time, so this cannot block for long.
pub(crate) fn run_python(script: &str, args: &[&str]) -> Output {
    Command::new("python3")
        .arg(python_script(script))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("python3 runs")
}

/// Checks the output of a script that prints `ok NAME` or `FAIL NAME: why` per check:
/// it exited cleanly, nothing failed, and exactly the `expected` checks ran, in order.
pub(crate) fn assert_checks(output: &Output, expected: &[&str]) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "python failed: {}\n{stdout}\n{stderr}", output.status);
    let failed: Vec<&str> = stdout.lines().filter(|line| !line.starts_with("ok ")).collect();
    assert!(failed.is_empty(), "failed checks:\n{}", failed.join("\n"));
    let ran: Vec<&str> = stdout.lines().map(|line| &line[3..]).collect();
    assert_eq!(ran, expected, "the checks that ran");
}

/// A child process killed when dropped, so no peer outlives its test.
#[derive(Debug)]
pub(crate) struct Killed(pub(crate) Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `tests/python/server.py`: Python's `SimpleXMLRPCServer`, as a child process.
#[derive(Debug)]
pub(crate) struct PythonServer {
    /// Kept open: the server exits when its standard input closes, should the test
    /// process die before it can kill it.
    _stdin: ChildStdin,
    child: Killed,
    /// The port it listens on, on 127.0.0.1.
    pub(crate) port: u16,
}

impl PythonServer {
    /// Starts the server with `args` and waits for the port it prints.
    pub(crate) fn start(args: &[&str]) -> PythonServer {
        let mut child = Command::new("python3")
            .arg(python_script("server.py"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let child = Killed(child);
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("the server's first line");
        let port = line.trim().parse().unwrap_or_else(|_| panic!("not a port: {line:?}"));
        PythonServer { _stdin: stdin, child, port }
    }

    /// `http://127.0.0.1:PORT/RPC2`.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}/RPC2", self.port)
    }
}

/// One HTTP response, as read off the wire.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl RawResponse {
    /// The first header called `name`, any case.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as an XML-RPC response: the value, or the fault.
    pub(crate) fn xml_rpc(&self) -> Result<Value, Fault> {
        assert_eq!(self.status, 200, "{self:?}");
        MethodResponse::from_xml(&self.body).expect("a well-formed response").into_result()
    }
}

/// A blocking HTTP/1.1 connection that writes whatever it is given, byte for byte.
#[derive(Debug)]
pub(crate) struct RawClient {
    reader: BufReader<TcpStream>,
}

impl RawClient {
    /// Connects, with reads and writes bounded by [`IO_TIMEOUT`].
    pub(crate) fn connect(addr: SocketAddr) -> RawClient {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
        RawClient { reader: BufReader::new(stream) }
    }

    /// The socket, to change its timeouts or shut it down.
    pub(crate) fn stream(&self) -> &TcpStream {
        self.reader.get_ref()
    }

    /// Writes raw bytes.
    pub(crate) fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.reader.get_mut().write_all(bytes)
    }

    /// Posts `body` to `/RPC2` and reads the response.
    pub(crate) fn post(&mut self, body: &[u8]) -> io::Result<RawResponse> {
        let head = format!(
            "POST /RPC2 HTTP/1.1\r\nHost: test\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        self.send(&[head.as_bytes(), body].concat())?;
        self.read_response()
    }

    /// Calls `method` in a well-formed request.
    pub(crate) fn call(&mut self, method: &str, params: Vec<Value>) -> Result<Value, Fault> {
        let body = MethodCall::new(method, params).to_xml().expect("encodable");
        self.post(body.as_bytes()).expect("a response").xml_rpc()
    }

    /// Reads one response; its body is as long as `Content-Length` says (the server
    /// always sends it).
    pub(crate) fn read_response(&mut self) -> io::Result<RawResponse> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed before a response"));
        }
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| io::Error::other(format!("not a status line: {line:?}")))?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').expect("a header");
            headers.push((name.to_owned(), value.trim().to_owned()));
        }
        let response = RawResponse { status, headers, body: Vec::new() };
        let length = response.header("content-length").map_or(0, |n| n.parse().unwrap());
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok(RawResponse { body, ..response })
    }

    /// Reads until the server closes the connection; what came before, if anything.
    /// A reset counts as closed; a read that times out is an error.
    pub(crate) fn read_to_close(&mut self) -> io::Result<Vec<u8>> {
        let mut rest = Vec::new();
        match self.reader.read_to_end(&mut rest) {
            Ok(_) => Ok(rest),
            Err(error) if error.kind() == io::ErrorKind::ConnectionReset => Ok(rest),
            Err(error) => Err(error),
        }
    }
}
