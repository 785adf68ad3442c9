//! The ACP 4.1 pack on the recorded fixtures and on each side of every threshold.
//!
//! Fixture scenarios are kubectl dump directories under `fixtures/`; thresholds are tested by
//! changing one value in a loaded snapshot, so each test changes exactly the fact it is about.

use std::path::Path;

use checker_core::facts::Facts;
use checker_core::host::{FilesystemFacts, HostFacts, PathProbe};
use checker_core::report::{RuleResult, Status, Verdict};
use checker_core::rules::RulePack;
use checker_core::snapshot::{ClusterRecord, ReadOutcome, Snapshot};
use checker_core::{dump, engine, rules};

const GIB: u64 = 1 << 30;

fn pack() -> RulePack {
    rules::for_target("4.1").unwrap().expect("bundled 4.1 pack")
}

fn fixture(name: &str) -> Snapshot {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(name);
    dump::load(&dir).unwrap_or_else(|e| panic!("{e}"))
}

fn evaluate(snapshot: &Snapshot) -> Vec<RuleResult> {
    engine::evaluate(&pack(), &Facts::derive(snapshot))
}

/// The status of `rule` for the subject whose cluster, control-plane node or host path is
/// `subject` ("" = platform).
fn status(results: &[RuleResult], rule: &str, subject: &str) -> Status {
    let found: Vec<&RuleResult> = results
        .iter()
        .filter(|r| r.rule == rule)
        .filter(|r| {
            subject.is_empty() && r.subject.is_empty()
                || r.subject.get("cluster").map(String::as_str) == Some(subject)
                || r.subject.get("node").map(String::as_str) == Some(subject)
                || (!r.subject.contains_key("node")
                    && r.subject.get("path").map(String::as_str) == Some(subject))
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one result of {rule} for {subject:?}: {results:#?}"
    );
    found[0].status
}

fn message<'a>(results: &'a [RuleResult], rule: &str, cluster: &str) -> &'a str {
    &results
        .iter()
        .find(|r| r.rule == rule && r.subject.get("cluster").map(String::as_str) == Some(cluster))
        .expect("result")
        .message
}

/// Sets one field of the tkestack Cluster object named `cluster` in the global cluster's list.
fn set_cluster_field(
    snapshot: &mut Snapshot,
    cluster: &str,
    pointer: &str,
    value: serde_json::Value,
) {
    let item = cluster_object_mut(snapshot, cluster);
    *item.pointer_mut(pointer).expect("field") = value;
}

/// The tkestack Cluster object named `cluster` in the global cluster's list.
fn cluster_object_mut<'a>(snapshot: &'a mut Snapshot, cluster: &str) -> &'a mut serde_json::Value {
    items_mut(snapshot, "global", "clusters")
        .iter_mut()
        .find(|i| i["metadata"]["name"] == cluster)
        .expect("cluster object")
}

/// The record of what was read on `cluster`.
fn record_mut<'a>(snapshot: &'a mut Snapshot, cluster: &str) -> &'a mut ClusterRecord {
    snapshot
        .clusters
        .iter_mut()
        .find(|c| c.name == cluster)
        .expect("cluster record")
}

fn items_mut<'a>(
    snapshot: &'a mut Snapshot,
    cluster: &str,
    read: &str,
) -> &'a mut Vec<serde_json::Value> {
    let record = record_mut(snapshot, cluster);
    match record.reads.get_mut(read) {
        Some(ReadOutcome::Ok { items }) => items,
        other => panic!("{read} on {cluster} is {other:?}"),
    }
}

/// Sets the Kubernetes version `cluster` runs: its API server's `/version` and every kubelet.
fn set_running_kubernetes(snapshot: &mut Snapshot, cluster: &str, version: &str) {
    for node in items_mut(snapshot, cluster, "nodes") {
        node["status"]["nodeInfo"]["kubeletVersion"] = version.into();
    }
    record_mut(snapshot, cluster).reads.insert(
        "version".to_string(),
        ReadOutcome::Ok {
            items: vec![serde_json::json!({"gitVersion": version})],
        },
    );
}

/// Sets the installed version, and the desired one with it (no upgrade in progress).
fn set_platform_version(snapshot: &mut Snapshot, version: &str) {
    let base = &mut items_mut(snapshot, "global", "productbases")[0];
    base["status"]["version"] = version.into();
    base["spec"]["version"] = version.into();
}

/// The host facts of `acp-global-m01`, the first control-plane node of `ready-3.18`, with this
/// much free on `/cpaas/minio`.
fn host_with_minio_free(free_bytes: u64) -> HostFacts {
    HostFacts {
        hostname: "acp-global-m01".to_string(),
        addresses: vec!["192.168.130.11".to_string()],
        paths: vec![PathProbe {
            host: None,
            addresses: Vec::new(),
            role: "minio".to_string(),
            path: "/cpaas/minio".to_string(),
            filesystem: Some(FilesystemFacts {
                device_id: 7,
                mount_point: Some("/cpaas".to_string()),
                fs_type: Some("xfs".to_string()),
                total_bytes: 500 * GIB,
                free_bytes,
                shared_with: vec![],
            }),
            error: None,
        }],
        package: None,
        disks: vec![],
        network: Default::default(),
    }
}

#[test]
fn ready_fixture_is_ready_with_advisories() {
    let results = evaluate(&fixture("ready-3.18"));
    assert_eq!(Verdict::of(&results), Verdict::Ready);
    assert_eq!(status(&results, "VersionUpgradePath", ""), Status::Pass);
    for cluster in ["global", "prod-1", "eks-1"] {
        assert_eq!(
            status(&results, "KubernetesVersionSupported", cluster),
            Status::Pass
        );
        assert_eq!(
            status(&results, "DeprecatedCostPluginsAbsent", cluster),
            Status::Pass
        );
        assert_eq!(
            status(&results, "KubernetesUpgradeRestartsPods", cluster),
            Status::Warn
        );
    }
    for (rule, subject, expected) in [
        ("IstioVersionSupported", "prod-1", Status::Pass),
        ("IstioVersionSupported", "global", Status::Skipped),
        ("ElasticsearchNodeRolesFixed", "global", Status::Pass),
        ("ElasticsearchNodeRolesFixed", "prod-1", Status::Skipped),
        ("ElasticsearchNodeRolesFixed", "eks-1", Status::Skipped),
        ("ManagedClusterKubernetesByProvider", "eks-1", Status::Info),
        ("ManagedClusterKubernetesByProvider", "prod-1", Status::Pass),
        // Probed on this node; the others from node-exporter.
        ("MinioDiskSpace", "192.168.130.11", Status::Pass),
        ("MinioDiskSpace", "192.168.130.12", Status::Pass),
        ("MinioDiskSpace", "192.168.130.13", Status::Pass),
        ("PackageExtractionDiskSpace", "/root/upgrade", Status::Pass),
    ] {
        assert_eq!(
            status(&results, rule, subject),
            expected,
            "{rule} on {subject}"
        );
    }
}

