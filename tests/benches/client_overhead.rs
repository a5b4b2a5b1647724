//! What the SDK costs on top of a raw reqwest loop, measured in one process against the same
//! local keep-alive HTTP server, and reported as a ratio (never asserted: machines are noisy).
//!
//! Run: `cargo bench -p okta-eventhooks-tests --bench client_overhead`
//! (`-- <requests>` to change the count, default 5000; `-- 2000 raw` or `-- 2000 sdk` runs one
//! side only, for `valgrind --tool=callgrind` instruction counts).

use std::time::{Duration, Instant};

use okta_eventhooks::EventHook;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Connections the server accepted: both clients should reuse one connection.
static CONNECTIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

const HOOK: &str = okta_eventhooks_tests::fixtures::ACTIVE;
const TOKEN: &str = "bench-token";

/// A tiny HTTP/1.1 server that answers every request with the same hook, keeping connections
/// open, so that both clients measure client-side cost, not server cost.
async fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nx-okta-request-id: bench\r\nx-rate-limit-limit: 1000\r\nx-rate-limit-remaining: 999\r\nx-rate-limit-reset: 1795000000\r\n\r\n{HOOK}",
        HOOK.len()
    );
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            CONNECTIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let response = response.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let mut pending = Vec::new();
                loop {
                    let n = match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    pending.extend_from_slice(&buf[..n]);
                    // Requests here carry no body: one response per header block.
                    while let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                        pending.drain(..end + 4);
                        if socket.write_all(response.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    url
}

async fn raw_reqwest(url: &str, n: usize) -> Duration {
    let client = reqwest::Client::new();
    let target = format!("{url}/api/v1/eventHooks/whokwr4rnwl1qMMuk1d7");
    let auth = format!("SSWS {TOKEN}");
    let start = Instant::now();
    for _ in 0..n {
        let body = client
            .get(&target)
            .header("authorization", &auth)
            .header("accept", "application/json")
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let hook: EventHook = serde_json::from_slice(&body).unwrap();
        std::hint::black_box(hook);
    }
    start.elapsed()
}

async fn sdk(url: &str, n: usize) -> Duration {
    let client = okta_eventhooks::Client::builder()
        .org_url(url)
        .api_token(TOKEN)
        .build()
        .unwrap();
    let start = Instant::now();
    for _ in 0..n {
        let hook = client.get_event_hook("whokwr4rnwl1qMMuk1d7").await.unwrap();
        std::hint::black_box(hook);
    }
    start.elapsed()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    okta_eventhooks::install_crypto_provider();
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let n: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(5000);
    let url = serve().await;
    // `raw` or `sdk` alone: one side only, for instruction counts under
    // `valgrind --tool=callgrind`, which are repeatable where wall-clock time is not.
    if let Some(side) = args.iter().find(|a| *a == "raw" || *a == "sdk") {
        let elapsed = if side == "raw" {
            raw_reqwest(&url, n).await
        } else {
            sdk(&url, n).await
        };
        println!(
            "{side} x{n}: {:.1} us/call",
            elapsed.as_secs_f64() * 1e6 / n as f64
        );
        return;
    }
    // Warm up both paths (connection set-up, allocator), then alternate to spread noise.
    raw_reqwest(&url, 200).await;
    sdk(&url, 200).await;
    let (mut raw, mut ours) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..3 {
        raw += raw_reqwest(&url, n).await;
        ours += sdk(&url, n).await;
    }
    let per = |d: Duration| d.as_secs_f64() * 1e6 / (3 * n) as f64;
    println!(
        "GET hook x{}: raw reqwest {:.1} us/call, okta-eventhooks {:.1} us/call",
        3 * n,
        per(raw),
        per(ours)
    );
    println!(
        "connections accepted: {}",
        CONNECTIONS.load(std::sync::atomic::Ordering::Relaxed)
    );
    println!(
        "ratio sdk/raw = {:.2}",
        ours.as_secs_f64() / raw.as_secs_f64()
    );
}
