//! The phases after `pre` of the ACP 4.1 pack: between the global and the workload upgrades
//! (`workload`) and after the upgrade (`post`), on the post-upgrade fixture with one fact changed
//! per case.

use std::path::Path;

use checker_core::dump;
use checker_core::engine::{self, Options};
use checker_core::facts::Facts;
use checker_core::report::{RuleResult, Status};
use checker_core::rules::{self, Phase, RulePack};
use checker_core::snapshot::{ReadOutcome, Snapshot};
use serde_json::{Value, json};

fn pack(phase: Phase) -> RulePack {
    rules::for_target("4.1")
        .unwrap()
        .expect("bundled 4.1 pack")
        .for_phase(phase)
        .expect("the phase's rules")
}

fn fixture(name: &str) -> Snapshot {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(name);
    dump::load(&dir).unwrap_or_else(|e| panic!("{e}"))
}

fn evaluate(snapshot: &Snapshot, phase: Phase, from: Option<&str>) -> Vec<RuleResult> {
    let options = Options {
        from: from.map(str::to_string),
        ..Options::default()
    };
    engine::evaluate_selected(&pack(phase), &Facts::derive(snapshot), &options)
}

/// The one result of `rule` for `cluster` ("" = the platform).
fn result<'a>(results: &'a [RuleResult], rule: &str, cluster: &str) -> &'a RuleResult {
    let found: Vec<&RuleResult> = results
        .iter()
        .filter(|r| r.rule == rule)
        .filter(|r| r.subject.get("cluster").map(String::as_str).unwrap_or("") == cluster)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one result of {rule} for {cluster:?}: {results:#?}"
    );
    found[0]
}

fn items_mut<'a>(snapshot: &'a mut Snapshot, read: &str) -> &'a mut Vec<Value> {
    match snapshot.clusters[0].reads.get_mut(read) {
        Some(ReadOutcome::Ok { items }) => items,
        other => panic!("{read} on the global cluster is {other:?}"),
    }
}

/// Sets the ClusterModule of `cluster`: the version it runs and the one it is moved to; `None`
/// removes it.
fn set_distribution(snapshot: &mut Snapshot, cluster: &str, versions: Option<(&str, &str)>) {
    let modules = items_mut(snapshot, "clustermodules");
    modules.retain(|m| m["metadata"]["name"] != cluster);
    if let Some((running, desired)) = versions {
        modules.push(json!({
            "apiVersion": "cluster.alauda.io/v1alpha2",
            "kind": "ClusterModule",
            "metadata": {"name": cluster},
            "spec": {"version": desired},
            "status": {"base": {"version": running}, "phase": "Running"}
        }));
    }
}

fn set_platform(snapshot: &mut Snapshot, running: &str, desired: &str, phase: &str) {
    let base = &mut items_mut(snapshot, "productbases")[0];
    base["status"]["version"] = running.into();
    base["spec"]["version"] = desired.into();
    base["status"]["phase"] = phase.into();
}

