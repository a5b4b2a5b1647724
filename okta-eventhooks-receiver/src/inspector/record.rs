//! One recorded call: what was asked (headers masked, body as received) and what was answered,
//! plus what the page shows of it, derived from the body only when the page asks.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use http::Method;
use http::header::{
    AUTHORIZATION, COOKIE, HeaderMap, HeaderName, HeaderValue, PROXY_AUTHORIZATION,
};
use serde::Serialize;
use serde_json::Value;

/// What a masked header value reads in a record: the secret itself never enters one.
pub const MASKED: &str = "[masked]";

/// A call to record, as its host saw it. [`Inspector::record`](super::Inspector::record)
/// masks the secret headers before anything is kept.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Call {
    /// `GET` (Okta's verification) or `POST` (a delivery).
    pub method: Method,
    /// The path called (a receiver) or the hook's URI without userinfo (the emulator).
    pub target: String,
    /// The hook called, when the host knows it (the emulator: its id).
    pub hook_id: Option<String>,
    /// The hook's name, when the host knows it.
    pub hook_name: Option<String>,
    /// The request headers.
    pub headers: HeaderMap,
    /// The request body as received or sent.
    pub body: Bytes,
    /// The status answered; `None` when no answer came (the emulator's failed call).
    pub status: Option<u16>,
    /// A short answer body (a verification's JSON, an error's text); empty otherwise.
    pub answer: Bytes,
    /// Why the call failed, when it did not get an answer.
    pub error: Option<String>,
    /// From the request's start to its answer.
    pub duration: Duration,
    /// Whether the request carried the replay mark
    /// ([`REPLAYED_HEADER`](okta_eventhooks::hook_call::REPLAYED_HEADER)).
    pub replayed: bool,
}

impl Call {
    /// A call of `method` to `target`, not yet answered: fill in the rest.
    pub fn new(method: Method, target: impl Into<String>) -> Self {
        Self {
            method,
            target: target.into(),
            hook_id: None,
            hook_name: None,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            status: None,
            answer: Bytes::new(),
            error: None,
            duration: Duration::ZERO,
            replayed: false,
        }
    }
}

/// A recorded call with its number and time.
#[derive(Debug)]
pub struct Record {
    id: u64,
    at: SystemTime,
    call: Call,
    /// Derived from the body the first time the page asks, never on the request's path.
    derived: OnceLock<Derived>,
}

/// What the list shows of a body: its `eventId`, event types and uuids.
#[derive(Debug, Default)]
pub(crate) struct Derived {
    pub(crate) event_id: Option<String>,
    pub(crate) events: Vec<Value>,
    pub(crate) types: Vec<String>,
    pub(crate) uuids: Vec<String>,
    pub(crate) parse_error: Option<String>,
}

impl Record {
    pub(crate) fn new(id: u64, mut call: Call, also_mask: &[HeaderName]) -> Self {
        mask(&mut call.headers, also_mask);
        Self {
            id,
            at: SystemTime::now(),
            call,
            derived: OnceLock::new(),
        }
    }

    /// The same record without its body, which does not fit in `max_bytes`.
    pub(crate) fn without_body(mut self, max_bytes: usize) -> Self {
        self.call.body = Bytes::new();
        self.call.error.get_or_insert_with(|| {
            format!(
                "the body was not kept: larger than the inspector's {} MiB",
                max_bytes / (1024 * 1024)
            )
        });
        self
    }

    /// Its number, counted from 1 in the order recorded.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// What was asked and answered (headers already masked).
    pub fn call(&self) -> &Call {
        &self.call
    }

    /// Milliseconds since the Unix epoch when it was recorded.
    pub fn time_ms(&self) -> u64 {
        self.at
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    /// Bytes it holds, for the store's bound: bodies, headers and a share for bookkeeping.
    pub(crate) fn cost(&self) -> usize {
        let headers: usize = self
            .call
            .headers
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 16)
            .sum();
        self.call.body.len() + self.call.answer.len() + headers + self.call.target.len() + 256
    }

    /// Whether the hook took it (any 2xx).
    pub(crate) fn acknowledged(&self) -> bool {
        self.call.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// A POST whose body is a delivery; a GET is a verification.
    pub(crate) fn kind(&self) -> &'static str {
        match self.call.method {
            Method::GET => "verification",
            Method::POST => "delivery",
            _ => "other",
        }
    }

    /// The body's events, types and ids, parsed once, when first asked for.
    pub(crate) fn derived(&self) -> &Derived {
        self.derived.get_or_init(|| derive(&self.call))
    }

    /// Whether `needle` (lower case) is in the body, the target or a header value.
    pub(crate) fn contains(&self, needle: &str) -> bool {
        let found = |text: &[u8]| {
            String::from_utf8_lossy(text)
                .to_lowercase()
                .contains(needle)
        };
        found(&self.call.body)
            || found(self.call.target.as_bytes())
            || self
                .call
                .hook_name
                .as_deref()
                .is_some_and(|n| found(n.as_bytes()))
            || self.call.headers.values().any(|v| found(v.as_bytes()))
    }
}

/// Replaces the value of every header that can carry a secret: the host's auth header
/// (`also_mask`), `Authorization`, `Proxy-Authorization`, `Cookie` and any value marked
/// sensitive.
fn mask(headers: &mut HeaderMap, also_mask: &[HeaderName]) {
    let masked = HeaderValue::from_static(MASKED);
    for value in headers.values_mut() {
        if value.is_sensitive() {
            *value = masked.clone();
        }
    }
    let named = [AUTHORIZATION, PROXY_AUTHORIZATION, COOKIE];
    for name in named.iter().chain(also_mask) {
        if let http::header::Entry::Occupied(mut entry) = headers.entry(name) {
            for value in entry.iter_mut() {
                *value = masked.clone();
            }
        }
    }
}

