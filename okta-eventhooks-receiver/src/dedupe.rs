//! Drops repeated deliveries: Okta delivers at least once and repeats `eventId` on a retry.
//!
//! What is remembered is bounded three ways: by time (the window), by count and by bytes; the
//! oldest ids are forgotten first. An id longer than [`MAX_EVENT_ID_BYTES`] is not remembered
//! at all, so a sender cannot fill the memory with a few huge ids; its repeats are handed over
//! again, which at-least-once receivers must handle anyway.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest `eventId` remembered, in bytes. Okta's are 36-character UUIDs.
pub const MAX_EVENT_ID_BYTES: usize = 128;

/// Longest key remembered: an `eventId` of [`MAX_EVENT_ID_BYTES`] under the store's longest
/// prefix (`delivery:`; see `dedupe_store`).
pub(crate) const MAX_KEY_BYTES: usize = MAX_EVENT_ID_BYTES + "delivery:".len();

/// What one remembered id costs besides its bytes: its map slot, its queue slot and the
/// shared string's counters (an estimate; it keeps the byte bound honest for short ids).
const ENTRY_OVERHEAD_BYTES: usize = 64;

/// The `eventId`s seen within the last `window`, oldest first, bounded by `max_entries` and
/// `max_bytes`.
#[derive(Debug)]
pub(crate) struct Dedupe {
    window: Duration,
    max_entries: usize,
    max_bytes: usize,
    /// The cost of what `order` holds (each id once, shared with `seen`).
    bytes: usize,
    seen: HashMap<Arc<str>, Instant>,
    order: VecDeque<(Instant, Arc<str>)>,
}

/// What happened to an id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sighting {
    /// Not seen within the window: hand the delivery over.
    First,
    /// Seen within the window: a repeat to drop.
    Repeat,
    /// Too long to remember: hand it over, and its repeats too.
    NotRemembered,
}

