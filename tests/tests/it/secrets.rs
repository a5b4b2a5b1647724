//! Secrets never show in Debug output, errors or logs.

use std::io::Write;
use std::sync::{Arc, Mutex};

use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use okta_eventhooks_tests::fixtures::*;
use okta_eventhooks_tests::mock_org::*;
use okta_eventhooks_tests::secrets::*;

fn assert_clean(what: &str, text: &str) {
    for secret in [TOKEN, HOOK_SECRET, HEADER_SECRET] {
        assert!(!text.contains(secret), "{what} leaks a secret: {text}");
    }
}

#[test]
fn debug_of_every_type_holding_a_secret_is_redacted() {
    let hook = sample_hook();
    assert_clean("EventHook", &format!("{hook:?} {hook:#?}"));
    assert_clean("channel", &format!("{:?}", hook.channel));
    assert_clean("config", &format!("{:?}", hook.channel.config));
    assert_clean(
        "authScheme",
        &format!("{:?}", hook.channel.config.auth_scheme),
    );
    assert_clean("headers", &format!("{:?}", hook.channel.config.headers));
    assert!(format!("{:?}", hook.channel.config.auth_scheme).contains("[REDACTED]"));

    let builder = okta_eventhooks::Client::builder()
        .org_url("https://acme.okta.com")
        .api_token(TOKEN)
        .proxy(format!("http://user:{TOKEN}@proxy.local:3128"));
    assert_clean("ClientBuilder", &format!("{builder:?}"));
    let client = builder.build().unwrap();
    assert_clean("Client", &format!("{client:?}"));
    let credentials = okta_eventhooks::Credentials::ApiToken(TOKEN.into());
    assert_clean("Credentials", &format!("{credentials:?}"));
    let channel = okta_eventhooks::Channel::https("https://h.example.com")
        .unwrap()
        .auth_header("Authorization", HOOK_SECRET);
    assert_clean("Channel", &format!("{channel:?}"));
}

#[test]
fn validation_errors_name_the_header_not_the_value() {
    let err = okta_eventhooks::Channel::https("https://h.example.com")
        .unwrap()
        .header("X-Key", format!("{HEADER_SECRET}\r\nInjected: 1"))
        .build()
        .unwrap_err();
    assert_clean("error", &err.to_string());
    assert!(err.to_string().contains("\"X-Key\""), "{err}");
}

#[test]
fn bad_token_and_proxy_errors_do_not_echo_them() {
    let err = okta_eventhooks::Client::builder()
        .org_url("https://acme.okta.com")
        .api_token(format!("{TOKEN}\n"))
        .proxy(format!("::not a url {TOKEN}"))
        .build()
        .unwrap_err();
    assert_clean("error", &format!("{err} {err:?}"));
}

/// A `MakeWriter` that appends everything to one buffer.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
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

#[tokio::test]
async fn trace_logs_of_a_full_lifecycle_hold_no_secret() {
    let server = MockServer::start().await;
    let id = "whokwr4rnwl1qMMuk1d7";
    Mock::given(method("POST"))
        .and(path_regex("^/api/v1/eventHooks$"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(ACTIVE, "application/json"))
        .mount(&server)
        .await;
    // One 429 then success, and one 503 then success, so that retry paths log too.
    Mock::given(method("GET"))
        .and(path_regex("^/api/v1/eventHooks/.*"))
        .respond_with(ResponseTemplate::new(429).insert_header("x-okta-request-id", "req429"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/api/v1/eventHooks$"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(format!("[{ACTIVE}]"), "application/json"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/api/v1/eventHooks/.+"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(ACTIVE, "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(ACTIVE, "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex("lifecycle"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(INACTIVE_FILTERED, "application/json"),
        )
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;

    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let client = client(&server);
    let hook = sample_hook();
    client.create_event_hook(&hook).await.unwrap();
    client.get_event_hook(id).await.unwrap();
    client.list_event_hooks().await.unwrap();
    let mut fetched = client.get_event_hook(id).await.unwrap();
    fetched.set_auth_secret(HOOK_SECRET).unwrap();
    fetched.channel.config.headers = hook.channel.config.headers.clone();
    client.replace_event_hook(id, &fetched).await.unwrap();
    client.verify_event_hook(id).await.unwrap();
    client.deactivate_event_hook(id).await.unwrap();
    client.activate_event_hook(id).await.unwrap();
    client.deactivate_event_hook(id).await.unwrap();
    client.delete_event_hook(id).await.unwrap();

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("okta_eventhooks.attempt"),
        "tracing captured nothing:\n{logs}"
    );
    assert!(
        logs.contains("rate limited"),
        "the 429 retry should be logged:\n{logs}"
    );
    assert_clean("trace log", &logs);
}
