//! The indicator catalogue (`data/catalog/indicators.toml`) and the target registry
//! (`data/catalog/targets.toml`). Both are text the caller passes in (the CLI reads
//! the data directory's copy when present, else the one compiled in), checked for
//! consistency when loaded.

use std::collections::{BTreeMap, BTreeSet};

use md2030_model::I18n;
use serde::{Deserialize, Serialize};

use crate::progress::Direction;
use crate::{Error, Result};

pub const INDICATORS_TOML: &str = include_str!("../../data/catalog/indicators.toml");
pub const TARGETS_TOML: &str = include_str!("../../data/catalog/targets.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pillar {
    PublicServices,
    DigitalEconomy,
    Enablers,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesBreak {
    pub year: i32,
    pub note: I18n,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub id: String,
    pub pillar: Pillar,
    pub unit: String,
    pub direction: Direction,
    pub datasets: Vec<String>,
    pub breakdowns: Vec<String>,
    pub frequency: String,
    pub producer: String,
    pub name: I18n,
    pub definition: I18n,
    pub methodology: I18n,
    /// Why no target is shown, when none is adopted.
    #[serde(default)]
    pub no_target_reason: Option<I18n>,
    #[serde(default)]
    pub series_breaks: Vec<SeriesBreak>,
    /// Days the producer takes to publish a period after it ends (default
    /// [`crate::freshness::PUBLICATION_LAG_DAYS`]).
    #[serde(default)]
    pub publication_lag_days: Option<u32>,
    /// What the quantity cannot exceed beyond its unit's range: `census_households`,
    /// the households of the latest census (`hcp_regions`), when it is stored.
    #[serde(default)]
    pub ceiling: Option<String>,
    /// How regions are compared when the quantity is a count: a count is larger
    /// where more people live, so the regional view compares it to the census
    /// population or households (`regions` reference, HCP 2024).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regional_rate: Option<RegionalRate>,
}

/// The rate a count is compared across regions by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionalRate {
    /// Per 100,000 inhabitants (population 2024).
    #[serde(rename = "per_100k_inhabitants")]
    Per100kInhabitants,
    /// Per inhabitant (population 2024): amounts of money.
    PerInhabitant,
    /// A share of the region's households (2024), in percent.
    ShareOfHouseholds,
}

impl RegionalRate {
    pub fn as_str(self) -> &'static str {
        match self {
            RegionalRate::Per100kInhabitants => "per_100k_inhabitants",
            RegionalRate::PerInhabitant => "per_inhabitant",
            RegionalRate::ShareOfHouseholds => "share_of_households",
        }
    }

    /// The census column of the `regions` reference it divides by, and the
    /// factor it multiplies by.
    pub fn denominator(self) -> (&'static str, f64) {
        match self {
            RegionalRate::Per100kInhabitants => ("population_2024", 100_000.0),
            RegionalRate::PerInhabitant => ("population_2024", 1.0),
            RegionalRate::ShareOfHouseholds => ("households_2024", 100.0),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub year: i32,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub id: String,
    pub indicator: String,
    /// A target on one slice of the indicator (`programme_type = "reconversion"`).
    #[serde(default)]
    pub breakdown: BTreeMap<String, String>,
    pub year: i32,
    pub value: f64,
    #[serde(default)]
    pub baseline: Option<Baseline>,
    pub source: I18n,
    pub adopted_by: I18n,
    pub adopted_on: String,
    /// 0 for a draft that was never adopted.
    pub version: u32,
    #[serde(default)]
    pub supersedes: Option<String>,
}

impl Target {
    pub fn is_draft(&self) -> bool {
        self.version == 0
    }
}

#[derive(Debug, Deserialize)]
struct IndicatorFile {
    indicator: Vec<Indicator>,
}

#[derive(Debug, Deserialize)]
struct TargetFile {
    target: Vec<Target>,
}

/// The catalogue and the registry, checked against each other and the contracts.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub indicators: Vec<Indicator>,
    pub targets: Vec<Target>,
    /// The named peer sets (`peers.toml`), the compiled ones unless
    /// [`Catalog::with_peer_sets`] read others.
    pub peer_sets: Vec<crate::peers::PeerSet>,
}

impl Catalog {
    pub fn compiled_in() -> Result<Catalog> {
        Catalog::from_toml(INDICATORS_TOML, TARGETS_TOML)
    }

    /// The catalogue with the named peer sets of `peers_toml` (an administrator's
    /// `catalog/peers.toml`).
    pub fn with_peer_sets(mut self, peers_toml: &str) -> Result<Catalog> {
        self.peer_sets = crate::peers::parse_peer_sets(peers_toml)?;
        Ok(self)
    }

