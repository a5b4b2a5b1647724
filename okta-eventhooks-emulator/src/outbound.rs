//! The calls Okta makes to a hook: the verification GET and event-delivery POSTs.
//!
//! One `reqwest::Client` (one connection pool) per emulator; every attempt is bounded by the
//! hook timeout (Okta: 3 s) and recorded in the delivery log without header values.

use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use serde_json::Value;

use super::ids;
use super::model::Hook;
use super::records::{DeliveryKind, DeliveryLog, DeliveryOutcome, DeliveryRecord};
use crate::error::{Error, Result};

/// The challenge header of the verification GET (the SDK's constant: one name for the receiver
/// and the emulator). On the wire it is title-cased, `X-Okta-Verification-Challenge`.
pub use okta_eventhooks::events::VERIFICATION_CHALLENGE_HEADER;
/// The `User-Agent` Okta sends to hooks.
pub const HOOK_USER_AGENT: &str = "Okta-Integrations";
/// Most bytes read from a hook's answer.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

pub(crate) struct Outbound {
    http: reqwest::Client,
    timeout: Duration,
}

/// How one POST went, retry included.
pub(crate) struct Delivered {
    pub(crate) acknowledged: bool,
    /// Requests made (retries included).
    pub(crate) requests: usize,
    /// Attempts made, counting one that could not be sent.
    pub(crate) attempts: u32,
    /// The status of the last answer, if there was one.
    pub(crate) status: Option<u16>,
    /// Why the last attempt failed.
    pub(crate) error: Option<String>,
    /// The envelope's `eventId`.
    pub(crate) event_id: String,
}

/// What a delivery record says about the POST's events.
struct Batch<'a> {
    event_id: &'a str,
    event_types: &'a [String],
    uuids: &'a [String],
    duplicate: bool,
}

/// How one attempt went.
struct Attempt {
    status: Option<u16>,
    error: Option<String>,
    /// Worth a retry under Okta's rules (timeout, connection error, 5xx).
    retryable: bool,
}

impl Outbound {
    pub(crate) fn new(timeout: Duration) -> Result<Self> {
        okta_eventhooks::install_crypto_provider();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // Header names as Okta writes them (`X-Okta-Verification-Challenge`,
            // `X-Okta-Request-Id`, `User-Agent`); names are case-insensitive, but a receiver
            // that compares them exactly must meet Okta's spelling here first.
            .http1_title_case_headers()
            .connect_timeout(timeout)
            .timeout(timeout)
            .build()
            .map_err(|e| Error::Config(format!("cannot build the emulator's HTTP client: {e}")))?;
        Ok(Self { http, timeout })
    }

