//! A client for a running emulator's `/emulator/...` API (used by `okta-eventhooks emulator
//! fire` and by tests that run the emulator in another process).

use reqwest::header::AUTHORIZATION;
use serde::de::DeserializeOwned;

use std::time::Duration;

use super::deliver::DEFAULT_FIRE_TIMEOUT;
use super::limits::Faults;
use super::records::{DeliveryRecord, FireRequest, FireSummary};
use okta_eventhooks::{OktaError, Secret};

use crate::error::{Error, Result};

/// How much longer than a fire's deadline the answer may take to arrive.
const ANSWER_MARGIN: Duration = Duration::from_secs(10);

/// Talks to the `/emulator/...` API of an emulator at a URL.
#[derive(Clone, Debug)]
pub struct ControlClient {
    http: reqwest::Client,
    base: String,
    token: Secret,
}

impl ControlClient {
    /// A client for the emulator at `url` (e.g. `http://127.0.0.1:8180`) with its token.
    pub fn new(url: impl Into<String>, token: impl Into<Secret>) -> Result<Self> {
        let base = url.into().trim_end_matches('/').to_owned();
        let parsed = url::Url::parse(&base)
            .map_err(|e| Error::Config(format!("invalid emulator URL {base:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::Config(format!(
                "invalid emulator URL {base:?}: use http:// or https://"
            )));
        }
        okta_eventhooks::install_crypto_provider();
        let http = reqwest::Client::builder()
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            http,
            base,
            token: token.into(),
        })
    }

    /// `POST /emulator/fire`. The emulator answers by the fire's deadline
    /// ([`FireRequest::timeout`], default [`DEFAULT_FIRE_TIMEOUT`]); this client waits that long
    /// and a little more for the answer, then gives up.
    pub async fn fire(&self, request: &FireRequest) -> Result<FireSummary> {
        let deadline = request
            .timeout_ms
            .map_or(DEFAULT_FIRE_TIMEOUT, Duration::from_millis);
        let post = self
            .http
            .post(self.url("/emulator/fire"))
            .json(request)
            .timeout(deadline.saturating_add(ANSWER_MARGIN));
        decode(self.send(post).await?).await
    }

    /// `GET /emulator/deliveries`.
    pub async fn deliveries(&self) -> Result<Vec<DeliveryRecord>> {
        let response = self
            .send(self.http.get(self.url("/emulator/deliveries")))
            .await?;
        decode(response).await
    }

    /// `POST /emulator/faults`.
    pub async fn set_faults(&self, faults: &Faults) -> Result<()> {
        let response = self
            .send(self.http.post(self.url("/emulator/faults")).json(faults))
            .await?;
        decode::<Faults>(response).await.map(drop)
    }

    /// `POST /emulator/reset`: deletes every hook and clears log, faults and rate window.
    pub async fn reset(&self) -> Result<()> {
        let response = self
            .send(
                self.http
                    .post(self.url("/emulator/reset"))
                    .header(reqwest::header::CONTENT_LENGTH, "0"),
            )
            .await?;
        check(response).await.map(drop)
    }

    /// `GET /emulator/health`: Ok once the emulator answers.
    pub async fn health(&self) -> Result<()> {
        let response = self
            .send(self.http.get(self.url("/emulator/health")))
            .await?;
        check(response).await.map(drop)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response> {
        let mut auth =
            reqwest::header::HeaderValue::from_str(&format!("SSWS {}", self.token.expose()))
                .map_err(|_| {
                    Error::Config("the emulator token is not a valid header value".into())
                })?;
        auth.set_sensitive(true);
        request
            .header(AUTHORIZATION, auth)
            .send()
            .await
            .map_err(|e| unreachable(&self.base, &e))
    }
}

fn unreachable(url: &str, e: &reqwest::Error) -> Error {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    Error::Unreachable {
        url: url.to_owned(),
        message,
    }
}

async fn check(response: reqwest::Response) -> Result<reqwest::Response> {
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap_or_default();
    let (code, message) = match serde_json::from_slice::<OktaError>(&body) {
        Ok(error) if error.error_code.is_some() => {
            let mut message = error.error_summary.unwrap_or_default();
            for cause in error
                .error_causes
                .iter()
                .filter_map(|c| c.error_summary.as_deref())
            {
                message.push_str("; ");
                message.push_str(cause);
            }
            (error.error_code, message)
        }
        _ => (None, excerpt(&body)),
    };
    Err(Error::Refused {
        status,
        code,
        message,
    })
}

async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> Result<T> {
    let response = check(response).await?;
    let url = response.url().origin().ascii_serialization();
    let body = response.bytes().await.map_err(|e| unreachable(&url, &e))?;
    serde_json::from_slice(&body)
        .map_err(|e| Error::Decode(format!("{e}; body starts with {:?}", excerpt(&body))))
}

/// The first bytes of a body, as lossy UTF-8, for error messages.
fn excerpt(body: &[u8]) -> String {
    const MAX: usize = 200;
    let mut text = String::from_utf8_lossy(&body[..body.len().min(MAX)]).into_owned();
    if body.len() > MAX {
        text.push('…');
    }
    text
}
