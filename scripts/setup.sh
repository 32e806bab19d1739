#!/usr/bin/env bash
# Installs what building and testing Limpet needs on Debian 12, skipping what is already there.
set -euo pipefail
need=()
[ -f /usr/include/liburing.h ] || need+=(liburing-dev)
command -v curl >/dev/null || need+=(curl)
command -v wrk >/dev/null || need+=(wrk)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v ss >/dev/null || need+=(iproute2)
command -v python3 >/dev/null || need+=(python3 python3-pip)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Docker and a single-node Swarm for Tests/integration/test_docker.py and test_swarm.py. Never fails the set-up:
# when dockerd cannot start, those tests skip with the reason and the tail of $DOCKERD_LOG (set
# LIMPET_REQUIRE_DOCKER=1 to make them fail instead). Leaves a dockerd that already runs, and its swarm, alone.
DOCKERD_LOG=${LIMPET_DOCKERD_LOG:-/var/log/limpet-dockerd.log}
docker_warn() {
  echo "########################################################################" >&2
  echo "WARNING: $*" >&2
  echo "The integration tests that need it will be SKIPPED, with this reason (log: $DOCKERD_LOG)." >&2
  echo "########################################################################" >&2
}
# Waits up to a minute for dockerd to answer; gives up early when process $1 (if given) has exited.
wait_docker() {
  local i
  for i in $(seq 1 60); do
    $SUDO docker info >/dev/null 2>&1 && return 0
    [ -z "$1" ] || [ -d "/proc/$1" ] || return 1
    sleep 1
  done
  return 1
}
setup_docker() {
  local SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
    $SUDO apt-get update -qq
    # apparmor: Debian's kernels enable AppArmor, and dockerd needs its parser to start containers there;
    # cgroupfs-mount: mounts the cgroup hierarchies where no init system did. No other recommends (needrestart).
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends docker.io apparmor \
      cgroupfs-mount >/dev/null || { docker_warn "apt-get install docker.io failed"; return 0; }
  fi
  if ! $SUDO docker info >/dev/null 2>&1 && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    $SUDO systemctl start docker >/dev/null 2>&1 || true
  fi
  if $SUDO docker info >/dev/null 2>&1; then
    :
  elif pidof dockerd >/dev/null 2>&1; then
    wait_docker "" || true  # started by someone else (an init script, the package's postinst): give it a minute
  else
    # No init system to ask (CI): run dockerd in the background, detached from this shell, logging to
    # $DOCKERD_LOG, and wait for its socket. If it dies at once (no iptables/nf_tables in this kernel, say),
    # try once more without the bridge and iptables: the tests use host networking only.
    if [ -z "$(ls -A /sys/fs/cgroup 2>/dev/null)" ] && command -v cgroupfs-mount >/dev/null; then
      $SUDO cgroupfs-mount || true
    fi
    local attempt
    for attempt in "" "--iptables=false --ip6tables=false --bridge=none"; do
      echo "===== $(date -u +%FT%TZ) dockerd $attempt =====" | $SUDO tee -a "$DOCKERD_LOG" >/dev/null
      # No job control in a script, so setsid and nohup exec in place: $! is dockerd (or sudo above it).
      # shellcheck disable=SC2086 # $attempt is a list of flags
      $SUDO setsid nohup dockerd $attempt </dev/null >>"$DOCKERD_LOG" 2>&1 &
      if wait_docker $!; then break; fi
      [ -d "/proc/$!" ] && break  # still starting after a minute: leave it be
    done
  fi
  if ! $SUDO docker info >/dev/null 2>&1; then
    docker_warn "dockerd is not answering on /var/run/docker.sock"
    tail -n 20 "$DOCKERD_LOG" >&2 2>/dev/null || true
    return 0
  fi
  local state
  state=$($SUDO docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2>/dev/null || true)
  case "$state" in
    "active true") ;;
    inactive*)
      $SUDO docker swarm init --advertise-addr 127.0.0.1 >/dev/null 2>>"$DOCKERD_LOG" ||
        docker_warn "docker swarm init failed: the Swarm tests will be skipped" ;;
    *) docker_warn "this node is in swarm state '$state', not a manager: the Swarm tests will be skipped" ;;
  esac
}
if [ "${1:-}" = test ]; then
  python3 -c 'import pytest, websockets, requests, yaml' 2>/dev/null ||
    python3 -m pip install -q pytest websockets requests pyyaml 2>/dev/null ||
    python3 -m pip install -q --break-system-packages pytest websockets requests
  setup_docker
fi
command -v swift >/dev/null || { echo "swift is not on PATH: install the Swift 6 toolchain first" >&2; exit 1; }
