//! [`FactorialClient`]: the factorial server, called with Deferreds.

use deferreds::{Deferred, Failure};
use deferreds_reactor::Reactor;
use deferreds_xmlrpc::{Proxy, ProxyError, Value};
use num_bigint::BigUint;

use crate::wire::from_wire;

/// A client of a factorial server: `factorial(n)` is a Deferred of the number.
#[derive(Clone, Debug)]
pub struct FactorialClient {
    proxy: Proxy,
}

impl FactorialClient {
    /// A client of the server at `url`.
    ///
    /// # Errors
    ///
    /// If the URL is not an `http://` URL.
    pub fn new(reactor: &Reactor, url: &str) -> Result<FactorialClient, ProxyError> {
        Ok(FactorialClient { proxy: Proxy::new(reactor, url)? })
    }

    /// `n!`: a fault from the server arrives as a failure that traps to
    /// [`Fault`](deferreds_xmlrpc::Fault).
    pub fn factorial(&self, n: u64) -> Deferred<BigUint> {
        let n = i64::try_from(n).map_or_else(|_| Value::String(n.to_string()), Value::Int);
        self.proxy
            .call_remote("factorial", vec![n])
            .add_callback(|value| from_wire(&value).map_err(Failure::new))
    }
}
