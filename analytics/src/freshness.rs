//! Is the data there and fresh? The period each indicator expects next and the date
//! it is due: the end of that period plus the producer's publication lag. Data is
//! overdue once that date has passed, and current again as soon as a publication
//! brings the expected period (or a later one). Never merged with the progress
//! status.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// Days a producer has, after the expected period ends, unless the catalogue gives
/// the indicator its own `publication_lag_days`.
pub const PUBLICATION_LAG_DAYS: u32 = 90;

/// Is the data there and fresh?
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

/// What the data status rests on: the latest period, the one expected next and the
/// date it is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Freshness {
    pub latest_period: String,
    pub next_period: String,
    pub due: NaiveDate,
}

/// Months between two observations of a cadence (`annual` = 12); None for an
/// unknown cadence.
pub fn cadence_months(frequency: &str) -> Option<u32> {
    Some(match frequency {
        "monthly" => 1,
        "quarterly" => 3,
        "annual" => 12,
        "biennial" => 24,
        "decennial" => 120,
        _ => return None,
    })
}

/// A period as (year, month of its end): `2025` -> (2025, 12), `2025-Q2` -> (2025, 6),
/// `2025-07` -> (2025, 7), and the kind of period it is.
fn parse(period: &str) -> Option<(i32, u32, Kind)> {
    if let Ok(year) = period.parse::<i32>() {
        return Some((year, 12, Kind::Year));
    }
    if let Some((year, quarter)) = period.split_once("-Q") {
        let (year, quarter): (i32, u32) = (year.parse().ok()?, quarter.parse().ok()?);
        return (1..=4).contains(&quarter).then_some((year, quarter * 3, Kind::Quarter));
    }
    let (year, month) = period.split_once('-')?;
    let (year, month): (i32, u32) = (year.parse().ok()?, month.parse().ok()?);
    (1..=12).contains(&month).then_some((year, month, Kind::Month))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Year,
    Quarter,
    Month,
}

/// The period `months` after `period`, written the same way (`2025` + 12 = `2026`,
/// `2025-Q4` + 12 = `2026-Q4`, `2025-Q2` + 3 = `2025-Q3`, `2025-12` + 1 = `2026-01`).
pub fn next_period(period: &str, months: u32) -> Option<String> {
    let (year, month, kind) = parse(period)?;
    let index = year * 12 + month as i32 - 1 + months as i32;
    let (year, month) = (index.div_euclid(12), index.rem_euclid(12) as u32 + 1);
    Some(match kind {
        Kind::Year if month == 12 => year.to_string(),
        Kind::Quarter | Kind::Year if month % 3 == 0 => format!("{year}-Q{}", month / 3),
        _ => format!("{year}-{month:02}"),
    })
}

/// The last day of a period.
pub fn period_end(period: &str) -> Option<NaiveDate> {
    let (year, month, _) = parse(period)?;
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    first_of_next.pred_opt()
}

/// The data status as of `as_of` of a series whose latest period is `latest` (None:
/// no data), observed at `frequency`, published `lag_days` after a period ends.
pub fn assess(
    latest: Option<&str>,
    frequency: &str,
    lag_days: u32,
    as_of: NaiveDate,
) -> (DataStatus, Option<Freshness>) {
    let Some(latest) = latest else {
        return (DataStatus::Missing, None);
    };
    let next = cadence_months(frequency).and_then(|m| next_period(latest, m));
    let due = next
        .as_deref()
        .and_then(period_end)
        .and_then(|end| end.checked_add_days(Days::new(u64::from(lag_days))));
    match (next, due) {
        (Some(next_period), Some(due)) => {
            let status = if as_of > due { DataStatus::Overdue } else { DataStatus::Current };
            (status, Some(Freshness { latest_period: latest.to_string(), next_period, due }))
        }
        _ => (DataStatus::Current, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_next_period_and_its_due_date() {
        assert_eq!(next_period("2025", 12).unwrap(), "2026");
        assert_eq!(next_period("2024", 24).unwrap(), "2026");
        assert_eq!(next_period("2025-Q4", 12).unwrap(), "2026-Q4");
        assert_eq!(next_period("2025-Q4", 3).unwrap(), "2026-Q1");
        assert_eq!(next_period("2025-12", 1).unwrap(), "2026-01");
        assert_eq!(period_end("2025-Q2").unwrap(), date(2025, 6, 30));
        assert_eq!(period_end("2024-02").unwrap(), date(2024, 2, 29));
        // Labelled startups, annual, 2025 published: 2026 is due 90 days after
        // 31 December 2026, on 31 March 2027; current on 3 December 2026.
        let (status, freshness) = assess(Some("2025"), "annual", 90, date(2026, 12, 3));
        let freshness = freshness.unwrap();
        assert_eq!((status, freshness.next_period.as_str()), (DataStatus::Current, "2026"));
        assert_eq!(freshness.due, date(2027, 3, 31));
        // Offshoring jobs, quarterly, 2025-Q2: 2025-Q3 was due on 29 December 2025.
        let (status, freshness) = assess(Some("2025-Q2"), "quarterly", 90, date(2026, 12, 3));
        assert_eq!(status, DataStatus::Overdue);
        assert_eq!(freshness.unwrap().due, date(2025, 12, 29));
        // The day it is due it is still current.
        assert_eq!(
            assess(Some("2025-Q2"), "quarterly", 90, date(2025, 12, 29)).0,
            DataStatus::Current
        );
        assert_eq!(assess(None, "annual", 90, date(2026, 1, 1)).0, DataStatus::Missing);
    }
}
