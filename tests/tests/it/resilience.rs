//! Rate limits, retries, timeouts and size limits (issue 3), on a recorded clock: waits are
//! captured instead of slept.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use okta_eventhooks::{Client, Error, TimeoutKind};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use okta_eventhooks_tests::fixtures::*;
use okta_eventhooks_tests::mock_org::*;
use okta_eventhooks_tests::secrets::*;

const ID: &str = "who1";

/// A client whose retry waits are recorded, not slept.
fn recording(
    server: &MockServer,
    configure: impl FnOnce(okta_eventhooks::ClientBuilder) -> okta_eventhooks::ClientBuilder,
) -> (Client, Arc<Mutex<Vec<Duration>>>) {
    let waits = Arc::new(Mutex::new(Vec::new()));
    let sink = waits.clone();
    let builder = Client::builder()
        .org_url(server.uri())
        .api_token(TOKEN)
        .sleep_with(move |d| {
            sink.lock().unwrap().push(d);
            async {}
        });
    (configure(builder).build().unwrap(), waits)
}

fn too_many(reset_in: i64, request_id: &str) -> ResponseTemplate {
    rate_limited(100, reset_in, request_id)
}

fn hook_ok() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_raw(ACTIVE, "application/json")
        .insert_header("x-rate-limit-limit", "100")
        .insert_header("x-rate-limit-remaining", "99")
        .insert_header("x-rate-limit-reset", "1795000000")
}

async fn first_then(
    server: &MockServer,
    verb: &str,
    p: &str,
    first: ResponseTemplate,
    times: u64,
    then: ResponseTemplate,
) {
    Mock::given(method(verb))
        .and(path(p))
        .respond_with(first)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method(verb))
        .and(path(p))
        .respond_with(then)
        .with_priority(2)
        .mount(server)
        .await;
}

#[tokio::test]
async fn rate_limit_then_success_waits_for_the_reset_measured_on_the_server_clock() {
    let server = MockServer::start().await;
    first_then(
        &server,
        "GET",
        "/api/v1/eventHooks/who1",
        too_many(5, "reqFirst429"),
        1,
        hook_ok(),
    )
    .await;
    let (client, waits) = recording(&server, |b| b);
    client.get_event_hook(ID).await.unwrap();
    // reset - Date + 1 s, whatever the local clock says (the Date header is in the past here).
    assert_eq!(*waits.lock().unwrap(), [Duration::from_secs(6)]);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(header(&requests[0], "x-okta-retry-for"), None);
    assert_eq!(
        header(&requests[1], "x-okta-retry-for"),
        Some("reqFirst429")
    );
    assert_eq!(header(&requests[1], "x-okta-retry-count"), Some("1"));
    // The last response's headers are exposed.
    assert_eq!(client.rate_limit().unwrap().remaining, Some(99));
}

#[tokio::test]
async fn rate_limit_is_retried_even_for_create() {
    let server = MockServer::start().await;
    first_then(
        &server,
        "POST",
        "/api/v1/eventHooks",
        too_many(0, "r1"),
        1,
        hook_ok(),
    )
    .await;
    let (client, waits) = recording(&server, |b| b);
    client.create_event_hook(&sample_hook()).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert_eq!(*waits.lock().unwrap(), [Duration::from_secs(1)]);
}

#[tokio::test]
async fn rate_limit_until_retries_are_exhausted() {
    let server = MockServer::start().await;
    first_then(
        &server,
        "GET",
        "/api/v1/eventHooks/who1",
        too_many(2, "firstId"),
        10,
        hook_ok(),
    )
    .await;
    let (client, waits) = recording(&server, |b| b);
    let err = client.get_event_hook(ID).await.unwrap_err();
    assert!(err.is_rate_limited());
    assert_eq!(err.api_error().unwrap().attempts, 3);
    assert!(err.to_string().contains("3 attempts"), "{err}");
    assert_eq!(waits.lock().unwrap().len(), 2);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3, "default: 2 retries");
    // X-Okta-Retry-For keeps naming the first 429; the count goes up.
    assert_eq!(header(&requests[2], "x-okta-retry-for"), Some("firstId"));
    assert_eq!(header(&requests[2], "x-okta-retry-count"), Some("2"));
}

