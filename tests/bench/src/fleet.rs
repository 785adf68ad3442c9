//! Generated platforms ("fleets"): a global cluster and many workload clusters, built from the
//! object shapes of the recorded `fixtures/ready-3.18` platform.
//!
//! Every generated platform is ACP 3.18.2 (ProductBase `base`), every cluster runs Kubernetes
//! v1.30.x, and every blocking cluster requirement of the 4.1 rule pack is met, so a check of a
//! fleet ends with a real verdict (`ready`, with the 1.30 pod-restart warnings), not with errors.
//! Workload clusters cycle through four [`Profile`]s so their object counts differ.

use std::net::Ipv4Addr;

use serde::Serialize;
use serde_json::{Value, json};
use test_apiserver::{InvalidObject, Platform};

use crate::templates::{
    FIXTURE_EKS, FIXTURE_GLOBAL, FIXTURE_GLOBAL_NET, FIXTURE_PROD, FIXTURE_PROD_NET, Source,
    Templates, label, metadata_name,
};

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

/// The region of the generated Amazon EKS node names.
const EKS_REGION: &str = "ap-southeast-1";
/// Control-plane nodes per On-Premises cluster (the rest are workers).
const CONTROL_PLANE_NODES: usize = 3;
/// Host part, in a cluster's /24-like anchor, of the first node (as in the fixture: .11).
const FIRST_NODE_HOST: u32 = 11;

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
}

impl FleetSpec {
    /// `workload_clusters` clusters of `nodes` nodes each, and a global cluster of `nodes` nodes.
    pub fn wide(workload_clusters: usize, nodes: usize) -> FleetSpec {
        FleetSpec {
            workload_clusters,
            nodes_per_cluster: nodes,
            global_nodes: nodes,
        }
    }

    /// A global cluster of `global_nodes` nodes and `workload_clusters` workload clusters of
    /// [`DEFAULT_NODES_PER_CLUSTER`] nodes.
    pub fn big_global(global_nodes: usize, workload_clusters: usize) -> FleetSpec {
        FleetSpec {
            workload_clusters,
            nodes_per_cluster: DEFAULT_NODES_PER_CLUSTER,
            global_nodes,
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
    /// Its Kubernetes version (`status.version` of its tkestack Cluster).
    pub kubernetes_version: String,
    /// Its nodes.
    pub nodes: usize,
    /// Objects the test server holds for it, CRDs included.
    pub objects: usize,
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
        let templates = Templates::load()?;
        let plans: Vec<Plan> = std::iter::once(Plan::global(spec.global_nodes))
            .chain((1..=spec.workload_clusters).map(|i| Plan::workload(i, spec.nodes_per_cluster)))
            .collect();

        let mut platform = Platform::new();
        let mut on_global: Vec<Value> = vec![templates.product_base.clone()];
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
            {
                let mut object = (*template).clone();
                rewrite.apply(&mut object);
                cluster.add_object(object)?;
            }
            for n in 0..plan.nodes {
                cluster.add_object(node(&parts, plan, n))?;
            }
        }
        platform.cluster_mut(GLOBAL).add_objects(on_global)?;

        let clusters = plans
            .iter()
            .map(|plan| ClusterSummary {
                name: plan.name.clone(),
                profile: plan.profile,
                kubernetes_version: plan.version.clone(),
                nodes: plan.nodes,
                objects: platform.cluster(&plan.name).map_or(0, |c| c.object_count()),
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

/// The templates one profile is made of.
struct Parts<'a> {
    cluster: &'a Value,
    nodes: &'a Source,
    crds: Vec<&'a Value>,
    statefulsets: Vec<&'a Value>,
    istio: Vec<&'a Value>,
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
                module_infos: all(&t.global.module_infos),
            },
            Profile::Mesh => Parts {
                cluster: &t.prod.cluster,
                nodes: &t.prod,
                crds: all(&t.prod.crds),
                statefulsets: all(&t.prod.statefulsets),
                istio: all(&t.prod.istio),
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
                module_infos: modules(&t.prod, &basic),
            },
            Profile::Managed => Parts {
                cluster: &t.eks.cluster,
                nodes: &t.eks,
                crds: all(&t.eks.crds),
                statefulsets: all(&t.eks.statefulsets),
                istio: Vec::new(),
                module_infos: all(&t.eks.module_infos),
            },
            Profile::BigLogs => Parts {
                cluster: &t.prod.cluster,
                nodes: &t.prod,
                crds: all(&t.prod.crds),
                statefulsets: all(&t.global.statefulsets),
                istio: Vec::new(),
                module_infos: modules(&t.global, &["logcenter"])
                    .into_iter()
                    .chain(modules(&t.prod, &basic))
                    .collect(),
            },
        }
    }
}

