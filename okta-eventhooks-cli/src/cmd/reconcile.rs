//! `reconcile`: which events a hook should have delivered over a window (from Okta's System
//! Log, through the hook's types and filters) are missing from the sink (the relay's JetStream
//! stream, or a file of seen uuids); `--replay` puts them in, `--watch` keeps doing it.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use clap::Args;
use futures_util::StreamExt;
use okta_eventhooks::bytes::Bytes;
use okta_eventhooks::events::{LogEvent, delivery_body};
use okta_eventhooks::hook_call::{Caller, Failure, HookTarget};
use okta_eventhooks::limits::{self, SEEN_FILE};
use okta_eventhooks::logs::{MAX_LIMIT, MAX_QUERY_BYTES};
use okta_eventhooks::reconcile::{DELIVERY_FAILURE_EVENT_TYPE, Reconciliation, Report, Selection};
use okta_eventhooks::{Client, EventHook, Secret};
use okta_eventhooks_relay::{DEFAULT_STREAM, DEFAULT_SUBJECT_PREFIX, Replayed};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;

use crate::cmd::listen::read_secret_env;
use crate::cmd::relay::NatsArgs;
use crate::cmd::target;
use crate::context::Context;
use crate::error::{CliError, Result};

/// Events per replayed POST (`--seen`), as Okta batches them.
const REPLAY_BATCH: usize = 50;

/// How long a replayed POST may take (Okta gives a hook 3 s; a replay can wait longer).
const REPLAY_TIMEOUT: Duration = Duration::from_secs(10);

/// The header that marks a replayed POST (`--seen --replay`).
const REPLAYED_HEADER: HeaderName = HeaderName::from_static("x-okta-eventhooks-replayed");

/// `reconcile` (its help is on the command in `main.rs`).
#[derive(Debug, Args)]
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

    /// The JetStream stream the relay writes to.
    #[arg(
        long,
        value_name = "NAME",
        required_unless_present = "seen",
        conflicts_with = "seen"
    )]
    stream: Option<String>,

    #[command(flatten)]
    nats: NatsArgs,

    /// The relay's subject prefix (events are on <prefix>.<eventType>).
    #[arg(long, value_name = "PREFIX", default_value = DEFAULT_SUBJECT_PREFIX, conflicts_with = "seen")]
    subject_prefix: String,

    /// Instead of a stream: a file of the uuids your receiver has seen, one per line.
    #[arg(long, value_name = "FILE")]
    seen: Option<PathBuf>,

    /// Put the missing events in: published into the stream as the relay would (same subject,
    /// uuid as Nats-Msg-Id, header Okta-Replayed), so that replaying twice adds nothing; with
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
}

/// Where the events should be.
enum Sink {
    Stream {
        // Boxed: the context is large, and there is one sink per run.
        js: Box<okta_eventhooks_relay::async_nats::jetstream::Context>,
        stream: String,
        prefix: String,
    },
    Seen {
        path: PathBuf,
        secret: Option<Secret>,
        /// Replays POST as Okta does: no redirects followed (a 3xx is a failure, and the auth
        /// header never goes to another host), one retry.
        http: Caller,
    },
}

/// What one round printed with `-o json`: the report, and what `--replay` did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Round {
    #[serde(flatten)]
    report: Report,
    hook_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    replay: Option<ReplayCounts>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct ReplayCounts {
    /// Events put into the sink now.
    replayed: usize,
    /// Events the stream already had (a replay that ran before).
    already_stored: usize,
}

