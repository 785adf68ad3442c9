//! checker-core: the fact model, collectors, rule engine and report model of acp-preflight.
#![deny(missing_docs)]

pub mod host;
pub mod reads;
pub mod snapshot;
