//! Elasticsearch log storage of each cluster: the `cpaas-elasticsearch` StatefulSets in
//! `cpaas-system`, and the scale the `logcenter` plugin is configured with.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::raw::{container, label, name, text};
use super::{ClusterBase, FactError, Input, Level, Provider};
use crate::reads::{Read, ReadOn};

/// StatefulSets in `cpaas-system`: the Elasticsearch log-storage nodes.
pub const ELASTICSEARCH_STATEFULSETS: Read = Read {
    id: "cpaas-statefulsets",
    group: "apps",
    versions: &["v1"],
    kind: "StatefulSet",
    plural: "statefulsets",
    namespace: Some("cpaas-system"),
    label_selector: None,
    path: None,
    text: false,
    on: ReadOn::EveryCluster,
    custom: false,
    short_name: None,
    purpose: "Elasticsearch log storage StatefulSets and their node-role settings",
};

/// The name of the Elasticsearch data StatefulSet (and of its container).
const ES_DATA: &str = "cpaas-elasticsearch";
/// The name of the big-scale master StatefulSet.
const ES_MASTER: &str = "cpaas-elasticsearch-master";

/// Elasticsearch log storage on one cluster (`cluster.elasticsearch`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ElasticsearchFacts {
    /// Whether Elasticsearch log storage is installed (a `logcenter` plugin or its StatefulSet).
    pub installed: bool,
    /// `single`, `normal` or `big` from the plugin's config; `big` when only the master
    /// StatefulSet tells; `unknown` otherwise.
    pub scale: String,
    /// The data-node StatefulSet `cpaas-elasticsearch`.
    pub data_nodes: Option<EsNodeSet>,
    /// The master-node StatefulSet `cpaas-elasticsearch-master` (big scale only).
    pub master_nodes: Option<EsNodeSet>,
}

/// Role settings of one Elasticsearch StatefulSet (env of container `cpaas-elasticsearch`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EsNodeSet {
    /// StatefulSet name.
    pub statefulset: String,
    /// Value of env `node.roles`, when set.
    pub node_roles: Option<String>,
    /// Value of the legacy env `node.data`, when set.
    pub node_data: Option<String>,
    /// Value of the legacy env `node.master`, when set.
    pub node_master: Option<String>,
    /// Whether the StatefulSet runs what its spec says: the controller has seen the latest
    /// generation, and every replica is updated to the current revision and ready. A role fix
    /// counts only once it is rolled out.
    pub rollout_complete: bool,
}

/// The `elasticsearch` family.
pub struct Elasticsearch;

impl Provider for Elasticsearch {
    type Value = ElasticsearchFacts;
    const NAME: &'static str = "elasticsearch";
    const LEVEL: Level = Level::Cluster;
    const READS: &'static [&'static Read] =
        &[&super::plugins::MODULE_INFOS, &ELASTICSEARCH_STATEFULSETS];

    /// The StatefulSets are required; the plugin list only refines the scale, so when it could
    /// not be read the scale comes from the StatefulSets alone.
    fn derive(input: &Input<'_>, cluster: &ClusterBase) -> Result<ElasticsearchFacts, FactError> {
        let statefulsets = input.items(&cluster.name, &ELASTICSEARCH_STATEFULSETS)?;
        let node_set = |wanted: &str| {
            statefulsets
                .iter()
                .find(|s| name(s) == wanted)
                .map(|s| es_node_set(wanted, s))
        };
        let data_nodes = node_set(ES_DATA);
        let master_nodes = node_set(ES_MASTER);
        let logcenter = super::plugins::module_infos(input, &cluster.name)
            .ok()
            .and_then(|items| {
                items.into_iter().find(|item| {
                    label(item, "cpaas.io/module-name").as_deref() == Some("logcenter")
                })
            });
        let configured_scale = logcenter.and_then(|item| {
            text(
                item,
                &["spec", "config", "components", "elasticsearch", "type"],
            )
        });
        let scale = configured_scale.unwrap_or_else(|| {
            if master_nodes.is_some() {
                "big"
            } else {
                "unknown"
            }
            .to_string()
        });
        Ok(ElasticsearchFacts {
            installed: logcenter.is_some() || data_nodes.is_some() || master_nodes.is_some(),
            scale,
            data_nodes,
            master_nodes,
        })
    }
}

/// Whether a StatefulSet's rollout has finished (see [`EsNodeSet::rollout_complete`]).
fn rollout_complete(item: &Value) -> bool {
    let number = |pointer: &str| item.pointer(pointer).and_then(Value::as_i64);
    let wanted = number("/spec/replicas").unwrap_or(1);
    let generation_seen = match (
        number("/metadata/generation"),
        number("/status/observedGeneration"),
    ) {
        (Some(generation), Some(observed)) => observed >= generation,
        _ => false,
    };
    let revision = |key: &str| {
        item.pointer(&format!("/status/{key}"))
            .and_then(Value::as_str)
    };
    generation_seen
        && number("/status/updatedReplicas") == Some(wanted)
        && number("/status/readyReplicas") == Some(wanted)
        && revision("currentRevision") == revision("updateRevision")
}

fn es_node_set(statefulset: &str, item: &Value) -> EsNodeSet {
    let env: Vec<&Value> = container(item, ES_DATA)
        .and_then(|c| c.get("env").and_then(Value::as_array))
        .into_iter()
        .flatten()
        .collect();
    let var = |key: &str| {
        env.iter()
            .find(|e| e.get("name").and_then(Value::as_str) == Some(key))
            .map(|e| {
                e.get("value")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            })
    };
    EsNodeSet {
        statefulset: statefulset.to_string(),
        node_roles: var("node.roles"),
        node_data: var("node.data"),
        node_master: var("node.master"),
        rollout_complete: rollout_complete(item),
    }
}
