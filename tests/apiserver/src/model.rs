//! The in-memory platform: clusters, their objects, CRDs and version information.
//!
//! A [`Platform`] is built either from a fixture directory ([`Platform::load_dir`]) or
//! programmatically, then handed to [`crate::TestApiServer::start`], which serves it unchanged.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde_json::{Value, json};

use crate::resources::{self, CRD_GROUP, CRD_KIND, ResourceDef};

/// Why an object could not be added to a cluster.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidObject(pub String);

/// Objects of one kind, keyed by `(namespace, name)` (namespace empty for cluster-scoped objects),
/// in the order kube-apiserver lists them.
pub(crate) type ObjectMap = BTreeMap<(String, String), Value>;

/// A set of clusters reachable through the platform proxy (`/kubernetes/<cluster>/...`).
#[derive(Debug, Clone, Default)]
pub struct Platform {
    clusters: BTreeMap<String, Cluster>,
}

impl Platform {
    /// An empty platform.
    pub fn new() -> Self {
        Self::default()
    }

    /// The cluster with this name, created empty if it does not exist yet.
    pub fn cluster_mut(&mut self, name: &str) -> &mut Cluster {
        self.clusters.entry(name.to_string()).or_default()
    }

    /// The cluster with this name, if any.
    pub fn cluster(&self, name: &str) -> Option<&Cluster> {
        self.clusters.get(name)
    }

    /// Names of all clusters, sorted.
    pub fn cluster_names(&self) -> impl Iterator<Item = &str> {
        self.clusters.keys().map(String::as_str)
    }

    /// All clusters with their names, sorted by name.
    pub(crate) fn into_clusters(self) -> impl Iterator<Item = (String, Cluster)> {
        self.clusters.into_iter()
    }
}

/// One cluster: its objects (CustomResourceDefinitions included) and optional `/version` answer.
#[derive(Debug, Clone, Default)]
pub struct Cluster {
    /// Objects keyed by [`type_key`] of their group and kind.
    objects: BTreeMap<String, ObjectMap>,
    /// Resources defined by each CRD, keyed by CRD name.
    custom_resources: BTreeMap<String, Vec<ResourceDef>>,
    /// The `/version` answer, when recorded.
    version: Option<Value>,
    /// What each Service's backend answers, by (namespace, service), then path (`/check`).
    service_answers: BTreeMap<(String, String), BTreeMap<String, Bytes>>,
}

impl Cluster {
    /// Adds (or replaces) an object. It needs string `apiVersion`, `kind` and `metadata.name`;
    /// a `CustomResourceDefinition` also makes its kind served, so it must be well formed.
    /// Objects of a custom kind whose CRD is absent are kept but not served.
    pub fn add_object(&mut self, object: Value) -> Result<&mut Self, InvalidObject> {
        let text = |pointer: &str| {
            object
                .pointer(pointer)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .ok_or_else(|| {
                    let field = pointer.trim_start_matches('/').replace('/', ".");
                    InvalidObject(format!("object without {field}: {}", abbreviate(&object)))
                })
        };
        let api_version = text("/apiVersion")?;
        let kind = text("/kind")?;
        let name = text("/metadata/name")?;
        let namespace = text("/metadata/namespace").unwrap_or_default();
        let (group, _) = resources::split_api_version(&api_version);

        if group == CRD_GROUP && kind == CRD_KIND {
            let defs = resources::from_crd(&object).map_err(InvalidObject)?;
            self.custom_resources.insert(name.clone(), defs);
        }
        self.objects
            .entry(type_key(group, &kind))
            .or_default()
            .insert((namespace, name), object);
        Ok(self)
    }

    /// Adds every object of an iterator, stopping at the first invalid one.
    pub fn add_objects(
        &mut self,
        objects: impl IntoIterator<Item = Value>,
    ) -> Result<&mut Self, InvalidObject> {
        for object in objects {
            self.add_object(object)?;
        }
        Ok(self)
    }

