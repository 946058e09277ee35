//! Just enough of a JSON document for recognition, borrowed from the body: an object maps its
//! keys to their raw, still unparsed values, and a value is parsed only when recognition asks
//! for it. A Quay build payload's `trigger_metadata` (commit details, often most of the body) is
//! checked for validity but never built into a tree, which made recognition several times
//! cheaper than going through `serde_json::Value`.
//!
//! Behaves like `serde_json::Map` where recognition can tell: keys iterate in sorted order, and
//! a repeated key keeps its last value.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// One JSON value, kept as its text.
#[derive(Clone, Copy)]
pub(super) struct Json<'a>(&'a RawValue);

/// What a [`Json`] value is, from its first character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

impl<'a> Json<'a> {
    /// Checks that `text` is one JSON value (with serde_json's nesting limit) without building it.
    pub fn parse(text: &'a str) -> Result<Json<'a>, serde_json::Error> {
        serde_json::from_str(text).map(Json)
    }

    fn text(&self) -> &'a str {
        self.0.get()
    }

    pub fn kind(&self) -> Kind {
        match self.text().as_bytes().first() {
            Some(b'{') => Kind::Object,
            Some(b'[') => Kind::Array,
            Some(b'"') => Kind::String,
            Some(b't' | b'f') => Kind::Bool,
            Some(b'n') => Kind::Null,
            _ => Kind::Number,
        }
    }

    pub fn is_object(&self) -> bool {
        self.kind() == Kind::Object
    }

    pub fn as_object(&self) -> Option<Obj<'a>> {
        self.is_object()
            .then(|| serde_json::from_str(self.text()).ok())
            .flatten()
    }

    /// Calls `f` with each item of an array, in order, without collecting them, so an array
    /// costs only what `f` keeps. The number of items; `None` when this is not an array.
    pub fn each_item(&self, f: impl FnMut(Json<'a>)) -> Option<usize> {
        if self.kind() != Kind::Array {
            return None;
        }
        let mut de = serde_json::Deserializer::from_str(self.text());
        de.deserialize_seq(Items(f)).ok()
    }

    /// Calls `f` with each key and value of an object, in body order (a repeated key is seen
    /// each time), without collecting them. The number of entries; `None` for a non-object.
    pub fn each_entry(&self, f: impl FnMut(Cow<'a, str>, Json<'a>)) -> Option<usize> {
        if !self.is_object() {
            return None;
        }
        let mut de = serde_json::Deserializer::from_str(self.text());
        de.deserialize_map(Entries(f)).ok()
    }

    /// The string's content, borrowed unless it had escapes to undo.
    pub fn as_str(&self) -> Option<Cow<'a, str>> {
        if self.kind() != Kind::String {
            return None;
        }
        serde_json::from_str::<Text<'a>>(self.text())
            .ok()
            .map(|t| t.0)
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.text() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    /// A number as it was written in the body.
    pub fn as_number_text(&self) -> Option<&'a str> {
        (self.kind() == Kind::Number).then(|| self.text())
    }
}

/// A JSON object: keys (sorted) to their values.
#[derive(Default)]
pub(super) struct Obj<'a>(BTreeMap<Cow<'a, str>, Json<'a>>);

impl<'a> Obj<'a> {
    pub fn get(&self, key: &str) -> Option<Json<'a>> {
        self.0.get(key).copied()
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(|k| k.as_ref())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Obj<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for ObjVisitor<'a> {
            type Value = Obj<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Obj<'a>, M::Error> {
                let mut obj = BTreeMap::new();
                while let Some((key, value)) = map.next_entry::<Text<'a>, &'a RawValue>()? {
                    obj.insert(key.0, Json(value));
                }
                Ok(Obj(obj))
            }
        }
        deserializer.deserialize_map(ObjVisitor(std::marker::PhantomData))
    }
}

struct Items<F>(F);

impl<'de, F: FnMut(Json<'de>)> Visitor<'de> for Items<F> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array")
    }
    fn visit_seq<S: SeqAccess<'de>>(mut self, mut seq: S) -> Result<usize, S::Error> {
        let mut count = 0;
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            (self.0)(Json(item));
            count += 1;
        }
        Ok(count)
    }
}

struct Entries<F>(F);

impl<'de, F: FnMut(Cow<'de, str>, Json<'de>)> Visitor<'de> for Entries<F> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<M: MapAccess<'de>>(mut self, mut map: M) -> Result<usize, M::Error> {
        let mut count = 0;
        while let Some((key, value)) = map.next_entry::<Text<'de>, &'de RawValue>()? {
            (self.0)(key.0, Json(value));
            count += 1;
        }
        Ok(count)
    }
}

/// A JSON string, borrowed from the input when it has no escapes. (`Cow<str>` itself always
/// deserializes into an owned copy.)
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(TextVisitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_serde_json_value() {
        let body = r#" {"b": "x\u00e9\n", "a": [1, "two", {"n": null}], "a": "last",
                        "n": -1.5e3, "t": true, "o": {"k": "v"}} "#;
        let obj = Json::parse(body).unwrap().as_object().unwrap();
        assert_eq!(obj.keys().collect::<Vec<_>>(), ["a", "b", "n", "o", "t"]);
        assert_eq!(obj.len(), 5);
        assert_eq!(obj.get("a").unwrap().as_str().unwrap(), "last");
        let escaped = obj.get("b").unwrap().as_str().unwrap();
        assert_eq!(escaped, "xé\n");
        assert!(matches!(escaped, Cow::Owned(_)));
        assert!(matches!(
            obj.get("o")
                .unwrap()
                .as_object()
                .unwrap()
                .get("k")
                .unwrap()
                .as_str(),
            Some(Cow::Borrowed("v"))
        ));
        assert_eq!(obj.get("n").unwrap().as_number_text(), Some("-1.5e3"));
        assert_eq!(obj.get("n").unwrap().as_str(), None);
        assert_eq!(obj.get("t").unwrap().as_bool(), Some(true));
        assert!(obj.get("o").unwrap().is_object());
        assert!(obj.get("missing").is_none());
        let arr = Json::parse("[1, \"two\", {\"n\": null}]").unwrap();
        assert_eq!(arr.kind(), Kind::Array);
        let mut items = Vec::new();
        assert_eq!(arr.each_item(|item| items.push(item)), Some(3));
        assert_eq!(
            items[2].as_object().unwrap().get("n").unwrap().kind(),
            Kind::Null
        );
        assert_eq!(items[1].as_str().unwrap(), "two");
        assert_eq!(arr.each_entry(|_, _| ()), None);
        assert!(arr.as_object().is_none());
    }

    #[test]
    fn visits_entries_in_body_order_and_counts_repeats() {
        let obj = Json::parse(r#"{"z": 1, "a\u0041": "x", "z": 2}"#).unwrap();
        let mut seen = Vec::new();
        let count = obj.each_entry(|k, v| seen.push(format!("{k}={}", v.text())));
        assert_eq!(count, Some(3));
        assert_eq!(seen, ["z=1", "aA=\"x\"", "z=2"]);
        assert_eq!(obj.each_item(|_| ()), None);
        assert_eq!(Json::parse("[]").unwrap().each_item(|_| ()), Some(0));
    }

    #[test]
    fn invalid_anywhere_is_an_error() {
        for bad in [
            r#"{"a": {"b": [1, 2,]}}"#,
            r#"{"a": "\ud800"} x"#,
            "{\"a\": tru}",
            "",
            &"[".repeat(200),
        ] {
            assert!(Json::parse(bad).is_err(), "{bad}");
        }
    }
}
