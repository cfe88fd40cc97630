//! Twisted's tests of `twisted.protocols.basic`, from `twisted/protocols/test/test_basic.py`:
//! `LineReceiverTests`, `LineReceiverLineLengthExceededTests`, `LineOnlyReceiverTests`,
//! `Int32Tests` (with `IntNTestCaseMixin` and `RecvdAttributeMixin`) and `ProducerTests`,
//! then `LineClient`, which Twisted does not have.
//!
//! Everything runs in memory, on a `StringTransport` or a `connect_pair`, in virtual time,
//! except one request/response exchange over TCP on the reactor.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::time::Duration;

use deferreds::task::Clock;
use deferreds::testing::{assert_no_result, failure_result_of, success_result_of};
use deferreds::{Deferred, Failure, Time};
use deferreds_reactor::Reactor;
use deferreds_reactor::net::basic::{
    Int32StringReceiver, LengthLimitExceeded, LineClient, LineHandler, LineReceiver, LineTooLong,
    MessageHandler,
};
use deferreds_reactor::net::testing::{StringTransport, connect_pair};
use deferreds_reactor::net::{
    ClientEndpoint, ConnectionAborted, ConnectionDone, ConnectionLost, Protocol, ServerEndpoint,
};

/// Connects `protocol` to a fresh `StringTransport`.
fn connected<P: Protocol>(protocol: &Rc<P>) -> StringTransport {
    let wire = StringTransport::new();
    wire.make_connection(protocol.clone());
    wire
}

/// Feeds `data` to `wire` in pieces of `size` bytes, as Twisted's loops over packet sizes
/// do.
fn feed_in_pieces(wire: &StringTransport, data: &[u8], size: usize) {
    for piece in data.chunks(size) {
        wire.receive(piece);
    }
}

fn lines_of(received: &RefCell<Vec<Vec<u8>>>) -> Vec<Vec<u8>> {
    received.borrow().clone()
}

fn owned(lines: &[&[u8]]) -> Vec<Vec<u8>> {
    lines.iter().map(|line| line.to_vec()).collect()
}

// ---------------------------------------------------------------------------------------
// LineReceiverTests

/// Twisted's `LineTester`: acts on some lines (`pause`, `rawpause`, `stop`, `len N`,
/// `produce`, `unproduce`), reads `len N` bytes in raw mode after an empty line, and
/// hands back what followed a long line.
struct LineTester {
    clock: Option<Clock>,
    me: Weak<LineReceiver<LineTester>>,
    received: RefCell<Vec<Vec<u8>>>,
    length: Cell<usize>,
}

const LINE_TESTER_MAX: usize = 64;

fn line_tester(clock: Option<Clock>) -> Rc<LineReceiver<LineTester>> {
    Rc::new_cyclic(|me| {
        LineReceiver::new(LineTester {
            clock,
            me: me.clone(),
            received: RefCell::new(Vec::new()),
            length: Cell::new(0),
        })
        .with_delimiter(b"\n")
        .with_max_length(LINE_TESTER_MAX)
    })
}

impl LineTester {
    /// Resumes the receiver on the next turn of the clock.
    fn resume_soon(&self) {
        let me = self.me.clone();
        let clock = self.clock.as_ref().expect("a LineTester that pauses has a clock");
        clock.call_later(Duration::ZERO, move || {
            if let Some(me) = me.upgrade() {
                me.resume_producing();
            }
        });
    }
}

impl LineHandler for LineTester {
    fn connection_made(&self, _lines: &LineReceiver<Self>) {
        self.received.borrow_mut().clear();
    }

    fn line_received(&self, lines: &LineReceiver<Self>, line: &[u8]) {
        self.received.borrow_mut().push(line.to_vec());
        if line.is_empty() {
            lines.set_raw_mode();
        } else if line == b"pause" {
            lines.pause_producing();
            self.resume_soon();
        } else if line == b"rawpause" {
            lines.pause_producing();
            lines.set_raw_mode();
            self.received.borrow_mut().push(Vec::new());
            self.resume_soon();
        } else if line == b"stop" {
            lines.stop_producing();
        } else if let Some(length) = line.strip_prefix(b"len ") {
            self.length.set(std::str::from_utf8(length).unwrap().parse().unwrap());
        } else if line.starts_with(b"produce") {
            let me = self.me.upgrade().unwrap();
            lines.transport().unwrap().register_producer(me, false);
        } else if line.starts_with(b"unproduce") {
            lines.transport().unwrap().unregister_producer();
        }
    }

    fn raw_data_received(&self, lines: &LineReceiver<Self>, data: &[u8]) {
        let (body, rest) = data.split_at(self.length.get().min(data.len()));
        self.length.set(self.length.get() - body.len());
        self.received.borrow_mut().last_mut().unwrap().extend_from_slice(body);
        if self.length.get() == 0 {
            lines.set_line_mode(rest);
        }
    }

    fn line_length_exceeded(&self, lines: &LineReceiver<Self>, data: &[u8]) {
        if data.len() > LINE_TESTER_MAX + 1 {
            lines.set_line_mode(&data[LINE_TESTER_MAX + 1..]);
        }
    }
}

