//! The request-bound floor: a list of GET requests replayed over many concurrent keep-alive
//! HTTPS connections, as fast as the server answers.
//!
//! The connections are opened (TCP, TLS, HTTP/1.1) before the clock starts; then each one takes
//! the next request of the list, sends it with the recorded `Accept` header and the bearer
//! token, reads the whole body and takes the next, until the list is done. Dependencies between
//! requests (a workload cluster is known only once the cluster list has been read) are ignored:
//! no client can be faster with that many connections.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty};
use hyper::Request;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{ACCEPT, AUTHORIZATION, HOST};
use hyper_util::rt::TokioIo;
use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use serde::Serialize;
use test_apiserver::RequestRecord;
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio_rustls::TlsConnector;

/// Default time one replayed request may take before the replay fails.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// One request to replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplayRequest {
    /// Path and query, e.g. `/kubernetes/prod-001/apis/apps/v1/namespaces/x/deployments?limit=500`.
    pub path_and_query: String,
    /// The `Accept` header to send, if any.
    pub accept: Option<String>,
}

impl ReplayRequest {
    /// The replay of a logged request; `None` for anything but a GET.
    pub fn from_record(record: &RequestRecord) -> Option<ReplayRequest> {
        if record.method != "GET" {
            return None;
        }
        let path = match &record.cluster {
            Some(cluster) => format!("/kubernetes/{cluster}{}", record.path),
            None => record.path.clone(),
        };
        let path_and_query = if record.query.is_empty() {
            path
        } else {
            format!("{path}?{}", record.query)
        };
        Some(ReplayRequest {
            path_and_query,
            accept: record.accept.clone(),
        })
    }
}

/// Why a replay failed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// Replays only go to this machine.
    #[error("refusing to replay against {0}: only loopback addresses are allowed")]
    NotLoopback(SocketAddr),
    /// The CA certificate could not be used.
    #[error("the server CA is not usable: {0}")]
    Ca(String),
    /// The TLS client could not be configured.
    #[error("TLS client configuration: {0}")]
    Tls(String),
    /// A connection could not be opened.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// The server address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// An HTTP exchange failed.
    #[error("HTTP error on {path}: {message}")]
    Http {
        /// The request path ("" for the connection handshake).
        path: String,
        /// What failed.
        message: String,
    },
    /// A request took longer than the timeout.
    #[error("{path} took longer than {timeout:?}")]
    Timeout {
        /// The request path.
        path: String,
        /// The timeout.
        timeout: Duration,
    },
    /// A worker task panicked or was cancelled.
    #[error("a replay worker failed: {0}")]
    Worker(String),
}

/// What one replay measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplayOutcome {
    /// Requests sent.
    pub requests: usize,
    /// Connections used.
    pub connections: usize,
    /// Time to open every connection (not part of `elapsed`).
    pub connect: Duration,
    /// Time from the first request sent to the last response body read.
    pub elapsed: Duration,
    /// Responses per HTTP status.
    pub statuses: BTreeMap<u16, usize>,
    /// Response body bytes read.
    pub body_bytes: u64,
}

/// A replaying client for one server.
#[derive(Clone)]
pub struct Replayer {
    addr: SocketAddr,
    connector: TlsConnector,
    server_name: ServerName<'static>,
    host: String,
    authorization: String,
    timeout: Duration,
}

