//! Trajectories, projections and progress status: the arithmetic behind "where are
//! we, where must we be, are we on the way". Pure functions over (year, value) points,
//! so every figure can be checked by hand.
//!
//! Progress status follows the Open SDG / UN ESCAP rule (sdg-build's
//! `measure_indicator_progress`): with a target, ratio = observed compound annual
//! growth ÷ required compound annual growth; ≥ 0.95 on track, 0.6–0.95 needs
//! acceleration, 0–0.6 limited progress, < 0 deterioration; target met = achieved.
//! Without a target, the observed growth itself is graded: ≥ 1.5 % a year on track,
//! 0.5–1.5 % needs acceleration, 0–0.5 % limited, < 0 deterioration. Fewer than two
//! points: not assessable.

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
            ProgressStatus::NotAssessable => "not_assessable",
        }
    }
}

/// Compound annual growth rate between two points (0.07 = +7 % a year). `None` when
/// it is undefined: same time, or values not both positive.
pub fn cagr(from: Point, to: Point) -> Option<f64> {
    let years = to.year - from.year;
    if years <= 0.0 || from.value <= 0.0 || to.value <= 0.0 {
        return None;
    }
    Some((to.value / from.value).powf(1.0 / years) - 1.0)
}

/// The straight line from `baseline` to `target`, at `year`.
pub fn linear_path(baseline: Point, target: Point, year: f64) -> f64 {
    if target.year == baseline.year {
        return target.value;
    }
    baseline.value
        + (target.value - baseline.value) * (year - baseline.year) / (target.year - baseline.year)
}

/// The constant-growth path from `baseline` to `target`, at `year`; `None` when the
/// values are not both positive.
pub fn growth_path(baseline: Point, target: Point, year: f64) -> Option<f64> {
    let rate = cagr(baseline, target)?;
    Some(baseline.value * (1.0 + rate).powf(year - baseline.year))
}

/// The value at `year` if the growth observed between `from` and `to` goes on.
pub fn project(from: Point, to: Point, year: f64) -> Option<f64> {
    let rate = cagr(from, to)?;
    Some(to.value * (1.0 + rate).powf(year - to.year))
}

/// The compound annual growth needed from `latest` to reach `target` on time.
pub fn required_growth(latest: Point, target: Point) -> Option<f64> {
    cagr(latest, target)
}

/// The constant annual change (in the indicator's unit) needed from `latest` to
/// reach `target` on time.
pub fn required_annual_change(latest: Point, target: Point) -> Option<f64> {
    let years = target.year - latest.year;
    (years > 0.0).then(|| (target.value - latest.value) / years)
}

/// The (fractional) year the target is reached if the growth observed between
/// `from` and `to` goes on; `None` if it never is at that pace.
pub fn year_reached(
    from: Point,
    to: Point,
    target_value: f64,
    direction: Direction,
) -> Option<f64> {
    if met(to.value, target_value, direction) {
        return Some(to.year);
    }
    let rate = cagr(from, to)?;
    let moving_right_way = match direction {
        Direction::Higher => rate > 0.0,
        Direction::Lower => rate < 0.0,
    };
    if !moving_right_way || target_value <= 0.0 {
        return None;
    }
    Some(to.year + (target_value / to.value).ln() / (1.0 + rate).ln())
}

fn met(value: f64, target: f64, direction: Direction) -> bool {
    match direction {
        Direction::Higher => value >= target,
        Direction::Lower => value <= target,
    }
}

/// Open SDG thresholds on the ratio of observed to required growth.
pub const ON_TRACK_RATIO: f64 = 0.95;
pub const ACCELERATION_RATIO: f64 = 0.6;
/// Thresholds on observed annual growth when no target is adopted.
pub const NO_TARGET_ON_TRACK_GROWTH: f64 = 0.015;
pub const NO_TARGET_ACCELERATION_GROWTH: f64 = 0.005;

/// The progress status and the ratio (or growth, without a target) it rests on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub status: ProgressStatus,
    /// Observed ÷ required growth (with a target), or the observed growth (without).
    pub ratio: Option<f64>,
    pub observed_growth: Option<f64>,
    pub required_growth: Option<f64>,
}

