"""Small, strict HTTP/1.1 client helpers for the integration tests.

The tests talk to Limpet over raw sockets so that they control every byte (pipelining,
malformed requests, 100-continue) and can see exactly what comes back, including whether
the connection stays open. Nothing here is clever: it is a plain HTTP/1.1 response reader.
"""

import errno
import hashlib
import re
import socket
import time

DEFAULT_TIMEOUT = 20.0


def pattern_bytes(size, offset=0):
    """The whoami `/data` pattern: byte i is i % 251."""
    block = bytes(i % 251 for i in range(251))
    start = offset % 251
    out = bytearray()
    out += block[start:]
    while len(out) < size:
        out += block
    return bytes(out[:size])


def pattern_sha256(size):
    """sha256 of `size` bytes of the `/data` pattern, computed without holding them all."""
    h = hashlib.sha256()
    chunk = pattern_bytes(251 * 4096)  # a whole number of periods, so chunks line up
    remaining = size
    while remaining >= len(chunk):
        h.update(chunk)
        remaining -= len(chunk)
    if remaining:
        h.update(chunk[:remaining])
    return h.hexdigest()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class Response:
    def __init__(self, version, status, reason, headers, raw_head):
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value) in order received
        self.raw_head = raw_head
        self.body = b""
        self.body_length = 0
        self.body_sha256 = None
        self.framing = None  # "length", "chunked", "close" or "none"

    def header(self, name):
        """The first value of a header (case-insensitive), or None."""
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def tokens(self, name):
        out = []
        for v in self.header_all(name):
            out += [t.strip().lower() for t in v.split(",") if t.strip()]
        return out

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    @property
    def whoami_name(self):
        return self.header("X-Whoami-Name")

    def whoami(self):
        """Parses a whoami description body into (lines, headers as a list of (name, value))."""
        return parse_whoami(self.text)

    def __repr__(self):
        return f"<Response {self.status} {self.reason} {self.headers!r} body={self.body[:200]!r}>"


def parse_whoami(text):
    """Returns a dict with 'name', 'remote', 'request_line', 'headers' [(k, v)], 'sha256', 'length'."""
    lines = text.split("\n")
    info = {"headers": [], "request_line": None, "name": None, "remote": None,
            "sha256": None, "length": None}
    request_line_seen = False
    for line in lines:
        if not line:
            continue
        if not request_line_seen:
            if re.match(r"^[A-Za-z!#$%&'*+.^_`|~-]+ \S+ HTTP/1\.[01]$", line):
                info["request_line"] = line
                request_line_seen = True
                continue
            if line.startswith("Name: "):
                info["name"] = line[len("Name: "):]
            elif line.startswith("RemoteAddr: "):
                info["remote"] = line[len("RemoteAddr: "):]
            continue
        if line.startswith("Body-Sha256: "):
            info["sha256"] = line[len("Body-Sha256: "):]
            continue
        if line.startswith("Body-Length: "):
            info["length"] = int(line[len("Body-Length: "):])
            continue
        if ": " in line or line.endswith(":"):
            k, _, v = line.partition(":")
            info["headers"].append((k, v.strip()))
    return info


def whoami_header(info, name):
    vals = [v for k, v in info["headers"] if k.lower() == name.lower()]
    return vals


class Closed(Exception):
    pass


