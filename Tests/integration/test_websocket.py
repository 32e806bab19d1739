"""WebSocket through the 101, and stickiness on Upgrade requests (SPEC §5.1, §6)."""

import os
import socket

from websockets.sync.client import connect

from support import Conn, build_request, parse_set_cookie, sticky_value


def ws_connect(port, host, path="/ws", headers=None):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    # The URI's host becomes the Host header (port ignored by Host matching); the socket
    # itself goes to Limpet on 127.0.0.1.
    return connect(f"ws://{host}:{port}{path}", sock=sock, additional_headers=headers,
                   compression=None, proxy=None, open_timeout=10, close_timeout=5,
                   max_size=None)


def test_websocket_echo_text_and_binary(stack):
    with ws_connect(stack.port, "plain.localhost") as ws:
        assert ws.response.status_code == 101
        assert ws.response.headers.get("X-Whoami-Name") == stack.backends.a.name
        ws.send("hello through limpet")
        assert ws.recv(timeout=10) == "hello through limpet"
        blob = os.urandom(200_000)
        ws.send(blob)
        assert ws.recv(timeout=10) == blob
        for i in range(20):
            ws.send(f"message {i}")
        assert [ws.recv(timeout=10) for _ in range(20)] == [f"message {i}" for i in range(20)]


def test_websocket_sticky_cookie_set_on_101_and_honoured(stack):
    by_value = {sticky_value(stack.backends.a.url): stack.backends.a.name,
                sticky_value(stack.backends.b.url): stack.backends.b.name}
    with ws_connect(stack.port, "lb.localhost") as ws:
        assert ws.response.status_code == 101
        cookies = ws.response.headers.get_all("Set-Cookie")
        ours = [parse_set_cookie(c) for c in cookies if c.startswith("lb=")]
        assert len(ours) == 1, f"the 101 should set the sticky cookie once: {cookies}"
        name, value, attrs = ours[0]
        assert value in by_value, f"cookie value {value!r} names no server"
        first = ws.response.headers.get("X-Whoami-Name")
        assert first == by_value[value], "the cookie does not name the server that answered"
        ws.send("ping?")
        assert ws.recv(timeout=10) == "ping?"

    # Replays stick to the same server even though, without the cookie, round robin
    # would alternate between the two servers.
    for _ in range(6):
        with ws_connect(stack.port, "lb.localhost", headers={"Cookie": f"lb={value}"}) as ws:
            assert ws.response.status_code == 101
            assert ws.response.headers.get("X-Whoami-Name") == first
            assert not [c for c in ws.response.headers.get_all("Set-Cookie") if c.startswith("lb=")], \
                "a valid cookie must not be set again"
            ws.send(b"\x00\x01binary")
            assert ws.recv(timeout=10) == b"\x00\x01binary"


def test_other_upgrade_raw_tunnel(stack):
    """A non-WebSocket upgrade is tunnelled too: whoami echoes raw bytes after the 101."""
    req = build_request("GET", "/tunnel", headers=[("Connection", "Upgrade"), ("Upgrade", "x-echo")])
    with Conn(stack.port, timeout=10) as c:
        c.send(req)
        resp = c.read_head()
        assert resp.status == 101, resp
        payload = os.urandom(100_000)
        c.send(payload)
        got = bytearray(c.buf)
        c.buf.clear()
        while len(got) < len(payload):
            chunk = c.sock.recv(65536)
            assert chunk, f"tunnel closed after {len(got)} bytes"
            got += chunk
        assert bytes(got) == payload
        c.sock.shutdown(socket.SHUT_WR)
        closed, extra = c.wait_closed()
        assert closed and not extra, "the tunnel should close once the client has closed its side"
