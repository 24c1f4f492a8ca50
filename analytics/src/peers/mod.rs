//! Morocco among its peers (issue 18): its rank in the world and in each group of
//! countries on every internationally comparable indicator, the group's median and
//! best, the gaps to the leader and to the next country above, and the outlook of
//! the relative e-government target ([`outlook`]).
//!
//! **Who is compared.** The 193 UN member states of `data/reference/countries.csv`
//! (World Bank aggregates and territories are left out), in groups taken from the
//! publishers' own classifications: the UN's region in the E-Government Survey
//! (Africa), the World Bank's region (Middle East & North Africa) and Morocco's
//! income group, the League of Arab States, then the named sets of
//! `data/catalog/peers.toml` that an administrator edits. Today's membership is
//! applied to every year (the Arab League counts Syria throughout).
//!
//! **How a rank is counted.** Within a group, among the members with a value for
//! the period: 1 + the number with a strictly higher value (equal values share a
//! rank, the next skipping as many places, as the UN ranks its index). Every
//! comparable indicator is better higher.

pub mod csv;
pub mod outlook;

pub use outlook::{
    COMPONENTS, Edition, Outlook, PACE_EDITIONS, Scenario, competition_ranks, group_ranks, outlook,
    project,
};

use std::collections::BTreeMap;

use md2030_model::I18n;
use md2030_model::reference::reference_table;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::progress::{ACCELERATION_RATIO, ProgressStatus};
use crate::series::Frames;
use crate::{Error, Result};

/// The country the report is about.
pub const HOME: &str = "MAR";

/// A country's name in `lang` (its code when unknown).
pub fn country_name(iso3: &str, lang: md2030_model::Lang) -> String {
    reference_table("countries")
        .and_then(|t| t.row(iso3))
        .map(|r| r.name(lang).to_string())
        .unwrap_or_else(|| iso3.to_string())
}

/// The dataset versions a peer report reads, sorted: what names it (its cache key).
pub fn read_versions(versions: &BTreeMap<String, String>) -> Vec<String> {
    let mut read: Vec<String> =
        ["un_egdi", "wb_wdi"].iter().filter_map(|d| versions.get(*d)).cloned().collect();
    read.sort();
    read
}

/// The named peer sets compiled into the binary.
pub const PEERS_TOML: &str = include_str!("../../../data/catalog/peers.toml");

/// Survey years the relative target is projected to.
pub const OUTLOOK_YEARS: [i32; 3] = [2026, 2028, 2030];

/// World Bank series compared from this year on.
pub const FIRST_YEAR: i32 = 2000;

/// A named set of countries, from `peers.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerSet {
    pub id: String,
    pub name: I18n,
    /// How a rank in the set reads in a sentence ("au Maghreb": "2e au Maghreb");
    /// without it, "parmi" and the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phrase: Option<I18n>,
    pub members: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeersFile {
    #[serde(default)]
    set: Vec<PeerSet>,
}

/// The text of a `peers.toml` holding `sets` (what `md2030 peers set` writes),
/// checked by reading it back. Strings are written as JSON string literals, which
/// are TOML basic strings (the same escapes).
pub fn peer_sets_toml(sets: &[PeerSet]) -> Result<String> {
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let i18n = |t: &I18n| {
        format!("{{ fr = {}, ar = {}, en = {} }}", quote(&t.fr), quote(&t.ar), quote(&t.en))
    };
    let mut text = String::from(
        "# Named peer sets, written by `md2030 peers set` (see data/catalog/peers.toml\n# for the format). Members are ISO3 codes of UN member states.\n",
    );
    for set in sets {
        text.push_str(&format!("\n[[set]]\nid = {}\nname = {}\n", quote(&set.id), i18n(&set.name)));
        if let Some(phrase) = &set.phrase {
            text.push_str(&format!("phrase = {}\n", i18n(phrase)));
        }
        let members: Vec<String> = set.members.iter().map(|m| quote(m)).collect();
        text.push_str(&format!("members = [{}]\n", members.join(", ")));
    }
    if parse_peer_sets(&text)? != sets {
        return Err(Error::Catalog("peers.toml: the sets do not read back as written".into()));
    }
    Ok(text)
}

