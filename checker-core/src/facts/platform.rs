//! The platform: the installed ACP version, from the ProductBase `base` on the global cluster.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::raw::{name, text};
use super::{ClusterBase, FactError, Input, Level, Provider};
use crate::reads::{Read, ReadOn};
use crate::snapshot::{ReadError, ReadErrorKind};

/// ProductBase `base`: the installed ACP version.
pub const PRODUCT_BASES: Read = Read {
    id: "productbases",
    group: "product.alauda.io",
    versions: &["v1alpha2", "v1alpha1"],
    kind: "ProductBase",
    plural: "productbases",
    namespace: None,
    label_selector: None,
    path: None,
    text: false,
    on: ReadOn::Global,
    custom: true,
    short_name: None,
    purpose: "platform version (ProductBase `base`, status.version)",
};

/// Platform-wide facts (variable `platform`), from ProductBase `base`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlatformFacts {
    /// Installed ACP version, as ProductBase `base` reports it (`status.version`), e.g. `v3.18.2`.
    pub version: String,
    /// Platform access address (`spec.platformURL`), when set.
    pub url: Option<String>,
    /// The version the platform is being moved to (`spec.version`); ahead of `version` while an
    /// upgrade is in progress.
    pub desired_version: Option<String>,
    /// ProductBase phase (`status.phase`, `Running` when settled).
    pub phase: Option<String>,
}

/// The installed ACP version a snapshot records (ProductBase `base` status.version), or why it
/// is unknown: what chooses the pack when no target is given.
pub fn installed_version(snapshot: &crate::snapshot::Snapshot) -> Result<String, FactError> {
    let input = Input::new(snapshot);
    let global = ClusterBase::global(input.global);
    Platform::derive(&input, &global).map(|p| p.version)
}

/// The `platform` family.
pub struct Platform;

impl Provider for Platform {
    type Value = PlatformFacts;
    const NAME: &'static str = "platform";
    const LEVEL: Level = Level::Platform;
    const READS: &'static [&'static Read] = &[&PRODUCT_BASES];

    fn derive(input: &Input<'_>, _global: &ClusterBase) -> Result<PlatformFacts, FactError> {
        let read = &PRODUCT_BASES;
        let items = input.platform_items(read)?;
        let missing = |message: &str| {
            FactError::read(
                input.global,
                read,
                ReadError::new(ReadErrorKind::Invalid, message.to_string()),
            )
        };
        let base = items.iter().find(|i| name(i) == "base").ok_or_else(|| {
            missing("ProductBase `base` does not exist: is this the global cluster?")
        })?;
        Ok(PlatformFacts {
            version: text(base, &["status", "version"])
                .ok_or_else(|| missing("ProductBase `base` has no status.version"))?,
            url: text(base, &["spec", "platformURL"]),
            desired_version: text(base, &["spec", "version"]),
            phase: text(base, &["status", "phase"]),
        })
    }
}
