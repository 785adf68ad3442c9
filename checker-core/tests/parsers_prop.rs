//! Property tests of the parsers of the checker's inputs: snapshot files, kubectl dump
//! directories, `host.json` files, and rule packs and rule files (`rules lint`). The seeds are the
//! bundled fixtures and rules, edited the ways a person or a broken tool edits them: cut short, a
//! byte changed, a value of another type, a field dropped, an unknown field added, lines deleted,
//! repeated or re-indented. Whatever the input, a parser never panics, and what it rejects it
//! names: the file, and the field path and place of the problem.
//!
//! Each property runs around a hundred cases by default, so that the whole file takes a few seconds
//! in a debug build's `cargo test`; `PROPTEST_CASES=N` runs N cases of each instead.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use checker_core::dump;
use checker_core::host::{
    DiskInfo, DnsProbe, FilesystemFacts, HostFacts, NetworkFacts, PackageProbe, PathProbe, TcpProbe,
};
use checker_core::reads::{self, Place};
use checker_core::rules::{self, PackError};
use checker_core::snapshot::{
    ClusterRecord, Collector, Manifest, ManifestRequest, ReadError, ReadErrorKind, ReadOutcome,
    SNAPSHOT_FORMAT, SNAPSHOT_FORMAT_VERSION, Snapshot,
};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::{Value, json};

/// `cases`, unless `PROPTEST_CASES` says otherwise.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        // A failure is kept as a named regression test in this file, not in a side file.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

// ---------------------------------------------------------------------------------------------
// Seeds: the bundled fixtures and rules.

/// The scenario directories of `fixtures/`.
fn scenarios() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo().join("fixtures"))
        .expect("fixtures/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("README.md").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 5, "fixtures: {dirs:?}");
    dirs
}

/// Every fixture as a snapshot, with at most two objects per read so that a case stays fast
/// (every other part of the snapshot is kept).
static SNAPSHOTS: LazyLock<Vec<Snapshot>> = LazyLock::new(|| {
    scenarios()
        .iter()
        .map(|dir| {
            let mut snapshot = dump::load_dir(dir).expect("fixture");
            for cluster in &mut snapshot.clusters {
                for outcome in cluster.reads.values_mut() {
                    if let ReadOutcome::Ok { items } = outcome {
                        items.truncate(2);
                    }
                }
            }
            snapshot
        })
        .collect()
});

/// The `host.json` of every fixture.
static HOST_FILES: LazyLock<Vec<String>> = LazyLock::new(|| {
    scenarios()
        .iter()
        .map(|dir| std::fs::read_to_string(dir.join("host.json")).expect("host.json"))
        .collect()
});

/// A few real objects of every read, to build kubectl lists from.
static OBJECTS: LazyLock<Vec<Value>> = LazyLock::new(|| {
    SNAPSHOTS
        .iter()
        .flat_map(|s| &s.clusters)
        .flat_map(|c| c.reads.values())
        .filter_map(|outcome| match outcome {
            ReadOutcome::Ok { items } => items.first().cloned(),
            _ => None,
        })
        .collect()
});

/// The bundled pack and rule files, (name, text): the packs of `rules/packs/`, and the rules as
/// the build embedded them (the packs are checked against those).
static RULE_FILES: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
    let mut packs: Vec<PathBuf> = std::fs::read_dir(repo().join("rules/packs"))
        .expect("rules/packs/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    packs.sort();
    let mut files: Vec<(String, String)> = packs
        .iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            let text = std::fs::read_to_string(path).expect("pack");
            (format!("edited/{name}"), text)
        })
        .collect();
    files.extend(rules::library().rules.values().map(|rule| {
        let name = rule.file.rsplit('/').next().unwrap_or_default();
        (format!("edited/{name}"), rule.text.to_string())
    }));
    assert!(files.len() >= 2, "{files:?}");
    files
});

// ---------------------------------------------------------------------------------------------
// JSON values and their edits.

/// A decimal number as Kubernetes objects hold them (`0.5`, `1e-3`, `250.75`). Not any `f64`:
/// serde_json, built without its `float_roundtrip` feature, may read a number of 17 significant
/// digits back one unit in the last place off, so a raw object's `2.0457024064509886e-246`
/// would not read back exactly.
fn decimal() -> impl Strategy<Value = Value> {
    (-999_999_999i64..999_999_999, -20i32..20).prop_map(|(mantissa, exponent)| {
        format!("{mantissa}e{exponent}")
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number)
    })
}

/// Any JSON value, a few levels deep, with keys Kubernetes objects and snapshots use.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        decimal(),
        "[a-z.0-9v+-]{0,12}".prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    select(vec![
                        "metadata",
                        "name",
                        "namespace",
                        "annotations",
                        "labels",
                        "status",
                        "spec",
                        "template",
                        "containers",
                        "env",
                        "args",
                        "command",
                        "value",
                        "kind",
                        "items",
                    ])
                    .prop_map(str::to_string),
                    "[a-z]{1,8}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// One step down a JSON value.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// A field path as the parsers' messages write it: `clusters[0].reads.nodes`.
