//! `logs`: print System Log events, one line each (the form `listen` prints) or JSON lines,
//! over a time window, or following new ones as Okta persists them.

use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::Args;
use futures_util::StreamExt;
use okta_eventhooks::logs::{LogReader, MAX_LIMIT};

use crate::context::Context;
use crate::error::{CliError, Result};
use crate::output::Printer;

/// `logs`
#[derive(Debug, Args)]
pub struct Logs {
    /// Start of the window: a time (2026-11-26T13:00:00Z, 2026-11-26) or how long ago (30m, 1h,
    /// 2d). Okta's default is 7 days before --until.
    #[arg(long, value_name = "TIME", value_parser = crate::when::parse)]
    since: Option<DateTime<Utc>>,

    /// End of the window, in the same forms as --since. Without it, events are read up to what
    /// Okta has persisted so far.
    #[arg(long, value_name = "TIME", value_parser = crate::when::parse, conflicts_with = "follow")]
    until: Option<DateTime<Utc>>,

    /// Okta filter expression, e.g. 'outcome.result eq "FAILURE"' (Okta's SCIM-like syntax,
    /// double-quoted strings). Combined with --type by `and`.
    #[arg(long, value_name = "EXPR")]
    filter: Option<String>,

    /// Only events of this type, e.g. event_hook.delivery (repeatable: any of them).
    #[arg(long = "type", value_name = "TYPE")]
    types: Vec<String>,

    /// Case-insensitive keywords to search for (Okta's q parameter).
    #[arg(long, value_name = "WORDS")]
    search: Option<String>,

    /// Keep polling for new events until Ctrl-C (or --count), waiting --poll-interval whenever
    /// there is nothing new.
    #[arg(long)]
    follow: bool,

    /// Wait between polls once caught up (with --follow). The System Log's rate limit is low:
    /// each poll is one request.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = crate::duration::parse, requires = "follow")]
    poll_interval: Duration,

    /// Events per request (Okta's limit, 1 to 1000; Okta's default is 100). Larger pages
    /// mean fewer requests.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=MAX_LIMIT as i64))]
    limit: Option<u32>,

    /// Stop after printing this many events.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    count: Option<u64>,
}

impl Logs {
    /// Prints the events of the window, or follows new ones until Ctrl-C or `--count`.
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let mut query = ctx.client()?.logs().event_types(&self.types);
        if let Some(since) = self.since {
            query = query.since(since);
        }
        if let Some(until) = self.until {
            query = query.until(until);
        }
        if let Some(filter) = &self.filter {
            query = query.filter(filter);
        }
        if let Some(words) = &self.search {
            query = query.q(words);
        }
        if let Some(limit) = self.limit {
            query = query.limit(limit);
        }
        if self.follow {
            query = query.follow(self.poll_interval);
        }
        let mut reader = query.stream()?;
        let printer = ctx.printer();
        if self.follow {
            printer.note("following the System Log (Ctrl-C to stop)");
        }
        // The Ctrl-C listener is set up once, before the first request; a signal ends the
        // read between two events, and what was printed stays printed.
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        let printed = tokio::select! {
            printed = print(&mut reader, printer, self.count) => printed?,
            _ = &mut ctrl_c => {
                printer.note("stopped (Ctrl-C)");
                return Ok(());
            }
        };
        let ending = if reader.is_caught_up() {
            "; caught up with what Okta has persisted"
        } else {
            ""
        };
        printer.note(&format!(
            "{printed} event(s) in {} page(s){ending}",
            reader.pages()
        ));
        Ok(())
    }
}

/// Prints events until the read ends or pauses (caught up, without --follow), or `count` are
/// printed; the number printed.
async fn print(reader: &mut LogReader, printer: &Printer, count: Option<u64>) -> Result<u64> {
    let mut printed = 0;
    while count.is_none_or(|count| printed < count) {
        let Some(event) = reader.next().await else {
            break;
        };
        let event = event.map_err(|e| {
            let error = CliError::from(e);
            if printed > 0 {
                error.with_hint(format!(
                    "the {printed} event(s) before this error were printed; to go on, run again with --since after the last one"
                ))
            } else {
                error
            }
        })?;
        printer.event(&event)?;
        printed += 1;
    }
    Ok(printed)
}
