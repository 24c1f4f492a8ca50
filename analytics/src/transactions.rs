//! The transaction aggregates, read from the stored Parquet version in one
//! streaming pass.
//!
//! `service_transactions` is the one large table (about ten million rows for two
//! years of monthly data); every transaction indicator is computed from two small
//! aggregates of it:
//! - per (period, region): digital, total, in scope (procedures the inventory in
//!   force that month has not withdrawn) and on fully online procedures;
//! - per (period, procedure): digital, total, in scope and fully online.
//!
//! Polars would decode each string key of every row and hash it. Here the key
//! columns are read as Parquet stores them, dictionary-encoded: each row group's
//! few distinct values are mapped once, and each row costs a few array lookups and
//! additions. Memory stays at one row group plus the aggregates, whatever the
//! number of rows. The aggregates come back as Polars frames, from which Polars
//! computes the indicators.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{Array, DictionaryArray, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use polars::prelude::{Column, DataFrame};
use rustc_hash::FxHashMap;

use crate::Result;

/// The key columns, read as dictionaries, and the measure.
const PERIOD: &str = "period";
const REGION: &str = "region_code";
const PROCEDURE: &str = "procedure_id";
const CHANNEL: &str = "channel";
const TRANSACTIONS: &str = "transactions";

/// The one channel that is not digital.
const COUNTER: &str = "counter";

/// Rows per batch: a stored row group (`md2030_store::ROW_GROUP_ROWS`), so that each
/// group's dictionaries are mapped once.
const BATCH_ROWS: usize = 128 * 1024;

/// Where a procedure stands in a month for the fully-online share, from the
/// inventory in force that month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Not counted at all: no inventory yet, or withdrawn.
    OutOfScope,
    /// Counted in the denominator only.
    InScope,
    /// Counted in the numerator and the denominator.
    FullyOnline,
}

impl Standing {
    fn in_scope(self) -> bool {
        self != Standing::OutOfScope
    }
}

/// Where a procedure stands in a period (`2024-12`, procedure id).
pub type FullyOnline<'a> = dyn Fn(&str, &str) -> Standing + Sync + 'a;

/// The two aggregates, as Polars frames: `by_region` (period, region_code, digital,
/// total, scope, full) and `by_procedure` (period, procedure_id, digital, total,
/// scope, full).
#[derive(Debug, Clone)]
pub struct Aggregates {
    pub by_region: DataFrame,
    pub by_procedure: DataFrame,
}

/// Distinct values of one key, numbered in order of appearance.
#[derive(Default)]
struct Interner {
    ids: FxHashMap<Box<str>, u32>,
    values: Vec<Box<str>>,
}

impl Interner {
    fn id(&mut self, value: &str) -> u32 {
        if let Some(&id) = self.ids.get(value) {
            return id;
        }
        let id = self.values.len() as u32;
        self.values.push(value.into());
        self.ids.insert(value.into(), id);
        id
    }
}

/// Sums per period, as dense rows indexed by region or procedure number.
#[derive(Default)]
struct Sums {
    periods: Interner,
    regions: Interner,
    procedures: Interner,
    /// [period][region] -> digital, total, scope, full, rows.
    by_region: Vec<Vec<[i64; 5]>>,
    /// [period][procedure] -> digital, total.
    by_procedure: Vec<Vec<[i64; 2]>>,
    /// [period][procedure] -> its standing, once asked.
    standings: Vec<Vec<Option<Standing>>>,
}

fn slot<T: Default + Clone>(rows: &mut Vec<Vec<T>>, row: usize, col: usize) -> &mut T {
    if rows.len() <= row {
        rows.resize_with(row + 1, Vec::new);
    }
    let cells = &mut rows[row];
    if cells.len() <= col {
        cells.resize(col + 1, T::default());
    }
    &mut cells[col]
}

