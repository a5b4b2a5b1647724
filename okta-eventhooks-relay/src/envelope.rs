//! One delivery into one message per event: subject, id, headers, and the event's JSON
//! exactly as Okta sent it.

use bytes::Bytes;

use async_nats::{HeaderMap, HeaderValue};
use okta_eventhooks::sink::RawEvent;
use okta_eventhooks_receiver::Incoming;

use crate::headers;
use crate::subject;

/// A message ready to publish.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub(crate) subject: String,
    /// The event's `uuid` (JetStream's `Nats-Msg-Id`), when it has a usable one: the header
    /// value made once, when the uuid was checked.
    pub(crate) id: Option<HeaderValue>,
    pub(crate) headers: HeaderMap,
    /// A slice of the request body: no copy, no re-serialization.
    pub(crate) payload: Bytes,
    /// Kept aside under `<prefix>._invalid` (a type or `uuid` that cannot key it).
    pub(crate) invalid: bool,
}

/// Splits a delivery into one message per event, in the delivery's order.
pub(crate) fn split(incoming: &Incoming, prefix: &str) -> Vec<Outgoing> {
    let shared = shared_headers(incoming);
    incoming
        .events
        .iter()
        .map(|event| {
            let (id, uuid_problem) = match message_id(event) {
                Ok(id) => (id, None),
                Err(problem) => (None, Some(problem)),
            };
            if id.is_none() {
                tracing::warn!("event without a usable uuid: published without de-duplication");
            }
            let problem = uuid_problem.or_else(|| type_problem(event));
            let mut headers = shared.clone();
            let invalid = problem.is_some();
            let subject = match problem {
                // Kept aside, never refused: a 4xx or a failed publish would cost the
                // delivery's good events too.
                Some(reason) => {
                    tracing::warn!(%reason, "event stored under {INVALID}", INVALID = subject::INVALID_EVENT_TYPE_TOKEN);
                    if let Some(value) = headers::value(&reason) {
                        headers.insert(headers::OKTA_INVALID_REASON, value);
                    }
                    subject::under(prefix, subject::INVALID_EVENT_TYPE_TOKEN)
                }
                // `type_problem` found none: the type is a literal subject token.
                None => subject::under(prefix, event.event_type.as_deref().unwrap_or_default()),
            };
            Outgoing {
                subject,
                id,
                headers,
                payload: event.json.clone(),
                invalid,
            }
        })
        .collect()
}

/// The event's `uuid` as its `Nats-Msg-Id` (`None` when it has none: the event is stored,
/// without de-duplication), or why it cannot be one.
fn message_id(event: &RawEvent) -> Result<Option<HeaderValue>, String> {
    if event.not_strings.contains(&"uuid") {
        return Err("uuid is not a string".into());
    }
    let Some(uuid) = event.uuid.as_deref() else {
        return Ok(None);
    };
    if uuid.len() > headers::MAX_VALUE_BYTES {
        return Err(format!(
            "uuid of {} bytes, longer than {}",
            uuid.len(),
            headers::MAX_VALUE_BYTES
        ));
    }
    match headers::value(uuid) {
        Some(id) if !uuid.is_empty() => Ok(Some(id)),
        _ => Err("uuid is empty or cannot be a header value (a line break)".into()),
    }
}

/// Why the event's `eventType` cannot be its subject, if it cannot.
fn type_problem(event: &RawEvent) -> Option<String> {
    if event.not_strings.contains(&"eventType") {
        return Some("eventType is not a string".into());
    }
    match event.event_type.as_deref() {
        None => Some("no eventType".into()),
        Some(event_type) => subject::problem(event_type),
    }
}

