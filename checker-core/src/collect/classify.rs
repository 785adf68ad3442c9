//! Turning failed requests into [`ReadError`]s: a class, the HTTP status, a short message with
//! no HTML and no credentials, and for 403 the missing permission.

use std::error::Error as StdError;
use std::time::Duration;

use serde_json::Value;

use crate::snapshot::{ReadError, ReadErrorKind};

/// The longest message kept from a server's answer.
const MAX_MESSAGE: usize = 300;

/// The error for an HTTP answer that is not a success. `permission` is what the request needed,
/// e.g. `list moduleinfoes.cluster.alauda.io`; it becomes `missing_permission` on a 403.
pub(crate) fn http(status: u16, content_type: &str, body: &[u8], permission: &str) -> ReadError {
    let server_message = status_message(content_type, body);
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let answered = if reason.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("{status} {reason}")
    };
    let (kind, fallback) = match status {
        401 => (
            ReadErrorKind::Unauthorized,
            "the API server rejected the credentials (expired or wrong token?)".to_string(),
        ),
        403 => (ReadErrorKind::Forbidden, format!("forbidden: {permission}")),
        429 => (
            ReadErrorKind::ServerError,
            "the API server is throttling requests (429 Too Many Requests)".to_string(),
        ),
        502..=504 => (
            ReadErrorKind::Unreachable,
            format!("the proxy answered {answered}: the cluster is unreachable"),
        ),
        _ => (
            ReadErrorKind::ServerError,
            format!("the server answered {answered}"),
        ),
    };
    let message = match server_message {
        Some(text) if status == 429 => format!("{fallback}: {text}"),
        Some(text) if (502..=504).contains(&status) => format!("{answered}: {text}"),
        Some(text) => text,
        None => fallback,
    };
    ReadError {
        kind,
        http_status: Some(status),
        message,
        missing_permission: (status == 403).then(|| permission.to_string()),
    }
}

/// Why a JSON object answered 200 to a GET of one object (`/version`) is not that object: a
/// `Status` (as a proxy or an aggregated API server may send with 200), or `{}`. `None` when it
/// may be the object. Such an answer says nothing, so it must not be taken for an object whose
/// fields are all missing.
pub(crate) fn unusable_object(path: &str, object: &Value) -> Option<ReadError> {
    let message = if object.get("kind").and_then(Value::as_str) == Some("Status") {
        let said = object
            .get("message")
            .and_then(Value::as_str)
            .map(|m| format!(": {}", short(m)))
            .unwrap_or_default();
        format!("the answer to {path} is a Status, not the object asked for{said}")
    } else if object.as_object().is_some_and(|o| o.is_empty()) {
        format!("the answer to {path} is an empty object")
    } else {
        return None;
    };
    Some(ReadError {
        kind: ReadErrorKind::Invalid,
        http_status: Some(200),
        message,
        missing_permission: None,
    })
}

/// Whether the body is a Kubernetes `Status` object, as kube-apiserver writes its errors.
pub(crate) fn is_status(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body)
        .ok()
        .is_some_and(|v| v.get("kind").and_then(Value::as_str) == Some("Status"))
}

/// The `message` of a Kubernetes `Status` body, or a short plain-text body; never HTML.
fn status_message(content_type: &str, body: &[u8]) -> Option<String> {
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        return value
            .get("message")
            .and_then(Value::as_str)
            .map(short)
            .filter(|m| !m.is_empty());
    }
    let text = std::str::from_utf8(body).ok()?.trim();
    let html = content_type.contains("html")
        || text.starts_with('<')
        || text.to_ascii_lowercase().contains("<html");
    if html || text.is_empty() {
        return None;
    }
    Some(short(text))
}

/// One line, at most [`MAX_MESSAGE`] characters, no control characters.
pub(crate) fn short(text: &str) -> String {
    let line: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    if line.chars().count() > MAX_MESSAGE {
        let cut: String = line.chars().take(MAX_MESSAGE).collect();
        format!("{cut}…")
    } else {
        line
    }
}

/// The error for a request that got no answer within the request timeout.
pub(crate) fn timed_out(timeout: Duration) -> ReadError {
    ReadError::new(
        ReadErrorKind::Timeout,
        format!("no answer within {}", seconds(timeout)),
    )
}

fn seconds(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{:.1}s", duration.as_secs_f64())
    }
}

/// The error for a request that failed without an HTTP answer: refused or reset connection,
/// DNS, TLS, a timeout in the connector. The cause is found by walking the error's sources,
/// since kube's own text (`ServiceError: client error (Connect)`) hides it.
pub(crate) fn transport(error: &kube::Error, timeout: Duration) -> ReadError {
    without_answer(error, timeout)
}

