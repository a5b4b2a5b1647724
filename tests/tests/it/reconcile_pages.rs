//! The SDK's reconciliation round (`reconcile::run`) reads a bounded System Log as raw pages,
//! parsed on a thread of their own while the next page comes (issue 22): against a wiremock
//! stand-in for Okta, the pages go through the client's rate-limit handling, every event is
//! judged once, and a page that does not parse fails the round with the error the event reader
//! gives for it.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use okta_eventhooks::events::LogEvent;
use okta_eventhooks::reconcile::{self, RunOptions, Window};
use okta_eventhooks::sink::{Incoming, ReplayTo, Replayed, Sink, SinkFuture};
use okta_eventhooks::{Client, Error, EventHook};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use okta_eventhooks_tests::mock_org::*;
use okta_eventhooks_tests::system_log::{self, SystemLog};

/// A sink holding a fixed set of uuids.
struct Holding(HashSet<String>);

impl Sink for Holding {
    fn store(&self, _: Incoming) -> SinkFuture<'_> {
        Box::pin(async { Ok(()) })
    }
    fn stored_uuids(&self, _: DateTime<Utc>, _: DateTime<Utc>) -> SinkFuture<'_, HashSet<String>> {
        let held = self.0.clone();
        Box::pin(async move { Ok(held) })
    }
    fn check_target(&self) -> SinkFuture<'_> {
        Box::pin(async { Ok(()) })
    }
    fn replay<'a>(&'a self, _: ReplayTo<'a>, _: &'a [LogEvent]) -> SinkFuture<'a, Replayed> {
        Box::pin(async { Ok(Replayed::new(0, 0)) })
    }
}

/// A hook on the stand-in's first two event types (`log_event`: every third event is
/// `event_hook.delivery`, of no hook).
fn hook() -> EventHook {
    serde_json::from_value(json!({
        "id": "who1", "name": "audit",
        "events": {"type": "EVENT_TYPE", "items": ["user.session.start", "user.lifecycle.create"]},
        "channel": {"type": "HTTP", "version": "1.0.0", "config": {"uri": "https://example.com/okta"}},
    }))
    .unwrap()
}

fn window() -> Window {
    Window {
        since: "2026-11-26T13:00:00Z".parse().unwrap(),
        until: "2026-11-26T14:00:00Z".parse().unwrap(),
        bounded: true,
    }
}

fn options() -> RunOptions {
    RunOptions {
        replay: false,
        page_size: Some(2),
    }
}

fn holding(uuids: &[&str]) -> Holding {
    Holding(uuids.iter().map(|u| (*u).to_owned()).collect())
}

fn too_many() -> ResponseTemplate {
    rate_limited(60, 5, "req429")
}

#[tokio::test]
async fn a_round_reads_every_page_through_a_rate_limit_and_finds_what_is_missing() {
    let server = MockServer::start().await;
    system_log::fault_once_after(&server, "cursor-4", too_many()).await;
    SystemLog::with_events(10).mount(&server).await;
    let waits = Arc::new(Mutex::new(Vec::new()));
    let recorded = waits.clone();
    let client = builder(&server)
        .sleep_with(move |d| {
            recorded.lock().unwrap().push(d);
            async {}
        })
        .build()
        .unwrap();
    let sink = holding(&["uuid-000000", "uuid-000001", "uuid-000002"]);
    let round = reconcile::run(&client, &hook(), &sink, window(), &options())
        .await
        .unwrap();
    let report = round.report;
    // Events 0..10 of the two types: 0, 1, 3, 4, 6, 7, 9; the sink holds 0 and 1.
    assert_eq!((report.expected, report.present), (7, 2));
    let missing: Vec<&str> = report.missing.iter().map(|m| m.uuid.as_str()).collect();
    assert_eq!(
        missing,
        [
            "uuid-000003",
            "uuid-000004",
            "uuid-000006",
            "uuid-000007",
            "uuid-000009"
        ]
    );
    assert_eq!(report.missing[1].event_type, "user.lifecycle.create");
    assert_eq!(report.missing[1].published, "2026-11-26T13:00:04.000Z");
    assert!(report.delivery_failures.is_empty(), "failures of no hook");
    assert_eq!(
        *waits.lock().unwrap(),
        [Duration::from_secs(6)],
        "the rate limit is waited out: reset - Date + 1 s"
    );
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 6, "five pages and one retry");
    assert_eq!(header(&requests[3], "x-okta-retry-for"), Some("req429"));
}

/// Pages that do not parse: the round fails with the very error the event reader gives for
/// the same page (status, message, excerpt and request id).
#[tokio::test]
async fn a_page_that_does_not_parse_fails_the_round_as_the_event_reader_does() {
    for body in [
        json!([{"uuid": 5}]),
        json!({"not": "an array"}),
        json!([{"uuid": "a", "eventType": "user.session.start", "published": "2026-11-26T13:00:00Z"}, 7]),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/v1/logs"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("x-okta-request-id", "reqBad")
                    .set_body_json(body.clone()),
            )
            .mount(&server)
            .await;
        let client: Client = client(&server);
        let err = reconcile::run(&client, &hook(), &holding(&[]), window(), &options())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{body}: {err}");
        assert_eq!(err.request_id(), Some("reqBad"));
        let mut reader = client
            .logs()
            .since(window().since)
            .until(window().until)
            .stream()
            .unwrap();
        let before = reader.next().await.unwrap().unwrap_err();
        assert_eq!(err.to_string(), before.to_string(), "{body}");
    }
}

/// A `next` link to another host ends the round with the paging error, as it ends the event
/// reader: the request (and its credential) never leaves for it.
#[tokio::test]
async fn a_next_link_to_another_host_fails_the_round() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .respond_with(system_log::page_linking_to(
            "https://evil.example.com/api/v1/logs?after=c1",
            &[json!({"uuid": "a", "eventType": "user.session.start", "published": "2026-11-26T13:00:00Z"})],
        ))
        .mount(&server)
        .await;
    let err = reconcile::run(
        &client(&server),
        &hook(),
        &holding(&[]),
        window(),
        &options(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Paging { .. }), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
