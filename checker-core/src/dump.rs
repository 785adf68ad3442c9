//! Reading a directory of plain `kubectl get ... -o json` outputs as a [`Snapshot`].
//!
//! Layout (documented in `docs/snapshot-format.md`): one subdirectory per cluster, named after
//! the cluster; `global/` is the global cluster. In each, one `<read id>.json` file per read of
//! [`crate::reads`] (the exact `kubectl` command is in [`crate::reads::Read::kubectl_command`]),
//! optionally `customresourcedefinitions.json` (lets a missing file of a custom kind count as
//! "not installed"), and at the top level an optional `host.json` ([`HostFacts`]). A file may hold
//! the error text kubectl printed instead of JSON (e.g. `Error from server (Forbidden): ...`); it
//! is read as that failure.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::facts::resource_name;
use crate::host::HostFacts;
use crate::reads::{self, Place, Read};
use crate::snapshot::{
    ClusterRecord, Collector, ReadError, ReadErrorKind, ReadOutcome, SNAPSHOT_FORMAT,
    SNAPSHOT_FORMAT_VERSION, Snapshot,
};

/// Why a snapshot or dump directory could not be read: bad input, named precisely.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not what it should be.
    #[error("{path}: {message}")]
    Invalid {
        /// The path (with `:line:column` when known).
        path: String,
        /// What is wrong.
        message: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> InputError + '_ {
    move |source| InputError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Reads a snapshot file or a dump directory, whichever `path` is; `-` is a snapshot on stdin.
pub fn load(path: &Path) -> Result<Snapshot, InputError> {
    if path == Path::new("-") {
        return load_file(path);
    }
    let meta = std::fs::metadata(path).map_err(io(path))?;
    if meta.is_dir() {
        load_dir(path)
    } else {
        load_file(path)
    }
}

/// The bytes of a snapshot file (`-`: stdin), gunzipped when they are gzip.
fn snapshot_text(path: &Path) -> Result<String, InputError> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin().read_to_end(&mut bytes).map_err(io(path))?;
    } else {
        bytes = std::fs::read(path).map_err(io(path))?;
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut plain = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .read_to_end(&mut plain)
            .map_err(|e| InputError::Invalid {
                path: path.display().to_string(),
                message: format!("not a readable gzip file: {e}"),
            })?;
        bytes = plain;
    }
    String::from_utf8(bytes).map_err(|e| InputError::Invalid {
        path: path.display().to_string(),
        message: format!(
            "not UTF-8 text (byte {}): a snapshot is JSON",
            e.utf8_error().valid_up_to()
        ),
    })
}

/// Reads a snapshot file written by `acp-preflight collect` (gzip or not; `-` for stdin).
pub fn load_file(path: &Path) -> Result<Snapshot, InputError> {
    let text = snapshot_text(path)?;
    let invalid = |message: String| InputError::Invalid {
        path: path.display().to_string(),
        message,
    };
    let value: Value = serde_json::from_str(&text).map_err(|e| InputError::Invalid {
        path: format!("{}:{}:{}", path.display(), e.line(), e.column()),
        message: format!("not valid JSON: {e}"),
    })?;
    match value.get("format") {
        Some(Value::String(format)) if format == SNAPSHOT_FORMAT => {}
        Some(Value::String(other)) => {
            return Err(invalid(format!(
                "unknown format `{other}`, expected `{SNAPSHOT_FORMAT}`"
            )));
        }
        Some(other) => {
            return Err(invalid(format!(
                "not an acp-preflight snapshot: `format` is {other}, not \"{SNAPSHOT_FORMAT}\""
            )));
        }
        None => {
            return Err(invalid(format!(
                "not an acp-preflight snapshot (no `format: {SNAPSHOT_FORMAT}` field); \
                 for kubectl output, pass the directory holding one subdirectory per cluster"
            )));
        }
    }
    let supported = format!("this build reads version {SNAPSHOT_FORMAT_VERSION}");
    match value.get("format_version") {
        Some(v) if v.as_u64() == Some(u64::from(SNAPSHOT_FORMAT_VERSION)) => {}
        Some(Value::Number(v)) if v.is_u64() => {
            return Err(invalid(format!(
                "snapshot format version {v} is not supported ({supported})"
            )));
        }
        Some(other) => {
            return Err(invalid(format!(
                "`format_version` is {other}, not a version number ({supported})"
            )));
        }
        None => {
            return Err(invalid(format!("no `format_version` field ({supported})")));
        }
    }
    match serde_json::from_value(value) {
        Ok(snapshot) => Ok(snapshot),
        // A value has no positions: read the text again to say where, down which JSON path.
        Err(error) => match from_json::<Snapshot>(&text, path, "invalid snapshot") {
            Err(located) => Err(located),
            Ok(_) => Err(invalid(format!("invalid snapshot: {error}"))),
        },
    }
}

