//! One System Log page read for reconciling: of each event only its `uuid`, `eventType` and
//! `published` are read (strings borrowed from the page where they have no escapes; every
//! other field skipped unread), and the whole event ([`LogEvent`]) only when its type needs
//! it ([`Reconciliation::needs_whole`]: a delivery failure, a type with a filter). A page of
//! a thousand events is a megabyte or two of JSON, nearly all of it fields reconciling does
//! not read.
//!
//! A page that does not read this way (not JSON, not an array of objects, a field of another
//! type) is read again as `LogEvent`s, as every page was before: it gives the same answer or
//! the same error ([`Error::Decode`](crate::Error::Decode)). Fields reconciling does not read
//! are not checked.

use std::borrow::Cow;
use std::ops::Range;

use serde::Deserialize;

use super::{Observed, Reconciliation};
use crate::error::Result;
use crate::events::LogEvent;
use crate::logs::RawPage;
use crate::transport::decode_error;

/// What is read of every event.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fields<'a> {
    #[serde(default, borrow)]
    uuid: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    event_type: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    published: Option<Cow<'a, str>>,
}

/// One event of a page as read: its fields, and the whole event when its type needs it.
struct Read<'a> {
    fields: Fields<'a>,
    whole: Option<LogEvent>,
}

impl Read<'_> {
    fn observed(&self) -> Observed<'_> {
        Observed {
            uuid: self.fields.uuid.as_deref(),
            event_type: self.fields.event_type.as_deref(),
            published: self.fields.published.as_deref(),
            whole: self.whole.as_ref(),
        }
    }
}

/// Takes every event of `page` into account; returns how many events it held.
pub(super) fn observe_page(round: &mut Reconciliation, page: &RawPage) -> Result<usize> {
    let Some(events) = read(round, &page.body) else {
        // Read as before, for the same events or the same error.
        let events: Vec<LogEvent> = serde_json::from_slice(&page.body)
            .map_err(|e| decode_error(200, &page.body, &e, page.request_id.clone()))?;
        let count = events.len();
        for event in events {
            round.observe(event)?;
        }
        return Ok(count);
    };
    for event in &events {
        round.take(event.observed())?;
    }
    Ok(events.len())
}

/// Every event of a page, read as far as `round` needs; `None` when the page does not read
/// this way. Nothing is taken into account until the whole page has been read.
fn read<'a>(round: &Reconciliation, body: &'a [u8]) -> Option<Vec<Read<'a>>> {
    let mut events = Vec::new();
    let mut at = after_whitespace(body, 0);
    if body.get(at) != Some(&b'[') {
        return None;
    }
    at = after_whitespace(body, at + 1);
    if body.get(at) == Some(&b']') {
        return (after_whitespace(body, at + 1) == body.len()).then_some(events);
    }
    loop {
        let (fields, span) = object(body, at)?;
        let whole = if round.needs_whole(fields.event_type.as_deref()) {
            Some(serde_json::from_slice(&body[span.clone()]).ok()?)
        } else {
            None
        };
        events.push(Read { fields, whole });
        at = after_whitespace(body, span.end);
        match body.get(at) {
            Some(b',') => at = after_whitespace(body, at + 1),
            Some(b']') => break,
            _ => return None,
        }
    }
    (after_whitespace(body, at + 1) == body.len()).then_some(events)
}

/// The event object starting at `at`: its fields, and where it ends.
fn object(body: &[u8], at: usize) -> Option<(Fields<'_>, Range<usize>)> {
    if body.get(at) != Some(&b'{') {
        return None;
    }
    let mut stream = serde_json::Deserializer::from_slice(&body[at..]).into_iter::<Fields<'_>>();
    let fields = stream.next()?.ok()?;
    Some((fields, at..at + stream.byte_offset()))
}

