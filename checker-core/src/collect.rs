//! Live collection: the reads of [`crate::reads`] from a running platform, as a [`Snapshot`].
//!
//! The global cluster is the selected kubeconfig context (or the pod's service account). The
//! workload clusters are the `clusters.platform.tkestack.io` objects on it, reached through the
//! ACP proxy `https://<platform>/kubernetes/<cluster>` with the same credentials (or a token
//! file), or through a kubeconfig context of their own. All clusters are read concurrently, with
//! a bound; every read is one paginated list, preceded for custom kinds by one discovery request
//! that tells "not installed" (a fact) from a failure.
//!
//! Collection never fails as a whole: a read that fails (forbidden, unreachable, timed out...)
//! becomes [`ReadOutcome::Error`] with its cause, and every other read still happens. Only bad
//! input — an unreadable kubeconfig or token file, an unknown context, a malformed URL — is an
//! [`Err`]. Only `GET` requests are made, Secrets are never read, and credentials never appear in
//! the snapshot, its [`Manifest`] or any message.

mod classify;
mod clusters;
mod connect;
mod paging;
mod read;
mod transport;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;

use crate::reads::{self, Place, Read};
use crate::snapshot::{
    ClusterRecord, Collector, ReadError, ReadErrorKind, ReadOutcome, SNAPSHOT_FORMAT,
    SNAPSHOT_FORMAT_VERSION, Snapshot,
};

pub use crate::snapshot::{Manifest, ManifestRequest};
pub use connect::ConnectError;

use clusters::{
    add_platform_address, global_name, inventory, item_name, listed_names, valid_cluster_name,
    workload_names,
};
use connect::Routes;
use transport::Ctx;

/// Default for [`CollectOptions::concurrency`]: clusters read at the same time, each with up
/// to two requests in flight. Measured on the 200-cluster benchmark (BENCHMARKS.md): 32 leaves
/// the run 1.5x slower than the request-bound floor, 64 brings it to about 1.2x.
pub const DEFAULT_CONCURRENCY: usize = 64;
/// Default for [`CollectOptions::request_timeout`].
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Default for [`CollectOptions::deadline`].
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);
/// Default for [`CollectOptions::page_size`].
pub const DEFAULT_PAGE_SIZE: u32 = 500;

/// The `User-Agent` of every request, so the platform's audit log names the tool.
pub const USER_AGENT: &str = concat!("acp-preflight/", env!("CARGO_PKG_VERSION"));

/// Called as clusters finish, for a progress display.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// How far a collection has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Clusters whose reads have all ended.
    pub done: usize,
    /// Clusters known so far (it grows once the cluster list has been read).
    pub total: usize,
}

/// What to collect and how to reach the platform.
#[derive(Clone)]
pub struct CollectOptions {
    /// Kubeconfig file (`--kubeconfig`). When `None`: the files named by `KUBECONFIG`, else
    /// `~/.kube/config`, else the service account of the pod the tool runs in.
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context of the global cluster; the current context when `None`.
    pub context: Option<String>,
    /// Workload clusters reached through a kubeconfig context of their own, as
    /// `(cluster name, context)`, instead of through the platform proxy.
    pub cluster_contexts: Vec<(String, String)>,
    /// Only these workload clusters (the global cluster is always collected); all when `None`.
    pub clusters: Option<Vec<String>>,
    /// Platform address (`https://<platform>`) whose proxy `/kubernetes/<cluster>` reaches the
    /// workload clusters; derived from the global server URL when that ends in
    /// `/kubernetes/<name>`.
    pub platform_url: Option<String>,
    /// File holding the bearer token (an ACP API token) for requests through the platform proxy;
    /// the global cluster's credentials when `None`.
    pub token_file: Option<PathBuf>,
    /// PEM file of the CA that signed the platform's certificate, when the platform is not
    /// on the global API server's address and not signed by a CA the system trusts.
    pub platform_ca: Option<PathBuf>,
    /// Kubeconfig context of the standby global cluster (disaster recovery).
    pub standby_context: Option<String>,
    /// API server URL of the standby global cluster, reached with the proxy's credentials.
    pub standby_url: Option<String>,
    /// Do not verify TLS certificates (dangerous; recorded in the snapshot).
    pub insecure_skip_tls_verify: bool,
    /// The reads to make, each on the clusters [`Read::made_on`] says.
    pub reads: Vec<&'static Read>,
    /// How many clusters are read at the same time (at least 1).
    pub concurrency: usize,
    /// Longest wait for one request.
    pub request_timeout: Duration,
    /// Longest wait for the whole collection; reads not finished by then are timeouts.
    pub deadline: Duration,
    /// Objects per list page.
    pub page_size: u32,
    /// Retries of a request answered 429 or 5xx.
    pub retries: u32,
    /// Wait before the first retry; doubled for each further one.
    pub retry_backoff: Duration,
    /// Progress callback, if any.
    pub progress: Option<ProgressFn>,
}

