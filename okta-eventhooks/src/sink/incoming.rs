//! A delivery as a [`Sink`](super::Sink) gets it: each event as Okta sent it (a slice of the
//! body) with the few fields needed to route and de-duplicate it.
//!
//! The rest of an event is not interpreted, so a field of a shape this version does not
//! expect never makes the receiver refuse (and Okta drop for good) a delivery that a sink
//! could have stored. Only JSON that is not a delivery at all is refused with 400. It is also
//! cheaper than the typed models: events are skipped over, not built.

use std::borrow::Cow;

use bytes::Bytes;
use serde::Deserialize;
use serde_json::value::RawValue;

/// A delivery that passed the receiver's checks (auth, size, a delivery's JSON shape).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Incoming {
    /// The request body exactly as Okta sent it.
    pub body: Bytes,
    /// The envelope's `eventId` (unique per delivery; a retry repeats it).
    pub event_id: Option<String>,
    /// The envelope's `source`: `https://{org}/api/v1/eventHooks/{id}`.
    pub source: Option<String>,
    /// The events, in the order of the delivery.
    pub events: Vec<RawEvent>,
}

/// One event of an [`Incoming`] delivery.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RawEvent {
    /// Its `uuid`: the same event delivered again (a retry, a re-batch) has the same one.
    pub uuid: Option<String>,
    /// Its `eventType`, e.g. `user.session.start`.
    pub event_type: Option<String>,
    /// The keys among `uuid` and `eventType` that are present but not strings (a number, an
    /// object): such an event is still handed over, with that key `None`, so that a sink can
    /// keep it aside instead of Okta dropping the whole delivery.
    pub not_strings: Vec<&'static str>,
    /// Its JSON exactly as Okta sent it (a slice of the body: every field, key order and
    /// spacing kept).
    pub json: Bytes,
}

impl Incoming {
    /// Parses a delivery body; `Err` when it is not a delivery: not JSON, not an object, no
    /// `data.events` list (`{}`, `{"data":null}`: Okta never sends one, and answering 200
    /// would acknowledge what was lost on the way), an event that is not an object or nests
    /// deeper than [`MAX_EVENT_DEPTH`](crate::events::MAX_EVENT_DEPTH), an `eventId` or
    /// `source` that is not a string. An event's `uuid` or `eventType` of another type is
    /// named in [`RawEvent::not_strings`], never an error: the delivery's other events are
    /// good.
    pub fn parse(body: Bytes) -> Result<Self, serde_json::Error> {
        // A JSON array would fill the envelope's fields by position.
        if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(serde::de::Error::custom("a delivery is a JSON object"));
        }
        let envelope: Envelope<'_> = serde_json::from_slice(&body)?;
        let events = envelope
            .data
            .and_then(|data| data.events)
            .ok_or_else(|| serde::de::Error::custom("a delivery has a data.events list"))?
            .into_iter()
            .map(|raw| {
                crate::events::check_event_depth(raw.get().as_bytes())?;
                let keys: EventKeys<'_> = serde_json::from_str(raw.get())?;
                let mut not_strings = Vec::new();
                let mut string = |key: Option<&RawValue>, name: &'static str| {
                    let key = key?;
                    let text = serde_json::from_str::<Option<Cow<'_, str>>>(key.get());
                    match text {
                        Ok(text) => text.map(Cow::into_owned),
                        Err(_) => {
                            not_strings.push(name);
                            None
                        }
                    }
                };
                let uuid = string(keys.uuid, "uuid");
                let event_type = string(keys.event_type, "eventType");
                Ok(RawEvent {
                    uuid,
                    event_type,
                    not_strings,
                    json: body.slice_ref(raw.get().as_bytes()),
                })
            })
            .collect::<Result<_, serde_json::Error>>()?;
        Ok(Self {
            event_id: envelope.event_id.map(Cow::into_owned),
            source: envelope.source.map(Cow::into_owned),
            events,
            body,
        })
    }

    /// The id of the hook that sent the delivery (the last segment of `source`).
    pub fn event_hook_id(&self) -> Option<&str> {
        crate::events::event_hook_id(self.source.as_deref()?)
    }
}

