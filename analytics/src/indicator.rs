//! One indicator's answer to the Commission's question: the series, where it is,
//! where it must be (the target in force and the trajectory to it), the pace
//! observed and needed, and two separate statuses: progress and data.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::catalog::{Catalog, Indicator, Target};
use crate::progress::{self, Assessment, Point};
use crate::regional::{self, RegionalPeriod};
use crate::series::{self, Frames, Groups, Observation, Snapshot};

/// Is the data there and fresh? Never merged with the progress status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataStatus {
    Current,
    Overdue,
    Missing,
}

impl DataStatus {
    /// The status as written in JSON, CSV and CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            DataStatus::Current => "current",
            DataStatus::Overdue => "overdue",
            DataStatus::Missing => "missing",
        }
    }
}

/// One series assessed: the headline (no `member`) or one member of a breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorResult {
    pub id: String,
    /// The breakdown dimension and member (`region`, `06`), or none for the headline.
    pub breakdown: Option<String>,
    pub member: Option<String>,
    pub series: Vec<Observation>,
    pub latest: Option<Observation>,
    /// Change from the previous observation.
    pub change_one_period: Option<f64>,
    /// Change from the observation one year before the latest.
    pub change_one_year: Option<f64>,
    /// The target in force for the last target year, and every version of it.
    pub target: Option<Target>,
    pub target_versions: Vec<String>,
    /// Linear and constant-growth paths from the baseline to the target, per year.
    pub trajectory: Vec<TrajectoryPoint>,
    /// The value in the target year at the growth observed over the comparable series.
    pub projection: Option<f64>,
    pub required_annual_change: Option<f64>,
    /// The calendar year the target would be reached at the observed pace.
    pub year_reached: Option<i32>,
    pub assessment: Assessment,
    pub data_status: DataStatus,
}

/// Everything computed for one indicator: the headline, each breakdown member, the
/// regional view, and the dataset versions every value came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorReport {
    pub id: String,
    pub headline: IndicatorResult,
    /// Breakdown dimension -> one result per member, in member order.
    pub breakdowns: BTreeMap<String, Vec<IndicatorResult>>,
    /// Per period: regions, gaps to national, lagging region, dispersion.
    pub regional: Vec<RegionalPeriod>,
    /// The dataset versions read (`procedures@v3`), sorted.
    pub dataset_versions: Vec<String>,
    /// For inventory indicators: the version each period was read from.
    pub period_versions: BTreeMap<String, String>,
    /// Every dataset version the computation read (the cache key of the result).
    pub read: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryPoint {
    pub year: i32,
    pub linear: f64,
    pub growth: Option<f64>,
}

/// What the engine reads: the current version of each dataset, and every version
/// of the inventory datasets (their history).
#[derive(Default, Clone)]
pub struct Inputs {
    pub frames: Frames,
    /// Dataset -> the stored file of its current version (read directly where a
    /// table is too large to scan with Polars: `service_transactions`).
    pub paths: BTreeMap<String, std::path::PathBuf>,
    /// Dataset -> current version id (`procedures@v3`).
    pub versions: BTreeMap<String, String>,
    /// Inventory dataset -> its snapshots, oldest first.
    pub snapshots: BTreeMap<String, Vec<Snapshot>>,
}

impl std::fmt::Debug for Inputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inputs")
            .field("versions", &self.versions)
            .field("snapshots", &self.snapshots)
            .finish_non_exhaustive()
    }
}

/// The end of 2015, the Open SDG base year, as a point in time.
const OPEN_SDG_BASE_YEAR_END: f64 = 2016.0;

/// Days a producer has, after the expected next period ends, before data is overdue.
const PUBLICATION_GRACE_DAYS: i64 = 90;

fn frequency_days(frequency: &str) -> i64 {
    match frequency {
        "monthly" => 31,
        "quarterly" => 92,
        "annual" => 366,
        "biennial" => 731,
        _ => 3653,
    }
}

