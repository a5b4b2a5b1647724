//! Where the events are stored (`relay`, `consume`, `reconcile`), declared once: `--sink URL`,
//! or the NATS servers (`--nats`, also `NATS_URL`) and `--stream`. A sink URL is parsed in one
//! place ([`SinkUrl::parse`]): a new kind of sink is one arm there.

use std::fmt;

use clap::Args;
use okta_eventhooks_relay::{DEFAULT_STREAM, NatsServers};

use crate::error::{CliError, Result};

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
    /// stream defaults to [`DEFAULT_STREAM`].
    pub fn nats(&self) -> Result<NatsTarget> {
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
        Ok(NatsTarget {
            servers,
            stream: stream.unwrap_or_else(|| DEFAULT_STREAM.into()),
        })
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
