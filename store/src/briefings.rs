//! The briefing archive and the delivery queue.
//!
//! An *edition* is one briefing of one set of inputs (a results version, the
//! renderer, the edition it compares with), identified by a content key: building
//! again from the same inputs finds the same edition. Its directory
//! `briefings/e<NNNNN>-<as_of>/` holds `manifest.json` (what it was built from) and
//! one `<lang>.pdf` per language built, each recorded with its SHA-256. Same
//! protocol as dataset versions: a file is visible only once it is fsynced,
//! renamed into place and its catalogue row committed.
//!
//! *Slots* are the scheduled occasions (`monthly:2026-12`, `meeting:2027-01-21`)
//! already handled, so a slot is built once. *Deliveries* are one row per
//! (edition, recipient), unique: an edition is never queued twice for the same
//! address. A delivery goes `pending` -> `sending` -> `sent`, back to `pending`
//! with a later attempt time on a transient failure, or `failed`. A row found
//! `sending` when the queue is opened (the process died during the SMTP exchange)
//! becomes `uncertain` and is not sent again automatically.

use std::fs;
use std::io::Write;
use std::path::PathBuf;

use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::staging::{Placement, Staged, io_err};
use crate::{Error, Result, Store, hex, relative_path, sync_dir};

pub(crate) const BRIEFINGS_SQL: &str = "
CREATE TABLE IF NOT EXISTS editions (
    edition_no INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    dir TEXT NOT NULL UNIQUE,
    as_of TEXT NOT NULL,
    results_version TEXT NOT NULL,
    results_sha256 TEXT NOT NULL,
    compared_with INTEGER REFERENCES editions(edition_no),
    manifest_sha256 TEXT NOT NULL,
    trigger TEXT NOT NULL,
    built_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS briefing_files (
    edition_no INTEGER NOT NULL REFERENCES editions(edition_no),
    lang TEXT NOT NULL,
    file TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    pages INTEGER NOT NULL,
    built_at TEXT NOT NULL,
    PRIMARY KEY (edition_no, lang)
);
CREATE TABLE IF NOT EXISTS briefing_slots (
    slot TEXT PRIMARY KEY,
    edition_no INTEGER NOT NULL REFERENCES editions(edition_no),
    handled_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY,
    edition_no INTEGER NOT NULL REFERENCES editions(edition_no),
    recipient TEXT NOT NULL,
    lang TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'uncertain')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    message_id TEXT NOT NULL UNIQUE,
    queued_at TEXT NOT NULL,
    sent_at TEXT,
    UNIQUE (edition_no, recipient)
);
";

/// One PDF of an edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BriefingFile {
    pub lang: String,
    /// Path relative to the data directory.
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
    pub pages: u32,
    pub built_at: String,
}

/// One archived edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditionRecord {
    pub edition_no: i64,
    /// `briefing@eN`.
    pub edition_id: String,
    /// The content key: equal inputs, equal key.
    pub key: String,
    /// Directory relative to the data directory.
    pub dir: String,
    pub as_of: String,
    pub results_version: String,
    pub results_sha256: String,
    /// The edition whose figures the "since the last briefing" section compares with.
    pub compared_with: Option<i64>,
    pub manifest_sha256: String,
    /// What asked for it: `cli`, `dashboard`, `on-demand`, `monthly:2026-12`, `meeting:2027-01-21`.
    pub trigger: String,
    pub built_at: String,
    pub files: Vec<BriefingFile>,
}

impl EditionRecord {
    pub fn file(&self, lang: &str) -> Option<&BriefingFile> {
        self.files.iter().find(|f| f.lang == lang)
    }
}

/// A new edition, before it is numbered.
#[derive(Debug, Clone)]
pub struct NewEdition<'a> {
    pub key: &'a str,
    pub as_of: &'a str,
    pub results_version: &'a str,
    pub results_sha256: &'a str,
    pub compared_with: Option<i64>,
    pub trigger: &'a str,
    pub built_at: &'a str,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Sending,
    Sent,
    Failed,
    /// The process stopped during the SMTP exchange: the message may or may not
    /// have left. Not sent again automatically.
    Uncertain,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Uncertain => "uncertain",
        }
    }

    fn parse(text: &str) -> DeliveryStatus {
        match text {
            "sending" => DeliveryStatus::Sending,
            "sent" => DeliveryStatus::Sent,
            "failed" => DeliveryStatus::Failed,
            "uncertain" => DeliveryStatus::Uncertain,
            _ => DeliveryStatus::Pending,
        }
    }
}

