//! The archive of stocktake packs (schema 7): each pack the Commission received,
//! in each language, kept as the bytes it was, under `packs/p<NNNNN>-<meeting>/`.
//! A pack is identified by the SHA-256 of its inputs (results, decisions, status
//! reports, judgments, meeting, day of building, renderer): building it again from
//! the same inputs returns the archived PDF. Written under the writer lock: files
//! staged, fsynced and renamed before the catalogue commits; recovery removes
//! what a dead writer left unrecorded.

use std::fs;

use rusqlite::params;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::staging::io_err;
use crate::{Error, Result, Store, hex, relative_path, sync_dir};

pub(crate) const PACKS_SQL: &str = "
CREATE TABLE IF NOT EXISTS packs (
    pack_no INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    dir TEXT NOT NULL UNIQUE,
    meeting_date TEXT NOT NULL,
    results_version TEXT NOT NULL,
    trigger TEXT NOT NULL,
    built_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pack_files (
    pack_no INTEGER NOT NULL REFERENCES packs(pack_no),
    lang TEXT NOT NULL,
    file TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    pages INTEGER NOT NULL,
    built_at TEXT NOT NULL,
    PRIMARY KEY (pack_no, lang)
);
";

/// `pack@p3`.
pub fn pack_id(pack_no: i64) -> String {
    format!("pack@p{pack_no}")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackFile {
    pub lang: String,
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
    pub pages: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackRecord {
    pub pack_no: i64,
    pub pack_id: String,
    pub key: String,
    pub dir: String,
    pub meeting_date: String,
    pub results_version: String,
    pub trigger: String,
    pub built_at: String,
    pub files: Vec<PackFile>,
}

impl PackRecord {
    pub fn file(&self, lang: &str) -> Option<&PackFile> {
        self.files.iter().find(|f| f.lang == lang)
    }
}

/// A pack to archive.
#[derive(Debug, Clone, Copy)]
pub struct NewPack<'a> {
    pub key: &'a str,
    pub meeting_date: &'a str,
    pub results_version: &'a str,
    pub trigger: &'a str,
    pub built_at: &'a str,
}

impl Store {
    fn pack_files(&self, pack_no: i64) -> Result<Vec<PackFile>> {
        let err = self.catalog_err();
        let mut statement = self
            .conn
            .prepare(
                "SELECT lang, file, sha256, bytes, pages FROM pack_files WHERE pack_no = ?1 ORDER BY lang",
            )
            .map_err(&err)?;
        statement
            .query_map([pack_no], |row| {
                Ok(PackFile {
                    lang: row.get(0)?,
                    file: row.get(1)?,
                    sha256: row.get(2)?,
                    bytes: row.get::<_, i64>(3)? as u64,
                    pages: row.get::<_, i64>(4)? as u32,
                })
            })
            .map_err(&err)?
            .collect::<rusqlite::Result<_>>()
            .map_err(err)
    }

    fn pack_rows(&self, filter: &str, value: &dyn rusqlite::ToSql) -> Result<Vec<PackRecord>> {
        let err = self.catalog_err();
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT pack_no, key, dir, meeting_date, results_version, trigger, built_at FROM packs
                 WHERE {filter} ORDER BY pack_no DESC"
            ))
            .map_err(&err)?;
        let rows: Vec<PackRecord> = statement
            .query_map([value], |row| {
                let pack_no: i64 = row.get(0)?;
                Ok(PackRecord {
                    pack_no,
                    pack_id: pack_id(pack_no),
                    key: row.get(1)?,
                    dir: row.get(2)?,
                    meeting_date: row.get(3)?,
                    results_version: row.get(4)?,
                    trigger: row.get(5)?,
                    built_at: row.get(6)?,
                    files: Vec::new(),
                })
            })
            .map_err(&err)?
            .collect::<rusqlite::Result<_>>()
            .map_err(&err)?;
        rows.into_iter()
            .map(|mut pack| {
                pack.files = self.pack_files(pack.pack_no)?;
                Ok(pack)
            })
            .collect()
    }

    /// Every archived pack, newest first.
    pub fn packs(&self) -> Result<Vec<PackRecord>> {
        self.pack_rows("1 = ?1", &1)
    }

    /// The pack built from the inputs `key`, if archived.
    pub fn pack_by_key(&self, key: &str) -> Result<Option<PackRecord>> {
        Ok(self.pack_rows("key = ?1", &key)?.into_iter().next())
    }

    /// Archives `pdf` as the `lang` file of the pack of `new.key`, creating the pack
    /// when it is the first language. Returns the pack. A pack already holding
    /// other bytes for `lang` is an error (the same inputs typeset the same bytes).
    pub fn archive_pack(
        &mut self,
        new: &NewPack<'_>,
        lang: &str,
        pdf: &[u8],
        pages: u32,
    ) -> Result<PackRecord> {
        self.require_writer("archiving a stocktake pack")?;
        if !["fr", "ar", "en"].contains(&lang) {
            return Err(Error::Pack(format!("a pack's language is fr, ar or en, not {lang:?}")));
        }
        let sha256 = hex(&Sha256::digest(pdf));
        let existing = self.pack_by_key(new.key)?;
        if let Some(pack) = &existing
            && let Some(file) = pack.file(lang)
        {
            if file.sha256 == sha256 {
                return Ok(pack.clone());
            }
            return Err(Error::Pack(format!(
                "{} already holds a different {lang} pack (sha256 {}, now {sha256})",
                pack.pack_id, file.sha256
            )));
        }
        let err = self.catalog_err_owned();
        let pack_no: i64 = match &existing {
            Some(pack) => pack.pack_no,
            None => self
                .conn
                .query_row("SELECT coalesce(max(pack_no), 0) + 1 FROM packs", [], |row| row.get(0))
                .map_err(&err)?,
        };
        let dir = existing
            .as_ref()
            .map(|p| p.dir.clone())
            .unwrap_or_else(|| format!("packs/p{pack_no:05}-{}", new.meeting_date));
        let dir_path = self.root.join(&dir);
        fs::create_dir_all(&dir_path).map_err(io_err("creating", &dir_path))?;
        let staged = self.stage_bytes(&format!("{lang}.pdf"), pdf)?;
        let path = dir_path.join(format!("{lang}.pdf"));
        fs::rename(&staged, &path).map_err(io_err("renaming", &path))?;
        sync_dir(&dir_path)?;
        if let Some(parent) = dir_path.parent() {
            sync_dir(parent)?;
        }
        let tx = self.conn.transaction().map_err(&err)?;
        if existing.is_none() {
            tx.execute(
                "INSERT INTO packs (pack_no, key, dir, meeting_date, results_version, trigger, built_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    pack_no,
                    new.key,
                    dir,
                    new.meeting_date,
                    new.results_version,
                    new.trigger,
                    new.built_at
                ],
            )
            .map_err(&err)?;
        }
        tx.execute(
            "INSERT INTO pack_files (pack_no, lang, file, sha256, bytes, pages, built_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                pack_no,
                lang,
                relative_path(&self.root, &path),
                sha256,
                pdf.len() as i64,
                i64::from(pages),
                new.built_at
            ],
        )
        .map_err(&err)?;
        tx.commit().map_err(&err)?;
        self.pack_by_key(new.key)?
            .ok_or_else(|| Error::Pack(format!("the pack {} was not recorded", pack_id(pack_no))))
    }

    /// The `lang` PDF of a pack, checked against its recorded SHA-256.
    pub fn read_pack(&self, pack: &PackRecord, lang: &str) -> Result<Option<Vec<u8>>> {
        match pack.file(lang) {
            Some(file) => self.read_checked(&file.file, &file.sha256).map(Some),
            None => Ok(None),
        }
    }

    /// Files whose bytes are not those recorded.
    pub(crate) fn verify_packs(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        for pack in self.packs().unwrap_or_default() {
            for file in &pack.files {
                match crate::sha256_file(&self.root.join(&file.file)) {
                    Ok((sha, _)) if sha == file.sha256 => {}
                    Ok((sha, _)) => problems.push(format!(
                        "{}: {} has sha256 {sha}, catalogue says {}",
                        pack.pack_id, file.file, file.sha256
                    )),
                    Err(err) => problems.push(format!("{}: {err}", pack.pack_id)),
                }
            }
        }
        Ok(problems)
    }

    /// Removes pack files and directories the catalogue never recorded.
    pub(crate) fn recover_packs(&self) -> Result<()> {
        let archive = self.root.join("packs");
        if !archive.is_dir() {
            return Ok(());
        }
        let packs = self.packs()?;
        let files: std::collections::HashSet<String> =
            packs.iter().flat_map(|p| p.files.iter().map(|f| f.file.clone())).collect();
        let dirs: std::collections::HashSet<String> = packs.iter().map(|p| p.dir.clone()).collect();
        self.remove_unrecorded(&archive, &dirs, &files)
    }
}

