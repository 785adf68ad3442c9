//! Generated platforms ("fleets"): a global cluster and many workload clusters, built from the
//! object shapes of the recorded `fixtures/ready-3.18` platform.
//!
//! Every generated platform is ACP 3.18.2 (ProductBase `base`), every cluster runs Kubernetes
//! v1.30.x, and every blocking cluster requirement of the 4.1 rule pack is met, so a check of a
//! fleet ends with a real verdict (`ready`, with the 1.30 pod-restart warnings), not with errors.
//! Workload clusters cycle through four [`Profile`]s so their object counts differ.
//!
//! A cluster's Kubernetes version is the same everywhere the checker looks: its tkestack
//! `Cluster` (`status.version`), its `/version` answer (`gitVersion`) and every node's
//! `kubeletVersion`. Like ACP 3.18, the platform has no Cluster API
//! (`clusters.cluster.x-k8s.io` is not served): that read is answered "not installed".

mod objects;

use serde::Serialize;
use serde_json::Value;
use test_apiserver::{InvalidObject, Platform};

use crate::templates::{Source, Templates, label, metadata_name};
use objects::{Rewriter, cluster_object, module_infos, node, version_info};

/// The name of the global cluster of every generated fleet.
pub const GLOBAL: &str = "global";
/// Default number of workload clusters of the wide fleet.
pub const DEFAULT_WORKLOAD_CLUSTERS: usize = 200;
/// Default number of nodes per cluster of the wide fleet.
pub const DEFAULT_NODES_PER_CLUSTER: usize = 50;
/// Default number of nodes of the big global cluster.
pub const DEFAULT_BIG_GLOBAL_NODES: usize = 5000;
/// Default number of workload clusters next to the big global cluster (one per profile).
pub const DEFAULT_BIG_GLOBAL_WORKLOADS: usize = 4;
/// Most workload clusters a fleet can have (each gets a /19 of 10.0.0.0/8).
pub const MAX_WORKLOAD_CLUSTERS: usize = 2000;
/// Most nodes a cluster can have (they must fit its /19).
pub const MAX_NODES_PER_CLUSTER: usize = 7000;
/// Default number of images in each node's `status.images`: the kubelet reports at most 50
/// (`--node-status-max-images`), and a platform node holds more than that.
pub const DEFAULT_NODE_IMAGES: usize = 50;
/// Most images a node can list.
pub const MAX_NODE_IMAGES: usize = 1000;

/// Why a fleet could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// A fixture file used as a template is missing an expected object or is not a list.
    #[error("fixture template {file}: {reason}")]
    Template {
        /// The fixture file, relative to `fixtures/ready-3.18`.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// The requested fleet is larger than the address plan allows.
    #[error("fleet too large: {0}")]
    TooLarge(String),
    /// The test API server refused a generated object.
    #[error("generated object rejected: {0}")]
    Invalid(#[from] InvalidObject),
}

/// What a cluster of a fleet looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// The global cluster: On-Premises, big-scale Elasticsearch, the platform's CRDs, and the
    /// ProductBase, tkestack Clusters and ModuleInfos of the whole fleet.
    Global,
    /// On-Premises with service mesh (istiod 1.22) and normal-scale Elasticsearch, five plugins
    /// (as the fixture's `prod-1`).
    Mesh,
    /// On-Premises without mesh or log storage, three plugins.
    Plain,
    /// An imported Amazon EKS cluster, two plugins (as the fixture's `eks-1`).
    Managed,
    /// On-Premises with big-scale Elasticsearch (data and master StatefulSets, `node.roles`).
    BigLogs,
}

impl Profile {
    /// The workload profiles, in the order clusters cycle through them.
    pub const WORKLOAD: [Profile; 4] = [
        Profile::Mesh,
        Profile::Plain,
        Profile::Managed,
        Profile::BigLogs,
    ];

    /// The profile of the workload cluster with 1-based index `index`.
    pub fn of_workload(index: usize) -> Profile {
        Profile::WORKLOAD[index.saturating_sub(1) % Profile::WORKLOAD.len()]
    }

