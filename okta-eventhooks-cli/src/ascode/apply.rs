//! Carrying out one org's plan in the safe order.
//!
//! The steps of all the org's hooks run phase by phase:
//!
//! 0. probe: the endpoint of every hook that will be verified gets Okta's GET first (waiting
//!    up to `--verify-timeout` for a receiver still deploying); a hook whose receiver is not
//!    ready is left exactly as it is;
//! 1. deactivate (hooks wanted INACTIVE, hooks to delete): deliveries stop first;
//! 2. delete, only a hook that is INACTIVE;
//! 3. create and replace (a replace always sends the manifest's secret);
//! 4. deactivate a hook just created INACTIVE-wanted; activate a hook that must be verified
//!    (Okta verifies only ACTIVE hooks; an UNVERIFIED hook gets no events, so nothing is
//!    delivered before the verification passes);
//! 5. verify (only if the hook is UNVERIFIED by now);
//! 6. activate the rest: last.
//!
//! A failed step skips the later steps of its hook only; every other hook carries on. Each
//! step's outcome goes into the summary, with Okta's error and request id for a failure.

use std::path::Path;
use std::time::Duration;

use okta_eventhooks::{Client, EventHook, EventHookVerificationStatus, LifecycleStatus};
use serde::Serialize;

use super::Failure;
use super::plan::{Action, HookPlan, OrgHooks};
use super::probe::Prober;
use crate::exit::Exit;
use crate::manifest::{build, secrets};
use crate::output::Bar;

/// How a step ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Done (or found already done).
    Done,
    /// Tried, and failed.
    Failed,
    /// Not tried, because an earlier step of the hook failed.
    Skipped,
}

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

/// A step and the phase it runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Probe,
    Act(Action),
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Self::Probe => "probe",
            Self::Act(action) => action.name(),
        }
    }
}

/// The phase of `step` among the hook's `actions` (see the module documentation).
fn phase(step: Step, actions: &[Action]) -> u8 {
    let verifies = actions.contains(&Action::Verify);
    match step {
        Step::Probe => 0,
        Step::Act(Action::Deactivate) if actions.contains(&Action::Create) => 4,
        Step::Act(Action::Deactivate) => 1,
        Step::Act(Action::Delete) => 2,
        Step::Act(Action::Create | Action::Replace) => 3,
        Step::Act(Action::Activate) if verifies => 4,
        Step::Act(Action::Verify) => 5,
        Step::Act(Action::Activate) => 6,
    }
}

const PHASES: std::ops::RangeInclusive<u8> = 0..=6;

/// One hook while its steps run.
struct Run<'p> {
    plan: &'p HookPlan,
    steps: Vec<Step>,
    id: Option<String>,
    status: Option<LifecycleStatus>,
    verification: Option<EventHookVerificationStatus>,
    /// The step that failed, after which the hook's other steps are skipped.
    failed: Option<&'static str>,
}

impl<'p> Run<'p> {
    fn new(plan: &'p HookPlan, skip_probe: bool) -> Self {
        let mut steps = Vec::new();
        if plan.actions.contains(&Action::Verify) && !skip_probe {
            steps.push(Step::Probe);
        }
        steps.extend(plan.actions.iter().map(|a| Step::Act(*a)));
        let current = plan.current.as_ref();
        Self {
            plan,
            steps,
            id: plan.id.clone(),
            status: current.and_then(|c| c.status.parse().ok()),
            verification: current.and_then(|c| c.verification.parse().ok()),
            failed: None,
        }
    }

    /// Takes what Okta answered as the hook's state.
    fn seen(&mut self, hook: &EventHook) {
        if hook.id.is_some() {
            self.id = hook.id.clone();
        }
        self.status = hook.status.clone();
        self.verification = hook.verification_status.clone();
    }
}

