//! Version parsing and comparison for Kubernetes and ACP versions.
//!
//! Kubernetes `gitVersion`s carry a leading `v` and vendor suffixes (`v1.30.2-eks-1552ad0`,
//! `v1.30.4+k3s1`, `v1.31.2-gke.1059000`); ACP versions appear with and without the `v`
//! (`v3.18.2`, `4.0.3`) and are often written as `major.minor` only. A raw `gitVersion` is
//! therefore never given to `semver::Version::parse`: it would reject the `v`, a missing patch
//! and leading zeros, and it would read `-eks-1552ad0` as a pre-release and order it *below*
//! the plain version.
//!
//! [`Version::parse`] normalises instead: it strips the `v`, reads major, minor and (when given)
//! patch itself, and sets a vendor build suffix aside, kept as text and ignored when comparing.
//! Only a real pre-release (`-rc.1`, `-alpha.2`, `-beta.0`) goes to `semver`, checked with
//! `semver::Prerelease::new`; the result is a `semver::Version` built from those parts, and
//! [`Version::compare`] is its precedence: a pre-release orders below its release, and
//! `rc.10` above `rc.2`. The one exception is a missing patch, which compares equal to any
//! patch on major and minor alone, so `1.30.4` is at least `1.30`.

use std::cmp::Ordering;
use std::fmt;

/// A parsed Kubernetes or ACP version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// The numbers (patch 0 when not given) and the real pre-release; never build metadata.
    semver: semver::Version,
    /// Whether the text gave a patch number.
    has_patch: bool,
    /// A vendor build suffix (`eks-1552ad0`, `k3s1`), ignored when comparing.
    build: Option<String>,
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
    /// Parses `v1.30.4`, `1.30`, `v1.30.2-eks-1552ad0`, `v1.30.4+k3s1`, `4.0.3`, `v3.18.2`,
    /// `v1.31.0-rc.1`.
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
        let pre = match pre_release {
            None => semver::Prerelease::EMPTY,
            Some(pre) => semver::Prerelease::new(pre).map_err(|_| {
                err(
                    "its pre-release must be dot-separated letters, digits and hyphens, \
                     with no leading zeros in numbers",
                )
            })?,
        };
        let mut semver = semver::Version::new(major, minor, patch.unwrap_or_default());
        semver.pre = pre;
        Ok(Version {
            semver,
            has_patch: patch.is_some(),
            build: build.map(str::to_string),
        })
    }

    /// Major number.
    pub fn major(&self) -> u64 {
        self.semver.major
    }

    /// Minor number.
    pub fn minor(&self) -> u64 {
        self.semver.minor
    }

    /// Patch number; `None` when the text gave only `major.minor`.
    pub fn patch(&self) -> Option<u64> {
        self.has_patch.then_some(self.semver.patch)
    }

    /// The real pre-release (`rc.1`), never a vendor build suffix.
    pub fn pre_release(&self) -> Option<&str> {
        Some(self.semver.pre.as_str()).filter(|pre| !pre.is_empty())
    }

    /// The vendor build suffix (`eks-1552ad0`, `k3s1`), ignored when comparing.
    pub fn build(&self) -> Option<&str> {
        self.build.as_deref()
    }

    /// `major.minor`, e.g. `1.30`.
    pub fn major_minor(&self) -> String {
        format!("{}.{}", self.major(), self.minor())
    }

    /// Compares two versions by semver precedence, vendor build suffixes ignored. A missing
    /// patch on either side compares equal to any patch (and any pre-release), so `1.30.4` is
    /// at least `1.30`.
    pub fn compare(&self, other: &Version) -> Ordering {
        if !self.has_patch || !other.has_patch {
            return (self.major(), self.minor()).cmp(&(other.major(), other.minor()));
        }
        self.semver.cmp_precedence(&other.semver)
    }

    /// The lowest of some version texts (see [`Version::compare`]; of equal ones, the first),
    /// texts that are not versions left out.
    pub fn lowest<'a>(texts: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
        texts
            .into_iter()
            .filter_map(|t| Version::parse(t).ok().map(|v| (t, v)))
            .reduce(|low, next| {
                if next.1.compare(&low.1) == Ordering::Less {
                    next
                } else {
                    low
                }
            })
            .map(|(text, _)| text)
    }

    /// Whether this version is at least `minimum` (see [`Version::compare`]).
    pub fn at_least(&self, minimum: &Version) -> bool {
        self.compare(minimum) != Ordering::Less
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major(), self.minor())?;
        if let Some(patch) = self.patch() {
            write!(f, ".{patch}")?;
        }
        if let Some(pre) = self.pre_release() {
            write!(f, "-{pre}")?;
        }
        Ok(())
    }
}

