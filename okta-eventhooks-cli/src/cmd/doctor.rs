//! `doctor`: why a hook receives nothing. Parses, calls the SDK's
//! [`okta_eventhooks::doctor::run`] (for one hook, or every hook of a manifest in every org,
//! concurrently as `plan` does) and prints one line per check.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{ArgGroup, Args};
use okta_eventhooks::doctor::{self, Options, Report, Status};
use okta_eventhooks::rules::UnknownEventTypes;

use crate::ascode::orgs::{self, DEFAULT_PARALLEL};
use crate::context::Context;
use crate::error::{CliError, Result};
use crate::manifest::{self, secrets};
use crate::output::{Printer, printable};
use crate::secret_env::read_secret_env;

/// The long help of `doctor`.
pub const HELP: &str = "\
Check, in the order of Okta's delivery pipeline, why a hook receives nothing

For each check: ok, warn, fail or skip (with why), a one-line finding and the
fix (the command, where there is one). The checks that need only the API run
first: hook (exists, by id or exact name; a near name is suggested), active,
verified, subscribed (--event-type is among its types and hook-eligible).
Then the receiver: reachable (Okta's verification call: challenge, headers,
3 s, one retry) and auth (the same call without the auth header must be
refused). Then the System Log over --since (at most 10,000 events per read,
newest first, said when capped): filter (the type's filter over its real
events: how many would be delivered, the deciding term for one that would
not; Okta's Preview ignores filters), deliveries (event_hook.delivery
failures of the hook) and volume (events a day against Okta's 400,000; warn
from 280,000). One API call per hook, plus the System Log reads.

Exit codes: 0 every check ok (or skipped), 2 a warning or failure found,
1 could not run (configuration, API error, usage).

Examples:
  okta-eventhooks doctor --hook audit-sink --event-type user.session.start
  okta-eventhooks doctor --hook who8vt36qfNpCGz9H1e6 --since 6h \\
    --auth-value-env HOOK_SECRET
  okta-eventhooks doctor -f hooks.yaml --org prod
  okta-eventhooks -o json doctor --hook audit-sink | jq '.checks[]'";

/// `doctor`
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("which").required(true).args(["hook", "file"])))]
pub struct Doctor {
    /// The hook: its id or its exact name.
    #[arg(long, value_name = "ID|NAME")]
    hook: Option<String>,

    /// The event type that does not arrive (default: every subscribed type).
    #[arg(long, value_name = "TYPE", conflicts_with = "file")]
    event_type: Option<String>,

    /// Start of the System Log window: a time (2026-11-26T13:00:00Z) or how long ago (24h,
    /// 30m, 2d).
    #[arg(long, value_name = "TIME", default_value = "24h", value_parser = crate::when::parse)]
    since: DateTime<Utc>,

    /// Environment variable holding the hook's auth value (Okta never returns it), so that
    /// `reachable` makes Okta's call with it.
    #[arg(long, value_name = "VAR", conflicts_with = "file")]
    auth_value_env: Option<String>,

    /// Every hook of this manifest (see `okta-eventhooks manifest schema`), in every org;
    /// the auth values are read from its valueFrom sources.
    #[arg(short = 'f', long, value_name = "PATH")]
    file: Option<PathBuf>,

    /// With -f: only this org of the manifest (repeatable; default: every org).
    #[arg(long = "org", value_name = "NAME", requires = "file")]
    orgs: Vec<String>,

    /// With -f: how many orgs are checked at once.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PARALLEL,
          value_parser = clap::value_parser!(u16).range(1..=256), requires = "file")]
    parallel: u16,
}

impl Doctor {
    /// Runs the checks and prints them; exit 2 when a check warns or fails.
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let reports = match (&self.file, &self.hook) {
            (Some(file), _) => self.manifest(ctx, file).await?,
            (None, Some(hook)) => {
                let mut options = Options::new(self.since);
                options.event_type = self.event_type.clone();
                if let Some(var) = &self.auth_value_env {
                    options.auth_value = Some(read_secret_env(var, "--auth-value-env")?);
                }
                vec![Ok(doctor::run(ctx.client()?, hook, &options).await?)]
            }
            (None, None) => return Err(CliError::Usage("give --hook or -f".into())),
        };
        let printer = ctx.printer();
        let mut problems = false;
        let mut first_error = None;
        for report in reports {
            match report {
                Ok(report) => {
                    problems |= report.found_problems();
                    printer.record(&table(printer, &report), &report)?;
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None if problems => Err(CliError::FoundDifferences),
            None => Ok(()),
        }
    }

    /// Every hook of the manifest in every chosen org, orgs concurrently (bounded).
    async fn manifest(&self, ctx: &Context, file: &std::path::Path) -> Result<Vec<Result<Report>>> {
        let loaded = manifest::load(file, UnknownEventTypes::Allowed)?;
        let orgs = orgs::select(ctx, &loaded, &self.orgs)?;
        let in_manifest = !loaded.manifest.orgs.is_empty();
        let per_org = orgs::each(&orgs, usize::from(self.parallel), |org| {
            let hooks = loaded.hooks_for(in_manifest.then_some(org.name.as_str()));
            let dir = loaded.source.dir.clone();
            let since = self.since;
            async move {
                let mut reports = Vec::new();
                for (name, spec) in hooks {
                    let mut options = Options::new(since);
                    // A secret that cannot be read now only makes `reachable` skip.
                    options.auth_value = spec
                        .auth
                        .as_ref()
                        .and_then(|a| secrets::resolve(&a.value_from, &dir).ok());
                    let report = doctor::run(&org.client, &name, &options)
                        .await
                        .map(|mut r| {
                            r.org = org.name.clone();
                            r
                        })
                        .map_err(CliError::from);
                    reports.push(report);
                }
                reports
            }
        })
        .await;
        Ok(per_org.into_iter().flatten().collect())
    }
}

/// One heading line, then one line per check.
fn table(printer: &Printer, report: &Report) -> String {
    let mut text = printer.painted(
        "1",
        &format!("{} in {}", printable(&report.hook), printable(&report.org)),
    );
    for check in &report.checks {
        let status = check.status.as_str();
        let colour = match check.status {
            Status::Ok => "32",
            Status::Warn => "33",
            Status::Fail => "31",
            Status::Skip => "2",
        };
        text.push_str(&format!(
            "\n  {:<10} {}  {}",
            check.name,
            printer.painted(colour, &format!("{status:<4}")),
            printable(&check.finding)
        ));
        if let Some(fix) = &check.fix {
            text.push_str(&format!(" — fix: {}", printable(fix)));
        }
    }
    text
}
