//! PostgreSQL: a pool of connections, TLS with rustls (on ring) as `sslmode` says.
//!
//! A delivery is answered only after `COMMIT`. One writer task commits the deliveries that
//! arrive together in one transaction ([`batch`](crate::batch)), holding a transaction-level
//! advisory lock on the table: relays sharing the database commit one at a time, so `seq`
//! grows in commit order and a consumer reading by `seq` never skips a row committed late.
//! A lost connection fails the deliveries in flight (503, Okta retries); the pool connects
//! again for the next.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use futures_util::future::try_join_all;
use tokio::sync::mpsc;
use tokio_postgres::config::SslMode;

use crate::batch::{self, Inserted, Job, Queue};
use crate::error::{Error, Result};
use crate::row::{Row, StoredEvent};
use crate::schema::{self, COLUMNS, CONSUMERS_TABLE, SCHEMA_VERSION, TableName, VERSIONS_TABLE};

/// Connections of the pool (the writer takes one per batch; reads and cursors the others).
const POOL_SIZE: usize = 8;

/// Time to connect (TCP, TLS, authentication) before the call fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Time a batch has to commit: past it the deliveries are answered 503 (the receiver's own
/// deadline is shorter) and the writer goes on; Okta's retry stores what did not commit.
const COMMIT_TIMEOUT: Duration = Duration::from_secs(10);

/// A PostgreSQL database given as a URL (`postgres://USER@HOST:PORT/DB?sslmode=...`), with
/// what the URL leaves out taken from `PGPASSWORD`, `PGUSER`, `PGHOST`, `PGPORT` and
/// `PGDATABASE`. Its `Debug` and `Display` never show the password.
#[derive(Clone)]
pub struct PgUrl {
    config: tokio_postgres::Config,
    password_in_url: bool,
    /// `sslrootcert`: the CA certificates (PEM) that alone are trusted for the server's.
    root_cert: Option<PathBuf>,
}

impl PgUrl {
    /// Parses `url`. `sslmode` is `disable`, `prefer` (the default, as libpq's), `require`,
    /// `verify-ca` or `verify-full`; whenever TLS is used the server's certificate is verified
    /// against the system's roots and the host name (stricter than libpq's `require`), or,
    /// with `sslrootcert=FILE`, against the CA certificates of that PEM file only (as libpq:
    /// a private CA, read when the database is opened). An error never repeats the URL.
    pub fn parse(url: &str) -> Result<Self> {
        let invalid = |why: &str| Error::InvalidInput(format!("PostgreSQL URL: {why}"));
        let mut parsed = url::Url::parse(url).map_err(|e| invalid(&e.to_string()))?;
        if !matches!(parsed.scheme(), "postgres" | "postgresql") {
            return Err(invalid("the scheme is postgres:// or postgresql://"));
        }
        let mut ssl = Some(SslMode::Prefer);
        let mut root_cert = None;
        let kept: Vec<(String, String)> = parsed
            .query_pairs()
            .filter_map(|(k, v)| {
                if k == "sslrootcert" {
                    root_cert = Some(PathBuf::from(&*v));
                    None
                } else if k == "sslmode" {
                    ssl = match &*v {
                        "disable" => Some(SslMode::Disable),
                        "prefer" | "allow" => Some(SslMode::Prefer),
                        "require" | "verify-ca" | "verify-full" => Some(SslMode::Require),
                        _ => None,
                    };
                    None
                } else {
                    Some((k.into_owned(), v.into_owned()))
                }
            })
            .collect();
        let ssl = ssl.ok_or_else(|| {
            invalid("sslmode is disable, allow, prefer, require, verify-ca or verify-full")
        })?;
        parsed.set_query(None);
        if !kept.is_empty() {
            parsed.query_pairs_mut().extend_pairs(kept);
        }
        let password_in_url = parsed.password().is_some();
        let mut config: tokio_postgres::Config = parsed
            .as_str()
            .parse()
            .map_err(|e: tokio_postgres::Error| invalid(&e.to_string()))?;
        config.ssl_mode(ssl);
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if config.get_password().is_none()
            && let Some(password) = env("PGPASSWORD")
        {
            config.password(password);
        }
        if config.get_user().is_none()
            && let Some(user) = env("PGUSER").or_else(|| env("USER"))
        {
            config.user(user);
        }
        if config.get_hosts().is_empty() {
            config.host(env("PGHOST").as_deref().unwrap_or("localhost"));
        }
        if config.get_ports().is_empty()
            && let Some(port) = env("PGPORT")
        {
            config.port(port.parse().map_err(|_| invalid("PGPORT is not a port"))?);
        }
        if config.get_dbname().is_none()
            && let Some(db) = env("PGDATABASE")
        {
            config.dbname(db);
        }
        config.connect_timeout(CONNECT_TIMEOUT);
        config.application_name("okta-eventhooks");
        if root_cert.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
            return Err(invalid("sslrootcert names a PEM file of CA certificates"));
        }
        Ok(Self {
            config,
            password_in_url,
            root_cert,
        })
    }

    /// Whether the URL itself holds a password (better kept in `PGPASSWORD`: a command line
    /// is visible to other users of the machine).
    pub fn has_password_in_url(&self) -> bool {
        self.password_in_url
    }
}

