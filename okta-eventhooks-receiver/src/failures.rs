//! The one line a 503 logs at the default level, with its cause; a cause that repeats is
//! logged at most once a second, its line counting the 503s of that cause since the last one
//! (a sink that is down for a minute under load logs sixty lines, not thousands).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use okta_eventhooks::{Error as SdkError, SinkErrorKind};

/// Why a delivery was not stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cause {
    /// The sink's server cannot be reached (its connection is down).
    Unreachable,
    /// The sink's storage is full.
    NoSpace,
    /// A limit of the target refused the write.
    Limit,
    /// Not stored within the deadline, the connection up.
    Timeout,
    /// Any other failure of the sink.
    Failed,
}

impl Cause {
    const ALL: usize = 5;

    /// The cause of a sink's error, by its kind.
    pub(crate) fn of(error: &SdkError) -> Self {
        match error {
            SdkError::Sink { kind, .. } => match kind {
                SinkErrorKind::Unreachable => Self::Unreachable,
                SinkErrorKind::NoSpace => Self::NoSpace,
                SinkErrorKind::Limit => Self::Limit,
                _ => Self::Failed,
            },
            SdkError::Timeout { .. } => Self::Timeout,
            _ => Self::Failed,
        }
    }

    /// The `cause` field of the log line.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Unreachable => "unreachable",
            Self::NoSpace => "no space",
            Self::Limit => "limit",
            Self::Timeout => "timeout",
            Self::Failed => "failed",
        }
    }
}

/// Per cause: when its last line was logged and how many 503s were not logged since.
#[derive(Debug)]
pub(crate) struct FailureLog {
    start: Instant,
    last_logged_ms: [AtomicU64; Cause::ALL],
    unlogged: [AtomicU64; Cause::ALL],
}

/// `last_logged_ms` of a cause never logged.
const NEVER: u64 = u64::MAX;
/// At most one line per cause in this time.
const INTERVAL_MS: u64 = 1000;

impl Default for FailureLog {
    fn default() -> Self {
        Self {
            start: Instant::now(),
            last_logged_ms: std::array::from_fn(|_| AtomicU64::new(NEVER)),
            unlogged: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

impl FailureLog {
    /// Logs a 503 of `cause` (`detail` is the sink's error, which holds no secret), or counts
    /// it for the next line of that cause.
    pub(crate) fn record(&self, cause: Cause, detail: &str) {
        let index = cause as usize;
        let now = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX - 1);
        let last = self.last_logged_ms[index].load(Ordering::Relaxed);
        let due = last == NEVER || now.saturating_sub(last) >= INTERVAL_MS;
        // One thread wins the line; the others count.
        if due
            && self.last_logged_ms[index]
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            let more = self.unlogged[index].swap(0, Ordering::Relaxed);
            tracing::warn!(
                cause = cause.as_str(),
                error = %detail,
                more_since_last_line = more,
                "event hook delivery answered 503 (Okta retries once): not stored"
            );
        } else {
            self.unlogged[index].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// 503s of `cause` not logged yet (for tests).
    #[cfg(test)]
    fn unlogged(&self, cause: Cause) -> u64 {
        self.unlogged[cause as usize].load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_cause_is_logged_once_a_second_with_a_count() {
        let log = FailureLog::default();
        for _ in 0..5 {
            log.record(Cause::Unreachable, "down");
        }
        // The first was logged; four wait for the next line.
        assert_eq!(log.unlogged(Cause::Unreachable), 4);
        // Another cause has its own line.
        log.record(Cause::NoSpace, "full");
        assert_eq!(log.unlogged(Cause::NoSpace), 0);
        std::thread::sleep(std::time::Duration::from_millis(1050));
        log.record(Cause::Unreachable, "down");
        assert_eq!(
            log.unlogged(Cause::Unreachable),
            0,
            "the line took the count"
        );
    }
}
