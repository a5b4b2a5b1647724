//! `activate`, `deactivate`, `delete` and `verify`: the lifecycle of an existing hook.

use std::io::{BufRead, IsTerminal, Read};
use std::time::Duration;

use clap::Args;
use okta_eventhooks::{Client, EventHook, LifecycleStatus};

use crate::cmd::target::Target;
use crate::context::Context;
use crate::error::{CliError, Result};
use crate::output::{PlannedRequest, Printer};

/// The URL of a hook (or one of its lifecycle operations), as the SDK would call it.
pub fn hook_url(client: &Client, id: &str, suffix: &str) -> String {
    let mut url = format!("{}/api/v1/eventHooks/", client.org_url());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            url.push(byte as char);
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url.push_str(suffix);
    url
}

/// `activate`
#[derive(Debug, Args)]
pub struct Activate {
    #[command(flatten)]
    target: Target,
    /// Print the request instead of sending it.
    #[arg(long)]
    dry_run: bool,
}

impl Activate {
    /// Activates the hook.
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let client = ctx.client()?;
        let id = self.target.resolve(client).await?.id;
        if self.dry_run {
            let url = hook_url(client, &id, "/lifecycle/activate");
            return ctx
                .printer()
                .dry_run(&[PlannedRequest::new("POST", url, None)?]);
        }
        let hook = client.activate_event_hook(&id).await?;
        ctx.printer().note(&format!("activated event hook {id}"));
        ctx.printer().hook(&hook)
    }
}

/// `deactivate`
#[derive(Debug, Args)]
pub struct Deactivate {
    #[command(flatten)]
    target: Target,
    /// Print the request instead of sending it.
    #[arg(long)]
    dry_run: bool,
}

impl Deactivate {
    /// Deactivates the hook.
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let client = ctx.client()?;
        let id = self.target.resolve(client).await?.id;
        if self.dry_run {
            let url = hook_url(client, &id, "/lifecycle/deactivate");
            return ctx
                .printer()
                .dry_run(&[PlannedRequest::new("POST", url, None)?]);
        }
        let hook = client.deactivate_event_hook(&id).await?;
        ctx.printer().note(&format!("deactivated event hook {id}"));
        ctx.printer().hook(&hook)
    }
}

/// `delete`
#[derive(Debug, Args)]
pub struct Delete {
    #[command(flatten)]
    target: Target,
    /// Deactivate an active hook first (Okta deletes only inactive hooks).
    #[arg(long)]
    force: bool,
    /// Do not ask for confirmation (it is asked only on a terminal).
    #[arg(short, long)]
    yes: bool,
    /// Print the request(s) instead of sending them.
    #[arg(long)]
    dry_run: bool,
}

impl Delete {
    /// Deletes the hook, after the checks.
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let client = ctx.client()?;
        let resolved = self.target.resolve(client).await?;
        let id = resolved.id;
        if self.dry_run {
            let mut planned = Vec::new();
            if self.force {
                let url = hook_url(client, &id, "/lifecycle/deactivate");
                planned.push(PlannedRequest::new("POST", url, None)?);
            }
            planned.push(PlannedRequest::new(
                "DELETE",
                hook_url(client, &id, ""),
                None,
            )?);
            return ctx.printer().dry_run(&planned);
        }
        let hook = match resolved.hook {
            Some(hook) => hook,
            None => client.get_event_hook(&id).await?,
        };
        let active = hook.status == Some(LifecycleStatus::Active);
        if active && !self.force {
            return Err(CliError::Refused(format!(
                "event hook {id} ({:?}) is ACTIVE, and Okta deletes only inactive hooks; nothing was changed",
                hook.name
            ))
            .with_hint(format!(
                "pass --force to deactivate and then delete it, or run `okta-eventhooks deactivate {id}` first"
            )));
        }
        if !self.yes && std::io::stdin().is_terminal() && !confirm(ctx.printer(), &hook, active)? {
            return Err(CliError::Refused("not deleted".into()));
        }
        if active {
            client.deactivate_event_hook(&id).await?;
            ctx.printer().note(&format!("deactivated event hook {id}"));
        }
        client.delete_event_hook(&id).await?;
        ctx.printer()
            .note(&format!("deleted event hook {id} ({:?})", hook.name));
        Ok(())
    }
}