/// One (edition, recipient) message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: i64,
    pub edition_no: i64,
    pub recipient: String,
    pub lang: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub message_id: String,
    pub queued_at: String,
    pub sent_at: Option<String>,
}

/// A recipient to queue an edition for.
#[derive(Debug, Clone)]
pub struct Addressee<'a> {
    pub recipient: &'a str,
    pub lang: &'a str,
    pub message_id: String,
}

const SELECT_EDITION: &str = "SELECT edition_no, key, dir, as_of, results_version, results_sha256,
    compared_with, manifest_sha256, trigger, built_at FROM editions";

const SELECT_DELIVERY: &str = "SELECT id, edition_no, recipient, lang, status, attempts,
    next_attempt_at, last_error, message_id, queued_at, sent_at FROM deliveries";

fn edition_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<EditionRecord> {
    let edition_no: i64 = row.get(0)?;
    Ok(EditionRecord {
        edition_no,
        edition_id: crate::ids::edition_id(edition_no),
        key: row.get(1)?,
        dir: row.get(2)?,
        as_of: row.get(3)?,
        results_version: row.get(4)?,
        results_sha256: row.get(5)?,
        compared_with: row.get(6)?,
        manifest_sha256: row.get(7)?,
        trigger: row.get(8)?,
        built_at: row.get(9)?,
        files: Vec::new(),
    })
}

fn delivery_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Delivery> {
    let status: String = row.get(4)?;
    Ok(Delivery {
        id: row.get(0)?,
        edition_no: row.get(1)?,
        recipient: row.get(2)?,
        lang: row.get(3)?,
        status: DeliveryStatus::parse(&status),
        attempts: row.get(5)?,
        next_attempt_at: row.get(6)?,
        last_error: row.get(7)?,
        message_id: row.get(8)?,
        queued_at: row.get(9)?,
        sent_at: row.get(10)?,
    })
}

/// A language code is two ASCII lowercase letters (it names a file).
fn check_lang(lang: &str) -> Result<()> {
    if lang.len() == 2 && lang.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(())
    } else {
        Err(Error::BadDatasetName(lang.to_string()))
    }
}

impl Store {
    /// Writes `bytes` to a fresh staging file, fsynced; returns its path.
    pub(crate) fn stage_bytes(&self, name: &str, bytes: &[u8]) -> Result<PathBuf> {
        self.require_writer("archiving a briefing")?;
        let path = self.staging_path(name);
        let mut file = crate::lock::create_owned(&path).map_err(io_err("creating", &path))?;
        file.write_all(bytes).map_err(io_err("writing", &path))?;
        file.sync_all().map_err(io_err("syncing", &path))?;
        Ok(path)
    }

