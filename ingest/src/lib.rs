//! Ingestion: a submitted file -> validated Arrow record batches -> a new immutable
//! version in the store, or a report of every problem and no change at all.
//!
//! **Boundary:** the only crate that reads external data files. **Invariant:** a
//! version is stored only when the whole file meets its contract.

pub mod connector;
pub mod report;
pub mod source;
pub mod validate;
pub mod values;

use std::collections::{BTreeSet, VecDeque};
use std::path::Path;
use std::sync::mpsc;

/// The batches an [`Observer`] is shown.
pub use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{Array, BooleanArray};
use arrow_schema::DataType;
use md2030_model::reference::reference_table;
use md2030_model::{Contract, Issue, Rule};
use md2030_store::{Provenance, Store, VersionRecord};

use crate::report::Report;
use crate::source::csv::CsvSource;
use crate::source::geo::GeoSource;
use crate::source::json::JsonSource;
use crate::source::parquet::ParquetSource;
use crate::source::xlsx::{XlsxSource, read_sheets};
use crate::source::{Format, RowBuf, RowSource, detect_format};
use crate::validate::{DatasetKeys, Validator, ValidatorConfig};

/// Fatal failures: the store or the machine, not the submitted data (that is a
/// [`Report`] with errors).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] md2030_store::Error),
    #[error("reading {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("writer thread failed: {0}")]
    Writer(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How far an ingest has got, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub bytes_read: u64,
    pub total_bytes: u64,
    pub rows: u64,
}

/// What to do with a file that passes.
#[derive(Debug, Clone)]
pub struct IngestConfig {
    /// Who submits (a user name, or `system`).
    pub ingested_by: String,
    /// RFC 3339 UTC time recorded as the ingest time.
    pub ingested_at: String,
    /// The file is md2030's own sample data.
    pub synthetic: bool,
    /// Sheet of a workbook; `None` picks the sheet whose header fits the contract.
    pub sheet: Option<String>,
    /// The file name recorded and shown in reports (defaults to the path's name).
    pub display_name: Option<String>,
    /// The period an inventory file describes (`2025-Q4`), recorded in the provenance.
    pub reference_period: Option<String>,
}

/// The result of an ingest or a validation.
#[derive(Debug)]
pub enum Outcome {
    /// The file breaks the contract; nothing was stored.
    Rejected(Box<Report>),
    /// The file passes (validation only, or a dry run): what a commit would do.
    Valid { report: Box<Report>, plan: MergePlan },
    /// Stored as a new current version.
    Accepted { report: Box<Report>, version: Box<VersionRecord> },
}

impl Outcome {
    pub fn report(&self) -> &Report {
        match self {
            Outcome::Rejected(report)
            | Outcome::Valid { report, .. }
            | Outcome::Accepted { report, .. } => report,
        }
    }
}

/// Sees the rows of a file as they are stored, so that what is computed from them
/// (the transaction aggregates) need not be read back from the stored version.
/// Batches come in file order, on a thread of their own; the text fields named by
/// [`Observer::dictionaries`] come as `Dictionary(Int32, Utf8)` whose keys keep
/// their value for the whole file. Only the file's own rows are seen: rows a
/// partitioned dataset keeps from its parent version are not (the version's
/// provenance counts them, `rows_kept_from_parent`). When the file is refused what
/// was seen is to be thrown away.
pub trait Observer: Send {
    /// Text fields wanted as dictionaries.
    fn dictionaries(&self) -> Vec<String>;
    /// One batch of validated rows.
    fn observe(&mut self, batch: &RecordBatch);
    /// A call to [`Observer::observe`] panicked: no more batches come, and what
    /// was seen is incomplete (the ingest itself goes on).
    fn lost(&mut self);
}

/// How the new version relates to the current one.
#[derive(Debug, Clone, Default)]
pub struct MergePlan {
    pub parent_version_no: Option<i64>,
    /// Partition values the file replaces or adds (empty: the file replaces all).
    pub partitions: Vec<String>,
}

/// Validates `path` against `contract` without storing anything.
pub fn validate_file(
    store: &Store,
    contract: &Contract,
    path: &Path,
    config: &IngestConfig,
    progress: &mut dyn FnMut(Progress),
) -> Result<Outcome> {
    Ok(run(store, contract, path, config, progress, None, None)?.0)
}

