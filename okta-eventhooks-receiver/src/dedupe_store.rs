//! Where de-duplication remembers what it has seen: the extension point ([`DedupeStore`]),
//! the in-memory store used by default, and how a delivery is screened with it.
//!
//! Two kinds of repeat are dropped: a delivery whose envelope `eventId` was seen (Okta's
//! retry), and an event whose `uuid` was seen (a re-batched or replayed event comes in a new
//! delivery with a new `eventId` but the same `uuid`; see section 9 of the fact sheet). The
//! in-memory store only knows what this process saw; a shared store (a JetStream key-value
//! bucket, in the relay crate) drops repeats across every replica of a receiver.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use crate::dedupe::{Dedupe, Sighting};
use crate::sink::BoxError;
use crate::stats::Counters;
use okta_eventhooks::events::Delivery;
use okta_eventhooks::sink::Incoming;

/// The future a [`DedupeStore`] returns.
pub type DedupeFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where de-duplication remembers what it has seen, for a while (the store's window).
///
/// Two kinds of repeat are dropped: a delivery whose envelope `eventId` was seen (Okta's
/// retry), and an event whose `uuid` was seen (a re-batched or replayed event comes in a new
/// delivery with a new `eventId`). The default store is this process's memory; a shared one
/// (`KvDedupe` in the relay crate, a JetStream key-value bucket) drops repeats across every
/// replica of a receiver. When a store fails, the delivery is handed over as new.
///
/// Keys are `delivery:<eventId>` and `event:<uuid>` (any text: a store that needs another
/// alphabet encodes them itself). A delivery is screened in two calls: its `eventId` key
/// alone, then, only when that was new, its events' keys (so that of two replicas given the
/// same delivery at once, the one that loses the `eventId` records none of its events).
pub trait DedupeStore: Send + Sync + 'static {
    /// Records every key and says, for each in order, whether it was new (not seen within the
    /// store's window). Recording and checking must be one atomic step per key, so that two
    /// replicas seeing the same key at once do not both get `true`.
    fn first_sightings<'a>(
        &'a self,
        keys: &'a [String],
    ) -> DedupeFuture<'a, Result<Vec<bool>, BoxError>>;

    /// Forgets the keys again: their delivery was refused with 503, so Okta's retry must get
    /// through.
    fn forget<'a>(&'a self, keys: &'a [String]) -> DedupeFuture<'a, ()>;
}

/// The store a receiver uses (a `Debug` wrapper: stores need not implement it).
#[derive(Clone)]
pub(crate) struct SharedStore(pub(crate) Arc<dyn DedupeStore>);

impl std::fmt::Debug for SharedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DedupeStore(..)")
    }
}

/// The default store: this process's memory, bounded in time, entries and bytes (a key too
/// long to remember counts as new every time).
#[derive(Debug)]
pub(crate) struct MemoryStore(Mutex<Dedupe>);

impl MemoryStore {
    pub(crate) fn new(dedupe: Dedupe) -> Self {
        Self(Mutex::new(dedupe))
    }

    fn dedupe(&self) -> std::sync::MutexGuard<'_, Dedupe> {
        // The lock is never held across an await; a panic while holding it cannot leave the
        // map half-updated in a way that matters, so a poisoned lock is simply reused.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl DedupeStore for MemoryStore {
    fn first_sightings<'a>(
        &'a self,
        keys: &'a [String],
    ) -> DedupeFuture<'a, Result<Vec<bool>, BoxError>> {
        let now = Instant::now();
        let mut dedupe = self.dedupe();
        let fresh = keys
            .iter()
            .map(|key| dedupe.sighting(key, now) != Sighting::Repeat)
            .collect();
        Box::pin(std::future::ready(Ok(fresh)))
    }

    fn forget<'a>(&'a self, keys: &'a [String]) -> DedupeFuture<'a, ()> {
        let mut dedupe = self.dedupe();
        for key in keys {
            dedupe.forget(key);
        }
        Box::pin(std::future::ready(()))
    }
}

