//! Reaching the clusters, as kubectl does: kubeconfig (`--kubeconfig`, `KUBECONFIG`,
//! `~/.kube/config`) or the pod's service account for the global cluster; the ACP proxy
//! `https://<platform>/kubernetes/<cluster>` or a context of their own for workload clusters.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use http::header::USER_AGENT;
use http::{HeaderValue, Uri};
use kube::config::{AuthInfo, KubeConfigOptions, Kubeconfig, KubeconfigError};
use secrecy::SecretString;

use super::transport::Endpoint;
use super::{CollectOptions, USER_AGENT as AGENT};

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

/// A kubeconfig read from its files, and how to name it in messages.
struct Loaded {
    config: Kubeconfig,
    name: String,
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
    let client = kube::Client::try_from(config).map_err(|error| ConnectError::Client {
        what: what.to_string(),
        message: super::classify::chain(&error),
    })?;
    Ok(Endpoint {
        client,
        prefix: String::new(),
        base,
    })
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

/// The token of a token file, without the surrounding whitespace (`kubectl create token > FILE`
/// ends it with a newline, which kube would otherwise send).
fn read_token_file(path: &Path) -> Result<SecretString, ConnectError> {
    let fail = |message: String| ConnectError::TokenFile {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    let text = std::str::from_utf8(&text).map_err(|_| fail("not text".to_string()))?;
    if text.trim().is_empty() {
        return Err(fail("the file is empty".to_string()));
    }
    if text.trim().contains(char::is_whitespace) {
        return Err(fail(
            "the file must hold just the token, on one line".to_string(),
        ));
    }
    Ok(SecretString::from(text.trim()))
}

/// Checks that a CA file is readable PEM; kube reads it (and re-reads it when it changes).
fn read_ca(path: &Path) -> Result<PathBuf, ConnectError> {
    let fail = |message: String| ConnectError::CaFile {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    if !text.contains("-----BEGIN CERTIFICATE-----") {
        return Err(fail("no PEM CERTIFICATE block".to_string()));
    }
    Ok(std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// `url` as [`check_url`] accepts it, else an error naming `flag`.
fn parse_url(flag: &str, url: &str) -> Result<Uri, ConnectError> {
    check_url(url).map_err(|message| ConnectError::Url {
        flag: flag.to_string(),
        value: redact_userinfo(url),
        message: message.to_string(),
    })
}

/// `url` as a URI with an `https` or `http` scheme and a host; else what is wrong.
fn check_url(url: &str) -> Result<Uri, &'static str> {
    let uri: Uri = url.parse().map_err(|_| "not a URL")?;
    if !matches!(uri.scheme_str(), Some("https" | "http")) {
        return Err("the URL must start with https://");
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err("the URL has no host");
    }
    Ok(uri)
}

/// The platform root of a `--platform-url` value: no trailing `/`, and no `/kubernetes/<name>`
/// if one was given by mistake. Errors say what is wrong.
pub(crate) fn platform_root(url: &str) -> Result<String, String> {
    let trimmed = url.trim().trim_end_matches('/');
    let uri = check_url(trimmed).map_err(str::to_string)?;
    if uri.query().is_some() {
        return Err("the URL must not have a query".to_string());
    }
    Ok(match split_proxy_url(trimmed) {
        Some((root, _)) => root,
        None => trimmed.to_string(),
    })
}

/// Splits a proxy URL `https://<platform>[/prefix]/kubernetes/<name>` into the platform root and
/// the cluster name; `None` when the URL does not end in `/kubernetes/<name>`.
pub(crate) fn split_proxy_url(url: &str) -> Option<(String, String)> {
    let url = url.trim_end_matches('/');
    let (root, name) = url.rsplit_once("/kubernetes/")?;
    let scheme_end = root.find("://")? + 3;
    if name.is_empty() || name.contains('/') || root.len() <= scheme_end {
        return None;
    }
    Some((root.to_string(), name.to_string()))
}

/// The proxy URL of a cluster: the platform root with `/kubernetes/<cluster>`.
pub(crate) fn proxy_cluster_url(root: &str, cluster: &str) -> String {
    format!("{}/kubernetes/{cluster}", root.trim_end_matches('/'))
}

/// A URL without any `user:password@` part.
pub(crate) fn redact_userinfo(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}{}", &url[..scheme_end], &rest[at + 1..]),
        None => url.to_string(),
    }
}

fn default_kubeconfig() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|home| PathBuf::from(home).join(".kube").join("config"))
}

