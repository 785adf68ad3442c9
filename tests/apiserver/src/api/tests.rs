//! Tests of the API answers: path parsing, content negotiation, lists (order, conversion,
//! selectors, pagination), gets and not-found `Status`es, metadata-only lists.

use super::*;
use crate::model::{custom_resource_definition, object};

fn resource<'a>(
    group: &'a str,
    plural: &'a str,
    namespace: Option<&'a str>,
    name: Option<&'a str>,
) -> Target<'a> {
    let version = if group.is_empty() { "v1" } else { "v1alpha1" };
    Target::Resource(ResourcePath {
        group,
        version,
        plural,
        namespace,
        name,
    })
}

#[test]
fn paths() {
    assert_eq!(Target::parse("/version"), Target::Version);
    assert_eq!(
        Target::parse("/apis/"),
        Target::DiscoveryRoot { apis: true }
    );
    assert_eq!(Target::parse("/api/v1"), Target::Discovery);
    assert_eq!(Target::parse("/apis/apps"), Target::Discovery);
    assert_eq!(
        Target::parse("/api/v1/nodes"),
        resource("", "nodes", None, None)
    );
    assert_eq!(
        Target::parse("/api/v1/namespaces/x"),
        resource("", "namespaces", None, Some("x"))
    );
    assert_eq!(
        Target::parse("/api/v1/namespaces/x/pods"),
        resource("", "pods", Some("x"), None)
    );
    assert_eq!(
        Target::parse("/apis/g.io/v1alpha1/namespaces/x/things/y"),
        resource("g.io", "things", Some("x"), Some("y"))
    );
    for unknown in [
        "/",
        "/healthz",
        "/api/v1/nodes/n1/status",
        "/api//v1",
        "/apis/g/v1/a/b/c/d/e",
    ] {
        assert_eq!(Target::parse(unknown), Target::Unknown, "{unknown}");
    }
}

#[test]
fn negotiation() {
    let kubectl_table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
    assert_eq!(negotiate(kubectl_table, true, true), Representation::Json);
    let aggregated = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
    assert_eq!(
        negotiate(aggregated, true, false),
        Representation::Aggregated(AggregatedVersion::V2)
    );
    assert_eq!(negotiate(aggregated, false, false), Representation::Json);
    let metadata = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
    assert_eq!(negotiate(metadata, false, true), Representation::Metadata);
    assert_eq!(negotiate("", true, true), Representation::Json);
    assert_eq!(
        negotiate("application/vnd.kubernetes.protobuf,*/*", true, true),
        Representation::Json
    );
}

fn served() -> ServedCluster {
    let mut cluster = Cluster::default();
    for name in ["n1", "n2", "n3"] {
        let mut node = object("v1", "Node", None, name);
        node["metadata"]["labels"] =
            json!({"role": if name == "n2" { "worker" } else { "master" }});
        cluster.add_object(node).unwrap();
    }
    cluster
        .add_object(custom_resource_definition(
            "example.io",
            "Widget",
            "widgets",
            &["v1", "v1beta1"],
            true,
        ))
        .unwrap();
    for (ns, name) in [("b", "w1"), ("a", "w2"), ("a", "w1")] {
        cluster
            .add_object(object("example.io/v1beta1", "Widget", Some(ns), name))
            .unwrap();
    }
    ServedCluster::new(cluster, "127.0.0.1:443")
}

fn get(served: &ServedCluster, path_and_query: &str) -> (u16, Value) {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let reply = served.serve(path, &Query::parse(query), "application/json", true);
    (reply.status, serde_json::from_slice(&reply.body).unwrap())
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let m = &o["metadata"];
            match m["namespace"].as_str() {
                Some(ns) => format!("{ns}/{}", m["name"].as_str().unwrap()),
                None => m["name"].as_str().unwrap().to_string(),
            }
        })
        .collect()
}

#[test]
fn lists_are_ordered_and_converted() {
    let s = served();
    let (code, list) = get(&s, "/apis/example.io/v1/widgets");
    assert_eq!(code, 200);
    assert_eq!(list["kind"], "WidgetList");
    assert_eq!(list["apiVersion"], "example.io/v1");
    assert_eq!(names(&list), ["a/w1", "a/w2", "b/w1"]);
    assert_eq!(list["items"][0]["apiVersion"], "example.io/v1");
    assert!(list["metadata"].get("continue").is_none());
    let (_, list) = get(&s, "/apis/example.io/v1/namespaces/a/widgets");
    assert_eq!(names(&list), ["a/w1", "a/w2"]);
    let (_, list) = get(
        &s,
        "/api/v1/nodes?labelSelector=role%3Dmaster&fieldSelector=metadata.name!%3Dn1",
    );
    assert_eq!(names(&list), ["n3"]);
    let (code, _) = get(&s, "/api/v1/nodes?labelSelector=role+in+master");
    assert_eq!(code, 400);
}

#[test]
fn pagination() {
    let s = served();
    let (_, page1) = get(&s, "/apis/example.io/v1/widgets?limit=2");
    assert_eq!(names(&page1), ["a/w1", "a/w2"]);
    assert_eq!(page1["metadata"]["remainingItemCount"], 1);
    let token = page1["metadata"]["continue"].as_str().unwrap();
    let (_, page2) = get(
        &s,
        &format!("/apis/example.io/v1/widgets?limit=2&continue={token}"),
    );
    assert_eq!(names(&page2), ["b/w1"]);
    assert!(page2["metadata"].get("continue").is_none());

    let (_, page) = get(&s, "/api/v1/nodes?limit=1&labelSelector=role%3Dmaster");
    let token = page["metadata"]["continue"].as_str().unwrap();
    let (_, page) = get(
        &s,
        &format!("/api/v1/nodes?limit=1&labelSelector=role%3Dmaster&continue={token}"),
    );
    assert_eq!(names(&page), ["n3"]);
    assert!(page["metadata"].get("continue").is_none());

    let (code, status) = get(&s, "/api/v1/nodes?limit=1&continue=bogus");
    assert_eq!((code, status["reason"].as_str()), (410, Some("Expired")));
}

#[test]
fn gets_and_not_found() {
    let s = served();
    let (code, node) = get(&s, "/api/v1/nodes/n2");
    assert_eq!((code, node["metadata"]["name"].as_str()), (200, Some("n2")));
    let (code, status) = get(&s, "/apis/example.io/v1beta1/namespaces/a/widgets/nope");
    assert_eq!(code, 404);
    assert_eq!(status["message"], "widgets.example.io \"nope\" not found");
    assert_eq!(
        status["details"],
        json!({"name": "nope", "group": "example.io", "kind": "widgets"})
    );
    let (_, status) = get(&s, "/api/v1/nodes/nope");
    assert_eq!(status["details"], json!({"name": "nope", "kind": "nodes"}));
    for path in [
        "/apis/example.io/v2/widgets",
        "/apis/nothere.io/v1/things",
        "/api/v1/namespaces/a/nodes",
        "/apis/example.io/v1/widgets/w1",
    ] {
        let (code, status) = get(&s, path);
        assert_eq!(code, 404, "{path}");
        assert_eq!(
            status["message"],
            "the server could not find the requested resource"
        );
        assert_eq!(status["details"], json!({}));
    }
}

#[test]
fn metadata_only_lists() {
    let s = served();
    let accept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
    let reply = s.serve("/api/v1/nodes", &Query::default(), accept, true);
    let list: Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(list["kind"], "PartialObjectMetadataList");
    assert_eq!(list["items"][0]["kind"], "PartialObjectMetadata");
    assert_eq!(list["items"][0]["metadata"]["labels"]["role"], "master");
}
