//! Checks a YAML tree against the JSON Schema of the rule format before it is turned into typed
//! values, so that every problem of a file is reported in one run, each with its field path and
//! place (the cargo-deny way: parse with spans, then validate collecting all problems).

use serde_json::Value as Json;

use super::yaml::{Node, NodeValue, Position};

/// One problem found by [`validate`]: the field path and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Field path, e.g. `message.fail` or `rules[2].severity`.
    pub path: String,
    /// Where.
    pub at: Position,
    /// What is wrong.
    pub message: String,
}

/// Stands for the value's text as written, in messages; see [`Problem::message_in`].
pub const QUOTE: &str = "\u{1}";

impl Problem {
    /// The message, with the value's text as written in `source` where it is quoted.
    pub fn message_in(&self, source: &str) -> String {
        let written = source
            .get(self.at.offset..self.at.offset + self.at.len)
            .unwrap_or_default();
        self.message.replace(QUOTE, written)
    }
}

/// Checks a tree against a JSON Schema (the subset schemars writes: types, properties,
/// required, additionalProperties, enum, items, anyOf/oneOf), collecting every problem.
pub fn validate(node: &Node, schema: &Json, path: &str, problems: &mut Vec<Problem>) {
    let mut report = |at: Position, message: String| {
        problems.push(Problem {
            path: path.to_string(),
            at,
            message,
        })
    };
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = schema.get(key).and_then(Json::as_array) {
            // An enumeration of constants (how schemars writes documented enum variants).
            let constants: Option<Vec<&Json>> = branches.iter().map(|b| b.get("const")).collect();
            if let Some(constants) = constants {
                if let Some(message) = not_one_of(node, constants) {
                    report(node.at, message);
                }
                return;
            }
            // The branch whose type fits the node decides which problems to report.
            let fitting: Vec<&Json> = branches.iter().filter(|b| type_fits(node, b)).collect();
            if fitting.is_empty() {
                let wanted: Vec<String> = branches.iter().map(describe).collect();
                report(
                    node.at,
                    format!(
                        "expected {}, found {}",
                        wanted.join(" or "),
                        node.value.kind()
                    ),
                );
                return;
            }
            let mut best: Option<Vec<Problem>> = None;
            for branch in fitting {
                let mut found = Vec::new();
                validate(node, branch, path, &mut found);
                if best.as_ref().is_none_or(|b| found.len() < b.len()) {
                    best = Some(found);
                }
            }
            problems.extend(best.unwrap_or_default());
            return;
        }
    }
    if !type_fits(node, schema) {
        // The text as written is filled in by the caller, who has the source ([`QUOTE`]).
        let hint = match (&node.value, schema_types(schema).first().copied()) {
            (NodeValue::Float(_), Some("string")) => {
                format!(" (write it in quotes: \"{QUOTE}\"; unquoted, 4.10 is the number 4.1)")
            }
            (NodeValue::Int(_) | NodeValue::Bool(_), Some("string")) => {
                format!(" (write it in quotes: \"{QUOTE}\")")
            }
            _ => String::new(),
        };
        report(
            node.at,
            format!(
                "expected {}, found {}{hint}",
                describe(schema),
                node.value.kind()
            ),
        );
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Json::as_array) {
        if let Some(message) = not_one_of(node, allowed.iter().collect()) {
            report(node.at, message);
        }
        return;
    }
    if let Some(constant) = schema.get("const")
        && &node.to_json() != constant
    {
        report(node.at, format!("expected {constant}"));
        return;
    }
    match &node.value {
        NodeValue::Map(entries) => {
            let properties = schema.get("properties").and_then(Json::as_object);
            let closed = schema.get("additionalProperties") == Some(&Json::Bool(false));
            let extra = schema.get("additionalProperties").filter(|a| a.is_object());
            for (key, value) in entries {
                let child_path = join(path, &key.value);
                match properties.and_then(|p| p.get(&key.value)) {
                    Some(child) => validate(value, child, &child_path, problems),
                    None => match extra {
                        Some(child) => validate(value, child, &child_path, problems),
                        None if closed => {
                            let known: Vec<&str> = properties
                                .into_iter()
                                .flat_map(|p| p.keys())
                                .map(String::as_str)
                                .collect();
                            problems.push(Problem {
                                path: child_path,
                                at: Position::of(&key.referenced),
                                message: format!(
                                    "unknown field `{}`{}, expected one of {}",
                                    key.value,
                                    suggest(&key.value, &known)
                                        .map(|s| format!(" (did you mean `{s}`?)"))
                                        .unwrap_or_default(),
                                    known.join(", ")
                                ),
                            });
                        }
                        None => {}
                    },
                }
            }
            for required in schema
                .get("required")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(Json::as_str)
            {
                if !entries.iter().any(|(k, _)| k.value == required) {
                    problems.push(Problem {
                        path: join(path, required),
                        at: node.at,
                        message: format!("missing field `{required}`"),
                    });
                }
            }
        }
        NodeValue::List(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    validate(item, item_schema, &format!("{path}[{i}]"), problems);
                }
            }
        }
        _ => {}
    }
}

