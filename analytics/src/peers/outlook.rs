//! Morocco among its peers: the projection of a relative target (issue 18).
//!
//! The UN E-Government Development Index is the mean of three components, the
//! online services, human capital and telecommunication infrastructure indices,
//! each on 0–1. A place in the top 50 is relative: it depends on where the others
//! will be. The method, for every country and component, from its own past survey
//! editions:
//!
//! - **Own pace**: the slope of the least-squares line through its last (up to)
//!   [`PACE_EDITIONS`] editions, per year; projected value = last value + slope ×
//!   years ahead, bounded to [0, 1]. One edition only: no projection.
//! - **Faster pace**: the 75th percentile of its own yearly gains between
//!   consecutive editions among its last [`FASTER_EDITIONS`] (ten years of
//!   biennial surveys: the early editions' jumps came with changes of method),
//!   when that is above its own pace (a country that kept its best years' pace),
//!   same bounds.
//! - A projected index is the mean of the projected components; countries are
//!   ranked on it, highest first (equal scores share a rank).
//! - The **threshold** for rank `n` is the `n`-th highest projected index among
//!   the *other* countries: a country ranks `n` or better exactly when it scores at
//!   least that. The score a country needs is the threshold; the yearly gain it
//!   needs is (threshold − its latest index) ÷ years to the survey.
//! - Each component's **lever**: what it adds to the index by the survey at the
//!   country's own pace (its projected change ÷ 3), so the Commission sees which
//!   moves the rank most.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Editions the own-pace slope is fitted on, the latest ones.
pub const PACE_EDITIONS: usize = 3;

/// Editions whose gains the faster pace takes its 75th percentile of.
pub const FASTER_EDITIONS: usize = 6;

/// The three components of the index, in the UN's order.
pub const COMPONENTS: [&str; 3] = ["osi", "hci", "tii"];

/// One survey edition of one country: the year and the three components.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edition {
    pub year: i32,
    pub osi: f64,
    pub hci: f64,
    pub tii: f64,
}

impl Edition {
    pub fn index(&self) -> f64 {
        (self.osi + self.hci + self.tii) / 3.0
    }

    fn component(&self, k: usize) -> f64 {
        [self.osi, self.hci, self.tii][k]
    }
}

/// How the others are assumed to move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    OwnPace,
    FasterPace,
}

/// Slope per year of the least-squares line through `points` (year, value).
fn slope(points: &[(f64, f64)]) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let (mx, my) = points.iter().fold((0.0, 0.0), |(x, y), p| (x + p.0 / n, y + p.1 / n));
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// The 75th percentile (linear interpolation between ranks) of `values`.
fn p75(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let at = 0.75 * (values.len() - 1) as f64;
    let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
    Some(values[lo] + (values[hi] - values[lo]) * (at - lo as f64))
}

/// A component's pace per year under `scenario`, from `editions` (oldest first).
fn pace(editions: &[Edition], k: usize, scenario: Scenario) -> Option<f64> {
    let recent = &editions[editions.len().saturating_sub(PACE_EDITIONS)..];
    let points: Vec<(f64, f64)> =
        recent.iter().map(|e| (f64::from(e.year), e.component(k))).collect();
    let own = slope(&points)?;
    match scenario {
        Scenario::OwnPace => Some(own),
        Scenario::FasterPace => {
            let mut gains: Vec<f64> = editions[editions.len().saturating_sub(FASTER_EDITIONS)..]
                .windows(2)
                .filter(|w| w[1].year > w[0].year)
                .map(|w| (w[1].component(k) - w[0].component(k)) / f64::from(w[1].year - w[0].year))
                .collect();
            Some(p75(&mut gains).map_or(own, |p| p.max(own)))
        }
    }
}

/// The country's components projected to `year` (bounded to [0, 1]); `None` with
/// fewer than two editions.
pub fn project(editions: &[Edition], year: i32, scenario: Scenario) -> Option<[f64; 3]> {
    let last = editions.last()?;
    let ahead = f64::from(year - last.year);
    let mut out = [0.0; 3];
    for (k, value) in out.iter_mut().enumerate() {
        *value = (last.component(k) + pace(editions, k, scenario)? * ahead).clamp(0.0, 1.0);
    }
    Some(out)
}

