//! What the emulator reports: delivery attempts (like Okta's `event_hook.delivery` System Log
//! entries) and the summary of one `fire`.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

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
    /// For deliveries: the envelope's `eventId` (the same on the retry).
    pub event_id: Option<String>,
    /// For deliveries: the event type fired.
    pub event_type: Option<String>,
    /// For deliveries: the `uuid` of each LogEvent in the batch.
    #[serde(default)]
    pub event_uuids: Vec<String>,
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
    /// [`FireSummary::fired`].
    #[serde(default)]
    pub unfinished: usize,
}

impl HookOutcome {
    pub(crate) fn new(hook: &crate::model::Hook) -> Self {
        Self {
            hook_id: hook.id.clone(),
            hook_name: hook.name.clone(),
            delivered: 0,
            filtered_out: 0,
            failed: 0,
            requests: 0,
            filter_error: None,
            unfinished: 0,
        }
    }

    /// Adds what one batch did.
    pub(crate) fn add(&mut self, batch: HookOutcome) {
        self.delivered += batch.delivered;
        self.filtered_out += batch.filtered_out;
        self.failed += batch.failed;
        self.requests += batch.requests;
        self.unfinished += batch.unfinished;
        if batch.filter_error.is_some() {
            self.filter_error = batch.filter_error;
        }
    }
}

/// The result of firing events: counts only, so that its size does not grow with the count
/// (the events themselves are in the deliveries, and their `uuid`s in the delivery log).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FireSummary {
    /// The event type fired.
    pub event_type: String,
    /// Events generated: the count asked for, or fewer when the deadline passed first.
    pub fired: usize,
    /// One entry per ACTIVE + VERIFIED hook subscribed to the type.
    pub hooks: Vec<HookOutcome>,
    /// Hooks subscribed to the type that got nothing because they are INACTIVE or UNVERIFIED.
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

/// What to fire: `count` events of `event_type`, each shaped by an optional JSON merge patch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FireRequest {
    /// The System Log event type, e.g. `user.session.start`.
    pub event_type: String,
    /// How many events (default 1).
    #[serde(default = "one")]
    pub count: usize,
    /// An RFC 7396 merge patch applied to every generated event, e.g.
    /// `{"outcome": {"result": "FAILURE"}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<Value>,
    /// The deadline of the whole fire, in milliseconds (default 30 s, at most 10 min); what is
    /// not delivered by then is reported as unfinished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

fn one() -> usize {
    1
}

impl FireRequest {
    /// `count` plain events of `event_type`.
    pub fn new(event_type: impl Into<String>, count: usize) -> Self {
        Self {
            event_type: event_type.into(),
            count,
            patch: None,
            timeout_ms: None,
        }
    }

    /// Gives the whole fire a deadline.
    #[must_use]
    pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeout_ms = Some(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX));
        self
    }

    /// Shapes every event with a JSON merge patch.
    #[must_use]
    pub fn patch(mut self, patch: Value) -> Self {
        self.patch = Some(patch);
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
