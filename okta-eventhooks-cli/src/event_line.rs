//! The one-line view of a System Log event (`listen`, `logs`, the demo): time, event type,
//! actor, targets, outcome, with control characters escaped so that a crafted event cannot
//! drive the terminal.
//!
//! It is read from a typed [`LogEvent`], or straight from an event's JSON as Okta sent it
//! (`listen`): then only these few fields are read, borrowed from the JSON where they need no
//! unescaping, and every other field is skipped, so that printing an event costs less than
//! decoding it. A field of a shape other than Okta's (a number where text belongs) is shown as
//! missing rather than refused: the event was already acknowledged.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use okta_eventhooks::events::{LogEvent, LogTarget};
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// What one line shows of an event.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventLine<'a> {
    #[serde(borrow, default)]
    published: Text<'a>,
    #[serde(borrow, default)]
    event_type: Text<'a>,
    #[serde(borrow, default)]
    actor: Lenient<Who<'a>>,
    #[serde(borrow, default, rename = "target")]
    targets: Lenient<Vec<Who<'a>>>,
    #[serde(borrow, default)]
    outcome: Lenient<Outcome<'a>>,
}

/// An actor or a target.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Who<'a> {
    #[serde(borrow, default, rename = "type")]
    kind: Text<'a>,
    #[serde(borrow, default)]
    display_name: Text<'a>,
    #[serde(borrow, default)]
    alternate_id: Text<'a>,
    #[serde(borrow, default)]
    id: Text<'a>,
}

#[derive(Debug, Default, Deserialize)]
struct Outcome<'a> {
    #[serde(borrow, default)]
    result: Text<'a>,
    #[serde(borrow, default)]
    reason: Text<'a>,
}

