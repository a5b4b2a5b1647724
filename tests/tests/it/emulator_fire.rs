//! `fire` under load and against hooks that never answer: memory stays at one batch, the
//! summary holds counts, not events, and the whole fire keeps its deadline.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use okta_eventhooks_emulator::{ControlClient, FireRequest, MAX_FIRE_TIMEOUT};
use okta_eventhooks_receiver::Receiver;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use okta_eventhooks_tests::emulator::*;
use okta_eventhooks_tests::endpoint::*;
use okta_eventhooks_tests::fixtures::new_hook;
use okta_eventhooks_tests::secrets::TOKEN;

#[tokio::test]
async fn the_summary_holds_counts_not_events() {
    let emu = start().await;
    let client = client(&emu);
    let target = endpoint().await;
    verified_hook(
        &client,
        &new_hook("target", &target.uri(), &["user.session.start"]),
    )
    .await;
    let summary = emu.fire("user.session.start", 2000).await.unwrap();
    assert_eq!((summary.fired, summary.delivered()), (2000, 2000));
    let json = serde_json::to_string(&summary).unwrap();
    assert!(json.len() < 1024, "{} bytes: {json:.300}", json.len());
    emu.shutdown().await;
}

/// A hook endpoint that verifies, then never answers a delivery in time.
async fn silent_endpoint() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(Echo)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(120)))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_hook_that_never_answers_cannot_hold_fire_past_its_deadline() {
    let emu = start().await;
    let client = client(&emu);
    let silent = silent_endpoint().await;
    let answering = endpoint().await;
    for (name, server) in [("silent", &silent), ("answering", &answering)] {
        let hook = new_hook(name, &server.uri(), &["user.session.start"]);
        verified_hook(&client, &hook).await;
    }
    // 20 batches of 50; each would wait for the silent hook twice (timeout, retry).
    let request = FireRequest::new("user.session.start", 1000).timeout(Duration::from_millis(1500));
    let summary = ControlClient::new(emu.url(), TOKEN)
        .unwrap()
        .fire(&request)
        .await
        .unwrap();
    assert!(summary.deadline_exceeded, "{summary:?}");
    assert!(summary.fired < 1000, "{summary:?}");
    for hook in &summary.hooks {
        let accounted = hook.delivered + hook.filtered_out + hook.failed + hook.unfinished;
        assert_eq!(accounted, summary.fired, "{hook:?}");
    }
    let silent = summary
        .hooks
        .iter()
        .find(|h| h.hook_name == "silent")
        .unwrap();
    assert_eq!(silent.delivered, 0);
    assert!(silent.unfinished > 0, "{silent:?}");
    // Out-of-range deadlines are refused.
    let control = ControlClient::new(emu.url(), TOKEN).unwrap();
    for ms in [0, 600_001] {
        let mut request = FireRequest::new("user.session.start", 1);
        request.timeout_ms = Some(ms);
        let err = control.fire(&request).await.unwrap_err();
        assert!(err.to_string().contains("timeoutMs"), "{err}");
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn a_redirect_answer_to_verification_is_not_retried() {
    let emu = start().await;
    let client = client(&emu);
    let endpoint = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "https://example.com/"))
        .mount(&endpoint)
        .await;
    let id = client
        .create_event_hook(&new_hook("moved", &endpoint.uri(), &["user.account.lock"]))
        .await
        .unwrap()
        .id
        .unwrap();
    let err = client.verify_event_hook(&id).await.unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert_eq!(
        received(&endpoint, "GET").await.len(),
        1,
        "no retry after a 3xx"
    );
    let attempts = emu.deliveries();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].status, Some(302));
    emu.shutdown().await;
}

const CHILD_FIRE_ENV: &str = "OKTA_EVENTHOOKS_TEST_CHILD_FIRE";
/// Hooks the child fires at.
const HOOKS: usize = 10;

/// The peak resident memory of this process, in KiB, since the last [`reset_peak`].
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
}

/// Not a test on its own: the body of the child process that
/// `fire_memory_stays_at_one_batch` starts, so that no other test shares its memory.
#[test]
#[ignore = "run by fire_memory_stays_at_one_batch"]
fn child_fire_memory() {
    let Ok(count) = std::env::var(CHILD_FIRE_ENV) else {
        return;
    };
    let count: usize = count.parse().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let receiver = Receiver::builder()
            .build_with_handler(|_| async {})
            .unwrap();
        let running = receiver.serve("127.0.0.1:0").await.unwrap();
        let emu = start().await;
        let client = client(&emu);
        for i in 0..HOOKS {
            let hook = new_hook(
                &format!("hook {i}"),
                &running.url(),
                &["user.session.start"],
            );
            verified_hook(&client, &hook).await;
        }
        // Warm up (connections, the log's first records), then measure one big fire.
        emu.fire("user.session.start", 50).await.unwrap();
        let before = peak_kib();
        reset_peak();
        let request = FireRequest::new("user.session.start", count).timeout(MAX_FIRE_TIMEOUT);
        let summary = emu.fire_with(request).await.unwrap();
        assert_eq!(summary.delivered(), HOOKS * count);
        println!("PEAK_GROWTH_KIB {}", peak_kib().saturating_sub(before));
        emu.shutdown().await;
    });
}

#[cfg_attr(not(target_os = "linux"), ignore = "reads the peak memory from /proc")]
#[tokio::test]
async fn fire_memory_stays_at_one_batch() {
    let output = tokio::task::spawn_blocking(|| {
        Command::new(std::env::current_exe().unwrap())
            .args([
                "emulator_fire::child_fire_memory",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_FIRE_ENV, "2000")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(output.status.success(), "the child failed");
    let growth: u64 = BufReader::new(&output.stdout[..])
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            let (_, kib) = line.split_once("PEAK_GROWTH_KIB ")?;
            kib.trim().parse().ok()
        })
        .expect("the child reported its peak");
    // 2,000 events to 10 hooks. One batch with its 10 bodies is a few MiB, the delivery log
    // (400 records of 50 event ids) a few more. Every event at once, and a copy per hook, would
    // be hundreds of MiB.
    println!("peak memory grew by {growth} KiB");
    assert!(
        growth < 64 * 1024,
        "peak memory grew by {growth} KiB during the fire"
    );
}
