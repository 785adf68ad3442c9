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

    let cluster_entries: Vec<String> = clusters
        .iter()
        .map(|cluster| {
            let server = format!("{base_url}/kubernetes/{cluster}");
            format!(
                "- name: {}\n  cluster:\n    server: {}\n    certificate-authority-data: {}\n",
                q(cluster),
                q(&server),
                q(&ca_data)
            )
        })
        .collect();
    let context_entries: Vec<String> = contexts
        .iter()
        .map(|(context, cluster)| {
            format!(
                "- name: {}\n  context:\n    cluster: {}\n    user: \"test-user\"\n",
                q(context),
                q(cluster)
            )
        })
        .collect();
    let current = contexts.first().map_or("", |(context, _)| context);

    let mut yaml = String::from("apiVersion: v1\nkind: Config\n");
    yaml += &section("clusters", &cluster_entries);
    yaml += &section("contexts", &context_entries);
    yaml += &format!("current-context: {}\n", q(current));
    yaml += &format!(
        "users:\n- name: \"test-user\"\n  user:\n    token: {}\n",
        q(token)
    );
    yaml
}

/// A YAML sequence under `key`, or `key: []` when empty.
fn section(key: &str, entries: &[String]) -> String {
    if entries.is_empty() {
        format!("{key}: []\n")
    } else {
        format!("{key}:\n{}", entries.concat())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_cluster_entry_per_cluster() {
        let yaml = render(
            "https://127.0.0.1:1",
            "PEM",
            &[("a", "global"), ("b", "global")],
            "t\"x",
        );
        assert_eq!(
            yaml.matches("server: \"https://127.0.0.1:1/kubernetes/global\"")
                .count(),
            1
        );
        assert!(yaml.contains("current-context: \"a\"\n"));
        assert!(yaml.contains("token: \"t\\\"x\"\n"));
        assert!(yaml.contains(&format!(
            "certificate-authority-data: \"{}\"",
            STANDARD.encode("PEM")
        )));
    }

    #[test]
    fn no_contexts() {
        let yaml = render("https://127.0.0.1:1", "PEM", &[], "t");
        assert!(
            yaml.contains("clusters: []\ncontexts: []\ncurrent-context: \"\"\n"),
            "{yaml}"
        );
    }
}