/// Asks on the terminal; anything but y/yes declines.
fn confirm(printer: &Printer, hook: &EventHook, active: bool) -> Result<bool> {
    let id = hook.id.as_deref().unwrap_or("?");
    let first = if active { "deactivate and " } else { "" };
    printer.prompt(&format!(
        "{first}delete event hook {id} ({:?})? This cannot be undone. [y/N] ",
        hook.name
    ));
    let mut answer = String::new();
    // An answer is a word: a line without end (a pasted file) is not read whole.
    std::io::stdin()
        .lock()
        .take(1024)
        .read_line(&mut answer)
        .map_err(|e| CliError::Usage(format!("cannot read the answer: {e}")))?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// `verify`
#[derive(Debug, Args)]
pub struct Verify {
    #[command(flatten)]
    target: Target,
    /// Keep trying until the endpoint answers or this much time has passed (default 60s), and
    /// explain a failure in plain words.
    #[arg(long, value_name = "DURATION", num_args = 0..=1, default_missing_value = "60s",
          value_parser = crate::duration::parse)]
    wait: Option<Duration>,
    /// Pause between attempts with --wait.
    #[arg(long, value_name = "DURATION", default_value = "3s", value_parser = crate::duration::parse)]
    interval: Duration,
    /// Print the request instead of sending it.
    #[arg(long)]
    dry_run: bool,
}

impl Verify {
    /// Verifies the hook, retrying with `--wait`.
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let client = ctx.client()?;
        let id = self.target.resolve(client).await?.id;
        if self.dry_run {
            let url = hook_url(client, &id, "/lifecycle/verify");
            return ctx
                .printer()
                .dry_run(&[PlannedRequest::new("POST", url, None)?]);
        }
        let hook = verify(ctx, &id, self.wait, self.interval).await?;
        ctx.printer().hook(&hook)
    }
}

/// Asks Okta to verify `id`; with `wait`, tries again every `interval` until it works or the
/// time is up. A final failure comes back with a plain-words explanation.
pub async fn verify(
    ctx: &Context,
    id: &str,
    wait: Option<Duration>,
    interval: Duration,
) -> Result<EventHook> {
    let client = ctx.client()?;
    let give_up_at = wait.map(|w| tokio::time::Instant::now() + w);
    loop {
        match client.verify_event_hook(id).await {
            Ok(hook) => {
                ctx.printer().note(&format!("verified event hook {id}"));
                return Ok(hook);
            }
            Err(e) if is_verification_failure(&e) => {
                let retry = give_up_at.is_some_and(|t| tokio::time::Instant::now() + interval < t);
                if retry {
                    ctx.printer().note(&format!(
                        "not verified yet; trying again in {}",
                        humantime::format_duration(interval)
                    ));
                    tokio::time::sleep(interval).await;
                    continue;
                }
                return Err(explain_failure(client, id, e).await);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Okta answers a failed verification with 400 `E0000001`.
fn is_verification_failure(e: &okta_eventhooks::Error) -> bool {
    e.status() == Some(400) && e.okta_error_code() == Some("E0000001")
}

/// Turns a failed verification into what Okta did and what the endpoint must do.
async fn explain_failure(client: &Client, id: &str, e: okta_eventhooks::Error) -> CliError {
    // Best effort: the hook's endpoint and headers make the explanation concrete.
    let hook = client.get_event_hook(id).await.ok();
    let (uri, extra) = match &hook {
        Some(hook) => {
            let config = &hook.channel.config;
            let mut names: Vec<&str> = config
                .auth_scheme
                .iter()
                .filter_map(|a| a.key.as_deref())
                .collect();
            names.extend(config.headers.iter().filter_map(|h| h.key.as_deref()));
            let extra = if names.is_empty() {
                String::new()
            } else {
                format!(", plus the configured header(s) {}", names.join(", "))
            };
            (
                okta_eventhooks::redact::text(&config.uri).into_owned(),
                extra,
            )
        }
        None => ("the hook's URI".to_owned(), String::new()),
    };
    let mut error = CliError::from(e)
        .with_hint(format!(
            "Okta sent a one-time GET request to {uri} with the header X-Okta-Verification-Challenge: <random value>{extra}"
        ))
        .with_hint(format!(
            "the endpoint must answer within {} seconds with HTTP 200, Content-Type: application/json and the body {{\"verification\": \"<that same value>\"}} (Okta tries twice)",
            okta_eventhooks::hook_call::OKTA_TIMEOUT.as_secs()
        ))
        .with_hint(
            "check that the endpoint is reachable from the internet over HTTPS with a publicly trusted certificate, and that it accepts the auth header",
        );
    if hook
        .as_ref()
        .is_some_and(|h| h.status == Some(LifecycleStatus::Inactive))
    {
        error = error.with_hint(format!(
            "the hook is INACTIVE; activate it first with `okta-eventhooks activate {id}`"
        ));
    }
    error
}
