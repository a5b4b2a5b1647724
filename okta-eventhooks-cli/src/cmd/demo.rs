//! `demo`: the whole event-hook loop on this machine, with no Okta org and no network.
//!
//! The demo is a table of steps ([`script`]), each with a name, an action and a check: start
//! the emulator and a receiver, create a hook (auth secret, custom header, filter), get it,
//! verify it, fire events (one kind dropped by the filter), look at what the receiver got, run
//! `doctor`'s checks on the hook, move
//! the hook to a second receiver (verification resets), verify again, deactivate, delete,
//! list. Every step prints one line with its result and time; a check that does not hold
//! fails the command.

mod world;

use std::time::{Duration, Instant};

use clap::Args;
use okta_eventhooks::{EventHookVerificationStatus, LifecycleStatus};
use okta_eventhooks_emulator::FireRequest;
use serde::Serialize;

use crate::context::Context;
use crate::error::{CliError, Result};
use crate::output::Printer;

use self::world::{FILTERED_TYPE, FIRST, SECOND, World};

/// `demo`
#[derive(Debug, Args)]
pub struct Demo {}

impl Demo {
    /// Runs the steps; fails (non-zero exit) on the first one that fails or whose check does
    /// not hold.
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let printer = ctx.printer();
        printer.note(
            "okta-eventhooks demo: the event-hook loop against the built-in emulator (no Okta org, no network)",
        );
        let started = Instant::now();
        let steps = script();
        let mut world = World::default();
        let mut outcome = Ok(());
        for (number, step) in (1..).zip(&steps) {
            outcome = step.run(number, &mut world, printer).await;
            if outcome.is_err() {
                break;
            }
        }
        let stopped = world.shutdown().await;
        outcome?;
        stopped?;
        printer.note(&format!(
            "demo finished: {} steps in {}",
            steps.len(),
            millis(started.elapsed())
        ));
        Ok(())
    }
}

/// The demo, in order.
fn script() -> Vec<Step> {
    // (request, events the filter lets through, what the line adds)
    let fires = [
        (FireRequest::new("user.lifecycle.create", 2), 2, ""),
        (
            FireRequest::new(FILTERED_TYPE, 3),
            0,
            "; the filter dropped them (outcome SUCCESS)",
        ),
        (
            FireRequest::new(FILTERED_TYPE, 1)
                .patch(serde_json::json!({"outcome": {"result": "FAILURE"}})),
            1,
            "; the filter lets failures through",
        ),
        (FireRequest::new("user.account.lock", 1), 1, ""),
    ];
    let delivered: usize = fires.iter().map(|(_, expected, _)| expected).sum();

    let mut steps = vec![
        Step::new("start emulator", Action::StartEmulator),
        Step::new("start receiver", Action::StartReceiver("/okta/events")),
        Step::new("create hook", Action::CreateHook).check(
            "a new hook is ACTIVE and UNVERIFIED",
            |w| {
                w.status() == Some(&LifecycleStatus::Active)
                    && w.verification() == Some(&EventHookVerificationStatus::Unverified)
            },
        ),
        Step::new("get hook", Action::GetHook).check(
            "the auth secret is write-only (never returned)",
            World::auth_secret_hidden,
        ),
        Step::new("verify hook", Action::Verify(FIRST)).check(
            "the receiver answered the challenge and the hook is VERIFIED",
            World::verified_by_receiver,
        ),
    ];
    for (request, expected, note) in fires {
        steps.push(fire(request, expected, note));
    }
    steps.extend([
        Step::new("receiver got", Action::ShowReceived)
            .check(format!("the receiver got {delivered} events"), move |w| {
                w.events_received() == delivered
            }),
        Step::new("doctor", Action::Doctor).check(
            "every doctor check is ok on the working hook",
            World::doctor_all_ok,
        ),
        Step::new("start second receiver", Action::StartReceiver("/okta/v2")),
        Step::new("replace channel", Action::ReplaceChannel)
            .check("a new channel resets verification", |w| {
                w.verification() == Some(&EventHookVerificationStatus::Unverified)
            }),
        Step::new("verify again", Action::Verify(SECOND)).check(
            "the receiver answered the challenge and the hook is VERIFIED",
            World::verified_by_receiver,
        ),
        fire(
            FireRequest::new("user.lifecycle.create", 1),
            1,
            " to the new endpoint",
        ),
        Step::new("second receiver got", Action::ShowMoved)
            .check("events go to the new endpoint only", |w| {
                w.events_received() == 1 && w.left_behind() == 0
            }),
        Step::new("deactivate hook", Action::Deactivate).check("the hook is INACTIVE", |w| {
            w.status() == Some(&LifecycleStatus::Inactive)
        }),
        Step::new("delete hook", Action::Delete),
        Step::new("list hooks", Action::List).check("the deleted hook is gone", World::hook_gone),
    ]);
    steps
}