    /// The headers Okta sends to this hook: its auth header and custom headers.
    fn hook_headers(hook: &Hook, headers: &mut HeaderMap) -> std::result::Result<(), String> {
        let channel = &hook.channel;
        for header in &channel.headers {
            let name = HeaderName::from_bytes(header.key.as_bytes())
                .map_err(|_| format!("invalid header name {:?}", header.key))?;
            let value = HeaderValue::from_str(header.value.expose())
                .map_err(|_| format!("invalid value for header {:?}", header.key))?;
            headers.append(name, value);
        }
        if let Some(auth) = &channel.auth_scheme
            && let Some(secret) = &auth.value
        {
            let name = HeaderName::from_bytes(auth.key.as_bytes())
                .map_err(|_| format!("invalid auth header name {:?}", auth.key))?;
            let mut value = HeaderValue::from_str(secret.expose())
                .map_err(|_| format!("invalid value for auth header {:?}", auth.key))?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        Ok(())
    }

    fn base_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, HeaderValue::from_static(HOOK_USER_AGENT));
        if let Ok(id) = HeaderValue::from_str(&ids::request_id()) {
            headers.insert("x-okta-request-id", id);
        }
        headers
    }

    /// Sends the verification GET (one retry); true when the hook echoed the challenge.
    pub(crate) async fn verify(&self, hook: &Hook, log: &DeliveryLog) -> bool {
        for attempt in 1..=2 {
            let challenge = ids::challenge();
            let mut headers = Self::base_headers();
            let started = Instant::now();
            let time = now();
            let result = match Self::hook_headers(hook, &mut headers) {
                Err(e) => Attempt {
                    status: None,
                    error: Some(e),
                    retryable: false,
                },
                Ok(()) => {
                    if let Ok(value) = HeaderValue::from_str(&challenge) {
                        headers.insert(VERIFICATION_CHALLENGE_HEADER, value);
                    }
                    self.verify_once(&hook.channel.uri, headers.clone(), &challenge)
                        .await
                }
            };
            log.push(record(
                DeliveryKind::Verification,
                hook,
                None,
                attempt,
                &result,
                started,
                time,
                names(&headers),
            ));
            if result.error.is_none() {
                return true;
            }
            if !result.retryable {
                break;
            }
        }
        false
    }

    async fn verify_once(&self, uri: &str, headers: HeaderMap, challenge: &str) -> Attempt {
        let response = match self.http.get(target(uri)).headers(headers).send().await {
            Ok(r) => r,
            Err(e) => return self.transport_failure(&e),
        };
        let status = response.status().as_u16();
        let body = match read_limited(response).await {
            Ok(b) => b,
            Err(e) => {
                return Attempt {
                    status: Some(status),
                    error: Some(e),
                    retryable: true,
                };
            }
        };
        // Redirects are not followed, and a 3xx is not retried (Okta's rule for hook answers).
        let retryable = !(300..400).contains(&status);
        let error = if status != 200 {
            Some(format!("the endpoint answered HTTP {status}"))
        } else {
            match serde_json::from_slice::<Value>(&body) {
                Ok(v) if v.get("verification").and_then(Value::as_str) == Some(challenge) => None,
                Ok(_) => Some("the answer is not {\"verification\": <the challenge>}".to_owned()),
                Err(_) => Some("the answer is not JSON".to_owned()),
            }
        };
        Attempt {
            status: Some(status),
            error,
            retryable,
        }
    }

    /// POSTs one batch (one retry on timeout, connection error or 5xx; none on 4xx), under a
    /// new `eventId`, or under `repeat`'s for a duplicate of an earlier POST.
    pub(crate) async fn deliver(
        &self,
        hook: &Hook,
        base_url: &str,
        batch: &[&Value],
        repeat: Option<&str>,
        log: &DeliveryLog,
    ) -> Delivered {
        let event_id = repeat.map_or_else(ids::uuid_v4, str::to_owned);
        let mut delivered = Delivered {
            acknowledged: false,
            requests: 0,
            attempts: 0,
            status: None,
            error: None,
            event_id,
        };
        let body = match okta_eventhooks::events::delivery_body(
            base_url,
            &hook.id,
            &delivered.event_id,
            batch,
        ) {
            Ok(b) => bytes::Bytes::from(b),
            Err(e) => {
                delivered.error = Some(format!("the envelope could not be written: {e}"));
                return delivered;
            }
        };
        let field = |name: &str| -> Vec<String> {
            batch
                .iter()
                .filter_map(|e| e.get(name).and_then(Value::as_str).map(str::to_owned))
                .collect()
        };
        let uuids = field("uuid");
        let mut types = field("eventType");
        let mut seen = std::collections::HashSet::new();
        types.retain(|t| seen.insert(t.clone()));
        let about = Batch {
            event_id: &delivered.event_id,
            event_types: &types,
            uuids: &uuids,
            duplicate: repeat.is_some(),
        };
        for attempt in 1..=2 {
            let mut headers = Self::base_headers();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            let started = Instant::now();
            let time = now();
            let result = match Self::hook_headers(hook, &mut headers) {
                Err(e) => Attempt {
                    status: None,
                    error: Some(e),
                    retryable: false,
                },
                Ok(()) => {
                    delivered.requests += 1;
                    self.post_once(&hook.channel.uri, headers.clone(), body.clone())
                        .await
                }
            };
            log.push(record(
                DeliveryKind::Delivery,
                hook,
                Some(&about),
                attempt,
                &result,
                started,
                time,
                names(&headers),
            ));
            delivered.attempts = attempt;
            delivered.status = result.status;
            delivered.error.clone_from(&result.error);
            if result.error.is_none() {
                delivered.acknowledged = true;
                break;
            }
            if !result.retryable {
                break;
            }
        }
        delivered
    }

    async fn post_once(&self, uri: &str, headers: HeaderMap, body: bytes::Bytes) -> Attempt {
        let response = match self
            .http
            .post(target(uri))
            .headers(headers)
            .body(body)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => return self.transport_failure(&e),
        };
        let status = response.status();
        // Drain (bounded) so that the connection can be reused.
        let _ = read_limited(response).await;
        Attempt {
            status: Some(status.as_u16()),
            error: (!status.is_success()).then(|| format!("the endpoint answered HTTP {status}")),
            retryable: status.is_server_error(),
        }
    }

    fn transport_failure(&self, e: &reqwest::Error) -> Attempt {
        let error = if e.is_timeout() {
            format!("no answer within {} ms", self.timeout.as_millis())
        } else if e.is_connect() {
            "could not connect".to_owned()
        } else {
            format!("request failed: {}", without_url(e))
        };
        Attempt {
            status: None,
            error: Some(error),
            retryable: true,
        }
    }
}

