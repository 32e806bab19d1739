"""What reaches the backend: X-Forwarded-*, hop-by-hop removal (SPEC §6)."""

from conftest import standard_dynamic
from support import Conn, get, parse_whoami


def upstream_headers(resp):
    assert resp.status == 200, resp
    return parse_whoami(resp.text)["headers"]


def values(headers, name):
    return [v for k, v in headers if k.lower() == name.lower()]


def test_forwarded_headers_set(stack):
    h = upstream_headers(get(stack.port, "/fwd", host="plain.localhost", headers=[("X-Custom", "kept")]))
    assert values(h, "X-Forwarded-For") == ["127.0.0.1"]
    assert values(h, "X-Forwarded-Host") == ["plain.localhost"]
    assert values(h, "X-Forwarded-Proto") == ["http"]
    assert values(h, "X-Real-Ip") == ["127.0.0.1"]
    assert len(values(h, "X-Forwarded-Port")) == 1
    assert len(values(h, "X-Forwarded-Server")) == 1
    assert values(h, "X-Custom") == ["kept"]
    # passHostHeader defaults to true: the backend sees the client's Host.
    assert values(h, "Host") == ["plain.localhost"]


def test_untrusted_forwarded_headers_dropped(stack):
    h = upstream_headers(get(stack.port, "/fwd", headers=[
        ("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-Host", "evil.example"),
        ("X-Forwarded-Proto", "https"), ("X-Real-Ip", "6.6.6.6")]))
    assert values(h, "X-Forwarded-For") == ["127.0.0.1"], "a spoofed X-Forwarded-For was kept"
    assert values(h, "X-Forwarded-Host") == ["plain.localhost"]
    assert values(h, "X-Forwarded-Proto") == ["http"]
    assert values(h, "X-Real-Ip") == ["127.0.0.1"]


def test_trusted_forwarded_for_appended(make_limpet, backends):
    limpet = make_limpet(standard_dynamic(backends.a, backends.b, backends.rec, backends.dead_url),
                         entry_extra={"forwardedHeaders": {"trustedIPs": ["127.0.0.1/32"]}})
    h = upstream_headers(get(limpet.port, "/fwd", headers=[("X-Forwarded-For", "6.6.6.6")]))
    xff = values(h, "X-Forwarded-For")
    assert len(xff) == 1 and [p.strip() for p in xff[0].split(",")] == ["6.6.6.6", "127.0.0.1"], xff
    # Without an incoming header it is just the peer.
    h = upstream_headers(get(limpet.port, "/fwd"))
    assert values(h, "X-Forwarded-For") == ["127.0.0.1"]


def test_hop_by_hop_headers_not_forwarded(stack):
    with Conn(stack.port) as c:
        r = c.request("GET", "/hop", headers=[
            ("Connection", "keep-alive, X-Secret"), ("X-Secret", "1"), ("Keep-Alive", "timeout=5"),
            ("TE", "trailers"), ("Proxy-Connection", "keep-alive"), ("Trailer", "X-Trail"),
            ("X-Normal", "yes")])
        h = upstream_headers(r)
        names = {k.lower() for k, _ in h}
        for hop in ("x-secret", "keep-alive", "te", "proxy-connection", "trailer"):
            assert hop not in names, f"hop-by-hop header {hop} reached the backend: {h}"
        for v in values(h, "Connection"):
            assert "x-secret" not in v.lower()
        assert values(h, "X-Normal") == ["yes"]
        # The client connection is still keep-alive.
        assert c.request("GET", "/hop2").status == 200


def test_absolute_form_target_host(stack):
    """absolute-form targets take their host from the target (SPEC §6)."""
    with Conn(stack.port) as c:
        r = c.request("GET", "http://plain.localhost/abs?q=1", host="unknown.localhost")
        assert r.status == 200, r
        info = parse_whoami(r.text)
        method, target, _ = info["request_line"].split(" ")
        assert target.endswith("/abs?q=1")