/// Reads a `host.json` file (the output of `acp-preflight host`) as [`HostFacts`]; `None` when
/// there is no such file.
pub fn load_host_facts(file: &Path) -> Result<Option<HostFacts>, InputError> {
    match std::fs::read_to_string(file) {
        Ok(text) => from_json(&text, file, "invalid host facts").map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(file)(e)),
    }
}

/// `text` as a `T`, or an error naming the file with `:line:column` and the JSON path of what
/// is wrong: `snapshot.json:9:17: invalid snapshot: clusters[0].name: invalid type: integer
/// `5`, expected a string`.
fn from_json<T: serde::de::DeserializeOwned>(
    text: &str,
    file: &Path,
    what: &str,
) -> Result<T, InputError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = serde_path_to_error::deserialize(&mut de)
        .map(|value| de.end().map(|()| value).map_err(|e| (None, e)))
        .unwrap_or_else(|e| Err((Some(e.path().to_string()), e.into_inner())));
    parsed.map_err(|(field, error)| {
        let position = format!(" at line {} column {}", error.line(), error.column());
        let detail = error.to_string();
        let detail = detail.strip_suffix(&position).unwrap_or(&detail);
        let field = field
            .filter(|field| field != ".")
            .map(|field| format!("{field}: "))
            .unwrap_or_default();
        InputError::Invalid {
            path: if error.line() > 0 {
                format!("{}:{}:{}", file.display(), error.line(), error.column())
            } else {
                file.display().to_string()
            },
            message: format!("{what}: {field}{detail}"),
        }
    })
}

/// Reads a dump directory: `<dir>/<cluster>/<read id>.json`, `global/` being the global cluster.
pub fn load_dir(dir: &Path) -> Result<Snapshot, InputError> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|name| !name.starts_with('.'))
        .collect();
    if !names.iter().any(|n| n == "global") {
        return Err(InputError::Invalid {
            path: dir.display().to_string(),
            message: "no `global/` subdirectory: a dump directory holds one subdirectory per \
                      cluster, `global/` for the global cluster"
                .to_string(),
        });
    }
    names.sort_by_key(|n| (n != "global", n.clone()));
    let mut newest = None;
    // `standby/` is the standby global cluster of a disaster-recovery pair, not a workload one.
    let standby = match names.iter().position(|n| n == STANDBY_DIR) {
        Some(index) => {
            let name = names.remove(index);
            Some(load_cluster(dir, &name, Place::Standby, &mut newest)?)
        }
        None => None,
    };
    let mut clusters = Vec::new();
    for name in names {
        let place = if name == "global" {
            Place::Global
        } else {
            Place::Workload
        };
        clusters.push(load_cluster(dir, &name, place, &mut newest)?);
    }
    let host = load_host_facts(&dir.join("host.json"))?;
    let collected_at = newest
        .and_then(|t| jiff::Timestamp::try_from(t).ok())
        .map(|t| t.to_string())
        .unwrap_or_default();
    Ok(Snapshot {
        format: SNAPSHOT_FORMAT.to_string(),
        format_version: SNAPSHOT_FORMAT_VERSION,
        collected_at,
        collector: Collector {
            tool: "kubectl".to_string(),
            version: String::new(),
            method: "kubectl-dump".to_string(),
            source: dir.display().to_string(),
            insecure_skip_tls_verify: false,
        },
        clusters,
        host,
        standby,
        manifest: None,
        redaction: None,
    })
}

