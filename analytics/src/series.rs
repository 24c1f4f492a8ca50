//! Indicator series computed with Polars from the stored dataset versions.
//!
//! Each function takes the datasets' lazy frames (the caller scans the current
//! Parquet versions) and returns plain points: (period, value), the period written
//! as the data writes it (`2024-03`, `2024-Q1`, `2024`) and placed in time by
//! [`period_year`]. Polars types do not leave this module.

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::progress::Point;
use crate::{Error, Result};

/// The lazy frames of the current dataset versions, by dataset name.
pub type Frames = BTreeMap<String, LazyFrame>;

/// One observation of an indicator.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
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

fn frame(frames: &Frames, dataset: &str) -> Result<LazyFrame> {
    frames.get(dataset).cloned().ok_or_else(|| Error::MissingDataset(dataset.to_string()))
}

/// Collects a two-column frame (period as text, value as number) into observations,
/// sorted by period.
fn observations(lf: LazyFrame) -> Result<Vec<Observation>> {
    let df = lf
        .select([col("period").cast(DataType::String), col("value").cast(DataType::Float64)])
        .sort(["period"], SortMultipleOptions::default())
        .collect()
        .map_err(Error::from)?;
    let periods = df.column("period").map_err(Error::from)?.str().map_err(Error::from)?;
    let values = df.column("value").map_err(Error::from)?.f64().map_err(Error::from)?;
    Ok(periods
        .iter()
        .zip(values.iter())
        .filter_map(|(period, value)| {
            Some(Observation { period: period?.to_string(), value: value? })
        })
        .filter(|o| o.value.is_finite())
        .collect())
}

/// Grouped observations: the value per period for each group of `group` column.
fn grouped(lf: LazyFrame, group: &str) -> Result<BTreeMap<String, Vec<Observation>>> {
    let df = lf
        .select([
            col(group).cast(DataType::String),
            col("period").cast(DataType::String),
            col("value").cast(DataType::Float64),
        ])
        .sort([group, "period"], SortMultipleOptions::default())
        .collect()
        .map_err(Error::from)?;
    let groups = df.column(group).map_err(Error::from)?.str().map_err(Error::from)?;
    let periods = df.column("period").map_err(Error::from)?.str().map_err(Error::from)?;
    let values = df.column("value").map_err(Error::from)?.f64().map_err(Error::from)?;
    let mut out: BTreeMap<String, Vec<Observation>> = BTreeMap::new();
    for ((group, period), value) in groups.iter().zip(periods.iter()).zip(values.iter()) {
        if let (Some(group), Some(period), Some(value)) = (group, period, value) {
            out.entry(group.to_string())
                .or_default()
                .push(Observation { period: period.to_string(), value });
        }
    }
    Ok(out)
}

/// Digital take-up: (online + assisted digital) ÷ all transactions, in percent,
/// per month; by `group` (a column of the transactions joined with procedures:
/// `region_code`, `ministry_code`, `procedure_id`) when given.
pub fn digital_take_up(frames: &Frames, group: Option<&str>) -> Result<TakeUp> {
    let tx = frame(frames, "service_transactions")?;
    let digital =
        when(col("channel").eq(lit("counter"))).then(lit(0i64)).otherwise(col("transactions"));
    let keys_with = |extra: Option<&str>| {
        let mut keys = vec![col("period")];
        if let Some(extra) = extra {
            keys.push(col(extra));
        }
        keys
    };
    let source = match group {
        Some("ministry_code") => tx.join(
            frame(frames, "procedures")?.select([col("procedure_id"), col("ministry_code")]),
            [col("procedure_id")],
            [col("procedure_id")],
            JoinArgs::new(JoinType::Inner),
        ),
        _ => tx,
    };
    let aggregated = source
        .group_by(keys_with(group))
        .agg([digital.sum().alias("digital"), col("transactions").sum().alias("total")])
        .with_column(
            (lit(100.0) * col("digital").cast(DataType::Float64)
                / col("total").cast(DataType::Float64))
            .alias("value"),
        );
    match group {
        None => Ok(TakeUp::National(observations(aggregated)?)),
        Some(group) => Ok(TakeUp::ByGroup(grouped(aggregated, group)?)),
    }
}

/// A series, national or by group.
#[derive(Debug, Clone, PartialEq)]
pub enum TakeUp {
    National(Vec<Observation>),
    ByGroup(BTreeMap<String, Vec<Observation>>),
}

impl From<PolarsError> for Error {
    fn from(err: PolarsError) -> Error {
        Error::Polars(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two months, two regions, three channels (hand-made fixture).
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
        let procedures = df!("procedure_id" => ["PRC-00001"], "ministry_code" => ["MI"]).unwrap();
        BTreeMap::from([
            ("service_transactions".to_string(), tx.lazy()),
            ("procedures".to_string(), procedures.lazy()),
        ])
    }

    #[test]
    fn take_up_counts_assisted_digital_as_digital() {
        // January: (30 + 10 + 5 + 0) / (100 + 20) = 45/120 = 37.5 %.
        // February: (50 + 10 + 10 + 0) / (100 + 20) = 70/120 = 58.333… %.
        let TakeUp::National(series) = digital_take_up(&frames(), None).unwrap() else { panic!() };
        assert_eq!(series.len(), 2);
        assert_eq!((series[0].period.as_str(), series[0].value), ("2024-01", 37.5));
        assert!((series[1].value - 70.0 / 120.0 * 100.0).abs() < 1e-12);
    }

    #[test]
    fn take_up_by_region_and_by_ministry() {
        // Region 06 in January: 40/100 = 40 %; region 01: 5/20 = 25 %.
        let TakeUp::ByGroup(by_region) = digital_take_up(&frames(), Some("region_code")).unwrap()
        else {
            panic!()
        };
        assert_eq!(by_region["06"][0].value, 40.0);
        assert_eq!(by_region["01"][0].value, 25.0);
        // One ministry holds every procedure: its series is the national one.
        let TakeUp::ByGroup(by_ministry) =
            digital_take_up(&frames(), Some("ministry_code")).unwrap()
        else {
            panic!()
        };
        assert_eq!(by_ministry["MI"][0].value, 37.5);
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
