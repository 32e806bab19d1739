#!/usr/bin/env python3
"""Pools the rounds of several perf/run.sh logs into one Limpet/HAProxy table against the SPEC §10 targets.

    perf/pool.py perf/out/run-1.log perf/out/run-2.log ...

One run's ratio (median of Limpet's rounds over median of HAProxy's) moves by ±15 % on a shared 2-core VM, so a
target near its threshold can land either side in any single run. Every round of run.sh runs the proxies back to
back, so each round gives one paired ratio; this prints the median of all paired ratios, their range, and each
run's own ratio. A benchmark summary, never a test.
"""
import re
import statistics
import sys

# key in the "rounds:" lines → (what it measures, target on the Limpet/HAProxy ratio)
ROWS = [
    ("ka cpu", "Keep-alive GET: proxy CPU per request", "≤ 0.8", lambda r: r <= 0.8),
    ("sticky cpu", "Sticky cookie replay: proxy CPU per request", "≤ 0.8", lambda r: r <= 0.8),
    ("ka p99", "Keep-alive GET: p99 latency", "≤ 1", lambda r: r <= 1.0),
    ("sticky p99", "Sticky cookie replay: p99 latency", "≤ 1", lambda r: r <= 1.0),
    ("ka rps", "Keep-alive GET: requests/s", "", None),
    ("close rps", "Connection: close: requests/s", "≥ 0.9", lambda r: r >= 0.9),
    ("close cpu", "Connection: close: proxy CPU per request", "", None),
    ("down mbs", "100 MiB download: MB/s", "≥ 1", lambda r: r >= 1.0),
    ("down cpu", "100 MiB download: proxy CPU per MiB", "< 1", lambda r: r < 1.0),
    ("up mbs", "100 MiB upload: MB/s", "≥ 1", lambda r: r >= 1.0),
    ("up cpu", "100 MiB upload: proxy CPU per MiB", "< 1", lambda r: r < 1.0),
    ("idle kib", "Idle: RSS per idle connection", "≤ 1", lambda r: r <= 1.0),
]
LINE = re.compile(r"^rounds: (?P<key>.+)\|(?P<proxy>\w+): (?P<values>.*)$")


def read(path):
    """{key: {proxy: [value per round]}} from one run.sh log."""
    found = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = LINE.match(line.strip())
            if m:
                values = [float(v) for v in m.group("values").split()]
                found.setdefault(m.group("key"), {})[m.group("proxy")] = values
    return found


def main(paths):
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    runs = [read(p) for p in paths]
    print(f"Pooled over {len(paths)} perf/run.sh runs: the median of the per-round Limpet/HAProxy ratios, their range,"
          " and each run's own ratio.\n")
    print("| Metric | Target | Rounds | Median ratio | Range | Per run | Median meets target |")
    print("|---|---|---:|---:|---:|---|---|")
    for key, label, target, meets in ROWS:
        paired, per_run = [], []
        for run in runs:
            row = run.get(key, {})
            limpet, haproxy = row.get("limpet"), row.get("haproxy")
            if not limpet or not haproxy:
                continue
            paired += [a / b for a, b in zip(limpet, haproxy) if b > 0]
            per_run.append(statistics.median(limpet) / statistics.median(haproxy))
        if not paired:
            continue
        median = statistics.median(paired)
        verdict = "" if meets is None else ("yes" if meets(median) else "**no**")
        print(f"| {label} | {target} | {len(paired)} | {median:.2f} | {min(paired):.2f}–{max(paired):.2f} "
              f"| {' '.join(f'{r:.2f}' for r in per_run)} | {verdict} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
