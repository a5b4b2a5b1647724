//! `okta-eventhooks emulator`: run the local Okta event-hook emulator, or fire events at a
//! running one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::builder::TypedValueParser;
use clap::{Args, Subcommand};
use okta_eventhooks::Secret;
use okta_eventhooks_emulator::{
    Chaos, ControlClient, DEFAULT_RATE_LIMIT_PER_MINUTE, DEFAULT_TOKEN, Emulator, FireEvents,
    FireRequest, FireSummary, MAX_CHAOS_DELAY, SYSTEM_LOG_DEFAULT_MAX_EVENTS,
    SYSTEM_LOG_MAX_EVENTS,
};
use serde::Serialize;

use crate::error::CliError;
use crate::inspect_args::InspectArgs;
use crate::output::Printer;
use crate::threads_args::ThreadsArgs;

/// Port the emulator listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 8180;

/// Run a local emulator of Okta's event-hook API (no Okta org needed).
///
/// It serves /api/v1/eventHooks like Okta, calls hook endpoints for verification and
/// deliveries, keeps a System Log of what it fired and what failed (/api/v1/logs), and
/// offers /emulator/... for firing events, the delivery log, fault injection and chaos.
/// Clients authenticate with `SSWS <token>` (or `Bearer <token>`); the default token is
/// `emulator-token` (a development token, not a secret).
///
/// Examples:
///   okta-eventhooks emulator --port 8180 --state hooks.json --allow-http-loopback
///   okta-eventhooks emulator fire user.session.start --count 3
///   okta-eventhooks emulator fire user.session.start group.user_membership.add --reorder
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct EmulatorArgs {
    /// Port on 127.0.0.1 (0 picks a free one; the URL is printed).
    #[arg(long, global = true, default_value_t = DEFAULT_PORT)]
    pub port: u16,

    /// The API token clients must send. Default: emulator-token.
    #[arg(long, global = true, conflicts_with = "token_env")]
    pub token: Option<String>,

    /// Read the API token from this environment variable instead.
    #[arg(long, global = true, value_name = "VAR")]
    pub token_env: Option<String>,

    /// Keep hooks in this file (loaded at start; every change written before it is answered).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,

    /// Accept http:// hook URIs on loopback hosts (Okta accepts only https://).
    #[arg(long)]
    pub allow_http_loopback: bool,

    /// API calls allowed per minute before answering 429.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_RATE_LIMIT_PER_MINUTE)]
    pub rate_limit: u32,

    /// Most events the System Log keeps in memory, oldest dropped first (at most
    /// 1000000; Okta keeps 90 days). 400000 is a day at Okta's limit.
    #[arg(long, value_name = "EVENTS", default_value_t = SYSTEM_LOG_DEFAULT_MAX_EVENTS,
          value_parser = clap::value_parser!(u32).range(1..=SYSTEM_LOG_MAX_EVENTS as i64).map(|n| n as usize))]
    pub log_retention: usize,

    /// Most bytes of events the System Log keeps in memory, e.g. 2GiB (suffixes
    /// KiB, MiB, GiB); the process holds about 1.5 times this.
    #[arg(long, value_name = "BYTES", default_value = "64MiB", value_parser = parse_bytes)]
    pub log_retention_bytes: usize,
    #[command(flatten)]
    pub inspect: InspectArgs,

    #[command(flatten)]
    pub threads: ThreadsArgs,

    /// Talk to a running emulator instead of starting one.
    #[command(subcommand)]
    pub command: Option<EmulatorCommand>,
}

