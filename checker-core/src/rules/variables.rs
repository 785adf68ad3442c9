//! The variables a rule can read, per scope, and their shapes, built from the fact model
//! ([`crate::facts::FAMILIES`]) plus what the pack adds (`target`, `upgrade`, `params`):
//!
//! - `target`: the pack's target version;
//! - `phase`: the phase checked (`pre`, `workload`, `post`);
//! - `upgrade_sources`: the source versions the pack has upgrade paths from (`3.18`, `4.0`…);
//! - one variable per platform-level family (`platform`, `host`);
//! - `clusters`: every cluster, each with its inventory fields and cluster-level families;
//! - `upgrade`: the matched upgrade path (`from`, `patch` and the pack's `parameters`), or null
//!   when the source version has no path to the target (the installed version before the
//!   upgrade, the one given with `--from` or `--baseline` after);
//! - `params`: the rule's own parameters;
//! - `cluster` in cluster scope, `path` (an element of `host.paths`) in host-path scope and
//!   `node` (an element of `control_plane.nodes`) in control-plane-node scope.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{Value as Json, json};

use super::{ParamType, Scope};
use crate::facts::schema::{self as schema_tools, FactPath};
use crate::facts::{FAMILIES, Level};

/// Names a `let` may not take: every variable, and `observed`.
pub fn reserved(name: &str) -> bool {
    name == "observed"
        || [
            "target",
            "phase",
            "upgrade",
            "upgrade_sources",
            "params",
            "clusters",
            "cluster",
            "path",
            "node",
        ]
        .contains(&name)
        || FAMILIES
            .iter()
            .any(|f| f.level() == Level::Platform && f.name() == name)
}

/// The schemas of the variables that come from facts, computed once.
fn fact_schemas() -> &'static BTreeMap<&'static str, Json> {
    static SCHEMAS: OnceLock<BTreeMap<&'static str, Json>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let mut vars = BTreeMap::new();
        let mut cluster = crate::facts::cluster_base_schema();
        for family in FAMILIES {
            let schema = family.schema().to_value();
            match family.level() {
                Level::Platform => {
                    vars.insert(family.name(), schema);
                }
                Level::Cluster => {
                    cluster["properties"][family.name()] = schema;
                }
            }
        }
        vars.insert(
            "clusters",
            json!({"type": "array", "items": cluster.clone(),
                   "description": "Every cluster of the platform, the global one first."}),
        );
        vars.insert("cluster", cluster);
        vars
    })
}

/// The schema of every variable visible in `scope`, given the pack's upgrade-path parameters
/// and the rule's parameters.
pub fn schemas<'p>(
    scope: Scope,
    upgrade_params: impl IntoIterator<Item = (&'p String, &'p ParamType)>,
    rule_params: impl IntoIterator<Item = (&'p String, &'p ParamType)>,
) -> BTreeMap<&'static str, Json> {
    let mut vars = fact_vars(scope);
    vars.extend(pack_vars(upgrade_params, rule_params));
    vars
}

/// The variables of the fact model visible in `scope`.
fn fact_vars(scope: Scope) -> BTreeMap<&'static str, Json> {
    let facts = fact_schemas();
    let mut vars: BTreeMap<&'static str, Json> = facts
        .iter()
        .filter(|(name, _)| **name != "cluster")
        .map(|(name, schema)| (*name, schema.clone()))
        .collect();
    match scope {
        Scope::Platform => {}
        Scope::Cluster => {
            vars.insert("cluster", facts["cluster"].clone());
        }
        Scope::HostPath => {
            if let Some(path) = facts
                .get("host")
                .and_then(|h| h.pointer("/properties/paths/items"))
            {
                vars.insert("path", path.clone());
            }
        }
        Scope::ControlPlaneNode => {
            if let Some(node) = facts
                .get("control_plane")
                .and_then(|c| c.pointer("/properties/nodes/items"))
            {
                vars.insert("node", node.clone());
            }
        }
    }
    vars
}

