//! The `test-apiserver` binary: flags, output files and the request log file.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde_json::Value;

use crate::fixture_dir;

/// Kills the server process when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn binary_serves_a_fixture_and_writes_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let (log, ca, kubeconfig) = (
        dir.path().join("requests.jsonl"),
        dir.path().join("ca.pem"),
        dir.path().join("kubeconfig"),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_test-apiserver"))
        .arg("--fixture")
        .arg(fixture_dir())
        .args([
            "--addr",
            "127.0.0.1:0",
            "--token",
            "secret",
            "--latency-ms",
            "5",
        ])
        .arg("--log")
        .arg(&log)
        .arg("--ca-out")
        .arg(&ca)
        .arg("--kubeconfig-out")
        .arg(&kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _server = Server(child);
    let mut url = String::new();
    BufReader::new(stdout).read_line(&mut url).unwrap();
    assert!(url.starts_with("https://127.0.0.1:"), "{url:?}");
    assert!(
        std::fs::read_to_string(&ca)
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );

    let kubeconfig = Kubeconfig::read_from(&kubeconfig).unwrap();
    for (context, nodes) in [("global", 4), ("prod-1", 2)] {
        let options = KubeConfigOptions {
            context: Some(context.to_string()),
            ..Default::default()
        };
        let config = Config::from_custom_kubeconfig(kubeconfig.clone(), &options)
            .await
            .unwrap();
        assert_eq!(
            config.cluster_url.to_string(),
            format!("{}/kubernetes/{context}", url.trim())
        );
        let api: Api<Node> = Api::all(Client::try_from(config).unwrap());
        assert_eq!(
            api.list(&ListParams::default()).await.unwrap().items.len(),
            nodes
        );
    }

    let lines: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["cluster"], "prod-1");
    assert_eq!(lines[1]["path"], "/api/v1/nodes");
    assert_eq!(lines[1]["status"], 200);
}

#[test]
fn binary_reports_a_bad_fixture() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("c1")).unwrap();
    std::fs::write(
        dir.path().join("c1/nodes.json"),
        r#"{"items":[{"kind":"Node"}]}"#,
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_test-apiserver"))
        .arg("--fixture")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("c1/nodes.json: items[0]: object without apiVersion"),
        "{stderr}"
    );
}
