//! [`SqlSink`]: the SDK's [`Sink`] over either database, and the durable consumer's reads.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use okta_eventhooks::events::LogEvent;
use okta_eventhooks::sink::{
    EventCounts, Incoming, ReplayTo, Replayed, Sink, SinkDescription, SinkFuture,
};

use crate::batch::Inserted;
use crate::error::Result;
use crate::row::{self, Row, StoredEvent, time_text};
use crate::schema::{AFTER_WINDOW, BEFORE_WINDOW, TableName};

/// A SQL database as a [`Sink`]: the events table, created if missing, each event one row
/// (its `uuid` unique, so a repeat is dropped). Cheap to clone; clones share the database.
#[derive(Clone)]
pub struct SqlSink {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    stored: AtomicU64,
    repeats: AtomicU64,
}

enum Db {
    #[cfg(feature = "sqlite")]
    Sqlite(crate::sqlite::Sqlite),
    #[cfg(feature = "postgres")]
    Postgres(crate::postgres::Postgres),
}

/// Calls the same method on whichever database it is.
macro_rules! on_db {
    ($self:expr, $db:ident => $call:expr) => {
        match &$self.inner.db {
            #[cfg(feature = "sqlite")]
            Db::Sqlite($db) => $call,
            #[cfg(feature = "postgres")]
            Db::Postgres($db) => $call,
        }
    };
}

impl std::fmt::Debug for SqlSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlSink")
            .field("database", &self.database())
            .finish_non_exhaustive()
    }
}

impl SqlSink {
    /// Opens the SQLite file at `path` (created if missing), creates the schema if missing and
    /// checks it. [`Error::Unreachable`](crate::Error::Unreachable) when the file cannot be
    /// opened, [`Error::Shape`](crate::Error::Shape) when `table` has another shape.
    #[cfg(feature = "sqlite")]
    pub async fn sqlite(path: impl AsRef<Path>, table: TableName) -> Result<Self> {
        let path = path.as_ref().to_owned();
        let db = tokio::task::spawn_blocking(move || crate::sqlite::Sqlite::open(&path, table))
            .await
            .map_err(|e| crate::Error::InvalidInput(format!("cannot open SQLite: {e}")))??;
        Ok(Self::with(Db::Sqlite(db)))
    }

    /// Connects to PostgreSQL, creates the schema if missing and checks it; errors as
    /// [`sqlite`](Self::sqlite).
    #[cfg(feature = "postgres")]
    pub async fn postgres(url: &crate::PgUrl, table: TableName) -> Result<Self> {
        let db = crate::postgres::Postgres::open(url, table).await?;
        Ok(Self::with(Db::Postgres(db)))
    }

    fn with(db: Db) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                stored: AtomicU64::new(0),
                repeats: AtomicU64::new(0),
            }),
        }
    }

    /// The database, as printed (never a password).
    pub fn database(&self) -> &str {
        on_db!(self, db => db.name())
    }

    /// The events table.
    pub fn table(&self) -> &TableName {
        on_db!(self, db => db.table())
    }

    /// Events stored as new rows so far, and events the table already had.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.inner.stored.load(Ordering::Relaxed),
            self.inner.repeats.load(Ordering::Relaxed),
        )
    }

    async fn write(&self, rows: Vec<Row>) -> Result<Inserted> {
        if rows.is_empty() {
            return Ok(Inserted::default());
        }
        let inserted = on_db!(self, db => db.write(rows).await)?;
        self.inner.stored.fetch_add(inserted.new, Ordering::Relaxed);
        self.inner
            .repeats
            .fetch_add(inserted.repeats, Ordering::Relaxed);
        Ok(inserted)
    }

    /// Up to `limit` events after the durable consumer `consumer`'s cursor, in `seq` order
    /// (only those of `types`, when given); the cursor moves with [`advance`](Self::advance).
    pub async fn read_after(
        &self,
        consumer: &str,
        types: &[String],
        limit: usize,
    ) -> Result<Vec<StoredEvent>> {
        on_db!(self, db => db.read_after(consumer.to_owned(), types.to_vec(), limit).await)
    }

    /// Moves `consumer`'s cursor to `seq` (never back).
    pub async fn advance(&self, consumer: &str, seq: i64) -> Result<()> {
        on_db!(self, db => db.advance(consumer.to_owned(), seq).await)
    }
}

impl Sink for SqlSink {
    fn store(&self, incoming: Incoming) -> SinkFuture<'_> {
        Box::pin(async move {
            let rows = row::delivered(&incoming)?;
            self.write(rows).await?;
            Ok(())
        })
    }

    fn stored_uuids(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> SinkFuture<'_, HashSet<String>> {
        Box::pin(async move {
            let (from, to) = (
                time_text(since - BEFORE_WINDOW),
                time_text(until + AFTER_WINDOW),
            );
            let (published_from, published_to) = (time_text(since), time_text(until));
            Ok(on_db!(self, db => db.stored_uuids(from, to, published_from, published_to).await)?)
        })
    }

    fn check_target(&self) -> SinkFuture<'_> {
        // Writes and reads go to the same table of the same database.
        Box::pin(async { Ok(()) })
    }

    fn event_counts(&self) -> Option<EventCounts> {
        let (stored, repeats) = self.counts();
        Some(EventCounts::new(stored, repeats, 0))
    }

    /// `<database>, table <table>`, and the same as fields.
    fn describe(&self) -> SinkDescription {
        let (database, table) = (self.database(), self.table().to_string());
        SinkDescription::new(format!("{database}, table {table}"))
            .field("database", database)
            .field("table", table)
    }

    fn replay<'a>(&'a self, to: ReplayTo<'a>, events: &'a [LogEvent]) -> SinkFuture<'a, Replayed> {
        Box::pin(async move {
            let rows = row::replayed(to, events)?;
            let inserted = self.write(rows).await?;
            Ok(Replayed::new(
                inserted.new as usize,
                inserted.repeats as usize,
            ))
        })
    }
}
