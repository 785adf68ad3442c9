//! `acp-preflight diff OLD NEW`: what changed between two runs, for support and for the next
//! window: results that need attention now and did not before, those fixed, those still to
//! fix, and the facts that changed. Each side is a JSON report (`check -o json`,
//! `--report-file`) or something `check --snapshot` reads (a snapshot file, a dump directory),
//! which is checked first with the bundled pack its installed version chooses.

use std::collections::BTreeMap;
use std::path::Path;

use checker_core::lang::Lang;
use checker_core::report::{Report, RuleResult, Status};
use checker_core::tr;
use clap::Parser;
use serde_json::{Value, json};

use crate::args::{Cli, Command, DiffArgs, DiffFormat};
use crate::exit::{Exit, Failure};
use crate::{print, render};

/// At most this many changed facts are listed; the count says how many there are.
const MAX_FACTS: usize = 200;

/// Runs `diff`.
pub fn run(args: &DiffArgs, lang: Lang) -> Result<Exit, Failure> {
    let old = side(&args.old, lang)?;
    let new = side(&args.new, lang)?;
    let diff = Diff::of(&old, &new);
    let text = match args.format {
        DiffFormat::Table => diff.text(&old, &new, false, lang),
        DiffFormat::Markdown => diff.text(&old, &new, true, lang),
        DiffFormat::Json => serde_json::to_string_pretty(&diff.json(&old, &new))
            .map(|j| format!("{j}\n"))
            .map_err(|e| Failure::Internal(format!("cannot serialise the diff: {e}")))?,
    };
    print(&text)?;
    // A blocker that fails now and did not before is a regression.
    let regressed = diff
        .new_problems
        .iter()
        .any(|(_, now)| now.status == Status::Fail);
    Ok(if regressed {
        Exit::NotReady
    } else {
        Exit::Ready
    })
}

/// One side: a JSON report as it is, or the report of checking a snapshot or dump directory.
fn side(path: &Path, lang: Lang) -> Result<Report, Failure> {
    let bad = |why: String| Failure::Usage(format!("{}: {why}", path.display()));
    if path.is_file() {
        let text =
            std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
        let value: Value = serde_json::from_str(&text).map_err(|e| {
            bad(format!(
                "not JSON (line {}, column {}): give a report (check -o json) or a snapshot",
                e.line(),
                e.column()
            ))
        })?;
        if value.get("results").is_some() && value.get("schema_version").is_some() {
            return serde_json::from_value(value).map_err(|e| {
                bad(format!(
                    "not a report of this version of acp-preflight: {e}"
                ))
            });
        }
    }
    // A snapshot or a dump directory: check it as `check --snapshot PATH` would.
    let cli = Cli::try_parse_from([
        "acp-preflight".as_ref(),
        "check".as_ref(),
        "--snapshot".as_ref(),
        path.as_os_str(),
    ])
    .map_err(|e| bad(e.to_string()))?;
    let Command::Check(check) = cli.command else {
        return Err(Failure::Internal("diff: not a check".to_string()));
    };
    super::check::evaluate(&check, lang).map(|(_, report)| report)
}

/// A result's key across runs: rule and subject.
type Key = (String, String);

/// The differences between two reports.
struct Diff<'a> {
    /// Needs attention now, did not before (or not in this way): (before, now).
    new_problems: Vec<(Option<&'a RuleResult>, &'a RuleResult)>,
    /// Needed attention before, does not now (`None`: no longer checked).
    fixed: Vec<(&'a RuleResult, Option<&'a RuleResult>)>,
    /// Needs attention in both, in the same way.
    still: Vec<&'a RuleResult>,
    /// Facts that changed: (path, before, now).
    facts: Vec<(String, Value, Value)>,
}

fn index(report: &Report) -> BTreeMap<Key, &RuleResult> {
    report
        .results
        .iter()
        .map(|r| ((r.rule.clone(), r.subject_text()), r))
        .collect()
}

