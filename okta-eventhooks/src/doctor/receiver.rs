//! The receiver's checks: `reachable` (Okta's verification call, as Okta makes it) and `auth`
//! (the same call without the auth header must be refused).

use http::{HeaderMap, HeaderName, HeaderValue};

use super::{Check, Status};
use crate::error::Result;
use crate::hook_call::{Attempt, Caller, Failure, HookTarget};
use crate::secret::Secret;
use crate::types::EventHook;

/// The header marking doctor's calls, so that a receiver's log can tell them from Okta's.
pub const MARKER_HEADER: &str = "x-okta-eventhooks-doctor";

pub(super) async fn check(
    hook: &EventHook,
    id: &str,
    auth_value: Option<&Secret>,
) -> Result<(Check, Check)> {
    let caller = Caller::new()?;
    let marker = HeaderMap::from_iter([(
        HeaderName::from_static(MARKER_HEADER),
        HeaderValue::from_static("true"),
    )]);
    let mut target = HookTarget::of(hook);
    let auth_key = hook
        .channel
        .config
        .auth_scheme
        .as_ref()
        .and_then(|a| a.key.as_deref());
    let Some(key) = auth_key else {
        let reachable = reachable(caller.verify(&target, &marker, |_| {}).await, id);
        let auth = Check::new(
            "auth",
            Status::Warn,
            "the hook sends no auth header: anyone who knows the URI can post events to it",
        )
        .fix(format!(
            "okta-eventhooks replace {id} --auth-key Authorization --auth-value-env VAR"
        ));
        return Ok((reachable, auth));
    };
    let Some(value) = auth_value else {
        // Okta never returns the secret: the call without it tells both what is reachable and
        // whether the receiver refuses strangers.
        target.auth = None;
        let attempt = caller.verify(&target, &marker, |_| {}).await;
        return Ok(match &attempt.failure {
            None => (
                Check::new(
                    "reachable",
                    Status::Ok,
                    format!(
                        "answered the challenge in {} ms (without the auth header)",
                        attempt.elapsed.as_millis()
                    ),
                ),
                accepts_anyone(key),
            ),
            Some(Failure::Status {
                status: status @ (401 | 403),
                ..
            }) => (
                Check::new(
                    "reachable",
                    Status::Skip,
                    format!(
                        "answered HTTP {status} without the auth header; Okta never returns its value"
                    ),
                )
                .fix("give the value (--auth-value-env VAR) to make Okta's call with it"),
                Check::new(
                    "auth",
                    Status::Ok,
                    format!("refused the call without {key} (HTTP {status})"),
                ),
            ),
            Some(_) => (
                reachable(attempt, id),
                Check::new("auth", Status::Skip, "the receiver did not answer"),
            ),
        });
    };
    target.auth = Some((key, value));
    let first = caller.verify(&target, &marker, |_| {}).await;
    let ok = first.failure.is_none();
    let reachable = reachable(first, id);
    if !ok {
        let auth = Check::new(
            "auth",
            Status::Skip,
            "the receiver did not answer Okta's call",
        );
        return Ok((reachable, auth));
    }
    target.auth = None;
    let without = caller.verify_once(&target, &marker).await;
    let auth = match without.failure {
        None => accepts_anyone(key),
        Some(Failure::Status { status, .. }) => Check::new(
            "auth",
            Status::Ok,
            format!("refused the call without {key} (HTTP {status})"),
        ),
        Some(other) => Check::new(
            "auth",
            Status::Ok,
            format!("did not answer the call without {key}: {other}"),
        ),
    };
    Ok((reachable, auth))
}

fn accepts_anyone(key: &str) -> Check {
    Check::new(
        "auth",
        Status::Warn,
        format!("answered the challenge without {key}: the receiver accepts anyone"),
    )
    .fix(format!(
        "make the receiver answer 401 when {key} is not the hook's secret"
    ))
}

/// `reachable` from the last attempt of Okta's verification call.
fn reachable(attempt: Attempt, id: &str) -> Check {
    let Some(failure) = attempt.failure else {
        return Check::new(
            "reachable",
            Status::Ok,
            format!(
                "answered the challenge in {} ms",
                attempt.elapsed.as_millis()
            ),
        );
    };
    let finding = match &failure {
        Failure::Connect { cause } => format!("{failure} ({cause})"),
        _ => failure.to_string(),
    };
    let fix = match &failure {
        Failure::Connect { .. } | Failure::Request { .. } => {
            "start the receiver, and make the hook's URI reachable from Okta".to_owned()
        }
        Failure::Timeout(_) => "answer within 3 s (Okta's timeout)".to_owned(),
        Failure::WrongChallenge | Failure::NoVerification | Failure::NotJson => {
            "answer 200 with {\"verification\": <the X-Okta-Verification-Challenge header>}"
                .to_owned()
        }
        Failure::Status {
            status: 401 | 403, ..
        } => format!(
            "the receiver refuses the hook's auth header: set the same secret on both (okta-eventhooks replace {id} --auth-value-env VAR)"
        ),
        Failure::InvalidHeader { .. } => format!("okta-eventhooks replace {id} (fix the header)"),
        _ => "answer Okta's verification GET with 200".to_owned(),
    };
    Check::new(
        "reachable",
        Status::Fail,
        format!("{finding} ({} attempt(s))", attempt.number),
    )
    .fix(fix)
}
