//! The resource types a cluster serves: a table of built-in kinds plus those defined by
//! CustomResourceDefinitions, and Kubernetes' ordering of API versions.

use std::cmp::Ordering;

use serde_json::Value;

/// Verbs advertised by discovery for every resource (as kube-apiserver does), even though this
/// server only answers reads.
pub(crate) const VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// One resource (plural name) served in one group version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ResourceDef {
    /// API group; empty for the core group.
    pub group: String,
    /// API version within the group.
    pub version: String,
    /// Kind of the objects.
    pub kind: String,
    /// Plural (URL) name.
    pub plural: String,
    /// Singular name.
    pub singular: String,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
    /// Short names (`no`, `minfo`).
    pub short_names: Vec<String>,
    /// Categories (`all`).
    pub categories: Vec<String>,
}

impl ResourceDef {
    /// `group/version`, or just `version` for the core group.
    pub fn group_version(&self) -> String {
        group_version(&self.group, &self.version)
    }

    /// The group-qualified resource name used in error messages (`moduleinfoes.cluster.alauda.io`).
    pub fn qualified_name(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}

/// `group/version`, or just `version` for the core group.
pub(crate) fn group_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// Splits an `apiVersion` into group and version (`v1` is the core group).
pub(crate) fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.split_once('/').unwrap_or(("", api_version))
}

/// Built-in kinds: group, version, kind, plural, namespaced, short names, categories.
type Builtin = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [&'static str],
    &'static [&'static str],
);

/// The built-in kinds served by every cluster, in discovery order.
const BUILTINS: &[Builtin] = &[
    ("", "v1", "Namespace", "namespaces", false, &["ns"], &[]),
    ("", "v1", "Node", "nodes", false, &["no"], &[]),
    ("", "v1", "Pod", "pods", true, &["po"], &["all"]),
    ("", "v1", "Service", "services", true, &["svc"], &["all"]),
    ("", "v1", "ConfigMap", "configmaps", true, &["cm"], &[]),
    ("", "v1", "Secret", "secrets", true, &[], &[]),
    (
        "",
        "v1",
        "ServiceAccount",
        "serviceaccounts",
        true,
        &["sa"],
        &[],
    ),
    ("", "v1", "Event", "events", true, &["ev"], &[]),
    ("", "v1", "Endpoints", "endpoints", true, &["ep"], &[]),
    (
        "",
        "v1",
        "PersistentVolume",
        "persistentvolumes",
        false,
        &["pv"],
        &[],
    ),
    (
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        true,
        &["pvc"],
        &[],
    ),
    (
        "apps",
        "v1",
        "Deployment",
        "deployments",
        true,
        &["deploy"],
        &["all"],
    ),
    (
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        true,
        &["sts"],
        &["all"],
    ),
    (
        "apps",
        "v1",
        "DaemonSet",
        "daemonsets",
        true,
        &["ds"],
        &["all"],
    ),
    (
        "apps",
        "v1",
        "ReplicaSet",
        "replicasets",
        true,
        &["rs"],
        &["all"],
    ),
    (
        "apps",
        "v1",
        "ControllerRevision",
        "controllerrevisions",
        true,
        &[],
        &[],
    ),
    ("batch", "v1", "Job", "jobs", true, &[], &["all"]),
    (
        "batch",
        "v1",
        "CronJob",
        "cronjobs",
        true,
        &["cj"],
        &["all"],
    ),
    (
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
        &["pdb"],
        &[],
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
        &[],
        &[],
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
        &[],
        &[],
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "Role",
        "roles",
        true,
        &[],
        &[],
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        true,
        &[],
        &[],
    ),
    (
        "storage.k8s.io",
        "v1",
        "StorageClass",
        "storageclasses",
        false,
        &["sc"],
        &[],
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        false,
        &[],
        &["api-extensions"],
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        false,
        &[],
        &["api-extensions"],
    ),
    (
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
        &["crd", "crds"],
        &["api-extensions"],
    ),
    (
        "coordination.k8s.io",
        "v1",
        "Lease",
        "leases",
        true,
        &[],
        &[],
    ),
];

/// The built-in resources, in discovery order.
pub(crate) fn builtins() -> Vec<ResourceDef> {
    BUILTINS
        .iter()
        .map(
            |&(group, version, kind, plural, namespaced, short_names, categories)| ResourceDef {
                group: group.to_string(),
                version: version.to_string(),
                kind: kind.to_string(),
                plural: plural.to_string(),
                singular: kind.to_lowercase(),
                namespaced,
                short_names: short_names.iter().map(|s| s.to_string()).collect(),
                categories: categories.iter().map(|s| s.to_string()).collect(),
            },
        )
        .collect()
}