    /// Sets the `/version` answer (a `version.Info` object with at least `gitVersion`).
    pub fn set_version(&mut self, info: Value) -> Result<&mut Self, InvalidObject> {
        if info.get("gitVersion").and_then(Value::as_str).is_none() {
            return Err(InvalidObject(
                "version information without gitVersion".to_string(),
            ));
        }
        self.version = Some(info);
        Ok(self)
    }

    /// Records what the backend of Service `namespace/service` answers to a GET of `path`
    /// (`/check`) through the API server's service proxy. The Service object itself must be
    /// added too, or the proxy answers 404 as kube-apiserver does.
    pub fn set_service_answer(
        &mut self,
        namespace: &str,
        service: &str,
        path: &str,
        body: impl Into<Bytes>,
    ) -> &mut Self {
        self.service_answers
            .entry((namespace.to_string(), service.to_string()))
            .or_default()
            .insert(path.to_string(), body.into());
        self
    }

    /// The recorded backend answers of a Service, by path; `None` when it has no backend.
    pub(crate) fn service_answers(
        &self,
        namespace: &str,
        service: &str,
    ) -> Option<&BTreeMap<String, Bytes>> {
        self.service_answers
            .get(&(namespace.to_string(), service.to_string()))
    }

    /// Number of objects held, CRDs included.
    pub fn object_count(&self) -> usize {
        self.objects.values().map(ObjectMap::len).sum()
    }

    /// Objects of one group and kind.
    pub(crate) fn objects_of(&self, group: &str, kind: &str) -> Option<&ObjectMap> {
        self.objects.get(&type_key(group, kind))
    }

    /// Whether one of the cluster's CustomResourceDefinitions serves `plural` in `group`.
    pub fn has_custom_resource(&self, group: &str, plural: &str) -> bool {
        self.custom_resources()
            .any(|r| r.group == group && r.plural == plural)
    }

    /// Resources defined by the cluster's CRDs.
    pub(crate) fn custom_resources(&self) -> impl Iterator<Item = &ResourceDef> {
        self.custom_resources.values().flatten()
    }

    /// The `/version` answer: the recorded one, else one built from the first node's kubelet
    /// version, else v1.30.0.
    pub(crate) fn version_info(&self) -> Value {
        if let Some(info) = &self.version {
            return info.clone();
        }
        let kubelet = self
            .objects_of("", "Node")
            .into_iter()
            .flat_map(|nodes| nodes.values())
            .find_map(|node| node.pointer("/status/nodeInfo/kubeletVersion")?.as_str());
        default_version_info(kubelet.unwrap_or("v1.30.0"))
    }

    /// The list `resourceVersion`: the largest numeric object resourceVersion (at least 1).
    pub(crate) fn resource_version(&self) -> u64 {
        self.objects
            .values()
            .flat_map(ObjectMap::values)
            .filter_map(|o| {
                o.pointer("/metadata/resourceVersion")?
                    .as_str()?
                    .parse::<u64>()
                    .ok()
            })
            .max()
            .unwrap_or(1)
            .max(1)
    }
}

/// Key of the objects of one group and kind (`Node`, `ModuleInfo.cluster.alauda.io`).
fn type_key(group: &str, kind: &str) -> String {
    if group.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}.{group}")
    }
}