/// What to ask a running emulator.
#[derive(Debug, Subcommand)]
pub enum EmulatorCommand {
    /// Fire System Log events at every active, verified hook subscribed to their types
    ///
    /// Several types make one burst: their events are interleaved, and each hook
    /// gets what is due to it in one POST whatever the types, as Okta merges
    /// events that happen close together. Every event is also written to the
    /// emulator's System Log (/api/v1/logs). The global --timeout is the
    /// deadline of the whole fire (default 30s, at most 10m): what is not
    /// delivered by then is reported as unfinished.
    ///
    /// Chaos for a receiver's own tests (this fire only; none by default):
    ///   --duplicate-percent 20  every fifth delivered event comes again, in
    ///                           a later POST with the same eventId and uuid
    ///   --reorder               events arrive out of published order
    ///   --delay 500ms           every POST waits before it is sent
    #[command(verbatim_doc_comment)]
    Fire {
        /// The event types, e.g. user.session.start group.user_membership.add.
        #[arg(required = true, value_name = "EVENT_TYPE")]
        event_types: Vec<String>,
        /// How many events of each type.
        #[arg(long, default_value_t = 1)]
        count: usize,
        /// A JSON merge patch applied to every event, e.g. '{"outcome":{"result":"FAILURE"}}'.
        #[arg(long, value_name = "JSON")]
        patch: Option<String>,
        /// The emulator's URL (default: http://127.0.0.1:<--port>).
        #[arg(long)]
        url: Option<String>,
        /// Chaos: the percentage (0-100) of delivered events sent a second time.
        #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u8).range(0..=100))]
        duplicate_percent: Option<u8>,
        /// Chaos: deliver events out of published order.
        #[arg(long)]
        reorder: bool,
        /// Chaos: wait this long before every delivery POST (at most 60s).
        #[arg(long, value_name = "DURATION", value_parser = crate::duration::parse)]
        delay: Option<Duration>,
    },
}

impl EmulatorArgs {
    /// Runs the command. Serving runs until Ctrl-C or SIGTERM. It needs no Okta configuration,
    /// only the printer and `--timeout` (the deadline of a fire).
    pub async fn run(self, printer: &Printer, timeout: Option<Duration>) -> Result<(), CliError> {
        let token = self.token()?;
        match self.command {
            None => {
                let options = ServeOptions {
                    port: self.port,
                    token,
                    state: self.state,
                    allow_http_loopback: self.allow_http_loopback,
                    rate_limit: self.rate_limit,
                    log_retention: self.log_retention,
                    log_retention_bytes: self.log_retention_bytes,
                    inspect: self.inspect,
                };
                serve(options, printer, crate::shutdown::requested()).await
            }
            Some(EmulatorCommand::Fire {
                event_types,
                count,
                patch,
                url,
                duplicate_percent,
                reorder,
                delay,
            }) => {
                let url = url.unwrap_or_else(|| format!("http://127.0.0.1:{}", self.port));
                let mut request = FireRequest::burst(
                    event_types
                        .into_iter()
                        .map(|event_type| FireEvents::new(event_type, count)),
                );
                if let Some(patch) = patch {
                    let patch = serde_json::from_str(&patch)
                        .map_err(|e| CliError::Usage(format!("--patch is not JSON: {e}")))?;
                    request = request.patch(patch);
                }
                if let Some(timeout) = timeout {
                    request = request.timeout(timeout);
                }
                if duplicate_percent.is_some() || reorder || delay.is_some() {
                    let chaos = Chaos::default()
                        .duplicate_percent(duplicate_percent.unwrap_or(0))
                        .reorder(reorder)
                        .delay(delay.unwrap_or_default());
                    if !chaos.acceptable() {
                        return Err(CliError::Usage(format!(
                            "--delay: at most {}s",
                            MAX_CHAOS_DELAY.as_secs()
                        )));
                    }
                    request = request.chaos(chaos);
                }
                let summary = ControlClient::new(url, token)?.fire(&request).await?;
                printer.result(&summary_text(&summary), &summary)
            }
        }
    }

    fn token(&self) -> Result<Secret, CliError> {
        if let Some(var) = &self.token_env {
            return match std::env::var(var) {
                Ok(value) if !value.is_empty() => Ok(Secret::new(value)),
                _ => Err(CliError::Config(format!(
                    "--token-env {var}: the environment variable is not set or empty"
                ))),
            };
        }
        Ok(Secret::new(
            self.token
                .clone()
                .unwrap_or_else(|| DEFAULT_TOKEN.to_owned()),
        ))
    }
}

