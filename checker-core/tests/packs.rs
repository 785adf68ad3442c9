//! Every bundled rule and pack loads; the catalogue keeps its stable IDs, and every bundled
//! rule is used by a pack and documented.

use checker_core::rules::{self, Phase};

#[test]
fn bundled_packs_load() {
    let packs = rules::bundled().unwrap_or_else(|e| panic!("{}", e.render_snippets(false)));
    assert!(!packs.is_empty());
}

/// Rule IDs CI pipelines and support already rely on: a pack may gain rules, never lose or
/// rename one of these.
const STABLE_4_1: &[&str] = &[
    "VersionUpgradePath",
    "KubernetesVersionSupported",
    "IstioVersionSupported",
    "DeprecatedCostPluginsAbsent",
    "ElasticsearchNodeRolesFixed",
    "MinioDiskSpace",
    "PackageExtractionDiskSpace",
    "KubernetesUpgradeRestartsPods",
    "ManagedClusterKubernetesByProvider",
    "ClusterRunning",
    "ModuleInfoStable",
    "DockerRuntimeUnsupported",
    "CustomEtcdBackupCronJobsAbsent",
    "ResourcePatchUpgradeable",
    "PostgresInstancesRestart",
    "DataServiceAutoUpgradeRestarts",
    "DataServicesExtensionsUpgrade",
    "OperatorsManagedByOLM",
    "DRStandbyVersionMatches",
    "DREtcdSyncHealthy",
    "DREtcdSyncConsistent",
    "DRMachinesRunning",
    "DRStandbyAlternativeURL",
    "DRPrimaryIdentified",
    "DREtcdPortReachable",
];

#[test]
fn acp_4_1_has_the_stable_rule_ids() {
    let pack = rules::for_target("4.1").unwrap().expect("4.1 pack");
    let ids: Vec<&str> = pack.rules.iter().map(|r| r.id.as_str()).collect();
    for id in STABLE_4_1 {
        assert!(ids.contains(id), "{id} is gone from the 4.1 pack: {ids:?}");
    }
    assert_eq!(ids.first(), Some(&"VersionUpgradePath"), "{ids:?}");
}

/// The stable rule IDs of the phases after the global upgrade (`workload`) and after the whole
/// upgrade (`post`).
const STABLE_4_1_LATER: &[(Phase, &[&str])] = &[
    (
        Phase::Workload,
        &[
            "VersionUpgradePath",
            "PlatformAtTarget",
            "WorkloadNotAheadOfGlobal",
            "ClusterRunning",
        ],
    ),
    (
        Phase::Post,
        &[
            "PlatformAtTarget",
            "WorkloadNotAheadOfGlobal",
            "ClusterRunning",
            "ModuleInfoStable",
            "DREtcdSyncHealthy",
            "DREtcdSyncConsistent",
            "ProductDocsPluginInstalled",
        ],
    ),
];

#[test]
fn acp_4_1_later_phases_have_their_stable_rule_ids() {
    let pack = rules::for_target("4.1").unwrap().expect("4.1 pack");
    for (phase, stable) in STABLE_4_1_LATER {
        let phased = pack.for_phase(*phase).expect("the phase");
        let ids: Vec<&str> = phased.rules.iter().map(|r| r.id.as_str()).collect();
        for id in *stable {
            assert!(
                ids.contains(id),
                "{id} is gone from the 4.1 pack's {phase} phase: {ids:?}"
            );
        }
        // The host checks are for the node the global upgrade runs on, before it.
        assert!(
            !phased
                .rules
                .iter()
                .any(|r| r.scope == rules::Scope::HostPath),
            "{phase}"
        );
    }
}

#[test]
fn every_bundled_rule_is_in_a_pack_and_has_its_texts() {
    let library = rules::library();
    let packs = rules::bundled().unwrap();
    for (id, rule) in &library.rules {
        assert!(
            packs
                .iter()
                .any(|p| p.all_rules().iter().any(|(r, _)| r.id == *id)),
            "{id} is in no pack"
        );
        let spec = &rule.spec;
        for (field, text) in [
            ("title", spec.title.en()),
            ("requirement", &spec.requirement),
            ("remediation", spec.remediation.en()),
        ] {
            assert!(!text.trim().is_empty(), "{id}: empty {field}");
        }
        for title in [Some(spec.title.en()), spec.title.ru()]
            .into_iter()
            .flatten()
        {
            assert!(!title.ends_with('.'), "{id}: a title has no full stop");
        }
    }
}

