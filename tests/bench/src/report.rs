//! The report printed at the end of a run: one row per figure, then the targets and what is
//! pending.

use fleet_bench::requests::RequestCounts;

use crate::results::{CheckResults, Results};

/// Prints the results as a table on standard output.
pub fn print_table(results: &Results) {
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
    if let Some(h) = &f.html {
        row(
            "HTML report (--output-file html=)",
            format!("{:.2} MB, {} results", h.bytes as f64 / 1e6, h.results),
        );
        if let (Some(ready), Some(dcl), Some(load)) = (
            h.median_ready_ms,
            h.median_dom_content_loaded_ms,
            h.median_load_ms,
        ) {
            row(
                "HTML report open in headless Chromium",
                format!(
                    "load {load:.0} ms (DOMContentLoaded {dcl:.0} ms, script ready {ready:.0} \
                     ms); process {:.3} s vs {:.3} s for an empty page",
                    h.median_process_secs.unwrap_or(0.0),
                    h.median_empty_process_secs.unwrap_or(0.0)
                ),
            );
        }
    }
    if let Some(b) = &results.big_global {
        let counts = |c: &RequestCounts| {
            format!(
                "{} total: global {}, each workload cluster {}..{}",
                c.total, c.global, c.workload_min, c.workload_max
            )
        };
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
            counts(&b.requests),
        );
        row(
            &format!(
                "same fleet, {}-node global: API requests",
                b.twin.global_nodes
            ),
            counts(&b.twin.requests),
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

/// A check's verdict, exit code, errors and fails in one line.
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
