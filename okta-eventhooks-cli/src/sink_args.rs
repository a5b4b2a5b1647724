//! Where the events are stored (`relay`, `consume`, `reconcile`), declared once: `--sink URL`,
//! or the NATS servers (`--nats`, also `NATS_URL`) and `--stream`, and how to connect to NATS
//! (credentials and TLS, with the variables the `nats` CLI reads); without any of them, the
//! embedded SQLite file `okta-events.db`. A sink URL is parsed in one place
//! ([`SinkUrl::parse`]) into a [`SinkTarget`], whose kind is the one place that opens it, for
//! storing ([`SinkTarget::open_store`]), reading back and replaying
//! ([`SinkTarget::open_existing`]) or consuming ([`SinkTarget::open_reader`]): a new kind of sink is one arm here. Commands only
//! see the SDK's traits.
//!
//! A flag that means something for one kind of sink only (the JetStream stream's settings,
//! the NATS connection, `--table`) given on the command line with the other kind is a usage
//! error naming it. The same setting from an environment variable (`NATS_URL`, `NATS_CREDS`,
//! `OKTA_EVENTHOOKS_RELAY_REPLICAS`...) is ignored by the other kind: an environment is shared
//! with other tools, and must not stop an explicit `--sink sqlite:...`.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, ValueEnum};
use okta_eventhooks::sink::{DurableReader, Sink};
use okta_eventhooks_relay::{
    DEFAULT_STREAM, DEFAULT_SUBJECT_PREFIX, JetStreamReader, JetStreamStore, NatsOptions,
    NatsServers, Storage, StreamSettings,
};
use okta_eventhooks_sql::{PgUrl, SqlReader, SqlSink, TableName};

use crate::error::{CliError, Result};
use crate::given_args::Given;
use crate::output::Printer;
use crate::secret_env::read_secret_env;

/// The flags that say where the events are, and which of them the command line gave.
pub type SinkArgs = Given<SinkFlags>;

/// The flags that say where the events are.
#[derive(Debug, Args)]
pub struct SinkFlags {
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

/// Where the events are stored (`relay`'s JetStream stream settings): which of them the
/// command line gave matters, as an SQL sink refuses them.
#[derive(Debug, Args)]
pub struct StreamFlags {
    /// Events go to <prefix>.<eventType>; the stream holds <prefix>.>.
    #[arg(long, value_name = "PREFIX", default_value = DEFAULT_SUBJECT_PREFIX)]
    subject_prefix: String,

    /// Copies of each message in a JetStream cluster (3 or 5 in production).
    #[arg(long, value_name = "N", default_value_t = 1)]
    replicas: usize,

    /// Where the stream keeps messages.
    #[arg(long, value_enum, default_value_t = StorageArg::File)]
    storage: StorageArg,

    /// How long JetStream remembers an event's uuid to drop a repeat.
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = crate::duration::parse)]
    duplicate_window: Duration,

    /// Keep events this long in a stream the relay creates (default: for ever); the one limit
    /// accepted on an existing stream without --allow-retention-limits. Make it longer than any
    /// consumer may lag.
    #[arg(long, value_name = "DURATION", value_parser = crate::duration::parse)]
    max_age: Option<Duration>,

    /// Accept an existing stream whose max_msgs, max_bytes or max_msgs_per_subject (discard
    /// old) delete the oldest events: events acknowledged to Okta can then vanish.
    #[arg(long)]
    allow_retention_limits: bool,
}

/// `relay`'s JetStream stream settings.
pub type StreamArgs = Given<StreamFlags>;

/// Where the stream keeps messages.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum StorageArg {
    /// On disk.
    File,
    /// In memory (lost when NATS stops; for tests and demos).
    Memory,
}

/// `reconcile`'s JetStream settings (the stream the relay made).
#[derive(Debug, Args)]
pub struct ReplayStreamFlags {
    /// The relay's subject prefix (events are on <prefix>.<eventType>).
    #[arg(long, value_name = "PREFIX", default_value = DEFAULT_SUBJECT_PREFIX, conflicts_with = "seen")]
    subject_prefix: String,

    /// Accept a stream whose max_msgs, max_bytes or max_msgs_per_subject (discard old) delete
    /// the oldest events (a replayed event could vanish again).
    #[arg(long, conflicts_with = "seen")]
    allow_retention_limits: bool,
}

/// `reconcile`'s JetStream settings.
pub type ReplayStreamArgs = Given<ReplayStreamFlags>;

