//! `fleet-bench`: how fast `acp-preflight check` reads a large platform, against the
//! request-bound floor and a sequential kubectl script, and how much memory it needs.
//!
//! In one run, on one test API server per fleet, with the same latency per request:
//! 1. the wide fleet (a global cluster and `--clusters` workload clusters of `--nodes` nodes):
//!    the real `acp-preflight check` (warm-up runs, then the median of `--runs` runs), its API
//!    requests per cluster and its peak RSS;
//! 2. the request-bound floor: the same request list replayed over `--connections` concurrent
//!    keep-alive HTTPS connections;
//! 3. the same reads with a sequential kubectl script (on `--kubectl-clusters` workload clusters,
//!    extrapolated linearly to the whole fleet);
//! 4. a global cluster of `--global-nodes` nodes: peak RSS and requests of `acp-preflight check`.
//!
//! See BENCHMARKS.md at the repository root.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use fleet_bench::fleet::{
    DEFAULT_BIG_GLOBAL_NODES, DEFAULT_BIG_GLOBAL_WORKLOADS, DEFAULT_NODES_PER_CLUSTER,
    DEFAULT_WORKLOAD_CLUSTERS, GLOBAL,
};
use fleet_bench::measure::{self, ChildStats, MeasuredCommand};
use fleet_bench::replay::{ReplayOutcome, ReplayRequest, Replayer};
use fleet_bench::requests::{self, RequestCounts};
use fleet_bench::{ClusterSummary, Fleet, FleetSpec, dump, kubectl};
use serde::Serialize;
use serde_json::Value;
use test_apiserver::{DEFAULT_TOKEN, RequestRecord, ServerOptions, TestApiServer};

/// The targets of the benchmark.
const TARGET_FLEET_SECS: f64 = 2.0;
const TARGET_FLOOR_RATIO: f64 = 1.5;
const TARGET_RSS_MB: f64 = 100.0;

