//! The report as YAML: the JSON report's fields and values, for people who read YAML.

use checker_core::report::Report;

use crate::exit::Failure;

/// The report as YAML.
pub fn render(report: &Report) -> Result<String, Failure> {
    serde_saphyr::to_string(report)
        .map_err(|e| Failure::Internal(format!("cannot serialise the report as YAML: {e}")))
}
