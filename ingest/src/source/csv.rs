//! CSV as ministries and publishers really write it: `,` `;` or tab delimiters,
//! UTF-8 with or without BOM or Windows-1252, CRLF, quoted newlines, Excel's
//! `sep=;` line, title or preamble lines above the header (handled by the header
//! search), and a trailing delimiter on every line.

use std::fs::File;
use std::io::{Cursor, Read};
use std::path::Path;

use md2030_model::{Issue, Rule};

use crate::source::{RowBuf, RowSource};

const SAMPLE_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1252,
    /// Only ASCII so far: the first non-ASCII field decides (valid UTF-8, or else
    /// Windows-1252, which agrees with everything read before).
    Undecided,
}

/// What the sniffer decided about a CSV file.
#[derive(Debug, Clone, Copy)]
pub struct Dialect {
    pub delimiter: u8,
    pub encoding: Encoding,
    pub had_bom: bool,
    /// Lines skipped before the CSV proper (Excel's `sep=` line).
    pub skipped_lines: u64,
}

pub struct CsvSource {
    input: Box<dyn Read + Send>,
    /// Bytes read from `input` and not yet consumed: `buf[pos..len]`.
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    eof: bool,
    /// Bytes of `input` consumed before `buf[0]`.
    consumed: u64,
    /// The line the next record starts on (1 for the first line after `sep=`).
    line: u64,
    /// Records with a quote (or a lone carriage return) go through csv-core's
    /// state machine, which handles quoted delimiters and newlines.
    core: csv_core::Reader,
    /// Such a record's field bytes, without delimiters, and each field's end.
    out: Vec<u8>,
    ends: Vec<usize>,
    /// The delimiters' offsets in the line being split.
    cuts: Vec<usize>,
    /// Offsets in `buf` of every delimiter, newline and quote up to `marked_to`;
    /// those before `next_mark` are behind `pos`.
    marks: Vec<u32>,
    next_mark: usize,
    marked_to: usize,
    /// A carriage return was read in a file whose lines do not end in CRLF.
    carriage_returns: bool,
    dialect: Dialect,
    pending: Vec<Issue>,
    scratch: String,
    base_bytes: u64,
    crlf: bool,
    /// Where the file's digest is left once read to the end (see [`RowSource::digest`]).
    digest: Option<crate::source::Digest>,
}

/// csv-core for a file's delimiter. csv's default terminator treats "\r\n" as "\r"
/// then an empty line start, which numbers every row after the first one line too
/// low: CRLF files are split on "\n" and the "\r" ending the last field dropped.
fn core_reader(delimiter: u8, crlf: bool) -> csv_core::Reader {
    let terminator =
        if crlf { csv_core::Terminator::Any(b'\n') } else { csv_core::Terminator::CRLF };
    csv_core::ReaderBuilder::new().delimiter(delimiter).terminator(terminator).build()
}

/// Bytes read from the file at a time.
const BUFFER_BYTES: usize = 1 << 20;

impl std::fmt::Debug for CsvSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvSource").field("dialect", &self.dialect).finish()
    }
}

impl CsvSource {
    pub fn open(path: &Path) -> Result<CsvSource, Issue> {
        let file = File::open(path)
            .map_err(|err| Issue::error(Rule::Unreadable).expecting(err.to_string()))?;
        // Hashed as it is read: the source's SHA-256 without reading the file twice.
        let mut file = crate::source::HashingReader::new(file);
        let digest = file.slot();
        let mut sample = Vec::with_capacity(SAMPLE_BYTES);
        (&mut file)
            .take(SAMPLE_BYTES as u64)
            .read_to_end(&mut sample)
            .map_err(|err| Issue::error(Rule::Unreadable).expecting(err.to_string()))?;
        let rest: Box<dyn Read + Send> = Box::new(file);
        let mut source = CsvSource::from_parts(sample, rest)?;
        source.digest = Some(digest);
        Ok(source)
    }

