//! Where the events are stored (`relay`, `consume`, `reconcile`), declared once: `--sink URL`,
//! or the NATS servers (`--nats`, also `NATS_URL`) and `--stream`; without any of them, the
//! embedded SQLite file `okta-events.db`. A sink URL is parsed in one place
//! ([`SinkUrl::parse`]): a new kind of sink is one arm there.

use std::fmt;
use std::path::PathBuf;

use clap::Args;
use okta_eventhooks_relay::{DEFAULT_STREAM, NatsServers};
use okta_eventhooks_sql::{PgUrl, SqlSink, TableName};

use crate::error::{CliError, Result};

/// The flags that say where the events are.
#[derive(Debug, Args)]
pub struct SinkArgs {
    /// Where the events are stored, as a URL, instead of --nats and --stream:
    /// sqlite:PATH is an SQLite file (the default without --sink, --nats, NATS_URL and --stream:
    /// sqlite:okta-events.db); postgres://USER@HOST:PORT/DB?sslmode=MODE is a PostgreSQL
    /// database (its password in PGPASSWORD, not on the command line); nats://HOST:PORT/STREAM
    /// is a JetStream stream (a cluster: nats://HOST:PORT,HOST:PORT/STREAM; without /STREAM,
    /// --stream or OKTA_EVENTS). NATS credentials belong in the NATS_URL variable.
    #[arg(long, value_name = "URL", value_parser = GivenUrl::new)]
    sink: Option<GivenUrl>,

    /// With an SQL sink: the events table (created if missing).
    #[arg(long, value_name = "NAME", default_value = okta_eventhooks_sql::DEFAULT_TABLE)]
    table: String,

    /// NATS server URL(s), comma-separated (a cluster's nodes); default nats://127.0.0.1:4222
    /// when --stream is given. Credentials belong in the NATS_URL variable, not on the command
    /// line; they are never printed.
    #[arg(long, value_name = "URL", env = "NATS_URL", hide_env_values = true)]
    nats: Option<String>,

    /// The JetStream stream [default: OKTA_EVENTS].
    #[arg(long, value_name = "NAME")]
    stream: Option<String>,
}

/// The SQLite file of the embedded default.
pub const DEFAULT_SQLITE: &str = "okta-events.db";

/// The NATS server when only --stream is given.
const DEFAULT_NATS: &str = "nats://127.0.0.1:4222";

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
    /// An SQL database.
    Sql(SqlDatabase),
}

/// Never shows a credential: the servers print redacted.
impl fmt::Debug for SinkUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Nats { servers, stream } => write!(f, "Nats({servers:?}, {stream:?})"),
            Self::Sql(database) => write!(f, "{database:?}"),
        }
    }
}

