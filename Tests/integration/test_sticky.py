"""Traefik-compatible sticky cookies (SPEC §5.1)."""

import re

from support import (Conn, default_cookie_name, fnv1a64_hex, get, parse_set_cookie,
                     sticky_value)


def limpet_cookies(resp, name):
    return [parse_set_cookie(v) for v in resp.header_all("Set-Cookie") if v.split("=", 1)[0] == name]


def test_cookie_naming_helpers_match_the_spec():
    # Guards the test suite's own expectations against the SPEC's worked examples.
    assert default_cookie_name("app@file") == "_fb0b0"
    assert default_cookie_name("whoami@docker") == "_633ff"
    assert sticky_value("http://127.0.0.1:8081") == "08d5f409490f61fc"


def test_first_request_sets_cookie_and_replays_stick(stack):
    a, b = stack.backends.a, stack.backends.b
    resp = get(stack.port, "/", host="lb.localhost")
    assert resp.status == 200, resp
    raw = [v for v in resp.header_all("Set-Cookie") if v.startswith("lb=")]
    assert len(raw) == 1, f"expected one Set-Cookie for lb: {resp.header_all('Set-Cookie')}"
    assert re.fullmatch(r"lb=[0-9a-f]{16}; Path=/; HttpOnly", raw[0]), raw[0]
    value = parse_set_cookie(raw[0])[1]
    chosen = resp.whoami_name
    expected = {a.name: sticky_value(a.url), b.name: sticky_value(b.url)}
    assert expected[chosen] == value, "cookie value is not hex(sha256(url))[:16] of the chosen server"

    with Conn(stack.port) as c:  # 25 on one connection, 25 on fresh ones
        for _ in range(25):
            r = c.request("GET", "/", host="lb.localhost", headers=[("Cookie", f"lb={value}")])
            assert r.status == 200
            assert r.whoami_name == chosen
            assert not r.header_all("Set-Cookie"), f"Set-Cookie on a valid replay: {r.headers}"
    for _ in range(25):
        r = get(stack.port, "/", host="lb.localhost", headers=[("Cookie", f"other=1; lb={value}; x=y")])
        assert r.status == 200
        assert r.whoami_name == chosen
        assert not r.header_all("Set-Cookie"), f"Set-Cookie on a valid replay: {r.headers}"


def test_both_servers_pinnable(stack):
    for backend in (stack.backends.a, stack.backends.b):
        for _ in range(5):
            r = get(stack.port, "/", host="lb.localhost",
                    headers=[("Cookie", f"lb={sticky_value(backend.url)}")])
            assert r.whoami_name == backend.name
            assert not r.header_all("Set-Cookie")


def test_unknown_cookie_value_is_rechosen(stack):
    a, b = stack.backends.a, stack.backends.b
    r = get(stack.port, "/", host="lb.localhost", headers=[("Cookie", "lb=0123456789abcdef")])
    assert r.status == 200
    cookies = limpet_cookies(r, "lb")
    assert len(cookies) == 1, f"an unknown value must be replaced: {r.headers}"
    assert cookies[0][1] == {a.name: sticky_value(a.url), b.name: sticky_value(b.url)}[r.whoami_name]


def test_legacy_raw_url_value_pins_and_is_rewritten(stack):
    b = stack.backends.b
    for _ in range(3):
        r = get(stack.port, "/", host="lb.localhost", headers=[("Cookie", f"lb={b.url}")])
        assert r.status == 200
        assert r.whoami_name == b.name, "the raw-URL cookie must pin its server"
        cookies = limpet_cookies(r, "lb")
        assert len(cookies) == 1 and cookies[0][1] == sticky_value(b.url), \
            f"the legacy value must be rewritten to the sha256 form: {r.headers}"


def test_legacy_fnv_value_pins_and_is_rewritten(stack):
    a = stack.backends.a
    for _ in range(3):
        r = get(stack.port, "/", host="lb.localhost", headers=[("Cookie", f"lb={fnv1a64_hex(a.url)}")])
        assert r.whoami_name == a.name, "the FNV-1a cookie must pin its server"
        cookies = limpet_cookies(r, "lb")
        assert len(cookies) == 1 and cookies[0][1] == sticky_value(a.url), r.headers


def test_without_cookie_servers_alternate(stack):
    names = []
    with Conn(stack.port) as c:
        for _ in range(10):
            r = c.request("GET", "/", host="lb.localhost")
            assert r.status == 200
            assert len(limpet_cookies(r, "lb")) == 1, "each balancer choice sets the cookie"
            names.append(r.whoami_name)
    assert set(names) == {stack.backends.a.name, stack.backends.b.name}
    assert all(x != y for x, y in zip(names, names[1:])), f"not round robin: {names}"


def test_round_robin_without_sticky(stack):
    names = [get(stack.port, "/", host="rr.localhost").whoami_name for _ in range(10)]
    assert all(x != y for x, y in zip(names, names[1:])), f"not round robin: {names}"
    r = get(stack.port, "/", host="rr.localhost")
    assert not r.header_all("Set-Cookie"), "a service without sticky must not set cookies"


