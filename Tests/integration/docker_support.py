"""Docker and Swarm for the provider tests (test_docker.py, test_swarm.py).

These tests drive the real dockerd on this machine through the `docker` CLI: containers and
Swarm services run the `limpet` binary under test (`limpet whoami`, or Limpet itself) from a
throw-away image built here with `docker import` (no registry is needed). Every workload uses
host networking and listens on a 127.0.0.1 port the suite chose, so the tests never depend on
bridge or overlay addresses.

Availability: when the docker CLI is missing or dockerd does not answer, the tests that need
it are skipped with the reason and the tail of dockerd's log (`scripts/setup.sh test` starts
dockerd with its log in $LIMPET_DOCKERD_LOG, default /var/log/limpet-dockerd.log); with
LIMPET_REQUIRE_DOCKER=1 they fail instead. The Swarm tests also need this node to be a Swarm
manager whose address is a loopback one (`docker swarm init --advertise-addr 127.0.0.1`).

Clean-up: every container and service is named `limpet-it-<run>-…` and labelled with the run
and the pytest process that made it; fixtures remove their own, and each session first removes
what earlier sessions left behind (only those whose pytest process is gone, so two runs on one
machine do not remove each other's workloads).
"""

import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import tarfile
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from conftest import Limpet, _check_alive, _register, free_port, port_accepts, tail
from support import cookie_get, get, set_cookie_values, sticky_value, wait_until, wait_until_checking

DOCKER_SOCKET = "/var/run/docker.sock"
DOCKERD_LOG = Path(os.environ.get("LIMPET_DOCKERD_LOG", "/var/log/limpet-dockerd.log"))
IMAGE_REPO = "limpet-test"
IMAGE_BINARY = "/usr/local/bin/limpet"

RUN_ID = secrets.token_hex(3)
PREFIX = f"limpet-it-{RUN_ID}"
RUN_LABEL = "limpet.test.run"
OWNER_LABEL = "limpet.test.owner"


def _process_start(pid):
    """The start time of process `pid` in clock ticks since boot (field 22 of /proc/PID/stat), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


OWNER = f"{os.getpid()}:{_process_start(os.getpid())}"


def _owner_alive(owner):
    pid, _, start = (owner or "").partition(":")
    return pid.isdigit() and _process_start(int(pid)) == start


# ---------------------------------------------------------------------------------------
# The docker CLI


class DockerError(RuntimeError):
    pass


def docker(*args, check=True, timeout=120, input=None):
    """Runs `docker ARGS…` and returns the CompletedProcess (text); raises DockerError with
    the command and its stderr when it fails and `check` is set."""
    try:
        r = subprocess.run(["docker", *map(str, args)], input=input, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise DockerError(f"docker {' '.join(map(str, args))}: no answer within {timeout}s") from e
    if check and r.returncode != 0:
        raise DockerError(f"docker {' '.join(map(str, args))} exited {r.returncode}:\n{r.stderr.strip()}")
    return r


def _dockerd_log_tail(lines=25):
    """The end of dockerd's log: scripts/setup.sh's, else the one Debian's init script writes."""
    for log in (DOCKERD_LOG, Path("/var/log/docker.log")):
        if log.exists():
            return f"--- last lines of {log} ---\n" + tail(log, max_lines=lines)
    return f"({DOCKERD_LOG} does not exist: scripts/setup.sh did not start dockerd; see `journalctl -u docker`)"


_status = {}


def docker_problem():
    """None when dockerd answers, else why not (with the tail of dockerd's log)."""
    if "docker" not in _status:
        if shutil.which("docker") is None:
            _status["docker"] = ("the docker CLI is not installed (`scripts/setup.sh test` installs Debian's "
                                 "docker.io)")
        else:
            try:
                r = docker("info", "--format", "{{.ServerVersion}}", check=False, timeout=30)
                ok = r.returncode == 0
                err = r.stderr.strip()
            except DockerError as e:
                ok, err = False, str(e)
            _status["docker"] = None if ok else (f"dockerd does not answer: {err}\n"
                                                 + _dockerd_log_tail())
    return _status["docker"]