/// Why the node is none of the allowed values, if it is none.
fn not_one_of(node: &Node, allowed: Vec<&Json>) -> Option<String> {
    let value = node.to_json();
    (!allowed.contains(&&value)).then(|| {
        let names: Vec<String> = allowed.iter().map(|a| a.to_string()).collect();
        format!(
            "unknown value {value}, expected one of {}",
            names.join(", ")
        )
    })
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

fn schema_types(schema: &Json) -> Vec<&str> {
    match schema.get("type") {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
        _ if schema.get("properties").is_some() => vec!["object"],
        _ => Vec::new(),
    }
}

fn type_fits(node: &Node, schema: &Json) -> bool {
    if schema.get("anyOf").is_some() || schema.get("oneOf").is_some() {
        let branches = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Json::as_array);
        return branches.into_iter().flatten().any(|b| type_fits(node, b));
    }
    let types = schema_types(schema);
    if types.is_empty() {
        return true;
    }
    types.iter().any(|t| {
        matches!(
            (*t, &node.value),
            ("null", NodeValue::Null)
                | ("boolean", NodeValue::Bool(_))
                | ("integer", NodeValue::Int(_))
                | ("number", NodeValue::Int(_) | NodeValue::Float(_))
                | ("string", NodeValue::String(_))
                | ("array", NodeValue::List(_))
                | ("object", NodeValue::Map(_))
        )
    })
}

fn describe(schema: &Json) -> String {
    if let Some(allowed) = schema.get("enum").and_then(Json::as_array) {
        let names: Vec<String> = allowed.iter().map(|a| a.to_string()).collect();
        return format!("one of {}", names.join(", "));
    }
    let words: Vec<&str> = schema_types(schema)
        .into_iter()
        .map(|t| match t {
            "null" => "nothing",
            "boolean" => "true or false",
            "integer" => "an integer",
            "number" => "a number",
            "string" => "a string",
            "array" => "a list",
            _ => "a mapping",
        })
        .collect();
    if words.is_empty() {
        "a value".to_string()
    } else {
        words.join(" or ")
    }
}

/// The closest known name, for a did-you-mean hint (edit distance at most 2, or a prefix).
pub fn suggest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (distance(&name.to_lowercase(), &k.to_lowercase()), *k))
        .filter(|(d, k)| *d <= 2.max(name.len() / 4) || k.starts_with(name))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            previous = current;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::yaml::parse;
    use serde_json::json;

    #[test]
    fn every_problem_is_collected_with_its_path() {
        let schema = json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["id", "severity"],
            "properties": {
                "id": {"type": "string"},
                "from": {"type": "string"},
                "severity": {"enum": ["blocker", "warning"]},
                "list": {"type": "array", "items": {"type": "string"}}
            }
        });
        let node = parse("id: 3\nfrom: 4.10\nsevrity: x\nlist: [a, 2]\n").unwrap();
        let mut problems = Vec::new();
        validate(&node, &schema, "", &mut problems);
        let found: Vec<(String, u64)> = problems
            .iter()
            .map(|p| (p.path.clone(), p.at.line))
            .collect();
        assert_eq!(
            found,
            [
                ("id".to_string(), 1),
                ("from".to_string(), 2),
                ("sevrity".to_string(), 3),
                ("list[1]".to_string(), 4),
                ("severity".to_string(), 1),
            ],
            "{problems:#?}"
        );
        assert!(problems[2].message.contains("did you mean `severity`"));
        assert!(problems[1].message.contains("quotes"));
    }
}
