//! The one method behind every "are we on track?": status, progress bar, pace line,
//! projection, year reached and the briefing's sentences all come from the
//! [`Judgment`] computed here, on the basis of the target's own baseline and its
//! straight trajectory (the EU Digital Decade's and Open SDG's "distance to the
//! trajectory"). Pure functions over (year, value) points, so every figure can be
//! checked by hand.
//!
//! The method, as the dashboard's method page states it:
//! - **Trajectory**: the straight line from the target's baseline to the target.
//!   A baseline on a scope the series no longer has (before its last break) is
//!   restated as the first comparable observation.
//! - **Done and expected**: the share of the way from the baseline to the target
//!   covered by the latest value (`done`), and the share the trajectory has covered
//!   at the same date (`expected`).
//! - **Pace observed**: the average change a year since the baseline; **pace of the
//!   trajectory**: the target's change a year; **pace needed**: the change a year
//!   from the latest value to the target. `done ÷ expected` = pace observed ÷ pace
//!   of the trajectory: one ratio, whichever way it is read.
//! - **Projection**: the latest value plus the observed pace until the target date
//!   (a straight line, the model the pace line states), bounded to the quantity's
//!   possible range (a share stays within 0–100, a rank at 1 or more). **Year
//!   reached**: the year that line meets the target; after [`HORIZON`], "not before
//!   2050"; moving away or flat, never at this pace.
//! - **Status**: achieved when the target is met; missed when its date has passed
//!   unmet; deterioration when the value is further from the target than the
//!   baseline; otherwise on track at ratio ≥ 0.95, needs acceleration at 0.6–0.95,
//!   limited progress below. Early on (less than 10 % of the way expected) a ratio
//!   of two small numbers says little, so the absolute gap decides: less than 5 % of
//!   the way behind the trajectory is on track. A zero baseline (5G at 0 %) needs no
//!   growth rate: every quantity is an absolute difference.
//! - **Without a target**: a trend, never "on track": the average change a year over
//!   the last three years of the comparable series, stable within ±1 % of the level
//!   a year ([`TREND_NOISE`]), else rising or falling.

use serde::{Deserialize, Serialize};

/// Whether a rise is good news (jobs) or bad news (a world rank).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Higher,
    Lower,
}

/// One observation, at a point in time expressed in (fractional) years: 2024.0 for a
/// year, 2024.25 for the end of Q1, and so on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub year: f64,
    pub value: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgressStatus {
    Achieved,
    OnTrack,
    NeedsAcceleration,
    LimitedProgress,
    Deterioration,
    /// The target's date has passed and it was not met.
    Missed,
    /// Without a target: the trend.
    Rising,
    Stable,
    Falling,
    NotAssessable,
}

