//! API discovery documents, built once per cluster: the plain ones (`/api`, `/api/v1`, `/apis`,
//! `/apis/<group>`, `/apis/<group>/<version>`) and the aggregated ones (`apidiscovery.k8s.io`
//! v2 and v2beta1 `APIGroupDiscoveryList` at `/api` and `/apis`).

use std::collections::HashMap;

use bytes::Bytes;
use serde_json::{Value, json};

use crate::resources::{ResourceDef, VERBS, compare_versions};

/// Which aggregated discovery version a client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum AggregatedVersion {
    V2,
    V2Beta1,
}

impl AggregatedVersion {
    fn name(self) -> &'static str {
        match self {
            AggregatedVersion::V2 => "v2",
            AggregatedVersion::V2Beta1 => "v2beta1",
        }
    }

    /// The `Content-Type` of the answer, which client-go checks.
    pub fn content_type(self) -> &'static str {
        match self {
            AggregatedVersion::V2 => {
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
            }
            AggregatedVersion::V2Beta1 => {
                "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
            }
        }
    }
}

/// The discovery documents of one cluster, serialised.
#[derive(Debug, Default)]
pub(crate) struct Discovery {
    plain: HashMap<String, Bytes>,
    aggregated: HashMap<(bool, AggregatedVersion), Bytes>,
}

/// One API group and its versions, most preferred first; the core group has an empty name.
struct Group<'a> {
    name: &'a str,
    versions: Vec<(&'a str, Vec<&'a ResourceDef>)>,
}

impl Discovery {
    /// Builds the documents for `resources` (in discovery order; group order is first
    /// appearance). `server_address` goes into `/api`'s `serverAddressByClientCIDRs`.
    pub fn build(resources: &[ResourceDef], server_address: &str) -> Discovery {
        let groups = group(resources);
        let mut discovery = Discovery::default();
        let mut api_groups = Vec::new();
        let mut aggregated_groups = Vec::new();

        for group in &groups {
            for (version, defs) in &group.versions {
                let group_version = crate::resources::group_version(group.name, version);
                let path = if group.name.is_empty() {
                    format!("/api/{version}")
                } else {
                    format!("/apis/{group_version}")
                };
                discovery.insert(path, &resource_list(&group_version, defs));
            }
            if group.name.is_empty() {
                let versions: Vec<&str> = group.versions.iter().map(|(v, _)| *v).collect();
                let api_versions = json!({
                    "kind": "APIVersions",
                    "versions": versions,
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
                });
                discovery.insert("/api".to_string(), &api_versions);
                discovery.insert_aggregated(false, vec![aggregated_group(group)]);
            } else {
                let api_group = api_group(group);
                let mut document = api_group.clone();
                document["kind"] = json!("APIGroup");
                document["apiVersion"] = json!("v1");
                discovery.insert(format!("/apis/{}", group.name), &document);
                api_groups.push(api_group);
                aggregated_groups.push(aggregated_group(group));
            }
        }
        let group_list = json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": api_groups});
        discovery.insert("/apis".to_string(), &group_list);
        discovery.insert_aggregated(true, aggregated_groups);
        discovery
    }

    /// The plain document at an API path (`/api`, `/apis/apps/v1`, ...).
    pub fn plain(&self, path: &str) -> Option<&Bytes> {
        self.plain.get(path)
    }

    /// The aggregated document for `/apis` (`apis == true`) or `/api`.
    pub fn aggregated(&self, apis: bool, version: AggregatedVersion) -> &Bytes {
        &self.aggregated[&(apis, version)]
    }

    fn insert(&mut self, path: String, document: &Value) {
        self.plain.insert(path, document.to_string().into());
    }

    fn insert_aggregated(&mut self, apis: bool, items: Vec<Value>) {
        for version in [AggregatedVersion::V2, AggregatedVersion::V2Beta1] {
            let document = json!({
                "kind": "APIGroupDiscoveryList",
                "apiVersion": format!("apidiscovery.k8s.io/{}", version.name()),
                "metadata": {},
                "items": items,
            });
            self.aggregated
                .insert((apis, version), document.to_string().into());
        }
    }
}

