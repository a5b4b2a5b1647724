//! A manifest file as read: bounded before parsing (the SDK's [`limits`]), parsed with positions, and asked where a
//! key is when a later check finds a problem there.
//!
//! Positions of later problems come from parsing the text again up to the key in question
//! ([`Source::locate`]): serde gives no spans, but yaml_serde puts the position of the node
//! being read on any error raised there, so the locator raises one at the wanted node. It runs
//! only when there is a problem to report.

use std::fmt;
use std::path::{Path, PathBuf};

use okta_eventhooks::limits::{self, ReadLimit};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

use crate::error::CliError;

/// A hooks-as-code manifest: 1 MiB, room for every org's hooks many times over.
const MANIFEST_FILE: ReadLimit = ReadLimit::new(1024 * 1024, "a hooks-as-code manifest");

/// One step of a path into the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// A path into the document, shown as `hooks.audit-sink.filters."user.session.start"`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyPath(pub Vec<Seg>);

impl KeyPath {
    /// The path of `keys`.
    pub fn of<S: AsRef<str>>(keys: &[S]) -> Self {
        Self(
            keys.iter()
                .map(|k| Seg::Key(k.as_ref().to_owned()))
                .collect(),
        )
    }

    /// This path with one more key.
    pub fn key(&self, key: impl Into<String>) -> Self {
        let mut path = self.clone();
        path.0.push(Seg::Key(key.into()));
        path
    }

    /// This path with one more index.
    pub fn index(&self, index: usize) -> Self {
        let mut path = self.clone();
        path.0.push(Seg::Index(index));
        path
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Index(n) => write!(f, "[{n}]")?,
                Seg::Key(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    let plain = !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '$');
                    if plain {
                        f.write_str(key)?;
                    } else {
                        write!(f, "{key:?}")?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// A line and column, from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

/// One problem of a manifest, as `file:line:column: path: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file as the user named it.
    pub file: String,
    /// Where, when known.
    pub at: Option<Position>,
    /// The key the problem is about (empty for the whole file).
    pub path: String,
    /// What is wrong, and what is allowed.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(at) = self.at {
            write!(f, ":{}:{}", at.line, at.column)?;
        }
        f.write_str(": ")?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// The problems of a manifest as one usage error (exit 2), one line each.
pub fn problems_error(problems: &[Problem]) -> CliError {
    let mut text = match problems {
        [one] => return CliError::Usage(one.to_string()),
        _ => format!("the manifest has {} problems:", problems.len()),
    };
    for problem in problems {
        text.push_str("\n  ");
        text.push_str(&problem.to_string());
    }
    CliError::Usage(text)
}

/// A manifest's text and where it came from.
#[derive(Clone, Debug)]
pub struct Source {
    /// The file as the user named it (`stdin` for `-`).
    pub shown: String,
    /// What relative `valueFrom.file` paths are relative to.
    pub dir: PathBuf,
    /// The text.
    pub text: String,
}

impl Source {
    /// Reads a manifest (`-` for stdin), bounded by [`MANIFEST_FILE`], UTF-8.
    pub fn read(path: &Path) -> Result<Source, CliError> {
        let stdin = path == Path::new("-");
        let shown = if stdin {
            "stdin".to_owned()
        } else {
            path.display().to_string()
        };
        let text = if stdin {
            limits::read_stream(std::io::stdin(), MANIFEST_FILE)
        } else {
            limits::read_file(path, MANIFEST_FILE)
        }
        .map_err(|e| CliError::Usage(format!("cannot read {shown}: {e}")))?;
        let dir = if stdin {
            std::env::current_dir().unwrap_or_default()
        } else {
            path.parent().map(Path::to_owned).unwrap_or_default()
        };
        Ok(Source { shown, dir, text })
    }

    /// A source from text.
    #[cfg(test)]
    pub fn from_text(shown: &str, text: &str) -> Source {
        Source {
            shown: shown.to_owned(),
            dir: PathBuf::from("."),
            text: text.to_owned(),
        }
    }

    /// Whether the text is JSON (an object) rather than YAML.
    fn is_json(&self) -> bool {
        self.text.trim_start().starts_with('{')
    }

    /// Parses the text: JSON when it is an object, YAML otherwise. Unknown keys, wrong types,
    /// duplicate keys and syntax errors come back with their position.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, Problem> {
        // Before any parser: deep flow nesting makes YAML parsing slow. JSON is YAML here too
        // (the duplicate-key pass and the locator read it as YAML).
        limits::check_yaml_nesting(&self.text)
            .map_err(|e| self.problem(None, "", &e.to_string()))?;
        // Duplicate keys first: serde keeps the last one silently. JSON is YAML here too.
        if let Err(e) = Duplicates.deserialize(yaml_serde::Deserializer::from_str(&self.text))
            && e.to_string().contains(DUPLICATE)
        {
            return Err(self.yaml_problem(&e));
        }
        if self.is_json() {
            serde_json::from_str(&self.text).map_err(|e| {
                let at = (e.line() > 0).then_some(Position {
                    line: e.line(),
                    column: e.column(),
                });
                let suffix = format!(" at line {} column {}", e.line(), e.column());
                let text = e.to_string();
                self.problem(at, "", text.strip_suffix(&suffix).unwrap_or(&text))
            })
        } else {
            yaml_serde::from_str(&self.text).map_err(|e| self.yaml_problem(&e))
        }
    }

    fn yaml_problem(&self, e: &yaml_serde::Error) -> Problem {
        let at = e.location().map(|l| Position {
            line: l.line(),
            column: l.column(),
        });
        let mut text = e.to_string();
        if let Some(at) = at {
            let suffix = format!(" at line {} column {}", at.line, at.column);
            if let Some(stripped) = text.strip_suffix(&suffix) {
                text = stripped.to_owned();
            }
        }
        // yaml_serde starts the message with the path ("hooks.x: unknown field ..."); keep it
        // as the path.
        let (path, message) = match text.split_once(": ") {
            Some((path, message)) if !path.contains(' ') => (path.to_owned(), message.to_owned()),
            _ => (String::new(), text),
        };
        self.problem(at, &path, &message)
    }

    /// A problem at `path`, located in the text.
    pub fn problem_at(&self, path: &KeyPath, message: impl Into<String>) -> Problem {
        self.problem(self.locate(path), &path.to_string(), &message.into())
    }

    fn problem(&self, at: Option<Position>, path: &str, message: &str) -> Problem {
        Problem {
            file: self.shown.clone(),
            at,
            path: path.to_owned(),
            message: message.to_owned(),
        }
    }

    /// Where `path` is in the text: the key itself for a key, the item for an index. `None` when
    /// the path is not there (a default value) or the text cannot be read as YAML. A missing
    /// path is located at its closest existing parent.
    pub fn locate(&self, path: &KeyPath) -> Option<Position> {
        (0..=path.0.len()).rev().find_map(|len| {
            let find = Find {
                path: &path.0[..len],
            };
            let error = find
                .deserialize(yaml_serde::Deserializer::from_str(&self.text))
                .err()?;
            if !error.to_string().contains(HERE) {
                return None;
            }
            let location = error.location()?;
            Some(Position {
                line: location.line(),
                column: location.column(),
            })
        })
    }
}

/// The message of the locator's error, raised at the node it looks for.
const HERE: &str = "\u{0}okta-eventhooks: here";
/// The message of a duplicate key.
const DUPLICATE: &str = "is given more than once";

/// Walks the document to the node at `path` and raises [`HERE`] there.
struct Find<'p> {
    path: &'p [Seg],
}

