//! JUnit XML, for CI test reports: one test suite per subject (`platform`, each cluster, each
//! node or host path), one test case per result, named after its rule.
//!
//! A result that fails the gate (`--fail-on`) is a `failure`; a check not evaluated is an
//! `error`; a skipped result is `skipped`, and so is an excluded rule, with the reason. A
//! warning or info result that does not fail the gate is a passing case whose output says so.
//! The verdict and the summary line are properties of every suite.

use checker_core::lang::Lang;
use checker_core::report::{Report, RuleResult, Status};
use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use super::{summary_line, verdict_line};
use crate::args::FailOn;
use crate::exit::Failure;

/// The JUnit XML report.
pub fn render(report: &Report, gate: FailOn) -> Result<String, Failure> {
    let mut subjects: Vec<String> = Vec::new();
    for result in &report.results {
        let subject = result.subject_text();
        if !subjects.contains(&subject) {
            subjects.push(subject);
        }
    }
    let mut junit = quick_junit::Report::new(format!(
        "acp-preflight: ACP {} ({})",
        report.target, report.pack.name
    ));
    for subject in subjects {
        let mut suite = TestSuite::new(subject.clone());
        suite.add_properties([
            Property::new("verdict", verdict_line(report)),
            Property::new("summary", summary_line(report)),
        ]);
        for result in report
            .results
            .iter()
            .filter(|r| r.subject_text() == subject)
        {
            suite.add_test_case(test_case(result, &subject, gate, report.language));
        }
        junit.add_test_suite(suite);
    }
    junit
        .to_string()
        .map_err(|e| Failure::Internal(format!("cannot write the JUnit report: {e}")))
}

/// One result as a test case.
fn test_case(result: &RuleResult, subject: &str, gate: FailOn, lang: Lang) -> TestCase {
    let details = format!(
        "{}\nobserved: {}\nexpected: {}\nfix: {}\ndocs: {}",
        result.message, result.observed, result.expected, result.remediation, result.docs
    );
    let failed = |kind| {
        let mut status = TestCaseStatus::non_success(kind);
        status
            .set_message(result.message.clone())
            .set_type(format!("{} {}", result.severity, result.status.as_str()))
            .set_description(details.clone());
        status
    };
    let status = match result.status {
        Status::Error => failed(NonSuccessKind::Error),
        status if gate.fails(status) => failed(NonSuccessKind::Failure),
        Status::Waived => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(format!("waived: {}", super::waived_text(result, lang)));
            status
        }
        Status::Skipped | Status::Excluded => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(format!("{}: {}", result.status.as_str(), result.message));
            status
        }
        _ => TestCaseStatus::success(),
    };
    let mut case = TestCase::new(format!("{}: {}", result.rule, result.title), status);
    case.set_classname(format!("acp-preflight.{subject}"));
    if result.status.needs_attention() && !gate.fails(result.status) {
        // A warning or info result the gate lets through: shown, not failed.
        case.set_system_out(format!(
            "{} (does not fail --fail-on {}): {details}",
            result.status.as_str(),
            gate.name()
        ));
    } else if result.status == Status::Pass {
        case.set_system_out(result.message.clone());
    }
    case
}
