//! JSON records (arrays of objects, nesting, numbers as text) against the
//! startup funding contract.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::validate("startup_funding", "json", data);
});
