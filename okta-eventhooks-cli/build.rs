//! Tells the end-to-end tests that need a `nats-server` (`relay`, `consume`) whether they can
//! run, as `tests/build.rs` does for the workspace tests: without the binary they are reported
//! as ignored with the reason, and under CI (`CI` set) they fail instead.
//!
//! `nats_server`: `OKTA_EVENTHOOKS_NATS_SERVER` names a `nats-server` binary (`.ci/run` sets it).
//! `ci`: running under CI.

fn main() {
    for (var, cfg) in [("OKTA_EVENTHOOKS_NATS_SERVER", "nats_server"), ("CI", "ci")] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        println!("cargo::rerun-if-env-changed={var}");
        if std::env::var_os(var).is_some_and(|v| !v.is_empty()) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