/// The subdirectory of a dump directory that holds the standby global cluster, if any.
pub const STANDBY_DIR: &str = "standby";

/// Reads one cluster subdirectory: the reads made on every cluster, and those made only on a
/// global one when `global`. `newest` keeps the latest modification time seen.
fn load_cluster(
    dir: &Path,
    name: &str,
    place: Place,
    newest: &mut Option<std::time::SystemTime>,
) -> Result<ClusterRecord, InputError> {
    let cluster_dir = dir.join(name);
    let crds = read_crds(&cluster_dir)?;
    let mut outcomes = BTreeMap::new();
    for read in reads::ALL {
        if !read.made_on(place) {
            continue;
        }
        let file = cluster_dir.join(read.file_name());
        let outcome = match std::fs::read_to_string(&file) {
            Ok(text) => {
                if let Ok(modified) = std::fs::metadata(&file).and_then(|m| m.modified()) {
                    *newest = (*newest).max(Some(modified));
                }
                match read.path {
                    Some(_) if read.text => parse_raw_text(&text, read),
                    Some(_) => parse_raw_object(&text, read),
                    None => parse_kubectl_output(&text, &resource_name(read), read.kind),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match &crds {
                Some(crds) if read.custom && !crds.iter().any(|crd| read.served_by_crd(crd)) => {
                    ReadOutcome::Absent {
                        reason: format!(
                            "CRD {} is not in customresourcedefinitions.json",
                            resource_name(read)
                        ),
                    }
                }
                _ => ReadOutcome::Error(ReadError::new(
                    ReadErrorKind::NotCollected,
                    format!("{} is missing from the dump directory", file.display()),
                )),
            },
            Err(e) => return Err(io(&file)(e)),
        };
        outcomes.insert(read.id.to_string(), outcome);
    }
    Ok(ClusterRecord {
        name: name.to_string(),
        reads: outcomes,
    })
}

/// The `plural.group` names of the CRDs listed in `customresourcedefinitions.json`, if present.
fn read_crds(cluster_dir: &Path) -> Result<Option<Vec<String>>, InputError> {
    let file = cluster_dir.join("customresourcedefinitions.json");
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(&file)(e)),
    };
    match parse_kubectl_output(
        &text,
        "customresourcedefinitions.apiextensions.k8s.io",
        "CustomResourceDefinition",
    ) {
        ReadOutcome::Ok { items } => Ok(Some(
            items
                .iter()
                .filter_map(|crd| crd.pointer("/metadata/name").and_then(Value::as_str))
                .map(str::to_string)
                .collect(),
        )),
        _ => Ok(None),
    }
}

/// Reads what `kubectl get --raw <path>` printed: one JSON object (`/version`), or kubectl's
/// error (an object that does not exist is absent, as live).
fn parse_raw_object(text: &str, read: &Read) -> ReadOutcome {
    let message = text.trim();
    if message.starts_with("Error from server") || message.starts_with("error:") {
        return parse_raw_text(text, read);
    }
    match serde_json::from_str::<Value>(text) {
        Ok(object) if object.is_object() => ReadOutcome::Ok {
            items: vec![object],
        },
        _ => ReadOutcome::Error(ReadError::new(
            ReadErrorKind::Invalid,
            "not one JSON object, as `kubectl get --raw` prints".to_string(),
        )),
    }
}

