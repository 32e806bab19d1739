#!/usr/bin/env bash
# Limpet vs HAProxy vs nginx, side by side on one machine (SPEC §10). A benchmark, never a test.
#
#   perf/run.sh                      # full run (about 5 minutes)
#   DURATION=3s ROUNDS=1 perf/run.sh # shorter wrk runs, one round
#   perf/run.sh reload               # only the named scenarios (see below)
#
# Scenarios (arguments; all of them when none is given): idle ka sticky close reload down up.
# `reload` is Limpet alone: keep-alive GET with an idle configuration, then the same while the
# dynamic file is rewritten 5 times a second, each write followed by SIGHUP. HAProxy and nginx
# are started only when a scenario other than `reload` is asked for.
#
# Environment (all optional):
#   DURATION=5s         length of each wrk run
#   ROUNDS=5            rounds of each load and transfer scenario, the proxies taking turns in each round;
#                       a row is the median of the rounds
#   CONNECTIONS=50      wrk connections
#   BIG_REPEAT=5        100 MiB transfers per proxy, direction and round
#   IDLE_CONNS=10000    idle keep-alive connections for the memory row
#   LIMPET_IO=auto      engine.io for Limpet: auto | io_uring | epoll
#   LIMPET_SPLICE=auto  engine.splice for Limpet: auto (copies between loopback peers) | always | never
#   LIMPET_DEFER=1s     engine.deferAccept for Limpet (0s: hand connections over at the handshake)
#   PEERS_DEFER=0       1: HAProxy binds with defer-accept and nginx listens deferred, as Limpet does by default
#   LIMPET_BIN=path     use this limpet binary instead of building one
#   LIMPET_SCRATCH=dir  swift build --scratch-path (default: .build)
#   PROXY_CPU=1 LOAD_CPU=0   CPUs for the proxies and for wrk/curl/backends
#
# Prints one Markdown table and writes it to perf/out/latest.md (raw tool output goes to
# perf/out/latest.log); a run of some scenarios writes perf/out/latest-NAMES.md and .log
# instead, so the last full run's files stay. A proxy that fails to build or start gets "n/a"
# in its column.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/perf/out"
DURATION="${DURATION:-5s}"
ROUNDS="${ROUNDS:-5}"
CONNECTIONS="${CONNECTIONS:-50}"
BIG_REPEAT="${BIG_REPEAT:-5}"
IDLE_CONNS="${IDLE_CONNS:-10000}"
LIMPET_IO="${LIMPET_IO:-auto}"
# shellcheck source=perf/lib.sh
. "$ROOT/perf/lib.sh"

ALL_SCENARIOS=(idle ka sticky close reload down up)
if [ $# -gt 0 ]; then SCENARIOS=("$@"); else SCENARIOS=("${ALL_SCENARIOS[@]}"); fi
for s in "${SCENARIOS[@]}"; do
    [[ " ${ALL_SCENARIOS[*]} " == *" $s "* ]] || { echo "perf/run.sh: unknown scenario '$s' (${ALL_SCENARIOS[*]})" >&2; exit 2; }
done
# want SCENARIO — the scenario was asked for.
want() { [[ " ${SCENARIOS[*]} " == *" $1 "* ]]; }

BACKEND_PORT=18081
SINK_PORT=18083
NOWHERE_PORT=18089   # the reload scenario's unrelated server: nothing listens, no request goes there
RELOAD_RATE=5        # dynamic-file rewrites (each followed by SIGHUP) per second in the reload scenario
declare -A PORT=([limpet]=18000 [haproxy]=18001 [nginx]=18002)
PROXIES=(limpet haproxy nginx)
[ "${SCENARIOS[*]}" = reload ] && PROXIES=(limpet)
BIG_BYTES=$((100 * 1024 * 1024))
CLK_TCK="$(getconf CLK_TCK)"

mkdir -p "$OUT"
# A full run writes latest.md and latest.log; a run of some scenarios latest-NAMES.md and .log.
NAME=latest
[ "${SCENARIOS[*]}" = "${ALL_SCENARIOS[*]}" ] || NAME="latest-$(IFS=-; echo "${SCENARIOS[*]}")"
LOG="$OUT/$NAME.log"
: > "$LOG"
log() { echo "[perf] $*" | tee -a "$LOG" >&2; }

# ---------------------------------------------------------------- tools
need=()
command -v haproxy >/dev/null || need+=(haproxy)
command -v nginx >/dev/null || need+=(nginx-light)
command -v wrk >/dev/null || need+=(wrk)
command -v curl >/dev/null || need+=(curl)
command -v python3 >/dev/null || need+=(python3)
command -v taskset >/dev/null || need+=(util-linux)
if [ "${#need[@]}" -gt 0 ]; then
    log "installing ${need[*]}"
    apt-get update -qq >>"$LOG" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}" >>"$LOG" 2>&1
