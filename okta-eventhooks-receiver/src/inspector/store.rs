//! The bounded record store: the last [`MAX_RECORDS`] calls within [`MAX_BYTES`], the oldest
//! dropped first. Recording takes one short lock (never held across an await) and wakes the
//! page's live streams, if any, without serialising anything.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use http::HeaderName;
use tokio::sync::Notify;

use super::record::{Call, Record};

/// Calls kept at most.
pub const MAX_RECORDS: usize = 1_000;
/// Bytes kept at most (bodies, headers and bookkeeping).
pub const MAX_BYTES: usize = 64 * 1024 * 1024;

/// The records and their bounds.
#[derive(Debug)]
pub(crate) struct Store {
    inner: Mutex<Inner>,
    max_records: usize,
    max_bytes: usize,
    /// The newest record's id, read by the live streams.
    latest: AtomicU64,
    /// Wakes the live streams; with none waiting it costs an atomic read.
    changed: Notify,
}

#[derive(Debug, Default)]
struct Inner {
    records: VecDeque<Arc<Record>>,
    bytes: usize,
    next_id: u64,
    dropped: u64,
}

/// How full the store is, for the page.
#[derive(Clone, Copy, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Fill {
    pub(crate) kept: usize,
    pub(crate) dropped: u64,
    pub(crate) bytes: usize,
    pub(crate) max_records: usize,
    pub(crate) max_bytes: usize,
}

impl Store {
    pub(crate) fn new(max_records: usize, max_bytes: usize) -> Self {
        Self {
            inner: Mutex::default(),
            max_records: max_records.max(1),
            max_bytes,
            latest: AtomicU64::new(0),
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves consistent data (every change is
        // one push or pop), so the records stay usable.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Keeps `call` (masked), dropping the oldest records beyond the bounds; its id.
    pub(crate) fn push(&self, call: Call, also_mask: &[HeaderName]) -> u64 {
        let mut inner = self.lock();
        inner.next_id += 1;
        let id = inner.next_id;
        let mut record = Record::new(id, call, also_mask);
        if record.cost() > self.max_bytes {
            // One body larger than the whole store: keep the row, not the body.
            record = record.without_body(self.max_bytes);
        }
        inner.bytes += record.cost();
        inner.records.push_back(Arc::new(record));
        while inner.records.len() > self.max_records
            || (inner.bytes > self.max_bytes && inner.records.len() > 1)
        {
            let Some(oldest) = inner.records.pop_front() else {
                break;
            };
            inner.bytes -= oldest.cost();
            inner.dropped += 1;
        }
        drop(inner);
        self.latest.store(id, Ordering::Release);
        self.changed.notify_waiters();
        id
    }

    /// Every record kept, oldest first (a copy of the pointers: the lock is let go at once).
    pub(crate) fn all(&self) -> Vec<Arc<Record>> {
        self.lock().records.iter().cloned().collect()
    }

    pub(crate) fn get(&self, id: u64) -> Option<Arc<Record>> {
        let inner = self.lock();
        let first = inner.records.front()?.id();
        let index = usize::try_from(id.checked_sub(first)?).ok()?;
        inner.records.get(index).cloned()
    }

    pub(crate) fn fill(&self) -> Fill {
        let inner = self.lock();
        Fill {
            kept: inner.records.len(),
            dropped: inner.dropped,
            bytes: inner.bytes,
            max_records: self.max_records,
            max_bytes: self.max_bytes,
        }
    }

    pub(crate) fn latest(&self) -> u64 {
        self.latest.load(Ordering::Acquire)
    }

    /// Completes at the next record (create it before reading [`latest`](Self::latest)).
    pub(crate) fn changed(&self) -> tokio::sync::futures::Notified<'_> {
        self.changed.notified()
    }
}

/// Duplicate marks for `records` (oldest first): for each, whether its `eventId` and how many
/// of its events' `uuid`s were acknowledged earlier. Derived here, when the page asks.
pub(crate) fn duplicate_marks(records: &[Arc<Record>]) -> Vec<(bool, usize)> {
    let mut event_ids: HashSet<&str> = HashSet::new();
    let mut uuids: HashSet<&str> = HashSet::new();
    records
        .iter()
        .map(|record| {
            let derived = record.derived();
            let duplicate = derived
                .event_id
                .as_deref()
                .is_some_and(|id| event_ids.contains(id));
            let seen = derived
                .uuids
                .iter()
                .filter(|u| uuids.contains(u.as_str()))
                .count();
            if record.acknowledged() && record.kind() == "delivery" {
                event_ids.extend(derived.event_id.as_deref());
                uuids.extend(derived.uuids.iter().map(String::as_str));
            }
            (duplicate, seen)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use axum::body::Bytes;
    use http::Method;

    use super::*;

    fn call(body: &'static str, status: u16) -> Call {
        let mut call = Call::new(Method::POST, "/");
        call.body = Bytes::from_static(body.as_bytes());
        call.status = Some(status);
        call
    }

    #[test]
    fn the_oldest_are_dropped_first_by_count_and_by_bytes() {
        let store = Store::new(3, MAX_BYTES);
        for _ in 0..5 {
            store.push(call("{}", 200), &[]);
        }
        let ids: Vec<u64> = store.all().iter().map(|r| r.id()).collect();
        assert_eq!(ids, [3, 4, 5]);
        assert_eq!(store.fill().dropped, 2);
        assert!(store.get(2).is_none() && store.get(4).is_some() && store.get(9).is_none());

        let body: &'static str = Box::leak("x".repeat(4000).into_boxed_str());
        let store = Store::new(1000, 10_000);
        for _ in 0..5 {
            store.push(call(body, 200), &[]);
        }
        let fill = store.fill();
        assert_eq!(fill.kept, 2, "{fill:?}");
        assert!(fill.bytes <= 10_000);
        // A body larger than the whole store keeps its row, not its body.
        let huge: &'static str = Box::leak("y".repeat(20_000).into_boxed_str());
        let id = store.push(call(huge, 200), &[]);
        let record = store.get(id).unwrap();
        assert!(record.call().body.is_empty());
        assert!(record.call().error.as_deref().unwrap().contains("not kept"));
    }

    #[test]
    fn duplicates_are_marked_against_earlier_acknowledged_deliveries() {
        let a = r#"{"eventId":"e1","data":{"events":[{"uuid":"u1"},{"uuid":"u2"}]}}"#;
        let b = r#"{"eventId":"e2","data":{"events":[{"uuid":"u2"},{"uuid":"u3"}]}}"#;
        let store = Store::new(10, MAX_BYTES);
        store.push(call(a, 503), &[]);
        store.push(call(a, 200), &[]);
        store.push(call(a, 200), &[]);
        store.push(call(b, 200), &[]);
        let marks = duplicate_marks(&store.all());
        assert_eq!(marks, [(false, 0), (false, 0), (true, 2), (false, 1)]);
    }
}
