//! The run: every hook's steps, phase by phase in the order of [`PHASES`].

use std::future::Future;
use std::time::Duration;

use super::phases::{Action, PHASES, Phase, Step, steps};
use super::report::{Event, Outcome, StepError, StepReport};
use crate::{Client, EventHook, EventHookVerificationStatus, LifecycleStatus};

/// One hook to carry a plan out for.
#[derive(Clone, Debug)]
pub struct Hook<'a> {
    /// Its name in Okta; [`Supply::hook`] is asked for the hook by it.
    pub name: &'a str,
    /// Its id, when it exists.
    pub id: Option<String>,
    /// Its status now, when it exists.
    pub status: Option<LifecycleStatus>,
    /// Its verification now, when it exists.
    pub verification: Option<EventHookVerificationStatus>,
    /// What must happen to it; the engine runs each action in its phase.
    pub actions: &'a [Action],
    /// The fields a replace changes, named in the replace's report.
    pub changed: Vec<String>,
}

/// How the run behaves.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// How long to keep asking Okta to verify while it answers that it could not (its reach of
    /// the receiver can lag behind the probe's); zero asks once.
    pub verify_timeout: Duration,
    /// Probe a receiver (with [`Supply::probe`]) before Okta is asked to verify its hook.
    pub probe: bool,
}

/// What only the caller knows.
pub trait Supply {
    /// Why the caller could not supply a hook, or why a probe failed.
    type Error;

    /// The hook `name` as it must be, with its secrets read now: sent by a create or a
    /// replace, and probed. Asked only for hooks with a create, a replace or a probe.
    fn hook(&self, name: &str) -> Result<EventHook, Self::Error>;

    /// Sends `hook`'s receiver the request Okta will verify it with and checks the answer;
    /// `Ok` says how it went. A failure leaves the hook as it is.
    fn probe(&self, hook: &EventHook) -> impl Future<Output = Result<String, Self::Error>>;
}

/// Carries out the hooks' actions, phase by phase; `on` hears every step start and end.
/// Returns a report per step: by phase, then in the hooks' order (a skipped step where it
/// would have run).
pub async fn run<S: Supply>(
    client: &Client,
    hooks: Vec<Hook<'_>>,
    supply: &S,
    settings: Settings,
    on: impl Fn(Event<'_, S::Error>),
) -> Vec<StepReport<S::Error>> {
    let mut runs: Vec<Run<'_>> = hooks
        .into_iter()
        .map(|hook| Run {
            steps: steps(hook.actions, settings.probe),
            hook,
            failed: None,
        })
        .collect();
    let mut reports = Vec::new();
    for info in &PHASES {
        let phase = info.phase;
        if info.concurrent {
            let all = runs
                .iter_mut()
                .map(|run| run.phase(phase, client, supply, settings, &on));
            let all = futures_util::future::join_all(all).await;
            reports.extend(all.into_iter().flatten());
        } else {
            for run in &mut runs {
                reports.extend(run.phase(phase, client, supply, settings, &on).await);
            }
        }
    }
    reports
}

/// One hook while its steps run.
struct Run<'a> {
    hook: Hook<'a>,
    steps: Vec<Step>,
    /// The step that failed, after which the hook's other steps are skipped.
    failed: Option<&'static str>,
}

