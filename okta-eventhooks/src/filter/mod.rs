//! Okta's filter language for event hooks: the subset of the Okta Expression Language that
//! Okta evaluates in `events.filter.eventFilterMap[].condition.expression`, parsed with
//! positions, bounded, and evaluated against a typed [`LogEvent`].
//!
//! The SDK refuses a hook whose filter does not parse (through [`rules`](crate::rules)), the
//! emulator evaluates deliveries with it, and the CLI's `filter check` / `filter test` expose
//! it, so a filter behaves the same in all three.
//!
//! ```
//! use okta_eventhooks::events::LogEvent;
//! use okta_eventhooks::filter::Filter;
//!
//! let filter: Filter = "event.target.?[type eq 'UserGroup' && displayName eq 'Sales'].size()>0".parse()?;
//! let added_to = |group: &str| -> LogEvent {
//!     serde_json::from_value(serde_json::json!({
//!         "eventType": "group.user_membership.add",
//!         "target": [{"type": "User", "displayName": "Jane Doe"},
//!                    {"type": "UserGroup", "displayName": group}]
//!     })).unwrap()
//! };
//! assert!(filter.matches(&added_to("Sales")));
//! let support = filter.evaluate(&added_to("Support"));
//! assert!(!support.matched);
//! assert_eq!(support.observed, "0 of the event's 2 targets match the selection");
//!
//! let err = Filter::parse("event.eventType eq 'user.session.start' && event.client.ipAddress eq '10.0.0.1'").unwrap_err();
//! assert_eq!(err.column, 44);
//! # Ok::<(), okta_eventhooks::filter::FilterError>(())
//! ```
//!
//! # The language
//!
//! | construct | accepted |
//! |---|---|
//! | fields | [`SUPPORTED_FIELDS`]: `event.eventType`, `event.outcome.reason`, `event.outcome.result`, `event.actor.id`, `event.actor.type`, `event.actor.alternateId`, `event.actor.displayName`, `event.debugData.changedAttributes` |
//! | comparison | `FIELD eq 'text'`, `FIELD ne 'text'`: case-sensitive string equality, the field on the left |
//! | target selection | `event.target.?[COND].size()>N` (also `eq N`, `ne N`), where `COND` compares [`SUPPORTED_TARGET_FIELDS`] (`id`, `type`, `alternateId`, `displayName`) with `eq`/`ne`, joined by `&&`/`\|\|` and parentheses; `N` a whole number |
//! | logic | `&&`, `\|\|` (`&&` binds tighter), parentheses |
//! | literals | single-quoted strings, a quote inside written twice (`'O''Brien'`); whole numbers only after `.size()` |
//! | whitespace | anywhere between tokens (`.size()> 0` as in Okta's examples) |
//! | a missing field | equal to no string: `eq` is false, `ne` true; so is a `changedAttributes` that is not a string |
//!
//! Everything else is refused with its column and what to write instead: other fields, `==`,
//! `!=`, `!`, `and`/`or`/`not`, `true`/`false`/`null`, double quotes, `<`/`>=`/`<=`, method
//! and function calls (`String.stringContains(...)`), other selections (`.![`, `.^[`, `.$[`),
//! indexing.
//!
//! # Choices where Okta's documentation disagrees or is silent
//!
//! | question | choice |
//! |---|---|
//! | `eq`/`ne` (current page) or `==`/`!=` (older Beta page) | `eq`/`ne` only; `==` and `!=` are refused with "use eq"/"use ne", so no filter passes here that the current documentation does not promise Okta accepts |
//! | `event.debugData.changedAttributes` (documented) versus the LogEvent's `debugContext.debugData` | the documented spelling is the only one accepted, and it reads `debugContext.debugData.changedAttributes`; `event.debugContext.debugData.changedAttributes` is refused with a hint |
//! | what may compare a `.size()` | `>` (every documented example) and the documented `eq`/`ne`, against a whole number |
//! | Expression Language that Okta documents elsewhere but not for hooks (`and`, `!`, `true`, double quotes, functions) | refused: Okta says filtering on anything else is not supported |
//! | limits | Okta documents none. [`MAX_EXPRESSION_BYTES`], [`MAX_TERMS`], [`MAX_DEPTH`], checked before any parsing work; generous for real filters, and they keep parsing and evaluation cheap and their stack use bounded |
//! | Okta's error for an invalid filter | unknown; the emulator answers 400 `E0000001` with the column in the cause |

mod ast;
mod error;
mod eval;
mod fields;
mod lexer;
mod parser;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

pub use error::FilterError;
pub use fields::{SUPPORTED_FIELDS, SUPPORTED_TARGET_FIELDS};

use crate::events::LogEvent;
use ast::{Condition, EventTerm};
use lexer::Limits;

/// Longest expression accepted, in bytes (checked before anything else).
pub const MAX_EXPRESSION_BYTES: usize = 4096;
/// Most terms in one expression: comparisons with `eq`/`ne` and `.size()` comparisons, those
/// inside a selection included.
pub const MAX_TERMS: usize = 128;
/// Deepest nesting of parentheses and selections.
pub const MAX_DEPTH: usize = 32;

const LIMITS: Limits = Limits {
    bytes: MAX_EXPRESSION_BYTES,
    terms: MAX_TERMS,
    depth: MAX_DEPTH,
};

/// A parsed event hook filter.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    expression: String,
    condition: Condition<EventTerm>,
}

/// The result of a filter for one event, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Evaluation {
    /// Whether the event passes: Okta delivers it.
    pub matched: bool,
    /// The term that decided the result, as written: the first false part of a `&&`, the
    /// first true part of a `||`, or the last one evaluated when none stopped it.
    pub decided_by: String,
    /// Where that term starts (characters, from 1).
    pub column: usize,
    /// What the term saw in the event, e.g. `event.outcome.result is 'SUCCESS'`.
    pub observed: String,
}

impl Filter {
    /// Parses an expression, or says what is wrong with it and where.
    pub fn parse(expression: &str) -> Result<Self, FilterError> {
        Self::parse_within(expression, LIMITS)
    }

    fn parse_within(expression: &str, limits: Limits) -> Result<Self, FilterError> {
        let tokens = lexer::tokens(expression, limits)?;
        Ok(Self {
            expression: expression.to_owned(),
            condition: parser::parse(expression, tokens)?,
        })
    }

    /// The expression as given.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// Whether Okta would deliver `event` to a hook with this filter.
    pub fn matches(&self, event: &LogEvent) -> bool {
        eval::decide(&self.condition, &mut |term| eval::holds(term, event)).0
    }

    /// [`matches`](Self::matches), with the term that decided it and what it saw.
    pub fn evaluate(&self, event: &LogEvent) -> Evaluation {
        let (matched, term) = eval::decide(&self.condition, &mut |term| eval::holds(term, event));
        let (decided_by, column, observed) = match term {
            Some(term) => {
                let span = term.span();
                (
                    self.expression[span.start..span.end].to_owned(),
                    error::column(&self.expression, span.start),
                    eval::observed(term, event),
                )
            }
            None => (self.expression.clone(), 1, String::new()),
        };
        Evaluation {
            matched,
            decided_by,
            column,
            observed,
        }
    }
}

impl FromStr for Filter {
    type Err = FilterError;

    fn from_str(expression: &str) -> Result<Self, FilterError> {
        Self::parse(expression)
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expression)
    }
}
