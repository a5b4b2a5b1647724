//! Drops repeated deliveries: Okta delivers at least once and repeats `eventId` on a retry.
//!
//! What is remembered is bounded three ways: by time (the window), by count and by bytes; the
//! oldest ids are forgotten first. An id longer than [`MAX_EVENT_ID_BYTES`] is not remembered
//! at all, so a sender cannot fill the memory with a few huge ids; its repeats are handed over
//! again, which at-least-once receivers must handle anyway.
//!
//! The ids are kept in a few generations, oldest first, and new ones go into the newest. A
//! generation is closed once it holds its share of the count or bytes ([`GENERATIONS`] share
//! the bounds) or once it is a third of the window old, and the oldest generation is dropped
//! whole when the bounds are reached (or when every id in it is past the window). Under a
//! steady flood that keeps the store full, an insert then costs one map insert, and every
//! quarter of the capacity one generation is freed at once, instead of one eviction per insert
//! (issue 22); in exchange, a full store remembers between three quarters of its count (or
//! bytes) and all of it. Within the window and those bounds, an id is caught whichever
//! generation holds it: each lookup asks them all, newest first.
//!
//! An id is kept as a 128-bit fingerprint (two keyed SipHash digests, keys drawn per store
//! from the operating system's randomness), so an insert allocates nothing and a generation is
//! freed in one piece; two different ids share a fingerprint with a chance of about 2^-128 per
//! pair, far below any failure of the machine. The byte bound still counts each id's length
//! plus [`ENTRY_OVERHEAD_BYTES`], as the documented settings say, which is more than an entry
//! takes.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::time::{Duration, Instant};

/// Longest `eventId` remembered, in bytes. Okta's are 36-character UUIDs.
pub const MAX_EVENT_ID_BYTES: usize = 128;

/// Longest key remembered: an `eventId` of [`MAX_EVENT_ID_BYTES`] under the store's longest
/// prefix (`delivery:`; see `dedupe_store`).
pub(crate) const MAX_KEY_BYTES: usize = MAX_EVENT_ID_BYTES + "delivery:".len();

/// What one remembered id is charged besides its bytes (an estimate of its map slot; the
/// fingerprint, the time and the table's spare room take less), so that the byte bound holds
/// for short ids too.
const ENTRY_OVERHEAD_BYTES: usize = 64;

/// How many generations share the count and byte bounds: the most a full store forgets at
/// once is one of them.
const GENERATIONS: usize = 4;

/// A key's fingerprint: the map key of a remembered id.
type Fingerprint = u128;

/// The map of one generation: fingerprints are already keyed hashes, so the table uses their
/// low bits as they are instead of hashing them again.
type IdMap = HashMap<Fingerprint, Instant, BuildHasherDefault<FingerprintHasher>>;

/// Hashes a [`Fingerprint`] to its low 64 bits.
#[derive(Default)]
struct FingerprintHasher(u64);

