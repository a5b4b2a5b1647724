//! The relay against real NATS servers (started by the tests on free loopback ports, with
//! temporary storage): Okta (the emulator) → relay → JetStream → typed consumer, and what
//! happens when JetStream is down, restarts, runs as a cluster that loses a node, or gets the
//! same events through two relays; and which stored ids a reconciliation window reads.
//! Ignored with the reason when `nats-server` is missing (see `okta_eventhooks_tests::nats`),
//! failing under CI.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_nats::jetstream;
use futures_util::StreamExt;
use serde_json::{Value, json};

use okta_eventhooks_emulator::Emulator;
use okta_eventhooks_receiver::{Receiver, ReceiverBuilder};
use okta_eventhooks_relay::{
    Error, JetStreamStore, NatsServers, ReceivedEvent, RunningRelay, Storage, StreamSettings,
    consume,
};
use okta_eventhooks_tests::emulator;
use okta_eventhooks_tests::fixtures::delivery;
use okta_eventhooks_tests::http::{self, post_delivery};
use okta_eventhooks_tests::nats::{NatsCluster, NatsServer};
use okta_eventhooks_tests::secrets::HOOK_SECRET;

const STREAM: &str = "OKTA_EVENTS";

/// A relay: the receiver on /okta/events with the hook's secret, given a JetStream store.
async fn relay(servers: &str, settings: StreamSettings) -> RunningRelay {
    relay_with(servers, settings, receiver()).await.1
}

/// The receiver of [`relay`], to be set further.
fn receiver() -> ReceiverBuilder {
    Receiver::builder()
        .path("/okta/events")
        .auth_header("Authorization", HOOK_SECRET)
}

/// A relay given `receiver`, and its store (to read back what it holds).
async fn relay_with(
    servers: &str,
    settings: StreamSettings,
    receiver: ReceiverBuilder,
) -> (JetStreamStore, RunningRelay) {
    let nats = NatsServers::new([servers]).unwrap();
    let store = JetStreamStore::connect(&nats, &settings, None)
        .await
        .unwrap();
    let relay = RunningRelay::start(receiver, store.clone(), "127.0.0.1:0")
        .await
        .unwrap();
    (store, relay)
}

async fn jetstream(servers: &str) -> jetstream::Context {
    jetstream::new(
        NatsServers::new([servers])
            .unwrap()
            .connect("test")
            .await
            .unwrap(),
    )
}

async fn stored(js: &jetstream::Context) -> u64 {
    let mut stream = js.get_stream(STREAM).await.unwrap();
    stream.info().await.unwrap().state.messages
}

/// Reads `expected` events through a new durable consumer, acknowledging each, and checks
/// that no more come.
async fn drain(
    js: &jetstream::Context,
    durable: &str,
    filter: Option<&str>,
    expected: usize,
) -> Vec<ReceivedEvent> {
    let (out, more) = read_events(js, durable, filter, expected).await;
    assert!(more.is_empty(), "more than {expected} events: {more:?}");
    out
}

