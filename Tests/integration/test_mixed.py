"""Mixed traffic: bodies around the splice threshold, pipelining with large bodies, many
concurrent clients on one loop, clients that vanish mid-transfer (SPEC §6, §7.3)."""

import os
import random
import threading

import pytest

from support import (Conn, build_request, get, parse_whoami, pattern_sha256, sha256, upload)

KiB = 1024
MiB = 1024 * 1024


@pytest.mark.parametrize("size", [64 * KiB - 1, 64 * KiB, 64 * KiB + 1, 16 * KiB, 16 * KiB + 1])
def test_sizes_around_splice_threshold_and_buffer(stack, size):
    with Conn(stack.port) as c:
        body = os.urandom(size)
        r = c.request("POST", "/echo", body=body)
        assert r.status == 200 and r.body == body
        r = c.request("GET", f"/data?size={size}")
        assert r.body_length == size and r.body_sha256 == pattern_sha256(size)
        r = c.request("GET", f"/data?size={size}&chunked=1")
        assert r.body_length == size and r.body_sha256 == pattern_sha256(size)


def test_pipelined_large_bodies(stack):
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
    with Conn(stack.port) as c:
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


def test_many_concurrent_clients_one_worker(stack):
    errors = []
    lock = threading.Lock()

    def client(i):
        try:
            with Conn(stack.port, timeout=60) as c:
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


def test_clients_vanishing_mid_transfer(stack):
    for _ in range(5):
        c = Conn(stack.port)
        c.send(build_request("GET", f"/data?size={100 * MiB}"))
        c.read_head()
        got = len(c.buf)
        while got < MiB:
            chunk = c.sock.recv(65536)
            assert chunk, "download closed early"
            got += len(chunk)
        c.close()  # abandon a download
        c = Conn(stack.port)
        c.send(build_request("POST", "/abandoned", headers=[("Content-Length", str(100 * MiB))]))
        c.send(os.urandom(MiB))
        c.close()  # abandon an upload
    # Everything still works, including large transfers on the same backends.
    for size in (0, MiB, 10 * MiB):
        r = get(stack.port, f"/data?size={size}", keep_body=False)
        assert r.body_length == size and r.body_sha256 == pattern_sha256(size)
    with Conn(stack.port) as c:
        r, sent = upload(c, "POST", "/after", "plain.localhost", 10 * MiB)
        assert parse_whoami(r.text)["sha256"] == sent
