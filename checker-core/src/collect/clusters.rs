//! Which clusters a collection reads: the global cluster's name and the workload clusters, from
//! its `clusters.platform.tkestack.io` list and the options; which names the proxy can take; and
//! the platform address (from ProductBase) for the message of a cluster without a route.

use std::collections::BTreeSet;

use serde_json::Value;

use super::CollectOptions;
use crate::reads;
use crate::snapshot::{ClusterRecord, ReadErrorKind, ReadOutcome};

/// The name of the global cluster: its `clusters.platform.tkestack.io` object labelled
/// `is-global: "true"`, else `hint` (the `/kubernetes/<name>` of its URL, or `global`).
pub(super) fn global_name(clusters: Option<&ReadOutcome>, hint: &str) -> String {
    let Some(ReadOutcome::Ok { items }) = clusters else {
        return hint.to_string();
    };
    items
        .iter()
        .find(|item| {
            item.pointer("/metadata/labels/is-global")
                .and_then(Value::as_str)
                == Some("true")
        })
        .map(item_name)
        .filter(|name| !name.is_empty())
        .unwrap_or(hint)
        .to_string()
}

/// The platform's clusters as one list: the tkestack Cluster list with the Cluster API Clusters
/// added, so that a cluster only Cluster API lists is read too; `None` when the tkestack list was
/// not asked for. A failed Cluster API read leaves the tkestack list, with a note saying so.
pub(super) fn inventory(
    tkestack: Option<&ReadOutcome>,
    capi: Option<&ReadOutcome>,
) -> (Option<ReadOutcome>, Vec<String>) {
    let mut notes = Vec::new();
    let merged = tkestack.map(|outcome| match (outcome, capi) {
        (ReadOutcome::Ok { items }, Some(ReadOutcome::Ok { items: more })) => ReadOutcome::Ok {
            items: items.iter().chain(more).cloned().collect(),
        },
        (ReadOutcome::Ok { .. }, Some(ReadOutcome::Error(error))) => {
            notes.push(format!(
                "the Cluster API cluster list (clusters.cluster.x-k8s.io in cpaas-system) could \
                 not be read ({error}): clusters only it lists were not read"
            ));
            outcome.clone()
        }
        _ => outcome.clone(),
    });
    (merged, notes)
}

/// The workload clusters of the platform's cluster list, when it could be read.
pub(super) fn listed_names(
    clusters: Option<&ReadOutcome>,
    global: &str,
) -> Option<BTreeSet<String>> {
    match clusters {
        Some(ReadOutcome::Ok { items }) => Some(
            items
                .iter()
                .map(item_name)
                .filter(|name| !name.is_empty() && *name != global)
                .map(str::to_string)
                .collect(),
        ),
        _ => None,
    }
}

/// The workload clusters to read, sorted, and remarks for the manifest.
pub(super) fn workload_names(
    clusters: Option<&ReadOutcome>,
    global: &str,
    options: &CollectOptions,
) -> (Vec<String>, Vec<String>) {
    let mut notes = Vec::new();
    let listed = listed_names(clusters, global);
    let names: BTreeSet<String> = match (listed, &options.clusters) {
        (Some(listed), None) => listed,
        // A cluster given its own context is read even when the list could not be.
        (None, None) => options
            .cluster_contexts
            .iter()
            .map(|(name, _)| name)
            .filter(|name| *name != global)
            .cloned()
            .collect(),
        (listed, Some(selected)) => {
            for name in selected {
                if name != global && listed.as_ref().is_some_and(|l| !l.contains(name)) {
                    notes.push(format!(
                        "cluster {name} (--clusters) is not among the clusters.platform.tkestack.io \
                         objects of the global cluster; it was read anyway"
                    ));
                }
            }
            selected.iter().filter(|n| *n != global).cloned().collect()
        }
    };
    match clusters {
        Some(ReadOutcome::Absent { .. }) => notes.push(
            "clusters.platform.tkestack.io is not installed on the selected cluster: is its \
             context the global cluster? No workload cluster was found"
                .to_string(),
        ),
        Some(ReadOutcome::Error(error)) => notes.push(format!(
            "the cluster list could not be read ({error}): only the clusters named by \
             --clusters and --cluster-context were read"
        )),
        _ => {}
    }
    (names.into_iter().collect(), notes)
}

/// Adds the platform's address, when the global cluster's ProductBase has it, to the message of
/// every workload read not collected for want of `--platform-url`.
pub(super) fn add_platform_address(global: &ClusterRecord, workloads: &mut [ClusterRecord]) {
    let Some(url) = platform_url_hint(global) else {
        return;
    };
    let address = format!(" (the platform's address is {url}, from ProductBase spec.platformURL)");
    for outcome in workloads.iter_mut().flat_map(|r| r.reads.values_mut()) {
        if let ReadOutcome::Error(error) = outcome
            && error.kind == ReadErrorKind::NotCollected
            && error.message.contains("--platform-url")
        {
            error.message.push_str(&address);
        }
    }
}

/// ProductBase `base`'s `spec.platformURL`, when the global cluster's read has it.
fn platform_url_hint(global: &ClusterRecord) -> Option<String> {
    let Some(ReadOutcome::Ok { items }) = global.reads.get(reads::PRODUCT_BASES.id) else {
        return None;
    };
    items
        .iter()
        .find(|item| item_name(item) == "base")
        .and_then(|item| item.pointer("/spec/platformURL"))
        .and_then(Value::as_str)
        .filter(|url| !url.is_empty())
        .map(str::to_string)
}

