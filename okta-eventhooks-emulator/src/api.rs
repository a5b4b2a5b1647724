//! The eight operations at `/api/v1/eventHooks...`, with Okta's semantics.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::ids;
use super::input::{self, HookInput};
use super::model::{Hook, State as Hooks, Status, Verification};
use super::render;
use super::reply::{self, Failure};
use super::shared::Shared;

type Shr = State<Arc<Shared>>;
/// A request body within the size limit, or why not (see [`reply::body`]).
type Body = Result<Bytes, BytesRejection>;

fn ok(shared: &Shared, hook: &Hook) -> Response {
    reply::json(StatusCode::OK, &render::hook(hook, &shared.base_url))
}

/// Where Okta serves the org's public metadata.
pub(crate) const ORG_METADATA_PATH: &str = "/.well-known/okta-organization";

/// `GET /.well-known/okta-organization`: the org's id and domain, as Okta answers it (public).
pub(crate) async fn org_metadata(State(shared): Shr) -> Response {
    let state = shared.store.snapshot();
    reply::json(
        StatusCode::OK,
        &serde_json::json!({
            "id": state.org_id,
            "pipeline": "idx",
            "_links": {"organization": {"href": shared.base_url}},
        }),
    )
}

pub(crate) async fn list(State(shared): Shr) -> Response {
    let state = shared.store.snapshot();
    let views: Vec<_> = state
        .hooks
        .iter()
        .map(|h| render::hook(h, &shared.base_url))
        .collect();
    reply::json(StatusCode::OK, &views)
}

pub(crate) async fn get(State(shared): Shr, Path(id): Path<String>) -> Response {
    match shared.store.snapshot().get(&id) {
        Some(hook) => ok(&shared, hook),
        None => reply::not_found(&id),
    }
}

pub(crate) async fn create(State(shared): Shr, body: Body) -> Response {
    let body = match reply::body(body) {
        Ok(body) => body,
        Err(refusal) => return refusal.into_response(),
    };
    let input = match input::parse(&body, shared.allow_http_loopback) {
        Ok(input) => input,
        Err(failure) => return failure.into_response(),
    };
    let (max_active, max_hooks) = (shared.max_active_hooks, shared.max_hooks);
    let result = shared
        .store
        .write(|state| {
            if state.hooks.len() >= max_hooks {
                return Err(Failure::Validation(vec![format!(
                    "eventHook: The emulator keeps at most {max_hooks} event hooks, active or not; delete one first"
                )]));
            }
            // A new hook is always ACTIVE (a `status` in the body is ignored on create).
            if state.active_count() >= max_active {
                return Err(too_many_active(max_active));
            }
            unique_name(state, &input.name, None)?;
            let now = ids::now_seconds();
            let hook = Arc::new(Hook {
                id: ids::hook_id(),
                name: input.name,
                description: input.description,
                status: Status::Active,
                verification_status: Verification::Unverified,
                created: now,
                created_by: state.admin_user_id.clone(),
                last_updated: now,
                events: input.events,
                channel: input.channel,
            });
            state.hooks.push(Arc::clone(&hook));
            Ok((hook, true))
        })
        .await;
    match result {
        Ok(hook) => ok(&shared, &hook),
        Err(failure) => failure.into_response(),
    }
}

pub(crate) async fn replace(State(shared): Shr, Path(id): Path<String>, body: Body) -> Response {
    // An unknown id is a 404 even when the body is also wrong.
    if shared.store.snapshot().get(&id).is_none() {
        return reply::not_found(&id);
    }
    let body = match reply::body(body) {
        Ok(body) => body,
        Err(refusal) => return refusal.into_response(),
    };
    let HookInput {
        name,
        description,
        status,
        events,
        channel,
    } = match input::parse(&body, shared.allow_http_loopback) {
        Ok(input) => input,
        Err(failure) => return failure.into_response(),
    };
    let max_active = shared.max_active_hooks;
    let result = shared
        .store
        .write(|state| {
            let Some(pos) = state.position(&id) else {
                return Err(Failure::not_found(&id));
            };
            let old = Arc::clone(&state.hooks[pos]);
            // Observed on the live service: a PUT carrying `status` applies it.
            let status = status.unwrap_or(old.status);
            if status == Status::Active
                && old.status == Status::Inactive
                && state.active_count() >= max_active
            {
                return Err(too_many_active(max_active));
            }
            unique_name(state, &name, Some(&id))?;
            // Changing the channel (URI, headers or auth) needs a new verification.
            let verification_status = if channel == old.channel {
                old.verification_status
            } else {
                Verification::Unverified
            };
            let hook = Arc::new(Hook {
                id: old.id.clone(),
                name,
                description,
                status,
                verification_status,
                created: old.created,
                created_by: old.created_by.clone(),
                last_updated: ids::now_seconds(),
                events,
                channel,
            });
            state.hooks[pos] = Arc::clone(&hook);
            Ok((hook, true))
        })
        .await;
    match result {
        Ok(hook) => ok(&shared, &hook),
        Err(failure) => failure.into_response(),
    }
}