fi

# 10k idle connections need far more descriptors than the usual 1024. HAProxy reserves two
# per connection (client and server side) plus two per splice pipe, so its maxconn, and the
# idle row, are fitted to the limit.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
NOFILE="$(ulimit -n)"
HAPROXY_MAXPIPES=256
HAPROXY_MAXCONN=$(( (NOFILE - 2 * HAPROXY_MAXPIPES - 100) / 2 ))
if [ "$IDLE_CONNS" -gt $((HAPROXY_MAXCONN - 50)) ]; then
    IDLE_CONNS=$((HAPROXY_MAXCONN - 50))
    echo "[perf] open-file limit $NOFILE: holding $IDLE_CONNS idle connections" >&2
fi

# ---------------------------------------------------------------- processes
processes_in "perf"  # TMP, PIDS and the clean-up on exit (perf/lib.sh)

# start NAME CPU CMD... — runs CMD in the background pinned to CPU; sets STARTED_PID.
start() {
    local name="$1" cpu="$2"; shift 2
    taskset -c "$cpu" "$@" >"$TMP/$name.out" 2>&1 &
    STARTED_PID=$!
    PIDS+=("$STARTED_PID")
}

# The process and its direct children (nginx's workers).
tree() { echo "$1"; pgrep -P "$1" 2>/dev/null || true; }

# CPU time (utime + stime, clock ticks) of a process tree.
cpu_ticks() {
    local total=0 p fields
    for p in $(tree "$1"); do
        [ -r "/proc/$p/stat" ] || continue
        # Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        fields="$(sed 's/^.*) //' "/proc/$p/stat")"
        set -- $fields
        total=$((total + ${12} + ${13}))
    done
    echo "$total"
}

# Resident memory (KiB) of a process tree.
rss_kib() {
    local total=0 p v
    for p in $(tree "$1"); do
        v="$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)"
        total=$((total + ${v:-0}))
    done
    echo "$total"
}

# ---------------------------------------------------------------- build
LIMPET="${LIMPET_BIN:-}"
if [ -z "$LIMPET" ]; then
    log "building limpet (release)"
    scratch=()
    [ -n "${LIMPET_SCRATCH:-}" ] && scratch=(--scratch-path "$LIMPET_SCRATCH")
    if (cd "$ROOT" && swift build -c release --product limpet "${scratch[@]}") >>"$LOG" 2>&1; then
        LIMPET="$(cd "$ROOT" && swift build -c release --product limpet "${scratch[@]}" --show-bin-path)/limpet"
    else
        log "release build failed (see $LOG); Limpet will be n/a"
    fi
fi

# ---------------------------------------------------------------- backend
mkdir -p "$TMP/www" "$TMP/backend" "$TMP/nginx-proxy"
BIG_SHA="" UPLOAD_SHA=""
if want down || want up; then
    head -c "$BIG_BYTES" /dev/urandom > "$TMP/www/big"
    head -c "$BIG_BYTES" /dev/urandom > "$TMP/upload.bin"
    BIG_SHA="$(sha256sum < "$TMP/www/big" | cut -c1-64)"
    UPLOAD_SHA="$(sha256sum < "$TMP/upload.bin" | cut -c1-64)"
fi