impl ProgressStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProgressStatus::Achieved => "achieved",
            ProgressStatus::OnTrack => "on_track",
            ProgressStatus::NeedsAcceleration => "needs_acceleration",
            ProgressStatus::LimitedProgress => "limited_progress",
            ProgressStatus::Deterioration => "deterioration",
            ProgressStatus::Missed => "missed",
            ProgressStatus::Rising => "rising",
            ProgressStatus::Stable => "stable",
            ProgressStatus::Falling => "falling",
            ProgressStatus::NotAssessable => "not_assessable",
        }
    }

    /// The status named `text` ([`ProgressStatus::as_str`]).
    pub fn parse(text: &str) -> Option<ProgressStatus> {
        use ProgressStatus as S;
        [
            S::Achieved,
            S::OnTrack,
            S::NeedsAcceleration,
            S::LimitedProgress,
            S::Deterioration,
            S::Missed,
            S::Rising,
            S::Stable,
            S::Falling,
            S::NotAssessable,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// A judgment against a target that says the target is not being met on time.
    pub fn is_off_track(self) -> bool {
        matches!(
            self,
            ProgressStatus::NeedsAcceleration
                | ProgressStatus::LimitedProgress
                | ProgressStatus::Deterioration
                | ProgressStatus::Missed
        )
    }

    /// Order of urgency, the most urgent first: missed and deterioration, limited
    /// progress, needs acceleration, on track, achieved, then trends and the rest.
    pub fn urgency(self) -> u8 {
        match self {
            ProgressStatus::Missed | ProgressStatus::Deterioration => 0,
            ProgressStatus::LimitedProgress => 1,
            ProgressStatus::NeedsAcceleration => 2,
            ProgressStatus::OnTrack => 3,
            ProgressStatus::Achieved => 4,
            _ => 5,
        }
    }

    /// A trend (no target), as opposed to a judgment against a target.
    pub fn is_trend(self) -> bool {
        matches!(self, ProgressStatus::Rising | ProgressStatus::Stable | ProgressStatus::Falling)
    }
}

/// Thresholds on the ratio done ÷ expected (= pace observed ÷ pace of the trajectory).
pub const ON_TRACK_RATIO: f64 = 0.95;
pub const ACCELERATION_RATIO: f64 = 0.6;
/// Below this share of the way expected, the absolute gap decides.
pub const EARLY_EXPECTED: f64 = 0.10;
/// Early on, on track when less than this share of the way behind the trajectory.
pub const EARLY_GAP: f64 = 0.05;
/// Projections go no further: "not before 2050".
pub const HORIZON: i32 = 2050;
/// Without a target: stable when the change a year is within this share of the level.
pub const TREND_NOISE: f64 = 0.01;
/// Years of the series a trend is measured over.
pub const TREND_YEARS: f64 = 3.0;

/// Ratios computed from values like 95 / 100 carry float rounding (0.9499…);
/// thresholds are met within this tolerance.
const TOLERANCE: f64 = 1e-9;

/// When a target is reached at the observed pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "year")]
pub enum Reach {
    /// Already met, at the latest observation (its calendar year).
    Met(i32),
    /// Reached in that calendar year at the observed pace.
    In(i32),
    /// Not before [`HORIZON`] at the observed pace.
    NotBefore(i32),
    /// Never at the observed pace (flat or moving away).
    Never,
}

/// Where the value stood at a target's date, once that date has passed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub met: bool,
    /// The value at the target's date (read, or interpolated between the two
    /// observations around it).
    pub value: f64,
    /// How far short of the target (0 when met), in the indicator's unit.
    pub short_by: f64,
}

/// One target judged: the figures a status rests on, all on one basis.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Judgment {
    pub status: ProgressStatus,
    /// The start of the trajectory: the target's baseline, or the first comparable
    /// observation when the baseline is missing or on a scope the series lost.
    pub baseline: Point,
    pub baseline_restated: bool,
    /// The target, at the end of its year.
    pub target: Point,
    pub latest: Point,
    /// Where the trajectory is at the latest observation's date.
    pub on_path: f64,
    /// Shares of the way from the baseline to the target (0.25 = a quarter).
    pub done: f64,
    pub expected: f64,
    /// done ÷ expected; None when nothing was expected yet.
    pub ratio: Option<f64>,
    /// Changes a year, in the indicator's unit: observed since the baseline, that
    /// of the trajectory, and needed from the latest value (None once the date has
    /// passed).
    pub pace_observed: f64,
    pub pace_path: f64,
    pub pace_needed: Option<f64>,
    /// The value at the target's date at the observed pace, bounded.
    pub projection: f64,
    pub reach: Reach,
    /// Once the target's date has passed: met, or missed by how much.
    pub verdict: Option<Verdict>,
}

impl Judgment {
    /// The shortfall projected at the target's date (0 when the projection meets
    /// it), in the indicator's unit.
    pub fn projected_short_by(&self, direction: Direction) -> f64 {
        short_by(self.projection, self.target.value, direction)
    }
}

/// The trend of a series without a target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    pub status: ProgressStatus,
    pub from: Point,
    pub to: Point,
    /// Average change a year between `from` and `to`.
    pub per_year: f64,
    /// The change a year within which the series is called stable.
    pub noise: f64,
}

/// What a quantity can be: a share stays within 0–100, a rank is 1 or more, a count
/// or an amount is 0 or more.
pub fn bounds(unit: &str) -> (f64, f64) {
    match unit {
        "percent" => (0.0, 100.0),
        "rank" => (1.0, f64::INFINITY),
        "index" => (0.0, 1.0),
        _ => (0.0, f64::INFINITY),
    }
}

fn met(value: f64, target: f64, direction: Direction) -> bool {
    match direction {
        Direction::Higher => value >= target - TOLERANCE * target.abs().max(1.0),
        Direction::Lower => value <= target + TOLERANCE * target.abs().max(1.0),
    }
}

