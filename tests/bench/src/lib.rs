//! Benchmark support for `acp-preflight`'s live collection.
//!
//! - [`fleet`]: generated platforms — a global cluster and many workload clusters, or a global
//!   cluster with thousands of nodes — built from the object shapes of `fixtures/ready-3.18`, for
//!   [`test_apiserver::TestApiServer`] to serve;
//! - [`requests`]: what the server's request log says (requests per cluster, statuses), and the
//!   request list the checker is expected to make when it cannot be observed;
//! - [`replay`]: the request-bound floor — a request list replayed over many concurrent
//!   keep-alive HTTPS connections;
//! - [`dump`]: a served fleet written as a dump directory, for `check --snapshot`;
//! - [`kubectl`]: the same reads as a sequential `kubectl get -o json` script;
//! - [`measure`]: wall time and peak RSS of a child process.
//!
//! The `fleet-bench` binary puts them together: `main.rs` and the modules it declares next to
//! these (`args`, `bench`, `wide_fleet`, `big_global`, `check_runs`, `results`, `targets`,
//! `report`), which are not part of the library. `BENCHMARKS.md` at the repository root says how
//! to run it and what it measured.

#![warn(missing_docs)]

pub mod dump;
pub mod fleet;
pub mod kubectl;
pub mod measure;
pub mod replay;
pub mod requests;
mod templates;

pub use fleet::{ClusterSummary, Fleet, FleetError, FleetSpec, Profile};
