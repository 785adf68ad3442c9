//! The URLs of the flags and of the platform proxy: checking them, splitting a proxy URL
//! `https://<platform>/kubernetes/<cluster>` into the platform root and the cluster, and
//! dropping any `user:password@` before a URL is shown.

use http::Uri;

use super::ConnectError;

/// `url` as [`check_url`] accepts it, else an error naming `flag`.
pub(super) fn parse_url(flag: &str, url: &str) -> Result<Uri, ConnectError> {
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
}
