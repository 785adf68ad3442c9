//! The server against the real kube 5 client, over HTTPS with a generated kubeconfig.

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{ConfigMap, Node};
use kube::api::{Api, DynamicObject, ListParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::{ApiResource, GroupVersionKind};
use kube::discovery::{Discovery, Scope};
use kube::{Client, Config, Error};
use serde_json::json;
use test_apiserver::{
    DEFAULT_TOKEN, FaultAction, FaultRule, Platform, ServerOptions, TestApiServer,
    custom_resource_definition, object,
};

use crate::fixture;

async fn start() -> TestApiServer {
    TestApiServer::start(fixture(), ServerOptions::default())
        .await
        .unwrap()
}

/// A client for one cluster of the fixture, built from the server's kubeconfig, without retries.
async fn client(server: &TestApiServer, context: &str, token: &str) -> Client {
    let yaml = server.kubeconfig(&[("global", "global"), ("prod-1", "prod-1")], token);
    let kubeconfig = Kubeconfig::from_yaml(&yaml).unwrap();
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        ..Default::default()
    };
    let mut config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .unwrap();
    config.default_retry = false;
    config.read_timeout = Some(Duration::from_secs(10));
    Client::try_from(config).unwrap()
}

fn module_infos() -> ApiResource {
    let gvk = GroupVersionKind::gvk("cluster.alauda.io", "v1alpha1", "ModuleInfo");
    ApiResource::from_gvk_with_plural(&gvk, "moduleinfoes")
}

/// The Status of an API error, or a panic naming what came instead.
fn status<T: std::fmt::Debug>(result: Result<T, Error>) -> kube::core::Status {
    match result {
        Err(Error::Api(status)) => *status,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn discovery_plain_and_aggregated_find_crd_kinds() {
    let server = start().await;
    for aggregated in [false, true] {
        for (cluster, present, absent) in [
            (
                "global",
                ("cluster.alauda.io", "v1alpha1", "ModuleInfo"),
                ("middleware.alauda.io", "v1", "Redis"),
            ),
            (
                "prod-1",
                ("middleware.alauda.io", "v1", "Redis"),
                ("cluster.alauda.io", "v1alpha1", "ModuleInfo"),
            ),
        ] {
            server.clear_requests();
            let discovery = Discovery::new(client(&server, cluster, DEFAULT_TOKEN).await);
            let discovery = if aggregated {
                discovery.run_aggregated().await.unwrap()
            } else {
                discovery.run().await.unwrap()
            };
            let what = format!("{cluster}, aggregated: {aggregated}");
            let (ar, caps) = discovery
                .resolve_gvk(&GroupVersionKind::gvk(present.0, present.1, present.2))
                .unwrap_or_else(|| panic!("{what}: {present:?} not discovered"));
            assert!(caps.supports_operation("list"), "{what}");
            if cluster == "global" {
                assert_eq!(ar.plural, "moduleinfoes");
                assert_eq!(caps.scope, Scope::Cluster);
            } else {
                assert_eq!(caps.scope, Scope::Namespaced);
            }
            assert!(
                discovery
                    .resolve_gvk(&GroupVersionKind::gvk(absent.0, absent.1, absent.2))
                    .is_none(),
                "{what}"
            );
            let (nodes, _) = discovery
                .resolve_gvk(&GroupVersionKind::gvk("", "v1", "Node"))
                .unwrap();
            assert_eq!(nodes.plural, "nodes");
            assert!(discovery.has_group("apps"), "{what}");

            let requests = server.requests();
            assert!(
                requests
                    .iter()
                    .all(|r| r.status == 200 && r.cluster.as_deref() == Some(cluster)),
                "{what}"
            );
            if aggregated {
                let paths: Vec<_> = requests.iter().map(|r| r.path.as_str()).collect();
                assert_eq!(paths, ["/apis", "/api"], "{what}");
            } else {
                assert!(requests.len() > 2, "{what}");
            }
        }
    }

    // The group's preferred version is the highest one any CRD serves.
    let discovery = Discovery::new(client(&server, "global", DEFAULT_TOKEN).await)
        .run_aggregated()
        .await
        .unwrap();
    let group = discovery.get("cluster.alauda.io").unwrap();
    assert_eq!(group.preferred_version(), Some("v1alpha2"));
}

#[tokio::test]
async fn aggregated_discovery_can_be_turned_off() {
    let options = ServerOptions {
        aggregated_discovery: false,
        ..ServerOptions::default()
    };
    let server = TestApiServer::start(fixture(), options).await.unwrap();
    let client = client(&server, "global", DEFAULT_TOKEN).await;
    // As against an old server: the plain documents parse as an empty aggregated list.
    let discovery = Discovery::new(client.clone())
        .run_aggregated()
        .await
        .unwrap();
    assert!(!discovery.has_group("apps"));
    let discovery = Discovery::new(client).run().await.unwrap();
    assert!(discovery.has_group("cluster.alauda.io"));
}

#[tokio::test]
async fn dynamic_list_pages_through_continue_tokens() {
    let server = start().await;
    let api: Api<DynamicObject> = Api::all_with(
        client(&server, "global", DEFAULT_TOKEN).await,
        &module_infos(),
    );

    let mut names = Vec::new();
    let mut params = ListParams::default().limit(2);
    let mut remaining = Vec::new();
    loop {
        let page = api.list(&params).await.unwrap();
        assert_eq!(
            page.metadata.resource_version.as_deref().map(str::is_empty),
            Some(false)
        );
        names.extend(page.items.iter().map(|o| o.metadata.name.clone().unwrap()));
        remaining.push(page.metadata.remaining_item_count);
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => break,
        }
    }
    assert_eq!(
        names,
        [
            "global-0a1b2c3d",
            "global-1b2c3d4e",
            "global-2c3d4e5f",
            "prod-1-3d4e5f60",
            "prod-1-4e5f6071"
        ]
    );
    assert_eq!(remaining, [Some(3), Some(1), None]);
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests
            .iter()
            .all(|r| r.path == "/apis/cluster.alauda.io/v1alpha1/moduleinfoes")
    );
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.query_param("continue").is_some())
            .count(),
        2
    );

    // Selectors are applied before paging.
    let lp = ListParams::default()
        .labels("cpaas.io/cluster-name=prod-1,cpaas.io/module-name notin (kubecost)");
    let list = api.list(&lp).await.unwrap();
    assert_eq!(list.items.len(), 1);
    let lp = ListParams::default()
        .fields("metadata.name!=global-0a1b2c3d")
        .limit(10);
    assert_eq!(api.list(&lp).await.unwrap().items.len(), 4);
}

