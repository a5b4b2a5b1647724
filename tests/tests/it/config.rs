//! Configuration: precedence across `~/.okta/okta.yaml`, `./okta.yaml`, environment and
//! explicit settings, checked on the wire; profiles; clear errors for malformed and missing
//! values; file-permission warnings; secrets never shown.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use okta_eventhooks::Secret;
use okta_eventhooks::config::{Config, ConfigLoader};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::auth_server::{CLIENT_ID, KID, TestKey, TokenEndpoint};

/// A scratch directory with a fake home (`home/.okta/okta.yaml`) and a working directory.
struct Dirs {
    root: PathBuf,
}

impl Dirs {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "okta-eventhooks-config-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("home/.okta")).unwrap();
        std::fs::create_dir_all(root.join("work")).unwrap();
        Self { root }
    }

    fn home(&self) -> PathBuf {
        self.root.join("home")
    }

    fn work(&self) -> PathBuf {
        self.root.join("work")
    }

    fn home_yaml(&self, text: &str) -> PathBuf {
        write_private(&self.home().join(".okta/okta.yaml"), text)
    }

    fn local_yaml(&self, text: &str) -> PathBuf {
        write_private(&self.work().join("okta.yaml"), text)
    }

    fn loader(&self, env: &[(&str, &str)]) -> ConfigLoader {
        ConfigLoader::new()
            .home_dir(self.home())
            .current_dir(self.work())
            .env(env.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }
}

impl Drop for Dirs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn write_private(path: &Path, text: &str) -> PathBuf {
    std::fs::write(path, text).unwrap();
    set_mode(path, 0o600);
    path.to_owned()
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) {}

fn origin_of(config: &Config, key: &str) -> String {
    config
        .entries()
        .into_iter()
        .find(|e| e.key == key)
        .map(|e| e.origin)
        .unwrap_or_else(|| "unset".into())
}

/// Sends one call with the configured client; returns the `Authorization` header it carried.
async fn authorization_sent(config: &Config, server: &MockServer) -> String {
    let client = config.client_builder().unwrap().build().unwrap();
    client.list_event_hooks().await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let last = requests.last().unwrap();
    last.headers["authorization"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn precedence_table_files_then_env_then_flags() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    // (home, local, env, flag) tokens → expected token and origin.
    type Case = (
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
        &'static str,
        &'static str,
    );
    let cases: [Case; 7] = [
        (Some("home"), None, None, None, "home", "~/.okta/okta.yaml"),
        (None, Some("local"), None, None, "local", "./okta.yaml"),
        (
            Some("home"),
            Some("local"),
            None,
            None,
            "local",
            "./okta.yaml",
        ),
        (
            Some("home"),
            Some("local"),
            Some("env"),
            None,
            "env",
            "OKTA_CLIENT_TOKEN",
        ),
        (
            Some("home"),
            None,
            Some("env"),
            None,
            "env",
            "OKTA_CLIENT_TOKEN",
        ),
        (
            Some("home"),
            Some("local"),
            Some("env"),
            Some("flag"),
            "flag",
            "--api-token",
        ),
        (None, None, None, Some("flag"), "flag", "--api-token"),
    ];
    for (i, (home, local, env, flag, want, want_origin)) in cases.into_iter().enumerate() {
        let dirs = Dirs::new();
        // The org URL always comes from the home file; the token from wherever the case says.
        let mut home_text = format!("okta:\n  client:\n    orgUrl: {}\n", server.uri());
        if let Some(t) = home {
            home_text.push_str(&format!("    token: {t}\n"));
        }
        dirs.home_yaml(&home_text);
        if let Some(t) = local {
            dirs.local_yaml(&format!("okta:\n  client:\n    token: {t}\n"));
        }
        let env: Vec<(&str, &str)> = env.map(|t| ("OKTA_CLIENT_TOKEN", t)).into_iter().collect();
        let mut config = dirs.loader(&env).load().unwrap();
        if let Some(t) = flag {
            config.set_api_token(Secret::new(t), "--api-token");
        }
        assert_eq!(
            origin_of(&config, "okta.client.token"),
            want_origin,
            "case {i}"
        );
        assert_eq!(
            config.credential_summary(),
            format!("SSWS API token from {want_origin}"),
            "case {i}"
        );
        assert_eq!(
            origin_of(&config, "okta.client.orgUrl"),
            "~/.okta/okta.yaml"
        );
        assert_eq!(
            authorization_sent(&config, &server).await,
            format!("SSWS {want}"),
            "case {i}"
        );
    }
}

#[tokio::test]
async fn http_settings_from_files_and_env_reach_the_client() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let dirs = Dirs::new();
    dirs.home_yaml(&format!(
        "okta:\n  client:\n    orgUrl: {}\n    token: t\n    rateLimit:\n      maxRetries: 4\n      maxBackoff: 0.001\n    userAgent: from-home/1\n",
        server.uri()
    ));
    dirs.local_yaml("okta:\n  client:\n    userAgent: from-local/2\n");
    // The environment lowers the retries to 1 (underscored spelling): 2 requests in all.
    let config = dirs
        .loader(&[("OKTA_CLIENT_RATE_LIMIT_MAX_RETRIES", "1")])
        .load()
        .unwrap();
    let client = config.client_builder().unwrap().build().unwrap();
    let err = client.list_event_hooks().await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    let ua = requests[0].headers["user-agent"].to_str().unwrap();
    assert!(ua.ends_with(" from-local/2"), "{ua}");
    assert_eq!(
        origin_of(&config, "okta.client.rateLimit.maxRetries"),
        "OKTA_CLIENT_RATE_LIMIT_MAX_RETRIES"
    );
    assert_eq!(
        origin_of(&config, "okta.client.rateLimit.maxBackoff"),
        "~/.okta/okta.yaml"
    );
}