/// What a country needs to rank `rank` or better in the survey of `year`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outlook {
    /// The `rank`-th highest projected index among the other countries.
    pub threshold: f64,
    /// The country's index projected at its own pace, and the rank it gives.
    pub projected: f64,
    pub projected_rank: usize,
    /// (threshold − latest index) ÷ years to the survey.
    pub needed_yearly_gain: f64,
    /// What each component adds to the index by then at the country's own pace.
    pub levers: [f64; 3],
}

/// The outlook of `country` for rank `rank` in `year`, the others moving as
/// `scenario` says (the country itself at its own pace). `None` when the country
/// or fewer than `rank` others can be projected.
pub fn outlook(
    editions: &BTreeMap<String, Vec<Edition>>,
    country: &str,
    year: i32,
    rank: usize,
    scenario: Scenario,
) -> Option<Outlook> {
    let mine = editions.get(country)?;
    let last = mine.last()?;
    let own = project(mine, year, Scenario::OwnPace)?;
    let projected = own.iter().sum::<f64>() / 3.0;
    let mut others: Vec<f64> = editions
        .iter()
        .filter(|(c, _)| c.as_str() != country)
        .filter_map(|(_, e)| project(e, year, scenario))
        .map(|p| p.iter().sum::<f64>() / 3.0)
        .collect();
    if others.len() < rank || rank == 0 {
        return None;
    }
    others.sort_by(|a, b| b.total_cmp(a));
    let threshold = others[rank - 1];
    let projected_rank = 1 + others.iter().filter(|o| **o > projected + 1e-12).count();
    let years = f64::from(year - last.year);
    let needed_yearly_gain = if years > 0.0 { (threshold - last.index()) / years } else { 0.0 };
    let mut levers = [0.0; 3];
    for (k, lever) in levers.iter_mut().enumerate() {
        *lever = (own[k] - last.component(k)) / 3.0;
    }
    Some(Outlook { threshold, projected, projected_rank, needed_yearly_gain, levers })
}

/// Ranks of `scores`, highest first, equal scores sharing a rank and the next
/// rank skipping as many places (1, 2, 2, 4): how the UN ranks the index. The UN
/// ranks its unrounded scores; from the published (rounded) scores, two countries
/// with the same published score share a rank where the UN may have split them by
/// one place.
pub fn competition_ranks(scores: &[f64]) -> Vec<usize> {
    scores.iter().map(|s| 1 + scores.iter().filter(|o| **o > *s).count()).collect()
}

