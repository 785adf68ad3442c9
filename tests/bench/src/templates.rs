//! Object templates, taken from the recorded `fixtures/ready-3.18` platform so generated fleets
//! have the shapes the checker's fact derivation expects, plus the Deployments of `prod-1`'s
//! `istio-system` that a kubectl dump (`-l app=istiod`) leaves out of the fixture: they are
//! served so that the checker's labelled read has something to leave out too.

use serde_json::Value;

use crate::fleet::FleetError;

/// The fixture files the templates come from, as `(name, text)`.
macro_rules! fixture {
    ($path:literal) => {
        (
            $path,
            include_str!(concat!("../../../fixtures/ready-3.18/", $path)),
        )
    };
}

const GLOBAL_CLUSTERS: (&str, &str) = fixture!("global/clusters.json");
const GLOBAL_CRDS: (&str, &str) = fixture!("global/customresourcedefinitions.json");
const GLOBAL_MODULE_INFOS: (&str, &str) = fixture!("global/moduleinfoes.json");
const GLOBAL_NODES: (&str, &str) = fixture!("global/nodes.json");
const GLOBAL_PRODUCT_BASES: (&str, &str) = fixture!("global/productbases.json");
const GLOBAL_STATEFULSETS: (&str, &str) = fixture!("global/cpaas-statefulsets.json");
const GLOBAL_VERSION: (&str, &str) = fixture!("global/version.json");
const GLOBAL_SERVICES: (&str, &str) = fixture!("global/services.json");
/// Prometheus' answer to the control-plane nodes' free-space query, through the service proxy.
const GLOBAL_NODE_FILESYSTEM_METRICS: (&str, &str) =
    fixture!("global/service-proxy/cpaas-system/prometheus-operated/api/v1/query");
const PROD_VERSION: (&str, &str) = fixture!("prod-1/version.json");
const EKS_VERSION: (&str, &str) = fixture!("eks-1/version.json");
const PROD_CRDS: (&str, &str) = fixture!("prod-1/customresourcedefinitions.json");
const PROD_ISTIO: (&str, &str) = fixture!("prod-1/istio-deployments.json");
const PROD_NODES: (&str, &str) = fixture!("prod-1/nodes.json");
const PROD_STATEFULSETS: (&str, &str) = fixture!("prod-1/cpaas-statefulsets.json");
const EKS_CRDS: (&str, &str) = fixture!("eks-1/customresourcedefinitions.json");
const EKS_NODES: (&str, &str) = fixture!("eks-1/nodes.json");
const EKS_STATEFULSETS: (&str, &str) = fixture!("eks-1/cpaas-statefulsets.json");
/// The istio-system Deployments of `prod-1` other than istiod (the ingress gateway and the
/// operator), as recorded before the fixture kept only what `-l app=istiod` lists.
const PROD_OTHER_DEPLOYMENTS: (&str, &str) = (
    "tests/bench/templates/prod-1-other-deployments.json",
    include_str!("../templates/prod-1-other-deployments.json"),
);

/// The name of the fixture's global cluster.
pub(crate) const FIXTURE_GLOBAL: &str = "global";
/// The fixture's On-Premises workload cluster (service mesh, normal-scale Elasticsearch).
pub(crate) const FIXTURE_PROD: &str = "prod-1";
/// The fixture's imported (Amazon EKS) workload cluster.
pub(crate) const FIXTURE_EKS: &str = "eks-1";
/// The `/24` the fixture's global cluster addresses its machines in.
pub(crate) const FIXTURE_GLOBAL_NET: &str = "192.168.130.";
/// The `/24` the fixture's `prod-1` cluster addresses its machines in.
pub(crate) const FIXTURE_PROD_NET: &str = "192.168.140.";

/// Objects of one fixture cluster used as templates.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    /// The tkestack `Cluster` object of this cluster (on the global cluster).
    pub cluster: Value,
    /// Its CustomResourceDefinitions.
    pub crds: Vec<Value>,
    /// A control-plane Node.
    pub control_plane_node: Value,
    /// A worker Node.
    pub worker_node: Value,
    /// Its `/version` answer.
    pub version: Value,
    /// Its `cpaas-system` StatefulSets.
    pub statefulsets: Vec<Value>,
    /// Its istiod Deployments (`app=istiod`).
    pub istio: Vec<Value>,
    /// Its other Deployments, which the labelled istiod read must not list.
    pub other_deployments: Vec<Value>,
    /// Its ModuleInfo objects (on the global cluster).
    pub module_infos: Vec<Value>,
}

/// Every template, parsed once.
#[derive(Debug, Clone)]
pub(crate) struct Templates {
    /// ProductBase `base`.
    pub product_base: Value,
    /// The global cluster's Services (its Prometheus).
    pub global_services: Vec<Value>,
    /// What its Prometheus answers to the node-exporter free-space query.
    pub node_filesystem_metrics: &'static str,
    /// The global cluster (On-Premises, big-scale Elasticsearch, no service mesh).
    pub global: Source,
    /// `prod-1` (On-Premises, istiod 1.22, normal-scale Elasticsearch).
    pub prod: Source,
    /// `eks-1` (imported Amazon EKS, no Elasticsearch).
    pub eks: Source,
}