/// Environment variables removed from every child, so nothing reaches past 127.0.0.1 and no
/// ambient configuration is read.
const ENV_REMOVED: &[&str] = &[
    "KUBECONFIG",
    "KUBERNETES_SERVICE_HOST",
    "KUBERNETES_SERVICE_PORT",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// Benchmarks `acp-preflight check` against generated fleets served by the test API server.
#[derive(Debug, Parser)]
#[command(name = "fleet-bench", version, max_term_width = 100)]
struct Args {
    /// Workload clusters of the wide fleet.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_WORKLOAD_CLUSTERS)]
    clusters: usize,
    /// Nodes of each cluster of the wide fleet (the global one included).
    #[arg(long, value_name = "M", default_value_t = DEFAULT_NODES_PER_CLUSTER)]
    nodes: usize,
    /// Latency the server adds to every request, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 25)]
    latency_ms: u64,
    /// The acp-preflight binary [default: acp-preflight next to this binary].
    #[arg(long, value_name = "PATH")]
    binary: Option<PathBuf>,
    /// Runs of each measurement left out before the measured ones.
    #[arg(long, value_name = "N", default_value_t = 2)]
    warmup: usize,
    /// Measured runs of each measurement (the median is reported).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..))]
    runs: u16,
    /// Concurrent keep-alive connections of the request-bound floor.
    #[arg(long, value_name = "N", default_value_t = 64)]
    connections: usize,
    /// Nodes of the big global cluster.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BIG_GLOBAL_NODES)]
    global_nodes: usize,
    /// Workload clusters next to the big global cluster.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BIG_GLOBAL_WORKLOADS)]
    big_global_clusters: usize,
    /// Skip the big global cluster.
    #[arg(long)]
    skip_big_global: bool,
    /// Workload clusters the kubectl script reads (plus the global one); the time for the whole
    /// fleet is extrapolated linearly from them.
    #[arg(long, value_name = "N", default_value_t = 20)]
    kubectl_clusters: usize,
    /// Skip the kubectl script.
    #[arg(long)]
    skip_kubectl: bool,
    /// The kubectl binary [default: kubectl on the PATH].
    #[arg(long, value_name = "PATH")]
    kubectl: Option<PathBuf>,
    /// The --minio-path given to acp-preflight [default: a temporary directory].
    #[arg(long, value_name = "DIR")]
    minio_path: Option<PathBuf>,
    /// An extra argument for `acp-preflight check` (repeatable), e.g. --check-arg=--concurrency=64.
    #[arg(long = "check-arg", value_name = "ARG", allow_hyphen_values = true)]
    check_args: Vec<String>,
    /// Also write the results as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

fn main() -> ExitCode {
    let raw: Vec<OsString> = std::env::args_os().collect();
    if raw.get(1).is_some_and(|a| a == measure::HELPER_FLAG) {
        return measure::helper_main(&raw[2..]);
    }
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("fleet-bench: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Everything the run needs to start processes.
struct Bench {
    args: Args,
    helper: PathBuf,
    binary: PathBuf,
    work: tempfile::TempDir,
    home: PathBuf,
    minio_path: PathBuf,
    runtime: tokio::runtime::Runtime,
}

/// All results, as written with `--json`.
#[derive(Debug, Serialize)]
struct Results {
    /// How to reproduce.
    command: String,
    machine: Machine,
    latency_ms: u64,
    warmup_runs: usize,
    measured_runs: usize,
    /// Whether the acp-preflight binary can read a live platform.
    live_collection: bool,
    fleet: FleetResults,
    big_global: Option<BigGlobalResults>,
    targets: Vec<TargetResult>,
    /// What could not be measured, and why.
    pending: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Machine {
    cpus: usize,
    acp_preflight: String,
    kubectl: Option<String>,
}

#[derive(Debug, Serialize)]
struct FleetResults {
    spec: FleetSpec,
    clusters: usize,
    objects: usize,
    generate_secs: f64,
    /// `check --snapshot` of the fleet written as a dump directory: the same facts and rules,
    /// without the network.
    offline: CheckResults,
    check: Option<CheckResults>,
    /// `acp-preflight` (the log of a measured check run) or `synthetic` (the expected reads).
    request_list: &'static str,
    requests: RequestCounts,
    floor: FloorResults,
    /// Whether the live check gave the same result counts as `check --snapshot` of the dump.
    live_matches_offline: Option<bool>,
    /// Median check wall time over median floor wall time.
    check_over_floor: Option<f64>,
    kubectl: Option<KubectlResults>,
    /// kubectl script time (extrapolated to the fleet) over median check wall time.
    kubectl_over_check: Option<f64>,
}

#[derive(Debug, Serialize)]
struct CheckResults {
    wall_secs: Vec<f64>,
    median_secs: f64,
    min_secs: f64,
    max_secs: f64,
    median_user_secs: f64,
    median_system_secs: f64,
    max_rss_mb: f64,
    exit_code: Option<i32>,
    verdict: Option<String>,
    summary: Option<Value>,
    /// Results with status `error` (rule, subject, message): none expected.
    errors: Vec<String>,
    /// Results with status `fail` (rule, subject): none expected but the host's disk space.
    fails: Vec<String>,
    requests_per_run_min: usize,
    requests_per_run_max: usize,
}

#[derive(Debug, Serialize)]
struct FloorResults {
    connections: usize,
    requests: usize,
    wall_secs: Vec<f64>,
    median_secs: f64,
    median_connect_secs: f64,
    statuses: std::collections::BTreeMap<u16, usize>,
    body_bytes: u64,
}

#[derive(Debug, Serialize)]
struct KubectlResults {
    workload_clusters_run: usize,
    workload_clusters_total: usize,
    invocations: usize,
    failures: Option<usize>,
    global_secs: f64,
    workloads_secs: f64,
    measured_secs: f64,
    /// For the whole fleet; extrapolated when only some workload clusters were read.
    total_secs: f64,
    extrapolated: bool,
    /// Requests kubectl made (discovery included), and per invocation.
    requests: usize,
    requests_per_invocation: f64,
    max_rss_mb: f64,
    /// One line of the script.
    example_command: String,
}

#[derive(Debug, Serialize)]
struct BigGlobalResults {
    spec: FleetSpec,
    objects_on_global: usize,
    check: CheckResults,
    requests: RequestCounts,
    /// The same fleet with a global cluster of `--nodes` nodes (one run).
    twin: TwinResults,
}

#[derive(Debug, Serialize)]
struct TwinResults {
    global_nodes: usize,
    requests: RequestCounts,
}

#[derive(Debug, Serialize)]
struct TargetResult {
    what: String,
    target: String,
    measured: String,
    /// `None` when not measured.
    met: Option<bool>,
}

fn run(args: Args) -> Result<(), String> {
    if args.clusters == 0 {
        return Err("--clusters must be at least 1".to_string());
    }
    let helper = std::env::current_exe().map_err(|e| format!("cannot locate myself: {e}"))?;
    let binary = match &args.binary {
        Some(path) => path.clone(),
        None => helper.with_file_name("acp-preflight"),
    };
    if !binary.is_file() {
        return Err(format!(
            "{} not found: build it first (cargo build --release -p checker-cli) or give --binary",
            binary.display()
        ));
    }
    let work = tempfile::Builder::new()
        .prefix("fleet-bench-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let home = work.path().join("home");
    let default_minio = work.path().join("minio");
    for dir in [&home, &default_minio] {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the replay runtime: {e}"))?;
    let minio_path = args.minio_path.clone().unwrap_or(default_minio);
    let bench = Bench {
        args,
        helper,
        binary,
        minio_path,
        home,
        work,
        runtime,
    };
    let results = bench.run_all()?;
    print_table(&results);
    if let Some(path) = &bench.args.json {
        let json = serde_json::to_string_pretty(&results)
            .map_err(|e| format!("cannot serialise the results: {e}"))?;
        std::fs::write(path, format!("{json}\n"))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("fleet-bench: results written to {}", path.display());
    }
    Ok(())
}

/// A fleet being served.
struct Served {
    server: TestApiServer,
    clusters: Vec<ClusterSummary>,
    kubeconfig: PathBuf,
}

impl Bench {
    fn run_all(&self) -> Result<Results, String> {
        let mut pending = Vec::new();
        let live = self.live_collection();
        if !live {
            pending.push(format!(
                "{} has no live collection yet (`check --help` lists no --kubeconfig): the check \
                 runs, their request counts and RSS are not measured, and the floor replays the \
                 expected request list instead of the observed one",
                self.binary.display()
            ));
        }
        let machine = Machine {
            cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
            acp_preflight: first_line(&self.output_of(&self.binary, &["--version"])),
            kubectl: self.kubectl_path().map(|k| k.display().to_string()),
        };

        // The wide fleet.
        let spec = FleetSpec::wide(self.args.clusters, self.args.nodes);
        let started = Instant::now();
        let fleet = Fleet::generate(&spec).map_err(|e| e.to_string())?;
        let generate_secs = started.elapsed().as_secs_f64();
        let objects: usize = fleet.clusters.iter().map(|c| c.objects).sum();
        progress(&format!(
            "wide fleet: {} clusters, {objects} objects, generated in {generate_secs:.1} s",
            fleet.clusters.len()
        ));
        let served = self.serve(fleet, "wide")?;

        let offline = self.offline_runs(&served)?;
        let check = if live {
            Some(self.check_runs(&served, "wide fleet")?)
        } else {
            None
        };
        let (request_list, replay_list): (&'static str, Vec<ReplayRequest>) = match &check {
            Some((_, log)) => (
                "acp-preflight",
                log.iter().filter_map(ReplayRequest::from_record).collect(),
            ),
            None => ("synthetic", requests::synthetic(&served.clusters)),
        };
        let (floor, replay_log) = self.floor_runs(&served, replay_list)?;
        let requests = match &check {
            Some((_, log)) => RequestCounts::of(log, &served.clusters),
            None => RequestCounts::of(&replay_log, &served.clusters),
        };
        let kubectl = if self.args.skip_kubectl {
            pending.push("kubectl script skipped (--skip-kubectl)".to_string());
            None
        } else {
            match self.kubectl_path() {
                Some(program) => Some(self.kubectl_run(&served, &program)?),
                None => {
                    pending.push("kubectl script: no kubectl on the PATH".to_string());
                    None
                }
            }
        };
        let check = check.map(|(results, _)| results);
        let live_matches_offline = check
            .as_ref()
            .map(|c| c.summary.is_some() && c.summary == offline.summary);
        let check_over_floor = check
            .as_ref()
            .map(|c| c.median_secs / floor.median_secs.max(1e-9));
        let kubectl_over_check = match (&check, &kubectl) {
            (Some(c), Some(k)) => Some(k.total_secs / c.median_secs.max(1e-9)),
            _ => None,
        };
        let fleet = FleetResults {
            spec,
            clusters: served.clusters.len(),
            objects,
            generate_secs,
            offline,
            check,
            request_list,
            requests,
            floor,
            live_matches_offline,
            check_over_floor,
            kubectl,
            kubectl_over_check,
        };
        drop(served);

        // The big global cluster.
        let big_global = if self.args.skip_big_global {
            pending.push("big global cluster skipped (--skip-big-global)".to_string());
            None
        } else if !live {
            pending.push(format!(
                "{}-node global cluster: needs live collection",
                self.args.global_nodes
            ));
            None
        } else {
            let spec = FleetSpec::big_global(self.args.global_nodes, self.args.big_global_clusters);
            let fleet = Fleet::generate(&spec).map_err(|e| e.to_string())?;
            let objects_on_global = fleet.clusters.first().map_or(0, |c| c.objects);
            progress(&format!(
                "big global: {} nodes, {objects_on_global} objects on the global cluster",
                spec.global_nodes
            ));
            let served = self.serve(fleet, "big-global")?;
            let (check, log) = self.check_runs(&served, "big global")?;
            let requests = RequestCounts::of(&log, &served.clusters);
            drop(served);

            // The same fleet with a small global cluster: the request counts must not change.
            let twin_spec = FleetSpec::big_global(self.args.nodes, self.args.big_global_clusters);
            let twin = self.serve(
                Fleet::generate(&twin_spec).map_err(|e| e.to_string())?,
                "twin",
            )?;
            let source = [
                "--kubeconfig".into(),
                twin.kubeconfig.clone().into(),
                "--context".into(),
                GLOBAL.into(),
            ];
            let (_, twin_log) = self.check_runs_of(
                &twin,
                &format!("{}-node global", twin_spec.global_nodes),
                &source,
                0,
                1,
            )?;
            let twin_requests = RequestCounts::of(&twin_log, &twin.clusters);
            Some(BigGlobalResults {
                spec,
                objects_on_global,
                check,
                requests,
                twin: TwinResults {
                    global_nodes: twin_spec.global_nodes,
                    requests: twin_requests,
                },
            })
        };

        let targets = targets(&fleet, big_global.as_ref(), self.args.global_nodes);
        Ok(Results {
            command: reproduce_command(&self.args),
            machine,
            latency_ms: self.args.latency_ms,
            warmup_runs: self.args.warmup,
            measured_runs: usize::from(self.args.runs),
            live_collection: live,
            fleet,
            big_global,
            targets,
            pending,
        })
    }

    /// Whether the binary reads live platforms (its `check` takes `--kubeconfig`).
    fn live_collection(&self) -> bool {
        self.output_of(&self.binary, &["check", "--help"])
            .contains("--kubeconfig")
    }

    /// Standard output of a quick command, or "" if it cannot run.
    fn output_of(&self, program: &Path, args: &[&str]) -> String {
        Command::new(program)
            .args(args)
            .env("HOME", &self.home)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    fn kubectl_path(&self) -> Option<PathBuf> {
        if let Some(path) = &self.args.kubectl {
            return Some(path.clone());
        }
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|dir| dir.join("kubectl"))
            .find(|p| p.is_file())
    }

    /// Starts a server for a fleet and writes its kubeconfig (one context per cluster).
    fn serve(&self, fleet: Fleet, name: &str) -> Result<Served, String> {
        let contexts: Vec<(String, String)> = fleet
            .contexts()
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let Fleet { platform, clusters } = fleet;
        let options = ServerOptions {
            latency: Duration::from_millis(self.args.latency_ms),
            ..ServerOptions::default()
        };
        let server = TestApiServer::start_blocking(platform, options)
            .map_err(|e| format!("cannot start the test API server: {e}"))?;
        let pairs: Vec<(&str, &str)> = contexts
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let kubeconfig = self.work.path().join(format!("{name}.kubeconfig"));
        std::fs::write(&kubeconfig, server.kubeconfig(&pairs, DEFAULT_TOKEN))
            .map_err(|e| format!("{}: {e}", kubeconfig.display()))?;
        Ok(Served {
            server,
            clusters,
            kubeconfig,
        })
    }

    fn child_env(&self) -> Vec<(OsString, OsString)> {
        vec![
            ("HOME".into(), self.home.clone().into_os_string()),
            ("KUBECACHEDIR".into(), self.home.join("kube-cache").into()),
            ("NO_PROXY".into(), "127.0.0.1,localhost".into()),
            ("NO_COLOR".into(), "1".into()),
        ]
    }

    fn measured(&self, program: &Path, args: Vec<OsString>) -> MeasuredCommand {
        MeasuredCommand {
            helper: self.helper.clone(),
            program: program.to_path_buf(),
            args,
            env: self.child_env(),
            env_remove: ENV_REMOVED.iter().map(OsString::from).collect(),
            work_dir: self.work.path().to_path_buf(),
        }
    }

    /// Warm-up and measured runs of `acp-preflight check` against a served fleet; returns the
    /// results and the request log of the first measured run.
    fn check_runs(
        &self,
        served: &Served,
        what: &str,
    ) -> Result<(CheckResults, Vec<RequestRecord>), String> {
        let source = [
            "--kubeconfig".into(),
            served.kubeconfig.clone().into(),
            "--context".into(),
            GLOBAL.into(),
        ];
        self.check_runs_of(
            served,
            what,
            &source,
            self.args.warmup,
            usize::from(self.args.runs),
        )
    }

    /// Like [`Bench::check_runs`], reading the given source (`--kubeconfig ...` or
    /// `--snapshot DIR`).
    fn check_runs_of(
        &self,
        served: &Served,
        what: &str,
        source: &[OsString],
        warmup: usize,
        runs: usize,
    ) -> Result<(CheckResults, Vec<RequestRecord>), String> {
        let mut args: Vec<OsString> = vec!["check".into()];
        args.extend(source.iter().cloned());
        args.extend([
            "-o".into(),
            "json".into(),
            "--minio-path".into(),
            self.minio_path.clone().into(),
        ]);
        args.extend(self.args.check_args.iter().map(OsString::from));
        let command = self.measured(&self.binary, args);
        let mut stats: Vec<ChildStats> = Vec::new();
        let mut request_totals = Vec::new();
        let mut first_log = None;
        let mut last_report = None;
        for run in 0..warmup + runs {
            served.server.clear_requests();
            let measured = command
                .run()
                .map_err(|e| format!("cannot run {}: {e}", self.binary.display()))?;
            let log = served.server.requests();
            let code = measured.stats.exit_code;
            if !matches!(code, Some(0 | 3 | 4 | 5)) {
                return Err(format!(
                    "acp-preflight check exited with {code:?} on the {what}:\n{}",
                    String::from_utf8_lossy(&measured.stderr).trim()
                ));
            }
            let label = if run < warmup { "warm-up" } else { "run" };
            progress(&format!(
                "check, {what}, {label} {}: {:.3} s, {} requests, peak RSS {:.1} MB, exit {}",
                run + 1,
                measured.stats.wall_secs,
                log.len(),
                measured.stats.max_rss_mb(),
                code.map_or("signal".to_string(), |c| c.to_string()),
            ));
            if run >= warmup {
                stats.push(measured.stats);
                request_totals.push(log.len());
                if first_log.is_none() {
                    first_log = Some(log);
                }
                last_report = Some(measured.stdout);
            }
        }
        let report: Option<Value> = last_report.and_then(|out| serde_json::from_slice(&out).ok());
        let walls: Vec<f64> = stats.iter().map(|s| s.wall_secs).collect();
        let listed = |status: &str, with_message: bool| -> Vec<String> {
            report
                .as_ref()
                .and_then(|r| r.get("results"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|r| r.get("status").and_then(Value::as_str) == Some(status))
                .map(|r| {
                    let text = |key: &str| r.get(key).and_then(Value::as_str).unwrap_or("");
                    let what = format!("{} on {}", text("rule"), subject(r.get("subject")));
                    if with_message {
                        format!("{what}: {}", text("message"))
                    } else {
                        what
                    }
                })
                .collect()
        };
        let results = CheckResults {
            median_secs: median(&walls),
            min_secs: walls.iter().copied().fold(f64::INFINITY, f64::min),
            max_secs: walls.iter().copied().fold(0.0, f64::max),
            median_user_secs: median(&stats.iter().map(|s| s.user_secs).collect::<Vec<_>>()),
            median_system_secs: median(&stats.iter().map(|s| s.system_secs).collect::<Vec<_>>()),
            max_rss_mb: stats.iter().map(ChildStats::max_rss_mb).fold(0.0, f64::max),
            exit_code: stats.last().and_then(|s| s.exit_code),
            verdict: report
                .as_ref()
                .and_then(|r| r.get("verdict"))
                .and_then(Value::as_str)
                .map(str::to_string),
            summary: report.as_ref().and_then(|r| r.get("summary")).cloned(),
            errors: listed("error", true),
            fails: listed("fail", false),
            requests_per_run_min: request_totals.iter().copied().min().unwrap_or(0),
            requests_per_run_max: request_totals.iter().copied().max().unwrap_or(0),
            wall_secs: walls,
        };
        Ok((results, first_log.unwrap_or_default()))
    }

    /// Writes the served fleet as a dump directory (without the latency) and times
    /// `check --snapshot` on it.
    fn offline_runs(&self, served: &Served) -> Result<CheckResults, String> {
        let dir = self.work.path().join("dump");
        let replayer = Replayer::new(served.server.addr(), served.server.ca_pem(), DEFAULT_TOKEN)
            .map_err(|e| e.to_string())?;
        served.server.set_latency(Duration::ZERO);
        let written = self
            .runtime
            .block_on(dump::write(&replayer, &served.clusters, &dir));
        served
            .server
            .set_latency(Duration::from_millis(self.args.latency_ms));
        let files = written.map_err(|e| format!("cannot write the fleet's dump: {e}"))?;
        progress(&format!(
            "dump directory: {files} files in {}",
            dir.display()
        ));
        let source = ["--snapshot".into(), dir.into_os_string()];
        let (results, _) = self.check_runs_of(
            served,
            "dump directory",
            &source,
            self.args.warmup,
            usize::from(self.args.runs),
        )?;
        Ok(results)
    }

    /// Warm-up and measured replays of a request list; returns the results and the server's log
    /// of the last replay.
    fn floor_runs(
        &self,
        served: &Served,
        list: Vec<ReplayRequest>,
    ) -> Result<(FloorResults, Vec<RequestRecord>), String> {
        let replayer = Replayer::new(served.server.addr(), served.server.ca_pem(), DEFAULT_TOKEN)
            .map_err(|e| e.to_string())?;
        let list: Arc<[ReplayRequest]> = list.into();
        let mut outcomes: Vec<ReplayOutcome> = Vec::new();
        let mut log = Vec::new();
        for run in 0..self.args.warmup + usize::from(self.args.runs) {
            served.server.clear_requests();
            let outcome = self
                .runtime
                .block_on(replayer.replay(list.clone(), self.args.connections))
                .map_err(|e| format!("replay failed: {e}"))?;
            log = served.server.requests();
            progress(&format!(
                "floor, {} {}: {:.3} s for {} requests over {} connections",
                if run < self.args.warmup {
                    "warm-up"
                } else {
                    "run"
                },
                run + 1,
                outcome.elapsed.as_secs_f64(),
                outcome.requests,
                outcome.connections
            ));
            if run >= self.args.warmup {
                outcomes.push(outcome);
            }
        }
        let walls: Vec<f64> = outcomes.iter().map(|o| o.elapsed.as_secs_f64()).collect();
        let connects: Vec<f64> = outcomes.iter().map(|o| o.connect.as_secs_f64()).collect();
        let last = outcomes.last();
        Ok((
            FloorResults {
                connections: last.map_or(0, |o| o.connections),
                requests: list.len(),
                median_secs: median(&walls),
                median_connect_secs: median(&connects),
                statuses: last.map(|o| o.statuses.clone()).unwrap_or_default(),
                body_bytes: last.map_or(0, |o| o.body_bytes),
                wall_secs: walls,
            },
            log,
        ))
    }

    /// The kubectl script on the global cluster and the first `--kubectl-clusters` workload
    /// clusters, timed in two parts and extrapolated to the whole fleet.
    fn kubectl_run(&self, served: &Served, program: &Path) -> Result<KubectlResults, String> {
        let workloads: Vec<&str> = served
            .clusters
            .iter()
            .skip(1)
            .map(|c| c.name.as_str())
            .collect();
        let subset = self.args.kubectl_clusters.min(workloads.len());
        let out_dir = self.work.path().join("kubectl-out");
        let global_reads = kubectl::reads_for(GLOBAL, true, &out_dir);
        let workload_reads: Vec<_> = workloads[..subset]
            .iter()
            .flat_map(|c| kubectl::reads_for(c, false, &out_dir))
            .collect();
        let part = |name: &str, reads: &[kubectl::KubectlRead]| {
            let path = self.work.path().join(format!("kubectl-{name}.sh"));
            std::fs::write(&path, kubectl::script(program, &served.kubeconfig, reads))
                .map_err(|e| format!("{}: {e}", path.display()))?;
            served.server.clear_requests();
            let measured = self
                .measured(Path::new("bash"), vec![path.clone().into()])
                .run()
                .map_err(|e| format!("cannot run {}: {e}", path.display()))?;
            let requests = served.server.requests().len();
            let failures = kubectl::failures(&String::from_utf8_lossy(&measured.stdout));
            progress(&format!(
                "kubectl, {name}: {} reads in {:.1} s, {requests} requests, failures: {}",
                reads.len(),
                measured.stats.wall_secs,
                failures.map_or("unknown".to_string(), |f| f.to_string())
            ));
            Ok::<_, String>((measured.stats, requests, failures))
        };
        let (global, global_requests, global_failures) = part("global", &global_reads)?;
        let (work, work_requests, work_failures) = part("workloads", &workload_reads)?;
        let example_command = kubectl::script(
            program,
            &served.kubeconfig,
            workload_reads.first().map_or(&[][..], std::slice::from_ref),
        )
        .lines()
        .find(|line| line.contains(" get "))
        .unwrap_or("")
        .to_string();
        let invocations = global_reads.len() + workload_reads.len();
        let requests = global_requests + work_requests;
        let total_secs = if subset == 0 {
            global.wall_secs
        } else {
            global.wall_secs + work.wall_secs / subset as f64 * workloads.len() as f64
        };
        Ok(KubectlResults {
            workload_clusters_run: subset,
            workload_clusters_total: workloads.len(),
            invocations,
            failures: global_failures.zip(work_failures).map(|(a, b)| a + b),
            global_secs: global.wall_secs,
            workloads_secs: work.wall_secs,
            measured_secs: global.wall_secs + work.wall_secs,
            total_secs,
            extrapolated: subset < workloads.len(),
            requests,
            requests_per_invocation: requests as f64 / invocations.max(1) as f64,
            max_rss_mb: global.max_rss_mb().max(work.max_rss_mb()),
            example_command,
        })
    }
}

fn targets(
    fleet: &FleetResults,
    big: Option<&BigGlobalResults>,
    global_nodes: usize,
) -> Vec<TargetResult> {
    let clusters = fleet.spec.workload_clusters;
    let mut list = vec![TargetResult {
        what: format!("check of the {clusters}-cluster fleet, wall time (median)"),
        target: format!("< {TARGET_FLEET_SECS} s"),
        measured: fleet
            .check
            .as_ref()
            .map_or("pending".to_string(), |c| format!("{:.3} s", c.median_secs)),
        met: fleet
            .check
            .as_ref()
            .map(|c| c.median_secs < TARGET_FLEET_SECS),
    }];
    list.push(TargetResult {
        what: "check / request-bound floor".to_string(),
        target: format!("<= {TARGET_FLOOR_RATIO}x"),
        measured: fleet.check_over_floor.map_or("pending".to_string(), |r| {
            format!(
                "{r:.2}x ({:.3} s / {:.3} s)",
                fleet.check.as_ref().map_or(0.0, |c| c.median_secs),
                fleet.floor.median_secs
            )
        }),
        met: fleet.check_over_floor.map(|r| r <= TARGET_FLOOR_RATIO),
    });
    let r = &fleet.requests;
    let measured = fleet.check.is_some();
    let objects = |min: bool| {
        let values = r
            .per_profile
            .iter()
            .map(|p| if min { p.objects_min } else { p.objects_max });
        if min {
            values.min().unwrap_or(0)
        } else {
            values.max().unwrap_or(0)
        }
    };
    let per_workload = |c: &RequestCounts| {
        if c.workload_constant {
            c.workload_min.to_string()
        } else {
            format!("{}..{}", c.workload_min, c.workload_max)
        }
    };
    list.push(TargetResult {
        what: "API requests per workload cluster".to_string(),
        target: "a small constant, whatever the cluster's objects and nodes".to_string(),
        measured: if measured {
            format!(
                "{} for each of {clusters} clusters of {}..{} objects{}",
                per_workload(r),
                objects(true),
                objects(false),
                big.map_or(String::new(), |b| format!(
                    "; {} next to the {global_nodes}-node global",
                    per_workload(&b.requests)
                ))
            )
        } else {
            "pending".to_string()
        },
        met: measured.then(|| {
            r.workload_constant
                && big.is_none_or(|b| {
                    b.requests.workload_constant && b.requests.workload_min == r.workload_min
                })
        }),
    });
    list.push(TargetResult {
        what: "API requests on the global cluster".to_string(),
        target: "independent of its node count".to_string(),
        measured: match big {
            Some(b) => format!(
                "{} with {global_nodes} nodes, {} with {} nodes (same fleet); {} in the \
                 {clusters}-cluster fleet ({} extra list page(s))",
                b.requests.global,
                b.twin.requests.global,
                b.twin.global_nodes,
                r.global,
                r.continued
            ),
            None => "pending".to_string(),
        },
        met: big.map(|b| {
            b.requests.global == b.twin.requests.global && b.requests.total == b.twin.requests.total
        }),
    });
    list.push(TargetResult {
        what: format!("peak RSS, {global_nodes}-node global"),
        target: format!("< {TARGET_RSS_MB} MB"),
        measured: big.map_or("pending".to_string(), |b| {
            format!("{:.1} MB", b.check.max_rss_mb)
        }),
        met: big.map(|b| b.check.max_rss_mb < TARGET_RSS_MB),
    });
    list
}

fn print_table(results: &Results) {
    let f = &results.fleet;
    println!();
    println!(
        "fleet-bench: {} workload clusters x {} nodes + global; {} ms per request; {} CPUs; \
         median of {} runs after {} warm-up",
        f.spec.workload_clusters,
        f.spec.nodes_per_cluster,
        results.latency_ms,
        results.machine.cpus,
        results.measured_runs,
        results.warmup_runs
    );
    let row = |what: &str, value: String| println!("  {what:<44} {value}");
    row(
        "check --snapshot of the same fleet (no network)",
        format!(
            "{:.3} s  (cpu {:.2} user + {:.2} sys), peak RSS {:.1} MB, verdict {}",
            f.offline.median_secs,
            f.offline.median_user_secs,
            f.offline.median_system_secs,
            f.offline.max_rss_mb,
            verdict_text(&f.offline)
        ),
    );
    match &f.check {
        Some(c) => {
            row(
                "acp-preflight check, wall (median)",
                format!(
                    "{:.3} s  (min {:.3}, max {:.3}; cpu {:.2} user + {:.2} sys)",
                    c.median_secs, c.min_secs, c.max_secs, c.median_user_secs, c.median_system_secs
                ),
            );
            row(
                "acp-preflight check, peak RSS",
                format!("{:.1} MB", c.max_rss_mb),
            );
            row(
                "verdict",
                format!(
                    "{}; same results as the snapshot check: {}",
                    verdict_text(c),
                    match f.live_matches_offline {
                        Some(true) => "yes",
                        _ => "NO",
                    }
                ),
            );
        }
        None => row(
            "acp-preflight check",
            "pending (no live collection)".to_string(),
        ),
    }
    let r = &f.requests;
    row(
        &format!("API requests ({})", f.request_list),
        format!(
            "{} total: global {}, each workload cluster {}{} ({})",
            r.total,
            r.global,
            r.workload_min,
            if r.workload_constant {
                String::new()
            } else {
                format!("..{}", r.workload_max)
            },
            if r.workload_constant {
                "constant across profiles"
            } else {
                "NOT constant"
            }
        ),
    );
    for p in &r.per_profile {
        row(
            &format!("  {:?} clusters", p.profile),
            format!(
                "{} clusters of {}..{} objects: {}..{} requests each",
                p.clusters, p.objects_min, p.objects_max, p.requests_min, p.requests_max
            ),
        );
    }
    row(
        &format!("request-bound floor ({} connections)", f.floor.connections),
        format!(
            "{:.3} s for {} requests (connect {:.3} s, not counted)",
            f.floor.median_secs, f.floor.requests, f.floor.median_connect_secs
        ),
    );
    if let Some(ratio) = f.check_over_floor {
        row("check / floor", format!("{ratio:.2}x"));
    }
    match &f.kubectl {
        Some(k) => {
            row(
                "sequential kubectl script",
                format!(
                    "{:.1} s{} ({} invocations, {:.1} requests each, {:.1} s measured on global + {} \
                     of {} workload clusters)",
                    k.total_secs,
                    if k.extrapolated {
                        ", extrapolated linearly"
                    } else {
                        ""
                    },
                    k.invocations,
                    k.requests_per_invocation,
                    k.measured_secs,
                    k.workload_clusters_run,
                    k.workload_clusters_total
                ),
            );
            if let Some(ratio) = f.kubectl_over_check {
                row("kubectl script / check", format!("{ratio:.0}x"));
            }
        }
        None => row("sequential kubectl script", "not run".to_string()),
    }
    if let Some(b) = &results.big_global {
        row(
            &format!("{}-node global: check wall (median)", b.spec.global_nodes),
            format!("{:.3} s", b.check.median_secs),
        );
        row(
            &format!("{}-node global: peak RSS", b.spec.global_nodes),
            format!("{:.1} MB", b.check.max_rss_mb),
        );
        row(
            &format!("{}-node global: API requests", b.spec.global_nodes),
            format!(
                "{} total: global {}, each workload cluster {}..{}",
                b.requests.total,
                b.requests.global,
                b.requests.workload_min,
                b.requests.workload_max
            ),
        );
        row(
            &format!(
                "same fleet, {}-node global: API requests",
                b.twin.global_nodes
            ),
            format!(
                "{} total: global {}, each workload cluster {}..{}",
                b.twin.requests.total,
                b.twin.requests.global,
                b.twin.requests.workload_min,
                b.twin.requests.workload_max
            ),
        );
    }
    println!("  targets:");
    for t in &results.targets {
        let mark = match t.met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "pending",
        };
        println!("    [{mark:^7}] {} {}: {}", t.what, t.target, t.measured);
    }
    for p in &results.pending {
        println!("  pending: {p}");
    }
}

/// A result's subject in words: `platform`, `cluster NAME` or `host HOST path PATH`.
fn subject(subject: Option<&Value>) -> String {
    let field = |key: &str| subject.and_then(|s| s.get(key)).and_then(Value::as_str);
    match (field("cluster"), field("host"), field("path")) {
        (Some(cluster), _, _) => format!("cluster {cluster}"),
        (None, Some(host), Some(path)) => format!("host {host} path {path}"),
        (None, Some(host), None) => format!("host {host}"),
        _ => "platform".to_string(),
    }
}

fn verdict_text(c: &CheckResults) -> String {
    format!(
        "{} (exit {}), {} error(s), fails: {}",
        c.verdict.as_deref().unwrap_or("?"),
        c.exit_code.map_or("?".to_string(), |e| e.to_string()),
        c.errors.len(),
        if c.fails.is_empty() {
            "none".to_string()
        } else {
            c.fails.join("; ")
        }
    )
}

fn reproduce_command(args: &Args) -> String {
    let mut command = format!(
        "target/release/fleet-bench --clusters {} --nodes {} --latency-ms {} --runs {} --warmup {} \
         --connections {} --global-nodes {} --kubectl-clusters {}",
        args.clusters,
        args.nodes,
        args.latency_ms,
        args.runs,
        args.warmup,
        args.connections,
        args.global_nodes,
        args.kubectl_clusters
    );
    if args.skip_kubectl {
        command += " --skip-kubectl";
    }
    for extra in &args.check_args {
        command += &format!(" --check-arg={extra}");
    }
    command
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_string()
}

fn progress(message: &str) {
    eprintln!("fleet-bench: {message}");
}