/// [`transport`] for any error.
fn without_answer(error: &(dyn StdError + 'static), timeout: Duration) -> ReadError {
    let chain = chain(error);
    let io_kind = io_kind(error);
    let lower = chain.to_ascii_lowercase();
    use std::io::ErrorKind as Io;
    // hyper says `(Connect)` for a failure while connecting (TCP, then the TLS handshake);
    // after it, an end of the stream is the server closing the connection, which rustls words
    // as a missing TLS close_notify: that is not a handshake failure.
    let connecting = lower.contains("(connect)");
    let closed = io_kind == Some(Io::UnexpectedEof)
        || lower.contains("close_notify")
        || lower.contains("connection closed before message completed")
        || lower.contains("end of file before message length reached");
    let (kind, summary) = match io_kind {
        Some(Io::TimedOut) => return timed_out(timeout),
        Some(Io::ConnectionRefused) => (ReadErrorKind::Unreachable, "connection refused"),
        Some(Io::ConnectionReset | Io::ConnectionAborted | Io::BrokenPipe) => {
            (ReadErrorKind::Unreachable, "connection reset")
        }
        Some(Io::HostUnreachable | Io::NetworkUnreachable | Io::AddrNotAvailable) => {
            (ReadErrorKind::Unreachable, "host unreachable")
        }
        _ if lower.contains("certificate") => (ReadErrorKind::Unreachable, "TLS handshake failed"),
        _ if closed && !connecting => (
            ReadErrorKind::Unreachable,
            "the server closed the connection before answering in full",
        ),
        _ if lower.contains("tls") => (ReadErrorKind::Unreachable, "TLS handshake failed"),
        _ if lower.contains("dns") || lower.contains("lookup address") => {
            (ReadErrorKind::Unreachable, "the host name does not resolve")
        }
        _ if lower.contains("timed out") || lower.contains("timeout") => {
            return timed_out(timeout);
        }
        _ if lower.contains("token") || lower.contains("auth") => {
            (ReadErrorKind::Unauthorized, "could not get credentials")
        }
        _ => (ReadErrorKind::Unreachable, "no answer"),
    };
    ReadError {
        kind,
        http_status: None,
        message: short(&format!("{summary}: {chain}")),
        missing_permission: None,
    }
}

/// The kind of the innermost `std::io::Error` among the sources, if any.
fn io_kind(error: &(dyn StdError + 'static)) -> Option<std::io::ErrorKind> {
    let mut found = None;
    let mut current: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            found = Some(io.kind());
        }
        current = e.source();
    }
    found
}

