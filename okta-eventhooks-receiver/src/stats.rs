//! Counters of what the receiver answered, shared by the handlers and the caller.

use std::sync::atomic::{AtomicU64, Ordering};

/// What a receiver has answered so far (a snapshot; see [`Receiver::stats`](crate::Receiver::stats)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReceiverStats {
    /// Verification challenges answered.
    pub verifications: u64,
    /// Deliveries acknowledged and handed over.
    pub deliveries: u64,
    /// Events in those deliveries.
    pub events: u64,
    /// Deliveries acknowledged but dropped because their `eventId` was already seen, or
    /// every one of their events was.
    pub duplicates: u64,
    /// Events dropped from deliveries that were handed over, because their `uuid` was already
    /// seen (re-batched or replayed events).
    pub duplicate_events: u64,
    /// Requests refused with 401 (wrong or missing auth header).
    pub unauthorized: u64,
    /// Requests refused with 400 (malformed JSON, missing challenge).
    pub malformed: u64,
    /// Requests refused with 413 (body over the limit).
    pub too_large: u64,
    /// Deliveries refused with 503 because user code was not keeping up (Okta retries once).
    pub overloaded: u64,
    /// Deliveries refused with 503 because the [`Sink`](crate::Sink) failed or missed its
    /// deadline (Okta retries once).
    pub not_stored: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) verifications: AtomicU64,
    pub(crate) deliveries: AtomicU64,
    pub(crate) events: AtomicU64,
    pub(crate) duplicates: AtomicU64,
    pub(crate) duplicate_events: AtomicU64,
    pub(crate) unauthorized: AtomicU64,
    pub(crate) malformed: AtomicU64,
    pub(crate) too_large: AtomicU64,
    pub(crate) overloaded: AtomicU64,
    pub(crate) not_stored: AtomicU64,
}

impl Counters {
    pub(crate) fn bump(counter: &AtomicU64, by: u64) {
        counter.fetch_add(by, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> ReceiverStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ReceiverStats {
            verifications: get(&self.verifications),
            deliveries: get(&self.deliveries),
            events: get(&self.events),
            duplicates: get(&self.duplicates),
            duplicate_events: get(&self.duplicate_events),
            unauthorized: get(&self.unauthorized),
            malformed: get(&self.malformed),
            too_large: get(&self.too_large),
            overloaded: get(&self.overloaded),
            not_stored: get(&self.not_stored),
        }
    }
}
