//! The SQL sinks against real databases: an SQLite file in a scratch directory, and a
//! PostgreSQL server the test starts (`initdb` + `postgres` on a free loopback port; ignored
//! with the reason when PostgreSQL's binaries are missing, failing under CI). Okta (the
//! emulator) → receiver → table → durable consumer; repeats; restarts; a database that stops
//! or a disk that fills; tables of another shape.

use std::collections::{BTreeMap, BTreeSet};

use okta_eventhooks_receiver::{Receiver, RunningReceiver};
use okta_eventhooks_sql::{Error, PgUrl, SqlSink, StoredEvent, TableName};
use okta_eventhooks_tests::emulator;
use okta_eventhooks_tests::http::post_delivery;
use okta_eventhooks_tests::postgres::PgServer;
use okta_eventhooks_tests::scratch::tempdir;
use okta_eventhooks_tests::secrets::HOOK_SECRET;

/// A relay: the receiver on /okta/events with the hook's secret, given `sink`.
fn serve(sink: &SqlSink) -> RunningReceiver {
    Receiver::builder()
        .path("/okta/events")
        .auth_header("Authorization", HOOK_SECRET)
        .build_with_sink(sink.clone())
        .unwrap()
        .serve_on(
            std::net::TcpListener::bind("127.0.0.1:0")
                .map(|l| {
                    l.set_nonblocking(true).unwrap();
                    tokio::net::TcpListener::from_std(l).unwrap()
                })
                .unwrap(),
        )
        .unwrap()
}

async fn sqlite_sink(dir: &std::path::Path) -> SqlSink {
    SqlSink::sqlite(dir.join("events.db"), TableName::default())
        .await
        .unwrap()
}

async fn pg_sink(pg: &PgServer, db: &str) -> SqlSink {
    SqlSink::postgres(&PgUrl::parse(&pg.url(db)).unwrap(), TableName::default())
        .await
        .unwrap()
}

/// Every row, read through a fresh durable consumer.
async fn rows(sink: &SqlSink) -> Vec<StoredEvent> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let reader = format!(
        "check-{}",
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    sink.read_after(&reader, &[], 1_000_000).await.unwrap()
}

fn uuid_counts(rows: &[StoredEvent]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for row in rows {
        *counts
            .entry(row.event().unwrap().uuid.unwrap().to_string())
            .or_default() += 1;
    }
    counts
}

/// A delivery written by hand: odd spacing, key order and an unknown field, which the table
/// must keep byte for byte.
fn odd_delivery(uuid: &str) -> (String, String) {
    let event = format!(
        r#"{{ "uuid" :"{uuid}","published":"2026-11-26T13:00:00.000Z", "eventType":"user.session.start","futureField":{{"x":[1, 2]}},"version":"0","severity":"INFO","displayMessage":"m","actor":{{"id":"a","type":"User"}},"outcome":{{"result":"SUCCESS"}},"target":[]  }}"#
    );
    let body = format!(
        r#"{{"eventType":"com.okta.event_hook","eventTypeVersion":"1.0","cloudEventsVersion":"0.1","source":"https://acme.okta.com/api/v1/eventHooks/who1","eventId":"e-{uuid}","data":{{"events":[{event}]}},"eventTime":"2026-11-26T13:00:00.000Z","contentType":"application/json"}}"#
    );
    (body, event)
}

