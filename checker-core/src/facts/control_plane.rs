//! The global cluster's control-plane nodes and the free space of `/cpaas/minio` on each: the
//! upgrade stores data in MinIO on every one of them, so every one is measured, from the best
//! source there is for it: a statvfs probe made on the node itself (the host the check ran on,
//! or a `--host-facts` file written there by `acp-preflight host`), else node-exporter's
//! `node_filesystem_avail_bytes` read from the global cluster's Prometheus through the API
//! server's service proxy. A node no source covers is listed with what each source said.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::nodes::{NODES, is_control_plane};
use super::raw::name;
use super::{ClusterBase, FactError, Input, Level, Provider};
use crate::host::{HostFacts, roles};
use crate::reads::{Read, ReadOn};
use crate::snapshot::ReadErrorKind;

/// Where MinIO keeps its data on a control-plane node: what the host probe measures by default
/// (`--minio-path` changes it) and the path node-exporter's filesystems are matched against.
pub const MINIO_PATH: &str = "/cpaas/minio";

/// node-exporter's free space of the filesystems that can hold `/cpaas/minio` (`/`, `/cpaas`,
/// `/cpaas/minio`, also under a container's view of the host root), on every node of the global
/// cluster, from the Prometheus the platform's monitoring runs in `cpaas-system`. The Prometheus
/// Operator names the Service of every Prometheus `prometheus-operated`, port `web`; that the
/// platform's monitoring is reachable there is an interpretation (see the rule notes).
pub const NODE_FILESYSTEM_METRICS: Read = Read {
    id: "node-filesystem-metrics",
    group: "",
    versions: &["v1"],
    kind: "Service",
    plural: "services",
    namespace: Some("cpaas-system"),
    label_selector: None,
    path: Some(
        "/api/v1/namespaces/cpaas-system/services/prometheus-operated:web/proxy/api/v1/query?query=node_filesystem_avail_bytes%7Bmountpoint%3D~%22(%2Fhost%2Froot%7C%2Frootfs%7C%2Fhost)%3F(%2Fcpaas(%2Fminio)%3F)%3F%7C%2F%22%7D",
    ),
    text: false,
    on: ReadOn::Global,
    custom: false,
    short_name: None,
    purpose: "node-exporter's free space of the filesystems holding /cpaas/minio on the global cluster's nodes (Prometheus, through the service proxy)",
};

/// Prefixes under which node-exporter in a container sees the host's root filesystem.
const HOST_ROOT_PREFIXES: &[&str] = &["/host/root", "/rootfs", "/host"];

/// The global cluster's control plane (variable `control_plane`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ControlPlaneFacts {
    /// The global cluster's control-plane nodes (Nodes labelled
    /// `node-role.kubernetes.io/control-plane` or `master`); rules of scope
    /// `control_plane_node` see each as `node`.
    pub nodes: Vec<ControlPlaneNode>,
    /// How many of them have a measured free space of `/cpaas/minio`.
    pub minio_measured: usize,
    /// Hosts whose MinIO path was probed but that are none of the global control-plane nodes
    /// (their probes say nothing about the nodes').
    pub minio_elsewhere: Vec<String>,
}

/// One control-plane node of the global cluster (variable `node`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ControlPlaneNode {
    /// Node name.
    pub name: String,
    /// Its addresses (`status.addresses`: internal IPs, host names).
    pub addresses: Vec<String>,
    /// The filesystem holding `/cpaas/minio` on it.
    pub minio: MinioSpace,
}

/// The filesystem holding the MinIO data directory on one node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MinioSpace {
    /// The path measured.
    pub path: String,
    /// Where the measure comes from: `host` (statvfs on the node), `metrics` (node-exporter);
    /// null when none is known.
    pub source: Option<String>,
    /// The source in words: `statvfs on acp-global-m01`, `node-exporter, through Prometheus`.
    pub measured_by: Option<String>,
    /// Mount point of the filesystem.
    pub mount_point: Option<String>,
    /// Filesystem type (ext4, xfs…), when known.
    pub fs_type: Option<String>,
    /// Size of the filesystem in bytes, when known.
    pub total_bytes: Option<u64>,
    /// Bytes available to unprivileged users; null when no source measured it.
    pub free_bytes: Option<u64>,
    /// Why the free space is unknown: what each source said; null when it is known.
    pub unknown: Option<String>,
}

/// The `control_plane` family.
pub struct ControlPlane;