impl<'a> Diff<'a> {
    fn of(old: &'a Report, new: &'a Report) -> Diff<'a> {
        let before = index(old);
        let now = index(new);
        let mut diff = Diff {
            new_problems: Vec::new(),
            fixed: Vec::new(),
            still: Vec::new(),
            facts: Vec::new(),
        };
        for r in new.results.iter().filter(|r| r.status.needs_attention()) {
            let was = before.get(&(r.rule.clone(), r.subject_text())).copied();
            match was {
                Some(was) if was.status == r.status => diff.still.push(r),
                _ => diff.new_problems.push((was, r)),
            }
        }
        for r in old.results.iter().filter(|r| r.status.needs_attention()) {
            let is = now.get(&(r.rule.clone(), r.subject_text())).copied();
            if is.is_none_or(|is| !is.status.needs_attention()) {
                diff.fixed.push((r, is));
            }
        }
        let old_facts = serde_json::to_value(&old.facts).unwrap_or(Value::Null);
        let new_facts = serde_json::to_value(&new.facts).unwrap_or(Value::Null);
        changed("facts", &old_facts, &new_facts, &mut diff.facts);
        diff
    }

    fn json(&self, old: &Report, new: &Report) -> Value {
        let result = |r: &RuleResult| json!({"rule": r.rule, "subject": r.subject_text(), "status": r.status.as_str(), "message": r.message});
        json!({
            "old": {"generated_at": old.generated_at, "target": old.target, "verdict": old.verdict.as_str(), "source": old.source.location},
            "new": {"generated_at": new.generated_at, "target": new.target, "verdict": new.verdict.as_str(), "source": new.source.location},
            "new_problems": self.new_problems.iter().map(|(was, now)| {
                let mut entry = result(now);
                entry["was"] = was.map_or(Value::Null, |w| Value::from(w.status.as_str()));
                entry
            }).collect::<Vec<_>>(),
            "fixed": self.fixed.iter().map(|(was, now)| {
                let mut entry = result(was);
                entry["now"] = now.map_or(Value::from("not checked"), |n| Value::from(n.status.as_str()));
                entry
            }).collect::<Vec<_>>(),
            "still_to_fix": self.still.iter().map(|r| result(r)).collect::<Vec<_>>(),
            "changed_facts": self.facts.iter().take(MAX_FACTS).map(|(path, before, now)| {
                json!({"path": path, "old": before, "new": now})
            }).collect::<Vec<_>>(),
            "changed_facts_total": self.facts.len(),
        })
    }

    /// The diff for people: plain text, or Markdown for a ticket.
    fn text(&self, old: &Report, new: &Report, markdown: bool, lang: Lang) -> String {
        let status = |status: Status| render::status_label(status, lang).to_lowercase();
        let not_checked = || tr!(lang, "not checked", "не проверялось");
        let heading = |title: String, n: usize| {
            if markdown {
                format!("\n### {title} ({n})\n\n")
            } else {
                format!("\n{title} ({n})\n")
            }
        };
        let item = |text: String| {
            if markdown {
                format!("- {}\n", text.replace(['\r', '\n'], " "))
            } else {
                format!("  {text}\n")
            }
        };
        let mut out = if markdown {
            "## acp-preflight diff\n\n".to_string()
        } else {
            String::new()
        };
        for (label, r) in [
            (tr!(lang, "Old", "Было"), old),
            (tr!(lang, "New", "Стало"), new),
        ] {
            out.push_str(&format!(
                "{label}: {} (ACP {}, {}), {}{}\n",
                r.source.location,
                r.target,
                r.generated_at,
                crate::render::verdict_word(r),
                if markdown { "  " } else { "" }
            ));
        }
        out.push_str(&heading(
            tr!(lang, "New problems", "Новые проблемы"),
            self.new_problems.len(),
        ));
        for (was, now) in &self.new_problems {
            let was = was.map_or_else(not_checked, |w| status(w.status));
            out.push_str(&item(tr!(
                lang,
                "{status} {rule} [{subject}] (was {was}): {message}",
                "{status} {rule} [{subject}] (было: {was}): {message}",
                status = render::status_label(now.status, lang),
                rule = now.rule,
                subject = now.subject_text(),
                was = was,
                message = now.message
            )));
        }
        out.push_str(&heading(tr!(lang, "Fixed", "Исправлено"), self.fixed.len()));
        for (was, now) in &self.fixed {
            let now = now.map_or_else(not_checked, |n| status(n.status));
            out.push_str(&item(tr!(
                lang,
                "{rule} [{subject}] (was {was}, now {now})",
                "{rule} [{subject}] (было: {was}, стало: {now})",
                rule = was.rule,
                subject = was.subject_text(),
                was = status(was.status),
                now = now
            )));
        }
        out.push_str(&heading(
            tr!(lang, "Still to fix", "Ещё исправить"),
            self.still.len(),
        ));
        for r in &self.still {
            out.push_str(&item(format!(
                "{} {} [{}]: {}",
                render::status_label(r.status, lang),
                r.rule,
                r.subject_text(),
                r.message
            )));
        }
        out.push_str(&heading(
            tr!(lang, "Changed facts", "Изменившиеся факты"),
            self.facts.len(),
        ));
        for (path, before, now) in self.facts.iter().take(MAX_FACTS) {
            out.push_str(&item(format!("{path}: {} → {}", brief(before), brief(now))));
        }
        if self.facts.len() > MAX_FACTS {
            out.push_str(&item(tr!(
                lang,
                "and {n} more (-o json lists the first {max} too)",
                "и ещё {n} (-o json тоже перечисляет первые {max})",
                n = self.facts.len() - MAX_FACTS,
                max = MAX_FACTS
            )));
        }
        out
    }
}

/// A fact value in a line: scalars as JSON, an object or list by its size (`-o json` has it
/// whole).
fn brief(value: &Value) -> String {
    match value {
        Value::Object(map) => format!("{{{} fields}}", map.len()),
        Value::Array(items) => format!("[{} items]", items.len()),
        other => other.to_string(),
    }
}

/// Collects the leaves that differ between two JSON values, as dotted paths; list elements with
/// a `name` are named by it (`facts.clusters.value.prod-1.kubernetes…`), others by index.
fn changed(path: &str, old: &Value, new: &Value, out: &mut Vec<(String, Value, Value)>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let (x, y) = (
                    a.get(key).unwrap_or(&Value::Null),
                    b.get(key).unwrap_or(&Value::Null),
                );
                changed(&format!("{path}.{key}"), x, y, out);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            let name = |v: &Value| v.get("name").and_then(Value::as_str).map(str::to_string);
            if a.iter().chain(b).all(|v| name(v).is_some()) {
                // Named elements compare as the fields of an object keyed by name.
                let by_name = |items: &[Value]| -> Value {
                    Value::Object(
                        items
                            .iter()
                            .filter_map(|v| Some((name(v)?, v.clone())))
                            .collect(),
                    )
                };
                changed(path, &by_name(a), &by_name(b), out);
            } else if a.len() == b.len() {
                for (i, (x, y)) in a.iter().zip(b).enumerate() {
                    changed(&format!("{path}[{i}]"), x, y, out);
                }
            } else {
                out.push((path.to_string(), old.clone(), new.clone()));
            }
        }
        (x, y) if x != y => out.push((path.to_string(), x.clone(), y.clone())),
        _ => {}
    }
}
