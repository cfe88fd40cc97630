//! Twisted's TCP tests (`twisted/internet/test/test_tcp.py`, with the older
//! `twisted/test/test_tcp.py` and `test_unix.py` for what the newer file leaves out):
//! the life of a connection, aborts, half-closes, addresses, connecting and listening,
//! Unix sockets, shutdown, and producers over real sockets.
//!
//! Every test binds 127.0.0.1, [::1] or a Unix socket in a fresh temporary directory,
//! and every awaited Deferred has a timeout, so a bug fails a test instead of hanging it.

use std::cell::{Cell, RefCell};
use std::io;
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use deferreds::{CancelledError, Deferred, Failure, Resolver, Time, TimeoutError, gather2};
use deferreds_reactor::Reactor;
use deferreds_reactor::net::{
    Address, ClientEndpoint, ConnectionAborted, ConnectionDone, ConnectionLost, Factory,
    ListeningPort, NoProtocol, Producer, Protocol, ServerEndpoint, Transport,
};

/// The longest any awaited Deferred may take.
const GUARD: Duration = Duration::from_secs(10);

const LOCAL: &str = "127.0.0.1:0";
const LOCAL6: &str = "[::1]:0";

fn reactor() -> Reactor {
    Reactor::builder().install_signal_handlers(false).build().unwrap()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Runs the reactor until `d` fires, failing the test on a failure or after [`GUARD`].
fn run<T: 'static>(reactor: &Reactor, d: Deferred<T>) -> T {
    match reactor.run_until(d.add_timeout(GUARD, reactor)) {
        Ok(value) => value,
        Err(failure) => panic!("{}", failure.report()),
    }
}

fn addr(port: &ListeningPort) -> SocketAddr {
    port.address().tcp().unwrap()
}

/// Why a connection ended, in a word.
fn kind(reason: &Failure) -> &'static str {
    if reason.check::<ConnectionDone>() {
        "done"
    } else if reason.check::<ConnectionAborted>() {
        "aborted"
    } else if reason.check::<ConnectionLost>() {
        "lost"
    } else {
        "other"
    }
}

/// What one end of a connection heard, shared between its protocol and the test.
#[derive(Clone, Default)]
struct Record(Rc<RecordInner>);

#[derive(Default)]
struct RecordInner {
    events: RefCell<Vec<String>>,
    received: RefCell<Vec<u8>>,
    transport: RefCell<Option<Transport>>,
    reason: Cell<Option<&'static str>>,
    made_waiters: RefCell<Vec<Resolver<Transport>>>,
    lost_waiters: RefCell<Vec<Resolver<&'static str>>>,
    data_waiters: RefCell<Vec<(usize, Resolver<Vec<u8>>)>>,
}

impl Record {
    fn log(&self, event: impl Into<String>) {
        self.0.events.borrow_mut().push(event.into());
    }

    fn events(&self) -> Vec<String> {
        self.0.events.borrow().clone()
    }

    fn received(&self) -> Vec<u8> {
        self.0.received.borrow().clone()
    }

    fn transport(&self) -> Transport {
        self.0.transport.borrow().clone().expect("not connected yet")
    }

    fn reason(&self) -> Option<&'static str> {
        self.0.reason.get()
    }

    /// Fires with the transport once the connection is made.
    fn made(&self) -> Deferred<Transport> {
        if let Some(transport) = self.0.transport.borrow().clone() {
            return deferreds::succeed(transport);
        }
        let (d, resolver) = Deferred::new();
        self.0.made_waiters.borrow_mut().push(resolver);
        d
    }

    /// Fires with [`kind`] of the reason once the connection is lost.
    fn lost(&self) -> Deferred<&'static str> {
        if let Some(reason) = self.reason() {
            return deferreds::succeed(reason);
        }
        let (d, resolver) = Deferred::new();
        self.0.lost_waiters.borrow_mut().push(resolver);
        d
    }

    /// Fires with what was received once it is at least `n` bytes.
    fn received_at_least(&self, n: usize) -> Deferred<Vec<u8>> {
        if self.0.received.borrow().len() >= n {
            return deferreds::succeed(self.received());
        }
        let (d, resolver) = Deferred::new();
        self.0.data_waiters.borrow_mut().push((n, resolver));
        d
    }
}

/// Both ends' reasons, once both are lost.
fn both_lost(a: &Record, b: &Record) -> Deferred<(&'static str, &'static str)> {
    gather2(a.lost(), b.lost())
}

type Hook = Box<dyn Fn(&Transport)>;
type DataHook = Box<dyn Fn(&Transport, &[u8])>;
type LostHook = Box<dyn Fn(&Failure)>;

/// A protocol that records into a [`Record`] and does what its hooks say.
struct Peer {
    record: Record,
    made: Option<Hook>,
    data: Option<DataHook>,
    read_eof: Option<Hook>,
    lost: Option<LostHook>,
}

impl Peer {
    fn new(record: &Record) -> Peer {
        Peer { record: record.clone(), made: None, data: None, read_eof: None, lost: None }
    }

    fn on_made(mut self, hook: impl Fn(&Transport) + 'static) -> Peer {
        self.made = Some(Box::new(hook));
        self
    }

    fn on_data(mut self, hook: impl Fn(&Transport, &[u8]) + 'static) -> Peer {
        self.data = Some(Box::new(hook));
        self
    }

    /// Replaces the default of closing on the peer's half-close.
    fn on_read_eof(mut self, hook: impl Fn(&Transport) + 'static) -> Peer {
        self.read_eof = Some(Box::new(hook));
        self
    }

    fn on_lost(mut self, hook: impl Fn(&Failure) + 'static) -> Peer {
        self.lost = Some(Box::new(hook));
        self
    }
}

impl std::fmt::Debug for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peer").field("events", &self.record.events()).finish()
    }
}

impl Protocol for Peer {
    fn connection_made(&self, transport: &Transport) {
        let record = &self.record.0;
        record.events.borrow_mut().push("made".into());
        *record.transport.borrow_mut() = Some(transport.clone());
        if let Some(hook) = &self.made {
            hook(transport);
        }
        for waiter in record.made_waiters.take() {
            waiter.callback(transport.clone());
        }
    }

    fn data_received(&self, transport: &Transport, data: &[u8]) {
        let record = &self.record.0;
        record.received.borrow_mut().extend_from_slice(data);
        if let Some(hook) = &self.data {
            hook(transport, data);
        }
        let len = record.received.borrow().len();
        let (ready, waiting): (Vec<_>, Vec<_>) =
            record.data_waiters.take().into_iter().partition(|(n, _)| len >= *n);
        *record.data_waiters.borrow_mut() = waiting;
        for (_, waiter) in ready {
            waiter.callback(self.record.received());
        }
    }

