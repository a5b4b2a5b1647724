#!/usr/bin/env bash
# reconcile at scale: for each size (default 10,000, 100,000 and 400,000 events, a day at
# Okta's limit), a fresh nats-server, emulator and relay (release CLI) on free loopback ports;
# a verified hook on the relay; the events fired in fires of 10,000 (the fire rate into the
# relay is measured); then `reconcile` against the relay's stream under /usr/bin/time -v:
# its wall time and peak RSS. Nothing is missing, so `reconcile` must exit 0 and report every
# event expected and present; anything else fails the run.
#
#   OKTA_EVENTHOOKS_NATS_SERVER=$(command -v nats-server) bench/reconcile-scale.sh
#
# Knobs: SIZES ("10000 100000 400000"), CLI (target/release/okta-eventhooks; built when
# missing), MODE (bounded: --until, the default; polling: --lag 0s, Okta's polling read), RUNS
# (reconciles per size, one row each, default 1: firing 400,000 events takes minutes, far
# longer than reconciling them, so repeat the reconcile rather than the whole script), ALSO (a
# second CLI binary, e.g. one built before a change: each run then reconciles with CLI and with
# ALSO in turn, against the same fired log, and the first column says which).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"10000 100000 400000"}
CLI=${CLI:-target/release/okta-eventhooks}
MODE=${MODE:-bounded}
RUNS=${RUNS:-1}
ALSO=${ALSO:-}
NATS=${OKTA_EVENTHOOKS_NATS_SERVER:-$(command -v nats-server || true)}
[ -x "$NATS" ] || { echo "nats-server not found: set OKTA_EVENTHOOKS_NATS_SERVER" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time (GNU time) is needed for the peak RSS" >&2; exit 1; }
if [ ! -x "$CLI" ]; then
  cargo build --release -p okta-eventhooks-cli
fi

FIRE=10000                       # the emulator's most events per fire
export HOOK_SECRET=bench-hook-secret
export OKTA_CLIENT_TOKEN=emulator-token
# shellcheck source=bench/processes.sh
. bench/processes.sh   # after the cd above: paths are from the repository root

json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

ROWS=()
for size in $SIZES; do
  dir="$SCRATCH/$size"
  mkdir -p "$dir"
  nats_port=$(free_port); emu_port=$(free_port); relay_port=$(free_port)
  "$NATS" -js -a 127.0.0.1 -p "$nats_port" -sd "$dir/js" >"$dir/nats.log" 2>&1 &
  PIDS+=($!)
  # Room for the size: the System Log takes about 3.3 KB per event here (README, emulator).
  "$CLI" emulator --port "$emu_port" --allow-http-loopback --rate-limit 1000000 \
    --log-retention "$size" --log-retention-bytes 4GiB >"$dir/emulator.log" 2>&1 &
  PIDS+=($!)
  wait_for_port "$nats_port"
  "$CLI" relay --port "$relay_port" --path /okta/events --auth-key Authorization \
    --auth-value-env HOOK_SECRET --sink "nats://127.0.0.1:$nats_port/OKTA_EVENTS" \
    >"$dir/relay.log" 2>&1 &
  PIDS+=($!)
  wait_for_port "$emu_port"; wait_for_port "$relay_port"
  export OKTA_CLIENT_ORGURL="http://127.0.0.1:$emu_port"
  hook=$("$CLI" -o json create --name "bench $size" --uri "http://127.0.0.1:$relay_port/okta/events" \
    --auth-key Authorization --auth-value-env HOOK_SECRET --event user.session.start --verify \
    | json_field '["id"]')

  start=$(date +%s.%N)
  for _ in $(seq 1 $(( (size + FIRE - 1) / FIRE ))); do
    "$CLI" --timeout 10m -o json emulator fire user.session.start --count "$FIRE" \
      --url "http://127.0.0.1:$emu_port" >"$dir/fire.json"
    delivered=$(json_field '["hooks"][0]["delivered"]' <"$dir/fire.json")
    [ "$delivered" = "$FIRE" ] || { echo "a fire delivered $delivered of $FIRE" >&2; cat "$dir/fire.json" >&2; exit 1; }
  done
  fired=$(( (size + FIRE - 1) / FIRE * FIRE ))
  fire_s=$(python3 -c "import time; print(f'{time.time()-$start:.2f}')")
  sleep 1.1   # the bounded window ends 1 s ago

  case "$MODE" in
    bounded) window=(--since 1h --until 1s) ;;
    polling) window=(--since 1h --lag 0s) ;;
    *) echo "MODE: bounded or polling" >&2; exit 1 ;;
  esac
  for _ in $(seq 1 "$RUNS"); do
    for bin in "$CLI" ${ALSO:+"$ALSO"}; do
      nats_cpu=$(cpu_s "${PIDS[0]}"); emu_cpu=$(cpu_s "${PIDS[1]}")
      /usr/bin/time -v -o "$dir/time.txt" "$bin" -o json reconcile --hook "$hook" "${window[@]}" \
        --limit 1000 --sink "nats://127.0.0.1:$nats_port/OKTA_EVENTS" >"$dir/report.json"
      expected=$(json_field '["expected"]' <"$dir/report.json")
      present=$(json_field '["present"]' <"$dir/report.json")
      [ "$expected" = "$fired" ] && [ "$present" = "$fired" ] \
        || { echo "reconcile: expected $expected, present $present, fired $fired" >&2; exit 1; }
      wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$dir/time.txt")
      rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/time.txt")
      cpu=$(awk -F': ' '/User time/{u=$2} /System time/{s=$2} END{printf "%.2f", u+s}' "$dir/time.txt")
      emu_rss_kb=$(awk '/VmRSS/{print $2}' "/proc/${PIDS[1]}/status")
      nats_cpu=$(python3 -c "print(f'{$(cpu_s "${PIDS[0]}") - $nats_cpu:.2f}')")
      emu_cpu=$(python3 -c "print(f'{$(cpu_s "${PIDS[1]}") - $emu_cpu:.2f}')")
      ROWS+=("| $bin | $fired | $wall | $cpu | $((rss_kb / 1024)) | $nats_cpu | $emu_cpu | $(python3 -c "print(f'{$fired/$fire_s:,.0f}')") | $((emu_rss_kb / 1024)) |")
    done
  done
  stop_all
done

echo
echo "reconcile against the relay's JetStream stream ($MODE read of the System Log, pages of 1000)"
echo
echo "| binary | events | reconcile wall (m:ss) | reconcile CPU s | reconcile peak RSS MiB | nats-server CPU s meanwhile | emulator CPU s meanwhile | fire into the relay, events/s | emulator RSS MiB |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
