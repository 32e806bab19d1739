# Shared by perf/run.sh and perf/alloc.sh (sourced after ROOT is set).

# The proxy under test on one CPU, load generator and backends on another (when there are two).
if [ "$(nproc)" -ge 2 ]; then
    PROXY_CPU="${PROXY_CPU:-1}"; LOAD_CPU="${LOAD_CPU:-0}"
else
    PROXY_CPU="${PROXY_CPU:-0}"; LOAD_CPU="${LOAD_CPU:-0}"
fi

# wait_http PORT PID — until something answers HTTP on 127.0.0.1:PORT (20 s), or PID has exited.
wait_http() {
    local port="$1" pid="$2" i
    for i in $(seq 1 200); do
        kill -0 "$pid" 2>/dev/null || return 1
        if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then return 0; fi
        sleep 0.1
    done
    return 1
}

# processes_in NAME — a scratch directory TMP and a list PIDS of background processes, all stopped (TERM,
# then KILL) and removed when the script exits.
processes_in() {
    TMP="$(mktemp -d "/tmp/limpet-$1.XXXXXX")"
    PIDS=()
    trap cleanup EXIT
    trap 'exit 130' INT TERM
}
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    sleep 0.3
    for pid in "${PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$TMP"
}
