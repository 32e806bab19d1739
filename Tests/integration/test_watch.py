"""providers.file.watch (SPEC §3, §7.4): inotify on the file's directory, or on the provider directory and
every subdirectory; a burst of changes becomes one reload `providersThrottleDuration` after its first event;
an event that changed no byte reloads nothing; a file or directory that goes missing is an error that leaves
the previous configuration serving. SIGHUP with `watch: false` is covered in test_reload.py."""

import os
import shutil
import time

from conftest import deep_merge, dump_yaml
from support import get, keep_asserting, wait_until

THROTTLE = "100ms"
# An edit must be served within this long (the throttle plus the time to rebuild and publish a snapshot on a
# busy 2-core machine). The polling watcher this replaced needed up to a second plus the throttle.
LIVE_WITHIN = 1.0

WATCHING = "providers.file.watch: watching"
RELOADED = "configuration reloaded"
REJECTED = "configuration rejected"


def routes(backend, *names):
    """One router per name: Host(`NAME.localhost`) -> a service NAME on `backend`."""
    return {"http": {
        "routers": {n: {"rule": f"Host(`{n}.localhost`)", "service": n} for n in names},
        "services": {n: {"loadBalancer": {"servers": [{"url": backend.url}]}} for n in names},
    }}


def status(limpet, name):
    return get(limpet.port, "/", host=f"{name}.localhost").status


def watched(throttle=THROTTLE, **file_provider):
    return {"providers": {"providersThrottleDuration": throttle, "file": dict(file_provider)}}


def start_watched(make_limpet, dynamic, static_extra=None, start_hook=None):
    """A Limpet whose watcher is running (its start line logged) before the test touches a file: an edit
    between the initial load and the watcher's first look would otherwise be missed."""
    limpet = make_limpet(dynamic, start=False, static_extra=deep_merge(watched(), static_extra))
    if start_hook:
        start_hook(limpet)
    offset = limpet.log_size()
    limpet.start()
    wait_until(lambda: WATCHING in limpet.log_text(offset), timeout=10, message="the watcher's start line")
    return limpet


def write_in_place(path, data):
    """Truncate and rewrite the same inode (what `>` in a shell, or most editors' 'write' does)."""
    with open(path, "w") as f:
        f.write(data if isinstance(data, str) else dump_yaml(data))


def write_by_rename(path, data, tmp_name=".dynamic.yaml.swp"):
    """Write a temporary file in the same directory and rename it over the target (atomic save)."""
    tmp = path.parent / tmp_name
    tmp.write_text(data if isinstance(data, str) else dump_yaml(data))
    os.rename(tmp, path)


def wait_live(limpet, name, since, what):
    """Waits for NAME.localhost to answer 200 and checks it did within LIVE_WITHIN of `since`."""
    wait_until(lambda: status(limpet, name) == 200, timeout=10, interval=0.02,
               message=f"{name}.localhost to answer after {what}")
    elapsed = time.monotonic() - since
    assert elapsed < LIVE_WITHIN, f"{what}: {name}.localhost answered only after {elapsed:.2f}s"
    return elapsed


def count(limpet, needle, offset=0):
    return limpet.log_text(offset).count(needle)


def test_in_place_edit_is_applied(make_limpet, backends):
    a = backends.a
    limpet = start_watched(make_limpet, routes(a, "app"))
    inode = limpet.dynamic_path.stat().st_ino
    assert status(limpet, "new") == 404

    t0 = time.monotonic()
    write_in_place(limpet.dynamic_path, routes(a, "app", "new"))
    elapsed = wait_live(limpet, "new", t0, "an in-place edit")
    assert limpet.dynamic_path.stat().st_ino == inode, "the edit should have kept the inode"
    assert status(limpet, "app") == 200
    print(f"in-place edit live after {elapsed * 1000:.0f} ms")


def test_save_by_rename_several_times(make_limpet, backends):
    """Each rename replaces the inode a file watch would have followed; the directory watch keeps seeing
    them. The temporary file's own events (another name) are ignored."""
    a = backends.a
    limpet = start_watched(make_limpet, routes(a, "app", "v0"))
    latencies = []
    for i in range(1, 5):
        t0 = time.monotonic()
        write_by_rename(limpet.dynamic_path, routes(a, "app", f"v{i}"))
        latencies.append(wait_live(limpet, f"v{i}", t0, f"save by rename #{i}"))
        assert status(limpet, f"v{i - 1}") == 404
        assert status(limpet, "app") == 200
    print("rename saves live after " + ", ".join(f"{x * 1000:.0f} ms" for x in latencies))


def test_vim_style_save(make_limpet, backends):
    """vim's default save with `backupcopy=no`: rename the file to a backup, write a new file, delete the
    backup."""
    a = backends.a
    limpet = start_watched(make_limpet, routes(a, "app"))
    path = limpet.dynamic_path
    backup = path.parent / "dynamic.yaml~"
    t0 = time.monotonic()
    os.rename(path, backup)
    write_in_place(path, routes(a, "app", "vim"))
    backup.unlink()
    wait_live(limpet, "vim", t0, "a vim-style save")
    assert status(limpet, "app") == 200


