//! The embedded database: one SQLite file, no server.
//!
//! Durability: the file is in WAL mode with `synchronous=FULL`, so a transaction is on disk
//! (the WAL fsynced) when `COMMIT` returns, and survives a crash of the process or of the
//! machine. One writer thread commits the deliveries that arrive together in one transaction
//! ([`batch`](crate::batch)); readers (reconcile, consume) read beside it, as WAL allows.
//!
//! Checkpoints (copying the log into the database file, which fsyncs that file too) are off
//! the commit path: SQLite's automatic checkpoint would run inside whichever commit crossed
//! its threshold, making every delivery waiting on that commit wait for two more fsyncs. A
//! thread of its own checkpoints passively (never blocking the writer) once a second.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::mpsc;

use crate::batch::{self, Inserted, Job, Queue};
use crate::error::{Error, Result};
use crate::row::{Row, StoredEvent};
use crate::schema::{self, COLUMNS, CONSUMERS_TABLE, SCHEMA_VERSION, TableName, VERSIONS_TABLE};

/// How long a statement waits for another writer of the file (a second relay, `consume`'s
/// cursor) before failing.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// How often the checkpoint thread copies the log into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// An open SQLite file.
pub(crate) struct Sqlite {
    name: String,
    table: TableName,
    queue: Queue,
    /// For reads and cursors, beside the writer's own connection.
    reader: Arc<Mutex<Connection>>,
    /// Dropped with the sink: the checkpoint thread then stops.
    _checkpoints: std::sync::mpsc::Sender<()>,
}

impl Sqlite {
    /// Opens (creating if missing) the file, sets it up, and starts its writer.
    pub(crate) fn open(path: &Path, table: TableName) -> Result<Self> {
        let name = format!("SQLite file {}", path.display());
        let writer = connect(path, &name)?;
        set_up(&writer, &table).map_err(|e| match e {
            shape @ Error::Shape { .. } => shape,
            other => Error::Unreachable {
                database: name.clone(),
                source: other.to_string().into(),
            },
        })?;
        // The writer never checkpoints: the checkpoint thread does.
        writer
            .execute_batch("PRAGMA wal_autocheckpoint=0;")
            .map_err(|e| Error::database(&name, "set up the writer", e))?;
        let checkpointer = connect(path, &name)?;
        let (checkpoints, stop) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("okta-eventhooks-sqlite-checkpoint".into())
            .spawn(move || checkpoint_loop(&checkpointer, &stop))
            .map_err(|e| Error::database(&name, "start the checkpoints", e))?;
        let reader = connect(path, &name)?;
        let (queue, rx) = batch::queue();
        let insert = insert_sql(&table);
        let writer_name = name.clone();
        std::thread::Builder::new()
            .name("okta-eventhooks-sqlite".into())
            .spawn(move || write_loop(writer, &insert, &writer_name, rx))
            .map_err(|e| Error::database(&name, "start the writer", e))?;
        Ok(Self {
            name,
            table,
            queue,
            reader: Arc::new(Mutex::new(reader)),
            _checkpoints: checkpoints,
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

    /// Runs `f` on the reading connection, off the async threads.
    async fn read<T: Send + 'static>(
        &self,
        action: &'static str,
        f: impl FnOnce(&Connection, &str) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T> {
        let reader = self.reader.clone();
        let table = self.table.quoted();
        let name = self.name.clone();
        tokio::task::spawn_blocking(move || {
            let conn = reader.lock().unwrap_or_else(|p| p.into_inner());
            f(&conn, &table).map_err(|e| Error::database(&name, action, e))
        })
        .await
        .map_err(|e| Error::database(&self.name, action, e))?
    }

    pub(crate) async fn stored_uuids(
        &self,
        from: String,
        to: String,
        published_from: String,
        published_to: String,
    ) -> Result<HashSet<String>> {
        self.read("read stored uuids", move |conn, table| {
            let mut stmt = conn.prepare(&format!(
                "SELECT uuid FROM {table} WHERE uuid IS NOT NULL AND \
                 ((received_at >= ?1 AND received_at <= ?2) OR (published >= ?3 AND published <= ?4))"
            ))?;
            let rows = stmt.query_map(params![from, to, published_from, published_to], |r| {
                r.get::<_, String>(0)
            })?;
            rows.collect()
        })
        .await
    }

    pub(crate) async fn read_after(
        &self,
        consumer: String,
        types: Vec<String>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>> {
        let events_table = self.table.to_string();
        self.read("read events", move |conn, table| {
            let cursor: i64 = conn
                .query_row(
                    &format!(
                        "SELECT seq FROM {CONSUMERS_TABLE} WHERE events_table = ?1 AND name = ?2"
                    ),
                    params![events_table, consumer],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(0);
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT seq, event_type, replayed, body FROM {table} WHERE seq > ?1 ORDER BY seq LIMIT ?2"
            ))?;
            let mut out = Vec::new();
            let rows = stmt.query_map(params![cursor, limit as i64], |r| {
                Ok(StoredEvent {
                    seq: r.get(0)?,
                    event_type: r.get(1)?,
                    replayed: r.get(2)?,
                    body: r.get(3)?,
                })
            })?;
            for row in rows {
                out.push(row?);
            }
            // The type filter is applied here so that the cursor passes the others too.
            if !types.is_empty()
                && let Some(last) = out.last().map(|e| e.seq)
            {
                out.retain(|e| e.event_type.as_ref().is_some_and(|t| types.contains(t)));
                if out.is_empty() {
                    advance_cursor(conn, &events_table, &consumer, last)?;
                }
            }
            Ok(out)
        })
        .await
    }

    pub(crate) async fn advance(&self, consumer: String, seq: i64) -> Result<()> {
        let events_table = self.table.to_string();
        self.read("advance the consumer", move |conn, _| {
            advance_cursor(conn, &events_table, &consumer, seq)
        })
        .await
    }
}

fn advance_cursor(
    conn: &Connection,
    events_table: &str,
    consumer: &str,
    seq: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        &format!(
            "INSERT INTO {CONSUMERS_TABLE} (events_table, name, seq) VALUES (?1, ?2, ?3) \
             ON CONFLICT (events_table, name) DO UPDATE SET seq = MAX(seq, excluded.seq)"
        ),
        params![events_table, consumer, seq],
    )?;
    Ok(())
}

fn connect(path: &Path, name: &str) -> Result<Connection> {
    let unreachable = |e: rusqlite::Error| Error::Unreachable {
        database: name.to_owned(),
        source: e.into(),
    };
    let conn = Connection::open(PathBuf::from(path)).map_err(unreachable)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(unreachable)?;
    // WAL: a commit appends to the log, readers are not blocked; FULL: the log is fsynced at
    // every commit, so what was answered 200 survives a power loss.
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .map_err(unreachable)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::Unreachable {
            database: name.to_owned(),
            source: format!("the file cannot be put in WAL mode (it stays {mode})").into(),
        });
    }
    conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
        .map_err(unreachable)?;
    Ok(conn)
}

