//! Indicator series computed with Polars from the stored dataset versions.
//!
//! Each function takes the datasets' lazy frames (the caller scans the current
//! Parquet versions) and returns plain points: (period, value), the period written
//! as the data writes it (`2024-03`, `2024-Q1`, `2024`) and placed in time by
//! [`period_year`]. Polars types do not leave this module.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;

use crate::progress::Point;
use crate::transactions::Standing;
use crate::{Error, Result};

/// The lazy frames of the current dataset versions, by dataset name.
pub type Frames = BTreeMap<String, LazyFrame>;

/// One observation of an indicator.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Observation {
    /// The period as the data writes it: `2024-03`, `2024-Q1` or `2024`.
    pub period: String,
    pub value: f64,
}

impl Observation {
    pub fn point(&self) -> Option<Point> {
        Some(Point { year: period_year(&self.period)?, value: self.value })
    }
}

/// The end of a period as a fractional year: `2024` -> 2024.0 (the year's
/// observation is read as of its end, 2024 + 1 - 1), `2024-Q1` -> 2024.25,
/// `2024-03` -> 2024.25. Years count their end too, so that a year and its fourth
/// quarter fall on the same point.
pub fn period_year(period: &str) -> Option<f64> {
    if let Ok(year) = period.parse::<i32>() {
        return Some(f64::from(year) + 1.0);
    }
    if let Some((year, quarter)) = period.split_once("-Q") {
        let (year, quarter): (i32, u32) = (year.parse().ok()?, quarter.parse().ok()?);
        return (1..=4).contains(&quarter).then(|| f64::from(year) + f64::from(quarter) / 4.0);
    }
    let (year, month) = period.split_once('-')?;
    let (year, month): (i32, u32) = (year.parse().ok()?, month.parse().ok()?);
    (1..=12).contains(&month).then(|| f64::from(year) + f64::from(month) / 12.0)
}

/// Lazy scans of stored Parquet versions, by dataset name. Nothing is read until a
/// computation collects; the caller chooses the versions (the store's current ones).
pub fn scan_versions(paths: &BTreeMap<String, std::path::PathBuf>) -> Result<Frames> {
    let mut frames = Frames::new();
    for (dataset, path) in paths {
        frames.insert(dataset.clone(), crate::stored::scan(path)?);
    }
    Ok(frames)
}

fn frame(frames: &Frames, dataset: &str) -> Result<LazyFrame> {
    frames.get(dataset).cloned().ok_or_else(|| Error::MissingDataset(dataset.to_string()))
}

/// Series by group: the value per period for each member of a breakdown. A
/// national series is the one group [`NATIONAL`].
pub type Groups = BTreeMap<String, Vec<Observation>>;

/// The key of the national series in [`Groups`].
pub const NATIONAL: &str = "";

/// The grouping expression: a breakdown column, or one national group.
fn key(by: Option<&str>) -> Expr {
    match by {
        Some(column) => col(column).cast(DataType::String),
        None => lit(NATIONAL),
    }
}

/// Collects a three-column frame (`group`, `period`, `value`) into series sorted by
/// group and period; rows with a missing or non-finite value are left out.
pub(crate) fn grouped(lf: LazyFrame) -> Result<Groups> {
    let df = lf
        .select([
            col("group").cast(DataType::String),
            col("period").cast(DataType::String),
            col("value").cast(DataType::Float64),
        ])
        .collect()
        .map_err(Error::from)?;
    let groups = df.column("group").map_err(Error::from)?.str().map_err(Error::from)?;
    let periods = df.column("period").map_err(Error::from)?.str().map_err(Error::from)?;
    let values = df.column("value").map_err(Error::from)?.f64().map_err(Error::from)?;
    // Gathered per group, then each group's few periods sorted: a sort of the whole
    // frame by two text keys cost more than the rest of the indicator (11,600
    // procedure series from 278,400 rows).
    let mut by_group: HashMap<&str, Vec<Observation>> = HashMap::new();
    for ((group, period), value) in groups.iter().zip(periods.iter()).zip(values.iter()) {
        if let (Some(group), Some(period), Some(value)) = (group, period, value)
            && value.is_finite()
        {
            by_group
                .entry(group)
                .or_default()
                .push(Observation { period: period.to_string(), value });
        }
    }
    Ok(by_group
        .into_iter()
        .map(|(group, mut observations)| {
            observations.sort_by(|a, b| a.period.cmp(&b.period));
            (group.to_string(), observations)
        })
        .collect())
}

/// The national series of a grouped result.
pub fn national(mut groups: Groups) -> Vec<Observation> {
    groups.remove(NATIONAL).unwrap_or_default()
}

/// Percent of two summed columns, as `value`.
fn percent(numerator: &str, denominator: &str) -> Expr {
    (lit(100.0) * col(numerator).cast(DataType::Float64) / col(denominator).cast(DataType::Float64))
        .alias("value")
}

/// Frame names of the transaction aggregates [`prepare`] adds to the frames.
const TX_BY_REGION: &str = "service_transactions/by_region";
const TX_BY_PROCEDURE: &str = "service_transactions/by_procedure";

/// The two aggregates every transaction indicator is computed from (see
/// [`crate::transactions`]), put in the frames by [`prepare`].
fn transaction_aggregates(frames: &Frames) -> Result<(LazyFrame, LazyFrame)> {
    match (frames.get(TX_BY_REGION), frames.get(TX_BY_PROCEDURE)) {
        (Some(by_region), Some(by_procedure)) => Ok((by_region.clone(), by_procedure.clone())),
        _ => Err(Error::MissingDataset("service_transactions".to_string())),
    }
}

