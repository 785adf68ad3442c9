//! The host probe through the public API: temporary directories, files where directories are
//! required, and real filesystems from `test-support` (tmpfs of an exact size, a FUSE mount that
//! hangs). The mount tests need root and print a loud `SKIPPED` line otherwise.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use checker_core::host::{
    FilesystemFacts, HostFacts, HostProbeRequest, PackageProbe, PathProbe, mark_shared_filesystems,
    probe, probe_network, roles,
};
use test_support::{GIB, MountGuard, mount_hanging_fuse_or_skip, mount_tmpfs_or_skip};

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
        host: None,
        addresses: Vec::new(),
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

/// TCP connects from this host: a real listener answers, a port nobody listens on refuses,
/// and every outcome comes back within the timeout, with the cause of a failure.
#[test]
fn tcp_connects_to_a_listener_and_is_refused_by_a_closed_port() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
    let open = listener.local_addr().expect("address").to_string();
    let closed = {
        let unused = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
        unused.local_addr().expect("address").to_string()
    };
    let started = Instant::now();
    let facts = probe_network(
        &[open.clone(), closed.clone(), open.clone()],
        &[],
        Duration::from_secs(3),
    );
    assert!(started.elapsed() < Duration::from_secs(4));
    let outcomes: Vec<(&str, bool)> = facts
        .tcp
        .iter()
        .map(|p| (p.endpoint.as_str(), p.connected))
        .collect();
    // The repeated endpoint is probed once.
    assert_eq!(outcomes, [(open.as_str(), true), (closed.as_str(), false)]);
    assert_eq!(facts.tcp[0].error, None);
    let refused = facts.tcp[1].error.as_deref().expect("the cause");
    assert!(refused.to_lowercase().contains("refused"), "{refused}");
}

/// A connect the host cannot make at all is not connected, with the cause, and a zero timeout
/// gives up at once instead of waiting.
#[test]
fn tcp_connects_that_cannot_be_made_say_why() {
    let cases: &[(&str, Duration, &str)] = &[
        (
            "127.0.0.1",
            Duration::from_secs(3),
            "invalid socket address",
        ),
        ("127.0.0.1:1", Duration::ZERO, ""),
    ];
    for (endpoint, timeout, words) in cases {
        let started = Instant::now();
        let facts = probe_network(&[endpoint.to_string()], &[], *timeout);
        assert!(started.elapsed() < Duration::from_secs(4), "{endpoint}");
        let probe = &facts.tcp[0];
        assert!(!probe.connected, "{endpoint}");
        let error = probe.error.as_deref().expect("the cause");
        assert!(error.contains(words), "{endpoint}: {error}");
    }
}

/// Names resolve with the system resolver, here without leaving the host: `localhost` from
/// `/etc/hosts` and an address literal as itself.
#[test]
fn names_resolve_to_their_addresses() {
    let facts = probe_network(
        &[],
        &["localhost".to_string(), "192.0.2.7".to_string()],
        Duration::from_secs(3),
    );
    let localhost = &facts.dns[0];
    assert_eq!(localhost.name, "localhost");
    assert_eq!(localhost.error, None);
    assert!(
        localhost
            .addresses
            .iter()
            .any(|a| a == "127.0.0.1" || a == "::1"),
        "{localhost:?}"
    );
    assert_eq!(facts.dns[1].addresses, ["192.0.2.7"]);
}

/// The host probe makes the network probes it is asked for, beside the paths.
#[test]
fn the_host_probe_records_the_network_probes_asked_for() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
    let open = listener.local_addr().expect("address").to_string();
    let facts = probe(&HostProbeRequest {
        tcp: vec![open.clone()],
        resolve: vec!["127.0.0.1".to_string()],
        ..request()
    });
    assert!(facts.paths.is_empty());
    assert_eq!(facts.network.tcp(&open).map(|p| p.connected), Some(true));
    assert_eq!(
        facts.network.dns("127.0.0.1").map(|p| p.addresses.clone()),
        Some(vec!["127.0.0.1".to_string()])
    );
    // And nothing when none is asked for: the record has no network section.
    let json = serde_json::to_value(probe(&request())).expect("JSON");
    assert!(json.get("network").is_none(), "{json}");
}
