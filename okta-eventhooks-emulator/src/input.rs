//! Reads a create or replace body the way Okta does: malformed JSON or wrong JSON types are
//! `E0000003`; a body that breaks Okta's rules ([`okta_eventhooks::rules`]) is `E0000001` with
//! one `errorCauses` entry per broken rule, each written `<field>: <problem>` like Okta's other
//! validation errors (event types are checked against Okta's catalog, each refused one a cause
//! of its own). Read-only fields (`id`, `created`, `_links`, `channel.config.method`,
//! `filter.type`, ...) are accepted and ignored (a `filter.type` other than Okta's one is
//! refused), unknown fields too.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::model::{AuthScheme, Channel, FilterEntry, Header, Status, Subscriptions};
use super::reply::Failure;
use okta_eventhooks::Secret;
use okta_eventhooks::rules::{
    AuthSchemeView, ChannelView, ConfigView, EventsView, FilterEntryView, FilterView, HeaderView,
    HookView, HttpUris, UnknownEventTypes,
};

/// Longest hook description kept. Okta documents none; this keeps a hook within its size.
pub const MAX_DESCRIPTION_CHARS: usize = 1024;
/// Most custom headers a hook may have (Okta documents no number). They go on every call to
/// the hook, and HTTP servers commonly refuse request heads over 8-16 KiB.
pub const MAX_HEADERS: usize = 32;
/// Longest custom or auth header name, in bytes.
pub const MAX_HEADER_NAME_BYTES: usize = 256;
/// Longest custom or auth header value (the secret included), in bytes.
pub const MAX_HEADER_VALUE_BYTES: usize = 4096;

/// A validated create or replace body.
#[derive(Debug)]
pub(crate) struct HookInput {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    /// `status` as sent; honoured by replace only (observed Okta behaviour).
    pub(crate) status: Option<Status>,
    pub(crate) events: Subscriptions,
    pub(crate) channel: Channel,
}

/// A wrong JSON type: Okta's deserializer rejects the body as not well-formed.
struct Malformed;

type Field<T> = Result<T, Malformed>;

/// Parses and validates; the error is the response to send.
pub(crate) fn parse(body: &[u8], allow_http_loopback: bool) -> Result<HookInput, Failure> {
    let value: Value = serde_json::from_slice(body).map_err(|_| Failure::Malformed)?;
    let Value::Object(root) = &value else {
        return Err(Failure::Malformed);
    };
    // Every JSON type is checked before any rule: a wrong type makes the whole body malformed.
    let (hook, description) = read(root).map_err(|Malformed| Failure::Malformed)?;
    let http = if allow_http_loopback {
        HttpUris::LoopbackAllowed
    } else {
        HttpUris::Refused
    };
    // Okta refuses a type it does not know: the emulator plays an org of the catalog's release.
    let mut causes: Vec<String> = hook
        .violations(http, UnknownEventTypes::Refused)
        .iter()
        .map(ToString::to_string)
        .collect();
    causes.extend(size_causes(&hook, description));
    if !causes.is_empty() {
        return Err(Failure::Validation(causes));
    }
    Ok(input(hook, description, status(root)))
}

/// The emulator's own size limits on a hook, where Okta documents none (Okta's limits on the
/// name, the URI and the number of event types are among [`okta_eventhooks::rules`]).
fn size_causes(hook: &HookView<'_>, description: Option<&str>) -> Vec<String> {
    let mut causes = Vec::new();
    let chars = description.map_or(0, |d| d.chars().count());
    if chars > MAX_DESCRIPTION_CHARS {
        causes.push(format!(
            "description: The description is {chars} characters long; the emulator allows at most {MAX_DESCRIPTION_CHARS}"
        ));
    }
    let Some(config) = hook.channel.as_ref().and_then(|c| c.config.as_ref()) else {
        return causes;
    };
    if config.headers.len() > MAX_HEADERS {
        causes.push(format!(
            "channel.config.headers: The hook has {} headers; the emulator allows at most {MAX_HEADERS}",
            config.headers.len()
        ));
    }
    let auth = config
        .auth_scheme
        .as_ref()
        .map(|a| ("channel.config.authScheme", a.key, a.value));
    let headers = config
        .headers
        .iter()
        .map(|h| ("channel.config.headers", h.key, h.value));
    for (field, key, value) in headers.chain(auth) {
        let key = key.unwrap_or_default();
        if key.len() > MAX_HEADER_NAME_BYTES {
            causes.push(format!(
                "{field}.key: A header name is {} bytes long; the emulator allows at most {MAX_HEADER_NAME_BYTES}",
                key.len()
            ));
        } else if value.is_some_and(|v| v.len() > MAX_HEADER_VALUE_BYTES) {
            // The value is a secret: only the header's name is shown.
            causes.push(format!(
                "{field}.value: The value of header {key:?} is longer than {MAX_HEADER_VALUE_BYTES} bytes"
            ));
        }
    }
    causes
}

