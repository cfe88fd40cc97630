//! [`LineReceiver`] and its [`LineHandler`]: a connection as lines, or raw bytes on demand.

use std::cell::{Cell, RefCell};
use std::fmt;

use bytes::{Buf, BytesMut};
use deferreds::Failure;

use super::LineTooLong;
use super::wire::Wire;
use crate::net::{Producer, Protocol, Transport};

/// Twisted's `LineReceiver.delimiter`.
const DEFAULT_DELIMITER: &[u8] = b"\r\n";

/// Twisted's `LineReceiver.MAX_LENGTH`.
const DEFAULT_MAX_LENGTH: usize = 16384;

/// What to do with the lines of one connection: the application's half of a
/// [`LineReceiver`] (the methods a Twisted `LineReceiver` subclass overrides).
///
/// Each method gets the receiver, to answer with
/// [`send_line`](LineReceiver::send_line), switch modes, pause, or reach the transport.
/// It may call any of the receiver's methods, and fire Deferreds whose callbacks do:
/// the receiver holds no borrow while it calls the handler.
pub trait LineHandler: Sized + 'static {
    /// The connection is open.
    fn connection_made(&self, lines: &LineReceiver<Self>) {
        let _ = lines;
    }

    /// A line arrived, without its delimiter.
    fn line_received(&self, lines: &LineReceiver<Self>, line: &[u8]);

    /// Bytes arrived in raw mode ([`set_raw_mode`](LineReceiver::set_raw_mode)).
    ///
    /// A handler that switches to raw mode implements this; by default the connection
    /// is closed with an error saying the handler takes no raw data (Twisted raises
    /// `NotImplementedError`, and an error in `dataReceived` loses the connection).
    fn raw_data_received(&self, lines: &LineReceiver<Self>, data: &[u8]) {
        let _ = data;
        lines.lose_connection_with(Failure::msg(
            "raw data arrived but the line handler does not take raw data",
        ));
    }

    /// The line being received is longer than
    /// [`max_length`](LineReceiver::max_length) bytes. `data` is everything that was
    /// buffered, starting with that line; it may hold more lines after it, or only the
    /// start of the long line. The buffer is empty when this is called.
    ///
    /// By default the connection is closed, and
    /// [`connection_lost`](LineHandler::connection_lost) hears [`LineTooLong`] instead of
    /// a clean close. A handler that carries on may hand back what it wants parsed with
    /// [`set_line_mode`](LineReceiver::set_line_mode).
    fn line_length_exceeded(&self, lines: &LineReceiver<Self>, data: &[u8]) {
        let _ = data;
        lines.lose_connection_with(Failure::new(LineTooLong::new(lines.max_length())));
    }

    /// The peer will send nothing more (a half-close). By default the connection is
    /// closed in turn, once what was written is sent; an unfinished line is dropped.
    fn read_connection_lost(&self, lines: &LineReceiver<Self>) {
        if let Some(transport) = lines.transport() {
            transport.lose_connection();
        }
    }

    /// The connection is closed, for `reason`: the transport's, or the one given to
    /// [`lose_connection_with`](LineReceiver::lose_connection_with).
    fn connection_lost(&self, reason: Failure) {
        let _ = reason;
    }
}

/// A protocol that splits what it receives into lines, and hands each to its
/// [`LineHandler`] (Twisted's `LineReceiver`).
///
/// Lines end with a delimiter, `\r\n` unless [`with_delimiter`](LineReceiver::with_delimiter)
/// says otherwise, and are at most [`max_length`](LineReceiver::max_length) bytes long
/// (16,384 unless [`with_max_length`](LineReceiver::with_max_length) says otherwise).
/// In raw mode ([`set_raw_mode`](LineReceiver::set_raw_mode)) the bytes are handed over
/// as they come, for a body whose length a header line announced, say.
///
/// It is also a [`Producer`] of lines: [`pause_producing`](LineReceiver::pause_producing)
/// stops the delivery, even of lines already buffered, and stops reading from the
/// transport, until [`resume_producing`](LineReceiver::resume_producing).
///
/// A handler may call any method from within its callbacks. Bytes fed to the receiver
/// while it is delivering are queued behind the bytes being parsed, and the same loop
/// parses them, so a long run of lines or mode switches does not deepen the stack.
///
/// # Example: answer each line in capitals
///
/// ```
/// use std::rc::Rc;
/// use deferreds_reactor::net::basic::{LineHandler, LineReceiver};
/// use deferreds_reactor::net::testing::StringTransport;
///
/// struct Shout;
///
/// impl LineHandler for Shout {
///     fn line_received(&self, lines: &LineReceiver<Self>, line: &[u8]) {
///         lines.send_line(&line.to_ascii_uppercase());
///     }
/// }
///
/// let wire = StringTransport::new();
/// wire.make_connection(Rc::new(LineReceiver::new(Shout)));
/// wire.receive(b"hello\r\nwor");
/// assert_eq!(wire.value(), b"HELLO\r\n");
/// wire.receive(b"ld\r\n");
/// assert_eq!(wire.value(), b"HELLO\r\nWORLD\r\n");
/// ```
pub struct LineReceiver<H> {
    handler: H,
    delimiter: Box<[u8]>,
    max_length: usize,
    wire: Wire,
    buffer: RefCell<BytesMut>,
    /// Where the next search for the delimiter starts: the bytes before it hold none.
    searched: Cell<usize>,
    line_mode: Cell<bool>,
}

