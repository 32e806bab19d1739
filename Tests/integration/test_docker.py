"""The Docker provider (SPEC §8) against the real dockerd: containers with Traefik v3 labels are
found (at start and through /events), merged into one sticky balancer, followed when they stop,
and hidden when `exposedByDefault: false`; a Docker socket that is missing or goes away is
logged while the other routes keep serving; and Limpet in a container whose seccomp profile
refuses io_uring serves through epoll.

Limpet runs on the host (`engine.io: auto`, not parametrised by poller: the provider does not
touch the event loops) except in the seccomp test. Containers run `limpet whoami` from the
test image on the host network, each on its own 127.0.0.1 port; a host-networked container is
reached at 127.0.0.1, so cookie values are sha256("http://127.0.0.1:PORT")[:16] as in Traefik.
"""

import json
import re
import tempfile
from pathlib import Path

import pytest

pytest.register_assert_rewrite("docker_support")  # before its import: it asserts, and is a plugin below

from conftest import dump_yaml, free_port, host_routed  # noqa: E402
from docker_support import (RUN_ID, UnixRelay, assert_sessions_stay, assert_values_match, docker,  # noqa: E402
                            docker_provider, new_sessions, traefik_labels, wait_serving, wait_sessions_moved)
from support import default_cookie_name, get, keep_asserting, parse_set_cookie, wait_until  # noqa: E402

pytest_plugins = ("docker_support",)  # its fixtures: limpet_image, docker_env, swarm_env, host_limpet


def app_labels(service, port, **kw):
    """A router `Host(SERVICE.docker.localhost)` and a sticky service on `port` (the container's own)."""
    return traefik_labels(service, port=port, rule=f"Host(`{service}.docker.localhost`)", **kw)


def wait_for_problem_line(limpet, endpoint, offset=0, timeout=10):
    """Waits for a warning or error in Limpet's log (from `offset`) that names `endpoint`; returns it."""
    def find():
        return next((line for line in limpet.log_text(offset).splitlines()
                     if endpoint in line and re.search(r"\b(warning|error|critical)\b", line)), None)

    return wait_until(find, timeout=timeout, message=f"a warning or error naming the Docker endpoint {endpoint}")


def test_containers_declaring_one_service_merge_and_are_sticky(docker_env, host_limpet):
    # Limpet first, containers after: both arrive through /events. Each declares the same service with the
    # same options but its own server.port (host networking: one port per container), and the same router.
    service = f"app{RUN_ID}"
    host = f"{service}.docker.localhost"
    limpet = host_limpet(docker_provider())
    port_a, port_b = free_port(), free_port()
    a = docker_env.whoami("a", app_labels(service, port_a, sticky={"httpOnly": True}), port=port_a)
    b = docker_env.whoami("b", app_labels(service, port_b, sticky={"httpOnly": True}), port=port_b)
    wait_serving(limpet.port, host, {a.name, b.name})

    cookie = default_cookie_name(f"{service}@docker")
    r = get(limpet.port, "/", host=host)
    assert r.status == 200
    set_cookies = [v for v in r.header_all("Set-Cookie") if v.startswith(cookie + "=")]
    assert len(set_cookies) == 1, f"no {cookie} (Traefik's default name for {service}@docker): {r.headers}"
    _, _, attrs = parse_set_cookie(set_cookies[0])
    assert attrs.get("path") == "/" and attrs.get("httponly") is True, set_cookies[0]

    sessions = new_sessions(limpet.port, host, cookie, 8)
    assert {name for _, name in sessions} == {a.name, b.name}, f"cookie-less requests not spread: {sessions}"
    assert_values_match(sessions, [a, b])
    for _ in range(3):
        assert_sessions_stay(limpet.port, host, cookie, sessions)


def test_stopped_container_moves_only_its_sessions(docker_env, host_limpet):
    service = f"stop{RUN_ID}"
    host = f"{service}.docker.localhost"
    sticky = {"name": f"stop_{RUN_ID}"}
    port_a, port_b, port_c = free_port(), free_port(), free_port()
    a = docker_env.whoami("a", app_labels(service, port_a, sticky=sticky), port=port_a)
    b = docker_env.whoami("b", app_labels(service, port_b, sticky=sticky), port=port_b)
    c = docker_env.whoami("c", app_labels(service, port_c, sticky=sticky), port=port_c)
    limpet = host_limpet(docker_provider())  # containers first: found by the initial /containers/json
    wait_serving(limpet.port, host, {a.name, b.name, c.name})
    cookie = sticky["name"]
    sessions = new_sessions(limpet.port, host, cookie, 12)
    assert_values_match(sessions, [a, b, c])
    on_a = [s for s in sessions if s[1] == a.name]
    others = [s for s in sessions if s[1] != a.name]
    assert on_a and others, sessions

    docker_env.stop(a)
    moved = wait_sessions_moved(limpet.port, host, cookie, on_a, others, [a, b, c], timeout=10,
                                what=f"the sessions on {a.name} to move after `docker stop`")
    assert_sessions_stay(limpet.port, host, cookie, moved)  # they stay where they went
    assert_sessions_stay(limpet.port, host, cookie, others)
    r = get(limpet.port, "/", host=host)
    assert r.status == 200 and r.whoami_name != a.name


