//! `acp-preflight plan`: the order of work on the bundled fixtures, its exit codes, the wave
//! size, a standby global, and snapshots of the table and the JSON of every fixture (the
//! conventions of `snapshots.rs`: a clean environment, relative paths from the repository
//! root; `INSTA_UPDATE=always` then `git diff` to review).

use insta_cmd::assert_cmd_snapshot;
use serde_json::Value;

use crate::common::{Run, acp, collect_fixture, repo};
use crate::snapshots::{acp as acp_cmd, check_args, scenario, settings, with_suffix};

/// `plan -o json` of a fixture, with extra arguments.
fn plan_json(fixture: &str, extra: &[&str]) -> (Run, Value) {
    let dir = repo().join("fixtures").join(fixture);
    let mut args = vec![
        "plan",
        "--snapshot",
        dir.to_str().expect("path"),
        "-o",
        "json",
    ];
    // The arguments the fixture is checked with (its target), unless the test gives its own.
    let fixture_args = check_args(fixture);
    if !fixture_args
        .iter()
        .any(|a| a.starts_with("--") && extra.contains(&a.as_str()))
    {
        args.extend(fixture_args.iter().map(String::as_str));
    }
    args.extend_from_slice(extra);
    let run = acp(&args);
    let json = run.json();
    (run, json)
}

/// The clusters of each workload wave.
fn waves(plan: &Value) -> Vec<Vec<String>> {
    steps(plan)
        .iter()
        .filter(|s| s["kind"] == "workload-wave")
        .map(|s| names(&s["clusters"]))
        .collect()
}

fn steps(plan: &Value) -> &Vec<Value> {
    plan["steps"].as_array().expect("steps")
}

fn names(clusters: &Value) -> Vec<String> {
    clusters
        .as_array()
        .expect("clusters")
        .iter()
        .map(|c| c["name"].as_str().expect("name").to_string())
        .collect()
}

/// The held-back clusters, each with its reasons as `(rule, status)`.
fn held_back(plan: &Value) -> Vec<(String, Vec<(String, String)>)> {
    plan["held_back"]
        .as_array()
        .expect("held_back")
        .iter()
        .map(|h| {
            let reasons = h["reasons"]
                .as_array()
                .expect("reasons")
                .iter()
                .map(|r| {
                    assert!(!r["message"].as_str().unwrap_or_default().is_empty(), "{r}");
                    (
                        r["rule"].as_str().expect("rule").to_string(),
                        r["status"].as_str().expect("status").to_string(),
                    )
                })
                .collect();
            (h["cluster"].as_str().expect("cluster").to_string(), reasons)
        })
        .collect()
}

#[test]
fn a_ready_platform_is_the_global_then_one_wave() {
    let (run, plan) = plan_json("ready-3.18", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(plan["schema_version"], 1);
    assert_eq!(plan["wave_size"], 20);
    assert_eq!(plan["verdict"], "ready");
    let kinds: Vec<&str> = steps(&plan)
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["global", "workload-wave"]);
    assert_eq!(names(&steps(&plan)[0]["clusters"]), ["global"]);
    assert_eq!(waves(&plan), [["eks-1", "prod-1"]]);
    assert!(held_back(&plan).is_empty());
    assert!(steps(&plan).iter().all(|s| s["waits_for_global"] == false));
    // The warnings and information are shown with their cluster.
    let eks = &steps(&plan)[1]["clusters"][0];
    let rules: Vec<&str> = eks["advisories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "KubernetesUpgradeRestartsPods",
            "ManagedClusterKubernetesByProvider"
        ]
    );
}

