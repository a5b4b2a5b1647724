//! Tells the end-to-end tests that need a `nats-server` (`relay`, `consume`, `reconcile`) whether
//! they can run, as `tests/build.rs` does for the workspace tests: without the binary they are
//! reported as ignored with the reason, and under CI (`CI` set) they fail instead.
//!
//! `nats_server`: there is a `nats-server` binary: the one `OKTA_EVENTHOOKS_NATS_SERVER` names
//! (`.ci/run` sets it; it wins), else the first on `PATH`. The lookup is the test support's own
//! file, included, so that this script and the tests find the same binary.
//! `ci`: running under CI.

include!("../tests/src/nats_binary.rs");

fn main() {
    println!("cargo::rustc-check-cfg=cfg(ci)");
    println!("cargo::rerun-if-env-changed=CI");
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=ci");
    }
    println!("cargo::rustc-check-cfg=cfg(nats_server)");
    println!("cargo::rerun-if-env-changed=OKTA_EVENTHOOKS_NATS_SERVER");
    println!("cargo::rerun-if-env-changed=PATH");
    if nats_server_binary().is_some() {
        println!("cargo::rustc-cfg=nats_server");
    }
}
