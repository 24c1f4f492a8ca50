//! Stored Parquet files in and out of Polars frames, through arrow-rs: the one
//! Parquet reader and writer of the workspace (the ingest and the store write with
//! it too). Polars computes; it reads and writes no file, so that it is built
//! without its own Parquet stack, its streaming engine and the cloud clients that
//! come with them (see README, *first build*).
//!
//! A stored dataset version is offered to Polars as a lazy scan that reads only
//! the columns a query asks for ([`scan`]); a version diff reads one version at
//! once, narrowed to some partitions ([`read`]); the results tables are written as
//! Parquet (zstd) by [`parquet_bytes`].

use std::any::Any;
use std::collections::BTreeSet;
use std::fmt::Display;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types as arrow_types;
use arrow_array::{
    Array, ArrayRef, BooleanArray, Date32Array, Float64Array, Int32Array, Int64Array, RecordBatch,
    StringArray,
};
use arrow_schema::{DataType as ArrowType, Field as StoredField, Schema as StoredSchema};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::{ArrowWriter, ProjectionMask};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use polars::prelude::*;

use crate::{Error, Result};

/// Rows per batch read: a few MB of decoded columns at a time.
const BATCH_ROWS: usize = 64 * 1024;

pub(crate) fn failed(path: &Path, what: &str, err: impl Display) -> Error {
    Error::Polars(format!("reading {} ({what}): {err}", path.display()))
}

/// The footer of `path`, its types from the Parquet schema alone (a writer's own
/// Arrow schema, string views or dictionaries for instance, is not needed to read
/// text).
pub(crate) fn footer(path: &Path) -> Result<(File, ArrowReaderMetadata)> {
    let file = File::open(path).map_err(|err| failed(path, "open", err))?;
    let options = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
    let metadata =
        ArrowReaderMetadata::load(&file, options).map_err(|err| failed(path, "footer", err))?;
    Ok((file, metadata))
}

/// The Polars type a stored column is read as: text, flag, 32- or 64-bit integer,
/// float or date. None for a type no contract stores.
fn polars_type(stored: &ArrowType) -> Option<DataType> {
    use ArrowType as A;
    Some(match stored {
        A::Utf8 | A::LargeUtf8 | A::Utf8View => DataType::String,
        A::Boolean => DataType::Boolean,
        A::Int8 | A::Int16 | A::Int32 => DataType::Int32,
        A::Int64 | A::UInt8 | A::UInt16 | A::UInt32 => DataType::Int64,
        A::Float32 | A::Float64 => DataType::Float64,
        A::Date32 => DataType::Date,
        _ => return None,
    })
}

fn polars_schema(path: &Path, stored: &StoredSchema) -> Result<Schema> {
    let mut schema = Schema::with_capacity(stored.fields().len());
    for field in stored.fields() {
        let dtype = polars_type(field.data_type()).ok_or_else(|| {
            failed(path, "schema", format!("column {} of type {}", field.name(), field.data_type()))
        })?;
        schema.insert(field.name().as_str().into(), dtype);
    }
    Ok(schema)
}

/// One column being read, batch after batch.
enum Builder {
    Text(StringChunkedBuilder),
    Flag(Vec<Option<bool>>),
    Int32(Vec<Option<i32>>),
    Int64(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Date(Vec<Option<i32>>),
}

impl Builder {
    fn new(name: &str, dtype: &DataType, rows: usize) -> Builder {
        match dtype {
            DataType::String => Builder::Text(StringChunkedBuilder::new(name.into(), rows)),
            DataType::Boolean => Builder::Flag(Vec::with_capacity(rows)),
            DataType::Int32 => Builder::Int32(Vec::with_capacity(rows)),
            DataType::Float64 => Builder::Float(Vec::with_capacity(rows)),
            DataType::Date => Builder::Date(Vec::with_capacity(rows)),
            _ => Builder::Int64(Vec::with_capacity(rows)),
        }
    }

