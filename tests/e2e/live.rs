//! `check` and `collect` against a live platform: the test API server serving the fixtures over
//! HTTPS under `/kubernetes/<cluster>`, with faults injected where a scenario needs them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tempfile::TempDir;
use test_apiserver::{FaultAction, FaultRule, Platform, ServerOptions, TestApiServer};
use test_support::{GIB, MountGuard, mount_tmpfs};

use crate::common::{
    Run, acp, assert_statuses, copy_tree, fixture, repo, result_of, status_of, statuses,
};
use crate::snapshots::check_args;

/// The bearer token the server requires; no output may ever contain it.
const TOKEN: &str = "e2e-t0ken-5ecr3t-7f3c9a";

/// Host paths for the live runs, so that host checks are deterministic.
///
/// As root, tmpfs mounts of exact sizes: 200 GiB for MinIO, 300 GiB shared by the package and
/// the extraction directory, so every host check passes. Without the permission to mount, the
/// bundled pack without its host checks (`--rules`), and temporary directories.
struct Host {
    /// `--minio-path`, `--package`, `--extract-dir`.
    paths: Vec<String>,
    /// `--rules FILE` when the host checks are left out.
    rules: Vec<String>,
    /// Dropped (unmounted) before the directories they are mounted on.
    _mounts: Vec<MountGuard>,
    _dirs: Vec<TempDir>,
}

impl Host {
    fn new() -> Host {
        let minio = tempfile::tempdir().expect("tempdir");
        let package = tempfile::tempdir().expect("tempdir");
        let mounted = mount_tmpfs(minio.path(), 200 * GIB).and_then(|m| {
            let p = mount_tmpfs(package.path(), 300 * GIB)?;
            Ok(vec![m, p])
        });
        let (mounts, rules) = match mounted {
            Ok(mounts) => (mounts, None),
            Err(error) if error.kind() == std::io::ErrorKind::PermissionDenied => {
                eprintln!(
                    "NOTE: cannot mount a tmpfs ({error}): the live tests use the bundled pack \
                     without its host checks"
                );
                (Vec::new(), Some(pack_without_host_checks(package.path())))
            }
            Err(error) => panic!("cannot mount a tmpfs: {error}"),
        };
        let file = package.path().join("cpaas-4.1.0.tgz");
        std::fs::write(&file, b"package").expect("package file");
        let extract = package.path().join("upgrade");
        std::fs::create_dir_all(&extract).expect("extract dir");
        Host {
            paths: vec![
                "--minio-path".to_string(),
                text(minio.path()),
                "--package".to_string(),
                text(&file),
                "--extract-dir".to_string(),
                text(&extract),
            ],
            rules: rules
                .map(|r| vec!["--rules".to_string(), text(&r)])
                .unwrap_or_default(),
            _mounts: mounts,
            _dirs: vec![minio, package],
        }
    }
}

/// The bundled 4.1 pack without its host checks, written into `dir`.
fn pack_without_host_checks(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(repo().join("rules/packs/acp-4.1.yaml")).expect("pack");
    let library = checker_core::rules::library();
    let kept: Vec<&str> = text
        .lines()
        .filter(|line| {
            let id = line.trim().trim_start_matches("- ");
            library
                .rules
                .get(id)
                .is_none_or(|r| !r.spec.scope.is_host())
        })
        .collect();
    let file = dir.join("acp-4.1-no-host.yaml");
    std::fs::write(&file, kept.join("\n") + "\n").expect("pack file");
    file
}

fn text(path: &Path) -> String {
    path.to_str().expect("UTF-8 path").to_string()
}

/// A running platform and the files to reach it.
struct Live {
    server: TestApiServer,
    dir: TempDir,
    kubeconfig: PathBuf,
    host: Host,
}

impl Live {
    fn start(platform: Platform) -> Live {
        Live::with_options(platform, ServerOptions::default())
    }

    fn with_options(platform: Platform, options: ServerOptions) -> Live {
        let options = ServerOptions {
            token: Some(TOKEN.to_string()),
            ..options
        };
        let server = TestApiServer::start_blocking(platform, options).expect("start the server");
        let dir = tempfile::tempdir().expect("tempdir");
        let kubeconfig = dir.path().join("kubeconfig");
        let contexts = [
            ("global", "global"),
            ("prod-1-admin", "prod-1"),
            ("standby", "standby"),
        ];
        std::fs::write(&kubeconfig, server.kubeconfig(&contexts, TOKEN)).expect("kubeconfig");
        Live {
            server,
            dir,
            kubeconfig,
            host: Host::new(),
        }
    }

    /// `command --kubeconfig K --context global <host paths> [--rules R] extra...`.
    fn args(&self, command: &str, extra: &[&str]) -> Vec<String> {
        let mut args = vec![
            command.to_string(),
            "--kubeconfig".to_string(),
            text(&self.kubeconfig),
            "--context".to_string(),
            "global".to_string(),
        ];
        args.extend(self.host.paths.iter().cloned());
        if command == "check" {
            args.extend(self.host.rules.iter().cloned());
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    }

    /// `check -o json` of the live platform.
    fn check(&self, extra: &[&str]) -> Run {
        let mut extra = extra.to_vec();
        extra.extend(["-o", "json"]);
        acp(&self.args("check", &extra))
    }

    /// The number of requests per cluster the server received.
    fn requests_per_cluster(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for request in self.server.requests() {
            *counts
                .entry(request.cluster.unwrap_or_default())
                .or_default() += 1;
        }
        counts
    }

    fn file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("write");
        path
    }
}

/// The items of a fixture file.
fn items(scenario: &str, cluster: &str, file: &str) -> Vec<Value> {
    let path = fixture(scenario).join(cluster).join(file);
    let list: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("JSON");
    list["items"].as_array().expect("items").clone()
}

