//! What the emulator reports: delivery attempts (like Okta's `event_hook.delivery` System Log
//! entries) and the summary of one `fire`.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::chaos::Chaos;

/// Which outbound call an attempt was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum DeliveryKind {
    /// The one-time verification GET.
    Verification,
    /// An event delivery POST.
    Delivery,
}

/// How an attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum DeliveryOutcome {
    /// The endpoint answered as Okta requires.
    Success,
    /// Error status, wrong answer, connection error or timeout.
    Failure,
}

/// One outbound attempt. Header values and secrets are never recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeliveryRecord {
    /// Unique id of this record.
    pub id: String,
    /// Verification or delivery.
    pub kind: DeliveryKind,
    /// The hook called.
    pub hook_id: String,
    /// Its name at the time.
    pub hook_name: String,
    /// The URI called, with any user name and password shown as `[REDACTED]`.
    pub uri: String,
    /// For deliveries: the envelope's `eventId` (the same on the retry, and on a duplicate).
    pub event_id: Option<String>,
    /// For deliveries: the event types in the POST, in order of first appearance (a POST
    /// carries every type due in its window).
    #[serde(default)]
    pub event_types: Vec<String>,
    /// For deliveries: the `uuid` of each LogEvent in the batch.
    #[serde(default)]
    pub event_uuids: Vec<String>,
    /// For deliveries: this POST repeats events already delivered (chaos `duplicatePercent`).
    #[serde(default)]
    pub duplicate: bool,
    /// 1 for the first attempt, 2 for the retry.
    pub attempt: u32,
    /// HTTP status the endpoint answered, if it answered.
    pub status: Option<u16>,
    /// Success or failure.
    pub outcome: DeliveryOutcome,
    /// Why it failed.
    pub error: Option<String>,
    /// How long the attempt took, in milliseconds.
    pub elapsed_ms: u64,
    /// When it started (`2025-03-13T23:36:13.123Z`).
    pub time: String,
    /// Names of the request headers sent (values are not recorded).
    #[serde(default)]
    pub header_names: Vec<String>,
}

/// What one hook got from one `fire`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HookOutcome {
    /// The hook.
    pub hook_id: String,
    /// Its name.
    pub hook_name: String,
    /// Fired events of the types it subscribes to.
    #[serde(default)]
    pub due: usize,
    /// Events its endpoint acknowledged.
    pub delivered: usize,
    /// Events its filter dropped.
    pub filtered_out: usize,
    /// Events whose delivery failed (after the retry, where Okta retries).
    pub failed: usize,
    /// POSTs made (retries included).
    pub requests: usize,
    /// The filter could not be applied, so the events it applied to were not delivered (and
    /// count as failed): it does not parse (only a state file written before filters were
    /// checked can hold such a filter), or a `patch` made an event that is not a LogEvent.
    pub filter_error: Option<String>,
    /// Events whose delivery had not finished when the fire's deadline passed (they may or
    /// may not have reached the hook). `delivered + filtered_out + failed + unfinished` is
    /// [`due`](Self::due).
    #[serde(default)]
    pub unfinished: usize,
    /// Events sent a second time (chaos `duplicatePercent`); not counted in `delivered`.
    #[serde(default)]
    pub duplicated: usize,
}

impl HookOutcome {
    pub(crate) fn new(hook: &crate::model::Hook) -> Self {
        Self {
            hook_id: hook.id.clone(),
            hook_name: hook.name.clone(),
            due: 0,
            delivered: 0,
            filtered_out: 0,
            failed: 0,
            requests: 0,
            filter_error: None,
            unfinished: 0,
            duplicated: 0,
        }
    }

    /// Adds what one batch did.
    pub(crate) fn add(&mut self, batch: HookOutcome) {
        self.due += batch.due;
        self.delivered += batch.delivered;
        self.filtered_out += batch.filtered_out;
        self.failed += batch.failed;
        self.requests += batch.requests;
        self.unfinished += batch.unfinished;
        self.duplicated += batch.duplicated;
        if batch.filter_error.is_some() {
            self.filter_error = batch.filter_error;
        }
    }
}

/// The result of firing events: counts only, so that its size does not grow with the count
/// (the events themselves are in the deliveries and the System Log, their `uuid`s in the
/// delivery log).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FireSummary {
    /// The event types fired, in the order of the request.
    pub event_types: Vec<String>,
    /// Events generated (and written to the System Log): the count asked for, or fewer when
    /// the deadline passed first.
    pub fired: usize,
    /// One entry per ACTIVE + VERIFIED hook subscribed to one of the types.
    pub hooks: Vec<HookOutcome>,
    /// Hooks subscribed to one of the types that got nothing because they are INACTIVE or
    /// UNVERIFIED.
    pub ineligible_hook_ids: Vec<String>,
    /// The fire's deadline passed before every event was delivered.
    #[serde(default)]
    pub deadline_exceeded: bool,
}

impl FireSummary {
    /// Total events acknowledged over all hooks.
    pub fn delivered(&self) -> usize {
        self.hooks.iter().map(|h| h.delivered).sum()
    }
}

