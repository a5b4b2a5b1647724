//! The plan: per org, what must happen to each hook for the org to match the manifest.
//!
//! A plan is computed from the manifest and one `list` of the org, nothing else: Okta is the
//! state. Per hook, the actions in the order `apply` carries them out:
//!
//! | the org has | the manifest wants | actions |
//! |---|---|---|
//! | no such hook | ACTIVE | create, verify |
//! | no such hook | INACTIVE | create, deactivate (Okta creates hooks ACTIVE) |
//! | the hook, fields differ | | replace (then verify if the channel changed and it is wanted ACTIVE) |
//! | ACTIVE | INACTIVE | deactivate (before any replace: deliveries stop first) |
//! | INACTIVE | ACTIVE | activate, and verify if it is or will be UNVERIFIED |
//! | ACTIVE, UNVERIFIED | ACTIVE | verify |
//! | a hook not in the manifest, with `--prune` | | deactivate (if ACTIVE), delete |

use std::collections::BTreeMap;
use std::path::Path;

use okta_eventhooks::apply::Action;
use okta_eventhooks::{EventHook, EventHookVerificationStatus, LifecycleStatus, Secret};
use serde::Serialize;

use super::diff::{Change, changes};
use crate::manifest::model::{HookSpec, Status, ValueFrom};
use crate::manifest::secrets;

/// A hook's status and verification as Okta reports them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct State {
    /// ACTIVE or INACTIVE.
    pub status: String,
    /// VERIFIED or UNVERIFIED.
    pub verification: String,
}

/// What happens to one hook.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HookPlan {
    /// Its name in Okta (the manifest's key).
    pub name: String,
    /// Its id, when it exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// How it is now, when it exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<State>,
    /// The status the manifest wants (absent for a hook being pruned).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired: Option<Status>,
    /// What `apply` does, in order; empty when the hook is as it should be.
    pub actions: Vec<Action>,
    /// The fields a replace changes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
    /// Why the hook cannot be planned (e.g. two hooks of that name in the org).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflict: Option<String>,
    /// The manifest's hook (for `apply`).
    #[serde(skip)]
    pub spec: Option<HookSpec>,
}

/// A hook of the org that the manifest does not name, kept because `--prune` was not given.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Unmanaged {
    /// Its name.
    pub name: String,
    /// Its id.
    pub id: String,
}

/// A secret the manifest refers to that cannot be read now.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretToSupply {
    /// The hook.
    pub hook: String,
    /// What it is for, e.g. `auth header Authorization`.
    pub used_for: String,
    /// Where it is read, e.g. `environment variable AUDIT_SINK_SECRET`.
    pub source: String,
    /// Why it cannot be read.
    pub problem: String,
}

/// Everything planned for one org.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgHooks {
    /// Every hook of the manifest, and the pruned ones, in name order.
    pub hooks: Vec<HookPlan>,
    /// Hooks the org has that the manifest does not name (without `--prune`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmanaged: Vec<Unmanaged>,
    /// Secrets that cannot be read now.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets_to_supply: Vec<SecretToSupply>,
}

impl OrgHooks {
    /// Actions planned, over all hooks.
    pub fn action_count(&self) -> usize {
        self.hooks.iter().map(|h| h.actions.len()).sum()
    }

    /// Hooks that cannot be planned.
    pub fn conflicts(&self) -> impl Iterator<Item = &HookPlan> {
        self.hooks.iter().filter(|h| h.conflict.is_some())
    }
}

/// What the planner needs besides the manifest's hooks and the org's.
#[derive(Clone, Copy, Debug)]
pub struct Options<'a> {
    /// Delete the org's hooks that the manifest does not name.
    pub prune: bool,
    /// Replace every hook with an auth secret, sending it again.
    pub rotate_secrets: bool,
    /// What relative secret files are relative to.
    pub dir: &'a Path,
}