#[tokio::test]
async fn typed_get_list_and_version() {
    let server = start().await;
    let global = client(&server, "global", DEFAULT_TOKEN).await;
    let nodes: Api<Node> = Api::all(global.clone());
    let node = nodes.get("global-master-2").await.unwrap();
    assert_eq!(
        node.status.unwrap().node_info.unwrap().kubelet_version,
        "v1.30.4"
    );
    let masters = nodes
        .list(&ListParams::default().labels("node-role.kubernetes.io/control-plane"))
        .await
        .unwrap();
    assert_eq!(masters.items.len(), 3);
    let names = nodes.list_metadata(&ListParams::default()).await.unwrap();
    assert_eq!(names.items.len(), 4);

    assert_eq!(
        global.apiserver_version().await.unwrap().git_version,
        "v1.30.4"
    );
    let prod = client(&server, "prod-1", DEFAULT_TOKEN).await;
    assert_eq!(prod.apiserver_version().await.unwrap().minor, "28");
    let redis = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("middleware.alauda.io", "v1", "Redis"),
        "redis",
    );
    let in_demo: Api<DynamicObject> = Api::namespaced_with(prod.clone(), "demo", &redis);
    assert_eq!(
        in_demo.get("cache").await.unwrap().data["spec"]["upgradeOption"]["autoUpgrade"],
        json!(true)
    );
    let everywhere: Api<DynamicObject> = Api::all_with(prod, &redis);
    assert_eq!(
        everywhere
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}

/// A raw GET: its status and body, whatever the status.
async fn raw_get(client: &Client, path: &str) -> (u16, String) {
    let request = http::Request::get(path).body(Vec::new()).unwrap();
    match client.request_text(request).await {
        Ok(text) => (200, text),
        Err(Error::Api(status)) => (status.code, status.message),
        Err(other) => panic!("GET {path}: {other}"),
    }
}

