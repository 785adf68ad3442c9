//! `acp-preflight rules list | explain | lint | docs`.

use checker_core::rules::{self, Rule, RulePack};
use comfy_table::{ContentArrangement, Table, presets};
use serde_json::json;

use crate::args::{Format, RulesCommand};
use crate::check::load_pack;
use crate::{Exit, Failure, print};

/// Runs a `rules` subcommand.
pub fn run(command: RulesCommand) -> Result<Exit, Failure> {
    match command {
        RulesCommand::List { target, format } => {
            let pack = load_pack(None, &target)?;
            match format {
                Format::Json => {
                    let rules: Vec<_> = pack
                        .rules
                        .iter()
                        .map(|r| {
                            json!({"id": r.id, "title": r.title, "severity": r.severity, "scope": r.scope, "docs": r.docs})
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
                Format::Table => print(&list_table(&pack))?,
            }
            Ok(Exit::Ready)
        }
        RulesCommand::Explain { id, target } => {
            let pack = load_pack(None, &target)?;
            let rule = pack.rule(&id).ok_or_else(|| {
                let ids: Vec<&str> = pack.rules.iter().map(|r| r.id.as_str()).collect();
                Failure::Usage(format!(
                    "unknown rule ID `{id}` in pack {}; rules: {}",
                    pack.name,
                    ids.join(", ")
                ))
            })?;
            print(&explain(rule))?;
            Ok(Exit::Ready)
        }
        RulesCommand::Lint { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", file.display())))?;
            match rules::load(&file.display().to_string(), &text) {
                Ok(pack) => {
                    print(&format!(
                        "{}: ok, pack {} (target {}), {} rules\n",
                        file.display(),
                        pack.name,
                        pack.target,
                        pack.rules.len()
                    ))?;
                    Ok(Exit::Ready)
                }
                Err(error) => Err(Failure::Usage(format!(
                    "{} problem(s) in {}:\n{}",
                    error.diagnostics.len(),
                    file.display(),
                    error.render()
                ))),
            }
        }
        RulesCommand::Docs { target } => {
            print(&docs(&load_pack(None, &target)?))?;
            Ok(Exit::Ready)
        }
    }
}

fn list_table(pack: &RulePack) -> String {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .force_no_tty()
        .set_header(vec!["ID", "Severity", "Scope", "Title"]);
    for rule in &pack.rules {
        table.add_row(vec![
            rule.id.clone(),
            rule.severity.to_string(),
            rule.scope.to_string(),
            rule.title.clone(),
        ]);
    }
    format!(
        "{} ({}, target {})\n{table}\n",
        pack.title, pack.name, pack.target
    )
}

/// A rule's expressions with their labels, in evaluation order.
fn expressions(rule: &Rule) -> Vec<(String, &str)> {
    let mut list = vec![
        ("Applies to (where)".to_string(), rule.filter.as_ref()),
        ("Applies when".to_string(), rule.when.as_ref()),
    ];
    list.extend(
        rule.bindings
            .iter()
            .map(|(name, value)| (format!("Let `{name}`"), Some(value))),
    );
    list.push(("Passes when".to_string(), Some(&rule.require)));
    list.push(("Observed".to_string(), rule.observed.as_ref()));
    list.into_iter()
        .filter_map(|(label, expr)| expr.map(|e| (label, e.source.as_str())))
        .collect()
}

fn explain(rule: &Rule) -> String {
    let mut out = format!(
        "{} ({}, {} scope)\n{}\n\nRequirement\n  {}\n",
        rule.id, rule.severity, rule.scope, rule.title, rule.requirement
    );
    for (label, source) in expressions(rule) {
        out.push_str(&format!("\n{label}\n  {}\n", source.trim()));
    }
    out.push_str(&format!("\nExpected\n  {}\n", rule.expected.source()));
    out.push_str(&format!("\nHow to fix\n  {}\n", rule.remediation));
    if let Some(notes) = &rule.notes {
        out.push_str(&format!("\nNotes\n  {notes}\n"));
    }
    out.push_str(&format!("\nDocs\n  {}\n", rule.docs));
    out
}

/// The Markdown reference of a pack, generated from the rules themselves.
pub fn docs(pack: &RulePack) -> String {
    let mut out = format!(
        "# {} (`{}`)\n\nGenerated by `acp-preflight rules docs --target {}` from `{}`; do not edit.\n\nGuide: {}\n\n",
        pack.title, pack.name, pack.target, pack.origin, pack.docs
    );
    out.push_str("| ID | Severity | Scope | Title |\n|---|---|---|---|\n");
    for rule in &pack.rules {
        out.push_str(&format!(
            "| [`{}`](#{}) | {} | {} | {} |\n",
            rule.id,
            rule.id.to_lowercase(),
            rule.severity,
            rule.scope,
            rule.title
        ));
    }
    for rule in &pack.rules {
        out.push_str(&format!(
            "\n## {}\n\n{}\n\n*{}, {} scope.*\n\n**Requirement.** {}\n",
            rule.id, rule.title, rule.severity, rule.scope, rule.requirement
        ));
        for (label, source) in expressions(rule) {
            out.push_str(&format!(
                "\n**{label}**\n\n```cel\n{}\n```\n",
                source.trim()
            ));
        }
        out.push_str(&format!(
            "\n**Expected.** {}\n\n**How to fix.** {}\n",
            rule.expected.source(),
            rule.remediation
        ));
        if let Some(notes) = &rule.notes {
            out.push_str(&format!("\n**Notes.** {notes}\n"));
        }
        out.push_str(&format!("\n**Docs.** <{}>\n", rule.docs));
    }
    out.push_str(&facts_reference());
    out
}

/// The facts rules can read, generated from the fact model.
fn facts_reference() -> String {
    let mut out = String::from(
        "\n## Facts rules can read\n\nEvery scope sees `target`, `platform`, `host`, `clusters`, `upgrade` \
         and `params` (the rule's parameters); cluster rules also see `cluster`, host-path rules `path`. \
         `[]` marks the elements of a list; a fact that could not be established is null, and a rule \
         reading it is `error`. Functions beyond standard CEL: `versionAtLeast(version, minimum)`, \
         `majorMinor(version)`, `gib(n)`, `formatBytes(bytes)`, `formatSize(bytes)`.\n\n\
         | Path | Type | Meaning |\n|---|---|---|\n",
    );
    for fact in rules::variables::fact_paths() {
        out.push_str(&format!(
            "| `{}` | {}{} | {} |\n",
            fact.path,
            fact.kind.as_str(),
            if fact.nullable { " or null" } else { "" },
            fact.description.replace('|', "\\|")
        ));
    }
    out
}