impl Templates {
    /// Parses the embedded fixture files.
    pub fn load() -> Result<Templates, FleetError> {
        let clusters = items(GLOBAL_CLUSTERS)?;
        let module_infos = items(GLOBAL_MODULE_INFOS)?;
        let source = |name: &str,
                      crds: (&str, &str),
                      nodes: (&str, &str),
                      version: (&str, &str),
                      statefulsets: (&str, &str),
                      istio: Option<(&str, &str)>,
                      other_deployments: Option<(&str, &str)>|
         -> Result<Source, FleetError> {
            let cluster = find(&clusters, GLOBAL_CLUSTERS.0, |o| metadata_name(o) == name)?;
            let nodes = items(nodes)?;
            let control_plane_node = nodes
                .iter()
                .find(|n| is_control_plane(n))
                .or_else(|| nodes.first())
                .cloned()
                .ok_or_else(|| template_error(nodes_file(name), "no Node"))?;
            let worker_node = nodes
                .iter()
                .find(|n| !is_control_plane(n))
                .unwrap_or(&control_plane_node)
                .clone();
            Ok(Source {
                cluster,
                crds: items(crds)?,
                control_plane_node,
                worker_node,
                version: object(version)?,
                statefulsets: items(statefulsets)?,
                istio: match istio {
                    Some(file) => items(file)?,
                    None => Vec::new(),
                },
                other_deployments: match other_deployments {
                    Some(file) => items(file)?,
                    None => Vec::new(),
                },
                module_infos: module_infos
                    .iter()
                    .filter(|m| label(m, "cpaas.io/cluster-name") == Some(name))
                    .cloned()
                    .collect(),
            })
        };
        let product_base = find(&items(GLOBAL_PRODUCT_BASES)?, GLOBAL_PRODUCT_BASES.0, |o| {
            metadata_name(o) == "base"
        })?;
        Ok(Templates {
            product_base,
            global_services: items(GLOBAL_SERVICES)?,
            node_filesystem_metrics: GLOBAL_NODE_FILESYSTEM_METRICS.1,
            global: source(
                FIXTURE_GLOBAL,
                GLOBAL_CRDS,
                GLOBAL_NODES,
                GLOBAL_VERSION,
                GLOBAL_STATEFULSETS,
                None,
                None,
            )?,
            prod: source(
                FIXTURE_PROD,
                PROD_CRDS,
                PROD_NODES,
                PROD_VERSION,
                PROD_STATEFULSETS,
                Some(PROD_ISTIO),
                Some(PROD_OTHER_DEPLOYMENTS),
            )?,
            eks: source(
                FIXTURE_EKS,
                EKS_CRDS,
                EKS_NODES,
                EKS_VERSION,
                EKS_STATEFULSETS,
                None,
                None,
            )?,
        })
    }
}

fn nodes_file(cluster: &str) -> &'static str {
    match cluster {
        FIXTURE_GLOBAL => GLOBAL_NODES.0,
        FIXTURE_PROD => PROD_NODES.0,
        _ => EKS_NODES.0,
    }
}

fn template_error(file: &str, reason: &str) -> FleetError {
    FleetError::Template {
        file: file.to_string(),
        reason: reason.to_string(),
    }
}

/// The `items` of a `kubectl get -o json` list.
fn items((file, text): (&str, &str)) -> Result<Vec<Value>, FleetError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| template_error(file, &e.to_string()))?;
    match value.get("items") {
        Some(Value::Array(items)) => Ok(items.clone()),
        _ => Err(template_error(file, "not a list (no items array)")),
    }
}

/// One JSON object (what `kubectl get --raw` prints).
fn object((file, text): (&str, &str)) -> Result<Value, FleetError> {
    match serde_json::from_str::<Value>(text) {
        Ok(value) if value.get("gitVersion").is_some() => Ok(value),
        Ok(_) => Err(template_error(file, "not a version.Info (no gitVersion)")),
        Err(e) => Err(template_error(file, &e.to_string())),
    }
}

fn find(items: &[Value], file: &str, wanted: impl Fn(&Value) -> bool) -> Result<Value, FleetError> {
    items
        .iter()
        .find(|o| wanted(o))
        .cloned()
        .ok_or_else(|| template_error(file, "the expected object is missing"))
}

/// `metadata.name`, or "" when absent.
pub(crate) fn metadata_name(object: &Value) -> &str {
    object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// A label's value.
pub(crate) fn label<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object
        .pointer("/metadata/labels")
        .and_then(|labels| labels.get(key))
        .and_then(Value::as_str)
}

fn is_control_plane(node: &Value) -> bool {
    label(node, "node-role.kubernetes.io/control-plane").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_have_the_expected_shapes() {
        let t = Templates::load().unwrap();
        assert_eq!(metadata_name(&t.product_base), "base");
        assert_eq!(metadata_name(&t.global.cluster), FIXTURE_GLOBAL);
        assert_eq!(t.global.module_infos.len(), 5);
        assert_eq!(t.prod.module_infos.len(), 5);
        assert_eq!(t.eks.module_infos.len(), 2);
        assert!(is_control_plane(&t.prod.control_plane_node));
        assert!(!is_control_plane(&t.prod.worker_node));
        assert!(
            t.prod
                .istio
                .iter()
                .any(|d| metadata_name(d).starts_with("istiod"))
        );
        // The labelled read lists istiod and nothing else.
        assert!(
            t.prod
                .istio
                .iter()
                .all(|d| label(d, "app") == Some("istiod"))
        );
        assert_eq!(t.prod.other_deployments.len(), 2);
        assert!(
            t.prod
                .other_deployments
                .iter()
                .all(|d| label(d, "app") != Some("istiod"))
        );
        assert!(
            t.global
                .statefulsets
                .iter()
                .any(|s| metadata_name(s) == "cpaas-elasticsearch-master")
        );
        assert!(
            t.global
                .crds
                .iter()
                .any(|c| metadata_name(c) == "moduleinfoes.cluster.alauda.io")
        );
    }
}
