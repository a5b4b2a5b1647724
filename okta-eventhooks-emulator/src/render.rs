//! A stored hook as Okta returns it: Okta's field order, `null`s where Okta sends them,
//! `_links` by status, and never the auth secret.

use serde::Serialize;

use super::ids::okta_time;
use super::model::{Hook, Status};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HookView<'a> {
    id: &'a str,
    status: &'static str,
    verification_status: &'static str,
    name: &'a str,
    description: Option<&'a str>,
    created: String,
    created_by: &'a str,
    last_updated: String,
    events: EventsView<'a>,
    channel: ChannelView<'a>,
    #[serde(rename = "_links")]
    links: Links,
}

#[derive(Serialize)]
struct EventsView<'a> {
    #[serde(rename = "type")]
    type_: &'static str,
    items: &'a [String],
    filter: Option<FilterView<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FilterView<'a> {
    #[serde(rename = "type")]
    type_: &'static str,
    event_filter_map: Vec<FilterEntryView<'a>>,
}

#[derive(Serialize)]
struct FilterEntryView<'a> {
    event: &'a str,
    condition: ConditionView<'a>,
}

#[derive(Serialize)]
struct ConditionView<'a> {
    expression: &'a str,
    version: Option<&'a str>,
}

#[derive(Serialize)]
struct ChannelView<'a> {
    #[serde(rename = "type")]
    type_: &'a str,
    version: &'a str,
    config: ConfigView<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConfigView<'a> {
    uri: &'a str,
    headers: Vec<HeaderView<'a>>,
    method: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_scheme: Option<AuthView<'a>>,
}

#[derive(Serialize)]
struct HeaderView<'a> {
    key: &'a str,
    value: &'a str,
}

/// `authScheme` without `value`: it is write-only.
#[derive(Serialize)]
struct AuthView<'a> {
    #[serde(rename = "type")]
    type_: &'a str,
    key: &'a str,
}

/// The relations Okta returns, in its order for each status.
#[derive(Serialize)]
#[serde(untagged)]
enum Links {
    Active {
        #[serde(rename = "self")]
        self_: Link,
        verify: Link,
        deactivate: Link,
    },
    Inactive {
        activate: Link,
        #[serde(rename = "self")]
        self_: Link,
        delete: Link,
    },
}

#[derive(Serialize)]
struct Link {
    href: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    hints: Option<Hints>,
}

#[derive(Serialize)]
struct Hints {
    allow: [&'static str; 1],
}

impl Link {
    fn plain(href: String) -> Self {
        Self { href, hints: None }
    }

    fn allow(href: String, method: &'static str) -> Self {
        Self {
            href,
            hints: Some(Hints { allow: [method] }),
        }
    }
}

/// The view of `hook`, with absolute links under `base_url` (the org URL).
pub(crate) fn hook<'a>(hook: &'a Hook, base_url: &str) -> HookView<'a> {
    let me = format!("{base_url}/api/v1/eventHooks/{}", hook.id);
    let links = match hook.status {
        Status::Active => Links::Active {
            self_: Link::plain(me.clone()),
            verify: Link::allow(format!("{me}/lifecycle/verify"), "POST"),
            deactivate: Link::allow(format!("{me}/lifecycle/deactivate"), "POST"),
        },
        Status::Inactive => Links::Inactive {
            activate: Link::allow(format!("{me}/lifecycle/activate"), "POST"),
            self_: Link::plain(me.clone()),
            delete: Link::allow(me, "DELETE"),
        },
    };
    let channel = &hook.channel;
    HookView {
        id: &hook.id,
        status: hook.status.as_str(),
        verification_status: hook.verification_status.as_str(),
        name: &hook.name,
        description: hook.description.as_deref(),
        created: okta_time(&hook.created),
        created_by: &hook.created_by,
        last_updated: okta_time(&hook.last_updated),
        events: EventsView {
            type_: "EVENT_TYPE",
            items: &hook.events.items,
            filter: hook.events.filter.as_ref().map(|entries| FilterView {
                type_: okta_eventhooks::FILTER_TYPE,
                event_filter_map: entries
                    .iter()
                    .map(|e| FilterEntryView {
                        event: &e.event,
                        condition: ConditionView {
                            expression: &e.expression,
                            version: None,
                        },
                    })
                    .collect(),
            }),
        },
        channel: ChannelView {
            type_: &channel.type_,
            version: &channel.version,
            config: ConfigView {
                uri: &channel.uri,
                headers: channel
                    .headers
                    .iter()
                    .map(|h| HeaderView {
                        key: &h.key,
                        value: h.value.expose(),
                    })
                    .collect(),
                method: "POST",
                auth_scheme: channel.auth_scheme.as_ref().map(|a| AuthView {
                    type_: &a.type_,
                    key: &a.key,
                }),
            },
        },
        links,
    }
}
