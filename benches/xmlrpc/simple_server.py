"""Python's standard library XML-RPC server in the shape benches/compare-xmlrpc measures.

``xmlrpc.server.SimpleXMLRPCServer`` publishing ``multiply(a, b)`` on 127.0.0.1. Prints
the port it listens on as the first line of its output, then serves until it is killed.

It is left as it ships except for two things that would otherwise measure the terminal
or the kernel rather than the server: no log line per request (``logRequests=False``),
and a listen backlog of 128 instead of 5, so that the benchmark's 16 connections, which
this HTTP/1.0 server closes after every response, are not refused while it is busy.
It serves one request at a time, on one thread.

Usage: python3 simple_server.py [PORT]   (default 0, a free port)
"""

import sys
from xmlrpc.server import SimpleXMLRPCServer


class Server(SimpleXMLRPCServer):
    request_queue_size = 128


def multiply(a, b):
    return a * b


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    with Server(("127.0.0.1", port), logRequests=False) as server:
        server.register_function(multiply)
        print(server.server_address[1], flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
