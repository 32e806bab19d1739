"""Active health checks (SPEC §5.4) and what they do to sticky sessions (SPEC §5.1, §5.2)."""

from conftest import fast_health, host_routed
from support import (cookie_get, get, keep_asserting, set_cookie_values, sticky_value,
                     wait_until, wait_until_checking)

NO_SERVER = "no available server"


def sticky_lb(servers, **extra):
    lb = {"servers": [{"url": w.url} for w in servers], "sticky": {"cookie": {"name": "lb"}}}
    lb.update(extra)
    return {"loadBalancer": lb}


def test_down_server_loses_new_sessions_and_moved_client_stays(make_limpet, whoamis):
    x, y, z = whoamis("hx"), whoamis("hy"), whoamis("hz")
    urls = {w.name: w.url for w in (x, y, z)}
    limpet = make_limpet(host_routed({"app": sticky_lb([x, y, z], healthCheck=fast_health())}))
    port = limpet.port
    pin = sticky_value(x.url)
    r = cookie_get(port, "app.localhost", [("lb", pin)])
    assert r.status == 200 and r.whoami_name == "hx" and not set_cookie_values(r, "lb"), r

    x.stop()

    def moved():
        r = cookie_get(port, "app.localhost", [("lb", pin)])
        return r if r.status == 200 else None
    r = wait_until(moved, timeout=10, message="the client pinned to a stopped server to be served "
                   "by another one once the health check marks it down")
    assert r.whoami_name in ("hy", "hz"), r
    assert set_cookie_values(r, "lb") == [sticky_value(urls[r.whoami_name])], \
        f"moving a session must rewrite its cookie to the new server: {r.headers}"
    target, new = r.whoami_name, sticky_value(urls[r.whoami_name])

    # New sessions never go to the down server.
    for _ in range(12):
        r = get(port, "/", host="app.localhost")
        assert r.status == 200 and r.whoami_name != "hx", r
        assert set_cookie_values(r, "lb") == [sticky_value(urls[r.whoami_name])], r.headers
    # Every client still holding the old cookie is moved to the same replacement.
    for _ in range(5):
        r = cookie_get(port, "app.localhost", [("lb", pin)])
        assert (r.status, r.whoami_name, set_cookie_values(r, "lb")) == (200, target, [new]), r

    x.start()
    wait_until(lambda: get(port, "/", host="app.localhost").whoami_name == "hx", timeout=10,
               message="the recovered server to receive new sessions again")
    # The moved client keeps its new server: its new cookie is valid and hits.
    for _ in range(10):
        r = cookie_get(port, "app.localhost", [("lb", new)])
        assert r.status == 200 and r.whoami_name == target, r
        assert not set_cookie_values(r, "lb"), f"a moved session was moved again: {r.headers}"


def test_status_and_path_decide_health(make_limpet, backends):
    a = backends.a

    def svc(**hc):
        return {"loadBalancer": {"servers": [{"url": a.url}], "healthCheck": fast_health(**hc)}}
    limpet = make_limpet(host_routed({
        "control": svc(),                                           # /health answers 200
        "want204": svc(status=204),                                 # 200 is not 204: down
        "ok204": svc(path="/status?code=204", status=204),          # 204 as required: up
        "fail500": svc(path="/status?code=500"),                    # 5xx: down
        "fail404": svc(path="/status?code=404"),                    # 4xx: down
        "ok302": svc(path="/status?code=302", followRedirects=False),  # 3xx: up
    }))
    port = limpet.port

    def down(host):
        r = get(port, "/", host=host)
        return r.status == 503 and r.text.strip() == NO_SERVER
    for host in ("want204.localhost", "fail500.localhost", "fail404.localhost"):
        wait_until(lambda: down(host), timeout=10,
                   message=f"{host} to answer 503 `{NO_SERVER}` once its only server fails its check")

    def healthy_ones_serve():
        for host in ("control.localhost", "ok204.localhost", "ok302.localhost"):
            r = get(port, "/", host=host)
            assert r.status == 200 and r.whoami_name == a.name, f"{host}: {r}"
    keep_asserting(healthy_ones_serve, duration=1.2)  # 4 check intervals


