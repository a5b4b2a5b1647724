//! The order of apply: the actions, the steps they become and the phases the steps run in,
//! as one table ([`PHASES`]) that the engine follows and the CLI's help is built from.

use serde::Serialize;

/// One thing apply asks Okta to do to a hook.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// POST a new hook.
    Create,
    /// PUT the whole hook (with its secret: a PUT without it would drop it).
    Replace,
    /// Lifecycle: activate.
    Activate,
    /// Lifecycle: deactivate.
    Deactivate,
    /// Lifecycle: verify (after probing the endpoint).
    Verify,
    /// DELETE (only once INACTIVE).
    Delete,
}

impl Action {
    /// The action's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Replace => "replace",
            Self::Activate => "activate",
            Self::Deactivate => "deactivate",
            Self::Verify => "verify",
            Self::Delete => "delete",
        }
    }
}

/// A step of a hook: the probe before a verification, or an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// Okta's verification GET, sent by the caller before Okta is asked to verify.
    Probe,
    /// A call to Okta.
    Act(Action),
}

impl Step {
    /// The step's name: `probe` or the action's.
    pub fn name(self) -> &'static str {
        match self {
            Self::Probe => "probe",
            Self::Act(action) => action.name(),
        }
    }

    /// The phase this step runs in, among the hook's `actions` (the same action runs earlier
    /// or later depending on what else happens to the hook).
    pub fn phase(self, actions: &[Action]) -> Phase {
        match self {
            Self::Probe => Phase::Probe,
            Self::Act(Action::Deactivate) if actions.contains(&Action::Create) => Phase::Status,
            Self::Act(Action::Deactivate) => Phase::Deactivate,
            Self::Act(Action::Delete) => Phase::Delete,
            Self::Act(Action::Create | Action::Replace) => Phase::Write,
            Self::Act(Action::Activate) if actions.contains(&Action::Verify) => Phase::Status,
            Self::Act(Action::Verify) => Phase::Verify,
            Self::Act(Action::Activate) => Phase::Activate,
        }
    }
}

/// The steps of a hook with these actions: its actions, after a probe when it is verified and
/// `probe` is on.
pub fn steps(actions: &[Action], probe: bool) -> Vec<Step> {
    let probed = probe && actions.contains(&Action::Verify);
    probed
        .then_some(Step::Probe)
        .into_iter()
        .chain(actions.iter().map(|a| Step::Act(*a)))
        .collect()
}

/// A phase of apply (see [`PHASES`] for their order and what each does).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Probe the receivers.
    Probe,
    /// Stop deliveries.
    Deactivate,
    /// Delete.
    Delete,
    /// Create and replace.
    Write,
    /// Set the status a write or a verification needs.
    Status,
    /// Verify.
    Verify,
    /// Activate the rest.
    Activate,
}

/// One row of [`PHASES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhaseInfo {
    /// The phase.
    pub phase: Phase,
    /// Its name, as the CLI's help and the README list it.
    pub name: &'static str,
    /// Whether the phase's steps of different hooks run at once (a hook's own steps always
    /// run one after the other).
    pub concurrent: bool,
    /// What it does, in one line.
    pub description: &'static str,
}

/// The phases, in the order apply runs them: the one place that order is written.
pub const PHASES: [PhaseInfo; 7] = [
    PhaseInfo {
        phase: Phase::Probe,
        name: "probe",
        concurrent: true,
        description: "each receiver to be verified gets Okta's verification GET (challenge, auth and custom headers); a receiver not ready, or answering wrongly, is named and its hook left as it is",
    },
    PhaseInfo {
        phase: Phase::Deactivate,
        name: "deactivate",
        concurrent: false,
        description: "hooks wanted INACTIVE and hooks to delete: deliveries stop first",
    },
    PhaseInfo {
        phase: Phase::Delete,
        name: "delete",
        concurrent: false,
        description: "only INACTIVE hooks, never an ACTIVE one",
    },
    PhaseInfo {
        phase: Phase::Write,
        name: "write",
        concurrent: false,
        description: "create and replace (a replace always sends the hook's secret)",
    },
    PhaseInfo {
        phase: Phase::Status,
        name: "status",
        concurrent: false,
        description: "deactivate a hook just created that is wanted INACTIVE; activate one to be verified (Okta verifies only ACTIVE hooks)",
    },
    PhaseInfo {
        phase: Phase::Verify,
        name: "verify",
        concurrent: false,
        description: "hooks whose channel changed or that are not verified (an UNVERIFIED hook gets no events)",
    },
    PhaseInfo {
        phase: Phase::Activate,
        name: "activate",
        concurrent: false,
        description: "the rest, last",
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    /// The phase numbers (from 1) of a hook's steps, in the order they run.
    fn order(actions: &[Action]) -> Vec<(&'static str, usize)> {
        let mut placed: Vec<(&'static str, usize)> = steps(actions, true)
            .into_iter()
            .map(|s| {
                let phase = s.phase(actions);
                let at = PHASES.iter().position(|p| p.phase == phase).unwrap() + 1;
                (s.name(), at)
            })
            .collect();
        placed.sort_by_key(|(_, at)| *at);
        placed
    }

    #[test]
    fn every_phase_is_in_the_table_once() {
        let all = [
            Phase::Probe,
            Phase::Deactivate,
            Phase::Delete,
            Phase::Write,
            Phase::Status,
            Phase::Verify,
            Phase::Activate,
        ];
        for phase in all {
            assert_eq!(PHASES.iter().filter(|p| p.phase == phase).count(), 1);
        }
        let concurrent: Vec<&str> = PHASES
            .iter()
            .filter(|p| p.concurrent)
            .map(|p| p.name)
            .collect();
        assert_eq!(concurrent, ["probe"]);
    }

    #[test]
    fn a_hook_s_steps_run_in_the_safe_order() {
        assert_eq!(
            order(&[Create, Verify]),
            [("probe", 1), ("create", 4), ("verify", 6)]
        );
        // Okta creates hooks ACTIVE: a hook wanted INACTIVE is deactivated after its create.
        assert_eq!(
            order(&[Create, Deactivate]),
            [("create", 4), ("deactivate", 5)]
        );
        // Deliveries stop before the replace.
        assert_eq!(
            order(&[Deactivate, Replace]),
            [("deactivate", 2), ("replace", 4)]
        );
        // Okta verifies only ACTIVE hooks: activated before, not last.
        assert_eq!(
            order(&[Activate, Verify]),
            [("probe", 1), ("activate", 5), ("verify", 6)]
        );
        assert_eq!(order(&[Activate]), [("activate", 7)]);
        assert_eq!(
            order(&[Deactivate, Delete]),
            [("deactivate", 2), ("delete", 3)]
        );
        assert_eq!(
            steps(&[Create, Verify], false),
            [Step::Act(Create), Step::Act(Verify)]
        );
    }
}