#[test]
fn wave_size_1_puts_one_cluster_in_each_wave() {
    let (run, plan) = plan_json("ready-3.18", &["--wave-size", "1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(plan["wave_size"], 1);
    assert_eq!(waves(&plan), [["eks-1"], ["prod-1"]]);
    let numbers: Vec<(u64, Option<u64>)> = steps(&plan)
        .iter()
        .map(|s| (s["number"].as_u64().unwrap(), s["wave"].as_u64()))
        .collect();
    assert_eq!(numbers, [(1, None), (2, Some(1)), (3, Some(2))]);
}

#[test]
fn wave_sizes_the_guide_does_not_allow_are_usage_errors() {
    for size in ["21", "0", "many"] {
        let dir = repo().join("fixtures/ready-3.18");
        let run = acp(&[
            "plan",
            "--snapshot",
            dir.to_str().unwrap(),
            "--wave-size",
            size,
        ]);
        assert_eq!(run.code, 2, "--wave-size {size}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{}", run.stdout);
        assert!(run.stderr.contains("--wave-size"), "{}", run.stderr);
        if size == "21" {
            assert!(run.stderr.contains("at most 20"), "{}", run.stderr);
        }
    }
}

#[test]
fn a_not_ready_platform_holds_back_every_failing_cluster_with_its_reasons() {
    let (run, plan) = plan_json("not-ready-3.18", &[]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(plan["verdict"], "blocked");
    let held = held_back(&plan);
    let clusters: Vec<&str> = held.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(clusters, ["global", "edge-1", "prod-1"]);
    let global: Vec<&str> = held[0].1.iter().map(|(rule, _)| rule.as_str()).collect();
    for rule in [
        "KubernetesVersionSupported",
        "DeprecatedCostPluginsAbsent",
        "ElasticsearchNodeRolesFixed",
        // Platform-level and host results are the global's.
        "MinioDiskSpace",
        "PackageExtractionDiskSpace",
    ] {
        assert!(
            global.contains(&rule),
            "{rule} holds the global back: {global:?}"
        );
    }
    assert_eq!(
        held[1].1,
        [("IstioVersionSupported".to_string(), "fail".to_string())]
    );
    assert!(held.iter().flat_map(|(_, r)| r).all(|(_, s)| s == "fail"));
    let global_step = &steps(&plan)[0];
    assert_eq!(global_step["kind"], "global");
    assert_eq!(global_step["held_back"], true);
    // Every workload cluster is held back: no wave.
    assert!(waves(&plan).is_empty());
    // The MinIO results name their control-plane node and path: the two that fail.
    let minio: Vec<&Value> = plan["held_back"][0]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule"] == "MinioDiskSpace")
        .map(|r| &r["subject"])
        .collect();
    assert_eq!(
        minio,
        ["10.16.0.11:/cpaas/minio", "10.16.0.12:/cpaas/minio"]
    );
}

#[test]
fn checks_not_evaluated_hold_back_and_exit_5() {
    let (run, plan) = plan_json("incomplete", &[]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert_eq!(plan["verdict"], "incomplete");
    let held = held_back(&plan);
    let clusters: Vec<&str> = held.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(clusters, ["global", "prod-1"]);
    assert!(held.iter().flat_map(|(_, r)| r).all(|(_, s)| s == "error"));
    assert!(
        held[1]
            .1
            .contains(&("IstioVersionSupported".to_string(), "error".to_string()))
    );
}

#[test]
fn a_held_back_global_makes_the_ready_waves_wait() {
    // unsupported-3.16 cannot be upgraded (the global is held back); dump-4.0-patch has ready
    // workload clusters whatever its global is: every wave after a held-back global waits.
    for fixture in [
        "not-ready-3.18",
        "incomplete",
        "dump-4.0-patch",
        "unhealthy-3.18",
    ] {
        let (_, plan) = plan_json(fixture, &[]);
        let global_held = steps(&plan)
            .iter()
            .any(|s| s["kind"] == "global" && s["held_back"] == true);
        for step in steps(&plan).iter().filter(|s| s["kind"] == "workload-wave") {
            assert_eq!(step["waits_for_global"], global_held, "{fixture}");
        }
        if global_held {
            assert_ne!(plan["verdict"], "ready", "{fixture}");
        }
    }
}

#[test]
fn warnings_fail_the_plan_only_with_fail_on_warning() {
    let (run, plan) = plan_json("ready-3.18", &["--fail-on", "warning"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert_eq!(plan["verdict"], "ready");
}

#[test]
fn excluded_checks_are_named_and_no_longer_hold_back() {
    let (run, plan) = plan_json(
        "incomplete",
        &[
            "--skip-host",
            "--skip",
            "ModuleInfoStable,DeprecatedCostPluginsAbsent,ResourcePatchUpgradeable,IstioVersionSupported",
        ],
    );
    let excluded: Vec<&str> = plan["excluded"]
        .as_array()
        .expect("excluded")
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(excluded.contains(&"MinioDiskSpace"), "{excluded:?}");
    assert!(excluded.contains(&"ModuleInfoStable"), "{excluded:?}");
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(waves(&plan), [["prod-1"]]);
}

#[test]
fn a_standby_global_is_upgraded_first() {
    let (_tmp, file) = collect_fixture("ready-3.18");
    let mut snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    snapshot["standby"] = snapshot["clusters"][0].clone();
    std::fs::write(&file, snapshot.to_string()).unwrap();
    let run = acp(&["plan", "--snapshot", file.to_str().unwrap(), "-o", "json"]);
    assert!([0, 3, 5].contains(&run.code), "{}", run.stderr);
    let plan = run.json();
    let kinds: Vec<&str> = steps(&plan)
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["standby", "global", "workload-wave"]);
    assert_eq!(names(&steps(&plan)[0]["clusters"]), ["global"]);
    // The steps after a held-back standby wait for it; so does everything after the global.
    let standby_held = steps(&plan)[0]["held_back"] == true;
    let global_held = steps(&plan)[1]["held_back"] == true;
    assert_eq!(steps(&plan)[1]["waits_for_global"], standby_held);
    assert_eq!(
        steps(&plan)[2]["waits_for_global"],
        standby_held || global_held
    );
    let table = acp(&["plan", "--snapshot", file.to_str().unwrap()]);
    for line in [
        "1. Upgrade the standby global cluster global",
        "2. Upgrade the global cluster global",
        "3. Workload wave 1 (2 clusters): eks-1, prod-1",
    ] {
        assert!(table.stdout.contains(line), "{line}:\n{}", table.stdout);
    }
}

#[test]
fn plan_table_of_every_fixture() {
    let _settings = settings().bind_to_scope();
    insta::glob!("../../fixtures", "*/README.md", |readme| {
        let (name, dir) = scenario(readme);
        with_suffix(&name, || {
            assert_cmd_snapshot!(
                "plan_table",
                acp_cmd()
                    .args(["plan", "--snapshot", &dir, "--color", "never"])
                    .args(check_args(&name))
            );
        });
    });
}

#[test]
fn plan_json_of_every_fixture() {
    let _settings = settings().bind_to_scope();
    insta::glob!("../../fixtures", "*/README.md", |readme| {
        let (name, dir) = scenario(readme);
        with_suffix(&name, || {
            assert_cmd_snapshot!(
                "plan_json",
                acp_cmd()
                    .args(["plan", "--snapshot", &dir, "-o", "json"])
                    .args(check_args(&name))
            );
        });
    });
}

#[test]
fn plan_snapshots_of_help_colour_and_bad_wave_sizes() {
    let _settings = settings().bind_to_scope();
    assert_cmd_snapshot!("plan_help", acp_cmd().args(["plan", "--help"]));
    assert_cmd_snapshot!(
        "plan_wave_size_1",
        acp_cmd().args([
            "plan",
            "--snapshot",
            "fixtures/ready-3.18",
            "--wave-size",
            "1"
        ])
    );
    assert_cmd_snapshot!(
        "plan_table_color_always",
        acp_cmd().args([
            "plan",
            "--snapshot",
            "fixtures/not-ready-3.18",
            "--color",
            "always"
        ])
    );
    for size in ["0", "21"] {
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_suffix(size);
        settings.bind(|| {
            assert_cmd_snapshot!(
                "plan_wave_size_refused",
                acp_cmd().args([
                    "plan",
                    "--snapshot",
                    "fixtures/ready-3.18",
                    "--wave-size",
                    size
                ])
            );
        });
    }
}

#[test]
fn after_the_global_upgrade_the_waves_hold_what_is_left() {
    // prod-1 is at the target but its log storage plugin is still upgrading; eks-1 is not
    // upgraded yet.
    let (run, plan) = plan_json("upgraded-4.1", &["--phase", "workload", "--from", "3.18.2"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(plan["phase"], "workload");
    assert_eq!(steps(&plan)[0]["kind"], "global");
    assert_eq!(steps(&plan)[0]["done"], true);
    assert_eq!(waves(&plan), [["eks-1"]]);
    assert_eq!(
        held_back(&plan),
        [(
            "prod-1".to_string(),
            vec![("ModuleInfoStable".to_string(), "fail".to_string())]
        )]
    );

    // With prod-1's plugin settled, prod-1 needs nothing: it is upgraded, in no wave.
    let tmp = tempfile::tempdir().expect("tempdir");
    let copy = tmp.path().join("upgraded");
    let status = std::process::Command::new("cp")
        .args([
            "-r",
            repo().join("fixtures/upgraded-4.1").to_str().expect("path"),
        ])
        .arg(&copy)
        .status()
        .expect("cp");
    assert!(status.success());
    let modules = copy.join("global/moduleinfoes.json");
    let mut list: Value =
        serde_json::from_str(&std::fs::read_to_string(&modules).expect("moduleinfoes"))
            .expect("JSON");
    for item in list["items"].as_array_mut().expect("items") {
        let status = &mut item["status"];
        if status["phase"] == "Upgrading" {
            status["phase"] = "Running".into();
            status["version"] = status["transitVersion"].take();
            status
                .as_object_mut()
                .expect("status")
                .remove("transitVersion");
        }
    }
    std::fs::write(&modules, list.to_string()).expect("write");
    let run = acp(&[
        "plan",
        "--snapshot",
        copy.to_str().expect("path"),
        "-o",
        "json",
        "--phase",
        "workload",
        "--from",
        "3.18.2",
    ]);
    let plan = run.json();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(plan["upgraded"], serde_json::json!(["prod-1"]));
    assert_eq!(waves(&plan), [["eks-1"]]);
    // Before the upgrade, the same platform would be planned whole.
    let (_, pre) = plan_json("ready-3.18", &[]);
    assert!(pre.get("upgraded").is_none());
    assert!(steps(&pre).iter().all(|s| s.get("done").is_none()));
}
