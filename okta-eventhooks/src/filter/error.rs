//! What is wrong with an expression, and where.

/// Why an expression is not a valid event hook filter: the position of the problem and what is
/// wrong there. Displayed as `column <n>: <message>`.
///
/// ```
/// let err = okta_eventhooks::filter::Filter::parse("event.client.ipAddress eq '10.0.0.1'").unwrap_err();
/// assert_eq!(err.column, 1);
/// assert!(err.to_string().starts_with(
///     "column 1: field event.client.ipAddress is not supported in event hook filters; supported: event.eventType,"
/// ));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
#[non_exhaustive]
pub struct FilterError {
    /// Where the problem starts: characters (not bytes) from the start of the expression,
    /// counting from 1. One past the last character when the expression ends too early.
    pub column: usize,
    /// What is wrong there, and what is accepted instead.
    pub message: String,
}

impl FilterError {
    /// An error at byte `offset` of `source` (a character boundary).
    pub(super) fn at(source: &str, offset: usize, message: impl Into<String>) -> Self {
        Self {
            column: column(source, offset),
            message: message.into(),
        }
    }
}

/// The column (characters, from 1) of byte `offset` of `source`.
pub(super) fn column(source: &str, offset: usize) -> usize {
    source.get(..offset).unwrap_or(source).chars().count() + 1
}
