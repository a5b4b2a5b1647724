//! [`Text`]: the text of a field of the event models, shared with the body it was read from.
//!
//! A delivery of 10 events holds about 400 short strings. Copied into a `String` each, they
//! are 400 allocations to make while parsing and 400 to free wherever the delivery is dropped
//! (the receiver's handler task, one delivery after another). Read by
//! [`Delivery::from_bytes`](super::Delivery::from_bytes), a text without escapes is instead a
//! slice of the body (`bytes::Bytes`): making one counts a reference, freeing it uncounts it.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use bytes::Bytes;
use serde::de::{Deserialize, Deserializer, Visitor};
use serde::{Serialize, Serializer};

/// The text of a field of the event models: use it as a `&str` (it derefs to one, and
/// `Option<Text>::as_deref()` gives an `Option<&str>`); `String::from(text)` or
/// `text.to_string()` for a copy of one's own.
///
/// Parsed by [`Delivery::from_bytes`](super::Delivery::from_bytes) (what the receiver does), a
/// text without escapes is a slice of the delivery's body, not a copy, and keeps the body (one
/// delivery) in memory while it lives: copy what must outlive its delivery by long. Parsed any
/// other way (`serde_json::from_str`, `from_value`, ...), or holding an escape, it is a copy.
#[derive(Clone, Default)]
pub struct Text(Bytes);

impl Text {
    /// The text as a `&str`.
    pub fn as_str(&self) -> &str {
        // Only ever made from a `str` (see the constructors below), so this never fails; no
        // `unsafe` in this workspace, hence the check (a few nanoseconds for a field's text).
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// A text from a `&str` inside `body` (a slice of it, no copy), or a copy when `text` is
    /// elsewhere (an unescaped copy made by the parser).
    fn within(body: &Bytes, text: &str) -> Self {
        let start = body.as_ptr() as usize;
        let at = text.as_ptr() as usize;
        if at >= start && at + text.len() <= start + body.len() {
            Self(body.slice_ref(text.as_bytes()))
        } else {
            Self::from(text)
        }
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Self(Bytes::copy_from_slice(text.as_bytes()))
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Self(Bytes::from(text.into_bytes()))
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.as_str().to_owned()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self)
    }
}

thread_local! {
    /// The body being parsed by [`with_body`] on this thread, whose texts are sliced from it.
    static BODY: RefCell<Option<Bytes>> = const { RefCell::new(None) };
}

/// Runs `parse` (a parse of `body`, on this thread) with the texts it reads sliced from `body`.
pub(crate) fn with_body<T>(body: &Bytes, parse: impl FnOnce() -> T) -> T {
    /// Puts the previous body back however `parse` ends (a panic included).
    struct Restore(Option<Bytes>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            BODY.with(|body| *body.borrow_mut() = previous);
        }
    }
    let previous = BODY.with(|current| current.borrow_mut().replace(body.clone()));
    let _restore = Restore(previous);
    parse()
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Text, E> {
                Ok(BODY.with(|body| match &*body.borrow() {
                    Some(body) => Text::within(body, text),
                    None => Text::from(text),
                }))
            }
            fn visit_str<E>(self, text: &str) -> Result<Text, E> {
                Ok(Text::from(text))
            }
            fn visit_string<E>(self, text: String) -> Result<Text, E> {
                Ok(Text::from(text))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_of_the_body_are_slices_of_it_and_others_copies() {
        let body = Bytes::from_static(br#"["plain", "esc\"aped"]"#);
        let texts: Vec<Text> = with_body(&body, || serde_json::from_slice(&body)).unwrap();
        assert_eq!(texts, ["plain", "esc\"aped"]);
        let inside = |text: &Text| {
            let at = text.as_ptr() as usize;
            (body.as_ptr() as usize..body.as_ptr() as usize + body.len()).contains(&at)
        };
        assert!(inside(&texts[0]), "no escape: a slice of the body");
        assert!(!inside(&texts[1]), "unescaped: a copy");
        // Outside `with_body`, and after it, texts are copies.
        let copied: Vec<Text> = serde_json::from_slice(&body).unwrap();
        assert!(!inside(&copied[0]));
        assert_eq!(copied, texts);
    }

    #[test]
    fn a_text_compares_hashes_and_prints_as_its_str() {
        let text = Text::from("user.session.start");
        assert_eq!(text, "user.session.start");
        assert_eq!(Some(text.clone()).as_deref(), Some("user.session.start"));
        assert_eq!(
            format!("{text} {text:?}"),
            r#"user.session.start "user.session.start""#
        );
        assert_eq!(String::from(text.clone()), "user.session.start");
        let set: std::collections::HashSet<Text> = [text].into_iter().collect();
        assert!(set.contains("user.session.start"));
        assert_eq!(
            serde_json::to_string(&Text::from("a\"b")).unwrap(),
            r#""a\"b""#
        );
    }
}
