//! "Make these events durable, then answer": the receiver awaits a
//! [`Sink`](okta_eventhooks::sink::Sink)'s `store` inside the request, and Okta gets 200 only
//! once it has succeeded. The trait is the SDK's; this is how the receiver calls it.
//!
//! Without a sink the receiver answers at once and hands the delivery over through a queue;
//! anything lost after that answer (a crash, a deploy) is lost for good, because Okta never
//! replays an acknowledged delivery. A sink closes that gap: its
//! [`store`](Sink::store) must return only once the delivery is durable, and when it fails
//! or misses the deadline the receiver answers 503, which Okta retries once.
//!
//! The deadline must stay below Okta's 3-second timeout: past it Okta counts the call as
//! failed anyway, and a 503 in time is what makes it retry.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

use okta_eventhooks::sink::{Incoming, Sink};

use crate::failures::{Cause, FailureLog};
use crate::stats::Counters;
use crate::{Error, Result};

/// Default time a sink has to store a delivery before the receiver answers 503.
pub const DEFAULT_SINK_DEADLINE: Duration = Duration::from_secs(2);
/// Okta's timeout for a hook's answer (the SDK's one definition); a sink deadline must be
/// shorter.
pub use okta_eventhooks::hook_call::OKTA_TIMEOUT;

/// Any error of an extension ([`Sink`], [`DedupeStore`](crate::DedupeStore)): it is logged,
/// never sent to the caller, and must not contain a secret.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A sink and its deadline, as the delivery handler uses them.
#[derive(Clone)]
pub(crate) struct SinkHook {
    sink: Arc<dyn Sink>,
    deadline: Duration,
    failures: Arc<FailureLog>,
}

impl std::fmt::Debug for SinkHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SinkHook")
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

/// Checks a sink deadline: more than zero and below [`OKTA_TIMEOUT`] (a later answer is a
/// failed delivery at Okta). The receiver checks it when built; a relay may check it sooner.
pub fn check_sink_deadline(deadline: Duration) -> Result<()> {
    if deadline.is_zero() || deadline >= OKTA_TIMEOUT {
        return Err(Error::InvalidInput(format!(
            "the sink deadline must be more than zero and below Okta's 3 s timeout (got {deadline:?})"
        )));
    }
    Ok(())
}

impl SinkHook {
    pub(crate) fn new(sink: Arc<dyn Sink>, deadline: Duration) -> Result<Self> {
        check_sink_deadline(deadline)?;
        Ok(Self {
            sink,
            deadline,
            failures: Arc::default(),
        })
    }

    /// The sink, for readiness and metrics.
    pub(crate) fn sink(&self) -> Arc<dyn Sink> {
        Arc::clone(&self.sink)
    }

    /// Parses the body, stores the delivery and answers: 400 when it is not a delivery, 200
    /// once stored, 503 on failure or past the deadline.
    pub(crate) async fn deliver(&self, counters: &Counters, body: Bytes) -> Response {
        let incoming = match Incoming::parse(body) {
            Ok(incoming) => incoming,
            Err(err) => {
                Counters::bump(&counters.malformed, 1);
                tracing::debug!(error = %err, "event hook delivery refused: malformed JSON");
                // serde_json's message names a position, never the content.
                let message = format!("malformed event hook delivery: {err}");
                return (StatusCode::BAD_REQUEST, message).into_response();
            }
        };
        let events = incoming.events.len() as u64;
        let stored = tokio::time::timeout(self.deadline, self.sink.store(incoming)).await;
        let (cause, why) = match stored {
            Ok(Ok(())) => {
                Counters::bump(&counters.deliveries, 1);
                Counters::bump(&counters.events, events);
                return StatusCode::OK.into_response();
            }
            Ok(Err(e)) => (Cause::of(&e), e.to_string()),
            // Past the deadline the sink's own error is not known; a connection that is down
            // is the usual reason, and the sink says whether it is.
            Err(_) => (
                if self.sink.connected() {
                    Cause::Timeout
                } else {
                    Cause::Unreachable
                },
                format!("not stored within {:?}", self.deadline),
            ),
        };
        Counters::bump(&counters.not_stored, 1);
        self.failures.record(cause, &why);
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "delivery not stored, retry later",
        )
            .into_response()
    }
}
