//! Every input format and quirk through the whole pipeline into a store: workbooks
//! with a notice sheet and title rows, Parquet, JSON, French CSV.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use md2030_ingest::{IngestConfig, Outcome, ingest_file};
use md2030_model::{Lang, Rule, find_contract};
use md2030_store::Store;

fn config(sheet: Option<&str>) -> IngestConfig {
    IngestConfig {
        ingested_by: "test".into(),
        ingested_at: "2026-11-23T00:00:00Z".into(),
        synthetic: false,
        sheet: sheet.map(str::to_string),
        display_name: None,
        reference_period: None,
    }
}

fn ingest(store: &mut Store, dataset: &str, path: &Path, sheet: Option<&str>) -> Outcome {
    ingest_file(store, find_contract(dataset).unwrap(), path, &config(sheet), &mut |_| {}).unwrap()
}

fn accepted(outcome: Outcome) {
    if !matches!(outcome, Outcome::Accepted { .. }) {
        panic!("not accepted:\n{}", outcome.report().render(Lang::En));
    }
}

/// A workbook whose first sheet is a notice, whose data sheet has two title rows
/// above the header, French headings, a date cell and Arabic text.
fn write_workbook(path: &Path) {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let notice = workbook.add_worksheet();
    notice.set_name("Notice").unwrap();
    notice.write_string(0, 0, "Ce classeur contient les fonctionnaires formés.").unwrap();
    let data = workbook.add_worksheet();
    data.set_name("Données 2024").unwrap();
    data.write_string(0, 0, "Ministère de la Transition numérique — formation des fonctionnaires")
        .unwrap();
    data.write_string(1, 0, "Source : DRH, extraction du 15/01/2025").unwrap();
    for (col, heading) in
        ["Année", "Ministère", "Fonctionnaires formés", "dont femmes", "Heures de formation"]
            .iter()
            .enumerate()
    {
        data.write_string(3, col as u16, *heading).unwrap();
    }
    let rows: [(f64, &str, f64, f64, f64); 3] = [
        (2024.0, "MI", 1200.0, 500.0, 24000.0),
        (2024.0, "Intérieur", 1.0, 0.0, 8.0),
        (2024.0, "MEF", 800.0, 410.0, 16000.0),
    ];
    // "Intérieur" is the same ministry as MI: a duplicate key, used by the second test.
    for (idx, (year, ministry, trained, women, hours)) in rows.iter().enumerate() {
        let row = 4 + idx as u32;
        data.write_number(row, 0, *year).unwrap();
        data.write_string(row, 1, *ministry).unwrap();
        data.write_number(row, 2, *trained).unwrap();
        data.write_number(row, 3, *women).unwrap();
        data.write_number(row, 4, *hours).unwrap();
    }
    let other = workbook.add_worksheet();
    other.set_name("Clean").unwrap();
    for (col, heading) in ["year", "ministry_code", "trained"].iter().enumerate() {
        other.write_string(0, col as u16, *heading).unwrap();
    }
    other.write_number(1, 0, 2023.0).unwrap();
    other.write_string(1, 1, "وزارة العدل").unwrap();
    other.write_number(1, 2, 321.0).unwrap();
    workbook.save(path).unwrap();
}

#[test]
fn a_workbook_sheet_is_chosen_by_its_header_or_by_name_and_title_rows_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("formation.xlsx");
    write_workbook(&path);
    let mut store = Store::open(&dir.path().join("store")).unwrap();
    // Without --sheet the data sheet is chosen (the notice has no header); its rows 2
    // and 3 (as Excel numbers them, header on row 4) name the same ministry twice.
    let outcome = ingest(&mut store, "civil_servant_training", &path, None);
    let report = outcome.report();
    assert!(report.source_description.contains("Données 2024"), "{}", report.source_description);
    assert_eq!(report.header_row, Some(4));
    let duplicate = report.issues.iter().find(|i| i.rule == Rule::PrimaryKey).unwrap();
    assert_eq!((duplicate.row, duplicate.expected.as_deref()), (Some(6), Some("5")));
    // --sheet picks another sheet; the Arabic ministry name resolves to its code.
    accepted(ingest(&mut store, "civil_servant_training", &path, Some("Clean")));
    let current = store.current("civil_servant_training").unwrap().unwrap();
    let batches = store.read(&current).unwrap();
    assert_eq!(
        batches[0].column_by_name("ministry_code").unwrap().as_string::<i32>().value(0),
        "MJ"
    );
    assert_eq!(
        batches[0].column_by_name("trained").unwrap().as_primitive::<Int64Type>().value(0),
        321
    );
}