#[tokio::test]
async fn private_key_mode_from_yaml_with_a_key_file_and_aliases() {
    let server = MockServer::start().await;
    let key = TestKey::es256();
    let endpoint = TokenEndpoint::new(&server, &key);
    let endpoint = {
        let mut e = endpoint;
        e.scope = "okta.eventHooks.read okta.eventHooks.manage".into();
        e
    }
    .mount(&server)
    .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let dirs = Dirs::new();
    write_private(&dirs.home().join(".okta/app.pem"), &key.private);
    dirs.home_yaml(&format!(
        "okta:\n  client:\n    orgUrl: {}\n    authorizationMode: PrivateKey\n    clientId: {CLIENT_ID}\n    privateKey: ~/.okta/app.pem\n    privateKeyId: {KID}\n    scopes:\n      - okta.eventHooks.read\n      - okta.eventHooks.manage\n",
        server.uri()
    ));
    let config = dirs.loader(&[]).load().unwrap();
    let summary = config.credential_summary();
    assert!(
        summary.starts_with(&format!(
            "OAuth 2.0 private key JWT: client id {CLIENT_ID} (from ~/.okta/okta.yaml), private key from ~/.okta/okta.yaml, key id {KID}"
        )),
        "{summary}"
    );
    let client = config.client_builder().unwrap().build().unwrap();
    client.list_event_hooks().await.unwrap();
    assert_eq!(endpoint.failures(), Vec::<String>::new());
    assert_eq!(endpoint.issued.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn private_key_mode_from_env_with_inline_key_and_comma_scopes() {
    let server = MockServer::start().await;
    let key = TestKey::rsa();
    let mut endpoint = TokenEndpoint::new(&server, &key);
    endpoint.kid = Some("env-kid".into());
    endpoint.scope = "okta.eventHooks.read".into();
    let endpoint = endpoint.mount(&server).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let dirs = Dirs::new();
    let uri = server.uri();
    // No authorizationMode: a client id without a token means PrivateKey.
    let config = dirs
        .loader(&[
            ("OKTA_CLIENT_ORGURL", uri.as_str()),
            ("OKTA_CLIENT_CLIENTID", CLIENT_ID),
            ("OKTA_CLIENT_PRIVATEKEY", key.private.as_str()),
            ("OKTA_CLIENT_KEYID", "env-kid"),
            ("OKTA_CLIENT_SCOPES", "okta.eventHooks.read,"),
        ])
        .load()
        .unwrap();
    assert!(!format!("{config:?}").contains(key.private.lines().nth(1).unwrap()));
    config
        .client_builder()
        .unwrap()
        .build()
        .unwrap()
        .list_event_hooks()
        .await
        .unwrap();
    assert_eq!(endpoint.failures(), Vec::<String>::new());
    let auth = server.received_requests().await.unwrap()[1].headers["authorization"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(auth, "Bearer tok-1");
}

#[test]
fn profiles_overlay_the_base_settings_of_each_file() {
    let dirs = Dirs::new();
    dirs.home_yaml(
        "okta:\n  client:\n    orgUrl: https://prod.okta.com\n    token: prod-token\n  profiles:\n    staging:\n      client:\n        orgUrl: https://staging.oktapreview.com\n",
    );
    dirs.local_yaml(
        "okta:\n  profiles:\n    staging:\n      client:\n        token: staging-token\n",
    );
    let config = dirs.loader(&[]).profile("staging").load().unwrap();
    assert_eq!(config.org_url(), Some("https://staging.oktapreview.com"));
    assert_eq!(
        origin_of(&config, "okta.client.orgUrl"),
        "~/.okta/okta.yaml (profile staging)"
    );
    assert_eq!(
        config.credential_summary(),
        "SSWS API token from ./okta.yaml (profile staging)"
    );
    // Chosen by the environment too.
    let config = dirs
        .loader(&[("OKTA_CLIENT_PROFILE", "staging")])
        .load()
        .unwrap();
    assert_eq!(config.org_url(), Some("https://staging.oktapreview.com"));
    // Without a profile the base settings apply.
    let config = dirs.loader(&[]).load().unwrap();
    assert_eq!(config.org_url(), Some("https://prod.okta.com"));

    let err = dirs
        .loader(&[])
        .profile("nope")
        .load()
        .unwrap_err()
        .to_string();
    assert!(err.contains("profile \"nope\" is not defined"), "{err}");
}

#[test]
fn malformed_yaml_names_the_file_and_line() {
    let dirs = Dirs::new();
    let file =
        dirs.local_yaml("okta:\n  client:\n    orgUrl: https://a.okta.com\n   token: [unclosed\n");
    let err = dirs.loader(&[]).load().unwrap_err();
    let text = err.to_string();
    assert!(err.is_local(), "{text}");
    assert!(text.contains("./okta.yaml"), "{text}");
    assert!(text.contains(&file.display().to_string()), "{text}");
    assert!(text.contains("line 4"), "{text}");

    let dirs = Dirs::new();
    dirs.home_yaml("okta:\n  client:\n    orgUrl:\n      nested: map\n");
    let text = dirs.loader(&[]).load().unwrap_err().to_string();
    assert!(
        text.contains("okta.client.orgUrl in ~/.okta/okta.yaml must be a single value"),
        "{text}"
    );
}

#[test]
fn missing_and_malformed_values_are_all_listed_with_their_origins() {
    let dirs = Dirs::new();
    let text = dirs
        .loader(&[])
        .load()
        .unwrap()
        .client_builder()
        .unwrap_err()
        .to_string();
    assert!(text.contains("2 problem(s)"), "{text}");
    assert!(
        text.contains("no org URL: set okta.client.orgUrl or OKTA_CLIENT_ORGURL"),
        "{text}"
    );
    assert!(text.contains("no credentials"), "{text}");

    dirs.home_yaml("okta:\n  client:\n    orgUrl: http://acme.okta.com\n    token: sekrit-token-value\n    requestTimeout: soon\n");
    let mut config = dirs
        .loader(&[
            ("OKTA_CLIENT_AUTHORIZATIONMODE", "PrivateKey"),
            ("OKTA_CLIENT_RATELIMIT_MAXRETRIES", "many"),
            ("OKTA_CLIENT_PROXY_PORT", "3128"),
        ])
        .load()
        .unwrap();
    config.set_connect_timeout(Duration::from_secs(5), "--connect-timeout");
    let text = config.client_builder().unwrap_err().to_string();
    for want in [
        "6 problem(s)",
        "invalid org URL \"http://acme.okta.com\": it must use https:// (http:// is only accepted for loopback hosts) (from ~/.okta/okta.yaml)",
        "authorizationMode PrivateKey (from OKTA_CLIENT_AUTHORIZATIONMODE) needs a client id: set okta.client.clientId or OKTA_CLIENT_CLIENTID",
        "needs a private key: set okta.client.privateKey or OKTA_CLIENT_PRIVATEKEY",
        "okta.client.requestTimeout \"soon\" (from ~/.okta/okta.yaml) is not a duration",
        "okta.client.rateLimit.maxRetries \"many\" (from OKTA_CLIENT_RATELIMIT_MAXRETRIES) is not a whole number",
        "a proxy port or user name is set but no okta.client.proxy.host",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    assert!(!text.contains("sekrit"), "{text}");

    // A flag fixes what the files got wrong.
    let dirs = Dirs::new();
    dirs.home_yaml(
        "okta:\n  client:\n    orgUrl: http://acme.okta.com\n    authorizationMode: Magic\n",
    );
    let mut config = dirs.loader(&[]).load().unwrap();
    let text = config.client_builder().unwrap_err().to_string();
    assert!(
        text.contains("authorizationMode \"Magic\" (from ~/.okta/okta.yaml) is not one of SSWS, Bearer, PrivateKey"),
        "{text}"
    );
    config.set_org_url("https://acme.okta.com", "--org-url");
    config.set_api_token(Secret::new("t"), "--api-token");
    config.client_builder().unwrap().build().unwrap();
}

#[test]
fn a_missing_or_bad_key_file_is_reported_with_its_origin() {
    let dirs = Dirs::new();
    dirs.local_yaml("okta:\n  client:\n    orgUrl: https://acme.okta.com\n    clientId: x\n    privateKey: keys/missing.pem\n");
    let text = dirs
        .loader(&[])
        .load()
        .unwrap()
        .client_builder()
        .unwrap_err()
        .to_string();
    // The setting is secret as a whole (what was taken for a path may be key material): the
    // error names the setting and where it came from, never its value.
    assert!(
        text.contains(
            "cannot read the private key file that okta.client.privateKey names (from ./okta.yaml): "
        ),
        "{text}"
    );
    assert!(!text.contains("missing.pem"), "{text}");

    let bad = dirs.work().join("bad.pem");
    write_private(
        &bad,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    );
    let text = dirs
        .loader(&[("OKTA_CLIENT_PRIVATEKEY", bad.to_str().unwrap())])
        .load()
        .unwrap()
        .client_builder()
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("the private key is not usable")
            && text.contains("(from OKTA_CLIENT_PRIVATEKEY)"),
        "{text}"
    );
}

#[cfg(unix)]
#[test]
fn files_holding_secrets_readable_by_others_are_warned_about() {
    let dirs = Dirs::new();
    let file =
        dirs.home_yaml("okta:\n  client:\n    orgUrl: https://acme.okta.com\n    token: t\n");
    assert!(dirs.loader(&[]).load().unwrap().warnings().is_empty());
    set_mode(&file, 0o644);
    let config = dirs.loader(&[]).load().unwrap();
    assert_eq!(config.warnings().len(), 1);
    assert!(
        config.warnings()[0].contains("readable by others (mode 644)"),
        "{:?}",
        config.warnings()
    );
    // A world-readable file without secrets is fine.
    dirs.home_yaml("okta:\n  client:\n    orgUrl: https://acme.okta.com\n");
    set_mode(&file, 0o644);
    assert!(dirs.loader(&[]).load().unwrap().warnings().is_empty());
}

/// A private key file that group or others may read is warned about like a YAML file, with
/// where its path came from; the key still works.
#[cfg(unix)]
#[test]
fn private_key_files_readable_by_others_are_warned_about() {
    let dirs = Dirs::new();
    let key = TestKey::es256();
    let pem = write_private(&dirs.home().join(".okta/app.pem"), &key.private);
    dirs.home_yaml(
        "okta:\n  client:\n    orgUrl: https://acme.okta.com\n    clientId: x\n    privateKey: ~/.okta/app.pem\n",
    );
    assert_eq!(dirs.loader(&[]).load().unwrap().warnings(), [""; 0]);

    set_mode(&pem, 0o640);
    let config = dirs.loader(&[]).load().unwrap();
    assert_eq!(
        config.warnings(),
        [format!(
            "the private key file (from ~/.okta/okta.yaml) ({}) holds a secret but is readable by others (mode 640); run: chmod 600 {}",
            pem.display(),
            pem.display()
        )]
    );
    config.client_builder().unwrap().build().unwrap();

    // Named by the environment, or set explicitly (a flag).
    let config = dirs
        .loader(&[("OKTA_CLIENT_PRIVATEKEY", pem.to_str().unwrap())])
        .load()
        .unwrap();
    assert_eq!(config.warnings().len(), 1, "{:?}", config.warnings());
    assert!(
        config.warnings()[0].starts_with("the private key file (from OKTA_CLIENT_PRIVATEKEY)"),
        "{:?}",
        config.warnings()
    );
    let other = Dirs::new();
    let mut config = other.loader(&[]).load().unwrap();
    assert!(config.warnings().is_empty());
    config.set_private_key(Secret::new(pem.to_str().unwrap()), "--private-key");
    assert_eq!(config.warnings().len(), 1, "{:?}", config.warnings());
    assert!(
        config.warnings()[0].contains("(from --private-key)"),
        "{:?}",
        config.warnings()
    );

    // Inline keys name no file.
    let config = other
        .loader(&[("OKTA_CLIENT_PRIVATEKEY", key.private.as_str())])
        .load()
        .unwrap();
    assert!(config.warnings().is_empty(), "{:?}", config.warnings());
}

/// Every YAML path and environment variable Okta's configuration knows (aliases included)
/// reaches its setting, shown under the canonical name, redacted when secret.
#[test]
fn every_yaml_path_and_environment_name_reaches_its_setting() {
    // (YAML paths, environment names, a valid value, secret); canonical names first.
    type Row = (
        &'static [&'static str],
        &'static [&'static str],
        &'static str,
        bool,
    );
    const SETTINGS: [Row; 18] = [
        (
            &["orgUrl"],
            &["OKTA_CLIENT_ORGURL"],
            "https://acme.okta.com",
            false,
        ),
        (&["token"], &["OKTA_CLIENT_TOKEN"], "00tok", true),
        (
            &["authorizationMode"],
            &["OKTA_CLIENT_AUTHORIZATIONMODE"],
            "Bearer",
            false,
        ),
        (&["clientId"], &["OKTA_CLIENT_CLIENTID"], "0oa1", false),
        (
            &["scopes"],
            &["OKTA_CLIENT_SCOPES"],
            "okta.eventHooks.read",
            false,
        ),
        (
            &["privateKey"],
            &["OKTA_CLIENT_PRIVATEKEY"],
            "keys/app.pem",
            true,
        ),
        (
            &["kid", "privateKeyId", "keyId"],
            &[
                "OKTA_CLIENT_KID",
                "OKTA_CLIENT_PRIVATEKEYID",
                "OKTA_CLIENT_KEYID",
            ],
            "kid-1",
            false,
        ),
        (
            &["connectionTimeout"],
            &[
                "OKTA_CLIENT_CONNECTIONTIMEOUT",
                "OKTA_CLIENT_CONNECTION_TIMEOUT",
            ],
            "7",
            false,
        ),
        (
            &["requestTimeout"],
            &["OKTA_CLIENT_REQUESTTIMEOUT", "OKTA_CLIENT_REQUEST_TIMEOUT"],
            "500ms",
            false,
        ),
        (
            &["rateLimit.maxRetries"],
            &[
                "OKTA_CLIENT_RATELIMIT_MAXRETRIES",
                "OKTA_CLIENT_RATE_LIMIT_MAX_RETRIES",
            ],
            "3",
            false,
        ),
        (
            &["rateLimit.maxBackoff"],
            &[
                "OKTA_CLIENT_RATELIMIT_MAXBACKOFF",
                "OKTA_CLIENT_RATE_LIMIT_MAX_BACKOFF",
            ],
            "2m",
            false,
        ),
        (
            &["proxy.host"],
            &["OKTA_CLIENT_PROXY_HOST"],
            "proxy.corp",
            false,
        ),
        (&["proxy.port"], &["OKTA_CLIENT_PROXY_PORT"], "3128", false),
        (
            &["proxy.username"],
            &["OKTA_CLIENT_PROXY_USERNAME"],
            "me",
            false,
        ),
        (
            &["proxy.password"],
            &["OKTA_CLIENT_PROXY_PASSWORD"],
            "pw",
            true,
        ),
        (&["userAgent"], &["OKTA_CLIENT_USERAGENT"], "app/1", false),
        (
            &["dpopEnabled"],
            &["OKTA_CLIENT_DPOPENABLED"],
            "true",
            false,
        ),
        (
            &["oauthTokenRenewalOffset"],
            &["OKTA_CLIENT_OAUTHTOKENRENEWALOFFSET"],
            "60",
            false,
        ),
    ];
    let entries = |config: &Config| -> Vec<(String, String, String)> {
        config
            .entries()
            .into_iter()
            .map(|e| (e.key, e.value, e.origin))
            .collect()
    };
    let dirs = Dirs::new();
    for (yaml, env, value, secret) in SETTINGS {
        let key = format!("okta.client.{}", yaml[0]);
        let shown = if secret { "[REDACTED]" } else { value };
        let want = |origin: &str| vec![(key.clone(), shown.to_owned(), origin.to_owned())];
        for path in yaml {
            dirs.local_yaml(&format!("okta:\n  client:\n{}", yaml_at(path, value)));
            let config = dirs.loader(&[]).load().unwrap();
            assert_eq!(entries(&config), want("./okta.yaml"), "{path}");
        }
        std::fs::remove_file(dirs.work().join("okta.yaml")).unwrap();
        for name in env {
            let config = dirs.loader(&[(name, value)]).load().unwrap();
            assert_eq!(entries(&config), want(name), "{name}");
        }
        // With every alias set, the canonical variable wins.
        let all: Vec<(&str, &str)> = env.iter().map(|name| (*name, value)).collect();
        let config = dirs.loader(&all).load().unwrap();
        assert_eq!(entries(&config), want(env[0]));
    }
    // Every setting at once (by the last alias of each): one entry each, in this order.
    let all: Vec<(&str, &str)> = SETTINGS
        .iter()
        .map(|(_, env, value, _)| (env[env.len() - 1], *value))
        .collect();
    let config = dirs.loader(&all).load().unwrap();
    let keys: Vec<String> = config.entries().into_iter().map(|e| e.key).collect();
    let want: Vec<String> = SETTINGS
        .iter()
        .map(|(yaml, ..)| format!("okta.client.{}", yaml[0]))
        .collect();
    assert_eq!(keys, want);
}

/// `a.b: value` as YAML nested under `okta.client` (four spaces in).
fn yaml_at(path: &str, value: &str) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    let mut text = String::new();
    for (depth, part) in parts.iter().enumerate() {
        let indent = "  ".repeat(depth + 2);
        if depth + 1 == parts.len() {
            text.push_str(&format!("{indent}{part}: {value}\n"));
        } else {
            text.push_str(&format!("{indent}{part}:\n"));
        }
    }
    text
}

