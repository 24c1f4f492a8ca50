//! The stocktake pack the Commission reads before a meeting: exceptions first
//! (the indicators off track or with overdue data, each with its owner ministry,
//! the latest judgment and the decisions aimed at it), then the decision points
//! due by the meeting and those closed, the league of ministries, the 2026
//! milestones and the scorecard. Built from the published state, the decisions
//! and the judgments; every text in the pack's language.
//!
//! Exceptions are ordered so that false assurance comes first: an indicator whose
//! latest judgment is greener than its figures, then the others off track from the
//! most urgent, then those whose data alone is overdue.

use md2030_analytics::indicator::DataStatus;
use md2030_model::Lang;
use md2030_results::Published;
use md2030_store::steering::{Decision, Judgment, PointStatus};
use md2030_view::format;
use md2030_view::i18n::{text, text_args};

use crate::typeset::{Pack, PackSection, Table};

/// What a pack is built from.
#[derive(Debug, Clone, Copy)]
pub struct PackSources<'a> {
    pub published: &'a Published,
    pub decisions: &'a [Decision],
    pub judgments: &'a [Judgment],
    /// The meeting the pack prepares (YYYY-MM-DD).
    pub meeting: &'a str,
    /// The day it is built (YYYY-MM-DD): what is overdue.
    pub today: &'a str,
    /// The results of the last briefing built from other figures: the league's
    /// rank changes are measured against them.
    pub previous: Option<&'a md2030_analytics::results::Results>,
}

fn status_text(status: &str, lang: Lang) -> String {
    text(lang, &format!("status-{status}"))
}

/// The points aimed at `indicator`, one per line: "1. text — Behind, due 30 Nov 2026".
fn aimed(decisions: &[Decision], indicator: &str, today: &str, lang: Lang) -> Vec<String> {
    decisions
        .iter()
        .flat_map(|d| d.points.iter())
        .filter(|p| p.indicators.iter().any(|i| i == indicator))
        .map(|p| {
            let mut line = format!(
                "{}. {} — {}, {}",
                p.number,
                p.text,
                text(lang, &format!("point-{}", p.status.as_str())),
                text_args(lang, "pack-due-date", &[("date", format::date(&p.due_date, lang))])
            );
            if p.overdue(today) {
                line.push_str(&format!(" ({})", text(lang, "decisions-overdue")));
            }
            line
        })
        .collect()
}