/// The key of a delivery's `eventId`.
fn delivery_key(event_id: &str) -> String {
    format!("delivery:{event_id}")
}

/// The key of an event's `uuid`.
fn event_key(uuid: &str) -> String {
    format!("event:{uuid}")
}

/// What de-duplication reads of a delivery and trims from it: the typed [`Delivery`] of
/// [`build`](crate::ReceiverBuilder::build), or the [`Incoming`] delivery of
/// [`build_incoming`](crate::ReceiverBuilder::build_incoming).
pub(crate) trait Screened {
    /// The envelope's `eventId`.
    fn event_id(&self) -> Option<&str>;
    /// Each event's `uuid`, in order.
    fn uuids(&self) -> impl Iterator<Item = Option<&str>>;
    /// How many events it holds.
    fn event_count(&self) -> usize;
    /// Keeps the events for which `keep` says so (called once per event, in order).
    fn retain_events(&mut self, keep: impl FnMut(Option<&str>) -> bool);
}

impl Screened for Delivery {
    fn event_id(&self) -> Option<&str> {
        self.event_id.as_deref()
    }

    fn uuids(&self) -> impl Iterator<Item = Option<&str>> {
        self.data.events.iter().map(|e| e.uuid.as_deref())
    }

    fn event_count(&self) -> usize {
        self.data.events.len()
    }

    fn retain_events(&mut self, mut keep: impl FnMut(Option<&str>) -> bool) {
        self.data.events.retain(|e| keep(e.uuid.as_deref()));
    }
}

impl Screened for Incoming {
    fn event_id(&self) -> Option<&str> {
        self.event_id.as_deref()
    }

    fn uuids(&self) -> impl Iterator<Item = Option<&str>> {
        self.events.iter().map(|e| e.uuid.as_deref())
    }

    fn event_count(&self) -> usize {
        self.events.len()
    }

    fn retain_events(&mut self, mut keep: impl FnMut(Option<&str>) -> bool) {
        self.events.retain(|e| keep(e.uuid.as_deref()));
    }
}

/// The keys a delivery records: its `eventId`, then each event's `uuid` (empty ones skipped).
fn keys(delivery: &impl Screened) -> Vec<String> {
    delivery
        .event_id()
        .map(delivery_key)
        .into_iter()
        .chain(event_keys(delivery))
        .collect()
}

/// The keys of a delivery's events: each `uuid`, empty ones skipped.
fn event_keys(delivery: &impl Screened) -> impl Iterator<Item = String> {
    delivery
        .uuids()
        .filter_map(|uuid| uuid.filter(|u| !u.is_empty()).map(event_key))
}

/// Records `keys` and says which were new; `None` when the store failed (logged).
async fn first_sightings(store: &dyn DedupeStore, keys: &[String]) -> Option<Vec<bool>> {
    match store.first_sightings(keys).await {
        Ok(fresh) if fresh.len() == keys.len() => Some(fresh),
        Ok(_) | Err(_) => {
            tracing::warn!("the de-duplication store failed: the delivery is handed over as new");
            None
        }
    }
}

