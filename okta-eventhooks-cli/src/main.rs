//! `okta-eventhooks`: manage Okta event hooks from the command line.
//!
//! Flow: parse the arguments (clap) → build the [`Context`] (configuration, lazily built client,
//! printer) → run the command → map the outcome to a documented exit code ([`exit`]).

#![warn(missing_docs)]
// All output goes through `output::Printer`, which survives closed pipes.
#![deny(clippy::print_stdout, clippy::print_stderr)]
// Doc comments of the clap structs are the `--help` text, where URLs and placeholders such as
// <prefix> are plain text.
#![allow(rustdoc::bare_urls, rustdoc::invalid_html_tags)]

mod admin_args;
mod ascode;
mod cmd;
mod context;
mod duration;
mod endpoint_args;
mod error;
mod event_line;
mod exec;
mod exit;
mod given_args;
mod inspect_args;
mod key_value;
mod log_args;
mod manifest;
mod output;
mod secret_env;
mod seen;
mod shutdown;
mod sink_args;
mod target;
mod threads_args;
mod verification;
mod when;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::context::{Context, GlobalArgs};
use crate::error::CliError;
use crate::exit::Exit;

/// Manage Okta event hooks: list, inspect, create, replace, delete, activate, deactivate and
/// verify them; read the System Log.
///
/// Configuration comes from the flags below, then the OKTA_CLIENT_* environment variables,
/// then ./okta.yaml and ~/.okta/okta.yaml. A token is never taken as an argument (other users
/// of the machine can read arguments): use OKTA_CLIENT_TOKEN or --token-file.
#[derive(Debug, Parser)]
#[command(
    name = "okta-eventhooks",
    version,
    long_version = LONG_VERSION,
    about,
    long_about,
    after_help = exit::EXIT_CODES_HELP
)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,

    #[command(subcommand)]
    command: Command,
}

/// `--version`: the version, the commit it was built from and the enabled features (`-V` prints
/// the version alone).
const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\ncommit: ",
    env!("OKTA_EVENTHOOKS_GIT_COMMIT"),
    "\nfeatures: ",
    env!("OKTA_EVENTHOOKS_FEATURES"),
);

