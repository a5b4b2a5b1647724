//! Decoding the event models in one pass, unknown fields into `extra`.
//!
//! serde's derive can keep unknown fields only through `#[serde(flatten)]`, which first
//! buffers every object (its keys, and every value below it, again at each nested model) into
//! a tree of its own and then decodes the fields from that copy: about half of a delivery's
//! typed parse, and a burst of short-lived allocations. [`decode_fields!`] writes the
//! `Deserialize` a model needs instead: each key read borrowed from the input, a known one
//! decoded straight into its field, any other one into `extra` as a `serde_json::Value`.
//!
//! It decodes as the derive did: every field may be missing (its default) or `null` (its
//! default too, so that Okta's `"target": null` is an empty list); a known field twice is an
//! error (`duplicate field`); an unknown field twice keeps the last; anything but an object is
//! `invalid type: ..., expected struct Name`. Errors now carry serde_json's position.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

/// A map key, borrowed from the input when it holds no escapes.
pub(crate) struct Key<'de>(pub(crate) Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(key)))
            }
            fn visit_str<E>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key.to_owned())))
            }
            fn visit_string<E>(self, key: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// The value of a known field: `null` reads as the field's default.
pub(crate) fn field<'de, A, T>(map: &mut A) -> Result<T, A::Error>
where
    A: MapAccess<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(map.next_value::<Option<T>>()?.unwrap_or_default())
}

/// `impl Deserialize` for a model struct with `Default` and an `extra: Extra` field: each
/// `"jsonName" => field` pair names a known field; every other key goes to `extra`.
macro_rules! decode_fields {
    ($model:ident { $($key:literal => $field:ident),* $(,)? }) => {
        impl<'de> ::serde::Deserialize<'de> for $model {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                struct ModelVisitor;
                impl<'de> ::serde::de::Visitor<'de> for ModelVisitor {
                    type Value = $model;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("struct ", stringify!($model)))
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> ::std::result::Result<$model, A::Error> {
                        let mut model = $model::default();
                        // One flag per known field (named after it), for `duplicate field`.
                        $(let mut $field = false;)*
                        while let Some(key) = map.next_key::<$crate::events::decode::Key<'de>>()? {
                            match &*key.0 {
                                $($key => {
                                    if ::std::mem::replace(&mut $field, true) {
                                        return Err(<A::Error as ::serde::de::Error>::duplicate_field($key));
                                    }
                                    model.$field = $crate::events::decode::field(&mut map)?;
                                })*
                                _ => {
                                    let value = map.next_value::<::serde_json::Value>()?;
                                    model.extra.insert(key.0.into_owned(), value);
                                }
                            }
                        }
                        Ok(model)
                    }
                }
                deserializer.deserialize_map(ModelVisitor)
            }
        }
    };
}

pub(crate) use decode_fields;
