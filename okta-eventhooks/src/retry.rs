//! When to try a request again, and how long to wait first: the one place that decides, for
//! API calls and for OAuth token requests alike.
//!
//! [`RetryPolicy::decide`] is a pure function of what happened (the [`Outcome`] of one
//! attempt) and where the call stands (attempt number, time left): it says "retry after this
//! wait" or "stop". The loops that send requests (`transport` for API calls, `auth::oauth`
//! for the token endpoint) only sleep and resend when told to.
//!
//! The rules, Okta's and ours:
//! - 429: the request was not processed, so every method is retried, after the rate-limit
//!   reset (`X-Rate-Limit-Reset`, measured against the response's `Date`, plus one second) or
//!   after a backoff when the reset is not given. A reset further away than `max_backoff`
//!   stops at once: the error carries the reset time instead of the call hanging.
//! - 502, 503, 504 and transport failures: retried with exponential backoff (500 ms doubled per
//!   attempt, 50-100 % jitter, capped by `max_backoff`), but only for idempotent operations,
//!   except a failure to connect, which proves that nothing reached the server.
//! - Never past `max_retries` retries, and never a wait that would end after the deadline.

use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use http::HeaderMap;
use http::header::DATE;

use crate::rate_limit::RateLimit;

/// First wait of the exponential backoff (doubled per retry, capped by `max_backoff`).
const BACKOFF_BASE: Duration = Duration::from_millis(500);

/// How many retries a call may make and how long one wait may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    /// Retries after the first attempt.
    pub(crate) max_retries: u32,
    /// Longest wait before one retry.
    pub(crate) max_backoff: Duration,
}

/// What one attempt came to.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Outcome<'a> {
    /// No response. `connect` when the connection could not even be made.
    Transport { connect: bool },
    /// A response with this status and headers.
    Response {
        status: u16,
        headers: &'a HeaderMap,
        rate_limit: &'a RateLimit,
    },
}

/// Why a retry is made (for logs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    RateLimited,
    ServerError,
    Transport,
}

/// The decision after one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Wait this long, then send again.
    Retry { wait: Duration, reason: Reason },
    /// Return the outcome as it is.
    Stop,
}

/// Where a call stands when an attempt has ended.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Attempt {
    /// 1 for the first attempt; re-sends for authorization do not count.
    pub(crate) number: u32,
    /// Whether sending the request twice is harmless.
    pub(crate) idempotent: bool,
    /// Time left before the call's deadline, if it has one.
    pub(crate) time_left: Option<Duration>,
    /// Where in 50-100 % of the full backoff a wait lands, in `0.0..=1.0`; called only when a
    /// backoff is needed ([`jitter`] in production, a constant in tests).
    pub(crate) jitter: fn() -> f64,
}

impl RetryPolicy {
    /// Whether to send again, and after what wait. Pure: the same input gives the same answer.
    pub(crate) fn decide(&self, attempt: Attempt, outcome: Outcome<'_>) -> Decision {
        if attempt.number > self.max_retries {
            return Decision::Stop;
        }
        let backoff = || self.backoff(attempt.number, (attempt.jitter)());
        let (wait, reason) = match outcome {
            Outcome::Transport { connect } if connect || attempt.idempotent => {
                (backoff(), Reason::Transport)
            }
            Outcome::Response {
                status: 429,
                headers,
                rate_limit,
            } => {
                let wait = wait_for_reset(rate_limit, headers).unwrap_or_else(backoff);
                if wait > self.max_backoff {
                    return Decision::Stop;
                }
                (wait, Reason::RateLimited)
            }
            Outcome::Response {
                status: 502..=504, ..
            } if attempt.idempotent => (backoff(), Reason::ServerError),
            _ => return Decision::Stop,
        };
        if attempt.time_left.is_some_and(|left| wait >= left) {
            return Decision::Stop;
        }
        Decision::Retry { wait, reason }
    }

    /// Exponential backoff: `BACKOFF_BASE * 2^(attempt-1)`, capped by `max_backoff`, of which
    /// 50 % plus `jitter` times 50 % is waited.
    fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let full = BACKOFF_BASE
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.max_backoff);
        full.mul_f64(0.5 + jitter.clamp(0.0, 1.0) / 2.0)
    }
}

/// A fresh jitter value for [`Attempt::jitter`]: a randomly keyed hasher is a good-enough
/// source without another dependency.
pub(crate) fn jitter() -> f64 {
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (random % 1001) as f64 / 1000.0
}

/// How long until the rate-limit window resets: `X-Rate-Limit-Reset` measured against the
/// response's `Date` (so a skewed local clock does not matter), plus one second. `None` when
/// there is no usable reset.
pub(crate) fn wait_for_reset(rate_limit: &RateLimit, headers: &HeaderMap) -> Option<Duration> {
    let reset = rate_limit.reset?;
    let now = server_date(headers).unwrap_or_else(Utc::now);
    let until = (reset - now).to_std().unwrap_or(Duration::ZERO);
    Some(until + Duration::from_secs(1))
}