/// The kubeconfig, as kubectl finds it: `--kubeconfig`, else the files of `KUBECONFIG`
/// (missing ones skipped, the others merged), else `~/.kube/config`; `None` when there is none.
fn load_kubeconfig(explicit: Option<&Path>) -> Result<Option<Loaded>, ConnectError> {
    if let Some(path) = explicit {
        return read_one(path).map(Some);
    }
    if let Some(value) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        let paths: Vec<PathBuf> = std::env::split_paths(&value)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        let mut merged: Option<Kubeconfig> = None;
        let mut names = Vec::new();
        for path in paths.iter().filter(|p| p.exists()) {
            let loaded = read_one(path)?;
            names.push(loaded.name);
            merged = Some(match merged {
                None => loaded.config,
                Some(m) => m
                    .merge(loaded.config)
                    .map_err(|e| ConnectError::Kubeconfig {
                        path: path.display().to_string(),
                        message: e.to_string(),
                    })?,
            });
        }
        return match merged {
            Some(config) => Ok(Some(Loaded {
                config,
                name: names.join(":"),
            })),
            None => Err(ConnectError::Kubeconfig {
                path: value.to_string_lossy().into_owned(),
                message: "KUBECONFIG names no existing file".to_string(),
            }),
        };
    }
    match default_kubeconfig() {
        Some(path) if path.exists() => read_one(&path).map(Some),
        _ => Ok(None),
    }
}

fn read_one(path: &Path) -> Result<Loaded, ConnectError> {
    let config = Kubeconfig::read_from(path).map_err(|error| ConnectError::Kubeconfig {
        path: path.display().to_string(),
        message: kubeconfig_message(&error),
    })?;
    Ok(Loaded {
        config,
        name: path.display().to_string(),
    })
}

/// A kubeconfig error without any of the file's content (which may hold credentials).
fn kubeconfig_message(error: &KubeconfigError) -> String {
    match error {
        KubeconfigError::ReadConfig(source, _) => source.to_string(),
        KubeconfigError::Parse(parse) => match parse.location() {
            Some(at) => format!(
                "not a valid kubeconfig (YAML error at line {}, column {})",
                at.line(),
                at.column()
            ),
            None => "not a valid kubeconfig (YAML error)".to_string(),
        },
        other => other.to_string(),
    }
}

