//! The figures behind each chart as CSV, for download beside it: an indicator's
//! series (headline and breakdown members, each row with its dataset versions and
//! target), its regional values, and a breakdown as shown. Text cells follow
//! [`md2030_model::csv::formula_safe`].

use md2030_model::csv::formula_safe as neutralise;

fn versions_of(report: &md2030_analytics::indicator::IndicatorReport, period: &str) -> String {
    report.period_versions.get(period).cloned().unwrap_or_else(|| report.dataset_versions.join(" "))
}

fn finish(writer: csv::Writer<Vec<u8>>) -> Result<String, csv::Error> {
    let bytes = writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Every observation of an indicator (headline and each breakdown member), each
/// row with the dataset versions and the target it is assessed against.
pub fn series_csv(
    report: &md2030_analytics::indicator::IndicatorReport,
    as_of: &str,
) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "indicator",
        "breakdown",
        "member",
        "period",
        "value",
        "dataset_versions",
        "target_id",
        "as_of",
    ])?;
    let results = std::iter::once(&report.headline).chain(report.breakdowns.values().flatten());
    for result in results {
        for observation in &result.series {
            writer.write_record([
                result.id.as_str(),
                result.breakdown.as_deref().unwrap_or(""),
                &neutralise(result.member.as_deref().unwrap_or("")),
                observation.period.as_str(),
                &observation.value.to_string(),
                &versions_of(report, &observation.period),
                result.target.as_ref().map(|t| t.id.as_str()).unwrap_or(""),
                as_of,
            ])?;
        }
    }
    finish(writer)
}

/// The regional view as CSV: the latest period (what the map shows) or every
/// period, one row per region with the national value, the gap and whether it is
/// the lagging region; for a count, its rate of the census population or
/// households and the national rate (the gap is then between the rates).
pub fn regional_csv(
    report: &md2030_analytics::indicator::IndicatorReport,
    every_period: bool,
    name: &dyn Fn(&str) -> String,
) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "indicator",
        "period",
        "region_code",
        "region",
        "value",
        "national",
        "gap",
        "lagging",
        "dataset_versions",
        "rate",
        "national_rate",
    ])?;
    let periods = if every_period {
        report.regional.as_slice()
    } else {
        report.regional.last().map(std::slice::from_ref).unwrap_or_default()
    };
    for period in periods {
        for region in &period.regions {
            let lagging = period.lagging.as_deref() == Some(region.region_code.as_str());
            writer.write_record([
                report.id.as_str(),
                &period.period,
                &region.region_code,
                &neutralise(&name(&region.region_code)),
                &region.value.to_string(),
                &period.national.to_string(),
                &region.gap.to_string(),
                if lagging { "true" } else { "false" },
                &versions_of(report, &period.period),
                &region.rate.map(|r| r.to_string()).unwrap_or_default(),
                &period.national_rate.map(|r| r.to_string()).unwrap_or_default(),
            ])?;
        }
    }
    finish(writer)
}

/// The values the indicator chart draws, line by line: `observed` (each
/// observation, with its dataset versions), `trajectory` (the straight path to the
/// target, at the end of each year), `projection` (from the latest observation to
/// the target year at the observed pace) and `target`.
pub fn chart_csv(
    report: &md2030_analytics::indicator::IndicatorReport,
    as_of: &str,
) -> Result<String, csv::Error> {
    let headline = &report.headline;
    let target_id = headline.target.as_ref().map(|t| t.id.as_str()).unwrap_or("");
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "indicator",
        "line",
        "period",
        "value",
        "dataset_versions",
        "target_id",
        "as_of",
    ])?;
    let id = report.id.as_str();
    for o in &headline.series {
        let versions = versions_of(report, &o.period);
        writer.write_record([
            id,
            "observed",
            &o.period,
            &o.value.to_string(),
            &versions,
            target_id,
            as_of,
        ])?;
    }
    for t in &headline.trajectory {
        writer.write_record([
            id,
            "trajectory",
            &t.period(),
            &t.value.to_string(),
            "",
            target_id,
            as_of,
        ])?;
    }
    if let (Some(last), Some(target), Some(projection)) =
        (headline.series.last(), &headline.target, headline.judgment().map(|j| j.projection))
    {
        let versions = versions_of(report, &last.period);
        writer.write_record([
            id,
            "projection",
            &last.period,
            &last.value.to_string(),
            &versions,
            target_id,
            as_of,
        ])?;
        writer.write_record([
            id,
            "projection",
            &target.year.to_string(),
            &projection.to_string(),
            "",
            target_id,
            as_of,
        ])?;
    }
    if let Some(target) = &headline.target {
        writer.write_record([
            id,
            "target",
            &target.year.to_string(),
            &target.value.to_string(),
            "",
            target_id,
            as_of,
        ])?;
    }
    finish(writer)
}

/// The members a breakdown chart draws, in its order: code, name in the chart's
/// language (formula-like text neutralised), period, value and dataset versions.
pub fn breakdown_csv(
    report: &md2030_analytics::indicator::IndicatorReport,
    view: &crate::BreakdownView,
) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "indicator",
        "breakdown",
        "member_code",
        "member",
        "period",
        "value",
        "dataset_versions",
    ])?;
    for m in &view.drawn {
        writer.write_record([
            report.id.as_str(),
            view.dimension.as_str(),
            &neutralise(&m.code),
            &neutralise(&m.label),
            &m.period,
            &m.value.to_string(),
            &versions_of(report, &m.period),
        ])?;
    }
    finish(writer)
}
