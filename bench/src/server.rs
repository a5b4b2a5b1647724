//! The local Okta stand-in: answers `GET /api/v1/eventHooks/{id}` with one fixed hook over
//! HTTP/1.1 keep-alive, and counts what it served so the script can check that every SDK really
//! sent each call (with the SSWS token) instead of answering from a cache.
//!
//! It is deliberately tiny (one response built once, no routing framework) so that server time
//! is small and identical for every client being compared.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::BoxError;

/// The token every client is configured with; other `Authorization` values get a 401.
pub const DEFAULT_TOKEN: &str = "bench-token";
/// The id in the default fixture.
pub const FIXTURE_HOOK_ID: &str = "whokwr4rnwl1qMMuk1d7";
/// The same hook the workspace tests and `client_overhead` bench use.
const FIXTURE: &str = include_str!("../../tests/src/fixtures/hook-active.json");
/// Path of the counters, outside the Okta API so it never collides with a real route.
const STATS_PATH: &str = "/__bench/stats";
const HOOKS_PREFIX: &str = "/api/v1/eventHooks/";
/// Requests larger than this are refused: every client here sends a few hundred bytes.
const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// Options of `sdk-bench serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// JSON body to serve instead of the built-in fixture (its `id` is the id served).
    #[arg(long)]
    hook: Option<PathBuf>,
    /// SSWS API token the clients must send.
    #[arg(long, default_value = DEFAULT_TOKEN)]
    token: String,
    /// Stop by itself after this many seconds, so a forgotten server never lingers.
    #[arg(long, default_value_t = 1800)]
    max_seconds: u64,
}

/// What the server saw; read with `GET /__bench/stats`.
#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    hooks_served: AtomicU64,
    unauthorized: AtomicU64,
    not_found: AtomicU64,
    /// Hooks served to `Authorization: SSWS<token>` (no space), which Okta's Python SDK 3.4.x
    /// sends; accepted so that SDK can be measured as shipped, and counted so the report says so.
    auth_without_space: AtomicU64,
}

impl Counters {
    fn to_json(&self) -> String {
        serde_json::json!({
            "connections": self.connections.load(Ordering::Relaxed),
            "hooks_served": self.hooks_served.load(Ordering::Relaxed),
            "unauthorized": self.unauthorized.load(Ordering::Relaxed),
            "not_found": self.not_found.load(Ordering::Relaxed),
            "auth_without_space": self.auth_without_space.load(Ordering::Relaxed),
        })
        .to_string()
    }
}

/// Everything a connection needs, built once.
struct Site {
    hook_id: String,
    token: Vec<u8>,
    ok_response: Vec<u8>,
    unauthorized_response: Vec<u8>,
    not_found_response: Vec<u8>,
    counters: Counters,
}

/// Binds 127.0.0.1 on a free port, prints the base URL, and serves until killed or `max_seconds`.
pub async fn run(args: ServeArgs) -> Result<(), BoxError> {
    let body = match &args.hook {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read hook file {}: {e}", path.display()))?,
        None => FIXTURE.to_owned(),
    };
    let site = Arc::new(Site::new(body, &args.token)?);
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    // The script reads this first line to learn the port.
    println!("http://{}", listener.local_addr()?);
    tokio::select! {
        result = accept_loop(listener, site) => result,
        _ = tokio::time::sleep(Duration::from_secs(args.max_seconds)) => {
            eprintln!("sdk-bench serve: stopping after {} s", args.max_seconds);
            Ok(())
        }
    }
}

impl Site {
    fn new(body: String, token: &str) -> Result<Self, BoxError> {
        let parsed: serde_json::Value =
            serde_json::from_str(&body).map_err(|e| format!("hook body is not JSON: {e}"))?;
        let hook_id = parsed
            .get("id")
            .and_then(|id| id.as_str())
            .ok_or("hook body has no string \"id\"")?
            .to_owned();
        Ok(Self {
            hook_id,
            token: token.as_bytes().to_vec(),
            ok_response: response("200 OK", &body),
            unauthorized_response: response(
                "401 Unauthorized",
                r#"{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorLink":"E0000011","errorId":"bench","errorCauses":[]}"#,
            ),
            not_found_response: response(
                "404 Not Found",
                r#"{"errorCode":"E0000007","errorSummary":"Not found: Resource not found","errorLink":"E0000007","errorId":"bench","errorCauses":[]}"#,
            ),
            counters: Counters::default(),
        })
    }
}

