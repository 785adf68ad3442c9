//! Writing a served fleet as a dump directory (`<dir>/<cluster>/<read id>.json`, the layout of
//! `acp-preflight check --snapshot DIR`), read from the server the way kubectl would list it.
//! `check --snapshot` on it evaluates the same facts without any network, which tells the rule
//! engine's share of a live check.

use std::path::Path;

use crate::fleet::ClusterSummary;
use crate::replay::{ReplayError, Replayer};
use crate::requests::{list_path, reads_on};

/// Why a dump could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    /// A list could not be read.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// The server did not answer a list with 200.
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

/// Lists every read of every cluster and writes the answers under `dir`; returns the number of
/// files written.
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
        for read in reads_on(position == 0) {
            let path = list_path(&cluster.name, read);
            let (status, body) = replayer.get(&path, Some("application/json")).await?;
            if status != 200 {
                return Err(DumpError::Status { path, status });
            }
            let file = cluster_dir.join(format!("{}.json", read.id));
            std::fs::write(&file, &body).map_err(|source| DumpError::Io {
                path: file.display().to_string(),
                source,
            })?;
            files += 1;
        }
    }
    Ok(files)
}