/// The headers every event of the delivery shares: its `eventId`, hook and org.
fn shared_headers(incoming: &Incoming) -> HeaderMap {
    let mut map = HeaderMap::new();
    let org = incoming
        .source
        .as_deref()
        .and_then(|source| url::Url::parse(source).ok())
        .and_then(|url| url.host_str().map(str::to_owned));
    for (name, value) in [
        (headers::OKTA_EVENT_ID, incoming.event_id.as_deref()),
        (headers::OKTA_EVENT_HOOK_ID, incoming.event_hook_id()),
        (headers::OKTA_ORG, org.as_deref()),
    ] {
        if let Some(value) = value.and_then(headers::value) {
            map.insert(name, value);
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"{
  "eventType": "com.okta.event_hook",
  "source": "https://acme.okta.com/api/v1/eventHooks/who123",
  "eventId": "env-1",
  "data": {
    "events": [
      {"uuid": "u-1", "eventType": "user.session.start", "futureField": {"kept":  true}},
      {"eventType": "group.user_membership.add", "uuid": "u-2"},
      {"uuid": "bad\nid", "eventType": "a b"}
    ]
  }
}"#;

    fn split_body(body: &str) -> Vec<Outgoing> {
        let incoming = Incoming::parse(Bytes::copy_from_slice(body.as_bytes())).unwrap();
        split(&incoming, "okta.events")
    }

    #[test]
    fn each_event_is_sent_exactly_as_okta_wrote_it() {
        let out = split_body(BODY);
        assert_eq!(out.len(), 3);
        // Spacing, key order and unknown fields are kept byte for byte.
        assert_eq!(
            out[0].payload,
            r#"{"uuid": "u-1", "eventType": "user.session.start", "futureField": {"kept":  true}}"#
        );
        assert_eq!(
            out[1].payload,
            r#"{"eventType": "group.user_membership.add", "uuid": "u-2"}"#
        );
        assert_eq!(out[0].subject, "okta.events.user.session.start");
        assert_eq!(out[1].subject, "okta.events.group.user_membership.add");
        assert_eq!(out[2].subject, "okta.events._invalid");
        assert_eq!(out[0].id.as_ref().map(HeaderValue::as_str), Some("u-1"));
        assert_eq!(out[2].id, None, "a uuid that cannot be a header value");
        assert!(
            out[2]
                .headers
                .get(headers::OKTA_INVALID_REASON)
                .unwrap()
                .as_str()
                .starts_with("uuid"),
            "{:?}",
            out[2].headers
        );
        assert!(out[0].headers.get(headers::OKTA_INVALID_REASON).is_none());
        let headers = &out[0].headers;
        assert_eq!(
            headers.get(headers::OKTA_EVENT_ID).unwrap().as_str(),
            "env-1"
        );
        assert_eq!(
            headers.get(headers::OKTA_EVENT_HOOK_ID).unwrap().as_str(),
            "who123"
        );
        assert_eq!(
            headers.get(headers::OKTA_ORG).unwrap().as_str(),
            "acme.okta.com"
        );
    }

    #[test]
    fn each_bad_event_is_kept_aside_with_its_reason() {
        let long_type = "t".repeat(5000);
        let long_uuid = "u".repeat(70 * 1024);
        let body = serde_json::json!({"data": {"events": [
            {"uuid": "good", "eventType": "user.session.start"},
            {"uuid": "a", "eventType": long_type},
            {"uuid": long_uuid, "eventType": "user.session.start"},
            {"uuid": 5, "eventType": "user.session.start"},
            {"uuid": "b", "eventType": 5},
        ]}})
        .to_string();
        let out = split_body(&body);
        assert_eq!(out[0].subject, "okta.events.user.session.start");
        let reasons: Vec<&str> = out[1..]
            .iter()
            .map(|m| {
                assert_eq!(m.subject, "okta.events._invalid");
                m.headers
                    .get(headers::OKTA_INVALID_REASON)
                    .unwrap()
                    .as_str()
            })
            .collect();
        assert_eq!(
            reasons,
            [
                "eventType of 5000 bytes, longer than 1024",
                "uuid of 71680 bytes, longer than 1024",
                "uuid is not a string",
                "eventType is not a string",
            ]
        );
        // A good uuid still de-duplicates a kept-aside event.
        assert_eq!(out[1].id.as_ref().map(HeaderValue::as_str), Some("a"));
        assert_eq!(out[2].id, None);
    }

    #[test]
    fn an_empty_event_list_gives_no_messages() {
        // `{}` and a null list are not deliveries: `Incoming::parse` refuses them (400).
        assert!(split_body(r#"{"data":{"events":[]}}"#).is_empty());
        let out = split_body(r#"{"data":{"events":[{}]}}"#);
        assert!(out[0].headers.get(headers::OKTA_ORG).is_none());
    }
}
