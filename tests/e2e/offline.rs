//! `check --snapshot`, `collect --from-dump`, `host` and `rules`: what the snapshot tests
//! (snapshots.rs) do not show, such as files written, real host probes, environment variables
//! and the README.

use crate::common::{
    acp, collect_fixture, copy_tree, fixture, repo, result_of, run_with, status_of,
};

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
fn warnings_fail_only_with_fail_on_warning() {
    // The ready fixture with --fail-on warning (exit 4) is pinned by a snapshot.
    assert_eq!(check_json("ready-3.18", &["--fail-on", "blocker"]).code, 0);
    // A failed blocker still wins over warnings.
    assert_eq!(
        check_json("not-ready-3.18", &["--fail-on", "warning"]).code,
        3
    );
}

#[test]
fn no_color_wins_over_clicolor_force() {
    // The table itself, plain and with --color always, is pinned by snapshots, which run with
    // neither variable set.
    let dir = fixture("not-ready-3.18");
    let forced = run_with(
        &["check", "--snapshot", dir.to_str().expect("path")],
        &[("CLICOLOR_FORCE", "1")],
    );
    assert!(forced.stdout.contains('\u{1b}'), "CLICOLOR_FORCE colours");
    let both = run_with(
        &["check", "--snapshot", dir.to_str().expect("path")],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    );
    assert!(
        !both.stdout.contains('\u{1b}'),
        "NO_COLOR wins over CLICOLOR_FORCE"
    );
}

#[test]
fn collect_then_check_gives_the_same_results_as_the_dump() {
    let (_tmp, file) = collect_fixture("not-ready-3.18");
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
fn malformed_bundled_pack_given_to_check_names_line_and_field() {
    // `rules lint` on broken packs is pinned by snapshots; this is the bundled pack with one
    // schema error, given to `check --rules`.
    let tmp = tempfile::tempdir().expect("tempdir");
    let pack = tmp.path().join("pack.yaml");
    let text = std::fs::read_to_string(repo().join("rules/packs/acp-4.1.yaml")).expect("pack");
    std::fs::write(
        &pack,
        text.replacen(
            "  - VersionUpgradePath\n",
            "  - id: VersionUpgradePath\n    severity: fatal\n",
            1,
        ),
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
            .contains("field `rules[0].severity`: unknown value \"fatal\""),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(&format!("{}:", pack.display())));
}

/// A copy of `ready-3.18` as if this machine were its first global control-plane node (the Node
/// 192.168.130.11 renamed after this host), without recorded host facts and, unless `metrics`,
/// without node-exporter's answer: this host's probes are then that node's.
fn ready_on_this_host(metrics: bool) -> (tempfile::TempDir, std::path::PathBuf, String) {
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .expect("host name")
        .trim()
        .to_string();
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("ready-3.18");
    let skip: &[&str] = if metrics {
        &["host.json"]
    } else {
        &["host.json", "node-filesystem-metrics.json"]
    };
    copy_tree(&fixture("ready-3.18"), &dir, skip);
    let nodes = dir.join("global/nodes.json");
    let mut list: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&nodes).expect("nodes")).expect("JSON");
    for node in list["items"].as_array_mut().expect("items") {
        if node["metadata"]["name"] == "192.168.130.11" {
            node["metadata"]["name"] = hostname.clone().into();
        }
    }
    std::fs::write(&nodes, list.to_string()).expect("write");
    (tmp, dir, hostname)
}

