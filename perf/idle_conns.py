#!/usr/bin/env python3
"""Open N keep-alive connections to a proxy, send one small GET on each, read the answer,
then hold every connection open and idle.

Prints `READY <opened> <failed>` on stdout once all connections are idle, then holds them
until the process is terminated (SIGTERM); the kernel closes them.
Used by perf/run.sh to measure resident memory per idle connection.
"""
import socket
import sys
import time


def read_response(sock):
    """Reads one response head and its Content-Length body; returns the status code."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before response head")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed inside response body")
        rest += chunk
    return status


def main():
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    request = f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    sockets, failed = [], 0
    for _ in range(count):
        try:
            sock = socket.create_connection((host, port), timeout=10)
            sock.sendall(request)
            if read_response(sock) >= 400:
                failed += 1
            sockets.append(sock)
        except OSError as error:
            failed += 1
            if failed <= 3:
                print(f"connection {len(sockets) + failed}: {error!r}", file=sys.stderr, flush=True)
            if failed > count // 10:
                break
    print(f"READY {len(sockets)} {failed}", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
