//! Help snapshots, completions, colour, broken pipes and verbose logging.

use std::io::Read;
use std::process::Stdio;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use okta_eventhooks_tests::fixtures::*;
use okta_eventhooks_tests::secrets::*;

use crate::support::*;

const COMMANDS: &[&str] = &[
    "list",
    "get",
    "create",
    "replace",
    "delete",
    "activate",
    "deactivate",
    "verify",
    "event-types",
    "completions",
    "listen",
    "logs",
    "demo",
    "emulator",
    "emulator fire",
    "filter",
    "filter check",
    "filter test",
    "plan",
    "apply",
    "export",
    "manifest",
    "manifest schema",
    "manifest check",
    "relay",
    "consume",
    "reconcile",
    "doctor",
];

#[tokio::test(flavor = "multi_thread")]
async fn help_snapshots() {
    let mut cmd = bare();
    cmd.arg("--help");
    let out = run(cmd).await;
    assert_eq!(out.code, 0);
    insta::assert_snapshot!("help", out.stdout);
    for command in COMMANDS {
        let mut cmd = bare();
        cmd.args(command.split(' ')).arg("--help");
        let out = run(cmd).await;
        assert_eq!(out.code, 0, "{command}");
        insta::assert_snapshot!(format!("help_{}", command.replace(' ', "_")), out.stdout);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let mut cmd = bare();
        cmd.args(["completions", shell]);
        let out = run(cmd).await;
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        assert!(out.stdout.contains("okta-eventhooks"), "{shell}");
        assert!(out.stdout.contains("deactivate"), "{shell}");
    }
}

async fn org_with_many_hooks(count: usize) -> MockServer {
    let server = MockServer::start().await;
    let hooks: Vec<_> = (0..count)
        .map(|i| {
            hook_json(
                &format!("who{i:017}"),
                &format!("Hook {i}"),
                "ACTIVE",
                "VERIFIED",
            )
        })
        .collect();
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(hooks))
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_pipe_ends_quietly() {
    // ~1 MB of JSON: far more than a pipe buffer, so the writer must meet the closed pipe.
    let server = org_with_many_hooks(600).await;
    let mut cmd = std_bare();
    cmd.env("OKTA_CLIENT_ORGURL", server.uri())
        .env("OKTA_CLIENT_TOKEN", TOKEN)
        .args(["list", "-o", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (code, stderr) = tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().unwrap();
        // Read a little, like `| head -c 100`, then close the pipe.
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 100];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        (child.wait().unwrap().code(), stderr)
    })
    .await
    .unwrap();
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, "");
}

/// [`run_on_a_terminal`] configured for `server`, with `NO_COLOR` set to `no_color` if given.
async fn on_a_terminal(
    server: &MockServer,
    args: &str,
    no_color: Option<&str>,
    input: &str,
) -> (i32, String) {
    let url = server.uri();
    let mut env = vec![
        ("OKTA_CLIENT_ORGURL", url.as_str()),
        ("OKTA_CLIENT_TOKEN", TOKEN),
    ];
    if let Some(value) = no_color {
        env.push(("NO_COLOR", value));
    }
    run_on_a_terminal(&home_dir(), args, &env, input).await
}

#[tokio::test(flavor = "multi_thread")]
async fn colour_only_on_a_terminal_and_never_with_no_color() {
    let server = org_with_many_hooks(2).await;
    let (code, coloured) = on_a_terminal(&server, "list", None, "").await;
    assert_eq!(code, 0, "{coloured}");
    assert!(coloured.contains("\x1b[32m"), "{coloured:?}");
    let (_, plain) = on_a_terminal(&server, "list", Some("1"), "").await;
    assert!(plain.contains("who00000000000000000"), "{plain:?}");
    assert!(!plain.contains('\x1b'), "{plain:?}");
    // Piped (not a terminal): no colour either; see read::list_table_snapshot.
}

