//! The rule and pack file formats, as written. The JSON Schema generated from these types is
//! what files are validated against before they are read ([`super::yaml::validate`]), and what
//! editors can use (`acp-preflight rules schema`).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ParamType, Scope, Severity};

/// One rule, in `rules/checks/<Id>.yaml` or inline in a pack: logic, texts and docs, written
/// once and used by every pack that includes it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Stable identifier, UpperCamelCase (`KubernetesVersionSupported`); CI pipelines rely on it.
    pub id: String,
    /// One-line title.
    pub title: LocalText,
    /// How much a failure matters; a pack may override it.
    pub severity: Severity,
    /// What the rule is evaluated against: one result per subject.
    pub scope: Scope,
    /// The upgrade guide's requirement, in its words.
    pub requirement: String,
    /// The step of the upgrade procedure the rule belongs to, as the guide orders them (`DR 1.
    /// Verify the standby is in sync`): the table groups results under their step, in the
    /// order the pack first lists each step. Rules of no particular step have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<LocalText>,
    /// Parameters of the rule (thresholds), with their types and defaults; rules read them as
    /// `params.<name>`, and a pack may override their values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, ParamSpec>,
    /// Rules (earlier in the pack) that must pass first; otherwise this rule is `skipped`
    /// (the required rule failed or does not apply) or `error` (it could not be evaluated).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// CEL: which subjects the rule applies to (others get no result).
    #[serde(rename = "where", default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// CEL: when false, the result is `skipped` with the `skipped` message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// Inputs the rule cannot be evaluated without (a flag given, a path probed), checked once
    /// `when` says the rule applies: when a check is false the result is `error` with its text,
    /// which says what to give.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<NeedSpec>,
    /// Named CEL values, computed in order before `require`.
    #[serde(rename = "let", default, skip_serializing_if = "Vec::is_empty")]
    pub bindings: Vec<LetSpec>,
    /// CEL: must hold for the rule to pass.
    pub require: String,
    /// CEL, for a blocker: when `require` does not hold but this does, the result is `warn`
    /// instead of `fail` (the lesser of the rule's failures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_when: Option<String>,
    /// CEL: the value shown as observed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<String>,
    /// The expected value, as text (a template, or cases).
    pub expected: TextSpec,
    /// The messages of each outcome.
    pub message: MessagesSpec,
    /// How to fix a failure.
    pub remediation: LocalText,
    /// Link to the documentation; the pack's `docs` when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs: Option<String>,
    /// Interpretations and caveats, where the rule goes beyond the guide's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl RuleSpec {
    /// Every text people read, with its field path (`message.fail[1].text`): the texts written
    /// in both languages.
    pub fn texts(&self) -> Vec<(String, &LocalText)> {
        let mut texts = vec![("title".to_string(), &self.title)];
        if let Some(step) = &self.step {
            texts.push(("step".to_string(), step));
        }
        for (i, need) in self.needs.iter().enumerate() {
            texts.push((format!("needs[{i}].text"), &need.text));
        }
        let messages = [
            ("expected", Some(&self.expected)),
            ("message.pass", Some(&self.message.pass)),
            ("message.fail", Some(&self.message.fail)),
            ("message.skipped", self.message.skipped.as_ref()),
        ];
        for (field, text) in messages {
            match text {
                None => {}
                Some(TextSpec::Template(text)) => texts.push((field.to_string(), text)),
                Some(TextSpec::Cases(cases)) => texts.extend(
                    cases
                        .iter()
                        .enumerate()
                        .map(|(i, case)| (format!("{field}[{i}].text"), &case.text)),
                ),
            }
        }
        if let Some(unchecked) = &self.message.unchecked {
            texts.push(("message.unchecked".to_string(), unchecked));
        }
        texts.push(("remediation".to_string(), &self.remediation));
        texts
    }
}

/// An input a rule needs.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedSpec {
    /// CEL: true when the input is there.
    pub check: String,
    /// What to give when it is not (shown as the `error` message; a template with `{{ expr }}`
    /// holes, like the messages).
    pub text: LocalText,
}

/// A named value computed before `require`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LetSpec {
    /// A lower-case identifier that is not a fact variable.
    pub name: String,
    /// CEL.
    pub value: String,
}

/// A rule parameter: its type and default value.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    /// `version`, `bytes` (`120GiB`), `int` or `string`.
    #[serde(rename = "type")]
    pub kind: ParamType,
    /// The value when the pack does not set one.
    pub default: ParamValueSpec,
    /// What it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

/// A parameter value as written: text (`"1.30"`, `120GiB`) or a number.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ParamValueSpec {
    /// A whole number.
    Int(i64),
    /// Text: a version, a size or a string.
    Text(String),
}

/// A text people read, in English and Russian (`{en: …, ru: …}`), or in English alone (a plain
/// string: Russian output then shows the English). The bundled rules give both; in a template,
/// both languages have the same `{{ expr }}` holes.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum LocalText {
    /// English only.
    English(String),
    /// Both languages.
    Both(BothSpec),
}

