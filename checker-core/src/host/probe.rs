//! Probing the host: `stat`/`statvfs` on each directory, TCP connects and DNS lookups, each on a
//! helper thread with a deadline.

use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::stat::{SFlag, stat};
use nix::sys::statvfs::statvfs;

use super::{
    DiskInfo, DnsProbe, FilesystemFacts, HostFacts, HostProbeRequest, NETWORK_TIMEOUT,
    NetworkFacts, PackageProbe, PathProbe, TcpProbe, mountinfo, roles,
};

/// Probes the paths named in `request`, the host's disk inventory, and the endpoints and names
/// of `request.tcp` and `request.resolve` (see [`probe_network`], with [`NETWORK_TIMEOUT`]).
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
    // The directories are probed meanwhile: their deadline does not move.
    let network = probe_network(&request.tcp, &request.resolve, NETWORK_TIMEOUT);

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
        addresses: addresses(),
        paths,
        package,
        disks: wait(disks, deadline, request.timeout).unwrap_or_default(),
        network,
    }
}

/// Tries a TCP connect to each endpoint of `tcp` (`host:port`, `[ipv6]:port`) and looks up each
/// name of `names`, all at once, each on its own thread; repeated entries are probed once.
///
/// A connect is only opened and closed: nothing is sent. One that is refused, unreachable or
/// not established within `timeout` is not connected, with the cause; a lookup that fails or
/// has not answered within `timeout` has no addresses, with the cause. A stuck lookup is
/// abandoned, so the call returns after about `timeout` at worst. Never panics.
pub fn probe_network(tcp: &[String], names: &[String], timeout: Duration) -> NetworkFacts {
    let deadline = Instant::now().checked_add(timeout);
    let connects: Vec<_> = unique(tcp)
        .map(|endpoint| {
            let target = endpoint.clone();
            (endpoint, start(move || connect(&target, timeout)))
        })
        .collect();
    let lookups: Vec<_> = unique(names)
        .map(|name| {
            let target = name.clone();
            (name, start(move || lookup(&target)))
        })
        .collect();
    NetworkFacts {
        tcp: connects
            .into_iter()
            .map(|(endpoint, pending)| {
                let outcome = wait(pending, deadline, timeout).and_then(|answer| answer);
                TcpProbe {
                    endpoint,
                    host: None,
                    connected: outcome.is_ok(),
                    error: outcome.err(),
                }
            })
            .collect(),
        dns: lookups
            .into_iter()
            .map(|(name, pending)| {
                let outcome = wait(pending, deadline, timeout).and_then(|answer| answer);
                DnsProbe {
                    name,
                    host: None,
                    error: outcome.as_ref().err().cloned(),
                    addresses: outcome.unwrap_or_default(),
                }
            })
            .collect(),
    }
}

/// The entries of `items`, trimmed, without empty ones and repeats, in order.
fn unique(items: &[String]) -> impl Iterator<Item = String> {
    let mut seen = Vec::new();
    for item in items.iter().map(|i| i.trim()) {
        if !item.is_empty() && !seen.iter().any(|s: &String| s == item) {
            seen.push(item.to_string());
        }
    }
    seen.into_iter()
}

/// Opens (and at once closes) a TCP connection to `endpoint`, trying each of its addresses.
fn connect(endpoint: &str, timeout: Duration) -> Result<(), String> {
    let addresses: Vec<_> = endpoint
        .to_socket_addrs()
        .map_err(|error| format!("cannot resolve {endpoint}: {error}"))?
        .collect();
    let mut failures = Vec::new();
    for address in &addresses {
        match TcpStream::connect_timeout(address, timeout) {
            Ok(_) => return Ok(()),
            Err(error) if addresses.len() == 1 => failures.push(error.to_string()),
            Err(error) => failures.push(format!("{address}: {error}")),
        }
    }
    if failures.is_empty() {
        failures.push(format!("{endpoint} resolves to no address"));
    }
    Err(failures.join("; "))
}

/// The addresses `name` resolves to, in the resolver's order, without repeats.
fn lookup(name: &str) -> Result<Vec<String>, String> {
    let mut addresses: Vec<String> = Vec::new();
    for address in (name, 0).to_socket_addrs().map_err(|e| e.to_string())? {
        let ip = address.ip().to_string();
        if !addresses.contains(&ip) {
            addresses.push(ip);
        }
    }
    if addresses.is_empty() {
        return Err(format!("{name} resolves to no address"));
    }
    Ok(addresses)
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
            host: None,
            addresses: Vec::new(),
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

/// The IP addresses of the host's interfaces, loopback and link-local IPv6 left out, sorted;
/// empty when they cannot be listed.
fn addresses() -> Vec<String> {
    let Ok(interfaces) = nix::ifaddrs::getifaddrs() else {
        return Vec::new();
    };
    let mut found: Vec<String> = interfaces
        .filter_map(|interface| {
            let address = interface.address?;
            let ip: std::net::IpAddr = if let Some(v4) = address.as_sockaddr_in() {
                v4.ip().into()
            } else {
                address.as_sockaddr_in6()?.ip().into()
            };
            let link_local =
                matches!(ip, std::net::IpAddr::V6(v6) if v6.segments()[0] & 0xffc0 == 0xfe80);
            (!ip.is_loopback() && !link_local).then(|| ip.to_string())
        })
        .collect();
    found.sort();
    found.dedup();
    found
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
    //! The private helpers; the probe itself is tested through the public API, on real tmpfs
    //! and FUSE mounts, in `tests/host_probe.rs`.

    use super::*;

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
}