#[test]
fn secrets_are_redacted_in_entries_summary_and_debug() {
    let dirs = Dirs::new();
    dirs.home_yaml("okta:\n  client:\n    orgUrl: https://acme.okta.com\n    token: super-secret-token\n    proxy:\n      host: proxy.corp\n      port: 3128\n      username: me\n      password: proxy-pass-secret\n");
    let config = dirs.loader(&[]).load().unwrap();
    let shown = format!(
        "{config:?} {:?} {}",
        config.entries(),
        config.credential_summary()
    );
    assert!(!shown.contains("super-secret-token"), "{shown}");
    assert!(!shown.contains("proxy-pass-secret"), "{shown}");
    let token = config
        .entries()
        .into_iter()
        .find(|e| e.key == "okta.client.token")
        .unwrap();
    assert_eq!(token.value, "[REDACTED]");
    let builder = config.client_builder().unwrap();
    assert!(!format!("{builder:?}").contains("proxy-pass-secret"));
    builder.build().unwrap();
}

#[test]
fn empty_environment_variables_count_as_unset() {
    let dirs = Dirs::new();
    dirs.home_yaml("okta:\n  client:\n    orgUrl: https://acme.okta.com\n    token: from-file\n");
    let config = dirs.loader(&[("OKTA_CLIENT_TOKEN", "")]).load().unwrap();
    assert_eq!(
        config.credential_summary(),
        "SSWS API token from ~/.okta/okta.yaml"
    );
}