    /// The prefix of the names of workload clusters with this profile.
    pub fn name_prefix(self) -> &'static str {
        match self {
            Profile::Global => GLOBAL,
            Profile::Mesh => "prod",
            Profile::Plain => "dev",
            Profile::Managed => "eks",
            Profile::BigLogs => "logs",
        }
    }

    /// Whether the cluster is imported (its Kubernetes is the provider's).
    pub fn managed(self) -> bool {
        self == Profile::Managed
    }
}

/// The size of a fleet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FleetSpec {
    /// Number of workload clusters.
    pub workload_clusters: usize,
    /// Nodes of every workload cluster.
    pub nodes_per_cluster: usize,
    /// Nodes of the global cluster.
    pub global_nodes: usize,
    /// Images in each node's `status.images` (0: none, as in the fixture's nodes).
    pub node_images: usize,
}

impl FleetSpec {
    /// `workload_clusters` clusters of `nodes` nodes each, and a global cluster of `nodes` nodes.
    pub fn wide(workload_clusters: usize, nodes: usize) -> FleetSpec {
        FleetSpec {
            workload_clusters,
            nodes_per_cluster: nodes,
            global_nodes: nodes,
            node_images: DEFAULT_NODE_IMAGES,
        }
    }

    /// A global cluster of `global_nodes` nodes and `workload_clusters` workload clusters of
    /// [`DEFAULT_NODES_PER_CLUSTER`] nodes.
    pub fn big_global(global_nodes: usize, workload_clusters: usize) -> FleetSpec {
        FleetSpec {
            workload_clusters,
            nodes_per_cluster: DEFAULT_NODES_PER_CLUSTER,
            global_nodes,
            node_images: DEFAULT_NODE_IMAGES,
        }
    }

    /// The same fleet with `images` images in each node's `status.images`.
    pub fn with_node_images(self, images: usize) -> FleetSpec {
        FleetSpec {
            node_images: images,
            ..self
        }
    }
}

impl Default for FleetSpec {
    /// The wide fleet: 200 workload clusters of 50 nodes.
    fn default() -> Self {
        FleetSpec::wide(DEFAULT_WORKLOAD_CLUSTERS, DEFAULT_NODES_PER_CLUSTER)
    }
}

/// One generated cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterSummary {
    /// Cluster name (`global`, `prod-001`, `dev-002`, ...).
    pub name: String,
    /// Its profile.
    pub profile: Profile,
    /// Its Kubernetes version: `status.version` of its tkestack Cluster, the `gitVersion` of
    /// its `/version` and every node's kubelet version.
    pub kubernetes_version: String,
    /// Its nodes.
    pub nodes: usize,
    /// Objects the test server holds for it, CRDs included.
    pub objects: usize,
    /// The reads made on this cluster whose custom kind it does not serve (no CRD), by id: the
    /// checker skips them when their group is not in `/apis`, else lists them, is answered 404
    /// and asks discovery.
    pub unserved_reads: Vec<String>,
    /// The API groups its CRDs serve (what `/apis` lists besides the built-in groups).
    pub custom_groups: Vec<String>,
}

/// A generated platform, ready to be served by [`test_apiserver::TestApiServer`].
#[derive(Debug, Clone)]
pub struct Fleet {
    /// The clusters and their objects.
    pub platform: Platform,
    /// The clusters, the global one first, then the workload clusters in index order.
    pub clusters: Vec<ClusterSummary>,
}

