//! The emulator as the tests start it, and an SDK client for it.

use std::time::Duration;

use okta_eventhooks::{Client, EventHook};
use okta_eventhooks_emulator::{Emulator, EmulatorBuilder};

use crate::secrets::TOKEN;

/// Shorter than Okta's 3 s so that timeout tests stay fast, long enough for a loaded machine.
pub const HOOK_TIMEOUT: Duration = Duration::from_secs(1);

/// An emulator that requires [`TOKEN`] and accepts `http://` loopback hooks (test endpoints).
pub fn builder() -> EmulatorBuilder {
    Emulator::builder()
        .token(TOKEN)
        .allow_http_loopback(true)
        .hook_timeout(HOOK_TIMEOUT)
}

/// [`builder`], started on a free loopback port.
pub async fn start() -> Emulator {
    builder().start("127.0.0.1:0").await.unwrap()
}

/// An SDK client without retries, so that every error surfaces at once.
pub fn client(emu: &Emulator) -> Client {
    Client::builder()
        .org_url(emu.url())
        .api_token(TOKEN)
        .max_retries(0)
        .build()
        .unwrap()
}

/// The `Authorization` value of a raw request to the emulator.
pub fn ssws() -> String {
    format!("SSWS {TOKEN}")
}

/// Creates a hook and verifies it through the SDK; returns its id.
pub async fn verified_hook(client: &Client, hook: &EventHook) -> String {
    let created = client.create_event_hook(hook).await.unwrap();
    let id = created.id.unwrap();
    client.verify_event_hook(&id).await.unwrap();
    id
}

/// An emulator with Okta's own 3 s timeout (a sink may take up to its 2 s deadline) and a
/// verified hook named `name` calling `url` for `types` ([`crate::fixtures::new_hook`]); both, and the
/// hook's id.
pub async fn okta_calling(url: &str, name: &str, types: &[&str]) -> (Emulator, String) {
    let emu = builder()
        .hook_timeout(okta_eventhooks::hook_call::OKTA_TIMEOUT)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let hook = crate::fixtures::new_hook(name, url, types);
    let id = verified_hook(&client(&emu), &hook).await;
    (emu, id)
}

/// The events of `event_type` the emulator has fired, oldest first, exactly as its System Log
/// serves them (and as its hooks received them). At most 1,000 (one page).
pub async fn fired_events(emu: &Emulator, event_type: &str) -> Vec<serde_json::Value> {
    let filter = format!("eventType eq \"{event_type}\"");
    let url = reqwest::Url::parse_with_params(
        &format!("{}/api/v1/logs", emu.url()),
        [("filter", filter.as_str()), ("limit", "1000")],
    )
    .unwrap();
    let response = crate::http::client()
        .get(url)
        .header("Authorization", ssws())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "GET /api/v1/logs");
    response.json().await.unwrap()
}
