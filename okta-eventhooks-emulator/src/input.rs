//! Reads a create or replace body the way Okta does: malformed JSON or wrong JSON types are
//! `E0000003`; rule violations are `E0000001` with one `errorCauses` entry per problem, each
//! written `<field>: <message>` like Okta's other validation errors. Read-only fields
//! (`id`, `created`, `_links`, `channel.config.method`, `filter.type`, ...) are accepted and
//! ignored, unknown fields too.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::model::{AuthScheme, Channel, FilterEntry, Header, Status, Subscriptions};
use super::reply::Failure;
use okta_eventhooks::{
    CHANNEL_VERSION, FILTER_TYPE, MAX_EVENT_TYPES, MAX_NAME_CHARS, MAX_URI_CHARS, RESERVED_HEADERS,
    Secret,
};

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
    let Value::Object(root) = value else {
        return Err(Failure::Malformed);
    };
    let mut causes = Vec::new();
    let input = read(&root, allow_http_loopback, &mut causes).map_err(|_| Failure::Malformed)?;
    match input {
        Some(input) if causes.is_empty() => Ok(input),
        _ => Err(Failure::Validation(causes)),
    }
}

fn read(
    root: &Map<String, Value>,
    allow_http_loopback: bool,
    causes: &mut Vec<String>,
) -> Field<Option<HookInput>> {
    let name = string(root, "name")?.unwrap_or_default();
    if name.trim().is_empty() {
        causes.push("name: The field cannot be left blank".into());
    } else if name.chars().count() > MAX_NAME_CHARS {
        causes.push(format!(
            "name: The field cannot exceed {MAX_NAME_CHARS} characters"
        ));
    }
    let description = string(root, "description")?;
    let status = match root.get("status") {
        Some(Value::String(s)) if s == "ACTIVE" => Some(Status::Active),
        Some(Value::String(s)) if s == "INACTIVE" => Some(Status::Inactive),
        _ => None,
    };
    let events = match object(root, "events")? {
        Some(events) => subscriptions(events, causes)?,
        None => {
            causes.push("events: The field cannot be left blank".into());
            None
        }
    };
    let channel = match object(root, "channel")? {
        Some(channel) => self::channel(channel, allow_http_loopback, causes)?,
        None => {
            causes.push("channel: The field cannot be left blank".into());
            None
        }
    };
    Ok(match (events, channel) {
        (Some(events), Some(channel)) => Some(HookInput {
            name,
            description,
            status,
            events,
            channel,
        }),
        _ => None,
    })
}

fn subscriptions(
    events: &Map<String, Value>,
    causes: &mut Vec<String>,
) -> Field<Option<Subscriptions>> {
    match string(events, "type")?.as_deref() {
        Some("EVENT_TYPE") => {}
        None => causes.push("events.type: The field cannot be left blank".into()),
        Some(other) => causes.push(format!(
            "events.type: '{other}' is not a supported subscription type (use EVENT_TYPE)"
        )),
    }
    let raw_items = match events.get("items") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned).ok_or(Malformed))
            .collect::<Field<Vec<_>>>()?,
        Some(_) => return Err(Malformed),
    };
    // Okta treats the list as a set: duplicates collapse, first occurrence wins the position.
    let mut seen = HashSet::new();
    let mut items = Vec::with_capacity(raw_items.len());
    for item in raw_items {
        if item.is_empty() || item.chars().any(char::is_whitespace) {
            causes.push(format!("events.items: '{item}' is not a valid event type"));
        } else if seen.insert(item.clone()) {
            items.push(item);
        }
    }
    if items.is_empty() && causes.iter().all(|c| !c.starts_with("events.items")) {
        causes.push("events.items: The field cannot be left blank".into());
    }
    if items.len() > MAX_EVENT_TYPES {
        causes.push(format!(
            "events.items: An event hook can subscribe to at most {MAX_EVENT_TYPES} event types, not {}",
            items.len()
        ));
    }
    let filter = match object(events, "filter")? {
        None => None,
        Some(filter) => Some(filters(filter, &seen, causes)?),
    };
    Ok(Some(Subscriptions { items, filter }))
}

fn filters(
    filter: &Map<String, Value>,
    subscribed: &HashSet<String>,
    causes: &mut Vec<String>,
) -> Field<Vec<FilterEntry>> {
    if let Some(kind) = string(filter, "type")?
        && kind != FILTER_TYPE
    {
        causes.push(format!(
            "events.filter.type: '{kind}' is not supported (use {})",
            FILTER_TYPE
        ));
    }
    let entries = match filter.get("eventFilterMap") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(entries)) => entries,
        Some(_) => return Err(Malformed),
    };
    let mut out = Vec::with_capacity(entries.len());
    let mut filtered = HashSet::new();
    for entry in entries {
        let Value::Object(entry) = entry else {
            return Err(Malformed);
        };
        let event = string(entry, "event")?.unwrap_or_default();
        let expression = match object(entry, "condition")? {
            Some(condition) => string(condition, "expression")?.unwrap_or_default(),
            None => String::new(),
        };
        if event.is_empty() {
            causes
                .push("events.filter.eventFilterMap.event: The field cannot be left blank".into());
            continue;
        }
        if !subscribed.contains(&event) {
            causes.push(format!(
                "events.filter.eventFilterMap.event: '{event}' is not one of the subscribed event types"
            ));
        }
        if !filtered.insert(event.clone()) {
            causes.push(format!(
                "events.filter.eventFilterMap.event: '{event}' has more than one filter"
            ));
        }
        if expression.trim().is_empty() {
            causes.push(format!(
                "events.filter.eventFilterMap.condition.expression: The filter for '{event}' cannot be left blank"
            ));
        }
        out.push(FilterEntry { event, expression });
    }
    Ok(out)
}

