//! The System Log reader (`client.logs()`, issue 14) against a wiremock stand-in for Okta: the
//! query on the wire, paging over many pages, bounded and polling reads, caught up and
//! follow, refused links and cursors, a rate limit in the middle of a read, and events from a
//! newer Okta.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use okta_eventhooks::events::{LogEvent, LogSeverity};
use okta_eventhooks::logs::LogReader;
use okta_eventhooks::{Client, Error, LogSortOrder};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use okta_eventhooks_tests::mock_org::*;
use okta_eventhooks_tests::secrets::*;
use okta_eventhooks_tests::system_log::{self, SystemLog, log_event};

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// Most events any test here reads: a reader that loops fails the test instead of hanging it.
const MANY: usize = 1000;

/// Reads until the stream pauses or ends; panics on an error, and on a read that goes on past
/// [`MANY`] events or 30 s (a reader that never pauses).
async fn drain(reader: &mut LogReader) -> Vec<LogEvent> {
    let read = async {
        let mut events = Vec::new();
        while let Some(event) = reader.next().await {
            events.push(event.unwrap());
            assert!(events.len() <= MANY, "the read does not end");
        }
        events
    };
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .expect("the read pauses or ends")
}

fn uuids(events: &[LogEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| e.uuid.as_deref().unwrap().to_owned())
        .collect()
}

fn expected(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("uuid-{i:06}")).collect()
}

/// The query of a request, sorted, decoded.
fn query(request: &wiremock::Request) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
    pairs.sort();
    pairs
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = list
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    pairs.sort();
    pairs
}

/// A client whose waits (retries and follow pauses) are recorded, not slept; `on_wait` runs at
/// each wait.
fn recording(
    server: &MockServer,
    on_wait: impl Fn() + Send + Sync + 'static,
) -> (Client, Arc<Mutex<Vec<Duration>>>) {
    let waits = Arc::new(Mutex::new(Vec::new()));
    let sink = waits.clone();
    let client = builder(server)
        .sleep_with(move |d| {
            sink.lock().unwrap().push(d);
            on_wait();
            async {}
        })
        .build()
        .unwrap();
    (client, waits)
}

