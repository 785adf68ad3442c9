//! The rules the 4.0, 4.2, 4.3 and 4.4 packs add, on both sides of what they check, and the
//! choice of a pack by the installed version: each case changes one fact of a recorded fixture.

use std::path::Path;

use checker_core::facts::Facts;
use checker_core::report::{RuleResult, Status};
use checker_core::rules::{self, Phase, RulePack};
use checker_core::snapshot::{ReadOutcome, Snapshot};
use checker_core::{dump, engine};
use serde_json::{Value, json};

fn pack(target: &str) -> RulePack {
    rules::for_target(target).unwrap().expect("bundled pack")
}

fn fixture(name: &str) -> Snapshot {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(name);
    dump::load(&dir).unwrap_or_else(|e| panic!("{e}"))
}

/// The results of `rule` in the `target` pack on `snapshot`, as (subject, status, message).
fn results_of(target: &str, snapshot: &Snapshot, rule: &str) -> Vec<(String, Status, String)> {
    engine::evaluate(&pack(target), &Facts::derive(snapshot))
        .into_iter()
        .filter(|r: &RuleResult| r.rule == rule)
        .map(|r| (r.subject_text(), r.status, r.message))
        .collect()
}

/// The one result of `rule` for `subject` (a cluster name, or `platform`).
fn result(target: &str, snapshot: &Snapshot, rule: &str, subject: &str) -> (Status, String) {
    let found: Vec<_> = results_of(target, snapshot, rule)
        .into_iter()
        .filter(|(s, _, _)| s == subject)
        .collect();
    assert_eq!(found.len(), 1, "{rule} on {subject}: {found:?}");
    let (_, status, message) = found.into_iter().next().expect("one");
    (status, message)
}

fn items<'a>(snapshot: &'a mut Snapshot, cluster: &str, read: &str) -> &'a mut Vec<Value> {
    let record = snapshot
        .clusters
        .iter_mut()
        .find(|c| c.name == cluster)
        .expect("cluster record");
    let outcome = record
        .reads
        .entry(read.to_string())
        .or_insert(ReadOutcome::Ok { items: Vec::new() });
    if !matches!(outcome, ReadOutcome::Ok { .. }) {
        *outcome = ReadOutcome::Ok { items: Vec::new() };
    }
    match outcome {
        ReadOutcome::Ok { items } => items,
        _ => unreachable!(),
    }
}

/// Adds a plugin (ModuleInfo on the global cluster) to `cluster`.
fn add_plugin(snapshot: &mut Snapshot, cluster: &str, module: &str, display: &str) {
    items(snapshot, "global", "moduleinfoes").push(json!({
        "apiVersion": "cluster.alauda.io/v1alpha1", "kind": "ModuleInfo",
        "metadata": {"name": format!("{cluster}-{module}"),
                     "labels": {"cpaas.io/cluster-name": cluster, "cpaas.io/module-name": module},
                     "annotations": {"cpaas.io/display-name": display}},
        "spec": {"version": "v1"}, "status": {"phase": "Running", "version": "v1"}
    }));
}

#[test]
fn from_3_16_clickhouse_and_elasticsearch_v6_block_the_4_0_upgrade() {
    // unsupported-3.16's global has Elasticsearch; its plugins have no ClickHouse.
    let mut snapshot = fixture("unsupported-3.16");
    let (status, _) = result("4.0", &snapshot, "ClickHouseLogStorageAbsent", "global");
    assert_eq!(status, Status::Pass);
    add_plugin(
        &mut snapshot,
        "global",
        "logclickhouse",
        "Log Storage for ClickHouse",
    );
    let (status, message) = result("4.0", &snapshot, "ClickHouseLogStorageAbsent", "global");
    assert_eq!(status, Status::Fail, "{message}");
    assert!(
        message.contains("uninstall it before upgrading from 3.16"),
        "{message}"
    );
    let (status, message) = result("4.0", &snapshot, "ElasticsearchV6NotUpgradable", "global");
    assert_eq!(status, Status::Fail, "{message}");
    assert!(
        message.contains("cannot be upgraded to 4.0's v8"),
        "{message}"
    );
    // From 3.18 neither applies: the node-role fix does instead.
    let ready = fixture("ready-3.18");
    for rule in ["ClickHouseLogStorageAbsent", "ElasticsearchV6NotUpgradable"] {
        let (status, message) = result("4.0", &ready, rule, "global");
        assert_eq!(status, Status::Skipped, "{rule}: {message}");
        assert!(message.contains("not 3.16"), "{message}");
    }
    let (status, _) = result("4.0", &ready, "ElasticsearchNodeRolesFixed", "global");
    assert_eq!(status, Status::Pass);
}

