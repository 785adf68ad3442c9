//! Runs of `acp-preflight check`: live against a served fleet, and offline with
//! `check --snapshot` of the fleet written as a dump directory.

use std::ffi::OsString;
use std::time::Duration;

use fleet_bench::dump;
use fleet_bench::measure::ChildStats;
use serde_json::Value;
use test_apiserver::RequestRecord;

use crate::bench::{Bench, Served, progress};
use crate::results::{CheckResults, median};

impl Bench {
    /// Warm-up and measured runs of `acp-preflight check` against a served fleet; returns the
    /// results and the request log of the first measured run.
    pub fn check_runs(
        &self,
        served: &Served,
        what: &str,
    ) -> Result<(CheckResults, Vec<RequestRecord>), String> {
        self.check_runs_of(
            served,
            what,
            &served.live_source(),
            self.args.warmup,
            usize::from(self.args.runs),
        )
    }

    /// Like [`Bench::check_runs`], reading the given source (`--kubeconfig ...` or
    /// `--snapshot DIR`).
    pub fn check_runs_of(
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
    pub fn offline_runs(&self, served: &Served) -> Result<CheckResults, String> {
        let dir = self.work.path().join("dump");
        let replayer = served.replayer()?;
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
