//! The emulator's calls to hooks, made by the SDK's [`okta_eventhooks::hook_call`] (the one
//! description of how Okta calls a hook: headers, challenge, answer check, timeout, retry),
//! and recorded in the delivery log without header values.

use std::time::Duration;

use okta_eventhooks::hook_call::{Attempt, Caller, HookTarget};
use okta_eventhooks_receiver::inspector::Inspector;

use super::events::Fired;
use super::model::Hook;
use super::records::{DeliveryKind, DeliveryLog, DeliveryOutcome, DeliveryRecord};
use crate::error::{Error, Result};

/// One caller (one connection pool) per emulator.
pub(crate) struct Outbound {
    caller: Caller,
    /// Where each call is also recorded, body and all, for the inspector's page.
    inspector: Option<Inspector>,
}

/// How one POST went, retry included.
pub(crate) struct Delivered {
    pub(crate) acknowledged: bool,
    /// Requests made (retries included).
    pub(crate) requests: usize,
    /// Attempts made, counting one that could not be sent.
    pub(crate) attempts: u32,
    /// The status of the last answer, if there was one.
    pub(crate) status: Option<u16>,
    /// Why the last attempt failed.
    pub(crate) error: Option<String>,
    /// The envelope's `eventId`.
    pub(crate) event_id: String,
}

/// What a delivery record says about the POST's events.
struct Batch<'a> {
    event_id: &'a str,
    event_types: &'a [String],
    uuids: &'a [String],
    duplicate: bool,
}

/// Where the SDK calls: the hook's URI, custom headers and auth header.
fn target(hook: &Hook) -> HookTarget<'_> {
    let channel = &hook.channel;
    HookTarget {
        uri: &channel.uri,
        headers: channel
            .headers
            .iter()
            .map(|h| (h.key.as_str(), &h.value))
            .collect(),
        auth: channel
            .auth_scheme
            .as_ref()
            .and_then(|a| Some((a.key.as_str(), a.value.as_ref()?))),
    }
}

impl Outbound {
    pub(crate) fn new(timeout: Duration, inspector: Option<Inspector>) -> Result<Self> {
        let caller = Caller::with_timeout(timeout)
            .map_err(|e| Error::Config(format!("cannot build the emulator's HTTP client: {e}")))?;
        Ok(Self { caller, inspector })
    }

    /// Sends the verification GET (one retry); true when the hook echoed the challenge.
    pub(crate) async fn verify(&self, hook: &Hook, log: &DeliveryLog) -> bool {
        let last = self
            .caller
            .verify(&target(hook), &Default::default(), |attempt| {
                log.push(record(DeliveryKind::Verification, hook, None, attempt));
                self.inspect(hook, http::Method::GET, Default::default(), attempt, false);
            })
            .await;
        last.succeeded()
    }

    /// POSTs one batch (one retry on timeout, connection error or 5xx; none on 4xx), under a
    /// new `eventId`, or under `repeat`'s for a duplicate of an earlier POST.
    pub(crate) async fn deliver(
        &self,
        hook: &Hook,
        base_url: &str,
        batch: &[&Fired],
        repeat: Option<&str>,
        log: &DeliveryLog,
    ) -> Delivered {
        let event_id = repeat.map_or_else(okta_eventhooks::ids::uuid_v4, str::to_owned);
        let mut delivered = Delivered {
            acknowledged: false,
            requests: 0,
            attempts: 0,
            status: None,
            error: None,
            event_id,
        };
        let texts: Vec<&str> = batch.iter().map(|e| &*e.json).collect();
        let body = match okta_eventhooks::events::delivery_body_raw(
            base_url,
            &hook.id,
            &delivered.event_id,
            &texts,
        ) {
            Ok(b) => bytes::Bytes::from(b),
            Err(e) => {
                delivered.error = Some(format!("the envelope could not be written: {e}"));
                return delivered;
            }
        };
        let uuids: Vec<String> = batch
            .iter()
            .filter_map(|e| e.uuid.as_deref().map(str::to_owned))
            .collect();
        let mut types: Vec<String> = Vec::new();
        for event_type in batch.iter().filter_map(|e| e.event_type.as_deref()) {
            if !types.iter().any(|t| t == event_type) {
                types.push(event_type.to_owned());
            }
        }
        let about = Batch {
            event_id: &delivered.event_id,
            event_types: &types,
            uuids: &uuids,
            duplicate: repeat.is_some(),
        };
        let mut requests = 0;
        let last = self
            .caller
            .deliver(
                &target(hook),
                body.clone(),
                &Default::default(),
                |attempt| {
                    requests += usize::from(attempt.sent);
                    log.push(record(DeliveryKind::Delivery, hook, Some(&about), attempt));
                    self.inspect(hook, http::Method::POST, body.clone(), attempt, false);
                },
            )
            .await;
        delivered.requests = requests;
        delivered.attempts = last.number;
        delivered.status = last.status;
        delivered.acknowledged = last.succeeded();
        delivered.error = last.failure.map(|f| f.to_string());
        delivered
    }
}

