//! Compiling one rule in the context of its pack: parameters typed, `requires` resolved, every
//! expression compiled and its fact paths checked against the variables of its scope.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use super::diagnostics::Diagnostic;
use super::spec::{IncludeSpec, LocalText, RuleSpec, TextSpec};
use super::yaml::Node;
use super::{Expr, Param, ParamType, Rule, Scope, Template, TemplatePart, Text, variables};
use crate::lang::Localized;

/// Where a rule's text is, for diagnostics.
pub(super) struct Source<'a> {
    /// The file.
    pub file: &'a str,
    /// Its tree.
    pub node: &'a Node,
    /// The field path of the rule in the file: empty for a rule file, `rules[3]` inline.
    pub prefix: String,
}

impl Source<'_> {
    fn path(&self, field: &str) -> String {
        match (self.prefix.is_empty(), field.is_empty()) {
            (true, _) => field.to_string(),
            (false, true) => self.prefix.clone(),
            (false, false) => format!("{}.{field}", self.prefix),
        }
    }

    fn diag(&self, field: &str, message: impl Into<String>) -> Diagnostic {
        let path = self.path(field);
        Diagnostic::new(
            self.file,
            &path,
            Some(self.node.position_of(&path)),
            message,
        )
    }
}

/// What a pack gives the rules it includes.
pub(super) struct PackContext<'a> {
    /// The types of the upgrade-path parameters.
    pub parameters: &'a BTreeMap<String, ParamType>,
    /// The default docs link.
    pub docs: &'a str,
    /// Rules included so far, with their scopes (`requires` may only name these).
    pub earlier: &'a BTreeMap<String, Scope>,
}

/// A per-pack include with overrides, and where it is written.
pub(super) struct Include<'a> {
    pub spec: &'a IncludeSpec,
    pub source: Source<'a>,
}