def test_probe_sends_method_hostname_headers_and_uses_port(make_limpet, scripted_backends, backends):
    probe = scripted_backends("probe")
    limpet = make_limpet(host_routed({
        "probed": {"loadBalancer": {"servers": [{"url": probe.url}], "healthCheck": fast_health(
            path="/probe", method="HEAD", hostname="probe.example.test",
            headers={"X-Probe": "1", "X-Other": "two words"})}},
        # The server itself refuses connections; `port` sends the check to the probe backend.
        "ported": {"loadBalancer": {"servers": [{"url": backends.dead_url}], "healthCheck": fast_health(
            path="/via-port", port=probe.port)}},
    }))
    wait_until(lambda: len(probe.seen("/probe")) >= 3, timeout=10,
               message="three health probes on /probe (interval 300ms)")
    for line, fields, _ in probe.seen("/probe"):
        assert line == "HEAD /probe HTTP/1.1", line
        hdr = {}
        for k, v in fields:
            hdr.setdefault(k.lower(), []).append(v)
        assert hdr.get("host") == ["probe.example.test"], f"probe Host: {fields}"
        assert hdr.get("x-probe") == ["1"], f"configured header missing: {fields}"
        assert hdr.get("x-other") == ["two words"], f"configured header missing: {fields}"
    wait_until(lambda: probe.seen("/via-port"), timeout=10,
               message="a health probe on the configured `port` instead of the server's")
    assert probe.seen("/via-port")[0][0].startswith("GET /via-port "), probe.seen("/via-port")[0]
    r = get(limpet.port, "/", host="probed.localhost")
    assert r.status == 200 and r.whoami_name == "probe", r


def test_follow_redirects_and_timeout(make_limpet, scripted_backends):
    probe = scripted_backends("redir", routes={
        "/moved": (302, [("Location", "/bad")], b"", 0),
        "/bad": (500, [], b"bad", 0),
        "/slowprobe": (200, [], b"late", 3.0),
    })

    def svc(**hc):
        return {"loadBalancer": {"servers": [{"url": probe.url}], "healthCheck": fast_health(**hc)}}
    limpet = make_limpet(host_routed({
        "follow": svc(path="/moved"),                          # followRedirects defaults to true
        "nofollow": svc(path="/moved", followRedirects=False),  # the 302 itself: healthy
        "slowcheck": svc(path="/slowprobe", timeout="300ms"),   # answers after 3s: down
    }))
    port = limpet.port
    for host in ("follow.localhost", "slowcheck.localhost"):
        wait_until(lambda: get(port, "/", host=host).status == 503, timeout=10,
                   message=f"{host} to be marked down")
    assert probe.seen("/bad"), "followRedirects: the probe never followed the Location"

    def nofollow_serves():
        r = get(port, "/", host="nofollow.localhost")
        assert r.status == 200 and r.whoami_name == "redir", r
    keep_asserting(nofollow_serves, duration=1.2)


def test_flapping_server_never_moves_other_sessions(make_limpet, whoamis):
    s0, s1, s2 = whoamis("fl0"), whoamis("fl1"), whoamis("fl2")
    limpet = make_limpet(host_routed({"app": sticky_lb([s0, s1, s2], healthCheck=fast_health())}))
    port = limpet.port
    pins = {w.name: sticky_value(w.url) for w in (s0, s1)}
    flap = sticky_value(s2.url)

    def others_stay():
        for name, value in pins.items():
            r = cookie_get(port, "app.localhost", [("lb", value)])
            assert r.status == 200 and r.whoami_name == name, f"session on {name}: {r}"
            assert not set_cookie_values(r, "lb"), \
                f"session on healthy {name} got a Set-Cookie while fl2 flapped: {r.headers}"

    def flap_session():
        return cookie_get(port, "app.localhost", [("lb", flap)])

    others_stay()
    for cycle in range(3):
        s2.stop()
        wait_until_checking(lambda: (lambda r: r.status == 200 and r.whoami_name != "fl2"
                                     and set_cookie_values(r, "lb"))(flap_session()),
                            others_stay, timeout=10,
                            message=f"cycle {cycle}: fl2's session to move once fl2 is down")
        s2.start()
        wait_until_checking(lambda: (lambda r: r.status == 200 and r.whoami_name == "fl2"
                                     and not set_cookie_values(r, "lb"))(flap_session()),
                            others_stay, timeout=10,
                            message=f"cycle {cycle}: fl2's cookie to pin fl2 again once it is up")
    others_stay()
