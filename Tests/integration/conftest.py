"""Process management for Limpet's integration tests.

Everything here runs the real `limpet` binary on 127.0.0.1: `limpet whoami` backends, a
Python "recorder" backend that remembers every byte it receives, and Limpet itself under
each poller (`engine.io: io_uring` and `engine.io: epoll`).

The binary comes from $LIMPET_BIN, else <repo>/.build/release/limpet, else
<repo>/.build/debug/limpet.
"""

import ctypes
import os
import random
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 20.0


# ---------------------------------------------------------------------------------------
# Binary and ports


def find_binary():
    env = os.environ.get("LIMPET_BIN")
    if env:
        p = Path(env)
        if not p.is_absolute():
            p = REPO / p
        return p
    for candidate in (REPO / ".build/release/limpet", REPO / ".build/debug/limpet"):
        if candidate.exists():
            return candidate
    return REPO / ".build/debug/limpet"


_used_ports = set()


def free_port():
    """A free TCP port on 127.0.0.1 below the ephemeral range, so an outgoing connection of
    some process cannot take it between now and the moment a server binds it."""
    lo, hi = 20000, 32000
    try:
        eph_lo = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
        hi = min(hi, eph_lo - 1)
    except (OSError, ValueError, IndexError):
        pass
    for _ in range(1000):
        port = random.randint(lo, hi)
        if port in _used_ports:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _used_ports.add(port)
        return port
    raise RuntimeError("no free port")


def port_accepts(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_listening(port, proc, log_path, timeout=START_TIMEOUT, what="process", host="127.0.0.1"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode} before listening on "
                               f"{port}:\n{tail(log_path)}")
        if port_accepts(port, host):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout}s:\n{tail(log_path)}")


def tail(path, offset=0, max_lines=150):
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read()
    except OSError as e:
        return f"<cannot read {path}: {e}>"
    lines = data.decode("utf-8", "replace").splitlines()
    if len(lines) > max_lines:
        lines = [f"... {len(lines) - max_lines} earlier lines omitted ..."] + lines[-max_lines:]
    return "\n".join(lines)


def stop_process(proc, grace=5.0):
    if proc.poll() is not None:
        return proc.returncode
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(5)


def io_uring_available():
    """Whether this kernel and seccomp profile let a process create an io_uring."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        params = ctypes.create_string_buffer(120)
        fd = libc.syscall(425, 4, params)  # io_uring_setup on x86_64 and aarch64
        if fd < 0:
            return False, os.strerror(ctypes.get_errno())
        os.close(fd)
        return True, ""
    except OSError as e:
        return False, str(e)


# ---------------------------------------------------------------------------------------
# Backends


class Whoami:
    def __init__(self, binary, name, log_dir):
        self.binary = binary
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_dir) / f"whoami-{name}.log"
        self.proc = None

    def start(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(self.binary), "whoami", "--listen", f"127.0.0.1:{self.port}", "--name", self.name],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        wait_listening(self.port, self.proc, self.log_path, what=f"whoami {self.name}")
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc)


class LoopbackBackend:
    """A listening socket on 127.0.0.1 with one thread per connection: the skeleton of the Python
    backends below, which only say what to do with each connection (`_serve`)."""

    def __init__(self, backlog=128):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lock = threading.Lock()
        self.stopped = False
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(backlog)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self._accepted()
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _accepted(self):
        pass

    def _serve(self, c):
        raise NotImplementedError

    @staticmethod
    def read_head(c):
        """Bytes up to and including the first blank line, or None if the peer closed first."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = c.recv(65536)
            if not chunk:
                return None
            data += chunk
        return data

    def stop(self):
        self.stopped = True
        self.sock.close()


class Recorder(LoopbackBackend):
    """A backend that records every byte that reaches it. It answers the first complete
    request head on each connection with a small 200 and `Connection: close`."""

    RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\nX-Recorder: 1\r\n\r\nrecorded"

    def __init__(self):
        self.chunks = []
        self.connections = 0
        super().__init__()

    def _accepted(self):
        with self.lock:
            self.connections += 1

    def _serve(self, c):
        c.settimeout(60)
        seen = bytearray()
        answered = False
        try:
            while True:
                data = c.recv(65536)
                if not data:
                    break
                with self.lock:
                    self.chunks.append(data)
                seen += data
                if not answered and b"\r\n\r\n" in seen:
                    answered = True
                    c.sendall(self.RESPONSE)
                    c.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        finally:
            c.close()

    def reset(self):
        with self.lock:
            self.chunks = []
            self.connections = 0

    def data(self):
        with self.lock:
            return b"".join(self.chunks)