/// Plans one org: `desired` from the manifest against `current` from Okta.
pub fn plan(
    desired: &BTreeMap<String, HookSpec>,
    current: &[EventHook],
    options: Options<'_>,
) -> OrgHooks {
    let mut by_name: BTreeMap<&str, Vec<&EventHook>> = BTreeMap::new();
    for hook in current {
        by_name.entry(hook.name.as_str()).or_default().push(hook);
    }
    let secret = |value_from: &ValueFrom| secrets::resolve(value_from, options.dir).ok();
    let mut org = OrgHooks::default();
    for (name, spec) in desired {
        let existing = by_name
            .get(name.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        org.hooks.push(match existing {
            [] => create(name, spec),
            [hook] => update(name, spec, hook, options.rotate_secrets, &secret),
            twins => conflict(name, spec, twins),
        });
        for (used_for, value_from) in spec.references() {
            if let Err(problem) = secrets::resolve(value_from, options.dir) {
                org.secrets_to_supply.push(SecretToSupply {
                    hook: name.clone(),
                    used_for,
                    source: value_from.to_string(),
                    problem,
                });
            }
        }
    }
    for (name, hooks) in &by_name {
        if desired.contains_key(*name) {
            continue;
        }
        for hook in hooks {
            let id = hook.id.clone().unwrap_or_default();
            if options.prune {
                org.hooks.push(prune(hook));
            } else {
                org.unmanaged.push(Unmanaged {
                    name: (*name).to_owned(),
                    id,
                });
            }
        }
    }
    org
}

fn state(hook: &EventHook) -> State {
    State {
        status: hook
            .status
            .as_ref()
            .map_or_else(|| "-".to_owned(), ToString::to_string),
        verification: hook
            .verification_status
            .as_ref()
            .map_or_else(|| "-".to_owned(), ToString::to_string),
    }
}

fn create(name: &str, spec: &HookSpec) -> HookPlan {
    let actions = match spec.status {
        Status::Active => vec![Action::Create, Action::Verify],
        Status::Inactive => vec![Action::Create, Action::Deactivate],
    };
    HookPlan {
        name: name.to_owned(),
        id: None,
        current: None,
        desired: Some(spec.status),
        actions,
        changes: Vec::new(),
        conflict: None,
        spec: Some(spec.clone()),
    }
}

fn update(
    name: &str,
    spec: &HookSpec,
    hook: &EventHook,
    rotate_secrets: bool,
    secret: &dyn Fn(&ValueFrom) -> Option<Secret>,
) -> HookPlan {
    let mut found = changes(spec, hook, secret);
    if rotate_secrets
        && spec.auth.is_some()
        && !found.iter().any(|c| c.field == "auth")
        && let Some(auth) = &spec.auth
    {
        found.push(Change {
            field: "auth".into(),
            from: None,
            to: None,
            note: Some(format!(
                "secret sent again from the {} (--rotate-secrets)",
                auth.value_from
            )),
        });
    }
    let active = hook.status == Some(LifecycleStatus::Active);
    let verified = hook.verification_status == Some(EventHookVerificationStatus::Verified);
    let channel_changes = found.iter().any(Change::is_channel);
    let mut actions = Vec::new();
    match spec.status {
        Status::Active => {
            if !found.is_empty() {
                actions.push(Action::Replace);
            }
            if !active {
                actions.push(Action::Activate);
            }
            if channel_changes || !verified {
                actions.push(Action::Verify);
            }
        }
        Status::Inactive => {
            // Deliveries stop before anything else changes.
            if active {
                actions.push(Action::Deactivate);
            }
            if !found.is_empty() {
                actions.push(Action::Replace);
            }
        }
    }
    HookPlan {
        name: name.to_owned(),
        id: hook.id.clone(),
        current: Some(state(hook)),
        desired: Some(spec.status),
        actions,
        changes: found,
        conflict: None,
        spec: Some(spec.clone()),
    }
}

fn conflict(name: &str, spec: &HookSpec, twins: &[&EventHook]) -> HookPlan {
    let ids: Vec<&str> = twins
        .iter()
        .map(|h| h.id.as_deref().unwrap_or("?"))
        .collect();
    HookPlan {
        name: name.to_owned(),
        id: None,
        current: None,
        desired: Some(spec.status),
        actions: Vec::new(),
        changes: Vec::new(),
        conflict: Some(format!(
            "{} hooks of the org are named {name:?} ({}): the manifest cannot tell which one it means; rename or delete all but one",
            twins.len(),
            ids.join(", ")
        )),
        spec: Some(spec.clone()),
    }
}

fn prune(hook: &EventHook) -> HookPlan {
    let inactive = hook.status == Some(LifecycleStatus::Inactive);
    let mut actions = Vec::new();
    // Never delete an ACTIVE hook: deactivate it first (anything not INACTIVE counts as active).
    if !inactive {
        actions.push(Action::Deactivate);
    }
    actions.push(Action::Delete);
    HookPlan {
        name: hook.name.clone(),
        id: hook.id.clone(),
        current: Some(state(hook)),
        desired: None,
        actions,
        changes: Vec::new(),
        conflict: None,
        spec: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn okta(name: &str, status: &str, verification: &str, uri: &str) -> EventHook {
        serde_json::from_value(serde_json::json!({
            "id": format!("who-{name}"), "status": status, "verificationStatus": verification,
            "name": name,
            "events": {"type": "EVENT_TYPE", "items": ["user.session.start"], "filter": null},
            "channel": {"type": "HTTP", "version": "1.0.0", "config": {"uri": uri, "headers": []}}
        }))
        .unwrap()
    }

    fn spec(status: Status, uri: &str) -> HookSpec {
        HookSpec {
            description: None,
            status,
            uri: uri.into(),
            headers: BTreeMap::new(),
            auth: None,
            events: vec!["user.session.start".into()],
            filters: BTreeMap::new(),
        }
    }

    fn actions(
        desired: &[(&str, HookSpec)],
        current: &[EventHook],
        prune: bool,
    ) -> Vec<(String, Vec<Action>)> {
        let desired: BTreeMap<String, HookSpec> = desired
            .iter()
            .map(|(n, s)| ((*n).to_owned(), s.clone()))
            .collect();
        let options = Options {
            prune,
            rotate_secrets: false,
            dir: Path::new("."),
        };
        plan(&desired, current, options)
            .hooks
            .into_iter()
            .map(|h| (h.name, h.actions))
            .collect()
    }

    const U: &str = "https://h.example.com/";

    #[test]
    fn the_table_of_the_module_doc() {
        use Action::*;
        let same = actions(
            &[("a", spec(Status::Active, U))],
            &[okta("a", "ACTIVE", "VERIFIED", U)],
            false,
        );
        assert_eq!(same, [("a".into(), vec![])]);
        let new = actions(
            &[
                ("a", spec(Status::Active, U)),
                ("b", spec(Status::Inactive, U)),
            ],
            &[],
            false,
        );
        assert_eq!(
            new,
            [
                ("a".into(), vec![Create, Verify]),
                ("b".into(), vec![Create, Deactivate])
            ]
        );
        let moved = actions(
            &[("a", spec(Status::Active, "https://n.example.com/"))],
            &[okta("a", "ACTIVE", "VERIFIED", U)],
            false,
        );
        assert_eq!(moved, [("a".into(), vec![Replace, Verify])]);
        let off = actions(
            &[("a", spec(Status::Inactive, "https://n.example.com/"))],
            &[okta("a", "ACTIVE", "VERIFIED", U)],
            false,
        );
        assert_eq!(off, [("a".into(), vec![Deactivate, Replace])]);
        let on = actions(
            &[("a", spec(Status::Active, U))],
            &[okta("a", "INACTIVE", "VERIFIED", U)],
            false,
        );
        assert_eq!(on, [("a".into(), vec![Activate])]);
        let on_unverified = actions(
            &[("a", spec(Status::Active, U))],
            &[okta("a", "INACTIVE", "UNVERIFIED", U)],
            false,
        );
        assert_eq!(on_unverified, [("a".into(), vec![Activate, Verify])]);
        let unverified = actions(
            &[("a", spec(Status::Active, U))],
            &[okta("a", "ACTIVE", "UNVERIFIED", U)],
            false,
        );
        assert_eq!(unverified, [("a".into(), vec![Verify])]);
        let extra = [
            okta("x", "ACTIVE", "VERIFIED", U),
            okta("y", "INACTIVE", "VERIFIED", U),
        ];
        assert_eq!(actions(&[], &extra, false), []);
        assert_eq!(
            actions(&[], &extra, true),
            [
                ("x".into(), vec![Deactivate, Delete]),
                ("y".into(), vec![Delete])
            ]
        );
    }

    #[test]
    fn twins_are_a_conflict_not_a_guess() {
        let desired: BTreeMap<String, HookSpec> =
            [("a".to_owned(), spec(Status::Active, U))].into();
        let twins = [
            okta("a", "ACTIVE", "VERIFIED", U),
            okta("a", "ACTIVE", "VERIFIED", U),
        ];
        let options = Options {
            prune: true,
            rotate_secrets: false,
            dir: Path::new("."),
        };
        let org = plan(&desired, &twins, options);
        assert_eq!(org.hooks.len(), 1);
        assert!(org.hooks[0].actions.is_empty());
        assert!(
            org.hooks[0]
                .conflict
                .as_deref()
                .unwrap()
                .starts_with("2 hooks of the org are named")
        );
    }
}
