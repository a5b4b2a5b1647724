//! `activate`, `deactivate`, `delete` and `verify`: the lifecycle of an existing hook.

use std::io::{BufRead, IsTerminal, Read};
use std::time::Duration;

use clap::Args;
use okta_eventhooks::{EventHook, LifecycleStatus};

use crate::context::Context;
use crate::error::{CliError, Result};
use crate::output::{PlannedRequest, Printer};
use crate::target::{Target, hook_url};
use crate::verification::verify;

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
