//! The `factorial` command: `call` against `serve` subprocesses, its exit codes, and
//! `compare` and `demo` run to their end.

mod common;

use std::net::TcpListener;

use common::{Cluster, factorial, run, text};
use num_bigint::BigUint;

fn product(n: u64) -> BigUint {
    (1..=n).map(BigUint::from).product()
}

#[test]
fn call_prints_the_digits() {
    let cluster = Cluster::start(&[]);
    let output = run(factorial().args(["call", "25", "--server", &cluster.server.url]));
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout).trim(), product(25).to_string());
}

#[test]
fn a_fault_exits_with_1_and_names_it() {
    let cluster = Cluster::start(&["--max-n", "50"]);
    let output = run(factorial().args(["call", "51", "--server", &cluster.server.url]));
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.starts_with("fault 7:"), "{stderr}");
    assert!(stderr.contains("at most 50"), "{stderr}");
}

#[test]
fn an_unreachable_server_exits_with_2() {
    // A port that was just free: nothing listens there now.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/");
    let output = run(factorial().args(["call", "5", "--server", &url]));
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(text(&output.stderr).starts_with("error:"), "{}", text(&output.stderr));
}

#[test]
fn compare_times_both_strategies() {
    let output = run(factorial().args(["compare", "40", "--latency-ms", "1"]));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    for (line, label) in lines.iter().zip(["sequential chain", "product tree"]) {
        assert!(line.contains(label) && line.contains("remote multiplications"), "{line}");
        assert!(line.ends_with(&format!("{} digits", product(40).to_string().len())), "{line}");
    }
}

#[test]
fn demo_shows_the_cache_and_joined_requests() {
    let output = run(factorial().arg("demo"));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("from the cache"), "{stdout}");
    assert!(stdout.contains("joined"), "{stdout}");
    assert!(!stdout.contains("WRONG"), "{stdout}");
}
