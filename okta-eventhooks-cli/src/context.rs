//! Global flags, configuration resolution, and the client every command shares.

use std::cell::OnceCell;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use okta_eventhooks::config::ConfigLoader;
use okta_eventhooks::{Client, Secret, limits};

use crate::error::{CliError, Result};
use crate::log_args::LogFormat;
use crate::output::{OutputFormat, Printer};

/// Flags accepted by every command.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Okta org URL, e.g. https://acme.okta.com [default: OKTA_CLIENT_ORGURL, then okta.yaml]
    #[arg(long, global = true, value_name = "URL")]
    pub org_url: Option<String>,

    /// Named org profile from okta.yaml (okta.profiles.NAME) [default: OKTA_CLIENT_PROFILE]
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// Read the API token from this file (never pass a token as an argument) [default:
    /// OKTA_CLIENT_TOKEN, then okta.yaml]
    #[arg(long, global = true, value_name = "PATH")]
    pub token_file: Option<PathBuf>,

    /// Time limit for one request: seconds (30), or with a unit (500ms, 10s, 2m).
    #[arg(long, global = true, value_name = "DURATION", value_parser = crate::duration::parse)]
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

/// The client of one org of a manifest (`plan`, `apply`, `export`).
pub struct OrgClient {
    /// The client, with pace mode on: it waits for the rate-limit reset instead of running
    /// into a 429.
    pub client: Client,
    /// What it authenticates with and where that came from (never the secret), for the
    /// advice on a 401.
    pub credential: String,
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

    /// `--timeout`, for commands that do not build a client.
    pub fn timeout(&self) -> Option<Duration> {
        self.global.timeout
    }

    /// The client, built from the configuration on first use. Commands that never talk to
    /// Okta (completions, emulator) never need a configuration.
    pub fn client(&self) -> Result<&Client> {
        if let Some(resolved) = self.resolved.get() {
            return Ok(&resolved.client);
        }
        let resolved = resolve(&self.global, &self.printer)?;
        Ok(&self.resolved.get_or_init(|| resolved).client)
    }

    /// A client for one org of a manifest, pace mode on. With `profile`, the org is that
    /// okta.yaml profile: its org URL must come from the profile and no credential from the
    /// environment, since OKTA_CLIENT_* would point every org of the manifest at one org.
    /// Without, the usual configuration applies (flags, environment, okta.yaml).
    pub fn org_client(&self, profile: Option<&str>) -> Result<OrgClient> {
        build_org_client(&self.org_config(profile)?, None)
    }

    /// The configuration [`org_client`](Self::org_client) builds from, checked the same way.
    pub fn org_config(&self, profile: Option<&str>) -> Result<okta_eventhooks::config::Config> {
        let config = load_config(&self.global, profile, &self.printer)?;
        if let Some(profile) = profile {
            check_profile_origins(&config, profile)?;
        }
        Ok(config)
    }

    /// Whether a global flag chooses the org (`--org-url`, `--profile`, `--token-file`), which
    /// a manifest with `orgs:` must not be mixed with.
    pub fn org_flag(&self) -> Option<&'static str> {
        if self.global.org_url.is_some() {
            Some("--org-url")
        } else if self.global.profile.is_some() {
            Some("--profile")
        } else if self.global.token_file.is_some() {
            Some("--token-file")
        } else {
            None
        }
    }

    /// Lines of advice for an error, based on what it is and how the client was configured.
    pub fn hints_for(&self, error: &CliError) -> Vec<String> {
        let mut hints: Vec<String> = error.attached_hints().to_vec();
        if matches!(
            error.root(),
            CliError::Config(_) | CliError::Okta(okta_eventhooks::Error::Config(_))
        ) {
            hints.push(
                "on the command line: --org-url URL, --token-file PATH, --profile NAME (a token is never taken as an argument)"
                    .into(),
            );
        }
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
            // What each 403 means is the SDK's to say (Okta's rules in one place); for a
            // request that reached Okta without its credential, where it was sent helps too.
            let hint = e.auth_hint().unwrap_or_default();
            let sent = match (e.is_invalid_session(), self.resolved.get(), org) {
                (true, Some(resolved), Some(org)) => {
                    format!(" (the {} was sent to {org})", resolved.credential)
                }
                _ => String::new(),
            };
            hints.push(format!("{hint}{sent}"));
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
        } else if let okta_eventhooks::Error::ResponseTooLarge { limit, .. } = e {
            hints.push(format!(
                "retrying will not help: the answer is larger than the CLI reads ({limit} bytes); Okta's event-hook answers are far smaller, so check that {} is an Okta org",
                org.unwrap_or("the org URL")
            ));
        } else if e.is_not_found() {
            hints.push("`okta-eventhooks list` shows the hooks that exist".into());
        }
        hints
    }
}

