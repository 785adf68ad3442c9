//! The catalogue of Kubernetes reads the checker makes.
//!
//! Every fact about a cluster is derived from the raw objects of one of these reads. The same
//! catalogue drives live collection, the snapshot format, the `kubectl` dump-directory layout
//! (one `<id>.json` file per read) and the read-only RBAC role, so they cannot drift apart.

/// Where a read is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadOn {
    /// Only on the global cluster (platform-wide objects such as ProductBase or ModuleInfo).
    Global,
    /// On every cluster, the global one included.
    EveryCluster,
}

/// One list request against one kind of Kubernetes object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Read {
    /// Stable identifier; also the file name (`<id>.json`) in a dump directory.
    pub id: &'static str,
    /// API group; empty for the core group.
    pub group: &'static str,
    /// API versions the checker understands, most preferred first.
    pub versions: &'static [&'static str],
    /// Kind of the objects.
    pub kind: &'static str,
    /// Resource (plural) name.
    pub plural: &'static str,
    /// Namespace to list in; `None` for cluster-scoped kinds.
    pub namespace: Option<&'static str>,
    /// Which clusters this read is made on.
    pub on: ReadOn,
    /// Whether the kind is served by a CustomResourceDefinition (absent CRD = "not installed").
    pub custom: bool,
    /// What the facts derived from this read are used for.
    pub purpose: &'static str,
}

impl Read {
    /// The `kubectl` command that produces this read's file in a dump directory.
    pub fn kubectl_command(&self) -> String {
        let resource = if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        };
        match self.namespace {
            Some(ns) => format!("kubectl get {resource} -n {ns} -o json > {}.json", self.id),
            None => format!("kubectl get {resource} -o json > {}.json", self.id),
        }
    }

    /// `plural.group` (or just `plural` for the core group), as kubectl and RBAC name it.
    pub fn resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// `group/version` as used in `apiVersion`, for the given version.
    pub fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_string()
        } else {
            format!("{}/{}", self.group, version)
        }
    }
}

/// ProductBase `base`: the installed ACP version.
pub const PRODUCT_BASES: Read = Read {
    id: "productbases",
    group: "product.alauda.io",
    versions: &["v1alpha2", "v1alpha1"],
    kind: "ProductBase",
    plural: "productbases",
    namespace: None,
    on: ReadOn::Global,
    custom: true,
    purpose: "platform version (ProductBase `base`, status.version)",
};

/// tkestack Cluster objects: every cluster, its type, Kubernetes version and phase.
pub const CLUSTERS: Read = Read {
    id: "clusters",
    group: "platform.tkestack.io",
    versions: &["v1"],
    kind: "Cluster",
    plural: "clusters",
    namespace: None,
    on: ReadOn::Global,
    custom: true,
    purpose: "clusters: name, global or workload, On-Premises or Managed, Kubernetes version, phase",
};

/// ModuleInfo objects: one per installed cluster plugin, on the global cluster.
pub const MODULE_INFOS: Read = Read {
    id: "moduleinfoes",
    group: "cluster.alauda.io",
    versions: &["v1alpha1"],
    kind: "ModuleInfo",
    plural: "moduleinfoes",
    namespace: None,
    on: ReadOn::Global,
    custom: true,
    purpose: "installed cluster plugins per cluster (module, display name, version, phase)",
};

/// Deployments in `istio-system`: the istiod control-plane revisions.
pub const ISTIO_DEPLOYMENTS: Read = Read {
    id: "istio-deployments",
    group: "apps",
    versions: &["v1"],
    kind: "Deployment",
    plural: "deployments",
    namespace: Some("istio-system"),
    on: ReadOn::EveryCluster,
    custom: false,
    purpose: "Istio control-plane (istiod) revisions and versions",
};

/// StatefulSets in `cpaas-system`: the Elasticsearch log-storage nodes.
pub const ELASTICSEARCH_STATEFULSETS: Read = Read {
    id: "cpaas-statefulsets",
    group: "apps",
    versions: &["v1"],
    kind: "StatefulSet",
    plural: "statefulsets",
    namespace: Some("cpaas-system"),
    on: ReadOn::EveryCluster,
    custom: false,
    purpose: "Elasticsearch log storage StatefulSets and their node-role settings",
};

/// Every read, in a stable order.
pub const ALL: &[Read] = &[
    PRODUCT_BASES,
    CLUSTERS,
    MODULE_INFOS,
    ISTIO_DEPLOYMENTS,
    ELASTICSEARCH_STATEFULSETS,
];

/// Looks a read up by its identifier.
pub fn by_id(id: &str) -> Option<&'static Read> {
    ALL.iter().find(|r| r.id == id)
}