#[test]
fn nonexistent_host_path_is_an_error_result_naming_the_path() {
    let dir = fixture("ready-3.18");
    // On a control-plane node, with nothing else measured: the failed probe is the error.
    let (_tmp, on_node, hostname) = ready_on_this_host(false);
    let run = acp(&[
        "check",
        "--snapshot",
        on_node.to_str().expect("path"),
        "-o",
        "json",
        "--minio-path",
        "/nonexistent/minio",
    ]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    let report = run.json();
    assert_eq!(status_of(&report, "MinioDiskSpace", &hostname), "error");
    let message = result_of(&report, "MinioDiskSpace", &hostname)["message"]
        .as_str()
        .expect("message");
    assert!(
        message.contains(&format!(
            "the probe on {hostname} failed: /nonexistent/minio: No such file or directory"
        )),
        "{message}"
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

/// `host --tcp` and `--resolve` probe the network from this node: a real listener connects, a
/// closed port is refused, and the file given to `check --host-facts` is what the DR checks
/// use, in place of what the snapshot recorded.
#[test]
fn host_command_probes_endpoints_for_the_dr_checks() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
    let open = listener.local_addr().expect("address").to_string();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("address")
        .to_string();
    let tmp = tempfile::tempdir().expect("tempdir");
    let minio = tmp.path().to_str().expect("path");
    let run = acp(&[
        "host",
        "--minio-path",
        minio,
        "--tcp",
        &open,
        "--tcp",
        &closed,
        "--resolve",
        "localhost",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let network = &run.json()["network"];
    assert_eq!(network["tcp"][0]["endpoint"], open.as_str());
    assert_eq!(network["tcp"][0]["connected"], true);
    assert_eq!(network["tcp"][1]["connected"], false);
    assert!(network["tcp"][1]["error"].is_string(), "{network}");
    assert_eq!(network["dns"][0]["name"], "localhost");
    assert!(
        network["dns"][0]["addresses"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );

    let bad = acp(&["host", "--tcp", "192.168.130.10"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("expected HOST:PORT"), "{}", bad.stderr);

    // The standby's VIP answers from cp-2: the file given replaces the recorded refusal.
    let file = tmp.path().join("cp-2.json");
    std::fs::write(
        &file,
        r#"{"hostname": "cp-2", "paths": [], "network": {"tcp": [
            {"endpoint": "192.168.131.10:2379", "connected": true}]}}"#,
    )
    .expect("write");
    let dr = fixture("dr-3.18");
    let check = |extra: &[&str]| {
        let mut args = vec![
            "check",
            "--snapshot",
            dr.to_str().expect("path"),
            "-o",
            "json",
        ];
        args.extend(extra);
        let report = acp(&args).json();
        result_of(&report, "DREtcdPortReachable", "platform").clone()
    };
    let recorded = check(&[]);
    assert_eq!(recorded["status"], "fail", "{recorded}");
    let merged = check(&["--host-facts", file.to_str().expect("path")]);
    assert_eq!(merged["status"], "pass", "{merged}");
    assert!(
        merged["message"]
            .as_str()
            .is_some_and(|m| m.contains("tried from acp-global-m01 (primary) and cp-2 (standby)")),
        "{merged}"
    );
}

/// The 120 GiB threshold on real filesystems: tmpfs mounts of exactly the size (root only),
/// probed on this host as a global control-plane node; node-exporter covers the other two.
#[test]
fn minio_threshold_on_real_tmpfs() {
    use test_support::{GIB, mount_tmpfs_or_skip};
    let (_tmp, dir, hostname) = ready_on_this_host(true);
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
            // No package here: only the MinIO check is about this host.
            "--skip",
            "PackageExtractionDiskSpace",
        ]);
        assert_eq!(run.code, code, "{size}: {}", run.stderr);
        let report = run.json();
        assert_eq!(
            status_of(&report, "MinioDiskSpace", &hostname),
            status,
            "{size}"
        );
        let result = result_of(&report, "MinioDiskSpace", &hostname);
        assert_eq!(result["subject"]["path"], minio.as_str());
        let expected = if status == "pass" {
            "120.0 GiB (128.8 GB)"
        } else {
            "119.9 GiB (128.7 GB)"
        };
        assert_eq!(result["observed"], expected);
        assert!(
            result["message"]
                .as_str()
                .is_some_and(|m| m.contains(&format!("statvfs on {hostname}"))),
            "{result}"
        );
        for node in ["192.168.130.12", "192.168.130.13"] {
            assert_eq!(status_of(&report, "MinioDiskSpace", node), "pass", "{node}");
        }
    }
}

