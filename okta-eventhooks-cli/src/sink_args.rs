//! Where the events are stored (`relay`, `consume`, `reconcile`), declared once: `--sink URL`,
//! or the NATS servers (`--nats`, also `NATS_URL`) and `--stream`, and how to connect to NATS
//! (credentials and TLS, with the variables the `nats` CLI reads). A sink URL is parsed in one
//! place ([`SinkUrl::parse`]): a new kind of sink is one arm there.

use std::fmt;
use std::path::PathBuf;

use clap::Args;
use okta_eventhooks_relay::{DEFAULT_STREAM, NatsOptions, NatsServers};

use crate::error::{CliError, Result};
use crate::output::Printer;
use crate::secret_env::read_secret_env;

/// The flags that say where the events are.
#[derive(Debug, Args)]
pub struct SinkArgs {
    /// Where the events are stored, as a URL, instead of --nats and --stream:
    /// nats://HOST:PORT/STREAM is a JetStream stream (a cluster: nats://HOST:PORT,HOST:PORT/STREAM;
    /// without /STREAM, --stream or OKTA_EVENTS). Credentials belong in the NATS_URL variable,
    /// not on the command line.
    #[arg(long, value_name = "URL", value_parser = GivenUrl::new)]
    sink: Option<GivenUrl>,

    /// NATS server URL(s), comma-separated (a cluster's nodes). Credentials belong in the
    /// NATS_URL variable, not on the command line; they are never printed.
    #[arg(
        long,
        value_name = "URL",
        env = "NATS_URL",
        hide_env_values = true,
        default_value = "nats://127.0.0.1:4222"
    )]
    nats: String,

    /// The JetStream stream.
    #[arg(long, value_name = "NAME")]
    stream: Option<String>,

    /// Authenticate to NATS as this user; the password is read from NATS_PASSWORD.
    #[arg(long, value_name = "USER", env = "NATS_USER")]
    nats_user: Option<String>,

    /// Authenticate to NATS with the token in this environment variable.
    #[arg(long, value_name = "VAR")]
    nats_token_env: Option<String>,

    /// Authenticate to NATS with a creds file (a user JWT and its nkey seed: operator mode,
    /// managed NATS services).
    #[arg(long, value_name = "FILE", env = "NATS_CREDS")]
    nats_creds: Option<PathBuf>,

    /// Authenticate to NATS with the nkey seed in this file.
    #[arg(long, value_name = "FILE", env = "NATS_NKEY")]
    nats_nkey: Option<PathBuf>,

    /// Trust the CA certificates in this PEM file for the NATS servers' certificates (TLS is
    /// then required, as with a tls:// URL).
    #[arg(long, value_name = "FILE", env = "NATS_CA")]
    nats_tls_ca: Option<PathBuf>,

    /// Present this client certificate to NATS (mutual TLS; with --nats-tls-key).
    #[arg(
        long,
        value_name = "FILE",
        env = "NATS_CERT",
        requires = "nats_tls_key"
    )]
    nats_tls_cert: Option<PathBuf>,

    /// The private key of --nats-tls-cert.
    #[arg(
        long,
        value_name = "FILE",
        env = "NATS_KEY",
        requires = "nats_tls_cert"
    )]
    nats_tls_key: Option<PathBuf>,

    /// Start TLS before the NATS server's first message (its handshake_first setting).
    #[arg(long)]
    nats_tls_first: bool,
}

/// A `--sink` value as given, parsed only after clap (whose messages would repeat it, with
/// any password in it); its `Debug` hides it.
#[derive(Clone)]
pub struct GivenUrl(String);

impl GivenUrl {
    fn new(url: &str) -> std::result::Result<Self, std::convert::Infallible> {
        Ok(Self(url.to_owned()))
    }
}

impl fmt::Debug for GivenUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GivenUrl(..)")
    }
}

/// A sink given as a URL.
#[derive(Clone)]
pub enum SinkUrl {
    /// A JetStream stream on these servers (the stream, when the URL names one).
    Nats {
        /// The servers.
        servers: NatsServers,
        /// The URL's path, when it has one.
        stream: Option<String>,
    },
}

/// Never shows a credential: the servers print redacted.
impl fmt::Debug for SinkUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Nats { servers, stream } => write!(f, "Nats({servers:?}, {stream:?})"),
        }
    }
}

