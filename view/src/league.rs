//! Who is behind: the ministries (and agencies) and the 12 regions side by side, as
//! a delivery unit's league table reads them.
//!
//! An entity's **items** are the indicators it stands for: each indicator broken down
//! by the entity's dimension where the entity is a member (a ministry's procedures
//! fully online, its take-up, its Idarati publication, its simplification funnel; a
//! region's take-up, talents, startups…), and, for a ministry or agency, the
//! headline indicators it produces that carry a target. Each item keeps the engine's
//! own status.
//!
//! - **Level**: the share of its judged items that are *good*: on track or achieved
//!   against a target, or, without a target, moving in the indicator's good
//!   direction (rising jobs, a falling rank). Stable counts as judged, not good.
//! - **Improvement**, ranked separately: the items that moved in their good
//!   direction since the previous period beyond the noise, minus those that moved
//!   the other way beyond it, as a share of the items that have a previous period.
//!   The noise: [`SHARE_NOISE_POINTS`] for a percentage, [`COUNT_NOISE_SHARE`] of
//!   the previous value for any other unit. An item's arrow shows only beyond it.
//! - Ranks are competition ranks (1, 2, 2, 4); an entity with no judged item has
//!   no level rank, one with no previous period no improvement rank.

use md2030_analytics::catalog::Indicator;
use md2030_analytics::indicator::{DataStatus, IndicatorResult};
use md2030_analytics::progress::{Direction, ProgressStatus};
use md2030_model::Lang;
use md2030_results::Published;

use crate::format;
use crate::i18n::text;

/// Within this many percentage points, a share has not moved.
pub const SHARE_NOISE_POINTS: f64 = 1.0;
/// Within this share of its previous value, any other quantity has not moved.
pub const COUNT_NOISE_SHARE: f64 = 0.05;
/// A change of rank shows only when the entity moved at least this many places…
pub const RANK_NOISE_PLACES: usize = 2;
/// …and its level at least this many points: a move inside a block of ties or a
/// level that barely changed is not news.
pub const LEVEL_NOISE_POINTS: f64 = 10.0;

/// How an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Good,
    Neutral,
    Bad,
    /// Not judged (no data, no comparable series).
    Unknown,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Good => "good",
            Standing::Neutral => "neutral",
            Standing::Bad => "bad",
            Standing::Unknown => "unknown",
        }
    }
}

/// How a status stands for an indicator of `direction`.
pub fn standing(status: ProgressStatus, direction: Direction) -> Standing {
    use ProgressStatus as S;
    match (status, direction) {
        (S::Achieved | S::OnTrack, _) => Standing::Good,
        (S::Rising, Direction::Higher) | (S::Falling, Direction::Lower) => Standing::Good,
        (S::Rising, Direction::Lower) | (S::Falling, Direction::Higher) => Standing::Bad,
        (S::Stable, _) => Standing::Neutral,
        (S::NotAssessable, _) => Standing::Unknown,
        _ if status.is_off_track() => Standing::Bad,
        _ => Standing::Unknown,
    }
}

/// The movement since the previous period, good direction first: +1 improved, -1
/// worsened, 0 within the noise; `None` without a previous period.
pub fn movement(result: &IndicatorResult, indicator: &Indicator) -> Option<i8> {
    let latest = result.latest.as_ref()?;
    let change = result.change_one_period?;
    let noise = if indicator.unit == "percent" {
        SHARE_NOISE_POINTS
    } else {
        COUNT_NOISE_SHARE * (latest.value - change).abs()
    };
    let signed = match indicator.direction {
        Direction::Higher => change,
        Direction::Lower => -change,
    };
    Some(if signed > noise {
        1
    } else if signed < -noise {
        -1
    } else {
        0
    })
}

/// One indicator as an entity's league row holds it.
#[derive(Debug, Clone)]
pub struct Item {
    pub indicator: String,
    pub name: String,
    /// A breakdown member (the entity's own slice) rather than a headline.
    pub member: bool,
    /// "64,2 %", or "–".
    pub latest_value: String,
    /// "(2025)", or empty.
    pub latest_period: String,
    pub status: &'static str,
    pub status_text: String,
    pub standing: Standing,
    /// +1, 0, -1 as [`movement`]; `None` without a previous period.
    pub movement: Option<i8>,
    /// "+2,1 pt" since the previous period, or "–".
    pub change: String,
}