/// The stocktake pack for the meeting of `sources.meeting`, in `lang`.
pub fn pack(sources: &PackSources<'_>, lang: Lang) -> Pack {
    let PackSources { published, decisions, judgments, meeting, today, previous } = *sources;
    let catalog = &published.catalog;
    let reports: Vec<_> = published
        .results
        .iter()
        .flat_map(|r| r.indicators.iter())
        .filter_map(|r| Some((r, catalog.indicator(&r.id)?)))
        .collect();

    // Exceptions: off track or overdue, false assurance first.
    let latest_judgment = |id: &str| judgments.iter().rev().find(|j| j.indicator == id);
    let mut exceptions: Vec<_> = reports
        .iter()
        .filter(|(r, _)| {
            r.headline.assessment.status.is_off_track()
                || r.headline.data_status == DataStatus::Overdue
        })
        .map(|(r, i)| {
            let status = r.headline.assessment.status;
            let judgment = latest_judgment(&i.id);
            let greener =
                judgment.is_some_and(|j| md2030_view::steering::greener(j.rating, status));
            let order = (!greener, !status.is_off_track(), status.urgency());
            (order, r, i, judgment, greener)
        })
        .collect();
    exceptions.sort_by_key(|(order, ..)| *order);
    let exception_rows: Vec<Vec<String>> = exceptions
        .iter()
        .map(|(_, r, i, judgment, greener)| {
            let h = &r.headline;
            let mut state = status_text(h.assessment.status.as_str(), lang);
            if h.data_status == DataStatus::Overdue {
                state.push_str(&format!(" · {}", text(lang, "data-overdue")));
            }
            let judged = match judgment {
                Some(j) => {
                    let mut cell = format!(
                        "{} ({}) — {}",
                        text(lang, &format!("rating-{}", j.rating.as_str())),
                        format::ltr_in(lang, j.cycle.clone()),
                        j.rationale
                    );
                    if *greener {
                        cell.push_str(&format!(" — {}", text(lang, "judgments-greener")));
                    }
                    cell
                }
                None => "–".into(),
            };
            let points = aimed(decisions, &i.id, today, lang);
            vec![
                i.name.get(lang).to_string(),
                state,
                h.latest
                    .as_ref()
                    .map(|o| {
                        format!(
                            "{} ({})",
                            format::ltr_in(lang, format::in_unit(o.value, &i.unit, lang)),
                            format::period(&o.period, lang)
                        )
                    })
                    .unwrap_or_else(|| "–".into()),
                md2030_view::ministry_name(&i.producer, lang),
                judged,
                if points.is_empty() { "–".into() } else { points.join(" ; ") },
            ]
        })
        .collect();

    // Decision points due by the meeting and not done; then those done.
    let point_row = |d: &Decision, p: &md2030_store::steering::Point| {
        let mut due = format::date(&p.due_date, lang);
        if p.overdue(today) {
            due.push_str(&format!(" ({})", text(lang, "decisions-overdue")));
        }
        vec![
            format::date(&d.meeting_date, lang),
            format!("{}. {}", p.number, p.text),
            md2030_view::ministry_name(&p.owner, lang),
            due,
            text(lang, &format!("point-{}", p.status.as_str())),
        ]
    };
    let due_rows: Vec<Vec<String>> = decisions
        .iter()
        .flat_map(|d| d.points.iter().map(move |p| (d, p)))
        .filter(|(_, p)| p.status != PointStatus::Done && p.due_date.as_str() <= meeting)
        .map(|(d, p)| point_row(d, p))
        .collect();
    let closed_rows: Vec<Vec<String>> = decisions
        .iter()
        .flat_map(|d| d.points.iter().map(move |p| (d, p)))
        .filter(|(_, p)| p.status == PointStatus::Done)
        .map(|(d, p)| point_row(d, p))
        .collect();
    let point_header: Vec<String> = [
        "decisions-meeting-date",
        "decisions-col-point",
        "decisions-owner",
        "decisions-due",
        "col-status",
    ]
    .iter()
    .map(|k| text(lang, k))
    .collect();

    // The league of ministries, by level.
    let mut league = md2030_view::league::league_since(published, previous, "ministry", lang);
    league.sort_by_key(|e| (e.level_rank.unwrap_or(usize::MAX), e.code.clone()));
    let league_rows: Vec<Vec<String>> = league
        .iter()
        .filter(|e| e.level.is_some())
        .map(|e| {
            let change = match e.rank_change() {
                Some(places) if places > 0 => format!(" (↑{places})"),
                Some(places) => format!(" (↓{})", places.unsigned_abs()),
                None => String::new(),
            };
            vec![
                format!(
                    "{}{change}",
                    e.level_rank.map(|r| r.to_string()).unwrap_or_else(|| "–".into())
                ),
                e.name.clone(),
                format!(
                    "{} ({})",
                    format::ltr_in(lang, format::percent(e.level.unwrap_or_default(), 0, lang)),
                    text_args(
                        lang,
                        "league-of",
                        &[("n", e.good.to_string()), ("total", e.judged.to_string())]
                    )
                ),
                e.improvement
                    .map(|v| {
                        format!(
                            "{} ({} ↑ · {} ↓)",
                            format::ltr_in(lang, format::signed_in_unit(v, "percent", lang)),
                            e.improved,
                            e.worsened
                        )
                    })
                    .unwrap_or_else(|| "–".into()),
                if e.datasets.is_empty() {
                    "–".into()
                } else {
                    text_args(
                        lang,
                        "league-of",
                        &[
                            ("n", e.late_datasets().to_string()),
                            ("total", e.datasets.len().to_string()),
                        ],
                    )
                },
            ]
        })
        .collect();

    let milestones = published
        .results
        .as_ref()
        .map(|r| md2030_view::milestones(r, catalog, lang))
        .unwrap_or_default();
    let cards: Vec<md2030_view::Card> = published
        .results
        .as_ref()
        .map(|r| {
            md2030_view::overview(r, catalog, &published.versions, lang)
                .into_iter()
                .flat_map(|p| p.cards)
                .collect()
        })
        .unwrap_or_default();
    let card_refs: Vec<&md2030_view::Card> = cards.iter().collect();
    let midterm = crate::content::midterm_table(&milestones, lang);
    let midterm_widths = vec![1.4, 0.9, 1.1, 1.2, 1.6];

    Pack {
        lang: lang.code().to_string(),
        rtl: lang == Lang::Ar,
        title: text(lang, "pack-title"),
        meeting: text_args(lang, "decisions-meeting", &[("date", format::date(meeting, lang))]),
        edition: text_args(
            lang,
            "pack-edition",
            &[
                ("date", format::date(today, lang)),
                ("version", format::ltr_in(lang, published.results_version().to_string())),
            ],
        ),
        sample_warning: published.synthetic().then(|| text(lang, "sample-banner")),
        sections: vec![
            PackSection {
                title: text(lang, "pack-exceptions"),
                text: vec![text(lang, "pack-exceptions-intro")],
                table: Table {
                    header: [
                        "indicator",
                        "progress",
                        "latest",
                        "decisions-owner",
                        "judgments-col-latest",
                        "decisions-aimed-short",
                    ]
                    .iter()
                    .map(|k| text(lang, k))
                    .collect(),
                    rows: exception_rows,
                },
                widths: vec![1.2, 0.9, 0.9, 1.5, 1.6, 1.9],
                empty: text(lang, "pack-none"),
            },
            PackSection {
                title: text(lang, "pack-due"),
                text: Vec::new(),
                table: Table { header: point_header.clone(), rows: due_rows },
                widths: vec![0.9, 2.4, 1.4, 1.1, 0.8],
                empty: text(lang, "pack-none"),
            },
            PackSection {
                title: text(lang, "pack-closed"),
                text: Vec::new(),
                table: Table { header: point_header, rows: closed_rows },
                widths: vec![0.9, 2.4, 1.4, 1.1, 0.8],
                empty: text(lang, "pack-none"),
            },
            PackSection {
                title: text(lang, "league-ministries-heading"),
                text: Vec::new(),
                table: Table {
                    header: [
                        "league-col-rank",
                        "league-col-ministry",
                        "league-col-level",
                        "league-col-improvement",
                        "league-col-late",
                    ]
                    .iter()
                    .map(|k| text(lang, k))
                    .collect(),
                    rows: league_rows,
                },
                widths: vec![0.4, 2.6, 1.2, 1.4, 0.8],
                empty: text(lang, "pack-none"),
            },
            PackSection {
                title: text(lang, "midterm-title"),
                text: Vec::new(),
                widths: midterm_widths,
                table: midterm,
                empty: text(lang, "pack-none"),
            },
            PackSection {
                title: text(lang, "brief-scorecard"),
                text: Vec::new(),
                table: crate::content::scorecard(&card_refs, lang),
                widths: vec![2.0, 1.3, 1.3, 1.0, 1.0],
                empty: text(lang, "pack-none"),
            },
        ],
        page_word: text(lang, "brief-page"),
        of_word: text(lang, "brief-of"),
    }
}

