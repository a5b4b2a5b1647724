//! What the SDK costs on top of a raw reqwest loop, measured in one process against the same
//! local keep-alive HTTP server, and reported as ratios (never asserted: machines are noisy).
//!
//! The server runs on its own thread with its own runtime; both clients run on the main
//! thread's single-threaded runtime (reqwest's connection tasks included), so the main
//! thread's CPU time is exactly the client's cost, whatever else the machine is doing. Each
//! round runs the raw loop and then the SDK, sequentially and with 16 concurrent callers; the
//! report gives the median over rounds of client CPU per call and the SDK/raw ratio.
//!
//! Run: `cargo bench -p okta-eventhooks-tests --bench client_overhead`
//! (`-- <requests>` per leg and round, default 4000; `-- rounds=N`, default 7;
//! `-- 2000 raw` or `-- 2000 sdk` runs one side only, for `valgrind --tool=callgrind`
//! instruction counts).

use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use okta_eventhooks::EventHook;

/// Connections the server accepted: each client should reuse its connections.
static CONNECTIONS: AtomicUsize = AtomicUsize::new(0);

const HOOK: &str = okta_eventhooks_tests::fixtures::ACTIVE;
const TOKEN: &str = "bench-token";
const HOOK_ID: &str = "whokwr4rnwl1qMMuk1d7";
const CONCURRENT: usize = 16;

