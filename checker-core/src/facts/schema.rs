//! The fact model as JSON Schema (from the doc comments and types of each family's value), and
//! what is derived from it: samples of every variable for `rules lint`, and the list of fact
//! paths with their types and meanings for the rule docs.

use schemars::JsonSchema;
use serde_json::{Map, Value as Json, json};

/// The schema of `T`, with every subschema inlined (the fact model has no recursion).
pub fn of<T: JsonSchema>() -> schemars::Schema {
    schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| s.inline_subschemas = true)
        .into_generator()
        .into_root_schema_for::<T>()
}

/// The type of a fact path, as the docs show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactType {
    /// Text.
    String,
    /// A whole number.
    Int,
    /// A decimal number.
    Double,
    /// true or false.
    Bool,
    /// A list (its elements are listed as `path[]`).
    List,
    /// An object with fields.
    Map,
}

impl FactType {
    /// The name shown in the docs.
    pub fn as_str(self) -> &'static str {
        match self {
            FactType::String => "string",
            FactType::Int => "int",
            FactType::Double => "double",
            FactType::Bool => "bool",
            FactType::List => "list",
            FactType::Map => "map",
        }
    }
}

/// One path rules can read, e.g. `cluster.istio.revisions[].version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactPath {
    /// The path; `[]` marks the elements of a list.
    pub path: String,
    /// Its type.
    pub kind: FactType,
    /// Whether it can be null (an optional fact).
    pub nullable: bool,
    /// What it means (the field's doc comment).
    pub description: String,
}

/// The non-null alternative of a schema and whether null was allowed.
fn non_null(schema: &Json) -> (&Json, bool) {
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = schema.get(key).and_then(Json::as_array) {
            let nullable = branches.iter().any(is_null);
            if let Some(branch) = branches.iter().find(|b| !is_null(b)) {
                let (inner, inner_nullable) = non_null(branch);
                return (inner, nullable || inner_nullable);
            }
        }
    }
    let nullable = schema
        .get("type")
        .and_then(Json::as_array)
        .is_some_and(|types| types.iter().any(|t| t == "null"));
    (schema, nullable)
}

fn is_null(schema: &Json) -> bool {
    schema.get("type").and_then(Json::as_str) == Some("null")
}

fn kind(schema: &Json) -> FactType {
    let types: Vec<&str> = match schema.get("type") {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    };
    match types.into_iter().find(|t| *t != "null") {
        Some("string") => FactType::String,
        Some("integer") => FactType::Int,
        Some("number") => FactType::Double,
        Some("boolean") => FactType::Bool,
        Some("array") => FactType::List,
        _ => FactType::Map,
    }
}

/// A sample value of a schema: every field present, one element per list, so that a rule's
/// fact paths can be checked against it.
pub fn sample(schema: &Json) -> Json {
    let (schema, _) = non_null(schema);
    match kind(schema) {
        FactType::String => json!(""),
        FactType::Int => json!(0),
        FactType::Double => json!(0.0),
        FactType::Bool => json!(false),
        FactType::List => Json::Array(schema.get("items").map(sample).into_iter().collect()),
        FactType::Map => Json::Object(
            schema
                .get("properties")
                .and_then(Json::as_object)
                .into_iter()
                .flatten()
                .map(|(name, field)| (name.clone(), sample(field)))
                .collect::<Map<_, _>>(),
        ),
    }
}

/// Every path under `prefix` in a schema, depth first, the prefix itself included.
pub fn paths(prefix: &str, schema: &Json, out: &mut Vec<FactPath>) {
    let description = schema
        .get("description")
        .and_then(Json::as_str)
        .unwrap_or_default();
    let (inner, nullable) = non_null(schema);
    let description = inner
        .get("description")
        .and_then(Json::as_str)
        .filter(|_| description.is_empty())
        .unwrap_or(description);
    let kind = kind(inner);
    out.push(FactPath {
        path: prefix.to_string(),
        kind,
        nullable,
        description: description.split_whitespace().collect::<Vec<_>>().join(" "),
    });
    match kind {
        FactType::Map => {
            for (name, field) in inner
                .get("properties")
                .and_then(Json::as_object)
                .into_iter()
                .flatten()
            {
                paths(&format!("{prefix}.{name}"), field, out);
            }
        }
        FactType::List => {
            if let Some(items) = inner.get("items") {
                paths(&format!("{prefix}[]"), items, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A documented thing.
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Thing {
        /// Its name.
        name: String,
        /// Maybe a size.
        size: Option<u64>,
        /// Parts.
        parts: Vec<Part>,
        /// An optional part.
        extra: Option<Part>,
    }

    /// A part.
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Part {
        /// Is it on.
        on: bool,
    }

    #[test]
    fn samples_have_every_field_and_one_element_per_list() {
        assert_eq!(
            sample(of::<Thing>().as_value()),
            json!({"name": "", "size": 0, "parts": [{"on": false}], "extra": {"on": false}})
        );
    }

    #[test]
    fn paths_carry_type_nullability_and_doc() {
        let mut out = Vec::new();
        paths("thing", of::<Thing>().as_value(), &mut out);
        let rows: Vec<(String, &str, bool, String)> = out
            .into_iter()
            .map(|p| (p.path, p.kind.as_str(), p.nullable, p.description))
            .collect();
        let row = |p: &str, k: &'static str, n: bool, d: &str| (p.to_string(), k, n, d.to_string());
        assert_eq!(
            rows,
            [
                row("thing", "map", false, "A documented thing."),
                row("thing.extra", "map", true, "An optional part."),
                row("thing.extra.on", "bool", false, "Is it on."),
                row("thing.name", "string", false, "Its name."),
                row("thing.parts", "list", false, "Parts."),
                row("thing.parts[]", "map", false, "A part."),
                row("thing.parts[].on", "bool", false, "Is it on."),
                row("thing.size", "int", true, "Maybe a size."),
            ]
        );
    }
}
