//! The platform's own preflight results (4.3 and later): what `upgrade.sh --preflight` recorded
//! for each cluster in its ClusterVersionShadow (`cvsh`) on the global cluster.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::raw::{name, text};
use super::{ClusterBase, FactError, Input, Level, Provider};
use crate::reads::{Read, ReadOn};

/// ClusterVersionShadow objects in `cpaas-system` on the global cluster, one per cluster and
/// named after it. Their API group is not published, so discovery finds it by the short name.
pub const VERSION_SHADOWS: Read = Read {
    id: "clusterversionshadows",
    group: "",
    versions: &[],
    kind: "ClusterVersionShadow",
    plural: "clusterversionshadows",
    namespace: Some("cpaas-system"),
    label_selector: None,
    path: None,
    text: false,
    on: ReadOn::Global,
    custom: true,
    short_name: Some("cvsh"),
    purpose: "the platform's own preflight results for each cluster (ClusterVersionShadow, 4.3 and later)",
};

/// The platform's preflight results for one cluster (`cluster.preflight`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PreflightFacts {
    /// Whether the global cluster serves ClusterVersionShadow (short name `cvsh`), which comes
    /// with the platform's preflight (4.3 and later).
    pub installed: bool,
    /// Whether the cluster's ClusterVersionShadow holds preflight results
    /// (`status.preflight.checks` is not empty).
    pub has_results: bool,
    /// When the results were observed (`status.preflight.observedAt`).
    pub observed_at: Option<String>,
    /// The version the upgrade is prepared for (`spec.desiredUpdate.version`), when set.
    pub desired_version: Option<String>,
    /// Every check's result, in the recorded order.
    pub checks: Vec<PreflightCheck>,
}

/// One check of the platform's preflight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PreflightCheck {
    /// Check name, e.g. `ResourcePatchUpgradeable`.
    pub name: String,
    /// The check's policy as recorded (`policy`), if any.
    pub policy: Option<String>,
    /// `Passed`, `Retry` or `Failed` (empty when not recorded).
    pub state: String,
    /// Machine-readable reason, e.g. `UnexemptResourcePatches`.
    pub reason: Option<String>,
    /// Human-readable message.
    pub message: Option<String>,
}

/// The `preflight` family.
pub struct Preflight;

impl Provider for Preflight {
    type Value = PreflightFacts;
    const NAME: &'static str = "preflight";
    const LEVEL: Level = Level::Cluster;
    const READS: &'static [&'static Read] = &[&VERSION_SHADOWS];

    fn derive(input: &Input<'_>, cluster: &ClusterBase) -> Result<PreflightFacts, FactError> {
        let installed = input.served(input.global, &VERSION_SHADOWS)?;
        let shadow = input
            .items(input.global, &VERSION_SHADOWS)?
            .iter()
            .find(|item| name(item) == cluster.name);
        let checks: Vec<PreflightCheck> = shadow
            .and_then(|s| s.pointer("/status/preflight/checks"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(check)
            .collect();
        Ok(PreflightFacts {
            installed,
            has_results: !checks.is_empty(),
            observed_at: shadow.and_then(|s| text(s, &["status", "preflight", "observedAt"])),
            desired_version: shadow.and_then(|s| text(s, &["spec", "desiredUpdate", "version"])),
            checks,
        })
    }
}

fn check(item: &Value) -> PreflightCheck {
    let field = |key: &str| text(item, &[key]);
    PreflightCheck {
        name: field("name").unwrap_or_else(|| "(unnamed)".to_string()),
        policy: field("policy"),
        state: field("state").unwrap_or_default(),
        reason: field("reason"),
        message: field("message"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_check_without_fields_is_named_and_has_no_state() {
        let c = check(&json!({"state": "Failed", "reason": ""}));
        assert_eq!(c.name, "(unnamed)");
        assert_eq!(c.state, "Failed");
        assert_eq!(c.reason, None);
        assert_eq!(check(&json!({"name": "X"})).state, "");
    }
}
