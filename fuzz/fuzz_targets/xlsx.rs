//! Workbooks (zip containers, sheets, shared strings, dates) against the
//! offshoring contract, through the zip-bomb guard and calamine.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::validate("offshoring", "xlsx", data);
});
