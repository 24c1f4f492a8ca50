//! CSV (and whatever a `.csv` turns out to hold: encodings, delimiters, decimal
//! commas, title rows) against the procedures contract: dates, booleans, enums,
//! patterns, a foreign key to the ministries.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::validate("procedures", "csv", data);
});
