//! How Okta calls a hook (the SDK's `hook_call`), against real local HTTP endpoints: the
//! headers as Okta spells them, the challenge and the check of its echo, the delivery POST,
//! the timeout, the one retry, and no redirect followed.

use std::time::{Duration, Instant};

use okta_eventhooks::Secret;
use okta_eventhooks::hook_call::{
    ATTEMPTS, Attempt, Caller, Failure, HOOK_USER_AGENT, HookTarget, OKTA_TIMEOUT,
};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SECRET: &str = "hook-call-S3cret";

fn target<'a>(uri: &'a str, tag: &'a Secret, secret: &'a Secret) -> HookTarget<'a> {
    HookTarget {
        uri,
        headers: vec![("X-Tag", tag)],
        auth: Some(("Authorization", secret)),
    }
}

/// The attempts `each` saw.
fn collect(attempts: &mut Vec<Attempt>) -> impl FnMut(&Attempt) + '_ {
    |a| attempts.push(a.clone())
}

/// Answers one verification GET over a raw socket with the echo, and returns the request
/// head as it came on the wire (header names as spelled).
async fn raw_echo_server() -> (String, tokio::task::JoinHandle<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buf).await.unwrap();
            assert!(n > 0, "the request ended early");
            head.extend_from_slice(&buf[..n]);
        }
        let head = String::from_utf8(head).unwrap();
        let challenge = head
            .lines()
            .find_map(|l| l.strip_prefix("X-Okta-Verification-Challenge: "))
            .unwrap_or_default()
            .trim()
            .to_owned();
        let body = json!({ "verification": challenge }).to_string();
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(answer.as_bytes()).await.unwrap();
        head
    });
    (url, task)
}

#[tokio::test]
async fn the_verification_get_carries_okta_headers_spelled_as_okta_spells_them() {
    let (url, server) = raw_echo_server().await;
    let (tag, secret) = (Secret::new("a"), Secret::new(SECRET));
    let mut attempts = Vec::new();
    let last = Caller::new()
        .unwrap()
        .verify(
            &target(&url, &tag, &secret),
            &HeaderMap::new(),
            collect(&mut attempts),
        )
        .await;
    let head = server.await.unwrap();
    assert!(last.succeeded(), "{:?}", last.failure);
    assert_eq!(
        (attempts.len(), last.number, last.status),
        (1, 1, Some(200))
    );
    assert!(head.starts_with("GET /hook HTTP/1.1\r\n"), "{head}");
    for line in [
        "\r\nAccept: application/json\r\n",
        &format!("\r\nUser-Agent: {HOOK_USER_AGENT}\r\n"),
        "\r\nX-Tag: a\r\n",
        &format!("\r\nAuthorization: {SECRET}\r\n"),
    ] {
        assert!(head.contains(line), "{line:?} in {head}");
    }
    let challenge = head
        .lines()
        .find_map(|l| l.strip_prefix("X-Okta-Verification-Challenge: "))
        .expect("the challenge, spelled as Okta spells it");
    assert_eq!(challenge.len(), 40, "{challenge}");
    assert!(
        challenge.contains('-') && challenge.contains('_'),
        "{challenge}"
    );
    let request_id = head
        .lines()
        .find_map(|l| l.strip_prefix("X-Okta-Request-Id: "))
        .expect("a request id");
    assert!(request_id.len() >= 25, "{request_id}");
    // The attempt names the headers, never their values.
    let shown = format!("{last:?}");
    assert!(last.header_names.contains(&"authorization".to_owned()));
    assert!(
        !shown.contains(SECRET) && !shown.contains(challenge),
        "{shown}"
    );
}

