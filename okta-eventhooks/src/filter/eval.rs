//! Evaluation against a typed [`LogEvent`], with the term that decided the result.
//!
//! `&&` stops at the first false part and `||` at the first true one; the term that stopped it
//! (or, when none did, the last one evaluated) decided the result. Chains are walked with a
//! loop; the recursion into parentheses and selections is bounded by the parser's depth limit.

use super::ast::{Comparison, Condition, Equality, EventTerm, SizeOp, TargetCount};
use super::fields::Observed;
use crate::events::LogEvent;

/// Whether `condition` holds, and the term that decided it (`None` only for an empty chain,
/// which the parser never builds).
pub(super) fn decide<'c, L>(
    condition: &'c Condition<L>,
    holds: &mut impl FnMut(&L) -> bool,
) -> (bool, Option<&'c L>) {
    let (parts, stop_at) = match condition {
        Condition::Term(term) => return (holds(term), Some(term)),
        Condition::All(parts) => (parts, false),
        Condition::Any(parts) => (parts, true),
    };
    let mut last = None;
    for part in parts {
        let (value, term) = decide(part, holds);
        last = term;
        if value == stop_at {
            return (value, last);
        }
    }
    (!stop_at, last)
}

pub(super) fn holds(term: &EventTerm, event: &LogEvent) -> bool {
    match term {
        EventTerm::Field(comparison) => compare(comparison.field.read(event), comparison),
        EventTerm::Targets(count) => {
            let size = selected(count, event) as u64;
            match count.op {
                SizeOp::Greater => size > count.size,
                SizeOp::Eq => size == count.size,
                SizeOp::Ne => size != count.size,
            }
        }
    }
}

/// What `term` saw in `event`, in words.
pub(super) fn observed(term: &EventTerm, event: &LogEvent) -> String {
    match term {
        EventTerm::Field(comparison) => format!(
            "{} is {}",
            comparison.field.path(),
            comparison.field.read(event).describe()
        ),
        EventTerm::Targets(count) => format!(
            "{} of the event's {} targets match the selection",
            selected(count, event),
            event.target.len()
        ),
    }
}

/// How many targets the selection keeps.
fn selected(count: &TargetCount, event: &LogEvent) -> usize {
    event
        .target
        .iter()
        .filter(|target| decide(&count.condition, &mut |c| compare(c.field.read(target), c)).0)
        .count()
}

fn compare<F>(value: Observed<'_>, comparison: &Comparison<F>) -> bool {
    let equal = value.equals(&comparison.value);
    match comparison.op {
        Equality::Eq => equal,
        Equality::Ne => !equal,
    }
}
