//! The factorial server's methods: `factorial(n)` over XML-RPC.

use std::rc::Rc;

use deferreds::Failure;
use deferreds_xmlrpc::{Fault, XmlRpc};

use crate::codes::BAD_ARGUMENT;
use crate::factorials::Factorials;
use crate::wire::{counts, from_wire, to_wire};

/// The largest `n` served by default: its factorial has about 77,000 digits.
pub const DEFAULT_MAX_N: u64 = 20_000;

/// The methods of a factorial server: `factorial(n)`, answered as decimal digits (see
/// [`wire`](crate::wire)), for `n` up to `max_n`; and `stats()`.
pub fn factorial_methods(factorials: Rc<Factorials>, max_n: u64) -> XmlRpc {
    let mut methods = XmlRpc::new();
    let f = Rc::clone(&factorials);
    methods
        .add_raw("factorial", move |params| {
            let n = match params.as_slice() {
                [n] => from_wire(n)?,
                _ => {
                    return Err(Failure::new(Fault::new(
                        BAD_ARGUMENT,
                        "factorial takes one number",
                    )));
                }
            };
            let n = u64::try_from(&n).ok().filter(|n| *n <= max_n).ok_or_else(|| {
                Failure::new(Fault::new(BAD_ARGUMENT, format!("n must be at most {max_n}")))
            })?;
            Ok(f.factorial(n).add_callback(|value| Ok::<_, Failure>(to_wire(&value))))
        })
        .help("factorial(n): n!, as decimal digits.")
        .signature(&["string", "int"])
        .signature(&["string", "string"]);
    methods
        .add("stats", move |()| {
            let stats = factorials.stats();
            Ok::<_, Failure>(counts(&[
                ("requests", stats.requests),
                ("cache_hits", stats.cache_hits),
                ("joined", stats.joined),
                ("computed", stats.computed),
                ("reused", stats.reused),
                ("multiplications", stats.multiplications),
            ]))
        })
        .help("What the server has done: requests, cache hits, joined requests, computations.");
    methods
}
