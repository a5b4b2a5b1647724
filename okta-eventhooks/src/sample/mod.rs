//! Plausible System Log events (`LogEvent`) for any event type: actor, targets, outcome,
//! severity and message follow from the type's name (see `kinds`), so every type of Okta's
//! catalog, and any type Okta adds later, gets an event a filter or a receiver can be tried on.
//! The emulator fires these; `okta-eventhooks filter --sample` evaluates filters on them.
//!
//! ```
//! let event = okta_eventhooks::sample::sample_event("user.session.start");
//! assert_eq!(event["eventType"], "user.session.start");
//! assert_eq!(event["actor"]["id"], event["target"][0]["id"], "the user signs in");
//! ```

mod kinds;

use chrono::Utc;
use serde_json::{Value, json};

use kinds::{Actor, Target};

/// The `type` of a hook as a System Log target (`event_hook.delivery` names the hook).
pub const EVENT_HOOK_TARGET_TYPE: &str = kinds::EVENT_HOOK.type_;

/// A LogEvent of `event_type` like the ones the emulator fires, by a random admin.
pub fn sample_event(event_type: &str) -> Value {
    log_event(event_type, &crate::ids::okta_id("00u"))
}

fn target_json(target: &Target, user_id: &str) -> Value {
    let id = if *target == kinds::USER {
        user_id.to_owned()
    } else {
        crate::ids::okta_id(target.id_prefix)
    };
    json!({
        "id": id,
        "type": target.type_,
        "alternateId": target.alternate_id,
        "displayName": target.display_name,
        "detailEntry": null
    })
}

/// Okta itself, as the actor of what nobody did by hand (and of `event_hook.delivery`).
pub fn okta_system() -> Value {
    json!({
        "id": "0oa1okta0system0actor",
        "type": "SystemPrincipal",
        "alternateId": "system@okta.com",
        "displayName": "Okta System",
        "detailEntry": null
    })
}

/// One LogEvent of `event_type`: actor, targets and outcome as its name says; an admin's
/// events name `admin_user_id` as their actor (the emulator's one admin).
pub fn log_event(event_type: &str, admin_user_id: &str) -> Value {
    let kind = kinds::of(event_type);
    let user_id = crate::ids::okta_id("00u");
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
    let request_id = crate::ids::request_id();
    let ip = "198.51.100.7";
    let geo = json!({
        "city": "San Francisco", "state": "California", "country": "United States",
        "postalCode": "94107", "geolocation": {"lat": 37.7697, "lon": -122.3933}
    });
    json!({
        "uuid": crate::ids::uuid_v4(),
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
            "externalSessionId": crate::ids::okta_id("102")
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
        use crate::events::{LogEvent, LogOutcomeResult, LogSeverity};
        for event_type in crate::catalog::all() {
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
    fn a_sample_event_is_a_typed_log_event_of_its_type() {
        let event: crate::events::LogEvent =
            serde_json::from_value(sample_event("user.account.lock")).unwrap();
        assert_eq!(event.event_type.as_deref(), Some("user.account.lock"));
        assert!(event.uuid.is_some() && event.published_at().is_some());
    }
}