#[tokio::test(flavor = "multi_thread")]
async fn verbose_logging_never_shows_secrets() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/eventHooks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(hook_json(
            ID,
            "Audit sink",
            "ACTIVE",
            "UNVERIFIED",
        )))
        .mount(&server)
        .await;
    let mut cmd = cli(&server);
    cmd.args([
        "-vv",
        "create",
        "--name",
        "Audit sink",
        "--uri",
        "https://hooks.example.com/okta",
        "--event",
        "user.lifecycle.create",
        "--header",
        &format!("X-Source={HEADER_SECRET}"),
        "--auth-value-stdin",
    ])
    .write_stdin(HOOK_SECRET);
    // `run` fails the test if the token or the hook secret appears anywhere.
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("okta_eventhooks"),
        "logging is on: {}",
        out.stderr
    );
    assert!(!out.stderr.contains(HEADER_SECRET));
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_asks_on_a_terminal() {
    let server = MockServer::start().await;
    let url = format!("/api/v1/eventHooks/{ID}");
    Mock::given(method("GET"))
        .and(path(url.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_json(hook_json(
            ID,
            "Audit sink",
            "INACTIVE",
            "VERIFIED",
        )))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(url))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let (code, text) = on_a_terminal(&server, &format!("delete {ID}"), Some("1"), "n\n").await;
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(
            "delete event hook who8vt36qfNpCGz9H1e6 (\"Audit sink\")? This cannot be undone. [y/N]"
        ),
        "{text}"
    );
    assert!(text.contains("error: not deleted"), "{text}");
    let (code, text) = on_a_terminal(&server, &format!("delete {ID}"), Some("1"), "y\n").await;
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("deleted event hook who8vt36qfNpCGz9H1e6"),
        "{text}"
    );
}

/// `--version` names the commit the binary was built from and its features; `-V` is the
/// version alone (scripts and the start-up bench use it).
#[tokio::test(flavor = "multi_thread")]
async fn version_names_the_commit_and_the_features() {
    let mut cmd = bare();
    cmd.arg("--version");
    let out = run(cmd).await;
    assert_eq!(out.code, 0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[0],
        concat!("okta-eventhooks ", env!("CARGO_PKG_VERSION")),
        "{}",
        out.stdout
    );
    let commit = lines[1].strip_prefix("commit: ").expect("a commit line");
    // Built inside this repository's checkout: the commit is known (12 hex digits).
    assert!(
        commit.len() == 12 && commit.bytes().all(|b| b.is_ascii_hexdigit()),
        "{commit}"
    );
    assert_eq!(lines[2], "features: oauth", "{}", out.stdout);

    let mut cmd = bare();
    cmd.arg("-V");
    let out = run(cmd).await;
    assert_eq!(
        out.stdout.trim(),
        concat!("okta-eventhooks ", env!("CARGO_PKG_VERSION"))
    );
}

/// The hidden `man` command writes one page per visible command, footed with the version, and
/// `cargo xtask man --check` keeps the checked-in pages equal to them.
#[tokio::test(flavor = "multi_thread")]
async fn man_writes_a_page_per_command() {
    let dir = okta_eventhooks_tests::scratch::tempdir("man");
    let mut cmd = bare();
    cmd.args(["--quiet", "man", "--out-dir"]).arg(&dir);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = std::fs::read_to_string(dir.join("okta-eventhooks-emulator-fire.1")).unwrap();
    assert!(page.contains("okta\\-eventhooks emulator fire"), "{page}");
    assert!(page.contains(concat!(
        "\"okta-eventhooks ",
        env!("CARGO_PKG_VERSION"),
        "\""
    )));
    for command in COMMANDS {
        let name = format!("okta-eventhooks-{}.1", command.replace(' ', "-"));
        assert!(dir.join(&name).is_file(), "no page {name}");
    }
    assert!(
        !dir.join("okta-eventhooks-man.1").exists(),
        "the hidden command has no page"
    );
}
