//! Markdown for tickets and pull-request comments (GitHub-flavoured tables): the verdict, the
//! summary line, the problems with their fixes, the exclusions, and every other result in a
//! collapsed section.

use checker_core::report::{Report, RuleResult, Status};

use super::{excluded, problems, summary_line, verdict_line, verdict_word, waived, waived_text};

/// The Markdown report.
pub fn render(report: &Report) -> String {
    let mut out = format!(
        "## acp-preflight: {} for ACP {}\n\n",
        verdict_word(report),
        report.target
    );
    out.push_str(&format!("**Verdict:** {}\n\n", cell(&verdict_line(report))));
    out.push_str(&format!("{}\n\n", cell(&summary_line(report))));
    let mut source = format!(
        "Pack `{}`, phase `{}`, facts from {} `{}`",
        report.pack.name, report.phase, report.source.kind, report.source.location
    );
    if !report.source.collected_at.is_empty() {
        source.push_str(&format!(" (collected {})", report.source.collected_at));
    }
    out.push_str(&format!("{source}.\n"));
    if let Some(why) = &report.pack.chosen {
        out.push_str(&format!("Target {}: {}\n", report.target, cell(why)));
    }
    if report.pack.preview {
        out.push_str(&format!(
            "\n> **Preview:** the `{}` pack follows pre-release documentation.\n",
            report.pack.name
        ));
    }

    let problems = problems(report);
    if !problems.is_empty() {
        out.push_str(&format!("\n### To fix ({})\n\n", problems.len()));
        out.push_str("| Status | Rule | Subject | Found | Fix |\n|---|---|---|---|---|\n");
        for r in problems {
            let fix = if r.status == Status::Error {
                "Make this check possible (see the cause), then run the check again.".to_string()
            } else {
                format!("{} ([docs]({}))", r.remediation, r.docs)
            };
            out.push_str(&format!(
                "| {} | `{}` | {} | {} | {} |\n",
                label(r),
                r.rule,
                cell(&r.subject_text()),
                cell(&r.message),
                cell(&fix)
            ));
        }
    }
    let excluded = excluded(report);
    if !excluded.is_empty() {
        out.push_str("\n### Not evaluated, as asked\n\n");
        for r in excluded {
            out.push_str(&format!("- `{}` {}\n", r.rule, cell(&r.message)));
        }
    }
    let waived = waived(report);
    if !waived.is_empty() {
        out.push_str("\n### Waived (accepted risks)\n\n");
        for r in waived {
            out.push_str(&format!("- {}\n", cell(&waived_text(r))));
        }
    }
    let rest: Vec<&RuleResult> = report
        .results
        .iter()
        .filter(|r| matches!(r.status, Status::Pass | Status::Skipped))
        .collect();
    if !rest.is_empty() {
        out.push_str(&format!(
            "\n<details><summary>Passed and skipped ({})</summary>\n\n",
            rest.len()
        ));
        out.push_str("| Status | Rule | Subject | Found |\n|---|---|---|---|\n");
        for r in rest {
            out.push_str(&format!(
                "| {} | `{}` | {} | {} |\n",
                label(r),
                r.rule,
                cell(&r.subject_text()),
                cell(&r.message)
            ));
        }
        out.push_str("\n</details>\n");
    }
    out
}

/// The status as shown: `FAIL`, `WARN`, ...
fn label(result: &RuleResult) -> String {
    result.status.as_str().to_uppercase()
}

/// Text fit for a table cell: no line breaks, `|` escaped, and no HTML tags.
fn cell(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_stay_on_one_line() {
        assert_eq!(cell("a | b\nc <x>"), "a \\| b c &lt;x&gt;");
    }
}
