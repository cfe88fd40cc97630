//! [`Registry`]: a reactor's open connections and listening ports, closed when it shuts
//! down (Twisted's `disconnectAll`).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use deferreds::Failure;

use super::ConnectionLost;
use super::link::Link;
use super::port::PortInner;

#[derive(Default)]
pub(crate) struct Registry {
    next: Cell<u64>,
    links: RefCell<HashMap<u64, Weak<Link>>>,
    /// Held here, so a port listens until stopped, whether its handles are kept or not.
    ports: RefCell<HashMap<u64, Rc<PortInner>>>,
}

impl Registry {
    fn key(&self) -> u64 {
        let key = self.next.get();
        self.next.set(key + 1);
        key
    }

    /// Tracks `link` until it closes.
    pub(crate) fn track_link(self: &Rc<Self>, link: &Rc<Link>) {
        let key = self.key();
        self.links.borrow_mut().insert(key, Rc::downgrade(link));
        let registry = Rc::downgrade(self);
        link.set_on_close(Box::new(move || {
            if let Some(registry) = registry.upgrade() {
                registry.links.borrow_mut().remove(&key);
            }
        }));
    }

    /// Tracks a port; the key forgets it.
    pub(crate) fn track_port(&self, port: &Rc<PortInner>) -> u64 {
        let key = self.key();
        self.ports.borrow_mut().insert(key, Rc::clone(port));
        key
    }

    pub(crate) fn forget_port(&self, key: u64) {
        self.ports.borrow_mut().remove(&key);
    }

    /// Stops every port and ends every connection with [`ConnectionLost`].
    pub(crate) fn disconnect_all(&self) {
        let ports: Vec<_> = self.ports.borrow_mut().drain().map(|(_, port)| port).collect();
        for port in ports {
            port.stop();
        }
        let links: Vec<_> =
            self.links.borrow_mut().drain().filter_map(|(_, link)| link.upgrade()).collect();
        for link in links {
            link.finish(Failure::new(ConnectionLost::new(None)));
        }
    }
}
