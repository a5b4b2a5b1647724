//! Hostile input, round two (issue 20): a manifest cannot send this tool's own Okta credential
//! to a receiver, files that are not regular files are refused before they are opened, and two
//! profiles that are one org are refused before any write.

use std::path::{Path, PathBuf};

use okta_eventhooks_emulator::Emulator;
use okta_eventhooks_tests::endpoint::{endpoint, received};
use okta_eventhooks_tests::scratch::tempdir;
use okta_eventhooks_tests::secrets::{HOOK_SECRET, TOKEN};
use wiremock::MockServer;

use crate::support::*;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A manifest of one hook to `receiver` whose auth secret comes from `value_from`.
fn manifest(receiver: &MockServer, value_from: &str) -> String {
    format!(
        "hooks:\n  audit-sink:\n    uri: {}/okta\n    auth: {{valueFrom: {value_from}}}\n    events: [user.lifecycle.create]\n",
        receiver.uri()
    )
}

/// The CLI aimed at `emu` through the environment, as a manifest without `orgs:` uses it.
fn cli_for(emu: &Emulator, home: &Path) -> assert_cmd::Command {
    let mut cmd = cli_at(home);
    cmd.env("OKTA_CLIENT_ORGURL", emu.url())
        .env("OKTA_CLIENT_TOKEN", TOKEN);
    cmd
}

/// Issue 20, item 2: `valueFrom` naming the CLI's own credentials (its variables, its token
/// file, its okta.yaml, /proc), or any secret equal to the org's API token, is refused by plan
/// and apply with the reason; apply sends nothing to the receiver and writes nothing to Okta.
#[tokio::test(flavor = "multi_thread")]
async fn a_manifest_cannot_send_the_clis_own_credential_to_a_receiver() {
    let emu = okta_eventhooks_tests::emulator::start().await;
    let client = okta_eventhooks_tests::emulator::client(&emu);
    let receiver = endpoint().await;
    let home = tempdir("own-credentials");
    let token_file = write(&home, "okta-token", &format!("{TOKEN}\n"));
    std::fs::create_dir_all(home.join(".okta")).unwrap();
    let okta_yaml = write(&home.join(".okta"), "okta.yaml", "okta:\n  client: {}\n");
    let cases: Vec<(String, Option<&Path>, &str)> = vec![
        (
            "{env: OKTA_CLIENT_TOKEN}".into(),
            None,
            "the environment variable OKTA_CLIENT_TOKEN is one of this tool's own Okta settings",
        ),
        (
            "{env: OKTA_CLIENT_PRIVATEKEY}".into(),
            None,
            "OKTA_CLIENT_PRIVATEKEY is one of this tool's own Okta settings",
        ),
        (
            "{file: /proc/self/environ}".into(),
            None,
            "the file /proc/self/environ is under /proc",
        ),
        (
            format!("{{file: {}}}", token_file.display()),
            Some(&token_file),
            "is one of this tool's own credential files",
        ),
        (
            format!("{{file: {}}}", okta_yaml.display()),
            None,
            "is one of this tool's own credential files",
        ),
        // A copy of the token under another name: refused by value.
        (
            "{env: COPY_OF_THE_TOKEN}".into(),
            None,
            "holds one of this tool's own Okta credentials (the org's API token",
        ),
        (
            "{file: copy}".into(),
            None,
            "holds one of this tool's own Okta credentials (the org's API token",
        ),
    ];
    write(&home, "copy", &format!("{TOKEN}\n"));
    for (value_from, token_flag, why) in &cases {
        let file = write(&home, "hooks.yaml", &manifest(&receiver, value_from));
        let file = file.to_str().unwrap();
        for command in ["plan", "apply"] {
            let mut cmd = cli_for(&emu, &home);
            cmd.env("COPY_OF_THE_TOKEN", TOKEN)
                .env("OKTA_CLIENT_PRIVATEKEY", "not-a-key");
            if let Some(path) = token_flag {
                cmd.env_remove("OKTA_CLIENT_TOKEN")
                    .args(["--token-file", path.to_str().unwrap()]);
            }
            cmd.arg(command);
            if command == "apply" {
                cmd.arg("--yes");
            }
            cmd.args(["-f", file]);
            let out = run(cmd).await;
            let all = format!("{}{}", out.stdout, out.stderr);
            assert!(all.contains(why), "{value_from} {command}: {all}");
            if command == "apply" {
                assert_eq!(out.code, 2, "{value_from}: {all}");
                assert!(all.contains("nothing was sent"), "{value_from}: {all}");
            }
        }
    }
    assert!(
        received(&receiver, "GET").await.is_empty() && received(&receiver, "POST").await.is_empty(),
        "the receiver was called"
    );
    assert!(client.list_event_hooks().await.unwrap().is_empty());

    // A secret of its own is fine, and reaches the receiver only through the probe.
    let file = write(&home, "hooks.yaml", &manifest(&receiver, "{env: S}"));
    let mut cmd = cli_for(&emu, &home);
    cmd.env("S", HOOK_SECRET)
        .args(["apply", "--yes", "-f", file.to_str().unwrap()]);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(client.list_event_hooks().await.unwrap().len(), 1);
}

