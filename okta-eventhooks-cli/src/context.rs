//! Global flags, configuration resolution, and the client every command shares.

use std::cell::OnceCell;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use okta_eventhooks::{Client, Secret};

use crate::error::{CliError, Result};
use crate::output::{OutputFormat, Printer};

/// Flags accepted by every command.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Okta org URL, e.g. https://acme.okta.com [default: OKTA_CLIENT_ORGURL, then okta.yaml]
    #[arg(long, global = true, value_name = "URL")]
    pub org_url: Option<String>,

    /// Named org profile from okta.yaml.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// Read the API token from this file (never pass a token as an argument) [default:
    /// OKTA_CLIENT_TOKEN, then okta.yaml]
    #[arg(long, global = true, value_name = "PATH")]
    pub token_file: Option<PathBuf>,

    /// Time limit for one request, e.g. 10s, 500ms, 2m.
    #[arg(long, global = true, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub timeout: Option<Duration>,

    /// Retries after a rate limit (429) or a transient failure; 0 turns retries off.
    #[arg(long, global = true, value_name = "N")]
    pub max_retries: Option<u32>,

    /// Log what happens to stderr (-vv for more); secrets are never logged.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Print only results and errors (no progress or confirmation notes).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Output format of results.
    #[arg(short, long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

/// What every command needs: the flags, the printer, and (built on first use) the client.
pub struct Context {
    global: GlobalArgs,
    printer: Printer,
    resolved: OnceCell<Resolved>,
}

/// A built client and the description of its credential (for the hint on a 401).
struct Resolved {
    client: Client,
    credential: String,
}

impl Context {
    /// Prepares the context; nothing is read or resolved until a command needs the client.
    pub fn new(global: GlobalArgs) -> Self {
        let printer = Printer::new(global.output, global.quiet);
        Self {
            global,
            printer,
            resolved: OnceCell::new(),
        }
    }

    /// The output printer.
    pub fn printer(&self) -> &Printer {
        &self.printer
    }

    /// The client, built from the configuration on first use. Commands that never talk to
    /// Okta (completions, emulator) never need a configuration.
    pub fn client(&self) -> Result<&Client> {
        if let Some(resolved) = self.resolved.get() {
            return Ok(&resolved.client);
        }
        let resolved = resolve(&self.global)?;
        Ok(&self.resolved.get_or_init(|| resolved).client)
    }

    /// Lines of advice for an error, based on what it is and how the client was configured.
    pub fn hints_for(&self, error: &CliError) -> Vec<String> {
        let mut hints: Vec<String> = error.attached_hints().to_vec();
        let CliError::Okta(e) = error.root() else {
            return hints;
        };
        let org = self.resolved.get().map(|r| r.client.org_url());
        if e.is_unauthorized() {
            let credential = self
                .resolved
                .get()
                .map_or("the configured credential", |r| r.credential.as_str());
            hints.push(format!(
                "Okta rejected the {credential}{}: check that it is valid, not expired or revoked, and issued by this org",
                org.map(|o| format!(" for {o}")).unwrap_or_default()
            ));
        } else if e.is_forbidden() {
            hints.push(
                "the credential lacks permission: managing event hooks needs the OAuth scope okta.eventHooks.manage (reading: okta.eventHooks.read), or an admin role allowed to manage event hooks"
                    .into(),
            );
        } else if e.is_rate_limited() {
            hints.push(
                "Okta's rate limit was hit; wait for the reset, or allow more retries with --max-retries"
                    .into(),
            );
        } else if matches!(e, okta_eventhooks::Error::Timeout { .. }) {
            hints.push("Okta did not answer in time; try again, or raise --timeout".into());
        } else if matches!(e, okta_eventhooks::Error::Transport { .. }) {
            hints.push(format!(
                "could not reach {}; check the org URL, the network and any proxy (HTTPS_PROXY)",
                org.unwrap_or("the org")
            ));
        } else if e.is_not_found() {
            hints.push("`okta-eventhooks list` shows the hooks that exist".into());
        }
        hints
    }
}

/// Installs the stderr logger for `-v`. Only this workspace's targets are shown: the HTTP
/// stack's own trace output could include request headers, and so credentials.
pub fn init_tracing(verbose: u8) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let level = match verbose {
        0 => return,
        1 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    let filter = Targets::new()
        .with_target("okta_eventhooks", level)
        .with_target("okta_eventhooks_cli", level);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(crate::output::stderr_colour());
    // A second logger cannot be installed; that only happens in tests and is harmless.
    let _ = tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .try_init();
}

/// Resolves org URL and credentials from the flags and the `OKTA_CLIENT_*` variables.
///
/// Temporary: replaced by `okta_eventhooks::config::ConfigLoader` (okta.yaml, profiles) once
/// it lands; everything else in the CLI only sees [`Context::client`].
fn resolve(global: &GlobalArgs) -> Result<Resolved> {
    if let Some(profile) = &global.profile {
        return Err(CliError::Config(format!(
            "profile {profile:?}: okta.yaml profiles are not supported by this build"
        )));
    }
    let org_url = match &global.org_url {
        Some(url) => url.clone(),
        None => env_nonempty("OKTA_CLIENT_ORGURL").ok_or_else(|| {
            CliError::Config(
                "no org URL: pass --org-url https://<your-org>.okta.com or set OKTA_CLIENT_ORGURL"
                    .into(),
            )
        })?,
    };
    let (token, credential) = match &global.token_file {
        Some(path) => (
            read_token_file(path)?,
            format!("SSWS API token from --token-file {}", path.display()),
        ),
        None => match env_nonempty("OKTA_CLIENT_TOKEN") {
            Some(token) => (
                Secret::from(token),
                "SSWS API token from OKTA_CLIENT_TOKEN".to_owned(),
            ),
            None => {
                return Err(CliError::Config(
                    "no credentials: set OKTA_CLIENT_TOKEN or pass --token-file PATH".into(),
                ));
            }
        },
    };
    let mut builder = Client::builder().org_url(org_url).api_token(token);
    builder = builder.user_agent_extra(concat!("okta-eventhooks-cli/", env!("CARGO_PKG_VERSION")));
    if let Some(timeout) = global.timeout {
        builder = builder.request_timeout(timeout).connect_timeout(timeout);
    }
    if let Some(retries) = global.max_retries {
        builder = builder.max_retries(retries);
    }
    let client = builder.build()?;
    Ok(Resolved { client, credential })
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn read_token_file(path: &std::path::Path) -> Result<Secret> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::Config(format!(
            "cannot read the token file {}: {e}",
            path.display()
        ))
    })?;
    let token = text.trim();
    if token.is_empty() {
        return Err(CliError::Config(format!(
            "the token file {} is empty",
            path.display()
        )));
    }
    Ok(Secret::from(token))
}
