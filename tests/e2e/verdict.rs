//! READY means ready: a check whose input is missing is `error` saying what to give, never
//! `skipped`; exclusions are the operator's, named, and shown in the verdict; host facts add
//! up instead of replacing each other.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{Run, acp, copy_tree, fixture};

/// A copy of a fixture's dump directory, without its `host.json` and without node-exporter's
/// answer: no control-plane node's free space is known.
fn without_host_facts(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join(name);
    copy_tree(
        &fixture(name),
        &dir,
        &["host.json", "node-filesystem-metrics.json"],
    );
    (tmp, dir)
}

fn check(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "check",
        "--snapshot",
        dir.to_str().expect("utf-8"),
        "-o",
        "json",
    ];
    args.extend_from_slice(extra);
    acp(&args)
}

/// The (status, message) of every result of a rule.
fn results(report: &Value, rule: &str) -> Vec<(String, String)> {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["rule"] == rule)
        .map(|r| {
            (
                r["status"].as_str().unwrap_or_default().to_string(),
                r["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn without_host_facts_the_disk_blockers_are_errors_and_the_run_is_incomplete() {
    let (_tmp, dir) = without_host_facts("ready-3.18");
    let run = check(&dir, &[]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["verdict"], "incomplete");
    // One result per global control-plane node for MinIO, one for the extraction directory.
    for (rule, count) in [("MinioDiskSpace", 3), ("PackageExtractionDiskSpace", 1)] {
        let found = results(&report, rule);
        assert_eq!(found.len(), count, "{rule}: {found:?}");
        for (status, message) in found {
            assert_eq!(status, "error", "{rule}");
            assert!(message.contains("--skip-host"), "{rule}: {message}");
        }
    }
}

#[test]
fn skip_host_excludes_the_host_checks_and_says_so_in_the_verdict() {
    let (_tmp, dir) = without_host_facts("ready-3.18");
    let run = check(&dir, &["--skip-host"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["verdict"], "ready");
    assert_eq!(report["summary"]["excluded"], 2);
    for rule in ["MinioDiskSpace", "PackageExtractionDiskSpace"] {
        assert_eq!(results(&report, rule)[0].0, "excluded", "{rule}");
    }
    let table = acp(&[
        "check",
        "--snapshot",
        dir.to_str().expect("utf-8"),
        "--skip-host",
        "--color",
        "never",
    ]);
    assert!(
        table.stdout.contains(
            "Verdict: READY, 2 checks excluded (MinioDiskSpace, PackageExtractionDiskSpace):"
        ),
        "{}",
        table.stdout
    );
}

#[test]
fn skip_names_rules_and_rejects_unknown_ones() {
    let dir = fixture("not-ready-3.18");
    let run = check(&dir, &["--skip", "VersionUpgradePath"]);
    let report = run.json();
    let table: Vec<(&str, &str)> = [
        ("VersionUpgradePath", "excluded"),
        // It requires the excluded rule, so it is excluded too, and says why.
        ("KubernetesVersionSupported", "excluded"),
        ("IstioVersionSupported", "excluded"),
    ]
    .into_iter()
    .collect();
    for (rule, status) in table {
        let found = results(&report, rule);
        assert!(found.iter().all(|(s, _)| s == status), "{rule}: {found:?}");
    }
    // Rules that do not depend on it still run.
    let cost = results(&report, "DeprecatedCostPluginsAbsent");
    assert!(cost.iter().any(|(s, _)| s == "fail"), "{cost:?}");
    assert!(
        results(&report, "KubernetesVersionSupported")[0]
            .1
            .contains("requires VersionUpgradePath")
    );
    let run = check(&dir, &["--skip", "MinoDiskSpace"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("did you mean `MinioDiskSpace`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_package_without_an_extraction_directory_is_an_error_not_a_pass() {
    let (tmp, dir) = without_host_facts("ready-3.18");
    let package = tmp.path().join("cpaas.tgz");
    std::fs::write(&package, b"package").expect("package");
    let run = check(
        &dir,
        &[
            "--package",
            package.to_str().expect("utf-8"),
            "--skip",
            "MinioDiskSpace",
        ],
    );
    assert_eq!(run.code, 5, "{}", run.stderr);
    let found = results(&run.json(), "PackageExtractionDiskSpace");
    assert!(!found.is_empty());
    assert!(
        found
            .iter()
            .all(|(s, m)| s == "error" && m.contains("--extract-dir")),
        "{found:?}"
    );
}

#[test]
fn probing_paths_keeps_the_recorded_host_facts() {
    // The README example: a dump's host facts (with /cpaas/minio) plus this host's package and
    // extraction directory. The MinIO result of the recorded node still comes from its facts.
    let tmp = tempfile::tempdir().expect("tempdir");
    let package = tmp.path().join("cpaas.tgz");
    std::fs::write(&package, b"package").expect("package");
    let extract = tmp.path().join("upgrade");
    std::fs::create_dir(&extract).expect("extract dir");
    let run = check(
        &fixture("ready-3.18"),
        &[
            "--package",
            package.to_str().expect("utf-8"),
            "--extract-dir",
            extract.to_str().expect("utf-8"),
        ],
    );
    let report = run.json();
    let minio = results(&report, "MinioDiskSpace");
    assert_eq!(minio.len(), 3, "one per control-plane node: {minio:?}");
    assert!(
        minio.iter().all(|(status, _)| status == "pass"),
        "{minio:?}"
    );
    assert!(
        minio[0].1.contains("statvfs on acp-global-m01"),
        "{minio:?}"
    );
}

#[test]
fn host_facts_of_another_node_are_used_and_bad_files_are_usage_errors() {
    let (_tmp, dir) = without_host_facts("ready-3.18");
    let host_json = fixture("ready-3.18").join("host.json");
    let run = check(&dir, &["--host-facts", host_json.to_str().expect("utf-8")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["verdict"], "ready");

    let clusters_json = fixture("ready-3.18").join("global/clusters.json");
    let tmp = tempfile::tempdir().expect("tempdir");
    let broken = tmp.path().join("host.json");
    std::fs::write(&broken, "{\"hostname\": \"cp-2\", \"paths\": [").expect("write");
    for file in [clusters_json, broken, tmp.path().join("missing.json")] {
        let run = check(&dir, &["--host-facts", file.to_str().expect("utf-8")]);
        assert_eq!(run.code, 2, "{}: {}", file.display(), run.stderr);
        assert!(
            run.stderr.contains(file.to_str().expect("utf-8")),
            "the file is named: {}",
            run.stderr
        );
    }
}

#[test]
fn an_extraction_directory_that_cannot_be_probed_is_an_error_not_a_pass() {
    let (tmp, dir) = without_host_facts("ready-3.18");
    let package = tmp.path().join("cpaas.tgz");
    std::fs::write(&package, b"package").expect("package");
    let missing = tmp.path().join("no-such-dir");
    let run = check(
        &dir,
        &[
            "--package",
            package.to_str().expect("utf-8"),
            "--extract-dir",
            missing.to_str().expect("utf-8"),
            "--skip",
            "MinioDiskSpace",
        ],
    );
    assert_eq!(run.code, 5, "{}", run.stderr);
    let found = results(&run.json(), "PackageExtractionDiskSpace");
    assert!(!found.is_empty());
    assert!(found.iter().all(|(s, _)| s == "error"), "{found:?}");
}

#[test]
fn a_list_answer_with_items_that_are_not_objects_is_not_used() {
    let (_tmp, dir) = without_host_facts("not-ready-3.18");
    let file = dir.join("global/moduleinfoes.json");
    let mut list: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
    list["items"]
        .as_array_mut()
        .expect("items")
        .push("oops".into());
    std::fs::write(&file, list.to_string()).expect("write");
    let run = check(&dir, &["--skip-host"]);
    let found = results(&run.json(), "DeprecatedCostPluginsAbsent");
    assert!(
        found
            .iter()
            .all(|(s, m)| s == "error" && m.contains("not a Kubernetes object")),
        "{found:?}"
    );
    // The other blockers still fail: not ready, never ready.
    assert_eq!(run.code, 3, "{}", run.stderr);
}
