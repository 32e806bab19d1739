"""Weighted services with nested sticky cookies (SPEC §4, §5.1)."""

from collections import Counter

from conftest import host_routed
from support import Conn, cookie_get, set_cookie_values, sticky_value


def test_nested_sticky_cookies(make_limpet, backends, whoamis):
    a, b = backends.a, backends.b
    c1, c2 = whoamis("can1"), whoamis("can2")
    children = {"app": {a.name: a.url, b.name: b.url}, "canary": {c1.name: c1.url, c2.name: c2.url}}
    level1 = {sticky_value("app"): "app", sticky_value("canary"): "canary"}
    limpet = make_limpet({"http": {
        "routers": {"split": {"rule": "Host(`split.localhost`)", "service": "split"}},
        "services": {
            "app": {"loadBalancer": {"servers": [{"url": a.url}, {"url": b.url}],
                                     "sticky": {"cookie": {"name": "srv"}}}},
            "canary": {"loadBalancer": {"servers": [{"url": c1.url}, {"url": c2.url}],
                                        "sticky": {"cookie": {"name": "srv"}}}},
            "split": {"weighted": {"services": [{"name": "app", "weight": 3}, {"name": "canary", "weight": 1}],
                                   "sticky": {"cookie": {"name": "lvl1"}}}},
        }}})
    port = limpet.port

    # Cookie-less requests: both cookies set, 3:1 between the children.
    firsts = []
    with Conn(port) as conn:
        for _ in range(80):
            r = conn.request("GET", "/", host="split.localhost")
            assert r.status == 200, r
            outer, inner = set_cookie_values(r, "lvl1"), set_cookie_values(r, "srv")
            assert len(outer) == 1 and outer[0] in level1, \
                f"lvl1 must be sha256(child name)[:16]: {r.header_all('Set-Cookie')}"
            child = level1[outer[0]]
            assert r.whoami_name in children[child], f"{r.whoami_name} is not a server of {child}"
            assert inner == [sticky_value(children[child][r.whoami_name])], r.header_all("Set-Cookie")
            firsts.append((child, outer[0], inner[0], r.whoami_name))
    split = Counter(f[0] for f in firsts)
    assert abs(split["app"] - 60) <= 8 and abs(split["canary"] - 20) <= 8, f"weights 3:1 gave {split}"

    for child in ("app", "canary"):
        _, outer, inner, name = next(f for f in firsts if f[0] == child)
        # Both cookies: service and server pinned, nothing rewritten.
        for _ in range(10):
            r = cookie_get(port, "split.localhost", [("lvl1", outer), ("srv", inner)])
            assert r.status == 200 and r.whoami_name == name, r
            assert not r.header_all("Set-Cookie"), f"valid nested replay got Set-Cookie: {r.headers}"
        # Only lvl1: the service is pinned, the inner balancer chooses and sets `srv`.
        for _ in range(6):
            r = cookie_get(port, "split.localhost", [("lvl1", outer)])
            assert r.status == 200 and r.whoami_name in children[child], f"lvl1={child} left {child}: {r}"
            assert not set_cookie_values(r, "lvl1"), r.headers
            assert set_cookie_values(r, "srv") == [sticky_value(children[child][r.whoami_name])], r.headers

    # lvl1 of canary with an inner cookie naming an app server: stays in canary, srv rewritten.
    r = cookie_get(port, "split.localhost", [("lvl1", sticky_value("canary")), ("srv", sticky_value(a.url))])
    assert r.whoami_name in children["canary"], r
    assert set_cookie_values(r, "srv") == [sticky_value(children["canary"][r.whoami_name])], r.headers
