//! Reading text with a cap on its size, so that `/dev/zero`, a FIFO that never ends or a huge
//! file fails at once with a clear error instead of filling memory.

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
}

/// Reads a whole file as text, refusing more than `limit` bytes.
///
/// ```
/// use okta_eventhooks::limits::{self, ReadError};
/// # #[cfg(unix)] {
/// let err = limits::read_file("/dev/zero".as_ref(), limits::SECRET_FILE).unwrap_err();
/// assert!(matches!(err, ReadError::TooLarge { .. }));
/// assert_eq!(
///     err.to_string(),
///     "it is larger than 64 KiB, the most accepted for a token, shared secret or private key"
/// );
/// # }
/// ```
pub fn read_file(path: &Path, limit: ReadLimit) -> Result<String, ReadError> {
    read_stream(std::fs::File::open(path)?, limit)
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
