//! The published state of a data directory: the indicator catalogue in force (read
//! from the data directory's `catalog/` folder when an administrator put one there,
//! else the copy compiled into the binary, with the SHA-256 that names it), and the
//! results versions, computed from the current dataset versions and stored
//! (`compute`). Every reader (recompute, dashboard snapshot, briefing scheduler)
//! takes the catalogue here, so an edit to `targets.toml` reaches all of them.
//!
//! **Invariant:** the only writer of results versions; the catalogue is only read.

pub mod compute;
pub mod labels;
pub mod outlines;
pub mod preview;
pub mod published;

pub use compute::{
    OBSERVATIONS_PARQUET, RESULTS_JSON, SUMMARY_PARQUET, TransactionSums, compute_and_store,
    compute_and_store_summed, current_results_stale, stored_results,
};

pub use published::Published;

use std::path::{Path, PathBuf};

use md2030_analytics::catalog::{Catalog, INDICATORS_TOML, TARGETS_TOML};
use md2030_analytics::peers::PEERS_TOML;
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("reading {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Catalog(#[from] md2030_analytics::Error),
    #[error(transparent)]
    Store(#[from] md2030_store::Error),
    #[error("scanning the inventory version {0}")]
    Scan(String),
    #[error("reading the results {0}")]
    Results(String),
    #[error("no results: run `md2030 compute` first")]
    NoResults,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The catalogue's two files as text, and their fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogFiles {
    pub indicators: String,
    pub targets: String,
    /// The named peer sets.
    pub peers: String,
    /// SHA-256 of the indicators file, a zero byte, the targets file, a zero byte,
    /// then the peer sets.
    pub sha256: String,
}

impl CatalogFiles {
    /// The catalogue, checked for consistency.
    pub fn parse(&self) -> Result<Catalog> {
        Ok(Catalog::from_toml(&self.indicators, &self.targets)?.with_peer_sets(&self.peers)?)
    }
}

/// Reads the catalogue files in force for `data_dir` (cheap: two small files and a
/// hash, so a reader can poll it to notice an edit).
pub fn read_catalog(data_dir: &Path) -> Result<CatalogFiles> {
    let read = |name: &str, compiled: &str| -> Result<String> {
        let path = data_dir.join("catalog").join(name);
        if path.is_file() {
            std::fs::read_to_string(&path).map_err(|source| Error::Io { path, source })
        } else {
            Ok(compiled.to_string())
        }
    };
    let indicators = read("indicators.toml", INDICATORS_TOML)?;
    let targets = read("targets.toml", TARGETS_TOML)?;
    let peers = read("peers.toml", PEERS_TOML)?;
    let mut hasher = Sha256::new();
    hasher.update(indicators.as_bytes());
    hasher.update([0]);
    hasher.update(targets.as_bytes());
    hasher.update([0]);
    hasher.update(peers.as_bytes());
    let sha256 = md2030_store::hex(&hasher.finalize());
    Ok(CatalogFiles { indicators, targets, peers, sha256 })
}

/// The catalogue in force for `data_dir` and its SHA-256.
pub fn load_catalog(data_dir: &Path) -> Result<(Catalog, String)> {
    let files = read_catalog(data_dir)?;
    Ok((files.parse()?, files.sha256))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_directory_copy_wins_over_the_compiled_one() {
        let dir = tempfile::tempdir().unwrap();
        let (compiled, compiled_sha) = load_catalog(dir.path()).unwrap();
        let in_force = |c: &Catalog| {
            c.target_in_force("coverage_5g", 2030, &Default::default()).map(|t| t.value)
        };
        assert_eq!(in_force(&compiled), Some(85.0));
        // An administrator adopts 90 % as version 3, superseding version 2.
        std::fs::create_dir_all(dir.path().join("catalog")).unwrap();
        let edited = format!(
            "{TARGETS_TOML}\n[[target]]\nid = \"coverage_5g_2030_v3\"\nindicator = \"coverage_5g\"\nyear = 2030\nvalue = 90\nbaseline = {{ year = 2024, value = 0 }}\nsource = {{ fr = \"essai\", ar = \"تجربة\", en = \"test\" }}\nadopted_by = {{ fr = \"essai\", ar = \"تجربة\", en = \"test\" }}\nadopted_on = \"2026-12-03\"\nversion = 3\nsupersedes = \"coverage_5g_2030_v2\"\n"
        );
        std::fs::write(dir.path().join("catalog/targets.toml"), edited).unwrap();
        let (edited, edited_sha) = load_catalog(dir.path()).unwrap();
        assert_eq!(in_force(&edited), Some(90.0));
        assert_ne!(compiled_sha, edited_sha);
        // A broken edit is an error naming the file, not a fallback.
        std::fs::write(dir.path().join("catalog/targets.toml"), "[[target]]\nid = 1").unwrap();
        assert!(matches!(load_catalog(dir.path()), Err(Error::Catalog(_))));
    }
}