    fn read_connection_lost(&self, transport: &Transport) {
        self.record.log("read_eof");
        match &self.read_eof {
            Some(hook) => hook(transport),
            None => transport.lose_connection(),
        }
    }

    fn connection_lost(&self, reason: Failure) {
        let record = &self.record.0;
        let what = kind(&reason);
        record.events.borrow_mut().push(format!("lost:{what}"));
        record.reason.set(Some(what));
        if let Some(hook) = &self.lost {
            hook(&reason);
        }
        for waiter in record.lost_waiters.take() {
            waiter.callback(what);
        }
    }
}

/// Listens on `on` with `server` and connects `client` to it.
fn pair<F: Factory>(
    reactor: &Reactor,
    on: &str,
    server: F,
    client: Peer,
) -> Deferred<(ListeningPort, Rc<Peer>)> {
    let r = reactor.clone();
    ServerEndpoint::tcp(on).listen(reactor, server).add_callback(move |port| {
        ClientEndpoint::tcp(addr(&port))
            .connect_protocol(&r, client)
            .add_callback(move |client| Ok::<_, Failure>((port, client)))
    })
}

/// Connects a server recording into `server` and `client`, and fires once both ends
/// have lost the connection, with their reasons.
fn run_pair(
    reactor: &Reactor,
    server: impl Fn(&Record) -> Peer + 'static,
    client: Peer,
) -> (Record, Record, &'static str, &'static str) {
    let server_record = Record::default();
    let client_record = client.record.clone();
    let s = server_record.clone();
    let (sr, cr) = (server_record.clone(), client_record.clone());
    let d =
        pair(reactor, LOCAL, move || server(&s), client).add_callback(move |_| both_lost(&sr, &cr));
    let (server_reason, client_reason) = run(reactor, d);
    (server_record, client_record, server_reason, client_reason)
}

// Lifecycle.

// Source: twisted/test/test_tcp.py CallBackOrderTests.test_loseOrder
#[test]
fn connection_made_then_data_then_lost_in_order() {
    let reactor = reactor();
    let client = Record::default();
    let peer = Peer::new(&client).on_made(|t| t.write(b"ping"));
    let (server, client, server_reason, client_reason) =
        run_pair(&reactor, |r| Peer::new(r).on_data(|t, _| t.lose_connection()), peer);
    assert_eq!(server.events(), ["made", "lost:done"]);
    assert_eq!(server.received(), b"ping");
    assert_eq!(client.events(), ["made", "read_eof", "lost:done"]);
    assert_eq!((server_reason, client_reason), ("done", "done"));
}

// Source: twisted/test/test_tcp.py LargeBufferTests.testWriter
#[test]
fn lose_connection_sends_everything_written_first() {
    let reactor = reactor();
    let big: Vec<u8> = (0..4_000_000u32).map(|i| (i % 251) as u8).collect();
    let expected = big.clone();
    let (_, client, server_reason, client_reason) = run_pair(
        &reactor,
        move |r| {
            let big = big.clone();
            Peer::new(r).on_made(move |t| {
                t.write(&big);
                t.lose_connection();
            })
        },
        Peer::new(&Record::default()),
    );
    assert_eq!(client.received().len(), expected.len());
    assert!(client.received() == expected);
    assert_eq!((server_reason, client_reason), ("done", "done"));
}

// Source: twisted/internet/test/test_tcp.py TCPServerTests.test_writeAfterDisconnect
// Source: twisted/internet/test/test_tcp.py TCPServerTests.test_writeSequenceAfterDisconnect
// Source: twisted/internet/test/connectionmixins.py ConnectionTestsMixin.test_writeAfterDisconnect
#[test]
fn writes_after_the_connection_is_lost_are_ignored() {
    let reactor = reactor();
    let client = Record::default();
    let (server, _, _, _) =
        run_pair(&reactor, Peer::new, Peer::new(&client).on_made(|t| t.lose_connection()));
    for transport in [server.transport(), client.transport()] {
        assert!(transport.is_closed());
        transport.write(b"late");
        transport.write_many([&b"late"[..], b"r"]);
        assert_eq!(transport.buffered(), 0);
    }
    assert_eq!(server.events(), ["made", "read_eof", "lost:done"]);
}

// Source: twisted/internet/test/test_tcp.py WriteSequenceTestsMixin.test_writeSequeceWithoutWrite
#[test]
fn write_many_without_write() {
    let reactor = reactor();
    let (server, _, _, _) = run_pair(
        &reactor,
        |r| Peer::new(r).on_data(|t, _| t.lose_connection()),
        Peer::new(&Record::default())
            .on_made(|t| t.write_many([&b"Some "[..], b"sequence ", b"splitted"])),
    );
    assert_eq!(server.received(), b"Some sequence splitted");
}

// Source: twisted/internet/test/test_tcp.py TCPConnectionTestsBuilder.test_connectionLostAfterPausedTransport
#[test]
fn connection_lost_after_paused_transport() {
    let reactor = reactor();
    let timer = reactor.clone();
    let (server, _, server_reason, _) = run_pair(
        &reactor,
        move |r| {
            let (record, timer) = (r.clone(), timer.clone());
            Peer::new(r).on_data(move |t, _| {
                record.log("paused");
                t.pause_reading();
                let (record, t) = (record.clone(), t.clone());
                timer.call_later(Duration::ZERO, move || {
                    record.log("resumed");
                    t.resume_reading();
                });
            })
        },
        Peer::new(&Record::default()).on_made(|t| {
            t.write(b"some bytes for you");
            t.lose_connection();
        }),
    );
    assert_eq!(server.events(), ["made", "paused", "resumed", "read_eof", "lost:done"]);
    assert_eq!(server.received(), b"some bytes for you");
    assert_eq!(server_reason, "done");
}

/// Pauses and resumes reading `times` more times, one reactor turn apart.
fn toggle_reading(reactor: &Reactor, transport: Transport, times: u32) {
    transport.pause_reading();
    transport.resume_reading();
    if times > 0 {
        let r = reactor.clone();
        reactor.call_later(Duration::ZERO, move || toggle_reading(&r, transport, times - 1));
    }
}

// Source: twisted/internet/test/test_tcp.py TCPConnectionTestsBuilder.test_stopStartReading
#[test]
fn pausing_and_resuming_reading_loses_nothing() {
    let reactor = reactor();
    let timer = reactor.clone();
    let mut expected = vec![b'x'; 2 * 4096];
    expected.extend_from_slice(&[b'y'; 2 * 4096]);
    let sent = expected.clone();
    let server = Record::default();
    let (s, waiting) = (server.clone(), server.clone());
    let client = Record::default();
    let d = pair(
        &reactor,
        LOCAL,
        move || {
            let timer = timer.clone();
            Peer::new(&s).on_made(move |t| toggle_reading(&timer, t.clone(), 3))
        },
        Peer::new(&client).on_made(move |t| t.write(&sent)),
    )
    .add_callback(move |_| waiting.received_at_least(4 * 4096));
    assert_eq!(run(&reactor, d), expected);
}