/// Reads and checks the named peer sets: ids of lower-case letters and `_`, unique
/// and not those of a publisher's group; names in three languages; members UN
/// member states, written as their ISO3 codes, each once.
pub fn parse_peer_sets(text: &str) -> Result<Vec<PeerSet>> {
    let bad = |message: String| Error::Catalog(format!("peers.toml: {message}"));
    let sets = toml::from_str::<PeersFile>(text).map_err(|err| bad(err.to_string()))?.set;
    let countries = reference_table("countries").ok_or_else(|| bad("no country table".into()))?;
    let mut seen: Vec<&str> = PUBLISHER_GROUPS.iter().map(|g| g.0).collect();
    for set in &sets {
        if set.id.is_empty() || !set.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return Err(bad(format!("set id {:?}: lower-case letters and _ only", set.id)));
        }
        if seen.contains(&set.id.as_str()) {
            return Err(bad(format!("set id {:?} is used twice", set.id)));
        }
        seen.push(&set.id);
        if !set.name.is_complete() || set.phrase.as_ref().is_some_and(|p| !p.is_complete()) {
            return Err(bad(format!("set {}: name must be given in fr, ar and en", set.id)));
        }
        if set.members.is_empty() {
            return Err(bad(format!("set {}: no members", set.id)));
        }
        for (i, member) in set.members.iter().enumerate() {
            if countries.row(member).is_none() {
                let hint = countries
                    .resolve(member)
                    .map(|code| format!(" (did you mean {code}?)"))
                    .unwrap_or_default();
                return Err(bad(format!(
                    "set {}: {member:?} is not the ISO3 code of a UN member state{hint}",
                    set.id
                )));
            }
            if set.members[..i].contains(member) {
                return Err(bad(format!("set {}: {member} is listed twice", set.id)));
            }
        }
    }
    Ok(sets)
}

/// Which countries a publisher's group holds: all, or those whose reference
/// column has a value (`None`: Morocco's own value of that column).
type Membership = Option<(&'static str, Option<&'static str>)>;

/// The publishers' groups: id, membership, names.
const PUBLISHER_GROUPS: [(&str, Membership, [&str; 3], [&str; 3]); 5] = [
    ("world", None, ["Monde", "العالم", "World"], ["au monde", "عالميا", "in the world"]),
    (
        "africa",
        Some(("un_region", Some("Africa"))),
        ["Afrique (ONU)", "أفريقيا (الأمم المتحدة)", "Africa (UN)"],
        ["en Afrique", "في أفريقيا", "in Africa"],
    ),
    (
        "arab_league",
        Some(("arab_league", Some("true"))),
        ["Ligue arabe", "جامعة الدول العربية", "Arab League"],
        ["dans la Ligue arabe", "في جامعة الدول العربية", "in the Arab League"],
    ),
    (
        "mena",
        Some(("wb_region", Some("Middle East & North Africa"))),
        [
            "Moyen-Orient et Afrique du Nord (Banque mondiale)",
            "الشرق الأوسط وشمال أفريقيا (البنك الدولي)",
            "Middle East & North Africa (World Bank)",
        ],
        [
            "au Moyen-Orient et en Afrique du Nord",
            "في الشرق الأوسط وشمال أفريقيا",
            "in the Middle East & North Africa",
        ],
    ),
    ("income", Some(("wb_income", None)), ["", "", ""], ["", "", ""]),
];

/// The World Bank's income groups, named in three languages.
const INCOME_NAMES: [(&str, [&str; 3], [&str; 3]); 4] = [
    (
        "Low income",
        ["Pays à faible revenu", "البلدان منخفضة الدخل", "Low income"],
        [
            "parmi les pays à faible revenu",
            "بين البلدان منخفضة الدخل",
            "among low-income countries",
        ],
    ),
    (
        "Lower middle income",
        [
            "Pays à revenu intermédiaire, tranche inférieure",
            "البلدان ذات الدخل المتوسط الأدنى",
            "Lower middle income",
        ],
        [
            "parmi les pays à revenu intermédiaire de la tranche inférieure",
            "بين البلدان ذات الدخل المتوسط الأدنى",
            "among lower-middle-income countries",
        ],
    ),
    (
        "Upper middle income",
        [
            "Pays à revenu intermédiaire, tranche supérieure",
            "البلدان ذات الدخل المتوسط الأعلى",
            "Upper middle income",
        ],
        [
            "parmi les pays à revenu intermédiaire de la tranche supérieure",
            "بين البلدان ذات الدخل المتوسط الأعلى",
            "among upper-middle-income countries",
        ],
    ),
    (
        "High income",
        ["Pays à revenu élevé", "البلدان مرتفعة الدخل", "High income"],
        [
            "parmi les pays à revenu élevé",
            "بين البلدان مرتفعة الدخل",
            "among high-income countries",
        ],
    ),
];

