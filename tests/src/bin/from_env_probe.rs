//! Lists the event hooks with `okta_eventhooks::Client::from_env()` and prints how many.
//!
//! Started by the `config::from_env_reads_the_process_environment` test with an environment,
//! a HOME and a working directory of its own. It is a binary rather than an ignored test so
//! that no test runner can ever run it in the developer's environment, where it would read
//! their `~/.okta/okta.yaml` and `OKTA_CLIENT_*` variables.

use std::process::ExitCode;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let hooks = match okta_eventhooks::Client::from_env() {
        Ok(client) => client.list_event_hooks().await,
        Err(e) => Err(e),
    };
    match hooks {
        Ok(hooks) => {
            println!("{} event hooks", hooks.len());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