/// Reads what `kubectl get --raw` printed for a text answer: the answer, or kubectl's error
/// (a Service that does not exist is absent, as live).
fn parse_raw_text(text: &str, read: &Read) -> ReadOutcome {
    let message = text.trim();
    if message.starts_with("Error from server (NotFound)") {
        ReadOutcome::Absent {
            reason: first_line(message),
        }
    } else if message.starts_with("Error from server") || message.starts_with("error:") {
        ReadOutcome::Error(classify_error(message, None, &resource_name(read)))
    } else {
        ReadOutcome::Ok {
            items: vec![Read::text_item(text)],
        }
    }
}

/// Reads what `kubectl get -o json` printed (of objects of `kind`): a list, a single object, or
/// kubectl's error text.
pub fn parse_kubectl_output(text: &str, resource: &str, kind: &str) -> ReadOutcome {
    match crate::pruned::parse(text.as_bytes(), kind) {
        Ok(value) => {
            if value.get("kind").and_then(Value::as_str) == Some("Status") {
                let code = value
                    .get("code")
                    .and_then(Value::as_u64)
                    .and_then(|c| u16::try_from(c).ok());
                let message = value
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                return ReadOutcome::Error(classify_error(message, code, resource));
            }
            let mut items = match value {
                Value::Object(mut list) if list.get("items").is_some_and(Value::is_array) => {
                    match list.remove("items") {
                        Some(Value::Array(items)) => items,
                        _ => Vec::new(),
                    }
                }
                object if object.get("metadata").is_some() => vec![object],
                _ => {
                    return ReadOutcome::Error(ReadError::new(
                        ReadErrorKind::Invalid,
                        "JSON that is neither a list nor an object".to_string(),
                    ));
                }
            };
            items.iter_mut().for_each(crate::snapshot::redact);
            ReadOutcome::Ok { items }
        }
        Err(_) => {
            let message = text.trim();
            if message.contains("doesn't have a resource type") || message.contains("(NotFound)") {
                ReadOutcome::Absent {
                    reason: first_line(message),
                }
            } else {
                ReadOutcome::Error(classify_error(message, None, resource))
            }
        }
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

/// Classifies a failure from its HTTP code or kubectl's text.
fn classify_error(message: &str, code: Option<u16>, resource: &str) -> ReadError {
    let has = |needle: &str| message.contains(needle);
    let (kind, http_status) = match code {
        Some(401) => (ReadErrorKind::Unauthorized, code),
        Some(403) => (ReadErrorKind::Forbidden, code),
        Some(502..=504) => (ReadErrorKind::Unreachable, code),
        Some(_) => (ReadErrorKind::ServerError, code),
        None if has("(Forbidden)") || has("forbidden") => (ReadErrorKind::Forbidden, Some(403)),
        None if has("Unauthorized") || has("must be logged in") => {
            (ReadErrorKind::Unauthorized, Some(401))
        }
        None if has("timeout") || has("Timeout") || has("deadline exceeded") => {
            (ReadErrorKind::Timeout, None)
        }
        None if has("connection refused") || has("Unable to connect") || has("no such host") => {
            (ReadErrorKind::Unreachable, None)
        }
        None if has("Error from server") => (ReadErrorKind::ServerError, None),
        None => (ReadErrorKind::Invalid, None),
    };
    let missing_permission = (kind == ReadErrorKind::Forbidden).then(|| format!("list {resource}"));
    let message = if kind == ReadErrorKind::Invalid {
        format!("not kubectl JSON output: {}", first_line(message))
    } else {
        first_line(message)
    };
    ReadError {
        kind,
        http_status,
        message,
        missing_permission,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = r#""format": "acp-preflight/snapshot", "format_version": 1,
"collected_at": "", "collector": {"tool": "t", "version": "", "method": "fixture", "source": ""}"#;

    fn load_text(text: &str) -> Result<Snapshot, String> {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("snapshot.json");
        std::fs::write(&file, text).expect("write");
        load_file(&file).map_err(|e| {
            e.to_string()
                .replace(&tmp.path().display().to_string(), "DIR")
        })
    }

    #[test]
    fn a_wrong_type_in_a_snapshot_names_the_json_path_and_position() {
        for (body, expected) in [
            (
                r#""clusters": [{"name": "global", "reads": {}}, {"name": 5, "reads": {}}]"#,
                "DIR/snapshot.json:3:56: invalid snapshot: clusters[1].name: invalid type: \
                 integer `5`, expected a string",
            ),
            (
                r#""clusters": [], "host": {"hostname": "h", "paths": [{"role": 1, "path": "/"}]}"#,
                "DIR/snapshot.json:3:62: invalid snapshot: host.paths[0].role: invalid type: \
                 integer `1`, expected a string",
            ),
            (
                r#""clusters": [{"name": "global"}]"#,
                "DIR/snapshot.json:3:31: invalid snapshot: clusters[0]: missing field `reads`",
            ),
            // At the top level there is no path to name.
            (
                r#""clusterz": []"#,
                "DIR/snapshot.json:3:15: invalid snapshot: missing field `clusters`",
            ),
        ] {
            let text = format!("{{{HEAD},\n{body}}}");
            assert_eq!(load_text(&text).unwrap_err(), expected, "{text}");
        }
        let text = format!("{{{HEAD},\n\"clusters\": []}}");
        assert!(load_text(&text).is_ok());
    }

    #[test]
    fn format_fields_of_the_wrong_type_are_named() {
        let rest = r#""collected_at": "", "collector": {"tool": "t", "version": "", "method": "fixture", "source": ""}, "clusters": []"#;
        for (head, expected) in [
            (
                r#""format": 1, "format_version": 1"#,
                "DIR/snapshot.json: not an acp-preflight snapshot: `format` is 1, not \
                 \"acp-preflight/snapshot\"",
            ),
            (
                r#""format": "acp-preflight/snapshot", "format_version": "1""#,
                "DIR/snapshot.json: `format_version` is \"1\", not a version number (this build \
                 reads version 1)",
            ),
            (
                r#""format": "acp-preflight/snapshot", "format_version": 1.5"#,
                "DIR/snapshot.json: `format_version` is 1.5, not a version number (this build \
                 reads version 1)",
            ),
            (
                r#""format": "acp-preflight/snapshot""#,
                "DIR/snapshot.json: no `format_version` field (this build reads version 1)",
            ),
            (
                r#""format": "acp-preflight/snapshot", "format_version": 2"#,
                "DIR/snapshot.json: snapshot format version 2 is not supported (this build \
                 reads version 1)",
            ),
        ] {
            let text = format!("{{{head}, {rest}}}");
            assert_eq!(load_text(&text).unwrap_err(), expected, "{text}");
        }
        let text =
            format!(r#"{{"format": "acp-preflight/snapshot", "format_version": 1, {rest}}}"#);
        assert!(load_text(&text).is_ok());
    }

    #[test]
    fn a_wrong_type_in_host_json_names_the_json_path_and_position() {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(tmp.path().join("global")).expect("mkdir");
        let host = tmp.path().join("host.json");
        for (text, expected) in [
            (
                "{\"hostname\": \"h\",\n \"paths\": [{\"role\": 1, \"path\": \"/\"}]}",
                "host.json:2:21: invalid host facts: paths[0].role: invalid type: integer `1`, \
                 expected a string",
            ),
            (
                "{\"hostname\": 3}",
                "host.json:1:14: invalid host facts: hostname: invalid type: integer `3`, \
                 expected a string",
            ),
            (
                "{\"hostname\": \"h\", \"paths\": []} trailing",
                "host.json:1:32: invalid host facts: trailing characters",
            ),
        ] {
            std::fs::write(&host, text).expect("write");
            let error = load_dir(tmp.path()).unwrap_err().to_string();
            assert_eq!(
                error.replace(&format!("{}/", tmp.path().display()), ""),
                expected,
                "{text}"
            );
        }
        std::fs::write(&host, "{\"hostname\": \"h\", \"paths\": []}").expect("write");
        assert_eq!(
            load_dir(tmp.path()).expect("dump").host.map(|h| h.hostname),
            Some("h".to_string())
        );
    }
}