#[test]
fn kubernetes_must_be_within_the_targets_range() {
    // dump-4.0-patch (4.0.2): global on 1.31, prod-2 on 1.30.
    // (target, version of global, expected)
    let cases = [
        ("4.3", "v1.30.9", Status::Fail),
        ("4.3", "v1.31.0", Status::Pass),
        ("4.3", "v1.34.2", Status::Pass),
        ("4.3", "v1.35.0", Status::Fail),
        ("4.2", "v1.30.9", Status::Fail),
        ("4.2", "v1.31.4", Status::Pass),
        ("4.2", "v1.33.1", Status::Pass),
        ("4.2", "v1.34.0", Status::Fail),
        ("4.0", "v1.31.4", Status::Pass),
        ("4.0", "v1.32.0", Status::Fail),
    ];
    for (target, version, expected) in cases {
        let mut snapshot = fixture("dump-4.0-patch");
        for node in items(&mut snapshot, "global", "nodes") {
            node["status"]["nodeInfo"]["kubeletVersion"] = version.into();
        }
        *items(&mut snapshot, "global", "version") = vec![json!({"gitVersion": version})];
        let (status, message) = result(target, &snapshot, "KubernetesVersionSupported", "global");
        assert_eq!(status, expected, "{target} {version}: {message}");
        if version == "v1.35.0" {
            assert!(message.contains("newer than 1.34"), "{message}");
        }
    }
}

#[test]
fn flannel_and_zookeeper_kafka_block_from_4_2() {
    let snapshot = fixture("dump-4.0-patch");
    assert_eq!(
        result("4.2", &snapshot, "FlannelMigratedToKubeOVN", "global").0,
        Status::Pass
    );
    // By the recorded network type, or by a Flannel plugin.
    let mut flannel = fixture("dump-4.0-patch");
    for cluster in items(&mut flannel, "global", "clusters") {
        if cluster["metadata"]["name"] == "prod-2" {
            cluster["metadata"]["annotations"]["cpaas.io/network-type"] = "flannel".into();
        }
    }
    add_plugin(&mut flannel, "aks-1", "cni", "Flannel");
    for cluster in ["prod-2", "aks-1"] {
        let (status, message) = result("4.2", &flannel, "FlannelMigratedToKubeOVN", cluster);
        assert_eq!(status, Status::Fail, "{cluster}: {message}");
        assert!(message.contains("migrate it to Kube-OVN"), "{message}");
    }
    // prod-2's Kafka `events` is KRaft.
    assert_eq!(
        result("4.2", &snapshot, "KafkaKRaftMode", "prod-2").0,
        Status::Pass
    );
    assert_eq!(
        result("4.2", &snapshot, "KafkaKRaftMode", "global").0,
        Status::Skipped
    );
    for (mode, expected) in [
        (json!("ZooKeeper"), "events (ZooKeeper)"),
        (Value::Null, "events (no spec.mode)"),
    ] {
        let mut zookeeper = fixture("dump-4.0-patch");
        items(&mut zookeeper, "prod-2", "rdskafkas")[0]["spec"]["mode"] = mode;
        let (status, message) = result("4.3", &zookeeper, "KafkaKRaftMode", "prod-2");
        assert_eq!(status, Status::Fail, "{message}");
        assert!(message.contains(expected), "{message}");
    }
}