pub(super) fn item_name(item: &Value) -> &str {
    item.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Whether `name` can be a path segment of the proxy URL: a DNS subdomain, as cluster names
/// are.
pub(super) fn valid_cluster_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && !name.starts_with(['-', '.'])
        && !name.contains("..")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::ReadError;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn cluster(name: &str, global: bool) -> Value {
        let mut item = json!({"metadata": {"name": name}});
        if global {
            item["metadata"]["labels"] = json!({"is-global": "true"});
        }
        item
    }

    #[test]
    fn the_global_cluster_is_the_labelled_one() {
        let list = ReadOutcome::Ok {
            items: vec![cluster("prod-1", false), cluster("main", true)],
        };
        assert_eq!(global_name(Some(&list), "global"), "main");
        let unlabelled = ReadOutcome::Ok {
            items: vec![cluster("global", false)],
        };
        assert_eq!(global_name(Some(&unlabelled), "global"), "global");
        assert_eq!(global_name(None, "hub"), "hub");
    }

    #[test]
    fn workload_names_follow_the_list_and_the_selection() {
        let list = ReadOutcome::Ok {
            items: vec![
                cluster("global", true),
                cluster("b", false),
                cluster("a", false),
            ],
        };
        let mut options = CollectOptions::new(Vec::new());
        let (names, notes) = workload_names(Some(&list), "global", &options);
        assert_eq!(names, ["a", "b"]);
        assert!(notes.is_empty());

        options.clusters = Some(vec!["b".into(), "global".into(), "zz".into()]);
        let (names, notes) = workload_names(Some(&list), "global", &options);
        assert_eq!(names, ["b", "zz"]);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("zz"));

        let failed = ReadOutcome::Error(ReadError {
            kind: ReadErrorKind::Forbidden,
            http_status: Some(403),
            message: String::new(),
            missing_permission: None,
        });
        options.clusters = None;
        options.cluster_contexts = vec![("c".into(), "ctx-c".into())];
        let (names, notes) = workload_names(Some(&failed), "global", &options);
        assert_eq!(names, ["c"]);
        assert_eq!(notes.len(), 1);
    }

    #[test]
    fn without_the_list_the_selection_or_the_contexts_name_the_clusters() {
        let mut options = CollectOptions::new(Vec::new());
        options.cluster_contexts = vec![
            ("c".into(), "ctx-c".into()),
            ("global".into(), "ctx-g".into()),
            ("d".into(), "ctx-d".into()),
        ];
        let (names, notes) = workload_names(None, "global", &options);
        assert_eq!(names, ["c", "d"]);
        assert!(notes.is_empty(), "{notes:?}");

        // A selection names the clusters read; a context outside it adds none.
        options.clusters = Some(vec!["global".into(), "d".into(), "zz".into()]);
        let (names, notes) = workload_names(None, "global", &options);
        assert_eq!(names, ["d", "zz"]);
        assert!(notes.is_empty(), "{notes:?}");

        // With a list, a context outside it adds none either.
        let list = ReadOutcome::Ok {
            items: vec![cluster("global", true), cluster("a", false)],
        };
        options.clusters = None;
        let (names, _) = workload_names(Some(&list), "global", &options);
        assert_eq!(names, ["a"]);
    }

    #[test]
    fn the_platform_address_is_added_where_platform_url_is_wanted() {
        let not_collected = |message: &str| {
            ReadOutcome::Error(ReadError::new(
                ReadErrorKind::NotCollected,
                message.to_string(),
            ))
        };
        let no_route = "not read: give --platform-url URL";
        let bad_name = "`X` is not a valid cluster name";
        let workload = ClusterRecord {
            name: "prod-1".to_string(),
            reads: BTreeMap::from([
                ("a".to_string(), not_collected(no_route)),
                ("b".to_string(), not_collected(bad_name)),
            ]),
        };
        let mut global = ClusterRecord {
            name: "global".to_string(),
            reads: BTreeMap::new(),
        };
        let message = |records: &[ClusterRecord], id: &str| match &records[0].reads[id] {
            ReadOutcome::Error(error) => error.message.clone(),
            other => panic!("{other:?}"),
        };

        let mut workloads = vec![workload.clone()];
        add_platform_address(&global, &mut workloads);
        assert_eq!(workloads, [workload], "no ProductBase, no address");

        global.reads.insert(
            reads::PRODUCT_BASES.id.to_string(),
            ReadOutcome::Ok {
                items: vec![json!({
                    "metadata": {"name": "base"},
                    "spec": {"platformURL": "https://acp.example.com"},
                })],
            },
        );
        add_platform_address(&global, &mut workloads);
        assert_eq!(
            message(&workloads, "a"),
            "not read: give --platform-url URL (the platform's address is \
             https://acp.example.com, from ProductBase spec.platformURL)"
        );
        assert_eq!(message(&workloads, "b"), bad_name);
    }

    #[test]
    fn cluster_names_must_be_path_safe() {
        assert!(valid_cluster_name("prod-1"));
        assert!(valid_cluster_name("eks.example-1"));
        for bad in ["", "../x", "a/b", "A", "-x", "a..b", "a?b", "a b"] {
            assert!(!valid_cluster_name(bad), "{bad}");
        }
    }
}