/// Drops what was already seen: `None` when the whole delivery is a repeat (its `eventId`, or
/// every one of its events), otherwise the delivery with only its new events. When the store
/// fails, everything counts as new: a duplicate is better than a lost event.
///
/// The `eventId` is recorded first and on its own; only the replica that records it first goes
/// on to record the `uuid`s. Were they recorded together, two replicas given the same delivery
/// at once could split its keys: one wins the `eventId` and a `uuid`, the other the second
/// `uuid`, so the first drops that event as already seen and the second drops the whole
/// delivery as a retry, and the event is acknowledged twice and handed over by neither.
pub(crate) async fn screen<D: Screened>(
    store: &dyn DedupeStore,
    counters: &Counters,
    mut delivery: D,
) -> Option<D> {
    if let Some(event_id) = delivery.event_id() {
        let Some(fresh) = first_sightings(store, &[delivery_key(event_id)]).await else {
            return Some(delivery);
        };
        if fresh == [false] {
            Counters::bump(&counters.duplicates, 1);
            tracing::debug!(
                event_id = delivery.event_id(),
                "duplicate event hook delivery dropped"
            );
            return None;
        }
    }
    let keys: Vec<String> = event_keys(&delivery).collect();
    if keys.is_empty() {
        return Some(delivery);
    }
    let Some(fresh) = first_sightings(store, &keys).await else {
        return Some(delivery);
    };
    let mut fresh = fresh.into_iter();
    let before = delivery.event_count();
    delivery.retain_events(|uuid| match uuid {
        Some(uuid) if !uuid.is_empty() => fresh.next().unwrap_or(true),
        _ => true,
    });
    let repeated = (before - delivery.event_count()) as u64;
    if repeated > 0 {
        Counters::bump(&counters.duplicate_events, repeated);
        tracing::debug!(repeated, "events already received (same uuid) dropped");
    }
    if before > 0 && delivery.event_count() == 0 {
        Counters::bump(&counters.duplicates, 1);
        return None;
    }
    Some(delivery)
}

/// Forgets a delivery's ids when dropped armed: a wait for room in the queue that is abandoned
/// (the caller hung up, so the handler is dropped mid-wait) must not leave its ids remembered,
/// or Okta's retry would be acknowledged as a duplicate of a delivery never handed over.
pub(crate) struct ForgetIfAbandoned(Option<(SharedStore, Vec<String>)>);

impl ForgetIfAbandoned {
    pub(crate) fn new(store: &SharedStore, delivery: &impl Screened) -> Self {
        Self(Some((store.clone(), keys(delivery))))
    }

    /// The wait ended (either way): whoever waited decides what to forget.
    pub(crate) fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for ForgetIfAbandoned {
    fn drop(&mut self) {
        if let Some((store, keys)) = self.0.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move { store.0.forget(&keys).await });
        }
    }
}

