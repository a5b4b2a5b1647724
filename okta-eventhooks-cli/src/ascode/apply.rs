//! `apply` for one org: the SDK's apply engine ([`okta_eventhooks::apply`], which holds the
//! order of the phases) given the manifest's hooks, the probe and a progress bar, its reports
//! turned into the summary's lines.

use std::path::Path;
use std::time::Duration;

use okta_eventhooks::apply::{self, Event, Hook, Outcome, Step, StepError, Supply};
use okta_eventhooks::{Client, EventHook};
use serde::Serialize;

use super::Failure;
use super::plan::{HookPlan, OrgHooks};
use super::probe::{self, Prober};
use crate::exit::Exit;
use crate::manifest::{build, secrets};
use crate::output::Bar;

/// One line of the summary.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepResult {
    /// The org.
    pub org: String,
    /// The hook (`-` for the org itself).
    pub hook: String,
    /// The step: an action, `probe`, or `read` / `plan` for an org or hook that could not be
    /// planned.
    pub step: String,
    /// How it ended.
    pub result: Outcome,
    /// What happened, in words.
    pub detail: String,
    /// The failure, for a failed step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
}

/// What every org's run shares.
pub struct Settings<'a> {
    /// Sends the probes.
    pub prober: &'a Prober,
    /// How long to wait for a receiver that is not ready yet (and for Okta's verification).
    pub verify_timeout: Duration,
    /// Verify without probing first.
    pub skip_probe: bool,
    /// What relative secret files are relative to.
    pub dir: &'a Path,
}

/// The number of steps `apply_org` will report for these hooks (for the progress bar).
pub fn step_count(hooks: &OrgHooks, skip_probe: bool) -> usize {
    hooks
        .hooks
        .iter()
        .map(|h| apply::steps(&h.actions, !skip_probe).len())
        .sum()
}

/// Carries out one org's plan; returns one result per step, in the order they ran (skipped
/// steps where they would have run), after one per hook that could not be planned.
pub async fn apply_org(
    org: &str,
    client: &Client,
    hooks: &OrgHooks,
    settings: &Settings<'_>,
    bar: &Bar,
) -> Vec<StepResult> {
    let result = |hook: &str, step: &str, result, detail: String, error| StepResult {
        org: org.to_owned(),
        hook: hook.to_owned(),
        step: step.to_owned(),
        result,
        detail,
        error,
    };
    let mut results: Vec<StepResult> = hooks
        .conflicts()
        .map(|conflict| {
            let problem = conflict.conflict.clone().unwrap_or_default();
            let failure = Failure::local(problem, Exit::Refused);
            let detail = "not changed".to_owned();
            result(
                &conflict.name,
                "plan",
                Outcome::Failed,
                detail,
                Some(failure),
            )
        })
        .collect();
    let work = hooks
        .hooks
        .iter()
        .filter(|h| h.conflict.is_none() && !h.actions.is_empty())
        .map(engine_hook)
        .collect();
    let engine = apply::Settings {
        verify_timeout: settings.verify_timeout,
        probe: !settings.skip_probe,
    };
    let supply = ManifestHooks { hooks, settings };
    let reports = apply::run(client, work, &supply, engine, |event| match event {
        Event::Started { hook, step } => bar.message(&format!("{hook}: {}", doing(step))),
        Event::Ended(_) => bar.inc(),
    })
    .await;
    results.extend(reports.into_iter().map(|r| {
        let error = r.error.map(failure);
        result(&r.hook, r.step.name(), r.outcome, r.detail, error)
    }));
    results
}

/// What the progress bar says while `step` runs.
fn doing(step: Step) -> &'static str {
    match step {
        Step::Probe => "probing the receiver",
        Step::Act(action) => action.name(),
    }
}

/// A hook of the plan as the engine takes it.
fn engine_hook(plan: &HookPlan) -> Hook<'_> {
    let current = plan.current.as_ref();
    Hook {
        name: &plan.name,
        id: plan.id.clone(),
        status: current.and_then(|c| c.status.parse().ok()),
        verification: current.and_then(|c| c.verification.parse().ok()),
        actions: &plan.actions,
        changed: plan.changes.iter().map(|c| c.field.clone()).collect(),
    }
}

/// An engine failure as the summary shows it, with its exit code.
fn failure(error: StepError<Failure>) -> Failure {
    match error {
        StepError::Okta(e) => Failure::from_sdk(&e),
        StepError::Supply(failure) => failure,
        refused @ StepError::NotInactive(_) => Failure::local(refused.to_string(), Exit::Refused),
    }
}

/// The manifest's hooks of one org, built with their secrets, and the probe.
struct ManifestHooks<'a> {
    hooks: &'a OrgHooks,
    settings: &'a Settings<'a>,
}

impl Supply for ManifestHooks<'_> {
    type Error = Failure;

    /// The hook as the manifest describes it, with its secrets read now.
    fn hook(&self, name: &str) -> Result<EventHook, Failure> {
        let spec = self
            .hooks
            .hooks
            .iter()
            .find(|h| h.name == name && h.conflict.is_none())
            .and_then(|h| h.spec.as_ref())
            .ok_or_else(|| Failure::local("the hook is not in the manifest", Exit::Output))?;
        let unreadable = std::cell::RefCell::new(None);
        let hook = build::event_hook(name, spec, &|value_from| match secrets::resolve(
            value_from,
            self.settings.dir,
        ) {
            Ok(secret) => Some(secret),
            Err(problem) => {
                unreadable.borrow_mut().get_or_insert(problem);
                None
            }
        });
        match unreadable.into_inner() {
            Some(problem) => Err(Failure::local(
                format!("a secret of the hook cannot be read: {problem}"),
                Exit::Usage,
            )),
            None => Ok(hook),
        }
    }

    async fn probe(&self, hook: &EventHook) -> Result<String, Failure> {
        let wait = self.settings.verify_timeout;
        match self.settings.prober.until_ready(hook, wait).await {
            Ok(1) => Ok("the receiver answered the challenge".to_owned()),
            Ok(sent) => Ok(format!(
                "the receiver answered the challenge (probe {sent})"
            )),
            // Not a receiver still deploying: waiting longer would not help.
            Err((failure @ probe::Failure::Invalid(_), _)) => Err(Failure::local(
                format!("{}; correct the hook in the manifest", failure.message()),
                failure.exit(),
            )),
            Err((failure, sent)) => {
                let waited = if wait.is_zero() {
                    "; --verify-timeout DURATION waits for a receiver still deploying".to_owned()
                } else {
                    format!(
                        " ({sent} probes in {}; give it longer with --verify-timeout)",
                        humantime::format_duration(wait)
                    )
                };
                Err(Failure::local(
                    format!("{}{waited}", failure.message()),
                    failure.exit(),
                ))
            }
        }
    }
}
