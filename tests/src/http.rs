//! A plain HTTP client for wire-level checks of the receiver and the emulator.

/// One reqwest client per test binary: building one loads the platform's root certificates,
/// which is slow. reqwest is built without a bundled crypto provider, so this picks ring.
pub fn client() -> reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            let _ = rustls::crypto::ring::default_provider().install_default();
            reqwest::Client::new()
        })
        .clone()
}

/// Longer than any answer may take; a receiver that waits for user code fails the test here
/// instead of hanging it.
pub const HANG_GUARD: std::time::Duration = std::time::Duration::from_secs(20);

/// POSTs a JSON delivery the way Okta does, with the hook's auth header when given.
pub async fn post_delivery(
    url: &str,
    auth: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    let mut request = client()
        .post(url)
        .header("content-type", "application/json")
        .body(body);
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    tokio::time::timeout(HANG_GUARD, request.send())
        .await
        .expect("the server answered in time")
        .unwrap()
}
