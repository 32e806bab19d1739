"""Timeouts on client connections and graceful shutdown (SPEC §6, §7.4)."""

import os
import signal
import socket
import threading
import time

from conftest import GatedBackend, standard_dynamic
from support import Conn, PatternSource, build_request, get, wait_until


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


def _write_timeout_limpet(make_limpet, backends, timeout="1s"):
    return make_limpet(standard_dynamic(backends.a, backends.b, backends.rec, backends.dead_url),
                       entry_extra={"transport": {"respondingTimeouts": {"writeTimeout": timeout}}})


def test_write_timeout_answers_504_when_the_backend_is_too_slow(make_limpet, backends):
    limpet = _write_timeout_limpet(make_limpet, backends)
    with Conn(limpet.port, timeout=15) as c:
        started = time.monotonic()
        r = c.request("GET", "/slow?ms=4000")
        took = time.monotonic() - started
        assert r.status == 504, r
        assert took < 3.5, f"the 504 came {took:.1f}s after the request, not at the 1s writeTimeout"
        closed, extra = c.wait_closed()
        assert closed and not extra
    assert "not written within writeTimeout: answered 504" in limpet.log_text()
    assert get(limpet.port, "/").status == 200


def test_write_timeout_cuts_a_response_the_client_stops_reading(make_limpet, backends):
    """64 MiB is more than every buffer between the backend and the client: once the client stops reading,
    the response cannot be written whole, and at the timeout the connection closes with the body cut short."""
    limpet = _write_timeout_limpet(make_limpet, backends)
    size = 64 * 1024 * 1024
    with Conn(limpet.port, timeout=15) as c:
        c.send(build_request("GET", f"/data?size={size}"))
        head = c.read_head()
        assert head.status == 200, head
        time.sleep(3)  # not reading
        got = len(c.buf)
        c.buf.clear()
        while True:
            try:
                chunk = c.sock.recv(1 << 20)
            except ConnectionResetError:
                break
            if not chunk:
                break
            got += len(chunk)
        assert got < size, "the whole body arrived although the client stopped reading past writeTimeout"
    assert "not written within writeTimeout: connection closed" in limpet.log_text()


def test_write_timeout_spares_idle_keep_alive_and_tunnels(make_limpet, backends):
    """The timeout runs from a request's head to the end of its response: not while a keep-alive connection
    waits for its next request, and not over a tunnel after its 101."""
    limpet = _write_timeout_limpet(make_limpet, backends)
    with Conn(limpet.port, timeout=15) as c:
        assert c.request("GET", "/first").status == 200
        time.sleep(2)
        assert c.is_open(), "an idle keep-alive connection was closed by writeTimeout"
        assert c.request("GET", "/second").status == 200
    with Conn(limpet.port, timeout=15) as c:
        c.send(build_request("GET", "/tunnel", headers=[("Connection", "Upgrade"), ("Upgrade", "x-echo")]))
        assert c.read_head().status == 101
        time.sleep(2)
        c.send(b"still here")
        got = bytearray(c.buf)
        while len(got) < len(b"still here"):
            chunk = c.sock.recv(1024)
            assert chunk, "the tunnel was closed by writeTimeout"
            got += chunk
        assert bytes(got) == b"still here"


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


def _gated_limpet(make_limpet, backends, gated, **kw):
    dyn = standard_dynamic(backends.a, backends.b, backends.rec, backends.dead_url)
    dyn["http"]["routers"]["gated"] = {"rule": "Host(`gated.localhost`)", "service": "gated"}
    dyn["http"]["services"]["gated"] = {"loadBalancer": {"servers": [{"url": gated.url}]}}
    return make_limpet(dyn, **kw)


