//! Configuration the way Okta's SDKs read it: files, environment variables, explicit settings.
//!
//! # Precedence (lowest to highest)
//!
//! 1. built-in defaults (those of [`ClientBuilder`]),
//! 2. `~/.okta/okta.yaml`,
//! 3. `./okta.yaml` (the current directory),
//! 4. environment variables (`OKTA_CLIENT_*`),
//! 5. explicit settings: [`Config`]'s `set_*` methods (CLI flags) and builder calls made on
//!    the [`ClientBuilder`] returned by [`Config::client_builder`].
//!
//! Each setting is resolved on its own: a token from the environment and an org URL from a
//! file combine. Every value remembers where it came from, and configuration errors name it.
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
//! # Environment variables
//!
//! `OKTA_CLIENT_ORGURL`, `OKTA_CLIENT_TOKEN`, `OKTA_CLIENT_AUTHORIZATIONMODE`,
//! `OKTA_CLIENT_CLIENTID`, `OKTA_CLIENT_SCOPES` (comma or space separated),
//! `OKTA_CLIENT_PRIVATEKEY`, `OKTA_CLIENT_KID` (or `..._PRIVATEKEYID`, `..._KEYID`),
//! `OKTA_CLIENT_CONNECTIONTIMEOUT`, `OKTA_CLIENT_REQUESTTIMEOUT`,
//! `OKTA_CLIENT_RATELIMIT_MAXRETRIES`, `OKTA_CLIENT_RATELIMIT_MAXBACKOFF` (the underscored
//! spellings `OKTA_CLIENT_REQUEST_TIMEOUT`, `OKTA_CLIENT_RATE_LIMIT_MAX_RETRIES`... too),
//! `OKTA_CLIENT_PROXY_{HOST,PORT,USERNAME,PASSWORD}`, `OKTA_CLIENT_USERAGENT`,
//! `OKTA_CLIENT_DPOPENABLED`, `OKTA_CLIENT_OAUTHTOKENRENEWALOFFSET`, and
//! `OKTA_CLIENT_PROFILE` to pick a profile. Empty variables count as unset.
//!
//! A file holding a secret (token, inline key, proxy password) or a key file that group or
//! others may read is reported with a `tracing` warning and in [`Config::warnings`].

mod load;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use load::{ConfigLoader, HOME_FILE, LOCAL_FILE, PROFILE_ENV};

use crate::client::ClientBuilder;
use crate::error::{Error, Result};
use crate::{Client, Secret};

/// A setting Okta's configuration knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    OrgUrl,
    Token,
    AuthorizationMode,
    ClientId,
    Scopes,
    PrivateKey,
    KeyId,
    ConnectionTimeout,
    RequestTimeout,
    MaxRetries,
    MaxBackoff,
    ProxyHost,
    ProxyPort,
    ProxyUsername,
    ProxyPassword,
    UserAgent,
    Dpop,
    TokenRenewalOffset,
}

impl Field {
    const ALL: [Field; 18] = [
        Field::OrgUrl,
        Field::Token,
        Field::AuthorizationMode,
        Field::ClientId,
        Field::Scopes,
        Field::PrivateKey,
        Field::KeyId,
        Field::ConnectionTimeout,
        Field::RequestTimeout,
        Field::MaxRetries,
        Field::MaxBackoff,
        Field::ProxyHost,
        Field::ProxyPort,
        Field::ProxyUsername,
        Field::ProxyPassword,
        Field::UserAgent,
        Field::Dpop,
        Field::TokenRenewalOffset,
    ];

    fn is_secret(self) -> bool {
        matches!(
            self,
            Field::Token | Field::PrivateKey | Field::ProxyPassword
        )
    }

    /// The YAML name, e.g. `okta.client.rateLimit.maxRetries`.
    fn name(self) -> String {
        format!("okta.client.{}", self.yaml_paths()[0])
    }

    /// "okta.client.orgUrl / OKTA_CLIENT_ORGURL", for "set it with" hints.
    fn how_to_set(self) -> String {
        format!("{} or {}", self.name(), self.env_names()[0])
    }
}

/// A value and the source it came from.
#[derive(Clone, Debug)]
struct Setting {
    /// Every value is held as a [`Secret`], so `Debug` of a [`Config`] never leaks one.
    value: Secret,
    origin: String,
}

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
    settings: Vec<(Field, Setting)>,
    home: Option<PathBuf>,
    current: PathBuf,
    warnings: Vec<String>,
}

/// The authorization modes Okta's configuration names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Ssws,
    Bearer,
    PrivateKey,
}

