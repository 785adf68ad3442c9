//! Answering Kubernetes API reads for one cluster: routing, discovery, list and get.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Bound;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use serde_json::{Value, json};

use crate::discovery::{AggregatedVersion, Discovery};
use crate::model::Cluster;
use crate::reply::{JSON, Reply, TEXT};
use crate::resources::{self, ResourceDef};
use crate::selector::{FieldSelector, LabelSelector};

/// What a request path (after the cluster prefix) asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target<'a> {
    /// `/version`.
    Version,
    /// `/api` (`apis == false`) or `/apis`, which also answer aggregated discovery.
    DiscoveryRoot { apis: bool },
    /// `/api/<version>`, `/apis/<group>` or `/apis/<group>/<version>`.
    Discovery,
    /// A list or get of objects.
    Resource(ResourcePath<'a>),
    /// `/api/v1/namespaces/<ns>/services/<name>[:<port>]/proxy/<path>`: a GET passed on to
    /// the service's backend.
    ServiceProxy {
        namespace: &'a str,
        service: String,
        path: String,
    },
    /// Anything else.
    Unknown,
}

/// A resource path: `/api/v1/nodes`, `/apis/<g>/<v>/namespaces/<ns>/<plural>/<name>`, ...
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourcePath<'a> {
    pub group: &'a str,
    pub version: &'a str,
    pub plural: &'a str,
    pub namespace: Option<&'a str>,
    pub name: Option<&'a str>,
}

