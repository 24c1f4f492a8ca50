//! The md2030 store: immutable, versioned Parquet files under the data directory and
//! an embedded SQLite catalogue that says which version of each dataset is current
//! and where every version came from.
//!
//! Layout of the data directory:
//! - `catalog.sqlite`: the catalogue (versions with provenance, current pointers).
//! - `datasets/<dataset>/v<NNNNN>-<sha8>.parquet`: one file per version, never rewritten.
//! - `results/v<NNNNN>-<sha8>/`: indicator results computed from those versions
//!   (JSON and Parquet), one directory per computation whose output changed.
//! - `briefings/e<NNNNN>-<as_of>/`: archived briefing editions (`manifest.json` and
//!   one `<lang>.pdf` per language), and in the catalogue the delivery queue.
//! - `staging/`: files being written; anything left there after a crash is removed
//!   the next time the store is opened.
//!
//! **Invariant:** a version is visible only once its Parquet file is complete, fsynced
//! and renamed into place *and* the catalogue transaction that records it has
//! committed. A crash at any moment leaves the previous current version intact.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

mod access;
pub mod backup;
mod briefings;
pub mod ids;
mod lock;
pub mod packs;
mod results;
mod staging;
pub mod steering;
pub use access::{
    Account, AuditEntry, AuditRecord, Decision, NewAccount, ReviewRefusal, Role, Session,
    VersionStatus,
};
pub use briefings::{Addressee, BriefingFile, Delivery, DeliveryStatus, EditionRecord, NewEdition};
pub use ids::{edition_id, parse_version_id, version_id};
pub use lock::{Holder, LOCK_FILE, Wait, WriterLock, create_owned};
pub use results::{Committed, ResultsFile, ResultsRecord};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{action} {path}: {source}")]
    Io { action: &'static str, path: PathBuf, source: io::Error },
    #[error("catalogue {path}: {source}")]
    Catalog { path: PathBuf, source: rusqlite::Error },
    #[error("parquet {path}: {source}")]
    Parquet { path: PathBuf, source: parquet::errors::ParquetError },
    #[error("no version {version_no} of dataset {dataset}")]
    NoSuchVersion { dataset: String, version_no: i64 },
    #[error("no briefing edition {0}")]
    NoSuchEdition(i64),
    #[error("dataset name {0:?} is not a valid name")]
    BadDatasetName(String),
    /// Another writer holds the store's lock (and the wait allowed is over).
    #[error("the store is busy: {}", holder.as_deref().unwrap_or("another writer holds its lock"))]
    Busy { holder: Option<String> },
    /// A store opened for reading was asked to write files.
    #[error("{0} needs the store's writer lock (open the store as a writer)")]
    NotWriter(&'static str),
    /// A version's file is missing or differs from what the catalogue recorded.
    #[error("{version_id}: {problem}")]
    BadFile { version_id: String, problem: String },
    /// A stocktake pack that cannot be archived as asked.
    #[error("{0}")]
    Pack(String),
    /// A backup that cannot be taken or restored as asked.
    #[error("{0}")]
    Backup(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Rows per Parquet row group (and per record batch the ingest hands over).
pub const ROW_GROUP_ROWS: usize = 128 * 1024;

/// What the caller knows about a new version besides its data.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Provenance {
    pub contract_version: String,
    pub source_file_name: String,
    pub source_sha256: String,
    pub source_bytes: u64,
    pub source_format: String,
    pub ingested_by: String,
    /// RFC 3339 UTC time of the ingest.
    pub ingested_at: String,
    /// True for md2030's own sample data, which is labelled as such wherever shown.
    pub synthetic: bool,
    /// The validation summary (counts by rule, warnings) as JSON.
    pub validation: serde_json::Value,
    /// The version this one was built on (partition merge), if any.
    pub parent_version_no: Option<i64>,
    pub rows_from_file: u64,
    pub rows_kept_from_parent: u64,
    pub rows_replaced: u64,
    /// The period an inventory version describes (`2025-Q4`), when declared.
    #[serde(default)]
    pub reference_period: Option<String>,
}

/// One stored version as the catalogue records it: where its file is, what it holds,
/// and its provenance (flattened into the same JSON object).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VersionRecord {
    pub dataset: String,
    pub version_no: i64,
    /// `dataset@vN`, the id printed by the CLI and shown next to every figure.
    pub version_id: String,
    /// Path of the Parquet file relative to the data directory.
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
    pub row_count: u64,
    pub is_current: bool,
    /// `published` (used in figures), `pending` (awaiting sign-off) or `rejected`.
    pub status: VersionStatus,
    /// Who signed off or rejected a submitted version, when, and why.
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub review_note: Option<String>,
    /// When `md2030 repair` found this version's file missing or altered and set
    /// the version aside (never current again), and what it found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost_note: Option<String>,
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// The store over one data directory.
#[derive(Debug)]
pub struct Store {
    root: PathBuf,
    conn: Connection,
    /// Held by a writer store: files may be written and recovery has run.
    lock: Option<WriterLock>,
}

const SCHEMA_SQL: &str = "
CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY,
    dataset TEXT NOT NULL,
    version_no INTEGER NOT NULL,
    file TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    row_count INTEGER NOT NULL,
    contract_version TEXT NOT NULL,
    source_file_name TEXT NOT NULL,
    source_sha256 TEXT NOT NULL,
    source_bytes INTEGER NOT NULL,
    source_format TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    ingested_by TEXT NOT NULL,
    synthetic INTEGER NOT NULL,
    validation TEXT NOT NULL,
    parent_version_no INTEGER,
    rows_from_file INTEGER NOT NULL,
    rows_kept_from_parent INTEGER NOT NULL,
    rows_replaced INTEGER NOT NULL,
    UNIQUE (dataset, version_no)
);
CREATE TABLE IF NOT EXISTS current_versions (
    dataset TEXT PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES versions(id)
);
";

/// The catalogue's schema version (`PRAGMA user_version`) this build migrates to.
pub const SCHEMA_VERSION: i64 = 7;

impl Store {
    /// Opens the store in `root` as a writer, waiting as long as it takes for the
    /// writer lock (tests and one-shot tools; commands say who they are with
    /// [`Store::open_writer`]).
    pub fn open(root: &Path) -> Result<Store> {
        Store::open_writer(root, Holder::new("md2030", "library"), Wait::Forever, &mut |_| {})
    }

    /// Opens (creating and migrating if needed) the store in `root` as its one
    /// writer: takes the writer lock (see [`WriterLock::acquire`] for `wait` and
    /// `on_wait`), then removes what a dead writer left: staging files no live
    /// process holds, and dataset, results and briefing files the catalogue never
    /// recorded. The lock is held until the store is dropped.
    pub fn open_writer(
        root: &Path,
        holder: Holder,
        wait: Wait,
        on_wait: &mut dyn FnMut(Option<&Holder>),
    ) -> Result<Store> {
        create_dirs(root)?;
        let lock = WriterLock::acquire(root, holder, wait, on_wait)?;
        let mut store = Store::open_shared(root)?;
        store.lock = Some(lock);
        store.recover()?;
        Ok(store)
    }

    /// Opens (creating and migrating if needed) the catalogue *without* the writer
    /// lock and without removing anything: for catalogue-only writes (sessions,
    /// the audit log, the delivery queue), each one SQLite transaction, beside
    /// whatever writer runs. Writing files (versions, results, briefings) is
    /// refused with [`Error::NotWriter`].
    pub fn open_shared(root: &Path) -> Result<Store> {
        create_dirs(root)?;
        let db_path = root.join("catalog.sqlite");
        let catalog_err = |source| Error::Catalog { path: db_path.clone(), source };
        let conn = Connection::open(&db_path).map_err(catalog_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(catalog_err)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(catalog_err)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(catalog_err)?;
        migrate(&conn).map_err(catalog_err)?;
        Ok(Store { root: root.to_path_buf(), conn, lock: None })
    }

    /// Opens the store for reading: no lock, no migration, no recovery, so it
    /// never waits behind a writer nor touches a file a writer is writing; it
    /// sees the last committed catalogue. A data directory without a catalogue
    /// (or with an older schema) is first created (or migrated) under the writer
    /// lock, which nobody can be holding for long on a store with no data.
    pub fn open_reader(root: &Path) -> Result<Store> {
        if root.join("catalog.sqlite").is_file()
            && let Ok(store) = Store::open_read_only(root)
            && store
                .conn
                .pragma_query_value(None, "user_version", |row| row.get::<_, i64>(0))
                .is_ok_and(|v| v >= SCHEMA_VERSION)
        {
            return Ok(store);
        }
        create_dirs(root)?;
        let lock = WriterLock::acquire(
            root,
            Holder::new("creating the catalogue", "md2030"),
            Wait::Forever,
            &mut |_| {},
        )?;
        drop(Store::open_shared(root)?);
        drop(lock);
        Store::open_read_only(root)
    }

    /// Opens an existing store for reading only (the dashboard): no migration, no
    /// recovery, so it never touches files a concurrent ingest is writing.
    pub fn open_read_only(root: &Path) -> Result<Store> {
        let db_path = root.join("catalog.sqlite");
        let catalog_err = |source| Error::Catalog { path: db_path.clone(), source };
        let conn = Connection::open_with_flags(
            &db_path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(catalog_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(catalog_err)?;
        Ok(Store { root: root.to_path_buf(), conn, lock: None })
    }

    /// The writer lock this store holds, if it is a writer.
    pub fn writer_lock(&self) -> Option<&WriterLock> {
        self.lock.as_ref()
    }

    /// Refuses `action` unless this store holds the writer lock.
    pub(crate) fn require_writer(&self, action: &'static str) -> Result<()> {
        if self.lock.is_some() { Ok(()) } else { Err(Error::NotWriter(action)) }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn catalog_err(&self) -> impl Fn(rusqlite::Error) -> Error + '_ {
        move |source| Error::Catalog { path: self.root.join("catalog.sqlite"), source }
    }

    /// Removes staging leftovers and unrecorded version files. Both come only from an
    /// ingest that died before its catalogue transaction committed.
    fn recover(&self) -> Result<()> {
        self.require_writer("recovery")?;
        let staging = self.root.join("staging");
        for entry in read_dir(&staging)? {
            if lock::is_owned(&entry) {
                // A live process is still writing it (an upload being received).
                continue;
            }
            if entry.is_dir() {
                fs::remove_dir_all(&entry).map_err(|source| Error::Io {
                    action: "removing",
                    path: entry.clone(),
                    source,
                })?;
            } else {
                remove_file(&entry)?;
            }
        }
        self.recover_results()?;
        self.recover_briefings()?;
        self.recover_packs()?;
        let recorded: std::collections::HashSet<String> = {
            let mut stmt =
                self.conn.prepare("SELECT file FROM versions").map_err(self.catalog_err())?;
            let rows =
                stmt.query_map([], |row| row.get::<_, String>(0)).map_err(self.catalog_err())?;
            rows.collect::<Result<_, _>>().map_err(self.catalog_err())?
        };
        let datasets_dir = self.root.join("datasets");
        for dataset_dir in read_dir(&datasets_dir)? {
            if !dataset_dir.is_dir() {
                continue;
            }
            for file in read_dir(&dataset_dir)? {
                let relative = relative_path(&self.root, &file);
                if !recorded.contains(&relative) {
                    remove_file(&file)?;
                }
            }
        }
        Ok(())
    }

    /// Starts writing a new version of `dataset` with `schema`. Nothing is visible
    /// until [`Store::commit`].
    pub fn stage(&self, dataset: &str, schema: SchemaRef) -> Result<StagedVersion> {
        self.require_writer("storing a version")?;
        check_dataset_name(dataset)?;
        let tmp_path = self.staging_path(&format!("{dataset}.parquet"));
        let file = lock::create_owned(&tmp_path).map_err(|source| Error::Io {
            action: "creating",
            path: tmp_path.clone(),
            source,
        })?;
        let sink = HashingWriter::new(BufWriter::with_capacity(1 << 20, file));
        let mut props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                ZstdLevel::try_new(3).expect("3 is a valid zstd level"),
            ))
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_created_by("md2030".to_string());
        // Dictionaries for text (codes, periods: few values, read as dictionaries by
        // the aggregates); numbers are written plain, not hashed value by value
        // into a dictionary that overflows for counts anyway.
        for field in schema.fields() {
            if !matches!(field.data_type(), arrow_schema::DataType::Utf8) {
                props = props.set_column_dictionary_enabled(
                    parquet::schema::types::ColumnPath::from(field.name().as_str()),
                    false,
                );
            }
        }
        let props = props.build();
        let writer = ArrowWriter::try_new(sink, schema, Some(props))
            .map_err(|source| Error::Parquet { path: tmp_path.clone(), source })?;
        Ok(StagedVersion { dataset: dataset.to_string(), tmp_path, writer: Some(writer), rows: 0 })
    }

    /// Makes a staged version durable and current: finish the Parquet file, fsync it,
    /// rename it into `datasets/`, fsync the directory, then record it and move the
    /// current pointer in one catalogue transaction.
    pub fn commit(
        &mut self,
        staged: StagedVersion,
        provenance: &Provenance,
    ) -> Result<VersionRecord> {
        self.commit_as(staged, provenance, VersionStatus::Published)
    }

    /// Stores a staged version as `pending`: durable and numbered like any other,
    /// but not current until [`Store::review`] publishes it.
    pub fn commit_pending(
        &mut self,
        staged: StagedVersion,
        provenance: &Provenance,
    ) -> Result<VersionRecord> {
        self.commit_as(staged, provenance, VersionStatus::Pending)
    }

    fn commit_as(
        &mut self,
        mut staged: StagedVersion,
        provenance: &Provenance,
        status: VersionStatus,
    ) -> Result<VersionRecord> {
        let tmp_path = staged.tmp_path.clone();
        let writer = staged.writer.take().expect("a staged version is committed once");
        let parquet_err = |source| Error::Parquet { path: tmp_path.clone(), source };
        let sink = writer.into_inner().map_err(parquet_err)?;
        let (inner, sha256, bytes) = sink.into_parts();
        let file = inner.into_inner().map_err(|err| Error::Io {
            action: "flushing",
            path: tmp_path.clone(),
            source: err.into_error(),
        })?;
        file.sync_all().map_err(|source| Error::Io {
            action: "syncing",
            path: tmp_path.clone(),
            source,
        })?;
        drop(file);
        let dataset_dir = self.root.join("datasets").join(&staged.dataset);
        let root = self.root.clone();
        let place = |n: i64| dataset_dir.join(format!("v{n:05}-{}.parquet", &sha256[..8]));
        let placement = staging::Placement {
            next_number: "SELECT COALESCE(MAX(version_no), 0) + 1 FROM versions WHERE dataset = ?1",
            scope: Some(&staged.dataset),
            place: &place,
            failpoint: Some("version-renamed"),
        };
        let dataset = staged.dataset.clone();
        let rows = staged.rows;
        let version_no = self.commit_staged(
            staging::Staged::File(&tmp_path),
            placement,
            |tx, version_no, final_path| {
                // Never record a version whose file is not there whole (the writer
                // lock keeps other processes' recovery away; this checks it).
                let on_disk = fs::metadata(final_path).map(|m| m.len()).unwrap_or(0);
                if on_disk != bytes {
                    return Err(Error::BadFile {
                        version_id: ids::version_id(&dataset, version_no),
                        problem: format!(
                            "{} holds {on_disk} bytes after the rename, {bytes} were written",
                            final_path.display()
                        ),
                    });
                }
                let relative = relative_path(&root, final_path);
                record_version(
                    tx, &dataset, version_no, &relative, &sha256, bytes, rows, provenance, status,
                )
                .map_err(|source| Error::Catalog { path: root.join("catalog.sqlite"), source })?;
                Ok(version_no)
            },
        )?;
        failpoint("version-committed");
        self.version(&staged.dataset, version_no)
    }

    pub fn current(&self, dataset: &str) -> Result<Option<VersionRecord>> {
        let sql = format!(
            "{SELECT_VERSION} WHERE v.id = (SELECT version_id FROM current_versions WHERE dataset = ?1)"
        );
        self.conn
            .query_row(&sql, [dataset], version_from_row)
            .optional()
            .map_err(self.catalog_err())
    }

    pub fn version(&self, dataset: &str, version_no: i64) -> Result<VersionRecord> {
        let sql = format!("{SELECT_VERSION} WHERE v.dataset = ?1 AND v.version_no = ?2");
        self.conn
            .query_row(&sql, params![dataset, version_no], version_from_row)
            .optional()
            .map_err(self.catalog_err())?
            .ok_or_else(|| Error::NoSuchVersion { dataset: dataset.to_string(), version_no })
    }

    /// The versions `SELECT_VERSION` followed by `rest` (joins, conditions, order)
    /// selects.
    pub(crate) fn select_versions(
        &self,
        rest: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<VersionRecord>> {
        let sql = format!("{SELECT_VERSION} {rest}");
        let mut stmt = self.conn.prepare(&sql).map_err(self.catalog_err())?;
        let rows = stmt.query_map(params, version_from_row).map_err(self.catalog_err())?;
        rows.collect::<Result<_, _>>().map_err(self.catalog_err())
    }

    /// Every version of `dataset`, oldest first.
    pub fn versions(&self, dataset: &str) -> Result<Vec<VersionRecord>> {
        self.select_versions("WHERE v.dataset = ?1 ORDER BY v.version_no", [dataset])
    }

    /// The current version of every dataset that has one, by dataset name.
    pub fn current_versions(&self) -> Result<Vec<VersionRecord>> {
        self.select_versions(
            "JOIN current_versions c ON c.version_id = v.id ORDER BY v.dataset",
            [],
        )
    }

    pub fn path_of(&self, record: &VersionRecord) -> PathBuf {
        self.root.join(&record.file)
    }

    /// Opens a stored version for reading batch by batch.
    pub fn reader(
        &self,
        record: &VersionRecord,
    ) -> Result<parquet::arrow::arrow_reader::ParquetRecordBatchReader> {
        let path = self.path_of(record);
        let file = File::open(&path).map_err(|source| Error::Io {
            action: "opening",
            path: path.clone(),
            source,
        })?;
        let parquet_err = |source| Error::Parquet { path: path.clone(), source };
        ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(parquet_err)?
            .with_batch_size(ROW_GROUP_ROWS)
            .build()
            .map_err(parquet_err)
    }

    /// Reads a stored version back as record batches.
    pub fn read(&self, record: &VersionRecord) -> Result<Vec<RecordBatch>> {
        let path = self.path_of(record);
        self.reader(record)?
            .map(|batch| {
                batch.map_err(|err| Error::Parquet { path: path.clone(), source: err.into() })
            })
            .collect()
    }

    /// Reads a stored file (its path relative to the data directory), checked
    /// against the SHA-256 the catalogue recorded for it.
    pub(crate) fn read_checked(&self, relative: &str, expected: &str) -> Result<Vec<u8>> {
        let path = self.root.join(relative);
        let bytes = fs::read(&path).map_err(staging::io_err("reading", &path))?;
        if hex(&Sha256::digest(&bytes)) != expected {
            return Err(Error::Io {
                action: "checking",
                path,
                source: io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the file does not match the hash the catalogue recorded",
                ),
            });
        }
        Ok(bytes)
    }

    /// Checks that every recorded version's file exists with the recorded size and
    /// SHA-256. Returns one line per problem; empty means consistent.
    pub fn verify(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        // Versions set aside by `repair` are history, not problems any more.
        let records =
            self.select_versions("WHERE v.lost_at IS NULL ORDER BY v.dataset, v.version_no", [])?;
        for record in records {
            if let Some(problem) = self.file_problem(&record) {
                problems.push(format!("{}: {problem}", record.version_id));
            }
        }
        problems.extend(self.verify_results()?);
        problems.extend(self.verify_briefings()?);
        problems.extend(self.verify_packs()?);
        Ok(problems)
    }

    /// What is wrong with a version's stored file, if anything: missing, or not
    /// the bytes the catalogue recorded.
    pub fn file_problem(&self, record: &VersionRecord) -> Option<String> {
        match sha256_file(&self.path_of(record)) {
            Ok((sha, bytes)) if sha == record.sha256 && bytes == record.bytes => None,
            Ok((sha, bytes)) => Some(format!(
                "{} has sha256 {sha} ({bytes} bytes), catalogue says {} ({} bytes)",
                record.file, record.sha256, record.bytes
            )),
            Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                Some(format!("{} is missing", record.file))
            }
            Err(err) => Some(err.to_string()),
        }
    }

    /// Versions `repair` set aside, oldest first.
    pub fn lost_versions(&self) -> Result<Vec<VersionRecord>> {
        self.select_versions("WHERE v.lost_at IS NOT NULL ORDER BY v.dataset, v.version_no", [])
    }

    /// Mends what a writer without the lock (md2030 before the writer lock) could
    /// leave: a version recorded (pending or current) whose file is missing or
    /// altered, and results whose files are missing. Each such version is set
    /// aside as lost (kept in the catalogue as history, never current or
    /// publishable again; a pending one is marked rejected); a dataset whose current
    /// version was lost falls back to its newest intact published version (or has
    /// none); current results that were lost fall back to the newest intact ones
    /// (recompute afterwards). One transaction. Returns one line per change.
    pub fn repair(&mut self, now: &str, by: &str) -> Result<Vec<String>> {
        self.require_writer("repairing the store")?;
        let records =
            self.select_versions("WHERE v.lost_at IS NULL ORDER BY v.dataset, v.version_no", [])?;
        let broken: Vec<(VersionRecord, String)> =
            records.iter().filter_map(|r| self.file_problem(r).map(|p| (r.clone(), p))).collect();
        let broken_results: Vec<ResultsRecord> = self
            .results_versions()?
            .into_iter()
            .filter(|r| !self.results_problems(r).is_empty())
            .collect();
        let mut changes = Vec::new();
        let catalog_path = self.root.join("catalog.sqlite");
        let catalog_err = |source| Error::Catalog { path: catalog_path.clone(), source };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(catalog_err)?;
        for (record, problem) in &broken {
            tx.execute(
                "UPDATE versions SET lost_at = ?3, lost_note = ?4 WHERE dataset = ?1 AND version_no = ?2",
                params![record.dataset, record.version_no, now, problem],
            )
            .map_err(catalog_err)?;
            if record.status == VersionStatus::Pending {
                tx.execute(
                    "UPDATE versions SET status = 'rejected', reviewed_by = ?3, reviewed_at = ?4,
                     review_note = ?5 WHERE dataset = ?1 AND version_no = ?2",
                    params![record.dataset, record.version_no, by, now, format!("lost: {problem}")],
                )
                .map_err(catalog_err)?;
            }
            changes.push(format!("{}: {problem}; set aside as lost", record.version_id));
        }
        for (record, _) in broken.iter().filter(|(r, _)| r.is_current) {
            let fallback = records
                .iter()
                .rev()
                .filter(|r| r.dataset == record.dataset && r.version_no != record.version_no)
                .filter(|r| r.status == VersionStatus::Published)
                .find(|r| !broken.iter().any(|(b, _)| b.version_id == r.version_id));
            match fallback {
                Some(previous) => {
                    tx.execute(
                        "UPDATE current_versions SET version_id =
                           (SELECT id FROM versions WHERE dataset = ?1 AND version_no = ?2)
                         WHERE dataset = ?1",
                        params![previous.dataset, previous.version_no],
                    )
                    .map_err(catalog_err)?;
                    changes.push(format!(
                        "{}: current version is now {}",
                        record.dataset, previous.version_id
                    ));
                }
                None => {
                    tx.execute(
                        "DELETE FROM current_versions WHERE dataset = ?1",
                        [&record.dataset],
                    )
                    .map_err(catalog_err)?;
                    changes.push(format!(
                        "{}: no intact version left; none is current",
                        record.dataset
                    ));
                }
            }
        }
        for results in &broken_results {
            tx.execute(
                "UPDATE results SET lost_at = ?2 WHERE version_no = ?1",
                params![results.version_no, now],
            )
            .map_err(catalog_err)?;
            changes.push(format!(
                "{}: files missing or altered; set aside as lost",
                results.version_id
            ));
        }
        if broken_results.iter().any(|r| r.is_current) {
            let moved = tx
                .execute(
                    "UPDATE current_results SET results_id =
                       (SELECT id FROM results WHERE lost_at IS NULL ORDER BY version_no DESC LIMIT 1)
                     WHERE EXISTS (SELECT 1 FROM results WHERE lost_at IS NULL)",
                    [],
                )
                .map_err(catalog_err)?;
            if moved == 0 {
                tx.execute("DELETE FROM current_results", []).map_err(catalog_err)?;
            }
            changes.push("results: the current results were lost; run md2030 compute".to_string());
        }
        tx.commit().map_err(catalog_err)?;
        Ok(changes)
    }
}

pub(crate) const SELECT_VERSION: &str = "SELECT v.dataset, v.version_no, v.file, v.sha256, v.bytes, v.row_count, v.contract_version,
    v.source_file_name, v.source_sha256, v.source_bytes, v.source_format, v.ingested_at, v.ingested_by, v.synthetic,
    v.validation, v.parent_version_no, v.rows_from_file, v.rows_kept_from_parent, v.rows_replaced,
    EXISTS (SELECT 1 FROM current_versions cv WHERE cv.version_id = v.id), v.reference_period,
    v.status, v.reviewed_by, v.reviewed_at, v.review_note, v.lost_at, v.lost_note
    FROM versions v";

/// The catalogue rows of a new version: the version with its provenance, and the
/// current pointer when it is published.
#[allow(clippy::too_many_arguments)]
fn record_version(
    tx: &rusqlite::Transaction<'_>,
    dataset: &str,
    version_no: i64,
    file: &str,
    sha256: &str,
    bytes: u64,
    rows: u64,
    provenance: &Provenance,
    status: VersionStatus,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO versions (dataset, version_no, file, sha256, bytes, row_count, contract_version,
            source_file_name, source_sha256, source_bytes, source_format, ingested_at, ingested_by,
            synthetic, validation, parent_version_no, rows_from_file, rows_kept_from_parent, rows_replaced, reference_period, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
        params![
            dataset,
            version_no,
            file,
            sha256,
            bytes as i64,
            rows as i64,
            provenance.contract_version,
            provenance.source_file_name,
            provenance.source_sha256,
            provenance.source_bytes as i64,
            provenance.source_format,
            provenance.ingested_at,
            provenance.ingested_by,
            provenance.synthetic,
            provenance.validation.to_string(),
            provenance.parent_version_no,
            provenance.rows_from_file as i64,
            provenance.rows_kept_from_parent as i64,
            provenance.rows_replaced as i64,
            provenance.reference_period,
            status.as_str(),
        ],
    )?;
    if status == VersionStatus::Published {
        let id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO current_versions (dataset, version_id) VALUES (?1, ?2)
             ON CONFLICT(dataset) DO UPDATE SET version_id = excluded.version_id",
            params![dataset, id],
        )?;
    }
    Ok(())
}

