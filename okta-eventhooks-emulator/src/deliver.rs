//! Firing events: build LogEvents, pick the hooks Okta would call, apply their filters and
//! POST them, one batch at a time (the hooks in parallel), within the fire's deadline.
//!
//! Only one batch of events is alive at a time: it is generated, delivered to every hook and
//! dropped before the next is made, and the summary holds counts, never events. So memory is
//! proportional to one batch, whatever the count. The price is that a slow hook holds back
//! the next batch for the others too; the deadline bounds the whole.

use std::sync::Arc;
use std::time::Duration;

use okta_eventhooks::events::LogEvent;
use serde::Deserialize;
use serde_json::Value;
use tokio::time::Instant;

use super::Shared;
use super::events;
use super::model::Hook;
use super::records::{FireRequest, FireSummary, HookOutcome};

/// Most events one `fire` may generate.
pub const MAX_FIRE_COUNT: usize = 10_000;
/// How long a `fire` may take unless the request says otherwise.
pub const DEFAULT_FIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest deadline a `fire` may ask for.
pub const MAX_FIRE_TIMEOUT: Duration = Duration::from_secs(600);

pub(crate) async fn fire(
    shared: &Arc<Shared>,
    request: FireRequest,
) -> Result<FireSummary, String> {
    let event_type = request.event_type.trim();
    if event_type.is_empty() || event_type.chars().any(char::is_whitespace) {
        return Err(format!(
            "eventType: '{}' is not a valid event type",
            request.event_type
        ));
    }
    if request.count == 0 || request.count > MAX_FIRE_COUNT {
        return Err(format!(
            "count: must be between 1 and {MAX_FIRE_COUNT}, not {}",
            request.count
        ));
    }
    let timeout = match request.timeout_ms {
        None => DEFAULT_FIRE_TIMEOUT,
        Some(ms) if (1..=MAX_FIRE_TIMEOUT.as_millis()).contains(&u128::from(ms)) => {
            Duration::from_millis(ms)
        }
        Some(ms) => {
            return Err(format!(
                "timeoutMs: must be between 1 and {}, not {ms}",
                MAX_FIRE_TIMEOUT.as_millis()
            ));
        }
    };
    let deadline = Instant::now() + timeout;
    let state = shared.store.snapshot();
    let (eligible, ineligible): (Vec<_>, Vec<_>) = state
        .hooks
        .iter()
        .filter(|h| h.events.items.iter().any(|i| i == event_type))
        .partition(|h| h.receives(event_type));
    let hook_ids = eligible
        .iter()
        .map(|h| h.id.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let mut outcomes: Vec<HookOutcome> = eligible.iter().map(|h| HookOutcome::new(h)).collect();
    let mut fired = 0;
    let mut deadline_exceeded = false;
    // Nobody would receive the events, so none are made.
    if eligible.is_empty() {
        fired = request.count;
    }
    while fired < request.count && !eligible.is_empty() {
        if Instant::now() >= deadline {
            deadline_exceeded = true;
            break;
        }
        let size = shared.max_batch.max(1).min(request.count - fired);
        let batch: Arc<Vec<Value>> = Arc::new(
            (0..size)
                .map(|_| {
                    let mut event = events::log_event(event_type, &state.admin_user_id);
                    // Okta lists the hooks meant to deliver an event in its debug data.
                    event["debugContext"]["debugData"]["eventHookIds"] =
                        Value::from(hook_ids.as_str());
                    if let Some(patch) = &request.patch {
                        events::merge_patch(&mut event, patch);
                    }
                    event
                })
                .collect(),
        );
        fired += size;
        let mut tasks = tokio::task::JoinSet::new();
        for (index, hook) in eligible.iter().enumerate() {
            let (shared, hook, batch) = (Arc::clone(shared), Arc::clone(hook), Arc::clone(&batch));
            let event_type = event_type.to_owned();
            tasks.spawn(async move {
                let outcome = deliver_batch(&shared, &hook, &event_type, &batch).await;
                (index, outcome)
            });
        }
        let mut finished = vec![false; eligible.len()];
        let all = async {
            while let Some(joined) = tasks.join_next().await {
                let (index, batch_outcome) =
                    joined.map_err(|e| format!("a delivery task failed: {e}"))?;
                outcomes[index].add(batch_outcome);
                finished[index] = true;
            }
            Ok::<(), String>(())
        };
        let joined = tokio::time::timeout_at(deadline, all).await;
        match joined {
            Ok(joined) => joined?,
            Err(_) => {
                // Dropping the set cancels the deliveries still under way: their events are
                // unfinished (they may or may not have reached the hook).
                for (outcome, done) in outcomes.iter_mut().zip(&finished) {
                    if !done {
                        outcome.unfinished += size;
                    }
                }
                deadline_exceeded = true;
                break;
            }
        }
    }
    Ok(FireSummary {
        event_type: event_type.to_owned(),
        fired,
        hooks: outcomes,
        ineligible_hook_ids: ineligible.iter().map(|h| h.id.clone()).collect(),
        deadline_exceeded,
    })
}

/// Filters one batch for one hook and POSTs what passes (Okta's retry included).
async fn deliver_batch(
    shared: &Shared,
    hook: &Hook,
    event_type: &str,
    batch: &[Value],
) -> HookOutcome {
    let mut outcome = HookOutcome::new(hook);
    let kept: Vec<&Value> = match hook.events.filter_for(event_type) {
        None => batch.iter().collect(),
        Some(Err(e)) => {
            tracing::warn!(hook_id = %hook.id, error = %e, "hook filter is not valid; events not delivered");
            outcome.failed += batch.len();
            outcome.filter_error = Some(format!("the filter is not valid: {e}"));
            Vec::new()
        }
        Some(Ok(filter)) => batch
            .iter()
            // A patch can make an event something Okta never sends.
            .filter(|event| match LogEvent::deserialize(*event) {
                Ok(typed) => {
                    let keep = filter.matches(&typed);
                    outcome.filtered_out += usize::from(!keep);
                    keep
                }
                Err(e) => {
                    outcome.failed += 1;
                    outcome.filter_error = Some(format!("the event is not a LogEvent: {e}"));
                    false
                }
            })
            .collect(),
    };
    if kept.is_empty() {
        return outcome;
    }
    let (acknowledged, requests) = shared
        .outbound
        .deliver(hook, &shared.base_url, event_type, &kept, &shared.log)
        .await;
    outcome.requests += requests;
    if acknowledged {
        outcome.delivered += kept.len();
    } else {
        outcome.failed += kept.len();
    }
    outcome
}
