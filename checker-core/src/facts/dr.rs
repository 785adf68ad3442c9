//! Global disaster recovery: the standby global cluster, when one was collected
//! (`--standby-context`, `--standby-url`, or `standby/` in a dump directory), next to the primary:
//! their versions, their Machines, the standby's alternative URLs and VIP, and the etcd
//! Synchronizer running on the standby; and, from the host facts (the network as the checking
//! host sees it), whether port 2379 answers on each VIP and which VIP the platform domain
//! resolves to.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::clusters::CLUSTERS;
use super::platform::PRODUCT_BASES;
use super::raw::{label, name, text};
use super::{ClusterBase, FactError, Input, Level, Provider};
use crate::host::{self, HostFacts};
use crate::reads::{Read, ReadOn};
use crate::snapshot::{ClusterRecord, ReadError, ReadErrorKind, ReadOutcome, Snapshot};

/// The port the etcd Synchronizer reaches the other global's etcd on, through its VIP.
pub const ETCD_PORT: u16 = 2379;

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
    short_name: None,
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
    short_name: None,
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
    short_name: None,
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
    /// The platform access address: the primary's ProductBase `spec.platformURL`.
    pub platform_url: Option<String>,
    /// The host name of `platform_url` (the platform domain).
    pub platform_domain: Option<String>,
    /// The addresses the platform domain resolves to from the checking host (its host facts);
    /// null when it was not resolved.
    pub platform_addresses: Option<Vec<String>>,
    /// Which global the platform domain resolves to, by comparing `platform_addresses` with
    /// both VIPs: `primary`, `standby`, `both` or `neither`; null when it could not be told (a
    /// VIP unknown, the domain not resolved).
    pub primary_by_dns: Option<String>,
    /// Why network facts (`primary.etcd_port`, `standby.etcd_port`, `primary_by_dns`) are
    /// unknown, by sub-path, saying what to give.
    #[serde(skip)]
    pub network_unknown: Vec<(String, String)>,
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
    /// A TCP connect to port 2379 of its VIP from the checking host (its host facts); null
    /// when the VIP is unknown or the connect was not tried.
    pub etcd_port: Option<PortCheck>,
}

/// A TCP connect from the checking host, as its host facts record it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PortCheck {
    /// `host:port`, e.g. `192.168.130.10:2379`.
    pub endpoint: String,
    /// Whether the connection was established.
    pub connected: bool,
    /// Why it was not: refused, timed out, unreachable.
    pub error: Option<String>,
    /// The node it was tried from.
    pub from: String,
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
                platform_url: None,
                platform_domain: None,
                platform_addresses: None,
                primary_by_dns: None,
                network_unknown: Vec::new(),
            });
        };
        let mut primary = global_facts(&global.name, |read| input.items(&global.name, read))?;
        let standby_items = |read: &Read| input.standby_items(read).unwrap_or(Ok(&[]));
        let etcd_sync_pods = standby_items(&ETCD_SYNC_PODS)?
            .iter()
            .map(pod_state)
            .collect();
        let (etcd_sync_check, etcd_sync_check_error) = match sync_check(standby) {
            Ok(check) => (check, None),
            Err(error) => (None, Some(error)),
        };
        let mut standby = global_facts(&standby.name, standby_items)?;
        let platform_url = primary_url(input, &global.name)?;
        let platform_domain = platform_url.as_deref().and_then(url_host);
        let targets = NetworkTargets::of(&primary, &standby, platform_domain.as_deref());
        let give = what_to_give(&targets);
        let host = input.snapshot.host.as_ref();
        let mut network_unknown = Vec::new();
        for (role, facts) in [("primary", &mut primary), ("standby", &mut standby)] {
            match etcd_port(role, facts, host, &give) {
                Ok(check) => facts.etcd_port = Some(check),
                Err(cause) => network_unknown.push((format!("{role}.etcd_port"), cause)),
            }
        }
        let (platform_addresses, side) = platform_dns(
            platform_url.as_deref(),
            platform_domain.as_deref(),
            &primary,
            &standby,
            host,
            &give,
        );
        let primary_by_dns = match side {
            Ok(side) => Some(side.to_string()),
            Err(cause) => {
                network_unknown.push(("primary_by_dns".to_string(), cause));
                None
            }
        };
        Ok(DrFacts {
            configured: true,
            primary: Some(primary),
            standby: Some(standby),
            etcd_sync_pods,
            etcd_sync_check,
            etcd_sync_check_error,
            platform_url,
            platform_domain,
            platform_addresses,
            primary_by_dns,
            network_unknown,
        })
    }

    fn unknown_parts(dr: &DrFacts) -> Vec<(String, String)> {
        dr.etcd_sync_check_error
            .iter()
            .map(|error| ("etcd_sync_check".to_string(), error.clone()))
            .chain(dr.network_unknown.iter().cloned())
            .collect()
    }
}

