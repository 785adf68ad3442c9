//! A tiny fleet loads into the test API server and answers every read of the catalogue like a
//! platform, and its dump directory loads as a snapshot; the measuring helper reports a child's
//! exit code and peak RSS.

use std::process::Command;
use std::sync::Arc;

use checker_core::snapshot::ReadOutcome;
use fleet_bench::measure::{ChildStats, HELPER_FLAG};
use fleet_bench::replay::Replayer;
use fleet_bench::requests::{self, RequestCounts};
use fleet_bench::{Fleet, FleetSpec, Profile};
use serde_json::Value;
use test_apiserver::{DEFAULT_TOKEN, ServerOptions, TestApiServer};

fn names(list: &Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["metadata"]["name"].as_str())
        .collect()
}

#[test]
fn tiny_fleet_is_served() {
    let fleet = Fleet::generate(&FleetSpec::wide(3, 2)).unwrap();
    let clusters = fleet.clusters.clone();
    assert_eq!(clusters.len(), 4);
    let server = TestApiServer::start_blocking(fleet.platform, ServerOptions::default()).unwrap();
    let replayer = Replayer::new(server.addr(), server.ca_pem(), DEFAULT_TOKEN).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let get = |path: &str| {
        let (status, body) = runtime
            .block_on(replayer.get(path, Some("application/json")))
            .unwrap();
        assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
        serde_json::from_slice::<Value>(&body).unwrap()
    };

    let nodes = get("/kubernetes/dev-002/api/v1/nodes");
    assert_eq!(names(&nodes).len(), 2);
    assert_eq!(
        nodes["items"][0]["status"]["nodeInfo"]["kubeletVersion"],
        "v1.30.2"
    );
    assert_eq!(
        nodes["items"][0]["status"]["images"]
            .as_array()
            .unwrap()
            .len(),
        50
    );
    // Every cluster's /version is its Kubernetes version, the one its kubelets and its
    // tkestack Cluster say.
    for cluster in &clusters {
        let version = get(&format!("/kubernetes/{}/version", cluster.name));
        assert_eq!(version["gitVersion"], cluster.kubernetes_version.as_str());
        assert_eq!(version["minor"], "30");
    }
    let eks = get("/kubernetes/eks-003/version");
    assert_eq!(eks["gitVersion"], "v1.30.2-eks-1552ad0");
    let tke = get("/kubernetes/global/apis/platform.tkestack.io/v1/clusters");
    assert_eq!(
        names(&tke),
        ["dev-002", "eks-003", "global", "prod-001"],
        "one tkestack Cluster per cluster"
    );
    let modules = get("/kubernetes/global/apis/cluster.alauda.io/v1alpha1/moduleinfoes");
    let on_prod = modules["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["metadata"]["labels"]["cpaas.io/cluster-name"] == "prod-001")
        .count();
    assert_eq!(on_prod, 5);
    let base = get("/kubernetes/global/apis/product.alauda.io/v1alpha2/productbases/base");
    assert_eq!(base["status"]["version"], "v3.18.2");
    // The istiod read (every namespace, app=istiod) leaves out the gateway and the operator.
    let all = get("/kubernetes/prod-001/apis/apps/v1/deployments");
    assert_eq!(names(&all).len(), 3, "{:?}", names(&all));
    let istio_path = format!(
        "/kubernetes/prod-001{}",
        requests::request_path(&checker_core::reads::ISTIO_DEPLOYMENTS, None)
    );
    assert_eq!(names(&get(&istio_path)), ["istiod-1-22"]);
    // A 3.18 platform has no Cluster API: the list is answered 404, as is discovery. Every
    // kind a cluster does not serve is a custom one.
    assert!(
        clusters[0]
            .unserved_reads
            .iter()
            .any(|id| id == "capi-clusters")
    );
    let read = |id: &str| checker_core::reads::by_id(id).unwrap();
    for cluster in &clusters {
        assert!(cluster.unserved_reads.iter().all(|id| read(id).custom));
    }

    // The expected request list replays with 200s, and 404s only for the kinds a cluster does
    // not serve; it counts per cluster.
    server.clear_requests();
    let list: Arc<[_]> = requests::synthetic(&clusters).into();
    let outcome = runtime.block_on(replayer.replay(list.clone(), 4)).unwrap();
    assert_eq!(outcome.requests, list.len());
    let log = server.requests();
    for record in &log {
        let cluster = clusters
            .iter()
            .find(|c| Some(c.name.as_str()) == record.cluster.as_deref())
            .unwrap();
        // Kinds the cluster does not serve, and objects read by name that it does not have.
        let unserved = cluster.unserved_reads.iter().any(|id| {
            record
                .path
                .starts_with(&format!("/apis/{}", read(id).group))
        }) || checker_core::reads::ALL
            .iter()
            .any(|r| r.named_object().is_some() && r.path == Some(record.path.as_str()));
        assert!(
            record.status == 200 || (record.status == 404 && unserved),
            "{record:?}"
        );
    }
    let counts = RequestCounts::of(&log, &clusters);
    assert_eq!(counts.total, list.len());
    assert_eq!(counts.outside_fleet, 0);
    let fewest_served = clusters[1..]
        .iter()
        .map(|c| requests::reads_on(false).count() - c.unserved_reads.len())
        .min()
        .unwrap();
    assert!(counts.workload_min >= fewest_served, "a request per read");
    assert!(
        counts
            .per_profile
            .iter()
            .any(|p| p.profile == Profile::Managed)
    );

    // The dump directory loads as a snapshot: every read known, absent where not served.
    let dir = tempfile::tempdir().unwrap();
    let files = runtime
        .block_on(fleet_bench::dump::write(&replayer, &clusters, dir.path()))
        .unwrap();
    let unserved: usize = clusters.iter().map(|c| c.unserved_reads.len()).sum();
    assert_eq!(
        files,
        requests::reads_on(true).count() + 3 * requests::reads_on(false).count() - unserved
    );
    let snapshot = checker_core::dump::load_dir(dir.path()).unwrap();
    let by_name = |id: &str| {
        checker_core::reads::ALL
            .iter()
            .any(|r| r.id == id && r.named_object().is_some())
    };
    assert_eq!(snapshot.clusters.len(), clusters.len());
    for record in &snapshot.clusters {
        let summary = clusters.iter().find(|c| c.name == record.name).unwrap();
        for (id, outcome) in &record.reads {
            match outcome {
                ReadOutcome::Absent { .. } if summary.unserved_reads.contains(id) => {}
                // An object read by name that the fleet does not have (admin-acks before 4.4).
                ReadOutcome::Absent { .. } if by_name(id) => {}
                ReadOutcome::Ok { .. } if !summary.unserved_reads.contains(id) => {}
                other => panic!("{} {id}: {other:?}", record.name),
            }
        }
        let ReadOutcome::Ok { items } = &record.reads["version"] else {
            panic!("no version")
        };
        assert_eq!(items[0]["gitVersion"], summary.kubernetes_version.as_str());
        let ReadOutcome::Ok { items } = &record.reads["istio-deployments"] else {
            panic!("no istio")
        };
        let expected = usize::from(summary.profile == Profile::Mesh);
        assert_eq!(items.len(), expected, "{}", record.name);
    }
}

#[test]
fn helper_measures_a_child() {
    let dir = tempfile::tempdir().unwrap();
    let stats_file = dir.path().join("stats.json");
    let status = Command::new(env!("CARGO_BIN_EXE_fleet-bench"))
        .arg(HELPER_FLAG)
        .arg(&stats_file)
        .args(["sh", "-c", "exit 3"])
        .status()
        .unwrap();
    assert!(status.success());
    let stats: ChildStats = serde_json::from_slice(&std::fs::read(&stats_file).unwrap()).unwrap();
    assert_eq!(stats.exit_code, Some(3));
    assert!(stats.max_rss_kib > 0);
    assert!(stats.wall_secs > 0.0);
}
