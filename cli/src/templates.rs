//! Submission templates generated from the contracts: `DATASET.csv` (the header
//! row) and `DATASET.xlsx` (a `data` sheet with the header and a note on each
//! column, and a `notice` sheet describing every field in French, Arabic and English).

use std::path::Path;

use anyhow::Context;
use md2030_model::contract::Field;
use md2030_model::{Contract, DatasetKind};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Note, Workbook};

/// Writes the templates of every ministry dataset into `out`; returns how many files.
pub(crate) fn write_all(out: &Path) -> anyhow::Result<usize> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut written = 0;
    for contract in md2030_model::contracts().iter().filter(|c| c.kind == DatasetKind::Ministry) {
        let csv_path = out.join(format!("{}.csv", contract.name));
        std::fs::write(&csv_path, csv_template(contract))
            .with_context(|| format!("writing {}", csv_path.display()))?;
        let xlsx_path = out.join(format!("{}.xlsx", contract.name));
        xlsx_template(contract, &xlsx_path)
            .with_context(|| format!("writing {}", xlsx_path.display()))?;
        written += 2;
    }
    Ok(written)
}

pub(crate) fn csv_template(contract: &Contract) -> String {
    let names: Vec<&str> = contract.fields.iter().map(|f| f.name.as_str()).collect();
    format!("{}\n", names.join(","))
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

fn xlsx_template(contract: &Contract, path: &Path) -> anyhow::Result<()> {
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
                csv_template(contract),
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
        }
    }
}
