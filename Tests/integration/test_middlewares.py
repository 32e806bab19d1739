"""Middlewares of SPEC §4, each through the real proxy to a real whoami backend."""

import threading
import time

from support import Conn, get, parse_set_cookie, sticky_value, whoami_header


def router(rule, middlewares, service="app"):
    return {"rule": rule, "service": service, "middlewares": middlewares}


def config(backends, routers, middlewares, servers=None, sticky=False):
    lb = {"servers": [{"url": u} for u in (servers or [backends.a.url])]}
    if sticky:
        lb["sticky"] = {"cookie": {"name": "lb"}}
    return {"http": {"routers": routers, "services": {"app": {"loadBalancer": lb}},
                     "middlewares": middlewares}}


def request_line(resp):
    return resp.whoami()["request_line"]


def test_strip_and_add_prefix(make_limpet, backends):
    limpet = make_limpet(config(backends, {
        "strip": router("PathPrefix(`/api`)", ["strip"]),
        "add": router("PathPrefix(`/short`)", ["add"]),
        "both": router("PathPrefix(`/old`)", ["strip-old", "add"]),
    }, {
        "strip": {"stripPrefix": {"prefixes": ["/nope", "/api"]}},
        "strip-old": {"stripPrefix": {"prefixes": ["/old"]}},
        "add": {"addPrefix": {"prefix": "/v2"}},
    }))
    r = get(limpet.port, "/api/users?id=7", host="x.localhost")
    assert r.status == 200
    assert request_line(r) == "GET /users?id=7 HTTP/1.1"
    assert whoami_header(r.whoami(), "X-Forwarded-Prefix") == ["/api"]
    # The whole path stripped: the backend sees the root. A prefix that ends mid-segment still gets a slash.
    assert request_line(get(limpet.port, "/api", host="x.localhost")) == "GET / HTTP/1.1"
    assert request_line(get(limpet.port, "/apix", host="x.localhost")) == "GET /x HTTP/1.1"

    r = get(limpet.port, "/short/a", host="x.localhost")
    assert request_line(r) == "GET /v2/short/a HTTP/1.1"
    assert whoami_header(r.whoami(), "X-Forwarded-Prefix") == []

    # Chained in order: strip, then add.
    r = get(limpet.port, "/old/page?q=1", host="x.localhost")
    assert request_line(r) == "GET /v2/page?q=1 HTTP/1.1"


def test_custom_headers(make_limpet, backends):
    limpet = make_limpet(config(backends, {"h": router("PathPrefix(`/`)", ["h1", "h2"])}, {
        "h1": {"headers": {"customRequestHeaders": {"X-Env": "prod", "X-Drop-Me": "", "X-Replace": "first"},
                           "customResponseHeaders": {"X-Served-By": "limpet", "X-Whoami-Name": ""}}},
        "h2": {"headers": {"customRequestHeaders": {"x-replace": "second"}}},
    }))
    r = get(limpet.port, "/", host="h.localhost",
            headers=[("X-Drop-Me", "secret"), ("X-Replace", "client"), ("X-Keep", "yes")])
    assert r.status == 200
    info = r.whoami()
    assert whoami_header(info, "X-Env") == ["prod"]
    assert whoami_header(info, "X-Drop-Me") == []
    assert whoami_header(info, "X-Replace") == ["second"], "the later middleware wins, the client's value is gone"
    assert whoami_header(info, "X-Keep") == ["yes"]
    # Response side: added, and a backend header removed.
    assert r.header("X-Served-By") == "limpet"
    assert r.header("X-Whoami-Name") is None
    assert info["name"] == backends.a.name


def test_redirect_scheme(make_limpet, backends):
    limpet = make_limpet(config(backends, {
        "perm": router("Host(`perm.localhost`)", ["https"]),
        "temp": router("Host(`temp.localhost`)", ["https-temp"]),
        "same": router("Host(`same.localhost`)", ["to-http"]),
    }, {
        "https": {"redirectScheme": {"scheme": "https", "permanent": True}},
        "https-temp": {"redirectScheme": {"scheme": "https", "port": "8443"}},
        "to-http": {"redirectScheme": {"scheme": "http"}},
    }))
    r = get(limpet.port, "/a/b?c=d", host="perm.localhost:8000")
    assert r.status == 301
    assert r.header("Location") == "https://perm.localhost/a/b?c=d"
    assert get(limpet.port, "/", host="perm.localhost", method="POST", body=b"x").status == 308

    r = get(limpet.port, "/x", host="temp.localhost")
    assert r.status == 302 and r.header("Location") == "https://temp.localhost:8443/x"
    assert get(limpet.port, "/x", host="temp.localhost", method="PUT", body=b"").status == 307

    # Already on the target scheme: no redirect loop, the request is served.
    r = get(limpet.port, "/", host="same.localhost")
    assert r.status == 200 and r.whoami_name == backends.a.name


