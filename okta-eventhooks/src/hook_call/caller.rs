//! The HTTP client that calls hooks as Okta does, and its two calls with Okta's retry.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, LOCATION, USER_AGENT};
use serde_json::Value;

use super::attempt::{Attempt, Failure};
use super::target::HookTarget;
use super::{ATTEMPTS, HOOK_USER_AGENT, MAX_ANSWER_BYTES, OKTA_TIMEOUT, REQUEST_ID_HEADER};
use crate::error::{Error, Result};
use crate::events::VERIFICATION_CHALLENGE_HEADER;

/// Calls hooks as Okta does: one connection pool, no redirects followed, header names written
/// as Okta writes them, every attempt bounded by the timeout.
#[derive(Clone, Debug)]
pub struct Caller {
    http: reqwest::Client,
    timeout: Duration,
}

impl Caller {
    /// A caller with Okta's timeout ([`OKTA_TIMEOUT`]).
    pub fn new() -> Result<Self> {
        Self::with_timeout(OKTA_TIMEOUT)
    }

    /// A caller that waits `timeout` per attempt (tests and replays choose their own).
    pub fn with_timeout(timeout: Duration) -> Result<Self> {
        crate::install_crypto_provider();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // Header names as Okta writes them (`X-Okta-Verification-Challenge`,
            // `X-Okta-Request-Id`, `User-Agent`); names are case-insensitive, but a receiver
            // that compares them exactly must meet Okta's spelling here first.
            .http1_title_case_headers()
            .connect_timeout(timeout)
            .timeout(timeout)
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client for hooks: {e}")))?;
        Ok(Self { http, timeout })
    }

    /// How long each attempt may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The verification call with Okta's retry: `each` sees every attempt (for a log); the
    /// last one is returned (succeeded, or why not).
    pub async fn verify(
        &self,
        target: &HookTarget<'_>,
        extra: &HeaderMap,
        each: impl FnMut(&Attempt),
    ) -> Attempt {
        retried(true, || self.verify_once(target, extra), each).await
    }

