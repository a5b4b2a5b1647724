//! `relay` and `consume`: Okta's deliveries into a NATS JetStream stream (Okta is answered
//! only once every event is stored), and the stream's events back out, one line each.

use std::time::Duration;

use clap::{Args, ValueEnum};
use futures_util::StreamExt;
use okta_eventhooks_relay::{
    DEFAULT_STREAM, DEFAULT_SUBJECT_PREFIX, JetStreamStore, RelayStats, RunningRelay, Storage,
    StreamSettings, consume,
};
use serde::Serialize;

use crate::context::Context;
use crate::endpoint_args::EndpointArgs;
use crate::error::{CliError, Result};
use crate::output::Printer;
use crate::sink_args::SinkArgs;

/// Where the stream keeps messages.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum StorageArg {
    /// On disk.
    File,
    /// In memory (lost when NATS stops; for tests and demos).
    Memory,
}

/// `relay` (its help is on the command in `main.rs`).
#[derive(Debug, Args)]
#[command(mut_arg("stream", |a| a.default_value(DEFAULT_STREAM)))]
pub struct Relay {
    #[command(flatten)]
    endpoint: EndpointArgs,

    /// Start without --auth-key: anyone who reaches the relay can write to the stream. For
    /// local use only.
    #[arg(long, conflicts_with_all = ["auth_key", "auth_value_env"])]
    insecure_no_auth: bool,

    #[command(flatten)]
    sink: SinkArgs,

    /// Events go to <prefix>.<eventType>; the stream holds <prefix>.>.
    #[arg(long, value_name = "PREFIX", default_value = DEFAULT_SUBJECT_PREFIX)]
    subject_prefix: String,

    /// Copies of each message in a JetStream cluster (3 or 5 in production).
    #[arg(long, value_name = "N", default_value_t = 1)]
    replicas: usize,

    /// Where the stream keeps messages.
    #[arg(long, value_enum, default_value_t = StorageArg::File)]
    storage: StorageArg,

    /// How long JetStream remembers an event's uuid to drop a repeat.
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = crate::duration::parse)]
    duplicate_window: Duration,

    /// Keep events this long in a stream the relay creates (default: for ever); the one limit
    /// accepted on an existing stream without --allow-retention-limits. Make it longer than any
    /// consumer may lag.
    #[arg(long, value_name = "DURATION", value_parser = crate::duration::parse)]
    max_age: Option<Duration>,

    /// Accept an existing stream whose max_msgs, max_bytes or max_msgs_per_subject (discard
    /// old) delete the oldest events: events acknowledged to Okta can then vanish.
    #[arg(long)]
    allow_retention_limits: bool,

    /// Time JetStream has to store a delivery before the answer is 503 (below Okta's 3 s).
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = crate::duration::parse)]
    deadline: Duration,
}

/// What `relay` prints (`-o json`: one JSON line each).
#[derive(Debug, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
enum RelayStatus<'a> {
    /// Ready: Okta may call `url`.
    Relaying {
        url: &'a str,
        stream: &'a str,
        subjects: &'a str,
        nats: &'a str,
    },
    /// Stopped after Ctrl-C or SIGTERM, with what was done.
    Stopped {
        deliveries: u64,
        events: u64,
        stored: u64,
        duplicates: u64,
        unauthorized: u64,
        malformed: u64,
        too_large: u64,
        not_stored: u64,
        verifications: u64,
    },
}

impl RelayStatus<'_> {
    fn stopped(stats: &RelayStats) -> Self {
        let r = &stats.receiver;
        Self::Stopped {
            deliveries: r.deliveries,
            events: r.events,
            stored: stats.published,
            duplicates: stats.duplicates,
            unauthorized: r.unauthorized,
            malformed: r.malformed,
            too_large: r.too_large,
            not_stored: r.not_stored,
            verifications: r.verifications,
        }
    }

    fn text(&self) -> String {
        match self {
            Self::Relaying {
                url,
                stream,
                subjects,
                nats,
            } => format!(
                "relaying {url} into JetStream stream {stream} ({subjects}) at {nats}; Ctrl-C to stop"
            ),
            Self::Stopped {
                deliveries,
                events,
                stored,
                duplicates,
                unauthorized,
                malformed,
                too_large,
                not_stored,
                verifications,
            } => format!(
                "relayed {events} event(s) in {deliveries} delivery(ies): {stored} stored, {duplicates} already stored; refused: {unauthorized} unauthorized, {malformed} malformed, {too_large} too large, {not_stored} not stored in time (503); {verifications} verification(s) answered"
            ),
        }
    }
}

