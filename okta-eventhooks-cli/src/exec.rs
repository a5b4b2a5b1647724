//! `consume --exec CMD`: each event handed to a command of the user's, acknowledged only when
//! the command succeeded. Independent of where the events come from, so every consumer (the
//! JetStream stream today, a SQL sink's later) runs a command the same way.
//!
//! One process per event: the command (run by `sh -c`, or `cmd /C` on Windows) gets the
//! event's JSON, exactly as Okta sent it, on its stdin, which is then closed; its stdout and
//! stderr are the consumer's. Exit status 0 is success; anything else (a failure, a signal,
//! a command that cannot start, one still running after the timeout, which is then killed
//! with its process group) is a failure, and the event comes again after [`backoff`].

use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::AsyncWriteExt;

/// The first pause before a failed event comes again; it doubles per delivery up to
/// [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// The longest pause before a failed event comes again.
pub const MAX_BACKOFF: Duration = Duration::from_secs(5 * 60);

/// A command to run per event.
#[derive(Clone, Debug)]
pub struct Exec {
    command: String,
    timeout: Duration,
}

/// Why a command did not succeed, in words for the warning.
#[derive(Debug, PartialEq, Eq)]
pub struct ExecFailure(pub String);

impl Exec {
    /// `command` run by the shell, killed after `timeout`.
    pub fn new(command: String, timeout: Duration) -> Self {
        Self { command, timeout }
    }

    /// Runs the command once with `event` on its stdin; `Ok` only when it exited 0.
    pub async fn run(&self, event: &[u8]) -> Result<(), ExecFailure> {
        let mut child = self
            .shell()
            .stdin(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| ExecFailure(format!("cannot start the command: {e}")))?;
        let mut stdin = child.stdin.take();
        let work = async {
            if let Some(stdin) = &mut stdin {
                // A command that does not read its stdin may exit first: its status decides.
                let _ = stdin.write_all(event).await;
            }
            drop(stdin.take());
            child.wait().await
        };
        match tokio::time::timeout(self.timeout, work).await {
            Ok(Ok(status)) => judge(status),
            Ok(Err(e)) => Err(ExecFailure(format!("cannot wait for the command: {e}"))),
            Err(_) => {
                kill_group(&mut child).await;
                Err(ExecFailure(format!(
                    "the command still ran after {} (--exec-timeout) and was killed",
                    humantime::format_duration(self.timeout)
                )))
            }
        }
    }

    #[cfg(unix)]
    fn shell(&self) -> tokio::process::Command {
        let mut command = tokio::process::Command::new("sh");
        // Its own process group, so that a timeout kills what it started too.
        command.arg("-c").arg(&self.command).process_group(0);
        command
    }

    #[cfg(not(unix))]
    fn shell(&self) -> tokio::process::Command {
        let mut command = tokio::process::Command::new("cmd");
        command.arg("/C").arg(&self.command);
        command
    }
}

/// Exit status 0 is success; the rest is said in words.
fn judge(status: ExitStatus) -> Result<(), ExecFailure> {
    if status.success() {
        return Ok(());
    }
    Err(ExecFailure(match status.code() {
        Some(127) => "the command exited with status 127 (command not found?)".to_owned(),
        Some(code) => format!("the command exited with status {code}"),
        None => format!("the command was ended by a signal ({status})"),
    }))
}

/// Kills the command and every process of its group (unix: the shell's children too).
async fn kill_group(child: &mut tokio::process::Child) {
    #[cfg(unix)]
    if let Some(pid) = child.id() {
        // `kill -KILL -PGID` without unsafe code: the group is the child's own (see shell).
        let _ = tokio::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await;
    }
    let _ = child.kill().await;
}

/// The pause before an event whose command failed comes again, by how many times it has been
/// delivered: 1 s, 2 s, 4 s... up to [`MAX_BACKOFF`].
pub fn backoff(delivered: i64) -> Duration {
    let doublings = u32::try_from(delivered.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    FIRST_BACKOFF
        .saturating_mul(2u32.saturating_pow(doublings))
        .min(MAX_BACKOFF)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(30);

    #[tokio::test]
    async fn the_event_is_on_stdin_and_only_exit_0_succeeds() {
        let dir = std::env::temp_dir().join(format!("exec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("out.json");
        let exec = Exec::new(format!("cat > '{}'", out.display()), TIMEOUT);
        exec.run(br#"{"uuid":"u1"}"#).await.unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), r#"{"uuid":"u1"}"#);
        let failed = Exec::new("cat >/dev/null; exit 3".into(), TIMEOUT);
        assert_eq!(
            failed.run(b"{}").await.unwrap_err().0,
            "the command exited with status 3"
        );
        // A command that does not read a large event still decides by its status.
        let ignores = Exec::new("exit 0".into(), TIMEOUT);
        ignores.run(&vec![b' '; 4 << 20]).await.unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_hanging_command_is_killed_with_what_it_started() {
        let exec = Exec::new(
            "sleep 30 & sleep 30; wait".into(),
            Duration::from_millis(300),
        );
        let started = std::time::Instant::now();
        let err = exec.run(b"{}").await.unwrap_err();
        assert!(err.0.contains("was killed"), "{}", err.0);
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(4));
        assert_eq!(backoff(1000), MAX_BACKOFF);
        assert_eq!(backoff(0), Duration::from_secs(1));
    }
}
