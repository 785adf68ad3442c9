//! The command line of `fleet-bench`: the flags and their defaults (the doc comments here are
//! the `--help` text), and the command that reproduces a run.

use std::path::PathBuf;

use clap::Parser;
use fleet_bench::fleet::{
    DEFAULT_BIG_GLOBAL_NODES, DEFAULT_BIG_GLOBAL_WORKLOADS, DEFAULT_NODE_IMAGES,
    DEFAULT_NODES_PER_CLUSTER, DEFAULT_WORKLOAD_CLUSTERS,
};

/// Benchmarks `acp-preflight check` against generated fleets served by the test API server.
#[derive(Debug, Parser)]
#[command(name = "fleet-bench", version, max_term_width = 100)]
pub struct Args {
    /// Workload clusters of the wide fleet.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_WORKLOAD_CLUSTERS)]
    pub clusters: usize,
    /// Nodes of each cluster of the wide fleet (the global one included).
    #[arg(long, value_name = "M", default_value_t = DEFAULT_NODES_PER_CLUSTER)]
    pub nodes: usize,
    /// Images listed in each node's status.images (the kubelet lists at most 50); 0 for none,
    /// as in the fixture's nodes.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_NODE_IMAGES)]
    pub node_images: usize,
    /// Latency the server adds to every request, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 25)]
    pub latency_ms: u64,
    /// The acp-preflight binary [default: acp-preflight next to this binary].
    #[arg(long, value_name = "PATH")]
    pub binary: Option<PathBuf>,
    /// Runs of each measurement left out before the measured ones.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub warmup: usize,
    /// Measured runs of each measurement (the median is reported).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..))]
    pub runs: u16,
    /// Concurrent keep-alive connections of the request-bound floor.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub connections: usize,
    /// Nodes of the big global cluster.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BIG_GLOBAL_NODES)]
    pub global_nodes: usize,
    /// Workload clusters next to the big global cluster.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BIG_GLOBAL_WORKLOADS)]
    pub big_global_clusters: usize,
    /// Skip the big global cluster.
    #[arg(long)]
    pub skip_big_global: bool,
    /// Workload clusters the kubectl script reads (plus the global one); the time for the whole
    /// fleet is extrapolated linearly from them.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub kubectl_clusters: usize,
    /// Skip the kubectl script.
    #[arg(long)]
    pub skip_kubectl: bool,
    /// The kubectl binary [default: kubectl on the PATH].
    #[arg(long, value_name = "PATH")]
    pub kubectl: Option<PathBuf>,
    /// The --minio-path given to acp-preflight [default: a temporary directory].
    #[arg(long, value_name = "DIR")]
    pub minio_path: Option<PathBuf>,
    /// An extra argument for `acp-preflight check` (repeatable), e.g. --check-arg=--concurrency=64.
    #[arg(long = "check-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub check_args: Vec<String>,
    /// Also write the results as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Keep the wide fleet's HTML report (the page whose open time is measured) as FILE.
    #[arg(long, value_name = "FILE")]
    pub keep_html: Option<PathBuf>,
}

/// The `fleet-bench` command line that reproduces a run with these arguments.
pub fn reproduce_command(args: &Args) -> String {
    let mut command = format!(
        "target/release/fleet-bench --clusters {} --nodes {} --node-images {} --latency-ms {} \
         --runs {} --warmup {} --connections {} --global-nodes {} --kubectl-clusters {}",
        args.clusters,
        args.nodes,
        args.node_images,
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
    if args.skip_big_global {
        command += " --skip-big-global";
    }
    for extra in &args.check_args {
        command += &format!(" --check-arg={extra}");
    }
    command
}

/// The objects per list page of the checks: `--page-size` among the `--check-arg`s, else the
/// collector's default.
pub fn page_size(check_args: &[String]) -> u32 {
    let mut value = None;
    let mut args = check_args.iter();
    while let Some(arg) = args.next() {
        if let Some(v) = arg.strip_prefix("--page-size=") {
            value = Some(v.to_string());
        } else if arg == "--page-size" {
            value = args.next().cloned();
        }
    }
    value
        .and_then(|v| v.parse().ok())
        .unwrap_or(checker_core::collect::DEFAULT_PAGE_SIZE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_from_the_check_arguments() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(page_size(&[]), 500);
        assert_eq!(
            page_size(&args(&["--concurrency=8", "--page-size=100"])),
            100
        );
        assert_eq!(page_size(&args(&["--page-size", "50"])), 50);
    }
}
