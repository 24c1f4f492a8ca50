//! The results table: every indicator computed as of one date from named dataset
//! versions, as JSON (the whole report) and two Parquet tables (one row per series
//! assessed, one row per observation), each row tagged with the dataset versions
//! and the target version it came from.
//!
//! Bytes, not files: the caller stores them (the store keeps them versioned).
//! Deterministic: the same inputs, catalogue and `as_of` give the same bytes.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use md2030_model::csv::formula_safe;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::indicator::{self, IndicatorReport, IndicatorResult, Inputs};
use crate::peers;
use crate::progress::Reach;
use crate::series;
use crate::{Error, Result};

/// The engine's identity. The revision after the package version changes whenever the method or the
/// results' files change (2: the straight trajectory from the target's baseline,
/// `progress.rs`; 3: the summary table's baseline period; 6: the peer report and
/// the relative target judged against its projected threshold): results of another
/// revision are recomputed and rewritten, never reused.
pub const ENGINE: &str = concat!("md2030-analytics ", env!("CARGO_PKG_VERSION"), "+r6");

/// Every indicator, as of one date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub engine: String,
    pub as_of: NaiveDate,
    /// SHA-256 of the catalogue and target registry text the results rest on.
    pub catalog_sha256: String,
    /// Dataset -> the version read (`procedures@v3`), for every dataset read.
    pub dataset_versions: BTreeMap<String, String>,
    pub indicators: Vec<IndicatorReport>,
    /// Morocco among its peers, when a UN or World Bank table is stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peers: Option<crate::peers::PeerReport>,
}

/// A computation and what it cost: which indicators were recomputed and which were
/// taken unchanged from the previous results (same inputs, catalogue, date, engine).
#[derive(Debug, Clone)]
pub struct Computed {
    pub results: Results,
    pub recomputed: Vec<String>,
    pub reused: Vec<String>,
    /// Wall time of each indicator recomputed (the shared transaction aggregates
    /// count in the first indicator that needs them). Measured, not part of results.
    pub timings: Vec<(String, std::time::Duration)>,
    /// The transaction aggregates were those summed as the version was stored
    /// ([`crate::series::Summed`]), not read from it.
    pub summed: bool,
}

/// Computes every indicator of the catalogue as of `as_of`. An indicator whose
/// dataset versions are those of `previous` (and catalogue, date and engine are
/// unchanged) is taken from it instead of being recomputed.
pub fn compute_all(
    catalog: &Catalog,
    catalog_sha256: &str,
    inputs: &Inputs,
    as_of: NaiveDate,
    previous: Option<&Results>,
) -> Result<Computed> {
    let previous = previous
        .filter(|p| p.engine == ENGINE && p.as_of == as_of && p.catalog_sha256 == catalog_sha256);
    let mut reports = Vec::with_capacity(catalog.indicators.len());
    let (mut recomputed, mut reused) = (Vec::new(), Vec::new());
    // The transaction aggregates, computed once when a transaction indicator is due.
    let mut prepared: Option<Inputs> = None;
    let mut timings = Vec::new();
    let mut summed = false;
    for definition in &catalog.indicators {
        let read = indicator::read_versions(definition, inputs);
        let kept = previous
            .and_then(|p| p.indicators.iter().find(|r| r.id == definition.id && r.read == read));
        match kept {
            Some(report) => {
                reused.push(definition.id.clone());
                reports.push(report.clone());
            }
            None => {
                recomputed.push(definition.id.clone());
                let started = std::time::Instant::now();
                if definition.datasets.iter().any(|d| d == "service_transactions")
                    && prepared.is_none()
                {
                    let mut with_aggregates = inputs.clone();
                    // Without a stored version, each transaction indicator says so.
                    if let Some(path) = inputs.paths.get("service_transactions") {
                        let snapshots = inputs.snapshots.get("procedures").map_or(&[][..], |s| s);
                        let version = inputs.versions.get("service_transactions");
                        // Summed as the version was stored, and judged by the same
                        // inventory: taken as they are; else read from the file.
                        let given = inputs
                            .summed
                            .as_ref()
                            .filter(|s| version.is_some_and(|v| s.is_for(v, snapshots)));
                        match given {
                            Some(given) => {
                                let aggregates = given.aggregates.clone();
                                series::keep_aggregates(&mut with_aggregates.frames, aggregates);
                                summed = true;
                            }
                            None => {
                                let inventory = series::InventoryAsOf::new(snapshots)?;
                                series::prepare(&mut with_aggregates.frames, path, &inventory)?;
                            }
                        }
                    }
                    prepared = Some(with_aggregates);
                }
                let inputs = prepared.as_ref().unwrap_or(inputs);
                reports.push(indicator::compute(catalog, definition, inputs, as_of)?);
                timings.push((definition.id.clone(), started.elapsed()));
            }
        }
    }
    let peers = peer_report(catalog, inputs, &mut reports, previous)?;
    let mut dataset_versions = inputs.versions.clone();
    dataset_versions.retain(|dataset, _| {
        catalog.indicators.iter().any(|i| i.datasets.contains(dataset))
            || peers
                .as_ref()
                .is_some_and(|p| p.read.iter().any(|r| r.starts_with(&format!("{dataset}@"))))
    });
    Ok(Computed {
        results: Results {
            engine: ENGINE.to_string(),
            as_of,
            catalog_sha256: catalog_sha256.to_string(),
            dataset_versions,
            indicators: reports,
            peers,
        },
        recomputed,
        reused,
        timings,
        summed,
    })
}

