//! `relay` and `consume`: Okta's deliveries into a sink (an SQLite file, a PostgreSQL
//! database or a NATS JetStream stream; Okta is answered only once every event is stored),
//! and the sink's events back out, one line each.

use std::time::Duration;

use clap::{Args, ValueEnum};
use futures_util::StreamExt;
use okta_eventhooks_receiver::ReceiverStats;
use okta_eventhooks_relay::{
    DEFAULT_ACK_WAIT, DEFAULT_SUBJECT_PREFIX, JetStreamStore, ReceivedEvent, RunningRelay, Storage,
    StreamSettings, check_consumer, consume_batched,
};
use okta_eventhooks_sql::SqlSink;
use serde::Serialize;

use crate::admin_args::AdminArgs;
use crate::context::Context;
use crate::endpoint_args::EndpointArgs;
use crate::error::{CliError, Result};
use crate::exec::{Exec, ExecFailure, backoff};
use crate::inspect_args::InspectArgs;
use crate::log_args::{LogArgs, LogFormat};
use crate::output::Printer;
use crate::sink_args::{NatsTarget, SinkArgs, SinkTarget, SqlDatabase};

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
// Every setting also from the environment, so that a container needs no command line.
#[command(mut_arg("port", |a| relay_env(a, "OKTA_EVENTHOOKS_RELAY_PORT")))]
#[command(mut_arg("bind", |a| relay_env(a, "OKTA_EVENTHOOKS_RELAY_BIND")))]
#[command(mut_arg("path", |a| relay_env(a, "OKTA_EVENTHOOKS_RELAY_PATH")))]
#[command(mut_arg("auth_key", |a| relay_env(a, "OKTA_EVENTHOOKS_RELAY_AUTH_KEY")))]
#[command(mut_arg("auth_value_env", |a| relay_env(a, "OKTA_EVENTHOOKS_RELAY_AUTH_VALUE_ENV")))]
#[command(mut_arg("max_body_bytes", |a| relay_env(a, "OKTA_EVENTHOOKS_RELAY_MAX_BODY_BYTES")))]
#[command(mut_arg("insecure_no_auth", |a| relay_env(a, "OKTA_EVENTHOOKS_RELAY_INSECURE_NO_AUTH")))]
#[command(mut_arg("sink", |a| relay_env(a, "OKTA_EVENTHOOKS_RELAY_SINK")))]
#[command(mut_arg("table", |a| relay_env(a, "OKTA_EVENTHOOKS_RELAY_TABLE")))]
#[command(mut_arg("stream", |a| relay_env(a, "OKTA_EVENTHOOKS_RELAY_STREAM")))]
#[command(mut_arg("subject_prefix", |a| relay_env(a, "OKTA_EVENTHOOKS_RELAY_SUBJECT_PREFIX")))]
#[command(mut_arg("replicas", |a| relay_env(a, "OKTA_EVENTHOOKS_RELAY_REPLICAS")))]
#[command(mut_arg("storage", |a| relay_env(a, "OKTA_EVENTHOOKS_RELAY_STORAGE")))]
#[command(mut_arg("duplicate_window", |a| relay_env(a, "OKTA_EVENTHOOKS_RELAY_DUPLICATE_WINDOW")))]
#[command(mut_arg("deadline", |a| relay_env(a, "OKTA_EVENTHOOKS_RELAY_DEADLINE")))]
#[command(mut_arg("admin_addr", |a| relay_env(a, "OKTA_EVENTHOOKS_RELAY_ADMIN_ADDR")))]
#[command(mut_arg("drain_delay", |a| relay_env(a, "OKTA_EVENTHOOKS_RELAY_DRAIN_DELAY")))]
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

    /// Time the sink has to store a delivery before the answer is 503 (below Okta's 3 s).
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = crate::duration::parse)]
    deadline: Duration,

    #[command(flatten)]
    admin: AdminArgs,

    #[command(flatten)]
    inspect: InspectArgs,

    /// On SIGTERM or Ctrl-C: /readyz answers 503 at once, deliveries are still answered for
    /// this long (so that a load balancer stops sending), then the relay stops accepting,
    /// answers every delivery in flight and exits 0.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = crate::duration::parse)]
    drain_delay: Duration,

    #[command(flatten)]
    log: LogArgs,
}

