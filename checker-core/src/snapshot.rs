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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// What `collect` redacted before writing the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redaction: Option<Redaction>,
}

/// What was redacted from a snapshot, for whoever receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Redaction {
    /// What is redacted from every object, in words ([`REDACTION_POLICY`]).
    pub policy: Vec<String>,
    /// How many values the file holds as `<redacted>`.
    pub values: usize,
}

/// What [`redact`] removes, in words.
pub const REDACTION_POLICY: &[&str] = &[
    "every annotation value except the few facts read (last-applied-configuration dropped)",
    "each args and command entry of every container, init and ephemeral container",
    "each plain-text env value of every container, except those facts read",
    "a plugin's valuesOverride and each value of a ResourcePatch's jsonPatch",
    "a Node's status.images (dropped)",
    "Secrets are never read; tokens and credentials are never written",
];

impl Snapshot {
    /// Records what was redacted: the policy, and how many values the records hold redacted.
    pub fn record_redaction(&mut self) {
        let marker = format!("\"{REDACTED}\"");
        let values = self
            .clusters
            .iter()
            .chain(self.standby.iter())
            .map(|c| {
                serde_json::to_string(c)
                    .map(|json| json.matches(&marker).count())
                    .unwrap_or(0)
            })
            .sum();
        self.redaction = Some(Redaction {
            policy: REDACTION_POLICY.iter().map(|p| p.to_string()).collect(),
            values,
        });
    }
}

/// How a snapshot was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ClusterRecord {
    /// Cluster name as known to the platform (`global` for the global cluster).
    pub name: String,
    /// Outcome of each read, keyed by [`crate::reads::Read::id`].
    pub reads: BTreeMap<String, ReadOutcome>,
}

/// What one read returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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

impl ReadError {
    /// The failure in words, in a language: its kind, HTTP status, message (as the server or
    /// the system gave it) and the missing permission.
    pub fn text(&self, lang: crate::lang::Lang) -> String {
        use crate::lang::Lang;
        let code = serde_json::to_value(self.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let kind = match (lang, self.kind) {
            (Lang::En, _) => code,
            (Lang::Ru, ReadErrorKind::Unauthorized) => "не авторизован (unauthorized)".into(),
            (Lang::Ru, ReadErrorKind::Forbidden) => "доступ запрещён (forbidden)".into(),
            (Lang::Ru, ReadErrorKind::Timeout) => "время ожидания истекло (timeout)".into(),
            (Lang::Ru, ReadErrorKind::Unreachable) => "недоступен (unreachable)".into(),
            (Lang::Ru, ReadErrorKind::ServerError) => "ошибка сервера (server_error)".into(),
            (Lang::Ru, ReadErrorKind::Invalid) => "непонятный ответ (invalid)".into(),
            (Lang::Ru, ReadErrorKind::NotCollected) => "не собрано (not_collected)".into(),
        };
        let mut text = match self.http_status {
            Some(code) => format!("{kind} (HTTP {code}): {}", self.message),
            None => format!("{kind}: {}", self.message),
        };
        if let Some(perm) = &self.missing_permission {
            text.push_str(&crate::tr!(
                lang,
                "; missing permission: {perm}",
                "; не хватает права: {perm}",
                perm = perm
            ));
        }
        text
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(crate::lang::Lang::En))
    }
}

/// Environment variables whose values facts use; every other `env[].value` is redacted.
const ENV_KEPT: &[&str] = &["node.roles", "node.data", "node.master"];
/// Annotations whose values facts use (`facts::raw::annotation`); every other annotation value
/// is redacted.
const ANNOTATIONS_KEPT: &[&str] = &[
    "cpaas.io/module-name",
    "cpaas.io/display-name",
    "config.cpaas.io/exempt-for-ver",
    "cpaas.io/network-type",
];
/// Configuration that may embed passwords, of which facts use only the presence: a plugin's
/// `valuesOverride` and the values a ResourcePatch writes. Non-empty values are redacted whole.
const CONFIGURATION: &[&str] = &["/spec/valuesOverride"];
/// A copy of the whole object as last applied (env, args and annotations included): dropped.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// What a redacted value is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Where an object may hold a pod spec: a pod, a workload's pod template, a CronJob's.
const POD_SPECS: &[&str] = &[
    "/spec",
    "/spec/template/spec",
    "/spec/jobTemplate/spec/template/spec",
];
/// Where an object may hold annotations: its own, its pod template's, a CronJob's template's.
const ANNOTATIONS: &[&str] = &[
    "/metadata/annotations",
    "/spec/template/metadata/annotations",
    "/spec/jobTemplate/spec/template/metadata/annotations",
];

