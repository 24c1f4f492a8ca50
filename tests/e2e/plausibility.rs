//! What a steward's file is told before anything is stored: a period after the
//! day the file is received is refused, and a required column the file lacks is
//! one message, not one per row.

use md2030_ingest::Outcome;
use md2030_model::issue::Rule;

/// Ingests `text` as `dataset` (received on 2026-11-23, as `md2030_e2e::config`
/// says) into a fresh store; the outcome and what the store holds after.
fn submit(dataset: &str, text: &str) -> (Outcome, usize) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = md2030_store::Store::open(dir.path()).unwrap();
    let path = dir.path().join("upload.csv");
    std::fs::write(&path, text).unwrap();
    let contract = md2030_model::find_contract(dataset).unwrap();
    let outcome =
        md2030_ingest::ingest_file(&mut store, contract, &path, &md2030_e2e::config(), &mut |_| {})
            .unwrap();
    let stored = store.current_versions().unwrap().len();
    (outcome, stored)
}

#[test]
fn a_year_after_the_day_of_receipt_is_refused_and_nothing_is_stored() {
    // Received on 2026-11-23: 2026 has begun, 2027 has not.
    let training = "year,ministry_code,trained,trained_women,training_hours\n\
        2026,MTNRA,700,300,21000\n2027,MTNRA,700,300,21000\n";
    let (outcome, stored) = submit("civil_servant_training", training);
    let Outcome::Rejected(report) = &outcome else { panic!("not rejected: {outcome:?}") };
    let future: Vec<_> = report.issues.iter().filter(|i| i.rule == Rule::FuturePeriod).collect();
    assert_eq!(future.len(), 1, "{:?}", report.issues);
    assert_eq!((future[0].row, future[0].value.as_deref()), (Some(3), Some("2027")));
    assert_eq!(future[0].expected.as_deref(), Some("2026-11-23"));
    assert_eq!(stored, 0);

    let (accepted, _) = submit(
        "civil_servant_training",
        "year,ministry_code,trained,trained_women,training_hours\n2026,MTNRA,700,300,21000\n",
    );
    assert!(matches!(accepted, Outcome::Accepted { .. }), "{accepted:?}");
}

#[test]
fn a_missing_column_is_one_message_not_one_per_row() {
    let rows: String = (2015..2025).map(|y| format!("{y},MTNRA,central,300,21000\n")).collect();
    let text =
        format!("year,ministry_code,administration_level,trained_women,training_hours\n{rows}");
    let (outcome, _) = submit("civil_servant_training", &text);
    let report = outcome.report();
    assert_eq!(report.errors, 1, "{:?}", report.issues);
    assert_eq!(report.issues[0].rule, Rule::MissingColumn);
    assert_eq!(report.issues[0].column.as_deref(), Some("trained"));
}

#[test]
fn an_unknown_code_is_told_the_codes_the_reference_accepts() {
    let (outcome, _) = submit(
        "civil_servant_training",
        "year,ministry_code,trained,trained_women,training_hours\n2026,NOPE,700,300,21000\n",
    );
    let issue = &outcome.report().issues[0];
    assert_eq!(issue.rule, Rule::ForeignKey);
    let expected = issue.expected.as_deref().unwrap();
    // The ministries' reference table, its codes listed: the steward's MTNRA first.
    assert!(expected.starts_with("ministries: MTNRA, MI, MEF"), "{expected}");
}
