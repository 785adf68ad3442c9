//! Renderers of a report: one file per output format, one variant of [`Format`] each. The
//! terminal width and the colour decision are passed in ([`Style`]), so every renderer is a
//! pure function of the report and can be snapshot-tested.

mod json;
mod table;

use checker_core::report::Report;
use clap::ValueEnum;

use crate::exit::Failure;

/// The output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for people.
    Table,
    /// The versioned JSON report (docs/report-format.md).
    Json,
}

/// How human output may look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Whether to use ANSI colour.
    pub color: bool,
    /// The width to wrap tables to.
    pub width: u16,
}

impl Style {
    /// No colour, the width used when stdout is not a terminal.
    pub fn plain() -> Style {
        Style {
            color: false,
            width: 140,
        }
    }
}

/// Renders the report in a format.
pub fn render(format: Format, report: &Report, style: &Style) -> Result<String, Failure> {
    match format {
        Format::Table => Ok(table::render(report, style)),
        Format::Json => json::render(report),
    }
}