const BUFFER: &[u8] = b"len 10

0123456789len 5

1234
len 20
foo 123

0123456789
012345678len 0
foo 5

1234567890123456789012345678901234567890123456789012345678901234567890
len 1

a";

const OUTPUT: &[&[u8]] = &[
    b"len 10",
    b"0123456789",
    b"len 5",
    b"1234\n",
    b"len 20",
    b"foo 123",
    b"0123456789\n012345678",
    b"len 0",
    b"foo 5",
    b"",
    b"67890",
    b"len 1",
    b"a",
];

// Source: twisted/protocols/test/test_basic.py LineReceiverTests.test_buffer
#[test]
fn lines_and_raw_data_for_every_packet_size() {
    for size in 1..10 {
        let tester = line_tester(None);
        let wire = connected(&tester);
        feed_in_pieces(&wire, BUFFER, size);
        assert_eq!(lines_of(&tester.handler().received), owned(OUTPUT), "packets of {size}");
    }
}

// Source: twisted/protocols/test/test_basic.py LineReceiverTests.test_pausing
#[test]
fn pausing_from_line_received_holds_back_buffered_lines() {
    let data = b"twiddle1\ntwiddle2\npause\ntwiddle3\n";
    let before: &[&[u8]] = &[b"twiddle1", b"twiddle2", b"pause"];
    let after: &[&[u8]] = &[b"twiddle1", b"twiddle2", b"pause", b"twiddle3"];
    for size in 1..10 {
        let clock = Clock::new();
        let tester = line_tester(Some(clock.clone()));
        let wire = connected(&tester);
        feed_in_pieces(&wire, data, size);
        assert_eq!(lines_of(&tester.handler().received), owned(before), "packets of {size}");
        assert!(wire.reading_paused());
        clock.advance(Duration::ZERO);
        assert_eq!(lines_of(&tester.handler().received), owned(after), "packets of {size}");
        assert!(!wire.reading_paused());
    }
}

// Source: twisted/protocols/test/test_basic.py LineReceiverTests.test_rawPausing
#[test]
fn pausing_into_raw_mode_holds_back_raw_data() {
    let data = b"twiddle1\ntwiddle2\nlen 5\nrawpause\n12345twiddle3\n";
    let before: &[&[u8]] = &[b"twiddle1", b"twiddle2", b"len 5", b"rawpause", b""];
    let after: &[&[u8]] = &[b"twiddle1", b"twiddle2", b"len 5", b"rawpause", b"12345", b"twiddle3"];
    for size in 1..10 {
        let clock = Clock::new();
        let tester = line_tester(Some(clock.clone()));
        let wire = connected(&tester);
        feed_in_pieces(&wire, data, size);
        assert_eq!(lines_of(&tester.handler().received), owned(before), "packets of {size}");
        clock.advance(Duration::ZERO);
        assert_eq!(lines_of(&tester.handler().received), owned(after), "packets of {size}");
    }
}

// Source: twisted/protocols/test/test_basic.py LineReceiverTests.test_stopProducing
#[test]
fn stop_producing_from_line_received_delivers_nothing_more() {
    let data = b"twiddle1\ntwiddle2\nstop\nmore\nstuff\n";
    let expected: &[&[u8]] = &[b"twiddle1", b"twiddle2", b"stop"];
    for size in 1..10 {
        let tester = line_tester(None);
        let wire = connected(&tester);
        feed_in_pieces(&wire, data, size);
        assert_eq!(lines_of(&tester.handler().received), owned(expected), "packets of {size}");
        assert!(wire.disconnecting());
    }
}

// Source: twisted/protocols/test/test_basic.py LineReceiverTests.test_lineReceiverAsProducer
#[test]
fn registered_as_its_own_transports_producer() {
    let tester = line_tester(None);
    let wire = connected(&tester);
    wire.receive(b"produce\nhello world\nunproduce\ngoodbye\n");
    let expected: &[&[u8]] = &[b"produce", b"hello world", b"unproduce", b"goodbye"];
    assert_eq!(lines_of(&tester.handler().received), owned(expected));
    assert!(wire.producer().is_none());
}

/// Twisted's `ClearingReceiver`: keeps the last line and clears the buffer behind it.
#[derive(Default)]
struct Clearing {
    line: RefCell<Vec<u8>>,
    rest: RefCell<Vec<u8>>,
}

impl LineHandler for Clearing {
    fn line_received(&self, lines: &LineReceiver<Self>, line: &[u8]) {
        *self.line.borrow_mut() = line.to_vec();
        *self.rest.borrow_mut() = lines.clear_line_buffer();
    }
}

// Source: twisted/protocols/test/test_basic.py LineReceiverTests.test_clearLineBuffer
#[test]
fn clear_line_buffer_from_line_received() {
    let receiver = Rc::new(LineReceiver::new(Clearing::default()));
    let wire = connected(&receiver);
    wire.receive(b"foo\r\nbar\r\nbaz");
    assert_eq!(*receiver.handler().line.borrow(), b"foo");
    assert_eq!(*receiver.handler().rest.borrow(), b"bar\r\nbaz");

    // The cleared bytes are gone: the next line is the next one received.
    wire.receive(b"quux\r\n");
    assert_eq!(*receiver.handler().line.borrow(), b"quux");
    assert_eq!(*receiver.handler().rest.borrow(), b"");
}