/// Validates `path` and, if it meets the contract, stores it as the dataset's new
/// current version. Datasets with a partition key keep the current version's rows
/// of the partitions the file does not contain.
pub fn ingest_file(
    store: &mut Store,
    contract: &Contract,
    path: &Path,
    config: &IngestConfig,
    progress: &mut dyn FnMut(Progress),
) -> Result<Outcome> {
    store_file(store, contract, path, config, progress, false, None)
}

/// [`ingest_file`], with `observer` shown every batch of the file's rows as they
/// are stored.
pub fn ingest_file_observed(
    store: &mut Store,
    contract: &Contract,
    path: &Path,
    config: &IngestConfig,
    progress: &mut dyn FnMut(Progress),
    observer: &mut dyn Observer,
) -> Result<Outcome> {
    store_file(store, contract, path, config, progress, false, Some(observer))
}

/// [`ingest_file`] for a submission that needs a second person's sign-off: the
/// version is stored `pending` and does not become current (see
/// [`Store::review`](md2030_store::Store::review)).
pub fn submit_file(
    store: &mut Store,
    contract: &Contract,
    path: &Path,
    config: &IngestConfig,
    progress: &mut dyn FnMut(Progress),
) -> Result<Outcome> {
    store_file(store, contract, path, config, progress, true, None)
}

fn store_file(
    store: &mut Store,
    contract: &Contract,
    path: &Path,
    config: &IngestConfig,
    progress: &mut dyn FnMut(Progress),
    pending: bool,
    observer: Option<&mut dyn Observer>,
) -> Result<Outcome> {
    let staged = store.stage(&contract.name, validate::arrow_schema(contract))?;
    let (outcome, to_commit) =
        run(store, contract, path, config, progress, Some(staged), observer)?;
    match (outcome, to_commit) {
        (Outcome::Valid { report, .. }, Some((staged, provenance))) => {
            let version = if pending {
                store.commit_pending(staged, &provenance)?
            } else {
                store.commit(staged, &provenance)?
            };
            Ok(Outcome::Accepted { report, version: Box::new(version) })
        }
        (outcome, _) => Ok(outcome),
    }
}

type ToCommit = Option<(md2030_store::StagedVersion, Provenance)>;

fn rejected(mut report: Report, issue: Issue) -> Result<(Outcome, ToCommit)> {
    report.add(issue);
    report.finish();
    Ok((Outcome::Rejected(Box::new(report)), None))
}