# Backend nginx: "ok" for every path, /big from disk (sendfile), /upload streamed to the
# whoami sink, which hashes the body so the script can check it arrived whole.
cat > "$TMP/backend/nginx.conf" <<EOF
worker_processes 1;
daemon off;
user root;
pid $TMP/backend/nginx.pid;
error_log $TMP/backend/error.log warn;
worker_rlimit_nofile 65536;
events { worker_connections 40000; }
http {
    access_log off;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    client_body_temp_path $TMP/backend/body;
    proxy_temp_path $TMP/backend/proxy;
    upstream sink { server 127.0.0.1:$SINK_PORT; keepalive 8; }
    server {
        listen 127.0.0.1:$BACKEND_PORT backlog=4096;
        client_max_body_size 0;
        location / { return 200 "ok"; }
        location = /big { root $TMP/www; }
        location = /upload {
            proxy_pass http://sink;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_request_buffering off;
            proxy_buffering off;
        }
    }
}
EOF
start backend "$LOAD_CPU" nginx -c "$TMP/backend/nginx.conf"
BACKEND_PID=$STARTED_PID
wait_http "$BACKEND_PORT" "$BACKEND_PID" || { log "backend nginx did not start"; cat "$TMP/backend.out" >&2; exit 1; }

SINK_OK=0
if [ -n "$LIMPET" ] && [ -x "$LIMPET" ]; then
    start sink "$LOAD_CPU" "$LIMPET" whoami --listen "127.0.0.1:$SINK_PORT" --name sink
    if wait_http "$SINK_PORT" "$STARTED_PID"; then SINK_OK=1; fi
fi
[ "$SINK_OK" = 1 ] || log "no upload sink (limpet whoami unavailable): upload rows will be n/a"

# ---------------------------------------------------------------- proxies
declare -A PID=()
declare -A COOKIE=()
COOKIE[limpet]="$(printf '%s' "http://127.0.0.1:$BACKEND_PORT" | sha256sum | cut -c1-16)"
COOKIE[haproxy]="s1"
COOKIE[nginx]="${COOKIE[limpet]}"   # nginx OSS has no cookie stickiness: it just forwards it

mkdir -p "$TMP/limpet"
cat > "$TMP/limpet/limpet.yaml" <<EOF
entryPoints:
  web:
    address: "127.0.0.1:${PORT[limpet]}"
providers:
  file:
    filename: dynamic.yaml
    watch: false     # reloads come from SIGHUP only (the reload scenario sends them)
engine:
  workers: 1
  io: $LIMPET_IO
  splice: ${LIMPET_SPLICE:-auto}
  deferAccept: ${LIMPET_DEFER:-1s}
EOF
# PEERS_DEFER=1: the other proxies' opt-in deferred accept (TCP_DEFER_ACCEPT), for a like-for-like Connection: close.
HAPROXY_BIND_OPTS="" NGINX_LISTEN_OPTS=""
if [ "${PEERS_DEFER:-0}" = 1 ]; then HAPROXY_BIND_OPTS=" defer-accept"; NGINX_LISTEN_OPTS=" deferred"; fi
cat > "$TMP/limpet/dynamic.yaml" <<EOF
http:
  routers:
    bench:
      rule: "PathPrefix(\`/\`)"
      service: bench
  services:
    bench:
      loadBalancer:
        servers:
          - url: "http://127.0.0.1:$BACKEND_PORT"
        sticky:
          cookie:
            name: lb
EOF
# The reload scenario alternates that file (A) with B: A plus a router and service that no
# request of the benchmark matches.
cp "$TMP/limpet/dynamic.yaml" "$TMP/limpet/reload-a.yaml"
cat > "$TMP/limpet/reload-b.yaml" <<EOF
http:
  routers:
    bench:
      rule: "PathPrefix(\`/\`)"
      service: bench
    unrelated:
      rule: "Host(\`unrelated.localhost\`)"
      service: unrelated
  services:
    bench:
      loadBalancer:
        servers:
          - url: "http://127.0.0.1:$BACKEND_PORT"
        sticky:
          cookie:
            name: lb
    unrelated:
      loadBalancer:
        servers:
          - url: "http://127.0.0.1:$NOWHERE_PORT"
EOF

cat > "$TMP/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn $HAPROXY_MAXCONN
    maxpipes $HAPROXY_MAXPIPES
    log stderr format raw local0 err