/// Groups resources by group and version; the core group always comes first.
fn group(resources: &[ResourceDef]) -> Vec<Group<'_>> {
    let mut groups: Vec<Group> = vec![Group {
        name: "",
        versions: Vec::new(),
    }];
    for def in resources {
        let index = match groups.iter().position(|g| g.name == def.group) {
            Some(i) => i,
            None => {
                groups.push(Group {
                    name: &def.group,
                    versions: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let versions = &mut groups[index].versions;
        match versions.iter_mut().find(|(v, _)| *v == def.version) {
            Some((_, defs)) => defs.push(def),
            None => versions.push((&def.version, vec![def])),
        }
    }
    for group in &mut groups {
        group
            .versions
            .sort_by(|(a, _), (b, _)| compare_versions(a, b));
    }
    groups
}

/// An `APIResourceList` for one group version.
fn resource_list(group_version: &str, defs: &[&ResourceDef]) -> Value {
    let resources: Vec<Value> = defs
        .iter()
        .map(|def| {
            let mut resource = json!({
                "name": def.plural,
                "singularName": def.singular,
                "namespaced": def.namespaced,
                "kind": def.kind,
                "verbs": VERBS,
            });
            add_names(&mut resource, def);
            resource
        })
        .collect();
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources})
}

/// An `APIGroup` without `kind`/`apiVersion` (as listed in `APIGroupList`).
fn api_group(group: &Group) -> Value {
    let versions: Vec<Value> = group
        .versions
        .iter()
        .map(|(v, _)| json!({"groupVersion": format!("{}/{v}", group.name), "version": v}))
        .collect();
    json!({"name": group.name, "versions": versions, "preferredVersion": versions[0]})
}

/// An `APIGroupDiscovery` for the aggregated documents.
fn aggregated_group(group: &Group) -> Value {
    let versions: Vec<Value> = group
        .versions
        .iter()
        .map(|(version, defs)| {
            let resources: Vec<Value> = defs
                .iter()
                .map(|def| {
                    let mut resource = json!({
                        "resource": def.plural,
                        "responseKind": {"group": def.group, "version": def.version, "kind": def.kind},
                        "scope": if def.namespaced { "Namespaced" } else { "Cluster" },
                        "singularResource": def.singular,
                        "verbs": VERBS,
                    });
                    add_names(&mut resource, def);
                    resource
                })
                .collect();
            json!({"version": version, "resources": resources, "freshness": "Current"})
        })
        .collect();
    let metadata = if group.name.is_empty() {
        json!({})
    } else {
        json!({"name": group.name})
    };
    json!({"metadata": metadata, "versions": versions})
}

/// Adds `shortNames` and `categories` when not empty, as kube-apiserver does.
fn add_names(resource: &mut Value, def: &ResourceDef) {
    if !def.short_names.is_empty() {
        resource["shortNames"] = json!(def.short_names);
    }
    if !def.categories.is_empty() {
        resource["categories"] = json!(def.categories);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::builtins;

    fn doc(bytes: &Bytes) -> Value {
        serde_json::from_slice(bytes).unwrap()
    }

    #[test]
    fn groups_and_preferred_versions() {
        let mut defs = builtins();
        for (version, plural) in [
            ("v1alpha1", "moduleinfoes"),
            ("v1alpha1", "clustermodules"),
            ("v1alpha2", "clustermodules"),
        ] {
            defs.push(ResourceDef {
                group: "cluster.alauda.io".into(),
                version: version.into(),
                kind: "X".into(),
                plural: plural.into(),
                singular: "x".into(),
                namespaced: false,
                short_names: vec![],
                categories: vec![],
            });
        }
        let d = Discovery::build(&defs, "127.0.0.1:1");
        let group = doc(d.plain("/apis/cluster.alauda.io").unwrap());
        assert_eq!(group["preferredVersion"]["version"], "v1alpha2");
        assert_eq!(
            group["versions"][1]["groupVersion"],
            "cluster.alauda.io/v1alpha1"
        );
        let list = doc(d.plain("/apis/cluster.alauda.io/v1alpha1").unwrap());
        assert_eq!(list["resources"].as_array().unwrap().len(), 2);
        let core = doc(d.plain("/api/v1").unwrap());
        assert_eq!(core["resources"][1]["name"], "nodes");
        assert_eq!(core["resources"][1]["shortNames"][0], "no");
        let apis = doc(d.aggregated(true, AggregatedVersion::V2));
        let names: Vec<_> = apis["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["metadata"]["name"].clone())
            .collect();
        assert!(names.contains(&json!("apps")));
        assert_eq!(names.last().unwrap(), "cluster.alauda.io");
        let api = doc(d.aggregated(false, AggregatedVersion::V2Beta1));
        assert_eq!(api["apiVersion"], "apidiscovery.k8s.io/v2beta1");
        assert_eq!(
            api["items"][0]["versions"][0]["resources"][0]["scope"],
            "Cluster"
        );
    }
}