class Conn:
    """One client connection with a receive buffer and a strict response reader."""

    def __init__(self, port, host="127.0.0.1", timeout=DEFAULT_TIMEOUT, family=None):
        self.port = port
        self.timeout = timeout
        if family is None:
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.eof = False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self, want=65536):
        if self.eof:
            return False
        try:
            chunk = self.sock.recv(max(want, 65536))
        except ConnectionResetError:
            self.eof = True
            return False
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def _read_line(self, limit=1 << 20):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 2]
                return line
            if len(self.buf) > limit:
                raise AssertionError(f"line longer than {limit} bytes")
            if not self._fill():
                raise Closed(f"connection closed while reading a line; got {bytes(self.buf[:200])!r}")

    def _read_exact(self, n, sink):
        """Consumes n bytes, passing each piece to sink."""
        remaining = n
        while remaining > 0:
            if not self.buf:
                if not self._fill(min(remaining, 1 << 20)):
                    raise Closed(f"connection closed with {remaining} of {n} body bytes unread")
            take = min(len(self.buf), remaining)
            sink(bytes(self.buf[:take]))
            del self.buf[:take]
            remaining -= take

    def read_head(self):
        """Reads one response head (status line and fields)."""
        raw = bytearray()
        status_line = self._read_line()
        raw += status_line + b"\r\n"
        m = re.match(rb"^HTTP/(1\.[01]) (\d{3})(?: (.*))?$", status_line)
        if not m:
            raise AssertionError(f"bad status line {status_line!r}")
        headers = []
        while True:
            line = self._read_line()
            raw += line + b"\r\n"
            if line == b"":
                break
            name, sep, value = line.partition(b":")
            if not sep or not name or name != name.strip():
                raise AssertionError(f"bad header line {line!r}")
            headers.append((name.decode("latin-1"), value.strip().decode("latin-1")))
        return Response(m.group(1).decode(), int(m.group(2)), (m.group(3) or b"").decode("latin-1"),
                        headers, bytes(raw))

    def read_response(self, method="GET", keep_body=True, sink=None, allow_interim=False):
        """Reads one response. 1xx responses are returned as they are only when allow_interim;
        otherwise they are skipped (except 101, which is always returned)."""
        while True:
            resp = self.read_head()
            if 100 <= resp.status < 200 and resp.status != 101 and not allow_interim:
                continue
            break
        h = hashlib.sha256()
        pieces = []

        def consume(piece):
            h.update(piece)
            resp.body_length += len(piece)
            if keep_body:
                pieces.append(piece)
            if sink is not None:
                sink(piece)

        te = resp.tokens("Transfer-Encoding")
        cl = resp.header_all("Content-Length")
        if method == "HEAD" or resp.status in (204, 304) or 100 <= resp.status < 200:
            resp.framing = "none"
        elif te:
            assert te[-1] == "chunked", f"response Transfer-Encoding {te}"
            assert not cl, f"response with both Transfer-Encoding and Content-Length: {resp.headers}"
            resp.framing = "chunked"
            while True:
                line = self._read_line(limit=4096)
                size_text = line.split(b";", 1)[0].strip()
                assert re.fullmatch(rb"[0-9a-fA-F]+", size_text), f"bad chunk size line {line!r}"
                size = int(size_text, 16)
                if size == 0:
                    break
                self._read_exact(size, consume)
                crlf = self._read_line(limit=2)
                assert crlf == b"", f"missing CRLF after chunk data: {crlf!r}"
            while True:  # trailers
                if self._read_line() == b"":
                    break
        elif cl:
            assert len(set(cl)) == 1, f"conflicting Content-Length {cl}"
            resp.framing = "length"
            self._read_exact(int(cl[0]), consume)
        else:
            resp.framing = "close"
            while True:
                if self.buf:
                    consume(bytes(self.buf))
                    self.buf.clear()
                if not self._fill(1 << 20):
                    break
        resp.body = b"".join(pieces)
        resp.body_sha256 = h.hexdigest()
        return resp

    def request(self, method="GET", path="/", host="plain.localhost", headers=(), body=None,
                version="HTTP/1.1", **kw):
        send_request(self, method, path, host, headers, body, version)
        return self.read_response(method=method, **kw)

    def wait_closed(self, timeout=10.0):
        """True when the peer closes (EOF or reset) within timeout and sends nothing more
        (any extra bytes are returned in the assertion message)."""
        deadline = time.monotonic() + timeout
        extra = bytes(self.buf)
        self.buf.clear()
        if self.eof:
            return True, extra
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                return True, extra
            except OSError as e:
                if e.errno in (errno.ECONNRESET, errno.EPIPE):
                    return True, extra
                raise
            finally:
                self.sock.settimeout(self.timeout)
            if not chunk:
                return True, extra
            extra += chunk
        return False, extra

    def is_open(self):
        """True when the connection is still open: nothing arrived and no EOF within a short poll."""
        self.sock.setblocking(False)
        try:
            chunk = self.sock.recv(1, socket.MSG_PEEK)
            if chunk == b"":
                return False
            return True  # unexpected bytes, but open
        except BlockingIOError:
            return True
        except ConnectionResetError:
            return False
        finally:
            self.sock.setblocking(True)
            self.sock.settimeout(self.timeout)


def build_request(method="GET", path="/", host="plain.localhost", headers=(), body=None,
                  version="HTTP/1.1"):
    lines = [f"{method} {path} {version}"]
    if host is not None:
        lines.append(f"Host: {host}")
    names = {k.lower() for k, _ in headers}
    for k, v in headers:
        lines.append(f"{k}: {v}")
    if body is not None and "content-length" not in names and "transfer-encoding" not in names:
        lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + (body or b"")


def send_request(conn, method="GET", path="/", host="plain.localhost", headers=(), body=None,
                 version="HTTP/1.1"):
    conn.send(build_request(method, path, host, headers, body, version))


def get(port, path="/", host="plain.localhost", headers=(), method="GET", body=None, **kw):
    """One request on a fresh connection."""
    with Conn(port) as c:
        return c.request(method, path, host, headers, body, **kw)


def wait_until(predicate, timeout=10.0, interval=0.05, message="condition"):
    deadline = time.monotonic() + timeout
    last_exc = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 - polled condition may fail transiently
            last_exc = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}"
                         + (f" (last error: {last_exc!r})" if last_exc else ""))


def sticky_value(url):
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def default_cookie_name(qualified_service):
    return "_" + hashlib.sha1(("_TRAEFIK_BACKEND_" + qualified_service).encode()).hexdigest()[:5]


