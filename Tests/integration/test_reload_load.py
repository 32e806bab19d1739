"""Reloads under load (SPEC §4, §7.4): a reload never costs a request.

While wrk drives keep-alive connections at a router that stays, the dynamic file is rewritten
five times a second, each time adding and removing other routers and services, and every
third time adding or removing a second server of the served service (one always stays up).
No response may be anything but 2xx, no connection may fail, and a keep-alive client that
lives through all of it must never see its connection closed. Sticky sessions must not move
and must not be re-issued a cookie because of reloads that do not concern their service. A
route added by an edit must answer within a second when the file is watched.

Every test runs with `providers.file.watch: true` (the file watcher notices the edit) and
with `watch: false` plus a SIGHUP after each write, under both pollers (io_mode), with
`providersThrottleDuration: 50ms`.

The only timing assertion is the "within a second" one, which is the behaviour under test;
everything else is counted, not timed.
"""

import random
import re
import shutil
import subprocess
import threading
import time

import pytest

from support import Closed, Conn, get, parse_set_cookie, sticky_value, wait_until

THROTTLE = "50ms"
REWRITES_PER_SECOND = 5
WRK_SECONDS = 6
WRK_CONNECTIONS = 16
# wrk does tens of thousands of requests a second here on an idle machine; the floor only
# rules out a run that barely happened (2 cores shared with other builds).
MIN_WRK_REQUESTS = 1500
MIN_SIDE_REQUESTS = 50

# Counts every status code per thread and prints one machine-readable line at the end, with
# the socket errors wrk keeps in its summary.
WRK_SCRIPT = r"""
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    codes = {}
end

function response(status, headers, body)
    codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency, requests)
    local all = {}
    for _, t in ipairs(threads) do
        for code, n in pairs(t:get("codes")) do
            all[code] = (all[code] or 0) + n
        end
    end
    local parts = {}
    for code, n in pairs(all) do
        table.insert(parts, code .. ":" .. n)
    end
    local e = summary.errors
    io.write(string.format(
        "LIMPET-WRK requests=%d connect=%d read=%d write=%d status=%d timeout=%d codes=%s\n",
        summary.requests, e.connect, e.read, e.write, e.status, e.timeout, table.concat(parts, ",")))
end
"""

TRIGGERS = ["watch", "sighup"]


def static_for(trigger):
    return {"providers": {"file": {"watch": trigger == "watch"}, "providersThrottleDuration": THROTTLE}}


def apply(limpet, trigger, dynamic):
    """Writes the dynamic file (atomically, by rename) and, without watch, signals."""
    limpet.write_dynamic(dynamic)
    if trigger == "sighup":
        limpet.reload()


def reload_count(limpet, offset=0):
    return len(re.findall(r"configuration reloaded \(generation \d+\)", limpet.log_text(offset)))


def assert_no_rejection(limpet, offset):
    text = limpet.log_text(offset)
    assert "configuration rejected" not in text, (
        "a generated configuration was rejected, so the test did not test what it meant to:\n"
        + "\n".join(l for l in text.splitlines() if "error" in l.lower())[-3000:])


# ---------------------------------------------------------------------------------------
# Configurations


def churn_config(i, app_servers, others, spare_url):
    """Generation i of the churned file: `app` (Host app.localhost) always, serving
    `app_servers`; plus three of the rotating routers other0..other5 (a window that moves by
    one each generation, so each write adds one router and removes one), whose services use
    `others` and, on odd generations, also `spare_url`."""
    routers = {"app": {"rule": "Host(`app.localhost`)", "service": "app"}}
    services = {"app": {"loadBalancer": {"servers": [{"url": u} for u in app_servers],
                                         "sticky": {"cookie": {"name": "lb"}}}}}
    for k in range(3):
        j = (i + k) % 6
        urls = [others[(i + k) % len(others)]]
        if i % 2:
            urls.append(spare_url)
        routers[f"other{j}"] = {"rule": f"Host(`other{j}.localhost`) || PathPrefix(`/other{j}/`)",
                                "service": f"other{j}", "priority": 10 + j}
        services[f"other{j}"] = {"loadBalancer": {"servers": [{"url": u} for u in urls]}}
    return {"http": {"routers": routers, "services": services}}


