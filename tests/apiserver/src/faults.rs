//! Fault injection: rules that make matching requests fail, slow down or hang.
//!
//! Rules are checked in order after authentication; the first matching rule that has not been
//! used up applies. A [`FaultAction::Delay`] waits and then answers normally; every other action
//! replaces the answer.

use std::sync::Mutex;
use std::time::Duration;

use regex::Regex;
use serde_json::json;

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
    /// Paths starting with this text.
    Prefix(String),
    /// Paths this regular expression matches (anywhere, unless anchored).
    Regex(Regex),
}

impl PathMatch {
    fn matches(&self, path: &str) -> bool {
        match self {
            PathMatch::Any => true,
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
            && self.times != Some(0)
    }
}

/// The rules in force, changeable while the server runs.
#[derive(Debug, Default)]
pub(crate) struct FaultSet(Mutex<Vec<FaultRule>>);

impl FaultSet {
    /// A set holding `rules`.
    pub fn new(rules: Vec<FaultRule>) -> Self {
        FaultSet(Mutex::new(rules))
    }

    /// Appends a rule (checked after the existing ones).
    pub fn add(&self, rule: FaultRule) {
        self.lock().push(rule);
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.lock().clear();
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
            .iter_mut()
            .find(|r| r.matches(cluster, path, has_continue))?;
        if let Some(n) = &mut rule.times {
            *n -= 1;
        }
        Some(rule.action.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<FaultRule>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The HTML page a reverse proxy (nginx) returns for 502.
const BAD_GATEWAY_PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// The answer for an action that replaces the normal answer (not `Delay` or `Hang`).
pub(crate) fn reply(action: &FaultAction, path: &str, watch: bool) -> Reply {
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
        // These do not replace the answer; the server handles them before asking for one.
        FaultAction::Delay(_) | FaultAction::Hang => Reply::resource_not_found(),
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
        set.clear();
        assert_eq!(set.take(None, "/apis/x.io/v1/things", false), None);
    }
}
