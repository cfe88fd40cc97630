//! [`Socket`]: what the connection driver needs of a TCP or Unix stream.

use std::io;
use std::net::Shutdown;
use std::task::{Context, Poll};

use tokio::net::{TcpStream, UnixStream};

use super::Address;

/// A connected stream socket, used through `&self` so that the transport's direct
/// writes and the driver share it.
pub(crate) trait Socket: 'static {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
    fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize>;
    fn try_write(&self, buf: &[u8]) -> io::Result<usize>;
    fn shutdown_write(&self) -> io::Result<()>;
    /// Makes closing the socket reset the connection, dropping what the system still
    /// holds unsent, so the peer hears the connection was lost rather than closed cleanly.
    fn reset_on_close(&self);
    /// This end's address, then the peer's.
    fn addresses(&self) -> (Address, Address);
}

macro_rules! socket {
    ($stream:ty, $address:expr) => {
        impl Socket for $stream {
            fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                <$stream>::poll_read_ready(self, cx)
            }

            fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                <$stream>::poll_write_ready(self, cx)
            }

            fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
                <$stream>::try_read(self, buf)
            }

            fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
                <$stream>::try_write(self, buf)
            }

            fn shutdown_write(&self) -> io::Result<()> {
                socket2::SockRef::from(self).shutdown(Shutdown::Write)
            }

            fn reset_on_close(&self) {
                // Best effort: a socket that refuses still closes, only cleanly.
                let _ = socket2::SockRef::from(self).set_linger(Some(std::time::Duration::ZERO));
            }

            fn addresses(&self) -> (Address, Address) {
                let address = $address;
                (address(self.local_addr()), address(self.peer_addr()))
            }
        }
    };
}

socket!(TcpStream, |addr: io::Result<std::net::SocketAddr>| match addr {
    Ok(addr) => Address::Tcp(addr),
    Err(_) => Address::Tcp(([0, 0, 0, 0], 0).into()),
});

socket!(UnixStream, |addr: io::Result<tokio::net::unix::SocketAddr>| Address::Unix(
    addr.ok().and_then(|addr| addr.as_pathname().map(Into::into))
));
