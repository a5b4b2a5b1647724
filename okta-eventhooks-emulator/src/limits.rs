//! The per-minute rate limit and the injected faults.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The longest injected latency: every API call waits it, so it is bounded like any input.
pub const MAX_FAULT_LATENCY: Duration = Duration::from_secs(60);

/// Okta's windows last one minute and start with the first request (not on the minute).
pub const DEFAULT_RATE_LIMIT_WINDOW: Duration = Duration::from_secs(60);

/// The verdict for one request, and the values of the `X-Rate-Limit-*` headers.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Verdict {
    pub(crate) allowed: bool,
    pub(crate) limit: u32,
    pub(crate) remaining: u32,
    /// UTC epoch seconds at which the window resets.
    pub(crate) reset: u64,
}

struct Window {
    started: Instant,
    reset: u64,
    used: u32,
}

pub(crate) struct RateLimiter {
    limit: u32,
    length: Duration,
    window: Mutex<Option<Window>>,
}

impl RateLimiter {
    pub(crate) fn new(limit: u32, length: Duration) -> Self {
        Self {
            limit,
            length,
            window: Mutex::new(None),
        }
    }

    /// Counts one request.
    pub(crate) fn check(&self) -> Verdict {
        let mut guard = self.window.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let window = match guard.as_mut() {
            Some(w) if now.duration_since(w.started) < self.length => w,
            _ => {
                let epoch = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default();
                // Round up, so that waiting until `reset` always reaches the new window.
                let reset = (epoch + self.length).as_secs() + u64::from(epoch.subsec_nanos() > 0);
                guard.insert(Window {
                    started: now,
                    reset,
                    used: 0,
                })
            }
        };
        let allowed = window.used < self.limit;
        if allowed {
            window.used += 1;
        }
        Verdict {
            allowed,
            limit: self.limit,
            remaining: self.limit - window.used,
            reset: window.reset,
        }
    }

    pub(crate) fn reset(&self) {
        *self.window.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// Faults injected through `POST /emulator/faults`; they apply to `/api/v1/...` calls only.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct Faults {
    /// How many of the next calls fail with `status`.
    pub fail_next: u32,
    /// The status those calls answer (with Okta's error body for it); 500 when unset.
    pub status: Option<u16>,
    /// Extra delay before every call is answered, in milliseconds (until reset).
    pub latency_ms: u64,
}

impl Faults {
    /// Whether the emulator can answer as asked: an injected status is a final one whose
    /// answer carries the Okta error body (200-599 but 204, 205 and 304, which have no body),
    /// and the latency is at most [`MAX_FAULT_LATENCY`].
    pub fn acceptable(&self) -> bool {
        let status_ok = self
            .status
            .is_none_or(|s| (200..=599).contains(&s) && !matches!(s, 204 | 205 | 304));
        status_ok && u128::from(self.latency_ms) <= MAX_FAULT_LATENCY.as_millis()
    }

    /// Fail the next `count` calls with `status`.
    pub fn fail_next(count: u32, status: u16) -> Self {
        Self {
            fail_next: count,
            status: Some(status),
            latency_ms: 0,
        }
    }

    /// Delay every call by `latency`.
    pub fn latency(latency: Duration) -> Self {
        Self {
            latency_ms: u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
            ..Self::default()
        }
    }
}

/// What to do with one call.
pub(crate) struct FaultAction {
    pub(crate) delay: Duration,
    pub(crate) fail_with: Option<u16>,
}

#[derive(Default)]
pub(crate) struct FaultState(Mutex<Faults>);

impl FaultState {
    pub(crate) fn set(&self, faults: Faults) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = faults;
    }

    pub(crate) fn get(&self) -> Faults {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Takes one call's share of the faults.
    pub(crate) fn next(&self) -> FaultAction {
        let mut faults = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let fail_with = (faults.fail_next > 0).then(|| {
            faults.fail_next -= 1;
            faults.status.unwrap_or(500)
        });
        FaultAction {
            delay: Duration::from_millis(faults.latency_ms),
            fail_with,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_counts_down_and_refuses_at_zero() {
        let limiter = RateLimiter::new(2, DEFAULT_RATE_LIMIT_WINDOW);
        let a = limiter.check();
        assert!(a.allowed && a.remaining == 1 && a.limit == 2);
        let b = limiter.check();
        assert!(b.allowed && b.remaining == 0);
        let c = limiter.check();
        assert!(!c.allowed && c.remaining == 0 && c.reset == a.reset);
        limiter.reset();
        assert!(limiter.check().allowed);
    }

    #[test]
    fn faults_are_consumed() {
        let faults = FaultState::default();
        faults.set(Faults::fail_next(1, 503));
        assert_eq!(faults.next().fail_with, Some(503));
        assert_eq!(faults.next().fail_with, None);
    }
}
