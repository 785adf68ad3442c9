//! End-to-end tests of the built `acp-preflight` binary.

mod cli;
mod common;
mod diff;
mod faults;
mod formats;
mod html;
mod languages;
mod live;
mod offline;
mod plan;
mod robustness;
mod snapshots;
mod verdict;
mod waivers;
