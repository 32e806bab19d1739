#!/usr/bin/env bash
# Heap allocations per proxied request, counted in Limpet itself (issue 6). A benchmark, never a test.
#
#   perf/alloc.sh                 # about 35 s
#   DURATION=10s perf/alloc.sh    # longer wrk runs
#   perf/alloc.sh trace           # the same, then backtraces of the allocations left, per
#                                 # scenario (gdb attached while wrk runs; about 35 s more)
#
# Limpet runs with perf/alloc/count.c preloaded (LD_PRELOAD): it counts every call to malloc,
# calloc, realloc, reallocarray, aligned_alloc, posix_memalign, memalign, valloc/pvalloc and
# free, and a thread of its own rewrites the totals into a file every 50 ms. Only Limpet runs
# with it: the nginx backend and wrk do not. For each scenario the script reads the counters,
# runs wrk, reads them again and divides the difference by the number of requests wrk
# completed. Allocation counts do not depend on the machine's load, so unlike perf/run.sh the
# numbers are stable from run to run (an allocation made once per event-loop pass rather than
# per request, though, varies with how many requests a pass handles).
#
# Scenarios, after a warm-up on every route:
#   ka-plain      keep-alive GET /plain — a route whose service has no sticky cookie
#   ka-sticky     keep-alive GET / — sticky service, no cookie sent: a server is chosen and
#                 Set-Cookie written on every response (perf/run.sh's "Keep-alive GET" row)
#   sticky        keep-alive GET / with the valid sticky cookie (perf/alloc/sticky.lua)
#   close         GET /plain with Connection: close: one client connection per request, so the
#                 allocations of accepting and closing a connection show (expected, not a fault)
#   idle          no traffic for IDLE seconds: background allocations (timers, reporters); the
#                 "requests" column then holds seconds and the ratios are per second
#
# Environment (all optional):
#   DURATION=5s         length of each measured wrk run (warm-up: WARMUP=2s per route)
#   CONNECTIONS=50      wrk connections
#   IDLE=3              seconds of the idle row
#   LIMPET_IO=auto      engine.io: auto | io_uring | epoll
#   LIMPET_BIN=path     the limpet binary (default .build/release/limpet, built if missing)
#   TRACE_SECONDS=5 TRACE_SAMPLES=60   trace mode: length of each capture, backtraces kept
#   MAX_PER_REQUEST=0.01   a keep-alive row above this many allocations per request gets a
#                       WARNING line (the set-up of wrk's connections stays far below it)
#   STRICT=1            ... and then the script exits 3 (after the table and any trace)
#   PROXY_CPU=1 LOAD_CPU=0
#
# Writes perf/out/alloc.md (the table, also printed) and perf/out/alloc.log (raw wrk output,
# counter snapshots); trace mode adds perf/out/alloc-trace.txt (backtraces, demangled) and
# perf/out/alloc-sites.md (the distinct allocation sites, most frequent first).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/perf/out"
DURATION="${DURATION:-5s}"
WARMUP="${WARMUP:-2s}"
CONNECTIONS="${CONNECTIONS:-50}"
IDLE="${IDLE:-3}"
MAX_PER_REQUEST="${MAX_PER_REQUEST:-0.01}"
STRICT="${STRICT:-0}"
LIMPET_IO="${LIMPET_IO:-auto}"
TRACE_SAMPLES="${TRACE_SAMPLES:-60}"
TRACE_SECONDS="${TRACE_SECONDS:-5}"
# shellcheck source=perf/lib.sh
. "$ROOT/perf/lib.sh"
TRACE=0
case "${1:-}" in
    "") ;;
    trace) TRACE=1 ;;
    *) echo "usage: perf/alloc.sh [trace]" >&2; exit 2 ;;
esac

# Ports of their own, so that a perf/run.sh running at the same time does not collide.
LIMPET_PORT=18180
BACKEND_PORT=18181

mkdir -p "$OUT"
LOG="$OUT/alloc.log"
: > "$LOG"
log() { echo "[alloc] $*" | tee -a "$LOG" >&2; }

# ---------------------------------------------------------------- tools
need=()
command -v nginx >/dev/null || need+=(nginx-light)
command -v wrk >/dev/null || need+=(wrk)
command -v curl >/dev/null || need+=(curl)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
command -v taskset >/dev/null || need+=(util-linux)
[ "$TRACE" = 1 ] && { command -v gdb >/dev/null || need+=(gdb); }
if [ "${#need[@]}" -gt 0 ]; then
    log "installing ${need[*]}"
    apt-get update -qq >>"$LOG" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}" >>"$LOG" 2>&1
