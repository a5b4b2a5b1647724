//! DPoP (RFC 9449) over real HTTP: proofs verified at the token endpoint and at the API
//! (signature, `htm`, `htu`, `ath`, nonce), `use_dpop_nonce` at both, a fresh proof on every
//! attempt, and DPoP switched on when the token endpoint demands it.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use okta_eventhooks::Client;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::auth_server::{CLIENT_ID, DpopPolicy, KID, TestKey, TokenEndpoint, verify_proof};

const HOOKS: &str = "/api/v1/eventHooks";

/// An API that insists on DPoP: `Authorization: DPoP <token>`, a valid proof bound to the
/// token, and its current nonce (asked for with `use_dpop_nonce` until it is sent).
struct DpopApi {
    uri: String,
    nonce: String,
    log: Arc<Mutex<ApiLog>>,
}

#[derive(Default)]
struct ApiLog {
    failures: Vec<String>,
    jtis: Vec<String>,
    nonces: Vec<Option<String>>,
    statuses: Vec<u16>,
}

impl Respond for DpopApi {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut log = self.log.lock().unwrap();
        let auth = crate::auth_server::header(request, "authorization").unwrap_or_default();
        let Some(token) = auth.strip_prefix("DPoP ") else {
            log.failures.push(format!("authorization {auth:?}"));
            log.statuses.push(400);
            return ResponseTemplate::new(400);
        };
        let proof = crate::auth_server::header(request, "dpop").unwrap_or_default();
        let htu = format!("{}{}", self.uri, request.url.path());
        let claims = match verify_proof(proof, request.method.as_str(), &htu, Some(token)) {
            Ok(claims) => claims,
            Err(why) => {
                log.failures.push(why);
                log.statuses.push(400);
                return ResponseTemplate::new(400);
            }
        };
        log.jtis.push(claims["jti"].as_str().unwrap().to_owned());
        let nonce = claims["nonce"].as_str().map(str::to_owned);
        log.nonces.push(nonce.clone());
        if nonce.as_deref() != Some(self.nonce.as_str()) {
            log.statuses.push(401);
            return ResponseTemplate::new(401)
                .insert_header("WWW-Authenticate", "DPoP error=\"use_dpop_nonce\", error_description=\"Resource server requires nonce in DPoP proof\"")
                .insert_header("DPoP-Nonce", self.nonce.as_str());
        }
        log.statuses.push(200);
        ResponseTemplate::new(200).set_body_json(json!([]))
    }
}

async fn mount_api(server: &MockServer, nonce: &str) -> Arc<Mutex<ApiLog>> {
    let log = Arc::new(Mutex::new(ApiLog::default()));
    Mock::given(method("GET"))
        .and(path(HOOKS))
        .respond_with(DpopApi {
            uri: server.uri(),
            nonce: nonce.into(),
            log: log.clone(),
        })
        .mount(server)
        .await;
    log
}

#[tokio::test]
async fn dpop_proofs_and_nonces_at_the_token_endpoint_and_the_api() {
    let server = MockServer::start().await;
    let key = TestKey::es256();
    let mut endpoint = TokenEndpoint::new(&server, &key);
    endpoint.dpop = DpopPolicy {
        required: true,
        nonce: Some("as-nonce-1".into()),
    };
    let endpoint = endpoint.mount(&server).await;
    let api = mount_api(&server, "rs-nonce-1").await;

    let client = Client::builder()
        .org_url(server.uri())
        .client_id(CLIENT_ID)
        .private_key(key.private.as_str())
        .key_id(KID)
        .dpop(true)
        .build()
        .unwrap();
    client.list_event_hooks().await.unwrap();
    // The nonce is remembered: the next call needs no extra round trip.
    client.list_event_hooks().await.unwrap();

    assert_eq!(endpoint.failures(), Vec::<String>::new());
    assert_eq!(
        *endpoint.proofs.lock().unwrap(),
        [(true, None), (true, Some("as-nonce-1".to_owned()))],
        "token endpoint: a proof, then the same request with the nonce it asked for"
    );
    let log = api.lock().unwrap();
    assert_eq!(log.failures, Vec::<String>::new());
    assert_eq!(log.statuses, [401, 200, 200]);
    assert_eq!(
        log.nonces,
        [None, Some("rs-nonce-1".into()), Some("rs-nonce-1".into())]
    );
    let unique: HashSet<&String> = log.jtis.iter().collect();
    assert_eq!(unique.len(), 3, "a fresh proof on every attempt");
}

#[tokio::test]
async fn dpop_is_switched_on_when_the_token_endpoint_requires_it() {
    let server = MockServer::start().await;
    let key = TestKey::rsa();
    let mut endpoint = TokenEndpoint::new(&server, &key);
    endpoint.dpop = DpopPolicy {
        required: true,
        nonce: None,
    };
    let endpoint = endpoint.mount(&server).await;
    let api = mount_api(&server, "n").await;

    // No .dpop(true): the client learns it from `invalid_dpop_proof`.
    let client = Client::builder()
        .org_url(server.uri())
        .client_id(CLIENT_ID)
        .private_key(key.private.as_str())
        .key_id(KID)
        .build()
        .unwrap();
    client.list_event_hooks().await.unwrap();

    assert_eq!(endpoint.failures(), Vec::<String>::new());
    assert_eq!(
        *endpoint.proofs.lock().unwrap(),
        [(false, None), (true, None)]
    );
    {
        let log = api.lock().unwrap();
        assert_eq!(log.failures, Vec::<String>::new());
        assert_eq!(log.statuses, [401, 200]);
    }
    let requests = server.received_requests().await.unwrap();
    let last = requests.last().unwrap();
    assert_eq!(
        crate::auth_server::header(last, "x-okta-user-agent-extended"),
        Some("isDPoP:true")
    );
}