/// One language of an archived pack.
#[derive(Debug, Clone)]
pub struct BuiltPack {
    pub lang: Lang,
    pub pack: md2030_store::packs::PackRecord,
    pub pdf: Vec<u8>,
    /// Typeset now (false: taken from the archive).
    pub typeset: bool,
}

/// The pack of the meeting of `meeting`, built on `today`, in `langs`: the
/// archived one when its inputs are the same (results, decisions, status
/// reports, judgments, meeting, day, template, md2030 version), else typeset and
/// archived. Needs the writer lock. `trigger` says who asked (`cli`,
/// `meeting:2027-01-21`); `now` is recorded.
pub fn build(
    store: &mut md2030_store::Store,
    published: &Published,
    meeting: &str,
    today: &str,
    langs: &[Lang],
    trigger: &str,
    now: &str,
) -> Result<Vec<BuiltPack>, crate::edition::Error> {
    let decisions = store.decisions()?;
    let updates = store.point_updates()?;
    let judgments = store.judgments()?;

    // The last briefing built from other figures: the league's reference.
    let previous_edition =
        store.editions()?.into_iter().find(|e| e.results_sha256 != published.results_sha256);
    let previous = previous_edition
        .as_ref()
        .and_then(|edition| md2030_results::stored_results(store, &edition.results_version));
    let key = md2030_store::packs::pack_key(&[
        published.results_sha256.as_bytes(),
        &serde_json::to_vec(&decisions).unwrap_or_default(),
        &serde_json::to_vec(&updates).unwrap_or_default(),
        &serde_json::to_vec(&judgments).unwrap_or_default(),
        meeting.as_bytes(),
        today.as_bytes(),
        crate::typeset::pack_template_sha256().as_bytes(),
        env!("CARGO_PKG_VERSION").as_bytes(),
        previous_edition.as_ref().map(|e| e.results_sha256.as_bytes()).unwrap_or_default(),
    ]);
    let mut built = Vec::new();
    for &lang in langs {
        let archived = match store.pack_by_key(&key)? {
            Some(pack) => store.read_pack(&pack, lang.code())?.map(|pdf| (pack, pdf)),
            None => None,
        };
        if let Some((pack, pdf)) = archived {
            built.push(BuiltPack { lang, pack, pdf, typeset: false });
            continue;
        }
        let sources = PackSources {
            published,
            decisions: &decisions,
            judgments: &judgments,
            meeting,
            today,
            previous: previous.as_ref(),
        };
        let rendered = crate::typeset::render_pack(&pack(&sources, lang))?;
        let archived = store.archive_pack(
            &md2030_store::packs::NewPack {
                key: &key,
                meeting_date: meeting,
                results_version: published.results_version(),
                trigger,
                built_at: now,
            },
            lang.code(),
            &rendered.pdf,
            rendered.pages,
        )?;
        built.push(BuiltPack { lang, pack: archived, pdf: rendered.pdf, typeset: true });
    }
    Ok(built)
}

/// The file name a pack's PDF is sent as.
pub fn file_name(pack: &md2030_store::packs::PackRecord, lang: Lang) -> String {
    format!("md2030-pack-p{}-{}-{}.pdf", pack.pack_no, pack.meeting_date, lang.code())
}
