//! Morocco among its peers as a reader sees it: per comparable indicator, its rank
//! in each group with the group's median, leader and the country just above, a
//! sentence ("4e en Afrique, 2e au Maghreb…"), a chart of the named peers, and the
//! outlook of the top-50 e-government target with its levers. Shared by the
//! dashboard's *Peers* page, its API and downloads, and the briefing.

use md2030_analytics::peers::{
    COMPONENTS, Comparable, PeerIndicator, PeerReport, Scenario, Standing, TargetOutlook,
};
use md2030_model::Lang;

use crate::charts;
use crate::format::{self, in_unit, ordinal};
use crate::i18n::{text, text_args};

pub use md2030_analytics::peers::country_name as country;

/// "4e en Afrique" in `lang`.
fn rank_in(report: &PeerReport, standing: &Standing, lang: Lang) -> Option<String> {
    let group = report.group(&standing.group)?;
    Some(text_args(
        lang,
        "peers-rank-in",
        &[
            ("ordinal", ordinal(standing.rank, lang)),
            ("phrase", group.phrase.get(lang).to_string()),
        ],
    ))
}

/// The groups a sentence names, in order: Africa, the named sets, the world.
fn sentence_groups(report: &PeerReport) -> Vec<&str> {
    let mut ids = vec!["africa"];
    ids.extend(report.groups.iter().filter(|g| g.classified_by == "md2030").map(|g| g.id.as_str()));
    ids.push("world");
    ids
}

/// Morocco's standing in one sentence, for the latest period: "4e en Afrique, 2e
/// au Maghreb, 8e parmi les pays de référence, 90e au monde (juste devant en
/// Afrique : Tunisie, 3e)".
pub fn sentence(report: &PeerReport, indicator: &PeerIndicator, lang: Lang) -> Option<String> {
    let last = indicator.last()?;
    let find = |id: &str| last.standings.iter().find(|s| s.group == id);
    let parts: Vec<String> = sentence_groups(report)
        .into_iter()
        .filter_map(find)
        .filter_map(|s| rank_in(report, s, lang))
        .collect();
    if parts.is_empty() {
        return None;
    }
    let separator = if lang == Lang::Ar { "، " } else { ", " };
    let mut out = parts.join(separator);
    if let Some(africa) = find("africa")
        && let (Some(next), Some(rank)) = (&africa.next_above, africa.next_above_rank)
    {
        out.push(' ');
        out.push_str(&text_args(
            lang,
            "peers-next-above",
            &[
                ("country", country(&next.iso3, lang)),
                ("ordinal", ordinal(rank, lang)),
                ("phrase", report.group("africa").map(|g| g.phrase.get(lang)).unwrap_or("").into()),
            ],
        ));
    }
    Some(out)
}

/// One group's row of an indicator's table.
#[derive(Debug, Clone)]
pub struct Row {
    pub group: String,
    pub group_id: String,
    pub classified_by: String,
    /// "4 / 54".
    pub rank: String,
    pub median: String,
    /// (country, value), and the gap from Morocco to it ("−0,158").
    pub leader: (String, String),
    pub leader_gap: String,
    /// (country, its rank, value), gap; empty when Morocco leads.
    pub next_above: Option<(String, String, String)>,
    pub next_gap: String,
}

/// One indicator's section.
#[derive(Debug, Clone)]
pub struct Section {
    pub id: String,
    pub name: String,
    pub publisher: String,
    pub period: String,
    pub value: String,
    pub version: String,
    pub sentence: String,
    pub rows: Vec<Row>,
    pub chart: String,
    /// The same chart drawn for a phone.
    pub chart_narrow: String,
    /// Morocco's world rank in each period, oldest first: (period, "90 / 193").
    pub history: Vec<(String, String)>,
}

fn publisher(comparable: &Comparable, lang: Lang) -> String {
    text(lang, &format!("peers-source-{}", comparable.dataset()))
}

fn gap(value: f64, unit: &str, lang: Lang) -> String {
    format::signed_in_unit(value, unit, lang)
}