fi

# ---------------------------------------------------------------- processes
processes_in "alloc"  # TMP, PIDS and the clean-up on exit (perf/lib.sh)

# ---------------------------------------------------------------- build
SO="$OUT/alloc-count.so"
gcc -O2 -Wall -shared -fPIC -o "$SO" "$ROOT/perf/alloc/count.c" -ldl -lpthread

LIMPET="${LIMPET_BIN:-$ROOT/.build/release/limpet}"
if [ ! -x "$LIMPET" ]; then
    [ -n "${LIMPET_BIN:-}" ] && { log "LIMPET_BIN=$LIMPET is not an executable"; exit 1; }
    log "building limpet (release)"
    (cd "$ROOT" && swift build -c release --product limpet) >>"$LOG" 2>&1 || { log "release build failed (see $LOG)"; exit 1; }
fi
log "limpet: $LIMPET ($(stat -c '%y' "$LIMPET" | cut -d. -f1))"

# ---------------------------------------------------------------- backend
mkdir -p "$TMP/limpet"
start_ok_backend "$BACKEND_PORT"

# ---------------------------------------------------------------- limpet, counted
cat > "$TMP/limpet/limpet.yaml" <<EOF
entryPoints:
  web:
    address: "127.0.0.1:$LIMPET_PORT"
providers:
  file:
    filename: dynamic.yaml
    watch: false
engine:
  workers: 1
  io: $LIMPET_IO
EOF
write_plain_and_sticky "$TMP/limpet/dynamic.yaml" "$BACKEND_PORT"
COUNTS="$TMP/counts"
# env(1) sets the preload for Limpet alone: taskset runs without it. The library removes
# LIMPET_ALLOC_OUT from Limpet's environment, so nothing Limpet starts reports over it.
taskset -c "$PROXY_CPU" env LD_PRELOAD="$SO" LIMPET_ALLOC_OUT="$COUNTS" \
    "$LIMPET" run --config "$TMP/limpet/limpet.yaml" >"$TMP/limpet.out" 2>&1 &
LIMPET_PID=$!
PIDS+=("$LIMPET_PID")
wait_http "$LIMPET_PORT" "$LIMPET_PID" || { log "limpet did not start:"; tail -n 20 "$TMP/limpet.out" >&2; exit 1; }
for i in $(seq 1 100); do [ -s "$COUNTS" ] && break; sleep 0.05; done
[ -s "$COUNTS" ] || { log "no counter file from the preload library ($COUNTS)"; exit 1; }
grep -q "pid=$LIMPET_PID\$" "$COUNTS" || { log "counter file is not Limpet's: $(cat "$COUNTS")"; exit 1; }
log "limpet started (pid $LIMPET_PID, cpu $PROXY_CPU, engine.io=$LIMPET_IO), counting: $(cat "$COUNTS")"

# The sticky cookie Limpet sets for the one server, checked against the value replayed.
COOKIE="$(printf '%s' "http://127.0.0.1:$BACKEND_PORT" | sha256sum | cut -c1-16)"
set_cookie="$(curl -s -o /dev/null -D - "http://127.0.0.1:$LIMPET_PORT/" | tr -d '\r' \
    | awk -F': ' 'tolower($1)=="set-cookie" {print $2}' | grep -o '^lb=[^;]*' | cut -c4- || true)"
[ "$set_cookie" = "$COOKIE" ] || log "WARNING: limpet set lb=\"$set_cookie\", expected \"$COOKIE\""
sed "s/@COOKIE@/$COOKIE/" "$ROOT/perf/alloc/sticky.lua" > "$TMP/sticky.lua"

# ---------------------------------------------------------------- counters
# field LINE NAME — the value of NAME=... in a counter line.
field() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k {print $2}'; }

# snapshot — a counter line written after this call started (waits for seq to move on twice:
# the first new write may have read the counters just before the call).
snapshot() {
    local line seq0 seq i
    line="$(cat "$COUNTS")"; seq0="$(field "$line" seq)"
    for i in $(seq 1 200); do
        sleep 0.02
        line="$(cat "$COUNTS")"; seq="$(field "$line" seq)"
        [ "$seq" -ge $((seq0 + 2)) ] && { echo "$line"; return 0; }
    done
    log "counter file stopped moving (Limpet dead?)"; exit 1
}