/// Rule IDs are `UpperCamelCase` words, as in the ACP preflight (`VersionUpgradePath`).
pub(super) fn valid_id(id: &str) -> bool {
    id.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && id.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Compiles a rule; problems go to `diagnostics`, and `None` means the rule is unusable.
pub(super) fn rule(
    spec: &RuleSpec,
    source: &Source<'_>,
    pack: &PackContext<'_>,
    include: Option<&Include<'_>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Rule> {
    let before = diagnostics.len();
    if !valid_id(&spec.id) {
        diagnostics.push(source.diag(
            "id",
            format!("`{}` is not an UpperCamelCase identifier", spec.id),
        ));
    }
    let param_types: BTreeMap<String, ParamType> = spec
        .params
        .iter()
        .map(|(k, p)| (k.clone(), p.kind))
        .collect();
    let mut params = BTreeMap::new();
    for (name, param) in &spec.params {
        match typed(param.kind, &param.default) {
            Ok(value) => {
                params.insert(name.clone(), value);
            }
            Err(e) => diagnostics.push(source.diag(&format!("params.{name}.default"), e)),
        }
    }
    let mut severity = spec.severity;
    let mut docs = spec.docs.clone();
    if let Some(include) = include {
        for (name, value) in &include.spec.params {
            let field = format!("params.{name}");
            match spec.params.get(name) {
                None => {
                    let known: Vec<&str> = spec.params.keys().map(String::as_str).collect();
                    diagnostics.push(include.source.diag(
                        &field,
                        format!(
                            "rule {} has no parameter `{name}` (its parameters: {})",
                            spec.id,
                            if known.is_empty() {
                                "none".to_string()
                            } else {
                                known.join(", ")
                            }
                        ),
                    ));
                }
                Some(param) => match typed(param.kind, value) {
                    Ok(value) => {
                        params.insert(name.clone(), value);
                    }
                    Err(e) => diagnostics.push(include.source.diag(&field, e)),
                },
            }
        }
        severity = include.spec.severity.unwrap_or(severity);
        docs = include.spec.docs.clone().or(docs);
    }
    for (i, required) in spec.requires.iter().enumerate() {
        let field = format!("requires[{i}]");
        match pack.earlier.get(required) {
            None => diagnostics.push(source.diag(
                &field,
                format!(
                    "`{required}` is not a rule listed before {} in the pack; a rule can only \
                     require an earlier one",
                    spec.id
                ),
            )),
            Some(scope) if *scope != Scope::Platform && *scope != spec.scope => {
                diagnostics.push(source.diag(
                    &field,
                    format!(
                        "`{required}` has scope {scope}; a {} rule can require platform rules \
                         and {} rules",
                        spec.scope, spec.scope
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    // The pack's own `where` narrows the rule's subjects in that pack; it is checked where it
    // is written, then joined to the rule's.
    let mut pack_reads = BTreeSet::new();
    let pack_filter = include.and_then(|include| {
        let text = include.spec.filter.as_deref()?;
        let mut compiler = Compiler {
            source: &include.source,
            samples: variables::samples(spec.scope, pack.parameters, &param_types),
            locals: BTreeSet::new(),
            reads: BTreeSet::new(),
            diagnostics: &mut *diagnostics,
        };
        let expr = compiler.expr("where", text);
        pack_reads = compiler.reads;
        Some(expr)
    });
    let mut compiler = Compiler {
        source,
        samples: variables::samples(spec.scope, pack.parameters, &param_types),
        locals: BTreeSet::new(),
        reads: pack_reads,
        diagnostics,
    };
    let filter = spec
        .filter
        .as_deref()
        .and_then(|e| compiler.expr("where", e));
    let filter = match (filter, pack_filter) {
        (filter, None) => filter,
        (_, Some(None)) => None,
        (None, Some(Some(pack))) => Some(pack),
        (Some(own), Some(Some(pack))) => compiler.expr(
            "where",
            &format!("({}) && ({})", own.source.trim(), pack.source.trim()),
        ),
    };
    let when = spec.when.as_deref().and_then(|e| compiler.expr("when", e));
    let mut needs = Vec::new();
    for (i, need) in spec.needs.iter().enumerate() {
        let check = compiler.expr(&format!("needs[{i}].check"), &need.check);
        let text = compiler.template(&format!("needs[{i}].text"), &need.text);
        if let (Some(check), Some(text)) = (check, text) {
            needs.push((check, text));
        }
    }
    let mut bindings = Vec::new();
    for (i, binding) in spec.bindings.iter().enumerate() {
        let name = &binding.name;
        let identifier = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !identifier || variables::reserved(name) {
            let problem = if identifier {
                "is a fact variable or reserved name; choose another"
            } else {
                "is not a lower-case identifier"
            };
            compiler
                .diagnostics
                .push(source.diag(&format!("let[{i}].name"), format!("`{name}` {problem}")));
        }
        if let Some(expr) = compiler.expr(&format!("let[{i}].value"), &binding.value) {
            bindings.push((name.clone(), expr));
        }
        compiler.locals.insert(name.clone());
    }
    let require = compiler.expr("require", &spec.require);
    let warn_when = spec
        .warn_when
        .as_deref()
        .and_then(|e| compiler.expr("warn_when", e));
    let observed = spec
        .observed
        .as_deref()
        .and_then(|e| compiler.expr("observed", e));
    compiler.locals.insert("observed".to_string());
    let expected = compiler.text("expected", &spec.expected);
    let pass_message = compiler.text("message.pass", &spec.message.pass);
    let fail_message = compiler.text("message.fail", &spec.message.fail);
    let skipped_message = spec
        .message
        .skipped
        .as_ref()
        .map(|m| compiler.text("message.skipped", m));
    if spec.when.is_some() && spec.message.skipped.is_none() {
        compiler.diagnostics.push(source.diag(
            "message",
            "a rule with `when` must say why it was skipped: add `message.skipped`",
        ));
    }
    let reads = std::mem::take(&mut compiler.reads);
    if diagnostics.len() > before {
        return None;
    }
    let line = source.node.position_of(&source.path("id")).line;
    Some(Rule {
        id: spec.id.clone(),
        title: spec.title.localized(),
        severity,
        scope: spec.scope,
        requirement: spec.requirement.clone(),
        step: include
            .and_then(|i| i.spec.step.as_ref())
            .or(spec.step.as_ref())
            .map(LocalText::localized),
        params,
        requires: spec.requires.clone(),
        filter,
        when,
        needs,
        bindings,
        require: require?,
        warn_when,
        observed,
        expected: expected?,
        pass_message: pass_message?,
        fail_message: fail_message?,
        skipped_message: skipped_message.flatten(),
        unchecked_message: spec.message.unchecked.as_ref().map(LocalText::localized),
        remediation: spec.remediation.localized(),
        docs: docs.unwrap_or_else(|| pack.docs.to_string()),
        notes: spec.notes.clone(),
        reads,
        defined_at: (source.file.to_string(), line),
    })
}

/// A parameter value of a type, as the rule sees it.
fn typed(kind: ParamType, value: &super::spec::ParamValueSpec) -> Result<Param, String> {
    kind.parse(value).map(|value| Param { kind, value })
}

/// Compiles the expressions of one rule and checks their fact paths.
struct Compiler<'a, 'd> {
    source: &'a Source<'a>,
    samples: BTreeMap<&'static str, serde_json::Value>,
    locals: BTreeSet<String>,
    reads: BTreeSet<String>,
    diagnostics: &'d mut Vec<Diagnostic>,
}

impl Compiler<'_, '_> {
    fn expr(&mut self, field: &str, source: &str) -> Option<Expr> {
        let program = match compiled(source) {
            Ok(program) => program,
            Err(error) => {
                self.diagnostics.push(
                    self.source
                        .diag(field, format!("CEL syntax error: {error}")),
                );
                return None;
            }
        };
        let problems = crate::cel::paths::check_paths(
            program.expression(),
            &self.samples,
            &self.locals,
            &mut self.reads,
        );
        let ok = problems.is_empty();
        for problem in problems {
            self.diagnostics.push(self.source.diag(field, problem));
        }
        ok.then(|| Expr {
            source: source.to_string(),
            program,
        })
    }

    fn text(&mut self, field: &str, text: &TextSpec) -> Option<Text> {
        match text {
            TextSpec::Template(template) => Some(Text {
                cases: vec![(None, self.template(field, template)?)],
            }),
            TextSpec::Cases(cases) => {
                let mut out = Vec::new();
                let mut ok = true;
                if cases.is_empty() {
                    self.diagnostics
                        .push(self.source.diag(field, "at least one case is needed"));
                    return None;
                }
                for (i, case) in cases.iter().enumerate() {
                    let last = i + 1 == cases.len();
                    let when = match (&case.when, last) {
                        (Some(_), true) => {
                            self.diagnostics.push(self.source.diag(
                                &format!("{field}[{i}].when"),
                                "the last case must have no `when`, so that there is always a text",
                            ));
                            ok = false;
                            None
                        }
                        (None, false) => {
                            self.diagnostics.push(self.source.diag(
                                &format!("{field}[{i}]"),
                                "only the last case may have no `when`",
                            ));
                            ok = false;
                            None
                        }
                        (Some(when), false) => {
                            let expr = self.expr(&format!("{field}[{i}].when"), when);
                            ok &= expr.is_some();
                            expr
                        }
                        (None, true) => None,
                    };
                    match self.template(&format!("{field}[{i}].text"), &case.text) {
                        Some(template) => out.push((when, template)),
                        None => ok = false,
                    }
                }
                ok.then_some(Text { cases: out })
            }
        }
    }

    /// A text in each language it is written in: the Russian must have the English's holes.
    fn template(&mut self, field: &str, text: &LocalText) -> Option<Localized<Template>> {
        let LocalText::Both(both) = text else {
            return self.one_template(field, text.en()).map(Localized::only);
        };
        let en = self.one_template(&format!("{field}.en"), &both.en);
        let (holes_en, holes_ru) = (holes(&both.en), holes(&both.ru));
        if holes_en != holes_ru {
            let list = |holes: Vec<&&str>| {
                holes
                    .iter()
                    .map(|h| format!("{{{{ {h} }}}}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let missing = list(holes_en.difference(&holes_ru).collect());
            let extra = list(holes_ru.difference(&holes_en).collect());
            let mut problem = "the Russian text must show the values the English shows".to_string();
            if !missing.is_empty() {
                problem.push_str(&format!("; missing: {missing}"));
            }
            if !extra.is_empty() {
                problem.push_str(&format!("; not in the English: {extra}"));
            }
            self.diagnostics
                .push(self.source.diag(&format!("{field}.ru"), problem));
            return None;
        }
        // The same holes: the Russian shows the English's compiled expressions.
        let en = en?;
        let ru = same_holes(&both.ru, &en);
        Some(Localized { en, ru })
    }

    fn one_template(&mut self, field: &str, text: &str) -> Option<Template> {
        let mut parts = Vec::new();
        let mut ok = true;
        for piece in pieces(text) {
            match piece {
                Piece::Text(text) => parts.push(TemplatePart::Text(text.to_string())),
                Piece::Hole(source) => match self.expr(field, source) {
                    Some(expr) => parts.push(TemplatePart::Expr(expr)),
                    None => ok = false,
                },
                Piece::Unclosed => {
                    self.diagnostics
                        .push(self.source.diag(field, "`{{` without a closing `}}`"));
                    return None;
                }
            }
        }
        ok.then_some(Template { parts })
    }
}

/// A CEL expression compiled, once per text: the packs share most rules, and parsing is most
/// of the time it takes to load them.
fn compiled(source: &str) -> Result<Arc<cel::Program>, String> {
    static PROGRAMS: OnceLock<Mutex<HashMap<String, Arc<cel::Program>>>> = OnceLock::new();
    let programs = PROGRAMS.get_or_init(Mutex::default);
    let known = programs
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(source)
        .cloned();
    if let Some(program) = known {
        return Ok(program);
    }
    let program = Arc::new(crate::cel::compile(source)?);
    programs
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(source.to_string(), Arc::clone(&program));
    Ok(program)
}

/// A piece of a template's text.
enum Piece<'a> {
    /// Text shown as written (never empty).
    Text(&'a str),
    /// The expression of a `{{ expr }}` hole, trimmed.
    Hole(&'a str),
    /// A `{{` without a closing `}}`: nothing after it is read.
    Unclosed,
}

/// A template's text in pieces, in order.
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            pieces.push(Piece::Text(&rest[..start]));
        }
        let Some(len) = rest[start + 2..].find("}}") else {
            pieces.push(Piece::Unclosed);
            return pieces;
        };
        pieces.push(Piece::Hole(rest[start + 2..start + 2 + len].trim()));
        rest = &rest[start + 2 + len + 2..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    pieces
}

/// A template whose holes are those of `compiled` (the same expressions, in any order), with
/// their compiled expressions: `None` when one is not there.
fn same_holes(text: &str, compiled: &Template) -> Option<Template> {
    let parts = pieces(text)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(text) => Some(TemplatePart::Text(text.to_string())),
            Piece::Hole(source) => compiled.parts.iter().find_map(|part| match part {
                TemplatePart::Expr(expr) if expr.source == source => {
                    Some(TemplatePart::Expr(expr.clone()))
                }
                _ => None,
            }),
            Piece::Unclosed => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Template { parts })
}

/// The expressions of a template's `{{ expr }}` holes, trimmed.
fn holes(text: &str) -> BTreeSet<&str> {
    pieces(text)
        .into_iter()
        .filter_map(|piece| match piece {
            Piece::Hole(source) => Some(source),
            _ => None,
        })
        .collect()
}
