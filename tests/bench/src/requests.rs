//! Reading the test server's request log: requests per cluster and per status, and the request
//! list the checker is expected to make (used when the real one cannot be observed).

use std::collections::{BTreeMap, BTreeSet};

use checker_core::reads::{self, Place, Read};
use serde::Serialize;
use test_apiserver::RequestRecord;

use crate::fleet::{ClusterSummary, Profile};
use crate::replay::ReplayRequest;

/// The page size the synthetic list requests use (`limit=`), as the collector's default.
pub const SYNTHETIC_PAGE_SIZE: u32 = 500;

/// Requests of one run, counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestCounts {
    /// Every request received.
    pub total: usize,
    /// Requests with a method other than GET (a read-only client makes none).
    pub non_get: usize,
    /// Requests per HTTP status (0: never answered).
    pub by_status: BTreeMap<u16, usize>,
    /// Requests continuing a paginated list (a `continue` token): one per extra page.
    pub continued: usize,
    /// Requests to the global cluster.
    pub global: usize,
    /// Requests not addressed to a cluster of the fleet.
    pub outside_fleet: usize,
    /// Fewest requests to one workload cluster.
    pub workload_min: usize,
    /// Most requests to one workload cluster.
    pub workload_max: usize,
    /// Whether every workload cluster got the same number of requests, whatever its objects.
    pub workload_constant: bool,
    /// Requests per workload profile.
    pub per_profile: Vec<ProfileCounts>,
    /// The distinct request paths (without the cluster prefix and query) and how many times each
    /// was requested, for the record.
    pub paths: BTreeMap<String, usize>,
}

/// Requests to the workload clusters of one profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileCounts {
    /// The profile.
    pub profile: Profile,
    /// Its clusters.
    pub clusters: usize,
    /// Objects held by each of its clusters (the smallest count).
    pub objects_min: usize,
    /// Objects held by each of its clusters (the largest count).
    pub objects_max: usize,
    /// Fewest requests to one of its clusters.
    pub requests_min: usize,
    /// Most requests to one of its clusters.
    pub requests_max: usize,
}

impl RequestCounts {
    /// Counts the requests of a log against the clusters of a fleet (the global one first).
    pub fn of(records: &[RequestRecord], clusters: &[ClusterSummary]) -> RequestCounts {
        let mut per_cluster: BTreeMap<&str, usize> =
            clusters.iter().map(|c| (c.name.as_str(), 0)).collect();
        let mut by_status = BTreeMap::new();
        let mut paths = BTreeMap::new();
        let mut outside_fleet = 0;
        let mut non_get = 0;
        let mut continued = 0;
        for record in records {
            if record
                .query_param("continue")
                .is_some_and(|token| !token.is_empty())
            {
                continued += 1;
            }
            *by_status.entry(record.status).or_insert(0) += 1;
            *paths.entry(record.path.clone()).or_insert(0) += 1;
            if record.method != "GET" {
                non_get += 1;
            }
            match record
                .cluster
                .as_deref()
                .and_then(|c| per_cluster.get_mut(c))
            {
                Some(count) => *count += 1,
                None => outside_fleet += 1,
            }
        }
        let workloads: Vec<(&ClusterSummary, usize)> = clusters
            .iter()
            .filter(|c| c.profile != Profile::Global)
            .map(|c| (c, per_cluster.get(c.name.as_str()).copied().unwrap_or(0)))
            .collect();
        let per_profile = Profile::WORKLOAD
            .iter()
            .filter_map(|&profile| {
                let of: Vec<_> = workloads
                    .iter()
                    .filter(|(c, _)| c.profile == profile)
                    .collect();
                Some(ProfileCounts {
                    profile,
                    clusters: of.len(),
                    objects_min: of.iter().map(|(c, _)| c.objects).min()?,
                    objects_max: of.iter().map(|(c, _)| c.objects).max()?,
                    requests_min: of.iter().map(|(_, n)| *n).min()?,
                    requests_max: of.iter().map(|(_, n)| *n).max()?,
                })
            })
            .collect();
        let distinct: BTreeSet<usize> = workloads.iter().map(|(_, n)| *n).collect();
        RequestCounts {
            total: records.len(),
            non_get,
            by_status,
            continued,
            global: clusters
                .first()
                .and_then(|g| per_cluster.get(g.name.as_str()))
                .copied()
                .unwrap_or(0),
            outside_fleet,
            workload_min: distinct.first().copied().unwrap_or(0),
            workload_max: distinct.last().copied().unwrap_or(0),
            workload_constant: distinct.len() <= 1,
            per_profile,
            paths,
        }
    }
}