def test_default_cookie_name(stack):
    r = get(stack.port, "/", host="app.localhost")
    assert r.status == 200
    cookies = r.header_all("Set-Cookie")
    assert len(cookies) == 1, cookies
    name, value, attrs = parse_set_cookie(cookies[0])
    assert name == "_fb0b0"
    assert attrs.get("path") == "/"
    chosen = r.whoami_name
    for _ in range(10):
        r2 = get(stack.port, "/x", host="app.localhost", headers=[("Cookie", f"_fb0b0={value}")])
        assert r2.whoami_name == chosen and not r2.header_all("Set-Cookie")
    # A cookie of another service's name is not ours: the balancer chooses and sets _fb0b0.
    r3 = get(stack.port, "/", host="app.localhost", headers=[("Cookie", f"lb={value}")])
    assert [parse_set_cookie(v)[0] for v in r3.header_all("Set-Cookie")] == ["_fb0b0"]


def test_backend_set_cookie_passes_through(stack):
    r = get(stack.port, "/set-cookie?name=session&value=abc123", host="lb.localhost")
    assert r.status == 200
    cookies = r.header_all("Set-Cookie")
    assert "session=abc123" in cookies, f"backend's Set-Cookie lost: {cookies}"
    assert len(limpet_cookies(r, "lb")) == 1, f"Limpet's Set-Cookie missing: {cookies}"
    value = limpet_cookies(r, "lb")[0][1]
    # On a valid replay only the backend's cookie is there.
    r2 = get(stack.port, "/set-cookie?name=session&value=xyz", host="lb.localhost",
             headers=[("Cookie", f"lb={value}")])
    assert r2.header_all("Set-Cookie") == ["session=xyz"]
    assert r2.whoami_name == r.whoami_name


def test_cookie_header_forwarded_to_backend(stack):
    """The client's Cookie header (including the sticky cookie) reaches the backend."""
    a = stack.backends.a
    r = get(stack.port, "/", host="lb.localhost",
            headers=[("Cookie", f"lb={sticky_value(a.url)}; user=42")])
    info = r.whoami()
    cookies = [v for k, v in info["headers"] if k.lower() == "cookie"]
    assert cookies == [f"lb={sticky_value(a.url)}; user=42"]


def test_cookie_attributes(make_limpet, backends):
    def svc(cookie):
        return {"loadBalancer": {"servers": [{"url": backends.a.url}], "sticky": {"cookie": cookie}}}
    dyn = {"http": {
        "routers": {"full": {"rule": "Host(`full.localhost`)", "service": "full"},
                    "neg": {"rule": "Host(`neg.localhost`)", "service": "neg"}},
        "services": {
            "full": svc({"name": "my cookie", "secure": True, "httpOnly": True, "sameSite": "LAX",
                         "maxAge": 60, "path": "/app", "domain": ".example.com"}),
            "neg": svc({"name": "n", "maxAge": -1, "sameSite": "bogus"}),
        }}}
    limpet = make_limpet(dyn)
    r = get(limpet.port, "/app/x", host="full.localhost")
    assert r.status == 200
    cookies = r.header_all("Set-Cookie")
    assert len(cookies) == 1, cookies
    name, value, attrs = parse_set_cookie(cookies[0])
    assert name == "my_cookie", "the configured name must be sanitised"
    assert value == sticky_value(backends.a.url)
    assert attrs == {"path": "/app", "domain": "example.com", "max-age": "60", "httponly": True,
                     "secure": True, "samesite": "Lax"}, cookies[0]
    # The sanitised name is the one honoured on requests.
    r2 = get(limpet.port, "/app/x", host="full.localhost", headers=[("Cookie", f"my_cookie={value}")])
    assert not r2.header_all("Set-Cookie")

    r = get(limpet.port, "/", host="neg.localhost")
    name, value, attrs = parse_set_cookie(r.header("Set-Cookie"))
    assert name == "n"
    assert attrs == {"path": "/", "max-age": "0"}, r.header("Set-Cookie")


def test_pinned_server_unreachable_is_502_not_moved(make_limpet, backends):
    """No health check: a cookie naming an unreachable server gets 502, no silent move (SPEC §5.1)."""
    dyn = {"http": {"routers": {"p": {"rule": "Host(`p.localhost`)", "service": "p"}},
                    "services": {"p": {"loadBalancer": {
                        "servers": [{"url": backends.a.url}, {"url": backends.dead_url}],
                        "sticky": {"cookie": {"name": "pin"}}}}}}}
    limpet = make_limpet(dyn)
    for _ in range(3):
        r = get(limpet.port, "/", host="p.localhost", headers=[("Cookie", f"pin={sticky_value(backends.dead_url)}")])
        assert r.status == 502, r
        assert not [c for c in r.header_all("Set-Cookie") if c.startswith("pin=")], \
            "the session must not be moved silently"
    r = get(limpet.port, "/", host="p.localhost", headers=[("Cookie", f"pin={sticky_value(backends.a.url)}")])
    assert r.status == 200 and r.whoami_name == backends.a.name
