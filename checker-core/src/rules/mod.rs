//! Rules and target packs, as data.
//!
//! A rule ([`spec::RuleSpec`], one file per rule in `rules/checks/`) is written once: a stable
//! ID, a severity, a scope (the platform, each cluster, or each probed host path), typed
//! parameters, the rules it `requires`, CEL expressions over the facts (`where`, `when`, `let`,
//! `require`, `observed`) and message templates with `{{ expr }}` holes or cases. A pack
//! ([`spec::PackSpec`], `rules/packs/acp-<target>.yaml`) names its target, its upgrade paths
//! with their typed parameters, and the rules it includes, with per-pack overrides.
//!
//! Loading is two-phase: each file is parsed into a tree with spans and checked against the
//! format's JSON Schema, collecting every problem; then each rule is compiled in the context of
//! its pack (every expression compiled, every fact path checked against the fact model, every
//! reference resolved). A broken file is rejected before anything runs, with every problem, its
//! field path and its place.

mod bundled;
mod compile;
pub mod diagnostics;
pub mod diff;
pub mod docs;
mod load;
mod params;
mod schema_check;
pub mod select;
pub mod spec;
pub mod variables;
pub mod waivers;
pub mod yaml;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::lang::Localized;

pub use bundled::{Library, bundled, for_target, library, targets};
pub use diagnostics::{Diagnostic, PackError};
pub use load::{Linted, load, load_file, load_rule};
pub use params::{ParamType, parse_bytes};
pub use schema_check::suggest;
pub use yaml::Position;

/// How much a failed rule matters.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The upgrade must not start while this fails.
    Blocker,
    /// The upgrade may start, but the operator must know this.
    Warning,
    /// Good to know: reported, never counted as a failure.
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

/// When in the upgrade a check is made: each phase has its own rules in a pack.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Before the window: is the platform ready to be upgraded (the default).
    Pre,
    /// Between the global and the workload upgrades: the global clusters are at the target, the
    /// workload clusters can follow.
    Workload,
    /// After the upgrade: did it reach the target, and is everything healthy again.
    Post,
}

impl Phase {
    /// Every phase, in upgrade order.
    pub const ALL: [Phase; 3] = [Phase::Pre, Phase::Workload, Phase::Post];

    /// Lower-case name, as in `--phase` and the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Pre => "pre",
            Phase::Workload => "workload",
            Phase::Post => "post",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a rule is evaluated against: one result per subject.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Once for the platform.
    Platform,
    /// Once per cluster (variable `cluster`).
    Cluster,
    /// Once per probed host path (variable `path`).
    HostPath,
    /// Once per control-plane node of the global cluster (variable `node`).
    ControlPlaneNode,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 4] = [
        Scope::Platform,
        Scope::Cluster,
        Scope::HostPath,
        Scope::ControlPlaneNode,
    ];

    /// Whether the rules of this scope are host checks, which `--skip-host` excludes: they
    /// measure the filesystems of the host or of the global control-plane nodes.
    pub fn is_host(self) -> bool {
        matches!(self, Scope::HostPath | Scope::ControlPlaneNode)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scope::Platform => "platform",
            Scope::Cluster => "cluster",
            Scope::HostPath => "host_path",
            Scope::ControlPlaneNode => "control_plane_node",
        })
    }
}

/// A supported upgrade path to the pack's target, with the parameters that apply on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpgradePath {
    /// Source `major.minor`, e.g. `"3.18"`.
    pub from: String,
    /// Whether this is a patch upgrade within the target's minor.
    pub patch: bool,
    /// Parameter values, typed (versions as text, sizes in bytes), visible to rules as
    /// `upgrade.<name>`.
    pub params: BTreeMap<String, serde_json::Value>,
}

/// A compiled CEL expression and where it was written.
#[derive(Clone)]
pub struct Expr {
    /// The expression text.
    pub source: String,
    /// The compiled program.
    pub program: Arc<cel::Program>,
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

impl Template {
    /// The template as written.
    pub fn source(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                TemplatePart::Text(t) => t.clone(),
                TemplatePart::Expr(e) => format!("{{{{ {} }}}}", e.source),
            })
            .collect()
    }
}

/// A piece of a [`Template`].
#[derive(Debug, Clone)]
pub enum TemplatePart {
    /// Text shown as written.
    Text(String),
    /// An expression whose value is shown.
    Expr(Expr),
}

/// A message: one template, or cases of which the first whose condition holds is used.
#[derive(Debug, Clone)]
pub struct Text {
    /// The cases, in order; the last has no condition.
    pub cases: Vec<(Option<Expr>, Localized<Template>)>,
}