def test_slow_in_place_write_is_read_once_closed(make_limpet, backends):
    """providersThrottleDuration 0 and a writer that truncates the file, pauses, then writes it: the empty
    file in between (a valid, empty configuration) is never loaded; the window waits for the close."""
    a = backends.a
    limpet = start_watched(make_limpet, routes(a, "app"), static_extra=watched(throttle="0s"))
    offset = limpet.log_size()

    def app_serves():
        assert status(limpet, "app") == 200, "app.localhost went away while the file was being rewritten"

    with open(limpet.dynamic_path, "w") as f:  # truncated: IN_MODIFY, still open
        keep_asserting(app_serves, duration=0.5)
        f.write(dump_yaml(routes(a, "app", "slow")))
    t0 = time.monotonic()
    wait_live(limpet, "slow", t0, "closing the slowly written file")
    app_serves()
    assert count(limpet, RELOADED, offset) == 1 and REJECTED not in limpet.log_text(offset), \
        limpet.log_text(offset)


def test_deleted_then_recreated(make_limpet, backends):
    """A missing file is an error: the previous configuration keeps serving until the file is back."""
    a = backends.a
    limpet = start_watched(make_limpet, routes(a, "app"))
    offset = limpet.log_size()
    limpet.dynamic_path.unlink()
    wait_until(lambda: REJECTED in limpet.log_text(offset), timeout=5,
               message="the reload of the deleted file to be rejected")
    assert "no such file" in limpet.log_text(offset)

    def still_serving():
        assert status(limpet, "app") == 200, "app.localhost stopped answering while the file was missing"

    keep_asserting(still_serving, duration=1.5)

    t0 = time.monotonic()
    write_in_place(limpet.dynamic_path, routes(a, "app", "back"))
    wait_live(limpet, "back", t0, "re-creating the deleted file")
    assert status(limpet, "app") == 200


def start_directory_provider(make_limpet, a):
    """A Limpet watching `conf.d/` (created before it starts) with an `app` router in `conf.d/base.yaml`."""
    def populate(limpet):
        (limpet.dir / "conf.d").mkdir()
        (limpet.dir / "conf.d/base.yaml").write_text(dump_yaml(routes(a, "app")))

    return start_watched(make_limpet, routes(a, "unused"), start_hook=populate,
                         static_extra=watched(filename="", directory="conf.d"))


def test_directory_provider_new_subdirectory(make_limpet, backends):
    """Every subdirectory is watched, including one created after the start: its files add routers, and
    later edits inside it are seen too (its own watch, not just the content check)."""
    a = backends.a
    limpet = start_directory_provider(make_limpet, a)
    assert status(limpet, "app") == 200 and status(limpet, "unused") == 404

    sub = limpet.dir / "conf.d/team/extra"
    t0 = time.monotonic()
    sub.mkdir(parents=True)
    write_in_place(sub / "extra.yml", routes(a, "extra"))
    wait_live(limpet, "extra", t0, "a YAML file in a new subdirectory")

    t0 = time.monotonic()
    write_in_place(sub / "extra.yml", routes(a, "extra", "extra2"))
    wait_live(limpet, "extra2", t0, "an edit in the new subdirectory")

    # Not YAML: no reload.
    offset = limpet.log_size()
    (sub / "notes.txt").write_text("hello\n")
    time.sleep(0.6)
    assert count(limpet, RELOADED, offset) == 0, limpet.log_text(offset)

    # Removing the subdirectory removes its routers.
    shutil.rmtree(limpet.dir / "conf.d/team")
    wait_until(lambda: status(limpet, "extra") == 404, timeout=LIVE_WITHIN,
               message="the routers of the removed subdirectory to go away")
    assert status(limpet, "app") == 200


def test_burst_is_one_reload(make_limpet, backends):
    """20 writes inside one throttle window: one reload, of the last content, once the window closes."""
    a = backends.a
    throttle = 1.0
    limpet = start_watched(make_limpet, routes(a, "app"), static_extra=watched(throttle=f"{throttle}s"))
    offset = limpet.log_size()
    t0 = time.monotonic()
    for i in range(20):
        data = routes(a, "app", f"burst{i}")
        if i % 2:
            write_in_place(limpet.dynamic_path, data)
        else:
            write_by_rename(limpet.dynamic_path, data)
    written = time.monotonic() - t0
    assert written < throttle / 2, f"the burst took {written:.2f}s; the machine is too slow for this test"
    wait_until(lambda: status(limpet, "burst19") == 200, timeout=10, interval=0.02,
               message="the last write of the burst to be served")
    elapsed = time.monotonic() - t0
    assert throttle * 0.9 <= elapsed < throttle + LIVE_WITHIN, f"served after {elapsed:.2f}s"
    time.sleep(throttle + 0.3)  # a second window would have closed by now
    assert count(limpet, RELOADED, offset) == 1, limpet.log_text(offset)
    assert status(limpet, "burst18") == 404


