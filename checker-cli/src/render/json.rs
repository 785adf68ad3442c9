//! The versioned JSON report (docs/report-format.md): the report as it is, pretty-printed.

use checker_core::report::Report;

use crate::exit::Failure;

/// The report as pretty JSON with a final newline.
pub fn render(report: &Report) -> Result<String, Failure> {
    serde_json::to_string_pretty(report)
        .map(|json| format!("{json}\n"))
        .map_err(|e| Failure::Internal(format!("cannot serialise the report: {e}")))
}