/// What the checking host must probe for the DR network checks: port 2379 of each known VIP
/// and the platform domain. Empty without a standby; [`crate::host::probe_network`] makes the
/// probes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkTargets {
    /// `<vip>:2379` of each global whose VIP is known.
    pub tcp: Vec<String>,
    /// The platform domain, when the primary's ProductBase gives one.
    pub resolve: Vec<String>,
}

impl NetworkTargets {
    /// The probes for this pair and platform domain.
    fn of(primary: &GlobalFacts, standby: &GlobalFacts, domain: Option<&str>) -> NetworkTargets {
        NetworkTargets {
            tcp: [primary, standby]
                .into_iter()
                .filter_map(|g| g.vip.as_deref())
                .map(|vip| host::endpoint(vip, ETCD_PORT))
                .collect(),
            resolve: domain.map(str::to_string).into_iter().collect(),
        }
    }
}

/// The network probes the DR facts of `snapshot` need (see [`NetworkTargets`]).
pub fn network_targets(snapshot: &Snapshot) -> NetworkTargets {
    let input = Input::new(snapshot);
    let global = ClusterBase::global(input.global);
    match Dr::derive(&input, &global) {
        Ok(DrFacts {
            primary: Some(primary),
            standby: Some(standby),
            platform_domain,
            ..
        }) => NetworkTargets::of(&primary, &standby, platform_domain.as_deref()),
        _ => NetworkTargets::default(),
    }
}

/// How to give the network facts `targets` needs, for messages saying why they are unknown.
fn what_to_give(targets: &NetworkTargets) -> String {
    let mut command = "acp-preflight host".to_string();
    for endpoint in &targets.tcp {
        command.push_str(&format!(" --tcp {endpoint}"));
    }
    for name in &targets.resolve {
        command.push_str(&format!(" --resolve {name}"));
    }
    format!(
        "run the check live with the standby (--standby-context or --standby-url) on the node \
         that will run the upgrade, or run `{command} > network.json` on that node and give the \
         file with --host-facts network.json"
    )
}

/// The primary's platform access address (ProductBase `base` spec.platformURL).
fn primary_url(input: &Input<'_>, global: &str) -> Result<Option<String>, FactError> {
    Ok(input
        .items(global, &PRODUCT_BASES)?
        .iter()
        .find(|b| name(b) == "base")
        .and_then(|base| text(base, &["spec", "platformURL"]))
        .filter(|url| !url.trim().is_empty()))
}