/// Every command. Adding one is one variant here and one arm in [`Command::run`].
#[derive(Debug, Subcommand)]
enum Command {
    /// List every event hook of the org.
    List(cmd::read::List),
    /// Show one event hook.
    Get(cmd::read::Get),
    /// Create an event hook (from flags or a JSON/YAML file).
    Create(cmd::write::Create),
    /// Change an event hook: starts from the current hook and changes only what is given.
    Replace(cmd::write::Replace),
    /// Delete an event hook (it must be inactive; --force deactivates it first).
    Delete(cmd::lifecycle::Delete),
    /// Activate an event hook.
    Activate(cmd::lifecycle::Activate),
    /// Deactivate an event hook.
    Deactivate(cmd::lifecycle::Deactivate),
    /// Ask Okta to verify the hook's endpoint (Okta sends it a one-time challenge).
    Verify(cmd::lifecycle::Verify),
    /// List Okta's event types (offline): those a hook may subscribe to, or all with --all.
    EventTypes(cmd::event_types::EventTypes),
    /// Print a shell completion script.
    Completions(cmd::completions::Completions),
    /// Run the whole event-hook loop locally on the built-in emulator (no Okta org needed).
    Demo(cmd::demo::Demo),
    /// Receive event hooks locally: answer Okta's verification and print each event.
    Listen(cmd::listen::Listen),
    /// Print System Log events (a time window, or --follow new ones as they come).
    Logs(cmd::logs::Logs),
    /// Run a local emulator of Okta's event-hook API, or fire events at a running one.
    Emulator(cmd::emulator::EmulatorArgs),
    /// Check an event hook filter, or test it against an event, offline.
    #[command(long_about = cmd::filter::LONG_HELP)]
    Filter(cmd::filter::FilterArgs),
    /// Show what apply would change to make the orgs match a manifest (hooks as code).
    #[command(long_about = cmd::ascode::PLAN_HELP)]
    Plan(cmd::ascode::PlanCmd),
    /// Make the orgs match a manifest, in a safe order (probe, verify, activate last).
    #[command(long_about = cmd::ascode::apply_help())]
    Apply(cmd::ascode::ApplyCmd),
    /// Write an org's hooks as a manifest (secrets as valueFrom placeholders).
    Export(cmd::ascode::ExportCmd),
    /// The hooks-as-code manifest: print its JSON Schema, or check a file offline.
    Manifest(cmd::manifest::ManifestArgs),
    /// Relay deliveries into a sink: Okta gets 200 only once every event is stored
    ///
    /// A delivery not stored within --deadline is answered 503, which Okta
    /// retries once; 401, 400 and 413 store nothing. Without --sink, --nats,
    /// NATS_URL or --stream, events go to the SQLite file okta-events.db in the
    /// working directory (WAL, synchronous=FULL: committed means on disk).
    /// --sink sqlite:PATH or postgres://USER@HOST:PORT/DB: one row per event in
    /// --table (created if missing), its body the event's JSON exactly as Okta
    /// sent it, its uuid unique. --sink nats://HOST:PORT/STREAM or NATS_URL: one
    /// JetStream message per event on <prefix>.<eventType>, its uuid the
    /// Nats-Msg-Id (a repeat within --duplicate-window is stored once). Either
    /// way any number of relays can share the sink behind a load balancer.
    ///
    /// Examples:
    ///   export HOOK_SECRET=...   # the hook's authScheme.value
    ///   okta-eventhooks relay --insecure-no-auth   # local try-out: okta-events.db
    ///   export PGPASSWORD=...    # PostgreSQL's password, never in the URL
    ///   okta-eventhooks relay --sink postgres://relay@db/audit?sslmode=require \
    ///     --auth-key Authorization --auth-value-env HOOK_SECRET
    ///   export NATS_URL=nats://nats-1:4222,nats://nats-2:4222
    ///   okta-eventhooks relay --port 8080 --path /okta/events \
    ///     --auth-key Authorization --auth-value-env HOOK_SECRET --replicas 3
    #[command(verbatim_doc_comment)]
    Relay(cmd::relay::Relay),
    /// Print the events of a sink, acknowledging each after printing
    ///
    /// A durable consumer remembers what was acknowledged: run it again with
    /// the same --durable and it carries on where it stopped; an event printed
    /// but not acknowledged (the process died in between) comes again. One
    /// line per event, or its JSON (one line each) with -o json, as `listen`
    /// prints them. On an SQL sink the cursor is kept in the database
    /// (okta_event_consumers) and events come in seq order.
    ///
    /// Printed means acknowledged: an event is acknowledged once it is written
    /// to stdout, whatever the reader of the pipe then does with it (a reader
    /// that stops or fails loses what the pipe had taken). For at-least-once
    /// processing use --exec CMD: one CMD per event, the event's JSON on its
    /// stdin, acknowledged only when CMD exits 0, sent again later otherwise
    /// (a CMD still running after --exec-timeout is killed).
    ///
    /// Examples:
    ///   okta-eventhooks consume --durable audit --type user.session.start
    ///   okta-eventhooks consume --durable audit --subject 'okta.events.user.>'
    ///   okta-eventhooks -o json consume --durable sync --count 100 | jq .uuid
    ///   okta-eventhooks consume --durable billing --exec ./handle-event.sh
    #[command(verbatim_doc_comment)]
    Consume(cmd::relay::Consume),
    /// Find the events a hook should have delivered that the sink lacks (System Log vs stream)
    ///
    /// Reads the hook (its event types and filters) and the System Log over the
    /// window, keeps the events the hook should have delivered (a subscribed type
    /// whose filter is true), and compares them by uuid with what the sink holds:
    /// the relay's sink (--sink URL, or --stream), or a file of the uuids your own
    /// receiver has seen (--seen). Reports what is missing and the hook's failed
    /// deliveries (event_hook.delivery) in the window. Okta never replays an
    /// event whose delivery failed twice; --replay puts the missing ones in.
    ///
    /// Exit codes: 0 nothing missing, 2 something missing (also when --replay
    /// then put it in), 1 any error. The System Log keeps 90 days and can trail
    /// behind by minutes: the window ends --lag ago (default 1m), or at --until.
    ///
    /// Examples:
    ///   okta-eventhooks reconcile --hook audit-sink --since 6h --stream OKTA_EVENTS
    ///   okta-eventhooks reconcile --hook audit-sink --since 6h \
    ///     --sink sqlite:okta-events.db --replay
    ///   okta-eventhooks reconcile --hook audit-sink --since 24h \
    ///     --stream OKTA_EVENTS --replay
    ///   okta-eventhooks -o json reconcile --hook audit-sink --since 1h \
    ///     --seen seen-uuids.txt
    ///   okta-eventhooks reconcile --hook audit-sink --since 1h \
    ///     --stream OKTA_EVENTS --replay --watch --lag 5m
    #[command(verbatim_doc_comment)]
    Reconcile(cmd::reconcile::Reconcile),
    /// Check why a hook receives nothing, in the order of Okta's delivery pipeline
    #[command(long_about = cmd::doctor::HELP)]
    Doctor(cmd::doctor::Doctor),
    /// Write the manual pages (for packagers; `cargo xtask man` keeps the checked-in ones).
    #[command(hide = true)]
    Man(cmd::man::Man),
}