fn i18n(names: [&str; 3]) -> I18n {
    I18n { fr: names[0].into(), ar: names[1].into(), en: names[2].into() }
}

/// A group Morocco is ranked in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub id: String,
    pub name: I18n,
    /// How a rank in the group reads in a sentence: "en Afrique", "في أفريقيا".
    pub phrase: I18n,
    /// Whose classification: `UNDESA`, `WB`, `LAS` (the League), or `md2030` for a
    /// named set.
    pub classified_by: String,
    /// ISO3 codes, sorted; Morocco always in.
    pub members: Vec<String>,
}

/// The groups, publishers' first, then the named sets.
pub fn groups(sets: &[PeerSet]) -> Vec<Group> {
    let Some(countries) = reference_table("countries") else {
        return Vec::new();
    };
    let home = countries.row(HOME);
    let mut out = Vec::new();
    for (id, rule, names, phrase) in PUBLISHER_GROUPS {
        let (column, wanted) = match rule {
            None => ("", None),
            Some((column, Some(value))) => (column, Some(value.to_string())),
            Some((column, None)) => {
                (column, home.and_then(|h| h.column(column)).map(str::to_string))
            }
        };
        let (mut name, mut phrase) = (i18n(names), i18n(phrase));
        if id == "income" {
            let Some(income) = &wanted else { continue };
            let Some((_, names, phrases)) = INCOME_NAMES.iter().find(|(en, ..)| en == income)
            else {
                continue;
            };
            (name, phrase) = (i18n(*names), i18n(*phrases));
        }
        let mut members: Vec<String> = countries
            .rows
            .iter()
            .filter(|r| column.is_empty() || r.column(column) == wanted.as_deref())
            .map(|r| r.code.clone())
            .collect();
        members.sort();
        let classified_by = match column {
            "arab_league" => "LAS",
            "wb_region" | "wb_income" => "WB",
            _ => "UNDESA",
        };
        out.push(Group {
            id: id.into(),
            name,
            phrase,
            classified_by: classified_by.into(),
            members,
        });
    }
    for set in sets {
        let mut members = set.members.clone();
        if !members.iter().any(|m| m == HOME) {
            members.push(HOME.into());
        }
        members.sort();
        let phrase = set.phrase.clone().unwrap_or_else(|| I18n {
            fr: format!("parmi : {}", set.name.fr),
            ar: format!("ضمن: {}", set.name.ar),
            en: format!("among: {}", set.name.en),
        });
        out.push(Group {
            id: set.id.clone(),
            name: set.name.clone(),
            phrase,
            classified_by: "md2030".into(),
            members,
        });
    }
    out
}

/// Where an indicator's values are read.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    /// A column of the UN E-Government Survey (`un_egdi`), per survey year.
    UnEgdi(&'static str),
    /// A World Bank WDI series (`wb_wdi`), per year from [`FIRST_YEAR`].
    Wdi(&'static str),
}

/// An internationally comparable indicator.
#[derive(Debug, Clone, Copy)]
pub struct Comparable {
    pub id: &'static str,
    pub source: Source,
    /// fr, ar, en.
    pub name: [&'static str; 3],
    /// `index` (0–1), `percent`, `per_100`, `usd`.
    pub unit: &'static str,
}

impl Comparable {
    pub fn dataset(&self) -> &'static str {
        match self.source {
            Source::UnEgdi(_) => "un_egdi",
            Source::Wdi(_) => "wb_wdi",
        }
    }

    /// The publisher's code of the series (`egdi`, `IT.NET.USER.ZS`).
    pub fn code(&self) -> &'static str {
        match self.source {
            Source::UnEgdi(code) | Source::Wdi(code) => code,
        }
    }

    pub fn name(&self) -> I18n {
        i18n(self.name)
    }
}

