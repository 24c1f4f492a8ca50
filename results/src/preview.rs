//! What publishing a pending version would change: its rows against the current
//! version of its dataset ([`md2030_analytics::diff`]), and the indicators that
//! read it, computed with it in place of the current version, beside the
//! published figures. Shown to the steward after an upload and to the reviewer
//! before the sign-off; nothing is stored.

use md2030_analytics::diff::{self, RowDiff};
use md2030_analytics::indicator::IndicatorResult;
use md2030_analytics::results::{self, Results};
use md2030_store::{Store, VersionRecord};

use crate::compute::{RESULTS_JSON, inputs_with};
use crate::{Error, Result};

/// One indicator's headline before and after.
#[derive(Debug, Clone)]
pub struct Effect {
    pub id: String,
    /// The published headline (none when the indicator had no result).
    pub before: Option<IndicatorResult>,
    pub after: IndicatorResult,
}

impl Effect {
    /// The latest value or its period, or the progress status, differs.
    pub fn changes(&self) -> bool {
        let Some(before) = &self.before else { return true };
        let latest = |r: &IndicatorResult| r.latest.as_ref().map(|o| (o.period.clone(), o.value));
        latest(before) != latest(&self.after)
            || before.assessment.status != self.after.assessment.status
    }
}

#[derive(Debug, Clone)]
pub struct Preview {
    /// The date the figures are computed as of (the published results').
    pub as_of: chrono::NaiveDate,
    /// The version it was compared with (the current one), if any.
    pub against: Option<String>,
    pub rows: RowDiff,
    /// The indicators that read the dataset, in catalogue order.
    pub effects: Vec<Effect>,
}

/// The preview of `pending`, computed as of the current results' date.
pub fn preview(store: &Store, pending: &VersionRecord) -> Result<Preview> {
    let contract = md2030_model::find_contract(&pending.dataset)
        .ok_or_else(|| Error::Results(format!("no contract for {}", pending.dataset)))?;
    let current = store.current_versions()?.into_iter().find(|v| v.dataset == pending.dataset);
    let brought: Vec<String> = pending
        .provenance
        .validation
        .get("partitions")
        .and_then(|p| p.as_array())
        .map(|p| p.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let rows = match &current {
        Some(current) => {
            // Built on the current version: the partitions the file did not
            // bring were copied from it unchanged.
            let only = (pending.provenance.parent_version_no == Some(current.version_no)
                && !brought.is_empty())
            .then_some(brought.as_slice());
            diff::versions(contract, &store.path_of(current), &store.path_of(pending), only)?
        }
        None => RowDiff { added: pending.row_count, periods: brought, ..RowDiff::default() },
    };

    let record = store.current_results()?.ok_or(Error::NoResults)?;
    let bytes = store.read_results_file(&record, RESULTS_JSON)?;
    let published = Results::from_json(&bytes).map_err(|e| Error::Results(e.to_string()))?;
    let (catalog, catalog_sha) = crate::load_catalog(store.root())?;
    let inputs = inputs_with(store, Some(pending))?;
    let computed =
        results::compute_all(&catalog, &catalog_sha, &inputs, published.as_of, Some(&published))?;
    let effects = computed
        .results
        .indicators
        .into_iter()
        .filter(|report| report.read.contains(&pending.version_id))
        .map(|report| Effect {
            before: published.indicator(&report.id).map(|r| r.headline.clone()),
            id: report.id,
            after: report.headline,
        })
        .collect();
    Ok(Preview { as_of: published.as_of, against: current.map(|v| v.version_id), rows, effects })
}
