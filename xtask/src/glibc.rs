//! The newest glibc a binary needs: the highest `GLIBC_x.y` version among those its
//! `.gnu.version_r` section requires, the list the dynamic loader checks at start ("version
//! `GLIBC_2.34' not found"). Read from the output of `readelf -V --wide`.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;
use std::process::Command;

/// The oldest glibc of the control-plane OSes ACP supports (EL7): the binary for old nodes
/// (`scripts/build-old-glibc`) must need nothing newer.
pub const OLD_NODES_FLOOR: Version = Version::new(2, 17, 0);

/// A glibc version, compared part by part as numbers: 2.3.4 < 2.17.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    major: u32,
    minor: u32,
    patch: u32,
}

impl Version {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }

    /// `2.17` or `2.2.5`; anything else is not a version.
    fn parse(text: &str) -> Option<Version> {
        let parts: Vec<u32> = text
            .split('.')
            // Digits only: `u32::from_str` also takes a sign.
            .map(|part| {
                if part.bytes().all(|b| b.is_ascii_digit()) {
                    part.parse().ok()
                } else {
                    None
                }
            })
            .collect::<Option<_>>()?;
        match parts[..] {
            [major, minor] => Some(Version::new(major, minor, 0)),
            [major, minor, patch] => Some(Version::new(major, minor, patch)),
            _ => None,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if self.patch != 0 {
            write!(f, ".{}", self.patch)?;
        }
        Ok(())
    }
}

/// The glibc version a version name of a glibc library stands for. `GLIBC_PRIVATE` (glibc's
/// internal interface, which no release promises) and other libraries' names (`GLIBCXX_3.4`,
/// `GCC_3.0`) are `None`; a `GLIBC_` name that is neither a version nor known is an error, since
/// it cannot be ranked against the floor.
fn glibc_version(name: &str) -> Result<Option<Version>, String> {
    let Some(rest) = name.strip_prefix("GLIBC_") else {
        return Ok(None);
    };
    match rest {
        "PRIVATE" => Ok(None),
        // Packed relative relocations (ld -z pack-relative-relocs), first loadable by glibc 2.36.
        "ABI_DT_RELR" => Ok(Some(Version::new(2, 36, 0))),
        _ => Version::parse(rest)
            .map(Some)
            .ok_or_else(|| format!("unknown glibc version name {name}")),
    }
}

/// Every glibc version required in `readelf -V --wide` output: the `Name:` of each entry of the
/// version needs section. The version definitions (what a library itself provides) and the
/// per-symbol version table are not requirements and are skipped.
pub fn required_in_readelf(output: &str) -> Result<BTreeSet<Version>, String> {
    let mut in_needs = false;
    let mut versions = BTreeSet::new();
    for line in output.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("Version needs section") {
            in_needs = true;
        } else if trimmed.starts_with("Version definition section")
            || trimmed.starts_with("Version symbols section")
        {
            in_needs = false;
        } else if in_needs && let Some((_, name)) = trimmed.split_once("Name: ") {
            let name = name.split_whitespace().next().unwrap_or_default();
            versions.extend(glibc_version(name)?);
        }
    }
    Ok(versions)
}

