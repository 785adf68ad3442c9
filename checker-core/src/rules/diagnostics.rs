//! Problems found in rule and pack files: each names the file, the field path and the place,
//! and renders as a rustc-style excerpt of the source (annotate-snippets) or as JSON.

use std::collections::BTreeMap;
use std::fmt;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;

use super::yaml::Position;

/// One problem in a rule or pack file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The file.
    pub file: String,
    /// The field path, e.g. `rules[2].message.fail` (empty for the whole file).
    pub field: String,
    /// Where, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// Column, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is something to say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Byte range in the file, for the excerpt.
    #[serde(skip)]
    pub span: Option<(usize, usize)>,
}

impl Diagnostic {
    /// A problem at `at` in `file`.
    pub fn new(
        file: &str,
        field: &str,
        at: Option<Position>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            file: file.to_string(),
            field: field.to_string(),
            line: at.map(|a| a.line),
            column: at.map(|a| a.column),
            message: message.into(),
            help: None,
            span: at.map(|a| (a.offset, a.len)),
        }
    }

    /// With a help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    /// `file:line:column: field `path`: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, ":{line}:{column}")?;
        }
        if self.field.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": field `{}`: {}", self.field, self.message)
        }
    }
}

/// Why a pack could not be loaded: every problem found, not just the first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid rule pack {file}: {} problem(s)", .diagnostics.len())]
pub struct PackError {
    /// The pack (or rule) file that was loaded.
    pub file: String,
    /// The problems, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// The text of every file a diagnostic points into, for the excerpts.
    pub sources: BTreeMap<String, String>,
}

impl PackError {
    /// All diagnostics, one per line (`file:line:column: field …: message`).
    pub fn render(&self) -> String {
        self.diagnostics
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// All diagnostics with excerpts of the source, rustc-style; `styled` adds colour.
    pub fn render_snippets(&self, styled: bool) -> String {
        let renderer = if styled {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let mut out = String::new();
        for d in &self.diagnostics {
            let title = if d.field.is_empty() {
                d.message.clone()
            } else {
                format!("field `{}`: {}", d.field, d.message)
            };
            let source = self.sources.get(&d.file);
            let title = Level::ERROR.primary_title(title.as_str());
            let location = format!("in {}", d.file);
            let group = match (source, d.span, d.line) {
                (Some(source), Some((offset, len)), Some(_)) if offset <= source.len() => {
                    let end = snap_end(source, offset, len);
                    title.element(
                        Snippet::source(source.as_str())
                            .path(d.file.as_str())
                            .fold(true)
                            .annotation(AnnotationKind::Primary.span(offset..end)),
                    )
                }
                _ => title.element(Level::NOTE.message(location.as_str())),
            };
            let mut report: Vec<Group> = vec![group];
            if let Some(help) = &d.help {
                report.push(Group::with_title(
                    Level::HELP.secondary_title(help.as_str()),
                ));
            }
            out.push_str(&renderer.render(&report));
            out.push_str("\n\n");
        }
        out
    }
}

/// The end of an excerpt's underline: the given length, else the rest of the line, kept on a
/// character boundary.
fn snap_end(source: &str, offset: usize, len: usize) -> usize {
    let line_end = source[offset..]
        .find('\n')
        .map_or(source.len(), |i| offset + i);
    let mut end = if len == 0 {
        line_end
    } else {
        (offset + len)
            .min(line_end.max(offset + 1))
            .min(source.len())
    };
    while !source.is_char_boundary(end) {
        end -= 1;
    }
    end.max(offset)
}
