//! Rule files as a YAML tree with spans, checked against the JSON Schema of the rule format
//! before they are turned into typed values, so that every problem of a file is reported in one
//! run, each with its field path and place (the cargo-deny way: parse with spans, then validate
//! collecting all problems).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;
use serde_saphyr::{Location, Spanned};

/// Where something is in a file: line and column (1-based) and the byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// Line, from 1.
    pub line: u64,
    /// Column, from 1.
    pub column: u64,
    /// Byte offset of the start.
    pub offset: usize,
    /// Length in bytes (0 when unknown).
    pub len: usize,
}

impl Position {
    fn of(location: &Location) -> Position {
        let span = location.span();
        Position {
            line: location.line(),
            column: location.column(),
            offset: span
                .byte_offset()
                .and_then(|o| usize::try_from(o).ok())
                .unwrap_or(0),
            len: span
                .byte_len()
                .and_then(|l| usize::try_from(l).ok())
                .unwrap_or(0),
        }
    }
}

/// A YAML value with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: NodeValue,
    /// Where it starts.
    pub at: Position,
}

/// The value of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    /// `~`, `null` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A decimal number (an unquoted `4.10` is one: versions must be quoted).
    Float(f64),
    /// Text.
    String(String),
    /// A sequence.
    List(Vec<Node>),
    /// A mapping, in file order; keys are text.
    Map(Vec<(Spanned<String>, Node)>),
}

impl NodeValue {
    /// What kind of value this is, in words.
    pub fn kind(&self) -> &'static str {
        match self {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Int(_) => "an integer",
            NodeValue::Float(_) => "a decimal number",
            NodeValue::String(_) => "a string",
            NodeValue::List(_) => "a list",
            NodeValue::Map(_) => "a mapping",
        }
    }
}

impl Node {
    /// The value of field `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            NodeValue::Map(entries) => entries.iter().find(|(k, _)| k.value == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a string node.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The node at a field path such as `rules[2].message.fail`, and the position to report
    /// for it (the deepest node that exists on the way).
    pub fn position_of(&self, path: &str) -> Position {
        let mut node = self;
        for part in path_parts(path) {
            let next = match (&node.value, part) {
                (NodeValue::Map(_), PathPart::Field(key)) => node.get(key),
                (NodeValue::List(items), PathPart::Index(i)) => items.get(i),
                _ => None,
            };
            match next {
                Some(next) => node = next,
                None => break,
            }
        }
        node.at
    }

    /// As JSON, for typed deserialisation once the schema check passed.
    pub fn to_json(&self) -> Json {
        match &self.value {
            NodeValue::Null => Json::Null,
            NodeValue::Bool(b) => Json::Bool(*b),
            NodeValue::Int(n) => Json::from(*n),
            NodeValue::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number)
            }
            NodeValue::String(s) => Json::String(s.clone()),
            NodeValue::List(items) => Json::Array(items.iter().map(Node::to_json).collect()),
            NodeValue::Map(entries) => Json::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.value.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

enum PathPart<'a> {
    Field(&'a str),
    Index(usize),
}

fn path_parts(path: &str) -> impl Iterator<Item = PathPart<'_>> {
    path.split('.').filter(|p| !p.is_empty()).flat_map(|part| {
        let (field, indexes) = part.split_once('[').unwrap_or((part, ""));
        let field = (!field.is_empty()).then_some(PathPart::Field(field));
        let indexes = indexes
            .split('[')
            .filter_map(|i| i.trim_end_matches(']').parse().ok())
            .map(PathPart::Index);
        field.into_iter().chain(indexes.collect::<Vec<_>>())
    })
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        let spanned = Spanned::<NodeValue>::deserialize(deserializer)?;
        Ok(Node {
            at: Position::of(&spanned.referenced),
            value: spanned.value,
        })
    }
}

impl<'de> Deserialize<'de> for NodeValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<NodeValue, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = NodeValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<NodeValue, D::Error> {
        NodeValue::deserialize(deserializer)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<NodeValue, E> {
        Ok(NodeValue::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<NodeValue, E> {
        Ok(NodeValue::Int(n))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<NodeValue, E> {
        Ok(i64::try_from(n).map_or(NodeValue::Float(n as f64), NodeValue::Int))
    }

    fn visit_f64<E: de::Error>(self, f: f64) -> Result<NodeValue, E> {
        Ok(NodeValue::Float(f))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<NodeValue, E> {
        Ok(NodeValue::String(s.to_string()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<NodeValue, E> {
        Ok(NodeValue::String(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(NodeValue::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeValue, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let value = map.next_value::<Node>()?;
            entries.push((key, value));
        }
        Ok(NodeValue::Map(entries))
    }
}

/// A YAML syntax error (or a budget exceeded): the file could not be read as a tree.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    /// What is wrong.
    pub message: String,
    /// Where, when known.
    pub at: Option<Position>,
}

/// Parses a YAML document into a tree with spans. Duplicate keys are rejected; booleans are
/// only `true`/`false`.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options::<Node>(text, options).map_err(|e| {
        let at = e.location().map(|l| Position {
            line: l.line(),
            column: l.column(),
            ..Position::default()
        });
        let mut message = e
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches("error: ")
            .to_string();
        // serde-saphyr prefixes its own "line L column C: "; the diagnostic says where.
        if let Some((prefix, rest)) = message.split_once(": ")
            && prefix.starts_with("line ")
            && prefix.contains(" column ")
        {
            message = rest.to_string();
        }
        SyntaxError { message, at }
    })
}

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
                let value = node.to_json();
                if !constants.contains(&&value) {
                    let names: Vec<String> = constants.iter().map(|c| c.to_string()).collect();
                    report(
                        node.at,
                        format!(
                            "unknown value {value}, expected one of {}",
                            names.join(", ")
                        ),
                    );
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
        let value = node.to_json();
        if !allowed.contains(&value) {
            let names: Vec<String> = allowed.iter().map(|a| a.to_string()).collect();
            report(
                node.at,
                format!(
                    "unknown value {value}, expected one of {}",
                    names.join(", ")
                ),
            );
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
    use serde_json::json;

    #[test]
    fn nodes_keep_positions_and_paths_find_them() {
        let text = "a: 1\nlist:\n  - x: \"4.10\"\n  - y: 4.10\n";
        let node = parse(text).unwrap();
        assert_eq!(node.position_of("list[1].y").line, 4);
        assert_eq!(node.position_of("list[0].x").line, 3);
        let at = node.position_of("list[0].x");
        assert_eq!(&text[at.offset..at.offset + at.len], "\"4.10\"");
        assert_eq!(node.get("a").map(|n| &n.value), Some(&NodeValue::Int(1)));
        assert_eq!(
            node.to_json(),
            json!({"a": 1, "list": [{"x": "4.10"}, {"y": 4.1}]})
        );
    }

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

    #[test]
    fn duplicate_keys_are_syntax_errors() {
        assert!(parse("a: 1\na: 2\n").is_err());
    }
}
