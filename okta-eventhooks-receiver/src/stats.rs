//! Counters of what the receiver answered, shared by the handlers and the caller.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds, in seconds, of the delivery-duration histogram's buckets: fine below
/// Okta's 3 s timeout, where a relay's answers fall, and the timeout itself.
pub(crate) const DURATION_BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 3.0,
];

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
    /// How long deliveries took to answer: one count per bucket (not cumulative; the last
    /// is beyond every bound), the sum in microseconds.
    pub(crate) duration_buckets: [AtomicU64; DURATION_BUCKETS.len() + 1],
    pub(crate) duration_micros: AtomicU64,
}

impl Counters {
    /// Counts one answered delivery in the duration histogram: a few comparisons and two
    /// atomic adds, nothing shared but the counters.
    pub(crate) fn observe(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        let bucket = DURATION_BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(DURATION_BUCKETS.len());
        Self::bump(&self.duration_buckets[bucket], 1);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        Self::bump(&self.duration_micros, micros);
    }

    /// The histogram as the encoder takes it: the sum in seconds, the count, and each
    /// bucket's own count by its bound (`f64::MAX` is the encoder's `+Inf`).
    pub(crate) fn durations(&self) -> (f64, u64, Vec<(f64, u64)>) {
        let buckets: Vec<(f64, u64)> = DURATION_BUCKETS
            .iter()
            .chain(std::iter::once(&f64::MAX))
            .zip(&self.duration_buckets)
            .map(|(bound, count)| (*bound, count.load(Ordering::Relaxed)))
            .collect();
        let count = buckets.iter().map(|(_, n)| n).sum();
        let sum = self.duration_micros.load(Ordering::Relaxed) as f64 / 1e6;
        (sum, count, buckets)
    }

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