#[test]
fn the_post_upgrade_fixture_in_each_later_phase() {
    let snapshot = fixture("upgraded-4.1");
    let post = evaluate(&snapshot, Phase::Post, Some("3.18.2"));
    let cases = [
        ("PlatformAtTarget", "global", Status::Pass),
        ("PlatformAtTarget", "prod-1", Status::Pass),
        ("PlatformAtTarget", "eks-1", Status::Warn),
        ("WorkloadNotAheadOfGlobal", "prod-1", Status::Pass),
        ("WorkloadNotAheadOfGlobal", "eks-1", Status::Pass),
        ("ModuleInfoStable", "prod-1", Status::Fail),
        ("ProductDocsPluginInstalled", "global", Status::Warn),
        ("DREtcdSyncHealthy", "", Status::Skipped),
    ];
    for (rule, cluster, expected) in cases {
        assert_eq!(
            result(&post, rule, cluster).status,
            expected,
            "{rule} {cluster}"
        );
    }
    assert!(!post.iter().any(|r| r.rule == "VersionUpgradePath"));

    let workload = evaluate(&snapshot, Phase::Workload, Some("3.18.2"));
    let cases = [
        ("VersionUpgradePath", "", Status::Pass),
        ("PlatformAtTarget", "global", Status::Pass),
        ("KubernetesVersionSupported", "prod-1", Status::Pass),
        ("KubernetesUpgradeRestartsPods", "eks-1", Status::Warn),
    ];
    for (rule, cluster, expected) in cases {
        assert_eq!(
            result(&workload, rule, cluster).status,
            expected,
            "{rule} {cluster}"
        );
    }
    // Before the workload upgrades, only the global cluster must be at the target, and the
    // workload-cluster checks are made on workload clusters only.
    for rule in [
        "PlatformAtTarget",
        "KubernetesVersionSupported",
        "DockerRuntimeUnsupported",
    ] {
        let clusters: Vec<&str> = workload
            .iter()
            .filter(|r| r.rule == rule)
            .filter_map(|r| r.subject.get("cluster").map(String::as_str))
            .collect();
        let expected: &[&str] = if rule == "PlatformAtTarget" {
            &["global"]
        } else {
            &["eks-1", "prod-1"]
        };
        assert_eq!(clusters, expected, "{rule}");
    }
}