/// Runs `cmd` (stdin closed) and fails the test if it has not ended within 10 s: a hang is
/// the defect these tests look for.
async fn run_within_10s(mut cmd: std::process::Command) -> Outcome {
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(10) {
            let _ = child.kill();
            panic!("the command hangs");
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let output = child.wait_with_output().unwrap();
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Issue 20, item 4: a FIFO named as a secret file, manifest, hook file or token file is
/// refused at once with a clear error; before, `plan` waited for a writer for ever.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_fifo_is_refused_at_once_wherever_a_file_is_named() {
    let emu = okta_eventhooks_tests::emulator::start().await;
    let receiver = endpoint().await;
    let home = tempdir("fifo");
    let fifo = home.join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let fifo = fifo.to_str().unwrap();
    let not_read = "it is a FIFO (named pipe), not a regular file, and is not read";
    let file = write(&home, "hooks.yaml", &manifest(&receiver, "{file: fifo}"));
    let file = file.to_str().unwrap();
    let cases: [(&[&str], i32, String); 5] = [
        // plan lists it among the secrets to supply, as any secret it cannot read.
        (
            &["plan", "-f", file],
            0,
            format!("cannot read the file {fifo}: {not_read}"),
        ),
        (
            &["apply", "--yes", "-f", file],
            2,
            format!("cannot read the file {fifo}: {not_read}"),
        ),
        (
            &["plan", "-f", fifo],
            2,
            format!("cannot read {fifo}: {not_read}"),
        ),
        (
            &["create", "-f", fifo],
            2,
            format!("cannot read {fifo}: {not_read}"),
        ),
        (
            &["--token-file", fifo, "list"],
            3,
            format!("cannot read the token file {fifo}: {not_read}"),
        ),
    ];
    for (args, code, message) in cases {
        let mut cmd = std_at(&home);
        cmd.env("OKTA_CLIENT_ORGURL", emu.url())
            .env("OKTA_CLIENT_TOKEN", TOKEN)
            .args(args);
        let out = run_within_10s(cmd).await;
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(all.contains(&message), "{args:?}: {all}");
        assert_eq!(out.code, code, "{args:?}: {all}");
    }
    assert!(received(&receiver, "GET").await.is_empty());
}

/// Issue 20, item 8: two profiles whose URLs differ (`localhost` and `127.0.0.1`) but reach one
/// org are refused by plan and apply with a clear message, before anything is written; before,
/// both passed the same-URL check and apply failed half-way with "already exists".
#[tokio::test(flavor = "multi_thread")]
async fn two_profiles_of_one_org_are_refused_before_any_write() {
    let emu = okta_eventhooks_tests::emulator::start().await;
    let client = okta_eventhooks_tests::emulator::client(&emu);
    let receiver = endpoint().await;
    let port = emu.url().rsplit(':').next().unwrap();
    let home = tempdir("one-org-two-names");
    let localhost = format!("http://localhost:{port}");
    okta_eventhooks_tests::orgs::write_okta_yaml(
        &home,
        &[("dev", localhost.as_str()), ("prod", emu.url())],
    );
    let file = write(
        &home,
        "hooks.yaml",
        &format!(
            "hooks:\n  audit-sink:\n    uri: {}/okta\n    auth: {{valueFrom: {{env: S}}}}\n    events: [user.lifecycle.create]\norgs:\n  dev: {{}}\n  prod: {{}}\n",
            receiver.uri()
        ),
    );
    let file = file.to_str().unwrap();
    let message = format!(
        "orgs dev ({localhost}) and prod ({}) of the manifest are one org (id ",
        emu.url()
    );
    for args in [vec!["plan", "-f", file], vec!["apply", "--yes", "-f", file]] {
        let mut cmd = cli_at(&home);
        cmd.env("S", HOOK_SECRET).args(&args);
        let out = run(cmd).await;
        assert_eq!(out.code, 3, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(&message), "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("nothing was changed"), "{}", out.stderr);
    }
    assert!(client.list_event_hooks().await.unwrap().is_empty());
    assert!(received(&receiver, "GET").await.is_empty());

    // Each org on its own is fine.
    let mut cmd = cli_at(&home);
    cmd.env("S", HOOK_SECRET)
        .args(["apply", "--yes", "-f", file, "--org", "prod"]);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(client.list_event_hooks().await.unwrap().len(), 1);
}
