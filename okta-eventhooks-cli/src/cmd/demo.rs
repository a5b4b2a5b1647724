//! `demo`: the whole event-hook loop on this machine, with no Okta org and no network.
//!
//! Starts the emulator and two receivers in-process on free loopback ports, then drives the
//! SDK through a hook's life: create (auth secret, custom header, filter), get, verify, fire
//! events (one kind dropped by the filter), show what the receiver got, move the hook to a new
//! endpoint (verification resets), re-verify, deactivate, delete, list. Every step prints one
//! line with its result and time, and checks its result: a surprise fails the command.

use std::fmt::Display;
use std::io::{self, Write};
use std::time::{Duration, Instant};

use clap::Args;
use okta_eventhooks::events::Delivery;
use okta_eventhooks::{
    Channel, Client, EventHook, EventHookVerificationStatus, Events, LifecycleStatus, Secret,
};
use okta_eventhooks_emulator::{Emulator, FireRequest, FireSummary};
use okta_eventhooks_receiver::{Receiver, RunningReceiver};
use serde::Serialize;
use tokio::sync::mpsc;

use crate::cmd::listen::event_line;
use crate::context::Context;
use crate::error::{CliError, Result, output_error};
use crate::output::OutputFormat;

/// The emulator's API token; it lives only as long as the demo.
const TOKEN: &str = "demo-api-token";
const HOOK_NAME: &str = "okta-eventhooks demo";
const AUTH_KEY: &str = "Authorization";
const CUSTOM_HEADER: &str = "X-Demo-Source";
const SUBSCRIBED: [&str; 3] = [
    "user.lifecycle.create",
    "user.session.start",
    "user.account.lock",
];
const FILTERED_TYPE: &str = "user.session.start";
const FILTER: &str = "event.outcome.result eq 'FAILURE'";

/// `demo`
#[derive(Debug, Args)]
pub struct Demo {}

impl Demo {
    /// Runs the loop; fails (non-zero exit) on the first step whose result is not as expected.
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let printer = ctx.printer();
        printer.note(
            "okta-eventhooks demo: the event-hook loop against the built-in emulator (no Okta org, no network)",
        );
        let mut steps = Steps::new(printer.format());
        let started = Instant::now();

        let emulator = steps
            .run("start emulator", async {
                let emu = Emulator::builder()
                    .token(TOKEN)
                    .allow_http_loopback(true)
                    .start("127.0.0.1:0")
                    .await?;
                let line = format!("Okta API emulator at {}", emu.url());
                Ok((emu, line))
            })
            .await?;
        let client = Client::builder()
            .org_url(emulator.url())
            .api_token(TOKEN)
            .build()?;

        let secret_v1 = Secret::from(random_secret());
        let (receiver, mut inbox) = steps
            .run("start receiver", start_receiver("/okta/events", &secret_v1))
            .await?;

        // create
        let hook = EventHook::builder(HOOK_NAME)
            .description("Created by `okta-eventhooks demo`")
            .channel(
                Channel::https(receiver.url())?
                    .header(CUSTOM_HEADER, "okta-eventhooks-demo")
                    .auth_header(AUTH_KEY, secret_v1.clone()),
            )
            .events(Events::types(SUBSCRIBED).filter(FILTERED_TYPE, FILTER))
            .build()?;
        let created = steps
            .run("create hook", async {
                let created = client.create_event_hook(&hook).await?;
                check(
                    created.status == Some(LifecycleStatus::Active)
                        && created.verification_status
                            == Some(EventHookVerificationStatus::Unverified),
                    "a new hook is ACTIVE and UNVERIFIED",
                )?;
                let line = format!(
                    "{} {:?}: {}, {}; {} event types, filter on {FILTERED_TYPE}",
                    created.id.as_deref().unwrap_or("-"),
                    created.name,
                    show(&created.status),
                    show(&created.verification_status),
                    created.events.items.len(),
                );
                Ok((created, line))
            })
            .await?;
        let id = created
            .id
            .clone()
            .ok_or_else(|| CliError::Refused("the created hook has no id".into()))?;