#[tokio::test]
async fn dpop_proofs_never_show_in_debug() {
    let server = MockServer::start().await;
    let key = TestKey::es256();
    let mut endpoint = TokenEndpoint::new(&server, &key);
    endpoint.dpop.required = true;
    endpoint.mount(&server).await;
    mount_api(&server, "n").await;
    let client = Client::builder()
        .org_url(server.uri())
        .client_id(CLIENT_ID)
        .private_key(key.private.as_str())
        .key_id(KID)
        .dpop(true)
        .build()
        .unwrap();
    client.list_event_hooks().await.unwrap();
    let shown = format!("{client:?}");
    let requests = server.received_requests().await.unwrap();
    for request in &requests {
        if let Some(proof) = crate::auth_server::header(request, "dpop") {
            let signature = proof.rsplit('.').next().unwrap();
            assert!(!shown.contains(signature), "proof leaked: {shown}");
        }
    }
    assert!(!shown.contains("tok-1"), "{shown}");
}

#[tokio::test]
async fn a_rate_limited_attempt_is_retried_with_a_fresh_proof() {
    let server = MockServer::start().await;
    let key = TestKey::es256();
    TokenEndpoint::new(&server, &key).mount(&server).await;
    Mock::given(method("GET"))
        .and(path(HOOKS))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let api = mount_api(&server, "n").await;
    let client = Client::builder()
        .org_url(server.uri())
        .client_id(CLIENT_ID)
        .private_key(key.private.as_str())
        .key_id(KID)
        .dpop(true)
        .sleep_with(|_| async {})
        .build()
        .unwrap();
    client.list_event_hooks().await.unwrap();

    let proofs: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == HOOKS)
        .map(|r| crate::auth_server::header(r, "dpop").unwrap().to_owned())
        .collect();
    // 429, then use_dpop_nonce, then success: three attempts, three different proofs.
    assert_eq!(proofs.len(), 3);
    let jtis: HashSet<String> = proofs
        .iter()
        .map(|p| {
            let uri = format!("{}{HOOKS}", server.uri());
            let token = "tok-1";
            verify_proof(p, "GET", &uri, Some(token)).unwrap()["jti"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(jtis.len(), 3, "every attempt carries a new proof");
    assert_eq!(api.lock().unwrap().statuses, [401, 200]);
}

/// A `MakeWriter` that appends everything to one buffer.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

/// Runs the log check in a process of its own: `tracing` decides once per call site whether
/// it is enabled, so subscribers of tests running in parallel threads could hide events.
#[test]
fn trace_logs_of_oauth_and_dpop_flows_hold_no_secret() {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "auth_dpop::trace_logs_child",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("1 passed"), "{stdout}");
}

#[tokio::test]
#[ignore = "run in its own process by trace_logs_of_oauth_and_dpop_flows_hold_no_secret"]
async fn trace_logs_child() {
    let server = MockServer::start().await;
    let key = TestKey::rsa();
    let mut endpoint = TokenEndpoint::new(&server, &key);
    endpoint.dpop = DpopPolicy {
        required: true,
        nonce: Some("as-n".into()),
    };
    endpoint.mount(&server).await;
    // The first DPoP token is rejected once (401 re-authentication), then the nonce dance.
    Mock::given(method("GET"))
        .and(path(HOOKS))
        .and(wiremock::matchers::header("authorization", "DPoP tok-1"))
        .respond_with(ResponseTemplate::new(401))
        .with_priority(1)
        .mount(&server)
        .await;
    let api = mount_api(&server, "rs-n").await;

    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let client = Client::builder()
        .org_url(server.uri())
        .client_id(CLIENT_ID)
        .private_key(key.private.as_str())
        .key_id(KID)
        .build()
        .unwrap();
    client.list_event_hooks().await.unwrap();
    assert_eq!(api.lock().unwrap().statuses, [401, 200]);

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    for expected in [
        "switching it on",
        "fetched an access token",
        "access token rejected",
        "asked for a DPoP nonce",
    ] {
        assert!(logs.contains(expected), "{expected:?} not logged:\n{logs}");
    }
    let requests = server.received_requests().await.unwrap();
    let mut secrets: Vec<String> = vec![
        "tok-1".into(),
        "tok-2".into(),
        key.private.lines().nth(1).unwrap().to_owned(),
    ];
    for request in &requests {
        if let Some(proof) = crate::auth_server::header(request, "dpop") {
            secrets.push(proof.rsplit('.').next().unwrap().to_owned());
        }
        if request.url.path() == "/oauth2/v1/token" {
            let assertion = url::form_urlencoded::parse(&request.body)
                .find(|(k, _)| k == "client_assertion")
                .unwrap()
                .1
                .into_owned();
            secrets.push(assertion.rsplit('.').next().unwrap().to_owned());
        }
    }
    assert!(secrets.len() > 5);
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "{secret} leaked into:\n{logs}"
        );
    }
}