impl Fleet {
    /// Generates a fleet.
    pub fn generate(spec: &FleetSpec) -> Result<Fleet, FleetError> {
        if spec.workload_clusters > MAX_WORKLOAD_CLUSTERS {
            return Err(FleetError::TooLarge(format!(
                "{} workload clusters (at most {MAX_WORKLOAD_CLUSTERS})",
                spec.workload_clusters
            )));
        }
        let most_nodes = spec.nodes_per_cluster.max(spec.global_nodes);
        if most_nodes > MAX_NODES_PER_CLUSTER {
            return Err(FleetError::TooLarge(format!(
                "{most_nodes} nodes in a cluster (at most {MAX_NODES_PER_CLUSTER})"
            )));
        }
        if spec.node_images > MAX_NODE_IMAGES {
            return Err(FleetError::TooLarge(format!(
                "{} images per node (at most {MAX_NODE_IMAGES})",
                spec.node_images
            )));
        }
        let templates = Templates::load()?;
        let plans: Vec<Plan> = std::iter::once(Plan::global(spec.global_nodes))
            .chain((1..=spec.workload_clusters).map(|i| Plan::workload(i, spec.nodes_per_cluster)))
            .collect();

        let mut platform = Platform::new();
        let mut on_global: Vec<Value> = vec![templates.product_base.clone()];
        let mut unserved = Vec::new();
        for plan in &plans {
            let parts = Parts::of(&templates, plan.profile);
            let rewrite = Rewriter::new(&plan.name, plan.index);
            on_global.push(cluster_object(&parts, plan, &rewrite));
            on_global.extend(module_infos(&parts, plan, &rewrite));

            let cluster = platform.cluster_mut(&plan.name);
            for template in parts
                .crds
                .iter()
                .chain(&parts.statefulsets)
                .chain(&parts.istio)
                .chain(&parts.other_deployments)
            {
                let mut object = (*template).clone();
                rewrite.apply(&mut object);
                cluster.add_object(object)?;
            }
            for n in 0..plan.nodes {
                cluster.add_object(node(&parts, plan, n, spec.node_images))?;
            }
            cluster.set_version(version_info(&parts, plan))?;
            let mut groups: Vec<String> = parts
                .crds
                .iter()
                .filter_map(|crd| crd.pointer("/spec/group")?.as_str())
                .map(str::to_string)
                .collect();
            groups.sort();
            groups.dedup();
            unserved.push((
                unserved_reads(cluster, plan.profile == Profile::Global),
                groups,
            ));
        }
        on_global.extend(templates.global_services.iter().cloned());
        platform
            .cluster_mut(GLOBAL)
            .add_objects(on_global)?
            .set_service_answer(
                "cpaas-system",
                "prometheus-operated",
                "/api/v1/query",
                templates.node_filesystem_metrics,
            );

        let clusters = plans
            .iter()
            .zip(unserved)
            .map(|(plan, (unserved_reads, custom_groups))| ClusterSummary {
                name: plan.name.clone(),
                profile: plan.profile,
                kubernetes_version: plan.version.clone(),
                nodes: plan.nodes,
                objects: platform.cluster(&plan.name).map_or(0, |c| c.object_count()),
                unserved_reads,
                custom_groups,
            })
            .collect();
        Ok(Fleet { platform, clusters })
    }

    /// `(context, cluster)` pairs for [`test_apiserver::TestApiServer::kubeconfig`]: one context
    /// per cluster, named after it, the global one first (the current context).
    pub fn contexts(&self) -> Vec<(&str, &str)> {
        self.clusters
            .iter()
            .map(|c| (c.name.as_str(), c.name.as_str()))
            .collect()
    }

    /// Names of the workload clusters, in index order.
    pub fn workload_names(&self) -> impl Iterator<Item = &str> {
        self.clusters
            .iter()
            .filter(|c| c.profile != Profile::Global)
            .map(|c| c.name.as_str())
    }
}

/// What to generate for one cluster.
#[derive(Debug, Clone)]
struct Plan {
    /// 0 for the global cluster, 1.. for workload clusters.
    index: usize,
    name: String,
    profile: Profile,
    version: String,
    nodes: usize,
}

impl Plan {
    fn global(nodes: usize) -> Plan {
        Plan {
            index: 0,
            name: GLOBAL.to_string(),
            profile: Profile::Global,
            version: "v1.30.4".to_string(),
            nodes,
        }
    }

    fn workload(index: usize, nodes: usize) -> Plan {
        let profile = Profile::of_workload(index);
        // Patch releases 2, 4, 6, 8 in turn, changing every full cycle of profiles.
        let patch = 2 + 2 * ((index - 1) / Profile::WORKLOAD.len() % 4);
        let version = if profile.managed() {
            format!("v1.30.{patch}-eks-1552ad0")
        } else {
            format!("v1.30.{patch}")
        };
        Plan {
            index,
            name: format!("{}-{index:03}", profile.name_prefix()),
            profile,
            version,
            nodes,
        }
    }
}

/// The ids of the reads made on a cluster (the global one: `global`) whose custom kind none of
/// its CRDs serves.
fn unserved_reads(cluster: &test_apiserver::Cluster, global: bool) -> Vec<String> {
    crate::requests::reads_on(global)
        .filter(|read| read.custom && !cluster.has_custom_resource(read.group, read.plural))
        .map(|read| read.id.to_string())
        .collect()
}

