#!/usr/bin/env bash
# Cross-language SDK benchmark: the same workload (N sequential get-event-hook calls with an SSWS
# token, each fully decoded into the SDK's model) against one local keep-alive server, with
#   1. okta-eventhooks (Rust SDK)     2. raw reqwest (the floor)
#   3. Okta's Python SDK (`okta`)     4. Okta's Node SDK (@okta/okta-sdk-nodejs)
# plus per-process start-up: `okta-eventhooks --version` vs `curl --version`, and one
# `okta-eventhooks get <id>` vs one `curl` of the same URL (and vs one call per process with
# the Python and Node SDKs).
#
# Reports ratios (what we claim) next to the raw microseconds (which depend on the machine).
# The server counts what it served: a leg whose calls did not all reach it fails the run.
#
# Usage: bench/sdk-compare.sh            (from anywhere; installs what it needs on first run)
#        bench/sdk-compare.sh --check    (check the scripts parse, test report.py; used by CI)
# Knobs (environment): REQUESTS=2000 per leg and round, WARMUP=100, ROUNDS=5 (median reported),
#        STARTUP_RUNS=50, SDK_STARTUP_RUNS=5, LEGS="rust python node startup", CARGO_TARGET_DIR,
#        STARTUP_TIMER=hyperfine|loop (default: hyperfine when installed).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
REQUESTS=${REQUESTS:-2000}
WARMUP=${WARMUP:-100}
ROUNDS=${ROUNDS:-5}
STARTUP_RUNS=${STARTUP_RUNS:-50}
SDK_STARTUP_RUNS=${SDK_STARTUP_RUNS:-5}
LEGS=${LEGS:-rust python node startup}
TOKEN=bench-token
HOOK_ID=whokwr4rnwl1qMMuk1d7
PY=$BENCH_DIR/.venv/bin/python

die() { echo "sdk-compare: $*" >&2; exit 1; }
want() { [[ " $LEGS " == *" $1 "* ]]; }

if [[ ${1:-} == --check ]]; then
  bash -n "$BENCH_DIR/sdk-compare.sh"
  python3 -m py_compile "$BENCH_DIR/report.py" "$BENCH_DIR/python/get_hooks.py"
  if command -v node >/dev/null; then node --check "$BENCH_DIR/node/get-hooks.js"; fi
  # The checks that decide whether a leg really hit the server, and the published ratios.
  python3 "$BENCH_DIR/test_report.py"
  # The receive comparison's wrk-output parsing and table arithmetic (bench/receive-compare.py).
  python3 "$BENCH_DIR/receive-compare.py" --check
  echo "sdk-compare: scripts parse, report.py tests pass"
  exit 0
fi

for tool in cargo curl python3; do
  command -v "$tool" >/dev/null || die "$tool is required"
done

# --- set-up (idempotent) -----------------------------------------------------------------------
echo "== building release binaries (sdk-bench, okta-eventhooks)" >&2
cargo build --release --locked --quiet --manifest-path "$ROOT/Cargo.toml" \
  -p okta-eventhooks-bench -p okta-eventhooks-cli
SDK_BENCH=$TARGET/release/sdk-bench
CLI=$TARGET/release/okta-eventhooks

if want python; then
  if [[ ! -x $PY ]]; then
    echo "== creating bench/.venv (Python SDK pinned in bench/python/requirements.txt)" >&2
    python3 -m venv "$BENCH_DIR/.venv"
  fi
  "$PY" -m pip install --quiet --disable-pip-version-check -r "$BENCH_DIR/python/requirements.txt"
fi
if want node; then
  command -v node >/dev/null || die "node is required for the Node leg (or set LEGS without node)"
  if [[ ! -d $BENCH_DIR/node_modules/@okta/okta-sdk-nodejs ]]; then
    echo "== npm ci (Node SDK pinned in bench/package-lock.json)" >&2
    (cd "$BENCH_DIR" && npm ci --no-audit --no-fund --silent)
  fi
fi

# --- the server --------------------------------------------------------------------------------
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

"$SDK_BENCH" serve --token "$TOKEN" --max-seconds 3600 >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 100); do
  [[ -s $WORK/server.out ]] && break
  sleep 0.05