/// Reads, validates and (when `staged`) writes one file on five threads.
///
/// Hot loop: the loop over chunks and rows below runs once per row (10 million
/// times for the benchmark file) and stays here with the thread set-up it shares;
/// issue 15 names it, with `Validator::push_cell`, as an exception to the
/// 120-line rule.
fn run(
    store: &Store,
    contract: &Contract,
    path: &Path,
    config: &IngestConfig,
    progress: &mut dyn FnMut(Progress),
    staged: Option<md2030_store::StagedVersion>,
    observer: Option<&mut dyn Observer>,
) -> Result<(Outcome, ToCommit)> {
    let file_name = config.display_name.clone().unwrap_or_else(|| {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string())
    });
    let report = Report::new(&file_name, &contract.name, &contract.contract_version);
    let total_bytes = match std::fs::metadata(path) {
        Ok(metadata) if metadata.is_file() => metadata.len(),
        Ok(_) => {
            return rejected(
                report,
                Issue::error(Rule::Unreadable).expecting("not a regular file"),
            );
        }
        Err(err) => {
            return rejected(report, Issue::error(Rule::Unreadable).expecting(err.to_string()));
        }
    };

    std::thread::scope(|scope| {
        let mut report = report;
        let (mut source, format) = match open_source(path, contract, config.sheet.as_deref()) {
            Ok(opened) => opened,
            Err(issue) => return rejected(report, issue),
        };
        // The source's SHA-256: hashed by the reader as it reads (CSV), else read
        // again on a thread of its own.
        let digest = source.digest();
        let hasher = digest.is_none().then(|| scope.spawn(|| md2030_store::sha256_file(path)));
        report.source_description = source.describe();
        let (header, buffered) = match find_header(source.as_mut(), contract) {
            Ok(found) => found,
            Err(issue) => return rejected(report, issue),
        };
        report.header_row = Some(header.line);
        let mut connector = match connector::connector_for(contract, &header, &file_name) {
            Ok(connector) => connector,
            Err(issue) => return rejected(report, issue),
        };
        let source_width = header.len();
        // Spreadsheet cells are located by column letter; a report names the field.
        let name_column = {
            let header = header.clone();
            move |mut issue: Issue| {
                if let Some(letters) = issue.column.as_deref()
                    && let Some(idx) = crate::source::xlsx::column_index(letters)
                    && let Some(field) = contract.field_for_heading(header.cell(idx))
                {
                    issue.column = Some(format!("{} ({letters})", contract.fields[field].name));
                }
                issue
            }
        };
        let effective_header = connector.as_ref().map(|c| c.header().clone()).unwrap_or(header);
        let keys = dataset_keys(store, contract)?;
        let validator_config = ValidatorConfig {
            comma_hint: source.decimal_comma_hint(),
            batch_rows: md2030_store::ROW_GROUP_ROWS,
            today: config.ingested_at.get(..10).and_then(|d| d.parse().ok()),
        };
        let mut validator =
            Validator::new(contract, &effective_header, keys, &validator_config, report);
        // The observer reads on its own thread, beside the Parquet writer.
        let observer = observer.filter(|_| staged.is_some()).map(|observer| {
            validator.observe_as_dictionaries(&observer.dictionaries());
            let (sender, receiver) = mpsc::sync_channel::<RecordBatch>(4);
            scope.spawn(move || {
                for batch in receiver.iter() {
                    let observed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        observer.observe(&batch)
                    }));
                    if observed.is_err() {
                        observer.lost();
                        // The rest is received and dropped: the validator never waits.
                        receiver.iter().for_each(drop);
                        break;
                    }
                }
            });
            sender
        });

        // Room for a few batches (128 Ki rows each) and a few dozen chunks (4 Ki
        // rows): with fewer, a burst of Parquet encoding stalled the validator and
        // the reader while one core sat idle (whole ingest 0.95 of the time).
        let (sender, receiver) = mpsc::sync_channel::<RecordBatch>(4);
        let writer = staged.map(|mut staged| {
            scope.spawn(move || -> Result<md2030_store::StagedVersion> {
                for batch in receiver {
                    staged.write(&batch)?;
                }
                Ok(staged)
            })
        });
        let has_writer = writer.is_some();
        // Owns both senders: dropping it ends the writer's and the observer's input.
        let send = move |batch: RecordBatch, validator: &mut Validator| {
            if has_writer {
                // A send fails only if the writer stopped on an error, reported on join.
                let _ = sender.send(batch);
            }
            if let (Some(observer), Some(observed)) = (&observer, validator.take_observed()) {
                let _ = observer.send(observed);
            }
        };

        // A reader thread parses rows into chunks while this thread validates them;
        // emptied chunks go back to the reader to be refilled without allocating.
        let (chunk_sender, chunk_receiver) = mpsc::sync_channel::<Chunk>(32);
        let (recycle_sender, recycle_receiver) = mpsc::channel::<Vec<RowBuf>>();
        for _ in 0..34 {
            let _ = recycle_sender.send(Vec::new());
        }
        let mut source = source;
        scope.spawn(move || {
            read_chunks(source.as_mut(), buffered, &chunk_sender, &recycle_receiver)
        });
        let mut rewritten: Vec<RowBuf> = Vec::new();
        let mut source_issues: Vec<Issue> = Vec::new();
        let mut rows_seen: u64 = 0;
        let mut next_progress: u64 = 65_536;
        for chunk in chunk_receiver {
            let rows = chunk.rows;
            let mut issues = chunk.issues.into_iter().peekable();
            for row in rows.iter().take(chunk.filled) {
                while let Some((line, _)) = issues.peek()
                    && *line <= row.line
                {
                    if let Some((_, issue)) = issues.next() {
                        validator.report.add(name_column(issue));
                    }
                }
                match connector.as_mut() {
                    Some(connector) => {
                        // A value beyond the publisher's header (an unquoted comma
                        // shifted the row) would be read into the wrong columns.
                        if let Some(extra) = (source_width..row.len()).find(|&idx| {
                            !md2030_model::normalize::trim_cell(row.cell(idx)).is_empty()
                        }) {
                            validator.report.add(
                                Issue::error(Rule::RaggedRow)
                                    .at_row(row.line)
                                    .with_value(row.cell(extra))
                                    .expecting(format!(
                                        "{} cells, the header has {}",
                                        row.len(),
                                        source_width
                                    )),
                            );
                            continue;
                        }
                        rewritten.clear();
                        connector.transform(row, &mut rewritten, &mut source_issues);
                        for out in &rewritten {
                            if let Some(batch) = validator.push_row(out) {
                                send(batch, &mut validator);
                            }
                        }
                        for issue in source_issues.drain(..) {
                            validator.report.add(issue);
                        }
                    }
                    None => {
                        if let Some(batch) = validator.push_row(row) {
                            send(batch, &mut validator);
                        }
                    }
                }
            }
            for (_, issue) in issues {
                validator.report.add(name_column(issue));
            }
            rows_seen += chunk.filled as u64;
            if rows_seen >= next_progress {
                next_progress = rows_seen + 65_536;
                progress(Progress { bytes_read: chunk.bytes_read, total_bytes, rows: rows_seen });
            }
            let _ = recycle_sender.send(rows);
        }
        if let Some(batch) = validator.finish() {
            send(batch, &mut validator);
        }
        drop(send);
        progress(Progress { bytes_read: total_bytes, total_bytes, rows: rows_seen });
        let partitions = validator.partitions().clone();
        let mut report = std::mem::take(&mut validator.report);
        let staged = match writer {
            Some(handle) => Some(
                handle
                    .join()
                    .map_err(|_| Error::Writer("the Parquet writer panicked".into()))??,
            ),
            None => None,
        };
        let (source_sha256, source_bytes) = match (hasher, digest) {
            (Some(hasher), _) => {
                hasher.join().map_err(|_| Error::Writer("the hashing thread panicked".into()))??
            }
            // A reader that stopped before the end of the file left no digest.
            (None, digest) => match digest.as_ref().and_then(|d| d.get()) {
                Some(digest) => digest.clone(),
                None => md2030_store::sha256_file(path)?,
            },
        };
        if !report.accepted() {
            return Ok((Outcome::Rejected(Box::new(report)), None));
        }
        let parent = store.current(&contract.name)?;
        let plan = MergePlan {
            parent_version_no: parent.as_ref().map(|p| p.version_no),
            partitions: partitions.iter().cloned().collect(),
        };
        let Some(mut staged) = staged else {
            return Ok((Outcome::Valid { report: Box::new(report), plan }, None));
        };
        let (kept, replaced) = match (&parent, contract.partition_key.is_empty()) {
            (Some(parent), false) => {
                carry_over_partitions(store, contract, parent, &partitions, &mut staged)?
            }
            (Some(parent), true) => (0, parent.row_count),
            (None, _) => (0, 0),
        };
        report.finish();
        let provenance = Provenance {
            contract_version: contract.contract_version.clone(),
            source_file_name: file_name.clone(),
            source_sha256,
            source_bytes,
            source_format: format.as_str().to_string(),
            ingested_by: config.ingested_by.clone(),
            ingested_at: config.ingested_at.clone(),
            synthetic: config.synthetic,
            validation: report.summary_json(),
            parent_version_no: plan.parent_version_no,
            rows_from_file: report.data_rows,
            rows_kept_from_parent: kept,
            rows_replaced: replaced,
            reference_period: config.reference_period.clone(),
        };
        Ok((Outcome::Valid { report: Box::new(report), plan }, Some((staged, provenance))))
    })
}