#[tokio::test]
async fn every_parameter_is_on_the_wire_and_the_next_page_adds_the_cursor() {
    let server = MockServer::start().await;
    SystemLog::with_events(3).mount(&server).await;
    let mut reader = client(&server)
        .logs()
        .since(at("2026-11-26T13:00:00Z"))
        .until(at("2026-11-26T14:30:00.250Z"))
        .filter(r#"outcome.result eq "FAILURE""#)
        .q("bob smith")
        .limit(2)
        .sort_order(LogSortOrder::Ascending)
        .stream()
        .unwrap();
    assert_eq!(uuids(&drain(&mut reader).await), expected(0..3));
    assert!(reader.is_finished() && !reader.is_caught_up() && !reader.is_polling());

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    let first = [
        ("since", "2026-11-26T13:00:00.000Z"),
        ("until", "2026-11-26T14:30:00.250Z"),
        ("filter", r#"outcome.result eq "FAILURE""#),
        ("q", "bob smith"),
        ("limit", "2"),
        ("sortOrder", "ASCENDING"),
    ];
    assert_eq!(query(&requests[0]), pairs(&first));
    let mut second = first.to_vec();
    second.push(("after", "cursor-2"));
    assert_eq!(query(&requests[1]), pairs(&second));
    for request in &requests {
        assert_eq!(request.method.as_str(), "GET");
        assert_eq!(request.url.path(), "/api/v1/logs");
        assert_eq!(
            header(request, "authorization"),
            Some(format!("SSWS {TOKEN}").as_str())
        );
        assert_eq!(header(request, "accept"), Some("application/json"));
        assert_eq!(header(request, "api-version"), None);
        assert!(request.body.is_empty());
    }
    // Percent-encoded as a query value: the quotes and spaces cannot end the parameter.
    let raw = requests[0].url.query().unwrap();
    assert!(
        raw.contains("filter=outcome.result+eq+%22FAILURE%22"),
        "{raw}"
    );
}

#[tokio::test]
async fn nothing_is_sent_that_was_not_asked_for() {
    let server = MockServer::start().await;
    SystemLog::with_events(3).mount(&server).await;
    let mut reader = client(&server).logs().stream().unwrap();
    assert_eq!(uuids(&drain(&mut reader).await), expected(0..3));
    let request = only_request(&server).await;
    assert_eq!(request.url.query(), None, "Okta's defaults apply");
    assert!(reader.is_polling() && reader.is_caught_up());
}

#[tokio::test]
async fn event_types_are_quoted_joined_by_or_and_combined_with_the_filter() {
    let server = MockServer::start().await;
    SystemLog::with_events(1).mount(&server).await;
    let mut reader = client(&server)
        .logs()
        .event_types(["user.session.start", r#"odd"type\x"#])
        .filter(r#"outcome.result eq "FAILURE" or outcome.result eq "DENY""#)
        .until(at("2026-11-26T14:00:00Z"))
        .stream()
        .unwrap();
    drain(&mut reader).await;
    let request = only_request(&server).await;
    let filter = query(&request)
        .into_iter()
        .find(|(n, _)| n == "filter")
        .unwrap()
        .1;
    assert_eq!(
        filter,
        r#"(eventType eq "user.session.start" or eventType eq "odd\"type\\x") and (outcome.result eq "FAILURE" or outcome.result eq "DENY")"#
    );
}

#[tokio::test]
async fn a_bounded_read_pages_through_many_pages_in_order() {
    let server = MockServer::start().await;
    SystemLog::with_events(250).mount(&server).await;
    let mut reader = client(&server)
        .logs()
        .until(at("2026-11-26T14:00:00Z"))
        .limit(7)
        .stream()
        .unwrap();
    let events = drain(&mut reader).await;
    assert_eq!(
        uuids(&events),
        expected(0..250),
        "every event once, in order"
    );
    assert!(reader.is_finished());
    assert_eq!(reader.pages(), 36);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 36, "ends at the page without a next link");
    for (n, request) in requests.iter().enumerate() {
        let after = query(request)
            .into_iter()
            .find(|(name, _)| name == "after")
            .map(|(_, v)| v);
        let want = (n > 0).then(|| format!("cursor-{}", n * 7));
        assert_eq!(after, want, "request {n}");
    }
    // Polled again, a finished read sends nothing more.
    assert!(reader.next().await.is_none());
    assert_eq!(server.received_requests().await.unwrap().len(), 36);
}

#[tokio::test]
async fn descending_is_a_bounded_read() {
    let server = MockServer::start().await;
    SystemLog::with_events(5).mount(&server).await;
    let mut reader = client(&server)
        .logs()
        .sort_order(LogSortOrder::Descending)
        .limit(2)
        .stream()
        .unwrap();
    assert!(!reader.is_polling());
    assert_eq!(drain(&mut reader).await.len(), 5);
    assert!(reader.is_finished() && !reader.is_caught_up());
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        query(&requests[0]),
        pairs(&[("limit", "2"), ("sortOrder", "DESCENDING")])
    );
}

#[tokio::test]
async fn a_polling_read_catches_up_and_goes_on_when_polled_again() {
    let server = MockServer::start().await;
    let log = SystemLog::with_events(5);
    log.mount(&server).await;
    let mut reader = client(&server)
        .logs()
        .since(at("2026-11-26T13:00:00Z"))
        .limit(2)
        .stream()
        .unwrap();
    assert!(reader.is_polling());
    // Pages of 2, 2 and 1: the short one is the end of what is persisted.
    assert_eq!(uuids(&drain(&mut reader).await), expected(0..5));
    assert!(reader.is_caught_up() && !reader.is_finished());
    assert_eq!(server.received_requests().await.unwrap().len(), 3);

    // Nothing new: Okta answers an empty page linking to itself; no error, still caught up.
    assert!(drain(&mut reader).await.is_empty());
    assert!(reader.is_caught_up() && !reader.is_finished());
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 4);
    assert!(query(&requests[3]).contains(&("after".into(), "cursor-5".into())));

    // New events: read from where the last page ended, none twice.
    log.push((5..8).map(log_event));
    assert_eq!(uuids(&drain(&mut reader).await), expected(5..8));
    assert!(reader.is_caught_up());
    assert_eq!(server.received_requests().await.unwrap().len(), 6);
}

#[tokio::test]
async fn follow_waits_between_polls_and_keeps_reading() {
    let server = MockServer::start().await;
    let log = SystemLog::with_events(3);
    log.mount(&server).await;
    // Each pause lets one new event be persisted.
    let added = Arc::new(Mutex::new(3));
    let (client, waits) = recording(&server, {
        let log = log.clone();
        move || {
            let mut next = added.lock().unwrap();
            log.push([log_event(*next)]);
            *next += 1;
        }
    });
    let mut reader = client
        .logs()
        .limit(2)
        .follow(Duration::from_secs(7))
        .stream()
        .unwrap();
    let events: Vec<LogEvent> = reader.by_ref().take(8).map(|e| e.unwrap()).collect().await;
    assert_eq!(uuids(&events), expected(0..8));
    // Pages: [0 1] [2] wait [3] wait [4] wait [5] wait [6] wait [7].
    assert_eq!(*waits.lock().unwrap(), [Duration::from_secs(7); 5]);
    assert!(!reader.is_finished());
}

/// A System Log that answers every request after the first with an empty page and a new
/// `next` link (issue 20, item 4: `logs --since --until` and `reconcile` looped, 1,582 requests
/// in 70 s).
async fn endless_empty_pages(server: &MockServer) {
    struct NewCursorEachTime(std::sync::atomic::AtomicUsize, String);
    impl wiremock::Respond for NewCursorEachTime {
        fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
            let n = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let body: Vec<_> = if n == 0 {
                (0..2).map(log_event).collect()
            } else {
                Vec::new()
            };
            let next = format!(
                "{}/api/v1/logs?limit=2&until=2026-11-26T14%3A00%3A00Z&after=c{n}",
                self.1
            );
            system_log::page_linking_to(&next, &body)
        }
    }
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .respond_with(NewCursorEachTime(Default::default(), server.uri()))
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_bounded_read_ends_at_an_empty_page_even_with_a_new_next_link() {
    let server = MockServer::start().await;
    endless_empty_pages(&server).await;
    let mut reader = client(&server)
        .logs()
        .since(at("2026-11-26T13:00:00Z"))
        .until(at("2026-11-26T14:00:00Z"))
        .limit(2)
        .stream()
        .unwrap();
    assert_eq!(uuids(&drain(&mut reader).await), expected(0..2));
    assert!(reader.is_finished());
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_polling_read_counts_an_empty_page_with_a_new_next_link_as_caught_up() {
    let server = MockServer::start().await;
    endless_empty_pages(&server).await;
    let mut reader = client(&server)
        .logs()
        .since(at("2026-11-26T13:00:00Z"))
        .limit(2)
        .stream()
        .unwrap();
    assert_eq!(uuids(&drain(&mut reader).await), expected(0..2));
    assert!(reader.is_caught_up() && !reader.is_finished());
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_cursor_that_repeats_is_refused_after_the_events_it_came_with() {
    let server = MockServer::start().await;
    let uri = server.uri();
    let next = format!("{uri}/api/v1/logs?limit=2&after=stuck");
    let page = |events: std::ops::Range<usize>| {
        let body: Vec<_> = events.map(log_event).collect();
        system_log::page_linking_to(&next, &body).insert_header("x-okta-request-id", "reqStuck")
    };
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .and(query_param("after", "stuck"))
        .respond_with(page(2..4))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .respond_with(page(0..2))
        .with_priority(2)
        .mount(&server)
        .await;
    let mut reader = client(&server).logs().limit(2).stream().unwrap();
    let mut events = Vec::new();
    let err = loop {
        match reader.next().await.expect("the error comes before the end") {
            Ok(event) => events.push(event),
            Err(e) => break e,
        }
        assert!(events.len() <= 4, "the repeated page was read again");
    };
    assert_eq!(
        uuids(&events),
        expected(0..4),
        "nothing lost, nothing twice"
    );
    assert!(matches!(err, Error::Paging { .. }), "{err}");
    assert!(err.to_string().contains("repeats the cursor"), "{err}");
    assert_eq!(err.request_id(), Some("reqStuck"));
    assert!(reader.next().await.is_none());
    assert!(reader.is_finished());
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "the repeated cursor is not requested again"
    );
}

#[tokio::test]
async fn a_next_link_to_another_host_is_refused_and_never_requested() {
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    SystemLog::with_events(5).mount(&elsewhere).await;
    let body: Vec<_> = (0..2).map(log_event).collect();
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .respond_with(system_log::page_linking_to(
            &format!("{}/api/v1/logs?after=cursor-2", elsewhere.uri()),
            &body,
        ))
        .mount(&server)
        .await;
    let mut reader = client(&server).logs().limit(2).stream().unwrap();
    assert_eq!(
        reader.next().await.unwrap().unwrap().uuid.unwrap(),
        "uuid-000000"
    );
    assert_eq!(
        reader.next().await.unwrap().unwrap().uuid.unwrap(),
        "uuid-000001"
    );
    let err = reader.next().await.unwrap().unwrap_err();
    assert!(err.to_string().contains("another host"), "{err}");
    assert!(reader.next().await.is_none());
    assert_eq!(elsewhere.received_requests().await.unwrap().len(), 0);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

fn too_many(reset_in: i64) -> ResponseTemplate {
    rate_limited(60, reset_in, "req429")
}

#[tokio::test]
async fn a_rate_limit_on_page_3_waits_for_the_reset_and_skips_nothing() {
    let server = MockServer::start().await;
    system_log::fault_once_after(&server, "cursor-4", too_many(5)).await;
    SystemLog::with_events(10).mount(&server).await;
    let (client, waits) = recording(&server, || {});
    let mut reader = client
        .logs()
        .until(at("2026-11-26T14:00:00Z"))
        .limit(2)
        .stream()
        .unwrap();
    assert_eq!(uuids(&drain(&mut reader).await), expected(0..10));
    assert_eq!(
        *waits.lock().unwrap(),
        [Duration::from_secs(6)],
        "reset - Date + 1 s"
    );
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 6, "five pages and one retry");
    assert_eq!(
        query(&requests[2]),
        query(&requests[3]),
        "page 3 asked again"
    );
    assert_eq!(header(&requests[3], "x-okta-retry-for"), Some("req429"));
    assert_eq!(header(&requests[3], "x-okta-retry-count"), Some("1"));
}

#[tokio::test]
async fn a_server_error_on_a_page_is_retried() {
    let server = MockServer::start().await;
    system_log::fault_once_after(&server, "cursor-2", ResponseTemplate::new(503)).await;
    SystemLog::with_events(4).mount(&server).await;
    let mut reader = client(&server)
        .logs()
        .until(at("2026-11-26T14:00:00Z"))
        .limit(2)
        .stream()
        .unwrap();
    assert_eq!(uuids(&drain(&mut reader).await), expected(0..4));
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3, "two pages and one retry");
    assert_eq!(
        query(&requests[1]),
        query(&requests[2]),
        "page 2 asked again"
    );
}

#[tokio::test]
async fn an_error_answer_ends_the_read() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "errorCode": "E0000006",
            "errorSummary": "You do not have permission to perform the requested action"
        })))
        .mount(&server)
        .await;
    let mut reader = client(&server).logs().stream().unwrap();
    let err = reader.next().await.unwrap().unwrap_err();
    assert!(err.is_forbidden(), "{err}");
    assert_eq!(err.okta_error_code(), Some("E0000006"));
    assert!(reader.next().await.is_none());
    assert!(reader.is_finished());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn events_from_a_newer_okta_keep_what_the_sdk_does_not_know() {
    let server = MockServer::start().await;
    SystemLog::with_events(2).mount(&server).await;
    let mut reader = client(&server).logs().stream().unwrap();
    let events = drain(&mut reader).await;
    assert_eq!(events[0].severity, Some(LogSeverity::Info));
    assert_eq!(
        events[1].severity,
        Some(LogSeverity::Unknown("SEVERE_FUTURE".into()))
    );
    assert_eq!(events[1].extra["futureField"]["n"], 1);
    // The one model the receiver uses: written back, nothing is lost.
    assert_eq!(serde_json::to_value(&events[1]).unwrap(), log_event(1));
}

#[test]
fn the_reader_can_move_between_tasks() {
    fn send<T: Send + 'static>() {}
    send::<LogReader>();
    assert_eq!(system_log::PRIORITY, 10);
}
