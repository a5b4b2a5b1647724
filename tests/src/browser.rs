//! A headless Chromium driven through WebDriver (chromedriver) for the inspector's browser
//! tests: chromedriver is started here on a free loopback port, the browser with a fresh
//! profile in a scratch directory, both stopped when the [`Browser`] is dropped.
//!
//! The binaries are the ones `OKTA_EVENTHOOKS_CHROMIUM` and `OKTA_EVENTHOOKS_CHROMEDRIVER` name,
//! else the first `chromium` and `chromedriver` on `PATH` (`.ci/run` installs Debian's
//! `chromium` and `chromium-driver`). Tests that need them are marked
//! `#[cfg_attr(not(any(browser, ci)), ignore = "...")]`: without them they are reported as
//! ignored with the reason, and under CI they fail instead.

use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::ClientBuilder;
use fantoccini::wd::Capabilities;
/// The session and the element locator of the WebDriver client the tests drive the page with.
pub use fantoccini::{Client, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

pub use crate::browser_binary::{CHROMEDRIVER_VAR, CHROMIUM_VAR};
use crate::browser_binary::{chromedriver_binary, chromium_binary};
use crate::nats::free_port;
use crate::scratch::tempdir;

/// The reason shown for tests ignored because the browser is missing.
pub const MISSING: &str = "install chromium and chromium-driver, or set OKTA_EVENTHOOKS_CHROMIUM and OKTA_EVENTHOOKS_CHROMEDRIVER (see .ci/run)";

/// How long chromedriver may take to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A running chromedriver, and the browser it starts for [`session`](Self::session).
#[derive(Debug)]
pub struct Browser {
    driver: Child,
    port: u16,
    chromium: PathBuf,
    profile: PathBuf,
}

impl Browser {
    /// Starts chromedriver; panics with what to do when Chromium or chromedriver is missing,
    /// which under CI fails the test loudly.
    pub fn start() -> Self {
        let chromium = chromium_binary().unwrap_or_else(|| panic!("no Chromium: {MISSING}"));
        let driver = chromedriver_binary().unwrap_or_else(|| panic!("no chromedriver: {MISSING}"));
        let port = free_port();
        let profile = tempdir("chromium-profile");
        let child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver.display()));
        let browser = Self {
            driver: child,
            port,
            chromium,
            profile,
        };
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + READY_TIMEOUT;
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {addr}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        browser
    }

    /// A new headless browser session, 1280 x 900, with no network of its own beyond what the
    /// page asks for (no sync, no component updates, no first-run pages).
    pub async fn session(&self) -> Client {
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--no-first-run".into(),
            "--window-size=1280,900".into(),
            format!("--user-data-dir={}", self.profile.display()),
        ];
        let mut caps = Capabilities::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": self.chromium, "args": args }),
        );
        ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .unwrap_or_else(|e| panic!("cannot start a Chromium session: {e}"))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