/// The client config of a context (`None`: the current context).
async fn context_config(
    loaded: &Loaded,
    context: Option<&str>,
) -> Result<kube::Config, ConnectError> {
    let available = || {
        let names: Vec<&str> = loaded
            .config
            .contexts
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        if names.is_empty() {
            "(none)".to_string()
        } else {
            names.join(", ")
        }
    };
    let name = match context.or(loaded.config.current_context.as_deref()) {
        Some(name) if !name.is_empty() => name.to_string(),
        _ => {
            return Err(ConnectError::NoCurrentContext {
                kubeconfig: loaded.name.clone(),
                available: available(),
            });
        }
    };
    if !loaded.config.contexts.iter().any(|c| c.name == name) {
        return Err(ConnectError::UnknownContext {
            context: name,
            kubeconfig: loaded.name.clone(),
            available: available(),
        });
    }
    let options = KubeConfigOptions {
        context: Some(name.clone()),
        ..KubeConfigOptions::default()
    };
    kube::Config::from_custom_kubeconfig(loaded.config.clone(), &options)
        .await
        .map_err(|error| ConnectError::Context {
            context: name,
            kubeconfig: loaded.name.clone(),
            message: match &error {
                KubeconfigError::LoadClusterOfContext(cluster) => {
                    format!("its cluster `{cluster}` is not in the kubeconfig")
                }
                other => kubeconfig_message(other),
            },
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls_split_at_the_last_kubernetes_segment() {
        let split = |u: &str| split_proxy_url(u);
        assert_eq!(
            split("https://acp.example.com/kubernetes/global"),
            Some(("https://acp.example.com".into(), "global".into()))
        );
        assert_eq!(
            split("https://10.0.0.1:8443/kubernetes/prod-1/"),
            Some(("https://10.0.0.1:8443".into(), "prod-1".into()))
        );
        assert_eq!(
            split("https://acp.example.com/console/kubernetes/global"),
            Some(("https://acp.example.com/console".into(), "global".into()))
        );
        assert_eq!(split("https://10.0.0.1:6443"), None);
        assert_eq!(split("https://acp.example.com/kubernetes/"), None);
        assert_eq!(split("https://acp.example.com/kubernetes/a/api"), None);
        assert_eq!(split("https:///kubernetes/x"), None);
    }

    #[test]
    fn workload_urls_replace_the_last_segment() {
        let (root, name) =
            split_proxy_url("https://acp.example.com:443/kubernetes/global").expect("a proxy URL");
        assert_eq!(name, "global");
        assert_eq!(
            proxy_cluster_url(&root, "prod-1"),
            "https://acp.example.com:443/kubernetes/prod-1"
        );
    }

    #[test]
    fn platform_url_flag() {
        assert_eq!(
            platform_root("https://acp.example.com/").as_deref(),
            Ok("https://acp.example.com")
        );
        assert_eq!(
            platform_root(" https://acp.example.com/kubernetes/global ").as_deref(),
            Ok("https://acp.example.com")
        );
        assert_eq!(
            platform_root("https://acp.example.com/prefix").as_deref(),
            Ok("https://acp.example.com/prefix")
        );
        assert!(platform_root("acp.example.com").is_err());
        assert!(platform_root("ftp://acp.example.com").is_err());
        assert!(platform_root("https://acp.example.com/?x=1").is_err());
        assert_eq!(
            proxy_cluster_url(
                &platform_root("https://acp.example.com/").expect("url"),
                "eks-1"
            ),
            "https://acp.example.com/kubernetes/eks-1"
        );
    }

    #[test]
    fn credentials_in_urls_are_dropped() {
        assert_eq!(
            redact_userinfo("https://admin:s3cret@acp.example.com/kubernetes/global"),
            "https://acp.example.com/kubernetes/global"
        );
        assert_eq!(
            redact_userinfo("https://acp.example.com/a@b"),
            "https://acp.example.com/a@b"
        );
    }

    #[test]
    fn token_files_must_hold_a_token() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("token");
        std::fs::write(&file, "abc.def\n").expect("write");
        let token = read_token_file(&file).expect("a token");
        assert_eq!(secrecy::ExposeSecret::expose_secret(&token), "abc.def");
        assert!(!format!("{token:?}").contains("abc"));
        std::fs::write(&file, "  \n").expect("write");
        let error = read_token_file(&file).expect_err("empty");
        assert!(error.to_string().contains("is empty"), "{error}");
        let missing = dir.path().join("missing");
        let error = read_token_file(&missing).expect_err("missing");
        assert!(
            error
                .to_string()
                .starts_with(&format!("cannot read token file {}", missing.display())),
            "{error}"
        );
    }

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

    #[test]
    fn kubeconfig_parse_errors_do_not_quote_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("config");
        std::fs::write(
            &file,
            "apiVersion: v1\nusers:\n- name: u\n  user:\n    token: [sekrit-token\n",
        )
        .expect("write");
        let Err(error) = read_one(&file) else {
            panic!("a broken kubeconfig was read");
        };
        let message = error.to_string();
        assert!(message.contains(&file.display().to_string()), "{message}");
        assert!(!message.contains("sekrit"), "{message}");
    }
}