#[test]
fn not_ready_fixture_fails_every_blocker_on_the_right_subject() {
    let results = evaluate(&fixture("not-ready-3.18"));
    assert_eq!(Verdict::of(&results), Verdict::NotReady);
    for (rule, subject, expected) in [
        ("KubernetesVersionSupported", "global", Status::Fail),
        ("KubernetesVersionSupported", "prod-1", Status::Fail),
        ("KubernetesVersionSupported", "edge-1", Status::Pass),
        ("IstioVersionSupported", "prod-1", Status::Fail),
        ("IstioVersionSupported", "edge-1", Status::Fail),
        ("DeprecatedCostPluginsAbsent", "global", Status::Fail),
        ("DeprecatedCostPluginsAbsent", "prod-1", Status::Fail),
        ("DeprecatedCostPluginsAbsent", "edge-1", Status::Pass),
    ] {
        assert_eq!(
            status(&results, rule, subject),
            expected,
            "{rule} on {subject}"
        );
    }
    assert!(message(&results, "DeprecatedCostPluginsAbsent", "prod-1").contains("Kubecost"));
    assert!(
        !message(&results, "DeprecatedCostPluginsAbsent", "prod-1").contains("Cost Management")
    );
    for (rule, subject, expected) in [
        ("ElasticsearchNodeRolesFixed", "global", Status::Fail),
        // Probed on this node: 119.9 GiB.
        ("MinioDiskSpace", "10.16.0.11", Status::Fail),
        // node-exporter: 100 GiB.
        ("MinioDiskSpace", "10.16.0.12", Status::Fail),
        // Neither probed nor in node-exporter's answer: unknown, which is a warning.
        ("MinioDiskSpace", "10.16.0.13", Status::Warn),
        ("PackageExtractionDiskSpace", "/data/upgrade", Status::Fail),
    ] {
        assert_eq!(
            status(&results, rule, subject),
            expected,
            "{rule} on {subject}"
        );
    }
}

#[test]
fn unsupported_source_version_fails_the_path_and_skips_version_gates() {
    let results = evaluate(&fixture("unsupported-3.16"));
    assert_eq!(status(&results, "VersionUpgradePath", ""), Status::Fail);
    assert_eq!(
        status(&results, "KubernetesVersionSupported", "global"),
        Status::Skipped
    );
    assert_eq!(Verdict::of(&results), Verdict::NotReady);
}

#[test]
fn incomplete_fixture_reports_errors_not_passes() {
    let results = evaluate(&fixture("incomplete"));
    assert_eq!(Verdict::of(&results), Verdict::Incomplete);
    for cluster in ["global", "prod-1"] {
        assert_eq!(
            status(&results, "DeprecatedCostPluginsAbsent", cluster),
            Status::Error
        );
        assert!(message(&results, "DeprecatedCostPluginsAbsent", cluster).contains("forbidden"));
        // Facts that do not depend on the forbidden read are still evaluated.
        assert_eq!(
            status(&results, "KubernetesVersionSupported", cluster),
            Status::Pass
        );
    }
    for (rule, subject, expected) in [
        ("IstioVersionSupported", "prod-1", Status::Error),
        ("IstioVersionSupported", "global", Status::Skipped),
        // Measured on no control-plane node: each is an error, not a warning.
        ("MinioDiskSpace", "192.168.50.11", Status::Error),
        ("MinioDiskSpace", "192.168.50.12", Status::Error),
        ("MinioDiskSpace", "192.168.50.13", Status::Error),
    ] {
        assert_eq!(
            status(&results, rule, subject),
            expected,
            "{rule} on {subject}"
        );
    }
}

#[test]
fn kubernetes_threshold_from_3_18_is_1_30() {
    for (version, expected) in [
        ("v1.29.9", Status::Fail),
        ("v1.30.0", Status::Pass),
        ("v1.30.2-eks-1552ad0", Status::Pass),
        ("v1.29.15-eks-036c24b", Status::Fail),
        ("v1.30.4+k3s1", Status::Pass),
    ] {
        let mut snapshot = fixture("ready-3.18");
        set_running_kubernetes(&mut snapshot, "prod-1", version);
        let results = evaluate(&snapshot);
        assert_eq!(
            status(&results, "KubernetesVersionSupported", "prod-1"),
            expected,
            "{version}"
        );
    }
}

#[test]
fn kubernetes_threshold_depends_on_the_source_version() {
    for (platform, kubernetes, expected) in [
        ("4.0.3", "v1.30.9", Status::Fail),
        ("4.0.3", "v1.31.0", Status::Pass),
        ("v4.1.0", "v1.31.9", Status::Fail),
        ("v4.1.0", "v1.32.1", Status::Pass),
    ] {
        let mut snapshot = fixture("ready-3.18");
        set_platform_version(&mut snapshot, platform);
        set_running_kubernetes(&mut snapshot, "prod-1", kubernetes);
        let results = evaluate(&snapshot);
        assert_eq!(
            status(&results, "KubernetesVersionSupported", "prod-1"),
            expected,
            "{platform} with {kubernetes}"
        );
    }
}

#[test]
fn unparsable_versions_are_errors_not_passes() {
    let mut snapshot = fixture("ready-3.18");
    set_running_kubernetes(&mut snapshot, "prod-1", "latest");
    let results = evaluate(&snapshot);
    assert_eq!(
        status(&results, "KubernetesVersionSupported", "prod-1"),
        Status::Error
    );
    assert!(
        message(&results, "KubernetesVersionSupported", "prod-1")
            .contains("`latest` is not a version")
    );

    let mut snapshot = fixture("ready-3.18");
    set_platform_version(&mut snapshot, "four");
    let results = evaluate(&snapshot);
    assert_eq!(status(&results, "VersionUpgradePath", ""), Status::Error);
    assert_eq!(Verdict::of(&results), Verdict::Incomplete);
}

#[test]
fn version_upgrade_path_accepts_3_18_4_0_and_4_1_patches_only() {
    for (version, expected) in [
        ("v3.16.2", Status::Fail),
        ("v3.18.0", Status::Pass),
        ("3.18.2", Status::Pass),
        ("v4.0.4", Status::Pass),
        ("4.1.2", Status::Pass),
        ("v4.2.0", Status::Fail),
    ] {
        let mut snapshot = fixture("ready-3.18");
        set_platform_version(&mut snapshot, version);
        let results = evaluate(&snapshot);
        assert_eq!(
            status(&results, "VersionUpgradePath", ""),
            expected,
            "{version}"
        );
    }
}