// Source: twisted/internet/test/test_tcp.py TCPConnectionTestsBuilder.test_resumeProducing
#[test]
fn paused_reading_holds_data_until_resumed() {
    let reactor = reactor();
    let timer = reactor.clone();
    let server = Record::default();
    let (s, checked) = (server.clone(), server.clone());
    let d = pair(
        &reactor,
        LOCAL,
        move || Peer::new(&s).on_made(|t| t.pause_reading()),
        Peer::new(&Record::default()).on_made(|t| t.write(b"held")),
    )
    .add_callback(move |_| {
        // Long enough for the bytes to cross the loopback and be read, were reading on.
        deferreds::task::defer_later(&timer, ms(50), move || {
            assert!(checked.received().is_empty());
            let waiting = checked.received_at_least(4);
            checked.transport().resume_reading();
            Ok::<_, Failure>(waiting)
        })
    })
    .add_callback(|waiting| waiting);
    assert_eq!(run(&reactor, d), b"held");
}

// Source: twisted/internet/test/test_tcp.py TCPConnectionTestsBuilder.test_resumeProducingWhileDisconnecting
#[test]
fn resume_reading_while_disconnecting_reads_nothing() {
    let reactor = reactor();
    let (server, _, server_reason, _) = run_pair(
        &reactor,
        |r| {
            Peer::new(r).on_made(|t| {
                t.lose_connection();
                t.resume_reading();
            })
        },
        Peer::new(&Record::default()).on_made(|t| t.write(b"unread")),
    );
    assert!(server.received().is_empty());
    assert_eq!(server.events(), ["made", "lost:done"]);
    assert_eq!(server_reason, "done");
}

// Source: twisted/internet/test/test_tcp.py TCPConnectionTestsBuilder.test_resumeProducingWhileDisconnected
// Source: twisted/internet/test/connectionmixins.py StreamClientTestsMixin.test_unregisterProducerAfterDisconnect
#[test]
fn reading_controls_after_the_connection_is_lost_do_nothing() {
    let reactor = reactor();
    let (server, _, _, _) = run_pair(
        &reactor,
        |r| Peer::new(r).on_made(|t| t.lose_connection()),
        Peer::new(&Record::default()),
    );
    let transport = server.transport();
    transport.pause_reading();
    transport.resume_reading();
    transport.lose_connection();
    transport.abort_connection();
    transport.write_eof();
    transport.unregister_producer();
    assert!(transport.is_closed());
    assert!(!transport.is_disconnecting());
    assert_eq!(server.events(), ["made", "lost:done"]);
}

// Source: twisted/internet/test/test_tcp.py TCPConnectionTestsBuilder.test_doubleHalfClose
#[test]
fn double_half_close() {
    let reactor = reactor();
    let (server, client, server_reason, client_reason) = run_pair(
        &reactor,
        |r| Peer::new(r).on_read_eof(|t| t.write_eof()),
        Peer::new(&Record::default()).on_made(|t| t.lose_connection()),
    );
    assert_eq!(server.events(), ["made", "read_eof", "lost:done"]);
    assert_eq!(client.events(), ["made", "lost:done"]);
    assert_eq!((server_reason, client_reason), ("done", "done"));
}

// Half-close.

// Source: twisted/test/test_tcp.py HalfCloseTests.testCloseWriteCloser
#[test]
fn write_eof_lets_the_peer_answer_and_drops_later_writes() {
    let reactor = reactor();
    let client = Record::default();
    let (server, client, server_reason, client_reason) = run_pair(
        &reactor,
        |r| {
            let record = r.clone();
            Peer::new(r).on_read_eof(move |t| {
                // Half-closeable: still writes after the peer stopped, then closes.
                assert!(!t.is_disconnecting());
                t.write(&record.received());
                t.lose_connection();
            })
        },
        Peer::new(&client).on_made(|t| {
            t.write(b"hello");
            t.write_eof();
            t.write(b" world");
            t.write_many([b"lalala fooled you"]);
        }),
    );
    assert_eq!(server.received(), b"hello");
    assert_eq!(client.received(), b"hello");
    assert_eq!(server.events(), ["made", "read_eof", "lost:done"]);
    assert_eq!(client.events(), ["made", "read_eof", "lost:done"]);
    assert_eq!((server_reason, client_reason), ("done", "done"));
}

// Source: twisted/test/test_tcp.py HalfCloseTests.testWriteCloseNotification
#[test]
fn write_eof_is_heard_by_the_peer_and_reading_goes_on() {
    let reactor = reactor();
    let client = Record::default();
    let (server, client, _, _) = run_pair(
        &reactor,
        |r| Peer::new(r).on_made(|t| t.write_eof()).on_data(|t, _| t.lose_connection()),
        Peer::new(&client).on_read_eof(|t| {
            t.write(b"still here");
            t.lose_connection();
        }),
    );
    assert_eq!(client.events(), ["made", "read_eof", "lost:done"]);
    assert_eq!(server.received(), b"still here");
    assert_eq!(server.events(), ["made", "lost:done"]);
}

// Source: twisted/test/test_tcp.py HalfCloseNoNotificationAndShutdownExceptionTests.testNoNotification
#[test]
fn peer_half_close_closes_a_protocol_that_keeps_the_default() {
    let reactor = reactor();
    let (server, client, server_reason, client_reason) = run_pair(
        &reactor,
        Peer::new,
        Peer::new(&Record::default()).on_made(|t| {
            t.write(b"hello");
            t.write_eof();
        }),
    );
    assert_eq!(server.received(), b"hello");
    assert_eq!(server.events(), ["made", "read_eof", "lost:done"]);
    assert_eq!(client.events(), ["made", "read_eof", "lost:done"]);
    assert_eq!((server_reason, client_reason), ("done", "done"));
}

// Abort.

/// Runs a client that aborts against `server`; checks the reasons Twisted allows.
fn abort_test(
    reactor: &Reactor,
    server: impl Fn(&Record) -> Peer + 'static,
    client: Peer,
) -> (Record, Record) {
    let (server, client, server_reason, client_reason) = run_pair(reactor, server, client);
    assert!(["aborted", "lost"].contains(&client_reason), "client: {client_reason}");
    assert!(["lost", "done"].contains(&server_reason), "server: {server_reason}");
    (server, client)
}

/// Writes `ready` on connecting, and fails the test on anything but `X`s.
fn read_abort_server(record: &Record) -> Peer {
    Peer::new(record)
        .on_made(|t| t.write(b"ready"))
        .on_data(|_, data| assert!(data.iter().all(|&b| b == b'X'), "unexpected data"))
}

