//! Configuration the way Okta's SDKs read it: files, environment variables, explicit settings.
//!
//! # Precedence (lowest to highest)
//!
//! 1. built-in defaults (those of [`ClientBuilder`](crate::ClientBuilder)),
//! 2. `~/.okta/okta.yaml`,
//! 3. `./okta.yaml` (the current directory),
//! 4. environment variables (`OKTA_CLIENT_*`),
//! 5. explicit settings: [`Config`]'s `set_*` methods (CLI flags) and builder calls made on
//!    the [`ClientBuilder`](crate::ClientBuilder) returned by [`Config::client_builder`].
//!
//! Each setting is resolved on its own: a token from the environment and an org URL from a
//! file combine. Every value remembers where it came from, and configuration errors name it.
//! A malformed value is reported only if it is the one in force: a higher source (a flag) may
//! still replace it.
//!
//! # The YAML file
//!
//! ```yaml
//! okta:
//!   client:
//!     orgUrl: https://acme.okta.com
//!     authorizationMode: PrivateKey      # SSWS (default) | Bearer | PrivateKey
//!     token: 00abc...                    # SSWS API token, or the access token for Bearer
//!     clientId: 0oa1b2c3d4
//!     scopes: [okta.eventHooks.read, okta.eventHooks.manage]   # or "a b" / "a,b"
//!     privateKey: ~/.okta/service-app.pem  # a path, inline PEM, or a JWK as JSON
//!     kid: my-key-1                      # also accepted: privateKeyId, keyId
//!     dpopEnabled: false
//!     oauthTokenRenewalOffset: 300       # seconds
//!     connectionTimeout: 10              # seconds
//!     requestTimeout: 30                 # seconds; 0 = the default
//!     rateLimit: { maxRetries: 2, maxBackoff: 30 }
//!     proxy: { host: proxy.corp, port: 3128, username: u, password: p }
//!     userAgent: my-app/1.0
//!   profiles:                            # optional named orgs, chosen with
//!     staging:                           # ConfigLoader::profile or OKTA_CLIENT_PROFILE
//!       client:
//!         orgUrl: https://acme.oktapreview.com
//!         token: 00def...
//! ```
//!
//! A profile's `client` settings override that same file's `okta.client`. Unknown keys are
//! ignored. When no `authorizationMode` is set, a token means `SSWS`, and a client id or private
//! key without a token means `PrivateKey`.
//!
//! # Settings
//!
//! Every setting, with its YAML path under `okta.client` and its environment variables; when
//! several names are listed, the first is canonical and the others are accepted too (for the
//! environment, the first one set wins). `OKTA_CLIENT_PROFILE` picks a profile. Empty
//! variables count as unset.
//!
//! | YAML (under `okta.client`) | Environment | Value |
//! | --- | --- | --- |
//! | `orgUrl` | `OKTA_CLIENT_ORGURL` | the org URL, e.g. `https://acme.okta.com` |
//! | `token` | `OKTA_CLIENT_TOKEN` | secret: the SSWS API token, or the access token for `Bearer` |
//! | `authorizationMode` | `OKTA_CLIENT_AUTHORIZATIONMODE` | `SSWS`, `Bearer` or `PrivateKey` |
//! | `clientId` | `OKTA_CLIENT_CLIENTID` | the OAuth client id |
//! | `scopes` | `OKTA_CLIENT_SCOPES` | a YAML list, or scopes separated by commas or spaces |
//! | `privateKey` | `OKTA_CLIENT_PRIVATEKEY` | secret: a file path (`~/` allowed), inline PEM, or a JWK as JSON |
//! | `kid`, `privateKeyId`, `keyId` | `OKTA_CLIENT_KID`, `OKTA_CLIENT_PRIVATEKEYID`, `OKTA_CLIENT_KEYID` | the key id of the client assertion |
//! | `connectionTimeout` | `OKTA_CLIENT_CONNECTIONTIMEOUT`, `OKTA_CLIENT_CONNECTION_TIMEOUT` | duration; 0 = the default |
//! | `requestTimeout` | `OKTA_CLIENT_REQUESTTIMEOUT`, `OKTA_CLIENT_REQUEST_TIMEOUT` | duration; 0 = the default |
//! | `rateLimit.maxRetries` | `OKTA_CLIENT_RATELIMIT_MAXRETRIES`, `OKTA_CLIENT_RATE_LIMIT_MAX_RETRIES` | retries after the first attempt |
//! | `rateLimit.maxBackoff` | `OKTA_CLIENT_RATELIMIT_MAXBACKOFF`, `OKTA_CLIENT_RATE_LIMIT_MAX_BACKOFF` | duration: the longest wait before a retry; 0 = the default |
//! | `proxy.host` | `OKTA_CLIENT_PROXY_HOST` | the proxy host (`http://` unless it names a scheme) |
//! | `proxy.port` | `OKTA_CLIENT_PROXY_PORT` | the proxy port |
//! | `proxy.username` | `OKTA_CLIENT_PROXY_USERNAME` | the proxy user name |
//! | `proxy.password` | `OKTA_CLIENT_PROXY_PASSWORD` | secret: the proxy password |
//! | `userAgent` | `OKTA_CLIENT_USERAGENT` | text appended to the `User-Agent` |
//! | `dpopEnabled` | `OKTA_CLIENT_DPOPENABLED` | `true` or `false`: DPoP from the start |
//! | `oauthTokenRenewalOffset` | `OKTA_CLIENT_OAUTHTOKENRENEWALOFFSET` | duration: how long before expiry the access token is renewed |
//!
//! Durations are seconds (`30`, `2.5`) or a number with a unit (`500ms`, `30s`, `2m`), as
//! [`parse_duration`] reads them. `true`/`false` may also be written `1`/`0`, `yes`/`no`,
//! `on`/`off`.
//!
//! A file holding a secret (token, inline key, proxy password) or a key file that group or
//! others may read is reported with a `tracing` warning and in [`Config::warnings`].

