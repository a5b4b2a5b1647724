//! How the client proves who it is to NATS and how it sets up TLS, besides what the server
//! URLs say: the options of the `nats` CLI (user and password, token, creds file, nkey seed,
//! CA, client certificate, TLS first).

use std::fmt;
use std::path::{Path, PathBuf};

use okta_eventhooks::Secret;

use crate::error::{Error, Result};

/// How to authenticate to NATS and set up TLS. `Debug` never shows a secret; files are read
/// when connecting.
#[derive(Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct NatsOptions {
    user: Option<(String, Secret)>,
    token: Option<Secret>,
    creds: Option<PathBuf>,
    nkey: Option<PathBuf>,
    tls_ca: Option<PathBuf>,
    tls_client: Option<(PathBuf, PathBuf)>,
    tls_first: bool,
}

/// The credentials a server URL carries (`nats://user:password@host`, `nats://token@host`).
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum UrlCredentials {
    UserPassword(String, String),
    Token(String),
}

impl NatsOptions {
    /// No credentials besides the URLs', TLS only for `tls://` URLs or when the server asks.
    pub fn new() -> Self {
        Self::default()
    }

    /// A user name and password (the `nats` CLI's `--user` and `NATS_PASSWORD`).
    pub fn user_password(mut self, user: impl Into<String>, password: Secret) -> Self {
        self.user = Some((user.into(), password));
        self
    }

    /// A token (the server's `authorization { token: ... }`).
    pub fn token(mut self, token: Secret) -> Self {
        self.token = Some(token);
        self
    }

    /// A creds file: a user JWT and its nkey seed (operator mode, managed NATS services).
    pub fn creds_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.creds = Some(path.into());
        self
    }

    /// A file holding an nkey seed (`SU...`), whose public key the server knows.
    pub fn nkey_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.nkey = Some(path.into());
        self
    }

    /// Trust the CA certificates in this PEM file for the servers' certificates (instead of
    /// the system's roots).
    pub fn tls_ca(mut self, path: impl Into<PathBuf>) -> Self {
        self.tls_ca = Some(path.into());
        self
    }

    /// Present this client certificate and key (PEM files) to the server: mutual TLS.
    pub fn tls_client_cert(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.tls_client = Some((cert.into(), key.into()));
        self
    }

    /// Start TLS before the server's first message (the server's `handshake_first`), as some
    /// load balancers and managed services need.
    pub fn tls_first(mut self, first: bool) -> Self {
        self.tls_first = first;
        self
    }

    /// Whether any TLS setting is given (a CA, a client certificate or TLS first): TLS is then
    /// required whatever the URL's scheme.
    fn wants_tls(&self) -> bool {
        self.tls_ca.is_some() || self.tls_client.is_some() || self.tls_first
    }

    /// The client's options with these settings and the URLs' `credentials`. At most one way
    /// to authenticate may be given; every file is read here, so that a missing one is named.
    pub(crate) async fn apply(
        &self,
        credentials: Option<UrlCredentials>,
        mut options: async_nats::ConnectOptions,
    ) -> Result<async_nats::ConnectOptions> {
        let given: Vec<&str> = [
            credentials.as_ref().map(|_| "credentials in the NATS URL"),
            self.user.as_ref().map(|_| "a user and password"),
            self.token.as_ref().map(|_| "a token"),
            self.creds.as_ref().map(|_| "a creds file"),
            self.nkey.as_ref().map(|_| "an nkey"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if given.len() > 1 {
            return Err(Error::InvalidInput(format!(
                "give one way to authenticate to NATS, not {}",
                given.join(" and ")
            )));
        }
        options = match credentials {
            Some(UrlCredentials::UserPassword(user, password)) => {
                options.user_and_password(user, password)
            }
            Some(UrlCredentials::Token(token)) => options.token(token),
            None => options,
        };
        if let Some((user, password)) = &self.user {
            options = options.user_and_password(user.clone(), password.expose().to_owned());
        }
        if let Some(token) = &self.token {
            options = options.token(token.expose().to_owned());
        }
        if let Some(path) = &self.creds {
            let creds = read(path, "creds file", auth_error)?;
            options = options.credentials(&creds).map_err(|e| {
                auth_error(format!("the creds file {} is not one: {e}", path.display()))
            })?;
        }
        if let Some(path) = &self.nkey {
            let seed = read(path, "nkey seed file", auth_error)?;
            let seed = seed.trim();
            // The seed itself is never quoted: only whether it looks like a user's.
            if !seed.starts_with("SU") {
                return Err(auth_error(format!(
                    "the nkey seed file {} does not hold a user seed (SU...)",
                    path.display()
                )));
            }
            options = options.nkey(seed.to_owned());
        }
        if let Some(path) = &self.tls_ca {
            read(path, "CA file", tls_error)?;
            options = options.add_root_certificates(path.clone());
        }
        if let Some((cert, key)) = &self.tls_client {
            read(cert, "client certificate file", tls_error)?;
            read(key, "client key file", tls_error)?;
            options = options.add_client_certificate(cert.clone(), key.clone());
        }
        if self.tls_first {
            options = options.tls_first();
        }
        if self.wants_tls() {
            options = options.require_tls(true);
        }
        Ok(options)
    }
}

/// A file's text; `error` sorts a failure (authentication or TLS, both a setting to fix).
fn read(path: &Path, what: &str, error: fn(String) -> Error) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| error(format!("cannot read the {what} {}: {e}", path.display())))
}

fn auth_error(reason: String) -> Error {
    Error::Authentication {
        servers: String::new(),
        reason,
    }
}

fn tls_error(reason: String) -> Error {
    Error::Tls {
        servers: String::new(),
        reason,
    }
}

/// Names what is set, never a secret or a file's content.
impl fmt::Debug for NatsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NatsOptions")
            .field("user", &self.user.as_ref().map(|(user, _)| user))
            .field("password", &self.user.as_ref().map(|_| "[REDACTED]"))
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field("creds", &self.creds)
            .field("nkey", &self.nkey)
            .field("tls_ca", &self.tls_ca)
            .field("tls_client", &self.tls_client)
            .field("tls_first", &self.tls_first)
            .finish()
    }
}