/// On the first bytes: writes `X`s, aborts, runs `then`, writes `Y`s, which must never
/// arrive; checks `connection_lost` did not come from inside the abort.
fn aborting_client(record: &Record, then: impl Fn(&Transport) + 'static) -> Peer {
    let seen = record.clone();
    Peer::new(record).on_data(move |t, _| {
        t.write(&[b'X'; 10_000]);
        t.abort_connection();
        then(t);
        t.write(&[b'Y'; 10_000]);
        assert_eq!(seen.reason(), None, "connection_lost was called re-entrantly");
    })
}

// Source: twisted/internet/test/test_tcp.py AbortConnectionMixin.test_dataReceivedAbort
#[test]
fn abort_from_data_received() {
    let reactor = reactor();
    let client = Record::default();
    let (server, client) =
        abort_test(&reactor, read_abort_server, aborting_client(&client, |_| {}));
    assert_eq!(client.reason(), Some("aborted"));
    assert!(!server.received().contains(&b'Y'));
}

// Source: twisted/internet/test/test_tcp.py AbortConnectionMixin.test_clientAbortsConnectionTwice
#[test]
fn client_aborts_twice() {
    let reactor = reactor();
    let client = Record::default();
    let (_, client) =
        abort_test(&reactor, read_abort_server, aborting_client(&client, |t| t.abort_connection()));
    assert_eq!(client.events(), ["made", "lost:aborted"]);
}

// Source: twisted/internet/test/test_tcp.py AbortConnectionMixin.test_clientAbortsConnectionThenLosesConnection
#[test]
fn client_aborts_then_loses_connection() {
    let reactor = reactor();
    let client = Record::default();
    let (_, client) =
        abort_test(&reactor, read_abort_server, aborting_client(&client, |t| t.lose_connection()));
    assert_eq!(client.events(), ["made", "lost:aborted"]);
}

// Source: twisted/internet/test/test_tcp.py AbortConnectionMixin.test_serverAbortsConnectionTwice
#[test]
fn server_aborts_twice() {
    let reactor = reactor();
    let (server, client, server_reason, client_reason) = run_pair(
        &reactor,
        |r| {
            Peer::new(r).on_data(|t, _| {
                t.abort_connection();
                t.abort_connection();
            })
        },
        Peer::new(&Record::default()).on_made(|t| t.write(b"hello")),
    );
    assert_eq!(server.events(), ["made", "lost:aborted"]);
    assert_eq!((server_reason, client_reason), ("aborted", "lost"));
    assert_eq!(client.events(), ["made", "lost:lost"]);
}

// Source: twisted/internet/test/test_tcp.py AbortConnectionMixin.test_serverAbortsConnectionThenLosesConnection
#[test]
fn server_aborts_then_loses_connection() {
    let reactor = reactor();
    let (server, _, server_reason, client_reason) = run_pair(
        &reactor,
        |r| {
            Peer::new(r).on_data(|t, _| {
                t.abort_connection();
                t.lose_connection();
            })
        },
        Peer::new(&Record::default()).on_made(|t| t.write(b"hello")),
    );
    assert_eq!(server.events(), ["made", "lost:aborted"]);
    assert_eq!((server_reason, client_reason), ("aborted", "lost"));
}

/// A pull producer that aborts the connection when asked for more, except while it is
/// being registered.
struct AbortOnResume {
    transport: Transport,
    record: Record,
    registering: Cell<bool>,
}

impl Producer for AbortOnResume {
    fn pause_producing(&self) {
        self.record.log("pause");
    }

    fn resume_producing(&self) {
        if !self.registering.get() {
            self.transport.abort_connection();
            assert_eq!(self.record.reason(), None, "connection_lost was called re-entrantly");
        }
    }

    fn stop_producing(&self) {
        self.record.log("stop");
    }
}

// Source: twisted/internet/test/test_tcp.py AbortConnectionMixin.test_resumeProducingAbort
// DIFFERENCE: writes the system takes at once are never buffered here, so the client
// writes until some wait in the buffer; Twisted's one write always does.
#[test]
fn abort_from_resume_producing() {
    let reactor = reactor();
    let client = Record::default();
    let record = client.clone();
    let (_, client) = abort_test(
        &reactor,
        Peer::new,
        Peer::new(&client).on_made(move |t| {
            // The system takes what it can at once; the rest must wait in the buffer so
            // that its draining asks the producer for more.
            for _ in 0..64 {
                t.write(&b"lalala".repeat(127_000));
                if t.buffered() > 0 {
                    break;
                }
            }
            assert!(t.buffered() > 0);
            let producer = Rc::new(AbortOnResume {
                transport: t.clone(),
                record: record.clone(),
                registering: Cell::new(true),
            });
            t.register_producer(producer.clone(), false);
            producer.registering.set(false);
        }),
    );
    // The producer is stopped before the protocol hears the connection is gone.
    assert_eq!(client.events(), ["made", "stop", "lost:aborted"]);
}

/// A streaming producer that writes `chunk`s until paused, then aborts a little later:
/// the connection's buffers are full, as when a peer stops reading for good.
struct AbortWhenFull {
    transport: Transport,
    reactor: Reactor,
    record: Record,
    paused: Cell<bool>,
}

impl Producer for AbortWhenFull {
    fn pause_producing(&self) {
        if self.paused.replace(true) {
            return;
        }
        self.record.log("pause");
        let (transport, record) = (self.transport.clone(), self.record.clone());
        self.reactor.call_later(ms(10), move || {
            transport.abort_connection();
            assert_eq!(record.reason(), None, "connection_lost was called re-entrantly");
        });
    }

    fn resume_producing(&self) {
        self.paused.set(false);
    }

    fn stop_producing(&self) {
        self.record.log("stop");
    }
}

// Source: twisted/internet/test/test_tcp.py AbortConnectionMixin.test_fullWriteBuffer
// DIFFERENCE: the client stops writing once paused (Twisted writes 32 MB regardless); the
// buffers are full either way.
#[test]
fn abort_from_a_timer_with_a_full_write_buffer() {
    let reactor = reactor();
    let timer = reactor.clone();
    let server = Record::default();
    let client = Record::default();
    let (s, paused_server, record) = (server.clone(), server.clone(), client.clone());
    let (cs, sr) = (client.clone(), server.clone());
    let d = pair(
        &reactor,
        LOCAL,
        move || Peer::new(&s).on_made(|t| t.pause_reading()),
        Peer::new(&client)
            .on_made(move |t| {
                let producer = Rc::new(AbortWhenFull {
                    transport: t.clone(),
                    reactor: timer.clone(),
                    record: record.clone(),
                    paused: Cell::new(false),
                });
                t.register_producer(producer.clone(), true);
                for _ in 0..100 {
                    if producer.paused.get() {
                        break;
                    }
                    t.write(&b"1234567890".repeat(32_000));
                }
            })
            // The server reads again, so it hears the connection go.
            .on_lost(move |_| paused_server.transport().resume_reading()),
    )
    .add_callback(move |_| both_lost(&sr, &cs));
    let (server_reason, client_reason) = run(&reactor, d);
    assert_eq!(client_reason, "aborted");
    assert!(["lost", "done"].contains(&server_reason), "server: {server_reason}");
    assert_eq!(client.events(), ["made", "pause", "stop", "lost:aborted"]);
}

