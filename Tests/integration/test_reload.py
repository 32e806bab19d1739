"""SIGHUP reloads the file provider; a broken file leaves the old configuration serving
(SPEC §2, §7.4)."""

import time

from support import Conn, get, sticky_value, wait_until


def dynamic(a, b, with_new=False):
    routers = {"app": {"rule": "Host(`app.localhost`)", "service": "app"}}
    services = {"app": {"loadBalancer": {"servers": [{"url": a.url}, {"url": b.url}],
                                         "sticky": {"cookie": {"name": "lb"}}}}}
    if with_new:
        routers["new"] = {"rule": "Host(`new.localhost`)", "service": "new"}
        services["new"] = {"loadBalancer": {"servers": [{"url": b.url}]}}
    return {"http": {"routers": routers, "services": services}}


def status(port, host):
    return get(port, "/", host=host).status


def assert_keeps_serving(limpet, expectations, duration=2.0):
    """Every request during `duration` seconds gets the expected status per host."""
    deadline = time.monotonic() + duration
    n = 0
    while time.monotonic() < deadline or n == 0:
        for host, want in expectations.items():
            got = status(limpet.port, host)
            assert got == want, f"{host}: expected {want}, got {got} after a rejected reload"
        n += 1
        time.sleep(0.1)


def test_sighup_adds_route_and_broken_edit_keeps_old(make_limpet, backends):
    a, b = backends.a, backends.b
    # watch: false, so that only the signal can have applied the edits below.
    limpet = make_limpet(dynamic(a, b), static_extra={"providers": {"file": {"watch": False}}})
    assert status(limpet.port, "app.localhost") == 200
    assert status(limpet.port, "new.localhost") == 404

    pin = sticky_value(a.url)
    with Conn(limpet.port) as held:  # a client connection that lives across the reload
        assert held.request("GET", "/", host="app.localhost",
                            headers=[("Cookie", f"lb={pin}")]).whoami_name == a.name

        limpet.write_dynamic(dynamic(a, b, with_new=True))
        limpet.reload()
        wait_until(lambda: status(limpet.port, "new.localhost") == 200, timeout=10,
                   message="the new router to answer after SIGHUP")
        r = get(limpet.port, "/", host="new.localhost")
        assert r.whoami_name == b.name

        # The existing connection picks up the new configuration too and sessions still stick.
        r = held.request("GET", "/", host="new.localhost")
        assert r.status == 200 and r.whoami_name == b.name
        r = held.request("GET", "/", host="app.localhost", headers=[("Cookie", f"lb={pin}")])
        assert r.whoami_name == a.name and not r.header_all("Set-Cookie")

    # Broken YAML: the previous configuration keeps serving.
    before = limpet.log_size()
    limpet.write_dynamic("http:\n  routers: {app: {rule: \"Host(`app.localhost`)\"\n   services: [\n")
    limpet.reload()
    wait_until(lambda: limpet.log_size() > before, timeout=10,
               message="limpet to log something about the rejected reload")
    assert_keeps_serving(limpet, {"app.localhost": 200, "new.localhost": 200})
    assert limpet.alive()

    # A well-formed file that fails validation (a router naming a missing service): same.
    bad = dynamic(a, b, with_new=True)
    bad["http"]["routers"]["new"]["service"] = "missing"
    before = limpet.log_size()
    limpet.write_dynamic(bad)
    limpet.reload()
    wait_until(lambda: limpet.log_size() > before, timeout=10,
               message="limpet to log something about the rejected reload")
    assert_keeps_serving(limpet, {"app.localhost": 200, "new.localhost": 200})

    # A good file again is applied: the route goes away.
    limpet.write_dynamic(dynamic(a, b))
    limpet.reload()
    wait_until(lambda: status(limpet.port, "new.localhost") == 404, timeout=10,
               message="the removed router to stop answering after SIGHUP")
    assert status(limpet.port, "app.localhost") == 200


def test_watch_applies_edits_without_a_signal(make_limpet, backends):
    """providers.file.watch (the default): an edit on disk is applied within the poll interval plus
    providersThrottleDuration; a broken edit is rejected and the old configuration keeps serving."""
    a, b = backends.a, backends.b
    limpet = make_limpet(dynamic(a, b), static_extra={"providers": {"providersThrottleDuration": "200ms"}})
    assert status(limpet.port, "new.localhost") == 404

    limpet.write_dynamic(dynamic(a, b, with_new=True))
    wait_until(lambda: status(limpet.port, "new.localhost") == 200, timeout=10,
               message="the new router to answer after the file changed")

    before = limpet.log_size()
    limpet.write_dynamic("http:\n  routers: {app: {rule: \"Host(`app.localhost`)\"\n   services: [\n")
    wait_until(lambda: limpet.log_size() > before, timeout=10,
               message="limpet to log the rejected edit")
    assert_keeps_serving(limpet, {"app.localhost": 200, "new.localhost": 200})


def test_sighup_without_watch_ignores_edits_until_signalled(make_limpet, backends):
    """With watch: false an edit is not applied by itself (so the SIGHUP test above proves the signal)."""
    a, b = backends.a, backends.b
    limpet = make_limpet(dynamic(a, b), static_extra={"providers": {"file": {"watch": False},
                                                                    "providersThrottleDuration": "0s"}})
    limpet.write_dynamic(dynamic(a, b, with_new=True))
    time.sleep(2.5)  # longer than the watcher's poll interval would need
    assert status(limpet.port, "new.localhost") == 404
    limpet.reload()
    wait_until(lambda: status(limpet.port, "new.localhost") == 200, timeout=10,
               message="the new router to answer after SIGHUP")