/// The number of steps `apply_org` will report for these hooks (for the progress bar).
pub fn step_count(hooks: &OrgHooks, skip_probe: bool) -> usize {
    hooks
        .hooks
        .iter()
        .map(|h| Run::new(h, skip_probe).steps.len())
        .sum()
}

/// Carries out one org's plan; returns one result per step, in the order they ran (skipped
/// steps where they would have run).
pub async fn apply_org(
    org: &str,
    client: &Client,
    hooks: &OrgHooks,
    settings: &Settings<'_>,
    bar: &Bar,
) -> Vec<StepResult> {
    let mut runs: Vec<Run<'_>> = hooks
        .hooks
        .iter()
        .filter(|h| h.conflict.is_none() && !h.actions.is_empty())
        .map(|h| Run::new(h, settings.skip_probe))
        .collect();
    let mut results = Vec::new();
    for conflict in hooks.conflicts() {
        results.push(StepResult {
            org: org.to_owned(),
            hook: conflict.name.clone(),
            step: "plan".into(),
            result: Outcome::Failed,
            detail: "not changed".into(),
            error: Some(Failure::local(
                conflict.conflict.clone().unwrap_or_default(),
                Exit::Refused,
            )),
        });
    }
    for current in PHASES {
        if current == 0 {
            // Probes of different receivers do not wait for each other.
            let probes = runs
                .iter()
                .enumerate()
                .filter(|(_, r)| r.steps.contains(&Step::Probe));
            let outcomes = futures_util::future::join_all(probes.map(|(i, run)| async move {
                bar.message(&format!("{}: probing the receiver", run.plan.name));
                (i, probe(run, settings).await)
            }))
            .await;
            for (i, outcome) in outcomes {
                bar.inc();
                record(org, &mut runs[i], Step::Probe, outcome, &mut results);
            }
            continue;
        }
        for run in &mut runs {
            let steps: Vec<Step> = run
                .steps
                .iter()
                .copied()
                .filter(|s| *s != Step::Probe && phase(*s, &run.plan.actions) == current)
                .collect();
            for step in steps {
                let outcome = match run.failed {
                    Some(_) => None,
                    None => {
                        bar.message(&format!("{}: {}", run.plan.name, step.name()));
                        let Step::Act(action) = step else { continue };
                        Some(act(client, run, action, settings).await)
                    }
                };
                bar.inc();
                record(org, run, step, outcome, &mut results);
            }
        }
    }
    results
}

/// Adds a step's result; `None` is a step skipped after a failure.
fn record(
    org: &str,
    run: &mut Run<'_>,
    step: Step,
    outcome: Option<Result<String, Failure>>,
    results: &mut Vec<StepResult>,
) {
    let (result, detail, error) = match outcome {
        None => (
            Outcome::Skipped,
            format!("after the failed {}", run.failed.unwrap_or("step")),
            None,
        ),
        Some(Ok(detail)) => (Outcome::Done, detail, None),
        Some(Err(failure)) => {
            run.failed = Some(step.name());
            // The probe is a hook's first step: when it fails, the hook is as it was.
            let detail = match step {
                Step::Probe => "nothing was changed for this hook".to_owned(),
                Step::Act(_) => String::new(),
            };
            (Outcome::Failed, detail, Some(failure))
        }
    };
    results.push(StepResult {
        org: org.to_owned(),
        hook: run.plan.name.clone(),
        step: step.name().to_owned(),
        result,
        detail,
        error,
    });
}

