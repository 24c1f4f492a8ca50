//! Between the store and the indicator engine: which versions the engine reads,
//! and storing what it computes as a results version (the only writer of results
//! versions), auditing the target changes it finds.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use md2030_analytics::indicator::{INVENTORY_DATASETS, Inputs};
use md2030_analytics::results::{self, Computed, Results};
use md2030_analytics::series::{self, InventoryAsOf, Snapshot, Summed};
use md2030_analytics::transactions::{Aggregator, KEY_COLUMNS, Standing};
use md2030_analytics::{stored, vintage};
use md2030_store::{Committed, Store, VersionRecord};

use crate::{Error, Result};

/// File names inside a results version.
pub const RESULTS_JSON: &str = "results.json";
pub const SUMMARY_PARQUET: &str = "summary.parquet";
pub const OBSERVATIONS_PARQUET: &str = "observations.parquet";

/// The engine's inputs: the current version of every dataset, and every version of
/// the inventories up to the current one, each dated by the period it describes
/// (declared at ingest, else the quarter of its latest review date, else the
/// quarter it was stored in).
pub fn inputs(store: &Store) -> Result<Inputs> {
    inputs_with(store, None)
}

/// [`inputs`] as they would be with `pending` published: it takes the place of its
/// dataset's current version (the preview of a submission).
pub fn inputs_with(store: &Store, pending: Option<&VersionRecord>) -> Result<Inputs> {
    let mut current = store.current_versions()?;
    if let Some(pending) = pending {
        current.retain(|v| v.dataset != pending.dataset);
        current.push(pending.clone());
    }
    let paths: BTreeMap<String, std::path::PathBuf> =
        current.iter().map(|v| (v.dataset.clone(), store.path_of(v))).collect();
    let frames = series::scan_versions(&paths)?;
    let versions = current.iter().map(|v| (v.dataset.clone(), v.version_id.clone())).collect();
    let mut snapshots = BTreeMap::new();
    for record in current.iter().filter(|v| INVENTORY_DATASETS.contains(&v.dataset.as_str())) {
        snapshots.insert(record.dataset.clone(), snapshots_upto(store, record)?);
    }
    Ok(Inputs { frames, paths, versions, snapshots, summed: None })
}

/// The snapshots of an inventory dataset: each published version up to `record`
/// (its current version, or a pending one being previewed), oldest first.
fn snapshots_upto(store: &Store, record: &VersionRecord) -> Result<Vec<Snapshot>> {
    let mut list = Vec::new();
    for version in store.versions(&record.dataset)? {
        let readable = version.status == md2030_store::VersionStatus::Published
            || version.version_id == record.version_id;
        if version.version_no > record.version_no || !readable {
            continue;
        }
        let path = store.path_of(&version);
        let frame = series::scan_versions(&BTreeMap::from([(version.dataset.clone(), path)]))?
            .remove(&version.dataset)
            .ok_or_else(|| Error::Scan(version.version_id.clone()))?;
        let stored = series::quarter_of(&version.provenance.ingested_at).unwrap_or_default();
        let period = match &version.provenance.reference_period {
            Some(period) => period.clone(),
            None => {
                let date_column = (version.dataset == "procedures").then_some("reviewed_date");
                series::inventory_period(&frame, date_column, &stored)
            }
        };
        list.push(Snapshot { period, version_id: version.version_id.clone(), frame });
    }
    Ok(list)
}

/// Where a procedure stands in a month, judged by an inventory the summer owns.
type OwnedStanding = Box<dyn Fn(&str, &str) -> Standing + Send + Sync>;

/// Sums a `service_transactions` file while the ingest stores it, judged by the
/// procedure inventory as the computation that follows will read it, so that the
/// computation need not read the ten million rows back
/// ([`compute_and_store_summed`]).
pub struct TransactionSums {
    aggregator: Aggregator<OwnedStanding>,
    inventory: Vec<String>,
}

