#!/usr/bin/env python3
"""Receive-side benchmark: what the receiver library and `okta-eventhooks listen` cost per
delivery next to a bare axum handler that parses the body into serde_json::Value.

wrk (16 connections by default) POSTs deliveries of 10 System Log events (~15.5 KB) with a new
`eventId` and new `uuid`s in every request (bench/receive.lua), for SECS seconds per round, to
one server process per leg, started afresh in every round; the legs alternate within a round so
that the machine's other load hits all alike. Per round and leg: deliveries answered 200 per
second, the server process's CPU time (utime + stime of /proc/PID/stat, all its threads) per
delivery answered 200, and the answers that were not 200 (wrk's non-2xx count and socket
errors). The table gives the medians over the rounds, and each ratio as the median of the
rounds' ratios to the same round's bare handler.

Legs: bare (recv-bench bare), library (recv-bench library: build_with_handler, a no-op
handler), listen-table and listen-json (okta-eventhooks listen [-o json], stdout to /dev/null).

Usage: bench/receive-compare.py [--secs 8] [--rounds 3] [--legs bare,library,listen-table,listen-json]
       [--connections 16] [--threads 2] [--no-build | --bin-dir DIR]
Needs wrk (apt-get install wrk) and cargo; builds recv-bench and the CLI in release mode. The
report is printed and written to bench/results/receive-latest.md (not committed).
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH_DIR)
TICKS = os.sysconf("SC_CLK_TCK")
LEGS = ["bare", "library", "listen-table", "listen-json"]
NOTES = {
    "bare": "axum handler parsing the body into `serde_json::Value`: the baseline",
    "library": "the receiver library, no-op handler (`build_with_handler`)",
    "listen-table": "`listen` (table), stdout to /dev/null",
    "listen-json": "`listen -o json`, stdout to /dev/null",
}


def die(message):
    sys.exit(f"receive-compare: {message}")


def cpu_seconds(pid):
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        # The command name (field 2) may hold spaces; the fields after its ')' are fixed.
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def wait_for_url(process, stream_path=None, timeout=30.0):
    """The URL a server prints once it listens: from its stdout, or from a log file."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            die(f"a server exited before listening (exit {process.returncode})")
        if stream_path is None:
            line = process.stdout.readline()
        else:
            with open(stream_path) as log:
                line = log.read()
        match = re.search(r"listening on (http://\S+)", line)
        if match:
            return match.group(1)
        time.sleep(0.05)
    die("a server did not start listening within 30 s")


