//! What Okta sends to an event-hook endpoint: the one-time verification request and the
//! delivery envelope with its System Log events, as typed, forward-compatible models.
//!
//! Every struct keeps the fields it does not know in `extra` (and writes them back when
//! serialized), every field is optional, and the two enums keep unknown values, so a payload
//! from a newer Okta never fails to parse. Time stamps are kept as Okta wrote them; the
//! `*_at()` helpers parse them.
//!
//! ```
//! use okta_eventhooks::events::{Delivery, LogOutcomeResult};
//!
//! let body = r#"{"eventType":"com.okta.event_hook","eventId":"b5a188b9-5ece-4636-b041-482ffda96311",
//!   "eventTime":"2026-11-26T13:00:00.000Z","data":{"events":[{"eventType":"user.session.start",
//!   "outcome":{"result":"FAILURE"},"newField":1}]}}"#;
//! let delivery: Delivery = serde_json::from_str(body)?;
//! let event = &delivery.data.events[0];
//! assert_eq!(event.event_type.as_deref(), Some("user.session.start"));
//! assert_eq!(event.outcome_result(), Some(&LogOutcomeResult::Failure));
//! assert_eq!(event.extra["newField"], 1);
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::borrow::Cow;
use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

mod depth;

pub use depth::{MAX_EVENT_DEPTH, check_event_depth, nesting_depth};

/// The header carrying the one-time verification challenge (header names are case-insensitive).
pub const VERIFICATION_CHALLENGE_HEADER: &str = "x-okta-verification-challenge";

/// The `eventType` of every delivery envelope.
pub const DELIVERY_EVENT_TYPE: &str = "com.okta.event_hook";

/// Fields a model does not know, kept as sent.
pub type Extra = Map<String, Value>;

/// The one-time verification request: a GET carrying [`VERIFICATION_CHALLENGE_HEADER`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerificationRequest {
    /// The value of the challenge header, to be echoed back.
    pub challenge: String,
}

impl VerificationRequest {
    /// Reads the challenge from request headers; `None` when the header is missing or not text.
    pub fn from_headers(headers: &http::HeaderMap) -> Option<Self> {
        let challenge = headers.get(VERIFICATION_CHALLENGE_HEADER)?.to_str().ok()?;
        Some(Self {
            challenge: challenge.to_owned(),
        })
    }

    /// The answer Okta expects: `{"verification": "<challenge>"}`.
    pub fn response(&self) -> VerificationResponse {
        VerificationResponse {
            verification: self.challenge.clone(),
        }
    }
}

/// The JSON body answering a [`VerificationRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationResponse {
    /// The challenge, echoed.
    pub verification: String,
}

/// One event delivery: the envelope Okta POSTs, with a batch of System Log events.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// Always [`DELIVERY_EVENT_TYPE`] (`com.okta.event_hook`) today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// `1.0` today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type_version: Option<String>,
    /// `0.1` today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_events_version: Option<String>,
    /// `https://{org}/api/v1/eventHooks/{eventHookId}`: which hook sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Unique per delivery (a retry repeats it): the key for dropping duplicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// When the delivery was made, as Okta wrote it (see [`Delivery::event_time_at`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_time: Option<String>,
    /// `application/json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The events.
    #[serde(default, deserialize_with = "null_as_default")]
    pub data: DeliveryData,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Delivery {
    /// [`event_time`](Self::event_time) parsed; `None` when absent or not RFC 3339.
    pub fn event_time_at(&self) -> Option<DateTime<Utc>> {
        parse_time(self.event_time.as_deref())
    }

    /// The id of the hook that sent this delivery (the last segment of `source`).
    pub fn event_hook_id(&self) -> Option<&str> {
        event_hook_id(self.source.as_deref()?)
    }
}

/// The id of the hook that sent a delivery, from its `source`
/// (`https://{org}/api/v1/eventHooks/{id}`: the last segment).
pub fn event_hook_id(source: &str) -> Option<&str> {
    let (_, id) = source.trim_end_matches('/').rsplit_once('/')?;
    (!id.is_empty()).then_some(id)
}

