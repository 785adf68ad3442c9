//! `acp-preflight rules list | explain | lint | diff | docs`: the rules of a pack, as data.

use checker_core::lang::Lang;
use checker_core::rules::{self, Linted, Phase, Rule, RulePack};
use comfy_table::{ContentArrangement, Table, presets};
use serde_json::json;

use crate::args::{LintFormat, ListFormat, RulesCommand};
use crate::exit::{Exit, Failure};
use crate::inputs::{PackSource, load_pack};
use crate::print;

fn bundled(target: &str) -> Result<RulePack, Failure> {
    load_pack(&PackSource::Bundled(target.to_string()))
}

/// Runs a `rules` subcommand.
pub fn run(command: &RulesCommand, lang: Lang) -> Result<Exit, Failure> {
    match command {
        RulesCommand::List { target, format } => {
            let pack = bundled(target)?;
            match format {
                ListFormat::Json => {
                    let rules: Vec<_> = pack
                        .all_rules()
                        .into_iter()
                        .map(|(r, phases)| {
                            json!({"id": r.id, "title": r.title.get(lang), "severity": r.severity, "scope": r.scope, "phases": phases, "docs": r.docs})
                        })
                        .collect();
                    print(&format!(
                        "{}\n",
                        serde_json::to_string_pretty(
                            &json!({"pack": pack.name, "target": pack.target, "rules": rules})
                        )
                        .map_err(|e| Failure::Internal(e.to_string()))?
                    ))?;
                }
                ListFormat::Table => print(&list_table(&pack, lang))?,
            }
            Ok(Exit::Ready)
        }
        RulesCommand::Explain { id, target } => {
            let pack = bundled(target)?;
            let all = pack.all_rules();
            let rule = all.iter().find(|(r, _)| r.id == *id).ok_or_else(|| {
                let ids: Vec<&str> = all.iter().map(|(r, _)| r.id.as_str()).collect();
                Failure::Usage(format!(
                    "unknown rule ID `{id}` in pack {}; rules: {}",
                    pack.name,
                    ids.join(", ")
                ))
            })?;
            print(&explain(rule.0, &rule.1, lang))?;
            Ok(Exit::Ready)
        }
        RulesCommand::Lint { file, format } => lint(file, *format),
        RulesCommand::Diff { from, to, format } => {
            let diff = rules::diff::diff(&bundled(from)?, &bundled(to)?);
            match format {
                ListFormat::Json => print(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&diff)
                        .map_err(|e| Failure::Internal(e.to_string()))?
                ))?,
                ListFormat::Table => print(&diff_text(&diff))?,
            }
            Ok(Exit::Ready)
        }
        RulesCommand::Docs { target } => {
            print(&rules::docs::markdown(&bundled(target)?))?;
            Ok(Exit::Ready)
        }
    }
}

/// `rules lint FILE`: every problem of a pack or rule file, with excerpts (or as JSON).
fn lint(file: &std::path::Path, format: LintFormat) -> Result<Exit, Failure> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", file.display())))?;
    let name = file.display().to_string();
    let outcome = rules::load_file(&name, &text);
    if format == LintFormat::Json {
        let diagnostics = match &outcome {
            Ok(_) => Vec::new(),
            Err(error) => error.diagnostics.clone(),
        };
        let json = json!({"file": name, "ok": outcome.is_ok(), "diagnostics": diagnostics});
        print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&json).map_err(|e| Failure::Internal(e.to_string()))?
        ))?;
        return Ok(if outcome.is_ok() {
            Exit::Ready
        } else {
            Exit::Usage
        });
    }
    match outcome {
        Ok(Linted::Pack(pack)) => {
            let phases: Vec<String> = pack
                .phases
                .iter()
                .map(|(phase, rules)| format!("{} {phase}", rules.len()))
                .collect();
            print(&format!(
                "{name}: ok, pack {} (target {}), {} rules ({})\n",
                pack.name,
                pack.target,
                pack.all_rules().len(),
                phases.join(", ")
            ))?;
            Ok(Exit::Ready)
        }
        Ok(Linted::Rule { id, packs }) => {
            let used = if packs.is_empty() {
                "no bundled pack includes it".to_string()
            } else {
                format!("checked in {}", packs.join(", "))
            };
            print(&format!("{name}: ok, rule {id} ({used})\n"))?;
            Ok(Exit::Ready)
        }
        Err(error) => Err(Failure::Usage(format!(
            "{} problem(s) in {name}:\n\n{}",
            error.diagnostics.len(),
            error.render_snippets(false).trim_end()
        ))),
    }
}

