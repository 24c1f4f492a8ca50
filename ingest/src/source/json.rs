//! JSON: an array of records (objects), or an object holding one such array (as
//! many APIs wrap it: `{"data": [...]}`). Headings are the union of the records'
//! keys in first-seen order; nested values are refused.

use std::path::Path;

use md2030_model::{Issue, Rule};
use serde_json::Value;

use crate::source::{RowBuf, RowSource};

#[derive(Debug)]
pub struct JsonSource {
    header: Vec<String>,
    records: std::vec::IntoIter<serde_json::Map<String, Value>>,
    emitted_header: bool,
    record_no: u64,
    pending: Vec<Issue>,
    total: u64,
    file_bytes: u64,
}

/// A JSON document (byte-order mark allowed): an empty file and malformed JSON
/// (with the line and column) are refused.
pub fn parse(bytes: &[u8]) -> Result<Value, Issue> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if text.iter().all(u8::is_ascii_whitespace) {
        return Err(Issue::error(Rule::EmptyFile));
    }
    serde_json::from_slice(text).map_err(|err| {
        Issue::error(Rule::MalformedJson).at_row(err.line() as u64).expecting(format!(
            "{err} (line {}, column {})",
            err.line(),
            err.column()
        ))
    })
}

impl JsonSource {
    pub fn open(path: &Path) -> Result<JsonSource, Issue> {
        let bytes = std::fs::read(path)
            .map_err(|err| Issue::error(Rule::Unreadable).expecting(err.to_string()))?;
        JsonSource::from_bytes(&bytes)
    }

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
            records: records.into_iter(),
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
        let Some(record) = self.records.next() else {
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

    #[test]
    fn scalars_and_truncated_json_are_refused() {
        assert_eq!(JsonSource::from_bytes(b"[1, 2]").unwrap_err().rule, Rule::MalformedJson);
        let err = JsonSource::from_bytes(b"[{\"a\": 1},\n{\"a\"").unwrap_err();
        assert_eq!((err.rule, err.row), (Rule::MalformedJson, Some(2)));
    }
}
