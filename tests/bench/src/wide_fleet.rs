//! The wide fleet (a global cluster and `--clusters` workload clusters of `--nodes` nodes):
//! `check --snapshot` of its dump and its HTML report, the live check, the request-bound floor (its request list
//! replayed over `--connections` connections) and the sequential kubectl script.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use fleet_bench::fleet::GLOBAL;
use fleet_bench::replay::{ReplayOutcome, ReplayRequest};
use fleet_bench::requests::{self, RequestCounts};
use fleet_bench::{Fleet, FleetSpec, kubectl};
use test_apiserver::RequestRecord;

use crate::bench::{Bench, Served, progress};
use crate::results::{FleetResults, FloorResults, KubectlResults, median};

impl Bench {
    /// Generates and serves the wide fleet and measures everything on it. `live`: whether the
    /// binary has live collection; what cannot be measured is added to `pending`.
    pub fn wide_fleet(
        &self,
        live: bool,
        pending: &mut Vec<String>,
    ) -> Result<FleetResults, String> {
        let spec = FleetSpec::wide(self.args.clusters, self.args.nodes)
            .with_node_images(self.args.node_images);
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
        let html = self.html_report(&self.work.path().join("dump"), pending)?;
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
        Ok(FleetResults {
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
            html,
        })
    }

    /// Warm-up and measured replays of a request list; returns the results and the server's log
    /// of the last replay.
    fn floor_runs(
        &self,
        served: &Served,
        list: Vec<ReplayRequest>,
    ) -> Result<(FloorResults, Vec<RequestRecord>), String> {
        let replayer = served.replayer()?;
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
        let workloads: Vec<_> = served.clusters.iter().skip(1).collect();
        let subset = self.args.kubectl_clusters.min(workloads.len());
        let out_dir = self.work.path().join("kubectl-out");
        let unserved_on_global = served
            .clusters
            .first()
            .map_or(&[][..], |g| &g.unserved_reads[..]);
        let global_reads = kubectl::reads_for(GLOBAL, true, unserved_on_global, &out_dir);
        let workload_reads: Vec<_> = workloads[..subset]
            .iter()
            .flat_map(|c| kubectl::reads_for(&c.name, false, &c.unserved_reads, &out_dir))
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
                "kubectl, {name}: {} reads in {:.1} s, {requests} requests, failures: {} \
                 (expected {}: kinds not served)",
                reads.len(),
                measured.stats.wall_secs,
                failures.map_or("unknown".to_string(), |f| f.to_string()),
                reads.iter().filter(|r| r.unserved).count()
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
            expected_failures: global_reads
                .iter()
                .chain(&workload_reads)
                .filter(|r| r.unserved)
                .count(),
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
