//! The transport contract without sockets: two protocols connected in memory with
//! `connect_pair` (Twisted's `iosim`), and `StringTransport` (Twisted's
//! `twisted.internet.testing.StringTransport`). The same lifecycle, closes, half-closes
//! and back-pressure as the TCP tests, moved one pump round at a time.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use deferreds::Failure;
use deferreds_reactor::net::testing::{Pump, StringTransport, connect_pair};
use deferreds_reactor::net::{
    Address, ConnectionAborted, ConnectionDone, ConnectionLost, Producer, Protocol, Transport,
};

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

type Hook = Box<dyn Fn(&Transport)>;
type DataHook = Box<dyn Fn(&Transport, &[u8])>;

/// A protocol that records what it hears and does what its hooks say.
#[derive(Default)]
struct Peer {
    events: RefCell<Vec<String>>,
    received: RefCell<Vec<u8>>,
    made: Option<Hook>,
    data: Option<DataHook>,
    read_eof: Option<Hook>,
}

impl Peer {
    fn new() -> Peer {
        Peer::default()
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

    fn events(&self) -> Vec<String> {
        self.events.borrow().clone()
    }

    fn received(&self) -> Vec<u8> {
        self.received.borrow().clone()
    }
}

impl Protocol for Peer {
    fn connection_made(&self, transport: &Transport) {
        self.events.borrow_mut().push("made".into());
        if let Some(hook) = &self.made {
            hook(transport);
        }
    }

    fn data_received(&self, transport: &Transport, data: &[u8]) {
        self.received.borrow_mut().extend_from_slice(data);
        if let Some(hook) = &self.data {
            hook(transport, data);
        }
    }

    fn read_connection_lost(&self, transport: &Transport) {
        self.events.borrow_mut().push("read_eof".into());
        match &self.read_eof {
            Some(hook) => hook(transport),
            None => transport.lose_connection(),
        }
    }

