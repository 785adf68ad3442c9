//! What changes between two packs (`rules diff --from 4.1 --to 4.3`): the upgrade paths and
//! their thresholds, the rules added and removed, and, for the rules both check, their
//! severity, parameters, phases and filters.

use serde::Serialize;

use super::{Param, ParamType, Phase, Rule, RulePack};

/// The differences between two packs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackDiff {
    /// The first pack's target.
    pub from: String,
    /// The second pack's target.
    pub to: String,
    /// Source versions with an upgrade path to the second target only.
    pub paths_added: Vec<String>,
    /// Source versions with an upgrade path to the first target only.
    pub paths_removed: Vec<String>,
    /// Upgrade-path parameters that differ for a source both have, or that one pack has only.
    pub thresholds: Vec<Change>,
    /// Rules only the second pack checks, with their severity.
    pub rules_added: Vec<RuleSummary>,
    /// Rules only the first pack checks.
    pub rules_removed: Vec<RuleSummary>,
    /// Rules both check, with what differs.
    pub rules_changed: Vec<RuleChanges>,
}

/// One value that differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// What it is: `from 4.0: min_kubernetes`, `severity`.
    pub what: String,
    /// Its value in the first pack; null when absent there.
    pub before: Option<String>,
    /// Its value in the second pack; null when absent there.
    pub after: Option<String>,
}

/// A rule and its severity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleSummary {
    /// Rule ID.
    pub id: String,
    /// Severity in that pack.
    pub severity: String,
    /// Title.
    pub title: String,
}

/// What differs in one rule both packs check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleChanges {
    /// Rule ID.
    pub id: String,
    /// The differences.
    pub changes: Vec<Change>,
}

impl PackDiff {
    /// Whether the two packs check the same things the same way.
    pub fn is_empty(&self) -> bool {
        self.paths_added.is_empty()
            && self.paths_removed.is_empty()
            && self.thresholds.is_empty()
            && self.rules_added.is_empty()
            && self.rules_removed.is_empty()
            && self.rules_changed.is_empty()
    }
}

/// The differences from pack `a` to pack `b` (each loaded with all its phases).
pub fn diff(a: &RulePack, b: &RulePack) -> PackDiff {
    let sources =
        |p: &RulePack| -> Vec<String> { p.upgrade_paths.iter().map(|u| u.from.clone()).collect() };
    let (from_a, from_b) = (sources(a), sources(b));
    let mut thresholds = Vec::new();
    for path in &a.upgrade_paths {
        let Some(other) = b.upgrade_paths.iter().find(|o| o.from == path.from) else {
            continue;
        };
        let names: std::collections::BTreeSet<&String> =
            path.params.keys().chain(other.params.keys()).collect();
        for name in names {
            // Shown as the pack writes it, by the type the pack gives the parameter.
            let text = |pack: &RulePack, v: Option<&serde_json::Value>| {
                v.map(|value| {
                    Param {
                        kind: pack
                            .parameters
                            .get(name)
                            .copied()
                            .unwrap_or(ParamType::String),
                        value: value.clone(),
                    }
                    .to_string()
                })
            };
            let (before, after) = (
                text(a, path.params.get(name)),
                text(b, other.params.get(name)),
            );
            if before != after {
                thresholds.push(Change {
                    what: format!("from {}: {name}", path.from),
                    before,
                    after,
                });
            }
        }
    }
    let rules_a = a.all_rules();
    let rules_b = b.all_rules();
    fn find<'r>(list: &[(&'r Rule, Vec<Phase>)], id: &str) -> Option<(&'r Rule, Vec<Phase>)> {
        list.iter()
            .find(|(r, _)| r.id == id)
            .map(|(r, phases)| (*r, phases.clone()))
    }
    let summary = |rule: &Rule| RuleSummary {
        id: rule.id.clone(),
        severity: rule.severity.to_string(),
        title: rule.title.en.clone(),
    };
    let mut rules_changed = Vec::new();
    for (rule, phases) in &rules_a {
        let Some((other, other_phases)) = find(&rules_b, &rule.id) else {
            continue;
        };
        let changes = rule_changes((rule, phases), (other, &other_phases));
        if !changes.is_empty() {
            rules_changed.push(RuleChanges {
                id: rule.id.clone(),
                changes,
            });
        }
    }
    PackDiff {
        from: a.target.clone(),
        to: b.target.clone(),
        paths_added: from_b
            .iter()
            .filter(|s| !from_a.contains(s))
            .cloned()
            .collect(),
        paths_removed: from_a
            .iter()
            .filter(|s| !from_b.contains(s))
            .cloned()
            .collect(),
        thresholds,
        rules_added: rules_b
            .iter()
            .filter(|(r, _)| find(&rules_a, &r.id).is_none())
            .map(|(r, _)| summary(r))
            .collect(),
        rules_removed: rules_a
            .iter()
            .filter(|(r, _)| find(&rules_b, &r.id).is_none())
            .map(|(r, _)| summary(r))
            .collect(),
        rules_changed,
    }
}

/// What differs between two versions of one rule.
fn rule_changes(a: (&Rule, &[Phase]), b: (&Rule, &[Phase])) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut compare = |what: String, before: Option<String>, after: Option<String>| {
        if before != after {
            changes.push(Change {
                what,
                before,
                after,
            });
        }
    };
    let ((ra, pa), (rb, pb)) = (a, b);
    compare(
        "severity".to_string(),
        Some(ra.severity.to_string()),
        Some(rb.severity.to_string()),
    );
    let phases = |p: &[Phase]| Some(p.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", "));
    compare("phases".to_string(), phases(pa), phases(pb));
    let names: std::collections::BTreeSet<&String> =
        ra.params.keys().chain(rb.params.keys()).collect();
    for name in names {
        let value = |r: &Rule| r.params.get(name).map(Param::to_string);
        compare(format!("params.{name}"), value(ra), value(rb));
    }
    let filter = |r: &Rule| r.filter.as_ref().map(|f| f.source.trim().to_string());
    compare("where".to_string(), filter(ra), filter(rb));
    compare(
        "require".to_string(),
        Some(ra.require.source.trim().to_string()),
        Some(rb.require.source.trim().to_string()),
    );
    changes
}