/// Splits a suffix into a real pre-release and a vendor build. `-rc.1`, `-alpha.N`, `-beta.N`
/// are pre-releases, and a `+…` after one is its vendor build (`-rc.1+k3s1`); everything else
/// (`-eks-…`, `-gke.N`, `+k3s1`, `+rke2r1`) is a vendor build.
fn classify_suffix(suffix: &str) -> (Option<&str>, Option<&str>) {
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
    if !is_pre {
        return (None, Some(rest));
    }
    match rest.split_once('+') {
        Some((pre, build)) => (Some(pre), Some(build).filter(|build| !build.is_empty())),
        None => (Some(rest), None),
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
        assert_eq!(v("v1.30.4+k3s1").build(), Some("k3s1"));
        assert_eq!(v("v1.30.4+k3s1").pre_release(), None);
        assert_eq!(v("v1.31.2-gke.1059000").build(), Some("gke.1059000"));
        assert_eq!(v("v1.31.2-gke.1059000").pre_release(), None);
    }

    #[test]
    fn real_pre_release_orders_below_its_release() {
        assert_eq!(v("1.31.0-rc.1").compare(&v("1.31.0")), Ordering::Less);
        assert!(v("1.31.0-rc.1").at_least(&v("1.30")));
        assert_eq!(v("v1.31.0-rc.1").pre_release(), Some("rc.1"));
    }

    #[test]
    fn pre_releases_order_by_semver_precedence() {
        assert_eq!(
            v("1.31.0-rc.10").compare(&v("1.31.0-rc.2")),
            Ordering::Greater
        );
        assert_eq!(
            v("1.31.0-alpha.3").compare(&v("1.31.0-beta.0")),
            Ordering::Less
        );
        assert_eq!(
            v("1.31.0-beta.2").compare(&v("1.31.0-rc.0")),
            Ordering::Less
        );
        assert_eq!(v("1.31.0-rc.1").compare(&v("1.30.9")), Ordering::Greater);
        // A vendor build after a pre-release is set aside like any other.
        let vendored = v("v1.31.0-rc.1+k3s1");
        assert_eq!(vendored.pre_release(), Some("rc.1"));
        assert_eq!(vendored.build(), Some("k3s1"));
        assert_eq!(vendored.compare(&v("1.31.0-rc.1")), Ordering::Equal);
        assert_eq!(vendored.to_string(), "1.31.0-rc.1");
    }

    #[test]
    fn missing_patch_compares_equal_to_any_patch() {
        assert_eq!(v("1.30").patch(), None);
        assert_eq!(v("1.30.4").patch(), Some(4));
        assert_eq!(v("1.30.4").compare(&v("1.30")), Ordering::Equal);
        assert_eq!(v("1.30").compare(&v("1.30.0-rc.1")), Ordering::Equal);
        assert_eq!(v("v1.30").to_string(), "1.30");
        // Leading zeros are read as numbers, which semver itself would refuse.
        assert_eq!(v("v1.05.07").to_string(), "1.5.7");
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
            "",
            "v",
            "1",
            "x.y",
            "1.30.a",
            "1..2",
            "1.2.3.4",
            "latest",
            "v1.-1",
            "1.31.0-rc.01",
            "1.31.0-rc..1",
            "1.31.0-beta_1",
        ] {
            assert!(Version::parse(bad).is_err(), "{bad:?} should not parse");
        }
    }
}
