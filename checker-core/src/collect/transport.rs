//! One GET request: timeouts, the overall deadline, bounded retries with backoff, and the
//! manifest entry.

use std::sync::Mutex;
use std::time::Duration;

use http::header::{ACCEPT, CONTENT_TYPE, RETRY_AFTER};
use kube::client::Body;
use tokio::time::Instant;

use super::classify;
use super::{CollectOptions, ManifestRequest};
use crate::snapshot::{ReadError, ReadErrorKind};

/// The longest `Retry-After` honoured; a longer one is cut to this.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(2);

/// Where requests to one cluster go: a client, and the path prefix of the cluster on it
/// (`/kubernetes/<cluster>` through the platform proxy, empty otherwise).
#[derive(Clone)]
pub(crate) struct Endpoint {
    pub client: kube::Client,
    pub prefix: String,
    /// The path of the client's URL, which the client puts before every request path; only
    /// for the manifest, which shows paths as sent.
    pub base: String,
}

/// What every request of one collection shares: limits, and the manifest being written.
pub(crate) struct Ctx {
    pub deadline: Instant,
    pub deadline_total: Duration,
    pub request_timeout: Duration,
    pub retries: u32,
    pub backoff: Duration,
    pub page_size: u32,
    manifest: Mutex<Vec<ManifestRequest>>,
}

impl Ctx {
    pub fn new(options: &CollectOptions) -> Ctx {
        let now = Instant::now();
        Ctx {
            deadline: now
                .checked_add(options.deadline)
                .unwrap_or(now + Duration::from_secs(86_400)),
            deadline_total: options.deadline,
            request_timeout: options.request_timeout.max(Duration::from_millis(1)),
            retries: options.retries,
            backoff: options.retry_backoff,
            page_size: options.page_size.max(1),
            manifest: Mutex::new(Vec::new()),
        }
    }