impl std::fmt::Debug for TransactionSums {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransactionSums").field("inventory", &self.inventory).finish()
    }
}

impl TransactionSums {
    /// For a file of `dataset`: None unless it is `service_transactions`.
    pub fn for_dataset(store: &Store, dataset: &str) -> Result<Option<TransactionSums>> {
        if dataset != "service_transactions" {
            return Ok(None);
        }
        let snapshots = match store.current("procedures")? {
            Some(record) => snapshots_upto(store, &record)?,
            None => Vec::new(),
        };
        let inventory = InventoryAsOf::new(&snapshots)?;
        let versions = snapshots.iter().map(|s| s.version_id.clone()).collect();
        let standing: OwnedStanding =
            Box::new(move |month, procedure| inventory.standing(month, procedure));
        Ok(Some(TransactionSums { aggregator: Aggregator::new(standing), inventory: versions }))
    }

    /// The columns it wants as dictionaries.
    pub fn dictionaries() -> Vec<String> {
        KEY_COLUMNS.iter().map(|c| c.to_string()).collect()
    }

    /// One batch of the file's validated rows.
    pub fn add(&mut self, batch: &arrow_array::RecordBatch) {
        self.aggregator.add(batch);
    }

    /// Batches were lost: the sums are not to be used.
    pub fn spoil(&mut self) {
        self.aggregator.spoil("batches were lost");
    }

    /// The sums of `version`, the version stored from the file: None when they do
    /// not cover it (rows kept from the parent version) or could not be made.
    pub fn finish(self, version: &VersionRecord) -> Option<Summed> {
        if version.dataset != "service_transactions"
            || version.provenance.rows_kept_from_parent != 0
        {
            return None;
        }
        Some(Summed {
            version_id: version.version_id.clone(),
            inventory: self.inventory,
            aggregates: self.aggregator.finish().ok()?,
        })
    }
}

/// The stored results of the version `version_id` (`results@v3`), if they can be
/// read: what an archived briefing was built from.
pub fn stored_results(store: &Store, version_id: &str) -> Option<Results> {
    let record = store.results_versions().ok()?.into_iter().find(|r| r.version_id == version_id)?;
    let bytes = store.read_results_file(&record, RESULTS_JSON).ok()?;
    Results::from_json(&bytes).ok()
}

/// The newest stored results computed as of `as_of`, if any can be read.
pub fn previous_results(store: &Store, as_of: NaiveDate) -> Option<Results> {
    let as_of = as_of.to_string();
    let record = store.results_versions().ok()?.into_iter().rev().find(|r| r.as_of == as_of)?;
    let bytes = store.read_results_file(&record, RESULTS_JSON).ok()?;
    Results::from_json(&bytes).ok()
}

/// True when the current results cannot be read by this engine, were computed by
/// another one (an earlier method), or against another catalogue (the targets file
/// was edited while nothing ran): the dashboard recomputes them on start.
pub fn current_results_stale(store: &Store) -> bool {
    let Ok(Some(record)) = store.current_results() else {
        return false;
    };
    let catalog_sha = crate::read_catalog(store.root()).map(|c| c.sha256).ok();
    match store.read_results_file(&record, RESULTS_JSON) {
        Ok(bytes) => Results::from_json(&bytes).map_or(true, |r| {
            r.engine != results::ENGINE || catalog_sha.is_some_and(|sha| sha != r.catalog_sha256)
        }),
        Err(_) => false,
    }
}

/// Computes every indicator as of `as_of`, reusing the newest results computed as
/// of the same date for the indicators whose dataset versions have not changed.
pub fn compute(store: &Store, as_of: NaiveDate, force: bool) -> Result<Computed> {
    let previous = if force { None } else { previous_results(store, as_of) };
    compute_from(store, as_of, previous.as_ref(), None)
}

