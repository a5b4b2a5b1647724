//! The endpoint probe before a verification: the GET Okta sends (the challenge header, the
//! auth header and the custom headers), checked the way Okta checks the answer, so that a
//! receiver that is not up yet, or answers wrongly, is named plainly instead of through Okta's
//! generic "Unable to verify event hook".
//!
//! The probe identifies itself with one extra header, `X-Okta-Eventhooks-Probe`, so that a
//! receiver's logs can tell it from Okta's own call. Its `User-Agent` is Okta's.

use std::time::Duration;

use okta_eventhooks::EventHook;
use okta_eventhooks_emulator::{HOOK_USER_AGENT, VERIFICATION_CHALLENGE_HEADER};
use reqwest::header::{ACCEPT, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use serde_json::Value;

use crate::error::CliError;
use crate::exit::Exit;

/// Okta waits this long for the endpoint's answer.
pub const OKTA_TIMEOUT: Duration = Duration::from_secs(3);
/// The header that marks the probe.
pub const PROBE_HEADER: &str = "x-okta-eventhooks-probe";
/// Most bytes read from an answer: `{"verification": "..."}` is tiny.
const MAX_ANSWER_BYTES: usize = 16 * 1024;
/// The first pause between probes of a receiver that is not ready; it doubles up to
/// [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(250);
const MAX_PAUSE: Duration = Duration::from_secs(5);

/// Why a probe failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Nothing usable answered (no connection, a timeout, a 404 or 5xx): a receiver still
    /// being deployed looks like this.
    NotReady(String),
    /// Something answered, but not what Okta needs.
    Wrong(String),
}

impl Failure {
    /// The message.
    pub fn message(&self) -> &str {
        match self {
            Self::NotReady(m) | Self::Wrong(m) => m,
        }
    }

    /// The exit code: a network failure (retry later) or a rejection (fix the receiver).
    pub fn exit(&self) -> Exit {
        match self {
            Self::NotReady(_) => Exit::Network,
            Self::Wrong(_) => Exit::Api,
        }
    }
}

/// Sends probes; one per apply (one connection pool).
pub struct Prober {
    http: reqwest::Client,
}

impl Prober {
    /// A prober that follows no redirects (Okta does not) and waits as long as Okta does.
    pub fn new() -> Result<Self, CliError> {
        okta_eventhooks::install_crypto_provider();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(OKTA_TIMEOUT)
            .timeout(OKTA_TIMEOUT)
            .build()
            .map_err(|e| {
                CliError::Internal(format!("cannot set up the HTTP client for probes: {e}"))
            })?;
        Ok(Self { http })
    }

    /// Probes until the endpoint answers correctly or `wait` has passed, pausing longer each
    /// time; returns the number of probes sent, or the last failure.
    pub async fn until_ready(
        &self,
        hook: &EventHook,
        wait: Duration,
    ) -> Result<u32, (Failure, u32)> {
        let give_up = tokio::time::Instant::now() + wait;
        let mut pause = FIRST_PAUSE;
        let mut sent = 0;
        loop {
            sent += 1;
            match self.once(hook).await {
                Ok(()) => return Ok(sent),
                Err(failure) => {
                    let now = tokio::time::Instant::now();
                    if now + pause > give_up {
                        return Err((failure, sent));
                    }
                    tracing::debug!(
                        uri = hook.channel.config.uri,
                        failure = failure.message(),
                        "probe failed; trying again"
                    );
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(MAX_PAUSE);
                }
            }
        }
    }

