//! The rule engine: a pure function from a [`RulePack`] and [`Facts`] to results.
//!
//! No IO, no clock: each rule is evaluated once per subject of its scope, in pack order. A rule
//! that reads a fact which could not be established gives an `error` result naming the cause; a
//! CEL evaluation error (an unparsable version, a missing value) gives an `error` too. Nothing is
//! ever `pass` for lack of data. A rule whose `requires` did not pass is `skipped` (the required
//! rule failed or does not apply) or `error` (it could not be evaluated). An `info` rule that
//! does not hold reports `info`, which never counts as a failure.

mod bindings;

use std::collections::BTreeMap;

use cel::{Context, Value};
use serde_json::Value as Json;

use crate::cel::values::{display, to_cel, to_json};
use crate::facts::Facts;
use crate::lang::Lang;
use crate::report::{RuleResult, Status};
use crate::rules::{Expr, Rule, RulePack, Scope, Severity, Template, TemplatePart, Text};
use crate::tr;

use bindings::{Bindings, Subject};

/// Evaluates every rule of the pack; results are in rule order, then subject order.
pub fn evaluate(pack: &RulePack, facts: &Facts) -> Vec<RuleResult> {
    evaluate_selected(pack, facts, &Options::default())
}

/// Rules the operator excluded, with the reason (`--skip`, `--skip-host`).
pub type Exclusions = BTreeMap<String, String>;

/// What the operator chose for a run, beyond the pack and its phase.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Rules excluded, with the reason.
    pub excluded: Exclusions,
    /// The ACP version the upgrade started from (`--from`, or the platform version of a
    /// `--baseline` report): it selects the upgrade path in the phases after `pre`, where the
    /// installed version is already the target's.
    pub from: Option<String>,
    /// The waivers (`--waivers`), applied to the results ([`crate::rules::waivers::apply`]).
    pub waivers: Vec<crate::rules::waivers::Waiver>,
    /// The language of the results' texts.
    pub lang: Lang,
}

/// Like [`evaluate`], with the operator's options: each excluded rule gives one `excluded`
/// result naming the reason, and so does every rule that requires an excluded one.
pub fn evaluate_selected(pack: &RulePack, facts: &Facts, options: &Options) -> Vec<RuleResult> {
    let excluded = &options.excluded;
    let lang = options.lang;
    let used = bindings::Used::by(pack);
    let global = bindings::global(pack, facts, &used, options.from.as_deref(), lang);
    // Subjects depend only on the scope: build each scope's once, not once per rule.
    let mut by_scope: BTreeMap<Scope, Result<Vec<Subject>, String>> = BTreeMap::new();
    let mut results: Vec<RuleResult> = Vec::new();
    for rule in &pack.rules {
        let subjects = by_scope
            .entry(rule.scope)
            .or_insert_with(|| bindings::subjects(rule.scope, facts, &global, &used));
        let make = |subject: BTreeMap<String, String>, outcome: Outcome| RuleResult {
            rule: rule.id.clone(),
            title: rule.title.get(lang).clone(),
            severity: rule.severity,
            step: rule.step.as_ref().map(|s| s.get(lang).clone()),
            status: outcome.status,
            subject,
            observed: outcome.observed,
            expected: outcome.expected,
            message: outcome.message,
            remediation: rule.remediation.get(lang).clone(),
            docs: rule.docs.clone(),
            waiver: None,
        };
        let mut own = Vec::new();
        let excluded_because = excluded.get(&rule.id).cloned().or_else(|| {
            rule.requires
                .iter()
                // A required rule comes earlier, so if excluded its result is already there.
                .find(|r| {
                    results
                        .iter()
                        .any(|x| &x.rule == *r && x.status == Status::Excluded)
                })
                .map(|r| {
                    tr!(
                        lang,
                        "because it requires {r}, which is excluded",
                        "так как правило требует {r}, которое исключено",
                        r = r
                    )
                })
        });
        if let Some(reason) = excluded_because {
            results.push(make(
                BTreeMap::new(),
                Outcome::only(
                    Status::Excluded,
                    tr!(
                        lang,
                        "excluded {reason}",
                        "исключено {reason}",
                        reason = reason
                    ),
                ),
            ));
            continue;
        }
        match subjects {
            // No subjects because an input is missing (the cluster list, the host facts): the
            // rule could not be evaluated.
            Err(cause) => {
                own.push(make(
                    BTreeMap::new(),
                    Outcome::only(Status::Error, cause.clone()),
                ));
            }
            Ok(subjects) => {
                let params = to_cel(&Json::Object(
                    rule.params
                        .iter()
                        .map(|(k, p)| (k.clone(), p.value.clone()))
                        .collect(),
                ));
                let blocked: Vec<Option<Outcome>> = subjects
                    .iter()
                    .map(|s| unmet_requirement(rule, &s.label, &results, lang))
                    .collect();
                let outcomes = evaluate_all(rule, subjects, &params, &blocked, lang);
                for (subject, outcome) in subjects.iter().zip(outcomes) {
                    if let Some(outcome) = outcome {
                        own.push(make(subject.label.clone(), outcome));
                    }
                }
            }
        }
        // No subject matched `where`: with an `unchecked` message, the input the rule needs was
        // not given (a path not probed), which is an error saying what to give; without one,
        // the rule does not apply.
        if own.is_empty() {
            let outcome = match &rule.unchecked_message {
                Some(message) => Outcome::only(Status::Error, message.get(lang).clone()),
                None => Outcome::only(
                    Status::Skipped,
                    tr!(
                        lang,
                        "no {scope} matches this rule",
                        "правило не относится ни к одному объекту (область: {scope})",
                        scope = rule.scope
                    ),
                ),
            };
            own.push(make(BTreeMap::new(), outcome));
        }
        results.extend(own);
    }
    results
}