fn compute_from(
    store: &Store,
    as_of: NaiveDate,
    previous: Option<&Results>,
    summed: Option<Summed>,
) -> Result<Computed> {
    let (catalog, catalog_sha) = crate::load_catalog(store.root())?;
    let mut inputs = inputs(store)?;
    inputs.summed = summed;
    Ok(results::compute_all(&catalog, &catalog_sha, &inputs, as_of, previous)?)
}

/// Computes and stores the results as a new results version (unless they are the
/// same bytes as the current one); `actor` is who asked (`cli:amina`,
/// `web:karim`), recorded with any target change found.
pub fn compute_and_store(
    store: &mut Store,
    as_of: NaiveDate,
    computed_at: &str,
    force: bool,
    actor: &str,
) -> Result<(Computed, Committed)> {
    compute_and_store_summed(store, as_of, computed_at, force, actor, None)
}

/// [`compute_and_store`] given the transaction aggregates summed as the current
/// `service_transactions` version was stored ([`TransactionSums`]); they are used
/// only while they are still those of the versions the computation reads.
pub fn compute_and_store_summed(
    store: &mut Store,
    as_of: NaiveDate,
    computed_at: &str,
    force: bool,
    actor: &str,
    summed: Option<Summed>,
) -> Result<(Computed, Committed)> {
    // The current results, read once: the cache of this computation when they were
    // computed as of the same date (the usual case), and a digest of their headlines
    // to audit a change of targets. The full results are freed as soon as the
    // computation has taken what it reuses.
    let current = store.current_results()?.and_then(|record| {
        let bytes = store.read_results_file(&record, RESULTS_JSON).ok()?;
        Some((record.as_of.clone(), Results::from_json(&bytes).ok()?))
    });
    let before = current.as_ref().map(|(_, results)| {
        (results.catalog_sha256.clone(), vintage::Digest::from_results(results))
    });
    let cache = current
        .filter(|(current_as_of, _)| !force && *current_as_of == as_of.to_string())
        .map(|(_, results)| results);
    let previous = match cache {
        Some(results) => Some(results),
        None if force => None,
        None => previous_results(store, as_of),
    };
    let computed = compute_from(store, as_of, previous.as_ref(), summed)?;
    drop(previous);
    // Largest transient first: the observations table (a row per observation).
    let observations = stored::batch_parquet_bytes(&computed.results.observations_batch()?)?;
    let summary = stored::parquet_bytes(&computed.results.summary_table()?)?;
    let json = computed.results.to_json()?;
    let committed = store.commit_results(
        &[
            (RESULTS_JSON, &json),
            (SUMMARY_PARQUET, &summary),
            (OBSERVATIONS_PARQUET, &observations),
        ],
        &as_of.to_string(),
        computed_at,
    )?;
    if let Some((_, before)) =
        before.filter(|(catalog_sha256, _)| *catalog_sha256 != computed.results.catalog_sha256)
    {
        audit_target_changes(store, &before, &computed.results, computed_at, actor)?;
    }
    Ok((computed, committed))
}

/// Targets are changed by editing `catalog/targets.toml`; the first computation
/// that reads the new text records each target that changed in the audit log.
fn audit_target_changes(
    store: &mut Store,
    before: &vintage::Digest,
    now: &Results,
    at: &str,
    actor: &str,
) -> Result<()> {
    use vintage::{Change, diff};
    let changes = diff(before, &vintage::Digest::from_results(now));
    for change in changes {
        if let Change::TargetChanged { indicator, before: old, now: new } = change {
            let subject = new.as_ref().or(old.as_ref()).map(|t| format!("{}@v{}", t.id, t.version));
            store.audit(&md2030_store::AuditEntry {
                at,
                actor,
                action: "target-change",
                subject: &subject.unwrap_or_else(|| indicator.clone()),
                outcome: "ok",
                address: "",
                detail: serde_json::json!({
                    "indicator": indicator,
                    "before": old,
                    "now": new,
                    "catalog_sha256": now.catalog_sha256,
                }),
            })?;
        }
    }
    Ok(())
}
