//! The cluster inventory: every cluster the platform manages, from the tkestack Cluster list on
//! the global cluster. Cluster-level families add their facts to each entry.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::raw::{label, name, text};
use super::{FactError, Input};
use crate::reads::{Read, ReadOn};

/// tkestack Cluster objects: every cluster, its type, Kubernetes version and phase.
pub const CLUSTERS: Read = Read {
    id: "clusters",
    group: "platform.tkestack.io",
    versions: &["v1"],
    kind: "Cluster",
    plural: "clusters",
    namespace: None,
    label_selector: None,
    path: None,
    on: ReadOn::Global,
    custom: true,
    purpose: "clusters: name, global or workload, On-Premises or Managed, recorded Kubernetes version, phase",
};

/// The reads the inventory needs.
pub const READS: &[&Read] = &[&CLUSTERS];

/// One cluster of the platform (variable `cluster`, elements of `clusters`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClusterBase {
    /// Cluster name.
    pub name: String,
    /// `global` or `workload`.
    pub role: String,
    /// `on_premises` (created by the platform) or `managed` (imported, registered, cloud).
    pub provider: String,
    /// The raw `spec.type` of the tkestack Cluster (`Baremetal`, `Imported`…).
    pub cluster_type: Option<String>,
    /// The Kubernetes version the platform records for the cluster (`status.version`), e.g.
    /// `v1.30.4`; null when not recorded (the desired version is never taken for it). What the
    /// cluster runs is `cluster.kubernetes.version`.
    pub recorded_kubernetes_version: Option<String>,
    /// The Kubernetes version the cluster is being moved to (`spec.version`), when set.
    pub desired_kubernetes_version: Option<String>,
    /// Cluster phase (`Running` when healthy).
    pub phase: Option<String>,
}

impl ClusterBase {
    /// The global cluster by name alone, for platform-level families.
    pub fn global(name: &str) -> ClusterBase {
        ClusterBase {
            name: name.to_string(),
            role: "global".to_string(),
            provider: "on_premises".to_string(),
            cluster_type: None,
            recorded_kubernetes_version: None,
            desired_kubernetes_version: None,
            phase: None,
        }
    }
}

/// Every cluster of the tkestack Cluster list, the global one first, then by name.
pub fn derive(input: &Input<'_>) -> Result<Vec<ClusterBase>, FactError> {
    let items = input.platform_items(&CLUSTERS)?;
    let mut clusters: Vec<ClusterBase> = items
        .iter()
        .map(|item| {
            let name = name(item).to_string();
            let is_global =
                name == input.global || label(item, "is-global").as_deref() == Some("true");
            let cluster_type = text(item, &["spec", "type"]);
            let provider = match cluster_type.as_deref() {
                Some(t) if t.eq_ignore_ascii_case("baremetal") => "on_premises",
                None if is_global => "on_premises",
                _ => "managed",
            };
            ClusterBase {
                role: if is_global { "global" } else { "workload" }.to_string(),
                provider: provider.to_string(),
                cluster_type,
                recorded_kubernetes_version: text(item, &["status", "version"]),
                desired_kubernetes_version: text(item, &["spec", "version"]),
                phase: text(item, &["status", "phase"]),
                name,
            }
        })
        .collect();
    clusters.sort_by_key(|c| (c.role != "global", c.name.clone()));
    Ok(clusters)
}
