//! The benchmark's surroundings: its temporary directory, the programs it runs, the test API
//! server serving a fleet, and the measured child processes (with a clean environment).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use fleet_bench::fleet::GLOBAL;
use fleet_bench::measure::MeasuredCommand;
use fleet_bench::replay::Replayer;
use fleet_bench::{ClusterSummary, Fleet};
use test_apiserver::{DEFAULT_TOKEN, ServerOptions, TestApiServer};

use crate::args::Args;

/// Environment variables removed from every child, so nothing reaches past 127.0.0.1 and no
/// ambient configuration is read.
const ENV_REMOVED: &[&str] = &[
    "KUBECONFIG",
    "KUBERNETES_SERVICE_HOST",
    "KUBERNETES_SERVICE_PORT",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// Everything the run needs to start processes.
pub struct Bench {
    pub args: Args,
    /// This binary, which also acts as the measuring helper.
    helper: PathBuf,
    /// The acp-preflight binary.
    pub binary: PathBuf,
    pub work: tempfile::TempDir,
    /// `HOME` of the children.
    home: PathBuf,
    pub minio_path: PathBuf,
    pub runtime: tokio::runtime::Runtime,
}

/// A fleet being served.
pub struct Served {
    pub server: TestApiServer,
    pub clusters: Vec<ClusterSummary>,
    pub kubeconfig: PathBuf,
}

impl Served {
    /// The `check` arguments that read the served fleet live: `--kubeconfig K --context global`.
    pub fn live_source(&self) -> [OsString; 4] {
        [
            "--kubeconfig".into(),
            self.kubeconfig.clone().into(),
            "--context".into(),
            GLOBAL.into(),
        ]
    }

    /// A replay client of the served fleet, with the server's CA and token.
    pub fn replayer(&self) -> Result<Replayer, String> {
        Replayer::new(self.server.addr(), self.server.ca_pem(), DEFAULT_TOKEN)
            .map_err(|e| e.to_string())
    }
}

impl Bench {
    /// Checks the arguments, finds the acp-preflight binary, and creates the temporary
    /// directory and the replay runtime.
    pub fn new(args: Args) -> Result<Self, String> {
        if args.clusters == 0 {
            return Err("--clusters must be at least 1".to_string());
        }
        let helper = std::env::current_exe().map_err(|e| format!("cannot locate myself: {e}"))?;
        let binary = match &args.binary {
            Some(path) => path.clone(),
            None => helper.with_file_name("acp-preflight"),
        };
        if !binary.is_file() {
            return Err(format!(
                "{} not found: build it first (cargo build --release -p checker-cli) or give --binary",
                binary.display()
            ));
        }
        let work = tempfile::Builder::new()
            .prefix("fleet-bench-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        let home = work.path().join("home");
        let default_minio = work.path().join("minio");
        for dir in [&home, &default_minio] {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the replay runtime: {e}"))?;
        let minio_path = args.minio_path.clone().unwrap_or(default_minio);
        Ok(Bench {
            args,
            helper,
            binary,
            minio_path,
            home,
            work,
            runtime,
        })
    }

    /// Whether the binary reads live platforms (its `check` takes `--kubeconfig`).
    pub fn live_collection(&self) -> bool {
        self.output_of(&self.binary, &["check", "--help"])
            .contains("--kubeconfig")
    }

    /// Standard output of a quick command, or "" if it cannot run.
    pub fn output_of(&self, program: &Path, args: &[&str]) -> String {
        Command::new(program)
            .args(args)
            .env("HOME", &self.home)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    /// The kubectl binary: `--kubectl`, or kubectl on the PATH.
    pub fn kubectl_path(&self) -> Option<PathBuf> {
        if let Some(path) = &self.args.kubectl {
            return Some(path.clone());
        }
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|dir| dir.join("kubectl"))
            .find(|p| p.is_file())
    }

    /// Starts a server for a fleet and writes its kubeconfig (one context per cluster).
    pub fn serve(&self, fleet: Fleet, name: &str) -> Result<Served, String> {
        let contexts: Vec<(String, String)> = fleet
            .contexts()
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let Fleet { platform, clusters } = fleet;
        let options = ServerOptions {
            latency: Duration::from_millis(self.args.latency_ms),
            ..ServerOptions::default()
        };
        let server = TestApiServer::start_blocking(platform, options)
            .map_err(|e| format!("cannot start the test API server: {e}"))?;
        let pairs: Vec<(&str, &str)> = contexts
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let kubeconfig = self.work.path().join(format!("{name}.kubeconfig"));
        std::fs::write(&kubeconfig, server.kubeconfig(&pairs, DEFAULT_TOKEN))
            .map_err(|e| format!("{}: {e}", kubeconfig.display()))?;
        Ok(Served {
            server,
            clusters,
            kubeconfig,
        })
    }

    /// What every child's environment sets.
    fn child_env(&self) -> Vec<(OsString, OsString)> {
        vec![
            ("HOME".into(), self.home.clone().into_os_string()),
            ("KUBECACHEDIR".into(), self.home.join("kube-cache").into()),
            ("NO_PROXY".into(), "127.0.0.1,localhost".into()),
            ("NO_COLOR".into(), "1".into()),
        ]
    }

    /// A command run (and measured) by the helper, in the clean environment.
    pub fn measured(&self, program: &Path, args: Vec<OsString>) -> MeasuredCommand {
        MeasuredCommand {
            helper: self.helper.clone(),
            program: program.to_path_buf(),
            args,
            env: self.child_env(),
            env_remove: ENV_REMOVED.iter().map(OsString::from).collect(),
            work_dir: self.work.path().to_path_buf(),
        }
    }
}

/// A progress line on standard error.
pub fn progress(message: &str) {
    eprintln!("fleet-bench: {message}");
}