impl<'a> Target<'a> {
    /// Parses an API path such as `/apis/apps/v1/namespaces/ns/deployments`.
    pub fn parse(path: &'a str) -> Target<'a> {
        let trimmed = path.trim_end_matches('/');
        let segments: Vec<&str> = trimmed.split('/').skip(1).collect();
        if segments.iter().any(|s| s.is_empty()) {
            return Target::Unknown;
        }
        match segments.as_slice() {
            ["version"] => Target::Version,
            ["api"] => Target::DiscoveryRoot { apis: false },
            ["apis"] => Target::DiscoveryRoot { apis: true },
            ["api", _] | ["apis", _] | ["apis", _, _] => Target::Discovery,
            [
                "api",
                "v1",
                "namespaces",
                namespace,
                "services",
                service,
                "proxy",
                rest @ ..,
            ] => {
                // `name`, `name:port` or `scheme:name:port` (kubectl escapes the colons): the
                // backend is the same here.
                let service = percent_encoding::percent_decode_str(service).decode_utf8_lossy();
                let name = service
                    .split(':')
                    .find(|part| !matches!(*part, "http" | "https"))
                    .unwrap_or_default()
                    .to_string();
                Target::ServiceProxy {
                    namespace,
                    service: name,
                    path: format!("/{}", rest.join("/")),
                }
            }
            ["api", version, rest @ ..] => Self::resource("", version, rest),
            ["apis", group, version, rest @ ..] => Self::resource(group, version, rest),
            _ => Target::Unknown,
        }
    }

    fn resource(group: &'a str, version: &'a str, rest: &[&'a str]) -> Target<'a> {
        let (namespace, plural, name) = match *rest {
            ["namespaces", ns, plural] => (Some(ns), plural, None),
            ["namespaces", ns, plural, name] => (Some(ns), plural, Some(name)),
            [plural] => (None, plural, None),
            [plural, name] => (None, plural, Some(name)),
            _ => return Target::Unknown,
        };
        Target::Resource(ResourcePath {
            group,
            version,
            plural,
            namespace,
            name,
        })
    }
}

/// The content type of a backend answer: JSON when it parses as JSON, else plain text.
fn content_type(body: &[u8]) -> &'static str {
    if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() {
        JSON
    } else {
        TEXT
    }
}

/// Decoded query parameters.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    /// Decodes a raw query string (`limit=1&continue=...`).
    pub fn parse(raw: &str) -> Query {
        Query(
            form_urlencoded::parse(raw.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// The first value of a parameter.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the request continues a paginated list.
    pub fn has_continue(&self) -> bool {
        self.get("continue").is_some_and(|c| !c.is_empty())
    }

    /// Whether the request asks to watch.
    pub fn is_watch(&self) -> bool {
        matches!(self.get("watch"), Some("true" | "1"))
    }
}

/// How an answer should be represented, from the `Accept` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Representation {
    Json,
    Aggregated(AggregatedVersion),
    /// `PartialObjectMetadata` / `PartialObjectMetadataList` (kube's `list_metadata`).
    Metadata,
}

/// Picks the first media type of `accept` this server can produce. Tables (`as=Table`) and
/// protobuf are skipped, so kubectl's `as=Table;...,application/json` gets plain JSON.
fn negotiate(accept: &str, aggregated: bool, metadata: bool) -> Representation {
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media_type = parts.next().unwrap_or("");
        if !matches!(media_type, "application/json" | "application/*" | "*/*") {
            continue;
        }
        let params: HashMap<&str, &str> = parts.filter_map(|p| p.split_once('=')).collect();
        match (
            params.get("as").copied(),
            params.get("g").copied(),
            params.get("v").copied(),
        ) {
            (None, _, _) => return Representation::Json,
            (Some("APIGroupDiscoveryList"), Some("apidiscovery.k8s.io"), Some(v)) if aggregated => {
                match v {
                    "v2" => return Representation::Aggregated(AggregatedVersion::V2),
                    "v2beta1" => return Representation::Aggregated(AggregatedVersion::V2Beta1),
                    _ => {}
                }
            }
            (
                Some("PartialObjectMetadata" | "PartialObjectMetadataList"),
                Some("meta.k8s.io"),
                _,
            ) if metadata => {
                return Representation::Metadata;
            }
            _ => {}
        }
    }
    Representation::Json
}

/// A cluster ready to be served: its objects, resource table and discovery documents.
#[derive(Debug)]
pub(crate) struct ServedCluster {
    cluster: Cluster,
    /// Resources by group version, then plural.
    resources: HashMap<String, HashMap<String, ResourceDef>>,
    discovery: Discovery,
    version: Bytes,
    resource_version: u64,
}

impl ServedCluster {
    /// Indexes a cluster; `server_address` is advertised by `/api`.
    pub fn new(cluster: Cluster, server_address: &str) -> ServedCluster {
        let mut ordered: Vec<ResourceDef> = Vec::new();
        let mut resources: HashMap<String, HashMap<String, ResourceDef>> = HashMap::new();
        let custom: Vec<ResourceDef> = cluster.custom_resources().cloned().collect();
        for def in resources::builtins().into_iter().chain(custom) {
            let by_plural = resources.entry(def.group_version()).or_default();
            if !by_plural.contains_key(&def.plural) {
                by_plural.insert(def.plural.clone(), def.clone());
                ordered.push(def);
            }
        }
        ServedCluster {
            discovery: Discovery::build(&ordered, server_address),
            version: cluster.version_info().to_string().into(),
            resource_version: cluster.resource_version(),
            resources,
            cluster,
        }
    }

    /// Answers a read of `path` (the path after the cluster prefix).
    pub fn serve(&self, path: &str, query: &Query, accept: &str, aggregated: bool) -> Reply {
        match Target::parse(path) {
            Target::Version => Reply::bytes(JSON, self.version.clone()),
            Target::DiscoveryRoot { apis } => match negotiate(accept, aggregated, false) {
                Representation::Aggregated(v) => {
                    Reply::bytes(v.content_type(), self.discovery.aggregated(apis, v).clone())
                }
                _ => self.plain_discovery(path),
            },
            Target::Discovery => self.plain_discovery(path),
            Target::Resource(request) => self.serve_resource(&request, query, accept),
            Target::ServiceProxy {
                namespace,
                service,
                path,
            } => self.serve_proxy(namespace, &service, &path),
            Target::Unknown => Reply::resource_not_found(),
        }
    }

    /// A service proxy GET, as kube-apiserver answers it: 404 when the Service does not exist,
    /// 503 when it has no recorded backend answer at all (no endpoints), the backend's own 404
    /// for a path it does not answer, else the recorded answer.
    fn serve_proxy(&self, namespace: &str, service: &str, path: &str) -> Reply {
        let key = (namespace.to_string(), service.to_string());
        if self
            .cluster
            .objects_of("", "Service")
            .is_none_or(|services| !services.contains_key(&key))
        {
            return Reply::status(
                404,
                "NotFound",
                &format!("services \"{service}\" not found"),
                Some(json!({"name": service, "kind": "services"})),
            );
        }
        match self.cluster.service_answers(namespace, service) {
            None => Reply::status(
                503,
                "ServiceUnavailable",
                &format!("no endpoints available for service \"{service}\""),
                None,
            ),
            Some(answers) => match answers.get(path) {
                Some(body) => Reply::bytes(content_type(body), body.clone()),
                None => Reply {
                    status: 404,
                    ..Reply::bytes(TEXT, Bytes::from_static(b"404 page not found\n"))
                },
            },
        }
    }

    fn plain_discovery(&self, path: &str) -> Reply {
        match self.discovery.plain(path.trim_end_matches('/')) {
            Some(document) => Reply::bytes(JSON, document.clone()),
            None => Reply::resource_not_found(),
        }
    }

    fn serve_resource(&self, request: &ResourcePath, query: &Query, accept: &str) -> Reply {
        let group_version = resources::group_version(request.group, request.version);
        let Some(def) = self
            .resources
            .get(&group_version)
            .and_then(|r| r.get(request.plural))
        else {
            return Reply::resource_not_found();
        };
        // Namespaced paths only exist for namespaced kinds, and objects of namespaced kinds are
        // only got through their namespace.
        if (request.namespace.is_some() && !def.namespaced)
            || (request.name.is_some() && def.namespaced && request.namespace.is_none())
        {
            return Reply::resource_not_found();
        }
        if query.is_watch() {
            return Reply::method_not_allowed();
        }
        let metadata_only = negotiate(accept, false, true) == Representation::Metadata;
        match request.name {
            Some(name) => self.get(def, request.namespace.unwrap_or(""), name, metadata_only),
            None => self.list(def, request.namespace, query, metadata_only),
        }
    }

    fn get(&self, def: &ResourceDef, namespace: &str, name: &str, metadata_only: bool) -> Reply {
        let key = (namespace.to_string(), name.to_string());
        match self
            .cluster
            .objects_of(&def.group, &def.kind)
            .and_then(|o| o.get(&key))
        {
            Some(object) => Reply::json(&render(object, def, metadata_only)),
            None => Reply::object_not_found(def, name),
        }
    }

    fn list(
        &self,
        def: &ResourceDef,
        namespace: Option<&str>,
        query: &Query,
        metadata_only: bool,
    ) -> Reply {
        let labels = match LabelSelector::parse(query.get("labelSelector").unwrap_or("")) {
            Ok(s) => s,
            Err(e) => return Reply::bad_request(&e),
        };
        let fields = match FieldSelector::parse(query.get("fieldSelector").unwrap_or("")) {
            Ok(s) => s,
            Err(e) => return Reply::bad_request(&e),
        };
        let limit = match query
            .get("limit")
            .filter(|l| !l.is_empty())
            .map(str::parse::<usize>)
        {
            None | Some(Ok(0)) => usize::MAX,
            Some(Ok(limit)) => limit,
            Some(Err(_)) => return Reply::bad_request("limit must be a non-negative integer"),
        };
        let start = match query.get("continue").filter(|c| !c.is_empty()) {
            None => Bound::Unbounded,
            Some(token) => match self.decode_continue(token, def.namespaced) {
                Some(key) => Bound::Excluded(key),
                None => return Reply::expired(),
            },
        };

        let empty = Default::default();
        let objects = self
            .cluster
            .objects_of(&def.group, &def.kind)
            .unwrap_or(&empty);
        let mut matching = objects
            .range((start, Bound::Unbounded))
            .filter(|((ns, _), object)| {
                namespace.is_none_or(|want| want == ns)
                    && labels.matches(object)
                    && fields.matches(object)
            });
        let page: Vec<_> = matching.by_ref().take(limit).collect();
        let remaining = matching.count();

        let mut metadata = json!({"resourceVersion": self.resource_version.to_string()});
        if remaining > 0
            && let Some(((ns, name), _)) = page.last()
        {
            metadata["continue"] = json!(self.encode_continue(ns, name));
            metadata["remainingItemCount"] = json!(remaining);
        }
        let (api_version, kind) = if metadata_only {
            (
                "meta.k8s.io/v1".to_string(),
                "PartialObjectMetadataList".to_string(),
            )
        } else {
            (def.group_version(), format!("{}List", def.kind))
        };
        let items: Vec<Cow<Value>> = page
            .iter()
            .map(|(_, o)| render(o, def, metadata_only))
            .collect();
        Reply::json(&json!({
            "kind": kind,
            "apiVersion": api_version,
            "metadata": metadata,
            "items": items,
        }))
    }

    /// A continue token, shaped like kube-apiserver's: base64 of `{"v","rv","start"}`.
    fn encode_continue(&self, namespace: &str, name: &str) -> String {
        let start = if namespace.is_empty() {
            format!("{name}\u{0}")
        } else {
            format!("{namespace}/{name}\u{0}")
        };
        let token = json!({"v": "meta.k8s.io/v1", "rv": self.resource_version, "start": start});
        URL_SAFE_NO_PAD.encode(token.to_string())
    }

    /// The key after which a continued list resumes; `None` if the token is not one of ours or
    /// belongs to another resource version.
    fn decode_continue(&self, token: &str, namespaced: bool) -> Option<(String, String)> {
        let bytes = URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).ok()?;
        let token: Value = serde_json::from_slice(&bytes).ok()?;
        if token["v"] != "meta.k8s.io/v1" || token["rv"].as_u64() != Some(self.resource_version) {
            return None;
        }
        let start = token["start"].as_str()?.strip_suffix('\u{0}')?;
        let (namespace, name) = if namespaced {
            start.split_once('/')?
        } else {
            ("", start)
        };
        Some((namespace.to_string(), name.to_string()))
    }
}

/// An object as served at `def`'s version: `apiVersion` set to the requested group version (as
/// a `None` conversion would), or reduced to `PartialObjectMetadata`.
fn render<'a>(object: &'a Value, def: &ResourceDef, metadata_only: bool) -> Cow<'a, Value> {
    if metadata_only {
        return Cow::Owned(json!({
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": object.get("metadata").cloned().unwrap_or_else(|| json!({})),
        }));
    }
    let group_version = def.group_version();
    if object.get("apiVersion").and_then(Value::as_str) == Some(group_version.as_str()) {
        Cow::Borrowed(object)
    } else {
        let mut object = object.clone();
        object["apiVersion"] = json!(group_version);
        Cow::Owned(object)
    }
}

#[cfg(test)]
mod tests;
