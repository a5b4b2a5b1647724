//! What the workspace's test suites share, so that no helper is written twice: the secrets
//! the tests use, Okta-shaped fixtures, a hook endpoint that answers the verification
//! challenge, the emulator and SDK clients set up for tests, several emulated orgs named by
//! okta.yaml profiles, a plain HTTP client, scratch directories, hostile input for property
//! tests, a stand-in for Okta's System Log, and real NATS servers (one, or a three-node
//! JetStream cluster), and a headless Chromium driven through chromedriver.
//!
//! Used by the integration tests of this package (`tests/it`) and by the CLI's end-to-end
//! tests (`okta-eventhooks-cli/tests/cli`). Not published.

pub mod browser;
#[path = "../../okta-eventhooks-cli/browser_binary.rs"]
mod browser_binary;
pub mod emulator;
pub mod endpoint;
pub mod fixtures;
pub mod hostile;
pub mod http;
pub mod mock_org;
pub mod nats;
#[path = "../../okta-eventhooks-cli/nats_binary.rs"]
mod nats_binary;
pub mod nats_secure;
pub mod orgs;
#[path = "../../okta-eventhooks-cli/pg_binary.rs"]
mod pg_binary;
pub mod postgres;
pub mod proxy;
pub mod scratch;
pub mod secrets;
pub mod system_log;