/// The inventory snapshot in force in `month` (`2024-12`): the latest whose quarter
/// is at or before the month's quarter (a later snapshot of the same quarter
/// replaces an earlier one). None before the first inventory: a month is never
/// judged by an inventory observed after it.
pub fn snapshot_in_force<'a>(snapshots: &'a [Snapshot], month: &str) -> Option<&'a Snapshot> {
    in_force(snapshots.iter().map(|s| s.period.as_str()), month).map(|at| &snapshots[at])
}

/// The rule of [`snapshot_in_force`] over quarters given in stored order: the
/// position of the one in force in `month`.
fn in_force<'a>(quarters: impl Iterator<Item = &'a str>, month: &str) -> Option<usize> {
    let month = quarter_of(month)?;
    // `max_by` keeps the last of equal quarters: the later snapshot.
    quarters
        .enumerate()
        .filter(|(_, q)| *q <= month.as_str())
        .max_by(|a, b| a.1.cmp(b.1))
        .map(|(at, _)| at)
}

/// Where each procedure stands in each inventory snapshot, for the fully-online
/// share of transactions: withdrawn procedures are out of scope, procedures at
/// maturity level 4 or above fully online, the others in scope.
#[derive(Debug, Default)]
pub struct InventoryAsOf {
    /// Per snapshot, in stored order: its quarter and each procedure's standing.
    quarters: Vec<(String, HashMap<String, Standing>)>,
}

impl InventoryAsOf {
    pub fn new(snapshots: &[Snapshot]) -> Result<InventoryAsOf> {
        let mut quarters: Vec<(String, HashMap<String, Standing>)> = Vec::new();
        for snapshot in snapshots {
            let df = snapshot
                .frame
                .clone()
                .select([
                    col("procedure_id").cast(DataType::String),
                    col("maturity_level").cast(DataType::Int64),
                    col("status").cast(DataType::String),
                ])
                .collect()?;
            let ids = df.column("procedure_id")?.str()?;
            let levels = df.column("maturity_level")?.i64()?;
            let statuses = df.column("status")?.str()?;
            let mut standings = HashMap::with_capacity(df.height());
            for ((id, level), status) in ids.iter().zip(levels.iter()).zip(statuses.iter()) {
                let Some(id) = id else { continue };
                let standing = match (status, level) {
                    (Some("withdrawn"), _) => Standing::OutOfScope,
                    (_, Some(level)) if level >= 4 => Standing::FullyOnline,
                    _ => Standing::InScope,
                };
                standings.insert(id.to_string(), standing);
            }
            quarters.push((snapshot.period.clone(), standings));
        }
        Ok(InventoryAsOf { quarters })
    }

    /// Where `procedure` stands in `month`: out of scope before the first inventory
    /// or once withdrawn; a procedure the inventory in force does not list is
    /// counted, as not fully online.
    pub fn standing(&self, month: &str, procedure: &str) -> Standing {
        match in_force(self.quarters.iter().map(|(q, _)| q.as_str()), month) {
            None => Standing::OutOfScope,
            Some(at) => self.quarters[at].1.get(procedure).copied().unwrap_or(Standing::InScope),
        }
    }
}

/// The transaction aggregates of one `service_transactions` version, summed while
/// it was stored (see [`crate::transactions::Aggregator`]), with what they were
/// judged by: the computation takes them instead of reading the version again
/// when both are still those it reads.
#[derive(Debug, Clone)]
pub struct Summed {
    /// `service_transactions@v4`.
    pub version_id: String,
    /// The inventory versions that judged them (`procedures@v3`), oldest first.
    pub inventory: Vec<String>,
    pub aggregates: crate::transactions::Aggregates,
}

impl Summed {
    /// True when these are the sums of `version_id` judged by the inventory of
    /// `snapshots`.
    pub fn is_for(&self, version_id: &str, snapshots: &[Snapshot]) -> bool {
        self.version_id == version_id
            && self.inventory.iter().eq(snapshots.iter().map(|s| &s.version_id))
    }
}

/// Reads the stored `service_transactions` version at `path` once and keeps its two
/// aggregates in `frames` (in memory, a few hundred thousand rows), for every
/// transaction indicator and breakdown. Each month's transactions are judged by the
/// procedure inventory in force that month (see [`InventoryAsOf`]).
pub fn prepare(
    frames: &mut Frames,
    path: &std::path::Path,
    inventory: &InventoryAsOf,
) -> Result<()> {
    if frames.contains_key(TX_BY_REGION) {
        return Ok(());
    }
    let aggregates = crate::transactions::aggregate(path, &|month, procedure| {
        inventory.standing(month, procedure)
    })?;
    keep_aggregates(frames, aggregates);
    Ok(())
}

/// Keeps the two transaction aggregates in `frames`, for every transaction
/// indicator and breakdown: read by [`prepare`], or summed as the version was
/// stored ([`Summed`]).
pub fn keep_aggregates(frames: &mut Frames, aggregates: crate::transactions::Aggregates) {
    frames.insert(TX_BY_REGION.to_string(), aggregates.by_region.lazy());
    frames.insert(TX_BY_PROCEDURE.to_string(), aggregates.by_procedure.lazy());
}

/// The per-procedure aggregate joined with the procedure inventory's columns.
fn by_procedure_with(
    frames: &Frames,
    by_procedure: LazyFrame,
    columns: &[&str],
) -> Result<LazyFrame> {
    let mut selected = vec![col("procedure_id")];
    selected.extend(columns.iter().map(|c| col(*c)));
    Ok(by_procedure.join(
        frame(frames, "procedures")?.select(selected),
        [col("procedure_id")],
        [col("procedure_id")],
        JoinArgs::new(JoinType::Inner),
    ))
}