impl Provider for ControlPlane {
    type Value = ControlPlaneFacts;
    const NAME: &'static str = "control_plane";
    const LEVEL: Level = Level::Platform;
    const READS: &'static [&'static Read] = &[&NODES, &NODE_FILESYSTEM_METRICS];

    fn derive(input: &Input<'_>, _global: &ClusterBase) -> Result<ControlPlaneFacts, FactError> {
        let nodes: Vec<&Value> = input
            .items(input.global, &NODES)?
            .iter()
            .filter(|n| is_control_plane(n))
            .collect();
        let probes = minio_probes(input.snapshot.host.as_ref());
        let metrics = Metrics::read(input);
        let mut facts = ControlPlaneFacts {
            nodes: Vec::new(),
            minio_measured: 0,
            minio_elsewhere: probes
                .iter()
                .filter(|p| !nodes.iter().any(|n| node_matches(n, p.host, p.addresses)))
                .map(|p| p.host.to_string())
                .collect(),
        };
        for node in nodes {
            let mine = probes
                .iter()
                .find(|p| node_matches(node, p.host, p.addresses));
            let minio = minio_space(node, mine, &metrics, &facts.minio_elsewhere);
            facts.minio_measured += usize::from(minio.free_bytes.is_some());
            facts.nodes.push(ControlPlaneNode {
                name: name(node).to_string(),
                addresses: addresses(node).map(str::to_string).collect(),
                minio,
            });
        }
        Ok(facts)
    }
}

/// Whether a Node is the host with this name or one of these addresses: its name is the host
/// name (without case, or the host name's first label), or one of its addresses is the host
/// name or one of the host's addresses.
pub(super) fn node_matches(node: &Value, host: &str, host_addresses: &[String]) -> bool {
    let node_name = name(node);
    let is_ip = |s: &str| s.parse::<std::net::IpAddr>().is_ok();
    let short = |s: &str| s.split('.').next().unwrap_or_default().to_ascii_lowercase();
    let known =
        |text: &str| text.eq_ignore_ascii_case(host) || host_addresses.iter().any(|a| a == text);
    let same_short_name = !is_ip(node_name) && !is_ip(host) && short(node_name) == short(host);
    (!node_name.is_empty() && (known(node_name) || same_short_name)) || addresses(node).any(known)
}

/// A Node's `status.addresses`.
fn addresses(node: &Value) -> impl Iterator<Item = &str> {
    node.pointer("/status/addresses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("address").and_then(Value::as_str))
}

/// A MinIO path probe and the host it was made on.
struct MinioProbe<'a> {
    host: &'a str,
    addresses: &'a [String],
    probe: &'a crate::host::PathProbe,
}

/// The MinIO path probes of the host facts (the checking host's and merged nodes'), with the
/// host each was made on.
fn minio_probes(host: Option<&HostFacts>) -> Vec<MinioProbe<'_>> {
    let Some(host) = host else {
        return Vec::new();
    };
    host.paths
        .iter()
        .filter(|p| p.role == roles::MINIO)
        .map(|probe| match &probe.host {
            Some(other) => MinioProbe {
                host: other,
                addresses: &probe.addresses,
                probe,
            },
            None => MinioProbe {
                host: &host.hostname,
                addresses: &host.addresses,
                probe,
            },
        })
        .collect()
}

/// The free space on one node, from its own probe when that succeeded, else from metrics.
fn minio_space(
    node: &Value,
    probe: Option<&MinioProbe<'_>>,
    metrics: &Metrics,
    elsewhere: &[String],
) -> MinioSpace {
    let mut space = MinioSpace {
        path: probe
            .map_or(MINIO_PATH, |p| p.probe.path.as_str())
            .to_string(),
        source: None,
        measured_by: None,
        mount_point: None,
        fs_type: None,
        total_bytes: None,
        free_bytes: None,
        unknown: None,
    };
    let host_said = match probe {
        None if elsewhere.is_empty() => "not probed on the node".to_string(),
        None => format!(
            "not probed on the node (only on {}, which is no global control-plane node)",
            elsewhere.join(", ")
        ),
        Some(p) => match (&p.probe.filesystem, &p.probe.error) {
            (Some(fs), _) => {
                space.source = Some("host".to_string());
                space.measured_by = Some(format!("statvfs on {}", p.host));
                space.mount_point = fs.mount_point.clone();
                space.fs_type = fs.fs_type.clone();
                space.total_bytes = Some(fs.total_bytes);
                space.free_bytes = Some(fs.free_bytes);
                return space;
            }
            (None, Some(error)) => format!("the probe on {} failed: {error}", p.host),
            (None, None) => format!("the probe on {} recorded nothing", p.host),
        },
    };
    match metrics.free_space(node, MINIO_PATH) {
        Ok(found) => {
            space.path = MINIO_PATH.to_string();
            space.source = Some("metrics".to_string());
            space.measured_by = Some("node-exporter, through Prometheus".to_string());
            space.mount_point = Some(found.mount_point);
            space.fs_type = found.fs_type;
            space.free_bytes = Some(found.free_bytes);
        }
        Err(metrics_said) => space.unknown = Some(format!("{host_said}; {metrics_said}")),
    }
    space
}

