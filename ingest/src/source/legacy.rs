//! `.xls` and `.ods` sheets measured before calamine reads them. Calamine lays each
//! sheet of those formats out as one dense rectangle, from the first to the last
//! filled cell: two cells far apart (A1 and IV65536) would cost the whole
//! rectangle. Here the file is read as a stream (the BIFF records of an `.xls`
//! workbook, the XML of an `.ods` one), cells are counted with the rectangle they
//! span, and a sheet whose rectangle is out of proportion to its cells is refused
//! before anything is allocated for it.

use std::io::Read;
use std::path::Path;

use md2030_model::{Issue, Rule};

use crate::source::xlsx::{MAX_CELLS, MAX_COLUMNS, beyond_columns, too_many_cells};

/// Cells any sheet may span, whatever it fills (32 MB of calamine cells).
const SPAN_FLOOR: u64 = 1_000_000;
/// And past that, cells spanned per cell filled.
const SPAN_PER_CELL: u64 = 4;

/// A sheet's filled cells and the rectangle calamine would lay out for them.
#[derive(Debug, Default)]
struct Footprint {
    name: String,
    filled: u64,
    /// First and last row, first and last column of the filled cells.
    rows: Option<(u64, u64)>,
    cols: Option<(u64, u64)>,
    /// Cells calamine keeps while reading, before the rectangle (`.ods` rows
    /// up to their last filled cell).
    laid: u64,
}

fn malformed(what: String) -> Issue {
    Issue::error(Rule::MalformedSpreadsheet).expecting(what)
}

impl Footprint {
    fn new(name: String) -> Footprint {
        Footprint { name, ..Footprint::default() }
    }

    /// `rows` × `cols` filled cells from (`row`, `col`), 0-based.
    fn fill(&mut self, row: u64, rows: u64, col: u64, cols: u64) -> Result<(), Issue> {
        if rows == 0 || cols == 0 {
            return Ok(());
        }
        let last_col = col.saturating_add(cols - 1);
        if last_col >= u64::from(MAX_COLUMNS) {
            return Err(beyond_columns(&self.name, row, last_col));
        }
        let last_row = row.saturating_add(rows - 1);
        self.filled = self.filled.saturating_add(rows.saturating_mul(cols));
        if self.filled > MAX_CELLS as u64 {
            return Err(too_many_cells());
        }
        let widen = |span: &mut Option<(u64, u64)>, first: u64, last: u64| {
            *span = Some(match *span {
                Some((a, b)) => (a.min(first), b.max(last)),
                None => (first, last),
            });
        };
        widen(&mut self.rows, row, last_row);
        widen(&mut self.cols, col, last_col);
        self.check()
    }

    /// Refuses a rectangle (or what is laid out on the way) out of proportion to
    /// the cells filled.
    fn check(&self) -> Result<(), Issue> {
        let (Some((r0, r1)), Some((c0, c1))) = (self.rows, self.cols) else {
            return Ok(());
        };
        let (height, width) = (r1 - r0 + 1, c1 - c0 + 1);
        let allowed = SPAN_FLOOR.saturating_add(SPAN_PER_CELL.saturating_mul(self.filled));
        if height.saturating_mul(width) > allowed || self.laid > allowed {
            return Err(malformed(format!(
                "sheet {}: a used range of at most {allowed} cells (it spans {height} rows by {width} columns; save it as .xlsx or CSV)",
                self.name
            )));
        }
        Ok(())
    }
}

