//! What the emulator sends to hooks: verification GETs and event deliveries.

use okta_eventhooks::EventHookVerificationStatus;
use okta_eventhooks::hook_call::HOOK_USER_AGENT;
use okta_eventhooks_emulator::{ControlClient, DeliveryKind, DeliveryOutcome, FireRequest};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use okta_eventhooks_tests::emulator::*;
use okta_eventhooks_tests::endpoint::*;
use okta_eventhooks_tests::fixtures::new_hook;
use okta_eventhooks_tests::secrets::*;

#[tokio::test]
async fn verification_sends_the_challenge_with_auth_and_custom_headers() {
    let emu = start().await;
    let client = client(&emu);
    let endpoint = endpoint().await;
    let id = verified_hook(
        &client,
        &new_hook("verify me", &endpoint.uri(), &["user.session.start"]),
    )
    .await;
    let gets = received(&endpoint, "GET").await;
    assert_eq!(gets.len(), 1);
    let h = &gets[0].headers;
    assert!(h["x-okta-verification-challenge"].to_str().unwrap().len() >= 20);
    assert_eq!(h["authorization"], HOOK_SECRET);
    assert_eq!(h["x-custom"], HEADER_SECRET);
    assert_eq!(h["accept"], "application/json");
    assert_eq!(h["user-agent"], HOOK_USER_AGENT);
    assert!(h.contains_key("x-okta-request-id"));
    let hook = client.get_event_hook(&id).await.unwrap();
    assert_eq!(
        hook.verification_status,
        Some(EventHookVerificationStatus::Verified)
    );
    let records = emu.deliveries();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].kind, DeliveryKind::Verification);
    assert_eq!(records[0].outcome, DeliveryOutcome::Success);
    assert_eq!(records[0].status, Some(200));
    emu.shutdown().await;
}

/// A hook endpoint on a bare socket (servers built on `http` lower-case header names): it
/// answers one verification GET and hands over the request head as it came on the wire.
async fn raw_verifier() -> (String, tokio::task::JoinHandle<String>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let uri = format!("http://{}/hook", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            socket.read_exact(&mut byte).await.unwrap();
            head.push(byte[0]);
        }
        let head = String::from_utf8(head).unwrap();
        let challenge = head
            .lines()
            .find_map(|l| l.strip_prefix("x-okta-verification-challenge: "))
            .or_else(|| {
                head.lines()
                    .find_map(|l| l.strip_prefix("X-Okta-Verification-Challenge: "))
            })
            .unwrap_or_default();
        let body = json!({ "verification": challenge }).to_string();
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(answer.as_bytes()).await.unwrap();
        head
    });
    (uri, task)
}

#[tokio::test]
async fn the_challenge_is_okta_shaped_and_its_header_spelled_as_okta_does() {
    let emu = start().await;
    let client = client(&emu);
    let (uri, head) = raw_verifier().await;
    verified_hook(&client, &new_hook("raw", &uri, &["user.session.start"])).await;
    let head = head.await.unwrap();
    let line = |name: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name:?} spelled so in:\n{head}"))
            .to_owned()
    };
    // Okta's support article shows a 40-character URL-safe value with `_`.
    let challenge = line("X-Okta-Verification-Challenge");
    assert_eq!(challenge.len(), 40, "{challenge}");
    assert!(
        challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{challenge}"
    );
    assert!(
        challenge.contains('-') && challenge.contains('_'),
        "{challenge}"
    );
    assert_eq!(line("User-Agent"), HOOK_USER_AGENT);
    assert_eq!(line("Accept"), "application/json");
    assert!(!line("X-Okta-Request-Id").is_empty());
    assert_eq!(line("Authorization"), HOOK_SECRET);
    emu.shutdown().await;
}