    fn connection_lost(&self, reason: Failure) {
        self.events.borrow_mut().push(format!("lost:{}", kind(&reason)));
    }
}

fn pair(server: Peer, client: Peer) -> (Rc<Peer>, Rc<Peer>, Pump) {
    let (server, client) = (Rc::new(server), Rc::new(client));
    let pump = connect_pair(server.clone(), client.clone());
    (server, client, pump)
}

// connect_pair: lifecycle.

// Source: twisted/test/test_iosim.py FakeTransportTests.test_connectionSerial (and iosim.connect)
#[test]
fn both_sides_are_connected_at_once_and_nothing_moves_until_pumped() {
    let order = Rc::new(RefCell::new(Vec::new()));
    let (s, c) = (order.clone(), order.clone());
    let (server, client, pump) = pair(
        Peer::new().on_made(move |t| {
            s.borrow_mut().push("server");
            t.write(b"hello");
        }),
        Peer::new().on_made(move |_| c.borrow_mut().push("client")),
    );
    assert_eq!(*order.borrow(), ["server", "client"]);
    assert!(client.received().is_empty());
    assert_eq!(pump.server().buffered(), 5);
    assert!(pump.pump());
    assert_eq!(client.received(), b"hello");
    assert_eq!(server.events(), ["made"]);
    assert!(!pump.pump());
}

// Source: twisted/test/test_iosim.py FakeTransportTests.test_writeSequence
#[test]
fn write_many_arrives_as_one_stream() {
    let (server, _, pump) =
        pair(Peer::new(), Peer::new().on_made(|t| t.write_many([&b"a"[..], b"bc", b"def"])));
    pump.flush();
    assert_eq!(server.received(), b"abcdef");
}

// Source: twisted/test/test_tcp.py LargeBufferTests.testWriter (in memory)
#[test]
fn lose_connection_delivers_everything_written_first() {
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let sent = big.clone();
    let (server, client, pump) = pair(
        Peer::new().on_made(move |t| {
            t.write(&sent);
            t.lose_connection();
            assert!(t.is_disconnecting());
        }),
        Peer::new(),
    );
    pump.set_chunk_size(4096);
    pump.flush();
    assert!(client.received() == big);
    assert_eq!(server.events(), ["made", "lost:done"]);
    assert_eq!(client.events(), ["made", "lost:done"]);
    assert!(pump.server().is_closed() && pump.client().is_closed());
}

// Source: twisted/test/test_iosim.py FakeTransportTests.test_writeAfterClose
#[test]
fn writes_after_close_are_ignored() {
    let (_, client, pump) = pair(Peer::new().on_made(|t| t.lose_connection()), Peer::new());
    pump.flush();
    let server = pump.server();
    server.write(b"late");
    server.write_many([b"later"]);
    assert_eq!(server.buffered(), 0);
    pump.flush();
    assert!(client.received().is_empty());
}

// Source: set_chunk_size (iosim's small-chunk delivery; no Twisted test)
#[test]
fn chunk_size_splits_delivery_into_rounds() {
    let chunks = Rc::new(RefCell::new(Vec::new()));
    let seen = chunks.clone();
    let (_, _, pump) = pair(
        Peer::new().on_data(move |_, data| seen.borrow_mut().push(data.len())),
        Peer::new().on_made(|t| t.write(&[7; 10])),
    );
    pump.set_chunk_size(4);
    pump.flush();
    assert_eq!(*chunks.borrow(), [4, 4, 2]);
}

// Source: twisted/internet/test/test_tcp.py TCPTransportServerAddressTestMixin (in memory)
#[test]
fn pair_addresses_name_the_two_sides() {
    let (_, _, pump) = pair(Peer::new(), Peer::new());
    assert_eq!(*pump.server().host(), Address::Memory("server".into()));
    assert_eq!(*pump.server().peer(), Address::Memory("client".into()));
    assert_eq!(*pump.client().host(), Address::Memory("client".into()));
    assert_eq!(*pump.client().peer(), Address::Memory("server".into()));
}

// Source: twisted/test/test_iosim.py (a pump that never stops; no Twisted test)
#[test]
#[should_panic(expected = "still talking")]
fn flush_gives_up_on_endless_talk() {
    let (_, _, pump) = pair(
        Peer::new().on_made(|t| t.write(b"ping")).on_data(|t, d| t.write(d)),
        Peer::new().on_data(|t, d| t.write(d)),
    );
    pump.flush();
}

// connect_pair: abort.

// Source: twisted/internet/test/test_tcp.py AbortConnectionMixin.test_dataReceivedAbort (in memory)
#[test]
fn abort_drops_what_was_unsent_and_the_peer_hears_it_lost() {
    let (server, client, pump) = pair(
        Peer::new().on_made(|t| t.write(b"ready")),
        Peer::new().on_data(|t, _| {
            t.write(b"X");
            t.abort_connection();
            t.write(b"Y");
            // Dropped at once, and connection_lost comes later, from the pump.
            assert_eq!(t.buffered(), 0);
            assert!(!t.is_closed());
        }),
    );
    pump.flush();
    assert!(server.received().is_empty());
    assert_eq!(client.events(), ["made", "lost:aborted"]);
    assert_eq!(server.events(), ["made", "lost:lost"]);
}

// Source: twisted/internet/test/test_tcp.py AbortConnectionMixin.test_clientAbortsConnectionThenLosesConnection (in memory)
#[test]
fn abort_twice_or_then_lose_connection_closes_once() {
    let (_, client, pump) = pair(
        Peer::new(),
        Peer::new().on_made(|t| {
            t.abort_connection();
            t.abort_connection();
            t.lose_connection();
        }),
    );
    pump.flush();
    assert_eq!(client.events(), ["made", "lost:aborted"]);
}

// connect_pair: half-close and reading.

// Source: twisted/test/test_tcp.py HalfCloseTests.testCloseWriteCloser (in memory)
#[test]
fn write_eof_lets_the_peer_answer() {
    let (server, client, pump) = pair(
        Peer::new().on_read_eof(|t| {
            t.write(b"answer");
            t.lose_connection();
        }),
        Peer::new().on_made(|t| {
            t.write(b"question");
            t.write_eof();
            t.write(b"dropped");
        }),
    );
    pump.flush();
    assert_eq!(server.received(), b"question");
    assert_eq!(client.received(), b"answer");
    assert_eq!(server.events(), ["made", "read_eof", "lost:done"]);
    assert_eq!(client.events(), ["made", "lost:done"]);
}

// Source: twisted/test/test_tcp.py HalfCloseNoNotificationAndShutdownExceptionTests.testNoNotification (in memory)
#[test]
fn peer_half_close_closes_by_default() {
    let (server, client, pump) = pair(Peer::new(), Peer::new().on_made(|t| t.write_eof()));
    pump.flush();
    assert_eq!(server.events(), ["made", "read_eof", "lost:done"]);
    assert_eq!(client.events(), ["made", "lost:done"]);
}

// Source: twisted/internet/test/test_tcp.py TCPConnectionTestsBuilder.test_doubleHalfClose (in memory)
#[test]
fn double_half_close_closes() {
    let (server, client, pump) = pair(
        Peer::new().on_read_eof(|t| t.write_eof()),
        Peer::new().on_made(|t| t.write_eof()).on_read_eof(|_| {}),
    );
    pump.flush();
    assert_eq!(server.events(), ["made", "read_eof", "lost:done"]);
    assert_eq!(client.events(), ["made", "read_eof", "lost:done"]);
}

// Source: twisted/internet/test/test_tcp.py TCPConnectionTestsBuilder.test_resumeProducing (in memory)
#[test]
fn paused_reading_holds_data_until_resumed() {
    let (_, client, pump) = pair(Peer::new().on_made(|t| t.write(b"held")), Peer::new());
    pump.client().pause_reading();
    pump.flush();
    assert!(client.received().is_empty());
    assert_eq!(pump.server().buffered(), 4);
    pump.client().resume_reading();
    pump.flush();
    assert_eq!(client.received(), b"held");
}

// connect_pair: producers.

const CHUNK: usize = 4096;
const HIGH_WATER: usize = 16 * 1024;

/// A streaming producer writing chunks until paused, `total` bytes in all; then it
/// unregisters and closes.
struct Flood {
    transport: Transport,
    total: usize,
    written: Cell<usize>,
    paused: Cell<bool>,
    most_buffered: Cell<usize>,
    log: RefCell<Vec<&'static str>>,
}

impl Flood {
    fn new(transport: &Transport, total: usize) -> Rc<Flood> {
        Rc::new(Flood {
            transport: transport.clone(),
            total,
            written: Cell::new(0),
            paused: Cell::new(false),
            most_buffered: Cell::new(0),
            log: RefCell::default(),
        })
    }

