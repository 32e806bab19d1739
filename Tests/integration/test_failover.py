"""Failover of sticky sessions: 502 without health checks, 503 with none healthy, passive
health checks, and deterministic (rendezvous) failover across replicas (SPEC §5.1, §5.2, §5.4)."""

import time

from conftest import fast_health, host_routed
from support import (cookie_get, fnv1a64_hex, get, keep_asserting, set_cookie_values,
                     sticky_value, wait_until)

NO_SERVER = "no available server"


def sticky_lb(servers, **extra):
    lb = {"servers": [{"url": w.url} for w in servers], "sticky": {"cookie": {"name": "lb"}}}
    lb.update(extra)
    return {"loadBalancer": lb}


def test_pinned_server_down_without_health_check_is_502(make_limpet, whoamis):
    x, y = whoamis("nx"), whoamis("ny")
    limpet = make_limpet(host_routed({"app": sticky_lb([x, y])}))
    port = limpet.port
    pin = sticky_value(x.url)
    r = cookie_get(port, "app.localhost", [("lb", pin)])
    assert r.status == 200 and r.whoami_name == "nx", r
    x.stop()

    def still_502():
        r = cookie_get(port, "app.localhost", [("lb", pin)])
        assert r.status == 502, f"a session pinned to an unreachable server (no health check): {r}"
        assert not set_cookie_values(r, "lb"), f"the session was moved silently: {r.headers}"
    keep_asserting(still_502, duration=1.5)
    r = cookie_get(port, "app.localhost", [("lb", sticky_value(y.url))])
    assert r.status == 200 and r.whoami_name == "ny" and not set_cookie_values(r, "lb"), r
    # No state was kept: once the server is back, the same cookie reaches it again.
    x.start()
    r = cookie_get(port, "app.localhost", [("lb", pin)])
    assert r.status == 200 and r.whoami_name == "nx" and not set_cookie_values(r, "lb"), r


def test_no_healthy_server_503(make_limpet, whoamis):
    x, y = whoamis("ux"), whoamis("uy")
    limpet = make_limpet(host_routed({"app": sticky_lb([x, y], healthCheck=fast_health())}))
    port = limpet.port
    x.stop()
    y.stop()
    wait_until(lambda: get(port, "/", host="app.localhost").status == 503, timeout=10,
               message="503 once every server fails its health check")
    for cookies in ([], [("lb", sticky_value(x.url))], [("lb", sticky_value(y.url))]):
        r = cookie_get(port, "app.localhost", cookies)
        assert r.status == 503, r
        assert r.text.strip() == NO_SERVER, r
    y.start()
    r = wait_until(lambda: (lambda r: r if r.status == 200 else None)(
        cookie_get(port, "app.localhost", [("lb", sticky_value(x.url))])), timeout=10,
        message="service to recover once one server is healthy again")
    assert r.whoami_name == "uy" and set_cookie_values(r, "lb") == [sticky_value(y.url)], r


def passive(window="3s", attempts=2):
    return {"failureWindow": window, "maxFailedAttempts": attempts}


def test_passive_check_connection_refused(make_limpet, whoamis):
    x, y, z = whoamis("px"), whoamis("py"), whoamis("pz")
    urls = {w.name: w.url for w in (x, y, z)}
    limpet = make_limpet(host_routed({"app": sticky_lb([x, y, z], passiveHealthCheck=passive())}))
    port = limpet.port
    pin = sticky_value(x.url)
    assert cookie_get(port, "app.localhost", [("lb", pin)]).whoami_name == "px"
    x.stop()
    seen = []
    for _ in range(4):
        r = cookie_get(port, "app.localhost", [("lb", pin)])
        seen.append(r)
        if r.status == 200:
            break
    moved_at = time.monotonic()
    assert [r.status for r in seen] == [502, 502, 200], \
        f"maxFailedAttempts 2: expected 502, 502 then a move; got {[r.status for r in seen]}: {seen}"
    assert not set_cookie_values(seen[0], "lb") and not set_cookie_values(seen[1], "lb"), seen[:2]
    r = seen[-1]
    assert r.whoami_name in ("py", "pz") and set_cookie_values(r, "lb") == [sticky_value(urls[r.whoami_name])], r

    # Within the failure window new sessions avoid the failed server.
    n = 0
    while time.monotonic() - moved_at < 2.0 and n < 9:
        r = get(port, "/", host="app.localhost")
        assert r.status == 200 and r.whoami_name != "px", f"new session sent to the failed server: {r}"
        n += 1
    assert n >= 3, "too slow to test within the failure window"

    # After the window the server is tried again.
    x.start()
    wait_until(lambda: get(port, "/", host="app.localhost").whoami_name == "px", timeout=12,
               message="the server to get new sessions again after failureWindow")


