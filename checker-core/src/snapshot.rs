//! The snapshot: raw Kubernetes objects per cluster, host facts, and how they were collected.
//!
//! A snapshot is what `acp-preflight collect` writes and what `check --snapshot` evaluates with no
//! cluster access. It stores raw objects exactly as the API returned them (the `items` of a
//! `kubectl get -o json` list), never derived facts, so a newer checker can derive new facts from
//! an old snapshot. The format is documented in `docs/snapshot-format.md`. Readers ignore fields
//! they do not know, so adding a field keeps the format version; removing or changing the meaning
//! of one bumps [`SNAPSHOT_FORMAT_VERSION`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::host::HostFacts;

/// The value of the `format` field of every snapshot file.
pub const SNAPSHOT_FORMAT: &str = "acp-preflight/snapshot";
/// The current snapshot format version; readers accept this version only.
pub const SNAPSHOT_FORMAT_VERSION: u32 = 1;

/// A complete, self-describing record of a platform's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Always [`SNAPSHOT_FORMAT`].
    pub format: String,
    /// Always [`SNAPSHOT_FORMAT_VERSION`].
    pub format_version: u32,
    /// When the collection started (RFC 3339).
    pub collected_at: String,
    /// How and from where the objects were collected.
    pub collector: Collector,
    /// One entry per cluster, the global cluster first.
    pub clusters: Vec<ClusterRecord>,
    /// Facts about the host the collection ran on, when probed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<HostFacts>,
    /// The standby global cluster of a disaster-recovery pair, when it was collected too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standby: Option<ClusterRecord>,
    /// What a live collection asked for: every request, with its HTTP status or failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<Manifest>,
}

/// How a snapshot was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Collector {
    /// The tool that wrote the snapshot (`acp-preflight`, or `kubectl` for a dump directory).
    pub tool: String,
    /// Its version.
    pub version: String,
    /// `live` (collected from an API server), `kubectl-dump` (read from a dump directory) or
    /// `fixture` (hand-made test data).
    pub method: String,
    /// The API server or directory the objects came from.
    pub source: String,
    /// Whether TLS verification was turned off while collecting.
    #[serde(default)]
    pub insecure_skip_tls_verify: bool,
}

/// The raw reads made on one cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterRecord {
    /// Cluster name as known to the platform (`global` for the global cluster).
    pub name: String,
    /// Outcome of each read, keyed by [`crate::reads::Read::id`].
    pub reads: BTreeMap<String, ReadOutcome>,
}

/// What one read returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ReadOutcome {
    /// The list succeeded; `items` are the raw objects.
    Ok {
        /// Raw objects, as in the `items` of a `kubectl get -o json` list.
        items: Vec<serde_json::Value>,
    },
    /// The resource type is not served (its CRD is not installed): a fact, not an error.
    Absent {
        /// How absence was established (e.g. "not in API discovery").
        reason: String,
    },
    /// The read failed; facts derived from it are unknown.
    Error(ReadError),
}

/// What a live collection asked for and what it got: support reads this to see what was read
/// and what failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The reads asked for, by [`crate::reads::Read::id`].
    pub reads: Vec<String>,
    /// The workload clusters the collection was limited to (`--clusters`), if it was; the
    /// `clusters` read then holds only these and the global cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_clusters: Option<Vec<String>>,
    /// Every workload cluster of the platform's cluster list (before `--clusters` selected
    /// among them), when the list could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_clusters: Option<Vec<String>>,
    /// Remarks about the collection as a whole (e.g. a selected cluster that does not exist).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Every request made, in the order they ended (retries included).
    pub requests: Vec<ManifestRequest>,
}

/// One request of a live collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestRequest {
    /// Always `GET`.
    pub method: String,
    /// The cluster it was made on (`standby` for the standby global cluster).
    pub cluster: String,
    /// Path and query, as sent (with the `/kubernetes/<cluster>` prefix through the proxy).
    pub path: String,
    /// The HTTP status of the answer, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The failure class, when there was no answer (timeout, unreachable...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ReadErrorKind>,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
}