impl Config {
    fn empty(home: Option<PathBuf>, current: PathBuf) -> Self {
        Self {
            settings: Vec::new(),
            home,
            current,
            warnings: Vec::new(),
        }
    }

    fn put(&mut self, key: Field, value: Secret, origin: &str) {
        let setting = Setting::new(value, origin);
        match self.settings.iter_mut().find(|(k, _)| *k == key) {
            Some((_, slot)) => *slot = setting,
            None => self.settings.push((key, setting)),
        }
    }

    fn get(&self, key: Field) -> Option<&Setting> {
        self.settings
            .iter()
            .find_map(|(k, s)| (*k == key).then_some(s))
    }

    fn origin(&self, key: Field) -> String {
        self.get(key)
            .map(|s| s.origin.clone())
            .unwrap_or_else(|| "default".into())
    }

    /// Sets the org URL (e.g. from `--org-url`).
    pub fn set_org_url(&mut self, url: impl Into<String>, origin: &str) {
        self.put(Field::OrgUrl, Secret::new(url), origin);
    }

    /// Sets an SSWS API token and selects the `SSWS` mode (e.g. from `--api-token`).
    pub fn set_api_token(&mut self, token: Secret, origin: &str) {
        self.put(Field::Token, token, origin);
        self.put(Field::AuthorizationMode, Secret::new("SSWS"), origin);
    }

    /// Sets a pre-issued access token and selects the `Bearer` mode.
    pub fn set_bearer_token(&mut self, token: Secret, origin: &str) {
        self.put(Field::Token, token, origin);
        self.put(Field::AuthorizationMode, Secret::new("Bearer"), origin);
    }

    /// Sets the authorization mode by its configuration name (`SSWS`, `Bearer`, `PrivateKey`).
    pub fn set_authorization_mode(&mut self, mode: &str, origin: &str) {
        self.put(Field::AuthorizationMode, Secret::new(mode), origin);
    }

    /// Sets the OAuth client id.
    pub fn set_client_id(&mut self, client_id: impl Into<String>, origin: &str) {
        self.put(Field::ClientId, Secret::new(client_id), origin);
    }

    /// Sets the private key: inline PEM, a JWK as JSON, or a file path (`~/` allowed).
    pub fn set_private_key(&mut self, key: Secret, origin: &str) {
        self.put(Field::PrivateKey, key, origin);
    }

    /// Sets the key id (`kid`) of the client assertion.
    pub fn set_key_id(&mut self, kid: impl Into<String>, origin: &str) {
        self.put(Field::KeyId, Secret::new(kid), origin);
    }

