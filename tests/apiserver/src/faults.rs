//! Fault injection: rules that make matching requests fail, slow down or hang.
//!
//! Rules are checked in order after authentication; the first matching rule that has not been
//! used up applies. A [`FaultAction::Delay`] waits and then answers normally; some actions
//! change how the normal answer is delivered or what it says ([`FaultAction::CutBody`],
//! [`FaultAction::TruncatedJson`]...); every other action replaces the answer. Each application
//! is recorded ([`AppliedFault`]), so a test can tell that its fault was hit.

use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use regex::Regex;
use serde_json::{Value, json};

use crate::api::Target;
use crate::reply::{Reply, details};
use crate::resources::ResourceDef;

/// Which request paths a rule applies to. Paths are those after the `/kubernetes/<cluster>`
/// prefix (`/apis/cluster.alauda.io/v1alpha1/moduleinfoes`), or the whole path for requests
/// outside the prefix.
#[derive(Debug, Clone)]
pub enum PathMatch {
    /// Every path.
    Any,
    /// Exactly this path.
    Exact(String),
    /// Paths starting with this text.
    Prefix(String),
    /// Paths this regular expression matches (anywhere, unless anchored).
    Regex(Regex),
}

impl PathMatch {
    fn matches(&self, path: &str) -> bool {
        match self {
            PathMatch::Any => true,
            PathMatch::Exact(exact) => path == exact,
            PathMatch::Prefix(prefix) => path.starts_with(prefix.as_str()),
            PathMatch::Regex(re) => re.is_match(path),
        }
    }
}

/// What happens to a matching request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultAction {
    /// 403 `Status` worded like kube-apiserver's RBAC denial for this user (`moduleinfoes.cluster.alauda.io
    /// is forbidden: User "x" cannot list resource "moduleinfoes" in API group "cluster.alauda.io" at the
    /// cluster scope`).
    Forbidden {
        /// The user name in the message.
        user: String,
    },
    /// 500 `Status` (reason InternalError).
    InternalError,
    /// 429 `Status` (reason TooManyRequests) with `Retry-After: 1`.
    TooManyRequests,
    /// 503 `Status` (reason ServiceUnavailable).
    ServiceUnavailable,
    /// 502 with an HTML page, as a reverse proxy answers when the cluster is unreachable.
    BadGateway,
    /// Waits this long, then answers normally.
    Delay(Duration),
    /// Never answers: the request stays open until the client gives up or the server stops.
    Hang,
    /// 410 `Status` (reason Expired), as for an expired continue token. Only matches requests that
    /// carry a `continue` parameter.
    ExpireContinue,
    /// 401 `Status` (reason Unauthorized), as for an expired or revoked token, whatever the
    /// request carries.
    Unauthorized,
    /// 404 `Status` (reason NotFound), as if the resource type were not served, while discovery
    /// (and the CustomResourceDefinition, for a custom kind) still says it is.
    NotFound,
    /// 429 `Status` (reason TooManyRequests) with `Retry-After: <seconds>`, for a server asking
    /// for a wait far longer than any client should honour.
    TooManyRequestsRetryAfter(u64),
    /// Closes the connection without answering, after the TLS handshake and the request.
    DropConnection,
    /// Sends the status line, the headers with the `Content-Length` of the normal answer and the
    /// first half of its body, then closes the connection.
    CutBody,
    /// Sends the normal answer in `chunks` pieces, waiting `pause` before each.
    SlowBody {
        /// How many pieces the body is sent in (at least 1).
        chunks: u32,
        /// Wait before each piece.
        pause: Duration,
    },
    /// The normal answer with only the first half of its body (a complete HTTP message whose
    /// JSON stops in the middle).
    TruncatedJson,
    /// 200 with a `Status` object (`status: Success`) instead of the list or object asked for.
    StatusInsteadOfList,
    /// 200 with `{}`.
    EmptyObject,
    /// The normal answer with its `items` replaced by values that are not objects (a number, a
    /// string, `null`, a list).
    NonObjectItems,
    /// The normal answer padded to about this many bytes: every item gets an annotation
    /// `test-apiserver/padding` of its share, and an answer without items a top-level
    /// `padding` field. The objects mean what they meant.
    HugeList(usize),
    /// Answers a list with its first half (at least one item when it has any) and a continue
    /// token that the server answers 410 Expired, as if the list changed too much between the
    /// pages. Only matches requests without a `continue` parameter, so a rule applied once makes
    /// the client start over once and then get the whole list.
    ExpireAfterFirstPage,
}

