//! `okta-eventhooks reconcile` end to end: the emulator fires, the relay (behind a proxy that
//! fails about one delivery in ten on both of Okta's attempts) stores into a real
//! `nats-server`, and `reconcile` must find exactly what was lost, put it in with `--replay`,
//! and add nothing on a second replay. With `--seen`, a filter that excludes events, and the
//! bounded and polling reads of the System Log.

use std::collections::{BTreeSet, HashSet};

use okta_eventhooks::{Channel, EventHook, Events};
use okta_eventhooks_emulator::{Emulator, FireRequest};
use okta_eventhooks_receiver::Receiver;
use okta_eventhooks_relay::async_nats::jetstream;
use okta_eventhooks_relay::{JetStreamStore, NatsServers, RunningRelay, StreamSettings};
use okta_eventhooks_tests::emulator;
use okta_eventhooks_tests::endpoint::{endpoint_requiring, envelopes};
use okta_eventhooks_tests::nats::NatsServer;
use okta_eventhooks_tests::proxy::Proxy;
use okta_eventhooks_tests::scratch::tempdir;
use okta_eventhooks_tests::secrets::{HOOK_SECRET, TOKEN};
use serde_json::{Value, json};

use crate::support::{Outcome, cli_at, home_dir, lines_of, run};

const STREAM: &str = "RECONCILE_EVENTS";

/// The CLI pointed at the emulator (and at NATS, when given).
fn reconcile(emu: &Emulator, nats: Option<&NatsServer>, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = cli_at(&home_dir());
    cmd.env("OKTA_CLIENT_ORGURL", emu.url())
        .env("OKTA_CLIENT_TOKEN", TOKEN)
        .args(["-o", "json", "reconcile"])
        .args(args);
    if let Some(nats) = nats {
        cmd.env("NATS_URL", nats.url());
    }
    cmd
}

fn report(outcome: &Outcome) -> Value {
    serde_json::from_str(outcome.stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "not one JSON report ({e}):\n{}\nstderr:\n{}",
            outcome.stdout, outcome.stderr
        )
    })
}

