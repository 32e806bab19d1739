"""The Dockerfile builds from a fresh clone (issue 17): every file or directory it copies is tracked
by git, so `docker build .` in a clean checkout finds it. (No image is built here: no registry is
reachable from the test machines, and the Docker tests import an image made from the built binary.)"""

import shlex
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def copy_sources(dockerfile):
    """(line number, source) for every COPY/ADD source that comes from the build context."""
    found = []
    for number, line in enumerate(dockerfile.read_text().splitlines(), 1):
        first = line.split(None, 1)
        if not first or first[0].upper() not in ("COPY", "ADD"):
            continue
        words = shlex.split(line, comments=True)
        args = words[1:]
        if any(a.startswith("--from=") for a in args):
            continue  # from another build stage, not the context
        paths = [a for a in args if not a.startswith("--")]
        found += [(number, source) for source in paths[:-1]]
    return found


def test_every_copied_path_is_tracked():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    files = set(tracked.stdout.splitlines())
    sources = copy_sources(ROOT / "Dockerfile")
    assert sources, "no COPY or ADD found: the parser above is out of date with the Dockerfile"
    missing = []
    for number, source in sources:
        path = source.rstrip("/")
        if path not in files and not any(f.startswith(path + "/") for f in files):
            missing.append(f"Dockerfile:{number}: {source}")
    assert not missing, "not in a clean checkout: " + ", ".join(missing)
