//! JSON: an array of records (objects), or an object holding one such array (as
//! many APIs wrap it: `{"data": [...]}`). Headings are the union of the records'
//! keys in first-seen order; nested values are refused.
//!
//! Streamed, never held whole: a first pass over the file finds the array, the
//! headings and the record count (keeping no record); a second pass, on a thread
//! of its own, hands the records over one at a time through a bounded channel.
//! Memory follows the largest record, not the file.

use std::fmt;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use md2030_model::{Issue, Rule};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::source::{RowBuf, RowSource};

type Record = serde_json::Map<String, Value>;

#[derive(Debug)]
pub struct JsonSource {
    header: Vec<String>,
    records: RecordFeed,
    emitted_header: bool,
    record_no: u64,
    pending: Vec<Issue>,
    total: u64,
    file_bytes: u64,
}

/// Where the records come from: a parsing thread, or (small documents, tests)
/// memory.
enum RecordFeed {
    Thread(mpsc::Receiver<Result<Record, Issue>>),
    Memory(std::vec::IntoIter<Record>),
}

impl fmt::Debug for RecordFeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecordFeed")
    }
}

/// A JSON document (byte-order mark allowed): an empty file and malformed JSON
/// (with the line and column) are refused.
pub fn parse(bytes: &[u8]) -> Result<Value, Issue> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if text.iter().all(u8::is_ascii_whitespace) {
        return Err(Issue::error(Rule::EmptyFile));
    }
    serde_json::from_slice(text).map_err(|err| malformed(&err))
}

/// Malformed JSON, located by line and column (a report can say it in any
/// language: the parser's own wording is not kept).
fn malformed(err: &serde_json::Error) -> Issue {
    let what = match err.classify() {
        serde_json::error::Category::Eof => "the document ends too early",
        serde_json::error::Category::Syntax => "a JSON syntax error",
        serde_json::error::Category::Data | serde_json::error::Category::Io => {
            "a value of another kind"
        }
    };
    Issue::error(Rule::MalformedJson).at_row(err.line() as u64).expecting(format!(
        "{what} (line {}, column {})",
        err.line(),
        err.column()
    ))
}

/// What one pass does with each record.
trait Sink {
    fn record(&mut self, record: Record) -> Result<(), String>;
    fn keys_only(&self) -> bool;
    fn key(&mut self, key: &str);
}

/// First pass: headings and count.
struct Survey {
    header: Vec<String>,
    seen: std::collections::HashSet<String>,
    count: u64,
}

impl Sink for Survey {
    fn record(&mut self, _: Record) -> Result<(), String> {
        Ok(())
    }
    fn keys_only(&self) -> bool {
        true
    }
    fn key(&mut self, key: &str) {
        if !self.seen.contains(key) {
            self.seen.insert(key.to_string());
            self.header.push(key.to_string());
        }
    }
}

/// Second pass: every record to the channel.
struct Feed(mpsc::SyncSender<Result<Record, Issue>>);

impl Sink for Feed {
    fn record(&mut self, record: Record) -> Result<(), String> {
        self.0.send(Ok(record)).map_err(|_| "the reader stopped".to_string())
    }
    fn keys_only(&self) -> bool {
        false
    }
    fn key(&mut self, _: &str) {}
}

/// The whole document: an array of records, or an object with exactly one array.
struct Document<'a, S>(&'a mut S, &'a mut u64);

impl<'de, S: Sink> Visitor<'de> for Document<'_, S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of records, or an object holding exactly one array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        Records(self.0, self.1).visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut arrays = 0;
        while let Some(key) = map.next_key::<String>()? {
            let _ = key;
            arrays += map.next_value_seed(MaybeRecords(&mut *self.0, &mut *self.1))?;
        }
        if arrays != 1 {
            return Err(serde::de::Error::custom(
                "an array of records, or an object holding exactly one array",
            ));
        }
        Ok(())
    }
}

/// A value of the wrapping object: the records if it is an array (counted 1),
/// anything else skipped (counted 0).
struct MaybeRecords<'a, S>(&'a mut S, &'a mut u64);

impl<'de, S: Sink> DeserializeSeed<'de> for MaybeRecords<'_, S> {
    type Value = u32;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<u32, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, S: Sink> Visitor<'de> for MaybeRecords<'_, S> {
    type Value = u32;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<u32, A::Error> {
        Records(self.0, self.1).visit_seq(seq).map(|()| 1)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<u32, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(0)
    }
    fn visit_bool<E>(self, _: bool) -> Result<u32, E> {
        Ok(0)
    }
    fn visit_i64<E>(self, _: i64) -> Result<u32, E> {
        Ok(0)
    }
    fn visit_u64<E>(self, _: u64) -> Result<u32, E> {
        Ok(0)
    }
    fn visit_f64<E>(self, _: f64) -> Result<u32, E> {
        Ok(0)
    }
    fn visit_str<E>(self, _: &str) -> Result<u32, E> {
        Ok(0)
    }
    fn visit_unit<E>(self) -> Result<u32, E> {
        Ok(0)
    }
}