    /// Appends `array`'s values; the builder was made for its type
    /// ([`polars_type`]).
    fn push(&mut self, array: &dyn Array) {
        use ArrowType as A;
        fn ints<'a, T: arrow_array::ArrowPrimitiveType, U>(
            array: &'a dyn Array,
            to: impl Fn(T::Native) -> U + 'a,
        ) -> impl Iterator<Item = Option<U>> + 'a {
            array.as_primitive::<T>().iter().map(move |v| v.map(&to))
        }
        match (self, array.data_type()) {
            (Builder::Text(b), A::Utf8) => {
                array.as_string::<i32>().iter().for_each(|v| b.append_option(v))
            }
            (Builder::Text(b), A::LargeUtf8) => {
                array.as_string::<i64>().iter().for_each(|v| b.append_option(v))
            }
            (Builder::Text(b), A::Utf8View) => {
                array.as_string_view().iter().for_each(|v| b.append_option(v))
            }
            (Builder::Flag(v), _) => v.extend(array.as_boolean().iter()),
            (Builder::Int32(v), A::Int8) => {
                v.extend(ints::<arrow_types::Int8Type, _>(array, i32::from))
            }
            (Builder::Int32(v), A::Int16) => {
                v.extend(ints::<arrow_types::Int16Type, _>(array, i32::from))
            }
            (Builder::Int32(v), _) => {
                v.extend(array.as_primitive::<arrow_types::Int32Type>().iter())
            }
            (Builder::Int64(v), A::UInt8) => {
                v.extend(ints::<arrow_types::UInt8Type, _>(array, i64::from))
            }
            (Builder::Int64(v), A::UInt16) => {
                v.extend(ints::<arrow_types::UInt16Type, _>(array, i64::from))
            }
            (Builder::Int64(v), A::UInt32) => {
                v.extend(ints::<arrow_types::UInt32Type, _>(array, i64::from))
            }
            (Builder::Int64(v), _) => {
                v.extend(array.as_primitive::<arrow_types::Int64Type>().iter())
            }
            (Builder::Float(v), A::Float32) => {
                v.extend(ints::<arrow_types::Float32Type, _>(array, f64::from))
            }
            (Builder::Float(v), _) => {
                v.extend(array.as_primitive::<arrow_types::Float64Type>().iter())
            }
            (Builder::Date(v), _) => {
                v.extend(array.as_primitive::<arrow_types::Date32Type>().iter())
            }
            (Builder::Text(_), _) => {}
        }
    }

    fn finish(self, name: &str) -> PolarsResult<Column> {
        let name: PlSmallStr = name.into();
        Ok(match self {
            Builder::Text(b) => b.finish().into_column(),
            Builder::Flag(v) => Column::new(name, v),
            Builder::Int32(v) => Column::new(name, v),
            Builder::Int64(v) => Column::new(name, v),
            Builder::Float(v) => Column::new(name, v),
            Builder::Date(v) => Column::new(name, v).cast(&DataType::Date)?,
        })
    }
}

/// The row groups of a file that may hold a row whose `column` is one of `values`,
/// from the footer's minimum and maximum (a row group without them is read).
fn row_groups_kept(
    metadata: &ArrowReaderMetadata,
    column: usize,
    values: &BTreeSet<String>,
) -> Vec<usize> {
    use parquet::file::statistics::Statistics as S;
    let ints: Vec<i64> = values.iter().filter_map(|v| v.parse().ok()).collect();
    let within_ints = |min: i64, max: i64| ints.iter().any(|v| (min..=max).contains(v));
    let groups = metadata.metadata().row_groups();
    (0..groups.len())
        .filter(|&at| {
            let Some(stats) = groups[at].columns().get(column).and_then(|c| c.statistics()) else {
                return true;
            };
            match stats {
                S::ByteArray(s) => match (s.min_opt(), s.max_opt()) {
                    (Some(min), Some(max)) => values
                        .iter()
                        .any(|v| v.as_bytes() >= min.data() && v.as_bytes() <= max.data()),
                    _ => true,
                },
                S::Int32(s) => match (s.min_opt(), s.max_opt()) {
                    (Some(min), Some(max)) => within_ints(i64::from(*min), i64::from(*max)),
                    _ => true,
                },
                S::Int64(s) => match (s.min_opt(), s.max_opt()) {
                    (Some(min), Some(max)) => within_ints(*min, *max),
                    _ => true,
                },
                _ => true,
            }
        })
        .collect()
}