/// `postgres://USER@HOST:PORT/DB`, never the password.
impl fmt::Display for PgUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = match self.config.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
            #[cfg(unix)]
            Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
            None => "localhost".into(),
        };
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        write!(
            f,
            "postgres://{}@{host}:{port}/{}",
            self.config.get_user().unwrap_or_default(),
            self.config
                .get_dbname()
                .or(self.config.get_user())
                .unwrap_or_default()
        )
    }
}

impl fmt::Debug for PgUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PgUrl({self})")
    }
}

/// An open PostgreSQL database.
pub(crate) struct Postgres {
    name: String,
    table: TableName,
    pool: Pool,
    queue: Queue,
}

impl Postgres {
    /// Connects, sets the schema up, and starts the writer.
    pub(crate) async fn open(url: &PgUrl, table: TableName) -> Result<Self> {
        let name = format!("PostgreSQL {url}");
        let tls = tls_config(url.root_cert.as_deref()).map_err(|why| Error::Unreachable {
            database: name.clone(),
            source: why.into(),
        })?;
        let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls);
        let manager = Manager::from_config(
            url.config.clone(),
            tls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(CONNECT_TIMEOUT))
            .wait_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| Error::database(&name, "build the pool", e))?;
        let mut client = pool.get().await.map_err(|e| Error::Unreachable {
            database: name.clone(),
            source: with_causes(&e).into(),
        })?;
        set_up(&mut client, &table).await.map_err(|e| match e {
            shape @ Error::Shape { .. } => shape,
            other => Error::Unreachable {
                database: name.clone(),
                source: other.to_string().into(),
            },
        })?;
        drop(client);
        let (queue, rx) = batch::queue();
        tokio::spawn(write_loop(pool.clone(), table.clone(), name.clone(), rx));
        Ok(Self {
            name,
            table,
            pool,
            queue,
        })
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn table(&self) -> &TableName {
        &self.table
    }

    pub(crate) async fn write(&self, rows: Vec<Row>) -> Result<Inserted> {
        self.queue.write(&self.name, rows).await
    }

    async fn client(&self, action: &str) -> Result<deadpool_postgres::Object> {
        self.pool
            .get()
            .await
            .map_err(|e| Error::database(&self.name, action, e))
    }

    pub(crate) async fn stored_uuids(
        &self,
        from: String,
        to: String,
        published_from: String,
        published_to: String,
    ) -> Result<HashSet<String>> {
        let action = "read stored uuids";
        let client = self.client(action).await?;
        let rows = client
            .query(
                &format!(
                    "SELECT uuid FROM {} WHERE uuid IS NOT NULL AND \
                     ((received_at >= $1::text::timestamptz AND received_at <= $2::text::timestamptz) \
                     OR (published >= $3::text::timestamptz AND published <= $4::text::timestamptz))",
                    self.table.quoted()
                ),
                &[&from, &to, &published_from, &published_to],
            )
            .await
            .map_err(|e| Error::database(&self.name, action, e))?;
        Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
    }

    pub(crate) async fn read_after(
        &self,
        consumer: String,
        types: Vec<String>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>> {
        let action = "read events";
        let db = |e| Error::database(&self.name, action, e);
        let client = self.client(action).await?;
        let cursor: i64 = client
            .query_opt(
                &format!("SELECT seq FROM {CONSUMERS_TABLE} WHERE events_table = $1 AND name = $2"),
                &[&self.table.as_str(), &consumer.as_str()],
            )
            .await
            .map_err(db)?
            .map_or(0, |r| r.get(0));
        let rows = client
            .query(
                &format!(
                    "SELECT seq, event_type, replayed, body FROM {} WHERE seq > $1 ORDER BY seq LIMIT $2",
                    self.table.quoted()
                ),
                &[&cursor, &(limit as i64)],
            )
            .await
            .map_err(db)?;
        let mut out: Vec<StoredEvent> = rows
            .iter()
            .map(|r| StoredEvent {
                seq: r.get(0),
                event_type: r.get(1),
                replayed: r.get(2),
                body: r.get(3),
            })
            .collect();
        if !types.is_empty()
            && let Some(last) = out.last().map(|e| e.seq)
        {
            out.retain(|e| e.event_type.as_ref().is_some_and(|t| types.contains(t)));
            if out.is_empty() {
                drop(client);
                self.advance(consumer, last).await?;
            }
        }
        Ok(out)
    }

    pub(crate) async fn advance(&self, consumer: String, seq: i64) -> Result<()> {
        let action = "advance the consumer";
        let client = self.client(action).await?;
        client
            .execute(
                &format!(
                    "INSERT INTO {CONSUMERS_TABLE} AS c (events_table, name, seq) VALUES ($1, $2, $3) \
                     ON CONFLICT (events_table, name) DO UPDATE SET seq = GREATEST(c.seq, excluded.seq)"
                ),
                &[&self.table.as_str(), &consumer.as_str(), &seq],
            )
            .await
            .map_err(|e| Error::database(&self.name, action, e))?;
        Ok(())
    }
}

