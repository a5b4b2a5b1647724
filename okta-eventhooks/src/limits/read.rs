//! Reading text with a cap on its size, so that an endless stream or a huge file fails at
//! once with a clear error instead of filling memory; a named file must be a regular file
//! (a FIFO would block the open, a device never end).

use std::fmt;
use std::io::{self, Read};
use std::path::Path;

/// How much one read may take, and what the text holds (named in the error).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadLimit {
    max_bytes: u64,
    holds: &'static str,
}

impl ReadLimit {
    /// A limit of `max_bytes` for text that `holds` what the error names, e.g. `an event hook
    /// file` ("it is larger than 1 MiB, the most accepted for an event hook file").
    pub const fn new(max_bytes: u64, holds: &'static str) -> Self {
        Self { max_bytes, holds }
    }

    /// The most bytes accepted.
    pub const fn max_bytes(&self) -> u64 {
        self.max_bytes
    }
}

/// Tokens, shared secrets and private keys: 64 KiB. An API token is 42 characters, an access
/// token a few KB, a PEM RSA-8192 key under 7 KB.
pub const SECRET_FILE: ReadLimit = ReadLimit {
    max_bytes: 64 * 1024,
    holds: "a token, shared secret or private key",
};

/// `okta.yaml`: 1 MiB, far more than every setting of many profiles.
pub const CONFIG_FILE: ReadLimit = ReadLimit {
    max_bytes: 1024 * 1024,
    holds: "an okta.yaml configuration file",
};

/// A file of seen event uuids (`reconcile --seen`): 64 MiB, about 1.7 million uuids.
pub const SEEN_FILE: ReadLimit = ReadLimit {
    max_bytes: 64 * 1024 * 1024,
    holds: "a file of seen event uuids",
};

/// Why a bounded read failed. The message never contains what was read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// Opening or reading failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// There was more than the limit; reading stopped there.
    #[error("it is larger than {}, the most accepted for {}", Size(limit.max_bytes), limit.holds)]
    TooLarge {
        /// The limit that was reached.
        limit: ReadLimit,
    },
    /// The bytes are not UTF-8 text.
    #[error("it is not UTF-8 text")]
    NotText,
    /// The path names something other than a regular file; it was not opened.
    #[error("it is {kind}, not a regular file, and is not read")]
    NotAFile {
        /// What it is: `a FIFO (named pipe)`, `a directory`, `a character device`...
        kind: &'static str,
    },
}

/// Reads a whole file as text, refusing more than `limit` bytes, and anything that is not a
/// regular file (after symbolic links) before it is opened: opening a FIFO for reading waits
/// for a writer, for ever if none comes, and a device can be endless.
///
/// ```
/// use okta_eventhooks::limits::{self, ReadError};
/// # #[cfg(unix)] {
/// let err = limits::read_file("/dev/zero".as_ref(), limits::SECRET_FILE).unwrap_err();
/// assert!(matches!(err, ReadError::NotAFile { .. }));
/// assert_eq!(
///     err.to_string(),
///     "it is a character device, not a regular file, and is not read"
/// );
/// # }
/// ```
pub fn read_file(path: &Path, limit: ReadLimit) -> Result<String, ReadError> {
    read_stream(open_regular_file(path)?, limit)
}

/// Opens `path` for reading if it is a regular file; anything else is refused before it is
/// opened ([`ReadError::NotAFile`]). Checked again on the open file, in case the path changed
/// in between.
pub fn open_regular_file(path: &Path) -> Result<std::fs::File, ReadError> {
    check_regular(&std::fs::metadata(path)?)?;
    let file = std::fs::File::open(path)?;
    check_regular(&file.metadata()?)?;
    Ok(file)
}

fn check_regular(meta: &std::fs::Metadata) -> Result<(), ReadError> {
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(());
    }
    let kind = if kind.is_dir() {
        "a directory"
    } else {
        special_kind(&kind)
    };
    Err(ReadError::NotAFile { kind })
}

#[cfg(unix)]
fn special_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}

/// Reads a stream (stdin) to its end as text, refusing more than `limit` bytes.
pub fn read_stream(reader: impl Read, limit: ReadLimit) -> Result<String, ReadError> {
    let mut bytes = Vec::new();
    // One byte past the limit tells "exactly at the limit" from "more".
    reader
        .take(limit.max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit.max_bytes {
        return Err(ReadError::TooLarge { limit });
    }
    String::from_utf8(bytes).map_err(|_| ReadError::NotText)
}

/// A byte count as people read it: `64 KiB`, `1 MiB`, `1000 bytes`.
struct Size(u64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const KIB: u64 = 1024;
        match self.0 {
            n if n >= KIB * KIB && n % (KIB * KIB) == 0 => write!(f, "{} MiB", n / (KIB * KIB)),
            n if n >= KIB && n % KIB == 0 => write!(f, "{} KiB", n / KIB),
            n => write!(f, "{n} bytes"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: ReadLimit = ReadLimit {
        max_bytes: 4,
        holds: "a test",
    };

    #[test]
    fn reads_up_to_the_limit_and_refuses_more() {
        assert_eq!(read_stream(&b"abcd"[..], TINY).unwrap(), "abcd");
        let err = read_stream(&b"abcde"[..], TINY).unwrap_err();
        assert_eq!(
            err.to_string(),
            "it is larger than 4 bytes, the most accepted for a test"
        );
        assert!(matches!(
            read_stream(&[0xff, 0xfe][..], TINY),
            Err(ReadError::NotText)
        ));
    }

    /// Issue 20, item 4: a FIFO is refused before it is opened (opening it for reading would
    /// wait for a writer for ever), and so is a directory.
    #[cfg(unix)]
    #[test]
    fn a_fifo_or_a_directory_is_refused_without_waiting() {
        let dir = std::env::temp_dir().join(format!("oeh-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let (tx, rx) = std::sync::mpsc::channel();
        let path = fifo.clone();
        std::thread::spawn(move || {
            let _ = tx.send(read_file(&path, SECRET_FILE).map_err(|e| e.to_string()));
        });
        let result = rx
            .recv_timeout(std::time::Duration::from_secs(5))
            .expect("reading a FIFO hangs");
        assert_eq!(
            result.unwrap_err(),
            "it is a FIFO (named pipe), not a regular file, and is not read"
        );
        let err = read_file(&dir, SECRET_FILE).unwrap_err();
        assert_eq!(
            err.to_string(),
            "it is a directory, not a regular file, and is not read"
        );
        std::fs::write(dir.join("plain"), "abc").unwrap();
        std::os::unix::fs::symlink(dir.join("plain"), dir.join("link")).unwrap();
        assert_eq!(read_file(&dir.join("link"), SECRET_FILE).unwrap(), "abc");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_endless_stream_stops_at_the_limit() {
        let err = read_stream(io::repeat(b'x'), CONFIG_FILE).unwrap_err();
        assert_eq!(
            err.to_string(),
            "it is larger than 1 MiB, the most accepted for an okta.yaml configuration file"
        );
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(Size(64 * 1024).to_string(), "64 KiB");
        assert_eq!(Size(1024 * 1024).to_string(), "1 MiB");
        assert_eq!(Size(1000).to_string(), "1000 bytes");
    }
}
