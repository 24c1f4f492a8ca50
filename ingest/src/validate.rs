//! Checks rows of text against a contract and builds the Arrow arrays of the
//! accepted data. Every problem is collected; nothing stops at the first.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, mpsc};

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int32Builder, Int64Builder, StringBuilder,
};
use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, DictionaryArray, Int32Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field as ArrowField, Schema, SchemaRef};
use md2030_model::contract::{CompareOp, Contract, Field, FieldType};
use md2030_model::normalize::{fold, trim_cell};
use md2030_model::period::{format_month, format_quarter, parse_month, parse_quarter};
use md2030_model::reference::{ReferenceTable, reference_table};
use md2030_model::{Issue, Rule, Severity};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::report::Report;
use crate::source::RowBuf;
use crate::values::{DecimalMark, date32, parse_date, parse_integer, parse_number};

/// Values of other datasets' keys that this contract's foreign keys point to,
/// read from their current versions: `(dataset, field) -> values`.
#[derive(Debug, Default)]
pub struct DatasetKeys {
    pub values: HashMap<(String, String), FxHashSet<String>>,
}

/// The Arrow schema of a contract's stored data.
pub fn arrow_schema(contract: &Contract) -> SchemaRef {
    let fields: Vec<ArrowField> = contract
        .fields
        .iter()
        .map(|field| {
            let dtype = match field.field_type {
                FieldType::String | FieldType::Yearmonth | FieldType::Quarter => DataType::Utf8,
                FieldType::Integer => DataType::Int64,
                FieldType::Number => DataType::Float64,
                FieldType::Boolean => DataType::Boolean,
                FieldType::Date => DataType::Date32,
                FieldType::Year => DataType::Int32,
            };
            let metadata =
                HashMap::from([("md2030:type".to_string(), field.field_type.as_str().to_string())]);
            ArrowField::new(&field.name, dtype, !field.required).with_metadata(metadata)
        })
        .collect();
    let metadata = HashMap::from([
        ("md2030:dataset".to_string(), contract.name.clone()),
        ("md2030:contract_version".to_string(), contract.contract_version.clone()),
    ]);
    Arc::new(Schema::new_with_metadata(fields, metadata))
}

enum ColumnBuilder {
    Str(StringBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Date(Date32Builder),
    Year(Int32Builder),
}

impl ColumnBuilder {
    fn new(field_type: FieldType, capacity: usize) -> ColumnBuilder {
        match field_type {
            FieldType::String | FieldType::Yearmonth | FieldType::Quarter => {
                ColumnBuilder::Str(StringBuilder::with_capacity(capacity, capacity * 8))
            }
            FieldType::Integer => ColumnBuilder::Int(Int64Builder::with_capacity(capacity)),
            FieldType::Number => ColumnBuilder::Float(Float64Builder::with_capacity(capacity)),
            FieldType::Boolean => ColumnBuilder::Bool(BooleanBuilder::with_capacity(capacity)),
            FieldType::Date => ColumnBuilder::Date(Date32Builder::with_capacity(capacity)),
            FieldType::Year => ColumnBuilder::Year(Int32Builder::with_capacity(capacity)),
        }
    }

    fn append_null(&mut self) {
        match self {
            ColumnBuilder::Str(b) => b.append_null(),
            ColumnBuilder::Int(b) => b.append_null(),
            ColumnBuilder::Float(b) => b.append_null(),
            ColumnBuilder::Bool(b) => b.append_null(),
            ColumnBuilder::Date(b) => b.append_null(),
            ColumnBuilder::Year(b) => b.append_null(),
        }
    }

    /// The column so far; the builder starts again at `capacity` rows (arrow's
    /// `finish` leaves it with none, so every later batch would grow by doubling).
    fn finish(&mut self, capacity: usize) -> ArrayRef {
        match self {
            ColumnBuilder::Str(b) => {
                let array = b.finish();
                // As many text bytes again as the batch just finished held.
                let bytes = array.values().len().max(capacity * 8);
                *b = StringBuilder::with_capacity(capacity, bytes + bytes / 8);
                Arc::new(array)
            }
            ColumnBuilder::Int(b) => {
                Arc::new(std::mem::replace(b, Int64Builder::with_capacity(capacity)).finish())
            }
            ColumnBuilder::Float(b) => {
                Arc::new(std::mem::replace(b, Float64Builder::with_capacity(capacity)).finish())
            }
            ColumnBuilder::Bool(b) => {
                Arc::new(std::mem::replace(b, BooleanBuilder::with_capacity(capacity)).finish())
            }
            ColumnBuilder::Date(b) => {
                Arc::new(std::mem::replace(b, Date32Builder::with_capacity(capacity)).finish())
            }
            ColumnBuilder::Year(b) => {
                Arc::new(std::mem::replace(b, Int32Builder::with_capacity(capacity)).finish())
            }
        }
    }
}

/// Where a field's values are checked for membership.
enum Lookup {
    None,
    Reference(&'static ReferenceTable),
    Dataset(FxHashSet<String>),
    /// The referenced dataset has no stored version: reported once, at the header.
    Missing,
}

/// Detects duplicate keys exactly. Each key part arrives as a small integer (the
/// validator interns values). Keys are sharded by their first part (usually the
/// period): files come grouped by period, so the shard in use stays small and hot in
/// cache.
///
/// When every other part has a known, small set of values (an enumeration, a
/// reference table, the codes of another dataset), a shard is a dense table of
/// first rows, indexed by the parts in mixed radix: four bytes per possible key,
/// one array access per row, no hashing. Otherwise the parts are packed into a u64
/// (a u128 once some part has too many distinct values for its share of 64 bits)
/// in a hash map.
struct KeyIndex {
    parts: usize,
    shards: Vec<KeyShard>,
    /// The number of possible values of each part after the first, when all are
    /// known and the dense table of a shard stays under [`DENSE_SHARD_SLOTS`].
    radix: Option<Vec<u64>>,
    /// Dense slots the shards may still allocate (see [`DENSE_TOTAL_SLOTS`]).
    dense_budget: u64,
}

/// The largest dense table of one shard (16 MB of first rows).
const DENSE_SHARD_SLOTS: u64 = 1 << 22;
/// The dense tables of all shards together (256 MB of address space at most, of
/// which only the pages holding keys are ever touched); further shards hash.
const DENSE_TOTAL_SLOTS: u64 = 1 << 26;

#[derive(Default)]
struct KeyShard {
    narrow: FxHashMap<u64, u64>,
    wide: FxHashMap<u128, u64>,
    is_wide: bool,
    /// First row of each key (saturated at `u32::MAX - 1`), plus one; 0 for none.
    dense: Option<Vec<u32>>,
}

impl KeyIndex {
    /// `sizes`: for each part, how many values it can take, when known.
    fn new(parts: usize, sizes: &[Option<usize>]) -> KeyIndex {
        assert!((1..=4).contains(&parts), "contracts have primary keys of 1 to 4 fields");
        let rest = if parts == 1 { sizes } else { sizes.get(1..).unwrap_or(&[]) };
        let radix: Option<Vec<u64>> = (rest.len() == parts.max(2) - 1)
            .then(|| rest.iter().map(|size| size.map(|n| n.max(1) as u64)).collect())
            .flatten();
        let radix = radix.filter(|radix| {
            radix
                .iter()
                .try_fold(1u64, |product, &n| product.checked_mul(n))
                .is_some_and(|slots| slots <= DENSE_SHARD_SLOTS)
        });
        KeyIndex { parts, shards: Vec::new(), radix, dense_budget: DENSE_TOTAL_SLOTS }
    }

