//! What a run measured: the serialisable result types, written as JSON with `--json`.

use std::path::Path;

use fleet_bench::FleetSpec;
use fleet_bench::requests::RequestCounts;
use serde::Serialize;
use serde_json::Value;

/// All results, as written with `--json`.
#[derive(Debug, Serialize)]
pub struct Results {
    /// How to reproduce.
    pub command: String,
    pub machine: Machine,
    pub latency_ms: u64,
    pub warmup_runs: usize,
    pub measured_runs: usize,
    /// Whether the acp-preflight binary can read a live platform.
    pub live_collection: bool,
    pub fleet: FleetResults,
    pub big_global: Option<BigGlobalResults>,
    pub targets: Vec<TargetResult>,
    /// What could not be measured, and why.
    pub pending: Vec<String>,
}

/// The machine and the programs measured.
#[derive(Debug, Serialize)]
pub struct Machine {
    pub cpus: usize,
    pub acp_preflight: String,
    pub kubectl: Option<String>,
}

/// The wide fleet: the checks, the requests they made, the floor and the kubectl script.
#[derive(Debug, Serialize)]
pub struct FleetResults {
    pub spec: FleetSpec,
    pub clusters: usize,
    pub objects: usize,
    pub generate_secs: f64,
    /// `check --snapshot` of the fleet written as a dump directory: the same facts and rules,
    /// without the network.
    pub offline: CheckResults,
    pub check: Option<CheckResults>,
    /// `acp-preflight` (the log of a measured check run) or `synthetic` (the expected reads).
    pub request_list: &'static str,
    pub requests: RequestCounts,
    pub floor: FloorResults,
    /// Whether the live check gave the same result counts as `check --snapshot` of the dump.
    pub live_matches_offline: Option<bool>,
    /// Median check wall time over median floor wall time.
    pub check_over_floor: Option<f64>,
    pub kubectl: Option<KubectlResults>,
    /// kubectl script time (extrapolated to the fleet) over median check wall time.
    pub kubectl_over_check: Option<f64>,
    /// The HTML report of `check --snapshot` of the dump: its size and its open time.
    pub html: Option<HtmlResults>,
}

/// The HTML report of the fleet (`--output-file html=PATH`) and how long headless Chromium
/// takes to open it (medians of the runs after a warm-up; `None` without Chromium).
#[derive(Debug, Default, Serialize)]
pub struct HtmlResults {
    /// Size of the file.
    pub bytes: usize,
    /// Results listed on the page.
    pub results: usize,
    /// `chromium --version`.
    pub chromium: Option<String>,
    /// From navigation start to the end of the page's script (filters set up).
    pub median_ready_ms: Option<f64>,
    /// From navigation start to the end of `DOMContentLoaded`.
    pub median_dom_content_loaded_ms: Option<f64>,
    /// From navigation start to the load event.
    pub median_load_ms: Option<f64>,
    pub max_load_ms: Option<f64>,
    /// Wall time of the whole `chromium --headless --dump-dom` process on the page.
    pub median_process_secs: Option<f64>,
    /// The same on an empty page: the browser's own start and stop.
    pub median_empty_process_secs: Option<f64>,
}

/// Runs of `acp-preflight check`: wall and CPU times, peak RSS, and the last report's verdict.
#[derive(Debug, Serialize)]
pub struct CheckResults {
    pub wall_secs: Vec<f64>,
    pub median_secs: f64,
    pub min_secs: f64,
    pub max_secs: f64,
    pub median_user_secs: f64,
    pub median_system_secs: f64,
    pub max_rss_mb: f64,
    pub exit_code: Option<i32>,
    pub verdict: Option<String>,
    pub summary: Option<Value>,
    /// Results with status `error` (rule, subject, message): none expected.
    pub errors: Vec<String>,
    /// Results with status `fail` (rule, subject): none expected but the host's disk space.
    pub fails: Vec<String>,
    pub requests_per_run_min: usize,
    pub requests_per_run_max: usize,
}

/// Replays of the request list: the request-bound floor.
#[derive(Debug, Serialize)]
pub struct FloorResults {
    pub connections: usize,
    pub requests: usize,
    pub wall_secs: Vec<f64>,
    pub median_secs: f64,
    pub median_connect_secs: f64,
    pub statuses: std::collections::BTreeMap<u16, usize>,
    pub body_bytes: u64,
}

/// The sequential kubectl script.
#[derive(Debug, Serialize)]
pub struct KubectlResults {
    pub workload_clusters_run: usize,
    pub workload_clusters_total: usize,
    pub invocations: usize,
    pub failures: Option<usize>,
    /// Reads of kinds the cluster does not serve (no CRD), which kubectl fails: the expected
    /// failures.
    pub expected_failures: usize,
    pub global_secs: f64,
    pub workloads_secs: f64,
    pub measured_secs: f64,
    /// For the whole fleet; extrapolated when only some workload clusters were read.
    pub total_secs: f64,
    pub extrapolated: bool,
    /// Requests kubectl made (discovery included), and per invocation.
    pub requests: usize,
    pub requests_per_invocation: f64,
    pub max_rss_mb: f64,
    /// One line of the script.
    pub example_command: String,
}

/// The big global cluster.
#[derive(Debug, Serialize)]
pub struct BigGlobalResults {
    pub spec: FleetSpec,
    pub objects_on_global: usize,
    pub check: CheckResults,
    pub requests: RequestCounts,
    /// The same fleet with a global cluster of `--nodes` nodes (one run).
    pub twin: TwinResults,
}

/// The twin of the big global fleet, with a small global cluster.
#[derive(Debug, Serialize)]
pub struct TwinResults {
    pub global_nodes: usize,
    pub requests: RequestCounts,
}

/// One target of the benchmark and whether it was met.
#[derive(Debug, Serialize)]
pub struct TargetResult {
    pub what: String,
    pub target: String,
    pub measured: String,
    /// `None` when not measured.
    pub met: Option<bool>,
}

impl Results {
    /// Writes the results as pretty-printed JSON to `path`.
    pub fn write_json(&self, path: &Path) -> Result<(), String> {
        let json = serde_json::to_string_pretty(self)
            .map_err(|e| format!("cannot serialise the results: {e}"))?;
        std::fs::write(path, format!("{json}\n"))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("fleet-bench: results written to {}", path.display());
        Ok(())
    }
}

/// The median of some figures (0 for none).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}