/// Twisted's `FlippingLineTester`: raw mode after each line, line mode again after one
/// raw byte.
#[derive(Default)]
struct Flipping {
    lines: RefCell<Vec<u8>>,
}

impl LineHandler for Flipping {
    fn line_received(&self, lines: &LineReceiver<Self>, line: &[u8]) {
        self.lines.borrow_mut().extend_from_slice(line);
        lines.set_raw_mode();
    }

    fn raw_data_received(&self, lines: &LineReceiver<Self>, data: &[u8]) {
        lines.set_line_mode(&data[1..]);
    }
}

// Source: twisted/protocols/test/test_basic.py LineReceiverTests.test_stackRecursion
// DIFFERENCE: Twisted uses the recursion limit as the count; here 10,000 switches run
// on a 128 KiB stack, which recursion through the handler would overflow.
#[test]
fn mode_switches_do_not_deepen_the_stack() {
    const SWITCHES: usize = 10_000;
    let run = std::thread::Builder::new()
        .stack_size(128 * 1024)
        .spawn(|| {
            let receiver = Rc::new(LineReceiver::new(Flipping::default()).with_delimiter(b"\n"));
            let wire = connected(&receiver);
            wire.receive(&b"x\nx".repeat(SWITCHES));
            receiver.handler().lines.borrow().clone()
        })
        .unwrap();
    assert_eq!(run.join().unwrap(), b"x".repeat(SWITCHES));
}

/// Records lines, long lines, and why the connection ended; long lines are handled by
/// the default `line_length_exceeded`.
#[derive(Default)]
struct Recorder {
    lines: RefCell<Vec<Vec<u8>>>,
    reason: RefCell<Option<Failure>>,
}

impl LineHandler for Recorder {
    fn line_received(&self, _lines: &LineReceiver<Self>, line: &[u8]) {
        self.lines.borrow_mut().push(line.to_vec());
    }

    fn connection_lost(&self, reason: Failure) {
        *self.reason.borrow_mut() = Some(reason);
    }
}

fn recorder() -> Rc<LineReceiver<Recorder>> {
    Rc::new(LineReceiver::new(Recorder::default()))
}

// Source: twisted/protocols/test/test_basic.py LineReceiverTests.test_maximumLineLength
#[test]
fn line_over_the_limit_disconnects() {
    let receiver = recorder();
    let wire = connected(&receiver);
    let mut data = vec![b'x'; receiver.max_length() + 1];
    data.extend_from_slice(b"\r\nr");
    wire.receive(&data);
    assert!(wire.disconnecting());
}

// Source: twisted/protocols/test/test_basic.py LineReceiverTests.test_maximumLineLengthPartialDelimiter
#[test]
fn line_at_the_limit_with_a_split_delimiter_is_delivered() {
    let tester = Rc::new_cyclic(|me| {
        LineReceiver::new(LineTester {
            clock: None,
            me: me.clone(),
            received: RefCell::new(Vec::new()),
            length: Cell::new(0),
        })
        .with_delimiter(b"\n")
        .with_max_length(4)
    });
    let wire = connected(&tester);
    let line = b"x".repeat(3);
    wire.receive(&line);
    wire.receive(&tester.delimiter()[..tester.delimiter().len() - 1]);
    let mut last = tester.delimiter()[tester.delimiter().len() - 1..].to_vec();
    last.extend_from_slice(&line);
    wire.receive(&last);
    assert!(!wire.disconnecting());
    assert_eq!(lines_of(&tester.handler().received), vec![line]);
}

// Source: twisted/protocols/test/test_basic.py LineReceiverTests.test_notQuiteMaximumLineLengthUnfinished
#[test]
fn unfinished_line_ending_in_part_of_the_delimiter_is_not_too_long() {
    let receiver = recorder();
    // Twisted sets the default delimiter "just to be explicit".
    assert_eq!(receiver.delimiter(), b"\r\n");
    let wire = connected(&receiver);
    let mut data = vec![b'x'; receiver.max_length()];
    data.extend_from_slice(b"\r");
    wire.receive(&data);
    assert!(!wire.disconnecting());
}

// Source: twisted/protocols/test/test_basic.py LineReceiverTests.test_rawDataError
// DIFFERENCE: handlers return nothing here; a handler's error reaches the connection as
// `lose_connection_with`, whose reason `connection_lost` hears.
#[test]
fn raw_data_error_becomes_the_reason_the_connection_ends() {
    let reason = Rc::new(RefCell::new(None));
    let receiver = Rc::new(LineReceiver::new(RawError(Rc::clone(&reason))));
    let wire = connected(&receiver);
    wire.receive(b"data");
    assert!(wire.disconnecting());
    wire.close();
    assert_eq!(reason.borrow().as_deref(), Some("oops"));
}