/// Digital take-up: (online + assisted digital) ÷ all transactions, in percent,
/// per month; by `region_code`, `ministry_code` (joined from the procedures) or
/// `procedure_id` when given.
pub fn digital_take_up(frames: &Frames, by: Option<&str>) -> Result<Groups> {
    let (by_region, by_procedure) = transaction_aggregates(frames)?;
    let source = match by {
        None | Some("region_code") => by_region,
        Some("procedure_id") => by_procedure,
        Some(column) => by_procedure_with(frames, by_procedure, &[column])?,
    };
    grouped(
        source
            .group_by([key(by).alias("group"), col("period")])
            .agg([col("digital").sum(), col("total").sum()])
            .with_column(percent("digital", "total")),
    )
}

/// Sum of `value` per `period` and group, over the rows that pass `filter`.
fn sum_by_period(
    lf: LazyFrame,
    filter: Option<Expr>,
    period: Expr,
    value: Expr,
    by: Option<&str>,
) -> Result<Groups> {
    let lf = match filter {
        Some(filter) => lf.filter(filter),
        None => lf,
    };
    grouped(
        lf.select([key(by).alias("group"), period.alias("period"), value.alias("value")])
            .group_by([col("group"), col("period")])
            .agg([col("value").cast(DataType::Float64).sum()]),
    )
}

fn year_text(column: &str) -> Expr {
    col(column).cast(DataType::String)
}

/// Offshoring jobs at each quarter's end: the old scope up to 2022, the new scope
/// from 2023 (rows of both scopes exist for 2023; jobs are counted once).
pub fn offshoring_jobs(frames: &Frames, by: Option<&str>) -> Result<Groups> {
    let year = col("period").str().slice(lit(0), lit(4)).cast(DataType::Int32);
    let in_scope = (year.clone().lt(lit(2023)).and(col("scope").eq(lit("old"))))
        .or(year.gt_eq(lit(2023)).and(col("scope").eq(lit("new"))));
    sum_by_period(frame(frames, "offshoring")?, Some(in_scope), col("period"), col("jobs"), by)
}

/// Offshoring export revenue per calendar year in one measurement scope (`old` or
/// `new`); a year is given only when its four quarters are in. The two scopes are
/// separate series: nothing is projected across the 2023 change.
pub fn offshoring_revenue(frames: &Frames, scope: &str, by: Option<&str>) -> Result<Groups> {
    let lf = frame(frames, "offshoring")?
        .filter(col("scope").eq(lit(scope)))
        .with_column(col("period").str().slice(lit(0), lit(4)).alias("year"))
        .with_column(key(by).alias("group"))
        .group_by([col("group"), col("year")])
        .agg([
            col("export_revenue_mad").sum().alias("value"),
            col("period").n_unique().alias("quarters"),
        ])
        .filter(col("quarters").eq(lit(4u32)))
        .select([col("group"), col("year").alias("period"), col("value")]);
    grouped(lf)
}

/// A UN E-Government Survey column for Morocco (ISO3 MAR) per survey year.
pub fn egdi(frames: &Frames, column: &str) -> Result<Vec<Observation>> {
    sum_by_period(
        frame(frames, "un_egdi")?,
        Some(col("country_iso3").eq(lit("MAR")).and(col(column).is_not_null())),
        year_text("survey_year"),
        col(column),
        None,
    )
    .map(national)
}

/// Labelled startups, cumulated by label year.
pub fn labelled_startups(frames: &Frames, by: Option<&str>) -> Result<Groups> {
    let per_year =
        sum_by_period(frame(frames, "startups")?, None, year_text("label_year"), lit(1i64), by)?;
    Ok(cumulate_yearly(per_year))
}

/// Running totals of yearly flows, group by group. A stock lasts: a group with no
/// flow in a year keeps its total that year, from its first year to the last year
/// any group has (a region without a new label in 2025 still has its startups).
fn cumulate_yearly(per_year: Groups) -> Groups {
    let year = |o: &Observation| o.period.parse::<i32>().ok();
    let last = per_year.values().flatten().filter_map(year).max();
    per_year
        .into_iter()
        .map(|(group, series)| {
            let flows: BTreeMap<i32, f64> =
                series.iter().filter_map(|o| Some((year(o)?, o.value))).collect();
            let (Some(&first), Some(last)) = (flows.keys().next(), last) else {
                return (group, series);
            };
            let mut total = 0.0;
            let cumulated = (first..=last)
                .map(|y| {
                    total += flows.get(&y).copied().unwrap_or(0.0);
                    Observation { period: y.to_string(), value: total }
                })
                .collect();
            (group, cumulated)
        })
        .collect()
}

/// A yearly total of one column of a dataset (talent, civil servants trained).
pub fn yearly_total(
    frames: &Frames,
    dataset: &str,
    year_column: &str,
    value: &str,
    by: Option<&str>,
) -> Result<Groups> {
    sum_by_period(frame(frames, dataset)?, None, year_text(year_column), col(value), by)
}

