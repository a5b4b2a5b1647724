//! Hostile input, round two (issue 20 items 5, 6 and 9): `consume --exec` acknowledges only
//! what the command did, settings that lose every delivery are refused at start, and bad
//! names, subjects and windows are usage errors before anything is asked.

use std::time::{Duration, Instant};

use okta_eventhooks::sink::{Incoming, Sink};
use okta_eventhooks_relay::async_nats::jetstream;
use okta_eventhooks_relay::{JetStreamStore, NatsServers, Storage, StreamSettings};
use okta_eventhooks_tests::nats::NatsServer;
use okta_eventhooks_tests::scratch::tempdir;
use wiremock::MockServer;

use crate::support::{Outcome, bare, cli, run};

/// `events` (uuids) stored in OKTA_EVENTS as the relay stores them.
async fn stored(nats: &NatsServer, uuids: &[&str]) {
    let servers = NatsServers::new([nats.url()]).unwrap();
    let settings = StreamSettings::new("OKTA_EVENTS").storage(Storage::Memory);
    let store = JetStreamStore::connect(&servers, &settings, None)
        .await
        .unwrap();
    let events: Vec<serde_json::Value> = uuids
        .iter()
        .map(|u| {
            serde_json::json!({"uuid": u, "eventType": "user.session.start",
                "published": "2026-12-01T00:00:00.000Z"})
        })
        .collect();
    let refs: Vec<&serde_json::Value> = events.iter().collect();
    let body = okta_eventhooks::events::delivery_body("https://acme.okta.com", "who1", "e1", &refs)
        .unwrap();
    store
        .store(Incoming::parse(body.into()).unwrap())
        .await
        .unwrap();
}

/// The durable consumer's events not yet acknowledged (pending, or delivered and waiting).
async fn unacknowledged(nats: &NatsServer, durable: &str) -> u64 {
    let client = okta_eventhooks_relay::async_nats::connect(nats.url())
        .await
        .unwrap();
    let js = jetstream::new(client);
    let stream = js.get_stream("OKTA_EVENTS").await.unwrap();
    let info = stream.consumer_info(durable).await.unwrap();
    info.num_pending + info.num_ack_pending as u64
}

fn consume(nats: &NatsServer, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = bare();
    cmd.arg("consume")
        .args(args)
        .env("NATS_URL", nats.url())
        .timeout(Duration::from_secs(40));
    cmd
}

/// Item 5: each event goes to the command on stdin; one whose command fails is not
/// acknowledged and comes again (after a backoff) until the command succeeds.
#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn consume_exec_acknowledges_only_what_the_command_did() {
    let nats = NatsServer::start();
    stored(&nats, &["u1", "u2", "u3"]).await;
    let dir = tempdir("consume-exec");
    let log = dir.join("done.log");
    let failed_once = dir.join("failed-once");
    // u2 fails the first time (exit 5), then succeeds; every success appends the uuid.
    let script = format!(
        r#"event=$(cat); uuid=$(printf '%s' "$event" | sed 's/.*"uuid":"\([^"]*\)".*/\1/');
           if [ "$uuid" = u2 ] && [ ! -e '{failed}' ]; then touch '{failed}'; exit 5; fi
           echo "$uuid" >> '{log}'"#,
        failed = failed_once.display(),
        log = log.display()
    );
    let out = run(consume(
        &nats,
        &["--durable", "scripts", "--count", "3", "--exec", &script],
    ))
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("the command exited with status 5")
            && out.stderr.contains("comes again in 1s"),
        "{}",
        out.stderr
    );
    let done = std::fs::read_to_string(&log).unwrap();
    let mut uuids: Vec<&str> = done.lines().collect();
    uuids.sort_unstable();
    assert_eq!(uuids, ["u1", "u2", "u3"], "each once, u2 after its retry");
    assert!(
        out.stdout.is_empty(),
        "--exec prints no events: {}",
        out.stdout
    );
    assert_eq!(unacknowledged(&nats, "scripts").await, 0);
}

/// Item 5: a command that hangs is killed after --exec-timeout and its event is not
/// acknowledged.
#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn consume_exec_kills_a_hanging_command_and_keeps_its_event() {
    let nats = NatsServer::start();
    stored(&nats, &["u1"]).await;
    let mut cmd = consume(
        &nats,
        &[
            "--durable",
            "hangs",
            "--exec",
            "sleep 60",
            "--exec-timeout",
            "300ms",
        ],
    );
    cmd.timeout(Duration::from_secs(4));
    let out = run(cmd).await;
    assert!(
        out.stderr
            .contains("the command still ran after 300ms (--exec-timeout) and was killed"),
        "{}",
        out.stderr
    );
    assert_eq!(unacknowledged(&nats, "hangs").await, 1);
}

