//! Helpers for reading raw Kubernetes objects (JSON) in providers.

use serde_json::Value;

/// `metadata.name`, or empty.
pub fn name(item: &Value) -> &str {
    item.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// A label's value.
pub fn label(item: &Value, key: &str) -> Option<String> {
    item.pointer("/metadata/labels")
        .and_then(|l| l.get(key))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// An annotation's value.
pub fn annotation(item: &Value, key: &str) -> Option<String> {
    item.pointer("/metadata/annotations")
        .and_then(|l| l.get(key))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// A non-empty string at a path of keys.
pub fn text(item: &Value, path: &[&str]) -> Option<String> {
    let mut value = item;
    for key in path {
        value = value.get(key)?;
    }
    value.as_str().map(str::to_string).filter(|s| !s.is_empty())
}

/// The containers of a workload's pod template.
pub fn containers(item: &Value) -> impl Iterator<Item = &Value> {
    item.pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// The container named `name` of a workload's pod template.
pub fn container<'a>(item: &'a Value, name: &str) -> Option<&'a Value> {
    containers(item).find(|c| c.get("name").and_then(Value::as_str) == Some(name))
}