/// Civil servants trained per year: in all, by ministry, by administration level
/// (central or deconcentrated, in files of contract 1.1 on; none for older ones), and
/// by sex (women from `trained_women`, men the rest, on the rows that give it).
pub fn civil_servants(frames: &Frames, by: Option<&str>) -> Result<Groups> {
    let lf = frame(frames, "civil_servant_training")?;
    let year = || year_text("year");
    match by {
        Some("sex") => {
            let known = col("trained_women").is_not_null();
            let women =
                sum_by_period(lf.clone(), Some(known.clone()), year(), col("trained_women"), None)?;
            let men = sum_by_period(
                lf,
                Some(known),
                year(),
                col("trained") - col("trained_women"),
                None,
            )?;
            Ok(Groups::from([
                ("women".to_string(), national(women)),
                ("men".to_string(), national(men)),
            ]))
        }
        Some(column) if !has_column(&lf, column) => Ok(Groups::new()),
        _ => sum_by_period(lf, None, year(), col("trained"), by),
    }
}

/// Administrations using at least one of the ADD's shared systems, per year, each
/// counted once whatever the number of systems it uses; by system, those using it.
pub fn administrations_on_add_systems(frames: &Frames, by: Option<&str>) -> Result<Groups> {
    grouped(
        frame(frames, "add_shared_systems")?
            .group_by([key(by).alias("group"), year_text("year").alias("period")])
            .agg([col("administration_id").n_unique().cast(DataType::Float64).alias("value")]),
    )
}

/// The first year of the programme of 10,000 civil servants trained.
pub const CIVIL_SERVANTS_PROGRAMME_START: &str = "2024";

/// The programme of 10,000: civil servants trained since its first year, cumulated
/// (each year's value is every trainee since 2024 up to that year).
pub fn civil_servants_programme(frames: &Frames, by: Option<&str>) -> Result<Groups> {
    let mut groups = civil_servants(frames, by)?;
    for series in groups.values_mut() {
        series.retain(|o| o.period.as_str() >= CIVIL_SERVANTS_PROGRAMME_START);
    }
    groups.retain(|_, series| !series.is_empty());
    Ok(cumulate_yearly(groups))
}

/// Whether a stored version has `column` (a field added by a later contract version).
fn has_column(lf: &LazyFrame, column: &str) -> bool {
    lf.clone().collect_schema().is_ok_and(|schema| schema.contains(column))
}

/// Startup funding raised per calendar year of the round's closing date.
pub fn startup_funding(frames: &Frames, by: Option<&str>) -> Result<Groups> {
    let year = col("round_date").cast(DataType::String).str().slice(lit(0), lit(4));
    sum_by_period(frame(frames, "startup_funding")?, None, year, col("amount_mad"), by)
}

/// Fibre-eligible households summed over regions, per quarter.
pub fn fibre_eligible_households(frames: &Frames, by: Option<&str>) -> Result<Groups> {
    sum_by_period(
        frame(frames, "connectivity")?,
        None,
        col("period"),
        col("fibre_eligible_households"),
        by,
    )
}

/// The 12 technologies of the digital intensity index (EU DESI, DII v4).
pub const DII_TECHNOLOGIES: [&str; 12] = [
    "tech_fast_broadband",
    "tech_staff_internet_50pct",
    "tech_ict_specialists",
    "tech_erp",
    "tech_crm",
    "tech_social_media_2plus",
    "tech_ai",
    "tech_cloud_sophisticated",
    "tech_ecommerce_1pct",
    "tech_web_sales_b2c",
    "tech_data_analytics",
    "tech_e_invoicing",
];

/// Survey-weighted share (percent) of firms using at least 4 of the 12 technologies.
pub fn sme_basic_digital_intensity(frames: &Frames, by: Option<&str>) -> Result<Groups> {
    let count = DII_TECHNOLOGIES
        .iter()
        .map(|t| col(*t).cast(DataType::Int32))
        .reduce(|a, b| a + b)
        .unwrap_or_else(|| lit(0));
    let lf = frame(frames, "sme_survey")?
        .with_column(count.alias("technologies"))
        .group_by([key(by).alias("group"), year_text("survey_year").alias("period")])
        .agg([
            when(col("technologies").gt_eq(lit(4)))
                .then(col("weight"))
                .otherwise(lit(0.0))
                .sum()
                .alias("basic"),
            col("weight").sum().alias("all"),
        ])
        .select([col("group"), col("period"), percent("basic", "all")]);
    grouped(lf)
}

/// A World Bank WDI series for Morocco.
pub fn wdi(frames: &Frames, indicator_code: &str) -> Result<Vec<Observation>> {
    let filter =
        col("indicator_code").eq(lit(indicator_code)).and(col("country_code").eq(lit("MAR")));
    sum_by_period(frame(frames, "wb_wdi")?, Some(filter), year_text("year"), col("value"), None)
        .map(national)
}

/// A World Bank WDI series for Morocco, completed by the ITU DataHub series for the
/// years the World Bank has no value for yet (either dataset may be absent).
pub fn wdi_with_itu(frames: &Frames, wdi_code: &str, itu_code: &str) -> Result<Vec<Observation>> {
    let mut series =
        if frames.contains_key("wb_wdi") { wdi(frames, wdi_code)? } else { Vec::new() };
    if frames.contains_key("itu_datahub") {
        let filter = col("series_code").eq(lit(itu_code)).and(col("entity_iso").eq(lit("MAR")));
        let itu = national(sum_by_period(
            frame(frames, "itu_datahub")?,
            Some(filter),
            year_text("year"),
            col("value"),
            None,
        )?);
        for observation in itu {
            if !series.iter().any(|o| o.period == observation.period) {
                series.push(observation);
            }
        }
        series.sort_by(|a, b| a.period.cmp(&b.period));
    }
    Ok(series)
}

