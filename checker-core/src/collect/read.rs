//! One read of the catalogue on one cluster: a paginated list, and for a custom kind that is not
//! served at the preferred version, discovery of the version served, or of its absence.

use std::collections::BTreeMap;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use super::classify;
use super::paging::{self, Page, PageError};
use super::transport::{self, Answer, Ctx, Endpoint, HttpAnswer};
use crate::facts::resource_name;
use crate::reads::Read;
use crate::snapshot::{ReadError, ReadErrorKind, ReadOutcome};

/// Makes `reads` on one cluster, concurrently; the outcomes are keyed by read id. When some
/// reads are of custom kinds, the cluster's API groups are asked first, once (`/apis`): a kind
/// whose group is not served is absent without a request of its own. When a read names its kind
/// by short name ([`Read::short_name`]), that first request asks for aggregated discovery, which
/// also says where each short name is served.
pub(crate) async fn read_all(
    ctx: &Ctx,
    endpoint: &Endpoint,
    cluster: &str,
    reads: &[&'static Read],
) -> BTreeMap<String, ReadOutcome> {
    let wanted: Vec<&Read> = reads
        .iter()
        .copied()
        .filter(|r| r.short_name.is_some())
        .collect();
    let served = if !wanted.is_empty() {
        discover_short_names(ctx, endpoint, cluster, &wanted).await
    } else if reads.iter().any(|r| r.custom) {
        Served {
            groups: api_groups(ctx, endpoint, cluster).await,
            short_names: BTreeMap::new(),
        }
    } else {
        Served::default()
    };
    let served = &served;
    let outcomes = futures::future::join_all(reads.iter().map(|read| async move {
        (
            read.id.to_string(),
            self::read(ctx, endpoint, cluster, read, served).await,
        )
    }))
    .await;
    outcomes.into_iter().collect()
}

/// What API discovery said about a cluster before its reads were made.
#[derive(Debug, Default)]
pub(crate) struct Served {
    /// API groups by name with their versions; `None` when not asked or not readable, and each
    /// read then finds out on its own.
    groups: Option<Groups>,
    /// For each short name asked for: the resource it names, `None` when no served resource
    /// has it, or why discovery could not tell.
    short_names: BTreeMap<&'static str, Result<Option<Located>, ReadError>>,
}

/// Where discovery found a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Located {
    group: String,
    version: String,
    plural: String,
}

/// The API groups a cluster serves, each with its versions (`/apis`, an `APIGroupList`); `None`
/// when discovery could not be read, and each read then finds out on its own.
async fn api_groups(ctx: &Ctx, endpoint: &Endpoint, cluster: &str) -> Option<Groups> {
    let list = discover(ctx, endpoint, cluster, "/apis").await.ok()??;
    Some(group_list(&list))
}

/// The groups of an `APIGroupList`, each with its versions, preferred first as listed.
fn group_list(list: &Value) -> Groups {
    elements(list.get("groups"))
        .filter_map(|g| {
            let name = g.get("name")?.as_str()?.to_string();
            Some((name, group_versions(g)))
        })
        .collect()
}

/// Aggregated discovery first (`apidiscovery.k8s.io` v2, then v2beta1), as kube-apiserver
/// 1.26+ serves it; a plain `APIGroupList` otherwise.
const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,\
                          application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,\
                          application/json";