/// The array of records.
struct Records<'a, S>(&'a mut S, &'a mut u64);

impl<'de, S: Sink> Records<'_, S> {
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Records(sink, count) = self;
        loop {
            let index = *count + 1;
            let found = if sink.keys_only() {
                seq.next_element_seed(Keys(&mut *sink, index))?
            } else {
                seq.next_element_seed(Whole(index))?.map(|record| {
                    let _ = sink.record(record);
                })
            };
            if found.is_none() {
                return Ok(());
            }
            *count += 1;
        }
    }
}

/// A record's keys only (first pass).
struct Keys<'a, S>(&'a mut S, u64);

impl<'de, S: Sink> DeserializeSeed<'de> for Keys<'_, S> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, S: Sink> Visitor<'de> for Keys<'_, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "record {} to be an object", self.1)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            self.0.key(&key);
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

/// A whole record (second pass).
struct Whole(u64);

impl<'de> DeserializeSeed<'de> for Whole {
    type Value = Record;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Record, D::Error> {
        d.deserialize_map(WholeVisitor(self.0))
    }
}

struct WholeVisitor(u64);

impl<'de> Visitor<'de> for WholeVisitor {
    type Value = Record;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "record {} to be an object", self.0)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record, A::Error> {
        let mut record = Record::new();
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            record.insert(key, value);
        }
        Ok(record)
    }
}

/// Runs one pass over the file at `path` (byte-order mark skipped).
fn pass<S: Sink>(path: &Path, sink: &mut S) -> Result<u64, Issue> {
    let mut file = BufReader::with_capacity(
        1 << 16,
        std::fs::File::open(path)
            .map_err(|err| Issue::error(Rule::Unreadable).expecting(err.to_string()))?,
    );
    let mut bom = [0u8; 3];
    let mut head = Vec::new();
    let n = (&mut file).take(3).read(&mut bom).unwrap_or(0);
    if bom[..n] != *b"\xEF\xBB\xBF" {
        head.extend_from_slice(&bom[..n]);
    }
    let reader = std::io::Cursor::new(head).chain(file);
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut count = 0;
    let visited = de.deserialize_any(Document(sink, &mut count)).and_then(|()| de.end());
    match visited {
        Ok(()) => Ok(count),
        Err(err) => {
            let text = err.to_string();
            let mut issue = malformed(&err);
            if let Some(at) = text.rfind("expected record ") {
                // "invalid type: …, expected record 7 to be an object"
                let number: String =
                    text[at + 16..].chars().take_while(char::is_ascii_digit).collect();
                if let Ok(record) = number.parse() {
                    issue = Issue::error(Rule::MalformedJson)
                        .at_row(record)
                        .expecting("every item to be an object (a record)");
                }
            }
            Err(issue)
        }
    }
}

impl JsonSource {
    pub fn open(path: &Path) -> Result<JsonSource, Issue> {
        let file_bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let mut head = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(1 << 16).read_to_end(&mut head))
            .map_err(|err| Issue::error(Rule::Unreadable).expecting(err.to_string()))?;
        let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
        if head.len() as u64 == file_bytes && text.iter().all(u8::is_ascii_whitespace) {
            return Err(Issue::error(Rule::EmptyFile));
        }
        let mut survey =
            Survey { header: Vec::new(), seen: std::collections::HashSet::new(), count: 0 };
        survey.count = pass(path, &mut survey)?;
        let (sender, receiver) = mpsc::sync_channel(256);
        let path: PathBuf = path.to_path_buf();
        std::thread::spawn(move || {
            let mut feed = Feed(sender);
            if let Err(issue) = pass(&path, &mut feed) {
                let _ = feed.0.send(Err(issue));
            }
        });
        Ok(JsonSource {
            header: survey.header,
            records: RecordFeed::Thread(receiver),
            emitted_header: false,
            record_no: 0,
            pending: Vec::new(),
            total: survey.count,
            file_bytes,
        })
    }

    /// A document already in memory (small inputs and tests).
    pub fn from_bytes(bytes: &[u8]) -> Result<JsonSource, Issue> {
        let value = parse(bytes)?;
        let array = match value {
            Value::Array(items) => items,
            Value::Object(mut object) => {
                let arrays: Vec<String> =
                    object.iter().filter(|(_, v)| v.is_array()).map(|(k, _)| k.clone()).collect();
                match arrays.as_slice() {
                    [key] => match object.remove(key) {
                        Some(Value::Array(items)) => items,
                        _ => unreachable!("the key was chosen because it holds an array"),
                    },
                    _ => {
                        return Err(Issue::error(Rule::MalformedJson).expecting(
                            "an array of records, or an object holding exactly one array",
                        ));
                    }
                }
            }
            _ => return Err(Issue::error(Rule::MalformedJson).expecting("an array of records")),
        };
        let mut header: Vec<String> = Vec::new();
        let mut records = Vec::with_capacity(array.len());
        for (idx, item) in array.into_iter().enumerate() {
            match item {
                Value::Object(object) => {
                    for key in object.keys() {
                        if !header.contains(key) {
                            header.push(key.clone());
                        }
                    }
                    records.push(object);
                }
                other => {
                    return Err(Issue::error(Rule::MalformedJson)
                        .at_row(idx as u64 + 1)
                        .with_value(other.to_string())
                        .expecting("every item to be an object (a record)"));
                }
            }
        }
        let total = records.len() as u64;
        Ok(JsonSource {
            header,
            records: RecordFeed::Memory(records.into_iter()),
            emitted_header: false,
            record_no: 0,
            pending: Vec::new(),
            total,
            file_bytes: bytes.len() as u64,
        })
    }
}

