//! A manifest hook as the SDK's [`EventHook`]: what create and replace send, and what the SDK's
//! rules check.
//!
//! Built field by field rather than with the SDK's builders, which stop at the first broken
//! rule: a manifest check reports every problem at once ([`EventHook::violations`]).

use okta_eventhooks::open_enums::{
    EventHookChannelConfigAuthSchemeType, EventHookChannelType, EventSubscriptionType,
};
use okta_eventhooks::types::{
    EventHookChannel, EventHookChannelConfig, EventHookChannelConfigAuthScheme,
    EventHookChannelConfigHeader, EventHookFilterMapObject, EventHookFilterMapObjectCondition,
    EventHookFilters, EventSubscriptions,
};
use okta_eventhooks::{CHANNEL_VERSION, EventHook, Secret};

use super::model::{HeaderValue, HookSpec, ValueFrom};

/// The hook `name` as `spec` describes it, each secret from `secret`. A secret `secret` does
/// not know is left out (the hook then breaks a rule, or drops the secret if sent).
pub fn event_hook(
    name: &str,
    spec: &HookSpec,
    secret: &dyn Fn(&ValueFrom) -> Option<Secret>,
) -> EventHook {
    let filter = (!spec.filters.is_empty()).then(|| EventHookFilters {
        type_: None,
        event_filter_map: spec
            .filters
            .iter()
            .map(|(event, expression)| EventHookFilterMapObject {
                event: Some(event.clone()),
                condition: Some(EventHookFilterMapObjectCondition {
                    expression: Some(expression.clone()),
                    version: None,
                }),
            })
            .collect(),
    });
    let headers = spec
        .headers
        .iter()
        .map(|(key, value)| EventHookChannelConfigHeader {
            key: Some(key.clone()),
            value: match value {
                HeaderValue::Literal(text) => Some(Secret::from(text.as_str())),
                HeaderValue::Reference { value_from } => secret(value_from),
            },
        })
        .collect();
    let auth_scheme = spec
        .auth
        .as_ref()
        .map(|auth| EventHookChannelConfigAuthScheme {
            key: Some(auth.key.clone()),
            type_: Some(EventHookChannelConfigAuthSchemeType::Header),
            value: secret(&auth.value_from),
        });
    EventHook {
        id: None,
        status: None,
        verification_status: None,
        created: None,
        created_by: None,
        last_updated: None,
        links: None,
        name: name.to_owned(),
        description: spec.description.clone().filter(|d| !d.is_empty()),
        events: EventSubscriptions {
            type_: EventSubscriptionType::EventType,
            items: spec.events.clone(),
            filter,
        },
        channel: EventHookChannel {
            type_: EventHookChannelType::Http,
            version: CHANNEL_VERSION.into(),
            config: EventHookChannelConfig {
                uri: spec.uri.clone(),
                headers,
                auth_scheme,
                method: None,
            },
        },
    }
}
