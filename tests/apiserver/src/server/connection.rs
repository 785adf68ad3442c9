//! Connections: the accept loop, TLS and HTTP/1.1 keep-alive per connection, and each request
//! answered by the server's [`State`] and recorded in its log.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{ACCEPT, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use super::{Outcome, RequestRecord, State, header};
use crate::faults::Delivery;
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

/// The error that makes hyper close a connection without answering.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by an injected fault")]
struct Dropped;

/// Answers one request and records it; an error closes the connection without an answer.
async fn handle(
    state: Arc<State>,
    request: Request<Incoming>,
) -> Result<Response<ResponseBody>, Dropped> {
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
    let (reply, delivery) = match state.answer(&request, cluster, path).await {
        Outcome::Answer(reply, delivery) => (reply, delivery),
        Outcome::Hang => {
            state.log.push(record);
            return std::future::pending().await;
        }
        Outcome::Drop => {
            state.log.push(record);
            return Err(Dropped);
        }
    };
    record.status = reply.status;
    state.log.push(record);
    Ok(response(reply, delivery))
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

fn response(reply: Reply, delivery: Delivery) -> Response<ResponseBody> {
    let mut builder = Response::builder()
        .status(reply.status)
        .header(CONTENT_TYPE, reply.content_type);
    for (name, value) in &reply.headers {
        builder = builder.header(*name, value);
    }
    builder
        .body(ResponseBody::new(reply.body, delivery))
        .unwrap_or_else(|_| {
            let mut fallback = Response::new(ResponseBody::new(Bytes::new(), Delivery::Whole));
            *fallback.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
            fallback
        })
}

/// A response body: sent at once, or piece by piece by a task (slowly, or cut short). Its
/// length is always that of the whole body, so a cut body is announced in full and the client
/// sees the connection close before the end.
pub(super) struct ResponseBody {
    length: u64,
    source: Source,
}

enum Source {
    Whole(Option<Bytes>),
    Pieces(tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>),
}

impl ResponseBody {
    fn new(body: Bytes, delivery: Delivery) -> ResponseBody {
        let length = body.len() as u64;
        let (pieces, pause, cut) = match delivery {
            Delivery::Whole => {
                return ResponseBody {
                    length,
                    source: Source::Whole(Some(body)),
                };
            }
            Delivery::Cut => (1, Duration::ZERO, true),
            Delivery::Slow { chunks, pause } => (chunks.max(1) as usize, pause, false),
        };
        let (sender, receiver) = tokio::sync::mpsc::channel(1);
        tokio::spawn(async move {
            if cut {
                let half = body.slice(..body.len() / 2);
                if sender.send(Ok(half)).await.is_ok() {
                    let _ = sender
                        .send(Err(std::io::Error::other("body cut by an injected fault")))
                        .await;
                }
                return;
            }
            let size = body.len().div_ceil(pieces).max(1);
            let mut start = 0;
            while start < body.len() {
                tokio::time::sleep(pause).await;
                let end = (start + size).min(body.len());
                if sender.send(Ok(body.slice(start..end))).await.is_err() {
                    return;
                }
                start = end;
            }
        });
        ResponseBody {
            length,
            source: Source::Pieces(receiver),
        }
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        match &mut self.get_mut().source {
            Source::Whole(body) => Poll::Ready(body.take().map(|b| Ok(Frame::data(b)))),
            Source::Pieces(receiver) => receiver
                .poll_recv(cx)
                .map(|piece| piece.map(|p| p.map(Frame::data))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.source, Source::Whole(None)) || self.length == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.length)
    }
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
