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
use crate::snapshot::{ClusterRecord, ReadError, ReadErrorKind, ReadOutcome};

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
    text: false,
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
    text: false,
    on: ReadOn::Standby,
    custom: false,
    purpose: "the etcd Synchronizer's pods (disaster recovery standby)",
};

/// The etcd Synchronizer monitor's comparison of the two globals' etcd keys, on the standby:
/// its `/check` answer, through the API server's service proxy.
pub const ETCD_SYNC_CHECK: Read = Read {
    id: "etcd-sync-check",
    group: "",
    versions: &["v1"],
    kind: "Service",
    plural: "services",
    namespace: Some("cpaas-system"),
    label_selector: None,
    path: Some("/api/v1/namespaces/cpaas-system/services/etcd-sync-monitor/proxy/check"),
    text: true,
    on: ReadOn::Standby,
    custom: false,
    purpose: "the etcd Synchronizer monitor's missed and surplus keys (disaster recovery standby)",
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
    /// The etcd Synchronizer monitor's comparison of the standby's etcd with the primary's (its
    /// `/check` answer); null when the monitor Service does not exist (or no standby).
    pub etcd_sync_check: Option<SyncCheck>,
    /// Why `etcd_sync_check` is unknown: the read failed or the answer was not understood.
    #[serde(skip)]
    pub etcd_sync_check_error: Option<String>,
}

/// The monitor's `/check` answer: the keys under `LOCAL ETCD missed keys:` and under
/// `LOCAL ETCD surplus keys:`, one per line (the answer's exact layout is not published: a key
/// on the header line itself counts too, `[]`, `none` and `0` do not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SyncCheck {
    /// Keys the standby misses: a pod restart usually brings them over.
    pub missed_keys: Vec<String>,
    /// Keys the standby has and the primary does not: the operations team must reconcile them.
    pub surplus_keys: Vec<String>,
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
    const READS: &'static [&'static Read] = &[
        &PRODUCT_BASES,
        &CLUSTERS,
        &MACHINES,
        &ETCD_SYNC_PODS,
        &ETCD_SYNC_CHECK,
    ];

    fn derive(input: &Input<'_>, global: &ClusterBase) -> Result<DrFacts, FactError> {
        let Some(standby) = input.snapshot.standby.as_ref() else {
            return Ok(DrFacts {
                configured: false,
                primary: None,
                standby: None,
                etcd_sync_pods: Vec::new(),
                etcd_sync_check: None,
                etcd_sync_check_error: None,
            });
        };
        let primary = global_facts(&global.name, |read| input.items(&global.name, read))?;
        let standby_items = |read: &Read| input.standby_items(read).unwrap_or(Ok(&[]));
        let etcd_sync_pods = standby_items(&ETCD_SYNC_PODS)?
            .iter()
            .map(pod_state)
            .collect();
        let (etcd_sync_check, etcd_sync_check_error) = match sync_check(standby) {
            Ok(check) => (check, None),
            Err(error) => (None, Some(error)),
        };
        Ok(DrFacts {
            configured: true,
            primary: Some(primary),
            standby: Some(global_facts(&standby.name, standby_items)?),
            etcd_sync_pods,
            etcd_sync_check,
            etcd_sync_check_error,
        })
    }

    fn unknown_parts(dr: &DrFacts) -> Vec<(String, String)> {
        dr.etcd_sync_check_error
            .iter()
            .map(|error| ("etcd_sync_check".to_string(), error.clone()))
            .collect()
    }
}

/// The monitor's answer on the standby: `None` when the monitor Service does not exist.
fn sync_check(standby: &ClusterRecord) -> Result<Option<SyncCheck>, String> {
    let failed = |error: &ReadError| {
        FactError::read(&standby.name, &ETCD_SYNC_CHECK, error.clone()).to_string()
    };
    let text = match standby.reads.get(ETCD_SYNC_CHECK.id) {
        None => return Err(format!("{} was not read", ETCD_SYNC_CHECK.resource())),
        Some(ReadOutcome::Absent { .. }) => return Ok(None),
        Some(ReadOutcome::Error(error)) => return Err(failed(error)),
        Some(ReadOutcome::Ok { items }) => items
            .first()
            .and_then(|item| item.get("text"))
            .and_then(Value::as_str)
            .unwrap_or_default(),
    };
    parse_sync_check(text).map(Some).ok_or_else(|| {
        format!(
            "the etcd-sync monitor's /check answer on {} has neither `{MISSED}` nor `{SURPLUS}`: {}",
            standby.name,
            text.lines().next().unwrap_or("(empty)")
        )
    })
}

const MISSED: &str = "LOCAL ETCD missed keys:";
const SURPLUS: &str = "LOCAL ETCD surplus keys:";

/// The keys of each section of a `/check` answer; `None` when it has neither header.
fn parse_sync_check(text: &str) -> Option<SyncCheck> {
    let mut check = SyncCheck {
        missed_keys: Vec::new(),
        surplus_keys: Vec::new(),
    };
    let mut section: Option<&mut Vec<String>> = None;
    for line in text.lines().map(str::trim) {
        let rest = if let Some(rest) = line.strip_prefix(MISSED) {
            section = Some(&mut check.missed_keys);
            rest.trim()
        } else if let Some(rest) = line.strip_prefix(SURPLUS) {
            section = Some(&mut check.surplus_keys);
            rest.trim()
        } else {
            line
        };
        if let Some(keys) = section.as_deref_mut()
            && !matches!(rest, "" | "[]" | "none" | "0")
        {
            keys.push(rest.to_string());
        }
    }
    // A header was seen exactly when a section was entered.
    section.is_some().then_some(check)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_check_answers() {
        let keys = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        /// An answer, and its missed and surplus keys (`None`: not understood).
        type Case<'a> = (&'a str, Option<(&'a [&'a str], &'a [&'a str])>);
        let cases: &[Case] = &[
            (
                "LOCAL ETCD missed keys:\nLOCAL ETCD surplus keys:\n",
                Some((&[], &[])),
            ),
            (
                "sync report\nLOCAL ETCD missed keys:\n /registry/a\n\n/registry/b\nLOCAL ETCD surplus keys: /registry/c\n",
                Some((&["/registry/a", "/registry/b"], &["/registry/c"])),
            ),
            (
                "LOCAL ETCD missed keys: []\nLOCAL ETCD surplus keys: 0",
                Some((&[], &[])),
            ),
            (
                "LOCAL ETCD surplus keys:\n/registry/x",
                Some((&[], &["/registry/x"])),
            ),
            ("", None),
            ("<html>502 Bad Gateway</html>", None),
        ];
        for (text, expected) in cases {
            let got = parse_sync_check(text).map(|c| (c.missed_keys, c.surplus_keys));
            let expected = expected.map(|(m, s)| (keys(m), keys(s)));
            assert_eq!(got, expected, "{text:?}");
        }
    }
}
