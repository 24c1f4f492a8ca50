//! The malformed corpus (`data/fixtures/malformed/cases.tsv`): each file exits 1
//! with a report naming the expected rule (and row), nothing panics, and the store
//! is unchanged (every stored file byte for byte, the catalogue's versions; only
//! the audit log records the attempt).

use crate::{md2030, repo, sample_store, stored_state};

#[test]
fn every_malformed_file_is_rejected_with_a_clear_report_and_the_store_unchanged() {
    let store = sample_store();
    let before = stored_state(store.path());
    let cases = std::fs::read_to_string(repo("data/fixtures/malformed/cases.tsv")).unwrap();
    let mut checked = 0;
    for line in cases.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, dataset, rule, row, sheet) = (cols[0], cols[1], cols[2], cols[3], cols[4]);
        let path = repo(&format!("data/fixtures/malformed/{file}"));
        let path = path.to_str().unwrap();
        let mut args = vec!["ingest", dataset, path];
        if !sheet.is_empty() {
            args.extend(["--sheet", sheet]);
        }
        let out = md2030(store.path(), &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{file}: expected exit 1, got {:?}\n{stderr}",
            out.status.code()
        );
        assert!(
            stderr.starts_with(&format!("REJECTED {file} for dataset {dataset}")),
            "{file}: {stderr}"
        );
        // JSON files are located by record, a malformed document by line.
        let unit = match (file.ends_with(".json"), rule) {
            (true, "malformed_json") => "line",
            (true, _) => "record",
            _ => "row",
        };
        let expected = if row.is_empty() { format!("[{rule}]") } else { format!("{unit} {row}") };
        let issue_line = stderr
            .lines()
            .find(|l| l.contains(&format!("[{rule}]")))
            .unwrap_or_else(|| panic!("{file}: no [{rule}] issue in\n{stderr}"));
        assert!(issue_line.contains(&expected), "{file}: expected {expected} in {issue_line}");
        assert!(
            issue_line.starts_with(&format!("  {file}:")),
            "{file}: the issue names the file: {issue_line}"
        );
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        checked += 1;
    }
    assert!(checked >= 30, "the corpus has {checked} cases");
    assert_eq!(stored_state(store.path()), before, "a rejected file changed the store");
    // Each rejection is in the audit log, with the file and its error count.
    let audit = md2030(store.path(), &["audit", "--format", "json", "--limit", "1000"]);
    let rejected = String::from_utf8_lossy(&audit.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["action"] == "ingest" && e["outcome"] == "rejected")
        .count();
    assert_eq!(rejected, checked);
}

#[test]
fn a_report_locates_each_problem_by_row_column_and_value() {
    let store = sample_store();
    let out = md2030(
        store.path(),
        &[
            "validate",
            "procedures",
            repo("data/fixtures/malformed/procedures.above_max.csv").to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("procedures.above_max.csv: row 3, column maturity_level, value \"7\": above the maximum 5 [maximum]"),
        "{stderr}"
    );
    // An Excel error cell is shown as Excel writes it, with its field and column.
    let file = repo("data/fixtures/malformed/civil_servant_training.div0.xlsx");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_md2030"))
        .args(["--data-dir", store.path().to_str().unwrap(), "--lang", "fr"])
        .args(["validate", "civil_servant_training", file.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ligne 2, colonne training_hours (E), valeur \"#DIV/0!\": la cellule contient une erreur de tableur"),
        "{stderr}"
    );
}

#[test]
fn reports_are_given_in_french_and_arabic() {
    let store = sample_store();
    let file = repo("data/fixtures/malformed/procedures.bad_enum.csv");
    for (lang, expected) in
        [("fr", "ne fait pas partie des valeurs permises"), ("ar", "ليست من القيم المسموح بها")]
    {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_md2030"))
            .args([
                "--data-dir",
                store.path().to_str().unwrap(),
                "--lang",
                lang,
                "validate",
                "procedures",
                file.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&out.stderr).contains(expected), "{lang}");
    }
}

/// English words that must not appear in a French or Arabic report once the
/// file names, quoted values, column names and rule tags are taken out.
const ENGLISH: &[&str] = &[
    "the",
    "is",
    "not",
    "has",
    "have",
    "row",
    "rows",
    "column",
    "columns",
    "value",
    "valid",
    "header",
    "cells",
    "cell",
    "file",
    "sheet",
    "records",
    "record",
    "number",
    "integer",
    "month",
    "quarter",
    "year",
    "boolean",
    "missing",
    "required",
    "unknown",
    "spreadsheet",
    "delimiter",
    "expected",
    "found",
    "line",
    "with",
    "and",
    "or",
    "of",
    "no",
    "truncated",
    "workbook",
    "array",
    "object",
    "error",
    "while",
    "parsing",
    "EOF",
    "invalid",
];

/// What is left of a report line for the language check: no quoted values, no
/// file names, no `[rule]` tags, no identifiers (snake_case or with digits).
fn words_to_check(line: &str, file: &str) -> Vec<String> {
    let mut text = line.replace(file, " ");
    // The column named after "colonne" / "العمود" is the contract's field name.
    for word in ["colonne ", "العمود "] {
        if let Some(at) = text.find(word) {
            let end = text[at..].find(',').map_or(text.len(), |e| at + e);
            text.replace_range(at..end, " ");
        }
    }
    let mut kept = String::new();
    let (mut quoted, mut tagged, mut escaped) = (false, false, false);
    for c in text.chars() {
        match c {
            // Values are shown with their quotes escaped (\").
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '[' if !quoted => tagged = true,
            ']' if !quoted => tagged = false,
            _ if quoted || tagged => {}
            _ => kept.push(c),
        }
    }
    kept.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty() && !w.contains('_') && !w.chars().any(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}

#[test]
fn reports_in_french_and_arabic_hold_no_english() {
    let store = sample_store();
    let cases = std::fs::read_to_string(repo("data/fixtures/malformed/cases.tsv")).unwrap();
    let mut lines_checked = 0;
    for line in cases.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, dataset, sheet) = (cols[0], cols[1], cols[4]);
        let path = repo(&format!("data/fixtures/malformed/{file}"));
        for lang in ["fr", "ar"] {
            let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_md2030"));
            command.args(["--data-dir", store.path().to_str().unwrap(), "--lang", lang]);
            command.args(["validate", dataset, path.to_str().unwrap()]);
            if !sheet.is_empty() {
                command.args(["--sheet", sheet]);
            }
            let out = command.output().unwrap();
            let mut report = String::from_utf8_lossy(&out.stderr).into_owned();
            // The JSON report's sentences for people, in the same language.
            let out = command.arg("--json").output().unwrap();
            let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let json = &json["report"];
            assert_eq!(json["lang"], lang, "{file}");
            for text in [&json["summary"], &json["source"]]
                .into_iter()
                .chain(json["issues"].as_array().unwrap().iter().map(|i| &i["message"]))
            {
                report.push('\n');
                report.push_str(text.as_str().unwrap());
            }
            for report_line in report.lines() {
                let english: Vec<String> = words_to_check(report_line, file)
                    .into_iter()
                    .filter(|w| ENGLISH.iter().any(|e| e.eq_ignore_ascii_case(w)))
                    .collect();
                assert!(
                    english.is_empty(),
                    "{file} ({lang}): English {english:?} in: {report_line}"
                );
                lines_checked += 1;
            }
        }
    }
    assert!(lines_checked > 160, "{lines_checked} lines checked");
}
