//! Readers for submitted files. Each turns a file into rows of text cells numbered
//! as the file numbers them; typing and checking happen later, against the contract,
//! so every format goes through the same validation.

pub mod csv;
pub mod geo;
pub mod json;
pub mod legacy;
pub mod parquet;
pub mod xlsx;

use std::path::Path;

use md2030_model::{Issue, Rule};

/// One row of text cells, reused from row to row to avoid allocating per cell.
#[derive(Debug, Default, Clone)]
pub struct RowBuf {
    /// The row's number in the file: the line a text editor shows for CSV, the row a
    /// spreadsheet shows for XLSX, the record number for JSON and Parquet.
    pub line: u64,
    text: String,
    ends: Vec<usize>,
    /// 0 when the cells lie end to end in `text`; else the one-byte delimiter
    /// that separates them there (a CSV line kept as it was read).
    split: u8,
}

impl RowBuf {
    pub fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.split = 0;
    }

    /// Where cell `idx` starts in `text`.
    #[inline]
    fn start(&self, idx: usize) -> usize {
        match idx {
            0 => 0,
            i => self.ends[i - 1] + usize::from(self.split != 0),
        }
    }

    pub fn push(&mut self, cell: &str) {
        self.text.push_str(cell);
        self.ends.push(self.text.len());
    }

    /// Replaces the row with `text` split at `ends` (byte offsets of each cell's end).
    pub fn set(&mut self, text: &str, ends: impl Iterator<Item = usize>) {
        self.text.clear();
        self.text.push_str(text);
        self.ends.clear();
        self.ends.extend(ends);
        self.split = 0;
    }

    /// Replaces the row with `line`, whose cells end at `cuts` (the offsets of its
    /// delimiters, an ASCII byte) and at its end; the line is copied once, as is.
    pub fn set_line(&mut self, line: &str, delimiter: u8, cuts: &[usize]) {
        debug_assert!(delimiter.is_ascii() && delimiter != 0);
        self.text.clear();
        self.text.push_str(line);
        self.ends.clear();
        self.ends.extend_from_slice(cuts);
        self.ends.push(line.len());
        self.split = delimiter;
    }

    /// Drops `suffix` from the end of the last cell, if it is there.
    pub fn strip_last_suffix(&mut self, suffix: char) {
        let Some(&last) = self.ends.last() else {
            return;
        };
        let start = self.start(self.ends.len() - 1);
        if last == self.text.len() && last > start && self.text.ends_with(suffix) {
            let new_end = last - suffix.len_utf8();
            self.text.truncate(new_end);
            if let Some(end) = self.ends.last_mut() {
                *end = new_end;
            }
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn cell(&self, idx: usize) -> &str {
        if idx >= self.ends.len() {
            return "";
        }
        &self.text[self.start(idx)..self.ends[idx]]
    }

    pub fn cells(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|i| self.cell(i))
    }

    /// True when every cell is empty or white space.
    pub fn is_blank(&self) -> bool {
        // A printable ASCII character anywhere survives trimming: not blank, without
        // looking at the cells.
        if self.text.bytes().any(|b| b.is_ascii_graphic() && b != self.split) {
            return false;
        }
        self.cells().all(|c| md2030_model::normalize::trim_cell(c).is_empty())
    }

    pub fn to_vec(&self) -> Vec<String> {
        self.cells().map(str::to_string).collect()
    }

    pub fn from_cells(line: u64, cells: &[&str]) -> RowBuf {
        let mut row = RowBuf { line, ..RowBuf::default() };
        for cell in cells {
            row.push(cell);
        }
        row
    }
}

/// A file's SHA-256 (hex) and length, set once it has been read to the end.
pub type Digest = std::sync::Arc<std::sync::OnceLock<(String, u64)>>;

/// A file read through a hasher: every byte read is hashed, and at the end of the
/// file the digest is left in its slot.
pub(crate) struct HashingReader<R> {
    inner: R,
    hasher: sha2::Sha256,
    bytes: u64,
    slot: Digest,
}

impl<R> HashingReader<R> {
    pub(crate) fn new(inner: R) -> HashingReader<R> {
        HashingReader { inner, hasher: sha2::Sha256::default(), bytes: 0, slot: Digest::default() }
    }

    pub(crate) fn slot(&self) -> Digest {
        self.slot.clone()
    }
}

impl<R: std::io::Read> std::io::Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use sha2::Digest as _;
        let read = self.inner.read(buf)?;
        if read == 0 {
            if !buf.is_empty() && self.slot.get().is_none() {
                let hex = md2030_store::hex(&self.hasher.clone().finalize());
                let _ = self.slot.set((hex, self.bytes));
            }
        } else {
            self.hasher.update(&buf[..read]);
            self.bytes += read as u64;
        }
        Ok(read)
    }
}

/// A source of rows. `next_row` fills `row` and returns `Ok(false)` at the end; an
/// `Err` is a fatal problem with the file (it cannot be read further).
pub trait RowSource {
    fn next_row(&mut self, row: &mut RowBuf) -> Result<bool, Issue>;
    /// Non-fatal problems met while reading (a cell that is not valid text, a
    /// spreadsheet error cell), drained by the validator after each row.
    fn take_issues(&mut self) -> Vec<Issue> {
        Vec::new()
    }
    /// Bytes of the input consumed so far, for progress display.
    fn bytes_read(&self) -> u64;
    /// What the reader found out about the file (delimiter, encoding, sheet…).
    fn describe(&self) -> String;
    /// The file suggests a decimal comma for numbers that cannot settle it alone
    /// (`1,234`): true for `;`-delimited CSV.
    fn decimal_comma_hint(&self) -> bool {
        false
    }
    /// Where the reader leaves the SHA-256 and length of every byte of the file
    /// once it has read it to the end, when it hashes as it reads (CSV): the
    /// source's digest then costs no second read.
    fn digest(&self) -> Option<Digest> {
        None
    }
}

/// File formats md2030 reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Json,
    Parquet,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "spreadsheet",
            Format::Json => "json",
            Format::Parquet => "parquet",
        }
    }
}

/// Chooses the format from the file's first bytes, falling back on its extension.
pub fn detect_format(path: &Path, head: &[u8]) -> Result<Format, Issue> {
    if head.is_empty() {
        return Err(Issue::error(Rule::EmptyFile));
    }
    if head.starts_with(b"PAR1") {
        return Ok(Format::Parquet);
    }
    let extension =
        path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
    if head.starts_with(b"PK\x03\x04") {
        return match extension.as_str() {
            "xlsx" | "xlsm" | "ods" | "" => Ok(Format::Xlsx),
            other => Err(Issue::error(Rule::UnsupportedFormat)
                .expecting(format!("a zip archive named .{other}"))),
        };
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Ok(Format::Xlsx);
    }
    let text_start = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let first = text_start.iter().find(|b| !b.is_ascii_whitespace());
    match (extension.as_str(), first) {
        ("json" | "geojson" | "topojson", _) | (_, Some(b'[')) | ("", Some(b'{')) => {
            Ok(Format::Json)
        }
        ("xlsx" | "xls" | "xlsm" | "ods", _) => Err(Issue::error(Rule::MalformedSpreadsheet)
            .expecting("the file is not a spreadsheet (no zip or OLE signature)")),
        ("parquet", _) => Err(Issue::error(Rule::UnsupportedFormat)
            .expecting("the file is not Parquet (no PAR1 signature)")),
        _ => Ok(Format::Csv),
    }
}