done
URL=$(head -n1 "$WORK/server.out")
[[ $URL == http://127.0.0.1:* ]] || die "server did not start: $(cat "$WORK/server.err")"
echo "== server at $URL" >&2

stats() { curl -sf "$URL/__bench/stats"; }

RESULTS=$WORK/legs.jsonl
: >"$RESULTS"

# run_leg EXPECTED_HOOK_CALLS ROUND CMD... : runs one leg, checks the server saw exactly the calls
# it should (no cache hits, no 401s), and appends the leg's JSON lines with the server's view.
run_leg() {
  local expected=$1 round=$2
  shift 2
  local before after out
  before=$(stats)
  out=$("$@") || die "leg failed: $*"
  after=$(stats)
  printf '%s\n' "$out" | python3 "$BENCH_DIR/report.py" annotate \
    --round "$round" --expected "$expected" --before "$before" --after "$after" >>"$RESULTS" \
    || die "leg did not hit the server as it should: $*"
}

per_leg=$((REQUESTS + (WARMUP > 0 ? WARMUP : 1)))
common=(--url "$URL" --requests "$REQUESTS" --warmup "$WARMUP" --token "$TOKEN" --hook-id "$HOOK_ID")
for round in $(seq "$ROUNDS"); do
  echo "== round $round/$ROUNDS" >&2
  # The Rust command runs two legs (SDK and raw reqwest) on the same server.
  if want rust; then run_leg $((2 * per_leg)) "$round" "$SDK_BENCH" rust "${common[@]}"; fi
  if want python; then
    run_leg "$per_leg" "$round" env OKTA_TESTING_TESTINGDISABLEHTTPSCHECK=true \
      "$PY" "$BENCH_DIR/python/get_hooks.py" "${common[@]}"
  fi
  if want node; then run_leg "$per_leg" "$round" node "$BENCH_DIR/node/get-hooks.js" "${common[@]}"; fi
done

# --- per-process start-up ----------------------------------------------------------------------
# time_commands OUT RUNS WARMUP CALLS_PER_RUN (NAME COMMAND_LINE)... : times each command line
# (split like a shell would, run without one) with hyperfine, or a timing loop without it, and
# checks that the server saw CALLS_PER_RUN hook calls per run of the whole set.
time_commands() {
  local out=$1 runs=$2 warmup=$3 per_run=$4
  shift 4
  local before after cmd=()
  before=$(stats)
  if [[ ${STARTUP_TIMER:-} != loop ]] && command -v hyperfine >/dev/null; then
    cmd=(hyperfine --style none --shell none --warmup "$warmup" --runs "$runs" --export-json "$out")
    while (($#)); do cmd+=(-n "$1" "$2"); shift 2; done
    "${cmd[@]}" >/dev/null 2>"$WORK/hyperfine.err" || { cat "$WORK/hyperfine.err" >&2; die "hyperfine failed"; }
  else
    cmd=(python3 "$BENCH_DIR/report.py" time-loop --runs "$runs" --warmup "$warmup" --out "$out")
    while (($#)); do cmd+=(--cmd "$1" "$2"); shift 2; done
    "${cmd[@]}"
  fi
  after=$(stats)
  python3 "$BENCH_DIR/report.py" check-count --expected $((per_run * (runs + warmup))) \
    --before "$before" --after "$after" || die "start-up runs did not all reach the server"
}

STARTUP_JSON=()
if want startup; then
  echo "== start-up ($STARTUP_RUNS runs each)" >&2
  [[ ${STARTUP_TIMER:-} != loop ]] && command -v hyperfine >/dev/null \
    || echo "   (timing loop: hyperfine not used; apt-get install hyperfine for its statistics)" >&2
  export OKTA_CLIENT_ORGURL=$URL OKTA_CLIENT_TOKEN=$TOKEN
  # One real call first: fails loudly if the CLI cannot do the workload at all.
  "$CLI" get "$HOOK_ID" >"$WORK/cli-get.out" || die "okta-eventhooks get failed"
  grep -q 'Audit sink' "$WORK/cli-get.out" || die "okta-eventhooks get did not print the hook"
  q() { printf '%q' "$1"; }
  time_commands "$WORK/startup-cli.json" "$STARTUP_RUNS" 3 2 \
    'okta-eventhooks --version' "$(q "$CLI") --version" \
    'curl --version' 'curl --version' \
    'okta-eventhooks get' "$(q "$CLI") get $HOOK_ID" \
    'curl GET' "curl -sf -o /dev/null -H 'authorization: SSWS $TOKEN' -H 'accept: application/json' $URL/api/v1/eventHooks/$HOOK_ID"
  STARTUP_JSON+=("$WORK/startup-cli.json")

  # The other SDKs, one call per process: seconds each (importing the SDK dominates), so fewer runs.
  sdk_cmds=()
  if want python; then
    sdk_cmds+=('Python SDK: one get per process'
      "env OKTA_TESTING_TESTINGDISABLEHTTPSCHECK=true $(q "$PY") $(q "$BENCH_DIR/python/get_hooks.py") --url $URL --requests 0 --warmup 1")
  fi
  if want node; then
    sdk_cmds+=('Node SDK: one get per process' "node $(q "$BENCH_DIR/node/get-hooks.js") --url $URL --requests 0 --warmup 1")
  fi
  if ((${#sdk_cmds[@]})); then
    echo "== one call per process with the other SDKs ($SDK_STARTUP_RUNS runs each)" >&2
    time_commands "$WORK/startup-sdks.json" "$SDK_STARTUP_RUNS" 1 $((${#sdk_cmds[@]} / 2)) "${sdk_cmds[@]}"
    STARTUP_JSON+=("$WORK/startup-sdks.json")
  fi
fi

# --- report ------------------------------------------------------------------------------------
versions=(
  "okta-eventhooks $("$CLI" --version | awk '{print $NF}') ($(rustc --version))"
  "reqwest $(cargo tree --manifest-path "$ROOT/Cargo.toml" -p okta-eventhooks-bench --depth 1 -e normal --prefix none 2>/dev/null | awk '$1=="reqwest"{print $2; exit}')"
  "$(curl --version | head -n1 | cut -d' ' -f1-2)"
)
if want python; then versions+=("okta (Python) $("$PY" -c 'import importlib.metadata as m; print(m.version("okta"))') on $("$PY" --version) + aiohttp $("$PY" -c 'import importlib.metadata as m; print(m.version("aiohttp"))')"); fi
if want node; then versions+=("@okta/okta-sdk-nodejs $(node -p "require('$BENCH_DIR/node_modules/@okta/okta-sdk-nodejs/package.json').version") on node $(node --version)"); fi
if [[ ${STARTUP_TIMER:-} != loop ]] && command -v hyperfine >/dev/null && want startup; then versions+=("$(hyperfine --version)"); fi

args=(table --legs "$RESULTS" --requests "$REQUESTS" --warmup "$WARMUP" --rounds "$ROUNDS")
for f in "${STARTUP_JSON[@]}"; do args+=(--startup "$f"); done
for v in "${versions[@]}"; do args+=(--version "$v"); done
mkdir -p "$BENCH_DIR/results"
python3 "$BENCH_DIR/report.py" "${args[@]}" | tee "$BENCH_DIR/results/latest.md"