/// Switches to raw mode at once, and fails on the first raw data.
struct RawError(Rc<RefCell<Option<String>>>);

impl LineHandler for RawError {
    fn connection_made(&self, lines: &LineReceiver<Self>) {
        lines.set_raw_mode();
    }

    fn line_received(&self, _lines: &LineReceiver<Self>, _line: &[u8]) {}

    fn raw_data_received(&self, lines: &LineReceiver<Self>, _data: &[u8]) {
        lines.lose_connection_with(Failure::msg("oops"));
    }

    fn connection_lost(&self, reason: Failure) {
        *self.0.borrow_mut() = Some(reason.to_string());
    }
}

// Source: twisted/protocols/test/test_basic.py LineReceiverTests.test_rawDataReceivedNotImplemented
// DIFFERENCE: Twisted raises NotImplementedError, and an error raised in dataReceived
// loses the connection; here the default raw_data_received loses it, with an error
// saying why.
#[test]
fn raw_data_without_a_raw_handler_closes_the_connection() {
    let receiver = recorder();
    let wire = connected(&receiver);
    receiver.set_raw_mode();
    wire.receive(b"foo");
    assert!(wire.disconnecting());
    wire.close();
    let reason = receiver.handler().reason.borrow().clone().unwrap();
    assert!(!reason.check::<ConnectionDone>());
    assert!(reason.to_string().contains("raw data"));
}

// ---------------------------------------------------------------------------------------
// LineReceiverLineLengthExceededTests

/// Twisted's `ExcessivelyLargeLineCatcher`: keeps what `line_length_exceeded` is given.
#[derive(Default)]
struct LongLineCatcher {
    long_lines: RefCell<Vec<Vec<u8>>>,
}

impl LineHandler for LongLineCatcher {
    fn line_received(&self, _lines: &LineReceiver<Self>, _line: &[u8]) {}

    fn line_length_exceeded(&self, _lines: &LineReceiver<Self>, data: &[u8]) {
        self.long_lines.borrow_mut().push(data.to_vec());
    }
}

const CATCHER_MAX: usize = 6;

fn catcher() -> (Rc<LineReceiver<LongLineCatcher>>, StringTransport) {
    let receiver =
        Rc::new(LineReceiver::new(LongLineCatcher::default()).with_max_length(CATCHER_MAX));
    let wire = connected(&receiver);
    (receiver, wire)
}

// Source: twisted/protocols/test/test_basic.py LineReceiverLineLengthExceededTests.test_longUnendedLine
#[test]
fn long_unended_line_is_handed_over_whole() {
    let (receiver, wire) = catcher();
    let excessive = vec![b'x'; CATCHER_MAX * 2 + 2];
    wire.receive(&excessive);
    assert_eq!(*receiver.handler().long_lines.borrow(), vec![excessive]);
}

// Source: twisted/protocols/test/test_basic.py LineReceiverLineLengthExceededTests.test_longLineAfterShortLine
#[test]
fn long_line_after_a_short_one_is_handed_over_without_it() {
    let (receiver, wire) = catcher();
    let excessive = vec![b'x'; CATCHER_MAX * 2 + 2];
    let mut data = b"x\r\n".to_vec();
    data.extend_from_slice(&excessive);
    wire.receive(&data);
    assert_eq!(*receiver.handler().long_lines.borrow(), vec![excessive]);
}

// Source: twisted/protocols/test/test_basic.py LineReceiverLineLengthExceededTests.test_longLineWithDelimiter
#[test]
fn long_line_with_a_delimiter_after_the_limit_is_handed_over_with_the_rest() {
    let (receiver, wire) = catcher();
    let long = vec![b'x'; CATCHER_MAX * 2 + 2];
    let excessive = [long.clone(), long].join(&b"\r\n"[..]);
    wire.receive(&excessive);
    assert_eq!(*receiver.handler().long_lines.borrow(), vec![excessive]);
}

// Source: twisted/protocols/test/test_basic.py LineReceiverLineLengthExceededTests.test_multipleLongLines
#[test]
fn several_long_lines_are_handed_over_together() {
    let (receiver, wire) = catcher();
    let mut line = vec![b'x'; CATCHER_MAX * 2 + 2];
    line.extend_from_slice(b"\r\n");
    let excessive = line.repeat(2);
    wire.receive(&excessive);
    assert_eq!(*receiver.handler().long_lines.borrow(), vec![excessive]);
}

// Source: twisted/protocols/test/test_basic.py LineReceiverLineLengthExceededTests.test_maximumLineLength
#[test]
fn default_line_length_exceeded_disconnects() {
    let receiver = recorder();
    let wire = connected(&receiver);
    let mut data = vec![b'x'; receiver.max_length() + 1];
    data.extend_from_slice(b"\r\nr");
    wire.receive(&data);
    assert!(wire.disconnecting());
}

// Source: twisted/protocols/test/test_basic.py LineReceiverLineLengthExceededTests.test_maximumLineLengthRemaining
#[test]
fn unfinished_line_over_the_limit_disconnects() {
    let receiver = recorder();
    let wire = connected(&receiver);
    wire.receive(&vec![b'x'; receiver.max_length() + receiver.delimiter().len()]);
    assert!(wire.disconnecting());
}

