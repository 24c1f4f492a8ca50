//! Excel workbooks (`.xlsx`, also `.xls` and `.ods` through calamine). The sheet is
//! chosen by name, or else the sheet whose header best matches the contract.
//! Numbers come back as floats; whole numbers are written without a fraction so that
//! integer fields accept them; dates are written as ISO dates.

use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook_auto};
use md2030_model::{Issue, Rule};

use crate::source::{RowBuf, RowSource};

pub struct XlsxSource {
    sheet: Sheet,
    next: usize,
    pending: Vec<Issue>,
    file_bytes: u64,
}

impl std::fmt::Debug for XlsxSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XlsxSource").field("sheet", &self.sheet.name).finish()
    }
}

/// One sheet as its non-empty cells, row by row (rows without a value are left
/// out; each keeps its number as the sheet shows it). Never a dense rectangle: a
/// sheet with one cell at A1 and one at XFD1048576 holds two cells.
#[derive(Debug, Default)]
pub struct Sheet {
    pub name: String,
    rows: Vec<SheetRow>,
}

#[derive(Debug)]
struct SheetRow {
    /// 0-based row index in the sheet.
    row: u32,
    /// (0-based column, value), by column.
    cells: Vec<(u32, Data)>,
}

/// Most bytes a workbook's zip entries may expand to, all together.
pub const MAX_EXPANDED_BYTES: u64 = 256 * 1024 * 1024;
/// Most entries a workbook's zip may hold.
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// Most non-empty cells md2030 reads from one workbook (all sheets together):
/// 20 million, about 1.3 GB of cells at worst; a bigger table belongs in a CSV or
/// Parquet file.
pub const MAX_CELLS: usize = 20_000_000;
/// Rightmost column a value may sit in (ALL, the 1,000th): no contract has more
/// than a few dozen fields.
pub const MAX_COLUMNS: u32 = 1_000;
/// Most cells a legacy workbook (`.xls`, `.ods`) may span from its first to its last
/// used cell: those readers build the whole rectangle (a second line behind
/// [`crate::source::legacy`], which bounds it by the cells filled before calamine
/// reads the file).
pub const MAX_DENSE_CELLS: u64 = 30_000_000;

/// Refuses a zip-based workbook that would expand past [`MAX_EXPANDED_BYTES`] (a
/// zip bomb named .xlsx) before calamine reads it. The entries are inflated and
/// counted, not trusted by their declared sizes, and inflation stops at the limit.
/// True when the file is a zip (OOXML or OpenDocument), false for anything else.
pub fn check_expansion(path: &Path) -> Result<bool, Issue> {
    let file = std::fs::File::open(path)
        .map_err(|err| Issue::error(Rule::Unreadable).expecting(err.to_string()))?;
    let mut head = [0u8; 4];
    if std::io::Read::read_exact(&mut &file, &mut head).is_err() || &head != b"PK\x03\x04" {
        return Ok(false); // not a zip (.xls, or not a workbook at all: calamine says so)
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
    Ok(true)
}

/// A value past [`MAX_COLUMNS`]: at `sheet`'s 0-based `row` and `col`.
pub(crate) fn beyond_columns(sheet: &str, row: u64, col: u64) -> Issue {
    let letters = column_letters(col.min(u64::from(u32::MAX)) as usize);
    Issue::error(Rule::MalformedSpreadsheet)
        .at_row(row + 1)
        .in_column(letters.clone())
        .with_value(format!("{sheet}!{letters}{}", row + 1))
        .expecting(format!(
            "values in the first {MAX_COLUMNS} columns (A to {})",
            column_letters(MAX_COLUMNS as usize - 1)
        ))
}

/// A workbook past [`MAX_CELLS`] filled cells.
pub(crate) fn too_many_cells() -> Issue {
    Issue::error(Rule::MalformedSpreadsheet).expecting(format!(
        "a workbook of at most {MAX_CELLS} filled cells (send larger tables as CSV or Parquet)"
    ))
}

/// Counts cells against [`MAX_CELLS`] and [`MAX_COLUMNS`] as they are read.
struct CellBudget {
    cells: usize,
}

impl CellBudget {
    fn take(&mut self, sheet: &str, row: u32, col: u32) -> Result<(), Issue> {
        if col >= MAX_COLUMNS {
            return Err(beyond_columns(sheet, u64::from(row), u64::from(col)));
        }
        self.cells += 1;
        if self.cells > MAX_CELLS {
            return Err(too_many_cells());
        }
        Ok(())
    }
}

/// Groups cells read in any order into rows sorted by row then column.
fn into_rows(name: String, mut cells: Vec<(u32, u32, Data)>) -> Sheet {
    cells.sort_by_key(|(row, col, _)| (*row, *col));
    let mut rows: Vec<SheetRow> = Vec::new();
    for (row, col, value) in cells {
        match rows.last_mut() {
            Some(last) if last.row == row => last.cells.push((col, value)),
            _ => rows.push(SheetRow { row, cells: vec![(col, value)] }),
        }
    }
    Sheet { name, rows }
}

/// Every sheet of the workbook, in order, with its non-empty cells. `.xlsx` and
/// `.xlsm` are read cell by cell (memory follows the cells present, not the
/// rectangle they span); `.xls` and `.ods` through calamine's range reader, once
/// [`crate::source::legacy`] has measured the rectangle it would build against
/// the cells it holds.
pub fn read_sheets(path: &Path) -> Result<Vec<Sheet>, Issue> {
    let is_zip = check_expansion(path)?;
    let malformed = |what: String| Issue::error(Rule::MalformedSpreadsheet).expecting(what);
    let mut budget = CellBudget { cells: 0 };
    let is_ods =
        path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("ods"));
    if is_zip && !is_ods {
        let file = std::fs::File::open(path)
            .map_err(|err| Issue::error(Rule::Unreadable).expecting(err.to_string()))?;
        let mut workbook: Xlsx<_> = Xlsx::new(std::io::BufReader::new(file))
            .map_err(|err| malformed(format!("the workbook's structure ({err})")))?;
        let names = workbook.sheet_names().to_vec();
        let mut sheets = Vec::with_capacity(names.len());
        for name in names {
            let mut reader = match workbook.worksheet_cells_reader(&name) {
                Ok(reader) => reader,
                // A chart sheet or a macro sheet: no cells to read.
                Err(calamine::XlsxError::NotAWorksheet(_)) => continue,
                Err(err) => return Err(malformed(format!("sheet {name}: its content ({err})"))),
            };
            let mut cells = Vec::new();
            while let Some(cell) = reader
                .next_cell()
                .map_err(|err| malformed(format!("sheet {name}: its content ({err})")))?
            {
                let value: Data = cell.get_value().clone().into();
                if value == Data::Empty {
                    continue;
                }
                let (row, col) = cell.get_position();
                budget.take(&name, row, col)?;
                cells.push((row, col, value));
            }
            sheets.push(into_rows(name, cells));
        }
        return Ok(sheets);
    }
    // Calamine lays these out as dense rectangles: measured first, as a stream.
    if is_ods {
        crate::source::legacy::check_ods(path)?;
    } else if !is_zip {
        crate::source::legacy::check_xls(path)?;
    }
    let mut workbook = open_workbook_auto(path)
        .map_err(|err| malformed(format!("the workbook's structure ({err})")))?;
    let names = workbook.sheet_names().to_vec();
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let range = workbook
            .worksheet_range(&name)
            .map_err(|err| malformed(format!("sheet {name}: its content ({err})")))?;
        let (height, width) = range.get_size();
        if height as u64 * width as u64 > MAX_DENSE_CELLS {
            return Err(malformed(format!(
                "sheet {name}: a used range of at most {MAX_DENSE_CELLS} cells (it spans {height} rows by {width} columns; save it as .xlsx or CSV)"
            )));
        }
        let mut cells = Vec::new();
        for (row, col, value) in range.used_cells() {
            let (row, col) = (row as u32, col as u32);
            let (row, col) = match range.start() {
                Some((r0, c0)) => (row + r0, col + c0),
                None => (row, col),
            };
            budget.take(&name, row, col)?;
            cells.push((row, col, value.clone()));
        }
        sheets.push(into_rows(name, cells));
    }
    Ok(sheets)
}