def _refuses_connections(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return False
    except OSError:
        return True


def test_sigterm_refuses_new_connections_while_finishing(make_limpet, backends):
    """requestAcceptGraceTimeout 0: the listener closes at once, the in-flight request still completes
    (its response says Connection: close), and the process exits 0 when it is done."""
    gated = GatedBackend()
    try:
        limpet = _gated_limpet(make_limpet, backends, gated)
        result = {}

        def in_flight():
            with Conn(limpet.port, timeout=30) as c:
                result["resp"] = c.request("GET", "/", host="gated.localhost")

        t = threading.Thread(target=in_flight)
        t.start()
        assert gated.arrived.wait(10)
        limpet.exit_expected = True
        limpet.proc.send_signal(signal.SIGTERM)
        wait_until(lambda: _refuses_connections(limpet.port), timeout=5,
                   message="new connections to be refused after SIGTERM")
        assert limpet.alive(), "limpet must wait for the in-flight request"
        gated.release.set()
        t.join(30)
        assert result["resp"].status == 200 and result["resp"].body == b"gated"
        assert limpet.proc.wait(15) == 0
    finally:
        gated.stop()


def test_sigterm_accept_grace_keeps_serving_then_stops(make_limpet, backends):
    """requestAcceptGraceTimeout: new connections are still served (one request each, Connection: close)
    for that long; then they are refused."""
    gated = GatedBackend()
    try:
        limpet = _gated_limpet(make_limpet, backends, gated, entry_extra={
            "transport": {"lifeCycle": {"requestAcceptGraceTimeout": "2s", "graceTimeOut": "10s"}}})
        t = threading.Thread(target=lambda: get(limpet.port, "/", host="gated.localhost", ))
        t.start()
        assert gated.arrived.wait(10)
        limpet.exit_expected = True
        sent = time.monotonic()
        limpet.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        r = get(limpet.port, "/")
        assert r.status == 200 and r.header("Connection") == "close", r
        wait_until(lambda: _refuses_connections(limpet.port), timeout=6,
                   message="the listener to close after the accept grace")
        assert time.monotonic() - sent >= 1.5, "the listener closed before requestAcceptGraceTimeout"
        gated.release.set()
        t.join(30)
        assert limpet.proc.wait(15) == 0
    finally:
        gated.stop()


def test_sigterm_grace_covers_upload_and_tunnel_then_ends(make_limpet, backends):
    """A long upload and an open WebSocket both go on after SIGTERM; the upload completes intact, the
    tunnel works until graceTimeOut, then the process exits 0 anyway."""
    from websockets.sync.client import connect

    limpet = make_limpet(standard_dynamic(backends.a, backends.b, backends.rec, backends.dead_url),
                         entry_extra={"transport": {"lifeCycle": {"graceTimeOut": "3s"}}})
    sock = socket.create_connection(("127.0.0.1", limpet.port), timeout=10)
    with connect(f"ws://plain.localhost:{limpet.port}/ws", sock=sock, compression=None, proxy=None,
                 open_timeout=10, close_timeout=2) as ws:
        ws.send("before")
        assert ws.recv(timeout=10) == "before"

        size = 64 << 20
        src = PatternSource(size)
        with Conn(limpet.port, timeout=30) as c:
            c.sock.sendall(build_request("POST", "/upload", "plain.localhost", [("Content-Length", str(size))],
                                         None))
            pieces = src.pieces()
            sent = 0
            while sent < 16 << 20:  # more than socket buffers hold: Limpet has accepted it and is streaming
                piece = next(pieces)
                c.sock.sendall(piece)
                sent += len(piece)
            limpet.exit_expected = True
            started = time.monotonic()
            limpet.proc.send_signal(signal.SIGTERM)
            ws.send("during")
            assert ws.recv(timeout=10) == "during", "an open tunnel must keep working within graceTimeOut"
            for piece in pieces:
                c.sock.sendall(piece)
            r = c.read_response()
            assert r.status == 200 and r.whoami()["sha256"] == src.hexdigest(), "the upload was cut by the shutdown"
        ws.send("after the upload")
        assert ws.recv(timeout=10) == "after the upload"
        assert limpet.proc.wait(15) == 0
        assert time.monotonic() - started < 8, "graceTimeOut was not enforced"


def test_sigusr1_reopens_log_file(make_limpet, backends, tmp_path):
    log_file = tmp_path / "limpet-own.log"
    limpet = make_limpet(standard_dynamic(backends.a, backends.b, backends.rec, backends.dead_url),
                         static_extra={"log": {"filePath": str(log_file), "level": "INFO"}})
    wait_until(lambda: log_file.exists() and "serving" in log_file.read_text(), timeout=5,
               message="start-up lines in log.filePath")
    rotated = tmp_path / "limpet-own.log.1"
    os.rename(log_file, rotated)  # what logrotate does
    limpet.proc.send_signal(signal.SIGUSR1)
    wait_until(lambda: log_file.exists(), timeout=5, message="SIGUSR1 to create the log file again")
    limpet.reload()
    wait_until(lambda: "reloaded" in log_file.read_text(), timeout=5,
               message="new lines to go to the reopened file")
    assert "reloaded" not in rotated.read_text()


def test_second_limpet_on_a_busy_port_refuses_to_start(make_limpet, backends, tmp_path):
    """SO_REUSEPORT lets any process of the same user join a listening port: a second (or stale) Limpet used
    to start silently and take about half of the new connections, with its own configuration. It must refuse,
    name the entry point and the address, and leave the first one serving every connection (issue 17)."""
    import subprocess

    from conftest import Limpet, dump_yaml

    dyn = standard_dynamic(backends.a, backends.b, backends.rec, backends.dead_url)
    first = make_limpet(dyn)
    second = Limpet(first.binary, tmp_path / "second", first.io, dyn)
    for address in (f"127.0.0.1:{first.port}", f":{first.port}"):
        second.static["entryPoints"]["web"]["address"] = address
        second.config_path.write_text(dump_yaml(second.static))
        run = subprocess.run([str(second.binary), "run", "--config", str(second.config_path)], cwd=second.dir,
                             stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        output = run.stdout + run.stderr
        assert run.returncode != 0, f"a second limpet started on a busy port ({address}): {output}"
        assert "entry point web: cannot listen on" in output and "address already in use by another process" in output, output
    # Every connection still reaches the first Limpet, the only one listening.
    for _ in range(20):
        assert get(first.port, "/", headers=[("Connection", "close")]).status == 200
    assert first.alive()


def test_port_is_free_again_after_a_limpet_stops(make_limpet, backends):
    """The check above does not hold the port: a Limpet restarted on the same port starts at once."""
    dyn = standard_dynamic(backends.a, backends.b, backends.rec, backends.dead_url)
    limpet = make_limpet(dyn)
    limpet.stop()
    limpet.start()
    assert get(limpet.port, "/").status == 200
