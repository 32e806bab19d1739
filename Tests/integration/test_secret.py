"""`sticky.cookie.secret` (SPEC §5.2): keyed cookie values, from the environment."""

import os
import re
import subprocess

from conftest import host_routed
from support import cookie_get, get, keyed_sticky_value, set_cookie_values, sticky_value

SECRET = "correct horse battery staple"


def test_keyed_cookie_values(make_limpet, backends, monkeypatch):
    a, b = backends.a, backends.b
    urls = {a.name: a.url, b.name: b.url}
    monkeypatch.setenv("LIMPET_STICKY_SECRET", SECRET)  # inherited by the limpet process

    def svc(cookie):
        return {"loadBalancer": {"servers": [{"url": a.url}, {"url": b.url}], "sticky": {"cookie": cookie}}}
    limpet = make_limpet(host_routed({
        "env": svc({"name": "lb", "secret": "${LIMPET_STICKY_SECRET}"}),
        "lit": svc({"name": "lb", "secret": "literal-s3cret"}),
        "plain": svc({"name": "lb"}),
    }))
    port = limpet.port
    for host, secret in (("env", SECRET), ("lit", "literal-s3cret"), ("plain", None)):
        seen = {}
        for _ in range(4):
            r = get(port, "/", host=f"{host}.localhost")
            assert r.status == 200, r
            (value,) = set_cookie_values(r, "lb")
            seen[r.whoami_name] = value
        assert set(seen) == set(urls), seen
        for name, value in seen.items():
            if secret is None:
                assert value == sticky_value(urls[name]), f"{host}: unkeyed value {value}"
                continue
            assert value == keyed_sticky_value(secret, urls[name]), \
                f"{host}: cookie for {name} is {value}, expected hex(HMAC-SHA256(secret, url))[:16]"
            assert value != sticky_value(urls[name])
            for _ in range(5):
                r = cookie_get(port, f"{host}.localhost", [("lb", value)])
                assert r.whoami_name == name and not set_cookie_values(r, "lb"), \
                    f"{host}: the keyed value must pin its server: {r}"


STATIC = """\
entryPoints:
  web:
    address: "127.0.0.1:18080"
providers:
  file:
    filename: dynamic.yaml
engine:
  io: epoll
"""

DYNAMIC = """\
http:
  routers:
    app:
      rule: "Host(`app.localhost`)"
      service: app
  services:
    app:
      loadBalancer:
        servers:
          - url: "http://127.0.0.1:9001"
        sticky:
          cookie:
            name: lb
            secret: "${LIMPET_STICKY_SECRET}"
"""


def test_check_reports_unset_secret_variable(limpet_bin, tmp_path):
    (tmp_path / "limpet.yaml").write_text(STATIC)
    (tmp_path / "dynamic.yaml").write_text(DYNAMIC)

    def check(env):
        p = subprocess.run([str(limpet_bin), "check", "--config", str(tmp_path / "limpet.yaml")],
                           capture_output=True, text=True, timeout=30, cwd=tmp_path, env=env)
        return p.returncode, p.stdout + p.stderr

    env = {k: v for k, v in os.environ.items() if k != "LIMPET_STICKY_SECRET"}
    code, out = check(env)
    assert code == 1, f"an unset ${{LIMPET_STICKY_SECRET}} must fail the check:\n{out}"
    m = re.search(r"dynamic\.yaml:14:\d+: (.*)", out)
    assert m, f"expected a diagnostic at dynamic.yaml:14:COLUMN: (the secret line), got:\n{out}"
    assert "LIMPET_STICKY_SECRET" in m.group(1), m.group(0)

    code, out = check(dict(env, LIMPET_STICKY_SECRET=SECRET))
    assert code == 0, out