fn list_table(pack: &RulePack, lang: Lang) -> String {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .force_no_tty()
        .set_header(vec!["ID", "Severity", "Scope", "Phases", "Title"]);
    for (rule, phases) in pack.all_rules() {
        table.add_row(vec![
            rule.id.clone(),
            rule.severity.to_string(),
            rule.scope.to_string(),
            phase_list(&phases),
            rule.title.get(lang).clone(),
        ]);
    }
    format!(
        "{} ({}, target {})\n{table}\n",
        pack.title, pack.name, pack.target
    )
}

/// `pre, post`.
fn phase_list(phases: &[Phase]) -> String {
    phases
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn explain(rule: &Rule, phases: &[Phase], lang: Lang) -> String {
    let mut out = format!(
        "{} ({}, {} scope; --phase {})\n{}\n\nRequirement\n  {}\n",
        rule.id,
        rule.severity,
        rule.scope,
        phase_list(phases),
        rule.title.get(lang),
        rule.requirement
    );
    if let Some(step) = &rule.step {
        out.push_str(&format!("\nStep\n  {}\n", step.get(lang)));
    }
    if !rule.requires.is_empty() {
        out.push_str(&format!(
            "\nRequires (checked only when they pass)\n  {}\n",
            rule.requires.join(", ")
        ));
    }
    for (name, param) in &rule.params {
        out.push_str(&format!("\nParameter `params.{name}`\n  {param}\n"));
    }
    for (label, source) in rules::docs::expressions(rule) {
        out.push_str(&format!("\n{label}\n  {}\n", source.trim()));
    }
    out.push_str(&format!("\nExpected\n  {}\n", rule.expected.source()));
    out.push_str(&format!("\nHow to fix\n  {}\n", rule.remediation.get(lang)));
    if let Some(notes) = &rule.notes {
        out.push_str(&format!("\nNotes\n  {notes}\n"));
    }
    out.push_str(&format!("\nDocs\n  {}\n", rule.docs));
    out
}

/// `rules diff` for people: one section per kind of change, `-` for what the first target has
/// only, `+` for the second's.
fn diff_text(diff: &rules::diff::PackDiff) -> String {
    let mut out = format!("Rule packs: ACP {} -> ACP {}\n", diff.from, diff.to);
    if diff.is_empty() {
        out.push_str("\nNo difference.\n");
        return out;
    }
    let change = |indent: &str, c: &rules::diff::Change| {
        let value = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".to_string());
        format!(
            "{indent}{}: {} -> {}\n",
            c.what,
            value(&c.before),
            value(&c.after)
        )
    };
    let rule = |sign: char, r: &rules::diff::RuleSummary| {
        format!("  {sign} {} ({}): {}\n", r.id, r.severity, r.title)
    };
    if !diff.paths_added.is_empty() || !diff.paths_removed.is_empty() {
        out.push_str("\nUpgrade paths\n");
        for from in &diff.paths_removed {
            out.push_str(&format!("  - from {from}\n"));
        }
        for from in &diff.paths_added {
            out.push_str(&format!("  + from {from}\n"));
        }
    }
    if !diff.thresholds.is_empty() {
        out.push_str("\nThresholds of the upgrade paths both have\n");
        for c in &diff.thresholds {
            out.push_str(&change("  ", c));
        }
    }
    if !diff.rules_removed.is_empty() || !diff.rules_added.is_empty() {
        out.push_str("\nRules\n");
        for r in &diff.rules_removed {
            out.push_str(&rule('-', r));
        }
        for r in &diff.rules_added {
            out.push_str(&rule('+', r));
        }
    }
    if !diff.rules_changed.is_empty() {
        out.push_str("\nRules both check, changed\n");
        for r in &diff.rules_changed {
            out.push_str(&format!("  {}\n", r.id));
            for c in &r.changes {
                out.push_str(&change("    ", c));
            }
        }
    }
    out
}
