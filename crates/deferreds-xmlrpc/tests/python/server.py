"""Python's SimpleXMLRPCServer, as the peer of the Rust Proxy in tests/interop.rs.

Prints its port on the first line, then serves until its standard input closes (the
test dropped it, or died) or a minute has passed. With `--auth USER:PASSWORD` every
request must carry that HTTP Basic authorization.
"""

import base64
import os
import socketserver
import sys
import threading
import time
import xmlrpc.client
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

# Never outlive the test, whatever happens to it.
threading.Timer(60, lambda: os._exit(3)).start()

auth = None
if sys.argv[1:2] == ["--auth"]:
    auth = "Basic " + base64.b64encode(sys.argv[2].encode()).decode()

state = threading.local()
connections = 0
connections_lock = threading.Lock()


class Handler(SimpleXMLRPCRequestHandler):
    # HTTP/1.1 keeps connections open between requests, so reuse can be seen.
    protocol_version = "HTTP/1.1"
    rpc_paths = ("/RPC2",)

    def setup(self):
        global connections
        super().setup()
        with connections_lock:
            connections += 1

    def do_POST(self):
        given = self.headers.get("Authorization")
        if auth is not None and given != auth:
            # Read the body, so the connection can carry the next request.
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="test"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        state.peer_port = self.client_address[1]
        state.user = None
        if given is not None:
            state.user = base64.b64decode(given.split(" ", 1)[1]).decode().split(":", 1)[0]
        super().do_POST()

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, SimpleXMLRPCServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that hung up on purpose (cancel, timeout) is no error here.
        pass


def echo(value):
    return value


def describe(value):
    """What Python made of the value: its type and repr."""
    return "%s %r" % (type(value).__name__, value)


def fail(code, text):
    raise xmlrpc.client.Fault(code, text)


def crash():
    raise ValueError("bad input")


def sleep(seconds):
    time.sleep(seconds)
    return "slept"


def peer():
    """The client's port: the same for calls on one connection."""
    return state.peer_port


def connection_count():
    with connections_lock:
        return connections


def whoami():
    return state.user or ""


def multiply(a, b):
    return a * b


server = Server(
    ("127.0.0.1", 0),
    Handler,
    allow_none=True,
    logRequests=False,
    use_builtin_types=True,
)
server.register_introspection_functions()
server.register_multicall_functions()
for function in (echo, describe, fail, crash, sleep, peer, connection_count, whoami, multiply):
    server.register_function(function)

print(server.server_address[1], flush=True)


def exit_with_stdin():
    sys.stdin.read()
    os._exit(0)


threading.Thread(target=exit_with_stdin, daemon=True).start()
server.serve_forever()