/// Assesses progress from `base` (the first point of the comparable series) to
/// `latest`, against `target` if one is adopted.
pub fn assess(
    base: Option<Point>,
    latest: Option<Point>,
    target: Option<Point>,
    direction: Direction,
) -> Assessment {
    let not_assessable = Assessment {
        status: ProgressStatus::NotAssessable,
        ratio: None,
        observed_growth: None,
        required_growth: None,
    };
    let (Some(base), Some(latest)) = (base, latest) else {
        return not_assessable;
    };
    if latest.year <= base.year {
        return not_assessable;
    }
    let observed = cagr(base, latest);
    match target {
        Some(target) => {
            if met(latest.value, target.value, direction) {
                return Assessment {
                    status: ProgressStatus::Achieved,
                    ratio: None,
                    observed_growth: observed,
                    required_growth: None,
                };
            }
            let required = cagr(base, target);
            let ratio = match (observed, required) {
                (Some(o), Some(r)) if r != 0.0 => o / r,
                _ => {
                    return Assessment {
                        observed_growth: observed,
                        required_growth: required,
                        ..not_assessable
                    };
                }
            };
            Assessment {
                status: grade(ratio, ON_TRACK_RATIO, ACCELERATION_RATIO),
                ratio: Some(ratio),
                observed_growth: observed,
                required_growth: required,
            }
        }
        None => {
            let Some(growth) = observed else {
                return not_assessable;
            };
            let signed = match direction {
                Direction::Higher => growth,
                Direction::Lower => -growth,
            };
            Assessment {
                status: grade(signed, NO_TARGET_ON_TRACK_GROWTH, NO_TARGET_ACCELERATION_GROWTH),
                ratio: Some(signed),
                observed_growth: observed,
                required_growth: None,
            }
        }
    }
}

/// Growth computed from values like 101.5 / 100 carries float rounding (1.4999…%);
/// thresholds are met within this tolerance.
const THRESHOLD_TOLERANCE: f64 = 1e-9;

