//! `reconcile`: which events a hook should have delivered over a window (from Okta's System
//! Log, through the hook's types and filters) are missing from the sink (the relay's JetStream
//! stream, or a file of seen uuids); `--replay` puts them in, `--watch` keeps doing it. The
//! round itself is the SDK's [`okta_eventhooks::reconcile::run`] over the sink.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use clap::{ArgGroup, Args};
use okta_eventhooks::logs::MAX_LIMIT;
use okta_eventhooks::reconcile::{self, RunOptions, Window};
use okta_eventhooks::sink::Sink;
use okta_eventhooks::{Client, EventHook};
use serde::Serialize;

use crate::context::Context;
use crate::error::{CliError, Result};
use crate::log_args::{LogArgs, LogFormat};
use crate::output::Printer;
use crate::secret_env::read_secret_env;
use crate::seen::SeenFile;
use crate::sink_args::{ReplayStreamArgs, SinkArgs};
use crate::target;

/// `reconcile` (its help is on the command in `main.rs`).
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("where").required(true).args(["sink", "stream", "seen"])))]
pub struct Reconcile {
    /// The hook: its id (who...) or its exact name.
    #[arg(long, value_name = "ID|NAME")]
    hook: String,

    /// Start of the window (of the events' `published` time): a time (2026-11-26T13:00:00Z) or
    /// how long ago (6h, 30m, 2d). With --watch, each round looks this far back.
    #[arg(long, value_name = "TIME", value_parser = crate::when::parse)]
    since: DateTime<Utc>,

    /// End of the window, in the same forms (default: --lag ago). Without it the System Log is
    /// read in Okta's polling mode, up to what Okta has persisted.
    #[arg(long, value_name = "TIME", value_parser = crate::when::parse, conflicts_with_all = ["watch", "lag"])]
    until: Option<DateTime<Utc>>,

    #[command(flatten)]
    sink: SinkArgs,

    #[command(flatten)]
    stream: ReplayStreamArgs,

    /// Instead of a stream: a file of the uuids your receiver has seen, one per line.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["sink", "stream"])]
    seen: Option<PathBuf>,

    /// Put the missing events in: published into the stream as the relay would (same subject,
    /// uuid as Nats-Msg-Id, header Okta-Replayed), or inserted into an SQL sink's table with
    /// replayed = true, so that replaying twice adds nothing; with
    /// --seen, POSTed to the hook's URI in Okta's envelope with its headers and the header
    /// X-Okta-Eventhooks-Replayed: true.
    #[arg(long)]
    replay: bool,

    /// With --seen --replay: environment variable holding the hook's auth value (Okta never
    /// returns it), sent in the hook's auth header.
    #[arg(long, value_name = "VAR", requires = "seen")]
    auth_value_env: Option<String>,

    /// Run until Ctrl-C: a round every --interval over the last --since, judging only events
    /// older than --lag. A failure that retrying can fix (network, 429, 5xx) is told and the
    /// next round tries again; any other ends the watch.
    #[arg(long)]
    watch: bool,

    /// Events younger than this are not judged yet: they may still be on their way (Okta's
    /// retry comes within seconds) or not yet in the System Log. The window ends this long ago.
    #[arg(long, value_name = "DURATION", default_value = "1m", value_parser = crate::duration::parse)]
    lag: Duration,

    /// With --watch: time between rounds.
    #[arg(long, value_name = "DURATION", default_value = "1m", value_parser = crate::duration::parse, requires = "watch")]
    interval: Duration,

    /// System Log events per request (1 to 1000).
    #[arg(long, value_name = "N", default_value_t = MAX_LIMIT, value_parser = clap::value_parser!(u32).range(1..=MAX_LIMIT as i64))]
    limit: u32,

    #[command(flatten)]
    log: LogArgs,
}

/// What one round printed with `-o json`: the report, what `--replay` did, and the hook's name.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Round {
    #[serde(flatten)]
    round: reconcile::Round,
    hook_name: String,
}

impl Reconcile {
    /// Its `--log-format` with --watch (a long run that logs its failures); `None` for one
    /// round.
    pub fn log_format(&self) -> Option<LogFormat> {
        self.watch.then_some(self.log.log_format)
    }

