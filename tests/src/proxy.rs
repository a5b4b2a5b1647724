//! A proxy in front of a server, for tests that need to see or spoil the traffic between a
//! command and its server: it forwards every request and records its method and path (to count
//! the API calls a command makes), and can fail some deliveries on every attempt (a receiver
//! that is down for a while: Okta gives up on them after its retry and writes
//! `event_hook.delivery` failures, which `reconcile` must then find). `Link` headers are
//! rewritten to the proxy, so that System Log pages keep coming through it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// A running proxy; stops when dropped.
pub struct Proxy {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<(String, String)>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone)]
struct Upstream {
    base: String,
    own: String,
    client: reqwest::Client,
    seen: Arc<Mutex<Vec<(String, String)>>>,
    /// The share of deliveries (POSTs with an `eventId`) failed with 500, in percent.
    fail_percent: u32,
}

impl Proxy {
    /// Forwards everything to `upstream` (scheme, host and port).
    pub async fn start(upstream: &str) -> Self {
        Self::failing(upstream, 0).await
    }

    /// Forwards to `upstream`, failing with 500 the deliveries whose `eventId` falls in
    /// `percent` % of the id space ([`fails`]): the same ones on Okta's retry.
    pub async fn failing(upstream: &str, percent: u32) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state = Upstream {
            base: upstream.trim_end_matches('/').to_owned(),
            own: format!("http://{addr}"),
            client: crate::http::client(),
            seen: Arc::clone(&seen),
            fail_percent: percent,
        };
        let app = Router::new().fallback(forward).with_state(state);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, seen, task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request forwarded so far: (method, path without the query).
    pub fn requests(&self) -> Vec<(String, String)> {
        self.seen.lock().unwrap().clone()
    }
}

/// Whether a delivery with this `eventId` is one a proxy failing `percent` % fails.
pub fn fails(event_id: &str, percent: u32) -> bool {
    let hash = event_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    hash % 100 < u64::from(percent)
}

async fn forward(
    State(up): State<Upstream>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    up.seen
        .lock()
        .unwrap()
        .push((method.to_string(), uri.path().to_owned()));
    if up.fail_percent > 0 && method == Method::POST {
        let event_id = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["eventId"].as_str().map(str::to_owned));
        if event_id.is_some_and(|id| fails(&id, up.fail_percent)) {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    }
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = up.client.request(method, format!("{}{path}", up.base));
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            request = request.header(name, value);
        }
    }
    let Ok(answer) = request.body(body).send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let mut response = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        if name == "content-length" || name == "transfer-encoding" {
            continue;
        }
        if name == "link" {
            let text = value
                .to_str()
                .unwrap_or_default()
                .replace(&up.base, &up.own);
            response = response.header(name, text);
        } else {
            response = response.header(name, value);
        }
    }
    let bytes = answer.bytes().await.unwrap_or_default();
    response.body(Body::from(bytes)).unwrap()
}
