#!/usr/bin/env bash
# User-space instructions per proxied keep-alive request, counted by callgrind. A benchmark, never a test.
#
#   perf/callgrind.sh                  # both pollers, about 2 minutes
#   POLLERS=epoll perf/callgrind.sh    # one poller
#
# Instruction counts do not move with the machine's load, so unlike perf/run.sh one run is enough to compare
# two binaries: the same binary and the same requests give the same count to within a few instructions per
# request (what varies is how many requests one loop pass handles).
#
# Limpet (a copy of the binary without its DWARF 5 debug info, which valgrind 3.19 cannot read; symbols stay)
# runs under `valgrind --tool=callgrind --instr-atstart=no` with one worker, in front of an nginx backend that
# answers `ok`. After a warm-up with instrumentation off, `callgrind_control -i on` starts counting, wrk runs
# for DURATION on the sticky route without a cookie (a server chosen and `Set-Cookie` written every time, as
# in perf/run.sh's keep-alive row), `callgrind_control -i off` stops, and the dump's total Ir is divided by the
# requests wrk completed.
#
# Environment (all optional):
#   POLLERS="io_uring epoll"   engine.io values to measure
#   DURATION=10s CONNECTIONS=50 WARMUP=3s
#   ROUTE=/          /plain for the route without stickiness
#   LIMPET_BIN=path  the limpet binary (default .build/release/limpet, built if missing)
#   PROXY_CPU=1 LOAD_CPU=0
#
# Writes perf/out/callgrind.md (the table, also printed), perf/out/callgrind.log and, per poller,
# perf/out/callgrind-POLLER.out (the profile: callgrind_annotate it for the functions).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/perf/out"
POLLERS="${POLLERS:-io_uring epoll}"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-3s}"
CONNECTIONS="${CONNECTIONS:-50}"
ROUTE="${ROUTE:-/}"
# shellcheck source=perf/lib.sh
. "$ROOT/perf/lib.sh"

LIMPET_PORT=18280
BACKEND_PORT=18281

mkdir -p "$OUT"
LOG="$OUT/callgrind.log"
: > "$LOG"
log() { echo "[callgrind] $*" | tee -a "$LOG" >&2; }

need=()
command -v nginx >/dev/null || need+=(nginx-light)
command -v wrk >/dev/null || need+=(wrk)
command -v curl >/dev/null || need+=(curl)
command -v valgrind >/dev/null || need+=(valgrind)
command -v objcopy >/dev/null || need+=(binutils)
command -v taskset >/dev/null || need+=(util-linux)
if [ "${#need[@]}" -gt 0 ]; then
    log "installing ${need[*]}"
    apt-get update -qq >>"$LOG" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}" >>"$LOG" 2>&1
fi

processes_in "callgrind"  # TMP, PIDS and the clean-up on exit (perf/lib.sh)

LIMPET="${LIMPET_BIN:-$ROOT/.build/release/limpet}"
if [ ! -x "$LIMPET" ]; then
    [ -n "${LIMPET_BIN:-}" ] && { log "LIMPET_BIN=$LIMPET is not an executable"; exit 1; }
    log "building limpet (release)"
    (cd "$ROOT" && swift build -c release --product limpet) >>"$LOG" 2>&1 || { log "release build failed (see $LOG)"; exit 1; }
fi
log "limpet: $LIMPET ($(stat -c '%y' "$LIMPET" | cut -d. -f1))"
objcopy --strip-debug "$LIMPET" "$TMP/limpet"

mkdir -p "$TMP/conf"
start_ok_backend "$BACKEND_PORT"

write_plain_and_sticky "$TMP/conf/dynamic.yaml" "$BACKEND_PORT"

# run_wrk DURATION — wrk's output (the route's keep-alive load)
run_wrk() {
    taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$1" "http://127.0.0.1:$LIMPET_PORT$ROUTE" 2>&1 || true
}

ROWS=()
for poller in $POLLERS; do
    cat > "$TMP/conf/limpet.yaml" <<EOF
entryPoints:
  web:
    address: "127.0.0.1:$LIMPET_PORT"
providers:
  file:
    filename: dynamic.yaml
    watch: false
engine:
  workers: 1
  io: $poller
EOF
    profile="$OUT/callgrind-$poller.out"
    rm -f "$profile" "$profile".*
    taskset -c "$PROXY_CPU" valgrind --tool=callgrind --instr-atstart=no ${CALLGRIND_OPTS:-} --callgrind-out-file="$profile" \
        "$TMP/limpet" run --config "$TMP/conf/limpet.yaml" >"$TMP/limpet-$poller.out" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    for i in $(seq 1 600); do
        curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$LIMPET_PORT/" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if ! curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$LIMPET_PORT/"; then
        log "$poller: limpet did not start under valgrind:"; tail -n 20 "$TMP/limpet-$poller.out" >&2
        ROWS+=("| $poller | n/a | n/a | n/a |")
        continue
    fi
    run_wrk "$WARMUP" >>"$LOG"
    callgrind_control -i on "$pid" >>"$LOG" 2>&1
    out="$(run_wrk "$DURATION")"
    callgrind_control -i off "$pid" >>"$LOG" 2>&1
    { echo "== $poller"; echo "$out"; } >>"$LOG"
    requests="$(awk '/requests in/ {print $1}' <<<"$out")"
    errors="$(grep -c "Socket errors\|Non-2xx" <<<"$out" || true)"
    # Dump now (valgrind does not pass SIGTERM on to Limpet's sigwait, so there is no clean exit to wait for).
    callgrind_control -d "$pid" >>"$LOG" 2>&1
    dumped=""
    for i in $(seq 1 100); do
        dumped="$(ls "$profile".* 2>/dev/null | head -1 || true)"
        [ -n "$dumped" ] && grep -q '^totals:' "$dumped" && break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    { echo "-- limpet's log (last lines)"; tail -n 5 "$TMP/limpet-$poller.out"; } >>"$LOG"
    [ -n "$dumped" ] && mv "$dumped" "$profile"
    rm -f "$profile".*
    total="$(awk '/^totals:/ {print $2}' "$profile" 2>/dev/null || true)"
    if [ -z "$requests" ] || [ "$requests" = 0 ] || [ -z "$total" ]; then
        log "$poller: no measurement (requests=$requests, total=$total)"
        ROWS+=("| $poller | n/a | n/a | n/a |")
        continue
    fi
    [ "$errors" = 0 ] || log "WARNING: $poller: wrk reported errors or non-2xx responses (see $LOG)"
    per="$(awk -v t="$total" -v r="$requests" 'BEGIN { printf "%.0f", t / r }')"
    log "$poller: $total instructions over $requests requests: $per per request"
    ROWS+=("| $poller | $requests | $total | $per |")
done

{
    echo "Instructions per keep-alive request (callgrind, route \`$ROUTE\`, $CONNECTIONS connections, $DURATION)"
    echo
    echo "| engine.io | requests | instructions | per request |"
    echo "|---|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
} | tee "$OUT/callgrind.md"