    /// Builds a source from the file's first bytes and a reader for the rest.
    pub fn from_parts(mut sample: Vec<u8>, rest: Box<dyn Read + Send>) -> Result<CsvSource, Issue> {
        if sample.is_empty() {
            return Err(Issue::error(Rule::EmptyFile));
        }
        if sample.starts_with(&[0xFF, 0xFE]) || sample.starts_with(&[0xFE, 0xFF]) {
            return Err(Issue::error(Rule::Encoding).expecting("UTF-8 (the file is UTF-16)"));
        }
        let had_bom = sample.starts_with(b"\xEF\xBB\xBF");
        if had_bom {
            sample.drain(..3);
        }
        if looks_binary(&sample) {
            return Err(
                Issue::error(Rule::UnsupportedFormat).expecting("binary data, not delimited text")
            );
        }
        let encoding = if sample.is_ascii() {
            Encoding::Undecided
        } else if utf8_prefix_valid(&sample) || mostly_utf8(&sample) {
            Encoding::Utf8
        } else {
            Encoding::Windows1252
        };
        let (delimiter, skipped_lines) = match sep_line(&sample) {
            Some((delimiter, line_len)) => {
                sample.drain(..line_len);
                (delimiter, 1)
            }
            None => (sniff_delimiter(&sample), 0),
        };
        let base_bytes = if had_bom { 3 } else { 0 };
        let crlf = sample.windows(2).any(|w| w == b"\r\n");
        let input: Box<dyn Read + Send> = Box::new(Cursor::new(sample).chain(rest));
        let core = core_reader(delimiter, crlf);
        Ok(CsvSource {
            input,
            buf: vec![0; BUFFER_BYTES],
            pos: 0,
            len: 0,
            eof: false,
            consumed: 0,
            line: 1,
            core,
            out: vec![0; 1024],
            ends: vec![0; 64],
            cuts: Vec::new(),
            marks: Vec::new(),
            next_mark: 0,
            marked_to: 0,
            carriage_returns: false,
            dialect: Dialect { delimiter, encoding, had_bom, skipped_lines },
            crlf,
            pending: Vec::new(),
            scratch: String::new(),
            base_bytes,
            digest: None,
        })
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }
}

impl CsvSource {
    /// Moves the unread bytes to the front of the buffer and reads more after them.
    /// False when nothing was read: the input is at its end, or the buffer is full.
    fn refill(&mut self) -> Result<bool, Issue> {
        if self.pos > 0 {
            let shift = self.pos;
            self.buf.copy_within(shift..self.len, 0);
            self.consumed += shift as u64;
            self.len -= shift;
            self.pos = 0;
            // Marks of the consumed bytes go; the others move with their bytes.
            let kept = self.marks.partition_point(|&mark| (mark as usize) < shift);
            self.marks.drain(..kept);
            for mark in &mut self.marks {
                *mark -= shift as u32;
            }
            self.next_mark = 0;
            self.marked_to = self.marked_to.saturating_sub(shift);
        }
        while !self.eof && self.len < self.buf.len() {
            match self.input.read(&mut self.buf[self.len..]) {
                Ok(0) => self.eof = true,
                Ok(read) => {
                    self.len += read;
                    return Ok(true);
                }
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                Err(err) => {
                    return Err(Issue::error(Rule::MalformedCsv)
                        .at_row(self.line + self.dialect.skipped_lines)
                        .expecting(err.to_string()));
                }
            }
        }
        Ok(false)
    }

    /// Marks every delimiter, newline and quote of the bytes read since the last
    /// call: one vectorised pass over the buffer instead of a search per line.
    fn mark(&mut self) {
        if self.marked_to >= self.len {
            return;
        }
        let fresh = &self.buf[self.marked_to..self.len];
        let base = self.marked_to;
        self.marks.extend(
            memchr::memchr3_iter(self.dialect.delimiter, b'\n', b'"', fresh)
                .map(|at| (base + at) as u32),
        );
        if !self.crlf && memchr::memchr(b'\r', fresh).is_some() {
            self.carriage_returns = true;
        }
        self.marked_to = self.len;
    }

