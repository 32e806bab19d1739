"""`limpet check` (SPEC §2, §3, §4): problems as FILE:LINE:COLUMN: message, exit status."""

import re
import subprocess

import pytest

from conftest import dump_yaml, standard_dynamic

STATIC = """\
entryPoints:
  web:
    address: "127.0.0.1:18080"
providers:
  file:
    filename: dynamic.yaml
engine:
  io: epoll
log:
  level: INFO
"""

DYNAMIC_OK = """\
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
"""


def run_check(limpet_bin, directory, static=STATIC, dynamic=DYNAMIC_OK):
    (directory / "limpet.yaml").write_text(static)
    if dynamic is not None:
        (directory / "dynamic.yaml").write_text(dynamic)
    p = subprocess.run([str(limpet_bin), "check", "--config", str(directory / "limpet.yaml")],
                       capture_output=True, text=True, timeout=30, cwd=directory)
    return p.returncode, p.stdout + p.stderr


def test_valid_configuration(limpet_bin, tmp_path):
    code, out = run_check(limpet_bin, tmp_path)
    assert code == 0, out
    assert not re.search(r"dynamic\.yaml:\d+:\d+:", out), out


def test_standard_test_configuration_is_valid(limpet_bin, tmp_path):
    """The configuration the rest of this suite runs with passes `check`."""
    class S:
        def __init__(self, url):
            self.url = url
    dyn = dump_yaml(standard_dynamic(S("http://127.0.0.1:9001"), S("http://127.0.0.1:9002"),
                                     S("http://127.0.0.1:9003"), "http://127.0.0.1:9004"))
    code, out = run_check(limpet_bin, tmp_path, dynamic=dyn)
    assert code == 0, out


@pytest.mark.parametrize("dynamic,line,column,key", [
    # An unknown key beside a valid one in a server entry (line 11, under `- url:`).
    (DYNAMIC_OK.replace('          - url: "http://127.0.0.1:9001"\n',
                        '          - url: "http://127.0.0.1:9001"\n            wieght: 2\n'), 11, 13, "wieght"),
    # An unknown key in a router.
    (DYNAMIC_OK.replace("      service: app\n", "      service: app\n      middlewarez: []\n"), 6, 7, "middlewarez"),
    # An unknown key in the sticky cookie (line 14).
    (DYNAMIC_OK.replace("            name: lb\n", "            name: lb\n            colour: blue\n"), 14, 13, "colour"),
], ids=["server", "router", "cookie"])
def test_unknown_key_in_dynamic_file(limpet_bin, tmp_path, dynamic, line, column, key):
    code, out = run_check(limpet_bin, tmp_path, dynamic=dynamic)
    assert code == 1, out
    m = re.search(rf"dynamic\.yaml:{line}:{column}: (.*)", out)
    assert m, f"expected a diagnostic at dynamic.yaml:{line}:{column}:, got:\n{out}"
    assert key in m.group(1), f"the message should name the key {key!r}: {m.group(0)}"


def test_unknown_key_in_static_file(limpet_bin, tmp_path):
    static = STATIC.replace('    address: "127.0.0.1:18080"\n', '    address: "127.0.0.1:18080"\n    adress: x\n')
    code, out = run_check(limpet_bin, tmp_path, static=static)
    assert code == 1, out
    m = re.search(r"limpet\.yaml:4:5: (.*)", out)
    assert m and "adress" in m.group(1), out


def test_bad_yaml(limpet_bin, tmp_path):
    bad = 'http:\n  routers:\n    app: {rule: "Host(`a`)", service: app\n  services: {}\n'
    code, out = run_check(limpet_bin, tmp_path, dynamic=bad)
    assert code == 1, out
    assert re.search(r"dynamic\.yaml:\d+:\d+: ", out), out


def test_missing_service_reference(limpet_bin, tmp_path):
    dyn = DYNAMIC_OK.replace("      service: app\n", "      service: nope\n")
    code, out = run_check(limpet_bin, tmp_path, dynamic=dyn)
    assert code == 1, out
    assert re.search(r"dynamic\.yaml:5:\d+: .*nope", out), out


def test_wrong_type(limpet_bin, tmp_path):
    dyn = DYNAMIC_OK.replace("        servers:\n          - url: \"http://127.0.0.1:9001\"\n",
                             "        servers: \"http://127.0.0.1:9001\"\n")
    code, out = run_check(limpet_bin, tmp_path, dynamic=dyn)
    assert code == 1, out
    assert re.search(r"dynamic\.yaml:9:\d+: ", out), out

