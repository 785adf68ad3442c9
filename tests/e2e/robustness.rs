//! Defects found by the fault campaign (issue 8, item 5): each case failed before its fix.

use std::process::Stdio;

use serde_json::Value;

use crate::common::{acp, collect_fixture, fixture, repo};

/// Runs the binary with a stdout whose reader is already gone (`| head` that has exited before
/// the first write), and returns its exit code and stderr.
fn run_with_closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let output = crate::common::binary()
        .args(args)
        .current_dir(repo())
        .env_remove("CLICOLOR_FORCE")
        .env_remove("NO_COLOR")
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run acp-preflight");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_closed_stdout_keeps_the_verdicts_exit_code() {
    // `acp-preflight check --snapshot fixtures/not-ready-3.18 | head -1` must still say "not
    // ready" to the shell (`set -o pipefail`), not 0.
    for (scenario, format, code) in [
        ("not-ready-3.18", "table", 3),
        ("not-ready-3.18", "json", 3),
        ("incomplete", "table", 5),
        ("ready-3.18", "table", 0),
        ("ready-3.18", "json", 0),
    ] {
        let dir = fixture(scenario);
        let dir = dir.to_str().expect("path");
        let args = ["check", "--snapshot", dir, "-o", format];
        let open = acp(&args);
        assert_eq!(open.code, code, "{scenario} -o {format}: {}", open.stderr);
        let (closed, stderr) = run_with_closed_stdout(&args);
        assert_eq!(closed, Some(code), "{scenario} -o {format}: {stderr}");
        // Nothing more on stderr than with an open stdout: no panic, no "error".
        assert_eq!(stderr, open.stderr, "{scenario} -o {format}");
    }
}

#[test]
fn a_closed_stdout_keeps_a_usage_errors_exit_code() {
    // `rules lint -o json` prints its diagnostics on stdout and exits 2 for a bad file.
    let args = [
        "rules",
        "lint",
        "-o",
        "json",
        "tests/e2e/data/lint/bad-severity.yaml",
    ];
    let (code, stderr) = run_with_closed_stdout(&args);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(stderr, "");
    // A usage error found before any output is unchanged.
    let (code, stderr) = run_with_closed_stdout(&["check", "--snapshot", "no/such/dir"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
}

/// Every `(JSON pointer, value)` under `value` whose last key is one of `keys`.
fn find<'a>(value: &'a Value, keys: &[&str], at: String, found: &mut Vec<(String, &'a Value)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = format!("{at}/{key}");
                if keys.contains(&key.as_str()) {
                    found.push((path.clone(), child));
                }
                find(child, keys, path, found);
            }
        }
        Value::Array(list) => {
            for (i, child) in list.iter().enumerate() {
                find(child, keys, format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

#[test]
fn collect_redacts_container_args_and_annotations() {
    // `--password=...` in a container's args, or configuration in an annotation, must not
    // leave the customer's site in a snapshot; the facts do not read them.
    let (_tmp, file) = collect_fixture("not-ready-3.18");
    let text = std::fs::read_to_string(&file).expect("snapshot");
    let snapshot: Value = serde_json::from_str(&text).expect("JSON");
    // Both are in the fixture's files: an istiod argument, a Cluster's annotation value.
    for leaked in ["--monitoringAddr=:15014", "\"containerd\""] {
        assert!(!text.contains(leaked), "{leaked} is in the snapshot");
    }

    let mut words = Vec::new();
    find(&snapshot, &["args", "command"], String::new(), &mut words);
    assert!(!words.is_empty(), "the fixture has container args");
    for (path, list) in &words {
        let list = list
            .as_array()
            .unwrap_or_else(|| panic!("{path} is a list"));
        assert!(!list.is_empty(), "{path} keeps its length");
        assert!(list.iter().all(|w| w == "<redacted>"), "{path}: {list:?}");
    }

    let mut annotations = Vec::new();
    find(&snapshot, &["annotations"], String::new(), &mut annotations);
    let mut kept = 0;
    for (path, map) in &annotations {
        for (key, value) in map.as_object().unwrap_or_else(|| panic!("{path}")) {
            if [
                "cpaas.io/module-name",
                "cpaas.io/display-name",
                "cpaas.io/network-type",
            ]
            .contains(&key.as_str())
            {
                assert_ne!(value, "<redacted>", "{path}/{key}: facts read it");
                kept += 1;
            } else {
                assert_eq!(value, "<redacted>", "{path}/{key}");
            }
        }
    }
    assert!(kept > 0, "the plugins' display names are kept");

    // The facts and results are those of the dump directory itself.
    let from_file = acp(&[
        "check",
        "--snapshot",
        file.to_str().expect("path"),
        "-o",
        "json",
    ]);
    let from_dir = acp(&[
        "check",
        "--snapshot",
        fixture("not-ready-3.18").to_str().expect("path"),
        "-o",
        "json",
    ]);
    assert_eq!(from_file.code, from_dir.code);
    assert_eq!(from_file.json()["facts"], from_dir.json()["facts"]);
    assert_eq!(from_file.json()["results"], from_dir.json()["results"]);
}
