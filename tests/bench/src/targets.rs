//! The targets of the benchmark, and whether the results meet them.

use fleet_bench::requests::{RequestCounts, pages, reads_on};

use crate::results::{BigGlobalResults, FleetResults, TargetResult};

/// Median wall time of the check of the wide fleet, in seconds.
const TARGET_FLEET_SECS: f64 = 2.0;
/// Median check wall time over median floor wall time.
const TARGET_FLOOR_RATIO: f64 = 1.5;
/// Peak RSS of the check of the big global cluster, in MB.
const TARGET_RSS_MB: f64 = 100.0;
/// Size of the wide fleet's HTML report ("a few MB at most"), in MB.
const TARGET_HTML_MB: f64 = 5.0;
/// Time from navigation start to the load event of the wide fleet's HTML report in headless
/// Chromium ("well under a second"), in ms.
const TARGET_HTML_LOAD_MS: f64 = 500.0;

/// Each target with what was measured for it (`pending` when it was not). `page_size`: the
/// objects per list page of the measured check.
pub fn targets(
    fleet: &FleetResults,
    big: Option<&BigGlobalResults>,
    global_nodes: usize,
    page_size: u32,
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
    let workload_reads = reads_on(false).count();
    list.push(TargetResult {
        what: "API requests per workload cluster".to_string(),
        target: "a small constant, whatever the cluster's objects and nodes".to_string(),
        measured: if measured {
            format!(
                "{} for each of {clusters} clusters of {}..{} objects ({workload_reads} reads){}",
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
    // Reading nodes costs one list request per page of nodes; everything else on the global
    // cluster must not depend on its node count, nor anything on the workload clusters.
    let global_rest =
        |c: &RequestCounts, nodes: usize| c.global as i64 - pages(nodes, page_size) as i64;
    list.push(TargetResult {
        what: "API requests on the global cluster".to_string(),
        target: format!(
            "grow only by node list pages: ceil(nodes / {page_size}) + a constant; workload \
             clusters' requests unchanged"
        ),
        measured: match big {
            Some(b) => format!(
                "{} with {global_nodes} nodes ({} node pages + {}), {} with {} nodes ({} + {}); \
                 workload clusters {} and {}; {} in the {clusters}-cluster fleet ({} extra list \
                 page(s))",
                b.requests.global,
                pages(global_nodes, page_size),
                global_rest(&b.requests, global_nodes),
                b.twin.requests.global,
                b.twin.global_nodes,
                pages(b.twin.global_nodes, page_size),
                global_rest(&b.twin.requests, b.twin.global_nodes),
                b.requests.total - b.requests.global,
                b.twin.requests.total - b.twin.requests.global,
                r.global,
                r.continued
            ),
            None => "pending".to_string(),
        },
        met: big.map(|b| {
            global_rest(&b.requests, global_nodes)
                == global_rest(&b.twin.requests, b.twin.global_nodes)
                && b.requests.total - b.requests.global
                    == b.twin.requests.total - b.twin.requests.global
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
    let html = fleet.html.as_ref();
    list.push(TargetResult {
        what: format!("HTML report of the {clusters}-cluster fleet, size"),
        target: format!("<= {TARGET_HTML_MB} MB"),
        measured: html.map_or("pending".to_string(), |h| {
            format!("{:.2} MB ({} results)", h.bytes as f64 / 1e6, h.results)
        }),
        met: html.map(|h| (h.bytes as f64 / 1e6) <= TARGET_HTML_MB),
    });
    let load = html.and_then(|h| h.median_load_ms);
    list.push(TargetResult {
        what: format!("HTML report of the {clusters}-cluster fleet, open in headless Chromium"),
        target: format!("load event < {TARGET_HTML_LOAD_MS} ms (median)"),
        measured: load.map_or("pending".to_string(), |l| {
            format!(
                "{l:.0} ms (DOMContentLoaded {:.0} ms, script ready {:.0} ms, slowest load {:.0} \
                 ms)",
                html.and_then(|h| h.median_dom_content_loaded_ms)
                    .unwrap_or(0.0),
                html.and_then(|h| h.median_ready_ms).unwrap_or(0.0),
                html.and_then(|h| h.max_load_ms).unwrap_or(0.0)
            )
        }),
        met: load.map(|l| l < TARGET_HTML_LOAD_MS),
    });
    list
}