/// Reads `path` (a stored `service_transactions` version) and returns its two
/// aggregates; `fully_online` says where each procedure stands, asked once per
/// period and procedure. Row groups are shared among the cores.
pub fn aggregate(path: &Path, fully_online: &FullyOnline<'_>) -> Result<Aggregates> {
    let failed = |what: &str, err: &dyn std::fmt::Display| crate::stored::failed(path, what, err);
    let (_, metadata) = crate::stored::footer(path)?;
    // The key columns as dictionaries, as they are stored; everything else as is.
    let keys = [PERIOD, REGION, PROCEDURE, CHANNEL];
    let dictionary_type = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let fields: Vec<Field> = metadata
        .schema()
        .fields()
        .iter()
        .map(|field| match field.data_type() {
            DataType::Utf8 if keys.contains(&field.name().as_str()) => {
                field.as_ref().clone().with_data_type(dictionary_type.clone())
            }
            _ => field.as_ref().clone(),
        })
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let metadata = ArrowReaderMetadata::try_new(
        metadata.metadata().clone(),
        ArrowReaderOptions::new().with_schema(schema.clone()),
    )
    .map_err(|err| failed("schema", &err))?;
    let mut columns = Vec::new();
    for name in keys.iter().chain([&TRANSACTIONS]) {
        columns.push(schema.index_of(name).map_err(|err| failed("columns", &err))?);
    }
    let mask = ProjectionMask::roots(metadata.parquet_schema(), columns);
    let groups = metadata.metadata().num_row_groups();
    let threads =
        std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, groups.max(1));
    let read = |row_groups: Vec<usize>| -> Result<Sums> {
        // Its own handle: a cloned one would share the read position.
        let file = File::open(path).map_err(|err| failed("open", &err))?;
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata.clone())
            .with_projection(mask.clone())
            .with_row_groups(row_groups)
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|err| failed("reader", &err))?;
        let mut sums = Sums::default();
        for batch in reader {
            let batch = batch.map_err(|err| failed("row group", &err))?;
            sums.add(&batch, fully_online).map_err(|err| failed("columns", &err))?;
        }
        Ok(sums)
    };
    let parts: Vec<Result<Sums>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let row_groups: Vec<usize> = (t..groups).step_by(threads).collect();
                scope.spawn(|| read(row_groups))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap_or_else(|_| Err(failed("thread", &"panicked"))))
            .collect()
    });
    let mut total = Sums::default();
    for part in parts {
        total.merge(part?);
    }
    total.frames()
}

/// A dictionary column of `batch` by name.
fn dictionary<'b>(
    batch: &'b RecordBatch,
    name: &str,
) -> std::result::Result<&'b DictionaryArray<Int32Type>, String> {
    batch
        .column_by_name(name)
        .and_then(|column| column.as_dictionary_opt::<Int32Type>())
        .ok_or_else(|| format!("no text column {name}"))
}

/// For each value of the four key dictionaries, its number in the sums (None for
/// a null value), and whether each channel is the counter.
#[derive(Default)]
struct Mapped {
    periods: Vec<Option<u32>>,
    regions: Vec<Option<u32>>,
    procedures: Vec<Option<u32>>,
    is_counter: Vec<bool>,
}

/// The four key columns and the measure of a batch.
struct KeyColumns<'b> {
    period: &'b DictionaryArray<Int32Type>,
    region: &'b DictionaryArray<Int32Type>,
    procedure: &'b DictionaryArray<Int32Type>,
    channel: &'b DictionaryArray<Int32Type>,
    transactions: &'b arrow_array::Int64Array,
}

