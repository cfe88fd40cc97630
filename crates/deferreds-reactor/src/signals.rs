//! SIGINT and SIGTERM stop the reactor, through its shutdown triggers.

use deferreds::{Failure, log_err};
use tokio::signal::unix::{SignalKind, signal};

use crate::Reactor;

/// Listens for the signals while the reactor runs. The tasks hold the reactor weakly
/// and end with its runtime.
pub(crate) fn install(reactor: &Reactor) {
    for (kind, name) in [(SignalKind::interrupt(), "SIGINT"), (SignalKind::terminate(), "SIGTERM")]
    {
        let mut stream = match signal(kind) {
            Ok(stream) => stream,
            Err(error) => {
                let _ = log_err(Failure::new(error));
                continue;
            }
        };
        let weak = reactor.downgrade();
        tokio::task::spawn_local(async move {
            while stream.recv().await.is_some() {
                let Some(reactor) = Reactor::upgrade(&weak) else { return };
                tracing::info!(target: "deferreds_reactor", "received {name}, shutting down");
                reactor.stop_for_signal(kind.as_raw_value());
            }
        });
    }
}