/// The environment variable of a relay setting, listed in `--help` (values hidden: the help
/// must not depend on the environment it is read in).
fn relay_env(arg: clap::Arg, var: &'static str) -> clap::Arg {
    arg.env(var).hide_env_values(true)
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
    /// Ready, into an SQL database: Okta may call `url`.
    #[serde(rename = "relaying")]
    RelayingSql {
        url: &'a str,
        database: &'a str,
        table: &'a str,
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
    /// What the receiver answered, and the sink's counts of events stored and already stored.
    fn stopped(r: &ReceiverStats, (stored, duplicates): (u64, u64)) -> Self {
        Self::Stopped {
            deliveries: r.deliveries,
            events: r.events,
            stored,
            duplicates,
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
            Self::RelayingSql {
                url,
                database,
                table,
            } => format!("relaying {url} into {database}, table {table}; Ctrl-C to stop"),
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
    /// Its `--log-format`.
    pub fn log_format(&self) -> LogFormat {
        self.log.log_format
    }

    /// Serves until Ctrl-C or SIGTERM, then drains.
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let printer = ctx.printer();
        let target = self.sink.target()?;
        let receiver = self
            .endpoint
            .receiver()?
            .insecure_no_auth(self.insecure_no_auth);
        if self.insecure_no_auth {
            printer.warn("--insecure-no-auth: every caller can write to the sink (local use only)");
        } else if !self.endpoint.has_auth() {
            return Err(CliError::Usage(
                "the relay needs the hook's shared secret: --auth-key HEADER --auth-value-env VAR (or --insecure-no-auth for local use)".into(),
            ));
        }
        match target {
            SinkTarget::Nats(target) => self.relay_jetstream(printer, receiver, target).await,
            SinkTarget::Sql {
                database,
                table,
                default,
            } => {
                if default {
                    printer.note(&format!(
                        "no --sink, --nats or NATS_URL: storing into sqlite:{} in the working directory",
                        crate::sink_args::DEFAULT_SQLITE
                    ));
                }
                self.relay_sql(printer, receiver, &database, table).await
            }
        }
    }

    async fn relay_jetstream(
        &self,
        printer: &Printer,
        receiver: okta_eventhooks_receiver::ReceiverBuilder,
        target: NatsTarget,
    ) -> Result<()> {
        let storage = match self.storage {
            StorageArg::File => Storage::File,
            StorageArg::Memory => Storage::Memory,
        };
        let settings = StreamSettings::new(&target.stream)
            .subject_prefix(&self.subject_prefix)
            .replicas(self.replicas)
            .storage(storage)
            .duplicate_window(self.duplicate_window);
        // The settings and the deadline are checked before NATS is reached.
        let store =
            JetStreamStore::connect(&target.servers, &settings, Some(self.deadline)).await?;
        let (receiver, inspector) = self.inspect.attach(receiver);
        let relay = RunningRelay::start(receiver, store, &self.endpoint.addr()).await?;
        // Up before the ready line, so that whoever reads it can probe at once.
        let admin_server = self.admin.serve(&relay.admin(), printer).await?;
        let _inspector = (self.inspect)
            .serve_replaying_to(inspector, &relay.url(), &self.endpoint, printer)
            .await?;
        RelayStatus::Relaying {
            url: &relay.url(),
            stream: relay.stream(),
            subjects: &settings.subjects(),
            nats: &target.servers.to_string(),
        }
        .print(printer);
        crate::shutdown::requested().await;
        self.note_drain(printer);
        let stats = relay.drain(self.drain_delay).await?;
        if let Some(mut server) = admin_server {
            let _ = server.stop().await;
        }
        RelayStatus::stopped(&stats.receiver, (stats.published, stats.duplicates)).print(printer);
        Ok(())
    }

    /// Says that the drain began and how long deliveries are still answered.
    fn note_drain(&self, printer: &Printer) {
        printer.note(&format!(
            "draining: not ready from now on, answering for {} more, then stopping",
            humantime::format_duration(self.drain_delay)
        ));
    }

    async fn relay_sql(
        &self,
        printer: &Printer,
        receiver: okta_eventhooks_receiver::ReceiverBuilder,
        database: &SqlDatabase,
        table: okta_eventhooks_sql::TableName,
    ) -> Result<()> {
        if let Some(warning) = database.warning() {
            printer.warn(warning);
        }
        okta_eventhooks_receiver::check_sink_deadline(self.deadline)?;
        let table_name = table.to_string();
        let sink: SqlSink = database.open(table).await?;
        let listener = okta_eventhooks_receiver::serve::bind(&self.endpoint.addr()).await?;
        let (receiver, inspector) = self.inspect.attach(receiver);
        let running = receiver
            .sink_deadline(self.deadline)
            .build_with_sink(sink.clone())?
            .serve_on(listener)?;
        // Up before the ready line, so that whoever reads it can probe at once.
        let admin_server = self.admin.serve(&running.admin(), printer).await?;
        let _inspector = (self.inspect)
            .serve_replaying_to(inspector, &running.url(), &self.endpoint, printer)
            .await?;
        RelayStatus::RelayingSql {
            url: &running.url(),
            database: sink.database(),
            table: &table_name,
        }
        .print(printer);
        crate::shutdown::requested().await;
        self.note_drain(printer);
        let stats = running.drain(self.drain_delay).await?;
        if let Some(mut server) = admin_server {
            let _ = server.stop().await;
        }
        RelayStatus::stopped(&stats, sink.counts()).print(printer);
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
pub struct Consume {
    /// The durable consumer's name (created if missing).
    #[arg(long, value_name = "NAME")]
    durable: String,

    /// Only events on these subjects, e.g. okta.events.user.> (an existing consumer must
    /// have the same filter). JetStream only.
    #[arg(long, value_name = "FILTER")]
    subject: Option<String>,

    /// Only events of this type (repeatable); the cursor passes the others. SQL sinks only.
    #[arg(long = "type", value_name = "TYPE")]
    types: Vec<String>,

    /// Stop after printing and acknowledging this many events.
    #[arg(long, value_name = "N")]
    count: Option<u64>,

    /// Instead of printing, run CMD (with sh -c) once per event, the event's JSON on its
    /// stdin; the event is acknowledged only when CMD exits 0, and comes again later
    /// (1 s, 2 s, 4 s... up to 5 min) otherwise: at least once, for scripts.
    #[arg(long, value_name = "CMD")]
    exec: Option<String>,

    /// With --exec: time CMD has per event before it is killed (and the event comes again).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = crate::duration::parse, requires = "exec")]
    exec_timeout: Duration,

    #[command(flatten)]
    sink: SinkArgs,

    #[command(flatten)]
    log: LogArgs,
}

impl Consume {
    /// Its `--log-format`.
    pub fn log_format(&self) -> LogFormat {
        self.log.log_format
    }

    /// Prints (or runs --exec on) events until Ctrl-C, SIGTERM or --count.
    pub async fn run(self, ctx: &Context) -> Result<()> {
        match self.sink.target()? {
            SinkTarget::Nats(target) => {
                if !self.types.is_empty() {
                    return Err(CliError::Usage(
                        "--type is for SQL sinks; on a JetStream stream use --subject okta.events.TYPE".into(),
                    ));
                }
                self.consume_jetstream(ctx, target).await
            }
            SinkTarget::Sql {
                database, table, ..
            } => {
                if self.subject.is_some() {
                    return Err(CliError::Usage(
                        "--subject is for a JetStream stream; on an SQL sink use --type".into(),
                    ));
                }
                if let Some(warning) = database.warning() {
                    ctx.printer().warn(warning);
                }
                let sink = database.open(table).await?;
                self.consume_sql(ctx, &sink).await
            }
        }
    }

    async fn consume_jetstream(&self, ctx: &Context, target: NatsTarget) -> Result<()> {
        let printer = ctx.printer();
        // Before NATS is asked: it takes a bad name for a missing resource, or times out.
        check_consumer(&self.durable, self.subject.as_deref())?;
        if self.exec_timeout.is_zero() {
            return Err(CliError::Usage(
                "--exec-timeout 0s would kill every command at once: give it time, e.g. 30s".into(),
            ));
        }
        let exec = self
            .exec
            .clone()
            .map(|command| Exec::new(command, self.exec_timeout));
        let client = target.servers.connect("okta-eventhooks consume").await?;
        let js = okta_eventhooks_relay::async_nats::jetstream::new(client);
        // A command takes a while per event: pull one at a time, so that none waits in a
        // batch past its ack wait (and comes again while the first copy is still waiting).
        let batch = exec.as_ref().map(|_| 1);
        let mut events = consume_batched(
            &js,
            &target.stream,
            &self.durable,
            self.subject.as_deref(),
            batch,
        )
        .await?;
        printer.note(&format!(
            "consuming stream {} as {} at {}; Ctrl-C to stop",
            target.stream, self.durable, target.servers
        ));
        let stop = crate::shutdown::requested();
        tokio::pin!(stop);
        let mut done = 0;
        while self.count.is_none_or(|limit| done < limit) {
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
            let Some(exec) = &exec else {
                // Acknowledged once written to stdout: what a reader of the pipe then does
                // with it is not known here (see the command's help).
                printer.event(&received.event)?;
                received.ack().await?;
                done += 1;
                continue;
            };
            // Ctrl-C waits for the command at hand: its event is then acknowledged or
            // returned, not left to the ack wait.
            match run_keeping_alive(exec, &received).await {
                Ok(()) => {
                    received.ack().await?;
                    done += 1;
                }
                Err(failure) => {
                    let delay = backoff(received.delivered);
                    printer.warn(&format!(
                        "event {} (delivery {}): {}; it comes again in {}",
                        received.event.uuid.as_deref().unwrap_or("without uuid"),
                        received.delivered,
                        failure.0,
                        humantime::format_duration(delay)
                    ));
                    received.retry_later(delay).await?;
                }
            }
        }
        Ok(())
    }

    /// Reads after the durable cursor in `seq` order, printing each event and then moving
    /// the cursor past it; polls while there is nothing new.
    async fn consume_sql(&self, ctx: &Context, sink: &SqlSink) -> Result<()> {
        let printer = ctx.printer();
        printer.note(&format!(
            "consuming {} as {}; Ctrl-C to stop",
            sink.database(),
            self.durable
        ));
        let stop = crate::shutdown::requested();
        tokio::pin!(stop);
        let mut printed = 0;
        loop {
            let left = self.count.map(|limit| limit - printed);
            if left == Some(0) {
                return Ok(());
            }
            let batch = SQL_READ_BATCH.min(left.map_or(usize::MAX, |l| l as usize));
            let events = sink.read_after(&self.durable, &self.types, batch).await?;
            if events.is_empty() {
                tokio::select! {
                    () = &mut stop => return Ok(()),
                    () = tokio::time::sleep(SQL_POLL) => continue,
                }
            }
            for stored in events {
                match stored.event() {
                    Ok(event) => {
                        printer.event(&event)?;
                        printed += 1;
                    }
                    // Not an event (written by something else): say so, go on.
                    Err(e) => printer.warn(&format!(
                        "row {} is not a System Log event: {e}",
                        stored.seq
                    )),
                }
                sink.advance(&self.durable, stored.seq).await?;
            }
        }
    }
}

/// Runs the command on one event, telling JetStream it is in progress every third of the
/// ack wait, so that a command slower than the ack wait (within --exec-timeout) does not see
/// its event sent again meanwhile.
async fn run_keeping_alive(exec: &Exec, received: &ReceivedEvent) -> Result<(), ExecFailure> {
    let run = exec.run(&received.raw);
    tokio::pin!(run);
    let mut tick = tokio::time::interval(DEFAULT_ACK_WAIT / 3);
    tick.tick().await;
    loop {
        tokio::select! {
            outcome = &mut run => return outcome,
            _ = tick.tick() => {
                // A failed progress report only risks a redelivery, which at-least-once allows.
                let _ = received.in_progress().await;
            }
        }
    }
}

/// Rows read at once by `consume` from an SQL sink.
const SQL_READ_BATCH: usize = 100;

/// How often `consume` looks for new rows when it has printed everything.
const SQL_POLL: Duration = Duration::from_millis(200);
