//! Asking Okta to verify a hook's endpoint, with retries and a plain-words explanation of a
//! failure (used by `verify` and `create --verify`).

use std::time::Duration;

use okta_eventhooks::{Client, EventHook, LifecycleStatus};

use crate::context::Context;
use crate::error::{CliError, Result};

/// Asks Okta to verify `id`; with `wait`, tries again every `interval` until it works or the
/// time is up. A final failure comes back with a plain-words explanation.
pub async fn verify(
    ctx: &Context,
    id: &str,
    wait: Option<Duration>,
    interval: Duration,
) -> Result<EventHook> {
    let client = ctx.client()?;
    let give_up_at = wait.map(|w| tokio::time::Instant::now() + w);
    loop {
        match client.verify_event_hook(id).await {
            Ok(hook) => {
                ctx.printer().note(&format!("verified event hook {id}"));
                return Ok(hook);
            }
            Err(e) if is_verification_failure(&e) => {
                let retry = give_up_at.is_some_and(|t| tokio::time::Instant::now() + interval < t);
                if retry {
                    ctx.printer().note(&format!(
                        "not verified yet; trying again in {}",
                        humantime::format_duration(interval)
                    ));
                    tokio::time::sleep(interval).await;
                    continue;
                }
                return Err(explain_failure(client, id, e).await);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Okta answers a failed verification with 400 `E0000001`.
fn is_verification_failure(e: &okta_eventhooks::Error) -> bool {
    e.status() == Some(400) && e.okta_error_code() == Some("E0000001")
}

/// Turns a failed verification into what Okta did and what the endpoint must do.
async fn explain_failure(client: &Client, id: &str, e: okta_eventhooks::Error) -> CliError {
    // Best effort: the hook's endpoint and headers make the explanation concrete.
    let hook = client.get_event_hook(id).await.ok();
    let (uri, extra) = match &hook {
        Some(hook) => {
            let config = &hook.channel.config;
            let mut names: Vec<&str> = config
                .auth_scheme
                .iter()
                .filter_map(|a| a.key.as_deref())
                .collect();
            names.extend(config.headers.iter().filter_map(|h| h.key.as_deref()));
            let extra = if names.is_empty() {
                String::new()
            } else {
                format!(", plus the configured header(s) {}", names.join(", "))
            };
            (
                okta_eventhooks::redact::text(&config.uri).into_owned(),
                extra,
            )
        }
        None => ("the hook's URI".to_owned(), String::new()),
    };
    let mut error = CliError::from(e)
        .with_hint(format!(
            "Okta sent a one-time GET request to {uri} with the header X-Okta-Verification-Challenge: <random value>{extra}"
        ))
        .with_hint(format!(
            "the endpoint must answer within {} seconds with HTTP 200, Content-Type: application/json and the body {{\"verification\": \"<that same value>\"}} (Okta tries twice)",
            okta_eventhooks::hook_call::OKTA_TIMEOUT.as_secs()
        ))
        .with_hint(
            "check that the endpoint is reachable from the internet over HTTPS with a publicly trusted certificate, and that it accepts the auth header",
        );
    if hook
        .as_ref()
        .is_some_and(|h| h.status == Some(LifecycleStatus::Inactive))
    {
        error = error.with_hint(format!(
            "the hook is INACTIVE; activate it first with `okta-eventhooks activate {id}`"
        ));
    }
    error
}
