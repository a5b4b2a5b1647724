//! The crate's one error type.

use std::fmt;

use crate::rate_limit::RateLimit;
use crate::types::OktaError;

/// Okta's code for a request without a credential it knows (403).
const INVALID_SESSION: &str = "E0000005";

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a call.
///
/// Match on the variant for the broad kind, or use the helpers ([`status`](Error::status),
/// [`okta_error_code`](Error::okta_error_code), [`is_not_found`](Error::is_not_found),
/// [`is_rate_limited`](Error::is_rate_limited), ...). No variant ever contains a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client is configured wrongly (org URL, credentials, ...). Nothing was sent.
    #[error("configuration error: {0}")]
    Config(String),

    /// A value given to the SDK is not acceptable to Okta. Nothing was sent.
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// The request could not be sent or the response could not be read.
    #[error("transport error after {attempts} attempt(s): {message}")]
    Transport {
        /// What failed, with its cause chain.
        message: String,
        /// How many attempts were made.
        attempts: u32,
        /// The underlying error.
        #[source]
        source: Option<reqwest::Error>,
    },

    /// A time limit was hit.
    #[error("timed out: the {limit} was exceeded after {attempts} attempt(s)")]
    Timeout {
        /// Which limit.
        limit: TimeoutKind,
        /// How many attempts were made.
        attempts: u32,
    },

    /// The response body is larger than the client reads
    /// ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes)). Not
    /// transient: the same request gets the same answer, so retrying does not help.
    #[error("the response (HTTP {status}{}) is larger than the limit of {limit} bytes; raise the limit with ClientBuilder::max_response_bytes", request_id_suffix(.request_id))]
    ResponseTooLarge {
        /// HTTP status of the response.
        status: u16,
        /// The limit, in bytes.
        limit: usize,
        /// `X-Okta-Request-Id` of the response.
        request_id: Option<String>,
    },

    /// The response was not what the API promises (not JSON, wrong shape, empty).
    #[error("could not decode the response (HTTP {status}{}): {message}; body starts with: {excerpt:?}", request_id_suffix(.request_id))]
    Decode {
        /// HTTP status of the response.
        status: u16,
        /// Why it could not be decoded.
        message: String,
        /// The first bytes of the body (lossy UTF-8).
        excerpt: String,
        /// `X-Okta-Request-Id` of the response.
        request_id: Option<String>,
    },

    /// Okta answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),

    /// The System Log's paging cannot be followed safely: a `next` link to another host or
    /// path, a cursor that does not move on (following it would repeat events or never end), or
    /// a malformed `Link` header. The events before it were delivered; none after it are.
    #[error("cannot follow the System Log's paging{}: {message}", request_id_suffix(.request_id))]
    Paging {
        /// What is wrong with the paging.
        message: String,
        /// `X-Okta-Request-Id` of the response that carried it.
        request_id: Option<String>,
    },

    /// A [sink](crate::sink) (where deliveries are stored: a stream, a database, a file of
    /// seen uuids) failed; its message is the sink's own.
    #[error("{source}")]
    Sink {
        /// What kind of failure, for the caller to decide what to do (retry, fix a setting).
        kind: SinkErrorKind,
        /// The sink's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// What kind of failure an [`Error::Sink`] is: each sink sorts its own errors into these, so
/// that a caller treats every sink alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SinkErrorKind {
    /// A setting or an input is not acceptable; the same call fails again.
    InvalidInput,
    /// The target exists with other settings than the ones asked for.
    Config,
    /// The sink cannot be reached right now (network); a later call may succeed.
    Unreachable,
    /// The sink, or the endpoint it writes to, refused what it was given.
    Refused,
    /// The sink failed a call (a server-side failure); a later call may succeed.
    Failed,
    /// The sink's storage is full (disk or memory, or the account's share of it).
    NoSpace,
    /// A limit of the target refused the write (its size, message count or message size).
    Limit,
    /// A fault of the caller's own making that retrying does not fix (an encoding failed,
    /// a request could not be sent).
    Internal,
}

impl Error {
    /// A sink's error of the given kind.
    pub fn sink(
        kind: SinkErrorKind,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Sink {
            kind,
            source: source.into(),
        }
    }
}

/// Which time limit a [`Error::Timeout`] hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Establishing the connection.
    Connect,
    /// One request/response exchange.
    Request,
    /// The whole call, retries included.
    Deadline,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "connect timeout",
            Self::Request => "request timeout",
            Self::Deadline => "overall deadline",
        })
    }
}

/// An error answer from Okta: HTTP status, the Okta error object when there is one, and the
/// request id to quote to Okta support.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// The decoded Okta error object (absent when the body was not one, e.g. a proxy's HTML).
    pub error: Option<OktaError>,
    /// `X-Okta-Request-Id` of the response.
    pub request_id: Option<String>,
    /// The first bytes of the body when it was not an Okta error object.
    pub body_excerpt: Option<String>,
    /// Rate-limit headers of the response.
    pub rate_limit: RateLimit,
    /// How many attempts were made.
    pub attempts: u32,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error {
            Some(e) => {
                let code = e.error_code.as_deref().unwrap_or("(no error code)");
                write!(f, "{code} {}", e.error_summary.as_deref().unwrap_or(""))?;
                for cause in e
                    .error_causes
                    .iter()
                    .filter_map(|c| c.error_summary.as_deref())
                {
                    write!(f, "; {cause}")?;
                }
            }
            None => {
                let reason = http::StatusCode::from_u16(self.status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("error");
                write!(f, "{reason}")?;
                if let Some(body) = self
                    .body_excerpt
                    .as_deref()
                    .filter(|b| !b.trim().is_empty())
                {
                    write!(f, ": {:?}", body)?;
                }
            }
        }
        write!(f, " (HTTP {}", self.status)?;
        if let Some(id) = &self.request_id {
            write!(f, ", request id {id}")?;
        }
        if let (429, Some(reset)) = (self.status, self.rate_limit.reset) {
            write!(f, ", rate limit resets at {}", reset.to_rfc3339())?;
        }
        if self.attempts > 1 {
            write!(f, ", {} attempts", self.attempts)?;
        }
        f.write_str(")")
    }
}

