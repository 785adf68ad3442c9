//! Facts about the host the checker runs on: free space of the filesystems that hold
//! `/cpaas/minio`, the upgrade package and the extraction directory, and what the network looks
//! like from it (TCP connects to given endpoints, DNS answers for given names).
//!
//! The same-filesystem decision and free space come from `stat(2)` (`st_dev`) and `statvfs(3)`
//! (`f_bavail`), which are authoritative; sysinfo only names the disk and mount point for the
//! inventory. Directories are compared, never the package file itself (overlayfs may report a
//! different `st_dev` for files). Every probe runs with a timeout so a dead network mount cannot
//! hang the run.

use serde::{Deserialize, Serialize};

#[cfg(feature = "io")]
mod mountinfo;
#[cfg(feature = "io")]
mod probe;

#[cfg(feature = "io")]
pub use probe::{mark_shared_filesystems, probe, probe_network};

/// How long a TCP connect or a DNS lookup may take before it is given up as timed out.
pub const NETWORK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// What the operator asked to probe.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostProbeRequest {
    /// The MinIO data directory (`--minio-path`, default `/cpaas/minio`).
    pub minio_path: Option<String>,
    /// The upgrade package file (`--package`).
    pub package: Option<String>,
    /// The directory the package will be extracted into (`--extract-dir`).
    pub extract_dir: Option<String>,
    /// Per-path probe timeout.
    pub timeout: std::time::Duration,
    /// Endpoints (`host:port`, `[ipv6]:port`) to try a TCP connect to (`--tcp`).
    pub tcp: Vec<String>,
    /// Host names to resolve (`--resolve`).
    pub resolve: Vec<String>,
}

/// Host facts, as stored in a snapshot and shown to rules as `host`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HostFacts {
    /// Host name of the machine probed.
    pub hostname: String,
    /// IP addresses of its network interfaces (loopback left out), to tell which node of the
    /// platform it is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    /// One entry per probed path.
    pub paths: Vec<PathProbe>,
    /// The upgrade package, when `--package` was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<PackageProbe>,
    /// Disk inventory (informational; from sysinfo).
    #[serde(default)]
    pub disks: Vec<DiskInfo>,
    /// The network as seen from the host: TCP connects and DNS answers, when any were probed.
    #[serde(default, skip_serializing_if = "NetworkFacts::is_empty")]
    pub network: NetworkFacts,
}

/// TCP connects and DNS lookups made from the host. They depend on where the check runs, so
/// they are host facts: a snapshot keeps them, and an offline check uses them as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NetworkFacts {
    /// One entry per endpoint a TCP connect was tried to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tcp: Vec<TcpProbe>,
    /// One entry per host name looked up.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns: Vec<DnsProbe>,
}

impl NetworkFacts {
    /// Whether nothing was probed.
    pub fn is_empty(&self) -> bool {
        self.tcp.is_empty() && self.dns.is_empty()
    }

    /// The connect to `endpoint` (as [`endpoint`] writes it), when it was tried.
    pub fn tcp(&self, endpoint: &str) -> Option<&TcpProbe> {
        self.tcp.iter().find(|p| p.endpoint == endpoint)
    }

    /// The lookup of `name` (compared without case), when it was made.
    pub fn dns(&self, name: &str) -> Option<&DnsProbe> {
        self.dns.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }
}

/// A TCP connect to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TcpProbe {
    /// `host:port` (`[ipv6]:port`), as given.
    pub endpoint: String,
    /// The node it was tried from, when it is not the record's `hostname` (merged from another
    /// node's host facts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Whether the connection was established (it is closed at once; nothing is sent).
    pub connected: bool,
    /// Why it was not: refused, timed out, unreachable, a name that does not resolve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A DNS lookup of one host name (the system resolver: `/etc/hosts`, then DNS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DnsProbe {
    /// The name looked up.
    pub name: String,
    /// The node it was looked up from, when it is not the record's `hostname`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The addresses it resolves to, in the resolver's order, without repeats; empty when the
    /// lookup failed.
    #[serde(default)]
    pub addresses: Vec<String>,
    /// Why the lookup failed (no such name, timed out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `host:port`, with an IPv6 address in brackets (`[fd00::10]:2379`).