/// Item 6: settings that would refuse every delivery are usage errors at start, saying why;
/// no NATS is needed to find out.
#[tokio::test]
async fn settings_that_lose_every_delivery_are_refused_at_start() {
    for bytes in ["0", "1023"] {
        let mut relay = bare();
        relay.args([
            "relay",
            "--port",
            "0",
            "--insecure-no-auth",
            "--max-body-bytes",
            bytes,
        ]);
        let started = Instant::now();
        let out = run(relay).await;
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stderr.contains("every Okta delivery"), "{}", out.stderr);
        assert!(started.elapsed() < Duration::from_secs(5));
    }
    let dir = tempdir("watch-zero");
    let seen = dir.join("seen.txt");
    std::fs::write(&seen, "").unwrap();
    let server = MockServer::start().await;
    let mut reconcile = cli(&server);
    reconcile.args([
        "reconcile",
        "--hook",
        "audit",
        "--since",
        "1h",
        "--seen",
        seen.to_str().unwrap(),
        "--watch",
        "--interval",
        "0s",
    ]);
    let out = run(reconcile).await;
    // reconcile's own table: 2 means "something is missing", any error is 1.
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("--interval 0s"), "{}", out.stderr);
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// Item 9: a consumer name NATS forbids and a subject that is not one are usage errors at
/// once, before NATS is reached (none listens here).
#[tokio::test]
async fn bad_consumer_names_and_subjects_are_usage_errors_at_once() {
    for (args, says) in [
        (
            &["--durable", "a.b"][..],
            "consumer name \"a.b\" is not valid",
        ),
        (&["--durable", "a b"][..], "is not valid"),
        (
            &["--durable", "x", "--subject", "a..b"][..],
            "is not a valid NATS subject",
        ),
        (
            &["--durable", "x", "--subject", "a.>.b"][..],
            "is not a valid NATS subject",
        ),
    ] {
        let mut cmd = bare();
        cmd.arg("consume")
            .args(args)
            .env("NATS_URL", "nats://127.0.0.1:9");
        let started = Instant::now();
        let out: Outcome = run(cmd).await;
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
        assert!(!out.stderr.contains("does not exist"), "{}", out.stderr);
        assert!(started.elapsed() < Duration::from_secs(3), "{args:?}");
    }
}

/// Item 9: --since equal to --until is an empty window, refused before anything is sent.
#[tokio::test]
async fn since_equal_to_until_is_refused_locally() {
    let server = MockServer::start().await;
    let mut logs = cli(&server);
    logs.args([
        "logs",
        "--since",
        "2026-11-26T13:00:00Z",
        "--until",
        "2026-11-26T13:00:00Z",
    ]);
    let out = run(logs).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("the window is empty"), "{}", out.stderr);
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// Item 9: a stream whose subjects another stream already takes is a configuration error
/// (exit 3) that says so, not a JetStream failure (exit 7).
#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn a_subject_overlap_at_relay_start_is_a_configuration_error() {
    let nats = NatsServer::start();
    let client = okta_eventhooks_relay::async_nats::connect(nats.url())
        .await
        .unwrap();
    jetstream::new(client)
        .create_stream(jetstream::stream::Config {
            name: "OTHER".into(),
            subjects: vec!["okta.>".into()],
            storage: jetstream::stream::StorageType::Memory,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut relay = bare();
    relay
        .args([
            "relay",
            "--port",
            "0",
            "--insecure-no-auth",
            "--storage",
            "memory",
        ])
        .env("NATS_URL", nats.url());
    let out = run(relay).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("its subjects okta.events.> overlap those of another stream"),
        "{}",
        out.stderr
    );
}

/// Item 6: consume decodes by the receiver's depth limit: a message nested deeper (published
/// by something else than the relay, which refuses such an event) is named and skipped, and
/// the events after it are read.
#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn consume_refuses_an_event_deeper_than_the_shared_limit() {
    let nats = NatsServer::start();
    stored(&nats, &[]).await;
    let depth = okta_eventhooks::events::MAX_EVENT_DEPTH;
    let deep = format!(
        r#"{{"uuid":"deep","x":{}1{}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let client = okta_eventhooks_relay::async_nats::connect(nats.url())
        .await
        .unwrap();
    jetstream::new(client)
        .publish("okta.events.user.session.start", deep.into())
        .await
        .unwrap()
        .await
        .unwrap();
    stored(&nats, &["u1"]).await;
    let out = run(consume(
        &nats,
        &["--durable", "deep", "--count", "1", "-o", "json"],
    ))
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("65 levels deep, more than the 64"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains(r#""uuid":"u1""#), "{}", out.stdout);
}
