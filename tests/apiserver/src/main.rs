//! `test-apiserver`: serves a fixture directory over HTTPS until killed.
//!
//! Prints the platform URL (`https://127.0.0.1:PORT`) as the first line of standard output once
//! the CA and kubeconfig files are written, so scripts can wait for it.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use test_apiserver::{Platform, ServerOptions, TestApiServer};

/// A test Kubernetes API server serving the clusters of a fixture directory under
/// /kubernetes/<cluster>/ (the Alauda Container Platform proxy layout).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Fixture directory: one subdirectory per cluster holding `kubectl get -o json` lists.
    #[arg(long, value_name = "DIR")]
    fixture: PathBuf,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// Bearer token every request must carry.
    #[arg(long, value_name = "T", default_value = test_apiserver::DEFAULT_TOKEN)]
    token: String,
    /// Delay before answering every request, in milliseconds.
    #[arg(long, value_name = "N", default_value_t = 0)]
    latency_ms: u64,
    /// Append every request to FILE as a JSON line.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Write the CA certificate (PEM) to FILE.
    #[arg(long, value_name = "FILE")]
    ca_out: Option<PathBuf>,
    /// Write a kubeconfig with one context per cluster (named after it) to FILE.
    #[arg(long, value_name = "FILE")]
    kubeconfig_out: Option<PathBuf>,
    /// Answer only plain discovery, like a server older than Kubernetes 1.26.
    #[arg(long)]
    no_aggregated_discovery: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("test-apiserver: error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let platform = Platform::load_dir(&args.fixture).map_err(|e| e.to_string())?;
    let clusters: Vec<String> = platform.cluster_names().map(str::to_string).collect();
    if clusters.is_empty() {
        return Err(format!(
            "{}: no cluster directories",
            args.fixture.display()
        ));
    }
    let options = ServerOptions {
        addr: args.addr,
        token: Some(args.token.clone()),
        latency: Duration::from_millis(args.latency_ms),
        log_file: args.log,
        aggregated_discovery: !args.no_aggregated_discovery,
        ..ServerOptions::default()
    };
    let server = TestApiServer::start_blocking(platform, options).map_err(|e| e.to_string())?;

    if let Some(path) = &args.ca_out {
        std::fs::write(path, server.ca_pem()).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let Some(path) = &args.kubeconfig_out {
        let contexts: Vec<(&str, &str)> =
            clusters.iter().map(|c| (c.as_str(), c.as_str())).collect();
        let kubeconfig = server.kubeconfig(&contexts, &args.token);
        std::fs::write(path, kubeconfig).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    println!("{}", server.base_url());
    let _ = std::io::stdout().flush();
    eprintln!(
        "test-apiserver: serving {} cluster(s): {}",
        clusters.len(),
        clusters.join(", ")
    );

    loop {
        std::thread::park();
    }
}
