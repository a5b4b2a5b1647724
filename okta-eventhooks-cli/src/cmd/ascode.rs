//! `plan`, `apply` and `export`: event hooks as code, across one or many orgs.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use okta_eventhooks::apply::{Action, Outcome};
use okta_eventhooks::rules::UnknownEventTypes;
use serde::Serialize;

use crate::ascode::apply::{self, Settings, StepResult};
use crate::ascode::orgs::{self, DEFAULT_PARALLEL, Org};
use crate::ascode::plan::Options;
use crate::ascode::probe::Prober;
use crate::ascode::{self, Plan, export, render};
use crate::context::Context;
use crate::error::{CliError, Result};
use crate::manifest::{self, Loaded};
use crate::output::OutputFormat;

/// What `plan` and `apply` share.
#[derive(Debug, Args)]
#[command(next_help_heading = "Manifest")]
pub struct ManifestRun {
    /// The manifest: YAML or JSON (- for stdin). See `okta-eventhooks manifest schema`.
    #[arg(short = 'f', long, value_name = "PATH")]
    file: PathBuf,

    /// Only this org of the manifest's orgs: (repeatable; default: every org).
    #[arg(long = "org", value_name = "NAME")]
    orgs: Vec<String>,

    /// Also delete the org's hooks that the manifest does not name (deactivated first).
    #[arg(long)]
    prune: bool,

    /// Replace every hook that has an auth secret, sending the secret again: Okta never
    /// returns it, so a changed secret cannot be seen otherwise.
    #[arg(long)]
    rotate_secrets: bool,

    /// Accept event types Okta's catalog does not list (see `okta-eventhooks event-types
    /// --all`), e.g. one Okta added since; types Okta does not allow in hooks stay refused.
    #[arg(long)]
    allow_unknown_event_type: bool,

    /// How many orgs are worked on at once.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PARALLEL,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    parallel: u16,
}

impl ManifestRun {
    fn options<'a>(&self, loaded: &'a Loaded) -> Options<'a> {
        Options {
            prune: self.prune,
            rotate_secrets: self.rotate_secrets,
            dir: &loaded.source.dir,
        }
    }

    /// Reads the manifest, picks the orgs and plans them.
    async fn plan(&self, ctx: &Context) -> Result<(Loaded, Vec<Org>, Plan)> {
        let allow = self.allow_unknown_event_type;
        let loaded = manifest::load(&self.file, UnknownEventTypes::allowed_if(allow))?;
        let mut orgs = orgs::select(ctx, &loaded, &self.orgs)?;
        for org in &mut orgs {
            org.client = org.client.allow_unknown_event_types(allow);
        }
        orgs::refuse_same_org(ctx, &orgs, usize::from(self.parallel)).await?;
        let progress = ctx.printer().progress();
        let plan = ascode::plan_orgs(
            &orgs,
            &loaded,
            self.options(&loaded),
            usize::from(self.parallel),
            &progress,
        )
        .await;
        Ok((loaded, orgs, plan))
    }
}

/// The long help of `plan`.
pub const PLAN_HELP: &str = "\
Show what apply would change to make the orgs match a manifest (hooks as code).

Reads each org of the manifest (one list each, concurrently) and prints per org
what apply would do to each hook: create, replace (with the fields that
differ), activate, deactivate, verify, and delete with --prune. Read-only
fields and the order of event types, headers and filters do not count; secrets
are never compared or shown (Okta never returns the auth secret). Secrets the
manifest refers to that cannot be read now are listed.

Examples:
  okta-eventhooks plan -f hooks.yaml
  okta-eventhooks plan -f hooks.yaml --org prod --detailed-exitcode
  okta-eventhooks -o json plan -f hooks.yaml | jq '.orgs[].hooks[].actions'";

/// `plan`
#[derive(Debug, Args)]
pub struct PlanCmd {
    /// Exit 0 when there is nothing to change, 2 when there are changes, 1 on any error
    /// (instead of the usual codes), as `terraform plan -detailed-exitcode`.
    #[arg(long)]
    detailed_exitcode: bool,

    // Flattened last: its help heading applies to what follows it.
    #[command(flatten)]
    run: ManifestRun,
}

impl PlanCmd {
    /// Whether the exit code is 0/2/1 (see `main`).
    pub fn detailed_exitcode(&self) -> bool {
        self.detailed_exitcode
    }

    /// Prints what apply would do.
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let (_, _, plan) = self.run.plan(ctx).await?;
        ctx.printer().result(&render::plan(&plan), &plan)?;
        if let Some((message, exit)) = plan.first_problem() {
            return Err(CliError::Incomplete { message, exit });
        }
        if self.detailed_exitcode && plan.changes > 0 {
            return Err(CliError::FoundDifferences);
        }
        Ok(())
    }
}

