//! A parsed filter. `&&` and `||` chains are flat lists, so a long chain is one wide node, not
//! a deep tree: walking it needs no more stack than walking a short one.

use super::fields::{EventField, TargetField};

/// Where a term sits in the source: byte offsets `start..end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Span {
    pub(super) start: usize,
    pub(super) end: usize,
}

/// A condition over leaves of type `L`: event terms at the top, target comparisons inside
/// `.?[...]`.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Condition<L> {
    Term(L),
    /// `a && b && ...`: true when every part is.
    All(Vec<Condition<L>>),
    /// `a || b || ...`: true when one part is.
    Any(Vec<Condition<L>>),
}

/// `eq` or `ne`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Equality {
    Eq,
    Ne,
}

/// `field eq 'value'` or `field ne 'value'`.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Comparison<F> {
    pub(super) field: F,
    pub(super) op: Equality,
    pub(super) value: String,
    pub(super) span: Span,
}

/// How a selection's `.size()` is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SizeOp {
    Greater,
    Eq,
    Ne,
}

/// `event.target.?[condition].size() > n` (or `eq n`, `ne n`).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct TargetCount {
    pub(super) condition: Condition<Comparison<TargetField>>,
    pub(super) op: SizeOp,
    pub(super) size: u64,
    pub(super) span: Span,
}

/// A term of the top-level condition.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum EventTerm {
    Field(Comparison<EventField>),
    Targets(TargetCount),
}

impl EventTerm {
    pub(super) fn span(&self) -> Span {
        match self {
            Self::Field(comparison) => comparison.span,
            Self::Targets(count) => count.span,
        }
    }
}