    /// Bits per packed part within a shard.
    fn bits(&self, wide: bool) -> u32 {
        let packed = (self.parts - 1).max(1) as u32;
        (if wide { 128 } else { 64 }) / packed
    }

    /// Records the key of row `line`; returns the row that already had it.
    fn insert(&mut self, ids: &[u32], line: u64) -> Option<u64> {
        let (shard_idx, rest) =
            if self.parts == 1 { (0, ids) } else { (ids[0] as usize, &ids[1..]) };
        let (narrow_bits, wide_bits) = (self.bits(false), self.bits(true));
        if shard_idx >= self.shards.len() {
            self.shards.resize_with(shard_idx + 1, KeyShard::default);
        }
        let shard = &mut self.shards[shard_idx];
        if let Some(radix) = &self.radix {
            // Mixed radix; an id beyond its part's size (never for a valid row) hashes.
            let slot = rest.iter().zip(radix).try_fold(0u64, |acc, (&id, &n)| {
                (u64::from(id) < n).then_some(acc * n + u64::from(id))
            });
            if let Some(slot) = slot {
                if shard.dense.is_none() {
                    let slots: u64 = radix.iter().product();
                    if self.dense_budget >= slots {
                        self.dense_budget -= slots;
                        // Zeroed by the allocator: untouched pages cost nothing.
                        shard.dense = Some(vec![0u32; slots as usize]);
                    }
                }
                if let Some(dense) = &mut shard.dense {
                    let first = &mut dense[slot as usize];
                    if *first != 0 {
                        return Some(u64::from(*first) - 1);
                    }
                    *first = u32::try_from(line + 1).unwrap_or(u32::MAX);
                    return None;
                }
            }
        }
        if !shard.is_wide
            && narrow_bits < 32
            && rest.iter().any(|&id| u64::from(id) >= 1u64 << narrow_bits)
        {
            shard.widen(rest.len(), narrow_bits, wide_bits);
        }
        if shard.is_wide {
            let key = rest.iter().fold(0u128, |acc, &id| (acc << wide_bits) | u128::from(id));
            return insert_first(&mut shard.wide, key, line);
        }
        let key = rest.iter().fold(0u64, |acc, &id| {
            if narrow_bits >= 64 { u64::from(id) } else { (acc << narrow_bits) | u64::from(id) }
        });
        insert_first(&mut shard.narrow, key, line)
    }

    #[cfg(test)]
    fn is_wide(&self) -> bool {
        self.shards.iter().any(|s| s.is_wide)
    }
}

impl KeyShard {
    fn widen(&mut self, parts: usize, narrow_bits: u32, wide_bits: u32) {
        let mask = (1u64 << narrow_bits) - 1;
        self.wide.reserve(self.narrow.len());
        for (key, line) in self.narrow.drain() {
            let mut wide_key = 0u128;
            for part in (0..parts).rev() {
                let id = (key >> (narrow_bits * part as u32)) & mask;
                wide_key = (wide_key << wide_bits) | u128::from(id);
            }
            self.wide.insert(wide_key, line);
        }
        self.is_wide = true;
    }
}

/// A duplicate key: the row that repeats it, the row that had it first, its ids.
struct Duplicate {
    line: u64,
    first: u64,
    ids: [u32; 4],
}

/// Runs a [`KeyIndex`] on its own thread, fed with keys in chunks, so that the
/// cache-bound hash inserts overlap the validation of the next rows.
struct KeyChecker {
    sender: mpsc::SyncSender<Vec<(u64, [u32; 4])>>,
    handle: std::thread::JoinHandle<(Vec<Duplicate>, u64)>,
    buffer: Vec<(u64, [u32; 4])>,
}

const KEY_CHUNK: usize = 8192;

impl KeyChecker {
    fn spawn(parts: usize, sizes: Vec<Option<usize>>) -> KeyChecker {
        let (sender, receiver) = mpsc::sync_channel::<Vec<(u64, [u32; 4])>>(8);
        let handle = std::thread::spawn(move || {
            let mut index = KeyIndex::new(parts, &sizes);
            let (mut duplicates, mut total) = (Vec::new(), 0u64);
            for chunk in receiver {
                for (line, ids) in chunk {
                    if let Some(first) = index.insert(&ids[..parts], line) {
                        total += 1;
                        if duplicates.len() < crate::report::DETAIL_LIMIT {
                            duplicates.push(Duplicate { line, first, ids });
                        }
                    }
                }
            }
            (duplicates, total)
        });
        KeyChecker { sender, handle, buffer: Vec::with_capacity(KEY_CHUNK) }
    }

    fn push(&mut self, line: u64, ids: [u32; 4]) {
        self.buffer.push((line, ids));
        if self.buffer.len() == KEY_CHUNK {
            let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(KEY_CHUNK));
            // The thread only stops when the sender is dropped.
            let _ = self.sender.send(chunk);
        }
    }

    /// The first duplicates (up to the report's detail limit) and how many in all.
    fn finish(self) -> (Vec<Duplicate>, u64) {
        let KeyChecker { sender, handle, buffer } = self;
        if !buffer.is_empty() {
            let _ = sender.send(buffer);
        }
        drop(sender);
        handle.join().unwrap_or_else(|_| (Vec::new(), 0))
    }
}

/// Distinct canonical values of one field, numbered in order of appearance, and (for
/// text fields) the raw spellings already checked, so that a value seen before is
/// accepted with one hash lookup instead of being parsed and checked again.
#[derive(Default)]
struct ValueCache {
    by_raw: FxHashMap<Box<str>, u32>,
    by_canonical: FxHashMap<Box<str>, u32>,
    canonical: Vec<Box<str>>,
}

/// The id of a field with no value in the current row (empty, a missing-value
/// marker, or an error).
const NO_ID: u32 = u32::MAX;

/// Raw spellings remembered per field; past this a field (names, free text) is
/// checked every time.
const RAW_CACHE_LIMIT: usize = 1 << 18;

impl ValueCache {
    fn intern(&mut self, canonical: &str) -> u32 {
        if let Some(&id) = self.by_canonical.get(canonical) {
            return id;
        }
        let id = self.canonical.len() as u32;
        self.canonical.push(canonical.into());
        self.by_canonical.insert(canonical.into(), id);
        id
    }