impl CollectOptions {
    /// Options with the defaults: current kubeconfig context, every workload cluster, the
    /// default concurrency, timeouts and page size, 2 retries from 200 ms.
    pub fn new(reads: Vec<&'static Read>) -> CollectOptions {
        CollectOptions {
            kubeconfig: None,
            context: None,
            cluster_contexts: Vec::new(),
            clusters: None,
            platform_url: None,
            token_file: None,
            platform_ca: None,
            standby_context: None,
            standby_url: None,
            insecure_skip_tls_verify: false,
            reads,
            concurrency: DEFAULT_CONCURRENCY,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            deadline: DEFAULT_DEADLINE,
            page_size: DEFAULT_PAGE_SIZE,
            retries: 2,
            retry_backoff: Duration::from_millis(200),
            progress: None,
        }
    }
}

impl std::fmt::Debug for CollectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CollectOptions")
            .field("kubeconfig", &self.kubeconfig)
            .field("context", &self.context)
            .field("cluster_contexts", &self.cluster_contexts)
            .field("clusters", &self.clusters)
            .field("platform_url", &self.platform_url)
            .field("token_file", &self.token_file)
            .field("platform_ca", &self.platform_ca)
            .field("standby_context", &self.standby_context)
            .field("standby_url", &self.standby_url)
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field(
                "reads",
                &self.reads.iter().map(|r| r.id).collect::<Vec<_>>(),
            )
            .field("concurrency", &self.concurrency)
            .field("request_timeout", &self.request_timeout)
            .field("deadline", &self.deadline)
            .field("page_size", &self.page_size)
            .field("retries", &self.retries)
            .field("retry_backoff", &self.retry_backoff)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// Collects the reads of `options` from the live platform.
///
/// Returns an error only for bad input (kubeconfig, context, token or CA file, URL); every
/// failure to read is recorded in the snapshot instead. The first cluster record is the global
/// cluster, the others follow by name.
pub async fn collect(options: &CollectOptions) -> Result<Snapshot, ConnectError> {
    let collected_at = jiff::Timestamp::now().to_string();
    let routes = connect::connect(options).await?;
    let ctx = Ctx::new(options);
    let mut wanted: Vec<&'static Read> = Vec::new();
    for read in &options.reads {
        if !wanted.contains(read) {
            wanted.push(read);
        }
    }
    let every_cluster: Vec<&'static Read> = wanted
        .iter()
        .copied()
        .filter(|r| r.made_on(Place::Workload))
        .collect();
    let progress = Counter::new(
        options.progress.clone(),
        1 + usize::from(routes.standby.is_some()),
    );
    let hint = routes
        .global_name
        .clone()
        .unwrap_or_else(|| "global".to_string());

    // The cluster list names the workload clusters, so they wait for it; the global cluster's
    // other reads do not.
    let inventory_reads: Vec<&'static Read> = wanted
        .iter()
        .copied()
        .filter(|r| crate::facts::clusters::READS.contains(r))
        .collect();
    let rest: Vec<&'static Read> = wanted
        .iter()
        .copied()
        .filter(|r| !inventory_reads.contains(r) && r.made_on(Place::Global))
        .collect();
    let global_rest = async {
        let outcomes = read::read_all(&ctx, &routes.global, &hint, &rest).await;
        progress.done_one();
        outcomes
    };
    let clusters_then_workloads = async {
        let mut lists = read::read_all(&ctx, &routes.global, &hint, &inventory_reads).await;
        let (clusters, mut notes) = inventory(
            lists.get(reads::CLUSTERS.id),
            lists.get(reads::CAPI_CLUSTERS.id),
        );
        let global_name = global_name(clusters.as_ref(), &hint);
        let (names, more_notes) = workload_names(clusters.as_ref(), &global_name, options);
        notes.extend(more_notes);
        let platform_clusters = listed_names(clusters.as_ref(), &global_name)
            .map(|names| names.into_iter().collect::<Vec<_>>());
        if let Some(selected) = &options.clusters {
            for outcome in lists.values_mut() {
                if let ReadOutcome::Ok { items } = outcome {
                    items.retain(|item| {
                        let name = item_name(item);
                        name == global_name || selected.iter().any(|s| s == name)
                    });
                }
            }
        }
        progress.add_total(names.len());
        let mut workloads = futures::stream::iter(names)
            .map(|name| {
                let ctx = &ctx;
                let routes = &routes;
                let every_cluster = &every_cluster;
                let progress = &progress;
                async move {
                    let record = collect_workload(ctx, routes, name, every_cluster).await;
                    progress.done_one();
                    record
                }
            })
            .buffer_unordered(options.concurrency.max(1))
            .collect::<Vec<_>>()
            .await;
        workloads.sort_by(|a, b| a.name.cmp(&b.name));
        (lists, global_name, workloads, notes, platform_clusters)
    };
    let platform = async {
        let (mut global_reads, (lists, global_name, workloads, notes, platform_clusters)) =
            futures::join!(global_rest, clusters_then_workloads);
        global_reads.extend(lists);
        let global = ClusterRecord {
            name: global_name,
            reads: global_reads,
        };
        (global, workloads, notes, platform_clusters)
    };
    let standby = async {
        let endpoint = routes.standby.as_ref()?;
        let standby_reads: Vec<&'static Read> = wanted
            .iter()
            .copied()
            .filter(|r| r.made_on(Place::Standby))
            .collect();
        let outcomes = read::read_all(&ctx, endpoint, "standby", &standby_reads).await;
        progress.done_one();
        let name = global_name(outcomes.get(reads::CLUSTERS.id), "global");
        Some(ClusterRecord {
            name,
            reads: outcomes,
        })
    };
    let ((global, mut workloads, notes, platform_clusters), standby) =
        futures::join!(platform, standby);

    add_platform_address(&global, &mut workloads);
    let mut requests = ctx.take_manifest();
    if global.name != hint {
        for request in &mut requests {
            if request.cluster == hint {
                request.cluster = global.name.clone();
            }
        }
    }
    let mut clusters = vec![global];
    clusters.extend(workloads);
    Ok(Snapshot {
        format: SNAPSHOT_FORMAT.to_string(),
        format_version: SNAPSHOT_FORMAT_VERSION,
        collected_at,
        collector: Collector {
            tool: "acp-preflight".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            method: "live".to_string(),
            source: routes.global_url.clone(),
            insecure_skip_tls_verify: routes.insecure,
        },
        clusters,
        host: None,
        standby,
        manifest: Some(Manifest {
            reads: wanted.iter().map(|r| r.id.to_string()).collect(),
            selected_clusters: options.clusters.clone(),
            platform_clusters,
            notes,
            requests,
        }),
        redaction: None,
    })
}