/// What a relay's sink is held to: the time it has per delivery, and the largest event.
#[derive(Clone, Copy, Debug)]
pub struct StoreLimits {
    /// The time a delivery has to be stored before the answer is 503.
    pub deadline: Duration,
    /// The largest event the receiver accepts (a stream must take it).
    pub max_event_bytes: usize,
}

/// What `consume` reads.
#[derive(Clone, Copy, Debug)]
pub struct ReadArgs<'a> {
    /// The durable consumer's name.
    pub durable: &'a str,
    /// `--subject` (JetStream only).
    pub subject: Option<&'a str>,
    /// `--type` (SQL only).
    pub types: &'a [String],
    /// Whether each event takes long (`--exec`): read one at a time.
    pub one_at_a_time: bool,
}

/// A JetStream stream and where it is.
#[derive(Debug)]
pub struct NatsTarget {
    servers: NatsServers,
    stream: String,
}

/// Where the flags say the events are: one variant per kind of sink, opened by the methods
/// below for what a command does with it.
#[derive(Debug)]
pub enum SinkTarget {
    /// A JetStream stream.
    Nats(NatsTarget),
    /// An SQL database, with the events table.
    Sql {
        database: SqlDatabase,
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

/// The flags of [`SinkFlags`] that mean something for a JetStream sink only.
const NATS_ONLY: &[&str] = &[
    "--nats",
    "--stream",
    "--nats-user",
    "--nats-token-env",
    "--nats-creds",
    "--nats-nkey",
    "--nats-tls-ca",
    "--nats-tls-cert",
    "--nats-tls-key",
    "--nats-tls-first",
];

/// The flags of [`SinkFlags`] that mean something for an SQL sink only.
const SQL_ONLY: &[&str] = &["--table"];

/// What a refused flag is for, and what the sink at hand is.
const FOR_NATS: &str = "is for a JetStream sink (nats://), and the sink here is an SQL database";
const FOR_SQL: &str =
    "is for an SQL sink (sqlite: or postgres://), and the sink here is a JetStream stream";

/// A usage error for the first of `flags` given, saying what it is for (`why`).
fn refuse<'a>(mut flags: impl Iterator<Item = &'a str>, why: &str) -> Result<()> {
    match flags.next() {
        Some(flag) => Err(CliError::Usage(format!("{flag} {why}: leave it out"))),
        None => Ok(()),
    }
}

impl SinkArgs {
    /// Where the events are: `--sink`; else `--nats` (or `NATS_URL`) and `--stream`, the stream
    /// defaulting to [`DEFAULT_STREAM`]; else the SQLite file [`DEFAULT_SQLITE`]. Warns on
    /// `printer` when a URL given on the command line carries credentials; refuses a flag of
    /// the other kind of sink given on the command line.
    pub fn target(&self, printer: &Printer) -> Result<SinkTarget> {
        let flags = &self.args;
        if flags.sink.is_some() && self.is_given("--nats") {
            return Err(CliError::Usage(
                "--sink and --nats both say where the events are: give one (a stream is --sink nats://HOST:PORT/STREAM)".into(),
            ));
        }
        let sink = flags
            .sink
            .as_ref()
            .map(|url| SinkUrl::parse(&url.0).map_err(|e| CliError::Usage(format!("--sink: {e}"))));
        let sql = |database: SqlDatabase, default| -> Result<SinkTarget> {
            refuse(self.given().filter(|f| NATS_ONLY.contains(f)), FOR_NATS)?;
            if let Some(warning) = database.warning() {
                printer.warn(warning);
            }
            Ok(SinkTarget::Sql {
                database,
                table: TableName::new(&flags.table)
                    .map_err(|e| CliError::Usage(format!("--table: {e}")))?,
                default,
            })
        };
        let (servers, stream) = match sink.transpose()? {
            Some(SinkUrl::Nats { servers, stream }) => {
                (servers, stream.or_else(|| flags.stream.clone()))
            }
            Some(SinkUrl::Sql(database)) => return sql(database, false),
            None if flags.nats.is_none() && flags.stream.is_none() => {
                return sql(SqlDatabase::Sqlite(PathBuf::from(DEFAULT_SQLITE)), true);
            }
            None => (
                NatsServers::new([flags.nats.as_deref().unwrap_or(DEFAULT_NATS)])
                    .map_err(CliError::from)?,
                flags.stream.clone(),
            ),
        };
        refuse(self.given().filter(|f| SQL_ONLY.contains(f)), FOR_SQL)?;
        // `--nats` from NATS_URL came from the environment, where credentials belong.
        let on_command_line = flags.sink.is_some() || self.is_given("--nats");
        if servers.has_url_credentials() && on_command_line {
            printer.warn(
                "the NATS URL on the command line carries credentials, which other users of this machine can read; put it in NATS_URL, or use --nats-user with NATS_PASSWORD, --nats-token-env, --nats-creds or --nats-nkey",
            );
        }
        Ok(SinkTarget::Nats(NatsTarget {
            servers: servers.with_options(flags.options()?),
            stream: stream.unwrap_or_else(|| DEFAULT_STREAM.into()),
        }))
    }
}

impl SinkTarget {
    /// Opens the sink for a relay, held to `limits`: a stream is created or checked with the
    /// settings of `stream`; an SQL sink's schema is created or checked. The default SQLite
    /// file is said on `printer`.
    pub async fn open_store(
        self,
        printer: &Printer,
        stream: &StreamArgs,
        limits: StoreLimits,
    ) -> Result<Arc<dyn Sink>> {
        Ok(match self {
            SinkTarget::Nats(target) => {
                let settings = stream.args.settings(&target.stream, limits.max_event_bytes);
                // The settings and the deadline are checked before NATS is reached.
                Arc::new(
                    JetStreamStore::connect(&target.servers, &settings, Some(limits.deadline))
                        .await?,
                )
            }
            SinkTarget::Sql {
                database,
                table,
                default,
            } => {
                refuse(stream.given(), FOR_NATS)?;
                okta_eventhooks_receiver::check_sink_deadline(limits.deadline)?;
                if default {
                    printer.note(&format!(
                        "no --sink, --nats or NATS_URL: storing into sqlite:{DEFAULT_SQLITE} in the working directory"
                    ));
                }
                Arc::new(database.open(table).await?)
            }
        })
    }

