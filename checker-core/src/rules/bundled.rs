//! The rules and packs bundled with the tool (`rules/checks/*.yaml`, `rules/packs/*.yaml`,
//! embedded at build time), so the binary works air-gapped.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::diagnostics::{Diagnostic, PackError};
use super::load::{load_with, parse_checked};
use super::spec::{PackRuleSpec, PackSpec, RuleSpec};
use super::yaml::Node;
use super::{RulePack, Scope};

include!(concat!(env!("OUT_DIR"), "/bundled_rules.rs"));

/// A bundled rule file, parsed and checked against the schema.
#[derive(Debug)]
pub struct LibraryRule {
    /// `rules/checks/<Id>.yaml`.
    pub file: String,
    /// Its text.
    pub text: &'static str,
    /// The rule as written.
    pub spec: RuleSpec,
    /// Its tree, for diagnostics.
    pub node: Node,
}

/// Every bundled rule, by ID, and the bundled packs as written.
#[derive(Debug, Default)]
pub struct Library {
    /// Rules by ID.
    pub rules: BTreeMap<String, LibraryRule>,
    /// Packs by name, as written.
    pub packs: BTreeMap<String, PackSpec>,
    /// Problems in bundled files: a build defect, reported by [`bundled`].
    pub problems: Vec<Diagnostic>,
}

impl Library {
    /// The scope of a pack entry's rule, when known.
    pub(super) fn scope_of(&self, entry: &PackRuleSpec) -> Option<Scope> {
        match entry {
            PackRuleSpec::Inline(rule) => Some(rule.scope),
            PackRuleSpec::Id(id) | PackRuleSpec::Include(super::spec::IncludeSpec { id, .. }) => {
                self.rules.get(id).map(|r| r.spec.scope)
            }
        }
    }

    /// Every bundled rule's scope, by ID.
    pub(super) fn all_scopes(&self) -> BTreeMap<String, Scope> {
        self.rules
            .iter()
            .map(|(id, r)| (id.clone(), r.spec.scope))
            .collect()
    }

    /// The text of a bundled file.
    pub(super) fn text_of(&self, file: &str) -> Option<&'static str> {
        BUNDLED_CHECKS
            .iter()
            .chain(BUNDLED_PACKS)
            .find(|(name, _)| *name == file)
            .map(|(_, text)| *text)
    }
}

/// The bundled rules, parsed once.
pub fn library() -> &'static Library {
    static LIBRARY: OnceLock<Library> = OnceLock::new();
    LIBRARY.get_or_init(|| {
        let mut library = Library::default();
        for (file, text) in BUNDLED_CHECKS {
            match parse_checked::<RuleSpec>(file, text) {
                Ok((spec, node)) => {
                    let expected = format!("rules/checks/{}.yaml", spec.id);
                    if *file != expected {
                        library.problems.push(Diagnostic::new(
                            file,
                            "id",
                            Some(node.position_of("id")),
                            format!("rule {} must be in {expected}", spec.id),
                        ));
                    }
                    library.rules.insert(
                        spec.id.clone(),
                        LibraryRule {
                            file: file.to_string(),
                            text,
                            spec,
                            node,
                        },
                    );
                }
                Err(problems) => library.problems.extend(problems),
            }
        }
        for (file, text) in BUNDLED_PACKS {
            match parse_checked::<PackSpec>(file, text) {
                Ok((spec, _)) => {
                    library.packs.insert(spec.pack.clone(), spec);
                }
                Err(problems) => library.problems.extend(problems),
            }
        }
        library
    })
}

/// Loads every bundled pack. A broken bundled file is a build defect that the tests catch.
pub fn bundled() -> Result<Vec<RulePack>, PackError> {
    let library = library();
    if !library.problems.is_empty() {
        return Err(PackError {
            file: "rules/".to_string(),
            diagnostics: library.problems.clone(),
            sources: BUNDLED_CHECKS
                .iter()
                .chain(BUNDLED_PACKS)
                .map(|(f, t)| (f.to_string(), t.to_string()))
                .collect(),
        });
    }
    BUNDLED_PACKS
        .iter()
        .map(|(file, text)| load_with(file, text, library))
        .collect()
}

/// The bundled pack for a target version (`4.1`).
pub fn for_target(target: &str) -> Result<Option<RulePack>, PackError> {
    Ok(bundled()?.into_iter().find(|p| p.target == target))
}

/// The target versions bundled packs exist for, e.g. `["4.1"]`.
pub fn targets() -> Vec<String> {
    library().packs.values().map(|p| p.target.clone()).collect()
}
