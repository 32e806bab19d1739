"""Draining (SPEC §5.5): a server removed from the configuration keeps its sessions for
`sticky.drainTimeout` while it answers and gets no new ones; weight 0 does the same forever."""

import time
from collections import Counter

from conftest import fast_health, host_routed
from support import (Conn, cookie_get, get, set_cookie_values, sticky_value, wait_until)

NO_WATCH = {"providers": {"file": {"watch": False}}}


def dynamic(servers, drain="30s", marker=None):
    lb = {"servers": [{"url": w.url} for w in servers],
          "sticky": {"cookie": {"name": "lb"}, "drainTimeout": drain},
          "healthCheck": fast_health()}
    services = {"app": {"loadBalancer": lb}}
    if marker is not None:  # a route that only the new file has, to see when it applies
        services["marker"] = {"loadBalancer": {"servers": [{"url": marker.url}]}}
    return host_routed(services)


def apply(limpet, dyn):
    limpet.write_dynamic(dyn)
    limpet.reload()
    wait_until(lambda: get(limpet.port, "/", host="marker.localhost").status == 200, timeout=10,
               message=f"the edited configuration to apply on limpet :{limpet.port}")


def replay(limpet, sessions):
    """Replays every (cookie value) on one keep-alive connection; returns [(response)]."""
    out = []
    with Conn(limpet.port) as c:
        for value in sessions:
            out.append(c.request("GET", "/", host="app.localhost", headers=[("Cookie", f"lb={value}")]))
    return out


def new_sessions(limpet, n):
    with Conn(limpet.port) as c:
        return [c.request("GET", "/", host="app.localhost") for _ in range(n)]


def test_rolling_update_drains_removed_server(make_limpet, whoamis):
    ws = [whoamis(f"dr{i}") for i in range(3)]
    urls = {w.name: w.url for w in ws}
    gone = ws[2]
    l1 = make_limpet(dynamic(ws), static_extra=NO_WATCH)
    l2 = make_limpet(dynamic(ws), static_extra=NO_WATCH)

    # 300 sessions, spread over the three servers by the balancer.
    sessions = []
    for r in new_sessions(l1, 300):
        assert r.status == 200, r
        (value,) = set_cookie_values(r, "lb")
        assert value == sticky_value(urls[r.whoami_name])
        sessions.append((value, r.whoami_name))
    spread = Counter(name for _, name in sessions)
    assert set(spread) == set(urls) and min(spread.values()) >= 80, f"uneven spread: {spread}"
    owner = dict(sessions)
    values = [v for v, _ in sessions]
    on_gone = [v for v, name in sessions if name == gone.name]

    def check_unmoved(limpet, phase, only=None):
        for (value, name), r in zip(sessions, replay(limpet, values)):
            if only is not None and name not in only:
                continue
            assert r.status == 200 and r.whoami_name == name, f"{phase}: session of {name}: {r}"
            assert not set_cookie_values(r, "lb"), f"{phase}: session of {name} got a Set-Cookie: {r.headers}"

    # Remove the server from the file on both replicas.
    for limpet in (l1, l2):
        apply(limpet, dynamic(ws[:2], marker=ws[0]))
    for limpet in (l1, l2):
        check_unmoved(limpet, "draining")  # including the ~100 on the removed server
        for r in new_sessions(limpet, 60):
            assert r.status == 200 and r.whoami_name != gone.name, f"new session sent to a draining server: {r}"
            assert set_cookie_values(r, "lb") == [sticky_value(urls[r.whoami_name])], r.headers

    # The removed server stops: its sessions move, the same way on both replicas.
    gone.stop()
    for limpet in (l1, l2):
        wait_until(lambda: cookie_get(limpet.port, "app.localhost", [("lb", on_gone[0])]).status == 200,
                   timeout=10, message=f"the stopped draining server's sessions to move (limpet :{limpet.port})")
    r1s, r2s = replay(l1, values), replay(l2, values)
    for value, r1, r2 in zip(values, r1s, r2s):
        if owner[value] != gone.name:
            for r in (r1, r2):
                assert r.whoami_name == owner[value] and not set_cookie_values(r, "lb"), \
                    f"a session on a remaining server moved: {r}"
            continue
        for r in (r1, r2):
            assert r.status == 200 and r.whoami_name != gone.name, r
            assert set_cookie_values(r, "lb") == [sticky_value(urls[r.whoami_name])], r.headers
        assert r1.whoami_name == r2.whoami_name, \
            f"the replicas moved a drained session to {r1.whoami_name} and {r2.whoami_name}"

    # A replica started after the removal (never knew the server) agrees as well.
    l3 = make_limpet(dynamic(ws[:2]))
    moved_to = r1s[values.index(on_gone[0])].whoami_name
    r = cookie_get(l3.port, "app.localhost", [("lb", on_gone[0])])
    assert r.whoami_name == moved_to, \
        f"a replica started after the removal sent the session to {r.whoami_name}, the others to {moved_to}"


def test_drain_timeout_ends_draining(make_limpet, whoamis):
    ws = [whoamis(f"dt{i}") for i in range(2)]
    old = sticky_value(ws[1].url)
    limpet = make_limpet(dynamic(ws, drain="3s"), static_extra=NO_WATCH)
    assert cookie_get(limpet.port, "app.localhost", [("lb", old)]).whoami_name == "dt1"
    apply(limpet, dynamic(ws[:1], drain="3s", marker=ws[0]))
    applied = time.monotonic()
    r = cookie_get(limpet.port, "app.localhost", [("lb", old)])
    if time.monotonic() - applied < 2.0:
        assert r.whoami_name == "dt1" and not set_cookie_values(r, "lb"), \
            f"within drainTimeout the session must still reach the removed server: {r}"
    r = wait_until(lambda: (lambda r: r if r.whoami_name == "dt0" else None)(
        cookie_get(limpet.port, "app.localhost", [("lb", old)])), timeout=10,
        message="the session to move once drainTimeout (3s) is over, though the server still answers")
    assert set_cookie_values(r, "lb") == [sticky_value(ws[0].url)], r.headers


def test_weight_zero_keeps_sessions_gets_no_new_ones(make_limpet, whoamis):
    z, p, q = whoamis("w0"), whoamis("wp"), whoamis("wq")
    dyn = host_routed({"app": {"loadBalancer": {
        "servers": [{"url": z.url, "weight": 0}, {"url": p.url}, {"url": q.url}],
        "sticky": {"cookie": {"name": "lb"}}, "healthCheck": fast_health()}}})
    limpet = make_limpet(dyn)
    port = limpet.port
    names = Counter()
    for r in new_sessions(limpet, 60):
        assert r.status == 200, r
        names[r.whoami_name] += 1
    assert names["w0"] == 0, f"a weight-0 server got new sessions: {names}"
    assert names["wp"] == names["wq"] == 30, f"wrr over the two weighted servers: {names}"
    for r in replay(limpet, [sticky_value(z.url)] * 20):
        assert r.status == 200 and r.whoami_name == "w0" and not set_cookie_values(r, "lb"), \
            f"a cookie pinned to a weight-0 server must still reach it: {r}"
    # Weight 0 is never a failover target: with wp down, wp's sessions go to wq.
    p.stop()
    r = wait_until(lambda: (lambda r: r if r.status == 200 else None)(
        cookie_get(port, "app.localhost", [("lb", sticky_value(p.url))])), timeout=10,
        message="wp's session to move once wp is down")
    assert r.whoami_name == "wq" and set_cookie_values(r, "lb") == [sticky_value(q.url)], r
