//! The peer report as CSV: every standing, every UN member's latest value with its
//! world rank, and the outlook of the relative target (the dashboard's downloads
//! and the open-data export).

use md2030_model::Lang;

use super::{PeerReport, Scenario, country_name as country};

/// Every standing of every indicator and period, one row each (the CSV download
/// and the open-data export).
pub fn standings_csv(report: &PeerReport) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "indicator",
        "source_code",
        "period",
        "group",
        "morocco_value",
        "rank",
        "of",
        "median",
        "leader",
        "leader_value",
        "next_above",
        "next_above_value",
        "next_above_rank",
        "dataset_version",
    ])?;
    for indicator in &report.indicators {
        let code = indicator.comparable().map_or("", |c| c.code());
        for period in &indicator.periods {
            for s in &period.standings {
                writer.write_record([
                    indicator.id.clone(),
                    code.to_string(),
                    period.period.clone(),
                    s.group.clone(),
                    period.value.to_string(),
                    s.rank.to_string(),
                    s.of.to_string(),
                    s.median.to_string(),
                    s.leader.iso3.clone(),
                    s.leader.value.to_string(),
                    s.next_above.as_ref().map(|n| n.iso3.clone()).unwrap_or_default(),
                    s.next_above.as_ref().map(|n| n.value.to_string()).unwrap_or_default(),
                    s.next_above_rank.map(|r| r.to_string()).unwrap_or_default(),
                    indicator.version.clone(),
                ])?;
            }
        }
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// The outlook of the relative target, one row per survey year and scenario.
pub fn outlook_csv(report: &PeerReport) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "survey_year",
        "scenario",
        "rank",
        "threshold",
        "morocco_latest_year",
        "morocco_latest_index",
        "morocco_projected",
        "morocco_projected_rank",
        "needed_yearly_gain",
        "lever_osi",
        "lever_hci",
        "lever_tii",
        "countries_projected",
    ])?;
    for o in &report.outlook {
        let scenario = match o.scenario {
            Scenario::OwnPace => "own_pace",
            Scenario::FasterPace => "faster_pace",
        };
        writer.write_record([
            o.year.to_string(),
            scenario.to_string(),
            o.rank.to_string(),
            o.outlook.threshold.to_string(),
            o.latest_year.to_string(),
            o.latest_index.to_string(),
            o.outlook.projected.to_string(),
            o.outlook.projected_rank.to_string(),
            o.outlook.needed_yearly_gain.to_string(),
            o.outlook.levers[0].to_string(),
            o.outlook.levers[1].to_string(),
            o.outlook.levers[2].to_string(),
            o.countries.to_string(),
        ])?;
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Every UN member's value in the latest period of each indicator, with its world
/// rank (what the peer tables are drawn from).
pub fn latest_csv(report: &PeerReport, lang: Lang) -> Result<Vec<u8>, csv::Error> {
    let safe = |s: &str| md2030_model::csv::formula_safe(s).into_owned();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "indicator",
        "period",
        "iso3",
        "country",
        "value",
        "world_rank",
        "dataset_version",
    ])?;
    for indicator in &report.indicators {
        let Some(last) = indicator.last() else { continue };
        let values: Vec<f64> = indicator.latest.iter().map(|e| e.value).collect();
        let ranks = super::competition_ranks(&values);
        for (entry, rank) in indicator.latest.iter().zip(ranks) {
            writer.write_record([
                indicator.id.clone(),
                last.period.clone(),
                entry.iso3.clone(),
                safe(&country(&entry.iso3, lang)),
                entry.value.to_string(),
                rank.to_string(),
                indicator.version.clone(),
            ])?;
        }
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}