// The clear error: what the handler hears when a line was too long.
#[test]
fn line_too_long_is_the_reason_the_handler_hears() {
    let receiver = Rc::new(LineReceiver::new(Recorder::default()).with_max_length(8));
    let wire = connected(&receiver);
    wire.receive(b"short\r\nmuch too long\r\nnever delivered\r\n");
    assert!(wire.disconnecting());
    assert_eq!(lines_of(&receiver.handler().lines), owned(&[b"short"]));
    wire.close();
    let reason = receiver.handler().reason.borrow().clone().unwrap();
    assert_eq!(reason.downcast_ref::<LineTooLong>(), Some(&LineTooLong::new(8)));
    assert_eq!(reason.to_string(), "a line longer than the limit of 8 bytes was received");
}

// ---------------------------------------------------------------------------------------
// LineOnlyReceiverTests, on a LineReceiver used in line mode only

/// Twisted's `LineOnlyTester`: `\n` lines of at most 64 bytes.
fn line_only_tester() -> Rc<LineReceiver<Recorder>> {
    Rc::new(LineReceiver::new(Recorder::default()).with_delimiter(b"\n").with_max_length(64))
}

// Source: twisted/protocols/test/test_basic.py LineOnlyReceiverTests.test_buffer
// DIFFERENCE: there is no separate line-only receiver; a LineReceiver that never
// switches to raw mode is one.
#[test]
fn line_only_byte_by_byte() {
    let buffer = b"foo\n    bleakness\n    desolation\n    plastic forks\n    ";
    let receiver = line_only_tester();
    let wire = connected(&receiver);
    feed_in_pieces(&wire, buffer, 1);
    let expected: Vec<Vec<u8>> =
        buffer.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect::<Vec<_>>();
    assert_eq!(lines_of(&receiver.handler().lines), expected[..expected.len() - 1]);
}

// Source: twisted/protocols/test/test_basic.py LineOnlyReceiverTests.test_greaterThanMaximumLineLength
// DIFFERENCE: as above, on a LineReceiver in line mode.
#[test]
fn line_only_over_the_limit_disconnects() {
    let receiver = line_only_tester();
    let wire = connected(&receiver);
    let mut data = vec![b'x'; 64 + 1 + 1];
    data.extend_from_slice(b"\r\nr");
    wire.receive(&data);
    assert!(wire.disconnecting());
}

// ---------------------------------------------------------------------------------------
// ProducerTests

/// Twisted's `ConsumingProtocol`: echoes each line and pauses after it.
struct Consuming;

impl LineHandler for Consuming {
    fn line_received(&self, lines: &LineReceiver<Self>, line: &[u8]) {
        lines.transport().unwrap().write(line);
        lines.pause_producing();
    }
}

// Source: twisted/protocols/test/test_basic.py ProducerTests.test_pauseResume
// DIFFERENCE: the transport's pause shows as `reading_paused`, and what it was written as
// one byte string rather than a list of writes.
#[test]
fn paused_receiver_delivers_buffered_lines_on_resume() {
    let receiver = Rc::new(LineReceiver::new(Consuming));
    let wire = connected(&receiver);

    // A partial line: no pause, no line.
    wire.receive(b"hello, ");
    assert_eq!(wire.value(), b"");
    assert!(!wire.reading_paused());
    assert!(!receiver.is_paused());

    // The rest of it: the line is echoed, and the receiver pauses.
    wire.receive(b"world\r\n");
    assert_eq!(wire.take(), b"hello, world");
    assert!(wire.reading_paused());
    assert!(receiver.is_paused());

    // Resuming with nothing buffered delivers nothing and stays resumed.
    receiver.resume_producing();
    assert_eq!(wire.value(), b"");
    assert!(!wire.reading_paused());
    assert!(!receiver.is_paused());

    // Two lines at once: the first is delivered, then it pauses.
    wire.receive(b"hello\r\nworld\r\n");
    assert_eq!(wire.take(), b"hello");
    assert!(wire.reading_paused());
    assert!(receiver.is_paused());

    // Resuming delivers the waiting line, which pauses it again.
    receiver.resume_producing();
    assert_eq!(wire.take(), b"world");
    assert!(wire.reading_paused());
    assert!(receiver.is_paused());

    // A line received while paused waits.
    wire.receive(b"goodbye\r\n");
    assert_eq!(wire.value(), b"");
    assert!(receiver.is_paused());

    receiver.resume_producing();
    assert_eq!(wire.take(), b"goodbye");
    assert!(receiver.is_paused());

    receiver.resume_producing();
    assert_eq!(wire.value(), b"");
    assert!(!wire.reading_paused());
    assert!(!receiver.is_paused());
}

// ---------------------------------------------------------------------------------------
// Int32Tests, IntNTestCaseMixin, RecvdAttributeMixin

type OnString = Box<dyn Fn(&Int32StringReceiver<Strings>)>;
type OnLimit = Box<dyn Fn(&Int32StringReceiver<Strings>, usize)>;

