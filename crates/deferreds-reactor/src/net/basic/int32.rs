//! [`Int32StringReceiver`] and its [`MessageHandler`]: messages behind a 4-byte length.

use std::cell::RefCell;
use std::fmt;

use bytes::{Buf, BytesMut};
use deferreds::Failure;

use super::wire::Wire;
use super::{LengthLimitExceeded, StringTooLong};
use crate::net::{Producer, Protocol, Transport};

/// Bytes in the length prefix.
const PREFIX: usize = 4;

/// Twisted's `IntNStringReceiver.MAX_LENGTH`.
const DEFAULT_MAX_LENGTH: usize = 99_999;

/// What to do with the messages of one connection: the application's half of an
/// [`Int32StringReceiver`] (the methods a Twisted `Int32StringReceiver` subclass
/// overrides).
///
/// Each method gets the receiver, to answer with
/// [`send_string`](Int32StringReceiver::send_string), pause, or reach the transport. It
/// may call any of the receiver's methods, and fire Deferreds whose callbacks do: the
/// receiver holds no borrow while it calls the handler.
pub trait MessageHandler: Sized + 'static {
    /// The connection is open.
    fn connection_made(&self, receiver: &Int32StringReceiver<Self>) {
        let _ = receiver;
    }

    /// A message arrived, without its length prefix.
    fn string_received(&self, receiver: &Int32StringReceiver<Self>, message: &[u8]);

    /// A length prefix announced `length` bytes, more than
    /// [`max_length`](Int32StringReceiver::max_length). Parsing stops there; the
    /// prefix and what follows stay buffered
    /// ([`unprocessed`](Int32StringReceiver::unprocessed)), and are met again when more
    /// bytes arrive, unless the handler clears them.
    ///
    /// By default the connection is closed, and
    /// [`connection_lost`](MessageHandler::connection_lost) hears
    /// [`LengthLimitExceeded`] instead of a clean close.
    fn length_limit_exceeded(&self, receiver: &Int32StringReceiver<Self>, length: usize) {
        receiver.lose_connection_with(Failure::new(LengthLimitExceeded::new(
            length,
            receiver.max_length(),
        )));
    }

    /// The peer will send nothing more (a half-close). By default the connection is
    /// closed in turn, once what was written is sent; an unfinished message is dropped.
    fn read_connection_lost(&self, receiver: &Int32StringReceiver<Self>) {
        if let Some(transport) = receiver.transport() {
            transport.lose_connection();
        }
    }

    /// The connection is closed, for `reason`: the transport's, or the one given to
    /// [`lose_connection_with`](Int32StringReceiver::lose_connection_with).
    fn connection_lost(&self, reason: Failure) {
        let _ = reason;
    }
}

/// A protocol of length-prefixed messages: each is sent as its length, 4 bytes
/// big-endian, then its bytes (Twisted's `Int32StringReceiver`). Each message received
/// goes to the [`MessageHandler`].
///
/// Messages announced longer than [`max_length`](Int32StringReceiver::max_length)
/// (99,999 bytes unless [`with_max_length`](Int32StringReceiver::with_max_length) says
/// otherwise) are refused before their bytes are buffered.
///
/// Like [`LineReceiver`](super::LineReceiver), it is a [`Producer`] whose pause stops
/// the delivery of messages already buffered too, and a handler may call any of its
/// methods from within its callbacks.
///
/// # Example: answer each message with its length
///
/// ```
/// use std::rc::Rc;
/// use deferreds_reactor::net::basic::{Int32StringReceiver, MessageHandler};
/// use deferreds_reactor::net::testing::StringTransport;
///
/// struct Measure;
///
/// impl MessageHandler for Measure {
///     fn string_received(&self, receiver: &Int32StringReceiver<Self>, message: &[u8]) {
///         let answer = message.len().to_string();
///         receiver.send_string(answer.as_bytes()).unwrap();
///     }
/// }
///
/// let wire = StringTransport::new();
/// wire.make_connection(Rc::new(Int32StringReceiver::new(Measure)));
/// wire.receive(b"\x00\x00\x00\x05hel");
/// assert!(wire.value().is_empty());
/// wire.receive(b"lo");
/// assert_eq!(wire.value(), b"\x00\x00\x00\x015");
/// ```
pub struct Int32StringReceiver<H> {
    handler: H,
    max_length: usize,
    wire: Wire,
    buffer: RefCell<BytesMut>,
}

/// What the parsing loop hands the handler next.
enum Step {
    Message(BytesMut),
    TooLong(usize),
}

