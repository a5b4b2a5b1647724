//! Realistic System Log events (`LogEvent`) and Okta's delivery envelope.

mod kinds;

use chrono::Utc;
use serde_json::{Value, json};

use super::ids;
use kinds::{Actor, Target};

fn target_json(target: &Target, user_id: &str) -> Value {
    let id = if *target == kinds::USER {
        user_id.to_owned()
    } else {
        ids::okta_id(target.id_prefix)
    };
    json!({
        "id": id,
        "type": target.type_,
        "alternateId": target.alternate_id,
        "displayName": target.display_name,
        "detailEntry": null
    })
}

/// Okta itself, as the actor of what nobody did by hand.
fn okta_system() -> Value {
    json!({
        "id": "0oa1okta0system0actor",
        "type": "SystemPrincipal",
        "alternateId": "system@okta.com",
        "displayName": "Okta System",
        "detailEntry": null
    })
}

/// One LogEvent of `event_type`: actor, targets and outcome as its name says (see
/// [`kinds`]); the admin is the emulated admin user.
pub(crate) fn log_event(event_type: &str, admin_user_id: &str) -> Value {
    let kind = kinds::of(event_type);
    let user_id = ids::user_id();
    let actor = match kind.actor {
        Actor::Admin => json!({
            "id": admin_user_id,
            "type": "User",
            "alternateId": "admin@example.com",
            "displayName": "Emulator Admin",
            "detailEntry": null
        }),
        Actor::EndUser => target_json(&kinds::USER, &user_id),
        Actor::System => okta_system(),
    };
    let targets: Vec<Value> = kind
        .targets
        .iter()
        .map(|t| target_json(t, &user_id))
        .collect();
    let request_id = ids::request_id();
    let ip = "198.51.100.7";
    let geo = json!({
        "city": "San Francisco", "state": "California", "country": "United States",
        "postalCode": "94107", "geolocation": {"lat": 37.7697, "lon": -122.3933}
    });
    json!({
        "uuid": ids::uuid_v4(),
        "published": Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "eventType": event_type,
        "version": "0",
        "displayMessage": kind.message,
        "severity": kind.severity,
        "legacyEventType": kind.legacy,
        "actor": actor,
        "client": {
            "userAgent": {
                "rawUserAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
                "os": "Linux",
                "browser": "CHROME"
            },
            "zone": "null",
            "device": "Computer",
            "id": null,
            "ipAddress": ip,
            "geographicalContext": geo
        },
        "device": null,
        "outcome": {"result": kind.result, "reason": null},
        "target": targets,
        "transaction": {"type": "WEB", "id": request_id, "detail": {}},
        "debugContext": {
            "debugData": {
                "requestId": request_id,
                "requestUri": "/api/v1/emulator",
                "url": "/api/v1/emulator?"
            }
        },
        "authenticationContext": {
            "authenticationProvider": null,
            "credentialProvider": null,
            "credentialType": null,
            "issuer": null,
            "interface": null,
            "authenticationStep": 0,
            "externalSessionId": ids::okta_id("102")
        },
        "securityContext": {
            "asNumber": 64496,
            "asOrg": "example",
            "isp": "example isp",
            "domain": "example.com",
            "isProxy": false
        },
        "request": {
            "ipChain": [{
                "ip": ip,
                "geographicalContext": geo,
                "version": "V4",
                "source": null
            }]
        },
        "insertionTimestamp": null
    })
}

/// A delivery that failed: what the `event_hook.delivery` event says about it.
pub(crate) struct DeliveryFailure<'a> {
    pub(crate) hook_id: &'a str,
    pub(crate) hook_name: &'a str,
    /// The hook's URI, with any user name and password redacted.
    pub(crate) uri: &'a str,
    /// The envelope's `eventId`.
    pub(crate) event_id: &'a str,
    pub(crate) event_types: Vec<&'a str>,
    pub(crate) uuids: Vec<&'a str>,
    pub(crate) attempts: u32,
    pub(crate) status: Option<u16>,
    pub(crate) reason: &'a str,
}

