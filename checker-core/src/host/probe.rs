//! Probing the host: `stat`/`statvfs` on each directory, on helper threads with a deadline.

use std::io;
use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::stat::{SFlag, stat};
use nix::sys::statvfs::statvfs;

use super::{
    DiskInfo, FilesystemFacts, HostFacts, HostProbeRequest, PackageProbe, PathProbe, mountinfo,
    roles,
};

/// Probes the paths named in `request` and the host's disk inventory.
///
/// The MinIO directory, the directory holding the package and the extraction directory are
/// probed in parallel, each on its own thread; a role whose path is `None` is not probed. A
/// path that is missing, not a directory or not accessible, or whose probe has not answered
/// within `request.timeout`, gets an `error` naming it instead of filesystem facts. A probe
/// stuck on a dead network mount is abandoned (as is a stuck disk inventory, which is then
/// left empty), so the whole call returns after about `request.timeout` at worst (a zero timeout therefore fails every probe that has not already
/// answered). Never panics.
pub fn probe(request: &HostProbeRequest) -> HostFacts {
    let deadline = Instant::now().checked_add(request.timeout);

    let mut pending = Vec::new();
    if let Some(path) = &request.minio_path {
        pending.push(PendingDir::start(roles::MINIO, path, None));
    }
    if let Some(package) = &request.package {
        let dir = package_dir(package);
        pending.push(PendingDir::start(roles::PACKAGE_DIR, &dir, Some(package)));
    }
    if let Some(path) = &request.extract_dir {
        pending.push(PendingDir::start(roles::EXTRACT_DIR, path, None));
    }
    let disks = start(list_disks);

    let mut paths = Vec::new();
    let mut package = None;
    for dir in pending {
        let (path_probe, package_probe) = dir.finish(deadline, request.timeout);
        paths.push(path_probe);
        package = package.or(package_probe);
    }
    mark_shared_filesystems(&mut paths);

    HostFacts {
        hostname: hostname(),
        paths,
        package,
        disks: wait(disks, deadline, request.timeout).unwrap_or_default(),
    }
}

/// Fills `shared_with` of every successfully probed path with the roles of the other probed
/// paths on the same filesystem, that is with the same `device_id` (`st_dev`).
///
/// Equal device ids mean one mounted filesystem, so its free space must cover the needs of all
/// those roles together. Paths whose probe failed are neither marked nor listed.
pub fn mark_shared_filesystems(paths: &mut [PathProbe]) {
    let devices: Vec<(String, Option<u64>)> = paths
        .iter()
        .map(|path| {
            let device = path.filesystem.as_ref().map(|fs| fs.device_id);
            (path.role.clone(), device)
        })
        .collect();
    for (index, path) in paths.iter_mut().enumerate() {
        let Some(fs) = path.filesystem.as_mut() else {
            continue;
        };
        fs.shared_with = devices
            .iter()
            .enumerate()
            .filter(|(other, (_, device))| *other != index && *device == Some(fs.device_id))
            .map(|(_, (role, _))| role.clone())
            .collect();
    }
}

/// The directory holding the package file: its parent, `.` for a bare file name.
fn package_dir(package: &str) -> String {
    match Path::new(package).parent() {
        Some(parent) if parent.as_os_str().is_empty() => ".".to_string(),
        Some(parent) => parent.to_string_lossy().into_owned(),
        None => package.to_string(),
    }
}

/// What the helper thread of one directory found.
struct DirOutcome {
    filesystem: io::Result<FilesystemFacts>,
    /// The package size, for the package directory.
    package_size: Option<io::Result<u64>>,
}

/// A directory probe running on its helper thread.
struct PendingDir {
    role: &'static str,
    path: String,
    package: Option<String>,
    outcome: io::Result<mpsc::Receiver<DirOutcome>>,
}

impl PendingDir {
    fn start(role: &'static str, path: &str, package: Option<&str>) -> Self {
        let dir = path.to_string();
        let package_file = package.map(str::to_string);
        let outcome = start(move || DirOutcome {
            filesystem: probe_dir(Path::new(&dir)),
            package_size: package_file.map(|file| package_size(Path::new(&file))),
        });
        Self {
            role,
            path: path.to_string(),
            package: package.map(str::to_string),
            outcome,
        }
    }

