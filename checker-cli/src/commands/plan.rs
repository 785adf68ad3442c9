//! `acp-preflight plan`: run the checks as `check` does, then print the order of work (the
//! standby global, the global, waves of workload clusters) with the clusters held back, as a
//! list for people or as JSON (docs/plan-format.md), and exit as `check` would on what is held
//! back.

use checker_core::tr;
use std::fmt::Write as _;

use anstyle::{AnsiColor, Style as Ansi};
use checker_core::plan::{self, Note, PlanVerdict, Platform, StepKind, UpgradePlan};
use checker_core::report::{Report, Status};
use checker_core::rules::Phase;

use crate::args::{FailOn, PlanArgs};
use crate::commands::check;
use crate::exit::{Exit, Failure};
use crate::print;
use crate::render::{self, Format, Style};

/// Runs `plan`.
pub fn run(args: &PlanArgs, style: &Style) -> Result<Exit, Failure> {
    let (loaded, report) = check::evaluate(&args.check, style.lang)?;
    let platform = Platform::of(&report, &loaded.snapshot);
    let plan = plan::plan(&report, &platform, args.wave_size).map_err(Failure::Usage)?;
    if check::write_files(&report, &args.check, Some(&plan))?.is_some() {
        return Err(Failure::Usage(
            "--output-file FORMAT=-: plan prints the plan on stdout; write the report to a file"
                .to_string(),
        ));
    }
    let text = match args.check.format.unwrap_or(Format::Table) {
        Format::Table => table(&plan, &report, style),
        Format::Json => serde_json::to_string_pretty(&plan)
            .map(|json| format!("{json}\n"))
            .map_err(|e| Failure::Internal(format!("cannot serialise the plan: {e}")))?,
        other => {
            return Err(Failure::Usage(format!(
                "-o {}: plan prints the plan as `table` or `json`; the report's formats are \
                 for --output-file",
                other.name()
            )));
        }
    };
    print(&text)?;
    Ok(exit(&plan, &report, args.check.fail_on))
}

/// The exit code: a failed blocker holds something back (3, unless `--fail-on never`), else
/// checks not evaluated do (5); with nothing held back, the report's warnings or info results
/// under the gate policy (4), else ready (0).
fn exit(plan: &UpgradePlan, report: &Report, fail_on: FailOn) -> Exit {
    match plan.verdict {
        PlanVerdict::Blocked if fail_on.fails(Status::Fail) => Exit::NotReady,
        PlanVerdict::Incomplete => Exit::Incomplete,
        PlanVerdict::Blocked | PlanVerdict::Ready => match Exit::of(report, fail_on) {
            exit @ (Exit::Warnings | Exit::Incomplete) => exit,
            _ => Exit::Ready,
        },
    }
}

/// `text` in `ansi` when colour is on.
fn paint(text: &str, ansi: Ansi, style: &Style) -> String {
    if style.color {
        format!("{ansi}{text}{ansi:#}")
    } else {
        text.to_string()
    }
}

/// One note as a line: `WARN Rule (subject): message`, indented.
fn note_line(out: &mut String, indent: &str, note: &Note, style: &Style) {
    let lang = style.lang;
    let label = paint(
        render::status_label(note.status, lang),
        render::status_style(note.status),
        style,
    );
    let subject = note
        .subject
        .as_ref()
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    let not_evaluated = if note.status == Status::Error {
        tr!(lang, "not evaluated: ", "не проверено: ")
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{indent}{label} {}{subject}: {not_evaluated}{}",
        note.rule, note.message
    );
}

