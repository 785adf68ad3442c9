//! The rule packs bundled with the tool, one per target ACP version.

use crate::rules::{self, PackError, RulePack};

include!(concat!(env!("OUT_DIR"), "/bundled_packs.rs"));

/// Loads every bundled pack. A broken bundled pack is a build defect that the tests catch.
pub fn bundled() -> Result<Vec<RulePack>, PackError> {
    BUNDLED
        .iter()
        .map(|(name, text)| rules::load(&format!("rules/{name}"), text))
        .collect()
}

/// The bundled pack for a target version (`4.1`).
pub fn for_target(target: &str) -> Result<Option<RulePack>, PackError> {
    Ok(bundled()?.into_iter().find(|p| p.target == target))
}

/// The target versions bundled packs exist for, e.g. `["4.1"]`.
pub fn targets() -> Vec<String> {
    bundled()
        .map(|packs| packs.into_iter().map(|p| p.target).collect())
        .unwrap_or_default()
}