/// Why a read failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadError {
    /// Class of failure.
    pub kind: ReadErrorKind,
    /// HTTP status, when the server answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// Human-readable cause, free of credentials.
    pub message: String,
    /// For `forbidden`: the permission that is missing, e.g. `list moduleinfoes.cluster.alauda.io`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_permission: Option<String>,
}

/// Classes of read failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadErrorKind {
    /// 401: the credentials were rejected.
    Unauthorized,
    /// 403: the credentials lack a permission.
    Forbidden,
    /// The request or the whole collection ran out of time.
    Timeout,
    /// The cluster could not be reached (connection refused, 502/503/504 from the proxy).
    Unreachable,
    /// The server answered with another error status.
    ServerError,
    /// The answer could not be understood.
    Invalid,
    /// The read was not made (e.g. the file is missing from a dump directory).
    NotCollected,
}

impl ReadError {
    /// A failure of this kind, without an HTTP status or a missing permission.
    pub fn new(kind: ReadErrorKind, message: impl Into<String>) -> ReadError {
        ReadError {
            kind,
            http_status: None,
            message: message.into(),
            missing_permission: None,
        }
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = serde_json::to_value(self.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        match self.http_status {
            Some(code) => write!(f, "{kind} (HTTP {code}): {}", self.message)?,
            None => write!(f, "{kind}: {}", self.message)?,
        }
        if let Some(perm) = &self.missing_permission {
            write!(f, "; missing permission: {perm}")?;
        }
        Ok(())
    }
}

/// Environment variables whose values facts use; every other `env[].value` is redacted.
const ENV_KEPT: &[&str] = &["node.roles", "node.data", "node.master"];
/// What a redacted value is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Removes what a snapshot must not carry: plain-text env values of containers (they may hold
/// passwords) other than those facts read, and the `last-applied-configuration` annotation (a
/// copy of the whole object, env included). Applied to every object that enters a snapshot.
pub fn redact(item: &mut serde_json::Value) {
    if let Some(annotations) = item
        .pointer_mut("/metadata/annotations")
        .and_then(serde_json::Value::as_object_mut)
    {
        annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
    }
    for pod_spec in ["/spec/template/spec", "/spec"] {
        for list in ["containers", "initContainers"] {
            let containers = item
                .pointer_mut(&format!("{pod_spec}/{list}"))
                .and_then(serde_json::Value::as_array_mut);
            for container in containers.into_iter().flatten() {
                let env = container
                    .get_mut("env")
                    .and_then(serde_json::Value::as_array_mut);
                for var in env.into_iter().flatten() {
                    let kept = var
                        .get("name")
                        .and_then(serde_json::Value::as_str)
                        .is_some_and(|name| ENV_KEPT.contains(&name));
                    if let Some(value) = var.get_mut("value").filter(|_| !kept) {
                        *value = REDACTED.into();
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_keeps_only_the_env_values_facts_read() {
        let mut item = serde_json::json!({
            "metadata": {"annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": "{\"env\": \"ELASTIC_PASSWORD=hunter2\"}",
                "keep": "me"}},
            "spec": {"template": {"spec": {
                "initContainers": [{"name": "init", "env": [{"name": "TOKEN", "value": "t0ps3cret"}]}],
                "containers": [{"name": "cpaas-elasticsearch", "env": [
                    {"name": "ELASTIC_PASSWORD", "value": "hunter2"},
                    {"name": "node.roles", "value": "data"},
                    {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}
                ]}]
            }}}
        });
        redact(&mut item);
        let text = item.to_string();
        assert!(
            !text.contains("hunter2") && !text.contains("t0ps3cret"),
            "{text}"
        );
        assert_eq!(
            item.pointer("/spec/template/spec/containers/0/env/1/value"),
            Some(&"data".into())
        );
        assert_eq!(
            item.pointer("/metadata/annotations/keep"),
            Some(&"me".into())
        );
        assert!(
            item.pointer("/spec/template/spec/containers/0/env/2/valueFrom")
                .is_some()
        );
    }
}