/// What the parsing loop hands the handler next.
enum Step {
    Line(BytesMut),
    Raw(BytesMut),
    TooLong(BytesMut),
}

impl<H: LineHandler> LineReceiver<H> {
    /// A receiver in line mode, handing lines to `handler`.
    pub fn new(handler: H) -> LineReceiver<H> {
        LineReceiver {
            handler,
            delimiter: DEFAULT_DELIMITER.into(),
            max_length: DEFAULT_MAX_LENGTH,
            wire: Wire::default(),
            buffer: RefCell::new(BytesMut::new()),
            searched: Cell::new(0),
            line_mode: Cell::new(true),
        }
    }

    /// Ends lines with `delimiter` instead of `\r\n`, on both sides.
    ///
    /// # Panics
    ///
    /// If `delimiter` is empty.
    pub fn with_delimiter(mut self, delimiter: &[u8]) -> LineReceiver<H> {
        assert!(!delimiter.is_empty(), "a line delimiter cannot be empty");
        self.delimiter = delimiter.into();
        self
    }

    /// Accepts lines of up to `max_length` bytes, delimiter not counted, instead of
    /// 16,384.
    pub fn with_max_length(mut self, max_length: usize) -> LineReceiver<H> {
        self.max_length = max_length;
        self
    }

    /// The handler.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// The connection's transport, once it is made.
    pub fn transport(&self) -> Option<Transport> {
        self.wire.transport()
    }

    /// The delimiter that ends lines.
    pub fn delimiter(&self) -> &[u8] {
        &self.delimiter
    }

    /// The longest line accepted, in bytes, delimiter not counted.
    pub fn max_length(&self) -> usize {
        self.max_length
    }

    /// Sends `line` and the delimiter, in one write. Before the connection is made,
    /// and after it is lost, this does nothing.
    pub fn send_line(&self, line: &[u8]) {
        let mut framed = Vec::with_capacity(line.len() + self.delimiter.len());
        framed.extend_from_slice(line);
        framed.extend_from_slice(&self.delimiter);
        self.wire.write(&framed);
    }

    /// Hands further bytes to [`raw_data_received`](LineHandler::raw_data_received) as
    /// they come, instead of splitting them into lines. Bytes already buffered go
    /// there too.
    pub fn set_raw_mode(&self) {
        self.line_mode.set(false);
    }

    /// Splits further bytes into lines again. `extra` holds bytes to parse first, before
    /// anything still buffered: the part of a raw chunk that followed the raw body, say.
    pub fn set_line_mode(&self, extra: &[u8]) {
        self.line_mode.set(true);
        if extra.is_empty() {
            return;
        }
        {
            let mut buffer = self.buffer.borrow_mut();
            if buffer.is_empty() {
                buffer.extend_from_slice(extra);
            } else {
                let mut joined = BytesMut::with_capacity(extra.len() + buffer.len());
                joined.extend_from_slice(extra);
                joined.extend_from_slice(&buffer);
                *buffer = joined;
            }
        }
        self.searched.set(0);
        self.receive(&[]);
    }

    /// Whether bytes are split into lines (not raw mode).
    pub fn is_line_mode(&self) -> bool {
        self.line_mode.get()
    }

    /// Takes the bytes received and not yet delivered, so they never will be.
    pub fn clear_line_buffer(&self) -> Vec<u8> {
        let taken = self.buffer.borrow_mut().split();
        self.searched.set(0);
        taken.to_vec()
    }

    /// Stops delivering lines, even those already buffered, and stops reading from the
    /// transport, until [`resume_producing`](LineReceiver::resume_producing).
    pub fn pause_producing(&self) {
        self.wire.pause();
    }

