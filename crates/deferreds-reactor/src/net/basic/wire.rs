//! [`Wire`]: what a receiver knows of its connection, shared by the line and the
//! length-prefixed receivers.
//!
//! Both parse a buffer in a loop and hand each piece to application code, which may call
//! back into the receiver: pause it, feed it bytes, close the connection. The `busy` flag
//! turns such a nested feed into an append that the running loop picks up, so the stack
//! stays flat however many pieces arrive (Twisted's `_busyReceiving`).

use std::cell::{Cell, RefCell};

use deferreds::Failure;

use crate::net::Transport;

#[derive(Default)]
pub(crate) struct Wire {
    transport: RefCell<Option<Transport>>,
    /// Why the receiver closed the connection, told to the handler instead of the
    /// transport's own reason.
    close_reason: RefCell<Option<Failure>>,
    paused: Cell<bool>,
    busy: Cell<bool>,
}

/// The parsing loop runs while this lives.
pub(crate) struct Busy<'a>(&'a Cell<bool>);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

impl Wire {
    pub(crate) fn attach(&self, transport: &Transport) {
        *self.transport.borrow_mut() = Some(transport.clone());
    }

    pub(crate) fn transport(&self) -> Option<Transport> {
        self.transport.borrow().clone()
    }

    pub(crate) fn write(&self, data: &[u8]) {
        if let Some(transport) = self.transport() {
            transport.write(data);
        }
    }

    /// Enters the parsing loop, or `None` when it is running already, further up the
    /// stack.
    pub(crate) fn enter(&self) -> Option<Busy<'_>> {
        if self.busy.replace(true) { None } else { Some(Busy(&self.busy)) }
    }

    /// The connection is closing or closed: nothing more is delivered.
    pub(crate) fn closing(&self) -> bool {
        self.transport
            .borrow()
            .as_ref()
            .is_some_and(|transport| transport.is_disconnecting() || transport.is_closed())
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.paused.get()
    }

    pub(crate) fn pause(&self) {
        self.paused.set(true);
        if let Some(transport) = self.transport() {
            transport.pause_reading();
        }
    }

    /// Unpauses; the caller then parses what was buffered meanwhile.
    pub(crate) fn resume(&self) {
        self.paused.set(false);
        if let Some(transport) = self.transport() {
            transport.resume_reading();
        }
    }

    pub(crate) fn stop(&self) {
        self.paused.set(true);
        if let Some(transport) = self.transport() {
            transport.lose_connection();
        }
    }

    /// Closes the connection once what was written is sent; the handler will hear
    /// `reason` (the first one given, if several).
    pub(crate) fn lose_with(&self, reason: Failure) {
        {
            let mut slot = self.close_reason.borrow_mut();
            if slot.is_none() {
                *slot = Some(reason);
            }
        }
        if let Some(transport) = self.transport() {
            transport.lose_connection();
        }
    }

    /// The reason to tell the handler when the transport reports `reason`.
    pub(crate) fn lost(&self, reason: Failure) -> Failure {
        self.close_reason.borrow_mut().take().unwrap_or(reason)
    }
}