// Addresses.

/// The addresses seen by a connection to a port on `on`: the port's, the server's
/// (host, peer), the client's (host, peer), and the peer given to `build_protocol`.
struct Seen {
    port: Address,
    server: (Address, Address),
    client: (Address, Address),
    built_for: Address,
}

struct AddressFactory(Record, Rc<RefCell<Option<Address>>>);

impl Factory for AddressFactory {
    type Protocol = Peer;

    fn build_protocol(&self, peer: &Address) -> Option<Peer> {
        *self.1.borrow_mut() = Some(peer.clone());
        Some(Peer::new(&self.0).on_made(|t| t.lose_connection()))
    }
}

fn addresses(on: &str) -> Seen {
    let reactor = reactor();
    let (server, client) = (Record::default(), Record::default());
    let built_for = Rc::new(RefCell::new(None));
    let factory = AddressFactory(server.clone(), built_for.clone());
    let (sr, cr) = (server.clone(), client.clone());
    let d = pair(&reactor, on, factory, Peer::new(&client))
        .add_callback(move |(port, _)| both_lost(&sr, &cr).add_callback(move |_| Ok(port)));
    let port = run(&reactor, d);
    let (s, c) = (server.transport(), client.transport());
    let built_for = built_for.borrow().clone().unwrap();
    Seen {
        port: port.address().clone(),
        server: (s.host().clone(), s.peer().clone()),
        client: (c.host().clone(), c.peer().clone()),
        built_for,
    }
}

// Source: twisted/internet/test/test_tcp.py TCPPortTestsMixin.test_portGetHostOnIPv4
#[test]
fn port_address_on_ipv4() {
    let seen = addresses(LOCAL);
    let port = seen.port.tcp().unwrap();
    assert!(port.is_ipv4());
    assert_eq!(port.ip().to_string(), "127.0.0.1");
    assert_ne!(port.port(), 0);
}

// Source: twisted/internet/test/test_tcp.py TCPPortTestsMixin.test_portGetHostOnIPv6
#[test]
fn port_address_on_ipv6() {
    let seen = addresses(LOCAL6);
    let port = seen.port.tcp().unwrap();
    assert!(port.is_ipv6());
    assert_eq!(port.ip().to_string(), "::1");
    assert_ne!(port.port(), 0);
}

// Source: twisted/internet/test/test_tcp.py TCPPortTestsMixin.test_buildProtocolIPv4Address
#[test]
fn build_protocol_gets_the_peer_address_on_ipv4() {
    let seen = addresses(LOCAL);
    assert_eq!(seen.built_for, seen.client.0);
}

// Source: twisted/internet/test/test_tcp.py TCPPortTestsMixin.test_buildProtocolIPv6Address
#[test]
fn build_protocol_gets_the_peer_address_on_ipv6() {
    let seen = addresses(LOCAL6);
    assert!(seen.built_for.tcp().unwrap().is_ipv6());
    assert_eq!(seen.built_for, seen.client.0);
}

// Source: twisted/internet/test/test_tcp.py TCPPortTestsMixin.test_serverGetHostOnIPv4
// Source: twisted/internet/test/test_tcp.py TCPTransportServerAddressTestMixin.test_serverAddressTCP4
#[test]
fn server_host_on_ipv4_is_the_port() {
    let seen = addresses(LOCAL);
    assert_eq!(seen.server.0, seen.port);
}

// Source: twisted/internet/test/test_tcp.py TCPPortTestsMixin.test_serverGetHostOnIPv6
// Source: twisted/internet/test/test_tcp.py TCPTransportServerAddressTestMixin.test_serverAddressTCP6
#[test]
fn server_host_on_ipv6_is_the_port() {
    let seen = addresses(LOCAL6);
    assert_eq!(seen.server.0, seen.port);
}

// Source: twisted/internet/test/test_tcp.py TCPPortTestsMixin.test_serverGetPeerOnIPv4
#[test]
fn server_peer_on_ipv4_is_the_client() {
    let seen = addresses(LOCAL);
    assert_eq!(seen.server.1, seen.client.0);
}

// Source: twisted/internet/test/test_tcp.py TCPPortTestsMixin.test_serverGetPeerOnIPv6
#[test]
fn server_peer_on_ipv6_is_the_client() {
    let seen = addresses(LOCAL6);
    assert_eq!(seen.server.1, seen.client.0);
}

// Source: twisted/internet/test/test_tcp.py TCPClientTestsBase.test_addresses
// Source: twisted/test/test_tcp.py LocalRemoteAddressTests.test_hostAddress
#[test]
fn client_host_and_peer() {
    let seen = addresses(LOCAL);
    assert_eq!(seen.client.1, seen.port);
    let host = seen.client.0.tcp().unwrap();
    assert_eq!(host.ip().to_string(), "127.0.0.1");
    assert_ne!(host.port(), seen.port.tcp().unwrap().port());
}

// Source: twisted/internet/test/test_tcp.py TCP6ClientTestsBuilder (connect over IPv6)
#[test]
fn listen_and_connect_over_ipv6() {
    let reactor = reactor();
    let server = Record::default();
    let s = server.clone();
    let d = pair(
        &reactor,
        LOCAL6,
        move || Peer::new(&s).on_data(|t, data| t.write(data)),
        Peer::new(&Record::default()).on_made(|t| t.write(b"over six")),
    )
    .add_callback(|(_, client)| {
        let record = client.record.clone();
        record.received_at_least(8)
    });
    assert_eq!(run(&reactor, d), b"over six");
    assert!(server.transport().peer().tcp().unwrap().is_ipv6());
}

// Connecting.

/// A client factory that records its start, stop and builds.
#[derive(Clone, Default)]
struct Counting {
    log: Rc<RefCell<Vec<&'static str>>>,
    refuse: bool,
}

impl Factory for Counting {
    type Protocol = Peer;

    fn build_protocol(&self, _peer: &Address) -> Option<Peer> {
        self.log.borrow_mut().push("build");
        (!self.refuse).then(|| Peer::new(&Record::default()))
    }