fn short_by(value: f64, target: f64, direction: Direction) -> f64 {
    if met(value, target, direction) { 0.0 } else { (target - value).abs() }
}

/// The straight line from `baseline` to `target`, at `year`.
pub fn linear_path(baseline: Point, target: Point, year: f64) -> f64 {
    if target.year == baseline.year {
        return target.value;
    }
    baseline.value
        + (target.value - baseline.value) * (year - baseline.year) / (target.year - baseline.year)
}

/// The value of `series` (time-ordered) at `year`: the observation there, or the
/// straight line between the two around it; None outside the series.
pub fn value_at(series: &[Point], year: f64) -> Option<f64> {
    if let Some(p) = series.iter().find(|p| (p.year - year).abs() < 1e-6) {
        return Some(p.value);
    }
    let after = series.iter().position(|p| p.year > year)?;
    let before = series[..after].last()?;
    Some(linear_path(*before, series[after], year))
}

/// The period a point in time ends: `2024` for 2025.0 (the end of 2024),
/// `2025-Q2` for 2025.5, `2025-07` for the end of July.
pub fn period_of(at: f64) -> String {
    let year = at.floor();
    let months = ((at - year) * 12.0).round() as i32;
    match months {
        0 | 12 => format!("{}", year as i32 - 1 + months / 12),
        3 | 6 | 9 => format!("{}-Q{}", year as i32, months / 3),
        m => format!("{}-{m:02}", year as i32),
    }
}

/// The calendar year of a point in time (2031.0, the end of 2030, is 2030).
fn calendar_year(at: f64) -> i32 {
    (at - 1.0 - 1e-9).ceil() as i32
}

/// Judges `series` (comparable, time-ordered) against `target` from `baseline`.
/// `series` may reach past the target's date (a milestone already due): the
/// verdict reads the value at that date; the status is then achieved or missed.
pub fn judge(
    baseline: Point,
    baseline_restated: bool,
    target: Point,
    series: &[Point],
    direction: Direction,
    unit: &str,
) -> Option<Judgment> {
    judge_within(baseline, baseline_restated, target, series, direction, bounds(unit))
}

/// [`judge`] with the quantity's range given: `(low, high)`, for example the unit's
/// [`bounds`] with a ceiling from the census (fibre-eligible households cannot
/// outnumber households).
pub fn judge_within(
    baseline: Point,
    baseline_restated: bool,
    target: Point,
    series: &[Point],
    direction: Direction,
    (low, high): (f64, f64),
) -> Option<Judgment> {
    let latest = *series.last()?;
    if target.year <= baseline.year || latest.year < baseline.year {
        return None;
    }
    let way = target.value - baseline.value;
    let share = |v: f64| if way.abs() > f64::EPSILON { (v - baseline.value) / way } else { 1.0 };
    // After the target's date the judgment is of the value at that date.
    let at = latest.year.min(target.year);
    let value = if latest.year > target.year {
        value_at(series, target.year).unwrap_or(latest.value)
    } else {
        latest.value
    };
    let elapsed = latest.year - baseline.year;
    // No time since the baseline: nothing to judge, unless the target is met.
    if elapsed <= 0.0 && !met(value, target.value, direction) {
        return None;
    }
    let on_path = linear_path(baseline, target, at);
    let done = share(value);
    let expected = share(on_path);
    let pace_observed = if elapsed > 0.0 { (latest.value - baseline.value) / elapsed } else { 0.0 };
    let pace_path = way / (target.year - baseline.year);
    let remaining = target.year - latest.year;
    let pace_needed = (remaining > 0.0).then(|| (target.value - latest.value) / remaining);
    let projection = (latest.value + pace_observed * remaining.max(0.0)).clamp(low, high);
    let reach = if met(latest.value, target.value, direction) {
        Reach::Met(calendar_year(latest.year))
    } else {
        let toward = pace_observed * (target.value - latest.value).signum();
        if toward <= TOLERANCE {
            Reach::Never
        } else {
            let when = latest.year + (target.value - latest.value).abs() / toward;
            let year = calendar_year(when);
            if year > HORIZON { Reach::NotBefore(HORIZON) } else { Reach::In(year) }
        }
    };
    let verdict = (latest.year >= target.year - 1e-9).then(|| Verdict {
        met: met(value, target.value, direction),
        value,
        short_by: short_by(value, target.value, direction),
    });
    let ratio = (expected > TOLERANCE).then(|| done / expected);
    let status = if met(value, target.value, direction) {
        ProgressStatus::Achieved
    } else if verdict.is_some() {
        ProgressStatus::Missed
    } else if done < -TOLERANCE {
        ProgressStatus::Deterioration
    } else if expected < EARLY_EXPECTED && expected - done < EARLY_GAP {
        ProgressStatus::OnTrack
    } else {
        let r = ratio.unwrap_or(0.0) + TOLERANCE;
        if r >= ON_TRACK_RATIO {
            ProgressStatus::OnTrack
        } else if r >= ACCELERATION_RATIO {
            ProgressStatus::NeedsAcceleration
        } else {
            ProgressStatus::LimitedProgress
        }
    };
    Some(Judgment {
        status,
        baseline,
        baseline_restated,
        target,
        latest,
        on_path,
        done,
        expected,
        ratio,
        pace_observed,
        pace_path,
        pace_needed,
        projection,
        reach,
        verdict,
    })
}