mod build;
mod load;
mod parse;
mod settings;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use load::{ConfigLoader, HOME_FILE, LOCAL_FILE, PROFILE_ENV};
pub use parse::{DurationError, parse_duration};

use crate::error::Result;
use crate::{Client, Secret};
use parse::{KeySource, Mode};
use settings::{Loaded, SETTINGS, Values};

/// One resolved setting, for display: secrets are shown as `[REDACTED]`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigEntry {
    /// The YAML name, e.g. `okta.client.orgUrl`.
    pub key: String,
    /// The value, or `[REDACTED]` for secrets.
    pub value: String,
    /// Where it came from: `~/.okta/okta.yaml`, `./okta.yaml`, `OKTA_CLIENT_ORGURL`, `--org-url`...
    pub origin: String,
}

/// Resolved settings, each remembering its origin. Made by [`ConfigLoader::load`]; adjust it
/// with the `set_*` methods (highest precedence), then call [`client_builder`](Self::client_builder).
#[derive(Clone, Debug)]
pub struct Config {
    values: Values,
    /// Where `~/` in a key path leads.
    home: Option<PathBuf>,
    /// What a relative key path is relative to.
    current: PathBuf,
    warnings: Vec<String>,
}

impl Config {
    fn empty(home: Option<PathBuf>, current: PathBuf) -> Self {
        Self {
            values: Values::default(),
            home,
            current,
            warnings: Vec::new(),
        }
    }

    /// Sets the org URL (e.g. from `--org-url`).
    pub fn set_org_url(&mut self, url: impl Into<String>, origin: &str) {
        settings::org_url.load(&mut self.values, &url.into(), origin);
    }

    /// Sets an SSWS API token and selects the `SSWS` mode (e.g. from `--api-token`).
    pub fn set_api_token(&mut self, token: Secret, origin: &str) {
        settings::token.load(&mut self.values, token.expose(), origin);
        self.values.authorization_mode = Some(Loaded::given(Mode::Ssws, "SSWS".into(), origin));
    }

    /// Sets a pre-issued access token and selects the `Bearer` mode.
    pub fn set_bearer_token(&mut self, token: Secret, origin: &str) {
        settings::token.load(&mut self.values, token.expose(), origin);
        self.values.authorization_mode = Some(Loaded::given(Mode::Bearer, "Bearer".into(), origin));
    }

    /// Sets the authorization mode by its configuration name (`SSWS`, `Bearer`, `PrivateKey`).
    pub fn set_authorization_mode(&mut self, mode: &str, origin: &str) {
        settings::authorization_mode.load(&mut self.values, mode, origin);
    }

    /// Sets the OAuth client id.
    pub fn set_client_id(&mut self, client_id: impl Into<String>, origin: &str) {
        settings::client_id.load(&mut self.values, &client_id.into(), origin);
    }

    /// Sets the private key: inline PEM, a JWK as JSON, or a file path (`~/` allowed).
    pub fn set_private_key(&mut self, key: Secret, origin: &str) {
        settings::private_key.load(&mut self.values, key.expose(), origin);
        self.warn_about_key_file();
    }