impl SinkUrl {
    /// Parses a `--sink` value. The message of an error never repeats the URL (it may hold a
    /// password).
    pub fn parse(url: &str) -> std::result::Result<Self, String> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            // sqlite:PATH, also written sqlite://PATH.
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err("sqlite:PATH names a file, e.g. sqlite:okta-events.db".into());
            }
            return Ok(Self::Sql(SqlDatabase::Sqlite(PathBuf::from(path))));
        }
        let (scheme, rest) = url.split_once("://").ok_or(
            "a sink is a URL: sqlite:PATH, postgres://USER@HOST:PORT/DB or nats://HOST:PORT/STREAM",
        )?;
        match scheme {
            "postgres" | "postgresql" => PgUrl::parse(url)
                .map(|url| Self::Sql(SqlDatabase::Postgres(Box::new(url))))
                .map_err(|e| e.to_string()),
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
                "unsupported sink {other}://...; supported: sqlite:PATH, postgres:// (PostgreSQL), nats:// (and tls://, a JetStream stream)"
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

/// Where the flags say the events are.
#[derive(Debug)]
pub enum SinkTarget {
    /// A JetStream stream.
    Nats(NatsTarget),
    /// An SQL database, with the events table.
    Sql {
        /// The database.
        database: SqlDatabase,
        /// The events table.
        table: TableName,
        /// Whether it is the default (no flag said where): `relay` says so at start.
        default: bool,
    },
}

/// An SQL database the flags name.
#[derive(Clone, Debug)]
pub enum SqlDatabase {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database (boxed: its settings are large).
    Postgres(Box<PgUrl>),
}

impl SinkArgs {
    /// Where the events are: `--sink`; else `--nats` (or `NATS_URL`) and `--stream`, the stream
    /// defaulting to [`DEFAULT_STREAM`]; else the SQLite file [`DEFAULT_SQLITE`].
    pub fn target(&self) -> Result<SinkTarget> {
        let sink = self
            .sink
            .as_ref()
            .map(|url| SinkUrl::parse(&url.0).map_err(|e| CliError::Usage(format!("--sink: {e}"))));
        let sql = |database, default| -> Result<SinkTarget> {
            Ok(SinkTarget::Sql {
                database,
                table: TableName::new(&self.table)
                    .map_err(|e| CliError::Usage(format!("--table: {e}")))?,
                default,
            })
        };
        let (servers, stream) = match sink.transpose()? {
            Some(SinkUrl::Nats { servers, stream }) => {
                (servers, stream.or_else(|| self.stream.clone()))
            }
            Some(SinkUrl::Sql(database)) => return sql(database, false),
            None if self.nats.is_none() && self.stream.is_none() => {
                return sql(SqlDatabase::Sqlite(PathBuf::from(DEFAULT_SQLITE)), true);
            }
            None => (
                NatsServers::new([self.nats.as_deref().unwrap_or(DEFAULT_NATS)])
                    .map_err(CliError::from)?,
                self.stream.clone(),
            ),
        };
        Ok(SinkTarget::Nats(NatsTarget {
            servers,
            stream: stream.unwrap_or_else(|| DEFAULT_STREAM.into()),
        }))
    }
}

impl SqlDatabase {
    /// Opens the database (exit 3 when it cannot be reached, or its table has another shape).
    pub async fn open(&self, table: TableName) -> Result<SqlSink> {
        Ok(match self {
            Self::Sqlite(path) => SqlSink::sqlite(path, table).await?,
            Self::Postgres(url) => SqlSink::postgres(url, table).await?,
        })
    }

    /// A warning to print before opening, if any: a password on the command line is visible to
    /// every user of the machine.
    pub fn warning(&self) -> Option<&'static str> {
        match self {
            Self::Postgres(url) if url.has_password_in_url() => Some(
                "the --sink URL holds a password: other users of this machine can see a command line; give it in PGPASSWORD instead",
            ),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sink_urls_name_servers_and_stream_and_never_echo_a_password() {
        let SinkUrl::Nats { servers, stream } =
            SinkUrl::parse("nats://u:s3cret@a:4222,b:4222/AUDIT").unwrap()
        else {
            panic!("not nats")
        };
        assert_eq!(stream.as_deref(), Some("AUDIT"));
        assert_eq!(
            servers.to_string(),
            "nats://[REDACTED]@a:4222,nats://b:4222"
        );
        let SinkUrl::Nats { stream, .. } = SinkUrl::parse("tls://a:4222").unwrap() else {
            panic!("not nats")
        };
        assert_eq!(stream, None);
        assert!(
            matches!(SinkUrl::parse("sqlite:/tmp/x").unwrap(), SinkUrl::Sql(SqlDatabase::Sqlite(p)) if p == std::path::Path::new("/tmp/x"))
        );
        assert!(
            matches!(SinkUrl::parse("sqlite://rel.db").unwrap(), SinkUrl::Sql(SqlDatabase::Sqlite(p)) if p == std::path::Path::new("rel.db"))
        );
        let pg = SinkUrl::parse("postgres://u:s3cret@db:5433/x?sslmode=require").unwrap();
        let debug = format!("{pg:?}");
        assert!(
            debug.contains("postgres://u@db:5433/x") && !debug.contains("s3cret"),
            "{debug}"
        );
        for (bad, says) in [
            ("sqlite:", "names a file"),
            ("/tmp/x", "is a URL"),
            ("postgres://u:s3cret@db/x?sslmode=sometimes", "sslmode is"),
            ("mysql://u:s3cret@db/x", "unsupported sink mysql://"),
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
