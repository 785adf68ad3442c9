//! Typed parameters of rules and upgrade paths: versions, sizes, numbers and text, checked when
//! the pack is loaded so a pack never runs with `120GB` where `120GiB` was meant.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use super::spec::ParamValueSpec;
use crate::version::Version;

/// The type of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParamType {
    /// A version such as `"1.30"` (text in CEL, for `versionAtLeast`).
    Version,
    /// A size with a binary unit: `120GiB`, `512MiB` (an int of bytes in CEL).
    Bytes,
    /// A whole number.
    Int,
    /// Text.
    String,
}

impl ParamType {
    /// A sample value, for checking the expressions that read the parameter.
    pub fn sample(self) -> Json {
        match self {
            ParamType::Version | ParamType::String => json!(""),
            ParamType::Bytes | ParamType::Int => json!(0),
        }
    }

    /// The value as rules see it, or why it is not of this type.
    pub fn parse(self, value: &ParamValueSpec) -> Result<Json, String> {
        match (self, value) {
            (ParamType::Int, ParamValueSpec::Int(n)) => Ok(json!(n)),
            (ParamType::String, ParamValueSpec::Text(s)) => Ok(json!(s)),
            (ParamType::Version, ParamValueSpec::Text(s)) => Version::parse(s)
                .map(|_| json!(s))
                .map_err(|e| e.to_string()),
            (ParamType::Bytes, ParamValueSpec::Text(s)) => parse_bytes(s).map(|n| json!(n)),
            (kind, ParamValueSpec::Int(n)) => Err(format!(
                "`{n}` is a number; a {} is written as text{}",
                kind.name(),
                match kind {
                    ParamType::Bytes => " with a unit, e.g. 120GiB",
                    ParamType::Version => " in quotes, e.g. \"1.30\"",
                    _ => "",
                }
            )),
            (ParamType::Int, ParamValueSpec::Text(s)) => Err(format!("`{s}` is not a number")),
        }
    }

    /// The type's name, as written in files.
    pub fn name(self) -> &'static str {
        match self {
            ParamType::Version => "version",
            ParamType::Bytes => "bytes",
            ParamType::Int => "int",
            ParamType::String => "string",
        }
    }
}

/// `120GiB` → 128849018880. Units are binary (`KiB`, `MiB`, `GiB`, `TiB`) or `B`; the decimal
/// `GB` is refused, since the upgrade guide's "GB" is read the safe way, as GiB, and a pack must
/// say which it means.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size such as 120GiB"))?;
    let shift = match unit.trim() {
        "B" => 0,
        "KiB" => 10,
        "MiB" => 20,
        "GiB" => 30,
        "TiB" => 40,
        other => {
            return Err(format!(
                "`{text}`: unknown unit `{other}`; use B, KiB, MiB, GiB or TiB"
            ));
        }
    };
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        let cases: &[(&str, Option<u64>)] = &[
            ("120GiB", Some(120 << 30)),
            ("250 GiB", Some(250 << 30)),
            ("512MiB", Some(512 << 20)),
            ("1TiB", Some(1 << 40)),
            ("0B", Some(0)),
            ("120GB", None),
            ("GiB", None),
            ("12.5GiB", None),
            ("99999999999TiB", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_bytes(text).ok(), *expected, "{text}");
        }
    }

    #[test]
    fn typed_values() {
        let text = |s: &str| ParamValueSpec::Text(s.to_string());
        assert_eq!(ParamType::Version.parse(&text("1.30")), Ok(json!("1.30")));
        assert!(ParamType::Version.parse(&text("latest")).is_err());
        assert!(ParamType::Version.parse(&ParamValueSpec::Int(1)).is_err());
        assert_eq!(
            ParamType::Bytes.parse(&text("120GiB")),
            Ok(json!(128_849_018_880u64))
        );
        assert_eq!(
            ParamType::Int.parse(&ParamValueSpec::Int(20)),
            Ok(json!(20))
        );
        assert!(ParamType::Int.parse(&text("20")).is_err());
    }
}
