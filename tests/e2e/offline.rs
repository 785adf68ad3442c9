//! `check --snapshot`, `collect --from-dump`, `rules` and bad input, on the bundled fixtures.

use crate::common::{acp, assert_statuses, fixture, repo, result_of, run_with, status_of};

fn check_json(scenario: &str, extra: &[&str]) -> crate::common::Run {
    let dir = fixture(scenario);
    let mut args = vec![
        "check",
        "--snapshot",
        dir.to_str().expect("utf-8 path"),
        "-o",
        "json",
    ];
    args.extend_from_slice(extra);
    acp(&args)
}

#[test]
fn ready_platform_exits_0_with_a_complete_report() {
    let run = check_json("ready-3.18", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["tool"]["name"], "acp-preflight");
    assert_eq!(report["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(report["target"], "4.1");
    assert_eq!(report["source"]["kind"], "kubectl-dump");
    assert!(
        report["generated_at"]
            .as_str()
            .is_some_and(|t| t.starts_with("20"))
    );
    assert_eq!(report["verdict"], "ready");
    assert_eq!(report["summary"]["fail"], 0);
    assert_eq!(report["summary"]["error"], 0);
    let first = &report["results"][0];
    for field in [
        "rule",
        "severity",
        "status",
        "subject",
        "observed",
        "expected",
        "message",
        "remediation",
        "docs",
    ] {
        assert!(
            first.get(field).is_some(),
            "result field {field} is missing: {first}"
        );
    }
    assert_statuses(
        &report,
        &[
            ("KubernetesVersionSupported", "eks-1", "pass"),
            ("ManagedClusterKubernetesByProvider", "eks-1", "warn"),
        ],
    );
    assert!(
        report["facts"]["clusters"]["value"]
            .as_array()
            .is_some_and(|c| c.len() == 3)
    );
}

#[test]
fn each_blocker_exits_3_naming_the_subject() {
    let run = check_json("not-ready-3.18", &[]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["verdict"], "not_ready");
    assert_statuses(
        &report,
        &[
            ("KubernetesVersionSupported", "global", "fail"),
            ("KubernetesVersionSupported", "prod-1", "pass"),
            ("IstioVersionSupported", "prod-1", "fail"),
            ("DeprecatedCostPluginsAbsent", "prod-1", "fail"),
            ("ElasticsearchNodeRolesFixed", "global", "fail"),
            ("MinioDiskSpace", "/cpaas/minio", "fail"),
            ("PackageExtractionDiskSpace", "/data/upgrade", "fail"),
        ],
    );
    let kube = result_of(&report, "KubernetesVersionSupported", "global");
    assert_eq!(kube["observed"], "v1.29.9");
    assert_eq!(kube["expected"], ">= 1.30");
    assert!(kube["remediation"].as_str().is_some_and(|r| !r.is_empty()));

    let run = check_json("unsupported-3.16", &[]);
    assert_eq!(run.code, 3);
    assert_eq!(
        status_of(&run.json(), "VersionUpgradePath", "platform"),
        "fail"
    );
}

#[test]
fn unevaluated_checks_exit_5_never_pass() {
    let run = check_json("incomplete", &[]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["verdict"], "incomplete");
    assert_statuses(
        &report,
        &[
            ("DeprecatedCostPluginsAbsent", "global", "error"),
            ("IstioVersionSupported", "prod-1", "error"),
        ],
    );
    let message = result_of(&report, "DeprecatedCostPluginsAbsent", "global")["message"]
        .as_str()
        .expect("message");
    assert!(
        message.contains("403") && message.contains("list moduleinfoes.cluster.alauda.io"),
        "{message}"
    );
}

#[test]
fn warnings_fail_only_with_fail_on_warning() {
    assert_eq!(check_json("ready-3.18", &["--fail-on", "warning"]).code, 4);
    assert_eq!(check_json("ready-3.18", &["--fail-on", "blocker"]).code, 0);
    // A failed blocker still wins over warnings.
    assert_eq!(
        check_json("not-ready-3.18", &["--fail-on", "warning"]).code,
        3
    );
}

#[test]
fn the_table_groups_by_scope_and_ends_with_the_verdict() {
    let dir = fixture("not-ready-3.18");
    let run = acp(&["check", "--snapshot", dir.to_str().expect("path")]);
    assert_eq!(run.code, 3);
    for section in [
        "\nPlatform\n",
        "\nClusters\n",
        "\nHost\n",
        "\nWhat to do (blockers first)\n",
    ] {
        assert!(
            run.stdout.contains(section),
            "missing {section:?}:\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout
            .trim_end()
            .ends_with("Verdict: NOT READY: fix the failed blockers above before upgrading")
    );
    assert!(
        run.stdout
            .contains("21 results: 7 pass, 8 fail, 3 warn, 0 error, 3 skipped"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains('\u{1b}'),
        "no colour when stdout is not a terminal"
    );

    let coloured = run_with(
        &[
            "check",
            "--snapshot",
            dir.to_str().expect("path"),
            "--color",
            "always",
        ],
        &[],
    );
    assert!(coloured.stdout.contains('\u{1b}'), "--color always colours");
    let forced = run_with(
        &["check", "--snapshot", dir.to_str().expect("path")],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    );
    assert!(
        !forced.stdout.contains('\u{1b}'),
        "NO_COLOR wins over CLICOLOR_FORCE"
    );
}

#[test]
fn collect_then_check_gives_the_same_results_as_the_dump() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("snapshot.json");
    let dir = fixture("not-ready-3.18");
    let collected = acp(&[
        "collect",
        "--from-dump",
        dir.to_str().expect("path"),
        "-o",
        file.to_str().expect("path"),
    ]);
    assert_eq!(collected.code, 0, "{}", collected.stderr);
    let from_dir = check_json("not-ready-3.18", &[]).json();
    let from_file = acp(&[
        "check",
        "--snapshot",
        file.to_str().expect("path"),
        "-o",
        "json",
    ]);
    assert_eq!(from_file.code, 3);
    let from_file = from_file.json();
    assert_eq!(from_file["source"]["kind"], "snapshot");
    // Env values that facts do not read never enter a snapshot (they may hold passwords).
    let text = std::fs::read_to_string(&file).expect("snapshot");
    assert!(
        !text.contains("-Xmx1g -Xms1g"),
        "KAFKA_HEAP_OPTS leaked into the snapshot"
    );
    assert!(text.contains("\"<redacted>\""));
    assert!(text.contains("\"node.master\""));
    assert_eq!(from_file["results"], from_dir["results"]);
    assert_eq!(from_file["facts"], from_dir["facts"]);
}

#[test]
fn report_file_is_written_alongside_the_table() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("report.json");
    let dir = fixture("ready-3.18");
    let run = acp(&[
        "check",
        "--snapshot",
        dir.to_str().expect("path"),
        "--report-file",
        file.to_str().expect("path"),
    ]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("Verdict: READY"));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("report")).expect("json");
    assert_eq!(report["verdict"], "ready");
}

#[test]
fn malformed_snapshot_is_an_input_error_naming_file_and_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("broken.json");
    std::fs::write(
        &file,
        "{\n  \"format\": \"acp-preflight/snapshot\",\n  \"format_version\": 1,\n  oops\n}\n",
    )
    .expect("write");
    let run = acp(&["check", "--snapshot", file.to_str().expect("path")]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(&format!("{}:4:", file.display())),
        "{}",
        run.stderr
    );

    std::fs::write(
        &file,
        "{\"format\": \"acp-preflight/snapshot\", \"format_version\": 99}",
    )
    .expect("write");
    let run = acp(&["check", "--snapshot", file.to_str().expect("path")]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("format version 99 is not supported"),
        "{}",
        run.stderr
    );

    std::fs::write(&file, "{\"kind\": \"List\", \"items\": []}").expect("write");
    let run = acp(&["check", "--snapshot", file.to_str().expect("path")]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("not an acp-preflight snapshot"),
        "{}",
        run.stderr
    );

    let run = acp(&["check", "--snapshot", "/nonexistent/snapshot.json"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("/nonexistent/snapshot.json"),
        "{}",
        run.stderr
    );

    let run = acp(&["check", "--snapshot", tmp.path().to_str().expect("path")]);
    assert_eq!(run.code, 2, "a directory without global/ is not a dump");
    assert!(
        run.stderr.contains("no `global/` subdirectory"),
        "{}",
        run.stderr
    );
}

#[test]
fn malformed_host_facts_in_a_dump_name_the_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(tmp.path().join("global")).expect("mkdir");
    std::fs::write(tmp.path().join("host.json"), "{\"hostname\": 3}").expect("write");
    let run = acp(&["check", "--snapshot", tmp.path().to_str().expect("path")]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("host.json:1:"), "{}", run.stderr);
}

