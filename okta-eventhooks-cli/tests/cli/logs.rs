//! `okta-eventhooks logs` end to end: the built binary against a wiremock stand-in for Okta's
//! System Log; the query on the wire, one-liners and JSON lines, --follow stopping on a count
//! and on Ctrl-C.

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use okta_eventhooks_tests::fixtures::okta_error;
use okta_eventhooks_tests::secrets::{TOKEN, assert_no_secret};
use okta_eventhooks_tests::system_log::{SystemLog, log_event, page_linking_to};

use crate::support::*;

async fn org_with_events(count: usize) -> (MockServer, SystemLog) {
    let server = MockServer::start().await;
    let log = SystemLog::with_events(count);
    log.mount(&server).await;
    (server, log)
}

async fn logs(server: &MockServer, args: &[&str]) -> Outcome {
    let mut cmd = cli(server);
    cmd.arg("logs").args(args);
    run(cmd).await
}

/// The value of a query parameter of a request.
fn param(request: &wiremock::Request, name: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn one_line_per_event_across_pages() {
    let (server, _log) = org_with_events(5).await;
    let out = logs(
        &server,
        &["--until", "2026-11-26T14:00:00Z", "--limit", "2"],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", out.stdout);
    // The line `listen` prints for the same event.
    assert_eq!(
        lines[0],
        "2026-11-26T13:00:00.000Z  user.session.start  actor: Ada <admin@acme.com>  targets: User Bob <bob@acme.com>  outcome: SUCCESS"
    );
    assert!(lines[4].starts_with("2026-11-26T13:00:04.000Z  user.lifecycle.create  "));
    assert_eq!(out.stderr, "5 event(s) in 3 page(s)\n");
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn json_lines_keep_every_field_okta_sent() {
    let (server, _log) = org_with_events(3).await;
    let out = logs(&server, &["-o", "json", "-q"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let events: Vec<Value> = out
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(events, (0..3).map(log_event).collect::<Vec<_>>());
    assert_eq!(events[1]["severity"], "SEVERE_FUTURE");
    assert_eq!(events[1]["futureField"]["n"], 1);
    assert_eq!(out.stderr, "", "-q: no notes");
}

#[tokio::test(flavor = "multi_thread")]
async fn types_and_filter_are_combined_and_every_flag_is_on_the_wire() {
    let (server, _log) = org_with_events(1).await;
    let out = logs(
        &server,
        &[
            "--type",
            "user.session.start",
            "--type",
            "event_hook.delivery",
            "--filter",
            r#"outcome.result eq "FAILURE""#,
            "--since",
            "2026-11-26T13:00:00+01:00",
            "--until",
            "2026-11-26",
            "--search",
            "bob",
            "--limit",
            "1000",
        ],
    )
    .await;
    // --until before --since: refused before sending.
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("is not before until"), "{}", out.stderr);
    assert!(server.received_requests().await.unwrap().is_empty());

    let out = logs(
        &server,
        &[
            "--type",
            "user.session.start",
            "--type",
            "event_hook.delivery",
            "--filter",
            r#"outcome.result eq "FAILURE""#,
            "--since",
            "2026-11-26T13:00:00+01:00",
            "--until",
            "2026-11-27",
            "--search",
            "bob",
            "--limit",
            "1000",
        ],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let request = &server.received_requests().await.unwrap()[0];
    assert_eq!(
        param(request, "filter").unwrap(),
        r#"(eventType eq "user.session.start" or eventType eq "event_hook.delivery") and (outcome.result eq "FAILURE")"#
    );
    assert_eq!(param(request, "since").unwrap(), "2026-11-26T12:00:00.000Z");
    assert_eq!(param(request, "until").unwrap(), "2026-11-27T00:00:00.000Z");
    assert_eq!(param(request, "q").unwrap(), "bob");
    assert_eq!(param(request, "limit").unwrap(), "1000");
    assert_eq!(param(request, "sortOrder"), None);
    assert_eq!(
        request.headers.get("authorization").unwrap(),
        format!("SSWS {TOKEN}").as_str()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn one_type_alone_is_the_whole_filter() {
    let (server, _log) = org_with_events(1).await;
    let out = logs(&server, &["--type", "event_hook.delivery"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let request = &server.received_requests().await.unwrap()[0];
    assert_eq!(
        param(request, "filter").unwrap(),
        r#"eventType eq "event_hook.delivery""#
    );
    assert_eq!(param(request, "until"), None, "a polling read");
}

#[tokio::test(flavor = "multi_thread")]
async fn since_may_be_how_long_ago() {
    let (server, _log) = org_with_events(1).await;
    let before = Utc::now();
    let out = logs(&server, &["--since", "1h"]).await;
    let after = Utc::now();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let request = &server.received_requests().await.unwrap()[0];
    let since: DateTime<Utc> = param(request, "since").unwrap().parse().unwrap();
    let hour = chrono::TimeDelta::hours(1);
    // Millisecond precision on the wire.
    let slack = chrono::TimeDelta::milliseconds(1);
    assert!(
        since >= before - hour - slack && since <= after - hour,
        "{since}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_flags_are_usage_errors_and_nothing_is_sent() {
    let (server, _log) = org_with_events(1).await;
    for args in [
        &["--since", "yesterday"][..],
        &["--limit", "0"],
        &["--limit", "1001"],
        &["--follow", "--until", "1h"],
        &["--poll-interval", "1s"],
        &["--filter", " "],
        &["--type", ""],
        &["--count", "0"],
    ] {
        let out = logs(&server, args).await;
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert_eq!(out.stdout, "");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn forbidden_names_the_system_log_scope() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .respond_with(ResponseTemplate::new(403).set_body_json(okta_error(
            "E0000006",
            "You do not have permission to perform the requested action",
            &[],
        )))
        .mount(&server)
        .await;
    let out = logs(&server, &[]).await;
    assert_eq!(out.code, 4);
    assert!(out.stderr.contains("okta.logs.read"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_next_link_exits_7_after_printing_what_came_before() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .respond_with(page_linking_to(
            "https://elsewhere.example.com/api/v1/logs?after=x",
            &[log_event(0), log_event(1)],
        ))
        .mount(&server)
        .await;
    let out = logs(&server, &["--limit", "2"]).await;
    assert_eq!(out.code, 7, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 2);
    assert!(out.stderr.contains("another host"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("the 2 event(s) before this error were printed"),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn follow_polls_for_new_events_and_stops_on_count() {
    let (server, log) = org_with_events(3).await;
    let server = Arc::new(server);
    // Once the CLI has caught up and polled again with nothing new, two events arrive.
    let pusher = tokio::spawn({
        let server = server.clone();
        async move {
            for _ in 0..1000 {
                let idle = server
                    .received_requests()
                    .await
                    .unwrap()
                    .iter()
                    .filter(|r| param(r, "after").as_deref() == Some("cursor-3"))
                    .count();
                if idle >= 2 {
                    log.push([log_event(3), log_event(4)]);
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            false
        }
    });
    let mut cmd = cli(&server);
    cmd.args([
        "logs",
        "--follow",
        "--poll-interval",
        "50ms",
        "--limit",
        "2",
        "--count",
        "5",
    ]);
    let out = run(cmd).await;
    assert!(
        pusher.await.unwrap(),
        "the CLI kept polling while caught up"
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", out.stdout);
    assert!(
        lines[3].starts_with("2026-11-26T13:00:03.000Z"),
        "{}",
        lines[3]
    );
    assert!(
        out.stderr
            .starts_with("following the System Log (Ctrl-C to stop)\n"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("5 event(s) in"), "{}", out.stderr);
    let requests = server.received_requests().await.unwrap();
    assert!(
        requests
            .iter()
            .all(|r| param(r, "until").is_none() && param(r, "limit").as_deref() == Some("2")),
        "every poll is a polling request"
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn follow_stops_cleanly_on_ctrl_c() {
    let (server, _log) = org_with_events(2).await;
    let mut child = std_bare()
        .env("OKTA_CLIENT_ORGURL", server.uri())
        .env("OKTA_CLIENT_TOKEN", TOKEN)
        .args(["logs", "--follow", "--poll-interval", "100ms"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let stdout = child.stdout.take().unwrap();
    let (code, printed, stderr) = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        let mut printed = vec![
            lines.next().unwrap().unwrap(),
            lines.next().unwrap().unwrap(),
        ];
        // Both events are out: the CLI is polling now. Ctrl-C ends it.
        let status = std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap();
        assert!(status.success());
        printed.extend(lines.map_while(Result::ok));
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        (child.wait().unwrap().code(), printed, stderr)
    })
    .await
    .unwrap();
    assert_no_secret("stderr", &stderr);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(printed.len(), 2, "{printed:?}");
    assert!(stderr.ends_with("stopped (Ctrl-C)\n"), "{stderr}");
}
