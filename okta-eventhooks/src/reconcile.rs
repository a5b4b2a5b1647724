//! Reconciling a hook's deliveries against the System Log: which events the hook should have
//! delivered (its subscribed types, each through its filter), which of them a sink does not
//! hold, and the hook's failed deliveries. [`Reconciliation`] is the pure comparison; [`run`]
//! is one whole round over any [`Sink`]: read what it holds, read the System Log
//! ([`Client::logs`](crate::Client::logs)), compare, and replay what is missing if asked.
//!
//! ```
//! use std::collections::HashSet;
//! use okta_eventhooks::reconcile::{Reconciliation, Selection};
//!
//! let hook: okta_eventhooks::EventHook = serde_json::from_value(serde_json::json!({
//!     "id": "who1", "name": "audit",
//!     "events": {"type": "EVENT_TYPE", "items": ["user.session.start"]},
//!     "channel": {"type": "HTTP", "version": "1.0.0", "config": {"uri": "https://example.com/okta"}},
//! }))?;
//! let since = "2026-12-01T00:00:00Z".parse()?;
//! let until = "2026-12-01T06:00:00Z".parse()?;
//! let seen: HashSet<String> = ["u1".to_owned()].into();
//! let mut run = Reconciliation::new(Selection::of(&hook)?, "who1", since, until);
//! for (uuid, event_type) in [("u1", "user.session.start"), ("u2", "user.session.start"), ("u3", "user.session.end")] {
//!     run.observe(serde_json::from_value(serde_json::json!({
//!         "uuid": uuid, "eventType": event_type, "published": "2026-12-01T01:00:00.000Z",
//!     }))?)?;
//! }
//! let report = run.finish(&seen);
//! assert_eq!((report.expected, report.present), (2, 1));
//! assert_eq!(report.missing[0].uuid, "u2");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use futures_core::Stream;
use serde::Serialize;
use serde_json::Value;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::events::LogEvent;
use crate::filter::Filter;
use crate::logs::MAX_QUERY_BYTES;
use crate::sink::{ReplayTo, Replayed, Sink};
use crate::types::EventHook;

mod kept;
mod log_read;
mod page;

/// Most events one reconciliation judges: a longer window is split into shorter ones. Of
/// each only its uuid, type and time are kept, under 150 bytes (measured by the ignored test
/// `reconcile_memory_per_event` in `okta-eventhooks/tests/reconcile_memory.rs`), so 300 MB at
/// most.
pub const MAX_EXPECTED: usize = 2_000_000;

/// The System Log event type Okta writes when a delivery failed (not hook-eligible itself).
pub const DELIVERY_FAILURE_EVENT_TYPE: &str = "event_hook.delivery";

/// Keys of a delivery failure's `debugContext.debugData` that reconciling reads, as the
/// emulator writes them (Okta's own keys are not documented): the failed POST's `eventId`,
/// the hook's id, and the comma-separated uuids of the events it carried.
pub const FAILURE_DELIVERY_EVENT_ID: &str = "deliveryEventId";
/// See [`FAILURE_DELIVERY_EVENT_ID`].
pub const FAILURE_EVENT_HOOK_ID: &str = "eventHookId";
/// See [`FAILURE_DELIVERY_EVENT_ID`].
pub const FAILURE_EVENT_UUIDS: &str = "eventUuids";
/// The key of the HTTP status the hook answered a failed delivery with (absent when it did
/// not answer), as the emulator writes it; `doctor` reports the last one.
pub const FAILURE_HTTP_STATUS: &str = "httpStatus";

/// What a hook receives: its subscribed event types, each with its filter when it has one.
#[derive(Clone, Debug)]
pub struct Selection {
    types: HashMap<String, Option<Filter>>,
}