/// One of the steward's ministry's datasets: what is in use and what is due.
#[derive(Debug, Clone)]
pub struct DatasetDue {
    pub name: String,
    pub title: String,
    pub producer: String,
    /// "procedures@v3, 2 décembre 2026", or "–".
    pub current: String,
    /// The period expected next and by when, as a dated sentence.
    pub next: String,
    pub late: bool,
}

/// A dataset's current version and what its producer owes next.
pub fn dataset_due(
    contract: &md2030_model::Contract,
    published: &Published,
    lang: Lang,
) -> DatasetDue {
    let current = published.versions.iter().find(|v| v.dataset == contract.name);
    // The indicators computed from the current version say what is due next.
    let due = published
        .results
        .iter()
        .flat_map(|r| r.indicators.iter())
        .filter(|r| current.is_some_and(|v| r.dataset_versions.contains(&v.version_id)))
        .filter_map(|r| Some((r, published.catalog.indicator(&r.id)?)))
        .min_by_key(|(r, _)| r.headline.freshness.as_ref().map(|f| f.due));
    DatasetDue {
        name: contract.name.clone(),
        title: contract.titles.get(lang).to_string(),
        producer: contract.producer.clone(),
        current: current
            .map(|v| {
                crate::i18n::text_args(
                    lang,
                    "mine-current-version",
                    &[
                        ("version", v.version_id.clone()),
                        ("date", format::date(&v.provenance.ingested_at, lang)),
                    ],
                )
            })
            .unwrap_or_else(|| "–".into()),
        next: due
            .map(|(r, i)| crate::verdict::next_data(&r.headline, i, lang))
            .unwrap_or_else(|| "–".into()),
        late: due.is_some_and(|(r, _)| r.headline.data_status == DataStatus::Overdue),
    }
}

/// A ministry, agency or region in the league.
#[derive(Debug, Clone)]
pub struct Entity {
    pub code: String,
    pub name: String,
    /// The ministry's e-government ambassador: name and role.
    pub ambassador: Option<(String, String)>,
    /// The datasets it produces (none for a region).
    pub datasets: Vec<DatasetDue>,
    pub items: Vec<Item>,
    pub good: usize,
    /// Items judged (good, neutral or bad).
    pub judged: usize,
    /// Share of judged items that are good, in percent.
    pub level: Option<f64>,
    pub improved: usize,
    pub worsened: usize,
    /// Items with a previous period.
    pub moved: usize,
    /// (improved - worsened) / moved, in percentage points.
    pub improvement: Option<f64>,
    pub level_rank: Option<usize>,
    pub improvement_rank: Option<usize>,
    /// The level and its rank in the previous league (the results of the last
    /// briefing), when there is one.
    pub previous: Option<(f64, usize)>,
}

impl Entity {
    /// A ministry or agency with nothing to show yet: no indicator, no dataset.
    pub fn empty(code: &str, lang: Lang) -> Entity {
        Entity {
            code: code.to_string(),
            name: crate::ministry_name(code, lang),
            ambassador: None,
            datasets: Vec::new(),
            items: Vec::new(),
            good: 0,
            judged: 0,
            level: None,
            improved: 0,
            worsened: 0,
            moved: 0,
            improvement: None,
            level_rank: None,
            improvement_rank: None,
            previous: None,
        }
    }

    /// Places gained (positive) or lost since the previous league, only beyond
    /// the noise ([`RANK_NOISE_PLACES`] and [`LEVEL_NOISE_POINTS`]).
    pub fn rank_change(&self) -> Option<i64> {
        let (rank, level) = (self.level_rank?, self.level?);
        let (before_level, before_rank) = self.previous?;
        let places = before_rank as i64 - rank as i64;
        (places.unsigned_abs() as usize >= RANK_NOISE_PLACES
            && (level - before_level).abs() >= LEVEL_NOISE_POINTS)
            .then_some(places)
    }

    pub fn late_datasets(&self) -> usize {
        self.datasets.iter().filter(|d| d.late).count()
    }
}

