//! The checks the hook itself answers: `hook` (found by id or name, with near names),
//! `active`, `verified` and `subscribed`.

use super::{Check, Status};
use crate::catalog;
use crate::client::Client;
use crate::error::Result;
use crate::open_enums::{EventHookVerificationStatus, LifecycleStatus};
use crate::types::EventHook;

/// Finds the hook with one list call (the same call for an id and a name, and it gives the
/// names to suggest from).
pub(super) async fn find(client: &Client, wanted: &str) -> Result<(Option<EventHook>, Check)> {
    let hooks = client.list_event_hooks().await?;
    if let Some(hook) = hooks.iter().find(|h| h.id.as_deref() == Some(wanted)) {
        let check = Check::new(
            "hook",
            Status::Ok,
            format!("{} is named {:?}", wanted, hook.name),
        );
        return Ok((Some(hook.clone()), check));
    }
    let named: Vec<&EventHook> = hooks.iter().filter(|h| h.name == wanted).collect();
    match named[..] {
        [hook] => {
            let id = hook.id.as_deref().unwrap_or("?");
            let check = Check::new("hook", Status::Ok, format!("{wanted:?} is {id}"));
            Ok((Some(hook.clone()), check))
        }
        [] => {
            let mut near: Vec<(usize, &str)> = hooks
                .iter()
                .map(|h| {
                    (
                        catalog::distance(&h.name.to_lowercase(), &wanted.to_lowercase()),
                        h.name.as_str(),
                    )
                })
                .filter(|(d, name)| *d * 2 < wanted.chars().count().max(name.chars().count()))
                .collect();
            near.sort();
            let mut check = Check::new(
                "hook",
                Status::Fail,
                format!(
                    "no hook of {} has the id or exact name {wanted:?}",
                    hooks.len()
                ),
            );
            check = match near.first() {
                Some((_, name)) => check.fix(format!("did you mean {name:?}?")),
                None => check.fix("okta-eventhooks list"),
            };
            Ok((None, check))
        }
        _ => {
            let ids: Vec<&str> = named.iter().filter_map(|h| h.id.as_deref()).collect();
            let check = Check::new(
                "hook",
                Status::Fail,
                format!(
                    "{} hooks are named {wanted:?}: {}",
                    ids.len(),
                    ids.join(", ")
                ),
            )
            .fix("give the id instead of the name");
            Ok((None, check))
        }
    }
}

pub(super) fn active(hook: &EventHook, id: &str) -> Check {
    match &hook.status {
        Some(LifecycleStatus::Active) => Check::new("active", Status::Ok, "status ACTIVE"),
        Some(other) => Check::new(
            "active",
            Status::Fail,
            format!("status {other}: Okta delivers only to ACTIVE hooks"),
        )
        .fix(format!("okta-eventhooks activate {id}")),
        None => Check::new("active", Status::Warn, "Okta returned no status"),
    }
}

pub(super) fn verified(hook: &EventHook, id: &str) -> Check {
    match &hook.verification_status {
        Some(EventHookVerificationStatus::Verified) => {
            Check::new("verified", Status::Ok, "verificationStatus VERIFIED")
        }
        other => {
            let status = other
                .as_ref()
                .map_or("missing".to_owned(), |s| s.to_string());
            // Okta sets a hook back to UNVERIFIED when its channel changes: say so when the hook
            // was changed after it was created.
            let changed = match (&hook.created, &hook.last_updated) {
                (Some(created), Some(updated)) if **updated > **created => {
                    format!(" (changed at {updated}: a changed channel must be verified again)")
                }
                _ => String::new(),
            };
            Check::new(
                "verified",
                Status::Fail,
                format!("verificationStatus {status}: Okta delivers nothing until it is verified{changed}"),
            )
            .fix(format!("okta-eventhooks verify {id}"))
        }
    }
}

pub(super) fn subscribed(hook: &EventHook, id: &str, event_type: Option<&str>) -> Check {
    let items = &hook.events.items;
    let Some(wanted) = event_type else {
        let not_eligible: Vec<&str> = items
            .iter()
            .map(String::as_str)
            .filter(|t| catalog::get(t).is_some_and(|t| !t.hook_eligible))
            .collect();
        if !not_eligible.is_empty() {
            return Check::new(
                "subscribed",
                Status::Warn,
                format!(
                    "not hook-eligible, never delivered: {}",
                    not_eligible.join(", ")
                ),
            );
        }
        return Check::new(
            "subscribed",
            Status::Ok,
            format!("{} type(s): {}", items.len(), items.join(", ")),
        );
    };
    let listed = items.iter().any(|t| t == wanted);
    match catalog::get(wanted) {
        None => {
            let near = catalog::closest_eligible(wanted);
            let check = Check::new(
                "subscribed",
                Status::Fail,
                format!(
                    "{wanted} is not an event type in Okta's catalog ({})",
                    catalog::RELEASE
                ),
            );
            if near.is_empty() {
                check.fix("okta-eventhooks event-types")
            } else {
                check.fix(format!("did you mean {}?", near.join(", ")))
            }
        }
        Some(t) if !t.hook_eligible => Check::new(
            "subscribed",
            Status::Fail,
            format!("{wanted} is not hook-eligible: Okta never delivers it to a hook"),
        )
        .fix("okta-eventhooks event-types"),
        Some(_) if !listed => {
            let mut types = items.clone();
            types.push(wanted.to_owned());
            Check::new(
                "subscribed",
                Status::Fail,
                format!(
                    "{wanted} is not among its {} type(s): {}",
                    items.len(),
                    items.join(", ")
                ),
            )
            .fix(format!(
                "okta-eventhooks replace {id} --event {}",
                types.join(",")
            ))
        }
        Some(_) => Check::new(
            "subscribed",
            Status::Ok,
            format!("{wanted} is among its {} type(s)", items.len()),
        ),
    }
}
