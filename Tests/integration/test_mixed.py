"""Mixed traffic: bodies around the splice threshold, pipelining with large bodies, many
concurrent clients on one loop, clients that vanish mid-transfer (SPEC §6, §7.3)."""

import os
import random
import threading

import pytest

from conftest import standard_dynamic
from support import (Conn, build_request, get, keep_asserting, parse_whoami, pattern_sha256, sha256, upload,
                     wait_until)

KiB = 1024
MiB = 1024 * 1024


@pytest.mark.parametrize("size", [64 * KiB - 1, 64 * KiB, 64 * KiB + 1, 16 * KiB, 16 * KiB + 1])
def test_sizes_around_splice_threshold_and_buffer(body_stack, size):
    with Conn(body_stack.port) as c:
        body = os.urandom(size)
        r = c.request("POST", "/echo", body=body)
        assert r.status == 200 and r.body == body
        r = c.request("GET", f"/data?size={size}")
        assert r.body_length == size and r.body_sha256 == pattern_sha256(size)
        r = c.request("GET", f"/data?size={size}&chunked=1")
        assert r.body_length == size and r.body_sha256 == pattern_sha256(size)


def test_pipelined_large_bodies(body_stack):
    """Large (spliced) bodies in the middle of a pipeline must not swallow the next request."""
    big = os.urandom(200 * KiB)
    chunked_body = os.urandom(100 * KiB)
    reqs = [
        build_request("GET", "/m/1"),
        build_request("POST", "/m/2", body=big),
        build_request("GET", "/m/3"),
        build_request("POST", "/m/4", headers=[("Transfer-Encoding", "chunked")])
        + b"%x\r\n" % len(chunked_body) + chunked_body + b"\r\n0\r\n\r\n",
        build_request("GET", f"/data?size={MiB}"),
        build_request("GET", "/m/6"),
    ]
    with Conn(body_stack.port) as c:
        sender = threading.Thread(target=c.send, args=(b"".join(reqs),))
        sender.start()
        rs = [c.read_response() for _ in reqs]
        sender.join(30)
    lines = [parse_whoami(r.text)["request_line"] if i != 4 else None for i, r in enumerate(rs)]
    assert lines[0] == "GET /m/1 HTTP/1.1"
    assert lines[1] == "POST /m/2 HTTP/1.1" and parse_whoami(rs[1].text)["sha256"] == sha256(big)
    assert lines[2] == "GET /m/3 HTTP/1.1"
    assert lines[3] == "POST /m/4 HTTP/1.1" and parse_whoami(rs[3].text)["sha256"] == sha256(chunked_body)
    assert rs[4].body_length == MiB and rs[4].body_sha256 == pattern_sha256(MiB)
    assert lines[5] == "GET /m/6 HTTP/1.1"


def test_many_concurrent_clients_one_worker(body_stack):
    errors = []
    lock = threading.Lock()

    def client(i):
        try:
            with Conn(body_stack.port, timeout=60) as c:
                for j in range(4):
                    size = random.Random(i * 100 + j).randint(0, 3 * MiB)
                    if (i + j) % 2:
                        r = c.request("GET", f"/data?size={size}" + ("&chunked=1" if j % 3 == 0 else ""),
                                      keep_body=False)
                        ok = r.body_length == size and r.body_sha256 == pattern_sha256(size)
                    else:
                        r, sent = upload(c, "POST", f"/c/{i}/{j}", "lb.localhost", size, chunked=j % 3 == 0)
                        info = parse_whoami(r.text)
                        ok = info["sha256"] == sent and info["request_line"] == f"POST /c/{i}/{j} HTTP/1.1"
                    if not ok:
                        raise AssertionError(f"client {i} request {j} (size {size}) corrupted")
        except Exception as e:  # noqa: BLE001 - collected and reported
            with lock:
                errors.append(repr(e))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, f"{len(errors)} of 32 clients failed: {errors[:5]}"


def test_clients_vanishing_mid_transfer(body_stack):
    for _ in range(5):
        c = Conn(body_stack.port)
        c.send(build_request("GET", f"/data?size={100 * MiB}"))
        c.read_head()
        got = len(c.buf)
        while got < MiB:
            chunk = c.sock.recv(65536)
            assert chunk, "download closed early"
            got += len(chunk)
        c.close()  # abandon a download
        c = Conn(body_stack.port)
        c.send(build_request("POST", "/abandoned", headers=[("Content-Length", str(100 * MiB))]))
        c.send(os.urandom(MiB))
        c.close()  # abandon an upload
    # Everything still works, including large transfers on the same backends.
    for size in (0, MiB, 10 * MiB):
        r = get(body_stack.port, f"/data?size={size}", keep_body=False)
        assert r.body_length == size and r.body_sha256 == pattern_sha256(size)
    with Conn(body_stack.port) as c:
        r, sent = upload(c, "POST", "/after", "plain.localhost", 10 * MiB)
        assert parse_whoami(r.text)["sha256"] == sent


def _pipes_open(pid):
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("pipe:")
        except OSError:
            pass  # closed meanwhile
    return count


@pytest.mark.parametrize("mode", ["auto", "never", "always"])
def test_splice_setting_decides_how_large_bodies_move(make_limpet, backends, mode):
    """`engine.splice`: `always` moves a large upload through pipes; `never`, and `auto` between
    loopback peers, through a copy buffer (no pipe is opened). Either way the body arrives whole."""
    b = backends
    limpet = make_limpet(standard_dynamic(b.a, b.b, b.rec, b.dead_url), engine_extra={"splice": mode})
    before = _pipes_open(limpet.proc.pid)
    body = os.urandom(4 * MiB)
    with Conn(limpet.port, timeout=30) as c:
        c.send(build_request("POST", "/paused", headers=[("Content-Length", str(len(body)))]))
        c.send(body[:MiB])
        if mode == "always":
            wait_until(lambda: _pipes_open(limpet.proc.pid) > before, message="a pipe opened for the body")
        else:
            def no_new_pipe():
                assert _pipes_open(limpet.proc.pid) == before
            keep_asserting(no_new_pipe, duration=0.5)
        c.send(body[MiB:])
        r = c.read_response()
    info = parse_whoami(r.text)
    assert r.status == 200 and info["length"] == len(body) and info["sha256"] == sha256(body)


def test_more_concurrent_large_bodies_than_copy_buffers(make_limpet, backends):
    """Copy buffers are bounded (64 per worker), so memory is too: with `splice: never`, 80 uploads
    held open mid-body at once take all 64 and the others splice (pipes open). Then they finish, and
    every body arrives whole."""
    b = backends
    limpet = make_limpet(standard_dynamic(b.a, b.b, b.rec, b.dead_url), engine_extra={"splice": "never"})
    before = _pipes_open(limpet.proc.pid)
    conns, bodies = [], []
    try:
        for i in range(80):
            body = random.Random(i).randbytes(512 * KiB)
            c = Conn(limpet.port, timeout=60)
            c.send(build_request("POST", f"/held/{i}", headers=[("Content-Length", str(len(body)))]))
            c.send(body[:300 * KiB])
            conns.append(c)
            bodies.append(body)
        wait_until(lambda: _pipes_open(limpet.proc.pid) > before, message="bodies past the 64th spliced")
        for c, body in zip(conns, bodies):
            c.send(body[300 * KiB:])
        for i, (c, body) in enumerate(zip(conns, bodies)):
            info = parse_whoami(c.read_response().text)
            assert info["request_line"] == f"POST /held/{i} HTTP/1.1" and info["sha256"] == sha256(body)
    finally:
        for c in conns:
            c.close()
