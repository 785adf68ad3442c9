//! The Kubernetes version each cluster runs, from the cluster itself: its API server's
//! `/version` and its nodes' kubelets. The platform's record (`status.version` of the tkestack
//! Cluster) is only a fallback, for a snapshot in which neither was read.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::nodes::NODES;
use super::raw::{name, text};
use super::{ClusterBase, FactError, Input, Level, Provider};
use crate::reads::{Read, ReadOn};
use crate::version::Version;

/// The API server's version (`GET /version`, through the platform proxy for workload clusters).
pub const SERVER_VERSION: Read = Read {
    id: "version",
    group: "",
    versions: &[],
    kind: "Info",
    plural: "",
    namespace: None,
    label_selector: None,
    path: Some("/version"),
    text: false,
    on: ReadOn::EveryCluster,
    custom: false,
    short_name: None,
    purpose: "the Kubernetes version the API server runs (gitVersion)",
};

/// The Kubernetes version of one cluster (`cluster.kubernetes`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KubernetesFacts {
    /// The version the cluster runs, e.g. `v1.30.4`: the lowest of its API server's version and
    /// its nodes' kubelet versions (a cluster is as old as its oldest part); the platform's
    /// record only when neither was read. Null when no source tells.
    pub version: Option<String>,
    /// Where `version` comes from: `api_server`, `kubelet` or `platform_record`.
    pub source: Option<String>,
    /// `gitVersion` of the cluster's `/version`; null when it was not read or not served.
    pub api_server: Option<String>,
    /// Each kubelet version the nodes report, lowest first (one that is not a version first of
    /// all), with how many nodes run it; empty when the nodes were not read.
    pub kubelets: Vec<KubeletVersion>,
    /// The version the platform records for the cluster (`status.version` of its tkestack
    /// Cluster).
    pub recorded: Option<String>,
    /// When the sources do not agree on major.minor, what each says; null when they agree.
    pub disagreement: Option<String>,
}

/// One kubelet version and the nodes that run it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KubeletVersion {
    /// Kubelet version, e.g. `v1.30.4`.
    pub version: String,
    /// How many nodes run it.
    pub nodes: usize,
    /// One of those nodes, to look at.
    pub example_node: String,
}

/// The `kubernetes` family.
pub struct Kubernetes;

impl Provider for Kubernetes {
    type Value = KubernetesFacts;
    const NAME: &'static str = "kubernetes";
    const LEVEL: Level = Level::Cluster;
    const READS: &'static [&'static Read] = &[&SERVER_VERSION, &NODES];

    fn derive(input: &Input<'_>, cluster: &ClusterBase) -> Result<KubernetesFacts, FactError> {
        let api_server = input
            .object(&cluster.name, &SERVER_VERSION)?
            .and_then(|info| info.get("gitVersion").and_then(Value::as_str))
            .map(str::to_string);
        let nodes = input.items_if_read(&cluster.name, &NODES)?.unwrap_or(&[]);
        Ok(KubernetesFacts::from_sources(
            api_server,
            kubelets(nodes),
            cluster.recorded_kubernetes_version.clone(),
        ))
    }
}