#[tokio::test]
async fn proxy_settings_reach_the_wire_with_encoded_credentials() {
    let proxy = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&proxy)
        .await;
    let port = proxy.address().port().to_string();
    let dirs = Dirs::new();
    // The org is unreachable on purpose: only the proxy can answer.
    dirs.home_yaml("okta:\n  client:\n    orgUrl: http://127.0.0.1:9\n    token: t\n    proxy:\n      host: 127.0.0.1\n      username: me\n");
    let config = dirs
        .loader(&[
            ("OKTA_CLIENT_PROXY_PORT", port.as_str()),
            ("OKTA_CLIENT_PROXY_PASSWORD", "p@ss:w/rd"),
        ])
        .load()
        .unwrap();
    let client = config.client_builder().unwrap().build().unwrap();
    client.list_event_hooks().await.unwrap();
    let requests = proxy.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    // base64("me:p@ss:w/rd")
    assert_eq!(
        requests[0].headers["proxy-authorization"].to_str().unwrap(),
        "Basic bWU6cEBzczp3L3Jk"
    );
    assert!(!format!("{config:?} {client:?}").contains("p@ss"));
}

#[tokio::test]
async fn bearer_mode_and_request_timeout_from_configuration() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let dirs = Dirs::new();
    dirs.local_yaml(&format!(
        "okta:\n  client:\n    orgUrl: {}\n    authorizationMode: Bearer\n    token: pre-issued\n    requestTimeout: 200ms\n    rateLimit:\n      maxRetries: 0\n",
        server.uri()
    ));
    let config = dirs.loader(&[]).load().unwrap();
    assert_eq!(
        config.credential_summary(),
        "Bearer access token from ./okta.yaml"
    );
    assert_eq!(
        authorization_sent(&config, &server).await,
        "Bearer pre-issued"
    );
    let client = config.client_builder().unwrap().build().unwrap();
    let err = client.get_event_hook("slow").await.unwrap_err();
    assert!(
        matches!(
            err,
            okta_eventhooks::Error::Timeout {
                limit: okta_eventhooks::TimeoutKind::Request,
                attempts: 1
            }
        ),
        "{err:?}"
    );
}

