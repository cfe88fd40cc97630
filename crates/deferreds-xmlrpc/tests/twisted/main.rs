//! Twisted's XML-RPC tests (`twisted/web/test/test_xmlrpc.py`), ported by behaviour: a
//! real server and proxy on a reactor per test, over 127.0.0.1. One module per Twisted
//! class or two; each test names the Twisted test it mirrors in a `Source:` line, and
//! marks deliberate divergences with `DIFFERENCE:`. README.md lists every test of every
//! class as ported or not applicable.

mod async_tests;
mod auth_tests;
mod client_error_tests;
mod introspection_tests;
mod lookup_tests;
mod serialization_tests;
mod support;
mod xmlrpc_tests;