    /// Sets the OAuth scopes.
    pub fn set_scopes<I, S>(&mut self, scopes: I, origin: &str)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let joined: Vec<String> = scopes.into_iter().map(|s| s.as_ref().to_owned()).collect();
        self.put(Field::Scopes, Secret::new(joined.join(" ")), origin);
    }

    /// Turns DPoP on or off from the start.
    pub fn set_dpop(&mut self, on: bool, origin: &str) {
        self.put(Field::Dpop, Secret::new(on.to_string()), origin);
    }

    /// Sets the limit for one request/response exchange.
    pub fn set_request_timeout(&mut self, d: Duration, origin: &str) {
        self.put(Field::RequestTimeout, secs(d), origin);
    }

    /// Sets the limit for establishing a connection.
    pub fn set_connect_timeout(&mut self, d: Duration, origin: &str) {
        self.put(Field::ConnectionTimeout, secs(d), origin);
    }

    /// Sets the number of retries after the first attempt.
    pub fn set_max_retries(&mut self, n: u32, origin: &str) {
        self.put(Field::MaxRetries, Secret::new(n.to_string()), origin);
    }

    /// Sets the text appended to the `User-Agent`.
    pub fn set_user_agent(&mut self, extra: impl Into<String>, origin: &str) {
        self.put(Field::UserAgent, Secret::new(extra), origin);
    }

    /// The org URL as configured (not yet validated).
    pub fn org_url(&self) -> Option<&str> {
        self.get(Field::OrgUrl).map(|s| s.value.expose())
    }

    /// Warnings found while loading (e.g. a secret-holding file readable by others).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Every setting that has a value, with its origin; secrets are `[REDACTED]`.
    pub fn entries(&self) -> Vec<ConfigEntry> {
        Field::ALL
            .iter()
            .filter_map(|key| {
                let s = self.get(*key)?;
                Some(ConfigEntry {
                    key: key.name(),
                    value: if key.is_secret() {
                        crate::REDACTED.to_owned()
                    } else {
                        s.value.expose().to_owned()
                    },
                    origin: s.origin.clone(),
                })
            })
            .collect()
    }

    /// The mode: explicit, else inferred from which credential is present.
    fn mode(&self) -> std::result::Result<Option<Mode>, String> {
        if let Some(s) = self.get(Field::AuthorizationMode) {
            return match s.value.expose().to_ascii_lowercase().as_str() {
                "ssws" => Ok(Some(Mode::Ssws)),
                "bearer" => Ok(Some(Mode::Bearer)),
                "privatekey" | "private_key" => Ok(Some(Mode::PrivateKey)),
                _ => Err(format!(
                    "okta.client.authorizationMode {:?} (from {}) is not one of SSWS, Bearer, PrivateKey",
                    s.value.expose(),
                    s.origin
                )),
            };
        }
        Ok(if self.get(Field::Token).is_some() {
            Some(Mode::Ssws)
        } else if self.get(Field::ClientId).is_some() || self.get(Field::PrivateKey).is_some() {
            Some(Mode::PrivateKey)
        } else {
            None
        })
    }

    /// What the client will authenticate with, and where it came from; never the secret.
    /// E.g. `SSWS API token from OKTA_CLIENT_TOKEN`.
    pub fn credential_summary(&self) -> String {
        let mode = match self.mode() {
            Ok(Some(mode)) => mode,
            Ok(None) => return "no credentials configured".into(),
            Err(e) => return e,
        };
        match mode {
            Mode::Ssws => format!(
                "SSWS API token from {}",
                self.origin_or_missing(Field::Token)
            ),
            Mode::Bearer => format!(
                "Bearer access token from {}",
                self.origin_or_missing(Field::Token)
            ),
            Mode::PrivateKey => {
                let client_id = self
                    .get(Field::ClientId)
                    .map(|s| format!("{} (from {})", s.value.expose(), s.origin))
                    .unwrap_or_else(|| "(missing)".into());
                let mut text = format!(
                    "OAuth 2.0 private key JWT: client id {client_id}, private key from {}",
                    self.origin_or_missing(Field::PrivateKey)
                );
                if let Some(kid) = self.get(Field::KeyId) {
                    text.push_str(&format!(
                        ", key id {} (from {})",
                        kid.value.expose(),
                        kid.origin
                    ));
                }
                let scopes = self
                    .get(Field::Scopes)
                    .map(|s| split_scopes(s.value.expose()).join(" "))
                    .unwrap_or_else(|| crate::DEFAULT_SCOPES.join(" "));
                text.push_str(&format!(
                    ", scopes {scopes} (from {})",
                    self.origin(Field::Scopes)
                ));
                let dpop = matches!(self.flag(Field::Dpop), Ok(Some(true)));
                text.push_str(if dpop {
                    ", DPoP on"
                } else {
                    ", DPoP when required"
                });
                text
            }
        }
    }

    fn origin_or_missing(&self, key: Field) -> String {
        self.get(key)
            .map(|s| s.origin.clone())
            .unwrap_or_else(|| format!("nowhere (missing: set {})", key.how_to_set()))
    }

    /// A [`ClientBuilder`] with every configured setting applied. The error lists everything
    /// that is missing or malformed, each with its origin (never a secret value).
    pub fn client_builder(&self) -> Result<ClientBuilder> {
        let mut problems = Vec::new();
        let mut builder = Client::builder();

        match self.get(Field::OrgUrl) {
            None => problems.push(format!(
                "no org URL: set {} (e.g. https://acme.okta.com)",
                Field::OrgUrl.how_to_set()
            )),
            Some(s) => match crate::org_url::normalize(s.value.expose()) {
                Ok(url) => builder = builder.org_url(url),
                Err(e) => problems.push(format!("{} (from {})", strip(&e), s.origin)),
            },
        }

        match self.mode() {
            Err(e) => problems.push(e),
            Ok(None) => problems.push(format!(
                "no credentials: set an API token ({}), or authorizationMode PrivateKey with a client id ({}) and a private key ({})",
                Field::Token.how_to_set(),
                Field::ClientId.how_to_set(),
                Field::PrivateKey.how_to_set()
            )),
            Ok(Some(Mode::Ssws | Mode::Bearer)) => match self.get(Field::Token) {
                None => problems.push(format!(
                    "authorizationMode {} (from {}) needs a token: set {}",
                    self.get(Field::AuthorizationMode)
                        .map(|s| s.value.expose())
                        .unwrap_or("SSWS"),
                    self.origin(Field::AuthorizationMode),
                    Field::Token.how_to_set()
                )),
                Some(s) => {
                    builder = if self.mode() == Ok(Some(Mode::Bearer)) {
                        builder.bearer_token(s.value.clone())
                    } else {
                        builder.api_token(s.value.clone())
                    }
                }
            },
            Ok(Some(Mode::PrivateKey)) => {
                builder = self.oauth(builder, &mut problems);
            }
        }

        builder = self.http_settings(builder, &mut problems);

        if problems.is_empty() {
            return Ok(builder);
        }
        let list: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
        Err(Error::Config(format!(
            "{} problem(s) in the Okta configuration (precedence: {HOME_FILE} < {LOCAL_FILE} < environment < flags):\n{}",
            problems.len(),
            list.join("\n")
        )))
    }

    fn oauth(&self, mut builder: ClientBuilder, problems: &mut Vec<String>) -> ClientBuilder {
        let why = format!(
            "authorizationMode PrivateKey (from {})",
            self.origin(Field::AuthorizationMode)
        );
        match self.get(Field::ClientId) {
            Some(s) => builder = builder.client_id(s.value.expose()),
            None => problems.push(format!(
                "{why} needs a client id: set {}",
                Field::ClientId.how_to_set()
            )),
        }
        match self.get(Field::PrivateKey) {
            None => problems.push(format!(
                "{why} needs a private key: set {} to a PEM file path, inline PEM or a JWK",
                Field::PrivateKey.how_to_set()
            )),
            Some(s) => match self.private_key_text(s) {
                Ok(text) => match crate::auth::check_private_key(text.expose()) {
                    Ok(()) => builder = builder.private_key(text),
                    Err(e) => problems.push(format!("{} (from {})", strip(&e), s.origin)),
                },
                Err(e) => problems.push(e),
            },
        }
        if let Some(s) = self.get(Field::KeyId) {
            builder = builder.key_id(s.value.expose());
        }
        if let Some(s) = self.get(Field::Scopes) {
            let scopes = split_scopes(s.value.expose());
            if scopes.is_empty() {
                problems.push(format!("okta.client.scopes (from {}) is empty", s.origin));
            } else {
                builder = builder.scopes(scopes);
            }
        }
        match self.flag(Field::Dpop) {
            Ok(Some(on)) => builder = builder.dpop(on),
            Ok(None) => {}
            Err(e) => problems.push(e),
        }
        match self.duration(Field::TokenRenewalOffset) {
            Ok(Some(d)) => builder = builder.token_renewal_offset(d),
            Ok(None) => {}
            Err(e) => problems.push(e),
        }
        builder
    }

    fn http_settings(
        &self,
        mut builder: ClientBuilder,
        problems: &mut Vec<String>,
    ) -> ClientBuilder {
        // 0 means "no value" in Okta's configuration templates: keep the default.
        match self.duration(Field::ConnectionTimeout) {
            Ok(Some(d)) if !d.is_zero() => builder = builder.connect_timeout(d),
            Ok(_) => {}
            Err(e) => problems.push(e),
        }
        match self.duration(Field::RequestTimeout) {
            Ok(Some(d)) if !d.is_zero() => builder = builder.request_timeout(d),
            Ok(_) => {}
            Err(e) => problems.push(e),
        }
        match self.duration(Field::MaxBackoff) {
            Ok(Some(d)) if !d.is_zero() => builder = builder.max_backoff(d),
            Ok(_) => {}
            Err(e) => problems.push(e),
        }
        if let Some(s) = self.get(Field::MaxRetries) {
            match s.value.expose().parse::<u32>() {
                Ok(n) => builder = builder.max_retries(n),
                Err(_) => problems.push(format!(
                    "{} {:?} (from {}) is not a whole number",
                    Field::MaxRetries.name(),
                    s.value.expose(),
                    s.origin
                )),
            }
        }
        if let Some(s) = self.get(Field::UserAgent) {
            builder = builder.user_agent_extra(s.value.expose());
        }
        match self.proxy_url() {
            Ok(Some(url)) => builder = builder.proxy(url),
            Ok(None) => {}
            Err(e) => problems.push(e),
        }
        builder
    }

    /// `proxy.*` as one URL with the credentials percent-encoded (kept secret).
    fn proxy_url(&self) -> std::result::Result<Option<Secret>, String> {
        let Some(host) = self.get(Field::ProxyHost) else {
            if self.get(Field::ProxyPort).is_some() || self.get(Field::ProxyUsername).is_some() {
                return Err(format!(
                    "a proxy port or user name is set but no {}",
                    Field::ProxyHost.how_to_set()
                ));
            }
            return Ok(None);
        };
        let raw = host.value.expose();
        let with_scheme = if raw.contains("://") {
            raw.to_owned()
        } else {
            format!("http://{raw}")
        };
        let bad = |why: &str| {
            format!(
                "{} {raw:?} (from {}) {why}",
                Field::ProxyHost.name(),
                host.origin
            )
        };
        let mut url = url::Url::parse(&with_scheme).map_err(|_| bad("is not a host name"))?;
        if let Some(port) = self.get(Field::ProxyPort) {
            let n = port.value.expose().parse::<u16>().map_err(|_| {
                format!(
                    "{} {:?} (from {}) is not a port number",
                    Field::ProxyPort.name(),
                    port.value.expose(),
                    port.origin
                )
            })?;
            url.set_port(Some(n))
                .map_err(|_| bad("cannot take a port"))?;
        }
        if let Some(user) = self.get(Field::ProxyUsername) {
            url.set_username(user.value.expose())
                .map_err(|_| bad("cannot take a user name"))?;
            if let Some(password) = self.get(Field::ProxyPassword) {
                url.set_password(Some(password.value.expose()))
                    .map_err(|_| bad("cannot take a password"))?;
            }
        }
        Ok(Some(Secret::new(String::from(url))))
    }

    /// The key text: inline PEM/JWK as is, else the file at that path (read now).
    fn private_key_text(&self, s: &Setting) -> std::result::Result<Secret, String> {
        let value = s.value.expose().trim();
        if value.starts_with('{') || value.contains("-----BEGIN") {
            return Ok(s.value.clone());
        }
        let path = self.expand(value);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                warn_if_shared_path(&path, &format!("the private key file (from {})", s.origin));
                Ok(Secret::new(text))
            }
            Err(e) => Err(format!(
                "cannot read the private key file {} (from {}): {e}",
                path.display(),
                s.origin
            )),
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

    fn flag(&self, key: Field) -> std::result::Result<Option<bool>, String> {
        let Some(s) = self.get(key) else {
            return Ok(None);
        };
        match s.value.expose().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(Some(true)),
            "false" | "0" | "no" | "off" => Ok(Some(false)),
            other => Err(format!(
                "{} {other:?} (from {}) is not true or false",
                key.name(),
                s.origin
            )),
        }
    }

    /// Seconds (`30`, `2.5`), or with a unit (`500ms`, `30s`, `5m`).
    fn duration(&self, key: Field) -> std::result::Result<Option<Duration>, String> {
        let Some(s) = self.get(key) else {
            return Ok(None);
        };
        parse_duration(s.value.expose()).map(Some).ok_or_else(|| {
            format!(
                "{} {:?} (from {}) is not a duration: use seconds (30) or a unit (500ms, 30s, 5m)",
                key.name(),
                s.value.expose(),
                s.origin
            )
        })
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
    pub fn from_env() -> Result<Client> {
        ConfigLoader::new().load()?.client_builder()?.build()
    }
}