fn server_date(headers: &HeaderMap) -> Option<DateTime<Utc>> {
    let text = headers.get(DATE)?.to_str().ok()?;
    DateTime::parse_from_rfc2822(text)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// The timer for waits between attempts; replaceable so that tests need not sleep.
type SleepFn = dyn Fn(Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync;

#[derive(Clone)]
pub(crate) struct Sleep(Arc<SleepFn>);

impl Sleep {
    pub(crate) fn new<F, Fut>(f: F) -> Self
    where
        F: Fn(Duration) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Self(Arc::new(move |d| Box::pin(f(d))))
    }

    pub(crate) async fn sleep(&self, wait: Duration) {
        (self.0)(wait).await
    }
}

impl Default for Sleep {
    fn default() -> Self {
        Self::new(tokio::time::sleep)
    }
}

impl std::fmt::Debug for Sleep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sleep")
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    const POLICY: RetryPolicy = RetryPolicy {
        max_retries: 2,
        max_backoff: Duration::from_secs(30),
    };

    fn attempt(number: u32, idempotent: bool) -> Attempt {
        Attempt {
            number,
            idempotent,
            time_left: None,
            jitter: || 1.0,
        }
    }

    fn response<'a>(status: u16, headers: &'a HeaderMap, rate_limit: &'a RateLimit) -> Outcome<'a> {
        Outcome::Response {
            status,
            headers,
            rate_limit,
        }
    }

    fn retry(wait_ms: u64, reason: Reason) -> Decision {
        Decision::Retry {
            wait: Duration::from_millis(wait_ms),
            reason,
        }
    }

    #[test]
    fn the_decision_table() {
        let none = HeaderMap::new();
        let no_limit = RateLimit::default();
        let connect = Outcome::Transport { connect: true };
        let broken = Outcome::Transport { connect: false };
        let cases: [(Attempt, Outcome<'_>, Decision); 12] = [
            // Success and client errors are final.
            (
                attempt(1, true),
                response(200, &none, &no_limit),
                Decision::Stop,
            ),
            (
                attempt(1, true),
                response(404, &none, &no_limit),
                Decision::Stop,
            ),
            (
                attempt(1, true),
                response(500, &none, &no_limit),
                Decision::Stop,
            ),
            // 502-504: backoff, for idempotent operations only.
            (
                attempt(1, true),
                response(503, &none, &no_limit),
                retry(500, Reason::ServerError),
            ),
            (
                attempt(2, true),
                response(502, &none, &no_limit),
                retry(1000, Reason::ServerError),
            ),
            (
                attempt(1, false),
                response(504, &none, &no_limit),
                Decision::Stop,
            ),
            // 429 without a reset: backoff, whatever the method.
            (
                attempt(1, false),
                response(429, &none, &no_limit),
                retry(500, Reason::RateLimited),
            ),
            // Transport: a failed connect is always safe; a broken exchange only when idempotent.
            (attempt(1, false), connect, retry(500, Reason::Transport)),
            (attempt(1, true), broken, retry(500, Reason::Transport)),
            (attempt(1, false), broken, Decision::Stop),
            // The retry budget: attempt 3 is the last of 1 + 2 retries.
            (
                attempt(3, true),
                response(503, &none, &no_limit),
                Decision::Stop,
            ),
            (attempt(3, true), connect, Decision::Stop),
        ];
        for (i, (attempt, outcome, expected)) in cases.into_iter().enumerate() {
            assert_eq!(POLICY.decide(attempt, outcome), expected, "case {i}");
        }
    }

    #[test]
    fn a_429_waits_for_the_reset_by_the_server_clock_or_stops_when_it_is_too_far() {
        let mut headers = HeaderMap::new();
        headers.insert(
            DATE,
            HeaderValue::from_static("Thu, 26 Nov 2026 13:00:00 GMT"),
        );
        let at = |secs: i64| RateLimit {
            reset: DateTime::from_timestamp(
                DateTime::parse_from_rfc2822("Thu, 26 Nov 2026 13:00:00 GMT")
                    .unwrap()
                    .timestamp()
                    + secs,
                0,
            ),
            ..RateLimit::default()
        };
        let soon = at(5);
        assert_eq!(
            POLICY.decide(attempt(1, false), response(429, &headers, &soon)),
            retry(6000, Reason::RateLimited)
        );
        // A reset already past still waits the extra second.
        let past = at(-60);
        assert_eq!(
            wait_for_reset(&past, &headers),
            Some(Duration::from_secs(1))
        );
        // Further away than max_backoff: stop now, the error carries the reset.
        let far = at(120);
        assert_eq!(
            POLICY.decide(attempt(1, true), response(429, &headers, &far)),
            Decision::Stop
        );
    }

    #[test]
    fn no_wait_outlives_the_deadline() {
        let none = HeaderMap::new();
        let no_limit = RateLimit::default();
        let mut tight = attempt(1, true);
        tight.time_left = Some(Duration::from_millis(400));
        assert_eq!(
            POLICY.decide(tight, response(503, &none, &no_limit)),
            Decision::Stop
        );
        tight.time_left = Some(Duration::from_millis(600));
        assert_eq!(
            POLICY.decide(tight, response(503, &none, &no_limit)),
            retry(500, Reason::ServerError)
        );
    }

    #[test]
    fn backoff_grows_is_capped_and_jitter_stays_within_half() {
        let policy = RetryPolicy {
            max_retries: 20,
            max_backoff: Duration::from_secs(3),
        };
        for n in 1..12 {
            let full = BACKOFF_BASE
                .saturating_mul(1 << (n - 1))
                .min(policy.max_backoff);
            assert_eq!(policy.backoff(n, 1.0), full, "attempt {n}");
            assert_eq!(policy.backoff(n, 0.0), full / 2, "attempt {n}");
            let j = jitter();
            assert!((0.0..=1.0).contains(&j));
        }
        // Large attempt numbers neither overflow nor exceed the cap.
        assert_eq!(policy.backoff(u32::MAX, 1.0), policy.max_backoff);
    }
}