pub fn endpoint(host: &str, port: u16) -> String {
    if host.parse::<std::net::Ipv6Addr>().is_ok() {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The role a probed path plays in the upgrade.
pub mod roles {
    /// `/cpaas/minio` on the global control plane.
    pub const MINIO: &str = "minio";
    /// The directory holding the upgrade package.
    pub const PACKAGE_DIR: &str = "package_dir";
    /// The directory the package is extracted into.
    pub const EXTRACT_DIR: &str = "extract_dir";
}

/// The probe of one path: either its filesystem facts or why they are unknown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PathProbe {
    /// One of [`roles`].
    pub role: String,
    /// The path as given by the operator.
    pub path: String,
    /// The node the path was probed on, when it is not the record's `hostname` (paths merged
    /// from another node's host facts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The addresses of that node, as its host facts recorded them (to tell which node of the
    /// platform it is); empty for the record's own paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    /// The filesystem facts, when the probe succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filesystem: Option<FilesystemFacts>,
    /// Why the probe failed (missing path, permission denied, timed out), naming the path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Facts about the filesystem that holds a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FilesystemFacts {
    /// `st_dev` of the directory: equal ids mean the same mounted filesystem.
    pub device_id: u64,
    /// Mount point holding the path (longest matching mount), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_point: Option<String>,
    /// Filesystem type (ext4, xfs, tmpfs…), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fs_type: Option<String>,
    /// Size of the filesystem in bytes.
    pub total_bytes: u64,
    /// Bytes available to unprivileged users (`f_bavail * f_frsize`).
    pub free_bytes: u64,
    /// Roles of the other probed paths on the same filesystem (same `device_id`).
    #[serde(default)]
    pub shared_with: Vec<String>,
}

/// The upgrade package file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PackageProbe {
    /// Path of the package file.
    pub path: String,
    /// Its size in bytes, when it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
    /// Why the size is unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One disk from the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DiskInfo {
    /// Device name (e.g. `/dev/vda1`).
    pub name: String,
    /// Where it is mounted.
    pub mount_point: String,
    /// Filesystem type.
    pub fs_type: String,
    /// Size in bytes.
    pub total_bytes: u64,
    /// Available bytes.
    pub available_bytes: u64,
}

