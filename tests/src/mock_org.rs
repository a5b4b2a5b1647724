//! The SDK aimed at a wiremock server standing in for an Okta org, and what it received.

use okta_eventhooks::{Client, ClientBuilder};
use wiremock::MockServer;

use crate::secrets::TOKEN;

/// A builder aimed at the mock server, with retry waits recorded instead of slept.
pub fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .org_url(server.uri())
        .api_token(TOKEN)
        .sleep_with(|_| async {})
}

/// [`builder`], built.
pub fn client(server: &MockServer) -> Client {
    builder(server).build().unwrap()
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

/// A request header as text.
pub fn header<'a>(request: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).map(|v| v.to_str().unwrap())
}