/// The body Okta POSTs to a hook: its envelope (`com.okta.event_hook`, `eventTypeVersion` 1.0,
/// `cloudEventsVersion` 0.1, `source` the hook's URL at the org, `eventId`, `eventTime` now,
/// `contentType`) around `events`, in Okta's field order. The events are written as given,
/// without a copy. Used by the emulator and by `reconcile --replay` for receivers of one's own.
///
/// ```
/// let event = serde_json::json!({"uuid": "u1", "eventType": "user.session.start"});
/// let body = okta_eventhooks::events::delivery_body("https://acme.okta.com", "who1", "e1", &[&event])?;
/// let delivery: okta_eventhooks::events::Delivery = serde_json::from_slice(&body)?;
/// assert_eq!(delivery.event_hook_id(), Some("who1"));
/// assert_eq!(delivery.data.events[0].uuid.as_deref(), Some("u1"));
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn delivery_body(
    org_url: &str,
    hook_id: &str,
    event_id: &str,
    events: &[&Value],
) -> serde_json::Result<Vec<u8>> {
    /// Okta's delivery envelope, in Okta's field order.
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Envelope<'a> {
        event_type: &'static str,
        event_type_version: &'static str,
        cloud_events_version: &'static str,
        source: String,
        event_id: &'a str,
        event_time: String,
        content_type: &'static str,
        data: EnvelopeData<'a>,
    }
    #[derive(Serialize)]
    struct EnvelopeData<'a> {
        events: &'a [&'a Value],
    }
    serde_json::to_vec(&Envelope {
        event_type: DELIVERY_EVENT_TYPE,
        event_type_version: "1.0",
        cloud_events_version: "0.1",
        source: format!(
            "{}/api/v1/eventHooks/{hook_id}",
            org_url.trim_end_matches('/')
        ),
        event_id,
        event_time: Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        content_type: "application/json",
        data: EnvelopeData { events },
    })
}

/// [`delivery_body`] around events already written as JSON (one JSON value each, not
/// checked): their text is copied into the body as it is, without parsing or re-serialising
/// them (the emulator writes each fired event once, for its System Log and its POSTs).
///
/// ```
/// let events = [r#"{"uuid":"u1","eventType":"user.session.start"}"#];
/// let body = okta_eventhooks::events::delivery_body_raw("https://acme.okta.com", "who1", "e1", &events)?;
/// let delivery: okta_eventhooks::events::Delivery = serde_json::from_slice(&body)?;
/// assert_eq!(delivery.data.events[0].uuid.as_deref(), Some("u1"));
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn delivery_body_raw(
    org_url: &str,
    hook_id: &str,
    event_id: &str,
    events: &[&str],
) -> serde_json::Result<Vec<u8>> {
    // The envelope of no events ends with the empty list and the two objects it closes; the
    // events go between the brackets.
    let mut body = delivery_body(org_url, hook_id, event_id, &[])?;
    let end = body.split_off(body.len() - "]}}".len());
    debug_assert_eq!(end, b"]}}");
    body.reserve(events.iter().map(|e| e.len() + 1).sum::<usize>() + end.len());
    for (index, event) in events.iter().enumerate() {
        if index > 0 {
            body.push(b',');
        }
        body.extend_from_slice(event.as_bytes());
    }
    body.extend_from_slice(&end);
    Ok(body)
}

