//! What differs between a hook of the manifest and the hook Okta has, field by field.
//!
//! Only what a client writes is compared: the read-only fields (`id`, `created`, `_links`,
//! `method`, `filter.type`, `condition.version`...) never count, and neither does the order of
//! event types, headers or filters. Status and verification are not fields here: they are
//! lifecycle steps ([`super::plan`]). Secrets are never compared or shown: Okta never returns
//! the auth secret, and header values appear only as "changed".

use std::collections::{BTreeMap, BTreeSet};

use okta_eventhooks::{EventHook, Secret};
use serde::Serialize;

use crate::manifest::HookSpec;
use crate::manifest::model::{HeaderValue, ValueFrom};

/// One field-level difference. Values are shown only where they are not secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// The manifest field: `description`, `uri`, `events`, `filters.<type>`,
    /// `headers.<name>`, `auth`.
    pub field: String,
    /// The value Okta has (absent when added, or a secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The value the manifest wants (absent when removed, or a secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// What changes when the values are not shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Change {
    fn new(field: impl Into<String>, from: Option<&str>, to: Option<&str>) -> Self {
        Self {
            field: field.into(),
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
            note: None,
        }
    }

    fn noted(field: impl Into<String>, note: &str) -> Self {
        Self {
            field: field.into(),
            from: None,
            to: None,
            note: Some(note.to_owned()),
        }
    }

    /// Whether the change is to the channel (URI, headers, auth), after which Okta wants the
    /// hook verified again.
    pub fn is_channel(&self) -> bool {
        self.field == "uri" || self.field == "auth" || self.field.starts_with("headers.")
    }
}

/// The differences of `current` from `spec`. `secret` reads a header's `valueFrom` (`None`
/// when it cannot be read now: that header's value is then not compared).
pub fn changes(
    spec: &HookSpec,
    current: &EventHook,
    secret: &dyn Fn(&ValueFrom) -> Option<Secret>,
) -> Vec<Change> {
    let mut found = Vec::new();
    let wanted = spec.description.as_deref().filter(|d| !d.is_empty());
    let has = current.description.as_deref().filter(|d| !d.is_empty());
    if wanted != has {
        found.push(Change::new("description", has, wanted));
    }
    let config = &current.channel.config;
    if spec.uri != config.uri {
        // Okta's may hold a user name and password (the manifest's cannot).
        let has = okta_eventhooks::redact::text(&config.uri);
        found.push(Change::new("uri", Some(&has), Some(&spec.uri)));
    }
    found.extend(header_changes(spec, current, secret));
    let current_auth = config.auth_scheme.as_ref().and_then(|a| a.key.as_deref());
    match (&spec.auth, current_auth) {
        (Some(auth), Some(key)) if !auth.key.eq_ignore_ascii_case(key) => {
            found.push(Change::new("auth", Some(key), Some(&auth.key)));
        }
        (Some(_), Some(_)) => {}
        (Some(auth), None) => {
            let mut change = Change::new("auth", None, Some(&auth.key));
            change.note = Some(format!("secret from the {}", auth.value_from));
            found.push(change);
        }
        (None, Some(key)) => found.push(Change::new("auth", Some(key), None)),
        (None, None) => {}
    }
    let has: BTreeSet<&str> = current.events.items.iter().map(String::as_str).collect();
    let wanted: BTreeSet<&str> = spec.events.iter().map(String::as_str).collect();
    for removed in has.difference(&wanted) {
        found.push(Change::new("events", Some(removed), None));
    }
    for added in wanted.difference(&has) {
        found.push(Change::new("events", None, Some(added)));
    }
    let has: BTreeMap<&str, &str> = current
        .events
        .filter
        .iter()
        .flat_map(|f| &f.event_filter_map)
        .filter_map(|entry| {
            let event = entry.event.as_deref()?;
            let expression = entry.condition.as_ref()?.expression.as_deref()?;
            Some((event, expression))
        })
        .collect();
    let wanted: BTreeMap<&str, &str> = spec
        .filters
        .iter()
        .map(|(event, expression)| (event.as_str(), expression.as_str()))
        .collect();
    for event in has.keys().chain(wanted.keys()).collect::<BTreeSet<_>>() {
        let (from, to) = (has.get(event).copied(), wanted.get(event).copied());
        if from != to {
            found.push(Change::new(format!("filters.{event}"), from, to));
        }
    }
    found
}