impl std::fmt::Debug for Replayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The authorization header carries the token: never printed.
        f.debug_struct("Replayer")
            .field("addr", &self.addr)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Replayer {
    /// A client of the server at `addr` (a loopback address), trusting only the CA in `ca_pem`
    /// and sending `Authorization: Bearer <token>`.
    pub fn new(addr: SocketAddr, ca_pem: &str, token: &str) -> Result<Replayer, ReplayError> {
        if !addr.ip().is_loopback() {
            return Err(ReplayError::NotLoopback(addr));
        }
        let mut roots = RootCertStore::empty();
        let mut found = 0;
        for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
            let cert = cert.map_err(|e| ReplayError::Ca(e.to_string()))?;
            roots
                .add(cert)
                .map_err(|e| ReplayError::Ca(e.to_string()))?;
            found += 1;
        }
        if found == 0 {
            return Err(ReplayError::Ca(
                "no certificate in the PEM text".to_string(),
            ));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| ReplayError::Tls(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Replayer {
            addr,
            connector: TlsConnector::from(Arc::new(config)),
            server_name: ServerName::IpAddress(addr.ip().into()),
            host: addr.to_string(),
            authorization: format!("Bearer {token}"),
            timeout: DEFAULT_REQUEST_TIMEOUT,
        })
    }

    /// The same client with another per-request timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Replayer {
        self.timeout = timeout;
        self
    }

    /// Opens one keep-alive connection.
    async fn connect(&self) -> Result<SendRequest<Empty<Bytes>>, ReplayError> {
        let connect_error = |source| ReplayError::Connect {
            addr: self.addr,
            source,
        };
        let tcp = TcpStream::connect(self.addr).await.map_err(connect_error)?;
        tcp.set_nodelay(true).map_err(connect_error)?;
        let tls = self
            .connector
            .connect(self.server_name.clone(), tcp)
            .await
            .map_err(connect_error)?;
        let (sender, connection) =
            http1::handshake(TokioIo::new(tls))
                .await
                .map_err(|e| ReplayError::Http {
                    path: String::new(),
                    message: e.to_string(),
                })?;
        // Drives the connection; ends when the sender is dropped.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(sender)
    }

    /// One GET over a connection of its own: the status and the body.
    pub async fn get(
        &self,
        path_and_query: &str,
        accept: Option<&str>,
    ) -> Result<(u16, Bytes), ReplayError> {
        let mut sender = self.connect().await?;
        let request = ReplayRequest {
            path_and_query: path_and_query.to_string(),
            accept: accept.map(str::to_string),
        };
        self.exchange(&mut sender, &request).await
    }

    /// Replays `requests` over `connections` concurrent connections (at least one, at most one
    /// per request). Fails on the first transport error or timeout; HTTP error statuses are
    /// answers, counted in [`ReplayOutcome::statuses`].
    pub async fn replay(
        &self,
        requests: Arc<[ReplayRequest]>,
        connections: usize,
    ) -> Result<ReplayOutcome, ReplayError> {
        let connections = connections.clamp(1, requests.len().max(1));
        let connect_started = Instant::now();
        let mut opening = JoinSet::new();
        for _ in 0..connections {
            let client = self.clone();
            opening.spawn(async move { client.connect().await });
        }
        let mut senders = Vec::with_capacity(connections);
        while let Some(opened) = opening.join_next().await {
            senders.push(opened.map_err(|e| ReplayError::Worker(e.to_string()))??);
        }
        let connect = connect_started.elapsed();

        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let mut workers = JoinSet::new();
        for sender in senders {
            let client = self.clone();
            let requests = requests.clone();
            let next = next.clone();
            workers.spawn(async move { client.work(sender, &requests, &next).await });
        }
        let mut statuses = BTreeMap::new();
        let mut body_bytes = 0;
        while let Some(done) = workers.join_next().await {
            let tally = done.map_err(|e| ReplayError::Worker(e.to_string()))??;
            for (status, count) in tally.statuses {
                *statuses.entry(status).or_insert(0) += count;
            }
            body_bytes += tally.body_bytes;
        }
        Ok(ReplayOutcome {
            requests: requests.len(),
            connections,
            connect,
            elapsed: started.elapsed(),
            statuses,
            body_bytes,
        })
    }

    /// One connection's share: takes the next request until the list is done.
    async fn work(
        &self,
        mut sender: SendRequest<Empty<Bytes>>,
        requests: &[ReplayRequest],
        next: &AtomicUsize,
    ) -> Result<Tally, ReplayError> {
        let mut tally = Tally::default();
        // Each turn takes a distinct index, so the loop ends after at most requests.len() turns.
        while let Some(request) = requests.get(next.fetch_add(1, Ordering::Relaxed)) {
            let (status, body) = self.exchange(&mut sender, request).await?;
            *tally.statuses.entry(status).or_insert(0) += 1;
            tally.body_bytes += body.len() as u64;
        }
        Ok(tally)
    }

    /// Sends one request on a connection and reads the whole answer.
    async fn exchange(
        &self,
        sender: &mut SendRequest<Empty<Bytes>>,
        request: &ReplayRequest,
    ) -> Result<(u16, Bytes), ReplayError> {
        let path = &request.path_and_query;
        let http_error = |message: String| ReplayError::Http {
            path: path.clone(),
            message,
        };
        let mut builder = Request::get(path.as_str())
            .header(HOST, &self.host)
            .header(AUTHORIZATION, &self.authorization);
        if let Some(accept) = &request.accept {
            builder = builder.header(ACCEPT, accept);
        }
        let http_request = builder
            .body(Empty::new())
            .map_err(|e| http_error(e.to_string()))?;
        let exchange = async {
            sender
                .ready()
                .await
                .map_err(|e| http_error(e.to_string()))?;
            let response = sender
                .send_request(http_request)
                .await
                .map_err(|e| http_error(e.to_string()))?;
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| http_error(e.to_string()))?
                .to_bytes();
            Ok::<_, ReplayError>((status, body))
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| ReplayError::Timeout {
                path: path.clone(),
                timeout: self.timeout,
            })?
    }
}

/// What one connection got.
#[derive(Debug, Default)]
struct Tally {
    statuses: BTreeMap<u16, usize>,
    body_bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_become_requests() {
        let record = RequestRecord {
            method: "GET".to_string(),
            cluster: Some("prod-001".to_string()),
            path: "/apis/apps/v1/namespaces/istio-system/deployments".to_string(),
            query: "limit=500".to_string(),
            accept: Some("application/json".to_string()),
            status: 200,
        };
        assert_eq!(
            ReplayRequest::from_record(&record),
            Some(ReplayRequest {
                path_and_query:
                    "/kubernetes/prod-001/apis/apps/v1/namespaces/istio-system/deployments?limit=500"
                        .to_string(),
                accept: Some("application/json".to_string()),
            })
        );
        let outside = RequestRecord {
            cluster: None,
            path: "/version".to_string(),
            query: String::new(),
            ..record.clone()
        };
        assert_eq!(
            ReplayRequest::from_record(&outside).map(|r| r.path_and_query),
            Some("/version".to_string())
        );
        let post = RequestRecord {
            method: "POST".to_string(),
            ..record
        };
        assert_eq!(ReplayRequest::from_record(&post), None);
    }

    #[test]
    fn only_loopback() {
        let addr: SocketAddr = "192.0.2.1:443".parse().unwrap();
        assert!(matches!(
            Replayer::new(addr, "", "t"),
            Err(ReplayError::NotLoopback(_))
        ));
        let local: SocketAddr = "127.0.0.1:443".parse().unwrap();
        assert!(matches!(
            Replayer::new(local, "not a pem", "t"),
            Err(ReplayError::Ca(_))
        ));
    }
}