/// Every indicator compared, in the order shown.
pub const COMPARABLES: [Comparable; 9] = [
    Comparable {
        id: "egdi",
        source: Source::UnEgdi("egdi"),
        name: [
            "Indice de développement de l'e-gouvernement (EGDI)",
            "مؤشر تنمية الحكومة الإلكترونية",
            "E-Government Development Index (EGDI)",
        ],
        unit: "index",
    },
    Comparable {
        id: "osi",
        source: Source::UnEgdi("osi"),
        name: ["Indice des services en ligne", "مؤشر الخدمات عبر الإنترنت", "Online Services Index"],
        unit: "index",
    },
    Comparable {
        id: "hci",
        source: Source::UnEgdi("hci"),
        name: ["Indice du capital humain", "مؤشر رأس المال البشري", "Human Capital Index"],
        unit: "index",
    },
    Comparable {
        id: "tii",
        source: Source::UnEgdi("tii"),
        name: [
            "Indice des infrastructures de télécommunication",
            "مؤشر البنية التحتية للاتصالات",
            "Telecommunication Infrastructure Index",
        ],
        unit: "index",
    },
    Comparable {
        id: "epi",
        source: Source::UnEgdi("epi"),
        name: [
            "Indice de participation en ligne",
            "مؤشر المشاركة الإلكترونية",
            "E-Participation Index",
        ],
        unit: "index",
    },
    Comparable {
        id: "internet_users",
        source: Source::Wdi("IT.NET.USER.ZS"),
        name: [
            "Utilisateurs d'Internet (% de la population)",
            "مستخدمو الإنترنت (% من السكان)",
            "Internet users (% of population)",
        ],
        unit: "percent",
    },
    Comparable {
        id: "fixed_broadband",
        source: Source::Wdi("IT.NET.BBND.P2"),
        name: [
            "Abonnements au haut débit fixe (pour 100 habitants)",
            "اشتراكات النطاق العريض الثابت (لكل 100 نسمة)",
            "Fixed broadband subscriptions (per 100 people)",
        ],
        unit: "per_100",
    },
    Comparable {
        id: "mobile",
        source: Source::Wdi("IT.CEL.SETS.P2"),
        name: [
            "Abonnements à la téléphonie mobile (pour 100 habitants)",
            "اشتراكات الهاتف المحمول (لكل 100 نسمة)",
            "Mobile cellular subscriptions (per 100 people)",
        ],
        unit: "per_100",
    },
    Comparable {
        id: "ict_service_exports",
        source: Source::Wdi("BX.GSR.CCIS.CD"),
        name: [
            "Exportations de services TIC (dollars courants)",
            "صادرات خدمات تكنولوجيا المعلومات والاتصالات (بالدولار الجاري)",
            "ICT service exports (current US$)",
        ],
        unit: "usd",
    },
];

/// One country's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub iso3: String,
    pub value: f64,
}

/// Morocco in one group for one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standing {
    pub group: String,
    pub rank: usize,
    /// Members with a value for the period.
    pub of: usize,
    pub median: f64,
    /// The best value (the first by code among equals).
    pub leader: Entry,
    /// The lowest value above Morocco's (None when Morocco leads), and its rank.
    pub next_above: Option<Entry>,
    #[serde(default)]
    pub next_above_rank: Option<usize>,
}

/// Morocco's value and standings for one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerPeriod {
    pub period: String,
    pub value: f64,
    pub standings: Vec<Standing>,
}

/// One indicator compared: every period Morocco has a value for, and every UN
/// member's value in the latest of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerIndicator {
    pub id: String,
    /// The dataset version read (`un_egdi@v12`).
    pub version: String,
    pub periods: Vec<PeerPeriod>,
    /// Every UN member's value in the last period, highest first.
    pub latest: Vec<Entry>,
}

impl PeerIndicator {
    pub fn comparable(&self) -> Option<&'static Comparable> {
        COMPARABLES.iter().find(|c| c.id == self.id)
    }

    pub fn last(&self) -> Option<&PeerPeriod> {
        self.periods.last()
    }
}

/// The relative e-government target projected to one survey under one scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetOutlook {
    pub year: i32,
    pub scenario: Scenario,
    /// The rank aimed at (50).
    pub rank: usize,
    /// Morocco's latest edition and its index (mean of the components).
    pub latest_year: i32,
    pub latest_index: f64,
    #[serde(flatten)]
    pub outlook: Outlook,
    /// Countries projected (those with two editions or more).
    pub countries: usize,
}

