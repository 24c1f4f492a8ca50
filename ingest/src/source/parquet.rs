//! Parquet submitted by a ministry or an analyst. Columns are turned into text and
//! go through the same checks as every other format, so a Parquet file cannot
//! bypass the contract.

use std::fs::File;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use md2030_model::{Issue, Rule};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use crate::source::{RowBuf, RowSource};

pub struct ParquetSource {
    reader: ParquetRecordBatchReader,
    header: Vec<String>,
    batch: Option<RecordBatch>,
    batch_row: usize,
    dict_keys: Vec<Option<Vec<usize>>>,
    emitted_header: bool,
    record_no: u64,
    total: u64,
    file_bytes: u64,
}

impl std::fmt::Debug for ParquetSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetSource").field("header", &self.header).finish()
    }
}

impl ParquetSource {
    pub fn open(path: &Path) -> Result<ParquetSource, Issue> {
        let file = File::open(path)
            .map_err(|err| Issue::error(Rule::Unreadable).expecting(err.to_string()))?;
        let file_bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|err| {
            Issue::error(Rule::UnsupportedFormat).expecting(format!("unreadable Parquet: {err}"))
        })?;
        let total = builder.metadata().file_metadata().num_rows().max(0) as u64;
        let schema = builder.schema().clone();
        for field in schema.fields() {
            if !supported(field.data_type()) {
                return Err(Issue::error(Rule::UnsupportedFormat)
                    .in_column(field.name().clone())
                    .expecting(format!(
                        "a Parquet column of type {} (use text, integer, float, boolean or date)",
                        field.data_type()
                    )));
            }
        }
        let header = schema.fields().iter().map(|f| f.name().clone()).collect();
        let reader = builder.with_batch_size(8192).build().map_err(|err| {
            Issue::error(Rule::UnsupportedFormat).expecting(format!("unreadable Parquet: {err}"))
        })?;
        Ok(ParquetSource {
            reader,
            header,
            batch: None,
            batch_row: 0,
            dict_keys: Vec::new(),
            emitted_header: false,
            record_no: 0,
            total,
            file_bytes,
        })
    }
}

fn supported(dtype: &DataType) -> bool {
    use DataType::*;
    match dtype {
        Utf8 | LargeUtf8 | Utf8View | Boolean | Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16
        | UInt32 | UInt64 | Float32 | Float64 | Date32 | Null => true,
        Dictionary(_, value) => matches!(value.as_ref(), Utf8 | LargeUtf8),
        _ => false,
    }
}

/// Pushes cell `idx` of `array`; for a dictionary column, `dict_keys` holds its keys
/// normalised once per batch.
fn push_column_cell(row: &mut RowBuf, array: &dyn Array, dict_keys: Option<&[usize]>, idx: usize) {
    match dict_keys {
        Some(keys) if array.is_null(idx) => {
            let _ = keys;
            row.push("");
        }
        Some(keys) => push_cell(row, array.as_any_dictionary().values().as_ref(), keys[idx]),
        None => push_cell(row, array, idx),
    }
}

fn push_cell(row: &mut RowBuf, array: &dyn Array, idx: usize) {
    if array.is_null(idx) {
        row.push("");
        return;
    }
    let text = match array.data_type() {
        DataType::Utf8 => return row.push(array.as_string::<i32>().value(idx)),
        DataType::LargeUtf8 => return row.push(array.as_string::<i64>().value(idx)),
        DataType::Utf8View => return row.push(array.as_string_view().value(idx)),
        DataType::Boolean => array.as_boolean().value(idx).to_string(),
        DataType::Int8 => array.as_primitive::<Int8Type>().value(idx).to_string(),
        DataType::Int16 => array.as_primitive::<Int16Type>().value(idx).to_string(),
        DataType::Int32 => array.as_primitive::<Int32Type>().value(idx).to_string(),
        DataType::Int64 => array.as_primitive::<Int64Type>().value(idx).to_string(),
        DataType::UInt8 => array.as_primitive::<UInt8Type>().value(idx).to_string(),
        DataType::UInt16 => array.as_primitive::<UInt16Type>().value(idx).to_string(),
        DataType::UInt32 => array.as_primitive::<UInt32Type>().value(idx).to_string(),
        DataType::UInt64 => array.as_primitive::<UInt64Type>().value(idx).to_string(),
        DataType::Float32 => array.as_primitive::<Float32Type>().value(idx).to_string(),
        DataType::Float64 => array.as_primitive::<Float64Type>().value(idx).to_string(),
        DataType::Date32 => {
            let days = array.as_primitive::<Date32Type>().value(idx);
            chrono::NaiveDate::from_num_days_from_ce_opt(days + 719_163)
                .map(|d| d.to_string())
                .unwrap_or_default()
        }
        _ => String::new(),
    };
    row.push(&text);
}

impl RowSource for ParquetSource {
    fn next_row(&mut self, row: &mut RowBuf) -> Result<bool, Issue> {
        row.clear();
        if !self.emitted_header {
            self.emitted_header = true;
            for heading in &self.header {
                row.push(heading);
            }
            return Ok(true);
        }
        loop {
            if let Some(batch) = &self.batch
                && self.batch_row < batch.num_rows()
            {
                self.record_no += 1;
                row.line = self.record_no;
                for (column, keys) in batch.columns().iter().zip(&self.dict_keys) {
                    push_column_cell(row, column.as_ref(), keys.as_deref(), self.batch_row);
                }
                self.batch_row += 1;
                return Ok(true);
            }
            match self.reader.next() {
                None => return Ok(false),
                Some(Ok(batch)) => {
                    self.dict_keys = batch
                        .columns()
                        .iter()
                        .map(|c| {
                            matches!(c.data_type(), DataType::Dictionary(_, _))
                                .then(|| c.as_any_dictionary().normalized_keys())
                        })
                        .collect();
                    self.batch = Some(batch);
                    self.batch_row = 0;
                }
                Some(Err(err)) => {
                    return Err(Issue::error(Rule::UnsupportedFormat)
                        .at_row(self.record_no + 1)
                        .expecting(format!("unreadable Parquet: {err}")));
                }
            }
        }
    }

    fn bytes_read(&self) -> u64 {
        (self.file_bytes * self.record_no).checked_div(self.total).unwrap_or(self.file_bytes)
    }

    fn describe(&self) -> String {
        format!("Parquet, {} rows", self.total)
    }
}