    /// Archives a new edition: its directory with `manifest.json`, numbered after
    /// the last one. Nothing is visible until the catalogue row commits.
    pub fn create_edition(
        &mut self,
        edition: &NewEdition<'_>,
        manifest: &[u8],
    ) -> Result<EditionRecord> {
        if !edition.as_of.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
            return Err(Error::BadDatasetName(edition.as_of.to_string()));
        }
        self.require_writer("archiving a briefing")?;
        let staged = self.stage_dir("edition", &[("manifest.json", manifest)])?;
        let archive = self.root.join("briefings");
        let root = self.root.clone();
        let place = |n: i64| archive.join(format!("e{n:05}-{}", edition.as_of));
        let placement = Placement {
            next_number: "SELECT COALESCE(MAX(edition_no), 0) + 1 FROM editions",
            scope: None,
            place: &place,
            failpoint: None,
        };
        let edition_no =
            self.commit_staged(Staged::Dir(staged), placement, |tx, edition_no, dir| {
                tx.execute(
                "INSERT INTO editions (edition_no, key, dir, as_of, results_version, results_sha256,
                 compared_with, manifest_sha256, trigger, built_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    edition_no,
                    edition.key,
                    relative_path(&root, dir),
                    edition.as_of,
                    edition.results_version,
                    edition.results_sha256,
                    edition.compared_with,
                    hex(&Sha256::digest(manifest)),
                    edition.trigger,
                    edition.built_at
                ],
            )
            .map_err(|source| Error::Catalog { path: root.join("catalog.sqlite"), source })?;
                Ok(edition_no)
            })?;
        self.edition(edition_no)
    }

    /// Adds the PDF of one language to an edition. Adding the same bytes again is a
    /// no-op; other bytes for a language already archived are refused (an edition
    /// never changes).
    pub fn add_briefing_file(
        &mut self,
        edition_no: i64,
        lang: &str,
        pdf: &[u8],
        pages: u32,
        built_at: &str,
    ) -> Result<BriefingFile> {
        check_lang(lang)?;
        let edition = self.edition(edition_no)?;
        let sha256 = hex(&Sha256::digest(pdf));
        if let Some(existing) = edition.file(lang) {
            if existing.sha256 == sha256 {
                return Ok(existing.clone());
            }
            return Err(Error::Io {
                action: "archiving",
                path: self.root.join(&existing.file),
                source: std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!(
                        "{} already holds a different {lang} briefing (sha256 {}, now {sha256})",
                        edition.edition_id, existing.sha256
                    ),
                ),
            });
        }
        let staged = self.stage_bytes(&format!("{lang}.pdf"), pdf)?;
        let dir = self.root.join(&edition.dir);
        let path = dir.join(format!("{lang}.pdf"));
        fs::rename(&staged, &path).map_err(io_err("renaming", &path))?;
        sync_dir(&dir)?;
        let file = BriefingFile {
            lang: lang.to_string(),
            file: relative_path(&self.root, &path),
            sha256,
            bytes: pdf.len() as u64,
            pages,
            built_at: built_at.to_string(),
        };
        let recorded = self.conn.execute(
            "INSERT INTO briefing_files (edition_no, lang, file, sha256, bytes, pages, built_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                edition_no,
                file.lang,
                file.file,
                file.sha256,
                file.bytes as i64,
                file.pages,
                file.built_at
            ],
        );
        if let Err(source) = recorded {
            let _ = fs::remove_file(&path);
            return Err(Error::Catalog { path: self.root.join("catalog.sqlite"), source });
        }
        Ok(file)
    }

    fn files_of(&self, edition_no: i64) -> Result<Vec<BriefingFile>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT lang, file, sha256, bytes, pages, built_at FROM briefing_files
                 WHERE edition_no = ?1 ORDER BY lang",
            )
            .map_err(self.catalog_err())?;
        let rows = stmt
            .query_map([edition_no], |row| {
                Ok(BriefingFile {
                    lang: row.get(0)?,
                    file: row.get(1)?,
                    sha256: row.get(2)?,
                    bytes: row.get::<_, i64>(3)? as u64,
                    pages: row.get(4)?,
                    built_at: row.get(5)?,
                })
            })
            .map_err(self.catalog_err())?;
        rows.collect::<Result<_, _>>().map_err(self.catalog_err())
    }

    fn with_files(&self, mut record: EditionRecord) -> Result<EditionRecord> {
        record.files = self.files_of(record.edition_no)?;
        Ok(record)
    }

    pub fn edition(&self, edition_no: i64) -> Result<EditionRecord> {
        let sql = format!("{SELECT_EDITION} WHERE edition_no = ?1");
        let record = self
            .conn
            .query_row(&sql, [edition_no], edition_from_row)
            .optional()
            .map_err(self.catalog_err())?
            .ok_or(Error::NoSuchEdition(edition_no))?;
        self.with_files(record)
    }

    /// The edition built from exactly these inputs, if one was archived.
    pub fn edition_by_key(&self, key: &str) -> Result<Option<EditionRecord>> {
        let sql = format!("{SELECT_EDITION} WHERE key = ?1");
        match self
            .conn
            .query_row(&sql, [key], edition_from_row)
            .optional()
            .map_err(self.catalog_err())?
        {
            Some(record) => Ok(Some(self.with_files(record)?)),
            None => Ok(None),
        }
    }

    /// The last edition archived, if any.
    pub fn latest_edition(&self) -> Result<Option<EditionRecord>> {
        let sql = format!("{SELECT_EDITION} ORDER BY edition_no DESC LIMIT 1");
        match self
            .conn
            .query_row(&sql, [], edition_from_row)
            .optional()
            .map_err(self.catalog_err())?
        {
            Some(record) => Ok(Some(self.with_files(record)?)),
            None => Ok(None),
        }
    }

    /// Every edition, newest first.
    pub fn editions(&self) -> Result<Vec<EditionRecord>> {
        let sql = format!("{SELECT_EDITION} ORDER BY edition_no DESC");
        let mut stmt = self.conn.prepare(&sql).map_err(self.catalog_err())?;
        let records: Vec<EditionRecord> = stmt
            .query_map([], edition_from_row)
            .map_err(self.catalog_err())?
            .collect::<Result<_, _>>()
            .map_err(self.catalog_err())?;
        records.into_iter().map(|r| self.with_files(r)).collect()
    }

    /// The archived PDF of `lang`, checked against its recorded SHA-256.
    pub fn read_briefing(&self, edition: &EditionRecord, lang: &str) -> Result<Option<Vec<u8>>> {
        match edition.file(lang) {
            Some(file) => self.read_checked(&file.file, &file.sha256).map(Some),
            None => Ok(None),
        }
    }

    /// The edition's `manifest.json`, checked against its recorded SHA-256.
    pub fn read_edition_manifest(&self, edition: &EditionRecord) -> Result<Vec<u8>> {
        self.read_checked(&format!("{}/manifest.json", edition.dir), &edition.manifest_sha256)
    }

    /// The edition a scheduled slot produced, if it was handled.
    pub fn slot_edition(&self, slot: &str) -> Result<Option<i64>> {
        self.conn
            .query_row("SELECT edition_no FROM briefing_slots WHERE slot = ?1", [slot], |row| {
                row.get(0)
            })
            .optional()
            .map_err(self.catalog_err())
    }

    /// The slots `edition_no` handled (`meeting:2027-01-21`…).
    pub fn edition_slots(&self, edition_no: i64) -> Result<Vec<String>> {
        let mut statement = self
            .conn
            .prepare("SELECT slot FROM briefing_slots WHERE edition_no = ?1 ORDER BY slot")
            .map_err(self.catalog_err())?;
        statement
            .query_map([edition_no], |row| row.get(0))
            .map_err(self.catalog_err())?
            .collect::<rusqlite::Result<_>>()
            .map_err(self.catalog_err())
    }

    /// Records that `slot` was handled by `edition_no` (once: a second call for the
    /// same slot keeps the first edition).
    pub fn record_slot(&mut self, slot: &str, edition_no: i64, handled_at: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO briefing_slots (slot, edition_no, handled_at) VALUES (?1, ?2, ?3)",
                params![slot, edition_no, handled_at],
            )
            .map_err(self.catalog_err())?;
        Ok(())
    }

    /// Queues `edition_no` for each addressee not already queued for it; returns
    /// how many were added. One transaction: all or none.
    pub fn enqueue_deliveries(
        &mut self,
        edition_no: i64,
        addressees: &[Addressee<'_>],
        now: &str,
    ) -> Result<usize> {
        let catalog_path = self.root.join("catalog.sqlite");
        let catalog_err = |source| Error::Catalog { path: catalog_path.clone(), source };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(catalog_err)?;
        let mut added = 0;
        for addressee in addressees {
            added += tx
                .execute(
                    "INSERT OR IGNORE INTO deliveries
                     (edition_no, recipient, lang, status, attempts, next_attempt_at, message_id, queued_at)
                     VALUES (?1, ?2, ?3, 'pending', 0, ?4, ?5, ?4)",
                    params![edition_no, addressee.recipient, addressee.lang, now, addressee.message_id],
                )
                .map_err(catalog_err)?;
        }
        tx.commit().map_err(catalog_err)?;
        Ok(added)
    }

    /// Pending deliveries whose next attempt is due at `now`, oldest first.
    pub fn due_deliveries(&self, now: &str) -> Result<Vec<Delivery>> {
        let sql = format!(
            "{SELECT_DELIVERY} WHERE status = 'pending' AND next_attempt_at <= ?1 ORDER BY edition_no, id"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(self.catalog_err())?;
        let rows = stmt.query_map([now], delivery_from_row).map_err(self.catalog_err())?;
        rows.collect::<Result<_, _>>().map_err(self.catalog_err())
    }

    /// Every delivery, newest edition first.
    pub fn deliveries(&self) -> Result<Vec<Delivery>> {
        let sql = format!("{SELECT_DELIVERY} ORDER BY edition_no DESC, id");
        let mut stmt = self.conn.prepare(&sql).map_err(self.catalog_err())?;
        let rows = stmt.query_map([], delivery_from_row).map_err(self.catalog_err())?;
        rows.collect::<Result<_, _>>().map_err(self.catalog_err())
    }

    /// Claims a pending delivery for sending (`sending`, one more attempt).
    /// False when another process claimed it first.
    pub fn claim_delivery(&mut self, id: i64) -> Result<bool> {
        let changed = self
            .conn
            .execute(
                "UPDATE deliveries SET status = 'sending', attempts = attempts + 1
                 WHERE id = ?1 AND status = 'pending'",
                [id],
            )
            .map_err(self.catalog_err())?;
        Ok(changed == 1)
    }

    /// The message left: `sent`.
    pub fn delivery_sent(&mut self, id: i64, sent_at: &str) -> Result<()> {
        self.conn
            .execute(
                "UPDATE deliveries SET status = 'sent', sent_at = ?2, last_error = NULL WHERE id = ?1",
                params![id, sent_at],
            )
            .map_err(self.catalog_err())?;
        Ok(())
    }

    /// A failed attempt: `pending` again from `retry_at`, or `failed` for good
    /// when `retry_at` is none.
    pub fn delivery_failed(&mut self, id: i64, error: &str, retry_at: Option<&str>) -> Result<()> {
        let sql = match retry_at {
            Some(_) => {
                "UPDATE deliveries SET status = 'pending', last_error = ?2, next_attempt_at = ?3 WHERE id = ?1"
            }
            None => "UPDATE deliveries SET status = 'failed', last_error = ?2 WHERE id = ?1",
        };
        let changed = match retry_at {
            Some(at) => self.conn.execute(sql, params![id, error, at]),
            None => self.conn.execute(sql, params![id, error]),
        };
        changed.map_err(self.catalog_err())?;
        Ok(())
    }

    /// Deliveries left `sending` by a process that stopped mid-exchange become
    /// `uncertain` (never sent again automatically); returns them.
    pub fn settle_interrupted_deliveries(&mut self) -> Result<Vec<Delivery>> {
        let sql = format!("{SELECT_DELIVERY} WHERE status = 'sending' ORDER BY id");
        let interrupted: Vec<Delivery> = {
            let mut stmt = self.conn.prepare(&sql).map_err(self.catalog_err())?;
            let rows = stmt.query_map([], delivery_from_row).map_err(self.catalog_err())?;
            rows.collect::<Result<_, _>>().map_err(self.catalog_err())?
        };
        self.conn
            .execute(
                "UPDATE deliveries SET status = 'uncertain',
                 last_error = 'interrupted during the SMTP exchange: not sent again automatically'
                 WHERE status = 'sending'",
                [],
            )
            .map_err(self.catalog_err())?;
        Ok(interrupted)
    }

    /// A short text that changes whenever an edition, a PDF or a delivery status
    /// does (the dashboard reloads its list when it changes). Empty on a catalogue
    /// without the archive tables.
    pub fn archive_fingerprint(&self) -> String {
        self.conn
            .query_row(
                "SELECT (SELECT COALESCE(MAX(edition_no), 0) FROM editions),
                        (SELECT COUNT(*) FROM briefing_files),
                        (SELECT COUNT(*) || ':' || COALESCE(SUM(status = 'sent'), 0) || ':'
                                || COALESCE(SUM(status IN ('failed', 'uncertain')), 0)
                                || ':' || COALESCE(SUM(attempts), 0) FROM deliveries)",
                [],
                |row| {
                    Ok(format!(
                        "e{}f{}d{}",
                        row.get::<_, i64>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, String>(2)?
                    ))
                },
            )
            .unwrap_or_default()
    }

    /// Problems with archived briefings (missing, or not matching their hash).
    pub(crate) fn verify_briefings(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        for edition in self.editions()? {
            let manifest = format!("{}/manifest.json", edition.dir);
            let files = std::iter::once((manifest, edition.manifest_sha256.clone()))
                .chain(edition.files.iter().map(|f| (f.file.clone(), f.sha256.clone())));
            for (file, expected) in files {
                match crate::sha256_file(&self.root.join(&file)) {
                    Ok((sha, _)) if sha == expected => {}
                    Ok((sha, _)) => problems.push(format!(
                        "{}: {file} has sha256 {sha}, catalogue says {expected}",
                        edition.edition_id
                    )),
                    Err(err) => problems.push(format!("{}: {err}", edition.edition_id)),
                }
            }
        }
        Ok(problems)
    }

    /// Removes, under `archive`, every directory not in `dirs` and every file not
    /// in `files` (paths relative to the store's root): what a writer that died
    /// before its commit left (briefing editions, stocktake packs).
    pub(crate) fn remove_unrecorded(
        &self,
        archive: &std::path::Path,
        dirs: &std::collections::HashSet<String>,
        files: &std::collections::HashSet<String>,
    ) -> Result<()> {
        for dir in crate::read_dir(archive)? {
            let relative = relative_path(&self.root, &dir);
            if !dirs.contains(&relative) {
                if dir.is_dir() {
                    fs::remove_dir_all(&dir).map_err(io_err("removing", &dir))?;
                } else {
                    crate::remove_file(&dir)?;
                }
                continue;
            }
            for file in crate::read_dir(&dir)? {
                if !files.contains(&relative_path(&self.root, &file)) {
                    crate::remove_file(&file)?;
                }
            }
        }
        Ok(())
    }

    /// Removes archive files and directories the catalogue never recorded (a
    /// briefing whose transaction did not commit).
    pub(crate) fn recover_briefings(&self) -> Result<()> {
        let archive = self.root.join("briefings");
        if !archive.is_dir() {
            return Ok(());
        }
        let editions = self.editions()?;
        let dirs: std::collections::HashSet<String> =
            editions.iter().map(|e| e.dir.clone()).collect();
        let files: std::collections::HashSet<String> = editions
            .iter()
            .flat_map(|e| {
                e.files.iter().map(|f| f.file.clone()).chain([format!("{}/manifest.json", e.dir)])
            })
            .collect();
        self.remove_unrecorded(&archive, &dirs, &files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_edition<'a>(key: &'a str, compared_with: Option<i64>) -> NewEdition<'a> {
        NewEdition {
            key,
            as_of: "2026-12-01",
            results_version: "results@v1",
            results_sha256: "abc",
            compared_with,
            trigger: "cli",
            built_at: "2026-12-01T08:00:00Z",
        }
    }

    #[test]
    fn editions_are_numbered_archived_and_found_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        assert_eq!(store.latest_edition().unwrap(), None);
        let first = store.create_edition(&new_edition("k1", None), b"{\"m\":1}").unwrap();
        assert_eq!(first.edition_id, "briefing@e1");
        assert_eq!(first.dir, "briefings/e00001-2026-12-01");
        store.add_briefing_file(1, "fr", b"%PDF-fr", 5, "t").unwrap();
        // The same bytes again: nothing new; other bytes: refused, file unchanged.
        store.add_briefing_file(1, "fr", b"%PDF-fr", 5, "t").unwrap();
        assert!(store.add_briefing_file(1, "fr", b"%PDF-other", 5, "t").is_err());
        let found = store.edition_by_key("k1").unwrap().unwrap();
        assert_eq!(store.read_briefing(&found, "fr").unwrap().unwrap(), b"%PDF-fr");
        assert_eq!(store.read_briefing(&found, "ar").unwrap(), None);
        assert_eq!(store.read_edition_manifest(&found).unwrap(), b"{\"m\":1}");
        let second = store.create_edition(&new_edition("k2", Some(1)), b"{}").unwrap();
        assert_eq!(second.edition_no, 2);
        assert_eq!(store.latest_edition().unwrap().unwrap().compared_with, Some(1));
        // The key is unique: the same inputs are one edition.
        assert!(store.create_edition(&new_edition("k1", None), b"{}").is_err());
        assert!(store.verify().unwrap().is_empty());
        // A tampered PDF is caught by verify and by the checked read.
        std::fs::write(dir.path().join("briefings/e00001-2026-12-01/fr.pdf"), b"x").unwrap();
        assert_eq!(store.verify().unwrap().len(), 1);
        assert!(store.read_briefing(&found, "fr").is_err());
        // Bad language codes never name a file.
        assert!(store.add_briefing_file(2, "../x", b"p", 1, "t").is_err());
    }

    #[test]
    fn unrecorded_archive_files_are_removed_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        store.create_edition(&new_edition("k1", None), b"{}").unwrap();
        drop(store);
        let stray_dir = dir.path().join("briefings/e00002-2026-12-02");
        std::fs::create_dir_all(&stray_dir).unwrap();
        let stray_file = dir.path().join("briefings/e00001-2026-12-01/ar.pdf");
        std::fs::write(&stray_file, b"%PDF").unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert!(!stray_dir.exists() && !stray_file.exists());
        assert!(dir.path().join("briefings/e00001-2026-12-01/manifest.json").exists());
        assert!(store.verify().unwrap().is_empty());
    }

    #[test]
    fn a_delivery_is_queued_once_retried_and_never_sent_twice() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        store.create_edition(&new_edition("k1", None), b"{}").unwrap();
        let to = |recipient: &'static str, lang: &'static str| Addressee {
            recipient,
            lang,
            message_id: format!("<e1.{recipient}>"),
        };
        let queued = [to("a@gov.ma", "fr"), to("b@gov.ma", "ar")];
        assert_eq!(store.enqueue_deliveries(1, &queued, "2026-12-01T08:00:00Z").unwrap(), 2);
        // Queued again (a second slot produced the same edition): nothing added.
        assert_eq!(store.enqueue_deliveries(1, &queued, "2026-12-01T09:00:00Z").unwrap(), 0);
        let due = store.due_deliveries("2026-12-01T08:00:00Z").unwrap();
        assert_eq!(due.len(), 2);
        assert!(store.claim_delivery(due[0].id).unwrap());
        // A second claim of the same row fails: one sender per message.
        assert!(!store.claim_delivery(due[0].id).unwrap());
        store.delivery_sent(due[0].id, "2026-12-01T08:00:05Z").unwrap();
        assert!(store.claim_delivery(due[1].id).unwrap());
        store.delivery_failed(due[1].id, "451 try later", Some("2026-12-01T08:01:00Z")).unwrap();
        // Not due before its retry time; due after; the sent one never again.
        assert!(store.due_deliveries("2026-12-01T08:00:30Z").unwrap().is_empty());
        let retry = store.due_deliveries("2026-12-01T08:01:00Z").unwrap();
        assert_eq!(retry.len(), 1);
        assert_eq!((retry[0].recipient.as_str(), retry[0].attempts), ("b@gov.ma", 1));
        assert_eq!(retry[0].last_error.as_deref(), Some("451 try later"));
        // Interrupted mid-exchange: uncertain, not due again.
        assert!(store.claim_delivery(retry[0].id).unwrap());
        drop(store);
        let mut store = Store::open(dir.path()).unwrap();
        let interrupted = store.settle_interrupted_deliveries().unwrap();
        assert_eq!(interrupted.len(), 1);
        assert!(store.due_deliveries("2027-01-01T00:00:00Z").unwrap().is_empty());
        let all = store.deliveries().unwrap();
        let statuses: Vec<_> = all.iter().map(|d| (d.recipient.as_str(), d.status)).collect();
        assert_eq!(
            statuses,
            vec![("a@gov.ma", DeliveryStatus::Sent), ("b@gov.ma", DeliveryStatus::Uncertain)]
        );
    }
}