/// The first position from `at` that is not JSON whitespace.
fn after_whitespace(body: &[u8], mut at: usize) -> usize {
    while body
        .get(at)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use serde_json::{Value, json};

    use super::*;
    use crate::error::Error;
    use crate::reconcile::{Report, Selection};
    use crate::types::EventHook;

    const HOOK: &str = "who1";

    /// A hook on every eligible type, `group.user_membership.add` through a filter.
    fn round() -> Reconciliation {
        let items: Vec<&str> = crate::catalog::eligible().map(|t| t.name).collect();
        let hook: EventHook = serde_json::from_value(json!({
            "id": HOOK, "name": "h",
            "events": {"type": "EVENT_TYPE", "items": items, "filter": {
                "type": "EXPRESSION_LANGUAGE", "eventFilterMap": [{
                    "event": "group.user_membership.add",
                    "condition": {"expression": "event.target.?[type eq 'UserGroup' && displayName eq 'Everyone'].size()>0"},
                }],
            }},
            "channel": {"type": "HTTP", "version": "1.0.0", "config": {"uri": "https://example.com/"}},
        }))
        .unwrap();
        let since = "2000-01-01T00:00:00Z".parse().unwrap();
        let until = "2999-01-01T00:00:00Z".parse().unwrap();
        Reconciliation::new(Selection::of(&hook).unwrap(), HOOK, since, until)
    }

    fn failure(hook_id: &str, uuids: &str) -> Value {
        json!({
            "uuid": crate::ids::uuid_v4(), "eventType": "event_hook.delivery",
            "published": "2026-12-01T00:15:00.000Z",
            "outcome": {"result": "FAILURE", "reason": "HTTP 503"},
            "target": [{"id": hook_id, "type": "EventHook"}],
            "debugContext": {"debugData": {"deliveryEventId": "e1", "eventUuids": uuids, "eventHookId": hook_id}},
        })
    }

    /// A sample event of every type of the catalog, failures of this hook and another, a
    /// filtered type either way, and events with fields this SDK does not know.
    fn events() -> Vec<Value> {
        let mut events: Vec<Value> = crate::catalog::all()
            .iter()
            .map(|t| crate::sample::sample_event(t.name))
            .collect();
        events.push(failure(HOOK, "a, b"));
        events.push(failure("who2", "c"));
        let mut filtered_out = crate::sample::sample_event("group.user_membership.add");
        filtered_out["target"] =
            json!([{"id": "00g1", "type": "UserGroup", "displayName": "Sales"}]);
        events.push(filtered_out);
        events.push(json!({
            "uuid": "escaped-\u{e9}-\\u0041", "eventType": "user.session.start",
            "published": "2026-12-01T00:00:00.123456Z", "someday": {"new": [1, {"x": null}]},
        }));
        events.push(json!({"uuid": null, "eventType": "user.session.start", "published": "2026-12-01T00:00:00Z"}));
        events.push(
            json!({"eventType": "user.session.start", "published": "not a time", "uuid": "u-late"}),
        );
        events.push(json!({}));
        events
    }

    fn page(body: impl Into<Bytes>) -> RawPage {
        RawPage {
            body: body.into(),
            request_id: Some("req1".into()),
        }
    }

    /// The report of `events` read whole, one at a time, as every page was before.
    fn whole_report(events: &[Value]) -> Report {
        let mut whole = round();
        for event in events {
            whole
                .observe(serde_json::from_value(event.clone()).unwrap())
                .unwrap();
        }
        whole.finish(&["a".to_owned()].into())
    }

    #[test]
    fn a_page_read_light_agrees_with_every_event_read_whole() {
        let events = events();
        let body = serde_json::to_vec_pretty(&events).unwrap();
        let mut light = round();
        assert_eq!(observe_page(&mut light, &page(body)).unwrap(), events.len());
        let mut report = light.finish(&["a".to_owned()].into());
        let mut whole = whole_report(&events);
        // Events of one millisecond are missing in no particular order.
        for report in [&mut report, &mut whole] {
            report
                .missing
                .sort_by(|a, b| (&a.published, &a.uuid).cmp(&(&b.published, &b.uuid)));
        }
        assert!(
            report == whole,
            "read light: {report:#?}\nread whole: {whole:#?}"
        );
        assert_eq!(
            report.delivery_failures.len(),
            1,
            "this hook's failure only"
        );
        assert!(report.expected > crate::catalog::eligible().count() / 2);
    }

    #[test]
    fn what_is_read_of_each_sample_event_is_what_log_event_reads() {
        for event in events() {
            let text = serde_json::to_vec(&event).unwrap();
            let (fields, span) = object(&text, 0).unwrap();
            assert_eq!(span, 0..text.len());
            let whole: LogEvent = serde_json::from_value(event.clone()).unwrap();
            assert_eq!(fields.uuid.as_deref(), whole.uuid.as_deref(), "{event}");
            assert_eq!(fields.event_type.as_deref(), whole.event_type.as_deref());
            assert_eq!(fields.published.as_deref(), whole.published.as_deref());
            assert_eq!(
                super::super::published_at(fields.published.as_deref()),
                whole.published_at()
            );
        }
    }

    #[test]
    fn only_failures_and_filtered_types_are_read_whole() {
        let round = round();
        let body = serde_json::to_vec(&events()).unwrap();
        let read = read(&round, &body).unwrap();
        for event in &read {
            let event_type = event.fields.event_type.as_deref();
            let whole = matches!(
                event_type,
                Some("event_hook.delivery" | "group.user_membership.add")
            );
            assert_eq!(event.whole.is_some(), whole, "{event_type:?}");
        }
    }

    #[test]
    fn an_empty_page_and_whitespace() {
        for body in ["[]", " [ ] \n", "\n[\n{\"uuid\": \"a\"}\n,\t{}\n]\n"] {
            let mut light = round();
            let count = observe_page(&mut light, &page(body)).unwrap();
            assert_eq!(count, body.matches('{').count(), "{body}");
        }
    }

    /// A page that does not read light is read whole: the same events, or the same error as
    /// before (the generated layer's decoding of the page).
    #[test]
    fn malformed_pages_give_the_errors_they_gave_before() {
        for body in [
            "",
            "not json",
            "{}",
            "[",
            "[1]",
            "[{\"uuid\": 5}]",
            "[{\"eventType\": [\"a\"]}]",
            "[{\"published\": {}}]",
            "[{\"uuid\": \"a\"},]",
            "[{\"uuid\": \"a\"}] trailing",
            "[{\"uuid\": \"a\"} {\"uuid\": \"b\"}]",
            "[{\"uuid\": \"a\", \"eventType\": \"event_hook.delivery\", \"target\": 5}]",
            "[{\"uuid\": \"a\", \"eventType\": \"group.user_membership.add\", \"actor\": \"x\"}]",
            "[{\"uuid\": \"a\"",
        ] {
            let before = serde_json::from_slice::<Vec<LogEvent>>(body.as_bytes()).unwrap_err();
            let before = decode_error(200, body.as_bytes(), &before, Some("req1".into()));
            let mut light = round();
            let err = observe_page(&mut light, &page(body)).unwrap_err();
            assert!(matches!(err, Error::Decode { .. }), "{body}: {err}");
            assert_eq!(err.to_string(), before.to_string(), "{body}");
        }
    }

    /// Nothing of a page is taken into account before all of it has been read: a page that
    /// fails half-way leaves the round as it was (a failure would otherwise be counted again
    /// when the page is read whole).
    #[test]
    fn a_page_that_fails_half_way_takes_nothing() {
        let mut events = vec![failure(HOOK, "a")];
        events.push(json!({"uuid": "x", "eventType": "user.session.start", "published": "2026-12-01T00:00:00Z"}));
        events.push(json!({"uuid": 5}));
        let body = serde_json::to_vec(&events).unwrap();
        let mut light = round();
        observe_page(&mut light, &page(body)).unwrap_err();
        assert!(light.failures.is_empty());
        assert!(light.expected.is_empty());
    }
}