/// Rows read by the reader thread, with the problems met while reading them
/// (each with the row it belongs to, so reports keep file order).
struct Chunk {
    rows: Vec<RowBuf>,
    filled: usize,
    issues: Vec<(u64, Issue)>,
    bytes_read: u64,
}

const CHUNK_ROWS: usize = 4096;

/// Reads the rest of the file into chunks of [`CHUNK_ROWS`] rows. A fatal read
/// problem ends the file: it goes out as the last issue.
fn read_chunks(
    source: &mut dyn RowSource,
    mut buffered: VecDeque<RowBuf>,
    chunks: &mpsc::SyncSender<Chunk>,
    recycled: &mpsc::Receiver<Vec<RowBuf>>,
) {
    let mut finished = false;
    while !finished {
        let Ok(mut rows) = recycled.recv() else {
            return;
        };
        let mut filled = 0;
        let mut issues = Vec::new();
        while filled < CHUNK_ROWS {
            if filled == rows.len() {
                rows.push(RowBuf::default());
            }
            let more = match buffered.pop_front() {
                Some(row) => {
                    rows[filled] = row;
                    true
                }
                None => match source.next_row(&mut rows[filled]) {
                    Ok(more) => more,
                    Err(issue) => {
                        issues.push((u64::MAX, issue));
                        false
                    }
                },
            };
            if !more {
                finished = true;
                break;
            }
            let line = rows[filled].line;
            issues.extend(source.take_issues().into_iter().map(|issue| (line, issue)));
            filled += 1;
        }
        let chunk = Chunk { rows, filled, issues, bytes_read: source.bytes_read() };
        if chunks.send(chunk).is_err() {
            return;
        }
    }
}