impl Hasher for FingerprintHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u128` is called for a fingerprint; any other input is still hashed.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u128(&mut self, value: u128) {
        self.0 = value as u64;
    }
}

/// The ids first seen between `started` and the next generation's start.
#[derive(Debug)]
struct Generation {
    ids: IdMap,
    /// What its ids are charged (see [`ENTRY_OVERHEAD_BYTES`]).
    bytes: usize,
    started: Instant,
    /// The last time an id went in: once that is past the window, so is every id in it.
    newest: Instant,
}

impl Generation {
    fn new(now: Instant) -> Self {
        Self {
            ids: IdMap::default(),
            bytes: 0,
            started: now,
            newest: now,
        }
    }
}

/// The `eventId`s seen within the last `window`, in generations (oldest first), bounded by
/// `max_entries` and `max_bytes`.
#[derive(Debug)]
pub(crate) struct Dedupe {
    window: Duration,
    max_entries: usize,
    max_bytes: usize,
    generations: VecDeque<Generation>,
    /// Ids held by all generations, and what they are charged.
    entries: usize,
    bytes: usize,
    keys: (RandomState, RandomState),
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
            generations: VecDeque::new(),
            entries: 0,
            bytes: 0,
            keys: (RandomState::new(), RandomState::new()),
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
        let fingerprint = self.fingerprint(id);
        // The newest generation holding the id has its last sighting.
        let last = self
            .generations
            .iter()
            .rev()
            .find_map(|generation| generation.ids.get(&fingerprint));
        if last.is_some_and(|at| now.saturating_duration_since(*at) < self.window) {
            return Sighting::Repeat;
        }
        self.insert(fingerprint, cost, now);
        Sighting::First
    }

    /// Forgets `id` again (the delivery was not handed over, so Okta's retry must get through).
    pub(crate) fn forget(&mut self, id: &str) {
        if id.len() > MAX_KEY_BYTES {
            return;
        }
        let cost = id.len() + ENTRY_OVERHEAD_BYTES;
        let fingerprint = self.fingerprint(id);
        for generation in &mut self.generations {
            if generation.ids.remove(&fingerprint).is_some() {
                generation.bytes -= cost;
                self.entries -= 1;
                self.bytes -= cost;
            }
        }
    }

    fn fingerprint(&self, id: &str) -> Fingerprint {
        let (high, low) = (self.keys.0.hash_one(id), self.keys.1.hash_one(id));
        (Fingerprint::from(high) << 64) | Fingerprint::from(low)
    }

    /// Puts an id in the newest generation, opening a new one when that is full or old, and
    /// dropping the oldest ones while the bounds would be passed.
    fn insert(&mut self, fingerprint: Fingerprint, cost: usize, now: Instant) {
        let share_entries = (self.max_entries / GENERATIONS).max(1);
        let share_bytes = (self.max_bytes / GENERATIONS).max(1);
        // Closed after a third of the window, so that the oldest of four generations is
        // dropped (when a fifth opens) only once its ids are a whole window old.
        let lifetime = self.window / (GENERATIONS as u32 - 1);
        let open_new = self.generations.back().is_none_or(|newest| {
            newest.ids.len() >= share_entries
                || (newest.bytes + cost > share_bytes && !newest.ids.is_empty())
                || now.saturating_duration_since(newest.started) >= lifetime
        });
        if open_new {
            self.generations.push_back(Generation::new(now));
        }
        while self.generations.len() > 1
            && (self.entries >= self.max_entries || self.bytes + cost > self.max_bytes)
        {
            self.drop_oldest();
        }
        let Some(newest) = self.generations.back_mut() else {
            return;
        };
        newest.newest = now;
        // A stale sighting in this generation is replaced (its charge stays).
        if newest.ids.insert(fingerprint, now).is_none() {
            newest.bytes += cost;
            self.entries += 1;
            self.bytes += cost;
        }
    }

    /// Drops the generations whose every id is past the window.
    fn expire(&mut self, now: Instant) {
        while self
            .generations
            .front()
            .is_some_and(|oldest| now.saturating_duration_since(oldest.newest) >= self.window)
        {
            self.drop_oldest();
        }
    }

    fn drop_oldest(&mut self) {
        if let Some(oldest) = self.generations.pop_front() {
            self.entries -= oldest.ids.len();
            self.bytes -= oldest.bytes;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The invariants: the totals are the generations' sums, and within the bounds.
    fn check_bounds(d: &Dedupe) {
        let entries: usize = d.generations.iter().map(|g| g.ids.len()).sum();
        let bytes: usize = d.generations.iter().map(|g| g.bytes).sum();
        assert_eq!((d.entries, d.bytes), (entries, bytes));
        assert!(
            d.entries <= d.max_entries && d.bytes <= d.max_bytes,
            "{d:?}"
        );
    }

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
        assert!(d.entries <= 2);
        check_bounds(&d);
    }

    #[test]
    fn forgotten_ids_pass_again_and_give_back_their_room() {
        let t0 = Instant::now();
        let mut d = Dedupe::new(Duration::from_secs(60), 100, 1 << 20);
        assert_eq!(d.sighting("a", t0), Sighting::First);
        d.forget("a");
        assert_eq!((d.entries, d.bytes), (0, 0));
        let t1 = t0 + Duration::from_secs(30);
        assert_eq!(d.sighting("a", t1), Sighting::First);
        assert_eq!(
            d.sighting("a", t0 + Duration::from_secs(61)),
            Sighting::Repeat
        );
        assert_eq!(
            d.sighting("a", t1 + Duration::from_secs(60)),
            Sighting::First
        );
        check_bounds(&d);
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
        assert!(d.bytes <= budget && d.entries == 2, "{d:?}");
        assert_eq!(d.sighting("aaaaaaaaaa", t0), Sighting::First, "evicted");
        assert_eq!(d.sighting("cccccccccc", t0), Sighting::Repeat);
        check_bounds(&d);
    }

    #[test]
    fn ids_over_the_length_limit_are_never_remembered() {
        let t0 = Instant::now();
        let mut d = Dedupe::new(Duration::from_secs(60), 100, 1 << 20);
        let long = "x".repeat(MAX_KEY_BYTES + 1);
        assert_eq!(d.sighting(&long, t0), Sighting::NotRemembered);
        assert_eq!(d.sighting(&long, t0), Sighting::NotRemembered);
        assert!(d.generations.is_empty() && d.entries == 0 && d.bytes == 0);
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
        check_bounds(&d);
    }

    /// Issue 22: a full store under a steady flood forgets a generation (a quarter of its
    /// count) at a time, not one id per insert, and always remembers the newest three quarters.
    #[test]
    fn a_full_store_forgets_a_generation_at_a_time() {
        let t0 = Instant::now();
        let mut d = Dedupe::new(Duration::from_secs(3600), 100, 1 << 20);
        let mut drops = Vec::new();
        for n in 0..1000 {
            let before = d.entries;
            assert_eq!(d.sighting(&format!("event:{n}"), t0), Sighting::First);
            check_bounds(&d);
            if d.entries <= before {
                drops.push(before + 1 - d.entries);
            }
            // The newest 75 ids are all still caught.
            for back in 0..75.min(n + 1) {
                let id = format!("event:{}", n - back);
                assert_eq!(d.sighting(&id, t0), Sighting::Repeat, "{id} after {n}");
            }
        }
        // 900 ids past the first 100, dropped 25 at a time: 36 drops, none of a single id.
        assert_eq!(drops.len(), 36, "{drops:?}");
        assert!(drops.iter().all(|&dropped| dropped == 25), "{drops:?}");
    }

    /// A generation that is closed (full, or a third of the window old) still catches its ids
    /// until they are a window old.
    #[test]
    fn repeats_are_caught_across_generations_up_to_the_window() {
        let t0 = Instant::now();
        let window = Duration::from_secs(60);
        let mut d = Dedupe::new(window, 1000, 1 << 20);
        assert_eq!(d.sighting("a", t0), Sighting::First);
        // A new generation opens every 20 s (a third of the window).
        for (n, secs) in [19, 20, 39, 40, 59].into_iter().enumerate() {
            let at = t0 + Duration::from_secs(secs);
            assert_eq!(d.sighting(&format!("filler{n}"), at), Sighting::First);
            assert_eq!(d.sighting("a", at), Sighting::Repeat, "at {secs} s");
        }
        assert!(d.generations.len() >= 3, "{d:?}");
        assert_eq!(d.sighting("a", t0 + window), Sighting::First);
        // Generations closed by count: 8 ids, 2 per generation, 6 always remembered.
        let mut d = Dedupe::new(window, 8, 1 << 20);
        for n in 0..6 {
            assert_eq!(d.sighting(&format!("id{n}"), t0), Sighting::First);
        }
        for n in 0..6 {
            assert_eq!(d.sighting(&format!("id{n}"), t0), Sighting::Repeat, "id{n}");
        }
        check_bounds(&d);
    }

    /// Idle generations are freed once their ids are past the window, without new inserts
    /// having to push them out.
    #[test]
    fn generations_past_the_window_are_freed_whole() {
        let t0 = Instant::now();
        let mut d = Dedupe::new(Duration::from_secs(60), 1000, 1 << 20);
        for n in 0..300 {
            d.sighting(&n.to_string(), t0 + Duration::from_millis(n * 100));
        }
        assert!(d.generations.len() >= 2, "{}", d.generations.len());
        d.sighting("late", t0 + Duration::from_secs(30 + 60));
        assert_eq!(d.entries, 1, "{d:?}");
        check_bounds(&d);
    }

    /// Any mix of id lengths, forgets and repeats stays within the count and the bytes.
    #[test]
    fn mixed_floods_stay_bounded() {
        let t0 = Instant::now();
        let mut d = Dedupe::new(Duration::from_secs(60), 37, 3000);
        for n in 0..5000u64 {
            let id = "k".repeat((n % 97) as usize) + &n.to_string();
            let at = t0 + Duration::from_millis(n * 7);
            d.sighting(&id, at);
            if n % 11 == 0 {
                d.forget(&id);
            }
            if n % 5 == 0 {
                d.sighting(&id, at);
            }
            check_bounds(&d);
        }
    }
}
