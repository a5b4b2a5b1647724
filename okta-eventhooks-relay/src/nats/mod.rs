//! The NATS servers to connect to and how: the URLs (shown without their credentials) and the
//! [`NatsOptions`] (authentication, TLS). Every connection of this crate and the CLI is made
//! here, so that credentials are sent the same way everywhere and failures are sorted alike.

mod options;
mod redact;

use std::fmt;
use std::time::Duration;

use async_nats::{ConnectErrorKind, ServerAddr};
use percent_encoding::percent_decode_str;

use crate::error::{Error, Result};

pub use options::NatsOptions;
use options::UrlCredentials;
pub(crate) use redact::redact;

/// How long the first connection may take before the relay gives up starting.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// One or more NATS server URLs (`nats://host:4222`, `tls://host:4222`, `host:4222`) and how to
/// connect to them. A URL may carry credentials (`nats://user:password@host`,
/// `nats://token@host`), which are sent; `Debug` and `Display` replace them with `[REDACTED]`.
#[derive(Clone, PartialEq, Eq)]
pub struct NatsServers {
    urls: Vec<String>,
    options: NatsOptions,
}

impl NatsServers {
    /// Servers from a list of URLs; each item may itself be a comma-separated list.
    pub fn new<I, S>(urls: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let urls: Vec<String> = urls
            .into_iter()
            .flat_map(|url| {
                url.as_ref()
                    .split(',')
                    .map(str::trim)
                    .filter(|u| !u.is_empty())
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        if urls.is_empty() {
            return Err(Error::InvalidInput("no NATS server URL given".into()));
        }
        let servers = Self {
            urls,
            options: NatsOptions::default(),
        };
        servers.addresses()?;
        Ok(servers)
    }

    /// The same servers, connected to with `options` (credentials, TLS).
    pub fn with_options(mut self, options: NatsOptions) -> Self {
        self.options = options;
        self
    }

    /// Whether a URL carries credentials (a user, a password or a token): the CLI warns when
    /// such a URL was given on the command line, where other users can read it.
    pub fn has_url_credentials(&self) -> bool {
        self.addresses()
            .is_ok_and(|addrs| addrs.iter().any(ServerAddr::has_user_pass))
    }

    /// Connects to the first server that answers (the client then learns the cluster's other
    /// servers and reconnects on its own, without limit). `name` shows in the server's
    /// connection list. Refused credentials are [`Error::Authentication`], a failed TLS set-up
    /// or handshake [`Error::Tls`] (settings to fix); an unreachable server is
    /// [`Error::Connect`].
    pub async fn connect(&self, name: &str) -> Result<async_nats::Client> {
        let (addresses, credentials) = self.without_credentials()?;
        let options = async_nats::ConnectOptions::new()
            .name(name)
            .connection_timeout(CONNECT_TIMEOUT);
        let options = self
            .options
            .apply(credentials, options)
            .await
            .map_err(|e| e.at_servers(self.to_string()))?;
        options
            .connect(addresses)
            .await
            .map_err(|e| self.connect_error(&e))
    }

    /// Sorts a connection failure: what a setting must fix, or what retrying may.
    fn connect_error(&self, e: &async_nats::ConnectError) -> Error {
        let servers = self.to_string();
        // The client's message names the address it tried, which may hold credentials.
        let reason = redact(&error_chain(e));
        match e.kind() {
            ConnectErrorKind::Authentication | ConnectErrorKind::AuthorizationViolation => {
                Error::Authentication { servers, reason }
            }
            ConnectErrorKind::Tls => Error::Tls { servers, reason },
            // A failed handshake comes back as an I/O error holding the TLS library's own.
            _ if is_tls_failure(e) => Error::Tls { servers, reason },
            _ => Error::Connect {
                servers,
                source: reason.into(),
            },
        }
    }

    fn addresses(&self) -> Result<Vec<ServerAddr>> {
        self.urls
            .iter()
            .map(|url| {
                url.parse::<ServerAddr>().map_err(|e| {
                    Error::InvalidInput(format!("{} is not a NATS URL: {e}", redact(url)))
                })
            })
            .collect()
    }

    /// The addresses with their credentials taken out (the client would not send them, and
    /// may log an address), and those credentials: the same for every URL that has some.
    fn without_credentials(&self) -> Result<(Vec<ServerAddr>, Option<UrlCredentials>)> {
        let mut credentials: Option<UrlCredentials> = None;
        let mut addresses = Vec::with_capacity(self.urls.len());
        for address in self.addresses()? {
            if let Some(user) = address.username() {
                let user = decode(user);
                let found = match address.password() {
                    Some(password) => UrlCredentials::UserPassword(user, decode(password)),
                    None => UrlCredentials::Token(user),
                };
                if credentials.as_ref().is_some_and(|c| *c != found) {
                    return Err(Error::InvalidInput(
                        "the NATS URLs carry different credentials; give them once".into(),
                    ));
                }
                credentials = Some(found);
            }
            let mut url = address.into_inner();
            // Neither can fail on a URL that has a host, which a NATS URL has.
            let _ = url.set_username("");
            let _ = url.set_password(None);
            addresses.push(ServerAddr::from_url(url).map_err(|e| {
                Error::InvalidInput(format!("not a NATS URL: {}", redact(&e.to_string())))
            })?);
        }
        Ok((addresses, credentials))
    }
}

/// A URL's user or password as it was meant (`%40` is `@`).
fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// The error and its sources, `: `-separated.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Whether the TLS library failed somewhere in `e`'s sources (a certificate not trusted, a
/// client certificate refused by the server).
fn is_tls_failure(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(cause) = source {
        if cause.is::<async_nats::rustls::Error>() {
            return true;
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && io
                .get_ref()
                .is_some_and(|inner| inner.is::<async_nats::rustls::Error>())
        {
            return true;
        }
        source = cause.source();
    }
    false
}

impl fmt::Display for NatsServers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<String> = self.urls.iter().map(|s| redact(s)).collect();
        f.write_str(&shown.join(","))
    }
}

impl fmt::Debug for NatsServers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NatsServers({self}, {:?})", self.options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_show() {
        let servers = NatsServers::new([
            "nats://alice:s3cret-pass@127.0.0.1:4222, tls://tok3n-value@nats.example:4222",
            "127.0.0.1:4223",
        ])
        .unwrap()
        .with_options(NatsOptions::new().token("t0ken-secret".into()));
        for shown in [servers.to_string(), format!("{servers:?}")] {
            assert!(
                !shown.contains("s3cret-pass") && !shown.contains("alice"),
                "{shown}"
            );
            assert!(!shown.contains("tok3n-value"), "{shown}");
            assert!(!shown.contains("t0ken-secret"), "{shown}");
            assert!(shown.contains("127.0.0.1:4223"), "{shown}");
        }
        assert_eq!(
            servers.to_string(),
            "nats://[REDACTED]@127.0.0.1:4222,tls://[REDACTED]@nats.example:4222,127.0.0.1:4223"
        );
        assert!(servers.has_url_credentials());
        assert!(
            !NatsServers::new(["nats://h:1"])
                .unwrap()
                .has_url_credentials()
        );
    }

    #[test]
    fn url_credentials_are_taken_out_and_decoded() {
        let servers =
            NatsServers::new(["nats://al%40ice:p%3Ass@a:1,nats://al%40ice:p%3Ass@b:2,c:3"])
                .unwrap();
        let (addresses, credentials) = servers.without_credentials().unwrap();
        assert!(addresses.iter().all(|a| !a.has_user_pass()));
        assert!(credentials == Some(UrlCredentials::UserPassword("al@ice".into(), "p:ss".into())));
        let (_, token) = NatsServers::new(["nats://t0k@a:1"])
            .unwrap()
            .without_credentials()
            .unwrap();
        assert!(token == Some(UrlCredentials::Token("t0k".into())));
        // No `unwrap_err`: the credentials have no `Debug`, on purpose.
        let Err(err) = NatsServers::new(["nats://a:b@a:1,nats://c:d@b:1"])
            .unwrap()
            .without_credentials()
        else {
            panic!("two different credentials were accepted");
        };
        assert!(err.to_string().contains("different credentials"), "{err}");
        assert!(!err.to_string().contains(":b@"), "{err}");
    }

    #[test]
    fn empty_and_malformed_lists_are_errors() {
        assert!(NatsServers::new([" , "]).is_err());
        assert!(NatsServers::new(Vec::<String>::new()).is_err());
        let err = NatsServers::new(["nats://u:pw@bad host:99999"]).unwrap_err();
        assert!(!err.to_string().contains("pw"), "{err}");
    }

    #[tokio::test]
    async fn an_unreachable_server_is_a_connect_error_without_credentials() {
        // Port 1 on loopback: nothing listens there.
        let servers = NatsServers::new(["nats://user:s3cret-pass@127.0.0.1:1"]).unwrap();
        let err = servers.connect("test").await.unwrap_err();
        assert!(matches!(err, Error::Connect { .. }), "{err:?}");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("s3cret-pass"), "{shown}");
    }

    #[tokio::test]
    async fn two_ways_to_authenticate_and_missing_files_are_refused_before_connecting() {
        let servers = NatsServers::new(["nats://user:pw@127.0.0.1:1"])
            .unwrap()
            .with_options(NatsOptions::new().token("t".into()));
        let err = servers.connect("test").await.unwrap_err();
        assert!(err.to_string().contains("one way to authenticate"), "{err}");
        let servers = NatsServers::new(["nats://127.0.0.1:1"])
            .unwrap()
            .with_options(NatsOptions::new().tls_ca("/nonexistent/ca.pem"));
        let err = servers.connect("test").await.unwrap_err();
        assert!(matches!(err, Error::Tls { .. }), "{err:?}");
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
        let servers = NatsServers::new(["nats://127.0.0.1:1"])
            .unwrap()
            .with_options(NatsOptions::new().creds_file("/nonexistent/u.creds"));
        let err = servers.connect("test").await.unwrap_err();
        assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    }
}