    pub fn from_toml(indicators_toml: &str, targets_toml: &str) -> Result<Catalog> {
        let indicators = toml::from_str::<IndicatorFile>(indicators_toml)
            .map_err(|err| Error::Catalog(format!("indicators.toml: {err}")))?
            .indicator;
        let targets = toml::from_str::<TargetFile>(targets_toml)
            .map_err(|err| Error::Catalog(format!("targets.toml: {err}")))?
            .target;
        let peer_sets = crate::peers::parse_peer_sets(crate::peers::PEERS_TOML)?;
        let catalog = Catalog { indicators, targets, peer_sets };
        catalog.check()?;
        Ok(catalog)
    }

    fn check(&self) -> Result<()> {
        let bad = |message: String| Err(Error::Catalog(message));
        let mut ids = BTreeSet::new();
        for indicator in &self.indicators {
            if !ids.insert(indicator.id.as_str()) {
                return bad(format!("indicator {} is listed twice", indicator.id));
            }
            let texts = [
                ("name", Some(&indicator.name)),
                ("definition", Some(&indicator.definition)),
                ("methodology", Some(&indicator.methodology)),
                ("no_target_reason", indicator.no_target_reason.as_ref()),
            ];
            let notes =
                indicator.series_breaks.iter().map(|b| ("series_breaks.note", Some(&b.note)));
            if let Some((field, _)) = texts
                .into_iter()
                .chain(notes)
                .find(|(_, text)| text.is_some_and(|t| !t.is_complete()))
            {
                return bad(format!(
                    "indicator {}: {field} must be given in fr, ar and en ({{ fr = \"…\", ar = \"…\", en = \"…\" }})",
                    indicator.id
                ));
            }
            if let Some(ceiling) = indicator.ceiling.as_deref()
                && crate::series::ceiling_dataset(ceiling).is_none()
            {
                return bad(format!(
                    "indicator {} has ceiling {ceiling:?}: census_households is known",
                    indicator.id
                ));
            }
            if crate::freshness::cadence_months(&indicator.frequency).is_none() {
                return bad(format!(
                    "indicator {} has frequency {:?}: monthly, quarterly, annual, biennial or decennial",
                    indicator.id, indicator.frequency
                ));
            }
            for dataset in &indicator.datasets {
                if md2030_model::find_contract(dataset).is_none() {
                    return bad(format!(
                        "indicator {} reads unknown dataset {dataset}",
                        indicator.id
                    ));
                }
            }
        }
        let target_ids: BTreeSet<&str> = self.targets.iter().map(|t| t.id.as_str()).collect();
        if target_ids.len() != self.targets.len() {
            return bad("a target id is listed twice".into());
        }
        for target in &self.targets {
            let Some(indicator) = self.indicator(&target.indicator) else {
                return bad(format!(
                    "target {} is for unknown indicator {}",
                    target.id, target.indicator
                ));
            };
            for key in target.breakdown.keys() {
                if !indicator.breakdowns.contains(key) {
                    return bad(format!(
                        "target {} uses breakdown {key}, which {} does not have",
                        target.id, indicator.id
                    ));
                }
            }
            if let Some(superseded) = &target.supersedes {
                let Some(old) = self.targets.iter().find(|t| &t.id == superseded) else {
                    return bad(format!(
                        "target {} supersedes unknown target {superseded}",
                        target.id
                    ));
                };
                if old.indicator != target.indicator
                    || old.year != target.year
                    || old.breakdown != target.breakdown
                {
                    return bad(format!(
                        "target {} supersedes {superseded}, a target for another indicator, year or slice",
                        target.id
                    ));
                }
            }
            for (field, text) in [("source", &target.source), ("adopted_by", &target.adopted_by)] {
                if !text.is_complete() {
                    return bad(format!(
                        "target {}: {field} must be given in fr, ar and en ({{ fr = \"…\", ar = \"…\", en = \"…\" }})",
                        target.id
                    ));
                }
            }
            if chrono::NaiveDate::parse_from_str(&target.adopted_on, "%Y-%m-%d").is_err() {
                return bad(format!(
                    "target {}: adopted_on {} is not a date",
                    target.id, target.adopted_on
                ));
            }
        }
        Ok(())
    }

    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    /// Every target version for an indicator, year and slice, oldest first.
    pub fn target_versions(
        &self,
        indicator: &str,
        year: i32,
        breakdown: &BTreeMap<String, String>,
    ) -> Vec<&Target> {
        let mut versions: Vec<&Target> = self
            .targets
            .iter()
            .filter(|t| t.indicator == indicator && t.year == year && &t.breakdown == breakdown)
            .collect();
        versions.sort_by(|a, b| (a.version, &a.adopted_on).cmp(&(b.version, &b.adopted_on)));
        versions
    }

