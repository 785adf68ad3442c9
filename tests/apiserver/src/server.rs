//! The HTTPS server: authentication, fault injection, the request log, and the
//! [`TestApiServer`] handle; its connections are served by [`connection`].

mod connection;

use std::collections::HashMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::Method;
use hyper::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use hyper::http::request::Parts;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::api::{Query, ServedCluster};
use crate::faults::{self, AppliedFault, Delivery, Effect, FaultRule, FaultSet};
use crate::model::Platform;
use crate::reply::Reply;

/// The token [`ServerOptions::default`] requires.
pub const DEFAULT_TOKEN: &str = "test-token";

/// How to run the server.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Address to listen on; port 0 picks a free port. Default `127.0.0.1:0`.
    pub addr: SocketAddr,
    /// Bearer token every request must carry (`Authorization: Bearer <token>`), else 401;
    /// `None` accepts any request. Default [`DEFAULT_TOKEN`].
    pub token: Option<String>,
    /// Delay before answering every request (including errors). Default none.
    pub latency: Duration,
    /// Fault-injection rules, checked in order. Default none.
    pub faults: Vec<FaultRule>,
    /// File the request log is also appended to, one JSON object per line. Default none.
    pub log_file: Option<PathBuf>,
    /// Whether `/api` and `/apis` answer aggregated discovery when asked (as Kubernetes 1.30+
    /// does); when false they always answer the plain documents, like older servers. Default true.
    pub aggregated_discovery: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            token: Some(DEFAULT_TOKEN.to_string()),
            latency: Duration::ZERO,
            faults: Vec::new(),
            log_file: None,
            aggregated_discovery: true,
        }
    }
}

/// One request the server received.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RequestRecord {
    /// HTTP method (`GET`, ...).
    pub method: String,
    /// Cluster from the `/kubernetes/<cluster>` prefix; `None` for paths outside it.
    pub cluster: Option<String>,
    /// Path after the cluster prefix (`/api/v1/nodes`), or the whole path outside it.
    pub path: String,
    /// Raw query string, empty if none.
    pub query: String,
    /// The `Accept` header, if sent.
    pub accept: Option<String>,
    /// HTTP status answered; 0 for a request left unanswered by [`crate::FaultAction::Hang`] (recorded
    /// when it starts hanging) or [`crate::FaultAction::DropConnection`]. A body cut or slowed by a
    /// fault is recorded with the status sent, when sending starts.
    pub status: u16,
}