def fnv1a64_hex(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def parse_set_cookie(value):
    """'a=b; Path=/; HttpOnly' -> ('a', 'b', {'path': '/', 'httponly': True})."""
    parts = [p.strip() for p in value.split(";")]
    name, _, val = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        if not p:
            continue
        k, sep, v = p.partition("=")
        attrs[k.lower()] = v if sep else True
    return name, val, attrs


class PatternSource:
    """Generates `size` bytes on the fly (a 1 MiB block of a non-periodic-looking pattern,
    varied per block so that misplaced or repeated blocks change the hash) and hashes them."""

    def __init__(self, size, block=1 << 20):
        self.size = size
        self.block = block
        base = hashlib.sha256(b"limpet").digest() * (block // 32 + 1)
        self.base = base[:block]
        self.sha = hashlib.sha256()

    def pieces(self, sizes=None):
        """Yields the bytes; `sizes` (cycled) chooses piece lengths, else whole blocks."""
        sent = 0
        n = 0
        size_list = list(sizes) if sizes else None
        while sent < self.size:
            want = size_list[n % len(size_list)] if size_list else self.block
            want = min(want, self.size - sent, self.block)
            counter = (n & 0xFFFFFFFF).to_bytes(4, "big")
            piece = counter + self.base[4:want] if want > 4 else self.base[:want]
            self.sha.update(piece)
            sent += len(piece)
            n += 1
            yield piece

    def hexdigest(self):
        return self.sha.hexdigest()


def upload(conn, method, path, host, size, chunked=False, headers=(), chunk_sizes=None,
           read_kw=None):
    """Sends a request with a generated body of `size` bytes from a thread while reading the
    response on this one. Returns (response, sha256 of what was sent)."""
    import threading

    src = PatternSource(size)
    hdrs = list(headers)
    if chunked:
        hdrs.append(("Transfer-Encoding", "chunked"))
    else:
        hdrs.append(("Content-Length", str(size)))
    head = build_request(method, path, host, hdrs, None)
    error = []

    def sender():
        try:
            conn.sock.sendall(head)
            for piece in src.pieces(chunk_sizes):
                if chunked:
                    conn.sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
                else:
                    conn.sock.sendall(piece)
            if chunked:
                conn.sock.sendall(b"0\r\n\r\n")
        except OSError as e:
            error.append(e)

    t = threading.Thread(target=sender, daemon=True)
    t.start()
    try:
        resp = conn.read_response(method=method, **(read_kw or {}))
    finally:
        t.join(conn.timeout)
    assert not error, f"sending the body failed: {error[0]!r}"
    assert not t.is_alive(), "the request body was still being sent after the response ended"
    return resp, src.hexdigest()


# ---------------------------------------------------------------------------------------
# Helpers for the health, failover, draining, strategy and secret tests (additive).


def keyed_sticky_value(secret, url):
    """SPEC §5.2 `cookie.secret`: hex(HMAC-SHA256(secret, url))[:16]."""
    import hmac
    return hmac.new(secret.encode(), url.encode(), hashlib.sha256).hexdigest()[:16]


def set_cookie_values(resp, name):
    """The values of every Set-Cookie for cookie `name` in a response."""
    return [parse_set_cookie(v)[1] for v in resp.header_all("Set-Cookie") if v.split("=", 1)[0] == name]


def cookie_get(port, host, cookies=(), path="/", headers=(), **kw):
    """One request on a fresh connection carrying `cookies` [(name, value)] in one Cookie header."""
    hdrs = list(headers)
    if cookies:
        hdrs.append(("Cookie", "; ".join(f"{k}={v}" for k, v in cookies)))
    return get(port, path, host=host, headers=hdrs, **kw)


class SourceConn(Conn):
    """A Conn to 127.0.0.1:port from a chosen loopback source address (e.g. 127.0.0.7), to
    look like different clients to Limpet."""

    def __init__(self, port, source, timeout=DEFAULT_TIMEOUT):
        self.port = port
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.bind((source, 0))
        self.sock.connect(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.eof = False


def max_run(seq, item):
    """The longest run of consecutive `item`s in seq."""
    best = cur = 0
    for x in seq:
        cur = cur + 1 if x == item else 0
        best = max(best, cur)
    return best


def wait_until_checking(predicate, check, timeout=10.0, interval=0.05, message="condition"):
    """Like wait_until, but runs `check()` (which asserts an invariant) before every poll, so
    an invariant broken while waiting fails the test at once. Exceptions propagate."""
    deadline = time.monotonic() + timeout
    while True:
        check()
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def keep_asserting(check, duration=1.0, interval=0.05):
    """Runs `check()` repeatedly for `duration` seconds (at least once): a property that must
    hold continuously, e.g. while health probes run several times."""
    deadline = time.monotonic() + duration
    n = 0
    while n == 0 or time.monotonic() < deadline:
        check()
        n += 1
        time.sleep(interval)
