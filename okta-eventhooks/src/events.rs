//! What Okta sends to an event-hook endpoint: the one-time verification request and the
//! delivery envelope with its System Log events, as typed, forward-compatible models.
//!
//! Every struct keeps the fields it does not know in `extra` (and writes them back when
//! serialized), every field is optional, and the two enums keep unknown values, so a payload
//! from a newer Okta never fails to parse. Time stamps are kept as Okta wrote them; the
//! `*_at()` helpers parse them. Text fields are [`Text`] (read them with `as_deref()`, copy
//! them with `to_string()`): parsed by [`Delivery::from_bytes`], as the receiver does, each is
//! a slice of the body rather than a copy of its own.
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
//!
//! // The same delivery, its texts sharing the body instead of copied from it.
//! let shared = Delivery::from_bytes(&bytes::Bytes::from(body))?;
//! assert_eq!(shared, delivery);
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

mod decode;
mod depth;
mod text;

use decode::decode_fields;

pub use text::Text;

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
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// Always [`DELIVERY_EVENT_TYPE`] (`com.okta.event_hook`) today.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_type: Option<Text>,
    /// `1.0` today.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_type_version: Option<Text>,
    /// `0.1` today.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_events_version: Option<Text>,
    /// `https://{org}/api/v1/eventHooks/{eventHookId}`: which hook sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Text>,
    /// Unique per delivery (a retry repeats it): the key for dropping duplicates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<Text>,
    /// When the delivery was made, as Okta wrote it (see [`Delivery::event_time_at`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_time: Option<Text>,
    /// `application/json`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<Text>,
    /// The events.
    pub data: DeliveryData,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Delivery {
    /// Parses a delivery body with its texts sliced from `body` instead of copied (see
    /// [`Text`]): what the receiver does. `serde_json::from_slice` gives the same delivery
    /// with every text a copy.
    pub fn from_bytes(body: &Bytes) -> serde_json::Result<Self> {
        text::with_body(body, || serde_json::from_slice(body))
    }

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
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DeliveryData {
    /// The batched events, usually in `published` order but not guaranteed.
    pub events: Vec<LogEvent>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A System Log event (`LogEvent`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEvent {
    /// Unique id of the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<Text>,
    /// When it happened, as Okta wrote it (see [`LogEvent::published_at`]); order by this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<Text>,
    /// The event type, e.g. `user.session.start`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_type: Option<Text>,
    /// Version of the event type's schema, e.g. `0`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<Text>,
    /// Human-readable description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_message: Option<Text>,
    /// The v1 (legacy) event type, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legacy_event_type: Option<Text>,
    /// Severity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<LogSeverity>,
    /// Who did it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<LogActor>,
    /// From where (device, IP, user agent, location).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<LogClient>,
    /// How it ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<LogOutcome>,
    /// What it was done to.
    pub target: Vec<LogTarget>,
    /// The request or job that caused it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction: Option<LogTransaction>,
    /// Extra debugging data (includes the ids of the hooks meant to deliver it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debug_context: Option<LogDebugContext>,
    /// How the actor authenticated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication_context: Option<LogAuthenticationContext>,
    /// Network facts about the client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_context: Option<LogSecurityContext>,
    /// The IP chain of the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<LogRequest>,
    /// Fields this version does not know (Okta's samples carry `device`, `insertionTimestamp`).
    #[serde(flatten)]
    pub extra: Extra,
}

impl LogEvent {
    /// Parses one event's JSON with its texts sliced from `json` instead of copied (see
    /// [`Text`]), as [`Delivery::from_bytes`] does.
    pub fn from_bytes(json: &Bytes) -> serde_json::Result<Self> {
        text::with_body(json, || serde_json::from_slice(json))
    }

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
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogActor {
    /// Id (e.g. a user id `00u...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Text>,
    /// Kind, e.g. `User`, `PublicClientApp`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<Text>,
    /// Alternate id, e.g. the login.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternate_id: Option<Text>,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<Text>,
    /// Free-form details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_entry: Option<Map<String, Value>>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogClient`: the client that made the request.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogClient {
    /// Id of the client, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Text>,
    /// Network zone, e.g. `null` or `OFF_NETWORK`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<Text>,
    /// Device kind, e.g. `Computer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<Text>,
    /// Client IP address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<Text>,
    /// Parsed user agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<LogUserAgent>,
    /// Location derived from the IP address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geographical_context: Option<LogGeographicalContext>,
    /// Fields this version does not know (Okta's sample carries `ipChain` here).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogUserAgent`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogUserAgent {
    /// The raw `User-Agent` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_user_agent: Option<Text>,
    /// Operating system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<Text>,
    /// Browser.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser: Option<Text>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogGeographicalContext`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogGeographicalContext {
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<Text>,
    /// State or region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<Text>,
    /// Country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<Text>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<Text>,
    /// Latitude and longitude.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geolocation: Option<LogGeolocation>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogGeolocation`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LogGeolocation {
    /// Latitude.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogOutcome`: how the action ended.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LogOutcome {
    /// The result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<LogOutcomeResult>,
    /// Why, when Okta says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Text>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogTarget`: an entity the action was done to.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogTarget {
    /// Id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Text>,
    /// Kind, e.g. `User`, `AppInstance`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<Text>,
    /// Alternate id, e.g. the login.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternate_id: Option<Text>,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<Text>,
    /// Free-form details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_entry: Option<Map<String, Value>>,
    /// What changed (`from` / `to` maps), when Okta reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_details: Option<Value>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogTransaction`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LogTransaction {
    /// Kind, e.g. `WEB`, `JOB`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<Text>,
    /// Id (the request id for `WEB`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Text>,
    /// Free-form details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<Map<String, Value>>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogDebugContext`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogDebugContext {
    /// Free-form debugging data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debug_data: Option<Map<String, Value>>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogAuthenticationContext`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogAuthenticationContext {
    /// E.g. `OKTA_AUTHENTICATION_PROVIDER`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication_provider: Option<Text>,
    /// E.g. `OKTA_CREDENTIAL_PROVIDER`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_provider: Option<Text>,
    /// E.g. `PASSWORD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_type: Option<Text>,
    /// The token issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<LogIssuer>,
    /// Step of a multi-step authentication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication_step: Option<i64>,
    /// Session id at the external provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_session_id: Option<Text>,
    /// The interface used, e.g. `Outlook`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface: Option<Text>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogIssuer`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LogIssuer {
    /// Id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Text>,
    /// Kind.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<Text>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogSecurityContext`: network facts about the client IP.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogSecurityContext {
    /// Autonomous system number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_number: Option<i64>,
    /// Autonomous system organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_org: Option<Text>,
    /// Internet service provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isp: Option<Text>,
    /// Domain of the IP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<Text>,
    /// Whether the IP is a known proxy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_proxy: Option<bool>,
    /// Bot-protection verdict (shape not pinned down by Okta's schema).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bot_protection: Option<Value>,
    /// IP details (shape not pinned down by Okta's schema).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_details: Option<Value>,
    /// Risk assessment (shape not pinned down by Okta's schema).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk: Option<Value>,
    /// Behaviour detection results (shape not pinned down by Okta's schema).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_behaviors: Option<Value>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogRequest {
    /// The IP addresses the request passed through.
    pub ip_chain: Vec<LogIpAddress>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `LogIpAddress`: one hop of [`LogRequest::ip_chain`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogIpAddress {
    /// The address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<Text>,
    /// `V4` or `V6`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<Text>,
    /// Where the address came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Text>,
    /// Location of the address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geographical_context: Option<LogGeographicalContext>,
    /// IP details (shape not pinned down by Okta's schema).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_details: Option<Value>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

decode_fields!(Delivery {
    "eventType" => event_type,
    "eventTypeVersion" => event_type_version,
    "cloudEventsVersion" => cloud_events_version,
    "source" => source,
    "eventId" => event_id,
    "eventTime" => event_time,
    "contentType" => content_type,
    "data" => data,
});

decode_fields!(DeliveryData {
    "events" => events,
});

decode_fields!(LogEvent {
    "uuid" => uuid,
    "published" => published,
    "eventType" => event_type,
    "version" => version,
    "displayMessage" => display_message,
    "legacyEventType" => legacy_event_type,
    "severity" => severity,
    "actor" => actor,
    "client" => client,
    "outcome" => outcome,
    "target" => target,
    "transaction" => transaction,
    "debugContext" => debug_context,
    "authenticationContext" => authentication_context,
    "securityContext" => security_context,
    "request" => request,
});

decode_fields!(LogActor {
    "id" => id,
    "type" => type_,
    "alternateId" => alternate_id,
    "displayName" => display_name,
    "detailEntry" => detail_entry,
});

decode_fields!(LogClient {
    "id" => id,
    "zone" => zone,
    "device" => device,
    "ipAddress" => ip_address,
    "userAgent" => user_agent,
    "geographicalContext" => geographical_context,
});

decode_fields!(LogUserAgent {
    "rawUserAgent" => raw_user_agent,
    "os" => os,
    "browser" => browser,
});

decode_fields!(LogGeographicalContext {
    "city" => city,
    "state" => state,
    "country" => country,
    "postalCode" => postal_code,
    "geolocation" => geolocation,
});

decode_fields!(LogGeolocation {
    "lat" => lat,
    "lon" => lon,
});

decode_fields!(LogOutcome {
    "result" => result,
    "reason" => reason,
});

decode_fields!(LogTarget {
    "id" => id,
    "type" => type_,
    "alternateId" => alternate_id,
    "displayName" => display_name,
    "detailEntry" => detail_entry,
    "changeDetails" => change_details,
});

decode_fields!(LogTransaction {
    "type" => type_,
    "id" => id,
    "detail" => detail,
});

decode_fields!(LogDebugContext {
    "debugData" => debug_data,
});

decode_fields!(LogAuthenticationContext {
    "authenticationProvider" => authentication_provider,
    "credentialProvider" => credential_provider,
    "credentialType" => credential_type,
    "issuer" => issuer,
    "authenticationStep" => authentication_step,
    "externalSessionId" => external_session_id,
    "interface" => interface,
});

decode_fields!(LogIssuer {
    "id" => id,
    "type" => type_,
});

decode_fields!(LogSecurityContext {
    "asNumber" => as_number,
    "asOrg" => as_org,
    "isp" => isp,
    "domain" => domain,
    "isProxy" => is_proxy,
    "botProtection" => bot_protection,
    "ipDetails" => ip_details,
    "risk" => risk,
    "userBehaviors" => user_behaviors,
});

decode_fields!(LogRequest {
    "ipChain" => ip_chain,
});

decode_fields!(LogIpAddress {
    "ip" => ip,
    "version" => version,
    "source" => source,
    "geographicalContext" => geographical_context,
    "ipDetails" => ip_details,
});

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
    fn a_known_field_twice_is_refused_and_an_unknown_one_keeps_the_last() {
        let twice = r#"{"data":{"events":[{"uuid":"u1","uuid":"u2"}]}}"#;
        let err = serde_json::from_str::<Delivery>(twice).unwrap_err();
        assert!(
            err.to_string().starts_with("duplicate field `uuid`"),
            "{err}"
        );
        let d: Delivery =
            serde_json::from_str(r#"{"data":{"events":[{"new":1,"new":2}]}}"#).unwrap();
        assert_eq!(d.data.events[0].extra["new"], 2);
    }

    #[test]
    fn escaped_keys_are_matched_and_kept_unescaped() {
        let body = r#"{"data":{"events":[{"u\u0075id":"u1","n\u00e9w":true}]}}"#;
        let d: Delivery = serde_json::from_str(body).unwrap();
        let e = &d.data.events[0];
        assert_eq!(e.uuid.as_deref(), Some("u1"));
        assert_eq!(e.extra["n\u{e9}w"], true);
        // The same from a `Value` (keys handed over owned, not borrowed).
        let again: Delivery = serde_json::from_value(serde_json::from_str(body).unwrap()).unwrap();
        assert_eq!(again, d);
    }

    #[test]
    fn a_field_of_the_wrong_shape_names_the_model_and_where() {
        for (body, expected) in [
            (
                r#"{"data":{"events":[{"actor":5}]}}"#,
                "invalid type: integer `5`, expected struct LogActor at line 1 column 29",
            ),
            (
                r#"{"data":{"events":[{"uuid":7}]}}"#,
                "invalid type: integer `7`, expected a string at line 1 column 28",
            ),
            (
                r#"{"data":{"events":[[]]}}"#,
                "invalid type: sequence, expected struct LogEvent at line 1 column 19",
            ),
        ] {
            let err = serde_json::from_str::<Delivery>(body).unwrap_err();
            assert_eq!(err.to_string(), expected, "{body}");
        }
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