impl Run<'_> {
    /// The hook's steps of `phase`, one after the other.
    async fn phase<S: Supply>(
        &mut self,
        phase: Phase,
        client: &Client,
        supply: &S,
        settings: Settings,
        on: &impl Fn(Event<'_, S::Error>),
    ) -> Vec<StepReport<S::Error>> {
        let now: Vec<Step> = self
            .steps
            .iter()
            .copied()
            .filter(|s| s.phase(self.hook.actions) == phase)
            .collect();
        let mut reports = Vec::new();
        for step in now {
            let outcome = match self.failed {
                Some(_) => None,
                None => {
                    on(Event::Started {
                        hook: self.hook.name,
                        step,
                    });
                    Some(self.step(step, client, supply, settings).await)
                }
            };
            let report = self.report(step, outcome);
            on(Event::Ended(&report));
            reports.push(report);
        }
        reports
    }

    /// A step's report; `None` is a step skipped after a failure.
    fn report<E>(
        &mut self,
        step: Step,
        outcome: Option<Result<String, StepError<E>>>,
    ) -> StepReport<E> {
        let (outcome, detail, error) = match outcome {
            None => (
                Outcome::Skipped,
                format!("after the failed {}", self.failed.unwrap_or("step")),
                None,
            ),
            Some(Ok(detail)) => (Outcome::Done, detail, None),
            Some(Err(error)) => {
                self.failed = Some(step.name());
                // The probe runs before any change: when it fails, the hook is as it was.
                let detail = match step {
                    Step::Probe => "nothing was changed for this hook".to_owned(),
                    Step::Act(_) => String::new(),
                };
                (Outcome::Failed, detail, Some(error))
            }
        };
        StepReport {
            hook: self.hook.name.to_owned(),
            step,
            outcome,
            detail,
            error,
        }
    }

    /// Takes what Okta answered as the hook's state.
    fn seen(&mut self, hook: &EventHook) {
        if hook.id.is_some() {
            self.hook.id = hook.id.clone();
        }
        self.hook.status = hook.status.clone();
        self.hook.verification = hook.verification_status.clone();
    }

    /// Carries out one step.
    async fn step<S: Supply>(
        &mut self,
        step: Step,
        client: &Client,
        supply: &S,
        settings: Settings,
    ) -> Result<String, StepError<S::Error>> {
        let desired = || supply.hook(self.hook.name).map_err(StepError::Supply);
        let id = self.hook.id.clone().unwrap_or_default();
        let action = match step {
            Step::Probe => return supply.probe(&desired()?).await.map_err(StepError::Supply),
            Step::Act(action) => action,
        };
        match action {
            Action::Create => {
                let created = client.create_event_hook(&desired()?).await?;
                self.seen(&created);
                Ok(format!(
                    "created {}",
                    self.hook.id.as_deref().unwrap_or("?")
                ))
            }
            Action::Replace => {
                let replaced = client.replace_event_hook(&id, &desired()?).await?;
                self.seen(&replaced);
                Ok(format!("replaced ({})", self.hook.changed.join(", ")))
            }
            Action::Deactivate => {
                let hook = client.deactivate_event_hook(&id).await?;
                self.seen(&hook);
                Ok("INACTIVE".into())
            }
            Action::Activate => {
                let hook = client.activate_event_hook(&id).await?;
                self.seen(&hook);
                Ok("ACTIVE".into())
            }
            Action::Delete => {
                // Never an ACTIVE hook, whatever happened before.
                if self.hook.status != Some(LifecycleStatus::Inactive) {
                    return Err(StepError::NotInactive(self.hook.status.clone()));
                }
                client.delete_event_hook(&id).await?;
                Ok(format!("deleted {id}"))
            }
            Action::Verify => {
                if self.hook.verification == Some(EventHookVerificationStatus::Verified) {
                    return Ok("not needed: the hook is still VERIFIED".into());
                }
                self.verify(client, &id, settings.verify_timeout).await
            }
        }
    }

    /// Asks Okta to verify; a failed verification is tried again while `wait` lasts (Okta's
    /// reachability of the receiver can lag behind ours).
    async fn verify<E>(
        &mut self,
        client: &Client,
        id: &str,
        wait: Duration,
    ) -> Result<String, StepError<E>> {
        let give_up = tokio::time::Instant::now() + wait;
        let mut pause = Duration::from_millis(500);
        loop {
            match client.verify_event_hook(id).await {
                Ok(hook) => {
                    self.seen(&hook);
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
                Err(e) => return Err(StepError::Okta(e)),
            }
        }
    }
}