impl Selection {
    /// The selection of a hook as Okta returns it. A filter that does not parse is an error:
    /// which events it lets through cannot be known.
    pub fn of(hook: &EventHook) -> Result<Self> {
        let mut types: HashMap<String, Option<Filter>> = hook
            .events
            .items
            .iter()
            .map(|t| (t.clone(), None))
            .collect();
        let entries = hook.events.filter.iter().flat_map(|f| &f.event_filter_map);
        for entry in entries {
            let (Some(event_type), Some(expression)) = (
                entry.event.as_deref(),
                entry
                    .condition
                    .as_ref()
                    .and_then(|c| c.expression.as_deref()),
            ) else {
                continue;
            };
            let filter = Filter::parse(expression).map_err(|e| {
                Error::InvalidInput(format!(
                    "the hook's filter for {event_type} is not valid, so which events it delivers cannot be known: {e}"
                ))
            })?;
            if let Some(slot) = types.get_mut(event_type) {
                *slot = Some(filter);
            }
        }
        Ok(Self { types })
    }

    /// The subscribed event types, sorted.
    pub fn event_types(&self) -> Vec<&str> {
        let mut types: Vec<&str> = self.types.keys().map(String::as_str).collect();
        types.sort_unstable();
        types
    }

    /// Whether the hook gets `event`: a subscribed type, and its filter (if any) is true.
    pub fn selects(&self, event: &LogEvent) -> bool {
        self.selects_type(event.event_type.as_deref(), Some(event))
    }

    /// Whether the hook gets an event of `event_type`; `whole` is the event, needed only when
    /// the type has a filter (without it, such an event is not selected).
    fn selects_type(&self, event_type: Option<&str>, whole: Option<&LogEvent>) -> bool {
        match event_type.and_then(|t| self.types.get(t)) {
            None => false,
            Some(None) => true,
            Some(Some(filter)) => whole.is_some_and(|event| filter.matches(event)),
        }
    }

    /// Whether the type has a filter, which reads the whole event.
    fn filters(&self, event_type: &str) -> bool {
        matches!(self.types.get(event_type), Some(Some(_)))
    }
}

/// What deciding about one System Log event reads: its uuid, type and time as Okta wrote them,
/// and the whole event when its type needs it ([`Reconciliation::needs_whole`]).
#[derive(Clone, Copy, Debug, Default)]
struct Observed<'e> {
    uuid: Option<&'e str>,
    event_type: Option<&'e str>,
    published: Option<&'e str>,
    whole: Option<&'e LogEvent>,
}

/// An event's `published` time, read as [`LogEvent::published_at`] reads it (RFC 3339; `None`
/// when absent or not a time).
fn published_at(text: Option<&str>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// One event the hook should have delivered that the sink does not hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Missing {
    /// The event's `uuid`.
    pub uuid: String,
    /// Its `eventType`.
    pub event_type: String,
    /// Its `published` time, as Okta writes it (RFC 3339, UTC, milliseconds).
    pub published: String,
}

/// One `event_hook.delivery` failure of the hook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryFailure {
    /// When Okta recorded it.
    pub published: String,
    /// The failed delivery's `eventId`, when Okta recorded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_event_id: Option<String>,
    /// The uuids of the events in that delivery, when Okta recorded them.
    pub event_uuids: Vec<String>,
    /// Why it failed (`outcome.reason`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What a reconciliation found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The hook.
    pub hook_id: String,
    /// Start of the window (of `published`).
    pub since: DateTime<Utc>,
    /// End of the window (exclusive).
    pub until: DateTime<Utc>,
    /// Events in the window the hook should have delivered (each uuid once).
    pub expected: usize,
    /// Of those, how many the sink holds.
    pub present: usize,
    /// The others, oldest first.
    pub missing: Vec<Missing>,
    /// The hook's failed deliveries in the window, oldest first.
    pub delivery_failures: Vec<DeliveryFailure>,
}