/// What one evaluation gave.
#[derive(Debug, Clone)]
struct Outcome {
    status: Status,
    observed: Json,
    expected: String,
    message: String,
}

impl Outcome {
    fn only(status: Status, message: String) -> Outcome {
        Outcome {
            status,
            observed: Json::Null,
            expected: String::new(),
            message,
        }
    }
}

/// The outcome forced by a required rule that did not pass for this subject, if any.
fn unmet_requirement(
    rule: &Rule,
    subject: &BTreeMap<String, String>,
    results: &[RuleResult],
    lang: Lang,
) -> Option<Outcome> {
    for required in &rule.requires {
        let theirs: Vec<&RuleResult> = results.iter().filter(|r| &r.rule == required).collect();
        // A platform rule has one result; a rule of the same scope has one per subject.
        let result = theirs
            .iter()
            .find(|r| &r.subject == subject)
            .or_else(|| theirs.iter().find(|r| r.subject.is_empty()));
        let Some(result) = result else {
            return Some(Outcome::only(
                Status::Skipped,
                tr!(
                    lang,
                    "not checked: {required} does not apply here",
                    "не проверялось: {required} здесь не применяется",
                    required = required
                ),
            ));
        };
        let (status, why) = match result.status {
            Status::Pass => continue,
            Status::Error => (
                Status::Error,
                tr!(lang, "could not be evaluated", "не удалось проверить"),
            ),
            Status::Skipped => (
                Status::Skipped,
                tr!(lang, "does not apply", "не применяется"),
            ),
            Status::Excluded => (Status::Excluded, tr!(lang, "was excluded", "исключено")),
            // Waivers are applied after evaluation; a waived result did not pass either.
            Status::Fail | Status::Warn | Status::Info | Status::Waived => {
                (Status::Skipped, tr!(lang, "did not pass", "не пройдено"))
            }
        };
        return Some(Outcome::only(
            status,
            tr!(
                lang,
                "not checked: it requires {required}, which {why} ({message})",
                "не проверялось: правило требует {required}, которое {why} ({message})",
                required = required,
                why = why,
                message = result.message
            ),
        ));
    }
    None
}

/// Evaluates one rule for every subject, in subject order. A large fleet is split between two
/// threads: evaluation is CPU-bound and each subject is independent.
fn evaluate_all(
    rule: &Rule,
    subjects: &[Subject],
    params: &Value,
    blocked: &[Option<Outcome>],
    lang: Lang,
) -> Vec<Option<Outcome>> {
    const PARALLEL_FROM: usize = 64;
    let run = |chunk: &[Subject], blocked: &[Option<Outcome>]| -> Vec<Option<Outcome>> {
        chunk
            .iter()
            .zip(blocked)
            .map(|(subject, blocked)| evaluate_one(rule, &subject.bindings, params, blocked, lang))
            .collect()
    };
    if subjects.len() < PARALLEL_FROM {
        return run(subjects, blocked);
    }
    let middle = subjects.len() / 2;
    let (first, second) = subjects.split_at(middle);
    let (blocked_first, blocked_second) = blocked.split_at(middle);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| run(second, blocked_second));
        let mut outcomes = run(first, blocked_first);
        match other.join() {
            Ok(rest) => outcomes.extend(rest),
            Err(panic) => std::panic::resume_unwind(panic),
        }
        outcomes
    })
}

/// Evaluates one rule for one subject; `None` when the `where` filter excludes the subject.
fn evaluate_one(
    rule: &Rule,
    bindings: &Bindings,
    params: &Value,
    blocked: &Option<Outcome>,
    lang: Lang,
) -> Option<Outcome> {
    let mut context = crate::cel::context();
    // Only the variables the rule names: binding one copies its CEL value into the context, and
    // `clusters` is as large as the fleet.
    let used = |name: &str| {
        rule.reads
            .iter()
            .any(|read| read.split('.').next() == Some(name))
    };
    for (name, value) in &bindings.vars {
        if used(name) {
            context.add_variable_from_value(*name, value.clone());
        }
    }
    if used("params") {
        context.add_variable_from_value("params", params.clone());
    }
    if let Some(cluster) = &bindings.cluster
        && used("cluster")
    {
        context.add_variable_from_value(
            "cluster",
            cluster.value_for(rule.reads.iter().map(String::as_str)),
        );
    }
    let error = |message: String| Outcome::only(Status::Error, message);
    if let Some(filter) = &rule.filter {
        match run_bool(filter, &context) {
            Ok(true) => {}
            Ok(false) => return None,
            Err(e) => return Some(error(could_not(lang, "`where`", e))),
        }
    }
    if let Some(blocked) = blocked {
        return Some(blocked.clone());
    }
    if let Some(missing) = bindings
        .unavailable
        .iter()
        .find(|u| rule.reads.iter().any(|read| overlaps(read, &u.path)))
    {
        return Some(error(missing.cause.clone()));
    }
    Some(evaluate_checked(rule, context, lang).unwrap_or_else(error))
}

