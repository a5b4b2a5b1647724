//! The one schema of both SQL sinks: the events table, the consumers' cursors and the schema
//! version, each column's type in each database, and the table-name rule.

use crate::error::{Error, Result};

/// The version of the schema this release creates and reads; kept per events table in
/// `okta_eventhooks_schema`, so that a later release can migrate a table it finds older.
pub const SCHEMA_VERSION: i64 = 1;

/// The events table unless told otherwise.
pub const DEFAULT_TABLE: &str = "okta_events";

/// Where each events table's schema version is kept.
pub(crate) const VERSIONS_TABLE: &str = "okta_eventhooks_schema";

/// Where the durable consumers' cursors are kept.
pub(crate) const CONSUMERS_TABLE: &str = "okta_event_consumers";

/// A column of the events table: its name and its declared type in SQLite and PostgreSQL
/// (as `PRAGMA table_info` and `information_schema.columns` report them).
pub(crate) struct Column {
    pub(crate) name: &'static str,
    pub(crate) sqlite: &'static str,
    pub(crate) postgres: &'static str,
}

/// The events table's columns, in order.
pub(crate) const COLUMNS: [Column; 9] = [
    col("seq", "INTEGER", "bigint"),
    col("uuid", "TEXT", "text"),
    col("event_type", "TEXT", "text"),
    col("published", "TEXT", "timestamp with time zone"),
    col("received_at", "TEXT", "timestamp with time zone"),
    col("hook_id", "TEXT", "text"),
    col("org", "TEXT", "text"),
    col("replayed", "INTEGER", "boolean"),
    col("body", "TEXT", "text"),
];

const fn col(name: &'static str, sqlite: &'static str, postgres: &'static str) -> Column {
    Column {
        name,
        sqlite,
        postgres,
    }
}

/// A table name checked as a plain SQL identifier, so that it can be put in statements
/// (quoted) without escaping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableName(String);

impl TableName {
    /// Checks `name`: a letter or `_`, then letters, digits or `_`, at most 63 bytes
    /// (PostgreSQL's limit), and not one of the sink's own tables.
    pub fn new(name: &str) -> Result<Self> {
        let mut chars = name.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !first_ok || name.len() > 63 || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Error::InvalidInput(format!(
                "table name {name:?}: a letter or _, then letters, digits or _, at most 63 characters"
            )));
        }
        if [VERSIONS_TABLE, CONSUMERS_TABLE].contains(&name) {
            return Err(Error::InvalidInput(format!(
                "table name {name}: the sink keeps its own data there; choose another"
            )));
        }
        Ok(Self(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name quoted for a statement.
    pub(crate) fn quoted(&self) -> String {
        format!("\"{}\"", self.0)
    }
}

impl Default for TableName {
    fn default() -> Self {
        Self(DEFAULT_TABLE.to_owned())
    }
}

impl std::fmt::Display for TableName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Compares a table's columns (name, declared type) with the schema: the first column
/// missing or of another type is named.
pub(crate) fn check_shape(
    table: &TableName,
    found: &[(String, String)],
    type_of: impl Fn(&Column) -> &'static str,
) -> Result<()> {
    let shape = |problem: String| Error::Shape {
        table: table.to_string(),
        problem,
    };
    for column in &COLUMNS {
        let expected = type_of(column);
        match found.iter().find(|(name, _)| name == column.name) {
            None => return Err(shape(format!("it has no column {}", column.name))),
            Some((_, ty)) if !ty.eq_ignore_ascii_case(expected) => {
                return Err(shape(format!(
                    "column {} is {ty}, not {expected}",
                    column.name
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The indexes of a window's read (`reconcile`), created once the table's shape is known to
/// be the schema's (the same statements in both databases).
pub(crate) fn indexes_sql(table: &TableName) -> String {
    let quoted = table.quoted();
    format!(
        "CREATE INDEX IF NOT EXISTS \"{table}_received_at\" ON {quoted} (received_at);
         CREATE INDEX IF NOT EXISTS \"{table}_published\" ON {quoted} (published);"
    )
}

/// Checks the version recorded for the table.
pub(crate) fn check_version(table: &TableName, version: i64) -> Result<()> {
    if version > SCHEMA_VERSION {
        return Err(Error::Shape {
            table: table.to_string(),
            problem: format!(
                "its schema is version {version}, newer than this release's {SCHEMA_VERSION}; use a newer okta-eventhooks"
            ),
        });
    }
    Ok(())
}

/// Stored events are read from this long before a window (clocks disagree) and up to this
/// long after it (storing follows publishing: a delivery, a retry), by their `received_at`;
/// replayed events by their `published`.
pub(crate) const BEFORE_WINDOW: chrono::TimeDelta = chrono::TimeDelta::minutes(5);
pub(crate) const AFTER_WINDOW: chrono::TimeDelta = chrono::TimeDelta::minutes(15);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_plain_identifiers() {
        for good in ["okta_events", "_x", "Audit2"] {
            assert_eq!(TableName::new(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "1x",
            "a-b",
            "a\"b",
            "a b",
            &"x".repeat(64),
            "okta_event_consumers",
        ] {
            assert!(TableName::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_missing_or_retyped_column_is_named() {
        let table = TableName::default();
        let mut found: Vec<_> = COLUMNS
            .iter()
            .map(|c| (c.name.to_owned(), c.sqlite.to_owned()))
            .collect();
        check_shape(&table, &found, |c| c.sqlite).unwrap();
        found[7].1 = "TEXT".into();
        let err = check_shape(&table, &found, |c| c.sqlite).unwrap_err();
        assert!(err.to_string().contains("column replayed is TEXT"), "{err}");
        found.remove(1);
        let err = check_shape(&table, &found, |c| c.sqlite).unwrap_err();
        assert!(err.to_string().contains("no column uuid"), "{err}");
    }
}
