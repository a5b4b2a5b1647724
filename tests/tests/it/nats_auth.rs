//! The relay's NATS connection against real `nats-server`s configured for each way of
//! authenticating (user and password, token, nkey, a creds file in operator mode) and for TLS
//! (a CA the test makes, mutual TLS, TLS first): it connects and stores with the right
//! settings, and the wrong ones are an authentication or a TLS error (settings to fix, never
//! a network failure), without a secret in what is shown.

use std::time::Duration;

use okta_eventhooks_receiver::Receiver;
use okta_eventhooks_relay::{
    Error, JetStreamStore, NatsOptions, NatsServers, RunningRelay, StreamSettings,
};
use okta_eventhooks_tests::fixtures::delivery;
use okta_eventhooks_tests::http::post_delivery;
use okta_eventhooks_tests::nats::NatsServer;
use okta_eventhooks_tests::nats_secure::{OperatorMode, TlsFiles};
use okta_eventhooks_tests::scratch::tempdir;
use okta_eventhooks_tests::secrets::HOOK_SECRET;

const PASSWORD: &str = "nats-pass-never-shown-7331";
const TOKEN: &str = "nats-token-never-shown-4242";

fn servers(url: &str, options: NatsOptions) -> NatsServers {
    NatsServers::new([url]).unwrap().with_options(options)
}

/// Connects, creates the stream and relays one delivery: the connection really carries
/// JetStream traffic, not just a CONNECT.
async fn relays_one_delivery(nats: &NatsServers) {
    let store = JetStreamStore::connect(nats, &StreamSettings::default(), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(store.nats_connected(), "connected");
    let receiver = Receiver::builder()
        .path("/okta/events")
        .auth_header("Authorization", HOOK_SECRET);
    let relay = RunningRelay::start(receiver, store, "127.0.0.1:0")
        .await
        .unwrap();
    let body = delivery("env-1", &["user.lifecycle.create"]).to_string();
    let response = post_delivery(&relay.url(), Some(HOOK_SECRET), body).await;
    assert_eq!(response.status(), 200);
    let stats = relay.shutdown().await.unwrap();
    assert_eq!(stats.published + stats.duplicates, 1);
}

/// The connection fails as a setting to fix, and shows none of `secrets`.
async fn refused(nats: &NatsServers, secrets: &[&str]) -> Error {
    let err = tokio::time::timeout(
        Duration::from_secs(20),
        JetStreamStore::connect(nats, &StreamSettings::default(), None),
    )
    .await
    .expect("a refused connection ends")
    .unwrap_err();
    let shown = format!("{err} {err:?}");
    for secret in secrets {
        assert!(!shown.contains(secret), "{shown}");
    }
    err
}

macro_rules! nats_test {
    ($name:ident, $body:block) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        #[cfg_attr(
            not(any(nats_server, ci)),
            ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
        )]
        async fn $name() $body
    };
}

nats_test!(user_and_password_in_the_url_or_given_apart_are_sent, {
    let nats = NatsServer::start_with_config(&format!(
        "authorization {{ users: [ {{ user: alice, password: {PASSWORD:?} }} ] }}\n"
    ));
    let in_url = nats
        .url()
        .replace("nats://", &format!("nats://alice:{PASSWORD}@"));
    relays_one_delivery(&servers(&in_url, NatsOptions::new())).await;
    relays_one_delivery(&servers(
        &nats.url(),
        NatsOptions::new().user_password("alice", PASSWORD.into()),
    ))
    .await;
    let wrong = nats.url().replace("nats://", "nats://alice:wrong-pass@");
    let err = refused(&servers(&wrong, NatsOptions::new()), &["wrong-pass"]).await;
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    assert!(err.to_string().contains("authentication failed"), "{err}");
    let err = refused(&servers(&nats.url(), NatsOptions::new()), &[]).await;
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
});

