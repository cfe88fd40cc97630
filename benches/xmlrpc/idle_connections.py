"""Holds many idle keep-alive connections open on an XML-RPC server, for its memory.

Opens N connections to HOST:PORT one after the other, sends one ``multiply(6, 7)`` call
on each as HTTP/1.1 with keep-alive (the body xmlrpc.client writes), reads each answer
and checks it (status 200, ``<int>42</int>``), and keeps the connection. Then it prints
``ready N`` and holds them all, idle, until its standard input closes (or a line
arrives) or HOLD seconds have passed, whichever is first; then it closes them and
prints ``held N`` with the number the server had not closed meanwhile.

benches/compare-xmlrpc reads the server's resident memory before and after ``ready``.

Usage: python3 idle_connections.py HOST PORT [--connections N] [--hold SECONDS] [--path P]
Exit status: 0 when every connection was answered and stayed open, 1 otherwise.
"""

import argparse
import resource
import select
import socket
import sys
import time
import xmlrpc.client

TIMEOUT = 5.0


def request_bytes(host, port, path):
    body = xmlrpc.client.dumps((6, 7), "multiply").encode()
    head = (
        f"POST {path} HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        "Content-Type: text/xml\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    )
    return head.encode() + body


def read_response(sock):
    """One HTTP response, by its Content-Length: (status, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed before the response's headers")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed before the end of the response's body")
        body += chunk
    return status, body


def still_open(sock):
    """Whether the server has not closed the connection (nothing to read, no EOF)."""
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return True
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except OSError:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--hold", type=float, default=20.0)
    parser.add_argument("--path", default="/RPC2")
    args = parser.parse_args()

    # One descriptor per connection, and a few to spare.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = args.connections + 64
    if soft != resource.RLIM_INFINITY and soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            sys.exit(f"idle_connections: {args.connections} connections need {wanted} "
                     f"descriptors; the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))

    request = request_bytes(args.host, args.port, args.path)
    sockets = []
    try:
        for i in range(args.connections):
            sock = socket.create_connection((args.host, args.port), timeout=TIMEOUT)
            sockets.append(sock)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(request)
            status, body = read_response(sock)
            if status != 200 or b"<int>42</int>" not in body:
                sys.exit(f"idle_connections: connection {i}: status {status}, body {body[:200]!r}")
        print(f"ready {len(sockets)}", flush=True)

        deadline = time.monotonic() + args.hold
        while (left := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([sys.stdin], [], [], left)
            if readable:
                break
        held = sum(1 for sock in sockets if still_open(sock))
        print(f"held {held}", flush=True)
        return 0 if held == args.connections else 1
    except (OSError, ValueError, IndexError) as error:
        print(f"idle_connections: after {len(sockets)} connections: {error}", file=sys.stderr)
        return 1
    finally:
        for sock in sockets:
            sock.close()


if __name__ == "__main__":
    sys.exit(main())
