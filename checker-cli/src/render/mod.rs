//! Renderers of a report: one file per output format, one variant of [`Format`] each. The
//! terminal width, the colour decision and the gate policy are passed in, so every renderer is
//! a pure function of the report and can be snapshot-tested. Every format shows every result,
//! the verdict and the exclusions; the words of the verdict are [`verdict_line`]'s.

mod github;
mod html;
mod json;
mod junit;
mod markdown;
mod sarif;
mod table;
mod yaml;

use checker_core::report::{Report, RuleResult, Status, Verdict};
use checker_core::rules::Phase;
use clap::ValueEnum;

use crate::args::FailOn;
use crate::exit::Failure;

/// The output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for people.
    Table,
    /// The versioned JSON report (docs/report-format.md).
    Json,
    /// The JSON report as YAML.
    Yaml,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// JUnit XML: one test case per result, for CI test reports.
    Junit,
    /// GitHub Actions workflow commands: an annotation per problem.
    Github,
    /// Markdown, for tickets and pull-request comments.
    Markdown,
    /// One self-contained HTML page for people (no network needed to open it).
    Html,
}

impl Format {
    /// The name `-o` and `--output-file` take.
    pub fn name(self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }
}

/// How human output may look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Whether to use ANSI colour.
    pub color: bool,
    /// The width to wrap tables to.
    pub width: u16,
    /// Whether the table shows every result (`--show all`) rather than the problems and one
    /// line per rule for the rest.
    pub show_all: bool,
}

impl Style {
    /// No colour, the width used when stdout is not a terminal and `COLUMNS` is not set, the
    /// problems and a line per rule.
    pub fn plain() -> Style {
        Style {
            color: false,
            width: 140,
            show_all: false,
        }
    }
}

/// Renders the report in a format; `gate` decides which results the CI formats (JUnit, GitHub)
/// present as failures.
pub fn render(
    format: Format,
    report: &Report,
    style: &Style,
    gate: FailOn,
) -> Result<String, Failure> {
    match format {
        Format::Table => Ok(table::render(report, style)),
        Format::Json => json::render(report),
        Format::Yaml => yaml::render(report),
        Format::Sarif => sarif::render(report),
        Format::Junit => junit::render(report, gate),
        Format::Github => Ok(github::render(report, gate)),
        Format::Markdown => Ok(markdown::render(report)),
        Format::Html => Ok(html::render(report)),
    }
}

/// The results the operator excluded (`--skip`, `--skip-host`).
fn excluded(report: &Report) -> Vec<&RuleResult> {
    report
        .results
        .iter()
        .filter(|r| r.status == Status::Excluded)
        .collect()
}

/// The results a waiver accepts (`--waivers`).
fn waived(report: &Report) -> Vec<&RuleResult> {
    report
        .results
        .iter()
        .filter(|r| r.status == Status::Waived)
        .collect()
}

/// A waived result in words: `MinioDiskSpace on cp-1:/cpaas/minio (was fail): reason (owner
/// alice, until 2026-12-31, waivers.yaml:3)`.
pub(crate) fn waived_text(result: &RuleResult) -> String {
    match &result.waiver {
        Some(w) => format!(
            "{} on {} (was {}): {} (owner {}, until {}, {})",
            result.rule,
            result.subject_text(),
            w.status.as_str(),
            w.reason,
            w.owner,
            w.expires,
            w.at
        ),
        None => format!("{} on {}", result.rule, result.subject_text()),
    }
}

