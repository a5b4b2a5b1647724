//! Okta-shaped responses: JSON bodies and the error object.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::ids;

/// `application/json`, the content type of every JSON answer (Okta's current responses).
const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// A JSON response with a status.
pub(crate) fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, JSON)], bytes).into_response(),
        Err(e) => internal(&format!("could not encode the response: {e}")),
    }
}

/// The largest request body the emulator reads (create, replace and the control API); larger
/// ones are answered 413 before anything is parsed. It is also the largest hook.
pub const MAX_REQUEST_BODY_BYTES: usize = 64 * 1024;

/// The request body, or why it is refused: over [`MAX_REQUEST_BODY_BYTES`], or not received
/// (the server runner turns a body that came too slowly into 408).
pub(crate) fn body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, Failure> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Failure::BodyTooLarge
        } else {
            Failure::Body(rejection)
        }
    })
}

/// An Okta `Error` object.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OktaErrorBody {
    pub(crate) error_code: &'static str,
    pub(crate) error_summary: String,
    pub(crate) error_link: &'static str,
    pub(crate) error_id: String,
    pub(crate) error_causes: Vec<Cause>,
}

/// One `errorCauses` entry.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Cause {
    pub(crate) error_summary: String,
}

/// An error response: `errorLink` equals `errorCode`, as Okta does today.
pub(crate) fn error(
    status: StatusCode,
    code: &'static str,
    summary: impl Into<String>,
    causes: Vec<String>,
) -> Response {
    let body = OktaErrorBody {
        error_code: code,
        error_summary: summary.into(),
        error_link: code,
        error_id: ids::error_id(),
        error_causes: causes
            .into_iter()
            .map(|error_summary| Cause { error_summary })
            .collect(),
    };
    json(status, &body)
}

/// 400 `E0000001` `Api validation failed: eventHook` with causes.
pub(crate) fn validation(causes: Vec<String>) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "E0000001",
        "Api validation failed: eventHook",
        causes,
    )
}

/// 400 `E0000003`: the body is not JSON (or not the right JSON shape).
pub(crate) fn malformed() -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "E0000003",
        "The request body was not well-formed.",
        Vec::new(),
    )
}

/// 404 `E0000007` with Okta's wording for hooks.
pub(crate) fn not_found(id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "E0000007",
        format!("Not found: Resource not found: {id} (Webhook)"),
        Vec::new(),
    )
}

/// 401 `E0000011`.
pub(crate) fn invalid_token() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "E0000011",
        "Invalid token provided",
        Vec::new(),
    )
}

/// 405 `E0000022`.
pub(crate) fn method_not_allowed() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "E0000022",
        "The endpoint does not support the provided HTTP method",
        Vec::new(),
    )
}

/// 429 `E0000047` (the rate-limit headers are added by the middleware).
pub(crate) fn rate_limited() -> Response {
    error(
        StatusCode::TOO_MANY_REQUESTS,
        "E0000047",
        "API call exceeded rate limit due to too many requests.",
        Vec::new(),
    )
}

/// 500 `E0000009`, with the detail as its cause and in the log. The emulator's own failures
/// are about its state file (which the user chose and can fix) and hold no secret.
pub(crate) fn internal(detail: &str) -> Response {
    tracing::error!(detail, "emulator internal error");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "E0000009",
        "Internal Server Error",
        vec![detail.to_owned()],
    )
}

/// The error Okta would plausibly send for an injected fault with this status.
pub(crate) fn for_status(status: StatusCode) -> Response {
    match status.as_u16() {
        400 => validation(vec!["Injected fault".into()]),
        401 => invalid_token(),
        403 => error(
            status,
            "E0000006",
            "You do not have permission to perform the requested action",
            Vec::new(),
        ),
        404 => error(status, "E0000007", "Not found: Injected fault", Vec::new()),
        405 => method_not_allowed(),
        429 => rate_limited(),
        _ => error(status, "E0000009", "Internal Server Error", Vec::new()),
    }
}

/// Why a request is refused, before it becomes a response (small, unlike a `Response`).
#[derive(Debug)]
pub(crate) enum Failure {
    /// 400 `E0000001` with these causes.
    Validation(Vec<String>),
    /// 400 `E0000003`.
    Malformed,
    /// 404 `E0000007` for this hook id.
    NotFound(String),
    /// 500 `E0000009`; the detail is its cause.
    Internal(String),
    /// 413: the body is over [`MAX_REQUEST_BODY_BYTES`].
    BodyTooLarge,
    /// The body could not be read: axum's answer.
    Body(BytesRejection),
}

impl Failure {
    pub(crate) fn not_found(id: &str) -> Self {
        Self::NotFound(id.to_owned())
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Validation(causes) => validation(causes),
            Failure::Malformed => malformed(),
            Failure::NotFound(id) => not_found(&id),
            Failure::Internal(detail) => internal(&detail),
            Failure::BodyTooLarge => error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "E0000001",
                "Api validation failed: request body",
                vec![format!(
                    "The request body is larger than {MAX_REQUEST_BODY_BYTES} bytes"
                )],
            ),
            Failure::Body(rejection) => rejection.into_response(),
        }
    }
}