    /// One probe.
    pub async fn once(&self, hook: &EventHook) -> Result<(), Failure> {
        let target = &hook.channel.config.uri;
        // As messages show it: without a user name and password (the SDK's rules refuse one
        // in a hook URI; this is for messages only).
        let uri = &okta_eventhooks::redact::text(target);
        let challenge = challenge();
        let headers = headers(hook, &challenge)?;
        let response = match self.http.get(target).headers(headers).send().await {
            Ok(response) => response,
            Err(e) => return Err(transport(uri, &e)),
        };
        let status = response.status();
        if status.is_redirection() {
            let to = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(|l| format!(" to {l}"))
                .unwrap_or_default();
            return Err(Failure::Wrong(format!(
                "the receiver at {uri} answered HTTP {}, a redirect{to}: Okta does not follow redirects; use the final URL",
                status.as_u16()
            )));
        }
        let auth_key = hook
            .channel
            .config
            .auth_scheme
            .as_ref()
            .and_then(|a| a.key.as_deref());
        match status.as_u16() {
            200 => {}
            401 | 403 => {
                let what = auth_key.map_or_else(
                    || "it wants credentials, and the hook has no auth header".to_owned(),
                    |key| format!("it does not accept the auth header {key} (is the secret the one it expects?)"),
                );
                return Err(Failure::Wrong(format!(
                    "the receiver at {uri} refused the request with HTTP {}: {what}",
                    status.as_u16()
                )));
            }
            404 | 502..=504 => {
                return Err(Failure::NotReady(format!(
                    "the receiver at {uri} is not ready: it answered HTTP {}",
                    status.as_u16()
                )));
            }
            other => {
                return Err(Failure::Wrong(format!(
                    "the receiver at {uri} answered HTTP {other}; Okta needs HTTP 200 with {{\"verification\": \"<challenge>\"}}"
                )));
            }
        }
        let body = read_limited(response).await.map_err(|e| {
            Failure::NotReady(format!(
                "the receiver at {uri} did not finish its answer: {e}"
            ))
        })?;
        match serde_json::from_slice::<Value>(&body) {
            Ok(v) if v.get("verification").and_then(Value::as_str) == Some(challenge.as_str()) => {
                Ok(())
            }
            Ok(v) if v.get("verification").is_some() => Err(Failure::Wrong(format!(
                "the receiver at {uri} answered with another value than the challenge: it must echo the {VERIFICATION_CHALLENGE_HEADER} header's value"
            ))),
            Ok(_) => Err(Failure::Wrong(format!(
                "the receiver at {uri} answered JSON without a \"verification\" field; Okta needs {{\"verification\": \"<the {VERIFICATION_CHALLENGE_HEADER} value>\"}}"
            ))),
            Err(_) => Err(Failure::Wrong(format!(
                "the receiver at {uri} answered HTTP 200 but not with JSON; Okta needs {{\"verification\": \"<the {VERIFICATION_CHALLENGE_HEADER} value>\"}}"
            ))),
        }
    }
}

/// What Okta sends: its `Accept` and `User-Agent`, the challenge, the custom headers and the
/// auth header (marked sensitive, so that no debug output shows it).
fn headers(hook: &EventHook, challenge: &str) -> Result<HeaderMap, Failure> {
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    headers.insert(USER_AGENT, HeaderValue::from_static(HOOK_USER_AGENT));
    headers.insert(
        PROBE_HEADER,
        HeaderValue::from_static(concat!("okta-eventhooks/", env!("CARGO_PKG_VERSION"))),
    );
    let config = &hook.channel.config;
    let custom = config
        .headers
        .iter()
        .filter_map(|h| Some((h.key.as_deref()?, h.value.as_ref()?)));
    let auth = config
        .auth_scheme
        .as_ref()
        .and_then(|a| Some((a.key.as_deref()?, a.value.as_ref()?)));
    for (key, value) in custom.chain(auth) {
        let name = HeaderName::from_bytes(key.as_bytes())
            .map_err(|_| Failure::Wrong(format!("the header name {key:?} is not valid")))?;
        let mut value = HeaderValue::from_str(value.expose()).map_err(|_| {
            Failure::Wrong(format!(
                "the value of the header {key} is not a valid header value"
            ))
        })?;
        value.set_sensitive(true);
        headers.insert(name, value);
    }
    if let Ok(value) = HeaderValue::from_str(challenge) {
        headers.insert(VERIFICATION_CHALLENGE_HEADER, value);
    }
    Ok(headers)
}

/// A failure before any answer, in words.
fn transport(uri: &str, e: &reqwest::Error) -> Failure {
    if e.is_timeout() {
        return Failure::NotReady(format!(
            "the receiver at {uri} did not answer within {} s, as long as Okta waits",
            OKTA_TIMEOUT.as_secs()
        ));
    }
    // The innermost cause names the real problem (connection refused, DNS, certificate).
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let detail = cause.to_string();
    let tls = ["certificate", "tls", "handshake", "x509"]
        .iter()
        .any(|word| detail.to_ascii_lowercase().contains(word));
    if tls {
        Failure::Wrong(format!(
            "TLS with the receiver at {uri} failed ({detail}); Okta needs a certificate from a public CA"
        ))
    } else {
        Failure::NotReady(format!("the receiver at {uri} is not reachable: {detail}"))
    }
}

async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(format!(
                "the answer is larger than {MAX_ANSWER_BYTES} bytes"
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A random challenge, as Okta sends one.
fn challenge() -> String {
    let mut bytes = [0u8; 16];
    // The OS's randomness; a failure leaves zeros, which still test the echo.
    let _ = getrandom::getrandom(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