    /// The line starting at `pos` when it is whole in the buffer and needs no
    /// CSV state machine (no quote, no lone carriage return): its
    /// end (before the newline, if any), with its delimiters' offsets in `cuts`.
    fn plain_line(&mut self) -> Result<Option<usize>, Issue> {
        let delimiter = self.dialect.delimiter;
        if self.dialect.encoding == Encoding::Windows1252
            || !delimiter.is_ascii()
            || matches!(delimiter, b'"' | b'\n' | b'\r')
        {
            return Ok(None);
        }
        let mut refilled = false;
        loop {
            self.mark();
            while self.next_mark < self.marks.len()
                && (self.marks[self.next_mark] as usize) < self.pos
            {
                self.next_mark += 1;
            }
            self.cuts.clear();
            let mut at = self.next_mark;
            let mut newline = None;
            while let Some(&mark) = self.marks.get(at) {
                let mark = mark as usize;
                match self.buf[mark] {
                    b'\n' => {
                        newline = Some(mark);
                        break;
                    }
                    b'"' => return Ok(None),
                    _ => self.cuts.push(mark - self.pos),
                }
                at += 1;
            }
            let (end, next_mark) = match newline {
                Some(end) => (end, at + 1),
                None if self.eof => (self.len, at),
                None if !refilled => {
                    refilled = true;
                    self.refill()?;
                    continue;
                }
                None => return Ok(None), // longer than the buffer
            };
            let line = &self.buf[self.pos..end];
            // UTF-8 is checked by the caller, once.
            let plain = !(self.carriage_returns && memchr::memchr(b'\r', line).is_some());
            if plain {
                self.next_mark = next_mark;
            }
            return Ok(plain.then_some(end));
        }
    }

