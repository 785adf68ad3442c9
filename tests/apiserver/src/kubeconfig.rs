//! Kubeconfig files pointing at the test server.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// A kubeconfig (YAML) with one context per `(context name, cluster name)` pair, each using the
/// cluster's URL under `base_url`, the CA in `ca_pem` and the bearer token `token`. The first
/// context is the current one.
pub(crate) fn render(
    base_url: &str,
    ca_pem: &str,
    contexts: &[(&str, &str)],
    token: &str,
) -> String {
    // JSON strings are valid YAML double-quoted scalars, so quoting is exact.
    let q = |s: &str| serde_json::Value::from(s).to_string();
    let ca_data = STANDARD.encode(ca_pem);

    let mut clusters: Vec<&str> = contexts.iter().map(|(_, cluster)| *cluster).collect();
    clusters.sort_unstable();
    clusters.dedup();

    let mut yaml = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    for cluster in clusters {
        let server = format!("{base_url}/kubernetes/{cluster}");
        yaml += &format!(
            "- name: {}\n  cluster:\n    server: {}\n    certificate-authority-data: {}\n",
            q(cluster),
            q(&server),
            q(&ca_data)
        );
    }
    yaml += "contexts:\n";
    for (context, cluster) in contexts {
        yaml += &format!(
            "- name: {}\n  context:\n    cluster: {}\n    user: \"test-user\"\n",
            q(context),
            q(cluster)
        );
    }
    let current = contexts.first().map_or("", |(context, _)| context);
    yaml += &format!("current-context: {}\n", q(current));
    yaml += &format!(
        "users:\n- name: \"test-user\"\n  user:\n    token: {}\n",
        q(token)
    );
    yaml
}
