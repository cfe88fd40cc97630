//! Feeds arbitrary bytes, cut into arbitrary reads, to the line and length-prefixed
//! receivers. Beyond not panicking: every line delivered is within the limit and holds
//! no delimiter, every message is within the limit, and once a limit closes the
//! connection nothing more is delivered.
//!
//! Run with `cargo +nightly fuzz run receivers` from `crates/deferreds-reactor`.

#![no_main]

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use deferreds_reactor::net::basic::{
    Int32StringReceiver, LineHandler, LineReceiver, MessageHandler,
};
use deferreds_reactor::net::testing::StringTransport;
use libfuzzer_sys::fuzz_target;

/// What a handler was given, and whether it came after the connection began closing.
#[derive(Default)]
struct Seen {
    delivered: RefCell<Vec<Vec<u8>>>,
    after_closing: Cell<bool>,
}

impl Seen {
    fn note(&self, closing: bool, data: &[u8]) {
        self.after_closing.set(self.after_closing.get() || closing);
        self.delivered.borrow_mut().push(data.to_vec());
    }
}

impl LineHandler for Seen {
    fn line_received(&self, lines: &LineReceiver<Self>, line: &[u8]) {
        let closing = lines.transport().is_some_and(|t| t.is_disconnecting());
        self.note(closing, line);
    }
}

impl MessageHandler for Seen {
    fn string_received(&self, receiver: &Int32StringReceiver<Self>, message: &[u8]) {
        let closing = receiver.transport().is_some_and(|t| t.is_disconnecting());
        self.note(closing, message);
    }
}

fuzz_target!(|input: &[u8]| {
    // The first byte sets the limit, the second how long each read is.
    let [max_length, read, bytes @ ..] = input else { return };
    let (max_length, read) = (usize::from(*max_length), usize::from(*read).max(1));
    let lines = Rc::new(LineReceiver::new(Seen::default()).with_max_length(max_length));
    let messages = Rc::new(Int32StringReceiver::new(Seen::default()).with_max_length(max_length));
    let (line_wire, message_wire) = (StringTransport::new(), StringTransport::new());
    line_wire.make_connection(lines.clone());
    message_wire.make_connection(messages.clone());
    for piece in bytes.chunks(read) {
        line_wire.receive(piece);
        message_wire.receive(piece);
    }
    for line in lines.handler().delivered.borrow().iter() {
        assert!(line.len() <= max_length, "a line over the limit was delivered");
        assert!(!line.windows(2).any(|w| w == b"\r\n"), "a line holds the delimiter");
    }
    for message in messages.handler().delivered.borrow().iter() {
        assert!(message.len() <= max_length, "a message over the limit was delivered");
    }
    assert!(!lines.handler().after_closing.get(), "a line came after closing began");
    assert!(!messages.handler().after_closing.get(), "a message came after closing began");
    // A receiver keeps its transport, which keeps the receiver, until the connection ends.
    line_wire.close();
    message_wire.close();
});
