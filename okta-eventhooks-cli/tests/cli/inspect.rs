//! `--inspect`: the delivery inspector of `listen`, `relay` and `emulator`, end to end with the
//! built binary. Its API over real HTTP (runs everywhere), and the page in a real headless
//! Chromium driven through chromedriver (needs the browser: see `okta_eventhooks_tests::browser`).
//! The browser tests write screenshots of the list and of a detail to `target/inspector/`,
//! which the README shows (copied to `docs/`).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use okta_eventhooks_tests::browser::{Client, Locator};
use okta_eventhooks_tests::fixtures::delivery;
use okta_eventhooks_tests::http::{self, post_delivery};
use okta_eventhooks_tests::nats::free_port;
use okta_eventhooks_tests::secrets::{HEADER_SECRET, HOOK_SECRET};
use serde_json::{Value, json};

use crate::support::{lines_of, std_bare};

/// A running command and the lines it printed on stderr.
struct Running {
    child: Child,
    stderr: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    fn spawn(args: &[&str]) -> Self {
        Self::spawn_in(args, None)
    }

    /// [`spawn`](Self::spawn) in the working directory `dir`.
    fn spawn_in(args: &[&str], dir: Option<&std::path::Path>) -> Self {
        let mut cmd = std_bare();
        if let Some(dir) = dir {
            cmd.current_dir(dir);
        }
        let mut child = cmd
            .args(args)
            .env("INSPECT_TEST_SECRET", HOOK_SECRET)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = lines_of(child.stderr.take().unwrap());
        Self {
            child,
            stderr,
            seen: Vec::new(),
        }
    }

    /// The first word after `prefix` in the first stderr line that starts with it.
    fn word_after(&mut self, prefix: &str) -> String {
        if let Some(line) = self.seen.iter().find(|l| l.starts_with(prefix)) {
            return line[prefix.len()..]
                .split_whitespace()
                .next()
                .unwrap()
                .to_owned();
        }
        loop {
            let line = self
                .stderr
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("no line starting {prefix:?}; saw {:?}", self.seen));
            self.seen.push(line.clone());
            if let Some(rest) = line.strip_prefix(prefix) {
                return rest.split_whitespace().next().unwrap().to_owned();
            }
        }
    }

    /// Stops it as Ctrl-C does; its exit code and everything it printed on stderr.
    fn interrupt(mut self) -> (i32, String) {
        let pid = self.child.id().to_string();
        let sent = std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = self.child.wait().unwrap();
        let mut lines = std::mem::take(&mut self.seen);
        lines.extend(self.stderr.iter());
        (status.code().unwrap_or(-1), lines.join("\n"))
    }
}

/// `listen` with the shared secret and the inspector on a free port: (process, the receiver's
/// URL, the inspector's URL).
fn listen() -> (Running, String, String) {
    let inspect = format!("127.0.0.1:{}", free_port());
    let mut listen = Running::spawn(&[
        "listen",
        "--port",
        "0",
        "--path",
        "/okta/hook",
        "--auth-key",
        "Authorization",
        "--auth-value-env",
        "INSPECT_TEST_SECRET",
        "--inspect",
        &inspect,
    ]);
    let page = listen.word_after("inspector on ");
    let url = listen.word_after("listening on ");
    assert_eq!(page, format!("http://{inspect}/"));
    (listen, url, page)
}

async fn get_json(url: &str) -> Value {
    let response = http::client().get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    response.json().await.unwrap()
}