fn item(scenario: &str, cluster: &str, file: &str, name: &str) -> Value {
    items(scenario, cluster, file)
        .into_iter()
        .find(|i| i["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("{scenario}/{cluster}/{file}: no {name}"))
}

fn platform(scenario: &str) -> Platform {
    Platform::load_dir(fixture(scenario)).expect("fixture platform")
}

/// Results of the cluster and platform checks as comparable rows (host checks left out).
fn cluster_results(report: &Value) -> Vec<(String, String, String, String)> {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["subject"].get("path").is_none() && r["subject"].get("host").is_none())
        .filter(|r| {
            !matches!(
                r["rule"].as_str(),
                Some("MinioDiskSpace" | "PackageExtractionDiskSpace")
            )
        })
        .map(|r| {
            (
                r["rule"].as_str().unwrap_or_default().to_string(),
                r["subject"].to_string(),
                r["status"].as_str().unwrap_or_default().to_string(),
                r["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn ready_platform_exits_0_with_a_small_constant_number_of_requests() {
    let live = Live::start(platform("ready-3.18"));
    let run = live.check(&[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stderr, run.stdout);
    assert!(
        run.stderr.is_empty(),
        "no progress or warnings when stderr is not a terminal: {}",
        run.stderr
    );
    let report = run.json();
    assert_eq!(report["verdict"], "ready");
    assert_eq!(report["summary"]["error"], 0);
    assert_eq!(report["source"]["kind"], "live");
    assert_eq!(
        report["source"]["location"],
        live.server.cluster_url("global")
    );
    assert_eq!(report["source"]["insecure_skip_tls_verify"], false);
    assert_statuses(
        &report,
        &[
            ("KubernetesVersionSupported", "eks-1", "pass"),
            ("IstioVersionSupported", "prod-1", "pass"),
            ("ElasticsearchNodeRolesFixed", "global", "pass"),
        ],
    );
    // API discovery once per set of reads (`/apis`: twice on the global cluster, for the
    // cluster lists and for the rest), then one list per read whose kind is served: on each
    // workload cluster `/version`, nodes, istiod, Elasticsearch and CronJobs; on the global
    // also ProductBase, the tkestack clusters, ModuleInfo, Machines (read for disaster
    // recovery; the etcd-sync reads are made on a standby only) and one Prometheus query for
    // the control-plane nodes' free space. Without --target every candidate pack's reads are
    // made before the installed version picks one: the ClusterModules too (for the 4.3 pack's
    // WorkloadNotAheadOfGlobal). The custom kinds this platform
    // has no CRD for (Cluster API, etcd backups, ResourcePatch, data services, OLM) cost no
    // request. Independent of object counts.
    assert_eq!(
        live.requests_per_cluster(),
        BTreeMap::from([
            ("global".to_string(), 13),
            ("prod-1".to_string(), 6),
            ("eks-1".to_string(), 6),
        ])
    );
}

#[test]
fn live_results_equal_the_offline_results_of_the_same_fixture() {
    // Every target's fixtures too, each with its target (`check-args`) or the one its
    // installed version chooses.
    for scenario in [
        "ready-3.18",
        "not-ready-3.18",
        "unsupported-3.16",
        "dump-4.0-patch",
        "unhealthy-3.18",
        "ready-3.16",
        "not-ready-3.16",
        "ready-4.1",
        "not-ready-4.1",
        "ready-4.1-to-4.2",
        "not-ready-4.1-to-4.2",
        "ready-4.3",
        "not-ready-4.3",
    ] {
        let live = Live::start(platform(scenario));
        let fixture_args = check_args(scenario);
        let fixture_args: Vec<&str> = fixture_args.iter().map(String::as_str).collect();
        let online = live.check(&fixture_args);
        let mut offline_args = vec![
            "check".to_string(),
            "--snapshot".to_string(),
            text(&fixture(scenario)),
            "-o".to_string(),
            "json".to_string(),
        ];
        offline_args.extend(fixture_args.iter().map(|a| a.to_string()));
        offline_args.extend(live.host.rules.iter().cloned());
        let offline = acp(&offline_args);
        assert_eq!(
            cluster_results(&online.json()),
            cluster_results(&offline.json()),
            "{scenario}"
        );
        assert_eq!(
            online.json()["target"],
            offline.json()["target"],
            "{scenario}"
        );
        if !scenario.starts_with("ready-") {
            assert_eq!(online.code, 3, "{scenario}: {}", online.stderr);
        }
    }
}

#[test]
fn each_blocker_exits_3_naming_the_cluster() {
    type Change = fn(&mut Platform);
    let cases: [(&str, Option<&str>, Change); 5] = [
        // The platform's record still says v1.30.2: what the cluster runs counts.
        ("KubernetesVersionSupported", Some("prod-1"), |p| {
            let mut node = item("ready-3.18", "prod-1", "nodes.json", "192.168.140.12");
            node["status"]["nodeInfo"]["kubeletVersion"] = json!("v1.29.3");
            p.cluster_mut("prod-1").add_object(node).expect("object");
        }),
        ("IstioVersionSupported", Some("eks-1"), |p| {
            let mut istiod = item(
                "ready-3.18",
                "prod-1",
                "istio-deployments.json",
                "istiod-1-22",
            );
            istiod["metadata"]["name"] = json!("istiod-1-20");
            istiod["metadata"]["labels"]["istio.io/rev"] = json!("1-20");
            istiod["spec"]["template"]["spec"]["containers"][0]["image"] =
                json!("registry.local/asm/pilot:1.20.6");
            p.cluster_mut("eks-1").add_object(istiod).expect("object");
        }),
        ("DeprecatedCostPluginsAbsent", Some("prod-1"), |p| {
            let mut plugin = items("ready-3.18", "global", "moduleinfoes.json")
                .into_iter()
                .find(|i| i["metadata"]["labels"]["cpaas.io/cluster-name"] == "prod-1")
                .expect("a prod-1 plugin");
            plugin["metadata"]["name"] = json!("prod-1-kubecost");
            plugin["metadata"]["labels"]["cpaas.io/module-name"] = json!("kubecost");
            plugin["metadata"]["annotations"]["cpaas.io/module-name"] =
                json!(r#"{"en": "Kubecost", "zh": "Kubecost"}"#);
            p.cluster_mut("global").add_object(plugin).expect("object");
        }),
        ("ElasticsearchNodeRolesFixed", Some("global"), |p| {
            let mut es = item(
                "ready-3.18",
                "global",
                "cpaas-statefulsets.json",
                "cpaas-elasticsearch",
            );
            for env in es["spec"]["template"]["spec"]["containers"][0]["env"]
                .as_array_mut()
                .expect("env")
            {
                if env["name"] == "node.roles" {
                    *env = json!({"name": "node.data", "value": "true"});
                }
            }
            p.cluster_mut("global").add_object(es).expect("object");
        }),
        ("VersionUpgradePath", None, |p| {
            let mut base = item("ready-3.18", "global", "productbases.json", "base");
            base["status"]["version"] = json!("v3.16.2");
            p.cluster_mut("global").add_object(base).expect("object");
        }),
    ];
    for (rule, failing, change) in cases {
        let mut platform = platform("ready-3.18");
        change(&mut platform);
        let live = Live::start(platform);
        let run = live.check(&[]);
        assert_eq!(run.code, 3, "{rule}: {}", run.stderr);
        let report = run.json();
        assert_eq!(report["verdict"], "not_ready", "{rule}");
        let failed: Vec<String> = statuses(&report, rule)
            .into_iter()
            .filter(|(_, status)| status == "fail")
            .map(|(subject, _)| subject)
            .collect();
        assert_eq!(failed, [failing.unwrap_or("platform")], "{rule}");
        assert_eq!(
            report["summary"]["fail"], 1,
            "{rule}: only that blocker fails"
        );
    }
}

#[test]
fn a_403_on_the_plugin_list_is_an_error_for_every_cluster() {
    let live = Live::start(platform("ready-3.18"));
    live.server.add_fault(
        FaultRule::new(FaultAction::Forbidden {
            user: "system:serviceaccount:cpaas-system:acp-preflight".to_string(),
        })
        .cluster("global")
        .path_prefix("/apis/cluster.alauda.io/v1alpha1/moduleinfoes"),
    );
    let run = live.check(&[]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["verdict"], "incomplete");
    for cluster in ["global", "prod-1", "eks-1"] {
        assert_eq!(
            status_of(&report, "DeprecatedCostPluginsAbsent", cluster),
            "error"
        );
        let message = result_of(&report, "DeprecatedCostPluginsAbsent", cluster)["message"]
            .as_str()
            .expect("message")
            .to_string();
        assert!(
            message.contains("moduleinfoes.cluster.alauda.io")
                && message.contains("403")
                && message.contains("missing permission: list moduleinfoes.cluster.alauda.io"),
            "{message}"
        );
        // Every other check still ran.
        assert_eq!(
            status_of(&report, "KubernetesVersionSupported", cluster),
            "pass"
        );
    }
    assert_eq!(
        status_of(&report, "IstioVersionSupported", "prod-1"),
        "pass"
    );
}

#[test]
fn a_workload_cluster_answering_502_fails_only_its_checks() {
    let live = Live::start(platform("ready-3.18"));
    live.server
        .add_fault(FaultRule::new(FaultAction::BadGateway).cluster("prod-1"));
    let run = live.check(&[]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    let report = run.json();
    // Its Kubernetes version too: the platform's record of it is not what the cluster runs.
    for rule in [
        "IstioVersionSupported",
        "ElasticsearchNodeRolesFixed",
        "KubernetesVersionSupported",
    ] {
        assert_eq!(status_of(&report, rule, "prod-1"), "error", "{rule}");
        let message = result_of(&report, rule, "prod-1")["message"]
            .as_str()
            .expect("message")
            .to_string();
        assert!(
            message.contains("cluster prod-1") && message.contains("502"),
            "{message}"
        );
    }
    assert!(!run.stdout.contains("<html"), "no proxy HTML in the report");
    // The other clusters are evaluated.
    assert_statuses(
        &report,
        &[
            ("ElasticsearchNodeRolesFixed", "global", "pass"),
            ("IstioVersionSupported", "eks-1", "skipped"),
        ],
    );
    // Retried twice (3 attempts) per read, no more.
    let prod = live.requests_per_cluster()["prod-1"];
    // `/apis` fails too, so each read finds out on its own.
    let reads = checker_core::reads::ALL
        .iter()
        .filter(|r| r.on == checker_core::reads::ReadOn::EveryCluster)
        .count();
    assert_eq!(
        prod,
        3 * (reads + 1),
        "(/apis + {reads} reads) × 3 attempts"
    );
}

#[test]
fn a_hanging_cluster_times_out_and_the_deadline_bounds_the_run() {
    let live = Live::start(platform("ready-3.18"));
    live.server
        .add_fault(FaultRule::new(FaultAction::Hang).cluster("eks-1"));
    let started = Instant::now();
    let run = live.check(&["--request-timeout", "1"]);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(run.code, 5, "{}", run.stderr);
    let report = run.json();
    let message = result_of(&report, "IstioVersionSupported", "eks-1")["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert!(
        message.contains("timeout") && message.contains("no answer within 1s"),
        "{message}"
    );
    assert_eq!(
        status_of(&report, "IstioVersionSupported", "prod-1"),
        "pass"
    );

    let started = Instant::now();
    let run = live.check(&["--request-timeout", "30", "--deadline", "2"]);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(run.code, 5, "{}", run.stderr);
    let message = result_of(&run.json(), "IstioVersionSupported", "eks-1")["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert!(message.contains("deadline (2s)"), "{message}");
}

#[test]
fn throttling_and_unavailability_are_retried() {
    let live = Live::start(platform("ready-3.18"));
    live.server.add_fault(
        FaultRule::new(FaultAction::TooManyRequests)
            .cluster("prod-1")
            .path_prefix("/apis/apps/v1/deployments")
            .times(1),
    );
    live.server.add_fault(
        FaultRule::new(FaultAction::ServiceUnavailable)
            .cluster("eks-1")
            .path_prefix("/apis/apps/v1/namespaces/cpaas-system/")
            .times(2),
    );
    let run = live.check(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let counts = live.requests_per_cluster();
    assert_eq!(counts["prod-1"], 7);
    assert_eq!(counts["eks-1"], 8);
}

#[test]
fn lists_are_paged_and_restarted_when_the_continue_token_expires() {
    let live = Live::start(platform("ready-3.18"));
    live.server.add_fault(
        FaultRule::new(FaultAction::ExpireContinue)
            .cluster("global")
            .path_prefix("/apis/cluster.alauda.io/v1alpha1/moduleinfoes")
            .times(1),
    );
    let paged = live.check(&["--page-size", "2"]);
    assert_eq!(paged.code, 0, "{}", paged.stderr);
    let requests = live.server.requests();
    let plugin_pages: Vec<_> = requests
        .iter()
        .filter(|r| r.path.ends_with("/moduleinfoes"))
        .collect();
    let plugins = items("ready-3.18", "global", "moduleinfoes.json").len();
    assert!(plugins > 4, "the fixture has several pages of plugins");
    // One expired page, the restart, then every page.
    assert_eq!(
        plugin_pages.len(),
        2 + plugins.div_ceil(2),
        "{plugin_pages:#?}"
    );
    assert!(plugin_pages.iter().any(|r| r.status == 410));
    assert!(
        plugin_pages
            .iter()
            .all(|r| r.query_param("limit").as_deref() == Some("2"))
    );
    live.server.clear_requests();
    let whole = live.check(&[]);
    assert_eq!(
        cluster_results(&paged.json()),
        cluster_results(&whole.json())
    );
}

#[test]
fn only_gets_and_the_token_appears_nowhere() {
    let live = Live::start(platform("ready-3.18"));
    let snapshot = live.dir.path().join("snapshot.json");
    let report_file = live.dir.path().join("report.json");
    let runs = [
        acp(&live.args("check", &[])),
        acp(&live.args(
            "check",
            &["-o", "json", "--report-file", &text(&report_file)],
        )),
        acp(&live.args("collect", &["-o", &text(&snapshot)])),
        // Failing reads: no message may echo the credentials.
        acp(&live.args(
            "check",
            &["--token-file", &text(&live.file("wrong", "wrong-token"))],
        )),
    ];
    for run in &runs {
        assert!(!run.stdout.contains(TOKEN), "token in stdout");
        assert!(!run.stderr.contains(TOKEN), "token in stderr");
    }
    for file in [&snapshot, &report_file] {
        let text = std::fs::read_to_string(file).expect("output file");
        assert!(!text.contains(TOKEN), "token in {}", file.display());
    }
    let requests = live.server.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(request.method, "GET", "{request:?}");
        assert!(!request.path.contains("secrets"), "{request:?}");
    }
    // The token file is used through the proxy: the wrong token is rejected there, and the
    // report says so.
    assert!(requests.iter().any(|r| r.status == 401));
    assert_eq!(runs[3].code, 5);
}

#[test]
fn collect_then_check_snapshot_gives_the_live_results() {
    let live = Live::start(platform("not-ready-3.18"));
    live.server.add_fault(
        FaultRule::new(FaultAction::Forbidden {
            user: "reader".to_string(),
        })
        .cluster("edge-1")
        .path_prefix("/apis/apps/v1/deployments"),
    );
    let checked = live.check(&[]);
    let snapshot = live.dir.path().join("snapshot.json");
    let collected = acp(&live.args("collect", &["-o", &text(&snapshot)]));
    assert_eq!(collected.code, 0, "{}", collected.stderr);
    let mut args = vec![
        "check".to_string(),
        "--snapshot".to_string(),
        text(&snapshot),
        "-o".to_string(),
        "json".to_string(),
    ];
    args.extend(live.host.rules.iter().cloned());
    let replayed = acp(&args);
    assert_eq!(replayed.code, checked.code, "{}", replayed.stderr);
    let (live_report, replayed_report) = (checked.json(), replayed.json());
    let rows = |report: &Value| -> Vec<(Value, Value, Value, Value)> {
        report["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| {
                (
                    r["rule"].clone(),
                    r["subject"].clone(),
                    r["status"].clone(),
                    r["message"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(rows(&live_report), rows(&replayed_report));
    assert_eq!(replayed_report["source"]["kind"], "snapshot");
    assert_eq!(replayed_report["source"]["collected_by"], "live");
    assert_eq!(
        status_of(&live_report, "IstioVersionSupported", "edge-1"),
        "error"
    );

    // The snapshot records what was asked and got.
    let snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string(&snapshot).expect("snapshot")).expect("JSON");
    assert_eq!(snapshot["collector"]["method"], "live");
    assert!(snapshot["host"]["paths"].is_array());
    let manifest = &snapshot["manifest"];
    assert_eq!(
        manifest["reads"].as_array().map(Vec::len),
        Some(checker_core::reads::ALL.len())
    );
    let requests = manifest["requests"].as_array().expect("requests");
    let forbidden: Vec<&Value> = requests.iter().filter(|r| r["status"] == 403).collect();
    assert_eq!(forbidden.len(), 1, "{forbidden:?}");
    assert_eq!(forbidden[0]["cluster"], "edge-1");
    assert_eq!(forbidden[0]["method"], "GET");
    assert_eq!(
        forbidden[0]["path"],
        "/kubernetes/edge-1/apis/apps/v1/deployments?limit=500&labelSelector=app%3Distiod"
    );
    let edge = snapshot["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .find(|c| c["name"] == "edge-1")
        .expect("edge-1");
    assert_eq!(
        edge["reads"]["istio-deployments"]["missing_permission"],
        "list deployments.apps"
    );
}

#[test]
fn bad_connection_input_exits_2_naming_it() {
    let live = Live::start(platform("ready-3.18"));
    let missing = live.dir.path().join("missing");
    let cases: Vec<(Vec<String>, String)> = vec![
        (
            vec!["check".into(), "--kubeconfig".into(), text(&missing)],
            format!("cannot read kubeconfig {}", missing.display()),
        ),
        (
            vec![
                "check".into(),
                "--kubeconfig".into(),
                text(&live.kubeconfig),
                "--context".into(),
                "nope".into(),
            ],
            "context `nope` is not in kubeconfig".to_string(),
        ),
        (
            live.args("check", &["--token-file", &text(&missing)]),
            format!("cannot read token file {}", missing.display()),
        ),
        (
            live.args(
                "collect",
                &["-o", "/dev/null", "--platform-ca", &text(&missing)],
            ),
            format!("cannot read CA file {}", missing.display()),
        ),
        (
            live.args("check", &["--platform-url", "acp.example.com"]),
            "invalid --platform-url".to_string(),
        ),
        (
            vec![
                "check".into(),
                "--kubeconfig".into(),
                text(&live.file(
                    "broken",
                    &format!("users:\n- name: u\n  user:\n    token: [{TOKEN}\n"),
                )),
            ],
            "not a valid kubeconfig".to_string(),
        ),
    ];
    for (args, expected) in cases {
        let run = acp(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(&expected), "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains(TOKEN));
    }
    assert!(live.server.requests().is_empty(), "no request on bad input");
}

#[test]
fn platform_url_token_file_and_cluster_selection() {
    let live = Live::start(platform("ready-3.18"));
    let token = live.file("token", &format!("{TOKEN}\n"));
    let ca = live.file("ca.pem", live.server.ca_pem());
    // Another name of the same server: the workload clusters need --platform-ca.
    let platform_url = format!("https://localhost:{}/", live.server.addr().port());
    let run = live.check(&[
        "--platform-url",
        &platform_url,
        "--platform-ca",
        &text(&ca),
        "--token-file",
        &text(&token),
        "--clusters",
        "prod-1",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let clusters: Vec<String> = statuses(&report, "KubernetesVersionSupported")
        .into_iter()
        .map(|(cluster, _)| cluster)
        .collect();
    assert_eq!(clusters, ["global", "prod-1"]);
    let counts = live.requests_per_cluster();
    assert_eq!(counts.get("prod-1"), Some(&6));
    assert_eq!(counts.get("eks-1"), None, "not selected, not read");
    // The partial scope is recorded and said with the verdict.
    assert_eq!(report["scope"]["selected"], serde_json::json!(["prod-1"]));
    assert_eq!(
        report["scope"]["platform"],
        serde_json::json!(["eks-1", "prod-1"])
    );
    let selection = [
        "--platform-url",
        platform_url.as_str(),
        "--platform-ca",
        ca.to_str().expect("utf-8"),
        "--token-file",
        token.to_str().expect("utf-8"),
    ];
    let mut table_args = selection.to_vec();
    table_args.extend(["--clusters", "prod-1", "--color", "never"]);
    let table = acp(&live.args("check", &table_args));
    assert!(
        table
            .stdout
            .contains("Verdict: READY, only 1 of 2 workload clusters checked (prod-1): "),
        "{}",
        table.stdout
    );
    // A name the platform does not have is a usage error with a suggestion, not a smaller run.
    for (names, expected) in [
        (
            "prod-l",
            "--clusters prod-l: the platform has no such cluster; did you mean `prod-1`?",
        ),
        ("prod-1,,eks-1", "--clusters: a cluster name is empty"),
    ] {
        let mut args = selection.to_vec();
        args.extend(["--clusters", names]);
        let run = live.check(&args);
        assert_eq!(run.code, 2, "{names}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{names}: {}", run.stderr);
    }

    // Without the CA, the platform's certificate is not trusted: honest errors, exit 5.
    live.server.clear_requests();
    let run = live.check(&["--platform-url", &platform_url]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    let message = result_of(&run.json(), "IstioVersionSupported", "prod-1")["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert!(
        message.contains("TLS") && message.contains("UnknownIssuer"),
        "{message}"
    );
}

#[test]
fn cluster_contexts_and_the_standby_global_are_collected() {
    let mut platform = platform("ready-3.18");
    for file in [
        "productbases.json",
        "clusters.json",
        "moduleinfoes.json",
        "customresourcedefinitions.json",
        "istio-deployments.json",
        "cpaas-statefulsets.json",
    ] {
        platform
            .cluster_mut("standby")
            .add_objects(items("ready-3.18", "global", file))
            .expect("objects");
    }
    let live = Live::start(platform);
    let snapshot = live.dir.path().join("snapshot.json");
    let run = acp(&live.args(
        "collect",
        &[
            "-o",
            &text(&snapshot),
            "--cluster-context",
            "prod-1=prod-1-admin",
            "--standby-context",
            "standby",
        ],
    ));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string(&snapshot).expect("snapshot")).expect("JSON");
    let standby = &snapshot["standby"];
    assert_eq!(standby["name"], "global");
    for read in [
        "productbases",
        "clusters",
        "moduleinfoes",
        "istio-deployments",
        "cpaas-statefulsets",
    ] {
        assert_eq!(standby["reads"][read]["status"], "ok", "{read}");
    }
    let requests = snapshot["manifest"]["requests"]
        .as_array()
        .expect("requests");
    assert!(requests.iter().any(|r| {
        r["cluster"] == "standby"
            && r["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/kubernetes/standby/"))
    }));
    let counts = live.requests_per_cluster();
    // API discovery once (`/apis`), then one request per read whose kind is served: the
    // custom kinds this fixture has no CRD for cost nothing more.
    let absent_here = |global: bool| {
        checker_core::reads::ALL
            .iter()
            .filter(|r| {
                r.made_on(if global {
                    checker_core::reads::Place::Standby
                } else {
                    checker_core::reads::Place::Workload
                })
            })
            .filter(|r| {
                r.custom
                    && !matches!(
                        r.id,
                        "productbases"
                            | "clusters"
                            | "moduleinfoes"
                            | "machines"
                            | "clustermodules"
                    )
            })
            .count()
    };
    let every_cluster = checker_core::reads::ALL
        .iter()
        .filter(|r| r.on == checker_core::reads::ReadOn::EveryCluster)
        .count();
    assert_eq!(
        counts.get("standby"),
        Some(&(1 + checker_core::reads::ALL.len() - absent_here(true)))
    );
    assert_eq!(
        counts.get("prod-1"),
        Some(&(1 + every_cluster - absent_here(false)))
    );
}

#[test]
fn insecure_skip_tls_verify_is_loud_and_recorded() {
    let live = Live::start(platform("ready-3.18"));
    let kubeconfig = std::fs::read_to_string(&live.kubeconfig).expect("kubeconfig");
    let without_ca: String = kubeconfig
        .lines()
        .filter(|l| !l.contains("certificate-authority-data"))
        .map(|l| format!("{l}\n"))
        .collect();
    let untrusted = live.file("untrusted", &without_ca);
    let mut args = live.args("check", &["-o", "json"]);
    args[2] = text(&untrusted);
    let run = acp(&args);
    assert_eq!(
        run.code, 5,
        "an untrusted certificate is an error: {}",
        run.stderr
    );

    args.push("--insecure-skip-tls-verify".to_string());
    let run = acp(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("WARNING: TLS certificates are NOT verified")
    );
    assert_eq!(run.json()["source"]["insecure_skip_tls_verify"], true);
}

/// A copy of a fixture scenario in a temporary directory, edited by `edit(global_dir)`.
fn edited_platform(scenario: &str, edit: impl FnOnce(&Path)) -> (Platform, TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = fixture(scenario);
    for cluster in std::fs::read_dir(&source).expect("fixture").flatten() {
        if cluster.path().is_dir() {
            copy_tree(&cluster.path(), &dir.path().join(cluster.file_name()), &[]);
        }
    }
    edit(&dir.path().join("global"));
    let platform = Platform::load_dir(dir.path()).expect("edited platform");
    (platform, dir)
}

#[test]
fn every_control_plane_nodes_minio_space_is_read_from_node_exporter_through_the_service_proxy() {
    const PROXY: &str =
        "/api/v1/namespaces/cpaas-system/services/prometheus-operated:web/proxy/api/v1/query";
    let nodes = ["192.168.130.11", "192.168.130.12", "192.168.130.13"];
    /// (case, edit of the global's fixture, expected status and words of each node's result)
    type Case = (&'static str, fn(&Path), [(&'static str, &'static str); 3]);
    let cases: [Case; 3] = [
        (
            "as recorded",
            |_| {},
            [("pass", "node-exporter, through Prometheus"); 3],
        ),
        (
            "one node missing from Prometheus' answer",
            |global| {
                let answer =
                    global.join("service-proxy/cpaas-system/prometheus-operated/api/v1/query");
                edit_json(&answer, |a| {
                    a["data"]["result"]
                        .as_array_mut()
                        .expect("series")
                        .retain(|s| s["metric"]["instance"] != "192.168.130.13:9100");
                });
            },
            [
                ("pass", "node-exporter, through Prometheus"),
                ("pass", "180.0 GiB (193.2 GB) free on /cpaas"),
                (
                    "warn",
                    "Prometheus has no node_filesystem_avail_bytes series for this node",
                ),
            ],
        ),
        (
            "no Prometheus Service",
            |global| std::fs::remove_file(global.join("services.json")).expect("remove"),
            [(
                "error",
                "no Prometheus Service cpaas-system/prometheus-operated",
            ); 3],
        ),
    ];
    for (case, edit, expected) in cases {
        let (platform, _dir) = edited_platform("ready-3.18", edit);
        let live = Live::start(platform);
        // No host paths: this host is no control-plane node of the platform anyway.
        let run = acp(&[
            "check",
            "--kubeconfig",
            &text(&live.kubeconfig),
            "--context",
            "global",
            "-o",
            "json",
        ]);
        let report = run.json();
        for (node, (status, words)) in nodes.iter().zip(expected) {
            let result = result_of(&report, "MinioDiskSpace", node);
            assert_eq!(result["status"], status, "{case}, {node}: {result}");
            let message = result["message"].as_str().expect("message");
            assert!(message.contains(words), "{case}, {node}: {message}");
        }
        let proxied: Vec<_> = live
            .server
            .requests()
            .into_iter()
            .filter(|r| r.path == PROXY)
            .collect();
        assert_eq!(proxied.len(), 1, "{case}: one query for every node");
        assert_eq!(proxied[0].method, "GET");
        assert_eq!(proxied[0].cluster.as_deref(), Some("global"));
        assert!(
            proxied[0]
                .query_param("query")
                .is_some_and(|q| q.starts_with("node_filesystem_avail_bytes{mountpoint=~")),
            "{case}: {:?}",
            proxied[0].query
        );
    }
}

fn edit_json(path: &Path, edit: impl FnOnce(&mut Value)) {
    let mut value: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("JSON");
    edit(&mut value);
    std::fs::write(path, value.to_string()).expect("write");
}

#[test]
fn discovery_tells_an_absent_crd_and_finds_an_older_served_version() {
    let (platform, _dir) = edited_platform("ready-3.18", |global| {
        // No ModuleInfo CRD at all; ProductBase served only at v1alpha1.
        std::fs::remove_file(global.join("moduleinfoes.json")).expect("remove");
        edit_json(&global.join("customresourcedefinitions.json"), |crds| {
            let items = crds["items"].as_array_mut().expect("items");
            items.retain(|c| c["metadata"]["name"] != "moduleinfoes.cluster.alauda.io");
            for crd in items.iter_mut() {
                if crd["metadata"]["name"] == "productbases.product.alauda.io" {
                    let versions = crd["spec"]["versions"].as_array_mut().expect("versions");
                    versions.retain(|v| v["name"] == "v1alpha1");
                    versions[0]["storage"] = true.into();
                }
            }
        });
        edit_json(&global.join("productbases.json"), |list| {
            for item in list["items"].as_array_mut().expect("items") {
                item["apiVersion"] = "product.alauda.io/v1alpha1".into();
            }
        });
    });
    let live = Live::start(platform);
    let snapshot_file = live.dir.path().join("snapshot.json");
    let run = acp(&live.args("collect", &["-o", &text(&snapshot_file)]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string(&snapshot_file).expect("snapshot"))
            .expect("JSON");
    let global = &snapshot["clusters"][0]["reads"];
    assert_eq!(
        global["moduleinfoes"]["status"], "absent",
        "{}",
        global["moduleinfoes"]
    );
    assert!(
        global["moduleinfoes"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("CRD is not installed")),
        "{}",
        global["moduleinfoes"]
    );
    assert_eq!(global["productbases"]["status"], "ok");
    assert_eq!(
        global["productbases"]["items"][0]["apiVersion"],
        "product.alauda.io/v1alpha1"
    );
    // API discovery said which ProductBase version is served, so the list went straight to
    // it. ModuleInfo's group is served (other kinds of it are installed), so its list was
    // asked, answered 404, and discovery of the group then said the kind is absent.
    let paths: Vec<String> = live
        .server
        .requests()
        .iter()
        .filter(|r| r.cluster.as_deref() == Some("global"))
        .map(|r| r.path.clone())
        .collect();
    for expected in [
        "/apis",
        "/apis/product.alauda.io/v1alpha1/productbases",
        "/apis/cluster.alauda.io/v1alpha1/moduleinfoes",
        "/apis/cluster.alauda.io",
        "/apis/cluster.alauda.io/v1alpha1",
    ] {
        assert!(
            paths.iter().any(|p| p == expected),
            "{expected} not in {paths:#?}"
        );
    }
    assert!(
        !paths.iter().any(|p| p.contains("v1alpha2/productbases")),
        "{paths:#?}"
    );

    // "Not installed" is a fact: no plugins, so no deprecated plugin; the version is read.
    let run = live.check(&[]);
    let report = run.json();
    assert_eq!(status_of(&report, "VersionUpgradePath", "platform"), "pass");
    assert_eq!(
        status_of(&report, "DeprecatedCostPluginsAbsent", "prod-1"),
        "pass"
    );
}

#[test]
fn the_platforms_own_preflight_is_found_by_its_short_name_and_a_fault_is_no_result_yet_never() {
    const LIST: &str =
        "/apis/upgrade.alauda.io/v1alpha1/namespaces/cpaas-system/clusterversionshadows";
    /// (case, aggregated discovery, edit of the global's fixture, fault, status, words)
    type Case = (
        &'static str,
        bool,
        fn(&Path),
        Option<FaultRule>,
        &'static str,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "aggregated discovery",
            true,
            |_| {},
            None,
            "pass",
            "all 12 checks",
        ),
        (
            "plain discovery",
            false,
            |_| {},
            None,
            "pass",
            "all 12 checks",
        ),
        (
            "no ClusterVersionShadow CRD",
            true,
            |global| {
                std::fs::remove_file(global.join("clusterversionshadows.json")).expect("remove");
                edit_json(&global.join("customresourcedefinitions.json"), |crds| {
                    crds["items"].as_array_mut().expect("items").retain(|c| {
                        c["metadata"]["name"] != "clusterversionshadows.upgrade.alauda.io"
                    });
                });
            },
            None,
            "warn",
            "no ClusterVersionShadow kind",
        ),
        (
            "the list forbidden",
            true,
            |_| {},
            Some(
                FaultRule::new(FaultAction::Forbidden {
                    user: "system:serviceaccount:cpaas-system:acp-preflight".to_string(),
                })
                .path_exact(LIST),
            ),
            "error",
            "forbidden",
        ),
        (
            "discovery failing",
            true,
            |_| {},
            Some(FaultRule::new(FaultAction::InternalError).path_exact("/apis")),
            "error",
            "looking up the short name cvsh in API discovery: Internal error",
        ),
        (
            "a group's document failing in plain discovery",
            false,
            |_| {},
            Some(
                FaultRule::new(FaultAction::ServiceUnavailable)
                    .path_exact("/apis/upgrade.alauda.io/v1alpha1"),
            ),
            "error",
            "looking up the short name cvsh in API discovery",
        ),
    ];
    for (case, aggregated, edit, fault, status, words) in cases {
        let (platform, _dir) = edited_platform("ready-4.1", edit);
        let options = ServerOptions {
            aggregated_discovery: aggregated,
            ..ServerOptions::default()
        };
        let live = Live::with_options(platform, options);
        if let Some(fault) = fault {
            live.server.add_fault(fault.cluster("global"));
        }
        let run = live.check(&["--target", "4.3", "--skip-host"]);
        let report = run.json();
        let result = result_of(&report, "PlatformPreflightPassed", "global");
        assert_eq!(result["status"], status, "{case}: {result}");
        let message = result["message"].as_str().expect("message");
        assert!(message.contains(words), "{case}: {message}");
        if status == "pass" {
            let listed = live
                .server
                .requests()
                .iter()
                .filter(|r| r.path == LIST)
                .count();
            assert_eq!(listed, 1, "{case}: one list at the discovered group");
        }
    }
}

#[test]
fn an_unreadable_global_cluster_is_said_once_with_its_fix() {
    let live = Live::start(platform("ready-3.18"));
    let kubeconfig = std::fs::read_to_string(&live.kubeconfig).expect("kubeconfig");
    let wrong = live.file(
        "wrong-kubeconfig",
        &kubeconfig.replace(TOKEN, "wrong-token"),
    );
    let mut args = vec!["check", "--kubeconfig", wrong.to_str().expect("utf-8")];
    args.extend(["--context", "global", "--skip-host", "--color", "never"]);
    let run = acp(&args);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert_eq!(
        run.stdout.matches("(HTTP 401)").count(),
        1,
        "the cause once:\n{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Fix: the credentials were rejected"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("see above"), "{}", run.stdout);
    // The JSON keeps every result's own message.
    args.extend(["-o", "json"]);
    let report = acp(&args).json();
    let errors: Vec<&Value> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["status"] == "error")
        .collect();
    assert!(errors.len() >= 5, "{errors:?}");
    assert!(
        errors
            .iter()
            .all(|r| r["message"].as_str().is_some_and(|m| m.contains("401")))
    );
}

/// Where the DR pair's VIPs are on this host: the primary's port 2379 answers (a listener, or
/// whatever already listens there), the standby's refuses; `localhost`, the platform domain,
/// resolves to the primary's.
const PRIMARY_VIP: &str = "127.0.0.1";
const STANDBY_VIP: &str = "127.0.0.72";

/// `dr-3.18` with its VIPs and platform domain on this host (see [`PRIMARY_VIP`]), so that the
/// live run's network probes stay on it.
fn dr_platform_on_this_host() -> Platform {
    let mut platform = platform("dr-3.18");
    for (cluster, vip) in [("global", PRIMARY_VIP), ("standby", STANDBY_VIP)] {
        let mut own = items("dr-3.18", cluster, "clusters.json")
            .into_iter()
            .find(|c| c["metadata"]["name"] == "global")
            .expect("the global's own Cluster");
        own["spec"]["features"]["ha"]["tke"]["vip"] = json!(vip);
        let mut base = items("dr-3.18", cluster, "productbases.json").remove(0);
        base["spec"]["platformURL"] = json!("https://localhost");
        if cluster == "standby" {
            base["spec"]["alternativeURLs"] = json!([format!("https://{STANDBY_VIP}")]);
        }
        platform
            .cluster_mut(cluster)
            .add_objects([own, base])
            .expect("objects");
    }
    platform
}

#[test]
fn a_dr_pair_is_checked_on_both_globals() {
    // Bound for the whole test; when the port is taken, something already answers on it.
    let _etcd = std::net::TcpListener::bind((PRIMARY_VIP, 2379));
    let live = Live::start(dr_platform_on_this_host());
    let with_standby = live.check(&["--standby-context", "standby"]);
    let report = with_standby.json();
    let mut offline_args = vec![
        "check".to_string(),
        "--snapshot".to_string(),
        text(&fixture("dr-3.18")),
        "-o".to_string(),
        "json".to_string(),
    ];
    offline_args.extend(live.host.rules.iter().cloned());
    let offline = acp(&offline_args).json();
    for (rule, expected) in [
        ("DRStandbyVersionMatches", "pass"),
        ("DREtcdSyncHealthy", "fail"),
        ("DREtcdSyncConsistent", "fail"),
        ("DRMachinesRunning", "fail"),
        ("DRStandbyAlternativeURL", "pass"),
    ] {
        assert_eq!(
            status_of(&report, rule, "platform"),
            expected,
            "{rule} live"
        );
        assert_eq!(
            status_of(&offline, rule, "platform"),
            expected,
            "{rule} offline"
        );
    }
    assert_eq!(with_standby.code, 3, "{}", with_standby.stderr);
    let machines = result_of(&report, "DRMachinesRunning", "platform")["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert!(
        machines.contains("mc-192-168-131-13 (Failed)"),
        "{machines}"
    );
    // The monitor's answer, read through the standby's service proxy, as offline from the dump.
    let sync = result_of(&report, "DREtcdSyncConsistent", "platform");
    assert_eq!(
        sync,
        result_of(&offline, "DREtcdSyncConsistent", "platform")
    );
    assert_eq!(
        sync["observed"],
        serde_json::json!({"missed": 1, "surplus": 1})
    );
    assert!(
        live.server
            .requests()
            .iter()
            .any(|r| r.cluster.as_deref() == Some("standby")
                && r.path
                    == "/api/v1/namespaces/cpaas-system/services/etcd-sync-monitor/proxy/check"),
        "the monitor is read through the service proxy"
    );
    // The network, probed from this host once the VIPs were read: the primary's port 2379
    // answers, the standby's refuses, and the platform domain resolves to the primary's VIP.
    let port = result_of(&report, "DREtcdPortReachable", "platform");
    assert_eq!(port["status"], "fail", "{port}");
    let message = port["message"].as_str().expect("message");
    assert!(
        message.contains(&format!("the standby's VIP {STANDBY_VIP}:2379 (")),
        "{message}"
    );
    assert!(!message.contains(PRIMARY_VIP), "{message}");
    let identified = result_of(&report, "DRPrimaryIdentified", "platform");
    assert_eq!(identified["status"], "pass", "{identified}");
    assert_eq!(identified["observed"]["resolves_to"], "primary");
    // A snapshot keeps what was probed, so an offline check gives the same answers.
    let snapshot_file = live.dir.path().join("dr-snapshot.json");
    let collected = acp(&live.args(
        "collect",
        &[
            "--standby-context",
            "standby",
            "-o",
            text(&snapshot_file).as_str(),
        ],
    ));
    assert_eq!(collected.code, 0, "{}", collected.stderr);
    let snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string(&snapshot_file).expect("snapshot"))
            .expect("JSON");
    let tcp = &snapshot["host"]["network"]["tcp"];
    assert_eq!(tcp[0]["endpoint"], format!("{PRIMARY_VIP}:2379"), "{tcp}");
    assert_eq!(tcp[0]["connected"], true, "{tcp}");
    assert_eq!(tcp[1]["connected"], false, "{tcp}");
    let mut recheck = vec![
        "check".to_string(),
        "--snapshot".to_string(),
        text(&snapshot_file),
        "-o".to_string(),
        "json".to_string(),
    ];
    recheck.extend(live.host.rules.iter().cloned());
    let recheck = acp(&recheck).json();
    for rule in ["DREtcdPortReachable", "DRPrimaryIdentified"] {
        assert_eq!(
            result_of(&recheck, rule, "platform"),
            result_of(&report, rule, "platform"),
            "{rule}"
        );
    }
    // Given the other way round, the pair is said to be swapped.
    let swapped = acp(&{
        let mut args = live.args("check", &["--standby-context", "global", "-o", "json"]);
        let context = args
            .iter()
            .position(|a| a == "--context")
            .expect("--context")
            + 1;
        args[context] = "standby".to_string();
        args
    })
    .json();
    let identified = result_of(&swapped, "DRPrimaryIdentified", "platform");
    assert_eq!(identified["status"], "fail", "{identified}");
    assert!(
        identified["message"]
            .as_str()
            .is_some_and(|m| m.contains("the clusters given as primary and standby are swapped")),
        "{identified}"
    );
    // Without this host's probes, the network checks say what to give.
    let skipped_host = live
        .check(&["--standby-context", "standby", "--skip-host"])
        .json();
    let port = result_of(&skipped_host, "DREtcdPortReachable", "platform");
    assert_eq!(port["status"], "error", "{port}");
    assert!(
        port["message"]
            .as_str()
            .is_some_and(|m| m.contains("--tcp 127.0.0.1:2379")),
        "{port}"
    );
    // Without the standby, the DR checks do not apply, and say how to make them.
    let without = live.check(&[]).json();
    for rule in [
        "DRMachinesRunning",
        "DREtcdPortReachable",
        "DRPrimaryIdentified",
    ] {
        assert_eq!(status_of(&without, rule, "platform"), "skipped", "{rule}");
    }
}

#[test]
fn the_phases_after_the_global_upgrade_are_checked_live() {
    // The report of the check before the upgrade is the baseline: it says the upgrade started
    // from 3.18.2.
    let dir = tempfile::tempdir().expect("tempdir");
    let before = dir.path().join("before.json");
    let pre = acp(&[
        "check",
        "--snapshot",
        &text(&fixture("ready-3.18")),
        "--report-file",
        &text(&before),
    ]);
    assert_eq!(pre.code, 0, "{}", pre.stderr);

    let live = Live::start(platform("upgraded-4.1"));
    let baseline = text(&before);
    let workload = live.check(&["--phase", "workload", "--baseline", &baseline]);
    let report = workload.json();
    assert_eq!(workload.code, 3, "{}", workload.stderr);
    assert_eq!(report["phase"], "workload");
    assert_eq!(report["from"], "v3.18.2");
    assert_statuses(
        &report,
        &[
            ("VersionUpgradePath", "platform", "pass"),
            ("PlatformAtTarget", "global", "pass"),
            ("WorkloadNotAheadOfGlobal", "prod-1", "pass"),
            ("WorkloadNotAheadOfGlobal", "eks-1", "pass"),
            ("ModuleInfoStable", "prod-1", "fail"),
            ("KubernetesVersionSupported", "prod-1", "pass"),
        ],
    );
    assert!(
        statuses(&report, "KubernetesVersionSupported")
            .iter()
            .all(|(subject, _)| subject != "global"),
        "the global cluster is upgraded: its workload-cluster checks are not made again"
    );
    let modules: Vec<_> = live
        .server
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("clustermodules"))
        .collect();
    assert_eq!(
        modules.len(),
        1,
        "one ClusterModule list on the global: {modules:?}"
    );
    assert_eq!(modules[0].cluster.as_deref(), Some("global"));

    // After the upgrade: the same results live as from the dump directory.
    let post = live.check(&["--phase", "post", "--from", "3.18.2"]);
    assert_eq!(post.code, 3, "{}", post.stderr);
    let mut offline = vec![
        "check".to_string(),
        "--snapshot".to_string(),
        text(&fixture("upgraded-4.1")),
        "-o".to_string(),
        "json".to_string(),
        "--phase".to_string(),
        "post".to_string(),
        "--from".to_string(),
        "3.18.2".to_string(),
    ];
    offline.extend(live.host.rules.iter().cloned());
    let offline = acp(&offline).json();
    assert_eq!(cluster_results(&post.json()), cluster_results(&offline));
    assert_statuses(
        &post.json(),
        &[
            ("PlatformAtTarget", "eks-1", "warn"),
            ("ProductDocsPluginInstalled", "global", "warn"),
        ],
    );
}
