//! The variables of an evaluation, built from the facts (see [`crate::rules::variables`] for
//! what each one is), and the subjects each scope is evaluated against.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use cel::Value;
use cel::objects::Key;
use serde_json::{Value as Json, json};

use crate::cel::values::to_cel;
use crate::facts::{ClusterFacts, Fact, Facts, FamilyFact};
use crate::lang::Lang;
use crate::rules::{Phase, RulePack, Scope};
use crate::tr;
use crate::version::Version;

/// A fact path that could not be established, and why.
#[derive(Debug, Clone)]
pub(super) struct Unavailable {
    pub path: String,
    pub cause: String,
}

/// The variables of one subject, and the paths among them that are unavailable. Values are
/// converted to CEL once; cloning them per subject only bumps reference counts.
#[derive(Debug, Clone, Default)]
pub(super) struct Bindings {
    pub vars: BTreeMap<&'static str, Value>,
    /// The subject cluster (`cluster`), kept by field so that each rule is given only the
    /// families it reads: binding a variable copies all of it, and a cluster's nodes are large.
    pub cluster: Option<ClusterFields>,
    pub unavailable: Vec<Unavailable>,
    /// The language of the causes.
    pub lang: Lang,
}

/// The fields of the `cluster` variable: inventory fields, and the families rules read.
#[derive(Debug, Clone, Default)]
pub(super) struct ClusterFields {
    base: Vec<(Key, Value)>,
    families: BTreeMap<String, Value>,
}

impl ClusterFields {
    /// The `cluster` value a rule reading `reads` is given: its inventory fields and the
    /// families `reads` name (all of them when `cluster` itself is read).
    pub(super) fn value_for<'a>(&self, reads: impl Iterator<Item = &'a str> + Clone) -> Value {
        let whole = reads.clone().any(|r| r == "cluster");
        self.value(|family| {
            whole
                || reads.clone().any(|r| {
                    r.strip_prefix("cluster.")
                        .is_some_and(|rest| rest.split('.').next() == Some(family))
                })
        })
    }

    /// The cluster value with its inventory fields and the families `wanted` accepts.
    fn value(&self, wanted: impl Fn(&str) -> bool) -> Value {
        let map: HashMap<Key, Value> = self
            .base
            .iter()
            .cloned()
            .chain(
                self.families
                    .iter()
                    .filter(|(name, _)| wanted(name))
                    .map(|(name, value)| (Key::String(Arc::new(name.clone())), value.clone())),
            )
            .collect();
        Value::Map(map.into())
    }
}

impl Bindings {
    fn set(&mut self, name: &'static str, value: &Json) {
        self.vars.insert(name, to_cel(value));
    }

    fn unavailable(&mut self, path: impl Into<String>, cause: impl Into<String>) {
        self.unavailable.push(Unavailable {
            path: path.into(),
            cause: cause.into(),
        });
    }

    /// A family's value, recording it (or its unknown parts) as unavailable under `path`.
    fn family(&mut self, path: &str, family: &FamilyFact) -> Json {
        for (part, cause) in &family.unknown_parts {
            self.unavailable(format!("{path}.{part}"), cause.clone());
        }
        match &family.fact {
            Fact::Known(value) => value.clone(),
            Fact::Unknown(error) => {
                self.unavailable(path, error.text(self.lang));
                Json::Null
            }
        }
    }
}

/// One thing a rule is evaluated against.
pub(super) struct Subject {
    pub label: BTreeMap<String, String>,
    pub bindings: Bindings,
}

/// What of the facts the pack's rules read: converting a fact to CEL costs time in proportion
/// to its size (a cluster's nodes, the whole fleet as `clusters`), so only those are bound.
#[derive(Debug, Clone, Default)]
pub(super) struct Used {
    /// Whether a rule reads `clusters`.
    clusters: bool,
    /// The cluster-level families a rule reads (all of them when one reads a whole cluster).
    families: std::collections::BTreeSet<String>,
    /// Whether a rule reads a whole cluster value.
    every_family: bool,
}

