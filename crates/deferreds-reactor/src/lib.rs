//! The event loop for [`deferreds`]: Twisted's reactor, on tokio.
//!
//! A [`Reactor`] runs on one thread. It implements the core's [`Time`](deferreds::Time)
//! trait, so code written against it runs the same on the manual
//! [`Clock`](deferreds::task::Clock) of tests. It adds what needs a real loop:
//!
//! - Lifecycle: [`Reactor::run`], [`Reactor::stop`], [`Reactor::running`],
//!   [`Reactor::call_when_running`], system event triggers in three phases
//!   ([`Reactor::add_system_event_trigger`]), SIGINT and SIGTERM, and [`react`] for a
//!   program's `main`.
//! - Threads: [`ReactorHandle`] (`Send`) with `call_from_thread`, `call_in_thread` and
//!   `blocking_call_from_thread`; [`Reactor::defer_to_thread`] on a bounded thread pool;
//!   [`ThreadResolver`] to fire a Deferred from another thread.
//! - Network: [`net`], Twisted's protocols, factories and transports over TCP and Unix
//!   sockets, with endpoints, producers, line and length-prefixed protocols, and
//!   in-memory transports for tests.
//! - Async code as Deferreds is the core's [`ensure_deferred`](deferreds::ensure_deferred);
//!   a reactor carries wakes from other threads back to its own, so such code may await
//!   tokio's futures too.
//!
//! tokio's single-threaded `LocalRuntime` owns the waiting (sockets, signals, one sleep);
//! the reactor owns its timer heap, the hand-off from other threads and the thread pool.
//!
//! # Example: the tutorial's section 8, in a thread pool
//!
//! ```
//! use deferreds::Failure;
//! use deferreds_reactor::Reactor;
//!
//! let reactor = Reactor::new().unwrap();
//! let d = reactor
//!     .defer_to_thread(|| Ok::<_, Failure>(5 * 6))
//!     .add_callback(|product| Ok(product + 1));
//! assert_eq!(reactor.run_until(d).unwrap(), 31);
//! ```

mod errors;
mod events;
mod handle;
pub mod net;
mod pool;
mod react;
mod reactor;
mod signals;
mod threads;

pub use errors::{Exit, ReactorError, ReactorStopped, ReactorThreadError};
pub use events::{Phase, SystemEvent, TriggerId};
pub use handle::ReactorHandle;
pub use react::react;
pub use reactor::{Reactor, ReactorBuilder};
pub use threads::ThreadResolver;
