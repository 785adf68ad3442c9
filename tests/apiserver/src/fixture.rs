//! Loading a platform from a fixture directory.
//!
//! Layout: one subdirectory per cluster (`<dir>/<cluster>/`), each holding `*.json` files that
//! are `kubectl get ... -o json` outputs (objects with an `items` array). `version.json`, when
//! present, is the cluster's `/version` answer. `service-proxy/<namespace>/<service>/<path>`
//! files are what that Service's backend answers to a GET of `/<path>` through the service proxy.
//! Files that are not JSON, JSON that is not a list, top-level files and hidden entries are
//! ignored; a list with a malformed object is an error.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::model::{Cluster, Platform};

/// A fixture directory or file that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct FixtureError {
    /// The offending file or directory.
    pub path: PathBuf,
    /// What is wrong with it.
    pub reason: String,
}

impl Platform {
    /// Loads every cluster subdirectory of `dir`: `<dir>/<cluster>/*.json`, each a
    /// `kubectl get ... -o json` list (CustomResourceDefinitions included), plus an optional
    /// `version.json` answered at `/version` and `service-proxy/<namespace>/<service>/<path>`
    /// files answered through the service proxy. Files that are not JSON lists are skipped; an
    /// invalid object in a list is an error naming the file. Objects are read once, here; the
    /// server then answers from memory.
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<Platform, FixtureError> {
        let dir = dir.as_ref();
        let mut platform = Platform::new();
        for entry in sorted_entries(dir)? {
            if !entry.is_dir() {
                continue;
            }
            let Some(name) = entry.file_name().and_then(|n| n.to_str()) else {
                return Err(FixtureError {
                    path: entry.clone(),
                    reason: "cluster directory name is not UTF-8".to_string(),
                });
            };
            load_cluster(&entry, platform.cluster_mut(name))?;
        }
        Ok(platform)
    }
}

/// The subdirectory of a cluster directory holding service backend answers.
const SERVICE_PROXY_DIR: &str = "service-proxy";

/// Loads the `*.json` files of one cluster directory, and its service backend answers.
fn load_cluster(dir: &Path, cluster: &mut Cluster) -> Result<(), FixtureError> {
    let proxied = dir.join(SERVICE_PROXY_DIR);
    if proxied.is_dir() {
        load_service_answers(&proxied, cluster)?;
    }
    for path in sorted_entries(dir)? {
        if !path.is_file() || path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let fail = |reason: String| FixtureError {
            path: path.clone(),
            reason,
        };
        let text = std::fs::read(&path).map_err(|e| fail(e.to_string()))?;
        // Not JSON: typically kubectl's error text saved to the file.
        let Ok(value) = serde_json::from_slice::<Value>(&text) else {
            continue;
        };
        if path.file_name().is_some_and(|n| n == "version.json") {
            if value.is_object() {
                cluster.set_version(value).map_err(|e| fail(e.0))?;
            }
            continue;
        }
        let Some(Value::Array(items)) = value.get("items").cloned() else {
            continue;
        };
        for (index, item) in items.into_iter().enumerate() {
            cluster
                .add_object(item)
                .map_err(|e| fail(format!("items[{index}]: {e}")))?;
        }
    }
    Ok(())
}

/// Loads `<namespace>/<service>/<path>` files as service backend answers.
fn load_service_answers(dir: &Path, cluster: &mut Cluster) -> Result<(), FixtureError> {
    for namespace in sorted_entries(dir)?.into_iter().filter(|p| p.is_dir()) {
        for service in sorted_entries(&namespace)?
            .into_iter()
            .filter(|p| p.is_dir())
        {
            let mut pending = vec![service.clone()];
            while let Some(at) = pending.pop() {
                for path in sorted_entries(&at)? {
                    if path.is_dir() {
                        pending.push(path);
                        continue;
                    }
                    let fail = |reason: String| FixtureError {
                        path: path.clone(),
                        reason,
                    };
                    let body = std::fs::read(&path).map_err(|e| fail(e.to_string()))?;
                    let relative = path
                        .strip_prefix(&service)
                        .map_err(|e| fail(e.to_string()))?;
                    let (Some(namespace), Some(service), Some(relative)) = (
                        namespace.file_name().and_then(|n| n.to_str()),
                        service.file_name().and_then(|n| n.to_str()),
                        relative.to_str(),
                    ) else {
                        return Err(fail("path is not UTF-8".to_string()));
                    };
                    cluster.set_service_answer(namespace, service, &format!("/{relative}"), body);
                }
            }
        }
    }
    Ok(())
}

/// The non-hidden entries of a directory, sorted by name.
fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, FixtureError> {
    let fail = |e: std::io::Error| FixtureError {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    };
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(fail)? {
        let entry = entry.map_err(fail)?;
        if !entry.file_name().to_string_lossy().starts_with('.') {
            entries.push(entry.path());
        }
    }
    entries.sort();
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn loads_lists_and_ignores_the_rest() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "host.json", r#"{"items": [{"bad": true}]}"#);
        write(
            dir,
            "c1/nodes.json",
            r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}}]}"#,
        );
        write(
            dir,
            "c1/moduleinfoes.json",
            "error: the server doesn't have a resource type \"moduleinfoes\"\n",
        );
        write(
            dir,
            "c1/single.json",
            r#"{"apiVersion":"v1","kind":"Node","metadata":{"name":"n2"}}"#,
        );
        write(
            dir,
            "c1/version.json",
            r#"{"major":"1","minor":"31","gitVersion":"v1.31.4"}"#,
        );
        write(dir, "c1/notes.txt", "hello");
        write(
            dir,
            "c2/empty.json",
            r#"{"apiVersion":"v1","kind":"List","items":[]}"#,
        );

        let platform = Platform::load_dir(dir).unwrap();
        assert_eq!(platform.cluster_names().collect::<Vec<_>>(), ["c1", "c2"]);
        let c1 = platform.cluster("c1").unwrap();
        assert_eq!(c1.object_count(), 1);
        assert_eq!(c1.version_info()["gitVersion"], "v1.31.4");
    }

    #[test]
    fn malformed_object_names_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "c1/nodes.json",
            r#"{"kind":"List","items":[{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}},{"kind":"Node"}]}"#,
        );
        let err = Platform::load_dir(tmp.path()).unwrap_err();
        assert!(err.path.ends_with("c1/nodes.json"));
        assert!(
            err.to_string()
                .contains("items[1]: object without apiVersion"),
            "{err}"
        );
    }

    #[test]
    fn missing_directory_is_an_error() {
        let err = Platform::load_dir("/nonexistent/fixture").unwrap_err();
        assert_eq!(err.path, Path::new("/nonexistent/fixture"));
    }
}
