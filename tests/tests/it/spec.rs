//! The spec is the source of truth for the wire: it must describe all eight operations.

use openapiv3::{OpenAPI, ReferenceOr};

fn spec() -> OpenAPI {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/okta-eventhooks.yaml"
    ))
    .unwrap();
    yaml_serde::from_str(&text).unwrap()
}

#[test]
fn all_eight_operations_with_their_responses() {
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
    assert_eq!((seen, ops), (8, 8));
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
    ] {
        assert!(components.schemas.contains_key(name), "schema {name}");
    }
    assert!(components.security_schemes.contains_key("apiToken"));
    let text = serde_json::to_string(&components.security_schemes["oauth2"]).unwrap();
    assert!(text.contains("okta.eventHooks.read") && text.contains("okta.eventHooks.manage"));
    // The write-only secret and the read-only fields are flagged.
    let hook = serde_json::to_value(&components.schemas["EventHook"]).unwrap();
    for field in [
        "id",
        "status",
        "verificationStatus",
        "created",
        "createdBy",
        "lastUpdated",
    ] {
        assert_eq!(hook["properties"][field]["readOnly"], true, "{field}");
    }
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
