//! Submission templates generated from the contracts, for each ministry dataset:
//! - `DATASET.csv`: the header row, to fill in;
//! - `DATASET.example.csv`: the header and [`EXAMPLE_ROWS`] rows of the sample data
//!   as the validator stores them (codes, ISO dates, `true`/`false`);
//! - `DATASET.xlsx`: a `data` sheet with the header and a note on each column (the
//!   sheet an upload reads: the first of those whose header fits), an `exemple`
//!   sheet with the example rows, a `codes` sheet listing the allowed codes of every
//!   coded column with their names in French, Arabic and English (regions,
//!   ministries, themes, and each closed list), and a `notice` sheet describing
//!   every field in the three languages.

use std::path::Path;

use anyhow::Context;
use md2030_model::contract::Field;
use md2030_model::{Contract, DatasetKind, I18n, Lang};
use md2030_store::Store;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Note, Workbook, Worksheet};

/// Example rows per template: the first, middle and last row of the sample's
/// current version (of its rows with every cell filled and no zero, when it has
/// some), so that they show different periods or members.
pub(crate) const EXAMPLE_ROWS: usize = 3;

/// Writes the templates of every ministry dataset into `out`; returns how many
/// files. The example rows come from the sample data the binary carries, loaded
/// into a scratch store (what `md2030 load-sample` does).
pub(crate) fn write_all(out: &Path) -> anyhow::Result<usize> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let scratch = tempfile::tempdir().context("creating a scratch store for the sample")?;
    let mut store = Store::open(scratch.path())?;
    crate::sample::load_into(&mut store, Lang::En)?;
    let mut written = 0;
    for contract in md2030_model::contracts().iter().filter(|c| c.kind == DatasetKind::Ministry) {
        let examples = example_rows(&store, contract)?;
        let files = [
            (format!("{}.csv", contract.name), csv_template(contract, &[])),
            (format!("{}.example.csv", contract.name), csv_template(contract, &examples)),
        ];
        for (name, text) in files {
            let path = out.join(name);
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        }
        let xlsx_path = out.join(format!("{}.xlsx", contract.name));
        xlsx_template(contract, &examples, &xlsx_path)
            .with_context(|| format!("writing {}", xlsx_path.display()))?;
        written += 3;
    }
    Ok(written)
}

/// [`EXAMPLE_ROWS`] rows of the dataset's current version in `store`, each cell as
/// the download CSV writes it, in the contract's column order.
fn example_rows(store: &Store, contract: &Contract) -> anyhow::Result<Vec<Vec<String>>> {
    let version = store
        .current_versions()?
        .into_iter()
        .find(|v| v.dataset == contract.name)
        .with_context(|| format!("the sample has no {} version", contract.name))?;
    let csv = md2030_opendata::csv::batches_to_csv(&store.read(&version)?)?;
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let all: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>()?;
    anyhow::ensure!(!all.is_empty(), "the sample's {} version is empty", contract.name);
    // Rows with every cell filled and no zero teach more: taken when there are some.
    let full: Vec<csv::StringRecord> =
        all.iter().filter(|r| r.iter().all(|c| !c.is_empty() && c != "0")).cloned().collect();
    let records = if full.is_empty() { all } else { full };
    let last = records.len() - 1;
    let mut picks: Vec<usize> = (0..EXAMPLE_ROWS).map(|k| k * last / (EXAMPLE_ROWS - 1)).collect();
    picks.dedup();
    picks
        .into_iter()
        .map(|i| {
            contract
                .fields
                .iter()
                .map(|field| {
                    let column =
                        header.iter().position(|h| *h == field.name).with_context(|| {
                            format!("{} is not stored in {}", field.name, contract.name)
                        })?;
                    Ok(records[i].get(column).unwrap_or_default().to_string())
                })
                .collect()
        })
        .collect()
}