def start(leg, target, scratch):
    """Starts the leg's server; (process, url, stderr log path)."""
    log = os.path.join(scratch, f"{leg}.log")
    if leg in ("bare", "library"):
        process = subprocess.Popen(
            [os.path.join(target, "recv-bench"), leg, "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=open(log, "w"),
            text=True,
        )
        return process, wait_for_url(process), log
    output = "json" if leg == "listen-json" else "table"
    process = subprocess.Popen(
        [os.path.join(target, "okta-eventhooks"), "listen", "--port", "0", "-o", output],
        stdout=subprocess.DEVNULL,
        stderr=open(log, "w"),
        stdin=subprocess.DEVNULL,
    )
    return process, wait_for_url(process, log), log


def stop(leg, process, log):
    """Stops a server; for listen, what its closing summary says was not printed."""
    process.send_signal(signal.SIGINT if leg.startswith("listen") else signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return "did not stop within 60 s of SIGINT"
    if leg.startswith("listen"):
        with open(log) as text:
            text = text.read()
        if "were not printed" in text or "received" not in text:
            return "listen: " + " / ".join(text.strip().splitlines()[-2:])
    return None


def parse_wrk(text):
    """Requests, seconds, non-2xx/3xx answers and socket errors of one wrk run."""
    match = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b", text)
    if not match:
        die(f"cannot read wrk's output:\n{text}")
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[match.group(3)]
    requests, seconds = int(match.group(1)), float(match.group(2)) * scale
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    failed = int(non2xx.group(1)) if non2xx else 0
    socket_errors = sum(int(n) for n in errors.groups()) if errors else 0
    return requests, seconds, failed, socket_errors


def wrk(url, secs, args, body):
    command = [
        "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{secs}s",
        "-s", os.path.join(BENCH_DIR, "receive.lua"), url,
    ]
    environment = dict(os.environ, RECV_BENCH_BODY=body)
    done = subprocess.run(command, capture_output=True, text=True, env=environment)
    if done.returncode != 0:
        die(f"wrk failed: {done.stderr}")
    return done.stdout


def round_of(leg, target, scratch, args, body):
    process, url, log = start(leg, target, scratch)
    try:
        wrk(url, 1, args, body)  # warm-up: connections, allocator, de-duplication filling up
        before = cpu_seconds(process.pid)
        output = wrk(url, args.secs, args, body)
        cpu = cpu_seconds(process.pid) - before
    finally:
        problem = stop(leg, process, log)
    requests, seconds, failed, socket_errors = parse_wrk(output)
    ok = requests - failed
    return {
        "per_second": ok / seconds,
        "cpu_us": cpu * 1e6 / ok if ok else float("inf"),
        "failed": failed,
        "socket_errors": socket_errors,
        "problem": problem,
    }


def build(args):
    if args.no_build:
        return
    for package, binary in (("okta-eventhooks-bench", "recv-bench"), ("okta-eventhooks-cli", "okta-eventhooks")):
        subprocess.run(
            ["cargo", "build", "--release", "--quiet", "-p", package, "--bin", binary],
            cwd=ROOT,
            check=True,
        )


def report(results, args, body_bytes):
    """The markdown table: medians over the rounds, ratios to the same round's bare leg."""
    legs = [leg for leg in LEGS if leg in results]
    lines = [
        f"**Receiving: wrk, {args.connections} connections, deliveries of 10 events "
        f"({body_bytes / 1000:.1f} KB, new ids in every request), {args.rounds} rounds of "
        f"{args.secs} s, medians**",
        "",
        "| server | deliveries/s | ÷ bare | CPU µs/delivery | ÷ bare | non-200 answers |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for leg in legs:
        rounds = results[leg]
        speed = statistics.median(r["per_second"] for r in rounds)
        cpu = statistics.median(r["cpu_us"] for r in rounds)
        if "bare" in results:
            bare = results["bare"]
            speed_ratio = statistics.median(r["per_second"] / b["per_second"] for r, b in zip(rounds, bare))
            cpu_ratio = statistics.median(r["cpu_us"] / b["cpu_us"] for r, b in zip(rounds, bare))
            ratios = (f"{speed_ratio:.2f}", f"{cpu_ratio:.2f}")
        else:
            ratios = ("-", "-")
        failed = sum(r["failed"] + r["socket_errors"] for r in rounds)
        lines.append(
            f"| {NOTES[leg]} | {speed:,.0f} | {ratios[0]} | {cpu:.0f} | {ratios[1]} | {failed:,} |"
        )
    problems = [f"{leg} round {i + 1}: {r['problem']}" for leg in legs for i, r in enumerate(results[leg]) if r["problem"]]
    lines.append("")
    lines.append(
        "CPU is the server process's own (utime + stime, all threads) over the timed run, per "
        "delivery answered 200; non-200 answers are wrk's non-2xx count plus socket errors, "
        "summed over the rounds."
    )
    for problem in problems:
        lines.append(f"- {problem}")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--secs", type=int, default=int(os.environ.get("SECS", 8)))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS", 3)))
    parser.add_argument("--legs", default=os.environ.get("LEGS", ",".join(LEGS)))
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument(
        "--bin-dir",
        help="take recv-bench and okta-eventhooks from this directory (no build; e.g. a copy of an earlier build, for a before/after table)",
    )
    parser.add_argument("--check", action="store_true", help="check the table arithmetic and exit")
    args = parser.parse_args()
    if args.check:
        self_test()
        return
    legs = [leg for leg in args.legs.split(",") if leg]
    for leg in legs:
        if leg not in LEGS:
            die(f"unknown leg {leg!r}; legs: {', '.join(LEGS)}")
    if shutil.which("wrk") is None:
        die("wrk is required (apt-get install wrk)")
    if args.bin_dir:
        target = os.path.abspath(args.bin_dir)
    else:
        build(args)
        target = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release")
    with tempfile.TemporaryDirectory(prefix="receive-compare-") as scratch:
        body = os.path.join(scratch, "body.json")
        with open(body, "w") as out:
            subprocess.run([os.path.join(target, "recv-bench"), "body"], stdout=out, check=True)
        body_bytes = os.path.getsize(body)
        results = {leg: [] for leg in legs}
        for number in range(args.rounds):
            # Alternate the order too, so that no leg always runs first after a pause.
            order = legs if number % 2 == 0 else list(reversed(legs))
            for leg in order:
                result = round_of(leg, target, scratch, args, body)
                results[leg].append(result)
                print(
                    f"round {number + 1} {leg:13} {result['per_second']:8.0f} deliveries/s "
                    f"{result['cpu_us']:7.1f} µs CPU/delivery  non-200 {result['failed'] + result['socket_errors']}",
                    file=sys.stderr,
                )
    text = report(results, args, body_bytes)
    print(text)
    os.makedirs(os.path.join(BENCH_DIR, "results"), exist_ok=True)
    with open(os.path.join(BENCH_DIR, "results", "receive-latest.md"), "w") as out:
        out.write(text)


def self_test():
    """The parts that decide the table: wrk's output and the ratio arithmetic."""
    sample = """Running 8s test @ http://127.0.0.1:1/
  16 threads and 16 connections
  40000 requests in 8.00s, 3.00MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 100
Requests/sec:   5000.00
"""
    assert parse_wrk(sample) == (40000, 8.0, 100, 3), parse_wrk(sample)
    assert parse_wrk("10 requests in 500.00ms, 1KB read\n") == (10, 0.5, 0, 0)

    class Args:
        connections, rounds, secs = 16, 2, 8

    results = {
        "bare": [{"per_second": 100, "cpu_us": 10, "failed": 0, "socket_errors": 0, "problem": None}] * 2,
        "library": [
            {"per_second": 50, "cpu_us": 20, "failed": 1, "socket_errors": 0, "problem": None},
            {"per_second": 150, "cpu_us": 5, "failed": 0, "socket_errors": 2, "problem": "x"},
        ],
    }
    text = report(results, Args, 15500)
    assert "| 100 | 1.00 | 10 | 1.00 | 0 |" in text, text
    assert "| 100 | 1.00 | 12 | 1.25 | 3 |" in text, text
    assert "library round 2: x" in text, text
    print("receive-compare: self-test passed")


if __name__ == "__main__":
    main()