impl<H: MessageHandler> Int32StringReceiver<H> {
    /// A receiver handing messages to `handler`.
    pub fn new(handler: H) -> Int32StringReceiver<H> {
        Int32StringReceiver {
            handler,
            max_length: DEFAULT_MAX_LENGTH,
            wire: Wire::default(),
            buffer: RefCell::new(BytesMut::new()),
        }
    }

    /// Accepts messages of up to `max_length` bytes instead of 99,999.
    pub fn with_max_length(mut self, max_length: usize) -> Int32StringReceiver<H> {
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

    /// The longest message accepted, in bytes.
    pub fn max_length(&self) -> usize {
        self.max_length
    }

    /// Sends `message` behind its length, in one write. Before the connection is made,
    /// and after it is lost, this does nothing.
    ///
    /// # Errors
    ///
    /// [`StringTooLong`] when `message` is longer than `u32::MAX` bytes; nothing is sent.
    pub fn send_string(&self, message: &[u8]) -> Result<(), StringTooLong> {
        let prefix = prefix_for(message.len())?;
        let mut framed = Vec::with_capacity(PREFIX + message.len());
        framed.extend_from_slice(&prefix);
        framed.extend_from_slice(message);
        self.wire.write(&framed);
        Ok(())
    }

    /// The bytes received and not yet delivered: within
    /// [`string_received`](MessageHandler::string_received), those after the message
    /// being delivered (Twisted's `recvd`).
    pub fn unprocessed(&self) -> Vec<u8> {
        self.buffer.borrow().to_vec()
    }

    /// Takes the bytes received and not yet delivered, so they never will be. To parse
    /// other bytes in their place, feed them to the receiver's
    /// [`Protocol::data_received`].
    pub fn clear_buffer(&self) -> Vec<u8> {
        self.buffer.borrow_mut().split().to_vec()
    }

    /// Stops delivering messages, even those already buffered, and stops reading from
    /// the transport, until [`resume_producing`](Int32StringReceiver::resume_producing).
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
    /// [`connection_lost`](MessageHandler::connection_lost) `reason` instead of the
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
                Step::Message(message) => self.handler.string_received(self, &message),
                Step::TooLong(length) => {
                    // The prefix stays buffered, so parsing again would meet it again.
                    self.handler.length_limit_exceeded(self, length);
                    return;
                }
            }
        }
    }

    /// Takes the next message out of the buffer, if it is complete and delivery is not
    /// paused.
    fn next_step(&self) -> Option<Step> {
        if self.wire.is_paused() {
            return None;
        }
        let mut buffer = self.buffer.borrow_mut();
        let prefix: [u8; PREFIX] = buffer.get(..PREFIX)?.try_into().ok()?;
        // A u32 always fits the usize of the platforms tokio runs on.
        let length = u32::from_be_bytes(prefix) as usize;
        if length > self.max_length {
            return Some(Step::TooLong(length));
        }
        if buffer.len() < PREFIX + length {
            return None;
        }
        buffer.advance(PREFIX);
        Some(Step::Message(buffer.split_to(length)))
    }
}

/// The prefix announcing `length` bytes, if it can.
fn prefix_for(length: usize) -> Result<[u8; PREFIX], StringTooLong> {
    match u32::try_from(length) {
        Ok(length) => Ok(length.to_be_bytes()),
        Err(_) => Err(StringTooLong::new(length, u32::MAX as usize)),
    }
}

impl<H: MessageHandler> Protocol for Int32StringReceiver<H> {
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

impl<H: MessageHandler> Producer for Int32StringReceiver<H> {
    fn pause_producing(&self) {
        Int32StringReceiver::pause_producing(self);
    }

    fn resume_producing(&self) {
        Int32StringReceiver::resume_producing(self);
    }

    fn stop_producing(&self) {
        Int32StringReceiver::stop_producing(self);
    }
}

impl<H> fmt::Debug for Int32StringReceiver<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Int32StringReceiver")
            .field("max_length", &self.max_length)
            .field("paused", &self.wire.is_paused())
            .field("buffered", &self.buffer.borrow().len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_for;

    #[test]
    fn prefix_is_big_endian() {
        assert_eq!(prefix_for(3), Ok([0, 0, 0, 3]));
        assert_eq!(prefix_for(0x0102_0304), Ok([1, 2, 3, 4]));
        assert_eq!(prefix_for(u32::MAX as usize), Ok([0xff; 4]));
    }

    // Source: twisted/protocols/test/test_basic.py Int16Tests.test_tooLongSend
    // DIFFERENCE: with a 4-byte prefix, a message too long to send is 4 GiB, so the
    // check is tested on the length alone.
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn too_long_to_send() {
        let error = prefix_for(u32::MAX as usize + 1).unwrap_err();
        assert_eq!(error.length(), u32::MAX as usize + 1);
        assert_eq!(error.max_length(), u32::MAX as usize);
    }
}
