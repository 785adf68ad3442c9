//! The host the check (or the collection) ran on: the filesystems holding `/cpaas/minio`, the
//! upgrade package and the extraction directory, from the snapshot's host record
//! ([`crate::host::HostFacts`], written by the host probe or read from `host.json`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::control_plane::node_matches;
use super::nodes::{NODES, is_control_plane};
use super::raw::name;
use super::{ClusterBase, FactError, Input, Level, Provider};
use crate::host::{HostFacts, PathProbe};
use crate::reads::Read;
use crate::snapshot::{ReadError, ReadErrorKind};

/// The host (variable `host`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HostView {
    /// Host name of the machine probed.
    pub hostname: String,
    /// IP addresses of its network interfaces (loopback left out).
    pub addresses: Vec<String>,
    /// The global control-plane node this host is (its name, or one of its addresses, is the
    /// Node's name or one of its addresses); null when it is none of them, or when that cannot
    /// be told.
    pub global_control_plane_node: Option<String>,
    /// Whether this host is one of the global cluster's control-plane nodes; null when that
    /// cannot be told (the global cluster's nodes were not read, or the host facts record no
    /// addresses and its name is no node's).
    pub is_global_control_plane: Option<bool>,
    /// One entry per probed path; host-path rules see each as `path`.
    pub paths: Vec<HostPath>,
    /// The upgrade package, when `--package` was given.
    pub package: Option<PackageView>,
}

/// One probed path and the filesystem holding it (variable `path` of host-path rules).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HostPath {
    /// The node the path was probed on.
    pub host: String,
    /// `minio`, `package_dir` or `extract_dir`.
    pub role: String,
    /// The path as given by the operator.
    pub path: String,
    /// `st_dev` of the directory: equal ids mean the same mounted filesystem.
    pub device_id: Option<u64>,
    /// Mount point holding the path (longest matching mount).
    pub mount_point: Option<String>,
    /// Filesystem type (ext4, xfs, tmpfs…).
    pub fs_type: Option<String>,
    /// Size of the filesystem in bytes.
    pub total_bytes: Option<u64>,
    /// Bytes available to unprivileged users (`f_bavail * f_frsize`).
    pub free_bytes: Option<u64>,
    /// Roles of the other probed paths on the same filesystem.
    pub shared_with: Vec<String>,
    /// Why the probe failed (missing path, permission denied, timed out); rules that read the
    /// path are then `error`.
    pub error: Option<String>,
}

/// The upgrade package file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PackageView {
    /// Path of the package file.
    pub path: String,
    /// Its size in bytes; unknown (and rules reading `host.package` are `error`) when it could
    /// not be read.
    pub size_bytes: Option<u64>,
    /// Why the size is unknown.
    #[serde(skip)]
    #[schemars(skip)]
    error: Option<String>,
}

/// The `host` family.
pub struct Host;

impl Provider for Host {
    type Value = HostView;
    const NAME: &'static str = "host";
    const LEVEL: Level = Level::Platform;
    const READS: &'static [&'static Read] = &[];

    fn derive(input: &Input<'_>, _global: &ClusterBase) -> Result<HostView, FactError> {
        let Some(host) = &input.snapshot.host else {
            return Err(FactError {
                cluster: None,
                resource: None,
                error: ReadError::new(
                    ReadErrorKind::NotCollected,
                    "no host facts were collected: run the check (or `collect`) on a global \
                     control-plane node, or add host.json to the dump directory, or exclude \
                     the host checks with --skip-host",
                ),
            });
        };
        let node = control_plane_node(input, host);
        Ok(HostView {
            hostname: host.hostname.clone(),
            addresses: host.addresses.clone(),
            is_global_control_plane: match &node {
                Some(Some(_)) => Some(true),
                Some(None) if !host.addresses.is_empty() => Some(false),
                _ => None,
            },
            global_control_plane_node: node.flatten(),
            paths: host
                .paths
                .iter()
                .map(|p| host_path(p, &host.hostname))
                .collect(),
            package: host.package.as_ref().map(|p| PackageView {
                path: p.path.clone(),
                size_bytes: p.size_bytes,
                error: p.error.clone(),
            }),
        })
    }

    fn unknown_parts(host: &HostView) -> Vec<(String, String)> {
        host.package
            .as_ref()
            .and_then(|p| p.error.clone())
            .map(|error| ("package".to_string(), error))
            .into_iter()
            .collect()
    }
}

/// The global control-plane node whose name or addresses match the host's name or addresses:
/// `Some(None)` when none does, `None` when the global cluster's nodes were not read.
fn control_plane_node(input: &Input<'_>, host: &HostFacts) -> Option<Option<String>> {
    let nodes = input.items(input.global, &NODES).ok()?;
    Some(
        nodes
            .iter()
            .filter(|node| is_control_plane(node))
            .find(|node| node_matches(node, &host.hostname, &host.addresses))
            .map(|node| name(node).to_string()),
    )
}

fn host_path(probe: &PathProbe, hostname: &str) -> HostPath {
    let fs = probe.filesystem.as_ref();
    HostPath {
        host: probe.host.clone().unwrap_or_else(|| hostname.to_string()),
        role: probe.role.clone(),
        path: probe.path.clone(),
        device_id: fs.map(|f| f.device_id),
        mount_point: fs.and_then(|f| f.mount_point.clone()),
        fs_type: fs.and_then(|f| f.fs_type.clone()),
        total_bytes: fs.map(|f| f.total_bytes),
        free_bytes: fs.map(|f| f.free_bytes),
        shared_with: fs.map(|f| f.shared_with.clone()).unwrap_or_default(),
        error: probe.error.clone(),
    }
}