/// The variables a pack and a rule give: the target, the phase, the upgrade path with the
/// pack's parameters, and the rule's parameters.
fn pack_vars<'p>(
    upgrade_params: impl IntoIterator<Item = (&'p String, &'p ParamType)>,
    rule_params: impl IntoIterator<Item = (&'p String, &'p ParamType)>,
) -> BTreeMap<&'static str, Json> {
    let mut vars = BTreeMap::new();
    vars.insert(
        "target",
        json!({"type": "string", "description": "The pack's target ACP version, e.g. `4.1`."}),
    );
    vars.insert(
        "phase",
        json!({"type": "string", "enum": ["pre", "workload", "post"],
               "description": "The phase checked: `pre` (before the window), `workload` (between the global and the workload upgrades) or `post` (after)."}),
    );
    vars.insert(
        "upgrade_sources",
        json!({"type": "array", "items": {"type": "string"},
               "description": "The source versions (`major.minor`) the pack has upgrade paths from, e.g. `[\"3.18\", \"4.0\", \"4.1\"]`."}),
    );
    let typed = |kind: ParamType| match kind {
        ParamType::Version | ParamType::String => {
            json!({"type": "string", "description": format!("A {} parameter.", kind.name())})
        }
        ParamType::Bytes => {
            json!({"type": "integer", "description": "A size parameter, in bytes."})
        }
        ParamType::Int => json!({"type": "integer", "description": "A number parameter."}),
    };
    let mut upgrade = json!({
        "type": ["object", "null"],
        "description": "The upgrade path from the platform's version to the target; null when there is none.",
        "properties": {
            "from": {"type": "string", "description": "Source `major.minor`, e.g. `3.18`."},
            "patch": {"type": "boolean", "description": "Whether this is a patch upgrade within the target's minor."}
        }
    });
    for (name, kind) in upgrade_params {
        upgrade["properties"][name] = typed(*kind);
    }
    vars.insert("upgrade", upgrade);
    let mut params =
        json!({"type": "object", "description": "The rule's parameters.", "properties": {}});
    for (name, kind) in rule_params {
        params["properties"][name] = typed(*kind);
    }
    vars.insert("params", params);
    vars
}

/// Samples of every variable visible in `scope`, for checking fact paths at load time. The
/// fact model's are sampled once per scope (every rule of every pack is checked against them).
pub fn samples<'p>(
    scope: Scope,
    upgrade_params: impl IntoIterator<Item = (&'p String, &'p ParamType)>,
    rule_params: impl IntoIterator<Item = (&'p String, &'p ParamType)>,
) -> BTreeMap<&'static str, Json> {
    static FACT_SAMPLES: OnceLock<BTreeMap<Scope, BTreeMap<&'static str, Json>>> = OnceLock::new();
    let by_scope = FACT_SAMPLES.get_or_init(|| {
        Scope::ALL
            .iter()
            .map(|scope| {
                let samples = fact_vars(*scope)
                    .into_iter()
                    .map(|(name, schema)| (name, schema_tools::sample(&schema)))
                    .collect();
                (*scope, samples)
            })
            .collect()
    });
    let mut samples = by_scope.get(&scope).cloned().unwrap_or_default();
    samples.extend(
        pack_vars(upgrade_params, rule_params)
            .into_iter()
            .map(|(name, schema)| (name, schema_tools::sample(&schema))),
    );
    samples
}

/// Every fact path a rule can read, in any scope, with type and meaning, for the rule docs.
/// Parameters appear as `upgrade.<param>` and `params.<param>`.
pub fn fact_paths() -> Vec<FactPath> {
    let placeholder = String::from("<param>");
    let mut out = Vec::new();
    let mut all = schemas(
        Scope::Cluster,
        [(&placeholder, &ParamType::Version)],
        [(&placeholder, &ParamType::Bytes)],
    );
    if let Some(path) = schemas(Scope::HostPath, [], []).remove("path") {
        all.insert("path", path);
    }
    if let Some(node) = schemas(Scope::ControlPlaneNode, [], []).remove("node") {
        all.insert("node", node);
    }
    for (name, schema) in &all {
        schema_tools::paths(name, schema, &mut out);
    }
    out
}