    fn finish(
        self,
        deadline: Option<Instant>,
        timeout: Duration,
    ) -> (PathProbe, Option<PackageProbe>) {
        let (filesystem, package_size) = match wait(self.outcome, deadline, timeout) {
            Ok(outcome) => (
                outcome.filesystem.map_err(|error| error.to_string()),
                outcome
                    .package_size
                    .map(|size| size.map_err(|error| error.to_string())),
            ),
            Err(cause) => (Err(cause.clone()), Some(Err(cause))),
        };
        let package = self.package.map(|path| {
            let size = package_size.unwrap_or_else(|| Err("not probed".to_string()));
            PackageProbe {
                size_bytes: size.as_ref().ok().copied(),
                error: size.err().map(|cause| format!("{path}: {cause}")),
                path,
            }
        });
        let path_probe = PathProbe {
            role: self.role.to_string(),
            filesystem: filesystem.as_ref().ok().cloned(),
            error: filesystem
                .err()
                .map(|cause| format!("{}: {cause}", self.path)),
            path: self.path,
        };
        (path_probe, package)
    }
}

/// Runs `work` on a helper thread; its answer arrives on the returned channel.
fn start<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> io::Result<mpsc::Receiver<T>> {
    let (sender, receiver) = mpsc::sync_channel(1);
    thread::Builder::new()
        .name("host-probe".to_string())
        .spawn(move || {
            // The receiver is gone when the probe was abandoned; nobody needs the answer.
            let _ = sender.send(work());
        })?;
    Ok(receiver)
}

/// Waits for the answer of a helper thread until `deadline` (forever when `None`). An answer
/// already sent is taken even when the deadline has passed. On failure, returns the cause.
fn wait<T>(
    started: io::Result<mpsc::Receiver<T>>,
    deadline: Option<Instant>,
    timeout: Duration,
) -> Result<T, String> {
    let receiver = started.map_err(|error| format!("cannot start the probe thread: {error}"))?;
    let answer = match deadline {
        Some(deadline) => receiver.recv_timeout(deadline.saturating_duration_since(Instant::now())),
        None => receiver.recv().map_err(|_| RecvTimeoutError::Disconnected),
    };
    answer.map_err(|error| match error {
        RecvTimeoutError::Timeout => format!("timed out after {timeout:?}"),
        RecvTimeoutError::Disconnected => "the probe stopped without an answer".to_string(),
    })
}

/// Filesystem facts of the directory `dir` (`shared_with` left empty).
fn probe_dir(dir: &Path) -> io::Result<FilesystemFacts> {
    let status = stat(dir)?;
    if status.st_mode & SFlag::S_IFMT.bits() != SFlag::S_IFDIR.bits() {
        return Err(Errno::ENOTDIR.into());
    }
    let space = statvfs(dir)?;
    let fragment_size = space.fragment_size() as u64;
    let mount = std::fs::canonicalize(dir)
        .ok()
        .and_then(|canonical| mountinfo::lookup(&canonical));
    Ok(FilesystemFacts {
        device_id: status.st_dev as u64,
        mount_point: mount
            .as_ref()
            .map(|mount| mount.mount_point.to_string_lossy().into_owned()),
        fs_type: mount.map(|mount| mount.fs_type),
        total_bytes: (space.blocks() as u64).saturating_mul(fragment_size),
        free_bytes: (space.blocks_available() as u64).saturating_mul(fragment_size),
        shared_with: Vec::new(),
    })
}

/// Size of the package file; a directory is an error.
fn package_size(file: &Path) -> io::Result<u64> {
    let metadata = std::fs::metadata(file)?;
    if metadata.is_dir() {
        return Err(Errno::EISDIR.into());
    }
    Ok(metadata.len())
}

