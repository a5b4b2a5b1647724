//! `filter check` and `filter test`: verdicts, columns, exit codes, and events from a file,
//! stdin or a generated sample.

use std::io::Write;
use std::process::Stdio;

use serde_json::{Value, json};

use okta_eventhooks_tests::scratch::tempdir;

use crate::support::*;

const SALES_ONLY: &str = "event.target.?[type eq 'UserGroup' && displayName eq 'Sales'].size()>0";

async fn filter(args: &[&str]) -> Outcome {
    let mut cmd = bare();
    cmd.arg("filter").args(args);
    run(cmd).await
}

#[tokio::test(flavor = "multi_thread")]
async fn check_says_valid_or_where_the_problem_is() {
    let out = filter(&["check", SALES_ONLY]).await;
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "valid\n", "")
    );

    let out = filter(&[
        "check",
        "event.eventType eq 'x' && event.client.ipAddress eq '10.0.0.1'",
    ])
    .await;
    assert_eq!((out.code, out.stdout.as_str()), (2, "invalid\n"));
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert!(
        lines[0].starts_with("error: column 27: field event.client.ipAddress is not supported in event hook filters; supported: event.eventType,"),
        "{}",
        out.stderr
    );
    assert_eq!(
        lines[1],
        "  event.eventType eq 'x' && event.client.ipAddress eq '10.0.0.…"
    );
    assert_eq!(lines[2], format!("  {}^", " ".repeat(26)));

    let mut cmd = bare();
    cmd.args([
        "-o",
        "json",
        "filter",
        "check",
        "event.outcome.result == 'FAILURE'",
    ]);
    let out = run(cmd).await;
    assert_eq!(out.code, 2);
    let record: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        record,
        json!({
            "expression": "event.outcome.result == 'FAILURE'",
            "valid": false,
            "error": {"column": 22, "message": "== is not supported in event hook filters; use eq"}
        })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn test_with_a_sample_and_set_fields_shows_what_decided() {
    let sample = ["test", SALES_ONLY, "--sample", "group.user_membership.add"];
    let out = filter(&[&sample[..], &["--set", "target.1.displayName=Sales"]].concat()).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        format!(
            "true\n  decided by  {SALES_ONLY}  (column 1)\n  it saw      1 of the event's 2 targets match the selection\n  event       group.user_membership.add\n"
        )
    );
    let out = filter(&[&sample[..], &["--set", "target.1.displayName=Support"]].concat()).await;
    assert_eq!(out.code, 0, "false is an answer, not an error");
    assert!(out.stdout.starts_with("false\n"), "{}", out.stdout);

    let mut cmd = bare();
    cmd.args(["-o", "json", "filter", "test"])
        .args(["event.outcome.result eq 'SUCCESS' && event.actor.type eq 'Service'"])
        .args([
            "--sample",
            "user.session.start",
            "--set",
            "outcome.result=SUCCESS",
        ]);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let record: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(record["matched"], false);
    assert_eq!(
        record["decidedBy"],
        json!({"term": "event.actor.type eq 'Service'", "column": 38, "observed": "event.actor.type is 'User'"})
    );
    assert_eq!(record["event"]["eventType"], "user.session.start");
    assert_eq!(record["event"]["outcome"]["result"], "SUCCESS");

    let out = filter(&[
        "test",
        "event.outcome.result eq 'x'",
        "--sample",
        "user.session.start",
        "--set",
        "target.9.id=x",
    ])
    .await;
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("--set target.9.id: \"9\" is not a position in a list of 1"),
        "{}",
        out.stderr
    );
}

/// A LogEvent as the System Log API returns it.
fn system_log_event(group: &str) -> Value {
    json!({
        "actor": {"id": "00u1", "type": "User", "alternateId": "admin@acme.com", "displayName": "Ada Admin", "detailEntry": null},
        "client": {"ipAddress": "203.0.113.7", "zone": "null"},
        "device": null,
        "authenticationContext": {"authenticationStep": 0, "externalSessionId": "102x"},
        "displayMessage": "Add user to group membership",
        "eventType": "group.user_membership.add",
        "outcome": {"result": "SUCCESS", "reason": null},
        "published": "2026-11-26T13:00:00.123Z",
        "securityContext": {},
        "severity": "INFO",
        "debugContext": {"debugData": {"requestUri": "/api/v1/groups/00g1/users/00u2"}},
        "legacyEventType": "core.user_group_member.user_add",
        "transaction": {"type": "WEB", "id": "Y1", "detail": {}},
        "uuid": "79fcbb4e-4b4a-11ed-b0d1-7d6a0e01d1d1",
        "version": "0",
        "request": {"ipChain": []},
        "target": [
            {"id": "00u2", "type": "User", "alternateId": "bob@acme.com", "displayName": "Bob", "detailEntry": null},
            {"id": "00g1", "type": "UserGroup", "alternateId": "unknown", "displayName": group, "detailEntry": null}
        ]
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn test_reads_a_real_event_from_a_file_or_stdin_and_bounds_its_size() {
    let dir = tempdir("filter-event");
    let file = dir.join("event.json");
    std::fs::write(&file, system_log_event("Sales").to_string()).unwrap();
    let out = filter(&["test", SALES_ONLY, "--event", file.to_str().unwrap()]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("true\n"), "{}", out.stdout);

    let stdin = |input: Vec<u8>| {
        let mut child = std_bare()
            .args(["filter", "test", SALES_ONLY, "--event", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The CLI may stop reading early (too large): a closed pipe is fine here.
        let _ = child.stdin.take().unwrap().write_all(&input);
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (code, stdout, _) = stdin(system_log_event("Support").to_string().into_bytes());
    assert_eq!((code, stdout.lines().next()), (Some(0), Some("false")));
    let (code, _, stderr) = stdin(json!([system_log_event("Sales")]).to_string().into_bytes());
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("holds a list of 1 events; give one, e.g. jq '.[0]'"),
        "{stderr}"
    );
    let (code, _, stderr) = stdin(json!({"data": {"events": []}}).to_string().into_bytes());
    assert_eq!(code, Some(2));
    assert!(stderr.contains("is a delivery"), "{stderr}");
    let mut huge = b"{\"eventType\": \"".to_vec();
    huge.resize(2 * 1024 * 1024, b'a');
    let (code, _, stderr) = stdin(huge);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("stdin is larger than 1048576 bytes"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