nats_test!(a_token_in_the_url_or_given_apart_is_sent, {
    let nats = NatsServer::start_with_config(&format!("authorization {{ token: {TOKEN:?} }}\n"));
    let in_url = nats.url().replace("nats://", &format!("nats://{TOKEN}@"));
    relays_one_delivery(&servers(&in_url, NatsOptions::new())).await;
    relays_one_delivery(&servers(
        &nats.url(),
        NatsOptions::new().token(TOKEN.into()),
    ))
    .await;
    let err = refused(
        &servers(
            &nats.url(),
            NatsOptions::new().token("not-the-token".into()),
        ),
        &["not-the-token"],
    )
    .await;
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
});

nats_test!(an_nkey_seed_file_signs_the_servers_nonce, {
    let user = nkeys::KeyPair::new_user();
    let dir = tempdir("nats-nkey");
    let seed_file = dir.join("user.nk");
    std::fs::write(&seed_file, format!("{}\n", user.seed().unwrap())).unwrap();
    let nats = NatsServer::start_with_config(&format!(
        "authorization {{ users: [ {{ nkey: {} }} ] }}\n",
        user.public_key()
    ));
    relays_one_delivery(&servers(
        &nats.url(),
        NatsOptions::new().nkey_file(&seed_file),
    ))
    .await;
    // Another user's seed: the server does not know its public key.
    let other = dir.join("other.nk");
    let other_seed = nkeys::KeyPair::new_user().seed().unwrap();
    std::fs::write(&other, &other_seed).unwrap();
    let err = refused(
        &servers(&nats.url(), NatsOptions::new().nkey_file(&other)),
        &[&other_seed],
    )
    .await;
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
});

nats_test!(a_creds_file_in_operator_mode, {
    let dir = tempdir("nats-operator");
    let operator = OperatorMode::mint(&dir);
    let nats = NatsServer::start_with_config(&operator.server_config);
    relays_one_delivery(&servers(
        &nats.url(),
        NatsOptions::new().creds_file(&operator.creds),
    ))
    .await;
    // Without the creds file, operator mode admits no one.
    let err = refused(&servers(&nats.url(), NatsOptions::new()), &[]).await;
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
});

nats_test!(tls_with_a_ca_the_test_made, {
    let dir = tempdir("nats-tls");
    let tls = TlsFiles::mint(&dir);
    let nats = NatsServer::start_with_config(&tls.server_config(false, false));
    let tls_url = nats.url().replace("nats://", "tls://");
    relays_one_delivery(&servers(&tls_url, NatsOptions::new().tls_ca(&tls.ca))).await;
    // Without the CA, the server's certificate is not trusted.
    let err = refused(&servers(&tls_url, NatsOptions::new()), &[]).await;
    assert!(matches!(err, Error::Tls { .. }), "{err:?}");
    assert!(err.to_string().contains("TLS failed"), "{err}");
});

nats_test!(mutual_tls_needs_the_client_certificate, {
    let dir = tempdir("nats-mtls");
    let tls = TlsFiles::mint(&dir);
    let nats = NatsServer::start_with_config(&tls.server_config(true, false));
    let tls_url = nats.url().replace("nats://", "tls://");
    relays_one_delivery(&servers(
        &tls_url,
        NatsOptions::new()
            .tls_ca(&tls.ca)
            .tls_client_cert(&tls.client_cert, &tls.client_key),
    ))
    .await;
    let err = refused(&servers(&tls_url, NatsOptions::new().tls_ca(&tls.ca)), &[]).await;
    assert!(matches!(err, Error::Tls { .. }), "{err:?}");
});

nats_test!(tls_first_for_a_server_that_handshakes_first, {
    let dir = tempdir("nats-tls-first");
    let tls = TlsFiles::mint(&dir);
    let nats = NatsServer::start_with_config(&tls.server_config(false, true));
    relays_one_delivery(&servers(
        &nats.url(),
        NatsOptions::new().tls_ca(&tls.ca).tls_first(true),
    ))
    .await;
});