class GatedBackend(LoopbackBackend):
    """A one-request-at-a-time backend that signals `arrived` when a request head is in and
    answers only once `release` is set: a request that is certainly in flight."""

    def __init__(self):
        self.arrived = threading.Event()
        self.release = threading.Event()
        super().__init__(backlog=16)

    def _serve(self, c):
        try:
            c.settimeout(30)
            if self.read_head(c) is None:
                return
            self.arrived.set()
            self.release.wait(30)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\ngated")
        except OSError:
            pass
        finally:
            c.close()

    def stop(self):
        self.release.set()
        super().stop()


# ---------------------------------------------------------------------------------------
# Limpet


def deep_merge(base, extra):
    out = dict(base)
    for k, v in (extra or {}).items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def dump_yaml(data):
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=1000)


class Limpet:
    """One `limpet run` process with its own directory, static and dynamic files."""

    def __init__(self, binary, directory, io, dynamic, static_extra=None, entry_extra=None,
                 engine_extra=None, workers=1):
        self.binary = binary
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.io = io
        self.port = free_port()
        static = {
            "entryPoints": {"web": deep_merge({"address": f"127.0.0.1:{self.port}"}, entry_extra)},
            "providers": {"file": {"filename": "dynamic.yaml"}},
            "engine": deep_merge({"workers": workers, "io": io}, engine_extra),
            "log": {"level": "DEBUG"},
        }
        self.static = deep_merge(static, static_extra)
        self.config_path = self.dir / "limpet.yaml"
        self.dynamic_path = self.dir / "dynamic.yaml"
        self.log_path = self.dir / "limpet.log"
        self.config_path.write_text(dump_yaml(self.static))
        self.write_dynamic(dynamic)
        self.proc = None
        self.starts = 0
        self.exit_expected = False

    def write_dynamic(self, dynamic):
        text = dynamic if isinstance(dynamic, str) else dump_yaml(dynamic)
        tmp = self.dynamic_path.with_suffix(".tmp")
        tmp.write_text(text)
        os.replace(tmp, self.dynamic_path)

    def start(self):
        with open(self.log_path, "ab") as log:
            log.write(f"===== limpet start #{self.starts + 1} (io={self.io}) =====\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                [str(self.binary), "run", "--config", str(self.config_path)],
                cwd=self.dir, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self.starts += 1
        try:
            wait_listening(self.port, self.proc, self.log_path, what=f"limpet (io={self.io})")
        except Exception:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            raise
        return self

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def reload(self):
        self.proc.send_signal(signal.SIGHUP)

    def log_size(self):
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def log_text(self, offset=0):
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc)

    def rss_kib(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise RuntimeError("no VmRSS")


def server(url, **kw):
    return dict({"url": url}, **kw)


def standard_dynamic(a, b, rec, dead_url):
    """The routes most tests use:
    plain.localhost -> A only; app.localhost -> A,B sticky (default cookie name);
    lb.localhost -> A,B sticky cookie `lb` (httpOnly); rr.localhost -> A,B no sticky;
    rec.localhost -> the recorder; dead.localhost -> a closed port."""
    return {
        "http": {
            "routers": {
                "plain": {"rule": "Host(`plain.localhost`)", "service": "plain"},
                "app": {"rule": "Host(`app.localhost`) && PathPrefix(`/`)", "service": "app"},
                "lb": {"rule": "Host(`lb.localhost`)", "service": "lb"},
                "rr": {"rule": "Host(`rr.localhost`)", "service": "rr"},
                "rec": {"rule": "Host(`rec.localhost`)", "service": "rec"},
                "dead": {"rule": "Host(`dead.localhost`)", "service": "dead"},
            },
            "services": {
                "plain": {"loadBalancer": {"servers": [server(a.url)]}},
                "app": {"loadBalancer": {"servers": [server(a.url), server(b.url)],
                                         "sticky": {"cookie": {}}}},
                "lb": {"loadBalancer": {"servers": [server(a.url), server(b.url)],
                                        "sticky": {"cookie": {"name": "lb", "httpOnly": True}}}},
                "rr": {"loadBalancer": {"servers": [server(a.url), server(b.url)]}},
                "rec": {"loadBalancer": {"servers": [server(rec.url)]}},
                "dead": {"loadBalancer": {"servers": [server(dead_url)]}},
            },
        }
    }


class Stack:
    """A long-lived Limpet (per poller) over the standard routes, restarted if it dies."""

    def __init__(self, binary, directory, io, backends, **kw):
        self.limpet = Limpet(binary, directory, io,
                             standard_dynamic(backends.a, backends.b, backends.rec, backends.dead_url), **kw)
        self.backends = backends

    @property
    def port(self):
        return self.limpet.port


class Backends:
    def __init__(self, a, b, rec, dead_url):
        self.a, self.b, self.rec, self.dead_url = a, b, rec, dead_url
        self.by_name = {a.name: a, b.name: b}


# ---------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="session")
def limpet_bin():
    binary = find_binary()
    if not binary.exists():
        pytest.fail(f"limpet binary not found at {binary}; build it (swift build) or set LIMPET_BIN",
                    pytrace=False)
    return binary


@pytest.fixture(scope="session")
def logs_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("logs")


@pytest.fixture(scope="session")
def backends(limpet_bin, logs_dir):
    a = Whoami(limpet_bin, "alpha", logs_dir).start()
    b = Whoami(limpet_bin, "bravo", logs_dir).start()
    rec = Recorder()
    dead = free_port()  # nothing listens there: connections are refused
    yield Backends(a, b, rec, f"http://127.0.0.1:{dead}")
    rec.stop()
    a.stop()
    b.stop()


def _io_modes():
    wanted = os.environ.get("LIMPET_IO")
    return wanted.split(",") if wanted else ["io_uring", "epoll"]


@pytest.fixture(scope="session", params=_io_modes())
def io_mode(request):
    if request.param == "io_uring":
        ok, why = io_uring_available()
        if not ok:
            pytest.skip(f"io_uring is not available here: {why}")
    return request.param


def _register(request, limpet):
    """Remember limpet's log position so a failing test shows what limpet said meanwhile."""
    logs = getattr(request.node, "_limpet_logs", None)
    if logs is None:
        logs = request.node._limpet_logs = []
    logs.append((limpet, limpet.log_size()))


def _check_alive(limpet, what):
    if not limpet.alive():
        code = limpet.proc.returncode
        desc = f"signal {-code}" if code is not None and code < 0 else f"status {code}"
        pytest.fail(f"{what} exited ({desc}) during the test:\n{tail(limpet.log_path, max_lines=60)}",
                    pytrace=False)


@pytest.fixture(scope="session")
def _stacks(limpet_bin, backends, tmp_path_factory):
    stacks = {}
    yield stacks
    for s in stacks.values():
        s.limpet.stop()


def _get_stack(request, stacks, key, factory):
    s = stacks.get(key)
    if s is None:
        s = stacks[key] = factory()
    for backend in (s.backends.a, s.backends.b):
        if not backend.alive():
            backend.start()
    if not s.limpet.alive():
        s.limpet.start()
    _register(request, s.limpet)
    return s


def _shared_stack(request, stacks, io_mode, limpet_bin, backends, tmp_path_factory, name, what, **kw):
    """Yields the session's Limpet `name` over the standard routes for this poller (made on first
    use, restarted if it died), and fails the test if the test left it dead."""
    s = _get_stack(request, stacks, (name, io_mode), lambda: Stack(
        limpet_bin, tmp_path_factory.mktemp(f"{name}-{io_mode}"), io_mode, backends, **kw))
    backends.rec.reset()
    yield s
    _check_alive(s.limpet, f"{what} (io={io_mode})")


@pytest.fixture
def stack(request, _stacks, io_mode, limpet_bin, backends, tmp_path_factory):
    """The shared standard-routes Limpet for this poller (workers: 1)."""
    yield from _shared_stack(request, _stacks, io_mode, limpet_bin, backends, tmp_path_factory, "std", "limpet")


@pytest.fixture(params=["copy", "splice"])
def body_stack(request, _stacks, io_mode, limpet_bin, backends, tmp_path_factory):
    """The standard routes, with large bodies copied (`engine.splice: auto`, which copies between
    loopback peers: the shared `stack`) or spliced (`engine.splice: always`)."""
    if request.param == "copy":
        yield request.getfixturevalue("stack")
        return
    yield from _shared_stack(request, _stacks, io_mode, limpet_bin, backends, tmp_path_factory, "splice",
                             "limpet splice=always", engine_extra={"splice": "always"})


@pytest.fixture
def small_stack(request, _stacks, io_mode, limpet_bin, backends, tmp_path_factory):
    """The standard routes with `engine.bufferSize: 4KiB` (for 414/431)."""
    yield from _shared_stack(request, _stacks, io_mode, limpet_bin, backends, tmp_path_factory, "small",
                             "limpet bufferSize=4KiB", engine_extra={"bufferSize": "4KiB"})


@pytest.fixture
def make_limpet(request, io_mode, limpet_bin, tmp_path):
    """Starts a dedicated Limpet: make_limpet(dynamic, static_extra=..., entry_extra=...,
    engine_extra=..., workers=..., start=True)."""
    made = []

    def make(dynamic, start=True, **kw):
        limpet = Limpet(limpet_bin, tmp_path / f"limpet{len(made)}", io_mode, dynamic, **kw)
        made.append(limpet)
        _register(request, limpet)
        if start:
            limpet.start()
        return limpet

    yield make
    failures = []
    for limpet in made:
        if limpet.proc is not None and not limpet.alive() and not limpet.exit_expected:
            failures.append(limpet)
        limpet.stop()
    if failures:
        _check_alive(failures[0], f"dedicated limpet (io={io_mode})")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for limpet, offset in getattr(item, "_limpet_logs", []):
            text = tail(limpet.log_path, offset)
            rep.sections.append((f"limpet stderr ({limpet.dir.name}, io={limpet.io}, port {limpet.port})",
                                 text or "<empty>"))


# ---------------------------------------------------------------------------------------
# Extra backends for the health, failover, draining and strategy tests (additive).


class ScriptedBackend(LoopbackBackend):
    """A small HTTP backend whose answer per path the test chooses, recording every request
    head it receives (request line and headers) — e.g. Limpet's health probes.

    `routes` maps a path (without query) to (status, extra headers, body, delay seconds);
    any other path gets 200 with the body `name`. Every response carries
    `X-Whoami-Name: name` and `Connection: close`."""

    def __init__(self, name="scripted", routes=None):
        self.name = name
        self.routes = dict(routes or {})
        self.requests = []  # (request line, [(name, value)], monotonic time)
        super().__init__()

    def _serve(self, c):
        try:
            c.settimeout(30)
            data = self.read_head(c)
            if data is None:
                return
            head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            fields = []
            for line in head[1:]:
                k, _, v = line.partition(":")
                fields.append((k.strip(), v.strip()))
            with self.lock:
                self.requests.append((head[0], fields, time.monotonic()))
            parts = head[0].split(" ")
            target = parts[1] if len(parts) > 1 else "/"
            path = target.split("?", 1)[0]
            status, extra, body, delay = self.routes.get(path, (200, [], self.name.encode(), 0))
            if delay:
                time.sleep(delay)
            lines = [f"HTTP/1.1 {status} X", f"X-Whoami-Name: {self.name}", "Connection: close",
                     f"Content-Length: {len(body)}"] + [f"{k}: {v}" for k, v in extra]
            if parts[0] == "HEAD":
                body = b""
            c.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            c.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        finally:
            c.close()

    def seen(self, path_prefix=None):
        with self.lock:
            reqs = list(self.requests)
        if path_prefix is None:
            return reqs
        return [r for r in reqs if r[0].split(" ")[1:2] and r[0].split(" ")[1].startswith(path_prefix)]


@pytest.fixture
def whoamis(limpet_bin, logs_dir, request):
    """Starts extra `limpet whoami` backends for one test: whoamis("name") -> a started
    Whoami (stop() and start() it again on the same port to simulate failures). Names get
    a per-test suffix in the log file only; `--name` is exactly the given name."""
    started = []
    tag = f"{abs(hash(request.node.nodeid)) % 100000:05d}"

    def make(name):
        w = Whoami(limpet_bin, name, logs_dir)
        w.log_path = Path(logs_dir) / f"whoami-{name}-{tag}.log"
        started.append(w)
        return w.start()

    yield make
    for w in started:
        w.stop()


@pytest.fixture
def scripted_backends():
    """scripted_backends(name, routes) -> a started ScriptedBackend, closed after the test."""
    made = []

    def make(name="scripted", routes=None):
        b = ScriptedBackend(name, routes)
        made.append(b)
        return b

    yield make
    for b in made:
        b.stop()


def host_routed(services):
    """A dynamic configuration with one router per service: Host(`NAME.localhost`) -> NAME."""
    return {"http": {
        "routers": {name: {"rule": f"Host(`{name}.localhost`)", "service": name} for name in services},
        "services": dict(services),
    }}


def fast_health(**kw):
    """An active health check that notices a change within about a second."""
    return dict({"path": "/health", "interval": "300ms", "unhealthyInterval": "300ms", "timeout": "1s"}, **kw)
