//! The one server runner under the receiver and the emulator, against hostile clients: idle
//! connections, half-sent request heads and bodies that never end are closed within the
//! limits, the connection cap holds, and real requests are served meanwhile.

use std::net::SocketAddr;
use std::time::Duration;

use okta_eventhooks_receiver::{Delivery, Receiver, RunningReceiver, ServerLimits};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::mpsc;

use okta_eventhooks_tests::emulator;
use okta_eventhooks_tests::http::{self, HANG_GUARD};
use okta_eventhooks_tests::secrets::HOOK_SECRET;

/// Short limits, so that the tests see them act.
fn tight() -> ServerLimits {
    ServerLimits::default()
        .header_read_timeout(Duration::from_millis(300))
        .request_timeout(Duration::from_millis(600))
        .max_connections(8)
}

/// A receiver within `limits`, and its queue of deliveries (kept so that the queue stays open).
async fn receiver(limits: ServerLimits) -> (RunningReceiver, mpsc::Receiver<Delivery>) {
    let (receiver, deliveries) = Receiver::builder()
        .path("/okta/hook")
        .auth_header("Authorization", HOOK_SECRET)
        .server_limits(limits)
        .build()
        .unwrap();
    (receiver.serve("127.0.0.1:0").await.unwrap(), deliveries)
}

/// Reads until the server closes the connection; fails the test if it does not.
async fn until_closed(stream: &mut (impl AsyncRead + Unpin)) -> String {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(HANG_GUARD, stream.read_to_end(&mut answer)).await;
    assert!(
        read.is_ok(),
        "the server kept the connection open: {:?}",
        String::from_utf8_lossy(&answer)
    );
    String::from_utf8_lossy(&answer).into_owned()
}

/// Sends `head` for a chunked body, then one tiny chunk after another without end; returns
/// the half to read the answer from.
async fn endless_body(addr: SocketAddr, head: &str) -> OwnedReadHalf {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let (reader, mut writer) = stream.into_split();
    tokio::spawn(async move {
        while writer.write_all(b"1\r\n \r\n").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    reader
}

/// A verification GET to the receiver; its status.
async fn verify(running: &RunningReceiver) -> u16 {
    let request = http::client()
        .get(running.url())
        .header("X-Okta-Verification-Challenge", "ch")
        .header("Authorization", HOOK_SECRET)
        .send();
    tokio::time::timeout(HANG_GUARD, request)
        .await
        .expect("answered while hostile connections are open")
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn receiver_closes_idle_and_half_sent_connections_and_keeps_serving() {
    let (running, _deliveries) = receiver(tight()).await;
    let addr = running.local_addr();
    // More idle connections than the cap, and one that stops half-way through its head.
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    let mut half = TcpStream::connect(addr).await.unwrap();
    half.write_all(b"GET /okta/hook HTTP/1.1\r\nHost: x\r\nX-Okta-Verification-Cha")
        .await
        .unwrap();
    assert_eq!(verify(&running).await, 200);
    for stream in &mut idle {
        until_closed(stream).await;
    }
    until_closed(&mut half).await;
    // A connection kept alive after an answer is idle too.
    let mut kept = TcpStream::connect(addr).await.unwrap();
    let get = format!(
        "GET /okta/hook HTTP/1.1\r\nHost: x\r\nAuthorization: {HOOK_SECRET}\r\nX-Okta-Verification-Challenge: c\r\n\r\n"
    );
    kept.write_all(get.as_bytes()).await.unwrap();
    let answer = until_closed(&mut kept).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(verify(&running).await, 200);
}

#[tokio::test]
async fn receiver_answers_408_to_a_body_that_never_ends() {
    let (running, _deliveries) = receiver(tight()).await;
    let head = format!(
        "POST /okta/hook HTTP/1.1\r\nHost: x\r\nAuthorization: {HOOK_SECRET}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    let mut reader = endless_body(running.local_addr(), &head).await;
    let answer = until_closed(&mut reader).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("not received within"), "{answer}");
    assert_eq!(verify(&running).await, 200);
    assert_eq!(running.stats().deliveries, 0);
}

#[tokio::test]
async fn at_the_connection_cap_new_connections_wait_for_a_free_place() {
    // A long header-read limit: only the cap decides here.
    let limits = tight()
        .max_connections(4)
        .header_read_timeout(Duration::from_secs(60));
    let (running, _deliveries) = receiver(limits).await;
    let addr = running.local_addr();
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    let mut fifth = TcpStream::connect(addr).await.unwrap();
    let get = format!(
        "GET /okta/hook HTTP/1.1\r\nHost: x\r\nAuthorization: {HOOK_SECRET}\r\nX-Okta-Verification-Challenge: c\r\nConnection: close\r\n\r\n"
    );
    fifth.write_all(get.as_bytes()).await.unwrap();
    let mut first = [0u8; 1];
    let early = tokio::time::timeout(Duration::from_millis(500), fifth.read(&mut first)).await;
    assert!(
        early.is_err(),
        "a fifth connection was served past the cap of 4"
    );
    // One place frees up: the waiting connection is served.
    drop(idle.pop());
    let answer = until_closed(&mut fifth).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn the_emulator_holds_to_the_same_limits() {
    let emu = emulator::builder()
        .server_limits(tight())
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let addr = emu.addr();
    let mut idle = TcpStream::connect(addr).await.unwrap();
    until_closed(&mut idle).await;
    let head = format!(
        "POST /api/v1/eventHooks HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        emulator::ssws()
    );
    let mut reader = endless_body(addr, &head).await;
    let answer = until_closed(&mut reader).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let listed = emulator::client(&emu).list_event_hooks().await.unwrap();
    assert!(listed.is_empty());
    emu.shutdown().await;
}