#[test]
fn malformed_rule_pack_is_an_input_error_naming_line_and_field() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pack = tmp.path().join("pack.yaml");
    let text = std::fs::read_to_string(repo().join("rules/acp-4.1.yaml")).expect("pack");
    std::fs::write(
        &pack,
        text.replacen("severity: blocker", "severity: fatal", 1),
    )
    .expect("write");
    let dir = fixture("ready-3.18");
    let run = acp(&[
        "check",
        "--snapshot",
        dir.to_str().expect("path"),
        "--rules",
        pack.to_str().expect("path"),
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("field `severity`: unknown variant `fatal`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(&format!("{}:", pack.display())));

    let lint = acp(&["rules", "lint", pack.to_str().expect("path")]);
    assert_eq!(lint.code, 2);
    assert!(lint.stderr.contains("field `severity`"), "{}", lint.stderr);

    let ok = acp(&[
        "rules",
        "lint",
        repo().join("rules/acp-4.1.yaml").to_str().expect("path"),
    ]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(
        ok.stdout.contains("ok, pack acp-4.1 (target 4.1), 9 rules"),
        "{}",
        ok.stdout
    );
}

#[test]
fn unknown_rule_target_and_flag_are_usage_errors() {
    let run = acp(&["rules", "explain", "NoSuchRule"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown rule ID `NoSuchRule`")
            && run.stderr.contains("MinioDiskSpace"),
        "{}",
        run.stderr
    );
    let run = acp(&["check", "--target", "9.9", "--snapshot", "x"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no rule pack for target 9.9"),
        "{}",
        run.stderr
    );
    let run = acp(&["check", "--no-such-flag"]);
    assert_eq!(run.code, 2);
    let run = acp(&["check", "--fail-on", "sometimes"]);
    assert_eq!(run.code, 2);
    // Cluster-access flags mean nothing with recorded input: refused, not silently ignored.
    let dir = fixture("ready-3.18");
    let run = acp(&[
        "check",
        "--snapshot",
        dir.to_str().expect("path"),
        "--context",
        "prod",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
}

#[test]
fn nonexistent_host_path_is_an_error_result_naming_the_path() {
    let dir = fixture("ready-3.18");
    let run = check_json("ready-3.18", &["--minio-path", "/nonexistent/minio"]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    let report = run.json();
    assert_eq!(
        status_of(&report, "MinioDiskSpace", "/nonexistent/minio"),
        "error"
    );
    assert!(
        run.stdout
            .contains("/nonexistent/minio: No such file or directory"),
        "{}",
        run.stdout
    );

    // A missing package file makes the extraction check an error too, naming the file.
    let tmp = tempfile::tempdir().expect("tempdir");
    let package = tmp.path().join("missing.tgz");
    let run = acp(&[
        "check",
        "--snapshot",
        dir.to_str().expect("path"),
        "-o",
        "json",
        "--package",
        package.to_str().expect("path"),
        "--extract-dir",
        tmp.path().to_str().expect("path"),
    ]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    let extraction = crate::common::statuses(&run.json(), "PackageExtractionDiskSpace");
    assert!(
        !extraction.is_empty() && extraction.iter().all(|(_, s)| s == "error"),
        "{extraction:?}"
    );
    assert!(
        run.stdout
            .contains("missing.tgz: No such file or directory"),
        "{}",
        run.stdout
    );
}

#[test]
fn host_command_prints_real_filesystem_facts() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let package = tmp.path().join("cpaas.tgz");
    std::fs::write(&package, vec![0u8; 4096]).expect("write");
    let extract = tmp.path().join("out");
    std::fs::create_dir(&extract).expect("mkdir");
    let run = acp(&[
        "host",
        "--minio-path",
        tmp.path().to_str().expect("path"),
        "--package",
        package.to_str().expect("path"),
        "--extract-dir",
        extract.to_str().expect("path"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let facts = run.json();
    assert_eq!(facts["package"]["size_bytes"], 4096);
    let paths = facts["paths"].as_array().expect("paths");
    assert_eq!(paths.len(), 3);
    for path in paths {
        assert!(
            path["filesystem"]["free_bytes"]
                .as_u64()
                .is_some_and(|f| f > 0),
            "{path}"
        );
        assert_eq!(
            path["filesystem"]["shared_with"].as_array().map(Vec::len),
            Some(2),
            "{path}"
        );
    }
}

/// The 120 GiB threshold on real filesystems: tmpfs mounts of exactly the size (root only).
#[test]
fn minio_threshold_on_real_tmpfs() {
    use test_support::{GIB, mount_tmpfs_or_skip};
    let dir = fixture("ready-3.18");
    for (size, code, status) in [
        (120 * GIB - 100 * (1 << 20), 3, "fail"),
        (120 * GIB, 0, "pass"),
    ] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let Some(mount) = mount_tmpfs_or_skip(tmp.path(), size).expect("mount") else {
            return;
        };
        let minio = mount.path().to_str().expect("path").to_string();
        let run = acp(&[
            "check",
            "--snapshot",
            dir.to_str().expect("path"),
            "-o",
            "json",
            "--minio-path",
            &minio,
        ]);
        assert_eq!(run.code, code, "{size}: {}", run.stderr);
        let report = run.json();
        assert_eq!(
            status_of(&report, "MinioDiskSpace", &minio),
            status,
            "{size}"
        );
        let observed = &result_of(&report, "MinioDiskSpace", &minio)["observed"];
        let expected = if status == "pass" {
            "120.0 GiB (128.8 GB)"
        } else {
            "119.9 GiB (128.7 GB)"
        };
        assert_eq!(observed, expected);
    }
}

#[test]
fn help_documents_exit_codes_and_version_prints() {
    let run = acp(&["check", "--help"]);
    assert_eq!(run.code, 0);
    for line in [
        "0  ready",
        "2  usage or input error",
        "3  not ready",
        "4  warnings only",
        "5  incomplete",
    ] {
        assert!(run.stdout.contains(line), "--help lacks {line:?}");
    }
    let version = acp(&["--version"]);
    assert_eq!(
        version.stdout.trim(),
        format!("acp-preflight {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn rules_list_and_explain_come_from_the_pack() {
    let list = acp(&["rules", "list", "-o", "json"]);
    assert_eq!(list.code, 0);
    let ids: Vec<String> = list.json()["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(ids.len(), 9);
    assert!(ids.contains(&"PackageExtractionDiskSpace".to_string()));
    let explain = acp(&["rules", "explain", "MinioDiskSpace"]);
    assert_eq!(explain.code, 0);
    assert!(
        explain.stdout.contains("path.free_bytes >= gib(120)"),
        "{}",
        explain.stdout
    );
    assert!(explain.stdout.contains("How to fix"));
}

#[test]
fn generated_rule_docs_are_up_to_date() {
    let run = acp(&["rules", "docs", "--target", "4.1"]);
    assert_eq!(run.code, 0);
    let file = repo().join("docs/rules-4.1.md");
    let committed = std::fs::read_to_string(&file).unwrap_or_default();
    if committed != run.stdout {
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&file, &run.stdout).expect("write docs");
        } else {
            panic!(
                "docs/rules-4.1.md is stale: run `UPDATE_DOCS=1 cargo test generated_rule_docs` to regenerate it"
            );
        }
    }
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    // `acp-preflight rules docs | head -1`: the reader goes away; exit 0, no panic.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_acp-preflight"))
        .args(["rules", "docs"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn the_readme_lists_every_rule_of_the_pack() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README");
    let list = acp(&["rules", "list", "-o", "json"]).json();
    for rule in list["rules"].as_array().expect("rules") {
        let id = rule["id"].as_str().expect("id");
        assert!(
            readme.contains(&format!("| `{id}` |")),
            "README.md does not list {id}"
        );
    }
}