/// The continue token [`FaultAction::ExpireAfterFirstPage`] hands out; the server cannot decode
/// it, so it answers 410 Expired.
pub(crate) const EXPIRED_TOKEN: &str = "test-apiserver-expired-continue-token";

/// One application of a fault-injection rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedFault {
    /// Cluster of the request; `None` for paths outside `/kubernetes/<cluster>`.
    pub cluster: Option<String>,
    /// Path of the request (after the cluster prefix).
    pub path: String,
    /// What was done.
    pub action: FaultAction,
}

/// How an action is carried out.
#[derive(Debug, Clone)]
pub(crate) enum Effect {
    /// Wait, then answer normally.
    Delay(Duration),
    /// Never answer.
    Hang,
    /// Close the connection without answering.
    Drop,
    /// Answer this instead.
    Replace(Reply),
    /// Make the normal answer, then [`rewrite`] it.
    Rewrite,
}

/// How an answer's body is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// At once.
    Whole,
    /// The first half, then the connection is closed.
    Cut,
    /// In pieces, with a pause before each.
    Slow { chunks: u32, pause: Duration },
}

/// A fault-injection rule: which requests, what happens, how many times.
#[derive(Debug, Clone)]
pub struct FaultRule {
    /// Cluster the rule applies to; `None` for every cluster.
    pub cluster: Option<String>,
    /// Paths the rule applies to.
    pub path: PathMatch,
    /// What happens.
    pub action: FaultAction,
    /// How many more requests the rule applies to; `None` for no limit.
    pub times: Option<u32>,
}

impl FaultRule {
    /// A rule applying `action` to every request of every cluster, with no limit.
    pub fn new(action: FaultAction) -> Self {
        FaultRule {
            cluster: None,
            path: PathMatch::Any,
            action,
            times: None,
        }
    }

    /// Restricts the rule to one cluster.
    pub fn cluster(mut self, cluster: &str) -> Self {
        self.cluster = Some(cluster.to_string());
        self
    }

    /// Restricts the rule to exactly `path` (e.g. a list, and not the objects in it).
    pub fn path_exact(mut self, path: &str) -> Self {
        self.path = PathMatch::Exact(path.to_string());
        self
    }

    /// Restricts the rule to paths starting with `prefix`.
    pub fn path_prefix(mut self, prefix: &str) -> Self {
        self.path = PathMatch::Prefix(prefix.to_string());
        self
    }

    /// Restricts the rule to paths matching the regular expression `pattern`.
    pub fn path_regex(mut self, pattern: &str) -> Result<Self, regex::Error> {
        self.path = PathMatch::Regex(Regex::new(pattern)?);
        Ok(self)
    }

    /// Applies the rule to the next `n` matching requests only.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    fn matches(&self, cluster: Option<&str>, path: &str, has_continue: bool) -> bool {
        self.cluster.as_deref().is_none_or(|c| Some(c) == cluster)
            && self.path.matches(path)
            && (self.action != FaultAction::ExpireContinue || has_continue)
            && (self.action != FaultAction::ExpireAfterFirstPage || !has_continue)
            && self.times != Some(0)
    }
}

/// The rules in force, changeable while the server runs, and what they did.
#[derive(Debug, Default)]
pub(crate) struct FaultSet(Mutex<Rules>);

#[derive(Debug, Default)]
struct Rules {
    rules: Vec<FaultRule>,
    applied: Vec<AppliedFault>,
}

impl FaultSet {
    /// A set holding `rules`.
    pub fn new(rules: Vec<FaultRule>) -> Self {
        FaultSet(Mutex::new(Rules {
            rules,
            applied: Vec::new(),
        }))
    }