    /// A record through csv-core: quoted fields, delimiters and newlines in quotes.
    fn read_quoted(&mut self, row: &mut RowBuf) -> Result<bool, Issue> {
        let (mut out_len, mut ends_len) = (0, 0);
        loop {
            let input = &self.buf[self.pos..self.len];
            let (result, read, written, ended) =
                self.core.read_record(input, &mut self.out[out_len..], &mut self.ends[ends_len..]);
            self.line += memchr::memchr_iter(b'\n', &input[..read]).count() as u64;
            self.pos += read;
            out_len += written;
            ends_len += ended;
            match result {
                // Empty input after the end tells csv-core the file ended.
                csv_core::ReadRecordResult::InputEmpty => {
                    if self.pos == self.len {
                        self.refill()?;
                    }
                }
                csv_core::ReadRecordResult::OutputFull => {
                    let bigger = self.out.len() * 2;
                    self.out.resize(bigger, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    let bigger = self.ends.len() * 2;
                    self.ends.resize(bigger, 0);
                }
                csv_core::ReadRecordResult::Record => break,
                csv_core::ReadRecordResult::End => return Ok(false),
            }
        }
        self.set_record(row, out_len, ends_len);
        Ok(true)
    }

    /// Fills `row` from the record csv-core wrote into `out` and `ends`.
    fn set_record(&mut self, row: &mut RowBuf, out_len: usize, ends_len: usize) {
        let bytes = &self.out[..out_len];
        let ends = &self.ends[..ends_len];
        // A record that is valid UTF-8 as a whole (checked once, not per field) is
        // copied in one piece, its field ends mapping one to one because
        // delimiters are ASCII. The record holds the fields without their
        // delimiters, so two invalid halves of a character on either side of a
        // delimiter can join into a valid one: every end must fall on a character
        // boundary (found by fuzzing), else the fields are decoded one by one.
        if self.dialect.encoding != Encoding::Windows1252
            && let Ok(text) = std::str::from_utf8(bytes)
            && ends.iter().all(|&end| text.is_char_boundary(end))
        {
            if self.dialect.encoding == Encoding::Undecided && !text.is_ascii() {
                self.dialect.encoding = Encoding::Utf8;
            }
            row.set(text, ends.iter().copied());
            if self.crlf {
                row.strip_last_suffix('\r');
            }
            return;
        }
        let last = ends.len().saturating_sub(1);
        let mut start = 0;
        for (idx, &end) in ends.iter().enumerate() {
            let field = &bytes[start..end];
            start = end;
            let field = if self.crlf && idx == last {
                field.strip_suffix(b"\r").unwrap_or(field)
            } else {
                field
            };
            if self.dialect.encoding == Encoding::Undecided && !field.is_ascii() {
                self.dialect.encoding = if std::str::from_utf8(field).is_ok() {
                    Encoding::Utf8
                } else {
                    Encoding::Windows1252
                };
            }
            match self.dialect.encoding {
                Encoding::Undecided => row.push(
                    std::str::from_utf8(field).expect("an undecided encoding has seen only ASCII"),
                ),
                Encoding::Utf8 => match std::str::from_utf8(field) {
                    Ok(text) => row.push(text),
                    Err(_) => {
                        self.scratch.clear();
                        self.scratch.push_str(&String::from_utf8_lossy(field));
                        self.pending.push(
                            Issue::error(Rule::Encoding)
                                .at_row(row.line)
                                .in_column(format!("#{}", idx + 1))
                                .with_value(self.scratch.clone())
                                .expecting("UTF-8"),
                        );
                        row.push("");
                    }
                },
                Encoding::Windows1252 => {
                    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(field);
                    row.push(&text);
                }
            }
        }
    }
}

impl RowSource for CsvSource {
    /// Most lines hold no quote: they are split on the delimiter where they lie in
    /// the buffer. A line with a quote goes through csv-core, as every line did
    /// before (the same fields, blank lines skipped the same way).
    fn next_row(&mut self, row: &mut RowBuf) -> Result<bool, Issue> {
        row.clear();
        // Blank lines are no records, as csv-core has it.
        loop {
            if self.pos == self.len && !self.refill()? {
                return Ok(false);
            }
            match self.buf[self.pos] {
                b'\n' => self.line += 1,
                b'\r' if !self.crlf => {}
                _ => break,
            }
            self.pos += 1;
        }
        row.line = self.line + self.dialect.skipped_lines;
        if let Some(end) = self.plain_line()?
            && let Ok(text) = std::str::from_utf8(&self.buf[self.pos..end])
        {
            if self.dialect.encoding == Encoding::Undecided && !text.is_ascii() {
                self.dialect.encoding = Encoding::Utf8;
            }
            row.set_line(text, self.dialect.delimiter, &self.cuts);
            if self.crlf {
                row.strip_last_suffix('\r');
            }
            self.pos = (end + 1).min(self.len);
            self.line += 1;
            return Ok(true);
        }
        self.read_quoted(row)
    }

    fn take_issues(&mut self) -> Vec<Issue> {
        std::mem::take(&mut self.pending)
    }

    fn bytes_read(&self) -> u64 {
        self.base_bytes + self.consumed + self.pos as u64
    }

    fn decimal_comma_hint(&self) -> bool {
        self.dialect.delimiter == b';'
    }

    fn digest(&self) -> Option<crate::source::Digest> {
        self.digest.clone()
    }

    fn describe(&self) -> String {
        let delimiter = match self.dialect.delimiter {
            b'\t' => "tab".to_string(),
            d => format!("'{}'", d as char),
        };
        let encoding = match (self.dialect.encoding, self.dialect.had_bom) {
            (Encoding::Utf8, true) => "UTF-8 with BOM",
            (Encoding::Utf8, false) => "UTF-8",
            (Encoding::Undecided, _) => "ASCII",
            (Encoding::Windows1252, _) => "Windows-1252",
        };
        format!("CSV, delimiter {delimiter}, {encoding}")
    }
}

/// NUL bytes, or many control characters, mean this is not text.
fn looks_binary(sample: &[u8]) -> bool {
    if sample.contains(&0) {
        return true;
    }
    let controls =
        sample.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0C)).count();
    controls * 100 > sample.len().max(1)
}

/// Valid UTF-8, allowing a multi-byte character cut at the end of the sample.
fn utf8_prefix_valid(sample: &[u8]) -> bool {
    match std::str::from_utf8(sample) {
        Ok(_) => true,
        Err(err) => err.error_len().is_none() && sample.len() - err.valid_up_to() < 4,
    }
}

