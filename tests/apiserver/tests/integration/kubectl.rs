//! The server against the real `kubectl` on the PATH.

use std::path::{Path, PathBuf};
use std::process::Command;

use test_apiserver::{DEFAULT_TOKEN, RequestRecord, ServerOptions, TestApiServer};

use crate::fixture;

/// `kubectl` on the PATH, if any.
fn find_kubectl() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("kubectl"))
        .find(|p| p.is_file())
}

/// Runs kubectl with a kubeconfig and a private HOME and cache directory.
struct Kubectl {
    program: PathBuf,
    home: tempfile::TempDir,
    kubeconfig: PathBuf,
}

impl Kubectl {
    fn new(program: PathBuf, server: &TestApiServer) -> Kubectl {
        let home = tempfile::tempdir().unwrap();
        let kubeconfig = home.path().join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            server.kubeconfig(&[("global", "global"), ("prod-1", "prod-1")], DEFAULT_TOKEN),
        )
        .unwrap();
        Kubectl {
            program,
            home,
            kubeconfig,
        }
    }

    /// Runs `kubectl <args>`; returns (success, stdout, stderr).
    fn run(&self, args: &[&str]) -> (bool, String, String) {
        let home: &Path = self.home.path();
        let output = Command::new(&self.program)
            .args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .env("HOME", home)
            .env("KUBECACHEDIR", home.join("cache"))
            .env_remove("KUBERNETES_SERVICE_HOST")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (output.status.success(), stdout, stderr)
    }

    /// Runs `kubectl <args>`, which must succeed; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let (success, stdout, stderr) = self.run(args);
        assert!(success, "kubectl {args:?} failed:\n{stdout}\n{stderr}");
        stdout
    }
}

fn lists_of(requests: &[RequestRecord], cluster: &str, path: &str) -> Vec<RequestRecord> {
    requests
        .iter()
        .filter(|r| r.cluster.as_deref() == Some(cluster) && r.path == path)
        .cloned()
        .collect()
}

#[test]
fn kubectl_reads_through_the_platform_proxy() {
    let Some(program) = find_kubectl() else {
        eprintln!(
            "\n**********\nSKIPPED kubectl_reads_through_the_platform_proxy: kubectl is not on the PATH\n**********\n"
        );
        return;
    };
    let server = TestApiServer::start_blocking(fixture(), ServerOptions::default()).unwrap();
    let kubectl = Kubectl::new(program, &server);

    let nodes = kubectl.ok(&["get", "nodes"]);
    for name in [
        "global-master-1",
        "global-master-2",
        "global-master-3",
        "global-worker-1",
    ] {
        assert!(nodes.contains(name), "{nodes}");
    }
    assert!(nodes.starts_with("NAME"), "{nodes}");

    let module_infos = kubectl.ok(&["get", "moduleinfoes"]);
    assert!(module_infos.contains("prod-1-4e5f6071"), "{module_infos}");
    let by_short_name = kubectl.ok(&[
        "get",
        "minfo",
        "-l",
        "cpaas.io/module-name=logagent",
        "-o",
        "name",
    ]);
    assert_eq!(
        by_short_name.lines().collect::<Vec<_>>(),
        [
            "moduleinfo.cluster.alauda.io/global-1b2c3d4e",
            "moduleinfo.cluster.alauda.io/prod-1-3d4e5f60"
        ]
    );
    let product_base = kubectl.ok(&["get", "prdb", "base", "-o", "jsonpath={.status.version}"]);
    assert_eq!(product_base, "v4.1.2");
    // `--raw` replaces the server URL's path, so the platform proxy prefix is given again.
    let check = kubectl.ok(&[
        "get",
        "--raw",
        "/kubernetes/global/api/v1/namespaces/cpaas-system/services/etcd-sync-monitor:80/proxy/check",
    ]);
    assert!(check.starts_with("LOCAL ETCD missed keys:"), "{check}");

    server.clear_requests();
    let chunked = kubectl.ok(&["get", "nodes", "--chunk-size=1", "-o", "name"]);
    assert_eq!(chunked.lines().count(), 4, "{chunked}");
    let pages = lists_of(&server.requests(), "global", "/api/v1/nodes");
    assert_eq!(pages.len(), 4, "{pages:#?}");
    assert!(
        pages
            .iter()
            .all(|r| r.query_param("limit").as_deref() == Some("1"))
    );
    assert_eq!(
        pages
            .iter()
            .filter(|r| r.query_param("continue").is_some())
            .count(),
        3
    );

    server.clear_requests();
    let deployments = kubectl.ok(&["--context", "prod-1", "get", "deployments", "-A"]);
    assert!(
        deployments.contains("web") && deployments.contains("demo"),
        "{deployments}"
    );
    let redis = kubectl.ok(&[
        "--context",
        "prod-1",
        "get",
        "redis",
        "-n",
        "demo",
        "cache",
        "-o",
        "name",
    ]);
    assert_eq!(redis.trim(), "redis.middleware.alauda.io/cache");
    let requests = server.requests();
    assert!(
        !requests.is_empty()
            && requests
                .iter()
                .all(|r| r.cluster.as_deref() == Some("prod-1"))
    );

    // prod-1 has no ModuleInfo CRD.
    let (success, _, stderr) = kubectl.run(&["--context", "prod-1", "get", "moduleinfoes"]);
    assert!(!success);
    assert!(
        stderr.contains("the server doesn't have a resource type \"moduleinfoes\""),
        "{stderr}"
    );
    let (success, _, stderr) = kubectl.run(&["get", "nodes", "nope"]);
    assert!(!success);
    assert!(stderr.contains("nodes \"nope\" not found"), "{stderr}");

    let requests = server.requests();
    assert!(requests.iter().all(|r| r.method == "GET"), "{requests:#?}");
    // kubectl asks for aggregated discovery and for tables, and copes with plain lists.
    assert!(requests.iter().any(|r| {
        r.accept
            .as_deref()
            .is_some_and(|a| a.contains("as=APIGroupDiscoveryList"))
    }));
    assert!(
        requests
            .iter()
            .any(|r| r.accept.as_deref().is_some_and(|a| a.contains("as=Table")))
    );
}
