//! The hooks, and (with a state file) their durable copy.
//!
//! Readers see the last durable state through an `Arc` snapshot and never wait for a write.
//! A writer applies its change to the pending state under a short lock (no I/O), then waits
//! until a flush that includes it is on disk. Flushes are group commits: whoever holds the
//! flush lock writes the newest pending state (temp file, fsync, rename, fsync of the
//! directory) for every writer queued so far, then publishes it and acknowledges them. So a
//! change is answered only once it is durable, concurrent writers share one fsync, a failed
//! write is reported to every writer it carried and rolls the pending state back, and no lock
//! that readers or change-application need is held during I/O.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::oneshot;

use super::model::{STATE_FORMAT, State};
use super::reply::Failure;
use crate::error::{Error, Result};

/// The largest state file read at start. With the hook limits (at most 100 hooks of at most
/// 64 KiB each) the emulator itself never writes one half as large.
pub(crate) const MAX_STATE_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Whether a write changed anything (and so must be persisted).
pub(crate) type Changed = bool;

type Ack = oneshot::Sender<Result<(), String>>;

/// The newest state, which may not be on disk yet, and the writers waiting for it to be.
struct Pending {
    state: Arc<State>,
    waiting: Vec<Ack>,
}

pub(crate) struct Store {
    /// The durable state: what readers see.
    published: RwLock<Arc<State>>,
    pending: Mutex<Pending>,
    /// Held by the one writer that is flushing.
    flush: tokio::sync::Mutex<()>,
    path: Option<PathBuf>,
}

impl Store {
    /// Opens the state file (or starts empty). A file that cannot be read or parsed is an
    /// error: the emulator never replaces a file it does not understand.
    pub(crate) fn open(path: Option<PathBuf>) -> Result<Self> {
        let state = Arc::new(match &path {
            Some(path) => {
                let state = load(path)?;
                probe(path)?;
                state
            }
            None => State::new(),
        });
        Ok(Self {
            published: RwLock::new(Arc::clone(&state)),
            pending: Mutex::new(Pending {
                state,
                waiting: Vec::new(),
            }),
            flush: tokio::sync::Mutex::new(()),
            path,
        })
    }

    /// The state file, if there is one.
    pub(crate) fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The current (durable) state.
    pub(crate) fn snapshot(&self) -> Arc<State> {
        match self.published.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    fn publish(&self, state: Arc<State>) {
        match self.published.write() {
            Ok(mut guard) => *guard = state,
            Err(poisoned) => *poisoned.into_inner() = state,
        }
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies `change` to the newest state and returns once the result is durable. `change`
    /// returns its result and whether it changed anything; an `Err` is the refusal to send
    /// and leaves the state as it was.
    pub(crate) async fn write<T>(
        self: &Arc<Self>,
        change: impl FnOnce(&mut State) -> Result<(T, Changed), Failure>,
    ) -> Result<T, Failure> {
        let acknowledged = {
            let mut pending = self.pending();
            let mut next = (*pending.state).clone();
            let (out, changed) = change(&mut next)?;
            if !changed {
                return Ok(out);
            }
            let next = Arc::new(next);
            pending.state = Arc::clone(&next);
            if self.path.is_none() {
                // Nothing to wait for: the change is as durable as it gets.
                self.publish(next);
                return Ok(out);
            }
            let (ack, acknowledged) = oneshot::channel();
            pending.waiting.push(ack);
            (out, acknowledged)
        };
        let (out, acknowledged) = acknowledged;
        // In a task of its own, so that a client hanging up cannot stop a flush half-way.
        let store = Arc::clone(self);
        tokio::spawn(async move { store.flush_pending().await });
        match acknowledged.await {
            Ok(Ok(())) => Ok(out),
            Ok(Err(e)) => Err(Failure::Internal(format!(
                "could not write the state file {}: {e}; the change was not made",
                self.path.as_deref().unwrap_or(Path::new("")).display()
            ))),
            Err(_) => Err(Failure::Internal("the state writer went away".into())),
        }
    }

    /// Writes the newest pending state for every writer queued so far (if a previous flush
    /// did not already carry them all).
    async fn flush_pending(&self) {
        let Some(path) = &self.path else {
            return;
        };
        let _flushing = self.flush.lock().await;
        let (state, acks) = {
            let mut pending = self.pending();
            if pending.waiting.is_empty() {
                return;
            }
            (
                Arc::clone(&pending.state),
                std::mem::take(&mut pending.waiting),
            )
        };
        let written = match serde_json::to_vec_pretty(&*state) {
            Ok(bytes) => {
                let path = path.clone();
                tokio::task::spawn_blocking(move || save(&path, &bytes))
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|saved| saved.map_err(|e| e.to_string()))
            }
            Err(e) => Err(e.to_string()),
        };
        match written {
            Ok(()) => {
                self.publish(state);
                for ack in acks {
                    let _ = ack.send(Ok(()));
                }
            }
            Err(e) => {
                // Everything not on disk is refused: later changes were built on this state.
                let mut pending = self.pending();
                pending.state = self.snapshot();
                let later = std::mem::take(&mut pending.waiting);
                drop(pending);
                for ack in acks.into_iter().chain(later) {
                    let _ = ack.send(Err(e.clone()));
                }
            }
        }
    }
}

/// Checks before serving that the state can be written where asked: by creating and removing
/// the temp file that every write uses, so that a missing directory or a read-only one is a
/// clear error at start, not a failed write later. (A temp file left by a write that was
/// killed half-way is never the state, so it is simply replaced.)
fn probe(path: &Path) -> Result<()> {
    let tmp = temp_path(path);
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp);
    match created {
        Ok(_) => std::fs::remove_file(&tmp).map_err(|e| Error::StateFile {
            path: path.to_owned(),
            message: format!("cannot remove the test file {}: {e}", tmp.display()),
        }),
        Err(e) => Err(Error::StateFile {
            path: path.to_owned(),
            message: format!(
                "cannot write in its directory {}: {e}",
                temp_dir(path).display()
            ),
        }),
    }
}