/// A text in both languages.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BothSpec {
    /// English.
    pub en: String,
    /// Russian.
    pub ru: String,
}

impl LocalText {
    /// The English text.
    pub fn en(&self) -> &str {
        match self {
            LocalText::English(en) | LocalText::Both(BothSpec { en, .. }) => en,
        }
    }

    /// The Russian text, when written.
    pub fn ru(&self) -> Option<&str> {
        match self {
            LocalText::English(_) => None,
            LocalText::Both(both) => Some(&both.ru),
        }
    }

    /// As a [`crate::lang::Localized`] string.
    pub fn localized(&self) -> crate::lang::Localized<String> {
        crate::lang::Localized {
            en: self.en().to_string(),
            ru: self.ru().map(str::to_string),
        }
    }
}

/// A text with `{{ expr }}` holes, or cases: the first case whose `when` holds gives the text.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum TextSpec {
    /// One template.
    Template(LocalText),
    /// Cases, tried in order; the last has no `when`.
    Cases(Vec<CaseSpec>),
}

/// One case of a [`TextSpec`].
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseSpec {
    /// CEL: this case applies when it holds; the last case has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// The template.
    pub text: LocalText,
}

/// The messages of a rule, one per outcome.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessagesSpec {
    /// Shown when `require` holds.
    pub pass: TextSpec,
    /// Shown when `require` does not hold.
    pub fail: TextSpec,
    /// Shown when `when` is false; required when the rule has `when`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<TextSpec>,
    /// Plain text for when no subject matches `where` because an input was not given (a path
    /// not probed): the result is then `error` with this text, which says what to give.
    /// Without it, no subject means the rule does not apply (`skipped`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unchecked: Option<LocalText>,
}

/// A target pack: `rules/packs/acp-<target>.yaml`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackSpec {
    /// Pack name, e.g. `acp-4.1`.
    pub pack: String,
    /// Target ACP version, quoted (`"4.1"`).
    pub target: String,
    /// Title.
    pub title: String,
    /// The upgrade guide: the docs link of every rule that names none.
    pub docs: String,
    /// Marks a pack whose sources are pre-release documentation.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub preview: bool,
    /// The parameters every upgrade path sets, with their types; rules read them as
    /// `upgrade.<name>`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, ParamType>,
    /// The supported upgrade paths to the target.
    pub upgrade_paths: Vec<UpgradePathSpec>,
    /// The rules checked before the window (`--phase pre`, the default), in evaluation and
    /// report order: an ID of a bundled rule, an ID with overrides, or a whole rule written
    /// inline.
    pub rules: Vec<PackRuleSpec>,
    /// The rules of the later phases, written like `rules`.
    #[serde(default, skip_serializing_if = "PhasesSpec::is_empty")]
    pub phases: PhasesSpec,
}

/// The rules of the phases after `pre`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PhasesSpec {
    /// `--phase workload`: after the global clusters were upgraded, before the workload
    /// clusters are.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workload: Vec<PackRuleSpec>,
    /// `--phase post`: after the upgrade.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub post: Vec<PackRuleSpec>,
}

impl PhasesSpec {
    /// Whether no later phase has rules.
    pub fn is_empty(&self) -> bool {
        self.workload.is_empty() && self.post.is_empty()
    }
}

impl PackSpec {
    /// Each phase with rules, its field in the file, and its entries: `rules` first.
    pub fn phase_lists(&self) -> Vec<(super::Phase, &'static str, &[PackRuleSpec])> {
        let mut lists = vec![(super::Phase::Pre, "rules", self.rules.as_slice())];
        for (phase, field, entries) in [
            (
                super::Phase::Workload,
                "phases.workload",
                &self.phases.workload,
            ),
            (super::Phase::Post, "phases.post", &self.phases.post),
        ] {
            if !entries.is_empty() {
                lists.push((phase, field, entries.as_slice()));
            }
        }
        lists
    }
}

/// A supported upgrade path.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpgradePathSpec {
    /// Source `major.minor`, quoted (`"3.18"`).
    pub from: String,
    /// Whether this is a patch upgrade within the target's minor.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub patch: bool,
    /// A value for each of the pack's `parameters`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, ParamValueSpec>,
}

/// One entry of a pack's `rules`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum PackRuleSpec {
    /// A bundled rule, as it is.
    Id(String),
    /// A bundled rule with overrides.
    Include(IncludeSpec),
    /// A rule defined in the pack itself.
    Inline(Box<RuleSpec>),
}

/// A bundled rule with per-pack overrides.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncludeSpec {
    /// The rule's ID.
    pub id: String,
    /// Another severity in this pack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Other parameter values in this pack.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, ParamValueSpec>,
    /// Another docs link in this pack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs: Option<String>,
    /// Another step of the procedure in this pack (the sync checks of the DR step that
    /// reinstalls etcd-sync, after the upgrade).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<LocalText>,
    /// CEL: in this pack, only the subjects for which this holds too (on top of the rule's own
    /// `where`), e.g. `cluster.role == 'workload'` once the global cluster is upgraded.
    #[serde(rename = "where", default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
}