/// The error text without the URL (which could carry credentials in its userinfo).
fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "<uri>");
    }
    text
}

async fn read_limited(mut response: reqwest::Response) -> std::result::Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                    return Err(format!(
                        "the answer is larger than {MAX_ANSWER_BYTES} bytes"
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) if e.is_timeout() => return Err("timed out reading the answer".into()),
            Err(_) => return Err("could not read the answer".into()),
        }
    }
}

fn names(headers: &HeaderMap) -> Vec<String> {
    headers.keys().map(|k| k.as_str().to_owned()).collect()
}

fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

#[allow(clippy::too_many_arguments)]
fn record(
    kind: DeliveryKind,
    hook: &Hook,
    delivery: Option<&Batch<'_>>,
    attempt: u32,
    result: &Attempt,
    started: Instant,
    time: String,
    header_names: Vec<String>,
) -> DeliveryRecord {
    DeliveryRecord {
        id: ids::uuid_v4(),
        kind,
        hook_id: hook.id.clone(),
        hook_name: hook.name.clone(),
        // A hook kept from before userinfo was refused may still carry it.
        uri: okta_eventhooks::redact::text(&hook.channel.uri).into_owned(),
        event_id: delivery.map(|d| d.event_id.to_owned()),
        event_types: delivery.map(|d| d.event_types.to_vec()).unwrap_or_default(),
        event_uuids: delivery.map(|d| d.uuids.to_vec()).unwrap_or_default(),
        duplicate: delivery.is_some_and(|d| d.duplicate),
        attempt,
        status: result.status,
        outcome: if result.error.is_none() {
            DeliveryOutcome::Success
        } else {
            DeliveryOutcome::Failure
        },
        error: result.error.clone(),
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        time,
        header_names,
    }
}

/// The URL to call: without user name and password, which reqwest would turn into a Basic
/// `Authorization` header (Okta sends only the hook's own auth header). Hooks with userinfo are
/// refused on create and replace, but a state file written before that rule may hold one.
fn target(uri: &str) -> String {
    match url::Url::parse(uri) {
        Ok(mut url) if !url.username().is_empty() || url.password().is_some() => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.into()
        }
        _ => uri.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Channel, Status, Subscriptions, Verification};

    #[test]
    fn the_delivery_log_never_shows_userinfo() {
        // A hook kept in a state file from before such URIs were refused.
        let hook = Hook {
            id: "who1".into(),
            name: "old".into(),
            description: None,
            status: Status::Active,
            verification_status: Verification::Verified,
            created: chrono::Utc::now(),
            created_by: "00u1".into(),
            last_updated: chrono::Utc::now(),
            events: Subscriptions {
                items: vec!["user.session.start".into()],
                filter: None,
            },
            channel: Channel {
                type_: "HTTP".into(),
                version: "1.0.0".into(),
                uri: "http://alice:S3cretPW@127.0.0.1:9/hook".into(),
                headers: Vec::new(),
                auth_scheme: None,
            },
        };
        let failed = Attempt {
            status: None,
            error: Some("could not connect".into()),
            retryable: true,
        };
        let logged = record(
            DeliveryKind::Verification,
            &hook,
            None,
            1,
            &failed,
            Instant::now(),
            now(),
            Vec::new(),
        );
        assert_eq!(logged.uri, "http://[REDACTED]@127.0.0.1:9/hook");
        assert_eq!(
            target("http://alice:S3cretPW@127.0.0.1:9/hook"),
            "http://127.0.0.1:9/hook"
        );
        assert_eq!(
            target("https://hooks.example.com/x"),
            "https://hooks.example.com/x"
        );
        let shown = serde_json::to_string(&logged).unwrap();
        assert!(
            !shown.contains("S3cretPW") && !shown.contains("alice"),
            "{shown}"
        );
    }
}
