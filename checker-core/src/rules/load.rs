//! Loading pack and rule files: parse with spans, check against the format's schema collecting
//! every problem, then resolve and compile each rule in its pack.

use std::collections::BTreeMap;

use super::bundled::{Library, LibraryRule};
use super::compile::{self, Include, PackContext, Source};
use super::diagnostics::{Diagnostic, PackError};
use super::schema_check;
use super::spec::{PackRuleSpec, PackSpec, RuleSpec};
use super::yaml::{self, Node};
use super::{Phase, RulePack, UpgradePath};
use crate::version::Version;

/// A file parsed and checked against the schema of `T`: the typed value, or the problems.
pub(super) fn parse_checked<T: serde::de::DeserializeOwned + schemars::JsonSchema>(
    file: &str,
    text: &str,
) -> Result<(T, Node), Vec<Diagnostic>> {
    let (node, problems) = parse_and_validate::<T>(file, text)?;
    if !problems.is_empty() {
        return Err(problems);
    }
    typed(file, &node, node.to_json()).map(|value| (value, node))
}

/// A file parsed into a tree and checked against the schema of `T`, with every problem.
fn parse_and_validate<T: schemars::JsonSchema>(
    file: &str,
    text: &str,
) -> Result<(Node, Vec<Diagnostic>), Vec<Diagnostic>> {
    let node = yaml::parse(text).map_err(|e| {
        vec![Diagnostic::new(
            file,
            "",
            e.at,
            format!("not valid YAML: {}", e.message),
        )]
    })?;
    let schema = crate::facts::schema::of::<T>().to_value();
    let mut problems = Vec::new();
    schema_check::validate(&node, &schema, "", &mut problems);
    let problems = problems
        .into_iter()
        .map(|p| Diagnostic::new(file, &p.path, Some(p.at), p.message_in(text)))
        .collect();
    Ok((node, problems))
}

fn typed<T: serde::de::DeserializeOwned>(
    file: &str,
    node: &Node,
    json: serde_json::Value,
) -> Result<T, Vec<Diagnostic>> {
    serde_json::from_value(json)
        .map_err(|e| vec![Diagnostic::new(file, "", Some(node.at), e.to_string())])
}

/// The text without a leading UTF-8 byte-order mark (editors on Windows write one): the YAML
/// parser skips it when it counts columns, so positions are of the text after it.
fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Loads and checks a pack; its rules are resolved against the bundled rules. `file` names the
/// origin in diagnostics.
pub fn load(file: &str, text: &str) -> Result<RulePack, PackError> {
    let text = without_bom(text);
    load_with(file, text, super::bundled::library())
}

/// Loads a pack or, when the file is a single rule (it has `id:` rather than `pack:`), checks
/// that rule in every bundled pack that includes it. For `rules lint`.
pub fn load_file(file: &str, text: &str) -> Result<Linted, PackError> {
    let text = without_bom(text);
    let is_rule = yaml::parse(text)
        .ok()
        .is_some_and(|node| node.get("id").is_some() && node.get("pack").is_none());
    if !is_rule {
        return load(file, text).map(Linted::Pack);
    }
    load_rule(file, text)
}

/// What [`load_file`] found valid.
#[derive(Debug)]
pub enum Linted {
    /// A pack.
    Pack(RulePack),
    /// A rule, and the bundled packs it was checked in.
    Rule {
        /// The rule's ID.
        id: String,
        /// The packs that include it (their names); empty when none does.
        packs: Vec<String>,
    },
}