#[tokio::test]
async fn an_echo_with_dash_and_underscore_mangled_fails_every_time() {
    let rx = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(|request: &Request| {
            let challenge = request.headers["x-okta-verification-challenge"]
                .to_str()
                .unwrap();
            // What a form decoder or an alphanumeric filter does to a URL-safe challenge.
            let mangled: String = challenge
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({ "verification": mangled }))
        })
        .mount(&rx)
        .await;
    let (tag, secret) = (Secret::new("a"), Secret::new(SECRET));
    let uri = rx.uri();
    let mut attempts = Vec::new();
    let last = Caller::new()
        .unwrap()
        .verify(
            &target(&uri, &tag, &secret),
            &HeaderMap::new(),
            collect(&mut attempts),
        )
        .await;
    assert_eq!(last.failure, Some(Failure::WrongChallenge));
    assert_eq!(
        attempts.len() as u32,
        ATTEMPTS,
        "Okta tries the verification twice"
    );
    let requests = rx.received_requests().await.unwrap();
    let challenges: Vec<&str> = requests
        .iter()
        .map(|r| r.headers["x-okta-verification-challenge"].to_str().unwrap())
        .collect();
    assert_eq!(challenges.len(), 2);
    assert_ne!(
        challenges[0], challenges[1],
        "a fresh challenge per attempt"
    );
}

#[tokio::test]
async fn wrong_answers_are_told_apart() {
    let rx = MockServer::start().await;
    for (route, answer) in [
        (
            "/other",
            ResponseTemplate::new(200).set_body_json(json!({"verification": 1})),
        ),
        (
            "/field",
            ResponseTemplate::new(200).set_body_json(json!({"challenge": "x"})),
        ),
        ("/text", ResponseTemplate::new(200).set_body_string("OK")),
        ("/gone", ResponseTemplate::new(404)),
    ] {
        Mock::given(method("GET"))
            .and(wiremock::matchers::path(route))
            .respond_with(answer)
            .mount(&rx)
            .await;
    }
    let caller = Caller::new().unwrap();
    let (tag, secret) = (Secret::new("a"), Secret::new(SECRET));
    for (route, expected) in [
        ("/other", Failure::WrongChallenge),
        ("/field", Failure::NoVerification),
        ("/text", Failure::NotJson),
        (
            "/gone",
            Failure::Status {
                status: 404,
                location: None,
            },
        ),
    ] {
        let uri = format!("{}{route}", rx.uri());
        let attempt = caller
            .verify_once(&target(&uri, &tag, &secret), &HeaderMap::new())
            .await;
        assert_eq!(attempt.failure, Some(expected), "{route}");
    }
}

#[tokio::test]
async fn the_delivery_post_carries_the_envelope_okta_headers_and_the_callers_own() {
    let rx = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&rx)
        .await;
    let events = [json!({"uuid": "u1", "eventType": "user.session.start"})];
    let refs: Vec<&serde_json::Value> = events.iter().collect();
    let body =
        okta_eventhooks::events::delivery_body("https://example.okta.com", "who1", "e1", &refs)
            .unwrap();
    let extra = HeaderMap::from_iter([(
        HeaderName::from_static("x-replayed"),
        HeaderValue::from_static("true"),
    )]);
    let (tag, secret) = (Secret::new("a"), Secret::new(SECRET));
    let uri = rx.uri();
    let last = Caller::new()
        .unwrap()
        .deliver(
            &target(&uri, &tag, &secret),
            body.clone().into(),
            &extra,
            |_| {},
        )
        .await;
    assert!(last.succeeded(), "any 2xx: {:?}", last.failure);
    let requests = rx.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!(sent.body, body);
    for (name, value) in [
        ("content-type", "application/json"),
        ("accept", "application/json"),
        ("user-agent", HOOK_USER_AGENT),
        ("authorization", SECRET),
        ("x-tag", "a"),
        ("x-replayed", "true"),
    ] {
        assert_eq!(sent.headers[name], value, "{name}");
    }
    assert!(sent.headers.get("x-okta-verification-challenge").is_none());
}