    fn remember(&mut self, raw: &str, id: u32) {
        if self.by_raw.len() < RAW_CACHE_LIMIT {
            self.by_raw.insert(raw.into(), id);
        }
    }
}

fn insert_first<K: std::hash::Hash + Eq>(
    map: &mut FxHashMap<K, u64>,
    key: K,
    line: u64,
) -> Option<u64> {
    match map.entry(key) {
        std::collections::hash_map::Entry::Occupied(entry) => Some(*entry.get()),
        std::collections::hash_map::Entry::Vacant(entry) => {
            entry.insert(line);
            None
        }
    }
}

/// Validates rows against `contract`, building record batches of `batch_rows` rows.
pub struct Validator<'a> {
    contract: &'a Contract,
    schema: SchemaRef,
    /// For each contract field, the source column holding it.
    source_columns: Vec<Option<usize>>,
    header_width: usize,
    lookups: Vec<Lookup>,
    builders: Vec<ColumnBuilder>,
    marks: Vec<DecimalMark>,
    comma_hint: bool,
    /// See [`ValidatorConfig::today`].
    today: Option<chrono::NaiveDate>,
    missing_values: Vec<String>,
    /// First bytes of the missing-value markers: a cell starting otherwise is not one.
    missing_first_bytes: [bool; 256],
    /// Fields whose canonical text is needed (keys, partitions, unique values).
    needs_canonical: Vec<bool>,
    last_partition_ids: Vec<u32>,
    pk_fields: Vec<usize>,
    pk_checker: Option<KeyChecker>,
    /// Per field: its value cache (text fields, and every key or partition field).
    caches: Vec<Option<ValueCache>>,
    /// Per field: the current row's value id in its cache, when it has one.
    ids: Vec<u32>,
    /// Per cached text field: the raw cell of the last row that passed and its id.
    /// Files come sorted more often than not (a period, a procedure repeats for
    /// thousands of rows): the same bytes again skip the cache's hash lookup.
    last_raw: Vec<(String, Option<u32>)>,
    unique_indexes: Vec<(usize, KeyIndex)>,
    partition_fields: Vec<usize>,
    partitions: BTreeSet<String>,
    rule_fields: Vec<(usize, CompareOp, usize)>,
    /// Canonical text of each field in the current row (key and partition parts).
    canonical: Vec<String>,
    numbers: Vec<Option<f64>>,
    partition_buf: String,
    batch_rows: usize,
    rows_in_batch: usize,
    /// Text fields also given as dictionaries of their value ids (see
    /// [`Validator::observe_as_dictionaries`]).
    dictionaries: Vec<DictionaryColumn>,
    /// The last batch in that form, until taken.
    observed: Option<RecordBatch>,
    pub report: Report,
}

/// One text field given as a dictionary: the ids of the batch so far and the
/// field's values as last given (rebuilt only when the field met a new value).
struct DictionaryColumn {
    field: usize,
    /// The value id of each row ([`NO_ID`] for none).
    ids: Vec<u32>,
    values: Option<ArrayRef>,
}

impl std::fmt::Debug for Validator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator").field("dataset", &self.contract.name).finish()
    }
}

/// Settings of one validation run.
#[derive(Debug, Clone)]
pub struct ValidatorConfig {
    /// The file suggests a decimal comma (it is `;`-delimited).
    pub comma_hint: bool,
    pub batch_rows: usize,
    /// The day the file is received: a period or date that starts after it is
    /// refused (`future_period`). None checks nothing.
    pub today: Option<chrono::NaiveDate>,
}

/// Byte equality for short cells without a call to `memcmp`: codes, periods and
/// channel names are a few bytes long.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() <= 16 {
        let mut x = [0u8; 16];
        let mut y = [0u8; 16];
        x[..a.len()].copy_from_slice(a);
        y[..b.len()].copy_from_slice(b);
        return u128::from_ne_bytes(x) == u128::from_ne_bytes(y);
    }
    a == b
}

/// Keeps `raw` as a field's last valid cell, with its value id.
#[inline]
fn remember_last(last: &mut (String, Option<u32>), raw: &str, id: u32) {
    last.0.clear();
    last.0.push_str(raw);
    last.1 = Some(id);
}

/// What a foreign key to a reference table accepts, as the report says it: the
/// table's name and, for a short table, its codes (`regions: 01, 02, …, 12`).
#[cold]
#[inline(never)]
fn allowed_codes(table: &md2030_model::reference::ReferenceTable) -> String {
    const LISTED: usize = 40;
    if table.rows.len() > LISTED {
        return format!("{} ({} codes)", table.name, table.rows.len());
    }
    let codes: Vec<&str> = table.rows.iter().map(|r| r.code.as_str()).collect();
    format!("{}: {}", table.name, codes.join(", "))
}

/// True when the period starting on year-month-day starts after `today` (the day
/// the file is received).
#[inline]
fn is_future(today: Option<chrono::NaiveDate>, year: i32, month: u32, day: u32) -> bool {
    today.is_some_and(|today| {
        use chrono::Datelike;
        (year, month, day) > (today.year(), today.month(), today.day())
    })
}

/// The `future_period` error of one cell: out of the per-cell loop's way.
#[cold]
#[inline(never)]
fn future_issue(field: &Field, line: u64, text: &str, today: Option<chrono::NaiveDate>) -> Issue {
    Issue::error(Rule::FuturePeriod)
        .at_row(line)
        .in_column(field.name.clone())
        .with_value(text)
        .expecting(today.map(|d| d.to_string()).unwrap_or_default())
}