pub(crate) fn version_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<VersionRecord> {
    let dataset: String = row.get(0)?;
    let version_no: i64 = row.get(1)?;
    let validation: String = row.get(14)?;
    Ok(VersionRecord {
        version_id: ids::version_id(&dataset, version_no),
        dataset,
        version_no,
        file: row.get(2)?,
        sha256: row.get(3)?,
        bytes: row.get::<_, i64>(4)? as u64,
        row_count: row.get::<_, i64>(5)? as u64,
        is_current: row.get(19)?,
        status: VersionStatus::parse(&row.get::<_, String>(21)?),
        reviewed_by: row.get(22)?,
        reviewed_at: row.get(23)?,
        review_note: row.get(24)?,
        lost_at: row.get(25)?,
        lost_note: row.get(26)?,
        provenance: Provenance {
            contract_version: row.get(6)?,
            source_file_name: row.get(7)?,
            source_sha256: row.get(8)?,
            source_bytes: row.get::<_, i64>(9)? as u64,
            source_format: row.get(10)?,
            ingested_at: row.get(11)?,
            ingested_by: row.get(12)?,
            synthetic: row.get(13)?,
            validation: serde_json::from_str(&validation).unwrap_or(serde_json::Value::Null),
            parent_version_no: row.get(15)?,
            rows_from_file: row.get::<_, i64>(16)? as u64,
            rows_kept_from_parent: row.get::<_, i64>(17)? as u64,
            rows_replaced: row.get::<_, i64>(18)? as u64,
            reference_period: row.get(20)?,
        },
    })
}