fn request_id_suffix(id: &Option<String>) -> String {
    id.as_ref()
        .map(|id| format!(", request id {id}"))
        .unwrap_or_default()
}

impl Error {
    /// The HTTP status, when Okta (or a proxy) answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api(e) => Some(e.status),
            Self::Decode { status, .. } | Self::ResponseTooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The Okta error code (`E0000007`, ...), when the answer carried one.
    pub fn okta_error_code(&self) -> Option<&str> {
        self.api_error()?.error.as_ref()?.error_code.as_deref()
    }

    /// The Okta error object's causes (`errorCauses[].errorSummary`).
    pub fn error_causes(&self) -> Vec<&str> {
        self.api_error()
            .and_then(|e| e.error.as_ref())
            .map(|e| {
                e.error_causes
                    .iter()
                    .filter_map(|c| c.error_summary.as_deref())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `X-Okta-Request-Id` of the failed response.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Api(e) => e.request_id.as_deref(),
            Self::Decode { request_id, .. }
            | Self::ResponseTooLarge { request_id, .. }
            | Self::Paging { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The API error, when Okta answered with an error status.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }

    /// HTTP 404: the hook does not exist.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// HTTP 429: the rate limit was exceeded (and retries, if any, did not help).
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(429)
    }

    /// HTTP 401: the credentials were rejected.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    /// HTTP 403: the credentials lack a permission or scope (`E0000006`), or the request
    /// carried no credential Okta knows ([`is_invalid_session`](Self::is_invalid_session)).
    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(403)
    }

    /// HTTP 403 `E0000005` "Invalid session": Okta found no credential it knows in the
    /// request (no `Authorization` header, or a scheme other than `SSWS`, `Bearer` or `DPoP`),
    /// so, unlike a wrong token (401 `E0000011`, [`is_unauthorized`](Self::is_unauthorized)),
    /// the token itself was never looked at. See [`auth_hint`](Self::auth_hint).
    pub fn is_invalid_session(&self) -> bool {
        self.status() == Some(403) && self.okta_error_code() == Some(INVALID_SESSION)
    }

    /// What an authentication failure means and what to check, for Okta's three answers to a
    /// credential (401 `E0000011`, 403 `E0000005`, 403 `E0000006`); `None` for other errors.
    ///
    /// ```
    /// # fn show(e: &okta_eventhooks::Error) {
    /// if let Some(hint) = e.auth_hint() {
    ///     eprintln!("{e}\nhint: {hint}");
    /// }
    /// # }
    /// ```
    pub fn auth_hint(&self) -> Option<&'static str> {
        match (self.status()?, self.okta_error_code()) {
            (401, _) => Some(
                "Okta rejected the token: check that it is valid, not expired or revoked, and issued by this org",
            ),
            (403, Some(INVALID_SESSION)) => Some(
                "Okta saw no credential it accepts: the request had no Authorization header, or a scheme other than SSWS, Bearer or DPoP; the SDK always sends one, so a proxy or a redirect to another host probably dropped or rewrote it (check the org URL and any proxy)",
            ),
            (403, _) => Some(
                "the credential lacks permission: managing event hooks needs the OAuth scope okta.eventHooks.manage (reading them: okta.eventHooks.read; reading the System Log: okta.logs.read), or an admin role allowed to do it",
            ),
            _ => None,
        }
    }

    /// A 5xx answer, a transport failure or a timeout: worth trying again later. (An answer
    /// too large to read is not, whatever its status.)
    pub fn is_transient(&self) -> bool {
        if matches!(self, Self::ResponseTooLarge { .. }) {
            return false;
        }
        matches!(self, Self::Transport { .. } | Self::Timeout { .. })
            || matches!(self.status(), Some(s) if s == 429 || s >= 500)
    }

    /// Whether nothing was sent because the input or configuration was rejected locally.
    pub fn is_local(&self) -> bool {
        matches!(self, Self::Config(_) | Self::InvalidInput(_))
    }
}

impl Error {
    /// A timeout (connect or request) or a transport error whose message carries the whole cause
    /// chain (connection refused, DNS, TLS). Request URLs here carry no secrets.
    pub(crate) fn from_reqwest(e: reqwest::Error, attempts: u32, context: Option<&str>) -> Self {
        if e.is_timeout() {
            let limit = if e.is_connect() {
                TimeoutKind::Connect
            } else {
                TimeoutKind::Request
            };
            return Self::Timeout { limit, attempts };
        }
        let mut message = match context {
            Some(context) => format!("{context}: {e}"),
            None => e.to_string(),
        };
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Self::Transport {
            message,
            attempts,
            source: Some(e),
        }
    }
}

/// The first `MAX` bytes of a body, as lossy UTF-8, for error messages.
pub(crate) fn excerpt(body: &[u8]) -> String {
    const MAX: usize = 200;
    let cut = &body[..body.len().min(MAX)];
    let mut text = String::from_utf8_lossy(cut).into_owned();
    if body.len() > MAX {
        text.push('…');
    }
    text
}