impl<'b> KeyColumns<'b> {
    fn of(batch: &'b RecordBatch) -> std::result::Result<KeyColumns<'b>, String> {
        Ok(KeyColumns {
            period: dictionary(batch, PERIOD)?,
            region: dictionary(batch, REGION)?,
            procedure: dictionary(batch, PROCEDURE)?,
            channel: dictionary(batch, CHANNEL)?,
            transactions: batch
                .column_by_name(TRANSACTIONS)
                .and_then(|column| column.as_primitive_opt::<Int64Type>())
                .ok_or("no integer column transactions")?,
        })
    }
}

impl Mapped {
    /// Maps the values of the batch's four dictionaries not mapped yet (all of
    /// them for new dictionaries, the new ones for dictionaries that grew).
    fn extend(
        &mut self,
        columns: &KeyColumns<'_>,
        sums: &mut Sums,
    ) -> std::result::Result<(), String> {
        map_new_values(columns.period, &mut sums.periods, &mut self.periods)?;
        map_new_values(columns.region, &mut sums.regions, &mut self.regions)?;
        map_new_values(columns.procedure, &mut sums.procedures, &mut self.procedures)?;
        let channels = columns
            .channel
            .values()
            .as_string_opt::<i32>()
            .ok_or("a dictionary of non-text values")?;
        if channels.len() < self.is_counter.len() {
            return Err("a dictionary that lost values".into());
        }
        // As `channel = 'counter'` would: a missing channel is not the counter.
        self.is_counter.extend(
            (self.is_counter.len()..channels.len())
                .map(|at| !channels.is_null(at) && channels.value(at) == COUNTER),
        );
        Ok(())
    }
}

/// Extends `mapped` with the values of `column`'s dictionary it has not mapped yet
/// (all of them for a new dictionary, the new ones for a dictionary that grew).
fn map_new_values(
    column: &DictionaryArray<Int32Type>,
    interner: &mut Interner,
    mapped: &mut Vec<Option<u32>>,
) -> std::result::Result<(), String> {
    let values = column.values().as_string_opt::<i32>().ok_or("a dictionary of non-text values")?;
    if values.len() < mapped.len() {
        return Err("a dictionary that lost values".into());
    }
    mapped.extend(
        (mapped.len()..values.len())
            .map(|at| (!values.is_null(at)).then(|| interner.id(values.value(at)))),
    );
    Ok(())
}

/// Sums a stream of batches whose key columns are dictionaries that only grow
/// (the same value keeps its key for the whole stream), as the ingest gives them
/// while it stores a file ([`KEY_COLUMNS`]): each value is mapped once, not once
/// per batch. Gives the same aggregates as [`aggregate`] over the stored version.
pub struct Aggregator<S> {
    sums: Sums,
    mapped: Mapped,
    standing: S,
    failure: Option<String>,
}

impl<S> std::fmt::Debug for Aggregator<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aggregator")
            .field("periods", &self.sums.periods.values.len())
            .field("failure", &self.failure)
            .finish_non_exhaustive()
    }
}

/// The columns an [`Aggregator`] reads as dictionaries.
pub const KEY_COLUMNS: [&str; 4] = [PERIOD, REGION, PROCEDURE, CHANNEL];

impl<S: Fn(&str, &str) -> Standing + Sync> Aggregator<S> {
    /// `standing` says where each procedure stands in a month (asked once per
    /// period and procedure).
    pub fn new(standing: S) -> Aggregator<S> {
        Aggregator { sums: Sums::default(), mapped: Mapped::default(), standing, failure: None }
    }

    /// Adds one batch; a batch that is not a transactions batch spoils the sums
    /// ([`Aggregator::finish`] says why).
    pub fn add(&mut self, batch: &RecordBatch) {
        if self.failure.is_some() {
            return;
        }
        let added = KeyColumns::of(batch).and_then(|columns| {
            self.mapped.extend(&columns, &mut self.sums)?;
            self.sums.add_mapped(&columns, &self.mapped, &self.standing);
            Ok(())
        });
        if let Err(err) = added {
            self.failure = Some(err);
        }
    }

    /// Spoils the sums: batches were lost ([`Aggregator::finish`] says `why`).
    pub fn spoil(&mut self, why: &str) {
        self.failure.get_or_insert_with(|| why.to_string());
    }