/// The glibc versions `binary` requires, from `readelf -V --wide`.
pub fn required_by(binary: &Path) -> Result<BTreeSet<Version>, String> {
    let output = Command::new("readelf")
        .args(["-V", "--wide"])
        .arg(binary)
        .env("LC_ALL", "C")
        .output()
        .map_err(|e| format!("cannot run readelf (binutils): {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "readelf -V --wide {} failed: {}",
            binary.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    required_in_readelf(&String::from_utf8_lossy(&output.stdout))
}

/// Whether a binary needing `required` runs on glibc `floor`: the highest version it needs, or
/// why not. A binary that needs no glibc version at all is rejected too: it is not the
/// dynamically linked binary this check is for (and an unreadable section looks the same).
pub fn check(required: &BTreeSet<Version>, floor: Version) -> Result<Version, String> {
    let highest = *required
        .last()
        .ok_or("needs no GLIBC_ symbol version: not linked dynamically against glibc")?;
    if highest > floor {
        let newer: Vec<String> = required
            .iter()
            .filter(|v| **v > floor)
            .map(|v| format!("GLIBC_{v}"))
            .collect();
        return Err(format!(
            "needs glibc {highest}, newer than the floor {floor} (needs {})",
            newer.join(", ")
        ));
    }
    Ok(highest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "Version needs section '.gnu.version_r' contains 2 entries:\n \
        Addr: 0x00000000000012ac  Offset: 0x000012ac  Link: 8 (.dynstr)\n  \
        000000: Version: 1  File: libc.so.6  Cnt: 3\n";

    fn needs(names: &[&str]) -> String {
        let mut text = HEADER.to_string();
        for (i, name) in names.iter().enumerate() {
            text.push_str(&format!(
                "  0x{:04x}:   Name: {name}  Flags: none  Version: {}\n",
                0x10 * (i + 1),
                i + 2
            ));
        }
        text
    }

    fn versions(text: &str) -> Vec<String> {
        required_in_readelf(text)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn needed_versions_are_read_and_ranked_as_numbers() {
        let cases: &[(&[&str], &[&str], &str)] = &[
            // (names in the needs section, versions read, highest)
            (
                &["GLIBC_2.2.5", "GLIBC_2.3.4", "GLIBC_2.17"],
                &["2.2.5", "2.3.4", "2.17"],
                "2.17",
            ),
            (
                &["GLIBC_2.17", "GLIBC_2.3", "GLIBC_2.16"],
                &["2.3", "2.16", "2.17"],
                "2.17",
            ),
            (&["GLIBC_2.2.5", "GLIBC_2.34"], &["2.2.5", "2.34"], "2.34"),
            (&["GLIBC_2.17", "GLIBC_PRIVATE"], &["2.17"], "2.17"),
            (
                &["GLIBC_2.14", "GLIBCXX_3.4.30", "GCC_3.0"],
                &["2.14"],
                "2.14",
            ),
            (
                &["GLIBC_2.17", "GLIBC_ABI_DT_RELR"],
                &["2.17", "2.36"],
                "2.36",
            ),
        ];
        for (names, read, highest) in cases {
            let text = needs(names);
            assert_eq!(versions(&text), *read, "{names:?}");
            let required = required_in_readelf(&text).unwrap();
            assert_eq!(required.last().unwrap().to_string(), *highest, "{names:?}");
        }
    }

    #[test]
    fn the_floor_accepts_older_and_equal_and_rejects_newer() {
        let floor = OLD_NODES_FLOOR;
        let check_names =
            |names: &[&str]| check(&required_in_readelf(&needs(names)).unwrap(), floor);
        assert_eq!(
            check_names(&["GLIBC_2.2.5", "GLIBC_2.17"]),
            Ok(Version::new(2, 17, 0))
        );
        assert_eq!(
            check_names(&["GLIBC_2.2.5", "GLIBC_2.14"]),
            Ok(Version::new(2, 14, 0))
        );
        assert_eq!(
            check_names(&["GLIBC_2.17", "GLIBC_PRIVATE"]),
            Ok(Version::new(2, 17, 0))
        );
        assert_eq!(
            check_names(&["GLIBC_2.2.5", "GLIBC_2.17", "GLIBC_2.28", "GLIBC_2.34"]),
            Err(
                "needs glibc 2.34, newer than the floor 2.17 (needs GLIBC_2.28, GLIBC_2.34)".into()
            )
        );
        assert!(check_names(&["GLIBC_2.17.1"]).is_err());
        assert!(check_names(&["GLIBC_ABI_DT_RELR"]).is_err());
        assert!(
            check(
                &required_in_readelf(&needs(&["GLIBC_2.28"])).unwrap(),
                Version::new(2, 28, 0)
            )
            .is_ok()
        );
        assert_eq!(
            check_names(&["GLIBC_PRIVATE"]),
            Err("needs no GLIBC_ symbol version: not linked dynamically against glibc".into())
        );
        assert!(check(&BTreeSet::new(), floor).is_err());
    }

    /// `readelf -V --wide` of a Rust binary linked natively on Debian 12 (glibc 2.36), cut short.
    const NATIVE: &str = "
Version symbols section '.gnu.version' contains 110 entries:
 Addr: 0x0000000000000d90  Offset: 0x00000d90  Link: 4 (.dynsym)
  000:   0 (*local*)       2 (GLIBC_2.34)    0 (*local*)       0 (*local*)
  004:   0 (*local*)       3 (GLIBC_2.2.5)   4 (GCC_3.0)       5 (GLIBC_2.14)

Version needs section '.gnu.version_r' contains 3 entries:
 Addr: 0x0000000000000e6c  Offset: 0x00000e6c  Link: 8 (.dynstr)
  000000: Version: 1  File: libgcc_s.so.1  Cnt: 3
  0x0030:   Name: GCC_3.0  Flags: none  Version: 4
  0x0040:   Name: GCC_3.3  Flags: none  Version: 13
  0x0050:   Name: GCC_4.2.0  Flags: none  Version: 21
  0x0010: Version: 1  File: libc.so.6  Cnt: 6
  0x0060:   Name: GLIBC_2.2.5  Flags: none  Version: 3
  0x0070:   Name: GLIBC_2.3  Flags: none  Version: 15
  0x00d0:   Name: GLIBC_2.17  Flags: none  Version: 8
  0x00e0:   Name: GLIBC_2.18  Flags: none  Version: 18
  0x0100:   Name: GLIBC_2.28  Flags: none  Version: 16
  0x0150:   Name: GLIBC_2.34  Flags: none  Version: 2
  0x0020: Version: 1  File: ld-linux-x86-64.so.2  Cnt: 1
  0x0160:   Name: GLIBC_2.3  Flags: none  Version: 6
";

    #[test]
    fn a_natively_linked_binary_is_rejected() {
        assert_eq!(
            versions(NATIVE),
            ["2.2.5", "2.3", "2.17", "2.18", "2.28", "2.34"]
        );
        assert_eq!(
            check(&required_in_readelf(NATIVE).unwrap(), OLD_NODES_FLOOR),
            Err("needs glibc 2.34, newer than the floor 2.17 \
                 (needs GLIBC_2.18, GLIBC_2.28, GLIBC_2.34)"
                .into())
        );
    }

    #[test]
    fn only_the_needs_section_counts() {
        // A library's own version definitions (libc.so.6 defines GLIBC_2.40) and the per-symbol
        // table are not requirements; a static binary has no needs section at all.
        let text = format!(
            "Version symbols section '.gnu.version' contains 3 entries:\n \
             Addr: 0x0000000000001234  Offset: 0x00001234  Link: 6 (.dynsym)\n  \
             000:   0 (*local*)       2 (GLIBC_2.2.5)   3 (GLIBC_2.99)\n\n\
             Version definition section '.gnu.version_d' contains 2 entries:\n  \
             Addr: 0x0000000000000fd8  Offset: 0x00000fd8  Link: 7 (.dynstr)\n  \
             000000: Rev: 1  Flags: BASE  Index: 1  Cnt: 1  Name: libc.so.6\n  \
             0x001c: Rev: 1  Flags: none  Index: 2  Cnt: 1  Name: GLIBC_2.40\n\n{}",
            needs(&["GLIBC_2.3", "GLIBC_2.14"])
        );
        assert_eq!(versions(&text), ["2.3", "2.14"]);
        assert_eq!(
            versions("\nNo version information found in this file.\n"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn unknown_glibc_names_are_errors() {
        for name in [
            "GLIBC_ABI_GNU9_TLS",
            "GLIBC_2",
            "GLIBC_2.x",
            "GLIBC_",
            "GLIBC_2..3",
        ] {
            assert_eq!(
                required_in_readelf(&needs(&[name])),
                Err(format!("unknown glibc version name {name}")),
                "{name}"
            );
        }
    }
}
