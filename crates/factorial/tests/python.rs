//! Python's standard `xmlrpc.client` calls the factorial server, end to end: two
//! `factorial multiplier` processes and a `factorial serve` process.

mod common;

use common::{Cluster, run, text};
use std::process::Command;

/// Calls the server with no flags at all: Python sends plain ints and gets strings back.
const CLIENT: &str = r#"
import math, socket, sys, xmlrpc.client
socket.setdefaulttimeout(10)
proxy = xmlrpc.client.ServerProxy(sys.argv[1])
for n in (20, 100):
    answer = proxy.factorial(n)
    assert isinstance(answer, str), repr(answer)
    assert int(answer) == math.factorial(n), (n, answer)
    print("ok factorial", n)
methods = proxy.system.listMethods()
assert "factorial" in methods and "stats" in methods, methods
print("ok listMethods")
try:
    proxy.factorial(-1)
    print("FAIL no fault for -1")
except xmlrpc.client.Fault as fault:
    assert fault.faultCode == 7, fault
    print("ok fault", fault.faultCode)
"#;

#[test]
fn python_gets_factorials_as_decimal_strings() {
    let cluster = Cluster::start(&[]);
    let output = run(Command::new("python3").args(["-c", CLIENT, &cluster.server.url]));
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(output.status.success(), "python failed: {}\n{stdout}\n{stderr}", output.status);
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        ["ok factorial 20", "ok factorial 100", "ok listMethods", "ok fault 7"],
        "{stderr}"
    );
}
