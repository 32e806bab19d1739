"""Router rules (SPEC §4) end to end: every matcher, priorities and entry points, through the real proxy."""

from conftest import free_port
from support import get


def test_rule_matchers_route_requests(make_limpet, backends):
    a, b = backends.a, backends.b
    routers = {
        "regex-host": {"rule": "HostRegexp(`^[a-z]+\\.apps\\.localhost$`)", "service": "b"},
        "images": {"rule": "Host(`site.localhost`) && PathRegexp(`\\.(png|jpe?g)$`)", "service": "b"},
        "site": {"rule": "Host(`site.localhost`)", "service": "a"},
        "beta": {"rule": "Host(`hdr.localhost`) && Header(`X-Beta`, `on`)", "service": "b"},
        "beta-re": {"rule": "Host(`hdr.localhost`) && HeaderRegexp(`User-Agent`, `(?i)mobile`)", "service": "b"},
        "hdr": {"rule": "Host(`hdr.localhost`)", "service": "a"},
        "query": {"rule": "Host(`q.localhost`) && (Query(`mode`, `b`) || QueryRegexp(`v`, `^2\\.`))",
                  "service": "b"},
        "query-default": {"rule": "Host(`q.localhost`)", "service": "a"},
        "local": {"rule": "Host(`ip.localhost`) && ClientIP(`127.0.0.0/8`)", "service": "b"},
        "lan": {"rule": "Host(`ip.localhost`) && ClientIP(`10.0.0.0/8`)", "service": "a", "priority": 500},
        "not-get": {"rule": "Host(`m.localhost`) && !Method(`GET`)", "service": "b"},
        "m": {"rule": "Host(`m.localhost`)", "service": "a"},
    }
    services = {"a": {"loadBalancer": {"servers": [{"url": a.url}]}},
                "b": {"loadBalancer": {"servers": [{"url": b.url}]}}}
    limpet = make_limpet({"http": {"routers": routers, "services": services}})

    def who(path="/", host="x", headers=(), method="GET"):
        r = get(limpet.port, path, host=host, headers=headers, method=method, body=b"" if method != "GET" else None)
        return r.whoami_name if r.status == 200 else r.status

    assert who(host="shop.apps.localhost") == b.name
    assert who(host="SHOP.apps.localhost:8000") == b.name, "HostRegexp sees the host lower-cased, port removed"
    assert who(host="shop.apps.localhost.evil") == 404
    assert who("/img/logo.png", host="site.localhost") == b.name
    assert who("/img/logo%2Epng", host="site.localhost") == b.name, "PathRegexp sees the decoded path"
    assert who("/logo.png.html", host="site.localhost") == a.name
    assert who(host="hdr.localhost", headers=[("x-beta", "on")]) == b.name
    assert who(host="hdr.localhost", headers=[("X-Beta", "off")]) == a.name
    assert who(host="hdr.localhost", headers=[("User-Agent", "Foo Mobile Safari")]) == b.name
    assert who("/?mode=b", host="q.localhost") == b.name
    assert who("/?x=1&v=2.4", host="q.localhost") == b.name
    assert who("/?mode=a&v=3", host="q.localhost") == a.name
    assert who(host="ip.localhost") == b.name, "the test client connects from 127.0.0.1, not from 10/8"
    assert who(host="m.localhost", method="POST") == b.name
    assert who(host="m.localhost") == a.name
    r = get(limpet.port, "/", host="nothing.localhost")
    assert r.status == 404 and r.body == b"404 page not found"


def test_priority_and_entry_points(make_limpet, backends):
    a, b = backends.a, backends.b
    other = free_port()
    routers = {
        # Longer rule wins by default...
        "short": {"rule": "PathPrefix(`/`)", "service": "a"},
        "long": {"rule": "PathPrefix(`/api`) && Method(`GET`)", "service": "b"},
        # ...unless a priority says otherwise.
        "pinned": {"rule": "PathPrefix(`/x`)", "service": "a", "priority": 1000},
        "x-longer": {"rule": "PathPrefix(`/x`) && Host(`p.localhost`)", "service": "b"},
        "only-other": {"rule": "PathPrefix(`/other`)", "service": "b", "entryPoints": ["other"]},
    }
    services = {"a": {"loadBalancer": {"servers": [{"url": a.url}]}},
                "b": {"loadBalancer": {"servers": [{"url": b.url}]}}}
    limpet = make_limpet({"http": {"routers": routers, "services": services}},
                         static_extra={"entryPoints": {"other": {"address": f"127.0.0.1:{other}"}}})
    assert get(limpet.port, "/api/v1", host="p.localhost").whoami_name == b.name
    assert get(limpet.port, "/index", host="p.localhost").whoami_name == a.name
    assert get(limpet.port, "/x/1", host="p.localhost").whoami_name == a.name
    # `only-other` lives on the other entry point only; on `web` the catch-all answers.
    assert get(limpet.port, "/other", host="p.localhost").whoami_name == a.name
    assert get(other, "/other", host="p.localhost").whoami_name == b.name
    assert get(other, "/api", host="p.localhost").whoami_name == b.name, "routers without entryPoints are on every one"
