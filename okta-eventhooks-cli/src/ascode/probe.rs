//! The endpoint probe before a verification: Okta's verification GET, sent and checked by the
//! SDK's `hook_call` (Okta's challenge shape, headers, timeout; no redirect followed), so that
//! a receiver that is not up yet, or answers wrongly (one that mangles the challenge's `-` or
//! `_` included), is named plainly instead of through Okta's generic "Unable to verify event
//! hook". This module only words the outcome and paces the retries.
//!
//! The probe identifies itself with one extra header, `X-Okta-Eventhooks-Probe`, so that a
//! receiver's logs can tell it from Okta's own call. Its `User-Agent` is Okta's.

use std::time::Duration;

use okta_eventhooks::EventHook;
use okta_eventhooks::events::VERIFICATION_CHALLENGE_HEADER;
use okta_eventhooks::hook_call::{Caller, Failure as CallFailure, HeaderPart, HookTarget};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::error::CliError;
use crate::exit::Exit;

/// The header that marks the probe.
pub const PROBE_HEADER: &str = "x-okta-eventhooks-probe";
/// The first pause between probes of a receiver that is not ready; it doubles up to
/// [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(250);
const MAX_PAUSE: Duration = Duration::from_secs(5);

/// Why a probe failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Nothing usable answered (no connection, a timeout, a 404 or 5xx): a receiver still
    /// being deployed looks like this.
    NotReady(String),
    /// Something answered, but not what Okta needs.
    Wrong(String),
    /// The hook cannot be called as it is (a header that cannot be sent): nothing was sent,
    /// and waiting does not help.
    Invalid(String),
}

impl Failure {
    /// The message.
    pub fn message(&self) -> &str {
        match self {
            Self::NotReady(m) | Self::Wrong(m) | Self::Invalid(m) => m,
        }
    }

    /// The exit code: a network failure (retry later) or a rejection (fix the receiver).
    pub fn exit(&self) -> Exit {
        match self {
            Self::NotReady(_) => Exit::Network,
            Self::Wrong(_) => Exit::Api,
            Self::Invalid(_) => Exit::Usage,
        }
    }
}

/// Sends probes; one per apply (one connection pool).
pub struct Prober {
    caller: Caller,
    /// The probe's own header.
    marker: HeaderMap,
}

impl Prober {
    /// A prober that calls as Okta does (no redirects followed, Okta's timeout).
    pub fn new() -> Result<Self, CliError> {
        let caller = Caller::new().map_err(|e| {
            CliError::Internal(format!("cannot set up the HTTP client for probes: {e}"))
        })?;
        let marker = HeaderMap::from_iter([(
            HeaderName::from_static(PROBE_HEADER),
            HeaderValue::from_static(concat!("okta-eventhooks/", env!("CARGO_PKG_VERSION"))),
        )]);
        Ok(Self { caller, marker })
    }

    /// Probes until the endpoint answers correctly or `wait` has passed, pausing longer each
    /// time; returns the number of probes sent, or the last failure.
    pub async fn until_ready(
        &self,
        hook: &EventHook,
        wait: Duration,
    ) -> Result<u32, (Failure, u32)> {
        let give_up = tokio::time::Instant::now() + wait;
        let mut pause = FIRST_PAUSE;
        let mut sent = 0;
        loop {
            sent += 1;
            match self.once(hook).await {
                Ok(()) => return Ok(sent),
                Err(failure) => {
                    let now = tokio::time::Instant::now();
                    if now + pause > give_up || matches!(failure, Failure::Invalid(_)) {
                        return Err((failure, sent));
                    }
                    tracing::debug!(
                        uri = hook.channel.config.uri,
                        failure = failure.message(),
                        "probe failed; trying again"
                    );
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(MAX_PAUSE);
                }
            }
        }
    }

    /// One probe.
    pub async fn once(&self, hook: &EventHook) -> Result<(), Failure> {
        let attempt = self
            .caller
            .verify_once(&HookTarget::of(hook), &self.marker)
            .await;
        match attempt.failure {
            None => Ok(()),
            Some(failure) => Err(self.worded(hook, failure)),
        }
    }