impl Relay {
    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let printer = ctx.printer();
        let target = self.sink.nats(ctx.printer())?;
        let storage = match self.storage {
            StorageArg::File => Storage::File,
            StorageArg::Memory => Storage::Memory,
        };
        let settings = StreamSettings::new(&target.stream)
            .subject_prefix(&self.subject_prefix)
            .replicas(self.replicas)
            .storage(storage)
            .duplicate_window(self.duplicate_window)
            .max_age(self.max_age.unwrap_or_default())
            .allow_retention_limits(self.allow_retention_limits)
            .max_event_bytes(self.endpoint.max_body_bytes());
        let receiver = self
            .endpoint
            .receiver()?
            .insecure_no_auth(self.insecure_no_auth);
        if self.insecure_no_auth {
            printer
                .warn("--insecure-no-auth: every caller can write to the stream (local use only)");
        } else if !self.endpoint.has_auth() {
            return Err(CliError::Usage(
                "the relay needs the hook's shared secret: --auth-key HEADER --auth-value-env VAR (or --insecure-no-auth for local use)".into(),
            ));
        }
        // The settings and the deadline are checked before NATS is reached.
        let store =
            JetStreamStore::connect(&target.servers, &settings, Some(self.deadline)).await?;
        let relay = RunningRelay::start(receiver, store, &self.endpoint.addr()).await?;
        RelayStatus::Relaying {
            url: &relay.url(),
            stream: relay.stream(),
            subjects: &settings.subjects(),
            nats: &target.servers.to_string(),
        }
        .print(printer);
        crate::shutdown::requested().await;
        let stats = relay.shutdown().await?;
        RelayStatus::stopped(&stats).print(printer);
        Ok(())
    }
}

impl RelayStatus<'_> {
    /// A closed stdout must not stop the relay: a failed write is ignored.
    fn print(&self, printer: &Printer) {
        let _ = printer.record(&self.text(), self);
    }
}

/// `consume` (its help is on the command in `main.rs`).
#[derive(Debug, Args)]
#[command(mut_arg("stream", |a| a.default_value(DEFAULT_STREAM)))]
pub struct Consume {
    /// The durable consumer's name (created if missing).
    #[arg(long, value_name = "NAME")]
    durable: String,

    /// Only events on these subjects, e.g. okta.events.user.> (an existing consumer must
    /// have the same filter).
    #[arg(long, value_name = "FILTER")]
    subject: Option<String>,

    /// Stop after printing and acknowledging this many events.
    #[arg(long, value_name = "N")]
    count: Option<u64>,

    #[command(flatten)]
    sink: SinkArgs,
}

impl Consume {
    /// Prints events until Ctrl-C, SIGTERM or --count.
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let printer = ctx.printer();
        let target = self.sink.nats(ctx.printer())?;
        let client = target.servers.connect("okta-eventhooks consume").await?;
        let js = okta_eventhooks_relay::async_nats::jetstream::new(client);
        let mut events =
            consume(&js, &target.stream, &self.durable, self.subject.as_deref()).await?;
        printer.note(&format!(
            "consuming stream {} as {} at {}; Ctrl-C to stop",
            target.stream, self.durable, target.servers
        ));
        let stop = crate::shutdown::requested();
        tokio::pin!(stop);
        let mut printed = 0;
        while self.count.is_none_or(|limit| printed < limit) {
            let next = tokio::select! {
                next = events.next() => next,
                () = &mut stop => break,
            };
            let received = match next {
                None => break,
                Some(Ok(received)) => received,
                // Not an event (it stays in the stream and is not sent again): say so, go on.
                Some(Err(e @ okta_eventhooks_relay::Error::Decode { .. })) => {
                    printer.warn(&e.to_string());
                    continue;
                }
                Some(Err(e)) => return Err(e.into()),
            };
            printer.event(&received.event)?;
            received.ack().await?;
            printed += 1;
        }
        Ok(())
    }
}