/// node-exporter's filesystem series, or why there are none.
struct Metrics<'a>(Result<Vec<&'a Value>, String>);

/// One filesystem as node-exporter reports it.
struct Measured {
    mount_point: String,
    fs_type: Option<String>,
    free_bytes: u64,
}

impl<'a> Metrics<'a> {
    /// The series of the Prometheus answer on the global cluster.
    fn read(input: &Input<'a>) -> Metrics<'a> {
        let read = &NODE_FILESYSTEM_METRICS;
        let answer = match input.existing_object(input.global, read) {
            Ok(Some(answer)) => answer,
            Ok(None) => {
                return Metrics(Err(
                    "no Prometheus Service cpaas-system/prometheus-operated on the global cluster \
                     (is the monitoring plugin installed?)"
                        .to_string(),
                ));
            }
            Err(e) if e.error.kind == ReadErrorKind::NotCollected => {
                return Metrics(Err("node-exporter metrics were not read".to_string()));
            }
            Err(e) => {
                return Metrics(Err(format!(
                    "node-exporter metrics could not be read: {}",
                    e.error.message
                )));
            }
        };
        let status = answer.get("status").and_then(Value::as_str);
        let series = answer.pointer("/data/result").and_then(Value::as_array);
        Metrics(match (status, series) {
            (Some("success"), Some(series)) => Ok(series.iter().collect()),
            _ => Err(format!(
                "Prometheus did not answer the query with a result ({})",
                answer
                    .get("error")
                    .and_then(Value::as_str)
                    .unwrap_or("not a query answer")
            )),
        })
    }

    /// The free space of the filesystem holding `path` on `node`: the series of the node whose
    /// mount point is the longest that holds `path`.
    fn free_space(&self, node: &Value, path: &str) -> Result<Measured, String> {
        let series = self.0.as_ref().map_err(String::clone)?;
        let mine: Vec<&Value> = series
            .iter()
            .copied()
            .filter(|s| {
                series_node(s)
                    .is_some_and(|host| node_matches(node, &host, std::slice::from_ref(&host)))
            })
            .collect();
        if mine.is_empty() {
            return Err(
                "Prometheus has no node_filesystem_avail_bytes series for this node".to_string(),
            );
        }
        let best = mine
            .iter()
            .filter_map(|s| {
                let mount = host_mount_point(s.pointer("/metric/mountpoint")?.as_str()?);
                holds(&mount, path).then_some((mount, *s))
            })
            .max_by_key(|(mount, _)| mount.len());
        let Some((mount_point, series)) = best else {
            return Err(format!(
                "no filesystem node-exporter reports on this node holds {path}"
            ));
        };
        let value = series
            .pointer("/value/1")
            .and_then(Value::as_str)
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v >= 0.0);
        let Some(value) = value else {
            return Err(format!(
                "node-exporter's free space of {mount_point} on this node is not a number"
            ));
        };
        Ok(Measured {
            mount_point,
            fs_type: series
                .pointer("/metric/fstype")
                .and_then(Value::as_str)
                .map(str::to_string),
            // Byte counts are whole numbers well below 2^53: the float is exact.
            free_bytes: value as u64,
        })
    }
}

/// The node a series is about: its `node`, `nodename` or `kubernetes_node` label, else its
/// `instance` without the port.
fn series_node(series: &Value) -> Option<String> {
    let label = |key: &str| series.pointer(&format!("/metric/{key}"))?.as_str();
    if let Some(node) = ["node", "nodename", "kubernetes_node"]
        .iter()
        .find_map(|k| label(k))
    {
        return Some(node.to_string());
    }
    let instance = label("instance")?;
    let host = match instance.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None if instance.matches(':').count() == 1 => {
            instance.split(':').next().unwrap_or_default()
        }
        None => instance,
    };
    Some(host.to_string())
}