/// The trend of `series` (comparable, time-ordered): from the earliest point in the
/// last [`TREND_YEARS`] years (or the one before the latest, for a series observed
/// less often) to the latest.
pub fn trend(series: &[Point]) -> Option<Trend> {
    let to = *series.last()?;
    let earlier = &series[..series.len() - 1];
    let from = *earlier
        .iter()
        .find(|p| p.year >= to.year - TREND_YEARS - 1e-6)
        .or_else(|| earlier.last())?;
    let years = to.year - from.year;
    if years <= 0.0 {
        return None;
    }
    let per_year = (to.value - from.value) / years;
    let level = if to.value.abs() > f64::EPSILON { to.value.abs() } else { from.value.abs() };
    let noise = TREND_NOISE * level;
    let status = if per_year.abs() <= noise + TOLERANCE {
        ProgressStatus::Stable
    } else if per_year > 0.0 {
        ProgressStatus::Rising
    } else {
        ProgressStatus::Falling
    };
    Some(Trend { status, from, to, per_year, noise })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(year: f64, value: f64) -> Point {
        Point { year, value }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6 * b.abs().max(1.0)
    }

    #[test]
    fn labelled_startups_by_hand() {
        // Baseline 380 (end 2022), target 3,000 (end 2030); 1,020 at the end of 2025.
        // Done (1020-380)/(3000-380) = 640/2620 = 24.43 %; expected 3/8 = 37.5 %;
        // ratio 0.6514: needs acceleration. Pace 640/3 = 213.33 a year; trajectory
        // 2620/8 = 327.5; needed (3000-1020)/5 = 396. Projection 1020 + 5 x 213.33
        // = 2086.67; 3,000 is 1980/213.33 = 9.28 years after end 2025: during 2035.
        let j = judge(
            p(2023.0, 380.0),
            false,
            p(2031.0, 3000.0),
            &[p(2023.0, 380.0), p(2024.0, 590.0), p(2025.0, 830.0), p(2026.0, 1020.0)],
            Direction::Higher,
            "count",
        )
        .unwrap();
        assert_eq!(j.status, ProgressStatus::NeedsAcceleration);
        assert!(close(j.done, 640.0 / 2620.0) && close(j.expected, 0.375));
        assert!(close(j.ratio.unwrap(), 0.651_399), "{:?}", j.ratio);
        assert!(close(j.pace_observed, 213.333_333) && close(j.pace_path, 327.5));
        assert_eq!(j.pace_needed, Some(396.0));
        assert!(close(j.projection, 2_086.666_667), "{}", j.projection);
        assert_eq!(j.reach, Reach::In(2035));
        assert_eq!(j.verdict, None);
        // The ratio is also pace observed / pace of the trajectory.
        assert!(close(j.ratio.unwrap(), j.pace_observed / j.pace_path));
    }

    #[test]
    fn a_zero_baseline_is_an_absolute_gap() {
        // 5G: 0 % at the end of 2024 -> 85 % by the end of 2030; 0 % at mid-2025.
        // Expected 0.5/6 = 8.33 % of the way, done 0: more than 5 % behind early on,
        // ratio 0: limited progress; never reached at a pace of 0.
        let series = [p(2025.0, 0.0), p(2025.5, 0.0)];
        let j =
            judge(p(2025.0, 0.0), false, p(2031.0, 85.0), &series, Direction::Higher, "percent")
                .unwrap();
        assert_eq!(j.status, ProgressStatus::LimitedProgress);
        assert_eq!(j.reach, Reach::Never);
        assert!(close(j.pace_needed.unwrap(), 85.0 / 5.5));
        // 2 % at the end of Q1 2025: expected 0.25/6 = 4.2 %, done 2/85 = 2.4 %,
        // 1.8 % of the way behind: on track by the absolute gap (ratio 0.56 alone
        // would say limited progress).
        let early = [p(2025.0, 0.0), p(2025.25, 2.0)];
        let j = judge(p(2025.0, 0.0), false, p(2031.0, 85.0), &early, Direction::Higher, "percent")
            .unwrap();
        assert_eq!(j.status, ProgressStatus::OnTrack);
        assert!(close(j.ratio.unwrap(), (2.0 / 85.0) / (0.25 / 6.0)));
    }

    #[test]
    fn projections_are_bounded() {
        // A share rising 20 points a year from 60 % at the end of 2025 would pass
        // 100 % in 2028: the projection to 2030 stops at 100.
        let j = judge(
            p(2024.0, 40.0),
            false,
            p(2031.0, 100.0),
            &[p(2024.0, 40.0), p(2026.0, 80.0)],
            Direction::Higher,
            "percent",
        )
        .unwrap();
        assert_eq!(j.projection, 100.0);
        assert_eq!(j.reach, Reach::In(2026));
        // MAD 0.26 bn (2022) -> 0.27 bn (2025) against 7 bn in 2030: 3.33 M a year,
        // 6.73 bn to go: 2,019 years. Not before 2050.
        let j = judge(
            p(2023.0, 0.26e9),
            false,
            p(2031.0, 7e9),
            &[p(2023.0, 0.26e9), p(2026.0, 0.27e9)],
            Direction::Higher,
            "MAD",
        )
        .unwrap();
        assert_eq!(j.reach, Reach::NotBefore(2050));
        assert_eq!(j.status, ProgressStatus::LimitedProgress);
        // A ceiling from the census: fibre-eligible households, 1.5 M at the end of
        // 2022 and 3.0 M a year later, rising 1.5 M a year, would be 13.5 M at the
        // end of 2030; there are 9.28 M households, so the projection stops there.
        let steep = [p(2023.0, 1.5e6), p(2024.0, 3.0e6)];
        let j = judge_within(
            p(2023.0, 1.5e6),
            false,
            p(2031.0, 5.6e6),
            &steep,
            Direction::Higher,
            (0.0, 9.28e6),
        )
        .unwrap();
        assert_eq!(j.projection, 9.28e6);
    }

    #[test]
    fn a_rank_gains_places_toward_its_target() {
        // EGDI rank 101 (2022) -> 90 (2024), top 50 by 2030: 11 of 51 places done
        // (21.57 %) against 2 of 8 years (25 %): ratio 0.8627, needs acceleration.
        // Gains 5.5 places a year; needs 40/6 = 6.67. Projection 90 - 6 x 5.5 = 57;
        // 50 is reached 40/5.5 = 7.27 years after end 2024: during 2032.
        let j = judge(
            p(2023.0, 101.0),
            false,
            p(2031.0, 50.0),
            &[p(2023.0, 101.0), p(2025.0, 90.0)],
            Direction::Lower,
            "rank",
        )
        .unwrap();
        assert_eq!(j.status, ProgressStatus::NeedsAcceleration);
        assert!(close(j.ratio.unwrap(), (11.0 / 51.0) / 0.25));
        assert!(close(j.pace_observed, -5.5) && close(j.projection, 57.0));
        assert_eq!(j.reach, Reach::In(2032));
        // Rank 120 (worse than the baseline): deterioration.
        let worse = [p(2023.0, 101.0), p(2025.0, 120.0)];
        let j = judge(p(2023.0, 101.0), false, p(2031.0, 50.0), &worse, Direction::Lower, "rank")
            .unwrap();
        assert_eq!((j.status, j.reach), (ProgressStatus::Deterioration, Reach::Never));
    }

    #[test]
    fn a_milestone_whose_date_has_passed_gets_a_verdict() {
        // Milestone 190,000 jobs by the end of 2026, baseline 130,000 (2022); the
        // series reads 168,000 at the end of 2026 and 175,000 at mid-2027: missed by
        // 22,000.
        let series = [p(2023.0, 130_000.0), p(2027.0, 168_000.0), p(2027.5, 175_000.0)];
        let j = judge(
            p(2023.0, 130_000.0),
            false,
            p(2027.0, 190_000.0),
            &series,
            Direction::Higher,
            "jobs",
        )
        .unwrap();
        assert_eq!(j.status, ProgressStatus::Missed);
        let verdict = j.verdict.unwrap();
        assert_eq!((verdict.met, verdict.value, verdict.short_by), (false, 168_000.0, 22_000.0));
        // Between two observations the value at the date is interpolated:
        // 160,000 (mid-2026) and 200,000 (mid-2027) give 180,000 at the end of 2026.
        let series = [p(2023.0, 130_000.0), p(2026.5, 160_000.0), p(2027.5, 200_000.0)];
        let j = judge(
            p(2023.0, 130_000.0),
            false,
            p(2027.0, 190_000.0),
            &series,
            Direction::Higher,
            "jobs",
        )
        .unwrap();
        assert_eq!(j.verdict.unwrap().value, 180_000.0);
        assert_eq!(j.status, ProgressStatus::Missed);
        // Met early: achieved, reached at the latest observation.
        let series = [p(2023.0, 380.0), p(2026.0, 1020.0)];
        let j =
            judge(p(2023.0, 380.0), false, p(2027.0, 1000.0), &series, Direction::Higher, "count")
                .unwrap();
        assert_eq!((j.status, j.reach), (ProgressStatus::Achieved, Reach::Met(2025)));
    }

    #[test]
    fn status_at_each_threshold_edge() {
        // Baseline 0 (end 2020) -> 100 (end 2030); at the end of 2025 half is expected.
        let status = |value: f64| {
            judge(
                p(2021.0, 0.0),
                false,
                p(2031.0, 100.0),
                &[p(2021.0, 0.0), p(2026.0, value)],
                Direction::Higher,
                "count",
            )
            .unwrap()
            .status
        };
        assert_eq!(status(47.5), ProgressStatus::OnTrack);
        assert_eq!(status(47.49), ProgressStatus::NeedsAcceleration);
        assert_eq!(status(30.0), ProgressStatus::NeedsAcceleration);
        assert_eq!(status(29.99), ProgressStatus::LimitedProgress);
        assert_eq!(status(0.0), ProgressStatus::LimitedProgress);
        assert_eq!(status(-0.01), ProgressStatus::Deterioration);
        assert_eq!(status(100.0), ProgressStatus::Achieved);
    }

    #[test]
    fn points_in_time_name_their_period() {
        assert_eq!(period_of(2025.0), "2024");
        assert_eq!(period_of(2025.5), "2025-Q2");
        assert_eq!(period_of(2025.0 + 7.0 / 12.0), "2025-07");
    }

    #[test]
    fn a_trend_without_a_target() {
        // 57.1 (2015) ... 84.1 (2020), 88.1 (2021), 89.9 (2022): the last three years
        // run from the end of 2020 (84.1) to the end of 2022 (89.9): +2.9 a year,
        // above 1 % of 89.9 (0.899): rising.
        let series = [p(2016.0, 57.1), p(2021.0, 84.1), p(2022.0, 88.1), p(2023.0, 89.9)];
        let t = trend(&series).unwrap();
        assert_eq!(t.status, ProgressStatus::Rising);
        assert_eq!(t.from, p(2021.0, 84.1));
        assert!(close(t.per_year, 2.9) && close(t.noise, 0.899));
        // +0.5 a year on a level of 60: within 0.6, stable; -1 a year: falling.
        assert_eq!(
            trend(&[p(2020.0, 59.5), p(2021.0, 60.0)]).unwrap().status,
            ProgressStatus::Stable
        );
        assert_eq!(
            trend(&[p(2020.0, 61.0), p(2021.0, 60.0)]).unwrap().status,
            ProgressStatus::Falling
        );
        // A biennial survey: the point before the latest, four years back.
        let t = trend(&[p(2015.0, 10.0), p(2019.0, 14.0)]).unwrap();
        assert!(close(t.per_year, 1.0));
        assert_eq!(trend(&[p(2020.0, 1.0)]), None);
    }
}
