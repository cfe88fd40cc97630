//! Twisted's `XMLRPCClientErrorHandlingTests` and `QueryFactoryParseResponseTests`: what
//! the proxy makes of answers that are not XML-RPC responses.

use deferreds::Failure;
use deferreds_xmlrpc::{Proxy, ProxyError};

use crate::support::{canned_server, reactor, run, with_slash};

/// The failure of a call to an HTTP server that answers `status`, `content_type`, `body`.
fn call_failure(status: u16, content_type: &'static str, body: &'static str) -> Failure {
    let reactor = reactor();
    let (addr, _) = canned_server(&reactor, status, content_type, body);
    let proxy = Proxy::new(&reactor, &with_slash(addr)).unwrap();
    run(&reactor, proxy.call_remote("someMethod", vec![])).unwrap_err()
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCClientErrorHandlingTests.test_erroneousResponse
// DIFFERENCE: Twisted's static page refuses POST with 405, which its proxy reports as a
// ValueError; here the status is `ProxyError::Status`, and a 200 whose body is not
// XML-RPC is `ProxyError::Malformed`.
#[test]
fn erroneous_response() {
    let text = "This text is not a valid XML-RPC response.";
    let refused = call_failure(405, "text/plain", text);
    assert!(matches!(refused.downcast_ref(), Some(ProxyError::Status(405))), "{refused}");
    let garbled = call_failure(200, "text/plain", text);
    assert!(matches!(garbled.downcast_ref(), Some(ProxyError::Malformed(_))), "{garbled}");
}

// Source: twisted/web/test/test_xmlrpc.py QueryFactoryParseResponseTests.test_parseResponseWithoutData
// DIFFERENCE: Twisted's call fails with IndexError; here with `ProxyError::Malformed`,
// saying what is missing. The decoder's half is in `tests/codec.rs`.
#[test]
fn parse_response_without_data() {
    let empty =
        "\n<methodResponse>\n <params>\n  <param>\n  </param>\n </params>\n</methodResponse>";
    let failure = call_failure(200, "text/xml", empty);
    match failure.downcast_ref() {
        Some(ProxyError::Malformed(why)) => assert!(why.contains("<value>"), "{why}"),
        _ => panic!("expected a malformed response, got {failure}"),
    }
}