    /// Delivers again, starting with what was buffered while paused, and reads from the
    /// transport again.
    pub fn resume_producing(&self) {
        self.wire.resume();
        self.receive(&[]);
    }

    /// Stops delivering for good and closes the connection.
    pub fn stop_producing(&self) {
        self.wire.stop();
    }

    /// Whether delivery is paused.
    pub fn is_paused(&self) -> bool {
        self.wire.is_paused()
    }

    /// Closes the connection once what was written is sent, like
    /// [`Transport::lose_connection`], and tells the handler's
    /// [`connection_lost`](LineHandler::connection_lost) `reason` instead of the
    /// transport's. The first reason given wins.
    pub fn lose_connection_with(&self, reason: Failure) {
        self.wire.lose_with(reason);
    }

    /// Buffers `data` and delivers what it completes, unless a delivery further up the
    /// stack will.
    fn receive(&self, data: &[u8]) {
        if !data.is_empty() {
            self.buffer.borrow_mut().extend_from_slice(data);
        }
        let Some(_busy) = self.wire.enter() else { return };
        // Once the connection is closing, nothing more is delivered: not the rest of
        // this chunk, nor what a later read brings.
        while !self.wire.closing() {
            let Some(step) = self.next_step() else { return };
            match step {
                Step::Line(line) => self.handler.line_received(self, &line),
                Step::Raw(data) => self.handler.raw_data_received(self, &data),
                Step::TooLong(data) => self.handler.line_length_exceeded(self, &data),
            }
        }
    }

    /// Takes the next piece to deliver out of the buffer, if there is one and delivery
    /// is not paused.
    fn next_step(&self) -> Option<Step> {
        if self.wire.is_paused() {
            return None;
        }
        let mut buffer = self.buffer.borrow_mut();
        if buffer.is_empty() {
            return None;
        }
        if !self.line_mode.get() {
            self.searched.set(0);
            return Some(Step::Raw(buffer.split()));
        }
        let from = self.searched.get().min(buffer.len());
        match find(&buffer[from..], &self.delimiter) {
            Some(at) => {
                self.searched.set(0);
                let end = from + at;
                if end > self.max_length {
                    return Some(Step::TooLong(buffer.split()));
                }
                let line = buffer.split_to(end);
                buffer.advance(self.delimiter.len());
                Some(Step::Line(line))
            }
            // Twisted waits for one delimiter's length more, in case the bytes past the
            // limit are the start of the delimiter.
            None if buffer.len() >= self.max_length.saturating_add(self.delimiter.len()) => {
                self.searched.set(0);
                Some(Step::TooLong(buffer.split()))
            }
            None => {
                // The end of the buffer may hold the start of a delimiter.
                self.searched.set(buffer.len().saturating_sub(self.delimiter.len() - 1));
                None
            }
        }
    }
}

/// Where `needle` (not empty) first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut from = 0;
    while let Some(offset) = haystack[from..].iter().position(|&byte| byte == first) {
        let at = from + offset;
        if haystack[at + 1..].starts_with(rest) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

impl<H: LineHandler> Protocol for LineReceiver<H> {
    fn connection_made(&self, transport: &Transport) {
        self.wire.attach(transport);
        self.handler.connection_made(self);
    }

    fn data_received(&self, _transport: &Transport, data: &[u8]) {
        self.receive(data);
    }

    fn read_connection_lost(&self, _transport: &Transport) {
        self.handler.read_connection_lost(self);
    }

    fn connection_lost(&self, reason: Failure) {
        let reason = self.wire.lost(reason);
        self.handler.connection_lost(reason);
    }
}

impl<H: LineHandler> Producer for LineReceiver<H> {
    fn pause_producing(&self) {
        LineReceiver::pause_producing(self);
    }

    fn resume_producing(&self) {
        LineReceiver::resume_producing(self);
    }

    fn stop_producing(&self) {
        LineReceiver::stop_producing(self);
    }
}

impl<H> fmt::Debug for LineReceiver<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LineReceiver")
            .field("delimiter", &self.delimiter)
            .field("max_length", &self.max_length)
            .field("line_mode", &self.line_mode.get())
            .field("paused", &self.wire.is_paused())
            .field("buffered", &self.buffer.borrow().len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::find;

    #[test]
    fn find_needs_the_whole_delimiter() {
        assert_eq!(find(b"ab\r\ncd", b"\r\n"), Some(2));
        assert_eq!(find(b"ab\r", b"\r\n"), None);
        assert_eq!(find(b"a\rb\r\n", b"\r\n"), Some(3));
        assert_eq!(find(b"", b"\n"), None);
    }
}