    /// One reconciliation (exit 2 when something is missing), or rounds until Ctrl-C.
    pub async fn run(self, ctx: &Context) -> Result<()> {
        if self.watch && self.interval.is_zero() {
            return Err(CliError::Usage(
                "--interval 0s: rounds without a pause would read the System Log without end (and meet Okta's rate limit); give a longer interval, e.g. 1m".into(),
            ));
        }
        let client = ctx.client()?;
        let sink = self.sink(ctx.printer()).await?;
        if self.replay {
            // Before the first round, so that a wrong target fails at once.
            sink.check_target().await?;
        }
        let lag = TimeDelta::from_std(self.lag)
            .map_err(|_| CliError::Usage("--lag is too long".into()))?;
        let options = RunOptions {
            replay: self.replay,
            page_size: Some(self.limit),
        };
        if !self.watch {
            let window = Window {
                since: self.since,
                until: self.until.unwrap_or_else(|| Utc::now() - lag),
                bounded: self.until.is_some(),
            };
            let round = self.round(client, sink.as_ref(), window, &options).await?;
            let printed = self.print(ctx, &round);
            // A closed pipe must not turn "something is missing" into success.
            if let Err(e) = printed
                && !matches!(e.root(), CliError::BrokenPipe)
            {
                return Err(e);
            }
            if !round.round.report.missing.is_empty() {
                return Err(CliError::FoundDifferences);
            }
            return Ok(());
        }
        let span = Utc::now() - self.since;
        let stop = crate::shutdown::requested();
        tokio::pin!(stop);
        loop {
            let until = Utc::now() - lag;
            let window = Window {
                since: until - span,
                until,
                bounded: true,
            };
            match self.round(client, sink.as_ref(), window, &options).await {
                Ok(round) => self.print(ctx, &round)?,
                // The next round's window covers this one's.
                Err(e) if is_transient(&e) => {
                    ctx.printer().warn(&format!("reconcile round failed: {e}"));
                }
                Err(e) => return Err(e),
            }
            tokio::select! {
                _ = &mut stop => return Ok(()),
                _ = tokio::time::sleep(self.interval) => {}
            }
        }
    }

    /// The sink the flags name.
    async fn sink(&self, printer: &Printer) -> Result<Box<dyn Sink>> {
        if let Some(path) = &self.seen {
            let secret = match &self.auth_value_env {
                Some(var) => Some(read_secret_env(var, "--auth-value-env")?),
                None => None,
            };
            return Ok(Box::new(SeenFile::new(path.clone(), secret)?));
        }
        self.sink.target(printer)?.open_existing(&self.stream).await
    }

    /// Reads the hook, then runs one round over `window`.
    async fn round(
        &self,
        client: &Client,
        sink: &dyn Sink,
        window: Window,
        options: &RunOptions,
    ) -> Result<Round> {
        let hook = self.hook(client).await?;
        let round = reconcile::run(client, &hook, sink, window, options).await?;
        Ok(Round {
            round,
            hook_name: hook.name,
        })
    }

    async fn hook(&self, client: &Client) -> Result<EventHook> {
        if target::looks_like_id(&self.hook) {
            return Ok(client.get_event_hook(&self.hook).await?);
        }
        let resolved = target::by_name(client, &self.hook).await?;
        match resolved.hook {
            Some(hook) => Ok(hook),
            None => Ok(client.get_event_hook(&resolved.id).await?),
        }
    }

    fn print(&self, ctx: &Context, round: &Round) -> Result<()> {
        ctx.printer().record(&round_text(round), round)
    }
}

fn round_text(round: &Round) -> String {
    let r = &round.round.report;
    let mut text = format!(
        "hook {} ({}), {} to {}: {} expected, {} present, {} missing, {} failed deliveries",
        crate::output::printable(&r.hook_id),
        crate::output::printable(&round.hook_name),
        r.since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        r.until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        r.expected,
        r.present,
        r.missing.len(),
        r.delivery_failures.len(),
    );
    for m in &r.missing {
        text.push_str(&format!(
            "\n  missing  {}  {}  {}",
            crate::output::printable(&m.published),
            crate::output::printable(&m.event_type),
            crate::output::printable(&m.uuid)
        ));
    }
    for f in &r.delivery_failures {
        text.push_str(&format!(
            "\n  failed delivery  {}  eventId {}  {} event(s)  {}",
            crate::output::printable(&f.published),
            crate::output::printable(f.delivery_event_id.as_deref().unwrap_or("-")),
            f.event_uuids.len(),
            crate::output::printable(f.reason.as_deref().unwrap_or("-")),
        ));
    }
    if let Some(replay) = &round.round.replay {
        text.push_str(&format!(
            "\nreplayed {} event(s); {} already stored",
            replay.replayed, replay.already_stored
        ));
    }
    text
}

/// Whether a failed round may succeed when tried again (network, rate limit, server error).
fn is_transient(error: &CliError) -> bool {
    matches!(
        error.exit(),
        crate::exit::Exit::RateLimited | crate::exit::Exit::Network | crate::exit::Exit::Server
    )
}