#[test]
fn rules_docs_documents_every_rule_and_fact() {
    // The committed docs/rules-4.1.md is kept fresh by `cargo xtask generate` and its test;
    // this checks the command prints that reference.
    let run = acp(&["rules", "docs", "--target", "4.1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("# ACP 4.1 upgrade preconditions (`acp-4.1`)")
    );
    let list = acp(&["rules", "list", "-o", "json"]).json();
    for rule in list["rules"].as_array().expect("rules") {
        let heading = format!("\n## {}\n", rule["id"].as_str().expect("id"));
        assert!(run.stdout.contains(&heading), "{heading}");
    }
    assert!(
        run.stdout
            .contains("| `cluster.istio.revisions[].version` | string or null |")
    );
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    // `acp-preflight rules docs | head -1`: the reader goes away; `rules docs` still exits 0
    // (its exit code had stdout stayed open), with no panic and nothing on stderr.
    let mut child = crate::common::binary()
        .args(["rules", "docs"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");
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

#[test]
fn durations_are_bounded_and_accept_units() {
    // A huge value used to overflow the clock and panic; kubectl users write `2m`.
    for (value, code) in [("9223372036854775807", 2), ("0", 2), ("10ms", 2), ("2m", 0)] {
        let dir = fixture("ready-3.18");
        let run = acp(&[
            "check",
            "--snapshot",
            dir.to_str().expect("path"),
            "--probe-timeout",
            value,
            "--skip-host",
        ]);
        assert_eq!(run.code, code, "{value}: {}", run.stderr);
    }
    let run = acp(&[
        "collect",
        "-o",
        "/dev/null",
        "--request-timeout",
        "9223372036854775807",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("from 1s to 24h"), "{}", run.stderr);
}

#[test]
fn the_source_version_of_a_later_phase_is_checked_before_anything_runs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, text: &str| {
        let path = tmp.path().join(name);
        std::fs::write(&path, text).expect("write");
        path.to_str().expect("utf-8 path").to_string()
    };
    let post_report = check_json("upgraded-4.1", &["--phase", "post", "--from", "3.18.2"]);
    let post_report = write("after.json", &post_report.stdout);
    let garbage = write("garbage.json", "{\"verdict\": ");
    let mut other_target = check_json("ready-3.18", &[]).json();
    other_target["target"] = "4.2".into();
    let other_target = write("other-target.json", &other_target.to_string());
    let cases: [(&[&str], &str); 7] = [
        (
            &["--from", "3.18.2"],
            "give --from with --phase workload or --phase post",
        ),
        (
            &["--phase", "post", "--from", "3.16.2"],
            "ACP 3.16.2 has no upgrade path to 4.1",
        ),
        (
            &["--phase", "post", "--from", "three"],
            "`three` is not a version",
        ),
        (
            &["--phase", "post", "--baseline", "/nonexistent/before.json"],
            "cannot read it",
        ),
        (
            &["--phase", "post", "--baseline", &garbage],
            "not a JSON report of `acp-preflight check` (line 1",
        ),
        (
            &["--phase", "post", "--baseline", &post_report],
            "it is a report of the post phase",
        ),
        (
            &["--phase", "post", "--baseline", &other_target],
            "it was made for target 4.2, not 4.1",
        ),
    ];
    for (args, expected) in cases {
        let run = check_json("upgraded-4.1", args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
    // A pack without the phase says which phases it has.
    let pack = write(
        "pre-only.yaml",
        std::fs::read_to_string(repo().join("rules/packs/acp-4.1.yaml"))
            .expect("pack")
            .split("\nphases:")
            .next()
            .expect("pre part"),
    );
    let run = check_json(
        "upgraded-4.1",
        &["--rules", &pack, "--phase", "post", "--from", "3.18.2"],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("--phase post: pack acp-4.1 has no rules for that phase (it has: pre)"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_target_is_named_as_a_version_or_chosen_by_the_installed_one() {
    // (fixture, --target, the target checked, whether the report says it was chosen)
    let cases: &[(&str, Option<&str>, &str, bool)] = &[
        ("ready-3.18", None, "4.1", true),
        ("ready-3.16", None, "4.0", true),
        ("ready-4.1", None, "4.3", true),
        ("ready-4.1", Some("4.2"), "4.2", false),
        ("ready-4.1", Some("v4.2"), "4.2", false),
        ("ready-4.1", Some("4.2.1"), "4.2", false),
        // The preview is used only when named.
        ("ready-4.3", None, "4.3", true),
        ("ready-4.3", Some("4.4"), "4.4", false),
    ];
    for (fixture_name, target, expected, chosen) in cases {
        let dir = fixture(fixture_name);
        let mut args = vec![
            "check",
            "--snapshot",
            dir.to_str().expect("path"),
            "-o",
            "json",
        ];
        if let Some(target) = target {
            args.extend(["--target", target]);
        }
        let run = acp(&args);
        let report = run.json();
        assert_eq!(report["target"], *expected, "{fixture_name} {target:?}");
        assert_eq!(
            report["pack"]["chosen"].is_string(),
            *chosen,
            "{fixture_name} {target:?}: {}",
            report["pack"]
        );
        assert_eq!(report["pack"]["preview"] == true, *expected == "4.4");
    }
    // Not a version, or no pack for it: a usage error naming the bundled targets.
    for (target, says) in [
        ("four", "is not an ACP version"),
        ("5.0", "no rule pack for target 5.0"),
    ] {
        let dir = fixture("ready-3.18");
        let run = acp(&[
            "check",
            "--snapshot",
            dir.to_str().expect("path"),
            "--target",
            target,
        ]);
        assert_eq!(run.code, 2, "{target}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{target}: {}", run.stderr);
    }
    // A 4.3 platform checked for 4.3 (no newer stable pack) fails its path: a patch upgrade
    // needs the 4.3 pack's 4.3 path, which it has.
    let run = check_json("ready-4.3", &[]);
    assert_eq!(
        result_of(&run.json(), "VersionUpgradePath", "platform")["status"],
        "pass"
    );
}

#[test]
fn every_bundled_pack_passes_rules_lint() {
    for entry in std::fs::read_dir(repo().join("rules/packs"))
        .expect("packs")
        .flatten()
    {
        let run = acp(&["rules", "lint", entry.path().to_str().expect("path")]);
        assert_eq!(
            run.code,
            0,
            "{}: {}{}",
            entry.path().display(),
            run.stdout,
            run.stderr
        );
        assert!(run.stdout.contains(": ok, pack acp-"), "{}", run.stdout);
    }
}
