//! The targets of the benchmark, and whether the results meet them.

use fleet_bench::requests::RequestCounts;

use crate::results::{BigGlobalResults, FleetResults, TargetResult};

/// Median wall time of the check of the wide fleet, in seconds.
const TARGET_FLEET_SECS: f64 = 2.0;
/// Median check wall time over median floor wall time.
const TARGET_FLOOR_RATIO: f64 = 1.5;
/// Peak RSS of the check of the big global cluster, in MB.
const TARGET_RSS_MB: f64 = 100.0;

/// Each target with what was measured for it (`pending` when it was not).
pub fn targets(
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