/// Share (percent) of transactions on procedures at maturity level 4 or 5, per month,
/// each month by the procedure inventory in force then, withdrawn procedures left
/// out of both terms; by `region_code`, `procedure_id` or a column of the procedures
/// (`ministry_code`).
pub fn transactions_fully_online_share(frames: &Frames, by: Option<&str>) -> Result<Groups> {
    let (by_region, by_procedure) = transaction_aggregates(frames)?;
    let source = match by {
        None | Some("region_code") => by_region,
        Some("procedure_id") => by_procedure,
        Some(column) => by_procedure_with(frames, by_procedure, &[column])?,
    };
    // A month with nothing in scope (before the first inventory) has no value.
    grouped(
        source
            .group_by([key(by).alias("group"), col("period")])
            .agg([col("full").sum(), col("scope").sum()])
            .select([col("group"), col("period"), percent("full", "scope")]),
    )
}

/// The dataset a ceiling named in the catalogue reads.
pub fn ceiling_dataset(name: &str) -> Option<&'static str> {
    (name == "census_households").then_some("hcp_regions")
}

/// A ceiling named in the catalogue: `census_households`, the households counted
/// at the latest census (`hcp_regions`). None for an unknown name, or when the
/// census is not stored (the projection is then bounded by its unit only).
pub fn ceiling(frames: &Frames, name: &str) -> Result<Option<f64>> {
    match name {
        "census_households" if frames.contains_key("hcp_regions") => {
            let df = frame(frames, "hcp_regions")?
                .filter(col("census_year").eq(col("census_year").max()))
                .select([col("households").cast(DataType::Float64).sum().alias("households")])
                .collect()?;
            let total = df.column("households")?.f64()?.get(0);
            Ok(total.filter(|t| *t > 0.0))
        }
        _ => Ok(None),
    }
}

/// 5G coverage of the population: regional coverage weighted by regional
/// population at the latest census, per quarter (by region: the region's own).
pub fn coverage_5g(frames: &Frames, by: Option<&str>) -> Result<Groups> {
    let population = frame(frames, "hcp_regions")?
        .filter(col("census_year").eq(col("census_year").max()))
        .select([col("region_code"), col("population").cast(DataType::Float64)]);
    let lf = frame(frames, "connectivity")?
        .join(
            population,
            [col("region_code")],
            [col("region_code")],
            JoinArgs::new(JoinType::Inner),
        )
        .group_by([key(by).alias("group"), col("period")])
        .agg([
            (col("coverage_5g_pct") * col("population")).sum().alias("covered"),
            col("population").sum().alias("all"),
        ])
        .select([col("group"), col("period"), (col("covered") / col("all")).alias("value")]);
    grouped(lf)
}

/// Households with Internet (percent) per census: the whole country for all areas;
/// by region (`region_code`) or by area of residence (`area`).
pub fn household_internet_access(frames: &Frames, by: Option<&str>) -> Result<Groups> {
    let (filter, group) = match by {
        Some("region_code") => {
            (col("geo_code").neq(lit("MA")).and(col("area").eq(lit("total"))), Some("geo_code"))
        }
        Some("area") => (col("geo_code").eq(lit("MA")), Some("area")),
        _ => (col("geo_code").eq(lit("MA")).and(col("area").eq(lit("total"))), None),
    };
    sum_by_period(
        frame(frames, "hcp_household_ict")?,
        Some(filter),
        year_text("census_year"),
        col("equipment_internet"),
        group,
    )
}

/// One stored version of an inventory dataset (procedures, platforms), observed
/// in `period`.
#[derive(Clone)]
pub struct Snapshot {
    /// The quarter the inventory describes, such as `2025-Q4`.
    pub period: String,
    /// The dataset version it was read from, `procedures@v3`.
    pub version_id: String,
    pub frame: LazyFrame,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("period", &self.period)
            .field("version_id", &self.version_id)
            .finish_non_exhaustive()
    }
}

/// The quarter an inventory version describes: the quarter of its latest
/// `reviewed_date` when the dataset has one, else `fallback` (the quarter it was
/// stored in).
pub fn inventory_period(lf: &LazyFrame, date_column: Option<&str>, fallback: &str) -> String {
    let Some(column) = date_column else {
        return fallback.to_string();
    };
    let latest = lf
        .clone()
        .select([col(column).cast(DataType::String).max().alias("latest")])
        .collect()
        .ok()
        .and_then(|df| df.column("latest").ok()?.str().ok()?.get(0).map(|s| s.to_string()));
    latest.as_deref().and_then(quarter_of).unwrap_or_else(|| fallback.to_string())
}

/// `2025-11-30` -> `2025-Q4`.
pub fn quarter_of(date: &str) -> Option<String> {
    let year: i32 = date.get(..4)?.parse().ok()?;
    let month: u32 = date.get(5..7)?.parse().ok()?;
    (1..=12).contains(&month).then(|| format!("{year}-Q{}", (month - 1) / 3 + 1))
}

/// One value per group from one inventory snapshot: `numerator` rows among the
/// `denominator` rows, as a count or a percent.
fn snapshot(
    snapshot: &Snapshot,
    denominator: Expr,
    numerator: Expr,
    as_percent: bool,
    by: Option<&str>,
) -> Result<Groups> {
    let value = if as_percent {
        lit(100.0) * col("counted").sum() / col("counted").count().cast(DataType::Float64)
    } else {
        col("counted").sum()
    };
    let lf = snapshot
        .frame
        .clone()
        .filter(denominator)
        .with_column(numerator.cast(DataType::Float64).alias("counted"))
        .group_by([key(by).alias("group")])
        .agg([value.alias("value")])
        .select([col("group"), lit(snapshot.period.as_str()).alias("period"), col("value")]);
    grouped(lf)
}

/// The languages a platform may be offered in (`lang_*` columns).
pub const PLATFORM_LANGUAGES: [&str; 5] = ["ar", "amz", "fr", "en", "es"];

