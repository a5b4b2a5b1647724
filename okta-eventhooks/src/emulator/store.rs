//! The hooks, and (with a state file) their durable copy.
//!
//! Readers take an `Arc` snapshot and never wait for a write. Writers queue on one async
//! lock, build the next state from a copy, write it to disk (temp file, fsync, rename, fsync
//! of the directory) and only then publish it, so a change is acknowledged only once it is
//! durable, a failed write changes nothing, and no lock that readers need is held during I/O.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use super::model::{STATE_FORMAT, State};
use super::reply::Failure;
use crate::error::{Error, Result};

/// Whether a write changed anything (and so must be persisted).
pub(crate) type Changed = bool;

pub(crate) struct Store {
    state: RwLock<Arc<State>>,
    writer: tokio::sync::Mutex<()>,
    path: Option<PathBuf>,
}

impl Store {
    /// Opens the state file (or starts empty). A file that cannot be read or parsed is an
    /// error: the emulator never replaces a file it does not understand.
    pub(crate) fn open(path: Option<PathBuf>) -> Result<Self> {
        let state = match &path {
            Some(path) => load(path)?,
            None => State::new(),
        };
        Ok(Self {
            state: RwLock::new(Arc::new(state)),
            writer: tokio::sync::Mutex::new(()),
            path,
        })
    }

    /// The current state.
    pub(crate) fn snapshot(&self) -> Arc<State> {
        match self.state.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Applies `change` to a copy of the state, persists it, then publishes it. `change`
    /// returns its result and whether it changed anything; an `Err` is the response to send
    /// and leaves the state as it was.
    pub(crate) async fn write<T>(
        &self,
        change: impl FnOnce(&mut State) -> Result<(T, Changed), Failure>,
    ) -> Result<T, Failure> {
        let _writer = self.writer.lock().await;
        let mut next = (*self.snapshot()).clone();
        let (out, changed) = change(&mut next)?;
        if !changed {
            return Ok(out);
        }
        if let Some(path) = &self.path {
            let bytes = serde_json::to_vec_pretty(&next)
                .map_err(|e| Failure::Internal(format!("could not encode the state: {e}")))?;
            let path = path.clone();
            tokio::task::spawn_blocking(move || save(&path, &bytes))
                .await
                .map_err(|e| Failure::Internal(format!("state writer failed: {e}")))?
                .map_err(|e| Failure::Internal(format!("could not write the state file: {e}")))?;
        }
        let next = Arc::new(next);
        match self.state.write() {
            Ok(mut guard) => *guard = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
        Ok(out)
    }
}

fn load(path: &Path) -> Result<State> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::new()),
        Err(e) => {
            return Err(Error::Config(format!(
                "cannot read the emulator state file {}: {e}",
                path.display()
            )));
        }
    };
    let state: State = serde_json::from_slice(&bytes).map_err(|e| {
        Error::Config(format!(
            "the emulator state file {} is not valid ({e}); move it away to start empty",
            path.display()
        ))
    })?;
    if state.format != STATE_FORMAT {
        return Err(Error::Config(format!(
            "the emulator state file {} has format {}, this emulator reads format {STATE_FORMAT}",
            path.display(),
            state.format
        )));
    }
    Ok(state)
}

/// Writes `bytes` so that `path` holds either the old or the new content, whatever happens:
/// temp file in the same directory, fsync, rename over `path`, fsync of the directory.
fn save(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = dir.join(tmp_name);
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            // The file holds hook secrets.
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    #[cfg(unix)]
    std::fs::File::open(&dir)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_replaces_atomically_and_load_reads_it_back() {
        let dir = std::env::temp_dir().join(format!("oeh-store-{}", super::super::ids::uuid_v4()));
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
