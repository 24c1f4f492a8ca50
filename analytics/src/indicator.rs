//! One indicator's answer to the Commission's question: the series, where it is,
//! where it must be (the target in force and the trajectory to it), the pace
//! observed and needed, and two separate statuses: progress and data.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::catalog::{Catalog, Indicator, Target};
use crate::progress::{self, Judgment, Point, ProgressStatus, Trend};
use crate::regional::{self, RegionalPeriod};
use crate::series::{self, Frames, Groups, Observation, Snapshot};

pub use crate::freshness::{DataStatus, Freshness};

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
    /// The straight path from the judgment's baseline to the target: the baseline,
    /// then the end of each year.
    pub trajectory: Vec<TrajectoryPoint>,
    /// The earlier targets in force (the 2026 milestones), each judged like the last.
    pub milestones: Vec<Milestone>,
    pub assessment: Assessment,
    pub data_status: DataStatus,
    /// What the data status rests on: the period expected next and its due date.
    pub freshness: Option<Freshness>,
    /// A relative target (a world rank) judged against the projected threshold:
    /// the status then rests on it, not on the straight path of the rank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative: Option<crate::peers::RelativeJudgment>,
}

impl IndicatorResult {
    /// The judgment against the last target in force, if there is one to judge.
    pub fn judgment(&self) -> Option<&Judgment> {
        self.assessment.judgment.as_ref()
    }
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

/// A point of the trajectory: `at` a point in time (2025.0 = the end of 2024).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryPoint {
    pub at: f64,
    pub value: f64,
}

impl TrajectoryPoint {
    /// The period the point ends: `2024` for the end of a year, `2024-Q3` for the
    /// end of a quarter.
    pub fn period(&self) -> String {
        progress::period_of(self.at)
    }
}

/// What a status rests on: against the last target in force, the judgment (see
/// [`progress`] for the method); without a target, the trend.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub status: ProgressStatus,
    pub judgment: Option<Judgment>,
    pub trend: Option<Trend>,
}

/// A milestone (a target in force before the last one) and its judgment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Milestone {
    pub target: Target,
    pub judgment: Option<Judgment>,
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
    /// The transaction aggregates, when they were summed as the version was stored.
    pub summed: Option<crate::series::Summed>,
}

