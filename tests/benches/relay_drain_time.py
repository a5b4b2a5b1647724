#!/usr/bin/env python3
"""Time from SIGTERM to exit of `okta-eventhooks relay` with deliveries in flight.

16 threads POST deliveries of 10 events (a new connection each) as fast as the relay answers;
after 2 s of load the relay gets SIGTERM; the threads keep sending until the relay is gone.
Reports the time to exit, the answers before/after SIGTERM, and checks that every event of
every delivery answered 200 is in the sink (SQLite: the table; NATS: the relay's stopped line).
Usage: python3 tests/benches/relay_drain_time.py target/release/okta-eventhooks sqlite|nats DRAIN_DELAY [NATS_URL]
(NATS: a nats-server with JetStream at NATS_URL; the stream is in memory, named after the pid).
"""
import http.client, json, os, signal, sqlite3, subprocess, sys, tempfile, threading, time

binary, sink, drain = sys.argv[1], sys.argv[2], sys.argv[3]
work = tempfile.mkdtemp(prefix="drain-")
args = [binary, "-o", "json", "relay", "--port", "0", "--auth-key", "Authorization",
        "--auth-value-env", "HOOK", "--path", "/okta/events", "--drain-delay", drain]
env = dict(os.environ, HOOK="drain-secret-1234")
env.pop("NATS_URL", None)
if sink == "sqlite":
    args += ["--sink", f"sqlite:{work}/events.db"]
else:
    args += ["--nats", sys.argv[4], "--stream", f"DRAIN{os.getpid()}", "--subject-prefix",
             f"drain{os.getpid()}", "--storage", "memory"]
relay = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
ready = json.loads(relay.stdout.readline())
host_port = ready["url"].split("//")[1].split("/")[0]
host, port = host_port.split(":")

def body(n):
    events = [{"uuid": f"u-{n}-{i}", "published": "2026-11-26T13:00:00.000Z",
               "eventType": "user.session.start", "version": "0", "severity": "INFO",
               "displayMessage": "m", "actor": {"id": "a", "type": "User"},
               "outcome": {"result": "SUCCESS"}, "target": []} for i in range(10)]
    return json.dumps({"eventType": "com.okta.event_hook", "eventTypeVersion": "1.0",
                       "cloudEventsVersion": "0.1", "eventId": f"d-{n}",
                       "source": "https://acme.okta.com/api/v1/eventHooks/who1",
                       "eventTime": "2026-11-26T13:00:01.000Z", "contentType": "application/json",
                       "data": {"events": events}})

lock = threading.Lock()
counter = [0]
sigterm_at = [None]
results = []  # (sent_at, answered_at, status or error)
stop = threading.Event()

def sender():
    while not stop.is_set():
        with lock:
            n = counter[0]; counter[0] += 1
        sent = time.monotonic()
        try:
            c = http.client.HTTPConnection(host, int(port), timeout=10)
            c.request("POST", "/okta/events", body(n),
                      {"Authorization": "drain-secret-1234", "Content-Type": "application/json",
                       "Connection": "close"})
            status = c.getresponse().status
            c.close()
        except Exception as e:
            status = type(e).__name__
        results.append((n, sent, time.monotonic(), status))
        if relay.poll() is not None:
            return

threads = [threading.Thread(target=sender) for _ in range(16)]
for t in threads: t.start()
time.sleep(2)
t0 = time.monotonic()
relay.send_signal(signal.SIGTERM)
relay.wait()
took = time.monotonic() - t0
stop.set()
for t in threads: t.join()
out, err = relay.communicate()
ok = [r for r in results if r[3] == 200]
after = [r for r in results if r[1] >= t0]
in_flight = [r for r in results if r[1] < t0 <= r[2]]
print(f"sink={sink} drain-delay={drain}: SIGTERM to exit {took*1000:.0f} ms; "
      f"{len(in_flight)} deliveries in flight at SIGTERM, answers: "
      f"{sorted(set(str(r[3]) for r in in_flight))}; sent after SIGTERM {len(after)}: "
      f"{ {s: sum(1 for r in after if str(r[3]) == s) for s in set(str(r[3]) for r in after)} }")
stopped = [json.loads(l) for l in out.splitlines() if l.strip()]
print("stopped line:", stopped[-1] if stopped else None)
if sink == "sqlite":
    db = sqlite3.connect(f"{work}/events.db")
    stored = {u for (u,) in db.execute("SELECT uuid FROM okta_events")}
    acked = {f"u-{r[0]}-{i}" for r in ok for i in range(10)}
    print(f"acknowledged events {len(acked)}, missing from the table {len(acked - stored)}")
    assert not (acked - stored)
else:
    print(f"acknowledged events {len(ok)*10}, relay says stored {stopped[-1]['stored']}")
