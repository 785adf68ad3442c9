//! Waivers (`--waivers FILE`): risks the operator accepts, each for one rule and some of its
//! subjects, with a reason, an owner and an expiry date (docs/waivers.md).
//!
//! A waived result is reported as `waived`, with the waiver, and counted; it never fails the
//! gate. A waiver past its expiry date waives nothing and is itself reported (`WaiverExpired`,
//! a warning); one that matches no result needing it is reported as stale (`WaiverStale`, an
//! info result), so that waivers do not outlive what they were for.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::diagnostics::{Diagnostic, PackError};
use super::{RulePack, Severity};
use crate::lang::Lang;
use crate::report::{RuleResult, Status};
use crate::tr;

/// The rule ID of the result reporting an expired waiver.
pub const EXPIRED: &str = "WaiverExpired";
/// The rule ID of the result reporting a waiver that matches nothing.
pub const STALE: &str = "WaiverStale";

/// A waivers file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaiversSpec {
    /// The waivers, tried in order: the first one in force that matches a result waives it.
    pub waivers: Vec<WaiverSpec>,
}

/// One waiver, as written.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaiverSpec {
    /// The ID of the rule whose results it waives.
    pub rule: String,
    /// The subjects it waives, as the report names them (`prod-1`, `192.168.130.11:/cpaas/minio`,
    /// `platform`); `*` matches any text. Every subject of the rule when left out.
    #[serde(default)]
    pub subject: Option<String>,
    /// Why the risk is accepted.
    pub reason: String,
    /// Who accepted it.
    pub owner: String,
    /// The last day it waives, `YYYY-MM-DD` (UTC).
    pub expires: String,
}

/// A loaded waiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    /// Rule ID.
    pub rule: String,
    /// Subject pattern; `None` for every subject.
    pub subject: Option<String>,
    /// Why.
    pub reason: String,
    /// Who.
    pub owner: String,
    /// The last day it waives.
    pub expires: jiff::civil::Date,
    /// Where it is written: `file:line`.
    pub at: String,
}

/// What a waived result records of its waiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WaiverNote {
    /// The status the result had before it was waived.
    pub status: Status,
    /// Why the risk is accepted.
    pub reason: String,
    /// Who accepted it.
    pub owner: String,
    /// The last day the waiver holds.
    pub expires: String,
    /// Where the waiver is written: `file:line`.
    pub at: String,
}

impl Waiver {
    /// Whether it names this result's rule and subject.
    fn matches(&self, result: &RuleResult) -> bool {
        result.rule == self.rule
            && self
                .subject
                .as_deref()
                .is_none_or(|pattern| glob(pattern, &result.subject_text()))
    }

    /// What it covers, in words: `MinioDiskSpace on cp-1:*`.
    fn what(&self, lang: Lang) -> String {
        match &self.subject {
            Some(subject) => tr!(
                lang,
                "{rule} on {subject}",
                "{rule} для {subject}",
                rule = self.rule,
                subject = subject
            ),
            None => tr!(
                lang,
                "{rule} (every subject)",
                "{rule} (все объекты)",
                rule = self.rule
            ),
        }
    }
}

/// Whether `text` matches `pattern`, where `*` stands for any text.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        // No `*`: the text itself.
        return pattern == text;
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Loads a waivers file for a pack: every problem (YAML, a missing or unknown field, an empty
/// reason or owner, a date that is not `YYYY-MM-DD`, a rule the pack does not have) with its
/// line and field.
pub fn load(file: &str, text: &str, pack: &RulePack) -> Result<Vec<Waiver>, PackError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let fail = |diagnostics| PackError {
        file: file.to_string(),
        diagnostics,
        sources: BTreeMap::from([(file.to_string(), text.to_string())]),
    };
    let (spec, node) = super::load::parse_checked::<WaiversSpec>(file, text).map_err(fail)?;
    let known: Vec<&str> = pack.rules.iter().map(|r| r.id.as_str()).collect();
    let mut problems = Vec::new();
    let mut waivers = Vec::new();
    for (i, w) in spec.waivers.iter().enumerate() {
        let field = |name: &str| format!("waivers[{i}].{name}");
        let problem = |name: &str, message: String| {
            let path = field(name);
            Diagnostic::new(file, &path, Some(node.position_of(&path)), message)
        };
        if !known.contains(&w.rule.as_str()) {
            let hint = super::suggest(&w.rule, &known)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            problems.push(problem(
                "rule",
                format!("no rule `{}` in pack {}{hint}", w.rule, pack.name),
            ));
        }
        for (name, value) in [("reason", &w.reason), ("owner", &w.owner)] {
            if value.trim().is_empty() {
                problems.push(problem(
                    name,
                    format!("a waiver needs its {name}: it must not be empty"),
                ));
            }
        }
        if w.subject.as_deref().is_some_and(|s| s.trim().is_empty()) {
            problems.push(problem(
                "subject",
                "an empty subject matches nothing: leave it out to waive every subject, or \
                 name one (`prod-1`, `platform`, `*`)"
                    .to_string(),
            ));
        }
        let expires = match w.expires.trim().parse::<jiff::civil::Date>() {
            Ok(date) if w.expires.trim().len() == 10 => Some(date),
            _ => {
                problems.push(problem(
                    "expires",
                    format!(
                        "`{}` is not a date: write the last day the waiver holds as YYYY-MM-DD",
                        w.expires
                    ),
                ));
                None
            }
        };
        if let Some(expires) = expires {
            waivers.push(Waiver {
                rule: w.rule.clone(),
                subject: w.subject.clone(),
                reason: w.reason.trim().to_string(),
                owner: w.owner.trim().to_string(),
                expires,
                at: format!("{file}:{}", node.position_of(&format!("waivers[{i}]")).line),
            });
        }
    }
    if problems.is_empty() {
        Ok(waivers)
    } else {
        Err(fail(problems))
    }
}