#[test]
fn the_reminders_of_4_2_and_4_3_warn_where_they_apply() {
    let snapshot = fixture("dump-4.0-patch");
    // The global has Elasticsearch log storage; aks-1 none.
    assert_eq!(
        result("4.2", &snapshot, "LogEssentialsUploaded", "global").0,
        Status::Warn
    );
    assert_eq!(
        result("4.2", &snapshot, "LogEssentialsUploaded", "aks-1").0,
        Status::Pass
    );
    assert_eq!(
        result("4.2", &snapshot, "NodeIsolationReviewed", "platform").0,
        Status::Warn
    );
    let mut topolvm = fixture("dump-4.0-patch");
    add_plugin(
        &mut topolvm,
        "prod-2",
        "topolvm-operator",
        "Alauda Build of TopoLVM",
    );
    assert_eq!(
        result("4.2", &topolvm, "TopoLVMPluginUploaded", "prod-2").0,
        Status::Warn
    );
    assert_eq!(
        result("4.2", &topolvm, "TopoLVMPluginUploaded", "aks-1").0,
        Status::Pass
    );
    // 4.3 asks for TopoLVM only from 4.0 (this platform is on 4.0).
    assert_eq!(
        result("4.3", &topolvm, "TopoLVMPluginUploaded", "prod-2").0,
        Status::Warn
    );
    // MySQL-PXC instances become unmanaged with 4.3.
    let mut pxc = fixture("dump-4.0-patch");
    assert_eq!(
        result("4.3", &pxc, "MySQLPXCBecomesUnmanaged", "prod-2").0,
        Status::Skipped
    );
    items(&mut pxc, "prod-2", "perconaxtradbclusters").push(json!({
        "apiVersion": "pxc.percona.com/v1", "kind": "PerconaXtraDBCluster",
        "metadata": {"name": "orders", "namespace": "shop"}, "spec": {}
    }));
    let (status, message) = result("4.3", &pxc, "MySQLPXCBecomesUnmanaged", "prod-2");
    assert_eq!(status, Status::Warn);
    assert!(message.contains("shop/orders"), "{message}");
}

#[test]
fn from_4_3_an_unexempted_resource_patch_blocks() {
    let patch = |exempt: Option<&str>| {
        let mut item = json!({
            "apiVersion": "operator.alauda.io/v1alpha1", "kind": "ResourcePatch",
            "metadata": {"name": "raise-limits"},
            "spec": {"target": {"kind": "Deployment", "namespace": "cpaas-system", "name": "apollo"}}
        });
        if let Some(version) = exempt {
            item["metadata"]["annotations"] = json!({"config.cpaas.io/exempt-for-ver": version});
        }
        item
    };
    // (target, exemption, expected)
    let cases = [
        ("4.3", None, Status::Fail),
        ("4.3", Some("4.3"), Status::Pass),
        ("4.3", Some("v4.3.1"), Status::Pass),
        ("4.3", Some("4.2"), Status::Fail),
        ("4.3", Some("4.30"), Status::Fail),
        ("4.1", None, Status::Warn),
        ("4.1", Some("4.1"), Status::Pass),
    ];
    for (target, exempt, expected) in cases {
        let mut snapshot = fixture("dump-4.0-patch");
        *items(&mut snapshot, "global", "resourcepatches") = vec![patch(exempt)];
        let (status, message) = result(target, &snapshot, "ResourcePatchUpgradeable", "global");
        assert_eq!(status, expected, "{target} {exempt:?}: {message}");
    }
    // A plugin's valuesOverride alone is to confirm, not a blocker.
    let mut snapshot = fixture("dump-4.0-patch");
    let plugin = &mut items(&mut snapshot, "global", "moduleinfoes")[0];
    plugin["spec"]["valuesOverride"] = json!({"replicas": 2});
    let cluster = plugin["metadata"]["labels"]["cpaas.io/cluster-name"]
        .as_str()
        .expect("cluster")
        .to_string();
    let (status, message) = result("4.3", &snapshot, "ResourcePatchUpgradeable", &cluster);
    assert_eq!(status, Status::Warn, "{message}");
}

