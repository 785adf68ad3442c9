//! Reaching the clusters, as kubectl does: kubeconfig (`--kubeconfig`, `KUBECONFIG`,
//! `~/.kube/config`) or the pod's service account for the global cluster; the ACP proxy
//! `https://<platform>/kubernetes/<cluster>` or a context of their own for workload clusters.

mod files;
mod url;

use std::collections::BTreeMap;
use std::path::PathBuf;

use http::HeaderValue;
use http::header::USER_AGENT;
use kube::config::AuthInfo;
use secrecy::SecretString;

use super::transport::Endpoint;
use super::{CollectOptions, USER_AGENT as AGENT};
use files::{context_config, default_kubeconfig, load_kubeconfig, read_ca, read_token_file};
use url::{parse_url, platform_root, proxy_cluster_url, redact_userinfo, split_proxy_url};

/// Why the platform cannot be reached at all: bad input, named precisely. Messages never
/// contain credentials.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// A kubeconfig file could not be read or parsed.
    #[error("cannot read kubeconfig {path}: {message}")]
    Kubeconfig {
        /// The file (or the `KUBECONFIG` value).
        path: String,
        /// What is wrong.
        message: String,
    },
    /// No kubeconfig exists and the tool does not run in a pod.
    #[error(
        "no cluster access configured: no --kubeconfig, no KUBECONFIG, no {default_path}, and not \
         running in a pod ({in_cluster}); give --kubeconfig FILE, or --platform-url URL with \
         --token-file FILE"
    )]
    NoConfig {
        /// The default kubeconfig path that does not exist.
        default_path: String,
        /// Why the in-cluster configuration is not available.
        in_cluster: String,
    },
    /// The context asked for is not in the kubeconfig.
    #[error("context `{context}` is not in kubeconfig {kubeconfig}; its contexts are: {available}")]
    UnknownContext {
        /// The context asked for.
        context: String,
        /// The kubeconfig it was looked for in.
        kubeconfig: String,
        /// The contexts the kubeconfig has.
        available: String,
    },
    /// No context was asked for and the kubeconfig has no current one.
    #[error(
        "kubeconfig {kubeconfig} sets no current-context; give --context (its contexts are: {available})"
    )]
    NoCurrentContext {
        /// The kubeconfig.
        kubeconfig: String,
        /// The contexts the kubeconfig has.
        available: String,
    },
    /// A context exists but cannot be used.
    #[error("kubeconfig {kubeconfig}, context `{context}`: {message}")]
    Context {
        /// The context.
        context: String,
        /// The kubeconfig.
        kubeconfig: String,
        /// What is wrong.
        message: String,
    },
    /// The token file could not be read or is empty.
    #[error("cannot read token file {path}: {message}")]
    TokenFile {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The CA file could not be read or holds no certificate.
    #[error("cannot read CA file {path}: {message}")]
    CaFile {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A URL flag is malformed.
    #[error("invalid {flag} `{value}`: {message}")]
    Url {
        /// The flag, e.g. `--platform-url`.
        flag: String,
        /// The value, without any user:password part.
        value: String,
        /// What is wrong.
        message: String,
    },
    /// Flags that do not go together, or a flag that needs another.
    #[error("{0}")]
    Usage(String),
    /// The HTTP client could not be made (e.g. an invalid client certificate).
    #[error("cannot set up the connection to {what}: {message}")]
    Client {
        /// Which cluster or URL.
        what: String,
        /// What is wrong.
        message: String,
    },
}

/// How each cluster is reached.
pub(crate) struct Routes {
    /// The global cluster.
    pub global: Endpoint,
    /// Its API server URL, without credentials: the snapshot's source.
    pub global_url: String,
    /// The `<name>` of a global URL ending in `/kubernetes/<name>`.
    pub global_name: Option<String>,
    /// The platform proxy, when known: one client at the platform root for every cluster.
    pub proxy: Option<Endpoint>,
    /// Clusters reached through a kubeconfig context of their own.
    pub contexts: BTreeMap<String, Endpoint>,
    /// The standby global cluster.
    pub standby: Option<Endpoint>,
    /// Whether any connection skips TLS verification.
    pub insecure: bool,
}

impl Routes {
    /// How to reach a workload cluster, if there is a way.
    pub fn endpoint(&self, cluster: &str) -> Option<Endpoint> {
        if let Some(endpoint) = self.contexts.get(cluster) {
            return Some(endpoint.clone());
        }
        self.proxy.as_ref().map(|proxy| Endpoint {
            client: proxy.client.clone(),
            prefix: format!("{}/kubernetes/{cluster}", proxy.prefix),
            base: proxy.base.clone(),
        })
    }

    /// Why a cluster without a route was not read, and what to give.
    pub fn no_route_message(&self, cluster: &str) -> String {
        format!(
            "not read: the global API server URL ({}) is not a platform proxy address \
             (https://<platform>/kubernetes/<cluster>), so workload clusters cannot be reached \
             through it; give --platform-url URL (with --token-file FILE for an ACP API token) \
             or --cluster-context {cluster}=CONTEXT",
            self.global_url
        )
    }
}

/// Sets up every route of `options`.
pub(crate) async fn connect(options: &CollectOptions) -> Result<Routes, ConnectError> {
    if options.standby_context.is_some() && options.standby_url.is_some() {
        return Err(ConnectError::Usage(
            "give --standby-context or --standby-url, not both".to_string(),
        ));
    }
    let token = match &options.token_file {
        Some(path) => Some(read_token_file(path)?),
        None => None,
    };
    let platform_ca = match &options.platform_ca {
        Some(path) => Some(read_ca(path)?),
        None => None,
    };
    let platform_root = match &options.platform_url {
        Some(url) => Some(platform_root(url).map_err(|message| ConnectError::Url {
            flag: "--platform-url".to_string(),
            value: redact_userinfo(url),
            message,
        })?),
        None => None,
    };
    let kubeconfig = load_kubeconfig(options.kubeconfig.as_deref())?;

    // The global cluster.
    let global_config = match &kubeconfig {
        Some(loaded) => context_config(loaded, options.context.as_deref()).await?,
        None => {
            if options.context.is_some() {
                return Err(ConnectError::Usage(
                    "--context needs a kubeconfig (--kubeconfig FILE, KUBECONFIG or ~/.kube/config)"
                        .to_string(),
                ));
            }
            match kube::Config::incluster() {
                Ok(config) => config,
                Err(in_cluster) => match (&platform_root, &token) {
                    (Some(root), Some(token)) => {
                        let url = proxy_cluster_url(root, "global");
                        let mut config = kube::Config::new(parse_url("--platform-url", &url)?);
                        config.auth_info = token_auth(token);
                        config.root_cert_file.clone_from(&platform_ca);
                        config
                    }
                    _ => {
                        return Err(ConnectError::NoConfig {
                            default_path: default_kubeconfig()
                                .map_or("~/.kube/config".to_string(), |p| p.display().to_string()),
                            in_cluster: in_cluster.to_string(),
                        });
                    }
                },
            }
        }
    };
    let global_url = redact_userinfo(&global_config.cluster_url.to_string());
    let global_url = global_url.trim_end_matches('/').to_string();
    let mut insecure = options.insecure_skip_tls_verify;
    let global_config = tune(global_config, options, &mut insecure);

    // A global URL ending in `/kubernetes/<name>` names the global cluster and the platform
    // root; the platform proxy is at --platform-url, else at that root.
    let (derived, global_name) = split_proxy_url(&global_url).unzip();
    let proxy = match platform_root.as_deref().or(derived.as_deref()) {
        Some(root) => {
            let config = derived_config(
                &global_config,
                "--platform-url",
                root,
                token.as_ref(),
                platform_ca.as_ref(),
            )?;
            Some(endpoint(config, "the platform proxy")?)
        }
        None => None,
    };

    // Clusters with contexts of their own, and the standby global.
    let mut contexts = BTreeMap::new();
    if !options.cluster_contexts.is_empty() || options.standby_context.is_some() {
        let Some(loaded) = &kubeconfig else {
            return Err(ConnectError::Usage(
                "--cluster-context and --standby-context need a kubeconfig (--kubeconfig FILE, \
                 KUBECONFIG or ~/.kube/config)"
                    .to_string(),
            ));
        };
        for (cluster, context) in &options.cluster_contexts {
            let config = tune(
                context_config(loaded, Some(context)).await?,
                options,
                &mut insecure,
            );
            let what = format!("cluster {cluster} (context {context})");
            contexts.insert(cluster.clone(), endpoint(config, &what)?);
        }
    }
    let standby = match (&options.standby_context, &options.standby_url, &kubeconfig) {
        (Some(context), _, Some(loaded)) => {
            let config = tune(
                context_config(loaded, Some(context)).await?,
                options,
                &mut insecure,
            );
            Some(endpoint(config, "the standby global cluster")?)
        }
        (None, Some(url), _) => {
            let config = derived_config(
                &global_config,
                "--standby-url",
                url,
                token.as_ref(),
                platform_ca.as_ref(),
            )?;
            Some(endpoint(config, "the standby global cluster")?)
        }
        _ => None,
    };
    let global = endpoint(global_config, "the global cluster")?;
    Ok(Routes {
        global,
        global_url,
        global_name,
        proxy,
        contexts,
        standby,
        insecure,
    })
}

/// A client for `config`; requests go to its URL (`what` names it in errors).
fn endpoint(config: kube::Config, what: &str) -> Result<Endpoint, ConnectError> {
    let base = config.cluster_url.path().trim_end_matches('/').to_string();
    let plugin = config
        .auth_info
        .exec
        .as_ref()
        .and_then(|exec| exec.command.clone());
    let client = kube::Client::try_from(config).map_err(|error| ConnectError::Client {
        what: what.to_string(),
        message: client_error(&error, plugin.as_deref()),
    })?;
    Ok(Endpoint {
        client,
        prefix: String::new(),
        base,
    })
}

/// Why a client could not be made. kube runs the user's exec credential plugin then, and
/// its error for a plugin that cannot be started is just the OS error (`No such file or
/// directory`): the plugin's command is named, so the operator knows what to install.
fn client_error(error: &kube::Error, plugin: Option<&str>) -> String {
    let chain = super::classify::chain(error);
    let Some(command) = plugin else {
        return chain;
    };
    match error {
        kube::Error::Auth(kube::client::AuthError::AuthExecStart(start)) => match start.kind() {
            std::io::ErrorKind::NotFound => format!(
                "the kubeconfig user's exec credential plugin `{command}` was not found \
                 (is it installed, and on the PATH?): {start}"
            ),
            _ => format!(
                "the kubeconfig user's exec credential plugin `{command}` could not be run: {start}"
            ),
        },
        kube::Error::Auth(_) => {
            format!("the kubeconfig user's exec credential plugin `{command}` failed: {chain}")
        }
        _ => chain,
    }
}

/// Timeouts, no built-in retries (ours are bounded by the deadline), the User-Agent, and TLS
/// verification off only when asked.
fn tune(mut config: kube::Config, options: &CollectOptions, insecure: &mut bool) -> kube::Config {
    config.connect_timeout = Some(options.request_timeout);
    config.read_timeout = Some(options.request_timeout);
    config.write_timeout = Some(options.request_timeout);
    config.reset_reader_on_write = true;
    config.default_retry = false;
    config
        .headers
        .push((USER_AGENT, HeaderValue::from_static(AGENT)));
    if options.insecure_skip_tls_verify {
        config.accept_invalid_certs = true;
    }
    *insecure |= config.accept_invalid_certs;
    config
}

/// The config of another URL reached with the global cluster's settings: the token file's
/// bearer token instead of the global credentials when given, and the CA of `platform_ca`, else
/// the global cluster's CA when the URL is on the same host and port, else the system's.
fn derived_config(
    base: &kube::Config,
    flag: &str,
    url: &str,
    token: Option<&SecretString>,
    platform_ca: Option<&PathBuf>,
) -> Result<kube::Config, ConnectError> {
    let uri = parse_url(flag, url)?;
    let same_server = uri.authority() == base.cluster_url.authority()
        && uri.scheme() == base.cluster_url.scheme();
    let mut config = base.clone();
    config.cluster_url = uri;
    if let Some(token) = token {
        config.auth_info = token_auth(token);
    }
    if let Some(ca) = platform_ca {
        config.root_cert = None;
        config.root_cert_file = Some(ca.clone());
        config.tls_server_name = None;
    } else if !same_server {
        config.root_cert = None;
        config.root_cert_file = None;
        config.tls_server_name = None;
    }
    Ok(config)
}

/// Credentials made of a bearer token only.
fn token_auth(token: &SecretString) -> AuthInfo {
    AuthInfo {
        token: Some(token.clone()),
        ..AuthInfo::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Accepts one connection, answers `{}`, and returns the request head it read.
    fn one_shot_server() -> (u16, std::thread::JoinHandle<String>) {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let handle = std::thread::spawn(move || {
            let Ok((mut stream, _)) = listener.accept() else {
                return String::new();
            };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
            );
            String::from_utf8_lossy(&head).into_owned()
        });
        (port, handle)
    }

    #[test]
    fn a_missing_exec_credential_plugin_is_named() {
        let mut config = kube::Config::new("https://127.0.0.1:9".parse().expect("url"));
        config.auth_info.exec = Some(
            serde_json::from_value(serde_json::json!({
                "apiVersion": "client.authentication.k8s.io/v1",
                "command": "/nonexistent/plugin",
            }))
            .expect("exec config"),
        );
        let Err(error) = endpoint(config, "the global cluster") else {
            panic!("a client with a missing credential plugin");
        };
        let message = error.to_string();
        assert!(
            message.starts_with("cannot set up the connection to the global cluster: "),
            "{message}"
        );
        assert!(
            message.contains("exec credential plugin `/nonexistent/plugin` was not found"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn requests_are_gets_with_our_user_agent_and_the_token() {
        let (port, server) = one_shot_server();
        let dir = tempfile::tempdir().expect("tempdir");
        let token = dir.path().join("token");
        std::fs::write(&token, "tok-123\n").expect("write");
        let mut options = CollectOptions::new(Vec::new());
        options.platform_url = Some(format!("http://127.0.0.1:{port}"));
        options.token_file = Some(token);
        options.kubeconfig = Some(dir.path().join("kubeconfig"));
        std::fs::write(
            dir.path().join("kubeconfig"),
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: g\n  cluster:\n    server: http://127.0.0.1:{port}/kubernetes/global\ncontexts:\n- name: g\n  context:\n    cluster: g\n    user: u\ncurrent-context: g\nusers:\n- name: u\n  user:\n    token: kubeconfig-token\n"
            ),
        )
        .expect("write");
        let routes = connect(&options).await.expect("routes");
        assert_eq!(routes.global_name.as_deref(), Some("global"));
        assert_eq!(
            routes.global_url,
            format!("http://127.0.0.1:{port}/kubernetes/global")
        );
        let ctx = super::super::transport::Ctx::new(&options);
        let endpoint = routes.endpoint("prod-1").expect("a proxy route");
        let answer = super::super::transport::get(&ctx, &endpoint, "prod-1", "/api").await;
        assert!(matches!(answer, super::super::transport::Answer::Http(ref h) if h.status == 200));
        let head = server.join().expect("server").to_ascii_lowercase();
        assert!(
            head.starts_with("get /kubernetes/prod-1/api http/1.1\r\n"),
            "{head}"
        );
        assert!(
            head.contains(&format!("user-agent: {}\r\n", AGENT.to_ascii_lowercase())),
            "{head}"
        );
        assert!(head.contains("accept: application/json\r\n"), "{head}");
        // The token file's token, trimmed, through the proxy; not the kubeconfig's.
        assert!(head.contains("authorization: bearer tok-123\r\n"), "{head}");
        assert_eq!(
            ctx.take_manifest()[0].path,
            "/kubernetes/prod-1/api",
            "the manifest shows the path as sent"
        );
    }
}