/// Twisted's `TestInt32` (with `TestMixin`): keeps the messages; tests may hook the
/// callbacks, as Twisted's tests replace methods on the instance.
#[derive(Default)]
struct Strings {
    received: RefCell<Vec<Vec<u8>>>,
    on_string: Option<OnString>,
    on_limit: Option<OnLimit>,
}

impl MessageHandler for Strings {
    fn string_received(&self, receiver: &Int32StringReceiver<Self>, message: &[u8]) {
        self.received.borrow_mut().push(message.to_vec());
        if let Some(hook) = &self.on_string {
            hook(receiver);
        }
    }

    fn length_limit_exceeded(&self, receiver: &Int32StringReceiver<Self>, length: usize) {
        match &self.on_limit {
            Some(hook) => hook(receiver, length),
            None => receiver.lose_connection_with(Failure::new(LengthLimitExceeded::new(
                length,
                receiver.max_length(),
            ))),
        }
    }
}

/// `TestMixin.MAX_LENGTH`.
const STRINGS_MAX: usize = 50;

fn int32(
    handler: Strings,
    max_length: usize,
) -> (Rc<Int32StringReceiver<Strings>>, StringTransport) {
    let receiver = Rc::new(Int32StringReceiver::new(handler).with_max_length(max_length));
    let wire = connected(&receiver);
    (receiver, wire)
}

fn framed(message: &[u8]) -> Vec<u8> {
    let mut data = (message.len() as u32).to_be_bytes().to_vec();
    data.extend_from_slice(message);
    data
}

const STRINGS: &[&[u8]] = &[b"a", b"bbbbbbbbbbbbbbbb"];

// Source: twisted/protocols/test/test_basic.py Int32Tests.test_illegal (IntNTestCaseMixin)
#[test]
fn int32_illegal_length_disconnects() {
    let (_receiver, wire) = int32(Strings::default(), STRINGS_MAX);
    feed_in_pieces(&wire, b"\x10\x00\x00\x00aaaaaa", 1);
    assert!(wire.disconnecting());
}

// Source: twisted/protocols/test/test_basic.py Int32Tests.test_receive (IntNTestCaseMixin)
#[test]
fn int32_receive_byte_by_byte() {
    let (receiver, wire) = int32(Strings::default(), STRINGS_MAX);
    for message in STRINGS {
        feed_in_pieces(&wire, &framed(message), 1);
    }
    assert_eq!(lines_of(&receiver.handler().received), owned(STRINGS));
}

// Source: twisted/protocols/test/test_basic.py Int32Tests.test_partial (IntNTestCaseMixin)
#[test]
fn int32_partial_data_delivers_nothing() {
    for partial in [&b"\x00\x00\x00"[..], b"hello there", b""] {
        let (receiver, wire) = int32(Strings::default(), STRINGS_MAX);
        feed_in_pieces(&wire, partial, 1);
        assert!(receiver.handler().received.borrow().is_empty());
    }
}

// Source: twisted/protocols/test/test_basic.py Int32Tests.test_send (IntNTestCaseMixin)
#[test]
fn int32_send() {
    let (receiver, wire) = int32(Strings::default(), STRINGS_MAX);
    receiver.send_string(&[b'b'; 16]).unwrap();
    assert_eq!(wire.value(), framed(&[b'b'; 16]));
}

// Source: twisted/protocols/test/test_basic.py Int32Tests.test_lengthLimitExceeded (IntNTestCaseMixin)
#[test]
fn int32_length_limit_exceeded_hears_the_length() {
    let lengths = Rc::new(RefCell::new(Vec::new()));
    let seen = Rc::clone(&lengths);
    let handler = Strings {
        on_limit: Some(Box::new(move |_, length| seen.borrow_mut().push(length))),
        ..Default::default()
    };
    let (_receiver, wire) = int32(handler, 10);
    wire.receive(&11u32.to_be_bytes());
    assert_eq!(*lengths.borrow(), vec![11]);
}

// Source: twisted/protocols/test/test_basic.py Int32Tests.test_longStringNotDelivered (IntNTestCaseMixin)
#[test]
fn int32_long_string_is_not_delivered() {
    let (receiver, wire) = int32(Strings::default(), 10);
    wire.receive(&framed(&[b'x'; 11]));
    assert!(receiver.handler().received.borrow().is_empty());
    assert!(wire.disconnecting());
}

// Source: twisted/protocols/test/test_basic.py Int32Tests.test_data
#[test]
fn int32_data_uses_a_four_byte_big_endian_prefix() {
    let (receiver, wire) = int32(Strings::default(), STRINGS_MAX);
    receiver.send_string(b"foo").unwrap();
    assert_eq!(wire.value(), b"\x00\x00\x00\x03foo");
    wire.receive(b"\x00\x00\x00\x04ubar");
    assert_eq!(lines_of(&receiver.handler().received), owned(&[b"ubar"]));
}