#[tokio::test]
async fn service_proxy_answers_like_kube_apiserver() {
    let server = start().await;
    let global = client(&server, "global", DEFAULT_TOKEN).await;
    let proxy = |service: &str, path: &str| {
        format!("/api/v1/namespaces/cpaas-system/services/{service}/proxy{path}")
    };
    let recorded =
        "LOCAL ETCD missed keys:\n/registry/configmaps/demo/app-config\nLOCAL ETCD surplus keys:\n";
    let cases: &[(String, u16, &str)] = &[
        (proxy("etcd-sync-monitor", "/check"), 200, recorded),
        (proxy("etcd-sync-monitor:80", "/check"), 200, recorded),
        (
            proxy("http:etcd-sync-monitor:http", "/check"),
            200,
            recorded,
        ),
        (
            proxy("etcd-sync-monitor", "/metrics"),
            404,
            "404 page not found\n",
        ),
        (
            proxy("etcd-sync-idle", "/check"),
            503,
            "no endpoints available for service \"etcd-sync-idle\"",
        ),
        (proxy("nope", "/check"), 404, "services \"nope\" not found"),
    ];
    for (path, code, body) in cases {
        let (got_code, got_body) = raw_get(&global, path).await;
        // kube reports a non-Status error body (the backend's own 404) by its text.
        assert_eq!(got_code, *code, "{path}");
        assert!(got_body.contains(body.trim_end()), "{path}: {got_body}");
    }
    // The Service exists on global only.
    let prod = client(&server, "prod-1", DEFAULT_TOKEN).await;
    assert_eq!(
        raw_get(&prod, &proxy("etcd-sync-monitor", "/check"))
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn two_kinds_of_not_found() {
    let server = start().await;
    let global = client(&server, "global", DEFAULT_TOKEN).await;

    let missing = status(Api::<Node>::all(global.clone()).get("nope").await);
    assert_eq!((missing.code, missing.reason.as_str()), (404, "NotFound"));
    assert_eq!(missing.message, "nodes \"nope\" not found");
    let details = missing.details.unwrap();
    assert_eq!(
        (details.name.as_str(), details.kind.as_str()),
        ("nope", "nodes")
    );

    let api: Api<DynamicObject> = Api::all_with(global, &module_infos());
    let details = status(api.get("nope").await).details.unwrap();
    assert_eq!(
        (details.group.as_str(), details.kind.as_str()),
        ("cluster.alauda.io", "moduleinfoes")
    );

    // prod-1 has no ModuleInfo CRD: the resource type itself is unknown.
    let api: Api<DynamicObject> = Api::all_with(
        client(&server, "prod-1", DEFAULT_TOKEN).await,
        &module_infos(),
    );
    let absent = status(api.list(&ListParams::default()).await);
    assert_eq!((absent.code, absent.reason.as_str()), (404, "NotFound"));
    assert_eq!(
        absent.message,
        "the server could not find the requested resource"
    );
    assert_eq!(absent.details.map(|d| d.name), Some(String::new()));
}

#[tokio::test]
async fn wrong_token_is_unauthorized_and_writes_are_refused() {
    let server = start().await;
    let denied = status(
        Api::<Node>::all(client(&server, "global", "wrong").await)
            .list(&ListParams::default())
            .await,
    );
    assert_eq!((denied.code, denied.reason.as_str()), (401, "Unauthorized"));

    let configmaps: Api<ConfigMap> =
        Api::namespaced(client(&server, "global", DEFAULT_TOKEN).await, "default");
    let refused = status(
        configmaps
            .create(&PostParams::default(), &ConfigMap::default())
            .await,
    );
    assert_eq!(
        (refused.code, refused.reason.as_str()),
        (405, "MethodNotAllowed")
    );
    let methods: Vec<_> = server
        .requests()
        .into_iter()
        .map(|r| (r.method, r.status))
        .collect();
    assert_eq!(
        methods,
        [("GET".to_string(), 401), ("POST".to_string(), 405)]
    );
}

#[tokio::test]
async fn injected_faults() {
    let server = start().await;
    let api: Api<DynamicObject> = Api::all_with(
        client(&server, "global", DEFAULT_TOKEN).await,
        &module_infos(),
    );
    let lp = ListParams::default();

    server.add_fault(
        FaultRule::new(FaultAction::Forbidden {
            user: "alice".into(),
        })
        .cluster("global")
        .path_prefix("/apis/cluster.alauda.io/")
        .times(1),
    );
    let forbidden = status(api.list(&lp).await);
    assert_eq!(
        (forbidden.code, forbidden.reason.as_str()),
        (403, "Forbidden")
    );
    assert_eq!(
        forbidden.message,
        "moduleinfoes.cluster.alauda.io is forbidden: User \"alice\" cannot list resource \"moduleinfoes\" in API group \"cluster.alauda.io\" at the cluster scope"
    );
    // The rule was used up.
    assert_eq!(api.list(&lp).await.unwrap().items.len(), 5);

    server.add_fault(
        FaultRule::new(FaultAction::BadGateway)
            .path_regex("moduleinfoes$")
            .unwrap()
            .times(1),
    );
    let bad_gateway = status(api.list(&lp).await);
    assert_eq!(bad_gateway.code, 502);
    assert!(
        bad_gateway.message.contains("<h1>502 Bad Gateway</h1>"),
        "{}",
        bad_gateway.message
    );

    for (action, code) in [
        (FaultAction::InternalError, 500),
        (FaultAction::TooManyRequests, 429),
        (FaultAction::ServiceUnavailable, 503),
    ] {
        server.add_fault(FaultRule::new(action).times(1));
        assert_eq!(status(api.list(&lp).await).code, code);
    }

    // Another cluster is not affected by a rule for global.
    server.add_fault(FaultRule::new(FaultAction::InternalError).cluster("global"));
    let prod = client(&server, "prod-1", DEFAULT_TOKEN).await;
    assert!(Api::<Node>::all(prod).list(&lp).await.is_ok());
    server.clear_faults();
    assert!(api.list(&lp).await.is_ok());
}

#[tokio::test]
async fn faults_on_the_wire_and_in_the_body() {
    let server = start().await;
    let api: Api<DynamicObject> = Api::all_with(
        client(&server, "global", DEFAULT_TOKEN).await,
        &module_infos(),
    );
    let lp = ListParams::default();
    let path = "/apis/cluster.alauda.io/v1alpha1/moduleinfoes";
    let once = |action: FaultAction| {
        server.add_fault(
            FaultRule::new(action)
                .cluster("global")
                .path_prefix(path)
                .times(1),
        );
    };

    // No answer at all, and an answer that stops short of its Content-Length.
    for action in [FaultAction::DropConnection, FaultAction::CutBody] {
        once(action.clone());
        let result = api.list(&lp).await;
        assert!(
            matches!(result, Err(Error::HyperError(_) | Error::Service(_))),
            "{action:?}: {result:?}"
        );
        assert_eq!(api.list(&lp).await.unwrap().items.len(), 5, "{action:?}");
    }
    // A slow body arrives whole, late.
    once(FaultAction::SlowBody {
        chunks: 4,
        pause: Duration::from_millis(100),
    });
    let started = Instant::now();
    assert_eq!(api.list(&lp).await.unwrap().items.len(), 5);
    assert!(started.elapsed() >= Duration::from_millis(400));
    // Answers that are not the list.
    for action in [
        FaultAction::TruncatedJson,
        FaultAction::StatusInsteadOfList,
        FaultAction::EmptyObject,
        FaultAction::NonObjectItems,
    ] {
        once(action.clone());
        assert!(api.list(&lp).await.is_err(), "{action:?}");
    }
    once(FaultAction::Unauthorized);
    assert_eq!(status(api.list(&lp).await).code, 401);
    once(FaultAction::NotFound);
    assert_eq!(status(api.list(&lp).await).code, 404);
    // A huge list is the same list.
    once(FaultAction::HugeList(4 << 20));
    let huge = api.list(&lp).await.unwrap();
    assert_eq!(huge.items.len(), 5);
    // A first page whose continue token has expired.
    once(FaultAction::ExpireAfterFirstPage);
    let first = api.list(&lp).await.unwrap();
    assert_eq!(first.items.len(), 3);
    let token = first.metadata.continue_.expect("a continue token");
    let expired = status(
        api.list(&ListParams::default().continue_token(&token))
            .await,
    );
    assert_eq!((expired.code, expired.reason.as_str()), (410, "Expired"));

    let applied = server.applied_faults();
    assert_eq!(applied.len(), 11, "{applied:?}");
    assert!(
        applied
            .iter()
            .all(|a| a.cluster.as_deref() == Some("global") && a.path == path)
    );
    let statuses: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses[0], 0, "a dropped connection has no status");
}

#[tokio::test]
async fn hang_until_the_client_times_out_and_delays() {
    let server = start().await;
    server.add_fault(FaultRule::new(FaultAction::Hang).path_prefix("/api/v1/nodes"));
    let yaml = server.kubeconfig(&[("global", "global")], DEFAULT_TOKEN);
    let mut config =
        Config::from_custom_kubeconfig(Kubeconfig::from_yaml(&yaml).unwrap(), &Default::default())
            .await
            .unwrap();
    config.read_timeout = Some(Duration::from_millis(300));
    let nodes: Api<Node> = Api::all(Client::try_from(config).unwrap());
    let started = Instant::now();
    let result =
        tokio::time::timeout(Duration::from_secs(10), nodes.list(&ListParams::default())).await;
    assert!(matches!(result, Ok(Err(_))), "{result:?}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(server.requests()[0].status, 0);

    server.clear_faults();
    server.add_fault(FaultRule::new(FaultAction::Delay(Duration::from_millis(200))).times(1));
    let global = client(&server, "global", DEFAULT_TOKEN).await;
    let started = Instant::now();
    global.apiserver_version().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(200));

    server.set_latency(Duration::from_millis(100));
    let started = Instant::now();
    global.apiserver_version().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(100));
}

