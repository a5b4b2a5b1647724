//! Drops repeated deliveries: Okta delivers at least once and repeats `eventId` on a retry.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// The `eventId`s seen within the last `window`, oldest first, bounded by `max_entries`.
#[derive(Debug)]
pub(crate) struct Dedupe {
    window: Duration,
    max_entries: usize,
    seen: HashMap<Box<str>, Instant>,
    order: VecDeque<(Instant, Box<str>)>,
}

impl Dedupe {
    pub(crate) fn new(window: Duration, max_entries: usize) -> Self {
        Self {
            window,
            max_entries,
            seen: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Records `id` and says whether it is new within the window. A zero window or zero
    /// capacity turns de-duplication off.
    pub(crate) fn first_sighting(&mut self, id: &str, now: Instant) -> bool {
        if self.window.is_zero() || self.max_entries == 0 {
            return true;
        }
        self.expire(now);
        if self.seen.contains_key(id) {
            return false;
        }
        while self.seen.len() >= self.max_entries {
            if !self.pop_oldest() {
                break;
            }
        }
        let id: Box<str> = id.into();
        self.seen.insert(id.clone(), now);
        self.order.push_back((now, id));
        true
    }

    /// Forgets `id` again (the delivery was not handed over, so Okta's retry must get through).
    pub(crate) fn forget(&mut self, id: &str) {
        // The queue entry stays; `expire` skips entries whose time no longer matches.
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
        let mut d = Dedupe::new(Duration::from_secs(60), 100);
        assert!(d.first_sighting("a", t0));
        assert!(!d.first_sighting("a", t0 + Duration::from_secs(59)));
        assert!(d.first_sighting("b", t0 + Duration::from_secs(59)));
        assert!(d.first_sighting("a", t0 + Duration::from_secs(60)));
        assert!(!d.first_sighting("b", t0 + Duration::from_secs(61)));
    }

    #[test]
    fn capacity_evicts_the_oldest() {
        let t0 = Instant::now();
        let mut d = Dedupe::new(Duration::from_secs(60), 2);
        assert!(d.first_sighting("a", t0));
        assert!(d.first_sighting("b", t0));
        assert!(d.first_sighting("c", t0));
        assert!(d.first_sighting("a", t0), "a was evicted by c");
        assert!(!d.first_sighting("c", t0));
        assert!(d.seen.len() <= 2 && d.order.len() <= 2);
    }

    #[test]
    fn forgotten_ids_pass_again_and_stale_queue_entries_do_not_evict_them() {
        let t0 = Instant::now();
        let mut d = Dedupe::new(Duration::from_secs(60), 100);
        assert!(d.first_sighting("a", t0));
        d.forget("a");
        let t1 = t0 + Duration::from_secs(30);
        assert!(d.first_sighting("a", t1));
        // The stale entry from t0 expires at t0+60 without removing the t1 sighting.
        assert!(!d.first_sighting("a", t0 + Duration::from_secs(61)));
        assert!(d.first_sighting("a", t1 + Duration::from_secs(60)));
    }

    #[test]
    fn zero_window_turns_it_off() {
        let t0 = Instant::now();
        let mut d = Dedupe::new(Duration::ZERO, 100);
        assert!(d.first_sighting("a", t0));
        assert!(d.first_sighting("a", t0));
    }
}