// Source: twisted/protocols/test/test_basic.py Int32Tests.test_recvdContainsRemainingData (RecvdAttributeMixin)
// DIFFERENCE: Twisted's `recvd` attribute is `unprocessed()` here.
#[test]
fn int32_unprocessed_holds_the_data_after_the_message() {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let record = Rc::clone(&seen);
    let handler = Strings {
        on_string: Some(Box::new(move |receiver| record.borrow_mut().push(receiver.unprocessed()))),
        ..Default::default()
    };
    let (_receiver, wire) = int32(handler, STRINGS_MAX);
    let complete = framed(b"aaaaa");
    let mut incomplete = 5u32.to_be_bytes().to_vec();
    incomplete.extend_from_slice(b"bbbb");
    wire.receive(&[complete, incomplete.clone()].concat());
    assert_eq!(*seen.borrow(), vec![incomplete]);
}

// Source: twisted/protocols/test/test_basic.py Int32Tests.test_recvdChanged (RecvdAttributeMixin)
// DIFFERENCE: assigning `recvd` is `clear_buffer()` then feeding the new bytes to
// `data_received`.
#[test]
fn int32_replacing_the_buffer_parses_the_replacement() {
    let first = Rc::new(Cell::new(true));
    let handler = Strings {
        on_string: Some(Box::new(move |receiver| {
            if first.replace(false) {
                receiver.clear_buffer();
                receiver.data_received(&receiver.transport().unwrap(), &framed(b"ccccc"));
            }
        })),
        ..Default::default()
    };
    let (receiver, wire) = int32(handler, STRINGS_MAX);
    wire.receive(&[framed(b"aaaaa"), framed(b"bbbbb")].concat());
    assert_eq!(lines_of(&receiver.handler().received), owned(&[b"aaaaa", b"ccccc"]));
}

// Source: twisted/protocols/test/test_basic.py Int32Tests.test_switching (RecvdAttributeMixin)
// DIFFERENCE: as above, the handler takes the buffer and feeds back what it leaves.
#[test]
fn int32_handler_consuming_part_of_the_buffer() {
    const SWITCH: &[u8] = b"\x00\x00\x00\x00";
    let handler = Strings {
        on_string: Some(Box::new(|receiver| {
            let rest = receiver.clear_buffer();
            receiver.data_received(&receiver.transport().unwrap(), &rest[SWITCH.len()..]);
        })),
        ..Default::default()
    };
    let (receiver, wire) = int32(handler, STRINGS_MAX);
    let mix: Vec<u8> = STRINGS.iter().flat_map(|s| [framed(s), SWITCH.to_vec()].concat()).collect();
    wire.receive(&mix);
    // One more byte, to parse anything left in the buffer (there should be nothing).
    wire.receive(b"\x01");
    assert_eq!(lines_of(&receiver.handler().received), owned(STRINGS));
    assert_eq!(receiver.unprocessed(), b"\x01");
}

// Source: twisted/protocols/test/test_basic.py Int32Tests.test_recvdInLengthLimitExceeded (RecvdAttributeMixin)
#[test]
fn int32_unprocessed_in_length_limit_exceeded_holds_the_whole_message() {
    const DATA: &[u8] = b"too long";
    let seen = Rc::new(RefCell::new(None));
    let record = Rc::clone(&seen);
    let handler = Strings {
        on_limit: Some(Box::new(move |receiver, length| {
            *record.borrow_mut() = Some((length, receiver.unprocessed()));
        })),
        ..Default::default()
    };
    let (_receiver, wire) = int32(handler, DATA.len() - 1);
    wire.receive(&framed(DATA));
    assert_eq!(*seen.borrow(), Some((DATA.len(), framed(DATA))));
}

// The clear error of the length-prefixed receiver.
#[test]
fn int32_length_limit_is_the_reason_the_handler_hears() {
    #[derive(Default)]
    struct Reason(RefCell<Option<Failure>>);
    impl MessageHandler for Reason {
        fn string_received(&self, _r: &Int32StringReceiver<Self>, _m: &[u8]) {}
        fn connection_lost(&self, reason: Failure) {
            *self.0.borrow_mut() = Some(reason);
        }
    }
    let receiver = Rc::new(Int32StringReceiver::new(Reason::default()).with_max_length(4));
    let wire = connected(&receiver);
    wire.receive(&framed(b"12345"));
    assert!(wire.disconnecting());
    wire.close();
    let reason = receiver.handler().0.borrow().clone().unwrap();
    assert_eq!(reason.downcast_ref::<LengthLimitExceeded>(), Some(&LengthLimitExceeded::new(5, 4)));
}

// Pause and resume, which Twisted's IntN receivers have without a test of their own.
#[test]
fn int32_pause_holds_back_buffered_messages() {
    let handler = Strings {
        on_string: Some(Box::new(|receiver| receiver.pause_producing())),
        ..Default::default()
    };
    let (receiver, wire) = int32(handler, STRINGS_MAX);
    wire.receive(&[framed(b"one"), framed(b"two")].concat());
    assert_eq!(lines_of(&receiver.handler().received), owned(&[b"one"]));
    assert!(wire.reading_paused());
    receiver.resume_producing();
    assert_eq!(lines_of(&receiver.handler().received), owned(&[b"one", b"two"]));
    assert!(receiver.is_paused());
    receiver.resume_producing();
    assert!(!wire.reading_paused());
}

