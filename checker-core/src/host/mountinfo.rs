//! The mount that holds a path, from `/proc/self/mountinfo` (see proc_pid_mountinfo(5)).
//!
//! A line looks like
//! `36 35 98:0 /mnt1 /mnt/my\040disk rw,noatime master:1 - ext3 /dev/root rw,errors=continue`:
//! mount id, parent id, `major:minor`, root, mount point, mount options, optional fields, a `-`
//! separator, the filesystem type, the source and the superblock options. Spaces, tabs, newlines
//! and backslashes in paths are written as octal escapes (`\040`, `\011`, `\012`, `\134`).

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

/// One line of mountinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Mount {
    /// Unique id of the mount.
    pub id: u64,
    /// Id of the mount this one is mounted on (its own id for the root of the namespace).
    pub parent_id: u64,
    /// Where it is mounted, unescaped.
    pub mount_point: PathBuf,
    /// Filesystem type (`ext4`, `tmpfs`, `fuse.sshfs`…).
    pub fs_type: String,
}

/// The mount that holds `path` (absolute and canonical) in this process's mount namespace, or
/// `None` when mountinfo cannot be read or does not describe the path.
pub(super) fn lookup(path: &Path) -> Option<Mount> {
    let text = std::fs::read("/proc/self/mountinfo").ok()?;
    containing_mount(&parse(&text), path).cloned()
}

/// Parses mountinfo, skipping lines it does not understand.
fn parse(text: &[u8]) -> Vec<Mount> {
    text.split(|&byte| byte == b'\n')
        .filter_map(parse_line)
        .collect()
}

fn parse_line(line: &[u8]) -> Option<Mount> {
    let mut fields = line.split(|&byte| byte == b' ');
    let id = parse_number(fields.next()?)?;
    let parent_id = parse_number(fields.next()?)?;
    let _major_minor = fields.next()?;
    let _root = fields.next()?;
    let mount_point = PathBuf::from(OsString::from_vec(unescape(fields.next()?)));
    // Skip the mount options, then the optional fields up to and including the separator.
    let mut rest = fields.skip(1).skip_while(|field| *field != b"-".as_slice());
    rest.next()?;
    let fs_type = String::from_utf8_lossy(&unescape(rest.next()?)).into_owned();
    Some(Mount {
        id,
        parent_id,
        mount_point,
        fs_type,
    })
}

fn parse_number(field: &[u8]) -> Option<u64> {
    std::str::from_utf8(field).ok()?.parse().ok()
}

/// Decodes the kernel's `\ooo` octal escapes.
fn unescape(field: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    let mut rest = field;
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'\\'
            && let [
                a @ b'0'..=b'3',
                b @ b'0'..=b'7',
                c @ b'0'..=b'7',
                after @ ..,
            ] = tail
        {
            out.push((a - b'0') * 64 + (b - b'0') * 8 + (c - b'0'));
            rest = after;
            continue;
        }
        out.push(byte);
        rest = tail;
    }
    out
}

/// Resolves `path` the way the kernel does: start at the root mount and, for each ancestor of
/// the path, step into the mount made on it (if any) under the current mount. Unlike taking the
/// longest matching mount point, following mount ids handles stacked mounts (a mount over an
/// existing mount point) and mounts hidden by a later mount on one of their ancestors.
fn containing_mount<'a>(mounts: &'a [Mount], path: &Path) -> Option<&'a Mount> {
    if !path.is_absolute() {
        return None;
    }
    let root = mounts.iter().find(|mount| {
        mount.mount_point == Path::new("/")
            && (mount.parent_id == mount.id
                || !mounts.iter().any(|parent| parent.id == mount.parent_id))
    })?;
    let mut current = top_of_stack(mounts, root);
    let ancestors: Vec<&Path> = path.ancestors().collect();
    // `ancestors` runs from the path up to `/`; walk it downwards, skipping `/` itself.
    for prefix in ancestors.into_iter().rev().skip(1) {
        let child = mounts
            .iter()
            .find(|mount| mount.parent_id == current.id && mount.mount_point == prefix);
        if let Some(child) = child {
            current = top_of_stack(mounts, child);
        }
    }
    Some(current)
}

