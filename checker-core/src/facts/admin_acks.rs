//! The administrator's acknowledgements of a release's admin gates (4.4 and later): the keys of
//! ConfigMap `cpaas-system/admin-acks` set to `"true"`, which the platform's own preflight check
//! `AdminAckRequired` looks for.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ClusterBase, FactError, Input, Level, Provider};
use crate::reads::{Read, ReadOn};

/// ConfigMap `cpaas-system/admin-acks` on the global cluster, read by name.
pub const ADMIN_ACKS: Read = Read {
    id: "admin-acks",
    group: "",
    versions: &["v1"],
    kind: "ConfigMap",
    plural: "configmaps",
    namespace: Some("cpaas-system"),
    label_selector: None,
    path: Some("/api/v1/namespaces/cpaas-system/configmaps/admin-acks"),
    text: false,
    on: ReadOn::Global,
    custom: false,
    short_name: None,
    purpose: "the administrator's acknowledgements of the release's admin gates (ConfigMap admin-acks)",
};

/// The admin-gate acknowledgements (variable `admin_acks`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AdminAcks {
    /// Whether ConfigMap `cpaas-system/admin-acks` exists.
    pub present: bool,
    /// Its keys whose value is `"true"`, e.g. `ack-4.4-kubernetes-1.35-kernel-update`.
    pub acknowledged: Vec<String>,
}

/// The `admin_acks` family.
pub struct AdminAcksFamily;

impl Provider for AdminAcksFamily {
    type Value = AdminAcks;
    const NAME: &'static str = "admin_acks";
    const LEVEL: Level = Level::Platform;
    const READS: &'static [&'static Read] = &[&ADMIN_ACKS];

    fn derive(input: &Input<'_>, _global: &ClusterBase) -> Result<AdminAcks, FactError> {
        // A missing ConfigMap is a fact (nothing acknowledged); a read not made is unknown.
        let Some(config_map) = input.existing_object(input.global, &ADMIN_ACKS)? else {
            return Ok(AdminAcks {
                present: false,
                acknowledged: Vec::new(),
            });
        };
        let acknowledged = config_map
            .get("data")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(_, value)| value.as_str().is_some_and(|v| v.trim() == "true"))
            .map(|(key, _)| key.clone())
            .collect();
        Ok(AdminAcks {
            present: true,
            acknowledged,
        })
    }
}