#[tokio::test]
async fn a_5xx_is_retried_once_and_a_4xx_never() {
    let caller = Caller::new().unwrap();
    let (tag, secret) = (Secret::new("a"), Secret::new(SECRET));
    for (answers, expected_requests, succeeded) in [
        (vec![503, 200], 2, true),
        (vec![500, 500, 500], 2, false),
        (vec![400, 200], 1, false),
    ] {
        let rx = MockServer::start().await;
        for (i, status) in answers.iter().enumerate() {
            Mock::given(method("POST"))
                .respond_with(ResponseTemplate::new(*status))
                .up_to_n_times(1)
                .with_priority(u8::try_from(i + 1).unwrap())
                .mount(&rx)
                .await;
        }
        let uri = rx.uri();
        let mut attempts = Vec::new();
        let last = caller
            .deliver(
                &target(&uri, &tag, &secret),
                "{}".into(),
                &HeaderMap::new(),
                collect(&mut attempts),
            )
            .await;
        let received = rx.received_requests().await.unwrap().len();
        assert_eq!(received, expected_requests, "{answers:?}");
        assert_eq!(attempts.len(), expected_requests, "{answers:?}");
        assert_eq!(last.succeeded(), succeeded, "{answers:?}");
        assert_eq!(last.number as usize, expected_requests, "{answers:?}");
    }
}

#[tokio::test]
async fn a_hook_slower_than_the_timeout_times_out_and_is_tried_once_more() {
    let rx = MockServer::start().await;
    let timeout = Duration::from_millis(300);
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(timeout * 5))
        .mount(&rx)
        .await;
    let caller = Caller::with_timeout(timeout).unwrap();
    let (tag, secret) = (Secret::new("a"), Secret::new(SECRET));
    let uri = rx.uri();
    let started = Instant::now();
    let mut attempts = Vec::new();
    let last = caller
        .deliver(
            &target(&uri, &tag, &secret),
            "{}".into(),
            &HeaderMap::new(),
            collect(&mut attempts),
        )
        .await;
    let waited = started.elapsed();
    assert_eq!(last.failure, Some(Failure::Timeout(timeout)));
    assert_eq!(
        last.failure.as_ref().unwrap().to_string(),
        "no answer within 300 ms"
    );
    assert_eq!(attempts.len(), 2, "one retry after a timeout");
    assert!(
        waited >= timeout * 2 && waited < timeout * 5,
        "each attempt waits the timeout, no longer: {waited:?}"
    );
    assert_eq!(Caller::new().unwrap().timeout(), OKTA_TIMEOUT);
    assert_eq!(
        OKTA_TIMEOUT,
        Duration::from_secs(3),
        "Okta's documented timeout"
    );
}

#[tokio::test]
async fn redirects_are_never_followed_nor_retried() {
    let elsewhere = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"verification": "x"})))
        .mount(&elsewhere)
        .await;
    let rx = MockServer::start().await;
    let location = format!("{}/moved", elsewhere.uri());
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(302).insert_header("Location", location.as_str()))
        .mount(&rx)
        .await;
    let caller = Caller::new().unwrap();
    let (tag, secret) = (Secret::new("a"), Secret::new(SECRET));
    let uri = rx.uri();
    let expected = Some(Failure::Status {
        status: 302,
        location: Some(location.clone()),
    });
    let mut attempts = Vec::new();
    let verified = caller
        .verify(
            &target(&uri, &tag, &secret),
            &HeaderMap::new(),
            collect(&mut attempts),
        )
        .await;
    assert_eq!(verified.failure, expected);
    let delivered = caller
        .deliver(
            &target(&uri, &tag, &secret),
            "{}".into(),
            &HeaderMap::new(),
            collect(&mut attempts),
        )
        .await;
    assert_eq!(delivered.failure, expected);
    assert_eq!(attempts.len(), 2, "one attempt each, no retry");
    assert_eq!(rx.received_requests().await.unwrap().len(), 2);
    assert!(
        elsewhere.received_requests().await.unwrap().is_empty(),
        "the auth header never went to the redirect's target"
    );
}
