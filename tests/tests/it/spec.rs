//! The spec is the source of truth for the wire: it must describe the eight event-hook
//! operations, the System Log read and the org's public metadata, and its `readOnly` flags say
//! which fields the SDK never sends.

use std::collections::BTreeSet;

use okta_eventhooks::EventHook;
use openapiv3::{OpenAPI, ReferenceOr};
use serde_json::{Value, json};

fn spec() -> OpenAPI {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/okta-eventhooks.yaml"
    ))
    .unwrap();
    yaml_serde::from_str(&text).unwrap()
}

#[test]
fn every_operation_with_its_responses() {
    let spec = spec();
    assert_eq!(spec.openapi, "3.0.3");
    let expected = [
        (
            "/api/v1/eventHooks",
            "get",
            "listEventHooks",
            vec!["200", "401", "403", "429"],
        ),
        (
            "/api/v1/eventHooks",
            "post",
            "createEventHook",
            vec!["200", "400", "401", "403", "429"],
        ),
        (
            "/api/v1/eventHooks/{eventHookId}",
            "get",
            "getEventHook",
            vec!["200", "401", "403", "404", "429"],
        ),
        (
            "/api/v1/eventHooks/{eventHookId}",
            "put",
            "replaceEventHook",
            vec!["200", "400", "401", "403", "404", "429"],
        ),
        (
            "/api/v1/eventHooks/{eventHookId}",
            "delete",
            "deleteEventHook",
            vec!["204", "400", "401", "403", "404", "429"],
        ),
        (
            "/api/v1/eventHooks/{eventHookId}/lifecycle/activate",
            "post",
            "activateEventHook",
            vec!["200", "401", "403", "404", "429"],
        ),
        (
            "/api/v1/eventHooks/{eventHookId}/lifecycle/deactivate",
            "post",
            "deactivateEventHook",
            vec!["200", "401", "403", "404", "429"],
        ),
        (
            "/api/v1/eventHooks/{eventHookId}/lifecycle/verify",
            "post",
            "verifyEventHook",
            vec!["200", "400", "401", "403", "404", "429"],
        ),
        (
            "/api/v1/logs",
            "get",
            "listLogEvents",
            vec!["200", "400", "401", "403", "429"],
        ),
        // Public: tells whether two URLs are one org (issue 20).
        (
            "/.well-known/okta-organization",
            "get",
            "getWellknownOrgMetadata",
            vec!["200", "429"],
        ),
    ];
    let mut seen = 0;
    for (path, method, id, statuses) in expected {
        let Some(ReferenceOr::Item(item)) = spec.paths.paths.get(path) else {
            panic!("missing path {path}")
        };
        let op = match method {
            "get" => item.get.as_ref(),
            "post" => item.post.as_ref(),
            "put" => item.put.as_ref(),
            "delete" => item.delete.as_ref(),
            _ => unreachable!(),
        }
        .unwrap_or_else(|| panic!("missing {method} {path}"));
        assert_eq!(op.operation_id.as_deref(), Some(id));
        let mut got: Vec<String> = op
            .responses
            .responses
            .keys()
            .map(|s| s.to_string())
            .collect();
        got.sort();
        assert_eq!(got, statuses, "{id}");
        assert!(
            op.responses.default.is_none(),
            "{id}: no default response (progenitor needs one error type)"
        );
        seen += 1;
    }
    let ops: usize = spec.operations().count();
    assert_eq!((seen, ops), (10, 10));
}

#[test]
fn schemas_flags_and_security() {
    let spec = spec();
    let components = spec.components.unwrap();
    for name in [
        "EventHook",
        "EventHookChannel",
        "EventHookChannelConfig",
        "EventHookChannelConfigHeader",
        "EventHookChannelConfigAuthScheme",
        "EventSubscriptions",
        "EventHookFilters",
        "EventHookFilterMapObject",
        "EventHookFilterMapObjectCondition",
        "EventHookLinks",
        "HrefObject",
        "Error",
        "ErrorCause",
        "LifecycleStatus",
        "EventHookVerificationStatus",
        "LogEvent",
        "LogSortOrder",
    ] {
        assert!(components.schemas.contains_key(name), "schema {name}");
    }
    assert!(components.security_schemes.contains_key("apiToken"));
    let text = serde_json::to_string(&components.security_schemes["oauth2"]).unwrap();
    assert!(text.contains("okta.eventHooks.read") && text.contains("okta.eventHooks.manage"));
    assert!(text.contains("okta.logs.read"));
    // The write-only secret is flagged (the read-only fields: see below).
    let hook = serde_json::to_value(&components.schemas["EventHook"]).unwrap();
    assert_eq!(hook["properties"]["description"]["nullable"], true);
    assert_eq!(
        hook["required"],
        serde_json::json!(["name", "events", "channel"])
    );
    let scheme =
        serde_json::to_value(&components.schemas["EventHookChannelConfigAuthScheme"]).unwrap();
    assert_eq!(scheme["properties"]["value"]["writeOnly"], true);
    let subs = serde_json::to_value(&components.schemas["EventSubscriptions"]).unwrap();
    assert_eq!(subs["properties"]["filter"]["nullable"], true);
}

/// Every field of an `EventHook` the spec marks `readOnly`, as a JSON path such as
/// `channel.config.method` (array entries add no segment; a read-only object's own fields are
/// not listed).
pub fn read_only_paths() -> BTreeSet<String> {
    let components = spec().components.unwrap();
    let schemas = serde_json::to_value(&components.schemas).unwrap();
    let mut paths = BTreeSet::new();
    collect_read_only(&schemas, &schemas["EventHook"], "", &mut paths);
    paths
}