def test_unchanged_content_does_not_reload(make_limpet, backends):
    """touch, chmod and rewriting the same bytes are events but no change: no reload (Traefik skips an
    unchanged configuration too). A real edit afterwards still reloads."""
    a = backends.a
    limpet = start_watched(make_limpet, routes(a, "app"))
    path = limpet.dynamic_path
    offset = limpet.log_size()
    path.touch()
    os.chmod(path, 0o640)
    write_in_place(path, path.read_text())
    write_by_rename(path, path.read_text())
    wait_until(lambda: "did not change" in limpet.log_text(offset), timeout=5,
               message="the watcher to look at the files")
    time.sleep(0.4)
    assert count(limpet, RELOADED, offset) == 0, limpet.log_text(offset)

    t0 = time.monotonic()
    write_in_place(path, routes(a, "app", "real"))
    wait_live(limpet, "real", t0, "a real edit after no-op events")
    assert count(limpet, RELOADED, offset) == 1


def test_configmap_symlink_swap(make_limpet, backends):
    """A Kubernetes ConfigMap volume: dynamic.yaml -> ..data/dynamic.yaml, ..data -> ..<timestamp>/; an
    update writes a new timestamped directory and renames a new `..data` symlink over the old one. The only
    event about the configuration is the rename of `..data` (the old directory is removed only afterwards
    here, so that its removal cannot be what triggers the reload)."""
    a = backends.a

    def configmap(limpet):
        limpet.dynamic_path.unlink()
        first = limpet.dir / "..2024_01_01_00_00_00.1"
        first.mkdir()
        (first / "dynamic.yaml").write_text(dump_yaml(routes(a, "app")))
        os.symlink(first.name, limpet.dir / "..data")
        os.symlink("..data/dynamic.yaml", limpet.dynamic_path)

    limpet = start_watched(make_limpet, routes(a, "unused"), start_hook=configmap)
    assert status(limpet, "app") == 200
    for i in range(2, 4):
        old = os.readlink(limpet.dir / "..data")
        new = limpet.dir / f"..2024_01_01_00_00_00.{i}"
        t0 = time.monotonic()
        new.mkdir()
        (new / "dynamic.yaml").write_text(dump_yaml(routes(a, "app", f"cm{i}")))
        os.symlink(new.name, limpet.dir / "..data_tmp")
        os.rename(limpet.dir / "..data_tmp", limpet.dir / "..data")
        wait_live(limpet, f"cm{i}", t0, f"ConfigMap update #{i - 1}")
        assert status(limpet, "app") == 200
        shutil.rmtree(limpet.dir / old)


def test_watched_directory_removed_and_recreated(make_limpet, backends):
    """The provider directory disappears: the reload is rejected, the old routes keep serving, the watch
    failure is logged once while it is retried every second, and the directory's return is picked up."""
    a = backends.a
    limpet = start_directory_provider(make_limpet, a)
    offset = limpet.log_size()
    shutil.rmtree(limpet.dir / "conf.d")
    wait_until(lambda: REJECTED in limpet.log_text(offset), timeout=5,
               message="the reload without the directory to be rejected")
    time.sleep(2.5)  # a few retries
    text = limpet.log_text(offset)
    assert text.count("cannot watch") == 1 and str(limpet.dir / "conf.d") in text, text
    assert status(limpet, "app") == 200

    staging = limpet.dir / "staging"
    staging.mkdir()
    (staging / "base.yaml").write_text(dump_yaml(routes(a, "app", "again")))
    t0 = time.monotonic()
    os.rename(staging, limpet.dir / "conf.d")
    # Seen at the next retry (at most a second) plus the throttle.
    wait_until(lambda: status(limpet, "again") == 200, timeout=10, interval=0.02,
               message="the recreated directory's routes")
    elapsed = time.monotonic() - t0
    assert elapsed < 1.0 + LIVE_WITHIN, f"served after {elapsed:.2f}s"
    assert "now watching " + str(limpet.dir / "conf.d") in limpet.log_text(offset)


def test_watch_false_does_not_react(make_limpet, backends):
    """No watcher at all with `watch: false`: neither an in-place edit nor a rename is applied (SIGHUP is,
    see test_reload.py)."""
    a = backends.a
    limpet = make_limpet(routes(a, "app"), static_extra=watched(throttle="0s", watch=False))
    offset = limpet.log_size()
    write_in_place(limpet.dynamic_path, routes(a, "app", "inplace"))
    write_by_rename(limpet.dynamic_path, routes(a, "app", "renamed"))
    time.sleep(1.5)
    assert status(limpet, "inplace") == 404 and status(limpet, "renamed") == 404
    text = limpet.log_text()
    assert WATCHING not in text and count(limpet, RELOADED, offset) == 0, text
