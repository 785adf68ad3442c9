//! Global disaster recovery: the standby global cluster, when one was collected
//! (`--standby-context`, `--standby-url`, or `standby/` in a dump directory), next to the primary:
//! their versions, their Machines, the standby's alternative URLs and VIP, and the etcd
//! Synchronizer running on the standby.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::clusters::CLUSTERS;
use super::platform::PRODUCT_BASES;
use super::raw::{label, name, text};
use super::{ClusterBase, FactError, Input, Level, Provider};
use crate::reads::{Read, ReadOn};
use crate::snapshot::{ReadError, ReadErrorKind};

/// tkestack Machines: the nodes the platform provisioned, on each global.
pub const MACHINES: Read = Read {
    id: "machines",
    group: "platform.tkestack.io",
    versions: &["v1"],
    kind: "Machine",
    plural: "machines",
    namespace: None,
    label_selector: None,
    path: None,
    on: ReadOn::Global,
    custom: true,
    purpose: "machines of each global cluster and their phase (disaster recovery)",
};

/// The etcd Synchronizer's pods (`app=etcd-sync` in `cpaas-system`), on the standby global.
pub const ETCD_SYNC_PODS: Read = Read {
    id: "etcd-sync-pods",
    group: "",
    versions: &["v1"],
    kind: "Pod",
    plural: "pods",
    namespace: Some("cpaas-system"),
    label_selector: Some("app=etcd-sync"),
    path: None,
    on: ReadOn::Global,
    custom: false,
    purpose: "the etcd Synchronizer's pods (disaster recovery standby)",
};

/// The disaster-recovery pair (variable `dr`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DrFacts {
    /// Whether a standby global cluster was given and read.
    pub configured: bool,
    /// The primary global: the cluster the platform address points at; null when no standby
    /// was given (its DR facts are then not needed).
    pub primary: Option<GlobalFacts>,
    /// The standby global; null when none was given.
    pub standby: Option<GlobalFacts>,
    /// The etcd Synchronizer's pods on the standby; empty when none runs (or no standby).
    pub etcd_sync_pods: Vec<PodState>,
}

/// One global cluster of the pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GlobalFacts {
    /// Its name.
    pub name: String,
    /// Installed ACP version (ProductBase `base` status.version).
    pub version: Option<String>,
    /// ProductBase `base` spec.alternativeURLs.
    pub alternative_urls: Vec<String>,
    /// Its VIP: the global tkestack Cluster's `spec.features.ha` (tke or thirdParty) VIP.
    pub vip: Option<String>,
    /// Machines whose phase is not `Running`, as `name (phase)`.
    pub machines_not_running: Vec<String>,
    /// How many Machines it has.
    pub machines: usize,
}

/// One pod's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PodState {
    /// Pod name.
    pub name: String,
    /// `status.phase`.
    pub phase: Option<String>,
    /// Ready containers / all containers, e.g. `1/1`.
    pub ready: String,
    /// Whether every container is ready and the pod Running.
    pub healthy: bool,
}

/// The `dr` family.
pub struct Dr;

impl Provider for Dr {
    type Value = DrFacts;
    const NAME: &'static str = "dr";
    const LEVEL: Level = Level::Platform;
    const READS: &'static [&'static Read] =
        &[&PRODUCT_BASES, &CLUSTERS, &MACHINES, &ETCD_SYNC_PODS];

    fn derive(input: &Input<'_>, global: &ClusterBase) -> Result<DrFacts, FactError> {
        let Some(standby) = input.snapshot.standby.as_ref() else {
            return Ok(DrFacts {
                configured: false,
                primary: None,
                standby: None,
                etcd_sync_pods: Vec::new(),
            });
        };
        let primary = global_facts(&global.name, |read| input.items(&global.name, read))?;
        let standby_items = |read: &Read| input.standby_items(read).unwrap_or(Ok(&[]));
        let etcd_sync_pods = standby_items(&ETCD_SYNC_PODS)?
            .iter()
            .map(pod_state)
            .collect();
        Ok(DrFacts {
            configured: true,
            primary: Some(primary),
            standby: Some(global_facts(&standby.name, standby_items)?),
            etcd_sync_pods,
        })
    }
}

/// The facts of one global cluster, `items` giving its reads.
fn global_facts<'a>(
    cluster: &str,
    items: impl Fn(&Read) -> Result<&'a [Value], FactError>,
) -> Result<GlobalFacts, FactError> {
    let bases = items(&PRODUCT_BASES)?;
    let base = bases.iter().find(|b| name(b) == "base").ok_or_else(|| {
        FactError::read(
            cluster,
            &PRODUCT_BASES,
            ReadError::new(
                ReadErrorKind::Invalid,
                "ProductBase `base` does not exist: is this a global cluster?",
            ),
        )
    })?;
    let alternative_urls = base
        .pointer("/spec/alternativeURLs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    let clusters = items(&CLUSTERS)?;
    let own = clusters
        .iter()
        .find(|c| label(c, "is-global").as_deref() == Some("true"))
        .or_else(|| clusters.iter().find(|c| name(c) == "global"));
    let vip = own.and_then(|c| {
        text(c, &["spec", "features", "ha", "tke", "vip"])
            .or_else(|| text(c, &["spec", "features", "ha", "thirdParty", "vip"]))
    });
    let machines = items(&MACHINES)?;
    let machines_not_running = machines
        .iter()
        .filter_map(|m| {
            let phase = text(m, &["status", "phase"]);
            (phase.as_deref() != Some("Running"))
                .then(|| format!("{} ({})", name(m), phase.as_deref().unwrap_or("no phase")))
        })
        .collect();
    Ok(GlobalFacts {
        name: cluster.to_string(),
        version: text(base, &["status", "version"]),
        alternative_urls,
        vip,
        machines_not_running,
        machines: machines.len(),
    })
}

fn pod_state(pod: &Value) -> PodState {
    let statuses = pod
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let ready = statuses
        .iter()
        .filter(|s| s.get("ready").and_then(Value::as_bool) == Some(true))
        .count();
    let phase = text(pod, &["status", "phase"]);
    PodState {
        name: name(pod).to_string(),
        healthy: phase.as_deref() == Some("Running")
            && !statuses.is_empty()
            && ready == statuses.len(),
        ready: format!("{ready}/{}", statuses.len()),
        phase,
    }
}
