//! JSON bodies read the way OpenCHAMI's Go services read them
//! (`encoding/json`): an object key matches a struct field ignoring case
//! (`"id"`, `"Id"` and `"ID"` all fill `ID`), an exact match winning, and a
//! struct is filled only from an object, at every depth.
//!
//! [`GoJson`] wraps any deserializer. Where serde asks for a struct it names
//! the struct's fields; keys are folded onto them there, so wire types
//! declare each field once, under OpenCHAMI's name, with no per-field aliases.
//! Maps (`HashMap`, `serde_json::Value`) keep their keys as sent.
//!
//! Rationale: serde_json fills a struct from an array too (`[]` became a
//! struct of defaults, so `POST {"NodeMaps":[..]}` took `[]` as "no
//! entries"; found by schemathesis); Go answers 400 there, so do we.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// A deserializer with Go's key matching (see the module doc).
pub struct GoJson<D>(pub D);

macro_rules! forward_de {
    ($($method:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
            self.0.$method(Nested { inner: v, fields: None })
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for GoJson<D> {
    type Error = D::Error;

    forward_de!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any
    );

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, D::Error> {
        // A map, never a sequence: a struct comes only from an object.
        self.0.deserialize_map(Nested {
            inner: v,
            fields: Some(fields),
        })
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, v)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_newtype_struct(
            name,
            Nested {
                inner: v,
                fields: None,
            },
        )
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, v: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(
            len,
            Nested {
                inner: v,
                fields: None,
            },
        )
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple_struct(
            name,
            len,
            Nested {
                inner: v,
                fields: None,
            },
        )
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, v)
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// A visitor that hands what it is given on with [`GoJson`] around every
/// nested value, folding keys onto `fields` when it visits a struct's map.
struct Nested<V> {
    inner: V,
    fields: Option<&'static [&'static str]>,
}

macro_rules! forward_visit {
    ($($method:ident($t:ty)),*) => {$(
        fn $method<E: de::Error>(self, v: $t) -> Result<Self::Value, E> {
            self.inner.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Nested<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        self.inner.expecting(f)
    }

    forward_visit!(
        visit_bool(bool),
        visit_i8(i8),
        visit_i16(i16),
        visit_i32(i32),
        visit_i64(i64),
        visit_i128(i128),
        visit_u8(u8),
        visit_u16(u16),
        visit_u32(u32),
        visit_u64(u64),
        visit_u128(u128),
        visit_f32(f32),
        visit_f64(f64),
        visit_char(char),
        visit_str(&str),
        visit_borrowed_str(&'de str),
        visit_string(String),
        visit_bytes(&[u8]),
        visit_borrowed_bytes(&'de [u8]),
        visit_byte_buf(Vec<u8>)
    );

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.inner.visit_some(GoJson(d))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.inner.visit_newtype_struct(GoJson(d))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_seq(Elements(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_map(Entries {
            inner: map,
            fields: self.fields,
        })
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_enum(data)
    }
}

/// A seed that deserializes its value through [`GoJson`].
struct Wrapped<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Wrapped<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(GoJson(d))
    }
}

struct Elements<A>(A);

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Elements<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(Wrapped(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

struct Entries<A> {
    inner: A,
    fields: Option<&'static [&'static str]>,
}

/// The field `key` names: itself when a field has that exact name, else the
/// first field equal to it ignoring ASCII case, else `key` (unknown keys are
/// the struct's business: ignored, or refused by `deny_unknown_fields`).
fn fold(key: String, fields: &'static [&'static str]) -> String {
    if fields.contains(&key.as_str()) {
        return key;
    }
    fields
        .iter()
        .find(|f| f.eq_ignore_ascii_case(&key))
        .map_or(key, |f| (*f).to_owned())
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Entries<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let Some(fields) = self.fields else {
            return self.inner.next_key_seed(Wrapped(seed));
        };
        let Some(key) = self.inner.next_key::<String>()? else {
            return Ok(None);
        };
        let key = fold(key, fields);
        seed.deserialize(de::value::StringDeserializer::<A::Error>::new(key))
            .map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.inner.next_value_seed(Wrapped(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(default)]
    struct Inner {
        #[serde(rename = "MACAddress")]
        mac: String,
    }

    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(default)]
    struct Outer {
        #[serde(rename = "ID")]
        id: String,
        #[serde(rename = "NID")]
        nid: Option<i64>,
        #[serde(rename = "Interfaces")]
        interfaces: Vec<Inner>,
        #[serde(rename = "Extra")]
        extra: std::collections::BTreeMap<String, serde_json::Value>,
        #[serde(rename = "Next")]
        next: Option<Box<Outer>>,
    }

    fn read<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, serde_json::Error> {
        T::deserialize(GoJson(&mut serde_json::Deserializer::from_str(s)))
    }

    #[test]
    fn keys_match_fields_ignoring_case_at_every_depth() {
        let o: Outer = read(
            r#"{"id":"x1","Nid":7,"interfaces":[{"macaddress":"a"}],
                "EXTRA":{"KeepMe":1},"next":{"iD":"x2"}}"#,
        )
        .unwrap();
        assert_eq!(o.id, "x1");
        assert_eq!(o.nid, Some(7));
        assert_eq!(o.interfaces, vec![Inner { mac: "a".into() }]);
        assert!(o.extra.contains_key("KeepMe"), "map keys are kept as sent");
        assert_eq!(o.next.unwrap().id, "x2");
    }

    #[test]
    fn a_struct_comes_only_from_an_object() {
        assert!(read::<Outer>("[]").is_err());
        assert!(read::<Outer>(r#"{"Next":[]}"#).is_err());
        assert!(read::<Outer>(r#"{"Interfaces":[[]]}"#).is_err());
    }
}