    /// The aggregates of every batch added.
    pub fn finish(self) -> Result<Aggregates> {
        match self.failure {
            Some(err) => Err(crate::Error::Polars(format!("summing transaction batches: {err}"))),
            None => self.sums.frames(),
        }
    }
}

impl Sums {
    /// Adds a batch read from a stored version, whose dictionaries are its row
    /// group's own.
    fn add(
        &mut self,
        batch: &RecordBatch,
        fully_online: &FullyOnline<'_>,
    ) -> std::result::Result<(), String> {
        let columns = KeyColumns::of(batch)?;
        let mut mapped = Mapped::default();
        mapped.extend(&columns, self)?;
        self.add_mapped(&columns, &mapped, fully_online);
        Ok(())
    }

    /// Adds the rows of `columns`, whose dictionary values `mapped` numbers.
    fn add_mapped(
        &mut self,
        columns: &KeyColumns<'_>,
        mapped: &Mapped,
        fully_online: &FullyOnline<'_>,
    ) {
        let KeyColumns { period, region, procedure, channel, transactions } = *columns;
        let (periods, regions, procedures, is_counter) =
            (&mapped.periods, &mapped.regions, &mapped.procedures, &mapped.is_counter);
        let (period_keys, region_keys, procedure_keys, channel_keys) =
            (period.keys(), region.keys(), procedure.keys(), channel.keys());
        // Room for every member this batch can name, made once per batch (a row
        // group holds a month or two), so that each row indexes without growing.
        let (regions_known, procedures_known) =
            (self.regions.values.len(), self.procedures.values.len());
        for &p in periods.iter().flatten() {
            let p = p as usize;
            if self.by_region.len() <= p {
                self.by_region.resize_with(p + 1, Vec::new);
                self.by_procedure.resize_with(p + 1, Vec::new);
                self.standings.resize_with(p + 1, Vec::new);
            }
            if self.by_region[p].len() < regions_known {
                self.by_region[p].resize(regions_known, [0; 5]);
            }
            if self.by_procedure[p].len() < procedures_known {
                self.by_procedure[p].resize(procedures_known, [0; 2]);
                self.standings[p].resize(procedures_known, None);
            }
        }
        let no_nulls = [period_keys.null_count(), region_keys.null_count()]
            .into_iter()
            .chain([procedure_keys.null_count(), channel_keys.null_count()])
            .chain([transactions.null_count()])
            .all(|nulls| nulls == 0);
        if no_nulls {
            // The usual batch (every column required): keys read as plain slices.
            let dense = |mapped: &[Option<u32>]| -> Vec<u32> {
                mapped.iter().map(|m| m.unwrap_or(u32::MAX)).collect()
            };
            let (periods, regions, procedures) =
                (dense(periods), dense(regions), dense(procedures));
            let counts = transactions.values();
            let rows = period_keys
                .values()
                .iter()
                .zip(region_keys.values().iter())
                .zip(procedure_keys.values().iter())
                .zip(channel_keys.values().iter())
                .zip(counts.iter());
            for ((((&pk, &rk), &ck), &hk), &count) in rows {
                let at = |mapped: &[u32], key: i32| {
                    usize::try_from(key).ok().and_then(|k| mapped.get(k)).copied()
                };
                let (Some(p), Some(r), Some(c)) =
                    (at(&periods, pk), at(&regions, rk), at(&procedures, ck))
                else {
                    continue;
                };
                if p == u32::MAX || r == u32::MAX || c == u32::MAX {
                    continue;
                }
                let counter = usize::try_from(hk)
                    .ok()
                    .and_then(|k| is_counter.get(k).copied())
                    .unwrap_or(false);
                self.add_row(p as usize, r as usize, c as usize, count, counter, fully_online);
            }
            return;
        }
        for row in 0..transactions.len() {
            // Key columns are required by the contract; a row missing one has no group.
            let key = |keys: &arrow_array::Int32Array, mapped: &[Option<u32>]| {
                if keys.is_null(row) {
                    return None;
                }
                mapped.get(usize::try_from(keys.value(row)).ok()?).copied().flatten()
            };
            let (Some(p), Some(r), Some(c)) = (
                key(period_keys, periods),
                key(region_keys, regions),
                key(procedure_keys, procedures),
            ) else {
                continue;
            };
            let count = if transactions.is_null(row) { 0 } else { transactions.value(row) };
            // As `channel = 'counter'` would: a missing channel is not the counter.
            let counter = !channel_keys.is_null(row)
                && usize::try_from(channel_keys.value(row))
                    .ok()
                    .and_then(|k| is_counter.get(k).copied())
                    .unwrap_or(false);
            self.add_row(p as usize, r as usize, c as usize, count, counter, fully_online);
        }
    }

