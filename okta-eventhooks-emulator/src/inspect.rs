//! What the inspector's page asks of the emulator: its hooks with their status, a fire, and
//! the replay of a recorded delivery to the hook's URI, sent as Okta sends it (the emulator's
//! own delivery code), marked as replayed.

use std::sync::Arc;

use okta_eventhooks_receiver::inspector::{ActionFuture, InspectorActions, Record};
use serde_json::{Value, json};

use super::deliver;
use super::records::FireRequest;
use super::shared::Shared;

/// The emulator's side of the page.
pub(crate) struct Actions {
    pub(crate) shared: Arc<Shared>,
}

impl InspectorActions for Actions {
    fn replay<'a>(&'a self, record: &'a Record) -> ActionFuture<'a, String> {
        Box::pin(async move {
            let call = record.call();
            let id = call
                .hook_id
                .as_deref()
                .ok_or("the delivery names no hook to replay to")?;
            let state = self.shared.store.snapshot();
            let hook = state
                .hooks
                .iter()
                .find(|h| h.id == id)
                .ok_or_else(|| format!("hook {id} no longer exists"))?;
            let attempt = self.shared.outbound.replay(hook, call.body.clone()).await;
            match (attempt.failure, attempt.status) {
                (None, status) => Ok(format!(
                    "replayed to {id}: the hook answered {}",
                    status.map_or("(nothing)".into(), |s| s.to_string())
                )),
                (Some(failure), _) => Err(format!("replay to {id} failed: {failure}")),
            }
        })
    }

    fn hooks(&self) -> Option<ActionFuture<'_, Value>> {
        Some(Box::pin(async move {
            let state = self.shared.store.snapshot();
            let hooks: Vec<Value> = state
                .hooks
                .iter()
                .map(|h| {
                    json!({
                        "id": h.id,
                        "name": h.name,
                        "status": h.status.as_str(),
                        "verificationStatus": h.verification_status.as_str(),
                        // A hook kept from before userinfo was refused may still carry it.
                        "uri": okta_eventhooks::redact::text(&h.channel.uri),
                        "eventTypes": h.events.items,
                    })
                })
                .collect();
            Ok(Value::from(hooks))
        }))
    }

    fn fire<'a>(&'a self, event_type: &'a str, count: usize) -> Option<ActionFuture<'a, Value>> {
        Some(Box::pin(async move {
            let summary = deliver::fire(&self.shared, FireRequest::new(event_type, count)).await?;
            Ok(json!({
                "fired": summary.fired,
                "delivered": summary.delivered(),
                "summary": summary,
            }))
        }))
    }
}
