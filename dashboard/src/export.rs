//! Stored dataset versions as CSV for download: UTF-8, comma, `.` decimal point,
//! ISO dates, empty for no value; text cells that a spreadsheet would run as a
//! formula (starting with `=`, `+`, `-`, `@`, tab or carriage return) are prefixed
//! with an apostrophe.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;

/// Neutralises a text cell a spreadsheet would evaluate as a formula.
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

fn cell(array: &dyn Array, row: usize) -> String {
    if array.is_null(row) {
        return String::new();
    }
    match array.data_type() {
        DataType::Utf8 => neutralise(array.as_string::<i32>().value(row)).into_owned(),
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
}
