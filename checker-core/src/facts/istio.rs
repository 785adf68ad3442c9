//! The Istio control plane of each cluster: the istiod Deployments, in whatever namespace they
//! run.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::raw::{container, label, name, text};
use super::{ClusterBase, FactError, Input, Level, Provider};
use crate::reads::{Read, ReadOn};
use crate::version::Version;

/// Deployments labelled `app=istiod` in every namespace: the istiod control-plane revisions,
/// wherever they were installed (`istio-system` by default).
pub const ISTIO_DEPLOYMENTS: Read = Read {
    id: "istio-deployments",
    group: "apps",
    versions: &["v1"],
    kind: "Deployment",
    plural: "deployments",
    namespace: None,
    label_selector: Some("app=istiod"),
    path: None,
    text: false,
    on: ReadOn::EveryCluster,
    custom: false,
    short_name: None,
    purpose: "Istio control-plane (istiod) revisions and versions, in every namespace",
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
    /// Namespace it runs in (`istio-system` by default).
    pub namespace: Option<String>,
    /// Istio version: the lowest that any of its signals tells (the `discovery` image tag, the
    /// `istio.io/rev` label, the Deployment name `istiod-1-22`, the version labels), so a
    /// Deployment renamed or relabelled after an upgrade is not taken for newer than it runs;
    /// `None` when none of them tells.
    pub version: Option<String>,
    /// Every signal that tells a version, as `signal=version` (`image=1.22.4`, `rev=1.22`).
    pub signals: Vec<String>,
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

/// Labels that carry an Istio version on istiod Deployments.
const VERSION_LABELS: &[&str] = &[
    "operator.istio.io/version",
    "app.kubernetes.io/version",
    "version",
];

fn istiod_revision(item: &Value) -> Option<IstiodRevision> {
    let deployment = name(item);
    // Dumps made with `-n istio-system` and no selector hold gateways too.
    if !deployment.starts_with("istiod") && label(item, "app").as_deref() != Some("istiod") {
        return None;
    }
    let image = container(item, "discovery")
        .and_then(|c| c.get("image").and_then(Value::as_str))
        .and_then(|image| image.rsplit_once(':').map(|(_, tag)| tag))
        .filter(|tag| !tag.contains('/'))
        .and_then(leading_version);
    // `istio.io/rev: 1-22` and `istiod-1-22` spell the version with dashes.
    let dashed = |rev: &str| leading_version(&rev.replace('-', "."));
    let mut signals: Vec<(String, String)> = Vec::new();
    signals.extend(image.map(|v| ("image".to_string(), v)));
    signals.extend(
        label(item, "istio.io/rev")
            .and_then(|r| dashed(&r))
            .map(|v| ("rev".to_string(), v)),
    );
    signals.extend(
        deployment
            .strip_prefix("istiod-")
            .and_then(dashed)
            .map(|v| ("name".to_string(), v)),
    );
    for key in VERSION_LABELS {
        if let Some(v) = label(item, key).and_then(|v| leading_version(&v)) {
            signals.push((format!("label {key}"), v));
        }
    }
    let version = Version::lowest(signals.iter().map(|(_, v)| v.as_str())).map(str::to_string);
    Some(IstiodRevision {
        deployment: deployment.to_string(),
        namespace: text(item, &["metadata", "namespace"]),
        version,
        signals: signals.iter().map(|(s, v)| format!("{s}={v}")).collect(),
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
    use serde_json::json;

    fn deployment(name: &str, image: &str, labels: Value) -> Value {
        json!({
            "metadata": {"name": name, "namespace": "mesh", "labels": labels},
            "spec": {"template": {"spec": {"containers": [{"name": "discovery", "image": image}]}}}
        })
    }

    #[test]
    fn istiod_version_is_the_lowest_signal() {
        let version = |d: &Value| istiod_revision(d).and_then(|r| r.version);
        let cases: &[(&str, &str, Value, Option<&str>)] = &[
            (
                "istiod-1-22",
                "reg:60080/asm/pilot:1.22.4",
                json!({}),
                Some("1.22.4"),
            ),
            (
                "istiod-1-20",
                "reg/asm/pilot:1.20.6-distroless",
                json!({}),
                Some("1.20.6"),
            ),
            (
                "istiod-1-18",
                "reg/asm/pilot@sha256",
                json!({"istio.io/rev": "1-18"}),
                Some("1.18"),
            ),
            ("istiod-1-19", "reg:5000/pilot", json!({}), Some("1.19")),
            ("istiod", "reg/pilot:latest", json!({}), None),
            // Renamed after an upgrade, still running the old image.
            (
                "istiod-1-22",
                "reg/pilot:1.20.6",
                json!({"istio.io/rev": "1-22"}),
                Some("1.20.6"),
            ),
            // The image is new but a version label says otherwise: the lowest counts.
            (
                "istiod",
                "reg/pilot:1.22.4",
                json!({"app": "istiod", "operator.istio.io/version": "1.18.7"}),
                Some("1.18.7"),
            ),
            // Found by its label, whatever the name.
            (
                "mesh-control",
                "reg/pilot:1.22.1",
                json!({"app": "istiod"}),
                Some("1.22.1"),
            ),
        ];
        for (name, image, labels, expected) in cases {
            assert_eq!(
                version(&deployment(name, image, labels.clone())).as_deref(),
                *expected,
                "{name} {image} {labels}"
            );
        }
        assert!(
            istiod_revision(&deployment("istio-ingressgateway", "x:1.22.0", json!({}))).is_none()
        );
        let revision = istiod_revision(&deployment(
            "istiod-1-22",
            "reg/pilot:1.20.6",
            json!({"istio.io/rev": "1-22"}),
        ))
        .unwrap();
        assert_eq!(revision.namespace.as_deref(), Some("mesh"));
        assert_eq!(revision.signals, ["image=1.20.6", "rev=1.22", "name=1.22"]);
    }
}
