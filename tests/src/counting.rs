//! A proxy in front of an org (the emulator) that forwards every request and records its
//! method and path, so that a test can count the API calls a command makes. `Link` headers
//! are rewritten to the proxy, so that System Log pages keep coming through it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// A running proxy; stops when dropped.
pub struct CountingProxy {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<(String, String)>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for CountingProxy {
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
}

impl CountingProxy {
    /// Forwards to `upstream` (scheme, host and port).
    pub async fn start(upstream: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state = Upstream {
            base: upstream.trim_end_matches('/').to_owned(),
            own: format!("http://{addr}"),
            client: crate::http::client(),
            seen: Arc::clone(&seen),
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
            let mut response = Response::builder().status(status);
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
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}
