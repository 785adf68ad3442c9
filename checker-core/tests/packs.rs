//! Every bundled rule pack loads, and its catalogue keeps the stable IDs.

use checker_core::packs;

#[test]
fn bundled_packs_load() {
    let packs = packs::bundled().unwrap_or_else(|e| panic!("{}", e.render()));
    assert!(!packs.is_empty());
}

#[test]
fn acp_4_1_has_the_stable_rule_ids() {
    let pack = packs::for_target("4.1").unwrap().expect("4.1 pack");
    let ids: Vec<&str> = pack.rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "VersionUpgradePath",
            "KubernetesVersionSupported",
            "IstioVersionSupported",
            "DeprecatedCostPluginsAbsent",
            "ElasticsearchNodeRolesFixed",
            "MinioDiskSpace",
            "PackageExtractionDiskSpace",
            "KubernetesUpgradeRestartsPods",
            "ManagedClusterKubernetesByProvider",
        ]
    );
}
