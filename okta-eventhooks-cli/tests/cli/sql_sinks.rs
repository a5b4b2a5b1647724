//! `relay`, `consume` and the start-up checks with the SQL sinks, end to end: the built binary
//! on an SQLite file in a scratch directory and on a PostgreSQL server the test starts
//! (ignored with the reason when PostgreSQL's binaries are missing, failing under CI).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use okta_eventhooks_sql::{PgUrl, SqlSink, TableName};
use okta_eventhooks_tests::fixtures::delivery;
use okta_eventhooks_tests::http::post_delivery;
use okta_eventhooks_tests::nats::free_port;
use okta_eventhooks_tests::postgres::PgServer;
use okta_eventhooks_tests::scratch::tempdir;
use okta_eventhooks_tests::secrets::{HOOK_SECRET, assert_no_secret};

use crate::support::{bare, run, std_bare};

/// A password given on the command line in a test; never printed.
const PG_PASSWORD: &str = "pg-password-never-printed-7373";

/// A `relay` process and the URL it printed.
struct Relay {
    child: Child,
    url: String,
    lines: Vec<String>,
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_relay(dir: &std::path::Path, sink: Option<&str>) -> Relay {
    let mut cmd = std_bare();
    cmd.current_dir(dir)
        .args(["relay", "--port", "0", "--path", "/okta/events"])
        .args([
            "--auth-key",
            "Authorization",
            "--auth-value-env",
            "RELAY_SECRET",
        ])
        .env("RELAY_SECRET", HOOK_SECRET)
        .env_remove("NATS_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(sink) = sink {
        cmd.args(["--sink", sink]);
    }
    let mut child = cmd.spawn().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let first = stdout.lines().next().unwrap().unwrap();
    let url = first
        .strip_prefix("relaying ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_owned();
    Relay {
        child,
        url,
        lines: vec![first],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_defaults_to_sqlite_and_consume_prints_from_a_durable_cursor() {
    let dir = tempdir("cli-sqlite-default");
    let relay = start_relay(&dir, None);
    assert!(
        relay.lines[0].contains("into SQLite file okta-events.db, table okta_events"),
        "{}",
        relay.lines[0]
    );
    for i in 0..3 {
        let body = delivery(
            &format!("d{i}"),
            &["user.session.start", "user.lifecycle.create"],
        );
        let answer = post_delivery(&relay.url, Some(HOOK_SECRET), body.to_string()).await;
        assert_eq!(answer.status(), 200);
    }
    drop(relay);
    let sink = format!("sqlite:{}", dir.join("okta-events.db").display());
    let consume = |args: &[&str]| {
        let mut cmd = bare();
        cmd.args([
            "-o",
            "json",
            "consume",
            "--sink",
            &sink,
            "--durable",
            "audit",
        ])
        .args(args)
        .timeout(Duration::from_secs(30));
        cmd
    };
    let first = run(consume(&["--count", "4"])).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    let second = run(consume(&["--count", "2"])).await;
    assert_eq!(second.code, 0, "{}", second.stderr);
    let uuids = |out: &str| -> Vec<String> {
        out.lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["uuid"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    let (a, b) = (uuids(&first.stdout), uuids(&second.stdout));
    assert_eq!((a.len(), b.len()), (4, 2));
    let all: BTreeSet<_> = a.iter().chain(&b).collect();
    assert_eq!(all.len(), 6, "each event printed once across runs");
    let mut cmd = bare();
    cmd.args([
        "-o",
        "json",
        "consume",
        "--sink",
        &sink,
        "--durable",
        "creates",
    ])
    .args(["--count", "3", "--type", "user.lifecycle.create"])
    .timeout(Duration::from_secs(30));
    let creates = run(cmd).await;
    assert_eq!(creates.code, 0, "{}", creates.stderr);
    assert!(
        uuids(&creates.stdout)
            .iter()
            .all(|u| u.ends_with("user.lifecycle.create")),
        "{}",
        creates.stdout
    );
}

/// Posts one-event deliveries from four tasks until told to stop; the uuids answered 200.
async fn load(url: String, stop: Arc<AtomicBool>) -> BTreeSet<String> {
    let tasks: Vec<_> = (0..4)
        .map(|t| {
            let (url, stop) = (url.clone(), stop.clone());
            tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                let client = reqwest::Client::new();
                for i in 0.. {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let id = format!("k{t}-{i}");
                    let body = delivery(&id, &["user.session.start"]).to_string();
                    let sent = client
                        .post(&url)
                        .header("authorization", HOOK_SECRET)
                        .header("content-type", "application/json")
                        .body(body)
                        .timeout(Duration::from_secs(5))
                        .send()
                        .await;
                    match sent {
                        Ok(answer) if answer.status() == 200 => {
                            acknowledged.push(format!("uuid-{id}-user.session.start"));
                        }
                        Ok(_) => {}
                        // The relay was killed.
                        Err(_) => break,
                    }
                }
                acknowledged
            })
        })
        .collect();
    let mut all = BTreeSet::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all
}

/// `kill -9` of the relay under load: every event answered 200 is in the table.
async fn killed_under_load(dir: &std::path::Path, sink: &str) -> BTreeSet<String> {
    let mut relay = start_relay(dir, Some(sink));
    let stop = Arc::new(AtomicBool::new(false));
    let load = tokio::spawn(load(relay.url.clone(), stop.clone()));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let _ = relay.child.kill(); // SIGKILL
    let _ = relay.child.wait();
    stop.store(true, Ordering::SeqCst);
    let acknowledged = load.await.unwrap();
    assert!(
        acknowledged.len() > 20,
        "too little load: {}",
        acknowledged.len()
    );
    acknowledged
}

async fn stored_uuids(sink: &SqlSink) -> BTreeSet<String> {
    sink.read_after("check", &[], 10_000_000)
        .await
        .unwrap()
        .iter()
        .map(|r| r.event().unwrap().uuid.unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_relay_killed_under_load_keeps_every_acknowledged_event() {
    let dir = tempdir("cli-sqlite-kill");
    let path = dir.join("events.db");
    let acknowledged = killed_under_load(&dir, &format!("sqlite:{}", path.display())).await;
    let sink = SqlSink::sqlite(&path, TableName::default()).await.unwrap();
    let stored = stored_uuids(&sink).await;
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged but not stored: {lost:?}",
        lost.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(any(postgres_server, ci)),
    ignore = "install PostgreSQL's server binaries (apt-get install postgresql) or set OKTA_EVENTHOOKS_PG_BIN to their directory (see .ci/run)"
)]
async fn postgres_relay_killed_under_load_keeps_every_acknowledged_event() {
    let pg = PgServer::start();
    pg.create_db("kill");
    let dir = tempdir("cli-pg-kill");
    let acknowledged = killed_under_load(&dir, &pg.url("kill")).await;
    let sink = SqlSink::postgres(
        &PgUrl::parse(&pg.url("kill")).unwrap(),
        TableName::default(),
    )
    .await
    .unwrap();
    let stored = stored_uuids(&sink).await;
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged but not stored: {lost:?}",
        lost.len()
    );
}

#[tokio::test]
async fn an_unreachable_database_at_start_is_exit_3_without_its_password() {
    let port = free_port();
    let mut cmd = bare();
    cmd.args(["relay", "--insecure-no-auth", "--port", "0", "--sink"])
        .arg(format!(
            "postgres://okta:{PG_PASSWORD}@127.0.0.1:{port}/audit"
        ));
    let out = run(cmd).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("cannot open PostgreSQL postgres://")
            && out.stderr.contains(&format!("@127.0.0.1:{port}/audit: "))
            && out.stderr.contains("onnection refused"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("PGPASSWORD"),
        "the password is warned about: {}",
        out.stderr
    );
    assert_no_secret("stderr", &out.stderr);
    assert!(!out.stderr.contains(PG_PASSWORD) && !out.stdout.contains(PG_PASSWORD));

    let mut cmd = bare();
    cmd.args([
        "consume",
        "--durable",
        "x",
        "--sink",
        "sqlite:/nonexistent-dir/x/events.db",
    ]);
    let out = run(cmd).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("cannot open SQLite file /nonexistent-dir/x/events.db"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn a_table_of_another_shape_is_exit_3_naming_the_column() {
    let dir = tempdir("cli-shape");
    let path = dir.join("events.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE audit (seq INTEGER PRIMARY KEY, uuid TEXT, payload TEXT)")
        .unwrap();
    let mut cmd = bare();
    cmd.args([
        "relay",
        "--insecure-no-auth",
        "--port",
        "0",
        "--table",
        "audit",
        "--sink",
    ])
    .arg(format!("sqlite:{}", path.display()));
    let out = run(cmd).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("table audit") && out.stderr.contains("no column event_type"),
        "{}",
        out.stderr
    );
    let mut cmd = bare();
    cmd.args([
        "relay",
        "--insecure-no-auth",
        "--table",
        "drop table",
        "--sink",
        "sqlite:x.db",
    ]);
    let out = run(cmd).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--table"), "{}", out.stderr);
}

#[tokio::test]
async fn a_flag_of_the_other_kind_of_sink_is_a_usage_error_naming_it() {
    let dir = tempdir("cli-sink-flags");
    let sqlite = format!("sqlite:{}", dir.join("events.db").display());
    // Nothing listens on port 1: a test that reached NATS would fail otherwise.
    let nats = "nats://127.0.0.1:1";
    let cases: [(&[&str], &str); 7] = [
        (
            &[
                "relay",
                "--insecure-no-auth",
                "--port",
                "0",
                "--sink",
                &sqlite,
                "--replicas",
                "3",
            ],
            "--replicas",
        ),
        (
            &[
                "relay",
                "--insecure-no-auth",
                "--port",
                "0",
                "--sink",
                &sqlite,
                "--storage",
                "memory",
            ],
            "--storage",
        ),
        (
            &[
                "consume",
                "--durable",
                "d",
                "--sink",
                &sqlite,
                "--nats-user",
                "okta",
            ],
            "--nats-user",
        ),
        (
            &[
                "consume",
                "--durable",
                "d",
                "--sink",
                &sqlite,
                "--stream",
                "S",
            ],
            "--stream",
        ),
        (
            &["consume", "--durable", "d", "--nats", nats, "--table", "t"],
            "--table",
        ),
        (
            &[
                "consume",
                "--durable",
                "d",
                "--sink",
                "nats://127.0.0.1:1/S",
                "--nats",
                nats,
            ],
            "--nats",
        ),
        (
            &[
                "consume",
                "--durable",
                "d",
                "--nats",
                nats,
                "--type",
                "user.session.start",
            ],
            "--type",
        ),
    ];
    for (args, flag) in cases {
        let mut cmd = bare();
        cmd.args(args)
            .env_remove("NATS_URL")
            .timeout(Duration::from_secs(30));
        let out = run(cmd).await;
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains(&format!("{flag} ")),
            "{args:?} names {flag}: {}",
            out.stderr
        );
    }
    assert!(
        !dir.join("events.db").exists(),
        "refused before the database was opened"
    );
    // The same settings from the environment are another tool's, or a template's: an explicit
    // SQL sink ignores them.
    let mut cmd = bare();
    cmd.args([
        "consume",
        "--durable",
        "d",
        "--count",
        "0",
        "--sink",
        &sqlite,
    ])
    .env("NATS_URL", nats)
    .env("NATS_USER", "okta")
    .env("NATS_CREDS", dir.join("missing.creds"))
    .timeout(Duration::from_secs(30));
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
}
