//! The command line's side of the results: the catalogue and the computation from
//! `md2030_results`, with the command's actor (`cli:$USER`) and `anyhow` errors.

use std::path::Path;

use chrono::NaiveDate;
use md2030_analytics::catalog::Catalog;
use md2030_analytics::results::Computed;
use md2030_analytics::series::Summed;
use md2030_store::{Committed, Store};

pub(crate) use md2030_results::current_results_stale;

/// The catalogue in force and the SHA-256 of its text (`md2030_results::load_catalog`).
pub(crate) fn load_catalog(data_dir: &Path) -> anyhow::Result<(Catalog, String)> {
    Ok(md2030_results::load_catalog(data_dir)?)
}

/// Computes every indicator as of `as_of` (nothing stored).
pub(crate) fn compute(store: &Store, as_of: NaiveDate, force: bool) -> anyhow::Result<Computed> {
    Ok(md2030_results::compute::compute(store, as_of, force)?)
}

/// Computes and stores the results as a new results version, as the command's user.
pub(crate) fn compute_and_store(
    store: &mut Store,
    as_of: NaiveDate,
    computed_at: &str,
    force: bool,
) -> anyhow::Result<(Computed, Committed)> {
    compute_and_store_summed(store, as_of, computed_at, force, None)
}

/// [`compute_and_store`] with the transaction aggregates summed as the ingest
/// stored the current version (`md2030_results::TransactionSums`).
pub(crate) fn compute_and_store_summed(
    store: &mut Store,
    as_of: NaiveDate,
    computed_at: &str,
    force: bool,
    summed: Option<Summed>,
) -> anyhow::Result<(Computed, Committed)> {
    let actor = crate::users::cli_actor();
    Ok(md2030_results::compute_and_store_summed(store, as_of, computed_at, force, &actor, summed)?)
}

/// What the ingest shows the transaction sums: every batch of the file.
pub(crate) struct Summing(pub(crate) md2030_results::TransactionSums);

impl md2030_ingest::Observer for Summing {
    fn dictionaries(&self) -> Vec<String> {
        md2030_results::TransactionSums::dictionaries()
    }

    fn observe(&mut self, batch: &md2030_ingest::RecordBatch) {
        self.0.add(batch);
    }

    fn lost(&mut self) {
        self.0.spoil();
    }
}
