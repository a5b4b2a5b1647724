//! Shared helpers: a client pointed at a mock server, fixtures, request inspection.

use okta_eventhooks::{Channel, Client, ClientBuilder, EventHook, Events};
use serde_json::Value;
use wiremock::MockServer;

pub const TOKEN: &str = "00aTestTokenValue-do-not-leak";
pub const HOOK_SECRET: &str = "hook-secret-do-not-leak";
pub const HEADER_SECRET: &str = "header-value-do-not-leak";

pub const ACTIVE: &str = include_str!("fixtures/hook-active.json");
pub const INACTIVE_FILTERED: &str = include_str!("fixtures/hook-inactive-filtered.json");

pub fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// A builder aimed at the mock server, with retry waits recorded instead of slept.
pub fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .org_url(server.uri())
        .api_token(TOKEN)
        .sleep_with(|_| async {})
}

pub fn client(server: &MockServer) -> Client {
    builder(server).build().unwrap()
}

/// A hook with every kind of secret and a filter.
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

/// The one request the server received.
pub async fn only_request(server: &MockServer) -> wiremock::Request {
    let mut requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests.len(),
        1,
        "expected exactly one request, got {}",
        requests.len()
    );
    requests.remove(0)
}

pub fn header<'a>(request: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).map(|v| v.to_str().unwrap())
}
