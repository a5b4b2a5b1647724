//! Realistic System Log events (`LogEvent`) and Okta's delivery envelope.

use chrono::Utc;
use serde::Serialize;
use serde_json::{Value, json};

use super::ids;

/// The display message and legacy event type Okta uses for well-known event types.
fn describe(event_type: &str) -> (String, Option<&'static str>) {
    let known: Option<(&str, Option<&'static str>)> = match event_type {
        "user.session.start" => Some(("User login to Okta", Some("core.user_auth.login_success"))),
        "user.session.end" => Some((
            "User logout from Okta",
            Some("core.user_auth.logout_success"),
        )),
        "user.lifecycle.create" => Some((
            "Create okta user",
            Some("core.user.config.user_creation.success"),
        )),
        "user.lifecycle.activate" => Some((
            "Activate Okta user",
            Some("core.user.config.user_activated"),
        )),
        "user.lifecycle.deactivate" => Some((
            "Deactivate Okta user",
            Some("core.user.config.user_deactivated"),
        )),
        "user.lifecycle.suspend" => {
            Some(("Suspend Okta user", Some("core.user.config.user_suspended")))
        }
        "user.lifecycle.delete.initiated" => Some(("Delete Okta user", None)),
        "user.account.update_profile" => Some((
            "Update user profile for Okta",
            Some("core.user.config.profile_update.success"),
        )),
        "user.account.lock" => Some((
            "Max sign in attempts exceeded",
            Some("core.user_auth.account_locked"),
        )),
        "user.authentication.sso" => Some(("User single sign on to app", Some("app.auth.sso"))),
        "group.user_membership.add" => Some((
            "Add user to group membership",
            Some("core.user_group_member.user_add"),
        )),
        "group.user_membership.remove" => Some((
            "Remove user from group membership",
            Some("core.user_group_member.user_remove"),
        )),
        "application.user_membership.add" => Some((
            "Add user to application membership",
            Some("app.generic.provision.assign_user_to_app"),
        )),
        "application.user_membership.remove" => Some((
            "Remove user from application membership",
            Some("app.generic.unauth_app_access_attempt"),
        )),
        _ => None,
    };
    match known {
        Some((message, legacy)) => (message.to_owned(), legacy),
        None => (format!("Emulated {event_type} event"), None),
    }
}

fn user_target() -> Value {
    json!({
        "id": ids::okta_id("00u"),
        "type": "User",
        "alternateId": "jane.doe@example.com",
        "displayName": "Jane Doe",
        "detailEntry": null
    })
}

/// The targets Okta attaches for the event type's family.
fn targets(event_type: &str) -> Value {
    if event_type.starts_with("group.") {
        json!([
            user_target(),
            {"id": ids::okta_id("00g"), "type": "UserGroup", "alternateId": "unknown",
             "displayName": "Sales", "detailEntry": null}
        ])
    } else if event_type.starts_with("application.") || event_type.starts_with("app.") {
        json!([
            {"id": ids::okta_id("0oa"), "type": "AppInstance", "alternateId": "Example App",
             "displayName": "Example App", "detailEntry": null},
            user_target()
        ])
    } else if event_type.starts_with("policy.") {
        json!([{"id": ids::okta_id("00p"), "type": "PolicyEntity", "alternateId": "unknown",
                "displayName": "Default Policy", "detailEntry": null}])
    } else {
        json!([user_target()])
    }
}

/// One LogEvent of `event_type`, as an admin acting from the emulator.
pub(crate) fn log_event(event_type: &str, admin_user_id: &str) -> Value {
    let (message, legacy) = describe(event_type);
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
        "displayMessage": message,
        "severity": "INFO",
        "legacyEventType": legacy,
        "actor": {
            "id": admin_user_id,
            "type": "User",
            "alternateId": "admin@example.com",
            "displayName": "Emulator Admin",
            "detailEntry": null
        },
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
        "outcome": {"result": "SUCCESS", "reason": null},
        "target": targets(event_type),
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

/// Okta's delivery envelope, in Okta's field order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    event_type: &'static str,
    event_type_version: &'static str,
    cloud_events_version: &'static str,
    source: String,
    event_id: &'a str,
    event_time: String,
    content_type: &'static str,
    data: EnvelopeData<'a>,
}

#[derive(Serialize)]
struct EnvelopeData<'a> {
    events: &'a [&'a Value],
}

/// Okta's delivery envelope around a batch of events, as the JSON body to send (written
/// straight from the events, without copying them).
pub(crate) fn envelope(
    base_url: &str,
    hook_id: &str,
    event_id: &str,
    events: &[&Value],
) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&Envelope {
        event_type: "com.okta.event_hook",
        event_type_version: "1.0",
        cloud_events_version: "0.1",
        source: format!("{base_url}/api/v1/eventHooks/{hook_id}"),
        event_id,
        event_time: Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        content_type: "application/json",
        data: EnvelopeData { events },
    })
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
    fn merge_patch_follows_rfc_7396() {
        let mut v = json!({"a": {"b": 1, "c": 2}, "d": 3});
        merge_patch(&mut v, &json!({"a": {"b": null, "e": 5}, "d": [1]}));
        assert_eq!(v, json!({"a": {"c": 2, "e": 5}, "d": [1]}));
    }
}
