//! The SQL sinks' one error type.

use okta_eventhooks::SinkErrorKind;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The error of a database call, kept as its source.
pub type DbError = Box<dyn std::error::Error + Send + Sync>;

/// What can go wrong opening or using a SQL sink. No variant ever holds a password: a
/// database is named by its path, or by host, port, database and user.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting is not acceptable (a table name, a URL, an event that is not text).
    #[error("invalid sink setting: {0}")]
    InvalidInput(String),

    /// The database could not be reached or opened at start.
    #[error("cannot open {database}: {source}")]
    Unreachable {
        /// The database, without its password.
        database: String,
        /// Why.
        #[source]
        source: DbError,
    },

    /// The table exists with another shape than the sink's schema.
    #[error(
        "table {table} has another shape than the sink's schema: {problem}; give another --table, or drop or rename that table"
    )]
    Shape {
        /// The table.
        table: String,
        /// What differs, naming the column.
        problem: String,
    },

    /// A database call failed (a store, a read, a cursor): a later call may succeed.
    #[error("{database}: cannot {action}: {source}")]
    Database {
        /// The database, without its password.
        database: String,
        /// What was being done.
        action: String,
        /// Why.
        #[source]
        source: DbError,
    },
}

impl Error {
    /// A failed call on `database`.
    pub(crate) fn database(
        database: &str,
        action: impl Into<String>,
        source: impl Into<DbError>,
    ) -> Self {
        Self::Database {
            database: database.to_owned(),
            action: action.into(),
            source: source.into(),
        }
    }
}

impl From<Error> for okta_eventhooks::Error {
    fn from(e: Error) -> Self {
        let kind = match &e {
            Error::InvalidInput(_) => SinkErrorKind::InvalidInput,
            Error::Unreachable { .. } => SinkErrorKind::Unreachable,
            Error::Shape { .. } => SinkErrorKind::Config,
            Error::Database { .. } => SinkErrorKind::Failed,
        };
        okta_eventhooks::Error::sink(kind, e)
    }
}
