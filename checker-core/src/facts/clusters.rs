//! The cluster inventory: every cluster the platform manages, from the two lists the global
//! cluster keeps, the tkestack Clusters and the Cluster API Clusters of `cpaas-system` (imported
//! and immutable-infrastructure clusters), reconciled by name. Cluster-level families add their
//! facts to each entry.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use serde_json::Value;

use super::raw::{annotation, label, name, text};
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
    text: false,
    on: ReadOn::Global,
    custom: true,
    short_name: None,
    purpose: "clusters: name, global or workload, On-Premises or Managed, recorded Kubernetes version, phase",
};

/// Cluster API Cluster objects in `cpaas-system`: the clusters ACP 4.x registers through Cluster
/// API (imported, DCS/vSphere/HCS), some of which have no tkestack Cluster.
pub const CAPI_CLUSTERS: Read = Read {
    id: "capi-clusters",
    group: "cluster.x-k8s.io",
    versions: &["v1beta1", "v1beta2"],
    kind: "Cluster",
    plural: "clusters",
    namespace: Some("cpaas-system"),
    label_selector: None,
    path: None,
    text: false,
    on: ReadOn::Global,
    custom: true,
    short_name: None,
    purpose: "Cluster API clusters (imported and immutable-infrastructure) the platform manages",
};

/// The reads the inventory needs: both cluster lists.
pub const READS: &[&Read] = &[&CLUSTERS, &CAPI_CLUSTERS];

/// Where a cluster was found: `tkestack` (`clusters.platform.tkestack.io`) or `cluster_api`
/// (`clusters.cluster.x-k8s.io` in `cpaas-system`).
pub const SOURCES: [(&Read, &str); 2] = [(&CLUSTERS, "tkestack"), (&CAPI_CLUSTERS, "cluster_api")];

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
    /// Cluster phase (`Running` when healthy; Cluster API phases such as `Provisioned` for a
    /// cluster only Cluster API lists).
    pub phase: Option<String>,
    /// Where the platform lists the cluster: `tkestack`, `cluster_api`, or both. A cluster in
    /// only one list is still checked.
    pub found_in: Vec<String>,
    /// The container network the tkestack Cluster records (annotation
    /// `cpaas.io/network-type`, else label `cni-type`), e.g. `kube-ovn` or `flannel`.
    pub network_type: Option<String>,
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
            found_in: Vec::new(),
            network_type: None,
        }
    }
}

/// Every cluster of either list, the global one first, then by name. A cluster in both is
/// described by its tkestack Cluster; one only Cluster API lists is a workload cluster whose
/// provider follows its control plane: platform-run (`controlPlaneRef` set) or imported.
pub fn derive(input: &Input<'_>) -> Result<Vec<ClusterBase>, FactError> {
    let tkestack = input.platform_items(&CLUSTERS)?;
    let capi = input.items(input.global, &CAPI_CLUSTERS)?;
    let mut clusters: Vec<ClusterBase> = tkestack
        .iter()
        .map(|item| from_tkestack(input, item))
        .collect();
    for item in capi {
        match clusters.iter_mut().find(|c| c.name == name(item)) {
            Some(cluster) => cluster.found_in.push("cluster_api".to_string()),
            None => clusters.push(from_cluster_api(input, item)),
        }
    }
    clusters.sort_by_key(|c| (c.role != "global", c.name.clone()));
    Ok(clusters)
}

fn from_tkestack(input: &Input<'_>, item: &Value) -> ClusterBase {
    let name = name(item).to_string();
    let is_global = name == input.global || label(item, "is-global").as_deref() == Some("true");
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
        found_in: vec!["tkestack".to_string()],
        network_type: annotation(item, "cpaas.io/network-type").or_else(|| label(item, "cni-type")),
        name,
    }
}

fn from_cluster_api(input: &Input<'_>, item: &Value) -> ClusterBase {
    let name = name(item).to_string();
    let platform_run = item.pointer("/spec/controlPlaneRef").is_some();
    ClusterBase {
        role: if name == input.global {
            "global"
        } else {
            "workload"
        }
        .to_string(),
        provider: if platform_run {
            "on_premises"
        } else {
            "managed"
        }
        .to_string(),
        cluster_type: text(item, &["spec", "infrastructureRef", "kind"]),
        // Cluster API records no running version; `spec.topology.version` is a desired one.
        recorded_kubernetes_version: None,
        desired_kubernetes_version: text(item, &["spec", "topology", "version"]),
        phase: text(item, &["status", "phase"]),
        found_in: vec!["cluster_api".to_string()],
        network_type: None,
        name,
    }
}