def swarm_problem():
    """None when this node is a Swarm manager reachable at a loopback address, else why not."""
    if "swarm" not in _status:
        problem = docker_problem()
        if problem is None:
            r = docker("info", "--format", "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}", check=False)
            state = r.stdout.strip()
            if state != "active true":
                problem = (f"this node is not a Swarm manager (state: {state or r.stderr.strip()}); "
                           "run `docker swarm init --advertise-addr 127.0.0.1` (scripts/setup.sh test does)")
            else:
                addr = docker("node", "inspect", "self", "--format", "{{.Status.Addr}}").stdout.strip()
                if not addr.startswith("127."):
                    problem = (f"this Swarm node's address is {addr}, not a loopback address: host-networked "
                               "tasks are reached at the node address, and the tests listen on 127.0.0.1 only")
        _status["swarm"] = problem
    return _status["swarm"]


def _skip_or_fail(problem):
    if os.environ.get("LIMPET_REQUIRE_DOCKER") == "1":
        pytest.fail(f"LIMPET_REQUIRE_DOCKER=1 and {problem}", pytrace=False)
    pytest.skip(f"Docker is not usable here: {problem}")


def require_docker():
    problem = docker_problem()
    if problem:
        _skip_or_fail(problem)


def require_swarm():
    problem = docker_problem() or swarm_problem()
    if problem:
        _skip_or_fail(problem)


# ---------------------------------------------------------------------------------------
# Leftovers of earlier runs


_cleaned = []


def remove_leftovers():
    """Removes containers and services of earlier test sessions whose pytest process is gone."""
    if _cleaned:
        return
    _cleaned.append(True)
    r = docker("ps", "-a", "--filter", f"label={RUN_LABEL}", "--format",
               f'{{{{.ID}}}} {{{{.Label "{OWNER_LABEL}"}}}}', check=False)
    stale = []
    for line in r.stdout.splitlines():
        cid, _, owner = line.partition(" ")
        if cid and not _owner_alive(owner.strip()):
            stale.append(cid)
    if stale:
        docker("rm", "-f", *stale, check=False)
    if swarm_problem() is None:
        r = docker("service", "ls", "--filter", f"label={RUN_LABEL}", "--format", "{{.ID}}", check=False)
        ids = r.stdout.split()
        if ids:
            r = docker("service", "inspect", "--format",
                       f'{{{{.ID}}}} {{{{index .Spec.Labels "{OWNER_LABEL}"}}}}', *ids, check=False)
            stale = [line.split()[0] for line in r.stdout.splitlines()
                     if line.strip() and not _owner_alive(line.partition(" ")[2].strip())]
            if stale:
                docker("service", "rm", *stale, check=False)


# ---------------------------------------------------------------------------------------
# The test image: the binary under test, its shared libraries and the dynamic loader


def _ldd(binary):
    r = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True)
    paths = []
    for line in r.stdout.splitlines():
        line = line.strip()
        if "=>" in line:
            target = line.split("=>", 1)[1].strip()
            if target.startswith("not found"):
                raise RuntimeError(f"ldd {binary}: {line}")
            path = target.split(" (", 1)[0].strip()
        else:
            path = line.split(" (", 1)[0].strip()  # the loader, or linux-vdso.so.1 (no file)
        if path.startswith("/"):
            paths.append(path)
    return paths


def _add_dirs(tar, path, seen):
    parts = Path(path).parent.parts[1:]
    for i in range(1, len(parts) + 1):
        d = "/".join(parts[:i])
        if d not in seen:
            seen.add(d)
            info = tarfile.TarInfo(d)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            tar.addfile(info)


