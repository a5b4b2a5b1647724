//! What the demo's steps act on and what their checks look at: the emulator, the client, the
//! receivers and the hook as the last call returned it.

use std::fmt::Display;

use okta_eventhooks::doctor;
use okta_eventhooks::events::Delivery;
use okta_eventhooks::{
    Channel, Client, EventHook, EventHookVerificationStatus, Events, LifecycleStatus, Secret,
};
use okta_eventhooks_emulator::{Emulator, FireRequest, FireSummary};
use okta_eventhooks_receiver::{Receiver, RunningReceiver};
use tokio::sync::mpsc;

use super::{Action, Done};
use crate::error::{CliError, Result};
use crate::output::{event_line, printable};

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
/// The event type the hook filters.
pub const FILTERED_TYPE: &str = "user.session.start";
const FILTER: &str = "event.outcome.result eq 'FAILURE'";

/// The receiver the hook is created for, and the one it moves to.
pub const FIRST: usize = 0;
pub const SECOND: usize = 1;

/// The demo's state, built up by the steps in order.
#[derive(Default)]
pub struct World {
    emulator: Option<Emulator>,
    client: Option<Client>,
    /// In the order they were started.
    receivers: Vec<Endpoint>,
    /// The hook as the last call returned it.
    hook: Option<EventHook>,
    /// The hook as `get` returned it: `replace` starts from it, as the CLI's `replace` does.
    fetched: Option<EventHook>,
    /// Challenges the receiver answered during the last verification.
    answered: u64,
    fired: Option<FireSummary>,
    /// What the last look at a receiver found.
    received: Vec<Delivery>,
    /// Deliveries the first receiver got after the hook moved away from it.
    left_behind: usize,
    listed: Vec<EventHook>,
    /// What `doctor` found on the hook.
    doctor: Option<doctor::Report>,
}

/// A running receiver, what it queued, and the secret it requires.
struct Endpoint {
    running: RunningReceiver,
    inbox: mpsc::Receiver<Delivery>,
    secret: Secret,
}

impl World {
    /// Carries out one action and describes the result.
    pub async fn perform(&mut self, action: &Action) -> Result<Done> {
        match action {
            Action::StartEmulator => self.start_emulator().await,
            Action::StartReceiver(path) => self.start_receiver(path).await,
            Action::CreateHook => self.create_hook().await,
            Action::GetHook => self.get_hook().await,
            Action::Verify(receiver) => self.verify(*receiver).await,
            Action::Fire(request, note) => self.fire(request.clone(), note).await,
            Action::ShowReceived => self.show_received(),
            Action::ShowMoved => self.show_moved(),
            Action::Doctor => self.doctor().await,
            Action::ReplaceChannel => self.replace_channel().await,
            Action::Deactivate => {
                let hook = self.client()?.deactivate_event_hook(self.id()?).await?;
                let line = show(&hook.status);
                self.hook = Some(hook);
                Ok(Done::line(line))
            }
            Action::Delete => {
                let id = self.id()?.to_owned();
                self.client()?.delete_event_hook(&id).await?;
                Ok(Done::line(format!("{id} deleted")))
            }
            Action::List => {
                self.listed = self.client()?.list_event_hooks().await?;
                Ok(Done::line(format!(
                    "{} hooks: the demo hook is gone",
                    self.listed.len()
                )))
            }
        }
    }

    /// Stops every server that was started.
    pub async fn shutdown(self) -> Result<()> {
        let mut first_error = None;
        for endpoint in self.receivers {
            if let Err(e) = endpoint.running.shutdown().await {
                first_error.get_or_insert(e);
            }
        }
        if let Some(emulator) = self.emulator {
            emulator.shutdown().await;
        }
        first_error.map_or(Ok(()), |e| Err(e.into()))
    }

    // What the checks look at.

    pub fn status(&self) -> Option<&LifecycleStatus> {
        self.hook.as_ref()?.status.as_ref()
    }

    pub fn verification(&self) -> Option<&EventHookVerificationStatus> {
        self.hook.as_ref()?.verification_status.as_ref()
    }

    pub fn auth_secret_hidden(&self) -> bool {
        let auth = self
            .hook
            .as_ref()
            .and_then(|h| h.channel.config.auth_scheme.as_ref());
        auth.is_some_and(|a| a.value.is_none())
    }

    pub fn verified_by_receiver(&self) -> bool {
        self.verification() == Some(&EventHookVerificationStatus::Verified) && self.answered >= 1
    }

