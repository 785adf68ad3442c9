//! The typed fact model, and its derivation from a [`Snapshot`]'s raw objects.
//!
//! Facts are what rules see. Each one is derived here, in one place, from the raw objects of the
//! reads in [`crate::reads`], so a live platform and a saved snapshot give the same facts. A fact
//! whose read failed is [`Fact::Unknown`] with the cause; rules that use it are reported as
//! `error`, never as `pass`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::host::HostFacts;
use crate::reads::{self, Read};
use crate::snapshot::{ReadError, ReadErrorKind, ReadOutcome, Snapshot};

/// A fact that is either known or unknown with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", content = "value", rename_all = "snake_case")]
pub enum Fact<T> {
    /// The fact was established.
    Known(T),
    /// The fact could not be established.
    Unknown(FactError),
}

impl<T> Fact<T> {
    /// The value, when known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Fact::Known(value) => Some(value),
            Fact::Unknown(_) => None,
        }
    }

    /// The reason, when unknown.
    pub fn error(&self) -> Option<&FactError> {
        match self {
            Fact::Known(_) => None,
            Fact::Unknown(error) => Some(error),
        }
    }
}

/// Why a fact is unknown: which read failed on which cluster, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactError {
    /// Cluster the failed read was made on.
    pub cluster: String,
    /// Resource that was read, e.g. `moduleinfoes.cluster.alauda.io`.
    pub resource: String,
    /// The failure.
    pub error: ReadError,
}

impl std::fmt::Display for FactError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "could not read {} on cluster {}: {}",
            self.resource, self.cluster, self.error
        )
    }
}

/// Everything the rules can see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    /// Platform-wide facts from the global cluster.
    pub platform: Fact<PlatformFacts>,
    /// Every cluster of the platform, the global one first.
    pub clusters: Fact<Vec<ClusterFacts>>,
    /// The host the checker (or the collection) ran on, when probed.
    pub host: Option<HostFacts>,
}

/// Platform-wide facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlatformFacts {
    /// Installed ACP version, as ProductBase `base` reports it (`status.version`), e.g. `v3.18.2`.
    pub version: String,
    /// Platform access address (`spec.platformURL`), when set.
    pub url: Option<String>,
}

/// Facts about one cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterFacts {
    /// Cluster name.
    pub name: String,
    /// `global` or `workload`.
    pub role: String,
    /// `on_premises` (created by the platform) or `managed` (imported, registered, cloud).
    pub provider: String,
    /// The raw `spec.type` of the tkestack Cluster (`Baremetal`, `Imported`…).
    pub cluster_type: Option<String>,
    /// Running Kubernetes version (`status.version`, else `spec.version`), e.g. `v1.30.4`.
    pub kubernetes_version: Option<String>,
    /// Cluster phase (`Running` when healthy).
    pub phase: Option<String>,
    /// Installed cluster plugins (ModuleInfo objects on the global cluster).
    pub plugins: Fact<Vec<Plugin>>,
    /// Istio control-plane revisions (istiod Deployments in `istio-system`).
    pub istio: Fact<IstioFacts>,
    /// Elasticsearch log storage.
    pub elasticsearch: Fact<ElasticsearchFacts>,
}

/// An installed cluster plugin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plugin {
    /// ModuleInfo object name.
    pub object: String,
    /// Module name (label `cpaas.io/module-name`), e.g. `logcenter`.
    pub module: String,
    /// English display name, e.g. `Alauda Container Platform Log Storage for Elasticsearch`.
    pub display_name: String,
    /// Installed version (`status.version`, else `spec.version`).
    pub version: Option<String>,
    /// Phase (`Running` when healthy).
    pub phase: Option<String>,
}

/// The Istio control plane of one cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IstioFacts {
    /// One entry per istiod Deployment.
    pub revisions: Vec<IstiodRevision>,
}