/// The `data` member of a [`Delivery`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DeliveryData {
    /// The batched events, usually in `published` order but not guaranteed.
    #[serde(default, deserialize_with = "null_as_default")]
    pub events: Vec<LogEvent>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A System Log event (`LogEvent`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEvent {
    /// Unique id of the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// When it happened, as Okta wrote it (see [`LogEvent::published_at`]); order by this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// The event type, e.g. `user.session.start`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// Version of the event type's schema, e.g. `0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_message: Option<String>,
    /// The v1 (legacy) event type, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_event_type: Option<String>,
    /// Severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<LogSeverity>,
    /// Who did it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<LogActor>,
    /// From where (device, IP, user agent, location).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<LogClient>,
    /// How it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<LogOutcome>,
    /// What it was done to.
    #[serde(default, deserialize_with = "null_as_default")]
    pub target: Vec<LogTarget>,
    /// The request or job that caused it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction: Option<LogTransaction>,
    /// Extra debugging data (includes the ids of the hooks meant to deliver it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debug_context: Option<LogDebugContext>,
    /// How the actor authenticated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_context: Option<LogAuthenticationContext>,
    /// Network facts about the client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_context: Option<LogSecurityContext>,
    /// The IP chain of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<LogRequest>,
    /// Fields this version does not know (Okta's samples carry `device`, `insertionTimestamp`).
    #[serde(flatten)]
    pub extra: Extra,
}

impl LogEvent {
    /// [`published`](Self::published) parsed; `None` when absent or not RFC 3339.
    pub fn published_at(&self) -> Option<DateTime<Utc>> {
        parse_time(self.published.as_deref())
    }

    /// `outcome.result`, when present.
    pub fn outcome_result(&self) -> Option<&LogOutcomeResult> {
        self.outcome.as_ref()?.result.as_ref()
    }
}

/// `LogActor`: who performed the action.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogActor {
    /// Id (e.g. a user id `00u...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Kind, e.g. `User`, `PublicClientApp`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Alternate id, e.g. the login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternate_id: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Free-form details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail_entry: Option<Map<String, Value>>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogClient`: the client that made the request.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogClient {
    /// Id of the client, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Network zone, e.g. `null` or `OFF_NETWORK`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// Device kind, e.g. `Computer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// Client IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// Parsed user agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<LogUserAgent>,
    /// Location derived from the IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geographical_context: Option<LogGeographicalContext>,
    /// Fields this version does not know (Okta's sample carries `ipChain` here).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogUserAgent`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogUserAgent {
    /// The raw `User-Agent` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_user_agent: Option<String>,
    /// Operating system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// Browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser: Option<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogGeographicalContext`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogGeographicalContext {
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Latitude and longitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geolocation: Option<LogGeolocation>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogGeolocation`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LogGeolocation {
    /// Latitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogOutcome`: how the action ended.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LogOutcome {
    /// The result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<LogOutcomeResult>,
    /// Why, when Okta says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogTarget`: an entity the action was done to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogTarget {
    /// Id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Kind, e.g. `User`, `AppInstance`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Alternate id, e.g. the login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternate_id: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Free-form details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail_entry: Option<Map<String, Value>>,
    /// What changed (`from` / `to` maps), when Okta reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_details: Option<Value>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogTransaction`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LogTransaction {
    /// Kind, e.g. `WEB`, `JOB`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Id (the request id for `WEB`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Free-form details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Map<String, Value>>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogDebugContext`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogDebugContext {
    /// Free-form debugging data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debug_data: Option<Map<String, Value>>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogAuthenticationContext`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogAuthenticationContext {
    /// E.g. `OKTA_AUTHENTICATION_PROVIDER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_provider: Option<String>,
    /// E.g. `OKTA_CREDENTIAL_PROVIDER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_provider: Option<String>,
    /// E.g. `PASSWORD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_type: Option<String>,
    /// The token issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<LogIssuer>,
    /// Step of a multi-step authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_step: Option<i64>,
    /// Session id at the external provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_session_id: Option<String>,
    /// The interface used, e.g. `Outlook`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogIssuer`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LogIssuer {
    /// Id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Kind.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogSecurityContext`: network facts about the client IP.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogSecurityContext {
    /// Autonomous system number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_number: Option<i64>,
    /// Autonomous system organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_org: Option<String>,
    /// Internet service provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isp: Option<String>,
    /// Domain of the IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Whether the IP is a known proxy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_proxy: Option<bool>,
    /// Bot-protection verdict (shape not pinned down by Okta's schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_protection: Option<Value>,
    /// IP details (shape not pinned down by Okta's schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_details: Option<Value>,
    /// Risk assessment (shape not pinned down by Okta's schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<Value>,
    /// Behaviour detection results (shape not pinned down by Okta's schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_behaviors: Option<Value>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogRequest {
    /// The IP addresses the request passed through.
    #[serde(default, deserialize_with = "null_as_default")]
    pub ip_chain: Vec<LogIpAddress>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogIpAddress`: one hop of [`LogRequest::ip_chain`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogIpAddress {
    /// The address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// `V4` or `V6`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Where the address came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Location of the address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geographical_context: Option<LogGeographicalContext>,
    /// IP details (shape not pinned down by Okta's schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_details: Option<Value>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

open_enum! {
    /// `LogSeverity` of a [`LogEvent`].
    LogSeverity {
        /// Debugging detail.
        Debug = "DEBUG",
        /// Normal operation.
        Info = "INFO",
        /// Something to look at.
        Warn = "WARN",
        /// A failure.
        Error = "ERROR",
    }
}

open_enum! {
    /// `outcome.result` of a [`LogEvent`].
    LogOutcomeResult {
        /// It worked.
        Success = "SUCCESS",
        /// It failed.
        Failure = "FAILURE",
        /// It was skipped.
        Skipped = "SKIPPED",
        /// Access was allowed.
        Allow = "ALLOW",
        /// Access was denied.
        Deny = "DENY",
        /// The actor was challenged.
        Challenge = "CHALLENGE",
        /// Okta reports the outcome as `UNKNOWN` (distinct from a value this SDK does not know).
        OutcomeUnknown = "UNKNOWN",
        /// A rate limit stopped it.
        RateLimit = "RATE_LIMIT",
        /// It was deferred.
        Deferred = "DEFERRED",
        /// It was scheduled.
        Scheduled = "SCHEDULED",
        /// It was abandoned.
        Abandoned = "ABANDONED",
        /// A challenge was not answered.
        Unanswered = "UNANSWERED",
    }
}

/// Treats an explicit `null` like a missing field (Okta sends `"target": null`).
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

fn parse_time(value: Option<&str>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Events given as JSON text make the body the events as values make, byte for byte
    /// (but for `eventTime`, which is now), none and several alike.
    #[test]
    fn a_raw_body_is_the_body_of_the_same_events() {
        let events = [
            serde_json::json!({"uuid": "u1", "eventType": "a.b", "n": [1, {"x": null}]}),
            serde_json::json!({"uuid": "u2", "eventType": "c.d"}),
        ];
        for count in 0..=events.len() {
            let values: Vec<&Value> = events[..count].iter().collect();
            let texts: Vec<String> = values.iter().map(|v| v.to_string()).collect();
            let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
            let parsed = |body: Vec<u8>| {
                let mut body: Value = serde_json::from_slice(&body).unwrap();
                body["eventTime"] = Value::Null;
                body
            };
            let by_value = delivery_body("https://a.okta.com", "who1", "e1", &values).unwrap();
            let raw = delivery_body_raw("https://a.okta.com", "who1", "e1", &texts).unwrap();
            assert_eq!(by_value.len(), raw.len());
            assert_eq!(parsed(by_value), parsed(raw), "{count} events");
        }
    }

    /// Okta's sample delivery (concepts/event-hooks), with the keys it carries outside the schema.
    const SAMPLE: &str = r#"{
      "eventType": "com.okta.event_hook",
      "eventTypeVersion": "1.0",
      "cloudEventsVersion": "0.1",
      "source": "https://acme.okta.com/api/v1/eventHooks/whoql0HfiLGPWc8Jx0g3",
      "eventId": "3OWo4oo-QQ-rBWfRyTmQYw",
      "data": {"events": [{
        "uuid": "79fcbb4e-4b4a-11ed-b0d1-7d6a0e01d1d1",
        "published": "2026-11-26T13:00:00.123Z",
        "eventType": "user.lifecycle.create",
        "version": "0",
        "displayMessage": "Create Okta user",
        "severity": "INFO",
        "client": {"userAgent": {"rawUserAgent": "Mozilla/5.0", "os": "Mac OS X", "browser": "CHROME"},
          "zone": "null", "device": "Computer", "id": null, "ipAddress": "203.0.113.7",
          "geographicalContext": {"city": "Paris", "state": null, "country": "France",
            "postalCode": "75001", "geolocation": {"lat": 48.86, "lon": 2.35}},
          "ipChain": [{"ip": "203.0.113.7"}]},
        "device": null,
        "actor": {"id": "00u1", "type": "User", "alternateId": "admin@acme.com",
          "displayName": "Ada Admin", "detailEntry": null},
        "outcome": {"result": "SUCCESS", "reason": null},
        "target": [{"id": "00u2", "type": "User", "alternateId": "bob@acme.com",
          "displayName": "Bob", "detailEntry": null}],
        "transaction": {"type": "WEB", "id": "Y1", "detail": {}},
        "debugContext": {"debugData": {"requestUri": "/api/v1/users"}},
        "legacyEventType": "core.user.config.user_creation.success",
        "insertionTimestamp": null,
        "authenticationContext": {"authenticationStep": 0, "externalSessionId": "102x",
          "credentialProvider": null, "issuer": null, "interface": null},
        "securityContext": {"asNumber": 64496, "asOrg": "example", "isp": "example",
          "domain": "example.net", "isProxy": false},
        "request": {"ipChain": [{"ip": "203.0.113.7", "version": "V4", "source": null,
          "geographicalContext": {"city": "Paris"}}]}
      }]},
      "eventTime": "2026-11-26T13:00:01.000Z",
      "contentType": "application/json"
    }"#;

    #[test]
    fn okta_sample_parses_with_every_documented_field() {
        let d: Delivery = serde_json::from_str(SAMPLE).unwrap();
        assert_eq!(d.event_type.as_deref(), Some(DELIVERY_EVENT_TYPE));
        assert_eq!(d.event_hook_id(), Some("whoql0HfiLGPWc8Jx0g3"));
        assert_eq!(
            d.event_time_at().unwrap().to_rfc3339(),
            "2026-11-26T13:00:01+00:00"
        );
        let e = &d.data.events[0];
        assert_eq!(e.severity, Some(LogSeverity::Info));
        assert_eq!(e.outcome_result(), Some(&LogOutcomeResult::Success));
        assert_eq!(
            e.actor.as_ref().unwrap().alternate_id.as_deref(),
            Some("admin@acme.com")
        );
        assert_eq!(e.target[0].display_name.as_deref(), Some("Bob"));
        let client = e.client.as_ref().unwrap();
        assert_eq!(client.extra["ipChain"][0]["ip"], "203.0.113.7");
        let geo = client.geographical_context.as_ref().unwrap();
        assert_eq!(geo.geolocation.as_ref().unwrap().lat, Some(48.86));
        assert_eq!(
            e.request.as_ref().unwrap().ip_chain[0].version.as_deref(),
            Some("V4")
        );
        assert_eq!(e.security_context.as_ref().unwrap().as_number, Some(64496));
        assert!(e.extra.contains_key("insertionTimestamp"));
        assert_eq!(e.published_at().unwrap().timestamp_subsec_millis(), 123);
    }

    #[test]
    fn unknown_fields_and_enum_values_are_kept_and_written_back() {
        let body = r#"{"eventId":"e1","futureTop":{"a":1},"data":{"events":[
            {"severity":"CRITICAL","outcome":{"result":"QUARANTINED"},"target":null,"shiny":[1,2]}],
            "cursor":"c"}}"#;
        let d: Delivery = serde_json::from_str(body).unwrap();
        let e = &d.data.events[0];
        assert_eq!(e.severity, Some(LogSeverity::Unknown("CRITICAL".into())));
        assert_eq!(
            e.outcome_result(),
            Some(&LogOutcomeResult::Unknown("QUARANTINED".into()))
        );
        assert!(e.target.is_empty());
        let back: Value = serde_json::to_value(&d).unwrap();
        assert_eq!(back["futureTop"]["a"], 1);
        assert_eq!(back["data"]["cursor"], "c");
        assert_eq!(back["data"]["events"][0]["shiny"][1], 2);
        assert_eq!(back["data"]["events"][0]["severity"], "CRITICAL");
        assert_eq!(
            back["data"]["events"][0]["outcome"]["result"],
            "QUARANTINED"
        );
    }

    #[test]
    fn the_documented_unknown_outcome_is_not_confused_with_an_unknown_value() {
        let r: LogOutcomeResult = serde_json::from_str("\"UNKNOWN\"").unwrap();
        assert_eq!(r, LogOutcomeResult::OutcomeUnknown);
        assert_eq!(r.as_str(), "UNKNOWN");
    }

    #[test]
    fn empty_and_null_members_parse() {
        let d: Delivery = serde_json::from_str(r#"{"data":null}"#).unwrap();
        assert!(d.data.events.is_empty());
        let d: Delivery = serde_json::from_str("{}").unwrap();
        assert!(d.event_id.is_none() && d.event_time_at().is_none());
        assert_eq!(d.event_hook_id(), None);
    }

    #[test]
    fn verification_challenge_is_read_case_insensitively_and_echoed() {
        let mut headers = http::HeaderMap::new();
        headers.insert("X-Okta-Verification-Challenge", "abc123".parse().unwrap());
        let request = VerificationRequest::from_headers(&headers).unwrap();
        assert_eq!(
            serde_json::to_string(&request.response()).unwrap(),
            r#"{"verification":"abc123"}"#
        );
        assert!(VerificationRequest::from_headers(&http::HeaderMap::new()).is_none());
    }
}
