//! Tests of the reads: list paths and permissions, pages, continue tokens, and discovery against
//! a local HTTP server.

use super::*;
use crate::reads;
use serde_json::json;

fn ok(body: Value) -> Answer {
    Answer::Http(HttpAnswer {
        status: 200,
        content_type: "application/json".to_string(),
        body: body.to_string().into_bytes(),
        retry_after: None,
    })
}

#[test]
fn paths_and_permissions() {
    assert_eq!(
        list_path(
            &reads::MODULE_INFOS,
            &Located::of(&reads::MODULE_INFOS, "v1alpha1")
        ),
        "/apis/cluster.alauda.io/v1alpha1/moduleinfoes"
    );
    assert_eq!(
        list_path(
            &reads::ISTIO_DEPLOYMENTS,
            &Located::of(&reads::ISTIO_DEPLOYMENTS, "v1")
        ),
        "/apis/apps/v1/deployments"
    );
    assert_eq!(
        list_permission(&reads::MODULE_INFOS),
        "list moduleinfoes.cluster.alauda.io"
    );
    assert_eq!(
        list_permission(&reads::ELASTICSEARCH_STATEFULSETS),
        "list statefulsets.apps in namespace cpaas-system"
    );
    assert_eq!(group_version_path("", "v1"), "/api/v1");
}

#[test]
fn pages_carry_items_like_kubectl_and_the_continue_token() {
    let answer = ok(json!({
        "kind": "DeploymentList", "apiVersion": "apps/v1",
        "metadata": {"continue": "abc"},
        "items": [{"metadata": {"name": "istiod", "managedFields": [{"manager": "x"}]}}],
    }));
    let page = page(answer, false, "list x", "apps/v1", "Deployment", "/p").expect("page");
    assert_eq!(page.continue_token.as_deref(), Some("abc"));
    assert_eq!(
        page.items,
        [json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "istiod"}})]
    );
}

#[test]
fn expired_only_when_continuing() {
    let gone = || {
        Answer::Http(HttpAnswer {
            status: 410,
            content_type: "application/json".to_string(),
            body: br#"{"kind":"Status","code":410,"message":"too old"}"#.to_vec(),
            retry_after: None,
        })
    };
    assert_eq!(
        page(gone(), true, "p", "v1", "K", "/p"),
        Err(PageError::Expired)
    );
    assert!(matches!(
        page(gone(), false, "p", "v1", "K", "/p"),
        Err(PageError::Failed(e)) if e.http_status == Some(410)
    ));
    let html = Answer::Http(HttpAnswer {
        status: 200,
        content_type: "text/html".to_string(),
        body: b"<html>login</html>".to_vec(),
        retry_after: None,
    });
    assert!(matches!(
        page(html, false, "p", "v1", "K", "/p"),
        Err(PageError::Failed(e)) if e.kind == ReadErrorKind::Invalid && !e.message.contains("login")
    ));
}

/// A server answering each request path (query included) from `answers` (status, body),
/// anything else with a 404 `Status`; one connection per request.
fn discovery_server(answers: Vec<(&'static str, u16, Value)>) -> Endpoint {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).into_owned();
            let path = head.split(' ').nth(1).unwrap_or_default();
            let (status, body) = answers
                .iter()
                .find(|(p, _, _)| *p == path)
                .map(|(_, status, body)| (*status, body.to_string()))
                .unwrap_or_else(|| (404, json!({"kind": "Status", "code": 404}).to_string()));
            let _ = stream.write_all(
                format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            );
        }
    });
    let mut config = kube::Config::new(format!("http://127.0.0.1:{port}").parse().expect("url"));
    config.default_retry = false;
    Endpoint {
        client: kube::Client::try_from(config).expect("client"),
        prefix: String::new(),
        base: String::new(),
    }
}

fn serving(plural: &str) -> Value {
    json!({"kind": "APIResourceList", "resources": [{"name": plural}]})
}

