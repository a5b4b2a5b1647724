//! What the emulator stores about a hook: exactly what Okta keeps, secrets included.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use okta_eventhooks::Secret;
use okta_eventhooks::filter::{Filter, FilterError};

/// `ACTIVE` or `INACTIVE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum Status {
    Active,
    Inactive,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Active => "ACTIVE",
            Status::Inactive => "INACTIVE",
        }
    }
}

/// `VERIFIED` or `UNVERIFIED`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum Verification {
    Unverified,
    Verified,
}

impl Verification {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Verification::Unverified => "UNVERIFIED",
            Verification::Verified => "VERIFIED",
        }
    }
}

/// One custom header (its value is returned by the API, but still never logged).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Header {
    pub(crate) key: String,
    pub(crate) value: Secret,
}

/// The auth header; `value` is write-only on the API and `None` when a client sent none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct AuthScheme {
    #[serde(rename = "type")]
    pub(crate) type_: String,
    pub(crate) key: String,
    pub(crate) value: Option<Secret>,
}

/// Where and how Okta calls the hook.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Channel {
    #[serde(rename = "type")]
    pub(crate) type_: String,
    pub(crate) version: String,
    pub(crate) uri: String,
    pub(crate) headers: Vec<Header>,
    pub(crate) auth_scheme: Option<AuthScheme>,
}

/// One `eventFilterMap` entry, stored as given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct FilterEntry {
    pub(crate) event: String,
    pub(crate) expression: String,
}

/// `events`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Subscriptions {
    pub(crate) items: Vec<String>,
    /// `None` means `filter: null`.
    pub(crate) filter: Option<Vec<FilterEntry>>,
}

impl Subscriptions {
    /// The filter for an event type, parsed, if the hook has one. Create and replace refuse a
    /// filter that does not parse, so an error means a state file written before they did.
    pub(crate) fn filter_for(&self, event_type: &str) -> Option<Result<Filter, FilterError>> {
        self.filters()
            .find(|f| f.event == event_type)
            .map(|f| Filter::parse(&f.expression))
    }

    fn filters(&self) -> impl Iterator<Item = &FilterEntry> {
        self.filter.iter().flatten()
    }
}

/// A stored hook.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Hook {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) status: Status,
    pub(crate) verification_status: Verification,
    pub(crate) created: DateTime<Utc>,
    pub(crate) created_by: String,
    pub(crate) last_updated: DateTime<Utc>,
    pub(crate) events: Subscriptions,
    pub(crate) channel: Channel,
}

impl Hook {
    /// Whether Okta would deliver events of this type to the hook.
    pub(crate) fn receives(&self, event_type: &str) -> bool {
        self.status == Status::Active
            && self.verification_status == Verification::Verified
            && self.events.items.iter().any(|i| i == event_type)
    }
}

/// Every hook of the org, in creation order (the order `list` returns).
///
/// Hooks are `Arc`s so that a copy of the state (taken for a write, see `store`) is cheap.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct State {
    /// Format version of the state file.
    pub(crate) format: u32,
    /// The emulated admin user: `createdBy` of every hook and actor of generated events.
    pub(crate) admin_user_id: String,
    /// The org's id (`GET /.well-known/okta-organization`): one per state, so that an org is
    /// the same org across restarts whatever URL reaches it. A state file written before it
    /// existed gets one when read.
    #[serde(default = "super::ids::org_id")]
    pub(crate) org_id: String,
    pub(crate) hooks: Vec<Arc<Hook>>,
}

/// Current version of the state-file format.
pub(crate) const STATE_FORMAT: u32 = 1;

impl State {
    pub(crate) fn new() -> Self {
        Self {
            format: STATE_FORMAT,
            admin_user_id: super::ids::user_id(),
            org_id: super::ids::org_id(),
            hooks: Vec::new(),
        }
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Arc<Hook>> {
        self.hooks.iter().find(|h| h.id == id)
    }

    pub(crate) fn position(&self, id: &str) -> Option<usize> {
        self.hooks.iter().position(|h| h.id == id)
    }

    /// One line for each stored filter that does not parse (only a state file written before
    /// filters were checked can hold one): the hook keeps it, and gets no events of that type
    /// until it is replaced.
    pub(crate) fn invalid_filters(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for hook in &self.hooks {
            for entry in hook.events.filters() {
                if let Err(e) = Filter::parse(&entry.expression) {
                    lines.push(format!(
                        "hook {} ({:?}): its filter for {} is not valid ({e}); it gets no {} events until the hook is replaced with a valid filter",
                        hook.id, hook.name, entry.event, entry.event
                    ));
                }
            }
        }
        lines
    }

    pub(crate) fn active_count(&self) -> usize {
        self.hooks
            .iter()
            .filter(|h| h.status == Status::Active)
            .count()
    }
}
