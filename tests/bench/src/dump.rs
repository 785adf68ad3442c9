//! Writing a served fleet as a dump directory (`<dir>/<cluster>/<read id>.json`, the layout of
//! `acp-preflight check --snapshot DIR`), read from the server the way the kubectl commands of
//! `docs/reads.md` would: a list with the read's namespace and label selector, or the raw answer
//! of a non-resource read (`kubectl get --raw /version`). Each cluster's directory also gets
//! `customresourcedefinitions.json`, so that a custom kind the cluster does not serve (its list
//! answered 404, no file written, as kubectl would write none) counts as "not installed".
//! `check --snapshot` on it evaluates the same facts without any network, which tells the rule
//! engine's share of a live check.

use std::path::Path;

use crate::fleet::ClusterSummary;
use crate::replay::{ReplayError, Replayer};
use crate::requests::{reads_on, request_path};

/// The list of a cluster's CustomResourceDefinitions, written next to the reads.
const CRDS_PATH: &str = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

/// Why a dump could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    /// A list could not be read.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// The server did not answer a list with 200 (or 404, for a custom kind).
    #[error("{path}: HTTP {status}")]
    Status {
        /// The list path.
        path: String,
        /// The status answered.
        status: u16,
    },
    /// A file or directory could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// Reads every read of every cluster and writes the answers under `dir`; returns the number of
/// read files written (the CRD lists not counted).
pub async fn write(
    replayer: &Replayer,
    clusters: &[ClusterSummary],
    dir: &Path,
) -> Result<usize, DumpError> {
    let mut files = 0;
    for (position, cluster) in clusters.iter().enumerate() {
        let cluster_dir = dir.join(&cluster.name);
        std::fs::create_dir_all(&cluster_dir).map_err(|source| DumpError::Io {
            path: cluster_dir.display().to_string(),
            source,
        })?;
        let get = |path: String| async move {
            let path = format!("/kubernetes/{}{path}", cluster.name);
            let (status, body) = replayer.get(&path, Some("application/json")).await?;
            Ok::<_, DumpError>((path, status, body))
        };
        let (path, status, body) = get(CRDS_PATH.to_string()).await?;
        if status != 200 {
            return Err(DumpError::Status { path, status });
        }
        write_file(&cluster_dir.join("customresourcedefinitions.json"), &body)?;
        for read in reads_on(position == 0) {
            let (path, status, body) = get(request_path(read, None)).await?;
            match status {
                200 => {}
                // Not installed: kubectl writes nothing, and the CRD list says why.
                404 if read.custom => continue,
                // An object read by name that does not exist: kubectl prints the NotFound.
                404 if read.named_object().is_some() => {
                    let text = format!(
                        "Error from server (NotFound): {} \"{}\" not found\n",
                        read.plural,
                        read.named_object().map_or("", |(_, name)| name)
                    );
                    write_file(&cluster_dir.join(read.file_name()), text.as_bytes())?;
                    files += 1;
                    continue;
                }
                _ => return Err(DumpError::Status { path, status }),
            }
            write_file(&cluster_dir.join(read.file_name()), &body)?;
            files += 1;
        }
    }
    Ok(files)
}

fn write_file(file: &Path, body: &[u8]) -> Result<(), DumpError> {
    std::fs::write(file, body).map_err(|source| DumpError::Io {
        path: file.display().to_string(),
        source,
    })
}
