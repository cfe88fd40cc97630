"""Twisted's XML-RPC server in the shape benches/compare-xmlrpc measures.

A ``twisted.web.xmlrpc.XMLRPC`` resource publishing ``multiply(a, b)``, served by a
``twisted.web.server.Site`` on 127.0.0.1 with the default reactor.

Prints the port it listens on as the first line of its output, then serves until it is
killed (SIGTERM or SIGINT stop the reactor).

The site writes no access log: the other servers of the comparison log nothing per
request, and a log line per request would measure the logging, not the XML-RPC.

Usage: python xmlrpc_server.py [PORT]   (default 0, a free port)
"""

import sys

from twisted.internet import reactor
from twisted.web import server, xmlrpc


class Multiplier(xmlrpc.XMLRPC):
    """The one method of the benchmark."""

    def xmlrpc_multiply(self, a, b):
        return a * b


class QuietSite(server.Site):
    """A Site without the access log."""

    def log(self, request):
        pass


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    listening = reactor.listenTCP(port, QuietSite(Multiplier()), interface="127.0.0.1")
    print(listening.getHost().port, flush=True)
    reactor.run()


if __name__ == "__main__":
    main()