pub(crate) async fn delete(State(shared): Shr, Path(id): Path<String>) -> Response {
    let result = shared
        .store
        .write(|state| {
            let Some(pos) = state.position(&id) else {
                return Err(Failure::not_found(&id));
            };
            if state.hooks[pos].status == Status::Active {
                return Err(Failure::Validation(vec![format!(
                    "eventHook: Cannot delete event hook {id} while it is ACTIVE; deactivate it first"
                )]));
            }
            state.hooks.remove(pos);
            Ok(((), true))
        })
        .await;
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(failure) => failure.into_response(),
    }
}

pub(crate) async fn lifecycle(
    State(shared): Shr,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    match action.as_str() {
        "activate" => set_status(&shared, &id, Status::Active).await,
        "deactivate" => set_status(&shared, &id, Status::Inactive).await,
        "verify" => verify(&shared, &id).await,
        _ => reply::error(
            StatusCode::NOT_FOUND,
            "E0000007",
            format!("Not found: Resource not found: {action} (Lifecycle)"),
            Vec::new(),
        ),
    }
}

/// Activate or deactivate. Repeating the current status is a no-op that answers 200 with the
/// hook unchanged.
async fn set_status(shared: &Shared, id: &str, to: Status) -> Response {
    let max_active = shared.max_active_hooks;
    let result = shared
        .store
        .write(|state| {
            let Some(pos) = state.position(id) else {
                return Err(Failure::not_found(id));
            };
            let old = &state.hooks[pos];
            if old.status == to {
                return Ok((Arc::clone(old), false));
            }
            if to == Status::Active && state.active_count() >= max_active {
                return Err(too_many_active(max_active));
            }
            let mut hook = (**old).clone();
            hook.status = to;
            hook.last_updated = ids::now_seconds();
            let hook = Arc::new(hook);
            state.hooks[pos] = Arc::clone(&hook);
            Ok((hook, true))
        })
        .await;
    match result {
        Ok(hook) => ok(shared, &hook),
        Err(failure) => failure.into_response(),
    }
}

/// Calls the hook (no lock held), then records the result if the hook is still the one that
/// was verified.
async fn verify(shared: &Shared, id: &str) -> Response {
    let Some(hook) = shared.store.snapshot().get(id).cloned() else {
        return reply::not_found(id);
    };
    if hook.status == Status::Inactive {
        return reply::validation(vec![format!(
            "Unable to verify event hook. Hook {} is INACTIVE; activate it first",
            hook.name
        )]);
    }
    let verified = shared.outbound.verify(&hook, &shared.log).await;
    // Chaos: the hook has answered; the call answers later (the hook still reads UNVERIFIED).
    let delay = shared.chaos.get().verify_delay_ms;
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    if !verified {
        return reply::validation(vec![format!(
            "Unable to verify event hook. Hook {} execution failed",
            hook.name
        )]);
    }
    let result = shared
        .store
        .write(|state| {
            let Some(pos) = state.position(id) else {
                return Err(Failure::not_found(id));
            };
            let current = &state.hooks[pos];
            if current.channel != hook.channel {
                // Replaced while we were calling it: that channel still needs verifying.
                return Ok((Arc::clone(current), false));
            }
            let mut updated = (**current).clone();
            updated.verification_status = Verification::Verified;
            updated.last_updated = ids::now_seconds();
            let updated = Arc::new(updated);
            state.hooks[pos] = Arc::clone(&updated);
            Ok((updated, true))
        })
        .await;
    match result {
        Ok(hook) => ok(shared, &hook),
        Err(failure) => failure.into_response(),
    }
}

fn too_many_active(max: usize) -> Failure {
    Failure::Validation(vec![format!(
        "eventHook: The maximum number of active event hooks ({max}) has been reached"
    )])
}

fn unique_name(state: &Hooks, name: &str, except_id: Option<&str>) -> Result<(), Failure> {
    if state
        .hooks
        .iter()
        .any(|h| h.name == name && Some(h.id.as_str()) != except_id)
    {
        return Err(Failure::Validation(vec![format!(
            "name: An event hook with the name '{name}' already exists"
        )]));
    }
    Ok(())
}
