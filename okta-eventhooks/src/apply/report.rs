//! What the engine tells its caller: an event as each step starts and ends, and a report per
//! step.

use std::fmt;

use serde::Serialize;

use super::phases::Step;
use crate::LifecycleStatus;

/// How a step ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Done (or found already done).
    Done,
    /// Tried, and failed.
    Failed,
    /// Not tried, because an earlier step of the hook failed.
    Skipped,
}

/// Why a step failed. `E` is the caller's error, from its [`Supply`](super::Supply).
#[derive(Debug)]
pub enum StepError<E> {
    /// Okta refused the call, or could not be reached.
    Okta(crate::Error),
    /// A delete refused before it was sent: the hook is not INACTIVE (`None`: status unknown).
    NotInactive(Option<LifecycleStatus>),
    /// The caller could not supply the hook, or its probe failed.
    Supply(E),
}

impl<E: fmt::Display> fmt::Display for StepError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Okta(e) => e.fmt(f),
            Self::NotInactive(status) => write!(
                f,
                "not deleted: the hook is {}, and only an INACTIVE hook is deleted",
                status.as_ref().map_or("-".into(), ToString::to_string)
            ),
            Self::Supply(e) => e.fmt(f),
        }
    }
}

impl<E> From<crate::Error> for StepError<E> {
    fn from(e: crate::Error) -> Self {
        Self::Okta(e)
    }
}

/// How one step of one hook ended.
#[derive(Debug)]
pub struct StepReport<E> {
    /// The hook's name.
    pub hook: String,
    /// The step.
    pub step: Step,
    /// How it ended.
    pub outcome: Outcome,
    /// What happened, in words (e.g. `created who1...`, `after the failed probe`).
    pub detail: String,
    /// The failure, for a failed step.
    pub error: Option<StepError<E>>,
}

/// What the engine reports while it runs.
#[derive(Debug)]
pub enum Event<'a, E> {
    /// A step is being carried out now (a step skipped after a failure does not start).
    Started {
        /// The hook's name.
        hook: &'a str,
        /// The step.
        step: Step,
    },
    /// A step ended: done, failed or skipped. Every step of every hook ends exactly once.
    Ended(&'a StepReport<E>),
}