# run_wrk DURATION PATH [wrk args...] — prints wrk's output; fails the run on socket errors
# other than the expected ones, and on non-2xx answers.
run_wrk() {
    local d="$1" path="$2"; shift 2
    taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$d" --latency "$@" "http://127.0.0.1:$LIMPET_PORT$path" 2>&1 || true
}

ROWS=()   # "scenario|requests|allocs|frees|bytes|unit"
# scenario NAME PATH [wrk args...]
scenario() {
    local name="$1" path="$2"; shift 2
    local before after out requests errors
    before="$(snapshot)"
    out="$(run_wrk "$DURATION" "$path" "$@")"
    after="$(snapshot)"
    { echo "== $name: wrk $* $path"; echo "$out"; echo "before: $before"; echo "after:  $after"; } >>"$LOG"
    requests="$(awk '/requests in/ {print $1}' <<<"$out")"
    if [ -z "$requests" ] || [ "$requests" = 0 ]; then log "$name: wrk produced no requests"; return 0; fi
    errors="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")"
    [ -n "$errors" ] && log "WARNING: $name: $errors non-2xx responses"
    grep -q 'Socket errors:' <<<"$out" && log "WARNING: $name: $(grep 'Socket errors:' <<<"$out" | sed 's/^ *//')"
    kill -0 "$LIMPET_PID" 2>/dev/null || { log "$name: limpet died"; exit 1; }
    ROWS+=("$name|$requests|$(( $(field "$after" allocs) - $(field "$before" allocs) ))|$(( $(field "$after" frees) - $(field "$before" frees) ))|$(( $(field "$after" bytes) - $(field "$before" bytes) ))|req")
    log "$name: $requests requests, $(( $(field "$after" allocs) - $(field "$before" allocs) )) allocations"
}

# ---------------------------------------------------------------- warm-up
log "warm-up: $WARMUP of wrk on each route"
{
    run_wrk "$WARMUP" /plain
    run_wrk "$WARMUP" /
    run_wrk "$WARMUP" / -s "$TMP/sticky.lua"
    run_wrk 1s /plain -H "Connection: close"
} >>"$LOG"
sleep 1   # closed connections noticed, pools settled

# ---------------------------------------------------------------- scenarios
scenario ka-plain /plain
scenario ka-sticky /
scenario sticky / -s "$TMP/sticky.lua"
scenario close /plain -H "Connection: close"
sleep 1
before="$(snapshot)"; sleep "$IDLE"; after="$(snapshot)"
{ echo "== idle ${IDLE}s"; echo "before: $before"; echo "after:  $after"; } >>"$LOG"
ROWS+=("idle|$IDLE|$(( $(field "$after" allocs) - $(field "$before" allocs) ))|$(( $(field "$after" frees) - $(field "$before" frees) ))|$(( $(field "$after" bytes) - $(field "$before" bytes) ))|s")

