#!/usr/bin/env bash
# What `listen --inspect` costs when nobody has the page open: deliveries per second of the
# release `listen` with and without `--inspect`, under wrk (16 connections, 2 threads), in
# alternating rounds so that the machine's other load hits both alike. Every delivery has a new
# eventId and new uuids (a Lua script numbers them), so none is dropped as a repeat, and listen's
# stdout goes to /dev/null. Reports each round and the median of the rounds' ratios.
#
# Usage: bench/inspect-overhead.sh    (needs wrk: apt-get install wrk; builds the release binary)
# Knobs (environment): ROUNDS=5, SECS=5 per round, CONNECTIONS=16, CARGO_TARGET_DIR.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-5}
CONNECTIONS=${CONNECTIONS:-16}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }
(cd "$ROOT" && cargo build --release --quiet -p okta-eventhooks-cli)
BIN=$TARGET/release/okta-eventhooks
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# One delivery of 10 events as Okta sends it; EID is replaced per request.
python3 - "$WORK/post.lua" <<'PY'
import json, sys
events = [{"uuid": f"EID-{i}", "published": "2026-11-26T13:00:00.000Z", "eventType": "user.session.start",
           "version": "0", "severity": "INFO", "displayMessage": "User login to Okta",
           "actor": {"id": "00u1", "type": "User", "alternateId": "ada@acme.com", "displayName": "Ada"},
           "outcome": {"result": "SUCCESS"}, "target": []} for i in range(10)]
body = json.dumps({"eventType": "com.okta.event_hook", "eventTypeVersion": "1.0", "cloudEventsVersion": "0.1",
                   "source": "https://acme.okta.com/api/v1/eventHooks/who1", "eventId": "EID",
                   "eventTime": "2026-11-26T13:00:01.000Z", "contentType": "application/json",
                   "data": {"events": events}})
lua = f"""
local body = {json.dumps(body)}
local n = 0
local headers = {{["Content-Type"] = "application/json", ["Authorization"] = "bench-secret"}}
request = function()
  n = n + 1
  local id = string.format("%d-%d", math.random(1, 1000000000), n)
  return wrk.format("POST", "/okta/events", headers, (body:gsub("EID", id)))
end
"""
open(sys.argv[1], "w").write(lua)
PY

# One round: starts listen (extra flags in "$@") on a free port, loads it, stops it; req/s.
round() {
  local log=$WORK/listen.err url=""
  : >"$log"
  HOOK_SECRET=bench-secret "$BIN" listen --port 0 --path /okta/events --auth-key Authorization \
    --auth-value-env HOOK_SECRET --dedupe-window 1h "$@" >/dev/null 2>"$log" &
  local pid=$!
  for _ in $(seq 100); do
    url=$(awk '/^listening on / {print $3}' "$log")
    [ -n "$url" ] && break
    sleep 0.05
  done
  [ -n "$url" ] || { echo "listen did not start: $(cat "$log")" >&2; exit 1; }
  wrk -t2 -c"$CONNECTIONS" -d"${SECS}s" -s "$WORK/post.lua" "${url%/okta/events}" \
    | awk '/Requests\/sec/ {print $2}'
  kill -INT "$pid"
  wait "$pid" 2>/dev/null || true
  if grep -q "refused with 503" "$log" && ! grep -q " 0 refused with 503" "$log"; then
    echo "(round had 503s: $(grep -o '[0-9]* refused with 503' "$log"))" >&2
  fi
}

PORT_INSPECT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ratios=()
printf '%-6s %14s %18s %8s\n' round "plain req/s" "--inspect req/s" ratio
for r in $(seq "$ROUNDS"); do
  plain=$(round)
  inspected=$(round --inspect "127.0.0.1:$PORT_INSPECT")
  ratio=$(python3 -c "print(f'{$inspected/$plain:.3f}')")
  ratios+=("$ratio")
  printf '%-6s %14s %18s %8s\n' "$r" "$plain" "$inspected" "$ratio"
done
python3 -c "import statistics,sys; print('median --inspect / plain:', statistics.median(map(float, sys.argv[1:])))" "${ratios[@]}"