/// One istiod Deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IstiodRevision {
    /// Deployment name, e.g. `istiod-1-22`.
    pub deployment: String,
    /// Istio version from the `discovery` image tag, else from the `istio.io/rev` label or the
    /// Deployment name (`istiod-1-22` → `1.22`); `None` when none of them tells.
    pub version: Option<String>,
}

/// Elasticsearch log storage on one cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EsNodeSet {
    /// StatefulSet name.
    pub statefulset: String,
    /// Value of env `node.roles`, when set.
    pub node_roles: Option<String>,
    /// Value of the legacy env `node.data`, when set.
    pub node_data: Option<String>,
    /// Value of the legacy env `node.master`, when set.
    pub node_master: Option<String>,
}

/// Installed plugins per cluster, each with the Elasticsearch scale its config names (only the
/// `logcenter` plugin has one).
type PluginsByCluster = BTreeMap<String, Vec<(Plugin, Option<String>)>>;

/// The name of the global cluster's Elasticsearch data StatefulSet.
const ES_DATA: &str = "cpaas-elasticsearch";
/// The name of the big-scale master StatefulSet.
const ES_MASTER: &str = "cpaas-elasticsearch-master";

impl Facts {
    /// Derives every fact from a snapshot. The first cluster record is the global cluster.
    pub fn derive(snapshot: &Snapshot) -> Facts {
        let records: BTreeMap<&str, &crate::snapshot::ClusterRecord> = snapshot
            .clusters
            .iter()
            .map(|c| (c.name.as_str(), c))
            .collect();
        let global_name = snapshot
            .clusters
            .first()
            .map(|c| c.name.as_str())
            .unwrap_or("global");
        let view = View {
            records,
            global: global_name,
        };
        let platform = derive_platform(&view);
        let plugins = view.items(global_name, &reads::MODULE_INFOS).map(|items| {
            let mut plugins = PluginsByCluster::new();
            for item in items {
                let cluster = label(item, "cpaas.io/cluster-name").unwrap_or_default();
                let es_scale = text(
                    item,
                    &["spec", "config", "components", "elasticsearch", "type"],
                );
                plugins
                    .entry(cluster)
                    .or_default()
                    .push((plugin(item), es_scale));
            }
            plugins
        });
        let clusters = view.platform_items(&reads::CLUSTERS).map(|items| {
            let mut clusters: Vec<ClusterFacts> = items
                .iter()
                .map(|item| derive_cluster(&view, item, &plugins))
                .collect();
            clusters.sort_by_key(|c| (c.role != "global", c.name.clone()));
            clusters
        });
        Facts {
            platform,
            clusters: into_fact(clusters),
            host: snapshot.host.clone(),
        }
    }
}

/// Read access to the snapshot's records.
struct View<'a> {
    records: BTreeMap<&'a str, &'a crate::snapshot::ClusterRecord>,
    global: &'a str,
}

impl<'a> View<'a> {
    /// The items of a read that only an ACP global cluster serves: there, an absent resource
    /// type means the snapshot is not of a global cluster, which is an error, not "none".
    fn platform_items(&self, read: &Read) -> Result<&'a [Value], FactError> {
        if let Some(ReadOutcome::Absent { reason }) = self
            .records
            .get(self.global)
            .and_then(|r| r.reads.get(read.id))
        {
            return Err(FactError {
                cluster: self.global.to_string(),
                resource: resource_name(read),
                error: ReadError::new(
                    ReadErrorKind::Invalid,
                    format!(
                        "{} is not served ({reason}): is `{}` the ACP global cluster?",
                        resource_name(read),
                        self.global
                    ),
                ),
            });
        }
        self.items(self.global, read)
    }

    /// The items of one read on one cluster; `Ok(empty)` when the resource type is absent.
    fn items(&self, cluster: &str, read: &Read) -> Result<&'a [Value], FactError> {
        static EMPTY: Vec<Value> = Vec::new();
        let resource = resource_name(read);
        let fail = |error: ReadError| FactError {
            cluster: cluster.to_string(),
            resource: resource.clone(),
            error,
        };
        let Some(record) = self.records.get(cluster) else {
            return Err(fail(ReadError::new(
                ReadErrorKind::NotCollected,
                format!("the snapshot has no data for cluster {cluster}"),
            )));
        };
        match record.reads.get(read.id) {
            Some(ReadOutcome::Ok { items }) => Ok(items.as_slice()),
            Some(ReadOutcome::Absent { .. }) => Ok(EMPTY.as_slice()),
            Some(ReadOutcome::Error(error)) => Err(fail(error.clone())),
            None => Err(fail(ReadError::new(
                ReadErrorKind::NotCollected,
                format!("the snapshot has no `{}` read for this cluster", read.id),
            ))),
        }
    }
}

