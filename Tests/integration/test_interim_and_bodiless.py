"""`100 Continue`, and responses without a body: HEAD, 204, 304 (SPEC §6)."""

import os

from support import Conn, build_request, parse_whoami, sha256


def test_expect_100_continue(stack):
    body = os.urandom(300_000)
    head = build_request("POST", "/continue", headers=[("Expect", "100-continue"),
                                                       ("Content-Length", str(len(body)))])
    with Conn(stack.port, timeout=15) as c:
        c.send(head)
        # Nothing of the body has been sent: the only way forward is a 100 from the backend.
        interim = c.read_response(allow_interim=True)
        assert interim.status == 100, f"expected 100 Continue before the body, got {interim}"
        assert interim.version == "1.1"
        c.send(body)
        final = c.read_response()
        assert final.status == 200, final
        info = parse_whoami(final.text)
        assert info["sha256"] == sha256(body)
        assert info["length"] == len(body)
        assert [v for k, v in info["headers"] if k.lower() == "expect"] == ["100-continue"]
        # And the connection carries on.
        r = c.request("GET", "/after-continue")
        assert r.status == 200


def test_expect_100_continue_chunked(stack):
    body = os.urandom(70_000)
    head = build_request("POST", "/echo", headers=[("Expect", "100-continue"),
                                                   ("Transfer-Encoding", "chunked")])
    with Conn(stack.port, timeout=15) as c:
        c.send(head)
        interim = c.read_response(allow_interim=True)
        assert interim.status == 100, interim
        c.send(b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
        final = c.read_response()
        assert final.status == 200, final
        assert final.body == body


def test_head_has_headers_but_no_body(stack):
    with Conn(stack.port) as c:
        r = c.request("HEAD", "/data?size=123456")
        assert r.status == 200, r
        assert r.header("Content-Length") == "123456"
        assert not c.buf, f"bytes after a HEAD response: {bytes(c.buf[:100])!r}"
        # If any body byte had been sent the next response would be garbled.
        r2 = c.request("GET", "/after-head")
        assert r2.status == 200
        assert parse_whoami(r2.text)["request_line"] == "GET /after-head HTTP/1.1"


def test_head_of_chunked_response(stack):
    with Conn(stack.port) as c:
        r = c.request("HEAD", "/data?size=5000&chunked=1")
        assert r.status == 200, r
        r2 = c.request("GET", "/after-head-chunked")
        assert r2.status == 200
        assert parse_whoami(r2.text)["request_line"] == "GET /after-head-chunked HTTP/1.1"


def test_204_and_304_have_no_body(stack):
    with Conn(stack.port) as c:
        for code in (204, 304):
            r = c.request("GET", f"/status?code={code}")
            assert r.status == code, r
            assert not r.header_all("Transfer-Encoding"), f"{code} must not be chunked: {r.headers}"
            r2 = c.request("GET", f"/after-{code}")
            assert r2.status == 200
            assert parse_whoami(r2.text)["request_line"] == f"GET /after-{code} HTTP/1.1"


def test_other_status_passes_through(stack):
    with Conn(stack.port) as c:
        for code in (201, 404, 418, 500, 503):
            r = c.request("GET", f"/status?code={code}")
            assert r.status == code, r
            assert r.whoami_name == stack.backends.a.name, "the status must come from the backend"