impl Used {
    /// What the rules of a pack read.
    pub(super) fn by(pack: &RulePack) -> Used {
        let mut used = Used::default();
        for path in pack.rules.iter().flat_map(|r| r.reads.iter()) {
            let mut parts = path.split('.');
            let root = parts.next().unwrap_or_default();
            let field = parts.next();
            match (root, field) {
                ("clusters", _) => {
                    used.clusters = true;
                    match field {
                        None => used.every_family = true,
                        Some(field) => {
                            used.families.insert(field.to_string());
                        }
                    }
                }
                ("cluster", None) => used.every_family = true,
                ("cluster", Some(field)) => {
                    used.families.insert(field.to_string());
                }
                _ => {}
            }
        }
        used
    }

    fn family(&self, name: &str) -> bool {
        self.every_family || self.families.contains(name)
    }
}

/// A cluster as CEL sees it, converted once: inventory fields plus the families rules read
/// (null when unknown, recorded in `bindings` as unavailable).
fn cluster_fields(cluster: &ClusterFacts, used: &Used, bindings: &mut Bindings) -> ClusterFields {
    let base = match serde_json::to_value(&cluster.base) {
        Ok(Json::Object(fields)) => fields
            .iter()
            .map(|(k, v)| (Key::String(Arc::new(k.clone())), to_cel(v)))
            .collect(),
        _ => Vec::new(),
    };
    let families = cluster
        .families
        .iter()
        .filter(|(n, _)| used.family(n))
        .map(|(name, family)| {
            let value = bindings.family(&format!("cluster.{name}"), family);
            (name.clone(), to_cel(&value))
        })
        .collect();
    ClusterFields { base, families }
}

/// The platform-wide variables shared by every rule.
pub(super) fn global(
    pack: &RulePack,
    facts: &Facts,
    used: &Used,
    from: Option<&str>,
    lang: Lang,
) -> Bindings {
    let mut bindings = Bindings {
        lang,
        ..Bindings::default()
    };
    bindings.set("target", &json!(pack.target));
    bindings.set("phase", &json!(pack.phase.as_str()));
    let sources: Vec<&str> = pack.upgrade_paths.iter().map(|p| p.from.as_str()).collect();
    bindings.set("upgrade_sources", &json!(sources));
    for (name, family) in &facts.platform {
        let value = bindings.family(name, family);
        if let Some(name) = crate::facts::FAMILIES
            .iter()
            .map(|f| f.name())
            .find(|n| n == name)
        {
            bindings.set(name, &value);
        }
    }
    let upgrade = upgrade(pack, facts, from, &mut bindings);
    bindings.set("upgrade", &upgrade);
    let clusters = match &facts.clusters {
        Fact::Known(_) if !used.clusters => Value::Null,
        Fact::Known(clusters) => {
            let mut scratch = Bindings {
                lang,
                ..Bindings::default()
            };
            Value::List(Arc::new(
                clusters
                    .iter()
                    .map(|c| cluster_fields(c, used, &mut scratch).value(|_| true))
                    .collect(),
            ))
        }
        Fact::Unknown(error) => {
            bindings.unavailable("clusters", error.text(lang));
            Value::Null
        }
    };
    bindings.vars.insert("clusters", clusters);
    bindings
}