fn channel(
    channel: &Map<String, Value>,
    allow_http_loopback: bool,
    causes: &mut Vec<String>,
) -> Field<Option<Channel>> {
    let type_ = string(channel, "type")?;
    match type_.as_deref() {
        Some("HTTP") => {}
        None => causes.push("channel.type: The field cannot be left blank".into()),
        Some(other) => causes.push(format!(
            "channel.type: '{other}' is not a supported channel type (use HTTP)"
        )),
    }
    let version = string(channel, "version")?;
    match version.as_deref() {
        Some(CHANNEL_VERSION) => {}
        None => causes.push("channel.version: The field cannot be left blank".into()),
        Some(other) => causes.push(format!(
            "channel.version: '{other}' is not supported (use {})",
            CHANNEL_VERSION
        )),
    }
    let Some(config) = object(channel, "config")? else {
        causes.push("channel.config: The field cannot be left blank".into());
        return Ok(None);
    };
    let uri = string(config, "uri")?.unwrap_or_default();
    check_uri(&uri, allow_http_loopback, causes);
    let mut headers = Vec::new();
    let mut seen = HashSet::new();
    match config.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for header in list {
                let header = match header {
                    Value::Null => continue,
                    Value::Object(h) => h,
                    _ => return Err(Malformed),
                };
                let key = string(header, "key")?.unwrap_or_default();
                let value = string(header, "value")?.unwrap_or_default();
                check_header_name(&key, "channel.config.headers.key", causes);
                check_header_value(&key, &value, "channel.config.headers.value", causes);
                if !key.is_empty() && !seen.insert(key.to_ascii_lowercase()) {
                    causes.push(format!(
                        "channel.config.headers.key: The header '{key}' is given more than once"
                    ));
                }
                headers.push(Header {
                    key,
                    value: Secret::new(value),
                });
            }
        }
        Some(_) => return Err(Malformed),
    }
    let auth_scheme = match object(config, "authScheme")? {
        None => None,
        Some(scheme) => {
            let type_ = string(scheme, "type")?.unwrap_or_default();
            if type_ != "HEADER" {
                causes.push(format!(
                    "channel.config.authScheme.type: '{type_}' is not supported (use HEADER)"
                ));
            }
            let key = string(scheme, "key")?.unwrap_or_default();
            check_header_name(&key, "channel.config.authScheme.key", causes);
            if seen.contains(&key.to_ascii_lowercase()) {
                causes.push(format!(
                    "channel.config.authScheme.key: '{key}' is also a custom header"
                ));
            }
            let value = string(scheme, "value")?;
            if let Some(value) = &value {
                check_header_value(&key, value, "channel.config.authScheme.value", causes);
            }
            Some(AuthScheme {
                type_,
                key,
                value: value.filter(|v| !v.is_empty()).map(Secret::new),
            })
        }
    };
    Ok(Some(Channel {
        type_: type_.unwrap_or_default(),
        version: version.unwrap_or_default(),
        uri,
        headers,
        auth_scheme,
    }))
}

fn check_uri(uri: &str, allow_http_loopback: bool, causes: &mut Vec<String>) {
    const FIELD: &str = "channel.config.uri";
    if uri.is_empty() {
        causes.push(format!("{FIELD}: The field cannot be left blank"));
        return;
    }
    if uri.chars().count() > MAX_URI_CHARS {
        causes.push(format!(
            "{FIELD}: The URI cannot exceed {MAX_URI_CHARS} characters"
        ));
        return;
    }
    if uri.chars().any(char::is_whitespace) {
        causes.push(format!("{FIELD}: The URI cannot contain whitespace"));
        return;
    }
    let Ok(parsed) = url::Url::parse(uri) else {
        causes.push(format!("{FIELD}: The URI is not valid"));
        return;
    };
    let Some(host) = parsed.host() else {
        causes.push(format!("{FIELD}: The URI is not valid"));
        return;
    };
    let loopback = match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    match parsed.scheme() {
        "https" => {}
        "http" if loopback && allow_http_loopback => {}
        _ => causes.push(format!("{FIELD}: The URI must use HTTPS")),
    }
}

fn check_header_name(name: &str, field: &str, causes: &mut Vec<String>) {
    if name.is_empty() {
        causes.push(format!("{field}: The field cannot be left blank"));
        return;
    }
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if !name.chars().all(token) {
        causes.push(format!("{field}: '{name}' is not a valid header name"));
    } else if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        causes.push(format!("{field}: '{name}' is a reserved header"));
    }
}

/// Names the header, never the value (it may be a secret).
fn check_header_value(name: &str, value: &str, field: &str, causes: &mut Vec<String>) {
    if value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        causes.push(format!(
            "{field}: The value of header '{name}' contains control characters"
        ));
    }
}

/// An optional string field; `null` counts as absent; another type is malformed.
fn string(map: &Map<String, Value>, key: &str) -> Field<Option<String>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
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
