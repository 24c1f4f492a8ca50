//! Helpers for md2030's cross-crate tests: where the shared real data lives and how
//! to ingest a file through the library into a temporary store.

use std::path::Path;

use md2030_ingest::{IngestConfig, Outcome};
use md2030_store::Store;

mod real;
pub use real::real_data;

pub fn config() -> IngestConfig {
    IngestConfig {
        ingested_by: "test".into(),
        ingested_at: "2026-11-23T00:00:00Z".into(),
        synthetic: false,
        sheet: None,
        display_name: None,
        reference_period: None,
    }
}

/// Ingests `path` as `dataset`; panics with the report if it is not accepted.
pub fn ingest(store: &mut Store, dataset: &str, path: &Path) -> md2030_store::VersionRecord {
    let contract = md2030_model::find_contract(dataset).expect("known dataset");
    match md2030_ingest::ingest_file(store, contract, path, &config(), &mut |_| {})
        .expect("no fatal error")
    {
        Outcome::Accepted { version, .. } => *version,
        other => panic!(
            "{} was not accepted:\n{}",
            path.display(),
            other.report().render(md2030_model::Lang::En)
        ),
    }
}
