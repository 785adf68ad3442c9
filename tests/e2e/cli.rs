//! The conventions of a command-line tool: shell completions and the man page from the CLI
//! definition, `--version` naming the bundled packs, and running as a kubectl plugin.

use std::process::Command;

use crate::common::{acp, fixture};

#[test]
fn completions_and_the_man_page_follow_the_cli_definition() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = acp(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        for word in ["check", "waivers", "output-file", "fail-on"] {
            assert!(run.stdout.contains(word), "{shell} completions lack {word}");
        }
    }
    let run = acp(&["completions", "tcsh"]);
    assert_eq!(run.code, 2, "an unknown shell is a usage error");
    let man = acp(&["man"]);
    assert_eq!(man.code, 0, "{}", man.stderr);
    assert!(man.stdout.starts_with(".ie"), "roff: {}", &man.stdout[..80]);
    for section in [
        ".TH acp-preflight 1",
        ".TH acp-preflight-check 1",
        ".TH acp-preflight-rules 1",
    ] {
        assert!(man.stdout.contains(section), "no {section}");
    }
    assert!(
        man.stdout.contains("waivers"),
        "the check flags are in the man page"
    );
}

#[test]
fn version_names_every_bundled_pack_and_help_shows_the_three_jobs() {
    let run = acp(&["--version"]);
    assert_eq!(run.code, 0);
    for pack in checker_core::rules::bundled().expect("bundled packs") {
        assert!(
            run.stdout.contains(&pack.name),
            "{} not in {}",
            pack.name,
            run.stdout
        );
    }
    assert!(
        run.stdout.contains("acp-4.4 (ACP 4.4, preview)"),
        "{}",
        run.stdout
    );
    for help in [acp(&["--help"]), acp(&["check", "--help"])] {
        for job in ["Before the window", "As a CI gate", "For support"] {
            assert!(help.stdout.contains(job), "{job} not in --help");
        }
    }
}

#[test]
fn it_runs_as_a_kubectl_plugin() {
    // kubectl finds `kubectl-acp_preflight` on PATH for `kubectl acp-preflight`.
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_acp-preflight"),
        dir.path().join("kubectl-acp_preflight"),
    )
    .expect("symlink");
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let kubectl = |args: &[&str]| {
        Command::new("kubectl")
            .args(args)
            .env("PATH", &path)
            .output()
            .expect("kubectl is on these machines")
    };
    let plugins = kubectl(&["plugin", "list"]);
    assert!(
        String::from_utf8_lossy(&plugins.stdout).contains("kubectl-acp_preflight"),
        "{}",
        String::from_utf8_lossy(&plugins.stderr)
    );
    let snapshot = fixture("ready-3.18").display().to_string();
    let run = kubectl(&[
        "acp-preflight",
        "check",
        "--snapshot",
        &snapshot,
        "-o",
        "json",
    ]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).expect("JSON report");
    assert_eq!(report["verdict"], "ready");
    let help = kubectl(&["acp-preflight", "--help"]);
    assert!(
        String::from_utf8_lossy(&help.stdout).contains("Usage: kubectl acp-preflight <COMMAND>"),
        "{}",
        String::from_utf8_lossy(&help.stdout)
    );
}
