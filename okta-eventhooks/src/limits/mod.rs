//! Bounds on input, checked before any work is done on it: the size of every file or stream
//! read ([`read_file`], [`read_stream`], each with a [`ReadLimit`] fitted to what the text
//! holds), and the nesting of YAML flow collections ([`check_yaml_nesting`]), which YAML's
//! parser handles in time that grows with the square of the depth.
//!
//! The SDK reads `okta.yaml` and private key files through them; the CLI reads token, secret,
//! hook and manifest files and stdin through them too, with limits of its own for the files
//! only it reads ([`ReadLimit::new`]).

mod read;
mod yaml;

pub use read::{
    CONFIG_FILE, ReadError, ReadLimit, SECRET_FILE, SEEN_FILE, open_regular_file, read_file,
    read_stream,
};
pub use yaml::{MAX_YAML_NESTING, NestingError, check_yaml_nesting};
