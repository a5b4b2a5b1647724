//! Chaos for receivers' own tests: what Okta's at-least-once, best-effort delivery can do to a
//! receiver, on demand. Set for every fire (`POST /emulator/chaos`) or for one
//! ([`FireRequest::chaos`](crate::FireRequest)); with nothing set, deliveries are as without
//! it. Every knob is bounded.
//!
//! - `duplicatePercent`: that share of delivered events is POSTed again, in a later POST that
//!   repeats the first one's `eventId` (events keep their `uuid`): the duplicates of one POST's
//!   events travel together, right after the POSTs of their window. The share is exact, not
//!   random: each event adds the percentage to a per-hook counter and is sent again when it
//!   reaches 100, so 25 sends every fourth event twice.
//! - `reorder`: the events due to a hook in one window are shuffled before they are split into
//!   POSTs, so they arrive out of the order they happened (the System Log's order: `published`,
//!   which the events of a burst share, then the order of writing; never in order, when there
//!   are two or more).
//! - `delayMs`: every delivery POST waits this long before it is sent (within the fire's
//!   deadline).
//! - `verifyDelayMs`: a verify call waits this long after the hook answered the challenge
//!   before it records the result and answers, so the hook has answered while the hook still
//!   reads `UNVERIFIED` (a standing setting only).

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The longest chaos delay (`delayMs`, `verifyDelayMs`).
pub const MAX_CHAOS_DELAY: Duration = Duration::from_secs(60);

/// What chaos to apply; the default is none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Chaos {
    /// Percentage (0-100) of delivered events sent a second time.
    pub duplicate_percent: u8,
    /// Deliver each window's events out of order.
    pub reorder: bool,
    /// Wait before every delivery POST, in milliseconds (at most [`MAX_CHAOS_DELAY`]).
    pub delay_ms: u64,
    /// Wait before answering a verify call, in milliseconds (at most [`MAX_CHAOS_DELAY`]).
    pub verify_delay_ms: u64,
}

impl Chaos {
    /// Whether every knob is within its bounds.
    pub fn acceptable(&self) -> bool {
        let max = MAX_CHAOS_DELAY.as_millis();
        self.duplicate_percent <= 100
            && u128::from(self.delay_ms) <= max
            && u128::from(self.verify_delay_ms) <= max
    }

    /// Why it is not acceptable, for an error answer.
    pub(crate) fn bounds() -> String {
        format!(
            "expected {{\"duplicatePercent\": 0..100, \"reorder\": true|false, \"delayMs\": 0..{max}, \"verifyDelayMs\": 0..{max}}}",
            max = MAX_CHAOS_DELAY.as_millis()
        )
    }

    /// Sends `percent` of the events again.
    #[must_use]
    pub fn duplicate_percent(mut self, percent: u8) -> Self {
        self.duplicate_percent = percent;
        self
    }

    /// Delivers each window's events out of order.
    #[must_use]
    pub fn reorder(mut self, reorder: bool) -> Self {
        self.reorder = reorder;
        self
    }

    /// Waits `delay` before every delivery POST.
    #[must_use]
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay_ms = millis(delay);
        self
    }

    /// Waits `delay` before answering a verify call.
    #[must_use]
    pub fn verify_delay(mut self, delay: Duration) -> Self {
        self.verify_delay_ms = millis(delay);
        self
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The standing chaos (`/emulator/chaos`).
#[derive(Default)]
pub(crate) struct ChaosState(Mutex<Chaos>);

impl ChaosState {
    pub(crate) fn set(&self, chaos: Chaos) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = chaos;
    }

    pub(crate) fn get(&self) -> Chaos {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Picks the events to send again: each adds `percent` to `counter`; an event whose turn
/// brings it to 100 is picked (and 100 taken off).
pub(crate) fn pick_duplicates<T: Copy>(items: &[T], percent: u8, counter: &mut u32) -> Vec<T> {
    let mut picked = Vec::new();
    for item in items {
        *counter += u32::from(percent);
        if *counter >= 100 {
            *counter -= 100;
            picked.push(*item);
        }
    }
    picked
}

/// Shuffles `items` (Fisher-Yates on the OS's random source) and makes sure the order changed
/// when there are two or more.
pub(crate) fn shuffle<T: Copy>(items: &mut [T]) {
    let n = items.len();
    if n < 2 {
        return;
    }
    let mut order: Vec<usize> = (0..n).collect();
    let mut random = vec![0u8; n * 4];
    okta_eventhooks::ids::random_bytes(&mut random);
    for i in (1..n).rev() {
        let r = u32::from_le_bytes([
            random[i * 4],
            random[i * 4 + 1],
            random[i * 4 + 2],
            random[i * 4 + 3],
        ]);
        let j = usize::try_from(r).unwrap_or_default() % (i + 1);
        order.swap(i, j);
    }
    if order.iter().enumerate().all(|(i, o)| i == *o) {
        order.swap(0, 1);
    }
    let original = items.to_vec();
    for (slot, from) in items.iter_mut().zip(order) {
        *slot = original[from];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_duplicate_share_is_exact() {
        let items: Vec<usize> = (0..20).collect();
        let mut counter = 0;
        assert_eq!(
            pick_duplicates(&items, 25, &mut counter),
            [3, 7, 11, 15, 19]
        );
        let mut counter = 0;
        assert_eq!(pick_duplicates(&items, 100, &mut counter).len(), 20);
        let mut counter = 0;
        assert!(pick_duplicates(&items, 0, &mut counter).is_empty());
        // The counter carries over: 30% of 5 + 5 events is 3.
        let mut counter = 0;
        let first = pick_duplicates(&items[..5], 30, &mut counter).len();
        let second = pick_duplicates(&items[..5], 30, &mut counter).len();
        assert_eq!(first + second, 3);
    }

    #[test]
    fn a_shuffle_is_a_permutation_never_the_same_order() {
        for n in 2..40 {
            let mut items: Vec<usize> = (0..n).collect();
            shuffle(&mut items);
            assert_ne!(items, (0..n).collect::<Vec<_>>());
            let mut sorted = items.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..n).collect::<Vec<_>>());
        }
        let mut one = [7];
        shuffle(&mut one);
        assert_eq!(one, [7]);
    }

    #[test]
    fn bounds() {
        assert!(Chaos::default().acceptable());
        assert!(Chaos::default().duplicate_percent(100).acceptable());
        assert!(!Chaos::default().duplicate_percent(101).acceptable());
        assert!(!Chaos::default().delay(MAX_CHAOS_DELAY * 2).acceptable());
        assert!(
            !Chaos::default()
                .verify_delay(MAX_CHAOS_DELAY * 2)
                .acceptable()
        );
    }
}
