//! Hostile input (issue 10, client side): URIs with credentials are never shown, files and
//! streams without end stop at their limit, deep YAML is refused before it is parsed, and a
//! private key pasted without its PEM lines is never echoed.

use std::time::{Duration, Instant};

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use okta_eventhooks_tests::fixtures::*;
use okta_eventhooks_tests::scratch::tempdir;
use okta_eventhooks_tests::secrets::TOKEN;

use crate::support::*;

const USER: &str = "alice-never-printed";
const PASSWORD: &str = "S3cretPW-never-printed";

fn with_userinfo(host: &str) -> String {
    format!("https://{USER}:{PASSWORD}@{host}")
}

fn assert_hidden(what: &str, text: &str) {
    assert!(
        !text.contains(PASSWORD) && !text.contains(USER),
        "{what} shows the URI's credentials:\n{text}"
    );
}

/// An org whose one hook has a URI with credentials (stored before they were refused).
async fn org_with_userinfo_hook() -> MockServer {
    let server = MockServer::start().await;
    let mut hook = hook_json(ID, "Audit sink", "ACTIVE", "UNVERIFIED");
    hook["channel"]["config"]["uri"] = with_userinfo("hooks.example.com/okta").into();
    let hooks_url = "/api/v1/eventHooks";
    let hook_url = format!("{hooks_url}/{ID}");
    let mounts = [
        ("GET", hooks_url.to_owned(), 200, serde_json::json!([hook])),
        ("GET", hook_url.clone(), 200, hook),
        (
            "POST",
            format!("{hook_url}/lifecycle/verify"),
            400,
            okta_error(
                "E0000001",
                "Api validation failed: eventHook",
                &["Unable to verify event hook. Hook Audit sink execution failed"],
            ),
        ),
    ];
    for (verb, url, status, body) in mounts {
        Mock::given(method(verb))
            .and(path(url))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .mount(&server)
            .await;
    }
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_in_a_hook_uri_are_never_shown() {
    let server = org_with_userinfo_hook().await;
    for args in [vec!["list"], vec!["get", ID]] {
        let mut cmd = cli(&server);
        cmd.args(&args);
        let out = run(cmd).await;
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert_hidden(&format!("{args:?}"), &out.stdout);
        assert!(
            out.stdout.contains("[REDACTED]@hooks.ex"),
            "{args:?}: {}",
            out.stdout
        );
    }

    let mut verify = cli(&server);
    verify.args(["verify", ID]);
    let out = run(verify).await;
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert_hidden("the verify hint", &out.stderr);
    assert!(
        out.stderr
            .contains("a one-time GET request to https://[REDACTED]@hooks.example.com/okta"),
        "{}",
        out.stderr
    );

    // Sending such a hook back is refused by Okta's rules, without quoting the credentials.
    let mut replace = cli(&server);
    replace.args([
        "replace",
        ID,
        "--name",
        "Renamed",
        "--remove-auth",
        "--dry-run",
    ]);
    let out = run(replace).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_hidden("replace", &format!("{}{}", out.stdout, out.stderr));
    assert!(
        out.stderr.contains("contains a user name or password"),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_given_in_a_uri_are_refused_without_an_echo() {
    let server = MockServer::start().await;
    let uri = with_userinfo("hooks.example.com/okta");
    let mut create = cli(&server);
    create.args([
        "create",
        "--name",
        "x",
        "--event",
        "user.session.start",
        "--uri",
        &uri,
    ]);
    create.arg("--dry-run");
    let out = run(create).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_hidden("create --dry-run", &format!("{}{}", out.stdout, out.stderr));
    assert!(
        out.stderr
            .contains("\"https://[REDACTED]@hooks.example.com/okta\""),
        "{}",
        out.stderr
    );

    let mut org = bare();
    org.env("OKTA_CLIENT_TOKEN", TOKEN).args([
        "--org-url",
        &with_userinfo("acme.okta.com"),
        "list",
    ]);
    let out = run(org).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_hidden("the org URL refusal", &out.stderr);
    assert!(
        out.stderr.contains("must not contain credentials"),
        "{}",
        out.stderr
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// The binary as [`cli`] sets it up, as a plain command: assert_cmd would read a file given as
/// stdin whole, and replaces a stdin set on the command.
#[cfg(unix)]
fn plain_cli(server: &MockServer) -> std::process::Command {
    let mut cmd = std_bare();
    cmd.env("OKTA_CLIENT_ORGURL", server.uri())
        .env("OKTA_CLIENT_TOKEN", TOKEN);
    cmd
}

/// Every file and stream the CLI reads, pointed at `/dev/zero`: each stream stops at its
/// limit, each named file is refused as not a regular file.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn endless_inputs_stop_at_their_limit() {
    let server = MockServer::start().await;
    let started = Instant::now();
    let secret_limit =
        "it is larger than 64 KiB, the most accepted for a token, shared secret or private key";
    let hook_limit = "it is larger than 1 MiB, the most accepted for an event hook file";
    let create = [
        "create",
        "--name",
        "x",
        "--event",
        "user.session.start",
        "--uri",
        "https://h.example.com/x",
    ];
    let zero = || std::fs::File::open("/dev/zero").unwrap();

    let mut token = plain_cli(&server);
    token.args(["--token-file", "/dev/zero", "list"]);
    let mut auth_value = plain_cli(&server);
    auth_value
        .args(create)
        .args(["--auth-value-file", "/dev/zero"]);
    let mut auth_stdin = plain_cli(&server);
    auth_stdin
        .args(create)
        .arg("--auth-value-stdin")
        .stdin(zero());
    let mut file = plain_cli(&server);
    file.args(["create", "-f", "/dev/zero"]);
    let mut stdin = plain_cli(&server);
    stdin.args(["create", "-f", "-"]).stdin(zero());
    let mut key = std_bare();
    key.env("OKTA_CLIENT_ORGURL", server.uri())
        .env("OKTA_CLIENT_CLIENTID", "0oa1")
        .env("OKTA_CLIENT_PRIVATEKEY", "/dev/zero")
        .arg("list");
    let home = tempdir("zero-okta-yaml");
    std::fs::create_dir(home.join(".okta")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", home.join(".okta/okta.yaml")).unwrap();
    let mut config = std_bare();
    config.env("HOME", &home).arg("list");

    // A named file must be a regular file (issue 20): a device is refused before it is read.
    let device = "it is a character device, not a regular file, and is not read";
    let cases = [
        (
            token,
            3,
            format!("cannot read the token file /dev/zero: {device}"),
        ),
        (
            auth_value,
            2,
            format!("--auth-value-file /dev/zero: {device}"),
        ),
        (
            auth_stdin,
            2,
            format!("--auth-value-stdin: cannot read stdin: {secret_limit}"),
        ),
        (file, 2, format!("cannot read /dev/zero: {device}")),
        (stdin, 2, format!("-f -: cannot read stdin: {hook_limit}")),
        (
            key,
            3,
            format!(
                "cannot read the private key file that okta.client.privateKey names (from OKTA_CLIENT_PRIVATEKEY): {device}"
            ),
        ),
        (config, 3, device.to_owned()),
    ];
    for (cmd, code, message) in cases {
        let out = run_std(cmd).await;
        assert_eq!(out.code, code, "{message}: {}", out.stderr);
        assert!(out.stderr.contains(&message), "{message}:\n{}", out.stderr);
    }
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// Runs a plain command like [`run`] does an assert_cmd one.
#[cfg(unix)]
async fn run_std(mut cmd: std::process::Command) -> Outcome {
    let output = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .unwrap();
    let outcome = Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    okta_eventhooks_tests::secrets::assert_no_secret("output", &outcome.stderr);
    outcome
}

#[tokio::test(flavor = "multi_thread")]
async fn deep_yaml_is_refused_before_it_is_parsed() {
    let dir = tempdir("deep-yaml");
    let file = dir.join("hook.yaml");
    // 100 KB whose parse took 14 s in a debug build before the bound (the report's 100,000
    // `[`: 18 s of CPU).
    std::fs::write(&file, format!("name: x\nevents: {}", "[a, ".repeat(25_000))).unwrap();
    let server = MockServer::start().await;
    let mut cmd = cli(&server);
    cmd.args(["create", "--dry-run", "-f"]).arg(&file);
    let started = Instant::now();
    let out = run(cmd).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "hook.yaml is refused: its [ ] and { } collections are nested more than 64 deep (line 2), the most accepted"
        ),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_body_without_pem_lines_is_never_echoed() {
    // 1,218 bytes of key material: 1,624 base64 characters, as in the report.
    let body: String = (0..1218u32)
        .map(|i| (i * 7919 % 251) as u8)
        .collect::<Vec<u8>>()
        .chunks(3)
        .flat_map(|chunk| {
            const ALPHABET: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            let n =
                chunk.iter().fold(0u32, |n, b| n << 8 | u32::from(*b)) << (8 * (3 - chunk.len()));
            (0..4).map(move |k| ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char)
        })
        .collect();
    assert_eq!(body.len(), 1624);
    let server = MockServer::start().await;
    let mut cmd = bare();
    cmd.env("OKTA_CLIENT_ORGURL", server.uri())
        .env("OKTA_CLIENT_CLIENTID", "0oa1")
        .env("OKTA_CLIENT_PRIVATEKEY", &body)
        .arg("list");
    let out = run(cmd).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("without its PEM header and footer"),
        "{}",
        out.stderr
    );
    let printed = format!("{}{}", out.stdout, out.stderr);
    for window in body.as_bytes().windows(8) {
        let window = std::str::from_utf8(window).unwrap();
        assert!(
            !printed.contains(window),
            "key material {window:?} shown:\n{printed}"
        );
    }
}