def build_image(binary):
    """`limpet-test:<hash>`: an image of `binary` (at /usr/local/bin/limpet, the entry point), the
    shared libraries ldd lists (at the paths ldd lists, so the binary's RUNPATH still finds them)
    and the dynamic loader. Reused when the tag exists; built under a lock shared with other runs."""
    binary = os.path.realpath(binary)
    libs = _ldd(binary)
    h = hashlib.sha256()
    with open(binary, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    for lib in libs:
        st = os.stat(lib)
        h.update(f"{lib} {st.st_size} {st.st_mtime_ns}\n".encode())
    tag = f"{IMAGE_REPO}:{h.hexdigest()[:16]}"
    with open("/tmp/limpet-test-image.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if docker("image", "inspect", tag, check=False).returncode == 0:
            return tag
        with tempfile.TemporaryDirectory() as tmp:
            tarball = Path(tmp) / "rootfs.tar"
            with tarfile.open(tarball, "w") as tar:
                seen = set()
                for d, mode in (("tmp", 0o1777), ("etc", 0o755), ("etc/limpet", 0o755)):
                    info = tarfile.TarInfo(d)
                    info.type = tarfile.DIRTYPE
                    info.mode = mode
                    tar.addfile(info)
                    seen.add(d)
                for path in libs + [IMAGE_BINARY]:
                    _add_dirs(tar, path, seen)
                    source = binary if path == IMAGE_BINARY else os.path.realpath(path)
                    tar.add(source, arcname=path.lstrip("/"), recursive=False)
            docker("import", "--change", f'ENTRYPOINT ["{IMAGE_BINARY}"]', "--change", "LABEL limpet.test.image=1",
                   str(tarball), tag, timeout=300)
        _remove_old_images(keep=tag)
    return tag


def _remove_old_images(keep, min_age_s=86400):
    """Each build of the binary makes a new ~100 MiB image: remove this suite's images older than a day
    (never a newer one, which another run on this machine may be about to use; never one in use)."""
    r = docker("image", "ls", "--filter", "label=limpet.test.image=1", "--format", "{{.Repository}}:{{.Tag}}",
               check=False)
    for tag in r.stdout.split():
        if tag == keep or not tag.startswith(IMAGE_REPO + ":"):
            continue
        created = docker("image", "inspect", "--format", "{{.Created}}", tag, check=False).stdout.strip()
        try:
            age = time.time() - datetime.fromisoformat(created[:26].rstrip("Z") + "+00:00").timestamp()
        except ValueError:
            continue
        if age > min_age_s:
            docker("rmi", tag, check=False)  # fails harmlessly while a container uses it


@pytest.fixture(scope="session")
def limpet_image(limpet_bin):
    """The tag of an image holding the binary under test (built once per binary)."""
    require_docker()
    remove_leftovers()
    return build_image(limpet_bin)


# ---------------------------------------------------------------------------------------
# Containers and services


def traefik_labels(service, port=None, rule=None, router=None, enable=None, sticky=None, extra=None,
                   router_service=False):
    """Traefik v3 labels for one HTTP service (and its router when `rule` is given).
    `sticky`: None for none, {} for `sticky.cookie=true`, or cookie options such as {"name": "lb"}."""
    s = f"traefik.http.services.{service}.loadbalancer"
    labels = {}
    if enable is not None:
        labels["traefik.enable"] = "true" if enable else "false"
    if port is not None:
        labels[f"{s}.server.port"] = str(port)
    if sticky is not None:
        labels[f"{s}.sticky.cookie"] = "true"
        for k, v in sticky.items():
            labels[f"{s}.sticky.cookie.{k}"] = v if isinstance(v, str) else json.dumps(v)
    if rule is not None:
        r = f"traefik.http.routers.{router or service}"
        labels[f"{r}.rule"] = rule
        if router_service:
            labels[f"{r}.service"] = service
    labels.update(extra or {})
    return labels


class Workload:
    """A container or service made by DockerEnv; `port` is the 127.0.0.1 port it listens on. A whoami
    workload answers with its own full name (`X-Whoami-Name`), which is also `name`."""

    def __init__(self, env, kind, name, port=None):
        self.env = env
        self.kind = kind  # "container" or "service"
        self.name = name
        self.port = port
        self.url = f"http://127.0.0.1:{port}" if port else None

    def logs(self, lines=80):
        if self.kind == "container":
            r = docker("logs", "--tail", lines, self.name, check=False)
        else:
            r = docker("service", "logs", "--raw", "--tail", lines, self.name, check=False)
        return (r.stdout + r.stderr).strip()

    def state(self):
        if self.kind == "container":
            r = docker("inspect", "--format", "{{.State.Status}} (exit {{.State.ExitCode}}) {{.State.Error}}",
                       self.name, check=False)
        else:
            r = docker("service", "ps", "--no-trunc", "--format",
                       "{{.Name}} {{.DesiredState}} {{.CurrentState}} {{.Error}}", self.name, check=False)
        return (r.stdout + r.stderr).strip()

    def describe(self):
        return f"{self.kind} {self.name}: {self.state()}\n--- its logs ---\n{self.logs()}"

    def wait_listening(self, timeout=60):
        """Polls until the workload's port accepts connections (a task may take seconds to start)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if port_accepts(self.port):
                return self
            if self.kind == "container" and not self.running():
                break
            time.sleep(0.1)
        raise AssertionError(f"{self.kind} {self.name} did not listen on 127.0.0.1:{self.port} within "
                             f"{timeout}s\n{self.describe()}")

    def running(self):
        r = docker("inspect", "--format", "{{.State.Running}}", self.name, check=False)
        return r.stdout.strip() == "true"


class DockerEnv:
    """Makes containers and Swarm services for one test and removes them afterwards. Names are
    `limpet-it-<run>-<test tag>-<name>`; every workload carries the run and owner labels."""

    def __init__(self, image, tag):
        self.image = image
        self.tag = tag
        self.containers = []
        self.services = []

    def full_name(self, name):
        return f"{PREFIX}-{self.tag}-{name}"

    @staticmethod
    def _label_args(labels, flag="--label"):
        args = []
        for k, v in dict(labels or {}, **{RUN_LABEL: RUN_ID, OWNER_LABEL: OWNER}).items():
            args += [flag, f"{k}={v}"]
        return args

    # Containers

    def container(self, name, args, labels=None, options=(), port=None):
        """`docker run -d --network host --init` of the test image with `args` (after the entry point)."""
        full = self.full_name(name)
        self.containers.append(full)
        docker("run", "-d", "--name", full, "--network", "host", "--init", *self._label_args(labels), *options,
               self.image, *args)
        return Workload(self, "container", full, port)

    def whoami(self, name, labels=None, port=None, wait=True):
        """A container running `limpet whoami --listen 127.0.0.1:PORT --name FULL-NAME`."""
        port = port or free_port()
        full = self.full_name(name)
        w = self.container(name, ["whoami", "--listen", f"127.0.0.1:{port}", "--name", full], labels, port=port)
        return w.wait_listening() if wait else w

    def stop(self, workload, grace=1):
        docker("stop", "-t", grace, workload.name)

    # Services

    def service(self, name, args, labels=None, options=(), port=None):
        """`docker service create --detach` of the test image on the host network, one replica."""
        full = self.full_name(name)
        self.services.append(full)
        docker("service", "create", "--detach", "--name", full, "--network", "host", "--init",
               "--no-resolve-image", "--stop-grace-period", "1s", "--restart-condition", "on-failure",
               "--restart-max-attempts", "3", *self._label_args(labels), *options, self.image, *args)
        return Workload(self, "service", full, port)

    def whoami_service(self, name, labels=None, port=None):
        """A one-replica service running `limpet whoami --listen 127.0.0.1:PORT --name FULL-NAME` (not waited
        for: call wait_listening())."""
        port = port or free_port()
        full = self.full_name(name)
        return self.service(name, ["whoami", "--listen", f"127.0.0.1:{port}", "--name", full], labels, port=port)

    def scale(self, workload, replicas):
        docker("service", "scale", "--detach", f"{workload.name}={replicas}")

    def cleanup(self):
        if self.services:
            docker("service", "rm", *self.services, check=False)
        if self.containers:
            docker("rm", "-f", *self.containers, check=False)
        # A removed service's task containers linger for a moment: wait for them, so the machine is clean for the
        # next test.
        deadline = time.monotonic() + 30
        pending = list(self.services)
        while pending and time.monotonic() < deadline:
            pending = [s for s in pending
                       if docker("ps", "-a", "-q", "--filter", f"label=com.docker.swarm.service.name={s}",
                                 check=False).stdout.strip()]
            if pending:
                time.sleep(0.2)


@pytest.fixture
def docker_env(request, limpet_image):
    """A DockerEnv for this test; its containers and services are removed when the test ends (their
    state and logs are printed first, which pytest shows when the test failed)."""
    tag = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower().removeprefix("test_"))[:20].strip("-")
    env = DockerEnv(limpet_image, tag)
    yield env
    for name in env.containers:
        print(Workload(env, "container", name).describe())
    for name in env.services:
        print(Workload(env, "service", name).describe())
    env.cleanup()


@pytest.fixture
def swarm_env(docker_env):
    """docker_env, on a node that is a Swarm manager (skips otherwise)."""
    require_swarm()
    return docker_env


# ---------------------------------------------------------------------------------------
# A cuttable relay to the Docker socket


class UnixRelay:
    """Listens on a Unix socket and relays each connection to dockerd's socket, byte for byte
    (the /events stream included). `cut()` closes the listener, removes the socket file and
    closes every relayed connection, as if dockerd went away; `restore()` listens again."""

    def __init__(self, path, target=DOCKER_SOCKET):
        self.path = str(path)
        self.target = target
        self.lock = threading.Lock()
        self.socks = []
        self.listener = None
        self.restore()

    def restore(self):
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.path)
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                upstream.connect(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.socks += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def cut(self):
        self.listener.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        with self.lock:
            socks, self.socks = self.socks, []
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self):
        self.cut()


# ---------------------------------------------------------------------------------------
# Limpet on the host, and sticky sessions


@pytest.fixture
def host_limpet(request, limpet_bin, tmp_path):
    """Starts `limpet run` on the host (engine.io: auto, one worker, log level DEBUG):
    host_limpet(static_extra, dynamic=None) -> a started conftest.Limpet; stopped after the test,
    which fails if it died meanwhile."""
    made = []

    def make(static_extra, dynamic=None):
        limpet = Limpet(limpet_bin, tmp_path / f"limpet{len(made)}", "auto", dynamic or {"http": {}},
                        static_extra=static_extra)
        made.append(limpet)
        _register(request, limpet)
        return limpet.start()

    yield make
    dead = [limpet for limpet in made if not limpet.alive()]
    for limpet in made:
        limpet.stop()
    if dead:
        _check_alive(dead[0], "limpet")


def docker_provider(endpoint=f"unix://{DOCKER_SOCKET}", **options):
    """Static configuration for the Docker provider with a short throttle."""
    return {"providers": {"docker": dict({"endpoint": endpoint}, **options),
                          "providersThrottleDuration": "100ms"}}


def swarm_provider(endpoint=f"unix://{DOCKER_SOCKET}", **options):
    """Static configuration for the Swarm provider, polling every second, with a short throttle."""
    return {"providers": {"swarm": dict({"endpoint": endpoint, "refreshSeconds": 1}, **options),
                          "providersThrottleDuration": "100ms"}}


def wait_serving(port, host, names, timeout=20, what="the provider's route"):
    """Polls cookie-less requests to `host` until every whoami in `names` has answered."""
    seen = set()
    last = []

    def poll():
        r = get(port, "/", host=host)
        last[:] = [r]
        if r.status == 200:
            seen.add(r.whoami_name)
        return set(names) <= seen

    try:
        wait_until(poll, timeout=timeout, interval=0.1, message=f"{what} (Host {host}) to reach {sorted(names)}")
    except AssertionError as e:
        raise AssertionError(f"{e}; answered so far: {sorted(seen)}; last response: {last[:1]}") from None


def new_sessions(port, host, cookie, count):
    """`count` cookie-less requests, each on its own connection: [(cookie value, whoami name)]."""
    sessions = []
    for _ in range(count):
        r = get(port, "/", host=host)
        assert r.status == 200, r
        values = set_cookie_values(r, cookie)
        assert len(values) == 1, f"expected one Set-Cookie for {cookie}: {r.header_all('Set-Cookie')}"
        sessions.append((values[0], r.whoami_name))
    return sessions


def assert_sessions_stay(port, host, cookie, sessions):
    """Every session still reaches its server, and no replay gets a Set-Cookie."""
    for value, name in sessions:
        r = cookie_get(port, host, [(cookie, value)])
        assert r.status == 200 and r.whoami_name == name, \
            f"session {value} (on {name}) moved: {r.status} from {r.whoami_name}"
        assert not set_cookie_values(r, cookie), f"session {value} (on {name}) got a new cookie: {r.headers}"


def assert_values_match(sessions, workloads):
    """Each cookie value is Traefik's: sha256 of http://127.0.0.1:PORT of the server that answered."""
    by_name = {w.name: w for w in workloads}
    for value, name in sessions:
        assert value == sticky_value(by_name[name].url), \
            f"{name}'s cookie value {value} is not sha256({by_name[name].url})[:16]"


def wait_sessions_moved(port, host, cookie, moving, staying, servers, timeout=10, what="the sessions to move"):
    """Polls until every session in `moving` [(value, name)] is answered 200 by another server of
    `servers` with a new cookie naming that server, while every session in `staying` keeps its
    server with no Set-Cookie on every poll. Returns the moved sessions [(new value, new name)]."""
    by_name = {w.name: w for w in servers}
    moved = {}  # index in `moving` -> (new value, new server)

    def all_moved():
        for i, (value, old) in enumerate(moving):
            if i in moved:
                continue
            r = cookie_get(port, host, [(cookie, value)])
            new = set_cookie_values(r, cookie)
            if r.status == 200 and new:
                assert r.whoami_name != old and r.whoami_name in by_name, r
                assert new == [sticky_value(by_name[r.whoami_name].url)], r.headers
                moved[i] = (new[0], r.whoami_name)
        return len(moved) == len(moving)

    start = time.monotonic()
    wait_until_checking(all_moved, lambda: assert_sessions_stay(port, host, cookie, staying),
                        timeout=timeout, message=what)
    print(f"{what}: done after {time.monotonic() - start:.2f}s")
    return [moved[i] for i in range(len(moving))]