/// Installs the stderr logger for `-v`, and for a long-running server (`server`: its
/// `--log-format`) at the warning level without it. Only this workspace's targets are shown: the HTTP
/// stack's own trace output could include request headers, and so credentials.
pub fn init_tracing(verbose: u8, server: Option<LogFormat>) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let level = match (verbose, server) {
        (0, None) => return,
        // A long-running server logs its failures (a 503 and its cause) without -v.
        (0, Some(_)) => LevelFilter::WARN,
        (1, _) => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    // The SDK's targets and this binary's (its crate is also named `okta_eventhooks`).
    let filter = Targets::new().with_target("okta_eventhooks", level);
    // A second logger cannot be installed; that only happens in tests and is harmless.
    if server == Some(LogFormat::Json) {
        // One object per line, the event's fields at the top level.
        let layer = tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_writer(std::io::stderr);
        let _ = tracing_subscriber::registry()
            .with(layer.with_filter(filter))
            .try_init();
        return;
    }
    // Closing spans log each call and attempt with its status, request id and time.
    let layer = tracing_subscriber::fmt::layer()
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(std::io::stderr)
        .with_ansi(crate::output::stderr_colour());
    let _ = tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .try_init();
}

/// Resolves the configuration with the SDK's loader (`~/.okta/okta.yaml` < `./okta.yaml` <
/// `OKTA_CLIENT_*` < the flags, each setting on its own) and builds the one client of this run.
fn resolve(global: &GlobalArgs, printer: &Printer) -> Result<Resolved> {
    let config = load_config(global, None, printer)?;
    let credential = config.credential_summary();
    let client = config.client_builder()?.build()?;
    tracing::debug!(
        org_url = client.org_url(),
        credential,
        "configuration resolved"
    );
    Ok(Resolved { client, credential })
}

/// The client of one org, pace mode on (see [`Context::org_client`]); through `http` when
/// given (another org's HTTP client, with the same HTTP settings).
pub fn build_org_client(
    config: &okta_eventhooks::config::Config,
    http: Option<reqwest::Client>,
) -> Result<OrgClient> {
    let credential = config.credential_summary();
    let mut builder = config.client_builder()?.pace(true);
    if let Some(http) = http {
        builder = builder.http_client(http);
    }
    let client = builder.build()?;
    Ok(OrgClient { client, credential })
}

/// The configuration of `profile` (default: `--profile`, then `OKTA_CLIENT_PROFILE`) with the
/// global flags on top.
fn load_config(
    global: &GlobalArgs,
    profile: Option<&str>,
    printer: &Printer,
) -> Result<okta_eventhooks::config::Config> {
    let mut loader = ConfigLoader::new();
    if let Some(profile) = profile.or(global.profile.as_deref()) {
        loader = loader.profile(profile.to_owned());
    }
    let mut config = loader.load()?;
    if let Some(url) = &global.org_url {
        config.set_org_url(url.clone(), "--org-url");
    }
    if let Some(path) = &global.token_file {
        let origin = format!("--token-file {}", path.display());
        config.set_api_token(read_token_file(path)?, &origin);
    }
    if let Some(timeout) = global.timeout {
        config.set_request_timeout(timeout, "--timeout");
        config.set_connect_timeout(timeout, "--timeout");
    }
    if let Some(retries) = global.max_retries {
        config.set_max_retries(retries, "--max-retries");
    }
    for warning in config.warnings() {
        printer.warn(warning);
    }
    crate::manifest::secrets::guard_own_credentials(&config, global.token_file.as_deref());
    Ok(config)
}

/// Settings an org's profile must decide itself, and the credentials the environment must not
/// give to every org of a manifest at once.
const ORG_URL_KEY: &str = "okta.client.orgUrl";
const CREDENTIAL_KEYS: &[&str] = &[
    "okta.client.token",
    "okta.client.clientId",
    "okta.client.privateKey",
];

fn check_profile_origins(config: &okta_eventhooks::config::Config, profile: &str) -> Result<()> {
    let entries = config.entries();
    let from_profile = format!("(profile {profile})");
    let org_url = entries.iter().find(|e| e.key == ORG_URL_KEY);
    match org_url {
        Some(entry) if entry.origin.contains(&from_profile) => {}
        Some(entry) => {
            return Err(CliError::Config(format!(
                "profile {profile}: the org URL comes from {}, not from the profile; with orgs: in the manifest each org's URL must come from its profile (okta.profiles.{profile}.client.orgUrl)",
                entry.origin
            )));
        }
        None => {
            return Err(CliError::Config(format!(
                "profile {profile} has no org URL: add okta.profiles.{profile}.client.orgUrl to okta.yaml"
            )));
        }
    }
    if let Some(entry) = entries
        .iter()
        .find(|e| CREDENTIAL_KEYS.contains(&e.key.as_str()) && e.origin.starts_with("OKTA_CLIENT_"))
    {
        return Err(CliError::Config(format!(
            "profile {profile}: {} would be sent to every org of the manifest; unset it and give each profile its own credential",
            entry.origin
        )));
    }
    Ok(())
}

fn read_token_file(path: &std::path::Path) -> Result<Secret> {
    let text = limits::read_file(path, limits::SECRET_FILE).map_err(|e| {
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
