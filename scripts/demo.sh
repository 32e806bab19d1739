#!/usr/bin/env bash
# Starts three `limpet whoami` backends and Limpet on Config/, then shows how to see stickiness.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release/limpet
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT INT TERM
for n in 1 2 3; do
  "$bin" whoami --listen "127.0.0.1:900$n" --name "whoami-$n" & pids+=($!)
done
"$bin" run --config Config/limpet.yaml & pids+=($!)
sleep 1
cat <<'MSG'

Limpet is listening on http://localhost:8000 in front of whoami-1, whoami-2 and whoami-3.

  # The first answer carries Limpet's sticky cookie (Set-Cookie: _77b1f=...):
  curl -si http://localhost:8000/ | grep -iE '^(set-cookie|x-whoami-name)'

  # Replaying the cookie pins every request to the same backend:
  curl -s -c /tmp/limpet.jar http://localhost:8000/ >/dev/null
  for i in 1 2 3 4 5; do curl -s -b /tmp/limpet.jar http://localhost:8000/ | grep '^Name'; done

  # Without the cookie, requests spread over the three backends (each worker runs its own round robin):
  for i in 1 2 3 4 5 6; do curl -s http://localhost:8000/ | grep '^Name'; done

Press Ctrl-C to stop.
MSG
wait