/// One reconciliation in progress: System Log events go in one at a time ([`observe`]), in
/// any order and with repeats (overlapping pages), while the sink is still being read; what
/// the sink holds comes in at the end ([`finish`]). Of each event the hook should have
/// delivered only its uuid, type and time are kept (see [`MAX_EXPECTED`]); the events
/// themselves are not.
///
/// [`observe`]: Reconciliation::observe
/// [`finish`]: Reconciliation::finish
#[derive(Debug)]
pub struct Reconciliation {
    selection: Selection,
    /// The subscribed types, sorted: a missing event keeps its type as an index into them.
    types: Vec<String>,
    hook_id: String,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    expected: HashMap<kept::Uuid, kept::Slot>,
    failures: Vec<DeliveryFailure>,
}

impl Reconciliation {
    /// Starts a reconciliation of hook `hook_id` over `[since, until)` (of `published`).
    pub fn new(
        selection: Selection,
        hook_id: impl Into<String>,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Self {
        let types = selection
            .event_types()
            .into_iter()
            .map(str::to_owned)
            .collect();
        Self {
            selection,
            types,
            hook_id: hook_id.into(),
            since,
            until,
            expected: HashMap::new(),
            failures: Vec::new(),
        }
    }

    /// Takes one System Log event into account. Events outside the window, without a uuid or
    /// time, or that the hook does not select are ignored. More than [`MAX_EXPECTED`]
    /// expected events (or failures) is an error: the window is too long for one run.
    pub fn observe(&mut self, event: LogEvent) -> Result<()> {
        self.take(Observed {
            uuid: event.uuid.as_deref(),
            event_type: event.event_type.as_deref(),
            published: event.published.as_deref(),
            whole: Some(&event),
        })
    }

    /// Whether deciding about an event of `event_type` reads more than its uuid, type and
    /// time: a delivery failure (whose hook and uuids are deeper in), or a subscribed type with
    /// a filter. Only such events are parsed whole when a page is read ([`page`]).
    fn needs_whole(&self, event_type: Option<&str>) -> bool {
        event_type.is_some_and(|t| t == DELIVERY_FAILURE_EVENT_TYPE || self.selection.filters(t))
    }

    /// [`observe`](Self::observe), from what was read of the event: every rule of what is
    /// expected lives here, whichever way the event was read.
    fn take(&mut self, event: Observed<'_>) -> Result<()> {
        let Some(published) = published_at(event.published) else {
            return Ok(());
        };
        if published < self.since || published >= self.until {
            return Ok(());
        }
        if self.expected.len() >= MAX_EXPECTED || self.failures.len() >= MAX_EXPECTED {
            return Err(Error::InvalidInput(format!(
                "more than {MAX_EXPECTED} events in the window: reconcile shorter windows"
            )));
        }
        if event.event_type == Some(DELIVERY_FAILURE_EVENT_TYPE) {
            debug_assert!(event.whole.is_some(), "a failure is read whole");
            if let Some(failure) = event.whole.and_then(|e| delivery_failure(e, &self.hook_id)) {
                self.failures.push(failure);
            }
            return Ok(());
        }
        let Some(uuid) = event.uuid.filter(|u| !u.is_empty()) else {
            return Ok(());
        };
        if !self.selection.selects_type(event.event_type, event.whole) {
            return Ok(());
        }
        let std::collections::hash_map::Entry::Vacant(slot) =
            self.expected.entry(kept::Uuid::of(uuid))
        else {
            return Ok(());
        };
        // A selected event's type is one of the subscribed ones.
        let event_type = event.event_type.unwrap_or_default();
        let index = self
            .types
            .binary_search_by(|t| t.as_str().cmp(event_type))
            .unwrap_or_default();
        slot.insert(kept::Slot::missing(published, index));
        Ok(())
    }

    /// The report against the uuids the sink holds (`present`): the missing events oldest
    /// first (their uuid, type and time; [`run`] reads them again from the System Log to
    /// replay them).
    pub fn finish(mut self, present: &HashSet<String>) -> Report {
        self.failures.sort_by(|a, b| a.published.cmp(&b.published));
        let expected = self.expected.len();
        // The sink's uuids are looked up among the expected ones (not the other way round),
        // so no expected uuid is written back as text to be compared.
        let mut found = 0;
        // With nothing expected (a hook whose types did not occur) no id needs reading.
        let present = if expected > 0 {
            present.iter()
        } else {
            Default::default()
        };
        for uuid in present {
            if let Some(slot) = self.expected.get_mut(&kept::Uuid::of(uuid))
                && slot.missing_at().is_some()
            {
                *slot = kept::Slot::present();
                found += 1;
            }
        }
        // Taken apart as it is read, so the uuids are not held twice.
        let mut missing: Vec<(i64, kept::Uuid, usize)> = std::mem::take(&mut self.expected)
            .into_iter()
            .filter_map(|(uuid, slot)| {
                let (event_type, published) = slot.missing_at()?;
                Some((published, uuid, event_type))
            })
            .collect();
        missing.sort_unstable_by_key(|&(published, _, _)| published);
        let missing = missing
            .into_iter()
            .map(|(published, uuid, event_type)| Missing {
                uuid: uuid.text(),
                event_type: self.types.get(event_type).cloned().unwrap_or_default(),
                published: kept::published_text(published),
            })
            .collect();
        Report {
            hook_id: self.hook_id,
            since: self.since,
            until: self.until,
            expected,
            present: found,
            missing,
            delivery_failures: self.failures,
        }
    }
}

/// An `event_hook.delivery` event as a failure of hook `hook_id`, if it is one: the hook is
/// among its targets (type `EventHook`) or named by `debugData.eventHookId`.
pub(crate) fn delivery_failure(event: &LogEvent, hook_id: &str) -> Option<DeliveryFailure> {
    let debug = event
        .debug_context
        .as_ref()
        .and_then(|d| d.debug_data.as_ref());
    let text = |key: &str| debug.and_then(|d| d.get(key)).and_then(Value::as_str);
    let targeted = event
        .target
        .iter()
        .any(|t| t.type_.as_deref() == Some("EventHook") && t.id.as_deref() == Some(hook_id));
    if !targeted && text(FAILURE_EVENT_HOOK_ID) != Some(hook_id) {
        return None;
    }
    Some(DeliveryFailure {
        published: event.published.as_deref().unwrap_or_default().to_owned(),
        delivery_event_id: text(FAILURE_DELIVERY_EVENT_ID).map(str::to_owned),
        event_uuids: text(FAILURE_EVENT_UUIDS)
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|u| !u.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        reason: event
            .outcome
            .as_ref()
            .and_then(|o| o.reason.as_deref().map(str::to_owned)),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn hook(filter: Option<&str>) -> EventHook {
        let mut value = json!({
            "id": "who1", "name": "h",
            "events": {"type": "EVENT_TYPE", "items": ["user.session.start", "group.user_membership.add"]},
            "channel": {"type": "HTTP", "version": "1.0.0", "config": {"uri": "https://example.com/"}},
        });
        if let Some(expression) = filter {
            value["events"]["filter"] = json!({"type": "EXPRESSION_LANGUAGE", "eventFilterMap": [
                {"event": "group.user_membership.add", "condition": {"version": null, "expression": expression}}
            ]});
        }
        serde_json::from_value(value).unwrap()
    }

    fn event(uuid: &str, event_type: &str, minute: u32, group: &str) -> LogEvent {
        serde_json::from_value(json!({
            "uuid": uuid, "eventType": event_type,
            "published": format!("2026-12-01T00:{minute:02}:00.000Z"),
            "target": [{"id": "00u1", "type": "User"}, {"id": "00g1", "type": "UserGroup", "displayName": group}],
        }))
        .unwrap()
    }

    fn window() -> (DateTime<Utc>, DateTime<Utc>) {
        (
            "2026-12-01T00:10:00Z".parse().unwrap(),
            "2026-12-01T00:50:00Z".parse().unwrap(),
        )
    }

    #[test]
    fn types_filters_window_and_repeats_decide_what_is_expected() {
        let selection = Selection::of(&hook(Some(
            "event.target.?[type eq 'UserGroup' && displayName eq 'Sales'].size()>0",
        )))
        .unwrap();
        let present: HashSet<String> = ["a".to_owned()].into();
        let (since, until) = window();
        let mut run = Reconciliation::new(selection, "who1", since, until);
        for e in [
            event("a", "user.session.start", 20, ""),
            event("b", "user.session.start", 30, ""),
            event("b", "user.session.start", 30, ""), // overlapping pages
            event("c", "group.user_membership.add", 21, "Sales"),
            event("d", "group.user_membership.add", 22, "Support"), // filtered out
            event("e", "user.lifecycle.create", 23, ""),            // not subscribed
            event("f", "user.session.start", 5, ""),                // before the window
            event("g", "user.session.start", 50, ""),               // the end is exclusive
        ] {
            run.observe(e).unwrap();
        }
        let report = run.finish(&present);
        assert_eq!((report.expected, report.present), (3, 1));
        let uuids: Vec<&str> = report.missing.iter().map(|m| m.uuid.as_str()).collect();
        assert_eq!(uuids, ["c", "b"], "oldest first");
        assert_eq!(report.missing[0].event_type, "group.user_membership.add");
        assert_eq!(report.missing[0].published, "2026-12-01T00:21:00.000Z");
    }

    #[test]
    fn delivery_failures_of_this_hook_only() {
        let selection = Selection::of(&hook(None)).unwrap();
        let present = HashSet::new();
        let (since, until) = window();
        let mut run = Reconciliation::new(selection, "who1", since, until);
        for hook_id in ["who1", "who2"] {
            run.observe(
                serde_json::from_value(json!({
                    "uuid": format!("f-{hook_id}"), "eventType": "event_hook.delivery",
                    "published": "2026-12-01T00:15:00.000Z",
                    "outcome": {"result": "FAILURE", "reason": "HTTP 503"},
                    "target": [{"id": hook_id, "type": "EventHook"}],
                    "debugContext": {"debugData": {"deliveryEventId": "e1", "eventUuids": "a, b"}},
                }))
                .unwrap(),
            )
            .unwrap();
        }
        let report = run.finish(&present);
        assert_eq!(report.expected, 0, "a failure is not an expected event");
        assert_eq!(
            report.delivery_failures,
            [DeliveryFailure {
                published: "2026-12-01T00:15:00.000Z".into(),
                delivery_event_id: Some("e1".into()),
                event_uuids: vec!["a".into(), "b".into()],
                reason: Some("HTTP 503".into()),
            }]
        );
    }

    #[test]
    fn a_filter_that_does_not_parse_is_an_error() {
        let err = Selection::of(&hook(Some("event.client.ipAddress eq '1'"))).unwrap_err();
        assert!(
            err.to_string().contains("group.user_membership.add"),
            "{err}"
        );
    }
}

/// The window of one [`run`]: events published from `since` until `until`.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    /// Start (of the events' `published` time).
    pub since: DateTime<Utc>,
    /// End (exclusive).
    pub until: DateTime<Utc>,
    /// Read the System Log up to `until` only (a bounded read); otherwise Okta's polling read
    /// up to what it has persisted, for a window that ends about now.
    pub bounded: bool,
}

/// What one [`run`] found, and what its replay did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Round {
    /// The comparison.
    #[serde(flatten)]
    pub report: Report,
    /// What the replay did, when one was asked for and something was missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay: Option<Replayed>,
}

/// How a [`run`] reads and what it does about a gap.
#[derive(Debug, Default)]
pub struct RunOptions {
    /// Put the missing events into the sink ([`Sink::replay`]).
    pub replay: bool,
    /// System Log events per request (`None`: the SDK's default).
    pub page_size: Option<u32>,
}

/// One reconciliation round of `hook` against `sink` over `window`: reads what the sink holds,
/// reads the System Log (only the hook's types and its failures when that filter fits in a
/// URL), compares, and with [`RunOptions::replay`] puts the missing events in (after
/// [`Sink::check_target`]).
pub async fn run(
    client: &Client,
    hook: &EventHook,
    sink: &dyn Sink,
    window: Window,
    options: &RunOptions,
) -> Result<Round> {
    let Window {
        since,
        until,
        bounded,
    } = window;
    if since >= until {
        return Err(Error::InvalidInput(format!(
            "the window is empty: --since {since} is not before its end {until}"
        )));
    }
    let hook_id = hook.id.clone().unwrap_or_default();
    let selection = Selection::of(hook)?;
    let round = Reconciliation::new(selection.clone(), &hook_id, since, until);
    let mut query = client.logs().since(since);
    if let Some(limit) = options.page_size {
        query = query.limit(limit);
    }
    // Only the hook's types and its failures, when the filter fits in a URL; otherwise every
    // event, sorted out here.
    let mut types = selection.event_types();
    types.push(DELIVERY_FAILURE_EVENT_TYPE);
    let filter_bytes: usize = types
        .iter()
        .map(|t| t.len() + r#"eventType eq "" or "#.len())
        .sum();
    if filter_bytes < MAX_QUERY_BYTES {
        query = query.event_types(types);
    }
    // The sink and the System Log are read at once: each waits on its own server. A bounded
    // read (it ends by itself) is read as raw pages, parsed only as far as needed, on a
    // thread of its own while the next page comes; a polling one (until caught up) as
    // events.
    let read_log = async {
        if bounded {
            return log_read::observe_pages(query.clone().until(until).pages()?, round).await;
        }
        let mut round = round;
        let mut events = std::pin::pin!(query.clone().stream()?);
        while let Some(event) = std::future::poll_fn(|cx| events.as_mut().poll_next(cx)).await {
            round.observe(event?)?;
        }
        Ok::<_, Error>(round)
    };
    let (present, round) = tokio::try_join!(sink.stored_uuids(since, until), read_log)?;
    let report = round.finish(&present);
    drop(present);
    let replay = if options.replay && !report.missing.is_empty() {
        sink.check_target().await?;
        let to = ReplayTo {
            hook,
            org_url: client.org_url(),
        };
        let missing: HashSet<&str> = report.missing.iter().map(|m| m.uuid.as_str()).collect();
        Some(replay_missing(sink, to, query.until(until), missing).await?)
    } else {
        None
    };
    Ok(Round { report, replay })
}

/// Events replayed per [`Sink::replay`] call: the missing events are read again from the
/// System Log and put in a batch at a time, never all held at once.
const REPLAY_BATCH: usize = 500;

/// Reads the window again (`query`, bounded) and replays the events whose uuid is `missing`,
/// each once, oldest first, [`REPLAY_BATCH`] at a time.
async fn replay_missing(
    sink: &dyn Sink,
    to: ReplayTo<'_>,
    query: crate::logs::LogQuery,
    mut missing: HashSet<&str>,
) -> Result<Replayed> {
    let (mut replayed, mut already_stored) = (0, 0);
    let mut batch = Vec::with_capacity(REPLAY_BATCH);
    let mut events = std::pin::pin!(query.stream()?);
    loop {
        let next = std::future::poll_fn(|cx| events.as_mut().poll_next(cx)).await;
        let end = next.is_none();
        if let Some(event) = next {
            let event = event?;
            if event.uuid.as_deref().is_some_and(|u| missing.remove(u)) {
                batch.push(event);
            }
        }
        let last = end || missing.is_empty();
        if batch.len() >= REPLAY_BATCH || (last && !batch.is_empty()) {
            let done = sink.replay(to, &batch).await?;
            replayed += done.replayed;
            already_stored += done.already_stored;
            batch.clear();
        }
        if last {
            break;
        }
    }
    Ok(Replayed::new(replayed, already_stored))
}
