//! Okta-shaped data: hooks as Okta returns them, hooks to create, error bodies, deliveries.

use okta_eventhooks::{Channel, EventHook, Events};
use serde_json::{Value, json};

use crate::secrets::{HEADER_SECRET, HOOK_SECRET};

/// An ACTIVE, VERIFIED hook as Okta returns it (no filter, `description: null`).
pub const ACTIVE: &str = include_str!("fixtures/hook-active.json");
/// An INACTIVE hook with an event filter, as Okta returns it.
pub const INACTIVE_FILTERED: &str = include_str!("fixtures/hook-inactive-filtered.json");

/// A hook id of Okta's shape (`who` + 17 characters).
pub const ID: &str = "who8vt36qfNpCGz9H1e6";
/// A second hook id.
pub const ID2: &str = "who9Xyz0123456789abc";

/// Parses a JSON fixture.
pub fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// A hook as Okta returns it: field order of real traffic, `_links`, a filter, a custom header
/// whose value is [`HEADER_SECRET`], an auth header without its value (Okta never returns it).
pub fn hook_json(id: &str, name: &str, status: &str, verification: &str) -> Value {
    json!({
        "id": id,
        "status": status,
        "verificationStatus": verification,
        "name": name,
        "description": "Forwards user lifecycle events",
        "created": "2026-01-05T10:00:00.000Z",
        "createdBy": "00u1abcdEFGH23456789",
        "lastUpdated": "2026-01-06T11:30:00.000Z",
        "events": {
            "type": "EVENT_TYPE",
            "items": ["user.lifecycle.create", "user.session.start"],
            "filter": {
                "type": "EXPRESSION_LANGUAGE",
                "eventFilterMap": [{
                    "event": "user.session.start",
                    "condition": {"expression": "event.outcome.result eq 'FAILURE'", "version": null}
                }]
            }
        },
        "channel": {
            "type": "HTTP",
            "version": "1.0.0",
            "config": {
                "uri": "https://hooks.example.com/okta/events",
                "headers": [{"key": "X-Source", "value": HEADER_SECRET}],
                "method": "POST",
                "authScheme": {"type": "HEADER", "key": "Authorization"}
            }
        },
        "_links": {
            "self": {"href": format!("https://acme.okta.com/api/v1/eventHooks/{id}")},
            "verify": {"href": format!("https://acme.okta.com/api/v1/eventHooks/{id}/lifecycle/verify"), "hints": {"allow": ["POST"]}},
            "deactivate": {"href": format!("https://acme.okta.com/api/v1/eventHooks/{id}/lifecycle/deactivate"), "hints": {"allow": ["POST"]}}
        }
    })
}

/// An Okta error body.
pub fn okta_error(code: &str, summary: &str, causes: &[&str]) -> Value {
    json!({
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": "oaeEtd4rIIYRoqo6aPGIUJnjg",
        "errorCauses": causes.iter().map(|c| json!({"errorSummary": c})).collect::<Vec<_>>(),
    })
}

/// A hook to create with every kind of secret and a filter.
pub fn sample_hook() -> EventHook {
    EventHook::builder("Audit sink")
        .description("Forwards audit events")
        .channel(
            Channel::https("https://hooks.example.com/okta")
                .unwrap()
                .header("X-Api-Key", HEADER_SECRET)
                .auth_header("Authorization", HOOK_SECRET),
        )
        .events(
            Events::types(["user.lifecycle.create", "user.session.start"])
                .filter("user.session.start", "event.outcome.result eq 'FAILURE'"),
        )
        .build()
        .unwrap()
}

/// A hook to create at `uri`, subscribed to `types`, with the auth header (`Authorization:`
/// [`HOOK_SECRET`]) and a custom header (`X-Custom:` [`HEADER_SECRET`]).
pub fn new_hook(name: &str, uri: &str, types: &[&str]) -> EventHook {
    EventHook::builder(name)
        .channel(
            Channel::https(uri)
                .unwrap()
                .auth_header("Authorization", HOOK_SECRET)
                .header("X-Custom", HEADER_SECRET),
        )
        .events(Events::types(types.iter().copied()))
        .build()
        .unwrap()
}

/// A delivery as Okta POSTs it: one LogEvent per type (actor Ada <admin@acme.com>, target
/// User Bob <bob@acme.com>, outcome SUCCESS), each with a field no model knows (`futureField`).
pub fn delivery(event_id: &str, event_types: &[&str]) -> Value {
    let events: Vec<Value> = event_types
        .iter()
        .map(|t| {
            json!({
                "uuid": format!("uuid-{event_id}-{t}"),
                "published": "2026-11-26T13:00:00.000Z",
                "eventType": t,
                "version": "0",
                "severity": "INFO",
                "displayMessage": "Create Okta user",
                "actor": {"id": "00u1", "type": "User", "alternateId": "admin@acme.com", "displayName": "Ada"},
                "outcome": {"result": "SUCCESS"},
                "target": [{"id": "00u2", "type": "User", "alternateId": "bob@acme.com", "displayName": "Bob"}],
                "futureField": {"kept": true}
            })
        })
        .collect();
    json!({
        "eventType": "com.okta.event_hook",
        "eventTypeVersion": "1.0",
        "cloudEventsVersion": "0.1",
        "source": "http://127.0.0.1/api/v1/eventHooks/whoTEST0000000000000",
        "eventId": event_id,
        "eventTime": "2026-11-26T13:00:01.000Z",
        "contentType": "application/json",
        "data": {"events": events}
    })
}