/// The header row, then `rows`.
pub(crate) fn csv_template(contract: &Contract, rows: &[Vec<String>]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let names = contract.fields.iter().map(|f| f.name.as_str());
    let written = writer
        .write_record(names)
        .and_then(|()| rows.iter().try_for_each(|row| writer.write_record(row)));
    match (written, writer.into_inner()) {
        (Ok(()), Ok(bytes)) => String::from_utf8(bytes).unwrap_or_default(),
        _ => String::new(),
    }
}

/// The allowed codes of each coded column: (field, code, names). A column linked
/// to a reference table lists its rows; a closed list, its values and labels.
fn codes(contract: &Contract) -> Vec<(String, String, I18n)> {
    let mut codes = Vec::new();
    for field in &contract.fields {
        let reference = contract
            .foreign_key_for(&field.name)
            .and_then(|fk| md2030_model::reference::reference_table(&fk.resource));
        if let Some(table) = reference {
            for row in &table.rows {
                codes.push((field.name.clone(), row.code.clone(), row.names.clone()));
            }
        } else if let Some(values) = &field.enum_values {
            for value in values {
                let label = field.enum_labels.get(value).cloned().unwrap_or_default();
                codes.push((field.name.clone(), value.clone(), label));
            }
        }
    }
    codes
}

fn constraints_text(field: &Field) -> String {
    let mut parts = vec![field.field_type.as_str().to_string()];
    parts.push(if field.required {
        "obligatoire / required".into()
    } else {
        "facultatif / optional".into()
    });
    if let Some(values) = &field.enum_values {
        parts.push(format!("valeurs / values: {}", values.join(" | ")));
    }
    if let Some(min) = field.minimum {
        parts.push(format!("min {min}"));
    }
    if let Some(max) = field.maximum {
        parts.push(format!("max {max}"));
    }
    if let Some(pattern) = &field.pattern_source {
        parts.push(format!("forme / form: {pattern}"));
    }
    parts.join("; ")
}

/// The header in bold, then `rows` as text (codes keep their leading zeros).
fn write_table(
    sheet: &mut Worksheet,
    header: &[&str],
    rows: &[Vec<String>],
    bold: &Format,
) -> anyhow::Result<()> {
    for (col, heading) in header.iter().enumerate() {
        let col = u16::try_from(col)?;
        sheet.write_string_with_format(0, col, *heading, bold)?;
        sheet.set_column_width(col, 18)?;
    }
    for (row, cells) in rows.iter().enumerate() {
        for (col, cell) in cells.iter().enumerate() {
            sheet.write_string(u32::try_from(row + 1)?, u16::try_from(col)?, cell)?;
        }
    }
    Ok(())
}

