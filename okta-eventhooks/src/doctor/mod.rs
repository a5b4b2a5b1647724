//! "Why is my hook not receiving events?": the causes, checked in the order of Okta's delivery
//! pipeline. [`run`] looks up one hook and returns one [`Check`] per step, each `ok`, `warn`,
//! `fail` or `skip` (with why), a one-line finding and the fix (the `okta-eventhooks` command,
//! where there is one).
//!
//! | check | what it looks at |
//! |---|---|
//! | `hook` | the hook exists (by id or exact name; a near name is suggested) |
//! | `active` | status `ACTIVE` |
//! | `verified` | verificationStatus `VERIFIED` (a changed channel must be verified again) |
//! | `subscribed` | the event type asked about is among its types and hook-eligible (catalog, with near names) |
//! | `filter` | the type's filter over the newest real events of that type in the System Log |
//! | `reachable` | the receiver answers Okta's verification call ([`crate::hook_call`]: challenge, headers, 3 s, one retry) |
//! | `auth` | the receiver refuses the same call without the auth header |
//! | `deliveries` | the hook's `event_hook.delivery` failures in the window |
//! | `volume` | events of the subscribed types a day against Okta's daily limit |
//!
//! Cost: one API call (the hook list, which finds a hook by id or by name and gives the near
//! names), the receiver's two calls, and two bounded System Log reads (the subscribed types,
//! newest first, at most [`MAX_EVENTS`]; the hook's delivery failures, at most as many). The
//! API-only checks run first.
//!
//! ```no_run
//! use okta_eventhooks::doctor::{self, Options, Status};
//! # async fn run(client: &okta_eventhooks::Client) -> okta_eventhooks::Result<()> {
//! let since = chrono::Utc::now() - chrono::TimeDelta::hours(24);
//! let report = doctor::run(client, "audit-sink", &Options::new(since)).await?;
//! for check in report.checks.iter().filter(|c| c.status != Status::Ok) {
//!     println!("{}: {} ({})", check.name, check.finding, check.fix.as_deref().unwrap_or("-"));
//! }
//! # Ok(()) }
//! ```
//!
//! Choices where Okta is silent: the auth value is write-only, so `reachable` makes Okta's call
//! with it only when the caller has it ([`Options::auth_value`]); without it, a receiver that
//! refuses the call is `skip` there and `ok` for `auth`. `volume` counts only this hook's
//! subscribed types (Okta's limit is per org, over every hook); when the read is capped it
//! extrapolates from the time span of the events it read.

mod log_checks;
mod lookup;
mod receiver;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::client::Client;
use crate::error::Result;
use crate::secret::Secret;

/// Most System Log events read for `filter` and `volume` (and for `deliveries`).
pub const MAX_EVENTS: usize = 10_000;
/// Okta's limit of hook-applicable events per org and 24 hours.
pub const DAILY_LIMIT: u64 = 400_000;
/// Where Okta warns in the System Log (70 % of the limit).
pub const DAILY_WARNING: u64 = 280_000;

/// The checks, in the order they are reported.
pub const CHECKS: [&str; 9] = [
    "hook",
    "active",
    "verified",
    "subscribed",
    "filter",
    "reachable",
    "auth",
    "deliveries",
    "volume",
];

/// What one check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Nothing wrong here.
    Ok,
    /// Could not be checked (the finding says why).
    Skip,
    /// Works, but something deserves a look.
    Warn,
    /// A cause of missing events.
    Fail,
}

impl Status {
    /// `ok`, `skip`, `warn` or `fail`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Skip => "skip",
            Self::Warn => "warn",
            Self::Fail => "fail",
        }
    }
}

/// One check's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// One of [`CHECKS`].
    pub name: &'static str,
    /// What it found.
    pub status: Status,
    /// One line: what was seen.
    pub finding: String,
    /// What to do about it (a command where there is one).
    pub fix: Option<String>,
}

impl Check {
    pub(crate) fn new(name: &'static str, status: Status, finding: impl Into<String>) -> Self {
        Self {
            name,
            status,
            finding: finding.into(),
            fix: None,
        }
    }

    pub(crate) fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

/// What `doctor` found for one hook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The hook as asked for (id or name).
    pub hook: String,
    /// The org (its URL; a caller may put a name in its place).
    pub org: String,
    /// One per [`CHECKS`], in that order.
    pub checks: Vec<Check>,
}

impl Report {
    /// Whether any check warns or fails.
    pub fn found_problems(&self) -> bool {
        self.checks
            .iter()
            .any(|c| matches!(c.status, Status::Warn | Status::Fail))
    }
}

/// What to check.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Options {
    /// The event type that does not arrive; without it, every subscribed type.
    pub event_type: Option<String>,
    /// Start of the System Log window (its end is now).
    pub since: DateTime<Utc>,
    /// The hook's `authScheme.value` (Okta never returns it), to make Okta's call with it.
    pub auth_value: Option<Secret>,
    /// Most System Log events read per read (at most [`MAX_EVENTS`]).
    pub max_events: usize,
}

impl Options {
    /// Every subscribed type since `since`, no auth value, [`MAX_EVENTS`].
    pub fn new(since: DateTime<Utc>) -> Self {
        Self {
            event_type: None,
            since,
            auth_value: None,
            max_events: MAX_EVENTS,
        }
    }
}

/// Runs every check on the hook `hook` (an id or an exact name). An error means doctor could
/// not run (configuration, API error); what it found about the hook is in the report.
pub async fn run(client: &Client, hook: &str, options: &Options) -> Result<Report> {
    let mut report = Report {
        hook: hook.to_owned(),
        org: client.org_url().to_owned(),
        checks: Vec::new(),
    };
    let (found, check) = lookup::find(client, hook).await?;
    report.checks.push(check);
    let Some(found) = found else {
        let why = "no hook to check";
        report.checks.extend(
            CHECKS[1..]
                .iter()
                .map(|name| Check::new(name, Status::Skip, why)),
        );
        return Ok(report);
    };
    let id = found.id.clone().unwrap_or_else(|| hook.to_owned());
    // The API-only checks first, then the receiver, then the System Log reads.
    report.checks.push(lookup::active(&found, &id));
    report.checks.push(lookup::verified(&found, &id));
    let subscribed = lookup::subscribed(&found, &id, options.event_type.as_deref());
    let (reachable, auth) = receiver::check(&found, &id, options.auth_value.as_ref()).await?;
    let logs = log_checks::check(client, &found, &id, options).await?;
    report.checks.push(subscribed);
    report.checks.push(logs.filter);
    report.checks.push(reachable);
    report.checks.push(auth);
    report.checks.push(logs.deliveries);
    report.checks.push(logs.volume);
    Ok(report)
}