/// Creates what is missing (in one transaction, so that two relays starting together agree),
/// then checks the table's shape and version.
fn set_up(conn: &Connection, table: &TableName) -> Result<()> {
    let db = |e: rusqlite::Error| Error::database("SQLite", "set up the schema", e);
    let quoted = table.quoted();
    conn.execute_batch(&format!(
        "BEGIN IMMEDIATE;
         CREATE TABLE IF NOT EXISTS {VERSIONS_TABLE} (events_table TEXT PRIMARY KEY, version INTEGER NOT NULL);
         CREATE TABLE IF NOT EXISTS {quoted} (
             seq INTEGER PRIMARY KEY AUTOINCREMENT,
             uuid TEXT UNIQUE,
             event_type TEXT,
             published TEXT,
             received_at TEXT NOT NULL,
             hook_id TEXT,
             org TEXT,
             replayed INTEGER NOT NULL DEFAULT 0,
             body TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS {CONSUMERS_TABLE} (
             events_table TEXT NOT NULL, name TEXT NOT NULL, seq INTEGER NOT NULL,
             PRIMARY KEY (events_table, name));
         INSERT INTO {VERSIONS_TABLE} (events_table, version) VALUES ('{table}', {SCHEMA_VERSION})
             ON CONFLICT (events_table) DO NOTHING;
         COMMIT;"
    ))
    .map_err(|e| {
        let _ = conn.execute_batch("ROLLBACK");
        db(e)
    })?;
    let mut stmt = conn
        .prepare(&format!(
            "SELECT name, type FROM pragma_table_info('{table}')"
        ))
        .map_err(db)?;
    let found = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(db)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db)?;
    schema::check_shape(table, &found, |c| c.sqlite)?;
    conn.execute_batch(&schema::indexes_sql(table))
        .map_err(db)?;
    let version: i64 = conn
        .query_row(
            &format!("SELECT version FROM {VERSIONS_TABLE} WHERE events_table = ?1"),
            [table.as_str()],
            |r| r.get(0),
        )
        .map_err(db)?;
    schema::check_version(table, version)
}

fn insert_sql(table: &TableName) -> String {
    let columns: Vec<_> = COLUMNS.iter().skip(1).map(|c| c.name).collect();
    format!(
        "INSERT INTO {} ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (uuid) DO NOTHING",
        table.quoted(),
        columns.join(", ")
    )
}

/// The checkpoint thread: a passive checkpoint (it copies what no reader still needs and never
/// waits for the writer) every [`CHECKPOINT_EVERY`], until the sink is dropped. A failed
/// checkpoint loses nothing (the log keeps every commit) and is tried again.
fn checkpoint_loop(conn: &Connection, stop: &std::sync::mpsc::Receiver<()>) {
    while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(CHECKPOINT_EVERY)
    {
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::debug!(error = %e, "SQLite checkpoint failed; tried again in a second");
        }
    }
}

/// The writer thread: a transaction per batch of waiting deliveries, until the sink is dropped.
fn write_loop(mut conn: Connection, insert: &str, name: &str, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.blocking_recv() {
        let jobs = batch::take_waiting(first, &mut rx);
        let outcome =
            commit(&mut conn, insert, &jobs).map_err(|e| Error::database(name, "store events", e));
        batch::answer(jobs, outcome);
    }
}

fn commit(conn: &mut Connection, insert: &str, jobs: &[Job]) -> rusqlite::Result<Vec<Inserted>> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut counts = Vec::with_capacity(jobs.len());
    {
        let mut stmt = tx.prepare_cached(insert)?;
        for job in jobs {
            let mut inserted = Inserted::default();
            for row in &job.rows {
                let changed = stmt.execute(params![
                    row.uuid,
                    row.event_type,
                    row.published,
                    row.received_at,
                    row.hook_id,
                    row.org,
                    row.replayed,
                    row.body
                ])?;
                if changed == 0 {
                    inserted.repeats += 1;
                } else {
                    inserted.new += 1;
                }
            }
            counts.push(inserted);
        }
    }
    tx.commit()?;
    Ok(counts)
}
