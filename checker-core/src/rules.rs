//! Rule packs: the declarative checks for one target ACP version, as data.
//!
//! A pack is a YAML file (`rules/acp-<target>.yaml`). Each rule has a stable ID, a severity, a
//! scope (the platform, each cluster, or each probed host path), and CEL expressions over the
//! facts: an optional `where` filter selecting subjects, an optional `when` applicability test,
//! named `let` values, the `require` expression that must hold, and an `observed` value. Message
//! texts interpolate CEL expressions written as `{{ expr }}`. Loading compiles every expression
//! and checks every fact path against the fact model, so a broken pack is rejected before it
//! runs, with the file, line and column of each problem.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use crate::engine;

/// How much a failed rule matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The upgrade must not start while this fails.
    Blocker,
    /// The upgrade may start, but the operator must know this.
    Warning,
    /// Good to know.
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Blocker => "blocker",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// What a rule is evaluated against: one result per subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Once for the platform.
    Platform,
    /// Once per cluster (variable `cluster`).
    Cluster,
    /// Once per probed host path (variable `path`).
    HostPath,
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scope::Platform => "platform",
            Scope::Cluster => "cluster",
            Scope::HostPath => "host_path",
        })
    }
}

/// A supported upgrade path to the pack's target, with the thresholds that apply on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpgradePath {
    /// Source `major.minor`, e.g. `"3.18"`.
    pub from: String,
    /// Whether this is a patch upgrade within the target's minor.
    #[serde(default)]
    pub patch: bool,
    /// Thresholds for this path, visible to rules as `upgrade.<name>`.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
}

/// A named value computed before `require`, visible to later expressions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct LetSpec {
    name: Spanned<String>,
    value: Spanned<String>,
}

/// The message templates of a rule, one per outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Messages {
    /// Shown when `require` holds.
    pub pass: String,
    /// Shown when `require` does not hold.
    pub fail: String,
    /// Shown when `when` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// Plain text shown when no subject matches the rule's `where` (e.g. a path was not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unchecked: Option<String>,
}

/// One rule as written in the YAML file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: Spanned<String>,
    title: String,
    severity: Severity,
    scope: Scope,
    requirement: String,
    #[serde(rename = "where", default)]
    filter: Option<Spanned<String>>,
    #[serde(default)]
    when: Option<Spanned<String>>,
    #[serde(rename = "let", default)]
    bindings: Vec<LetSpec>,
    require: Spanned<String>,
    #[serde(default)]
    observed: Option<Spanned<String>>,
    expected: Spanned<String>,
    message: Spanned<Messages>,
    remediation: String,
    docs: String,
    #[serde(default)]
    notes: Option<String>,
}

/// The YAML file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackSpec {
    pack: String,
    target: String,
    title: String,
    docs: String,
    upgrade_paths: Vec<UpgradePath>,
    rules: Vec<RuleSpec>,
}

/// A compiled CEL expression and where it was written.
#[derive(Clone)]
pub struct Expr {
    /// The expression text.
    pub source: String,
    /// The compiled program.
    pub program: Arc<cel::Program>,
    /// Where the expression starts in the pack file.
    pub at: Position,
}

impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Expr").field(&self.source).finish()
    }
}

/// A text with `{{ expr }}` holes.
#[derive(Debug, Clone)]
pub struct Template {
    /// Literal text and expressions, in order.
    pub parts: Vec<TemplatePart>,
}

/// A piece of a [`Template`].
#[derive(Debug, Clone)]
pub enum TemplatePart {
    /// Text shown as written.
    Text(String),
    /// An expression whose value is shown.
    Expr(Expr),
}

/// A rule, compiled and checked.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Stable identifier, e.g. `KubernetesVersionSupported`.
    pub id: String,
    /// One-line title.
    pub title: String,
    /// How much a failure matters.
    pub severity: Severity,
    /// What it is evaluated against.
    pub scope: Scope,
    /// The upgrade guide's requirement, in its words.
    pub requirement: String,
    /// Selects the subjects the rule applies to (others get no result).
    pub filter: Option<Expr>,
    /// When false, the result is `skipped` with the `skipped` message.
    pub when: Option<Expr>,
    /// Named values, in order.
    pub bindings: Vec<(String, Expr)>,
    /// Must hold for the rule to pass.
    pub require: Expr,
    /// The value shown as observed.
    pub observed: Option<Expr>,
    /// The expected value, as text.
    pub expected: Template,
    /// Message when `require` holds.
    pub pass_message: Template,
    /// Message when it does not.
    pub fail_message: Template,
    /// Message when `when` is false.
    pub skipped_message: Option<Template>,
    /// Message when no subject matches `where`.
    pub unchecked_message: Option<String>,
    /// How to fix a failure.
    pub remediation: String,
    /// Link to the documentation.
    pub docs: String,
    /// Interpretations and caveats (where the rule goes beyond the guide's words).
    pub notes: Option<String>,
    /// The fact paths the rule reads (e.g. `cluster.istio`), for honest failure reporting.
    pub reads: BTreeSet<String>,
    /// Line of the rule in the pack file.
    pub line: u64,
}

