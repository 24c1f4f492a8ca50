//! Stored dataset versions and the audit log as CSV for download: UTF-8, comma, `.` decimal point,
//! ISO dates, empty for no value; text cells that a spreadsheet would run as a
//! formula (starting with `=`, `+`, `-`, `@`, tab or carriage return) are prefixed
//! with an apostrophe.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;

use md2030_model::csv::formula_safe as neutralise;

fn cell(array: &dyn Array, row: usize) -> String {
    if array.is_null(row) {
        return String::new();
    }
    match array.data_type() {
        DataType::Utf8 => neutralise(array.as_string::<i32>().value(row)).into_owned(),
        DataType::LargeUtf8 => neutralise(array.as_string::<i64>().value(row)).into_owned(),
        // Polars writes its strings as views.
        DataType::Utf8View => neutralise(array.as_string_view().value(row)).into_owned(),
        DataType::Int64 => array.as_primitive::<Int64Type>().value(row).to_string(),
        DataType::Int32 => array.as_primitive::<Int32Type>().value(row).to_string(),
        DataType::Float64 => array.as_primitive::<Float64Type>().value(row).to_string(),
        DataType::Boolean => array.as_boolean().value(row).to_string(),
        DataType::Date32 => array
            .as_primitive::<Date32Type>()
            .value_as_date(row)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// The batches of one version as CSV bytes with a header row.
pub fn batches_to_csv(batches: &[RecordBatch]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    if let Some(first) = batches.first() {
        writer.write_record(first.schema().fields().iter().map(|f| f.name().as_str()))?;
    }
    for batch in batches {
        for row in 0..batch.num_rows() {
            writer.write_record(batch.columns().iter().map(|c| cell(c.as_ref(), row)))?;
        }
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// A stored version as CSV written to `out` batch by batch (memory: one batch),
/// with a header row; formula-like cells neutralised as in [`batches_to_csv`].
pub fn version_csv_to(
    batches: impl Iterator<Item = Result<RecordBatch, String>>,
    schema: &arrow_schema::Schema,
    out: impl std::io::Write,
) -> Result<(), String> {
    let mut writer = csv::Writer::from_writer(out);
    writer
        .write_record(schema.fields().iter().map(|f| f.name().as_str()))
        .map_err(|e| e.to_string())?;
    for batch in batches {
        let batch = batch?;
        for row in 0..batch.num_rows() {
            writer
                .write_record(batch.columns().iter().map(|c| cell(c.as_ref(), row)))
                .map_err(|e| e.to_string())?;
        }
    }
    writer.flush().map_err(|e| e.to_string())
}

/// The audit log as CSV (`md2030 audit --format csv` and `/download/audit.csv`),
/// every cell formula-safe.
pub fn audit_csv(records: &[md2030_store::AuditRecord]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "seq", "at", "actor", "action", "subject", "outcome", "address", "detail", "sha256",
    ])?;
    for r in records {
        let (seq, detail) = (r.seq.to_string(), r.detail.to_string());
        let row = [
            &seq, &r.at, &r.actor, &r.action, &r.subject, &r.outcome, &r.address, &detail,
            &r.sha256,
        ];
        writer.write_record(row.map(|c| neutralise(c).into_owned()))?;
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{BooleanArray, Date32Array, Float64Array, StringArray};
    use arrow_schema::{Field, Schema};

    use super::*;

    #[test]
    fn formulas_are_neutralised_and_values_written_plainly() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("name", DataType::Utf8, true),
            Field::new("value", DataType::Float64, true),
            Field::new("ok", DataType::Boolean, true),
            Field::new("day", DataType::Date32, true),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(vec![
                    Some("=HYPERLINK(\"x\")"),
                    Some("Rabat, Salé"),
                    None,
                ])),
                Arc::new(Float64Array::from(vec![Some(-1.5), Some(26.2e9), None])),
                Arc::new(BooleanArray::from(vec![Some(true), Some(false), None])),
                // 20,089 days after 1970-01-01 is 2025-01-01.
                Arc::new(Date32Array::from(vec![Some(20_089), None, None])),
            ],
        )
        .unwrap();
        let csv = String::from_utf8(batches_to_csv(&[batch]).unwrap()).unwrap();
        assert_eq!(
            csv,
            "name,value,ok,day\n\"'=HYPERLINK(\"\"x\"\")\",-1.5,true,2025-01-01\n\"Rabat, Salé\",26200000000,false,\n,,,\n"
        );
    }

    #[test]
    fn string_views_and_large_strings_are_written_like_strings() {
        // Polars writes its results with string views; a missed type would come out
        // as empty cells.
        let schema = Arc::new(Schema::new(vec![
            Field::new("view", DataType::Utf8View, true),
            Field::new("large", DataType::LargeUtf8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(arrow_array::StringViewArray::from(vec![Some("offshoring_jobs"), None])),
                Arc::new(arrow_array::LargeStringArray::from(vec![Some("@SUM(A1)"), Some("x")])),
            ],
        )
        .unwrap();
        let csv = String::from_utf8(batches_to_csv(&[batch]).unwrap()).unwrap();
        assert_eq!(csv, "view,large\noffshoring_jobs,'@SUM(A1)\n,x\n");
    }
}