impl XlsxSource {
    pub fn new(sheet: Sheet, file_bytes: u64) -> XlsxSource {
        XlsxSource { sheet, next: 0, pending: Vec::new(), file_bytes }
    }

    /// The first `limit` rows as text, for choosing the sheet.
    pub fn preview(sheet: &Sheet, limit: usize) -> Vec<Vec<String>> {
        sheet
            .rows
            .iter()
            .take(limit)
            .map(|row| {
                let mut cells = Vec::new();
                for (col, value) in &row.cells {
                    while cells.len() < *col as usize {
                        cells.push(String::new());
                    }
                    cells.push(cell_text(value).unwrap_or_default());
                }
                cells
            })
            .collect()
    }
}

impl RowSource for XlsxSource {
    fn next_row(&mut self, row: &mut RowBuf) -> Result<bool, Issue> {
        row.clear();
        let Some(cells) = self.sheet.rows.get(self.next) else {
            return Ok(false);
        };
        row.line = u64::from(cells.row) + 1;
        self.next += 1;
        // Empty columns keep their place: positions as the sheet shows them.
        let mut width = 0;
        for (col, value) in &cells.cells {
            while width < *col {
                row.push("");
                width += 1;
            }
            match cell_text(value) {
                Ok(text) => row.push(&text),
                Err(error) => {
                    self.pending.push(
                        Issue::error(Rule::SpreadsheetError)
                            .at_row(row.line)
                            .in_column(column_letters(*col as usize))
                            .with_value(error),
                    );
                    row.push("");
                }
            }
            width += 1;
        }
        Ok(true)
    }

    fn take_issues(&mut self) -> Vec<Issue> {
        std::mem::take(&mut self.pending)
    }

    fn bytes_read(&self) -> u64 {
        (self.file_bytes * self.next as u64)
            .checked_div(self.sheet.rows.len() as u64)
            .unwrap_or(self.file_bytes)
    }

    fn describe(&self) -> String {
        format!("spreadsheet, sheet {:?}", self.sheet.name)
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
        // As Excel writes it: #DIV/0!, #N/A, #REF!…
        Data::Error(err) => return Err(err.to_string()),
    })
}

fn float_text(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        value.to_string()
    }
}

/// The 0-based index of spreadsheet column letters (`A` -> 0, `AA` -> 26); none
/// for anything else.
pub fn column_index(letters: &str) -> Option<usize> {
    if letters.is_empty() || letters.len() > 3 || !letters.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    Some(letters.bytes().fold(0usize, |n, b| n * 26 + usize::from(b - b'A') + 1) - 1)
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
        for idx in [0, 25, 26, 27, 701, 702, 16_383] {
            assert_eq!(column_index(&column_letters(idx)), Some(idx));
        }
        assert_eq!(column_letters(16_383), "XFD");
        assert_eq!(column_index("region_code"), None);
    }

    #[test]
    fn whole_floats_lose_their_fraction() {
        assert_eq!(float_text(126.0), "126");
        assert_eq!(float_text(0.59150), "0.5915");
    }
}
