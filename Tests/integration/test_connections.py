"""Persistent connections, pipelining, HTTP/1.0 and several workers (SPEC §6, §7.1)."""

import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

import conftest
from conftest import standard_dynamic
from support import Closed, Conn, build_request, get, parse_whoami, pattern_sha256


def remote_port(resp):
    info = parse_whoami(resp.text)
    assert info["remote"], f"whoami did not report RemoteAddr: {resp.text!r}"
    return info["remote"].rsplit(":", 1)[1]


def test_keep_alive_reuses_client_and_upstream_connections(stack):
    n = 8
    with Conn(stack.port) as c:
        ports = []
        for i in range(n):
            resp = c.request("GET", f"/ka/{i}")
            assert resp.status == 200, resp
            assert "close" not in resp.tokens("Connection"), resp
            info = parse_whoami(resp.text)
            assert info["request_line"] == f"GET /ka/{i} HTTP/1.1"
            ports.append(remote_port(resp))
        assert c.is_open(), "Limpet closed a keep-alive connection after answering"
    # One upstream connection would do; anything less than one per request proves pooling.
    assert len(set(ports)) < n, f"every request used a new upstream connection: {ports}"


def test_upstream_pool_is_shared_across_client_connections(stack):
    n = 8
    ports = []
    for i in range(n):
        resp = get(stack.port, f"/pool/{i}")
        assert resp.status == 200, resp
        ports.append(remote_port(resp))
    assert len(set(ports)) < n, f"no upstream connection was reused across clients: {ports}"


def test_pipelined_requests_answered_in_order(stack):
    reqs = (build_request("GET", "/pipe/1")
            + build_request("POST", "/pipe/2", body=b"hello pipelined body")
            + build_request("GET", "/pipe/3"))
    with Conn(stack.port) as c:
        c.send(reqs)  # one write
        for i in (1, 2, 3):
            resp = c.read_response()
            assert resp.status == 200, resp
            info = parse_whoami(resp.text)
            method = "POST" if i == 2 else "GET"
            assert info["request_line"] == f"{method} /pipe/{i} HTTP/1.1", f"response {i} out of order"
            if i == 2:
                assert info["length"] == len(b"hello pipelined body")
        assert c.is_open()
        assert c.request("GET", "/pipe/after").status == 200


def test_pipelined_requests_to_different_services(stack):
    reqs = (build_request("GET", "/a", host="rr.localhost")
            + build_request("GET", "/b", host="nope.localhost")
            + build_request("GET", "/c", host="plain.localhost"))
    with Conn(stack.port) as c:
        c.send(reqs)
        r1, r2, r3 = c.read_response(), c.read_response(), c.read_response()
        assert r1.status == 200 and parse_whoami(r1.text)["request_line"] == "GET /a HTTP/1.1"
        assert r2.status == 404 and r2.text.strip() == "404 page not found"
        assert r3.status == 200 and parse_whoami(r3.text)["request_line"] == "GET /c HTTP/1.1"


def test_http10_request_answered_and_closed(stack):
    with Conn(stack.port) as c:
        resp = c.request("GET", "/ten", version="HTTP/1.0")
        assert resp.status == 200, resp
        assert parse_whoami(resp.text)["request_line"] == "GET /ten HTTP/1.0", "asked upstream in the client's version"
        closed, extra = c.wait_closed()
        assert closed and not extra, "an HTTP/1.0 connection without keep-alive must close"


def test_http10_keep_alive(stack):
    with Conn(stack.port) as c:
        for i in range(3):
            resp = c.request("GET", f"/ten-ka/{i}", version="HTTP/1.0",
                             headers=[("Connection", "keep-alive")])
            assert resp.status == 200, resp
            assert resp.framing == "length", "a 1.0 keep-alive response needs a Content-Length"


@pytest.mark.parametrize("size", [1000, 3 * 1024 * 1024], ids=["1KB", "3MiB"])
def test_http10_client_never_gets_chunked_framing(stack, size):
    """whoami's /data?chunked=1 answers HTTP/1.1 chunked, HTTP/1.0 close-delimited. An HTTP/1.0 client cannot
    read chunked framing (RFC 9112 §6.1), so the request goes upstream in HTTP/1.0 and the body comes back
    whole and plain, ended by the close."""
    with Conn(stack.port, timeout=60) as c:
        resp = c.request("GET", f"/data?size={size}&chunked=1", version="HTTP/1.0",
                         headers=[("Connection", "keep-alive")])
        assert resp.status == 200, resp
        assert resp.framing == "close", f"an HTTP/1.0 client got {resp.framing} framing"
        assert resp.body_length == size
        assert resp.body_sha256 == pattern_sha256(size)
        closed, extra = c.wait_closed()
        assert closed and not extra