/// A version being written. Dropping it without [`Store::commit`] removes the file.
#[derive(Debug)]
pub struct StagedVersion {
    dataset: String,
    tmp_path: PathBuf,
    writer: Option<ArrowWriter<HashingWriter>>,
    rows: u64,
}

impl StagedVersion {
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let writer =
            self.writer.as_mut().expect("a staged version is written before it is committed");
        writer
            .write(batch)
            .map_err(|source| Error::Parquet { path: self.tmp_path.clone(), source })?;
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }
}

impl Drop for StagedVersion {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            let _ = fs::remove_file(&self.tmp_path);
        }
    }
}

/// A writer that hashes and counts what passes through it, so a written file's
/// SHA-256 is known without reading it back (a stored version, an export's files).
pub struct HashingWriter<W = BufWriter<File>> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W> HashingWriter<W> {
    pub fn new(inner: W) -> HashingWriter<W> {
        HashingWriter { inner, hasher: Sha256::new(), bytes: 0 }
    }

    /// The inner writer, the hex SHA-256 and the count of the bytes written.
    pub fn into_parts(self) -> (W, String, u64) {
        (self.inner, hex(&self.hasher.finalize()), self.bytes)
    }
}

impl<W> std::fmt::Debug for HashingWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashingWriter").field("bytes", &self.bytes).finish()
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn create_dirs(root: &Path) -> Result<()> {
    for dir in [root.to_path_buf(), root.join("datasets"), root.join("staging")] {
        fs::create_dir_all(&dir).map_err(|source| Error::Io {
            action: "creating",
            path: dir.clone(),
            source,
        })?;
    }
    Ok(())
}