/// An error with its causes, for a message that says why (the pool's own error says only
/// that a connection could not be made).
fn with_causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    text
}

/// rustls on ring, with the system's roots, or only the CA certificates of `root_cert`.
fn tls_config(root_cert: Option<&Path>) -> std::result::Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    match root_cert {
        Some(path) => {
            use rustls::pki_types::CertificateDer;
            use rustls::pki_types::pem::PemObject;
            let why = |e: &dyn fmt::Display| format!("sslrootcert {}: {e}", path.display());
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| why(&e))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| why(&e))?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(why(&"no CA certificate in it"));
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                // A root the system has but rustls cannot parse is left out, as browsers do.
                let _ = roots.add(cert);
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Creates what is missing under an advisory lock (two relays starting together would
/// otherwise race in `CREATE TABLE IF NOT EXISTS`), then checks the table's shape and version.
async fn set_up(client: &mut deadpool_postgres::Object, table: &TableName) -> Result<()> {
    let db = |e: tokio_postgres::Error| Error::database("PostgreSQL", "set up the schema", e);
    let quoted = table.quoted();
    let tx = client.transaction().await.map_err(db)?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('okta_eventhooks_schema'))",
        &[],
    )
    .await
    .map_err(db)?;
    tx.batch_execute(&format!(
        "CREATE TABLE IF NOT EXISTS {VERSIONS_TABLE} (events_table text PRIMARY KEY, version integer NOT NULL);
         CREATE TABLE IF NOT EXISTS {quoted} (
             seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
             uuid text UNIQUE,
             event_type text,
             published timestamptz,
             received_at timestamptz NOT NULL,
             hook_id text,
             org text,
             replayed boolean NOT NULL DEFAULT false,
             body text NOT NULL);
         CREATE TABLE IF NOT EXISTS {CONSUMERS_TABLE} (
             events_table text NOT NULL, name text NOT NULL, seq bigint NOT NULL,
             PRIMARY KEY (events_table, name));
         INSERT INTO {VERSIONS_TABLE} (events_table, version) VALUES ('{table}', {SCHEMA_VERSION})
             ON CONFLICT (events_table) DO NOTHING;"
    ))
    .await
    .map_err(db)?;
    let found: Vec<(String, String)> = tx
        .query(
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1",
            &[&table.as_str()],
        )
        .await
        .map_err(db)?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    schema::check_shape(table, &found, |c| c.postgres)?;
    tx.batch_execute(&schema::indexes_sql(table))
        .await
        .map_err(db)?;
    let version: i32 = tx
        .query_one(
            &format!("SELECT version FROM {VERSIONS_TABLE} WHERE events_table = $1"),
            &[&table.as_str()],
        )
        .await
        .map_err(db)?
        .get(0);
    schema::check_version(table, i64::from(version))?;
    tx.commit().await.map_err(db)
}

/// The writer task: a transaction per batch of waiting deliveries, until the sink is dropped.
async fn write_loop(pool: Pool, table: TableName, name: String, mut rx: mpsc::Receiver<Job>) {
    let columns: Vec<_> = COLUMNS.iter().skip(1).map(|c| c.name).collect();
    let insert = format!(
        "INSERT INTO {} ({}) VALUES ($1, $2, $3::text::timestamptz, $4::text::timestamptz, $5, $6, $7, $8) \
         ON CONFLICT (uuid) DO NOTHING",
        table.quoted(),
        columns.join(", ")
    );
    while let Some(first) = rx.recv().await {
        let jobs = batch::take_waiting(first, &mut rx);
        let outcome =
            match tokio::time::timeout(COMMIT_TIMEOUT, commit(&pool, &table, &insert, &jobs)).await
            {
                Ok(outcome) => outcome,
                Err(_) => Err("the commit took too long".into()),
            }
            .map_err(|e| Error::database(&name, "store events", e));
        batch::answer(jobs, outcome);
    }
}

async fn commit(
    pool: &Pool,
    table: &TableName,
    insert: &str,
    jobs: &[Job],
) -> std::result::Result<Vec<Inserted>, crate::error::DbError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    // Commits in lock order, so seq grows in commit order across relays.
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext($1))",
        &[&table.as_str()],
    )
    .await?;
    let stmt = tx.prepare_cached(insert).await?;
    let mut counts = Vec::with_capacity(jobs.len());
    for job in jobs {
        // The rows of a delivery are sent together (pipelined on the connection).
        let changed = try_join_all(job.rows.iter().map(|row| async {
            tx.execute(
                &stmt,
                &[
                    &row.uuid,
                    &row.event_type,
                    &row.published,
                    &row.received_at,
                    &row.hook_id,
                    &row.org,
                    &row.replayed,
                    &row.body,
                ],
            )
            .await
        }))
        .await?;
        let new = changed.iter().sum::<u64>();
        counts.push(Inserted {
            new,
            repeats: job.rows.len() as u64 - new,
        });
    }
    tx.commit().await?;
    Ok(counts)
}
