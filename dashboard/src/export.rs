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
    md2030_access::neutralise_formula(text)
}

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

fn versions_of(report: &md2030_analytics::indicator::IndicatorReport, period: &str) -> String {
    report.period_versions.get(period).cloned().unwrap_or_else(|| report.dataset_versions.join(" "))
}

fn finish(writer: csv::Writer<Vec<u8>>) -> Result<String, csv::Error> {
    let bytes = writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Every observation of an indicator (headline and each breakdown member), each
/// row with the dataset versions and the target it is assessed against.
pub fn series_csv(
    report: &md2030_analytics::indicator::IndicatorReport,
    as_of: &str,
) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "indicator",
        "breakdown",
        "member",
        "period",
        "value",
        "dataset_versions",
        "target_id",
        "as_of",
    ])?;
    let results = std::iter::once(&report.headline).chain(report.breakdowns.values().flatten());
    for result in results {
        for observation in &result.series {
            writer.write_record([
                result.id.as_str(),
                result.breakdown.as_deref().unwrap_or(""),
                &neutralise(result.member.as_deref().unwrap_or("")),
                observation.period.as_str(),
                &observation.value.to_string(),
                &versions_of(report, &observation.period),
                result.target.as_ref().map(|t| t.id.as_str()).unwrap_or(""),
                as_of,
            ])?;
        }
    }
    finish(writer)
}

/// The regional view as CSV: the latest period (what the map shows) or every
/// period, one row per region with the national value, the gap and whether it is
/// the lagging region.
pub fn regional_csv(
    report: &md2030_analytics::indicator::IndicatorReport,
    every_period: bool,
    name: &dyn Fn(&str) -> String,
) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "indicator",
        "period",
        "region_code",
        "region",
        "value",
        "national",
        "gap",
        "lagging",
        "dataset_versions",
    ])?;
    let periods = if every_period {
        report.regional.as_slice()
    } else {
        report.regional.last().map(std::slice::from_ref).unwrap_or_default()
    };
    for period in periods {
        for region in &period.regions {
            let lagging = period.lagging.as_deref() == Some(region.region_code.as_str());
            writer.write_record([
                report.id.as_str(),
                &period.period,
                &region.region_code,
                &neutralise(&name(&region.region_code)),
                &region.value.to_string(),
                &period.national.to_string(),
                &region.gap.to_string(),
                if lagging { "true" } else { "false" },
                &versions_of(report, &period.period),
            ])?;
        }
    }
    finish(writer)
}

/// The values the indicator chart draws, line by line: `observed` (each
/// observation, with its dataset versions), `trajectory` (the straight path to the
/// target, at the end of each year), `projection` (from the latest observation to
/// the target year at the observed pace) and `target`.
pub fn chart_csv(
    report: &md2030_analytics::indicator::IndicatorReport,
    as_of: &str,
) -> Result<String, csv::Error> {
    let headline = &report.headline;
    let target_id = headline.target.as_ref().map(|t| t.id.as_str()).unwrap_or("");
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "indicator",
        "line",
        "period",
        "value",
        "dataset_versions",
        "target_id",
        "as_of",
    ])?;
    let id = report.id.as_str();
    for o in &headline.series {
        let versions = versions_of(report, &o.period);
        writer.write_record([
            id,
            "observed",
            &o.period,
            &o.value.to_string(),
            &versions,
            target_id,
            as_of,
        ])?;
    }
    for t in &headline.trajectory {
        writer.write_record([
            id,
            "trajectory",
            &t.period(),
            &t.value.to_string(),
            "",
            target_id,
            as_of,
        ])?;
    }
    if let (Some(last), Some(target), Some(projection)) =
        (headline.series.last(), &headline.target, headline.judgment().map(|j| j.projection))
    {
        let versions = versions_of(report, &last.period);
        writer.write_record([
            id,
            "projection",
            &last.period,
            &last.value.to_string(),
            &versions,
            target_id,
            as_of,
        ])?;
        writer.write_record([
            id,
            "projection",
            &target.year.to_string(),
            &projection.to_string(),
            "",
            target_id,
            as_of,
        ])?;
    }
    if let Some(target) = &headline.target {
        writer.write_record([
            id,
            "target",
            &target.year.to_string(),
            &target.value.to_string(),
            "",
            target_id,
            as_of,
        ])?;
    }
    finish(writer)
}

/// The members a breakdown chart draws, in its order: code, name in the chart's
/// language (formula-like text neutralised), period, value and dataset versions.
pub fn breakdown_csv(
    report: &md2030_analytics::indicator::IndicatorReport,
    view: &crate::view::BreakdownView,
) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "indicator",
        "breakdown",
        "member_code",
        "member",
        "period",
        "value",
        "dataset_versions",
    ])?;
    for m in &view.drawn {
        writer.write_record([
            report.id.as_str(),
            view.dimension.as_str(),
            &neutralise(&m.code),
            &neutralise(&m.label),
            &m.period,
            &m.value.to_string(),
            &versions_of(report, &m.period),
        ])?;
    }
    finish(writer)
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
