//! Facts (JSON) as CEL values, CEL values as JSON (the report's `observed`) and as message text.

use std::sync::Arc;

use cel::Value;
use cel::objects::Key;
use serde_json::{Value as Json, json};

/// A JSON value as a CEL value; integers stay `int` so arithmetic works.
pub fn to_cel(value: &Json) -> Value {
    match value {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .or_else(|| n.as_u64().map(Value::UInt))
            .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or_default())),
        Json::String(s) => Value::String(Arc::new(s.clone())),
        Json::Array(items) => Value::List(Arc::new(items.iter().map(to_cel).collect())),
        Json::Object(map) => {
            let map: std::collections::HashMap<Key, Value> = map
                .iter()
                .map(|(k, v)| (Key::String(Arc::new(k.clone())), to_cel(v)))
                .collect();
            Value::Map(map.into())
        }
    }
}

/// A CEL value as JSON, for the report's `observed`.
pub fn to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(n) => json!(n),
        Value::UInt(n) => json!(n),
        Value::Float(f) => json!(f),
        Value::String(s) => json!(s.as_str()),
        Value::List(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(map) => {
            let object: serde_json::Map<String, Json> = map
                .map
                .iter()
                .map(|(k, v)| (key_text(k), to_json(v)))
                .collect();
            Json::Object(object)
        }
        other => json!(format!("{other:?}")),
    }
}

fn key_text(key: &Key) -> String {
    match key {
        Key::Int(n) => n.to_string(),
        Key::Uint(n) => n.to_string(),
        Key::Bool(b) => b.to_string(),
        Key::String(s) => s.to_string(),
    }
}

/// A CEL value as message text: lists joined with commas, null as `unknown`.
pub fn display(value: &Value) -> String {
    match value {
        Value::Null => "unknown".to_string(),
        Value::String(s) => s.to_string(),
        Value::List(items) if items.is_empty() => "none".to_string(),
        Value::List(items) => items.iter().map(display).collect::<Vec<_>>().join(", "),
        other => match to_json(other) {
            Json::String(s) => s,
            json => json.to_string(),
        },
    }
}
