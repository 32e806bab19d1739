"""Limpet's framing is its own (issue 17; SPEC §6): whatever Content-Length or Transfer-Encoding
lines arrive, the message leaves with the one framing line Limpet's parse calls for, in both
directions, so no parser behind or in front of Limpet can read a list, a repeat, a leading zero or
an empty list element differently. Checked byte for byte by a backend that records what it received,
and by a raw client reading the response head as sent.

Also the RFC rules the same issue names: a 1xx never reaches an HTTP/1.0 client, a later HTTP/1
minor version is served as HTTP/1.1, and chunk sizes with many leading zeros are valid.
"""

import re
import threading

import pytest

from conftest import LoopbackBackend, server
from support import Conn

FRAMING = re.compile(rb"^(content-length|transfer-encoding)\s*:", re.IGNORECASE | re.MULTILINE)


class FramingBackend(LoopbackBackend):
    """Reads one request per connection (head, then the body as its own canonical framing says),
    records the bytes exactly as received, and answers with `response` (bytes)."""

    def __init__(self, response=b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"):
        self.response = response
        self.received = []
        self.arrived = threading.Condition()
        super().__init__()

    def _serve(self, c):
        data = b""
        try:
            c.settimeout(10)
            while b"\r\n\r\n" not in data:
                chunk = c.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            lowered = head.lower()
            if b"\r\ntransfer-encoding: chunked" in lowered:
                while not rest.endswith(b"0\r\n\r\n"):  # the last chunk, no trailers
                    chunk = c.recv(65536)
                    if not chunk:
                        break
                    rest += chunk
            else:
                m = re.search(rb"\r\ncontent-length: (\d+)", lowered)
                want = int(m.group(1)) if m else 0
                while len(rest) < want:
                    chunk = c.recv(65536)
                    if not chunk:
                        break
                    rest += chunk
            data = head + b"\r\n\r\n" + rest
            c.sendall(self.response)
        except OSError:
            pass
        finally:
            with self.arrived:
                self.received.append(data)
                self.arrived.notify_all()
            c.close()

    def take(self, timeout=10):
        with self.arrived:
            assert self.arrived.wait_for(lambda: self.received, timeout), "nothing reached the backend"
            return self.received.pop(0)


@pytest.fixture
def framing(make_limpet):
    made = []

    def make(response=None):
        backend = FramingBackend(response) if response else FramingBackend()
        limpet = make_limpet(
            {"http": {"routers": {"r": {"rule": "PathPrefix(`/`)", "service": "s"}},
                      "services": {"s": {"loadBalancer": {"servers": [server(backend.url)]}}}}})
        made.append(backend)
        return limpet, backend

    yield make
    for backend in made:
        backend.stop()


def framing_lines(head):
    return [line for line in head.split(b"\r\n") if FRAMING.match(line)]


def exchange(port, raw):
    with Conn(port, timeout=10) as c:
        c.send(raw)
        return c.read_response()


START = b"POST /framing HTTP/1.1\r\nHost: app.localhost\r\n"
LENGTH_CASES = {
    "list": b"Content-Length: 5, 5\r\n",
    "list-without-space": b"Content-Length: 5,5\r\n",
    "repeated-line": b"Content-Length: 5\r\nContent-Length: 5\r\n",
    "leading-zero": b"Content-Length: 5\r\nContent-Length: 05\r\n",
    "padded": b"Content-Length:   0005  \r\n",
    "lower-case-name": b"content-length: 5\r\n",
}
CHUNKED_CASES = {
    "leading-empty-element": b"Transfer-Encoding: ,chunked\r\n",
    "leading-empty-element-space": b"Transfer-Encoding: , chunked\r\n",
    "trailing-empty-element": b"Transfer-Encoding: chunked,\r\n",
    "upper-case": b"Transfer-Encoding: CHUNKED\r\n",
    "empty-line-then-chunked": b"Transfer-Encoding:\r\nTransfer-Encoding: chunked\r\n",
    "named-by-connection": b"Transfer-Encoding: chunked\r\nConnection: transfer-encoding\r\n",
}
CHUNKED_BODY = b"5\r\nhello\r\n0\r\n\r\n"


@pytest.mark.parametrize("case", list(LENGTH_CASES))
def test_request_content_length_is_canonical(framing, case):
    limpet, backend = framing()
    resp = exchange(limpet.port, START + LENGTH_CASES[case] + b"X-After: 1\r\n\r\nhello")
    assert resp.status == 200, resp
    got = backend.take()
    head, _, body = got.partition(b"\r\n\r\n")
    assert framing_lines(head) == [b"Content-Length: 5"], head
    assert body == b"hello"
    assert b"\r\nX-After: 1\r\n" in head


@pytest.mark.parametrize("case", list(CHUNKED_CASES))
def test_request_transfer_encoding_is_canonical(framing, case):
    limpet, backend = framing()
    resp = exchange(limpet.port, START + CHUNKED_CASES[case] + b"\r\n" + CHUNKED_BODY)
    assert resp.status == 200, resp
    head, _, body = backend.take().partition(b"\r\n\r\n")
    assert framing_lines(head) == [b"Transfer-Encoding: chunked"], head
    assert body == CHUNKED_BODY


def test_request_without_body_has_no_framing_line(framing):
    limpet, backend = framing()
    resp = exchange(limpet.port, b"GET /framing HTTP/1.1\r\nHost: app.localhost\r\n\r\n")
    assert resp.status == 200, resp
    head, _, body = backend.take().partition(b"\r\n\r\n")
    assert framing_lines(head) == [], head
    assert body == b""


def test_chunk_size_with_many_leading_zeros_is_accepted(framing):
    limpet, backend = framing()
    body = b"0" * 40 + b"5\r\nhello\r\n" + b"0" * 20 + b"\r\n\r\n"
    resp = exchange(limpet.port, START + b"Transfer-Encoding: chunked\r\n\r\n" + body)
    assert resp.status == 200, resp
    _, _, received = backend.take().partition(b"\r\n\r\n")
    assert received == body


@pytest.mark.parametrize("received, sent", [
    (b"Content-Length: 2, 2", b"Content-Length: 2"),
    (b"Content-Length: 2\r\nContent-Length: 02", b"Content-Length: 2"),
    (b"Transfer-Encoding: chunked,", b"Transfer-Encoding: chunked"),
    (b"Transfer-Encoding: , Chunked", b"Transfer-Encoding: chunked"),
])
def test_response_framing_is_canonical(framing, received, sent):
    chunked = b"chunked" in received.lower()
    body = b"2\r\nok\r\n0\r\n\r\n" if chunked else b"ok"
    limpet, _ = framing(b"HTTP/1.1 200 OK\r\n" + received + b"\r\nServer: raw\r\n\r\n" + body)
    resp = exchange(limpet.port, b"GET /r HTTP/1.1\r\nHost: app.localhost\r\n\r\n")
    assert resp.status == 200, resp
    assert resp.body == b"ok"
    assert framing_lines(resp.raw_head) == [sent], resp.raw_head


def test_response_with_another_transfer_coding_is_a_bad_gateway(framing):
    """`gzip, chunked` cannot be passed on as plain chunked framing; Traefik (Go's client) answers 502 too."""
    limpet, _ = framing(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
    resp = exchange(limpet.port, b"GET /r HTTP/1.1\r\nHost: app.localhost\r\n\r\n")
    assert resp.status == 502, resp
    assert "transfer coding other than chunked" in limpet.log_text()


def test_no_interim_response_for_an_http10_client(framing):
    """RFC 9110 §15.2: a 1xx is never sent to an HTTP/1.0 client; the final response still is."""
    limpet, _ = framing(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    with Conn(limpet.port, timeout=10) as c:
        c.send(b"GET /old HTTP/1.0\r\nHost: app.localhost\r\nConnection: keep-alive\r\n\r\n")
        resp = c.read_response(allow_interim=True)
    assert resp.status == 200, resp
    assert resp.body == b"ok"


def test_interim_response_still_reaches_an_http11_client(framing):
    limpet, _ = framing(b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    with Conn(limpet.port, timeout=10) as c:
        c.send(b"GET /new HTTP/1.1\r\nHost: app.localhost\r\n\r\n")
        first = c.read_response(allow_interim=True)
        assert first.status == 103, first
        final = c.read_response()
    assert final.status == 200 and final.body == b"ok", final


def test_later_http1_minor_version_is_served_as_http11(framing):
    """RFC 9110 §6.2: `HTTP/1.2` is processed as HTTP/1.1, not refused with 505."""
    limpet, backend = framing()
    resp = exchange(limpet.port, b"GET /v HTTP/1.2\r\nHost: app.localhost\r\n\r\n")
    assert resp.status == 200, resp
    assert resp.version == "1.1"
    assert backend.take().startswith(b"GET /v HTTP/1.1\r\n")