/// The matched upgrade path, null when the source version has none. Before the upgrade the
/// source is the platform's installed version; in the later phases the platform is already at
/// the target, so the source is the version the operator gives (`from`).
fn upgrade(pack: &RulePack, facts: &Facts, from: Option<&str>, bindings: &mut Bindings) -> Json {
    let lang = bindings.lang;
    let version = match (pack.phase, from) {
        (_, Some(from)) => from,
        (Phase::Pre, None) => {
            let platform = facts.platform.get("platform").map(|f| &f.fact);
            let version = match platform {
                Some(Fact::Known(platform)) => platform.get("version").and_then(Json::as_str),
                Some(Fact::Unknown(error)) => {
                    bindings.unavailable("upgrade", error.text(lang));
                    return Json::Null;
                }
                None => None,
            };
            let Some(version) = version else {
                bindings.unavailable(
                    "upgrade",
                    tr!(
                        lang,
                        "the platform version is unknown",
                        "версия платформы неизвестна"
                    ),
                );
                return Json::Null;
            };
            version
        }
        (phase, None) => {
            bindings.unavailable(
                "upgrade",
                tr!(
                    lang,
                    "the version the upgrade started from is not known in the {phase} phase: give --from VERSION or --baseline REPORT (the report of the check made before the upgrade)",
                    "в фазе {phase} неизвестна версия, с которой началось обновление: укажите --from VERSION или --baseline REPORT (отчёт проверки, сделанной до обновления)",
                    phase = phase
                ),
            );
            return Json::Null;
        }
    };
    match Version::parse(version) {
        Err(error) => {
            bindings.unavailable(
                "upgrade",
                tr!(
                    lang,
                    "the platform version cannot be read: {error}",
                    "версию платформы не удалось разобрать: {error}",
                    error = error
                ),
            );
            Json::Null
        }
        Ok(version) => pack
            .upgrade_paths
            .iter()
            .find(|p| p.from == version.major_minor())
            .map(|p| {
                let mut value = json!({ "from": p.from, "patch": p.patch });
                for (k, v) in &p.params {
                    value[k] = v.clone();
                }
                value
            })
            .unwrap_or(Json::Null),
    }
}

/// The subjects of a scope, or why there are none.
pub(super) fn subjects(
    scope: Scope,
    facts: &Facts,
    global: &Bindings,
    used: &Used,
) -> Result<Vec<Subject>, String> {
    match scope {
        Scope::Platform => Ok(vec![Subject {
            label: BTreeMap::new(),
            bindings: global.clone(),
        }]),
        Scope::Cluster => match &facts.clusters {
            Fact::Unknown(error) => Err(error.text(global.lang)),
            Fact::Known(clusters) => Ok(clusters
                .iter()
                .map(|cluster| {
                    let mut bindings = global.clone();
                    bindings.cluster = Some(cluster_fields(cluster, used, &mut bindings));
                    Subject {
                        label: BTreeMap::from([("cluster".to_string(), cluster.base.name.clone())]),
                        bindings,
                    }
                })
                .collect()),
        },
        Scope::HostPath => Ok(platform_list(facts, "host", "paths", global.lang)?
            .map(|probe| {
                let mut bindings = global.clone();
                bindings.set("path", probe);
                if let Some(error) = probe.get("error").and_then(Json::as_str) {
                    bindings.unavailable("path", error);
                }
                Subject {
                    label: BTreeMap::from([
                        ("host".to_string(), text(probe, "host")),
                        ("path".to_string(), text(probe, "path")),
                    ]),
                    bindings,
                }
            })
            .collect()),
        Scope::ControlPlaneNode => Ok(platform_list(facts, "control_plane", "nodes", global.lang)?
            .map(|node| {
                let mut bindings = global.clone();
                bindings.set("node", node);
                Subject {
                    label: BTreeMap::from([
                        ("node".to_string(), text(node, "name")),
                        (
                            "path".to_string(),
                            node.pointer("/minio/path")
                                .and_then(Json::as_str)
                                .unwrap_or_default()
                                .to_string(),
                        ),
                    ]),
                    bindings,
                }
            })
            .collect()),
    }
}

/// The elements of the list `field` of a platform-level family, or why the family is unknown.
fn platform_list<'f>(
    facts: &'f Facts,
    family: &str,
    field: &str,
    lang: Lang,
) -> Result<impl Iterator<Item = &'f Json>, String> {
    match facts.platform.get(family).map(|f| &f.fact) {
        Some(Fact::Known(value)) => Ok(value
            .get(field)
            .and_then(Json::as_array)
            .into_iter()
            .flatten()),
        Some(Fact::Unknown(error)) => Err(error.text(lang)),
        None => Err(tr!(
            lang,
            "no {family} facts were collected",
            "факты {family} не собраны",
            family = family
        )),
    }
}

/// A string field of a JSON object, or empty.
fn text(object: &Json, key: &str) -> String {
    object
        .get(key)
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_string()
}