defaults
    mode http
    timeout connect 5s
    timeout client 300s
    timeout server 300s
    timeout http-keep-alive 300s
    option http-keep-alive
    option splice-auto
    http-reuse always
frontend web
    bind 127.0.0.1:${PORT[haproxy]}$HAPROXY_BIND_OPTS
    default_backend bench
backend bench
    cookie lb insert
    server s1 127.0.0.1:$BACKEND_PORT cookie ${COOKIE[haproxy]}
EOF

cat > "$TMP/nginx-proxy/nginx.conf" <<EOF
worker_processes 1;
daemon off;
user root;
pid $TMP/nginx-proxy/nginx.pid;
error_log $TMP/nginx-proxy/error.log warn;
worker_rlimit_nofile 65536;
events { worker_connections $((HAPROXY_MAXCONN * 2)); }
http {
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    client_body_temp_path $TMP/nginx-proxy/body;
    proxy_temp_path $TMP/nginx-proxy/proxy;
    upstream bench {
        server 127.0.0.1:$BACKEND_PORT;
        keepalive 64;
        keepalive_requests 100000000;
    }
    server {
        listen 127.0.0.1:${PORT[nginx]} backlog=4096$NGINX_LISTEN_OPTS;
        client_max_body_size 0;
        location / {
            proxy_pass http://bench;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_request_buffering off;
            proxy_max_temp_file_size 0;
        }
    }
}
EOF

start_proxy() {
    local p="$1"
    case "$p" in
        limpet)
            [ -n "$LIMPET" ] && [ -x "$LIMPET" ] || return 1
            start limpet "$PROXY_CPU" "$LIMPET" run --config "$TMP/limpet/limpet.yaml" ;;
        haproxy) start haproxy "$PROXY_CPU" haproxy -db -f "$TMP/haproxy.cfg" ;;
        nginx) start nginx "$PROXY_CPU" nginx -c "$TMP/nginx-proxy/nginx.conf" ;;
    esac
    PID[$p]=$STARTED_PID
    wait_http "${PORT[$p]}" "$STARTED_PID"
}

# alive PROXY — started and still running.
alive() { [ -n "${PID[$1]:-}" ] && kill -0 "${PID[$1]}" 2>/dev/null; }

declare -A R=()   # R[metric|proxy] = formatted value
for p in "${PROXIES[@]}"; do
    if start_proxy "$p"; then
        log "$p started (pid ${PID[$p]}, cpu $PROXY_CPU)"
    else
        log "$p failed to start: $( (grep -m2 -iE 'error|fatal|alert|emerg' "$TMP/$p.out" || tail -n 2 "$TMP/$p.out") 2>/dev/null | tr '\n' ' ')"
        PID[$p]=""
    fi
done

# Check the sticky cookie each proxy sets against the value the scenario replays.
for p in limpet haproxy; do
    alive "$p" || continue
    set_cookie="$(curl -s -o /dev/null -D - "http://127.0.0.1:${PORT[$p]}/" | tr -d '\r' \
        | awk -F': ' 'tolower($1)=="set-cookie" {print $2}' | grep -o '^lb=[^;]*' | cut -c4- || true)"
    if [ "$set_cookie" != "${COOKIE[$p]}" ]; then
        log "WARNING: $p set lb=\"$set_cookie\", expected \"${COOKIE[$p]}\""
    fi
done

# ---------------------------------------------------------------- scenarios
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { printf f, v }'; }

# to_ms "432.00us" → 0.432
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
        printf "%.3f", n }'
}

