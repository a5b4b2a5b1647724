//! `okta-eventhooks emulator`: run the local Okta event-hook emulator, or fire events at a
//! running one.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use okta_eventhooks::emulator::{
    ControlClient, DEFAULT_RATE_LIMIT_PER_MINUTE, DEFAULT_TOKEN, Emulator, FireRequest, FireSummary,
};
use okta_eventhooks::{Error, Secret};

/// Port the emulator listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 8180;

/// Run a local emulator of Okta's event-hook API (no Okta org needed).
///
/// It serves /api/v1/eventHooks like Okta, calls hook endpoints for verification and
/// deliveries, and offers /emulator/... for firing events, the delivery log and fault
/// injection. Clients authenticate with `SSWS <token>` (or `Bearer <token>`); the default
/// token is `emulator-token` (a development token, not a secret).
///
/// Examples:
///   okta-eventhooks emulator --port 8180 --state hooks.json --allow-http-loopback
///   okta-eventhooks emulator fire user.session.start --count 3
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

    /// Talk to a running emulator instead of starting one.
    #[command(subcommand)]
    pub command: Option<EmulatorCommand>,
}

/// What to ask a running emulator.
#[derive(Debug, Subcommand)]
pub enum EmulatorCommand {
    /// Fire System Log events at every active, verified hook subscribed to the type.
    Fire {
        /// The event type, e.g. user.session.start.
        event_type: String,
        /// How many events.
        #[arg(long, default_value_t = 1)]
        count: usize,
        /// A JSON merge patch applied to every event, e.g. '{"outcome":{"result":"FAILURE"}}'.
        #[arg(long, value_name = "JSON")]
        patch: Option<String>,
        /// The emulator's URL (default: http://127.0.0.1:<--port>).
        #[arg(long)]
        url: Option<String>,
    },
}

impl EmulatorArgs {
    /// Runs the command, writing results to `out`. Serving runs until Ctrl-C or SIGTERM.
    pub async fn run(self, out: &mut (dyn Write + Send)) -> Result<(), Error> {
        let token = self.token()?;
        match self.command {
            None => {
                serve(
                    self.port,
                    token,
                    self.state,
                    self.allow_http_loopback,
                    self.rate_limit,
                    out,
                )
                .await
            }
            Some(EmulatorCommand::Fire {
                event_type,
                count,
                patch,
                url,
            }) => {
                let url = url.unwrap_or_else(|| format!("http://127.0.0.1:{}", self.port));
                let mut request = FireRequest::new(event_type, count);
                if let Some(patch) = patch {
                    let patch = serde_json::from_str(&patch)
                        .map_err(|e| Error::InvalidInput(format!("--patch is not JSON: {e}")))?;
                    request = request.patch(patch);
                }
                let summary = ControlClient::new(url, token)?.fire(&request).await?;
                print_summary(&summary, out);
                Ok(())
            }
        }
    }

    fn token(&self) -> Result<Secret, Error> {
        if let Some(var) = &self.token_env {
            return match std::env::var(var) {
                Ok(value) if !value.is_empty() => Ok(Secret::new(value)),
                _ => Err(Error::Config(format!(
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

async fn serve(
    port: u16,
    token: Secret,
    state: Option<PathBuf>,
    allow_http_loopback: bool,
    rate_limit: u32,
    out: &mut (dyn Write + Send),
) -> Result<(), Error> {
    let default_token = token.expose() == DEFAULT_TOKEN;
    let mut builder = Emulator::builder()
        .token(token)
        .allow_http_loopback(allow_http_loopback)
        .rate_limit_per_minute(rate_limit);
    if let Some(path) = &state {
        builder = builder.state_file(path);
    }
    let emu = builder.start(("127.0.0.1", port)).await?;
    // Output errors are ignored: a closed stdout must not stop the server.
    let _ = writeln!(out, "emulator listening on {}", emu.url());
    let _ = writeln!(
        out,
        "authenticate with: Authorization: SSWS {}",
        if default_token {
            DEFAULT_TOKEN
        } else {
            "<your token>"
        }
    );
    if let Some(path) = &state {
        let _ = writeln!(out, "state file: {}", path.display());
    }
    let _ = out.flush();
    stopped().await;
    let _ = writeln!(out, "stopping");
    emu.shutdown().await;
    Ok(())
}

/// Ctrl-C, or SIGTERM on Unix.
async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn print_summary(summary: &FireSummary, out: &mut (dyn Write + Send)) {
    let _ = writeln!(
        out,
        "fired {} {} event(s); {} delivered",
        summary.events.len(),
        summary.event_type,
        summary.delivered()
    );
    for hook in &summary.hooks {
        let _ = write!(
            out,
            "  {} ({}): delivered {}, filtered out {}, failed {}, requests {}",
            hook.hook_id,
            hook.hook_name,
            hook.delivered,
            hook.filtered_out,
            hook.failed,
            hook.requests
        );
        if let Some(error) = &hook.filter_error {
            let _ = write!(out, "; filter not evaluated: {error}");
        }
        let _ = writeln!(out);
    }
    for id in &summary.ineligible_hook_ids {
        let _ = writeln!(
            out,
            "  {id}: subscribed but not ACTIVE and VERIFIED, skipped"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: EmulatorArgs,
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
        assert!(Cli::try_parse_from(["x", "--token", "a", "--token-env", "B"]).is_err());
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
        let mut out = Vec::new();
        cli.args.run(&mut out).await.unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("fired 1 user.session.start event(s); 0 delivered"),
            "{text}"
        );
        let bad = Cli::try_parse_from(["x", "--token", "wrong", "fire", "a.b", "--url", emu.url()])
            .unwrap();
        let err = bad.args.run(&mut Vec::new()).await.unwrap_err();
        assert!(err.is_unauthorized(), "{err}");
        emu.shutdown().await;
    }
}