/// `plural.group` (or just `plural` for the core group), as kubectl names a resource.
pub fn resource_name(read: &Read) -> String {
    if read.group.is_empty() {
        read.plural.to_string()
    } else {
        format!("{}.{}", read.plural, read.group)
    }
}

fn into_fact<T>(result: Result<T, FactError>) -> Fact<T> {
    match result {
        Ok(value) => Fact::Known(value),
        Err(error) => Fact::Unknown(error),
    }
}

fn derive_platform(view: &View) -> Fact<PlatformFacts> {
    let items = match view.platform_items(&reads::PRODUCT_BASES) {
        Ok(items) => items,
        Err(error) => return Fact::Unknown(error),
    };
    let missing = |message: &str| {
        Fact::Unknown(FactError {
            cluster: view.global.to_string(),
            resource: resource_name(&reads::PRODUCT_BASES),
            error: ReadError::new(ReadErrorKind::Invalid, message.to_string()),
        })
    };
    let Some(base) = items.iter().find(|i| name(i) == "base") else {
        return missing("ProductBase `base` does not exist: is this the global cluster?");
    };
    match text(base, &["status", "version"]) {
        Some(version) => Fact::Known(PlatformFacts {
            version,
            url: text(base, &["spec", "platformURL"]),
        }),
        None => missing("ProductBase `base` has no status.version"),
    }
}

fn derive_cluster(
    view: &View,
    item: &Value,
    plugins: &Result<PluginsByCluster, FactError>,
) -> ClusterFacts {
    let name = name(item).to_string();
    let is_global = name == view.global || label(item, "is-global").as_deref() == Some("true");
    let cluster_type = text(item, &["spec", "type"]);
    let provider = match cluster_type.as_deref() {
        Some(t) if t.eq_ignore_ascii_case("baremetal") => "on_premises",
        None if is_global => "on_premises",
        _ => "managed",
    };
    let installed = plugins
        .as_ref()
        .map(|by_cluster| by_cluster.get(&name).map(Vec::as_slice).unwrap_or_default());
    let cluster_plugins = installed
        .map(|p| {
            p.iter()
                .map(|(plugin, _)| plugin.clone())
                .collect::<Vec<_>>()
        })
        .map_err(Clone::clone);
    let istio = view
        .items(&name, &reads::ISTIO_DEPLOYMENTS)
        .map(|items| IstioFacts {
            revisions: items.iter().filter_map(istiod_revision).collect(),
        });
    let elasticsearch = view
        .items(&name, &reads::ELASTICSEARCH_STATEFULSETS)
        .map(|items| elasticsearch(items, installed.as_ref().ok().copied()));
    ClusterFacts {
        role: if is_global { "global" } else { "workload" }.to_string(),
        provider: provider.to_string(),
        cluster_type,
        kubernetes_version: text(item, &["status", "version"])
            .or_else(|| text(item, &["spec", "version"])),
        phase: text(item, &["status", "phase"]),
        plugins: into_fact(cluster_plugins),
        istio: into_fact(istio),
        elasticsearch: into_fact(elasticsearch),
        name,
    }
}