    /// Appends a rule (checked after the existing ones).
    pub fn add(&self, rule: FaultRule) {
        self.lock().rules.push(rule);
    }

    /// Removes every rule and forgets what they did.
    pub fn clear(&self) {
        let mut rules = self.lock();
        rules.rules.clear();
        rules.applied.clear();
    }

    /// Every application so far, in order.
    pub fn applied(&self) -> Vec<AppliedFault> {
        self.lock().applied.clone()
    }

    /// The action for a request, using up one application of the matching rule.
    pub fn take(
        &self,
        cluster: Option<&str>,
        path: &str,
        has_continue: bool,
    ) -> Option<FaultAction> {
        let mut rules = self.lock();
        let rule = rules
            .rules
            .iter_mut()
            .find(|r| r.matches(cluster, path, has_continue))?;
        if let Some(n) = &mut rule.times {
            *n -= 1;
        }
        let action = rule.action.clone();
        rules.applied.push(AppliedFault {
            cluster: cluster.map(str::to_string),
            path: path.to_string(),
            action: action.clone(),
        });
        Some(action)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Rules> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The HTML page a reverse proxy (nginx) returns for 502.
const BAD_GATEWAY_PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// How `action` is carried out on a request for `path`.
pub(crate) fn effect(action: &FaultAction, path: &str, watch: bool) -> Effect {
    match action {
        FaultAction::Delay(delay) => Effect::Delay(*delay),
        FaultAction::Hang => Effect::Hang,
        FaultAction::DropConnection => Effect::Drop,
        FaultAction::CutBody
        | FaultAction::SlowBody { .. }
        | FaultAction::TruncatedJson
        | FaultAction::NonObjectItems
        | FaultAction::HugeList(_)
        | FaultAction::ExpireAfterFirstPage => Effect::Rewrite,
        replacing => Effect::Replace(reply(replacing, path, watch)),
    }
}

/// The normal answer as changed by an action of [`Effect::Rewrite`], and how to send it. An
/// answer that is not JSON is left as it is by the actions that edit the JSON.
pub(crate) fn rewrite(action: &FaultAction, mut normal: Reply) -> (Reply, Delivery) {
    let edit = |normal: &mut Reply, change: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        if let Ok(Value::Object(mut object)) = serde_json::from_slice::<Value>(&normal.body) {
            change(&mut object);
            normal.body = serde_json::to_vec(&object).unwrap_or_default().into();
        }
    };
    match action {
        FaultAction::CutBody => return (normal, Delivery::Cut),
        FaultAction::SlowBody { chunks, pause } => {
            let delivery = Delivery::Slow {
                chunks: (*chunks).max(1),
                pause: *pause,
            };
            return (normal, delivery);
        }
        FaultAction::TruncatedJson => {
            normal.body = normal.body.slice(..normal.body.len() / 2);
        }
        FaultAction::NonObjectItems => edit(&mut normal, &|object| {
            object.insert(
                "items".to_string(),
                json!([42, "not an object", null, ["a", "list"]]),
            );
        }),
        FaultAction::HugeList(bytes) => edit(&mut normal, &|object| pad(object, *bytes)),
        FaultAction::ExpireAfterFirstPage => edit(&mut normal, &|object| {
            if let Some(Value::Array(items)) = object.get_mut("items") {
                items.truncate(items.len().div_ceil(2));
            }
            let metadata = object.entry("metadata").or_insert_with(|| json!({}));
            if let Value::Object(metadata) = metadata {
                metadata.insert("continue".to_string(), json!(EXPIRED_TOKEN));
                metadata.remove("remainingItemCount");
            }
        }),
        _ => {}
    }
    (normal, Delivery::Whole)
}

/// Pads an answer to about `bytes` bytes without changing what its objects mean.
fn pad(object: &mut serde_json::Map<String, Value>, bytes: usize) {
    let items = object
        .get_mut("items")
        .and_then(Value::as_array_mut)
        .map(|items| {
            items
                .iter_mut()
                .filter_map(Value::as_object_mut)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    if items.is_empty() {
        object.insert("padding".to_string(), json!("x".repeat(bytes)));
        return;
    }
    let share = "x".repeat(bytes / items.len());
    for item in items {
        let metadata = item.entry("metadata").or_insert_with(|| json!({}));
        if let Value::Object(metadata) = metadata {
            let annotations = metadata.entry("annotations").or_insert_with(|| json!({}));
            if let Value::Object(annotations) = annotations {
                annotations.insert("test-apiserver/padding".to_string(), json!(share));
            }
        }
    }
}

/// The answer for an action that replaces the normal answer.
fn reply(action: &FaultAction, path: &str, watch: bool) -> Reply {
    match action {
        FaultAction::Forbidden { user } => forbidden(user, path, watch),
        FaultAction::InternalError => Reply::status(
            500,
            "InternalError",
            "Internal error occurred: injected fault",
            Some(json!({"causes": [{"message": "injected fault"}]})),
        ),
        FaultAction::TooManyRequests => {
            let mut reply = Reply::status(
                429,
                "TooManyRequests",
                "Too many requests, please try again later.",
                Some(json!({"retryAfterSeconds": 1})),
            );
            reply.headers.push(("Retry-After", "1".to_string()));
            reply
        }
        FaultAction::ServiceUnavailable => Reply::status(
            503,
            "ServiceUnavailable",
            "the server is currently unable to handle the request",
            None,
        ),
        FaultAction::BadGateway => Reply {
            status: 502,
            content_type: "text/html",
            body: BAD_GATEWAY_PAGE.into(),
            headers: Vec::new(),
        },
        FaultAction::ExpireContinue => Reply::expired(),
        FaultAction::Unauthorized => Reply::unauthorized(),
        FaultAction::NotFound => Reply::resource_not_found(),
        FaultAction::TooManyRequestsRetryAfter(seconds) => {
            let mut reply = Reply::status(
                429,
                "TooManyRequests",
                "Too many requests, please try again later.",
                Some(json!({"retryAfterSeconds": seconds})),
            );
            reply.headers.push(("Retry-After", seconds.to_string()));
            reply
        }
        FaultAction::StatusInsteadOfList => Reply::json(&json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "code": 200,
        })),
        FaultAction::EmptyObject => Reply::bytes(crate::reply::JSON, Bytes::from_static(b"{}")),
        // The others do not replace the answer (see `effect`).
        _ => Reply::resource_not_found(),
    }
}

/// A 403 worded as kube-apiserver's authorizer words it.
fn forbidden(user: &str, path: &str, watch: bool) -> Reply {
    let Target::Resource(request) = Target::parse(path) else {
        let message = format!("forbidden: User {user:?} cannot get path {path:?}");
        return Reply::status(403, "Forbidden", &message, Some(json!({})));
    };
    let verb = match (watch, request.name) {
        (true, _) => "watch",
        (false, Some(_)) => "get",
        (false, None) => "list",
    };
    let scope = match request.namespace {
        Some(ns) => format!("in the namespace {ns:?}"),
        None => "at the cluster scope".to_string(),
    };
    let resource = ResourceDef {
        group: request.group.to_string(),
        plural: request.plural.to_string(),
        ..ResourceDef::default()
    };
    let subject = match request.name {
        Some(name) => format!("{} {name:?}", resource.qualified_name()),
        None => resource.qualified_name(),
    };
    let message = format!(
        "{subject} is forbidden: User {user:?} cannot {verb} resource {:?} in API group {:?} {scope}",
        request.plural, request.group
    );
    Reply::status(
        403,
        "Forbidden",
        &message,
        Some(details(&resource, request.name)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn message(reply: &Reply) -> String {
        let status: Value = serde_json::from_slice(&reply.body).unwrap();
        status["message"].as_str().unwrap().to_string()
    }

    #[test]
    fn forbidden_messages() {
        let user = "x";
        let r = forbidden(user, "/apis/cluster.alauda.io/v1alpha1/moduleinfoes", false);
        assert_eq!(r.status, 403);
        assert_eq!(
            message(&r),
            "moduleinfoes.cluster.alauda.io is forbidden: User \"x\" cannot list resource \"moduleinfoes\" in API group \"cluster.alauda.io\" at the cluster scope"
        );
        let r = forbidden(user, "/api/v1/namespaces/ns/pods/p", false);
        assert_eq!(
            message(&r),
            "pods \"p\" is forbidden: User \"x\" cannot get resource \"pods\" in API group \"\" in the namespace \"ns\""
        );
        assert_eq!(
            message(&forbidden(user, "/apis", false)),
            "forbidden: User \"x\" cannot get path \"/apis\""
        );
    }

    fn list(items: usize) -> Reply {
        let items: Vec<Value> = (0..items)
            .map(|i| json!({"metadata": {"name": format!("o{i}")}, "spec": {"n": i}}))
            .collect();
        Reply::json(
            &json!({"kind": "ThingList", "metadata": {"resourceVersion": "7"}, "items": items}),
        )
    }

    fn body(reply: &Reply) -> Value {
        serde_json::from_slice(&reply.body).unwrap()
    }

    #[test]
    fn replacing_actions() {
        let replaced = |action: FaultAction| match effect(&action, "/api/v1/nodes", false) {
            Effect::Replace(reply) => reply,
            other => panic!("{action:?}: {other:?}"),
        };
        let r = replaced(FaultAction::Unauthorized);
        assert_eq!(
            (r.status, body(&r)["reason"].clone()),
            (401, json!("Unauthorized"))
        );
        let r = replaced(FaultAction::NotFound);
        assert_eq!(
            (r.status, body(&r)["reason"].clone()),
            (404, json!("NotFound"))
        );
        let r = replaced(FaultAction::TooManyRequestsRetryAfter(u64::MAX));
        assert_eq!(r.status, 429);
        assert_eq!(r.headers, [("Retry-After", u64::MAX.to_string())]);
        let r = replaced(FaultAction::StatusInsteadOfList);
        assert_eq!((r.status, body(&r)["kind"].clone()), (200, json!("Status")));
        assert!(body(&r).get("items").is_none());
        let r = replaced(FaultAction::EmptyObject);
        assert_eq!((r.status, &r.body[..]), (200, &b"{}"[..]));
        assert!(matches!(
            effect(&FaultAction::DropConnection, "/api", false),
            Effect::Drop
        ));
        assert!(matches!(
            effect(&FaultAction::Delay(Duration::from_secs(1)), "/api", false),
            Effect::Delay(d) if d == Duration::from_secs(1)
        ));
    }

    #[test]
    fn rewriting_actions_change_the_normal_answer() {
        let rewrite_of = |action: FaultAction, normal: Reply| {
            assert!(matches!(
                effect(&action, "/api/v1/nodes", false),
                Effect::Rewrite
            ));
            rewrite(&action, normal)
        };
        // Delivery faults keep the answer.
        let (r, delivery) = rewrite_of(FaultAction::CutBody, list(2));
        assert_eq!((delivery, r.body.clone()), (Delivery::Cut, list(2).body));
        let slow = FaultAction::SlowBody {
            chunks: 0,
            pause: Duration::from_millis(5),
        };
        let (_, delivery) = rewrite_of(slow, list(2));
        assert_eq!(
            delivery,
            Delivery::Slow {
                chunks: 1,
                pause: Duration::from_millis(5)
            }
        );

        let (r, _) = rewrite_of(FaultAction::TruncatedJson, list(3));
        assert_eq!(r.body.len(), list(3).body.len() / 2);
        assert!(serde_json::from_slice::<Value>(&r.body).is_err());

        let (r, _) = rewrite_of(FaultAction::NonObjectItems, list(0));
        let items = body(&r)["items"].as_array().unwrap().clone();
        assert!(
            !items.is_empty() && items.iter().all(|i| !i.is_object()),
            "{items:?}"
        );

        // Padding leaves the objects as they were, apart from one annotation.
        let (r, _) = rewrite_of(FaultAction::HugeList(100_000), list(4));
        assert!(r.body.len() >= 100_000, "{}", r.body.len());
        let mut padded = body(&r);
        for item in padded["items"].as_array_mut().unwrap() {
            let annotations = item["metadata"]["annotations"].as_object_mut().unwrap();
            assert!(annotations.remove("test-apiserver/padding").is_some());
            assert!(annotations.is_empty());
            item["metadata"]
                .as_object_mut()
                .unwrap()
                .remove("annotations");
        }
        assert_eq!(padded, body(&list(4)));
        let (r, _) = rewrite_of(FaultAction::HugeList(50_000), list(0));
        assert!(r.body.len() >= 50_000);
        assert_eq!(body(&r)["items"], json!([]));

        // The first half of a list, with a token the server cannot decode.
        for (items, kept) in [(0, 0), (1, 1), (4, 2), (5, 3)] {
            let (r, _) = rewrite_of(FaultAction::ExpireAfterFirstPage, list(items));
            let page = body(&r);
            assert_eq!(
                page["items"].as_array().unwrap().len(),
                kept,
                "{items} items"
            );
            assert_eq!(page["metadata"]["continue"], EXPIRED_TOKEN);
            assert_eq!(page["metadata"]["resourceVersion"], "7");
        }

        // An answer that is not JSON is left alone by the JSON edits.
        let html = Reply::bytes("text/html", Bytes::from_static(b"<html></html>"));
        let (r, _) = rewrite_of(FaultAction::NonObjectItems, html);
        assert_eq!(&r.body[..], b"<html></html>");
    }

    #[test]
    fn applications_are_recorded_and_a_first_page_fault_skips_continued_pages() {
        let set = FaultSet::new(vec![FaultRule::new(FaultAction::ExpireAfterFirstPage)]);
        assert_eq!(set.take(Some("a"), "/api/v1/nodes", true), None);
        assert_eq!(
            set.take(Some("a"), "/api/v1/nodes", false),
            Some(FaultAction::ExpireAfterFirstPage)
        );
        assert_eq!(
            set.applied(),
            [AppliedFault {
                cluster: Some("a".to_string()),
                path: "/api/v1/nodes".to_string(),
                action: FaultAction::ExpireAfterFirstPage,
            }]
        );
        set.clear();
        assert!(set.applied().is_empty());
    }

    #[test]
    fn rules_match_in_order_and_run_out() {
        let set = FaultSet::new(vec![
            FaultRule::new(FaultAction::ExpireContinue).times(1),
            FaultRule::new(FaultAction::InternalError)
                .cluster("a")
                .path_prefix("/api/")
                .times(2),
            FaultRule::new(FaultAction::Hang)
                .path_regex(r"^/apis/[^/]+/v1/things$")
                .unwrap(),
        ]);
        assert_eq!(set.take(Some("b"), "/api/v1/nodes", false), None);
        assert_eq!(
            set.take(Some("b"), "/api/v1/nodes", true),
            Some(FaultAction::ExpireContinue)
        );
        assert_eq!(set.take(Some("b"), "/api/v1/nodes", true), None);
        assert_eq!(
            set.take(Some("a"), "/api/v1/nodes", true),
            Some(FaultAction::InternalError)
        );
        assert_eq!(
            set.take(Some("a"), "/api/v1/nodes", false),
            Some(FaultAction::InternalError)
        );
        assert_eq!(set.take(Some("a"), "/api/v1/nodes", false), None);
        assert_eq!(
            set.take(None, "/apis/x.io/v1/things", false),
            Some(FaultAction::Hang)
        );
        assert_eq!(set.take(None, "/apis/x.io/v1/things/t", false), None);
        set.add(FaultRule::new(FaultAction::NotFound).path_exact("/api/v1/pods"));
        assert_eq!(set.take(None, "/api/v1/pods/p", false), None);
        assert_eq!(
            set.take(None, "/api/v1/pods", false),
            Some(FaultAction::NotFound)
        );
        set.clear();
        assert_eq!(set.take(None, "/apis/x.io/v1/things", false), None);
    }
}