/// The table, sentence and chart of one indicator in `lang`; with `narrow`, the
/// chart drawn for a phone too.
pub fn section(
    report: &PeerReport,
    indicator: &PeerIndicator,
    lang: Lang,
    narrow: bool,
) -> Option<Section> {
    let comparable = indicator.comparable()?;
    let last = indicator.last()?;
    let unit = comparable.unit;
    let rows = last
        .standings
        .iter()
        .filter_map(|s| {
            let group = report.group(&s.group)?;
            Some(Row {
                group: group.name.get(lang).to_string(),
                group_id: group.id.clone(),
                classified_by: text(lang, &format!("peers-by-{}", group.classified_by)),
                rank: format!("{} / {}", s.rank, s.of),
                median: in_unit(s.median, unit, lang),
                leader: (country(&s.leader.iso3, lang), in_unit(s.leader.value, unit, lang)),
                leader_gap: gap(s.leader.value - last.value, unit, lang),
                next_above: s.next_above.as_ref().map(|n| {
                    (
                        country(&n.iso3, lang),
                        s.next_above_rank.map(|r| ordinal(r, lang)).unwrap_or_default(),
                        in_unit(n.value, unit, lang),
                    )
                }),
                next_gap: s
                    .next_above
                    .as_ref()
                    .map(|n| gap(n.value - last.value, unit, lang))
                    .unwrap_or_default(),
            })
        })
        .collect();
    let name = comparable.name().get(lang).to_string();
    let period = last.period.clone();
    Some(Section {
        id: indicator.id.clone(),
        chart: chart(report, indicator, &name, lang, false),
        chart_narrow: if narrow {
            chart(report, indicator, &name, lang, true)
        } else {
            String::new()
        },
        name,
        publisher: publisher(comparable, lang),
        value: in_unit(last.value, unit, lang),
        version: indicator.version.clone(),
        sentence: sentence(report, indicator, lang).unwrap_or_default(),
        rows,
        history: indicator
            .periods
            .iter()
            .filter_map(|p| {
                let world = p.standings.iter().find(|s| s.group == "world")?;
                Some((p.period.clone(), format!("{} / {}", world.rank, world.of)))
            })
            .collect(),
        period,
    })
}

/// Bars of Morocco and the named sets' members in the latest period, highest
/// first, Morocco highlighted, the world median as a dashed line.
fn chart(
    report: &PeerReport,
    indicator: &PeerIndicator,
    name: &str,
    lang: Lang,
    narrow: bool,
) -> String {
    let Some(last) = indicator.last() else { return String::new() };
    let unit = indicator.comparable().map_or("", |c| c.unit);
    let mut members: Vec<&str> = report
        .groups
        .iter()
        .filter(|g| g.classified_by == "md2030")
        .flat_map(|g| g.members.iter().map(String::as_str))
        .collect();
    members.sort_unstable();
    members.dedup();
    let bars: Vec<charts::Bar> = indicator
        .latest
        .iter()
        .filter(|e| members.contains(&e.iso3.as_str()))
        .map(|e| charts::Bar {
            label: country(&e.iso3, lang),
            value: e.value,
            text: in_unit(e.value, unit, lang),
            highlight: e.iso3 == md2030_analytics::peers::HOME,
        })
        .collect();
    let world = last.standings.iter().find(|s| s.group == "world");
    let text = charts::BarText {
        title: format!("{name} — {}", last.period),
        description: text_args(
            lang,
            "peers-chart-description",
            &[("name", name.to_string()), ("period", last.period.clone())],
        ),
        national: world
            .map(|w| (w.median, text(lang, "peers-world-median"), in_unit(w.median, unit, lang))),
        target: None,
    };
    let id = if narrow {
        format!("peers-{}-narrow", indicator.id)
    } else {
        format!("peers-{}", indicator.id)
    };
    charts::bar_chart(&bars, &text, &id, lang == Lang::Ar, narrow)
}

/// Who answers for each component of the index: ministry or agency codes.
pub const LEVER_OWNERS: [(&str, &[&str]); 3] =
    [("osi", &["MTNRA", "ADD"]), ("hci", &["MENPS", "MESRSI"]), ("tii", &["ANRT", "MTNRA"])];