/// Inventory datasets: observed as snapshots, one per stored version.
pub const INVENTORY_DATASETS: [&str; 2] = ["procedures", "platforms"];

/// Indicators read from inventory snapshots (every version), not the current one.
fn is_inventory(id: &str) -> bool {
    matches!(
        id,
        "procedures_fully_online_share"
            | "procedures_published_idarati"
            | "digital_platforms"
            | "platforms_amazigh_share"
    )
}

/// Indicators computed from a monthly dataset joined with the procedure inventory
/// in force each month: they read every snapshot of the inventory.
fn joins_inventory_as_of(id: &str) -> bool {
    id == "transactions_fully_online_share"
}

/// The column a breakdown dimension groups by.
fn breakdown_column(dimension: &str) -> &str {
    match dimension {
        "region" => "region_code",
        "ministry" => "ministry_code",
        "theme" => "theme_code",
        "procedure" => "procedure_id",
        other => other,
    }
}

/// EGDI components: the online services, telecommunication infrastructure, human
/// capital and e-participation indices.
const EGDI_COMPONENTS: [&str; 4] = ["osi", "tii", "hci", "epi"];

/// The series of an indicator, national (`by` = None, key [`series::NATIONAL`]) or
/// by one breakdown dimension.
pub fn indicator_series(
    indicator: &Indicator,
    inputs: &Inputs,
    dimension: Option<&str>,
) -> Result<Groups> {
    let frames = &inputs.frames;
    // World Bank and ITU are alternative sources: either is enough.
    let alternatives =
        matches!(indicator.id.as_str(), "internet_users" | "fixed_broadband_per_100");
    let missing_inputs = if alternatives {
        !indicator.datasets.iter().any(|d| frames.contains_key(d))
    } else {
        indicator.datasets.iter().any(|d| !frames.contains_key(d))
    };
    if indicator.datasets.is_empty() || missing_inputs {
        return Ok(Groups::new());
    }
    let by = dimension.map(breakdown_column);
    let one = |series: Vec<Observation>| Groups::from([(series::NATIONAL.to_string(), series)]);
    Ok(match (indicator.id.as_str(), dimension) {
        ("digital_take_up", _) => series::digital_take_up(frames, by)?,
        ("offshoring_jobs", _) => series::offshoring_jobs(frames, by)?,
        // The headline follows the current (new) measurement scope; the `scope`
        // breakdown shows both, side by side, never joined.
        ("offshoring_export_revenue", Some("scope")) => ["new", "old"]
            .into_iter()
            .map(|scope| {
                let series = series::national(series::offshoring_revenue(frames, scope, None)?);
                Ok((scope.to_string(), series))
            })
            .collect::<Result<Groups>>()?,
        ("offshoring_export_revenue", _) => series::offshoring_revenue(frames, "new", by)?,
        ("egdi_rank", None) => one(series::egdi(frames, "egdi_rank")?),
        ("egdi_score", None) => one(series::egdi(frames, "egdi")?),
        ("egdi_score", Some("component")) => EGDI_COMPONENTS
            .into_iter()
            .map(|c| Ok((c.to_string(), series::egdi(frames, c)?)))
            .collect::<Result<Groups>>()?
            .into_iter()
            .filter(|(_, s)| !s.is_empty())
            .collect(),
        ("labelled_startups", _) => series::labelled_startups(frames, by)?,
        ("startup_funding", _) => series::startup_funding(frames, by)?,
        ("digital_talents_trained", _) => {
            series::yearly_total(frames, "talent", "year", "trained", by)?
        }
        ("civil_servants_trained", _) => {
            series::yearly_total(frames, "civil_servant_training", "year", "trained", by)?
        }
        ("fibre_eligible_households", _) => series::fibre_eligible_households(frames, by)?,
        ("sme_basic_digital_intensity", _) => series::sme_basic_digital_intensity(frames, by)?,
        ("internet_users", None) => one(series::wdi_with_itu(frames, "IT.NET.USER.ZS", "i99H")?),
        ("fixed_broadband_per_100", None) => {
            one(series::wdi_with_itu(frames, "IT.NET.BBND.P2", "i992b")?)
        }
        ("transactions_fully_online_share", _) => {
            series::transactions_fully_online_share(frames, by)?
        }
        ("coverage_5g", _) => series::coverage_5g(frames, by)?,
        ("household_internet_access", _) => series::household_internet_access(frames, by)?,
        (id, _) if is_inventory(id) => match inputs.snapshots.get(&indicator.datasets[0]) {
            Some(snapshots) => series::inventory(snapshots, id, by)?,
            None => Groups::new(),
        },
        _ => Groups::new(),
    })
}