/// The messages of an error and its sources, joined with `: `, dropping a message that merely
/// repeats the next one with a prefix (`ServiceError: client error (Connect)` then
/// `client error (Connect)`).
pub(crate) fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut messages = Vec::new();
    let mut current: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(e) = current {
        messages.push(e.to_string());
        current = e.source();
    }
    let mut kept: Vec<&str> = Vec::new();
    for (i, message) in messages.iter().enumerate() {
        let repeated = messages
            .get(i + 1)
            .is_some_and(|next| !next.is_empty() && message.ends_with(next.as_str()));
        if !repeated && !message.is_empty() && kept.last() != Some(&message.as_str()) {
            kept.push(message);
        }
    }
    kept.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const BAD_GATEWAY: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

    #[test]
    fn an_html_502_is_unreachable_without_the_page() {
        let error = http(
            502,
            "text/html",
            BAD_GATEWAY.as_bytes(),
            "list deployments.apps",
        );
        assert_eq!(error.kind, ReadErrorKind::Unreachable);
        assert_eq!(error.http_status, Some(502));
        assert_eq!(
            error.message,
            "the proxy answered 502 Bad Gateway: the cluster is unreachable"
        );
        assert_eq!(error.missing_permission, None);
        // Even without a content type.
        let error = http(502, "", BAD_GATEWAY.as_bytes(), "x");
        assert!(!error.message.contains('<'), "{}", error.message);
    }

    #[test]
    fn a_403_status_names_the_missing_permission() {
        let body = serde_json::json!({
            "kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Forbidden", "code": 403,
            "message": "moduleinfoes.cluster.alauda.io is forbidden: User \"x\" cannot list resource \"moduleinfoes\" in API group \"cluster.alauda.io\" at the cluster scope",
            "details": {"group": "cluster.alauda.io", "kind": "moduleinfoes"},
        });
        let error = http(
            403,
            "application/json",
            body.to_string().as_bytes(),
            "list moduleinfoes.cluster.alauda.io",
        );
        assert_eq!(error.kind, ReadErrorKind::Forbidden);
        assert_eq!(error.http_status, Some(403));
        assert!(
            error
                .message
                .starts_with("moduleinfoes.cluster.alauda.io is forbidden")
        );
        assert_eq!(
            error.missing_permission.as_deref(),
            Some("list moduleinfoes.cluster.alauda.io")
        );
        assert_eq!(
            error.to_string(),
            format!(
                "forbidden (HTTP 403): {}; missing permission: list moduleinfoes.cluster.alauda.io",
                error.message
            )
        );
    }

    #[test]
    fn other_statuses() {
        let status = |code: u16, message: &str| {
            serde_json::json!({"kind": "Status", "code": code, "message": message}).to_string()
        };
        let e = http(
            401,
            "application/json",
            status(401, "Unauthorized").as_bytes(),
            "x",
        );
        assert_eq!(e.kind, ReadErrorKind::Unauthorized);
        assert_eq!(e.message, "Unauthorized");
        let e = http(401, "", b"", "x");
        assert!(e.message.contains("rejected the credentials"));
        let e = http(
            503,
            "application/json",
            status(503, "the server is currently unable to handle the request").as_bytes(),
            "x",
        );
        assert_eq!(e.kind, ReadErrorKind::Unreachable);
        assert_eq!(
            e.message,
            "503 Service Unavailable: the server is currently unable to handle the request"
        );
        let e = http(
            429,
            "application/json",
            status(429, "Too many requests").as_bytes(),
            "x",
        );
        assert_eq!(e.kind, ReadErrorKind::ServerError);
        assert!(e.message.starts_with("the API server is throttling"));
        let e = http(500, "text/plain", b"boom\n\n  at line 3", "x");
        assert_eq!(e.kind, ReadErrorKind::ServerError);
        assert_eq!(e.message, "boom at line 3");
        let long = "x".repeat(1000);
        let e = http(500, "text/plain", long.as_bytes(), "x");
        assert_eq!(e.message.chars().count(), MAX_MESSAGE + 1);
    }

    #[test]
    fn a_status_or_an_empty_object_is_not_the_object() {
        let status = serde_json::json!({"kind": "Status", "status": "Success", "code": 200});
        let error = unusable_object("/version", &status).expect("a Status is not /version");
        assert_eq!(error.kind, ReadErrorKind::Invalid);
        assert_eq!(error.http_status, Some(200));
        assert_eq!(
            error.message,
            "the answer to /version is a Status, not the object asked for"
        );
        let error = unusable_object("/version", &serde_json::json!({})).expect("empty");
        assert_eq!(error.message, "the answer to /version is an empty object");
        let version = serde_json::json!({"major": "1", "minor": "30", "gitVersion": "v1.30.4"});
        assert_eq!(unusable_object("/version", &version), None);
    }

    #[test]
    fn timeouts_say_how_long() {
        let e = timed_out(Duration::from_secs(10));
        assert_eq!(e.kind, ReadErrorKind::Timeout);
        assert_eq!(e.message, "no answer within 10s");
        assert_eq!(
            timed_out(Duration::from_millis(1500)).message,
            "no answer within 1.5s"
        );
    }

    #[derive(Debug)]
    struct Wrapper(
        &'static str,
        Option<Box<dyn StdError + Send + Sync + 'static>>,
    );
    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl StdError for Wrapper {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            self.1.as_deref().map(|e| e as &(dyn StdError + 'static))
        }
    }

    #[test]
    fn a_connection_closed_after_the_handshake_is_not_a_tls_failure() {
        let eof = || {
            std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "peer closed connection without sending TLS close_notify",
            )
        };
        let after = Wrapper(
            "client error (SendRequest)",
            Some(Box::new(Wrapper("connection error", Some(Box::new(eof()))))),
        );
        let error = without_answer(&after, Duration::from_secs(1));
        assert_eq!(error.kind, ReadErrorKind::Unreachable);
        assert!(
            error
                .message
                .starts_with("the server closed the connection before answering in full: "),
            "{}",
            error.message
        );
        assert!(!error.message.contains("handshake"), "{}", error.message);

        // While connecting, it is the handshake that failed.
        let during = Wrapper("client error (Connect)", Some(Box::new(eof())));
        let error = without_answer(&during, Duration::from_secs(1));
        assert!(
            error.message.starts_with("TLS handshake failed: "),
            "{}",
            error.message
        );
        let certificate = Wrapper(
            "client error (Connect)",
            Some(Box::new(Wrapper(
                "invalid peer certificate: UnknownIssuer",
                None,
            ))),
        );
        let error = without_answer(&certificate, Duration::from_secs(1));
        assert!(
            error.message.starts_with("TLS handshake failed: "),
            "{}",
            error.message
        );
    }

    #[test]
    fn the_chain_finds_the_cause() {
        let io = std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "Connection refused (os error 111)",
        );
        let error = Wrapper(
            "ServiceError: client error (Connect)",
            Some(Box::new(Wrapper(
                "client error (Connect)",
                Some(Box::new(Wrapper("tcp connect error", Some(Box::new(io))))),
            ))),
        );
        assert_eq!(
            chain(&error),
            "client error (Connect): tcp connect error: Connection refused (os error 111)"
        );
        assert_eq!(io_kind(&error), Some(std::io::ErrorKind::ConnectionRefused));
    }
}