/// How to serve.
struct ServeOptions {
    port: u16,
    token: Secret,
    state: Option<PathBuf>,
    allow_http_loopback: bool,
    rate_limit: u32,
    inspect: InspectArgs,
    log_retention: usize,
    log_retention_bytes: usize,
}

/// A size in bytes: a number, optionally followed by KiB, MiB or GiB.
fn parse_bytes(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let shift = match unit.trim() {
        "" | "B" => 0,
        "KiB" => 10,
        "MiB" => 20,
        "GiB" => 30,
        other => {
            return Err(format!(
                "'{other}' is not a unit; give bytes, or a number followed by KiB, MiB or GiB"
            ));
        }
    };
    let number: usize = digits
        .parse()
        .map_err(|_| format!("'{text}' is not a size; e.g. 64MiB or 2GiB"))?;
    number
        .checked_mul(1 << shift)
        .filter(|&bytes| bytes > 0)
        .ok_or_else(|| format!("'{text}': give a size above zero that this machine can address"))
}

/// What serving prints (`-o json`: one JSON line each), so a script can wait for the URL.
#[derive(Debug, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
enum ServeStatus<'a> {
    /// Ready: clients may call `url` with `authorization`.
    Listening {
        url: &'a str,
        authorization: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        state_file: Option<&'a Path>,
    },
    /// Ctrl-C or SIGTERM arrived; the emulator shuts down.
    Stopping,
}

impl ServeStatus<'_> {
    fn text(&self) -> String {
        match self {
            Self::Listening {
                url,
                authorization,
                state_file,
            } => {
                let mut text = format!(
                    "emulator listening on {url}\nauthenticate with: Authorization: {authorization}"
                );
                if let Some(path) = state_file {
                    text.push_str(&format!("\nstate file: {}", path.display()));
                }
                text
            }
            Self::Stopping => "stopping".to_owned(),
        }
    }

    /// Prints the status. A failed write is ignored: a closed stdout must not stop the server.
    fn print(&self, printer: &Printer) {
        let _ = printer.record(&self.text(), self);
    }
}

/// Serves until `stop` completes.
async fn serve(
    options: ServeOptions,
    printer: &Printer,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), CliError> {
    // Only the well-known development token is shown; a chosen one is the user's secret.
    let authorization = if options.token.expose() == DEFAULT_TOKEN {
        format!("SSWS {DEFAULT_TOKEN}")
    } else {
        "SSWS <your token>".to_owned()
    };
    let mut builder = Emulator::builder()
        .token(options.token)
        .allow_http_loopback(options.allow_http_loopback)
        .rate_limit_per_minute(options.rate_limit)
        .system_log_max_events(options.log_retention)
        .system_log_max_bytes(options.log_retention_bytes);
    if let Some(path) = &options.state {
        builder = builder.state_file(path);
    }
    let inspector = options.inspect.inspector();
    if let Some(inspector) = &inspector {
        builder = builder.inspector(inspector.clone());
    }
    let addr = std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, options.port));
    let emu = builder.start(addr).await?;
    for warning in emu.state_warnings() {
        printer.warn(&format!("state file: {warning}"));
    }
    let _inspector = (options.inspect)
        .serve(inspector, emu.inspector_actions(), printer)
        .await?;
    ServeStatus::Listening {
        url: emu.url(),
        authorization: &authorization,
        state_file: options.state.as_deref(),
    }
    .print(printer);
    stop.await;
    ServeStatus::Stopping.print(printer);
    emu.shutdown().await;
    Ok(())
}