fn display(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(key) if out.is_empty() => out.push_str(key),
            Step::Key(key) => {
                out.push('.');
                out.push_str(key);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn pointer(path: &[Step]) -> String {
    path.iter()
        .map(|step| match step {
            Step::Key(key) => format!("/{}", key.replace('~', "~0").replace('/', "~1")),
            Step::Index(i) => format!("/{i}"),
        })
        .collect()
}

/// Every path in `value`, the root first; inside raw Kubernetes objects (`items[i]` of a
/// read), where any value is accepted, only the object itself.
fn paths(value: &Value) -> Vec<Vec<Step>> {
    fn walk(value: &Value, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
        out.push(path.clone());
        let raw = matches!(path.as_slice(), [.., Step::Key(k), Step::Index(_)] if k == "items");
        if raw {
            return;
        }
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    path.push(Step::Key(key.clone()));
                    walk(child, path, out);
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    path.push(Step::Index(i));
                    walk(child, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

/// Whether `path` runs through a raw Kubernetes object, whose content is not the parsers'.
fn in_raw_object(path: &[Step]) -> bool {
    path.windows(2)
        .any(|w| matches!(w, [Step::Key(k), Step::Index(_)] if k == "items"))
}

/// A value of each JSON type.
fn of_type(kind: usize) -> Value {
    match kind % 7 {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(-1),
        3 => json!(1.5),
        4 => json!("x"),
        5 => json!([1, "two"]),
        _ => json!({"a": 1}),
    }
}

fn same_type(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x.is_f64() == y.is_f64() && x.is_i64() == y.is_i64()
        }
        _ => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

/// An edit of a JSON document at one of its paths.
#[derive(Debug, Clone)]
enum Edit {
    /// The value, replaced by one of another type.
    Retype(usize),
    /// The field or list entry, removed.
    Drop,
    /// A field no reader knows, added to the object.
    AddUnknown(Value),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0usize..7).prop_map(Edit::Retype),
        Just(Edit::Drop),
        json_value().prop_map(Edit::AddUnknown),
    ]
}

/// Applies `edit` at the `at`-th path of `document`; returns the path, or `None` when the edit
/// does not apply there (dropping the root, adding a field to a non-object).
fn apply(document: &mut Value, at: Index, edit: &Edit) -> Option<Vec<Step>> {
    let all: Vec<Vec<Step>> = paths(document)
        .into_iter()
        .filter(|path| match edit {
            Edit::Retype(_) => true,
            Edit::Drop => !path.is_empty(),
            Edit::AddUnknown(_) => document
                .pointer(&pointer(path))
                .is_some_and(Value::is_object),
        })
        .collect();
    if all.is_empty() {
        return None;
    }
    let path = all[at.index(all.len())].clone();
    match edit {
        Edit::Retype(kind) => {
            let target = document.pointer_mut(&pointer(&path))?;
            let mut replacement = of_type(*kind);
            for k in 1..7 {
                if !same_type(target, &replacement) {
                    break;
                }
                replacement = of_type(kind + k);
            }
            *target = replacement;
        }
        Edit::Drop => {
            let (last, parent) = path.split_last()?;
            match (document.pointer_mut(&pointer(parent))?, last) {
                (Value::Object(map), Step::Key(key)) => {
                    map.remove(key);
                }
                (Value::Array(items), Step::Index(i)) => {
                    items.remove(*i);
                }
                _ => return None,
            }
        }
        Edit::AddUnknown(value) => match document.pointer_mut(&pointer(&path))? {
            Value::Object(map) => {
                map.insert("x-added-by-a-newer-version".to_string(), value.clone());
            }
            _ => return None,
        },
    }
    Some(path)
}

// ---------------------------------------------------------------------------------------------
// What an error must say.

/// Writes `bytes` as `name` in a new temporary directory.
fn write_temp(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join(name);
    std::fs::write(&file, bytes).expect("write");
    (tmp, file)
}

/// The error names `file` (with `:line:column`, when given, within `text`).
fn names_file(message: &str, file: &Path, text: &[u8]) -> Result<(), TestCaseError> {
    let file = file.display().to_string();
    let Some(at) = message.find(&file) else {
        return Err(TestCaseError::fail(format!(
            "the error does not name {file}: {message}"
        )));
    };
    let rest = &message[at + file.len()..];
    let mut numbers = rest
        .strip_prefix(':')
        .unwrap_or_default()
        .split(':')
        .take(2)
        .map(|n| n.parse::<usize>());
    if let (Some(Ok(line)), Some(Ok(column))) = (numbers.next(), numbers.next()) {
        let text = String::from_utf8_lossy(text);
        let lines: Vec<&str> = text.split('\n').collect();
        prop_assert!(
            (1..=lines.len()).contains(&line),
            "line {line} of {} lines: {message}",
            lines.len()
        );
        prop_assert!(
            column <= lines[line - 1].len() + 1,
            "column {column} of line {line} ({:?}): {message}",
            lines[line - 1]
        );
    }
    Ok(())
}

/// The field path a message names after `what: ` (`clusters[0].name` in `…: invalid snapshot:
/// clusters[0].name: invalid type: …`), if it names one.
fn field_named<'m>(message: &'m str, what: &str) -> Option<&'m str> {
    let (_, rest) = message.split_once(&format!("{what}: "))?;
    let (field, _) = rest.split_once(": ")?;
    (!field.contains(' ')).then_some(field)
}

/// Whether `field` is the edited `path`, leads to it, or lies inside the value put there.
fn on_the_way(field: &str, path: &[Step]) -> bool {
    let edited = display(path);
    (0..=path.len()).any(|n| display(&path[..n]) == field)
        || field
            .strip_prefix(&edited)
            .is_some_and(|rest| rest.starts_with(['.', '[']))
}

/// Whether serde says a value has the wrong type (or is out of range).
fn type_error(message: &str) -> bool {
    message.contains("invalid type") || message.contains("invalid value")
}

/// A field path named in an error about an edit at `path` is on the way to it.
fn names_a_field_on_the_way(message: &str, what: &str, path: &[Step]) -> Result<(), TestCaseError> {
    if let Some(field) = field_named(message, what) {
        prop_assert!(
            on_the_way(field, path),
            "edited {}, error names {field}: {message}",
            display(path)
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Snapshot files.

fn snapshot_text(snapshot: &Snapshot) -> String {
    serde_json::to_string_pretty(snapshot).expect("serialise")
}

/// Loads `bytes` as a snapshot file; an error must name the file.
fn load_snapshot(bytes: &[u8]) -> Result<Result<Snapshot, String>, TestCaseError> {
    let (_tmp, file) = write_temp("snapshot.json", bytes);
    match dump::load_file(&file) {
        Ok(snapshot) => Ok(Ok(snapshot)),
        Err(error) => {
            let message = error.to_string();
            names_file(&message, &file, bytes)?;
            Ok(Err(message))
        }
    }
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![3 => "[a-z0-9./:_-]{0,12}", 1 => any::<String>()]
}

fn read_error_kind() -> impl Strategy<Value = ReadErrorKind> {
    select(vec![
        ReadErrorKind::Unauthorized,
        ReadErrorKind::Forbidden,
        ReadErrorKind::Timeout,
        ReadErrorKind::Unreachable,
        ReadErrorKind::ServerError,
        ReadErrorKind::Invalid,
        ReadErrorKind::NotCollected,
    ])
}

fn read_outcome() -> impl Strategy<Value = ReadOutcome> {
    prop_oneof![
        prop::collection::vec(json_value(), 0..3).prop_map(|items| ReadOutcome::Ok { items }),
        text().prop_map(|reason| ReadOutcome::Absent { reason }),
        (
            read_error_kind(),
            any::<Option<u16>>(),
            text(),
            proptest::option::of(text())
        )
            .prop_map(|(kind, http_status, message, missing_permission)| {
                ReadOutcome::Error(ReadError {
                    kind,
                    http_status,
                    message,
                    missing_permission,
                })
            }),
    ]
}

fn cluster_record() -> impl Strategy<Value = ClusterRecord> {
    (
        text(),
        prop::collection::btree_map(text(), read_outcome(), 0..4),
    )
        .prop_map(|(name, reads)| ClusterRecord { name, reads })
}

fn host_facts() -> impl Strategy<Value = HostFacts> {
    let filesystem = (
        any::<u64>(),
        proptest::option::of(text()),
        proptest::option::of(text()),
        any::<u64>(),
        any::<u64>(),
        prop::collection::vec(text(), 0..3),
    )
        .prop_map(
            |(device_id, mount_point, fs_type, total_bytes, free_bytes, shared_with)| {
                FilesystemFacts {
                    device_id,
                    mount_point,
                    fs_type,
                    total_bytes,
                    free_bytes,
                    shared_with,
                }
            },
        );
    let path = (
        text(),
        text(),
        proptest::option::of(text()),
        proptest::option::of(filesystem),
        proptest::option::of(text()),
    )
        .prop_map(|(role, path, host, filesystem, error)| PathProbe {
            role,
            path,
            host,
            addresses: Vec::new(),
            filesystem,
            error,
        });
    let package = (text(), any::<Option<u64>>(), proptest::option::of(text())).prop_map(
        |(path, size_bytes, error)| PackageProbe {
            path,
            size_bytes,
            error,
        },
    );
    let disk = (text(), text(), text(), any::<u64>(), any::<u64>()).prop_map(
        |(name, mount_point, fs_type, total_bytes, available_bytes)| DiskInfo {
            name,
            mount_point,
            fs_type,
            total_bytes,
            available_bytes,
        },
    );
    let tcp = (
        text(),
        proptest::option::of(text()),
        any::<bool>(),
        proptest::option::of(text()),
    )
        .prop_map(|(endpoint, host, connected, error)| TcpProbe {
            endpoint,
            host,
            connected,
            error,
        });
    let dns = (
        text(),
        proptest::option::of(text()),
        prop::collection::vec(text(), 0..3),
        proptest::option::of(text()),
    )
        .prop_map(|(name, host, addresses, error)| DnsProbe {
            name,
            host,
            addresses,
            error,
        });
    let network = (
        prop::collection::vec(tcp, 0..3),
        prop::collection::vec(dns, 0..2),
    )
        .prop_map(|(tcp, dns)| NetworkFacts { tcp, dns });
    (
        text(),
        prop::collection::vec(path, 0..4),
        proptest::option::of(package),
        prop::collection::vec(disk, 0..3),
        network,
    )
        .prop_map(|(hostname, paths, package, disks, network)| HostFacts {
            addresses: vec![format!("10.0.0.{}", hostname.len() % 250)],
            hostname,
            paths,
            package,
            disks,
            network,
        })
}

fn manifest() -> impl Strategy<Value = Manifest> {
    let request = (
        text(),
        text(),
        text(),
        any::<Option<u16>>(),
        proptest::option::of(read_error_kind()),
        any::<u64>(),
    )
        .prop_map(
            |(method, cluster, path, status, error, duration_ms)| ManifestRequest {
                method,
                cluster,
                path,
                status,
                error,
                duration_ms,
            },
        );
    (
        prop::collection::vec(text(), 0..3),
        proptest::option::of(prop::collection::vec(text(), 0..3)),
        proptest::option::of(prop::collection::vec(text(), 0..3)),
        prop::collection::vec(text(), 0..2),
        prop::collection::vec(request, 0..3),
    )
        .prop_map(
            |(reads, selected_clusters, platform_clusters, notes, requests)| Manifest {
                reads,
                selected_clusters,
                platform_clusters,
                notes,
                requests,
            },
        )
}

fn snapshot() -> impl Strategy<Value = Snapshot> {
    let collector = (text(), text(), text(), text(), any::<bool>()).prop_map(
        |(tool, version, method, source, insecure_skip_tls_verify)| Collector {
            tool,
            version,
            method,
            source,
            insecure_skip_tls_verify,
        },
    );
    (
        text(),
        collector,
        prop::collection::vec(cluster_record(), 0..3),
        proptest::option::of(host_facts()),
        proptest::option::of(cluster_record()),
        proptest::option::of(manifest()),
        any::<bool>(),
    )
        .prop_map(
            |(collected_at, collector, clusters, host, standby, manifest, redacted)| {
                let mut snapshot = Snapshot {
                    format: SNAPSHOT_FORMAT.to_string(),
                    format_version: SNAPSHOT_FORMAT_VERSION,
                    collected_at,
                    collector,
                    clusters,
                    host,
                    standby,
                    manifest,
                    redaction: None,
                };
                if redacted {
                    snapshot.record_redaction();
                }
                snapshot
            },
        )
}

#[test]
fn every_fixture_written_as_a_snapshot_reads_back_the_same() {
    for dir in scenarios() {
        let snapshot = dump::load_dir(&dir).expect("fixture");
        let text = snapshot_text(&snapshot);
        let (_tmp, file) = write_temp("snapshot.json", text.as_bytes());
        assert_eq!(
            dump::load_file(&file).expect("snapshot"),
            snapshot,
            "{}",
            dir.display()
        );
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn a_snapshot_written_and_read_back_is_the_same(snapshot in snapshot()) {
        let text = snapshot_text(&snapshot);
        let read = load_snapshot(text.as_bytes())?;
        prop_assert_eq!(read, Ok(snapshot));
    }

    #[test]
    fn any_bytes_as_a_snapshot_are_an_error_naming_the_file(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..200),
            json_value().prop_map(|v| v.to_string().into_bytes()),
        ]
    ) {
        // Nothing but a snapshot is one: this has no `format` field of the right value.
        prop_assert!(load_snapshot(&bytes)?.is_err());
    }

    #[test]
    fn a_snapshot_cut_short_or_with_a_byte_changed_never_panics(
        seed in any::<Index>(),
        at in any::<Index>(),
        flip in 1u8..,
        cut in any::<bool>(),
    ) {
        let mut bytes = snapshot_text(seed.get(SNAPSHOTS.as_slice())).into_bytes();
        let at = at.index(bytes.len());
        if cut {
            bytes.truncate(at);
        } else {
            bytes[at] ^= flip;
        }
        let _ = load_snapshot(&bytes)?;
    }

    #[test]
    fn an_edited_snapshot_loads_or_names_the_field(
        seed in any::<Index>(),
        at in any::<Index>(),
        edit in edit(),
    ) {
        let original = seed.get(SNAPSHOTS.as_slice());
        let mut document = serde_json::to_value(original).expect("value");
        let path = apply(&mut document, at, &edit);
        prop_assume!(path.is_some());
        let path = path.unwrap_or_default();
        // A new read id must hold a read outcome; that is no unknown field.
        let in_reads_map = matches!(path.as_slice(), [.., Step::Key(k)] if k == "reads");
        prop_assume!(!(matches!(edit, Edit::AddUnknown(_)) && in_reads_map));
        let text = serde_json::to_string_pretty(&document).expect("text");
        match load_snapshot(text.as_bytes())? {
            Ok(snapshot) => {
                if matches!(edit, Edit::AddUnknown(_)) && !in_raw_object(&path) {
                    // Readers ignore fields they do not know.
                    prop_assert_eq!(&snapshot, original);
                }
            }
            Err(message) => {
                prop_assert!(
                    !matches!(edit, Edit::AddUnknown(_)),
                    "an unknown field at {} is rejected: {}", display(&path), message
                );
                names_a_field_on_the_way(&message, "invalid snapshot", &path)?;
                if let (Edit::Drop, [.., Step::Key(key)]) = (&edit, path.as_slice())
                    && message.contains("missing field")
                {
                    let named = message.contains(&format!("`{key}`"));
                    prop_assert!(named, "dropped {}: {}", display(&path), message);
                }
                if let [Step::Key(top)] = path.as_slice()
                    && (top == "format" || top == "format_version")
                {
                    let named = message.contains("`format");
                    prop_assert!(named, "edited {}: {}", display(&path), message);
                } else if !path.is_empty() && type_error(&message) {
                    prop_assert!(
                        field_named(&message, "invalid snapshot").is_some(),
                        "edited {}, no field named: {}", display(&path), message
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// host.json files.

/// Loads `bytes` as a `host.json`; an error must name the file.
fn load_host(bytes: &[u8]) -> Result<Result<HostFacts, String>, TestCaseError> {
    let (_tmp, file) = write_temp("host.json", bytes);
    match dump::load_host_facts(&file) {
        Ok(facts) => Ok(Ok(facts.expect("the file exists"))),
        Err(error) => {
            let message = error.to_string();
            names_file(&message, &file, bytes)?;
            Ok(Err(message))
        }
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn host_facts_written_and_read_back_are_the_same(facts in host_facts()) {
        let text = serde_json::to_string_pretty(&facts).expect("serialise");
        prop_assert_eq!(load_host(text.as_bytes())?, Ok(facts));
    }

    #[test]
    fn any_bytes_as_host_facts_never_panic(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..200),
            json_value().prop_map(|v| v.to_string().into_bytes()),
        ]
    ) {
        let _ = load_host(&bytes)?;
    }

    #[test]
    fn host_facts_cut_short_or_with_a_byte_changed_never_panic(
        seed in any::<Index>(),
        at in any::<Index>(),
        flip in 1u8..,
        cut in any::<bool>(),
    ) {
        let mut bytes = seed.get(HOST_FILES.as_slice()).clone().into_bytes();
        let at = at.index(bytes.len());
        if cut {
            bytes.truncate(at);
        } else {
            bytes[at] ^= flip;
        }
        let _ = load_host(&bytes)?;
    }

    #[test]
    fn edited_host_facts_load_or_name_the_field(
        seed in any::<Index>(),
        at in any::<Index>(),
        edit in edit(),
    ) {
        let text = seed.get(HOST_FILES.as_slice());
        let original: HostFacts = serde_json::from_str(text).expect("host.json");
        let mut document: Value = serde_json::from_str(text).expect("host.json");
        let path = apply(&mut document, at, &edit);
        prop_assume!(path.is_some());
        let path = path.unwrap_or_default();
        let text = serde_json::to_string_pretty(&document).expect("text");
        match load_host(text.as_bytes())? {
            Ok(facts) => {
                if matches!(edit, Edit::AddUnknown(_)) {
                    prop_assert_eq!(facts, original);
                }
            }
            Err(message) => {
                prop_assert!(!matches!(edit, Edit::AddUnknown(_)), "{}", message);
                names_a_field_on_the_way(&message, "invalid host facts", &path)?;
                if let (Edit::Drop, [.., Step::Key(key)]) = (&edit, path.as_slice())
                    && message.contains("missing field")
                {
                    let named = message.contains(&format!("`{key}`"));
                    prop_assert!(named, "dropped {}: {}", display(&path), message);
                }
                if !path.is_empty() && type_error(&message) {
                    prop_assert!(
                        field_named(&message, "invalid host facts").is_some(),
                        "edited {}, no field named: {}", display(&path), message
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Dump directories.

/// What a file of a dump directory holds.
#[derive(Debug, Clone)]
enum DumpFile {
    /// `kubectl get -o json` of a list.
    List(Vec<Value>),
    /// `kubectl get NAME -o json`: one object.
    Object(Value),
    /// A `Status` object, as an API server answers an error.
    Status(u64, String),
    /// kubectl's error text instead of JSON.
    ErrorText(String),
    /// A list's JSON cut short.
    Truncated(Vec<Value>, Index),
    /// Anything, not necessarily UTF-8.
    Bytes(Vec<u8>),
}

impl DumpFile {
    fn bytes(&self) -> Vec<u8> {
        let list = |items: &[Value]| json!({"apiVersion": "v1", "kind": "List", "items": items});
        match self {
            DumpFile::List(items) => serde_json::to_vec_pretty(&list(items)).expect("json"),
            DumpFile::Object(object) => serde_json::to_vec_pretty(object).expect("json"),
            DumpFile::Status(code, message) => serde_json::to_vec(&json!({
                "kind": "Status", "apiVersion": "v1", "status": "Failure",
                "code": code, "message": message,
            }))
            .expect("json"),
            DumpFile::ErrorText(text) => text.clone().into_bytes(),
            DumpFile::Truncated(items, at) => {
                let mut bytes = serde_json::to_vec(&list(items)).expect("json");
                bytes.truncate(at.index(bytes.len()));
                bytes
            }
            DumpFile::Bytes(bytes) => bytes.clone(),
        }
    }
}

/// A Kubernetes object: a real one from a fixture, edited or not, or one of any shape.
fn object() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => any::<Index>().prop_map(|i| i.get(OBJECTS.as_slice()).clone()),
        2 => (any::<Index>(), any::<Index>(), edit()).prop_map(|(seed, at, edit)| {
            let mut object = seed.get(OBJECTS.as_slice()).clone();
            apply(&mut object, at, &edit);
            object
        }),
        1 => json_value(),
    ]
}

fn dump_file() -> impl Strategy<Value = DumpFile> {
    let kubectl_error = select(vec![
        "Error from server (Forbidden): moduleinfoes.cluster.alauda.io is forbidden: User \
         \"system:serviceaccount:cpaas-system:acp-preflight\" cannot list resource",
        "error: the server doesn't have a resource type \"productbases\"",
        "Error from server (NotFound): the server could not find the requested resource",
        "Unable to connect to the server: dial tcp 192.0.2.1:6443: connect: connection refused",
        "error: You must be logged in to the server (Unauthorized)",
        "Error from server (InternalError): an error on the server has prevented the request",
        "Unable to connect to the server: net/http: TLS handshake timeout",
        "",
    ]);
    prop_oneof![
        6 => prop::collection::vec(object(), 0..4).prop_map(DumpFile::List),
        1 => object()
            .prop_map(|mut o| {
                if let Value::Object(map) = &mut o {
                    map.entry("metadata").or_insert(json!({"name": "x"}));
                }
                o
            })
            .prop_map(DumpFile::Object),
        1 => (prop_oneof![select(vec![401u64, 403, 404, 500, 503]), 0u64..70000], text())
            .prop_map(|(code, message)| DumpFile::Status(code, message)),
        1 => (kubectl_error, "\\PC{0,20}", "(\n.{0,20}){0,2}")
            .prop_map(|(e, extra, more)| DumpFile::ErrorText(format!("{e}{extra}{more}"))),
        1 => (prop::collection::vec(object(), 1..3), any::<Index>())
            .prop_map(|(items, at)| DumpFile::Truncated(items, at)),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(DumpFile::Bytes),
    ]
}

/// A dump directory: clusters (`global` first) with their files, the CRDs listed (if
/// `customresourcedefinitions.json` is written as a list) and `host.json`.
#[derive(Debug, Clone)]
struct DumpDir {
    clusters: Vec<DumpCluster>,
    host: Option<DumpHost>,
}

#[derive(Debug, Clone)]
struct DumpCluster {
    name: String,
    /// `<read id>.json` files, by read (index into `reads::ALL`).
    files: Vec<(usize, DumpFile)>,
    /// The CRDs of `customresourcedefinitions.json`: a list of these custom kinds, or other
    /// content.
    crds: Option<Result<Vec<String>, DumpFile>>,
}

#[derive(Debug, Clone)]
enum DumpHost {
    Facts(HostFacts),
    Edited(Index, Index, Edit),
    Bytes(Vec<u8>),
}

fn custom_resources() -> Vec<String> {
    reads::ALL
        .iter()
        .filter(|r| r.custom)
        // A kind known by short name is served in whatever group its CRD names.
        .map(|r| match r.short_name {
            Some(_) => format!("{}.some.group.example", r.plural),
            None => r.resource(),
        })
        .collect()
}

fn dump_cluster(name: impl Strategy<Value = String>) -> impl Strategy<Value = DumpCluster> {
    let reads = reads::ALL.len();
    let crds = proptest::option::of(prop_oneof![
        3 => proptest::sample::subsequence(custom_resources(), 0..=custom_resources().len())
            .prop_map(Ok),
        1 => dump_file().prop_map(Err),
    ]);
    (
        name,
        prop::collection::btree_map(0..reads, dump_file(), 0..=reads),
        crds,
    )
        .prop_map(|(name, files, crds)| DumpCluster {
            name,
            files: files.into_iter().collect(),
            crds,
        })
}

fn dump_dir() -> impl Strategy<Value = DumpDir> {
    let workload = prop::collection::vec(dump_cluster("[a-z][a-z0-9-]{0,8}"), 0..3);
    let host = proptest::option::of(prop_oneof![
        1 => host_facts().prop_map(DumpHost::Facts),
        2 => (any::<Index>(), any::<Index>(), edit())
            .prop_map(|(seed, at, edit)| DumpHost::Edited(seed, at, edit)),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(DumpHost::Bytes),
    ]);
    (dump_cluster(Just("global".to_string())), workload, host).prop_map(
        |(global, workload, host)| {
            let mut seen = BTreeSet::from(["global".to_string()]);
            let mut clusters = vec![global];
            clusters.extend(workload.into_iter().filter(|c| seen.insert(c.name.clone())));
            DumpDir { clusters, host }
        },
    )
}

impl DumpHost {
    fn bytes(&self) -> Vec<u8> {
        match self {
            DumpHost::Facts(facts) => serde_json::to_vec_pretty(facts).expect("json"),
            DumpHost::Edited(seed, at, edit) => {
                let mut document: Value =
                    serde_json::from_str(seed.get::<String>(HOST_FILES.as_slice())).expect("json");
                apply(&mut document, *at, edit);
                serde_json::to_vec_pretty(&document).expect("json")
            }
            DumpHost::Bytes(bytes) => bytes.clone(),
        }
    }
}

/// Writes the directory; returns the files the loader reads, with their content.
fn write_dump(dir: &Path, dump: &DumpDir) -> Vec<(PathBuf, Vec<u8>)> {
    let mut read = Vec::new();
    // Not clusters: hidden directories and plain files at the top.
    std::fs::create_dir(dir.join(".git")).expect("mkdir");
    std::fs::write(dir.join("README.md"), "# a dump\n").expect("write");
    for cluster in &dump.clusters {
        let cluster_dir = dir.join(&cluster.name);
        std::fs::create_dir(&cluster_dir).expect("mkdir");
        for (index, file) in &cluster.files {
            let read_def = &reads::ALL[*index];
            let path = cluster_dir.join(read_def.file_name());
            let bytes = file.bytes();
            std::fs::write(&path, &bytes).expect("write");
            let place = if cluster.name == "global" {
                Place::Global
            } else {
                Place::Workload
            };
            if read_def.made_on(place) {
                read.push((path, bytes));
            }
        }
        if let Some(crds) = &cluster.crds {
            let crd = |name: &String| json!({"kind": "CustomResourceDefinition", "metadata": {"name": name}});
            let bytes = match crds {
                Ok(names) => DumpFile::List(names.iter().map(crd).collect()).bytes(),
                Err(file) => file.bytes(),
            };
            let path = cluster_dir.join("customresourcedefinitions.json");
            std::fs::write(&path, &bytes).expect("write");
            read.push((path, bytes));
        }
    }
    if let Some(host) = &dump.host {
        let path = dir.join("host.json");
        let bytes = host.bytes();
        std::fs::write(&path, &bytes).expect("write");
        read.push((path, bytes));
    }
    read
}

/// An object as a snapshot holds it.
fn redacted(mut item: Value) -> Value {
    checker_core::snapshot::redact(&mut item);
    item
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn a_dump_directory_loads_or_names_the_file(dump in dump_dir()) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let files = write_dump(tmp.path(), &dump);
        let not_utf8 = files.iter().find(|(_, bytes)| std::str::from_utf8(bytes).is_err());
        let snapshot = match dump::load_dir(tmp.path()) {
            Ok(snapshot) => snapshot,
            Err(error) => {
                let message = error.to_string();
                let named = files
                    .iter()
                    .find(|(path, _)| message.contains(&path.display().to_string()));
                prop_assert!(named.is_some(), "no file named: {}", message);
                let (path, bytes) = named.unwrap();
                names_file(&message, path, bytes)?;
                return Ok(());
            }
        };
        prop_assert!(not_utf8.is_none(), "{:?} is not text, and loads", not_utf8.map(|f| &f.0));
        // One record per cluster directory, the global cluster first, then by name.
        let mut names: Vec<&str> = dump.clusters.iter().map(|c| c.name.as_str()).collect();
        names[1..].sort();
        let loaded: Vec<&str> = snapshot.clusters.iter().map(|c| c.name.as_str()).collect();
        prop_assert_eq!(loaded, names);
        for (cluster, record) in dump.clusters.iter().map(|c| {
            (c, snapshot.clusters.iter().find(|r| r.name == c.name).expect("record"))
        }) {
            let crds: Option<&Vec<String>> = match &cluster.crds {
                Some(Ok(names)) => Some(names),
                _ => None,
            };
            for (index, read) in reads::ALL.iter().enumerate() {
                let outcome = record.reads.get(read.id);
                let place = if cluster.name == "global" { Place::Global } else { Place::Workload };
                if !read.made_on(place) {
                    prop_assert!(outcome.is_none(), "{} read on {}", read.id, cluster.name);
                    continue;
                }
                let outcome = outcome.expect("every read has an outcome");
                let file = cluster.files.iter().find(|(i, _)| *i == index).map(|(_, f)| f);
                if read.kubectl_command().contains("--raw") {
                    // `kubectl get --raw PATH`: one JSON object, kept as the only item.
                    match (file, outcome) {
                        (_, ReadOutcome::Ok { items }) => {
                            prop_assert!(items.len() == 1 && items[0].is_object(), "{:?}", items);
                            let text = file.map(DumpFile::bytes).unwrap_or_default();
                            prop_assert!(serde_json::from_slice::<Value>(&text).is_ok());
                        }
                        (None, ReadOutcome::Error(e)) => {
                            prop_assert_eq!(e.kind, ReadErrorKind::NotCollected);
                        }
                        (None, ReadOutcome::Absent { .. }) => {
                            prop_assert!(false, "{} absent", read.id)
                        }
                        (Some(_), _) => {}
                    }
                    continue;
                }
                // Every object is redacted.
                if let ReadOutcome::Ok { items } = outcome {
                    for item in items {
                        prop_assert_eq!(&redacted(item.clone()), item);
                    }
                }
                match file {
                    None => match outcome {
                        ReadOutcome::Absent { .. } => {
                            prop_assert!(read.custom, "{} absent", read.id);
                            if let Some(crds) = crds {
                                prop_assert!(!crds.iter().any(|c| read.served_by_crd(c)));
                            }
                        }
                        ReadOutcome::Error(e) => {
                            prop_assert_eq!(e.kind, ReadErrorKind::NotCollected);
                            prop_assert!(
                                crds.is_none_or(|c| !read.custom || c.iter().any(|c| read.served_by_crd(c))),
                                "{} not collected though its CRD is not listed", read.id
                            );
                        }
                        ReadOutcome::Ok { .. } => prop_assert!(false, "{} has no file", read.id),
                    },
                    Some(DumpFile::List(items)) => {
                        let expected: Vec<Value> = items.iter().cloned().map(redacted).collect();
                        prop_assert_eq!(outcome, &ReadOutcome::Ok { items: expected });
                    }
                    // An object with an `items` list is a list to the reader, whatever else
                    // it holds.
                    Some(DumpFile::Object(object))
                        if object.get("items").is_some_and(Value::is_array) =>
                    {
                        let expected: Vec<Value> = object["items"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .cloned()
                            .map(redacted)
                            .collect();
                        if let ReadOutcome::Ok { items } = outcome {
                            prop_assert_eq!(items, &expected);
                        }
                    }
                    Some(DumpFile::Object(object))
                        if object.get("metadata").is_some()
                            && object.get("kind").and_then(Value::as_str) != Some("Status") =>
                    {
                        let expected = vec![redacted(object.clone())];
                        prop_assert_eq!(outcome, &ReadOutcome::Ok { items: expected });
                    }
                    Some(DumpFile::Status(code, _)) => {
                        let ReadOutcome::Error(e) = outcome else {
                            return Err(TestCaseError::fail(format!("{}: {outcome:?}", read.id)));
                        };
                        if *code == 403 {
                            prop_assert_eq!(e.kind, ReadErrorKind::Forbidden);
                            prop_assert_eq!(
                                e.missing_permission.clone(),
                                Some(format!("list {}", read.resource()))
                            );
                        }
                    }
                    Some(DumpFile::ErrorText(text)) => {
                        let absent = text.contains("doesn't have a resource type")
                            || text.contains("(NotFound)");
                        match outcome {
                            ReadOutcome::Absent { .. } => prop_assert!(absent, "{}", text),
                            ReadOutcome::Error(_) => prop_assert!(!absent, "{}", text),
                            ReadOutcome::Ok { .. } => prop_assert!(false, "{}", text),
                        }
                    }
                    Some(DumpFile::Truncated(..)) => {
                        prop_assert!(!matches!(outcome, ReadOutcome::Ok { .. }), "{:?}", outcome);
                    }
                    Some(_) => {}
                }
            }
        }
        match &dump.host {
            None => prop_assert_eq!(snapshot.host, None),
            Some(DumpHost::Facts(facts)) => prop_assert_eq!(snapshot.host.as_ref(), Some(facts)),
            Some(_) => prop_assert!(snapshot.host.is_some()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rule packs and rule files.

/// The diagnostics of a rejected file are in it (or in the bundled file they name), each at a
/// line and column of that text, and render.
fn check_diagnostics(file: &str, text: &str, error: &PackError) -> Result<(), TestCaseError> {
    prop_assert!(!error.diagnostics.is_empty());
    prop_assert_eq!(&error.file, file);
    for d in &error.diagnostics {
        prop_assert!(!d.message.is_empty(), "{:?}", d);
        let source = if d.file == file {
            // Positions are of the text after a leading byte-order mark, as the loader reads it.
            text.strip_prefix('\u{feff}').unwrap_or(text)
        } else {
            let source = error.sources.get(&d.file);
            prop_assert!(source.is_some(), "no text of {} for {}", d.file, d);
            source.map(String::as_str).unwrap_or_default()
        };
        // YAML breaks lines at `\r\n`, `\r` and `\n`.
        let lines: Vec<&str> = source
            .split("\r\n")
            .flat_map(|l| l.split(['\r', '\n']))
            .collect();
        if let Some(line) = d.line {
            prop_assert!(
                (1..=lines.len() as u64).contains(&line),
                "line {} of {} lines: {}\n{}",
                line,
                lines.len(),
                d,
                source
            );
            let column = d.column.unwrap_or(1);
            let width = lines[line as usize - 1].chars().count() as u64;
            prop_assert!(
                (1..=width + 1).contains(&column),
                "column {} of a line {} wide: {}\n{}",
                column,
                width,
                d,
                source
            );
        }
        if let Some((offset, len)) = d.span {
            prop_assert!(
                offset + len <= source.len(),
                "span {:?} of {} bytes: {}",
                d.span,
                source.len(),
                d
            );
            prop_assert!(source.is_char_boundary(offset), "span {:?}: {}", d.span, d);
            // The excerpt underlines the place the line and column name.
            if let (Some(line), Some(column)) = (d.line, d.column) {
                prop_assert_eq!(
                    line_column(source, offset),
                    (line, column),
                    "span {:?} of {}\n{}",
                    d.span,
                    d,
                    source
                );
            }
        }
    }
    let _ = error.render();
    let _ = error.render_snippets(false);
    let _ = error.render_snippets(true);
    let _ = serde_json::to_string(&error.diagnostics).expect("diagnostics as JSON");
    Ok(())
}

/// The 1-based line and column (in characters) of a byte offset, lines broken as YAML breaks
/// them.
fn line_column(source: &str, offset: usize) -> (u64, u64) {
    let before = &source[..offset];
    let line = 1
        + before.matches("\r\n").count() as u64
        + before.replace("\r\n", "").matches(['\r', '\n']).count() as u64;
    let start = before.rfind(['\r', '\n']).map_or(0, |i| i + 1);
    // A byte-order mark may start any YAML document: at the start of a line the parser does
    // not count it as a column (nor does an editor show it); elsewhere, inside a scalar, it is
    // a character like any other.
    let columns = before[start..]
        .trim_start_matches('\u{feff}')
        .chars()
        .count();
    (line, 1 + columns as u64)
}

/// Lints `text` as `file` (`rules lint`: a pack, or a rule checked in the packs that use it).
fn lint(file: &str, text: &str) -> Result<bool, TestCaseError> {
    match rules::load_file(file, text) {
        Ok(_) => Ok(true),
        Err(error) => {
            check_diagnostics(file, text, &error)?;
            Ok(false)
        }
    }
}

/// An edit of a YAML file's lines, as a person editing it makes.
#[derive(Debug, Clone)]
enum LineEdit {
    Delete,
    Duplicate,
    SwapWith(Index),
    Indent(usize),
    Dedent,
    ReplaceValue(&'static str),
    InsertKey(&'static str, &'static str),
    Cut(Index),
}

const YAML_VALUES: &[&str] = &[
    "~",
    "",
    "true",
    "yes",
    "3",
    "-1",
    "4.10",
    "1e400",
    "0x1F",
    "99999999999999999999999",
    ".nan",
    "[a, 2]",
    "{x: 1}",
    "[",
    "{",
    "\"x",
    "'it''s'",
    "\"\\u0000\\t\"",
    "|\n  text",
    ">-",
    "*anchor",
    "&a value",
    "!!binary aGk=",
    "!custom x",
    "\"{{ unclosed\"",
    "\"{{ path.free_bytes }}\"",
    "path.free_bytes >=",
    "params.nope > 1",
    "host_path",
    "blocker",
    "- item",
    "# comment",
    "x: y: z",
    "\t",
    "\u{feff}",
    "é",
];

const YAML_KEYS: &[&str] = &[
    "id",
    "pack",
    "target",
    "title",
    "rules",
    "severity",
    "scope",
    "where",
    "require",
    "requirement",
    "message",
    "pass",
    "fail",
    "params",
    "parameters",
    "upgrade_paths",
    "from",
    "patch",
    "include",
    "docs",
    "x-unknown",
    "<<",
    "? complex",
];

fn line_edit() -> impl Strategy<Value = LineEdit> {
    prop_oneof![
        1 => Just(LineEdit::Delete),
        1 => Just(LineEdit::Duplicate),
        1 => any::<Index>().prop_map(LineEdit::SwapWith),
        1 => (1usize..5).prop_map(LineEdit::Indent),
        1 => Just(LineEdit::Dedent),
        3 => select(YAML_VALUES).prop_map(LineEdit::ReplaceValue),
        2 => (select(YAML_KEYS), select(YAML_VALUES)).prop_map(|(k, v)| LineEdit::InsertKey(k, v)),
        1 => any::<Index>().prop_map(LineEdit::Cut),
    ]
}

fn edit_lines(text: &str, edits: &[(Index, LineEdit)]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for (at, edit) in edits {
        if lines.is_empty() {
            break;
        }
        let i = at.index(lines.len());
        let line = lines[i].clone();
        let indent = line.len() - line.trim_start().len();
        match edit {
            LineEdit::Delete => {
                lines.remove(i);
            }
            LineEdit::Duplicate => lines.insert(i, line),
            LineEdit::SwapWith(other) => {
                let j = other.index(lines.len());
                lines.swap(i, j);
            }
            LineEdit::Indent(n) => lines[i] = format!("{}{line}", " ".repeat(*n)),
            LineEdit::Dedent => lines[i] = line.trim_start().to_string(),
            LineEdit::ReplaceValue(value) => {
                let at = line
                    .find(": ")
                    .map(|c| c + 2)
                    .or_else(|| line.find("- ").map(|d| d + 2))
                    .unwrap_or(line.len());
                lines[i] = format!("{}{value}", &line[..at]);
            }
            LineEdit::InsertKey(key, value) => {
                lines.insert(i, format!("{}{key}: {value}", &line[..indent]));
            }
            LineEdit::Cut(cut) => {
                let mut end = cut.index(line.len() + 1);
                while !line.is_char_boundary(end) {
                    end -= 1;
                }
                lines[i] = line[..end].to_string();
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// YAML text of the format's vocabulary and its punctuation.
fn yaml_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        select(YAML_KEYS).prop_map(|k| format!("{k}: ")),
        select(YAML_VALUES).prop_map(str::to_string),
        select(vec![
            "\n", "\n  ", "\n    ", "\n- ", "- ", ": ", ", ", "[", "]", "{", "}", "#", "---\n",
            "...\n", "&a ", "*a", "!!str ", "? ", "|\n", "\""
        ])
        .prop_map(str::to_string),
        "[a-z0-9 ._'\"-]{0,8}",
    ];
    prop::collection::vec(token, 0..40).prop_map(|tokens| tokens.concat())
}

/// A document of the format's vocabulary, written as YAML by serde-saphyr.
fn yaml_document() -> impl Strategy<Value = String> {
    json_value().prop_map(|v| serde_saphyr::to_string(&v).unwrap_or_default())
}

#[test]
fn the_bundled_rule_files_lint_clean() {
    for (file, text) in RULE_FILES.iter() {
        assert!(
            rules::load_file(file, text).is_ok(),
            "{file}: {:?}",
            rules::load_file(file, text).err().map(|e| e.render())
        );
    }
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn edited_rule_files_lint_or_say_where(
        seed in any::<Index>(),
        edits in prop::collection::vec((any::<Index>(), line_edit()), 1..4),
    ) {
        let (file, text) = seed.get(RULE_FILES.as_slice());
        let text = edit_lines(text, &edits);
        let _ = lint(file, &text)?;
    }

    #[test]
    fn rule_files_with_a_value_of_another_type_name_its_field(
        seed in any::<Index>(),
        at in any::<Index>(),
        edit in edit(),
    ) {
        let (file, text) = seed.get(RULE_FILES.as_slice());
        let node = serde_saphyr::from_str::<Value>(text).expect("yaml");
        let mut document = node;
        let path = apply(&mut document, at, &edit);
        prop_assume!(path.is_some());
        let path = path.unwrap_or_default();
        let text = serde_saphyr::to_string(&document).expect("yaml");
        if let Err(error) = rules::load_file(file, &text) {
            check_diagnostics(file, &text, &error)?;
            if matches!(edit, Edit::Retype(_)) {
                // The schema's complaints about the type are about the edited field, or one on
                // the way to it.
                let about_types = error
                    .diagnostics
                    .iter()
                    .filter(|d| d.file == *file && d.message.starts_with("expected "));
                for d in about_types {
                    prop_assert!(on_the_way(&d.field, &path), "edited {}: {}", display(&path), d);
                }
            }
        }
    }

    #[test]
    fn any_yaml_text_lints_or_says_where(
        text in prop_oneof![yaml_text(), yaml_document(), ".{0,120}"],
    ) {
        let _ = lint("pack.yaml", &text)?;
        if let Err(error) = rules::load_rule("rule.yaml", &text) {
            check_diagnostics("rule.yaml", &text, &error)?;
        }
    }
}

#[test]
fn a_leading_byte_order_mark_does_not_shift_positions() {
    let error = rules::load_rule("rule.yaml", "\u{feff}¡").expect_err("not a rule");
    let d = &error.diagnostics[0];
    assert_eq!((d.line, d.column), (Some(1), Some(1)), "{d}");
    assert_eq!(d.span.map(|(offset, _)| offset), Some(0), "{d}");
}
