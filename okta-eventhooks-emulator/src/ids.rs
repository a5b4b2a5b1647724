//! The emulator's own ids (the SDK's [`okta_eventhooks::ids`] in the shapes the emulator
//! writes) and Okta's timestamp format.

use chrono::{DateTime, SubsecRound, Utc};

use okta_eventhooks::ids::{alphanumeric, okta_id};

/// A hook id: 20 characters starting with `who`, like `whokwr4rnwl1qMMuk1d7`.
pub(crate) fn hook_id() -> String {
    okta_id("who")
}

/// An org id (`00o` + 17, like Okta's `00o5rb5mt2H3d1TJd0h7`).
pub(crate) fn org_id() -> String {
    format!("00o{}", alphanumeric(17))
}

/// A user id (`00u` + 17), used as `createdBy` and as the actor of generated events.
pub(crate) fn user_id() -> String {
    okta_id("00u")
}

/// An `errorId` (Okta's start with `oae` and are about 25 characters).
pub(crate) fn error_id() -> String {
    format!("oae{}", alphanumeric(22))
}

/// Now, truncated to whole seconds: Okta's hook timestamps always end in `.000Z`.
pub(crate) fn now_seconds() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

/// `2025-03-13T23:36:13.000Z`.
pub(crate) fn okta_time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// [`okta_time`] of a time in milliseconds since the epoch.
pub(crate) fn okta_time_ms(ms: i64) -> String {
    okta_time(&DateTime::from_timestamp_millis(ms).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_okta_shapes() {
        let id = hook_id();
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("who"));
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(hook_id(), id);
        assert!(user_id().starts_with("00u") && error_id().starts_with("oae"));
        assert!(okta_time(&now_seconds()).ends_with(".000Z"));
    }
}
