//! Custom configuration overrides of each cluster: its ResourcePatch objects, which patch
//! platform components and which the upgrade asks to confirm (plugin `valuesOverride` is a field
//! of `cluster.plugins`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::raw::{annotation, name, text};
use super::{ClusterBase, FactError, Input, Level, Provider};
use crate::reads::{Read, ReadOn};

/// ResourcePatch objects (`operator.alauda.io`, short name `rpch`). The group and version come
/// from public examples, not from a published CRD: correct them here if a cluster serves them
/// elsewhere.
pub const RESOURCE_PATCHES: Read = Read {
    id: "resourcepatches",
    group: "operator.alauda.io",
    versions: &["v1alpha1"],
    kind: "ResourcePatch",
    plural: "resourcepatches",
    namespace: None,
    label_selector: None,
    path: None,
    text: false,
    on: ReadOn::EveryCluster,
    custom: true,
    short_name: None,
    purpose: "custom configuration overrides (ResourcePatches) the upgrade asks to confirm",
};

/// The custom configuration overrides of one cluster (`cluster.overrides`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OverrideFacts {
    /// Every ResourcePatch; empty when the kind is not installed.
    pub resource_patches: Vec<ResourcePatch>,
}

/// One ResourcePatch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ResourcePatch {
    /// Object name.
    pub name: String,
    /// What it patches, as `Kind namespace/name` (`spec.target`).
    pub target: String,
    /// The version it is exempted for (annotation `config.cpaas.io/exempt-for-ver`), if any.
    pub exempt_for: Option<String>,
}

/// The `overrides` family.
pub struct Overrides;

impl Provider for Overrides {
    type Value = OverrideFacts;
    const NAME: &'static str = "overrides";
    const LEVEL: Level = Level::Cluster;
    const READS: &'static [&'static Read] = &[&RESOURCE_PATCHES];

    fn derive(input: &Input<'_>, cluster: &ClusterBase) -> Result<OverrideFacts, FactError> {
        Ok(OverrideFacts {
            resource_patches: input
                .items(&cluster.name, &RESOURCE_PATCHES)?
                .iter()
                .map(resource_patch)
                .collect(),
        })
    }
}

fn resource_patch(item: &Value) -> ResourcePatch {
    let target = |key: &str| text(item, &["spec", "target", key]);
    let object = match (target("namespace"), target("name")) {
        (Some(ns), Some(n)) => format!("{ns}/{n}"),
        (None, Some(n)) => n,
        _ => "?".to_string(),
    };
    ResourcePatch {
        name: name(item).to_string(),
        target: format!("{} {object}", target("kind").unwrap_or_default())
            .trim()
            .to_string(),
        exempt_for: annotation(item, "config.cpaas.io/exempt-for-ver"),
    }
}
