//! `fleet-bench`: how fast `acp-preflight check` reads a large platform, against the
//! request-bound floor and a sequential kubectl script, and how much memory it needs.
//!
//! In one run, on one test API server per fleet, with the same latency per request:
//! 1. the wide fleet (a global cluster and `--clusters` workload clusters of `--nodes` nodes):
//!    the real `acp-preflight check` (warm-up runs, then the median of `--runs` runs), its API
//!    requests per cluster and its peak RSS; the HTML report of its dump (size, and open time
//!    in headless Chromium when it is installed);
//! 2. the request-bound floor: the same request list replayed over `--connections` concurrent
//!    keep-alive HTTPS connections;
//! 3. the same reads with a sequential kubectl script (on `--kubectl-clusters` workload clusters,
//!    extrapolated linearly to the whole fleet);
//! 4. a global cluster of `--global-nodes` nodes: peak RSS and requests of `acp-preflight check`.
//!
//! See BENCHMARKS.md at the repository root.
//!
//! The parts of the binary: `args` (the flags), `bench` (the temporary directory, the served
//! fleets, the measured children), `wide_fleet` and `big_global` (what is measured on each
//! fleet), `check_runs` (the runs of `acp-preflight check`), `html_report` (the HTML report), `results` (the JSON), `targets` and
//! `report` (the table).

mod args;
mod bench;
mod big_global;
mod check_runs;
mod html_report;
mod report;
mod results;
mod targets;
mod wide_fleet;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;
use fleet_bench::measure;

use args::Args;
use bench::Bench;
use results::{Machine, Results};

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

/// Runs the whole benchmark, prints the table and writes the JSON.
fn run(args: Args) -> Result<(), String> {
    let bench = Bench::new(args)?;
    let results = bench.run_all()?;
    report::print_table(&results);
    if let Some(path) = &bench.args.json {
        results.write_json(path)?;
    }
    Ok(())
}

impl Bench {
    /// The wide fleet, then the big global cluster, then the targets.
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
        let fleet = self.wide_fleet(live, &mut pending)?;
        let big_global = self.big_global(live, &mut pending)?;
        let targets = targets::targets(
            &fleet,
            big_global.as_ref(),
            self.args.global_nodes,
            args::page_size(&self.args.check_args),
        );
        Ok(Results {
            command: args::reproduce_command(&self.args),
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
}

/// The first line of a program's output, trimmed.
fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_string()
}
