"""Helpers of bench/sdk-compare.sh (standard library only, runs on the system python3).

  annotate     check one leg's JSON lines against the server's counters, add the server's view
  check-count  check the server saw exactly N hook calls between two stats snapshots
  time-loop    time commands without hyperfine (writes hyperfine-shaped JSON)
  table        print the Markdown report: per-call microseconds and ratios
"""

import argparse
import json
import shlex
import statistics
import subprocess
import sys
import time

SDK = "rust-okta-eventhooks"
RAW = "rust-reqwest-raw"
LABELS = {
    SDK: "okta-eventhooks (Rust SDK)",
    RAW: "raw reqwest loop",
    "python-okta": "okta (Okta Python SDK)",
    "node-okta-sdk": "@okta/okta-sdk-nodejs",
}


def server_delta(before, after):
    b, a = json.loads(before), json.loads(after)
    return {k: a[k] - b[k] for k in a}


def check_delta(delta, expected):
    problems = []
    if delta["hooks_served"] != expected:
        problems.append(f"server served {delta['hooks_served']} hooks, expected {expected}")
    if delta["unauthorized"]:
        problems.append(f"{delta['unauthorized']} requests without the SSWS token")
    if delta["not_found"]:
        problems.append(f"{delta['not_found']} requests to other paths")
    return problems


def annotate(args):
    delta = server_delta(args.before, args.after)
    legs = [json.loads(line) for line in sys.stdin if line.strip()]
    problems = check_delta(delta, args.expected)
    if not legs:
        problems.append("the leg printed no result")
    for leg in legs:
        if not leg.get("hook_name"):
            problems.append(f"{leg.get('impl')}: no decoded hook name")
    if problems:
        for p in problems:
            print(f"sdk-compare: {p}", file=sys.stderr)
        sys.exit(1)
    for leg in legs:
        leg["round"] = args.round
        # Legs run in one process (the Rust pair) share this count.
        leg["server_hook_calls"] = delta["hooks_served"]
        # The `after` stats request came on a connection of its own.
        leg["server_connections"] = delta["connections"] - 1
        leg["auth_without_space"] = delta.get("auth_without_space", 0)
        print(json.dumps(leg))


def check_count(args):
    problems = check_delta(server_delta(args.before, args.after), args.expected)
    for p in problems:
        print(f"sdk-compare: {p}", file=sys.stderr)
    sys.exit(1 if problems else 0)


def time_loop(args):
    """Times each `--cmd NAME COMMAND_LINE` (split like hyperfine --shell none does)."""
    results = []
    for name, line in args.cmd:
        command = shlex.split(line)
        times = []
        for i in range(args.warmup + args.runs):
            start = time.perf_counter()
            try:
                subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
            except (OSError, subprocess.CalledProcessError) as exc:
                sys.exit(f"time-loop: {name}: {exc}")
            if i >= args.warmup:
                times.append(time.perf_counter() - start)
        results.append({
            "command": name,
            "mean": statistics.mean(times),
            "median": statistics.median(times),
            "min": min(times),
            "max": max(times),
        })
    with open(args.out, "w") as f:
        json.dump({"results": results}, f)


