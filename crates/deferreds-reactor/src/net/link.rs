//! [`Link`]: the state one connection's transport shares with what drives it.
//!
//! A [`Transport`](super::Transport) is a thin handle over a link. The driver of the
//! connection, a socket task or an in-memory pump, reads the same link: the bytes waiting
//! to be sent, whether reading is paused, whether the application asked to close.
//!
//! Writes go straight to the socket when nothing is waiting before them (the `direct`
//! path), so an echo costs one system call and no wake-up; whatever the socket does not
//! take waits in the outbox, and the driver is woken to send it.
//!
//! Back-pressure follows Twisted's file descriptors: a streaming producer is paused
//! when the outbox grows past the high-water mark and resumed once it has drained; a
//! pull producer is resumed each time it drains. A connection asked to close waits for
//! its outbox to drain, and for a pull producer to be unregistered.
//!
//! Re-entrancy: producers and protocols may call back into the link from anything it
//! calls, so no borrow is held across such a call.

use std::cell::{Cell, RefCell};
use std::io;
use std::rc::Rc;
use std::task::Waker;

use bytes::{Buf, BytesMut};
use deferreds::Failure;

use super::{Address, Producer, Protocol};

/// Twisted's `FileDescriptor.bufferSize`.
pub(crate) const DEFAULT_HIGH_WATER: usize = 64 * 1024;

/// Sends bytes at once if it can: how many it took, or `WouldBlock`.
pub(crate) type Direct = Box<dyn Fn(&[u8]) -> io::Result<usize>>;

struct Registered {
    producer: Rc<dyn Producer>,
    streaming: bool,
    paused: bool,
}

pub(crate) struct Link {
    host: Address,
    peer: Address,
    /// Dropped when the connection ends, so that handles kept afterwards do not keep the
    /// socket open.
    direct: RefCell<Option<Direct>>,
    outbox: RefCell<BytesMut>,
    high_water: Cell<usize>,
    producer: RefCell<Option<Registered>>,
    /// `lose_connection` was called: reading stops, the outbox drains, then it closes.
    disconnecting: Cell<bool>,
    /// `write_eof` was called: the writing side closes once the outbox drains.
    eof_requested: Cell<bool>,
    /// `abort_connection` was called: close now, dropping the outbox.
    aborted: Cell<bool>,
    reading_paused: Cell<bool>,
    /// A direct write sent everything while a pull producer was registered: the outbox
    /// never filled, so the driver tells the producer it has drained.
    pull_due: Cell<bool>,
    /// `connection_lost` has been delivered, or is being: nothing more happens.
    closed: Cell<bool>,
    /// Taken when `connection_lost` is delivered, so it is delivered once.
    protocol: RefCell<Option<Rc<dyn Protocol>>>,
    /// The driver, woken when there is something for it to do.
    waker: RefCell<Option<Waker>>,
    /// Called once closed: the registry forgets the link, a port counts it out.
    on_close: RefCell<Option<Box<dyn FnOnce()>>>,
}

impl Link {
    pub(crate) fn new(host: Address, peer: Address, direct: Option<Direct>) -> Link {
        Link {
            host,
            peer,
            direct: RefCell::new(direct),
            outbox: RefCell::new(BytesMut::new()),
            high_water: Cell::new(DEFAULT_HIGH_WATER),
            producer: RefCell::new(None),
            disconnecting: Cell::new(false),
            eof_requested: Cell::new(false),
            aborted: Cell::new(false),
            reading_paused: Cell::new(false),
            pull_due: Cell::new(false),
            closed: Cell::new(false),
            protocol: RefCell::new(None),
            waker: RefCell::new(None),
            on_close: RefCell::new(None),
        }
    }

    pub(crate) fn host(&self) -> &Address {
        &self.host
    }

    pub(crate) fn peer(&self) -> &Address {
        &self.peer
    }

