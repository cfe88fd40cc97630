//! Twisted's `XMLRPCAuthenticatedTests`: the proxy's credentials reach the server as HTTP
//! Basic authentication.
//!
//! Twisted's server method `authinfo` reads them from the request. Methods here do not
//! see the request, so an HTTP server that records what it receives checks the header.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use deferreds_xmlrpc::{MethodResponse, Proxy, Value};

use crate::support::{canned_server, reactor, run};

const USER: &str = "username";
const PASSWORD: &str = "asecret";

/// The `Authorization` header a call through `http://{userinfo}@ADDR/` sends, and the
/// user and password it holds.
fn credentials_sent(userinfo: &str) -> (String, String) {
    let reactor = reactor();
    let answer = MethodResponse::Success(Value::from_iter([USER, PASSWORD])).to_xml().unwrap();
    let (addr, received) = canned_server(&reactor, 200, "text/xml", answer);
    let proxy = Proxy::new(&reactor, &format!("http://{userinfo}@{addr}/")).unwrap();
    run(&reactor, proxy.call_remote("authinfo", vec![])).unwrap();
    let received = received.borrow();
    let header = received[0].headers["authorization"].to_str().unwrap().to_owned();
    let token = header.strip_prefix("Basic ").expect("basic authentication");
    let decoded = String::from_utf8(STANDARD.decode(token).unwrap()).unwrap();
    let (user, password) = decoded.split_once(':').unwrap();
    (header.clone(), format!("{user}:{password}"))
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCAuthenticatedTests.test_authInfoInURL
// DIFFERENCE: the header is checked where it arrives, not by a server method.
#[test]
fn auth_info_in_url() {
    let (_, sent) = credentials_sent(&format!("{USER}:{PASSWORD}"));
    assert_eq!(sent, format!("{USER}:{PASSWORD}"));
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCAuthenticatedTests.test_longPassword
// DIFFERENCE: the long password is given in the URL (there are no separate credential
// arguments); the header is checked where it arrives.
#[test]
fn long_password() {
    let long = PASSWORD.repeat(40);
    let (header, sent) = credentials_sent(&format!("{USER}:{long}"));
    assert!(!header.contains('\n'), "the header is one line");
    assert_eq!(sent, format!("{USER}:{long}"));
}
