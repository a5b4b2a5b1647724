//! Routing and what every response carries: `X-Okta-Request-Id`, `Date`, the
//! `X-Rate-Limit-*` headers; and, before an API call runs, injected faults, the rate limit,
//! the token check and the `Content-Length` rule.

use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};

use super::limits::Verdict;
use super::shared::Shared;
use super::{api, control, logs, reply};

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/api/v1/eventHooks", get(api::list).post(api::create))
        .route(
            "/api/v1/eventHooks/{id}",
            get(api::get).put(api::replace).delete(api::delete),
        )
        .route(
            "/api/v1/eventHooks/{id}/lifecycle/{action}",
            post(api::lifecycle),
        )
        .route("/api/v1/logs", get(logs::list))
        .route(api::ORG_METADATA_PATH, get(api::org_metadata))
        .route("/emulator/fire", post(control::fire))
        .route(
            "/emulator/deliveries",
            get(control::deliveries).delete(control::clear_deliveries),
        )
        .route(
            "/emulator/faults",
            get(control::faults)
                .post(control::set_faults)
                .delete(control::clear_faults),
        )
        .route(
            "/emulator/chaos",
            get(control::chaos)
                .post(control::set_chaos)
                .delete(control::clear_chaos),
        )
        .route("/emulator/reset", post(control::reset))
        .route("/emulator/health", get(control::health))
        .method_not_allowed_fallback(|| async { reply::method_not_allowed() })
        .fallback(|request: Request| async move {
            reply::error(
                StatusCode::NOT_FOUND,
                "E0000007",
                format!(
                    "Not found: Resource not found: {} (Path)",
                    request.uri().path()
                ),
                Vec::new(),
            )
        });
    api.layer(DefaultBodyLimit::max(reply::MAX_REQUEST_BODY_BYTES))
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), gate))
        .with_state(shared)
}

/// Runs around every request.
async fn gate(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let request_id = okta_eventhooks::ids::request_id();
    let path = request.uri().path();
    let control = path.starts_with("/emulator/");
    let mut verdict = None;
    let response = if path == api::ORG_METADATA_PATH {
        // Public at Okta: no credential; and outside the faults and the rate limit, which
        // stand for the management API a test exercises.
        next.run(request).await
    } else if control {
        let allowed = if path == "/emulator/health" {
            Ok(())
        } else {
            authenticate(&shared, request.headers())
        };
        match allowed {
            Ok(()) => next.run(request).await,
            Err(refusal) => *refusal,
        }
    } else {
        // Okta-like API: faults first (they stand in for anything upstream), then the
        // credential; only calls with the right token count against the rate limit, as at
        // Okta, where the limit belongs to the org and token, so nobody without it can use up
        // the budget.
        let fault = shared.faults.next();
        if !fault.delay.is_zero() {
            tokio::time::sleep(fault.delay).await;
        }
        if let Some(status) = fault.fail_with {
            reply::for_status(
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            )
        } else if let Err(refusal) = authenticate(&shared, request.headers()) {
            *refusal
        } else {
            // `/api/v1/logs` has its own bucket, as at Okta.
            let limiter = if path == "/api/v1/logs" {
                &shared.logs_limiter
            } else {
                &shared.limiter
            };
            let v = limiter.check();
            verdict = Some(v);
            if !v.allowed {
                reply::rate_limited()
            } else if needs_length(&request) {
                reply::error(
                    StatusCode::LENGTH_REQUIRED,
                    "E0000001",
                    "Api validation failed: Content-Length required",
                    vec!["Send Content-Length: 0 with a POST or PUT that has no body".into()],
                )
            } else {
                next.run(request).await
            }
        }
    };
    decorate(response, &request_id, verdict)
}

/// Okta's two answers to a credential it does not accept (section 10 of the fact sheet): no
/// `Authorization` header, or a scheme it does not know, is 403 `E0000005` "Invalid session";
/// a known scheme with a wrong token is 401 `E0000011`. `SSWS <token>` and `Bearer <token>`
/// are compared in constant time; `SSWS<token>` without the space is accepted too (Okta's
/// Python SDK 3.x sends it that way). `DPoP` is a scheme Okta knows, but the emulator issues
/// no DPoP-bound tokens, so any DPoP token is a wrong one. The refusal is boxed: a `Response`
/// is large, and refusals are the rare path.
fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<(), Box<Response>> {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(Box::new(reply::invalid_session()));
    };
    let token = if let Some(rest) = strip_prefix_ignore_case(value, "SSWS") {
        rest.trim_start()
    } else if let Some(rest) = strip_prefix_ignore_case(value, "Bearer ") {
        rest.trim_start()
    } else if strip_prefix_ignore_case(value, "DPoP ").is_some() {
        return Err(Box::new(reply::invalid_token()));
    } else {
        return Err(Box::new(reply::invalid_session()));
    };
    if constant_time_eq(
        token.trim_end().as_bytes(),
        shared.token.expose().as_bytes(),
    ) {
        Ok(())
    } else {
        Err(Box::new(reply::invalid_token()))
    }
}

fn strip_prefix_ignore_case<'a>(value: &'a str, prefix: &str) -> Option<&'a str> {
    let head = value.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &value[prefix.len()..])
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A POST or PUT with neither `Content-Length` nor `Transfer-Encoding` (Okta answers 411).
fn needs_length(request: &Request) -> bool {
    (request.method() == Method::POST || request.method() == Method::PUT)
        && !request.headers().contains_key(header::CONTENT_LENGTH)
        && !request.headers().contains_key(header::TRANSFER_ENCODING)
}

fn decorate(mut response: Response, request_id: &str, verdict: Option<Verdict>) -> Response {
    let headers = response.headers_mut();
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-okta-request-id", id);
    }
    if let Ok(date) = HeaderValue::from_str(&httpdate::fmt_http_date(SystemTime::now())) {
        headers.insert(header::DATE, date);
    }
    if let Some(v) = verdict {
        headers.insert("x-rate-limit-limit", HeaderValue::from(v.limit));
        headers.insert("x-rate-limit-remaining", HeaderValue::from(v.remaining));
        headers.insert("x-rate-limit-reset", HeaderValue::from(v.reset));
    }
    response
}