/// Asks `/apis` for aggregated discovery, which lists every group with its resources and their
/// short names, and finds each read's short name in it. A server that answers the plain
/// `APIGroupList` instead is asked for the resources of each group's preferred version.
async fn discover_short_names(
    ctx: &Ctx,
    endpoint: &Endpoint,
    cluster: &str,
    wanted: &[&Read],
) -> Served {
    let failed = |error: ReadError| Served {
        groups: None,
        short_names: wanted
            .iter()
            .filter_map(|r| {
                let short = r.short_name?;
                let mut error = error.clone();
                error.message = format!(
                    "looking up the short name {short} in API discovery: {}",
                    error.message
                );
                Some((short, Err(error)))
            })
            .collect(),
    };
    let document = match transport::get_as(ctx, endpoint, cluster, "/apis", AGGREGATED).await {
        Answer::Http(h) if h.status == 200 => match serde_json::from_slice::<Value>(&h.body) {
            Ok(document) => document,
            Err(_) => return failed(not_json("/apis", &h)),
        },
        Answer::Http(h) => {
            return failed(classify::http(
                h.status,
                &h.content_type,
                &h.body,
                "get /apis",
            ));
        }
        Answer::Failed(error) => return failed(error),
    };
    let (groups, resources) =
        if document.get("kind").and_then(Value::as_str) == Some("APIGroupDiscoveryList") {
            aggregated(&document)
        } else {
            let groups = group_list(&document);
            match preferred_resources(ctx, endpoint, cluster, &document).await {
                Ok(resources) => (groups, resources),
                Err(error) => {
                    let mut served = failed(error);
                    served.groups = Some(groups);
                    return served;
                }
            }
        };
    let short_names = wanted
        .iter()
        .filter_map(|read| {
            let short = read.short_name?;
            let found = resources
                .iter()
                .find(|r| r.kind == read.kind && r.short_names.iter().any(|s| s == short))
                .map(|r| r.located.clone());
            Some((short, Ok(found)))
        })
        .collect();
    Served {
        groups: Some(groups),
        short_names,
    }
}

/// A resource as discovery lists it.
struct Listed {
    located: Located,
    kind: String,
    short_names: Vec<String>,
}

/// The groups and resources of an aggregated `APIGroupDiscoveryList`, versions in the order
/// listed (preferred first).
fn aggregated(document: &Value) -> (Groups, Vec<Listed>) {
    let mut groups = Groups::new();
    let mut resources = Vec::new();
    for group in elements(document.get("items")) {
        let name = text_at(group, "/metadata/name");
        for version in elements(group.get("versions")) {
            let version_name = text_at(version, "/version");
            groups
                .entry(name.clone())
                .or_default()
                .push(version_name.clone());
            for resource in elements(version.get("resources")) {
                resources.push(Listed {
                    located: Located {
                        group: name.clone(),
                        version: version_name.clone(),
                        plural: text_at(resource, "/resource"),
                    },
                    kind: text_at(resource, "/responseKind/kind"),
                    short_names: short_names(resource),
                });
            }
        }
    }
    (groups, resources)
}

/// The resources of each group's preferred version, from the plain documents
/// (`/apis/<group>/<version>`, asked concurrently). An error when any of them could not be read:
/// a short name not found then is not known to be absent.
async fn preferred_resources(
    ctx: &Ctx,
    endpoint: &Endpoint,
    cluster: &str,
    list: &Value,
) -> Result<Vec<Listed>, ReadError> {
    let preferred: Vec<(String, String)> = elements(list.get("groups"))
        .filter_map(|g| {
            let name = g.get("name")?.as_str()?.to_string();
            let version = g
                .pointer("/preferredVersion/version")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| group_versions(g).into_iter().next())?;
            Some((name, version))
        })
        .collect();
    let documents = futures::future::join_all(preferred.iter().map(|(group, version)| {
        let path = group_version_path(group, version);
        async move { discover(ctx, endpoint, cluster, &path).await }
    }))
    .await;
    let mut resources = Vec::new();
    for ((group, version), document) in preferred.iter().zip(documents) {
        let Some(document) = document? else { continue };
        for resource in elements(document.get("resources")) {
            resources.push(Listed {
                located: Located {
                    group: group.clone(),
                    version: version.clone(),
                    plural: text_at(resource, "/name"),
                },
                kind: text_at(resource, "/kind"),
                short_names: short_names(resource),
            });
        }
    }
    Ok(resources)
}

/// The elements of a JSON list, none when it is absent or not a list.
fn elements(value: Option<&Value>) -> impl Iterator<Item = &Value> {
    value.and_then(Value::as_array).into_iter().flatten()
}

