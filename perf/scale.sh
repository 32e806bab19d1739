#!/usr/bin/env bash
# Worker scaling on a small machine: Limpet with engine.workers 1, then 2, answering every request itself
# (a router whose redirectScheme middleware replies 302 — parse, route, middleware, response, no backend, so
# the backend can never be the limit), loaded by wrk with keep-alive connections, 16 requests pipelined per
# write (perf/scale/pipeline.lua) so that wrk spends as little CPU per request as it can.
#
#   perf/scale.sh                 # DURATION=10s CONNECTIONS=100 by default
#
# Two numbers per run: requests/s, and requests per CPU-second Limpet used (from /proc/PID/stat). On a
# 2-core machine wrk needs a core of its own, so two workers cannot get two free cores: the raw req/s ratio
# is capped by the load generator, while requests per Limpet CPU-second shows whether a second worker costs
# anything per request (locks, shared cache lines). Linear scaling means that figure stays the same.
# Writes perf/out/scale.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/perf/out"
mkdir -p "$OUT"
LIMPET="${LIMPET_BIN:-$ROOT/.build/release/limpet}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-100}"
CLK_TCK="$(getconf CLK_TCK)"
TMP="$(mktemp -d)"
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

[ -x "$LIMPET" ] || { echo "no limpet binary at $LIMPET (swift build -c release --product limpet)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 1; }

port=$((20000 + RANDOM % 20000))
cat > "$TMP/dynamic.yaml" <<'EOF'
http:
  routers:
    local: {rule: "PathPrefix(`/`)", service: none, middlewares: [to-https]}
  services:
    none: {loadBalancer: {servers: [{url: "http://127.0.0.1:9"}]}}
  middlewares:
    to-https: {redirectScheme: {scheme: https}}
EOF

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# run WORKERS LIMPET_CPUS WRK_CPUS: one measurement (CPU lists for taskset).
run() {
    local workers="$1" limpet_cpus="$2" wrk_cpus="$3" wrk_threads=2 before after out requests rps
    cat > "$TMP/limpet.yaml" <<EOF
entryPoints: {web: {address: "127.0.0.1:$port"}}
providers: {file: {filename: dynamic.yaml, watch: false}}
log: {level: WARN}
engine: {workers: $workers}
EOF
    taskset -c "$limpet_cpus" "$LIMPET" run --config "$TMP/limpet.yaml" > "$TMP/limpet-$workers.log" 2>&1 &
    PID=$!
    for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
    taskset -c "$wrk_cpus" wrk -t"$wrk_threads" -c"$CONNECTIONS" -d2s "http://127.0.0.1:$port/" > /dev/null 2>&1
    before="$(cpu_ticks "$PID")"
    out="$(taskset -c "$wrk_cpus" wrk -t"$wrk_threads" -c"$CONNECTIONS" -d"$DURATION" -s "$ROOT/perf/scale/pipeline.lua" \
        "http://127.0.0.1:$port/" 2>&1)"
    after="$(cpu_ticks "$PID")"
    kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
    requests="$(awk '/requests in/ { print $1 }' <<<"$out")"
    rps="$(awk '/Requests\/sec/ { printf "%.0f", $2 }' <<<"$out")"
    local cpu_s
    cpu_s="$(awk -v d=$((after - before)) -v t="$CLK_TCK" 'BEGIN { printf "%.2f", d / t }')"
    local per_cpu
    per_cpu="$(awk -v r="$requests" -v c="$cpu_s" 'BEGIN { printf "%.0f", (c > 0 ? r / c : 0) }')"
    echo "$workers|$rps|$cpu_s|$per_cpu"
}

# One worker gets CPU 1 to itself and wrk CPU 0; two workers share both CPUs with wrk (nothing is left).
one="$(run 1 1 0)"
two="$(run 2 0,1 0,1)"
IFS='|' read -r _ rps1 cpu1 per1 <<<"$one"
IFS='|' read -r _ rps2 cpu2 per2 <<<"$two"
{
    echo "# Limpet worker scaling — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "$(nproc) CPUs; wrk -t2 -c$CONNECTIONS -d$DURATION, 16 pipelined requests per write; every request answered by Limpet (302). 1 worker: Limpet on CPU 1, wrk on CPU 0. 2 workers: Limpet and wrk share CPUs 0-1."
    echo
    echo "| workers | requests/s | Limpet CPU seconds | requests per Limpet CPU-second |"
    echo "|---:|---:|---:|---:|"
    echo "| 1 | $rps1 | $cpu1 | $per1 |"
    echo "| 2 | $rps2 | $cpu2 | $per2 |"
    echo
    awk -v a="$rps1" -v b="$rps2" -v c="$per1" -v d="$per2" \
        'BEGIN { printf "2 workers / 1 worker: requests/s × %.2f, requests per CPU-second × %.2f.\n", b / a, d / c }'
} | tee "$OUT/scale.md"
