//! Markdown for tickets and pull-request comments (GitHub-flavoured tables): the verdict, the
//! summary line, the problems with their fixes, the exclusions, and every other result in a
//! collapsed section.

use checker_core::lang::Lang;
use checker_core::report::{Report, RuleResult, Status};
use checker_core::tr;

use super::{
    excluded, problems, status_label, summary_line, verdict_line, verdict_word, waived, waived_text,
};

/// The Markdown report.
pub fn render(report: &Report) -> String {
    let lang = report.language;
    let mut out = tr!(
        lang,
        "## acp-preflight: {verdict} for ACP {target}\n\n",
        "## acp-preflight: {verdict} для ACP {target}\n\n",
        verdict = verdict_word(report),
        target = report.target
    );
    out.push_str(&tr!(
        lang,
        "**Verdict:** {line}\n\n",
        "**Вердикт:** {line}\n\n",
        line = cell(&verdict_line(report))
    ));
    out.push_str(&format!("{}\n\n", cell(&summary_line(report))));
    let mut source = tr!(
        lang,
        "Pack `{pack}`, phase `{phase}`, facts from {kind} `{location}`",
        "Набор `{pack}`, фаза `{phase}`, факты из {kind} `{location}`",
        pack = report.pack.name,
        phase = report.phase,
        kind = report.source.kind,
        location = report.source.location
    );
    if !report.source.collected_at.is_empty() {
        source.push_str(&tr!(
            lang,
            " (collected {at})",
            " (собрано {at})",
            at = report.source.collected_at
        ));
    }
    out.push_str(&format!("{source}.\n"));
    if let Some(why) = &report.pack.chosen {
        out.push_str(&tr!(
            lang,
            "Target {target}: {why}\n",
            "Целевая версия {target}: {why}\n",
            target = report.target,
            why = cell(why)
        ));
    }
    if report.pack.preview {
        out.push_str(&tr!(
            lang,
            "\n> **Preview:** the `{pack}` pack follows pre-release documentation.\n",
            "\n> **Предварительная версия:** набор `{pack}` основан на документации до выпуска.\n",
            pack = report.pack.name
        ));
    }

    let problems = problems(report);
    if !problems.is_empty() {
        out.push_str(&tr!(
            lang,
            "\n### To fix ({n})\n\n",
            "\n### Исправить ({n})\n\n",
            n = problems.len()
        ));
        out.push_str(&tr!(
            lang,
            "| Status | Rule | Subject | Found | Fix |\n|---|---|---|---|---|\n",
            "| Статус | Правило | Объект | Найдено | Как исправить |\n|---|---|---|---|---|\n"
        ));
        for r in problems {
            let fix = if r.status == Status::Error {
                tr!(
                    lang,
                    "Make this check possible (see the cause), then run the check again.",
                    "Устраните причину, по которой проверку не удалось выполнить, и запустите \
                     проверку снова."
                )
            } else {
                tr!(
                    lang,
                    "{fix} ([docs]({docs}))",
                    "{fix} ([документация]({docs}))",
                    fix = r.remediation,
                    docs = r.docs
                )
            };
            out.push_str(&format!(
                "| {} | `{}` | {} | {} | {} |\n",
                label(r, lang),
                r.rule,
                cell(&r.subject_text()),
                cell(&r.message),
                cell(&fix)
            ));
        }
    }
    let excluded = excluded(report);
    if !excluded.is_empty() {
        out.push_str(&tr!(
            lang,
            "\n### Not evaluated, as asked\n\n",
            "\n### Не проверялось по вашему запросу\n\n"
        ));
        for r in excluded {
            out.push_str(&format!("- `{}` {}\n", r.rule, cell(&r.message)));
        }
    }
    let waived = waived(report);
    if !waived.is_empty() {
        out.push_str(&tr!(
            lang,
            "\n### Waived (accepted risks)\n\n",
            "\n### Допущено (принятые риски)\n\n"
        ));
        for r in waived {
            out.push_str(&format!("- {}\n", cell(&waived_text(r, lang))));
        }
    }
    let rest: Vec<&RuleResult> = report
        .results
        .iter()
        .filter(|r| matches!(r.status, Status::Pass | Status::Skipped))
        .collect();
    if !rest.is_empty() {
        out.push_str(&tr!(
            lang,
            "\n<details><summary>Passed and skipped ({n})</summary>\n\n",
            "\n<details><summary>Пройдено и пропущено ({n})</summary>\n\n",
            n = rest.len()
        ));
        out.push_str(&tr!(
            lang,
            "| Status | Rule | Subject | Found |\n|---|---|---|---|\n",
            "| Статус | Правило | Объект | Найдено |\n|---|---|---|---|\n"
        ));
        for r in rest {
            out.push_str(&format!(
                "| {} | `{}` | {} | {} |\n",
                label(r, lang),
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
fn label(result: &RuleResult, lang: Lang) -> &'static str {
    status_label(result.status, lang)
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
