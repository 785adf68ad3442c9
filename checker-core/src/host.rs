//! Facts about the host the checker runs on: free space of the filesystems that hold
//! `/cpaas/minio`, the upgrade package and the extraction directory.
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
pub use probe::{mark_shared_filesystems, probe};

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
}

/// Host facts, as stored in a snapshot and shown to rules as `host`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostFacts {
    /// Host name of the machine probed.
    pub hostname: String,
    /// One entry per probed path.
    pub paths: Vec<PathProbe>,
    /// The upgrade package, when `--package` was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<PackageProbe>,
    /// Disk inventory (informational; from sysinfo).
    #[serde(default)]
    pub disks: Vec<DiskInfo>,
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathProbe {
    /// One of [`roles`].
    pub role: String,
    /// The path as given by the operator.
    pub path: String,
    /// The node the path was probed on, when it is not the record's `hostname` (paths merged
    /// from another node's host facts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The filesystem facts, when the probe succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filesystem: Option<FilesystemFacts>,
    /// Why the probe failed (missing path, permission denied, timed out), naming the path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Facts about the filesystem that holds a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// replacing each other.
    pub fn merge(mut self, other: HostFacts) -> HostFacts {
        let same_node = other.hostname == self.hostname;
        for mut probe in other.paths {
            if !same_node {
                probe.host.get_or_insert_with(|| other.hostname.clone());
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
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(hostname: &str, roles: &[&str]) -> HostFacts {
        HostFacts {
            hostname: hostname.to_string(),
            paths: roles
                .iter()
                .map(|role| PathProbe {
                    role: role.to_string(),
                    path: format!("/{hostname}/{role}"),
                    host: None,
                    filesystem: None,
                    error: None,
                })
                .collect(),
            package: None,
            disks: Vec::new(),
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
}