/// The verdict in words, with what qualifies it (exclusions, a partial scope): `READY, 2 checks
/// excluded (A, B): no blocker failed and every other check was evaluated`.
pub fn verdict_line(report: &Report) -> String {
    let verdict = match report.verdict {
        Verdict::Ready => "READY: no blocker failed and every check was evaluated",
        Verdict::NotReady => match report.phase {
            Phase::Pre => "NOT READY: fix the failed blockers above before upgrading",
            Phase::Workload => {
                "NOT READY: fix the failed blockers above before upgrading the workload clusters"
            }
            Phase::Post => "NOT READY: the upgrade is not complete; fix the failed blockers above",
        },
        Verdict::Incomplete => {
            "INCOMPLETE: some checks could not be evaluated; no blocker failed among the others"
        }
    };
    let excluded = excluded(report);
    let mut qualifiers = Vec::new();
    if !excluded.is_empty() {
        qualifiers.push(format!(
            "{} check{} excluded ({})",
            excluded.len(),
            if excluded.len() == 1 { "" } else { "s" },
            excluded
                .iter()
                .map(|r| r.rule.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let waived = waived(report);
    if !waived.is_empty() {
        qualifiers.push(format!(
            "{} result{} waived ({})",
            waived.len(),
            if waived.len() == 1 { "" } else { "s" },
            waived
                .iter()
                .map(|r| format!("{} on {}", r.rule, r.subject_text()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(scope) = &report.scope {
        let total = scope.platform.as_ref().map(Vec::len);
        let of = total.map(|n| format!(" of {n}")).unwrap_or_default();
        qualifiers.push(format!(
            "only {}{of} workload cluster{} checked ({})",
            scope.selected.len(),
            if total.unwrap_or(scope.selected.len()) == 1 {
                ""
            } else {
                "s"
            },
            scope.selected.join(", ")
        ));
    }
    match (qualifiers.is_empty(), verdict.split_once(": ")) {
        (true, _) | (_, None) => verdict.to_string(),
        (false, Some((word, rest))) => {
            let mut rest = rest.to_string();
            if !excluded.is_empty() {
                rest = rest.replace("every check", "every other check");
            }
            if !waived.is_empty() {
                rest = rest.replace("no blocker failed", "no blocker failed but those waived");
            }
            format!("{word}, {}: {rest}", qualifiers.join(", "))
        }
    }
}

/// The verdict's first word: `READY`, `NOT READY`, `INCOMPLETE`.
pub fn verdict_word(report: &Report) -> &'static str {
    match report.verdict {
        Verdict::Ready => "READY",
        Verdict::NotReady => "NOT READY",
        Verdict::Incomplete => "INCOMPLETE",
    }
}

/// One line for a chat or a ticket: `acp-preflight: ACP v4.1.1 → 4.3, 4 clusters: 8 fail,
/// 5 warn, 0 error, 36 pass, 1 excluded: NOT READY`.
pub fn summary_line(report: &Report) -> String {
    let version = report
        .facts
        .family("platform")
        .and_then(|p| p.get("version"))
        .and_then(serde_json::Value::as_str)
        .unwrap_or("(version unknown)");
    let clusters = report
        .facts
        .clusters
        .known()
        .map(|c| format!("{} cluster{}", c.len(), if c.len() == 1 { "" } else { "s" }))
        .unwrap_or_else(|| "clusters unknown".to_string());
    let phase = match report.phase {
        Phase::Pre => String::new(),
        other => format!(" ({other} phase)"),
    };
    let s = &report.summary;
    let mut excluded = String::new();
    if s.waived > 0 {
        excluded.push_str(&format!(", {} waived", s.waived));
    }
    if s.excluded > 0 {
        excluded.push_str(&format!(", {} excluded", s.excluded));
    }
    format!(
        "acp-preflight: ACP {version} → {}{phase}, {clusters}: {} fail, {} warn, {} error, {} \
         pass{excluded}: {}",
        report.target,
        s.fail,
        s.warn,
        s.error,
        s.pass,
        verdict_word(report)
    )
}

/// The results that need attention, most important first: failed blockers, checks not
/// evaluated, warnings, info results (stable within each).
fn problems(report: &Report) -> Vec<&RuleResult> {
    let mut problems: Vec<&RuleResult> = report
        .results
        .iter()
        .filter(|r| r.status.needs_attention())
        .collect();
    problems.sort_by_key(|r| match r.status {
        Status::Fail => 0,
        Status::Error => 1,
        Status::Warn => 2,
        _ => 3,
    });
    problems
}

/// The ANSI style of a status in human output (the table's list layout, `plan`), the colours of
/// the table's status cells.
pub fn status_style(status: Status) -> anstyle::Style {
    let colour = match status {
        Status::Pass => anstyle::AnsiColor::Green,
        Status::Fail => anstyle::AnsiColor::Red,
        Status::Warn => anstyle::AnsiColor::Yellow,
        Status::Info => anstyle::AnsiColor::Cyan,
        Status::Error => anstyle::AnsiColor::Magenta,
        Status::Skipped | Status::Excluded => anstyle::AnsiColor::BrightBlack,
        Status::Waived => anstyle::AnsiColor::Blue,
    };
    anstyle::Style::new().fg_color(Some(colour.into()))
}