/// Rewrites template strings for one generated cluster: the fixture's cluster names become the
/// cluster's name, and the fixture's machine addresses (`192.168.130.N`, `192.168.140.N`)
/// become the same host `N` in the cluster's own address block. Only whole strings are
/// rewritten, so image references such as `192.168.130.10:11443/asm/pilot:1.22.4` (the
/// platform registry) stay as they are.
struct Rewriter<'a> {
    name: &'a str,
    anchor: u32,
}

impl<'a> Rewriter<'a> {
    fn new(name: &'a str, index: usize) -> Rewriter<'a> {
        Rewriter {
            name,
            anchor: anchor(index),
        }
    }

    fn apply(&self, value: &mut Value) {
        match value {
            Value::String(text) => {
                if let Some(new) = self.rewritten(text) {
                    *text = new;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.apply(v)),
            Value::Object(fields) => fields.values_mut().for_each(|v| self.apply(v)),
            _ => {}
        }
    }

    fn rewritten(&self, text: &str) -> Option<String> {
        if [FIXTURE_GLOBAL, FIXTURE_PROD, FIXTURE_EKS].contains(&text) {
            return Some(self.name.to_string());
        }
        [FIXTURE_GLOBAL_NET, FIXTURE_PROD_NET]
            .iter()
            .find_map(|net| text.strip_prefix(net)?.parse::<u8>().ok())
            .map(|host| self.ip(u32::from(host)).to_string())
    }

    /// Host `host` of the cluster's address block.
    fn ip(&self, host: u32) -> Ipv4Addr {
        Ipv4Addr::from(self.anchor + host)
    }
}

/// The base of cluster `index`'s addresses: the global cluster keeps the fixture's
/// `192.168.130.0/24` (within `192.168.128.0/19`); workload cluster `i` gets the `i`-th /19 of
/// `10.0.0.0/8`, addressed from its third /24 like the global one.
fn anchor(index: usize) -> u32 {
    let block = match index {
        0 => u32::from(Ipv4Addr::new(192, 168, 128, 0)),
        i => u32::from(Ipv4Addr::new(10, 0, 0, 0)) + (i as u32 - 1) * 8192,
    };
    block + 512
}

/// The tkestack `Cluster` object of a cluster, for the global cluster.
fn cluster_object(parts: &Parts, plan: &Plan, rewrite: &Rewriter) -> Value {
    let mut object = parts.cluster.clone();
    rewrite.apply(&mut object);
    object["metadata"]["name"] = json!(plan.name);
    object["metadata"]["uid"] = json!(uid(&["cluster", &plan.name]));
    object["status"]["version"] = json!(plan.version);
    if object.pointer("/spec/version").is_some() {
        object["spec"]["version"] = json!(plan.version.trim_start_matches('v'));
    }
    object
}

/// The ModuleInfo objects (on the global cluster) of a cluster's plugins.
fn module_infos(parts: &Parts, plan: &Plan, rewrite: &Rewriter) -> Vec<Value> {
    let owner_uid = uid(&["cluster", &plan.name]);
    parts
        .module_infos
        .iter()
        .map(|template| {
            let mut object = (*template).clone();
            rewrite.apply(&mut object);
            let module = label(&object, "cpaas.io/module-name")
                .unwrap_or("")
                .to_string();
            let h = hash(&["moduleinfo", &plan.name, &module]);
            object["metadata"]["name"] = json!(format!("{}-{:016x}{:016x}", plan.name, h.0, h.1));
            object["metadata"]["uid"] = json!(uid(&["moduleinfo", &plan.name, &module]));
            if let Some(Value::Array(owners)) = object.pointer_mut("/metadata/ownerReferences") {
                for owner in owners {
                    owner["uid"] = json!(owner_uid);
                }
            }
            object
        })
        .collect()
}

/// Node `n` of a cluster.
fn node(parts: &Parts, plan: &Plan, n: usize) -> Value {
    let control_plane = !plan.profile.managed() && n < CONTROL_PLANE_NODES;
    let template = if control_plane {
        &parts.nodes.control_plane_node
    } else {
        &parts.nodes.worker_node
    };
    let mut object = template.clone();
    let ip = Ipv4Addr::from(anchor(plan.index) + FIRST_NODE_HOST + n as u32);
    let name = if plan.profile.managed() {
        let [a, b, c, d] = ip.octets();
        format!("ip-{a}-{b}-{c}-{d}.{EKS_REGION}.compute.internal")
    } else {
        ip.to_string()
    };
    object["metadata"]["name"] = json!(name);
    object["metadata"]["uid"] = json!(uid(&["node", &plan.name, &name]));
    if let Some(Value::Object(labels)) = object.pointer_mut("/metadata/labels") {
        labels.insert("kubernetes.io/hostname".to_string(), json!(name));
    }
    if let Some(Value::Object(annotations)) = object.pointer_mut("/metadata/annotations")
        && annotations.contains_key("ovn.kubernetes.io/port_name")
    {
        annotations.insert(
            "ovn.kubernetes.io/port_name".to_string(),
            json!(format!("node-{name}")),
        );
    }
    object["status"]["addresses"] = json!([
        {"address": ip.to_string(), "type": "InternalIP"},
        {"address": name, "type": "Hostname"},
    ]);
    object["status"]["nodeInfo"]["kubeletVersion"] = json!(plan.version);
    object
}

/// A stable 128-bit hash of some strings (two FNV-1a 64 hashes with different seeds).
fn hash(parts: &[&str]) -> (u64, u64) {
    let fnv = |seed: u64| {
        let mut h = seed;
        for part in parts {
            for byte in part.bytes().chain(std::iter::once(0)) {
                h ^= u64::from(byte);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        h
    };
    (fnv(0xcbf2_9ce4_8422_2325), fnv(0x6c62_272e_07bb_0142))
}

/// A stable UUID-shaped identifier for some strings.
fn uid(parts: &[&str]) -> String {
    let (a, b) = hash(parts);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
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
    fn rewriting_keeps_image_references() {
        let rewrite = Rewriter::new("prod-007", 7);
        let mut object = json!({
            "a": "prod-1",
            "b": ["192.168.140.21", "192.168.130.10:11443/asm/pilot:1.22.4"],
            "c": {"d": "192.168.130.11", "e": "prod-10"},
        });
        rewrite.apply(&mut object);
        assert_eq!(
            object,
            json!({
                "a": "prod-007",
                "b": ["10.0.194.21", "192.168.130.10:11443/asm/pilot:1.22.4"],
                "c": {"d": "10.0.194.11", "e": "prod-10"},
            })
        );
        // The global cluster keeps the fixture's addresses.
        assert_eq!(
            Rewriter::new(GLOBAL, 0).rewritten("192.168.130.21"),
            Some("192.168.130.21".to_string())
        );
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

    #[test]
    fn uids_are_stable_and_distinct() {
        assert_eq!(uid(&["a", "b"]), uid(&["a", "b"]));
        assert_ne!(uid(&["a", "b"]), uid(&["ab"]));
        assert_eq!(uid(&["x"]).len(), 36);
    }
}