#[tokio::test]
async fn verification_retries_once_after_a_slow_answer() {
    let emu = start().await;
    let client = client(&emu);
    let endpoint = MockServer::start().await;
    // First GET: slower than the hook timeout. Then: a correct answer.
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(HOOK_TIMEOUT * 5))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&endpoint)
        .await;
    Mock::given(method("GET"))
        .respond_with(Echo)
        .with_priority(2)
        .mount(&endpoint)
        .await;
    let id = client
        .create_event_hook(&new_hook(
            "slow once",
            &endpoint.uri(),
            &["user.session.start"],
        ))
        .await
        .unwrap()
        .id
        .unwrap();
    let verified = client.verify_event_hook(&id).await.unwrap();
    assert_eq!(
        verified.verification_status,
        Some(EventHookVerificationStatus::Verified)
    );
    let attempts = emu.deliveries();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0].outcome, DeliveryOutcome::Failure);
    assert!(
        attempts[0]
            .error
            .as_deref()
            .unwrap()
            .contains("no answer within"),
        "{attempts:?}"
    );
    assert_eq!((attempts[0].attempt, attempts[1].attempt), (1, 2));
    assert_eq!(attempts[1].outcome, DeliveryOutcome::Success);
    // Each attempt carries a fresh challenge.
    let gets = received(&endpoint, "GET").await;
    assert_ne!(
        gets[0].headers["x-okta-verification-challenge"],
        gets[1].headers["x-okta-verification-challenge"]
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn failing_verification_is_400_with_okta_cause() {
    let emu = start().await;
    let client = client(&emu);
    for (name, answer) in [
        ("five hundred", ResponseTemplate::new(500)),
        (
            "wrong echo",
            ResponseTemplate::new(200).set_body_json(json!({"verification": "nope"})),
        ),
        ("not json", ResponseTemplate::new(200).set_body_string("ok")),
    ] {
        let endpoint = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(answer)
            .mount(&endpoint)
            .await;
        let id = client
            .create_event_hook(&new_hook(name, &endpoint.uri(), &["user.session.start"]))
            .await
            .unwrap()
            .id
            .unwrap();
        let err = client.verify_event_hook(&id).await.unwrap_err();
        assert_eq!(err.status(), Some(400));
        assert_eq!(err.okta_error_code(), Some("E0000001"));
        let okta = err.api_error().unwrap().error.clone().unwrap();
        assert_eq!(
            okta.error_summary.as_deref(),
            Some("Api validation failed: eventHook")
        );
        assert_eq!(
            err.error_causes(),
            [format!(
                "Unable to verify event hook. Hook {name} execution failed"
            )]
        );
        assert_eq!(
            received(&endpoint, "GET").await.len(),
            2,
            "{name}: one retry"
        );
        let hook = client.get_event_hook(&id).await.unwrap();
        assert_eq!(
            hook.verification_status,
            Some(EventHookVerificationStatus::Unverified)
        );
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn delivery_posts_okta_envelope_with_headers_to_eligible_hooks_only() {
    let emu = start().await;
    let client = client(&emu);
    let target = endpoint().await;
    let id = verified_hook(
        &client,
        &new_hook("target", &target.uri(), &["user.session.start"]),
    )
    .await;
    // Not eligible: unverified; verified but inactive; verified but other type.
    let unverified = endpoint().await;
    let unverified_id = client
        .create_event_hook(&new_hook(
            "unverified",
            &unverified.uri(),
            &["user.session.start"],
        ))
        .await
        .unwrap()
        .id
        .unwrap();
    let inactive = endpoint().await;
    let inactive_id = verified_hook(
        &client,
        &new_hook("inactive", &inactive.uri(), &["user.session.start"]),
    )
    .await;
    client.deactivate_event_hook(&inactive_id).await.unwrap();
    let other = endpoint().await;
    verified_hook(
        &client,
        &new_hook("other", &other.uri(), &["user.lifecycle.create"]),
    )
    .await;

    let summary = emu.fire("user.session.start", 3).await.unwrap();
    assert_eq!(summary.fired, 3);
    assert!(!summary.deadline_exceeded);
    assert_eq!(summary.hooks.len(), 1);
    assert_eq!(summary.hooks[0].hook_id, id);
    assert_eq!(
        (summary.hooks[0].delivered, summary.hooks[0].requests),
        (3, 1)
    );
    let mut ineligible = summary.ineligible_hook_ids.clone();
    ineligible.sort();
    let mut expected = vec![unverified_id, inactive_id];
    expected.sort();
    assert_eq!(ineligible, expected);
    for server in [&unverified, &inactive, &other] {
        assert!(received(server, "POST").await.is_empty());
    }

    let posts = received(&target, "POST").await;
    assert_eq!(posts.len(), 1, "3 events in one batch");
    let h = &posts[0].headers;
    assert_eq!(h["content-type"], "application/json");
    assert_eq!(h["accept"], "application/json");
    assert_eq!(h["authorization"], HOOK_SECRET);
    assert_eq!(h["x-custom"], HEADER_SECRET);
    let envelope: Value = posts[0].body_json().unwrap();
    assert_eq!(envelope["eventType"], "com.okta.event_hook");
    assert_eq!(envelope["eventTypeVersion"], "1.0");
    assert_eq!(envelope["cloudEventsVersion"], "0.1");
    assert_eq!(envelope["contentType"], "application/json");
    assert_eq!(
        envelope["source"],
        format!("{}/api/v1/eventHooks/{id}", emu.url())
    );
    assert_eq!(envelope["eventId"].as_str().unwrap().len(), 36);
    assert!(envelope["eventTime"].as_str().unwrap().ends_with('Z'));
    let events = envelope["data"]["events"].as_array().unwrap();
    assert_eq!(events.len(), 3);
    for event in events {
        assert_eq!(event["eventType"], "user.session.start");
        assert_eq!(event["displayMessage"], "User login to Okta");
        assert_eq!(event["outcome"]["result"], "SUCCESS");
        assert_eq!(event["actor"]["type"], "User");
        assert_eq!(event["target"][0]["type"], "User");
        assert!(
            event["debugContext"]["debugData"]["eventHookIds"]
                .as_str()
                .unwrap()
                .contains(&id)
        );
        for key in [
            "uuid",
            "published",
            "client",
            "transaction",
            "authenticationContext",
            "securityContext",
            "request",
        ] {
            assert!(!event[key].is_null(), "{key}");
        }
    }
    let delivery = emu
        .deliveries()
        .into_iter()
        .find(|r| r.kind == DeliveryKind::Delivery)
        .unwrap();
    assert_eq!(delivery.event_id.as_deref(), envelope["eventId"].as_str());
    let uuids: Vec<&str> = events.iter().map(|e| e["uuid"].as_str().unwrap()).collect();
    assert_eq!(delivery.event_uuids, uuids);
    emu.shutdown().await;
}

async fn hook_answering(
    emu_client: &okta_eventhooks::Client,
    name: &str,
    answers: &[ResponseTemplate],
) -> (MockServer, String) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(Echo)
        .mount(&server)
        .await;
    for (i, answer) in answers.iter().enumerate() {
        let last = i + 1 == answers.len();
        let mock = Mock::given(method("POST"))
            .respond_with(answer.clone())
            .with_priority(u8::try_from(i + 1).unwrap());
        let mock = if last { mock } else { mock.up_to_n_times(1) };
        mock.mount(&server).await;
    }
    let id = verified_hook(
        emu_client,
        &new_hook(name, &server.uri(), &["user.session.start"]),
    )
    .await;
    (server, id)
}

#[tokio::test]
async fn delivery_retries_once_on_5xx_and_timeout_never_on_4xx() {
    let emu = start().await;
    let client = client(&emu);
    let (flaky, _) = hook_answering(
        &client,
        "flaky",
        &[ResponseTemplate::new(503), ResponseTemplate::new(204)],
    )
    .await;
    let (slow, _) = hook_answering(
        &client,
        "slow",
        &[
            ResponseTemplate::new(200).set_delay(HOOK_TIMEOUT * 5),
            ResponseTemplate::new(200),
        ],
    )
    .await;
    let (rejecting, _) = hook_answering(&client, "rejecting", &[ResponseTemplate::new(400)]).await;
    let (down, _) = hook_answering(&client, "down", &[ResponseTemplate::new(500)]).await;

    let summary = emu.fire("user.session.start", 1).await.unwrap();
    let by_name = |n: &str| {
        summary
            .hooks
            .iter()
            .find(|h| h.hook_name == n)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (by_name("flaky").delivered, by_name("flaky").requests),
        (1, 2)
    );
    assert_eq!(
        (by_name("slow").delivered, by_name("slow").requests),
        (1, 2)
    );
    assert_eq!(
        (by_name("rejecting").failed, by_name("rejecting").requests),
        (1, 1)
    );
    assert_eq!((by_name("down").failed, by_name("down").requests), (1, 2));

    // The retry repeats the same envelope (same eventId).
    let flaky_posts = envelopes(&flaky).await;
    assert_eq!(flaky_posts.len(), 2);
    assert_eq!(flaky_posts[0]["eventId"], flaky_posts[1]["eventId"]);
    assert_eq!(received(&rejecting, "POST").await.len(), 1);
    assert_eq!(received(&down, "POST").await.len(), 2);
    assert_eq!(received(&slow, "POST").await.len(), 2);

    let log = emu.deliveries();
    let rejecting_log: Vec<_> = log
        .iter()
        .filter(|r| r.hook_name == "rejecting" && r.kind == DeliveryKind::Delivery)
        .collect();
    assert_eq!(rejecting_log.len(), 1);
    assert_eq!(rejecting_log[0].status, Some(400));
    assert_eq!(rejecting_log[0].outcome, DeliveryOutcome::Failure);
    emu.shutdown().await;
}

#[tokio::test]
async fn events_are_batched_and_fire_works_over_http() {
    let emu = builder().max_batch(2).start("127.0.0.1:0").await.unwrap();
    let client = client(&emu);
    let endpoint = endpoint().await;
    let id = verified_hook(
        &client,
        &new_hook("batched", &endpoint.uri(), &["user.lifecycle.create"]),
    )
    .await;

    let control = ControlClient::new(emu.url(), TOKEN).unwrap();
    control.health().await.unwrap();
    let summary = control
        .fire(&FireRequest::new("user.lifecycle.create", 5))
        .await
        .unwrap();
    assert_eq!(summary.delivered(), 5);
    assert_eq!(summary.hooks[0].requests, 3);
    let sizes: Vec<usize> = envelopes(&endpoint)
        .await
        .iter()
        .map(|e| e["data"]["events"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [2, 2, 1]);

    let records = control.deliveries().await.unwrap();
    let deliveries: Vec<_> = records
        .iter()
        .filter(|r| r.kind == DeliveryKind::Delivery)
        .collect();
    assert_eq!(deliveries.len(), 3);
    assert!(
        deliveries
            .iter()
            .all(|r| r.hook_id == id && r.outcome == DeliveryOutcome::Success)
    );

    // Bad fire requests are refused with a reason.
    let err = control
        .fire(&FireRequest::new("bad type", 1))
        .await
        .unwrap_err();
    let refused = |err: okta_eventhooks_emulator::Error| match err {
        okta_eventhooks_emulator::Error::Refused {
            status, message, ..
        } => (status, message),
        other => panic!("expected a refusal, got {other}"),
    };
    let (status, message) = refused(err);
    assert_eq!(status, 400);
    assert!(message.contains("eventType"), "{message}");
    let err = control.fire(&FireRequest::new("a.b", 0)).await.unwrap_err();
    assert!(refused(err).1.contains("count"));

    // Reset clears hooks and log.
    control.reset().await.unwrap();
    assert!(client.list_event_hooks().await.unwrap().is_empty());
    assert!(control.deliveries().await.unwrap().is_empty());
    emu.shutdown().await;
}