/// Creates or migrates the catalogue's tables up to [`SCHEMA_VERSION`].
fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let user_version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if user_version >= SCHEMA_VERSION {
        return Ok(());
    }
    // Schema 6 rebuilds the accounts table, which sessions reference: foreign keys
    // are off while it runs (the pragma is a no-op inside a transaction), checked
    // before the commit and back on after.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    // One writer migrates; a second one waiting on SQLite's lock sees it done.
    conn.execute_batch("BEGIN IMMEDIATE;")?;
    let migrated = (|| {
        let user_version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if user_version < 1 {
            conn.execute_batch(SCHEMA_SQL)?;
        }
        if user_version < 2 {
            conn.execute_batch(results::RESULTS_SQL)?;
            conn.execute_batch("ALTER TABLE versions ADD COLUMN reference_period TEXT;")?;
        }
        if user_version < 3 {
            conn.execute_batch(briefings::BRIEFINGS_SQL)?;
        }
        if user_version < 4 {
            conn.execute_batch(access::ACCESS_SQL)?;
        }
        if user_version < 5 {
            conn.execute_batch(LOST_SQL)?;
            conn.execute_batch(access::SIGNIN_SQL)?;
        }
        if user_version < 6 {
            conn.execute_batch(steering::STEERING_SQL)?;
            let broken: Option<String> =
                conn.query_row("PRAGMA foreign_key_check", [], |row| row.get(0)).optional()?;
            if let Some(table) = broken {
                return Err(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT),
                    Some(format!("schema 6: a foreign key of {table} is broken")),
                ));
            }
        }
        if user_version < 7 {
            conn.execute_batch(packs::PACKS_SQL)?;
        }
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)
    })();
    let done = match migrated {
        Ok(()) => conn.execute_batch("COMMIT;"),
        Err(err) => {
            let _ = conn.execute_batch("ROLLBACK;");
            Err(err)
        }
    };
    conn.pragma_update(None, "foreign_keys", "ON")?;
    done
}