fn read(root: &Map<String, Value>) -> Field<(HookView<'_>, Option<&str>)> {
    let hook = HookView {
        name: string(root, "name")?,
        events: object(root, "events")?.map(events).transpose()?,
        channel: object(root, "channel")?.map(channel).transpose()?,
    };
    Ok((hook, string(root, "description")?))
}

fn status(root: &Map<String, Value>) -> Option<Status> {
    match root.get("status")?.as_str()? {
        "ACTIVE" => Some(Status::Active),
        "INACTIVE" => Some(Status::Inactive),
        _ => None,
    }
}

fn events(events: &Map<String, Value>) -> Field<EventsView<'_>> {
    let mut items = array(events, "items")?
        .iter()
        .map(|item| item.as_str().ok_or(Malformed))
        .collect::<Field<Vec<_>>>()?;
    // Okta treats the list as a set: duplicates collapse, first occurrence wins the position.
    let mut seen = HashSet::new();
    items.retain(|item| seen.insert(*item));
    Ok(EventsView {
        type_: string(events, "type")?,
        items,
        filter: object(events, "filter")?.map(filter).transpose()?,
    })
}

fn filter(filter: &Map<String, Value>) -> Field<FilterView<'_>> {
    let entries = array(filter, "eventFilterMap")?
        .iter()
        .map(|entry| {
            let Value::Object(entry) = entry else {
                return Err(Malformed);
            };
            let condition = object(entry, "condition")?;
            Ok(FilterEntryView {
                event: string(entry, "event")?,
                expression: condition
                    .map(|c| string(c, "expression"))
                    .transpose()?
                    .flatten(),
            })
        })
        .collect::<Field<_>>()?;
    Ok(FilterView {
        type_: string(filter, "type")?,
        entries,
    })
}

fn channel(channel: &Map<String, Value>) -> Field<ChannelView<'_>> {
    Ok(ChannelView {
        type_: string(channel, "type")?,
        version: string(channel, "version")?,
        config: object(channel, "config")?.map(config).transpose()?,
    })
}

fn config(config: &Map<String, Value>) -> Field<ConfigView<'_>> {
    let mut headers = Vec::new();
    for header in array(config, "headers")? {
        match header {
            // The header schema is nullable.
            Value::Null => continue,
            Value::Object(header) => headers.push(HeaderView {
                key: string(header, "key")?,
                value: string(header, "value")?,
            }),
            _ => return Err(Malformed),
        }
    }
    let auth_scheme = match object(config, "authScheme")? {
        None => None,
        Some(scheme) => Some(AuthSchemeView {
            type_: string(scheme, "type")?,
            key: string(scheme, "key")?,
            value: string(scheme, "value")?,
        }),
    };
    Ok(ConfigView {
        uri: string(config, "uri")?,
        headers,
        auth_scheme,
    })
}