/// Waives the results the waivers in force on `today` match (the first matching one each), and
/// adds a result for each expired waiver and each waiver that matched nothing. Only results that
/// need attention (`fail`, `warn`, `info`, `error`) are waived.
/// Their texts are in `lang`.
pub fn apply(
    results: &mut Vec<RuleResult>,
    waivers: &[Waiver],
    today: jiff::civil::Date,
    lang: Lang,
) {
    let mut used = vec![0usize; waivers.len()];
    let mut expired_hits = vec![0usize; waivers.len()];
    for result in results.iter_mut() {
        if !result.status.needs_attention() {
            continue;
        }
        for (i, waiver) in waivers.iter().enumerate() {
            if !waiver.matches(result) {
                continue;
            }
            if waiver.expires < today {
                expired_hits[i] += 1;
                continue;
            }
            used[i] += 1;
            result.waiver = Some(WaiverNote {
                status: result.status,
                reason: waiver.reason.clone(),
                owner: waiver.owner.clone(),
                expires: waiver.expires.to_string(),
                at: waiver.at.clone(),
            });
            result.status = Status::Waived;
            break;
        }
    }
    for (i, waiver) in waivers.iter().enumerate() {
        if waiver.expires < today {
            results.push(finding(
                EXPIRED,
                waiver,
                Status::Warn,
                tr!(
                    lang,
                    "the waiver of {what} (owner {owner}) expired on {expires}: it no longer \
                     waives, and {hits} result(s) it would match are reported as they are",
                    "исключение {what} (владелец {owner}) истекло {expires}: оно больше не \
                     действует, и подпадающие под него результаты (их {hits}) показаны как есть",
                    what = waiver.what(lang),
                    owner = waiver.owner,
                    expires = waiver.expires,
                    hits = expired_hits[i]
                ),
                tr!(
                    lang,
                    "Fix what it waived, or renew the waiver with a new expiry date and a current \
                     reason.",
                    "Исправьте то, что оно допускало, или продлите исключение: новая дата \
                     окончания и актуальная причина."
                ),
                lang,
            ));
        } else if used[i] == 0 {
            results.push(finding(
                STALE,
                waiver,
                Status::Info,
                tr!(
                    lang,
                    "the waiver of {what} (owner {owner}) matches no result that needs it: the \
                     rule passes there, does not apply, or no such subject was checked",
                    "исключение {what} (владелец {owner}) не подходит ни к одному результату, \
                     которому оно нужно: правило там пройдено, не применяется или такой объект \
                     не проверялся",
                    what = waiver.what(lang),
                    owner = waiver.owner
                ),
                tr!(
                    lang,
                    "Remove the waiver, or correct its rule or subject.",
                    "Удалите исключение или исправьте в нём правило или объект."
                ),
                lang,
            ));
        }
    }
}

/// The result reporting a waiver.
fn finding(
    rule: &str,
    waiver: &Waiver,
    status: Status,
    message: String,
    remediation: String,
    lang: Lang,
) -> RuleResult {
    let (title, severity, expected) = if rule == EXPIRED {
        (
            tr!(lang, "Every waiver is in force", "Все исключения действуют"),
            Severity::Warning,
            tr!(lang, "an expiry date not yet passed", "срок ещё не истёк"),
        )
    } else {
        (
            tr!(
                lang,
                "Every waiver matches a result",
                "Каждое исключение относится к результату"
            ),
            Severity::Info,
            tr!(
                lang,
                "a result it waives",
                "результат, который оно допускает"
            ),
        )
    };
    RuleResult {
        rule: rule.to_string(),
        title,
        severity,
        step: None,
        status,
        subject: BTreeMap::from([("waiver".to_string(), waiver.at.clone())]),
        observed: serde_json::json!({"rule": waiver.rule, "subject": waiver.subject, "expires": waiver.expires.to_string()}),
        expected,
        message,
        remediation,
        docs: "docs/waivers.md".to_string(),
        waiver: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        // (pattern, text, matches)
        let cases = [
            ("prod-1", "prod-1", true),
            ("prod-1", "prod-10", false),
            ("prod-*", "prod-10", true),
            ("*", "anything", true),
            ("*:/cpaas/minio", "10.0.0.1:/cpaas/minio", true),
            ("*:/cpaas/minio", "10.0.0.1:/root", false),
            ("a*b*c", "abc", true),
            ("a*b*c", "acb", false),
            ("ab*ba", "aba", false),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(glob(pattern, text), expected, "{pattern} {text}");
        }
    }
}