fn item(result: &IndicatorResult, indicator: &Indicator, member: bool, lang: Lang) -> Item {
    let status = result.assessment.status;
    let unit = indicator.unit.as_str();
    Item {
        indicator: indicator.id.clone(),
        name: indicator.name.get(lang).to_string(),
        member,
        latest_value: result
            .latest
            .as_ref()
            .map(|o| format::in_unit(o.value, unit, lang))
            .unwrap_or_else(|| "–".into()),
        latest_period: result
            .latest
            .as_ref()
            .map(|o| format!("({})", format::period(&o.period, lang)))
            .unwrap_or_default(),
        status: status.as_str(),
        status_text: text(lang, &format!("status-{}", status.as_str())),
        standing: standing(status, indicator.direction),
        movement: movement(result, indicator),
        change: result
            .change_one_period
            .map(|c| format::signed_in_unit(c, unit, lang))
            .unwrap_or_else(|| "–".into()),
    }
}

/// Competition ranks of `values`, the highest first; `None` stays unranked.
fn ranks(values: &[Option<f64>]) -> Vec<Option<usize>> {
    values
        .iter()
        .map(|v| v.map(|v| 1 + values.iter().flatten().filter(|other| **other > v + 1e-9).count()))
        .collect()
}

/// The league of `dimension` (`ministry` or `region`) over the published results:
/// every ministry and agency of the reference (international producers left out),
/// or the 12 regions, each with its items, level and improvement, ranked; those
/// with nothing to show are left out. In the reference's order.
pub fn league(published: &Published, dimension: &str, lang: Lang) -> Vec<Entity> {
    match &published.results {
        Some(results) => league_of(published, results, dimension, lang),
        None => Vec::new(),
    }
}

/// [`league`] with each entity's level and rank in the league of `previous`
/// results (those of the last briefing) beside.
pub fn league_since(
    published: &Published,
    previous: Option<&md2030_analytics::results::Results>,
    dimension: &str,
    lang: Lang,
) -> Vec<Entity> {
    let mut entities = league(published, dimension, lang);
    if let Some(previous) = previous {
        let before = league_of(published, previous, dimension, lang);
        for entity in &mut entities {
            entity.previous = before
                .iter()
                .find(|b| b.code == entity.code)
                .and_then(|b| Some((b.level?, b.level_rank?)));
        }
    }
    entities
}

fn league_of(
    published: &Published,
    results: &md2030_analytics::results::Results,
    dimension: &str,
    lang: Lang,
) -> Vec<Entity> {
    let table = match dimension {
        "ministry" => md2030_model::reference::reference_table("ministries"),
        _ => Some(md2030_model::reference::regions()),
    };
    let Some(table) = table else { return Vec::new() };
    let mut entities: Vec<Entity> = table
        .rows
        .iter()
        .filter(|row| row.column("kind") != Some("international"))
        .filter_map(|row| {
            let code = row.code.as_str();
            let mut items = Vec::new();
            for indicator in &published.catalog.indicators {
                let Some(report) = results.indicator(&indicator.id) else { continue };
                if dimension == "ministry"
                    && indicator.producer == code
                    && report.headline.target.is_some()
                {
                    items.push(item(&report.headline, indicator, false, lang));
                }
                let member = report
                    .breakdowns
                    .get(dimension)
                    .and_then(|members| members.iter().find(|m| m.member.as_deref() == Some(code)));
                if let Some(member) = member.filter(|m| m.latest.is_some()) {
                    items.push(item(member, indicator, true, lang));
                }
            }
            let datasets: Vec<DatasetDue> = if dimension == "ministry" {
                md2030_model::contracts()
                    .iter()
                    .filter(|c| c.producer == code)
                    .map(|c| dataset_due(c, published, lang))
                    .collect()
            } else {
                Vec::new()
            };
            if items.is_empty() && datasets.is_empty() {
                return None;
            }
            let count = |s: Standing| items.iter().filter(|i| i.standing == s).count();
            let good = count(Standing::Good);
            let judged = good + count(Standing::Neutral) + count(Standing::Bad);
            let moves: Vec<i8> = items.iter().filter_map(|i| i.movement).collect();
            let improved = moves.iter().filter(|m| **m > 0).count();
            let worsened = moves.iter().filter(|m| **m < 0).count();
            let share = |n: usize, of: usize| (of > 0).then(|| 100.0 * n as f64 / of as f64);
            Some(Entity {
                code: code.to_string(),
                name: row.name(lang).to_string(),
                ambassador: (dimension == "ministry")
                    .then(|| published.labels.ambassador(code))
                    .flatten()
                    .map(|a| (a.name.clone(), a.role.clone())),
                datasets,
                good,
                judged,
                level: share(good, judged),
                improved,
                worsened,
                moved: moves.len(),
                improvement: (!moves.is_empty())
                    .then(|| 100.0 * (improved as f64 - worsened as f64) / moves.len() as f64),
                items,
                level_rank: None,
                improvement_rank: None,
                previous: None,
            })
        })
        .collect();
    let levels: Vec<Option<f64>> = entities.iter().map(|e| e.level).collect();
    let improvements: Vec<Option<f64>> = entities.iter().map(|e| e.improvement).collect();
    for ((entity, level), improvement) in
        entities.iter_mut().zip(ranks(&levels)).zip(ranks(&improvements))
    {
        entity.level_rank = level;
        entity.improvement_rank = improvement;
    }
    entities
}

