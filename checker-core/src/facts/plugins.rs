//! Installed cluster plugins: the ModuleInfo objects on the global cluster, one per plugin and
//! cluster (label `cpaas.io/cluster-name`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::raw::{annotation, label, name, text};
use super::{ClusterBase, FactError, Input, Level, Provider};
use crate::reads::{Read, ReadOn};

/// ModuleInfo objects: one per installed cluster plugin, on the global cluster.
pub const MODULE_INFOS: Read = Read {
    id: "moduleinfoes",
    group: "cluster.alauda.io",
    versions: &["v1alpha1"],
    kind: "ModuleInfo",
    plural: "moduleinfoes",
    namespace: None,
    label_selector: None,
    path: None,
    text: false,
    on: ReadOn::Global,
    custom: true,
    short_name: None,
    purpose: "installed cluster plugins per cluster (module, display name, version, phase)",
};

/// An installed cluster plugin (elements of `cluster.plugins`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Plugin {
    /// ModuleInfo object name.
    pub object: String,
    /// Module name (label `cpaas.io/module-name`), e.g. `logcenter`.
    pub module: String,
    /// English display name, e.g. `Alauda Container Platform Log Storage for Elasticsearch`.
    pub display_name: String,
    /// Installed version (`status.version`, else `spec.version`).
    pub version: Option<String>,
    /// Phase (`Running` when healthy).
    pub phase: Option<String>,
    /// The version the plugin is being moved to (`spec.version`).
    pub desired_version: Option<String>,
    /// The version installed (`status.version`).
    pub installed_version: Option<String>,
    /// The version an upgrade in flight passes through (`status.transitVersion`); null when no
    /// upgrade is in flight.
    pub transit_version: Option<String>,
    /// Whether `spec.valuesOverride` customises the plugin's configuration (the upgrade asks to
    /// confirm such overrides).
    pub values_override: bool,
}

/// The cluster plugins installed on one cluster (`cluster.plugins`), from its ModuleInfo
/// objects on the global cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Plugins(pub Vec<Plugin>);

impl Provider for Plugins {
    type Value = Plugins;
    const NAME: &'static str = "plugins";
    const LEVEL: Level = Level::Cluster;
    const READS: &'static [&'static Read] = &[&MODULE_INFOS];

    fn derive(input: &Input<'_>, cluster: &ClusterBase) -> Result<Plugins, FactError> {
        Ok(Plugins(
            module_infos(input, &cluster.name)?
                .into_iter()
                .map(plugin)
                .collect(),
        ))
    }
}

/// The ModuleInfo objects of one cluster's plugins.
pub(super) fn module_infos<'a>(
    input: &Input<'a>,
    cluster: &str,
) -> Result<Vec<&'a Value>, FactError> {
    let groups = input.global_items_by_label(&MODULE_INFOS, "cpaas.io/cluster-name")?;
    Ok(groups.get(cluster).cloned().unwrap_or_default())
}

fn plugin(item: &Value) -> Plugin {
    let module = label(item, "cpaas.io/module-name").unwrap_or_default();
    // The `cpaas.io/module-name` annotation is JSON: {"en": "...", "zh": "..."}.
    let display_name = annotation(item, "cpaas.io/module-name")
        .and_then(|json| serde_json::from_str::<Value>(&json).ok())
        .and_then(|v| v.get("en").and_then(Value::as_str).map(str::to_string))
        .or_else(|| annotation(item, "cpaas.io/display-name"))
        .unwrap_or_else(|| module.clone());
    Plugin {
        object: name(item).to_string(),
        module,
        display_name,
        version: text(item, &["status", "version"]).or_else(|| text(item, &["spec", "version"])),
        phase: text(item, &["status", "phase"]),
        desired_version: text(item, &["spec", "version"]),
        installed_version: text(item, &["status", "version"]),
        transit_version: text(item, &["status", "transitVersion"]),
        values_override: item
            .pointer("/spec/valuesOverride")
            .is_some_and(crate::snapshot::holds_configuration),
    }
}