/// Sets node-exporter's free space of `mountpoint` on the node at `instance` in the global
/// cluster's Prometheus answer.
fn set_metrics_free(snapshot: &mut Snapshot, instance: &str, mountpoint: &str, free: u64) {
    let answer = &mut items_mut(snapshot, "global", "node-filesystem-metrics")[0];
    let series = answer["data"]["result"]
        .as_array_mut()
        .expect("series")
        .iter_mut()
        .find(|s| {
            s["metric"]["instance"] == format!("{instance}:9100")
                && s["metric"]["mountpoint"] == mountpoint
        })
        .expect("series of the node");
    series["value"][1] = free.to_string().into();
}

#[test]
fn minio_threshold_is_120_gib_from_the_probe_and_from_node_exporter() {
    for (free, expected) in [
        (120 * GIB - 100 * (1 << 20), Status::Fail), // shows as 119.9 GiB
        (120 * GIB - 1, Status::Fail),
        (120 * GIB, Status::Pass),
    ] {
        let mut snapshot = fixture("ready-3.18");
        snapshot.host = Some(host_with_minio_free(free));
        set_metrics_free(&mut snapshot, "192.168.130.12", "/host/root/cpaas", free);
        let results = evaluate(&snapshot);
        for node in ["192.168.130.11", "192.168.130.12"] {
            assert_eq!(
                status(&results, "MinioDiskSpace", node),
                expected,
                "{free} on {node}"
            );
        }
        assert_eq!(
            status(&results, "MinioDiskSpace", "192.168.130.13"),
            Status::Pass
        );
    }
    let mut snapshot = fixture("ready-3.18");
    snapshot.host = Some(host_with_minio_free(120 * GIB - 100 * (1 << 20)));
    let results = evaluate(&snapshot);
    let minio = results
        .iter()
        .find(|r| r.rule == "MinioDiskSpace")
        .expect("result");
    assert!(
        minio.message.contains("119.9 GiB (128.7 GB)")
            && minio.message.contains("statvfs on acp-global-m01"),
        "{}",
        minio.message
    );
}

#[test]
fn each_control_plane_node_is_measured_by_the_best_source_it_has() {
    let node_exporter = "node-exporter, through Prometheus";
    // (host facts, metrics read, expected status and words of each node's result)
    type Case = (
        Option<HostFacts>,
        Option<ReadOutcome>,
        [(Status, &'static str); 3],
    );
    let absent = ReadOutcome::Absent {
        reason: "services \"prometheus-operated\" not found".to_string(),
    };
    let mut elsewhere = host_with_minio_free(500 * GIB);
    elsewhere.hostname = "workstation".to_string();
    elsewhere.addresses = vec!["10.1.1.1".to_string()];
    let cases: Vec<Case> = vec![
        // The probe wins over node-exporter on its node; node-exporter covers the others.
        (
            Some(host_with_minio_free(200 * GIB)),
            None,
            [
                (Status::Pass, "statvfs on acp-global-m01"),
                (Status::Pass, node_exporter),
                (Status::Pass, node_exporter),
            ],
        ),
        // No Prometheus: the probed node passes, the others are unknown (warnings naming them).
        (
            Some(host_with_minio_free(200 * GIB)),
            Some(absent.clone()),
            [
                (Status::Pass, "statvfs on acp-global-m01"),
                (
                    Status::Warn,
                    "192.168.130.12 is unknown (not probed on the node; no Prometheus Service",
                ),
                (Status::Warn, "acp-preflight host -o 192.168.130.13.json"),
            ],
        ),
        // A probe made on no control-plane node measures none of them: nothing is measured.
        (
            Some(elsewhere),
            Some(absent.clone()),
            [
                (Status::Error, "measured on none of the 3 global"),
                (
                    Status::Error,
                    "only on workstation, which is no global control-plane node",
                ),
                (Status::Error, "--skip-host"),
            ],
        ),
        // No host facts at all: node-exporter alone is enough.
        (
            None,
            None,
            [
                (Status::Pass, node_exporter),
                (Status::Pass, node_exporter),
                (Status::Pass, node_exporter),
            ],
        ),
    ];
    for (i, (host, metrics, expected)) in cases.into_iter().enumerate() {
        let mut snapshot = fixture("ready-3.18");
        snapshot.host = host;
        if let Some(metrics) = metrics {
            record_mut(&mut snapshot, "global")
                .reads
                .insert("node-filesystem-metrics".to_string(), metrics);
        }
        let results = evaluate(&snapshot);
        for (node, (status, words)) in ["192.168.130.11", "192.168.130.12", "192.168.130.13"]
            .iter()
            .zip(expected)
        {
            let result = results
                .iter()
                .find(|r| {
                    r.rule == "MinioDiskSpace"
                        && r.subject.get("node").map(String::as_str) == Some(*node)
                })
                .unwrap_or_else(|| panic!("case {i}: no result for {node}"));
            assert_eq!(
                result.status, status,
                "case {i}, {node}: {}",
                result.message
            );
            assert!(
                result.message.contains(words),
                "case {i}, {node}: {}",
                result.message
            );
        }
    }
}

#[test]
fn istio_needs_one_revision_of_at_least_1_22() {
    let istiod = |name: &str, tag: &str| {
        serde_json::json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "istio-system"},
            "spec": {"template": {"spec": {"containers": [{"name": "discovery", "image": format!("registry/asm/pilot:{tag}")}]}}}
        })
    };
    for (deployments, expected) in [
        (vec![istiod("istiod-1-22", "1.22.0")], Status::Pass),
        (vec![istiod("istiod-1-24", "1.24.1")], Status::Pass),
        (vec![istiod("istiod-1-21", "1.21.9")], Status::Fail),
        (
            vec![
                istiod("istiod-1-22", "1.22.4"),
                istiod("istiod-1-24", "1.24.1"),
            ],
            Status::Fail,
        ),
        (vec![], Status::Skipped),
    ] {
        let mut snapshot = fixture("ready-3.18");
        *items_mut(&mut snapshot, "prod-1", "istio-deployments") = deployments.clone();
        let results = evaluate(&snapshot);
        assert_eq!(
            status(&results, "IstioVersionSupported", "prod-1"),
            expected,
            "{deployments:?}"
        );
    }
}

