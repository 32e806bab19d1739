"""Timeouts on client connections and graceful shutdown (SPEC §6, §7.4)."""

import signal
import threading

from conftest import GatedBackend, standard_dynamic
from support import Conn, get


def test_read_timeout_408(make_limpet, backends):
    limpet = make_limpet(standard_dynamic(backends.a, backends.b, backends.rec, backends.dead_url),
                         entry_extra={"transport": {"respondingTimeouts": {"readTimeout": "1s"}}})
    with Conn(limpet.port, timeout=15) as c:
        c.send(b"GET /partial HTTP/1.1\r\nHost: plain.localhost\r\nX-Half: ")  # never finished
        r = c.read_response()
        assert r.status == 408, r
        closed, extra = c.wait_closed()
        assert closed and not extra
    assert get(limpet.port, "/").status == 200


def test_idle_timeout_closes_keep_alive(make_limpet, backends):
    limpet = make_limpet(standard_dynamic(backends.a, backends.b, backends.rec, backends.dead_url),
                         entry_extra={"transport": {"respondingTimeouts": {"idleTimeout": "1s"}}})
    with Conn(limpet.port, timeout=15) as c:
        assert c.request("GET", "/").status == 200
        closed, extra = c.wait_closed(timeout=15)
        assert closed, "an idle keep-alive connection outlived idleTimeout"
        assert not extra, f"unexpected bytes on an idle connection: {extra!r}"


def test_sigterm_lets_in_flight_request_finish(make_limpet, backends):
    gated = GatedBackend()
    try:
        dyn = standard_dynamic(backends.a, backends.b, backends.rec, backends.dead_url)
        dyn["http"]["routers"]["gated"] = {"rule": "Host(`gated.localhost`)", "service": "gated"}
        dyn["http"]["services"]["gated"] = {"loadBalancer": {"servers": [{"url": gated.url}]}}
        limpet = make_limpet(dyn)
        idle = Conn(limpet.port, timeout=15)
        assert idle.request("GET", "/").status == 200
        result = {}

        def in_flight():
            try:
                with Conn(limpet.port, timeout=30) as c:
                    result["resp"] = c.request("GET", "/gated", host="gated.localhost")
            except Exception as e:  # noqa: BLE001 - reported below
                result["error"] = e

        t = threading.Thread(target=in_flight)
        t.start()
        assert gated.arrived.wait(10), "the request never reached the backend"
        limpet.exit_expected = True
        limpet.proc.send_signal(signal.SIGTERM)
        closed, _ = idle.wait_closed(timeout=10)
        assert closed, "idle connections close at once on SIGTERM"
        gated.release.set()
        t.join(30)
        assert "error" not in result, f"the in-flight request failed during shutdown: {result.get('error')!r}"
        assert result["resp"].status == 200 and result["resp"].body == b"gated"
        assert limpet.proc.wait(15) == 0, "limpet should exit 0 after a graceful shutdown"
    finally:
        gated.stop()