def test_ip_allow_list(make_limpet, backends):
    limpet = make_limpet(config(backends, {
        "local": router("Host(`local.localhost`)", ["loopback"]),
        "lan": router("Host(`lan.localhost`)", ["lan"]),
        "behind": router("Host(`behind.localhost`)", ["behind-lb"]),
    }, {
        "loopback": {"ipAllowList": {"sourceRange": ["127.0.0.0/8", "::1"]}},
        "lan": {"ipAllowList": {"sourceRange": ["10.0.0.0/8"]}},
        "behind-lb": {"ipAllowList": {"sourceRange": ["192.168.0.0/16"], "ipStrategy": {"depth": 1}}},
    }))
    assert get(limpet.port, "/", host="local.localhost").status == 200
    r = get(limpet.port, "/", host="lan.localhost")
    assert r.status == 403 and r.body == b"Forbidden"
    # The connection stays usable after a refusal without a body.
    with Conn(limpet.port) as c:
        assert c.request("GET", "/", host="lan.localhost").status == 403
        assert c.request("GET", "/", host="local.localhost").status == 200
    # depth 1: the right-most X-Forwarded-For address is the client.
    ok = get(limpet.port, "/", host="behind.localhost", headers=[("X-Forwarded-For", "10.9.9.9, 192.168.1.20")])
    assert ok.status == 200
    no = get(limpet.port, "/", host="behind.localhost", headers=[("X-Forwarded-For", "192.168.1.20, 10.9.9.9")])
    assert no.status == 403
    assert get(limpet.port, "/", host="behind.localhost").status == 403, "no X-Forwarded-For: no client IP"


def test_in_flight_limit(make_limpet, backends):
    limpet = make_limpet(config(backends, {"slow": router("PathPrefix(`/`)", ["one"])},
                                {"one": {"inFlightReq": {"amount": 1}}}))
    results = {}

    def slow():
        with Conn(limpet.port, timeout=10) as c:
            results["slow"] = c.request("GET", "/slow?ms=1500", host="q.localhost").status

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.4)
    busy = get(limpet.port, "/", host="q.localhost")
    assert busy.status == 429
    # Another source (Traefik's default criterion is the request host) is not limited.
    assert get(limpet.port, "/", host="other.localhost").status == 200
    t.join()
    assert results["slow"] == 200
    assert get(limpet.port, "/", host="q.localhost").status == 200, "the slot is given back when the request ends"
    # A refused request does not hold a slot either.
    assert get(limpet.port, "/", host="q.localhost").status == 200


def test_rate_limit(make_limpet, backends):
    limpet = make_limpet(config(backends, {"r": router("PathPrefix(`/`)", ["rl"])},
                                {"rl": {"rateLimit": {"average": 2, "period": "1s", "burst": 3}}}))
    statuses = [get(limpet.port, "/", host="r.localhost").status for _ in range(5)]
    assert statuses[:3] == [200, 200, 200], statuses
    assert 429 in statuses[3:], statuses
    refused = get(limpet.port, "/", host="r.localhost")
    assert refused.status == 429
    assert int(refused.header("Retry-After")) >= 1
    time.sleep(1.1)  # two tokens refilled
    assert get(limpet.port, "/", host="r.localhost").status == 200


def test_retry_moves_to_a_live_server(make_limpet, backends):
    dead = backends.dead_url
    servers = [dead, backends.a.url]
    with_retry = make_limpet(config(backends, {"r": router("PathPrefix(`/`)", ["retry"])},
                                    {"retry": {"retry": {"attempts": 3, "initialInterval": "10ms"}}},
                                    servers=servers, sticky=True))
    for _ in range(6):
        r = get(with_retry.port, "/", host="r.localhost")
        assert r.status == 200 and r.whoami_name == backends.a.name
    # A session pinned to the dead server moves to the live one, and its cookie says so.
    r = get(with_retry.port, "/", host="r.localhost", headers=[("Cookie", f"lb={sticky_value(dead)}")])
    assert r.status == 200 and r.whoami_name == backends.a.name
    name, value, _ = parse_set_cookie(r.header("Set-Cookie"))
    assert (name, value) == ("lb", sticky_value(backends.a.url))
    assert "dial" in with_retry.log_text() and "127.0.0.1" in with_retry.log_text()

    # The same service without the middleware: the dead server's turns are 502s.
    without = make_limpet(config(backends, {"r": {"rule": "PathPrefix(`/`)", "service": "app"}}, {},
                                 servers=servers))
    statuses = [get(without.port, "/", host="r.localhost").status for _ in range(6)]
    assert 502 in statuses and 200 in statuses, statuses