#[test]
fn platform_at_target_on_each_side() {
    // (global running, desired, phase), prod-1's ClusterModule, expected for global and prod-1.
    type Case = (
        (&'static str, &'static str, &'static str),
        Option<(&'static str, &'static str)>,
        Status,
        Status,
    );
    let cases: [Case; 7] = [
        (
            ("v4.1.2", "v4.1.2", "Running"),
            Some(("v4.1.2", "v4.1.2")),
            Status::Pass,
            Status::Pass,
        ),
        (
            ("4.1.0", "4.1.0", "Running"),
            Some(("4.1.0", "4.1.0")),
            Status::Pass,
            Status::Pass,
        ),
        (
            ("v3.18.2", "v3.18.2", "Running"),
            Some(("v3.18.2", "v3.18.2")),
            Status::Fail,
            Status::Warn,
        ),
        (
            ("v3.18.2", "v4.1.2", "Upgrading"),
            Some(("v3.18.2", "v3.18.2")),
            Status::Fail,
            Status::Warn,
        ),
        (
            ("v4.1.2", "v4.1.2", "Upgrading"),
            Some(("v3.18.2", "v4.1.2")),
            Status::Fail,
            Status::Fail,
        ),
        (
            ("v4.1.1", "v4.1.2", "Running"),
            Some(("v4.1.2", "v4.1.3")),
            Status::Fail,
            Status::Fail,
        ),
        (
            ("v4.1.2", "v4.1.2", "Running"),
            None,
            Status::Pass,
            Status::Error,
        ),
    ];
    for ((running, desired, phase), module, global, prod) in cases {
        let mut snapshot = fixture("upgraded-4.1");
        set_platform(&mut snapshot, running, desired, phase);
        set_distribution(&mut snapshot, "prod-1", module);
        let results = evaluate(&snapshot, Phase::Post, Some("3.18.2"));
        let case = format!("{running} {desired} {phase}, prod-1 {module:?}");
        assert_eq!(
            result(&results, "PlatformAtTarget", "global").status,
            global,
            "{case}"
        );
        let prod_result = result(&results, "PlatformAtTarget", "prod-1");
        assert_eq!(prod_result.status, prod, "{case}: {}", prod_result.message);
    }
}

#[test]
fn platform_at_target_needs_the_standby_there_too() {
    let mut snapshot = fixture("dr-3.18");
    set_platform(&mut snapshot, "v4.1.2", "v4.1.2", "Running");
    for (standby, expected) in [("v3.18.2", Status::Fail), ("v4.1.2", Status::Pass)] {
        let record = snapshot.standby.as_mut().expect("standby");
        match record.reads.get_mut("productbases") {
            Some(ReadOutcome::Ok { items }) => {
                items[0]["status"]["version"] = standby.into();
                items[0]["spec"]["version"] = standby.into();
            }
            other => panic!("{other:?}"),
        }
        let results = evaluate(&snapshot, Phase::Workload, Some("3.18.2"));
        let global = result(&results, "PlatformAtTarget", "global");
        assert_eq!(
            global.status, expected,
            "standby {standby}: {}",
            global.message
        );
        if expected == Status::Fail {
            assert!(global.message.contains("standby"), "{}", global.message);
        }
    }
}

#[test]
fn workload_not_ahead_of_global_on_each_side() {
    let cases = [
        (Some(("v4.1.2", "v4.1.2")), Status::Pass),
        (Some(("v3.18.2", "v3.18.2")), Status::Pass),
        (Some(("4.1.2", "4.1.2")), Status::Pass),
        (Some(("v4.1.3", "v4.1.3")), Status::Fail),
        (Some(("v3.18.2", "v4.2.0")), Status::Fail),
        (Some(("v4.2.0", "v4.2.0")), Status::Fail),
        (None, Status::Error),
    ];
    for (module, expected) in cases {
        let mut snapshot = fixture("upgraded-4.1");
        set_distribution(&mut snapshot, "prod-1", module);
        for phase in [Phase::Workload, Phase::Post] {
            let results = evaluate(&snapshot, phase, Some("3.18.2"));
            let r = result(&results, "WorkloadNotAheadOfGlobal", "prod-1");
            assert_eq!(r.status, expected, "{phase} {module:?}: {}", r.message);
        }
    }
}

#[test]
fn product_docs_only_after_an_upgrade_from_3x() {
    let docs = json!({
        "apiVersion": "cluster.alauda.io/v1alpha1",
        "kind": "ModuleInfo",
        "metadata": {
            "name": "global-0f3c",
            "labels": {"cpaas.io/cluster-name": "global", "cpaas.io/module-name": "docs"},
            "annotations": {"cpaas.io/module-name": "{\"en\":\"Alauda Container Platform Product Docs\",\"zh\":\"产品文档\"}"}
        },
        "spec": {"version": "v4.1.0"},
        "status": {"version": "v4.1.0", "phase": "Running"}
    });
    let cases = [
        (false, Some("3.18.2"), Status::Warn),
        (true, Some("3.18.2"), Status::Pass),
        (false, Some("4.0.3"), Status::Skipped),
        (false, None, Status::Error),
    ];
    for (installed, from, expected) in cases {
        let mut snapshot = fixture("upgraded-4.1");
        if installed {
            items_mut(&mut snapshot, "moduleinfoes").push(docs.clone());
        }
        let results = evaluate(&snapshot, Phase::Post, from);
        let r = result(&results, "ProductDocsPluginInstalled", "global");
        assert_eq!(
            r.status, expected,
            "installed {installed}, from {from:?}: {}",
            r.message
        );
        if from.is_none() {
            assert!(r.message.contains("--from"), "{}", r.message);
        }
    }
}

#[test]
fn later_phases_without_the_source_version_say_what_to_give() {
    let snapshot = fixture("upgraded-4.1");
    let results = evaluate(&snapshot, Phase::Workload, None);
    for (rule, cluster) in [
        ("VersionUpgradePath", ""),
        ("KubernetesVersionSupported", "prod-1"),
    ] {
        let r = result(&results, rule, cluster);
        assert_eq!(r.status, Status::Error, "{rule}");
        assert!(
            r.message.contains("--from VERSION or --baseline REPORT"),
            "{}",
            r.message
        );
    }
    // What needs no source version is still checked.
    assert_eq!(
        result(&results, "PlatformAtTarget", "global").status,
        Status::Pass
    );
}