/// The peer report (taken from `previous` when it read the same versions), and
/// the relative target's status set from its outlook.
fn peer_report(
    catalog: &Catalog,
    inputs: &Inputs,
    reports: &mut [IndicatorReport],
    previous: Option<&Results>,
) -> Result<Option<peers::PeerReport>> {
    let relative = reports.iter_mut().find(|r| r.id == peers::RELATIVE_INDICATOR);
    let target = relative.as_ref().and_then(|r| r.headline.target.clone());
    let read = peers::read_versions(&inputs.versions);
    let report = match previous.and_then(|p| p.peers.as_ref()).filter(|p| p.read == read) {
        Some(kept) => Some(kept.clone()),
        None => {
            let rank = target.as_ref().map(|t| t.value.round().max(1.0) as usize);
            peers::report(&inputs.frames, &inputs.versions, &catalog.peer_sets, rank)?
        }
    };
    if let (Some(relative), Some(target), Some(report)) = (relative, &target, &report)
        && let Some(judgment) = peers::judge_relative(&report.outlook, target.year)
    {
        relative.headline.assessment.status = judgment.status;
        relative.headline.relative = Some(judgment);
    }
    Ok(report)
}

impl Results {
    pub fn to_json(&self) -> Result<Vec<u8>> {
        let mut bytes = serde_json::to_vec(self).map_err(|err| Error::Polars(err.to_string()))?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    pub fn from_json(bytes: &[u8]) -> Result<Results> {
        serde_json::from_slice(bytes).map_err(|err| Error::Polars(format!("results JSON: {err}")))
    }

    /// One indicator's report, by id.
    pub fn indicator(&self, id: &str) -> Option<&IndicatorReport> {
        self.indicators.iter().find(|r| r.id == id)
    }

    /// Every series assessed, headline first then each breakdown member.
    pub fn rows(&self) -> impl Iterator<Item = (&IndicatorReport, &IndicatorResult)> {
        self.indicators.iter().flat_map(|report| {
            std::iter::once((report, &report.headline))
                .chain(report.breakdowns.values().flatten().map(move |r| (report, r)))
        })
    }

    /// One row per series assessed (headline and breakdown members).
    pub fn summary_table(&self) -> Result<DataFrame> {
        let rows: Vec<(&IndicatorReport, &IndicatorResult)> = self.rows().collect();
        let text = |f: &dyn Fn(&IndicatorReport, &IndicatorResult) -> Option<String>| {
            rows.iter().map(|(report, result)| f(report, result)).collect::<Vec<Option<String>>>()
        };
        let number = |f: &dyn Fn(&IndicatorResult) -> Option<f64>| {
            rows.iter().map(|(_, result)| f(result)).collect::<Vec<Option<f64>>>()
        };
        let columns = vec![
            Column::new("indicator".into(), text(&|_, r| Some(r.id.clone()))),
            Column::new("breakdown".into(), text(&|_, r| r.breakdown.clone())),
            Column::new("member".into(), text(&|_, r| r.member.clone())),
            Column::new(
                "latest_period".into(),
                text(&|_, r| r.latest.as_ref().map(|o| o.period.clone())),
            ),
            Column::new("latest_value".into(), number(&|r| r.latest.as_ref().map(|o| o.value))),
            Column::new("change_one_period".into(), number(&|r| r.change_one_period)),
            Column::new("change_one_year".into(), number(&|r| r.change_one_year)),
            Column::new("target_id".into(), text(&|_, r| r.target.as_ref().map(|t| t.id.clone()))),
            Column::new(
                "target_year".into(),
                rows.iter().map(|(_, r)| r.target.as_ref().map(|t| t.year)).collect::<Vec<_>>(),
            ),
            Column::new("target_value".into(), number(&|r| r.target.as_ref().map(|t| t.value))),
            Column::new(
                "baseline_period".into(),
                text(&|_, r| r.judgment().map(|j| crate::progress::period_of(j.baseline.year))),
            ),
            Column::new(
                "baseline_value".into(),
                number(&|r| r.judgment().map(|j| j.baseline.value)),
            ),
            Column::new(
                "baseline_restated".into(),
                rows.iter()
                    .map(|(_, r)| r.judgment().map(|j| j.baseline_restated))
                    .collect::<Vec<_>>(),
            ),
            Column::new("done_share".into(), number(&|r| r.judgment().map(|j| j.done))),
            Column::new("expected_share".into(), number(&|r| r.judgment().map(|j| j.expected))),
            Column::new("pace_observed".into(), number(&|r| r.judgment().map(|j| j.pace_observed))),
            Column::new("pace_path".into(), number(&|r| r.judgment().map(|j| j.pace_path))),
            Column::new(
                "pace_needed".into(),
                number(&|r| r.judgment().and_then(|j| j.pace_needed)),
            ),
            Column::new("projection".into(), number(&|r| r.judgment().map(|j| j.projection))),
            Column::new(
                "reached".into(),
                text(&|_, r| r.judgment().map(|j| reach_kind(j.reach).to_string())),
            ),
            Column::new(
                "year_reached".into(),
                rows.iter()
                    .map(|(_, r)| r.judgment().and_then(|j| reach_year(j.reach)))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "progress_status".into(),
                text(&|_, r| Some(r.assessment.status.as_str().to_string())),
            ),
            Column::new("progress_ratio".into(), number(&|r| r.judgment().and_then(|j| j.ratio))),
            Column::new(
                "trend_per_year".into(),
                number(&|r| r.assessment.trend.map(|t| t.per_year)),
            ),
            Column::new(
                "data_status".into(),
                text(&|_, r| Some(r.data_status.as_str().to_string())),
            ),
            Column::new(
                "dataset_versions".into(),
                text(&|report, _| Some(report.dataset_versions.join(" "))),
            ),
            Column::new(
                "as_of".into(),
                rows.iter().map(|_| self.as_of.to_string()).collect::<Vec<_>>(),
            ),
        ];
        DataFrame::new_infer_height(columns).map_err(Error::from)
    }

    /// One row per observation of every series, with the dataset versions it came
    /// from (for an inventory, the version that observed that quarter) and the
    /// target version it is assessed against.
    pub fn observations_batch(&self) -> Result<arrow_array::RecordBatch> {
        // Borrowed text: about 280,000 rows at scale, each cell a reference, not a copy.
        let mut indicator: Vec<&str> = Vec::new();
        let mut breakdown: Vec<Option<&str>> = Vec::new();
        let mut member: Vec<Option<&str>> = Vec::new();
        let mut period: Vec<&str> = Vec::new();
        let mut value = Vec::new();
        let mut versions: Vec<&str> = Vec::new();
        let mut target: Vec<Option<&str>> = Vec::new();
        let joined: Vec<String> =
            self.indicators.iter().map(|report| report.dataset_versions.join(" ")).collect();
        for (report, all_versions) in self.indicators.iter().zip(&joined) {
            let results =
                std::iter::once(&report.headline).chain(report.breakdowns.values().flatten());
            for result in results {
                for observation in &result.series {
                    indicator.push(&result.id);
                    breakdown.push(result.breakdown.as_deref());
                    member.push(result.member.as_deref());
                    period.push(&observation.period);
                    value.push(observation.value);
                    versions.push(
                        report
                            .period_versions
                            .get(&observation.period)
                            .map_or(all_versions.as_str(), String::as_str),
                    );
                    target.push(result.target.as_ref().map(|t| t.id.as_str()));
                }
            }
        }
        // Straight into Arrow (no Polars frame to convert): every column nullable,
        // as a stored table's.
        use arrow_array::{ArrayRef, Float64Array, StringArray};
        let text = |name: &str| arrow_schema::Field::new(name, arrow_schema::DataType::Utf8, true);
        let schema = arrow_schema::Schema::new(vec![
            text("indicator"),
            text("breakdown"),
            text("member"),
            text("period"),
            arrow_schema::Field::new("value", arrow_schema::DataType::Float64, true),
            text("dataset_versions"),
            text("target_id"),
        ]);
        let columns: Vec<ArrayRef> = vec![
            std::sync::Arc::new(StringArray::from(indicator)),
            std::sync::Arc::new(StringArray::from(breakdown)),
            std::sync::Arc::new(StringArray::from(member)),
            std::sync::Arc::new(StringArray::from(period)),
            std::sync::Arc::new(Float64Array::from(value)),
            std::sync::Arc::new(StringArray::from(versions)),
            std::sync::Arc::new(StringArray::from(target)),
        ];
        arrow_array::RecordBatch::try_new(std::sync::Arc::new(schema), columns)
            .map_err(|err| Error::Polars(format!("observations: {err}")))
    }
}

/// How a target is reached, as the summary table writes it.
fn reach_kind(reach: Reach) -> &'static str {
    match reach {
        Reach::Met(_) => "met",
        Reach::In(_) => "in",
        Reach::NotBefore(_) => "not_before",
        Reach::Never => "never",
    }
}

