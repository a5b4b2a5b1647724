//! okta.yaml under hostile input: bounded before it is parsed, and never a panic.

use std::path::Path;

use okta_eventhooks::config::ConfigLoader;
use okta_eventhooks_tests::hostile;
use okta_eventhooks_tests::scratch::tempdir;
use proptest::prelude::*;

/// Loads `text` as `~/.okta/okta.yaml`, then builds a client from it.
fn load(home: &Path, text: &str) -> Result<(), String> {
    std::fs::write(home.join(".okta/okta.yaml"), text).unwrap();
    let config = ConfigLoader::new()
        .home_dir(home)
        .current_dir(home)
        .env(std::iter::empty())
        .load()
        .map_err(|e| e.to_string())?;
    config
        .client_builder()
        .map_err(|e| e.to_string())?
        .build()
        .map_err(|e| e.to_string())?;
    Ok(())
}

fn home() -> std::path::PathBuf {
    let home = tempdir("okta-yaml");
    std::fs::create_dir(home.join(".okta")).unwrap();
    home
}

#[test]
fn deep_flow_nesting_is_refused_before_parsing() {
    let home = home();
    let text = format!(
        "okta:\n  client:\n    orgUrl: https://acme.okta.com\n    scopes: {}",
        "[".repeat(100_000)
    );
    let started = std::time::Instant::now();
    let err = load(&home, &text).unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert!(
        err.contains("~/.okta/okta.yaml (")
            && err.ends_with(
                "is refused: its [ ] and { } collections are nested more than 64 deep (line 4), the most accepted"
            ),
        "{err}"
    );
}

#[test]
fn a_flow_style_okta_yaml_still_loads() {
    let home = home();
    let text = "okta: {client: {orgUrl: https://acme.okta.com, token: '00abc', scopes: [a, b]}}";
    assert_eq!(load(&home, text), Ok(()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(hostile::CASES))]

    /// Whatever okta.yaml holds, loading it ends in a configuration or an error: no panic,
    /// no stack overflow.
    #[test]
    fn loading_okta_yaml_never_panics(text in hostile::text()) {
        let home = home();
        let _ = load(&home, &text);
        std::fs::remove_dir_all(&home).unwrap();
    }
}
