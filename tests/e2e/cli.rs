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
        String::from_utf8_lossy(&help.stdout)
            .contains("Usage: kubectl acp-preflight [OPTIONS] <COMMAND>"),
        "{}",
        String::from_utf8_lossy(&help.stdout)
    );
}

#[test]
fn snapshots_are_written_and_read_gzipped_and_through_pipes() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let dump = fixture("not-ready-3.18").display().to_string();
    let gz = dir.path().join("snapshot.json.gz");
    let run = acp(&[
        "collect",
        "--from-dump",
        &dump,
        "-o",
        &gz.display().to_string(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("redacted: "), "{}", run.stderr);
    let bytes = std::fs::read(&gz).expect("gzip file");
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "gzip magic");
    let from_gz = acp(&[
        "check",
        "--snapshot",
        &gz.display().to_string(),
        "-o",
        "json",
    ]);
    assert_eq!(from_gz.code, 3, "{}", from_gz.stderr);

    // `collect -o -` writes the snapshot on stdout; `check --snapshot -` reads it from stdin.
    let piped = acp(&["collect", "--from-dump", &dump, "-o", "-"]);
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    assert!(!std::path::Path::new("-").exists(), "no file named -");
    let snapshot: serde_json::Value = serde_json::from_str(&piped.stdout).expect("JSON snapshot");
    let redaction = &snapshot["redaction"];
    assert!(
        redaction["values"].as_u64().is_some_and(|n| n > 0),
        "{redaction}"
    );
    assert!(
        redaction["policy"].as_array().is_some_and(|p| p
            .iter()
            .any(|l| l.as_str().is_some_and(|l| l.contains("Secrets")))),
        "{redaction}"
    );
    let mut child = crate::common::binary()
        .args(["check", "--snapshot", "-", "-o", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(piped.stdout.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(3));
    let a: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    let b: serde_json::Value = serde_json::from_str(&from_gz.stdout).expect("report");
    assert_eq!(
        a["results"], b["results"],
        "the same results from a pipe and from gzip"
    );

    // A gzip file that is cut short is an input error naming the file.
    let cut = dir.path().join("cut.json.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let run = acp(&["check", "--snapshot", &cut.display().to_string()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("cut.json.gz: not a readable gzip file"),
        "{}",
        run.stderr
    );
}
