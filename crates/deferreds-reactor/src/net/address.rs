//! [`Address`]: where one end of a connection is.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// One end of a connection, or where a port listens (Twisted's `IPv4Address`,
/// `IPv6Address` and `UNIXAddress` in one type).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Address {
    /// A TCP address, IPv4 or IPv6.
    Tcp(SocketAddr),
    /// A Unix socket's path; `None` for an unnamed socket (a client's end, usually).
    Unix(Option<PathBuf>),
    /// An end of an in-memory connection, named for tests.
    Memory(String),
}

impl Address {
    /// The TCP address, if this is one.
    pub fn tcp(&self) -> Option<SocketAddr> {
        match self {
            Address::Tcp(addr) => Some(*addr),
            _ => None,
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Tcp(addr) => write!(f, "tcp:{addr}"),
            Address::Unix(Some(path)) => write!(f, "unix:{}", path.display()),
            Address::Unix(None) => f.write_str("unix:(unnamed)"),
            Address::Memory(name) => write!(f, "memory:{name}"),
        }
    }
}

impl From<SocketAddr> for Address {
    fn from(addr: SocketAddr) -> Address {
        Address::Tcp(addr)
    }
}