fn plugin(item: &Value) -> Plugin {
    let module = label(item, "cpaas.io/module-name").unwrap_or_default();
    // The `cpaas.io/module-name` annotation is JSON: {"en": "...", "zh": "..."}.
    let display_name = annotation(item, "cpaas.io/module-name")
        .and_then(|json| serde_json::from_str::<Value>(&json).ok())
        .and_then(|v| v.get("en").and_then(Value::as_str).map(str::to_string))
        .or_else(|| annotation(item, "cpaas.io/display-name"))
        .unwrap_or_else(|| module.clone());
    Plugin {
        object: name(item).to_string(),
        module,
        display_name,
        version: text(item, &["status", "version"]).or_else(|| text(item, &["spec", "version"])),
        phase: text(item, &["status", "phase"]),
    }
}

fn istiod_revision(item: &Value) -> Option<IstiodRevision> {
    let deployment = name(item);
    if !deployment.starts_with("istiod") {
        return None;
    }
    let from_image = item
        .pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| c.get("name").and_then(Value::as_str) == Some("discovery"))
        .and_then(|c| c.get("image").and_then(Value::as_str))
        .and_then(|image| image.rsplit_once(':').map(|(_, tag)| tag))
        .filter(|tag| !tag.contains('/'))
        .and_then(leading_version);
    // `istio.io/rev: 1-22` or `istiod-1-22` both spell the version with dashes.
    let from_revision = || {
        label(item, "istio.io/rev")
            .or_else(|| deployment.strip_prefix("istiod-").map(str::to_string))
            .and_then(|rev| leading_version(&rev.replace('-', ".")))
    };
    Some(IstiodRevision {
        deployment: deployment.to_string(),
        version: from_image.or_else(from_revision),
    })
}

/// The leading `N.N[.N]` of a tag such as `1.22.4`, `1.22.4-distroless` or `1.22`.
fn leading_version(tag: &str) -> Option<String> {
    let tag = tag.strip_prefix('v').unwrap_or(tag);
    let end = tag
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(tag.len());
    let numbers = tag[..end].trim_end_matches('.');
    (numbers.split('.').count() >= 2 && numbers.split('.').all(|p| !p.is_empty()))
        .then(|| numbers.to_string())
}

/// Elasticsearch facts from the cluster's StatefulSets and, when the plugin list could be read,
/// the `logcenter` plugin's configured scale.
fn elasticsearch(
    statefulsets: &[Value],
    plugins: Option<&[(Plugin, Option<String>)]>,
) -> ElasticsearchFacts {
    let node_set = |wanted: &str| {
        statefulsets
            .iter()
            .find(|s| name(s) == wanted)
            .map(|s| es_node_set(wanted, s))
    };
    let data_nodes = node_set(ES_DATA);
    let master_nodes = node_set(ES_MASTER);
    let logcenter = plugins.and_then(|p| p.iter().find(|(p, _)| p.module == "logcenter"));
    let plugin_installed = logcenter.is_some();
    let configured_scale = logcenter.and_then(|(_, scale)| scale.clone());
    let scale = configured_scale.unwrap_or_else(|| {
        if master_nodes.is_some() {
            "big".to_string()
        } else {
            "unknown".to_string()
        }
    });
    ElasticsearchFacts {
        installed: plugin_installed || data_nodes.is_some() || master_nodes.is_some(),
        scale,
        data_nodes,
        master_nodes,
    }
}

fn es_node_set(statefulset: &str, item: &Value) -> EsNodeSet {
    let env: Vec<&Value> = item
        .pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(ES_DATA))
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
    }
}