/// The requests the checker is expected to make when its own cannot be observed, as the
/// collector makes them: on the global cluster every read, on a workload cluster the reads made
/// on every cluster. When some of a cluster's reads are of custom kinds, `/apis` first. A
/// non-resource read (`/version`) is one GET of its path. A list asks for its first page of
/// [`SYNTHETIC_PAGE_SIZE`] objects, with the read's label selector; the checker then follows
/// continue tokens, which a request list made in advance cannot know, so a read of more objects
/// than a page is one request here and `ceil(objects / page)` in a check. A custom kind whose
/// group the cluster does not serve costs no request (`/apis` says it is absent); one whose
/// group is served but not the kind is listed, answered 404, then looked up in discovery: each
/// of the read's group versions, then the group.
pub fn synthetic(clusters: &[ClusterSummary]) -> Vec<ReplayRequest> {
    let json = Some("application/json".to_string());
    let mut list = Vec::new();
    for (position, cluster) in clusters.iter().enumerate() {
        let mut get = |path: String| {
            list.push(ReplayRequest {
                path_and_query: format!("/kubernetes/{}{path}", cluster.name),
                accept: json.clone(),
            });
        };
        let global = position == 0;
        if reads_on(global).any(|read| read.custom) {
            get("/apis".to_string());
        }
        for read in reads_on(global) {
            let unserved = read.custom && cluster.unserved_reads.iter().any(|id| id == read.id);
            let group_served = cluster.custom_groups.iter().any(|g| g == read.group);
            if unserved && !group_served {
                continue;
            }
            get(request_path(read, Some(SYNTHETIC_PAGE_SIZE)));
            if unserved {
                for version in read.versions {
                    get(group_version_path(read, version));
                }
                get(format!("/apis/{}", read.group));
            }
        }
    }
    list
}

/// The reads made on the global cluster (all) or on a workload cluster.
pub fn reads_on(global: bool) -> impl Iterator<Item = &'static Read> {
    reads::ALL.iter().filter(move |read| {
        read.made_on(if global {
            Place::Global
        } else {
            Place::Workload
        })
    })
}

/// `/api/<v>` or `/apis/<group>/<v>`.
fn group_version_path(read: &Read, version: &str) -> String {
    if read.group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{}/{version}", read.group)
    }
}

/// What a read asks a cluster for, under the cluster's API root (`/kubernetes/<cluster>` through
/// the platform proxy) and without a query: a non-resource read's path (`/version`), else the
/// list path at the read's preferred version,
/// `/apis/<group>/<version>[/namespaces/<ns>]/<plural>`.
pub fn read_path(read: &Read) -> String {
    if let Some(path) = read.path {
        return path.to_string();
    }
    let version = read.versions.first().copied().unwrap_or("v1");
    let namespace = read
        .namespace
        .map(|ns| format!("/namespaces/{ns}"))
        .unwrap_or_default();
    format!(
        "{}{namespace}/{}",
        group_version_path(read, version),
        read.plural
    )
}