/// The hook as the manifest describes it, with its secrets read now.
fn built(run: &Run<'_>, settings: &Settings<'_>) -> Result<EventHook, Failure> {
    let spec = run
        .plan
        .spec
        .as_ref()
        .ok_or_else(|| Failure::local("the hook is not in the manifest", Exit::Output))?;
    let unreadable = std::cell::RefCell::new(None);
    let hook = build::event_hook(&run.plan.name, spec, &|value_from| match secrets::resolve(
        value_from,
        settings.dir,
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

async fn probe(run: &Run<'_>, settings: &Settings<'_>) -> Option<Result<String, Failure>> {
    let hook = match built(run, settings) {
        Ok(hook) => hook,
        Err(failure) => return Some(Err(failure)),
    };
    let outcome = match settings
        .prober
        .until_ready(&hook, settings.verify_timeout)
        .await
    {
        Ok(1) => Ok("the receiver answered the challenge".to_owned()),
        Ok(sent) => Ok(format!(
            "the receiver answered the challenge (probe {sent})"
        )),
        Err((failure, sent)) => {
            let waited = if settings.verify_timeout.is_zero() {
                "; --verify-timeout DURATION waits for a receiver still deploying".to_owned()
            } else {
                format!(
                    " ({sent} probes in {}; give it longer with --verify-timeout)",
                    humantime::format_duration(settings.verify_timeout)
                )
            };
            Err(Failure::local(
                format!("{}{waited}", failure.message()),
                failure.exit(),
            ))
        }
    };
    Some(outcome)
}

/// Runs one Okta call of the plan.
async fn act(
    client: &Client,
    run: &mut Run<'_>,
    action: Action,
    settings: &Settings<'_>,
) -> Result<String, Failure> {
    let sdk = |e: okta_eventhooks::Error| Failure::from_sdk(&e);
    let id = run.id.clone().unwrap_or_default();
    match action {
        Action::Create => {
            let hook = built(run, settings)?;
            let created = client.create_event_hook(&hook).await.map_err(sdk)?;
            run.seen(&created);
            Ok(format!("created {}", run.id.as_deref().unwrap_or("?")))
        }
        Action::Replace => {
            let hook = built(run, settings)?;
            let replaced = client.replace_event_hook(&id, &hook).await.map_err(sdk)?;
            run.seen(&replaced);
            let changed: Vec<&str> = run.plan.changes.iter().map(|c| c.field.as_str()).collect();
            Ok(format!("replaced ({})", changed.join(", ")))
        }
        Action::Deactivate => {
            let hook = client.deactivate_event_hook(&id).await.map_err(sdk)?;
            run.seen(&hook);
            Ok("INACTIVE".into())
        }
        Action::Activate => {
            let hook = client.activate_event_hook(&id).await.map_err(sdk)?;
            run.seen(&hook);
            Ok("ACTIVE".into())
        }
        Action::Delete => {
            // Never an ACTIVE hook, whatever happened before.
            if run.status != Some(LifecycleStatus::Inactive) {
                return Err(Failure::local(
                    format!(
                        "not deleted: the hook is {}, and only an INACTIVE hook is deleted",
                        run.status.as_ref().map_or("-".into(), ToString::to_string)
                    ),
                    Exit::Refused,
                ));
            }
            client.delete_event_hook(&id).await.map_err(sdk)?;
            Ok(format!("deleted {id}"))
        }
        Action::Verify => {
            if run.verification == Some(EventHookVerificationStatus::Verified) {
                return Ok("not needed: the hook is still VERIFIED".into());
            }
            verify(client, run, &id, settings.verify_timeout).await
        }
    }
}

/// Asks Okta to verify; a failed verification is tried again while `wait` lasts (Okta's
/// reachability of the receiver can lag behind ours).
async fn verify(
    client: &Client,
    run: &mut Run<'_>,
    id: &str,
    wait: Duration,
) -> Result<String, Failure> {
    let give_up = tokio::time::Instant::now() + wait;
    let mut pause = Duration::from_millis(500);
    loop {
        match client.verify_event_hook(id).await {
            Ok(hook) => {
                run.seen(&hook);
                return Ok("VERIFIED".into());
            }
            Err(e)
                if e.status() == Some(400)
                    && e.okta_error_code() == Some("E0000001")
                    && tokio::time::Instant::now() + pause < give_up =>
            {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            Err(e) => return Err(Failure::from_sdk(&e)),
        }
    }
}