    pub(crate) fn set_protocol(&self, protocol: Rc<dyn Protocol>) {
        *self.protocol.borrow_mut() = Some(protocol);
    }

    /// The protocol, until `connection_lost` has been delivered.
    pub(crate) fn protocol(&self) -> Option<Rc<dyn Protocol>> {
        self.protocol.borrow().clone()
    }

    pub(crate) fn set_on_close(&self, f: Box<dyn FnOnce()>) {
        *self.on_close.borrow_mut() = Some(f);
    }

    pub(crate) fn set_waker(&self, waker: &Waker) {
        let mut slot = self.waker.borrow_mut();
        match &*slot {
            Some(current) if current.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }

    fn wake(&self) {
        let waker = self.waker.borrow().clone();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    // The application's side.

    pub(crate) fn write(&self, data: &[u8]) {
        if data.is_empty() || self.closed.get() || self.eof_requested.get() || self.aborted.get() {
            return;
        }
        let mut rest = data;
        if let Some(direct) = &*self.direct.borrow() {
            if self.outbox.borrow().is_empty() {
                // An error is left for the driver, which meets it again on its own write.
                if let Ok(sent) = direct(rest) {
                    rest = &rest[sent..];
                }
                if rest.is_empty() {
                    if self.has_pull_producer() {
                        self.pull_due.set(true);
                        self.wake();
                    }
                    return;
                }
            }
        }
        let (was_empty, buffered) = {
            let mut outbox = self.outbox.borrow_mut();
            let was_empty = outbox.is_empty();
            outbox.extend_from_slice(rest);
            (was_empty, outbox.len())
        };
        if was_empty {
            self.wake();
        }
        if buffered > self.high_water.get() {
            self.pause_producer();
        }
    }

    fn pause_producer(&self) {
        let producer = match &mut *self.producer.borrow_mut() {
            Some(registered) if registered.streaming && !registered.paused => {
                registered.paused = true;
                Rc::clone(&registered.producer)
            }
            _ => return,
        };
        producer.pause_producing();
    }

    pub(crate) fn register_producer(&self, producer: Rc<dyn Producer>, streaming: bool) {
        if self.producer.borrow().is_some() {
            panic!("a producer is already registered with this transport; unregister it first");
        }
        if self.closed.get() || self.aborted.get() {
            producer.stop_producing();
            return;
        }
        *self.producer.borrow_mut() =
            Some(Registered { producer: Rc::clone(&producer), streaming, paused: false });
        if !streaming {
            producer.resume_producing();
        }
    }

    pub(crate) fn unregister_producer(&self) {
        if self.producer.borrow_mut().take().is_some() {
            self.wake();
        }
    }

    pub(crate) fn lose_connection(&self) {
        if !self.closed.get() && !self.disconnecting.replace(true) {
            self.wake();
        }
    }

    pub(crate) fn abort_connection(&self) {
        if !self.closed.get() && !self.aborted.replace(true) {
            self.outbox.borrow_mut().clear();
            self.wake();
        }
    }

    pub(crate) fn write_eof(&self) {
        if !self.closed.get() && !self.eof_requested.replace(true) {
            self.wake();
        }
    }

    pub(crate) fn pause_reading(&self) {
        self.reading_paused.set(true);
    }

    pub(crate) fn resume_reading(&self) {
        if self.reading_paused.replace(false) {
            self.wake();
        }
    }

    pub(crate) fn set_high_water(&self, bytes: usize) {
        self.high_water.set(bytes);
    }

    pub(crate) fn buffered(&self) -> usize {
        self.outbox.borrow().len()
    }

    // The driver's side.

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.get()
    }

    pub(crate) fn is_aborted(&self) -> bool {
        self.aborted.get()
    }

    pub(crate) fn is_disconnecting(&self) -> bool {
        self.disconnecting.get()
    }

    pub(crate) fn eof_requested(&self) -> bool {
        self.eof_requested.get()
    }

    /// Reading is wanted: not paused, and no close was asked for.
    pub(crate) fn wants_reading(&self) -> bool {
        !self.reading_paused.get() && !self.disconnecting.get() && !self.aborted.get()
    }

    /// Hands the bytes waiting to `send`, which says how many it took (or fails), and
    /// keeps going until the outbox is empty or `send` takes nothing more.
    pub(crate) fn flush(&self, mut send: impl FnMut(&[u8]) -> io::Result<usize>) -> io::Result<()> {
        loop {
            let drained = {
                let mut outbox = self.outbox.borrow_mut();
                if outbox.is_empty() {
                    return Ok(());
                }
                let sent = match send(&outbox) {
                    Ok(sent) => sent,
                    Err(error) if error.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                    Err(error) => return Err(error),
                };
                if sent == 0 {
                    return Ok(());
                }
                outbox.advance(sent);
                outbox.is_empty()
            };
            if drained {
                self.drained();
            }
        }
    }

    fn has_pull_producer(&self) -> bool {
        self.producer.borrow().as_ref().is_some_and(|registered| !registered.streaming)
    }

    /// Asks a pull producer for more if direct writes sent all it wrote: for the driver,
    /// outside the write, so a producer that writes again is not called back within it.
    pub(crate) fn resume_pull_if_due(&self) {
        if self.pull_due.take() && self.outbox.borrow().is_empty() {
            self.drained();
        }
    }

    /// The outbox has emptied: a paused streaming producer, or any pull producer, goes on.
    fn drained(&self) {
        let producer = match &mut *self.producer.borrow_mut() {
            Some(registered) if !registered.streaming || registered.paused => {
                registered.paused = false;
                Rc::clone(&registered.producer)
            }
            _ => return,
        };
        producer.resume_producing();
    }

    /// Takes up to `max` bytes of the outbox, for an in-memory peer: they are not handed
    /// over under the outbox's borrow, since the peer may answer at once.
    pub(crate) fn take_output(&self, max: usize) -> Option<BytesMut> {
        let (chunk, drained) = {
            let mut outbox = self.outbox.borrow_mut();
            if outbox.is_empty() {
                return None;
            }
            let take = outbox.len().min(max);
            let chunk = outbox.split_to(take);
            (chunk, outbox.is_empty())
        };
        if drained {
            self.drained();
        }
        Some(chunk)
    }

    pub(crate) fn is_reading_paused(&self) -> bool {
        self.reading_paused.get()
    }

    /// The registered producer, and whether it is streaming.
    pub(crate) fn producer(&self) -> Option<(Rc<dyn Producer>, bool)> {
        let registered = self.producer.borrow();
        registered.as_ref().map(|r| (Rc::clone(&r.producer), r.streaming))
    }

    pub(crate) fn has_output(&self) -> bool {
        !self.outbox.borrow().is_empty()
    }

    /// Everything is sent and the application asked to close: the connection may close.
    /// A pull producer keeps it open until it is unregistered.
    pub(crate) fn ready_to_close(&self) -> bool {
        self.disconnecting.get()
            && self.outbox.borrow().is_empty()
            && self.producer.borrow().as_ref().is_none_or(|registered| registered.streaming)
    }

    /// Ends the connection: the producer is stopped and the protocol hears why, once.
    pub(crate) fn finish(&self, reason: Failure) {
        if self.closed.replace(true) {
            return;
        }
        self.outbox.borrow_mut().clear();
        self.direct.borrow_mut().take();
        self.waker.borrow_mut().take();
        let registered = self.producer.borrow_mut().take();
        if let Some(registered) = registered {
            registered.producer.stop_producing();
        }
        let on_close = self.on_close.borrow_mut().take();
        if let Some(on_close) = on_close {
            on_close();
        }
        let protocol = self.protocol.borrow_mut().take();
        if let Some(protocol) = protocol {
            protocol.connection_lost(reason);
        }
    }
}