    /// One transaction row: period `p`, region `r`, procedure `c` (numbers made room
    /// for by [`Sums::add_mapped`]), its count and whether it was at the counter.
    #[inline]
    fn add_row(
        &mut self,
        p: usize,
        r: usize,
        c: usize,
        count: i64,
        counter: bool,
        fully_online: &FullyOnline<'_>,
    ) {
        let digital = if counter { 0 } else { count };
        let standing = *self.standings[p][c].get_or_insert_with(|| {
            fully_online(&self.periods.values[p], &self.procedures.values[c])
        });
        let region_sums = &mut self.by_region[p][r];
        region_sums[0] = region_sums[0].saturating_add(digital);
        region_sums[1] = region_sums[1].saturating_add(count);
        if standing.in_scope() {
            region_sums[2] = region_sums[2].saturating_add(count);
        }
        if standing == Standing::FullyOnline {
            region_sums[3] = region_sums[3].saturating_add(count);
        }
        region_sums[4] += 1;
        let procedure_sums = &mut self.by_procedure[p][c];
        procedure_sums[0] = procedure_sums[0].saturating_add(digital);
        procedure_sums[1] = procedure_sums[1].saturating_add(count);
    }

    /// Adds the sums of another part of the file.
    fn merge(&mut self, other: Sums) {
        for (q, period) in other.periods.values.iter().enumerate() {
            let p = self.periods.id(period) as usize;
            for (s, sums) in other.by_region.get(q).into_iter().flatten().enumerate() {
                if sums[4] == 0 {
                    continue;
                }
                let r = self.regions.id(&other.regions.values[s]) as usize;
                let into = slot(&mut self.by_region, p, r);
                for k in 0..5 {
                    into[k] = into[k].saturating_add(sums[k]);
                }
            }
            for (d, sums) in other.by_procedure.get(q).into_iter().flatten().enumerate() {
                let Some(standing) =
                    other.standings.get(q).and_then(|f| f.get(d)).copied().flatten()
                else {
                    continue;
                };
                let c = self.procedures.id(&other.procedures.values[d]) as usize;
                *slot(&mut self.standings, p, c) = Some(standing);
                let into = slot(&mut self.by_procedure, p, c);
                into[0] = into[0].saturating_add(sums[0]);
                into[1] = into[1].saturating_add(sums[1]);
            }
        }
    }

