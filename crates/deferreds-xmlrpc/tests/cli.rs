//! The `xmlrpc` command: `xmlrpc serve` in a child process, called by `xmlrpc call` and
//! by Python's `xmlrpc.client`.
//!
//! Every child is bounded: calls carry `--timeout`, reads of the server's first line
//! give up after a few seconds, and a guard kills the server if a test fails midway.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

const XMLRPC: &str = env!("CARGO_BIN_EXE_xmlrpc");
const BOUND: Duration = Duration::from_secs(10);

/// `xmlrpc serve` on a free port; killed on drop unless it has already exited.
struct Serve {
    child: Child,
    url: String,
}

impl Serve {
    fn start() -> Serve {
        let mut child = Command::new(XMLRPC)
            .arg("serve")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("xmlrpc serve starts");
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = mpsc::channel();
        thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let mut serve = Serve { child, url: String::new() };
        serve.url = receiver.recv_timeout(BOUND).expect("the URL within the bound").trim().into();
        assert!(serve.url.starts_with("http://127.0.0.1:"), "first line: {:?}", serve.url);
        serve
    }

    fn call(&self, method: &str, args: &[&str]) -> Output {
        call(&["--timeout", "5", &self.url, method], args)
    }

    /// How many sockets the server has open (Linux's /proc), to see a connection
    /// accepted.
    fn sockets(&self) -> usize {
        let fds = std::fs::read_dir(format!("/proc/{}/fd", self.child.id())).unwrap();
        fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
            .filter(|target| target.to_string_lossy().starts_with("socket:"))
            .count()
    }

