//! Excel workbooks (`.xlsx`, also `.xls` and `.ods` through calamine). The sheet is
//! chosen by name, or else the sheet whose header best matches the contract.
//! Numbers come back as floats; whole numbers are written without a fraction so that
//! integer fields accept them; dates are written as ISO dates.

use std::path::Path;

use calamine::{Data, Range, Reader, open_workbook_auto};
use md2030_model::{Issue, Rule};

use crate::source::{RowBuf, RowSource};

pub struct XlsxSource {
    sheet: String,
    range: Range<Data>,
    first_row: u64,
    next: usize,
    pending: Vec<Issue>,
    total_rows: usize,
    file_bytes: u64,
}

impl std::fmt::Debug for XlsxSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XlsxSource").field("sheet", &self.sheet).finish()
    }
}

/// Most bytes a workbook's zip entries may expand to, all together.
pub const MAX_EXPANDED_BYTES: u64 = 256 * 1024 * 1024;
/// Most entries a workbook's zip may hold.
pub const MAX_ZIP_ENTRIES: usize = 10_000;

/// Refuses a zip-based workbook that would expand past [`MAX_EXPANDED_BYTES`] (a
/// zip bomb named .xlsx) before calamine reads it. The entries are inflated and
/// counted, not trusted by their declared sizes, and inflation stops at the limit.
pub fn check_expansion(path: &Path) -> Result<(), Issue> {
    let file = std::fs::File::open(path)
        .map_err(|err| Issue::error(Rule::Unreadable).expecting(err.to_string()))?;
    let mut head = [0u8; 4];
    if std::io::Read::read_exact(&mut &file, &mut head).is_err() || &head != b"PK\x03\x04" {
        return Ok(()); // not a zip (.xls, or not a workbook at all: calamine says so)
    }
    let bad = |what: String| Issue::error(Rule::MalformedSpreadsheet).expecting(what);
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|err| bad(format!("a readable zip archive ({err})")))?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(bad(format!(
            "a workbook of at most {MAX_ZIP_ENTRIES} zip entries (this one has {})",
            archive.len()
        )));
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry =
            archive.by_index(i).map_err(|err| bad(format!("a readable zip archive ({err})")))?;
        let budget = MAX_EXPANDED_BYTES - total;
        let inflated =
            std::io::copy(&mut std::io::Read::take(entry, budget + 1), &mut std::io::sink())
                .map_err(|err| bad(format!("a readable zip archive ({err})")))?;
        total += inflated;
        if total > MAX_EXPANDED_BYTES {
            return Err(bad(format!(
                "a workbook that expands to at most {} MB (this one expands to more: refused as a possible zip bomb)",
                MAX_EXPANDED_BYTES / (1024 * 1024)
            )));
        }
    }
    Ok(())
}

/// Every sheet of the workbook, in order, with its cells.
pub fn read_sheets(path: &Path) -> Result<Vec<(String, Range<Data>)>, Issue> {
    check_expansion(path)?;
    let mut workbook = open_workbook_auto(path)
        .map_err(|err| Issue::error(Rule::MalformedSpreadsheet).expecting(err.to_string()))?;
    let names = workbook.sheet_names().to_vec();
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let range = workbook.worksheet_range(&name).map_err(|err| {
            Issue::error(Rule::MalformedSpreadsheet).expecting(format!("sheet {name}: {err}"))
        })?;
        sheets.push((name, range));
    }
    Ok(sheets)
}

impl XlsxSource {
    pub fn new(sheet: String, range: Range<Data>, file_bytes: u64) -> XlsxSource {
        let first_row = range.start().map(|(row, _)| u64::from(row)).unwrap_or(0);
        let total_rows = range.height();
        XlsxSource { sheet, range, first_row, next: 0, pending: Vec::new(), total_rows, file_bytes }
    }

    /// The first `limit` rows as text, for choosing the sheet.
    pub fn preview(range: &Range<Data>, limit: usize) -> Vec<Vec<String>> {
        range
            .rows()
            .take(limit)
            .map(|cells| cells.iter().map(|c| cell_text(c).unwrap_or_default()).collect())
            .collect()
    }
}

impl RowSource for XlsxSource {
    fn next_row(&mut self, row: &mut RowBuf) -> Result<bool, Issue> {
        row.clear();
        let Some(cells) = self.range.rows().nth(self.next) else {
            return Ok(false);
        };
        row.line = self.first_row + self.next as u64 + 1;
        self.next += 1;
        let first_col = self.range.start().map(|(_, col)| col as usize).unwrap_or(0);
        // Columns left of the used range are empty: keep positions as the sheet shows them.
        for _ in 0..first_col {
            row.push("");
        }
        for (idx, cell) in cells.iter().enumerate() {
            match cell_text(cell) {
                Ok(text) => row.push(&text),
                Err(error) => {
                    self.pending.push(
                        Issue::error(Rule::Type)
                            .at_row(row.line)
                            .in_column(column_letters(first_col + idx))
                            .with_value(error)
                            .expecting("value (the cell holds a spreadsheet error)"),
                    );
                    row.push("");
                }
            }
        }
        Ok(true)
    }

    fn take_issues(&mut self) -> Vec<Issue> {
        std::mem::take(&mut self.pending)
    }

    fn bytes_read(&self) -> u64 {
        (self.file_bytes * self.next as u64)
            .checked_div(self.total_rows as u64)
            .unwrap_or(self.file_bytes)
    }

    fn describe(&self) -> String {
        format!("spreadsheet, sheet {:?}", self.sheet)
    }
}

/// A cell as text, or the spreadsheet error it holds (`#DIV/0!`…).
fn cell_text(cell: &Data) -> Result<String, String> {
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(value) if value.time() == chrono::NaiveTime::MIN => {
                value.date().format("%Y-%m-%d").to_string()
            }
            Some(value) => value.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(err) => return Err(format!("{err:?}")),
    })
}

fn float_text(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        value.to_string()
    }
}

/// Spreadsheet column letters: 0 -> A, 25 -> Z, 26 -> AA.
pub fn column_letters(mut idx: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (idx % 26) as u8);
        if idx < 26 {
            break;
        }
        idx = idx / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).expect("column letters are ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_spreadsheet_naming() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
    }

    #[test]
    fn whole_floats_lose_their_fraction() {
        assert_eq!(float_text(126.0), "126");
        assert_eq!(float_text(0.59150), "0.5915");
    }
}