/// The file's column for each field of the contract, by heading or alias;
/// duplicate, unknown and missing columns reported.
fn map_columns(contract: &Contract, header: &RowBuf, report: &mut Report) -> Vec<Option<usize>> {
    let mut source_columns: Vec<Option<usize>> = vec![None; contract.fields.len()];
    for (col_idx, heading) in header.cells().enumerate() {
        let heading = trim_cell(heading);
        if heading.is_empty() {
            continue;
        }
        match contract.field_for_heading(heading) {
            Some(field_idx) => match source_columns[field_idx] {
                Some(previous) => report.add(
                    Issue::error(Rule::DuplicateColumn)
                        .at_row(header.line)
                        .in_column(heading.to_string())
                        .expecting(trim_cell(header.cell(previous)).to_string()),
                ),
                None => {
                    source_columns[field_idx] = Some(col_idx);
                    report
                        .mapping
                        .insert(contract.fields[field_idx].name.clone(), heading.to_string());
                }
            },
            None => report.add(
                Issue::warning(Rule::UnknownColumn)
                    .at_row(header.line)
                    .in_column(heading.to_string()),
            ),
        }
    }
    for (field, column) in contract.fields.iter().zip(&source_columns) {
        if column.is_none() && field.required {
            report.add(
                Issue::error(Rule::MissingColumn)
                    .at_row(header.line)
                    .in_column(field.name.clone())
                    .expecting(
                        field.aliases.iter().take(6).cloned().collect::<Vec<_>>().join(", "),
                    ),
            );
        }
    }
    source_columns
}

/// Where each field's foreign key is checked: a compiled-in reference table, the
/// referenced dataset's current keys, or nowhere (reported when the dataset is
/// missing).
fn lookups(contract: &Contract, keys: &mut DatasetKeys, report: &mut Report) -> Vec<Lookup> {
    let mut lookups = Vec::with_capacity(contract.fields.len());
    for field in &contract.fields {
        let lookup = match contract.foreign_key_for(&field.name) {
            None => Lookup::None,
            Some(fk) => match reference_table(&fk.resource) {
                Some(table) => Lookup::Reference(table),
                None => {
                    match keys.values.remove(&(fk.resource.clone(), fk.resource_field.clone())) {
                        Some(values) => Lookup::Dataset(values),
                        None => {
                            report.add(
                                Issue::error(Rule::ReferenceMissing)
                                    .in_column(field.name.clone())
                                    .expecting(fk.resource.clone()),
                            );
                            Lookup::Missing
                        }
                    }
                }
            },
        };
        lookups.push(lookup);
    }
    lookups
}