/// Events of one type to fire: `count` of them, each shaped by an optional JSON merge patch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct FireEvents {
    /// The System Log event type, e.g. `user.session.start`.
    pub event_type: String,
    /// How many events (default 1).
    #[serde(default = "one")]
    pub count: usize,
    /// An RFC 7396 merge patch applied to every generated event, e.g.
    /// `{"outcome": {"result": "FAILURE"}}`. A patch that sets `published` keeps it; otherwise
    /// the System Log stamps `published` when it writes the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<Value>,
}

impl FireEvents {
    /// `count` plain events of `event_type`.
    pub fn new(event_type: impl Into<String>, count: usize) -> Self {
        Self {
            event_type: event_type.into(),
            count,
            patch: None,
        }
    }

    /// Shapes every event with a JSON merge patch.
    #[must_use]
    pub fn patch(mut self, patch: Value) -> Self {
        self.patch = Some(patch);
        self
    }
}

/// What to fire: one burst of events of one or more types. The events of the entries are
/// interleaved (one of each in turn while they last), so that events of several types happen
/// close together and share POSTs, as at Okta.
///
/// On the wire: `{"events": [{"eventType", "count", "patch"}, ...], "timeoutMs", "chaos"}`,
/// or for one type the short form `{"eventType", "count", "patch", "timeoutMs", "chaos"}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "FireWire")]
#[non_exhaustive]
pub struct FireRequest {
    /// What to fire.
    pub events: Vec<FireEvents>,
    /// The deadline of the whole fire, in milliseconds (default 30 s, at most 10 min); what is
    /// not delivered by then is reported as unfinished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// Chaos for this fire, instead of the standing one (`/emulator/chaos`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chaos: Option<Chaos>,
}

/// Both forms of a fire request, as sent.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FireWire {
    #[serde(default)]
    events: Option<Vec<FireEvents>>,
    event_type: Option<String>,
    count: Option<usize>,
    patch: Option<Value>,
    timeout_ms: Option<u64>,
    chaos: Option<Chaos>,
}

impl TryFrom<FireWire> for FireRequest {
    type Error = &'static str;

    fn try_from(wire: FireWire) -> Result<Self, Self::Error> {
        let events = match (wire.events, wire.event_type) {
            (Some(_), Some(_)) => return Err("give either events or eventType, not both"),
            (Some(events), None) if wire.count.is_none() && wire.patch.is_none() => events,
            (Some(_), None) => return Err("count and patch go inside each entry of events"),
            (None, Some(event_type)) => vec![FireEvents {
                event_type,
                count: wire.count.unwrap_or(1),
                patch: wire.patch,
            }],
            (None, None) => Vec::new(),
        };
        Ok(Self {
            events,
            timeout_ms: wire.timeout_ms,
            chaos: wire.chaos,
        })
    }
}

fn one() -> usize {
    1
}

impl FireRequest {
    /// `count` plain events of `event_type`.
    pub fn new(event_type: impl Into<String>, count: usize) -> Self {
        Self::burst([FireEvents::new(event_type, count)])
    }

    /// Events of several types in one burst.
    pub fn burst(events: impl IntoIterator<Item = FireEvents>) -> Self {
        Self {
            events: events.into_iter().collect(),
            timeout_ms: None,
            chaos: None,
        }
    }

    /// Events asked for, over every type.
    pub fn count(&self) -> usize {
        self.events.iter().map(|e| e.count).sum()
    }

    /// Adds `count` events of another type to the burst.
    #[must_use]
    pub fn and(mut self, event_type: impl Into<String>, count: usize) -> Self {
        self.events.push(FireEvents::new(event_type, count));
        self
    }

    /// Gives the whole fire a deadline.
    #[must_use]
    pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeout_ms = Some(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX));
        self
    }

    /// Shapes every event of every type with a JSON merge patch.
    #[must_use]
    pub fn patch(mut self, patch: Value) -> Self {
        for events in &mut self.events {
            events.patch = Some(patch.clone());
        }
        self
    }

    /// Chaos for this fire (instead of the standing one).
    #[must_use]
    pub fn chaos(mut self, chaos: Chaos) -> Self {
        self.chaos = Some(chaos);
        self
    }
}

/// The delivery log, bounded so that a long-running emulator does not grow without limit.
pub(crate) struct DeliveryLog {
    records: Mutex<VecDeque<DeliveryRecord>>,
}

/// Records kept; older ones are dropped first.
const KEPT: usize = 10_000;

impl DeliveryLog {
    pub(crate) fn new() -> Self {
        Self {
            records: Mutex::new(VecDeque::new()),
        }
    }

    pub(crate) fn push(&self, record: DeliveryRecord) {
        let mut records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        if records.len() == KEPT {
            records.pop_front();
        }
        records.push_back(record);
    }

    pub(crate) fn all(&self) -> Vec<DeliveryRecord> {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    pub(crate) fn clear(&self) {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}