/// A step that fires `request` and expects `expected` of its events to be delivered.
fn fire(request: FireRequest, expected: usize, note: &'static str) -> Step {
    let count = request.count();
    let types: Vec<&str> = request
        .events
        .iter()
        .map(|e| e.event_type.as_str())
        .collect();
    let name = format!("fire {} x{count}", types.join(", "));
    Step::new(&name, Action::Fire(request, note)).check(
        format!("{expected} of {count} events delivered"),
        move |w| w.fired_as_expected(expected),
    )
}

/// What a step does; [`World::perform`] carries it out.
enum Action {
    /// Start the emulator on a free loopback port.
    StartEmulator,
    /// Start a receiver at this path that requires its own random secret.
    StartReceiver(&'static str),
    /// Create the demo hook, aimed at the first receiver.
    CreateHook,
    /// Read the hook back.
    GetHook,
    /// Verify the hook; the receiver with this number answers the challenge.
    Verify(usize),
    /// Fire events at the emulator; the text is appended to the result line.
    Fire(FireRequest, &'static str),
    /// What the first receiver got, one detail line per event.
    ShowReceived,
    /// What the second receiver got since the hook moved, and that the first got nothing.
    ShowMoved,
    /// Run `doctor`'s checks on the hook (in-process, through the SDK).
    Doctor,
    /// Move the hook to the second receiver with a rotated secret.
    ReplaceChannel,
    /// Deactivate the hook.
    Deactivate,
    /// Delete the hook.
    Delete,
    /// List the hooks.
    List,
}

/// One step of the demo: its name, what it does, and what must then be true.
struct Step {
    name: String,
    action: Action,
    check: Option<Check>,
}

/// What must be true after a step; a surprise fails the demo.
struct Check {
    expectation: String,
    holds: Box<dyn Fn(&World) -> bool>,
}

/// A step's result line, and detail lines under it (table output only).
struct Done {
    line: String,
    details: Vec<String>,
}

impl Done {
    fn line(line: impl Into<String>) -> Self {
        Self {
            line: line.into(),
            details: Vec::new(),
        }
    }
}

/// One step as a JSON line (`-o json`).
#[derive(Serialize)]
struct StepRecord<'a> {
    step: usize,
    action: &'a str,
    ok: bool,
    result: &'a str,
    ms: f64,
}

impl Step {
    fn new(name: &str, action: Action) -> Self {
        Self {
            name: name.to_owned(),
            action,
            check: None,
        }
    }

    fn check(
        mut self,
        expectation: impl Into<String>,
        holds: impl Fn(&World) -> bool + 'static,
    ) -> Self {
        self.check = Some(Check {
            expectation: expectation.into(),
            holds: Box::new(holds),
        });
        self
    }

    /// Does the step, checks it and prints its line (also when it fails).
    async fn run(&self, number: usize, world: &mut World, printer: &Printer) -> Result<()> {
        let started = Instant::now();
        let outcome = world
            .perform(&self.action)
            .await
            .and_then(|done| match &self.check {
                Some(check) if !(check.holds)(world) => Err(CliError::Internal(format!(
                    "demo check failed: expected {}",
                    check.expectation
                ))),
                _ => Ok(done),
            });
        let elapsed = started.elapsed();
        let (ok, result) = match &outcome {
            Ok(done) => (true, done.line.clone()),
            Err(e) => (false, format!("FAILED: {e}")),
        };
        let line = format!(
            "{number:>2}. {:<30} {} {result}  ({})",
            self.name,
            if ok { "ok  " } else { "FAIL" },
            millis(elapsed)
        );
        let record = StepRecord {
            step: number,
            action: &self.name,
            ok,
            result: &result,
            ms: (elapsed.as_secs_f64() * 10_000.0).round() / 10.0,
        };
        printer.record(&line, &record)?;
        let done = outcome?;
        let details: String = done
            .details
            .iter()
            .map(|l| format!("      {l}\n"))
            .collect();
        printer.table_only(&details)
    }
}

fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::Exit;
    use crate::output::OutputFormat;

    #[tokio::test]
    async fn a_check_that_does_not_hold_fails_the_step_as_an_internal_error() {
        let (printer, printed) = Printer::captured(OutputFormat::Json);
        let mut world = World::default();
        let step = Step::new("start emulator", Action::StartEmulator).check("the moon", |_| false);
        let err = step.run(1, &mut world, &printer).await.unwrap_err();
        assert_eq!(err.to_string(), "demo check failed: expected the moon");
        assert_eq!(err.exit(), Exit::Output);
        let record: serde_json::Value =
            serde_json::from_str(printed.lock().unwrap().trim_end()).unwrap();
        assert_eq!(record["action"], "start emulator");
        assert_eq!(record["ok"], false);
        assert_eq!(
            record["result"],
            "FAILED: demo check failed: expected the moon"
        );
        world.shutdown().await.unwrap();
    }

    #[tokio::test]
    async fn a_step_before_the_one_it_needs_is_a_script_error() {
        let (printer, _) = Printer::captured(OutputFormat::Table);
        let err = Step::new("create hook", Action::CreateHook)
            .run(1, &mut World::default(), &printer)
            .await
            .unwrap_err();
        assert_eq!(err.exit(), Exit::Output);
        assert!(
            err.to_string().contains("needs `start receiver` first"),
            "{err}"
        );
    }
}