impl RequestRecord {
    /// The decoded value of a query parameter (`limit`, `continue`, `labelSelector`, ...).
    pub fn query_param(&self, key: &str) -> Option<String> {
        Query::parse(&self.query).get(key).map(str::to_string)
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The certificates or TLS configuration could not be made.
    #[error("cannot set up TLS: {0}")]
    Tls(String),
    /// The request log file could not be opened.
    #[error("cannot open the request log {}: {source}", path.display())]
    LogFile {
        /// The file asked for.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The runtime of a blocking server could not be started.
    #[error("cannot start the server thread: {0}")]
    Runtime(std::io::Error),
}

/// A running test API server. It stops when dropped.
///
/// Every cluster `<name>` of the platform is served under `/kubernetes/<name>/`, over HTTPS with
/// a certificate signed by a CA generated at start ([`TestApiServer::ca_pem`]).
pub struct TestApiServer {
    state: Arc<State>,
    addr: SocketAddr,
    ca_pem: String,
    shutdown: watch::Sender<bool>,
    /// The thread running a server started with [`TestApiServer::start_blocking`].
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestApiServer {
    /// Starts serving `platform` on the current tokio runtime.
    pub async fn start(
        platform: Platform,
        options: ServerOptions,
    ) -> Result<TestApiServer, StartError> {
        let identity = crate::tls::generate().map_err(StartError::Tls)?;
        let listener =
            TcpListener::bind(options.addr)
                .await
                .map_err(|source| StartError::Bind {
                    addr: options.addr,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: options.addr,
            source,
        })?;
        let state = Arc::new(State::new(platform, options, addr)?);
        let (shutdown, shutdown_rx) = watch::channel(false);
        let acceptor = TlsAcceptor::from(identity.config);
        tokio::spawn(connection::accept_loop(
            listener,
            acceptor,
            state.clone(),
            shutdown_rx,
        ));
        Ok(TestApiServer {
            state,
            addr,
            ca_pem: identity.ca_pem,
            shutdown,
            thread: None,
        })
    }

    /// Starts serving `platform` on a thread of its own (with a two-worker runtime), for tests
    /// and programs that are not async.
    pub fn start_blocking(
        platform: Platform,
        options: ServerOptions,
    ) -> Result<TestApiServer, StartError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("test-apiserver")
            .enable_all()
            .build()
            .map_err(StartError::Runtime)?;
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("test-apiserver".to_string())
            .spawn(move || {
                runtime.block_on(async move {
                    let server = TestApiServer::start(platform, options).await;
                    let mut stopped = match &server {
                        Ok(server) => server.shutdown.subscribe(),
                        Err(_) => {
                            let _ = started_tx.send(server);
                            return;
                        }
                    };
                    if started_tx.send(server).is_ok() {
                        // Ends when the handle signals shutdown or is gone.
                        let _ = stopped.wait_for(|stop| *stop).await;
                    }
                });
            })
            .map_err(StartError::Runtime)?;
        let started = started_rx.recv().map_err(|_| {
            StartError::Runtime(std::io::Error::other(
                "the server thread ended before starting",
            ))
        })?;
        let mut server = started?;
        server.thread = Some(thread);
        Ok(server)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https://127.0.0.1:PORT`: the platform URL.
    pub fn base_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// `https://127.0.0.1:PORT/kubernetes/<cluster>`: the API server URL of one cluster.
    pub fn cluster_url(&self, cluster: &str) -> String {
        format!("{}/kubernetes/{cluster}", self.base_url())
    }

    /// The PEM-encoded CA certificate clients must trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// A kubeconfig (YAML) with one context per `(context name, cluster name)` pair, using
    /// `token`; the first context is the current one.
    pub fn kubeconfig(&self, contexts: &[(&str, &str)], token: &str) -> String {
        crate::kubeconfig::render(&self.base_url(), &self.ca_pem, contexts, token)
    }

    /// The requests received so far, in the order they were answered.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state
            .log
            .records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Forgets the requests received so far (the log file is kept).
    pub fn clear_requests(&self) {
        self.state
            .log
            .records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// Adds a fault-injection rule, checked after the existing ones.
    pub fn add_fault(&self, rule: FaultRule) {
        self.state.faults.add(rule);
    }

    /// Removes every fault-injection rule, and forgets the faults applied so far.
    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// Every application of a fault-injection rule since the start or the last
    /// [`TestApiServer::clear_faults`], in order.
    pub fn applied_faults(&self) -> Vec<AppliedFault> {
        self.state.faults.applied()
    }

    /// Changes the delay before answering every request.
    pub fn set_latency(&self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.state.latency_micros.store(micros, Ordering::Relaxed);
    }
}

impl Drop for TestApiServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the server does with one request.
enum Outcome {
    /// Answers, sending the body as said.
    Answer(Reply, Delivery),
    /// Never answers.
    Hang,
    /// Closes the connection without answering.
    Drop,
}

/// What every connection shares.
struct State {
    clusters: HashMap<String, ServedCluster>,
    token: Option<String>,
    aggregated_discovery: bool,
    latency_micros: AtomicU64,
    faults: FaultSet,
    log: RequestLog,
}

impl State {
    fn new(
        platform: Platform,
        options: ServerOptions,
        addr: SocketAddr,
    ) -> Result<State, StartError> {
        let address = addr.to_string();
        let clusters = platform
            .into_clusters()
            .map(|(name, cluster)| (name, ServedCluster::new(cluster, &address)))
            .collect();
        let file = match &options.log_file {
            None => None,
            Some(path) => Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|source| StartError::LogFile {
                        path: path.clone(),
                        source,
                    })?,
            ),
        };
        Ok(State {
            clusters,
            token: options.token,
            aggregated_discovery: options.aggregated_discovery,
            latency_micros: AtomicU64::new(
                u64::try_from(options.latency.as_micros()).unwrap_or(u64::MAX),
            ),
            faults: FaultSet::new(options.faults),
            log: RequestLog {
                records: Mutex::new(Vec::new()),
                file: file.map(Mutex::new),
            },
        })
    }

    /// What to do with a request.
    async fn answer(&self, request: &Parts, cluster: Option<&str>, path: &str) -> Outcome {
        let whole = |reply| Outcome::Answer(reply, Delivery::Whole);
        if !self.authorized(request.headers.get(AUTHORIZATION)) {
            return whole(Reply::unauthorized());
        }
        if !matches!(request.method, Method::GET | Method::HEAD) {
            return whole(Reply::method_not_allowed());
        }
        let query = Query::parse(request.uri.query().unwrap_or(""));
        let fault = self.faults.take(cluster, path, query.has_continue());
        match fault
            .as_ref()
            .map(|action| faults::effect(action, path, query.is_watch()))
        {
            Some(Effect::Delay(delay)) => tokio::time::sleep(delay).await,
            Some(Effect::Hang) => return Outcome::Hang,
            Some(Effect::Drop) => return Outcome::Drop,
            Some(Effect::Replace(reply)) => return whole(reply),
            Some(Effect::Rewrite) | None => {}
        }
        let normal = match cluster.and_then(|c| self.clusters.get(c)) {
            Some(served) => {
                let accept = header(request, ACCEPT).unwrap_or_default();
                served.serve(path, &query, &accept, self.aggregated_discovery)
            }
            None => Reply::resource_not_found(),
        };
        match fault {
            Some(action) => {
                let (reply, delivery) = faults::rewrite(&action, normal);
                Outcome::Answer(reply, delivery)
            }
            None => whole(normal),
        }
    }

    fn authorized(&self, header: Option<&HeaderValue>) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        let Some(value) = header.and_then(|h| h.to_str().ok()) else {
            return false;
        };
        match value.split_once(' ') {
            Some((scheme, given)) => scheme.eq_ignore_ascii_case("bearer") && given.trim() == token,
            None => false,
        }
    }

    fn latency(&self) -> Duration {
        Duration::from_micros(self.latency_micros.load(Ordering::Relaxed))
    }
}

/// The in-memory request log and its optional file copy.
struct RequestLog {
    records: Mutex<Vec<RequestRecord>>,
    file: Option<Mutex<std::fs::File>>,
}

impl RequestLog {
    fn push(&self, record: RequestRecord) {
        if let Some(file) = &self.file
            && let Ok(mut line) = serde_json::to_vec(&record)
        {
            line.push(b'\n');
            // A failed write only loses a log line; the answer matters more.
            let _ = file
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .write_all(&line);
        }
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(record);
    }
}

fn header(request: &Parts, name: hyper::header::HeaderName) -> Option<String> {
    request
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}