impl RowSource for JsonSource {
    fn next_row(&mut self, row: &mut RowBuf) -> Result<bool, Issue> {
        row.clear();
        if !self.emitted_header {
            self.emitted_header = true;
            row.line = 0;
            for heading in &self.header {
                row.push(heading);
            }
            return Ok(true);
        }
        let record = match &mut self.records {
            RecordFeed::Memory(records) => records.next(),
            RecordFeed::Thread(receiver) => match receiver.recv() {
                Ok(Ok(record)) => Some(record),
                Ok(Err(issue)) => return Err(issue),
                Err(_) => None,
            },
        };
        let Some(record) = record else {
            return Ok(false);
        };
        self.record_no += 1;
        row.line = self.record_no;
        for heading in &self.header {
            match record.get(heading) {
                None | Some(Value::Null) => row.push(""),
                Some(Value::String(s)) => row.push(s),
                Some(Value::Bool(b)) => row.push(if *b { "true" } else { "false" }),
                Some(Value::Number(n)) => row.push(&n.to_string()),
                Some(nested) => {
                    self.pending.push(
                        Issue::error(Rule::Type)
                            .at_row(self.record_no)
                            .in_column(heading.clone())
                            .with_value(nested.to_string())
                            .expecting("plain value (nested arrays and objects are not accepted)"),
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
        (self.file_bytes * self.record_no).checked_div(self.total).unwrap_or(self.file_bytes)
    }

    fn describe(&self) -> String {
        format!("JSON, {} records", self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<Vec<String>> {
        let mut source = JsonSource::from_bytes(text.as_bytes()).unwrap();
        let mut row = RowBuf::default();
        let mut out = Vec::new();
        while source.next_row(&mut row).unwrap() {
            out.push(row.to_vec());
        }
        out
    }

    #[test]
    fn records_become_rows_with_the_union_of_keys() {
        let rows = rows(r#"[{"a": 1, "b": "x"}, {"b": "y", "c": true}, {"a": null}]"#);
        assert_eq!(rows[0], vec!["a", "b", "c"]);
        assert_eq!(rows[1], vec!["1", "x", ""]);
        assert_eq!(rows[2], vec!["", "y", "true"]);
        assert_eq!(rows[3], vec!["", "", ""]);
    }

    #[test]
    fn a_wrapped_array_is_unwrapped() {
        assert_eq!(rows(r#"{"meta": {}, "data": [{"a": 2}]}"#)[1], vec!["2"]);
    }

    fn streamed(text: &str) -> Result<Vec<Vec<String>>, Issue> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("records.json");
        std::fs::write(&path, text).unwrap();
        let mut source = JsonSource::open(&path)?;
        let mut row = RowBuf::default();
        let mut out = Vec::new();
        while source.next_row(&mut row)? {
            out.push(row.to_vec());
        }
        Ok(out)
    }

    #[test]
    fn a_streamed_file_gives_the_same_rows_as_one_read_whole() {
        for text in [
            r#"[{"a": 1, "b": "x"}, {"b": "y", "c": true}, {"a": null}]"#,
            "\u{FEFF}{\"meta\": {\"n\": [1]}, \"data\": [{\"a\": 2.5, \"é\": \"ü\"}], \"note\": \"x\"}",
        ] {
            assert_eq!(
                streamed(text).unwrap(),
                rows(text.trim_start_matches('\u{FEFF}')),
                "{text}"
            );
        }
        assert_eq!(streamed("[1, 2]").unwrap_err().rule, Rule::MalformedJson);
        assert_eq!(streamed(r#"[{"a": 1}, 7]"#).unwrap_err().row, Some(2));
        assert_eq!(streamed("   ").unwrap_err().rule, Rule::EmptyFile);
        let err = streamed("[{\"a\": 1},\n{\"a\"").unwrap_err();
        assert_eq!((err.rule, err.row), (Rule::MalformedJson, Some(2)));
        assert_eq!(streamed(r#"{"a": [], "b": []}"#).unwrap_err().rule, Rule::MalformedJson);
    }

    #[test]
    fn scalars_and_truncated_json_are_refused() {
        assert_eq!(JsonSource::from_bytes(b"[1, 2]").unwrap_err().rule, Rule::MalformedJson);
        let err = JsonSource::from_bytes(b"[{\"a\": 1},\n{\"a\"").unwrap_err();
        assert_eq!((err.rule, err.row), (Rule::MalformedJson, Some(2)));
    }
}