/// Okta → relay → table → consumer: every fired event once, a hand-written one byte-exact and
/// once though sent twice, and a durable cursor that moves after each read event.
async fn every_event_once(sink: SqlSink) {
    let relay = serve(&sink);
    let url = relay.url();
    let (emu, _) = emulator::okta_calling(
        &url,
        "sql",
        &["user.session.start", "user.lifecycle.create"],
    )
    .await;
    assert_eq!(
        emu.fire("user.session.start", 30)
            .await
            .unwrap()
            .delivered(),
        30
    );
    assert_eq!(
        emu.fire("user.lifecycle.create", 5)
            .await
            .unwrap()
            .delivered(),
        5
    );
    let fired: BTreeSet<String> = [
        emulator::fired_events(&emu, "user.session.start").await,
        emulator::fired_events(&emu, "user.lifecycle.create").await,
    ]
    .concat()
    .iter()
    .map(|e| e["uuid"].as_str().unwrap().to_owned())
    .collect();
    let (body, event) = odd_delivery("odd-1");
    for _ in 0..2 {
        let answer = post_delivery(&url, Some(HOOK_SECRET), body.clone()).await;
        assert_eq!(answer.status(), 200);
    }
    let stored = rows(&sink).await;
    let counts = uuid_counts(&stored);
    assert_eq!(stored.len(), 36, "{counts:?}");
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
    let mut expected = fired.clone();
    expected.insert("odd-1".into());
    assert_eq!(counts.keys().cloned().collect::<BTreeSet<_>>(), expected);
    let odd = stored.iter().find(|r| r.body.contains("odd-1")).unwrap();
    assert_eq!(odd.body, event, "the body is kept byte for byte");
    assert!(!odd.replayed);
    assert!(stored.windows(2).all(|w| w[0].seq < w[1].seq), "seq grows");
    assert_eq!(sink.counts(), (36, 1));

    // A durable consumer: what it read is not read again, by the same name.
    let first = sink.read_after("audit", &[], 10).await.unwrap();
    assert_eq!(first.len(), 10);
    for row in &first {
        sink.advance("audit", row.seq).await.unwrap();
    }
    let rest = sink.read_after("audit", &[], 100).await.unwrap();
    assert_eq!(rest.len(), 26);
    assert!(rest[0].seq > first[9].seq);
    let created = sink
        .read_after("creates", &["user.lifecycle.create".into()], 100)
        .await
        .unwrap();
    assert_eq!(created.len(), 5);
    relay.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_relay_stores_every_event_once_byte_exact() {
    let dir = tempdir("sqlite-loop");
    every_event_once(sqlite_sink(&dir).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(any(postgres_server, ci)),
    ignore = "install PostgreSQL's server binaries (apt-get install postgresql) or set OKTA_EVENTHOOKS_PG_BIN to their directory (see .ci/run)"
)]
async fn postgres_relay_stores_every_event_once_byte_exact() {
    let pg = PgServer::start();
    pg.create_db("loop");
    every_event_once(pg_sink(&pg, "loop").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_sqlite_relay_keeps_one_row_per_uuid() {
    let dir = tempdir("sqlite-restart");
    let (first, _) = odd_delivery("r-1");
    let (second, _) = odd_delivery("r-2");
    for bodies in [vec![&first], vec![&first, &second]] {
        let sink = sqlite_sink(&dir).await;
        let relay = serve(&sink);
        let url = relay.url();
        for body in bodies {
            let answer = post_delivery(&url, Some(HOOK_SECRET), body.clone()).await;
            assert_eq!(answer.status(), 200);
        }
        relay.shutdown().await.unwrap();
    }
    let sink = sqlite_sink(&dir).await;
    let counts = uuid_counts(&rows(&sink).await);
    assert_eq!(
        counts,
        BTreeMap::from([("r-1".into(), 1), ("r-2".into(), 1)])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(any(postgres_server, ci)),
    ignore = "install PostgreSQL's server binaries (apt-get install postgresql) or set OKTA_EVENTHOOKS_PG_BIN to their directory (see .ci/run)"
)]
async fn two_postgres_relays_keep_one_row_per_uuid() {
    let pg = PgServer::start();
    pg.create_db("shared");
    let (a, b) = (pg_sink(&pg, "shared").await, pg_sink(&pg, "shared").await);
    let (relay_a, relay_b) = (serve(&a), serve(&b));
    let mut sends = Vec::new();
    for i in 0..40 {
        let (body, _) = odd_delivery(&format!("both-{i}"));
        for relay in [&relay_a, &relay_b] {
            let url = relay.url();
            let body = body.clone();
            sends.push(tokio::spawn(async move {
                post_delivery(&url, Some(HOOK_SECRET), body).await.status()
            }));
        }
    }
    for send in sends {
        assert_eq!(send.await.unwrap(), 200);
    }
    let stored = rows(&a).await;
    let counts = uuid_counts(&stored);
    assert_eq!(counts.len(), 40);
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
    assert_eq!(
        pg.psql("shared", "SELECT count(*) FROM okta_events").trim(),
        "40"
    );
    let (a_new, a_rep) = a.counts();
    let (b_new, b_rep) = b.counts();
    assert_eq!((a_new + b_new, a_rep + b_rep), (40, 40));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(any(postgres_server, ci)),
    ignore = "install PostgreSQL's server binaries (apt-get install postgresql) or set OKTA_EVENTHOOKS_PG_BIN to their directory (see .ci/run)"
)]
async fn postgres_down_is_503_then_okta_s_retry_stores_once() {
    let mut pg = PgServer::start();
    pg.create_db("flaky");
    let sink = pg_sink(&pg, "flaky").await;
    let relay = serve(&sink);
    let url = relay.url();
    let (before, _) = odd_delivery("before");
    assert_eq!(
        post_delivery(&url, Some(HOOK_SECRET), before)
            .await
            .status(),
        200
    );
    pg.stop();
    let (during, _) = odd_delivery("during");
    for _ in 0..3 {
        let answer = post_delivery(&url, Some(HOOK_SECRET), during.clone()).await;
        assert_eq!(answer.status(), 503, "PostgreSQL is down");
    }
    pg.start_again();
    // Okta's retry, and a later delivery of the same event: the pool connects again.
    let started = std::time::Instant::now();
    loop {
        let status = post_delivery(&url, Some(HOOK_SECRET), during.clone())
            .await
            .status();
        if status == 200 {
            break;
        }
        assert_eq!(status, 503);
        assert!(
            started.elapsed().as_secs() < 20,
            "never stored after PostgreSQL came back"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(
        post_delivery(&url, Some(HOOK_SECRET), during)
            .await
            .status(),
        200
    );
    let counts = uuid_counts(&rows(&sink).await);
    assert_eq!(
        counts,
        BTreeMap::from([("before".into(), 1), ("during".into(), 1)])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_on_a_full_disk_answers_503_never_200() {
    let dir = tempdir("sqlite-full");
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
        .arg(&dir)
        .output();
    match mounted {
        Ok(out) if out.status.success() => {}
        other => {
            let why = match other {
                Ok(out) => String::from_utf8_lossy(&out.stderr).into_owned(),
                Err(e) => e.to_string(),
            };
            if cfg!(ci) {
                panic!("sqlite_on_a_full_disk_answers_503_never_200: cannot mount a tmpfs: {why}");
            }
            eprintln!(
                "sqlite_on_a_full_disk_answers_503_never_200 cannot run here: mounting a small tmpfs failed ({why}); it needs root"
            );
            return;
        }
    }
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(dir.clone());
    let sink = sqlite_sink(&dir).await;
    let relay = serve(&sink);
    let url = relay.url();
    let padding = "x".repeat(60_000);
    let (mut accepted, mut refused) = (Vec::new(), 0);
    for i in 0..200 {
        let uuid = format!("full-{i}");
        let (body, _) = odd_delivery(&uuid);
        let body = body.replace("\"m\"", &format!("\"{padding}\""));
        match post_delivery(&url, Some(HOOK_SECRET), body)
            .await
            .status()
            .as_u16()
        {
            200 => {
                assert_eq!(refused, 0, "200 after the disk was full");
                accepted.push(uuid);
            }
            503 => refused += 1,
            other => panic!("{other}"),
        }
        if refused >= 3 {
            break;
        }
    }
    assert!(
        refused >= 3,
        "the disk never filled ({} accepted)",
        accepted.len()
    );
    assert!(!accepted.is_empty());
    let stored = uuid_counts(&rows(&sink).await);
    for uuid in &accepted {
        assert_eq!(
            stored.get(uuid),
            Some(&1),
            "{uuid} got 200 but is not stored"
        );
    }
    relay.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_table_of_another_shape_is_refused_naming_the_column() {
    let dir = tempdir("sqlite-shape");
    let path = dir.join("events.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE audit (seq INTEGER PRIMARY KEY, uuid TEXT, event_type TEXT, published TEXT, received_at TEXT, hook_id TEXT, org TEXT, replayed INTEGER, payload TEXT)")
        .unwrap();
    drop(conn);
    let err = SqlSink::sqlite(&path, TableName::new("audit").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err:?}");
    assert!(err.to_string().contains("no column body"), "{err}");
    // The default table in the same file is created beside it.
    SqlSink::sqlite(&path, TableName::default()).await.unwrap();
}

#[tokio::test]
#[cfg_attr(
    not(any(postgres_server, ci)),
    ignore = "install PostgreSQL's server binaries (apt-get install postgresql) or set OKTA_EVENTHOOKS_PG_BIN to their directory (see .ci/run)"
)]
async fn a_postgres_table_of_another_shape_is_refused_and_a_missing_server_is_unreachable() {
    let pg = PgServer::start();
    pg.create_db("shape");
    pg.psql("shape", "CREATE TABLE okta_events (seq bigint, uuid text, event_type text, published timestamptz, received_at timestamptz, hook_id text, org text, replayed text, body text)");
    let url = PgUrl::parse(&pg.url("shape")).unwrap();
    let err = SqlSink::postgres(&url, TableName::default())
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("column replayed is text, not boolean"),
        "{err}"
    );
    let port = okta_eventhooks_tests::nats::free_port();
    let nowhere = PgUrl::parse(&format!("postgres://okta:s3cret@127.0.0.1:{port}/x")).unwrap();
    let err = SqlSink::postgres(&nowhere, TableName::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unreachable { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("s3cret"), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(any(postgres_server, ci)),
    ignore = "install PostgreSQL's server binaries (apt-get install postgresql) or set OKTA_EVENTHOOKS_PG_BIN to their directory (see .ci/run)"
)]
async fn postgres_sslrootcert_trusts_a_private_ca_and_only_it() {
    let pg = PgServer::start();
    pg.create_db("tls");
    let tls = pg.enable_tls();
    let url = |query: &str| {
        format!(
            "postgres://okta@127.0.0.1:{}/tls?sslmode=verify-full{query}",
            pg.port()
        )
    };
    let open = |url: String| async move {
        SqlSink::postgres(&PgUrl::parse(&url).unwrap(), TableName::default()).await
    };
    let sink = open(url(&format!("&sslrootcert={}", tls.ca.display())))
        .await
        .unwrap();
    let relay = serve(&sink);
    let (body, _) = odd_delivery("tls-1");
    let answer = post_delivery(&relay.url(), Some(HOOK_SECRET), body).await;
    assert_eq!(answer.status(), 200);
    assert_eq!(uuid_counts(&rows(&sink).await).len(), 1);
    // The sink's connections are encrypted.
    let encrypted = pg.psql(
        "tls",
        "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
         WHERE s.ssl AND a.application_name = 'okta-eventhooks'",
    );
    assert_ne!(encrypted.trim(), "0", "no TLS connection of the sink");
    // The system's roots, another CA or a missing file do not vouch for the server.
    let other = tempdir("pg-other-ca");
    let other = okta_eventhooks_tests::nats_secure::TlsFiles::mint(&other);
    for (query, says) in [
        (String::new(), "certificate"),
        (
            format!("&sslrootcert={}", other.ca.display()),
            "certificate",
        ),
        (
            "&sslrootcert=/nonexistent/ca.pem".to_owned(),
            "sslrootcert /nonexistent/ca.pem",
        ),
    ] {
        let err = open(url(&query)).await.unwrap_err();
        assert!(matches!(err, Error::Unreachable { .. }), "{query}: {err:?}");
        let text = format!("{err}: {:?}", std::error::Error::source(&err));
        assert!(text.contains(says), "{query}: {text}");
    }
}
