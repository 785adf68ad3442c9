//! A tiny fleet loads into the test API server and answers like a platform; the measuring
//! helper reports a child's exit code and peak RSS.

use std::process::Command;
use std::sync::Arc;

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
    let istio = get("/kubernetes/prod-001/apis/apps/v1/namespaces/istio-system/deployments");
    assert!(names(&istio).contains(&"istiod-1-22"));

    // The expected request list replays without an error status, and counts per cluster.
    server.clear_requests();
    let list: Arc<[_]> = requests::synthetic(&clusters).into();
    let outcome = runtime.block_on(replayer.replay(list.clone(), 4)).unwrap();
    assert_eq!(outcome.requests, list.len());
    assert_eq!(outcome.statuses.keys().collect::<Vec<_>>(), [&200]);
    let counts = RequestCounts::of(&server.requests(), &clusters);
    assert_eq!(counts.total, list.len());
    assert!(counts.workload_constant);
    assert_eq!(counts.outside_fleet, 0);
    assert!(
        counts
            .per_profile
            .iter()
            .any(|p| p.profile == Profile::Managed)
    );
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