/// A loaded rule pack.
#[derive(Debug, Clone)]
pub struct RulePack {
    /// Pack name, e.g. `acp-4.1`.
    pub name: String,
    /// Target ACP version, e.g. `4.1`.
    pub target: String,
    /// Title.
    pub title: String,
    /// Link to the upgrade guide.
    pub docs: String,
    /// Where the pack was loaded from.
    pub origin: String,
    /// Supported upgrade paths.
    pub upgrade_paths: Vec<UpgradePath>,
    /// Rules, in file order.
    pub rules: Vec<Rule>,
}

impl RulePack {
    /// The rule with this ID.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// A line and column in a pack file (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// Line, from 1.
    pub line: u64,
    /// Column, from 1.
    pub column: u64,
}

/// One problem found in a pack file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file.
    pub file: String,
    /// Where, when known.
    pub at: Option<Position>,
    /// What is wrong, naming the field.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Some(at) => write!(
                f,
                "{}:{}:{}: {}",
                self.file, at.line, at.column, self.message
            ),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Why a pack could not be loaded: every problem found, not just the first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid rule pack {file}: {}", .diagnostics.len())]
pub struct PackError {
    /// The file.
    pub file: String,
    /// The problems.
    pub diagnostics: Vec<Diagnostic>,
}

impl PackError {
    /// All diagnostics, one per line.
    pub fn render(&self) -> String {
        self.diagnostics
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Names a `let` may not take: the fact variables and `observed`.
const RESERVED_NAMES: &[&str] = &[
    "target", "platform", "upgrade", "clusters", "host", "cluster", "path", "observed",
];

/// Rule IDs are `UpperCamelCase` words, as in the ACP preflight (`VersionUpgradePath`).
fn valid_id(id: &str) -> bool {
    id.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && id.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Loads and checks a pack. `file` names the origin in diagnostics.
pub fn load(file: &str, text: &str) -> Result<RulePack, PackError> {
    let fail = |diagnostics| PackError {
        file: file.to_string(),
        diagnostics,
    };
    let options = serde_saphyr::options! { strict_booleans: true };
    let spec: PackSpec = serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let at = e.location().map(|l| Position {
            line: l.line(),
            column: l.column(),
        });
        let mut message = first_line(&e.to_string())
            .trim_start_matches("error: ")
            .to_string();
        // serde-saphyr prefixes its own "line L column C: "; the diagnostic already says where.
        if let Some((prefix, rest)) = message.split_once(": ")
            && prefix.starts_with("line ")
            && prefix.contains(" column ")
        {
            message = rest.to_string();
        }
        if let Some(key) = at.and_then(|at| key_on_line(text, at.line)) {
            message = format!("field `{key}`: {message}");
        }
        fail(vec![Diagnostic {
            file: file.to_string(),
            at,
            message,
        }])
    })?;
    let mut diagnostics = Vec::new();
    let mut seen = BTreeMap::new();
    let mut rules = Vec::new();
    let params: BTreeSet<String> = spec
        .upgrade_paths
        .iter()
        .flat_map(|p| p.params.keys().cloned())
        .collect();
    for rule in spec.rules {
        let at = position(&rule.id.referenced);
        if !valid_id(&rule.id.value) {
            diagnostics.push(diag(
                file,
                at,
                format!(
                    "field `id`: `{}` is not an UpperCamelCase identifier",
                    rule.id.value
                ),
            ));
        }
        if let Some(first) = seen.insert(rule.id.value.clone(), at.line) {
            diagnostics.push(diag(
                file,
                at,
                format!(
                    "field `id`: duplicate rule ID `{}` (first defined on line {first})",
                    rule.id.value
                ),
            ));
        }
        let mut compiler = Compiler {
            file,
            rule: &rule.id.value,
            scope: rule.scope,
            params: &params,
            locals: BTreeSet::new(),
            reads: BTreeSet::new(),
            diagnostics: &mut diagnostics,
        };
        let filter = rule.filter.as_ref().and_then(|e| compiler.expr("where", e));
        let when = rule.when.as_ref().and_then(|e| compiler.expr("when", e));
        let mut bindings = Vec::new();
        for binding in &rule.bindings {
            let name = &binding.name.value;
            let identifier = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            let reserved = RESERVED_NAMES.contains(&name.as_str());
            if !identifier || reserved {
                compiler.report(
                    position(&binding.name.referenced),
                    format!(
                        "rule {}, field `let`: `{name}` {}",
                        rule.id.value,
                        if reserved {
                            "is a fact variable or reserved name; choose another"
                        } else {
                            "is not a lower-case identifier"
                        }
                    ),
                );
            }
            if let Some(expr) =
                compiler.expr(&format!("let.{}", binding.name.value), &binding.value)
            {
                bindings.push((binding.name.value.clone(), expr));
            }
            compiler.locals.insert(binding.name.value.clone());
        }
        let require = compiler.expr("require", &rule.require);
        let observed = rule
            .observed
            .as_ref()
            .and_then(|e| compiler.expr("observed", e));
        compiler.locals.insert("observed".to_string());
        let expected =
            compiler.template("expected", &rule.expected.value, &rule.expected.referenced);
        let messages = &rule.message;
        let pass_message =
            compiler.template("message.pass", &messages.value.pass, &messages.referenced);
        let fail_message =
            compiler.template("message.fail", &messages.value.fail, &messages.referenced);
        let skipped_message = messages
            .value
            .skipped
            .as_ref()
            .map(|m| compiler.template("message.skipped", m, &messages.referenced));
        if rule.when.is_some() && messages.value.skipped.is_none() {
            compiler.report(
                at,
                "field `message.skipped`: a rule with `when` must say why it was skipped"
                    .to_string(),
            );
        }
        let reads = std::mem::take(&mut compiler.reads);
        let (Some(require), Some(expected), Some(pass_message), Some(fail_message)) =
            (require, expected, pass_message, fail_message)
        else {
            continue;
        };
        // `Some(None)`: the skipped message was written but did not compile (already reported).
        let skipped_message = match skipped_message {
            Some(None) => continue,
            Some(template) => template,
            None => None,
        };
        rules.push(Rule {
            id: rule.id.value,
            title: rule.title,
            severity: rule.severity,
            scope: rule.scope,
            requirement: rule.requirement,
            filter,
            when,
            bindings,
            require,
            observed,
            expected,
            pass_message,
            fail_message,
            skipped_message,
            unchecked_message: rule.message.value.unchecked.clone(),
            remediation: rule.remediation,
            docs: rule.docs,
            notes: rule.notes,
            reads,
            line: at.line,
        });
    }
    if !diagnostics.is_empty() {
        return Err(fail(diagnostics));
    }
    Ok(RulePack {
        name: spec.pack,
        target: spec.target,
        title: spec.title,
        docs: spec.docs,
        origin: file.to_string(),
        upgrade_paths: spec.upgrade_paths,
        rules,
    })
}

/// The mapping key written on a line of YAML (`    severity: fatal` → `severity`), if any.
fn key_on_line(text: &str, line: u64) -> Option<String> {
    let source = text
        .lines()
        .nth(usize::try_from(line).ok()?.checked_sub(1)?)?;
    let source = source.trim_start().trim_start_matches("- ");
    let (key, _) = source.split_once(':')?;
    (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then(|| key.to_string())
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

fn position(location: &serde_saphyr::Location) -> Position {
    Position {
        line: location.line(),
        column: location.column(),
    }
}

fn diag(file: &str, at: Position, message: String) -> Diagnostic {
    Diagnostic {
        file: file.to_string(),
        at: Some(at),
        message,
    }
}

/// Compiles the expressions of one rule and checks their fact paths.
struct Compiler<'a> {
    file: &'a str,
    rule: &'a str,
    scope: Scope,
    params: &'a BTreeSet<String>,
    locals: BTreeSet<String>,
    reads: BTreeSet<String>,
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl Compiler<'_> {
    fn report(&mut self, at: Position, message: String) {
        self.diagnostics.push(diag(self.file, at, message));
    }

    fn expr(&mut self, field: &str, text: &Spanned<String>) -> Option<Expr> {
        let at = position(&text.referenced);
        self.compile(field, &text.value, at)
    }

    fn compile(&mut self, field: &str, source: &str, at: Position) -> Option<Expr> {
        let program = match engine::compile(source) {
            Ok(program) => program,
            Err(error) => {
                let rule = self.rule;
                self.report(
                    at,
                    format!("rule {rule}, field `{field}`: CEL syntax error: {error}"),
                );
                return None;
            }
        };
        let problems = engine::check_paths(
            program.expression(),
            self.scope,
            self.params,
            &self.locals,
            &mut self.reads,
        );
        let ok = problems.is_empty();
        for problem in problems {
            let rule = self.rule;
            self.report(at, format!("rule {rule}, field `{field}`: {problem}"));
        }
        ok.then(|| Expr {
            source: source.to_string(),
            program: Arc::new(program),
            at,
        })
    }

    fn template(
        &mut self,
        field: &str,
        text: &str,
        at: &serde_saphyr::Location,
    ) -> Option<Template> {
        let at = position(at);
        let mut parts = Vec::new();
        let mut rest = text;
        let mut ok = true;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                parts.push(TemplatePart::Text(rest[..start].to_string()));
            }
            let Some(len) = rest[start + 2..].find("}}") else {
                let rule = self.rule;
                self.report(
                    at,
                    format!("rule {rule}, field `{field}`: `{{{{` without a closing `}}}}`"),
                );
                return None;
            };
            let source = rest[start + 2..start + 2 + len].trim();
            match self.compile(field, source, at) {
                Some(expr) => parts.push(TemplatePart::Expr(expr)),
                None => ok = false,
            }
            rest = &rest[start + 2 + len + 2..];
        }
        if !rest.is_empty() {
            parts.push(TemplatePart::Text(rest.to_string()));
        }
        ok.then_some(Template { parts })
    }
}
