#!/usr/bin/env python3
"""Rewrites a dynamic file RATE times a second, alternating two contents, and sends SIGHUP
to PID after each write, until SIGTERM; then, if the last write was FILE_B, writes FILE_A
(and signals) once more, prints `writes N` and exits.

    reload_loop.py PID DYNAMIC_FILE FILE_A FILE_B RATE

Each write goes to DYNAMIC_FILE.tmp and is renamed over DYNAMIC_FILE, so the proxy never
reads half a file. Writes are scheduled on absolute times (not "sleep after each write"),
so the rate does not drift with the cost of a write.
"""

import os
import signal
import sys
import time


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    pid = int(sys.argv[1])
    target = sys.argv[2]
    contents = [open(sys.argv[3], "rb").read(), open(sys.argv[4], "rb").read()]
    period = 1.0 / float(sys.argv[5])
    tmp = target + ".tmp"
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    writes = 0
    next_at = time.monotonic()
    while not stopping or (writes > 0 and writes % 2 == 0):
        # Once stopping, one more write if the last one was FILE_B: the proxy ends where it began.
        with open(tmp, "wb") as f:
            f.write(contents[writes % 2])
        os.replace(tmp, target)
        try:
            os.kill(pid, signal.SIGHUP)
        except ProcessLookupError:
            break
        writes += 1
        if stopping:
            continue
        next_at += period
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)  # at most one period after a SIGTERM, the loop ends
    print(f"writes {writes}", flush=True)


if __name__ == "__main__":
    main()
