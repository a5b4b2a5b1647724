//! A fired event's JSON, made once per event type and fire: the SDK's sample event with the
//! fire's hook ids and patch, serialised with the parts that differ from event to event left
//! as slots (its `uuid`, the other random ids, `published`). An event is the template's text
//! with fresh ids and the System Log's stamp spliced in: written once, and the same text is
//! stored in the System Log and sent in the POST bodies. What comes out is what building each
//! event as a value, patching and serialising it would give (the tests compare the two).

use std::sync::Arc;

use serde_json::Value;

use okta_eventhooks::ids;

use super::merge_patch;
use crate::syslog::{Stored, Values, filter_values};

/// The length of a time in Okta's format (`2025-03-13T23:36:13.000Z`), the System Log's stamp.
const STAMP_LEN: usize = 24;
/// The length of a UUID in its usual form.
const UUID_LEN: usize = 36;

/// What fills a slot, per event.
#[derive(Debug, PartialEq)]
enum Slot {
    /// A new `uuid` (a random version 4 UUID).
    Uuid,
    /// The time the System Log writes the event.
    Published,
    /// A new random id: `prefix` and random letters and digits, `len` characters in all.
    Id { prefix: Box<str>, len: usize },
}

/// A string of the event: fixed, or a slot's.
#[derive(Debug)]
enum Part {
    Text(Box<str>),
    Slot(usize),
}

impl Part {
    fn text<'a>(&'a self, fills: &'a [String]) -> &'a str {
        match self {
            Part::Text(text) => text,
            Part::Slot(slot) => &fills[*slot],
        }
    }

    fn slot(&self) -> Option<usize> {
        match self {
            Part::Slot(slot) => Some(*slot),
            Part::Text(_) => None,
        }
    }
}

/// One event type's events for one fire.
#[derive(Debug)]
pub(crate) struct Template {
    slots: Vec<Slot>,
    /// The JSON text around the slots: `pieces[0]`, a slot, `pieces[1]`, ...
    pieces: Vec<Box<str>>,
    /// Which slot goes after each piece but the last.
    holes: Vec<usize>,
    /// The values the System Log's filters read (a slot's where an id is one).
    values: Vec<(u8, Part)>,
    uuid: Option<Part>,
    event_type: Option<Arc<str>>,
    /// `published` when the patch set it (as milliseconds, if it reads as a time); the
    /// System Log stamps the others.
    kept_published_ms: Option<i64>,
    /// Bytes of an event (slots filled), for the buffer.
    len: usize,
}

/// A fired event as written: its JSON (the System Log's copy), and what a delivery says
/// about it.
#[derive(Debug)]
pub(crate) struct Fired {
    pub(crate) json: Arc<str>,
    pub(crate) uuid: Option<Box<str>>,
    /// `eventType` as written (a patch may have changed it).
    pub(crate) event_type: Option<Arc<str>>,
}

/// The paths where a sample event may have random ids (`[]` steps into every element of a
/// list) and the slots that make new ones; the same value elsewhere in the event (a user who
/// is both actor and target, the request id in the debug data) takes the same slot.
fn slot_of(path: &[&str], value: &str) -> Option<Slot> {
    let id = |prefix_len: usize| Slot::Id {
        prefix: value.get(..prefix_len).unwrap_or_default().into(),
        len: value.len(),
    };
    match path {
        ["uuid"] => Some(Slot::Uuid),
        ["published"] => Some(Slot::Published),
        // `ids::request_id`: letters and digits only.
        ["transaction", "id"] => Some(id(0)),
        // `ids::okta_id`: a three-character prefix (`00u`, `0oa`, `102`...).
        ["actor", "id"]
        | ["target", "[]", "id"]
        | ["authenticationContext", "externalSessionId"] => Some(id(3)),
        _ => None,
    }
}

