//! The fields Okta lets event hook filters read (fact sheet section 8), and where each one sits
//! in a typed [`LogEvent`]. Any other field is refused when the filter is parsed.

use serde_json::Value;

use crate::events::{LogEvent, LogTarget};

/// The event fields a filter may compare, as written in a filter, in Okta's documented order.
pub const SUPPORTED_FIELDS: [&str; 8] = [
    "event.eventType",
    "event.outcome.reason",
    "event.outcome.result",
    "event.actor.id",
    "event.actor.type",
    "event.actor.alternateId",
    "event.actor.displayName",
    // Okta documents this path; in a LogEvent the data sits under `debugContext.debugData`.
    "event.debugData.changedAttributes",
];

/// The target fields a selection `event.target.?[...]` may compare, as written inside it.
pub const SUPPORTED_TARGET_FIELDS: [&str; 4] = ["id", "type", "alternateId", "displayName"];

/// One of [`SUPPORTED_FIELDS`], in the same order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum EventField {
    EventType,
    OutcomeReason,
    OutcomeResult,
    ActorId,
    ActorType,
    ActorAlternateId,
    ActorDisplayName,
    ChangedAttributes,
}

/// One of [`SUPPORTED_TARGET_FIELDS`], in the same order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TargetField {
    Id,
    Type,
    AlternateId,
    DisplayName,
}

/// What a field holds in one event.
#[derive(Clone, Copy, Debug)]
pub(super) enum Observed<'e> {
    /// Missing or `null`: equal to no string.
    Absent,
    Text(&'e str),
    /// Another JSON value (only `changedAttributes` can hold one): equal to no string.
    Other(&'e Value),
}

impl EventField {
    const ALL: [Self; 8] = [
        Self::EventType,
        Self::OutcomeReason,
        Self::OutcomeResult,
        Self::ActorId,
        Self::ActorType,
        Self::ActorAlternateId,
        Self::ActorDisplayName,
        Self::ChangedAttributes,
    ];

    pub(super) fn from_path(path: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|field| field.path() == path)
    }

    pub(super) fn path(self) -> &'static str {
        SUPPORTED_FIELDS[self as usize]
    }

    pub(super) fn read(self, event: &LogEvent) -> Observed<'_> {
        let actor = event.actor.as_ref();
        let outcome = event.outcome.as_ref();
        let text = match self {
            Self::EventType => event.event_type.as_deref(),
            Self::OutcomeReason => outcome.and_then(|o| o.reason.as_deref()),
            Self::OutcomeResult => outcome.and_then(|o| o.result.as_ref()).map(|r| r.as_str()),
            Self::ActorId => actor.and_then(|a| a.id.as_deref()),
            Self::ActorType => actor.and_then(|a| a.type_.as_deref()),
            Self::ActorAlternateId => actor.and_then(|a| a.alternate_id.as_deref()),
            Self::ActorDisplayName => actor.and_then(|a| a.display_name.as_deref()),
            Self::ChangedAttributes => {
                let value = event
                    .debug_context
                    .as_ref()
                    .and_then(|c| c.debug_data.as_ref())
                    .and_then(|data| data.get("changedAttributes"));
                return Observed::from_json(value);
            }
        };
        text.map_or(Observed::Absent, Observed::Text)
    }
}

impl TargetField {
    const ALL: [Self; 4] = [Self::Id, Self::Type, Self::AlternateId, Self::DisplayName];

    pub(super) fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|field| field.name() == name)
    }

    pub(super) fn name(self) -> &'static str {
        SUPPORTED_TARGET_FIELDS[self as usize]
    }

    pub(super) fn read(self, target: &LogTarget) -> Observed<'_> {
        let text = match self {
            Self::Id => target.id.as_deref(),
            Self::Type => target.type_.as_deref(),
            Self::AlternateId => target.alternate_id.as_deref(),
            Self::DisplayName => target.display_name.as_deref(),
        };
        text.map_or(Observed::Absent, Observed::Text)
    }
}

impl<'e> Observed<'e> {
    fn from_json(value: Option<&'e Value>) -> Self {
        match value {
            None | Some(Value::Null) => Self::Absent,
            Some(Value::String(text)) => Self::Text(text),
            Some(other) => Self::Other(other),
        }
    }

    /// `eq`: case-sensitive equality of strings, as in Okta's Expression Language.
    pub(super) fn equals(self, literal: &str) -> bool {
        matches!(self, Self::Text(text) if text == literal)
    }

    /// For explanations: `'SUCCESS'`, `absent`, or the JSON value.
    pub(super) fn describe(self) -> String {
        match self {
            Self::Absent => "absent".to_owned(),
            Self::Text(text) => quote(text),
            Self::Other(value) => value.to_string(),
        }
    }
}

/// `text` as a filter's string literal: single quotes, a quote inside doubled.
pub(super) fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_has_one_name_and_back() {
        for field in EventField::ALL {
            assert_eq!(EventField::from_path(field.path()), Some(field));
        }
        for field in TargetField::ALL {
            assert_eq!(TargetField::from_name(field.name()), Some(field));
        }
        assert_eq!(
            EventField::from_path("event.debugContext.debugData.changedAttributes"),
            None
        );
    }

    #[test]
    fn changed_attributes_are_read_from_debug_context() {
        let event: LogEvent = serde_json::from_value(serde_json::json!({
            "debugContext": {"debugData": {"changedAttributes": "firstName,lastName"}}
        }))
        .unwrap();
        assert!(
            EventField::ChangedAttributes
                .read(&event)
                .equals("firstName,lastName")
        );
        assert!(matches!(EventField::ActorId.read(&event), Observed::Absent));
    }
}