impl Reconcile {
    /// One reconciliation (exit 2 when something is missing), or rounds until Ctrl-C.
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let client = ctx.client()?;
        let sink = self.sink().await?;
        let lag = TimeDelta::from_std(self.lag)
            .map_err(|_| CliError::Usage("--lag is too long".into()))?;
        // Events replayed by POST in an earlier round (uuid, published): the seen file does
        // not learn of them. Forgotten once older than the window, so a watch stays bounded.
        let mut replayed = HashMap::new();
        if !self.watch {
            let until = self.until.unwrap_or_else(|| Utc::now() - lag);
            let round = self
                .round(
                    client,
                    &sink,
                    self.since,
                    until,
                    self.until.is_some(),
                    &mut replayed,
                )
                .await?;
            let printed = self.print(ctx, &round);
            // A closed pipe must not turn "something is missing" into success.
            if let Err(e) = printed
                && !matches!(e.root(), CliError::BrokenPipe)
            {
                return Err(e);
            }
            if !round.report.missing.is_empty() {
                return Err(CliError::FoundDifferences);
            }
            return Ok(());
        }
        let span = Utc::now() - self.since;
        let stop = crate::shutdown::requested();
        tokio::pin!(stop);
        loop {
            let until = Utc::now() - lag;
            match self
                .round(client, &sink, until - span, until, true, &mut replayed)
                .await
            {
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

    async fn sink(&self) -> Result<Sink> {
        if let Some(path) = &self.seen {
            let secret = match &self.auth_value_env {
                Some(var) => Some(read_secret_env(var, "--auth-value-env")?),
                None => None,
            };
            let http = Caller::with_timeout(REPLAY_TIMEOUT)
                .map_err(|e| CliError::Internal(format!("cannot set up the HTTP client: {e}")))?;
            return Ok(Sink::Seen {
                path: path.clone(),
                secret,
                http,
            });
        }
        let stream = self.stream.clone().unwrap_or_else(|| DEFAULT_STREAM.into());
        let nats = self
            .nats
            .servers()?
            .connect("okta-eventhooks-reconcile")
            .await?;
        let js = okta_eventhooks_relay::async_nats::jetstream::new(nats);
        if self.replay {
            okta_eventhooks_relay::check_replay_target(&js, &stream, &self.subject_prefix).await?;
        }
        Ok(Sink::Stream {
            js: Box::new(js),
            stream,
            prefix: self.subject_prefix.clone(),
        })
    }

    /// Reads the hook, the sink and the System Log over `[since, until)` (a bounded read when
    /// `bounded`, else Okta's polling read up to now); replays if asked.
    async fn round(
        &self,
        client: &Client,
        sink: &Sink,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        bounded: bool,
        replayed: &mut HashMap<String, DateTime<Utc>>,
    ) -> Result<Round> {
        if since >= until {
            return Err(CliError::Usage(format!(
                "the window is empty: --since {since} is not before its end {until}"
            )));
        }
        let mut present = match sink {
            Sink::Stream { js, stream, prefix } => {
                okta_eventhooks_relay::stored_uuids(
                    js,
                    stream,
                    Some(&format!("{prefix}.>")),
                    Some(since),
                    Some(until),
                )
                .await?
            }
            Sink::Seen { path, .. } => read_seen(path)?,
        };
        replayed.retain(|_, published| *published >= since);
        present.extend(replayed.keys().cloned());
        let hook = self.hook(client).await?;
        let hook_id = hook.id.clone().unwrap_or_default();
        let selection = Selection::of(&hook)?;
        let mut run = Reconciliation::new(selection.clone(), &hook_id, since, until, &present);
        let mut query = client.logs().since(since).limit(self.limit);
        if bounded {
            query = query.until(until);
        }
        // Only the hook's types and its failures, when the filter fits in a URL; otherwise
        // every event, sorted out here.
        let mut types = selection.event_types();
        types.push(DELIVERY_FAILURE_EVENT_TYPE);
        let filter_bytes: usize = types
            .iter()
            .map(|t| t.len() + r#"eventType eq "" or "#.len())
            .sum();
        if filter_bytes < MAX_QUERY_BYTES {
            query = query.event_types(types);
        }
        // A bounded read ends by itself; a polling one (no --until) once caught up.
        let mut events = query.stream()?;
        while let Some(event) = events.next().await {
            run.observe(event?)?;
        }
        let (report, missing) = run.finish();
        let replay = if self.replay && !missing.is_empty() {
            let counts = replay(client, sink, &hook, &missing).await?;
            if matches!(sink, Sink::Seen { .. }) {
                replayed.extend(
                    missing
                        .iter()
                        .filter_map(|e| Some((e.uuid.clone()?, e.published_at()?))),
                );
            }
            Some(counts)
        } else {
            None
        };
        Ok(Round {
            report,
            hook_name: hook.name,
            replay,
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

/// The uuids in a `--seen` file: one per line, blank lines and `#` comments skipped.
fn read_seen(path: &std::path::Path) -> Result<HashSet<String>> {
    let text = limits::read_file(path, SEEN_FILE)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect())
}

async fn replay(
    client: &Client,
    sink: &Sink,
    hook: &EventHook,
    missing: &[LogEvent],
) -> Result<ReplayCounts> {
    let hook_id = hook.id.as_deref().unwrap_or_default();
    let mut counts = ReplayCounts::default();
    match sink {
        Sink::Stream { js, stream, prefix } => {
            let org = url::Url::parse(client.org_url())
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned));
            for event in missing {
                let json = serde_json::to_vec(event)
                    .map_err(|e| CliError::Internal(format!("cannot encode an event: {e}")))?;
                let stored = okta_eventhooks_relay::replay(
                    js,
                    stream,
                    prefix,
                    Replayed {
                        uuid: event.uuid.as_deref().unwrap_or_default(),
                        event_type: event.event_type.as_deref(),
                        json: Bytes::from(json),
                        event_hook_id: hook_id,
                        org: org.as_deref(),
                    },
                )
                .await?;
                if stored {
                    counts.replayed += 1;
                } else {
                    counts.already_stored += 1;
                }
            }
        }
        Sink::Seen { secret, http, .. } => {
            let values: Vec<serde_json::Value> = missing
                .iter()
                .map(serde_json::to_value)
                .collect::<Result<_, _>>()
                .map_err(|e| CliError::Internal(format!("cannot encode an event: {e}")))?;
            for batch in values.chunks(REPLAY_BATCH) {
                let refs: Vec<&serde_json::Value> = batch.iter().collect();
                post(client, http, hook, secret.as_ref(), &refs).await?;
                counts.replayed += batch.len();
            }
        }
    }
    Ok(counts)
}

/// One replayed POST to the hook's URI, as Okta sends it (the SDK's `hook_call`: headers,
/// one retry), marked as replayed.
async fn post(
    client: &Client,
    http: &Caller,
    hook: &EventHook,
    secret: Option<&Secret>,
    events: &[&serde_json::Value],
) -> Result<()> {
    let hook_id = hook.id.as_deref().unwrap_or_default();
    let config = &hook.channel.config;
    let event_id = okta_eventhooks::ids::uuid_v4();
    let body = delivery_body(client.org_url(), hook_id, &event_id, events)
        .map_err(|e| CliError::Internal(format!("cannot encode a delivery: {e}")))?;
    let mut target = HookTarget::of(hook);
    if let Some(key) = config.auth_scheme.as_ref().and_then(|a| a.key.as_deref()) {
        let Some(secret) = secret else {
            return Err(CliError::Usage(format!(
                "the hook sends its secret in {key}; give its value with --auth-value-env VAR to replay"
            )));
        };
        target.auth = Some((key, secret));
    }
    let replayed = HeaderMap::from_iter([(REPLAYED_HEADER, HeaderValue::from_static("true"))]);
    let uri = okta_eventhooks::redact::text(&config.uri);
    match http
        .deliver(&target, body.into(), &replayed, |_| {})
        .await
        .failure
    {
        None => Ok(()),
        Some(Failure::Status { status, .. }) => Err(CliError::Refused(format!(
            "the hook endpoint {uri} answered the replayed delivery with {}",
            reqwest::StatusCode::from_u16(status).map_or(status.to_string(), |s| s.to_string())
        ))),
        Some(failure) => Err(CliError::Internal(format!(
            "replay to {uri} failed: {failure}"
        ))),
    }
}

fn round_text(round: &Round) -> String {
    let r = &round.report;
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
    if let Some(replay) = &round.replay {
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