async fn read_with(answers: Vec<(&'static str, u16, Value)>) -> ReadOutcome {
    let ctx = Ctx::new(&crate::collect::CollectOptions::new(Vec::new()));
    let endpoint = discovery_server(answers);
    read(
        &ctx,
        &endpoint,
        "c",
        &reads::PRODUCT_BASES,
        &Served::default(),
    )
    .await
}

#[tokio::test]
async fn discovery_finds_the_served_version() {
    let outcome = read_with(vec![
        (
            "/apis/product.alauda.io",
            200,
            json!({"kind": "APIGroup", "versions": [{"version": "v1alpha1"}]}),
        ),
        (
            "/apis/product.alauda.io/v1alpha1",
            200,
            serving("productbases"),
        ),
        (
            "/apis/product.alauda.io/v1alpha1/productbases?limit=500",
            200,
            json!({"items": [{"metadata": {"name": "base"}}]}),
        ),
    ])
    .await;
    let ReadOutcome::Ok { items } = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(items[0]["apiVersion"], "product.alauda.io/v1alpha1");
}

#[tokio::test]
async fn discovery_tells_absent_from_an_unknown_version_and_from_a_failure() {
    // Neither catalogue version served, no such group: not installed.
    let outcome = read_with(Vec::new()).await;
    let ReadOutcome::Absent { reason } = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(
        reason,
        "productbases.product.alauda.io is not in API discovery at \
         product.alauda.io/v1alpha2, product.alauda.io/v1alpha1: its CRD is not installed"
    );

    // The group is there, the kind at neither catalogue version.
    let group = json!({"versions": [{"version": "v1alpha1"}, {"version": "v1beta1"}]});
    let outcome = read_with(vec![
        ("/apis/product.alauda.io", 200, group.clone()),
        ("/apis/product.alauda.io/v1alpha1", 200, serving("other")),
    ])
    .await;
    assert!(matches!(outcome, ReadOutcome::Absent { .. }), "{outcome:?}");

    // Served only at a version the catalogue does not name.
    let outcome = read_with(vec![
        ("/apis/product.alauda.io", 200, group),
        (
            "/apis/product.alauda.io/v1beta1",
            200,
            serving("productbases"),
        ),
    ])
    .await;
    let ReadOutcome::Error(error) = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(error.kind, ReadErrorKind::Invalid);
    assert_eq!(
        error.message,
        "productbases.product.alauda.io is served only at product.alauda.io/v1beta1, \
         which this version of acp-preflight cannot read (it reads \
         product.alauda.io/v1alpha2, product.alauda.io/v1alpha1)"
    );

    // Discovery forbidden: an error naming what it needed.
    let forbidden = json!({"kind": "Status", "code": 403, "message": "forbidden"});
    let outcome = read_with(vec![("/apis/product.alauda.io", 403, forbidden)]).await;
    let ReadOutcome::Error(error) = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(error.kind, ReadErrorKind::Forbidden);
    assert_eq!(
        error.missing_permission.as_deref(),
        Some("get /apis/product.alauda.io")
    );
}

#[test]
fn continue_tokens_are_encoded() {
    assert_eq!(
        percent_encode("eyJ2Ijo+/=x_y-z.~"),
        "eyJ2Ijo%2B%2F%3Dx_y-z.~"
    );
}

#[tokio::test]
async fn api_groups_decide_absence_and_the_version_without_a_request() {
    let ctx = Ctx::new(&crate::collect::CollectOptions::new(Vec::new()));
    // The server answers 404 to everything but the v1alpha1 list: any other request would
    // turn a read into an error or an absence for the wrong reason.
    let endpoint = discovery_server(vec![(
        "/apis/product.alauda.io/v1alpha1/productbases?limit=500",
        200,
        json!({"items": [{"metadata": {"name": "base"}}]}),
    )]);
    let none = Served {
        groups: Some(Groups::from([("apps".to_string(), vec!["v1".to_string()])])),
        short_names: BTreeMap::new(),
    };
    let outcome = read(&ctx, &endpoint, "c", &reads::PRODUCT_BASES, &none).await;
    let ReadOutcome::Absent { reason } = outcome else {
        panic!("{outcome:?}");
    };
    assert!(reason.contains("no group product.alauda.io"), "{reason}");

    let served = Served {
        groups: Some(Groups::from([(
            "product.alauda.io".to_string(),
            vec!["v1alpha1".to_string()],
        )])),
        short_names: BTreeMap::new(),
    };
    let outcome = read(&ctx, &endpoint, "c", &reads::PRODUCT_BASES, &served).await;
    let ReadOutcome::Ok { items } = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(items[0]["apiVersion"], "product.alauda.io/v1alpha1");
}

#[test]
fn a_nodes_image_list_is_not_kept() {
    let node = json!({"metadata": {"name": "n", "managedFields": []},
        "status": {"images": [{"names": ["x"]}], "nodeInfo": {"kubeletVersion": "v1.30.4"}}});
    let kept = normalise(node, "v1", "Node");
    assert_eq!(kept["status"].get("images"), None);
    assert_eq!(kept["status"]["nodeInfo"]["kubeletVersion"], "v1.30.4");
    assert_eq!(kept["kind"], "Node");
    let other = normalise(
        json!({"metadata": {"name": "d"}, "status": {"images": 1}}),
        "apps/v1",
        "Deployment",
    );
    assert_eq!(other["status"]["images"], 1);
}

/// The ClusterVersionShadow read, found by its short name.
const SHADOWS: &Read = &crate::facts::preflight::VERSION_SHADOWS;

/// Reads the shadows from a server answering `answers` (404 otherwise).
async fn read_shadows(answers: Vec<(&'static str, u16, Value)>) -> ReadOutcome {
    let ctx = Ctx::new(&crate::collect::CollectOptions::new(Vec::new()));
    let endpoint = discovery_server(answers);
    read_all(&ctx, &endpoint, "global", &[SHADOWS])
        .await
        .remove(SHADOWS.id)
        .expect("an outcome")
}

fn shadow_list() -> (&'static str, u16, Value) {
    (
        "/apis/upgrade.cpaas.io/v1/namespaces/cpaas-system/clusterversionshadows?limit=500",
        200,
        json!({"items": [{"metadata": {"name": "global"}}]}),
    )
}

#[tokio::test]
async fn a_short_name_is_found_in_aggregated_discovery() {
    let aggregated = json!({"kind": "APIGroupDiscoveryList", "items": [
        {"metadata": {"name": "apps"}, "versions": [{"version": "v1", "resources": [
            {"resource": "deployments", "responseKind": {"kind": "Deployment"}, "shortNames": ["deploy"]}]}]},
        {"metadata": {"name": "upgrade.cpaas.io"}, "versions": [
            {"version": "v1", "resources": [{"resource": "clusterversionshadows",
                "responseKind": {"kind": "ClusterVersionShadow"}, "shortNames": ["cvsh"]}]},
            {"version": "v1alpha1", "resources": [{"resource": "clusterversionshadows",
                "responseKind": {"kind": "ClusterVersionShadow"}, "shortNames": ["cvsh"]}]}]},
    ]});
    let outcome = read_shadows(vec![("/apis", 200, aggregated.clone()), shadow_list()]).await;
    let ReadOutcome::Ok { items } = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(items[0]["apiVersion"], "upgrade.cpaas.io/v1");
    assert_eq!(items[0]["kind"], "ClusterVersionShadow");

    // The short name of another kind is not it.
    let mut other = aggregated.clone();
    other["items"][1]["versions"][0]["resources"][0]["responseKind"]["kind"] = json!("Other");
    other["items"][1]["versions"].as_array_mut().unwrap().pop();
    let outcome = read_shadows(vec![("/apis", 200, other), shadow_list()]).await;
    let ReadOutcome::Absent { reason } = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(
        reason,
        "API discovery lists no ClusterVersionShadow (short name cvsh): its CRD is not installed"
    );
}

#[tokio::test]
async fn a_short_name_is_found_in_plain_discovery_and_a_failure_is_not_absence() {
    let groups = json!({"kind": "APIGroupList", "groups": [
        {"name": "apps", "versions": [{"version": "v1"}], "preferredVersion": {"version": "v1"}},
        {"name": "upgrade.cpaas.io", "versions": [{"version": "v1"}], "preferredVersion": {"version": "v1"}},
    ]});
    let resources = json!({"kind": "APIResourceList", "resources": [
        {"name": "clusterversionshadows", "kind": "ClusterVersionShadow", "shortNames": ["cvsh"]}]});
    let apps = json!({"kind": "APIResourceList", "resources": [{"name": "deployments", "kind": "Deployment"}]});
    let outcome = read_shadows(vec![
        ("/apis", 200, groups.clone()),
        ("/apis/apps/v1", 200, apps.clone()),
        ("/apis/upgrade.cpaas.io/v1", 200, resources),
        shadow_list(),
    ])
    .await;
    assert!(matches!(outcome, ReadOutcome::Ok { .. }), "{outcome:?}");

    // One group's document is forbidden: the kind may be there, so it is not absent.
    let forbidden = json!({"kind": "Status", "code": 403, "message": "forbidden"});
    let outcome = read_shadows(vec![
        ("/apis", 200, groups),
        ("/apis/apps/v1", 200, apps),
        ("/apis/upgrade.cpaas.io/v1", 403, forbidden.clone()),
    ])
    .await;
    let ReadOutcome::Error(error) = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(error.kind, ReadErrorKind::Forbidden);

    // Discovery itself unreadable.
    let outcome = read_shadows(vec![("/apis", 403, forbidden)]).await;
    let ReadOutcome::Error(error) = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(error.missing_permission.as_deref(), Some("get /apis"));
}