/// Schema 5: versions whose file was found missing or altered, set aside by
/// `md2030 repair` (never current, never published again; kept as history).
const LOST_SQL: &str = "
ALTER TABLE versions ADD COLUMN lost_at TEXT;
ALTER TABLE versions ADD COLUMN lost_note TEXT;
ALTER TABLE results ADD COLUMN lost_at TEXT;
";

fn check_dataset_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if valid { Ok(()) } else { Err(Error::BadDatasetName(name.to_string())) }
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = fs::read_dir(dir).map_err(|source| Error::Io {
        action: "listing",
        path: dir.to_path_buf(),
        source,
    })?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| Error::Io {
            action: "listing",
            path: dir.to_path_buf(),
            source,
        })?;
        paths.push(entry.path());
    }
    paths.sort();
    Ok(paths)
}

fn remove_file(path: &Path) -> Result<()> {
    fs::remove_file(path).map_err(|source| Error::Io {
        action: "removing",
        path: path.to_path_buf(),
        source,
    })
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|source| Error::Io {
        action: "syncing",
        path: dir.to_path_buf(),
        source,
    })
}

fn relative_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Crash points for the tests that kill a writer at a chosen moment: with
/// `MD2030_FAILPOINT=NAME` in its environment the process aborts there, as a
/// power cut would (no destructor runs). Names: `version-renamed` (a version's
/// file renamed into `datasets/` and the directory fsynced, the catalogue not yet
/// committed), `version-committed` (the catalogue committed, nothing after),
/// `results-renamed`, `results-committed`.
pub fn failpoint(name: &str) {
    if std::env::var_os("MD2030_FAILPOINT").is_some_and(|v| v == name) {
        std::process::abort();
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 (hex) and size of a file, read in 1 MiB blocks.
pub fn sha256_file(path: &Path) -> Result<(String, u64)> {
    let mut file = File::open(path).map_err(|source| Error::Io {
        action: "opening",
        path: path.to_path_buf(),
        source,
    })?;
    let mut hasher = Sha256::new();
    let bytes = io::copy(&mut file, &mut hasher).map_err(|source| Error::Io {
        action: "reading",
        path: path.to_path_buf(),
        source,
    })?;
    Ok((hex(&hasher.finalize()), bytes))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use arrow_array::{Int64Array, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    use std::sync::Arc;

    pub(crate) fn batch(values: &[i64]) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, false),
            Field::new("s", DataType::Utf8, true),
        ]));
        let strings: Vec<Option<String>> = values.iter().map(|v| Some(format!("r{v}"))).collect();
        RecordBatch::try_new(
            schema,
            vec![Arc::new(Int64Array::from(values.to_vec())), Arc::new(StringArray::from(strings))],
        )
        .unwrap()
    }

    pub(crate) fn provenance(name: &str) -> Provenance {
        Provenance {
            contract_version: "1.0.0".into(),
            source_file_name: name.into(),
            source_sha256: "00".into(),
            source_bytes: 1,
            source_format: "csv".into(),
            ingested_by: "test".into(),
            ingested_at: "2026-11-23T00:00:00Z".into(),
            synthetic: false,
            validation: serde_json::json!({"errors": 0}),
            parent_version_no: None,
            rows_from_file: 3,
            rows_kept_from_parent: 0,
            rows_replaced: 0,
            reference_period: None,
        }
    }

    #[test]
    fn committed_versions_are_numbered_hashed_and_readable() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let mut staged = store.stage("talent", batch(&[1]).schema()).unwrap();
        staged.write(&batch(&[1, 2, 3])).unwrap();
        let v1 = store.commit(staged, &provenance("a.csv")).unwrap();
        let mut staged = store.stage("talent", batch(&[1]).schema()).unwrap();
        staged.write(&batch(&[4, 5])).unwrap();
        let v2 = store.commit(staged, &provenance("b.csv")).unwrap();
        assert_eq!((v1.version_no, v1.row_count), (1, 3));
        assert_eq!((v2.version_id.as_str(), v2.row_count), ("talent@v2", 2));
        assert_eq!(store.current("talent").unwrap().unwrap().version_no, 2);
        assert!(!store.version("talent", 1).unwrap().is_current);
        assert_eq!(sha256_file(&store.path_of(&v2)).unwrap().0, v2.sha256);
        let read_back = store.read(&v1).unwrap();
        assert_eq!(read_back.iter().map(|b| b.num_rows()).sum::<usize>(), 3);
        assert!(store.verify().unwrap().is_empty());
    }

    #[test]
    fn dropping_a_staged_version_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut staged = store.stage("talent", batch(&[1]).schema()).unwrap();
        staged.write(&batch(&[1])).unwrap();
        drop(staged);
        assert_eq!(fs::read_dir(dir.path().join("staging")).unwrap().count(), 0);
        assert!(store.current("talent").unwrap().is_none());
    }

    #[test]
    fn reopening_removes_staging_leftovers_and_unrecorded_files() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).unwrap());
        fs::write(dir.path().join("staging/x.parquet.tmp"), b"partial").unwrap();
        fs::create_dir_all(dir.path().join("datasets/talent")).unwrap();
        fs::write(
            dir.path().join("datasets/talent/v00001-deadbeef.parquet"),
            b"renamed, never recorded",
        )
        .unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(fs::read_dir(dir.path().join("staging")).unwrap().count(), 0);
        assert_eq!(fs::read_dir(dir.path().join("datasets/talent")).unwrap().count(), 0);
        assert!(store.current_versions().unwrap().is_empty());
    }

    #[test]
    fn verify_reports_a_tampered_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let mut staged = store.stage("talent", batch(&[1]).schema()).unwrap();
        staged.write(&batch(&[1])).unwrap();
        let v1 = store.commit(staged, &provenance("a.csv")).unwrap();
        fs::write(store.path_of(&v1), b"tampered").unwrap();
        let problems = store.verify().unwrap();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("talent@v1: datasets/talent/v00001-"), "{}", problems[0]);
    }

    #[test]
    fn a_version_without_its_file_is_never_published_and_repair_sets_it_aside() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let mut versions = Vec::new();
        for (rows, pending) in [(&[1, 2][..], false), (&[3][..], false), (&[4, 5, 6][..], true)] {
            let mut staged = store.stage("talent", batch(&[1]).schema()).unwrap();
            staged.write(&batch(rows)).unwrap();
            let prov = provenance("a.csv");
            versions.push(if pending {
                store.commit_pending(staged, &prov).unwrap()
            } else {
                store.commit(staged, &prov).unwrap()
            });
        }
        // What a writer without the lock could leave: v2 (current) and v3 (pending)
        // recorded, their files gone.
        fs::remove_file(store.path_of(&versions[1])).unwrap();
        fs::remove_file(store.path_of(&versions[2])).unwrap();
        assert_eq!(store.verify().unwrap().len(), 2);
        let refused = store
            .review("talent", 3, Decision::Publish, "reviewer", "", "2026-12-02T10:00:00Z")
            .unwrap();
        assert!(matches!(refused, Err(ReviewRefusal::BadFile(..))), "{refused:?}");
        assert_eq!(store.current("talent").unwrap().unwrap().version_no, 2);

        let changes = store.repair("2026-12-02T10:01:00Z", "cli:admin").unwrap();
        assert_eq!(changes.len(), 3, "{changes:?}");
        assert!(changes[2].contains("current version is now talent@v1"), "{changes:?}");
        assert_eq!(store.current("talent").unwrap().unwrap().version_no, 1);
        assert!(store.verify().unwrap().is_empty());
        let lost: Vec<i64> = store.lost_versions().unwrap().iter().map(|v| v.version_no).collect();
        assert_eq!(lost, vec![2, 3]);
        assert_eq!(store.version("talent", 3).unwrap().status, VersionStatus::Rejected);
        // Nothing left to repair.
        assert!(store.repair("2026-12-02T10:02:00Z", "cli:admin").unwrap().is_empty());
    }

    #[test]
    fn a_reader_cannot_write_and_recovery_spares_files_a_live_writer_holds() {
        let dir = tempfile::tempdir().unwrap();
        // A data directory that does not exist yet is created for a reader too.
        let fresh = dir.path().join("not/yet");
        assert!(Store::open_reader(&fresh).unwrap().current_versions().unwrap().is_empty());
        drop(Store::open(dir.path()).unwrap());
        let reader = Store::open_reader(dir.path()).unwrap();
        assert!(matches!(reader.stage("talent", batch(&[1]).schema()), Err(Error::NotWriter(_))));
        // An upload being received (held) and one left by a dead process.
        let live = dir.path().join("staging/upload-live.csv");
        let held = create_owned(&live).unwrap();
        fs::write(dir.path().join("staging/upload-dead.csv"), b"left behind").unwrap();
        drop(Store::open(dir.path()).unwrap());
        assert!(live.exists(), "a live upload was removed");
        assert!(!dir.path().join("staging/upload-dead.csv").exists());
        drop(held);
    }

    #[test]
    fn dataset_names_cannot_escape_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert!(matches!(
            store.stage("../etc", batch(&[1]).schema()),
            Err(Error::BadDatasetName(_))
        ));
    }
}