def sticky_config(a, b, c, i=None, side=None, dead_url=None):
    """`app`: three sticky servers (cookie `lb`), never changed. With i set, unrelated parts
    that differ from one reload to the next: a router probe{i} (to see the reload applied), a
    service `side` whose server list grows and shrinks (alpha's URL shared with app, a closed
    port, another whoami), and on even i a second unrelated router and service."""
    routers = {"app": {"rule": "Host(`app.localhost`)", "service": "app"}}
    services = {"app": {"loadBalancer": {"servers": [{"url": a.url}, {"url": b.url}, {"url": c.url}],
                                         "sticky": {"cookie": {"name": "lb"}}}}}
    if i is not None:
        side_servers = [side.url]
        if i % 3 == 1:
            side_servers.append(a.url)      # the same backend exposed by another service
        elif i % 3 == 2:
            side_servers.append(dead_url)   # a server nothing listens on
        routers[f"probe{i}"] = {"rule": f"Host(`probe{i}.localhost`)", "service": "side"}
        services["side"] = {"loadBalancer": {"servers": [{"url": u} for u in side_servers],
                                             "sticky": {"cookie": {"name": "side"}}}}
        if i % 2 == 0:
            routers[f"extra{i}"] = {"rule": f"PathPrefix(`/extra{i}`)", "service": f"extra{i}"}
            services[f"extra{i}"] = {"loadBalancer": {"servers": [{"url": b.url}]}}
    return {"http": {"routers": routers, "services": services}}


# ---------------------------------------------------------------------------------------
# Load