/// The `event_hook.delivery` event the System Log gets when a delivery failed (after the
/// retry, where Okta retries): Okta is the actor, the hook the target (`EventHook`, its URI as
/// `alternateId`), the outcome a FAILURE with the reason; the debug data (strings, as in Okta's
/// other events) say which POST and events: `deliveryEventId`, `eventTypes`, `eventUuids`
/// (comma-separated), `attempts`, `httpStatus` (when the hook answered) and `reason`.
pub(crate) fn delivery_failure(failure: &DeliveryFailure<'_>) -> Value {
    // The keys `reconcile` reads are the SDK's, so that writer and reader cannot drift.
    use okta_eventhooks::reconcile::{
        DELIVERY_FAILURE_EVENT_TYPE, FAILURE_DELIVERY_EVENT_ID, FAILURE_EVENT_HOOK_ID,
        FAILURE_EVENT_UUIDS,
    };
    let mut debug = json!({
        FAILURE_DELIVERY_EVENT_ID: failure.event_id,
        FAILURE_EVENT_HOOK_ID: failure.hook_id,
        "eventTypes": failure.event_types.join(","),
        FAILURE_EVENT_UUIDS: failure.uuids.join(","),
        "attempts": failure.attempts.to_string(),
        "reason": failure.reason,
        "requestUri": failure.uri,
    });
    if let Some(status) = failure.status {
        debug["httpStatus"] = Value::from(status.to_string());
    }
    json!({
        "uuid": ids::uuid_v4(),
        "published": Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "eventType": DELIVERY_FAILURE_EVENT_TYPE,
        "version": "0",
        "displayMessage": "Event hook delivery failed",
        "severity": "WARN",
        "legacyEventType": null,
        "actor": okta_system(),
        "client": {
            "userAgent": null, "zone": null, "device": null, "id": null,
            "ipAddress": null, "geographicalContext": null
        },
        "device": null,
        "outcome": {"result": "FAILURE", "reason": failure.reason},
        "target": [{
            "id": failure.hook_id,
            "type": kinds::EVENT_HOOK.type_,
            "alternateId": failure.uri,
            "displayName": failure.hook_name,
            "detailEntry": null
        }],
        "transaction": {"type": "JOB", "id": ids::request_id(), "detail": {}},
        "debugContext": {"debugData": debug},
        "authenticationContext": {
            "authenticationProvider": null, "credentialProvider": null, "credentialType": null,
            "issuer": null, "interface": null, "authenticationStep": 0, "externalSessionId": null
        },
        "securityContext": {
            "asNumber": null, "asOrg": null, "isp": null, "domain": null, "isProxy": null
        },
        "request": {"ipChain": []},
        "insertionTimestamp": null
    })
}

/// Applies an RFC 7396 JSON merge patch (used to shape generated events in tests).
pub(crate) fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(map) = target {
        for (key, value) in patch {
            if value.is_null() {
                map.remove(key);
            } else {
                merge_patch(map.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_event_has_the_log_event_fields() {
        let e = log_event("group.user_membership.add", "00uadmin");
        for key in [
            "uuid",
            "published",
            "eventType",
            "version",
            "displayMessage",
            "severity",
            "actor",
            "client",
            "outcome",
            "target",
            "transaction",
            "debugContext",
            "authenticationContext",
            "securityContext",
            "request",
        ] {
            assert!(e.get(key).is_some(), "{key}");
        }
        assert_eq!(e["target"][1]["type"], "UserGroup");
        assert_eq!(e["actor"]["id"], "00uadmin");
    }

    #[test]
    fn every_catalog_type_gets_a_plausible_typed_event() {
        use okta_eventhooks::events::{LogEvent, LogOutcomeResult, LogSeverity};
        for event_type in okta_eventhooks::catalog::all() {
            let name = event_type.name;
            let event: LogEvent = serde_json::from_value(log_event(name, "00uadmin")).unwrap();
            assert_eq!(event.event_type.as_deref(), Some(name));
            let actor = event.actor.as_ref().unwrap();
            assert!(actor.id.is_some() && actor.type_.is_some(), "{name}");
            assert!(!event.target.is_empty(), "{name}");
            for target in &event.target {
                assert!(target.id.is_some() && target.type_.is_some(), "{name}");
            }
            assert!(
                !matches!(
                    event.outcome_result(),
                    None | Some(LogOutcomeResult::Unknown(_))
                ),
                "{name}"
            );
            assert!(
                !matches!(event.severity, None | Some(LogSeverity::Unknown(_))),
                "{name}"
            );
            let message = event.display_message.as_deref().unwrap();
            assert!(
                !message.is_empty() && !message.contains(name),
                "{name}: {message}"
            );
        }
    }

    #[test]
    fn the_end_user_acts_on_their_own_session_and_okta_on_its_imports() {
        let login = log_event("user.session.start", "00uadmin");
        assert_eq!(login["actor"]["id"], login["target"][0]["id"]);
        assert_eq!(login["actor"]["type"], "User");
        let import = log_event("system.import.complete", "00uadmin");
        assert_eq!(import["actor"]["type"], "SystemPrincipal");
        let denied = log_event("application.policy.sign_on.deny_access", "00uadmin");
        assert_eq!(denied["outcome"]["result"], "DENY");
        assert_eq!(denied["target"][1]["type"], "PolicyEntity");
    }

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut v = json!({"a": {"b": 1, "c": 2}, "d": 3});
        merge_patch(&mut v, &json!({"a": {"b": null, "e": 5}, "d": [1]}));
        assert_eq!(v, json!({"a": {"c": 2, "e": 5}, "d": [1]}));
    }
}
