//! `okta-eventhooks listen` end to end: the built binary, real HTTP, stdout/stderr and exit code.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

const SECRET: &str = "listen-secret-do-not-leak";

/// The `okta-eventhooks` binary next to this test binary (`cargo test --workspace` builds it,
/// because the CLI package has integration tests).
pub fn cli_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let bin = dir.join(format!("okta-eventhooks{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p okta-eventhooks-cli` first (`cargo test --workspace` builds it)",
        bin.display()
    );
    bin
}

/// A running `listen` and the URL it printed.
struct Listener {
    child: Child,
    url: String,
    /// stderr lines read before the address line.
    before: Vec<String>,
    stderr: mpsc::Receiver<String>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn listen(args: &[&str]) -> Listener {
    let mut child = Command::new(cli_binary())
        .arg("listen")
        .args(["--port", "0", "--path", "/okta/hook"])
        .args(args)
        .env("LISTEN_TEST_SECRET", SECRET)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, stderr) = mpsc::channel();
    let pipe = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut before = Vec::new();
    let url = loop {
        let line = stderr
            .recv_timeout(Duration::from_secs(30))
            .expect("listen printed its address");
        if let Some(rest) = line.strip_prefix("listening on ") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
        before.push(line);
    };
    Listener {
        child,
        url,
        before,
        stderr,
    }
}

fn delivery(event_id: &str, types: &[&str]) -> String {
    let events: Vec<Value> = types
        .iter()
        .map(|t| {
            json!({
                "published": "2026-11-26T13:00:00.000Z",
                "eventType": t,
                "actor": {"displayName": "Ada Admin", "alternateId": "ada@acme.com"},
                "target": [{"type": "User", "alternateId": "bob@acme.com", "displayName": "Bob"}],
                "outcome": {"result": "SUCCESS"},
                "newField": 7
            })
        })
        .collect();
    json!({"eventType": "com.okta.event_hook", "eventId": event_id, "data": {"events": events}})
        .to_string()
}

async fn post(url: &str, auth: &str, body: String) -> u16 {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
        .post(url)
        .header("Authorization", auth)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn finish(mut listener: Listener) -> (i32, String, String) {
    let mut stdout = String::new();
    let mut pipe = listener.child.stdout.take().unwrap();
    std::io::Read::read_to_string(&mut pipe, &mut stdout).unwrap();
    let status = listener.child.wait().unwrap();
    let mut stderr = std::mem::take(&mut listener.before);
    // The reader thread ends when the process closes stderr.
    stderr.extend(listener.stderr.iter());
    (status.code().unwrap_or(-1), stdout, stderr.join("\n"))
}

#[tokio::test]
async fn listen_prints_one_line_per_event_and_stops_after_count() {
    let l = listen(&[
        "--auth-key",
        "Authorization",
        "--auth-value-env",
        "LISTEN_TEST_SECRET",
        "--count",
        "3",
    ]);
    // Verification challenge.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let challenge = reqwest::Client::new()
        .get(&l.url)
        .header("X-Okta-Verification-Challenge", "ch-1")
        .header("Authorization", SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(challenge.status(), 200);
    assert_eq!(
        challenge.json::<Value>().await.unwrap(),
        json!({"verification": "ch-1"})
    );
    assert_eq!(post(&l.url, "wrong", delivery("e1", &["a.b"])).await, 401);
    let two = delivery("e2", &["user.lifecycle.create", "user.session.start"]);
    assert_eq!(post(&l.url, SECRET, two.clone()).await, 200);
    assert_eq!(
        post(&l.url, SECRET, two).await,
        200,
        "duplicate acknowledged"
    );
    assert_eq!(
        post(&l.url, SECRET, delivery("e3", &["user.account.lock"])).await,
        200
    );
    let (code, stdout, stderr) = finish(l);
    assert_eq!(code, 0, "stderr: {stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "2026-11-26T13:00:00.000Z  user.lifecycle.create  actor: Ada Admin <ada@acme.com>  targets: User Bob <bob@acme.com>  outcome: SUCCESS",
            "2026-11-26T13:00:00.000Z  user.session.start  actor: Ada Admin <ada@acme.com>  targets: User Bob <bob@acme.com>  outcome: SUCCESS",
            "2026-11-26T13:00:00.000Z  user.account.lock  actor: Ada Admin <ada@acme.com>  targets: User Bob <bob@acme.com>  outcome: SUCCESS",
        ]
    );
    assert!(
        stderr.contains(
            "received 3 event(s) in 2 delivery(ies); 1 duplicate(s) dropped, 1 unauthorized"
        ),
        "{stderr}"
    );
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
}

#[tokio::test]
async fn listen_json_lines_keep_unknown_fields() {
    let l = listen(&["-o", "json", "--count", "2"]);
    assert_eq!(
        post(&l.url, "anything", delivery("j1", &["x.one", "x.two"])).await,
        200
    );
    let (code, stdout, stderr) = finish(l);
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(stderr.contains("no --auth-key"), "{stderr}");
    let events: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["eventType"], "x.one");
    assert_eq!(events[1]["newField"], 7);
    assert_eq!(events[1]["target"][0]["alternateId"], "bob@acme.com");
}

#[test]
fn listen_refuses_bad_input_with_usage_exit_code() {
    let out = Command::new(cli_binary())
        .args(["listen", "--auth-key", "Authorization", "--auth-value-env"])
        .arg("OKTA_EVENTHOOKS_TEST_UNSET_VAR")
        .env_remove("OKTA_EVENTHOOKS_TEST_UNSET_VAR")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("OKTA_EVENTHOOKS_TEST_UNSET_VAR (--auth-value-env) is not set"),
        "{stderr}"
    );

    let out = Command::new(cli_binary())
        .args(["listen", "--port", "0", "--path", "no-slash"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must start with '/'"));

    let out = Command::new(cli_binary())
        .args(["listen", "--auth-key", "Authorization"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "clap: --auth-value-env required"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn listen_stops_cleanly_on_ctrl_c() {
    let l = listen(&[]);
    assert_eq!(post(&l.url, "x", delivery("c1", &["a.b"])).await, 200);
    let pid = l.child.id().to_string();
    let status = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(status.success());
    let (code, stdout, stderr) = finish(l);
    assert_eq!(code, 0, "stderr: {stderr}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stderr.contains("received 1 event(s) in 1 delivery(ies)"),
        "{stderr}"
    );
}
