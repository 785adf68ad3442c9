//! Label and field selectors, as in the `labelSelector` and `fieldSelector` query parameters.

use serde_json::Value;

/// A parsed `labelSelector`: every requirement must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LabelSelector(Vec<LabelRequirement>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct LabelRequirement {
    key: String,
    op: LabelOp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum LabelOp {
    Equals(String),
    NotEquals(String),
    In(Vec<String>),
    NotIn(Vec<String>),
    Exists,
    DoesNotExist,
}

impl LabelSelector {
    /// Parses `a=b,c!=d,e in (f,g),h notin (i),j,!k` (`==` is accepted for `=`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut requirements = Vec::new();
        for term in split_top_level(text) {
            let term = term.trim();
            if term.is_empty() {
                continue;
            }
            requirements.push(parse_requirement(term)?);
        }
        Ok(Self(requirements))
    }

    /// Whether an object's `metadata.labels` satisfy the selector.
    pub fn matches(&self, object: &Value) -> bool {
        let labels = object.pointer("/metadata/labels");
        self.0.iter().all(|req| {
            let value = labels.and_then(|l| l.get(&req.key)).and_then(Value::as_str);
            match (&req.op, value) {
                (LabelOp::Equals(want), Some(v)) => v == want,
                (LabelOp::NotEquals(want), v) => v != Some(want.as_str()),
                (LabelOp::In(set), Some(v)) => set.iter().any(|s| s == v),
                (LabelOp::NotIn(set), v) => v.is_none_or(|v| !set.iter().any(|s| s == v)),
                (LabelOp::Exists, v) => v.is_some(),
                (LabelOp::DoesNotExist, v) => v.is_none(),
                (LabelOp::Equals(_) | LabelOp::In(_), None) => false,
            }
        })
    }
}

/// Splits on commas that are not inside parentheses.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn parse_requirement(term: &str) -> Result<LabelRequirement, String> {
    let invalid = || format!("unable to parse requirement: {term:?}");
    let requirement = |key: &str, op| -> Result<LabelRequirement, String> {
        let key = key.trim();
        if !is_label_key(key) {
            return Err(format!("invalid label key {key:?} in requirement {term:?}"));
        }
        Ok(LabelRequirement {
            key: key.to_string(),
            op,
        })
    };
    let value = |v: &str| -> Result<String, String> {
        let v = v.trim();
        if v.chars().all(is_label_value_char) {
            Ok(v.to_string())
        } else {
            Err(format!("invalid label value {v:?} in requirement {term:?}"))
        }
    };

    if let Some(key) = term.strip_prefix('!') {
        return requirement(key, LabelOp::DoesNotExist);
    }
    if let Some((key, v)) = term.split_once("!=") {
        return requirement(key, LabelOp::NotEquals(value(v)?));
    }
    if let Some((key, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
        return requirement(key, LabelOp::Equals(value(v)?));
    }
    if let Some((head, rest)) = term.split_once('(') {
        let list = rest.strip_suffix(')').ok_or_else(invalid)?;
        let values = list.split(',').map(value).collect::<Result<Vec<_>, _>>()?;
        if values.iter().all(String::is_empty) {
            return Err(format!("values set can't be empty in requirement {term:?}"));
        }
        let mut words = head.split_whitespace();
        let (key, op) = (words.next().ok_or_else(invalid)?, words.next());
        if words.next().is_some() {
            return Err(invalid());
        }
        return match op {
            Some("in") => requirement(key, LabelOp::In(values)),
            Some("notin") => requirement(key, LabelOp::NotIn(values)),
            _ => Err(invalid()),
        };
    }
    requirement(term, LabelOp::Exists)
}

/// `[prefix/]name` with the characters Kubernetes allows.
fn is_label_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn is_label_value_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// A parsed `fieldSelector` over `metadata.name` and `metadata.namespace`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FieldSelector(Vec<FieldRequirement>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldRequirement {
    /// JSON pointer of the field.
    pointer: &'static str,
    value: String,
    equal: bool,
}

impl FieldSelector {
    /// Parses `metadata.name=a,metadata.namespace!=b` (`==` is accepted for `=`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut requirements = Vec::new();
        for term in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let (field, value, equal) = if let Some((f, v)) = term.split_once("!=") {
                (f, v, false)
            } else if let Some((f, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
                (f, v, true)
            } else {
                return Err(format!(
                    "invalid selector: '{text}'; can't understand '{term}'"
                ));
            };
            let pointer = match field.trim() {
                "metadata.name" => "/metadata/name",
                "metadata.namespace" => "/metadata/namespace",
                other => return Err(format!("field label not supported: {other}")),
            };
            requirements.push(FieldRequirement {
                pointer,
                value: value.trim().to_string(),
                equal,
            });
        }
        Ok(Self(requirements))
    }

    /// Whether an object's fields satisfy the selector.
    pub fn matches(&self, object: &Value) -> bool {
        self.0.iter().all(|req| {
            let actual = object
                .pointer(req.pointer)
                .and_then(Value::as_str)
                .unwrap_or("");
            (actual == req.value) == req.equal
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labelled(labels: Value) -> Value {
        json!({"metadata": {"name": "x", "namespace": "ns", "labels": labels}})
    }

    #[test]
    fn label_operators() {
        let obj = labelled(json!({"app": "web", "tier": "front", "empty": ""}));
        let yes = [
            "",
            "app=web",
            "app==web",
            "app!=db",
            "missing!=x",
            "app in (web, db)",
            "app notin (db)",
            "missing notin (db)",
            "app",
            "!missing",
            "app=web,tier=front",
            "tier in (front),app",
            "empty=",
        ];
        for sel in yes {
            assert!(
                LabelSelector::parse(sel).unwrap().matches(&obj),
                "{sel:?} should match"
            );
        }
        let no = [
            "app=db",
            "app!=web",
            "app in (db)",
            "app notin (web,db)",
            "missing",
            "!app",
            "missing=x",
            "app=web,tier=back",
        ];
        for sel in no {
            assert!(
                !LabelSelector::parse(sel).unwrap().matches(&obj),
                "{sel:?} should not match"
            );
        }
        assert!(
            LabelSelector::parse("app")
                .unwrap()
                .matches(&labelled(json!({"app": "x"})))
        );
        assert!(
            !LabelSelector::parse("app")
                .unwrap()
                .matches(&json!({"metadata": {}}))
        );
    }

    #[test]
    fn bad_label_selectors_are_errors() {
        for sel in [
            "app in web",
            "app in ()",
            "a b",
            "app=(x)",
            "app foo (x)",
            "=x",
        ] {
            assert!(
                LabelSelector::parse(sel).is_err(),
                "{sel:?} should be rejected"
            );
        }
    }

    #[test]
    fn field_selectors() {
        let obj = labelled(json!({}));
        let m = |s: &str| FieldSelector::parse(s).unwrap().matches(&obj);
        assert!(m("metadata.name=x"));
        assert!(m("metadata.name==x,metadata.namespace=ns"));
        assert!(m("metadata.namespace!=other"));
        assert!(!m("metadata.name!=x"));
        assert!(!m("metadata.name=y"));
        assert_eq!(
            FieldSelector::parse("spec.nodeName=n1").unwrap_err(),
            "field label not supported: spec.nodeName"
        );
        assert!(FieldSelector::parse("metadata.name").is_err());
    }
}