// ---------------------------------------------------------------------------------------
// LineClient

/// Answers each line with `you said: <line>`.
struct Parrot;

impl LineHandler for Parrot {
    fn line_received(&self, lines: &LineReceiver<Self>, line: &[u8]) {
        lines.send_line(&[&b"you said: "[..], line].concat());
    }
}

fn client_and_server() -> (Rc<LineReceiver<LineClient>>, deferreds_reactor::net::testing::Pump) {
    let client = Rc::new(LineReceiver::new(LineClient::new()));
    let pump = connect_pair(Rc::new(LineReceiver::new(Parrot)), client.clone());
    (client, pump)
}

#[test]
fn client_answers_match_requests_in_order() {
    let (client, pump) = client_and_server();
    pump.set_chunk_size(3);
    let answers: Vec<Deferred<Vec<u8>>> =
        (0..5).map(|i| client.request(format!("request {i}").as_bytes())).collect();
    assert_eq!(client.handler().waiting(), 5);
    pump.flush();
    assert_eq!(client.handler().waiting(), 0);
    for (i, answer) in answers.into_iter().enumerate() {
        assert_eq!(success_result_of(answer), format!("you said: request {i}").into_bytes());
    }
}

#[test]
fn client_answer_callback_sends_the_next_request() {
    const REQUESTS: usize = 1000;
    let (client, pump) = client_and_server();
    let answers = Rc::new(RefCell::new(Vec::new()));

    fn ask(
        client: Rc<LineReceiver<LineClient>>,
        answers: Rc<RefCell<Vec<Vec<u8>>>>,
        n: usize,
    ) -> Deferred<()> {
        client.request(n.to_string().as_bytes()).add_callback(move |answer| {
            answers.borrow_mut().push(answer);
            if n + 1 < REQUESTS { ask(client, answers, n + 1) } else { deferreds::succeed(()) }
        })
    }

    let done = ask(client.clone(), Rc::clone(&answers), 0);
    assert_no_result(&done);
    pump.flush();
    success_result_of(done);
    let answers = answers.borrow();
    assert_eq!(answers.len(), REQUESTS);
    assert_eq!(answers[REQUESTS - 1], format!("you said: {}", REQUESTS - 1).into_bytes());
}

#[test]
fn client_pending_requests_fail_with_the_connections_reason() {
    let (client, pump) = client_and_server();
    let answered = client.request(b"first");
    pump.flush();
    let waiting = client.request(b"second");
    // The connection is lost before the second answer is handed over.
    pump.client().abort_connection();
    pump.flush();
    assert_eq!(success_result_of(answered), b"you said: first");
    assert!(failure_result_of(waiting).check::<ConnectionAborted>());
    // Later requests fail at once, with the same reason.
    assert!(failure_result_of(client.request(b"third")).check::<ConnectionAborted>());
}

#[test]
fn client_requests_fail_when_the_server_goes_away() {
    let (client, pump) = client_and_server();
    let waiting = client.request(b"anyone?");
    pump.server().abort_connection();
    pump.flush();
    assert!(failure_result_of(waiting).check::<ConnectionLost>());
}

#[test]
fn client_answer_over_the_limit_fails_with_line_too_long() {
    let client = Rc::new(LineReceiver::new(LineClient::new()).with_max_length(12));
    let pump = connect_pair(Rc::new(LineReceiver::new(Parrot)), client.clone());
    let short = client.request(b"hi");
    let long = client.request(b"a much longer request");
    pump.flush();
    assert_eq!(success_result_of(short), b"you said: hi");
    let failure = failure_result_of(long);
    assert_eq!(failure.downcast_ref::<LineTooLong>(), Some(&LineTooLong::new(12)));
}

#[test]
fn client_not_connected_fails_at_once() {
    let client = LineReceiver::new(LineClient::new());
    let failure = failure_result_of(client.request(b"hello"));
    assert!(failure.to_string().contains("not connected"));
}

#[test]
fn client_over_tcp() {
    let reactor = Reactor::builder().install_signal_handlers(false).build().unwrap();
    let connector = reactor.clone();
    let done = ServerEndpoint::tcp("127.0.0.1:0")
        .listen(&reactor, || LineReceiver::new(Parrot))
        .add_callback(move |port| {
            let client = ClientEndpoint::tcp(port.address().tcp().unwrap())
                .connect(&connector, || LineReceiver::new(LineClient::new()));
            client.add_callback(move |client| {
                let again = Rc::clone(&client);
                client.request(b"one").add_callback(move |first| {
                    again.request(b"two").add_callback(move |second| {
                        again.transport().unwrap().lose_connection();
                        // The port stays open until the exchange is over.
                        let _ = &port;
                        Ok((first, second))
                    })
                })
            })
        })
        .add_timeout(Duration::from_secs(5), &reactor);
    let (first, second) = reactor.run_until(done).unwrap();
    assert_eq!(first, b"you said: one");
    assert_eq!(second, b"you said: two");
}