# ---------------------------------------------------------------- report
declare -A LABEL=(
    [ka-plain]="Keep-alive GET, plain route"
    [ka-sticky]="Keep-alive GET, sticky route, no cookie (Set-Cookie each time)"
    [sticky]="Keep-alive GET, sticky cookie replayed"
    [close]="Connection: close (new client connection each request)"
    [idle]="Idle, no traffic (per second)"
)
REPORT="$OUT/alloc.md"
{
    echo "# Limpet allocations per request — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "\`perf/alloc.sh\`: Limpet with perf/alloc/count.c preloaded (counts malloc, calloc, realloc," \
        "aligned_alloc, posix_memalign, memalign, valloc; free separately), engine.workers 1," \
        "engine.io=$LIMPET_IO; wrk -t1 -c$CONNECTIONS -d$DURATION after a $WARMUP warm-up per route;" \
        "nginx backend, one server, upstream keep-alive. Binary: $LIMPET."
    echo
    echo "| Scenario | Requests | Allocations | Allocations/request | Frees/request | Bytes/request | Allocations/connection |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for row in "${ROWS[@]}"; do
        IFS='|' read -r name n a f b unit <<<"$row"
        # Client connections Limpet accepted during the run: wrk's -c connections plus the one it
        # opens first to check the address; with Connection: close, one per request plus those
        # still open (counted, their request unfinished) when wrk stopped.
        case "$name" in
            close) conns=$((n + CONNECTIONS + 1)) ;;
            idle) conns=0 ;;
            *) conns=$((CONNECTIONS + 1)) ;;
        esac
        [ "$unit" = s ] && n="${n} s"
        awk -v l="${LABEL[$name]}" -v n="$n" -v a="$a" -v f="$f" -v b="$b" -v c="$conns" 'BEGIN {
            d = n + 0; printf "| %s | %s | %d | %.3f | %.3f | %.1f | %s |\n", l, n, a, a / d, f / d, b / d,
                (c > 0 ? sprintf("%.2f", a / c) : "—") }'
    done
    echo
    echo "Allocations/connection divides by the client connections Limpet accepted: wrk's $CONNECTIONS plus the" \
        "one it opens first to check the address ($((CONNECTIONS + 1)) per keep-alive run), and for Connection: close" \
        "one per request plus the $CONNECTIONS in flight when wrk stopped. The keep-alive rows' allocations are those" \
        "connections' set-up, spread over all the requests; \`perf/alloc.sh trace\` shows the sites."
    # Keep-alive rows over the threshold.
    for row in "${ROWS[@]}"; do
        IFS='|' read -r name n a f b unit <<<"$row"
        case "$name" in ka-*|sticky) ;; *) continue ;; esac
        if awk -v a="$a" -v n="$n" -v m="$MAX_PER_REQUEST" 'BEGIN { exit !(a / n > m) }'; then
            echo
            echo "WARNING: ${LABEL[$name]}: $(awk -v a="$a" -v n="$n" 'BEGIN { printf "%.3f", a / n }')" \
                "allocations per request (over $MAX_PER_REQUEST): run \`perf/alloc.sh trace\` for the sites."
        fi
    done
} > "$REPORT"
cat "$REPORT"
grep -q '^WARNING' "$REPORT" && OVER=1 || OVER=0

# ---------------------------------------------------------------- trace
# Backtraces of the allocations left. For each scenario wrk runs in the background; once its
# connections are open, gdb attaches with perf/alloc/trace.py, which records a backtrace of every
# allocation (breakpoint in the preload library's limpet_alloc_counted) for TRACE_SECONDS or
# until TRACE_SAMPLES backtraces are in, then detaches. perf/alloc/sites.py groups them by site.
# trace_run NAME PATH [wrk args...]
trace_run() {
    local name="$1" path="$2"; shift 2
    local wrk_pid out="$TMP/trace-$name.txt"
    taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d600s "$@" "http://127.0.0.1:$LIMPET_PORT$path" >/dev/null 2>&1 &
    wrk_pid=$!
    PIDS+=("$wrk_pid")
    sleep 2   # connections open: steady state
    log "trace $name: gdb attached for ${TRACE_SECONDS}s or $TRACE_SAMPLES backtraces"
    TRACE_OUT="$out" TRACE_NAME="$name" TRACE_SECONDS="$TRACE_SECONDS" TRACE_SAMPLES="$TRACE_SAMPLES" \
        timeout 600 gdb -batch -nx -p "$LIMPET_PID" -x "$ROOT/perf/alloc/trace.py" >"$TMP/gdb-$name.log" 2>&1 || true
    kill "$wrk_pid" 2>/dev/null || true
    wait "$wrk_pid" 2>/dev/null || true
    kill -0 "$LIMPET_PID" 2>/dev/null || { log "limpet died under gdb"; tail -n 20 "$TMP/gdb-$name.log" >&2; exit 1; }
    if [ -s "$out" ]; then
        log "$(head -n 1 "$out" | sed 's/^######## //')"
        cat "$out" >> "$TMP/trace.raw"
    else
        log "trace $name: no output from gdb (see below)"; grep -v '^During symbol reading' "$TMP/gdb-$name.log" | tail -n 20 >&2
    fi
    sleep 1
}

if [ "$TRACE" = 1 ]; then
    : > "$TMP/trace.raw"
    trace_run ka-plain /plain
    trace_run ka-sticky /
    trace_run sticky / -s "$TMP/sticky.lua"
    trace_run close /plain -H "Connection: close"
    demangle=cat
    for d in swift-demangle /opt/swift/usr/bin/swift-demangle; do
        if command -v "$d" >/dev/null 2>&1; then demangle="$d --simplified"; break; fi
    done
    $demangle < "$TMP/trace.raw" > "$OUT/alloc-trace.txt"
    python3 "$ROOT/perf/alloc/sites.py" "$OUT/alloc-trace.txt" > "$OUT/alloc-sites.md"
    cat "$OUT/alloc-sites.md"
    log "backtraces: $OUT/alloc-trace.txt; sites: $OUT/alloc-sites.md"
fi

[ "$STRICT" = 1 ] && [ "$OVER" = 1 ] && exit 3
exit 0
