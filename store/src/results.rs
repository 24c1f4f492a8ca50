//! Versioned indicator results: `results/v<NNNNN>-<sha8>/` holds the files one
//! computation wrote (JSON and Parquet tables), recorded in the catalogue with the
//! date they are computed as of. Same invariant as dataset versions: a results
//! version is visible only once its files are fsynced, renamed into place and the
//! catalogue transaction has committed.

use std::fs;
use std::path::PathBuf;

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::staging::{Placement, Staged};
use crate::{Error, Result, Store, hex, relative_path};

pub(crate) const RESULTS_SQL: &str = "
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY,
    version_no INTEGER NOT NULL UNIQUE,
    dir TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    files TEXT NOT NULL,
    as_of TEXT NOT NULL,
    computed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS current_results (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    results_id INTEGER NOT NULL REFERENCES results(id)
);
";

/// One file of a results version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultsFile {
    pub name: String,
    pub sha256: String,
    pub bytes: u64,
}

/// One stored results version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultsRecord {
    pub version_no: i64,
    /// `results@vN`.
    pub version_id: String,
    /// Directory relative to the data directory.
    pub dir: String,
    /// SHA-256 over the files' names and hashes: equal content, equal hash.
    pub sha256: String,
    pub files: Vec<ResultsFile>,
    pub as_of: String,
    pub computed_at: String,
    pub is_current: bool,
}

const SELECT_RESULTS: &str =
    "SELECT r.version_no, r.dir, r.sha256, r.files, r.as_of, r.computed_at,
    EXISTS (SELECT 1 FROM current_results c WHERE c.results_id = r.id) FROM results r";

fn results_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ResultsRecord> {
    let version_no: i64 = row.get(0)?;
    let files: String = row.get(3)?;
    Ok(ResultsRecord {
        version_no,
        version_id: format!("results@v{version_no}"),
        dir: row.get(1)?,
        sha256: row.get(2)?,
        files: serde_json::from_str(&files).unwrap_or_default(),
        as_of: row.get(4)?,
        computed_at: row.get(5)?,
        is_current: row.get(6)?,
    })
}

/// The content hash of a set of files: SHA-256 over each name and file hash.
fn content_sha256(files: &[ResultsFile]) -> String {
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(file.name.as_bytes());
        hasher.update([0]);
        hasher.update(file.sha256.as_bytes());
        hasher.update([b'\n']);
    }
    hex(&hasher.finalize())
}

/// What [`Store::commit_results`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Committed {
    /// A new results version, now current.
    New(ResultsRecord),
    /// The current version already holds exactly these files: nothing written.
    Unchanged(ResultsRecord),
}

impl Committed {
    pub fn record(&self) -> &ResultsRecord {
        match self {
            Committed::New(record) | Committed::Unchanged(record) => record,
        }
    }
}

impl Store {
    /// Stores `files` (name, bytes) as a new current results version computed as
    /// of `as_of`, unless the current version holds the same bytes.
    pub fn commit_results(
        &mut self,
        files: &[(&str, &[u8])],
        as_of: &str,
        computed_at: &str,
    ) -> Result<Committed> {
        let described: Vec<ResultsFile> = files
            .iter()
            .map(|(name, bytes)| ResultsFile {
                name: name.to_string(),
                sha256: hex(&Sha256::digest(bytes)),
                bytes: bytes.len() as u64,
            })
            .collect();
        for file in &described {
            let plain = !file.name.is_empty()
                && file.name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
                && !file.name.starts_with('.');
            if !plain {
                return Err(Error::BadDatasetName(file.name.clone()));
            }
        }
        let sha256 = content_sha256(&described);
        if let Some(current) = self.current_results()?
            && current.sha256 == sha256
            && current.as_of == as_of
        {
            return Ok(Committed::Unchanged(current));
        }
        self.require_writer("storing results")?;
        let staged = self.stage_dir("results", files)?;
        let results_root = self.root.join("results");
        let root = self.root.clone();
        let place = |n: i64| results_root.join(format!("v{n:05}-{}", &sha256[..8]));
        let placement = Placement {
            next_number: "SELECT COALESCE(MAX(version_no), 0) + 1 FROM results",
            scope: None,
            place: &place,
            failpoint: Some("results-renamed"),
        };
        let files_json = serde_json::to_string(&described).unwrap_or_default();
        let version_no =
            self.commit_staged(Staged::Dir(staged), placement, |tx, version_no, dir| {
                let relative = relative_path(&root, dir);
                tx.execute(
                    "INSERT INTO results (version_no, dir, sha256, files, as_of, computed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![version_no, relative, sha256, files_json, as_of, computed_at],
                )
                .and_then(|_| {
                    let id = tx.last_insert_rowid();
                    tx.execute(
                        "INSERT INTO current_results (singleton, results_id) VALUES (1, ?1)
                     ON CONFLICT(singleton) DO UPDATE SET results_id = excluded.results_id",
                        [id],
                    )
                })
                .map_err(|source| Error::Catalog { path: root.join("catalog.sqlite"), source })?;
                Ok(version_no)
            })?;
        crate::failpoint("results-committed");
        let record = self.results_version(version_no)?;
        Ok(Committed::New(record))
    }

    pub fn current_results(&self) -> Result<Option<ResultsRecord>> {
        let sql = format!(
            "{SELECT_RESULTS} WHERE r.id = (SELECT results_id FROM current_results WHERE singleton = 1)"
        );
        self.conn.query_row(&sql, [], results_from_row).optional().map_err(self.catalog_err())
    }