#[test]
fn cost_management_is_not_mistaken_for_the_deprecated_plugins() {
    let plugin = |module: &str, display: &str| {
        serde_json::json!({
            "apiVersion": "cluster.alauda.io/v1alpha1", "kind": "ModuleInfo",
            "metadata": {"name": format!("prod-1-{module}"),
                "labels": {"cpaas.io/cluster-name": "prod-1", "cpaas.io/module-name": module},
                "annotations": {"cpaas.io/module-name": format!("{{\"en\": \"{display}\"}}")}},
            "status": {"version": "v4.1.0", "phase": "Running"}
        })
    };
    for (module, display, expected) in [
        (
            "cost-management-server",
            "Alauda Container Platform Cost Management Server",
            Status::Pass,
        ),
        (
            "cost-management-agent",
            "Alauda Container Platform Cost Management Agent",
            Status::Pass,
        ),
        ("kubecost", "Kubecost", Status::Fail),
        ("kube-cost-agent", "Kube Cost Agent", Status::Fail),
        ("costmanager", "CostManager", Status::Fail),
        ("cm", "CostManager", Status::Fail),
    ] {
        let mut snapshot = fixture("ready-3.18");
        items_mut(&mut snapshot, "global", "moduleinfoes").push(plugin(module, display));
        let results = evaluate(&snapshot);
        assert_eq!(
            status(&results, "DeprecatedCostPluginsAbsent", "prod-1"),
            expected,
            "{module}"
        );
    }
}

#[test]
fn elasticsearch_legacy_roles_fail_only_at_big_scale() {
    // Legacy role env on the global cluster's big-scale StatefulSets fails.
    let mut snapshot = fixture("ready-3.18");
    for item in items_mut(&mut snapshot, "global", "cpaas-statefulsets") {
        if let Some(containers) = item.pointer_mut("/spec/template/spec/containers") {
            for container in containers.as_array_mut().into_iter().flatten() {
                if let Some(env) = container.get_mut("env").and_then(|e| e.as_array_mut()) {
                    env.push(serde_json::json!({"name": "node.data", "value": "true"}));
                }
            }
        }
    }
    let results = evaluate(&snapshot);
    assert_eq!(
        status(&results, "ElasticsearchNodeRolesFixed", "global"),
        Status::Fail
    );
    // Without the master StatefulSet and with a normal-scale config, the rule is skipped with why.
    let mut snapshot = fixture("ready-3.18");
    items_mut(&mut snapshot, "global", "cpaas-statefulsets")
        .retain(|s| s["metadata"]["name"] != "cpaas-elasticsearch-master");
    for item in items_mut(&mut snapshot, "global", "moduleinfoes") {
        if let Some(scale) = item.pointer_mut("/spec/config/components/elasticsearch/type") {
            *scale = "normal".into();
        }
    }
    let results = evaluate(&snapshot);
    assert_eq!(
        status(&results, "ElasticsearchNodeRolesFixed", "global"),
        Status::Skipped
    );
    assert!(message(&results, "ElasticsearchNodeRolesFixed", "global").contains("normal scale"));
}

#[test]
fn host_rules_are_errors_saying_what_to_give_when_no_host_was_probed() {
    let mut snapshot = fixture("ready-3.18");
    snapshot.host = None;
    record_mut(&mut snapshot, "global")
        .reads
        .remove("node-filesystem-metrics");
    let results = evaluate(&snapshot);
    for (rule, results_expected, words) in [
        ("MinioDiskSpace", 3, "measured on none"),
        ("PackageExtractionDiskSpace", 1, "no host facts"),
    ] {
        let found: Vec<_> = results.iter().filter(|r| r.rule == rule).collect();
        assert_eq!(found.len(), results_expected, "{rule}");
        for result in found {
            assert_eq!(result.status, Status::Error, "{rule}");
            assert!(
                result.message.contains(words) && result.message.contains("--skip-host"),
                "{}",
                result.message
            );
        }
    }
    assert_eq!(Verdict::of(&results), Verdict::Incomplete);
}

fn extraction_host(package_dev: u64, extract_dev: u64, free: u64, package_size: u64) -> HostFacts {
    let fs = |device_id: u64, shared_with: Vec<String>| FilesystemFacts {
        device_id,
        mount_point: Some(format!("/mnt/{device_id}")),
        fs_type: Some("ext4".to_string()),
        total_bytes: 1000 * GIB,
        free_bytes: free,
        shared_with,
    };
    let same = package_dev == extract_dev;
    let shared = |role: &str| if same { vec![role.to_string()] } else { vec![] };
    HostFacts {
        hostname: "cp-1".to_string(),
        addresses: Vec::new(),
        paths: vec![
            PathProbe {
                host: None,
                addresses: Vec::new(),
                role: "package_dir".to_string(),
                path: "/root".to_string(),
                filesystem: Some(fs(package_dev, shared("extract_dir"))),
                error: None,
            },
            PathProbe {
                host: None,
                addresses: Vec::new(),
                role: "extract_dir".to_string(),
                path: "/data/upgrade".to_string(),
                filesystem: Some(fs(extract_dev, shared("package_dir"))),
                error: None,
            },
        ],
        package: Some(checker_core::host::PackageProbe {
            path: "/root/cpaas.tgz".to_string(),
            size_bytes: Some(package_size),
            error: None,
        }),
        disks: vec![],
        network: Default::default(),
    }
}

#[test]
fn extraction_on_one_filesystem_needs_250_gib() {
    for (free, expected) in [(250 * GIB - 1, Status::Fail), (250 * GIB, Status::Pass)] {
        let mut snapshot = fixture("ready-3.18");
        snapshot.host = Some(extraction_host(3, 3, free, 60 * GIB));
        let results = evaluate(&snapshot);
        let extraction: Vec<_> = results
            .iter()
            .filter(|r| r.rule == "PackageExtractionDiskSpace")
            .collect();
        assert_eq!(
            extraction.len(),
            1,
            "one result for the shared filesystem: {extraction:#?}"
        );
        assert_eq!(extraction[0].status, expected, "{free}");
    }
}

#[test]
fn extraction_on_separate_filesystems_checks_each() {
    let mut snapshot = fixture("ready-3.18");
    snapshot.host = Some(extraction_host(3, 4, 100 * GIB, 60 * GIB));
    let results = evaluate(&snapshot);
    assert_eq!(
        status(&results, "PackageExtractionDiskSpace", "/root"),
        Status::Pass
    );
    assert_eq!(
        status(&results, "PackageExtractionDiskSpace", "/data/upgrade"),
        Status::Pass
    );
    assert!(
        results
            .iter()
            .any(|r| r.message.contains("on its own filesystem"))
    );

    let mut snapshot = fixture("ready-3.18");
    snapshot.host = Some(extraction_host(3, 4, 50 * GIB, 60 * GIB));
    let results = evaluate(&snapshot);
    assert_eq!(
        status(&results, "PackageExtractionDiskSpace", "/data/upgrade"),
        Status::Fail
    );
}

