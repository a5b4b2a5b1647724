//! Firing events: build LogEvents, pick the hooks Okta would call, apply their filters,
//! batch, and POST (hooks in parallel, each hook's batches in order).

use std::sync::Arc;

use okta_eventhooks::events::LogEvent;
use serde::Deserialize;
use serde_json::Value;

use super::Shared;
use super::events;
use super::records::{FireRequest, FireSummary, HookOutcome};

/// Most events one `fire` may generate.
pub const MAX_FIRE_COUNT: usize = 10_000;

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
    let state = shared.store.snapshot();
    let (eligible, ineligible): (Vec<_>, Vec<_>) = state
        .hooks
        .iter()
        .filter(|h| h.events.items.iter().any(|i| i == event_type))
        .partition(|h| h.receives(event_type));
    let hook_ids: Vec<&str> = eligible.iter().map(|h| h.id.as_str()).collect();
    let events: Vec<Value> = (0..request.count)
        .map(|_| {
            let mut event = events::log_event(event_type, &state.admin_user_id);
            // Okta lists the hooks meant to deliver an event in its debug data.
            event["debugContext"]["debugData"]["eventHookIds"] = Value::from(hook_ids.join(","));
            if let Some(patch) = &request.patch {
                events::merge_patch(&mut event, patch);
            }
            event
        })
        .collect();
    let events = Arc::new(events);

    let mut tasks = tokio::task::JoinSet::new();
    for (index, hook) in eligible.iter().enumerate() {
        let hook = Arc::clone(hook);
        let shared = Arc::clone(shared);
        let events = Arc::clone(&events);
        let event_type = event_type.to_owned();
        tasks.spawn(async move {
            let mut outcome = HookOutcome {
                hook_id: hook.id.clone(),
                hook_name: hook.name.clone(),
                delivered: 0,
                filtered_out: 0,
                failed: 0,
                requests: 0,
                filter_error: None,
            };
            let mut kept = Vec::with_capacity(events.len());
            match hook.events.filter_for(&event_type) {
                None => kept.extend(events.iter().cloned()),
                Some(Err(e)) => {
                    tracing::warn!(hook_id = %hook.id, error = %e, "hook filter is not valid; events not delivered");
                    outcome.failed += events.len();
                    outcome.filter_error = Some(format!("the filter is not valid: {e}"));
                }
                Some(Ok(filter)) => {
                    for event in events.iter() {
                        // A patch can make an event something Okta never sends.
                        match LogEvent::deserialize(event) {
                            Ok(typed) if filter.matches(&typed) => kept.push(event.clone()),
                            Ok(_) => outcome.filtered_out += 1,
                            Err(e) => {
                                outcome.failed += 1;
                                outcome.filter_error = Some(format!("the event is not a LogEvent: {e}"));
                            }
                        }
                    }
                }
            }
            for batch in kept.chunks(shared.max_batch.max(1)) {
                let (acknowledged, requests) = shared
                    .outbound
                    .deliver(&hook, &shared.base_url, &event_type, batch, &shared.log)
                    .await;
                outcome.requests += requests;
                if acknowledged {
                    outcome.delivered += batch.len();
                } else {
                    outcome.failed += batch.len();
                }
            }
            (index, outcome)
        });
    }
    let mut outcomes: Vec<Option<HookOutcome>> = vec![None; eligible.len()];
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, outcome)) => outcomes[index] = Some(outcome),
            Err(e) => return Err(format!("a delivery task failed: {e}")),
        }
    }
    Ok(FireSummary {
        event_type: event_type.to_owned(),
        events: Arc::unwrap_or_clone(events),
        hooks: outcomes.into_iter().flatten().collect(),
        ineligible_hook_ids: ineligible.iter().map(|h| h.id.clone()).collect(),
    })
}