/// Checks a single rule file: its schema, then its compilation in every bundled pack that
/// includes the rule (or, when none does, with the parameters of every bundled pack).
pub fn load_rule(file: &str, text: &str) -> Result<Linted, PackError> {
    let text = without_bom(text);
    let fail = |diagnostics| PackError {
        file: file.to_string(),
        diagnostics,
        sources: BTreeMap::from([(file.to_string(), text.to_string())]),
    };
    let (spec, node) = parse_checked::<RuleSpec>(file, text).map_err(fail)?;
    let library = super::bundled::library();
    let mut diagnostics = Vec::new();
    let mut packs = Vec::new();
    let contexts: Vec<(String, BTreeMap<String, super::ParamType>, BTreeMap<_, _>)> = library
        .packs
        .iter()
        .flat_map(|(name, pack)| {
            pack.phase_lists()
                .into_iter()
                .filter_map(|(_, _, entries)| {
                    let index = entries.iter().position(|r| rule_id(r) == spec.id)?;
                    let earlier = entries[..index]
                        .iter()
                        .filter_map(|r| library.scope_of(r).map(|s| (rule_id(r).to_string(), s)))
                        .collect();
                    Some((name.clone(), pack.parameters.clone(), earlier))
                })
        })
        .collect();
    let all_parameters: BTreeMap<String, super::ParamType> = library
        .packs
        .values()
        .flat_map(|p| p.parameters.clone())
        .collect();
    let source = Source {
        file,
        node: &node,
        prefix: String::new(),
    };
    if contexts.is_empty() {
        let everything = library.all_scopes();
        let context = PackContext {
            parameters: &all_parameters,
            docs: "",
            earlier: &everything,
        };
        compile::rule(&spec, &source, &context, None, &mut diagnostics);
    }
    for (name, parameters, earlier) in &contexts {
        let context = PackContext {
            parameters,
            docs: "",
            earlier,
        };
        let mut found = Vec::new();
        compile::rule(&spec, &source, &context, None, &mut found);
        for mut d in found {
            if !diagnostics.contains(&d) {
                d.help
                    .get_or_insert_with(|| format!("as included in pack {name}"));
                diagnostics.push(d);
            }
        }
        if !packs.contains(name) {
            packs.push(name.clone());
        }
    }
    if diagnostics.is_empty() {
        Ok(Linted::Rule { id: spec.id, packs })
    } else {
        Err(fail(diagnostics))
    }
}

fn rule_id(entry: &PackRuleSpec) -> &str {
    match entry {
        PackRuleSpec::Id(id) => id,
        PackRuleSpec::Include(include) => &include.id,
        PackRuleSpec::Inline(rule) => &rule.id,
    }
}