# wrk_scenario PROXY KEY [extra wrk args...] — one wrk run; each metric's value is appended to R (one per round).
# `%COOKIE%` in an argument stands for the proxy's own sticky cookie value.
wrk_scenario() {
    local p="$1" key="$2"; shift 2
    set -- "${@//%COOKIE%/${COOKIE[$p]}}"
    local url="http://127.0.0.1:${PORT[$p]}/" before after out requests rps p50 p99 errors
    alive "$p" || return 0
    before="$(cpu_ticks "${PID[$p]}")"
    out="$(taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$url" 2>&1)" || true
    after="$(cpu_ticks "${PID[$p]}")"
    { echo "== $key $p"; echo "$out"; } >>"$LOG"
    requests="$(awk '/requests in/ {print $1}' <<<"$out")"
    rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
    p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
    p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
    errors="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")"
    if [ -z "$requests" ] || [ "$requests" = 0 ]; then
        log "$key/$p: wrk produced no requests"
        return 0
    fi
    [ -n "$errors" ] && log "WARNING: $key/$p: $errors non-2xx responses"
    grep -q 'Socket errors:' <<<"$out" && log "WARNING: $key/$p: $(grep 'Socket errors:' <<<"$out" | sed 's/^ *//')"
    alive "$p" || { log "$key/$p: proxy died"; return 0; }
    R["$key rps|$p"]+="$(fmt "$rps" '%.0f') "
    R["$key p50|$p"]+="$(to_ms "$p50") "
    R["$key p99|$p"]+="$(to_ms "$p99") "
    R["$key cpu|$p"]+="$(awk -v d=$((after - before)) -v t="$CLK_TCK" -v n="$requests" \
        'BEGIN { printf "%.2f", d * 1e6 / t / n }') "
}

# rounds FUNCTION [args...] — ROUNDS rounds of `FUNCTION PROXY args...`, the proxies taking turns in each, so that
# a slow spell of this shared machine hits every proxy alike.
rounds() {
    local f="$1" round p; shift
    for round in $(seq 1 "$ROUNDS"); do
        for p in "${PROXIES[@]}"; do "$f" "$p" "$@"; done
    done
}

# median "V1 V2 ..." — the median of the values (the mean of the middle two for an even count); empty for none.
median() {
    tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) exit
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# reload_scenario — Limpet only: the keep-alive GET load of the `ka` row with the configuration
# idle, then the same while perf/reload_loop.py rewrites the dynamic file RELOAD_RATE times a
# second (reload-a.yaml and reload-b.yaml in turn) and sends SIGHUP after each write. The
# reloads applied are counted from Limpet's log ("configuration reloaded").
reload_scenario() {
    local p=limpet loop start_ns end_ns before after rejected writes reloads
    alive "$p" || return 0
    wrk_scenario "$p" rl-idle
    before="$(grep -c 'configuration reloaded' "$TMP/$p.out" || true)"
    rejected="$(grep -c 'configuration rejected' "$TMP/$p.out" || true)"
    start_ns="$(date +%s%N)"
    taskset -c "$LOAD_CPU" python3 "$ROOT/perf/reload_loop.py" "${PID[$p]}" "$TMP/limpet/dynamic.yaml" \
        "$TMP/limpet/reload-a.yaml" "$TMP/limpet/reload-b.yaml" "$RELOAD_RATE" >"$TMP/reload-loop.out" 2>&1 &
    loop=$!
    PIDS+=("$loop")
    wrk_scenario "$p" rl-busy
    end_ns="$(date +%s%N)"
    after="$(grep -c 'configuration reloaded' "$TMP/$p.out" || true)"
    kill -TERM "$loop" 2>/dev/null || true
    wait "$loop" 2>/dev/null || true
    sleep 0.2   # the last SIGHUP's reload
    rejected=$(( $(grep -c 'configuration rejected' "$TMP/$p.out" || true) - rejected ))
    writes="$(awk '/^writes/ {print $2}' "$TMP/reload-loop.out")"
    reloads=$((after - before))
    log "reload/$p: $reloads reloads applied in the $(awk -v ns=$((end_ns - start_ns)) 'BEGIN { printf "%.1f", ns / 1e9 }') s" \
        "from the loop's start to wrk's end; ${writes:-?} writes + SIGHUPs in all, $rejected rejected"
    [ "$rejected" -eq 0 ] || log "WARNING: reload/$p: $rejected configurations rejected:" \
        "$(grep -m3 -iE 'error|rejected' "$TMP/$p.out" | tr '\n' ' ')"
    alive "$p" || return 0
    R["rl-busy rate|$p"]="$(awk -v n="$reloads" -v ns=$((end_ns - start_ns)) 'BEGIN { printf "%.1f", n / (ns / 1e9) }')"
}