/// `Client::from_env()` reads `$HOME/.okta/okta.yaml`, `./okta.yaml` and the environment. It
/// runs in the `from-env-probe` binary, started with a cleared environment, a temporary HOME
/// and a temporary working directory: no test ever reads the developer's own configuration,
/// whatever the test filter (`--include-ignored` too), and setting variables in this
/// multi-threaded process would race the other tests.
#[tokio::test]
async fn from_env_reads_the_process_environment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let dirs = Dirs::new();
    // The org URL from $HOME/.okta/okta.yaml, the User-Agent from ./okta.yaml, the token from
    // the environment (over the home file's).
    dirs.home_yaml(&format!(
        "okta:\n  client:\n    orgUrl: {}\n    token: from-file\n",
        server.uri()
    ));
    dirs.local_yaml("okta:\n  client:\n    userAgent: from-local/1\n");
    let mut probe = std::process::Command::new(env!("CARGO_BIN_EXE_from-env-probe"));
    probe
        .env_clear()
        .current_dir(dirs.work())
        .env("HOME", dirs.home())
        .env("OKTA_CLIENT_TOKEN", "from-env");
    let output = tokio::task::spawn_blocking(move || probe.output().unwrap())
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), "0 event hooks\n");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].headers["authorization"], "SSWS from-env");
    let ua = requests[0].headers["user-agent"].to_str().unwrap();
    assert!(ua.ends_with(" from-local/1"), "{ua}");
}