/// A mount point as the host sees it (node-exporter in a container may report it under the
/// host root it was given).
fn host_mount_point(mount: &str) -> String {
    for prefix in HOST_ROOT_PREFIXES {
        if mount == *prefix {
            return "/".to_string();
        }
        if let Some(rest) = mount.strip_prefix(prefix).filter(|r| r.starts_with('/')) {
            return rest.to_string();
        }
    }
    mount.to_string()
}

/// Whether a filesystem mounted at `mount` holds `path` (whole path components).
fn holds(mount: &str, path: &str) -> bool {
    mount == "/"
        || path == mount
        || path
            .strip_prefix(mount)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node() -> Value {
        json!({"metadata": {"name": "acp-global-m02"},
               "status": {"addresses": [{"type": "InternalIP", "address": "192.168.130.12"}]}})
    }

    fn series(labels: Value, value: &str) -> Value {
        json!({"metric": labels, "value": [1764748800.0, value]})
    }

    #[test]
    fn nodes_match_by_name_short_name_or_address() {
        let cases: &[(&str, &[&str], bool)] = &[
            ("acp-global-m02", &[], true),
            ("ACP-GLOBAL-M02.example.com", &[], true),
            ("elsewhere", &["192.168.130.12"], true),
            ("192.168.130.12", &[], true),
            ("acp-global-m01", &["192.168.130.11"], false),
            ("192.168.130.13", &[], false),
        ];
        for (host, addresses, expected) in cases {
            let addresses: Vec<String> = addresses.iter().map(|a| a.to_string()).collect();
            assert_eq!(node_matches(&node(), host, &addresses), *expected, "{host}");
        }
    }

    #[test]
    fn the_longest_mount_holding_the_path_is_the_nodes_free_space() {
        let answer = [
            series(
                json!({"instance": "192.168.130.12:9100", "mountpoint": "/host/root", "fstype": "xfs"}),
                "1000",
            ),
            series(
                json!({"instance": "192.168.130.12:9100", "mountpoint": "/host/root/cpaas", "fstype": "ext4"}),
                "2.5e+11",
            ),
            series(
                json!({"instance": "192.168.130.12:9100", "mountpoint": "/cpaasx"}),
                "7",
            ),
            series(
                json!({"instance": "192.168.130.11:9100", "mountpoint": "/cpaas/minio"}),
                "9",
            ),
        ];
        let metrics = Metrics(Ok(answer.iter().collect()));
        let found = metrics.free_space(&node(), MINIO_PATH).expect("measured");
        assert_eq!(found.mount_point, "/cpaas");
        assert_eq!(found.fs_type.as_deref(), Some("ext4"));
        assert_eq!(found.free_bytes, 250_000_000_000);
    }

    #[test]
    fn series_are_matched_by_node_labels_or_instance_without_port() {
        let cases = [
            (
                json!({"node": "acp-global-m02", "instance": "10.0.0.1:9100"}),
                Some("acp-global-m02"),
            ),
            (json!({"instance": "[fd00::12]:9100"}), Some("fd00::12")),
            (json!({"instance": "fd00::12"}), Some("fd00::12")),
            (
                json!({"instance": "acp-global-m02:9100"}),
                Some("acp-global-m02"),
            ),
            (json!({"job": "node-exporter"}), None),
        ];
        for (labels, expected) in cases {
            assert_eq!(
                series_node(&series(labels.clone(), "1")).as_deref(),
                expected,
                "{labels}"
            );
        }
    }

    #[test]
    fn a_node_without_a_usable_series_says_why() {
        let other = [series(
            json!({"instance": "192.168.130.11:9100", "mountpoint": "/"}),
            "1",
        )];
        let nan = [series(
            json!({"instance": "192.168.130.12:9100", "mountpoint": "/"}),
            "NaN",
        )];
        let data = [series(
            json!({"instance": "192.168.130.12:9100", "mountpoint": "/data"}),
            "1",
        )];
        let cases: [(&[Value], &str); 3] = [
            (
                &other,
                "no node_filesystem_avail_bytes series for this node",
            ),
            (&nan, "is not a number"),
            (&data, "holds /cpaas/minio"),
        ];
        for (answer, expected) in cases {
            let metrics = Metrics(Ok(answer.iter().collect()));
            let error = metrics
                .free_space(&node(), MINIO_PATH)
                .err()
                .expect("unknown");
            assert!(error.contains(expected), "{error}");
        }
    }
}