fn missing_uuids(report: &Value) -> BTreeSet<String> {
    report["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["uuid"].as_str().unwrap().to_owned())
        .collect()
}

/// A hook on `user.session.start` calling `uri` with the shared secret in `auth_key`,
/// created and verified on the emulator; its id.
async fn session_hook(emu: &Emulator, name: &str, uri: String, auth_key: &str) -> String {
    let hook = EventHook::builder(name)
        .channel(
            Channel::https(uri)
                .unwrap()
                .auth_header(auth_key, HOOK_SECRET),
        )
        .events(Events::types(["user.session.start"]))
        .build()
        .unwrap();
    emulator::verified_hook(&emulator::client(emu), &hook).await
}

/// A JetStream context on the test's server.
async fn jetstream_of(nats: &NatsServer) -> jetstream::Context {
    jetstream::new(
        NatsServers::new([nats.url()])
            .unwrap()
            .connect("test")
            .await
            .unwrap(),
    )
}

async fn relay(nats: &NatsServer) -> RunningRelay {
    let servers = NatsServers::new([nats.url()]).unwrap();
    let store = JetStreamStore::connect(&servers, &StreamSettings::new(STREAM), None)
        .await
        .unwrap();
    let receiver = Receiver::builder()
        .path("/okta/events")
        .auth_header("Authorization", HOOK_SECRET);
    RunningRelay::start(receiver, store, "127.0.0.1:0")
        .await
        .unwrap()
}

/// What the stream holds: how many messages, their `Nats-Msg-Id`s, and the subjects of the
/// messages marked as replayed (which carry no delivery `eventId`).
struct Stored {
    count: usize,
    ids: BTreeSet<String>,
    replayed_subjects: Vec<String>,
}

async fn stream_ids(nats: &NatsServer) -> Stored {
    let js = jetstream_of(nats).await;
    let mut stream = js.get_stream(STREAM).await.unwrap();
    let last = stream.info().await.unwrap().state.last_sequence;
    let mut ids = BTreeSet::new();
    let mut count = 0;
    let mut replayed_subjects = Vec::new();
    for seq in 1..=last {
        let Ok(message) = stream.get_raw_message(seq).await else {
            continue;
        };
        count += 1;
        let id = message
            .headers
            .get(okta_eventhooks_relay::async_nats::header::NATS_MESSAGE_ID)
            .unwrap()
            .as_str()
            .to_owned();
        ids.insert(id);
        let headers = &message.headers;
        if headers
            .get(okta_eventhooks_relay::headers::OKTA_REPLAYED)
            .map(|v| v.as_str())
            == Some(okta_eventhooks_relay::headers::REPLAYED_BY_RECONCILE)
        {
            assert!(
                headers
                    .get(okta_eventhooks_relay::headers::OKTA_EVENT_ID)
                    .is_none()
            );
            assert!(
                headers
                    .get(okta_eventhooks_relay::headers::OKTA_EVENT_HOOK_ID)
                    .is_some()
            );
            replayed_subjects.push(message.subject.to_string());
        }
    }
    Stored {
        count,
        ids,
        replayed_subjects,
    }
}

/// The uuids of the events in the emulator's `event_hook.delivery` failures.
async fn failed_uuids(emu: &Emulator) -> BTreeSet<String> {
    emulator::fired_events(emu, "event_hook.delivery")
        .await
        .iter()
        .flat_map(|f| {
            f["debugContext"]["debugData"]["eventUuids"]
                .as_str()
                .unwrap()
                .split(',')
                .map(|u| u.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn reconcile_finds_what_the_relay_lost_and_replay_fills_it_once() {
    let nats = NatsServer::start();
    let relay = relay(&nats).await;
    let proxy = Proxy::failing(&format!("http://{}", relay.local_addr()), 10).await;
    // Ten events per POST: 100 deliveries, about 10 of them lost on both attempts.
    let emu = emulator::builder()
        .max_batch(10)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let hook_id = session_hook(
        &emu,
        "audit-sink",
        format!("{}/okta/events", proxy.url()),
        "Authorization",
    )
    .await;
    let fired = emu.fire("user.session.start", 1000).await.unwrap();
    assert_eq!(fired.fired, 1000);
    let lost = failed_uuids(&emu).await;
    let stored = stream_ids(&nats).await.count;
    assert!(!lost.is_empty(), "the proxy failed no delivery");
    assert_eq!(stored + lost.len(), 1000, "every event is stored or lost");

    // Many pages (100 events each), in polling mode (no --until).
    let args = [
        "--hook",
        "audit-sink",
        "--since",
        "1h",
        "--stream",
        STREAM,
        "--limit",
        "100",
    ];
    // The events were just fired: judge them now, not one minute later.
    let now: Vec<&str> = args.iter().copied().chain(["--lag", "0s"]).collect();
    let first = run(reconcile(&emu, Some(&nats), &now)).await;
    assert_eq!(first.code, 2, "{}", first.stderr);
    let found = report(&first);
    assert_eq!(found["hookId"], hook_id.as_str());
    assert_eq!(found["expected"], 1000);
    assert_eq!(found["present"], stored);
    assert_eq!(missing_uuids(&found), lost, "exactly the lost events");
    let failures = found["deliveryFailures"].as_array().unwrap();
    assert_eq!(
        failures
            .iter()
            .map(|f| f["eventUuids"].as_array().unwrap().len())
            .sum::<usize>(),
        lost.len()
    );
    assert!(found.get("replay").is_none());

    // --replay: exit 2 (something was missing), and the stream then holds every event once.
    let replay_args: Vec<&str> = now.iter().copied().chain(["--replay"]).collect();
    let replayed = run(reconcile(&emu, Some(&nats), &replay_args)).await;
    assert_eq!(replayed.code, 2, "{}", replayed.stderr);
    let replayed = report(&replayed);
    assert_eq!(replayed["replay"]["replayed"], lost.len());
    assert_eq!(replayed["replay"]["alreadyStored"], 0);
    let Stored {
        count,
        ids,
        replayed_subjects,
    } = stream_ids(&nats).await;
    assert_eq!(replayed_subjects.len(), lost.len(), "marked as replayed");
    assert!(
        replayed_subjects
            .iter()
            .all(|s| s == "okta.events.user.session.start"),
        "the relay's subject"
    );
    let fired_uuids: BTreeSet<String> = emulator::fired_events(&emu, "user.session.start")
        .await
        .iter()
        .map(|e| e["uuid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fired_uuids.len(), 1000);
    assert_eq!(count, 1000, "no uuid twice");
    assert_eq!(ids, fired_uuids);

    // Again: nothing missing, nothing added; a bounded read (--until) agrees.
    let again = run(reconcile(&emu, Some(&nats), &replay_args)).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    let again = report(&again);
    assert_eq!(
        (again["expected"].clone(), again["present"].clone()),
        (json!(1000), json!(1000))
    );
    assert!(again.get("replay").is_none());
    assert_eq!(stream_ids(&nats).await.count, 1000);
    let bounded: Vec<&str> = args.iter().copied().chain(["--until", "1s"]).collect();
    let bounded = run(reconcile(&emu, Some(&nats), &bounded)).await;
    assert_eq!(bounded.code, 0, "{}", bounded.stderr);
    assert_eq!(report(&bounded)["present"], 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_seen_uuids_a_filtered_event_is_not_missing_and_replay_posts_as_okta_would() {
    let emu = emulator::start().await;
    let receiver = endpoint_requiring(&[HOOK_SECRET]).await;
    let hook = EventHook::builder("sales-only")
        .channel(
            Channel::https(format!("{}/hook", receiver.uri()))
                .unwrap()
                .auth_header("Authorization", HOOK_SECRET),
        )
        .events(Events::types(["group.user_membership.add"]).filter(
            "group.user_membership.add",
            "event.target.?[type eq 'UserGroup' && displayName eq 'Sales'].size()>0",
        ))
        .build()
        .unwrap();
    let client = emulator::client(&emu);
    let hook_id = emulator::verified_hook(&client, &hook).await;
    // Delivered while the receiver is up, then three fired while it "lost" them: an extra
    // failure is not needed, the seen file simply lacks them.
    for group in ["Sales", "Support", "Sales", "Sales", "Support"] {
        let request: FireRequest = serde_json::from_value(json!({"events": [{
            "eventType": "group.user_membership.add",
            "patch": {"target": [{"id": "00u1", "type": "User", "alternateId": "a@example.com", "displayName": "A"},
                                 {"id": "00g1", "type": "UserGroup", "alternateId": group, "displayName": group}]}
        }]}))
        .unwrap();
        emu.fire_with(request).await.unwrap();
    }
    let delivered: Vec<String> = envelopes(&receiver)
        .await
        .iter()
        .flat_map(|e| e["data"]["events"].as_array().unwrap().clone())
        .map(|e| e["uuid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(delivered.len(), 3, "only Sales is delivered");
    let dir = tempdir("reconcile-seen");
    let seen = dir.join("seen.txt");
    // The receiver "saw" only the first Sales event.
    std::fs::write(&seen, format!("# seen\n{}\n\n", delivered[0])).unwrap();
    let seen_arg = seen.to_str().unwrap();
    let args = [
        "--hook",
        hook_id.as_str(),
        "--since",
        "1h",
        "--seen",
        seen_arg,
        "--lag",
        "0s",
    ];

    let outcome = run(reconcile(&emu, None, &args)).await;
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    let found = report(&outcome);
    assert_eq!(
        (found["expected"].clone(), found["present"].clone()),
        (json!(3), json!(1))
    );
    let expected_missing: BTreeSet<String> = delivered[1..].iter().cloned().collect();
    assert_eq!(
        missing_uuids(&found),
        expected_missing,
        "Support events are not missing"
    );

    // --replay without the secret: refused before anything is sent.
    let replay: Vec<&str> = args.iter().copied().chain(["--replay"]).collect();
    let refused = run(reconcile(&emu, None, &replay)).await;
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("--auth-value-env"),
        "{}",
        refused.stderr
    );
    let before = envelopes(&receiver).await.len();

    let mut cmd = reconcile(&emu, None, &replay);
    cmd.args(["--auth-value-env", "HOOK_SECRET_VAR"])
        .env("HOOK_SECRET_VAR", HOOK_SECRET);
    let outcome = run(cmd).await;
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert_eq!(report(&outcome)["replay"]["replayed"], 2);
    let posts = okta_eventhooks_tests::endpoint::received(&receiver, "POST").await;
    assert_eq!(posts.len(), before + 1, "one replayed POST");
    let replayed = posts.last().unwrap();
    assert_eq!(
        replayed.headers.get("x-okta-eventhooks-replayed").unwrap(),
        "true"
    );
    assert_eq!(replayed.headers.get("authorization").unwrap(), HOOK_SECRET);
    let body: Value = serde_json::from_slice(&replayed.body).unwrap();
    assert_eq!(body["eventType"], "com.okta.event_hook");
    assert!(body["source"].as_str().unwrap().ends_with(&hook_id));
    let uuids: HashSet<&str> = body["data"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["uuid"].as_str().unwrap())
        .collect();
    assert_eq!(uuids, expected_missing.iter().map(String::as_str).collect());
}

#[tokio::test]
async fn reconcile_usage_errors_exit_1_not_2() {
    let emu = emulator::start().await;
    // Neither --stream nor --seen: a usage error, which must not read as "missing" (2).
    let outcome = run(reconcile(&emu, None, &["--hook", "x", "--since", "1h"])).await;
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    let outcome = run(reconcile(
        &emu,
        None,
        &[
            "--hook",
            "nope",
            "--since",
            "1h",
            "--seen",
            "/nonexistent/seen.txt",
        ],
    ))
    .await;
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_reports_a_round_per_interval_judging_only_events_older_than_the_lag() {
    use std::process::Stdio;
    use std::time::Duration;

    let emu = emulator::start().await;
    let receiver = endpoint_requiring(&[HOOK_SECRET]).await;
    session_hook(
        &emu,
        "watched",
        format!("{}/hook", receiver.uri()),
        "Authorization",
    )
    .await;
    // One event 30 minutes old, one from now: with a 10-minute lag only the first is judged.
    let old = published_ago(30 * 60);
    for published in [Some(old.as_str()), None] {
        let mut event = json!({"eventType": "user.session.start"});
        if let Some(published) = published {
            event["patch"] = json!({"published": published});
        }
        let request: FireRequest = serde_json::from_value(json!({"events": [event]})).unwrap();
        emu.fire_with(request).await.unwrap();
    }
    let dir = tempdir("reconcile-watch");
    let seen = dir.join("seen.txt");
    std::fs::write(&seen, "").unwrap();

    let mut child = crate::support::std_at(&home_dir())
        .env("OKTA_CLIENT_ORGURL", emu.url())
        .env("OKTA_CLIENT_TOKEN", TOKEN)
        .args([
            "-o",
            "json",
            "reconcile",
            "--hook",
            "watched",
            "--since",
            "1h",
        ])
        .args(["--seen", seen.to_str().unwrap()])
        .args(["--watch", "--interval", "1s", "--lag", "10m"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = lines_of(child.stdout.take().unwrap());
    // Two rounds, each judging the old event only (missing: the seen file is empty).
    for _ in 0..2 {
        let round: Value =
            serde_json::from_str(&rx.recv_timeout(Duration::from_secs(30)).unwrap()).unwrap();
        assert_eq!(round["expected"], 1, "{round}");
        assert_eq!(round["missing"][0]["published"], old.as_str(), "{round}");
    }
    // SIGTERM ends it, successfully (a watch is not a failure when something was missing).
    let pid = child.id().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

/// `now - seconds` in Okta's `published` form.
fn published_ago(seconds: i64) -> String {
    (chrono::Utc::now() - chrono::TimeDelta::seconds(seconds))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_table_report_names_the_missing_and_a_redirecting_receiver_fails_the_replay() {
    use okta_eventhooks_tests::endpoint::Echo;
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let emu = emulator::start().await;
    // Verifies, takes the events Okta sends, then redirects what comes later elsewhere.
    let elsewhere = endpoint_requiring(&[HOOK_SECRET]).await;
    let receiver = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(Echo)
        .mount(&receiver)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .up_to_n_times(1)
        .mount(&receiver)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("Location", format!("{}/hook", elsewhere.uri())),
        )
        .mount(&receiver)
        .await;
    session_hook(
        &emu,
        "redirected",
        format!("{}/hook", receiver.uri()),
        "X-Hook-Secret",
    )
    .await;
    emu.fire("user.session.start", 2).await.unwrap();
    let dir = tempdir("reconcile-table");
    let seen = dir.join("seen.txt");
    std::fs::write(&seen, "").unwrap();
    let fired = emulator::fired_events(&emu, "user.session.start").await;

    let mut table = cli_at(&home_dir());
    table
        .env("OKTA_CLIENT_ORGURL", emu.url())
        .env("OKTA_CLIENT_TOKEN", TOKEN)
        .args([
            "reconcile",
            "--hook",
            "redirected",
            "--since",
            "1h",
            "--lag",
            "0s",
        ])
        .args(["--seen", seen.to_str().unwrap()]);
    let outcome = run(table).await;
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(
        outcome.stdout.contains("2 expected, 0 present, 2 missing"),
        "{}",
        outcome.stdout
    );
    for event in &fired {
        let line = format!(
            "missing  {}  user.session.start  {}",
            event["published"].as_str().unwrap(),
            event["uuid"].as_str().unwrap()
        );
        assert!(outcome.stdout.contains(&line), "{line}\n{}", outcome.stdout);
    }

    let mut replay = reconcile(
        &emu,
        None,
        &[
            "--hook",
            "redirected",
            "--since",
            "1h",
            "--lag",
            "0s",
            "--replay",
        ],
    );
    replay
        .args([
            "--seen",
            seen.to_str().unwrap(),
            "--auth-value-env",
            "SECRET_VAR",
        ])
        .env("SECRET_VAR", HOOK_SECRET);
    let outcome = run(replay).await;
    assert_eq!(
        outcome.code, 1,
        "a 3xx is a failed replay: {}",
        outcome.stderr
    );
    assert!(outcome.stderr.contains("307"), "{}", outcome.stderr);
    assert!(
        okta_eventhooks_tests::endpoint::received(&elsewhere, "POST")
            .await
            .is_empty(),
        "the redirect was not followed, so the secret went nowhere else"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn a_stream_that_forgets_what_it_stored_or_another_streams_prefix_is_refused() {
    use okta_eventhooks_relay::async_nats::jetstream::stream::{Config, RetentionPolicy};

    let nats = NatsServer::start();
    let emu = emulator::start().await;
    let receiver = endpoint_requiring(&[HOOK_SECRET]).await;
    session_hook(
        &emu,
        "queued",
        format!("{}/hook", receiver.uri()),
        "Authorization",
    )
    .await;
    let js = jetstream_of(&nats).await;
    js.create_stream(Config {
        name: "QUEUE".into(),
        subjects: vec!["queue.>".into()],
        retention: RetentionPolicy::WorkQueue,
        ..Default::default()
    })
    .await
    .unwrap();
    js.create_stream(Config {
        name: "SHORT".into(),
        subjects: vec!["short.>".into()],
        max_age: std::time::Duration::from_secs(600),
        ..Default::default()
    })
    .await
    .unwrap();
    let queue_sink = format!("{}/QUEUE", nats.url());
    let cases: [(&[&str], &str); 4] = [
        (
            &["--sink", &queue_sink, "--subject-prefix", "queue"],
            "deletes messages once",
        ),
        (
            &["--stream", "QUEUE", "--subject-prefix", "queue"],
            "deletes messages once",
        ),
        (
            &["--stream", "SHORT", "--subject-prefix", "short"],
            "less than the window",
        ),
        (
            &["--stream", "SHORT", "--subject-prefix", "queue", "--replay"],
            "belongs to stream QUEUE",
        ),
    ];
    for (args, says) in cases {
        let mut cmd = reconcile(&emu, Some(&nats), &["--hook", "queued", "--since", "1h"]);
        cmd.args(args);
        let outcome = run(cmd).await;
        assert_eq!(outcome.code, 1, "{args:?}: {}", outcome.stderr);
        assert!(
            outcome.stderr.contains(says),
            "{args:?}: {}",
            outcome.stderr
        );
    }
}

/// What an SQL sink holds: every row's uuid, and how many were put in by a replay.
async fn table_rows(sink: &okta_eventhooks_sql::SqlSink) -> (Vec<String>, usize) {
    let rows = sink.read_after("check", &[], 1_000_000).await.unwrap();
    let replayed = rows.iter().filter(|r| r.replayed).count();
    let uuids = rows
        .iter()
        .map(|r| r.event().unwrap().uuid.unwrap().to_string())
        .collect();
    (uuids, replayed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_sink_sqlite_finds_what_a_lossy_relay_lost_and_replay_fills_it_once() {
    use okta_eventhooks_sql::{SqlSink, TableName};
    let dir = tempdir("reconcile-sqlite");
    let path = dir.join("events.db");
    let sink = SqlSink::sqlite(&path, TableName::default()).await.unwrap();
    reconcile_sql_sink(sink, &format!("sqlite:{}", path.display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(any(postgres_server, ci)),
    ignore = "install PostgreSQL's server binaries (apt-get install postgresql) or set OKTA_EVENTHOOKS_PG_BIN to their directory (see .ci/run)"
)]
async fn reconcile_sink_postgres_finds_what_a_lossy_relay_lost_and_replay_fills_it_once() {
    use okta_eventhooks_sql::{PgUrl, SqlSink, TableName};
    let pg = okta_eventhooks_tests::postgres::PgServer::start();
    pg.create_db("reconcile");
    let url = pg.url("reconcile");
    let sink = SqlSink::postgres(&PgUrl::parse(&url).unwrap(), TableName::default())
        .await
        .unwrap();
    reconcile_sql_sink(sink, &url).await;
}

/// Events fired in the SQL sinks' test.
const FIRED: usize = 1000;

/// One body for both SQL sinks: a relay storing into `sink` behind a proxy that fails about
/// one delivery in ten, then `reconcile --sink sink_url` finds exactly what was lost, and
/// `--replay` fills it once.
async fn reconcile_sql_sink(sink: okta_eventhooks_sql::SqlSink, sink_url: &str) {
    let relay = Receiver::builder()
        .path("/okta/events")
        .auth_header("Authorization", HOOK_SECRET)
        .build_with_sink(sink.clone())
        .unwrap()
        .serve_on(
            okta_eventhooks_receiver::serve::bind("127.0.0.1:0")
                .await
                .unwrap(),
        )
        .unwrap();
    let proxy = Proxy::failing(&format!("http://{}", relay.local_addr()), 10).await;
    let emu = emulator::builder()
        .max_batch(10)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    session_hook(
        &emu,
        "audit-sink",
        format!("{}/okta/events", proxy.url()),
        "Authorization",
    )
    .await;
    // Ten events per POST: 100 deliveries, about 10 of them lost on both attempts (none lost
    // would be one run in 37,000: 0.9^100).
    let summary = emu.fire("user.session.start", FIRED).await.unwrap();
    assert_eq!(summary.fired, FIRED, "{summary:?}");
    assert!(!summary.deadline_exceeded, "{summary:?}");
    let lost = failed_uuids(&emu).await;
    let (stored, _) = table_rows(&sink).await;
    assert!(
        !lost.is_empty(),
        "the proxy failed no delivery: {summary:?}"
    );
    assert_eq!(
        stored.len() + lost.len(),
        FIRED,
        "every event is stored or lost"
    );

    let args = [
        "--hook",
        "audit-sink",
        "--since",
        "1h",
        "--sink",
        sink_url,
        "--lag",
        "0s",
    ];
    let first = run(reconcile(&emu, None, &args)).await;
    assert_eq!(first.code, 2, "{}", first.stderr);
    let found = report(&first);
    assert_eq!(found["expected"], FIRED);
    assert_eq!(found["present"], stored.len());
    assert_eq!(missing_uuids(&found), lost, "exactly the lost events");

    let replay: Vec<&str> = args.iter().copied().chain(["--replay"]).collect();
    let replayed = run(reconcile(&emu, None, &replay)).await;
    assert_eq!(replayed.code, 2, "{}", replayed.stderr);
    assert_eq!(report(&replayed)["replay"]["replayed"], lost.len());
    let (uuids, marked) = table_rows(&sink).await;
    assert_eq!(marked, lost.len(), "marked as replayed");
    let unique: BTreeSet<_> = uuids.iter().collect();
    assert_eq!((uuids.len(), unique.len()), (FIRED, FIRED), "no uuid twice");

    let again = run(reconcile(&emu, None, &replay)).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(report(&again).get("replay").is_none());
    assert_eq!(table_rows(&sink).await.0.len(), FIRED);
}
