//! Tells the tests that need an outside program whether they can run, so that a test that
//! cannot run is reported as ignored (with the reason) instead of passing without having
//! checked anything.
//!
//! `interop_python` / `interop_node`: the interpreter's variable is set (`.ci/run` sets both).
//! `nats_server`: there is a `nats-server` binary: the one `OKTA_EVENTHOOKS_NATS_SERVER` names
//! (`.ci/run` sets it; it wins), else the first on `PATH` (see `okta-eventhooks-cli/nats_binary.rs`).
//! `postgres_server`: PostgreSQL's server binaries exist (`OKTA_EVENTHOOKS_PG_BIN`, else
//! `/usr/lib/postgresql/*/bin`, else `PATH`; see `pg_binary.rs`).
//! `ci`: running under CI (`CI` set), where a missing program must fail, not be ignored.

include!("../okta-eventhooks-cli/nats_binary.rs");
include!("../okta-eventhooks-cli/pg_binary.rs");

fn main() {
    for (var, cfg) in [
        ("OKTA_EVENTHOOKS_INTEROP_PYTHON", "interop_python"),
        ("OKTA_EVENTHOOKS_INTEROP_NODE", "interop_node"),
        ("CI", "ci"),
    ] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        println!("cargo::rerun-if-env-changed={var}");
        if std::env::var_os(var).is_some_and(|v| !v.is_empty()) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
    println!("cargo::rustc-check-cfg=cfg(nats_server)");
    println!("cargo::rerun-if-env-changed=OKTA_EVENTHOOKS_NATS_SERVER");
    println!("cargo::rerun-if-env-changed=PATH");
    if nats_server_binary().is_some() {
        println!("cargo::rustc-cfg=nats_server");
    }
    println!("cargo::rustc-check-cfg=cfg(postgres_server)");
    println!("cargo::rerun-if-env-changed=OKTA_EVENTHOOKS_PG_BIN");
    if pg_bin_dir().is_some() {
        println!("cargo::rustc-cfg=postgres_server");
    }
}