fn grade(value: f64, on_track: f64, acceleration: f64) -> ProgressStatus {
    let value = value + THRESHOLD_TOLERANCE;
    if value >= on_track {
        ProgressStatus::OnTrack
    } else if value >= acceleration {
        ProgressStatus::NeedsAcceleration
    } else if value >= 0.0 {
        ProgressStatus::LimitedProgress
    } else {
        ProgressStatus::Deterioration
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(year: f64, value: f64) -> Point {
        Point { year, value }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn offshoring_jobs_pace_by_hand() {
        // 130,000 (end 2022) -> 148,500 (end 2024): (148500/130000)^(1/2) - 1
        // = sqrt(1.1423077) - 1 = 0.0687879...
        let growth = cagr(p(2022.0, 130_000.0), p(2024.0, 148_500.0)).unwrap();
        assert!(close(growth, (148_500.0f64 / 130_000.0).sqrt() - 1.0));
        assert!((growth - 0.068788).abs() < 1e-6);
        // At that pace: 148,500 x 1.0687880^6 = 221,348 in 2030 (< 270,000).
        let projected = project(p(2022.0, 130_000.0), p(2024.0, 148_500.0), 2030.0).unwrap();
        assert!((projected - 221_348.08).abs() < 0.01, "{projected}");
        // 270,000 is reached in 2024 + ln(270000/148500)/ln(1.0687879) = 2024 + 8.99 = 2032.99.
        let reached =
            year_reached(p(2022.0, 130_000.0), p(2024.0, 148_500.0), 270_000.0, Direction::Higher)
                .unwrap();
        assert!((reached - 2032.99).abs() < 0.01, "{reached}");
        // Needed: (270000 - 148500) / 6 = 20,250 jobs a year.
        assert_eq!(
            required_annual_change(p(2024.0, 148_500.0), p(2030.0, 270_000.0)),
            Some(20_250.0)
        );
    }

    #[test]
    fn trajectories_from_baseline_to_target() {
        let (base, target) = (p(2022.0, 130_000.0), p(2030.0, 270_000.0));
        // Straight line: 130,000 + 140,000 x 2/8 = 165,000 in 2024.
        assert_eq!(linear_path(base, target, 2024.0), 165_000.0);
        // Constant growth: (270/130)^(1/8) = 1.0956644; 130,000 x 1.0956644^2 = 156,062.46.
        assert!((growth_path(base, target, 2024.0).unwrap() - 156_062.46).abs() < 0.01);
        assert!(close(growth_path(base, target, 2030.0).unwrap(), 270_000.0));
    }

    #[test]
    fn status_with_a_target_at_each_threshold_edge() {
        // Required growth from 100 (2020) to 200 (2030): 2^(1/10) - 1 = 7.1773 % a year.
        let (base, target) = (p(2020.0, 100.0), p(2030.0, 200.0));
        let required = 2f64.powf(0.1) - 1.0;
        let at_ratio = |ratio: f64| {
            // The value in 2025 whose growth since 2020 is `ratio` x required.
            let latest = p(2025.0, 100.0 * (1.0 + ratio * required).powi(5));
            assess(Some(base), Some(latest), Some(target), Direction::Higher)
        };
        assert_eq!(at_ratio(0.95).status, ProgressStatus::OnTrack);
        assert_eq!(at_ratio(0.9499).status, ProgressStatus::NeedsAcceleration);
        assert_eq!(at_ratio(0.6).status, ProgressStatus::NeedsAcceleration);
        assert_eq!(at_ratio(0.5999).status, ProgressStatus::LimitedProgress);
        assert_eq!(at_ratio(0.0).status, ProgressStatus::LimitedProgress);
        assert_eq!(at_ratio(-0.01).status, ProgressStatus::Deterioration);
        assert_eq!(
            assess(Some(base), Some(p(2025.0, 200.0)), Some(target), Direction::Higher).status,
            ProgressStatus::Achieved
        );
        assert_eq!(
            assess(Some(base), None, Some(target), Direction::Higher).status,
            ProgressStatus::NotAssessable
        );
        assert_eq!(
            assess(Some(base), Some(base), Some(target), Direction::Higher).status,
            ProgressStatus::NotAssessable
        );
    }

    #[test]
    fn a_rank_falls_toward_its_target() {
        // EGDI rank 101 (2022) -> 90 (2024), target top 50 by 2030.
        // Observed: (90/101)^(1/2) - 1 = -5.6025 %; required: (50/101)^(1/8) - 1 = -8.4136 %;
        // ratio 0.6659: needs acceleration.
        let a = assess(
            Some(p(2022.0, 101.0)),
            Some(p(2024.0, 90.0)),
            Some(p(2030.0, 50.0)),
            Direction::Lower,
        );
        assert_eq!(a.status, ProgressStatus::NeedsAcceleration);
        assert!((a.ratio.unwrap() - 0.6659).abs() < 1e-4, "{:?}", a.ratio);
        assert_eq!(
            assess(
                Some(p(2022.0, 101.0)),
                Some(p(2024.0, 48.0)),
                Some(p(2030.0, 50.0)),
                Direction::Lower
            )
            .status,
            ProgressStatus::Achieved
        );
    }

    #[test]
    fn status_without_a_target_grades_the_growth() {
        let status = |to: f64| {
            assess(Some(p(2020.0, 100.0)), Some(p(2021.0, to)), None, Direction::Higher).status
        };
        assert_eq!(status(101.5), ProgressStatus::OnTrack);
        assert_eq!(status(101.49), ProgressStatus::NeedsAcceleration);
        assert_eq!(status(100.5), ProgressStatus::NeedsAcceleration);
        assert_eq!(status(100.49), ProgressStatus::LimitedProgress);
        assert_eq!(status(100.0), ProgressStatus::LimitedProgress);
        assert_eq!(status(99.9), ProgressStatus::Deterioration);
        // Lower is better: a 2 % fall is progress.
        assert_eq!(
            assess(Some(p(2020.0, 100.0)), Some(p(2021.0, 98.0)), None, Direction::Lower).status,
            ProgressStatus::OnTrack
        );
    }

    #[test]
    fn no_projection_when_growth_is_undefined() {
        assert_eq!(cagr(p(2020.0, 0.0), p(2021.0, 5.0)), None);
        assert_eq!(year_reached(p(2020.0, 10.0), p(2021.0, 9.0), 20.0, Direction::Higher), None);
    }
}