    fn start_factory(&self) {
        self.log.borrow_mut().push("start");
    }

    fn stop_factory(&self) {
        self.log.borrow_mut().push("stop");
    }
}

/// The address of a port that was open a moment ago, and is not now.
fn closed_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind(LOCAL).unwrap();
    listener.local_addr().unwrap()
}

fn io_kind(failure: &Failure) -> io::ErrorKind {
    failure.downcast_ref::<io::Error>().expect("an io::Error").kind()
}

// Source: twisted/test/test_tcp.py LoopbackTests.test_connectionRefusedErrorNumber
// Source: twisted/internet/test/connectionmixins.py StreamClientTestsMixin.test_clientConnectionFailedStopsReactor
#[test]
fn connect_to_a_closed_port_is_refused() {
    let reactor = reactor();
    let factory = Counting::default();
    let d = ClientEndpoint::tcp(closed_port()).connect(&reactor, factory.clone());
    let failure = reactor.run_until(d.add_timeout(GUARD, &reactor)).unwrap_err();
    assert_eq!(io_kind(&failure), io::ErrorKind::ConnectionRefused);
    assert_eq!(*factory.log.borrow(), ["start", "stop"]);
}

// Source: twisted/test/test_tcp.py FactoryTests.test_clientStartStop
#[test]
fn client_factory_starts_and_stops_around_the_attempt() {
    let reactor = reactor();
    let factory = Counting::default();
    let (f, r) = (factory.clone(), reactor.clone());
    let d = ServerEndpoint::tcp(LOCAL)
        .listen(&reactor, || Peer::new(&Record::default()))
        .add_callback(move |port| ClientEndpoint::tcp(addr(&port)).connect(&r, f));
    let client = run(&reactor, d);
    assert_eq!(*factory.log.borrow(), ["start", "build", "stop"]);
    assert_eq!(client.record.events(), ["made", "lost:lost"]);
}

// Source: twisted/internet/test/connectionmixins.py StreamClientTestsMixin.test_connectEvent
#[test]
fn connect_fires_after_connection_made() {
    let reactor = reactor();
    let r = reactor.clone();
    let d = ServerEndpoint::tcp(LOCAL)
        .listen(&reactor, || Peer::new(&Record::default()))
        .add_callback(move |port| {
            ClientEndpoint::tcp(addr(&port))
                .connect_protocol(&r, Peer::new(&Record::default()))
                .add_callback(|client| Ok::<_, Failure>(client.record.events()))
        });
    assert_eq!(run(&reactor, d), ["made"]);
}

// Source: twisted/internet/test/test_tcp.py TCPClientTestsBase.test_buildProtocolReturnsNone
#[test]
fn client_factory_building_no_protocol_fails_the_connect() {
    let reactor = reactor();
    let server = Record::default();
    let (s, sr) = (server.clone(), server.clone());
    let r = reactor.clone();
    let factory = Counting { refuse: true, ..Counting::default() };
    let f = factory.clone();
    let d = ServerEndpoint::tcp(LOCAL).listen(&reactor, move || Peer::new(&s)).add_callback(
        move |port| {
            ClientEndpoint::tcp(addr(&port)).connect(&r, f).add_both(move |result| {
                let failure = result.expect_err("the connect must fail");
                assert!(failure.check::<NoProtocol>());
                // The server's end is closed too.
                sr.lost()
            })
        },
    );
    assert_eq!(run(&reactor, d), "done");
    assert_eq!(*factory.log.borrow(), ["start", "build", "stop"]);
}

struct Refusing;

impl Factory for Refusing {
    type Protocol = Peer;

    fn build_protocol(&self, _peer: &Address) -> Option<Peer> {
        None
    }
}

// Source: twisted/internet/test/test_tcp.py TCPClientTestsBase.test_buildProtocolReturnsNone (the server's side)
#[test]
fn server_factory_building_no_protocol_closes_the_connection() {
    let reactor = reactor();
    let client = Record::default();
    let c = client.clone();
    let d = pair(&reactor, LOCAL, Refusing, Peer::new(&client)).add_callback(move |_| c.lost());
    assert_eq!(run(&reactor, d), "done");
    assert_eq!(client.events(), ["made", "read_eof", "lost:done"]);
}

/// A listener whose accept queue is full, so that a connection attempt to it hangs: the
/// system drops the handshake instead of refusing it. Holds the connections filling it.
#[cfg(target_os = "linux")]
fn full_listener() -> (socket2::Socket, Vec<TcpStream>, SocketAddr) {
    use socket2::{Domain, Socket, Type};
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    listener.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into()).unwrap();
    listener.listen(0).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    let fillers: Vec<TcpStream> =
        (0..3).filter_map(|_| TcpStream::connect_timeout(&addr, ms(200)).ok()).collect();
    (listener, fillers, addr)
}

// Source: twisted/internet/tcp.py BaseClient (the connect timeout; no Twisted test on a real socket)
// DIFFERENCE: the attempt is made to hang with a listener whose accept queue is full, so
// nothing but the loopback is contacted.
#[cfg(target_os = "linux")]
#[test]
fn connect_times_out_and_stops_the_factory() {
    let (_listener, _fillers, addr) = full_listener();
    let reactor = reactor();
    let factory = Counting::default();
    let d = ClientEndpoint::tcp(addr).timeout(ms(200)).connect(&reactor, factory.clone());
    let failure = reactor.run_until(d.add_timeout(GUARD, &reactor)).unwrap_err();
    assert!(failure.check::<TimeoutError>(), "{}", failure.report());
    assert_eq!(*factory.log.borrow(), ["start", "stop"]);
}

// Source: twisted/internet/test/test_endpoints.py TCP4EndpointsTests.test_endpointConnectingCancelled
#[cfg(target_os = "linux")]
#[test]
fn cancelling_a_connect_abandons_it_and_stops_the_factory() {
    let (_listener, _fillers, addr) = full_listener();
    let reactor = reactor();
    let factory = Counting::default();
    let d = ClientEndpoint::tcp(addr).connect(&reactor, factory.clone());
    let (outcome, resolver) = Deferred::new();
    let attempt = Rc::new(RefCell::new(Some(d)));
    let cancel = Rc::clone(&attempt);
    reactor.call_later(ms(50), move || {
        let d = cancel.borrow_mut().take().unwrap();
        d.cancel();
        d.chain_deferred(resolver);
    });
    let failure = reactor.run_until(outcome.add_timeout(GUARD, &reactor)).unwrap_err();
    assert!(failure.check::<CancelledError>(), "{}", failure.report());
    assert_eq!(*factory.log.borrow(), ["start", "stop"]);
}

// Listening.

