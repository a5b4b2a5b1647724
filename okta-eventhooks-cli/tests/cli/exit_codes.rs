//! The exit-code table: one list in `--help` and both READMEs, and codes that mean what it
//! says. (Each code's own cases are tested where the case is: errors.rs, lifecycle.rs, ...)

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use okta_eventhooks_tests::fixtures::{ID, hook_json};
use okta_eventhooks_tests::secrets::TOKEN;

use crate::support::*;

/// The codes listed under "Exit codes:" at the end of `--help`.
async fn codes_in_help() -> Vec<u8> {
    let mut cmd = bare();
    cmd.arg("--help");
    let out = run(cmd).await;
    let table = out.stdout.split("Exit codes:\n").nth(1).unwrap().to_owned();
    table
        .lines()
        .filter_map(|line| line.strip_prefix("  "))
        .filter_map(|line| line.split_whitespace().next()?.parse().ok())
        .collect()
}

fn readme(path: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_readmes_list_the_codes_of_help() {
    let help = codes_in_help().await;
    assert_eq!(help, (0..=8).collect::<Vec<u8>>());

    // okta-eventhooks-cli/README.md: a table under "## Exit codes".
    let cli = readme("README.md");
    let section = cli.split("## Exit codes").nth(1).unwrap();
    let table: Vec<u8> = section
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .filter_map(|row| {
            row.trim_start_matches('|')
                .trim()
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .collect();
    assert_eq!(table, help, "okta-eventhooks-cli/README.md");

    // README.md: one sentence, "Exit codes: 0 success, 1 ..., 8 ...".
    let root = readme("../README.md");
    let sentence = root.split("Exit codes: ").nth(1).unwrap();
    let sentence = &sentence[..sentence.find(". See").unwrap()];
    let listed: Vec<u8> = sentence
        .split(", ")
        .filter_map(|item| item.split_whitespace().next()?.parse().ok())
        .collect();
    assert_eq!(listed, help, "README.md: {sentence}");
}

/// A stdout that fails (a full disk) is exit 8, not 1 (a safety refusal): the hook was read,
/// but its output could not be written.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_write_to_stdout_exits_8() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/eventHooks/{ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(hook_json(
            ID,
            "Audit sink",
            "ACTIVE",
            "VERIFIED",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let mut cmd = std_bare();
    cmd.env("OKTA_CLIENT_ORGURL", server.uri())
        .env("OKTA_CLIENT_TOKEN", TOKEN)
        .args(["get", ID])
        .stdout(full);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(8), "{stderr}");
    assert!(
        stderr.starts_with("error: cannot write the output: No space left on device"),
        "{stderr}"
    );
}