/// The stored form of a hook that follows the rules (so every required part is there).
fn input(hook: HookView<'_>, description: Option<&str>, status: Option<Status>) -> HookInput {
    let owned = |s: Option<&str>| s.unwrap_or_default().to_owned();
    let events = hook.events.unwrap_or_default();
    let channel = hook.channel.unwrap_or_default();
    let config = channel.config.unwrap_or_default();
    HookInput {
        name: owned(hook.name),
        description: description.map(str::to_owned),
        status,
        events: Subscriptions {
            items: events.items.iter().map(|&item| item.to_owned()).collect(),
            filter: events.filter.map(|filter| {
                let entries = filter.entries.iter();
                entries
                    .map(|entry| FilterEntry {
                        event: owned(entry.event),
                        expression: owned(entry.expression),
                    })
                    .collect()
            }),
        },
        channel: Channel {
            type_: owned(channel.type_),
            version: owned(channel.version),
            uri: owned(config.uri),
            headers: config
                .headers
                .iter()
                .map(|header| Header {
                    key: owned(header.key),
                    value: Secret::new(owned(header.value)),
                })
                .collect(),
            auth_scheme: config.auth_scheme.map(|scheme| AuthScheme {
                type_: owned(scheme.type_),
                key: owned(scheme.key),
                value: scheme.value.map(Secret::new),
            }),
        },
    }
}

/// An optional string field; `null` counts as absent; another type is malformed.
fn string<'a>(map: &'a Map<String, Value>, key: &str) -> Field<Option<&'a str>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Malformed),
    }
}

/// An optional object field; `null` counts as absent; another type is malformed.
fn object<'a>(map: &'a Map<String, Value>, key: &str) -> Field<Option<&'a Map<String, Value>>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(_) => Err(Malformed),
    }
}