/// The string leaves of `value` at the paths [`slot_of`] knows.
fn random_leaves<'v>(value: &'v Value, path: &mut Vec<&'v str>, out: &mut Vec<(&'v str, Slot)>) {
    match value {
        Value::String(text) => {
            if let Some(slot) = slot_of(path, text) {
                out.push((text, slot));
            }
        }
        Value::Array(items) => {
            path.push("[]");
            items.iter().for_each(|item| random_leaves(item, path, out));
            path.pop();
        }
        Value::Object(map) => {
            for (key, item) in map {
                path.push(key);
                random_leaves(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Replaces every string leaf equal to one of `from` with the matching `to`.
fn replace_strings(value: &mut Value, from: &[String], to: &[String]) {
    match value {
        Value::String(text) => {
            if let Some(index) = from.iter().position(|f| f == text) {
                *text = to[index].clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| replace_strings(v, from, to)),
        Value::Object(map) => map.values_mut().for_each(|v| replace_strings(v, from, to)),
        _ => {}
    }
}

impl Template {
    /// The template of `event_type`'s events by `admin_user_id` (the emulator's admin, fixed),
    /// naming `hook_ids` in the debug data, with `patch` applied (RFC 7396).
    pub(crate) fn new(
        event_type: &str,
        admin_user_id: &str,
        hook_ids: &str,
        patch: Option<&Value>,
    ) -> Self {
        let mut event = okta_eventhooks::sample::log_event(event_type, admin_user_id);
        // The sample's random values, each once, and the slot that makes new ones: the ids
        // at those paths that another sample has different (not the admin's, nor Okta's own
        // as the actor), and `published`, whatever the two say.
        let other = okta_eventhooks::sample::log_event(event_type, admin_user_id);
        let (mut leaves, mut others) = (Vec::new(), Vec::new());
        random_leaves(&event, &mut Vec::new(), &mut leaves);
        random_leaves(&other, &mut Vec::new(), &mut others);
        let (mut randoms, mut slots): (Vec<String>, Vec<Slot>) = (Vec::new(), Vec::new());
        for ((value, slot), (other, _)) in leaves.into_iter().zip(others) {
            let random = slot == Slot::Published || value != other;
            if random && !randoms.iter().any(|r| r == value) {
                randoms.push(value.to_owned());
                slots.push(slot);
            }
        }
        // Each random value becomes a marker no patch or sample text holds (a random nonce
        // in it) and that JSON writes as it is, to be found in the serialised text.
        let nonce = ids::alphanumeric(16);
        let markers: Vec<String> = (0..slots.len())
            .map(|slot| format!("~slot{slot}~{nonce}~"))
            .collect();
        replace_strings(&mut event, &randoms, &markers);
        event["debugContext"]["debugData"]["eventHookIds"] = Value::from(hook_ids);
        if let Some(patch) = patch {
            merge_patch(&mut event, patch);
        }
        let part = |text: &str| match markers.iter().position(|m| m == text) {
            Some(slot) => Part::Slot(slot),
            None => Part::Text(text.into()),
        };
        let values = filter_values(&event)
            .into_iter()
            .map(|(attribute, text)| (attribute, part(&text)))
            .collect();
        let uuid = event.get("uuid").and_then(Value::as_str).map(part);
        let event_type = event
            .get("eventType")
            .and_then(Value::as_str)
            .map(Arc::from);
        let published = event.get("published").and_then(Value::as_str);
        let kept_published_ms = published
            .filter(|p| part(p).slot().is_none())
            .and_then(|p| chrono::DateTime::parse_from_rfc3339(p).ok())
            .map(|p| p.timestamp_millis());
        let text = event.to_string();
        let (mut pieces, mut holes) = (Vec::new(), Vec::new());
        let mut rest = text.as_str();
        while let Some((at, slot)) = markers
            .iter()
            .enumerate()
            .filter_map(|(slot, marker)| Some((rest.find(marker.as_str())?, slot)))
            .min()
        {
            pieces.push(rest[..at].into());
            holes.push(slot);
            rest = &rest[at + markers[slot].len()..];
        }
        pieces.push(rest.into());
        let mut template = Self {
            slots,
            pieces,
            holes,
            values,
            uuid,
            event_type,
            kept_published_ms,
            len: 0,
        };
        template.len = template.pieces.iter().map(|p| p.len()).sum::<usize>()
            + template
                .holes
                .iter()
                .map(|hole| match &template.slots[*hole] {
                    Slot::Uuid => UUID_LEN,
                    Slot::Published => STAMP_LEN,
                    Slot::Id { len, .. } => *len,
                })
                .sum::<usize>();
        template
    }

    /// One event with new ids, `published` = `stamp` (Okta's format, the System Log's clock)
    /// unless the patch set it: what the System Log stores and the delivery that sends it.
    pub(crate) fn make(&self, stamp: &str) -> (Stored, Fired) {
        let fills: Vec<String> = self
            .slots
            .iter()
            .map(|slot| match slot {
                Slot::Uuid => ids::uuid_v4(),
                Slot::Published => stamp.to_owned(),
                Slot::Id { prefix, len } => {
                    let mut id = String::with_capacity(*len);
                    id.push_str(prefix);
                    id.push_str(&ids::alphanumeric(len.saturating_sub(prefix.len())));
                    id
                }
            })
            .collect();
        let mut json = String::with_capacity(self.len);
        for (piece, hole) in self.pieces.iter().zip(&self.holes) {
            json.push_str(piece);
            json.push_str(&fills[*hole]);
        }
        if let Some(last) = self.pieces.last() {
            json.push_str(last);
        }
        let json: Arc<str> = Arc::from(json);
        let values: Values = self
            .values
            .iter()
            .map(|(attribute, part)| (*attribute, Box::from(part.text(&fills))))
            .collect();
        let stored = Stored {
            json: Arc::clone(&json),
            published_ms: self.kept_published_ms,
            values,
        };
        let fired = Fired {
            json,
            uuid: self.uuid.as_ref().map(|u| Box::from(u.text(&fills))),
            event_type: self.event_type.clone(),
        };
        (stored, fired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ADMIN: &str = "00uadmin0000000000ad";
    const STAMP: &str = "2001-02-03T04:05:06.789Z";

    /// The leaves of a JSON value by path (`a.b.0.c`), for comparing two events.
    fn leaves(value: &Value) -> Vec<(String, Value)> {
        fn walk(value: &Value, path: String, out: &mut Vec<(String, Value)>) {
            match value {
                Value::Object(map) => map
                    .iter()
                    .for_each(|(k, v)| walk(v, format!("{path}.{k}"), out)),
                Value::Array(items) if !items.is_empty() => items
                    .iter()
                    .enumerate()
                    .for_each(|(i, v)| walk(v, format!("{path}.{i}"), out)),
                _ => out.push((path, value.clone())),
            }
        }
        let mut out = Vec::new();
        walk(value, String::new(), &mut out);
        out
    }

    /// The event the emulator made before templates: a sample value, its hook ids, the patch.
    fn by_value(event_type: &str, patch: Option<&Value>) -> Value {
        let mut event = okta_eventhooks::sample::log_event(event_type, ADMIN);
        event["debugContext"]["debugData"]["eventHookIds"] = Value::from("who1,who2");
        if let Some(patch) = patch {
            merge_patch(&mut event, patch);
        }
        event
    }

    fn parsed(fired: &Fired) -> Value {
        serde_json::from_str(&fired.json).expect("a made event is JSON")
    }

    /// For every type of Okta's catalog: a made event has the shape and text of one built as
    /// a value, and differs from it exactly where two events built as values differ (their
    /// random ids), with ids of the same shapes, the same id wherever the value had one id
    /// twice, and `published` the stamp; its length is the length the template planned.
    #[test]
    fn a_made_event_is_a_value_built_event_with_new_ids_and_time() {
        for event_type in okta_eventhooks::catalog::all() {
            let name = event_type.name;
            let template = Template::new(name, ADMIN, "who1,who2", None);
            let (stored, fired) = template.make(STAMP);
            let made = parsed(&fired);
            assert_eq!(stored.json, fired.json);
            assert_eq!(fired.json.len(), template.len, "{name}");
            let (old, other) = (by_value(name, None), by_value(name, None));
            let (made, old, other) = (leaves(&made), leaves(&old), leaves(&other));
            let paths =
                |l: &[(String, Value)]| l.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
            assert_eq!(
                paths(&made),
                paths(&old),
                "{name}: the same fields in the same order"
            );
            for ((path, made), ((_, old), (_, other))) in made.iter().zip(old.iter().zip(&other)) {
                if path == ".published" {
                    assert_eq!(made.as_str(), Some(STAMP), "{name}");
                    continue;
                }
                if old == other {
                    assert_eq!(made, old, "{name}: {path} is fixed");
                    continue;
                }
                let (made, old) = (made.as_str().unwrap(), old.as_str().unwrap());
                assert_ne!(made, old, "{name}: {path} is new");
                assert_eq!(made.len(), old.len(), "{name}: {path}");
                if path == ".uuid" {
                    assert_eq!(made.as_bytes()[14], b'4', "{name}: a version 4 uuid");
                } else if ![".transaction.id", ".debugContext.debugData.requestId"]
                    .contains(&path.as_str())
                {
                    assert_eq!(made[..3], old[..3], "{name}: {path} keeps its prefix");
                }
                assert!(made.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
            }
            // Ids the value had twice are one id in the made event too, and only those.
            let random: Vec<&(String, Value)> = old
                .iter()
                .zip(&other)
                .filter(|((p, a), (_, b))| a != b && p != ".published")
                .map(|(leaf, _)| leaf)
                .collect();
            let made_leaves = leaves(&parsed(&fired));
            let made: Vec<&Value> = made_leaves
                .iter()
                .filter(|(p, _)| random.iter().any(|(r, _)| r == p))
                .map(|(_, v)| v)
                .collect();
            for (i, (_, a)) in random.iter().enumerate() {
                for (j, (_, b)) in random.iter().enumerate() {
                    assert_eq!(a == b, made[i] == made[j], "{name}: ids {i} and {j}");
                }
            }
            // What the System Log's filters read is what it reads in the event.
            assert_eq!(stored.values, filter_values(&parsed(&fired)), "{name}");
            assert_eq!(fired.uuid.as_deref(), parsed(&fired)["uuid"].as_str());
            assert_eq!(fired.event_type.as_deref(), Some(name));
            assert_eq!(stored.published_ms, None, "the System Log stamps it");
        }
    }

    /// Issue 15 for the fire's path: events made from a template as the System Log writes
    /// them carry its stamp, never after the wall clock read after the write, never going
    /// back, in a burst far faster than one event a millisecond.
    #[test]
    fn made_events_are_never_published_after_the_wall_clock() {
        use crate::syslog::{DEFAULT_MAX_BYTES, MAX_EVENTS, SystemLog};
        let log = SystemLog::new(MAX_EVENTS, DEFAULT_MAX_BYTES);
        let template = Template::new("user.session.start", ADMIN, "", None);
        let mut last = i64::MIN;
        for _ in 0..200 {
            let mut window = Vec::new();
            log.append_with(50, |_, stamp| {
                let (stored, fired) = template.make(stamp);
                window.push(fired);
                Some(stored)
            });
            let wall = chrono::Utc::now().timestamp_millis();
            for fired in &window {
                let published = parsed(fired)["published"].as_str().unwrap().to_owned();
                let stamp = chrono::DateTime::parse_from_rfc3339(&published)
                    .unwrap()
                    .timestamp_millis();
                assert!(
                    stamp <= wall,
                    "published {stamp} after the wall clock {wall}"
                );
                assert!(stamp >= last, "published went back: {stamp} < {last}");
                last = stamp;
            }
        }
    }

    /// Two events of one template share nothing random.
    #[test]
    fn every_event_gets_new_ids() {
        let template = Template::new("user.session.start", ADMIN, "", None);
        let (_, a) = template.make(STAMP);
        let (_, b) = template.make(STAMP);
        let (a, b) = (parsed(&a), parsed(&b));
        for path in ["/uuid", "/actor/id", "/target/0/id", "/transaction/id"] {
            assert_ne!(a.pointer(path), b.pointer(path), "{path}");
        }
        assert_eq!(a["actor"]["id"], a["target"][0]["id"], "the user signs in");
        assert_eq!(
            a["transaction"]["id"],
            a["debugContext"]["debugData"]["requestId"]
        );
    }

    /// A patch is applied to the template: what it sets is in every event (a `published` of
    /// its own is kept, not stamped; a `uuid` of its own is the same in every event), what it
    /// removes is gone, and the rest still gets new ids; the text is the patched value's.
    #[test]
    fn a_patch_shapes_every_event() {
        let patch = json!({
            "published": "2020-01-01T00:00:00.000Z",
            "eventType": "user.account.lock",
            "outcome": {"result": "FAILURE", "reason": "patched"},
            "target": [{"id": "00ufixed", "type": "User", "displayName": "Fixed"}],
            "securityContext": null,
            "debugContext": {"debugData": {"extra": "x"}}
        });
        let template = Template::new("user.session.start", ADMIN, "who1,who2", Some(&patch));
        let (stored, fired) = template.make(STAMP);
        let (_, second) = template.make(STAMP);
        let made = parsed(&fired);
        assert_eq!(made["published"], "2020-01-01T00:00:00.000Z");
        assert_eq!(stored.published_ms, Some(1_577_836_800_000));
        assert_eq!(made["eventType"], "user.account.lock");
        assert_eq!(fired.event_type.as_deref(), Some("user.account.lock"));
        assert_eq!(made["outcome"]["reason"], "patched");
        assert_eq!(made["target"], patch["target"]);
        assert!(made.get("securityContext").is_none());
        assert_eq!(made["debugContext"]["debugData"]["extra"], "x");
        assert_eq!(
            made["debugContext"]["debugData"]["eventHookIds"],
            "who1,who2"
        );
        assert_ne!(made["uuid"], parsed(&second)["uuid"]);
        assert_ne!(made["actor"]["id"], parsed(&second)["actor"]["id"]);
        // Apart from its ids, the event is the value-built one with the same patch.
        let mut old = by_value("user.session.start", Some(&patch));
        let mut made = made;
        for event in [&mut old, &mut made] {
            for pointer in ["/uuid", "/actor/id", "/transaction/id"] {
                *event.pointer_mut(pointer).unwrap() = Value::Null;
            }
            event["debugContext"]["debugData"]["requestId"] = Value::Null;
            event["authenticationContext"]["externalSessionId"] = Value::Null;
        }
        assert_eq!(made, old);
        assert_eq!(
            serde_json::to_string(&made).unwrap(),
            serde_json::to_string(&old).unwrap(),
            "the same field order"
        );

        let fixed = json!({"uuid": "fixed-uuid", "published": null});
        let template = Template::new("user.session.start", ADMIN, "", Some(&fixed));
        let (stored, fired) = template.make(STAMP);
        assert_eq!(fired.uuid.as_deref(), Some("fixed-uuid"));
        assert!(parsed(&fired).get("published").is_none());
        assert_eq!(stored.published_ms, None);
        // A patch that is not an object replaces the event.
        let (_, fired) = Template::new("a.b", ADMIN, "", Some(&json!(5))).make(STAMP);
        assert_eq!(&*fired.json, "5");
        assert_eq!((fired.uuid, fired.event_type), (None, None));
    }
}
