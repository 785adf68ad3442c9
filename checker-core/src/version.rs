//! Version parsing and comparison for Kubernetes and ACP versions.
//!
//! Kubernetes `gitVersion`s carry a leading `v` and vendor suffixes (`v1.30.2-eks-1552ad0`,
//! `v1.30.4+k3s1`, `v1.31.2-gke.1059000`) that `semver` would read as pre-releases and order
//! *below* the plain version. ACP versions appear with and without the `v` (`v3.18.2`, `4.0.3`).
//! Both are compared here on their numeric parts only: major, minor and (when given) patch.
//! A real pre-release (`-rc.1`, `-alpha.2`, `-beta.0`) is kept and orders below its release.

use std::cmp::Ordering;
use std::fmt;

/// A parsed Kubernetes or ACP version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// Major number.
    pub major: u64,
    /// Minor number.
    pub minor: u64,
    /// Patch number; `None` when the text gave only `major.minor`.
    pub patch: Option<u64>,
    /// A real pre-release tag (`rc.1`), never a vendor build suffix.
    pub pre_release: Option<String>,
    /// A vendor build suffix (`eks-1552ad0`, `k3s1`), ignored when comparing.
    pub build: Option<String>,
}

/// Why a text is not a version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a version: {reason}")]
pub struct VersionError {
    /// The text that was given.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl Version {
    /// Parses `v1.30.4`, `1.30`, `v1.30.2-eks-1552ad0`, `v1.30.4+k3s1`, `4.0.3`, `v3.18.2`.
    pub fn parse(text: &str) -> Result<Version, VersionError> {
        let err = |reason| VersionError {
            text: text.to_string(),
            reason,
        };
        let trimmed = text.trim();
        let body = trimmed
            .strip_prefix('v')
            .or_else(|| trimmed.strip_prefix('V'))
            .unwrap_or(trimmed);
        if body.is_empty() {
            return Err(err("it is empty"));
        }
        let split_at = body.find(['-', '+']).unwrap_or(body.len());
        let (numbers, suffix) = body.split_at(split_at);
        let mut parts = numbers.split('.');
        let mut number = |required: bool| -> Result<Option<u64>, VersionError> {
            match parts.next() {
                None if required => Err(err("it needs at least major.minor")),
                None => Ok(None),
                Some(p) if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) => {
                    Err(err("its parts must be numbers"))
                }
                Some(p) => p.parse().map(Some).map_err(|_| err("a part is too large")),
            }
        };
        let major = number(true)?.unwrap_or_default();
        let minor = number(true)?.unwrap_or_default();
        let patch = number(false)?;
        if parts.next().is_some() {
            return Err(err("it has more than three numeric parts"));
        }
        let (pre_release, build) = classify_suffix(suffix);
        Ok(Version {
            major,
            minor,
            patch,
            pre_release,
            build,
        })
    }

    /// `major.minor`, e.g. `1.30`.
    pub fn major_minor(&self) -> String {
        format!("{}.{}", self.major, self.minor)
    }

    /// Compares two versions. A missing patch on either side compares equal to any patch, so
    /// `1.30.4` is at least `1.30`; vendor build suffixes are ignored.
    pub fn compare(&self, other: &Version) -> Ordering {
        let numbers = (self.major, self.minor)
            .cmp(&(other.major, other.minor))
            .then_with(|| match (self.patch, other.patch) {
                (Some(a), Some(b)) => a.cmp(&b),
                _ => Ordering::Equal,
            });
        if numbers != Ordering::Equal || self.patch.is_none() || other.patch.is_none() {
            return numbers;
        }
        match (&self.pre_release, &other.pre_release) {
            (None, None) => Ordering::Equal,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(a), Some(b)) => a.cmp(b),
        }
    }

    /// Whether this version is at least `minimum` (see [`Version::compare`]).
    pub fn at_least(&self, minimum: &Version) -> bool {
        self.compare(minimum) != Ordering::Less
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if let Some(patch) = self.patch {
            write!(f, ".{patch}")?;
        }
        if let Some(pre) = &self.pre_release {
            write!(f, "-{pre}")?;
        }
        Ok(())
    }
}

/// Splits a suffix into a real pre-release or a vendor build. `-rc.1`, `-alpha.N`, `-beta.N` are
/// pre-releases; everything else (`-eks-…`, `-gke.N`, `+k3s1`, `+rke2r1`) is a vendor build.
fn classify_suffix(suffix: &str) -> (Option<String>, Option<String>) {
    let Some(first) = suffix.chars().next() else {
        return (None, None);
    };
    let rest = &suffix[first.len_utf8()..];
    if rest.is_empty() {
        return (None, None);
    }
    let is_pre = first == '-'
        && ["rc", "alpha", "beta"]
            .iter()
            .any(|tag| rest.starts_with(tag));
    if is_pre {
        (Some(rest.to_string()), None)
    } else {
        (None, Some(rest.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn kubernetes_threshold_1_30() {
        let min = v("1.30");
        assert!(!v("v1.29.9").at_least(&min));
        assert!(v("v1.30.0").at_least(&min));
        assert!(v("v1.30.2-eks-1552ad0").at_least(&min));
        assert!(v("v1.30.4+k3s1").at_least(&min));
        assert!(v("v1.31.2-gke.1059000").at_least(&min));
        assert!(!v("v1.29.15-eks-036c24b").at_least(&min));
    }

    #[test]
    fn vendor_suffix_is_not_a_pre_release() {
        assert_eq!(
            v("1.28.9-eks-036c24b").compare(&v("1.28.9")),
            Ordering::Equal
        );
        assert_eq!(v("v1.30.4+k3s1").build.as_deref(), Some("k3s1"));
        assert_eq!(v("v1.30.4+k3s1").pre_release, None);
    }

    #[test]
    fn real_pre_release_orders_below_its_release() {
        assert_eq!(v("1.31.0-rc.1").compare(&v("1.31.0")), Ordering::Less);
        assert!(v("1.31.0-rc.1").at_least(&v("1.30")));
    }

    #[test]
    fn acp_versions_with_and_without_v() {
        assert_eq!(v("v3.18.2").major_minor(), "3.18");
        assert_eq!(v("4.0.3").major_minor(), "4.0");
        assert!(v("4.10.0").at_least(&v("4.9")));
        assert!(!v("3.18.2").at_least(&v("4.0")));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "", "v", "1", "x.y", "1.30.a", "1..2", "1.2.3.4", "latest", "v1.-1",
        ] {
            assert!(Version::parse(bad).is_err(), "{bad:?} should not parse");
        }
    }
}