/// The host name of a URL (`https://acp.example.com:443/x` → `acp.example.com`), lower-case.
fn url_host(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => authority.split(':').next()?,
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// Port 2379 of one global's VIP as the host facts record it; otherwise why it is unknown.
fn etcd_port(
    role: &str,
    global: &GlobalFacts,
    host: Option<&HostFacts>,
    give: &str,
) -> Result<PortCheck, String> {
    let Some(vip) = &global.vip else {
        return Err(format!(
            "the {role} global's VIP is not recorded (its own tkestack Cluster has no \
             spec.features.ha.tke.vip or thirdParty.vip), so port {ETCD_PORT} cannot be probed: \
             check that its load balancer forwards TCP {ETCD_PORT} to the control-plane nodes \
             by hand, or exclude this check with --skip DREtcdPortReachable"
        ));
    };
    let endpoint = host::endpoint(vip, ETCD_PORT);
    let probe = host.and_then(|h| h.network.tcp(&endpoint).map(|p| (h, p)));
    let Some((facts, probe)) = probe else {
        return Err(format!(
            "port {ETCD_PORT} of the {role} global's VIP {vip} was not probed from the host \
             running the check: {give}"
        ));
    };
    Ok(PortCheck {
        endpoint,
        connected: probe.connected,
        error: probe.error.clone(),
        from: probe.host.clone().unwrap_or_else(|| facts.hostname.clone()),
    })
}

/// The addresses the platform domain resolves to, when known, and which global's VIP they are,
/// or why that cannot be told.
fn platform_dns(
    url: Option<&str>,
    domain: Option<&str>,
    primary: &GlobalFacts,
    standby: &GlobalFacts,
    host: Option<&HostFacts>,
    give: &str,
) -> (Option<Vec<String>>, Result<&'static str, String>) {
    let by_hand = "or exclude this check with --skip DRPrimaryIdentified";
    let Some(domain) = domain else {
        return (
            None,
            Err(match url {
                None => format!(
                    "the primary global's ProductBase base has no spec.platformURL, so which \
                     global the platform domain points at cannot be told: check that the \
                     platform domain resolves to the primary's VIP by hand, {by_hand}"
                ),
                Some(url) => format!(
                    "the platform URL {url} (ProductBase base spec.platformURL) has no host \
                     name: check that the platform domain resolves to the primary's VIP by hand, \
                     {by_hand}"
                ),
            }),
        );
    };
    let lookup = host.and_then(|h| h.network.dns(domain).map(|p| (h, p)));
    let Some((facts, lookup)) = lookup else {
        return (
            None,
            Err(format!(
                "the platform domain {domain} was not resolved from the host running the check: \
                 {give}"
            )),
        );
    };
    let from = lookup.host.as_deref().unwrap_or(&facts.hostname);
    if let Some(error) = &lookup.error {
        return (
            None,
            Err(format!(
                "the platform domain {domain} does not resolve from {from} ({error}): check the \
                 resolver of that host, or {give}"
            )),
        );
    }
    let addresses = lookup.addresses.clone();
    let (Some(primary_vip), Some(standby_vip)) = (&primary.vip, &standby.vip) else {
        let unknown = if primary.vip.is_none() {
            "primary"
        } else {
            "standby"
        };
        return (
            Some(addresses),
            Err(format!(
                "the {unknown} global's VIP is not recorded (its own tkestack Cluster has no \
                 spec.features.ha.tke.vip or thirdParty.vip), so the addresses of {domain} \
                 cannot be compared with both VIPs: check by hand that {domain} resolves to the \
                 primary's VIP, {by_hand}"
            )),
        );
    };
    let at = |vip: &str| addresses.iter().any(|a| same_address(a, vip));
    let side = match (at(primary_vip), at(standby_vip)) {
        (true, false) => "primary",
        (false, true) => "standby",
        (true, true) => "both",
        (false, false) => "neither",
    };
    (Some(addresses), Ok(side))
}

/// Whether two addresses are the same (`fd00::1` and `fd00:0::1` are), or two names.
fn same_address(a: &str, b: &str) -> bool {
    match (a.parse::<std::net::IpAddr>(), b.parse::<std::net::IpAddr>()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a.eq_ignore_ascii_case(b),
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
        etcd_port: None,
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

    #[test]
    fn platform_domains() {
        let cases: &[(&str, Option<&str>)] = &[
            ("https://acp.example.com", Some("acp.example.com")),
            (
                "https://ACP.example.com:8443/console?x#y",
                Some("acp.example.com"),
            ),
            ("acp.example.com/", Some("acp.example.com")),
            ("https://user@acp.example.com", Some("acp.example.com")),
            ("https://[fd00::10]:443", Some("fd00::10")),
            ("https://192.168.130.10", Some("192.168.130.10")),
            ("https://", None),
            ("", None),
        ];
        for (url, expected) in cases {
            assert_eq!(url_host(url).as_deref(), *expected, "{url}");
        }
    }

    #[test]
    fn addresses_compare_as_addresses() {
        assert!(same_address("fd00::1", "fd00:0::1"));
        assert!(same_address("192.168.130.10", "192.168.130.10"));
        assert!(!same_address("192.168.130.10", "192.168.130.1"));
        assert!(same_address("VIP.example.com", "vip.example.com"));
    }
}