/// Everything the peer view shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerReport {
    pub groups: Vec<Group>,
    pub indicators: Vec<PeerIndicator>,
    /// For each survey year of [`OUTLOOK_YEARS`], each scenario.
    pub outlook: Vec<TargetOutlook>,
    /// Every dataset version read, sorted (the cache key).
    pub read: Vec<String>,
}

impl PeerReport {
    pub fn indicator(&self, id: &str) -> Option<&PeerIndicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    pub fn outlook_for(&self, year: i32, scenario: Scenario) -> Option<&TargetOutlook> {
        self.outlook.iter().find(|o| o.year == year && o.scenario == scenario)
    }
}

/// Each comparable's values: comparable id -> period -> every UN member's entry.
pub type Values = BTreeMap<&'static str, BTreeMap<String, Vec<Entry>>>;

/// Every comparable indicator's values, each table read once (one Polars query per
/// dataset, then one pass over its rows): UN members only, World Bank series from
/// [`FIRST_YEAR`].
pub fn values(frames: &Frames) -> Result<Values> {
    let countries = reference_table("countries");
    let member = |iso3: &str| countries.is_some_and(|c| c.row(iso3).is_some());
    let mut out = Values::new();
    let mut push = |id: &'static str, period: String, iso3: &str, value: Option<f64>| {
        if let Some(value) = value.filter(|v| v.is_finite())
            && member(iso3)
        {
            out.entry(id)
                .or_default()
                .entry(period)
                .or_default()
                .push(Entry { iso3: iso3.to_string(), value });
        }
    };
    if let Some(frame) = frames.get("un_egdi").cloned() {
        let columns: Vec<(&'static str, &'static str)> = COMPARABLES
            .iter()
            .filter_map(|c| match c.source {
                Source::UnEgdi(column) => Some((c.id, column)),
                Source::Wdi(_) => None,
            })
            .collect();
        let mut select = vec![
            col("country_iso3").cast(DataType::String),
            col("survey_year").cast(DataType::Int32),
        ];
        select.extend(columns.iter().map(|(_, column)| col(*column).cast(DataType::Float64)));
        let df = frame.select(select).collect()?;
        let iso3 = df.column("country_iso3")?.str()?;
        let year = df.column("survey_year")?.i32()?;
        let numbers = columns
            .iter()
            .map(|(_, column)| Ok(df.column(column)?.f64()?.clone()))
            .collect::<Result<Vec<_>>>()?;
        for row in 0..df.height() {
            let (Some(iso3), Some(year)) = (iso3.get(row), year.get(row)) else { continue };
            for ((id, _), column) in columns.iter().zip(&numbers) {
                push(id, year.to_string(), iso3, column.get(row));
            }
        }
    }
    if let Some(frame) = frames.get("wb_wdi").cloned() {
        let mut wanted = lit(false);
        for comparable in COMPARABLES.iter().filter(|c| c.dataset() == "wb_wdi") {
            wanted = wanted.or(col("indicator_code").eq(lit(comparable.code())));
        }
        let df = frame
            .filter(wanted.and(col("year").cast(DataType::Int32).gt_eq(lit(FIRST_YEAR))))
            .select([
                col("indicator_code").cast(DataType::String),
                col("country_code").cast(DataType::String),
                col("year").cast(DataType::Int32),
                col("value").cast(DataType::Float64),
            ])
            .collect()?;
        let code = df.column("indicator_code")?.str()?;
        let iso3 = df.column("country_code")?.str()?;
        let year = df.column("year")?.i32()?;
        let value = df.column("value")?.f64()?;
        for row in 0..df.height() {
            let (Some(code), Some(iso3), Some(year)) =
                (code.get(row), iso3.get(row), year.get(row))
            else {
                continue;
            };
            if let Some(c) =
                COMPARABLES.iter().find(|c| c.dataset() == "wb_wdi" && c.code() == code)
            {
                push(c.id, year.to_string(), iso3, value.get(row));
            }
        }
    }
    Ok(out)
}

/// The median of `values` (sorted or not); 0 when empty.
fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 }
}