    /// What a failed call means for the person running `apply`.
    fn worded(&self, hook: &EventHook, failure: CallFailure) -> Failure {
        // As messages show it: without a user name and password (the SDK's rules refuse one
        // in a hook URI; this is for messages only).
        let uri = &okta_eventhooks::redact::text(&hook.channel.config.uri);
        let auth_key = hook
            .channel
            .config
            .auth_scheme
            .as_ref()
            .and_then(|a| a.key.as_deref());
        match failure {
            CallFailure::InvalidHeader {
                key,
                part: HeaderPart::Name,
                ..
            } => Failure::Invalid(format!(
                "the header name {key:?} is not valid, so the hook cannot be called (nothing was sent)"
            )),
            CallFailure::InvalidHeader { key, .. } => Failure::Invalid(format!(
                "the value of the header {key} is not a valid header value (visible ASCII only), so the hook cannot be called (nothing was sent)"
            )),
            CallFailure::Timeout(waited) => Failure::NotReady(format!(
                "the receiver at {uri} did not answer within {} s, as long as Okta waits",
                waited.as_secs()
            )),
            CallFailure::Connect { cause } | CallFailure::Request { cause, .. } => {
                let tls = ["certificate", "tls", "handshake", "x509"]
                    .iter()
                    .any(|word| cause.to_ascii_lowercase().contains(word));
                if tls {
                    Failure::Wrong(format!(
                        "TLS with the receiver at {uri} failed ({cause}); Okta needs a certificate from a public CA"
                    ))
                } else {
                    Failure::NotReady(format!("the receiver at {uri} is not reachable: {cause}"))
                }
            }
            CallFailure::Status { status, location } if (300..400).contains(&status) => {
                let to = location.map(|l| format!(" to {l}")).unwrap_or_default();
                Failure::Wrong(format!(
                    "the receiver at {uri} answered HTTP {status}, a redirect{to}: Okta does not follow redirects; use the final URL"
                ))
            }
            CallFailure::Status {
                status: status @ (401 | 403),
                ..
            } => {
                let what = auth_key.map_or_else(
                    || "it wants credentials, and the hook has no auth header".to_owned(),
                    |key| format!("it does not accept the auth header {key} (is the secret the one it expects?)"),
                );
                Failure::Wrong(format!(
                    "the receiver at {uri} refused the request with HTTP {status}: {what}"
                ))
            }
            CallFailure::Status {
                status: status @ (404 | 502..=504),
                ..
            } => Failure::NotReady(format!(
                "the receiver at {uri} is not ready: it answered HTTP {status}"
            )),
            CallFailure::Status { status, .. } => Failure::Wrong(format!(
                "the receiver at {uri} answered HTTP {status}; Okta needs HTTP 200 with {{\"verification\": \"<challenge>\"}}"
            )),
            CallFailure::Unreadable(e) => Failure::NotReady(format!(
                "the receiver at {uri} did not finish its answer: {e}"
            )),
            CallFailure::WrongChallenge => Failure::Wrong(format!(
                "the receiver at {uri} answered with another value than the challenge: it must echo the {VERIFICATION_CHALLENGE_HEADER} header's value"
            )),
            CallFailure::NoVerification => Failure::Wrong(format!(
                "the receiver at {uri} answered JSON without a \"verification\" field; Okta needs {{\"verification\": \"<the {VERIFICATION_CHALLENGE_HEADER} value>\"}}"
            )),
            CallFailure::NotJson => Failure::Wrong(format!(
                "the receiver at {uri} answered HTTP 200 but not with JSON; Okta needs {{\"verification\": \"<the {VERIFICATION_CHALLENGE_HEADER} value>\"}}"
            )),
            // A failure this version does not word (the SDK's list is open).
            other => Failure::Wrong(format!("the receiver at {uri}: {other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 20 item 9: a header that cannot be sent is not a receiver still deploying: the
    /// probe fails at once, as a usage error, whatever --verify-timeout allows.
    #[tokio::test]
    async fn an_invalid_header_value_fails_at_once_not_as_not_ready() {
        let hook: EventHook = serde_json::from_value(serde_json::json!({
            "id": "who1", "name": "h",
            "events": {"type": "EVENT_TYPE", "items": ["user.session.start"]},
            "channel": {"type": "HTTP", "version": "1.0.0", "config": {
                "uri": "http://127.0.0.1:9/hook",
                "headers": [{"key": "X-Tenant", "value": "a\nb"}],
            }},
        }))
        .unwrap();
        let started = std::time::Instant::now();
        let (failure, sent) = Prober::new()
            .unwrap()
            .until_ready(&hook, Duration::from_secs(30))
            .await
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(sent, 1);
        assert!(matches!(failure, Failure::Invalid(_)), "{failure:?}");
        assert!(failure.message().contains("X-Tenant"), "{failure:?}");
        assert!(!failure.message().contains("a\nb"), "{failure:?}");
        assert_eq!(failure.exit(), Exit::Usage);
    }
}