/// [`read_path`] with the query the collector sends for a list: `limit` (when paginated) and
/// the read's `labelSelector`, percent-encoded as the collector encodes it. A non-resource read
/// has no query.
pub fn request_path(read: &Read, limit: Option<u32>) -> String {
    let path = read_path(read);
    if read.path.is_some() {
        return path;
    }
    let mut query = Vec::new();
    if let Some(limit) = limit {
        query.push(format!("limit={limit}"));
    }
    if let Some(selector) = read.label_selector {
        query.push(format!("labelSelector={}", percent_encode(selector)));
    }
    if query.is_empty() {
        path
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// A query value with everything but the RFC 3986 unreserved characters percent-encoded (as
/// the collector sends it: `app=istiod` is `app%3Distiod`).
fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The list pages a read of `objects` objects takes with pages of `page_size` (at least one).
pub fn pages(objects: usize, page_size: u32) -> usize {
    objects.div_ceil(page_size.max(1) as usize).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(name: &str, profile: Profile, objects: usize) -> ClusterSummary {
        ClusterSummary {
            name: name.to_string(),
            profile,
            kubernetes_version: "v1.30.2".to_string(),
            nodes: 1,
            objects,
            unserved_reads: if profile == Profile::Global {
                vec!["capi-clusters".to_string()]
            } else {
                Vec::new()
            },
            custom_groups: vec!["platform.tkestack.io".to_string()],
        }
    }

    fn record(cluster: Option<&str>, path: &str, status: u16) -> RequestRecord {
        RequestRecord {
            method: "GET".to_string(),
            cluster: cluster.map(str::to_string),
            path: path.to_string(),
            query: String::new(),
            accept: None,
            status,
        }
    }

    #[test]
    fn counts_per_cluster_and_profile() {
        let clusters = [
            summary("global", Profile::Global, 10),
            summary("prod-001", Profile::Mesh, 7),
            summary("dev-002", Profile::Plain, 3),
            summary("prod-003", Profile::Mesh, 9),
        ];
        let records = [
            record(Some("global"), "/apis", 200),
            record(Some("global"), "/api", 200),
            record(Some("prod-001"), "/api", 200),
            record(Some("dev-002"), "/api", 403),
            record(Some("prod-003"), "/api", 200),
            record(Some("prod-003"), "/apis", 200),
            record(None, "/version", 404),
        ];
        let counts = RequestCounts::of(&records, &clusters);
        assert_eq!(counts.total, 7);
        assert_eq!(counts.global, 2);
        assert_eq!(counts.outside_fleet, 1);
        assert_eq!(counts.continued, 0);
        assert_eq!((counts.workload_min, counts.workload_max), (1, 2));
        assert!(!counts.workload_constant);
        assert_eq!(counts.by_status[&403], 1);
        assert_eq!(counts.paths["/api"], 4);
        assert_eq!(
            counts.per_profile[0],
            ProfileCounts {
                profile: Profile::Mesh,
                clusters: 2,
                objects_min: 7,
                objects_max: 9,
                requests_min: 1,
                requests_max: 2,
            }
        );
        assert_eq!(counts.per_profile.len(), 2);
    }

    #[test]
    fn synthetic_list_reads_global_kinds_only_on_global() {
        let clusters = [
            summary("global", Profile::Global, 10),
            summary("prod-001", Profile::Mesh, 7),
        ];
        let list = synthetic(&clusters);
        let on = |cluster: &str| {
            list.iter()
                .filter(|r| {
                    r.path_and_query
                        .starts_with(&format!("/kubernetes/{cluster}/"))
                })
                .map(|r| r.path_and_query.as_str())
                .collect::<Vec<_>>()
        };
        let everywhere = reads::ALL
            .iter()
            .filter(|r| r.made_on(Place::Workload))
            .count();
        let discovery = |global: bool| usize::from(reads_on(global).any(|r| r.custom));
        assert_eq!(on("prod-001").len(), everywhere + discovery(false));
        // One request per read, but none for the Cluster API list: its group is not served.
        assert_eq!(
            on("global").len(),
            reads_on(true).count() - 1 + discovery(true)
        );
        assert!(on("global").contains(&"/kubernetes/global/apis"));
        assert!(!on("global").iter().any(|p| p.contains("cluster.x-k8s.io")));
        // Served group, unserved kind: listed, 404, then discovery.
        let mut served_group = clusters.clone();
        served_group[0]
            .custom_groups
            .push("cluster.x-k8s.io".to_string());
        let list = synthetic(&served_group);
        let capi = reads::by_id("capi-clusters").unwrap();
        assert_eq!(
            list.iter()
                .filter(|r| r.path_and_query.contains("cluster.x-k8s.io"))
                .count(),
            1 + capi.versions.len() + 1
        );
        let workload = on("prod-001");
        assert!(workload.contains(
            &"/kubernetes/prod-001/apis/apps/v1/deployments?limit=500&labelSelector=app%3Distiod"
        ));
        assert!(workload.contains(&"/kubernetes/prod-001/version"));
        assert!(workload.contains(&"/kubernetes/prod-001/api/v1/nodes?limit=500"));
        assert!(list.iter().any(|r| r.path_and_query
            == "/kubernetes/global/apis/cluster.x-k8s.io/v1beta1/namespaces/cpaas-system/clusters?limit=500"));
    }

    #[test]
    fn paths_of_every_kind_of_read() {
        let version = reads::by_id("version").unwrap();
        assert_eq!(read_path(version), "/version");
        assert_eq!(request_path(version, Some(500)), "/version");
        let istio = &reads::ISTIO_DEPLOYMENTS;
        assert_eq!(read_path(istio), "/apis/apps/v1/deployments");
        assert_eq!(
            request_path(istio, None),
            "/apis/apps/v1/deployments?labelSelector=app%3Distiod"
        );
        let nodes = reads::by_id("nodes").unwrap();
        assert_eq!(request_path(nodes, None), "/api/v1/nodes");
        assert_eq!(percent_encode("a=b,c!=d e"), "a%3Db%2Cc%21%3Dd%20e");
        assert_eq!((pages(0, 500), pages(500, 500), pages(501, 500)), (1, 1, 2));
        assert_eq!(pages(5000, 500), 10);
    }
}