/// Morocco's standing in `group` among `entries`, if Morocco has a value.
pub fn standing(entries: &[Entry], group: &Group) -> Option<Standing> {
    let home = entries.iter().find(|e| e.iso3 == HOME)?.value;
    let members: Vec<&Entry> =
        entries.iter().filter(|e| group.members.binary_search(&e.iso3).is_ok()).collect();
    let rank = 1 + members.iter().filter(|e| e.value > home).count();
    let mut values: Vec<f64> = members.iter().map(|e| e.value).collect();
    let by_value_then_code =
        |a: &&&Entry, b: &&&Entry| a.value.total_cmp(&b.value).then_with(|| b.iso3.cmp(&a.iso3));
    let leader = members.iter().max_by(by_value_then_code).map(|e| (**e).clone())?;
    let next_above = members
        .iter()
        .filter(|e| e.value > home)
        .min_by(|a, b| a.value.total_cmp(&b.value).then_with(|| a.iso3.cmp(&b.iso3)))
        .map(|e| (**e).clone());
    let next_above_rank =
        next_above.as_ref().map(|n| 1 + members.iter().filter(|e| e.value > n.value).count());
    Some(Standing {
        group: group.id.clone(),
        rank,
        of: members.len(),
        median: median(&mut values),
        leader,
        next_above,
        next_above_rank,
    })
}

/// Each UN member's survey editions with the three components, oldest first.
pub fn editions(values: &Values) -> BTreeMap<String, Vec<Edition>> {
    let empty = BTreeMap::new();
    let by_component: Vec<&BTreeMap<String, Vec<Entry>>> =
        COMPONENTS.iter().map(|id| values.get(id).unwrap_or(&empty)).collect();
    let mut out: BTreeMap<String, Vec<Edition>> = BTreeMap::new();
    for (period, osi) in by_component[0] {
        let Ok(year) = period.parse::<i32>() else { continue };
        let find = |k: usize, iso3: &str| {
            by_component[k].get(period)?.iter().find(|e| e.iso3 == iso3).map(|e| e.value)
        };
        for entry in osi {
            if let (Some(hci), Some(tii)) = (find(1, &entry.iso3), find(2, &entry.iso3)) {
                out.entry(entry.iso3.clone()).or_default().push(Edition {
                    year,
                    osi: entry.value,
                    hci,
                    tii,
                });
            }
        }
    }
    out
}

/// The relative target projected to every survey of [`OUTLOOK_YEARS`] after
/// Morocco's latest edition, under both scenarios.
pub fn target_outlook(
    editions: &BTreeMap<String, Vec<Edition>>,
    rank: usize,
) -> Vec<TargetOutlook> {
    let Some(latest) = editions.get(HOME).and_then(|e| e.last()) else {
        return Vec::new();
    };
    let countries = editions.values().filter(|e| e.len() >= 2).count();
    let mut out = Vec::new();
    for year in OUTLOOK_YEARS.into_iter().filter(|y| *y > latest.year) {
        for scenario in [Scenario::OwnPace, Scenario::FasterPace] {
            if let Some(outlook) = outlook(editions, HOME, year, rank, scenario) {
                out.push(TargetOutlook {
                    year,
                    scenario,
                    rank,
                    latest_year: latest.year,
                    latest_index: latest.index(),
                    outlook,
                    countries,
                });
            }
        }
    }
    out
}

/// The indicator whose target is relative: judged against the projected threshold.
pub const RELATIVE_INDICATOR: &str = "egdi_rank";

/// A rank target judged against the score the rank is projected to need: the
/// others at their own pace (the central case) and faster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelativeJudgment {
    pub status: ProgressStatus,
    /// The survey year and rank aimed at.
    pub year: i32,
    pub rank: usize,
    pub latest_year: i32,
    pub latest_index: f64,
    /// The index projected at Morocco's own pace, and the rank it gives with the
    /// others at their own pace and faster.
    pub projected: f64,
    pub projected_rank: usize,
    pub projected_rank_faster: usize,
    /// The score the rank needs, under each scenario.
    pub threshold: f64,
    pub threshold_faster: f64,
    /// Morocco's own pace and the pace needed, index points a year.
    pub pace: f64,
    pub pace_needed: f64,
}

