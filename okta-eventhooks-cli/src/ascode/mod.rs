//! Making orgs match a manifest: `plan` (what differs, per org), `apply` (carry it out in a
//! safe order) and `export` (an org as a manifest). No state file: Okta is the state, read
//! again on every run, so a run that stopped half-way is finished by running it again.
//!
//! - [`orgs`]: which orgs, their clients, bounded concurrency over them;
//! - [`diff`] and [`plan`]: field-level differences and the actions per hook;
//! - [`apply`]: the SDK's apply engine given the manifest's hooks, with [`probe`] before each
//!   verification;
//! - [`export`]: an org's hooks as a manifest; [`render`]: the tables.

pub mod apply;
pub mod diff;
pub mod export;
pub mod orgs;
pub mod plan;
pub mod probe;
pub mod render;

use serde::Serialize;

use crate::exit::Exit;
use crate::manifest::Loaded;
use crate::output::Progress;
use orgs::Org;
use plan::OrgHooks;

/// A failure in a summary: the message and what a script needs from it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    /// What went wrong (Okta's error with its request id, in Okta's own words).
    pub message: String,
    /// The HTTP status, when Okta answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Okta's error code, e.g. `E0000001`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Okta's `X-Okta-Request-Id`, for Okta support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The exit code it maps to.
    #[serde(skip)]
    pub exit: Exit,
}

impl Failure {
    /// A failure of the SDK (Okta's answer, the network...).
    pub fn from_sdk(e: &okta_eventhooks::Error) -> Self {
        Self {
            message: okta_eventhooks::redact::text(&e.to_string()).into_owned(),
            status: e.status(),
            error_code: e.okta_error_code().map(str::to_owned),
            request_id: e.request_id().map(str::to_owned),
            exit: crate::error::sdk_exit(e),
        }
    }

    /// A failure found here, not by Okta.
    pub fn local(message: impl Into<String>, exit: Exit) -> Self {
        Self {
            message: okta_eventhooks::redact::text(&message.into()).into_owned(),
            status: None,
            error_code: None,
            request_id: None,
            exit,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The plan of one org.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgPlan {
    /// Its name in the manifest (`default` without `orgs:`).
    pub org: String,
    /// Its okta.yaml profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Its URL.
    pub org_url: String,
    /// What happens to its hooks (empty when it could not be read).
    #[serde(flatten)]
    pub hooks: OrgHooks,
    /// Why the org could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
}

/// The whole plan.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Per org, in the manifest's order.
    pub orgs: Vec<OrgPlan>,
    /// Actions over all orgs.
    pub changes: usize,
}

impl Plan {
    /// The first problem that stops the plan from being complete: an org that could not be
    /// read, or a hook that cannot be planned.
    pub fn first_problem(&self) -> Option<(String, Exit)> {
        self.orgs.iter().find_map(|org| {
            if let Some(error) = &org.error {
                return Some((format!("org {}: {}", org.org, error.message), error.exit));
            }
            org.hooks.conflicts().next().map(|hook| {
                let conflict = hook.conflict.clone().unwrap_or_default();
                (format!("org {}: {conflict}", org.org), Exit::Refused)
            })
        })
    }
}

/// Reads every org (one `list` each, concurrently) and plans it.
pub async fn plan_orgs(
    orgs: &[Org],
    loaded: &Loaded,
    options: plan::Options<'_>,
    parallel: usize,
    progress: &Progress,
) -> Plan {
    let plans = orgs::each(orgs, parallel, |org| {
        let bar = progress.bar(&org.name, 1);
        async move {
            bar.message("reading the org's hooks");
            let in_manifest = loaded.manifest.orgs.contains_key(&org.name);
            let desired = loaded.hooks_for(in_manifest.then_some(org.name.as_str()));
            let (hooks, error) = match org.client.list_event_hooks().await {
                Ok(current) => (plan::plan(&desired, &current, options), None),
                Err(e) => {
                    let mut failure = Failure::from_sdk(&e);
                    if e.is_unauthorized() || e.is_forbidden() {
                        failure.message = format!(
                            "{}; the org's credential: {}",
                            failure.message, org.credential
                        );
                    }
                    (OrgHooks::default(), Some(failure))
                }
            };
            bar.inc();
            bar.finish(if error.is_some() {
                "could not be read"
            } else {
                "read"
            });
            OrgPlan {
                org: org.name.clone(),
                profile: org.profile.clone(),
                org_url: org.client.org_url().to_owned(),
                hooks,
                error,
            }
        }
    })
    .await;
    progress.clear();
    let changes = plans.iter().map(|p| p.hooks.action_count()).sum();
    Plan {
        orgs: plans,
        changes,
    }
}