/// Inventory indicators over every stored version of the inventory, one
/// observation per quarter (the latest version describing it): procedures fully
/// online, published on Idarati, the law 55.19 funnel (inventoried, withdrawn,
/// share of the kept ones published), platforms, and platforms in Amazigh.
pub fn inventory(snapshots: &[Snapshot], indicator: &str, by: Option<&str>) -> Result<Groups> {
    let mut out = Groups::new();
    for s in snapshots {
        let active = col("status").eq(lit("active"));
        let groups = match (indicator, by) {
            // The maturity ladder: the share of active procedures at each level.
            ("procedures_fully_online_share", Some("maturity_level")) => grouped(
                s.frame
                    .clone()
                    .filter(active)
                    .group_by([col("maturity_level").cast(DataType::String).alias("group")])
                    .agg([len().cast(DataType::Float64).alias("n")])
                    .select([
                        col("group"),
                        lit(s.period.as_str()).alias("period"),
                        (lit(100.0) * col("n") / col("n").sum()).alias("value"),
                    ]),
            )?,
            // Language coverage: platforms available in each language.
            ("digital_platforms", Some("language")) => {
                let mut groups = Groups::new();
                for language in PLATFORM_LANGUAGES {
                    let counted =
                        snapshot(s, lit(true), col(format!("lang_{language}")), false, None)?;
                    groups.insert(language.to_string(), national(counted));
                }
                groups
            }
            _ => match indicator {
                "procedures_fully_online_share" => {
                    snapshot(s, active, col("maturity_level").gt_eq(lit(4)), true, by)?
                }
                "procedures_published_idarati" => {
                    snapshot(s, active, col("published_idarati"), false, by)?
                }
                // The law 55.19 funnel: inventoried -> withdrawn, published of those kept.
                "procedures_inventoried" => snapshot(s, lit(true), lit(1i64), false, by)?,
                "procedures_withdrawn" => {
                    snapshot(s, lit(true), col("status").eq(lit("withdrawn")), false, by)?
                }
                "procedures_published_share" => {
                    snapshot(s, active, col("published_idarati"), true, by)?
                }
                "digital_platforms" => snapshot(s, lit(true), lit(1i64), false, by)?,
                "platforms_amazigh_share" => snapshot(s, lit(true), col("lang_amz"), true, by)?,
                _ => Groups::new(),
            },
        };
        for (group, series) in groups {
            let entry = out.entry(group).or_default();
            for observation in series {
                // A later version describing the same quarter replaces the earlier.
                entry.retain(|o: &Observation| o.period != observation.period);
                entry.push(observation);
            }
        }
    }
    for series in out.values_mut() {
        series.sort_by(|a, b| a.period.cmp(&b.period));
    }
    Ok(out)
}