// Source: twisted/test/test_tcp.py ListeningTests.testStopListening
#[test]
fn stop_listening_closes_the_port_at_once() {
    let reactor = reactor();
    let d = ServerEndpoint::tcp(LOCAL).listen(&reactor, || Peer::new(&Record::default()));
    let port =
        run(&reactor, d.add_callback(|port| port.stop_listening().add_callback(|_| Ok(port))));
    let refused = TcpStream::connect(addr(&port)).unwrap_err();
    assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused);
}

// Source: twisted/test/test_tcp.py ListeningTests.testStopListening (while running)
#[test]
fn connects_after_stop_listening_are_refused() {
    let reactor = reactor();
    let r = reactor.clone();
    let d = ServerEndpoint::tcp(LOCAL)
        .listen(&reactor, || Peer::new(&Record::default()))
        .add_callback(move |port| {
            let target = addr(&port);
            port.stop_listening().add_callback(move |_| {
                ClientEndpoint::tcp(target).connect_protocol(&r, Peer::new(&Record::default()))
            })
        });
    let failure = reactor.run_until(d.add_timeout(GUARD, &reactor)).unwrap_err();
    assert_eq!(io_kind(&failure), io::ErrorKind::ConnectionRefused);
}

// Source: twisted/internet/interfaces.py IListeningPort.stopListening (accepted connections stay open)
#[test]
fn stop_listening_keeps_accepted_connections_open() {
    let reactor = reactor();
    let server = Record::default();
    let s = server.clone();
    let (sr, check) = (server.clone(), server.clone());
    let d = pair(
        &reactor,
        LOCAL,
        move || Peer::new(&s).on_data(|t, data| t.write(data)),
        Peer::new(&Record::default()),
    )
    .add_callback(move |(port, client)| {
        sr.made().add_callback(move |_| port.stop_listening()).add_callback(move |_| {
            client.record.transport().write(b"after");
            client.record.received_at_least(5)
        })
    });
    assert_eq!(run(&reactor, d), b"after");
    assert_eq!(check.events(), ["made", "lost:lost"]);
}

// Source: twisted/test/test_tcp.py ListeningTests.test_restartListening
#[test]
fn stop_listening_twice_then_listen_again_on_the_same_port() {
    let reactor = reactor();
    let r = reactor.clone();
    let d = ServerEndpoint::tcp(LOCAL)
        .listen(&reactor, || Peer::new(&Record::default()))
        .add_callback(move |port| {
            let target = addr(&port);
            port.stop_listening().add_callback(move |_| port.stop_listening()).add_callback(
                move |_| ServerEndpoint::tcp(target).listen(&r, || Peer::new(&Record::default())),
            )
        })
        .add_callback(|port| Ok::<_, Failure>(addr(&port)));
    let again = run(&reactor, d);
    assert_ne!(again.port(), 0);
}

// Source: twisted/test/test_tcp.py CannotBindTests.test_cannotBind
#[test]
fn listening_on_a_port_in_use_fails() {
    let reactor = reactor();
    let r = reactor.clone();
    let d = ServerEndpoint::tcp(LOCAL)
        .listen(&reactor, || Peer::new(&Record::default()))
        .add_callback(move |port| {
            ServerEndpoint::tcp(addr(&port)).listen(&r, || Peer::new(&Record::default()))
        });
    let failure = reactor.run_until(d.add_timeout(GUARD, &reactor)).unwrap_err();
    assert_eq!(io_kind(&failure), io::ErrorKind::AddrInUse);
}

// Source: twisted/test/test_tcp.py FactoryTests.test_serverStartStop
#[test]
fn server_factory_starts_on_listen_and_stops_on_stop_listening() {
    let reactor = reactor();
    let factory = Counting::default();
    let log = factory.log.clone();
    let seen = log.clone();
    let d = ServerEndpoint::tcp(LOCAL).listen(&reactor, factory).add_callback(move |port| {
        assert_eq!(*seen.borrow(), ["start"]);
        port.stop_listening()
    });
    run(&reactor, d);
    assert_eq!(*log.borrow(), ["start", "stop"]);
}

// Source: twisted/internet/base.py ReactorBase.disconnectAll (no Twisted test)
#[test]
fn shutdown_loses_open_connections_and_closes_ports() {
    let reactor = reactor();
    let server = Record::default();
    let s = server.clone();
    let sr = server.clone();
    let d = pair(&reactor, LOCAL, move || Peer::new(&s), Peer::new(&Record::default()))
        .add_callback(move |(port, client)| {
            sr.made().add_callback(move |_| Ok::<_, Failure>((addr(&port), client)))
        });
    let (target, client) = run(&reactor, d);
    assert_eq!(server.events(), ["made", "lost:lost"]);
    assert_eq!(client.record.events(), ["made", "lost:lost"]);
    let refused = TcpStream::connect(target).unwrap_err();
    assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused);
}

// Unix sockets.

/// A fresh directory for Unix sockets, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("deferreds-tcp-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn socket(&self) -> PathBuf {
        self.0.join("sock")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// Source: twisted/test/test_unix.py UnixSocketTests.test_dumber
#[test]
fn unix_socket_listen_and_connect() {
    let dir = TempDir::new();
    let path = dir.socket();
    let reactor = reactor();
    let r = reactor.clone();
    let server = Record::default();
    let s = server.clone();
    let d = ServerEndpoint::unix(&path)
        .listen(&reactor, move || Peer::new(&s).on_data(|t, data| t.write(data)))
        .add_callback(move |port| {
            assert_eq!(*port.address(), Address::Unix(Some(path.clone())));
            let client = Peer::new(&Record::default()).on_made(|t| t.write(b"unix"));
            ClientEndpoint::unix(&path).connect_protocol(&r, client)
        })
        .add_callback(|client| client.record.received_at_least(4));
    assert_eq!(run(&reactor, d), b"unix");
    assert_eq!(*server.transport().host(), Address::Unix(Some(dir.socket())));
}

// Source: twisted/test/test_unix.py UnixSocketTests.test_socketLocking
#[test]
fn unix_socket_file_is_removed_when_the_port_stops() {
    let dir = TempDir::new();
    let path = dir.socket();
    let reactor = reactor();
    let r = reactor.clone();
    let p = path.clone();
    let d = ServerEndpoint::unix(&path)
        .listen(&reactor, || Peer::new(&Record::default()))
        .add_callback(move |port| {
            assert!(p.exists());
            port.stop_listening().add_callback(move |_| {
                assert!(!p.exists());
                // Free again: the path can be listened on anew.
                ServerEndpoint::unix(&p).listen(&r, || Peer::new(&Record::default()))
            })
        });
    run(&reactor, d);
    // And the second port's file goes with the reactor.
    assert!(!path.exists());
}