#[test]
fn a_context_that_is_not_the_global_cluster_is_an_error_not_an_empty_platform() {
    let mut snapshot = fixture("ready-3.18");
    for read in ["clusters", "productbases"] {
        snapshot.clusters[0].reads.insert(
            read.to_string(),
            ReadOutcome::Absent {
                reason: "not in API discovery".to_string(),
            },
        );
    }
    let results = evaluate(&snapshot);
    assert_eq!(Verdict::of(&results), Verdict::Incomplete);
    let kube: Vec<_> = results
        .iter()
        .filter(|r| r.rule == "KubernetesVersionSupported")
        .collect();
    assert_eq!(kube.len(), 1);
    assert_eq!(kube[0].status, Status::Error);
    assert!(
        kube[0].message.contains("the ACP global cluster"),
        "{}",
        kube[0].message
    );
    assert_eq!(status(&results, "VersionUpgradePath", ""), Status::Error);
}

#[test]
fn a_list_with_items_that_are_not_objects_is_an_error_not_a_partial_answer() {
    // Planted failures would otherwise turn into pass or skipped: the deprecated plugin is
    // among the list, next to an item that is not an object.
    let cases: &[(&str, &str, &str, serde_json::Value)] = &[
        (
            "global",
            "moduleinfoes",
            "DeprecatedCostPluginsAbsent",
            serde_json::json!("oops"),
        ),
        (
            "prod-1",
            "istio-deployments",
            "IstioVersionSupported",
            serde_json::json!({"kind": "Deployment"}),
        ),
        (
            "global",
            "clusters",
            "KubernetesVersionSupported",
            serde_json::json!(42),
        ),
    ];
    for (cluster, read, rule, bad) in cases {
        let mut snapshot = fixture("not-ready-3.18");
        items_mut(&mut snapshot, cluster, read).push(bad.clone());
        let results = evaluate(&snapshot);
        let mine: Vec<&RuleResult> = results.iter().filter(|r| r.rule == *rule).collect();
        assert!(
            mine.iter().all(|r| r.status != Status::Pass),
            "{read}: {mine:#?}"
        );
        assert!(
            mine.iter().any(|r| r.status == Status::Error && r.message.contains("not a Kubernetes object")),
            "{read}: {mine:#?}"
        );
    }
}

#[test]
fn the_elasticsearch_fix_counts_only_once_rolled_out() {
    let cases: &[(&str, serde_json::Value, Status)] = &[
        (
            "/status/updatedReplicas",
            serde_json::json!(3),
            Status::Pass,
        ),
        (
            "/status/updatedReplicas",
            serde_json::json!(2),
            Status::Fail,
        ),
        ("/status/readyReplicas", serde_json::json!(1), Status::Fail),
        (
            "/status/observedGeneration",
            serde_json::json!(1),
            Status::Fail,
        ),
        (
            "/status/updateRevision",
            serde_json::json!("cpaas-elasticsearch-next"),
            Status::Fail,
        ),
    ];
    for (pointer, value, expected) in cases {
        let mut snapshot = fixture("ready-3.18");
        let items = items_mut(&mut snapshot, "global", "cpaas-statefulsets");
        let data = items
            .iter_mut()
            .find(|i| i["metadata"]["name"] == "cpaas-elasticsearch")
            .expect("data StatefulSet");
        *data.pointer_mut(pointer).expect("field") = value.clone();
        let results = evaluate(&snapshot);
        assert_eq!(
            status(&results, "ElasticsearchNodeRolesFixed", "global"),
            *expected,
            "{pointer} = {value}"
        );
        if *expected == Status::Fail {
            let text = message(&results, "ElasticsearchNodeRolesFixed", "global");
            assert!(text.contains("not rolled out yet"), "{text}");
        }
    }
}

#[test]
fn an_upgrade_in_progress_is_not_an_upgradable_platform() {
    let cases: &[(&str, serde_json::Value, Status)] = &[
        ("/spec/version", serde_json::json!("v3.18.2"), Status::Pass),
        ("/spec/version", serde_json::json!("v4.0.1"), Status::Fail),
        (
            "/status/phase",
            serde_json::json!("Upgrading"),
            Status::Fail,
        ),
        ("/status/phase", serde_json::json!("Running"), Status::Pass),
    ];
    for (pointer, value, expected) in cases {
        let mut snapshot = fixture("ready-3.18");
        let items = items_mut(&mut snapshot, "global", "productbases");
        *items[0].pointer_mut(pointer).expect("field") = value.clone();
        let results = evaluate(&snapshot);
        assert_eq!(
            status(&results, "VersionUpgradePath", ""),
            *expected,
            "{pointer} = {value}"
        );
        if *expected == Status::Fail {
            let text = &results
                .iter()
                .find(|r| r.rule == "VersionUpgradePath")
                .expect("result")
                .message;
            assert!(text.contains("in progress"), "{text}");
        }
    }
}

#[test]
fn a_desired_kubernetes_version_is_never_taken_for_the_running_one() {
    let mut snapshot = fixture("ready-3.18");
    let prod = cluster_object_mut(&mut snapshot, "prod-1");
    prod["status"]
        .as_object_mut()
        .expect("status")
        .remove("version");
    prod["spec"]["version"] = "1.32.0".into();
    // A snapshot in which the cluster's own version was not read.
    let record = record_mut(&mut snapshot, "prod-1");
    record.reads.remove("nodes");
    record.reads.remove("version");
    let results = evaluate(&snapshot);
    assert_eq!(
        status(&results, "KubernetesVersionSupported", "prod-1"),
        Status::Error
    );
    assert!(message(&results, "KubernetesVersionSupported", "prod-1").contains("no version"));
}

#[test]
fn the_kubernetes_version_is_what_the_cluster_runs() {
    // (record, API server, kubelets) → status, and what the message must say.
    type Case<'a> = (&'a str, Option<&'a str>, &'a [&'a str], Status, &'a str);
    let cases: &[Case] = &[
        // The platform's record says 1.30, but one node still runs 1.29.
        (
            "v1.30.4",
            Some("v1.30.4"),
            &["v1.30.4", "v1.29.9"],
            Status::Fail,
            "Kubernetes v1.29.9 (the API server runs v1.30.4, the lowest kubelet is v1.29.9 on node n-1",
        ),
        // The record lags behind: the cluster was upgraded.
        (
            "v1.29.9",
            Some("v1.30.4"),
            &["v1.30.4"],
            Status::Pass,
            "the platform records v1.29.9",
        ),
        // The API server is older than every kubelet (a half-done upgrade).
        (
            "v1.30.4",
            Some("v1.29.9"),
            &["v1.30.4"],
            Status::Fail,
            "the API server runs v1.29.9",
        ),
        // `/version` not proxied: the kubelets tell.
        (
            "v1.30.4",
            None,
            &["v1.30.1"],
            Status::Pass,
            "Kubernetes v1.30.1 is within",
        ),
    ];
    for (record, api, kubelets, expected, says) in cases {
        let mut snapshot = fixture("ready-3.18");
        set_cluster_field(&mut snapshot, "prod-1", "/status/version", (*record).into());
        let nodes = items_mut(&mut snapshot, "prod-1", "nodes");
        let template = nodes[0].clone();
        *nodes = kubelets
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let mut node = template.clone();
                node["metadata"]["name"] = format!("n-{i}").into();
                node["status"]["nodeInfo"]["kubeletVersion"] = (*v).into();
                node
            })
            .collect();
        let version = match api {
            Some(v) => ReadOutcome::Ok {
                items: vec![serde_json::json!({"gitVersion": v})],
            },
            None => ReadOutcome::Absent {
                reason: "/version is not served (404)".to_string(),
            },
        };
        record_mut(&mut snapshot, "prod-1")
            .reads
            .insert("version".to_string(), version);
        let results = evaluate(&snapshot);
        let case = format!("{record:?} {api:?} {kubelets:?}");
        assert_eq!(
            status(&results, "KubernetesVersionSupported", "prod-1"),
            *expected,
            "{case}"
        );
        let text = message(&results, "KubernetesVersionSupported", "prod-1");
        assert!(text.contains(says), "{case}: {text}");
    }
}