impl Dedupe {
    pub(crate) fn new(window: Duration, max_entries: usize, max_bytes: usize) -> Self {
        Self {
            window,
            max_entries,
            max_bytes,
            bytes: 0,
            seen: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Records `id` and says whether it is new within the window. A zero window, count or
    /// byte budget turns de-duplication off.
    pub(crate) fn sighting(&mut self, id: &str, now: Instant) -> Sighting {
        let cost = id.len() + ENTRY_OVERHEAD_BYTES;
        if self.window.is_zero() || self.max_entries == 0 || cost > self.max_bytes {
            return Sighting::First;
        }
        if id.len() > MAX_KEY_BYTES {
            return Sighting::NotRemembered;
        }
        self.expire(now);
        if self.seen.contains_key(id) {
            return Sighting::Repeat;
        }
        while self.seen.len() >= self.max_entries || self.bytes + cost > self.max_bytes {
            if !self.pop_oldest() {
                break;
            }
        }
        let id: Arc<str> = id.into();
        self.seen.insert(Arc::clone(&id), now);
        self.order.push_back((now, id));
        self.bytes += cost;
        Sighting::First
    }

    /// Forgets `id` again (the delivery was not handed over, so Okta's retry must get through).
    pub(crate) fn forget(&mut self, id: &str) {
        // The queue entry stays (and keeps its cost); `expire` skips entries whose time no
        // longer matches.
        self.seen.remove(id);
    }

    fn expire(&mut self, now: Instant) {
        while let Some((at, _)) = self.order.front() {
            if now.saturating_duration_since(*at) < self.window {
                break;
            }
            self.pop_oldest();
        }
    }

    /// Removes the oldest queue entry (and its id, if the entry is still current).
    fn pop_oldest(&mut self) -> bool {
        let Some((at, id)) = self.order.pop_front() else {
            return false;
        };
        self.bytes -= id.len() + ENTRY_OVERHEAD_BYTES;
        if self.seen.get(&id) == Some(&at) {
            self.seen.remove(&id);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_inside_the_window_are_dropped_and_later_ones_pass() {
        let t0 = Instant::now();
        let mut d = Dedupe::new(Duration::from_secs(60), 100, 1 << 20);
        assert_eq!(d.sighting("a", t0), Sighting::First);
        assert_eq!(
            d.sighting("a", t0 + Duration::from_secs(59)),
            Sighting::Repeat
        );
        assert_eq!(
            d.sighting("b", t0 + Duration::from_secs(59)),
            Sighting::First
        );
        assert_eq!(
            d.sighting("a", t0 + Duration::from_secs(60)),
            Sighting::First
        );
        assert_eq!(
            d.sighting("b", t0 + Duration::from_secs(61)),
            Sighting::Repeat
        );
    }

    #[test]
    fn capacity_evicts_the_oldest() {
        let t0 = Instant::now();
        let mut d = Dedupe::new(Duration::from_secs(60), 2, 1 << 20);
        assert_eq!(d.sighting("a", t0), Sighting::First);
        assert_eq!(d.sighting("b", t0), Sighting::First);
        assert_eq!(d.sighting("c", t0), Sighting::First);
        assert_eq!(d.sighting("a", t0), Sighting::First, "a was evicted by c");
        assert_eq!(d.sighting("c", t0), Sighting::Repeat);
        assert!(d.seen.len() <= 2 && d.order.len() <= 2);
    }

    #[test]
    fn forgotten_ids_pass_again_and_stale_queue_entries_do_not_evict_them() {
        let t0 = Instant::now();
        let mut d = Dedupe::new(Duration::from_secs(60), 100, 1 << 20);
        assert_eq!(d.sighting("a", t0), Sighting::First);
        d.forget("a");
        let t1 = t0 + Duration::from_secs(30);
        assert_eq!(d.sighting("a", t1), Sighting::First);
        // The stale entry from t0 expires at t0+60 without removing the t1 sighting.
        assert_eq!(
            d.sighting("a", t0 + Duration::from_secs(61)),
            Sighting::Repeat
        );
        assert_eq!(
            d.sighting("a", t1 + Duration::from_secs(60)),
            Sighting::First
        );
    }

    #[test]
    fn zero_window_turns_it_off() {
        let t0 = Instant::now();
        let mut d = Dedupe::new(Duration::ZERO, 100, 1 << 20);
        assert_eq!(d.sighting("a", t0), Sighting::First);
        assert_eq!(d.sighting("a", t0), Sighting::First);
    }

    #[test]
    fn bytes_bound_what_is_remembered() {
        let t0 = Instant::now();
        // Room for two 10-byte ids and their bookkeeping, not three.
        let budget = 2 * (10 + ENTRY_OVERHEAD_BYTES);
        let mut d = Dedupe::new(Duration::from_secs(60), 100, budget);
        assert_eq!(d.sighting("aaaaaaaaaa", t0), Sighting::First);
        assert_eq!(d.sighting("bbbbbbbbbb", t0), Sighting::First);
        assert_eq!(d.sighting("cccccccccc", t0), Sighting::First);
        assert!(d.bytes <= budget && d.seen.len() == 2, "{d:?}");
        assert_eq!(d.sighting("aaaaaaaaaa", t0), Sighting::First, "evicted");
        assert_eq!(d.sighting("cccccccccc", t0), Sighting::Repeat);
    }

    #[test]
    fn ids_over_the_length_limit_are_never_remembered() {
        let t0 = Instant::now();
        let mut d = Dedupe::new(Duration::from_secs(60), 100, 1 << 20);
        let long = "x".repeat(MAX_KEY_BYTES + 1);
        assert_eq!(d.sighting(&long, t0), Sighting::NotRemembered);
        assert_eq!(d.sighting(&long, t0), Sighting::NotRemembered);
        assert!(d.seen.is_empty() && d.order.is_empty() && d.bytes == 0);
        let longest = "y".repeat(MAX_KEY_BYTES);
        assert_eq!(d.sighting(&longest, t0), Sighting::First);
        assert_eq!(d.sighting(&longest, t0), Sighting::Repeat);
    }

    #[test]
    fn expiry_and_eviction_give_back_the_bytes() {
        let t0 = Instant::now();
        let mut d = Dedupe::new(Duration::from_secs(60), 2, 1 << 20);
        for id in ["a", "b", "c", "d"] {
            d.sighting(id, t0);
        }
        assert_eq!(d.bytes, 2 * (1 + ENTRY_OVERHEAD_BYTES));
        d.sighting("e", t0 + Duration::from_secs(61));
        assert_eq!(d.bytes, 1 + ENTRY_OVERHEAD_BYTES);
    }
}