/// Reads the stored Parquet file at `path` into a frame: the `columns` named (all
/// when None, in the file's order), at most `limit` rows, and when `keep` is given
/// only the rows whose column holds one of the values (a text or integer
/// partition column; rows of any other type are all kept).
pub fn read(
    path: &Path,
    columns: Option<&[String]>,
    keep: Option<(&str, &BTreeSet<String>)>,
    limit: Option<usize>,
) -> Result<DataFrame> {
    let (file, metadata) = footer(path)?;
    let stored = metadata.schema().clone();
    let schema = polars_schema(path, &stored)?;
    let wanted: Vec<String> = match columns {
        Some(names) => names.to_vec(),
        None => stored.fields().iter().map(|f| f.name().clone()).collect(),
    };
    let mut roots = Vec::with_capacity(wanted.len() + 1);
    for name in wanted.iter().map(String::as_str).chain(keep.map(|(c, _)| c)) {
        roots.push(stored.index_of(name).map_err(|err| failed(path, "columns", err))?);
    }
    let groups = keep.map(|(_, values)| {
        // The partition column's index among the leaves (a flat schema: its root).
        let at = roots[roots.len() - 1];
        row_groups_kept(&metadata, at, values)
    });
    let mask = ProjectionMask::roots(metadata.parquet_schema(), roots);
    let rows = usize::try_from(metadata.metadata().file_metadata().num_rows()).unwrap_or(0);
    let rows = limit.map_or(rows, |limit| rows.min(limit));
    let mut builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata)
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS);
    if let Some(limit) = limit {
        builder = builder.with_limit(limit);
    }
    if let Some(groups) = groups {
        builder = builder.with_row_groups(groups);
    }
    let reader = builder.build().map_err(|err| failed(path, "reader", err))?;
    let mut builders: Vec<Builder> = wanted
        .iter()
        .map(|name| {
            let dtype = schema.get(name.as_str()).cloned().unwrap_or(DataType::Int64);
            Builder::new(name, &dtype, if keep.is_some() { 0 } else { rows })
        })
        .collect();
    for batch in reader {
        let mut batch = batch.map_err(|err| failed(path, "row group", err))?;
        if let Some((column, values)) = keep {
            batch = narrowed(&batch, column, values).map_err(|err| failed(path, "filter", err))?;
        }
        for (name, builder) in wanted.iter().zip(builders.iter_mut()) {
            let array: &ArrayRef = batch
                .column_by_name(name)
                .ok_or_else(|| failed(path, "columns", format!("no column {name}")))?;
            builder.push(array.as_ref());
        }
    }
    let columns = wanted
        .iter()
        .zip(builders)
        .map(|(name, builder)| builder.finish(name))
        .collect::<PolarsResult<Vec<Column>>>()?;
    if columns.is_empty() {
        return Ok(DataFrame::empty_with_height(rows));
    }
    Ok(DataFrame::new_infer_height(columns)?)
}

/// The rows of `batch` whose `column` is one of `values`.
fn narrowed(
    batch: &RecordBatch,
    column: &str,
    values: &BTreeSet<String>,
) -> std::result::Result<RecordBatch, String> {
    let Some(array) = batch.column_by_name(column) else {
        return Err(format!("no column {column}"));
    };
    use ArrowType as A;
    let ints = || values.iter().filter_map(|v| v.parse().ok()).collect::<BTreeSet<i64>>();
    let keep: BooleanArray = match array.data_type() {
        A::Utf8 => array
            .as_string::<i32>()
            .iter()
            .map(|v| Some(v.is_some_and(|v| values.contains(v))))
            .collect(),
        A::LargeUtf8 => array
            .as_string::<i64>()
            .iter()
            .map(|v| Some(v.is_some_and(|v| values.contains(v))))
            .collect(),
        A::Utf8View => array
            .as_string_view()
            .iter()
            .map(|v| Some(v.is_some_and(|v| values.contains(v))))
            .collect(),
        A::Int32 => {
            let ints = ints();
            let array = array.as_primitive::<arrow_types::Int32Type>();
            array.iter().map(|v| Some(v.is_some_and(|v| ints.contains(&i64::from(v))))).collect()
        }
        A::Int64 => {
            let ints = ints();
            let array = array.as_primitive::<arrow_types::Int64Type>();
            array.iter().map(|v| Some(v.is_some_and(|v| ints.contains(&v)))).collect()
        }
        _ => return Ok(batch.clone()),
    };
    arrow_select::filter::filter_record_batch(batch, &keep).map_err(|err| err.to_string())
}

