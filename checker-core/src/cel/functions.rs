//! The functions rules may call beyond standard CEL: `versionAtLeast(version, minimum)`,
//! `majorMinor(version)`, `gib(n)`, `formatBytes(bytes)`, `formatSize(bytes)`, and a caching `matches`.

use std::collections::BTreeMap;
use std::sync::Arc;

use cel::extractors::This;
use cel::{Context, ExecutionError, Value};

use super::values::display;
use crate::version::Version;

/// The functions rules may call beyond standard CEL.
pub(super) fn add(context: &mut Context) {
    // Names are unique and not standard overloads; a conflict would be caught by every test.
    let _ = context.add_function("versionAtLeast", version_at_least);
    let _ = context.add_function("majorMinor", major_minor);
    let _ = context.add_function("gib", |n: i64| n.saturating_mul(1 << 30));
    let _ = context.add_function("formatBytes", |n: i64| format_bytes(n));
    let _ = context.add_function("formatSize", |n: i64| format_size(n));
    let _ = context.add_function("matches", matches);
}

/// CEL's `text.matches(regex)` (RE2-like syntax of the `regex` crate), with compiled patterns
/// cached: rules match every plugin of every cluster against the same few patterns, and
/// compiling a pattern costs far more than matching it.
fn matches(This(text): This<Arc<String>>, pattern: Arc<String>) -> Result<bool, ExecutionError> {
    thread_local! {
        static CACHE: std::cell::RefCell<BTreeMap<String, regex::Regex>> =
            const { std::cell::RefCell::new(BTreeMap::new()) };
    }
    CACHE.with_borrow_mut(|cache| {
        if !cache.contains_key(pattern.as_str()) {
            let compiled = regex::Regex::new(&pattern).map_err(|e| {
                ExecutionError::function_error(
                    "matches",
                    format!("`{pattern}` is not a valid regex: {e}"),
                )
            })?;
            // Patterns come from rule packs, so the cache stays small; the bound is a safeguard.
            if cache.len() >= 256 {
                cache.clear();
            }
            cache.insert(pattern.to_string(), compiled);
        }
        Ok(cache
            .get(pattern.as_str())
            .is_some_and(|re| re.is_match(&text)))
    })
}

fn version_arg(function: &str, value: &Value) -> Result<Version, ExecutionError> {
    match value {
        Value::String(text) => Version::parse(text)
            .map_err(|e| ExecutionError::function_error(function, e.to_string())),
        Value::Null => Err(ExecutionError::function_error(
            function,
            "no version was recorded",
        )),
        other => Err(ExecutionError::function_error(
            function,
            format!("expected a version string, got {}", display(other)),
        )),
    }
}

fn version_at_least(version: Value, minimum: Value) -> Result<bool, ExecutionError> {
    let version = version_arg("versionAtLeast", &version)?;
    let minimum = version_arg("versionAtLeast", &minimum)?;
    Ok(version.at_least(&minimum))
}

fn major_minor(version: Value) -> Result<Arc<String>, ExecutionError> {
    Ok(Arc::new(version_arg("majorMinor", &version)?.major_minor()))
}

/// `128849018880` → `120.0 GiB (128.8 GB)`: the guide's "GB" read safely as GiB, with both shown.
pub fn format_bytes(bytes: i64) -> String {
    let gib = bytes as f64 / f64::from(1u32 << 30);
    let gb = bytes as f64 / 1e9;
    format!("{:.1} GiB ({:.1} GB)", floor1(gib), floor1(gb))
}

/// A size as a pack writes it: `128849018880` → `120 GiB`; sizes that are not a whole number of
/// a binary unit are shown as [`format_bytes`] shows them.
pub fn format_size(bytes: i64) -> String {
    for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if bytes != 0 && bytes % (1i64 << shift) == 0 {
            return format!("{} {unit}", bytes >> shift);
        }
    }
    format_bytes(bytes)
}

/// Rounds down to one decimal, so 119.99 GiB never shows as 120.0 (the tiny epsilon keeps a
/// value stored as 119.8999999 from showing as 119.8).
fn floor1(x: f64) -> f64 {
    (x * 10.0 + 1e-6).floor() / 10.0
}