/// The key of a pack: the SHA-256 of every input, in order.
pub fn pack_key(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hex(&hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Archived once, found by its key; the same bytes again are the same pack,
    /// other bytes refused; a file altered behind the catalogue is reported, and a
    /// directory a dead writer left is removed on the next writer's recovery.
    #[test]
    fn packs_are_archived_once_checked_and_recovered() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let new = NewPack {
            key: "k1",
            meeting_date: "2026-12-10",
            results_version: "results@v1",
            trigger: "cli",
            built_at: "2026-12-03T10:00:00Z",
        };
        let pack = store.archive_pack(&new, "fr", b"%PDF-fr", 2).unwrap();
        assert_eq!(
            (pack.pack_id.as_str(), pack.dir.as_str()),
            ("pack@p1", "packs/p00001-2026-12-10")
        );
        let again = store.archive_pack(&new, "fr", b"%PDF-fr", 2).unwrap();
        assert_eq!(again, pack);
        assert!(store.archive_pack(&new, "fr", b"%PDF-other", 2).is_err());
        let both = store.archive_pack(&new, "ar", b"%PDF-ar", 3).unwrap();
        assert_eq!(both.files.len(), 2);
        assert_eq!(store.read_pack(&both, "ar").unwrap().unwrap(), b"%PDF-ar");
        assert!(store.verify_packs().unwrap().is_empty());

        std::fs::write(dir.path().join("packs/p00001-2026-12-10/fr.pdf"), b"altered").unwrap();
        assert_eq!(store.verify_packs().unwrap().len(), 1);
        std::fs::create_dir_all(dir.path().join("packs/p00002-2026-12-10")).unwrap();
        std::fs::write(dir.path().join("packs/p00002-2026-12-10/fr.pdf"), b"orphan").unwrap();
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert!(!dir.path().join("packs/p00002-2026-12-10").exists());
        assert_eq!(store.packs().unwrap().len(), 1);
    }

    #[test]
    fn a_key_changes_with_any_input_and_their_boundaries() {
        assert_ne!(pack_key(&[b"ab", b"c"]), pack_key(&[b"a", b"bc"]));
        assert_eq!(pack_key(&[b"ab", b"c"]), pack_key(&[b"ab", b"c"]));
    }
}