#[test]
fn the_4_4_preview_needs_kernel_5_8_and_the_admin_acknowledgement() {
    let cases = [
        (Some("5.7.19"), Status::Fail),
        (Some("5.8.0"), Status::Pass),
        (Some("5.14.0-427.13.1.el9_4.x86_64"), Status::Pass),
        (Some("4.18.0-553.el8_10.x86_64"), Status::Fail),
        (Some("6.1.0-18-amd64"), Status::Pass),
        (None, Status::Fail),
    ];
    for (kernel, expected) in cases {
        let mut snapshot = fixture("dump-4.0-patch");
        let node = &mut items(&mut snapshot, "prod-2", "nodes")[0];
        match kernel {
            Some(k) => node["status"]["nodeInfo"]["kernelVersion"] = k.into(),
            None => {
                node["status"]["nodeInfo"]
                    .as_object_mut()
                    .expect("nodeInfo")
                    .remove("kernelVersion");
            }
        }
        let (status, message) = result("4.4", &snapshot, "NodeKernelSupported", "prod-2");
        assert_eq!(status, expected, "{kernel:?}: {message}");
    }
    let key = "ack-4.4-kubernetes-1.35-kernel-update";
    let acks = |data: Value| ReadOutcome::Ok {
        items: vec![json!({"apiVersion": "v1", "kind": "ConfigMap",
                              "metadata": {"name": "admin-acks", "namespace": "cpaas-system"},
                              "data": data})],
    };
    let absent = ReadOutcome::Absent {
        reason: "configmaps \"admin-acks\" not found".to_string(),
    };
    let cases = [
        (
            Some(acks(json!({key: "true"}))),
            Status::Pass,
            "is acknowledged",
        ),
        (
            Some(acks(json!({key: "false"}))),
            Status::Fail,
            "does not set",
        ),
        (Some(acks(json!({}))), Status::Fail, "does not set"),
        (Some(absent), Status::Fail, "does not exist"),
        (None, Status::Error, "admin-acks"),
    ];
    for (outcome, expected, words) in cases {
        let mut snapshot = fixture("dump-4.0-patch");
        let record = &mut snapshot.clusters[0];
        match outcome {
            Some(outcome) => {
                record.reads.insert("admin-acks".to_string(), outcome);
            }
            None => {
                record.reads.remove("admin-acks");
            }
        }
        let (status, message) = result("4.4", &snapshot, "AdminAckRequired", "platform");
        assert_eq!(status, expected, "{message}");
        assert!(message.contains(words), "{message}");
    }
}