fn derive(call: &Call) -> Derived {
    if call.body.is_empty() {
        return Derived::default();
    }
    let envelope: Value = match serde_json::from_slice(&call.body) {
        Ok(value) => value,
        Err(e) => {
            return Derived {
                parse_error: Some(format!("not JSON: {e}")),
                ..Derived::default()
            };
        }
    };
    let text = |v: &Value, field: &str| v.get(field).and_then(Value::as_str).map(str::to_owned);
    let events = envelope
        .get("data")
        .and_then(|d| d.get("events"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut types: Vec<String> = Vec::new();
    for event_type in events.iter().filter_map(|e| text(e, "eventType")) {
        if !types.contains(&event_type) {
            types.push(event_type);
        }
    }
    Derived {
        event_id: text(&envelope, "eventId"),
        uuids: events.iter().filter_map(|e| text(e, "uuid")).collect(),
        types,
        events,
        parse_error: None,
    }
}

/// A row of the list.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Summary<'a> {
    pub(crate) id: u64,
    pub(crate) time: u64,
    pub(crate) kind: &'static str,
    pub(crate) method: &'a str,
    pub(crate) target: &'a str,
    pub(crate) hook_id: Option<&'a str>,
    pub(crate) hook_name: Option<&'a str>,
    pub(crate) status: Option<u16>,
    pub(crate) duration_ms: f64,
    pub(crate) events: usize,
    pub(crate) types: &'a [String],
    pub(crate) event_id: Option<&'a str>,
    /// The same `eventId` was acknowledged before (Okta's retry of a delivery it thinks lost).
    pub(crate) duplicate: bool,
    /// Events whose `uuid` was acknowledged before.
    pub(crate) duplicate_events: usize,
    pub(crate) replayed: bool,
    pub(crate) error: Option<&'a str>,
    pub(crate) parse_error: Option<&'a str>,
}

impl Record {
    pub(crate) fn summary(&self, duplicate: bool, duplicate_events: usize) -> Summary<'_> {
        let derived = self.derived();
        Summary {
            id: self.id,
            time: self.time_ms(),
            kind: self.kind(),
            method: self.call.method.as_str(),
            target: &self.call.target,
            hook_id: self.call.hook_id.as_deref(),
            hook_name: self.call.hook_name.as_deref(),
            status: self.call.status,
            duration_ms: self.call.duration.as_secs_f64() * 1000.0,
            events: derived.events.len(),
            types: &derived.types,
            event_id: derived.event_id.as_deref(),
            duplicate,
            duplicate_events,
            replayed: self.call.replayed,
            error: self.call.error.as_deref(),
            parse_error: derived.parse_error.as_deref(),
        }
    }
}

/// A delivery's detail: its row, the headers, each event and the answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Detail<'a> {
    #[serde(flatten)]
    pub(crate) summary: Summary<'a>,
    pub(crate) headers: Vec<(&'a str, String)>,
    pub(crate) body_bytes: usize,
    /// The events, when the body is a delivery.
    pub(crate) event_list: &'a [Value],
    /// The body as text when it is not a delivery's JSON (lossy UTF-8).
    pub(crate) body_text: Option<String>,
    pub(crate) answer: String,
}

impl Record {
    pub(crate) fn detail(&self, duplicate: bool, duplicate_events: usize) -> Detail<'_> {
        let derived = self.derived();
        let body_text = (derived.parse_error.is_some() || derived.events.is_empty())
            .then(|| String::from_utf8_lossy(&self.call.body).into_owned());
        Detail {
            summary: self.summary(duplicate, duplicate_events),
            headers: self
                .call
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body_bytes: self.call.body.len(),
            event_list: &derived.events,
            body_text,
            answer: String::from_utf8_lossy(&self.call.answer).into_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_in_the_record_itself() {
        let mut call = Call::new(Method::POST, "/hook");
        call.headers
            .insert("x-hook-secret", HeaderValue::from_static("s3cret-1"));
        call.headers
            .insert(AUTHORIZATION, HeaderValue::from_static("s3cret-2"));
        let mut sensitive = HeaderValue::from_static("s3cret-3");
        sensitive.set_sensitive(true);
        call.headers.insert("x-other", sensitive);
        call.headers
            .insert("user-agent", HeaderValue::from_static("Okta-Integrations"));
        let record = Record::new(1, call, &[HeaderName::from_static("x-hook-secret")]);
        let shown = format!("{record:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert_eq!(record.call().headers["x-hook-secret"], MASKED);
        assert_eq!(record.call().headers["user-agent"], "Okta-Integrations");
    }

    #[test]
    fn what_the_list_shows_is_derived_from_the_body() {
        let mut call = Call::new(Method::POST, "/");
        call.body = Bytes::from_static(
            br#"{"eventId":"e1","data":{"events":[{"eventType":"a","uuid":"u1"},{"eventType":"a","uuid":"u2"},{"eventType":"b","uuid":"u3"}]}}"#,
        );
        let record = Record::new(1, call, &[]);
        let derived = record.derived();
        assert_eq!(derived.event_id.as_deref(), Some("e1"));
        assert_eq!(derived.types, ["a", "b"]);
        assert_eq!(derived.uuids, ["u1", "u2", "u3"]);
        let mut bad = Call::new(Method::POST, "/");
        bad.body = Bytes::from_static(b"{not json");
        let record = Record::new(2, bad, &[]);
        assert!(record.derived().parse_error.is_some());
        assert!(record.detail(false, 0).body_text.is_some());
    }
}
