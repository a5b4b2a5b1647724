#!/usr/bin/env bash
# What `listen --inspect` costs when nobody has the page open: deliveries acknowledged (2xx) per
# second by the release `listen` with and without `--inspect`, under wrk (16 connections, 2
# threads), in alternating rounds so that the machine's other load hits both alike, in two
# workloads of deliveries of 10 events:
#   new     every delivery has a new eventId and new uuids (a Lua script numbers them): parsed,
#           queued and printed (stdout to /dev/null); when the printing falls behind, listen
#           answers 503, which is not counted
#   repeat  every delivery has the same eventId: parsed and dropped as a repeat, answered 200 at
#           once; only the HTTP path, where the recording's share is largest
# Reports each round and the median of the rounds' ratios per workload, for throughput and for
# listen's own CPU time per request (user + system, from /proc; Linux only), which other load on
# the machine disturbs far less than throughput.
#
# Usage: bench/inspect-overhead.sh    (needs wrk: apt-get install wrk; builds the release binary)
# Knobs (environment): ROUNDS=5, SECS=5 per round, CONNECTIONS=16, MODES="new repeat",
#        CARGO_TARGET_DIR.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-5}
CONNECTIONS=${CONNECTIONS:-16}
MODES=${MODES:-new repeat}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }
(cd "$ROOT" && cargo build --release --quiet -p okta-eventhooks-cli)
BIN=$TARGET/release/okta-eventhooks
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# One delivery of 10 events as Okta sends it; EID is replaced per request.
python3 - "$WORK" <<'PY'
import json, sys
events = [{"uuid": f"EID-{i}", "published": "2026-11-26T13:00:00.000Z", "eventType": "user.session.start",
           "version": "0", "severity": "INFO", "displayMessage": "User login to Okta",
           "actor": {"id": "00u1", "type": "User", "alternateId": "ada@acme.com", "displayName": "Ada"},
           "outcome": {"result": "SUCCESS"}, "target": []} for i in range(10)]
body = json.dumps({"eventType": "com.okta.event_hook", "eventTypeVersion": "1.0", "cloudEventsVersion": "0.1",
                   "source": "https://acme.okta.com/api/v1/eventHooks/who1", "eventId": "EID",
                   "eventTime": "2026-11-26T13:00:01.000Z", "contentType": "application/json",
                   "data": {"events": events}})
for mode, make_id in [("new", 'string.format("%d-%d", math.random(1, 1000000000), n)'),
                      ("repeat", '"the-same-delivery"')]:
    lua = f"""
local body = {json.dumps(body)}
local n = 0
local headers = {{["Content-Type"] = "application/json", ["Authorization"] = "bench-secret"}}
request = function()
  n = n + 1
  local id = {make_id}
  return wrk.format("POST", "/okta/events", headers, (body:gsub("EID", id)))
end
"""
    open(f"{sys.argv[1]}/{mode}.lua", "w").write(lua)
PY

# One round of workload $1: starts listen (extra flags in the rest) on a free port, loads it,
# stops it; acknowledged (2xx) deliveries per second.
round() {
  local mode=$1
  shift
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
  wrk -t2 -c"$CONNECTIONS" -d"${SECS}s" -s "$WORK/$mode.lua" "${url%/okta/events}" >"$WORK/wrk.out"
  # listen's own CPU time (user + system) over the round, before it stops.
  local ticks
  ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  kill -INT "$pid"
  wait "$pid" 2>/dev/null || true
  python3 - "$WORK/wrk.out" "$SECS" "$ticks" "$(getconf CLK_TCK)" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
total = int(re.search(r"(\d+) requests in", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
ok = total - (int(bad.group(1)) if bad else 0)
cpu_us = int(sys.argv[3]) / int(sys.argv[4]) * 1e6
print(f"{ok / float(sys.argv[2]):.0f} {cpu_us / max(total, 1):.1f}")
PY
}

PORT_INSPECT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
median() { python3 -c "import statistics,sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"; }
for mode in $MODES; do
  ratios=() cpu_ratios=()
  echo "workload: $mode"
  printf '%-6s %12s %16s %8s %16s %20s %8s\n' round "plain 2xx/s" "--inspect 2xx/s" ratio \
    "plain CPU us/req" "--inspect CPU us/req" ratio
  for r in $(seq "$ROUNDS"); do
    # Which leg goes first alternates, so that neither always meets a warmer or busier machine.
    if [ $((r % 2)) -eq 1 ]; then
      read -r plain plain_cpu < <(round "$mode")
      read -r inspected inspected_cpu < <(round "$mode" --inspect "127.0.0.1:$PORT_INSPECT")
    else
      read -r inspected inspected_cpu < <(round "$mode" --inspect "127.0.0.1:$PORT_INSPECT")
      read -r plain plain_cpu < <(round "$mode")
    fi
    ratio=$(python3 -c "print(f'{$inspected/$plain:.3f}')")
    cpu_ratio=$(python3 -c "print(f'{$inspected_cpu/$plain_cpu:.3f}')")
    ratios+=("$ratio") cpu_ratios+=("$cpu_ratio")
    printf '%-6s %12s %16s %8s %16s %20s %8s\n' "$r" "$plain" "$inspected" "$ratio" \
      "$plain_cpu" "$inspected_cpu" "$cpu_ratio"
  done
  echo "median --inspect / plain: throughput $(median "${ratios[@]}"), CPU per request $(median "${cpu_ratios[@]}")"
done
