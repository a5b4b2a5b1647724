//! A wiremock stand-in for Okta's System Log (`GET /api/v1/logs`), for the SDK's and the CLI's
//! tests: it pages its events by `limit` and an opaque `after` cursor and answers with `Link`
//! headers in Okta's form. A request without `until` and not descending is a polling request,
//! which always gets a `next` link (to itself once there is nothing new); any other ends with
//! the last page. Events can be added while a reader polls. It does not evaluate `filter`,
//! `q` or the time bounds: tests check those on the wire.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Priority of the stand-in's mock: tests mount faults (a 429 on one page) before it.
pub const PRIORITY: u8 = 10;

/// The stand-in; clones share its events.
#[derive(Clone, Default)]
pub struct SystemLog {
    events: Arc<Mutex<Vec<Value>>>,
}

impl SystemLog {
    /// A System Log holding `count` events made by [`log_event`].
    pub fn with_events(count: usize) -> Self {
        let log = Self::default();
        log.push((0..count).map(log_event));
        log
    }

    /// Adds events at the end (persisted "now", as far as polling readers are concerned).
    pub fn push(&self, events: impl IntoIterator<Item = Value>) {
        self.events.lock().unwrap().extend(events);
    }

    /// Serves `GET /api/v1/logs` on `server`.
    pub async fn mount(&self, server: &MockServer) {
        Mock::given(method("GET"))
            .and(path("/api/v1/logs"))
            .respond_with(self.clone())
            .with_priority(PRIORITY)
            .mount(server)
            .await;
    }
}

/// Makes the page after cursor `after` answer `answer` once, ahead of the stand-in (a fault
/// on one page: a 429, a 503).
pub async fn fault_once_after(server: &MockServer, after: &str, answer: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .and(query_param("after", after))
        .respond_with(answer)
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
}

/// A page of `events` whose `Link` header names `next` as the next page: a page the stand-in
/// would not make (a link to another host, a cursor that repeats).
pub fn page_linking_to(next: &str, events: &[Value]) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("link", format!(r#"<{next}>; rel="next""#).as_str())
        .set_body_json(events)
}

impl Respond for SystemLog {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        let param = |name: &str| {
            query
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let start: usize = match param("after") {
            None => 0,
            Some(cursor) => match cursor.strip_prefix("cursor-").and_then(|n| n.parse().ok()) {
                Some(n) => n,
                None => return ResponseTemplate::new(400).set_body_json(
                    json!({"errorCode": "E0000031", "errorSummary": "Invalid search criteria."}),
                ),
            },
        };
        let limit: usize = param("limit").and_then(|l| l.parse().ok()).unwrap_or(100);
        let polling = param("until").is_none() && param("sortOrder") != Some("DESCENDING");
        let events = self.events.lock().unwrap();
        let start = start.min(events.len());
        let end = (start + limit).min(events.len());
        let page: Vec<Value> = events[start..end].to_vec();
        let more = end < events.len();
        drop(events);

        // wiremock's `request.url` names no real host; links are built from `Host`, as a
        // server does.
        let self_url = request
            .headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .and_then(|host| {
                let rest = &request.url[url::Position::BeforePath..];
                url::Url::parse(&format!("http://{host}{rest}")).ok()
            })
            .unwrap_or_else(|| request.url.clone());
        let link_to = |after: Option<usize>| {
            let mut url = self_url.clone();
            {
                let mut pairs = url.query_pairs_mut();
                pairs.clear();
                for (name, value) in query.iter().filter(|(n, _)| n != "after") {
                    pairs.append_pair(name, value);
                }
                if let Some(after) = after {
                    pairs.append_pair("after", &format!("cursor-{after}"));
                }
            }
            url.to_string()
        };
        let mut link = format!(r#"<{self_url}>; rel="self""#);
        if polling || more {
            link.push_str(&format!(r#", <{}>; rel="next""#, link_to(Some(end))));
        }
        ResponseTemplate::new(200)
            .insert_header("link", link.as_str())
            .insert_header("x-okta-request-id", format!("req-logs-{start}").as_str())
            .set_body_json(page)
    }
}

/// The `i`th event: uuid `uuid-00000i`, one second after the one before, with a field and an
/// enum value this SDK does not know.
pub fn log_event(i: usize) -> Value {
    let types = [
        "user.session.start",
        "user.lifecycle.create",
        "event_hook.delivery",
    ];
    json!({
        "uuid": format!("uuid-{i:06}"),
        "published": format!("2026-11-26T13:{:02}:{:02}.000Z", (i / 60) % 60, i % 60),
        "eventType": types[i % types.len()],
        "version": "0",
        "severity": if i.is_multiple_of(2) { "INFO" } else { "SEVERE_FUTURE" },
        "displayMessage": format!("event {i}"),
        "actor": {"id": "00u1", "type": "User", "alternateId": "admin@acme.com", "displayName": "Ada"},
        "outcome": {"result": "SUCCESS"},
        "target": [{"id": "00u2", "type": "User", "alternateId": "bob@acme.com", "displayName": "Bob"}],
        "futureField": {"n": i}
    })
}
