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
if [ "${1:-}" = test ]; then
  python3 -c 'import pytest, websockets, requests, yaml' 2>/dev/null ||
    python3 -m pip install -q pytest websockets requests pyyaml 2>/dev/null ||
    python3 -m pip install -q --break-system-packages pytest websockets requests
fi
command -v swift >/dev/null || { echo "swift is not on PATH: install the Swift 6 toolchain first" >&2; exit 1; }
