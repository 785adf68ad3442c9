//! GitHub Actions workflow commands: an annotation per problem, most important first, then every
//! result in a collapsed group of the log, the exclusions and the verdict.
//!
//! A result that fails the gate (`--fail-on`) and a check not evaluated are `::error`; other
//! warnings are `::warning` and info results `::notice`. GitHub shows at most 10 annotations of
//! each level per step; the group holds everything. With `GITHUB_STEP_SUMMARY` set, `check`
//! also appends the Markdown report there (see `commands::check`).

use checker_core::lang::Lang;
use checker_core::report::{Report, RuleResult, Status};
use checker_core::tr;

use super::{excluded, problems, status_label, summary_line, verdict_line, waived, waived_text};
use crate::args::FailOn;

/// The workflow commands and log lines.
pub fn render(report: &Report, gate: FailOn) -> String {
    let lang = report.language;
    let mut out = String::new();
    for result in problems(report) {
        let level = match result.status {
            Status::Error => "error",
            status if gate.fails(status) => "error",
            Status::Warn | Status::Fail => "warning",
            _ => "notice",
        };
        let what = if result.status == Status::Error {
            tr!(lang, "could not be evaluated", "не удалось проверить")
        } else {
            status_label(result.status, lang).to_lowercase()
        };
        let title = tr!(
            lang,
            "{rule} {what} on {subject}",
            "{rule}: {what} для {subject}",
            rule = result.rule,
            what = what,
            subject = result.subject_text()
        );
        let text = tr!(
            lang,
            "{message}\nFix: {fix}\nDocs: {docs}",
            "{message}\nКак исправить: {fix}\nДокументация: {docs}",
            message = result.message,
            fix = advice(result, lang),
            docs = result.docs
        );
        out.push_str(&format!(
            "::{level} title={}::{}\n",
            property(&title),
            data(&text)
        ));
    }
    out.push_str(&tr!(
        lang,
        "::group::acp-preflight: all {n} results\n",
        "::group::acp-preflight: все результаты ({n})\n",
        n = report.results.len()
    ));
    let width = super::status_label_width(lang);
    for r in &report.results {
        out.push_str(&format!(
            "{:<width$} {} [{}]: {}\n",
            status_label(r.status, lang),
            r.rule,
            r.subject_text(),
            one_line(&r.message)
        ));
    }
    out.push_str("::endgroup::\n");
    for r in waived(report) {
        out.push_str(&tr!(
            lang,
            "Waived: {waived}\n",
            "Допущено: {waived}\n",
            waived = waived_text(r, lang)
        ));
    }
    for r in excluded(report) {
        out.push_str(&tr!(
            lang,
            "Not evaluated, as asked: {rule} {message}\n",
            "Не проверялось по вашему запросу: {rule} {message}\n",
            rule = r.rule,
            message = r.message
        ));
    }
    out.push_str(&tr!(
        lang,
        "{summary}\nVerdict: {verdict}\n",
        "{summary}\nВердикт: {verdict}\n",
        summary = summary_line(report),
        verdict = verdict_line(report)
    ));
    out
}

/// What to do about a result: its remediation, or for a check not evaluated, how to make it
/// possible.
fn advice(result: &RuleResult, lang: Lang) -> String {
    if result.status == Status::Error {
        tr!(
            lang,
            "make this check possible (see the cause above), then run the check again",
            "устраните причину, по которой проверку не удалось выполнить (см. выше), и запустите \
             проверку снова"
        )
    } else {
        result.remediation.clone()
    }
}

/// A message on one line, for the log.
fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

/// Escapes a command's data: `%`, CR and LF.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command's property value: as data, and also `:` and `,`.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_escaped() {
        assert_eq!(data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(property("a: b, c"), "a%3A b%2C c");
    }
}
