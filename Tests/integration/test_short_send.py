"""A server that answers before it has read the request (issue 13, item 2).

Limpet sends the request head upstream and, to save a loop round trip, reads the response at the
same time. When the head does not fit the upstream socket's send buffer its send completes short and
the rest is sent later, from the same buffer. A server that answers at once (an early 413, a 401
before the body, a broken server) then has its response head rewritten by Limpet *while part of the
request head is still unsent*. The request head and the response head must never share memory:
the upstream must receive exactly the request head, byte for byte, and the client exactly the
response.

The short send is forced: `engine.upstreamSendBuffer` makes Limpet's upstream socket's send buffer
small, the server's receive buffer is small too and it does not read until it has answered, and the
request head is far larger than both.
"""

import socket
import threading
import time

from conftest import LoopbackBackend, server
from support import Conn, build_request

BIG = 48 * 1024  # request header value: far more than both socket buffers hold
RESPONSE_HEADERS = 40  # 1 KiB each: the rewritten response head covers the unsent part of the request head


class EarlyAnswerBackend(LoopbackBackend):
    """Answers each connection at once, with a long response head, and reads the request head only
    afterwards; records what it read."""

    def __init__(self):
        self.heads = []
        self.done = threading.Event()
        super().__init__()
        # Inherited by accepted sockets: a small window, so the request head stays in Limpet's socket.
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)

    def response(self):
        lines = [b"HTTP/1.1 200 OK", b"Content-Length: 5", b"Connection: close"]
        lines += [b"X-Early-%02d: %s" % (i, (b"%02d" % i) * 500) for i in range(RESPONSE_HEADERS)]
        return b"\r\n".join(lines) + b"\r\n\r\nearly"

    def _serve(self, c):
        try:
            c.settimeout(20)
            c.sendall(self.response())
            time.sleep(0.5)  # Limpet has the whole response before it can send the rest of the request
            head = self.read_head(c)
            with self.lock:
                self.heads.append(head)
        except OSError as e:
            with self.lock:
                self.heads.append(e)
        finally:
            self.done.set()
            c.close()


def test_request_head_survives_an_answer_that_arrives_before_it_is_sent(make_limpet):
    backend = EarlyAnswerBackend()
    try:
        limpet = make_limpet(
            {"http": {"routers": {"early": {"rule": "PathPrefix(`/`)", "service": "early"}},
                      "services": {"early": {"loadBalancer": {"servers": [server(backend.url)]}}}}},
            engine_extra={"bufferSize": "128KiB", "upstreamSendBuffer": "4KiB"})
        big = b"b" * BIG
        with Conn(limpet.port, timeout=20) as c:
            c.send(build_request("GET", "/short-send", host="early.localhost", headers=[("X-Big", big.decode())]))
            resp = c.read_response()
        assert resp.status == 200, resp
        assert resp.body == b"early", resp
        for i in range(RESPONSE_HEADERS):
            assert resp.header(f"X-Early-{i:02d}") == f"{i:02d}" * 500, f"response header {i} damaged"

        assert backend.done.wait(20), "the backend never finished reading the request head"
        with backend.lock:
            head = backend.heads[0]
        assert isinstance(head, bytes), f"the backend did not receive a whole request head: {head!r}"
        assert head.startswith(b"GET /short-send HTTP/1.1\r\n"), head[:200]
        assert b"\r\nX-Big: " + big + b"\r\n" in head, "the request header reached the server damaged"
        assert b"X-Early-" not in head and b"HTTP/1.1 200" not in head, \
            "response bytes were sent to the server as part of the request head"
    finally:
        backend.stop()
