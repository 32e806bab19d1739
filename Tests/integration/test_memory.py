"""Resident memory stays bounded while 1 GiB streams through (SPEC §6: no body is ever
buffered whole)."""

import hashlib
import threading

import pytest

from conftest import standard_dynamic
from support import Conn, build_request, parse_whoami, pattern_sha256, upload

GiB = 1 << 30
MiB = 1 << 20
LIMIT_KIB = 32 * 1024


class RssSampler:
    def __init__(self, limpet, interval=0.02):
        self.limpet = limpet
        self.interval = interval
        self.peak = limpet.rss_kib()
        self.samples = 0
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stop_event.is_set():
            try:
                self.peak = max(self.peak, self.limpet.rss_kib())
                self.samples += 1
            except (OSError, RuntimeError):
                return
            self.stop_event.wait(self.interval)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *a):
        self.stop_event.set()
        self.thread.join(5)


@pytest.fixture
def mem_limpet(make_limpet, backends):
    limpet = make_limpet(standard_dynamic(backends.a, backends.b, backends.rec, backends.dead_url))
    # Warm up: the first transfers allocate buffers, pipes and pools that stay.
    with Conn(limpet.port, timeout=60) as c:
        for _ in range(2):
            r = c.request("GET", f"/data?size={8 * MiB}", keep_body=False)
            assert r.status == 200 and r.body_length == 8 * MiB
            r, _ = upload(c, "POST", "/warm", "plain.localhost", 8 * MiB)
            assert r.status == 200
    return limpet


@pytest.mark.slow
def test_rss_bounded_during_1gib_download(mem_limpet):
    limpet = mem_limpet
    baseline = limpet.rss_kib()
    h = hashlib.sha256()
    with Conn(limpet.port, timeout=60) as c, RssSampler(limpet) as sampler:
        c.send(build_request("GET", f"/data?size={GiB}"))
        resp = c.read_head()
        assert resp.status == 200, resp
        assert resp.header("Content-Length") == str(GiB)
        got = len(c.buf)
        h.update(c.buf)
        c.buf.clear()
        buf = bytearray(MiB)
        view = memoryview(buf)
        while got < GiB:
            n = c.sock.recv_into(view, min(MiB, GiB - got))
            assert n > 0, f"connection closed after {got} of {GiB} bytes"
            h.update(view[:n])
            got += n
    assert sampler.samples > 5
    growth = sampler.peak - baseline
    print(f"RSS baseline {baseline} KiB, peak {sampler.peak} KiB, growth {growth} KiB, {sampler.samples} samples")
    assert h.hexdigest() == pattern_sha256(GiB), "the 1 GiB download was corrupted"
    assert growth < LIMIT_KIB, f"RSS grew by {growth / 1024:.1f} MiB during a 1 GiB download"


@pytest.mark.slow
def test_rss_bounded_during_1gib_upload(mem_limpet):
    limpet = mem_limpet
    baseline = limpet.rss_kib()
    with Conn(limpet.port, timeout=60) as c, RssSampler(limpet) as sampler:
        resp, sent_sha = upload(c, "POST", "/big-upload", "plain.localhost", GiB)
    assert resp.status == 200, resp
    info = parse_whoami(resp.text)
    assert info["length"] == GiB
    assert info["sha256"] == sent_sha, "the 1 GiB upload was corrupted"
    assert sampler.samples > 5
    growth = sampler.peak - baseline
    print(f"RSS baseline {baseline} KiB, peak {sampler.peak} KiB, growth {growth} KiB, {sampler.samples} samples")
    assert growth < LIMIT_KIB, f"RSS grew by {growth / 1024:.1f} MiB during a 1 GiB upload"
