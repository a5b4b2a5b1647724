//! One row of the events table, as both databases store it: from a delivered event, or from
//! a System Log event put in by a replay.

use chrono::{DateTime, SecondsFormat, Utc};
use okta_eventhooks::events::LogEvent;
use okta_eventhooks::sink::{Incoming, ReplayTo};
use serde::Deserialize;

use crate::error::{Error, Result};

/// An event to insert.
#[derive(Clone, Debug)]
pub(crate) struct Row {
    pub(crate) uuid: Option<String>,
    pub(crate) event_type: Option<String>,
    /// The event's `published`, in the one text form both databases compare (UTC, microseconds);
    /// `None` when absent or not a time.
    pub(crate) published: Option<String>,
    /// When the sink got it, in the same form.
    pub(crate) received_at: String,
    pub(crate) hook_id: Option<String>,
    pub(crate) org: Option<String>,
    pub(crate) replayed: bool,
    /// The event's JSON exactly as Okta sent it.
    pub(crate) body: String,
}

/// A time in the one text form of the tables: it sorts as it compares.
pub(crate) fn time_text(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

#[derive(Deserialize)]
struct Published<'a> {
    #[serde(borrow, default)]
    published: Option<std::borrow::Cow<'a, str>>,
}

fn published_of(json: &str) -> Option<String> {
    let published: Published<'_> = serde_json::from_str(json).ok()?;
    let time = DateTime::parse_from_rfc3339(published.published.as_deref()?).ok()?;
    Some(time_text(time.with_timezone(&Utc)))
}

/// The host of an org URL or a delivery's `source`.
fn host_of(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
}

/// The rows of a delivery, received now.
pub(crate) fn delivered(incoming: &Incoming) -> Result<Vec<Row>> {
    let received_at = time_text(Utc::now());
    let hook_id = incoming.event_hook_id().map(str::to_owned);
    let org = incoming.source.as_deref().and_then(host_of);
    incoming
        .events
        .iter()
        .map(|event| {
            let body = std::str::from_utf8(&event.json)
                .map_err(|e| Error::InvalidInput(format!("an event is not UTF-8 text: {e}")))?;
            Ok(Row {
                uuid: event.uuid.clone(),
                event_type: event.event_type.clone(),
                published: published_of(body),
                received_at: received_at.clone(),
                hook_id: hook_id.clone(),
                org: org.clone(),
                replayed: false,
                body: body.to_owned(),
            })
        })
        .collect()
}

/// The rows of events a replay puts in, marked as replayed.
pub(crate) fn replayed(to: ReplayTo<'_>, events: &[LogEvent]) -> Result<Vec<Row>> {
    let received_at = time_text(Utc::now());
    let org = host_of(to.org_url);
    events
        .iter()
        .map(|event| {
            let body = serde_json::to_string(event)
                .map_err(|e| Error::InvalidInput(format!("cannot encode an event: {e}")))?;
            Ok(Row {
                uuid: event.uuid.as_deref().map(str::to_owned),
                event_type: event.event_type.as_deref().map(str::to_owned),
                published: published_of(&body),
                received_at: received_at.clone(),
                hook_id: to.hook.id.clone(),
                org: org.clone(),
                replayed: true,
                body,
            })
        })
        .collect()
}

/// A stored event, as `consume` reads it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct StoredEvent {
    /// Its place in the table (monotonic).
    pub seq: i64,
    /// Its `eventType`.
    pub event_type: Option<String>,
    /// Whether a replay put it in (there was no delivery).
    pub replayed: bool,
    /// Its JSON exactly as Okta sent it.
    pub body: String,
}

impl StoredEvent {
    /// The typed event.
    pub fn event(&self) -> Result<LogEvent, serde_json::Error> {
        serde_json::from_str(&self.body)
    }
}