/// Forgets what [`screen`] recorded for a delivery that was then refused.
pub(crate) async fn forget(store: &dyn DedupeStore, delivery: &impl Screened) {
    store.forget(&keys(delivery)).await;
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn delivery(event_id: &str, uuids: &[&str]) -> Delivery {
        let events: Vec<_> = uuids
            .iter()
            .map(|u| serde_json::json!({"uuid": u}))
            .collect();
        serde_json::from_value(serde_json::json!({"eventId": event_id, "data": {"events": events}}))
            .unwrap()
    }

    fn uuids(delivery: &Delivery) -> Vec<&str> {
        delivery
            .data
            .events
            .iter()
            .map(|e| e.uuid.as_deref().unwrap())
            .collect()
    }

    #[tokio::test]
    async fn repeated_deliveries_and_repeated_events_are_dropped() {
        let store = MemoryStore::new(Dedupe::new(Duration::from_secs(60), 100, 1 << 20));
        let counters = Counters::default();
        let first = screen(&store, &counters, delivery("d1", &["a", "b"]))
            .await
            .unwrap();
        assert_eq!(uuids(&first), ["a", "b"]);
        // Okta's retry: same eventId.
        assert!(
            screen(&store, &counters, delivery("d1", &["a", "b"]))
                .await
                .is_none()
        );
        // Re-batched: a new eventId, one old event and one new.
        let rebatched = screen(&store, &counters, delivery("d2", &["b", "c"]))
            .await
            .unwrap();
        assert_eq!(uuids(&rebatched), ["c"]);
        // Nothing new at all.
        assert!(
            screen(&store, &counters, delivery("d3", &["a", "c"]))
                .await
                .is_none()
        );
        let stats = counters.snapshot();
        assert_eq!((stats.duplicates, stats.duplicate_events), (2, 3));
    }

    /// The deliveries of `build_incoming` are screened alike, and keep their events' JSON.
    #[tokio::test]
    async fn deliveries_as_sent_are_screened_alike() {
        let store = MemoryStore::new(Dedupe::new(Duration::from_secs(60), 100, 1 << 20));
        let counters = Counters::default();
        let incoming = |event_id: &str, uuids: &[&str]| {
            let events: Vec<_> = uuids
                .iter()
                .map(|u| serde_json::json!({"uuid": u}))
                .collect();
            let body = serde_json::json!({"eventId": event_id, "data": {"events": events}});
            Incoming::parse(serde_json::to_vec(&body).unwrap().into()).unwrap()
        };
        let first = screen(&store, &counters, incoming("d1", &["a", "b"])).await;
        assert_eq!(first.unwrap().events.len(), 2);
        assert!(
            screen(&store, &counters, incoming("d1", &["a", "b"]))
                .await
                .is_none()
        );
        let rebatched = screen(&store, &counters, incoming("d2", &["b", "c"]))
            .await
            .unwrap();
        assert_eq!(rebatched.events.len(), 1);
        assert_eq!(rebatched.events[0].json, r#"{"uuid":"c"}"#);
        forget(&store, &rebatched).await;
        // Forgotten: d2's own id and c; b stays remembered.
        let again = screen(&store, &counters, incoming("d2", &["b", "c"]))
            .await
            .unwrap();
        assert_eq!(again.events.len(), 1);
        let stats = counters.snapshot();
        assert_eq!((stats.duplicates, stats.duplicate_events), (1, 2));
    }

    /// Two replicas given one delivery at once: the one that finds its `eventId` taken must
    /// record none of its `uuid`s, or an event the winner found taken by it would be lost.
    #[tokio::test]
    async fn the_replica_that_loses_the_event_id_records_no_uuid() {
        let store = MemoryStore::new(Dedupe::new(Duration::from_secs(60), 100, 1 << 20));
        let counters = Counters::default();
        // The other replica has recorded the eventId and is about to record the uuids.
        let taken = store.first_sightings(&[delivery_key("d1")]).await.unwrap();
        assert_eq!(taken, [true]);
        assert!(
            screen(&store, &counters, delivery("d1", &["a", "b"]))
                .await
                .is_none()
        );
        // So both uuids are still the winner's to record.
        let winner = store
            .first_sightings(&[event_key("a"), event_key("b")])
            .await
            .unwrap();
        assert_eq!(winner, [true, true]);
        assert_eq!(counters.snapshot().duplicates, 1);
    }

    #[tokio::test]
    async fn a_forgotten_delivery_passes_again() {
        let store = MemoryStore::new(Dedupe::new(Duration::from_secs(60), 100, 1 << 20));
        let counters = Counters::default();
        let refused = screen(&store, &counters, delivery("d1", &["a"]))
            .await
            .unwrap();
        forget(&store, &refused).await;
        assert!(
            screen(&store, &counters, delivery("d1", &["a"]))
                .await
                .is_some()
        );
    }

    #[tokio::test]
    async fn a_failing_store_lets_everything_through() {
        struct Broken;
        impl DedupeStore for Broken {
            fn first_sightings<'a>(
                &'a self,
                _: &'a [String],
            ) -> DedupeFuture<'a, Result<Vec<bool>, BoxError>> {
                Box::pin(std::future::ready(Err("down".into())))
            }
            fn forget<'a>(&'a self, _: &'a [String]) -> DedupeFuture<'a, ()> {
                Box::pin(std::future::ready(()))
            }
        }
        let counters = Counters::default();
        let passed = screen(&Broken, &counters, delivery("d1", &["a"]))
            .await
            .unwrap();
        assert_eq!(uuids(&passed), ["a"]);
        // Deliveries without eventId or uuid never ask the store.
        assert!(
            screen(&Broken, &counters, Delivery::default())
                .await
                .is_some()
        );
    }
}