    fn flood(&self) {
        while !self.paused.get() && self.written.get() < self.total {
            self.transport.write(&[b'f'; CHUNK]);
            self.written.set(self.written.get() + CHUNK);
            self.most_buffered.set(self.most_buffered.get().max(self.transport.buffered()));
        }
        if self.written.get() >= self.total {
            self.transport.unregister_producer();
            self.transport.lose_connection();
        }
    }
}

impl Producer for Flood {
    fn pause_producing(&self) {
        self.log.borrow_mut().push("pause");
        self.paused.set(true);
    }

    fn resume_producing(&self) {
        self.log.borrow_mut().push("resume");
        self.paused.set(false);
        self.flood();
    }

    fn stop_producing(&self) {
        self.log.borrow_mut().push("stop");
    }
}

// Source: twisted/test/test_iosim.py IOPumpTests.test_serverStreamingProducer
// Source: twisted/internet/test/test_tcp.py WriteSequenceTestsMixin.test_streamingProducer (in memory)
#[test]
fn streaming_producer_is_paused_past_high_water_and_resumed_when_the_peer_reads() {
    let (_, client, pump) = pair(Peer::new(), Peer::new());
    let server = pump.server();
    server.set_high_water(HIGH_WATER);
    pump.client().pause_reading();
    let flood = Flood::new(&server, 200 * 1024);
    server.register_producer(flood.clone(), true);
    flood.flood();
    assert_eq!(*flood.log.borrow(), ["pause"]);
    assert!(server.buffered() > HIGH_WATER);
    pump.flush();
    // The peer does not read: nothing moved, nothing more was written.
    assert!(client.received().is_empty());
    assert_eq!(*flood.log.borrow(), ["pause"]);
    pump.client().resume_reading();
    pump.set_chunk_size(CHUNK);
    pump.flush();
    assert!(flood.log.borrow().iter().filter(|e| **e == "resume").count() > 1);
    assert!(flood.most_buffered.get() <= HIGH_WATER + CHUNK, "{}", flood.most_buffered.get());
    assert_eq!(client.received().len(), 200 * 1024);
    assert_eq!(client.events(), ["made", "lost:done"]);
}

// Source: twisted/test/test_iosim.py IOPumpTests.test_clientStreamingProducer
#[test]
fn client_streaming_producer_is_paused_and_resumed_too() {
    let (server, _, pump) = pair(Peer::new(), Peer::new());
    let client = pump.client();
    client.set_high_water(HIGH_WATER);
    let flood = Flood::new(&client, 64 * 1024);
    client.register_producer(flood.clone(), true);
    flood.flood();
    pump.flush();
    let log = flood.log.borrow().clone();
    assert_eq!(log[..2], ["pause", "resume"]);
    assert_eq!(server.received().len(), 64 * 1024);
}

/// A pull producer writing one chunk each time it is asked, `rounds` times.
struct Pull {
    transport: Transport,
    rounds: usize,
    resumed: Cell<usize>,
}

impl Producer for Pull {
    fn pause_producing(&self) {
        panic!("a pull producer is never paused");
    }