/// Removes what a snapshot must not carry, which may hold passwords or embed configuration:
/// every annotation value other than those facts read (the `last-applied-configuration`
/// annotation, a copy of the whole object, is dropped), and in every container (`containers`,
/// `initContainers`, `ephemeralContainers`) of a pod or pod template, each `args` and `command`
/// entry (`--password=...`; the list keeps its length) and each plain-text env value other than
/// those facts read; a plugin's `valuesOverride` and each `value` of a ResourcePatch's
/// `jsonPatch`. A Node's `status.images`, most of the object and read by no fact, is dropped.
/// Applied to every object that enters a snapshot.
pub fn redact(item: &mut serde_json::Value) {
    if item.get("kind").and_then(serde_json::Value::as_str) == Some("Node")
        && let Some(status) = item
            .get_mut("status")
            .and_then(serde_json::Value::as_object_mut)
    {
        status.remove("images");
    }
    for pointer in CONFIGURATION {
        if let Some(value) = at_mut(item, pointer)
            && holds_configuration(value)
        {
            *value = REDACTED.into();
        }
    }
    let patches = at_mut(item, "/spec/jsonPatch").and_then(serde_json::Value::as_array_mut);
    for operation in patches.into_iter().flatten() {
        if let Some(value) = operation.get_mut("value") {
            *value = REDACTED.into();
        }
    }
    for pointer in ANNOTATIONS {
        if let Some(annotations) = at_mut(item, pointer).and_then(serde_json::Value::as_object_mut)
        {
            annotations.remove(LAST_APPLIED);
            for (key, value) in annotations.iter_mut() {
                if !ANNOTATIONS_KEPT.contains(&key.as_str()) {
                    *value = REDACTED.into();
                }
            }
        }
    }
    for pod_spec in POD_SPECS {
        for list in ["containers", "initContainers", "ephemeralContainers"] {
            let containers = at_mut(item, pod_spec)
                .and_then(|spec| spec.get_mut(list))
                .and_then(serde_json::Value::as_array_mut);
            for container in containers.into_iter().flatten() {
                redact_container(container);
            }
        }
    }
}

/// The value at a JSON pointer without escapes (`/spec/template/spec`): like
/// [`serde_json::Value::pointer_mut`], which copies each segment to unescape it, for pointers
/// looked up on every object.
fn at_mut<'a>(item: &'a mut serde_json::Value, pointer: &str) -> Option<&'a mut serde_json::Value> {
    pointer
        .split('/')
        .skip(1)
        .try_fold(item, |value, key| value.get_mut(key))
}

/// Whether a configuration value says anything: not null, and not an empty object, list or text.
pub(crate) fn holds_configuration(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Null => false,
        serde_json::Value::Object(map) => !map.is_empty(),
        serde_json::Value::String(text) => !text.trim().is_empty(),
        serde_json::Value::Array(list) => !list.is_empty(),
        _ => true,
    }
}

