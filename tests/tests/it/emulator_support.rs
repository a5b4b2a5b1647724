//! Shared helpers for the emulator tests: an emulator, an SDK client for it, raw HTTP, and
//! hook endpoints (wiremock) that answer the verification challenge.

use std::time::Duration;

use okta_eventhooks::{Channel, Client, EventHook, Events};
use okta_eventhooks_emulator::{Emulator, EmulatorBuilder};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const TOKEN: &str = "test-emulator-token";
/// Shorter than Okta's 3 s so that timeout tests stay fast, long enough for a loaded machine.
pub const HOOK_TIMEOUT: Duration = Duration::from_secs(1);

pub fn builder() -> EmulatorBuilder {
    Emulator::builder()
        .token(TOKEN)
        .allow_http_loopback(true)
        .hook_timeout(HOOK_TIMEOUT)
}

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

/// A plain reqwest client for wire-level checks (one per test binary: building one loads
/// the platform's root certificates, which is slow).
pub fn raw() -> reqwest::Client {
    static RAW: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    RAW.get_or_init(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::new()
    })
    .clone()
}

pub fn ssws() -> String {
    format!("SSWS {TOKEN}")
}

/// Answers the verification GET with `{"verification": <challenge>}`.
pub struct Echo;

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let challenge = request
            .headers
            .get("x-okta-verification-challenge")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        ResponseTemplate::new(200).set_body_json(json!({ "verification": challenge }))
    }
}

/// A hook endpoint that verifies and acknowledges every delivery with 200.
pub async fn endpoint() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(Echo)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

/// A hook with an auth secret and a custom header, subscribed to `types`.
pub fn hook(name: &str, uri: &str, types: &[&str]) -> EventHook {
    EventHook::builder(name)
        .channel(
            Channel::https(uri)
                .unwrap()
                .auth_header("Authorization", "hook-secret-value")
                .header("X-Custom", "custom-value"),
        )
        .events(Events::types(types.iter().copied()))
        .build()
        .unwrap()
}

/// Requests the endpoint received with this method.
pub async fn received(server: &MockServer, verb: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == verb)
        .collect()
}

/// The envelopes POSTed to an endpoint.
pub async fn envelopes(server: &MockServer) -> Vec<Value> {
    received(server, "POST")
        .await
        .iter()
        .map(|r| r.body_json::<Value>().unwrap())
        .collect()
}

/// Creates a hook and verifies it through the SDK; returns its id.
pub async fn verified_hook(client: &Client, hook: &EventHook) -> String {
    let created = client.create_event_hook(hook).await.unwrap();
    let id = created.id.unwrap();
    client.verify_event_hook(&id).await.unwrap();
    id
}