impl Command {
    /// The log format of a long-running command, which logs failures at the default level;
    /// `None` for the others (they log only with -v).
    fn log_format(&self) -> Option<log_args::LogFormat> {
        match self {
            Self::Listen(c) => Some(c.log_format()),
            Self::Relay(c) => Some(c.log_format()),
            Self::Consume(c) => Some(c.log_format()),
            Self::Reconcile(c) => c.log_format(),
            _ => None,
        }
    }

    /// The worker threads of a server that runs until stopped (`listen`, `relay`, `consume`,
    /// the emulator); `None` for a command that does one job and ends on one thread.
    fn worker_threads(&self) -> Option<usize> {
        match self {
            Self::Listen(c) => Some(c.threads.count()),
            Self::Relay(c) => Some(c.threads.count()),
            Self::Consume(c) => Some(c.threads.count()),
            Self::Emulator(c) if c.command.is_none() => Some(c.threads.count()),
            _ => None,
        }
    }

    async fn run(self, ctx: &Context) -> Result<(), CliError> {
        match self {
            Self::List(c) => c.run(ctx).await,
            Self::Get(c) => c.run(ctx).await,
            Self::Create(c) => c.run(ctx).await,
            Self::Replace(c) => c.run(ctx).await,
            Self::Delete(c) => c.run(ctx).await,
            Self::Activate(c) => c.run(ctx).await,
            Self::Deactivate(c) => c.run(ctx).await,
            Self::Verify(c) => c.run(ctx).await,
            Self::EventTypes(c) => c.run(ctx),
            Self::Completions(c) => c.run(ctx),
            Self::Demo(c) => c.run(ctx).await,
            Self::Listen(c) => c.run(ctx).await,
            Self::Logs(c) => c.run(ctx).await,
            Self::Emulator(c) => c.run(ctx.printer(), ctx.timeout()).await,
            Self::Filter(c) => c.run(ctx.printer()),
            Self::Plan(c) => c.run(ctx).await,
            Self::Apply(c) => c.run(ctx).await,
            Self::Export(c) => c.run(ctx).await,
            Self::Manifest(c) => c.run(ctx.printer()),
            Self::Relay(c) => c.run(ctx).await,
            Self::Consume(c) => c.run(ctx).await,
            Self::Reconcile(c) => c.run(ctx).await,
            Self::Doctor(c) => c.run(ctx).await,
            Self::Man(c) => c.run(ctx),
        }
    }

    /// Whether the exit code is `plan --detailed-exitcode`'s: 0 no changes, 2 changes, 1 any
    /// error (also `reconcile`'s and `doctor`'s).
    fn detailed_exitcode(&self) -> bool {
        matches!(self, Self::Plan(c) if c.detailed_exitcode())
            || matches!(self, Self::Reconcile(_) | Self::Doctor(_))
    }
}

/// Whether a command line that clap refused asks for `plan --detailed-exitcode`'s exit codes
/// (`plan --detailed-exitcode`, `reconcile` or `doctor`): read again by clap itself, leniently, so that
/// the flag counts only where clap would take it as the flag (not as another flag's value).
fn usage_error_is_detailed() -> bool {
    usage_error_is_detailed_in(std::env::args_os())
}