#[test]
fn clusters_come_from_both_lists_and_an_unreadable_list_is_an_error() {
    let snapshot = fixture("dump-4.0-patch");
    let facts = Facts::derive(&snapshot);
    let clusters = facts.clusters.known().expect("clusters");
    let found_in = |name: &str| -> Vec<String> {
        clusters
            .iter()
            .find(|c| c.base.name == name)
            .unwrap_or_else(|| panic!("{name} in the inventory"))
            .base
            .found_in
            .clone()
    };
    assert_eq!(found_in("dcs-1"), ["cluster_api"]);
    assert_eq!(found_in("aks-1"), ["tkestack", "cluster_api"]);
    assert_eq!(found_in("prod-2"), ["tkestack"]);
    let results = evaluate(&snapshot);
    assert_eq!(
        status(&results, "KubernetesVersionSupported", "dcs-1"),
        Status::Pass
    );

    // Without the Cluster API list, a cluster only it names could be missed: no cluster check
    // passes.
    let mut snapshot = fixture("dump-4.0-patch");
    snapshot.clusters[0].reads.insert(
        "capi-clusters".to_string(),
        ReadOutcome::Error(checker_core::snapshot::ReadError::new(
            checker_core::snapshot::ReadErrorKind::Forbidden,
            "clusters.cluster.x-k8s.io is forbidden",
        )),
    );
    // The rules whose subjects are clusters, as the readable snapshot shows them.
    let cluster_rules: Vec<String> = evaluate(&fixture("dump-4.0-patch"))
        .into_iter()
        .filter(|r| r.subject.contains_key("cluster"))
        .map(|r| r.rule)
        .collect();
    let results = evaluate(&snapshot);
    let cluster_results: Vec<&RuleResult> = results
        .iter()
        .filter(|r| cluster_rules.contains(&r.rule))
        .collect();
    assert!(!cluster_results.is_empty());
    for result in cluster_results {
        assert_eq!(result.status, Status::Error, "{result:?}");
    }
}

#[test]
fn platform_health_checks_on_both_sides() {
    let ready = evaluate(&fixture("ready-3.18"));
    let unhealthy = evaluate(&fixture("unhealthy-3.18"));
    // (rule, subject, status on the unhealthy platform); each passes on the ready one.
    let cases = [
        ("ClusterRunning", "eks-1", Status::Fail),
        ("ClusterRunning", "prod-1", Status::Pass),
        ("ModuleInfoStable", "prod-1", Status::Fail),
        ("ModuleInfoStable", "global", Status::Pass),
        ("DockerRuntimeUnsupported", "prod-1", Status::Fail),
        ("DockerRuntimeUnsupported", "global", Status::Pass),
        ("CustomEtcdBackupCronJobsAbsent", "global", Status::Fail),
        ("CustomEtcdBackupCronJobsAbsent", "prod-1", Status::Pass),
        ("ResourcePatchUpgradeable", "global", Status::Warn),
        ("ResourcePatchUpgradeable", "eks-1", Status::Pass),
    ];
    for (rule, subject, expected) in cases {
        assert_eq!(
            status(&ready, rule, subject),
            Status::Pass,
            "{rule} {subject}"
        );
        assert_eq!(
            status(&unhealthy, rule, subject),
            expected,
            "{rule} {subject}"
        );
    }
    let text = message(&unhealthy, "CustomEtcdBackupCronJobsAbsent", "global");
    assert!(text.contains("etcd-backup-daily-s3"), "{text}");
    assert!(
        !text.contains("etcd-backup-default") && !text.contains("log-index"),
        "{text}"
    );
    let text = message(&unhealthy, "ResourcePatchUpgradeable", "global");
    assert!(
        text.contains("alb-nginx-worker-connections") && text.contains("Prometheus"),
        "{text}"
    );

    // A cluster whose phase is not recorded cannot be said to run.
    let mut snapshot = fixture("ready-3.18");
    cluster_object_mut(&mut snapshot, "prod-1")["status"]
        .as_object_mut()
        .expect("status")
        .remove("phase");
    let results = evaluate(&snapshot);
    assert_eq!(status(&results, "ClusterRunning", "prod-1"), Status::Error);
    // A cluster only Cluster API lists runs when Provisioned.
    let results = evaluate(&fixture("dump-4.0-patch"));
    assert_eq!(status(&results, "ClusterRunning", "dcs-1"), Status::Pass);
}

#[test]
fn workload_advisories_list_instances_by_cluster_namespace_and_name() {
    let results = evaluate(&fixture("dump-4.0-patch"));
    let cases = [
        (
            "PostgresInstancesRestart",
            "prod-2",
            Status::Warn,
            "billing/billing-pg, crm/crm-db",
        ),
        (
            "DataServiceAutoUpgradeRestarts",
            "prod-2",
            Status::Warn,
            "Redis billing/billing-cache, Kafka streaming/events",
        ),
        (
            "DataServicesExtensionsUpgrade",
            "prod-2",
            Status::Warn,
            "PostgreSQL, Redis, Kafka, RabbitMQ",
        ),
        (
            "OperatorsManagedByOLM",
            "prod-2",
            Status::Info,
            "strimzi-kafka-operator (operators, source community)",
        ),
        (
            "PostgresInstancesRestart",
            "aks-1",
            Status::Skipped,
            "no PostgreSQL instance",
        ),
        (
            "DataServicesExtensionsUpgrade",
            "global",
            Status::Skipped,
            "no Data Services kind",
        ),
    ];
    for (rule, cluster, expected, says) in cases {
        assert_eq!(
            status(&results, rule, cluster),
            expected,
            "{rule} {cluster}"
        );
        let text = message(&results, rule, cluster);
        assert!(text.contains(says), "{rule} {cluster}: {text}");
    }
    // The instance with the manual strategy and the platform's own operator are not listed.
    assert!(
        !message(&results, "DataServiceAutoUpgradeRestarts", "prod-2").contains("crm-sessions")
    );
    assert!(!message(&results, "OperatorsManagedByOLM", "prod-2").contains("rds-operator"));
}

