//! The variables of an evaluation, built from the facts (see [`crate::rules::variables`] for
//! what each one is), and the subjects each scope is evaluated against.

use std::collections::BTreeMap;

use cel::Value;
use serde_json::{Value as Json, json};

use crate::cel::values::to_cel;
use crate::facts::{ClusterFacts, Fact, Facts, FamilyFact};
use crate::rules::{RulePack, Scope};
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
    pub unavailable: Vec<Unavailable>,
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
                self.unavailable(path, error.to_string());
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

/// A cluster as CEL sees it: inventory fields plus every family (null when unknown).
fn cluster_json(cluster: &ClusterFacts, bindings: &mut Bindings) -> Json {
    let mut value = serde_json::to_value(&cluster.base).unwrap_or(Json::Null);
    for (name, family) in &cluster.families {
        value[name.as_str()] = bindings.family(&format!("cluster.{name}"), family);
    }
    value
}

/// The platform-wide variables shared by every rule.
pub(super) fn global(pack: &RulePack, facts: &Facts) -> Bindings {
    let mut bindings = Bindings::default();
    bindings.set("target", &json!(pack.target));
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
    let upgrade = upgrade(pack, facts, &mut bindings);
    bindings.set("upgrade", &upgrade);
    let clusters = match &facts.clusters {
        Fact::Known(clusters) => {
            let mut scratch = Bindings::default();
            Json::Array(
                clusters
                    .iter()
                    .map(|c| cluster_json(c, &mut scratch))
                    .collect(),
            )
        }
        Fact::Unknown(error) => {
            bindings.unavailable("clusters", error.to_string());
            Json::Null
        }
    };
    bindings.set("clusters", &clusters);
    bindings
}

/// The matched upgrade path, null when the platform version has none.
fn upgrade(pack: &RulePack, facts: &Facts, bindings: &mut Bindings) -> Json {
    let platform = facts.platform.get("platform").map(|f| &f.fact);
    let version = match platform {
        Some(Fact::Known(platform)) => platform.get("version").and_then(Json::as_str),
        Some(Fact::Unknown(error)) => {
            bindings.unavailable("upgrade", error.to_string());
            return Json::Null;
        }
        None => None,
    };
    let Some(version) = version else {
        bindings.unavailable("upgrade", "the platform version is unknown");
        return Json::Null;
    };
    match Version::parse(version) {
        Err(error) => {
            bindings.unavailable(
                "upgrade",
                format!("the platform version cannot be read: {error}"),
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
) -> Result<Vec<Subject>, String> {
    match scope {
        Scope::Platform => Ok(vec![Subject {
            label: BTreeMap::new(),
            bindings: global.clone(),
        }]),
        Scope::Cluster => match &facts.clusters {
            Fact::Unknown(error) => Err(error.to_string()),
            Fact::Known(clusters) => Ok(clusters
                .iter()
                .map(|cluster| {
                    let mut bindings = global.clone();
                    let value = cluster_json(cluster, &mut bindings);
                    bindings.set("cluster", &value);
                    Subject {
                        label: BTreeMap::from([("cluster".to_string(), cluster.base.name.clone())]),
                        bindings,
                    }
                })
                .collect()),
        },
        Scope::HostPath => {
            let host = facts.platform.get("host").map(|f| &f.fact);
            let host = match host {
                Some(Fact::Known(host)) => host,
                Some(Fact::Unknown(error)) => return Err(error.to_string()),
                None => return Err("no host facts were collected".to_string()),
            };
            let hostname = host
                .get("hostname")
                .and_then(Json::as_str)
                .unwrap_or_default();
            Ok(host
                .get("paths")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .map(|probe| {
                    let mut bindings = global.clone();
                    bindings.set("path", probe);
                    if let Some(error) = probe.get("error").and_then(Json::as_str) {
                        bindings.unavailable("path", error);
                    }
                    let text = |key| {
                        probe
                            .get(key)
                            .and_then(Json::as_str)
                            .unwrap_or_default()
                            .to_string()
                    };
                    Subject {
                        label: BTreeMap::from([
                            ("host".to_string(), hostname.to_string()),
                            ("path".to_string(), text("path")),
                        ]),
                        bindings,
                    }
                })
                .collect())
        }
    }
}