/// The host name, or `unknown`.
fn hostname() -> String {
    nix::unistd::gethostname()
        .ok()
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// The disk inventory from sysinfo; empty when it cannot be read. Informational only: sysinfo
/// leaves out tmpfs, network and pseudo filesystems. It does call `statvfs` on FUSE mounts,
/// which can hang, so it too runs on a helper thread.
fn list_disks() -> Vec<DiskInfo> {
    let Ok(disks) = sysinfo::Disks::new_with_refreshed_list() else {
        return Vec::new();
    };
    disks
        .iter()
        .map(|disk| DiskInfo {
            name: disk.name().to_string_lossy().into_owned(),
            mount_point: disk.mount_point().to_string_lossy().into_owned(),
            fs_type: disk.file_system().to_string_lossy().into_owned(),
            total_bytes: disk.total_space(),
            available_bytes: disk.available_space(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;
    use std::path::PathBuf;

    use super::*;
    use crate::host::testing::{GIB, MountGuard, mount_hanging_fuse_or_skip, mount_tmpfs_or_skip};

    const TIMEOUT: Duration = Duration::from_secs(30);

    fn request() -> HostProbeRequest {
        HostProbeRequest {
            timeout: TIMEOUT,
            ..HostProbeRequest::default()
        }
    }

    fn text(path: &Path) -> String {
        path.to_str()
            .expect("temporary paths are UTF-8")
            .to_string()
    }

    fn only_path(facts: &HostFacts) -> &PathProbe {
        assert_eq!(facts.paths.len(), 1, "{facts:#?}");
        &facts.paths[0]
    }

    fn filesystem<'a>(facts: &'a HostFacts, role: &str) -> &'a FilesystemFacts {
        let probe = facts
            .paths
            .iter()
            .find(|probe| probe.role == role)
            .unwrap_or_else(|| panic!("no {role} probe in {facts:#?}"));
        assert_eq!(probe.error, None, "{facts:#?}");
        probe
            .filesystem
            .as_ref()
            .unwrap_or_else(|| panic!("no filesystem for {role} in {facts:#?}"))
    }

    #[test]
    fn temporary_directory_has_plausible_filesystem() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let facts = probe(&HostProbeRequest {
            minio_path: Some(text(dir.path())),
            ..request()
        });

        assert!(!facts.hostname.is_empty());
        assert_eq!(facts.package, None);
        let probe = only_path(&facts);
        assert_eq!(probe.role, roles::MINIO);
        assert_eq!(probe.path, text(dir.path()));
        let fs = filesystem(&facts, roles::MINIO);
        let metadata = std::fs::metadata(dir.path()).expect("metadata");
        assert_eq!(fs.device_id, metadata.dev());
        assert!(fs.total_bytes > 0, "{fs:?}");
        assert!(
            fs.free_bytes > 0 && fs.free_bytes <= fs.total_bytes,
            "{fs:?}"
        );
        let mount_point = fs.mount_point.as_deref().expect("mount point");
        let canonical = std::fs::canonicalize(dir.path()).expect("canonical path");
        assert!(
            canonical.starts_with(mount_point),
            "{mount_point} does not hold {canonical:?}"
        );
        assert!(
            fs.fs_type
                .as_deref()
                .is_some_and(|fs_type| !fs_type.is_empty()),
            "{fs:?}"
        );
        assert!(fs.shared_with.is_empty());
    }

    #[test]
    fn missing_path_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let missing = text(&dir.path().join("minio"));
        let facts = probe(&HostProbeRequest {
            minio_path: Some(missing.clone()),
            ..request()
        });

        let probe = only_path(&facts);
        assert_eq!(probe.filesystem, None);
        assert_eq!(
            probe.error.as_deref(),
            Some(format!("{missing}: No such file or directory (os error 2)").as_str())
        );
    }

    #[test]
    fn file_where_a_directory_is_required_is_an_error() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = dir.path().join("minio");
        std::fs::write(&file, b"not a directory").expect("write file");
        let facts = probe(&HostProbeRequest {
            minio_path: Some(text(&file)),
            extract_dir: Some(text(&file)),
            ..request()
        });

        assert_eq!(facts.paths.len(), 2);
        for probe in &facts.paths {
            assert_eq!(probe.filesystem, None);
            assert_eq!(
                probe.error.as_deref(),
                Some(format!("{}: Not a directory (os error 20)", text(&file)).as_str())
            );
        }
    }

    #[test]
    fn package_and_extract_dir_on_one_filesystem_share_it() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let package = dir.path().join("acp-4.2.tgz");
        std::fs::write(&package, vec![7u8; 12_345]).expect("write package");
        let extract = dir.path().join("extract");
        std::fs::create_dir(&extract).expect("create extract dir");
        let facts = probe(&HostProbeRequest {
            package: Some(text(&package)),
            extract_dir: Some(text(&extract)),
            ..request()
        });

        assert_eq!(facts.paths.len(), 2, "minio is not probed when not asked");
        assert_eq!(facts.paths[0].path, text(dir.path()));
        let package_fs = filesystem(&facts, roles::PACKAGE_DIR);
        let extract_fs = filesystem(&facts, roles::EXTRACT_DIR);
        assert_eq!(package_fs.device_id, extract_fs.device_id);
        assert_eq!(package_fs.shared_with, [roles::EXTRACT_DIR]);
        assert_eq!(extract_fs.shared_with, [roles::PACKAGE_DIR]);
        assert_eq!(
            facts.package,
            Some(PackageProbe {
                path: text(&package),
                size_bytes: Some(12_345),
                error: None,
            })
        );
    }

    #[test]
    fn missing_package_in_existing_directory() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let package = text(&dir.path().join("missing.tgz"));
        let facts = probe(&HostProbeRequest {
            package: Some(package.clone()),
            ..request()
        });

        filesystem(&facts, roles::PACKAGE_DIR);
        let probe = facts.package.expect("package probe");
        assert_eq!(probe.size_bytes, None);
        assert_eq!(
            probe.error,
            Some(format!("{package}: No such file or directory (os error 2)"))
        );
    }

    #[test]
    fn directory_as_package_is_an_error() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let facts = probe(&HostProbeRequest {
            package: Some(text(dir.path())),
            ..request()
        });
        let probe = facts.package.expect("package probe");
        assert_eq!(
            probe.error,
            Some(format!(
                "{}: Is a directory (os error 21)",
                text(dir.path())
            ))
        );
    }

    #[test]
    fn nothing_asked_nothing_probed() {
        let facts = probe(&request());
        assert!(facts.paths.is_empty());
        assert_eq!(facts.package, None);
    }

    #[test]
    fn package_dir_is_the_parent() {
        assert_eq!(package_dir("/data/acp.tgz"), "/data");
        assert_eq!(package_dir("/acp.tgz"), "/");
        assert_eq!(package_dir("acp.tgz"), ".");
        assert_eq!(package_dir("pkgs/acp.tgz"), "pkgs");
    }

    #[test]
    fn stuck_probe_times_out() {
        let timeout = Duration::from_millis(50);
        let started = Instant::now();
        let answer = wait(
            start(|| thread::sleep(Duration::from_secs(5))),
            Instant::now().checked_add(timeout),
            timeout,
        );
        assert_eq!(answer, Err("timed out after 50ms".to_string()));
        assert!(started.elapsed() < Duration::from_secs(2));

        let timeout = Duration::from_secs(3);
        let answer = wait(
            start(|| thread::sleep(Duration::from_secs(5))),
            Instant::now().checked_add(Duration::ZERO),
            timeout,
        );
        assert_eq!(answer, Err("timed out after 3s".to_string()));
    }

    #[test]
    fn answer_already_sent_is_taken_after_the_deadline() {
        let receiver = start(|| 42);
        thread::sleep(Duration::from_millis(100));
        assert_eq!(wait(receiver, Some(Instant::now()), Duration::ZERO), Ok(42));
    }

    #[test]
    fn hanging_mount_times_out_without_holding_up_the_other_probes() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let hanging = dir.path().join("hanging");
        let other = dir.path().join("other");
        std::fs::create_dir(&hanging).expect("create mount dir");
        std::fs::create_dir(&other).expect("create other dir");
        // Declared after `dir`: unmounted before the directory is removed.
        let Some(_guard) = mount_hanging_fuse_or_skip(&hanging)
            .unwrap_or_else(|error| panic!("mounting a FUSE filesystem on {hanging:?}: {error}"))
        else {
            return;
        };
        let minio = text(&hanging.join("minio"));

        let started = Instant::now();
        let facts = probe(&HostProbeRequest {
            minio_path: Some(minio.clone()),
            extract_dir: Some(text(&other)),
            timeout: Duration::from_millis(500),
            ..request()
        });

        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        let stuck = &facts.paths[0];
        assert_eq!(stuck.filesystem, None);
        assert_eq!(
            stuck.error.as_deref(),
            Some(format!("{minio}: timed out after 500ms").as_str())
        );
        filesystem(&facts, roles::EXTRACT_DIR);
    }

    fn probed(role: &str, device_id: Option<u64>) -> PathProbe {
        PathProbe {
            role: role.to_string(),
            path: format!("/{role}"),
            filesystem: device_id.map(|device_id| FilesystemFacts {
                device_id,
                mount_point: None,
                fs_type: None,
                total_bytes: 100,
                free_bytes: 50,
                shared_with: Vec::new(),
            }),
            error: device_id.is_none().then(|| format!("/{role}: failed")),
        }
    }

    fn shared(paths: &[PathProbe]) -> Vec<Option<Vec<String>>> {
        paths
            .iter()
            .map(|path| path.filesystem.as_ref().map(|fs| fs.shared_with.clone()))
            .collect()
    }

    #[test]
    fn same_device_id_means_same_filesystem() {
        let mut paths = vec![
            probed(roles::MINIO, Some(7)),
            probed(roles::PACKAGE_DIR, Some(9)),
            probed(roles::EXTRACT_DIR, Some(7)),
        ];
        mark_shared_filesystems(&mut paths);
        assert_eq!(
            shared(&paths),
            [
                Some(vec![roles::EXTRACT_DIR.to_string()]),
                Some(vec![]),
                Some(vec![roles::MINIO.to_string()]),
            ]
        );

        let mut paths = vec![
            probed(roles::MINIO, Some(7)),
            probed(roles::PACKAGE_DIR, Some(7)),
            probed(roles::EXTRACT_DIR, Some(7)),
        ];
        mark_shared_filesystems(&mut paths);
        assert_eq!(
            shared(&paths)[1],
            Some(vec![
                roles::MINIO.to_string(),
                roles::EXTRACT_DIR.to_string()
            ])
        );
    }

    #[test]
    fn failed_probes_share_nothing() {
        let mut paths = vec![
            probed(roles::MINIO, None),
            probed(roles::PACKAGE_DIR, Some(7)),
            probed(roles::EXTRACT_DIR, None),
        ];
        mark_shared_filesystems(&mut paths);
        assert_eq!(shared(&paths), [None, Some(vec![]), None]);
    }

    /// A temporary directory with a tmpfs of `size_bytes` mounted on `<dir>/tmpfs` and an
    /// empty `<dir>/other` on the temporary directory's own filesystem. `None` (after a loud
    /// message) when mounting is not permitted.
    struct TmpfsFixture {
        // Field order matters: the tmpfs is unmounted before the directory is removed.
        guard: MountGuard,
        other: PathBuf,
        _dir: tempfile::TempDir,
    }

    fn tmpfs_fixture(size_bytes: u64) -> Option<TmpfsFixture> {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mount_dir = dir.path().join("tmpfs");
        let other = dir.path().join("other");
        std::fs::create_dir(&mount_dir).expect("create mount dir");
        std::fs::create_dir(&other).expect("create other dir");
        let guard = mount_tmpfs_or_skip(&mount_dir, size_bytes)
            .unwrap_or_else(|error| panic!("mounting a tmpfs on {mount_dir:?}: {error}"))?;
        Some(TmpfsFixture {
            guard,
            other,
            _dir: dir,
        })
    }

    #[test]
    fn tmpfs_reports_its_exact_size_and_is_a_separate_filesystem() {
        let Some(fixture) = tmpfs_fixture(GIB) else {
            return;
        };
        let facts = probe(&HostProbeRequest {
            minio_path: Some(text(fixture.guard.path())),
            extract_dir: Some(text(&fixture.other)),
            ..request()
        });

        let tmpfs = filesystem(&facts, roles::MINIO);
        assert_eq!(tmpfs.total_bytes, GIB);
        assert_eq!(tmpfs.free_bytes, GIB);
        assert_eq!(tmpfs.fs_type.as_deref(), Some("tmpfs"));
        let canonical = std::fs::canonicalize(fixture.guard.path()).expect("canonical path");
        assert_eq!(tmpfs.mount_point.as_deref(), canonical.to_str());

        let other = filesystem(&facts, roles::EXTRACT_DIR);
        assert_ne!(tmpfs.device_id, other.device_id);
        assert_ne!(other.mount_point, tmpfs.mount_point);
        assert!(tmpfs.shared_with.is_empty(), "{facts:#?}");
        assert!(other.shared_with.is_empty(), "{facts:#?}");
    }

    #[test]
    fn tmpfs_at_and_just_below_120_gib_reports_it_exactly() {
        for size in [120 * GIB, 120 * GIB - 100 * 1024 * 1024] {
            let Some(fixture) = tmpfs_fixture(size) else {
                return;
            };
            let facts = probe(&HostProbeRequest {
                extract_dir: Some(text(fixture.guard.path())),
                ..request()
            });
            let fs = filesystem(&facts, roles::EXTRACT_DIR);
            assert_eq!((fs.total_bytes, fs.free_bytes), (size, size), "{fs:?}");
            println!(
                "tmpfs of {size} bytes reports free_bytes = {}",
                fs.free_bytes
            );
        }
    }
}