        // get
        let fetched = steps
            .run("get hook", async {
                let hook = client.get_event_hook(&id).await?;
                let config = &hook.channel.config;
                let auth = config.auth_scheme.as_ref();
                check(
                    auth.is_some_and(|a| a.value.is_none()),
                    "the auth secret is write-only (never returned)",
                )?;
                let headers: Vec<&str> = config
                    .headers
                    .iter()
                    .filter_map(|h| h.key.as_deref())
                    .collect();
                let line = format!(
                    "uri {}, headers [{}], auth header {} (secret not returned: write-only)",
                    config.uri,
                    headers.join(", "),
                    auth.and_then(|a| a.key.as_deref()).unwrap_or("-"),
                );
                Ok((hook, line))
            })
            .await?;

        // verify
        steps
            .run("verify hook", verify(&client, &id, &receiver))
            .await?;

        // fire
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
        let mut expected_events = 0;
        for (request, expected, note) in fires {
            let label = format!("fire {} x{}", request.event_type, request.count);
            steps
                .run(&label, fire(&emulator, request, expected, note))
                .await?;
            expected_events += expected;
        }

        // what the receiver got
        let got = drain(&mut inbox);
        let events: Vec<_> = got.iter().flat_map(|d| &d.data.events).collect();
        steps
            .run("receiver got", async {
                check(
                    events.len() == expected_events,
                    &format!("the receiver got {expected_events} events"),
                )?;
                let stats = receiver.stats();
                let line = format!(
                    "{} events in {} deliveries ({} refused, {} duplicates)",
                    events.len(),
                    got.len(),
                    stats.unauthorized + stats.malformed + stats.too_large,
                    stats.duplicates,
                );
                Ok(((), line))
            })
            .await?;
        steps.details(events.iter().map(|e| event_line(e)))?;

        // replace the channel: move to a new endpoint with a rotated secret
        let secret_v2 = Secret::from(random_secret());
        let (receiver_v2, mut inbox_v2) = steps
            .run(
                "start second receiver",
                start_receiver("/okta/v2", &secret_v2),
            )
            .await?;
        steps
            .run("replace channel", async {
                let mut next = fetched.to_request_body();
                next.channel.config.uri = receiver_v2.url();
                next.set_auth_secret(secret_v2.clone())?;
                let replaced = client.replace_event_hook(&id, &next).await?;
                check(
                    replaced.verification_status == Some(EventHookVerificationStatus::Unverified),
                    "a new channel resets verification",
                )?;
                let line = format!(
                    "uri {} with a rotated secret: {} (a new channel must be verified again)",
                    replaced.channel.config.uri,
                    show(&replaced.verification_status),
                );
                Ok(((), line))
            })
            .await?;
        steps
            .run("verify again", verify(&client, &id, &receiver_v2))
            .await?;
        steps
            .run(
                "fire user.lifecycle.create x1",
                fire(
                    &emulator,
                    FireRequest::new("user.lifecycle.create", 1),
                    1,
                    " to the new endpoint",
                ),
            )
            .await?;
        steps
            .run("second receiver got", async {
                let moved: usize = drain(&mut inbox_v2)
                    .iter()
                    .map(|d| d.data.events.len())
                    .sum();
                let left = drain(&mut inbox).len();
                check(
                    moved == 1 && left == 0,
                    "events go to the new endpoint only",
                )?;
                Ok(((), format!("{moved} event; the old endpoint got none")))
            })
            .await?;

        // retire
        steps
            .run("deactivate hook", async {
                let hook = client.deactivate_event_hook(&id).await?;
                check(
                    hook.status == Some(LifecycleStatus::Inactive),
                    "the hook is INACTIVE",
                )?;
                Ok(((), show(&hook.status)))
            })
            .await?;
        steps
            .run("delete hook", async {
                client.delete_event_hook(&id).await?;
                Ok(((), format!("{id} deleted")))
            })
            .await?;
        steps
            .run("list hooks", async {
                let hooks = client.list_event_hooks().await?;
                check(
                    hooks.iter().all(|h| h.id.as_deref() != Some(id.as_str())),
                    "the deleted hook is gone",
                )?;
                Ok(((), format!("{} hooks: the demo hook is gone", hooks.len())))
            })
            .await?;

        let stopped = receiver.shutdown().await.and(receiver_v2.shutdown().await);
        emulator.shutdown().await;
        stopped?;
        printer.note(&format!(
            "demo finished: {} steps in {}",
            steps.count,
            millis(started.elapsed())
        ));
        Ok(())
    }
}

