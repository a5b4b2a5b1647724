//! Repository automation.
//!
//! `cargo xtask generate` writes `okta-eventhooks/src/generated.rs` from `spec/okta-eventhooks.yaml`;
//! `cargo xtask generate --check` fails (exit 1) when the checked-in file is stale.
//! Generation is offline and needs no nightly tools: the output is formatted with prettyplease.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use progenitor::{
    GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl, TypePatch,
};

const SPEC: &str = "spec/okta-eventhooks.yaml";
const OUTPUT: &str = "okta-eventhooks/src/generated.rs";
const HEADER: &str = "// @generated from spec/okta-eventhooks.yaml by cargo xtask generate: do not edit.\n\
// Change the spec or xtask/src/main.rs and run `cargo xtask generate` instead.\n\n";

/// Enums Okta may extend; each is replaced by a hand-written open enum that keeps unknown values.
const OPEN_ENUMS: &[&str] = &[
    "LifecycleStatus",
    "EventHookVerificationStatus",
    "EventHookChannelType",
    "EventHookChannelConfigAuthSchemeType",
    "EventSubscriptionType",
    "HttpMethod",
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["generate"] => generate(false),
        ["generate", "--check"] => generate(true),
        _ => {
            eprintln!("usage: cargo xtask generate [--check]");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

fn generate(check: bool) -> Result<(), String> {
    let root = workspace_root();
    let spec_text =
        std::fs::read_to_string(root.join(SPEC)).map_err(|e| format!("cannot read {SPEC}: {e}"))?;
    let code = render(&spec_text)?;
    let out = root.join(OUTPUT);
    if check {
        let current = std::fs::read_to_string(&out).unwrap_or_default();
        // Tolerate a checkout that turned line endings into CRLF.
        if current.replace("\r\n", "\n") != code {
            return Err(format!(
                "{OUTPUT} is stale: it differs from what {SPEC} generates; run `cargo xtask generate`"
            ));
        }
        println!("{OUTPUT} is up to date");
    } else {
        std::fs::write(&out, code).map_err(|e| format!("cannot write {OUTPUT}: {e}"))?;
        println!("wrote {OUTPUT}");
    }
    Ok(())
}

/// Turns the spec into the formatted source of the generated module.
fn render(spec_text: &str) -> Result<String, String> {
    let spec: openapiv3::OpenAPI = yaml_serde::from_str(spec_text)
        .map_err(|e| format!("{SPEC} is not a valid OpenAPI 3.0 document: {e}"))?;
    let tokens = Generator::new(&settings())
        .generate_tokens(&spec)
        .map_err(|e| format!("progenitor failed on {SPEC}: {e}"))?;
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated tokens do not parse: {e}"))?;
    Ok(format!("{HEADER}{}", prettyplease::unparse(&file)))
}

fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Positional)
        .with_tag(TagStyle::Merged)
        // The facade's `ClientState` carries credentials and policies; its `ClientHooks` impl adds
        // auth, retries and tracing. `Expected` makes a missing impl a compile error.
        .with_inner_type(quote::quote!(::okta_eventhooks::ClientState))
        .with_hooks(HooksMode::Expected)
        .with_derive("PartialEq")
        .with_map_type("::std::collections::BTreeMap");
    for name in OPEN_ENUMS {
        settings.with_replacement(
            name,
            format!("::okta_eventhooks::open_enums::{name}"),
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
    }
    settings.with_replacement(
        "SecretValue",
        "::okta_eventhooks::Secret",
        std::iter::empty(),
    );
    settings.with_replacement(
        "Timestamp",
        "::okta_eventhooks::Timestamp",
        [TypeImpl::Display].into_iter(),
    );
    // `Error` would clash with the crate's own error type.
    settings.with_patch("Error", TypePatch::default().with_rename("OktaError"));
    settings
}
