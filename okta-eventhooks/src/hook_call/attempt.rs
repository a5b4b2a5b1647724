//! One call's outcome: what was sent and why it failed, in words the delivery log can show
//! (never a header value, never the URI, which may carry credentials).

use std::time::Duration;

use chrono::{DateTime, Utc};

/// One attempt at a call (the first, or Okta's retry).
#[derive(Clone, Debug)]
pub struct Attempt {
    /// 1 for the first attempt, 2 for the retry.
    pub number: u32,
    /// When it started.
    pub started: DateTime<Utc>,
    /// How long it took, answer read included.
    pub elapsed: Duration,
    /// Whether a request went out (not when the hook's headers are invalid).
    pub sent: bool,
    /// The status of the answer, if there was one.
    pub status: Option<u16>,
    /// The names of the headers sent (lower case), never their values.
    pub header_names: Vec<String>,
    /// Why it failed; `None` when it succeeded.
    pub failure: Option<Failure>,
}

impl Attempt {
    /// Whether the hook answered as Okta needs.
    pub fn succeeded(&self) -> bool {
        self.failure.is_none()
    }
}

/// The part of a header that is not valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderPart {
    /// The name (`key`).
    Name,
    /// The value.
    Value,
}

/// Why a call to a hook failed. The text names the problem without the URI or any header
/// value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    /// A header of the hook cannot be sent (nothing was sent); `auth`: the auth header.
    #[error(
        "invalid {}{} {key:?}",
        match part { HeaderPart::Name => "", HeaderPart::Value => "value for " },
        match (part, auth) {
            (HeaderPart::Name, true) => "auth header name",
            (HeaderPart::Name, false) => "header name",
            (HeaderPart::Value, true) => "auth header",
            (HeaderPart::Value, false) => "header",
        }
    )]
    InvalidHeader {
        /// The header's name as configured.
        key: String,
        /// Whether it is the auth header.
        auth: bool,
        /// What is wrong with it.
        part: HeaderPart,
    },
    /// No answer within the timeout.
    #[error("no answer within {} ms", .0.as_millis())]
    Timeout(Duration),
    /// No connection (refused, DNS, TLS).
    #[error("could not connect")]
    Connect {
        /// The innermost cause, in words (names refusal, DNS or certificate problems).
        cause: String,
    },
    /// The request failed otherwise.
    #[error("request failed: {error}")]
    Request {
        /// The error without the URI.
        error: String,
        /// The innermost cause, in words.
        cause: String,
    },
    /// The answer's status is not what Okta needs (200 to a verification, 2xx to a delivery).
    #[error("the endpoint answered HTTP {}", status_text(*.status))]
    Status {
        /// The status code.
        status: u16,
        /// The `Location` of a redirect (Okta follows none).
        location: Option<String>,
    },
    /// The answer could not be read to its end (too large, timed out, broken).
    #[error("{0}")]
    Unreadable(String),
    /// A 200 to a verification whose body is not JSON.
    #[error("the answer is not JSON")]
    NotJson,
    /// A 200 to a verification whose JSON has no `verification` field.
    #[error("the answer is not {{\"verification\": <the challenge>}}")]
    NoVerification,
    /// A 200 to a verification echoing another value than the challenge (a receiver that
    /// mangles `-` or `_`, or answers an old challenge).
    #[error("the answer is not {{\"verification\": <the challenge>}}")]
    WrongChallenge,
}

impl Failure {
    /// Whether Okta retries after it: a timeout, a connection or request error, an answer that
    /// could not be read, a 5xx; for a verification also a wrong answer. Never a redirect, an
    /// invalid header, or a 4xx to a delivery.
    pub fn retryable(&self, verification: bool) -> bool {
        match self {
            Self::InvalidHeader { .. } => false,
            Self::Timeout(_) | Self::Connect { .. } | Self::Request { .. } => true,
            Self::Unreadable(_) => true,
            Self::Status { status, .. } if (300..400).contains(status) => false,
            Self::Status { status, .. } => verification || *status >= 500,
            Self::NotJson | Self::NoVerification | Self::WrongChallenge => verification,
        }
    }
}

/// `500 Internal Server Error`, or the bare code when it has no reason phrase.
fn status_text(status: u16) -> String {
    http::StatusCode::from_u16(status).map_or_else(|_| status.to_string(), |s| s.to_string())
}