fn usage_error_is_detailed_in(args: impl IntoIterator<Item = std::ffi::OsString>) -> bool {
    let mut args: Vec<std::ffi::OsString> = args.into_iter().collect();
    // A lenient parse stops at an argument clap does not know: the arguments clap names as
    // unknown are left out, one at a time, so that a flag after a typo still counts.
    for _ in 0..args.len() {
        let Err(e) = Cli::try_parse_from(&args) else {
            break;
        };
        let unknown = match (e.kind(), e.get(clap::error::ContextKind::InvalidArg)) {
            (
                clap::error::ErrorKind::UnknownArgument,
                Some(clap::error::ContextValue::String(arg)),
            ) => arg.clone(),
            _ => break,
        };
        let Some(at) = args.iter().position(|a| *a == *unknown) else {
            break;
        };
        args.remove(at);
    }
    let lenient = Cli::command()
        .ignore_errors(true)
        .try_get_matches_from(args);
    let Ok(matches) = lenient else {
        return false;
    };
    match matches.subcommand() {
        Some(("reconcile" | "doctor", _)) => true,
        Some(("plan", plan)) => plan
            .try_get_one::<bool>("detailed_exitcode")
            .ok()
            .flatten()
            .copied()
            .unwrap_or(false),
        _ => false,
    }
}

/// `plan --detailed-exitcode`'s code for "changes pending" (and for nothing else).
const CHANGES_PENDING: u8 = 2;
/// `plan --detailed-exitcode`'s code for any error.
const DETAILED_ERROR: u8 = 1;

fn main() -> ExitCode {
    // clap prints help/version and exits 0, or prints a usage error and exits 2 (1 with
    // --detailed-exitcode, where 2 means "changes pending").
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            if e.use_stderr() && usage_error_is_detailed() {
                let _ = e.print();
                return ExitCode::from(DETAILED_ERROR);
            }
            e.exit()
        }
    };
    let detailed = cli.command.detailed_exitcode();
    context::init_tracing(cli.global.verbose, cli.command.log_format());
    let ctx = Context::new(cli.global);
    let mut runtime = match cli.command.worker_threads() {
        Some(workers) => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            // Always given, so tokio never reads TOKIO_WORKER_THREADS (it panics on a bad value).
            builder.worker_threads(workers);
            builder
        }
        None => tokio::runtime::Builder::new_current_thread(),
    };
    let outcome = runtime
        .enable_all()
        .build()
        .map_err(|e| CliError::Internal(format!("cannot start the async runtime: {e}")))
        .and_then(|runtime| {
            // Keeps the last response body so that `-o json|yaml` prints exactly what Okta returned.
            runtime.block_on(okta_eventhooks::keep_response_bodies(cli.command.run(&ctx)))
        });
    match outcome {
        Ok(()) => Exit::Success.into(),
        Err(CliError::FoundDifferences) => ExitCode::from(CHANGES_PENDING),
        Err(e) => {
            // A closed pipe (`| head`) ends quietly; its exit code is success.
            if !matches!(e.root(), CliError::BrokenPipe) {
                ctx.printer().error(&e, &ctx.hints_for(&e));
            }
            if detailed && !matches!(e.root(), CliError::BrokenPipe) {
                return ExitCode::from(DETAILED_ERROR);
            }
            e.exit().into()
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn a_usage_error_is_detailed_under_plan_detailed_exitcode_and_reconcile_only() {
        let detailed = |args: &[&str]| {
            super::usage_error_is_detailed_in(
                std::iter::once("okta-eventhooks")
                    .chain(args.iter().copied())
                    .map(Into::into),
            )
        };
        for args in [
            &[
                "plan",
                "-f",
                "h.yaml",
                "--detailed-exitcode",
                "--no-such-flag",
            ][..],
            &[
                "plan",
                "--no-such-flag",
                "--detailed-exitcode",
                "-f",
                "h.yaml",
            ],
            &["-o", "json", "plan", "--detailed-exitcode"],
            &["reconcile"],
            &["reconcile", "--hook", "a", "--no-such-flag"],
            &["reconcile", "--since", "not a time"],
            &["doctor", "--hook", "a", "--since", "not a time"],
            &["doctor"],
        ] {
            assert!(detailed(args), "{args:?}");
        }
        for args in [
            &["plan", "-f", "h.yaml", "--no-such-flag"][..],
            &["list", "--detailed-exitcode"],
            &["get", "reconcile", "--no-such-flag"],
            &["no-such-command", "--detailed-exitcode"],
        ] {
            assert!(!detailed(args), "{args:?}");
        }
    }
}
