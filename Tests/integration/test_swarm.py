"""The Swarm provider (SPEC §8) against this machine's single-node Swarm: services with Traefik
v3 labels are found by polling (`refreshSeconds: 1`) and merged into one sticky balancer; a new
service declaring the same Traefik service (a scale-up) leaves existing sessions where they are;
a service scaled to zero moves only its own sessions; and Limpet itself runs as a Swarm service
(the test image, host network, the Docker socket mounted) and serves the others. The shipped
Config/docker-stack.yml and Config/limpet-swarm.yaml are checked too.

Every service uses the host network and one replica listening on its own 127.0.0.1 port (two
replicas of one host-networked service on one node would want the same port, hence one service
per replica here). A host-networked task is reached at its node's address, which the set-up
makes 127.0.0.1 (`docker swarm init --advertise-addr 127.0.0.1`). Labels follow Traefik's usual
Swarm set-up: `exposedByDefault: false` plus `traefik.enable=true`, an explicit router service,
a named sticky cookie. Limpet is not parametrised by poller (`engine.io: auto`).
"""

import shutil
import subprocess

import pytest

pytest.register_assert_rewrite("docker_support")  # before its import: it asserts, and is a plugin below

from conftest import REPO, dump_yaml, free_port  # noqa: E402
from docker_support import (DOCKER_SOCKET, RUN_ID, assert_sessions_stay, assert_values_match,  # noqa: E402
                            docker, new_sessions, swarm_provider, traefik_labels, wait_serving,
                            wait_sessions_moved)
from support import wait_until_checking  # noqa: E402

pytest_plugins = ("docker_support",)  # its fixtures: limpet_image, docker_env, swarm_env, host_limpet


def app(service):
    """(Host, cookie name, labels(port)) for a Traefik service that several Swarm services declare."""
    host = f"{service}.swarm.localhost"
    cookie = f"{service}_lb"

    def labels(port):
        return traefik_labels(service, port=port, rule=f"Host(`{host}`)", enable=True, router_service=True,
                              sticky={"name": cookie, "httponly": True})

    return host, cookie, labels


def whoami_services(env, labels, *names):
    """Creates one whoami service per name (all at once), then waits until each task listens."""
    made = []
    for name in names:
        port = free_port()
        made.append(env.whoami_service(name, labels(port), port=port))
    return [s.wait_listening() for s in made]


def swarm_limpet(host_limpet):
    return host_limpet(swarm_provider(exposedByDefault=False))


def test_services_declaring_one_service_merge_and_are_found_by_polling(swarm_env, host_limpet):
    host, cookie, labels = app(f"merge{RUN_ID}")
    limpet = swarm_limpet(host_limpet)
    s1, s2 = whoami_services(swarm_env, labels, "s1", "s2")
    wait_serving(limpet.port, host, {s1.name, s2.name})
    sessions = new_sessions(limpet.port, host, cookie, 8)
    assert {name for _, name in sessions} == {s1.name, s2.name}, f"cookie-less requests not spread: {sessions}"
    assert_values_match(sessions, [s1, s2])
    for _ in range(3):
        assert_sessions_stay(limpet.port, host, cookie, sessions)


def test_a_new_service_for_the_same_backend_keeps_existing_sessions(swarm_env, host_limpet):
    host, cookie, labels = app(f"up{RUN_ID}")
    limpet = swarm_limpet(host_limpet)
    s1, s2 = whoami_services(swarm_env, labels, "s1", "s2")
    wait_serving(limpet.port, host, {s1.name, s2.name})
    sessions = new_sessions(limpet.port, host, cookie, 10)

    (s3,) = whoami_services(swarm_env, labels, "s3")
    seen = set()

    def s3_gets_new_sessions():
        for value, name in new_sessions(limpet.port, host, cookie, 3):
            seen.add(name)
        return s3.name in seen

    # While the poll finds the new service, every existing session stays where it was (no Set-Cookie).
    wait_until_checking(s3_gets_new_sessions, lambda: assert_sessions_stay(limpet.port, host, cookie, sessions),
                        timeout=20, message=f"new sessions to reach {s3.name}")
    assert_sessions_stay(limpet.port, host, cookie, sessions)
    assert_values_match(new_sessions(limpet.port, host, cookie, 6), [s1, s2, s3])


def test_scaling_a_service_to_zero_moves_only_its_sessions(swarm_env, host_limpet):
    host, cookie, labels = app(f"down{RUN_ID}")
    limpet = swarm_limpet(host_limpet)
    servers = whoami_services(swarm_env, labels, "s1", "s2", "s3")
    s1 = servers[0]
    wait_serving(limpet.port, host, {s.name for s in servers})
    sessions = new_sessions(limpet.port, host, cookie, 12)
    on_s1 = [s for s in sessions if s[1] == s1.name]
    others = [s for s in sessions if s[1] != s1.name]
    assert on_s1 and others, sessions

    swarm_env.scale(s1, 0)
    moved = wait_sessions_moved(limpet.port, host, cookie, on_s1, others, servers, timeout=20,
                                what=f"the sessions on {s1.name} to move after scaling it to 0")
    assert_sessions_stay(limpet.port, host, cookie, moved)
    assert_sessions_stay(limpet.port, host, cookie, others)


def test_limpet_running_as_a_swarm_service_serves_the_others(swarm_env, tmp_path):
    host, cookie, labels = app(f"svc{RUN_ID}")
    s1, s2 = whoami_services(swarm_env, labels, "s1", "s2")
    config = tmp_path / "limpet"
    config.mkdir()
    port = free_port()
    (config / "limpet.yaml").write_text(dump_yaml({
        "entryPoints": {"web": {"address": f"127.0.0.1:{port}"}},
        "providers": {"swarm": {"endpoint": f"unix://{DOCKER_SOCKET}", "exposedByDefault": False,
                                "refreshSeconds": 1},
                      "providersThrottleDuration": "100ms"},
        "engine": {"workers": 1, "io": "auto"},
        "log": {"level": "DEBUG"},
    }))
    limpet = swarm_env.service("limpet", ["run", "--config", "/etc/limpet/limpet.yaml"], port=port, options=[
        "--mount", f"type=bind,source={DOCKER_SOCKET},target={DOCKER_SOCKET},readonly",
        "--mount", f"type=bind,source={config},target=/etc/limpet,readonly",
        "--restart-condition", "none",
    ]).wait_listening(timeout=60)
    try:
        wait_serving(limpet.port, host, {s1.name, s2.name}, what="Limpet's Swarm service")
        sessions = new_sessions(limpet.port, host, cookie, 8)
        assert_values_match(sessions, [s1, s2])
        assert_sessions_stay(limpet.port, host, cookie, sessions)
    except AssertionError as e:
        raise AssertionError(f"{e}\n--- Limpet's service ---\n{limpet.describe()}") from None


# ---------------------------------------------------------------------------------------
# The shipped stack file and configuration


def test_shipped_swarm_configuration_is_valid(limpet_bin):
    r = subprocess.run([str(limpet_bin), "check", "--config", str(REPO / "Config/limpet-swarm.yaml")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr


def test_shipped_stack_file_is_valid():
    # Client-side only: `docker stack config` validates and interpolates the compose file without dockerd.
    if shutil.which("docker") is None:
        pytest.skip("needs the docker CLI (`docker stack config`)")
    r = docker("stack", "config", "--compose-file", REPO / "Config/docker-stack.yml", check=False)
    if r.returncode != 0 and "unknown command" in r.stderr + r.stdout:
        pytest.skip(f"this docker CLI has no `docker stack config`: {r.stderr.strip()}")
    assert r.returncode == 0, r.stderr