    /// The aggregates as frames, one row per (period, member) that has rows.
    fn frames(self) -> Result<Aggregates> {
        let (mut region_periods, mut regions) = (Vec::new(), Vec::new());
        let mut region_sums: [Vec<i64>; 4] = Default::default();
        let (mut procedure_periods, mut procedures) = (Vec::new(), Vec::new());
        let mut procedure_sums: [Vec<i64>; 4] = Default::default();
        for (p, period) in self.periods.values.iter().enumerate() {
            for (r, sums) in self.by_region.get(p).into_iter().flatten().enumerate() {
                // Regions not met in this period are padding.
                if sums[4] == 0 {
                    continue;
                }
                region_periods.push(period.as_ref());
                regions.push(self.regions.values[r].as_ref());
                for (column, value) in region_sums.iter_mut().zip(sums) {
                    column.push(*value);
                }
            }
            for (c, sums) in self.by_procedure.get(p).into_iter().flatten().enumerate() {
                // A procedure met in this period has its standing asked; others are padding.
                let Some(standing) =
                    self.standings.get(p).and_then(|f| f.get(c)).copied().flatten()
                else {
                    continue;
                };
                procedure_periods.push(period.as_ref());
                procedures.push(self.procedures.values[c].as_ref());
                let scope = if standing.in_scope() { sums[1] } else { 0 };
                let full = if standing == Standing::FullyOnline { sums[1] } else { 0 };
                let values = [sums[0], sums[1], scope, full];
                for (column, value) in procedure_sums.iter_mut().zip(values) {
                    column.push(value);
                }
            }
        }
        let [digital, total, scope, full] = region_sums;
        let by_region = DataFrame::new_infer_height(vec![
            Column::new(PERIOD.into(), region_periods),
            Column::new(REGION.into(), regions),
            Column::new("digital".into(), digital),
            Column::new("total".into(), total),
            Column::new("scope".into(), scope),
            Column::new("full".into(), full),
        ])?;
        let [digital, total, scope, full] = procedure_sums;
        let by_procedure = DataFrame::new_infer_height(vec![
            Column::new(PERIOD.into(), procedure_periods),
            Column::new(PROCEDURE.into(), procedures),
            Column::new("digital".into(), digital),
            Column::new("total".into(), total),
            Column::new("scope".into(), scope),
            Column::new("full".into(), full),
        ])?;
        Ok(Aggregates { by_region, by_procedure })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{ArrayRef, Int64Array, StringArray};
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;

    /// Nine transactions over two months, two regions and two procedures, with a
    /// missing channel and a missing count (the comments of the test add them up).
    fn nine_rows() -> RecordBatch {
        let text =
            |values: &[Option<&str>]| -> ArrayRef { Arc::new(StringArray::from(values.to_vec())) };
        RecordBatch::try_from_iter([
            (
                "period",
                text(&[
                    Some("2024-01"),
                    Some("2024-01"),
                    Some("2024-01"),
                    Some("2024-01"),
                    Some("2024-01"),
                    Some("2024-02"),
                    Some("2024-02"),
                    Some("2024-02"),
                    Some("2024-02"),
                ]),
            ),
            (
                "region_code",
                text(&[
                    Some("01"),
                    Some("06"),
                    Some("01"),
                    Some("06"),
                    Some("01"),
                    Some("01"),
                    Some("06"),
                    Some("06"),
                    Some("01"),
                ]),
            ),
            (
                "procedure_id",
                text(&[
                    Some("A"),
                    Some("A"),
                    Some("B"),
                    Some("B"),
                    Some("A"),
                    Some("A"),
                    Some("B"),
                    Some("A"),
                    Some("B"),
                ]),
            ),
            (
                "channel",
                text(&[
                    Some("online"),
                    Some("counter"),
                    Some("counter"),
                    None,
                    Some("assisted_digital"),
                    Some("counter"),
                    Some("online"),
                    Some("online"),
                    Some("counter"),
                ]),
            ),
            (
                "transactions",
                Arc::new(Int64Array::from(vec![
                    Some(10),
                    Some(20),
                    Some(5),
                    Some(7),
                    Some(3),
                    Some(8),
                    None,
                    Some(4),
                    Some(6),
                ])) as ArrayRef,
            ),
        ])
        .unwrap()
    }

    /// The nine rows without the two with a null (a batch with no null takes the
    /// slice path): the sums are those of the comments below, worked by hand.
    #[test]
    fn a_batch_without_nulls_sums_the_same() {
        let batch = nine_rows();
        let keep = arrow_array::BooleanArray::from(vec![
            true, true, true, false, true, true, false, true, true,
        ]);
        let batch = arrow_select::filter::filter_record_batch(&batch, &keep).unwrap();
        assert_eq!(batch.num_rows(), 7);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tx.parquet");
        let mut writer =
            ArrowWriter::try_new(File::create(&path).unwrap(), batch.schema(), None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        let fully_online = |period: &str, procedure: &str| match (period, procedure) {
            ("2024-02", "A") => Standing::FullyOnline,
            ("2024-02", _) => Standing::OutOfScope,
            _ => Standing::InScope,
        };
        let aggregates = aggregate(&path, &fully_online).unwrap();
        let by_region =
            aggregates.by_region.sort(["period", "region_code"], Default::default()).unwrap();

        // 2024-01, 01: online 10 (A), counter 5 (B), assisted 3 (A): digital 13 of 18.
        // 2024-01, 06: counter 20 (A). 2024-02, 01: counter 8 (A, fully online) and
        // 6 (B, withdrawn). 2024-02, 06: online 4 (A, fully online).
        assert_eq!(sums(&by_region, "digital"), [13, 0, 0, 4]);
        assert_eq!(sums(&by_region, "total"), [18, 20, 14, 4]);
        assert_eq!(sums(&by_region, "scope"), [18, 20, 8, 4]);
        assert_eq!(sums(&by_region, "full"), [0, 0, 8, 4]);
    }

    /// Nine rows over five row groups of two rows, so that groups are shared
    /// between threads and their sums merged; a null channel and a null count.
    #[test]
    fn sums_span_row_groups_and_ask_each_procedure_once_per_period() {
        let batch = nine_rows();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tx.parquet");
        let properties = WriterProperties::builder().set_max_row_group_row_count(Some(2)).build();
        let mut writer =
            ArrowWriter::try_new(File::create(&path).unwrap(), batch.schema(), Some(properties))
                .unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();

        // A is fully online in 2024-02 only; B is withdrawn in 2024-02.
        let asked = std::sync::Mutex::new(Vec::new());
        let fully_online = |period: &str, procedure: &str| {
            asked.lock().unwrap().push(format!("{period} {procedure}"));
            match (period, procedure) {
                ("2024-02", "A") => Standing::FullyOnline,
                ("2024-02", _) => Standing::OutOfScope,
                _ => Standing::InScope,
            }
        };
        let aggregates = aggregate(&path, &fully_online).unwrap();
        let mut asked = asked.into_inner().unwrap();
        asked.sort();
        // Once per (period, procedure) and thread at most: two threads at most here.
        asked.dedup();
        assert_eq!(asked, ["2024-01 A", "2024-01 B", "2024-02 A", "2024-02 B"]);

        nine_row_sums_are_those_worked_by_hand(&aggregates);
    }

    /// The sums of [`nine_rows`] when A is fully online in 2024-02 and B withdrawn
    /// then, worked by hand.
    fn nine_row_sums_are_those_worked_by_hand(aggregates: &Aggregates) {
        let by_region =
            aggregates.by_region.sort(["period", "region_code"], Default::default()).unwrap();
        // 2024-01, 01: rows 0 (online 10, A), 2 (counter 5, B), 4 (assisted 3, A):
        //   digital 13, total 18, full 0.
        // 2024-01, 06: rows 1 (counter 20, A), 3 (no channel 7, B): digital 7, total 27.
        // 2024-02, 01: rows 5 (counter 8, A), 8 (counter 6, B): digital 0, total 14,
        //   full 8 (A).
        // 2024-02, 06: rows 6 (online, no count, B), 7 (online 4, A): digital 4,
        //   total 4, full 4.
        assert_eq!(sums(&by_region, "digital"), [13, 7, 0, 4]);
        assert_eq!(sums(&by_region, "total"), [18, 27, 14, 4]);
        assert_eq!(sums(&by_region, "full"), [0, 0, 8, 4]);
        // In scope: everything in 2024-01; only A in 2024-02 (8 in 01, 4 in 06).
        assert_eq!(sums(&by_region, "scope"), [18, 27, 8, 4]);

        let by_procedure =
            aggregates.by_procedure.sort(["period", "procedure_id"], Default::default()).unwrap();
        // 2024-01 A: 10 + 20 + 3 = 33, digital 13; B: 5 + 7 = 12, digital 7.
        // 2024-02 A: 8 + 4 = 12, digital 4; B: 0 + 6 = 6, digital 0.
        assert_eq!(sums(&by_procedure, "total"), [33, 12, 12, 6]);
        assert_eq!(sums(&by_procedure, "digital"), [13, 7, 4, 0]);
        assert_eq!(sums(&by_procedure, "scope"), [33, 12, 12, 0]);
        assert_eq!(sums(&by_procedure, "full"), [0, 0, 12, 0]);
    }

    /// A column of sums, in the frame's order.
    fn sums(frame: &DataFrame, name: &str) -> Vec<i64> {
        frame.column(name).unwrap().i64().unwrap().into_no_null_iter().collect()
    }

    /// The nine rows as the ingest gives them: two batches (rows 0-3, 4-8) whose
    /// key columns are dictionaries that grow (2024-02, channel `assisted_digital`
    /// appear in the second). The sums are the hand-worked ones above.
    #[test]
    fn dictionaries_that_grow_sum_the_same() {
        let rows = nine_rows();
        let batch_of = |range: std::ops::Range<usize>| -> RecordBatch {
            let schema = rows.schema();
            let columns: Vec<(&str, ArrayRef)> = schema
                .fields()
                .iter()
                .zip(rows.columns())
                .map(|(field, column)| {
                    let Some(text) = column.as_string_opt::<i32>() else {
                        return (field.name().as_str(), column.slice(range.start, range.len()));
                    };
                    // Values numbered in order of appearance over the whole file; the
                    // dictionary holds those met up to the end of this batch.
                    let mut values: Vec<&str> = Vec::new();
                    let mut keys = Vec::new();
                    for row in 0..range.end {
                        let key = text.is_valid(row).then(|| {
                            let value = text.value(row);
                            match values.iter().position(|v| *v == value) {
                                Some(at) => at as i32,
                                None => {
                                    values.push(value);
                                    values.len() as i32 - 1
                                }
                            }
                        });
                        if row >= range.start {
                            keys.push(key);
                        }
                    }
                    let dictionary = DictionaryArray::<Int32Type>::try_new(
                        arrow_array::Int32Array::from(keys),
                        Arc::new(StringArray::from(values)),
                    )
                    .unwrap();
                    (field.name().as_str(), Arc::new(dictionary) as ArrayRef)
                })
                .collect();
            RecordBatch::try_from_iter(columns).unwrap()
        };
        let fully_online = |period: &str, procedure: &str| match (period, procedure) {
            ("2024-02", "A") => Standing::FullyOnline,
            ("2024-02", _) => Standing::OutOfScope,
            _ => Standing::InScope,
        };
        let mut aggregator = Aggregator::new(fully_online);
        let (first, second) = (batch_of(0..4), batch_of(4..9));
        assert_eq!(dictionary(&first, PERIOD).unwrap().values().len(), 1);
        assert_eq!(dictionary(&second, PERIOD).unwrap().values().len(), 2);
        aggregator.add(&first);
        aggregator.add(&second);
        nine_row_sums_are_those_worked_by_hand(&aggregator.finish().unwrap());

        // A batch whose dictionary lost values is not from the same stream.
        let mut aggregator = Aggregator::new(fully_online);
        aggregator.add(&second);
        aggregator.add(&first);
        let err = aggregator.finish().unwrap_err().to_string();
        assert!(err.contains("lost values"), "{err}");
    }
}
