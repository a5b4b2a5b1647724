//! Editing helpers on [`EventHook`], so that callers change a fetched hook without building the
//! generated header and filter types by hand.
//!
//! Each helper refuses a change that would break one of Okta's rules the hook did not already
//! break, and then leaves the hook exactly as it was: a valid hook stays valid. Problems the hook
//! already had do not block an unrelated change; [`EventHook::validate`] still reports them.

use crate::error::Result;
use crate::hook::refuse_first;
use crate::open_enums::EventHookChannelConfigAuthSchemeType;
use crate::secret::Secret;
use crate::types::{
    EventHook, EventHookChannelConfigAuthScheme, EventHookChannelConfigHeader,
    EventHookFilterMapObject, EventHookFilterMapObjectCondition, EventHookFilters,
};

/// The auth header's name when a hook had none.
const DEFAULT_AUTH_HEADER: &str = "Authorization";

impl EventHook {
    /// Sets a custom header Okta sends with every call, replacing the value of a header of that
    /// name (names compare case-insensitively, as in HTTP). The value is treated as a secret.
    ///
    /// ```
    /// # let mut hook: okta_eventhooks::EventHook = serde_json::from_str(
    /// #     r#"{"name": "n", "events": {"type": "EVENT_TYPE", "items": ["user.session.start"]},
    /// #         "channel": {"type": "HTTP", "version": "1.0.0", "config": {"uri": "https://h.example.com"}}}"#).unwrap();
    /// hook.set_header("X-Source", "okta")?;
    /// assert!(hook.set_header("Accept", "text/plain").is_err(), "reserved");
    /// assert!(hook.remove_header("x-source"));
    /// # Ok::<(), okta_eventhooks::Error>(())
    /// ```
    pub fn set_header(&mut self, name: impl Into<String>, value: impl Into<Secret>) -> Result<()> {
        let (name, value) = (name.into(), value.into());
        self.edit(|hook| {
            let headers = &mut hook.channel.config.headers;
            match headers.iter_mut().find(|h| same_name(h, &name)) {
                Some(header) => header.value = Some(value),
                None => headers.push(EventHookChannelConfigHeader {
                    key: Some(name),
                    value: Some(value),
                }),
            }
        })
    }

    /// Removes the custom header of that name (case-insensitive); false when there is none.
    pub fn remove_header(&mut self, name: &str) -> bool {
        let headers = &mut self.channel.config.headers;
        let before = headers.len();
        headers.retain(|h| !same_name(h, name));
        headers.len() != before
    }

    /// Sets the header Okta sends the shared secret in (`authScheme`), e.g.
    /// `Authorization: <secret>`. For Basic auth pass the whole value, `Basic <base64>`.
    pub fn set_auth_header(
        &mut self,
        name: impl Into<String>,
        secret: impl Into<Secret>,
    ) -> Result<()> {
        let (name, secret) = (name.into(), secret.into());
        self.edit(|hook| {
            hook.channel.config.auth_scheme = Some(EventHookChannelConfigAuthScheme {
                key: Some(name),
                type_: Some(EventHookChannelConfigAuthSchemeType::Header),
                value: Some(secret),
            });
        })
    }

    /// Sets (or replaces) the shared secret Okta sends in the auth header. Okta never returns
    /// it, so a fetched hook must get it again before a replace. The header name stays as it
    /// was (`Authorization` when the hook had none).
    pub fn set_auth_secret(&mut self, secret: impl Into<Secret>) -> Result<()> {
        let name = self
            .channel
            .config
            .auth_scheme
            .as_ref()
            .and_then(|scheme| scheme.key.clone())
            .unwrap_or_else(|| DEFAULT_AUTH_HEADER.into());
        self.set_auth_header(name, secret)
    }

    /// Only delivers `event_type` when the Okta Expression Language `expression` is true,
    /// replacing the filter that type had. The hook must subscribe to the type.
    ///
    /// ```
    /// # let mut hook: okta_eventhooks::EventHook = serde_json::from_str(
    /// #     r#"{"name": "n", "events": {"type": "EVENT_TYPE", "items": ["user.session.start"]},
    /// #         "channel": {"type": "HTTP", "version": "1.0.0", "config": {"uri": "https://h.example.com"}}}"#).unwrap();
    /// hook.set_filter("user.session.start", "event.outcome.result eq 'FAILURE'")?;
    /// assert!(hook.set_filter("user.lifecycle.create", "true").is_err(), "not subscribed");
    /// assert!(hook.remove_filter("user.session.start"));
    /// # Ok::<(), okta_eventhooks::Error>(())
    /// ```
    pub fn set_filter(
        &mut self,
        event_type: impl Into<String>,
        expression: impl Into<String>,
    ) -> Result<()> {
        let (event, expression) = (event_type.into(), expression.into());
        self.edit(|hook| {
            let entries = &mut hook
                .events
                .filter
                .get_or_insert_with(EventHookFilters::default)
                .event_filter_map;
            let condition = Some(EventHookFilterMapObjectCondition {
                expression: Some(expression),
                version: None,
            });
            match entries
                .iter_mut()
                .find(|e| e.event.as_deref() == Some(&event))
            {
                Some(entry) => entry.condition = condition,
                None => entries.push(EventHookFilterMapObject {
                    event: Some(event),
                    condition,
                }),
            }
        })
    }

    /// Removes the filter of `event_type`; false when it has none. The last one removed leaves
    /// the hook with no filter at all (`filter: null`).
    pub fn remove_filter(&mut self, event_type: &str) -> bool {
        let Some(filter) = &mut self.events.filter else {
            return false;
        };
        let before = filter.event_filter_map.len();
        filter
            .event_filter_map
            .retain(|e| e.event.as_deref() != Some(event_type));
        let removed = filter.event_filter_map.len() != before;
        if filter.event_filter_map.is_empty() {
            self.events.filter = None;
        }
        removed
    }

    /// Subscribes to more event types; those already subscribed stay where they are.
    pub fn add_event_types<I, S>(&mut self, event_types: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let event_types: Vec<String> = event_types.into_iter().map(Into::into).collect();
        self.edit(|hook| {
            for event_type in event_types {
                if !hook.events.items.contains(&event_type) {
                    hook.events.items.push(event_type);
                }
            }
        })
    }

    /// Unsubscribes from event types, and drops their filters; types the hook does not
    /// subscribe to are ignored. Removing every type is refused (a hook needs at least one).
    pub fn remove_event_types<I, S>(&mut self, event_types: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let event_types: Vec<S> = event_types.into_iter().collect();
        let gone = |event: &str| event_types.iter().any(|t| t.as_ref() == event);
        self.edit(|hook| {
            hook.events.items.retain(|item| !gone(item));
            let filtered: Vec<String> = hook
                .events
                .filter
                .iter()
                .flat_map(|f| &f.event_filter_map)
                .filter_map(|e| e.event.clone())
                .filter(|event| gone(event))
                .collect();
            for event in filtered {
                hook.remove_filter(&event);
            }
        })
    }

    /// Applies `change` unless it breaks a rule the hook did not already break.
    fn edit(&mut self, change: impl FnOnce(&mut EventHook)) -> Result<()> {
        let before = self.violations();
        let mut edited = self.clone();
        change(&mut edited);
        refuse_first(
            edited
                .violations()
                .into_iter()
                .filter(|v| !before.contains(v)),
        )?;
        *self = edited;
        Ok(())
    }
}

fn same_name(header: &EventHookChannelConfigHeader, name: &str) -> bool {
    header
        .key
        .as_deref()
        .is_some_and(|key| key.eq_ignore_ascii_case(name))
}
