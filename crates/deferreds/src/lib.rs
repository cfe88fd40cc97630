//! Twisted's Deferred, typed.
//!
//! A [`Deferred<T>`] stands for a `T` that does not exist yet. You say what to do with
//! the value when it comes (a callback) and with the error if it never does (an
//! errback); the producer fires the chain through its [`Resolver<T>`]. Each handler's
//! result flows to the next: values down the success path, [`Failure`]s down the failure
//! path, and a handler that returns another Deferred makes the chain wait for it.
//!
//! This crate is the core: no I/O, no threads. Time comes in through the [`Time`] trait,
//! implemented by the event loop and by the manual [`task::Clock`], so code that waits
//! is tested in virtual time.
//!
//! # A tour
//!
//! ```
//! use deferreds::{task::Clock, testing, Deferred, Failure, Time};
//! use std::time::Duration;
//!
//! // A multiplication that answers five seconds later, like a remote call.
//! fn remote_multiply(clock: &Clock, a: i64, b: i64) -> Deferred<i64> {
//!     let (d, resolver) = Deferred::new();
//!     clock.call_later(Duration::from_secs(5), move || {
//!         if a < 0 { resolver.errback(Failure::msg("could not multiply")) }
//!         else { resolver.callback(a * b) }
//!     });
//!     d
//! }
//!
//! let clock = Clock::new();
//! let c = clock.clone();
//! let d = remote_multiply(&clock, 5, 6)
//!     .add_callback(|product| Ok::<_, Failure>(product + 7))
//!     // A handler returning a Deferred: the chain waits for it.
//!     .add_callback(move |sum| remote_multiply(&c, sum, 2))
//!     .add_errback(|_failure| Ok(-1));
//!
//! clock.advance(Duration::from_secs(5));
//! testing::assert_no_result(&d);
//! clock.advance(Duration::from_secs(5));
//! assert_eq!(testing::success_result_of(d), 74);
//! ```
//!
//! Handlers return `Result<U, Failure>` (where `?` turns any error into a `Failure`) or
//! a `Deferred<U>`; see [`IntoOutcome`]. A Deferred can also be awaited: its output is
//! `Result<T, Failure>`.
//!
//! # What is here
//!
//! - One Deferred: [`Deferred`], [`Resolver`], [`Failure`], [`succeed`], [`fail`],
//!   [`maybe_deferred`], [`log_err`]; cancellation and [`Deferred::add_timeout`].
//! - Several: [`DeferredList`], [`gather_results`], [`race`], [`join2`], [`gather2`].
//! - Limits and sharing: [`DeferredSemaphore`], [`DeferredLock`], [`DeferredQueue`],
//!   [`DeferredCache`].
//! - Time: the [`Time`] trait, [`DelayedCall`], [`task::Clock`] for tests;
//!   [`task::defer_later`] and [`task::LoopingCall`] on any of them.
//! - Tests: [`testing`] (`success_result_of`, `failure_result_of`, `assert_no_result`,
//!   capturing unhandled-failure reports).

// The README's example runs as a doc test, so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeExample;

mod cache;
mod chain;
mod collect;
mod concurrency;
mod coroutine;
mod deferred;
mod errors;
mod failure;
mod future;
mod handler;
mod join;
mod list;
mod lock;
mod outcome;
mod queue;
mod race;
mod recycle;
mod report;
mod resolver;
mod semaphore;
mod stages;
pub mod task;
pub mod testing;
mod time;
mod trail;
mod waiters;

pub use cache::{CacheStats, DeferredCache};
pub use concurrency::Permit;
pub use coroutine::{WakeForwarder, ensure_deferred, set_wake_forwarder};
pub use deferred::{Deferred, fail, maybe_deferred, succeed};
pub use errors::{
    CancelledError, FailureGroup, FirstError, PanicError, ResolverDroppedError, TimeoutError,
};
pub use failure::{Failure, Trace};
pub use future::DeferredFuture;
pub use join::{gather2, gather3, join2, join3};
pub use list::{DeferredList, gather_results};
pub use lock::DeferredLock;
pub use outcome::IntoOutcome;
pub use queue::{DeferredQueue, QueueError};
pub use race::race;
pub use report::{Report, log_err};
pub use resolver::Resolver;
pub use semaphore::DeferredSemaphore;
pub use time::{DelayedCall, DelayedCallError, Time, Timers};