impl std::fmt::Debug for Inputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inputs")
            .field("versions", &self.versions)
            .field("snapshots", &self.snapshots)
            .finish_non_exhaustive()
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
            | "procedures_inventoried"
            | "procedures_withdrawn"
            | "procedures_published_share"
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
        ("civil_servants_trained", _) => series::civil_servants(frames, by)?,
        ("civil_servants_programme", _) => series::civil_servants_programme(frames, by)?,
        ("administrations_on_add_systems", _) => {
            series::administrations_on_add_systems(frames, by)?
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

/// Units whose national target is drawn beside each region, ministry or class as a
/// reference (a share or an index; a count's national target is not). A member is
/// never judged against it: only against a target set for its own slice.
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
    // The national quantity's ceiling, when the catalogue names one.
    let ceiling = match &indicator.ceiling {
        Some(name) => series::ceiling(&inputs.frames, name)?,
        None => None,
    };
    let headline = assess_within(catalog, indicator, None, national.clone(), as_of, ceiling);
    let mut breakdowns = BTreeMap::new();
    let mut regional = Vec::new();
    for dimension in &indicator.breakdowns {
        let groups = indicator_series(indicator, inputs, Some(dimension))?;
        if dimension == "region" {
            let denominators = indicator.regional_rate.and_then(regional::Denominators::of);
            regional = regional::regional_view(
                &groups,
                &national,
                indicator.direction,
                denominators.as_ref(),
            );
        }
        let members = assess_members(catalog, indicator, dimension, groups, as_of);
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
    // A projection bounded by the census names the census version it read.
    if ceiling.is_some()
        && let Some(dataset) = indicator.ceiling.as_deref().and_then(series::ceiling_dataset)
    {
        dataset_versions.extend(inputs.versions.get(dataset).cloned());
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
    // The census a ceiling reads, when stored, is an input too.
    if let Some(dataset) = indicator.ceiling.as_deref().and_then(series::ceiling_dataset) {
        read.extend(inputs.versions.get(dataset).cloned());
    }
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

/// Assesses every member of a breakdown but the national series, in member order;
/// a breakdown by procedure has thousands of members, shared among the cores.
fn assess_members(
    catalog: &Catalog,
    indicator: &Indicator,
    dimension: &str,
    groups: series::Groups,
    as_of: NaiveDate,
) -> Vec<IndicatorResult> {
    let members: Vec<(String, Vec<Observation>)> =
        groups.into_iter().filter(|(member, _)| member != series::NATIONAL).collect();
    let assess = |members: Vec<(String, Vec<Observation>)>| -> Vec<IndicatorResult> {
        members
            .into_iter()
            .map(|(member, series)| {
                assess_slice(catalog, indicator, Some((dimension, &member)), series, as_of)
            })
            .collect()
    };
    /// Fewer members are assessed on the calling thread.
    const PARALLEL_FROM: usize = 512;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if members.len() < PARALLEL_FROM || threads < 2 {
        return assess(members);
    }
    let per_thread = members.len().div_ceil(threads);
    let mut parts: Vec<Vec<(String, Vec<Observation>)>> = Vec::new();
    let mut members = members.into_iter();
    loop {
        let part: Vec<_> = members.by_ref().take(per_thread).collect();
        if part.is_empty() {
            break;
        }
        parts.push(part);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            parts.into_iter().map(|part| scope.spawn(move || assess(part))).collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// Assesses one series: the headline (`slice` None) or a breakdown member. A
/// member is held to a target set for its slice in the registry, or to none (it
/// then gets a trend).
pub fn assess_slice(
    catalog: &Catalog,
    indicator: &Indicator,
    slice: Option<(&str, &str)>,
    series: Vec<Observation>,
    as_of: NaiveDate,
) -> IndicatorResult {
    assess_within(catalog, indicator, slice, series, as_of, None)
}

/// [`assess_slice`] with a ceiling on the quantity (projections never pass it).
fn assess_within(
    catalog: &Catalog,
    indicator: &Indicator,
    slice: Option<(&str, &str)>,
    series: Vec<Observation>,
    as_of: NaiveDate,
    ceiling: Option<f64>,
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
    // A member is judged against a target set for its own slice, or not at all.
    let own =
        slice.map(|(d, m)| BTreeMap::from([(d.to_string(), m.to_string())])).unwrap_or_default();
    let years: Vec<i32> = if slice.is_none() {
        catalog.target_years(&indicator.id)
    } else {
        let mut years: Vec<i32> = catalog
            .targets
            .iter()
            .filter(|t| t.indicator == indicator.id && t.breakdown == own)
            .map(|t| t.year)
            .filter(|&y| catalog.target_in_force(&indicator.id, y, &own).is_some())
            .collect();
        years.sort_unstable();
        years.dedup();
        years
    };
    let in_force: Vec<Target> = years
        .iter()
        .filter_map(|&y| catalog.target_in_force(&indicator.id, y, &own).cloned())
        .collect();
    let target = in_force.last().cloned();
    let target_versions = target
        .as_ref()
        .map(|t| {
            catalog
                .target_versions(&indicator.id, t.year, &own)
                .iter()
                .map(|t| t.id.clone())
                .collect()
        })
        .unwrap_or_default();
    // Progress is measured over the comparable series: after the last series break.
    let last_break = indicator.series_breaks.iter().map(|b| b.year).max();
    let comparable: Vec<Point> = series
        .iter()
        .filter_map(Observation::point)
        .filter(|p| last_break.is_none_or(|b| p.year > f64::from(b) + 1e-9))
        .collect();
    let judge = |t: &Target| judge_target(t, &comparable, last_break, indicator, ceiling);
    let judgment = target.as_ref().and_then(judge);
    let milestones: Vec<Milestone> = in_force
        .iter()
        .take(in_force.len().saturating_sub(1))
        .map(|t| Milestone { target: t.clone(), judgment: judge(t) })
        .collect();
    let trend = if target.is_none() { progress::trend(&comparable) } else { None };
    let status = match (&judgment, &trend) {
        (Some(j), _) => j.status,
        (None, Some(t)) => t.status,
        _ => ProgressStatus::NotAssessable,
    };
    let trajectory = judgment
        .map(|j| {
            let mut points = vec![TrajectoryPoint { at: j.baseline.year, value: j.baseline.value }];
            let mut at = j.baseline.year.floor() + 1.0;
            while at <= j.target.year + 1e-9 {
                points.push(TrajectoryPoint {
                    at,
                    value: progress::linear_path(j.baseline, j.target, at),
                });
                at += 1.0;
            }
            points
        })
        .unwrap_or_default();
    let assessment = Assessment { status, judgment, trend };
    let (data_status, freshness) = crate::freshness::assess(
        latest.as_ref().map(|o| o.period.as_str()),
        &indicator.frequency,
        indicator.publication_lag_days.unwrap_or(crate::freshness::PUBLICATION_LAG_DAYS),
        as_of,
    );
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
        milestones,
        assessment,
        data_status,
        freshness,
        relative: None,
    }
}

/// Judges the comparable series against one target from the target's own baseline.
/// A baseline dated at or before the series' last break is on a scope the series no
/// longer has, and a target may carry none: either way the first comparable
/// observation stands in for it (and the judgment says so).
fn judge_target(
    target: &Target,
    comparable: &[Point],
    last_break: Option<i32>,
    indicator: &Indicator,
    ceiling: Option<f64>,
) -> Option<Judgment> {
    let first = comparable.first().copied();
    let (baseline, restated) = match target.baseline {
        Some(b) if last_break.is_none_or(|brk| b.year > brk) => {
            (Point { year: f64::from(b.year) + 1.0, value: b.value }, false)
        }
        _ => (first?, true),
    };
    let end = Point { year: f64::from(target.year) + 1.0, value: target.value };
    let (low, high) = progress::bounds(&indicator.unit);
    let high = ceiling.map_or(high, |c| high.min(c));
    progress::judge_within(baseline, restated, end, comparable, indicator.direction, (low, high))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Reach;

    fn obs(period: &str, value: f64) -> Observation {
        Observation { period: period.to_string(), value }
    }

    #[test]
    fn offshoring_jobs_against_the_270000_target_and_the_2026_milestone() {
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
        // Baseline 130,000 (2022) -> 148,500 (2024): 18,500 of 140,000 = 13.2 % of the
        // way, against 2/8 = 25 % expected: ratio 0.5286, limited progress. Pace
        // 9,250 a year against 17,500 on the trajectory and (270,000 - 148,500) / 6
        // = 20,250 needed. 2030 at that pace: 148,500 + 6 x 9,250 = 204,000; 270,000
        // comes 121,500 / 9,250 = 13.1 years after end 2024: during 2038.
        let j = result.assessment.judgment.unwrap();
        assert_eq!(result.assessment.status, ProgressStatus::LimitedProgress);
        assert!((j.ratio.unwrap() - (18_500.0 / 140_000.0) / 0.25).abs() < 1e-9);
        assert_eq!(
            (j.pace_observed, j.pace_path, j.pace_needed),
            (9_250.0, 17_500.0, Some(20_250.0))
        );
        assert_eq!(j.projection, 204_000.0);
        assert_eq!(j.reach, Reach::In(2038));
        // Trajectory: 130,000 + 140,000 x 2/8 = 165,000 at the end of 2024.
        let at_2024 = result.trajectory.iter().find(|t| t.at == 2025.0).unwrap();
        assert_eq!(at_2024.value, 165_000.0);
        assert_eq!(result.trajectory.first().unwrap().at, 2023.0);
        assert_eq!(result.trajectory.last().unwrap().at, 2031.0);
        // The 2026 milestone (190,000) from the same baseline: 18,500 of 60,000 done
        // (30.8 %) against 2/4 expected: ratio 0.617, needs acceleration; at 9,250 a
        // year the end of 2026 reads 167,000, short by 23,000.
        assert_eq!(result.milestones.len(), 1);
        let m = result.milestones[0].judgment.unwrap();
        assert_eq!(result.milestones[0].target.value, 190_000.0);
        assert_eq!(m.status, ProgressStatus::NeedsAcceleration);
        assert_eq!(m.projection, 167_000.0);
        assert_eq!(m.projected_short_by(indicator.direction), 23_000.0);
        assert_eq!(result.data_status, DataStatus::Current);
        assert_eq!(result.change_one_period, Some(9_500.0));
    }

    #[test]
    fn data_status_is_separate_from_progress() {
        let catalog = Catalog::compiled_in().unwrap();
        let indicator = catalog.indicator("offshoring_jobs").unwrap();
        let series = vec![obs("2022-Q4", 130_000.0), obs("2024-Q4", 148_500.0)];
        // Quarterly data: 2025-Q1 is due 90 days after 31 March 2025, on 29 June.
        let late = assess_series(
            &catalog,
            indicator,
            series.clone(),
            NaiveDate::from_ymd_opt(2025, 9, 1).unwrap(),
        );
        assert_eq!(late.data_status, DataStatus::Overdue);
        assert_eq!(late.assessment.status, ProgressStatus::LimitedProgress);
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
    fn without_a_target_a_trend_never_a_status() {
        let catalog = Catalog::compiled_in().unwrap();
        let indicator = catalog.indicator("internet_users").unwrap();
        // The last three years: 84.1 (2019) to 89.9 (2022) is +1.93 a year, more
        // than 1 % of 89.9: rising.
        let series =
            vec![obs("2015", 57.1), obs("2019", 84.1), obs("2021", 88.1), obs("2022", 89.9)];
        let result = assess_series(
            &catalog,
            indicator,
            series,
            NaiveDate::from_ymd_opt(2023, 6, 1).unwrap(),
        );
        assert_eq!(result.assessment.status, ProgressStatus::Rising);
        assert_eq!(result.assessment.judgment, None);
        let trend = result.assessment.trend.unwrap();
        assert!((trend.per_year - (89.9 - 84.1) / 3.0).abs() < 1e-9);
    }

    #[test]
    fn a_member_is_judged_against_its_own_target_or_not_at_all() {
        let catalog = Catalog::compiled_in().unwrap();
        let indicator = catalog.indicator("digital_talents_trained").unwrap();
        let series = vec![obs("2022", 6_000.0), obs("2025", 12_000.0)];
        let as_of = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        // Reconversion: 50,000 by 2030 with no baseline in the registry: from the
        // first observation, 6,000 (2022); 6,000 of 44,000 done (13.6 %) against 3/8
        // (37.5 %): ratio 0.364, limited progress; its 2026 milestone (26,000) too.
        let member = assess_slice(
            &catalog,
            indicator,
            Some(("programme_type", "reconversion")),
            series.clone(),
            as_of,
        );
        let j = member.assessment.judgment.unwrap();
        assert!(j.baseline_restated);
        assert_eq!(j.baseline, Point { year: 2023.0, value: 6_000.0 });
        assert_eq!(member.assessment.status, ProgressStatus::LimitedProgress);
        assert_eq!(member.milestones[0].target.value, 26_000.0);
        // A member with no target of its own: a trend (+2,000 a year: rising).
        let other =
            assess_slice(&catalog, indicator, Some(("programme_type", "bootcamp")), series, as_of);
        assert_eq!(
            (other.target.is_none(), other.assessment.status),
            (true, ProgressStatus::Rising)
        );
    }

    #[test]
    fn a_ceiling_applies_when_the_census_is_stored_and_is_not_required() {
        use polars::prelude::*;
        let catalog = Catalog::compiled_in().unwrap();
        let fibre = catalog.indicator("fibre_eligible_households").unwrap();
        // 1.5 M households at the end of 2022 and 3.0 M a year later: 1.5 M a year
        // would give 13.5 M at the end of 2030.
        let connectivity = df! {
            "period" => ["2022-Q4", "2023-Q4"],
            "region_code" => ["01", "01"],
            "fibre_eligible_households" => [1_500_000i64, 3_000_000],
        }
        .unwrap()
        .lazy();
        let mut inputs = Inputs::default();
        inputs.frames.insert("connectivity".into(), connectivity);
        inputs.versions.insert("connectivity".into(), "connectivity@v1".into());
        let as_of = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        // No census stored: computed all the same, bounded by the unit only.
        let report = compute(&catalog, fibre, &inputs, as_of).unwrap();
        assert_eq!(report.headline.judgment().unwrap().projection, 13_500_000.0);
        assert_eq!(report.read, vec!["connectivity@v1".to_string()]);
        // With a census of 9,275,038 households: the projection stops there, and the
        // census version is named among the figure's sources.
        let census = df! {
            "region_code" => ["01", "02"],
            "census_year" => [2024i64, 2024],
            "households" => [5_000_000i64, 4_275_038],
        }
        .unwrap()
        .lazy();
        inputs.frames.insert("hcp_regions".into(), census);
        inputs.versions.insert("hcp_regions".into(), "hcp_regions@v1".into());
        let report = compute(&catalog, fibre, &inputs, as_of).unwrap();
        assert_eq!(report.headline.judgment().unwrap().projection, 9_275_038.0);
        assert!(report.dataset_versions.contains(&"hcp_regions@v1".to_string()));
        assert!(report.read.contains(&"hcp_regions@v1".to_string()));
    }

    #[test]
    fn a_baseline_before_a_series_break_is_restated() {
        let catalog = Catalog::compiled_in().unwrap();
        let indicator = catalog.indicator("offshoring_export_revenue").unwrap();
        // Break in 2023: the registry's baseline (17.9 bn, 2023, old scope) gives way
        // to the first comparable observation, 26.15 bn (2023, new scope). 26.2 bn in
        // 2024: 0.05 of 13.85 bn done (0.36 %) against 1/7 expected: limited progress.
        let series = vec![
            obs("2021", 14.3e9),
            obs("2022", 15.7e9),
            obs("2023", 26.15e9),
            obs("2024", 26.2e9),
        ];
        let result = assess_series(
            &catalog,
            indicator,
            series,
            NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(),
        );
        let j = result.assessment.judgment.unwrap();
        assert_eq!((j.baseline_restated, j.baseline.value), (true, 26.15e9));
        assert_eq!(result.assessment.status, ProgressStatus::LimitedProgress);
        // The 2026 milestone (25 bn) is already met on the new scope.
        assert_eq!(result.milestones[0].judgment.unwrap().status, ProgressStatus::Achieved);
        // One comparable point only: nothing to judge.
        let result = assess_series(
            &catalog,
            indicator,
            vec![obs("2022", 15.7e9), obs("2023", 26.15e9)],
            NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(),
        );
        assert_eq!(result.assessment.status, ProgressStatus::NotAssessable);
    }
}