    /// Sends `signal` and waits for the exit, within the bound.
    fn stop_with(mut self, signal: &str) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args([signal, &pid]).status().unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + BOUND;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server outlived {signal}");
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn call(options: &[&str], args: &[&str]) -> Output {
    Command::new(XMLRPC).arg("call").args(options).args(args).output().expect("xmlrpc call runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// The result of a call that must succeed, its line end removed.
fn result(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(output));
    assert_eq!(stderr(output), "");
    stdout(output).strip_suffix('\n').expect("one line").to_owned()
}

#[test]
fn echo_returns_json_values_as_they_were_sent() {
    let server = Serve::start();
    for (sent, printed) in [
        ("42", "42"),
        ("-7", "-7"),
        ("4294967296", "4294967296"),
        ("-9223372036854775808", "-9223372036854775808"),
        ("1.5", "1.5"),
        ("0.1", "0.1"),
        ("2.0", "2.0"),
        ("true", "true"),
        ("null", "null"),
        (r#""héllo <&> ""#, r#""héllo <&> ""#),
        ("hello", r#""hello""#),
        (r#""42""#, r#""42""#),
        ("--pretty", r#""--pretty""#),
        ("[]", "[]"),
        ("{}", "{}"),
        (
            r#"{"zeta": [1, {"x": null, "a": [true, 2.5]}], "alpha": "s"}"#,
            r#"{"zeta":[1,{"x":null,"a":[true,2.5]}],"alpha":"s"}"#,
        ),
        (r#"{"base64": "AP8="}"#, r#"{"base64":"AP8="}"#),
        (
            r#"{"dateTime.iso8601": "20240229T12:34:56"}"#,
            r#"{"dateTime.iso8601":"20240229T12:34:56"}"#,
        ),
        (
            r#"[{"base64": ""}, {"dateTime.iso8601": "1998-07-17T14:08:55"}]"#,
            r#"[{"base64":""},{"dateTime.iso8601":"19980717T14:08:55"}]"#,
        ),
    ] {
        assert_eq!(result(&server.call("echo", &[sent])), printed, "echo {sent}");
    }
}

#[test]
fn pretty_prints_over_several_lines() {
    let server = Serve::start();
    let output = call(&["--pretty", "--timeout", "5", &server.url, "echo"], &[r#"{"a": [1]}"#]);
    assert_eq!(result(&output), "{\n  \"a\": [\n    1\n  ]\n}");
}

#[test]
fn a_fault_goes_to_stderr_with_status_1() {
    let server = Serve::start();
    let output = server.call("fault", &["42", "no luck"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    assert_eq!(stderr(&output), "fault 42: no luck\n");

    let output = server.call("no.such.method", &[]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output), "fault 8001: procedure no.such.method not found\n");

    let output = server.call("echo", &["1", "2"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).starts_with("fault 8002: "), "{}", stderr(&output));
}

#[test]
fn sleep_answers_after_the_delay() {
    let server = Serve::start();
    let started = Instant::now();
    assert_eq!(result(&server.call("sleep", &["0.05"])), "0.05");
    assert!(started.elapsed() >= Duration::from_millis(50));
    assert_eq!(result(&server.call("sleep", &["0"])), "0");
}

#[test]
fn a_response_timeout_is_an_error_with_status_2() {
    let server = Serve::start();
    let output = call(&["--timeout", "0.05", &server.url, "sleep"], &["2"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output), "");
    assert!(stderr(&output).contains("no response within"), "{}", stderr(&output));
}

#[test]
fn introspection_lists_the_methods() {
    let server = Serve::start();
    let listed = result(&server.call("system.listMethods", &[]));
    assert_eq!(
        listed,
        r#"["echo","fault","sleep","system.listMethods","system.methodHelp","system.methodSignature","system.multicall"]"#
    );
    let help = result(&server.call("system.methodHelp", &["echo"]));
    assert!(help.contains("unchanged"), "{help}");
    let calls =
        r#"[{"methodName": "echo", "params": [1]}, {"methodName": "fault", "params": [3, "x"]}]"#;
    assert_eq!(
        result(&server.call("system.multicall", &[calls])),
        r#"[[1],{"faultCode":3,"faultString":"x"}]"#
    );
}

#[test]
fn a_refused_connection_is_an_error_with_status_2() {
    // A port that was free a moment ago, so nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/RPC2");
    let output = call(&["--timeout", "5", &url, "echo"], &["1"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output), "");
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.starts_with("xmlrpc: echo at "), "{message}");
    assert!(message.to_lowercase().contains("refused"), "{message}");
}

#[test]
fn bad_arguments_and_urls_are_errors_with_status_2() {
    for (options, args, said) in [
        (&["http://127.0.0.1:1/", "echo"][..], &["[1, 2"][..], "not valid JSON"),
        (&["http://127.0.0.1:1/", "echo"], &["99999999999999999999"], "64-bit range"),
        (&["http://127.0.0.1:1/", "echo"], &[r#"{"base64": "!"}"#], "bad base64"),
        (&["http://127.0.0.1:1/", "echo"], &[r#"{"dateTime.iso8601": "2024"}"#], "dateTime"),
        (&["ftp://example.invalid/", "echo"], &[], "bad XML-RPC URL"),
        (&["--timeout", "soon", "http://127.0.0.1:1/", "echo"], &[], "seconds"),
        (&["http://127.0.0.1:1/"], &[], "METHOD"),
    ] {
        let output = call(options, args);
        assert_eq!(output.status.code(), Some(2), "{options:?} {args:?}");
        assert!(stderr(&output).contains(said), "{options:?} {args:?}: {}", stderr(&output));
        assert_eq!(stdout(&output), "");
    }
}

#[test]
fn sigterm_ends_the_server_with_status_0() {
    let server = Serve::start();
    assert_eq!(result(&server.call("echo", &["1"])), "1");
    assert_eq!(server.stop_with("-TERM").code(), Some(0));
}

#[test]
fn sigint_ends_the_server_with_status_0_and_cuts_a_sleep_short() {
    let server = Serve::start();
    let url = server.url.clone();
    // The sleep must be under way when the signal comes: wait until the server has
    // accepted the connection, then a little for the request to reach the method.
    let before = server.sockets();
    let sleeper = thread::spawn(move || call(&["--timeout", "5", &url, "sleep"], &["60"]));
    let deadline = Instant::now() + BOUND;
    while server.sockets() <= before {
        assert!(Instant::now() < deadline, "the sleep's connection was never accepted");
        thread::sleep(Duration::from_millis(5));
    }
    thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    assert_eq!(server.stop_with("-INT").code(), Some(0));
    assert!(started.elapsed() < Duration::from_secs(5));
    let output = sleeper.join().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("shutting down"), "{}", stderr(&output));
}

#[test]
fn an_address_in_use_is_an_error_with_status_2() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = Command::new(XMLRPC).args(["serve", "--listen", &addr]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).starts_with("xmlrpc: cannot listen on "), "{}", stderr(&output));
}

const PYTHON_CLIENT: &str = r#"
import datetime, socket, sys
import xmlrpc.client as xc

socket.setdefaulttimeout(10)
proxy = xc.ServerProxy(sys.argv[1], allow_none=True, use_builtin_types=True)
values = [
    0, -2147483648, 2147483647, 1.5, "text <&>", "", True, None,
    [1, "a", None, [2.5]], {"k": [True, False], "nothing": None},
    b"\x00\xff", datetime.datetime(2024, 2, 29, 12, 34, 56),
]
for value in values:
    answer = proxy.echo(value)
    if answer != value or type(answer) is not type(value):
        print("mismatch", repr(value), repr(answer))
        sys.exit(1)
try:
    proxy.fault(7, "seven")
    print("no fault")
    sys.exit(1)
except xc.Fault as fault:
    if (fault.faultCode, fault.faultString) != (7, "seven"):
        print("wrong fault", fault)
        sys.exit(1)
if proxy.sleep(0.01) != 0.01:
    print("wrong sleep")
    sys.exit(1)
print("ok")
"#;

#[test]
fn python_xmlrpc_client_talks_to_the_server() {
    let server = Serve::start();
    let output = Command::new("python3")
        .args(["-c", PYTHON_CLIENT, &server.url])
        .output()
        .expect("python3 runs");
    assert_eq!(stdout(&output), "ok\n", "stderr: {}", stderr(&output));
    assert!(output.status.success());
}