async fn post_json(url: &str) -> (u16, Value) {
    let response = http::client()
        .post(url)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Without a browser: the API lists the verification call and the deliveries (newest first,
/// with their event types, counts and duplicate marks), the detail has each event and the
/// masked auth header, the replay goes through the receiver's own handling marked as
/// replayed, and nothing the inspector serves holds the secret.
#[tokio::test]
async fn listen_inspect_api_lists_masks_and_replays() {
    let (listen, url, page) = listen();
    let challenge = http::client()
        .get(&url)
        .header("X-Okta-Verification-Challenge", "ch-1")
        .header("Authorization", HOOK_SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(challenge.status(), 200);
    let types = ["user.lifecycle.create", "user.session.start"];
    let body = delivery("e-api-1", &types).to_string();
    let sent = post_delivery(&url, Some(HOOK_SECRET), body.clone()).await;
    assert_eq!(sent.status(), 200);
    let refused = post_delivery(&url, Some("wrong"), body).await;
    assert_eq!(refused.status(), 401);

    let list = get_json(&format!("{page}api/deliveries")).await;
    let rows = list["deliveries"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{list}");
    assert_eq!(rows[0]["status"], 401);
    assert_eq!(rows[1]["kind"], "delivery");
    assert_eq!(rows[1]["events"], 2);
    assert_eq!(rows[1]["types"], json!(types));
    assert_eq!(rows[1]["eventId"], "e-api-1");
    assert_eq!(rows[2]["kind"], "verification");
    assert_eq!(list["fill"]["maxRecords"], 1000);
    let id = rows[1]["id"].as_u64().unwrap();
    let detail = get_json(&format!("{page}api/deliveries/{id}")).await;
    assert_eq!(detail["eventList"][1]["eventType"], "user.session.start");
    let headers = detail["headers"].as_array().unwrap();
    assert!(
        headers.contains(&json!(["authorization", "[masked]"])),
        "{detail}"
    );
    // The filter: by event type, by text. The refused POST's body was never read (the auth
    // check comes first), so the inspector has none either.
    let some = get_json(&format!("{page}api/deliveries?type=SESSION")).await;
    assert_eq!(some["deliveries"].as_array().unwrap().len(), 1, "{some}");
    let by_text = get_json(&format!("{page}api/deliveries?q=BOB@ACME.COM")).await;
    assert_eq!(by_text["deliveries"][0]["eventId"], "e-api-1", "{by_text}");
    let none = get_json(&format!("{page}api/deliveries?q=nothing-like-this")).await;
    assert_eq!(none["deliveries"], json!([]));

    let (status, replayed) = post_json(&format!("{page}api/deliveries/{id}/replay")).await;
    assert_eq!(status, 200, "{replayed}");
    assert_eq!(replayed["result"], "replayed: the receiver answered 200");
    let list = get_json(&format!("{page}api/deliveries?after={}", list["latest"])).await;
    let replay = &list["deliveries"][0];
    assert_eq!(replay["replayed"], true, "{list}");
    // The same delivery again: the receiver's de-duplication dropped it, as it drops Okta's
    // own repeat, and the page marks it.
    assert_eq!(replay["duplicate"], true, "{list}");
    let replay_detail = get_json(&format!("{page}api/deliveries/{}", replay["id"])).await;
    assert!(
        replay_detail["headers"]
            .as_array()
            .unwrap()
            .contains(&json!(["x-okta-eventhooks-replayed", "true"])),
        "{replay_detail}"
    );

    // Nothing served holds the secret: the page, its script, the list, every detail.
    let mut served = String::new();
    for path in ["", "app.js", "api/deliveries"] {
        let text = http::client()
            .get(format!("{page}{path}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        served.push_str(&text);
    }
    for id in 1..=4 {
        served.push_str(
            &get_json(&format!("{page}api/deliveries/{id}"))
                .await
                .to_string(),
        );
    }
    assert!(served.contains("[masked]"));
    assert!(!served.contains(HOOK_SECRET), "the secret was served");

    // A POST that is not JSON (a form of another site) is refused; so is a foreign Host.
    let form = http::client()
        .post(format!("{page}api/deliveries/{id}/replay"))
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 403);
    let rebound = http::client()
        .get(format!("{page}api/deliveries"))
        .header("host", "attacker.example:4040")
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 403);

    let (code, stderr) = listen.interrupt();
    assert_eq!(code, 0, "{stderr}");
    // The receiver counted the replay: one duplicate dropped.
    assert!(
        stderr.contains(
            "received 2 event(s) in 1 delivery(ies); 1 duplicate(s) dropped, 1 unauthorized"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains(HOOK_SECRET));
}

/// `relay` (into its default SQLite file) records what it answered, and the replay goes
/// through the sink's de-duplication: stored once, then already stored.
#[tokio::test]
async fn relay_inspect_records_and_replays_through_the_sink() {
    let dir = okta_eventhooks_tests::scratch::tempdir("relay-inspect");
    let inspect = format!("127.0.0.1:{}", free_port());
    let mut relay = Running::spawn_in(
        &[
            "relay",
            "--port",
            "0",
            "--auth-key",
            "Authorization",
            "--auth-value-env",
            "INSPECT_TEST_SECRET",
            "--drain-delay",
            "0s",
            "--inspect",
            &inspect,
        ],
        Some(&dir),
    );
    let page = relay.word_after("inspector on ");
    let stdout = BufReader::new(relay.child.stdout.take().unwrap()).lines();
    let (first, rest) = tokio::task::spawn_blocking(move || {
        let mut lines = stdout;
        (lines.next().unwrap().unwrap(), lines)
    })
    .await
    .unwrap();
    let url = first
        .strip_prefix("relaying ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_owned();
    let body = delivery("e-relay-1", &["user.session.start"]).to_string();
    assert_eq!(
        post_delivery(&url, Some(HOOK_SECRET), body).await.status(),
        200
    );
    let list = get_json(&format!("{page}api/deliveries")).await;
    assert_eq!(list["deliveries"][0]["eventId"], "e-relay-1", "{list}");
    let (status, replayed) = post_json(&format!("{page}api/deliveries/1/replay")).await;
    assert_eq!(status, 200, "{replayed}");
    let list = get_json(&format!("{page}api/deliveries")).await;
    assert_eq!(list["deliveries"][0]["replayed"], true, "{list}");
    assert!(!list.to_string().contains(HOOK_SECRET));
    let (code, stderr) = relay.interrupt();
    assert_eq!(code, 0, "{stderr}");
    let stopped: Vec<String> = rest.map_while(Result::ok).collect();
    assert!(
        stopped
            .iter()
            .any(|l| l
                .starts_with("relayed 2 event(s) in 2 delivery(ies): 1 stored, 1 already stored")),
        "{stopped:?}"
    );
}

#[test]
fn inspect_takes_an_ip_and_port_or_nothing() {
    let out = std_bare()
        .args(["listen", "--inspect", "localhost"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is not an address of the form IP:PORT, e.g. 127.0.0.1:4040"),
        "{stderr}"
    );
}

/// Where the browser tests write their screenshots: `target/inspector/`.
fn screenshot_dir() -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("inspector");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Waits until an element matching `css` has a text containing `needle`; that text.
async fn wait_text(page: &Client, css: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = Vec::new();
    loop {
        last.clear();
        if let Ok(found) = page.find_all(Locator::Css(css)).await {
            for element in found {
                if let Ok(text) = element.text().await {
                    if text.contains(needle) {
                        return text;
                    }
                    last.push(text);
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "no {css} with {needle:?}; saw {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Clicks the first element matching `css`.
async fn click(page: &Client, css: &str) {
    page.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn screenshot(page: &Client, name: &str) {
    let png = page.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    std::fs::write(screenshot_dir().join(name), png).unwrap();
}

/// In a real browser, against a real `listen`: a delivery appears in the list without a
/// reload; its detail shows the events and the masked auth header; replay sends it again
/// and the receiver counts it, marked replayed.
#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(any(browser, ci)),
    ignore = "install chromium and chromium-driver, or set OKTA_EVENTHOOKS_CHROMIUM and OKTA_EVENTHOOKS_CHROMEDRIVER (see .ci/run)"
)]
async fn listen_inspector_in_a_real_browser() {
    let browser = okta_eventhooks_tests::browser::Browser::start();
    let (listen, url, page_url) = listen();
    let page = browser.session().await;
    page.goto(&page_url).await.unwrap();
    wait_text(&page, "#status", "live").await;
    // Marks this page load: a reload would lose it.
    page.execute("window.__loaded = 'once'; return null;", vec![])
        .await
        .unwrap();

    let challenge = http::client()
        .get(&url)
        .header("X-Okta-Verification-Challenge", "ch-browser")
        .header("Authorization", HOOK_SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(challenge.status(), 200);
    let types = ["user.lifecycle.create", "user.session.start"];
    for (event_id, types) in [("e-b-1", &types[..]), ("e-b-2", &["user.account.lock"][..])] {
        let body = delivery(event_id, types).to_string();
        let sent = post_delivery(&url, Some(HOOK_SECRET), body).await;
        assert_eq!(sent.status(), 200);
    }
    // Okta's retry of the first delivery: acknowledged, dropped by the receiver, marked.
    let again = post_delivery(
        &url,
        Some(HOOK_SECRET),
        delivery("e-b-1", &types).to_string(),
    )
    .await;
    assert_eq!(again.status(), 200);
    let repeat = wait_text(&page, "#list tbody tr", "duplicate, 2 seen before").await;
    assert!(repeat.starts_with('4'), "{repeat}");
    let row = wait_text(
        &page,
        "#list tbody tr",
        "user.lifecycle.create, user.session.start",
    )
    .await;
    assert!(row.contains("200"), "{row}");
    wait_text(&page, "#list tbody tr", "verification GET").await;
    wait_text(&page, "#list tbody tr", "user.account.lock").await;
    let loaded = page
        .execute("return window.__loaded || null;", vec![])
        .await
        .unwrap();
    assert_eq!(loaded, json!("once"), "the page was reloaded");
    screenshot(&page, "list.png").await;

    // The detail, by keyboard (j moves the selection down the list, newest first): #2.
    page.find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys("jjj")
        .await
        .unwrap();
    let detail = wait_text(&page, "#detail", "user.session.start").await;
    assert!(detail.contains("#2 delivery POST"), "{detail}");
    let headers = wait_text(&page, "#headers", "authorization").await;
    assert!(headers.contains("[masked]"), "{headers}");
    assert!(!headers.contains(HOOK_SECRET));
    let source = page.source().await.unwrap();
    assert!(!source.contains(HOOK_SECRET), "the secret is in the page");
    screenshot(&page, "detail.png").await;

    click(&page, "#replay").await;
    wait_text(&page, "#detail .replay-result", "the receiver answered 200").await;
    let replayed = wait_text(&page, "#list tbody tr", "replayed").await;
    assert!(replayed.contains("duplicate"), "{replayed}");
    page.close().await.unwrap();

    let (code, stderr) = listen.interrupt();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("received 3 event(s) in 2 delivery(ies); 2 duplicate(s) dropped"),
        "{stderr}"
    );
}

/// In a real browser, against the `emulator` command: its hooks with their status, the fire
/// form delivers events that then appear, with the hook's secrets masked, and replay sends a
/// delivery to the hook's URI again, marked as replayed.
#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(any(browser, ci)),
    ignore = "install chromium and chromium-driver, or set OKTA_EVENTHOOKS_CHROMIUM and OKTA_EVENTHOOKS_CHROMEDRIVER (see .ci/run)"
)]
async fn emulator_inspector_in_a_real_browser() {
    let browser = okta_eventhooks_tests::browser::Browser::start();
    let inspect = format!("127.0.0.1:{}", free_port());
    let mut emulator = Running::spawn(&[
        "emulator",
        "--port",
        "0",
        "--allow-http-loopback",
        "--inspect",
        &inspect,
    ]);
    let page_url = emulator.word_after("inspector on ");
    let mut stdout = BufReader::new(emulator.child.stdout.take().unwrap()).lines();
    let first = tokio::task::spawn_blocking(move || stdout.next().unwrap().unwrap())
        .await
        .unwrap();
    let org = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {first:?}"))
        .to_owned();
    let client = okta_eventhooks::Client::builder()
        .org_url(&org)
        .api_token(okta_eventhooks_emulator::DEFAULT_TOKEN)
        .max_retries(0)
        .build()
        .unwrap();
    let endpoint = okta_eventhooks_tests::endpoint::endpoint().await;
    let hook = okta_eventhooks_tests::fixtures::new_hook(
        "inspected",
        &endpoint.uri(),
        &["user.lifecycle.create"],
    );
    let id = okta_eventhooks_tests::emulator::verified_hook(&client, &hook).await;

    let page = browser.session().await;
    page.goto(&page_url).await.unwrap();
    wait_text(&page, "#status", "live").await;
    let hooks = wait_text(&page, "#hooks tbody", &id).await;
    assert!(
        hooks.contains("VERIFIED") && hooks.contains("ACTIVE"),
        "{hooks}"
    );
    wait_text(&page, "#list tbody tr", "verification GET").await;

    let kind = page.find(Locator::Css("#fire-type")).await.unwrap();
    kind.clear().await.unwrap();
    kind.send_keys("user.lifecycle.create").await.unwrap();
    let count = page.find(Locator::Css("#fire-count")).await.unwrap();
    count.clear().await.unwrap();
    count.send_keys("2").await.unwrap();
    click(&page, "#fire button").await;
    wait_text(&page, "#fire-result", "fired 2, delivered 2").await;
    let row = wait_text(&page, "#list tbody tr", "user.lifecycle.create").await;
    assert!(row.contains("inspected") && row.contains("200"), "{row}");

    click(&page, "#list tbody tr").await;
    let headers = wait_text(&page, "#headers", "authorization").await;
    assert!(headers.contains("[masked]"), "{headers}");
    wait_text(&page, "#detail", "2: user.lifecycle.create").await;
    let source = page.source().await.unwrap();
    for secret in [HOOK_SECRET, HEADER_SECRET] {
        assert!(!source.contains(secret), "a secret is in the page");
    }
    screenshot(&page, "emulator.png").await;

    click(&page, "#replay").await;
    wait_text(&page, "#detail .replay-result", "the hook answered 200").await;
    wait_text(&page, "#list tbody tr", "replayed").await;
    page.close().await.unwrap();
    let posts = okta_eventhooks_tests::endpoint::received(&endpoint, "POST").await;
    assert_eq!(posts.len(), 2, "one fire, one replay");
    assert_eq!(posts[0].body, posts[1].body);
    assert_eq!(posts[1].headers["x-okta-eventhooks-replayed"], "true");
    assert_eq!(posts[1].headers["authorization"], HOOK_SECRET);
    assert!(!posts[0].headers.contains_key("x-okta-eventhooks-replayed"));
    drop(emulator);
}