/// A text field: borrowed from the JSON unless it had escapes; `None` when missing, `null`
/// or not text (whatever it is instead is skipped).
#[derive(Debug, Default)]
struct Text<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<'a>(PhantomData<Text<'a>>);
        impl<'de: 'a, 'a> Visitor<'de> for Visit<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(Some(Cow::Borrowed(text))))
            }
            fn visit_str<E>(self, text: &str) -> Result<Text<'a>, E> {
                Ok(Text(Some(Cow::Owned(text.to_owned()))))
            }
            fn visit_string<E>(self, text: String) -> Result<Text<'a>, E> {
                Ok(Text(Some(Cow::Owned(text))))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Text<'a>, E> {
                Ok(Text(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Text<'a>, E> {
                Ok(Text(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Text<'a>, E> {
                Ok(Text(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Text<'a>, E> {
                Ok(Text(None))
            }
            fn visit_unit<E>(self) -> Result<Text<'a>, E> {
                Ok(Text(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text<'a>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text<'a>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
        }
        deserializer.deserialize_any(Visit(PhantomData))
    }
}

/// An object or list field read as `T` when it is one; `None` when missing or a scalar.
#[derive(Debug)]
struct Lenient<T>(Option<T>);

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Visit<T> {
            type Value = Lenient<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Lenient<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(|t| Lenient(Some(t)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Lenient<T>, A::Error> {
                T::deserialize(SeqAccessDeserializer::new(seq)).map(|t| Lenient(Some(t)))
            }
            fn visit_borrowed_str<E>(self, _: &'de str) -> Result<Lenient<T>, E> {
                Ok(Lenient(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Lenient<T>, E> {
                Ok(Lenient(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Lenient<T>, E> {
                Ok(Lenient(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Lenient<T>, E> {
                Ok(Lenient(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Lenient<T>, E> {
                Ok(Lenient(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Lenient<T>, E> {
                Ok(Lenient(None))
            }
            fn visit_unit<E>(self) -> Result<Lenient<T>, E> {
                Ok(Lenient(None))
            }
        }
        deserializer.deserialize_any(Visit(PhantomData))
    }
}

fn text(value: Option<&str>) -> Text<'_> {
    Text(value.map(Cow::Borrowed))
}

impl<'a> EventLine<'a> {
    /// The line of an event's JSON as sent. In one pass, unless the JSON is unlike any
    /// event (a key twice, a target list with an entry that is not an object): then read
    /// again from its `Value`, and all dashes when it is not even a JSON object.
    pub fn from_json(json: &'a [u8]) -> Self {
        serde_json::from_slice(json).unwrap_or_else(|_| {
            serde_json::from_slice::<Value>(json)
                .map(|value| EventLine::from_value(&value))
                .unwrap_or_default()
        })
    }

    /// The line of an event as a JSON value: what has the expected shape, the rest as
    /// missing (a target that is not an object is skipped).
    fn from_value(value: &Value) -> EventLine<'static> {
        let owned = |value: Option<&Value>| {
            Text(
                value
                    .and_then(Value::as_str)
                    .map(|text| Cow::Owned(text.to_owned())),
            )
        };
        let who = |value: &Value| Who {
            kind: owned(value.get("type")),
            display_name: owned(value.get("displayName")),
            alternate_id: owned(value.get("alternateId")),
            id: owned(value.get("id")),
        };
        let object = |key: &str| value.get(key).filter(|v| v.is_object());
        EventLine {
            published: owned(value.get("published")),
            event_type: owned(value.get("eventType")),
            actor: Lenient(object("actor").map(who)),
            targets: Lenient(
                value
                    .get("target")
                    .and_then(Value::as_array)
                    .map(|targets| targets.iter().filter(|t| t.is_object()).map(who).collect()),
            ),
            outcome: Lenient(object("outcome").map(|o| Outcome {
                result: owned(o.get("result")),
                reason: owned(o.get("reason")),
            })),
        }
    }

    /// The line of a typed event.
    pub fn from_event(event: &'a LogEvent) -> Self {
        let target = |t: &'a LogTarget| Who {
            kind: text(t.type_.as_deref()),
            display_name: text(t.display_name.as_deref()),
            alternate_id: text(t.alternate_id.as_deref()),
            id: text(t.id.as_deref()),
        };
        Self {
            published: text(event.published.as_deref()),
            event_type: text(event.event_type.as_deref()),
            actor: Lenient(event.actor.as_ref().map(|a| Who {
                // The line shows no actor type.
                kind: Text(None),
                display_name: text(a.display_name.as_deref()),
                alternate_id: text(a.alternate_id.as_deref()),
                id: text(a.id.as_deref()),
            })),
            targets: Lenient(Some(event.target.iter().map(target).collect())),
            outcome: Lenient(event.outcome.as_ref().map(|o| Outcome {
                result: Text(o.result.as_ref().map(|r| Cow::Owned(r.to_string()))),
                reason: text(o.reason.as_deref()),
            })),
        }
    }

    /// Appends the line (without a newline) to `out`, control characters escaped.
    pub fn write(&self, out: &mut String) {
        push_or_dash(out, self.published.0.as_deref());
        out.push_str("  ");
        push_or_dash(out, self.event_type.0.as_deref());
        out.push_str("  actor: ");
        match &self.actor.0 {
            Some(actor) => actor.write_person(out),
            None => out.push('-'),
        }
        out.push_str("  targets: ");
        match self.targets.0.as_deref() {
            Some(targets) if !targets.is_empty() => {
                for (n, target) in targets.iter().enumerate() {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    if let Some(kind) = &target.kind.0 {
                        push_printable(out, kind);
                        out.push(' ');
                    }
                    target.write_person(out);
                }
            }
            _ => out.push('-'),
        }
        out.push_str("  outcome: ");
        let (result, reason) = match &self.outcome.0 {
            Some(outcome) => (
                outcome.result.0.as_deref(),
                outcome.reason.0.as_deref().filter(|r| !r.is_empty()),
            ),
            None => (None, None),
        };
        push_or_dash(out, result);
        if let Some(reason) = reason {
            out.push_str(" (");
            push_printable(out, reason);
            out.push(')');
        }
    }

    /// The line as a new string.
    pub fn to_line(&self) -> String {
        let mut line = String::new();
        self.write(&mut line);
        line
    }
}

impl Who<'_> {
    /// `Name <login>`, or whichever of the two is there (the id stands in for the login).
    fn write_person(&self, out: &mut String) {
        let name = self.display_name.0.as_deref();
        let login = self.alternate_id.0.as_deref().or(self.id.0.as_deref());
        match (name, login) {
            (Some(name), Some(login)) if name != login => {
                push_printable(out, name);
                out.push_str(" <");
                push_printable(out, login);
                out.push('>');
            }
            (Some(text), _) | (None, Some(text)) => push_printable(out, text),
            (None, None) => out.push('-'),
        }
    }
}

fn push_or_dash(out: &mut String, value: Option<&str>) {
    match value {
        Some(value) => push_printable(out, value),
        None => out.push('-'),
    }
}

/// Appends `text` with control characters escaped (`\n`, `\u{1b}`), so that it cannot move
/// the cursor, change colours or fake lines on a terminal. Text without any is copied whole.
pub fn push_printable(out: &mut String, text: &str) {
    if !text.chars().any(char::is_control) {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(json: serde_json::Value) -> (String, String) {
        let bytes = serde_json::to_vec(&json).unwrap();
        let from_json = EventLine::from_json(&bytes).to_line();
        let event: LogEvent = serde_json::from_value(json).unwrap();
        (from_json, EventLine::from_event(&event).to_line())
    }

    #[test]
    fn the_json_and_the_typed_event_give_the_same_line() {
        for json in [
            serde_json::json!({
                "published": "2026-11-26T13:00:00.000Z",
                "eventType": "group.user_membership.add",
                "actor": {"type": "User", "displayName": "Ada Admin", "alternateId": "ada@acme.com"},
                "target": [
                    {"type": "User", "alternateId": "bob@acme.com", "displayName": "Bob"},
                    {"type": "UserGroup", "displayName": "Everyone"},
                    {"id": "00g1"}
                ],
                "outcome": {"result": "FAILURE", "reason": "INVALID_CREDENTIALS"}
            }),
            serde_json::json!({}),
            serde_json::json!({"actor": {"displayName": "Same", "alternateId": "Same"},
                "target": null, "outcome": {"reason": "why"}}),
            serde_json::json!({"actor": {"id": "00u1"}, "outcome": {"result": "QUARANTINED", "reason": ""},
                "eventType": "tab\there \u{1b}[31m \u{7f} \u{85} é"}),
            serde_json::json!({"eventType": "esc\\aped \"quotes\""}),
        ] {
            let (from_json, from_event) = both(json.clone());
            assert_eq!(from_json, from_event, "{json}");
        }
        let (line, _) = both(serde_json::json!({"eventType": "x\u{1b}[31m\nfake"}));
        assert!(line.contains("x\\u{1b}[31m\\nfake"), "{line}");
    }

    #[test]
    fn fields_of_other_shapes_show_as_missing() {
        let json = br#"{"published": 5, "eventType": ["a"], "actor": "root",
            "target": {"id": "x"}, "outcome": {"result": 1, "reason": {"a": null}},
            "severity": 5, "new": {"deep": [1, 2]}}"#;
        assert_eq!(
            EventLine::from_json(json).to_line(),
            "-  -  actor: -  targets: -  outcome: -"
        );
        // Read again from its Value: the entry that is not a target is skipped.
        let targets = br#"{"eventType": "t", "target": [{"displayName": 1, "id": "00u1"}, 7]}"#;
        assert_eq!(
            EventLine::from_json(targets).to_line(),
            "-  t  actor: -  targets: 00u1  outcome: -"
        );
        let twice = br#"{"eventType": "a", "eventType": "b", "actor": {"id": "00u1"}}"#;
        assert_eq!(
            EventLine::from_json(twice).to_line(),
            "-  b  actor: 00u1  targets: -  outcome: -"
        );
        assert_eq!(
            EventLine::from_json(b"[1]").to_line(),
            "-  -  actor: -  targets: -  outcome: -"
        );
    }

    #[test]
    fn the_escaper_copies_clean_text_and_escapes_control_characters() {
        let mut out = String::from(">");
        push_printable(&mut out, "plain é ✓");
        push_printable(&mut out, "a\nb\u{1b}c\u{0}");
        assert_eq!(out, ">plain é ✓a\\nb\\u{1b}c\\u{0}");
    }
}