impl<'de> DeserializeSeed<'de> for Find<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Find<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.leaf()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.leaf()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.leaf()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.leaf()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.leaf()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.leaf()
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.leaf()
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((Seg::Key(want), rest)) = self.path.split_first() else {
            return if self.path.is_empty() {
                Err(de::Error::custom(HERE))
            } else {
                drain_map(map)
            };
        };
        while let Some(found) = map.next_key_seed(KeySeed {
            want,
            here: rest.is_empty(),
        })? {
            if found {
                map.next_value_seed(Find { path: rest })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some((Seg::Index(want), rest)) = self.path.split_first() else {
            return if self.path.is_empty() {
                Err(de::Error::custom(HERE))
            } else {
                drain_seq(seq)
            };
        };
        let mut index = 0;
        loop {
            let found = if index == *want {
                seq.next_element_seed(Find { path: rest })?
            } else {
                seq.next_element::<IgnoredAny>()?.map(|_| ())
            };
            if found.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }
}

impl Find<'_> {
    /// A scalar: the end of the path, or a path that does not exist.
    fn leaf<E: de::Error>(self) -> Result<(), E> {
        if self.path.is_empty() {
            Err(E::custom(HERE))
        } else {
            Ok(())
        }
    }
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Reads a mapping key: whether it is the wanted one. At the end of the path it raises
/// [`HERE`] while the key is being read, so that the error carries the key's position.
struct KeySeed<'k> {
    want: &'k str,
    here: bool,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(KeyText {
            check: |key: &str| {
                if key != self.want {
                    Ok(false)
                } else if self.here {
                    Err(HERE.to_owned())
                } else {
                    Ok(true)
                }
            },
        })
    }
}

/// Reads a key and hands its text (scalars only; a collection as a key is skipped and counts
/// as no match) to `check`, inside the visitor: an error raised there gets the key's position.
struct KeyText<F> {
    check: F,
}

impl<F: FnOnce(&str) -> Result<bool, String>> KeyText<F> {
    fn key<E: de::Error>(self, key: &str) -> Result<bool, E> {
        (self.check)(key).map_err(E::custom)
    }
}

impl<'de, F: FnOnce(&str) -> Result<bool, String>> Visitor<'de> for KeyText<F> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        self.key(v)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        self.key(&v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
        self.key(&v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
        self.key(&v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<bool, E> {
        self.key(&v.to_string())
    }
    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        self.key("")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<bool, A::Error> {
        drain_map(map).map(|()| false)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<bool, A::Error> {
        drain_seq(seq).map(|()| false)
    }
}

/// Walks the whole document and raises an error at the second occurrence of a key in one
/// mapping.
struct Duplicates;

impl<'de> DeserializeSeed<'de> for Duplicates {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Duplicates {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = std::collections::HashSet::new();
        while map.next_key_seed(UniqueKey { seen: &mut seen })?.is_some() {
            map.next_value_seed(Duplicates)?;
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Duplicates)?.is_some() {}
        Ok(())
    }
}

/// A key that must not have been seen in its mapping yet.
struct UniqueKey<'s> {
    seen: &'s mut std::collections::HashSet<String>,
}

impl<'de> DeserializeSeed<'de> for UniqueKey<'_> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        let seen = self.seen;
        deserializer.deserialize_any(KeyText {
            check: move |key: &str| {
                if seen.insert(key.to_owned()) {
                    Ok(true)
                } else {
                    Err(format!("the key {key:?} {DUPLICATE}"))
                }
            },
        })
    }
}
