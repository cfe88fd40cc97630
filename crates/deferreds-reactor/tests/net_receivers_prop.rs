//! Properties of the line and length-prefixed receivers: however the bytes are cut into
//! reads, the same lines and messages come out, in order, and nothing else.

use std::cell::RefCell;
use std::rc::Rc;

use deferreds_reactor::net::basic::{
    Int32StringReceiver, LineHandler, LineReceiver, MessageHandler,
};
use deferreds_reactor::net::testing::StringTransport;
use proptest::prelude::*;

#[derive(Default)]
struct Lines(RefCell<Vec<Vec<u8>>>);

impl LineHandler for Lines {
    fn line_received(&self, _lines: &LineReceiver<Self>, line: &[u8]) {
        self.0.borrow_mut().push(line.to_vec());
    }
}

#[derive(Default)]
struct Messages(RefCell<Vec<Vec<u8>>>);

impl MessageHandler for Messages {
    fn string_received(&self, _receiver: &Int32StringReceiver<Self>, message: &[u8]) {
        self.0.borrow_mut().push(message.to_vec());
    }
}

/// `bytes` cut at `cuts` (positions taken modulo its length, in any order).
fn pieces(bytes: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut at: Vec<usize> = cuts.iter().map(|cut| cut % (bytes.len() + 1)).collect();
    at.extend([0, bytes.len()]);
    at.sort_unstable();
    at.windows(2).map(|w| bytes[w[0]..w[1]].to_vec()).collect()
}

/// Lines free of the delimiter: bytes other than `\n`, so `\r\n` cannot appear in one.
fn line() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>().prop_filter("no newline", |b| *b != b'\n'), 0..40)
        .prop_filter("no trailing carriage return", |l| l.last() != Some(&b'\r'))
}

proptest! {
    #[test]
    fn lines_come_out_whole_however_the_reads_are_cut(
        lines in prop::collection::vec(line(), 0..20),
        tail in line(),
        cuts in prop::collection::vec(any::<usize>(), 0..30),
    ) {
        let mut wire_bytes = Vec::new();
        for line in &lines {
            wire_bytes.extend_from_slice(line);
            wire_bytes.extend_from_slice(b"\r\n");
        }
        wire_bytes.extend_from_slice(&tail);
        let receiver = Rc::new(LineReceiver::new(Lines::default()));
        let wire = StringTransport::new();
        wire.make_connection(receiver.clone());
        for piece in pieces(&wire_bytes, &cuts) {
            wire.receive(&piece);
        }
        prop_assert_eq!(&*receiver.handler().0.borrow(), &lines);
        prop_assert_eq!(receiver.clear_line_buffer(), tail, "the unfinished line waits");
        prop_assert!(!wire.disconnecting());
    }

    #[test]
    fn a_line_over_the_limit_closes_the_connection_and_no_longer_line_is_lost(
        lines in prop::collection::vec(line(), 1..10),
        max_length in 0usize..30,
        cuts in prop::collection::vec(any::<usize>(), 0..30),
    ) {
        let wire_bytes: Vec<u8> = lines.iter().flat_map(|l| [l.as_slice(), b"\r\n"].concat()).collect();
        let receiver = Rc::new(LineReceiver::new(Lines::default()).with_max_length(max_length));
        let wire = StringTransport::new();
        wire.make_connection(receiver.clone());
        for piece in pieces(&wire_bytes, &cuts) {
            wire.receive(&piece);
        }
        let first_too_long = lines.iter().position(|l| l.len() > max_length);
        let delivered = receiver.handler().0.borrow().clone();
        match first_too_long {
            None => {
                prop_assert_eq!(delivered, lines);
                prop_assert!(!wire.disconnecting());
            }
            Some(index) => {
                prop_assert_eq!(&delivered[..], &lines[..index], "the lines before it come through");
                prop_assert!(wire.disconnecting(), "an over-long line closes the connection");
            }
        }
    }

    #[test]
    fn messages_come_out_whole_however_the_reads_are_cut(
        messages in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..12),
        cuts in prop::collection::vec(any::<usize>(), 0..40),
    ) {
        let sender = Rc::new(Int32StringReceiver::new(Messages::default()));
        let outgoing = StringTransport::new();
        outgoing.make_connection(sender.clone());
        for message in &messages {
            sender.send_string(message).unwrap();
        }
        let receiver = Rc::new(Int32StringReceiver::new(Messages::default()));
        let wire = StringTransport::new();
        wire.make_connection(receiver.clone());
        for piece in pieces(&outgoing.value(), &cuts) {
            wire.receive(&piece);
        }
        prop_assert_eq!(&*receiver.handler().0.borrow(), &messages);
        prop_assert!(receiver.unprocessed().is_empty());
    }

    #[test]
    fn arbitrary_bytes_never_break_the_receivers(
        bytes in prop::collection::vec(any::<u8>(), 0..400),
        cuts in prop::collection::vec(any::<usize>(), 0..20),
        max_length in 0usize..64,
    ) {
        let lines = Rc::new(LineReceiver::new(Lines::default()).with_max_length(max_length));
        let messages = Rc::new(Int32StringReceiver::new(Messages::default()).with_max_length(max_length));
        let (line_wire, message_wire) = (StringTransport::new(), StringTransport::new());
        line_wire.make_connection(lines.clone());
        message_wire.make_connection(messages.clone());
        for piece in pieces(&bytes, &cuts) {
            line_wire.receive(&piece);
            message_wire.receive(&piece);
        }
        for line in lines.handler().0.borrow().iter() {
            prop_assert!(line.len() <= max_length);
            prop_assert!(!line.windows(2).any(|w| w == b"\r\n"));
        }
        for message in messages.handler().0.borrow().iter() {
            prop_assert!(message.len() <= max_length);
        }
    }
}