    /// Sets the key id (`kid`) of the client assertion.
    pub fn set_key_id(&mut self, kid: impl Into<String>, origin: &str) {
        settings::key_id.load(&mut self.values, &kid.into(), origin);
    }

    /// Sets the OAuth scopes.
    pub fn set_scopes<I, S>(&mut self, scopes: I, origin: &str)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let joined: Vec<String> = scopes.into_iter().map(|s| s.as_ref().to_owned()).collect();
        // Through the parser, as from a file: no scope at all is refused the same way.
        settings::scopes.load(&mut self.values, &joined.join(" "), origin);
    }

    /// Turns DPoP on or off from the start.
    pub fn set_dpop(&mut self, on: bool, origin: &str) {
        self.values.dpop = Some(Loaded::given(on, on.to_string(), origin));
    }

    /// Sets the limit for one request/response exchange.
    pub fn set_request_timeout(&mut self, d: Duration, origin: &str) {
        self.values.request_timeout = Some(Loaded::given(d, millis_text(d), origin));
    }

    /// Sets the limit for establishing a connection.
    pub fn set_connect_timeout(&mut self, d: Duration, origin: &str) {
        self.values.connection_timeout = Some(Loaded::given(d, millis_text(d), origin));
    }

    /// Sets the number of retries after the first attempt.
    pub fn set_max_retries(&mut self, n: u32, origin: &str) {
        self.values.max_retries = Some(Loaded::given(n, n.to_string(), origin));
    }

    /// Sets the text appended to the `User-Agent`.
    pub fn set_user_agent(&mut self, extra: impl Into<String>, origin: &str) {
        settings::user_agent.load(&mut self.values, &extra.into(), origin);
    }

    /// The org URL as configured (not yet validated).
    pub fn org_url(&self) -> Option<&str> {
        self.values.org_url.as_ref().map(|s| s.text.expose())
    }

    /// Warnings found while loading (e.g. a secret-holding file readable by others).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Every setting that has a value, with its origin; secrets are `[REDACTED]`.
    pub fn entries(&self) -> Vec<ConfigEntry> {
        SETTINGS
            .iter()
            .filter_map(|setting| {
                let (text, origin) = setting.loaded(&self.values)?;
                Some(ConfigEntry {
                    key: setting.name(),
                    value: if setting.secret {
                        crate::REDACTED.to_owned()
                    } else {
                        text.expose().to_owned()
                    },
                    origin: origin.to_owned(),
                })
            })
            .collect()
    }

    /// The mode: explicit, else inferred from which credential is present.
    fn mode(&self) -> std::result::Result<Option<Mode>, String> {
        let v = &self.values;
        if let Some(mode) = &v.authorization_mode {
            return mode.get().map(|m| Some(*m));
        }
        Ok(if v.token.is_some() {
            Some(Mode::Ssws)
        } else if v.client_id.is_some() || v.private_key.is_some() {
            Some(Mode::PrivateKey)
        } else {
            None
        })
    }

    /// What the client will authenticate with, and where it came from; never the secret.
    /// E.g. `SSWS API token from OKTA_CLIENT_TOKEN`.
    pub fn credential_summary(&self) -> String {
        let v = &self.values;
        let mode = match self.mode() {
            Ok(Some(mode)) => mode,
            Ok(None) => return "no credentials configured".into(),
            Err(e) => return e,
        };
        match mode {
            Mode::Ssws => format!(
                "SSWS API token from {}",
                origin_or_missing(&v.token, &settings::token)
            ),
            Mode::Bearer => format!(
                "Bearer access token from {}",
                origin_or_missing(&v.token, &settings::token)
            ),
            Mode::PrivateKey => {
                let client_id = v
                    .client_id
                    .as_ref()
                    .map(|s| format!("{} (from {})", s.text.expose(), s.origin))
                    .unwrap_or_else(|| "(missing)".into());
                let mut text = format!(
                    "OAuth 2.0 private key JWT: client id {client_id}, private key from {}",
                    origin_or_missing(&v.private_key, &settings::private_key)
                );
                if let Some(kid) = &v.key_id {
                    text.push_str(&format!(
                        ", key id {} (from {})",
                        kid.text.expose(),
                        kid.origin
                    ));
                }
                let scopes = match &v.scopes {
                    Some(s) => s.value.as_deref().unwrap_or_default().join(" "),
                    None => crate::DEFAULT_SCOPES.join(" "),
                };
                text.push_str(&format!(", scopes {scopes} (from {})", origin(&v.scopes)));
                let dpop = v.dpop.as_ref().is_some_and(|s| s.value == Ok(true));
                text.push_str(if dpop {
                    ", DPoP on"
                } else {
                    ", DPoP when required"
                });
                text
            }
        }
    }

    /// `~/x` against the home directory, a relative path against the current directory.
    fn expand(&self, path: &str) -> PathBuf {
        if let (Some(rest), Some(home)) = (path.strip_prefix("~/"), &self.home) {
            return home.join(rest);
        }
        let path = Path::new(path);
        if path.is_absolute() {
            path.to_owned()
        } else {
            self.current.join(path)
        }
    }

    /// The secrets of this configuration as given (the API or access token, the private key or
    /// its path, the proxy password), for a caller that must make sure none of them is sent
    /// anywhere else, e.g. as an event hook's secret. Never print them.
    pub fn secrets(&self) -> Vec<Secret> {
        SETTINGS
            .iter()
            .filter(|setting| setting.secret)
            .filter_map(|setting| setting.loaded(&self.values))
            .map(|(text, _)| text.clone())
            .collect()
    }

    /// The files this configuration takes credentials from: the okta.yaml files it reads
    /// (`~/.okta/okta.yaml`, `./okta.yaml`, whether they exist or not) and the private key
    /// file, if the key is one. For a caller that must not read them for anything else.
    pub fn credential_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self
            .home
            .iter()
            .map(|home| home.join(".okta").join("okta.yaml"))
            .chain([self.current.join("okta.yaml")])
            .collect();
        if let Some(Loaded {
            value: Ok(KeySource::File(path)),
            ..
        }) = &self.values.private_key
        {
            files.push(self.expand(path.expose()));
        }
        files
    }

    /// Warns when the private key in force is a file that group or others may read. Called
    /// once the sources are read, and again when [`set_private_key`](Self::set_private_key)
    /// replaces the key.
    fn warn_about_key_file(&mut self) {
        let Some(Loaded {
            value: Ok(KeySource::File(path)),
            origin,
            ..
        }) = &self.values.private_key
        else {
            return;
        };
        let path = self.expand(path.expose());
        let label = format!("the private key file (from {origin})");
        self.warn_if_shared(&path, &label);
    }

    /// Warns when a file holding a secret may be read by group or others.
    fn warn_if_shared(&mut self, path: &Path, label: &str) {
        if let Some(warning) = shared_warning(path, label) {
            tracing::warn!("{warning}");
            self.warnings.push(warning);
        }
    }
}