/// The visible mount among those stacked on the mount point of `mount`: a mount made over an
/// existing mount point is listed as a child of it with the same mount point.
fn top_of_stack<'a>(mounts: &'a [Mount], mut mount: &'a Mount) -> &'a Mount {
    // Bounded so that malformed (cyclic) input cannot loop forever.
    for _ in 0..mounts.len() {
        let upper = mounts.iter().find(|upper| {
            upper.parent_id == mount.id
                && upper.id != mount.id
                && upper.mount_point == mount.mount_point
        });
        match upper {
            Some(upper) => mount = upper,
            None => break,
        }
    }
    mount
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
22 27 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
25 27 0:23 / /mnt/my\\040disk rw,relatime - tmpfs tmpfs rw,size=1024k
40 27 0:30 / /data rw,relatime - xfs /dev/vdb rw
41 40 0:31 / /data/nfs rw,relatime shared:7 master:3 - nfs4 server:/export rw
42 40 0:32 / /data rw,relatime - tmpfs tmpfs rw
43 27 0:33 / /hidden rw,relatime - ext4 /dev/vdc rw
44 43 0:34 / /hidden/inner rw,relatime - tmpfs tmpfs rw
45 43 0:35 / /hidden rw,relatime - xfs /dev/vdd rw
this line is garbage
";

    fn mount_for(path: &str) -> Option<(u64, String, String)> {
        let mounts = parse(SAMPLE.as_bytes());
        containing_mount(&mounts, Path::new(path)).map(|mount| {
            (
                mount.id,
                mount.mount_point.display().to_string(),
                mount.fs_type.clone(),
            )
        })
    }

    #[test]
    fn parses_fields_and_skips_garbage() {
        let mounts = parse(SAMPLE.as_bytes());
        assert_eq!(mounts.len(), 9);
        assert_eq!(
            mounts[4],
            Mount {
                id: 41,
                parent_id: 40,
                mount_point: PathBuf::from("/data/nfs"),
                fs_type: "nfs4".to_string(),
            }
        );
    }

    #[test]
    fn decodes_octal_escapes() {
        assert_eq!(unescape(br"/mnt/my\040disk"), b"/mnt/my disk");
        assert_eq!(unescape(br"a\011b\012c\134d"), b"a\tb\nc\\d");
        // Not an escape: left alone.
        assert_eq!(unescape(br"a\9b\04"), br"a\9b\04");
        assert_eq!(
            mount_for("/mnt/my disk/x"),
            Some((25, "/mnt/my disk".into(), "tmpfs".into()))
        );
    }

    #[test]
    fn picks_the_mount_holding_the_path() {
        assert_eq!(mount_for("/"), Some((27, "/".into(), "ext4".into())));
        assert_eq!(
            mount_for("/etc/hosts"),
            Some((27, "/".into(), "ext4".into()))
        );
        assert_eq!(
            mount_for("/proc/self"),
            Some((22, "/proc".into(), "proc".into()))
        );
        // Not a mount point although it shares a prefix with one.
        assert_eq!(mount_for("/procfs"), Some((27, "/".into(), "ext4".into())));
        // Relative paths are not resolved.
        assert_eq!(mount_for("data"), None);
    }

    #[test]
    fn follows_mount_ids_through_stacked_and_hidden_mounts() {
        // tmpfs 42 is mounted over xfs 40 on /data, which hides nfs 41 on /data/nfs.
        assert_eq!(
            mount_for("/data/nfs"),
            Some((42, "/data".into(), "tmpfs".into()))
        );
        // xfs 45 is mounted over ext4 43 on /hidden, which hides tmpfs 44 on /hidden/inner.
        assert_eq!(
            mount_for("/hidden/inner/x"),
            Some((45, "/hidden".into(), "xfs".into()))
        );
    }

    #[test]
    fn namespace_root_may_be_its_own_parent() {
        let text = "1 1 0:1 / / rw - overlay overlay rw\n2 1 0:2 / /tmp rw - tmpfs tmpfs rw\n";
        let mounts = parse(text.as_bytes());
        let found = containing_mount(&mounts, Path::new("/tmp/x")).map(|mount| mount.id);
        assert_eq!(found, Some(2));
        let found = containing_mount(&mounts, Path::new("/usr")).map(|mount| mount.id);
        assert_eq!(found, Some(1));
    }

    #[test]
    fn reads_this_process_mountinfo() {
        let root = lookup(Path::new("/")).expect("mountinfo describes /");
        assert_eq!(root.mount_point, Path::new("/"));
        assert!(!root.fs_type.is_empty());
    }
}
