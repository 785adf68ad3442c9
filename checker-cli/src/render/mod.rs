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

use checker_core::lang::Lang;
use checker_core::plan::{Step, StepKind};
use checker_core::report::{Report, RuleResult, Status, Verdict};
use checker_core::rules::Phase;
use checker_core::tr;
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
    /// The language of what is not a report's (a report's words are in its own language).
    pub lang: Lang,
}

impl Style {
    /// No colour, the width used when stdout is not a terminal and `COLUMNS` is not set, the
    /// problems and a line per rule.
    pub fn plain() -> Style {
        Style {
            color: false,
            width: 140,
            show_all: false,
            lang: Lang::En,
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

/// The HTML page with the upgrade plan (`plan --output-file html=FILE`).
pub fn html_with_plan(report: &Report, plan: &checker_core::plan::UpgradePlan) -> String {
    html::render_with_plan(report, Some(plan))
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
pub(crate) fn waived_text(result: &RuleResult, lang: Lang) -> String {
    match &result.waiver {
        Some(w) => tr!(
            lang,
            "{rule} on {subject} (was {status}): {reason} (owner {owner}, until {expires}, {at})",
            "{rule} для {subject} (было {status}): {reason} (владелец {owner}, до {expires}, {at})",
            rule = result.rule,
            subject = result.subject_text(),
            status = w.status.as_str(),
            reason = w.reason,
            owner = w.owner,
            expires = w.expires,
            at = w.at
        ),
        None => on(result, lang),
    }
}

/// `MinioDiskSpace on cp-1:/cpaas/minio`.
pub(crate) fn on(result: &RuleResult, lang: Lang) -> String {
    tr!(
        lang,
        "{rule} on {subject}",
        "{rule} для {subject}",
        rule = result.rule,
        subject = result.subject_text()
    )
}

/// A status in words, upper case, as people read it: `PASS`, `FAIL`; `ПРОЙДЕНО`, `ПРОВАЛ`.
pub fn status_label(status: Status, lang: Lang) -> &'static str {
    match (lang, status) {
        (Lang::En, Status::Pass) => "PASS",
        (Lang::En, Status::Fail) => "FAIL",
        (Lang::En, Status::Warn) => "WARN",
        (Lang::En, Status::Info) => "INFO",
        (Lang::En, Status::Error) => "ERROR",
        (Lang::En, Status::Skipped) => "SKIPPED",
        (Lang::En, Status::Excluded) => "EXCLUDED",
        (Lang::En, Status::Waived) => "WAIVED",
        (Lang::Ru, Status::Pass) => "ПРОЙДЕНО",
        (Lang::Ru, Status::Fail) => "ПРОВАЛ",
        (Lang::Ru, Status::Warn) => "ПРЕДУПР",
        (Lang::Ru, Status::Info) => "ИНФО",
        (Lang::Ru, Status::Error) => "ОШИБКА",
        (Lang::Ru, Status::Skipped) => "ПРОПУЩЕНО",
        (Lang::Ru, Status::Excluded) => "ИСКЛЮЧЕНО",
        (Lang::Ru, Status::Waived) => "ДОПУЩЕНО",
    }
}

/// The longest status label of a language, in characters.
pub fn status_label_width(lang: Lang) -> usize {
    Status::ALL
        .iter()
        .map(|s| status_label(*s, lang).chars().count())
        .max()
        .unwrap_or(8)
}

/// The verdict in words, with what qualifies it (exclusions, a partial scope): `READY, 2 checks
/// excluded (A, B): no blocker failed and every other check was evaluated`.
pub fn verdict_line(report: &Report) -> String {
    let lang = report.language;
    let excluded = excluded(report);
    let waived = waived(report);
    // "no blocker failed", "every check": qualified when something was waived or excluded.
    let none_failed = match (lang, waived.is_empty()) {
        (Lang::En, true) => "no blocker failed",
        (Lang::En, false) => "no blocker failed but those waived",
        (Lang::Ru, true) => "ни одна блокирующая проверка не провалена",
        (Lang::Ru, false) => "ни одна блокирующая проверка не провалена, кроме допущенных",
    };
    let every = match (lang, excluded.is_empty()) {
        (Lang::En, true) => "every check",
        (Lang::En, false) => "every other check",
        (Lang::Ru, true) => "все проверки",
        (Lang::Ru, false) => "все остальные проверки",
    };
    let (word, rest) = match report.verdict {
        Verdict::Ready => (
            verdict_word(report),
            tr!(
                lang,
                "{none_failed} and {every} was evaluated",
                "{none_failed}, и {every} выполнены",
                none_failed = none_failed,
                every = every
            ),
        ),
        Verdict::NotReady => (
            verdict_word(report),
            match report.phase {
                Phase::Pre => tr!(
                    lang,
                    "fix the failed blockers above before upgrading",
                    "исправьте проваленные блокирующие проверки, указанные выше, до обновления"
                ),
                Phase::Workload => tr!(
                    lang,
                    "fix the failed blockers above before upgrading the workload clusters",
                    "исправьте проваленные блокирующие проверки, указанные выше, до обновления \
                     рабочих кластеров"
                ),
                Phase::Post => tr!(
                    lang,
                    "the upgrade is not complete; fix the failed blockers above",
                    "обновление не завершено; исправьте проваленные блокирующие проверки, \
                     указанные выше"
                ),
            },
        ),
        Verdict::Incomplete => (
            verdict_word(report),
            tr!(
                lang,
                "some checks could not be evaluated; {none_failed} among the others",
                "часть проверок не удалось выполнить; среди остальных {none_failed}",
                none_failed = none_failed
            ),
        ),
    };
    let mut qualifiers = Vec::new();
    if !excluded.is_empty() {
        let names = excluded
            .iter()
            .map(|r| r.rule.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        qualifiers.push(match excluded.len() {
            1 => tr!(
                lang,
                "1 check excluded ({names})",
                "исключена 1 проверка ({names})",
                names = names
            ),
            n => tr!(
                lang,
                "{n} checks excluded ({names})",
                "исключено проверок: {n} ({names})",
                n = n,
                names = names
            ),
        });
    }
    if !waived.is_empty() {
        let names = waived
            .iter()
            .map(|r| on(r, lang))
            .collect::<Vec<_>>()
            .join(", ");
        qualifiers.push(match waived.len() {
            1 => tr!(
                lang,
                "1 result waived ({names})",
                "допущен 1 результат ({names})",
                names = names
            ),
            n => tr!(
                lang,
                "{n} results waived ({names})",
                "допущено результатов: {n} ({names})",
                n = n,
                names = names
            ),
        });
    }
    if let Some(scope) = &report.scope {
        let total = scope.platform.as_ref().map(Vec::len);
        let n = scope.selected.len();
        let names = scope.selected.join(", ");
        qualifiers.push(match (total, total.unwrap_or(n)) {
            (Some(total), 1) => tr!(
                lang,
                "only {n} of {total} workload cluster checked ({names})",
                "проверены только рабочие кластеры: {n} из {total} ({names})",
                n = n,
                total = total,
                names = names
            ),
            (Some(total), _) => tr!(
                lang,
                "only {n} of {total} workload clusters checked ({names})",
                "проверены только рабочие кластеры: {n} из {total} ({names})",
                n = n,
                total = total,
                names = names
            ),
            (None, 1) => tr!(
                lang,
                "only {n} workload cluster checked ({names})",
                "проверены только рабочие кластеры: {n} ({names})",
                n = n,
                names = names
            ),
            (None, _) => tr!(
                lang,
                "only {n} workload clusters checked ({names})",
                "проверены только рабочие кластеры: {n} ({names})",
                n = n,
                names = names
            ),
        });
    }
    if qualifiers.is_empty() {
        format!("{word}: {rest}")
    } else {
        format!("{word}, {}: {rest}", qualifiers.join(", "))
    }
}

/// The verdict's first word: `READY`, `NOT READY`, `INCOMPLETE` (`ГОТОВО`, `НЕ ГОТОВО`,
/// `НЕ ЗАВЕРШЕНО`).
pub fn verdict_word(report: &Report) -> &'static str {
    match (report.language, report.verdict) {
        (Lang::En, Verdict::Ready) => "READY",
        (Lang::En, Verdict::NotReady) => "NOT READY",
        (Lang::En, Verdict::Incomplete) => "INCOMPLETE",
        (Lang::Ru, Verdict::Ready) => "ГОТОВО",
        (Lang::Ru, Verdict::NotReady) => "НЕ ГОТОВО",
        (Lang::Ru, Verdict::Incomplete) => "НЕ ЗАВЕРШЕНО",
    }
}

/// The ACP version the platform runs, as the report's facts say, or `(version unknown)`.
pub(crate) fn platform_version(report: &Report) -> String {
    report
        .facts
        .family("platform")
        .and_then(|p| p.get("version"))
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| tr!(report.language, "(version unknown)", "(версия неизвестна)"))
}

/// One line for a chat or a ticket: `acp-preflight: ACP v4.1.1 → 4.3, 4 clusters: 8 fail,
/// 5 warn, 0 error, 36 pass, 1 excluded: NOT READY`.
pub fn summary_line(report: &Report) -> String {
    let lang = report.language;
    let version = platform_version(report);
    let clusters = match report.facts.clusters.known().map(|c| c.len()) {
        Some(1) => tr!(lang, "1 cluster", "кластеров: 1"),
        Some(n) => tr!(lang, "{n} clusters", "кластеров: {n}", n = n),
        None => tr!(lang, "clusters unknown", "кластеры неизвестны"),
    };
    let phase = match report.phase {
        Phase::Pre => String::new(),
        other => tr!(lang, " ({other} phase)", " (фаза {other})", other = other),
    };
    let s = &report.summary;
    let mut excluded = String::new();
    if s.waived > 0 {
        excluded.push_str(&tr!(lang, ", {n} waived", ", допущено {n}", n = s.waived));
    }
    if s.excluded > 0 {
        excluded.push_str(&tr!(
            lang,
            ", {n} excluded",
            ", исключено {n}",
            n = s.excluded
        ));
    }
    tr!(
        lang,
        "acp-preflight: ACP {version} → {target}{phase}, {clusters}: {fail} fail, {warn} warn, \
         {error} error, {pass} pass{excluded}: {verdict}",
        "acp-preflight: ACP {version} → {target}{phase}, {clusters}: провалено {fail}, \
         предупреждений {warn}, ошибок {error}, пройдено {pass}{excluded}: {verdict}",
        version = version,
        target = report.target,
        phase = phase,
        clusters = clusters,
        fail = s.fail,
        warn = s.warn,
        error = s.error,
        pass = s.pass,
        excluded = excluded,
        verdict = verdict_word(report)
    )
}

/// The heading of a step of the upgrade plan: `Upgrade the global cluster global`, `Workload
/// wave 1 (3 clusters): a, b, c`, and whether it is held back or waits.
pub fn plan_heading(step: &Step, lang: Lang) -> String {
    let names = || {
        step.clusters
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if step.done {
        let which = match step.kind {
            StepKind::Standby => tr!(
                lang,
                "The standby global cluster",
                "Резервный глобальный кластер"
            ),
            _ => tr!(lang, "The global cluster", "Глобальный кластер"),
        };
        return if step.held_back {
            tr!(
                lang,
                "{which} {names}: upgraded, but not ready (see below)",
                "{which} {names}: обновлён, но не готов (см. ниже)",
                which = which,
                names = names()
            )
        } else {
            tr!(
                lang,
                "{which} {names}: upgraded",
                "{which} {names}: обновлён",
                which = which,
                names = names()
            )
        };
    }
    let mut text = match step.kind {
        StepKind::Standby => tr!(
            lang,
            "Upgrade the standby global cluster {names} (disaster recovery), before the primary",
            "Обновите резервный глобальный кластер {names} (аварийное восстановление) до основного",
            names = names()
        ),
        StepKind::Global => tr!(
            lang,
            "Upgrade the global cluster {names}",
            "Обновите глобальный кластер {names}",
            names = names()
        ),
        StepKind::WorkloadWave => {
            let count = step.clusters.len();
            let wave = step.wave.unwrap_or_default();
            match count {
                1 => tr!(
                    lang,
                    "Workload wave {wave} (1 cluster): {names}",
                    "Волна рабочих кластеров {wave} (кластеров: 1): {names}",
                    wave = wave,
                    names = names()
                ),
                _ => tr!(
                    lang,
                    "Workload wave {wave} ({count} clusters): {names}",
                    "Волна рабочих кластеров {wave} (кластеров: {count}): {names}",
                    wave = wave,
                    count = count,
                    names = names()
                ),
            }
        }
    };
    if step.held_back {
        text.push_str(&tr!(
            lang,
            ": HELD BACK (see below)",
            ": ОТЛОЖЕН (см. ниже)"
        ));
    }
    if step.waits_for_global {
        text.push_str(&match step.kind {
            StepKind::Global => tr!(
                lang,
                "; waits for the standby global (held back)",
                "; ждёт резервный глобальный кластер (отложен)"
            ),
            _ => tr!(
                lang,
                "; waits for the global side (held back)",
                "; ждёт глобальные кластеры (отложены)"
            ),
        });
    }
    text
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
