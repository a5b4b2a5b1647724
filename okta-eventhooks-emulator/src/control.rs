//! The `/emulator/...` API that Okta does not have: fire events, read the delivery log,
//! inject faults, set chaos, reset. It takes the same token as the Okta API (`/emulator/health` needs
//! none).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::chaos::Chaos;
use super::limits::{Faults, MAX_FAULT_LATENCY};
use super::records::FireRequest;
use super::shared::Shared;
use super::{deliver, reply};

type Shr = State<Arc<Shared>>;

pub(crate) async fn fire(State(shared): Shr, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match reply::body(body) {
        Ok(body) => body,
        Err(refusal) => return refusal.into_response(),
    };
    let request = match serde_json::from_slice::<FireRequest>(&body) {
        Ok(request) => request,
        Err(e) => {
            return reply::error(
                StatusCode::BAD_REQUEST,
                "E0000003",
                "The request body was not well-formed.",
                vec![
                    format!("{e}"),
                    "expected {\"events\": [{\"eventType\": \"...\", \"count\": N, \"patch\": {...}}, ...], \"timeoutMs\": N, \"chaos\": {...}} or, for one type, {\"eventType\": \"...\", \"count\": N, \"patch\": {...}}".into(),
                ],
            );
        }
    };
    match deliver::fire(&shared, request).await {
        Ok(summary) => reply::json(StatusCode::OK, &summary),
        Err(message) => reply::error(
            StatusCode::BAD_REQUEST,
            "E0000001",
            "Api validation failed: fire",
            vec![message],
        ),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeliveryQuery {
    hook_id: Option<String>,
}

pub(crate) async fn deliveries(State(shared): Shr, Query(q): Query<DeliveryQuery>) -> Response {
    let mut records = shared.log.all();
    if let Some(hook_id) = q.hook_id {
        records.retain(|r| r.hook_id == hook_id);
    }
    reply::json(StatusCode::OK, &records)
}

pub(crate) async fn clear_deliveries(State(shared): Shr) -> Response {
    shared.log.clear();
    StatusCode::NO_CONTENT.into_response()
}

pub(crate) async fn faults(State(shared): Shr) -> Response {
    reply::json(StatusCode::OK, &shared.faults.get())
}

pub(crate) async fn set_faults(
    State(shared): Shr,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match reply::body(body) {
        Ok(body) => body,
        Err(refusal) => return refusal.into_response(),
    };
    match serde_json::from_slice::<Faults>(&body) {
        Ok(faults) if faults.acceptable() => {
            shared.faults.set(faults.clone());
            reply::json(StatusCode::OK, &faults)
        }
        _ => reply::error(
            StatusCode::BAD_REQUEST,
            "E0000003",
            "The request body was not well-formed.",
            vec![format!(
                "expected {{\"failNext\": N, \"status\": a final status 200..599 that has a body (not 204, 205 or 304), \"latencyMs\": 0..{}}}",
                MAX_FAULT_LATENCY.as_millis()
            )],
        ),
    }
}

pub(crate) async fn clear_faults(State(shared): Shr) -> Response {
    shared.faults.set(Faults::default());
    StatusCode::NO_CONTENT.into_response()
}

pub(crate) async fn chaos(State(shared): Shr) -> Response {
    reply::json(StatusCode::OK, &shared.chaos.get())
}

pub(crate) async fn set_chaos(State(shared): Shr, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match reply::body(body) {
        Ok(body) => body,
        Err(refusal) => return refusal.into_response(),
    };
    match serde_json::from_slice::<Chaos>(&body) {
        Ok(chaos) if chaos.acceptable() => {
            shared.chaos.set(chaos.clone());
            reply::json(StatusCode::OK, &chaos)
        }
        _ => reply::error(
            StatusCode::BAD_REQUEST,
            "E0000003",
            "The request body was not well-formed.",
            vec![Chaos::bounds()],
        ),
    }
}

pub(crate) async fn clear_chaos(State(shared): Shr) -> Response {
    shared.chaos.set(Chaos::default());
    StatusCode::NO_CONTENT.into_response()
}

pub(crate) async fn reset(State(shared): Shr) -> Response {
    match shared.reset().await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(failure) => failure.into_response(),
    }
}

pub(crate) async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}