/// The envelope, with each event kept as raw JSON text.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    #[serde(borrow, default)]
    event_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    source: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    data: Option<EnvelopeData<'a>>,
}

#[derive(Deserialize)]
struct EnvelopeData<'a> {
    #[serde(borrow, default)]
    events: Option<Vec<&'a RawValue>>,
}

/// What a sink needs of an event, as raw JSON (of any type); every other field is skipped
/// unread.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventKeys<'a> {
    #[serde(borrow, default)]
    uuid: Option<&'a RawValue>,
    #[serde(borrow, default)]
    event_type: Option<&'a RawValue>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_slices_of_the_body_with_their_keys() {
        let body = Bytes::from_static(
            br#"{"eventId":"e1","source":"https://acme.okta.com/api/v1/eventHooks/who1",
              "data":{"events":[{"uuid":"u1", "eventType":"a.b","severity":5,"x":{"y":[1]}},{}]}}"#,
        );
        let incoming = Incoming::parse(body).unwrap();
        assert_eq!(incoming.event_id.as_deref(), Some("e1"));
        assert_eq!(incoming.event_hook_id(), Some("who1"));
        let first = &incoming.events[0];
        assert_eq!(first.uuid.as_deref(), Some("u1"));
        assert_eq!(first.event_type.as_deref(), Some("a.b"));
        // A field of a shape the typed model refuses (severity: 5) is simply carried.
        assert_eq!(
            first.json,
            r#"{"uuid":"u1", "eventType":"a.b","severity":5,"x":{"y":[1]}}"#
        );
        assert_eq!(incoming.events[1].uuid, None);
    }

    #[test]
    fn what_is_not_a_delivery_is_an_error() {
        for body in [
            "{",
            "[1]",
            "not json",
            r#"{"data":{"events":[1]}}"#,
            r#"{"eventId":5}"#,
            // Issue 20 item 6: no events list is not a delivery.
            "[]",
            r#"[null,null,{"events":[]}]"#,
            "{}",
            r#"{"data":null}"#,
            r#"{"data":{}}"#,
            r#"{"data":{"events":null}}"#,
        ] {
            assert!(Incoming::parse(Bytes::from(body)).is_err(), "{body}");
        }
        let incoming = Incoming::parse(Bytes::from(r#"{"data":{"events":[]}}"#)).unwrap();
        assert!(incoming.events.is_empty());
        // A uuid or type of another type spoils only its own event.
        let incoming = Incoming::parse(Bytes::from(
            r#"{"data":{"events":[{"uuid":7,"eventType":{"a":1}},{"uuid":"u2","eventType":null}]}}"#,
        ))
        .unwrap();
        assert_eq!(incoming.events[0].not_strings, ["uuid", "eventType"]);
        assert_eq!(incoming.events[0].uuid, None);
        assert_eq!(incoming.events[1].uuid.as_deref(), Some("u2"));
        assert!(incoming.events[1].not_strings.is_empty(), "null is absent");
    }

    #[test]
    fn an_event_deeper_than_readers_decode_is_not_a_delivery() {
        let event = |depth: usize| format!("{}{}", "[".repeat(depth - 1), "]".repeat(depth - 1));
        let body = |depth: usize| format!(r#"{{"data":{{"events":[{{"x":{}}}]}}}}"#, event(depth));
        let max = crate::events::MAX_EVENT_DEPTH;
        assert!(Incoming::parse(Bytes::from(body(max))).is_ok());
        let err = Incoming::parse(Bytes::from(body(max + 1))).unwrap_err();
        assert!(err.to_string().contains("levels deep"), "{err}");
    }
}
