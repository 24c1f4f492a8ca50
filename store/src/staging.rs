//! The one commit protocol every stored thing goes through (dataset versions,
//! results versions, briefing editions):
//!
//! 1. write under `staging/` with a name no other process can take, fsync it,
//!    and hold a lock on it so that no recovery removes it while it is written;
//! 2. in one `IMMEDIATE` catalogue transaction, take the next number, rename the
//!    staged file or directory to its numbered place, fsync the parent
//!    directory, record it, and commit;
//! 3. if recording fails, remove what was renamed: the store is as it was.
//!
//! A crash between 2's rename and its commit leaves an unrecorded file, which the
//! next writer's recovery removes; a crash before the rename leaves a staging
//! leftover, likewise removed.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use rusqlite::{Transaction, TransactionBehavior};

use crate::{Error, Result, Store, failpoint, lock, sync_dir};

pub(crate) fn io_err(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_path_buf();
    move |source| Error::Io { action, path, source }
}

/// A directory of whole, fsynced files under `staging/`, locked by this process
/// until it is committed or dropped (dropping it removes it).
pub(crate) struct StagedDir {
    path: PathBuf,
    _owner: File,
    committed: bool,
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// What [`Store::commit_staged`] puts in place.
pub(crate) enum Staged<'a> {
    /// A file written by the caller (a Parquet version), already fsynced.
    File(&'a Path),
    /// A directory of files.
    Dir(StagedDir),
}

/// Where a committed thing goes, once its number is known.
pub(crate) struct Placement<'a> {
    /// The SQL that returns the next number (`MAX()+1`), and its one parameter if any.
    pub next_number: &'a str,
    pub scope: Option<&'a str>,
    /// The final path for a number.
    pub place: &'a dyn Fn(i64) -> PathBuf,
    /// The crash point between the rename and the commit, for the kill tests.
    pub failpoint: Option<&'static str>,
}

impl Store {
    /// A fresh path under `staging/` for `name`: pid and clock make it unique among
    /// live writers.
    pub(crate) fn staging_path(&self, name: &str) -> PathBuf {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        self.root.join("staging").join(format!("{name}-{}-{nanos}", std::process::id()))
    }

    /// Writes `files` (name, bytes) into a new locked staging directory, each file
    /// and then the directory fsynced.
    pub(crate) fn stage_dir(&self, name: &str, files: &[(&str, &[u8])]) -> Result<StagedDir> {
        let path = self.staging_path(name);
        fs::create_dir_all(&path).map_err(io_err("creating", &path))?;
        let owner = match lock::own_dir(&path) {
            Ok(owner) => owner,
            Err(err) => {
                let _ = fs::remove_dir_all(&path);
                return Err(io_err("locking", &path)(err));
            }
        };
        let staged = StagedDir { path, _owner: owner, committed: false };
        for (name, bytes) in files {
            let file_path = staged.path.join(name);
            let mut file = File::create(&file_path).map_err(io_err("creating", &file_path))?;
            file.write_all(bytes).map_err(io_err("writing", &file_path))?;
            file.sync_all().map_err(io_err("syncing", &file_path))?;
        }
        sync_dir(&staged.path)?;
        Ok(staged)
    }

    /// Step 2 of the protocol: numbers `staged`, renames it to `placement.place(n)`,
    /// and commits what `record` writes in the same transaction. On any failure
    /// after the rename the renamed file or directory is removed.
    pub(crate) fn commit_staged<T>(
        &mut self,
        staged: Staged<'_>,
        placement: Placement<'_>,
        record: impl FnOnce(&Transaction<'_>, i64, &Path) -> Result<T>,
    ) -> Result<T> {
        let catalog_path = self.root.join("catalog.sqlite");
        let catalog_err = |source| Error::Catalog { path: catalog_path.clone(), source };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(catalog_err)?;
        let number: i64 = match placement.scope {
            Some(scope) => tx.query_row(placement.next_number, [scope], |row| row.get(0)),
            None => tx.query_row(placement.next_number, [], |row| row.get(0)),
        }
        .map_err(catalog_err)?;
        let destination = (placement.place)(number);
        let parent = destination.parent().expect("a stored path has a parent").to_path_buf();
        fs::create_dir_all(&parent).map_err(io_err("creating", &parent))?;
        let (from, mut dir) = match staged {
            Staged::File(path) => (path.to_path_buf(), None),
            Staged::Dir(dir) => (dir.path.clone(), Some(dir)),
        };
        fs::rename(&from, &destination).map_err(io_err("renaming", &destination))?;
        if let Some(dir) = dir.as_mut() {
            dir.committed = true;
        }
        drop(dir);
        let remove = || {
            let _ = if destination.is_dir() {
                fs::remove_dir_all(&destination)
            } else {
                fs::remove_file(&destination)
            };
        };
        if let Err(err) = sync_dir(&parent) {
            remove();
            return Err(err);
        }
        if let Some(name) = placement.failpoint {
            failpoint(name);
        }
        let recorded = record(&tx, number, &destination)
            .and_then(|value| tx.commit().map(|()| value).map_err(catalog_err));
        if recorded.is_err() {
            remove();
        }
        recorded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placement<'a>(place: &'a dyn Fn(i64) -> PathBuf) -> Placement<'a> {
        Placement {
            next_number: "SELECT COALESCE(MAX(version_no), 0) + 1 FROM results",
            scope: None,
            place,
            failpoint: None,
        }
    }

    #[test]
    fn a_staged_dir_is_locked_while_held_and_gone_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let staged = store.stage_dir("x", &[("a.json", b"{}"), ("b.bin", b"\x00\x01")]).unwrap();
        assert_eq!(fs::read(staged.path.join("b.bin")).unwrap(), b"\x00\x01");
        assert!(lock::is_owned(&staged.path), "recovery would remove a directory being written");
        let path = staged.path.clone();
        drop(staged);
        assert!(!path.exists());
    }

    #[test]
    fn a_failed_record_removes_what_was_renamed_and_takes_no_number() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let root = dir.path().join("results");
        let place = |n: i64| root.join(format!("v{n:05}"));
        let staged = store.stage_dir("x", &[("a.json", b"{}")]).unwrap();
        let refused = store.commit_staged(Staged::Dir(staged), placement(&place), |_, n, path| {
            assert_eq!(n, 1);
            assert!(path.join("a.json").is_file(), "recorded before the rename");
            Err::<(), _>(Error::BadDatasetName("refused".into()))
        });
        assert!(matches!(refused, Err(Error::BadDatasetName(_))));
        assert!(!root.join("v00001").exists());
        assert_eq!(fs::read_dir(dir.path().join("staging")).unwrap().count(), 0);
        // The number was not taken: a later commit that records gets it.
        let staged = store.stage_dir("x", &[("a.json", b"{}")]).unwrap();
        let n = store
            .commit_staged(Staged::Dir(staged), placement(&place), |tx, n, path| {
                tx.execute(
                    "INSERT INTO results (version_no, dir, sha256, files, as_of, computed_at)
                     VALUES (?1, ?2, 'ab', '[]', '2026-01-01', '2026-01-01T00:00:00Z')",
                    rusqlite::params![n, path.display().to_string()],
                )
                .unwrap();
                Ok(n)
            })
            .unwrap();
        assert_eq!(n, 1);
        assert!(root.join("v00001/a.json").is_file());
    }
}