/// An optional array field; `null` counts as empty; another type is malformed.
fn array<'a>(map: &'a Map<String, Value>, key: &str) -> Field<&'a [Value]> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(Malformed),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn body() -> Value {
        json!({
            "name": "Audit sink",
            "description": "Forwards events",
            "events": {"type": "EVENT_TYPE", "items": ["user.lifecycle.create", "user.session.start"]},
            "channel": {"type": "HTTP", "version": "1.0.0", "config": {
                "uri": "https://hooks.example.com/okta",
                "headers": [{"key": "X-Source", "value": "header-secret"}],
                "authScheme": {"type": "HEADER", "key": "Authorization", "value": "auth-secret"}
            }}
        })
    }

    fn causes(body: &Value, allow_http_loopback: bool) -> Vec<String> {
        match parse(body.to_string().as_bytes(), allow_http_loopback) {
            Err(Failure::Validation(causes)) => causes,
            other => panic!("expected E0000001, got {other:?}"),
        }
    }

    #[test]
    fn every_broken_rule_is_a_cause() {
        let mut bad = body();
        bad["name"] = json!(" ");
        bad["events"]["items"] = json!(["user.session.start", "bad type"]);
        bad["events"]["filter"] =
            json!({"type": "SQL", "eventFilterMap": [{"event": "user.account.lock"}]});
        bad["channel"]["version"] = json!("2.0.0");
        bad["channel"]["config"]["uri"] = json!("http://hooks.example.com/okta");
        bad["channel"]["config"]["headers"][0]["key"] = json!("Authorization");
        bad["channel"]["config"]["headers"][0]["value"] = json!("header-secret\r\n");
        assert_eq!(
            causes(&bad, true),
            [
                "name: The field cannot be left blank",
                "events.items: Event type \"bad type\" is empty or contains whitespace",
                "events.filter.type: \"SQL\" is not supported; use EXPRESSION_LANGUAGE",
                "events.filter.eventFilterMap.event: A filter is given for event type \"user.account.lock\", which the hook does not subscribe to",
                "events.filter.eventFilterMap.condition.expression: The filter for event type \"user.account.lock\" has an empty expression",
                "channel.version: \"2.0.0\" is not supported; use 1.0.0",
                "channel.config.uri: The URI \"http://hooks.example.com/okta\" must start with https:// (Okta only calls HTTPS endpoints)",
                "channel.config.headers.value: The value of header \"Authorization\" contains a control character (such as a line break or NUL)",
                "channel.config.authScheme.key: \"Authorization\" is also set as a custom header",
            ]
        );
    }

    #[test]
    fn each_event_type_okta_would_refuse_is_a_cause() {
        let mut bad = body();
        bad["events"]["items"] = json!([
            "user.session.start",
            "user.session.expire",
            "user.sesion.start"
        ]);
        assert_eq!(
            causes(&bad, false),
            [
                "events.items: Event type \"user.session.expire\" cannot be used in an event hook: Okta does not mark it event-hook-eligible; did you mean user.session.clear or user.session.end or user.session.start?",
                "events.items: Event type \"user.sesion.start\" is not in Okta's event-type catalog (release 2026.08.1); a type newer than the catalog must be allowed explicitly; did you mean user.session.start?",
            ]
        );
    }

    #[test]
    fn missing_fields_are_causes_not_malformed() {
        assert_eq!(
            causes(&json!({}), false),
            [
                "name: The field cannot be left blank",
                "events: The field cannot be left blank",
                "channel: The field cannot be left blank",
            ]
        );
        let mut bare = body();
        bare["events"] = json!({"items": null});
        bare["channel"] = json!({"config": {"authScheme": {}}});
        assert_eq!(
            causes(&bare, false),
            [
                "events.type: The field cannot be left blank",
                "events.items: The hook subscribes to no event types; give at least one",
                "channel.type: The field cannot be left blank",
                "channel.version: The field cannot be left blank",
                "channel.config.uri: The field cannot be left blank",
                "channel.config.authScheme.type: The field cannot be left blank",
                "channel.config.authScheme.key: The field cannot be left blank",
            ]
        );
    }

    #[test]
    fn a_wrong_json_type_is_malformed_even_with_broken_rules() {
        for (path, wrong) in [
            ("/name", json!(5)),
            ("/description", json!(["x"])),
            ("/events/items", json!([1])),
            ("/channel/config/headers", json!([true])),
            ("/channel/config", json!("https://hooks.example.com")),
        ] {
            let mut bad = body();
            bad["channel"]["version"] = json!("2.0.0");
            *bad.pointer_mut(path).unwrap() = wrong;
            let parsed = parse(bad.to_string().as_bytes(), false);
            assert!(
                matches!(parsed, Err(Failure::Malformed)),
                "{path}: {parsed:?}"
            );
        }
    }

    #[test]
    fn an_empty_secret_is_refused_and_a_missing_one_accepted() {
        let mut empty = body();
        empty["channel"]["config"]["authScheme"]["value"] = json!("");
        assert_eq!(
            causes(&empty, false),
            [
                "channel.config.authScheme.value: The secret of the auth header \"Authorization\" is empty"
            ]
        );
        let mut fetched = body();
        fetched["channel"]["config"]["authScheme"]["value"] = json!(null);
        let input = parse(fetched.to_string().as_bytes(), false).unwrap();
        assert!(input.channel.auth_scheme.unwrap().value.is_none());
    }

    #[test]
    fn http_loopback_only_when_allowed() {
        let mut local = body();
        local["channel"]["config"]["uri"] = json!("http://127.0.0.1:9000/hook");
        assert!(parse(local.to_string().as_bytes(), true).is_ok());
        assert_eq!(causes(&local, false).len(), 1);
    }

    #[test]
    fn a_valid_body_is_stored_as_given_with_duplicate_types_collapsed() {
        let mut good = body();
        good["events"]["items"] = json!([
            "user.session.start",
            "user.account.lock",
            "user.session.start"
        ]);
        good["channel"]["config"]["headers"] =
            json!([null, {"key": "X-Source", "value": "header-secret"}]);
        good["status"] = json!("INACTIVE");
        let input = parse(good.to_string().as_bytes(), false).unwrap();
        assert_eq!(input.name, "Audit sink");
        assert_eq!(input.description.as_deref(), Some("Forwards events"));
        assert_eq!(input.status, Some(Status::Inactive));
        assert_eq!(
            input.events.items,
            ["user.session.start", "user.account.lock"]
        );
        assert_eq!(input.events.filter, None);
        let auth = input.channel.auth_scheme.unwrap();
        assert_eq!(auth.value.unwrap().expose(), "auth-secret");
        assert_eq!(input.channel.headers[0].value.expose(), "header-secret");
    }
}