    /// One verification GET with a fresh challenge in Okta's shape, and the check of its
    /// answer: HTTP 200 with `{"verification": "<the challenge>"}`. `extra` headers are added
    /// (a probe marks itself).
    pub async fn verify_once(&self, target: &HookTarget<'_>, extra: &HeaderMap) -> Attempt {
        let challenge = crate::ids::challenge();
        let mut headers = extra.clone();
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            headers.insert(VERIFICATION_CHALLENGE_HEADER, value);
        }
        self.attempt(
            target,
            headers,
            true,
            |http, url| http.get(url),
            |status, body| {
                if status != 200 {
                    return Some(Failure::Status {
                        status,
                        location: None,
                    });
                }
                match serde_json::from_slice::<Value>(body) {
                    Ok(v) => match v.get("verification") {
                        Some(Value::String(echo)) if *echo == challenge => None,
                        Some(_) => Some(Failure::WrongChallenge),
                        None => Some(Failure::NoVerification),
                    },
                    Err(_) => Some(Failure::NotJson),
                }
            },
        )
        .await
    }

    /// The delivery POST of an envelope (see [`crate::events::delivery_body`]) with Okta's
    /// retry: after a timeout, a connection error or a 5xx, never after a 4xx or a redirect.
    /// `each` sees every attempt; the last one is returned.
    pub async fn deliver(
        &self,
        target: &HookTarget<'_>,
        body: Bytes,
        extra: &HeaderMap,
        each: impl FnMut(&Attempt),
    ) -> Attempt {
        retried(
            false,
            || self.deliver_once(target, body.clone(), extra),
            each,
        )
        .await
    }

    /// One delivery POST; any 2xx acknowledges it (the answer is drained, bounded).
    pub async fn deliver_once(
        &self,
        target: &HookTarget<'_>,
        body: Bytes,
        extra: &HeaderMap,
    ) -> Attempt {
        let mut headers = extra.clone();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        self.attempt(
            target,
            headers,
            false,
            |http, url| http.post(url).body(body),
            |status, _| {
                (!(200..300).contains(&status)).then_some(Failure::Status {
                    status,
                    location: None,
                })
            },
        )
        .await
    }

    /// One call: Okta's headers, the hook's, `headers` (the call's own), sent and answered
    /// within the timeout, judged by `judge` (status, body) once the answer is read; an answer
    /// that cannot be read fails the call only when `needs_body` (a delivery's answer is only
    /// drained).
    async fn attempt(
        &self,
        target: &HookTarget<'_>,
        own: HeaderMap,
        needs_body: bool,
        request: impl FnOnce(&reqwest::Client, String) -> reqwest::RequestBuilder,
        judge: impl FnOnce(u16, &[u8]) -> Option<Failure>,
    ) -> Attempt {
        let started = chrono::Utc::now();
        let clock = Instant::now();
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, HeaderValue::from_static(HOOK_USER_AGENT));
        if let Ok(id) = HeaderValue::from_str(&crate::ids::request_id()) {
            headers.insert(REQUEST_ID_HEADER, id);
        }
        headers.extend(own);
        let mut attempt = Attempt {
            number: 1,
            started,
            elapsed: Duration::ZERO,
            sent: false,
            status: None,
            header_names: Vec::new(),
            failure: None,
        };
        let added = target.add_headers(&mut headers);
        attempt.header_names = headers.keys().map(|k| k.as_str().to_owned()).collect();
        if let Err(failure) = added {
            attempt.failure = Some(failure);
            return attempt;
        }
        attempt.sent = true;
        let sent = request(&self.http, target.url())
            .headers(headers)
            .send()
            .await;
        attempt.failure = match sent {
            Err(e) => Some(self.transport(&e)),
            Ok(response) => {
                let status = response.status().as_u16();
                attempt.status = Some(status);
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                // Read (bounded) before judging: a wrong status is the first thing to tell,
                // but the connection can be reused only once the answer is read.
                let body = read_limited(response).await;
                match (judge(status, body.as_deref().unwrap_or_default()), body) {
                    (Some(Failure::Status { status, .. }), _) => {
                        Some(Failure::Status { status, location })
                    }
                    (_, Err(unreadable)) if needs_body => Some(Failure::Unreadable(unreadable)),
                    (judged, Err(_)) => judged,
                    (judged, Ok(_)) => judged,
                }
            }
        };
        attempt.elapsed = clock.elapsed();
        attempt
    }

    fn transport(&self, e: &reqwest::Error) -> Failure {
        // The innermost cause names the real problem (connection refused, DNS, certificate).
        let mut cause: &dyn std::error::Error = e;
        while let Some(next) = cause.source() {
            cause = next;
        }
        let cause = crate::redact::text(&cause.to_string()).into_owned();
        if e.is_timeout() {
            Failure::Timeout(self.timeout)
        } else if e.is_connect() {
            Failure::Connect { cause }
        } else {
            Failure::Request {
                error: without_url(e),
                cause,
            }
        }
    }
}

/// Okta's retry, for both calls: the first attempt and, when its failure is worth a retry
/// ([`Failure::retryable`]), one more ([`ATTEMPTS`] in all). `each` sees every attempt; the
/// last is returned.
async fn retried<F: Future<Output = Attempt>>(
    verification: bool,
    mut once: impl FnMut() -> F,
    mut each: impl FnMut(&Attempt),
) -> Attempt {
    let mut number = 1;
    loop {
        let mut attempt = once().await;
        attempt.number = number;
        each(&attempt);
        match &attempt.failure {
            Some(failure) if failure.retryable(verification) && number < ATTEMPTS => number += 1,
            _ => return attempt,
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

/// The answer, at most [`MAX_ANSWER_BYTES`]; the error says why it could not be read.
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