/// More valid non-ASCII UTF-8 characters than invalid bytes: a UTF-8 file with some
/// bad bytes (mixed encodings), whose bad cells must be reported, not a Windows-1252
/// file (where valid multi-byte sequences are rare accidents).
fn mostly_utf8(sample: &[u8]) -> bool {
    let (mut valid, mut invalid) = (0usize, 0usize);
    for chunk in sample.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        invalid += usize::from(!chunk.invalid().is_empty());
    }
    valid > invalid
}

/// Excel's first line `sep=;` names the delimiter.
fn sep_line(sample: &[u8]) -> Option<(u8, usize)> {
    let rest = sample.strip_prefix(b"sep=")?;
    let delimiter = *rest.first()?;
    let after = &rest[1..];
    let line_end = match after {
        [b'\r', b'\n', ..] => 2,
        [b'\n', ..] | [b'\r', ..] => 1,
        [] => 0,
        _ => return None,
    };
    Some((delimiter, 4 + 1 + line_end))
}

/// Picks the delimiter among `,` `;` tab and `|` that splits the sampled lines into
/// the same number of fields most consistently, preferring more fields.
fn sniff_delimiter(sample: &[u8]) -> u8 {
    let mut best = (b',', 0usize, 0usize);
    for candidate in [b',', b';', b'\t', b'|'] {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(candidate)
            .from_reader(sample);
        let mut counts: Vec<usize> = Vec::new();
        let mut record = csv::ByteRecord::new();
        while counts.len() < 50 {
            match reader.read_byte_record(&mut record) {
                Ok(true) if record.iter().all(|f| f.is_empty()) => {}
                Ok(true) => counts.push(record.len()),
                _ => break,
            }
        }
        // Drop the last sampled record: the sample may have cut it.
        if counts.len() > 1 {
            counts.pop();
        }
        let mut mode = (0usize, 0usize);
        for &count in &counts {
            let freq = counts.iter().filter(|&&c| c == count).count();
            if count > 1 && (freq, count) > (mode.1, mode.0) {
                mode = (count, freq);
            }
        }
        let (fields, freq) = mode;
        if (freq, fields) > (best.2, best.1) {
            best = (candidate, fields, freq);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(bytes: &[u8]) -> (Vec<Vec<String>>, Dialect) {
        let split = bytes.len().min(SAMPLE_BYTES);
        let rest = Box::new(Cursor::new(bytes[split..].to_vec()));
        let mut source = CsvSource::from_parts(bytes[..split].to_vec(), rest).unwrap();
        let mut row = RowBuf::default();
        let mut out = Vec::new();
        while source.next_row(&mut row).unwrap() {
            out.push(row.to_vec());
        }
        (out, source.dialect())
    }

    /// The rows and their line numbers as csv-core reads them alone, with the
    /// line each record's first byte is on counted by hand from the bytes.
    fn oracle(text: &[u8], delimiter: u8, crlf: bool) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut core = core_reader(delimiter, crlf);
        let (mut out, mut ends) = (vec![0u8; 1 << 16], vec![0usize; 1024]);
        let mut rows = Vec::new();
        let mut input = text;
        let (mut out_len, mut ends_len, mut line) = (0, 0, 1);
        loop {
            // Where the record starts: after the blank lines csv-core skips.
            let skipped =
                input.iter().take_while(|&&b| b == b'\n' || (!crlf && b == b'\r')).count();
            if ends_len == 0 && out_len == 0 {
                line = 1 + text[..text.len() - input.len() + skipped]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count() as u64;
            }
            let (result, read, written, ended) =
                core.read_record(input, &mut out[out_len..], &mut ends[ends_len..]);
            input = &input[read..];
            out_len += written;
            ends_len += ended;
            match result {
                csv_core::ReadRecordResult::Record => {
                    let mut start = 0;
                    let fields = ends[..std::mem::take(&mut ends_len)]
                        .iter()
                        .map(|&end| {
                            let field = out[start..end].to_vec();
                            start = end;
                            field
                        })
                        .collect();
                    out_len = 0;
                    rows.push((line, fields));
                }
                csv_core::ReadRecordResult::End => return rows,
                csv_core::ReadRecordResult::InputEmpty => {}
                other => panic!("{other:?}"),
            }
        }
    }

    /// Every way a line can end, blank lines, quotes with delimiters and newlines
    /// inside, carriage returns and Arabic text, over buffers of 1 byte to 1 MiB:
    /// the fast line splitter and csv-core give the same fields on the same lines.
    #[test]
    fn the_line_splitter_reads_what_csv_core_reads() {
        let pieces: [&[u8]; 14] = [
            b"a",
            b"01",
            b",",
            b",",
            b"\n",
            b"\r\n",
            b"\"q,\nx\"",
            b"\"\"",
            b" ",
            b"\xd8\xa7\xd9\x84",
            b"\r",
            b"2024-01",
            b"\n\n",
            b"x\"y",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for case in 0..1000 {
            let mut text = b"h1,h2\n".to_vec();
            let length = 1 + case % 40;
            for _ in 0..length {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.extend_from_slice(pieces[(seed % pieces.len() as u64) as usize]);
            }
            let crlf = text.windows(2).any(|w| w == b"\r\n");
            let expected = oracle(&text, b',', crlf);
            for buffer in [1, 2, 3, 7, 64, BUFFER_BYTES] {
                let rest = Box::new(Cursor::new(text[6..].to_vec()));
                let mut source = CsvSource::from_parts(text[..6].to_vec(), rest).unwrap();
                // The sniffer saw only the header: tell it what the whole text has.
                source.crlf = crlf;
                source.core = core_reader(b',', crlf);
                source.buf = vec![0; buffer];
                let mut row = RowBuf::default();
                let mut got = Vec::new();
                while source.next_row(&mut row).unwrap() {
                    got.push((row.line, row.to_vec()));
                }
                assert_eq!(
                    got.len(),
                    expected.len(),
                    "{:?} buffer {buffer}",
                    String::from_utf8_lossy(&text)
                );
                for ((line, cells), (want_line, fields)) in got.iter().zip(&expected) {
                    let mut fields: Vec<String> =
                        fields.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
                    if crlf
                        && let Some(last) = fields.last_mut()
                        && last.ends_with('\r')
                    {
                        last.pop();
                    }
                    let context = format!("{:?} buffer {buffer}", String::from_utf8_lossy(&text));
                    assert_eq!(cells, &fields, "{context}");
                    assert_eq!(line, want_line, "{context}");
                }
            }
        }
    }

    /// A file read to the end leaves its digest: the SHA-256 of every byte, BOM and
    /// the sniffed sample included, the same as hashing the file apart.
    #[test]
    fn the_reader_hashes_the_whole_file_as_it_reads() {
        use sha2::Digest as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let mut bytes = b"\xEF\xBB\xBFyear;value\n".to_vec();
        for i in 0..20_000 {
            bytes.extend_from_slice(format!("{};{i}\n", 2000 + i % 25).as_bytes());
        }
        assert!(bytes.len() > SAMPLE_BYTES * 2);
        std::fs::write(&path, &bytes).unwrap();
        let mut source = CsvSource::open(&path).unwrap();
        let digest = source.digest().unwrap();
        let mut row = RowBuf::default();
        let mut rows = 0;
        while source.next_row(&mut row).unwrap() {
            rows += 1;
            if rows == 10 {
                assert!(digest.get().is_none(), "not yet at the end");
            }
        }
        assert_eq!(rows, 20_001);
        let expected = md2030_store::hex(&sha2::Sha256::digest(&bytes));
        assert_eq!(digest.get(), Some(&(expected, bytes.len() as u64)));
    }

    #[test]
    fn semicolon_with_decimal_commas_is_not_split_on_commas() {
        let (rows, dialect) = rows(b"region;valeur\n01;1 234,5\n02;12,75\n");
        assert_eq!(dialect.delimiter, b';');
        assert_eq!(rows[1], vec!["01", "1 234,5"]);
    }

    #[test]
    fn a_character_split_by_a_delimiter_is_not_glued_back_together() {
        // "ا" is D8 A7 in UTF-8; here a comma stands between its two bytes. The
        // record without delimiters is valid UTF-8, the fields are not (a fuzzer
        // found the panic this used to cause).
        let (rows, _) = rows(b"a,b,c\nx,\xd8,\xa7\n");
        assert_eq!(rows[1].len(), 3);
        assert_eq!(rows[1][0], "x");
        assert!(rows[1][1].chars().count() <= 1 && rows[1][2].chars().count() <= 1, "{rows:?}");
    }

    #[test]
    fn tab_delimited_with_crlf() {
        let (rows, dialect) = rows(b"a\tb\r\n1\t2\r\n");
        assert_eq!(dialect.delimiter, b'\t');
        assert_eq!(rows, vec![vec!["a", "b"], vec!["1", "2"]]);
    }

    #[test]
    fn windows_1252_is_decoded() {
        let (rows, dialect) = rows(b"r\xe9gion,ann\xe9e\nF\xe8s,2024\n");
        assert_eq!(dialect.encoding, Encoding::Windows1252);
        assert_eq!(rows[0], vec!["région", "année"]);
        assert_eq!(rows[1][0], "Fès");
    }

    #[test]
    fn windows_1252_after_a_long_ascii_start_is_detected() {
        let mut bytes = b"nom,valeur\n".to_vec();
        for _ in 0..20_000 {
            bytes.extend_from_slice(b"abc,1\n");
        }
        bytes.extend_from_slice(b"F\xe8s,2\n");
        let (rows, dialect) = rows(&bytes);
        assert_eq!(dialect.encoding, Encoding::Windows1252);
        assert_eq!(rows.last().unwrap()[0], "Fès");
    }

    #[test]
    fn bom_is_dropped_and_quoted_newlines_kept() {
        let (rows, dialect) = rows(b"\xEF\xBB\xBFa,b\n\"line 1\nline 2\",x\n");
        assert!(dialect.had_bom);
        assert_eq!(rows[0][0], "a");
        assert_eq!(rows[1][0], "line 1\nline 2");
    }

    #[test]
    fn quoted_newline_rows_are_numbered_by_their_first_line() {
        let mut source =
            CsvSource::from_parts(b"a,b\n\"x\ny\",1\nz,2\n".to_vec(), Box::new(std::io::empty()))
                .unwrap();
        let mut row = RowBuf::default();
        let mut lines = Vec::new();
        while source.next_row(&mut row).unwrap() {
            lines.push(row.line);
        }
        assert_eq!(lines, vec![1, 2, 4]);
    }

    #[test]
    fn excel_sep_line_sets_the_delimiter() {
        let (rows, dialect) = rows(b"sep=;\r\na;b\r\n1;2\r\n");
        assert_eq!(dialect.delimiter, b';');
        assert_eq!(rows[0], vec!["a", "b"]);
    }

    #[test]
    fn binary_and_utf16_are_refused() {
        let err = CsvSource::from_parts(vec![0x00, 0x01, 0x02, 0xff], Box::new(std::io::empty()))
            .unwrap_err();
        assert_eq!(err.rule, Rule::UnsupportedFormat);
        let err = CsvSource::from_parts(vec![0xFF, 0xFE, b'a', 0], Box::new(std::io::empty()))
            .unwrap_err();
        assert_eq!(err.rule, Rule::Encoding);
    }

    #[test]
    fn crlf_rows_are_numbered_by_their_line() {
        let mut source =
            CsvSource::from_parts(b"a;b\r\nx;1\r\nz;2\r\n".to_vec(), Box::new(std::io::empty()))
                .unwrap();
        let mut row = RowBuf::default();
        let mut lines = Vec::new();
        while source.next_row(&mut row).unwrap() {
            lines.push(row.line);
        }
        assert_eq!(lines, vec![1, 2, 3]);
    }
}