/// Whether a fact path the rule reads depends on an unavailable one (`cluster.istio` and
/// `cluster.istio.revisions` overlap; `cluster.istio` and `cluster.name` do not).
fn overlaps(read: &str, unavailable: &str) -> bool {
    let nested = |long: &str, short: &str| {
        long == short || (long.starts_with(short) && long[short.len()..].starts_with('.'))
    };
    nested(read, unavailable) || nested(unavailable, read)
}

/// "could not evaluate `what`: cause", in a language.
fn could_not(lang: Lang, what: &str, cause: String) -> String {
    tr!(
        lang,
        "could not evaluate {what}: {cause}",
        "не удалось вычислить {what}: {cause}",
        what = what,
        cause = cause
    )
}

fn evaluate_checked(rule: &Rule, mut context: Context, lang: Lang) -> Result<Outcome, String> {
    if let Some(when) = &rule.when
        && !run_bool(when, &context).map_err(|e| could_not(lang, "`when`", e))?
    {
        let message = match &rule.skipped_message {
            Some(text) => render(text, &context, lang)?,
            None => tr!(lang, "does not apply", "не применяется"),
        };
        return Ok(Outcome::only(Status::Skipped, message));
    }
    // A rule that applies cannot be evaluated without what it needs.
    for (check, text) in &rule.needs {
        match run_bool(check, &context) {
            Ok(true) => {}
            Ok(false) => return Err(render_template(text.get(lang), &context, lang)?),
            Err(e) => return Err(could_not(lang, "`needs`", e)),
        }
    }
    for (name, expr) in &rule.bindings {
        let value =
            run(expr, &context).map_err(|e| could_not(lang, &format!("`let.{name}`"), e))?;
        context.add_variable_from_value(name.clone(), value);
    }
    let holds = run_bool(&rule.require, &context).map_err(|e| could_not(lang, "`require`", e))?;
    let observed = match &rule.observed {
        Some(expr) => run(expr, &context).map_err(|e| could_not(lang, "`observed`", e))?,
        None => Value::Null,
    };
    let observed_json = to_json(&observed);
    context.add_variable_from_value("observed", observed);
    let expected = render(&rule.expected, &context, lang)?;
    let lesser = match (&rule.warn_when, holds) {
        (Some(expr), false) => {
            run_bool(expr, &context).map_err(|e| could_not(lang, "`warn_when`", e))?
        }
        _ => false,
    };
    let (status, text) = match (holds, rule.severity) {
        (true, _) => (Status::Pass, &rule.pass_message),
        (false, Severity::Blocker) if lesser => (Status::Warn, &rule.fail_message),
        (false, Severity::Blocker) => (Status::Fail, &rule.fail_message),
        (false, Severity::Warning) => (Status::Warn, &rule.fail_message),
        (false, Severity::Info) => (Status::Info, &rule.fail_message),
    };
    Ok(Outcome {
        status,
        observed: observed_json,
        expected,
        message: render(text, &context, lang)?,
    })
}

fn run(expr: &Expr, context: &Context) -> Result<Value, String> {
    expr.program.execute(context).map_err(|e| e.to_string())
}

fn run_bool(expr: &Expr, context: &Context) -> Result<bool, String> {
    match run(expr, context)? {
        Value::Bool(b) => Ok(b),
        other => Err(format!(
            "`{}` gave {} where true or false was expected",
            expr.source,
            display(&other)
        )),
    }
}

/// The text of the first case whose condition holds.
fn render(text: &Text, context: &Context, lang: Lang) -> Result<String, String> {
    for (when, template) in &text.cases {
        let applies = match when {
            None => true,
            Some(when) => run_bool(when, context).map_err(|e| {
                tr!(
                    lang,
                    "could not choose a message: {e}",
                    "не удалось выбрать сообщение: {e}",
                    e = e
                )
            })?,
        };
        if applies {
            return render_template(template.get(lang), context, lang);
        }
    }
    Err(tr!(
        lang,
        "no message case applies",
        "ни один вариант сообщения не подошёл"
    ))
}

fn render_template(template: &Template, context: &Context, lang: Lang) -> Result<String, String> {
    let mut text = String::new();
    for part in &template.parts {
        match part {
            TemplatePart::Text(t) => text.push_str(t),
            TemplatePart::Expr(expr) => {
                text.push_str(&display(&run(expr, context).map_err(|e| {
                    tr!(
                        lang,
                        "could not render `{expr}`: {e}",
                        "не удалось вывести `{expr}`: {e}",
                        expr = expr.source,
                        e = e
                    )
                })?))
            }
        }
    }
    Ok(text)
}
