//! `relay` and `consume`: Okta's deliveries into a sink (an SQLite file, a PostgreSQL
//! database or a NATS JetStream stream; Okta is answered only once every event is stored),
//! and the sink's events back out, one line each.

use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use okta_eventhooks::sink::{EventCounts, Read, ReadEvent, SinkDescription};
use okta_eventhooks_receiver::ReceiverStats;
use okta_eventhooks_relay::DEFAULT_ACK_WAIT;
use serde::Serialize;
use serde::ser::SerializeMap;

use crate::admin_args::AdminArgs;
use crate::context::Context;
use crate::endpoint_args::EndpointArgs;
use crate::error::{CliError, Result};
use crate::exec::{Exec, ExecFailure, backoff};
use crate::inspect_args::InspectArgs;
use crate::log_args::{LogArgs, LogFormat};
use crate::output::Printer;
use crate::sink_args::{ReadArgs, SinkArgs, StoreLimits, StreamArgs};
use crate::threads_args::ThreadsArgs;

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

    #[command(flatten)]
    stream: StreamArgs,

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

    #[command(flatten)]
    pub threads: ThreadsArgs,
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
    /// Ready: Okta may call `url`; the sink's fields follow it.
    Relaying(Relaying<'a>),
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

/// The ready line: the URL Okta calls, and where the sink stores.
#[derive(Debug)]
struct Relaying<'a> {
    url: &'a str,
    sink: &'a SinkDescription,
}

/// `url`, then the sink's own fields, in its order.
impl Serialize for Relaying<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1 + self.sink.fields.len()))?;
        map.serialize_entry("url", self.url)?;
        for (name, value) in &self.sink.fields {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl RelayStatus<'_> {
    /// What the receiver answered, and the sink's counts of events stored (those kept aside
    /// as invalid included) and already stored.
    fn stopped(r: &ReceiverStats, counts: EventCounts) -> Self {
        Self::Stopped {
            deliveries: r.deliveries,
            events: r.events,
            stored: counts.stored + counts.invalid,
            duplicates: counts.duplicate,
            unauthorized: r.unauthorized,
            malformed: r.malformed,
            too_large: r.too_large,
            not_stored: r.not_stored,
            verifications: r.verifications,
        }
    }

    fn text(&self) -> String {
        match self {
            Self::Relaying(Relaying { url, sink }) => {
                format!("relaying {url} into {}; Ctrl-C to stop", sink.text)
            }
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
        let target = self.sink.target(printer)?;
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
        let limits = StoreLimits {
            deadline: self.deadline,
            max_event_bytes: self.endpoint.max_body_bytes(),
        };
        let sink = target.open_store(printer, &self.stream, limits).await?;
        let listener = okta_eventhooks_receiver::serve::bind(&self.endpoint.addr()).await?;
        let (receiver, inspector) = self.inspect.attach(receiver);
        let running = receiver
            .sink_deadline(self.deadline)
            .build_with_sink(Arc::clone(&sink))?
            .serve_on(listener)?;
        // Up before the ready line, so that whoever reads it can probe at once.
        let admin_server = self.admin.serve(&running.admin(), printer).await?;
        let _inspector = (self.inspect)
            .serve_replaying_to(inspector, &running.url(), &self.endpoint, printer)
            .await?;
        RelayStatus::Relaying(Relaying {
            url: &running.url(),
            sink: &sink.describe(),
        })
        .print(printer);
        crate::shutdown::requested().await;
        printer.note(&format!(
            "draining: not ready from now on, answering for {} more, then stopping",
            humantime::format_duration(self.drain_delay)
        ));
        let stats = running.drain(self.drain_delay).await?;
        if let Some(mut server) = admin_server {
            let _ = server.stop().await;
        }
        // Nothing is stored any more; what the sink still buffers was never acknowledged.
        let _ = sink.flush().await;
        let counts = sink.event_counts().unwrap_or_default();
        RelayStatus::stopped(&stats, counts).print(printer);
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

    #[command(flatten)]
    pub threads: ThreadsArgs,
}

impl Consume {
    /// Its `--log-format`.
    pub fn log_format(&self) -> LogFormat {
        self.log.log_format
    }

    /// Prints (or runs --exec on) events until Ctrl-C, SIGTERM or --count.
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let printer = ctx.printer();
        let target = self.sink.target(printer)?;
        if self.exec_timeout.is_zero() {
            return Err(CliError::Usage(
                "--exec-timeout 0s would kill every command at once: give it time, e.g. 30s".into(),
            ));
        }
        let exec = self
            .exec
            .clone()
            .map(|command| Exec::new(command, self.exec_timeout));
        let mut reader = target
            .open_reader(ReadArgs {
                durable: &self.durable,
                subject: self.subject.as_deref(),
                types: &self.types,
                // A command takes a while per event: read one at a time, so that none waits
                // in a batch past its ack wait (and comes again while the first copy waits).
                one_at_a_time: exec.is_some(),
            })
            .await?;
        printer.note(&format!("consuming {}; Ctrl-C to stop", reader.describe()));
        let stop = crate::shutdown::requested();
        tokio::pin!(stop);
        let mut done = 0;
        while self.count.is_none_or(|limit| done < limit) {
            let next = tokio::select! {
                next = reader.next() => next?,
                () = &mut stop => break,
            };
            let received = match next {
                None => break,
                Some(Read::Event(received)) => received,
                // Not an event: the reader passed it; say so, go on.
                Some(Read::NotAnEvent(why)) => {
                    printer.warn(&why);
                    continue;
                }
            };
            let Some(exec) = &exec else {
                // Acknowledged once written to stdout: what a reader of the pipe then does
                // with it is not known here (see the command's help).
                printer.event(&received.event)?;
                received.settle.ack().await?;
                done += 1;
                continue;
            };
            // Ctrl-C waits for the command at hand: its event is then acknowledged or
            // returned, not left to the ack wait.
            match run_keeping_alive(exec, &received).await {
                Ok(()) => {
                    received.settle.ack().await?;
                    done += 1;
                }
                Err(failure) => {
                    let delay = backoff(i64::try_from(received.delivered).unwrap_or(i64::MAX));
                    printer.warn(&format!(
                        "event {} (delivery {}): {}; it comes again in {}",
                        received.event.uuid.as_deref().unwrap_or("without uuid"),
                        received.delivered,
                        failure.0,
                        humantime::format_duration(delay)
                    ));
                    received.settle.retry_later(delay).await?;
                }
            }
        }
        Ok(())
    }
}

/// Runs the command on one event, telling JetStream it is in progress every third of the
/// ack wait, so that a command slower than the ack wait (within --exec-timeout) does not see
/// its event sent again meanwhile.
async fn run_keeping_alive(exec: &Exec, received: &ReadEvent) -> Result<(), ExecFailure> {
    let run = exec.run(&received.raw);
    tokio::pin!(run);
    let mut tick = tokio::time::interval(DEFAULT_ACK_WAIT / 3);
    tick.tick().await;
    loop {
        tokio::select! {
            outcome = &mut run => return outcome,
            _ = tick.tick() => {
                // A failed progress report only risks a redelivery, which at-least-once allows.
                let _ = received.settle.in_progress().await;
            }
        }
    }
}
