//! The ACP distribution each cluster runs: the ClusterModule the global cluster keeps for every
//! cluster, named after it. What phases after the global upgrade compare: a workload cluster
//! is upgraded after the global one, never before.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::raw::{name, text};
use super::{ClusterBase, FactError, Input, Level, Provider};
use crate::reads::{Read, ReadOn};

/// ClusterModule objects on the global cluster, one per cluster (named after it).
pub const CLUSTER_MODULES: Read = Read {
    id: "clustermodules",
    group: "cluster.alauda.io",
    versions: &["v1alpha2", "v1alpha1"],
    kind: "ClusterModule",
    plural: "clustermodules",
    namespace: None,
    label_selector: None,
    path: None,
    text: false,
    on: ReadOn::Global,
    custom: true,
    short_name: None,
    purpose: "the ACP version each cluster runs (its ClusterModule, status.base.version)",
};

/// The ACP distribution of one cluster (`cluster.distribution`), from its ClusterModule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Distribution {
    /// The ACP version the cluster runs (`status.base.version`), e.g. `v4.1.2`; null when the
    /// platform records none (no ClusterModule for the cluster, or the kind is not installed).
    pub version: Option<String>,
    /// The version the cluster is being moved to (`spec.version`); ahead of `version` while
    /// its upgrade is in progress.
    pub desired_version: Option<String>,
    /// ClusterModule phase (`status.phase`, `Running` when settled).
    pub phase: Option<String>,
}

/// The `distribution` family.
pub struct Distributions;

impl Provider for Distributions {
    type Value = Distribution;
    const NAME: &'static str = "distribution";
    const LEVEL: Level = Level::Cluster;
    const READS: &'static [&'static Read] = &[&CLUSTER_MODULES];

    fn derive(input: &Input<'_>, cluster: &ClusterBase) -> Result<Distribution, FactError> {
        let module = input
            .items(input.global, &CLUSTER_MODULES)?
            .iter()
            .find(|item| name(item) == cluster.name);
        Ok(Distribution {
            version: module.and_then(|m| text(m, &["status", "base", "version"])),
            desired_version: module.and_then(|m| text(m, &["spec", "version"])),
            phase: module.and_then(|m| text(m, &["status", "phase"])),
        })
    }
}
