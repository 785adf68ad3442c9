//! SARIF 2.1.0 (OASIS), for code-scanning dashboards: one run, the pack's rules as the tool's
//! rules, every result as a SARIF result.
//!
//! Statuses map onto SARIF's `kind` and `level`: `fail` is kind `fail` at level `error`, `warn`
//! at `warning`, `info` at `note`; `pass` is kind `pass`; a check not evaluated is kind `open`
//! ("could not be determined") and also a tool notification at level `error`; `skipped` is
//! `notApplicable`; an excluded rule is `notApplicable` with an external suppression giving the
//! reason. Clusters and nodes have no source file, so each result is located at its rule's file
//! in the rule set (`checks/<ID>.yaml` under `%SRCROOT%`, the rules directory)
//! and names its subject as a logical location; `partialFingerprints` holds rule and subject.

use checker_core::report::{Report, RuleResult, Status};
use checker_core::rules::Severity;
use serde_json::{Value, json};

use super::{summary_line, verdict_line};
use crate::exit::Failure;

/// The SARIF log as pretty JSON.
pub fn render(report: &Report) -> Result<String, Failure> {
    let mut rule_ids: Vec<&str> = Vec::new();
    let mut rules = Vec::new();
    for result in &report.results {
        if !rule_ids.contains(&result.rule.as_str()) {
            rule_ids.push(&result.rule);
            rules.push(rule(result));
        }
    }
    let results: Vec<Value> = report
        .results
        .iter()
        .map(|r| {
            let index = rule_ids.iter().position(|id| *id == r.rule).unwrap_or(0);
            sarif_result(r, index)
        })
        .collect();
    let notifications: Vec<Value> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Error)
        .map(|r| {
            json!({
                "level": "error",
                "message": {"text": format!("{} could not be evaluated for {}: {}", r.rule, r.subject_text(), r.message)},
                "associatedRule": {"id": r.rule},
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "informationUri": "https://docs.alauda.io/container_platform/",
                "rules": rules,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {
                "description": {"text": "The rule set the results come from (the directory holding checks/ and packs/)."},
            }},
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
            "properties": {
                "verdict": report.verdict.as_str(),
                "verdictLine": verdict_line(report),
                "summaryLine": summary_line(report),
                "target": report.target,
                "phase": report.phase.to_string(),
                "pack": report.pack.name,
                "summary": report.summary,
                "scope": report.scope,
            },
        }],
    });
    serde_json::to_string_pretty(&log)
        .map(|json| format!("{json}\n"))
        .map_err(|e| Failure::Internal(format!("cannot serialise the SARIF log: {e}")))
}

/// A rule as a SARIF `reportingDescriptor`.
fn rule(result: &RuleResult) -> Value {
    json!({
        "id": result.rule,
        "name": result.rule,
        "shortDescription": {"text": result.title},
        "helpUri": result.docs,
        "help": {"text": result.remediation},
        "defaultConfiguration": {"level": match result.severity {
            Severity::Blocker => "error",
            Severity::Warning => "warning",
            Severity::Info => "note",
        }},
        "properties": {"severity": result.severity},
    })
}

/// One result.
fn sarif_result(r: &RuleResult, rule_index: usize) -> Value {
    // A waived result keeps what it was, suppressed.
    let status = r.waiver.as_ref().map_or(r.status, |w| w.status);
    let (kind, level) = match status {
        Status::Fail => ("fail", "error"),
        Status::Warn => ("fail", "warning"),
        Status::Info => ("fail", "note"),
        Status::Pass => ("pass", "none"),
        Status::Error => ("open", "none"),
        Status::Skipped | Status::Excluded | Status::Waived => ("notApplicable", "none"),
    };
    let subject = r.subject_text();
    let mut result = json!({
        "ruleId": r.rule,
        "ruleIndex": rule_index,
        "kind": kind,
        "level": level,
        "message": {"text": r.message},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": format!("checks/{}.yaml", r.rule), "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 1},
            },
            "logicalLocations": [{
                "name": subject,
                "kind": if r.subject.contains_key("cluster") { "cluster" } else if r.subject.is_empty() { "platform" } else { "host" },
            }],
        }],
        "partialFingerprints": {"acpPreflight/v1": format!("{}:{subject}", r.rule)},
        "properties": {
            "status": r.status.as_str(),
            "severity": r.severity,
            "subject": r.subject,
            "observed": r.observed,
            "expected": r.expected,
            "remediation": r.remediation,
            "step": r.step,
        },
    });
    if r.status == Status::Excluded {
        result["suppressions"] = json!([{"kind": "external", "justification": r.message}]);
    }
    if let Some(waiver) = &r.waiver {
        result["suppressions"] = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": waiver.reason,
            "properties": {"owner": waiver.owner, "expires": waiver.expires, "waiver": waiver.at},
        }]);
    }
    result
}
