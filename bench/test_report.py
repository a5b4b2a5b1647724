"""Tests of report.py, the part of sdk-compare.sh that decides whether a leg really hit the
server and computes the ratios we publish. Run: python3 bench/test_report.py (CI does, via
`bench/sdk-compare.sh --check`)."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

REPORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "report.py")


def stats(hooks, unauthorized=0, not_found=0, connections=1, nospace=0):
    return json.dumps({"hooks_served": hooks, "unauthorized": unauthorized, "not_found": not_found,
                       "connections": connections, "auth_without_space": nospace})


def run(*args, stdin=""):
    return subprocess.run([sys.executable, REPORT, *args], input=stdin, capture_output=True, text=True)


def leg(impl, us, cpu, name="Audit sink"):
    return json.dumps({"impl": impl, "requests": 10, "warmup": 1, "seconds": us * 1e-5,
                       "us_per_call": us, "cpu_us_per_call": cpu, "hook_name": name})


class Annotate(unittest.TestCase):
    def annotate(self, expected, before, after, lines):
        return run("annotate", "--round", "1", "--expected", str(expected), "--before", before,
                   "--after", after, stdin="\n".join(lines) + "\n")

    def test_exact_count_passes_and_records_the_servers_view(self):
        r = self.annotate(11, stats(5, connections=3), stats(16, connections=5, nospace=11),
                          [leg("python-okta", 100.0, 50.0)])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual(out["server_hook_calls"], 11)
        self.assertEqual(out["server_connections"], 1)  # minus the stats request's own
        self.assertEqual(out["auth_without_space"], 11)

    def test_fewer_calls_than_expected_fails(self):
        # What a client answering from its cache looks like.
        r = self.annotate(11, stats(0), stats(1), [leg("node-okta-sdk", 1.0, 1.0)])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("served 1 hooks, expected 11", r.stderr)

    def test_unauthorized_or_stray_requests_fail(self):
        r = self.annotate(1, stats(0), stats(1, unauthorized=1), [leg("x", 1.0, 1.0)])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("without the SSWS token", r.stderr)
        r = self.annotate(1, stats(0), stats(1, not_found=2), [leg("x", 1.0, 1.0)])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("other paths", r.stderr)

    def test_missing_result_or_decoded_name_fails(self):
        self.assertNotEqual(self.annotate(1, stats(0), stats(1), []).returncode, 0)
        r = self.annotate(1, stats(0), stats(1), [leg("x", 1.0, 1.0, name=None)])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no decoded hook name", r.stderr)


class Table(unittest.TestCase):
    def test_ratios_use_medians_against_the_sdk_and_raw_reqwest(self):
        rows = []
        for rnd, (sdk, raw, py) in enumerate([(10, 8, 100), (12, 9, 130), (100, 90, 110)], 1):
            for impl, us in (("rust-okta-eventhooks", sdk), ("rust-reqwest-raw", raw), ("python-okta", py)):
                row = json.loads(leg(impl, float(us), float(us) / 2))
                row.update(round=rnd, server_connections=1, server_hook_calls=11)
                rows.append(json.dumps(row))
        startup = {"results": [
            {"command": n, "median": m, "min": m, "mean": m} for n, m in
            (("curl --version", 0.010), ("okta-eventhooks --version", 0.002),
             ("curl GET", 0.010), ("okta-eventhooks get", 0.008),
             ("Python SDK: one get per process", 8.0))]}
        with tempfile.TemporaryDirectory() as d:
            legs, start = os.path.join(d, "legs.jsonl"), os.path.join(d, "startup.json")
            with open(legs, "w") as f:
                f.write("\n".join(rows) + "\n")
            with open(start, "w") as f:
                json.dump(startup, f)
            r = run("table", "--legs", legs, "--startup", start, "--requests", "10", "--warmup", "1",
                    "--rounds", "3", "--version", "v")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = {l.split("|")[1].strip(): [c.strip() for c in l.split("|")[2:-1]]
                 for l in r.stdout.splitlines() if l.startswith("| ")}
        # Medians: SDK 12, raw 9, Python 110.
        self.assertEqual(lines["okta-eventhooks (Rust SDK)"][:3], ["12.0", "1.00", "1.33"])
        self.assertEqual(lines["raw reqwest loop"][:3], ["9.0", "0.75", "1.00"])
        self.assertEqual(lines["okta (Okta Python SDK)"][:6], ["110.0", "9.17", "12.22", "55.0", "9.17", "12.22"])
        self.assertEqual(lines["`okta-eventhooks --version`"], ["2.00", "2.00", "0.20", "1.00"])
        self.assertEqual(lines["`Python SDK: one get per process`"][2:], ["800.00", "1000.00"])


class TimeLoop(unittest.TestCase):
    def test_times_each_command_line_and_reports_failures(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "t.json")
            r = run("time-loop", "--runs", "2", "--warmup", "1", "--out", out,
                    "--cmd", "echo", f"{sys.executable} -c 'print(1)'")
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                result = json.load(f)["results"][0]
            self.assertEqual(result["command"], "echo")
            self.assertGreater(result["median"], 0)
            r = run("time-loop", "--runs", "1", "--out", out, "--cmd", "fails", f"{sys.executable} -c 'exit(3)'")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("fails", r.stderr)


if __name__ == "__main__":
    unittest.main()