/// Refuses an `.xls` workbook a sheet of which would be laid out out of
/// proportion to its cells, reading its BIFF records once.
pub fn check_xls(path: &Path) -> Result<(), Issue> {
    let unreadable = |what: String| malformed(format!("the workbook's structure ({what})"));
    let mut compound = cfb::open(path).map_err(|err| unreadable(err.to_string()))?;
    let stream = ["/Workbook", "/Book"].into_iter().find(|name| compound.is_stream(name));
    let Some(stream) = stream else {
        return Err(unreadable("no Workbook stream".into()));
    };
    let mut stream = std::io::BufReader::new(
        compound.open_stream(stream).map_err(|err| unreadable(err.to_string()))?,
    );
    let mut sheet: Option<Footprint> = None;
    let mut sheets: usize = 0;
    let mut names: Vec<String> = Vec::new();
    let mut header = [0u8; 4];
    let mut data = Vec::with_capacity(8224);
    loop {
        match stream.read_exact(&mut header) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(err) => return Err(unreadable(err.to_string())),
        }
        let kind = u16::from_le_bytes([header[0], header[1]]);
        let len = usize::from(u16::from_le_bytes([header[2], header[3]]));
        data.resize(len, 0);
        stream.read_exact(&mut data).map_err(|err| unreadable(err.to_string()))?;
        let u16_at =
            |at: usize| data.get(at..at + 2).map(|b| u64::from(u16::from_le_bytes([b[0], b[1]])));
        match kind {
            // BOF: a worksheet's records follow (0x0010), or another substream's.
            0x0809 => {
                // The globals come first; then one substream per BOUNDSHEET, in order.
                let name = sheets
                    .checked_sub(1)
                    .and_then(|k| names.get(k).cloned())
                    .unwrap_or_else(|| format!("#{sheets}"));
                sheets += 1;
                sheet = (u16_at(2) == Some(0x0010)).then(|| Footprint::new(name));
            }
            // BOUNDSHEET: position, visibility, type, then the sheet's name (a
            // byte count, a flag for two-byte characters, the characters).
            0x0085 => {
                if let (Some(&count), Some(&flags)) = (data.get(6), data.get(7)) {
                    let count = usize::from(count);
                    let name = if flags & 1 == 0 {
                        data.get(8..8 + count).map(|b| b.iter().map(|&c| char::from(c)).collect())
                    } else {
                        data.get(8..8 + 2 * count).map(|b| {
                            let units: Vec<u16> = b
                                .chunks_exact(2)
                                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                                .collect();
                            String::from_utf16_lossy(&units)
                        })
                    };
                    names.push(name.unwrap_or_default());
                }
            }
            // EOF of a substream.
            0x000A => sheet = None,
            // MULRK, MULBLANK: row, first column, …, last column.
            0x00BD | 0x00BE => {
                if let (Some(sheet), Some(row), Some(first)) = (&mut sheet, u16_at(0), u16_at(2))
                    && let Some(last) = len.checked_sub(2).and_then(u16_at)
                    && last >= first
                {
                    sheet.fill(row, 1, first, last - first + 1)?;
                }
            }
            // Cells: NUMBER, RK, LABELSST, LABEL, RSTRING, FORMULA, BOOLERR, BLANK.
            0x0203 | 0x027E | 0x00FD | 0x0204 | 0x00D6 | 0x0006 | 0x0406 | 0x0205 | 0x0201 => {
                if let (Some(sheet), Some(row), Some(col)) = (&mut sheet, u16_at(0), u16_at(2)) {
                    sheet.fill(row, 1, col, 1)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Refuses an `.ods` workbook a sheet of which would be laid out out of
/// proportion to its cells, reading its `content.xml` once as a stream. Repeated
/// rows and columns count as calamine expands them.
pub fn check_ods(path: &Path) -> Result<(), Issue> {
    use quick_xml::events::{BytesStart, Event};
    let unreadable = |what: String| malformed(format!("the workbook's structure ({what})"));
    let file = std::fs::File::open(path)
        .map_err(|err| Issue::error(Rule::Unreadable).expecting(err.to_string()))?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| unreadable(e.to_string()))?;
    let content = archive.by_name("content.xml").map_err(|err| unreadable(err.to_string()))?;
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(content));
    let repeated = |element: &BytesStart<'_>, name: &str| -> u64 {
        element
            .try_get_attribute(name)
            .ok()
            .flatten()
            .and_then(|a| a.value.trim().parse::<u64>().ok())
            .unwrap_or(1)
    };
    // The rows and columns a sheet can have: past them calamine stops counting.
    const ROWS: u64 = 1_048_576;
    const COLUMNS: u64 = 16_384;
    let mut sheet: Option<Footprint> = None;
    let (mut row, mut rows_here, mut col, mut row_end) = (0u64, 1u64, 0u64, 0u64);
    let mut buf = Vec::new();
    loop {
        let event = xml.read_event_into(&mut buf).map_err(|err| unreadable(err.to_string()))?;
        let (element, closed) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            Event::End(e) => {
                match e.name().as_ref() {
                    "table:table" => {
                        if let Some(done) = sheet.take() {
                            done.check()?;
                        }
                    }
                    "table:table-row" => {
                        if let Some(sheet) = &mut sheet {
                            sheet.laid = sheet.laid.saturating_add(row_end);
                            sheet.check()?;
                        }
                        row = row.saturating_add(rows_here).min(ROWS);
                    }
                    _ => {}
                }
                (None, false)
            }
            Event::Eof => break,
            _ => (None, false),
        };
        let Some(element) = element else {
            buf.clear();
            continue;
        };
        match element.name().as_ref() {
            "table:table" if !closed => {
                let name = element
                    .try_get_attribute("table:name")
                    .ok()
                    .flatten()
                    .map(|a| a.value.into_owned())
                    .unwrap_or_default();
                sheet = Some(Footprint::new(name));
                row = 0;
            }
            "table:table-row" => {
                rows_here = repeated(element, "table:number-rows-repeated").min(ROWS - row).max(1);
                (col, row_end) = (0, 0);
                if closed {
                    row = row.saturating_add(rows_here).min(ROWS);
                }
            }
            "table:table-cell" | "table:covered-table-cell" => {
                let cols = repeated(element, "table:number-columns-repeated")
                    .min(COLUMNS - col.min(COLUMNS));
                // A cell with a value, or with content (text), counts as filled.
                let filled = !closed
                    || element.try_get_attribute("office:value-type").ok().flatten().is_some();
                if filled && let Some(sheet) = &mut sheet {
                    sheet.fill(row, rows_here, col, cols)?;
                    row_end = col.saturating_add(cols);
                }
                col = col.saturating_add(cols);
            }
            _ => {}
        }
        buf.clear();
    }
    Ok(())
}