async fn accept_loop(listener: TcpListener, site: Arc<Site>) -> Result<(), BoxError> {
    loop {
        let (socket, _) = listener.accept().await?;
        // Small responses on a request/response loop: do not wait for Nagle.
        socket.set_nodelay(true)?;
        site.counters.connections.fetch_add(1, Ordering::Relaxed);
        let site = Arc::clone(&site);
        tokio::spawn(async move {
            if let Err(e) = serve_connection(socket, &site).await {
                eprintln!("sdk-bench serve: connection dropped: {e}");
            }
        });
    }
}

/// A complete HTTP/1.1 response with the headers Okta sends on every API answer.
fn response(status: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nx-okta-request-id: bench\r\nx-rate-limit-limit: 1000\r\nx-rate-limit-remaining: 999\r\nx-rate-limit-reset: 1795000000\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Answers requests on one keep-alive connection until the client closes it.
async fn serve_connection(mut socket: TcpStream, site: &Site) -> Result<(), BoxError> {
    let mut pending: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    loop {
        // Answer every complete request already buffered (clients may pipeline).
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut request = httparse::Request::new(&mut headers);
            let head_len = match request.parse(&pending)? {
                httparse::Status::Complete(len) => len,
                httparse::Status::Partial => break,
            };
            let body_len = content_length(request.headers)?;
            if pending.len() < head_len + body_len {
                break;
            }
            let close = request.version == Some(0)
                || request.headers.iter().any(|h| {
                    h.name.eq_ignore_ascii_case("connection")
                        && h.value.eq_ignore_ascii_case(b"close")
                });
            let answer = route(site, &request);
            pending.drain(..head_len + body_len);
            socket.write_all(&answer).await?;
            if close {
                return Ok(());
            }
        }
        if pending.len() > MAX_REQUEST_BYTES {
            return Err("request larger than 64 KiB".into());
        }
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        pending.extend_from_slice(&chunk[..n]);
    }
}

fn content_length(headers: &[httparse::Header<'_>]) -> Result<usize, BoxError> {
    match headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
    {
        None => Ok(0),
        Some(h) => Ok(std::str::from_utf8(h.value)?.trim().parse()?),
    }
}

/// Picks the response and counts it; stats replies are built fresh and not counted.
fn route<'s>(site: &'s Site, request: &httparse::Request<'_, '_>) -> std::borrow::Cow<'s, [u8]> {
    let path = request.path.unwrap_or("");
    // Query strings are ignored: no SDK should add one to a get-by-id.
    let path = path.split('?').next().unwrap_or(path);
    if path == STATS_PATH {
        return response("200 OK", &site.counters.to_json()).into();
    }
    let Some(id) = path.strip_prefix(HOOKS_PREFIX) else {
        site.counters.not_found.fetch_add(1, Ordering::Relaxed);
        return site.not_found_response.as_slice().into();
    };
    let authorization = request
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("authorization"))
        .map(|h| h.value);
    let Some(spaced) = authorization.and_then(|value| check_ssws(value, &site.token)) else {
        site.counters.unauthorized.fetch_add(1, Ordering::Relaxed);
        return site.unauthorized_response.as_slice().into();
    };
    if request.method != Some("GET") || id != site.hook_id {
        site.counters.not_found.fetch_add(1, Ordering::Relaxed);
        return site.not_found_response.as_slice().into();
    }
    site.counters.hooks_served.fetch_add(1, Ordering::Relaxed);
    if !spaced {
        site.counters
            .auth_without_space
            .fetch_add(1, Ordering::Relaxed);
    }
    site.ok_response.as_slice().into()
}