impl From<PolarsError> for Error {
    fn from(err: PolarsError) -> Error {
        Error::Polars(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two months, two regions, three channels (hand-made fixture), the transactions
    /// stored as Parquet as a dataset version is, and their aggregates prepared.
    fn frames() -> Frames {
        let tx = df!(
            "period" => ["2024-01", "2024-01", "2024-01", "2024-01", "2024-01", "2024-01",
                         "2024-02", "2024-02", "2024-02", "2024-02", "2024-02", "2024-02"],
            "procedure_id" => ["PRC-00001"; 12],
            "region_code" => ["06", "06", "06", "01", "01", "01", "06", "06", "06", "01", "01", "01"],
            "channel" => ["online", "counter", "assisted_digital", "online", "counter", "assisted_digital",
                          "online", "counter", "assisted_digital", "online", "counter", "assisted_digital"],
            "transactions" => [30i64, 60, 10, 5, 15, 0, 50, 40, 10, 10, 10, 0],
        )
        .unwrap();
        let procedures = df!("procedure_id" => ["PRC-00001"], "ministry_code" => ["MI"], "maturity_level" => [4i64], "status" => ["active"]).unwrap();
        let inventory = InventoryAsOf::new(&[Snapshot {
            period: "2024-Q1".into(),
            version_id: "procedures@v1".into(),
            frame: procedures.clone().lazy(),
        }])
        .unwrap();
        prepared(tx, procedures, &inventory)
    }

    /// The transactions stored as Parquet as a dataset version is, and their
    /// aggregates prepared against `inventory`.
    fn prepared(tx: DataFrame, procedures: DataFrame, inventory: &InventoryAsOf) -> Frames {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("service_transactions.parquet");
        std::fs::write(&path, crate::stored::parquet_bytes(&tx).unwrap()).unwrap();
        let mut frames = BTreeMap::from([
            ("service_transactions".to_string(), tx.lazy()),
            ("procedures".to_string(), procedures.lazy()),
        ]);
        prepare(&mut frames, &path, inventory).unwrap();
        frames
    }

    /// Each month judged by the inventory in force then: none before the first,
    /// a withdrawn procedure out of both terms, an unlisted one counted as not
    /// fully online.
    #[test]
    fn fully_online_share_joins_the_inventory_in_force_each_month() {
        let tx = df!(
            "period" => ["2024-03", "2024-03", "2024-04", "2024-04", "2024-04",
                         "2024-07", "2024-07", "2024-07", "2024-08", "2024-08", "2024-08"],
            "procedure_id" => ["P1", "P2", "P1", "P2", "P3", "P1", "P2", "P3", "P1", "P2", "P4"],
            "region_code" => ["06"; 11],
            "channel" => ["online"; 11],
            "transactions" => [10i64, 20, 10, 30, 60, 10, 30, 60, 20, 20, 10],
        )
        .unwrap();
        let snapshot = |period: &str, levels: [i64; 3], statuses: [&str; 3]| {
            let frame = df!(
                "procedure_id" => ["P1", "P2", "P3"],
                "ministry_code" => ["MI", "MI", "MEF"],
                "maturity_level" => levels,
                "status" => statuses,
            )
            .unwrap();
            Snapshot {
                period: period.into(),
                version_id: format!("procedures@{period}"),
                frame: frame.lazy(),
            }
        };
        let q2 = snapshot("2024-Q2", [3, 4, 5], ["active", "active", "active"]);
        let q3 = snapshot("2024-Q3", [4, 4, 5], ["active", "active", "withdrawn"]);
        let current = q3.frame.clone().collect().unwrap();
        // Given in either order: the quarter decides, not the order.
        let inventory = InventoryAsOf::new(&[q3.clone(), q2.clone()]).unwrap();
        let frames = prepared(tx, current, &inventory);
        let share = national(transactions_fully_online_share(&frames, None).unwrap());
        let values: Vec<(&str, f64)> = share.iter().map(|o| (o.period.as_str(), o.value)).collect();
        // 2024-03 (Q1): no inventory yet, no value.
        // 2024-04 (Q2): P2 30 + P3 60 fully online of 100 = 90 %.
        // 2024-07 (Q3): P3 withdrawn; P1 10 + P2 30 of 40 = 100 %.
        // 2024-08 (Q3): P1 20 + P2 20 of 50 (P4 unlisted, counted) = 80 %.
        assert_eq!(values, [("2024-04", 90.0), ("2024-07", 100.0), ("2024-08", 80.0)]);
        let by_procedure = transactions_fully_online_share(&frames, Some("procedure_id")).unwrap();
        // P3: 100 % in 2024-04, nothing in scope once withdrawn.
        let p3: Vec<&str> = by_procedure["P3"].iter().map(|o| o.period.as_str()).collect();
        assert_eq!(p3, ["2024-04"]);
        // P1: 0 % in 2024-04 (level 3 then), 100 % from 2024-07.
        let p1: Vec<f64> = by_procedure["P1"].iter().map(|o| o.value).collect();
        assert_eq!(p1, [0.0, 100.0, 100.0]);
        assert_eq!(
            snapshot_in_force(&[q2.clone(), q3.clone()], "2024-06").unwrap().period,
            "2024-Q2"
        );
        assert!(snapshot_in_force(&[q2, q3], "2024-03").is_none());
    }

    #[test]
    fn take_up_counts_assisted_digital_as_digital() {
        // January: (30 + 10 + 5 + 0) / (100 + 20) = 45/120 = 37.5 %.
        // February: (50 + 10 + 10 + 0) / (100 + 20) = 70/120 = 58.333… %.
        let series = national(digital_take_up(&frames(), None).unwrap());
        assert_eq!(series.len(), 2);
        assert_eq!((series[0].period.as_str(), series[0].value), ("2024-01", 37.5));
        assert!((series[1].value - 70.0 / 120.0 * 100.0).abs() < 1e-12);
    }

    #[test]
    fn take_up_by_region_and_by_ministry() {
        // Region 06 in January: 40/100 = 40 %; region 01: 5/20 = 25 %.
        let by_region = digital_take_up(&frames(), Some("region_code")).unwrap();
        assert_eq!(by_region["06"][0].value, 40.0);
        assert_eq!(by_region["01"][0].value, 25.0);
        // One ministry holds every procedure: its series is the national one.
        let by_ministry = digital_take_up(&frames(), Some("ministry_code")).unwrap();
        assert_eq!(by_ministry["MI"][0].value, 37.5);
    }

    /// Region A labels 2 startups in 2023 and 1 in 2025; region B 3 in 2023 and
    /// none after: B still has 3 in 2024 and 2025, A has 2 in 2024 and 3 in 2025.
    #[test]
    fn a_cumulated_stock_lasts_through_the_years_without_a_flow() {
        let per_year = Groups::from([
            (
                "A".to_string(),
                vec![
                    Observation { period: "2023".into(), value: 2.0 },
                    Observation { period: "2025".into(), value: 1.0 },
                ],
            ),
            ("B".to_string(), vec![Observation { period: "2023".into(), value: 3.0 }]),
        ]);
        let cumulated = cumulate_yearly(per_year);
        let values = |g: &str| -> Vec<(String, f64)> {
            cumulated[g].iter().map(|o| (o.period.clone(), o.value)).collect()
        };
        assert_eq!(
            values("A"),
            [("2023".to_string(), 2.0), ("2024".to_string(), 2.0), ("2025".to_string(), 3.0)]
        );
        assert_eq!(
            values("B"),
            [("2023".to_string(), 3.0), ("2024".to_string(), 3.0), ("2025".to_string(), 3.0)]
        );
    }

    #[test]
    fn offshoring_jobs_take_one_scope_per_year_and_revenue_keeps_both() {
        // 2022-Q4 old scope 130 + 5; 2023 quarters in both scopes (jobs 139 each time).
        let mut periods = vec!["2022-Q4", "2022-Q4"];
        let mut scopes = vec!["old", "old"];
        let mut jobs = vec![130i64, 5];
        let mut revenue = vec![10.0, 1.0];
        for q in 1..=4 {
            for scope in ["old", "new"] {
                periods.push(["2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4"][q - 1]);
                scopes.push(scope);
                jobs.push(139);
                revenue.push(if scope == "old" { 4.475 } else { 6.5375 });
            }
        }
        let offshoring = df!("period" => periods, "scope" => scopes, "jobs" => jobs, "export_revenue_mad" => revenue).unwrap();
        let frames = BTreeMap::from([("offshoring".to_string(), offshoring.lazy())]);
        let jobs = national(offshoring_jobs(&frames, None).unwrap());
        // 2022-Q4: 130 + 5 = 135; each 2023 quarter: 139 (not 278).
        assert_eq!(
            jobs.iter().map(|o| o.value).collect::<Vec<_>>(),
            vec![135.0, 139.0, 139.0, 139.0, 139.0]
        );
        let old = national(offshoring_revenue(&frames, "old", None).unwrap());
        let new = national(offshoring_revenue(&frames, "new", None).unwrap());
        // 2023 old scope: 4 x 4.475 = 17.9; new scope: 4 x 6.5375 = 26.15. 2022 has one quarter only: no annual value.
        assert!((old[0].value - 17.9).abs() < 1e-9);
        assert_eq!(old.len(), 1);
        assert!((new[0].value - 26.15).abs() < 1e-9);
    }

    #[test]
    fn weighted_sme_share_and_cumulated_startups() {
        // Firm A: 4 technologies, weight 3; firm B: 3 technologies, weight 1 -> 3/4 = 75 %.
        let yes = |n: usize| (0..12).map(|i| i < n).collect::<Vec<bool>>();
        let (a, b) = (yes(4), yes(3));
        let mut columns = vec![
            Column::new("survey_year".into(), [2024i32, 2024]),
            Column::new("weight".into(), [3.0, 1.0]),
        ];
        let names = [
            "fast_broadband",
            "staff_internet_50pct",
            "ict_specialists",
            "erp",
            "crm",
            "social_media_2plus",
            "ai",
            "cloud_sophisticated",
            "ecommerce_1pct",
            "web_sales_b2c",
            "data_analytics",
            "e_invoicing",
        ];
        for (i, name) in names.iter().enumerate() {
            columns.push(Column::new(format!("tech_{name}").into(), [a[i], b[i]]));
        }
        let survey = DataFrame::new_infer_height(columns).unwrap();
        let startups = df!("label_year" => [2021i32, 2022, 2022, 2024]).unwrap();
        let frames = BTreeMap::from([
            ("sme_survey".to_string(), survey.lazy()),
            ("startups".to_string(), startups.lazy()),
        ]);
        assert_eq!(national(sme_basic_digital_intensity(&frames, None).unwrap())[0].value, 75.0);
        // 1 in 2021, 1 + 2 = 3 by 2022, still 3 in 2023 (none labelled), 3 + 1 = 4
        // by 2024.
        let cumulated: Vec<(String, f64)> = national(labelled_startups(&frames, None).unwrap())
            .into_iter()
            .map(|o| (o.period, o.value))
            .collect();
        assert_eq!(
            cumulated,
            vec![
                ("2021".into(), 1.0),
                ("2022".into(), 3.0),
                ("2023".into(), 3.0),
                ("2024".into(), 4.0)
            ]
        );
    }

    #[test]
    fn inventory_shares_and_counts_on_a_seven_procedure_fixture() {
        // 7 active procedures, 3 at level >= 4; one withdrawn at level 5 is left out: 3/7.
        let procedures = df!(
            "procedure_id" => ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8"],
            "maturity_level" => [4i64, 5, 4, 3, 2, 1, 0, 5],
            "status" => ["active", "active", "active", "active", "active", "active", "active", "withdrawn"],
            "published_idarati" => [true, true, true, true, true, false, false, true],
        )
        .unwrap();
        let snapshots = [Snapshot {
            period: "2025-Q4".into(),
            version_id: "procedures@v1".into(),
            frame: procedures.lazy(),
        }];
        let share = national(inventory(&snapshots, "procedures_fully_online_share", None).unwrap());
        assert!((share[0].value - 300.0 / 7.0).abs() < 1e-12);
        assert_eq!(share[0].period, "2025-Q4");
        // Published and active: P1..P5 = 5 (P8 is withdrawn).
        assert_eq!(
            national(inventory(&snapshots, "procedures_published_idarati", None).unwrap())[0].value,
            5.0
        );
    }

    #[test]
    fn coverage_5g_is_weighted_by_the_latest_census() {
        // Region 06: 7,688,967 people at 60 %; region 12: 219,965 at 0 % (RGPH 2024).
        // National: 60 x 7,688,967 / 7,908,932 = 58.331 %. The 2014 census is ignored.
        let census = df!(
            "region_code" => ["06", "12", "06"],
            "census_year" => [2024i32, 2024, 2014],
            "population" => [7_688_967i64, 219_965, 6_826_773],
        )
        .unwrap();
        let connectivity = df!("period" => ["2025-Q3", "2025-Q3"], "region_code" => ["06", "12"], "coverage_5g_pct" => [60.0, 0.0]).unwrap();
        let frames = BTreeMap::from([
            ("hcp_regions".to_string(), census.lazy()),
            ("connectivity".to_string(), connectivity.lazy()),
        ]);
        let value = national(coverage_5g(&frames, None).unwrap())[0].value;
        assert!((value - 60.0 * 7_688_967.0 / 7_908_932.0).abs() < 1e-9, "{value}");
    }

    #[test]
    fn periods_are_placed_at_their_end() {
        assert_eq!(period_year("2024"), Some(2025.0));
        assert_eq!(period_year("2024-Q4"), Some(2025.0));
        assert_eq!(period_year("2024-Q1"), Some(2024.25));
        assert_eq!(period_year("2024-06"), Some(2024.5));
        assert_eq!(period_year("2024-13"), None);
    }
}
