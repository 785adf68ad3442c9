//! Connections: the accept loop, TLS and HTTP/1.1 keep-alive per connection, and each request
//! answered by the server's [`State`] and recorded in its log.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{ACCEPT, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use super::{RequestRecord, State, header};
use crate::reply::Reply;

/// Accepts connections until shutdown; each connection is served by a task of its own.
pub(super) async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    state: Arc<State>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.wait_for(|stop| *stop) => return,
        };
        match accepted {
            Ok((stream, _)) => {
                tokio::spawn(serve_connection(
                    stream,
                    acceptor.clone(),
                    state.clone(),
                    shutdown.clone(),
                ));
            }
            // Out of file descriptors and the like: wait a little rather than spin.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// Serves one connection: TLS handshake, then HTTP/1.1 requests with keep-alive.
async fn serve_connection(
    stream: TcpStream,
    acceptor: TlsAcceptor,
    state: Arc<State>,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let work = async move {
        let Ok(Ok(tls)) =
            tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await
        else {
            return;
        };
        let service = service_fn(move |request| handle(state.clone(), request));
        let _ = http1::Builder::new()
            // Idle keep-alive connections stay open, as kube-apiserver's do.
            .header_read_timeout(None)
            .serve_connection(TokioIo::new(tls), service)
            .await;
    };
    tokio::select! {
        () = work => {}
        _ = shutdown.wait_for(|stop| *stop) => {}
    }
}

/// Answers one request and records it.
async fn handle(
    state: Arc<State>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    // Requests are reads: the body, if any, is not needed.
    let (request, _body) = request.into_parts();
    let full_path = request.uri.path().to_string();
    let (cluster, path) = split_cluster(&full_path);
    let mut record = RequestRecord {
        method: request.method.to_string(),
        cluster: cluster.map(str::to_string),
        path: path.to_string(),
        query: request.uri.query().unwrap_or("").to_string(),
        accept: header(&request, ACCEPT),
        status: 0,
    };

    let latency = state.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let Some(reply) = state.answer(&request, cluster, path).await else {
        state.log.push(record);
        return std::future::pending().await;
    };
    record.status = reply.status;
    state.log.push(record);
    Ok(response(reply))
}

/// Splits `/kubernetes/<cluster>/rest` into the cluster and `/rest`.
fn split_cluster(path: &str) -> (Option<&str>, &str) {
    let Some(rest) = path.strip_prefix("/kubernetes/") else {
        return (None, path);
    };
    let (cluster, rest) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if cluster.is_empty() {
        (None, path)
    } else {
        (Some(cluster), rest)
    }
}

fn response(reply: Reply) -> Response<Full<Bytes>> {
    let mut builder = Response::builder()
        .status(reply.status)
        .header(CONTENT_TYPE, reply.content_type);
    for (name, value) in &reply.headers {
        builder = builder.header(*name, value);
    }
    builder.body(Full::new(reply.body)).unwrap_or_else(|_| {
        let mut fallback = Response::new(Full::new(Bytes::new()));
        *fallback.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        fallback
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_prefix() {
        assert_eq!(
            split_cluster("/kubernetes/global/api/v1/nodes"),
            (Some("global"), "/api/v1/nodes")
        );
        assert_eq!(split_cluster("/kubernetes/prod-1"), (Some("prod-1"), "/"));
        assert_eq!(
            split_cluster("/kubernetes//api"),
            (None, "/kubernetes//api")
        );
        assert_eq!(split_cluster("/api/v1/nodes"), (None, "/api/v1/nodes"));
    }
}
