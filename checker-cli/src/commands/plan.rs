//! `acp-preflight plan`: run the checks as `check` does, then print the order of work (the
//! standby global, the global, waves of workload clusters) with the clusters held back, as a
//! list for people or as JSON (docs/plan-format.md), and exit as `check` would on what is held
//! back.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style as Ansi};
use checker_core::plan::{self, Note, PlanVerdict, Platform, Step, StepKind, UpgradePlan};
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
    if check::write_files(&report, &args.check)?.is_some() {
        return Err(Failure::Usage(
            "--output-file FORMAT=-: plan prints the plan on stdout; write the report to a file"
                .to_string(),
        ));
    }
    let platform = Platform::of(&report, &loaded.snapshot);
    let plan = plan::plan(&report, &platform, args.wave_size).map_err(Failure::Usage)?;
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
    let label = paint(
        &note.status.as_str().to_uppercase(),
        render::status_style(note.status),
        style,
    );
    let subject = note
        .subject
        .as_ref()
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    let not_evaluated = if note.status == Status::Error {
        "not evaluated: "
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "{indent}{label} {}{subject}: {not_evaluated}{}",
        note.rule, note.message
    );
}

/// The heading of a step.
fn heading(step: &Step) -> String {
    let names = || {
        step.clusters
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if step.done {
        let which = match step.kind {
            StepKind::Standby => "The standby global cluster",
            _ => "The global cluster",
        };
        return if step.held_back {
            format!("{which} {}: upgraded, but not ready (see below)", names())
        } else {
            format!("{which} {}: upgraded", names())
        };
    }
    let mut text = match step.kind {
        StepKind::Standby => format!(
            "Upgrade the standby global cluster {} (disaster recovery), before the primary",
            names()
        ),
        StepKind::Global => format!("Upgrade the global cluster {}", names()),
        StepKind::WorkloadWave => {
            let count = step.clusters.len();
            format!(
                "Workload wave {} ({count} cluster{}): {}",
                step.wave.unwrap_or_default(),
                if count == 1 { "" } else { "s" },
                names()
            )
        }
    };
    if step.held_back {
        text.push_str(": HELD BACK (see below)");
    }
    if step.waits_for_global {
        text.push_str(match step.kind {
            StepKind::Global => "; waits for the standby global (held back)",
            _ => "; waits for the global side (held back)",
        });
    }
    text
}

/// The plan as a numbered list of steps, then the held-back clusters and the verdict.
fn table(plan: &UpgradePlan, report: &Report, style: &Style) -> String {
    let bold = Ansi::new().bold();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        paint(
            &format!(
                "Upgrade plan to ACP {}{} ({}), from {} {}: workload clusters in waves of at most {}",
                report.target,
                match report.phase {
                    Phase::Pre => String::new(),
                    phase => format!(", --phase {phase}"),
                },
                report.pack.name,
                report.source.kind,
                report.source.location,
                plan.wave_size
            ),
            bold,
            style
        )
    );
    out.push('\n');
    for step in &plan.steps {
        let _ = writeln!(out, "{}. {}", step.number, heading(step));
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
                    "{indent}no check evaluated this cluster: check it on its own before \
                     upgrading it"
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
        let _ = writeln!(out, "No workload cluster is ready to upgrade.");
    }
    if !plan.held_back.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            paint(
                &format!("Held back ({})", plan.held_back.len()),
                bold,
                style
            )
        );
        for held in &plan.held_back {
            let role = match held.role.as_str() {
                "standby" => " (the standby global cluster)",
                "global" => " (the global cluster)",
                _ => "",
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
            "Already at ACP {}, so in no wave: {}",
            plan.target,
            plan.upgraded.join(", ")
        );
    }
    if !plan.not_checked.is_empty() {
        let _ = writeln!(
            out,
            "Not checked (--clusters selected others), so in no step: {}",
            plan.not_checked.join(", ")
        );
    }
    if !plan.excluded.is_empty() {
        let _ = writeln!(
            out,
            "Excluded by the operator, not evaluated: {}",
            plan.excluded.join(", ")
        );
    }
    let (word, colour, advice) = match plan.verdict {
        PlanVerdict::Ready => (
            "READY",
            AnsiColor::Green,
            "upgrade in this order, one step at a time",
        ),
        PlanVerdict::Blocked => (
            "BLOCKED",
            AnsiColor::Red,
            "fix the failed blockers of the held-back clusters (`acp-preflight check` says how), \
             then plan again",
        ),
        PlanVerdict::Incomplete => (
            "INCOMPLETE",
            AnsiColor::Magenta,
            "the held-back clusters have checks that could not be evaluated; give what they \
             need, then plan again",
        ),
    };
    let _ = writeln!(
        out,
        "Verdict: {}: {advice}",
        paint(word, bold.fg_color(Some(colour.into())), style)
    );
    out
}