    fn resume_producing(&self) {
        let round = self.resumed.get() + 1;
        self.resumed.set(round);
        if round > self.rounds {
            self.transport.unregister_producer();
        } else {
            self.transport.write(&[b'p'; 1000]);
        }
    }

    fn stop_producing(&self) {}
}

// Source: twisted/internet/test/test_tcp.py WriteSequenceTestsMixin.test_nonStreamingProducer (in memory)
// Source: twisted/internet/test/test_testing.py NonStreamingProducerTests.test_producesOnly10Times
#[test]
fn pull_producer_is_asked_for_more_each_time_the_buffer_drains() {
    let (_, client, pump) = pair(Peer::new(), Peer::new());
    let server = pump.server();
    let pull = Rc::new(Pull { transport: server.clone(), rounds: 10, resumed: Cell::new(0) });
    server.register_producer(pull.clone(), false);
    assert_eq!(pull.resumed.get(), 1);
    for round in 2..=10 {
        assert!(pump.pump());
        assert_eq!(pull.resumed.get(), round);
        assert_eq!(client.received().len(), (round - 1) * 1000);
    }
    pump.flush();
    assert_eq!(pull.resumed.get(), 11);
    assert_eq!(client.received().len(), 10 * 1000);
}

// Source: twisted/internet/abstract.py FileDescriptor.loseConnection (waits for a pull producer; no Twisted test)
#[test]
fn lose_connection_waits_for_a_pull_producer_to_unregister() {
    let (server_peer, _, pump) = pair(Peer::new(), Peer::new());
    let server = pump.server();
    let pull = Rc::new(Pull { transport: server.clone(), rounds: 3, resumed: Cell::new(0) });
    server.register_producer(pull.clone(), false);
    server.lose_connection();
    pump.pump();
    assert_eq!(server_peer.events(), ["made"]);
    pump.flush();
    assert_eq!(pull.resumed.get(), 4);
    assert_eq!(server_peer.events(), ["made", "lost:done"]);
}

/// A producer that records what it is told.
#[derive(Default)]
struct Told(RefCell<Vec<&'static str>>);

impl Producer for Told {
    fn pause_producing(&self) {
        self.0.borrow_mut().push("pause");
    }

    fn resume_producing(&self) {
        self.0.borrow_mut().push("resume");
    }

    fn stop_producing(&self) {
        self.0.borrow_mut().push("stop");
    }
}

// Source: twisted/internet/abstract.py FileDescriptor.connectionLost (stops the producer; no Twisted test)
#[test]
fn producer_is_stopped_when_the_connection_is_lost() {
    let (_, _, pump) = pair(Peer::new(), Peer::new());
    let told = Rc::new(Told::default());
    pump.server().register_producer(told.clone(), true);
    pump.client().lose_connection();
    pump.flush();
    assert_eq!(*told.0.borrow(), ["stop"]);
}

// Source: twisted/internet/abstract.py FileDescriptor.registerProducer (on a closed connection; no Twisted test)
#[test]
fn producer_registered_on_a_closed_connection_is_stopped_at_once() {
    let (_, _, pump) = pair(Peer::new(), Peer::new());
    pump.server().lose_connection();
    pump.flush();
    let told = Rc::new(Told::default());
    pump.server().register_producer(told.clone(), true);
    assert_eq!(*told.0.borrow(), ["stop"]);
}

// StringTransport.

fn wire(peer: Peer) -> (StringTransport, Rc<Peer>) {
    let wire = StringTransport::new();
    let peer = Rc::new(peer);
    wire.make_connection(peer.clone());
    (wire, peer)
}

// Source: twisted/internet/testing.py StringTransport (value, clear; no Twisted test)
#[test]
fn string_transport_keeps_what_is_written() {
    let (wire, peer) = wire(Peer::new().on_made(|t| t.write(b"hi ")).on_data(|t, d| t.write(d)));
    assert_eq!(peer.events(), ["made"]);
    wire.receive(b"there");
    assert_eq!(peer.received(), b"there");
    assert_eq!(wire.value(), b"hi there");
    assert_eq!(wire.take(), b"hi there");
    assert!(wire.value().is_empty());
    wire.transport().write_many([b"a", b"b"]);
    wire.clear();
    assert!(wire.value().is_empty());
    assert_eq!(wire.transport().buffered(), 0);
}

// Source: twisted/internet/test/test_testing.py StringTransportTests.test_registerProducer
// Source: twisted/internet/test/test_testing.py StringTransportTests.test_unregisterProducer
#[test]
fn string_transport_reports_its_producer() {
    let (wire, _) = wire(Peer::new());
    assert!(wire.producer().is_none());
    let told = Rc::new(Told::default());
    wire.transport().register_producer(told.clone(), true);
    let (producer, streaming) = wire.producer().unwrap();
    assert!(streaming);
    assert!(Rc::ptr_eq(&producer, &(told.clone() as Rc<dyn Producer>)));
    wire.transport().unregister_producer();
    assert!(wire.producer().is_none());
    // A pull producer is asked for its first chunk at once.
    wire.transport().register_producer(told.clone(), false);
    assert_eq!(*told.0.borrow(), ["resume"]);
    assert!(!wire.producer().unwrap().1);
}

// Source: twisted/internet/test/test_testing.py StringTransportTests.test_disallowedRegisterProducer
#[test]
#[should_panic(expected = "already registered")]
fn string_transport_refuses_a_second_producer() {
    let (wire, _) = wire(Peer::new());
    wire.transport().register_producer(Rc::new(Told::default()), true);
    wire.transport().register_producer(Rc::new(Told::default()), true);
}

// Source: twisted/internet/test/test_testing.py StringTransportTests.test_initialProducerState
// Source: twisted/internet/test/test_testing.py StringTransportTests.test_pauseProducing
// Source: twisted/internet/test/test_testing.py StringTransportTests.test_resumeProducing
#[test]
fn string_transport_records_paused_reading() {
    let (wire, _) = wire(Peer::new());
    assert!(!wire.reading_paused());
    wire.transport().pause_reading();
    assert!(wire.reading_paused());
    wire.transport().resume_reading();
    assert!(!wire.reading_paused());
    // The transport's reading side, as a producer for another transport, does the same.
    let reading = wire.transport().as_producer();
    reading.pause_producing();
    assert!(wire.reading_paused());
    reading.resume_producing();
    assert!(!wire.reading_paused());
}

// Source: twisted/internet/test/test_testing.py StringTransportTests.test_stopProducing
// Source: twisted/internet/test/test_testing.py StringTransportTests.test_loseConnectionSetsDisconnecting
#[test]
fn string_transport_records_lose_connection() {
    let (wire, peer) = wire(Peer::new());
    assert!(!wire.disconnecting());
    wire.transport().as_producer().stop_producing();
    assert!(wire.disconnecting());
    assert!(wire.transport().is_disconnecting());
    // Nothing drives it: the test closes it.
    assert_eq!(peer.events(), ["made"]);
    wire.close();
    assert_eq!(peer.events(), ["made", "lost:done"]);
    assert!(wire.transport().is_closed());
    assert!(!wire.transport().is_disconnecting());
}

// Source: twisted/internet/testing.py StringTransport.abortConnection (no Twisted test)
#[test]
fn string_transport_records_abort_and_write_eof() {
    let (wire, _) = wire(Peer::new());
    assert!(!wire.eof_written());
    wire.transport().write_eof();
    assert!(wire.eof_written());
    wire.transport().write(b"after eof");
    assert!(wire.value().is_empty());
    assert!(!wire.aborted());
    wire.transport().abort_connection();
    assert!(wire.aborted());
}

// Source: twisted/internet/testing.py StringTransport (a peer's half-close; no Twisted test)
#[test]
fn string_transport_receive_eof_closes_by_default() {
    let (wire, peer) = wire(Peer::new());
    wire.receive_eof();
    assert_eq!(peer.events(), ["made", "read_eof"]);
    assert!(wire.disconnecting());
}

// Source: twisted/internet/testing.py StringTransportWithDisconnection (the reason given; no Twisted test)
#[test]
fn string_transport_lose_gives_the_reason_once() {
    let (wire, peer) = wire(Peer::new());
    wire.lose(Failure::new(ConnectionAborted));
    wire.close();
    wire.receive(b"ignored");
    assert_eq!(peer.events(), ["made", "lost:aborted"]);
    assert!(peer.received().is_empty());
    wire.transport().write(b"ignored");
    assert!(wire.value().is_empty());
}

// Source: twisted/internet/test/test_testing.py StringTransportTests.test_defaultHostAddress
// Source: twisted/internet/test/test_testing.py StringTransportTests.test_defaultPeerAddress
#[test]
fn string_transport_default_addresses() {
    let wire = StringTransport::new();
    assert_eq!(*wire.transport().host(), Address::Memory("host".into()));
    assert_eq!(*wire.transport().peer(), Address::Memory("peer".into()));
}

// Source: twisted/internet/test/test_testing.py StringTransportTests.test_specifiedHostAddress
// Source: twisted/internet/test/test_testing.py StringTransportTests.test_specifiedPeerAddress
#[test]
fn string_transport_specified_addresses() {
    let host = Address::Tcp("127.0.0.1:1".parse().unwrap());
    let peer = Address::Unix(None);
    let wire = StringTransport::with_addresses(host.clone(), peer.clone());
    assert_eq!(*wire.transport().host(), host);
    assert_eq!(*wire.transport().peer(), peer);
}