/// The headline series of an indicator from the stored datasets.
pub fn headline_series(indicator: &Indicator, inputs: &Inputs) -> Result<Vec<Observation>> {
    Ok(series::national(indicator_series(indicator, inputs, None)?))
}

/// Units whose national target also applies to each region, ministry or class (a
/// share or an index); a count's national target does not.
pub fn target_applies_to_members(unit: &str) -> bool {
    matches!(unit, "percent" | "index" | "per_100")
}

/// Computes one indicator as of `as_of`: headline, breakdowns, regional view.
pub fn compute(
    catalog: &Catalog,
    indicator: &Indicator,
    inputs: &Inputs,
    as_of: NaiveDate,
) -> Result<IndicatorReport> {
    let national = headline_series(indicator, inputs)?;
    let headline = assess_slice(catalog, indicator, None, national.clone(), as_of);
    let mut breakdowns = BTreeMap::new();
    let mut regional = Vec::new();
    for dimension in &indicator.breakdowns {
        let groups = indicator_series(indicator, inputs, Some(dimension))?;
        if dimension == "region" {
            regional = regional::regional_view(&groups, &national, indicator.direction);
        }
        let members: Vec<IndicatorResult> = groups
            .into_iter()
            .filter(|(member, _)| member != series::NATIONAL)
            .map(|(member, series)| {
                assess_slice(catalog, indicator, Some((dimension, &member)), series, as_of)
            })
            .collect();
        if !members.is_empty() {
            breakdowns.insert(dimension.clone(), members);
        }
    }
    let mut dataset_versions: Vec<String> = Vec::new();
    let mut period_versions = BTreeMap::new();
    for dataset in &indicator.datasets {
        match inputs.snapshots.get(dataset) {
            Some(snapshots) if joins_inventory_as_of(&indicator.id) => {
                // Each month with the inventory version in force then.
                let others: Vec<&String> = indicator
                    .datasets
                    .iter()
                    .filter(|d| *d != dataset)
                    .filter_map(|d| inputs.versions.get(d))
                    .collect();
                for observation in &headline.series {
                    if let Some(snapshot) =
                        series::snapshot_in_force(snapshots, &observation.period)
                    {
                        let mut versions = vec![snapshot.version_id.clone()];
                        versions.extend(others.iter().map(|v| v.to_string()));
                        versions.sort();
                        period_versions.insert(observation.period.clone(), versions.join(" "));
                        dataset_versions.push(snapshot.version_id.clone());
                    }
                }
            }
            Some(snapshots) if is_inventory(&indicator.id) => {
                // The version that observed each quarter (a later one replaces an
                // earlier), kept for the quarters known as of `as_of`.
                let per_period: BTreeMap<String, String> =
                    snapshots.iter().map(|s| (s.period.clone(), s.version_id.clone())).collect();
                let observed: BTreeMap<String, String> = per_period
                    .iter()
                    .filter(|(period, _)| headline.series.iter().any(|o| &o.period == *period))
                    .map(|(p, v)| (p.clone(), v.clone()))
                    .collect();
                let used = if observed.is_empty() { &per_period } else { &observed };
                dataset_versions.extend(used.values().cloned());
                period_versions.extend(observed);
            }
            _ => dataset_versions.extend(inputs.versions.get(dataset).cloned()),
        }
    }
    dataset_versions.sort();
    dataset_versions.dedup();
    let read = read_versions(indicator, inputs);
    Ok(IndicatorReport {
        id: indicator.id.clone(),
        headline,
        breakdowns,
        regional,
        dataset_versions,
        period_versions,
        read,
    })
}