impl Text {
    /// The text as written: the template, or one `when …: …` line per case.
    pub fn source(&self) -> String {
        match self.cases.as_slice() {
            [(None, template)] => template.en.source(),
            cases => cases
                .iter()
                .map(|(when, template)| match when {
                    Some(when) => format!("when {}: {}", when.source, template.en.source()),
                    None => format!("otherwise: {}", template.en.source()),
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

/// A rule parameter's value in a pack.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Its type.
    pub kind: ParamType,
    /// The value as rules see it (sizes in bytes).
    pub value: serde_json::Value,
}

impl fmt::Display for Param {
    /// As a pack writes it: `120 GiB`, `1.30`, `20`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.value, self.kind) {
            (serde_json::Value::Number(n), ParamType::Bytes) => {
                f.write_str(&crate::cel::format_size(n.as_i64().unwrap_or(i64::MAX)))
            }
            (serde_json::Value::String(s), _) => f.write_str(s),
            (value, _) => write!(f, "{value}"),
        }
    }
}

/// A rule, compiled and checked in the context of its pack.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Stable identifier, e.g. `KubernetesVersionSupported`.
    pub id: String,
    /// One-line title.
    pub title: Localized<String>,
    /// How much a failure matters (the pack's override, if any).
    pub severity: Severity,
    /// What it is evaluated against.
    pub scope: Scope,
    /// The upgrade guide's requirement, in its words.
    pub requirement: String,
    /// The step of the upgrade procedure it belongs to, when it belongs to one.
    pub step: Option<Localized<String>>,
    /// Parameter values in this pack, visible as `params.<name>`.
    pub params: BTreeMap<String, Param>,
    /// Rules that must pass first.
    pub requires: Vec<String>,
    /// Selects the subjects the rule applies to (others get no result).
    pub filter: Option<Expr>,
    /// When false, the result is `skipped` with the `skipped` message.
    pub when: Option<Expr>,
    /// Inputs the rule needs: when a check is false, the result is `error` with its text
    /// (a template, rendered like the messages).
    pub needs: Vec<(Expr, Localized<Template>)>,
    /// Named values, in order.
    pub bindings: Vec<(String, Expr)>,
    /// Must hold for the rule to pass.
    pub require: Expr,
    /// When `require` does not hold but this does, a blocker gives `warn`, not `fail`.
    pub warn_when: Option<Expr>,
    /// The value shown as observed.
    pub observed: Option<Expr>,
    /// The expected value, as text.
    pub expected: Text,
    /// Message when `require` holds.
    pub pass_message: Text,
    /// Message when it does not.
    pub fail_message: Text,
    /// Message when `when` is false.
    pub skipped_message: Option<Text>,
    /// Message when no subject matches `where` because an input is missing (then `error`).
    pub unchecked_message: Option<Localized<String>>,
    /// How to fix a failure.
    pub remediation: Localized<String>,
    /// Link to the documentation.
    pub docs: String,
    /// Interpretations and caveats (where the rule goes beyond the guide's words).
    pub notes: Option<String>,
    /// The fact paths the rule reads (e.g. `cluster.istio`), for honest failure reporting and
    /// the read plan of a live run.
    pub reads: BTreeSet<String>,
    /// The file the rule is defined in, and its line.
    pub defined_at: (String, u64),
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
    /// Whether the pack follows pre-release documentation.
    pub preview: bool,
    /// Where the pack was loaded from.
    pub origin: String,
    /// The typed parameters of the upgrade paths.
    pub parameters: BTreeMap<String, ParamType>,
    /// Supported upgrade paths.
    pub upgrade_paths: Vec<UpgradePath>,
    /// The phase [`RulePack::rules`] are for: `pre` as loaded, another after
    /// [`RulePack::for_phase`].
    pub phase: Phase,
    /// The rules of [`RulePack::phase`], in evaluation and report order.
    pub rules: Vec<Rule>,
    /// The rules of every phase the pack has (`pre` always), in order.
    pub phases: BTreeMap<Phase, Vec<Rule>>,
}

impl RulePack {
    /// The rule with this ID.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Every rule of every phase once, in the order of first appearance, with the phases that
    /// check it.
    pub fn all_rules(&self) -> Vec<(&Rule, Vec<Phase>)> {
        let mut all: Vec<(&Rule, Vec<Phase>)> = Vec::new();
        for (phase, rules) in &self.phases {
            for rule in rules {
                match all.iter_mut().find(|(r, _)| r.id == rule.id) {
                    Some((_, phases)) => phases.push(*phase),
                    None => all.push((rule, vec![*phase])),
                }
            }
        }
        all
    }

    /// The pack with the rules of `phase` as its [`RulePack::rules`]; `None` when the pack has
    /// no rules for that phase.
    pub fn for_phase(&self, phase: Phase) -> Option<RulePack> {
        let rules = self.phases.get(&phase)?.clone();
        Some(RulePack {
            phase,
            rules,
            ..self.clone()
        })
    }
}
