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

# start_ok_backend PORT — an nginx on the load CPU answering `200 ok` on 127.0.0.1:PORT (in $TMP/backend, added
# to PIDS); exits the script when it does not start. Used by alloc.sh and callgrind.sh.
start_ok_backend() {
    local port="$1" pid
    mkdir -p "$TMP/backend"
    cat > "$TMP/backend/nginx.conf" <<EOF
worker_processes 1;
daemon off;
user root;
pid $TMP/backend/nginx.pid;
error_log $TMP/backend/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    client_body_temp_path $TMP/backend/body;
    proxy_temp_path $TMP/backend/proxy;
    server {
        listen 127.0.0.1:$port backlog=4096;
        location / { return 200 "ok"; }
    }
}
EOF
    taskset -c "$LOAD_CPU" nginx -c "$TMP/backend/nginx.conf" >"$TMP/backend.out" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    wait_http "$port" "$pid" || { echo "backend nginx did not start" >&2; cat "$TMP/backend.out" >&2; exit 1; }
}

# write_plain_and_sticky FILE PORT — a dynamic configuration with two routes to one server on 127.0.0.1:PORT:
# `PathPrefix(/plain)` to a service without stickiness, `PathPrefix(/)` to one with `sticky.cookie.name: lb`.
write_plain_and_sticky() {
    cat > "$1" <<EOF
http:
  routers:
    plain:
      rule: "PathPrefix(\`/plain\`)"
      service: plain
    sticky:
      rule: "PathPrefix(\`/\`)"
      service: sticky
  services:
    plain:
      loadBalancer:
        servers:
          - url: "http://127.0.0.1:$2"
    sticky:
      loadBalancer:
        servers:
          - url: "http://127.0.0.1:$2"
        sticky:
          cookie:
            name: lb
EOF
}
