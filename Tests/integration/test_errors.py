"""Errors Limpet itself answers: 404, 502, 503, 504 (SPEC §4, §5.4)."""

import subprocess

import pytest

from conftest import Limpet
from support import Conn, get, parse_whoami, sticky_value


def test_unknown_host_404(stack):
    with Conn(stack.port) as c:
        r = c.request("GET", "/", host="unknown.localhost")
        assert r.status == 404
        assert r.text.strip() == "404 page not found"
        # The connection stays usable after a 404.
        r2 = c.request("GET", "/after-404")
        assert r2.status == 200


def test_host_matching_ignores_case_and_port(stack):
    r = get(stack.port, "/", host=f"PLAIN.LocalHost:{stack.port}")
    assert r.status == 200, r
    assert r.whoami_name == stack.backends.a.name


def test_path_prefix_rule_404_on_other_path(make_limpet, backends):
    dyn = {"http": {"routers": {"api": {"rule": "Host(`p.localhost`) && PathPrefix(`/api`)", "service": "s"}},
                    "services": {"s": {"loadBalancer": {"servers": [{"url": backends.a.url}]}}}}}
    limpet = make_limpet(dyn)
    assert get(limpet.port, "/api/x", host="p.localhost").status == 200
    r = get(limpet.port, "/other", host="p.localhost")
    assert r.status == 404 and r.text.strip() == "404 page not found"


def test_connection_refused_502(stack):
    with Conn(stack.port) as c:
        r = c.request("GET", "/", host="dead.localhost")
        assert r.status == 502, r
    # Still no silent move to another server, and Limpet keeps serving.
    assert get(stack.port, "/").status == 200


def test_weight_zero_only_503(make_limpet, backends):
    dyn = {"http": {"routers": {"z": {"rule": "Host(`z.localhost`)", "service": "z"}},
                    "services": {"z": {"loadBalancer": {
                        "servers": [{"url": backends.a.url, "weight": 0}],
                        "sticky": {"cookie": {"name": "zc"}}}}}}}
    limpet = make_limpet(dyn)
    r = get(limpet.port, "/", host="z.localhost")
    assert r.status == 503, r
    assert r.text.strip() == "no available server"
    # Weight 0 still serves the sessions already pinned to it (SPEC §5.5).
    pinned = get(limpet.port, "/", host="z.localhost", headers=[("Cookie", f"zc={sticky_value(backends.a.url)}")])
    assert pinned.status == 200 and pinned.whoami_name == backends.a.name, pinned


def test_empty_servers_503(make_limpet, backends, limpet_bin, tmp_path):
    dyn = {"http": {"routers": {"e": {"rule": "Host(`e.localhost`)", "service": "e"}},
                    "services": {"e": {"loadBalancer": {"servers": []}}}}}
    probe = Limpet(limpet_bin, tmp_path / "probe", "epoll", dyn)
    check = subprocess.run([str(limpet_bin), "check", "--config", str(probe.config_path)],
                           capture_output=True, text=True, timeout=30)
    if check.returncode != 0:
        pytest.skip(f"the configuration rejects `servers: []`: {check.stdout}{check.stderr}".strip())
    limpet = make_limpet(dyn)
    r = get(limpet.port, "/", host="e.localhost")
    assert r.status == 503, r
    assert r.text.strip() == "no available server"


def test_response_header_timeout_504(make_limpet, backends):
    dyn = {"http": {"routers": {"s": {"rule": "Host(`slow.localhost`)", "service": "s"}},
                    "services": {"s": {"loadBalancer": {"servers": [{"url": backends.b.url}]}}}}}
    limpet = make_limpet(dyn, static_extra={
        "serversTransport": {"forwardingTimeouts": {"responseHeaderTimeout": "1s"}}})
    fast = get(limpet.port, "/slow?ms=10", host="slow.localhost")
    assert fast.status == 200, fast
    assert parse_whoami(fast.text)["request_line"] == "GET /slow?ms=10 HTTP/1.1"
    with Conn(limpet.port, timeout=15) as c:
        r = c.request("GET", "/slow?ms=3000", host="slow.localhost")
        assert r.status == 504, r
    # Limpet is still healthy afterwards.
    assert get(limpet.port, "/slow?ms=0", host="slow.localhost").status == 200
