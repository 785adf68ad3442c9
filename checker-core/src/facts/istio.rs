//! The Istio control plane of each cluster: the istiod Deployments in `istio-system`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::raw::{container, label, name};
use super::{ClusterBase, FactError, Input, Level, Provider};
use crate::reads::{Read, ReadOn};

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

/// The Istio control plane of one cluster (`cluster.istio`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IstioFacts {
    /// One entry per istiod Deployment; empty when the service mesh is not installed.
    pub revisions: Vec<IstiodRevision>,
}

/// One istiod Deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IstiodRevision {
    /// Deployment name, e.g. `istiod-1-22`.
    pub deployment: String,
    /// Istio version from the `discovery` image tag, else from the `istio.io/rev` label or the
    /// Deployment name (`istiod-1-22` → `1.22`); `None` when none of them tells.
    pub version: Option<String>,
}

/// The `istio` family.
pub struct Istio;

impl Provider for Istio {
    type Value = IstioFacts;
    const NAME: &'static str = "istio";
    const LEVEL: Level = Level::Cluster;
    const READS: &'static [&'static Read] = &[&ISTIO_DEPLOYMENTS];

    fn derive(input: &Input<'_>, cluster: &ClusterBase) -> Result<IstioFacts, FactError> {
        Ok(IstioFacts {
            revisions: input
                .items(&cluster.name, &ISTIO_DEPLOYMENTS)?
                .iter()
                .filter_map(istiod_revision)
                .collect(),
        })
    }
}

fn istiod_revision(item: &Value) -> Option<IstiodRevision> {
    let deployment = name(item);
    if !deployment.starts_with("istiod") {
        return None;
    }
    let from_image = container(item, "discovery")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn istiod_version_from_image_label_or_name() {
        let deployment = |name: &str, image: &str, rev: Option<&str>| {
            serde_json::json!({
                "metadata": {"name": name, "labels": rev.map(|r| serde_json::json!({"istio.io/rev": r})).unwrap_or(serde_json::json!({}))},
                "spec": {"template": {"spec": {"containers": [{"name": "discovery", "image": image}]}}}
            })
        };
        let version = |d: &Value| istiod_revision(d).and_then(|r| r.version);
        let cases: &[(&str, &str, Option<&str>, Option<&str>)] = &[
            (
                "istiod-1-22",
                "reg:60080/asm/pilot:1.22.4",
                None,
                Some("1.22.4"),
            ),
            (
                "istiod-1-20",
                "reg/asm/pilot:1.20.6-distroless",
                None,
                Some("1.20.6"),
            ),
            (
                "istiod-1-18",
                "reg/asm/pilot@sha256",
                Some("1-18"),
                Some("1.18"),
            ),
            ("istiod-1-19", "reg:5000/pilot", None, Some("1.19")),
            ("istiod", "reg/pilot:latest", None, None),
        ];
        for (name, image, rev, expected) in cases {
            assert_eq!(
                version(&deployment(name, image, *rev)).as_deref(),
                *expected,
                "{name} {image}"
            );
        }
        assert!(istiod_revision(&deployment("istio-ingressgateway", "x:1.22.0", None)).is_none());
    }
}
