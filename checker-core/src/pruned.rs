//! Parsing list answers without building what every object entering a snapshot loses anyway
//! ([`crate::snapshot::redact`], `managedFields`): a Node's `status.images` is most of a real
//! Node, and a fleet has thousands of them. The fields are skipped while the JSON is read, so
//! they are never allocated; the result equals parsing the whole answer and removing them.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Item fields left out of every list: `managedFields` is server bookkeeping, which
/// `kubectl get -o json` does not print either.
const EVERY_KIND: &[&[&str]] = &[&["items", "*", "metadata", "managedFields"]];
/// Item fields left out of a list of Nodes as well: the images a node holds, which no fact
/// reads.
const NODES: &[&[&str]] = &[
    &["items", "*", "metadata", "managedFields"],
    &["items", "*", "status", "images"],
];

/// Parses a JSON answer (a list of `kind`, or a single object, or a `Status`), leaving out the
/// item fields no snapshot keeps.
pub fn parse(body: &[u8], kind: &str) -> serde_json::Result<Value> {
    let skip = if kind == "Node" { NODES } else { EVERY_KIND };
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = Pruned { skip, at: &[] }.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// A JSON value at path `at` (array elements are `*`), without the paths in `skip`.
#[derive(Clone, Copy)]
struct Pruned<'a> {
    skip: &'a [&'a [&'a str]],
    at: &'a [&'a str],
}

/// What to do with the value at a child path.
enum Child {
    /// Leave it out.
    Skip,
    /// Parse it with pruning: a skipped path lies below it.
    Prune,
    /// Parse it whole.
    Keep,
}

impl Pruned<'_> {
    fn child(&self, key: &str) -> Child {
        let depth = self.at.len();
        let mut prune = false;
        for path in self.skip {
            // Array elements are matched by `*`, which is the key `visit_seq` asks for.
            let leads_here = path.len() > depth && path[..depth] == *self.at && path[depth] == key;
            if leads_here && path.len() == depth + 1 {
                return Child::Skip;
            }
            prune |= leads_here;
        }
        if prune { Child::Prune } else { Child::Keep }
    }
}

impl<'de> DeserializeSeed<'de> for Pruned<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Pruned<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        match self.child("*") {
            Child::Skip => while seq.next_element::<IgnoredAny>()?.is_some() {},
            Child::Keep => {
                while let Some(item) = seq.next_element::<Value>()? {
                    items.push(item);
                }
            }
            Child::Prune => {
                let at: Vec<&str> = self.at.iter().copied().chain(["*"]).collect();
                let seed = Pruned {
                    skip: self.skip,
                    at: &at,
                };
                while let Some(item) = seq.next_element_seed(seed)? {
                    items.push(item);
                }
            }
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match self.child(&key) {
                Child::Skip => {
                    map.next_value::<IgnoredAny>()?;
                }
                Child::Keep => {
                    object.insert(key, map.next_value::<Value>()?);
                }
                Child::Prune => {
                    let at: Vec<&str> = self.at.iter().copied().chain([key.as_str()]).collect();
                    let value = map.next_value_seed(Pruned {
                        skip: self.skip,
                        at: &at,
                    })?;
                    object.insert(key, value);
                }
            }
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Parsing whole and removing the fields gives the same value as parsing pruned.
    #[test]
    fn equals_parsing_whole_then_removing() {
        let node = |name: &str| {
            json!({"metadata": {"name": name, "managedFields": [{"manager": "kubelet"}], "labels": {"a": "b"}},
                   "status": {"images": [{"names": ["x"], "sizeBytes": 1}], "nodeInfo": {"kubeletVersion": "v1.30.4"}, "capacity": {"cpu": 1.5}}})
        };
        let list = json!({"kind": "NodeList", "metadata": {"continue": "t"}, "items": [node("a"), node("b"), 7, "text", null, [1, 2]]});
        let body = serde_json::to_vec(&list).unwrap();
        let cases: &[(&str, &[&str])] = &[
            ("Node", &["/metadata/managedFields", "/status/images"]),
            ("Pod", &["/metadata/managedFields"]),
        ];
        for (kind, removed) in cases {
            let mut expected = list.clone();
            for item in expected["items"].as_array_mut().unwrap() {
                for pointer in *removed {
                    let (parent, field) = pointer.rsplit_once('/').unwrap();
                    if let Some(parent) = item.pointer_mut(parent).and_then(Value::as_object_mut) {
                        parent.remove(field);
                    }
                }
            }
            assert_eq!(parse(&body, kind).unwrap(), expected, "{kind}");
        }
    }

    #[test]
    fn single_objects_statuses_and_bad_json() {
        let object = json!({"kind": "Status", "code": 404, "status": {"images": [1]}});
        let body = serde_json::to_vec(&object).unwrap();
        assert_eq!(parse(&body, "Node").unwrap(), object);
        for bad in [
            "{\"items\": [",
            "[1] 2",
            "",
            "{\"items\": [{\"status\": {\"images\": [}}]}",
        ] {
            assert!(parse(bad.as_bytes(), "Node").is_err(), "{bad:?}");
        }
    }
}
