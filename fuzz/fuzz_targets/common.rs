//! Shared by the fuzz targets: one empty store, and a file written per input and
//! validated against a contract exactly as `md2030 validate` does. Any outcome is
//! fine (accepted or a report); a panic, an abort or a hang is a finding.

use std::path::PathBuf;
use std::sync::OnceLock;

struct Place {
    _dir: tempfile::TempDir,
    store: md2030_store::Store,
    file: PathBuf,
}

// One fuzzing process is single-threaded: the store is only touched from it.
static PLACES: OnceLock<std::sync::Mutex<Vec<(String, Place)>>> = OnceLock::new();

pub fn validate(dataset: &str, extension: &str, data: &[u8]) {
    let places = PLACES.get_or_init(Default::default);
    let mut places = places.lock().unwrap_or_else(|p| p.into_inner());
    if !places.iter().any(|(d, _)| d == dataset) {
        let dir = tempfile::tempdir_in("/dev/shm").or_else(|_| tempfile::tempdir()).expect("a temporary directory");
        let store = md2030_store::Store::open(dir.path()).expect("an empty store");
        let file = dir.path().join(format!("input.{extension}"));
        places.push((dataset.to_string(), Place { _dir: dir, store, file }));
    }
    let place = &places.iter().find(|(d, _)| d == dataset).expect("just added").1;
    std::fs::write(&place.file, data).expect("writing the input");
    let contract = md2030_model::find_contract(dataset).expect("a contract");
    let config = md2030_ingest::IngestConfig {
        ingested_by: "fuzz".into(),
        ingested_at: "2026-12-01T00:00:00Z".into(),
        synthetic: false,
        sheet: None,
        display_name: None,
        reference_period: None,
    };
    let _ = md2030_ingest::validate_file(&place.store, contract, &place.file, &config, &mut |_| {});
}