fn collect_read_only(schemas: &Value, schema: &Value, path: &str, out: &mut BTreeSet<String>) {
    let parts = with_referenced(schemas, schema);
    if parts.iter().any(|part| part["readOnly"] == true) {
        out.insert(path.to_owned());
        return;
    }
    for part in parts {
        for (name, property) in part["properties"].as_object().into_iter().flatten() {
            let path = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            collect_read_only(schemas, property, &path, out);
        }
        if let Some(items) = part.get("items") {
            collect_read_only(schemas, items, path, out);
        }
    }
}

/// A schema and every schema it is made of through `$ref` and `allOf`.
fn with_referenced<'a>(schemas: &'a Value, schema: &'a Value) -> Vec<&'a Value> {
    let mut parts = vec![schema];
    if let Some(name) = schema["$ref"].as_str() {
        let name = name.trim_start_matches("#/components/schemas/");
        parts.extend(with_referenced(schemas, &schemas[name]));
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        parts.extend(with_referenced(schemas, part));
    }
    parts
}

/// The read-only fields (see [`read_only_paths`]) present in a JSON hook.
pub fn read_only_fields_in(hook: &Value) -> BTreeSet<String> {
    let read_only = read_only_paths();
    leaf_paths(hook)
        .iter()
        .filter_map(|leaf| read_only.iter().find(|r| is_within(leaf, r)).cloned())
        .collect()
}

fn is_within(path: &str, field: &str) -> bool {
    path.strip_prefix(field)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// The path of every value in a JSON document that is neither an object nor an array.
fn leaf_paths(value: &Value) -> BTreeSet<String> {
    fn walk(value: &Value, path: &str, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    let path = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    walk(value, &path, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| walk(item, path, out)),
            _ => {
                out.insert(path.to_owned());
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(value, "", &mut out);
    out
}

#[test]
fn read_only_fields_come_from_the_spec() {
    let paths = read_only_paths();
    // Spot checks of the derivation: a field flagged itself, through `allOf`, through a
    // read-only schema, and inside an array.
    for path in [
        "id",
        "status",
        "_links",
        "events.filter.eventFilterMap.condition.version",
    ] {
        assert!(paths.contains(path), "{path} in {paths:?}");
    }
    assert!(!paths.iter().any(|p| p.starts_with("_links.")), "{paths:?}");
    assert!(!paths.contains("name") && !paths.contains("channel.config.uri"));
}

#[test]
fn the_request_body_is_every_field_but_the_read_only_ones() {
    // Every field set, read-only ones and the write-only secret included.
    let full = json!({
        "id": "whokwr4rnwl1qMMuk1d7",
        "status": "ACTIVE",
        "verificationStatus": "VERIFIED",
        "name": "Audit sink",
        "description": "Forwards audit events",
        "created": "2025-03-13T23:36:13.000Z",
        "createdBy": "00u1a2b3c4d5e6f7g8h9",
        "lastUpdated": "2025-03-13T23:36:14.000Z",
        "events": {
            "type": "EVENT_TYPE",
            "items": ["user.session.start"],
            "filter": {
                "type": "EXPRESSION_LANGUAGE",
                "eventFilterMap": [{
                    "event": "user.session.start",
                    "condition": {"expression": "event.outcome.result eq 'FAILURE'", "version": "1"}
                }]
            }
        },
        "channel": {
            "type": "HTTP",
            "version": "1.0.0",
            "config": {
                "uri": "https://hooks.example.com/okta",
                "headers": [{"key": "X-Source", "value": "okta"}],
                "method": "POST",
                "authScheme": {"type": "HEADER", "key": "Authorization", "value": "s3cret"}
            }
        },
        "_links": {"self": {"href": "https://acme.okta.com/api/v1/eventHooks/whokwr4rnwl1qMMuk1d7"}}
    });
    let hook: EventHook = serde_json::from_value(full.clone()).unwrap();
    assert_eq!(
        serde_json::to_value(&hook).unwrap(),
        full,
        "the fixture round-trips"
    );
    let body = serde_json::to_value(hook.to_request_body()).unwrap();
    assert_eq!(
        read_only_fields_in(&full),
        read_only_paths(),
        "the fixture has them all"
    );
    assert_eq!(read_only_fields_in(&body), BTreeSet::new(), "none is sent");
    let writable = |value: &Value| -> BTreeSet<String> {
        let read_only = read_only_paths();
        leaf_paths(value)
            .into_iter()
            .filter(|leaf| !read_only.iter().any(|r| is_within(leaf, r)))
            .collect()
    };
    assert_eq!(
        writable(&body),
        writable(&full),
        "every other field is sent"
    );
}

#[test]
fn the_system_log_read_has_okta_parameters_and_scope() {
    let spec = spec();
    let Some(ReferenceOr::Item(item)) = spec.paths.paths.get("/api/v1/logs") else {
        panic!("missing /api/v1/logs")
    };
    let op = serde_json::to_value(item.get.as_ref().unwrap()).unwrap();
    let names: Vec<&str> = op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            assert_eq!(p["in"], "query");
            p["name"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        names,
        [
            "since",
            "until",
            "after",
            "filter",
            "q",
            "limit",
            "sortOrder"
        ]
    );
    assert_eq!(op["parameters"][5]["schema"]["maximum"], 1000.0);
    assert_eq!(op["security"][1]["oauth2"], json!(["okta.logs.read"]));
    let ok = &op["responses"]["200"];
    assert!(
        ok["headers"]["Link"].is_object(),
        "paging is by the Link header"
    );
    assert_eq!(
        ok["content"]["application/json"]["schema"],
        json!({"type": "array", "items": {"$ref": "#/components/schemas/LogEvent"}}),
        "a bare array of LogEvent (decoded into events::LogEvent: tests/it/logs.rs)"
    );
}