/// The plan as a numbered list of steps, then the held-back clusters and the verdict.
fn table(plan: &UpgradePlan, report: &Report, style: &Style) -> String {
    let lang = style.lang;
    let bold = Ansi::new().bold();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        paint(
            &tr!(
                lang,
                "Upgrade plan to ACP {target}{phase} ({pack}), from {kind} {location}: workload clusters in waves of at most {size}",
                "План обновления до ACP {target}{phase} ({pack}), источник: {kind} {location}: рабочие кластеры волнами не более чем по {size}",
                target = report.target,
                phase = match report.phase {
                    Phase::Pre => String::new(),
                    phase => format!(", --phase {phase}"),
                },
                pack = report.pack.name,
                kind = report.source.kind,
                location = report.source.location,
                size = plan.wave_size
            ),
            bold,
            style
        )
    );
    out.push('\n');
    for step in &plan.steps {
        let _ = writeln!(out, "{}. {}", step.number, render::plan_heading(step, lang));
        let wave = step.kind == StepKind::WorkloadWave;
        for cluster in &step.clusters {
            let indent = if wave {
                let _ = writeln!(out, "   - {}", cluster.name);
                "       "
            } else {
                "     "
            };
            if !cluster.checked {
                let _ = writeln!(
                    out,
                    "{indent}{}",
                    tr!(
                        lang,
                        "no check evaluated this cluster: check it on its own before upgrading it",
                        "ни одна проверка не оценила этот кластер: проверьте его отдельно перед \
                         обновлением"
                    )
                );
            }
            for note in &cluster.advisories {
                note_line(&mut out, indent, note, style);
            }
        }
    }
    let held_workloads = plan
        .held_back
        .iter()
        .filter(|h| h.role == "workload")
        .count();
    if held_workloads > 0 && !plan.steps.iter().any(|s| s.kind == StepKind::WorkloadWave) {
        let _ = writeln!(
            out,
            "{}",
            tr!(
                lang,
                "No workload cluster is ready to upgrade.",
                "Ни один рабочий кластер не готов к обновлению."
            )
        );
    }
    if !plan.held_back.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            paint(
                &tr!(
                    lang,
                    "Held back ({n})",
                    "Отложены ({n})",
                    n = plan.held_back.len()
                ),
                bold,
                style
            )
        );
        for held in &plan.held_back {
            let role = match held.role.as_str() {
                "standby" => tr!(
                    lang,
                    " (the standby global cluster)",
                    " (резервный глобальный кластер)"
                ),
                "global" => tr!(lang, " (the global cluster)", " (глобальный кластер)"),
                _ => String::new(),
            };
            let _ = writeln!(out, "- {}{role}", held.cluster);
            for reason in &held.reasons {
                note_line(&mut out, "    ", reason, style);
            }
        }
    }
    out.push('\n');
    if !plan.upgraded.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            tr!(
                lang,
                "Already at ACP {target}, so in no wave: {names}",
                "Уже на ACP {target}, поэтому ни в одной волне: {names}",
                target = plan.target,
                names = plan.upgraded.join(", ")
            )
        );
    }
    if !plan.not_checked.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            tr!(
                lang,
                "Not checked (--clusters selected others), so in no step: {names}",
                "Не проверены (--clusters выбрал другие), поэтому ни в одном шаге: {names}",
                names = plan.not_checked.join(", ")
            )
        );
    }
    if !plan.excluded.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            tr!(
                lang,
                "Excluded by the operator, not evaluated: {names}",
                "Исключены оператором, не проверялись: {names}",
                names = plan.excluded.join(", ")
            )
        );
    }
    let (word, colour, advice) = match plan.verdict {
        PlanVerdict::Ready => (
            tr!(lang, "READY", "ГОТОВО"),
            AnsiColor::Green,
            tr!(
                lang,
                "upgrade in this order, one step at a time",
                "обновляйте в этом порядке, по одному шагу"
            ),
        ),
        PlanVerdict::Blocked => (
            tr!(lang, "BLOCKED", "ЗАБЛОКИРОВАНО"),
            AnsiColor::Red,
            tr!(
                lang,
                "fix the failed blockers of the held-back clusters (`acp-preflight check` says \
                 how), then plan again",
                "исправьте проваленные блокирующие проверки отложенных кластеров (как — \
                 говорит `acp-preflight check`) и составьте план снова"
            ),
        ),
        PlanVerdict::Incomplete => (
            tr!(lang, "INCOMPLETE", "НЕ ЗАВЕРШЕНО"),
            AnsiColor::Magenta,
            tr!(
                lang,
                "the held-back clusters have checks that could not be evaluated; give what they \
                 need, then plan again",
                "у отложенных кластеров есть проверки, которые не удалось выполнить; дайте им \
                 нужное и составьте план снова"
            ),
        ),
    };
    let _ = writeln!(
        out,
        "{}",
        tr!(
            lang,
            "Verdict: {word}: {advice}",
            "Вердикт: {word}: {advice}",
            word = paint(&word, bold.fg_color(Some(colour.into())), style),
            advice = advice
        )
    );
    out
}