    /// Opens the sink a relay wrote, for reading back and replaying: nothing is created; a
    /// stream whose limits could forget what was replayed is refused unless allowed.
    pub async fn open_existing(self, stream: &ReplayStreamArgs) -> Result<Box<dyn Sink>> {
        Ok(match self {
            SinkTarget::Nats(target) => {
                let client = target.servers.connect("okta-eventhooks-reconcile").await?;
                Box::new(
                    JetStreamStore::existing(
                        client,
                        &target.stream,
                        &stream.args.subject_prefix,
                        stream.args.allow_retention_limits,
                    )
                    .await?,
                )
            }
            SinkTarget::Sql {
                database, table, ..
            } => {
                refuse(stream.given(), FOR_NATS)?;
                Box::new(database.open(table).await?)
            }
        })
    }

    /// Opens a durable reader of the sink for `consume`.
    pub async fn open_reader(self, read: ReadArgs<'_>) -> Result<Box<dyn DurableReader>> {
        Ok(match self {
            SinkTarget::Nats(target) => {
                if !read.types.is_empty() {
                    return Err(CliError::Usage(
                        "--type is for SQL sinks; on a JetStream stream use --subject okta.events.TYPE".into(),
                    ));
                }
                Box::new(
                    JetStreamReader::open(
                        &target.servers,
                        &target.stream,
                        read.durable,
                        read.subject,
                        read.one_at_a_time,
                    )
                    .await?,
                )
            }
            SinkTarget::Sql {
                database, table, ..
            } => {
                if read.subject.is_some() {
                    return Err(CliError::Usage(
                        "--subject is for a JetStream stream; on an SQL sink use --type".into(),
                    ));
                }
                let sink = database.open(table).await?;
                Box::new(SqlReader::new(sink, read.durable, read.types))
            }
        })
    }
}

impl StreamFlags {
    /// The stream's settings.
    fn settings(&self, stream: &str, max_event_bytes: usize) -> StreamSettings {
        let storage = match self.storage {
            StorageArg::File => Storage::File,
            StorageArg::Memory => Storage::Memory,
        };
        StreamSettings::new(stream)
            .subject_prefix(&self.subject_prefix)
            .replicas(self.replicas)
            .storage(storage)
            .duplicate_window(self.duplicate_window)
            .max_age(self.max_age.unwrap_or_default())
            .allow_retention_limits(self.allow_retention_limits)
            .max_event_bytes(max_event_bytes)
    }
}

impl SqlDatabase {
    /// Opens the database (exit 3 when it cannot be reached, or its table has another shape).
    async fn open(&self, table: TableName) -> Result<SqlSink> {
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

impl SinkFlags {
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