/// `Some(true)` for `SSWS <token>`, `Some(false)` for `SSWS<token>`, `None` for anything else.
fn check_ssws(value: &[u8], token: &[u8]) -> Option<bool> {
    let rest = value.strip_prefix(b"SSWS")?;
    match rest.strip_prefix(b" ") {
        Some(after_space) => (after_space == token).then_some(true),
        None => (rest == token).then_some(false),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    use super::*;

    async fn start() -> (String, Arc<Site>) {
        let site = Arc::new(Site::new(FIXTURE.to_owned(), DEFAULT_TOKEN).unwrap());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        tokio::spawn(accept_loop(listener, Arc::clone(&site)));
        (addr, site)
    }

    /// Sends raw bytes and reads `responses` complete responses (all carry content-length).
    async fn exchange(addr: &str, request: &[u8], responses: usize) -> Vec<String> {
        let mut socket = TcpStream::connect(addr).await.unwrap();
        socket.write_all(request).await.unwrap();
        let mut buf = Vec::new();
        let mut out = Vec::new();
        while out.len() < responses {
            let mut chunk = [0u8; 4096];
            let n = socket.read(&mut chunk).await.unwrap();
            assert!(n > 0, "server closed early after {} responses", out.len());
            buf.extend_from_slice(&chunk[..n]);
            while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8(buf[..end].to_vec()).unwrap();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length: "))
                    .unwrap()
                    .parse()
                    .unwrap();
                if buf.len() < end + 4 + len {
                    break;
                }
                out.push(String::from_utf8(buf[..end + 4 + len].to_vec()).unwrap());
                buf.drain(..end + 4 + len);
            }
        }
        out
    }

    fn stat(site: &Site, name: &str) -> u64 {
        let stats: serde_json::Value = serde_json::from_str(&site.counters.to_json()).unwrap();
        stats[name].as_u64().unwrap()
    }

    #[tokio::test]
    async fn serves_the_hook_to_the_token_and_counts_every_call() {
        let (addr, site) = start().await;
        let get = format!(
            "GET /api/v1/eventHooks/{FIXTURE_HOOK_ID} HTTP/1.1\r\nhost: x\r\nauthorization: SSWS {DEFAULT_TOKEN}\r\n\r\n"
        );
        // Two pipelined requests on one keep-alive connection, then the form without a space.
        let nospace = get.replace("SSWS ", "SSWS");
        let replies = exchange(&addr, format!("{get}{get}{nospace}").as_bytes(), 3).await;
        for reply in &replies {
            assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"), "{reply}");
            assert!(reply.ends_with(FIXTURE), "{reply}");
        }
        assert_eq!(stat(&site, "hooks_served"), 3);
        assert_eq!(stat(&site, "auth_without_space"), 1);
        assert_eq!(stat(&site, "connections"), 1);
        assert_eq!(stat(&site, "unauthorized"), 0);
    }

    #[tokio::test]
    async fn refuses_wrong_tokens_ids_and_paths() {
        let (addr, site) = start().await;
        let requests = format!(
            "GET /api/v1/eventHooks/{FIXTURE_HOOK_ID} HTTP/1.1\r\nauthorization: SSWS nope\r\n\r\n\
             GET /api/v1/eventHooks/{FIXTURE_HOOK_ID} HTTP/1.1\r\n\r\n\
             GET /api/v1/eventHooks/other HTTP/1.1\r\nauthorization: SSWS {DEFAULT_TOKEN}\r\n\r\n\
             POST /api/v1/eventHooks/{FIXTURE_HOOK_ID} HTTP/1.1\r\nauthorization: SSWS {DEFAULT_TOKEN}\r\ncontent-length: 2\r\n\r\n{{}}\
             GET /api/v1/users HTTP/1.1\r\n\r\n\
             GET /__bench/stats HTTP/1.1\r\nconnection: close\r\n\r\n"
        );
        let replies = exchange(&addr, requests.as_bytes(), 6).await;
        assert!(replies[0].starts_with("HTTP/1.1 401 "), "{}", replies[0]);
        assert!(replies[0].contains("E0000011"));
        assert!(replies[1].starts_with("HTTP/1.1 401 "), "{}", replies[1]);
        for reply in &replies[2..5] {
            assert!(reply.starts_with("HTTP/1.1 404 "), "{reply}");
            assert!(reply.contains("E0000007"));
        }
        let stats = replies[5].split("\r\n\r\n").nth(1).unwrap();
        let stats: serde_json::Value = serde_json::from_str(stats).unwrap();
        assert_eq!(stats["unauthorized"], 2);
        assert_eq!(stats["not_found"], 3);
        assert_eq!(stats["hooks_served"], 0);
        assert_eq!(stat(&site, "connections"), 1);
    }

    #[test]
    fn ssws_header_forms() {
        assert_eq!(check_ssws(b"SSWS tok", b"tok"), Some(true));
        assert_eq!(check_ssws(b"SSWStok", b"tok"), Some(false));
        assert_eq!(check_ssws(b"SSWS other", b"tok"), None);
        assert_eq!(check_ssws(b"Bearer tok", b"tok"), None);
        assert_eq!(check_ssws(b"SSWS  tok", b"tok"), None);
    }
}
