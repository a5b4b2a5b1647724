//! The System Log events the emulator writes: fired ones from a template per event type and
//! fire (`template`), `event_hook.delivery` for a failed delivery, and fire patches.

mod template;

pub(crate) use template::{Fired, Template};

use chrono::Utc;
use serde_json::{Value, json};

use okta_eventhooks::ids;
use okta_eventhooks::sample::{EVENT_HOOK_TARGET_TYPE, okta_system};

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
        FAILURE_EVENT_UUIDS, FAILURE_HTTP_STATUS,
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
        debug[FAILURE_HTTP_STATUS] = Value::from(status.to_string());
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
            "type": EVENT_HOOK_TARGET_TYPE,
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
    fn merge_patch_follows_rfc_7396() {
        let mut v = json!({"a": {"b": 1, "c": 2}, "d": 3});
        merge_patch(&mut v, &json!({"a": {"b": null, "e": 5}, "d": [1]}));
        assert_eq!(v, json!({"a": {"c": 2, "e": 5}, "d": [1]}));
    }
}