fn reach_year(reach: Reach) -> Option<i32> {
    match reach {
        Reach::Met(y) | Reach::In(y) | Reach::NotBefore(y) => Some(y),
        Reach::Never => None,
    }
}

/// A table as CSV bytes (comma, header, `.` decimal point, empty for no value,
/// text cells formula-safe).
pub fn csv_bytes(table: &DataFrame) -> Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let csv_err = |err: csv::Error| Error::Polars(format!("writing CSV: {err}"));
    writer.write_record(table.get_column_names().iter().map(|n| n.as_str())).map_err(csv_err)?;
    for row in 0..table.height() {
        let mut record = Vec::with_capacity(table.width());
        for column in table.columns() {
            record.push(match column.get(row).map_err(Error::from)? {
                AnyValue::Null => String::new(),
                AnyValue::String(s) => formula_safe(s).into_owned(),
                AnyValue::StringOwned(s) => formula_safe(&s).into_owned(),
                AnyValue::Float64(v) => v.to_string(),
                AnyValue::Int32(v) => v.to_string(),
                AnyValue::Int64(v) => v.to_string(),
                other => other.to_string(),
            });
        }
        writer.write_record(&record).map_err(csv_err)?;
    }
    writer.into_inner().map_err(|err| Error::Polars(format!("writing CSV: {err}")))
}