/// The long help of `apply`: its phases are the SDK's table
/// ([`okta_eventhooks::apply::PHASES`]), so that the help says the order the engine follows.
pub fn apply_help() -> String {
    let mut help = String::from(
        "\
Make the orgs match a manifest, in a safe order (hooks as code).

Plans as `plan` does, asks (unless --yes), then per org, phase by phase:
",
    );
    for (number, phase) in okta_eventhooks::apply::PHASES.iter().enumerate() {
        let at_once = if phase.concurrent {
            " (all at once)"
        } else {
            ""
        };
        let line = format!(
            "{}. {}{at_once}: {}",
            number + 1,
            phase.name,
            phase.description
        );
        help.push_str(&wrapped(&line, "  ", "     "));
    }
    help.push_str(
        "\
A receiver not ready is probed again while --verify-timeout lasts; hooks to
delete are those the manifest does not name, with --prune. A failed step skips
only the later steps of its hook. The summary lists every step as done, failed
(with Okta's error and request id) or skipped; running apply again does what is
left. Applying a manifest twice writes nothing.

Examples:
  okta-eventhooks apply -f hooks.yaml
  okta-eventhooks apply -f hooks.yaml --yes --verify-timeout 2m --org dev",
    );
    help
}

/// `text` in lines of at most 80 columns, the first indented by `first`, the others by `rest`.
fn wrapped(text: &str, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_owned();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.len() + 1 + word.len() > 80 {
            out.push_str(&line);
            out.push('\n');
            line = rest.to_owned();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// `apply`
#[derive(Debug, Args)]
pub struct ApplyCmd {
    /// Do not ask for confirmation (needed when stdin is not a terminal).
    #[arg(short, long)]
    yes: bool,

    /// Wait up to this long for a receiver that is not ready yet (probed with backoff) and for
    /// Okta's verification: seconds (30) or with a unit (2m); 0, the default, does not wait.
    #[arg(long, value_name = "DURATION", default_value = "0", value_parser = crate::duration::parse)]
    verify_timeout: Duration,

    /// Verify without probing the receiver first (when this machine cannot reach it the way
    /// Okta can).
    #[arg(long)]
    skip_probe: bool,

    // Flattened last: its help heading applies to what follows it.
    #[command(flatten)]
    run: ManifestRun,
}

/// What `apply -o json` prints.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Applied<'a> {
    plan: &'a Plan,
    steps: &'a [StepResult],
    done: usize,
    failed: usize,
    skipped: usize,
}

impl ApplyCmd {
    /// Plans, asks, and carries the plan out.
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let printer = ctx.printer();
        let (loaded, orgs, plan) = self.run.plan(ctx).await?;
        printer.table_only(&render::plan(&plan))?;
        if plan.changes > 0 {
            self.check_secrets(&loaded, &plan)?;
            self.confirm(ctx, &plan)?;
        }
        let prober = Prober::new()?;
        let settings = Settings {
            prober: &prober,
            verify_timeout: self.verify_timeout,
            skip_probe: self.skip_probe,
            dir: &loaded.source.dir,
        };
        let progress = printer.progress();
        let pairs: Vec<(&Org, &ascode::OrgPlan)> = orgs.iter().zip(&plan.orgs).collect();
        let per_org = orgs::each(&pairs, usize::from(self.run.parallel), |(org, org_plan)| {
            let steps = apply::step_count(&org_plan.hooks, self.skip_probe);
            let bar = progress.bar(&org.name, steps as u64);
            let settings = &settings;
            async move {
                let results = match &org_plan.error {
                    Some(error) => vec![StepResult {
                        org: org.name.clone(),
                        hook: "-".into(),
                        step: "read".into(),
                        result: Outcome::Failed,
                        detail: "the org's hooks could not be listed; nothing was changed".into(),
                        error: Some(error.clone()),
                    }],
                    None => {
                        apply::apply_org(&org.name, &org.client, &org_plan.hooks, settings, &bar)
                            .await
                    }
                };
                let failed = results.iter().any(|r| r.result == Outcome::Failed);
                bar.finish(if failed { "failed" } else { "done" });
                results
            }
        })
        .await;
        progress.clear();
        let steps: Vec<StepResult> = per_org.into_iter().flatten().collect();
        let count = |outcome| steps.iter().filter(|s| s.result == outcome).count();
        let applied = Applied {
            plan: &plan,
            steps: &steps,
            done: count(Outcome::Done),
            failed: count(Outcome::Failed),
            skipped: count(Outcome::Skipped),
        };
        if plan.changes == 0 && steps.is_empty() {
            printer.note("nothing to do: every org matches the manifest");
            return printer.result("", &applied).map(|_| ());
        }
        printer.result(&render::summary(&steps), &applied)?;
        match steps.iter().find_map(|s| s.error.as_ref()) {
            Some(first) => Err(CliError::Incomplete {
                message: format!(
                    "apply did not finish: {} step{} failed, {} skipped; the first: {}",
                    applied.failed,
                    if applied.failed == 1 { "" } else { "s" },
                    applied.skipped,
                    first.message
                ),
                exit: first.exit,
            }),
            None => Ok(()),
        }
    }

    /// Every secret a write or a probe needs must be readable before anything is sent.
    fn check_secrets(&self, loaded: &Loaded, plan: &Plan) -> Result<()> {
        let mut missing = Vec::new();
        for org in &plan.orgs {
            for hook in &org.hooks.hooks {
                let writes = hook.actions.iter().any(|a| {
                    matches!(a, Action::Create | Action::Replace)
                        || (*a == Action::Verify && !self.skip_probe)
                });
                let Some(spec) = hook.spec.as_ref().filter(|_| writes) else {
                    continue;
                };
                for (used_for, value_from) in spec.references() {
                    if let Err(problem) = manifest::secrets::resolve(value_from, &loaded.source.dir)
                    {
                        missing.push(format!(
                            "org {}, hook {}, {used_for}: {problem}",
                            org.org, hook.name
                        ));
                    }
                }
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        Err(CliError::Usage(format!(
            "apply needs secrets that cannot be read; nothing was sent:\n  {}",
            missing.join("\n  ")
        )))
    }

    /// Asks on a terminal; refuses without one unless `--yes`.
    fn confirm(&self, ctx: &Context, plan: &Plan) -> Result<()> {
        if self.yes {
            return Ok(());
        }
        let orgs = plan
            .orgs
            .iter()
            .filter(|o| o.hooks.action_count() > 0)
            .count();
        let what = format!(
            "{} action{} in {orgs} org{}",
            plan.changes,
            if plan.changes == 1 { "" } else { "s" },
            if orgs == 1 { "" } else { "s" }
        );
        let printer = ctx.printer();
        if !printer.can_ask() {
            return Err(CliError::Refused(format!(
                "apply would carry out {what}, and stdin is not a terminal to confirm on; nothing was changed"
            ))
            .with_hint("review with `okta-eventhooks plan`, then pass --yes"));
        }
        printer.prompt(&format!("Carry out {what}? [y/N] "));
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map_err(|e| CliError::Usage(format!("cannot read the answer: {e}")))?;
        if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            Ok(())
        } else {
            Err(CliError::Refused("not applied; nothing was changed".into()))
        }
    }
}

/// `export`
#[derive(Debug, Args)]
pub struct ExportCmd {
    /// Export the org of this okta.yaml profile, and name it in the manifest's orgs: (default:
    /// the usual configuration, and no orgs:).
    #[arg(long = "org", value_name = "PROFILE")]
    org: Option<String>,

    /// Write this custom header's value as it is (repeatable). Other header values, like the
    /// auth secret, become valueFrom placeholders: the SDK treats them as secrets.
    #[arg(long = "literal-header", value_name = "NAME")]
    literal_headers: Vec<String>,
}

impl ExportCmd {
    /// Prints the org's hooks as a manifest (YAML, or JSON with `-o json`).
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let client = match &self.org {
            Some(profile) => {
                if let Some(flag) = ctx.org_flag() {
                    return Err(CliError::Usage(format!(
                        "{flag} cannot be used with --org (the org is the profile's)"
                    )));
                }
                ctx.org_client(Some(profile))?.client
            }
            None => ctx.client()?.clone(),
        };
        if let Some(name) = self
            .literal_headers
            .iter()
            .find(|n| manifest::secrets::looks_like_credential(n))
        {
            return Err(CliError::Usage(format!(
                "--literal-header {name}: the name looks like a credential, and a manifest takes such a value only by reference (valueFrom)"
            )));
        }
        let hooks = client.list_event_hooks().await?;
        let exported = export::export(&hooks, self.org.as_deref(), &self.literal_headers)
            .map_err(CliError::Refused)?;
        let printer = ctx.printer();
        match printer.format() {
            OutputFormat::Json => printer.result("", &export::json(&exported))?,
            OutputFormat::Table | OutputFormat::Yaml => {
                let text = export::yaml(&exported, client.org_url())
                    .map_err(|e| crate::error::encode_error("YAML", e))?;
                printer.verbatim(&text)?;
            }
        }
        printer.note(&format!(
            "exported {} hook{} of {}",
            hooks.len(),
            if hooks.len() == 1 { "" } else { "s" },
            client.org_url()
        ));
        for hook in &exported.userinfo_dropped {
            printer.warn(&format!(
                "the URI of hook {hook:?} holds a user name and password; the manifest has the URI without them (a manifest takes secrets only by reference): move the credential to auth before apply, which would otherwise remove it"
            ));
        }
        if !exported.placeholders.is_empty() {
            let names: Vec<&str> = exported
                .placeholders
                .iter()
                .map(|p| p.env.as_str())
                .collect();
            printer.note(&format!(
                "Okta never returns secrets: set {} before apply",
                names.join(", ")
            ));
        }
        Ok(())
    }
}
