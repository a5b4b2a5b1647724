//! Real response shapes decode, keep what matters, and never fail on what Okta adds later.

use okta_eventhooks::EventHook;
use okta_eventhooks::open_enums::{
    EventHookChannelType, EventHookVerificationStatus, LifecycleStatus,
};
use serde_json::{Value, json};

use okta_eventhooks_tests::fixtures::*;
use okta_eventhooks_tests::mock_org::*;

#[test]
fn active_and_inactive_hooks_round_trip() {
    for text in [ACTIVE, INACTIVE_FILTERED] {
        let original = json(text);
        let hook: EventHook = serde_json::from_value(original.clone()).unwrap();
        let mut back = serde_json::to_value(&hook).unwrap();
        // Okta writes `null` for unset nullable fields and `[]` for no headers; the SDK omits
        // both. Compare modulo that.
        let mut expected = original.clone();
        strip_nulls(&mut expected);
        strip_nulls(&mut back);
        assert_eq!(back, expected);
    }
}

fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()));
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

#[test]
fn nulls_and_missing_optionals_decode() {
    let hook: EventHook = serde_json::from_str(ACTIVE).unwrap();
    assert_eq!(hook.description, None);
    assert_eq!(hook.events.filter, None);
    // 2020-era responses left `description` and `filter` out entirely.
    let mut old = json(ACTIVE);
    old.as_object_mut().unwrap().remove("description");
    old["events"].as_object_mut().unwrap().remove("filter");
    old["channel"]["config"]
        .as_object_mut()
        .unwrap()
        .remove("headers");
    let hook: EventHook = serde_json::from_value(old).unwrap();
    assert!(hook.channel.config.headers.is_empty());
}

#[test]
fn filters_with_conditions_decode() {
    let hook: EventHook = serde_json::from_str(INACTIVE_FILTERED).unwrap();
    let filter = hook.events.filter.unwrap();
    assert_eq!(filter.type_.as_deref(), Some("EXPRESSION_LANGUAGE"));
    let entry = &filter.event_filter_map[0];
    assert_eq!(entry.event.as_deref(), Some("group.user_membership.add"));
    let condition = entry.condition.as_ref().unwrap();
    assert!(
        condition
            .expression
            .as_deref()
            .unwrap()
            .contains(".?[type eq 'UserGroup'].size()>0")
    );
    assert_eq!(condition.version, None);
}

#[test]
fn reordered_items_are_kept_in_okta_order() {
    let mut reordered = json(ACTIVE);
    reordered["events"]["items"] = json!(["user.session.start", "user.lifecycle.create"]);
    let hook: EventHook = serde_json::from_value(reordered).unwrap();
    assert_eq!(
        hook.events.items,
        ["user.session.start", "user.lifecycle.create"]
    );
}

#[test]
fn unknown_fields_and_enum_values_decode() {
    let mut future = json(ACTIVE);
    future["status"] = json!("SUSPENDED");
    future["verificationStatus"] = json!("PENDING");
    future["brandNewField"] = json!({"nested": true});
    future["events"]["type"] = json!("FLOW_EVENT");
    future["channel"]["type"] = json!("GRPC");
    future["channel"]["config"]["authScheme"]["type"] = json!("OAUTH2");
    future["_links"]["suspend"] =
        json!({"href": "https://acme.okta.com/x", "hints": {"allow": ["PATCH"]}});
    let hook: EventHook = serde_json::from_value(future).unwrap();
    assert_eq!(
        hook.status,
        Some(LifecycleStatus::Unknown("SUSPENDED".into()))
    );
    assert_eq!(
        hook.verification_status,
        Some(EventHookVerificationStatus::Unknown("PENDING".into()))
    );
    assert_eq!(
        hook.channel.type_,
        EventHookChannelType::Unknown("GRPC".into())
    );
    assert_eq!(hook.events.type_.to_string(), "FLOW_EVENT");
    assert!(hook.links.unwrap().contains_key("suspend"));
    // The unknown values are written back unchanged.
    assert_eq!(
        serde_json::to_value(&hook.status).unwrap(),
        json!("SUSPENDED")
    );
}

#[tokio::test]
async fn list_with_unknown_values_does_not_fail_the_call() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    let mut odd = json(ACTIVE);
    odd["status"] = json!("ARCHIVED");
    let body = json!([json(INACTIVE_FILTERED), odd]);
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let hooks = client(&server).list_event_hooks().await.unwrap();
    assert_eq!(hooks.len(), 2);
    assert_eq!(hooks[1].status.as_ref().unwrap().as_str(), "ARCHIVED");
}