fn name(item: &Value) -> &str {
    item.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn label(item: &Value, key: &str) -> Option<String> {
    item.pointer("/metadata/labels")
        .and_then(|l| l.get(key))
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn annotation(item: &Value, key: &str) -> Option<String> {
    item.pointer("/metadata/annotations")
        .and_then(|l| l.get(key))
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn text(item: &Value, path: &[&str]) -> Option<String> {
    let mut value = item;
    for key in path {
        value = value.get(key)?;
    }
    value.as_str().map(str::to_string).filter(|s| !s.is_empty())
}

/// The reads needed to establish the facts at these paths (as recorded in
/// [`crate::rules::Rule::reads`]), so a collection fetches only what the selected rules use.
/// Every fact about clusters needs the cluster list; the platform version needs ProductBase.
pub fn reads_for<'a>(paths: impl IntoIterator<Item = &'a str>) -> Vec<&'static Read> {
    let mut needed = Vec::new();
    let mut need = |read: &'static Read| {
        if !needed.contains(&read) {
            needed.push(read);
        }
    };
    for path in paths {
        let root = path.split('.').next().unwrap_or_default();
        let field = path.split('.').nth(1);
        match (root, field) {
            ("platform" | "upgrade", _) => need(&reads::PRODUCT_BASES),
            ("cluster" | "clusters", field) => {
                need(&reads::CLUSTERS);
                match field {
                    Some("plugins") => need(&reads::MODULE_INFOS),
                    Some("istio") => need(&reads::ISTIO_DEPLOYMENTS),
                    Some("elasticsearch") => {
                        need(&reads::MODULE_INFOS);
                        need(&reads::ELASTICSEARCH_STATEFULSETS);
                    }
                    // The whole cluster value: every per-cluster fact.
                    None if root == "clusters" => {
                        need(&reads::MODULE_INFOS);
                        need(&reads::ISTIO_DEPLOYMENTS);
                        need(&reads::ELASTICSEARCH_STATEFULSETS);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    needed.sort_by_key(|r| reads::ALL.iter().position(|a| a == *r));
    needed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_follow_the_fact_paths() {
        let ids = |paths: &[&str]| -> Vec<&str> {
            reads_for(paths.iter().copied())
                .iter()
                .map(|r| r.id)
                .collect()
        };
        assert_eq!(ids(&["upgrade"]), ["productbases"]);
        assert_eq!(ids(&["cluster.kubernetes_version"]), ["clusters"]);
        assert_eq!(
            ids(&["cluster.istio.revisions", "upgrade.min_istio"]),
            ["productbases", "clusters", "istio-deployments"]
        );
        assert_eq!(
            ids(&["cluster.elasticsearch"]),
            ["clusters", "moduleinfoes", "cpaas-statefulsets"]
        );
        assert!(ids(&["host.package", "path.free_bytes", "target"]).is_empty());
    }

    #[test]
    fn istiod_version_from_image_label_or_name() {
        let deployment = |name: &str, image: &str, rev: Option<&str>| {
            serde_json::json!({
                "metadata": {"name": name, "labels": rev.map(|r| serde_json::json!({"istio.io/rev": r})).unwrap_or(serde_json::json!({}))},
                "spec": {"template": {"spec": {"containers": [{"name": "discovery", "image": image}]}}}
            })
        };
        let version = |d: &Value| istiod_revision(d).and_then(|r| r.version);
        assert_eq!(
            version(&deployment(
                "istiod-1-22",
                "reg:60080/asm/pilot:1.22.4",
                None
            ))
            .as_deref(),
            Some("1.22.4")
        );
        assert_eq!(
            version(&deployment(
                "istiod-1-20",
                "reg/asm/pilot:1.20.6-distroless",
                None
            ))
            .as_deref(),
            Some("1.20.6")
        );
        assert_eq!(
            version(&deployment(
                "istiod-1-18",
                "reg/asm/pilot@sha256",
                Some("1-18")
            ))
            .as_deref(),
            Some("1.18")
        );
        assert_eq!(
            version(&deployment("istiod-1-19", "reg:5000/pilot", None)).as_deref(),
            Some("1.19")
        );
        assert_eq!(
            version(&deployment("istiod", "reg/pilot:latest", None)),
            None
        );
        assert!(istiod_revision(&deployment("istio-ingressgateway", "x:1.22.0", None)).is_none());
    }
}
