//! The generated [`EventHook`] seen through Okta's rules: what the SDK checks before sending a
//! hook, and the body it sends.

use crate::error::{Error, Result};
use crate::rules::{
    AuthSchemeView, ChannelView, ConfigView, EventsView, FilterEntryView, FilterView, HeaderView,
    HookView, HttpUris, UnknownEventTypes, Violation,
};
use crate::secret::Secret;
use crate::types::{
    EventHook, EventHookChannel, EventHookChannelConfig, EventHookFilterMapObject,
    EventHookFilterMapObjectCondition, EventHookFilters, EventSubscriptions,
};

/// The SDK accepts `http://` loopback URIs, so that it can be pointed at a local emulator.
pub(crate) const HTTP_URIS: HttpUris = HttpUris::LoopbackAllowed;

impl EventHook {
    /// Every one of Okta's rules the hook breaks (name, URI, headers, auth scheme, events,
    /// filters); empty when it is valid. Only the fields create and replace send are checked.
    ///
    /// ```
    /// let mut hook: okta_eventhooks::EventHook = serde_json::from_str(
    ///     r#"{"name": "", "events": {"type": "EVENT_TYPE", "items": ["user.session.start"]},
    ///         "channel": {"type": "HTTP", "version": "1.0.0",
    ///                     "config": {"uri": "https://hooks.example.com/okta",
    ///                                "headers": [{"key": "Accept", "value": "x"}]}}}"#,
    /// )?;
    /// let fields: Vec<_> = hook.violations().iter().map(|v| v.field).collect();
    /// assert_eq!(fields, ["name", "channel.config.headers.key"]);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    ///
    /// Event types must be event-hook-eligible in Okta's catalog ([`crate::catalog`]); one the
    /// catalog does not list is refused too, unless allowed with
    /// [`violations_with`](EventHook::violations_with).
    pub fn violations(&self) -> Vec<Violation> {
        self.violations_with(UnknownEventTypes::Refused)
    }

    /// [`violations`](EventHook::violations), with event types missing from the catalog
    /// refused or allowed as `unknown` says.
    pub fn violations_with(&self, unknown: UnknownEventTypes) -> Vec<Violation> {
        HookView::from(self).violations(HTTP_URIS, unknown)
    }

    /// Checks the hook against Okta's rules; the error names the first rule it breaks
    /// ([`violations`](EventHook::violations) lists them all). Event types missing from the
    /// catalog are refused; [`validate_with`](EventHook::validate_with) can allow them.
    pub fn validate(&self) -> Result<()> {
        self.validate_with(UnknownEventTypes::Refused)
    }

    /// [`validate`](EventHook::validate), with event types missing from the catalog refused
    /// or allowed as `unknown` says. Create and replace call this before sending, with the
    /// client's setting ([`ClientBuilder::allow_unknown_event_types`](crate::ClientBuilder::allow_unknown_event_types)).
    pub fn validate_with(&self, unknown: UnknownEventTypes) -> Result<()> {
        refuse_first(self.violations_with(unknown))
    }

    /// Whether the hook has an auth scheme whose secret is not known here (as on every hook
    /// Okta returns): sending it back as is would drop the secret.
    pub fn auth_secret_missing(&self) -> bool {
        self.channel
            .config
            .auth_scheme
            .as_ref()
            .is_some_and(|s| s.value.is_none())
    }

    /// A copy with only the fields Okta lets clients write: none of those the spec marks
    /// `readOnly` (`id`, `status`, `verificationStatus`, `created`, `createdBy`, `lastUpdated`,
    /// `_links`, `channel.config.method`, `events.filter.type`, `condition.version`).
    pub fn to_request_body(&self) -> EventHook {
        let filter = self.events.filter.as_ref().map(|f| EventHookFilters {
            type_: None,
            event_filter_map: f
                .event_filter_map
                .iter()
                .map(|m| EventHookFilterMapObject {
                    event: m.event.clone(),
                    condition: m
                        .condition
                        .as_ref()
                        .map(|c| EventHookFilterMapObjectCondition {
                            expression: c.expression.clone(),
                            version: None,
                        }),
                })
                .collect(),
        });
        EventHook {
            id: None,
            status: None,
            verification_status: None,
            created: None,
            created_by: None,
            last_updated: None,
            links: None,
            name: self.name.clone(),
            description: self.description.clone(),
            events: EventSubscriptions {
                type_: self.events.type_.clone(),
                items: self.events.items.clone(),
                filter,
            },
            channel: EventHookChannel {
                type_: self.channel.type_.clone(),
                version: self.channel.version.clone(),
                config: EventHookChannelConfig {
                    uri: self.channel.config.uri.clone(),
                    headers: self.channel.config.headers.clone(),
                    auth_scheme: self.channel.config.auth_scheme.clone(),
                    method: None,
                },
            },
        }
    }
}

/// The SDK's answer to broken rules: an error naming the first one.
pub(crate) fn refuse_first(violations: impl IntoIterator<Item = Violation>) -> Result<()> {
    match violations.into_iter().next() {
        Some(violation) => Err(Error::InvalidInput(violation.to_string())),
        None => Ok(()),
    }
}

/// The fields create and replace send; the read-only `events.filter.type` is left out.
impl<'a> From<&'a EventHook> for HookView<'a> {
    fn from(hook: &'a EventHook) -> Self {
        HookView {
            name: Some(&hook.name),
            events: Some((&hook.events).into()),
            channel: Some((&hook.channel).into()),
        }
    }
}

impl<'a> From<&'a EventSubscriptions> for EventsView<'a> {
    fn from(events: &'a EventSubscriptions) -> Self {
        EventsView {
            type_: Some(events.type_.as_str()),
            items: events.items.iter().map(String::as_str).collect(),
            filter: events.filter.as_ref().map(|filter| FilterView {
                type_: None,
                entries: filter
                    .event_filter_map
                    .iter()
                    .map(|entry| FilterEntryView {
                        event: entry.event.as_deref(),
                        expression: entry
                            .condition
                            .as_ref()
                            .and_then(|c| c.expression.as_deref()),
                    })
                    .collect(),
            }),
        }
    }
}

impl<'a> From<&'a EventHookChannel> for ChannelView<'a> {
    fn from(channel: &'a EventHookChannel) -> Self {
        let config = &channel.config;
        ChannelView {
            type_: Some(channel.type_.as_str()),
            version: Some(&channel.version),
            config: Some(ConfigView {
                uri: Some(&config.uri),
                headers: config
                    .headers
                    .iter()
                    .map(|header| HeaderView {
                        key: header.key.as_deref(),
                        value: header.value.as_ref().map(Secret::expose),
                    })
                    .collect(),
                auth_scheme: config.auth_scheme.as_ref().map(|scheme| AuthSchemeView {
                    type_: scheme.type_.as_ref().map(|t| t.as_str()),
                    key: scheme.key.as_deref(),
                    value: scheme.value.as_ref().map(Secret::expose),
                }),
            }),
        }
    }
}