#[tokio::test]
async fn expired_continue_token_forces_a_restart() {
    let server = start().await;
    server.add_fault(FaultRule::new(FaultAction::ExpireContinue).times(1));
    let api: Api<DynamicObject> = Api::all_with(
        client(&server, "global", DEFAULT_TOKEN).await,
        &module_infos(),
    );

    let first = api.list(&ListParams::default().limit(2)).await.unwrap();
    let token = first.metadata.continue_.unwrap();
    let expired = status(
        api.list(&ListParams::default().limit(2).continue_token(&token))
            .await,
    );
    assert_eq!((expired.code, expired.reason.as_str()), (410, "Expired"));
    // The one-shot fault is spent: the same token now works.
    let second = api
        .list(&ListParams::default().limit(2).continue_token(&token))
        .await
        .unwrap();
    assert_eq!(second.items.len(), 2);
    let invalid = status(
        api.list(&ListParams::default().continue_token("not-a-token"))
            .await,
    );
    assert_eq!(invalid.code, 410);
}

#[tokio::test]
async fn many_clusters_in_memory_under_latency() {
    let mut platform = Platform::new();
    for c in 0..200 {
        let cluster = platform.cluster_mut(&format!("c{c:03}"));
        for n in 0..50 {
            cluster
                .add_object(object("v1", "Node", None, &format!("node-{n:02}")))
                .unwrap();
        }
        cluster
            .add_object(custom_resource_definition(
                "cluster.alauda.io",
                "ModuleInfo",
                "moduleinfoes",
                &["v1alpha1"],
                false,
            ))
            .unwrap();
    }
    let options = ServerOptions {
        latency: Duration::from_millis(25),
        ..ServerOptions::default()
    };
    let server = TestApiServer::start(platform, options).await.unwrap();
    let contexts: Vec<(String, String)> = (0..200)
        .map(|c| (format!("c{c:03}"), format!("c{c:03}")))
        .collect();
    let pairs: Vec<(&str, &str)> = contexts
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let kubeconfig = Kubeconfig::from_yaml(&server.kubeconfig(&pairs, DEFAULT_TOKEN)).unwrap();

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (context, _) in contexts {
        let kubeconfig = kubeconfig.clone();
        tasks.spawn(async move {
            let options = KubeConfigOptions {
                context: Some(context),
                ..Default::default()
            };
            let config = Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .unwrap();
            let client = Client::try_from(config).unwrap();
            client.apiserver_version().await.unwrap();
            let nodes: Api<Node> = Api::all(client);
            nodes
                .list(&ListParams::default().limit(20))
                .await
                .unwrap()
                .items
                .len()
        });
    }
    let mut total = 0;
    while let Some(count) = tasks.join_next().await {
        total += count.unwrap();
    }
    assert_eq!(total, 200 * 20);
    assert_eq!(server.requests().len(), 400);
    eprintln!(
        "200 clusters, 400 requests at 25 ms latency: {:?}",
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}