/// Loads a pack against a library of rules.
pub(super) fn load_with(file: &str, text: &str, library: &Library) -> Result<RulePack, PackError> {
    let mut sources = BTreeMap::from([(file.to_string(), text.to_string())]);
    let fail = |diagnostics: Vec<Diagnostic>, sources: BTreeMap<String, String>| PackError {
        file: file.to_string(),
        diagnostics,
        sources,
    };
    let (node, mut diagnostics) =
        parse_and_validate::<PackSpec>(file, text).map_err(|d| fail(d, sources.clone()))?;
    // Entries of a rule list with schema problems are left out, so that the others are still
    // resolved and compiled and every problem of the file is reported in one run; problems
    // elsewhere leave nothing to compile.
    let broken = |d: &Diagnostic| -> Option<(&'static str, usize)> {
        RULE_LISTS.iter().find_map(|list| {
            d.field
                .strip_prefix(*list)
                .and_then(|rest| rest.strip_prefix('['))
                .and_then(|rest| rest.split(']').next())
                .and_then(|i| i.parse::<usize>().ok())
                .map(|i| (*list, i))
        })
    };
    if diagnostics.iter().any(|d| broken(d).is_none()) {
        return Err(fail(diagnostics, sources));
    }
    let skipped: std::collections::BTreeSet<(&str, usize)> =
        diagnostics.iter().filter_map(broken).collect();
    let mut json = node.to_json();
    for (list, i) in &skipped {
        let pointer = format!("/{}/{i}", list.replace('.', "/"));
        if let Some(entry) = json.pointer_mut(&pointer) {
            *entry = serde_json::Value::String(String::new());
        }
    }
    let spec: PackSpec = typed(file, &node, json).map_err(|d| fail(d, sources.clone()))?;
    let pack_diag = |field: &str, message: String| {
        Diagnostic::new(file, field, Some(node.position_of(field)), message)
    };
    let mut upgrade_paths = Vec::new();
    for (i, path) in spec.upgrade_paths.iter().enumerate() {
        let field = format!("upgrade_paths[{i}]");
        match Version::parse(&path.from) {
            Ok(_) if path.from.split('.').count() == 2 => {}
            Ok(_) => diagnostics.push(pack_diag(
                &format!("{field}.from"),
                format!(
                    "`{}`: give the source as major.minor, e.g. \"3.18\"",
                    path.from
                ),
            )),
            Err(e) => diagnostics.push(pack_diag(&format!("{field}.from"), e.to_string())),
        }
        if spec.upgrade_paths[..i].iter().any(|p| p.from == path.from) {
            diagnostics.push(pack_diag(
                &format!("{field}.from"),
                format!("a second upgrade path from {}", path.from),
            ));
        }
        let mut params = BTreeMap::new();
        for (name, value) in &path.params {
            let at = format!("{field}.params.{name}");
            match spec.parameters.get(name) {
                None => diagnostics.push(pack_diag(
                    &at,
                    format!(
                        "`{name}` is not one of the pack's `parameters` ({})",
                        spec.parameters
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
                Some(kind) => match kind.parse(value) {
                    Ok(value) => {
                        params.insert(name.clone(), value);
                    }
                    Err(e) => diagnostics.push(pack_diag(&at, e)),
                },
            }
        }
        for name in spec.parameters.keys() {
            if !path.params.contains_key(name) {
                diagnostics.push(pack_diag(
                    &format!("{field}.params"),
                    format!(
                        "parameter `{name}` is not set for the path from {}",
                        path.from
                    ),
                ));
            }
        }
        upgrade_paths.push(UpgradePath {
            from: path.from.clone(),
            patch: path.patch,
            params,
        });
    }
    let mut phases = BTreeMap::new();
    for (phase, list, entries) in spec.phase_lists() {
        let mut earlier = BTreeMap::new();
        let mut rules = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            if skipped.contains(&(list, i)) {
                continue;
            }
            let field = format!("{list}[{i}]");
            let id = rule_id(entry);
            // A second entry of the same ID is reported, and still checked on its own.
            let duplicate = earlier.contains_key(id);
            if duplicate {
                diagnostics.push(pack_diag(&field, format!("rule `{id}` is listed twice")));
            }
            let found = match entry {
                PackRuleSpec::Inline(spec) => Some((
                    spec.as_ref(),
                    Source {
                        file,
                        node: &node,
                        prefix: field.clone(),
                    },
                )),
                PackRuleSpec::Id(id)
                | PackRuleSpec::Include(super::spec::IncludeSpec { id, .. }) => {
                    match library.rules.get(id.as_str()) {
                        Some(LibraryRule {
                            file, spec, node, ..
                        }) => Some((
                            spec,
                            Source {
                                file,
                                node,
                                prefix: String::new(),
                            },
                        )),
                        None => {
                            let known: Vec<&str> =
                                library.rules.keys().map(String::as_str).collect();
                            let mut d = pack_diag(
                                &field,
                                format!("no rule `{id}` among the bundled rules"),
                            );
                            if let Some(close) = schema_check::suggest(id, &known) {
                                d = d.with_help(format!("did you mean `{close}`?"));
                            }
                            diagnostics.push(d);
                            None
                        }
                    }
                }
            };
            let Some((rule_spec, source)) = found else {
                continue;
            };
            let include = match entry {
                PackRuleSpec::Include(include) => Some(Include {
                    spec: include,
                    source: Source {
                        file,
                        node: &node,
                        prefix: field.clone(),
                    },
                }),
                _ => None,
            };
            let context = PackContext {
                parameters: &spec.parameters,
                docs: &spec.docs,
                earlier: &earlier,
            };
            let before = diagnostics.len();
            let compiled = compile::rule(
                rule_spec,
                &source,
                &context,
                include.as_ref(),
                &mut diagnostics,
            );
            for d in &diagnostics[before..] {
                if let Some(text) = library.text_of(&d.file) {
                    sources.insert(d.file.clone(), text.to_string());
                }
            }
            if !duplicate {
                earlier.insert(rule_spec.id.clone(), rule_spec.scope);
                rules.extend(compiled);
            }
        }
        phases.insert(phase, rules);
    }
    if !diagnostics.is_empty() {
        diagnostics.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        return Err(fail(diagnostics, sources));
    }
    Ok(RulePack {
        name: spec.pack,
        target: spec.target,
        title: spec.title,
        docs: spec.docs,
        preview: spec.preview,
        origin: file.to_string(),
        parameters: spec.parameters,
        upgrade_paths,
        phase: Phase::Pre,
        rules: phases.get(&Phase::Pre).cloned().unwrap_or_default(),
        phases,
    })
}

/// The fields of a pack that list rules, one per phase.
const RULE_LISTS: [&str; 3] = ["rules", "phases.workload", "phases.post"];