/// The rank of each of `scores` within the group of the entries `member` keeps
/// (the others `None`), competition ranks as [`competition_ranks`].
pub fn group_ranks(scores: &[f64], member: &[bool]) -> Vec<Option<usize>> {
    scores
        .iter()
        .zip(member)
        .map(|(s, m)| {
            m.then(|| 1 + scores.iter().zip(member).filter(|(o, om)| **om && **o > *s).count())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(year: i32, osi: f64, hci: f64, tii: f64) -> Edition {
        Edition { year, osi, hci, tii }
    }

    /// Four countries, three editions each (2020, 2022, 2024), rank 2 in 2030.
    ///
    /// - A: every component +0.02 an edition (+0.01 a year): 2030 = 2024 + 0.06 →
    ///   0.86, 0.86, 0.86 → index 0.86.
    /// - B: flat at 0.70: index 0.70 under both scenarios.
    /// - C: osi 0.50, 0.56, 0.58 (gains +0.03, +0.01 a year), hci and tii flat at
    ///   0.60. Own pace: least squares through (2020, .50), (2022, .56), (2024, .58):
    ///   mean x 2022, mean y 0.5467; sxy = (−2)(−.0467) + 0 + 2(.0333) = 0.16,
    ///   sxx = 8 → 0.02 a year → osi 2030 = 0.58 + 0.12 = 0.70, index
    ///   (0.70 + 0.60 + 0.60) / 3 = 0.6333. Faster pace: the 75th percentile of
    ///   its yearly gains {0.01, 0.03} = 0.01 + 0.75 × 0.02 = 0.025 → osi 0.73,
    ///   index 0.6433.
    /// - M (the country): osi 0.40, 0.44, 0.48 (+0.02 a year), hci 0.70, tii 0.50
    ///   flat: latest index (0.48 + 0.70 + 0.50) / 3 = 0.56; 2030 osi 0.60, index
    ///   0.60.
    ///
    /// Others' projected indices: A 0.86, B 0.70, C 0.6333 (0.6433 faster): the
    /// 2nd highest is B's 0.70 under both scenarios: threshold 0.70. M projected
    /// 0.60: A, B and C above → rank 4. Needed: (0.70 − 0.56) ÷ 6 = 0.02333 a
    /// year. Levers at its own pace: osi (0.60 − 0.48) ÷ 3 = 0.04, hci and tii 0.
    #[test]
    fn the_rank_threshold_and_the_gain_needed_follow_the_documented_method() {
        let editions = BTreeMap::from([
            (
                "A".to_string(),
                vec![
                    e(2020, 0.76, 0.76, 0.76),
                    e(2022, 0.78, 0.78, 0.78),
                    e(2024, 0.80, 0.80, 0.80),
                ],
            ),
            (
                "B".to_string(),
                vec![
                    e(2020, 0.70, 0.70, 0.70),
                    e(2022, 0.70, 0.70, 0.70),
                    e(2024, 0.70, 0.70, 0.70),
                ],
            ),
            (
                "C".to_string(),
                vec![
                    e(2020, 0.50, 0.60, 0.60),
                    e(2022, 0.56, 0.60, 0.60),
                    e(2024, 0.58, 0.60, 0.60),
                ],
            ),
            (
                "M".to_string(),
                vec![
                    e(2020, 0.40, 0.70, 0.50),
                    e(2022, 0.44, 0.70, 0.50),
                    e(2024, 0.48, 0.70, 0.50),
                ],
            ),
        ]);
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        let c = project(&editions["C"], 2030, Scenario::OwnPace).unwrap();
        close(c[0], 0.70);
        let c_fast = project(&editions["C"], 2030, Scenario::FasterPace).unwrap();
        close(c_fast[0], 0.73);
        for scenario in [Scenario::OwnPace, Scenario::FasterPace] {
            let o = outlook(&editions, "M", 2030, 2, scenario).unwrap();
            close(o.threshold, 0.70);
            close(o.projected, 0.60);
            assert_eq!(o.projected_rank, 4);
            close(o.needed_yearly_gain, 0.14 / 6.0);
            close(o.levers[0], 0.04);
            close(o.levers[1], 0.0);
        }
        // Rank 3 is C's: 0.6333 at its own pace, 0.6433 at the faster one.
        close(outlook(&editions, "M", 2030, 3, Scenario::OwnPace).unwrap().threshold, 1.9 / 3.0);
        close(
            outlook(&editions, "M", 2030, 3, Scenario::FasterPace).unwrap().threshold,
            1.93 / 3.0,
        );
    }

    #[test]
    fn a_group_rank_counts_only_the_group() {
        // World: 0.9 (out), 0.8, 0.8, 0.7 (out), 0.6 → in the group: 1, 1, 3.
        let ranks = group_ranks(&[0.9, 0.8, 0.8, 0.7, 0.6], &[false, true, true, false, true]);
        assert_eq!(ranks, vec![None, Some(1), Some(1), None, Some(3)]);
    }

    /// Bounded to the index's range: a country rising 0.05 a year from 0.95 stops
    /// at 1; one edition only cannot be projected; rank 0 or more ranks than
    /// others: no outlook.
    #[test]
    fn projections_stay_in_range_and_need_two_editions() {
        let fast = [e(2022, 0.85, 0.85, 0.85), e(2024, 0.95, 0.95, 0.95)];
        assert_eq!(project(&fast, 2030, Scenario::OwnPace), Some([1.0, 1.0, 1.0]));
        assert_eq!(project(&fast[..1], 2030, Scenario::OwnPace), None);
        let editions =
            BTreeMap::from([("M".to_string(), fast.to_vec()), ("X".to_string(), fast.to_vec())]);
        assert!(outlook(&editions, "M", 2030, 2, Scenario::OwnPace).is_none());
        assert!(outlook(&editions, "M", 2030, 0, Scenario::OwnPace).is_none());
    }
}