/// A stored file offered to Polars as a scan: only the columns a query uses are
/// read, when it is collected.
struct Scan {
    path: PathBuf,
    schema: SchemaRef,
}

impl AnonymousScan for Scan {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn scan(&self, args: AnonymousScanArgs) -> PolarsResult<DataFrame> {
        let columns: Option<Vec<String>> =
            args.with_columns.map(|names| names.iter().map(|n| n.to_string()).collect());
        read(&self.path, columns.as_deref(), None, args.n_rows)
            .map_err(|err| PolarsError::ComputeError(err.to_string().into()))
    }

    fn schema(&self, _infer_schema_length: Option<usize>) -> PolarsResult<SchemaRef> {
        Ok(self.schema.clone())
    }

    fn allows_projection_pushdown(&self) -> bool {
        true
    }
}

/// A lazy scan of the stored Parquet file at `path` (its footer is read now, its
/// rows when the query is collected).
pub fn scan(path: &Path) -> Result<LazyFrame> {
    let (_, metadata) = footer(path)?;
    let schema = Arc::new(polars_schema(path, metadata.schema())?);
    let scan = Scan { path: path.to_path_buf(), schema };
    Ok(LazyFrame::anonymous_scan(Arc::new(scan), Default::default())?)
}

fn write_failed(err: impl Display) -> Error {
    Error::Polars(format!("writing Parquet: {err}"))
}

/// A frame's column as an Arrow array: text, flag, integer, float or date.
fn arrow_column(column: &Column) -> Result<(StoredField, ArrayRef)> {
    let name = column.name().to_string();
    let (dtype, array): (ArrowType, ArrayRef) = match column.dtype() {
        DataType::String => {
            (ArrowType::Utf8, Arc::new(column.str()?.iter().collect::<StringArray>()))
        }
        DataType::Boolean => {
            (ArrowType::Boolean, Arc::new(column.bool()?.iter().collect::<BooleanArray>()))
        }
        DataType::Int32 => {
            (ArrowType::Int32, Arc::new(column.i32()?.iter().collect::<Int32Array>()))
        }
        DataType::Int64 => {
            (ArrowType::Int64, Arc::new(column.i64()?.iter().collect::<Int64Array>()))
        }
        DataType::UInt32 => (
            ArrowType::Int64,
            Arc::new(column.u32()?.iter().map(|v| v.map(i64::from)).collect::<Int64Array>()),
        ),
        DataType::Float64 => {
            (ArrowType::Float64, Arc::new(column.f64()?.iter().collect::<Float64Array>()))
        }
        DataType::Date => {
            (ArrowType::Date32, Arc::new(column.date()?.physical().iter().collect::<Date32Array>()))
        }
        other => return Err(write_failed(format!("column {name} of type {other}"))),
    };
    Ok((StoredField::new(name, dtype, true), array))
}

/// A table as Parquet bytes (zstd, statistics), deterministic for the same table.
pub fn parquet_bytes(table: &DataFrame) -> Result<Vec<u8>> {
    let (fields, arrays): (Vec<StoredField>, Vec<ArrayRef>) =
        table.columns().iter().map(arrow_column).collect::<Result<Vec<_>>>()?.into_iter().unzip();
    let schema = Arc::new(StoredSchema::new(fields));
    let batch = RecordBatch::try_new(schema, arrays).map_err(write_failed)?;
    batch_parquet_bytes(&batch)
}