/// Judges the relative target from the outlook of its survey year: on track when
/// Morocco's projected index reaches the rank with the others at their own pace;
/// otherwise, as for any target, on Morocco's pace ÷ the pace needed: needs
/// acceleration from [`ACCELERATION_RATIO`], limited progress above 0,
/// deterioration at 0 or below.
pub fn judge_relative(outlook: &[TargetOutlook], year: i32) -> Option<RelativeJudgment> {
    let own = outlook.iter().find(|o| o.year == year && o.scenario == Scenario::OwnPace)?;
    let faster = outlook.iter().find(|o| o.year == year && o.scenario == Scenario::FasterPace)?;
    let years = f64::from(year - own.latest_year);
    let pace = if years > 0.0 { (own.outlook.projected - own.latest_index) / years } else { 0.0 };
    let needed = own.outlook.needed_yearly_gain;
    let status = if own.outlook.projected_rank <= own.rank {
        ProgressStatus::OnTrack
    } else if needed > 0.0 && pace / needed >= ACCELERATION_RATIO {
        ProgressStatus::NeedsAcceleration
    } else if pace > 0.0 {
        ProgressStatus::LimitedProgress
    } else {
        ProgressStatus::Deterioration
    };
    Some(RelativeJudgment {
        status,
        year,
        rank: own.rank,
        latest_year: own.latest_year,
        latest_index: own.latest_index,
        projected: own.outlook.projected,
        projected_rank: own.outlook.projected_rank,
        projected_rank_faster: faster.outlook.projected_rank,
        threshold: own.outlook.threshold,
        threshold_faster: faster.outlook.threshold,
        pace,
        pace_needed: needed,
    })
}

