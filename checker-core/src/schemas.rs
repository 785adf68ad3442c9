//! JSON Schemas of the files acp-preflight reads and writes, generated from the types that read
//! and write them: `schemas/<name>.schema.json`, written by `cargo xtask generate` and checked
//! fresh by its test, so editors, CI pipelines and support tools can validate them.
//!
//! Versioning: the report and the snapshot carry `schema_version` / `format_version`, which
//! change on any incompatible change (a field removed or renamed, a value's meaning changed, a
//! new value of a closed set such as a status); fields may be added without a change of version.

use schemars::JsonSchema;
use serde_json::Value;

/// Every schema: (file name without `.schema.json`, schema).
pub fn all() -> Vec<(&'static str, Value)> {
    vec![
        (
            "report",
            of::<crate::report::Report>(
                "The JSON report of `acp-preflight check` (docs/report-format.md).",
            ),
        ),
        (
            "snapshot",
            of::<crate::snapshot::Snapshot>(
                "A snapshot written by `acp-preflight collect` (docs/snapshot-format.md).",
            ),
        ),
        (
            "host-facts",
            of::<crate::host::HostFacts>(
                "The facts of one node, written by `acp-preflight host` (host.json).",
            ),
        ),
        (
            "rule-pack",
            of::<crate::rules::spec::PackSpec>(
                "A rule pack: a target, its upgrade paths and its rules (rules/packs/*.yaml).",
            ),
        ),
        (
            "rule",
            of::<crate::rules::spec::RuleSpec>("One rule (rules/checks/*.yaml)."),
        ),
        (
            "waivers",
            of::<crate::rules::waivers::WaiversSpec>(
                "A waivers file for `acp-preflight check --waivers` (docs/waivers.md).",
            ),
        ),
    ]
}

/// The draft 2020-12 schema of `T`, with a description of the file it describes.
fn of<T: JsonSchema>(description: &str) -> Value {
    let mut schema = schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value();
    if let Some(object) = schema.as_object_mut() {
        object.insert("description".to_string(), Value::from(description));
    }
    schema
}
