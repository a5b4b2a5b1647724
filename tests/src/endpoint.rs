//! A hook endpoint (wiremock) that behaves like a receiver: it answers Okta's verification
//! challenge and acknowledges deliveries, and tells the test what it received.

use serde_json::{Value, json};
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Answers the verification GET with `{"verification": <challenge>}`, as a receiver must.
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

/// A hook endpoint that verifies and acknowledges only calls whose `Authorization` header is
/// one of `secrets`, and answers 401 to anything else, as a receiver checking the shared
/// secret does.
pub async fn endpoint_requiring(secrets: &[&str]) -> MockServer {
    let server = MockServer::start().await;
    mount_requiring(&server, secrets).await;
    server
}

/// Mounts what [`endpoint_requiring`] answers on an existing server (e.g. one started late
/// on a port chosen before, see [`free_port`]).
pub async fn mount_requiring(server: &MockServer, secrets: &[&str]) {
    for secret in secrets {
        Mock::given(method("GET"))
            .and(header("authorization", *secret))
            .respond_with(Echo)
            .mount(server)
            .await;
        Mock::given(method("POST"))
            .and(header("authorization", *secret))
            .respond_with(ResponseTemplate::new(200))
            .mount(server)
            .await;
    }
    // Lower priority than the mocks above: only what they do not match.
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(401))
        .with_priority(10)
        .mount(server)
        .await;
}

/// A loopback port nothing listens on now (bound, then released), for a receiver that comes
/// up later: until then, connections to it are refused.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A wiremock server on `port` (see [`free_port`]).
pub async fn server_on(port: u16) -> MockServer {
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    MockServer::builder().listener(listener).start().await
}

/// A receiver that answers the verification GET with a challenge other than Okta's (200, in
/// the right shape), as one that echoes a stale or fixed value does.
pub async fn endpoint_wrong_challenge() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "verification": "not-the-challenge" })),
        )
        .mount(&server)
        .await;
    server
}

/// A receiver that answers 401 to every call, whatever its headers (a secret set on one side
/// only).
pub async fn endpoint_refusing() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    server
}

/// A receiver that answers the verification (with `secret` in `Authorization`) but fails
/// every delivery with 500, so that Okta gives up after its retry and logs
/// `event_hook.delivery` failures.
pub async fn endpoint_failing_deliveries(secret: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("authorization", secret))
        .respond_with(Echo)
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .with_priority(10)
        .mount(&server)
        .await;
    server
}