    /// Whether the last fire delivered `expected` events, with the rest dropped by the filter
    /// and none failed.
    pub fn fired_as_expected(&self, expected: usize) -> bool {
        self.fired.as_ref().is_some_and(|summary| {
            let filtered: usize = summary.hooks.iter().map(|h| h.filtered_out).sum();
            let failed: usize = summary.hooks.iter().map(|h| h.failed).sum();
            summary.delivered() == expected
                && failed == 0
                && summary.fired.checked_sub(expected) == Some(filtered)
        })
    }

    pub fn events_received(&self) -> usize {
        self.received.iter().map(|d| d.data.events.len()).sum()
    }

    pub fn left_behind(&self) -> usize {
        self.left_behind
    }

    /// Whether `doctor` found every check `ok`.
    pub fn doctor_all_ok(&self) -> bool {
        self.doctor.as_ref().is_some_and(|r| {
            r.checks.len() == doctor::CHECKS.len()
                && r.checks.iter().all(|c| c.status == doctor::Status::Ok)
        })
    }

    pub fn hook_gone(&self) -> bool {
        let id = self.hook.as_ref().and_then(|h| h.id.as_deref());
        id.is_some() && self.listed.iter().all(|h| h.id.as_deref() != id)
    }

    // The actions.

    async fn start_emulator(&mut self) -> Result<Done> {
        let emulator = Emulator::builder()
            .token(TOKEN)
            .allow_http_loopback(true)
            .start("127.0.0.1:0")
            .await?;
        let client = Client::builder()
            .org_url(emulator.url())
            .api_token(TOKEN)
            .build()?;
        let line = format!("Okta API emulator at {}", emulator.url());
        self.emulator = Some(emulator);
        self.client = Some(client);
        Ok(Done::line(line))
    }

    /// Starts a receiver on a free loopback port that requires a fresh random secret.
    async fn start_receiver(&mut self, path: &str) -> Result<Done> {
        let secret = Secret::from(random_secret());
        let (receiver, inbox) = Receiver::builder()
            .path(path)
            .auth_header(AUTH_KEY, secret.clone())
            .build()?;
        let running = receiver.serve("127.0.0.1:0").await?;
        let line = format!("{} (requires the {AUTH_KEY} secret)", running.url());
        self.receivers.push(Endpoint {
            running,
            inbox,
            secret,
        });
        Ok(Done::line(line))
    }

    async fn create_hook(&mut self) -> Result<Done> {
        let endpoint = self.endpoint(FIRST)?;
        let hook = EventHook::builder(HOOK_NAME)
            .description("Created by `okta-eventhooks demo`")
            .channel(
                Channel::https(endpoint.running.url())?
                    .header(CUSTOM_HEADER, "okta-eventhooks-demo")
                    .auth_header(AUTH_KEY, endpoint.secret.clone()),
            )
            .events(Events::types(SUBSCRIBED).filter(FILTERED_TYPE, FILTER))
            .build()?;
        let created = self.client()?.create_event_hook(&hook).await?;
        let line = format!(
            "{} {:?}: {}, {}; {} event types, filter on {FILTERED_TYPE}",
            created.id.as_deref().unwrap_or("-"),
            created.name,
            show(&created.status),
            show(&created.verification_status),
            created.events.items.len(),
        );
        self.hook = Some(created);
        self.id()?;
        Ok(Done::line(line))
    }

    async fn get_hook(&mut self) -> Result<Done> {
        let hook = self.client()?.get_event_hook(self.id()?).await?;
        let config = &hook.channel.config;
        let headers: Vec<&str> = config
            .headers
            .iter()
            .filter_map(|h| h.key.as_deref())
            .collect();
        let line = format!(
            "uri {}, headers [{}], auth header {} (secret not returned: write-only)",
            okta_eventhooks::redact::text(&config.uri),
            headers.join(", "),
            config
                .auth_scheme
                .as_ref()
                .and_then(|a| a.key.as_deref())
                .unwrap_or("-"),
        );
        self.fetched = Some(hook.clone());
        self.hook = Some(hook);
        Ok(Done::line(line))
    }

    async fn verify(&mut self, receiver: usize) -> Result<Done> {
        let before = self.endpoint(receiver)?.running.stats().verifications;
        let hook = self.client()?.verify_event_hook(self.id()?).await?;
        self.answered = self.endpoint(receiver)?.running.stats().verifications - before;
        let line = format!(
            "{}: the receiver answered the challenge",
            show(&hook.verification_status)
        );
        self.hook = Some(hook);
        Ok(Done::line(line))
    }

