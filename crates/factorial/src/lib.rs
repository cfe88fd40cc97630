//! The tutorial's exercises, finished: remote multipliers over XML-RPC, a factorial
//! server that computes through them (cached, de-duplicated, limited, with sessions and
//! retries), a client, and `factorial demo` to watch it all work.
//!
//! - [`MultiplierService`]: the multiplier server's methods (`multiply`, sessions,
//!   simulated latency and failures).
//! - [`MultClient`]: the session-wrapping client of section 11, a [`Multiplier`].
//! - [`MultiplierPool`]: several multipliers, each limited to so many calls at a time.
//! - [`Factorials`]: factorials through a multiplier, cached and de-duplicated, as a
//!   sequential chain or a product tree.
//! - [`factorial_methods`]: the factorial server's methods; [`FactorialClient`] calls them.
//! - [`cluster`]: multipliers and a factorial server started together, for the demo.
//! - [`wire`]: how numbers beyond 32 bits travel, so Python can call every method.
//! - [`codes`]: the fault codes.

mod client;
pub mod cluster;
pub mod codes;
pub mod demo;
mod factorials;
mod local;
mod mult_client;
mod multiplier;
mod pool;
mod service;
pub mod wire;

pub use client::FactorialClient;
pub use factorials::{FactorialStats, Factorials, Strategy};
pub use local::LocalMultiplier;
pub use mult_client::{ClientStats, MultClient, RetryPolicy};
pub use multiplier::{Multiplier, MultiplierOptions, MultiplierService, MultiplierStats};
pub use pool::{MemberStats, MultiplierPool};
pub use service::{DEFAULT_MAX_N, factorial_methods};