    /// The requests made so far.
    pub fn take_manifest(&self) -> Vec<ManifestRequest> {
        std::mem::take(&mut *self.manifest.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn record(&self, request: ManifestRequest) {
        self.manifest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(request);
    }

    /// The error of a read that was not attempted because the deadline had passed.
    pub fn deadline_error(&self) -> ReadError {
        ReadError::new(
            ReadErrorKind::Timeout,
            format!(
                "not read: the collection deadline ({}s) had passed",
                self.deadline_total.as_secs()
            ),
        )
    }
}

/// An HTTP answer, whatever its status.
#[derive(Debug, Clone)]
pub(crate) struct HttpAnswer {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    pub retry_after: Option<Duration>,
}

/// The outcome of a request: an answer, or no answer.
#[derive(Debug, Clone)]
pub(crate) enum Answer {
    Http(HttpAnswer),
    Failed(ReadError),
}

/// Whether an answer is worth retrying: throttled, or a server or proxy error that may pass.
fn retryable(answer: &Answer) -> bool {
    matches!(answer, Answer::Http(h) if matches!(h.status, 429 | 500 | 502 | 503 | 504))
}

/// GETs `path` (after the endpoint's prefix) as JSON, retrying 429 and 5xx answers with
/// exponential backoff as long as the retry would start before the deadline.
pub(crate) async fn get(ctx: &Ctx, endpoint: &Endpoint, cluster: &str, path: &str) -> Answer {
    get_as(ctx, endpoint, cluster, path, "application/json").await
}

/// Like [`get`], asking for the media types of `accept` (aggregated discovery, say).
pub(crate) async fn get_as(
    ctx: &Ctx,
    endpoint: &Endpoint,
    cluster: &str,
    path: &str,
    accept: &str,
) -> Answer {
    let mut attempt = 0;
    loop {
        let answer = get_once(ctx, endpoint, cluster, path, accept).await;
        if !retryable(&answer) || attempt >= ctx.retries {
            return answer;
        }
        let mut wait = ctx.backoff.saturating_mul(1 << attempt.min(16));
        if let Answer::Http(HttpAnswer {
            retry_after: Some(after),
            ..
        }) = &answer
        {
            wait = wait.max((*after).min(MAX_RETRY_AFTER));
        }
        if Instant::now() + wait >= ctx.deadline {
            return answer;
        }
        tokio::time::sleep(wait).await;
        attempt += 1;
    }
}

/// One GET, bounded by the request timeout and the deadline, recorded in the manifest.
async fn get_once(
    ctx: &Ctx,
    endpoint: &Endpoint,
    cluster: &str,
    path: &str,
    accept: &str,
) -> Answer {
    let started = Instant::now();
    if started >= ctx.deadline {
        return Answer::Failed(ctx.deadline_error());
    }
    let limit = (started + ctx.request_timeout).min(ctx.deadline);
    let uri = format!("{}{}", endpoint.prefix, path);
    let request = match http::Request::get(uri.as_str())
        .header(ACCEPT, accept)
        .body(Body::empty())
    {
        Ok(request) => request,
        Err(error) => {
            return Answer::Failed(ReadError::new(
                ReadErrorKind::Invalid,
                format!("cannot make a request for {uri}: {error}"),
            ));
        }
    };
    let exchange = async {
        let response = endpoint.client.send(request).await?;
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &http::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header(CONTENT_TYPE).unwrap_or_default();
        let retry_after = header(RETRY_AFTER)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let status = response.status().as_u16();
        let body = response.into_body().collect_bytes().await?;
        Ok::<_, kube::Error>(HttpAnswer {
            status,
            content_type,
            body: body.to_vec(),
            retry_after,
        })
    };
    let answer = match tokio::time::timeout_at(limit, exchange).await {
        Ok(Ok(answer)) => Answer::Http(answer),
        Ok(Err(error)) => Answer::Failed(classify::transport(&error, ctx.request_timeout)),
        Err(_) if limit == ctx.deadline && limit < started + ctx.request_timeout => {
            Answer::Failed(ReadError::new(
                ReadErrorKind::Timeout,
                format!(
                    "no answer before the collection deadline ({}s)",
                    ctx.deadline_total.as_secs()
                ),
            ))
        }
        Err(_) => Answer::Failed(classify::timed_out(ctx.request_timeout)),
    };
    let (status, error) = match &answer {
        Answer::Http(h) => (Some(h.status), None),
        Answer::Failed(e) => (None, Some(e.kind)),
    };
    ctx.record(ManifestRequest {
        method: "GET".to_string(),
        cluster: cluster.to_string(),
        path: format!("{}{uri}", endpoint.base),
        status,
        error,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    });
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(timeout: Duration) -> CollectOptions {
        let mut options = CollectOptions::new(Vec::new());
        options.request_timeout = timeout;
        options
    }

    fn endpoint(url: &str, timeout: Duration) -> Endpoint {
        let mut config = kube::Config::new(url.parse().expect("url"));
        config.default_retry = false;
        config.read_timeout = Some(timeout);
        config.connect_timeout = Some(timeout);
        Endpoint {
            client: kube::Client::try_from(config).expect("client"),
            prefix: String::new(),
            base: String::new(),
        }
    }

    #[tokio::test]
    async fn connection_refused_is_unreachable() {
        // A port that was just free: nothing listens on it.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        let timeout = Duration::from_secs(5);
        let ctx = Ctx::new(&options(timeout));
        let endpoint = endpoint(&format!("http://127.0.0.1:{port}"), timeout);
        let Answer::Failed(error) = get(&ctx, &endpoint, "c", "/api").await else {
            panic!("an answer from a closed port");
        };
        assert_eq!(error.kind, ReadErrorKind::Unreachable, "{error}");
        assert!(
            error.message.contains("connection refused"),
            "{}",
            error.message
        );
        let manifest = ctx.take_manifest();
        assert_eq!(manifest.len(), 1, "no retry of a refused connection");
        assert_eq!(manifest[0].error, Some(ReadErrorKind::Unreachable));
        assert_eq!(manifest[0].path, "/api");
    }

    #[tokio::test]
    async fn a_silent_server_times_out() {
        // Accepts connections and never answers.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let timeout = Duration::from_millis(300);
        let ctx = Ctx::new(&options(timeout));
        let endpoint = endpoint(&format!("http://127.0.0.1:{port}"), Duration::from_secs(30));
        let started = std::time::Instant::now();
        let Answer::Failed(error) = get(&ctx, &endpoint, "c", "/api").await else {
            panic!("an answer from a silent server");
        };
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(error.kind, ReadErrorKind::Timeout, "{error}");
        assert_eq!(error.message, "no answer within 0.3s");
        drop(listener);
    }

    #[tokio::test]
    async fn nothing_is_sent_after_the_deadline() {
        let mut options = options(Duration::from_secs(1));
        options.deadline = Duration::ZERO;
        let ctx = Ctx::new(&options);
        let endpoint = endpoint("http://127.0.0.1:9", Duration::from_secs(1));
        let Answer::Failed(error) = get(&ctx, &endpoint, "c", "/api").await else {
            panic!("an answer after the deadline");
        };
        assert_eq!(error.kind, ReadErrorKind::Timeout);
        assert!(error.message.contains("deadline"), "{}", error.message);
        assert!(ctx.take_manifest().is_empty());
    }
}