fn secs(d: Duration) -> Secret {
    Secret::new(format!("{}ms", d.as_millis()))
}

fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = number.trim().parse().ok()?;
    Duration::try_from_secs_f64(value * scale).ok()
}

fn split_scopes(text: &str) -> Vec<String> {
    text.split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The message of a configuration error without its "configuration error: " prefix.
fn strip(e: &Error) -> String {
    match e {
        Error::Config(message) => message.clone(),
        other => other.to_string(),
    }
}

/// Warns when a file holding a secret may be read by group or others.
fn warn_if_shared(config: &mut Config, path: &Path, label: &str) {
    if let Some(warning) = shared_warning(path, label) {
        config.warnings.push(warning);
    }
}

fn warn_if_shared_path(path: &Path, label: &str) {
    shared_warning(path, label);
}

#[cfg(unix)]
fn shared_warning(path: &Path, label: &str) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    if mode & 0o077 == 0 {
        return None;
    }
    let warning = format!(
        "{label} ({}) holds a secret but is readable by others (mode {:o}); run: chmod 600 {}",
        path.display(),
        mode & 0o777,
        path.display()
    );
    tracing::warn!("{warning}");
    Some(warning)
}

#[cfg(not(unix))]
fn shared_warning(_path: &Path, _label: &str) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("2.5"), Some(Duration::from_millis(2500)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("abc"), None);
        assert_eq!(parse_duration("-1"), None);
    }

    #[test]
    fn scopes_split_on_commas_and_spaces() {
        assert_eq!(split_scopes("a, b c,,d"), ["a", "b", "c", "d"]);
    }
}