/// Opens the right reader for the file; for workbooks, picks the sheet.
fn open_source(
    path: &Path,
    contract: &Contract,
    sheet: Option<&str>,
) -> Result<(Box<dyn RowSource + Send>, Format), Issue> {
    let mut head = [0u8; 8];
    let head_len = {
        use std::io::Read;
        let mut file = std::fs::File::open(path)
            .map_err(|err| Issue::error(Rule::Unreadable).expecting(err.to_string()))?;
        let mut filled = 0;
        while filled < head.len() {
            match file.read(&mut head[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(err) => return Err(Issue::error(Rule::Unreadable).expecting(err.to_string())),
            }
        }
        filled
    };
    let file_bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let format = detect_format(path, &head[..head_len])?;
    let source: Box<dyn RowSource + Send> = match format {
        // Boundary files are GeoJSON or TopoJSON whatever their extension.
        Format::Json | Format::Csv if contract.name == md2030_model::BOUNDARIES => {
            Box::new(GeoSource::open(path)?)
        }
        Format::Csv => Box::new(CsvSource::open(path)?),
        Format::Json => Box::new(JsonSource::open(path)?),
        Format::Parquet => Box::new(ParquetSource::open(path)?),
        Format::Xlsx => {
            let mut sheets = read_sheets(path)?;
            if sheets.is_empty() {
                return Err(
                    Issue::error(Rule::MalformedSpreadsheet).expecting("the workbook has no sheet")
                );
            }
            let names =
                || sheets.iter().map(|sheet| sheet.name.clone()).collect::<Vec<_>>().join(", ");
            let chosen = match sheet {
                Some(wanted) => {
                    let folded = md2030_model::normalize::fold(wanted);
                    sheets
                        .iter()
                        .position(|sheet| sheet.name == wanted)
                        .or_else(|| {
                            sheets.iter().position(|sheet| {
                                md2030_model::normalize::fold(&sheet.name) == folded
                            })
                        })
                        .ok_or_else(|| {
                            Issue::error(Rule::SheetNotFound).with_value(wanted).expecting(names())
                        })?
                }
                None => {
                    let scores: Vec<usize> = sheets
                        .iter()
                        .map(|sheet| {
                            XlsxSource::preview(sheet, HEADER_SEARCH_ROWS)
                                .iter()
                                .map(|cells| {
                                    header_score(contract, cells.iter().map(String::as_str))
                                })
                                .max()
                                .unwrap_or(0)
                        })
                        .collect();
                    let best = scores.iter().copied().max().unwrap_or(0);
                    scores.iter().position(|&score| score == best).unwrap_or(0)
                }
            };
            Box::new(XlsxSource::new(sheets.swap_remove(chosen), file_bytes))
        }
    };
    Ok((source, format))
}

/// Rows searched for the header: title rows and preambles sit above it.
const HEADER_SEARCH_ROWS: usize = 30;

/// How many distinct contract fields the cells name.
fn header_score<'a>(contract: &Contract, cells: impl Iterator<Item = &'a str>) -> usize {
    let mut fields = BTreeSet::new();
    for cell in cells {
        if let Some(idx) = contract.field_for_heading(cell) {
            fields.insert(idx);
        }
    }
    fields.len()
}

