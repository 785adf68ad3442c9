//! The report: one result per (rule, subject), the verdict, and the facts behind them.
//!
//! The JSON form is a documented, versioned contract for support and CI pipelines
//! (`docs/report-format.md`); bump [`REPORT_SCHEMA_VERSION`] on any incompatible change.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::facts::Facts;
use crate::rules::{Phase, Severity};

/// The phase of a report written before phases existed.
fn pre() -> Phase {
    Phase::Pre
}

/// Version of the JSON report schema.
pub const REPORT_SCHEMA_VERSION: u32 = 3;

/// The outcome of one rule for one subject.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The requirement holds.
    Pass,
    /// A blocker's requirement does not hold.
    Fail,
    /// A warning's requirement does not hold.
    Warn,
    /// An info rule's requirement does not hold: reported, never a failure.
    Info,
    /// The rule could not be evaluated (missing data, API error, unparsable value).
    Error,
    /// The rule does not apply to this subject.
    Skipped,
    /// The operator excluded the rule (`--skip`, `--skip-host`): not evaluated, and said so.
    Excluded,
    /// A waiver (`--waivers`) accepts this result, which needed attention: shown and counted,
    /// never a failure of the gate; [`RuleResult::waiver`] says which and what it was.
    Waived,
}

impl Status {
    /// Every status, in the order of the enum.
    pub const ALL: [Status; 8] = [
        Status::Pass,
        Status::Fail,
        Status::Warn,
        Status::Info,
        Status::Error,
        Status::Skipped,
        Status::Excluded,
        Status::Waived,
    ];

    /// Whether the result needs attention: `fail`, `warn`, `info` or `error` (what the table's
    /// "What to do" lists, what a waiver can waive, what `diff` compares).
    pub fn needs_attention(self) -> bool {
        matches!(
            self,
            Status::Fail | Status::Warn | Status::Info | Status::Error
        )
    }

    /// Lower-case name, as in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Info => "info",
            Status::Error => "error",
            Status::Skipped => "skipped",
            Status::Excluded => "excluded",
            Status::Waived => "waived",
        }
    }
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RuleResult {
    /// Rule ID.
    pub rule: String,
    /// Rule title.
    pub title: String,
    /// Rule severity.
    pub severity: Severity,
    /// The step of the upgrade procedure the rule belongs to (`DR 1. Verify the standby is in
    /// sync`); absent for rules of no particular step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// Outcome.
    pub status: Status,
    /// What was checked: `{}` for the platform, `{"cluster": "prod-1"}`,
    /// `{"host": "cp-1", "path": "/root/upgrade"}` for a host path, or
    /// `{"node": "cp-1", "path": "/cpaas/minio"}` for a global control-plane node.
    pub subject: BTreeMap<String, String>,
    /// The observed value (null when not evaluated).
    pub observed: serde_json::Value,
    /// The expected value, as text.
    pub expected: String,
    /// What was found, in words.
    pub message: String,
    /// How to fix a failure.
    pub remediation: String,
    /// Link to the documentation.
    pub docs: String,
    /// The waiver that accepts this result, when one does (`status` is then `waived`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<crate::rules::waivers::WaiverNote>,
}

impl RuleResult {
    /// The subject as short text: `prod-1`, `cp-1:/cpaas/minio`, `/root/upgrade`,
    /// `waiver waivers.yaml:3`, or `platform`.
    pub fn subject_text(&self) -> String {
        if let Some(cluster) = self.subject.get("cluster") {
            return cluster.clone();
        }
        if let Some(waiver) = self.subject.get("waiver") {
            return format!("waiver {waiver}");
        }
        let on = self
            .subject
            .get("node")
            .or_else(|| self.subject.get("host"));
        match (on, self.subject.get("path")) {
            (Some(on), Some(path)) => format!("{on}:{path}"),
            (None, Some(path)) => path.clone(),
            (Some(on), None) => on.clone(),
            (None, None) => "platform".to_string(),
        }
    }
}

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No blocker failed and every selected check was evaluated (checks the operator excluded
    /// are listed as `excluded`).
    Ready,
    /// A blocker failed.
    NotReady,
    /// Some check could not be evaluated, and no blocker failed.
    Incomplete,
}