#[tokio::test]
async fn max_retries_zero_means_exactly_one_request() {
    let server = MockServer::start().await;
    first_then(
        &server,
        "GET",
        "/api/v1/eventHooks/who1",
        too_many(1, "r"),
        10,
        hook_ok(),
    )
    .await;
    let (client, waits) = recording(&server, |b| b.max_retries(0));
    assert!(
        client
            .get_event_hook(ID)
            .await
            .unwrap_err()
            .is_rate_limited()
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert!(waits.lock().unwrap().is_empty());
}

#[tokio::test]
async fn rate_limit_without_date_falls_back_to_the_local_clock() {
    let server = MockServer::start().await;
    let reset = Utc::now().timestamp() + 3;
    let response =
        ResponseTemplate::new(429).insert_header("x-rate-limit-reset", reset.to_string());
    first_then(
        &server,
        "GET",
        "/api/v1/eventHooks/who1",
        response,
        1,
        hook_ok(),
    )
    .await;
    let (client, waits) = recording(&server, |b| b);
    client.get_event_hook(ID).await.unwrap();
    let wait = waits.lock().unwrap()[0];
    // About reset - now + 1 s (the test itself may take a moment).
    assert!(
        wait > Duration::from_secs(2) && wait <= Duration::from_secs(4),
        "{wait:?}"
    );
}

#[tokio::test]
async fn rate_limit_without_reset_backs_off_exponentially() {
    let server = MockServer::start().await;
    first_then(
        &server,
        "GET",
        "/api/v1/eventHooks/who1",
        ResponseTemplate::new(429),
        2,
        hook_ok(),
    )
    .await;
    let (client, waits) = recording(&server, |b| b);
    client.get_event_hook(ID).await.unwrap();
    let waits = waits.lock().unwrap().clone();
    assert_eq!(waits.len(), 2);
    assert!(
        waits[0] >= Duration::from_millis(250) && waits[0] <= Duration::from_millis(500),
        "{waits:?}"
    );
    assert!(
        waits[1] >= Duration::from_millis(500) && waits[1] <= Duration::from_millis(1000),
        "{waits:?}"
    );
}

#[tokio::test]
async fn duplicated_reset_header_takes_the_smallest() {
    let server = MockServer::start().await;
    let date = Utc.with_ymd_and_hms(2026, 11, 26, 13, 0, 0).unwrap();
    let response = ResponseTemplate::new(429)
        .insert_header("date", date.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .append_header("x-rate-limit-reset", (date.timestamp() + 9).to_string())
        .append_header("x-rate-limit-reset", (date.timestamp() + 4).to_string());
    first_then(
        &server,
        "GET",
        "/api/v1/eventHooks/who1",
        response,
        1,
        hook_ok(),
    )
    .await;
    let (client, waits) = recording(&server, |b| b);
    client.get_event_hook(ID).await.unwrap();
    assert_eq!(*waits.lock().unwrap(), [Duration::from_secs(5)]);
}

#[tokio::test]
async fn reset_beyond_the_cap_fails_at_once_with_the_reset_time() {
    let server = MockServer::start().await;
    first_then(
        &server,
        "GET",
        "/api/v1/eventHooks/who1",
        too_many(120, "r"),
        10,
        hook_ok(),
    )
    .await;
    let (client, waits) = recording(&server, |b| b.max_backoff(Duration::from_secs(30)));
    let err = client.get_event_hook(ID).await.unwrap_err();
    assert!(err.is_rate_limited());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert!(waits.lock().unwrap().is_empty());
    let reset = err.api_error().unwrap().rate_limit.reset.unwrap();
    assert_eq!(reset, Utc.with_ymd_and_hms(2026, 11, 26, 13, 2, 0).unwrap());
    assert!(
        err.to_string()
            .contains("rate limit resets at 2026-11-26T13:02:00+00:00"),
        "{err}"
    );
}

#[tokio::test]
async fn server_error_on_get_is_retried() {
    let server = MockServer::start().await;
    first_then(
        &server,
        "GET",
        "/api/v1/eventHooks/who1",
        ResponseTemplate::new(503),
        1,
        hook_ok(),
    )
    .await;
    let (client, waits) = recording(&server, |b| b);
    client.get_event_hook(ID).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert_eq!(waits.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn server_error_on_create_and_verify_is_not_retried() {
    let server = MockServer::start().await;
    first_then(
        &server,
        "POST",
        "/api/v1/eventHooks",
        ResponseTemplate::new(503),
        5,
        hook_ok(),
    )
    .await;
    first_then(
        &server,
        "POST",
        "/api/v1/eventHooks/who1/lifecycle/verify",
        ResponseTemplate::new(502),
        5,
        hook_ok(),
    )
    .await;
    let (client, _) = recording(&server, |b| b);
    let err = client.create_event_hook(&sample_hook()).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    let err = client.verify_event_hook(ID).await.unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "exactly one request each"
    );
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported_with_attempts() {
    // Bind then drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let waits = Arc::new(Mutex::new(0));
    let sink = waits.clone();
    let client = Client::builder()
        .org_url(format!("http://127.0.0.1:{port}"))
        .api_token(TOKEN)
        .sleep_with(move |_| {
            *sink.lock().unwrap() += 1;
            async {}
        })
        .build()
        .unwrap();
    // A connect error means nothing was sent: even create is retried.
    let err = client.create_event_hook(&sample_hook()).await.unwrap_err();
    match &err {
        Error::Transport {
            attempts, message, ..
        } => {
            assert_eq!(*attempts, 3);
            assert!(message.to_lowercase().contains("connect"), "{message}");
        }
        other => panic!("expected Transport, got {other:?}"),
    }
    assert_eq!(*waits.lock().unwrap(), 2);
    assert!(err.is_transient());
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(hook_ok().set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let (client, _) = recording(&server, |b| {
        b.request_timeout(Duration::from_millis(200)).max_retries(1)
    });
    let err = client.get_event_hook(ID).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                limit: TimeoutKind::Request,
                attempts: 2
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "timed out: the request timeout was exceeded after 2 attempt(s)"
    );
}

#[tokio::test]
async fn the_overall_deadline_covers_retries() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(hook_ok().set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let client = Client::builder()
        .org_url(server.uri())
        .api_token(TOKEN)
        .deadline(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = client.get_event_hook(ID).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                limit: TimeoutKind::Deadline,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let server = MockServer::start().await;
    let big = format!("[{}]", vec![ACTIVE; 40].join(","));
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(big.clone(), "application/json"))
        .mount(&server)
        .await;
    let (client, _) = recording(&server, |b| b.max_response_bytes(4096));
    let err = client.list_event_hooks().await.unwrap_err();
    // Its own error, not a decode error: not transient, and it says how to raise the limit.
    assert!(
        matches!(
            err,
            Error::ResponseTooLarge {
                status: 200,
                limit: 4096,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_transient());
    let text = err.to_string();
    assert!(
        text.contains("larger than the limit of 4096 bytes"),
        "{text}"
    );
    assert!(text.contains("ClientBuilder::max_response_bytes"), "{text}");
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "no retry"
    );
    // The same body fits under the default limit.
    let (client, _) = recording(&server, |b| b);
    assert_eq!(client.list_event_hooks().await.unwrap().len(), 40);
}

#[tokio::test]
async fn pace_waits_when_no_requests_are_left() {
    let server = MockServer::start().await;
    let date = Utc.with_ymd_and_hms(2026, 11, 26, 13, 0, 0).unwrap();
    let exhausted = hook_ok()
        .insert_header("date", date.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .insert_header("x-rate-limit-remaining", "0")
        .insert_header("x-rate-limit-reset", (date.timestamp() + 4).to_string());
    Mock::given(method("GET"))
        .respond_with(exhausted)
        .mount(&server)
        .await;
    let (client, waits) = recording(&server, |b| b.pace(true));
    client.get_event_hook(ID).await.unwrap();
    assert!(
        waits.lock().unwrap().is_empty(),
        "nothing known yet before the first call"
    );
    client.get_event_hook(ID).await.unwrap();
    let waits = waits.lock().unwrap().clone();
    assert_eq!(waits.len(), 1);
    assert!(
        waits[0] > Duration::from_secs(4) && waits[0] <= Duration::from_secs(5),
        "{waits:?}"
    );
}

#[tokio::test]
async fn one_connection_pool_serves_many_calls() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(hook_ok())
        .mount(&server)
        .await;
    let client = client(&server);
    let calls = (0..20).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.get_event_hook(ID).await })
    });
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 20);
}