/// One component of the index as a lever.
#[derive(Debug, Clone)]
pub struct Lever {
    pub id: String,
    pub name: String,
    /// "1/3".
    pub weight: String,
    pub latest: String,
    /// Morocco's world rank on the component in the latest edition.
    pub world_rank: String,
    /// What it adds to the index by the survey at Morocco's own pace.
    pub adds: String,
    /// The component's gain that would close the gap to the threshold alone (3 ×
    /// the index gap), and whether it fits under the ceiling of 1.
    pub alone: String,
    pub alone_fits: bool,
    /// (code, name) of the ministries and agencies that answer for it.
    pub owners: Vec<(String, String)>,
}

/// The outlook of the top-50 target as shown.
#[derive(Debug, Clone)]
pub struct OutlookView {
    pub summary: String,
    /// year, scenario, threshold, projected index, projected rank, gain needed a year.
    pub rows: Vec<[String; 6]>,
    pub levers: Vec<Lever>,
    pub year: i32,
}

fn scenario_text(scenario: Scenario, lang: Lang) -> String {
    text(
        lang,
        match scenario {
            Scenario::OwnPace => "peers-scenario-own",
            Scenario::FasterPace => "peers-scenario-faster",
        },
    )
}

/// The outlook of the target year (2030) under both scenarios, every survey year
/// in the table, the levers of the target year.
pub fn outlook_view(report: &PeerReport, lang: Lang) -> Option<OutlookView> {
    let year = report.outlook.iter().map(|o| o.year).max()?;
    let own = report.outlook_for(year, Scenario::OwnPace)?;
    let faster = report.outlook_for(year, Scenario::FasterPace)?;
    let index = |v: f64| format::number(v, 3, lang);
    let signed = |v: f64| format::signed(v, 3, lang);
    let years = f64::from(year - own.latest_year);
    let pace = (own.outlook.projected - own.latest_index) / years;
    let summary = text_args(
        lang,
        "peers-outlook-summary",
        &[
            ("rank", own.rank.to_string()),
            ("year", year.to_string()),
            ("threshold", index(own.outlook.threshold)),
            ("faster", index(faster.outlook.threshold)),
            ("projected", index(own.outlook.projected)),
            ("projected_rank", ordinal(own.outlook.projected_rank, lang)),
            ("projected_rank_faster", ordinal(faster.outlook.projected_rank, lang)),
            ("needed", signed(own.outlook.needed_yearly_gain)),
            ("pace", signed(pace)),
            ("latest", index(own.latest_index)),
            ("latest_year", own.latest_year.to_string()),
            ("countries", own.countries.to_string()),
        ],
    );
    let rows = report
        .outlook
        .iter()
        .map(|o: &TargetOutlook| {
            [
                o.year.to_string(),
                scenario_text(o.scenario, lang),
                index(o.outlook.threshold),
                index(o.outlook.projected),
                ordinal(o.outlook.projected_rank, lang),
                signed(o.outlook.needed_yearly_gain),
            ]
        })
        .collect();
    let gap = (own.outlook.threshold - own.outlook.projected).max(0.0);
    let levers = COMPONENTS
        .iter()
        .enumerate()
        .filter_map(|(k, id)| {
            let indicator = report.indicator(id)?;
            let last = indicator.last()?;
            let comparable = indicator.comparable()?;
            let world = last.standings.iter().find(|s| s.group == "world");
            let alone = gap * 3.0;
            let owners = LEVER_OWNERS
                .iter()
                .find(|(c, _)| c == id)
                .map(|(_, codes)| {
                    codes.iter().map(|c| (c.to_string(), crate::ministry_name(c, lang))).collect()
                })
                .unwrap_or_default();
            Some(Lever {
                id: id.to_string(),
                name: comparable.name().get(lang).to_string(),
                weight: "1/3".into(),
                latest: index(last.value),
                world_rank: world.map(|w| format!("{} / {}", w.rank, w.of)).unwrap_or_default(),
                adds: signed(own.outlook.levers[k]),
                alone: signed(alone),
                alone_fits: last.value + alone <= 1.0,
                owners,
            })
        })
        .collect();
    Some(OutlookView { summary, rows, levers, year })
}
