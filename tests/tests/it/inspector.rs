//! The receiver's inspector over real HTTP: what the recording middleware keeps of each answer
//! (verification, delivery, 401, 413), the secret masked in the record itself, the replay to
//! the receiver's own URL through its handling, and the bound of the store.

use std::sync::Arc;

use okta_eventhooks_receiver::Receiver;
use okta_eventhooks_receiver::inspector::{Inspector, InspectorActions, MASKED, SelfReplay};
use okta_eventhooks_tests::fixtures::delivery;
use okta_eventhooks_tests::http::{self, post_delivery};
use okta_eventhooks_tests::secrets::HOOK_SECRET;

#[tokio::test]
async fn every_answer_is_recorded_with_the_secret_masked() {
    let inspector = Inspector::new();
    let (receiver, mut deliveries) = Receiver::builder()
        .path("/hook")
        .auth_header("X-Hook-Secret", HOOK_SECRET)
        .max_body_bytes(4096)
        .inspector(inspector.clone())
        .build()
        .unwrap();
    let running = receiver.serve("127.0.0.1:0").await.unwrap();
    let url = running.url();
    let challenge = http::client()
        .get(&url)
        .header("X-Okta-Verification-Challenge", "ch-it")
        .header("X-Hook-Secret", HOOK_SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(challenge.status(), 200);
    let body = delivery("e-it-1", &["user.session.start"]).to_string();
    let post = |auth: &'static str, body: String| {
        let url = url.clone();
        async move {
            http::client()
                .post(&url)
                .header("content-type", "application/json")
                .header("x-hook-secret", auth)
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(post(HOOK_SECRET, body.clone()).await, 200);
    assert_eq!(post("wrong", body.clone()).await, 401);
    assert_eq!(post(HOOK_SECRET, "x".repeat(5000)).await, 413);
    assert!(deliveries.recv().await.is_some());

    let records = inspector.records();
    let statuses: Vec<_> = records.iter().map(|r| r.call().status).collect();
    assert_eq!(statuses, [Some(200), Some(200), Some(401), Some(413)]);
    let verification = records[0].call();
    assert_eq!(verification.method, reqwest::Method::GET);
    assert_eq!(&verification.answer[..], br#"{"verification":"ch-it"}"#);
    let delivered = records[1].call();
    assert_eq!(delivered.target, "/hook");
    assert_eq!(&delivered.body[..], body.as_bytes());
    assert!(delivered.duration > std::time::Duration::ZERO);
    // The refused POST's body was never read by the receiver, so it is not kept either.
    assert!(records[2].call().body.is_empty());
    for record in &records {
        assert_eq!(record.call().headers["x-hook-secret"], MASKED);
        assert!(!format!("{record:?}").contains(HOOK_SECRET));
    }

    // Replay: to the receiver itself with the secret, marked, through the same handling
    // (its de-duplication drops the repeat and answers 200).
    let replay = SelfReplay::new(&url, Some(("X-Hook-Secret".into(), HOOK_SECRET.into()))).unwrap();
    let said = replay.replay(&records[1]).await.unwrap();
    assert_eq!(said, "replayed: the receiver answered 200");
    let again = inspector.records();
    let replayed = again.last().unwrap().call();
    assert!(replayed.replayed);
    assert_eq!(replayed.body, delivered.body);
    assert_eq!(running.stats().duplicates, 1);
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_store_keeps_the_newest_within_its_bounds() {
    let inspector = Inspector::with_bounds(3, 1 << 20);
    let (receiver, _deliveries) = Receiver::builder()
        .inspector(inspector.clone())
        .build()
        .unwrap();
    let running = receiver.serve("127.0.0.1:0").await.unwrap();
    for n in 0..5 {
        let body = delivery(&format!("e-bound-{n}"), &["user.session.start"]).to_string();
        assert_eq!(
            post_delivery(&running.url(), None, body).await.status(),
            200
        );
    }
    let ids: Vec<u64> = inspector.records().iter().map(|r| r.id()).collect();
    assert_eq!(ids, [3, 4, 5]);
    // A page served for them answers over real HTTP, within the server runner's limits.
    let page = inspector
        .serve(
            "127.0.0.1:0",
            Arc::new(SelfReplay::new(running.url(), None).unwrap()),
        )
        .await
        .unwrap();
    let list: serde_json::Value = http::client()
        .get(format!("{}api/deliveries", page.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["fill"]["kept"], 3);
    assert_eq!(list["fill"]["dropped"], 2);
    assert_eq!(list["deliveries"][0]["eventId"], "e-bound-4");
}
