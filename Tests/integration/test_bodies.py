"""Bodies of every size and framing arrive intact, in both directions (SPEC §6)."""

import os

import pytest

from support import Conn, pattern_sha256, sha256, upload, parse_whoami

KiB = 1024
MiB = 1024 * 1024
SIZES = [0, 1 * KiB, 1 * MiB, 100 * MiB]
IDS = ["0B", "1KiB", "1MiB", "100MiB"]
# Odd piece sizes so that chunk boundaries fall everywhere relative to Limpet's buffers.
CHUNK_SIZES = [1, 7, 4093, 16 * KiB + 3, 64 * KiB, 300 * KiB + 11, 1 * MiB]


def assert_still_usable(conn):
    """The connection can carry another request after the body (framing was respected)."""
    resp = conn.request("GET", "/after-body")
    assert resp.status == 200, resp
    assert parse_whoami(resp.text)["request_line"] == "GET /after-body HTTP/1.1"


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_upload_content_length(body_stack, size):
    with Conn(body_stack.port, timeout=60) as c:
        resp, sent_sha = upload(c, "POST", "/upload", "plain.localhost", size)
        assert resp.status == 200, resp
        info = parse_whoami(resp.text)
        assert info["length"] == size
        assert info["sha256"] == sent_sha
        assert_still_usable(c)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_upload_chunked(body_stack, size):
    with Conn(body_stack.port, timeout=60) as c:
        resp, sent_sha = upload(c, "POST", "/upload", "plain.localhost", size, chunked=True,
                                chunk_sizes=CHUNK_SIZES)
        assert resp.status == 200, resp
        info = parse_whoami(resp.text)
        assert info["length"] == size
        assert info["sha256"] == sent_sha
        assert_still_usable(c)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_download_content_length(body_stack, size):
    with Conn(body_stack.port, timeout=60) as c:
        resp = c.request("GET", f"/data?size={size}", keep_body=size <= MiB)
        assert resp.status == 200, resp
        assert resp.header("Content-Length") == str(size)
        assert resp.body_length == size
        assert resp.body_sha256 == pattern_sha256(size)
        assert_still_usable(c)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_download_chunked(body_stack, size):
    with Conn(body_stack.port, timeout=60) as c:
        resp = c.request("GET", f"/data?size={size}&chunked=1", keep_body=size <= MiB)
        assert resp.status == 200, resp
        assert resp.framing in ("chunked", "length"), f"an HTTP/1.1 response lost its framing: {resp}"
        assert resp.body_length == size
        assert resp.body_sha256 == pattern_sha256(size)
        assert_still_usable(c)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_download_close_delimited(body_stack, size):
    with Conn(body_stack.port, timeout=60) as c:
        resp = c.request("GET", f"/data?size={size}&close=1", keep_body=size <= MiB)
        assert resp.status == 200, resp
        assert resp.body_length == size
        assert resp.body_sha256 == pattern_sha256(size)
        if resp.framing == "close":
            closed, extra = c.wait_closed()
            assert closed and not extra
        else:  # re-framed for the client: the connection must still work
            assert_still_usable(c)


def test_echo_content_length_1mib(body_stack):
    with Conn(body_stack.port, timeout=60) as c:
        resp, sent_sha = upload(c, "POST", "/echo", "plain.localhost", MiB)
        assert resp.status == 200, resp
        assert resp.body_length == MiB
        assert resp.body_sha256 == sent_sha
        assert_still_usable(c)


def test_echo_chunked_1mib(body_stack):
    """Chunked in both directions at once: whoami echoes each chunk as it arrives."""
    with Conn(body_stack.port, timeout=60) as c:
        resp, sent_sha = upload(c, "POST", "/echo", "plain.localhost", MiB, chunked=True,
                                chunk_sizes=CHUNK_SIZES)
        assert resp.status == 200, resp
        assert resp.body_length == MiB
        assert resp.body_sha256 == sent_sha
        assert_still_usable(c)


def test_small_random_body_exact_bytes(body_stack):
    body = os.urandom(1000) + b"\r\n\r\nGET / HTTP/1.1\r\n\r\n"  # request-like bytes inside a body
    with Conn(body_stack.port) as c:
        resp = c.request("POST", "/echo", body=body)
        assert resp.status == 200, resp
        assert resp.body == body
        resp = c.request("POST", "/upload", body=body)
        info = parse_whoami(resp.text)
        assert info["sha256"] == sha256(body)
        assert info["length"] == len(body)