/// A record batch as Parquet bytes, as [`parquet_bytes`] writes a table.
pub fn batch_parquet_bytes(batch: &RecordBatch) -> Result<Vec<u8>> {
    let properties = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let mut bytes = Vec::new();
    let mut writer =
        ArrowWriter::try_new(&mut bytes, batch.schema(), Some(properties)).map_err(write_failed)?;
    writer.write(batch).map_err(write_failed)?;
    writer.close().map_err(write_failed)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame of every stored type, written and read back: the same values, nulls
    /// included; a projection reads the columns asked for, in the order asked; a
    /// narrowing keeps the rows of the partitions named.
    #[test]
    fn a_frame_round_trips_through_the_stored_parquet() {
        let frame = df!(
            "period" => ["2024-01", "2024-02", "2024-02"],
            "region_code" => [Some("01"), None, Some("12")],
            "count" => [Some(3i64), Some(-4), None],
            "year" => [2024i32, 2024, 2025],
            "share" => [Some(0.5f64), None, Some(1.25)],
            "reviewed" => [Some(true), Some(false), None],
        )
        .unwrap()
        .lazy()
        .with_column(lit(19_723i32).cast(DataType::Date).alias("day"))
        .collect()
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        std::fs::write(&path, parquet_bytes(&frame).unwrap()).unwrap();

        let back = read(&path, None, None, None).unwrap();
        assert_eq!(back, frame);
        // 19,723 days after 1970-01-01 is 2024-01-01.
        let day = back.column("day").unwrap().cast(&DataType::String).unwrap();
        assert_eq!(day.str().unwrap().get(0), Some("2024-01-01"));

        let two = read(&path, Some(&["share".to_string(), "period".to_string()]), None, None);
        assert_eq!(two.unwrap().get_column_names(), ["share", "period"]);

        let february = BTreeSet::from(["2024-02".to_string()]);
        let kept = read(&path, None, Some(("period", &february)), None).unwrap();
        assert_eq!(kept.height(), 2);
        assert_eq!(kept.column("region_code").unwrap().str().unwrap().get(1), Some("12"));

        // The lazy scan: a sum over one column, 3 - 4 = -1.
        let sum = scan(&path).unwrap().select([col("count").sum()]).collect().unwrap();
        assert_eq!(sum.column("count").unwrap().i64().unwrap().get(0), Some(-1));
    }

    /// A file of three row groups (two rows each, periods sorted as the ingest
    /// stores them): narrowing to 2024-02 reads only the second group, whose
    /// minimum and maximum are both 2024-02; to year 2025 only the third.
    #[test]
    fn a_narrowed_read_skips_the_row_groups_its_values_fall_outside() {
        let periods = ["2024-01", "2024-01", "2024-02", "2024-02", "2024-03", "2024-03"];
        let years = [2024i64, 2024, 2024, 2024, 2025, 2025];
        let schema = Arc::new(StoredSchema::new(vec![
            StoredField::new("period", ArrowType::Utf8, false),
            StoredField::new("year", ArrowType::Int64, false),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(periods.to_vec())),
                Arc::new(Int64Array::from(years.to_vec())),
            ],
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let props = WriterProperties::builder().set_max_row_group_row_count(Some(2)).build();
        let mut writer =
            ArrowWriter::try_new(File::create(&path).unwrap(), schema, Some(props)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();

        let (_, metadata) = footer(&path).unwrap();
        assert_eq!(metadata.metadata().num_row_groups(), 3);
        let february = BTreeSet::from(["2024-02".to_string()]);
        assert_eq!(row_groups_kept(&metadata, 0, &february), [1]);
        assert_eq!(row_groups_kept(&metadata, 1, &BTreeSet::from(["2025".to_string()])), [2]);
        let kept = read(&path, None, Some(("period", &february)), None).unwrap();
        assert_eq!(kept.height(), 2);
        let kept = read(&path, None, Some(("year", &BTreeSet::from(["2025".to_string()]))), None);
        assert_eq!(kept.unwrap().column("period").unwrap().str().unwrap().get(0), Some("2024-03"));
    }
}