#[test]
fn from_4_3_the_platforms_own_preflight_must_have_passed_for_the_target() {
    let check =
        |name: &str, state: &str| json!({"name": name, "policy": "Required", "state": state});
    let shadow = |desired: Option<&str>, checks: Option<Vec<Value>>| {
        let mut item = json!({
            "apiVersion": "upgrade.alauda.io/v1alpha1", "kind": "ClusterVersionShadow",
            "metadata": {"name": "global", "namespace": "cpaas-system"}, "spec": {}, "status": {}
        });
        if let Some(version) = desired {
            item["spec"]["desiredUpdate"] = json!({"version": version});
        }
        if let Some(checks) = checks {
            item["status"]["preflight"] =
                json!({"observedAt": "2026-11-30T16:40:12Z", "checks": checks});
        }
        ReadOutcome::Ok { items: vec![item] }
    };
    let passed = || {
        vec![
            check("ClusterRunning", "Passed"),
            check("PlatformLicense", "Passed"),
        ]
    };
    let mut failed = passed();
    failed[1] = json!({"name": "PlatformLicense", "state": "Failed", "reason": "Expired",
                       "message": "the license expired on 2026-11-01"});
    let forbidden = ReadOutcome::Error(checker_core::snapshot::ReadError::new(
        checker_core::snapshot::ReadErrorKind::Forbidden,
        "forbidden".to_string(),
    ));
    let absent = ReadOutcome::Absent {
        reason: "API discovery lists no ClusterVersionShadow".to_string(),
    };
    // (outcome of the read, expected, words of the message)
    let cases = [
        (
            Some(shadow(Some("4.3.0"), Some(passed()))),
            Status::Pass,
            "all 2 checks",
        ),
        (
            Some(shadow(Some("v4.3.2"), Some(passed()))),
            Status::Pass,
            "all 2 checks",
        ),
        (
            Some(shadow(None, Some(passed()))),
            Status::Pass,
            "all 2 checks",
        ),
        (
            Some(shadow(Some("4.3.0"), Some(failed.clone()))),
            Status::Fail,
            "PlatformLicense Failed (Expired): the license expired on 2026-11-01",
        ),
        (
            Some(shadow(
                Some("4.3.0"),
                Some(vec![check("ClusterRunning", "Retry")]),
            )),
            Status::Warn,
            "still retrying: ClusterRunning Retry",
        ),
        (
            Some(shadow(
                Some("4.3.0"),
                Some(vec![check("ClusterRunning", "")]),
            )),
            Status::Fail,
            "ClusterRunning without a state",
        ),
        (
            Some(shadow(
                Some("4.3.0"),
                Some(vec![check("ClusterRunning", "Unknown")]),
            )),
            Status::Fail,
            "ClusterRunning Unknown",
        ),
        (
            Some(shadow(Some("4.2.1"), Some(failed))),
            Status::Warn,
            "results are for 4.2.1, not 4.3: 1 of 2 checks not passed",
        ),
        (
            Some(shadow(Some("4.3.0"), Some(Vec::new()))),
            Status::Warn,
            "no result yet",
        ),
        (
            Some(shadow(Some("4.3.0"), None)),
            Status::Warn,
            "recorded no check",
        ),
        (
            Some(ReadOutcome::Ok { items: Vec::new() }),
            Status::Warn,
            "recorded no check",
        ),
        (Some(absent), Status::Warn, "no ClusterVersionShadow kind"),
        (Some(forbidden), Status::Error, "forbidden"),
        (None, Status::Error, "clusterversionshadows"),
    ];
    for (outcome, expected, words) in cases {
        let mut snapshot = fixture("ready-4.1");
        let record = &mut snapshot.clusters[0];
        match outcome {
            Some(outcome) => record
                .reads
                .insert("clusterversionshadows".to_string(), outcome),
            None => record.reads.remove("clusterversionshadows"),
        };
        let (status, message) = result("4.3", &snapshot, "PlatformPreflightPassed", "global");
        assert_eq!(status, expected, "{words}: {message}");
        assert!(message.contains(words), "{message}");
    }
    // Before the window only the global cluster's preflight counts; the workload clusters'
    // come with their own upgrade.
    let results = results_of("4.3", &fixture("ready-4.1"), "PlatformPreflightPassed");
    let subjects: Vec<_> = results.iter().map(|(s, _, _)| s.as_str()).collect();
    assert_eq!(subjects, ["global"], "{results:?}");
}

#[test]
fn without_a_target_the_installed_version_chooses_the_pack() {
    let stable = || -> Vec<RulePack> {
        rules::bundled()
            .expect("packs")
            .into_iter()
            .filter(|p| !p.preview)
            .collect()
    };
    // (fixture, phase, chosen target)
    let cases = [
        ("unsupported-3.16", Phase::Pre, "4.0"),
        ("ready-3.18", Phase::Pre, "4.1"),
        ("dump-4.0-patch", Phase::Pre, "4.3"),
        ("upgraded-4.1", Phase::Post, "4.1"),
    ];
    for (name, phase, expected) in cases {
        let installed =
            checker_core::facts::platform::installed_version(&fixture(name)).expect("version");
        let chosen = rules::select::choose(
            stable(),
            Some(installed.as_str()),
            phase,
            checker_core::lang::Lang::En,
        )
        .expect("a pack");
        assert_eq!(chosen.pack.target, expected, "{name}: {}", chosen.reason);
    }
}
