"""Holds many idle connections open on an echo server, for its memory.

Opens N connections to HOST:PORT one after the other, sends one short message on each,
reads its echo back and checks it, and keeps the connection. Then it prints ``ready N``
and holds them all, idle, until its standard input closes (or a line arrives) or HOLD
seconds have passed, whichever is first; then it closes them and prints ``held N`` with
the number the server had not closed meanwhile.

benches/compare-echo reads the server's resident memory before and after ``ready``.

Usage: python3 idle_connections.py HOST PORT [--connections N] [--hold SECONDS]
Exit status: 0 when every connection was echoed and stayed open, 1 otherwise.
"""

import argparse
import resource
import select
import socket
import sys
import time

TIMEOUT = 5.0


def read_exactly(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed before the whole echo came back")
        data += chunk
    return data


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
    args = parser.parse_args()

    # One descriptor per connection, and a few to spare.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = args.connections + 64
    if soft != resource.RLIM_INFINITY and soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            sys.exit(f"idle_connections: {args.connections} connections need {wanted} "
                     f"descriptors; the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))

    sockets = []
    try:
        for i in range(args.connections):
            sock = socket.create_connection((args.host, args.port), timeout=TIMEOUT)
            sockets.append(sock)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            message = f"hello {i}\n".encode()
            sock.sendall(message)
            echo = read_exactly(sock, len(message))
            if echo != message:
                sys.exit(f"idle_connections: connection {i}: sent {message!r}, got {echo!r}")
        print(f"ready {len(sockets)}", flush=True)

        deadline = time.monotonic() + args.hold
        while (left := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([sys.stdin], [], [], left)
            if readable:
                break
        held = sum(1 for sock in sockets if still_open(sock))
        print(f"held {held}", flush=True)
        return 0 if held == args.connections else 1
    except (OSError, ValueError) as error:
        print(f"idle_connections: after {len(sockets)} connections: {error}", file=sys.stderr)
        return 1
    finally:
        for sock in sockets:
            sock.close()


if __name__ == "__main__":
    sys.exit(main())