def test_passive_check_5xx(make_limpet, whoamis):
    x, y = whoamis("qx"), whoamis("qy")
    limpet = make_limpet(host_routed({"app": sticky_lb([x, y], passiveHealthCheck=passive())}))
    port = limpet.port
    pin = sticky_value(x.url)
    for i in range(2):
        r = cookie_get(port, "app.localhost", [("lb", pin)], path="/status?code=500")
        assert r.status == 500 and r.whoami_name == "qx", f"failure {i + 1}: {r}"
    moved_at = time.monotonic()
    r = cookie_get(port, "app.localhost", [("lb", pin)])
    assert r.status == 200 and r.whoami_name == "qy", \
        f"after 2 responses >= 500 the session must move: {r}"
    assert set_cookie_values(r, "lb") == [sticky_value(y.url)], r.headers
    n = 0
    while time.monotonic() - moved_at < 2.0 and n < 6:
        r = get(port, "/", host="app.localhost")
        assert r.status == 200 and r.whoami_name == "qy", f"new session sent to the failed server: {r}"
        n += 1
    assert n >= 3, "too slow to test within the failure window"
    wait_until(lambda: get(port, "/", host="app.localhost").whoami_name == "qx", timeout=12,
               message="the server to get new sessions again after failureWindow")
    r = cookie_get(port, "app.localhost", [("lb", pin)])
    assert r.whoami_name == "qx" and not set_cookie_values(r, "lb"), r


def test_deterministic_failover_across_two_limpets(make_limpet, whoamis):
    ws = [whoamis(f"df{i}") for i in range(6)]
    by_name = {w.name: w for w in ws}
    dyn = host_routed({"app": sticky_lb(ws, healthCheck=fast_health())})
    l1, l2 = make_limpet(dyn), make_limpet(dyn)
    victims = [ws[1], ws[4]]
    healthy = [w for w in ws if w not in victims]

    def ask(limpet, value):
        return cookie_get(limpet.port, "app.localhost", [("lb", value)])

    for w in ws:
        for limpet in (l1, l2):
            assert ask(limpet, sticky_value(w.url)).whoami_name == w.name

    for v in victims:
        v.stop()
    for limpet in (l1, l2):
        for v in victims:
            wait_until(lambda: ask(limpet, sticky_value(v.url)).status == 200, timeout=10,
                       message=f"{v.name}'s sessions to move on limpet :{limpet.port}")

    # 100 sessions pinned to the two stopped servers, in the sha256, raw-URL and FNV forms.
    forms = []
    for v in victims:
        forms += [sticky_value(v.url), v.url, fnv1a64_hex(v.url)]
    moves = {}
    for i in range(100):
        old = forms[i % len(forms)]
        r1, r2 = ask(l1, old), ask(l2, old)
        for r in (r1, r2):
            assert r.status == 200 and r.whoami_name in by_name and by_name[r.whoami_name] not in victims, r
            assert set_cookie_values(r, "lb") == [sticky_value(by_name[r.whoami_name].url)], r.headers
        assert r1.whoami_name == r2.whoami_name, \
            f"session {old!r}: limpet 1 moved it to {r1.whoami_name}, limpet 2 to {r2.whoami_name}"
        assert moves.setdefault(old, r1.whoami_name) == r1.whoami_name, \
            f"session {old!r} moved to {moves[old]} once and to {r1.whoami_name} later"

    # Sessions on healthy servers never move.
    for w in healthy:
        for limpet in (l1, l2):
            for _ in range(5):
                r = ask(limpet, sticky_value(w.url))
                assert r.whoami_name == w.name and not set_cookie_values(r, "lb"), r

    # Rendezvous: losing a server that was nobody's replacement changes no replacement.
    targets = {moves[sticky_value(v.url)] for v in victims}
    bystander = next(w for w in healthy if w.name not in targets)
    bystander.stop()
    for limpet in (l1, l2):
        wait_until(lambda: ask(limpet, sticky_value(bystander.url)).status == 200, timeout=10,
                   message=f"{bystander.name}'s sessions to move on limpet :{limpet.port}")
    for v in victims:
        old = sticky_value(v.url)
        for limpet in (l1, l2):
            r = ask(limpet, old)
            assert r.whoami_name == moves[old], \
                f"{v.name}'s sessions went to {moves[old]}, now to {r.whoami_name} after an unrelated server failed"
