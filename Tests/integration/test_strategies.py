"""Load-balancing strategies (SPEC §5.3) and `sticky.header` (SPEC §5.2)."""

import re
import threading
from collections import Counter

from conftest import GatedBackend, host_routed
from support import (Conn, SourceConn, cookie_get, get, max_run, set_cookie_values,
                     sticky_value, wait_until)


def lb(servers, strategy=None, sticky=None, weights=None):
    out = {"servers": [dict({"url": w.url}, **({"weight": weights[i]} if weights else {}))
                       for i, w in enumerate(servers)]}
    if strategy:
        out["strategy"] = strategy
    if sticky:
        out["sticky"] = sticky
    return {"loadBalancer": out}


def names_of(port, host, n):
    with Conn(port) as c:
        out = []
        for _ in range(n):
            r = c.request("GET", "/", host=host)
            assert r.status == 200, r
            out.append(r.whoami_name)
        return out


def test_wrr_weights_and_smoothness(make_limpet, backends):
    a, b = backends.a, backends.b
    limpet = make_limpet(host_routed({
        "w12": lb([a, b], "wrr", weights=[1, 2]),
        "w11": lb([a, b], "wrr"),
    }))
    seq = names_of(limpet.port, "w12.localhost", 300)
    counts = Counter(seq)
    assert abs(counts[a.name] - 100) <= 30 and abs(counts[b.name] - 200) <= 30, f"weights 1:2 gave {counts}"
    assert max_run(seq, a.name) == 1, f"weight-1 server twice in a row (not smooth): {seq[:30]}"
    assert max_run(seq, b.name) <= 2, f"weight-2 server more than twice in a row (not smooth): {seq[:30]}"
    seq = names_of(limpet.port, "w11.localhost", 20)
    assert all(x != y for x, y in zip(seq, seq[1:])), f"weights 1:1 must alternate: {seq}"


def test_p2c_spreads_prefers_idle_and_honours_cookie(make_limpet, whoamis):
    ws = [whoamis(f"pc{i}") for i in range(3)]
    gated = GatedBackend()
    try:
        limpet = make_limpet(host_routed({
            "p2c": lb(ws, "p2c"),
            "p2cs": lb(ws, "p2c", sticky={"cookie": {"name": "lb"}}),
            "busy": lb([gated, ws[0]], "p2c"),
        }))
        port = limpet.port
        counts = Counter(names_of(port, "p2c.localhost", 150))
        assert set(counts) == {w.name for w in ws} and min(counts.values()) >= 15, f"p2c spread: {counts}"

        # Sticky: the first answer sets the cookie, replays stick.
        r = get(port, "/", host="p2cs.localhost")
        (value,) = set_cookie_values(r, "lb")
        assert value == sticky_value(next(w.url for w in ws if w.name == r.whoami_name))
        for _ in range(20):
            r2 = cookie_get(port, "p2cs.localhost", [("lb", value)])
            assert r2.whoami_name == r.whoami_name and not set_cookie_values(r2, "lb"), r2

        # One request held in flight on the gated server: p2c picks the idle one.
        held = []
        for _ in range(30):
            t = threading.Thread(target=lambda: held.append(get(port, "/", host="busy.localhost")), daemon=True)
            t.start()
            while t.is_alive() and not gated.arrived.is_set():
                t.join(0.02)
            if gated.arrived.is_set():
                break
        assert gated.arrived.is_set(), "no request ever reached the gated server"
        for i in range(20):
            with Conn(port, timeout=5) as c:
                r = c.request("GET", "/", host="busy.localhost")
            assert r.whoami_name == ws[0].name, f"request {i} with the other server busy: {r}"
        gated.release.set()
        t.join(10)
        assert held and held[-1].status == 200 and held[-1].body == b"gated", held
    finally:
        gated.stop()


def test_leasttime_prefers_fast_server_and_honours_cookie(make_limpet, whoamis, scripted_backends):
    fast = whoamis("ltfast")
    slow = scripted_backends("ltslow", routes={"/": (200, [], b"slow", 0.15)})
    limpet = make_limpet(host_routed({
        "lt": lb([slow, fast], "leasttime"),
        "lts": lb([slow, fast], "leasttime", sticky={"cookie": {"name": "lb"}}),
    }))
    counts = Counter(names_of(limpet.port, "lt.localhost", 40))
    assert counts["ltfast"] >= 30, f"leasttime should prefer the fast server: {counts}"
    # A cookie pins even to the slow server.
    for _ in range(5):
        r = cookie_get(limpet.port, "lts.localhost", [("lb", sticky_value(slow.url))])
        assert r.status == 200 and r.whoami_name == "ltslow" and not set_cookie_values(r, "lb"), r