/// Finds the header among the first rows: the first row naming the most contract
/// fields (at least two, or one for a one-field contract). Returns it and the rows
/// read after it, to be validated.
fn find_header(
    source: &mut dyn RowSource,
    contract: &Contract,
) -> Result<(RowBuf, VecDeque<RowBuf>), Issue> {
    let mut rows: Vec<RowBuf> = Vec::new();
    let mut row = RowBuf::default();
    while rows.len() < HEADER_SEARCH_ROWS && source.next_row(&mut row)? {
        if !row.is_blank() {
            rows.push(row.clone());
        }
    }
    if rows.is_empty() {
        return Err(Issue::error(Rule::EmptyFile));
    }
    let needed = contract.fields.len().min(2);
    let mut best: Option<(usize, usize)> = None;
    for (idx, candidate) in rows.iter().enumerate() {
        let score = header_score(contract, candidate.cells());
        if score >= needed && best.is_none_or(|(_, best_score)| score > best_score) {
            best = Some((idx, score));
        }
    }
    let Some((header_idx, _)) = best else {
        let expected: Vec<&str> =
            contract.fields.iter().filter(|f| f.required).map(|f| f.name.as_str()).collect();
        return Err(Issue::error(Rule::NoHeader)
            .at_row(rows[0].line)
            .expecting(expected.join(", ")));
    };
    let mut rest: VecDeque<RowBuf> = rows.drain(header_idx..).collect();
    let header = rest.pop_front().expect("the header index is within the rows read");
    Ok((header, rest))
}

/// The values of other datasets' keys that the contract's foreign keys point to.
fn dataset_keys(store: &Store, contract: &Contract) -> Result<DatasetKeys> {
    let mut keys = DatasetKeys::default();
    for fk in &contract.foreign_keys {
        if reference_table(&fk.resource).is_some() {
            continue;
        }
        let Some(record) = store.current(&fk.resource)? else {
            continue;
        };
        let mut values = rustc_hash::FxHashSet::default();
        for batch in store.reader(&record)? {
            let batch = batch.map_err(|err| md2030_store::Error::Parquet {
                path: store.path_of(&record),
                source: err.into(),
            })?;
            if let Some(column) = batch.column_by_name(&fk.resource_field) {
                for idx in 0..column.len() {
                    if let Some(text) = cell_text(column.as_ref(), idx) {
                        values.insert(text);
                    }
                }
            }
        }
        keys.values.insert((fk.resource.clone(), fk.resource_field.clone()), values);
    }
    Ok(keys)
}

/// The canonical text of a stored cell, as the validator writes keys.
fn cell_text(array: &dyn Array, idx: usize) -> Option<String> {
    if array.is_null(idx) {
        return None;
    }
    match array.data_type() {
        DataType::Utf8 => Some(array.as_string::<i32>().value(idx).to_string()),
        DataType::Int32 => Some(array.as_primitive::<Int32Type>().value(idx).to_string()),
        DataType::Int64 => Some(array.as_primitive::<Int64Type>().value(idx).to_string()),
        _ => None,
    }
}

/// Copies the parent version's rows whose partition the new file does not hold.
/// Returns (rows kept, rows replaced).
fn carry_over_partitions(
    store: &Store,
    contract: &Contract,
    parent: &VersionRecord,
    new_partitions: &BTreeSet<String>,
    staged: &mut md2030_store::StagedVersion,
) -> Result<(u64, u64)> {
    let (mut kept, mut replaced) = (0u64, 0u64);
    let schema = validate::arrow_schema(contract);
    for batch in store.reader(parent)? {
        let batch = batch.map_err(|err| md2030_store::Error::Parquet {
            path: store.path_of(parent),
            source: err.into(),
        })?;
        let columns: Vec<_> = contract
            .partition_key
            .iter()
            .filter_map(|name| batch.column_by_name(name).cloned())
            .collect();
        let mut key = String::new();
        let mask: BooleanArray = (0..batch.num_rows())
            .map(|row| {
                key.clear();
                for (idx, column) in columns.iter().enumerate() {
                    if idx > 0 {
                        key.push('\u{1f}');
                    }
                    key.push_str(&cell_text(column.as_ref(), row).unwrap_or_default());
                }
                Some(!new_partitions.contains(&key))
            })
            .collect();
        let filtered = arrow_select::filter::filter_record_batch(&batch, &mask).map_err(|err| {
            md2030_store::Error::Parquet { path: store.path_of(parent), source: err.into() }
        })?;
        kept += filtered.num_rows() as u64;
        replaced += (batch.num_rows() - filtered.num_rows()) as u64;
        if filtered.num_rows() > 0 {
            // Same contract version, same schema: re-attach the contract's schema so
            // field metadata matches the new file's batches.
            let aligned = RecordBatch::try_new(schema.clone(), filtered.columns().to_vec())
                .map_err(|err| md2030_store::Error::Parquet {
                    path: store.path_of(parent),
                    source: err.into(),
                })?;
            staged.write(&aligned)?;
        }
    }
    Ok((kept, replaced))
}
