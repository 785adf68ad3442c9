//! Answers: JSON bodies and the `Status` error objects kube-apiserver returns.

use bytes::Bytes;
use serde_json::{Value, json};

use crate::resources::ResourceDef;

/// The `Content-Type` of ordinary JSON answers.
pub(crate) const JSON: &str = "application/json";
/// The `Content-Type` of plain-text backend answers.
pub(crate) const TEXT: &str = "text/plain; charset=utf-8";

/// An HTTP answer before it is turned into a hyper response.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Bytes,
    /// Extra headers (e.g. `Retry-After`).
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// A 200 answer with a JSON body.
    pub fn json(value: &impl serde::Serialize) -> Reply {
        Reply::bytes(JSON, serde_json::to_vec(value).unwrap_or_default().into())
    }

    /// A 200 answer with a pre-serialised body.
    pub fn bytes(content_type: &'static str, body: Bytes) -> Reply {
        Reply {
            status: 200,
            content_type,
            body,
            headers: Vec::new(),
        }
    }

    /// A `Status` failure, as kube-apiserver writes it.
    pub fn status(code: u16, reason: &str, message: &str, details: Option<Value>) -> Reply {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
        });
        if let Some(details) = details {
            status["details"] = details;
        }
        Reply {
            status: code,
            ..Reply::json(&status)
        }
    }

    /// 404 for a path or resource type the server does not serve.
    pub fn resource_not_found() -> Reply {
        Reply::status(
            404,
            "NotFound",
            "the server could not find the requested resource",
            Some(json!({})),
        )
    }

    /// 404 for a missing object of a served resource type.
    pub fn object_not_found(resource: &ResourceDef, name: &str) -> Reply {
        let message = format!("{} {name:?} not found", resource.qualified_name());
        Reply::status(
            404,
            "NotFound",
            &message,
            Some(details(resource, Some(name))),
        )
    }

    /// 400 for a malformed request.
    pub fn bad_request(message: &str) -> Reply {
        Reply::status(400, "BadRequest", message, None)
    }

    /// 401 for a missing or wrong bearer token.
    pub fn unauthorized() -> Reply {
        Reply::status(401, "Unauthorized", "Unauthorized", None)
    }

    /// 405 for anything but a read.
    pub fn method_not_allowed() -> Reply {
        Reply::status(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
            Some(json!({})),
        )
    }

    /// 410 for an invalid or expired `continue` token.
    pub fn expired() -> Reply {
        Reply::status(
            410,
            "Expired",
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
            None,
        )
    }
}

/// `details` of a Status about a resource: `{name?, group?, kind: <plural>}`.
pub(crate) fn details(resource: &ResourceDef, name: Option<&str>) -> Value {
    let mut details = json!({"kind": resource.plural});
    if let Some(name) = name {
        details["name"] = json!(name);
    }
    if !resource.group.is_empty() {
        details["group"] = json!(resource.group);
    }
    details
}
