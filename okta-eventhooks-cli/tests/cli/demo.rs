//! `okta-eventhooks demo` runs the whole loop (emulator, receivers, SDK) and exits 0.

use serde_json::Value;

use crate::support::std_bare;

const STEPS: usize = 19;

#[test]
fn demo_runs_every_step_and_exits_zero() {
    let out = std_bare().arg("demo").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );

    let steps: Vec<&str> = stdout
        .lines()
        .filter(|l| !l.starts_with("      "))
        .collect();
    assert_eq!(steps.len(), STEPS, "{stdout}");
    for (i, line) in steps.iter().enumerate() {
        assert!(line.starts_with(&format!("{:>2}. ", i + 1)), "{line}");
        assert!(line.contains(" ok "), "{line}");
        assert!(line.ends_with(" ms)"), "each step shows its time: {line}");
    }
    for expected in [
        "ACTIVE, UNVERIFIED; 3 event types, filter on user.session.start",
        "secret not returned: write-only",
        "VERIFIED: the receiver answered the challenge",
        "0 of 3 delivered; the filter dropped them",
        "1 of 1 delivered; the filter lets failures through",
        "4 events in 3 deliveries",
        "9 of 9 checks ok",
        "UNVERIFIED (a new channel must be verified again)",
        "1 event; the old endpoint got none",
        "INACTIVE",
        "0 hooks: the demo hook is gone",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in\n{stdout}"
        );
    }
    // The event lines the receiver printed, one per delivered event, then doctor's checks.
    let details: Vec<&str> = stdout.lines().filter(|l| l.starts_with("      ")).collect();
    assert_eq!(details.len(), 4 + 9, "{stdout}");
    let (events, checks) = details.split_at(4);
    for (check, name) in checks.iter().zip(okta_eventhooks::doctor::CHECKS) {
        assert!(
            check.trim_start().starts_with(&format!("{name:<10} ok ")),
            "{check}"
        );
    }
    assert!(
        events
            .iter()
            .any(|l| l.contains("user.session.start") && l.ends_with("outcome: FAILURE"))
    );
    assert!(
        stderr.contains(&format!("demo finished: {STEPS} steps")),
        "{stderr}"
    );
    // The hook secrets are random and never printed.
    assert!(!stdout.contains("demo-secret-") && !stderr.contains("demo-secret-"));
}

#[test]
fn demo_json_output_is_one_record_per_step() {
    let out = std_bare().args(["-o", "json", "demo"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let records: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), STEPS);
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r["step"], i + 1);
        assert_eq!(r["ok"], true, "{r}");
        assert!(r["ms"].is_number());
    }
    assert_eq!(records[STEPS - 1]["action"], "list hooks");
}
