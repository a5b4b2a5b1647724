//! `okta-eventhooks listen` end to end: the built binary, real HTTP, stdout/stderr and exit code.

use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use okta_eventhooks_tests::fixtures::delivery;
use okta_eventhooks_tests::http::{self, post_delivery};
use okta_eventhooks_tests::secrets::{HOOK_SECRET, assert_no_secret};
use serde_json::{Value, json};

use crate::support::{lines_of, std_bare};

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
    listen_with(args, &[])
}

/// [`listen`] with more environment variables.
fn listen_with(args: &[&str], env: &[(&str, &str)]) -> Listener {
    let mut child = std_bare()
        .arg("listen")
        .args(["--port", "0", "--path", "/okta/hook"])
        .args(args)
        .env("LISTEN_TEST_SECRET", HOOK_SECRET)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = lines_of(child.stderr.take().unwrap());
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

/// POSTs a delivery of one event per type; returns the status.
async fn post(url: &str, auth: &str, event_id: &str, types: &[&str]) -> u16 {
    let body = delivery(event_id, types).to_string();
    post_delivery(url, Some(auth), body).await.status().as_u16()
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
    let challenge = http::client()
        .get(&l.url)
        .header("X-Okta-Verification-Challenge", "ch-1")
        .header("Authorization", HOOK_SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(challenge.status(), 200);
    assert_eq!(
        challenge.json::<Value>().await.unwrap(),
        json!({"verification": "ch-1"})
    );
    assert_eq!(post(&l.url, "wrong", "e1", &["a.b"]).await, 401);
    let two = ["user.lifecycle.create", "user.session.start"];
    assert_eq!(post(&l.url, HOOK_SECRET, "e2", &two).await, 200);
    assert_eq!(
        post(&l.url, HOOK_SECRET, "e2", &two).await,
        200,
        "duplicate acknowledged"
    );
    assert_eq!(
        post(&l.url, HOOK_SECRET, "e3", &["user.account.lock"]).await,
        200
    );
    let (code, stdout, stderr) = finish(l);
    assert_eq!(code, 0, "stderr: {stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "2026-11-26T13:00:00.000Z  user.lifecycle.create  actor: Ada <admin@acme.com>  targets: User Bob <bob@acme.com>  outcome: SUCCESS",
            "2026-11-26T13:00:00.000Z  user.session.start  actor: Ada <admin@acme.com>  targets: User Bob <bob@acme.com>  outcome: SUCCESS",
            "2026-11-26T13:00:00.000Z  user.account.lock  actor: Ada <admin@acme.com>  targets: User Bob <bob@acme.com>  outcome: SUCCESS",
        ]
    );
    assert!(
        stderr.contains(
            "received 3 event(s) in 2 delivery(ies); 1 duplicate(s) dropped, 1 unauthorized"
        ),
        "{stderr}"
    );
    assert_no_secret("stdout", &stdout);
    assert_no_secret("stderr", &stderr);
}

#[tokio::test]
async fn listen_accepts_the_previous_secret_during_a_rotation() {
    const OLD_SECRET: &str = "old-hook-secret-being-rotated-5151";
    let l = listen_with(
        &[
            "--auth-key",
            "Authorization",
            "--auth-value-env",
            "LISTEN_TEST_SECRET",
            "--accept-previous-secret-env",
            "LISTEN_OLD_SECRET",
            "--count",
            "2",
        ],
        &[("LISTEN_OLD_SECRET", OLD_SECRET)],
    );
    assert_eq!(post(&l.url, "neither", "r0", &["a.refused"]).await, 401);
    assert_eq!(post(&l.url, OLD_SECRET, "r1", &["a.old"]).await, 200);
    assert_eq!(post(&l.url, HOOK_SECRET, "r2", &["a.new"]).await, 200);
    let (code, stdout, stderr) = finish(l);
    assert_eq!(code, 0, "stderr: {stderr}");
    let types: Vec<&str> = stdout
        .lines()
        .map(|line| line.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(types, ["a.old", "a.new"]);
    assert!(stderr.contains("1 unauthorized"), "{stderr}");
    for text in [&stdout, &stderr] {
        assert_no_secret("listen", text);
        assert!(!text.contains(OLD_SECRET), "{text}");
    }
}

#[tokio::test]
async fn listen_json_lines_keep_unknown_fields() {
    let l = listen(&["-o", "json", "--count", "2"]);
    assert_eq!(
        post(&l.url, "anything", "j1", &["x.one", "x.two"]).await,
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
    assert_eq!(events[1]["futureField"]["kept"], true);
    assert_eq!(events[1]["target"][0]["alternateId"], "bob@acme.com");
}

#[test]
fn listen_refuses_bad_input_with_usage_exit_code() {
    // `std_bare` clears the environment, so the variable is not set.
    let out = std_bare()
        .args(["listen", "--auth-key", "Authorization", "--auth-value-env"])
        .arg("OKTA_EVENTHOOKS_TEST_UNSET_VAR")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("OKTA_EVENTHOOKS_TEST_UNSET_VAR (--auth-value-env) is not set"),
        "{stderr}"
    );

    let out = std_bare()
        .args(["listen", "--port", "0", "--path", "no-slash"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must start with '/'"));

    let out = std_bare()
        .args(["listen", "--auth-key", "Authorization"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "clap: --auth-value-env required"
    );

    // A previous secret needs the header it goes in, and a variable that is set.
    let out = std_bare()
        .args(["listen", "--accept-previous-secret-env", "OLD"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "clap: --auth-key required");
    let out = std_bare()
        .args(["listen", "--auth-key", "Authorization", "--auth-value-env"])
        .args(["SET_SECRET", "--accept-previous-secret-env"])
        .arg("OKTA_EVENTHOOKS_TEST_UNSET_VAR")
        .env("SET_SECRET", HOOK_SECRET)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("OKTA_EVENTHOOKS_TEST_UNSET_VAR (--accept-previous-secret-env) is not set"),
        "{stderr}"
    );
}

/// A server command runs on as many worker threads as it is given (one per core by default),
/// not on the one thread of the other commands; a count that is not one is refused.
#[cfg(target_os = "linux")]
#[test]
fn listen_serves_on_the_worker_threads_it_is_given() {
    let threads = |listener: &Listener| {
        std::fs::read_dir(format!("/proc/{}/task", listener.child.id()))
            .unwrap()
            .count()
    };
    // Besides the workers, the main thread (the printer's may not have started yet).
    let three = listen(&["--worker-threads", "3"]);
    assert!(threads(&three) >= 4, "{} threads", threads(&three));
    drop(three);
    let four = listen_with(&[], &[("OKTA_EVENTHOOKS_WORKER_THREADS", "4")]);
    assert!(threads(&four) >= 5, "{} threads", threads(&four));
    drop(four);

    for bad in ["0", "many", "5000"] {
        let out = std_bare()
            .args(["listen", "--port", "0", "--worker-threads", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--worker-threads"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // tokio's own variable is never read: a bad value of it cannot end a server.
    let ok = listen_with(&[], &[("TOKIO_WORKER_THREADS", "not-a-number")]);
    assert!(threads(&ok) >= 2, "{} threads", threads(&ok));
}

#[cfg(unix)]
#[tokio::test]
async fn listen_stops_cleanly_on_ctrl_c() {
    let l = listen(&[]);
    assert_eq!(post(&l.url, "x", "c1", &["a.b"]).await, 200);
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

#[tokio::test]
async fn a_delivery_is_printed_whole_even_past_count() {
    let l = listen(&["--count", "2"]);
    let five = ["a.one", "a.two", "a.three", "a.four", "a.five"];
    assert_eq!(post(&l.url, "x", "whole", &five).await, 200);
    let (code, stdout, stderr) = finish(l);
    assert_eq!(code, 0, "stderr: {stderr}");
    let types: Vec<&str> = stdout
        .lines()
        .map(|line| line.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(types, five, "every acknowledged event is printed");
    assert!(
        stderr.contains("received 5 event(s) in 1 delivery(ies)"),
        "{stderr}"
    );
    assert!(!stderr.contains("not printed"), "{stderr}");
}

/// A reader that never reads stdout fills the pipe; the receiver must keep answering: the
/// verification GET at once, deliveries with 200 until the queue for the output is full, then
/// 503 (Okta retries), and every event acknowledged is printed once the reader catches up.
#[cfg(unix)]
#[tokio::test]
async fn a_stdout_nobody_reads_never_stops_the_answers() {
    let mut l = listen(&[]);
    let mut acknowledged = 0;
    let mut refused = false;
    // The pipe holds about 64 KiB of lines, the queue 1024 deliveries of 5 events.
    for i in 0..3000 {
        let types = ["b.one", "b.two", "b.three", "b.four", "b.five"];
        match post(&l.url, "x", &format!("slow-{i}"), &types).await {
            200 => acknowledged += types.len(),
            503 => {
                refused = true;
                break;
            }
            other => panic!("delivery {i}: HTTP {other}"),
        }
    }
    assert!(refused, "the queue for the output never filled");
    let challenge = http::client()
        .get(&l.url)
        .header("X-Okta-Verification-Challenge", "still-here")
        .send();
    let challenge = tokio::time::timeout(http::HANG_GUARD, challenge)
        .await
        .expect("the verification GET was answered")
        .unwrap();
    assert_eq!(challenge.status(), 200);
    // The reader catches up; Ctrl-C; every acknowledged event is there.
    let mut pipe = l.child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut stdout = String::new();
        std::io::Read::read_to_string(&mut pipe, &mut stdout).unwrap();
        stdout
    });
    let pid = l.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = l.child.wait().unwrap();
    let stdout = reader.join().unwrap();
    let stderr: Vec<String> = l.stderr.iter().collect();
    assert_eq!(status.code(), Some(0), "{stderr:?}");
    assert_eq!(stdout.lines().count(), acknowledged);
    assert!(
        stderr.iter().any(|l| l.contains("1 refused with 503")),
        "{stderr:?}"
    );
}