fn load(path: &Path) -> Result<State> {
    match std::fs::metadata(path) {
        // Before it is opened: opening a FIFO for reading waits for a writer.
        Ok(meta) if !meta.is_file() => {
            return Err(Error::StateFile {
                path: path.to_owned(),
                message: "it is not a regular file".into(),
            });
        }
        Ok(meta) if meta.len() > MAX_STATE_FILE_BYTES => {
            return Err(Error::StateFile {
                path: path.to_owned(),
                message: format!(
                    "it is {} bytes; the emulator reads at most {MAX_STATE_FILE_BYTES}",
                    meta.len()
                ),
            });
        }
        _ => {}
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::new()),
        Err(e) => {
            return Err(Error::StateFile {
                path: path.to_owned(),
                message: format!("cannot read it: {e}"),
            });
        }
    };
    let state: State = serde_json::from_slice(&bytes).map_err(|e| Error::StateFile {
        path: path.to_owned(),
        message: format!("not valid ({e}); move it away to start empty"),
    })?;
    if state.format != STATE_FORMAT {
        return Err(Error::StateFile {
            path: path.to_owned(),
            message: format!(
                "it has format {}, this emulator reads format {STATE_FORMAT}",
                state.format
            ),
        });
    }
    Ok(state)
}

/// Writes `bytes` so that `path` holds either the old or the new content, whatever happens:
/// temp file in the same directory, fsync, rename over `path`, fsync of the directory.
fn save(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_path(path);
    let written = write_and_rename(path, &tmp, bytes);
    if written.is_err() {
        // A full disk or a failed rename must not leave the half-written temp file behind.
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// The directory of the state file, where its temp file goes too.
fn temp_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `<state file>.tmp`, in the same directory so that the rename is atomic.
fn temp_path(path: &Path) -> PathBuf {
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    temp_dir(path).join(tmp_name)
}

fn write_and_rename(path: &Path, tmp: &Path, bytes: &[u8]) -> std::io::Result<()> {
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            // The file holds hook secrets.
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(tmp, path)?;
    #[cfg(unix)]
    std::fs::File::open(temp_dir(path))?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_replaces_atomically_and_load_reads_it_back() {
        let dir =
            std::env::temp_dir().join(format!("oeh-store-{}", okta_eventhooks::ids::uuid_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json");
        let state = State::new();
        save(&path, &serde_json::to_vec(&state).unwrap()).unwrap();
        let loaded = load(&path).unwrap();
        assert_eq!(loaded.admin_user_id, state.admin_user_id);
        assert!(!dir.join("state.json.tmp").exists());
        std::fs::write(&path, b"{not json").unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("not valid"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
