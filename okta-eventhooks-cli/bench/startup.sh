#!/usr/bin/env bash
# Start-up and one-call cost of the CLI next to curl, against a local one-hook mock of Okta.
# Needs: hyperfine (Debian package), python3, curl. Not part of CI: timings need a quiet machine.
#   cargo build --release -p okta-eventhooks-cli && okta-eventhooks-cli/bench/startup.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${CARGO_TARGET_DIR:-target}/release/okta-eventhooks"
port="${PORT:-18099}"
id=who8vt36qfNpCGz9H1e6

python3 - "$port" <<'PY' &
import http.server, json, sys
hook = {"id": "who8vt36qfNpCGz9H1e6", "status": "ACTIVE", "verificationStatus": "VERIFIED",
        "name": "Audit sink", "events": {"type": "EVENT_TYPE", "items": ["user.lifecycle.create"]},
        "channel": {"type": "HTTP", "version": "1.0.0",
                    "config": {"uri": "https://hooks.example.com/okta", "headers": []}}}
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = json.dumps([hook] if self.path.endswith("eventHooks") else hook).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Okta-Request-Id", "reqBench")
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
PY
mock=$!
trap 'kill "$mock"' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/api/v1/eventHooks" && break; sleep 0.1; done

export OKTA_CLIENT_ORGURL="http://127.0.0.1:$port" OKTA_CLIENT_TOKEN=bench-token
hyperfine -N --warmup 20 --runs 300 "$bin --version" "curl --version"
hyperfine -N --warmup 20 --runs 300 \
  "$bin get $id -o json" \
  "curl -s -H 'Authorization: SSWS bench-token' -H 'Accept: application/json' http://127.0.0.1:$port/api/v1/eventHooks/$id"