def test_client_connection_close_honoured(stack):
    with Conn(stack.port) as c:
        resp = c.request("GET", "/bye", headers=[("Connection", "close")])
        assert resp.status == 200
        closed, extra = c.wait_closed()
        assert closed and not extra


def _listening_inodes(port):
    inodes = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.append(inode)
    return inodes


def _socket_inodes(pid):
    out = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink() if hasattr(fd, "readlink") else Path(fd).resolve()
        except OSError:
            continue
        t = str(target)
        if t.startswith("socket:["):
            out.add(t[len("socket:["):-1])
    return out


def test_two_workers_two_reuseport_listeners(make_limpet, backends):
    limpet = make_limpet(standard_dynamic(backends.a, backends.b, backends.rec, backends.dead_url),
                         workers=2)
    listening = _listening_inodes(limpet.port)
    assert len(listening) == 2, f"expected 2 listening sockets on port {limpet.port}, found {listening}"
    owned = _socket_inodes(limpet.pid)
    assert set(listening) <= owned, "the listening sockets do not belong to limpet"

    results = []
    lock = threading.Lock()

    def client(i):
        try:
            with Conn(limpet.port, timeout=30) as c:
                for j in range(3):
                    resp = c.request("GET", f"/w/{i}/{j}", host="rr.localhost")
                    ok = resp.status == 200 and parse_whoami(resp.text)["request_line"] == f"GET /w/{i}/{j} HTTP/1.1"
                    with lock:
                        results.append(ok)
        except (OSError, AssertionError) as e:
            with lock:
                results.append(repr(e))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    bad = [r for r in results if r is not True]
    assert len(results) == 64 * 3 and not bad, f"{len(bad)} failures of {len(results)}: {bad[:5]}"


def test_ipv6_loopback_entry_point(make_limpet, backends):
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        pytest.skip("::1 is not configured")
    limpet = make_limpet(standard_dynamic(backends.a, backends.b, backends.rec, backends.dead_url),
                         start=False)
    # Listen on [::1] as well as 127.0.0.1 with a second entry point.
    port6 = conftest.free_port()
    limpet.static["entryPoints"]["web6"] = {"address": f"[::1]:{port6}"}
    limpet.config_path.write_text(conftest.dump_yaml(limpet.static))
    limpet.start()
    conftest.wait_listening(port6, limpet.proc, limpet.log_path, what="limpet [::1]", host="::1")
    with Conn(port6, host="::1") as c:
        resp = c.request("GET", "/v6")
        assert resp.status == 200, resp
        info = parse_whoami(resp.text)
        xff = [v for k, v in info["headers"] if k.lower() == "x-forwarded-for"]
        assert xff == ["::1"], f"X-Forwarded-For for an IPv6 client: {xff}"


def _server_state(port, client):
    """The TCP state of the server end of the connection from `client` (a socket) to 127.0.0.1:port (`ss`)."""
    client_port = client.getsockname()[1]
    out = subprocess.run(["ss", "-Htan", "state", "all", f"( sport = :{port} and dport = :{client_port} )"],
                         capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


@pytest.mark.parametrize("defer_accept", ["5s", "0s"])
def test_silent_connection_holds_no_slot_until_it_speaks(make_limpet, backends, defer_accept):
    """engine.deferAccept: a client that connects and sends nothing stays with the kernel, not in one of
    Limpet's connection slots, so with maxConnections: 1 the next client is still served; it is accepted
    and answered as soon as it speaks. With deferAccept: 0s the silent client takes the only slot."""
    limpet = make_limpet(standard_dynamic(backends.a, backends.b, backends.rec, backends.dead_url),
                         engine_extra={"maxConnections": 1, "deferAccept": defer_accept})
    time.sleep(0.3)  # the start-up probe's connection (connect, close) has left its slot
    with Conn(limpet.port) as silent:
        time.sleep(0.3)  # time enough for Limpet to accept it, were it handed over
        state = _server_state(limpet.port, silent.sock)
        if defer_accept == "0s":
            assert state == ["ESTAB"], f"server side of the silent connection: {state}"
            # The slot is taken: Limpet accepts the next connection and closes it unanswered.
            with Conn(limpet.port) as c, pytest.raises((Closed, OSError)):
                c.send(build_request("GET", "/second", host="rr.localhost"))
                c.read_response()
        else:
            assert state == ["SYN-RECV"], f"server side of the silent connection: {state}"
            with Conn(limpet.port) as c:
                resp = c.request("GET", "/second", host="rr.localhost")
                assert resp.status == 200, resp
                assert parse_whoami(resp.text)["request_line"] == "GET /second HTTP/1.1"
            time.sleep(0.3)  # the second connection has closed: its slot is free again
        # Whether it waited with the kernel or in the slot, the silent client is answered once it speaks.
        resp = silent.request("GET", "/silent", host="rr.localhost")
        assert resp.status == 200, resp
        assert parse_whoami(resp.text)["request_line"] == "GET /silent HTTP/1.1"