// Source: twisted/test/test_unix.py UnixSocketTests.test_socketLocking (while in use)
#[test]
fn listening_on_a_unix_path_in_use_fails() {
    let dir = TempDir::new();
    let path = dir.socket();
    let reactor = reactor();
    let r = reactor.clone();
    let d = ServerEndpoint::unix(&path)
        .listen(&reactor, || Peer::new(&Record::default()))
        .add_callback(move |_port| {
            ServerEndpoint::unix(&path).listen(&r, || Peer::new(&Record::default()))
        });
    let failure = reactor.run_until(d.add_timeout(GUARD, &reactor)).unwrap_err();
    assert_eq!(io_kind(&failure), io::ErrorKind::AddrInUse);
}

// Producers.

const CHUNK: usize = 16 * 1024;
const HIGH_WATER: usize = 64 * 1024;
/// Far more than the system's buffers hold, so a peer that does not read pauses the
/// producer before this much is written.
const FLOOD_LIMIT: usize = 256 * 1024 * 1024;

/// A streaming producer writing as fast as it may; it finishes at its first resume.
struct Flood {
    transport: Transport,
    log: Rc<RefCell<Vec<&'static str>>>,
    paused: Cell<bool>,
    written: Cell<usize>,
    most_buffered: Cell<usize>,
    buffered_at_pause: Cell<usize>,
    on_pause: RefCell<Option<Box<dyn FnOnce()>>>,
}

impl Flood {
    fn flood(&self) {
        while !self.paused.get() && self.written.get() < FLOOD_LIMIT {
            self.transport.write(&[b'f'; CHUNK]);
            self.written.set(self.written.get() + CHUNK);
            self.most_buffered.set(self.most_buffered.get().max(self.transport.buffered()));
        }
    }
}

impl Producer for Flood {
    fn pause_producing(&self) {
        self.log.borrow_mut().push("pause");
        self.paused.set(true);
        self.buffered_at_pause.set(self.transport.buffered());
        if let Some(on_pause) = self.on_pause.take() {
            on_pause();
        }
    }

    fn resume_producing(&self) {
        self.log.borrow_mut().push("resume");
        self.paused.set(false);
        self.transport.unregister_producer();
        self.transport.lose_connection();
    }

    fn stop_producing(&self) {
        self.log.borrow_mut().push("stop");
    }
}

// Source: twisted/internet/test/test_tcp.py WriteSequenceTestsMixin.test_streamingProducer
// DIFFERENCE: writes the system takes at once are never buffered here, so the peer stops
// reading until the system's buffers are full; Twisted buffers every write.
#[test]
fn streaming_producer_is_paused_past_high_water_and_resumed_when_the_peer_reads() {
    let reactor = reactor();
    let timer = reactor.clone();
    let server = Record::default();
    let client = Record::default();
    let (s, paused_server) = (server.clone(), server.clone());
    let (sr, cr) = (server.clone(), client.clone());
    let producer: Rc<RefCell<Option<Rc<Flood>>>> = Rc::default();
    let kept = producer.clone();
    let d = pair(
        &reactor,
        LOCAL,
        move || Peer::new(&s).on_made(|t| t.pause_reading()),
        Peer::new(&client).on_made(move |t| {
            t.set_high_water(HIGH_WATER);
            let (timer, server) = (timer.clone(), paused_server.clone());
            let flood = Rc::new(Flood {
                transport: t.clone(),
                log: Rc::default(),
                paused: Cell::new(false),
                written: Cell::new(0),
                most_buffered: Cell::new(0),
                buffered_at_pause: Cell::new(0),
                on_pause: RefCell::new(Some(Box::new(move || {
                    timer.call_later(ms(10), move || server.transport().resume_reading());
                }))),
            });
            t.register_producer(flood.clone(), true);
            flood.flood();
            *kept.borrow_mut() = Some(flood);
        }),
    )
    .add_callback(move |_| both_lost(&sr, &cr));
    assert_eq!(run(&reactor, d), ("done", "done"));
    let flood = producer.borrow_mut().take().unwrap();
    assert_eq!(*flood.log.borrow(), ["pause", "resume"]);
    assert!(flood.buffered_at_pause.get() > HIGH_WATER);
    assert!(flood.most_buffered.get() <= HIGH_WATER + CHUNK, "{}", flood.most_buffered.get());
    assert_eq!(server.received().len(), flood.written.get());
}

/// A pull producer writing one chunk each time it is asked, `rounds` times.
struct Pull {
    transport: Transport,
    rounds: usize,
    resumed: Cell<usize>,
    log: Rc<RefCell<Vec<&'static str>>>,
}

impl Producer for Pull {
    fn pause_producing(&self) {
        self.log.borrow_mut().push("pause");
    }

    fn resume_producing(&self) {
        self.log.borrow_mut().push("resume");
        let round = self.resumed.get() + 1;
        self.resumed.set(round);
        if round > self.rounds {
            self.transport.unregister_producer();
            self.transport.lose_connection();
        } else {
            self.transport.write(&[b'p'; 1000]);
        }
    }

    fn stop_producing(&self) {
        self.log.borrow_mut().push("stop");
    }
}

fn run_pull(rounds: usize, chunk_first: usize) -> (Vec<&'static str>, usize) {
    let reactor = reactor();
    let server = Record::default();
    let client = Record::default();
    let s = server.clone();
    let (sr, cr) = (server.clone(), client.clone());
    let log: Rc<RefCell<Vec<&'static str>>> = Rc::default();
    let l = log.clone();
    let d = pair(
        &reactor,
        LOCAL,
        move || Peer::new(&s),
        Peer::new(&client).on_made(move |t| {
            t.write(&vec![b'w'; chunk_first]);
            let pull = Rc::new(Pull {
                transport: t.clone(),
                rounds,
                resumed: Cell::new(0),
                log: l.clone(),
            });
            t.register_producer(pull, false);
        }),
    )
    .add_callback(move |_| both_lost(&sr, &cr));
    assert_eq!(run(&reactor, d), ("done", "done"));
    let log = log.borrow().clone();
    (log, server.received().len() - chunk_first)
}

// Source: twisted/internet/test/test_tcp.py WriteSequenceTestsMixin.test_nonStreamingProducer
#[test]
fn pull_producer_is_resumed_at_once_and_again_when_the_buffer_drains() {
    let (log, received) = run_pull(1, 0);
    assert_eq!(log, ["resume", "resume"]);
    assert_eq!(received, 1000);
}

// Source: twisted/internet/abstract.py FileDescriptor.doWrite (a pull producer is asked for
// more each time the buffer drains)
#[test]
fn pull_producer_is_asked_for_more_each_time_the_buffer_drains() {
    let (log, received) = run_pull(20, 4_000_000);
    assert_eq!(log.len(), 21);
    assert!(log.iter().all(|event| *event == "resume"));
    assert_eq!(received, 20 * 1000);
}
