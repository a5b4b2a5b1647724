//! The receiver's de-duplication shared through a JetStream key-value bucket (a real
//! `nats-server`): two receivers, as two replicas behind a load balancer, drop each other's
//! repeats, by envelope `eventId` and by event `uuid`. And the default in-memory store drops
//! re-batched events by `uuid` too. Ignored with the reason when `nats-server` is missing,
//! failing under CI.

use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc;

use okta_eventhooks::events::Delivery;
use okta_eventhooks_receiver::{Receiver, RunningReceiver};
use okta_eventhooks_relay::{Error, KvDedupe, NatsServers};
use okta_eventhooks_tests::fixtures::delivery;
use okta_eventhooks_tests::http::post_delivery;
use okta_eventhooks_tests::nats::NatsServer;
use okta_eventhooks_tests::secrets::HOOK_SECRET;

const WINDOW: Duration = Duration::from_secs(3600);

async fn replica(
    store: Option<KvDedupe>,
    capacity: usize,
) -> (RunningReceiver, mpsc::Receiver<Delivery>) {
    let mut builder = Receiver::builder()
        .path("/hook")
        .auth_header("Authorization", HOOK_SECRET)
        .channel_capacity(capacity);
    if let Some(store) = store {
        builder = builder.dedupe_store(store);
    }
    let (receiver, inbox) = builder.build().unwrap();
    (receiver.serve("127.0.0.1:0").await.unwrap(), inbox)
}

async fn post(to: &RunningReceiver, body: &serde_json::Value) -> u16 {
    post_delivery(&to.url(), Some(HOOK_SECRET), body.to_string())
        .await
        .status()
        .as_u16()
}

fn uuids(delivery: &Delivery) -> Vec<String> {
    delivery
        .data
        .events
        .iter()
        .map(|e| e.uuid.as_deref().unwrap().to_owned())
        .collect()
}

async fn store(nats: &NatsServer, window: Duration) -> Result<KvDedupe, Error> {
    let client = NatsServers::new([nats.url()])
        .unwrap()
        .connect("test")
        .await
        .unwrap();
    KvDedupe::open(
        &async_nats::jetstream::new(client),
        "okta-dedupe",
        window,
        1,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn two_receivers_sharing_a_kv_store_drop_each_others_repeats() {
    let nats = NatsServer::start();
    let (a, mut a_inbox) = replica(Some(store(&nats, WINDOW).await.unwrap()), 16).await;
    let (b, mut b_inbox) = replica(Some(store(&nats, WINDOW).await.unwrap()), 16).await;

    // The same delivery at both replicas at once: exactly one hands it over.
    let first = delivery("kv-1", &["user.session.start", "user.lifecycle.create"]);
    let (to_a, to_b) = tokio::join!(post(&a, &first), post(&b, &first));
    assert_eq!((to_a, to_b), (200, 200));
    let handed: Vec<Delivery> = [a_inbox.try_recv().ok(), b_inbox.try_recv().ok()]
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(handed.len(), 1, "{handed:?}");
    assert_eq!(handed[0].data.events.len(), 2);

    // Re-batched at the other replica: new eventId, one old uuid and one new; only the new
    // event is handed over.
    let mut rebatched = delivery("kv-2", &["user.session.start", "user.account.lock"]);
    rebatched["data"]["events"][0]["uuid"] = json!("uuid-kv-1-user.session.start");
    assert_eq!(post(&b, &rebatched).await, 200);
    assert_eq!(
        uuids(&b_inbox.try_recv().unwrap()),
        ["uuid-kv-2-user.account.lock"]
    );
    assert_eq!(post(&a, &rebatched).await, 200);
    assert!(
        a_inbox.try_recv().is_err(),
        "a repeat of kv-2 at the other replica"
    );

    let (a, b) = (a.stats(), b.stats());
    assert_eq!(a.deliveries + b.deliveries, 2);
    assert_eq!(a.duplicates + b.duplicates, 2);
    assert_eq!(a.duplicate_events + b.duplicate_events, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn a_refused_delivery_is_forgotten_and_entries_expire_with_the_window() {
    let nats = NatsServer::start();
    let window = Duration::from_secs(1);
    // A replica whose queue is full refuses with 503 and forgets what it recorded, so Okta's
    // retry at another replica gets through.
    let (full, _full_inbox) = replica(Some(store(&nats, window).await.unwrap()), 1).await;
    let (other, mut other_inbox) = replica(Some(store(&nats, window).await.unwrap()), 16).await;
    assert_eq!(
        post(&full, &delivery("kv-fill", &["user.session.start"])).await,
        200
    );
    let body = delivery("kv-3", &["user.session.start"]);
    assert_eq!(post(&full, &body).await, 503);
    assert_eq!(post(&other, &body).await, 200);
    assert_eq!(
        uuids(&other_inbox.try_recv().unwrap()),
        ["uuid-kv-3-user.session.start"]
    );

    // After the window the same ids pass again: the bucket does not grow forever.
    assert_eq!(post(&other, &body).await, 200);
    assert!(other_inbox.try_recv().is_err());
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(post(&other, &body).await, 200);
    assert!(
        other_inbox.try_recv().is_ok(),
        "expired entries count as new"
    );

    // A bucket that exists with another window is refused, not silently changed.
    let err = store(&nats, WINDOW).await.unwrap_err();
    assert!(matches!(err, Error::StreamConflict { .. }), "{err:?}");
}

#[tokio::test]
async fn the_default_store_drops_rebatched_events_by_uuid() {
    let (receiver, mut inbox) = replica(None, 16).await;
    assert_eq!(
        post(&receiver, &delivery("m-1", &["a.b", "c.d"])).await,
        200
    );
    let mut rebatched = delivery("m-2", &["a.b", "e.f"]);
    rebatched["data"]["events"][0]["uuid"] = json!("uuid-m-1-a.b");
    assert_eq!(post(&receiver, &rebatched).await, 200);
    assert_eq!(uuids(&inbox.try_recv().unwrap()).len(), 2);
    assert_eq!(uuids(&inbox.try_recv().unwrap()), ["uuid-m-2-e.f"]);
    let stats = receiver.stats();
    assert_eq!(
        (stats.deliveries, stats.events, stats.duplicate_events),
        (2, 3, 1)
    );
}