    pub fn results_version(&self, version_no: i64) -> Result<ResultsRecord> {
        let sql = format!("{SELECT_RESULTS} WHERE r.version_no = ?1");
        self.conn.query_row(&sql, [version_no], results_from_row).map_err(self.catalog_err())
    }

    pub fn results_versions(&self) -> Result<Vec<ResultsRecord>> {
        let sql = format!("{SELECT_RESULTS} WHERE r.lost_at IS NULL ORDER BY r.version_no");
        let mut stmt = self.conn.prepare(&sql).map_err(self.catalog_err())?;
        let rows = stmt.query_map([], results_from_row).map_err(self.catalog_err())?;
        rows.collect::<Result<_, _>>().map_err(self.catalog_err())
    }

    /// The path of one file of a results version.
    pub fn results_file(&self, record: &ResultsRecord, name: &str) -> PathBuf {
        self.root.join(&record.dir).join(name)
    }

    /// The bytes of one file of a results version, checked against its hash.
    pub fn read_results_file(&self, record: &ResultsRecord, name: &str) -> Result<Vec<u8>> {
        let expected = record.files.iter().find(|f| f.name == name).map(|f| f.sha256.as_str());
        self.read_checked(&format!("{}/{name}", record.dir), expected.unwrap_or("-"))
    }

    /// Problems with stored results files (missing, or not matching their hash).
    pub(crate) fn verify_results(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        for record in self.results_versions()? {
            problems.extend(self.results_problems(&record));
        }
        Ok(problems)
    }

    /// What is wrong with one results version's files: one line per file missing
    /// or not matching its recorded size and hash.
    pub(crate) fn results_problems(&self, record: &ResultsRecord) -> Vec<String> {
        let mut problems = Vec::new();
        for file in &record.files {
            let path = self.results_file(record, &file.name);
            match crate::sha256_file(&path) {
                Ok((sha, bytes)) if sha == file.sha256 && bytes == file.bytes => {}
                Ok((sha, _)) => problems.push(format!(
                    "{}: {}/{} has sha256 {sha}, catalogue says {}",
                    record.version_id, record.dir, file.name, file.sha256
                )),
                Err(err) => problems.push(format!("{}: {err}", record.version_id)),
            }
        }
        problems
    }

    /// Removes results directories the catalogue never recorded (a computation
    /// that died before its transaction committed).
    pub(crate) fn recover_results(&self) -> Result<()> {
        let results_root = self.root.join("results");
        if !results_root.is_dir() {
            return Ok(());
        }
        let recorded: std::collections::HashSet<String> =
            self.results_versions()?.into_iter().map(|r| r.dir).collect();
        for dir in crate::read_dir(&results_root)? {
            if !recorded.contains(&relative_path(&self.root, &dir)) {
                fs::remove_dir_all(&dir).map_err(|source| Error::Io {
                    action: "removing",
                    path: dir.clone(),
                    source,
                })?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_versions_are_new_only_when_the_bytes_change() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        assert!(store.current_results().unwrap().is_none());
        let files: [(&str, &[u8]); 2] = [("results.json", b"{\"a\":1}"), ("t.parquet", b"PAR1")];
        let Committed::New(first) =
            store.commit_results(&files, "2026-01-15", "2026-01-15T10:00:00Z").unwrap()
        else {
            panic!("the first results are new")
        };
        assert_eq!(first.version_id, "results@v1");
        assert!(first.is_current);
        assert_eq!(store.read_results_file(&first, "results.json").unwrap(), b"{\"a\":1}");
        // The same bytes as of the same date: nothing written.
        let again = store.commit_results(&files, "2026-01-15", "2026-01-16T10:00:00Z").unwrap();
        assert_eq!(again, Committed::Unchanged(first.clone()));
        // Other bytes: version 2, current; version 1 kept.
        let changed: [(&str, &[u8]); 2] = [("results.json", b"{\"a\":2}"), ("t.parquet", b"PAR1")];
        let second = store.commit_results(&changed, "2026-01-15", "2026-01-16T11:00:00Z").unwrap();
        assert_eq!(second.record().version_no, 2);
        assert_eq!(store.current_results().unwrap().unwrap().version_no, 2);
        assert_eq!(store.results_versions().unwrap().len(), 2);
        assert!(store.verify().unwrap().is_empty());
        // A tampered file is caught by verify and by the checked read.
        std::fs::write(store.results_file(&first, "results.json"), b"{\"a\":9}").unwrap();
        assert_eq!(store.verify().unwrap().len(), 1);
        assert!(store.read_results_file(&first, "results.json").is_err());
    }

    #[test]
    fn unrecorded_results_directories_are_removed_on_open_and_names_are_plain() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let bad: [(&str, &[u8]); 1] = [("../escape.json", b"x")];
        assert!(store.commit_results(&bad, "2026-01-15", "t").is_err());
        let orphan = dir.path().join("results/v00009-deadbeef");
        std::fs::create_dir_all(&orphan).unwrap();
        std::fs::write(orphan.join("results.json"), b"{}").unwrap();
        std::fs::create_dir_all(dir.path().join("staging/results-1-2")).unwrap();
        drop(store);
        let _store = Store::open(dir.path()).unwrap();
        assert!(!orphan.exists());
        assert!(!dir.path().join("staging/results-1-2").exists());
        assert!(!dir.path().join("escape.json").exists());
    }
}
