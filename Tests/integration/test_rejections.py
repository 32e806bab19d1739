"""Malformed and ambiguous requests are refused with the exact status, the connection is
closed, and not one byte reaches the backend (SPEC §6)."""

import pytest

from support import Conn, get

START = b"POST /reject HTTP/1.1\r\nHost: rec.localhost\r\n"
GET_START = b"GET /reject HTTP/1.1\r\nHost: rec.localhost\r\n"

CASES = {
    "content-length-and-transfer-encoding": (400, START + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    "transfer-encoding-chunked-then-gzip": (400, START + b"Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"),
    "transfer-encoding-gzip-only": (400, START + b"Transfer-Encoding: gzip\r\n\r\nhello"),
    "transfer-encoding-in-http10": (400, b"POST /reject HTTP/1.0\r\nHost: rec.localhost\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    "differing-content-lengths": (400, START + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
    "differing-content-length-list": (400, START + b"Content-Length: 5, 6\r\n\r\nhello!"),
    "content-length-not-a-number": (400, START + b"Content-Length: abc\r\n\r\n"),
    "content-length-negative": (400, START + b"Content-Length: -1\r\n\r\n"),
    "content-length-plus-sign": (400, START + b"Content-Length: +5\r\n\r\nhello"),
    "bad-chunk-size": (400, START + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"),
    "bad-chunk-extension": (400, START + b"Transfer-Encoding: chunked\r\n\r\n5;\x01\r\nhello\r\n0\r\n\r\n"),
    "chunk-missing-crlf": (400, START + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n"),
    "whitespace-before-colon": (400, GET_START + b"X-Foo : bar\r\n\r\n"),
    "obs-fold": (400, GET_START + b"X-Foo: bar\r\n baz\r\n\r\n"),
    "nul-in-value": (400, GET_START + b"X-Foo: a\x00b\r\n\r\n"),
    "cr-in-value": (400, GET_START + b"X-Foo: a\rb\r\n\r\n"),
    "bad-header-name": (400, GET_START + b"X@Foo: 1\r\n\r\n"),
    "header-without-colon": (400, GET_START + b"X-Foo bar\r\n\r\n"),
    "bad-method": (400, b"G(ET /reject HTTP/1.1\r\nHost: rec.localhost\r\n\r\n"),
    "missing-host-http11": (400, b"GET /reject HTTP/1.1\r\nX-Route: rec\r\n\r\n"),
    "duplicate-host": (400, GET_START + b"Host: rec.localhost\r\n\r\n"),
    "unknown-transfer-coding": (501, START + b"Transfer-Encoding: x-custom, chunked\r\n\r\n0\r\n\r\n"),
    "gzip-then-chunked": (501, START + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
    "fragment-in-target": (400, b"GET /reject#top HTTP/1.1\r\nHost: rec.localhost\r\n\r\n"),
    "fragment-after-query": (400, b"GET /reject?a=1#top HTTP/1.1\r\nHost: rec.localhost\r\n\r\n"),
    "absolute-form-without-host": (400, b"GET http://rec.localhost/reject HTTP/1.1\r\n\r\n"),
}


def assert_rejected(port, recorder, raw, status):
    with Conn(port, timeout=10) as c:
        c.send(raw)
        resp = c.read_response()
        assert resp.status == status, f"expected {status}, got {resp.status}: {resp}"
        closed, extra = c.wait_closed(timeout=10)
        assert closed, "the connection stayed open after a rejection"
        assert not extra, f"bytes after the rejection: {extra[:200]!r}"
    # Barrier: a valid request through the same route reaches the recorder, so anything the
    # rejected request had caused to be sent would have arrived by now on a one-worker Limpet.
    control = get(port, "/control", host="rec.localhost", headers=[("Connection", "close")])
    assert control.status == 200 and control.header("X-Recorder") == "1", control
    data = recorder.data()
    assert b"/reject" not in data, f"the rejected request reached the backend: {data[:300]!r}"
    assert data.startswith(b"GET /control HTTP/1.1\r\n") and data.count(b" HTTP/1.") == 1, \
        f"the backend received more than the control request: {data[:300]!r}"


@pytest.mark.parametrize("case", list(CASES))
def test_rejected(stack, case):
    status, raw = CASES[case]
    assert_rejected(stack.port, stack.backends.rec, raw, status)


def test_request_line_longer_than_buffer_414(small_stack):
    raw = b"GET /reject?" + b"a" * 5000 + b" HTTP/1.1\r\nHost: rec.localhost\r\n\r\n"
    assert_rejected(small_stack.port, small_stack.backends.rec, raw, 414)


def test_head_longer_than_buffer_431(small_stack):
    pad = b"".join(b"X-Pad-%d: %s\r\n" % (i, b"v" * 100) for i in range(60))
    raw = GET_START + pad + b"\r\n"
    assert_rejected(small_stack.port, small_stack.backends.rec, raw, 431)


def test_head_just_under_buffer_accepted(small_stack):
    pad = b"".join(b"X-Pad-%d: %s\r\n" % (i, b"v" * 100) for i in range(25))  # ~3 KiB
    with Conn(small_stack.port) as c:
        c.send(b"GET /fits HTTP/1.1\r\nHost: plain.localhost\r\n" + pad + b"\r\n")
        r = c.read_response()
        assert r.status == 200, r
        assert "X-Pad-24: " + "v" * 100 in r.text


def test_valid_request_reaches_recorder(stack):
    """Positive control for the checks above: the recorder does see forwarded requests."""
    r = get(stack.port, "/seen", host="rec.localhost")
    assert r.status == 200 and r.text == "recorded"
    assert stack.backends.rec.data().startswith(b"GET /seen HTTP/1.1\r\n")