def test_exposed_by_default_false_serves_only_enabled_containers(docker_env, host_limpet):
    hidden_service, shown_service = f"hidden{RUN_ID}", f"shown{RUN_ID}"
    hidden_port, shown_port, default_port = free_port(), free_port(), free_port()
    hidden = docker_env.whoami("hidden", app_labels(hidden_service, hidden_port), port=hidden_port)
    shown = docker_env.whoami("shown", app_labels(shown_service, shown_port, enable=True), port=shown_port)
    # No router label: Traefik's defaultRule, Host(`{{ normalize .Name }}`), with the container's name.
    by_default = docker_env.whoami("default-rule", traefik_labels(f"dflt{RUN_ID}", port=default_port, enable=True),
                                   port=default_port)
    unlabelled = docker_env.whoami("unlabelled")
    limpet = host_limpet(docker_provider(exposedByDefault=False))
    wait_serving(limpet.port, f"{shown_service}.docker.localhost", {shown.name})
    wait_serving(limpet.port, by_default.name, {by_default.name}, what="the defaultRule route")
    # Once the enabled containers serve, the configuration that hides the others is in place. (Not just
    # "404": on a shared machine some other enabled container may have a catch-all router.)
    for host in (f"{hidden_service}.docker.localhost", hidden.name, unlabelled.name):
        r = get(limpet.port, "/", host=host)
        assert r.status == 404 or r.whoami_name not in (hidden.name, unlabelled.name), \
            f"a container without traefik.enable=true is served at {host}: {r}"


def test_unreachable_docker_endpoint_is_logged_and_file_routes_keep_serving(host_limpet, whoamis):
    # Needs no dockerd: the endpoint is a socket path that does not exist.
    backend = whoamis("filed")
    missing = f"/nonexistent-{RUN_ID}/docker.sock"
    limpet = host_limpet(docker_provider(endpoint=f"unix://{missing}"),
                         dynamic=host_routed({"filed": {"loadBalancer": {"servers": [{"url": backend.url}]}}}))
    print(f"logged: {wait_for_problem_line(limpet, missing)}")

    def file_route_serves():
        r = get(limpet.port, "/", host="filed.localhost")
        assert r.status == 200 and r.whoami_name == "filed", r

    keep_asserting(file_route_serves, duration=2.0, interval=0.1)  # while the provider retries
    assert get(limpet.port, "/", host="nothing.localhost").status == 404
    assert limpet.alive()


def test_docker_going_away_keeps_the_last_configuration(docker_env, host_limpet):
    # Limpet talks to dockerd through a relay the test can cut, as if dockerd restarted.
    service = f"relay{RUN_ID}"
    host = f"{service}.docker.localhost"
    socket_dir = Path(tempfile.mkdtemp(prefix="limpet-relay-"))
    relay = UnixRelay(socket_dir / "docker.sock")
    try:
        port_a, port_b = free_port(), free_port()
        a = docker_env.whoami("a", app_labels(service, port_a, sticky={}), port=port_a)
        limpet = host_limpet(docker_provider(endpoint=f"unix://{relay.path}"))
        wait_serving(limpet.port, host, {a.name})

        offset = limpet.log_size()
        relay.cut()
        print(f"logged: {wait_for_problem_line(limpet, relay.path, offset)}")

        def still_serves():
            r = get(limpet.port, "/", host=host)
            assert r.status == 200 and r.whoami_name == a.name, r

        keep_asserting(still_serves, duration=1.5, interval=0.1)
        b = docker_env.whoami("b", app_labels(service, port_b, sticky={}), port=port_b)  # missed while away
        relay.restore()
        wait_serving(limpet.port, host, {a.name, b.name}, timeout=30,
                     what="the provider to reconnect and see the container started meanwhile")
    finally:
        relay.close()
        socket_dir.rmdir()


def test_epoll_fallback_in_a_container_whose_seccomp_profile_refuses_io_uring(docker_env, whoamis, tmp_path):
    # Docker 25 and later refuse io_uring in their default seccomp profile. That profile is not on disk
    # on Debian, so this one allows everything but the three io_uring system calls (EPERM, as Docker's).
    profile = tmp_path / "no-io-uring.json"
    profile.write_text(json.dumps({
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["io_uring_setup", "io_uring_enter", "io_uring_register"],
                      "action": "SCMP_ACT_ERRNO"}],
    }, indent=2))
    backend = whoamis("behind-seccomp")

    def limpet_container(name, io):
        config_dir = tmp_path / name
        config_dir.mkdir()
        port = free_port()
        (config_dir / "limpet.yaml").write_text(dump_yaml({
            "entryPoints": {"web": {"address": f"127.0.0.1:{port}"}},
            "providers": {"file": {"filename": "dynamic.yaml"}},
            "engine": {"workers": 1, "io": io},
            "log": {"level": "DEBUG"},
        }))
        (config_dir / "dynamic.yaml").write_text(dump_yaml(
            host_routed({"seccomp": {"loadBalancer": {"servers": [{"url": backend.url}]}}})))
        return docker_env.container(name, ["run", "--config", "/etc/limpet/limpet.yaml"], port=port, options=[
            "--security-opt", f"seccomp={profile}", "-v", f"{config_dir}:/etc/limpet:ro"])

    # Control: with `engine.io: io_uring` the profile makes Limpet refuse to start.
    strict = limpet_container("strict", "io_uring")
    status = docker("wait", strict.name, timeout=60).stdout.strip()
    assert status == "1", f"limpet with io: io_uring under the profile exited {status}\n{strict.describe()}"
    assert re.search(r"io_uring", strict.logs()), strict.describe()

    auto = limpet_container("auto", "auto").wait_listening(timeout=30)
    for _ in range(5):
        r = get(auto.port, "/", host="seccomp.localhost")
        assert r.status == 200 and r.whoami_name == "behind-seccomp", r
    logs = auto.logs()
    fallback = [line for line in logs.splitlines() if re.search(r"epoll", line) and re.search(r"io_uring", line)]
    assert fallback, f"no log line names the epoll fallback:\n{logs}"
    print(f"logged: {fallback[0]}")