impl Verdict {
    /// Lower-case name, as in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ready => "ready",
            Verdict::NotReady => "not_ready",
            Verdict::Incomplete => "incomplete",
        }
    }

    /// The verdict for a set of results.
    pub fn of(results: &[RuleResult]) -> Verdict {
        if results.iter().any(|r| r.status == Status::Fail) {
            Verdict::NotReady
        } else if results.iter().any(|r| r.status == Status::Error) {
            Verdict::Incomplete
        } else {
            Verdict::Ready
        }
    }
}

/// Counts of results per status.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Summary {
    /// Results in total.
    pub total: usize,
    /// `pass` results.
    pub pass: usize,
    /// `fail` results.
    pub fail: usize,
    /// `warn` results.
    pub warn: usize,
    /// `info` results.
    pub info: usize,
    /// `error` results.
    pub error: usize,
    /// `skipped` results.
    pub skipped: usize,
    /// `excluded` results (one per excluded rule).
    pub excluded: usize,
    /// `waived` results.
    #[serde(default)]
    pub waived: usize,
}

impl Summary {
    /// Counts the results.
    pub fn of(results: &[RuleResult]) -> Summary {
        let mut summary = Summary {
            total: results.len(),
            ..Summary::default()
        };
        for result in results {
            *match result.status {
                Status::Pass => &mut summary.pass,
                Status::Fail => &mut summary.fail,
                Status::Warn => &mut summary.warn,
                Status::Info => &mut summary.info,
                Status::Error => &mut summary.error,
                Status::Skipped => &mut summary.skipped,
                Status::Excluded => &mut summary.excluded,
                Status::Waived => &mut summary.waived,
            } += 1;
        }
        summary
    }
}

/// The tool that made the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Tool {
    /// `acp-preflight`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// Where the facts came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Source {
    /// `live`, `snapshot` (a file) or `kubectl-dump` (a directory).
    pub kind: String,
    /// The file, directory or API server.
    pub location: String,
    /// When the facts were collected.
    pub collected_at: String,
    /// How the facts were originally collected (`live`, `kubectl-dump`, `fixture`).
    pub collected_by: String,
    /// Whether TLS verification was off while collecting.
    pub insecure_skip_tls_verify: bool,
}

/// Which workload clusters were checked, when the operator selected some (`--clusters`): a
/// partial scope, shown with the verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CheckedScope {
    /// The workload clusters selected and checked.
    pub selected: Vec<String>,
    /// Every workload cluster of the platform, when its cluster list could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Vec<String>>,
}

/// The rule pack used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PackInfo {
    /// Pack name.
    pub name: String,
    /// Where it was loaded from.
    pub origin: String,
    /// Whether the pack rests on pre-release documentation.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub preview: bool,
    /// Why this pack was chosen, when `--target` did not name it (the newest with an upgrade
    /// path from the installed version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chosen: Option<String>,
}

/// A complete report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Report {
    /// [`REPORT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The tool.
    pub tool: Tool,
    /// The language of the texts (titles, messages, remediation): `en` or `ru`.
    #[serde(default)]
    pub language: crate::lang::Lang,
    /// Target ACP version.
    pub target: String,
    /// The phase checked: `pre` (before the window), `workload` or `post`.
    #[serde(default = "pre")]
    pub phase: Phase,
    /// The version the upgrade started from, when the operator gave it (`--from`, `--baseline`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The rule pack.
    pub pack: PackInfo,
    /// Where the facts came from.
    pub source: Source,
    /// When the report was made (RFC 3339).
    pub generated_at: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Which clusters were checked, when only some were (`--clusters`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<CheckedScope>,
    /// Counts per status.
    pub summary: Summary,
    /// Every result, in rule order.
    pub results: Vec<RuleResult>,
    /// Every fact the results were computed from.
    pub facts: Facts,
}