/// DREtcdSyncConsistent over the monitor's answers on the standby of `dr-3.18`: surplus keys
/// block, missed keys only warn, and an answer that is absent, unreadable or not understood is
/// never a pass.
#[test]
fn etcd_sync_consistency_from_the_monitor_answer() {
    use checker_core::snapshot::{ReadError, ReadErrorKind};
    let text = |t: &str| ReadOutcome::Ok {
        items: vec![checker_core::reads::Read::text_item(t)],
    };
    let cases: Vec<(&str, ReadOutcome, Status, &str)> = vec![
        (
            "in sync",
            text("LOCAL ETCD missed keys:\nLOCAL ETCD surplus keys:\n"),
            Status::Pass,
            "no missed and no surplus keys",
        ),
        (
            "missed only",
            text("LOCAL ETCD missed keys:\n/registry/a\nLOCAL ETCD surplus keys:\n"),
            Status::Warn,
            "misses 1 key(s) of the primary: /registry/a",
        ),
        (
            "surplus only",
            text("LOCAL ETCD missed keys:\nLOCAL ETCD surplus keys:\n/registry/b\n"),
            Status::Fail,
            "1 surplus key(s) the primary does not: /registry/b",
        ),
        (
            "no monitor Service",
            ReadOutcome::Absent {
                reason: "not served (404)".to_string(),
            },
            Status::Error,
            "etcd-sync-monitor",
        ),
        (
            "no endpoints",
            ReadOutcome::Error(ReadError::new(
                ReadErrorKind::ServerError,
                "no endpoints available for service \"etcd-sync-monitor\"",
            )),
            Status::Error,
            "no endpoints available",
        ),
        (
            "not the monitor's answer",
            text("<html>502 Bad Gateway</html>"),
            Status::Error,
            "has neither `LOCAL ETCD missed keys:`",
        ),
    ];
    for (case, outcome, expected, words) in cases {
        let mut snapshot = fixture("dr-3.18");
        let standby = snapshot.standby.as_mut().expect("dr-3.18 has a standby");
        standby.reads.insert("etcd-sync-check".to_string(), outcome);
        let results = evaluate(&snapshot);
        assert_eq!(
            status(&results, "DREtcdSyncConsistent", ""),
            expected,
            "{case}"
        );
        let result = results
            .iter()
            .find(|r| r.rule == "DREtcdSyncConsistent")
            .expect("result");
        assert!(result.message.contains(words), "{case}: {}", result.message);
        // The other DR rules do not depend on the monitor.
        assert_eq!(
            status(&results, "DRMachinesRunning", ""),
            Status::Fail,
            "{case}"
        );
    }
    // Without a standby the rule does not apply.
    assert_eq!(
        status(
            &evaluate(&fixture("ready-3.18")),
            "DREtcdSyncConsistent",
            ""
        ),
        Status::Skipped
    );
}

/// The `dr-3.18` pair with the network as the checking host saw it.
fn dr_with_network(network: checker_core::host::NetworkFacts) -> Snapshot {
    let mut snapshot = fixture("dr-3.18");
    snapshot
        .host
        .as_mut()
        .expect("dr-3.18 has host facts")
        .network = network;
    snapshot
}

fn tcp(endpoint: &str, error: Option<&str>, from: Option<&str>) -> checker_core::host::TcpProbe {
    checker_core::host::TcpProbe {
        endpoint: endpoint.to_string(),
        host: from.map(str::to_string),
        connected: error.is_none(),
        error: error.map(str::to_string),
    }
}

fn dns(addresses: &[&str], error: Option<&str>) -> checker_core::host::DnsProbe {
    checker_core::host::DnsProbe {
        name: "acp.example.com".to_string(),
        host: None,
        addresses: addresses.iter().map(|a| a.to_string()).collect(),
        error: error.map(str::to_string),
    }
}

/// The result of a platform rule.
fn platform_result<'a>(results: &'a [RuleResult], rule: &str) -> &'a RuleResult {
    results
        .iter()
        .find(|r| r.rule == rule && r.subject.is_empty())
        .unwrap_or_else(|| panic!("no result of {rule}"))
}

/// Removes the VIP of the standby's own tkestack Cluster.
fn forget_standby_vip(snapshot: &mut Snapshot) {
    let standby = snapshot.standby.as_mut().expect("standby");
    let Some(ReadOutcome::Ok { items }) = standby.reads.get_mut("clusters") else {
        panic!("standby clusters");
    };
    let own = items
        .iter_mut()
        .find(|c| c["metadata"]["name"] == "global")
        .expect("the standby's global Cluster");
    own["spec"]["features"]["ha"]
        .as_object_mut()
        .expect("ha")
        .clear();
}