# big_download PROXY — BIG_REPEAT downloads of /big, then one checked by sha256.
big_download() {
    local p="$1" url="http://127.0.0.1:${PORT[$1]}/big" before after start_ns end_ns i res ok=1 sha
    alive "$p" || return 0
    before="$(cpu_ticks "${PID[$p]}")"
    start_ns="$(date +%s%N)"
    for i in $(seq 1 "$BIG_REPEAT"); do
        res="$(taskset -c "$LOAD_CPU" curl -s -o /dev/null -w '%{http_code} %{size_download}' "$url" || true)"
        [ "$res" = "200 $BIG_BYTES" ] || { ok=0; log "download/$p: got '$res'"; }
    done
    end_ns="$(date +%s%N)"
    after="$(cpu_ticks "${PID[$p]}")"
    sha="$(taskset -c "$LOAD_CPU" curl -s "$url" | sha256sum | cut -c1-64)"
    [ "$sha" = "$BIG_SHA" ] || { ok=0; log "download/$p: body sha256 mismatch"; }
    transfer_result down "$p" "$ok" "$start_ns" "$end_ns" "$before" "$after"
}

# transfer_result ROW PROXY OK START_NS END_NS CPU_BEFORE CPU_AFTER — MB/s and proxy CPU ms per transfer of one
# round's BIG_REPEAT transfers, appended to R["ROW mbs|PROXY"] and R["ROW cpu|PROXY"]; FAIL when a body did not
# arrive whole.
transfer_result() {
    local row="$1" p="$2" ok="$3" start_ns="$4" end_ns="$5" before="$6" after="$7"
    if [ "$ok" = 1 ]; then
        R["$row mbs|$p"]+="$(awk -v b=$((BIG_BYTES * BIG_REPEAT)) -v ns=$((end_ns - start_ns)) 'BEGIN { printf "%.0f", b / (ns / 1e9) / 1e6 }') "
        R["$row cpu|$p"]+="$(awk -v d=$((after - before)) -v t="$CLK_TCK" -v n="$BIG_REPEAT" 'BEGIN { printf "%.0f", d * 1000 / t / n }') "
    else
        R["$row mbs|$p"]+="FAIL "; R["$row cpu|$p"]+="FAIL "
    fi
}

# big_upload PROXY — BIG_REPEAT uploads to /upload; the sink reports each body's sha256.
big_upload() {
    local p="$1" url="http://127.0.0.1:${PORT[$1]}/upload" before after start_ns end_ns i res ok=1
    alive "$p" && [ "$SINK_OK" = 1 ] || return 0
    before="$(cpu_ticks "${PID[$p]}")"
    start_ns="$(date +%s%N)"
    for i in $(seq 1 "$BIG_REPEAT"); do
        res="$(taskset -c "$LOAD_CPU" curl -s -X POST -H 'Expect:' -H 'Content-Type: application/octet-stream' \
            -T "$TMP/upload.bin" "$url" || true)"
        if ! grep -q "^Body-Sha256: $UPLOAD_SHA" <<<"$res" || ! grep -q "^Body-Length: $BIG_BYTES" <<<"$res"; then
            ok=0
            log "upload/$p: the body did not arrive whole: $(grep -E '^Body-|^HTTP|^[0-9]' <<<"$res" | head -3 | tr '\n' ' ')"
        fi
    done
    end_ns="$(date +%s%N)"
    after="$(cpu_ticks "${PID[$p]}")"
    transfer_result up "$p" "$ok" "$start_ns" "$end_ns" "$before" "$after"
}

