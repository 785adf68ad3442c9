//! Reading the test server's request log: requests per cluster and per status, and the request
//! list the checker is expected to make (used when the real one cannot be observed).

use std::collections::{BTreeMap, BTreeSet};

use checker_core::reads::{self, Read, ReadOn};
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

/// The requests the checker is expected to make when its own cannot be observed: on the global
/// cluster, for every read, a discovery request for a custom kind's group version and one list;
/// on every workload cluster one list per read made on every cluster. Lists ask for
/// [`SYNTHETIC_PAGE_SIZE`] objects, which is more than any read of a generated fleet returns.
pub fn synthetic(clusters: &[ClusterSummary]) -> Vec<ReplayRequest> {
    let json = Some("application/json".to_string());
    let mut list = Vec::new();
    for (position, cluster) in clusters.iter().enumerate() {
        for read in reads_on(position == 0) {
            if read.custom {
                list.push(ReplayRequest {
                    path_and_query: format!(
                        "/kubernetes/{}{}",
                        cluster.name,
                        group_version_path(read)
                    ),
                    accept: json.clone(),
                });
            }
            list.push(ReplayRequest {
                path_and_query: format!(
                    "{}?limit={SYNTHETIC_PAGE_SIZE}",
                    list_path(&cluster.name, read)
                ),
                accept: json.clone(),
            });
        }
    }
    list
}

/// The reads made on the global cluster (all) or on a workload cluster.
pub fn reads_on(global: bool) -> impl Iterator<Item = &'static Read> {
    reads::ALL
        .iter()
        .filter(move |read| global || read.on == ReadOn::EveryCluster)
}

/// `/api/<v>` or `/apis/<group>/<v>` for a read's preferred version.
fn group_version_path(read: &Read) -> String {
    let version = read.versions.first().copied().unwrap_or("v1");
    if read.group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{}/{version}", read.group)
    }
}

/// The list path of a read on a cluster, through the platform proxy:
/// `/kubernetes/<cluster>/apis/<group>/<version>[/namespaces/<ns>]/<plural>`.
pub fn list_path(cluster: &str, read: &Read) -> String {
    let namespace = read
        .namespace
        .map(|ns| format!("/namespaces/{ns}"))
        .unwrap_or_default();
    format!(
        "/kubernetes/{cluster}{}{namespace}/{}",
        group_version_path(read),
        read.plural
    )
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
                .count()
        };
        let everywhere = reads::ALL
            .iter()
            .filter(|r| r.on == ReadOn::EveryCluster)
            .count();
        assert_eq!(on("prod-001"), everywhere);
        assert!(on("global") > reads::ALL.len());
        assert!(list.iter().any(|r| r.path_and_query
            == "/kubernetes/prod-001/apis/apps/v1/namespaces/istio-system/deployments?limit=500"));
    }
}