impl KubernetesFacts {
    /// Puts the sources together: the lowest live version, else the record.
    fn from_sources(
        api_server: Option<String>,
        kubelets: Vec<KubeletVersion>,
        recorded: Option<String>,
    ) -> KubernetesFacts {
        let lowest_kubelet = kubelets.first().map(|k| k.version.as_str());
        let candidates = api_server.as_deref().into_iter().chain(lowest_kubelet);
        // A version that does not parse is not assumed to be new: it is what the rules see,
        // so that they say it cannot be compared.
        let live = candidates
            .clone()
            .find(|v| Version::parse(v).is_err())
            .or_else(|| Version::lowest(candidates));
        let (version, source) = match live {
            Some(v) if Some(v) == api_server.as_deref() => (Some(v), Some("api_server")),
            Some(v) => (Some(v), Some("kubelet")),
            None => (
                recorded.as_deref(),
                recorded.as_ref().map(|_| "platform_record"),
            ),
        };
        let mut said: Vec<(String, &str)> = Vec::new();
        if let Some(v) = &api_server {
            said.push((format!("the API server runs {v}"), v));
        }
        if let Some(k) = kubelets.first() {
            let nodes = match k.nodes {
                1 => format!("node {}", k.example_node),
                n => format!("{n} nodes, e.g. {}", k.example_node),
            };
            said.push((
                format!("the lowest kubelet is {} on {nodes}", k.version),
                &k.version,
            ));
        }
        if let Some(v) = &recorded {
            said.push((format!("the platform records {v}"), v));
        }
        let minors: Vec<Option<String>> = said
            .iter()
            .map(|(_, v)| Version::parse(v).ok().map(|v| v.major_minor()))
            .collect();
        let disagreement = minors.windows(2).any(|w| w[0] != w[1]).then(|| {
            said.iter()
                .map(|(s, _)| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        });
        KubernetesFacts {
            version: version.map(str::to_string),
            source: source.map(str::to_string),
            api_server: api_server.clone(),
            kubelets,
            recorded,
            disagreement,
        }
    }
}

/// The kubelet versions of some Node objects, lowest first; nodes that report none left out.
fn kubelets(nodes: &[Value]) -> Vec<KubeletVersion> {
    let mut versions: Vec<KubeletVersion> = Vec::new();
    for node in nodes {
        let Some(version) = text(node, &["status", "nodeInfo", "kubeletVersion"]) else {
            continue;
        };
        match versions.iter_mut().find(|k| k.version == version) {
            Some(k) => k.nodes += 1,
            None => versions.push(KubeletVersion {
                version,
                nodes: 1,
                example_node: name(node).to_string(),
            }),
        }
    }
    versions.sort_by(
        |a, b| match (Version::parse(&a.version), Version::parse(&b.version)) {
            (Ok(x), Ok(y)) => x.compare(&y).then_with(|| a.version.cmp(&b.version)),
            // A version that does not parse sorts first: it cannot be shown to be new enough.
            (Ok(_), Err(_)) => std::cmp::Ordering::Greater,
            (Err(_), Ok(_)) => std::cmp::Ordering::Less,
            (Err(_), Err(_)) => a.version.cmp(&b.version),
        },
    );
    versions
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(name: &str, kubelet: &str) -> Value {
        json!({"metadata": {"name": name}, "status": {"nodeInfo": {"kubeletVersion": kubelet}}})
    }

    #[test]
    fn the_lowest_live_source_counts_and_the_record_is_a_fallback() {
        let some = |s: &str| Some(s.to_string());
        let nodes = [
            node("cp-1", "v1.31.2"),
            node("w-1", "v1.30.4"),
            node("w-2", "v1.30.4"),
        ];
        // (API server, nodes, record) → (version, source, disagreement)
        type Case<'a> = (
            Option<String>,
            &'a [Value],
            Option<String>,
            &'a str,
            &'a str,
            bool,
        );
        let cases: &[Case] = &[
            (
                some("v1.31.2"),
                &nodes,
                some("v1.31.2"),
                "v1.30.4",
                "kubelet",
                true,
            ),
            (
                some("v1.30.4"),
                &nodes[1..],
                some("v1.30.4"),
                "v1.30.4",
                "api_server",
                false,
            ),
            (
                None,
                &nodes[..1],
                some("v1.31.1"),
                "v1.31.2",
                "kubelet",
                false,
            ),
            (
                some("v1.32.1"),
                &[],
                some("v1.31.0"),
                "v1.32.1",
                "api_server",
                true,
            ),
            (
                None,
                &[],
                some("v1.31.0"),
                "v1.31.0",
                "platform_record",
                false,
            ),
            (
                some("v1.31.2"),
                &[node("x", "latest"), node("y", "v1.31.2")],
                None,
                "latest",
                "kubelet",
                true,
            ),
        ];
        for (api, nodes, recorded, version, source, disagree) in cases {
            let facts =
                KubernetesFacts::from_sources(api.clone(), kubelets(nodes), recorded.clone());
            assert_eq!(
                facts.version.as_deref(),
                Some(*version),
                "{api:?} {recorded:?}"
            );
            assert_eq!(
                facts.source.as_deref(),
                Some(*source),
                "{api:?} {recorded:?}"
            );
            assert_eq!(facts.disagreement.is_some(), *disagree, "{facts:?}");
        }
        let facts = KubernetesFacts::from_sources(some("v1.31.2"), kubelets(&nodes), None);
        assert_eq!(
            facts.disagreement.as_deref(),
            Some("the API server runs v1.31.2, the lowest kubelet is v1.30.4 on 2 nodes, e.g. w-1")
        );
        assert_eq!(facts.kubelets[0].nodes, 2);
        assert_eq!(facts.kubelets[1].version, "v1.31.2");
        let none = KubernetesFacts::from_sources(None, Vec::new(), None);
        assert_eq!((none.version, none.source), (None, None));
    }
}
