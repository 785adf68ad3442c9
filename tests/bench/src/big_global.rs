//! The big global cluster (`--global-nodes` nodes, next to `--big-global-clusters` workload
//! clusters): peak RSS and requests of `acp-preflight check`, and the requests of one check of
//! its twin, whose global cluster has `--nodes` nodes.

use fleet_bench::requests::RequestCounts;
use fleet_bench::{Fleet, FleetSpec};

use crate::bench::{Bench, progress};
use crate::results::{BigGlobalResults, TwinResults};

impl Bench {
    /// Generates, serves and checks the big global fleet, then its twin; `None` when skipped or
    /// without live collection (the reason is added to `pending`).
    pub fn big_global(
        &self,
        live: bool,
        pending: &mut Vec<String>,
    ) -> Result<Option<BigGlobalResults>, String> {
        if self.args.skip_big_global {
            pending.push("big global cluster skipped (--skip-big-global)".to_string());
            return Ok(None);
        }
        if !live {
            pending.push(format!(
                "{}-node global cluster: needs live collection",
                self.args.global_nodes
            ));
            return Ok(None);
        }
        let spec = FleetSpec::big_global(self.args.global_nodes, self.args.big_global_clusters)
            .with_node_images(self.args.node_images);
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

        // The same fleet with a small global cluster: only the global cluster's node list pages
        // may differ.
        let twin_spec = FleetSpec::big_global(self.args.nodes, self.args.big_global_clusters)
            .with_node_images(self.args.node_images);
        let twin = self.serve(
            Fleet::generate(&twin_spec).map_err(|e| e.to_string())?,
            "twin",
        )?;
        let (_, twin_log) = self.check_runs_of(
            &twin,
            &format!("{}-node global", twin_spec.global_nodes),
            &twin.live_source(),
            0,
            1,
        )?;
        let twin_requests = RequestCounts::of(&twin_log, &twin.clusters);
        Ok(Some(BigGlobalResults {
            spec,
            objects_on_global,
            check,
            requests,
            twin: TwinResults {
                global_nodes: twin_spec.global_nodes,
                requests: twin_requests,
            },
        }))
    }
}