/// The templates one profile is made of.
struct Parts<'a> {
    cluster: &'a Value,
    nodes: &'a Source,
    crds: Vec<&'a Value>,
    statefulsets: Vec<&'a Value>,
    /// istiod Deployments (`app=istiod`).
    istio: Vec<&'a Value>,
    /// Other Deployments (in `istio-system`), which the istiod read must leave out.
    other_deployments: Vec<&'a Value>,
    module_infos: Vec<&'a Value>,
}

impl<'a> Parts<'a> {
    fn of(t: &'a Templates, profile: Profile) -> Parts<'a> {
        let all = |v: &'a [Value]| v.iter().collect::<Vec<_>>();
        let modules = |s: &'a Source, wanted: &[&str]| {
            s.module_infos
                .iter()
                .filter(|m| {
                    label(m, "cpaas.io/module-name").is_some_and(|name| wanted.contains(&name))
                })
                .collect::<Vec<_>>()
        };
        let basic = ["logagent", "prometheus", "kube-ovn"];
        match profile {
            Profile::Global => Parts {
                cluster: &t.global.cluster,
                nodes: &t.global,
                crds: all(&t.global.crds),
                statefulsets: all(&t.global.statefulsets),
                istio: all(&t.global.istio),
                other_deployments: Vec::new(),
                module_infos: all(&t.global.module_infos),
            },
            Profile::Mesh => Parts {
                cluster: &t.prod.cluster,
                nodes: &t.prod,
                crds: all(&t.prod.crds),
                statefulsets: all(&t.prod.statefulsets),
                istio: all(&t.prod.istio),
                other_deployments: all(&t.prod.other_deployments),
                module_infos: all(&t.prod.module_infos),
            },
            Profile::Plain => Parts {
                cluster: &t.prod.cluster,
                nodes: &t.prod,
                crds: all(&t.prod.crds),
                statefulsets: t
                    .prod
                    .statefulsets
                    .iter()
                    .filter(|s| !metadata_name(s).starts_with("cpaas-elasticsearch"))
                    .collect(),
                istio: Vec::new(),
                other_deployments: Vec::new(),
                module_infos: modules(&t.prod, &basic),
            },
            Profile::Managed => Parts {
                cluster: &t.eks.cluster,
                nodes: &t.eks,
                crds: all(&t.eks.crds),
                statefulsets: all(&t.eks.statefulsets),
                istio: Vec::new(),
                other_deployments: Vec::new(),
                module_infos: all(&t.eks.module_infos),
            },
            Profile::BigLogs => Parts {
                cluster: &t.prod.cluster,
                nodes: &t.prod,
                crds: all(&t.prod.crds),
                statefulsets: all(&t.global.statefulsets),
                istio: Vec::new(),
                other_deployments: Vec::new(),
                module_infos: modules(&t.global, &["logcenter"])
                    .into_iter()
                    .chain(modules(&t.prod, &basic))
                    .collect(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_profiles_and_versions() {
        let fleet = Fleet::generate(&FleetSpec::wide(5, 4)).unwrap();
        let names: Vec<_> = fleet.clusters.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "global", "prod-001", "dev-002", "eks-003", "logs-004", "prod-005"
            ]
        );
        assert_eq!(fleet.clusters[3].kubernetes_version, "v1.30.2-eks-1552ad0");
        assert_eq!(fleet.clusters[5].kubernetes_version, "v1.30.4");
        assert!(fleet.clusters.iter().all(|c| c.nodes == 4));
        // Different profiles hold different numbers of objects.
        let counts: std::collections::BTreeSet<_> =
            fleet.clusters[1..5].iter().map(|c| c.objects).collect();
        assert_eq!(counts.len(), 4, "{:?}", fleet.clusters);
    }

    #[test]
    fn too_large_is_refused() {
        assert!(matches!(
            Fleet::generate(&FleetSpec::wide(MAX_WORKLOAD_CLUSTERS + 1, 1)),
            Err(FleetError::TooLarge(_))
        ));
        assert!(matches!(
            Fleet::generate(&FleetSpec::big_global(MAX_NODES_PER_CLUSTER + 1, 1)),
            Err(FleetError::TooLarge(_))
        ));
    }
}