/// DREtcdPortReachable from the TCP connects in the host facts: both VIPs must answer on 2379;
/// a refused or timed-out connect fails naming the VIP, and a VIP that is unknown or was not
/// probed is an error saying what to give, never a pass.
#[test]
fn etcd_port_must_answer_on_both_vips() {
    const PRIMARY: &str = "192.168.130.10:2379";
    const STANDBY: &str = "192.168.131.10:2379";
    const REFUSED: Option<&str> = Some("Connection refused (os error 111)");
    let with = |tcp: Vec<checker_core::host::TcpProbe>| {
        dr_with_network(checker_core::host::NetworkFacts { tcp, dns: vec![] })
    };
    let no_host = {
        let mut snapshot = fixture("dr-3.18");
        snapshot.host = None;
        snapshot
    };
    let no_vip = {
        let mut snapshot = with(vec![tcp(PRIMARY, None, None)]);
        forget_standby_vip(&mut snapshot);
        snapshot
    };
    let cases: Vec<(&str, Snapshot, Status, &[&str])> = vec![
        (
            "both answer",
            with(vec![tcp(PRIMARY, None, None), tcp(STANDBY, None, None)]),
            Status::Pass,
            &[
                "192.168.130.10:2379",
                "192.168.131.10:2379",
                "from acp-global-m01",
            ],
        ),
        (
            "answers, tried from another node",
            with(vec![
                tcp(PRIMARY, None, Some("cp-2")),
                tcp(STANDBY, None, Some("cp-2")),
            ]),
            Status::Pass,
            &["tried from cp-2"],
        ),
        (
            "the standby refuses",
            with(vec![tcp(PRIMARY, None, None), tcp(STANDBY, REFUSED, None)]),
            Status::Fail,
            &[
                "on the standby's VIP 192.168.131.10:2379 (Connection refused",
                "forward TCP 2379",
            ],
        ),
        (
            "both time out",
            with(vec![
                tcp(PRIMARY, Some("timed out after 5s"), None),
                tcp(STANDBY, Some("timed out after 5s"), None),
            ]),
            Status::Fail,
            &["the primary's VIP 192.168.130.10:2379 (timed out after 5s) and on the standby's"],
        ),
        (
            "the standby not probed",
            with(vec![tcp(PRIMARY, None, None)]),
            Status::Error,
            &[
                "port 2379 of the standby global's VIP 192.168.131.10 was not probed",
                "acp-preflight host --tcp 192.168.130.10:2379 --tcp 192.168.131.10:2379 \
                 --resolve acp.example.com > network.json",
                "--host-facts network.json",
            ],
        ),
        (
            "no host facts",
            no_host,
            Status::Error,
            &["VIP 192.168.130.10 was not probed"],
        ),
        (
            "the standby's VIP unknown",
            no_vip,
            Status::Error,
            &["the standby global's VIP is not recorded"],
        ),
    ];
    assert_platform_cases("DREtcdPortReachable", cases);
    // Without a standby the rule does not apply.
    let results = evaluate(&fixture("ready-3.18"));
    assert_eq!(status(&results, "DREtcdPortReachable", ""), Status::Skipped);
}

/// Evaluates each case's snapshot: `rule`'s platform result has the expected status, and its
/// message holds each of the words.
fn assert_platform_cases(rule: &str, cases: Vec<(&str, Snapshot, Status, &[&str])>) {
    for (case, snapshot, expected, words) in cases {
        let results = evaluate(&snapshot);
        let result = platform_result(&results, rule);
        assert_eq!(result.status, expected, "{case}: {}", result.message);
        for word in words {
            assert!(result.message.contains(word), "{case}: {}", result.message);
        }
    }
}

/// DRPrimaryIdentified from the DNS answer in the host facts: the platform domain must resolve
/// to the VIP of the global given as primary; to the standby's, the pair is swapped; an answer
/// that was not made or failed is an error saying what to give.
#[test]
fn the_platform_domain_identifies_the_primary() {
    let with = |dns: Vec<checker_core::host::DnsProbe>| {
        dr_with_network(checker_core::host::NetworkFacts { tcp: vec![], dns })
    };
    let no_url = {
        let mut snapshot = with(vec![dns(&["192.168.130.10"], None)]);
        let base = &mut items_mut(&mut snapshot, "global", "productbases")[0];
        base["spec"]
            .as_object_mut()
            .expect("spec")
            .remove("platformURL");
        snapshot
    };
    let no_vip = {
        let mut snapshot = with(vec![dns(&["192.168.130.10"], None)]);
        forget_standby_vip(&mut snapshot);
        snapshot
    };
    let cases: Vec<(&str, Snapshot, Status, &[&str])> = vec![
        (
            "the primary",
            with(vec![dns(&["192.168.130.10"], None)]),
            Status::Pass,
            &[
                "acp.example.com resolves to 192.168.130.10, the VIP of the global given as primary",
                "primary global (VIP 192.168.130.10, ACP v3.18.2), standby (VIP 192.168.131.10, ACP v3.18.2)",
            ],
        ),
        (
            "the standby",
            with(vec![dns(&["192.168.131.10"], None)]),
            Status::Fail,
            &[
                "the clusters given as primary and standby are swapped",
                "the VIP of the global given as the standby",
            ],
        ),
        (
            "both",
            with(vec![dns(&["192.168.131.10", "192.168.130.10"], None)]),
            Status::Fail,
            &["resolves to both globals' VIPs"],
        ),
        (
            "neither",
            with(vec![dns(&["10.1.2.3"], None)]),
            Status::Fail,
            &["resolves to 10.1.2.3, the VIP of neither global"],
        ),
        (
            "no such name",
            with(vec![dns(&[], Some("Name or service not known"))]),
            Status::Error,
            &["acp.example.com does not resolve from acp-global-m01 (Name or service not known)"],
        ),
        (
            "not resolved",
            with(vec![]),
            Status::Error,
            &[
                "acp.example.com was not resolved",
                "--resolve acp.example.com > network.json",
            ],
        ),
        (
            "no platform URL",
            no_url,
            Status::Error,
            &["has no spec.platformURL"],
        ),
        (
            "the standby's VIP unknown",
            no_vip,
            Status::Error,
            &["the standby global's VIP is not recorded"],
        ),
    ];
    assert_platform_cases("DRPrimaryIdentified", cases);
    let results = evaluate(&fixture("ready-3.18"));
    assert_eq!(status(&results, "DRPrimaryIdentified", ""), Status::Skipped);
}

#[test]
fn the_host_is_told_apart_as_a_global_control_plane_node_or_not() {
    // (hostname, addresses, nodes read) -> (is_global_control_plane, global_control_plane_node)
    type Case = (
        &'static str,
        &'static [&'static str],
        bool,
        Option<bool>,
        Option<&'static str>,
    );
    let cases: [Case; 6] = [
        (
            "acp-global-m01",
            &["192.168.130.11"],
            true,
            Some(true),
            Some("192.168.130.11"),
        ),
        (
            "192.168.130.12",
            &[],
            true,
            Some(true),
            Some("192.168.130.12"),
        ),
        (
            "acp-worker-1",
            &["10.0.0.5", "192.168.130.21"],
            true,
            Some(false),
            None,
        ),
        ("workstation", &["10.0.0.5"], true, Some(false), None),
        ("workstation", &[], true, None, None),
        ("acp-global-m01", &["192.168.130.11"], false, None, None),
    ];
    for (hostname, addresses, nodes_read, expected, node) in cases {
        let mut snapshot = fixture("ready-3.18");
        let host = snapshot.host.as_mut().expect("host facts");
        host.hostname = hostname.to_string();
        host.addresses = addresses.iter().map(|a| a.to_string()).collect();
        if !nodes_read {
            record_mut(&mut snapshot, "global").reads.remove("nodes");
        }
        let facts = Facts::derive(&snapshot);
        let host = facts.platform["host"]
            .fact
            .known()
            .expect("host facts known");
        let case = format!("{hostname} {addresses:?} nodes read {nodes_read}");
        assert_eq!(
            host["is_global_control_plane"].as_bool(),
            expected,
            "{case}"
        );
        assert_eq!(host["global_control_plane_node"].as_str(), node, "{case}");
    }
}
