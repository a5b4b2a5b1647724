//! A proxy in front of a hook endpoint that fails some deliveries on every attempt, as a
//! receiver that is down for a while does: Okta gives up on them after its retry and writes
//! `event_hook.delivery` failures, which `reconcile` must then find.

use std::net::SocketAddr;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// A running proxy; stops when dropped.
pub struct FlakyProxy {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FlakyProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone)]
struct Upstream {
    base: String,
    client: reqwest::Client,
    percent: u32,
}

impl FlakyProxy {
    /// Forwards to `upstream` (scheme, host and port), failing with 500 the deliveries whose
    /// `eventId` falls in `percent` % of the id space: the same ones on Okta's retry.
    pub async fn start(upstream: &str, percent: u32) -> Self {
        let state = Upstream {
            base: upstream.trim_end_matches('/').to_owned(),
            client: crate::http::client(),
            percent,
        };
        let app = Router::new().fallback(forward).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Whether a delivery with this `eventId` is one the proxy fails.
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
    if method == Method::POST {
        let event_id = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["eventId"].as_str().map(str::to_owned));
        if event_id.is_some_and(|id| fails(&id, up.percent)) {
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
    match request.body(body).send().await {
        Ok(answer) => {
            let status = answer.status();
            let bytes = answer.bytes().await.unwrap_or_default();
            (status, Body::from(bytes)).into_response()
        }
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}