fn redact_container(container: &mut serde_json::Value) {
    for field in ["args", "command"] {
        match container.get_mut(field) {
            Some(serde_json::Value::Array(words)) => {
                words.iter_mut().for_each(|word| *word = REDACTED.into());
            }
            Some(other) => *other = REDACTED.into(),
            None => {}
        }
    }
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn redact_keeps_only_the_values_facts_read() {
        for (case, mut item, expected) in [
            (
                "a plugin's valuesOverride, whole, when it says anything",
                json!({"spec": {"valuesOverride": {"db": {"password": "hunter2"}}, "version": "v1"}}),
                json!({"spec": {"valuesOverride": REDACTED, "version": "v1"}}),
            ),
            (
                "a Node's image list, not another kind's status",
                json!({"kind": "Node", "status": {"images": [{"names": ["x"]}], "nodeInfo": {}}}),
                json!({"kind": "Node", "status": {"nodeInfo": {}}}),
            ),
            (
                "an empty valuesOverride stays empty",
                json!({"spec": {"valuesOverride": {}}}),
                json!({"spec": {"valuesOverride": {}}}),
            ),
            (
                "the values a ResourcePatch writes, not where",
                json!({"spec": {"jsonPatch": [{"op": "replace", "path": "/a", "value": "s3cret"}]}}),
                json!({"spec": {"jsonPatch": [{"op": "replace", "path": "/a", "value": REDACTED}]}}),
            ),
            (
                "a workload's env values, but those facts read and references to secrets",
                json!({
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
                }),
                json!({
                    "metadata": {"annotations": {"keep": REDACTED}},
                    "spec": {"template": {"spec": {
                        "initContainers": [{"name": "init", "env": [{"name": "TOKEN", "value": REDACTED}]}],
                        "containers": [{"name": "cpaas-elasticsearch", "env": [
                            {"name": "ELASTIC_PASSWORD", "value": REDACTED},
                            {"name": "node.roles", "value": "data"},
                            {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}
                        ]}]
                    }}}
                }),
            ),
            (
                "a workload's args and command, each entry, in containers and initContainers",
                json!({"spec": {"template": {"spec": {
                    "initContainers": [{"name": "init", "command": ["/bin/sh", "-c", "mysql -phunter2"]}],
                    "containers": [{"name": "discovery", "image": "istio/pilot:1.22.1",
                                    "args": ["discovery", "--password=hunter2", "--log_output_level=default:info"],
                                    "command": []}]
                }}}}),
                json!({"spec": {"template": {"spec": {
                    "initContainers": [{"name": "init", "command": [REDACTED, REDACTED, REDACTED]}],
                    "containers": [{"name": "discovery", "image": "istio/pilot:1.22.1",
                                    "args": [REDACTED, REDACTED, REDACTED],
                                    "command": []}]
                }}}}),
            ),
            (
                "a pod's containers, init and ephemeral containers",
                json!({"kind": "Pod", "spec": {
                    "containers": [{"name": "c", "args": ["--token=t0ps3cret"], "env": [{"name": "A", "value": "hunter2"}]}],
                    "initContainers": [{"name": "i", "command": ["sh", "-c", "echo hunter2"]}],
                    "ephemeralContainers": [{"name": "debug", "args": ["hunter2"]}]
                }}),
                json!({"kind": "Pod", "spec": {
                    "containers": [{"name": "c", "args": [REDACTED], "env": [{"name": "A", "value": REDACTED}]}],
                    "initContainers": [{"name": "i", "command": [REDACTED, REDACTED, REDACTED]}],
                    "ephemeralContainers": [{"name": "debug", "args": [REDACTED]}]
                }}),
            ),
            (
                "a CronJob's pod template, its annotations included",
                json!({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {
                    "metadata": {"annotations": {"vault.hashicorp.com/agent-inject-secret-db": "hunter2"}},
                    "spec": {"containers": [{"name": "backup", "args": ["--password", "hunter2"]}]}
                }}}}}),
                json!({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {
                    "metadata": {"annotations": {"vault.hashicorp.com/agent-inject-secret-db": REDACTED}},
                    "spec": {"containers": [{"name": "backup", "args": [REDACTED, REDACTED]}]}
                }}}}}),
            ),
            (
                "annotations of any object and of a pod template, but those facts read",
                json!({"kind": "ModuleInfo", "metadata": {
                    "labels": {"cpaas.io/module-name": "logcenter"},
                    "annotations": {
                        "cpaas.io/module-name": "{\"en\": \"Log Center\"}",
                        "cpaas.io/display-name": "Log Center",
                        "cpaas.io/config": "{\"password\": \"hunter2\"}",
                        "kubectl.kubernetes.io/last-applied-configuration": "{\"password\": \"hunter2\"}"
                    }},
                    "spec": {"template": {"metadata": {
                        "labels": {"app": "es"},
                        "annotations": {"cpaas.io/module-name": "es", "checksum/config": "hunter2"}}}}
                }),
                json!({"kind": "ModuleInfo", "metadata": {
                    "labels": {"cpaas.io/module-name": "logcenter"},
                    "annotations": {
                        "cpaas.io/module-name": "{\"en\": \"Log Center\"}",
                        "cpaas.io/display-name": "Log Center",
                        "cpaas.io/config": REDACTED
                    }},
                    "spec": {"template": {"metadata": {
                        "labels": {"app": "es"},
                        "annotations": {"cpaas.io/module-name": "es", "checksum/config": REDACTED}}}}
                }),
            ),
            (
                "values of the wrong shape are redacted whole",
                json!({"metadata": {"annotations": {"a": {"password": "hunter2"}}},
                       "spec": {"containers": [{"name": "c", "args": "--password=hunter2", "command": 7}]}}),
                json!({"metadata": {"annotations": {"a": REDACTED}},
                       "spec": {"containers": [{"name": "c", "args": REDACTED, "command": REDACTED}]}}),
            ),
            (
                "an object without secrets is unchanged",
                json!({"kind": "Node", "metadata": {"name": "n1", "labels": {"node-role.kubernetes.io/control-plane": ""}},
                       "status": {"nodeInfo": {"kubeletVersion": "v1.31.4"}}}),
                json!({"kind": "Node", "metadata": {"name": "n1", "labels": {"node-role.kubernetes.io/control-plane": ""}},
                       "status": {"nodeInfo": {"kubeletVersion": "v1.31.4"}}}),
            ),
        ] {
            redact(&mut item);
            assert_eq!(item, expected, "{case}");
            let text = item.to_string();
            assert!(
                !text.contains("hunter2") && !text.contains("t0ps3cret"),
                "{case}: {text}"
            );
            redact(&mut item);
            assert_eq!(item, expected, "{case}: redacting twice");
        }
    }

    #[test]
    fn every_annotation_facts_read_is_kept() {
        // A fact reading an annotation that redaction removes would silently read `<redacted>`.
        let facts = concat!(env!("CARGO_MANIFEST_DIR"), "/src/facts");
        let pattern = regex::Regex::new(r#"annotation\(\s*[a-z_]+,\s*"([^"]+)""#).expect("regex");
        let mut read = Vec::new();
        for entry in std::fs::read_dir(facts).expect("facts/") {
            let source = std::fs::read_to_string(entry.expect("entry").path()).expect("source");
            read.extend(pattern.captures_iter(&source).map(|c| c[1].to_string()));
        }
        assert!(!read.is_empty(), "no annotation read found in {facts}");
        for key in &read {
            assert!(
                ANNOTATIONS_KEPT.contains(&key.as_str()),
                "facts read the annotation {key}: add it to ANNOTATIONS_KEPT"
            );
        }
    }
}