impl Client {
    /// A client configured the way Okta's SDKs are: `~/.okta/okta.yaml`, then `./okta.yaml`,
    /// then `OKTA_CLIENT_*` environment variables (later ones win). See [`crate::config`].
    ///
    /// ```no_run
    /// # async fn run() -> okta_eventhooks::Result<()> {
    /// let client = okta_eventhooks::Client::from_env()?;
    /// let hooks = client.list_event_hooks().await?;
    /// # Ok(()) }
    /// ```
    // Here rather than in `client.rs`, so that the client does not depend on its configuration.
    pub fn from_env() -> Result<Client> {
        ConfigLoader::new().load()?.client_builder()?.build()
    }
}

/// Where a value came from, or `default` when it is unset.
fn origin<T>(loaded: &Option<Loaded<T>>) -> &str {
    loaded.as_ref().map_or("default", |s| s.origin.as_str())
}

fn origin_or_missing<T>(loaded: &Option<Loaded<T>>, setting: &settings::Setting) -> String {
    match loaded {
        Some(s) => s.origin.clone(),
        None => format!("nowhere (missing: set {})", setting.how_to_set()),
    }
}

/// A duration given as a `Duration` (a flag), shown in entries in milliseconds, which
/// [`parse_duration`] reads back.
fn millis_text(d: Duration) -> String {
    format!("{}ms", d.as_millis())
}

#[cfg(unix)]
fn shared_warning(path: &Path, label: &str) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    if mode & 0o077 == 0 {
        return None;
    }
    Some(format!(
        "{label} ({}) holds a secret but is readable by others (mode {:o}); run: chmod 600 {}",
        path.display(),
        mode & 0o777,
        path.display()
    ))
}

#[cfg(not(unix))]
fn shared_warning(_path: &Path, _label: &str) -> Option<String> {
    None
}