/// Starts a receiver on a free loopback port that requires `secret` in the auth header.
async fn start_receiver(
    path: &str,
    secret: &Secret,
) -> Result<((RunningReceiver, mpsc::Receiver<Delivery>), String)> {
    let (receiver, inbox) = Receiver::builder()
        .path(path)
        .auth_header(AUTH_KEY, secret.clone())
        .build()?;
    let running = receiver.serve("127.0.0.1:0").await?;
    let line = format!("{} (requires the {AUTH_KEY} secret)", running.url());
    Ok(((running, inbox), line))
}

async fn verify(client: &Client, id: &str, receiver: &RunningReceiver) -> Result<((), String)> {
    let before = receiver.stats().verifications;
    let hook = client.verify_event_hook(id).await?;
    let answered = receiver.stats().verifications - before;
    check(
        hook.verification_status == Some(EventHookVerificationStatus::Verified) && answered >= 1,
        "the receiver answered the challenge and the hook is VERIFIED",
    )?;
    Ok((
        (),
        format!(
            "{}: the receiver answered the challenge",
            show(&hook.verification_status)
        ),
    ))
}

async fn fire(
    emulator: &Emulator,
    request: FireRequest,
    expected: usize,
    note: &str,
) -> Result<((), String)> {
    let count = request.count;
    let summary: FireSummary = emulator.fire_with(request).await?;
    let filtered: usize = summary.hooks.iter().map(|h| h.filtered_out).sum();
    let failed: usize = summary.hooks.iter().map(|h| h.failed).sum();
    check(
        summary.delivered() == expected && failed == 0 && filtered == count - expected,
        &format!("{expected} of {count} events delivered"),
    )?;
    Ok((
        (),
        format!("{} of {count} delivered{note}", summary.delivered()),
    ))
}

fn drain(inbox: &mut mpsc::Receiver<Delivery>) -> Vec<Delivery> {
    // `fire` returns after the receiver acknowledged, and it queues before acknowledging.
    std::iter::from_fn(|| inbox.try_recv().ok()).collect()
}

fn check(ok: bool, expectation: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(CliError::Refused(format!(
            "demo check failed: expected {expectation}"
        )))
    }
}

fn show<T: Display>(value: &Option<T>) -> String {
    value.as_ref().map_or_else(|| "-".to_owned(), T::to_string)
}

fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// A throwaway secret for loopback endpoints that live for a second. `RandomState` is seeded
/// randomly per process: not a cryptographic generator, but no constant an attacker could know.
fn random_secret() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::BuildHasher;
    let seed = RandomState::new();
    format!(
        "demo-secret-{:016x}{:016x}",
        seed.hash_one(1u8),
        seed.hash_one(2u8)
    )
}

/// Numbers, times and prints the steps.
struct Steps {
    format: OutputFormat,
    count: usize,
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

impl Steps {
    fn new(format: OutputFormat) -> Self {
        Self { format, count: 0 }
    }

    /// Runs one step and prints its line, also when it fails.
    async fn run<T>(
        &mut self,
        action: &str,
        step: impl Future<Output = Result<(T, String)>>,
    ) -> Result<T> {
        self.count += 1;
        let started = Instant::now();
        let outcome = step.await;
        let elapsed = started.elapsed();
        let (ok, result) = match &outcome {
            Ok((_, line)) => (true, line.clone()),
            Err(e) => (false, format!("FAILED: {e}")),
        };
        self.print(action, ok, &result, elapsed)?;
        outcome.map(|(value, _)| value)
    }

    fn print(&self, action: &str, ok: bool, result: &str, elapsed: Duration) -> Result<()> {
        let line = match self.format {
            OutputFormat::Table => format!(
                "{:>2}. {action:<30} {} {result}  ({})\n",
                self.count,
                if ok { "ok  " } else { "FAIL" },
                millis(elapsed)
            ),
            _ => {
                let record = StepRecord {
                    step: self.count,
                    action,
                    ok,
                    result,
                    ms: (elapsed.as_secs_f64() * 10_000.0).round() / 10.0,
                };
                let mut json = serde_json::to_string(&record)
                    .map_err(|e| CliError::Usage(format!("cannot encode JSON: {e}")))?;
                json.push('\n');
                json
            }
        };
        write_stdout(&line)
    }

    /// Indented detail lines under the last step (table output only).
    fn details(&self, lines: impl Iterator<Item = String>) -> Result<()> {
        if self.format != OutputFormat::Table {
            return Ok(());
        }
        let text: String = lines.map(|l| format!("      {l}\n")).collect();
        write_stdout(&text)
    }
}

fn write_stdout(text: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes()).map_err(output_error)?;
    out.flush().map_err(output_error)
}