# idle_memory PROXY — RSS growth while IDLE_CONNS keep-alive connections sit idle.
idle_memory() {
    local p="$1" before after client line opened failed i
    alive "$p" || return 0
    before="$(rss_kib "${PID[$p]}")"
    taskset -c "$LOAD_CPU" python3 "$ROOT/perf/idle_conns.py" 127.0.0.1 "${PORT[$p]}" "$IDLE_CONNS" \
        >"$TMP/idle-$p.out" 2>&1 &
    client=$!
    PIDS+=("$client")
    line=""
    for i in $(seq 1 1200); do
        line="$(grep -m1 '^READY' "$TMP/idle-$p.out" || true)"
        [ -n "$line" ] && break
        kill -0 "$client" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$line" ]; then
        log "idle/$p: client did not finish: $(tail -n 2 "$TMP/idle-$p.out" | tr '\n' ' ')"
        kill -TERM "$client" 2>/dev/null || true; wait "$client" 2>/dev/null || true
        return 0
    fi
    sleep 1
    after="$(rss_kib "${PID[$p]}")"
    read -r _ opened failed <<<"$line"
    { echo "== idle $p"; cat "$TMP/idle-$p.out"; } >>"$LOG"
    kill -TERM "$client" 2>/dev/null || true
    wait "$client" 2>/dev/null || true
    log "idle/$p: $opened connections open ($failed failed), RSS $before → $after KiB"
    sleep 2   # let the proxy notice the closes before the next proxy's turn
    alive "$p" || { log "idle/$p: proxy died"; return 0; }
    [ "$opened" -gt 0 ] || return 0
    R["idle base|$p"]="$(awk -v b="$before" 'BEGIN { printf "%.1f", b / 1024 }')"
    R["idle kib|$p"]="$(awk -v b="$before" -v a="$after" -v n="$opened" 'BEGIN { printf "%.2f", (a - b) / n }')"
    R["idle open|$p"]="$opened"
}

# Idle memory first, while every proxy is fresh; then warm-up; then the load scenarios,
# each one run on the three proxies in turn (the reload scenario on Limpet alone).
if want idle; then for p in "${PROXIES[@]}"; do idle_memory "$p"; done; fi
for p in "${PROXIES[@]}"; do
    alive "$p" && taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d1s "http://127.0.0.1:${PORT[$p]}/" >/dev/null 2>&1 || true
done
if want ka; then log "scenario: keep-alive GET"; rounds wrk_scenario ka; fi
if want sticky; then log "scenario: sticky cookie"; rounds wrk_scenario sticky -H "Cookie: lb=%COOKIE%"; fi
if want close; then log "scenario: Connection: close"; rounds wrk_scenario close -H "Connection: close"; fi
if want reload; then log "scenario: keep-alive GET, idle vs reloading ${RELOAD_RATE}×/s (Limpet)"; reload_scenario; fi
if want down; then log "scenario: 100 MiB download"; rounds big_download; fi
if want up; then log "scenario: 100 MiB upload"; rounds big_upload; fi

