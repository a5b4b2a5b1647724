//! Chaos for receivers' own tests: duplicates, reordering, delays and a slow verify, each
//! bounded, off unless asked for, per fire or standing, and cleared by a reset.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use okta_eventhooks::EventHookVerificationStatus;
use okta_eventhooks::{Channel, EventHook, Events};
use okta_eventhooks_emulator::{Chaos, ControlClient, DeliveryKind, FireRequest};
use okta_eventhooks_receiver::Receiver;
use serde_json::{Value, json};

use okta_eventhooks_tests::emulator::*;
use okta_eventhooks_tests::endpoint::*;
use okta_eventhooks_tests::fixtures::new_hook;
use okta_eventhooks_tests::http;
use okta_eventhooks_tests::secrets::TOKEN;

fn uuids(envelope: &Value) -> Vec<String> {
    envelope["data"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["uuid"].as_str().unwrap().to_owned())
        .collect()
}

/// The uuids of the System Log's events in the order they were written (a polling read).
async fn written_order(emu: &okta_eventhooks_emulator::Emulator) -> Vec<String> {
    let events: Vec<Value> = http::client()
        .get(format!("{}/api/v1/logs?limit=1000", emu.url()))
        .header("Authorization", ssws())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    events
        .iter()
        .map(|e| e["uuid"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn duplicates_repeat_the_event_id_and_uuids_in_a_later_post() {
    let emu = start().await;
    let client = client(&emu);
    let endpoint = endpoint().await;
    verified_hook(
        &client,
        &new_hook("dupes", &endpoint.uri(), &["user.session.start"]),
    )
    .await;
    let request =
        FireRequest::new("user.session.start", 20).chaos(Chaos::default().duplicate_percent(25));
    let summary = emu.fire_with(request).await.unwrap();
    let hook = &summary.hooks[0];
    assert_eq!((hook.delivered, hook.duplicated, hook.requests), (20, 5, 2));

    let posts = envelopes(&endpoint).await;
    assert_eq!(posts.len(), 2);
    assert_eq!(
        posts[1]["eventId"], posts[0]["eventId"],
        "the same delivery again"
    );
    let first = uuids(&posts[0]);
    let again = uuids(&posts[1]);
    assert_eq!(again.len(), 5);
    // Every fourth event (an exact share, not a random one), each as it was.
    assert_eq!(again, [3, 7, 11, 15, 19].map(|i| first[i].clone()));
    let events = posts[0]["data"]["events"].as_array().unwrap();
    for event in posts[1]["data"]["events"].as_array().unwrap() {
        assert!(events.contains(event));
    }
    let records: Vec<_> = emu
        .deliveries()
        .into_iter()
        .filter(|r| r.kind == DeliveryKind::Delivery)
        .collect();
    assert_eq!(records.len(), 2);
    assert!(!records[0].duplicate && records[1].duplicate);
    emu.shutdown().await;
}

#[tokio::test]
async fn the_sdk_receiver_drops_the_duplicates_by_event_id() {
    let emu = start().await;
    let okta = client(&emu);
    let (receiver, mut inbox) = Receiver::builder().path("/hook").build().unwrap();
    let running = receiver.serve("127.0.0.1:0").await.unwrap();
    let hook = EventHook::builder("deduping receiver")
        .channel(Channel::https(running.url()).unwrap())
        .events(Events::types([
            "user.session.start",
            "user.lifecycle.create",
        ]))
        .build()
        .unwrap();
    let id = okta.create_event_hook(&hook).await.unwrap().id.unwrap();
    okta.verify_event_hook(&id).await.unwrap();
    let request = FireRequest::new("user.session.start", 10)
        .and("user.lifecycle.create", 10)
        .chaos(Chaos::default().duplicate_percent(50));
    let summary = emu.fire_with(request).await.unwrap();
    assert_eq!(summary.hooks[0].duplicated, 10);
    let stats = running.shutdown().await.unwrap();
    assert_eq!(
        (stats.deliveries, stats.duplicates, stats.events),
        (1, 1, 20)
    );
    let delivery = inbox.try_recv().unwrap();
    assert_eq!(delivery.data.events.len(), 20);
    assert!(
        inbox.try_recv().is_err(),
        "the duplicate never reaches user code"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn reordered_events_arrive_out_of_published_order() {
    let emu = start().await;
    let client = client(&emu);
    let endpoint = endpoint().await;
    let types = ["user.session.start", "user.session.end"];
    verified_hook(&client, &new_hook("reorder", &endpoint.uri(), &types)).await;
    let request = FireRequest::new(types[0], 10)
        .and(types[1], 10)
        .chaos(Chaos::default().reorder(true));
    emu.fire_with(request).await.unwrap();
    let posts = envelopes(&endpoint).await;
    assert_eq!(posts.len(), 1);
    let delivered = uuids(&posts[0]);
    // The order they happened in is the System Log's (`published`, which a burst shares, then
    // the order of writing).
    let happened = written_order(&emu).await;
    assert_ne!(delivered, happened, "not in the order they happened");
    // Every event is still there once.
    let mut sorted = delivered.clone();
    sorted.sort();
    let mut expected = happened.clone();
    expected.sort();
    assert_eq!(sorted, expected);
    assert_eq!(sorted.iter().collect::<HashSet<_>>().len(), 20);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_delay_holds_every_post_and_counts_against_the_deadline() {
    let emu = builder().max_batch(1).start("127.0.0.1:0").await.unwrap();
    let client = client(&emu);
    let endpoint = endpoint().await;
    verified_hook(
        &client,
        &new_hook("slowly", &endpoint.uri(), &["user.session.start"]),
    )
    .await;
    let delay = Duration::from_millis(300);
    let started = Instant::now();
    let summary = emu
        .fire_with(FireRequest::new("user.session.start", 2).chaos(Chaos::default().delay(delay)))
        .await
        .unwrap();
    assert!(started.elapsed() >= delay * 2, "{:?}", started.elapsed());
    assert_eq!(summary.delivered(), 2);
    // A deadline shorter than the delay: nothing is delivered, and the summary says so.
    let request = FireRequest::new("user.session.start", 2)
        .chaos(Chaos::default().delay(delay))
        .timeout(Duration::from_millis(100));
    let summary = emu.fire_with(request).await.unwrap();
    assert!(summary.deadline_exceeded);
    // The second window is made (fired, in the System Log) while the first is delivered;
    // neither reaches the hook.
    assert_eq!(summary.fired, 2);
    assert_eq!(summary.hooks[0].unfinished, 2);
    assert_eq!(summary.hooks[0].delivered, 0);
    assert_eq!(received(&endpoint, "POST").await.len(), 2);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_slow_verify_answers_after_the_hook_has_answered() {
    let emu = start().await;
    let client = client(&emu);
    let endpoint = endpoint().await;
    let control = ControlClient::new(emu.url(), TOKEN).unwrap();
    let delay = Duration::from_millis(600);
    control
        .set_chaos(&Chaos::default().verify_delay(delay))
        .await
        .unwrap();
    let hook = new_hook("slow verify", &endpoint.uri(), &["user.session.start"]);
    let id = client.create_event_hook(&hook).await.unwrap().id.unwrap();
    let started = Instant::now();
    let verifying = {
        let client = client.clone();
        let id = id.clone();
        tokio::spawn(async move { client.verify_event_hook(&id).await })
    };
    while received(&endpoint, "GET").await.is_empty() {
        assert!(started.elapsed() < delay, "the challenge came late");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The hook answered; the call has not: the hook still reads UNVERIFIED.
    let meanwhile = client.get_event_hook(&id).await.unwrap();
    assert_eq!(
        meanwhile.verification_status,
        Some(EventHookVerificationStatus::Unverified)
    );
    let verified = verifying.await.unwrap().unwrap();
    assert!(started.elapsed() >= delay);
    assert_eq!(
        verified.verification_status,
        Some(EventHookVerificationStatus::Verified)
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn chaos_is_off_by_default_bounded_standing_or_per_fire_and_reset() {
    let emu = start().await;
    let client = client(&emu);
    let endpoint = endpoint().await;
    verified_hook(
        &client,
        &new_hook("standing", &endpoint.uri(), &["user.session.start"]),
    )
    .await;
    let url = format!("{}/emulator/chaos", emu.url());
    let chaos = || async {
        http::client()
            .get(&url)
            .header("Authorization", ssws())
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    let none = json!({"duplicatePercent": 0, "reorder": false, "delayMs": 0, "verifyDelayMs": 0});
    assert_eq!(chaos().await, none);
    // Nothing set: one POST, in order, no duplicate.
    let summary = emu.fire("user.session.start", 4).await.unwrap();
    assert_eq!(
        (summary.hooks[0].requests, summary.hooks[0].duplicated),
        (1, 0)
    );
    let posts = envelopes(&endpoint).await;
    let published: Vec<&str> = posts[0]["data"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["published"].as_str().unwrap())
        .collect();
    assert!(published.windows(2).all(|w| w[0] <= w[1]), "{published:?}");
    assert_eq!(uuids(&posts[0]), written_order(&emu).await, "in order");

    // Out of bounds: refused, nothing changes.
    for bad in [
        json!({"duplicatePercent": 101}),
        json!({"delayMs": 60_001}),
        json!({"verifyDelayMs": 3_600_000}),
        json!({"reorder": "yes"}),
        json!({"duplicates": 5}),
    ] {
        let response = http::client()
            .post(&url)
            .header("Authorization", ssws())
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errorCode"], "E0000003");
    }
    assert_eq!(chaos().await, none);
    let control = ControlClient::new(emu.url(), TOKEN).unwrap();
    let err = control
        .fire(
            &FireRequest::new("user.session.start", 1)
                .chaos(Chaos::default().duplicate_percent(200)),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("chaos"), "{err}");

    // Standing chaos applies to every fire, unless a fire brings its own.
    let response = http::client()
        .post(&url)
        .header("Authorization", ssws())
        .json(&json!({"duplicatePercent": 100}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let summary = emu.fire("user.session.start", 2).await.unwrap();
    assert_eq!(summary.hooks[0].duplicated, 2);
    let own = FireRequest::new("user.session.start", 2).chaos(Chaos::default());
    assert_eq!(emu.fire_with(own).await.unwrap().hooks[0].duplicated, 0);
    emu.reset().await.unwrap();
    assert_eq!(chaos().await, none);
    emu.shutdown().await;
}