#[test]
fn parquet_submissions_go_through_the_same_checks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("talent.parquet");
    let schema = Arc::new(Schema::new(vec![
        Field::new("year", DataType::Int64, false),
        Field::new("programme_type", DataType::Utf8, false),
        Field::new("region_code", DataType::Utf8, false),
        Field::new("trained", DataType::Int64, false),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Int64Array::from(vec![2024, 2024])),
            Arc::new(StringArray::from(vec!["degree", "reconversion"])),
            Arc::new(StringArray::from(vec!["06", "99"])),
            Arc::new(Int64Array::from(vec![1500, 300])),
        ],
    )
    .unwrap();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), schema, None)
            .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let mut store = Store::open(&dir.path().join("store")).unwrap();
    let outcome = ingest(&mut store, "talent", &path, None);
    let issue = &outcome.report().issues[0];
    assert_eq!(
        (issue.rule, issue.row, issue.value.as_deref()),
        (Rule::ForeignKey, Some(2), Some("99"))
    );
    assert!(store.current("talent").unwrap().is_none());
}

#[test]
fn a_french_semicolon_file_with_decimal_commas_and_day_first_dates_is_read_right() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("levées.csv");
    std::fs::write(
        dir.path().join("startups.csv"),
        "startup_id,name,founded_year,label_year,region_code,sector,status\nSTU-00001,Atlas,2019,2021,06,fintech,active\n",
    )
    .unwrap();
    std::fs::write(
        &path,
        "\u{feff}Identifiant;Startup;Date de clôture;Montant (MAD);Stade;Investisseur\r\n\
         RND-000001;STU-00001;15/03/2024;\"2 500 000,50\";Amorçage;vc\r\n\
         RND-000002;STU-00001;2024-11-02;1.250.000;série A;public\r\n",
    )
    .unwrap();
    let mut store = Store::open(&dir.path().join("store")).unwrap();
    accepted(ingest(&mut store, "startups", &dir.path().join("startups.csv"), None));
    accepted(ingest(&mut store, "startup_funding", &path, None));
    let current = store.current("startup_funding").unwrap().unwrap();
    let batch = &store.read(&current).unwrap()[0];
    let amounts = batch.column_by_name("amount_mad").unwrap().as_primitive::<Float64Type>();
    assert_eq!((amounts.value(0), amounts.value(1)), (2_500_000.5, 1_250_000.0));
    let stages = batch.column_by_name("stage").unwrap().as_string::<i32>();
    assert_eq!((stages.value(0), stages.value(1)), ("seed", "series_a"));
    let dates = batch
        .column_by_name("round_date")
        .unwrap()
        .as_primitive::<arrow_array::types::Date32Type>();
    // 2024-03-15 is day 19797 after 1970-01-01.
    assert_eq!(dates.value(0), 19_797);
}

#[test]
fn a_file_full_of_duplicates_gets_every_one_counted_and_the_first_detailed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("talent.csv");
    let mut text = String::from("year,programme_type,region_code,trained\n");
    for _ in 0..601 {
        text.push_str("2024,degree,06,10\n");
    }
    std::fs::write(&path, text).unwrap();
    let mut store = Store::open(&dir.path().join("store")).unwrap();
    let outcome = ingest(&mut store, "talent", &path, None);
    let report = outcome.report();
    // 601 rows with one key: rows 3 to 602 repeat row 2.
    assert_eq!(report.errors, 600);
    assert_eq!(report.issues.len(), md2030_ingest::report::DETAIL_LIMIT);
    let first = &report.issues[0];
    assert_eq!((first.row, first.expected.as_deref()), (Some(3), Some("2")));
    assert_eq!(first.value.as_deref(), Some("year=2024, programme_type=degree, region_code=06"));
    let count = report.counts.iter().find(|c| c.rule == Some(Rule::PrimaryKey)).unwrap();
    assert_eq!(count.count, 600);
    assert!(store.current("talent").unwrap().is_none());
}

/// An optional part of a key left empty is its own value, not the previous row's:
/// the training of a ministry's central administration and that of an
/// unspecified level are two rows (the second was once refused as a duplicate of
/// the first); two unspecified levels are one key, and the row that repeats it is
/// named with the level empty.
#[test]
fn an_empty_optional_key_part_is_a_value_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("civil_servant_training.csv");
    let header = "year,ministry_code,administration_level,trained\n";
    std::fs::write(&path, format!("{header}2021,MTNRA,central,89\n2021,MTNRA,,123\n")).unwrap();
    let mut store = Store::open(&dir.path().join("store")).unwrap();
    accepted(ingest(&mut store, "civil_servant_training", &path, None));
    std::fs::write(
        &path,
        format!("{header}2021,MTNRA,,89\n2021,MTNRA,central,5\n2021,MTNRA,,123\n"),
    )
    .unwrap();
    let outcome = ingest(&mut store, "civil_servant_training", &path, None);
    let report = outcome.report();
    assert_eq!(report.errors, 1, "{}", report.render(Lang::En));
    let issue = &report.issues[0];
    assert_eq!((issue.row, issue.expected.as_deref()), (Some(4), Some("2")));
    assert_eq!(
        issue.value.as_deref(),
        Some("year=2021, ministry_code=MTNRA, administration_level=")
    );
}