/// The string at a JSON pointer, empty when absent.
fn text_at(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// A discovery resource's `shortNames`.
fn short_names(resource: &Value) -> Vec<String> {
    elements(resource.get("shortNames"))
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

/// The versions an `APIGroup` document (alone, or in an `APIGroupList`) says are served.
fn group_versions(group: &Value) -> Vec<String> {
    elements(group.get("versions"))
        .filter_map(|v| v.get("version").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

/// API groups by name, with the versions each serves.
type Groups = BTreeMap<String, Vec<String>>;

/// Makes one read: a paginated list at the first of [`Read::versions`] the cluster serves (by
/// `groups`, when known), else the first. For a custom kind whose group `groups` does not hold,
/// the kind is absent. For a custom kind whose list is answered 404 (that version is not
/// served), discovery then picks the first version the cluster serves, or establishes that none
/// is: the kind is absent. So the usual case costs one request, and "not installed" is still
/// decided by discovery, never by a failed request alone.
pub(crate) async fn read(
    ctx: &Ctx,
    endpoint: &Endpoint,
    cluster: &str,
    read: &Read,
    served: &Served,
) -> ReadOutcome {
    if let Some(path) = read.path {
        return get_object(ctx, endpoint, cluster, path, read.text).await;
    }
    if let Some(short) = read.short_name {
        return match served.short_names.get(short) {
            Some(Ok(Some(located))) => match list(ctx, endpoint, cluster, read, located).await {
                Ok(items) => ReadOutcome::Ok { items },
                Err(error) => ReadOutcome::Error(error),
            },
            Some(Ok(None)) => ReadOutcome::Absent {
                reason: format!(
                    "API discovery lists no {} (short name {short}): its CRD is not installed",
                    read.kind
                ),
            },
            Some(Err(error)) => ReadOutcome::Error(error.clone()),
            None => ReadOutcome::Error(ReadError::new(
                ReadErrorKind::Invalid,
                format!("short name {short} was not looked up in API discovery"),
            )),
        };
    }
    let served = served
        .groups
        .as_ref()
        .filter(|_| read.custom && !read.group.is_empty())
        .map(|groups| groups.get(read.group));
    if let Some(None) = served {
        return ReadOutcome::Absent {
            reason: format!(
                "{} is not served: API discovery (/apis) has no group {}, so its CRD is not \
                 installed",
                resource_name(read),
                read.group
            ),
        };
    }
    let preferred = served.flatten().and_then(|versions| {
        read.versions
            .iter()
            .find(|v| versions.iter().any(|s| s == *v))
    });
    let Some(first) = preferred.or(read.versions.first()) else {
        return ReadOutcome::Error(ReadError::new(
            ReadErrorKind::Invalid,
            format!("the catalogue names no version for read {}", read.id),
        ));
    };
    let not_served = match list(ctx, endpoint, cluster, read, &Located::of(read, first)).await {
        Ok(items) => return ReadOutcome::Ok { items },
        Err(error) if read.custom && error.http_status == Some(404) => error,
        Err(error) => return ReadOutcome::Error(error),
    };
    match resolve(ctx, endpoint, cluster, read).await {
        Ok(Resolved::Served(version)) if version != *first => {
            match list(ctx, endpoint, cluster, read, &Located::of(read, &version)).await {
                Ok(items) => ReadOutcome::Ok { items },
                Err(error) => ReadOutcome::Error(error),
            }
        }
        // Discovery says it is served at the version whose list was just answered 404.
        Ok(Resolved::Served(_)) => ReadOutcome::Error(not_served),
        Ok(Resolved::Absent(reason)) => ReadOutcome::Absent { reason },
        Err(error) => ReadOutcome::Error(error),
    }
}

impl Located {
    /// A catalogue read at one of its versions.
    fn of(read: &Read, version: &str) -> Located {
        Located {
            group: read.group.to_string(),
            version: version.to_string(),
            plural: read.plural.to_string(),
        }
    }
}

/// A non-resource read: one GET whose JSON object is recorded as the only item; absent when
/// the path is answered 404 (e.g. a proxy that does not forward it).
async fn get_object(
    ctx: &Ctx,
    endpoint: &Endpoint,
    cluster: &str,
    path: &str,
    text: bool,
) -> ReadOutcome {
    match transport::get(ctx, endpoint, cluster, path).await {
        Answer::Http(h) if h.status == 200 && text => match std::str::from_utf8(&h.body) {
            Ok(body) => ReadOutcome::Ok {
                items: vec![Read::text_item(body)],
            },
            Err(_) => ReadOutcome::Error(ReadError {
                kind: ReadErrorKind::Invalid,
                http_status: Some(h.status),
                message: format!("the answer to {path} is not UTF-8 text"),
                missing_permission: None,
            }),
        },
        Answer::Http(h) if h.status == 200 => match serde_json::from_slice::<Value>(&h.body) {
            Ok(object) if object.is_object() => match classify::unusable_object(path, &object) {
                Some(error) => ReadOutcome::Error(error),
                None => ReadOutcome::Ok {
                    items: vec![object],
                },
            },
            _ => ReadOutcome::Error(not_json(path, &h)),
        },
        Answer::Http(h) if h.status == 404 && classify::is_status(&h.body) => ReadOutcome::Absent {
            reason: format!("{path} is not served (404)"),
        },
        Answer::Http(h) => ReadOutcome::Error(classify::http(
            h.status,
            &h.content_type,
            &h.body,
            &format!("get {path}"),
        )),
        Answer::Failed(error) => ReadOutcome::Error(error),
    }
}

/// What discovery says about a custom kind.
#[derive(Debug, Clone, PartialEq)]
enum Resolved {
    /// Served at this version (the first of the catalogue's versions the cluster serves).
    Served(String),
    /// Not served at all: the CRD is not installed.
    Absent(String),
}

/// The discovery path of a group version: `/api/v1` or `/apis/<group>/<version>`.
fn group_version_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    }
}

/// Asks discovery whether the kind is served. For a named group, the group's document first:
/// when the group is not served the kind is absent, at the cost of one request; otherwise the
/// catalogue's versions the group serves are asked in order, and then the others, to tell "not
/// installed" from "installed at a version this checker does not know". An error when discovery
/// fails, or the kind is served only at versions the checker cannot read.
async fn resolve(
    ctx: &Ctx,
    endpoint: &Endpoint,
    cluster: &str,
    read: &Read,
) -> Result<Resolved, ReadError> {
    let resource = resource_name(read);
    let tried = read
        .versions
        .iter()
        .map(|v| read.api_version(v))
        .collect::<Vec<_>>()
        .join(", ");
    let absent = Resolved::Absent(format!(
        "{resource} is not in API discovery at {tried}: its CRD is not installed"
    ));
    let served: Vec<String> = if read.group.is_empty() {
        read.versions.iter().map(|v| v.to_string()).collect()
    } else {
        let group_path = format!("/apis/{}", read.group);
        let Some(group) = discover(ctx, endpoint, cluster, &group_path).await? else {
            return Ok(absent);
        };
        group_versions(&group)
    };
    for version in read
        .versions
        .iter()
        .filter(|v| served.iter().any(|s| s == *v))
    {
        let path = group_version_path(read.group, version);
        if serves(ctx, endpoint, cluster, &path, read.plural).await? {
            return Ok(Resolved::Served(version.to_string()));
        }
    }
    for version in served
        .iter()
        .filter(|v| !read.versions.contains(&v.as_str()))
    {
        let path = group_version_path(read.group, version);
        if serves(ctx, endpoint, cluster, &path, read.plural).await? {
            return Err(ReadError::new(
                ReadErrorKind::Invalid,
                format!(
                    "{resource} is served only at {}/{version}, which this version of \
                     acp-preflight cannot read (it reads {tried})",
                    read.group
                ),
            ));
        }
    }
    Ok(absent)
}

/// Whether the group version at `path` (an `APIResourceList`) serves `plural`.
async fn serves(
    ctx: &Ctx,
    endpoint: &Endpoint,
    cluster: &str,
    path: &str,
    plural: &str,
) -> Result<bool, ReadError> {
    let Some(list) = discover(ctx, endpoint, cluster, path).await? else {
        return Ok(false);
    };
    Ok(elements(list.get("resources"))
        .any(|r| r.get("name").and_then(Value::as_str) == Some(plural)))
}

/// The discovery document at `path`; `None` when it is answered 404 with a Kubernetes `Status`
/// (not served). Any other failure is an error.
async fn discover(
    ctx: &Ctx,
    endpoint: &Endpoint,
    cluster: &str,
    path: &str,
) -> Result<Option<Value>, ReadError> {
    match transport::get(ctx, endpoint, cluster, path).await {
        Answer::Http(h) if h.status == 200 => serde_json::from_slice(&h.body)
            .map(Some)
            .map_err(|_| not_json(path, &h)),
        Answer::Http(h) if h.status == 404 && classify::is_status(&h.body) => Ok(None),
        Answer::Http(h) => Err(classify::http(
            h.status,
            &h.content_type,
            &h.body,
            &format!("get {path}"),
        )),
        Answer::Failed(error) => Err(error),
    }
}

/// The list path of a read's objects where they are served, without the query.
fn list_path(read: &Read, at: &Located) -> String {
    let base = group_version_path(&at.group, &at.version);
    match read.namespace {
        Some(ns) => format!("{base}/namespaces/{ns}/{}", at.plural),
        None => format!("{base}/{}", at.plural),
    }
}

/// The permission a list needs, as `missing_permission` names it.
pub(crate) fn list_permission(read: &Read) -> String {
    match read.namespace {
        Some(ns) => format!("list {} in namespace {ns}", resource_name(read)),
        None => format!("list {}", resource_name(read)),
    }
}

/// Lists every object of a read where it is served, page by page.
async fn list(
    ctx: &Ctx,
    endpoint: &Endpoint,
    cluster: &str,
    read: &Read,
    at: &Located,
) -> Result<Vec<Value>, ReadError> {
    let path = list_path(read, at);
    let permission = list_permission(read);
    let api_version = if at.group.is_empty() {
        at.version.clone()
    } else {
        format!("{}/{}", at.group, at.version)
    };
    let fetch = |token: Option<String>| {
        let mut query = format!("{path}?limit={}", ctx.page_size);
        if let Some(selector) = read.label_selector {
            query.push_str("&labelSelector=");
            query.push_str(&percent_encode(selector));
        }
        if let Some(token) = &token {
            query.push_str("&continue=");
            query.push_str(&percent_encode(token));
        }
        let permission = &permission;
        let api_version = &api_version;
        async move {
            let answer = transport::get(ctx, endpoint, cluster, &query).await;
            page(
                answer,
                token.is_some(),
                permission,
                api_version,
                read.kind,
                &query,
            )
        }
    };
    paging::list_all(fetch).await
}

/// One list answer as a page.
fn page(
    answer: Answer,
    continued: bool,
    permission: &str,
    api_version: &str,
    kind: &str,
    path: &str,
) -> Result<Page, PageError> {
    let h = match answer {
        Answer::Http(h) if h.status == 200 => h,
        Answer::Http(h) if h.status == 410 && continued => return Err(PageError::Expired),
        Answer::Http(h) => {
            return Err(PageError::Failed(classify::http(
                h.status,
                &h.content_type,
                &h.body,
                permission,
            )));
        }
        Answer::Failed(error) => return Err(PageError::Failed(error)),
    };
    let mut list =
        crate::pruned::parse(&h.body, kind).map_err(|_| PageError::Failed(not_json(path, &h)))?;
    let Some(Value::Array(items)) = list.get_mut("items").map(Value::take) else {
        return Err(PageError::Failed(ReadError {
            kind: ReadErrorKind::Invalid,
            http_status: Some(200),
            message: format!("the answer to {path} is not a list"),
            missing_permission: None,
        }));
    };
    let items = items
        .into_iter()
        .map(|item| normalise(item, api_version, kind))
        .collect();
    let continue_token = list
        .pointer("/metadata/continue")
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok(Page {
        items,
        continue_token,
    })
}

/// Makes a list item look as `kubectl get -o json` prints it: with `apiVersion` and `kind`
/// (kube-apiserver leaves them out of the items of built-in lists) and redacted
/// ([`crate::snapshot::redact`]); `managedFields` was already left out while parsing
/// ([`crate::pruned::parse`]).
fn normalise(mut item: Value, api_version: &str, kind: &str) -> Value {
    if let Some(object) = item.as_object_mut() {
        object
            .entry("apiVersion")
            .or_insert_with(|| Value::from(api_version));
        object.entry("kind").or_insert_with(|| Value::from(kind));
    }
    crate::snapshot::redact(&mut item);
    item
}

fn not_json(path: &str, answer: &HttpAnswer) -> ReadError {
    let content_type = if answer.content_type.is_empty() {
        "no content type".to_string()
    } else {
        classify::short(&answer.content_type)
    };
    ReadError {
        kind: ReadErrorKind::Invalid,
        http_status: Some(answer.status),
        message: format!("the answer to {path} is not JSON ({content_type})"),
        missing_permission: None,
    }
}

/// What a query value must have percent-encoded: everything but the RFC 3986 unreserved
/// characters, so that a continue token's `+` (a space otherwise), `/`, `=` and `&` arrive as
/// they are.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a query value.
fn percent_encode(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

#[cfg(test)]
mod tests;
