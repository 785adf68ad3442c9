//! Test support for acp-preflight: real filesystems of an exact size, for checking free-space
//! thresholds, and a real filesystem that hangs, for checking probe timeouts. Used by
//! checker-core's host probe tests and the end-to-end tests; never by production code.
//!
//! A tmpfs reports exactly the size it was mounted with as both total and free space, and
//! costs no memory until written, so a 120 GiB filesystem is cheap. Mounting needs root (or
//! `CAP_SYS_ADMIN`); tests should skip, loudly, when it is not permitted:
//!
//! ```no_run
//! # fn main() -> std::io::Result<()> {
//! use test_support::{GIB, mount_tmpfs_or_skip};
//!
//! let dir = tempfile::tempdir()?;
//! // Declared after `dir`, so it is dropped (unmounted) before `dir` is removed.
//! let Some(tmpfs) = mount_tmpfs_or_skip(dir.path(), 120 * GIB)? else {
//!     return Ok(());
//! };
//! // ... probe `tmpfs.path()` ...
//! # Ok(())
//! # }
//! ```

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::sys::statvfs::statvfs;

/// One gibibyte (2³⁰ bytes).
pub const GIB: u64 = 1 << 30;

/// A filesystem mounted by this module; it is unmounted when the guard is dropped, even when
/// a test fails.
#[derive(Debug)]
pub struct MountGuard {
    dir: PathBuf,
    /// The connection of a hanging FUSE mount.
    fuse_device: Option<File>,
}

impl MountGuard {
    /// The directory the filesystem is mounted on.
    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for MountGuard {
    fn drop(&mut self) {
        // A lazy unmount cannot fail with "busy": the mount leaves the namespace at once.
        if let Err(error) = umount2(&self.dir, MntFlags::MNT_DETACH) {
            eprintln!("warning: cannot unmount {}: {error}", self.dir.display());
        }
        // Closing the FUSE connection fails the accesses still blocked on the mount, so that
        // their threads end.
        drop(self.fuse_device.take());
    }
}

/// Mounts a tmpfs of exactly `size_bytes` on the existing directory `dir` and checks that it
/// reports that size.
///
/// Fails with [`io::ErrorKind::PermissionDenied`] when mounting is not permitted (not root,
/// or no `CAP_SYS_ADMIN` in a container), and with [`io::ErrorKind::InvalidInput`] for a size
/// of 0 (an unlimited tmpfs) or a size the filesystem cannot report exactly (the kernel rounds
/// it up to whole pages; any multiple of 64 KiB is safe). Drop the guard before removing `dir`.
pub fn mount_tmpfs(dir: &Path, size_bytes: u64) -> io::Result<MountGuard> {
    if size_bytes == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a tmpfs of size 0 would be unlimited",
        ));
    }
    let options = format!("size={size_bytes}");
    mount(
        Some("tmpfs"),
        dir,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some(options.as_str()),
    )?;
    let guard = MountGuard {
        dir: dir.to_path_buf(),
        fuse_device: None,
    };
    let space = statvfs(dir)?;
    let total = (space.blocks() as u64).saturating_mul(space.fragment_size() as u64);
    if total != size_bytes {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "the tmpfs on {} reports {total} bytes instead of {size_bytes}; \
                 use a multiple of the page size",
                dir.display()
            ),
        ));
    }
    Ok(guard)
}

/// Mounts on the existing directory `dir` a FUSE filesystem whose server never answers, so
/// that every access under `dir` blocks, as on a hard NFS mount whose server is gone, until
/// the guard is dropped. Drop the guard before removing `dir`.
///
/// Fails with [`io::ErrorKind::PermissionDenied`] when mounting is not permitted and with
/// [`io::ErrorKind::Unsupported`] when there is no `/dev/fuse`.
pub fn mount_hanging_fuse(dir: &Path) -> io::Result<MountGuard> {
    let device = File::options()
        .read(true)
        .write(true)
        .open("/dev/fuse")
        .map_err(|error| match error.kind() {
            io::ErrorKind::NotFound => {
                io::Error::new(io::ErrorKind::Unsupported, format!("/dev/fuse: {error}"))
            }
            _ => error,
        })?;
    let options = format!(
        "fd={},rootmode=40000,user_id=0,group_id=0",
        device.as_raw_fd()
    );
    mount(
        Some("hanging"),
        dir,
        Some("fuse"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some(options.as_str()),
    )?;
    Ok(MountGuard {
        dir: dir.to_path_buf(),
        fuse_device: Some(device),
    })
}

/// Like [`mount_tmpfs`], but when mounting is not permitted prints a loud message to stderr
/// and returns `Ok(None)`, so that the calling test can return early. Other failures are
/// errors.
pub fn mount_tmpfs_or_skip(dir: &Path, size_bytes: u64) -> io::Result<Option<MountGuard>> {
    or_skip(mount_tmpfs(dir, size_bytes), "a tmpfs", dir)
}

/// Like [`mount_hanging_fuse`], but when mounting is not permitted or FUSE is unavailable
/// prints a loud message to stderr and returns `Ok(None)`. Other failures are errors.
pub fn mount_hanging_fuse_or_skip(dir: &Path) -> io::Result<Option<MountGuard>> {
    or_skip(mount_hanging_fuse(dir), "a FUSE filesystem", dir)
}

fn or_skip(
    mounted: io::Result<MountGuard>,
    what: &str,
    dir: &Path,
) -> io::Result<Option<MountGuard>> {
    match mounted {
        Ok(guard) => Ok(Some(guard)),
        Err(error)
            if matches!(
                error.kind(),
                io::ErrorKind::PermissionDenied | io::ErrorKind::Unsupported
            ) =>
        {
            eprintln!(
                "\n\
                 ************************************************************************\n\
                 SKIPPED: cannot mount {what} on {} ({error}).\n\
                 Run the tests as root (or with CAP_SYS_ADMIN) to run this test.\n\
                 ************************************************************************\n",
                dir.display()
            );
            Ok(None)
        }
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;

    use super::*;

    fn device(path: &Path) -> Option<u64> {
        std::fs::metadata(path).ok().map(|metadata| metadata.dev())
    }

    #[test]
    fn tmpfs_guard_unmounts_on_drop() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let before = device(dir.path());
        let Some(guard) = mount_tmpfs_or_skip(dir.path(), 16 * 1024 * 1024).expect("mount") else {
            return;
        };
        assert_ne!(device(guard.path()), before);
        drop(guard);
        assert_eq!(device(dir.path()), before);
    }

    #[test]
    fn sizes_the_tmpfs_cannot_report_exactly_are_refused() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let error = mount_tmpfs(dir.path(), 0).expect_err("size 0");
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);

        match mount_tmpfs(dir.path(), GIB + 1) {
            Err(error) if error.kind() == io::ErrorKind::PermissionDenied => {
                eprintln!("SKIPPED: cannot mount a tmpfs ({error})");
            }
            Err(error) => assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{error}"),
            Ok(guard) => panic!("{GIB} + 1 bytes accepted on {:?}", guard.path()),
        }
        // The refused mount was undone.
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let canonical = std::fs::canonicalize(dir.path()).expect("canonical path");
        let mount_point = format!(" {} ", canonical.display());
        assert!(!mounts.contains(&mount_point), "{mounts}");
    }
}
