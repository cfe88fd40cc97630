"""Twisted's echo server in the shape benches/compare-echo measures.

The classic ``Echo`` protocol (``transport.write(data)`` in ``dataReceived``) made by a
``Factory``, listening on 127.0.0.1 with the default reactor. Each connection turns
``TCP_NODELAY`` on, as the other servers of the comparison do.

Prints the port it listens on as the first line of its output, then serves until it is
killed (SIGTERM or SIGINT stop the reactor).

Usage: python echo_server.py [--port N]   (default 0, a free port)
"""

import argparse

from twisted.internet import protocol, reactor


class Echo(protocol.Protocol):
    """Writes back what it reads."""

    def connectionMade(self):
        self.transport.setTcpNoDelay(True)

    def dataReceived(self, data):
        self.transport.write(data)


class EchoFactory(protocol.Factory):
    protocol = Echo
    # One "Starting factory" line is all; no log line per connection either way.
    noisy = False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    listening = reactor.listenTCP(args.port, EchoFactory(), interface="127.0.0.1")
    print(listening.getHost().port, flush=True)
    reactor.run()


if __name__ == "__main__":
    main()