impl Outbound {
    /// POSTs a delivery recorded by the inspector to `hook` again, as Okta would (its headers,
    /// its auth header, one retry), marked as replayed; the last attempt.
    pub(crate) async fn replay(&self, hook: &Hook, body: bytes::Bytes) -> Attempt {
        let mark = okta_eventhooks_receiver::inspector::replay_mark();
        self.caller
            .deliver(&target(hook), body.clone(), &mark, |attempt| {
                self.inspect(hook, http::Method::POST, body.clone(), attempt, true);
            })
            .await
    }

    /// Records one attempt in the inspector, if there is one. The request's header values
    /// are not known here (the SDK sends them); Okta's fixed ones are written as sent, the
    /// hook's own (auth and custom) masked.
    fn inspect(
        &self,
        hook: &Hook,
        method: http::Method,
        body: bytes::Bytes,
        attempt: &Attempt,
        replayed: bool,
    ) {
        let Some(inspector) = &self.inspector else {
            return;
        };
        let mut call = okta_eventhooks_receiver::inspector::Call::new(
            method,
            okta_eventhooks::redact::text(&hook.channel.uri).into_owned(),
        );
        for name in &attempt.header_names {
            let Ok(name) = http::HeaderName::from_bytes(name.as_bytes()) else {
                continue;
            };
            let value = match name.as_str() {
                "accept" | "content-type" => "application/json",
                "user-agent" => okta_eventhooks::hook_call::HOOK_USER_AGENT,
                okta_eventhooks::hook_call::REQUEST_ID_HEADER
                | okta_eventhooks::events::VERIFICATION_CHALLENGE_HEADER => "(sent; not kept)",
                okta_eventhooks::hook_call::REPLAYED_HEADER => "true",
                _ => okta_eventhooks_receiver::inspector::MASKED,
            };
            call.headers
                .append(name, http::HeaderValue::from_static(value));
        }
        call.hook_id = Some(hook.id.clone());
        call.hook_name = Some(hook.name.clone());
        call.body = body;
        call.status = attempt.status;
        call.error = attempt.failure.as_ref().map(ToString::to_string);
        call.duration = attempt.elapsed;
        call.replayed = replayed;
        inspector.record(call, &[]);
    }
}

fn record(
    kind: DeliveryKind,
    hook: &Hook,
    delivery: Option<&Batch<'_>>,
    attempt: &Attempt,
) -> DeliveryRecord {
    DeliveryRecord {
        id: okta_eventhooks::ids::uuid_v4(),
        kind,
        hook_id: hook.id.clone(),
        hook_name: hook.name.clone(),
        // A hook kept from before userinfo was refused may still carry it.
        uri: okta_eventhooks::redact::text(&hook.channel.uri).into_owned(),
        event_id: delivery.map(|d| d.event_id.to_owned()),
        event_types: delivery.map(|d| d.event_types.to_vec()).unwrap_or_default(),
        event_uuids: delivery.map(|d| d.uuids.to_vec()).unwrap_or_default(),
        duplicate: delivery.is_some_and(|d| d.duplicate),
        attempt: attempt.number,
        status: attempt.status,
        outcome: if attempt.succeeded() {
            DeliveryOutcome::Success
        } else {
            DeliveryOutcome::Failure
        },
        error: attempt.failure.as_ref().map(ToString::to_string),
        elapsed_ms: u64::try_from(attempt.elapsed.as_millis()).unwrap_or(u64::MAX),
        time: crate::ids::okta_time(&attempt.started),
        header_names: attempt.header_names.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Channel, Status, Subscriptions, Verification};

    #[test]
    fn the_delivery_log_never_shows_userinfo() {
        // A hook kept in a state file from before such URIs were refused.
        let hook = Hook {
            id: "who1".into(),
            name: "old".into(),
            description: None,
            status: Status::Active,
            verification_status: Verification::Verified,
            created: chrono::Utc::now(),
            created_by: "00u1".into(),
            last_updated: chrono::Utc::now(),
            events: Subscriptions {
                items: vec!["user.session.start".into()],
                filter: None,
            },
            channel: Channel {
                type_: "HTTP".into(),
                version: "1.0.0".into(),
                uri: "http://alice:S3cretPW@127.0.0.1:9/hook".into(),
                headers: Vec::new(),
                auth_scheme: None,
            },
        };
        let failed = Attempt {
            number: 1,
            started: chrono::Utc::now(),
            elapsed: Duration::ZERO,
            sent: true,
            status: None,
            header_names: Vec::new(),
            failure: Some(okta_eventhooks::hook_call::Failure::Connect {
                cause: "connection refused".into(),
            }),
        };
        let logged = record(DeliveryKind::Verification, &hook, None, &failed);
        assert_eq!(logged.uri, "http://[REDACTED]@127.0.0.1:9/hook");
        assert_eq!(logged.error.as_deref(), Some("could not connect"));
        let shown = serde_json::to_string(&logged).unwrap();
        assert!(
            !shown.contains("S3cretPW") && !shown.contains("alice"),
            "{shown}"
        );
    }
}