fn xlsx_template(contract: &Contract, examples: &[Vec<String>], path: &Path) -> anyhow::Result<()> {
    let mut workbook = Workbook::new();
    // A fixed creation date keeps the generated file identical from run to run.
    let created = ExcelDateTime::from_ymd(2026, 1, 1)?;
    workbook.set_properties(
        &DocProperties::new().set_title(&contract.titles.fr).set_creation_datetime(&created),
    );
    let bold = Format::new().set_bold();
    let data = workbook.add_worksheet();
    data.set_name("data")?;
    for (col, field) in contract.fields.iter().enumerate() {
        let col = u16::try_from(col)?;
        data.write_string_with_format(0, col, &field.name, &bold)?;
        data.set_column_width(col, 18)?;
        let note = Note::new(format!(
            "{}\n{}\n{}\n{}\n{}",
            field.titles.fr,
            field.titles.ar,
            field.titles.en,
            field.descriptions.fr,
            constraints_text(field)
        ))
        .set_width(360)
        .set_height(160);
        data.insert_note(0, col, &note)?;
    }
    let names: Vec<&str> = contract.fields.iter().map(|f| f.name.as_str()).collect();
    let example = workbook.add_worksheet();
    example.set_name("exemple")?;
    write_table(example, &names, examples, &bold)?;
    let codes: Vec<Vec<String>> = codes(contract)
        .into_iter()
        .map(|(field, code, names)| vec![field, code, names.fr, names.ar, names.en])
        .collect();
    if !codes.is_empty() {
        let sheet = workbook.add_worksheet();
        sheet.set_name("codes")?;
        let header = ["champ / field", "code", "libellé", "التسمية", "label"];
        write_table(sheet, &header, &codes, &bold)?;
    }
    let notice = workbook.add_worksheet();
    notice.set_name("notice")?;
    let headings = [
        "champ / field",
        "titre",
        "العنوان",
        "title",
        "contraintes / constraints",
        "intitulés acceptés / accepted headings",
        "description",
    ];
    for (col, heading) in headings.iter().enumerate() {
        notice.write_string_with_format(0, u16::try_from(col)?, *heading, &bold)?;
        notice.set_column_width(u16::try_from(col)?, 28)?;
    }
    for (row, field) in contract.fields.iter().enumerate() {
        let row = u32::try_from(row + 1)?;
        let cells = [
            field.name.clone(),
            field.titles.fr.clone(),
            field.titles.ar.clone(),
            field.titles.en.clone(),
            constraints_text(field),
            field.aliases.join(" | "),
            field.descriptions.fr.clone(),
        ];
        for (col, text) in cells.iter().enumerate() {
            notice.write_string(row, u16::try_from(col)?, text)?;
        }
    }
    workbook.save(path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Reader, Xlsx, open_workbook};

    fn committed(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/templates").join(name)
    }

    #[test]
    fn committed_templates_match_the_contracts() {
        for contract in md2030_model::contracts().iter().filter(|c| c.kind == DatasetKind::Ministry)
        {
            let csv =
                std::fs::read_to_string(committed(&format!("{}.csv", contract.name))).unwrap();
            assert_eq!(
                csv,
                csv_template(contract, &[]),
                "data/templates/{}.csv is stale: run `md2030 templates`",
                contract.name
            );
            let mut workbook: Xlsx<_> =
                open_workbook(committed(&format!("{}.xlsx", contract.name))).unwrap();
            let range = workbook.worksheet_range("data").unwrap();
            let header: Vec<String> =
                range.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
            let names: Vec<String> = contract.fields.iter().map(|f| f.name.clone()).collect();
            assert_eq!(header, names, "data/templates/{}.xlsx is stale", contract.name);
            // The workbook's example sheet holds the rows of the example CSV.
            let example =
                std::fs::read_to_string(committed(&format!("{}.example.csv", contract.name)))
                    .unwrap();
            let mut reader = csv::Reader::from_reader(example.as_bytes());
            let rows: Vec<Vec<String>> =
                reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
            assert!(
                (1..=EXAMPLE_ROWS).contains(&rows.len()),
                "{}: {} rows",
                contract.name,
                rows.len()
            );
            let sheet = workbook.worksheet_range("exemple").unwrap();
            let cells: Vec<Vec<String>> =
                sheet.rows().skip(1).map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
            assert_eq!(cells, rows, "data/templates/{}.xlsx: example sheet", contract.name);
        }
    }

    /// The codes sheet lists the 12 regions of the 2015 division by code with
    /// their names (Tanger-Tétouan-Al Hoceïma is 01, Dakhla-Oued Ed-Dahab 12), and a
    /// closed list's values.
    #[test]
    fn the_codes_sheet_lists_the_regions_and_closed_lists() {
        let mut workbook: Xlsx<_> = open_workbook(committed("talent.xlsx")).unwrap();
        let sheet = workbook.worksheet_range("codes").unwrap();
        let rows: Vec<Vec<String>> =
            sheet.rows().skip(1).map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
        let regions: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "region_code").collect();
        assert_eq!(regions.len(), 12);
        assert_eq!(
            (regions[0][1].as_str(), regions[0][2].as_str()),
            ("01", "Tanger-Tétouan-Al Hoceïma")
        );
        assert_eq!(regions[11][1], "12");
        assert!(regions[11][2].starts_with("Dakhla"), "{:?}", regions[11]);
        assert!(
            rows.iter().any(|r| r[0] == "programme_type" && r[1] == "reconversion"),
            "{rows:?}"
        );
    }
}