/// The league as CSV, one row per entity and item: code, level and ranks, the
/// indicator, whether it is the entity's slice, status, standing and movement;
/// `names` adds the entity's name in the league's language. Every text cell
/// formula-safe.
pub fn league_csv(entities: &[Entity], names: bool) -> Result<Vec<u8>, csv::Error> {
    let safe = |s: &str| md2030_model::csv::formula_safe(s).into_owned();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["code"];
    if names {
        header.push("name");
    }
    header.extend([
        "level",
        "level_rank",
        "improvement",
        "improvement_rank",
        "indicator",
        "member",
        "status",
        "standing",
        "movement",
    ]);
    writer.write_record(&header)?;
    for e in entities {
        for i in &e.items {
            let mut row = vec![safe(&e.code)];
            if names {
                row.push(safe(&e.name));
            }
            row.extend([
                e.level.map(|v| format!("{v:.1}")).unwrap_or_default(),
                e.level_rank.map(|r| r.to_string()).unwrap_or_default(),
                e.improvement.map(|v| format!("{v:.1}")).unwrap_or_default(),
                e.improvement_rank.map(|r| r.to_string()).unwrap_or_default(),
                i.indicator.clone(),
                i.member.to_string(),
                i.status.to_string(),
                i.standing.as_str().to_string(),
                i.movement.map(|m| m.to_string()).unwrap_or_default(),
            ]);
            writer.write_record(&row)?;
        }
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// The two league tables for the open-data export: (`ministries` | `regions`, the
/// CSV without names).
pub fn export_csvs(published: &Published) -> Vec<(&'static str, Vec<u8>)> {
    [("ministry", "ministries"), ("region", "regions")]
        .into_iter()
        .filter_map(|(dimension, key)| {
            Some((key, league_csv(&league(published, dimension, Lang::En), false).ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Up 3 places and 20 points: shown; up 3 places within 5 points (ties
    /// reshuffled) or 1 place: not; down 3 places and 20 points: shown.
    #[test]
    fn a_rank_change_shows_only_beyond_the_noise() {
        let mut e = Entity::empty("MJ", Lang::Fr);
        e.level = Some(60.0);
        e.level_rank = Some(2);
        e.previous = Some((40.0, 5));
        assert_eq!(e.rank_change(), Some(3));
        e.previous = Some((55.0, 5));
        assert_eq!(e.rank_change(), None);
        e.previous = Some((40.0, 3));
        assert_eq!(e.rank_change(), None);
        // A fall is news too: from 1st at 80 % to 4th at 60 %.
        e.previous = Some((80.0, 1));
        e.level_rank = Some(4);
        assert_eq!(e.rank_change(), Some(-3));
    }

    #[test]
    fn ranks_are_competition_ranks_and_leave_the_unjudged_out() {
        let values = [Some(50.0), None, Some(80.0), Some(50.0), Some(20.0)];
        assert_eq!(ranks(&values), vec![Some(2), None, Some(1), Some(2), Some(4)]);
    }

    #[test]
    fn a_trend_is_good_in_the_indicator_s_direction_only() {
        use ProgressStatus as S;
        assert_eq!(standing(S::Rising, Direction::Higher), Standing::Good);
        assert_eq!(standing(S::Rising, Direction::Lower), Standing::Bad);
        assert_eq!(standing(S::Falling, Direction::Lower), Standing::Good);
        assert_eq!(standing(S::Stable, Direction::Higher), Standing::Neutral);
        assert_eq!(standing(S::LimitedProgress, Direction::Higher), Standing::Bad);
        assert_eq!(standing(S::OnTrack, Direction::Lower), Standing::Good);
        assert_eq!(standing(S::NotAssessable, Direction::Higher), Standing::Unknown);
    }
}