/// Every dataset version computing `indicator` reads: the current version of each
/// input, and every snapshot of an inventory.
pub fn read_versions(indicator: &Indicator, inputs: &Inputs) -> Vec<String> {
    let mut read: Vec<String> = indicator
        .datasets
        .iter()
        .flat_map(|dataset| match inputs.snapshots.get(dataset) {
            Some(snapshots)
                if is_inventory(&indicator.id) || joins_inventory_as_of(&indicator.id) =>
            {
                snapshots.iter().map(|s| s.version_id.clone()).collect()
            }
            _ => inputs.versions.get(dataset).cloned().into_iter().collect::<Vec<_>>(),
        })
        .collect();
    read.sort();
    read
}

/// Everything derived from a headline series (split out so it can be checked on
/// hand-made series).
pub fn assess_series(
    catalog: &Catalog,
    indicator: &Indicator,
    series: Vec<Observation>,
    as_of: NaiveDate,
) -> IndicatorResult {
    assess_slice(catalog, indicator, None, series, as_of)
}

/// Assesses one series: the headline (`slice` None) or a breakdown member. A
/// member is held to a target set for its slice in the registry, else to the
/// national target when the unit is a share or an index.
pub fn assess_slice(
    catalog: &Catalog,
    indicator: &Indicator,
    slice: Option<(&str, &str)>,
    series: Vec<Observation>,
    as_of: NaiveDate,
) -> IndicatorResult {
    // Observations after `as_of` are not known yet.
    let as_of_year = f64::from(as_of.year()) + f64::from(as_of.ordinal0()) / 365.25;
    let series: Vec<Observation> = series
        .into_iter()
        .filter(|o| o.point().is_some_and(|p| p.year <= as_of_year + 1e-9))
        .collect();
    let latest = series.last().cloned();
    let change_one_period = match series.as_slice() {
        [.., previous, last] => Some(last.value - previous.value),
        _ => None,
    };
    let change_one_year = latest.as_ref().and_then(|last| {
        let at = last.point()?.year - 1.0;
        let before =
            series.iter().find(|o| o.point().is_some_and(|p| (p.year - at).abs() < 1e-6))?;
        Some(last.value - before.value)
    });
    let headline = BTreeMap::new();
    let own =
        slice.map(|(d, m)| BTreeMap::from([(d.to_string(), m.to_string())])).unwrap_or_default();
    let own_years: Vec<i32> = catalog
        .targets
        .iter()
        .filter(|t| t.indicator == indicator.id && !own.is_empty() && t.breakdown == own)
        .map(|t| t.year)
        .collect();
    let key = if !own_years.is_empty() {
        Some(&own)
    } else if slice.is_none() || target_applies_to_members(&indicator.unit) {
        Some(&headline)
    } else {
        None
    };
    let target_year = key.and_then(|key| {
        if key.is_empty() {
            catalog.target_years(&indicator.id).into_iter().max()
        } else {
            own_years
                .iter()
                .copied()
                .filter(|&y| catalog.target_in_force(&indicator.id, y, key).is_some())
                .max()
        }
    });
    let target = target_year
        .zip(key)
        .and_then(|(year, key)| catalog.target_in_force(&indicator.id, year, key))
        .cloned();
    let target_versions = target_year
        .zip(key)
        .map(|(year, key)| {
            catalog.target_versions(&indicator.id, year, key).iter().map(|t| t.id.clone()).collect()
        })
        .unwrap_or_default();
    // A target for year Y is read at the end of Y, like every period.
    let target_point =
        target.as_ref().map(|t| Point { year: f64::from(t.year) + 1.0, value: t.value });
    // Growth is measured over the comparable series: after the last series break.
    let last_break =
        indicator.series_breaks.iter().map(|b| f64::from(b.year)).fold(f64::MIN, f64::max);
    let comparable: Vec<Point> =
        series.iter().filter_map(Observation::point).filter(|p| p.year > last_break).collect();
    let base = match (&target, comparable.first()) {
        // Assess from the target's baseline year when the comparable series has it.
        (Some(Target { baseline: Some(b), .. }), _) => comparable
            .iter()
            .find(|p| (p.year - (f64::from(b.year) + 1.0)).abs() < 1e-9)
            .copied()
            .or(comparable.first().copied()),
        // Otherwise from 2015, the base year of the Open SDG method (the first point
        // at or after the end of 2015), or the first point of a younger series.
        (_, first) => {
            comparable.iter().find(|p| p.year >= OPEN_SDG_BASE_YEAR_END).or(first).copied()
        }
    };
    let latest_point = comparable.last().copied();
    let assessment = progress::assess(base, latest_point, target_point, indicator.direction);
    let (projection, required_annual_change, year_reached) =
        match (base, latest_point, target_point) {
            (Some(from), Some(to), Some(target)) if to.year > from.year => (
                progress::project(from, to, target.year),
                progress::required_annual_change(to, target),
                progress::year_reached(from, to, target.value, indicator.direction)
                    .map(|t| (t - 1.0).ceil() as i32),
            ),
            (_, Some(to), Some(target)) => {
                (None, progress::required_annual_change(to, target), None)
            }
            _ => (None, None, None),
        };
    let trajectory = match (&target, target_point) {
        (Some(Target { baseline: Some(b), year, .. }), Some(target_point)) => {
            let start = Point { year: f64::from(b.year) + 1.0, value: b.value };
            (b.year..=*year)
                .map(|y| {
                    let at = f64::from(y) + 1.0;
                    TrajectoryPoint {
                        year: y,
                        linear: progress::linear_path(start, target_point, at),
                        growth: progress::growth_path(start, target_point, at),
                    }
                })
                .collect()
        }
        _ => Vec::new(),
    };
    let data_status = match &latest {
        None => DataStatus::Missing,
        Some(observation) => {
            let days_since_end =
                observation.point().map(|p| (as_of_year - p.year) * 365.25).unwrap_or(f64::MAX);
            if days_since_end
                > (frequency_days(&indicator.frequency) + PUBLICATION_GRACE_DAYS) as f64
            {
                DataStatus::Overdue
            } else {
                DataStatus::Current
            }
        }
    };
    IndicatorResult {
        id: indicator.id.clone(),
        breakdown: slice.map(|(d, _)| d.to_string()),
        member: slice.map(|(_, m)| m.to_string()),
        series,
        latest,
        change_one_period,
        change_one_year,
        target,
        target_versions,
        trajectory,
        projection,
        required_annual_change,
        year_reached,
        assessment,
        data_status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::ProgressStatus;

    fn obs(period: &str, value: f64) -> Observation {
        Observation { period: period.to_string(), value }
    }

    #[test]
    fn offshoring_jobs_against_the_270000_target() {
        let catalog = Catalog::compiled_in().unwrap();
        let indicator = catalog.indicator("offshoring_jobs").unwrap();
        let series =
            vec![obs("2022-Q4", 130_000.0), obs("2023-Q4", 139_000.0), obs("2024-Q4", 148_500.0)];
        let result = assess_series(
            &catalog,
            indicator,
            series,
            NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(),
        );
        assert_eq!(result.target.as_ref().unwrap().value, 270_000.0);
        // Baseline 130,000 (2022) -> 148,500 (2024): +6.879 % a year; required from
        // the baseline to 270,000 in 2030: (270/130)^(1/8) - 1 = 9.566 % a year;
        // ratio 0.719: needs acceleration.
        assert_eq!(result.assessment.status, ProgressStatus::NeedsAcceleration);
        assert!((result.assessment.ratio.unwrap() - 0.0687880 / 0.0956644).abs() < 1e-4);
        // At that pace 2030 ends at 221,348; 270,000 comes 8.99 years after end 2024,
        // in December 2033.
        assert!((result.projection.unwrap() - 221_348.08).abs() < 0.01);
        assert_eq!(result.year_reached, Some(2033));
        // (270,000 - 148,500) / 6 years = 20,250 a year needed.
        assert_eq!(result.required_annual_change, Some(20_250.0));
        // Linear trajectory: 130,000 + 140,000 x 2/8 = 165,000 in 2024.
        assert_eq!(result.trajectory.iter().find(|t| t.year == 2024).unwrap().linear, 165_000.0);
        assert_eq!(result.data_status, DataStatus::Current);
        assert_eq!(result.change_one_period, Some(9_500.0));
    }

    #[test]
    fn data_status_is_separate_from_progress() {
        let catalog = Catalog::compiled_in().unwrap();
        let indicator = catalog.indicator("offshoring_jobs").unwrap();
        let series = vec![obs("2022-Q4", 130_000.0), obs("2024-Q4", 148_500.0)];
        // Quarterly data: due 92 + 90 days after the last quarter's end.
        let late = assess_series(
            &catalog,
            indicator,
            series.clone(),
            NaiveDate::from_ymd_opt(2025, 9, 1).unwrap(),
        );
        assert_eq!(late.data_status, DataStatus::Overdue);
        assert_eq!(late.assessment.status, ProgressStatus::NeedsAcceleration);
        let missing = assess_series(
            &catalog,
            catalog.indicator("direct_digital_jobs").unwrap(),
            vec![],
            NaiveDate::from_ymd_opt(2025, 9, 1).unwrap(),
        );
        assert_eq!(
            (missing.data_status, missing.assessment.status),
            (DataStatus::Missing, ProgressStatus::NotAssessable)
        );
        assert_eq!(missing.target.unwrap().value, 240_000.0);
        // Observations after as_of are not known yet.
        let early = assess_series(
            &catalog,
            indicator,
            series,
            NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(),
        );
        assert_eq!(early.latest.unwrap().period, "2022-Q4");
    }

    #[test]
    fn without_a_target_baseline_growth_is_measured_from_2015() {
        let catalog = Catalog::compiled_in().unwrap();
        let indicator = catalog.indicator("internet_users").unwrap();
        // 0 in 1990 has no growth rate; from 2015 (57.1) to 2022 (89.9):
        // (89.9/57.1)^(1/7) - 1 = 6.70 % a year, on track (>= 1.5 %).
        let series = vec![obs("1990", 0.0), obs("2015", 57.1), obs("2022", 89.9)];
        let result = assess_series(
            &catalog,
            indicator,
            series,
            NaiveDate::from_ymd_opt(2023, 6, 1).unwrap(),
        );
        assert_eq!(result.assessment.status, ProgressStatus::OnTrack);
        assert!((result.assessment.observed_growth.unwrap() - 0.0670).abs() < 1e-4);
    }

    #[test]
    fn a_series_is_never_projected_across_its_break() {
        let catalog = Catalog::compiled_in().unwrap();
        let indicator = catalog.indicator("offshoring_export_revenue").unwrap();
        // Break in 2023: only 2023 onward is comparable; one point is not enough.
        let series = vec![obs("2021", 14.3e9), obs("2022", 15.7e9), obs("2023", 26.15e9)];
        let result = assess_series(
            &catalog,
            indicator,
            series,
            NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(),
        );
        assert_eq!(result.assessment.status, ProgressStatus::NotAssessable);
        assert_eq!(result.projection, None);
        assert_eq!(result.year_reached, None);
    }
}