impl<'a> Validator<'a> {
    /// Maps the header to the contract's fields. Missing required columns,
    /// duplicate columns and references without data are reported here; unknown
    /// columns are warnings.
    pub fn new(
        contract: &'a Contract,
        header: &RowBuf,
        mut keys: DatasetKeys,
        config: &ValidatorConfig,
        mut report: Report,
    ) -> Validator<'a> {
        let source_columns = map_columns(contract, header, &mut report);
        let lookups = lookups(contract, &mut keys, &mut report);
        let pk_fields: Vec<usize> =
            contract.primary_key.iter().filter_map(|name| contract.field_index(name)).collect();
        let unique_indexes = contract
            .fields
            .iter()
            .enumerate()
            .filter(|(idx, field)| field.unique && pk_fields != [*idx])
            .map(|(idx, field)| (idx, KeyIndex::new(1, &[domain_size(field, &lookups[idx])])))
            .collect();
        let rule_fields = contract
            .rules
            .iter()
            .filter_map(|rule| {
                Some((
                    contract.field_index(&rule.field)?,
                    rule.op,
                    contract.field_index(&rule.other)?,
                ))
            })
            .collect();
        let batch_rows = config.batch_rows;
        let partition_fields: Vec<usize> =
            contract.partition_key.iter().filter_map(|name| contract.field_index(name)).collect();
        let caches = contract
            .fields
            .iter()
            .enumerate()
            .map(|(idx, field)| {
                let text = matches!(
                    field.field_type,
                    FieldType::String | FieldType::Yearmonth | FieldType::Quarter
                );
                let keyed = pk_fields.contains(&idx) || field.unique;
                (text || keyed).then(ValueCache::default)
            })
            .collect();
        Validator {
            caches,
            ids: vec![NO_ID; contract.fields.len()],
            last_raw: vec![(String::new(), None); contract.fields.len()],
            contract,
            schema: arrow_schema(contract),
            header_width: header.len(),
            builders: contract
                .fields
                .iter()
                .map(|f| ColumnBuilder::new(f.field_type, batch_rows))
                .collect(),
            marks: vec![DecimalMark::Unknown; contract.fields.len()],
            comma_hint: config.comma_hint,
            today: config.today,
            missing_values: contract.missing_values.clone(),
            missing_first_bytes: {
                let mut first = [false; 256];
                for marker in &contract.missing_values {
                    if let Some(&byte) = marker.as_bytes().first() {
                        first[usize::from(byte)] = true;
                    }
                }
                first
            },
            needs_canonical: contract
                .fields
                .iter()
                .enumerate()
                .map(|(idx, f)| {
                    pk_fields.contains(&idx) || f.unique || contract.partition_key.contains(&f.name)
                })
                .collect(),
            last_partition_ids: Vec::new(),
            pk_checker: (!pk_fields.is_empty()).then(|| {
                let sizes =
                    pk_fields.iter().map(|&idx| domain_size(&contract.fields[idx], &lookups[idx]));
                KeyChecker::spawn(pk_fields.len(), sizes.collect())
            }),
            pk_fields,
            unique_indexes,
            partition_fields,
            partitions: BTreeSet::new(),
            rule_fields,
            canonical: vec![String::new(); contract.fields.len()],
            numbers: vec![None; contract.fields.len()],
            partition_buf: String::new(),
            source_columns,
            lookups,
            batch_rows,
            rows_in_batch: 0,
            dictionaries: Vec::new(),
            observed: None,
            report,
        }
    }

    /// Also gives each batch with the text fields `names` as dictionaries
    /// (`Dictionary(Int32, Utf8)`): the keys are the validator's value ids, which
    /// keep their value for the whole file (a field's dictionary only grows), so a
    /// reader can map each value once per file instead of once per row. The batch
    /// is taken with [`Validator::take_observed`] after each batch is returned.
    pub fn observe_as_dictionaries(&mut self, names: &[String]) {
        self.dictionaries = names
            .iter()
            .filter_map(|name| self.contract.field_index(name))
            .filter(|&field| matches!(self.builders[field], ColumnBuilder::Str(_)))
            .filter(|&field| self.caches[field].is_some())
            .map(|field| DictionaryColumn {
                field,
                ids: Vec::with_capacity(self.batch_rows),
                values: None,
            })
            .collect();
    }

    /// The last batch returned, with the fields asked for by
    /// [`Validator::observe_as_dictionaries`] as dictionaries.
    pub fn take_observed(&mut self) -> Option<RecordBatch> {
        self.observed.take()
    }

    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Checks one data row. Returns a full batch every `batch_rows` rows while the
    /// file is still clean; once an error is found no more batches are produced.
    pub fn push_row(&mut self, row: &RowBuf) -> Option<RecordBatch> {
        if row.is_blank() {
            self.report.blank_rows_skipped += 1;
            return None;
        }
        self.report.data_rows += 1;
        let line = row.line;
        self.check_width(row);
        let mut row_ok = true;
        for field_idx in 0..self.contract.fields.len() {
            match self.source_columns[field_idx] {
                Some(col) => row_ok &= self.push_cell(field_idx, row.cell(col), line),
                // A required column the file lacks was reported once, as a
                // missing column, not again on every row.
                None if self.contract.fields[field_idx].required => {
                    self.builders[field_idx].append_null();
                    self.ids[field_idx] = NO_ID;
                    row_ok = false;
                }
                None => row_ok &= self.push_cell(field_idx, "", line),
            }
        }
        if row_ok {
            self.check_row_rules(line);
            self.check_keys(line);
        }
        for column in &mut self.dictionaries {
            column.ids.push(self.ids[column.field]);
        }
        self.rows_in_batch += 1;
        if self.rows_in_batch >= self.batch_rows { self.finish_batch() } else { None }
    }

    /// The last, partial batch (if the file is clean).
    pub fn finish(&mut self) -> Option<RecordBatch> {
        if let Some(checker) = self.pk_checker.take() {
            let (duplicates, total) = checker.finish();
            for duplicate in &duplicates {
                let value = self
                    .pk_fields
                    .iter()
                    .enumerate()
                    .map(|(slot, &idx)| {
                        // A key field left empty (an optional field in the key, such
                        // as an administration level a file does not give) has no
                        // canonical value: it is written empty.
                        let canonical = self.caches[idx].as_ref().map_or("", |c| {
                            c.canonical.get(duplicate.ids[slot] as usize).map_or("", |s| &**s)
                        });
                        format!("{}={canonical}", self.contract.fields[idx].name)
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                self.report.add(
                    Issue::error(Rule::PrimaryKey)
                        .at_row(duplicate.line)
                        .in_column(self.contract.primary_key.join("+"))
                        .with_value(value)
                        .expecting(duplicate.first.to_string()),
                );
            }
            let beyond = total - duplicates.len() as u64;
            if beyond > 0 {
                self.report.add_uncounted(
                    Severity::Error,
                    Rule::PrimaryKey,
                    &self.contract.primary_key.join("+"),
                    beyond,
                );
            }
        }
        if self.report.data_rows == 0 && self.report.errors == 0 {
            self.report.add(Issue::error(Rule::NoRows));
        }
        self.report.partitions = self.partitions.iter().cloned().collect();
        self.report.finish();
        if self.rows_in_batch > 0 { self.finish_batch() } else { None }
    }

    /// Partition values seen, each the partition fields' canonical texts joined by U+001F.
    pub fn partitions(&self) -> &BTreeSet<String> {
        &self.partitions
    }

    fn finish_batch(&mut self) -> Option<RecordBatch> {
        self.rows_in_batch = 0;
        let capacity = self.batch_rows;
        let columns: Vec<ArrayRef> =
            self.builders.iter_mut().map(|builder| builder.finish(capacity)).collect();
        if !self.report.accepted() {
            for column in &mut self.dictionaries {
                column.ids.clear();
            }
            return None;
        }
        self.observed = self.dictionary_batch(&columns);
        match RecordBatch::try_new(self.schema.clone(), columns) {
            Ok(batch) => {
                // Never a batch left unseen: one that could not be given with
                // dictionaries goes as it is stored, which an observer expecting
                // dictionaries refuses (and then reads the stored version).
                if !self.dictionaries.is_empty() && self.observed.is_none() {
                    self.observed = Some(batch.clone());
                }
                Some(batch)
            }
            Err(err) => {
                self.report.add(Issue::error(Rule::Type).expecting(format!("internal: {err}")));
                None
            }
        }
    }

    /// The batch of `columns` with the dictionary fields as dictionaries of their
    /// value ids (None when none was asked for).
    fn dictionary_batch(&mut self, columns: &[ArrayRef]) -> Option<RecordBatch> {
        if self.dictionaries.is_empty() {
            return None;
        }
        let mut columns = columns.to_vec();
        let mut fields: Vec<ArrowField> =
            self.schema.fields().iter().map(|f| f.as_ref().clone()).collect();
        for column in &mut self.dictionaries {
            let canonical = &self.caches[column.field].as_ref()?.canonical;
            if column.values.as_ref().is_none_or(|values| values.len() != canonical.len()) {
                let values: StringArray = canonical.iter().map(|v| Some(&**v)).collect();
                column.values = Some(Arc::new(values));
            }
            // Ids past i32::MAX (never: that many values would not fit in memory)
            // are nulls, as rows without a value are.
            let keys: Int32Array = if column.ids.iter().all(|&id| id <= i32::MAX as u32) {
                Int32Array::from(column.ids.iter().map(|&id| id as i32).collect::<Vec<i32>>())
            } else {
                column.ids.iter().map(|&id| i32::try_from(id).ok()).collect()
            };
            column.ids.clear();
            let dictionary =
                DictionaryArray::<Int32Type>::try_new(keys, column.values.clone()?).ok()?;
            fields[column.field] =
                fields[column.field].clone().with_data_type(dictionary.data_type().clone());
            columns[column.field] = Arc::new(dictionary);
        }
        let schema = Arc::new(Schema::new_with_metadata(fields, self.schema.metadata().clone()));
        RecordBatch::try_new(schema, columns).ok()
    }

    fn check_width(&mut self, row: &RowBuf) {
        let extra = (self.header_width..row.len())
            .filter(|&idx| !trim_cell(row.cell(idx)).is_empty())
            .count();
        if extra > 0 {
            self.report.add(Issue::error(Rule::RaggedRow).at_row(row.line).expecting(format!(
                "{} cells, the header has {}",
                row.len(),
                self.header_width
            )));
        } else if row.len() < self.header_width
            && self.source_columns.iter().flatten().any(|&col| col >= row.len())
        {
            self.report.add(Issue::error(Rule::RaggedRow).at_row(row.line).expecting(format!(
                "{} cells, the header has {} (truncated row?)",
                row.len(),
                self.header_width
            )));
        }
    }

    /// Parses, checks and appends one cell; false when it has an error.
    ///
    /// Hot loop: runs once per cell (80 million times for the 10-million-row
    /// benchmark file), so it stays one function; it is
    /// the one function over 120 lines that issue 15 excepts.
    fn push_cell(&mut self, field_idx: usize, raw: &str, line: u64) -> bool {
        if let (last, Some(id)) = &self.last_raw[field_idx]
            && same_bytes(last.as_bytes(), raw.as_bytes())
            && let (Some(cache), ColumnBuilder::Str(builder)) =
                (&self.caches[field_idx], &mut self.builders[field_idx])
        {
            // The previous row's cell again: same canonical value, same id.
            builder.append_value(&cache.canonical[*id as usize]);
            self.ids[field_idx] = *id;
            self.numbers[field_idx] = None;
            self.canonical[field_idx].clear();
            return true;
        }
        let field: &Field = &self.contract.fields[field_idx];
        let today = self.today;
        let text = trim_cell(raw);
        self.numbers[field_idx] = None;
        let canonical = &mut self.canonical[field_idx];
        canonical.clear();
        if text.is_empty()
            || (text.len() <= MISSING_MAX_LEN
                && self.missing_first_bytes[usize::from(text.as_bytes()[0])]
                && self.missing_values.iter().any(|m| m == text))
        {
            self.builders[field_idx].append_null();
            self.ids[field_idx] = NO_ID;
            if field.required {
                self.report.add(
                    Issue::error(Rule::Required)
                        .at_row(line)
                        .in_column(field.name.clone())
                        .with_value(text),
                );
                return false;
            }
            return true;
        }
        let is_text = matches!(
            field.field_type,
            FieldType::String | FieldType::Yearmonth | FieldType::Quarter
        );
        if is_text
            && let Some(cache) = &self.caches[field_idx]
            && let Some(&id) = cache.by_raw.get(text)
        {
            // Seen and checked before: same canonical value, no need to check again.
            if let ColumnBuilder::Str(builder) = &mut self.builders[field_idx] {
                builder.append_value(&cache.canonical[id as usize]);
            }
            self.ids[field_idx] = id;
            remember_last(&mut self.last_raw[field_idx], raw, id);
            return true;
        }
        let issue = |rule: Rule| {
            Issue::error(rule).at_row(line).in_column(field.name.clone()).with_value(text)
        };
        let mut failure: Option<Issue> = None;
        let mut warning: Option<Issue> = None;
        match (&mut self.builders[field_idx], field.field_type) {
            (ColumnBuilder::Str(builder), FieldType::String) => {
                let value = match (&field.enum_values, &self.lookups[field_idx]) {
                    (Some(values), _) => match values.iter().find(|v| v.as_str() == text) {
                        Some(v) => Some(v.as_str()),
                        None => field.enum_lookup.get(&fold(text)).map(String::as_str),
                    }
                    .ok_or_else(|| issue(Rule::Enum).expecting(values.join(", "))),
                    (None, Lookup::Reference(table)) => match table.resolve(text) {
                        Some(code) => Ok(code),
                        None => match table.resolve_unpadded(text) {
                            Some(code) => {
                                warning = Some(
                                    Issue::warning(Rule::UnpaddedCode)
                                        .at_row(line)
                                        .in_column(field.name.clone())
                                        .with_value(text)
                                        .expecting(code),
                                );
                                Ok(code)
                            }
                            None => Err(issue(Rule::ForeignKey).expecting(allowed_codes(table))),
                        },
                    },
                    (None, Lookup::Dataset(values)) => {
                        if values.contains(text) {
                            Ok(text)
                        } else {
                            let fk = self
                                .contract
                                .foreign_key_for(&field.name)
                                .map(|fk| format!("{}.{}", fk.resource, fk.resource_field));
                            Err(issue(Rule::ForeignKey).expecting(fk.unwrap_or_default()))
                        }
                    }
                    (None, Lookup::None | Lookup::Missing) => Ok(text),
                };
                match value {
                    Ok(value) => match check_string(field, value) {
                        Ok(()) => {
                            canonical.push_str(value);
                            builder.append_value(value);
                        }
                        Err((rule, expected)) => failure = Some(issue(rule).expecting(expected)),
                    },
                    Err(err) => failure = Some(err),
                }
            }
            (ColumnBuilder::Str(builder), FieldType::Yearmonth) => match parse_month(text) {
                Some((year, month)) if is_future(today, year, month, 1) => {
                    failure = Some(future_issue(field, line, text, today))
                }
                Some((year, month)) => {
                    canonical.push_str(&format_month(year, month));
                    builder.append_value(canonical.as_str());
                }
                None => failure = Some(issue(Rule::Type).expecting("month (YYYY-MM)")),
            },
            (ColumnBuilder::Str(builder), FieldType::Quarter) => match parse_quarter(text) {
                Some((year, quarter)) if is_future(today, year, quarter * 3 - 2, 1) => {
                    failure = Some(future_issue(field, line, text, today))
                }
                Some((year, quarter)) => {
                    canonical.push_str(&format_quarter(year, quarter));
                    builder.append_value(canonical.as_str());
                }
                None => failure = Some(issue(Rule::Type).expecting("quarter (YYYY-Qn)")),
            },
            (ColumnBuilder::Int(builder), _) => {
                match parse_integer(text, &mut self.marks[field_idx], self.comma_hint) {
                    Some(value) => match check_range(field, value as f64) {
                        Ok(()) => {
                            if self.needs_canonical[field_idx] {
                                canonical.push_str(&value.to_string());
                            }
                            self.numbers[field_idx] = Some(value as f64);
                            builder.append_value(value);
                        }
                        Err((rule, expected)) => failure = Some(issue(rule).expecting(expected)),
                    },
                    None => failure = Some(issue(Rule::Type).expecting("integer")),
                }
            }
            (ColumnBuilder::Year(builder), _) => {
                match parse_integer(text, &mut self.marks[field_idx], false) {
                    Some(value) if is_future(today, value as i32, 1, 1) => {
                        failure = Some(future_issue(field, line, text, today))
                    }
                    Some(value) if (0..=9999).contains(&value) => {
                        match check_range(field, value as f64) {
                            Ok(()) => {
                                if self.needs_canonical[field_idx] {
                                    canonical.push_str(&value.to_string());
                                }
                                self.numbers[field_idx] = Some(value as f64);
                                builder.append_value(value as i32);
                            }
                            Err((rule, expected)) => {
                                failure = Some(issue(rule).expecting(expected))
                            }
                        }
                    }
                    _ => failure = Some(issue(Rule::Type).expecting("year (YYYY)")),
                }
            }
            (ColumnBuilder::Float(builder), _) => {
                match parse_number(text, &mut self.marks[field_idx], self.comma_hint) {
                    Some(value) => match check_range(field, value) {
                        Ok(()) => {
                            if self.needs_canonical[field_idx] {
                                canonical.push_str(&value.to_string());
                            }
                            self.numbers[field_idx] = Some(value);
                            builder.append_value(value);
                        }
                        Err((rule, expected)) => failure = Some(issue(rule).expecting(expected)),
                    },
                    None => failure = Some(issue(Rule::Type).expecting("number")),
                }
            }
            (ColumnBuilder::Bool(builder), _) => {
                let folded = fold(text);
                if field.true_values.contains(&folded) {
                    canonical.push_str("true");
                    builder.append_value(true);
                } else if field.false_values.contains(&folded) {
                    canonical.push_str("false");
                    builder.append_value(false);
                } else {
                    failure = Some(
                        issue(Rule::Type).expecting("boolean (oui/non, true/false, 1/0, نعم/لا)"),
                    );
                }
            }
            (ColumnBuilder::Date(builder), _) => match parse_date(text) {
                Some(date) if today.is_some_and(|today| date > today) => {
                    failure = Some(future_issue(field, line, text, today))
                }
                Some(date) => match check_range(field, f64::from(chrono::Datelike::year(&date))) {
                    Ok(()) => {
                        if self.needs_canonical[field_idx] {
                            canonical.push_str(&date.to_string());
                        }
                        builder.append_value(date32(date));
                    }
                    Err((rule, expected)) => failure = Some(issue(rule).expecting(expected)),
                },
                None => {
                    failure = Some(issue(Rule::Type).expecting("date (YYYY-MM-DD or DD/MM/YYYY)"))
                }
            },
            (ColumnBuilder::Str(_), _) => {
                unreachable!("string builders are made for string, month and quarter fields")
            }
        }
        if let Some(warning) = warning {
            self.report.add(warning);
        }
        match failure {
            None => {
                if let Some(cache) = &mut self.caches[field_idx] {
                    let id = cache.intern(&self.canonical[field_idx]);
                    if is_text {
                        cache.remember(text, id);
                        remember_last(&mut self.last_raw[field_idx], raw, id);
                    }
                    self.ids[field_idx] = id;
                }
                true
            }
            Some(issue) => {
                self.builders[field_idx].append_null();
                self.ids[field_idx] = NO_ID;
                self.canonical[field_idx].clear();
                self.report.add(issue);
                false
            }
        }
    }

    fn check_row_rules(&mut self, line: u64) {
        for &(left, op, right) in &self.rule_fields {
            let (Some(a), Some(b)) = (self.numbers[left], self.numbers[right]) else {
                continue;
            };
            let holds = match op {
                CompareOp::LessOrEqual => a <= b,
                CompareOp::GreaterOrEqual => a >= b,
            };
            if !holds {
                let (left_name, right_name) =
                    (&self.contract.fields[left].name, &self.contract.fields[right].name);
                self.report.add(
                    Issue::error(Rule::RowRule)
                        .at_row(line)
                        .in_column(left_name.clone())
                        .with_value(format!("{a} {} {b}", op.symbol()))
                        .expecting(format!("{left_name} {} {right_name}", op.symbol())),
                );
            }
        }
    }

    /// The canonical text of a field in the current (valid) row.
    fn canonical_text(&self, field_idx: usize) -> &str {
        match &self.caches[field_idx] {
            // An empty cell has no value id: its text is empty.
            Some(cache) => cache.canonical.get(self.ids[field_idx] as usize).map_or("", |v| v),
            None => &self.canonical[field_idx],
        }
    }

    fn check_keys(&mut self, line: u64) {
        if let Some(checker) = &mut self.pk_checker {
            let mut ids = [0u32; 4];
            for (slot, &field_idx) in self.pk_fields.iter().enumerate() {
                ids[slot] = self.ids[field_idx];
            }
            checker.push(line, ids);
        }
        for slot in 0..self.unique_indexes.len() {
            let field_idx = self.unique_indexes[slot].0;
            if self.canonical_text(field_idx).is_empty() {
                continue;
            }
            let id = self.ids[field_idx];
            if let Some(first) = self.unique_indexes[slot].1.insert(&[id], line) {
                self.report.add(
                    Issue::error(Rule::Unique)
                        .at_row(line)
                        .in_column(self.contract.fields[field_idx].name.clone())
                        .with_value(self.canonical_text(field_idx).to_string())
                        .expecting(first.to_string()),
                );
            }
        }
        if !self.partition_fields.is_empty() {
            // Files come sorted by period more often than not: compare value ids and
            // touch the set only when the partition changes.
            let unchanged = self.last_partition_ids.len() == self.partition_fields.len()
                && self
                    .partition_fields
                    .iter()
                    .zip(&self.last_partition_ids)
                    .all(|(&f, &id)| self.ids[f] == id);
            if !unchanged {
                let mut buf = std::mem::take(&mut self.partition_buf);
                buf.clear();
                for (idx, &field_idx) in self.partition_fields.iter().enumerate() {
                    if idx > 0 {
                        buf.push('\u{1f}');
                    }
                    buf.push_str(self.canonical_text(field_idx));
                }
                if !self.partitions.contains(&buf) {
                    self.partitions.insert(buf.clone());
                }
                self.partition_buf = buf;
                self.last_partition_ids =
                    self.partition_fields.iter().map(|&f| self.ids[f]).collect();
            }
        }
    }
}

/// How many canonical values a field can take, when the contract bounds them: its
/// enumeration, the codes of its reference table or of the dataset it refers to.
fn domain_size(field: &Field, lookup: &Lookup) -> Option<usize> {
    if field.field_type != FieldType::String {
        return None;
    }
    match (&field.enum_values, lookup) {
        (Some(values), _) => Some(values.len()),
        (None, Lookup::Reference(table)) => Some(table.rows.len()),
        (None, Lookup::Dataset(values)) => Some(values.len()),
        (None, Lookup::None | Lookup::Missing) => None,
    }
}

/// Missing-value markers are short; longer cells skip the set lookup.
const MISSING_MAX_LEN: usize = 4;

fn check_range(field: &Field, value: f64) -> Result<(), (Rule, String)> {
    if let Some(minimum) = field.minimum
        && value < minimum
    {
        return Err((Rule::Minimum, format_limit(minimum)));
    }
    if let Some(maximum) = field.maximum
        && value > maximum
    {
        return Err((Rule::Maximum, format_limit(maximum)));
    }
    Ok(())
}

fn format_limit(limit: f64) -> String {
    if limit.fract() == 0.0 { format!("{}", limit as i64) } else { limit.to_string() }
}

fn check_string(field: &Field, value: &str) -> Result<(), (Rule, String)> {
    if field.min_length.is_some() || field.max_length.is_some() {
        let chars = value.chars().count();
        if let Some(min) = field.min_length
            && chars < min
        {
            return Err((Rule::MinLength, min.to_string()));
        }
        if let Some(max) = field.max_length
            && chars > max
        {
            return Err((Rule::MaxLength, max.to_string()));
        }
    }
    if let Some(pattern) = &field.pattern
        && !pattern.is_match(value)
    {
        return Err((Rule::Pattern, field.pattern_source.clone().unwrap_or_default()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_index_finds_duplicates_exactly_and_widens() {
        let mut index = KeyIndex::new(4, &[None; 4]);
        // More than 2^16 distinct values in one part forces the u128 representation.
        // 2^21 values per part fit in a u64 of three parts; more force the u128.
        for i in 0..70_000u32 {
            assert_eq!(index.insert(&[0, i, 7, 9], u64::from(i) + 2), None);
        }
        index.insert(&[0, 1 << 22, 7, 9], 1);
        assert!(index.is_wide());
        assert_eq!(index.insert(&[0, 12, 7, 9], 99_999), Some(14));
        assert_eq!(index.insert(&[1, 12, 7, 9], 100_000), None);
    }

    #[test]
    fn dense_shards_find_the_first_row_and_fall_back_to_hashing() {
        // 100 procedures x 12 regions x 3 channels: 3,600 slots per period.
        let mut index = KeyIndex::new(4, &[None, Some(100), Some(12), Some(3)]);
        assert_eq!(index.radix.as_deref(), Some(&[100, 12, 3][..]));
        for period in 0..3u32 {
            for procedure in 0..100u32 {
                for region in 0..12u32 {
                    for channel in 0..3u32 {
                        let line =
                            u64::from(period * 3_600 + procedure * 36 + region * 3 + channel) + 2;
                        assert_eq!(index.insert(&[period, procedure, region, channel], line), None);
                    }
                }
            }
        }
        assert!(index.shards.iter().all(|shard| shard.dense.is_some() && shard.narrow.is_empty()));
        // Period 1, procedure 7, region 11, channel 2 was row 3,600 + 252 + 33 + 2 + 2.
        assert_eq!(index.insert(&[1, 7, 11, 2], 20_000), Some(3_889));
        // An id beyond its part's size is hashed, and found again there.
        assert_eq!(index.insert(&[0, 100, 0, 0], 20_001), None);
        assert_eq!(index.insert(&[0, 100, 0, 0], 20_002), Some(20_001));
        // Too many possible keys per shard: no dense table at all.
        let index = KeyIndex::new(2, &[None, Some(1 << 23)]);
        assert!(index.radix.is_none());
        // A unique column of a reference table: one part, dense.
        let mut index = KeyIndex::new(1, &[Some(12)]);
        assert_eq!(index.insert(&[5], 2), None);
        assert_eq!(index.insert(&[5], 3), Some(2));
    }

    /// Batches of three rows: each key column comes as a dictionary whose values
    /// only grow from batch to batch (a value keeps its key), and whose keys give
    /// the batch's own text; `01` typed `1` is the code `01`, not a new value.
    #[test]
    fn dictionary_batches_keep_each_value_key_for_the_whole_file() {
        use arrow_array::cast::AsArray;
        let contract = md2030_model::find_contract("service_transactions").unwrap();
        let header = RowBuf::from_cells(
            1,
            &["period", "procedure_id", "region_code", "channel", "transactions"],
        );
        let mut keys = DatasetKeys::default();
        keys.values.insert(
            ("procedures".into(), "procedure_id".into()),
            ["PRC-00001", "PRC-00002", "PRC-00003"].iter().map(|v| v.to_string()).collect(),
        );
        let config = ValidatorConfig { comma_hint: false, batch_rows: 3, today: None };
        let report = Report::new("t.csv", &contract.name, &contract.contract_version);
        let mut validator = Validator::new(contract, &header, keys, &config, report);
        let names: Vec<String> =
            ["period", "region_code", "procedure_id", "channel"].map(String::from).to_vec();
        validator.observe_as_dictionaries(&names);
        let rows = [
            ["2024-01", "PRC-00001", "01", "online", "5"],
            ["2024-01", "PRC-00002", "1", "counter", "6"],
            ["2024-01", "PRC-00001", "06", "online", "7"],
            ["2024-02", "PRC-00003", "06", "counter", "8"],
            ["2024-02", "PRC-00001", "01", "online", "9"],
        ];
        let mut batches = Vec::new();
        for (at, cells) in rows.iter().enumerate() {
            if validator.push_row(&RowBuf::from_cells(at as u64 + 2, cells)).is_some() {
                batches.push(validator.take_observed().unwrap());
            }
        }
        if validator.finish().is_some() {
            batches.push(validator.take_observed().unwrap());
        }
        assert!(validator.report.accepted(), "{}", validator.report.render(md2030_model::Lang::En));
        assert_eq!(batches.len(), 2);
        let decoded = |batch: &RecordBatch, name: &str| -> (Vec<String>, Vec<String>) {
            let column = batch.column_by_name(name).unwrap().as_dictionary::<Int32Type>();
            let values = column.values().as_string::<i32>();
            let texts =
                column.keys().values().iter().map(|&k| values.value(k as usize).to_string());
            (values.iter().map(|v| v.unwrap().to_string()).collect(), texts.collect())
        };
        assert_eq!(
            decoded(&batches[0], "region_code"),
            (vec!["01".into(), "06".into()], vec!["01".into(), "01".into(), "06".into()])
        );
        assert_eq!(
            decoded(&batches[1], "region_code"),
            (vec!["01".into(), "06".into()], vec!["06".into(), "01".into()])
        );
        assert_eq!(decoded(&batches[0], "procedure_id").0, ["PRC-00001", "PRC-00002"]);
        assert_eq!(
            decoded(&batches[1], "procedure_id"),
            (
                vec!["PRC-00001".into(), "PRC-00002".into(), "PRC-00003".into()],
                vec!["PRC-00003".into(), "PRC-00001".into()]
            )
        );
        assert_eq!(decoded(&batches[1], "period").0, ["2024-01", "2024-02"]);
        // The measure is the stored column, untouched.
        let counts = batches[1].column_by_name("transactions").unwrap();
        assert_eq!(counts.as_primitive::<arrow_array::types::Int64Type>().values(), &[8, 9]);
    }
}