/// The peer report from the stored UN and World Bank tables, or None when neither
/// is stored. `versions`: dataset -> version read; `target_rank`: the rank the
/// e-government target aims at.
pub fn report(
    frames: &Frames,
    versions: &BTreeMap<String, String>,
    sets: &[PeerSet],
    target_rank: Option<usize>,
) -> Result<Option<PeerReport>> {
    let datasets = ["un_egdi", "wb_wdi"];
    if !datasets.iter().any(|d| frames.contains_key(*d)) {
        return Ok(None);
    }
    let all = values(frames)?;
    let groups = groups(sets);
    let mut indicators = Vec::new();
    for comparable in &COMPARABLES {
        let Some(version) = versions.get(comparable.dataset()) else { continue };
        let Some(by_period) = all.get(comparable.id) else { continue };
        let mut periods = Vec::new();
        for (period, entries) in by_period {
            let standings: Vec<Standing> =
                groups.iter().filter_map(|g| standing(entries, g)).collect();
            if let Some(home) = entries.iter().find(|e| e.iso3 == HOME) {
                periods.push(PeerPeriod { period: period.clone(), value: home.value, standings });
            }
        }
        let Some(last) = periods.last() else { continue };
        let mut latest = by_period.get(&last.period).cloned().unwrap_or_default();
        latest.sort_by(|a, b| b.value.total_cmp(&a.value).then_with(|| a.iso3.cmp(&b.iso3)));
        indicators.push(PeerIndicator {
            id: comparable.id.into(),
            version: version.clone(),
            periods,
            latest,
        });
    }
    let outlook = match (target_rank, frames.contains_key("un_egdi")) {
        (Some(rank), true) => target_outlook(&editions(&all), rank),
        _ => Vec::new(),
    };
    Ok(Some(PeerReport { groups, indicators, outlook, read: read_versions(versions) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(iso3: &str, value: f64) -> Entry {
        Entry { iso3: iso3.into(), value }
    }

    #[test]
    fn the_compiled_peer_sets_read_and_bad_edits_are_named() {
        let sets = parse_peer_sets(PEERS_TOML).unwrap();
        assert_eq!(sets.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["peers", "maghreb"]);
        let set = |members: &str| {
            format!(
                "[[set]]\nid = \"x\"\nname = {{ fr = \"a\", ar = \"b\", en = \"c\" }}\nmembers = [{members}]\n"
            )
        };
        let err = parse_peer_sets(&set("\"Tunisia\"")).unwrap_err().to_string();
        assert!(
            err.contains(
                "\"Tunisia\" is not the ISO3 code of a UN member state (did you mean TUN?)"
            ),
            "{err}"
        );
        let err = parse_peer_sets(&set("\"TUN\", \"TUN\"")).unwrap_err().to_string();
        assert!(err.contains("TUN is listed twice"), "{err}");
        let err = parse_peer_sets(&set("\"TUN\"").replace("\"x\"", "\"world\"")).unwrap_err();
        assert!(err.to_string().contains("used twice"), "{err}");
    }

    #[test]
    fn written_peer_sets_read_back_the_same() {
        let mut sets = parse_peer_sets(PEERS_TOML).unwrap();
        sets[0].members = vec!["TUN".into(), "EGY".into()];
        sets[0].name.fr = "Pays \"cibles\"\\ de référence".into();
        let text = peer_sets_toml(&sets).unwrap();
        assert_eq!(parse_peer_sets(&text).unwrap(), sets);
        sets[1].members.push("XXX".into());
        assert!(peer_sets_toml(&sets).is_err());
    }

    /// Morocco's groups from the reference: 193 in the world, 54 in Africa, 21 in
    /// the Arab League, 20 in the World Bank's MENA (its UN members: Malta
    /// included, the West Bank and Gaza not), 50 in the lower-middle-income group
    /// (counted in countries.csv); a named set gains Morocco.
    #[test]
    fn the_publishers_groups_come_from_the_reference() {
        let sets = parse_peer_sets(PEERS_TOML).unwrap();
        let groups = groups(&sets);
        let size = |id: &str| groups.iter().find(|g| g.id == id).unwrap().members.len();
        assert_eq!(size("world"), 193);
        assert_eq!(size("africa"), 54);
        assert_eq!(size("arab_league"), 21);
        assert_eq!(size("mena"), 20);
        assert_eq!(size("income"), 50);
        assert_eq!(size("maghreb"), 5);
        assert_eq!(size("peers"), 11);
        let income = groups.iter().find(|g| g.id == "income").unwrap();
        assert_eq!(income.name.fr, "Pays à revenu intermédiaire, tranche inférieure");
        assert!(groups.iter().all(|g| g.members.binary_search(&HOME.to_string()).is_ok()));
    }

    /// Six countries, a group of four (MAR, TUN, DZA, EGY):
    /// world 0.9 (FRA), 0.8 (TUN), 0.7 (ESP), 0.6 (MAR), 0.6 (DZA), 0.5 (EGY).
    /// World: 3 higher → rank 4 of 6; median (0.7 + 0.6) / 2 = 0.65; leader FRA;
    /// next above ESP 0.7. Group: TUN above → rank 2 of 4 (DZA shares nothing:
    /// equal is not above); median of 0.8, 0.6, 0.6, 0.5 = 0.6; leader and next
    /// above TUN.
    #[test]
    fn a_standing_counts_rank_median_leader_and_next_above() {
        let entries = [
            entry("FRA", 0.9),
            entry("TUN", 0.8),
            entry("ESP", 0.7),
            entry("MAR", 0.6),
            entry("DZA", 0.6),
            entry("EGY", 0.5),
        ];
        let world = Group {
            id: "world".into(),
            name: I18n::default(),
            phrase: I18n::default(),
            classified_by: String::new(),
            members: {
                let mut m: Vec<String> = entries.iter().map(|e| e.iso3.clone()).collect();
                m.sort();
                m
            },
        };
        let s = standing(&entries, &world).unwrap();
        assert_eq!((s.rank, s.of), (4, 6));
        assert!((s.median - 0.65).abs() < 1e-12);
        assert_eq!(s.leader, entry("FRA", 0.9));
        assert_eq!(s.next_above, Some(entry("ESP", 0.7)));
        assert_eq!(s.next_above_rank, Some(3));
        let group = Group {
            phrase: I18n::default(),
            members: ["DZA", "EGY", "MAR", "TUN"].map(String::from).to_vec(),
            ..world.clone()
        };
        let s = standing(&entries, &group).unwrap();
        assert_eq!((s.rank, s.of), (2, 4));
        assert!((s.median - 0.6).abs() < 1e-12);
        assert_eq!(s.leader, entry("TUN", 0.8));
        assert_eq!(s.next_above, Some(entry("TUN", 0.8)));
        // Leading: no one above.
        let top = [entry("MAR", 1.0), entry("TUN", 0.8)];
        assert_eq!(standing(&top, &group).unwrap().next_above, None);
    }
}
