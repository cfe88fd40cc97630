//! The driver of one socket connection: reads into the protocol, sends the outbox,
//! closes as asked, and tells the protocol why it ended.
//!
//! One task per connection polls both directions. Reads go through one buffer per
//! thread, not one per connection: a protocol is done with its bytes when
//! `data_received` returns, so an idle connection holds no read buffer.

use std::cell::RefCell;
use std::future::poll_fn;
use std::io;
use std::rc::Rc;
use std::task::{Context, Poll};

use deferreds::Failure;

use super::link::Link;
use super::socket::Socket;
use super::{ConnectionAborted, ConnectionDone, ConnectionLost, Protocol, Transport};

/// Twisted reads 64 KiB at a time too.
const READ_SIZE: usize = 64 * 1024;

/// Reads per poll before the task yields, so one busy peer cannot starve the others.
const READS_PER_POLL: usize = 16;

thread_local! {
    static READ_BUFFER: RefCell<Option<Box<[u8]>>> = const { RefCell::new(None) };
}

/// A link over `socket`, whose writes try the socket first.
pub(crate) fn link_for<S: Socket>(socket: &Rc<S>) -> Rc<Link> {
    let (host, peer) = socket.addresses();
    let direct = Rc::clone(socket);
    Rc::new(Link::new(host, peer, Some(Box::new(move |data| direct.try_write(data)))))
}

/// Gives `link` its protocol, which hears `connection_made`.
pub(crate) fn start(link: &Rc<Link>, protocol: Rc<dyn Protocol>) -> Transport {
    let transport = Transport::new(Rc::clone(link));
    link.set_protocol(Rc::clone(&protocol));
    protocol.connection_made(&transport);
    transport
}

/// Runs a started connection until it ends, then tells the protocol why.
pub(crate) async fn drive<S: Socket>(socket: Rc<S>, link: Rc<Link>, transport: Transport) {
    let mut state = Driver { read_eof: false, eof_sent: false };
    let reason = poll_fn(|cx| state.poll(cx, &*socket, &link, &transport)).await;
    // An abort resets the connection, as Twisted's does: the peer hears it was lost.
    if reason.check::<ConnectionAborted>() {
        socket.reset_on_close();
    }
    drop(socket);
    link.finish(reason);
}

struct Driver {
    /// The peer closed its writing side.
    read_eof: bool,
    /// Our writing side is shut.
    eof_sent: bool,
}

impl Driver {
    fn poll<S: Socket>(
        &mut self,
        cx: &mut Context<'_>,
        socket: &S,
        link: &Link,
        transport: &Transport,
    ) -> Poll<Failure> {
        link.set_waker(cx.waker());
        let mut reads = 0;
        loop {
            if link.is_closed() {
                // Shut down with the reactor while we were away.
                return Poll::Ready(Failure::new(ConnectionLost::new(None)));
            }
            if link.is_aborted() {
                return Poll::Ready(Failure::new(ConnectionAborted));
            }
            if let Err(error) = self.send(cx, socket, link) {
                return Poll::Ready(Failure::new(ConnectionLost::new(Some(error))));
            }
            if link.ready_to_close() || (self.read_eof && self.eof_sent) {
                return Poll::Ready(Failure::new(ConnectionDone));
            }
            if self.read_eof || !link.wants_reading() {
                return Poll::Pending;
            }
            if reads == READS_PER_POLL {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            match socket.poll_read_ready(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(error)) => {
                    return Poll::Ready(Failure::new(ConnectionLost::new(Some(error))));
                }
                Poll::Ready(Ok(())) => {}
            }
            reads += 1;
            match read_into_protocol(socket, link, transport) {
                Ok(true) => {}
                Ok(false) => {
                    self.read_eof = true;
                    if let Some(protocol) = link.protocol() {
                        protocol.read_connection_lost(transport);
                    }
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                Err(error) => return Poll::Ready(Failure::new(ConnectionLost::new(Some(error)))),
            }
        }
    }

    /// Sends what waits, registering for writability when the socket is full, and shuts
    /// the writing side once asked to and drained.
    fn send<S: Socket>(&mut self, cx: &mut Context<'_>, socket: &S, link: &Link) -> io::Result<()> {
        while link.has_output() {
            match socket.poll_write_ready(cx) {
                Poll::Pending => return Ok(()),
                Poll::Ready(result) => result?,
            }
            link.flush(|data| socket.try_write(data))?;
        }
        link.resume_pull_if_due();
        if link.eof_requested() && !self.eof_sent {
            self.eof_sent = true;
            socket.shutdown_write()?;
        }
        Ok(())
    }
}

/// One read, handed to the protocol: `Ok(false)` at the end of input.
fn read_into_protocol<S: Socket>(
    socket: &S,
    link: &Link,
    transport: &Transport,
) -> io::Result<bool> {
    let mut buffer = READ_BUFFER
        .with_borrow_mut(Option::take)
        .unwrap_or_else(|| vec![0; READ_SIZE].into_boxed_slice());
    let result = socket.try_read(&mut buffer);
    if let Ok(read @ 1..) = result {
        if let Some(protocol) = link.protocol() {
            protocol.data_received(transport, &buffer[..read]);
        }
    }
    READ_BUFFER.with_borrow_mut(|slot| *slot = Some(buffer));
    result.map(|read| read > 0)
}