/// Reads at least `at_least` events through a new durable consumer, acknowledging each, then
/// whatever else comes until it is quiet for half a second: the first `at_least`, the rest.
async fn read_events(
    js: &jetstream::Context,
    durable: &str,
    filter: Option<&str>,
    at_least: usize,
) -> (Vec<ReceivedEvent>, Vec<ReceivedEvent>) {
    let started = Instant::now();
    let mut events = loop {
        // A cluster that just lost a node may still be electing its leaders.
        match consume(js, STREAM, durable, filter).await {
            Ok(events) => break events,
            Err(e) if started.elapsed() > Duration::from_secs(30) => panic!("{e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    };
    let mut out = Vec::new();
    while out.len() < at_least {
        let next = tokio::time::timeout(Duration::from_secs(10), events.next())
            .await
            .unwrap_or_else(|_| panic!("only {} of {at_least} events came", out.len()))
            .unwrap()
            .unwrap();
        next.ack().await.unwrap();
        out.push(next);
    }
    let mut more = Vec::new();
    while let Ok(Some(next)) = tokio::time::timeout(Duration::from_millis(500), events.next()).await
    {
        let next = next.unwrap();
        next.ack().await.unwrap();
        more.push(next);
    }
    (out, more)
}

fn uuids(events: &[ReceivedEvent]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for e in events {
        *counts
            .entry(e.event.uuid.as_deref().unwrap().to_owned())
            .or_default() += 1;
    }
    counts
}

/// An emulator calling `url` (Okta's timeout) with a verified hook; both and the hook id.
async fn okta_calling(url: &str) -> (Emulator, String) {
    let types = [
        "user.session.start",
        "user.lifecycle.create",
        "group.user_membership.add",
    ];
    emulator::okta_calling(url, "relay", &types).await
}

/// Fires one event per call, `fires` times, in the background; counts the calls done.
fn fire_in_background(
    emu: Arc<Emulator>,
    fires: usize,
    done: Arc<AtomicUsize>,
) -> tokio::task::JoinHandle<Vec<(String, bool)>> {
    tokio::spawn(async move {
        let mut outcomes = Vec::new();
        for _ in 0..fires {
            let summary = emu.fire("user.session.start", 1).await.unwrap();
            let logged = emulator::fired_events(&emu, "user.session.start").await;
            let uuid = logged.last().unwrap()["uuid"].as_str().unwrap().to_owned();
            outcomes.push((uuid, summary.delivered() == 1));
            done.fetch_add(1, Ordering::SeqCst);
        }
        outcomes
    })
}

async fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn okta_to_relay_to_stream_to_consumer_every_event_once() {
    let nats = NatsServer::start();
    let relay = relay(&nats.url(), StreamSettings::default()).await;
    let (emu, hook_id) = okta_calling(&relay.url()).await;
    let mut fired: BTreeMap<String, Value> = BTreeMap::new();
    for (event_type, count) in [
        ("user.session.start", 5),
        ("user.lifecycle.create", 3),
        ("group.user_membership.add", 2),
    ] {
        let summary = emu.fire(event_type, count).await.unwrap();
        assert_eq!(summary.delivered(), count, "{event_type}");
        for event in emulator::fired_events(&emu, event_type).await {
            fired.insert(event["uuid"].as_str().unwrap().to_owned(), event);
        }
    }
    let js = jetstream(&nats.url()).await;
    assert_eq!(stored(&js).await, 10);

    let events = drain(&js, "all", None, 10).await;
    assert!(uuids(&events).values().all(|n| *n == 1));
    for received in &events {
        let uuid = received.event.uuid.as_deref().unwrap();
        // The body is the event as Okta sent it: every field, nothing added.
        let raw: Value = serde_json::from_slice(&received.raw).unwrap();
        assert_eq!(&raw, &fired[uuid]);
        let event_type = received.event.event_type.as_deref().unwrap();
        assert_eq!(received.subject, format!("okta.events.{event_type}"));
        assert_eq!(received.event_hook_id.as_deref(), Some(hook_id.as_str()));
        assert_eq!(received.org.as_deref(), Some("127.0.0.1"));
        assert!(received.delivery_event_id.is_some());
        assert_eq!(received.delivered, 1);
    }
    // Acknowledged events do not come again; a filter selects by event type.
    drain(&js, "all", None, 0).await;
    let users = drain(&js, "users", Some("okta.events.user.>"), 8).await;
    assert!(
        users
            .iter()
            .all(|e| e.subject.starts_with("okta.events.user."))
    );

    let stats = relay.shutdown().await.unwrap();
    assert_eq!((stats.receiver.deliveries, stats.receiver.events), (3, 10));
    assert_eq!((stats.published, stats.duplicates), (10, 0));
    assert_eq!(stats.receiver.verifications, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn jetstream_down_answers_503_and_the_retry_after_it_is_back_is_stored_once() {
    let mut nats = NatsServer::start();
    let relay = relay(&nats.url(), StreamSettings::default()).await;
    let body = delivery("down-1", &["user.session.start", "user.account.lock"]).to_string();

    nats.stop();
    let started = Instant::now();
    let refused = post_delivery(&relay.url(), Some(HOOK_SECRET), body.clone()).await;
    assert_eq!(refused.status(), 503);
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_millis(2900),
        "answered in {waited:?}, after Okta's 3 s"
    );
    assert_eq!(relay.stats().receiver.not_stored, 1);

    // Okta's retry, once JetStream is back.
    nats.start_again();
    wait_for("the relay to reconnect", || relay.nats_connected()).await;
    let retried = post_delivery(&relay.url(), Some(HOOK_SECRET), body).await;
    assert_eq!(retried.status(), 200);

    // The refused attempt may have reached the stream after all (the client sends what it
    // queued once reconnected); either way each event is there once.
    let js = jetstream(&nats.url()).await;
    let events = drain(&js, "after-outage", None, 2).await;
    assert_eq!(
        uuids(&events).into_keys().collect::<Vec<_>>(),
        [
            "uuid-down-1-user.account.lock",
            "uuid-down-1-user.session.start"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn server_restarts_mid_run_lose_nothing() {
    let mut nats = NatsServer::start();
    let relay = relay(&nats.url(), StreamSettings::default()).await;
    let (emu, _) = okta_calling(&relay.url()).await;
    let done = Arc::new(AtomicUsize::new(0));
    let firing = fire_in_background(Arc::new(emu), 40, Arc::clone(&done));

    // Stopped as an operator does (SIGTERM), then crashed (SIGKILL); restarted at once each time.
    wait_for("the first deliveries", || done.load(Ordering::SeqCst) >= 10).await;
    tokio::task::block_in_place(|| {
        nats.stop();
        nats.start_again();
    });
    wait_for("more deliveries", || done.load(Ordering::SeqCst) >= 25).await;
    tokio::task::block_in_place(|| {
        nats.kill();
        nats.start_again();
    });
    let outcomes = firing.await.unwrap();

    let lost: Vec<_> = outcomes.iter().filter(|(_, ok)| !ok).collect();
    assert!(lost.is_empty(), "Okta gave up on {lost:?}");
    let js = jetstream(&nats.url()).await;
    let events = drain(&js, "restart", None, 40).await;
    let expected: BTreeSet<_> = outcomes.into_iter().map(|(uuid, _)| uuid).collect();
    assert_eq!(
        uuids(&events).into_keys().collect::<BTreeSet<_>>(),
        expected
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn duplicates_sent_to_two_relay_replicas_are_one_message_each() {
    let nats = NatsServer::start();
    // Both start at once: one creates the stream, the other finds it.
    let url = nats.url();
    let (a, b) = tokio::join!(
        relay(&url, StreamSettings::default()),
        relay(&url, StreamSettings::default())
    );
    let (a_url, b_url) = (a.url(), b.url());
    let types = [
        "user.session.start",
        "user.lifecycle.create",
        "user.account.lock",
    ];
    let first = delivery("dup-1", &types);
    // The same delivery at both replicas at once, then Okta's retry at one of them.
    let (to_a, to_b) = tokio::join!(
        post_delivery(&a_url, Some(HOOK_SECRET), first.to_string()),
        post_delivery(&b_url, Some(HOOK_SECRET), first.to_string())
    );
    assert_eq!((to_a.status().as_u16(), to_b.status().as_u16()), (200, 200));
    let retry = post_delivery(&b.url(), Some(HOOK_SECRET), first.to_string()).await;
    assert_eq!(retry.status(), 200);
    // A re-batched event: new eventId, one old event (same uuid) and one new.
    let mut rebatched = delivery("dup-2", &["user.session.start", "user.mfa.enroll"]);
    rebatched["data"]["events"][0]["uuid"] = json!("uuid-dup-1-user.session.start");
    let again = post_delivery(&a.url(), Some(HOOK_SECRET), rebatched.to_string()).await;
    assert_eq!(again.status(), 200);

    let js = jetstream(&nats.url()).await;
    assert_eq!(stored(&js).await, 4);
    let events = drain(&js, "dedupe", None, 4).await;
    assert!(
        uuids(&events).values().all(|n| *n == 1),
        "{:?}",
        uuids(&events)
    );
    let (a, b) = (a.stats(), b.stats());
    assert_eq!(a.published + b.published, 4);
    assert_eq!(a.duplicates + b.duplicates, 3 + 3 + 1);
}

/// The stream's cluster state, asked of any node that answers.
async fn cluster_state(js: &jetstream::Context) -> Option<jetstream::stream::ClusterInfo> {
    let mut stream = js.get_stream(STREAM).await.ok()?;
    stream.info().await.ok()?.cluster.clone()
}

fn node_index(name: &str) -> usize {
    ["n1", "n2", "n3"]
        .iter()
        .position(|n| *n == name)
        .unwrap_or_else(|| panic!("unexpected node name {name}"))
}

/// Fires `fires` events while `kill` runs once `at` are done; returns what Okta was told.
async fn fire_through(
    emu: &Arc<Emulator>,
    fires: usize,
    at: usize,
    kill: impl FnOnce(),
) -> Vec<(String, bool)> {
    let done = Arc::new(AtomicUsize::new(0));
    let firing = fire_in_background(Arc::clone(emu), fires, Arc::clone(&done));
    wait_for("the first deliveries", || done.load(Ordering::SeqCst) >= at).await;
    tokio::task::block_in_place(kill);
    firing.await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn a_three_node_cluster_keeps_accepting_and_loses_nothing_when_a_node_dies() {
    let mut cluster = NatsCluster::start().await;
    let relay = relay(&cluster.urls(), StreamSettings::default().replicas(3)).await;
    let js = jetstream(&cluster.urls()).await;
    let state = cluster_state(&js).await.expect("a clustered stream");
    assert_eq!(state.replicas.len(), 2, "two followers besides the leader");
    let (emu, _) = okta_calling(&relay.url()).await;
    let emu = Arc::new(emu);

    // A follower dies (kill -9): the leader and the other follower are still a quorum, so
    // every delivery is acknowledged and stored.
    let follower = node_index(&state.replicas[0].name);
    let first = fire_through(&emu, 20, 5, || cluster.nodes[follower].kill()).await;
    let lost: Vec<_> = first.iter().filter(|(_, ok)| !ok).collect();
    assert!(lost.is_empty(), "Okta gave up on {lost:?}");

    // It comes back and catches up; then the stream's leader dies. JetStream elects a new
    // one within seconds; a delivery that meets the election may fail both of Okta's tries,
    // but nothing that was acknowledged is missing and the relay accepts again afterwards.
    tokio::task::block_in_place(|| cluster.nodes[follower].start_again());
    let started = Instant::now();
    let leader = loop {
        if let Some(state) = cluster_state(&js).await
            && state.replicas.iter().all(|p| p.current && !p.offline)
            && let Some(leader) = state.leader
        {
            break leader;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the follower did not catch up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let leader = node_index(&leader);
    let second = fire_through(&emu, 20, 5, || cluster.nodes[leader].kill()).await;
    let given_up = second.iter().filter(|(_, ok)| !ok).count();
    eprintln!(
        "stream leader killed: Okta gave up on {given_up} of 20 deliveries during the election"
    );
    assert!(
        second[15..].iter().all(|(_, ok)| *ok),
        "not accepting after the election: {second:?}"
    );

    let survivors: Vec<String> = cluster
        .nodes
        .iter()
        .filter(|n| n.is_running())
        .map(NatsServer::url)
        .collect();
    let js = jetstream(&survivors.join(",")).await;
    let fired: BTreeSet<String> = first
        .iter()
        .chain(&second)
        .map(|(u, _)| u.clone())
        .collect();
    let acknowledged: BTreeSet<String> = first
        .into_iter()
        .chain(second)
        .filter(|(_, ok)| *ok)
        .map(|(uuid, _)| uuid)
        .collect();
    // A delivery Okta gave up on may still have been stored (its publish was acknowledged
    // after Okta's timeout, or its answer was lost in the election): more than was
    // acknowledged, never less, nothing twice and nothing that was not fired.
    let (mut events, more) = read_events(&js, "cluster", None, acknowledged.len()).await;
    events.extend(more);
    let stored = uuids(&events);
    assert!(stored.values().all(|n| *n == 1), "{stored:?}");
    let stored: BTreeSet<String> = stored.into_keys().collect();
    assert!(stored.is_subset(&fired), "{stored:?} not all fired");
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn bad_auth_oversized_and_malformed_bodies_publish_nothing() {
    let nats = NatsServer::start();
    let memory = StreamSettings::default().storage(Storage::Memory);
    let (_, relay) = relay_with(&nats.url(), memory, receiver().max_body_bytes(4096)).await;
    let url = relay.url();
    let good = delivery("bad-1", &["user.session.start"]).to_string();
    assert_eq!(post_delivery(&url, None, good.clone()).await.status(), 401);
    assert_eq!(
        post_delivery(&url, Some("wrong"), good.clone())
            .await
            .status(),
        401
    );
    let big = delivery("bad-2", &["user.session.start"; 40]).to_string();
    assert!(big.len() > 4096);
    assert_eq!(
        post_delivery(&url, Some(HOOK_SECRET), big).await.status(),
        413
    );
    for malformed in ["{", "[1,2]", r#"{"data":{"events":[1]}}"#, "not json"] {
        let status = post_delivery(&url, Some(HOOK_SECRET), malformed)
            .await
            .status();
        assert_eq!(status, 400, "{malformed}");
    }
    // The verification challenge is answered; it publishes nothing either.
    let challenge = http::client()
        .get(&url)
        .header("X-Okta-Verification-Challenge", "abc")
        .header("Authorization", HOOK_SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(
        challenge.json::<Value>().await.unwrap(),
        json!({"verification": "abc"})
    );

    let js = jetstream(&nats.url()).await;
    assert_eq!(stored(&js).await, 0);
    let stats = relay.stats();
    assert_eq!(stats.published, 0);
    assert_eq!(
        (
            stats.receiver.unauthorized,
            stats.receiver.too_large,
            stats.receiver.malformed
        ),
        (2, 1, 4)
    );
    // The good body still goes through afterwards: the checks were about the input.
    assert_eq!(
        post_delivery(&url, Some(HOOK_SECRET), good).await.status(),
        200
    );
    assert_eq!(stored(&js).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn an_existing_stream_with_other_settings_is_a_clear_error() {
    let nats = NatsServer::start();
    let js = jetstream(&nats.url()).await;
    js.create_stream(jetstream::stream::Config {
        name: STREAM.into(),
        subjects: vec!["audit.>".into()],
        duplicate_window: Duration::from_secs(120),
        ..Default::default()
    })
    .await
    .unwrap();
    let err = JetStreamStore::connect(
        &NatsServers::new([nats.url()]).unwrap(),
        &StreamSettings::default(),
        None,
    )
    .await
    .unwrap_err();
    let Error::StreamConflict {
        stream,
        differences,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(stream, STREAM);
    assert_eq!(differences.len(), 2, "{differences:?}");
    let text = err.to_string();
    assert!(
        text.contains("okta.events.>") && text.contains("duplicate window 2m, asked 24h"),
        "{text}"
    );
    // Asked for what exists, it starts and leaves the stream as it was.
    let settings = StreamSettings::default()
        .subject_prefix("audit")
        .duplicate_window(Duration::from_secs(120));
    let relay = relay(&nats.url(), settings).await;
    relay.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn a_stream_whose_limits_lose_or_refuse_acknowledged_events_is_refused() {
    let nats = NatsServer::start();
    let js = jetstream(&nats.url()).await;
    let servers = NatsServers::new([nats.url()]).unwrap();
    let base = jetstream::stream::Config {
        name: STREAM.into(),
        subjects: vec!["okta.events.>".into()],
        duplicate_window: Duration::from_secs(24 * 60 * 60),
        ..Default::default()
    };
    let refused = |settings: StreamSettings| {
        let servers = servers.clone();
        async move {
            match JetStreamStore::connect(&servers, &settings, None).await {
                Err(Error::StreamLimits { problems, .. }) => problems.join("; "),
                other => panic!("{other:?}"),
            }
        }
    };
    // max_msgs 5, discard old: ten acknowledged deliveries would leave five.
    js.create_stream(jetstream::stream::Config {
        max_messages: 5,
        ..base.clone()
    })
    .await
    .unwrap();
    let text = refused(StreamSettings::default()).await;
    assert!(
        text.contains("max_msgs 5 with discard old")
            && text.contains("nats stream edit OKTA_EVENTS --max-msgs=-1")
            && text.contains("--allow-retention-limits"),
        "{text}"
    );
    // Opened to read back and replay into (`reconcile`), the same stream is refused alike,
    // and accepted when told.
    let existing = |allow| JetStreamStore::existing(js.client(), STREAM, "okta.events", allow);
    match existing(false).await {
        Err(Error::StreamLimits { problems, .. }) => {
            assert!(problems.join("; ").contains("max_msgs 5"), "{problems:?}")
        }
        other => panic!("{:?}", other.map(|_| "opened")),
    }
    existing(true).await.unwrap();
    // Told to accept it, the relay starts, and the stream does what it says.
    let allowed = relay(
        &nats.url(),
        StreamSettings::default().allow_retention_limits(true),
    )
    .await;
    for i in 0..10 {
        let body = delivery(&format!("env-{i}"), &["user.lifecycle.create"]).to_string();
        let response = post_delivery(&allowed.url(), Some(HOOK_SECRET), body).await;
        assert_eq!(response.status(), 200);
    }
    allowed.shutdown().await.unwrap();
    assert_eq!(stored(&js).await, 5);
    // Discard new with a limit: refused even when limits are allowed (every delivery past it
    // would get 503).
    js.update_stream(jetstream::stream::Config {
        max_messages: 5,
        discard: jetstream::stream::DiscardPolicy::New,
        ..base.clone()
    })
    .await
    .unwrap();
    let text = refused(StreamSettings::default().allow_retention_limits(true)).await;
    assert!(text.contains("discard new"), "{text}");
    // A maximum message size below the largest event the relay accepts.
    js.update_stream(jetstream::stream::Config {
        max_message_size: 1024,
        ..base.clone()
    })
    .await
    .unwrap();
    let text = refused(StreamSettings::default()).await;
    assert!(text.contains("max_msg_size 1024"), "{text}");
    // Retention by age is fine.
    js.update_stream(jetstream::stream::Config {
        max_age: Duration::from_secs(7 * 24 * 3600),
        ..base
    })
    .await
    .unwrap();
    let by_age = relay(
        &nats.url(),
        StreamSettings::default().max_age(Duration::from_secs(7 * 24 * 3600)),
    )
    .await;
    by_age.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn bad_events_never_cost_a_good_delivery_under_load() {
    let nats = NatsServer::start();
    let relay = relay(&nats.url(), StreamSettings::default()).await;
    let url = relay.url();
    let until = Instant::now() + Duration::from_secs(3);
    // Eight senders of good deliveries.
    let good: Vec<_> = (0..8)
        .map(|sender| {
            let url = url.clone();
            tokio::spawn(async move {
                let (mut sent, mut not_200) = (0, Vec::new());
                while Instant::now() < until {
                    let body = delivery(&format!("good-{sender}-{sent}"), &["user.session.start"]);
                    let response = post_delivery(&url, Some(HOOK_SECRET), body.to_string()).await;
                    if response.status() != 200 {
                        not_200.push(response.status().as_u16());
                    }
                    sent += 1;
                }
                (sent, not_200)
            })
        })
        .collect();
    // One sender of deliveries that mix a good event with each kind of bad one: a 5,000-byte
    // type (nats-server closes a connection over its 4 KiB control line), a 70 KB uuid, a
    // number as uuid and as type.
    let bad_sender = {
        let url = url.clone();
        tokio::spawn(async move {
            let mut sent = 0;
            while Instant::now() < until {
                let body = json!({
                    "eventType": "com.okta.event_hook",
                    "eventId": format!("bad-{sent}"),
                    "data": {"events": [
                        {"uuid": format!("mixed-good-{sent}"), "eventType": "user.lifecycle.create"},
                        {"uuid": format!("long-type-{sent}"), "eventType": "t".repeat(5000)},
                        {"uuid": "u".repeat(70 * 1024), "eventType": "user.session.start"},
                        {"uuid": sent, "eventType": "user.session.start"},
                        {"uuid": format!("number-type-{sent}"), "eventType": 12},
                    ]}
                });
                let response = post_delivery(&url, Some(HOOK_SECRET), body.to_string()).await;
                assert_eq!(response.status(), 200, "a delivery with bad events");
                sent += 1;
            }
            sent
        })
    };
    let mut good_sent = 0;
    for sender in good {
        let (sent, not_200) = sender.await.unwrap();
        assert!(not_200.is_empty(), "good deliveries answered {not_200:?}");
        good_sent += sent;
    }
    let bad_sent: u64 = bad_sender.await.unwrap();
    assert!(
        good_sent > 50 && bad_sent > 5,
        "{good_sent} good, {bad_sent} bad"
    );
    let stats = relay.shutdown().await.unwrap();
    assert_eq!(stats.receiver.not_stored, 0);
    assert_eq!(stats.receiver.malformed, 0);
    // Every event of every delivery is stored: four of each bad delivery aside.
    let js = jetstream(&nats.url()).await;
    let mut stream = js.get_stream(STREAM).await.unwrap();
    let aside = stream.info().await.unwrap().state.messages;
    assert_eq!(aside, good_sent + bad_sent * 5);
    let invalid = stream
        .get_last_raw_message_by_subject("okta.events._invalid")
        .await
        .unwrap();
    let reason = invalid.headers.get("Okta-Invalid-Reason").unwrap();
    assert_eq!(reason.as_str(), "eventType is not a string");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn the_ids_read_for_a_window_stop_a_quarter_of_an_hour_after_it() {
    use okta_eventhooks::sink::Sink;

    let nats = NatsServer::start();
    let memory = StreamSettings::default().storage(Storage::Memory);
    let (store, relay) = relay_with(&nats.url(), memory, receiver()).await;
    let body = delivery("win-1", &["user.session.start", "user.account.lock"]).to_string();
    assert_eq!(
        post_delivery(&relay.url(), Some(HOOK_SECRET), body)
            .await
            .status(),
        200
    );

    let now = chrono::Utc::now();
    let hours = |h: i64| chrono::TimeDelta::hours(h);
    // A window that ends now: the cut-off is still to come, so everything stored is read.
    let read = store.stored_uuids(now - hours(1), now).await.unwrap();
    assert_eq!(
        read.into_iter().collect::<BTreeSet<_>>(),
        BTreeSet::from([
            "uuid-win-1-user.account.lock".to_owned(),
            "uuid-win-1-user.session.start".to_owned()
        ])
    );
    // A window that ended two hours ago: what was stored now is past its cut-off.
    let read = store
        .stored_uuids(now - hours(3), now - hours(2))
        .await
        .unwrap();
    assert!(read.is_empty(), "{read:?}");
}