def test_leasttime_spreads_concurrent_requests(make_limpet, whoamis):
    """(1 + in-flight) in the score: requests in flight at once spread over equal servers."""
    ws = [whoamis(f"lc{i}") for i in range(3)]
    limpet = make_limpet(host_routed({"lt": lb(ws, "leasttime")}))
    for _ in range(9):  # every server gets a time-to-first-byte sample
        assert get(limpet.port, "/slow?ms=50", host="lt.localhost").status == 200
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        get(limpet.port, "/slow?ms=400", host="lt.localhost")), daemon=True) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert len(results) == 6 and all(r.status == 200 for r in results), results
    counts = Counter(r.whoami_name for r in results)
    assert set(counts) == {w.name for w in ws} and max(counts.values()) <= 3, \
        f"6 concurrent slow requests over 3 equal servers: {counts}"


def test_hrw_pins_by_client_ip(make_limpet, whoamis):
    ws = [whoamis(f"hr{i}") for i in range(3)]
    dyn = host_routed({"hrw": lb(ws, "hrw", sticky={"cookie": {"name": "lb"}})})
    l1 = make_limpet(dyn)
    l2 = make_limpet(dyn)

    seq = names_of(l1.port, "hrw.localhost", 30)
    assert len(set(seq)) == 1, f"hrw: all requests from 127.0.0.1 must reach one server: {Counter(seq)}"
    r = get(l1.port, "/", host="hrw.localhost")
    assert not r.header_all("Set-Cookie"), f"hrw must not set the sticky cookie: {r.headers}"
    # A cookie naming another server does not override the client-IP choice.
    other = next(w for w in ws if w.name != seq[0])
    r = cookie_get(l1.port, "hrw.localhost", [("lb", sticky_value(other.url))])
    assert r.whoami_name == seq[0] and not r.header_all("Set-Cookie"), r

    chosen = {}
    for i in range(2, 42):
        source = f"127.0.0.{i}"
        picks = set()
        for limpet in (l1, l2):
            for _ in range(2):
                with SourceConn(limpet.port, source) as c:
                    picks.add(c.request("GET", "/", host="hrw.localhost").whoami_name)
        assert len(picks) == 1, f"client {source} reached {picks} (two limpets, same configuration)"
        chosen[source] = picks.pop()
    assert set(chosen.values()) == {w.name for w in ws}, \
        f"40 client IPs should spread over all 3 servers: {Counter(chosen.values())}"
    assert [line for line in l1.log_text().splitlines()
            if re.search(r"hrw", line, re.I) and re.search(r"cookie", line, re.I)], \
        "limpet should log a warning that strategy hrw ignores sticky.cookie"


def test_sticky_header_pins_by_value(make_limpet, whoamis):
    ws = [whoamis(f"sh{i}") for i in range(3)]
    dyn = host_routed({"hdr": lb(ws, sticky={"header": {"name": "X-Session-Id"}})})
    l1 = make_limpet(dyn)
    l2 = make_limpet(dyn)

    def ask(limpet, value):
        return get(limpet.port, "/", host="hdr.localhost", headers=[("X-Session-Id", value)])

    first = ask(l1, "session-0")
    for limpet in (l1, l2):
        with Conn(limpet.port) as c:
            for _ in range(25):
                r = c.request("GET", "/", host="hdr.localhost", headers=[("X-Session-Id", "session-0")])
                assert r.status == 200 and r.whoami_name == first.whoami_name, r
                assert not r.header_all("Set-Cookie"), f"header stickiness must not set cookies: {r.headers}"
    chosen = {}
    for i in range(60):
        v = f"user-{i}"
        n1, n2 = ask(l1, v).whoami_name, ask(l2, v).whoami_name
        assert n1 == n2, f"X-Session-Id {v}: limpet 1 chose {n1}, limpet 2 chose {n2}"
        chosen[v] = n1
    assert set(chosen.values()) == {w.name for w in ws}, \
        f"60 session ids should spread over all 3 servers: {Counter(chosen.values())}"
    # Without the header the balancer spreads requests as usual.
    assert len(set(names_of(l1.port, "hdr.localhost", 6))) == 3