def run_wrk(port, script_path, seconds):
    wrk = shutil.which("wrk")
    if wrk is None:
        pytest.skip("wrk is not installed")
    cmd = [wrk, "-t1", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--timeout", "2s", "--latency",
           "-s", str(script_path), "-H", "Host: app.localhost", f"http://127.0.0.1:{port}/"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def parse_wrk(out):
    m = re.search(r"LIMPET-WRK requests=(\d+) connect=(\d+) read=(\d+) write=(\d+) status=(\d+) "
                  r"timeout=(\d+) codes=(\S*)", out)
    assert m, f"wrk did not report (did it run?):\n{out}"
    keys = ["requests", "connect", "read", "write", "status", "timeout"]
    result = {k: int(m.group(n + 1)) for n, k in enumerate(keys)}
    result["codes"] = {int(c): int(n) for c, n in (p.split(":") for p in m.group(7).split(",") if p)}
    return result


class KeepAliveClient(threading.Thread):
    """One connection, sequential requests to app.localhost until stopped; records every
    status and whether the connection was ever closed under it."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.stop_event = threading.Event()
        self.statuses = []
        self.servers = set()
        self.error = None

    def run(self):
        try:
            with Conn(self.port, timeout=5) as c:
                while not self.stop_event.is_set():
                    r = c.request("GET", "/", host="app.localhost")
                    self.statuses.append(r.status)
                    if r.whoami_name:
                        self.servers.add(r.whoami_name)
                    if (r.header("Connection") or "").lower() == "close":
                        raise Closed("Limpet answered Connection: close")
                    time.sleep(0.01)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e


class Rewriter(threading.Thread):
    """Rewrites the dynamic file REWRITES_PER_SECOND times a second until stopped."""

    def __init__(self, limpet, trigger, make_config):
        super().__init__(daemon=True)
        self.limpet, self.trigger, self.make_config = limpet, trigger, make_config
        self.stop_event = threading.Event()
        self.writes = 0
        self.error = None

    def run(self):
        period = 1.0 / REWRITES_PER_SECOND
        next_at = time.monotonic()
        try:
            while not self.stop_event.is_set():
                self.writes += 1
                apply(self.limpet, self.trigger, self.make_config(self.writes))
                next_at += period
                self.stop_event.wait(max(0.0, next_at - time.monotonic()))
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e


# ---------------------------------------------------------------------------------------
# Tests


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_reloads_under_keepalive_load_cost_no_request(make_limpet, backends, whoamis, tmp_path, trigger):
    a = backends.a
    spare = whoamis("charlie")          # the served service's second server, in and out
    others = [backends.b.url, whoamis("delta").url]
    dead_url = backends.dead_url        # the unrelated services sometimes name a closed port

    def config(i):
        app_servers = [a.url, spare.url] if i % 3 == 1 else [a.url]
        return churn_config(i, app_servers, others, dead_url)

    limpet = make_limpet(config(0), static_extra=static_for(trigger))
    assert get(limpet.port, "/", host="app.localhost").status == 200
    offset = limpet.log_size()

    script = tmp_path / "count.lua"
    script.write_text(WRK_SCRIPT)
    side = KeepAliveClient(limpet.port)
    rewriter = Rewriter(limpet, trigger, config)
    wrk = run_wrk(limpet.port, script, WRK_SECONDS)
    side.start()
    rewriter.start()
    try:
        out, _ = wrk.communicate(timeout=WRK_SECONDS + 30)
    finally:
        rewriter.stop_event.set()
        side.stop_event.set()
        rewriter.join(10)
        side.join(10)
        if wrk.poll() is None:
            wrk.kill()
            wrk.wait()
    final = rewriter.writes
    if trigger == "watch":
        time.sleep(1.5)  # let the watcher pick up the last write (even one that polls once a second)
    else:
        time.sleep(0.3)

    assert rewriter.error is None, f"rewriting the dynamic file failed: {rewriter.error!r}"
    assert limpet.alive(), "limpet died under reloads"
    result = parse_wrk(out)
    writes_per_second = final / WRK_SECONDS
    reloads = reload_count(limpet, offset)
    detail = (f"trigger={trigger}: {result['requests']} requests, statuses {result['codes']}, "
              f"socket errors connect={result['connect']} read={result['read']} write={result['write']} "
              f"timeout={result['timeout']}; {final} writes, {reloads} reloads\n{out}")
    print(detail)

    non_2xx = {code: n for code, n in result["codes"].items() if not 200 <= code < 300}
    assert not non_2xx and result["status"] == 0, f"non-2xx responses during reloads: {detail}"
    assert result["connect"] == result["read"] == result["write"] == result["timeout"] == 0, (
        f"socket errors during reloads: {detail}")
    assert result["requests"] >= MIN_WRK_REQUESTS, f"too few requests to mean anything: {detail}"
    assert sum(result["codes"].values()) == result["requests"]

    assert side.error is None, (
        f"the keep-alive client failed after {len(side.statuses)} requests: {side.error!r}")
    assert len(side.statuses) >= MIN_SIDE_REQUESTS and set(side.statuses) == {200}, (
        f"keep-alive client statuses: {sorted(set(side.statuses))} over {len(side.statuses)} requests")
    assert side.servers == {a.name, spare.name}, (
        f"the keep-alive client was served by {sorted(side.servers)}: the second server of the served "
        "service never came in (or something else answered)")

    # The churn really happened: enough writes, reloads applied, none rejected.
    assert writes_per_second >= 4, f"only {final} writes in {WRK_SECONDS}s"
    assert_no_rejection(limpet, offset)
    if trigger == "sighup":
        # Signals that arrive during a reload may merge; most must still have reloaded.
        assert reloads >= final // 2, f"{final} SIGHUPs but only {reloads} reloads"
    else:
        assert reloads >= 3, f"{final} writes but only {reloads} reloads picked up by the watcher"

    # The last write is what serves now: its routers exist (a service that also names the
    # closed port may answer 502 for the request sent there) and the removed ones are gone.
    last = config(final)
    for name in last["http"]["routers"]:
        host = "app.localhost" if name == "app" else f"{name}.localhost"
        want = (200,) if name == "app" else (200, 502)
        wait_until(lambda: get(limpet.port, "/", host=host).status in want, timeout=5,
                   message=f"router {name} of the last write to answer")
    for j in range(6):
        if f"other{j}" not in last["http"]["routers"]:
            assert get(limpet.port, "/", host=f"other{j}.localhost").status == 404, (
                f"router other{j} removed by the last write still answers")


@pytest.mark.parametrize("trigger", ["watch"])
def test_new_route_answers_within_a_second_of_the_write(make_limpet, backends, trigger):
    """With watch: true and a 50 ms throttle, a router added by an edit serves within 1 s of
    the write (five edits, at random moments, each timed from the rename to the first 200)."""
    a, b = backends.a, backends.b
    base = {"http": {"routers": {"app": {"rule": "Host(`app.localhost`)", "service": "app"}},
                     "services": {"app": {"loadBalancer": {"servers": [{"url": a.url}]}}}}}
    limpet = make_limpet(base, static_extra=static_for(trigger))
    # The watcher starts after the listeners; give it a moment to take its first look.
    wait_until(lambda: "serving" in limpet.log_text(), timeout=10, message="limpet to log that it serves")
    time.sleep(0.5)

    rng = random.Random(7)
    took = []
    for n in range(5):
        time.sleep(rng.uniform(0.05, 0.6))  # not in step with any poll period
        dynamic = {"http": {"routers": dict(base["http"]["routers"]),
                            "services": dict(base["http"]["services"])}}
        dynamic["http"]["routers"][f"fresh{n}"] = {"rule": f"Host(`fresh{n}.localhost`)", "service": "fresh"}
        dynamic["http"]["services"]["fresh"] = {"loadBalancer": {"servers": [{"url": b.url}]}}
        start = time.monotonic()
        limpet.write_dynamic(dynamic)
        deadline = start + 5.0
        while True:
            if get(limpet.port, "/", host=f"fresh{n}.localhost").status == 200:
                took.append(time.monotonic() - start)
                break
            assert time.monotonic() < deadline, f"fresh{n} not live 5 s after the write (earlier: {took})"
            time.sleep(0.01)
    print(f"new route live after: {', '.join(f'{t * 1000:.0f} ms' for t in took)}")
    assert max(took) < 1.0, (
        "a route added by an edit took a second or more to answer: "
        + ", ".join(f"{t * 1000:.0f} ms" for t in took))


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_sticky_sessions_survive_unrelated_reloads(make_limpet, backends, whoamis, trigger):
    a, b = backends.a, backends.b
    c = whoamis("charlie")
    side = whoamis("delta")
    names = {a.url: a.name, b.url: b.name, c.url: c.name}
    limpet = make_limpet(sticky_config(a, b, c), static_extra=static_for(trigger))
    offset = limpet.log_size()

    # Pin 50 sessions: each first request has no cookie and gets one.
    sessions = []  # (cookie value, server name)
    with Conn(limpet.port) as conn:
        for _ in range(50):
            r = conn.request("GET", "/", host="app.localhost")
            assert r.status == 200
            cookies = [parse_set_cookie(v) for v in r.header_all("Set-Cookie")]
            values = [v for k, v, _ in cookies if k == "lb"]
            assert len(values) == 1, f"expected one lb cookie, got {r.header_all('Set-Cookie')}"
            sessions.append((values[0], r.whoami_name))
    by_value = {sticky_value(u): n for u, n in names.items()}
    for value, server in sessions:
        assert by_value.get(value) == server, f"cookie {value} names {by_value.get(value)}, served by {server}"
    assert {s for _, s in sessions} == set(names.values()), "the 50 sessions did not spread over 3 servers"

    def replay(after):
        with Conn(limpet.port) as conn:
            for value, server in sessions:
                r = conn.request("GET", "/", host="app.localhost", headers=[("Cookie", f"lb={value}")])
                assert r.status == 200, f"{after}: status {r.status} for session {value}"
                assert r.whoami_name == server, (
                    f"{after}: session {value} moved from {server} to {r.whoami_name}")
                assert not r.header_all("Set-Cookie"), (
                    f"{after}: session {value} was re-issued a cookie: {r.header_all('Set-Cookie')}")

    replay("before any reload")
    for i in range(1, 11):
        apply(limpet, trigger, sticky_config(a, b, c, i=i, side=side, dead_url=backends.dead_url))
        wait_until(lambda: get(limpet.port, "/", host=f"probe{i}.localhost").status == 200,
                   timeout=5, interval=0.02, message=f"reload {i} to be applied")
        if i > 1:
            assert get(limpet.port, "/", host=f"probe{i - 1}.localhost").status == 404
        replay(f"after unrelated reload {i}")
    assert_no_rejection(limpet, offset)
    assert reload_count(limpet, offset) >= 10
