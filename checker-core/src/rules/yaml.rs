//! Rule files as a YAML tree with spans ([`Node`]), so that problems found later (by
//! [`super::schema_check`] or when compiling) can name the field path and place of each.

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
    pub(super) fn of(location: &Location) -> Position {
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
        // Syntax errors often come with a line and column only: the excerpt needs the offset.
        let at = e.location().map(|l| {
            let mut at = Position::of(&l);
            if l.span().byte_offset().is_none() {
                at.offset = offset_of(text, at.line, at.column);
            }
            at
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

/// The byte offset of a 1-based line and column (in characters), lines broken as YAML breaks
/// them (`\r\n`, `\r`, `\n`); past the end of a line or of the text, its end.
fn offset_of(text: &str, line: u64, column: u64) -> usize {
    let mut chars = text.char_indices().peekable();
    for _ in 1..line {
        loop {
            match chars.next() {
                None => return text.len(),
                Some((_, '\n')) => break,
                Some((_, '\r')) => {
                    chars.next_if(|(_, c)| *c == '\n');
                    break;
                }
                Some(_) => {}
            }
        }
    }
    let Some(&(mut offset, _)) = chars.peek() else {
        return text.len();
    };
    for _ in 1..column {
        match chars.next_if(|(_, c)| *c != '\n' && *c != '\r') {
            Some((i, c)) => offset = i + c.len_utf8(),
            None => break,
        }
    }
    offset
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
    fn syntax_errors_say_where_in_the_text() {
        for (text, line, column, at) in [
            ("[a, 2]true", 1, 7, "true"),
            ("a: 1\nb: 2\nc\nd: 4\n", 3, 1, "c\nd"),
            ("é: [\n  x: é,\n  ]]\n", 3, 4, "]\n"),
            ("a:\r\n  - 1\r\n  -x: {\n", 3, 3, "-x"),
            ("a: 1\na: 2\n", 2, 1, "a: 2"),
        ] {
            let error = parse(text).unwrap_err();
            let position = error.at.expect("position");
            assert_eq!((position.line, position.column), (line, column), "{text:?}");
            assert!(
                text[position.offset..].starts_with(at),
                "{text:?}: {position:?}"
            );
        }
        assert_eq!(offset_of("ab\ncd", 2, 9), 5);
        assert_eq!(offset_of("ab\ncd", 7, 1), 5);
        assert_eq!(offset_of("é\rx", 2, 1), 3);
    }

    #[test]
    fn duplicate_keys_are_syntax_errors() {
        assert!(parse("a: 1\na: 2\n").is_err());
    }
}
