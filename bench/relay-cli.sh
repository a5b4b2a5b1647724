#!/usr/bin/env bash
# The `relay` command itself (not the library in the bench process) into JetStream under wrk:
# a fresh nats-server and relay per round on free loopback ports, wrk with 16 connections
# posting 10-event deliveries with new ids in every request (bench/receive.lua), then the
# relay's acknowledged deliveries per second, p99 latency, non-2xx answers and its CPU time.
#
#   OKTA_EVENTHOOKS_NATS_SERVER=$(command -v nats-server) bench/relay-cli.sh
#
# Knobs: CLI (target/release/okta-eventhooks; built when missing), ALSO (a second binary, e.g.
# one built before a change: each round runs both, in alternating order), ROUNDS (3), SECS (6),
# and RELAY_ARGS (more flags for both relays, e.g. "--worker-threads 1"). Needs wrk.
set -euo pipefail
cd "$(dirname "$0")/.."

CLI=${CLI:-target/release/okta-eventhooks}
ALSO=${ALSO:-}
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-6}
read -r -a EXTRA <<<"${RELAY_ARGS:-}"
NATS=${OKTA_EVENTHOOKS_NATS_SERVER:-$(command -v nats-server || true)}
[ -x "$NATS" ] || { echo "nats-server not found: set OKTA_EVENTHOOKS_NATS_SERVER" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
[ -x "$CLI" ] || cargo build --release -p okta-eventhooks-cli
cargo build --release --quiet -p okta-eventhooks-bench --bin recv-bench
# shellcheck source=bench/processes.sh
. bench/processes.sh

target/release/recv-bench body >"$SCRATCH/body.json"
export RECV_BENCH_BODY="$SCRATCH/body.json"

bins=("$CLI")
[ -n "$ALSO" ] && bins+=("$ALSO")
echo "| round | binary | deliveries/s | p99 | non-2xx | relay CPU s | CPU µs per delivery |"
echo "|---:|---|---:|---:|---:|---:|---:|"
for round in $(seq 1 "$ROUNDS"); do
  order=("${bins[@]}")
  if [ $((round % 2)) = 0 ] && [ ${#bins[@]} = 2 ]; then order=("${bins[1]}" "${bins[0]}"); fi
  for bin in "${order[@]}"; do
    dir="$SCRATCH/$round-${#PIDS[@]}"
    mkdir -p "$dir"
    nats_port=$(free_port); relay_port=$(free_port)
    "$NATS" -js -a 127.0.0.1 -p "$nats_port" -sd "$dir/js" >"$dir/nats.log" 2>&1 &
    PIDS+=($!)
    wait_for_port "$nats_port"
    "$bin" relay --port "$relay_port" --path /hook --insecure-no-auth "${EXTRA[@]}" \
      --sink "nats://127.0.0.1:$nats_port/OKTA_EVENTS" >"$dir/relay.log" 2>&1 &
    PIDS+=($!)
    relay=$!
    wait_for_port "$relay_port"
    before=$(cpu_s "$relay")
    out=$(wrk -t2 -c16 -d"${SECS}s" --latency -s bench/receive.lua "http://127.0.0.1:$relay_port/hook")
    after=$(cpu_s "$relay")
    rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
    p99=$(awk '$1=="99%"{print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx/{print $NF}' <<<"$out")
    cpu=$(python3 -c "print(f'{$after - $before:.2f}')")
    per=$(python3 -c "print(f'{($after - $before) * 1e6 / ($rps * $SECS):.0f}')")
    echo "| $round | $bin | $rps | $p99 | ${non2xx:-0} | $cpu | $per |"
    stop_all
  done
done