/// Header changes by name (case-insensitive, as in HTTP); values never shown.
fn header_changes(
    spec: &HookSpec,
    current: &EventHook,
    secret: &dyn Fn(&ValueFrom) -> Option<Secret>,
) -> Vec<Change> {
    let has: BTreeMap<String, (&str, Option<&Secret>)> = current
        .channel
        .config
        .headers
        .iter()
        .filter_map(|h| {
            let key = h.key.as_deref()?;
            Some((key.to_ascii_lowercase(), (key, h.value.as_ref())))
        })
        .collect();
    let mut found = Vec::new();
    let mut wanted_names = BTreeSet::new();
    for (name, value) in &spec.headers {
        wanted_names.insert(name.to_ascii_lowercase());
        let wanted = match value {
            HeaderValue::Literal(text) => Some(Secret::from(text.as_str())),
            HeaderValue::Reference { value_from } => secret(value_from),
        };
        match has.get(&name.to_ascii_lowercase()) {
            None => found.push(Change::noted(format!("headers.{name}"), "added")),
            Some((_, value)) => {
                // Unknown now (a secret not supplied): not compared.
                if let Some(wanted) = &wanted
                    && value.is_none_or(|v| v != wanted)
                {
                    found.push(Change::noted(
                        format!("headers.{name}"),
                        "value changed (not shown)",
                    ));
                }
            }
        }
    }
    for (lower, (name, _)) in &has {
        if !wanted_names.contains(lower) {
            found.push(Change::noted(format!("headers.{name}"), "removed"));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::model::Auth;

    fn okta_hook() -> EventHook {
        serde_json::from_value(serde_json::json!({
            "id": "who1", "status": "ACTIVE", "verificationStatus": "VERIFIED",
            "name": "a", "description": null,
            "created": "2026-01-05T10:00:00.000Z", "lastUpdated": "2026-01-06T11:30:00.000Z",
            "events": {"type": "EVENT_TYPE", "items": ["user.session.start", "user.lifecycle.create"],
                "filter": {"type": "EXPRESSION_LANGUAGE", "eventFilterMap": [
                    {"event": "user.session.start", "condition": {"expression": "event.outcome.result eq 'FAILURE'", "version": null}}]}},
            "channel": {"type": "HTTP", "version": "1.0.0", "config": {
                "uri": "https://h.example.com/", "method": "POST",
                "headers": [{"key": "X-Source", "value": "okta"}, {"key": "X-Api-Key", "value": "k1"}],
                "authScheme": {"type": "HEADER", "key": "Authorization"}}},
            "_links": {"self": {"href": "https://acme.okta.com/api/v1/eventHooks/who1"}}
        }))
        .unwrap()
    }

    fn spec() -> HookSpec {
        HookSpec {
            description: None,
            status: Default::default(),
            uri: "https://h.example.com/".into(),
            headers: [
                ("x-source".to_owned(), HeaderValue::Literal("okta".into())),
                (
                    "X-Api-Key".to_owned(),
                    HeaderValue::Reference {
                        value_from: ValueFrom::Env("K".into()),
                    },
                ),
            ]
            .into(),
            auth: Some(Auth {
                key: "Authorization".into(),
                value_from: ValueFrom::Env("S".into()),
                value: None,
            }),
            // Another order than Okta's.
            events: vec!["user.lifecycle.create".into(), "user.session.start".into()],
            filters: [(
                "user.session.start".to_owned(),
                "event.outcome.result eq 'FAILURE'".to_owned(),
            )]
            .into(),
        }
    }

    #[test]
    fn read_only_fields_order_and_unknown_secrets_do_not_count() {
        let unknown = |_: &ValueFrom| None;
        assert_eq!(changes(&spec(), &okta_hook(), &unknown), []);
        let same = |_: &ValueFrom| Some(Secret::from("k1"));
        assert_eq!(changes(&spec(), &okta_hook(), &same), []);
    }

    #[test]
    fn each_field_is_a_change_and_secrets_are_not_shown() {
        let mut spec = spec();
        spec.uri = "https://new.example.com/".into();
        spec.description = Some("d".into());
        spec.events = vec!["user.session.start".into(), "user.account.lock".into()];
        spec.filters.insert(
            "user.session.start".into(),
            "event.outcome.result eq 'SUCCESS'".into(),
        );
        spec.headers.remove("x-source");
        spec.auth.as_mut().unwrap().key = "X-Auth".into();
        let other = |_: &ValueFrom| Some(Secret::from("k2"));
        let found = changes(&spec, &okta_hook(), &other);
        let fields: Vec<(&str, Option<&str>, Option<&str>)> = found
            .iter()
            .map(|c| (c.field.as_str(), c.from.as_deref(), c.to.as_deref()))
            .collect();
        assert_eq!(
            fields,
            [
                ("description", None, Some("d")),
                (
                    "uri",
                    Some("https://h.example.com/"),
                    Some("https://new.example.com/")
                ),
                ("headers.X-Api-Key", None, None),
                ("headers.X-Source", None, None),
                ("auth", Some("Authorization"), Some("X-Auth")),
                ("events", Some("user.lifecycle.create"), None),
                ("events", None, Some("user.account.lock")),
                (
                    "filters.user.session.start",
                    Some("event.outcome.result eq 'FAILURE'"),
                    Some("event.outcome.result eq 'SUCCESS'")
                ),
            ]
        );
        let text = format!("{found:?}");
        assert!(!text.contains("k1") && !text.contains("k2"), "{text}");
        assert_eq!(found.iter().filter(|c| c.is_channel()).count(), 4);
    }

    #[test]
    fn the_order_of_filters_does_not_count() {
        let mut hook = okta_hook();
        // Okta's order: user.session.start first; the manifest's map has it second.
        hook.events.filter = serde_json::from_value(serde_json::json!({
            "type": "EXPRESSION_LANGUAGE", "eventFilterMap": [
                {"event": "user.session.start", "condition": {"expression": "event.outcome.result eq 'FAILURE'", "version": null}},
                {"event": "user.lifecycle.create", "condition": {"expression": "event.outcome.result eq 'SUCCESS'", "version": null}}]
        }))
        .unwrap();
        let mut spec = spec();
        spec.filters.insert(
            "user.lifecycle.create".into(),
            "event.outcome.result eq 'SUCCESS'".into(),
        );
        let order: Vec<&str> = spec.filters.keys().map(String::as_str).collect();
        assert_eq!(order, ["user.lifecycle.create", "user.session.start"]);
        assert_eq!(changes(&spec, &hook, &|_: &ValueFrom| None), []);
        // Still compared event by event: the same two expressions swapped are two changes.
        for expression in spec.filters.values_mut() {
            *expression = if expression.ends_with("'FAILURE'") {
                "event.outcome.result eq 'SUCCESS'".into()
            } else {
                "event.outcome.result eq 'FAILURE'".into()
            };
        }
        let fields: Vec<String> = changes(&spec, &hook, &|_: &ValueFrom| None)
            .into_iter()
            .map(|c| c.field)
            .collect();
        assert_eq!(
            fields,
            [
                "filters.user.lifecycle.create",
                "filters.user.session.start"
            ]
        );
    }

    #[test]
    fn a_user_name_and_password_in_okta_s_uri_are_not_shown() {
        let mut hook = okta_hook();
        hook.channel.config.uri = "https://alice:pw-literal@h.example.com/".into();
        let found = changes(&spec(), &hook, &|_: &ValueFrom| None);
        assert_eq!(
            found[0].from.as_deref(),
            Some("https://[REDACTED]@h.example.com/")
        );
    }
}