def table(args):
    by_impl = {}
    for line in open(args.legs):
        leg = json.loads(line)
        by_impl.setdefault(leg["impl"], []).append(leg)
    def median_of(field):
        return {k: statistics.median(l[field] for l in v) for k, v in by_impl.items()
                if all(field in l for l in v)}

    wall, cpu = median_of("us_per_call"), median_of("cpu_us_per_call")

    def ratio(values, k, base):
        return f"{values[k] / values[base]:.2f}" if k in values and values.get(base) else "–"

    out = []
    out.append(f"### Per call: GET event hook + full decode, {args.requests} sequential calls per leg "
               f"after {args.warmup} warm-up, median of {args.rounds} rounds")
    out.append("")
    out.append("| client | wall µs/call | × Rust SDK | × raw reqwest | client CPU µs/call | CPU × Rust SDK | CPU × raw reqwest | wall range over rounds | connections | hook decoded |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    order = [k for k in (RAW, SDK, "node-okta-sdk", "python-okta") if k in by_impl]
    order += sorted(k for k in by_impl if k not in order)
    for k in order:
        legs = by_impl[k]
        low, high = min(l["us_per_call"] for l in legs), max(l["us_per_call"] for l in legs)
        conns = max(l["server_connections"] for l in legs)
        mark = " ¹" if any(l.get("auth_without_space") for l in legs) else ""
        cpu_us = f"{cpu[k]:.1f}" if k in cpu else "–"
        out.append(f"| {LABELS.get(k, k)}{mark} | {wall[k]:.1f} | {ratio(wall, k, SDK)} | {ratio(wall, k, RAW)} | "
                   f"{cpu_us} | {ratio(cpu, k, SDK)} | {ratio(cpu, k, RAW)} | {low:.1f}–{high:.1f} | "
                   f"{conns} | {legs[-1]['hook_name']!r} |")
    out.append("")
    out.append("Wall time includes the server's and the kernel's share, the same for every client; "
               "client CPU is the client process's own CPU time (all its threads) over the timed calls, "
               "which waiting for a busy core does not inflate.")
    out.append("Every leg's calls were counted by the server (exact match, all with the SSWS token); "
               "\"connections\" is the most the server accepted in one round (the two Rust legs share a process and the count).")
    builds = {k: statistics.median(l["client_build_us"] for l in v)
              for k, v in by_impl.items() if all("client_build_us" in l for l in v)}
    if builds:
        out.append("Client construction, once per process, SDK first (median): " + "; ".join(
            f"{LABELS.get(k, k)} {us / 1000:.2f} ms" for k, us in sorted(builds.items())) + ".")
    if any(l.get("auth_without_space") for legs in by_impl.values() for l in legs):
        out.append("¹ sent `Authorization: SSWS<token>` without the space after `SSWS`; the local server "
                   "accepts that form (and counts it) so the SDK can be measured as shipped.")
    if args.startup:
        results = {r["command"]: r for path in args.startup for r in json.load(open(path))["results"]}
        out.append("")
        out.append("### Per process: start-up and one call (wall time per run, median)")
        out.append("")
        out.append("| command | ms/run (median) | ms (min) | × curl | × okta-eventhooks |")
        out.append("|---|---:|---:|---:|---:|")
        groups = (("curl --version", "okta-eventhooks --version", []),
                  ("curl GET", "okta-eventhooks get",
                   [n for n in results if n.endswith("one get per process")]))
        for curl, ours, others in groups:
            if curl not in results or ours not in results:
                continue
            for name in [curl, ours, *others]:
                r = results[name]
                to_curl = r["median"] / results[curl]["median"]
                to_ours = r["median"] / results[ours]["median"]
                out.append(f"| `{name}` | {r['median'] * 1e3:.2f} | {r['min'] * 1e3:.2f} | "
                           f"{to_curl:.2f} | {to_ours:.2f} |")
    out.append("")
    out.append("Versions: " + "; ".join(args.version))
    print("\n".join(out))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("annotate")
    p.add_argument("--round", type=int, required=True)
    p.add_argument("--expected", type=int, required=True)
    p.add_argument("--before", required=True)
    p.add_argument("--after", required=True)
    p.set_defaults(run=annotate)
    p = sub.add_parser("check-count")
    p.add_argument("--expected", type=int, required=True)
    p.add_argument("--before", required=True)
    p.add_argument("--after", required=True)
    p.set_defaults(run=check_count)
    p = sub.add_parser("time-loop")
    p.add_argument("--runs", type=int, required=True)
    p.add_argument("--warmup", type=int, default=0)
    p.add_argument("--out", required=True)
    p.add_argument("--cmd", nargs=2, action="append", required=True, metavar=("NAME", "COMMAND_LINE"))
    p.set_defaults(run=time_loop)
    p = sub.add_parser("table")
    p.add_argument("--legs", required=True)
    p.add_argument("--startup", action="append", default=[])
    p.add_argument("--requests", type=int, required=True)
    p.add_argument("--warmup", type=int, required=True)
    p.add_argument("--rounds", type=int, required=True)
    p.add_argument("--version", action="append", default=[])
    p.set_defaults(run=table)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
