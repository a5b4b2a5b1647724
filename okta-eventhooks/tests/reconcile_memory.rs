//! The memory a reconciliation keeps per System Log event (issue 20 item 3: 2,000,000 small
//! events once took 3.46 GB). Ignored by default (it feeds [`MAX_EXPECTED`] events, some
//! seconds); run it with
//! `cargo test -p okta-eventhooks --test reconcile_memory -- --ignored --nocapture`.

use std::collections::HashSet;

use okta_eventhooks::events::LogEvent;
use okta_eventhooks::reconcile::{MAX_EXPECTED, Reconciliation, Selection};

/// A field of `/proc/self/status` in bytes: `VmRSS` (resident now) or `VmHWM` (the most
/// ever resident). RSS, not the allocator's count: it is what the issue measured, and it
/// includes what the allocator holds but does not use.
fn status_bytes(field: &str) -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    let kb: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

/// Bytes the most a reconciliation may keep per event: 300 MB at the 2,000,000 cap.
const BUDGET_PER_EVENT: usize = 150;

#[test]
#[ignore = "a measurement: 2,000,000 events; run by name with --ignored"]
fn reconcile_memory_per_event() {
    let hook: okta_eventhooks::EventHook = serde_json::from_value(serde_json::json!({
        "id": "who1", "name": "audit",
        "events": {"type": "EVENT_TYPE", "items": ["user.session.start", "user.session.end"]},
        "channel": {"type": "HTTP", "version": "1.0.0", "config": {"uri": "https://example.com/okta"}},
    }))
    .unwrap();
    let since = "2026-12-01T00:00:00Z".parse().unwrap();
    let until = "2026-12-02T00:00:00Z".parse().unwrap();
    // The worst case: the sink holds none of them, so each is kept as missing.
    let present = HashSet::new();
    let template: LogEvent = serde_json::from_value(serde_json::json!({
        "eventType": "user.session.start", "displayMessage": "User login to Okta",
        "severity": "INFO", "actor": {"id": "00u1", "type": "User", "alternateId": "a@example.com"},
        "outcome": {"result": "SUCCESS"}, "target": [{"id": "00u1", "type": "User"}],
    }))
    .unwrap();
    let mut run = Reconciliation::new(Selection::of(&hook).unwrap(), "who1", since, until);
    let before = status_bytes("VmRSS:");
    for i in 0..MAX_EXPECTED {
        let mut event = template.clone();
        event.uuid = Some(format!("{:08x}-0000-4000-8000-{:012x}", i, i * 7).into());
        event.published = Some(
            format!(
                "2026-12-01T{:02}:{:02}:{:02}.{:03}Z",
                i / 3_600_000 % 24,
                i / 60_000 % 60,
                i / 1000 % 60,
                i % 1000
            )
            .into(),
        );
        run.observe(event).unwrap();
    }
    let kept = status_bytes("VmRSS:").saturating_sub(before);
    let observing_peak = status_bytes("VmHWM:").saturating_sub(before);
    let report = run.finish(&present);
    let with_report_peak = status_bytes("VmHWM:").saturating_sub(before);
    assert_eq!(
        (report.expected, report.missing.len()),
        (MAX_EXPECTED, MAX_EXPECTED)
    );
    let per_event = |bytes: usize| bytes as f64 / MAX_EXPECTED as f64;
    println!(
        "{MAX_EXPECTED} events, none in the sink: {:.1} bytes/event kept of RSS after the comparison \
         ({} MB), {:.1} bytes/event at the RSS peak while comparing, {:.1} bytes/event at the \
         RSS peak while writing the report of {} missing events",
        per_event(kept),
        kept / 1_000_000,
        per_event(observing_peak),
        per_event(with_report_peak),
        report.missing.len(),
    );
    assert!(
        per_event(observing_peak) <= BUDGET_PER_EVENT as f64,
        "{:.1} bytes per event while comparing",
        per_event(observing_peak)
    );
}
