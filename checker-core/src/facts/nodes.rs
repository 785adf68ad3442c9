//! The nodes of each cluster: roles, readiness, and the versions of the kubelet, the kernel and
//! the container runtime, as each node reports them (`status.nodeInfo`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::raw::{name, text};
use super::{ClusterBase, FactError, Input, Level, Provider};
use crate::reads::{Read, ReadOn};

/// Node objects of every cluster.
pub const NODES: Read = Read {
    id: "nodes",
    group: "",
    versions: &["v1"],
    kind: "Node",
    plural: "nodes",
    namespace: None,
    label_selector: None,
    path: None,
    text: false,
    on: ReadOn::EveryCluster,
    custom: false,
    short_name: None,
    purpose: "nodes: roles, readiness, kubelet, kernel and container runtime versions",
};

/// One node of a cluster (elements of `cluster.nodes`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Node {
    /// Node name.
    pub name: String,
    /// Whether the node carries the `node-role.kubernetes.io/control-plane` (or legacy
    /// `master`) label.
    pub control_plane: bool,
    /// The `Ready` condition: true, false (`False` or `Unknown`), or null when not reported.
    pub ready: Option<bool>,
    /// Kubelet version (`status.nodeInfo.kubeletVersion`), e.g. `v1.30.4`.
    pub kubelet_version: Option<String>,
    /// Kernel version (`status.nodeInfo.kernelVersion`), e.g. `5.14.0-427.13.1.el9_4.x86_64`.
    pub kernel_version: Option<String>,
    /// OS image (`status.nodeInfo.osImage`).
    pub os_image: Option<String>,
    /// Container runtime and version (`status.nodeInfo.containerRuntimeVersion`), e.g.
    /// `containerd://1.7.20` or `docker://20.10.24`.
    pub container_runtime: Option<String>,
}

/// The nodes of one cluster (`cluster.nodes`), from its Node objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Nodes(pub Vec<Node>);

impl Provider for Nodes {
    type Value = Nodes;
    const NAME: &'static str = "nodes";
    const LEVEL: Level = Level::Cluster;
    const READS: &'static [&'static Read] = &[&NODES];

    fn derive(input: &Input<'_>, cluster: &ClusterBase) -> Result<Nodes, FactError> {
        Ok(Nodes(
            input
                .items(&cluster.name, &NODES)?
                .iter()
                .map(node)
                .collect(),
        ))
    }
}

/// Whether a Node object carries the `node-role.kubernetes.io/control-plane` (or legacy
/// `master`) label.
pub(super) fn is_control_plane(item: &Value) -> bool {
    let labels = item.pointer("/metadata/labels");
    [
        "node-role.kubernetes.io/control-plane",
        "node-role.kubernetes.io/master",
    ]
    .iter()
    .any(|key| labels.and_then(|l| l.get(*key)).is_some())
}

fn node(item: &Value) -> Node {
    let info = |key: &str| text(item, &["status", "nodeInfo", key]);
    let ready = item
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| c.get("type").and_then(Value::as_str) == Some("Ready"))
        .and_then(|c| c.get("status").and_then(Value::as_str))
        .map(|status| status == "True");
    Node {
        name: name(item).to_string(),
        control_plane: is_control_plane(item),
        ready,
        kubelet_version: info("kubeletVersion"),
        kernel_version: info("kernelVersion"),
        os_image: info("osImage"),
        container_runtime: info("containerRuntimeVersion"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_readiness_and_versions() {
        let item = serde_json::json!({
            "metadata": {"name": "cp-1", "labels": {"node-role.kubernetes.io/master": ""}},
            "status": {
                "conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "Unknown"}],
                "nodeInfo": {"kubeletVersion": "v1.30.4", "kernelVersion": "5.14.0", "containerRuntimeVersion": "docker://20.10.24"}
            }
        });
        let n = node(&item);
        assert!(n.control_plane);
        assert_eq!(n.ready, Some(false));
        assert_eq!(n.container_runtime.as_deref(), Some("docker://20.10.24"));
        assert_eq!(n.os_image, None);
        let bare = node(&serde_json::json!({"metadata": {"name": "w"}}));
        assert_eq!((bare.control_plane, bare.ready), (false, None));
    }
}