    /// The target in force: adopted (not a draft) and superseded by no other.
    pub fn target_in_force(
        &self,
        indicator: &str,
        year: i32,
        breakdown: &BTreeMap<String, String>,
    ) -> Option<&Target> {
        let versions = self.target_versions(indicator, year, breakdown);
        let superseded: BTreeSet<&str> =
            versions.iter().filter_map(|t| t.supersedes.as_deref()).collect();
        versions.into_iter().rev().find(|t| !t.is_draft() && !superseded.contains(t.id.as_str()))
    }

    /// The years with a target in force for the indicator's headline (no slice).
    pub fn target_years(&self, indicator: &str) -> Vec<i32> {
        let years: BTreeSet<i32> = self
            .targets
            .iter()
            .filter(|t| t.indicator == indicator && t.breakdown.is_empty())
            .map(|t| t.year)
            .collect();
        years
            .into_iter()
            .filter(|&y| self.target_in_force(indicator, y, &BTreeMap::new()).is_some())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headline() -> BTreeMap<String, String> {
        BTreeMap::new()
    }

    #[test]
    fn the_committed_catalogue_loads() {
        let catalog = Catalog::compiled_in().unwrap();
        assert!(catalog.indicators.len() >= 20);
        for pillar in [Pillar::PublicServices, Pillar::DigitalEconomy, Pillar::Enablers] {
            assert!(catalog.indicators.iter().any(|i| i.pillar == pillar));
        }
    }

    #[test]
    fn a_text_in_english_only_is_refused_with_its_target_and_field() {
        let targets = format!(
            "{TARGETS_TOML}\n[[target]]\nid = \"coverage_5g_2030_v3\"\nindicator = \"coverage_5g\"\nyear = 2030\nvalue = 90\nsource = {{ fr = \"Essai\", ar = \"تجربة\", en = \"Test\" }}\nadopted_by = \"The Commission\"\nadopted_on = \"2026-12-03\"\nversion = 3\nsupersedes = \"coverage_5g_2030_v2\"\n"
        );
        let err = Catalog::from_toml(INDICATORS_TOML, &targets).unwrap_err().to_string();
        assert!(
            err.contains("target coverage_5g_2030_v3: adopted_by must be given in fr, ar and en"),
            "{err}"
        );
        let complete = targets.replace(
            "adopted_by = \"The Commission\"",
            "adopted_by = { fr = \"La Commission\", ar = \"اللجنة\", en = \"The Commission\" }",
        );
        let catalog = Catalog::from_toml(INDICATORS_TOML, &complete).unwrap();
        let in_force = catalog.target_in_force("coverage_5g", 2030, &headline()).unwrap();
        assert_eq!(in_force.adopted_by.get(md2030_model::Lang::Ar), "اللجنة");
    }

    #[test]
    fn the_5g_target_raised_by_the_regulator_is_in_force_and_the_first_kept() {
        let catalog = Catalog::compiled_in().unwrap();
        let in_force = catalog.target_in_force("coverage_5g", 2030, &headline()).unwrap();
        assert_eq!((in_force.value, in_force.adopted_on.as_str()), (85.0, "2025-07-25"));
        let versions: Vec<f64> = catalog
            .target_versions("coverage_5g", 2030, &headline())
            .iter()
            .map(|t| t.value)
            .collect();
        assert_eq!(versions, vec![70.0, 85.0]);
    }

    #[test]
    fn launch_figures_replace_the_draft_and_slices_have_their_own_targets() {
        let catalog = Catalog::compiled_in().unwrap();
        assert_eq!(
            catalog.target_in_force("offshoring_jobs", 2030, &headline()).unwrap().value,
            270_000.0
        );
        assert_eq!(
            catalog.target_in_force("offshoring_jobs", 2026, &headline()).unwrap().value,
            190_000.0
        );
        let reconversion =
            BTreeMap::from([("programme_type".to_string(), "reconversion".to_string())]);
        assert_eq!(
            catalog.target_in_force("digital_talents_trained", 2030, &reconversion).unwrap().value,
            50_000.0
        );
        assert_eq!(
            catalog.target_in_force("digital_talents_trained", 2030, &headline()).unwrap().value,
            100_000.0
        );
        assert_eq!(catalog.target_years("labelled_startups"), vec![2026, 2030]);
        assert!(catalog.target_in_force("digital_take_up", 2030, &headline()).is_none());
        assert!(catalog.indicator("digital_take_up").unwrap().no_target_reason.is_some());
    }

    #[test]
    fn a_target_for_an_unknown_indicator_is_refused() {
        let targets = TARGETS_TOML.replacen(
            "indicator = \"offshoring_jobs\"",
            "indicator = \"offshore_jobz\"",
            1,
        );
        let err = Catalog::from_toml(INDICATORS_TOML, &targets).unwrap_err().to_string();
        assert!(err.contains("unknown indicator offshore_jobz"), "{err}");
    }
}