impl HostFacts {
    /// These facts with `other`'s merged in: paths probed on another node are kept beside
    /// this record's (tagged with that node), a path of the same role on the same node is
    /// replaced by `other`'s, and `other`'s package, when it has one, is used. So host facts
    /// from a snapshot, `--host-facts` files and this node's probes add up instead of
    /// replacing each other. A TCP connect or DNS lookup of the same endpoint or name is
    /// replaced by `other`'s, whichever node made it: the network is what the node given last
    /// sees (the one that will run the upgrade), tagged with that node.
    pub fn merge(mut self, other: HostFacts) -> HostFacts {
        let same_node = other.hostname == self.hostname;
        // The addresses are of the record's own host; another node's only fill a gap.
        if self.addresses.is_empty() && same_node {
            self.addresses = other.addresses.clone();
        }
        for mut probe in other.paths {
            if !same_node && probe.host.is_none() {
                probe.host = Some(other.hostname.clone());
                probe.addresses = other.addresses.clone();
            }
            let node = probe.host.clone();
            self.paths
                .retain(|p| !(p.role == probe.role && p.host == node));
            self.paths.push(probe);
        }
        if other.package.is_some() {
            self.package = other.package;
        }
        self.disks.extend(other.disks);
        let from_other = |host: &mut Option<String>| {
            if !same_node {
                host.get_or_insert_with(|| other.hostname.clone());
            }
        };
        for mut probe in other.network.tcp {
            from_other(&mut probe.host);
            self.network.tcp.retain(|p| p.endpoint != probe.endpoint);
            self.network.tcp.push(probe);
        }
        for mut probe in other.network.dns {
            from_other(&mut probe.host);
            self.network
                .dns
                .retain(|p| !p.name.eq_ignore_ascii_case(&probe.name));
            self.network.dns.push(probe);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(hostname: &str, roles: &[&str]) -> HostFacts {
        HostFacts {
            hostname: hostname.to_string(),
            addresses: Vec::new(),
            paths: roles
                .iter()
                .map(|role| PathProbe {
                    role: role.to_string(),
                    path: format!("/{hostname}/{role}"),
                    host: None,
                    addresses: Vec::new(),
                    filesystem: None,
                    error: None,
                })
                .collect(),
            package: None,
            disks: Vec::new(),
            network: NetworkFacts::default(),
        }
    }

    fn tcp(endpoint: &str, connected: bool) -> TcpProbe {
        TcpProbe {
            endpoint: endpoint.to_string(),
            host: None,
            connected,
            error: (!connected).then(|| "Connection refused (os error 111)".to_string()),
        }
    }

    #[test]
    fn merging_adds_other_nodes_and_replaces_the_same_role_on_the_same_node() {
        let merged = record("cp-1", &["minio", "package_dir"])
            .merge(record("cp-1", &["package_dir", "extract_dir"]))
            .merge(record("cp-2", &["minio"]));
        let paths: Vec<(&str, Option<&str>, &str)> = merged
            .paths
            .iter()
            .map(|p| (p.role.as_str(), p.host.as_deref(), p.path.as_str()))
            .collect();
        assert_eq!(
            paths,
            [
                ("minio", None, "/cp-1/minio"),
                ("package_dir", None, "/cp-1/package_dir"),
                ("extract_dir", None, "/cp-1/extract_dir"),
                ("minio", Some("cp-2"), "/cp-2/minio"),
            ]
        );
    }

    #[test]
    fn merging_replaces_a_probe_of_the_same_endpoint_with_the_later_nodes() {
        let mut local = record("workstation", &[]);
        local.network.tcp = vec![tcp("10.0.0.1:2379", false), tcp("10.0.0.2:2379", false)];
        local.network.dns = vec![DnsProbe {
            name: "acp.example.com".to_string(),
            host: None,
            addresses: vec![],
            error: Some("no such name".to_string()),
        }];
        let mut node = record("cp-1", &[]);
        node.network.tcp = vec![tcp("10.0.0.2:2379", true)];
        node.network.dns = vec![DnsProbe {
            name: "ACP.example.com".to_string(),
            host: None,
            addresses: vec!["10.0.0.1".to_string()],
            error: None,
        }];
        let merged = local.merge(node).network;
        let tcp: Vec<(&str, Option<&str>, bool)> = merged
            .tcp
            .iter()
            .map(|p| (p.endpoint.as_str(), p.host.as_deref(), p.connected))
            .collect();
        assert_eq!(
            tcp,
            [
                ("10.0.0.1:2379", None, false),
                ("10.0.0.2:2379", Some("cp-1"), true)
            ]
        );
        let dns = merged.dns("acp.example.com").expect("lookup");
        assert_eq!(dns.addresses, ["10.0.0.1"]);
        assert_eq!(dns.host.as_deref(), Some("cp-1"));
        assert_eq!(merged.dns.len(), 1);
    }

    #[test]
    fn endpoints_bracket_ipv6_addresses() {
        assert_eq!(endpoint("192.168.130.10", 2379), "192.168.130.10:2379");
        assert_eq!(endpoint("fd00::10", 2379), "[fd00::10]:2379");
        assert_eq!(endpoint("vip.example.com", 2379), "vip.example.com:2379");
    }
}