/// Reads one workload cluster through its route, or records why it has none.
async fn collect_workload(
    ctx: &Ctx,
    routes: &Routes,
    name: String,
    reads: &[&'static Read],
) -> ClusterRecord {
    let not_collected = |message: String| {
        reads
            .iter()
            .map(|read| {
                let error = ReadError::new(ReadErrorKind::NotCollected, message.clone());
                (read.id.to_string(), ReadOutcome::Error(error))
            })
            .collect()
    };
    let reads = if !valid_cluster_name(&name) {
        not_collected(format!(
            "`{}` is not a valid cluster name, so it cannot be reached through the platform proxy",
            name.escape_debug()
        ))
    } else {
        match routes.endpoint(&name) {
            Some(endpoint) => read::read_all(ctx, &endpoint, &name, reads).await,
            None => not_collected(routes.no_route_message(&name)),
        }
    };
    ClusterRecord { name, reads }
}

/// Counts finished clusters for the progress callback.
struct Counter {
    callback: Option<ProgressFn>,
    done: AtomicUsize,
    total: AtomicUsize,
}

impl Counter {
    fn new(callback: Option<ProgressFn>, total: usize) -> Counter {
        Counter {
            callback,
            done: AtomicUsize::new(0),
            total: AtomicUsize::new(total),
        }
    }

    fn add_total(&self, more: usize) {
        self.total.fetch_add(more, Ordering::Relaxed);
        self.report(self.done.load(Ordering::Relaxed));
    }

    fn done_one(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        self.report(done);
    }

    fn report(&self, done: usize) {
        if let Some(callback) = &self.callback {
            callback(Progress {
                done,
                total: self.total.load(Ordering::Relaxed),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[tokio::test]
    async fn a_cluster_without_a_route_is_not_collected_and_says_why() {
        let options = CollectOptions::new(reads::ALL.iter().collect());
        let ctx = Ctx::new(&options);
        let client = kube::Client::try_from(kube::Config::new(
            "http://127.0.0.1:9".parse().expect("url"),
        ))
        .expect("client");
        let routes = Routes {
            global: transport::Endpoint {
                client,
                prefix: String::new(),
                base: String::new(),
            },
            global_url: "https://10.0.0.1:6443".to_string(),
            global_name: None,
            proxy: None,
            contexts: BTreeMap::new(),
            standby: None,
            insecure: false,
        };
        let every_cluster: Vec<&'static Read> = reads::ALL
            .iter()
            .filter(|r| r.made_on(Place::Workload))
            .collect();
        let record = collect_workload(&ctx, &routes, "prod-1".to_string(), &every_cluster).await;
        assert_eq!(record.reads.len(), every_cluster.len());
        for outcome in record.reads.values() {
            let ReadOutcome::Error(error) = outcome else {
                panic!("{outcome:?}");
            };
            assert_eq!(error.kind, ReadErrorKind::NotCollected);
            assert!(
                error.message.contains("--platform-url"),
                "{}",
                error.message
            );
            assert!(error.message.contains("--cluster-context prod-1=CONTEXT"));
        }
        assert!(ctx.take_manifest().is_empty(), "no request was made");
    }

    #[test]
    fn no_read_is_of_secrets() {
        for read in reads::ALL {
            assert_ne!(read.plural, "secrets", "{}", read.id);
        }
    }
}