/// A `version.Info` for a git version such as `v1.30.5` or `v1.28.2-alauda.1`.
fn default_version_info(git_version: &str) -> Value {
    let numbers: Vec<&str> = git_version.trim_start_matches('v').split('.').collect();
    let digits = |s: Option<&&str>| -> String {
        s.map(|s| s.chars().take_while(char::is_ascii_digit).collect())
            .unwrap_or_default()
    };
    json!({
        "major": digits(numbers.first()),
        "minor": digits(numbers.get(1)),
        "gitVersion": git_version,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2024-01-01T00:00:00Z",
        "goVersion": "go1.22.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

/// The start of an object's JSON text, for error messages.
fn abbreviate(object: &Value) -> String {
    let text = object.to_string();
    match text.char_indices().nth(80) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text,
    }
}

/// A minimal object: `apiVersion`, `kind` and `metadata` (`name`, optional `namespace`,
/// `resourceVersion` "1"). Add fields with `object["spec"] = ...`.
pub fn object(api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> Value {
    let mut metadata = json!({"name": name, "resourceVersion": "1"});
    if let Some(ns) = namespace {
        metadata["namespace"] = json!(ns);
    }
    json!({"apiVersion": api_version, "kind": kind, "metadata": metadata})
}

/// A minimal `apiextensions.k8s.io/v1` CustomResourceDefinition serving `kind` (plural
/// `plural`) in `group` at each of `versions` (the first is the storage version).
pub fn custom_resource_definition(
    group: &str,
    kind: &str,
    plural: &str,
    versions: &[&str],
    namespaced: bool,
) -> Value {
    let versions: Vec<Value> = versions
        .iter()
        .enumerate()
        .map(|(i, v)| {
            json!({
                "name": v,
                "served": true,
                "storage": i == 0,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
            })
        })
        .collect();
    let mut crd = object(
        "apiextensions.k8s.io/v1",
        CRD_KIND,
        None,
        &format!("{plural}.{group}"),
    );
    crd["spec"] = json!({
        "group": group,
        "names": {
            "kind": kind,
            "listKind": format!("{kind}List"),
            "plural": plural,
            "singular": kind.to_lowercase(),
        },
        "scope": if namespaced { "Namespaced" } else { "Cluster" },
        "versions": versions,
    });
    crd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_resources_are_known_by_group_and_plural() {
        let mut cluster = Cluster::default();
        assert!(!cluster.has_custom_resource("x.io", "things"));
        cluster
            .add_object(custom_resource_definition(
                "x.io",
                "Thing",
                "things",
                &["v1"],
                true,
            ))
            .unwrap();
        assert!(cluster.has_custom_resource("x.io", "things"));
        assert!(!cluster.has_custom_resource("y.io", "things"));
    }

    #[test]
    fn objects_are_keyed_and_replaced() {
        let mut platform = Platform::new();
        let cluster = platform.cluster_mut("global");
        cluster.add_object(object("v1", "Node", None, "b")).unwrap();
        cluster.add_object(object("v1", "Node", None, "a")).unwrap();
        cluster.add_object(object("v1", "Node", None, "a")).unwrap();
        let nodes = cluster.objects_of("", "Node").unwrap();
        let names: Vec<_> = nodes.keys().map(|(_, n)| n.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(cluster.object_count(), 2);
    }

    #[test]
    fn object_without_name_is_rejected() {
        let mut cluster = Cluster::default();
        let err = cluster
            .add_object(json!({"apiVersion": "v1", "kind": "Node", "metadata": {}}))
            .unwrap_err();
        assert!(err.0.starts_with("object without metadata.name"), "{err}");
    }

    #[test]
    fn crd_objects_define_custom_resources() {
        let mut cluster = Cluster::default();
        cluster
            .add_object(custom_resource_definition(
                "example.io",
                "Widget",
                "widgets",
                &["v1", "v1beta1"],
                true,
            ))
            .unwrap();
        let defs: Vec<_> = cluster.custom_resources().collect();
        assert_eq!(defs.len(), 2);
        assert!(defs[0].namespaced);
        assert_eq!(cluster.objects_of(CRD_GROUP, CRD_KIND).unwrap().len(), 1);
    }

    #[test]
    fn version_defaults_to_the_kubelet_version() {
        let mut cluster = Cluster::default();
        assert_eq!(cluster.version_info()["gitVersion"], "v1.30.0");
        let mut node = object("v1", "Node", None, "n1");
        node["status"] = json!({"nodeInfo": {"kubeletVersion": "v1.28.2-alauda.1"}});
        cluster.add_object(node).unwrap();
        let info = cluster.version_info();
        assert_eq!(
            (info["major"].as_str(), info["minor"].as_str()),
            (Some("1"), Some("28"))
        );
        assert_eq!(info["gitVersion"], "v1.28.2-alauda.1");
    }
}