# ---------------------------------------------------------------- report
ROWS=(
    "ka rps|Keep-alive GET: requests/s"
    "ka cpu|Keep-alive GET: proxy CPU µs/request"
    "ka p50|Keep-alive GET: p50 latency (ms)"
    "ka p99|Keep-alive GET: p99 latency (ms)"
    "sticky rps|Sticky cookie replay: requests/s"
    "sticky cpu|Sticky cookie replay: proxy CPU µs/request"
    "sticky p50|Sticky cookie replay: p50 latency (ms)"
    "sticky p99|Sticky cookie replay: p99 latency (ms)"
    "close rps|Connection: close: requests/s"
    "close cpu|Connection: close: proxy CPU µs/request"
    "close p50|Connection: close: p50 latency (ms)"
    "close p99|Connection: close: p99 latency (ms)"
    "rl-idle rps|Keep-alive GET, configuration idle: requests/s"
    "rl-idle cpu|Keep-alive GET, configuration idle: proxy CPU µs/request"
    "rl-idle p50|Keep-alive GET, configuration idle: p50 latency (ms)"
    "rl-idle p99|Keep-alive GET, configuration idle: p99 latency (ms)"
    "rl-busy rps|Keep-alive GET, reloading ${RELOAD_RATE}×/s: requests/s"
    "rl-busy cpu|Keep-alive GET, reloading ${RELOAD_RATE}×/s: proxy CPU µs/request"
    "rl-busy p50|Keep-alive GET, reloading ${RELOAD_RATE}×/s: p50 latency (ms)"
    "rl-busy p99|Keep-alive GET, reloading ${RELOAD_RATE}×/s: p99 latency (ms)"
    "rl-busy rate|Keep-alive GET, reloading ${RELOAD_RATE}×/s: reloads applied per second"
    "down mbs|100 MiB download: MB/s"
    "down cpu|100 MiB download: proxy CPU ms per 100 MiB"
    "up mbs|100 MiB upload: MB/s"
    "up cpu|100 MiB upload: proxy CPU ms per 100 MiB"
    "idle base|Idle: RSS before (MiB)"
    "idle open|Idle: connections held open (of $IDLE_CONNS tried)"
    "idle kib|Idle: RSS KiB per idle connection held"
)
# row_scenario KEY — the scenario a row belongs to.
row_scenario() { case "${1%% *}" in rl-*) echo reload ;; *) echo "${1%% *}" ;; esac; }
# value KEY PROXY — what the table shows: the median of a wrk row's rounds, any other row's one value as it is.
value() {
    local v="${R["$1|$2"]:-}" f
    v="${v% }"
    case "$v" in
        "") echo "n/a" ;;
        *FAIL*) echo "FAIL" ;;
        *" "*)
            case "$1" in *rps | *mbs | "down cpu" | "up cpu") f='%.0f' ;; *cpu) f='%.2f' ;; *) f='%.3f' ;; esac
            fmt "$(median "$v")" "$f" ;;
        *) echo "$v" ;;
    esac
}
for key in "${!R[@]}"; do echo "rounds: $key: ${R[$key]}"; done | sort >>"$LOG"
REPORT="$OUT/$NAME.md"
{
    echo "# Limpet perf — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Host: $(nproc) CPUs, $(uname -r); proxies on CPU $PROXY_CPU, wrk/curl/backend on CPU $LOAD_CPU;" \
        "wrk -t1 -c$CONNECTIONS -d$DURATION; Limpet engine.io=$LIMPET_IO, engine.splice=${LIMPET_SPLICE:-auto}," \
        "engine.deferAccept=${LIMPET_DEFER:-1s}; $BIG_REPEAT × 100 MiB per transfer row and round;" \
        "HAProxy $(haproxy -v 2>/dev/null | awk 'NR==1 {print $3}'), nginx $(nginx -v 2>&1 | sed 's|.*/||')."
    [ "${PEERS_DEFER:-0}" = 1 ] && echo "HAProxy binds with \`defer-accept\`, nginx listens \`deferred\`."
    [ "${SCENARIOS[*]}" = "${ALL_SCENARIOS[*]}" ] || echo "Scenarios run: ${SCENARIOS[*]}."
    echo "Keep-alive, sticky, Connection: close and transfer rows: the median of $ROUNDS rounds, the proxies" \
        "taking turns in each round (every round's figures are in the log)."
    want reload && echo "Reload rows: Limpet only; the dynamic file rewritten and SIGHUP sent ${RELOAD_RATE}×/s" \
        "(an unrelated router and service added, then removed), \`providers.file.watch: false\`."
    echo
    echo "| Metric | Limpet | HAProxy | nginx | Limpet/HAProxy |"
    echo "|---|---:|---:|---:|---:|"
    for row in "${ROWS[@]}"; do
        key="${row%%|*}"; label="${row#*|}"
        want "$(row_scenario "$key")" || continue
        l="$(value "$key" limpet)"; h="$(value "$key" haproxy)"; n="$(value "$key" nginx)"
        ratio="$(awk -v a="$l" -v b="$h" 'BEGIN {
            if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b + 0 > 0) printf "%.2f", a / b; else printf "n/a" }')"
        echo "| $label | $l | $h | $n | $ratio |"
    done
    if want reload; then
        echo
        echo "Reloading ${RELOAD_RATE}×/s vs idle configuration (Limpet): requests/s" \
            "$(awk -v a="$(value "rl-busy rps" limpet)" -v b="$(value "rl-idle rps" limpet)" \
                'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "× %.2f", a / b; else printf "n/a" }'), p50" \
            "$(awk -v a="$(value "rl-busy p50" limpet)" -v b="$(value "rl-idle p50" limpet)" \
                'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "× %.2f", a / b; else printf "n/a" }'), p99" \
            "$(awk -v a="$(value "rl-busy p99" limpet)" -v b="$(value "rl-idle p99" limpet)" \
                'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "× %.2f", a / b; else printf "n/a" }')."
    fi
} > "$REPORT"
cat "$REPORT"
