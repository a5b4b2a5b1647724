//! `deploy/`: the Kubernetes manifests and the NATS chart's values parse, and every relay flag
//! and environment variable they and the container file use exists in `relay --help` (a
//! renamed flag breaks here, not in a cluster). `.ci/run` runs this by name.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::support::std_bare;

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

fn relay_help() -> String {
    let out = std_bare().args(["relay", "--help"]).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// Every YAML document of every file under `dir`, parsed (a file that does not parse fails).
fn documents(dir: &Path) -> Vec<(String, Value)> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).unwrap();
            for document in yaml_serde::Deserializer::from_str(&text) {
                let value = Value::deserialize(document)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                all.push((path.display().to_string(), value));
            }
        }
    }
    all
}

/// A variable the relay reads itself must be listed in its help; any other one must be named
/// by one of its `*_ENV` settings (the hook's secret).
fn check_variable(help: &str, name: &str, named_by_settings: &[String], place: &str) {
    if name.starts_with("OKTA_EVENTHOOKS_") || name.starts_with("NATS_") {
        assert!(
            help.contains(&format!("[env: {name}]")),
            "{place}: {name} is not a variable of `relay --help`"
        );
    } else {
        assert!(
            named_by_settings.iter().any(|n| n == name),
            "{place}: {name} is neither a relay variable nor named by an *_ENV setting"
        );
    }
}

#[test]
fn manifests_parse_and_use_only_flags_and_variables_the_relay_has() {
    let help = relay_help();
    let nats = documents(&deploy_dir().join("nats"));
    assert!(
        nats[0].1["config"]["jetstream"]["enabled"]
            .as_bool()
            .unwrap()
    );
    assert_eq!(nats[0].1["config"]["cluster"]["replicas"], 3);

    let manifests = documents(&deploy_dir().join("kubernetes"));
    let kinds: Vec<&str> = manifests
        .iter()
        .filter_map(|(_, d)| d["kind"].as_str())
        .collect();
    for kind in ["Deployment", "Service", "PodDisruptionBudget"] {
        assert!(kinds.contains(&kind), "no {kind} in {kinds:?}");
    }
    let (place, deployment) = manifests
        .iter()
        .find(|(_, d)| d["kind"] == "Deployment")
        .unwrap();
    assert_eq!(deployment["spec"]["replicas"], 3);
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
    let env = container["env"].as_array().unwrap();
    let named_by_settings: Vec<String> = env
        .iter()
        .filter(|v| v["name"].as_str().unwrap().ends_with("_ENV"))
        .filter_map(|v| v["value"].as_str().map(str::to_owned))
        .collect();
    for variable in env {
        let name = variable["name"].as_str().unwrap();
        check_variable(&help, name, &named_by_settings, place);
    }
    for arg in ["command", "args"]
        .iter()
        .filter_map(|key| container[key].as_array())
        .flatten()
        .filter_map(Value::as_str)
        .filter(|a| a.starts_with("--"))
    {
        let flag = arg.split('=').next().unwrap();
        assert!(
            help.contains(&format!("{flag} ")),
            "{place}: no {flag} in `relay --help`"
        );
    }

    // The container file's variables, and that it runs the relay as a non-root user.
    let containerfile = std::fs::read_to_string(deploy_dir().join("Containerfile")).unwrap();
    // `ENV A=1 \` and its continuation lines `B=2 \`: each NAME=value assignment.
    let assignments = containerfile
        .lines()
        .map(|line| line.trim().trim_start_matches("ENV ").trim())
        .filter_map(|line| line.split_whitespace().next())
        .filter_map(|token| token.split_once('=').map(|(name, _)| name))
        .filter(|name| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
        });
    let mut checked = 0;
    for name in assignments {
        check_variable(&help, name, &[], "deploy/Containerfile");
        checked += 1;
    }
    assert!(
        checked >= 3,
        "the container file sets its defaults by variable"
    );
    assert!(
        containerfile.contains("USER 65532"),
        "the image runs as non-root"
    );
    assert!(containerfile.contains(r#""relay"]"#));
}
