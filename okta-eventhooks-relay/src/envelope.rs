//! One delivery into one message per event: subject, id, headers, and the event's JSON
//! exactly as Okta sent it.

use bytes::Bytes;

use async_nats::HeaderMap;
use okta_eventhooks_receiver::Incoming;

use crate::headers;
use crate::subject;

/// A message ready to publish.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub(crate) subject: String,
    /// The event's `uuid` (JetStream's `Nats-Msg-Id`), when it has a usable one.
    pub(crate) id: Option<String>,
    pub(crate) headers: HeaderMap,
    /// A slice of the request body: no copy, no re-serialization.
    pub(crate) payload: Bytes,
}

/// Splits a delivery into one message per event, in the delivery's order.
pub(crate) fn split(incoming: &Incoming, prefix: &str) -> Vec<Outgoing> {
    let shared = shared_headers(incoming);
    incoming
        .events
        .iter()
        .map(|event| {
            let id = event
                .uuid
                .as_deref()
                .filter(|uuid| !uuid.is_empty() && headers::value(uuid).is_some())
                .map(str::to_owned);
            if id.is_none() {
                tracing::warn!("event without a usable uuid: published without de-duplication");
            }
            Outgoing {
                subject: subject::for_event(prefix, event.event_type.as_deref()),
                id,
                headers: shared.clone(),
                payload: event.json.clone(),
            }
        })
        .collect()
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
        assert_eq!(out[0].id.as_deref(), Some("u-1"));
        assert_eq!(out[2].id, None, "a uuid that cannot be a header value");
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
    fn an_empty_event_list_gives_no_messages() {
        // `{}` and a null list are not deliveries: `Incoming::parse` refuses them (400).
        assert!(split_body(r#"{"data":{"events":[]}}"#).is_empty());
        let out = split_body(r#"{"data":{"events":[{}]}}"#);
        assert!(out[0].headers.get(headers::OKTA_ORG).is_none());
    }
}
