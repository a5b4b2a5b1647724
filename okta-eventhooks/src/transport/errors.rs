//! The generated layer's errors turned into the crate's [`Error`], preferring what the call
//! context recorded (the real error behind a stand-in response).

use http::HeaderValue;

use super::{CallContext, REQUEST_ID, ResponseMeta};
use crate::error::{Error, excerpt};
use crate::generated;
use crate::rate_limit::RateLimit;
use crate::types::OktaError;

fn request_id(headers: &http::HeaderMap) -> Option<String> {
    text(headers.get(REQUEST_ID))
}

pub(super) fn text(value: Option<&HeaderValue>) -> Option<String> {
    value.and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// Turns the generated layer's error into the facade's, preferring what the context recorded.
pub(super) async fn map_error(error: generated::Error<OktaError>, ctx: &CallContext) -> Error {
    if let Some(failure) = ctx.take_failure() {
        return failure;
    }
    let attempts = ctx.attempts().max(1);
    use progenitor_client::Error as G;
    match error {
        G::InvalidRequest(message) => Error::InvalidInput(message),
        G::CommunicationError(e) | G::ResponseBodyError(e) | G::InvalidUpgrade(e) => {
            transport(e, attempts)
        }
        G::ErrorResponse(value) => {
            let status = value.status().as_u16();
            let meta = meta_of(value.headers(), status);
            api_error(meta, Some(value.into_inner()), None, attempts)
        }
        G::InvalidResponsePayload(body, e) => {
            let meta = ctx.response().unwrap_or(ResponseMeta {
                status: 200,
                request_id: None,
                rate_limit: RateLimit::default(),
            });
            if meta.status >= 400 {
                // A documented error status whose body is not an Okta error object (a proxy's page).
                return api_error(meta, None, Some(excerpt(&body)), attempts);
            }
            decode_error(meta.status, &body, &e, text(meta.request_id.as_ref()))
        }
        G::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = match response.bytes().await {
                Ok(body) => body,
                Err(e) => return transport(e, attempts),
            };
            if status < 400 {
                return Error::Decode {
                    status,
                    message: format!("unexpected HTTP status {status}"),
                    excerpt: excerpt(&body),
                    request_id: request_id(&headers),
                };
            }
            let okta = serde_json::from_slice::<OktaError>(&body)
                .ok()
                .filter(|e| e.error_code.is_some());
            let raw = okta.is_none().then(|| excerpt(&body));
            api_error(meta_of(&headers, status), okta, raw, attempts)
        }
        G::Custom(message) => Error::Transport {
            message,
            attempts,
            source: None,
        },
    }
}

/// A body that does not decode as the operation's answer: the same error whether the generated
/// code decoded it or a reader that took the body ([`take_response_body`](super::take_response_body)).
pub(crate) fn decode_error(
    status: u16,
    body: &[u8],
    e: &serde_json::Error,
    request_id: Option<String>,
) -> Error {
    Error::Decode {
        status,
        message: if body.is_empty() {
            "the body is empty".into()
        } else {
            e.to_string()
        },
        excerpt: excerpt(body),
        request_id,
    }
}

fn meta_of(headers: &http::HeaderMap, status: u16) -> ResponseMeta {
    ResponseMeta {
        status,
        request_id: headers.get(REQUEST_ID).cloned(),
        rate_limit: RateLimit::from_headers(headers),
    }
}

fn api_error(
    meta: ResponseMeta,
    error: Option<OktaError>,
    body_excerpt: Option<String>,
    attempts: u32,
) -> Error {
    Error::Api(Box::new(crate::error::ApiError {
        status: meta.status,
        error,
        request_id: text(meta.request_id.as_ref()),
        body_excerpt,
        rate_limit: meta.rate_limit,
        attempts,
    }))
}

fn transport(e: reqwest::Error, attempts: u32) -> Error {
    Error::from_reqwest(e, attempts, None)
}
