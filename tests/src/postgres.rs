//! A real PostgreSQL server for tests: `initdb` into a scratch directory, `postgres` on a free
//! loopback port with `fsync=on`, stopped when dropped; like the NATS servers of
//! [`nats`](crate::nats). As root (PostgreSQL refuses to run as root) the binaries run as the
//! `postgres` user through `setpriv`.
//!
//! The binaries are found as `pg_binary.rs` says. Tests that need them are marked
//! `#[cfg_attr(not(any(postgres_server, ci)), ignore = "...")]`: reported as ignored with the
//! reason without them, failing under CI.

use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::nats::free_port;
use crate::pg_binary::pg_bin_dir;
use crate::scratch::tempdir;

/// The reason shown for tests ignored because the server is missing.
pub const MISSING: &str = "install PostgreSQL's server binaries (apt-get install postgresql) or set OKTA_EVENTHOOKS_PG_BIN to their directory (see .ci/run)";

/// Whether PostgreSQL's server binaries were found.
pub fn available() -> bool {
    pg_bin_dir().is_some()
}

/// The database user the tests connect as (trusted on loopback: no password).
pub const USER: &str = "okta";

const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// One PostgreSQL server. It keeps its port and data across [`stop`](Self::stop) /
/// [`start_again`](Self::start_again), like a restarted server.
#[derive(Debug)]
pub struct PgServer {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

/// Whether this process runs as root.
fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Run as root, the server refuses to start: its files go to the `postgres` user.
fn give_to_postgres(dir: &std::path::Path) {
    if !is_root() {
        return;
    }
    let status = Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(dir)
        .status()
        .unwrap();
    assert!(
        status.success(),
        "cannot give {} to postgres",
        dir.display()
    );
}

impl PgServer {
    /// `initdb`, then starts the server and waits until it accepts queries.
    pub fn start() -> Self {
        let bin = pg_bin_dir().unwrap_or_else(|| panic!("{MISSING}"));
        let dir = tempdir("postgres");
        give_to_postgres(&dir);
        let mut server = Self {
            bin,
            dir,
            port: free_port(),
            child: None,
        };
        let out = server
            .command("initdb")
            .arg("-D")
            .arg(server.data())
            .args(["-U", USER, "--auth=trust", "-E", "UTF8", "--no-sync"])
            .output()
            .unwrap_or_else(|e| panic!("cannot run initdb: {e}"));
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        server.start_again();
        server
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// A command running `program` of the server's binaries (as `postgres` when root).
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if is_root() {
            let mut cmd = Command::new("setpriv");
            cmd.args(["--reuid=postgres", "--regid=postgres", "--init-groups"])
                .arg(path);
            cmd
        } else {
            Command::new(path)
        }
    }

    /// Starts the server (again) on the same port and data, and waits until it accepts
    /// queries.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "postgres is already running");
        let log = std::fs::File::create(self.dir.join("server.log")).unwrap();
        let child = self
            .command("postgres")
            .arg("-D")
            .arg(self.data())
            .args(["-p", &self.port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!("unix_socket_directories={}", self.dir.display()))
            .args(["-c", "fsync=on", "-c", "max_connections=100"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start postgres: {e}"));
        self.child = Some(child);
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let started = Instant::now();
        loop {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("postgres exited ({status}):\n{}", self.log());
            }
            let listening = TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok();
            if listening
                && self
                    .command("pg_isready")
                    .args(["-q", "-h", "127.0.0.1", "-p", &self.port.to_string()])
                    .status()
                    .is_ok_and(|s| s.success())
            {
                return;
            }
            assert!(
                started.elapsed() < READY_TIMEOUT,
                "postgres did not accept connections on {addr} within {READY_TIMEOUT:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Creates the database `name`.
    pub fn create_db(&self, name: &str) {
        let out = self
            .command("createdb")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                USER,
                name,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "createdb {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `postgres://okta@127.0.0.1:<port>/<db>?sslmode=disable`.
    pub fn url(&self, db: &str) -> String {
        format!(
            "postgres://{USER}@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs `sql` with `psql` on database `db`; its output (unaligned, tuples only).
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = self
            .command("psql")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", USER])
            .args(["-d", db, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Turns TLS on (a configuration reload) with a server certificate for `127.0.0.1` and
    /// `localhost` signed by a CA minted for the test; the CA's and certificates' files.
    pub fn enable_tls(&self) -> crate::nats_secure::TlsFiles {
        use std::os::unix::fs::PermissionsExt;
        let dir = self.dir.join("tls");
        std::fs::create_dir_all(&dir).unwrap();
        let files = crate::nats_secure::TlsFiles::mint(&dir);
        // The server takes a key only when it is private to it.
        std::fs::set_permissions(&files.server_key, std::fs::Permissions::from_mode(0o600))
            .unwrap();
        give_to_postgres(&dir);
        for (setting, value) in [
            ("ssl_cert_file", &files.server_cert),
            ("ssl_key_file", &files.server_key),
        ] {
            self.psql(
                "postgres",
                &format!("ALTER SYSTEM SET {setting} = '{}'", value.display()),
            );
        }
        self.psql("postgres", "ALTER SYSTEM SET ssl = on");
        self.psql("postgres", "SELECT pg_reload_conf()");
        let started = Instant::now();
        while self.psql("postgres", "SHOW ssl").trim() != "on" {
            assert!(
                started.elapsed() < READY_TIMEOUT,
                "TLS did not turn on:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        files
    }

    /// Stops the server the way an operator does (fast shutdown: SIGINT).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// The scratch directory (data and log).
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        // SIGQUIT: an immediate shutdown that ends the server's children too (SIGKILL of the
        // postmaster would leave them running).
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-QUIT", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