/// The table view of a fire: one line for the whole, one per hook.
fn summary_text(summary: &FireSummary) -> String {
    let mut text = format!(
        "fired {} {} event(s); {} delivered",
        summary.fired,
        summary.event_types.join(", "),
        summary.delivered()
    );
    if summary.deadline_exceeded {
        text.push_str("; the deadline passed before every event was delivered");
    }
    text.push('\n');
    for hook in &summary.hooks {
        text.push_str(&format!(
            "  {} ({}): delivered {}, filtered out {}, failed {}, requests {}",
            hook.hook_id,
            hook.hook_name,
            hook.delivered,
            hook.filtered_out,
            hook.failed,
            hook.requests
        ));
        if hook.unfinished > 0 {
            text.push_str(&format!(", unfinished {}", hook.unfinished));
        }
        if hook.duplicated > 0 {
            text.push_str(&format!(", sent again {}", hook.duplicated));
        }
        if let Some(error) = &hook.filter_error {
            text.push_str(&format!("; filter not evaluated: {error}"));
        }
        text.push('\n');
    }
    for id in &summary.ineligible_hook_ids {
        text.push_str(&format!(
            "  {id}: subscribed but not ACTIVE and VERIFIED, skipped\n"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::OutputFormat;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: EmulatorArgs,
    }

    /// The System Log's retention: the library's defaults when not given, sizes with units,
    /// and a clear refusal of zero, a count past the library's ceiling and an unknown unit.
    #[test]
    fn log_retention_flags() {
        let cli = Cli::try_parse_from(["x"]).unwrap();
        assert_eq!(
            (cli.args.log_retention, cli.args.log_retention_bytes),
            (
                SYSTEM_LOG_DEFAULT_MAX_EVENTS,
                okta_eventhooks_emulator::SYSTEM_LOG_DEFAULT_MAX_BYTES
            )
        );
        let cli = Cli::try_parse_from([
            "x",
            "--log-retention",
            "400000",
            "--log-retention-bytes",
            "2GiB",
        ])
        .unwrap();
        assert_eq!(
            (cli.args.log_retention, cli.args.log_retention_bytes),
            (400_000, 2 << 30)
        );
        assert_eq!(parse_bytes("1500"), Ok(1500));
        assert_eq!(parse_bytes("3KiB"), Ok(3072));
        for bad in ["0", "12TB", "MiB", "-1", "99999999999999999999GiB"] {
            assert!(parse_bytes(bad).is_err(), "{bad}");
        }
        for bad in ["0", "1000001"] {
            let err = Cli::try_parse_from(["x", "--log-retention", bad]).unwrap_err();
            assert!(err.to_string().contains("--log-retention"), "{err}");
        }
    }

    #[test]
    fn parses_serve_and_fire() {
        let cli = Cli::try_parse_from([
            "x",
            "--port",
            "0",
            "--state",
            "s.json",
            "--allow-http-loopback",
        ])
        .unwrap();
        assert_eq!(cli.args.port, 0);
        assert!(cli.args.allow_http_loopback && cli.args.command.is_none());
        let cli = Cli::try_parse_from([
            "x",
            "fire",
            "user.session.start",
            "--count",
            "3",
            "--port",
            "9",
        ])
        .unwrap();
        assert_eq!(cli.args.port, 9);
        assert!(matches!(
            cli.args.command,
            Some(EmulatorCommand::Fire { count: 3, .. })
        ));
        let cli = Cli::try_parse_from([
            "x",
            "fire",
            "user.session.start",
            "user.lifecycle.create",
            "--duplicate-percent",
            "20",
            "--reorder",
            "--delay",
            "5ms",
        ])
        .unwrap();
        let Some(EmulatorCommand::Fire {
            event_types,
            duplicate_percent,
            reorder,
            delay,
            ..
        }) = cli.args.command
        else {
            panic!("not a fire");
        };
        assert_eq!(event_types, ["user.session.start", "user.lifecycle.create"]);
        assert_eq!(duplicate_percent, Some(20));
        assert!(reorder);
        assert_eq!(delay, Some(std::time::Duration::from_millis(5)));
        assert!(
            Cli::try_parse_from(["x", "fire"]).is_err(),
            "a type is required"
        );
        assert!(Cli::try_parse_from(["x", "fire", "a.b", "--duplicate-percent", "101"]).is_err());
        assert!(Cli::try_parse_from(["x", "--token", "a", "--token-env", "B"]).is_err());
    }

    #[tokio::test]
    async fn serve_answers_okta_calls_keeps_state_and_stops() {
        let dir = okta_eventhooks_tests::scratch::tempdir("cli-serve");
        let state = dir.join("state.json");
        let options = ServeOptions {
            port: 0,
            token: Secret::new(DEFAULT_TOKEN),
            state: Some(state.clone()),
            allow_http_loopback: false,
            rate_limit: 50,
            log_retention: okta_eventhooks_emulator::SYSTEM_LOG_DEFAULT_MAX_EVENTS,
            log_retention_bytes: okta_eventhooks_emulator::SYSTEM_LOG_DEFAULT_MAX_BYTES,
            inspect: InspectArgs::default(),
        };
        let (printer, out) = Printer::captured(OutputFormat::Table);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            serve(options, &printer, async {
                let _ = stopped.await;
            })
            .await
        });
        let url = loop {
            let text = out.lock().unwrap().clone();
            if let Some(line) = text
                .lines()
                .find(|l| l.starts_with("emulator listening on "))
            {
                break line["emulator listening on ".len()..].to_owned();
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        };
        let client = okta_eventhooks::Client::builder()
            .org_url(&url)
            .api_token(DEFAULT_TOKEN)
            .build()
            .unwrap();
        let hook = okta_eventhooks::EventHook::builder("from the CLI")
            .channel(okta_eventhooks::Channel::https("https://hooks.example.com/x").unwrap())
            .events(okta_eventhooks::Events::types(["user.session.start"]))
            .build()
            .unwrap();
        let created = client.create_event_hook(&hook).await.unwrap();
        assert_eq!(client.rate_limit().unwrap().limit, Some(50));
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
        let text = out.lock().unwrap().clone();
        assert!(
            text.contains("SSWS emulator-token") && text.ends_with("stopping\n"),
            "{text}"
        );
        let saved = std::fs::read_to_string(&state).unwrap();
        assert!(saved.contains(created.id.as_deref().unwrap()));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn token_env_reads_the_variable_and_refuses_an_unset_one() {
        let cli =
            Cli::try_parse_from(["x", "--token-env", "OKTA_EVENTHOOKS_TEST_SURELY_UNSET"]).unwrap();
        let (printer, _) = Printer::captured(OutputFormat::Table);
        let err = cli.args.run(&printer, None).await.unwrap_err();
        assert!(
            err.to_string()
                .contains("OKTA_EVENTHOOKS_TEST_SURELY_UNSET"),
            "{err}"
        );
        let cli = Cli::try_parse_from(["x", "--token-env", "PATH"]).unwrap();
        assert_eq!(
            cli.args.token().unwrap().expose(),
            std::env::var("PATH").unwrap()
        );
    }

    #[tokio::test]
    async fn fire_talks_to_a_running_emulator() {
        let emu = Emulator::builder()
            .token("t0k")
            .start("127.0.0.1:0")
            .await
            .unwrap();
        let cli = Cli::try_parse_from([
            "x",
            "--token",
            "t0k",
            "fire",
            "user.session.start",
            "--url",
            emu.url(),
        ])
        .unwrap();
        let (printer, out) = Printer::captured(OutputFormat::Table);
        cli.args.run(&printer, None).await.unwrap();
        let text = out.lock().unwrap().clone();
        assert!(
            text.starts_with("fired 1 user.session.start event(s); 0 delivered"),
            "{text}"
        );
        let bad = Cli::try_parse_from(["x", "--token", "wrong", "fire", "a.b", "--url", emu.url()])
            .unwrap();
        let err = bad.args.run(&printer, None).await.unwrap_err();
        assert!(
            matches!(
                err,
                CliError::Emulator(okta_eventhooks_emulator::Error::Refused { status: 401, .. })
            ),
            "{err}"
        );
        emu.shutdown().await;
    }
}