/// A tiny HTTP/1.1 server on its own threads (one per connection, blocking I/O), answering
/// every request with the same hook and keeping connections open, so that it adds nothing to
/// the client thread's CPU time.
fn serve() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nx-okta-request-id: bench\r\nx-rate-limit-limit: 1000\r\nx-rate-limit-remaining: 999\r\nx-rate-limit-reset: 1795000000\r\n\r\n{HOOK}",
        HOOK.len()
    );
    std::thread::spawn(move || {
        for socket in listener.incoming() {
            let Ok(mut socket) = socket else { continue };
            CONNECTIONS.fetch_add(1, Ordering::Relaxed);
            let response = response.clone();
            let _ = socket.set_nodelay(true);
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 16 * 1024];
                let mut pending = Vec::new();
                loop {
                    let n = match socket.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    pending.extend_from_slice(&buf[..n]);
                    // Requests here carry no body: one response per header block.
                    while let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                        pending.drain(..end + 4);
                        if socket.write_all(response.as_bytes()).is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    url
}

/// CPU time of the calling thread, from the scheduler's own counter (no unsafe, no crate).
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map(Duration::from_nanos)
        .unwrap_or_default()
}

#[derive(Clone, Copy, Default)]
struct Spent {
    wall: Duration,
    cpu: Duration,
}

async fn measure<F: std::future::Future<Output = ()>>(work: F) -> Spent {
    let (wall, cpu) = (Instant::now(), thread_cpu());
    work.await;
    Spent {
        wall: wall.elapsed(),
        cpu: thread_cpu().saturating_sub(cpu),
    }
}

/// The floor: one reqwest client with a request timeout (as the SDK has), the URL of the hook
/// formatted per call (any client fetching hooks by id does that), the token header, and the
/// same typed decode.
#[derive(Clone)]
struct Raw {
    client: reqwest::Client,
    base: String,
    auth: String,
}

impl Raw {
    async fn calls(&self, n: usize) {
        for _ in 0..n {
            let body = self
                .client
                .get(format!("{}/api/v1/eventHooks/{HOOK_ID}", self.base))
                .header("authorization", &self.auth)
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
    }
}

async fn sdk_calls(client: &okta_eventhooks::Client, n: usize) {
    for _ in 0..n {
        let hook = client.get_event_hook(HOOK_ID).await.unwrap();
        std::hint::black_box(hook);
    }
}

/// `n` calls split over `CONCURRENT` tasks on this thread's runtime.
async fn concurrently<F, Fut>(n: usize, calls: F)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()> + 'static,
{
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..CONCURRENT {
        tasks.spawn_local(calls(n / CONCURRENT + usize::from(i < n % CONCURRENT)));
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    okta_eventhooks::install_crypto_provider();
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let n: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(4000);
    let rounds: usize = args
        .iter()
        .find_map(|a| a.strip_prefix("rounds=")?.parse().ok())
        .unwrap_or(7);
    let url = serve();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async move {
        let raw = Raw {
            client: reqwest::Client::builder()
                .timeout(okta_eventhooks::DEFAULT_REQUEST_TIMEOUT)
                .build()
                .unwrap(),
            base: url.clone(),
            auth: format!("SSWS {TOKEN}"),
        };
        let sdk = okta_eventhooks::Client::builder()
            .org_url(&url)
            .api_token(TOKEN)
            .build()
            .unwrap();

        // `raw` or `sdk` alone: one side only, sequential, for instruction counts under
        // `valgrind --tool=callgrind`, which are repeatable where time is not.
        if let Some(side) = args.iter().find(|a| *a == "raw" || *a == "sdk") {
            let spent = if side == "raw" {
                measure(raw.calls(n)).await
            } else {
                measure(sdk_calls(&sdk, n)).await
            };
            println!(
                "{side} x{n}: {:.2} us CPU/call",
                spent.cpu.as_secs_f64() * 1e6 / n as f64
            );
            return;
        }

        // Warm up both paths (connections, allocator, caches).
        raw.calls(500).await;
        sdk_calls(&sdk, 500).await;
        concurrently(500, |k| {
            let raw = raw.clone();
            async move { raw.calls(k).await }
        })
        .await;
        concurrently(500, |k| {
            let sdk = sdk.clone();
            async move { sdk_calls(&sdk, k).await }
        })
        .await;

        let per_call = |s: Spent| {
            (
                s.cpu.as_secs_f64() * 1e6 / n as f64,
                s.wall.as_secs_f64() * 1e6 / n as f64,
            )
        };
        // [mode][side] -> per-round (cpu, wall) µs per call
        let mut seen: [[Vec<(f64, f64)>; 2]; 2] = Default::default();
        for _ in 0..rounds {
            seen[0][0].push(per_call(measure(raw.calls(n)).await));
            seen[0][1].push(per_call(measure(sdk_calls(&sdk, n)).await));
            let raw_c = raw.clone();
            seen[1][0].push(per_call(
                measure(concurrently(n, move |k| {
                    let raw = raw_c.clone();
                    async move { raw.calls(k).await }
                }))
                .await,
            ));
            let sdk_c = sdk.clone();
            seen[1][1].push(per_call(
                measure(concurrently(n, move |k| {
                    let sdk = sdk_c.clone();
                    async move { sdk_calls(&sdk, k).await }
                }))
                .await,
            ));
        }

        println!(
            "GET /api/v1/eventHooks/{{id}} + decode into EventHook; {n} calls per leg, median of {rounds} rounds"
        );
        println!(
            "| callers | raw CPU us/call | SDK CPU us/call | CPU SDK/raw | raw wall us/call | SDK wall us/call | throughput SDK/raw |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|");
        for (mode, callers) in [(0, 1), (1, CONCURRENT)] {
            let cpu = |side: usize| median(seen[mode][side].iter().map(|v| v.0).collect());
            let wall = |side: usize| median(seen[mode][side].iter().map(|v| v.1).collect());
            // Per-round ratios, so that a noisy round compares like with like.
            let ratio = median(
                seen[mode][0]
                    .iter()
                    .zip(&seen[mode][1])
                    .map(|(r, s)| s.0 / r.0)
                    .collect(),
            );
            let throughput = median(
                seen[mode][0]
                    .iter()
                    .zip(&seen[mode][1])
                    .map(|(r, s)| r.1 / s.1)
                    .collect(),
            );
            println!(
                "| {callers} | {:.2} | {:.2} | {ratio:.3} | {:.2} | {:.2} | {throughput:.3} |",
                cpu(0),
                cpu(1),
                wall(0),
                wall(1)
            );
        }
        println!(
            "connections accepted: {}",
            CONNECTIONS.load(Ordering::Relaxed)
        );
    });
}