/// The group and kind of CustomResourceDefinition objects.
pub(crate) const CRD_GROUP: &str = "apiextensions.k8s.io";
/// The kind of CustomResourceDefinition objects.
pub(crate) const CRD_KIND: &str = "CustomResourceDefinition";

/// The resources an `apiextensions.k8s.io/v1` CustomResourceDefinition serves: one per served
/// version.
pub(crate) fn from_crd(crd: &Value) -> Result<Vec<ResourceDef>, String> {
    let name = crd
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("?");
    let err = |what: &str| format!("CustomResourceDefinition {name:?}: {what}");
    let text = |pointer: &str| -> Result<String, String> {
        crd.pointer(pointer)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or_else(|| {
                err(&format!(
                    "missing {}",
                    pointer.trim_start_matches('/').replace('/', ".")
                ))
            })
    };
    let strings = |pointer: &str| -> Vec<String> {
        crd.pointer(pointer)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };

    let group = text("/spec/group")?;
    let kind = text("/spec/names/kind")?;
    let plural = text("/spec/names/plural")?;
    let singular = text("/spec/names/singular").unwrap_or_else(|_| kind.to_lowercase());
    let namespaced = match text("/spec/scope")?.as_str() {
        "Namespaced" => true,
        "Cluster" => false,
        other => {
            return Err(err(&format!(
                "spec.scope {other:?} is neither Namespaced nor Cluster"
            )));
        }
    };
    let versions = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .ok_or_else(|| err("missing spec.versions"))?;

    let mut defs = Vec::new();
    for version in versions {
        let version_name = version
            .get("name")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| err("a spec.versions entry has no name"))?;
        if version.get("served").and_then(Value::as_bool) == Some(false) {
            continue;
        }
        defs.push(ResourceDef {
            group: group.clone(),
            version: version_name.to_string(),
            kind: kind.clone(),
            plural: plural.clone(),
            singular: singular.clone(),
            namespaced,
            short_names: strings("/spec/names/shortNames"),
            categories: strings("/spec/names/categories"),
        });
    }
    Ok(defs)
}

/// Orders API versions the way Kubernetes prioritises them: GA before beta before alpha, higher
/// numbers first, then anything else alphabetically (`v2 < v1 < v1beta2 < v1alpha1 < foo`).
pub(crate) fn compare_versions(a: &str, b: &str) -> Ordering {
    match (parse_version(a), parse_version(b)) {
        (Some(pa), Some(pb)) => pb.cmp(&pa),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// `(stability, major, minor)` for a Kubernetes-style version, larger meaning more preferred.
fn parse_version(v: &str) -> Option<(u8, u64, u64)> {
    let rest = v.strip_prefix('v')?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let major: u64 = rest[..digits].parse().ok()?;
    let suffix = &rest[digits..];
    if suffix.is_empty() {
        return Some((3, major, 0));
    }
    let (stability, number) = if let Some(n) = suffix.strip_prefix("beta") {
        (2, n)
    } else if let Some(n) = suffix.strip_prefix("alpha") {
        (1, n)
    } else {
        return None;
    };
    Some((stability, major, number.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn versions_sort_by_kubernetes_priority() {
        let mut v = vec![
            "v1alpha1", "foo", "v1", "v1beta1", "v2", "v1beta2", "v10", "v2alpha3",
        ];
        v.sort_by(|a, b| compare_versions(a, b));
        assert_eq!(
            v,
            [
                "v10", "v2", "v1", "v1beta2", "v1beta1", "v2alpha3", "v1alpha1", "foo"
            ]
        );
    }

    #[test]
    fn crd_yields_one_resource_per_served_version() {
        let crd = json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "clustermodules.cluster.alauda.io"},
            "spec": {
                "group": "cluster.alauda.io",
                "scope": "Cluster",
                "names": {"kind": "ClusterModule", "plural": "clustermodules", "shortNames": ["clsm"]},
                "versions": [
                    {"name": "v1alpha1", "served": true, "storage": true},
                    {"name": "v1alpha2", "served": true},
                    {"name": "v1alpha0", "served": false},
                ]
            }
        });
        let defs = from_crd(&crd).unwrap();
        assert_eq!(defs.len(), 2);
        assert_eq!(defs[0].singular, "clustermodule");
        assert_eq!(defs[1].version, "v1alpha2");
        assert!(!defs[0].namespaced);
        assert_eq!(defs[0].short_names, ["clsm"]);
        assert_eq!(defs[0].qualified_name(), "clustermodules.cluster.alauda.io");
    }

    #[test]
    fn malformed_crd_is_an_error() {
        let crd = json!({"metadata": {"name": "x"}, "spec": {"group": "g", "names": {"kind": "X", "plural": "xs"}, "scope": "Cluster"}});
        assert_eq!(
            from_crd(&crd).unwrap_err(),
            "CustomResourceDefinition \"x\": missing spec.versions"
        );
    }
}
