#!/usr/bin/env bash
# The emulator's fire rate into `listen` (release CLI, separate processes on free loopback
# ports): an emulator and `listen` (stdout to /dev/null, table and then `-o json`), a hook on
# it, created and verified; then fires of 10,000 user.session.start events (`emulator fire`,
# each must deliver all of them), timed: events per second over all of them, per format.
#
#   bench/fire-listen.sh          # EVENTS (50000) per format, CLI (target/release/okta-eventhooks)
#
# The fire alone and into a bare receiver in process: the emulator's `fire_rate` example.
# Into the relay: bench/reconcile-scale.sh's fire column.
set -euo pipefail
cd "$(dirname "$0")/.."

EVENTS=${EVENTS:-50000}
CLI=${CLI:-target/release/okta-eventhooks}
if [ ! -x "$CLI" ]; then
  cargo build --release -p okta-eventhooks-cli
fi
FIRE=10000                       # the emulator's most events per fire
export OKTA_CLIENT_TOKEN=emulator-token
# shellcheck source=bench/processes.sh
. bench/processes.sh   # after the cd above: paths are from the repository root

json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

for format in table json; do
  emu_port=$(free_port); listen_port=$(free_port)
  "$CLI" emulator --port "$emu_port" --allow-http-loopback --rate-limit 1000000 \
    --log-retention "$EVENTS" --log-retention-bytes 4GiB >"$SCRATCH/emulator.log" 2>&1 &
  PIDS+=($!)
  "$CLI" -o "$format" listen --port "$listen_port" --path /hook >/dev/null 2>"$SCRATCH/listen.log" &
  PIDS+=($!)
  wait_for_port "$emu_port"; wait_for_port "$listen_port"
  export OKTA_CLIENT_ORGURL="http://127.0.0.1:$emu_port"
  "$CLI" -o json create --name "fire into listen" --uri "http://127.0.0.1:$listen_port/hook" \
    --event user.session.start --verify >/dev/null
  # Timed: the fires alone; their summaries are checked afterwards.
  start=$(date +%s.%N)
  fired=0
  while [ "$fired" -lt "$EVENTS" ]; do
    "$CLI" --timeout 10m -o json emulator fire user.session.start --count "$FIRE" \
      --url "http://127.0.0.1:$emu_port" >"$SCRATCH/fire-$fired.json"
    fired=$((fired + FIRE))
  done
  end=$(date +%s.%N)
  for summary in "$SCRATCH"/fire-*.json; do
    delivered=$(json_field '["hooks"][0]["delivered"]' <"$summary")
    [ "$delivered" = "$FIRE" ] || { echo "a fire delivered $delivered of $FIRE" >&2; cat "$summary" >&2; exit 1; }
  done
  rm -f "$SCRATCH"/fire-*.json
  rate=$(python3 -c "print(f'{$fired/($end-$start):,.0f}')")
  echo "fire into listen -o $format (stdout /dev/null): $rate events/s ($fired events)"
  stop_all
done
