//! `listen`: a local receiver that answers Okta's verification challenge and prints every
//! delivered event, one line each (or JSON lines with `-o json`).

use std::time::Duration;

use clap::Args;
use okta_eventhooks_receiver::{Incoming, ReceiverStats};
use tokio::sync::{mpsc, oneshot};

use crate::admin_args::AdminArgs;
use crate::context::Context;
use crate::endpoint_args::EndpointArgs;
use crate::error::{CliError, Result};
use crate::inspect_args::InspectArgs;
use crate::log_args::{LogArgs, LogFormat};
use crate::output::Printer;
use crate::secret_env::read_secret_env;
use crate::threads_args::ThreadsArgs;

/// `listen`
#[derive(Debug, Args)]
pub struct Listen {
    #[command(flatten)]
    endpoint: EndpointArgs,

    /// Environment variable holding a previous value of the secret, also accepted while a
    /// rotation is under way (repeat for more): accept old and new, replace the hook's secret
    /// at Okta, then restart without the old one.
    #[arg(long, value_name = "VAR", requires = "auth_key")]
    accept_previous_secret_env: Vec<String>,

    /// Drop a delivery whose eventId was seen within this time (e.g. 10m; 0s turns it off).
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = crate::duration::parse)]
    dedupe_window: Duration,

    /// Stop once this many events were printed (for scripts and tests). A delivery is printed
    /// whole, since Okta does not resend acknowledged events, so a few more may be printed.
    #[arg(long, value_name = "N")]
    count: Option<u64>,

    #[command(flatten)]
    admin: AdminArgs,

    #[command(flatten)]
    inspect: InspectArgs,

    #[command(flatten)]
    log: LogArgs,

    #[command(flatten)]
    pub threads: ThreadsArgs,
}

impl Listen {
    /// Its `--log-format`.
    pub fn log_format(&self) -> LogFormat {
        self.log.log_format
    }

    /// Serves until Ctrl-C (or `--count` events), printing each event as it arrives.
    pub async fn run(self, ctx: &Context) -> Result<()> {
        let printer = ctx.printer();
        let mut builder = self.endpoint.receiver()?.dedupe_window(self.dedupe_window);
        for var in &self.accept_previous_secret_env {
            builder = builder
                .accept_previous_secret(read_secret_env(var, "--accept-previous-secret-env")?);
        }
        // The events as Okta sent them: printing reads only what it shows (the table) or
        // copies them (json), and no event is refused for a field of a shape this version
        // does not expect.
        let (builder, inspector) = self.inspect.attach(builder);
        let (receiver, deliveries) = builder
            .build_incoming()
            .map_err(|e| CliError::Usage(e.to_string()))?;
        if !self.endpoint.has_auth() {
            printer.warn("no --auth-key: every caller is accepted (fine for local tests only)");
        }
        let running = receiver
            .serve(&self.endpoint.addr())
            .await
            .map_err(|e| CliError::Config(e.to_string()))?;
        let admin = running.admin();
        let admin_server = self.admin.serve(&admin, printer).await?;
        let _inspector = (self.inspect)
            .serve_replaying_to(inspector, &running.url(), &self.endpoint, printer)
            .await?;
        // One Ctrl-C listener for the whole run, registered (by a first poll) before we say we
        // are listening: a signal that arrives while an event is printed is kept, not lost.
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        let interrupted = tokio::select! {
            biased;
            _ = &mut ctrl_c => true,
            () = std::future::ready(()) => false,
        };
        printer.note(&format!(
            "listening on {} (verification GET and delivery POST; Ctrl-C to stop)",
            running.url()
        ));
        let (output, mut enough) = EventOutput::start(printer.clone(), deliveries, self.count);
        if !interrupted {
            tokio::select! {
                _ = &mut ctrl_c => {}
                // `--count` reached, or the output failed (the thread dropped its sender).
                _ = &mut enough => {}
            }
        }
        // Not ready from now on; the admin listener answers until the end.
        admin.start_draining();
        // Stop accepting, then print what was already acknowledged to Okta: an acknowledged
        // event is never redelivered, so it must not vanish on Ctrl-C. A second Ctrl-C stops
        // waiting for an output that does not drain.
        let stopped = running.shutdown().await;
        let printed = tokio::select! {
            printed = output.finish() => printed?,
            _ = tokio::signal::ctrl_c() => None,
        };
        let stats = stopped?;
        if let Some(mut server) = admin_server {
            let _ = server.stop().await;
        }
        printer.note(&summary(&stats));
        match printed {
            Some(printed) if printed == stats.events => {}
            Some(printed) => printer.warn(&format!(
                "{} acknowledged event(s) were not printed",
                stats.events.saturating_sub(printed)
            )),
            None => printer.warn(
                "stopped on a second Ctrl-C: events still waiting for the output were not printed",
            ),
        }
        Ok(())
    }
}

/// Prints events on a thread of its own, so that a stdout nobody reads blocks that thread
/// only, never the runtime that answers Okta. Between the two is the receiver's queue
/// ([`okta_eventhooks_receiver::DEFAULT_CHANNEL_CAPACITY`] deliveries); when the output falls
/// that far behind, a new delivery waits up to [`okta_eventhooks_receiver::DEFAULT_QUEUE_WAIT`]
/// for room, then gets 503 and Okta retries it once (a reader that stopped reading). To a
/// file or a pipe that is read, printing a delivery (one write, one flush) costs less than
/// receiving it (issue 22: every event was decoded, formatted in both formats and written and
/// flushed on its own), and a moment without the processor is waited out rather than refused.
struct EventOutput {
    done: oneshot::Receiver<Result<u64>>,
}

impl EventOutput {
    /// Starts printing; the second value completes once `limit` events are printed (or the
    /// output failed).
    fn start(
        printer: Printer,
        mut deliveries: mpsc::Receiver<Incoming>,
        limit: Option<u64>,
    ) -> (Self, oneshot::Receiver<()>) {
        let (done_tx, done) = oneshot::channel();
        let (enough_tx, enough) = oneshot::channel();
        std::thread::spawn(move || {
            let mut enough_tx = Some(enough_tx);
            let mut printed = 0;
            let mut buffer = Vec::new();
            let outcome = loop {
                // Ends once the receiver has stopped and its queue is empty.
                let Some(delivery) = deliveries.blocking_recv() else {
                    break Ok(printed);
                };
                // Every event of a delivery is printed, also past `--count`: the delivery
                // was acknowledged, and Okta will not send its events again.
                if let Err(e) = printer.raw_events(&delivery.events, &mut buffer) {
                    break Err(e);
                }
                printed += delivery.events.len() as u64;
                if limit.is_some_and(|limit| printed >= limit)
                    && let Some(tx) = enough_tx.take()
                {
                    let _ = tx.send(());
                }
            };
            let _ = done_tx.send(outcome);
        });
        (Self { done }, enough)
    }

    /// Waits until every delivery handed over has been printed; the number of events printed.
    async fn finish(self) -> Result<Option<u64>> {
        match self.done.await {
            Ok(outcome) => outcome.map(Some),
            Err(_) => Err(CliError::Internal("the output thread failed".into())),
        }
    }
}

fn summary(stats: &ReceiverStats) -> String {
    format!(
        "received {} event(s) in {} delivery(ies); {} duplicate(s) dropped, {} unauthorized, {} malformed, {} too large, {} refused with 503 while the output was behind, {} verification(s) answered",
        stats.events,
        stats.deliveries,
        stats.duplicates,
        stats.unauthorized,
        stats.malformed,
        stats.too_large,
        stats.overloaded,
        stats.verifications,
    )
}