/// An observer that panics loses its batches, not the ingest: the file is stored,
/// and the observer is told its view is incomplete.
#[test]
fn an_observer_that_panics_does_not_stop_the_ingest() {
    struct Panics {
        seen: usize,
        lost: bool,
    }
    impl md2030_ingest::Observer for Panics {
        fn dictionaries(&self) -> Vec<String> {
            vec!["region_code".into()]
        }
        fn observe(&mut self, batch: &RecordBatch) {
            self.seen += batch.num_rows();
            panic!("observer bug");
        }
        fn lost(&mut self) {
            self.lost = true;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("talent.csv");
    std::fs::write(&path, "year,programme_type,region_code,trained\n2024,degree,06,10\n").unwrap();
    let mut store = Store::open(&dir.path().join("store")).unwrap();
    let mut observer = Panics { seen: 0, lost: false };
    let contract = find_contract("talent").unwrap();
    let outcome = md2030_ingest::ingest_file_observed(
        &mut store,
        contract,
        &path,
        &config(None),
        &mut |_| {},
        &mut observer,
    )
    .unwrap();
    accepted(outcome);
    assert_eq!((observer.seen, observer.lost), (1, true));
    assert_eq!(store.current("talent").unwrap().unwrap().row_count, 1);
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/fixtures/formats").join(name)
}

/// The same three rows as Python polars writes them in every Parquet codec, as xlwt
/// writes an Excel 97 workbook and as pandas (odfpy) writes an OpenDocument
/// spreadsheet: each is read and stored with the same values.
#[test]
fn parquet_in_every_codec_and_excel_97_workbooks_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("store")).unwrap();
    let files = [
        "civil_servant_training.snappy.parquet",
        "civil_servant_training.gzip.parquet",
        "civil_servant_training.lz4.parquet",
        "civil_servant_training.brotli.parquet",
        "civil_servant_training.zstd.parquet",
        "civil_servant_training.uncompressed.parquet",
        "civil_servant_training.xls",
        "civil_servant_training.ods",
    ];
    let mut stored = Vec::new();
    for name in files {
        accepted(ingest(&mut store, "civil_servant_training", &fixture(name), None));
        let current = store.current("civil_servant_training").unwrap().unwrap();
        let batch = &store.read(&current).unwrap()[0];
        let trained = batch.column_by_name("trained").unwrap().as_primitive::<Int64Type>();
        let codes = batch.column_by_name("ministry_code").unwrap().as_string::<i32>();
        let rows: Vec<(String, i64)> =
            (0..batch.num_rows()).map(|r| (codes.value(r).to_string(), trained.value(r))).collect();
        stored.push((name, rows));
    }
    // The rows the fixture script wrote: MI 1200, MEF 800, MTNRA 640 (sorted by key).
    for (name, rows) in &stored {
        let mut rows = rows.clone();
        rows.sort();
        assert_eq!(
            rows,
            vec![("MEF".to_string(), 800), ("MI".to_string(), 1200), ("MTNRA".to_string(), 640)],
            "{name}"
        );
    }
}

/// Region codes typed into Excel as numbers (1 for 01) are read as the codes, with a
/// warning naming the cell.
#[test]
fn numeric_region_codes_are_read_as_zero_padded_codes_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("store")).unwrap();
    let path = fixture("connectivity.numeric_region_codes.xlsx");
    let outcome = ingest(&mut store, "connectivity", &path, None);
    let report = outcome.report().clone();
    accepted(outcome);
    let warnings: Vec<_> = report.issues.iter().filter(|i| i.rule == Rule::UnpaddedCode).collect();
    let seen: Vec<(Option<u64>, Option<&str>, Option<&str>)> =
        warnings.iter().map(|i| (i.row, i.value.as_deref(), i.expected.as_deref())).collect();
    assert_eq!(seen, vec![(Some(2), Some("1"), Some("01")), (Some(3), Some("6"), Some("06"))]);
    assert!(warnings.iter().all(|i| i.column.as_deref() == Some("region_code")));
    let current = store.current("connectivity").unwrap().unwrap();
    let batch = &store.read(&current).unwrap()[0];
    let mut codes: Vec<&str> = (0..batch.num_rows())
        .map(|r| batch.column_by_name("region_code").unwrap().as_string::<i32>().value(r))
        .collect();
    codes.sort();
    assert_eq!(codes, vec!["01", "06", "12"]);
}