/// Every disaster-recovery rule names the DR step it belongs to (`DR <n>. ...`), and the pack
/// lists them in the guide's step order, which is the order of the table's step sections.
#[test]
fn dr_rules_name_their_step_in_the_guides_order() {
    let pack = rules::for_target("4.1").unwrap().expect("4.1 pack");
    let mut numbers = Vec::new();
    for rule in pack.rules.iter().filter(|r| r.id.starts_with("DR")) {
        let step = rule
            .step
            .as_ref()
            .map(|step| step.en.as_str())
            .unwrap_or_else(|| panic!("{} has no step", rule.id));
        let number: u32 = step
            .strip_prefix("DR ")
            .and_then(|rest| rest.split('.').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{}: step {step:?} is not `DR <n>. ...`", rule.id));
        assert!((1..=7).contains(&number), "{}: {step}", rule.id);
        numbers.push((number, rule.id.as_str()));
    }
    assert!(numbers.len() >= 7, "{numbers:?}");
    assert!(numbers.is_sorted_by_key(|(n, _)| *n), "{numbers:?}");
    assert!(
        pack.rules
            .iter()
            .filter(|r| !r.id.starts_with("DR"))
            .all(|r| r.step.is_none())
    );
}

/// What each target's guide asks for, as (target, rules it checks before the window, rules it
/// must not check, preview).
const TARGETS: &[(&str, &[&str], &[&str], bool)] = &[
    (
        "4.0",
        &[
            "ClickHouseLogStorageAbsent",
            "ElasticsearchV6NotUpgradable",
            "ElasticsearchNodeRolesFixed",
            "DeprecatedCostPluginsAbsent",
            "CustomEtcdBackupCronJobsAbsent",
            "MinioDiskSpace",
            "PackageExtractionDiskSpace",
            "IstioVersionSupported",
        ],
        // Docker is unsupported only from 4.1.
        &["DockerRuntimeUnsupported", "FlannelMigratedToKubeOVN"],
        false,
    ),
    (
        "4.1",
        STABLE_4_1,
        &["ClickHouseLogStorageAbsent", "KafkaKRaftMode"],
        false,
    ),
    (
        "4.2",
        &[
            "FlannelMigratedToKubeOVN",
            "KafkaKRaftMode",
            "LogEssentialsUploaded",
            "TopoLVMPluginUploaded",
            "NodeIsolationReviewed",
            "MinioDiskSpace",
            "DockerRuntimeUnsupported",
        ],
        // No Istio gate is stated from 4.2; custom etcd backups are a 4.0 and 4.1 blocker.
        &["IstioVersionSupported", "CustomEtcdBackupCronJobsAbsent"],
        false,
    ),
    (
        "4.3",
        &[
            "KubernetesVersionSupported",
            "WorkloadNotAheadOfGlobal",
            "MySQLPXCBecomesUnmanaged",
            "ResourcePatchUpgradeable",
            "LogEssentialsUploaded",
            "TopoLVMPluginUploaded",
            "FlannelMigratedToKubeOVN",
        ],
        &["IstioVersionSupported", "NodeIsolationReviewed"],
        false,
    ),
    (
        "4.4",
        &[
            "NodeKernelSupported",
            "AdminAckRequired",
            "KubernetesUpgradeRestartsPods",
        ],
        &[],
        true,
    ),
];

#[test]
fn every_target_checks_what_its_guide_asks_for() {
    let targets = rules::targets();
    for (target, checked, not_checked, preview) in TARGETS {
        assert!(targets.iter().any(|t| t == target), "no pack for {target}");
        let pack = rules::for_target(target).unwrap().expect("pack");
        assert_eq!(pack.preview, *preview, "{target}");
        let ids: Vec<&str> = pack.rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.first(), Some(&"VersionUpgradePath"), "{target}");
        for id in *checked {
            assert!(ids.contains(id), "{target} does not check {id}: {ids:?}");
        }
        for id in *not_checked {
            assert!(!ids.contains(id), "{target} checks {id}");
        }
    }
    let severity = |target: &str, id: &str| {
        let pack = rules::for_target(target).unwrap().expect("pack");
        pack.rule(id).expect("rule").severity.to_string()
    };
    // Overrides are confirmed for 4.1 and block from 4.3 (unless exempted).
    assert_eq!(severity("4.1", "ResourcePatchUpgradeable"), "warning");
    assert_eq!(severity("4.3", "ResourcePatchUpgradeable"), "blocker");
}

#[test]
fn upgrade_paths_and_kubernetes_ranges_follow_the_guides() {
    // (target, source, patch, min_kubernetes, max_kubernetes)
    let cases = [
        ("4.0", "3.16", false, "1.28", "1.31"),
        ("4.0", "3.18", false, "1.30", "1.31"),
        ("4.0", "4.0", true, "1.31", "1.31"),
        ("4.1", "3.18", false, "1.30", "1.32"),
        ("4.1", "4.0", false, "1.31", "1.32"),
        ("4.1", "4.1", true, "1.32", "1.32"),
        ("4.2", "4.0", false, "1.31", "1.33"),
        ("4.2", "4.1", false, "1.32", "1.33"),
        ("4.3", "4.0", false, "1.31", "1.34"),
        ("4.3", "4.1", false, "1.31", "1.34"),
        ("4.3", "4.2", false, "1.31", "1.34"),
        ("4.4", "4.3", false, "1.31", "1.35"),
    ];
    for (target, from, patch, min, max) in cases {
        let pack = rules::for_target(target).unwrap().expect("pack");
        let path = pack
            .upgrade_paths
            .iter()
            .find(|p| p.from == from)
            .unwrap_or_else(|| panic!("{target}: no path from {from}"));
        assert_eq!(path.patch, patch, "{target} from {from}");
        assert_eq!(path.params["min_kubernetes"], min, "{target} from {from}");
        assert_eq!(path.params["max_kubernetes"], max, "{target} from {from}");
    }
    for (target, unsupported) in [
        ("4.0", "3.14"),
        ("4.1", "3.16"),
        ("4.2", "3.18"),
        ("4.3", "3.18"),
    ] {
        let pack = rules::for_target(target).unwrap().expect("pack");
        assert!(
            pack.upgrade_paths.iter().all(|p| p.from != unsupported),
            "{target} from {unsupported}"
        );
    }
}
