//! The two endpoints Okta calls: the verification GET and the delivery POST.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

use crate::dedupe_store::{self, SharedStore};
use crate::shared_secret::SharedSecret;
use crate::sink::SinkHook;
use crate::stats::Counters;
use okta_eventhooks::events::{Delivery, VerificationRequest};

/// What every request handler needs; one per receiver.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) auth: Option<SharedSecret>,
    pub(crate) dedupe: SharedStore,
    pub(crate) sender: mpsc::Sender<Delivery>,
    pub(crate) counters: Arc<Counters>,
    /// When set, deliveries go to the sink and are answered once it stored them.
    pub(crate) sink: Option<SinkHook>,
}

impl Shared {
    fn authorized(&self, headers: &HeaderMap) -> bool {
        let ok = self.auth.as_ref().is_none_or(|auth| auth.accepts(headers));
        if !ok {
            Counters::bump(&self.counters.unauthorized, 1);
            tracing::debug!("event hook request refused: auth header missing or wrong");
        }
        ok
    }
}

fn refuse(status: StatusCode, message: &'static str) -> Response {
    (status, message).into_response()
}

/// GET: echo the challenge as `{"verification": "..."}`.
pub(crate) async fn verify(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if !shared.authorized(&headers) {
        return refuse(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    match VerificationRequest::from_headers(&headers) {
        Some(request) => {
            Counters::bump(&shared.counters.verifications, 1);
            tracing::debug!("event hook verification challenge answered");
            (StatusCode::OK, Json(request.response())).into_response()
        }
        None => {
            Counters::bump(&shared.counters.malformed, 1);
            refuse(
                StatusCode::BAD_REQUEST,
                "missing X-Okta-Verification-Challenge header",
            )
        }
    }
}

/// POST: check, parse, de-duplicate, hand over without waiting for user code, acknowledge.
pub(crate) async fn deliver(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    // Auth first, so an unauthenticated caller cannot make us buffer a body.
    if !shared.authorized(request.headers()) {
        return refuse(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    // The limit comes from the router's `DefaultBodyLimit` layer.
    let body = match Bytes::from_request(request, &()).await {
        Ok(body) => body,
        Err(rejection) => {
            let counter = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                &shared.counters.too_large
            } else {
                &shared.counters.malformed
            };
            Counters::bump(counter, 1);
            return rejection.into_response();
        }
    };
    if let Some(sink) = &shared.sink {
        // The sink parses what it needs and stores the events as sent. De-duplication is its
        // job too: a repeat acknowledged here while the first copy is still being stored
        // would be lost with it if that store failed.
        return sink.deliver(&shared.counters, body).await;
    }
    let delivery: Delivery = match serde_json::from_slice(&body) {
        Ok(delivery) => delivery,
        Err(err) => {
            Counters::bump(&shared.counters.malformed, 1);
            tracing::debug!(error = %err, "event hook delivery refused: malformed JSON");
            // serde_json's message names a position, never the content.
            let message = format!("malformed event hook delivery: {err}");
            return (StatusCode::BAD_REQUEST, message).into_response();
        }
    };
    let Some(delivery) = dedupe_store::screen(&*shared.dedupe.0, &shared.counters, delivery).await
    else {
        return StatusCode::OK.into_response();
    };
    let events = delivery.data.events.len() as u64;
    match shared.sender.try_send(delivery) {
        Ok(()) => {
            Counters::bump(&shared.counters.deliveries, 1);
            Counters::bump(&shared.counters.events, events);
            StatusCode::OK.into_response()
        }
        // The queue is full or its reader is gone: refuse with a 5xx so that Okta retries once,
        // and forget its ids so the retry is not taken for a duplicate.
        Err(TrySendError::Full(delivery) | TrySendError::Closed(delivery)) => {
            dedupe_store::forget(&*shared.dedupe.0, &delivery).await;
            Counters::bump(&shared.counters.overloaded, 1);
            tracing::warn!("event hook delivery refused with 503: the delivery queue is full");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "delivery queue full, retry later",
            )
        }
    }
}
