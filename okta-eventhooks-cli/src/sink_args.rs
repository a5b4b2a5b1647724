//! Where the events are stored (`relay`, `consume`, `reconcile`), declared once: `--sink URL`,
//! or the NATS servers (`--nats`, also `NATS_URL`) and `--stream`, and how to connect to NATS
//! (credentials and TLS, with the variables the `nats` CLI reads); without any of them, the
//! embedded SQLite file `okta-events.db`. A sink URL is parsed in one place
//! ([`SinkUrl::parse`]): a new kind of sink is one arm there.

use std::fmt;
use std::path::PathBuf;

use clap::Args;
use okta_eventhooks_relay::{DEFAULT_STREAM, NatsOptions, NatsServers};
use okta_eventhooks_sql::{PgUrl, SqlSink, TableName};

use crate::error::{CliError, Result};
use crate::output::Printer;
use crate::secret_env::read_secret_env;

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
#[expect(
    clippy::large_enum_variant,
    reason = "one value per command, parsed once: a box would buy nothing"
)]
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
    /// defaulting to [`DEFAULT_STREAM`]; else the SQLite file [`DEFAULT_SQLITE`]. Warns on
    /// `printer` when a URL given on the command line carries credentials.
    pub fn target(&self, printer: &Printer) -> Result<SinkTarget> {
        let sink = self
            .sink
            .as_ref()
            .map(|url| SinkUrl::parse(&url.0).map_err(|e| CliError::Usage(format!("--sink: {e}"))));
        let sql = |database: SqlDatabase, default| -> Result<SinkTarget> {
            if let Some(warning) = database.warning() {
                printer.warn(warning);
            }
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
        // `--nats` equal to NATS_URL came from the environment, where credentials belong.
        let from_environment = self.sink.is_none()
            && std::env::var("NATS_URL").is_ok_and(|url| Some(url) == self.nats);
        if servers.has_url_credentials() && !from_environment {
            printer.warn(
                "the NATS URL on the command line carries credentials, which other users of this machine can read; put it in NATS_URL, or use --nats-user with NATS_PASSWORD, --nats-token-env, --nats-creds or --nats-nkey",
            );
        }
        Ok(SinkTarget::Nats(NatsTarget {
            servers: servers.with_options(self.options()?),
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
    fn warning(&self) -> Option<&'static str> {
        match self {
            Self::Postgres(url) if url.has_password_in_url() => Some(
                "the --sink URL holds a password: other users of this machine can see a command line; give it in PGPASSWORD instead",
            ),
            _ => None,
        }
    }
}

impl SinkArgs {
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