impl SinkUrl {
    /// Parses a `--sink` value. The message of an error never repeats the URL (it may hold a
    /// password).
    pub fn parse(url: &str) -> std::result::Result<Self, String> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or("a sink is a URL, e.g. nats://127.0.0.1:4222/OKTA_EVENTS")?;
        match scheme {
            "nats" | "tls" => {
                let (hosts, stream) = match rest.split_once('/') {
                    Some((hosts, stream)) => (hosts, Some(stream).filter(|s| !s.is_empty())),
                    None => (rest, None),
                };
                let servers = NatsServers::new(
                    hosts
                        .split(',')
                        .map(|host| format!("{scheme}://{}", host.trim())),
                )
                .map_err(|e| e.to_string())?;
                if stream.is_some_and(|s| s.contains('/')) {
                    return Err("the stream is one path segment: nats://HOST:PORT/STREAM".into());
                }
                Ok(Self::Nats {
                    servers,
                    stream: stream.map(str::to_owned),
                })
            }
            other => Err(format!(
                "unsupported sink {other}://...; supported: nats:// (and tls://), a JetStream stream"
            )),
        }
    }
}

/// A JetStream stream and where it is.
#[derive(Debug)]
pub struct NatsTarget {
    /// The servers.
    pub servers: NatsServers,
    /// The stream's name.
    pub stream: String,
}

impl SinkArgs {
    /// The JetStream stream the flags name: `--sink`, else `--nats` and `--stream`; the
    /// stream defaults to [`DEFAULT_STREAM`]. Warns on `printer` when a URL given on the
    /// command line carries credentials.
    pub fn nats(&self, printer: &Printer) -> Result<NatsTarget> {
        let sink = self
            .sink
            .as_ref()
            .map(|url| SinkUrl::parse(&url.0).map_err(|e| CliError::Usage(format!("--sink: {e}"))));
        let (servers, stream) = match sink.transpose()? {
            Some(SinkUrl::Nats { servers, stream }) => {
                (servers, stream.or_else(|| self.stream.clone()))
            }
            None => (
                NatsServers::new([&self.nats]).map_err(CliError::from)?,
                self.stream.clone(),
            ),
        };
        // `--nats` equal to NATS_URL came from the environment, where credentials belong.
        let from_environment =
            self.sink.is_none() && std::env::var("NATS_URL").is_ok_and(|url| url == self.nats);
        if servers.has_url_credentials() && !from_environment {
            printer.warn(
                "the NATS URL on the command line carries credentials, which other users of this machine can read; put it in NATS_URL, or use --nats-user with NATS_PASSWORD, --nats-token-env, --nats-creds or --nats-nkey",
            );
        }
        Ok(NatsTarget {
            servers: servers.with_options(self.options()?),
            stream: stream.unwrap_or_else(|| DEFAULT_STREAM.into()),
        })
    }

    /// The credentials and TLS settings the flags give; secrets come from the environment.
    fn options(&self) -> Result<NatsOptions> {
        let mut options = NatsOptions::new().tls_first(self.nats_tls_first);
        if let Some(user) = &self.nats_user {
            options = options.user_password(user, read_secret_env("NATS_PASSWORD", "--nats-user")?);
        }
        if let Some(var) = &self.nats_token_env {
            options = options.token(read_secret_env(var, "--nats-token-env")?);
        }
        if let Some(path) = &self.nats_creds {
            options = options.creds_file(path);
        }
        if let Some(path) = &self.nats_nkey {
            options = options.nkey_file(path);
        }
        if let Some(path) = &self.nats_tls_ca {
            options = options.tls_ca(path);
        }
        if let (Some(cert), Some(key)) = (&self.nats_tls_cert, &self.nats_tls_key) {
            options = options.tls_client_cert(cert, key);
        }
        Ok(options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sink_urls_name_servers_and_stream_and_never_echo_a_password() {
        let SinkUrl::Nats { servers, stream } =
            SinkUrl::parse("nats://u:s3cret@a:4222,b:4222/AUDIT").unwrap();
        assert_eq!(stream.as_deref(), Some("AUDIT"));
        assert_eq!(
            servers.to_string(),
            "nats://[REDACTED]@a:4222,nats://b:4222"
        );
        let SinkUrl::Nats { stream, .. } = SinkUrl::parse("tls://a:4222").unwrap();
        assert_eq!(stream, None);
        for (bad, says) in [
            ("sqlite:/tmp/x", "is a URL"),
            ("postgres://u:s3cret@db/x", "unsupported sink postgres://"),
            ("nats://a:4222/A/B", "one path segment"),
        ] {
            let err = SinkUrl::parse(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
            assert!(!err.contains("s3cret"), "{err}");
        }
        let debug = format!("{:?}", SinkUrl::parse("nats://u:s3cret@a:4222/S").unwrap());
        assert!(!debug.contains("s3cret"), "{debug}");
    }
}