    async fn fire(&mut self, request: FireRequest, note: &str) -> Result<Done> {
        let count = request.count();
        let summary = self.emulator()?.fire_with(request).await?;
        let line = format!("{} of {count} delivered{note}", summary.delivered());
        self.fired = Some(summary);
        Ok(Done::line(line))
    }

    /// Runs `doctor`'s checks on the hook through the SDK, with the first receiver's secret
    /// (Okta never returns it) and the events fired so far.
    async fn doctor(&mut self) -> Result<Done> {
        let mut options = doctor::Options::new(chrono::Utc::now() - chrono::TimeDelta::hours(1));
        options.event_type = Some(FILTERED_TYPE.to_owned());
        options.auth_value = Some(self.endpoint(FIRST)?.secret.clone());
        let report = doctor::run(self.client()?, self.id()?, &options).await?;
        let ok = report
            .checks
            .iter()
            .filter(|c| c.status == doctor::Status::Ok)
            .count();
        let line = format!("{ok} of {} checks ok", report.checks.len());
        let details = report
            .checks
            .iter()
            .map(|c| {
                format!(
                    "{:<10} {:<4}  {}",
                    c.name,
                    c.status.as_str(),
                    printable(&c.finding)
                )
            })
            .collect();
        self.doctor = Some(report);
        Ok(Done { line, details })
    }

    fn show_received(&mut self) -> Result<Done> {
        self.received = self.drain(FIRST)?;
        let stats = self.endpoint(FIRST)?.running.stats();
        let events: Vec<_> = self.received.iter().flat_map(|d| &d.data.events).collect();
        Ok(Done {
            line: format!(
                "{} events in {} deliveries ({} refused, {} duplicates)",
                events.len(),
                self.received.len(),
                stats.unauthorized + stats.malformed + stats.too_large,
                stats.duplicates,
            ),
            details: events.into_iter().map(event_line).collect(),
        })
    }

    fn show_moved(&mut self) -> Result<Done> {
        self.received = self.drain(SECOND)?;
        self.left_behind = self.drain(FIRST)?.len();
        Ok(Done::line(format!(
            "{} event; the old endpoint got none",
            self.events_received()
        )))
    }

    /// Moves the hook to the second receiver with its (rotated) secret.
    async fn replace_channel(&mut self) -> Result<Done> {
        let fetched = self
            .fetched
            .as_ref()
            .ok_or_else(|| out_of_order("get hook"))?;
        let endpoint = self.endpoint(SECOND)?;
        let mut next = fetched.to_request_body();
        next.channel.config.uri = endpoint.running.url();
        next.set_auth_secret(endpoint.secret.clone())?;
        let replaced = self.client()?.replace_event_hook(self.id()?, &next).await?;
        let line = format!(
            "uri {} with a rotated secret: {} (a new channel must be verified again)",
            okta_eventhooks::redact::text(&replaced.channel.config.uri),
            show(&replaced.verification_status),
        );
        self.hook = Some(replaced);
        Ok(Done::line(line))
    }

    // What the actions need from earlier steps.

    fn emulator(&self) -> Result<&Emulator> {
        self.emulator
            .as_ref()
            .ok_or_else(|| out_of_order("start emulator"))
    }

    fn client(&self) -> Result<&Client> {
        self.client
            .as_ref()
            .ok_or_else(|| out_of_order("start emulator"))
    }

    fn endpoint(&self, receiver: usize) -> Result<&Endpoint> {
        self.receivers
            .get(receiver)
            .ok_or_else(|| out_of_order("start receiver"))
    }

    fn id(&self) -> Result<&str> {
        self.hook
            .as_ref()
            .and_then(|h| h.id.as_deref())
            .ok_or_else(|| CliError::Internal("the created hook has no id".into()))
    }

    /// What a receiver queued. `fire` returns after the receiver acknowledged, and it queues
    /// before acknowledging, so nothing is still on its way.
    fn drain(&mut self, receiver: usize) -> Result<Vec<Delivery>> {
        let endpoint = self
            .receivers
            .get_mut(receiver)
            .ok_or_else(|| out_of_order("start receiver"))?;
        Ok(std::iter::from_fn(|| endpoint.inbox.try_recv().ok()).collect())
    }
}

/// A step ran before the one it depends on: a mistake in the script, not in the user's input.
fn out_of_order(needed: &str) -> CliError {
    CliError::Internal(format!(
        "demo script error: this step needs `{needed}` first"
    ))
}

fn show<T: Display>(value: &Option<T>) -> String {
    value.as_ref().map_or_else(|| "-".to_owned(), T::to_string)
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
