//! Reference tables compiled in from `data/reference/`: the 12 regions of 2015 (HCP
//! codes 01 to 12), ministries and other producers, Idarati themes and UN member
//! countries. A foreign key to one of them accepts the code or any of the row's names
//! (folded), and stores the code.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::lang::{I18n, Lang};
use crate::normalize::fold;
use crate::{Error, Result};

/// The names of the reference tables a contract's foreign key may point to.
pub const REFERENCE_TABLES: [&str; 4] = ["regions", "ministries", "themes", "countries"];

/// One row of a reference table.
#[derive(Debug, Clone)]
pub struct ReferenceRow {
    pub code: String,
    pub names: I18n,
    /// Every column of the row by heading, as written in the CSV.
    pub columns: Vec<(String, String)>,
}

impl ReferenceRow {
    pub fn name(&self, lang: Lang) -> &str {
        self.names.get(lang)
    }

    pub fn column(&self, heading: &str) -> Option<&str> {
        self.columns.iter().find(|(h, _)| h == heading).map(|(_, v)| v.as_str())
    }
}

/// A reference table: rows in file order and a lookup from folded code, name or alias.
#[derive(Debug)]
pub struct ReferenceTable {
    pub name: &'static str,
    pub rows: Vec<ReferenceRow>,
    lookup: HashMap<String, usize>,
    exact: HashMap<String, usize>,
    pub source_csv: &'static str,
}

impl ReferenceTable {
    /// The canonical code for `value` (a code, a name in any language or an alias).
    pub fn resolve(&self, value: &str) -> Option<&str> {
        if let Some(&idx) = self.exact.get(value) {
            return Some(&self.rows[idx].code);
        }
        self.lookup.get(&fold(value)).map(|&idx| self.rows[idx].code.as_str())
    }

    /// The code `value` stands for when it is a code of zero-padded digits typed
    /// as a number (`1` for `01`: a spreadsheet drops the zero), if the table's
    /// codes are all digits of one width.
    pub fn resolve_unpadded(&self, value: &str) -> Option<&str> {
        let width = self.rows.first()?.code.len();
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(value)
            || value.len() >= width
            || !self.rows.iter().all(|r| r.code.len() == width && digits(&r.code))
        {
            return None;
        }
        let padded = format!("{value:0>width$}");
        self.exact.get(&padded).map(|&idx| self.rows[idx].code.as_str())
    }

    pub fn row(&self, code: &str) -> Option<&ReferenceRow> {
        self.exact.get(code).map(|&idx| &self.rows[idx])
    }

    fn parse(
        name: &'static str,
        csv_text: &'static str,
        code_column: &str,
    ) -> Result<ReferenceTable> {
        let bad = |message: String| Error::BadReference { name: name.to_string(), message };
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        let headers = reader.headers().map_err(|err| bad(err.to_string()))?.clone();
        let position = |heading: &str| headers.iter().position(|h| h == heading);
        let code_idx =
            position(code_column).ok_or_else(|| bad(format!("no {code_column} column")))?;
        let name_idx = |lang: &str| position(&format!("name_{lang}"));
        let mut rows = Vec::new();
        let mut lookup = HashMap::new();
        let mut exact = HashMap::new();
        for record in reader.records() {
            let record = record.map_err(|err| bad(err.to_string()))?;
            let get = |idx: Option<usize>| {
                idx.and_then(|i| record.get(i)).unwrap_or_default().to_string()
            };
            let code = get(Some(code_idx));
            let en = get(name_idx("en"));
            let names = I18n {
                fr: name_idx("fr").map(|i| get(Some(i))).unwrap_or_else(|| en.clone()),
                ar: name_idx("ar").map(|i| get(Some(i))).unwrap_or_else(|| en.clone()),
                en,
            };
            let idx = rows.len();
            if exact.insert(code.clone(), idx).is_some() {
                return Err(bad(format!("duplicate code {code}")));
            }
            let aliases = position("aliases").and_then(|i| record.get(i)).unwrap_or_default();
            let mut keys = vec![code.clone()];
            keys.extend(names.all().iter().map(|s| s.to_string()));
            keys.extend(aliases.split('|').filter(|a| !a.is_empty()).map(str::to_string));
            if let Some(iso) = position("iso_3166_2").and_then(|i| record.get(i)) {
                keys.push(iso.to_string());
            }
            for key in keys {
                let folded = fold(&key);
                if folded.is_empty() {
                    continue;
                }
                if let Some(previous) = lookup.insert(folded.clone(), idx)
                    && previous != idx
                {
                    return Err(bad(format!("{key:?} names two rows")));
                }
            }
            let columns = headers
                .iter()
                .zip(record.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect();
            rows.push(ReferenceRow { code, names, columns });
        }
        Ok(ReferenceTable { name, rows, lookup, exact, source_csv: csv_text })
    }
}

/// A compiled-in reference table by name. Panics only if a committed table is
/// malformed, which the `every_reference_table_loads` test rules out.
pub fn reference_table(name: &str) -> Option<&'static ReferenceTable> {
    static TABLES: OnceLock<Vec<ReferenceTable>> = OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        let sources: [(&'static str, &'static str, &str); 4] = [
            ("regions", include_str!("../../data/reference/regions.csv"), "code"),
            ("ministries", include_str!("../../data/reference/ministries.csv"), "code"),
            ("themes", include_str!("../../data/reference/themes.csv"), "code"),
            ("countries", include_str!("../../data/reference/countries.csv"), "iso3"),
        ];
        sources
            .into_iter()
            .map(|(name, text, code)| match ReferenceTable::parse(name, text, code) {
                Ok(table) => table,
                Err(err) => panic!("{err}"),
            })
            .collect()
    });
    tables.iter().find(|t| t.name == name)
}

pub fn regions() -> &'static ReferenceTable {
    reference_table("regions").expect("the regions table is compiled in")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_table_loads() {
        for name in REFERENCE_TABLES {
            assert!(reference_table(name).is_some(), "{name}");
        }
        assert_eq!(regions().rows.len(), 12);
        assert_eq!(reference_table("countries").unwrap().rows.len(), 193);
    }

    #[test]
    fn regions_resolve_from_codes_names_and_iso() {
        let regions = regions();
        assert_eq!(regions.resolve("06"), Some("06"));
        assert_eq!(regions.resolve("Casablanca-Settat"), Some("06"));
        assert_eq!(regions.resolve("الدار البيضاء - سطات"), Some("06"));
        assert_eq!(regions.resolve("MA-12"), Some("12"));
        assert_eq!(regions.resolve("Fès-Meknès"), Some("03"));
        assert_eq!(regions.resolve("13"), None);
    }

    #[test]
    fn regional_population_2024_sums_to_the_census_total() {
        // RGPH 2024 legal population of Morocco: 36,828,330 (HCP).
        let total: u64 = regions()
            .rows
            .iter()
            .map(|r| r.column("population_2024").unwrap().parse::<u64>().unwrap())
            .sum();
        assert_eq!(total, 36_828_330);
    }

    #[test]
    fn countries_carry_the_publishers_groups() {
        let countries = reference_table("countries").unwrap();
        let morocco = countries.row("MAR").unwrap();
        // The UN's survey region; the World Bank's region and income group (WDI
        // country metadata).
        assert_eq!(morocco.column("un_region"), Some("Africa"));
        assert_eq!(morocco.column("wb_region"), Some("Middle East & North Africa"));
        assert_eq!(morocco.column("wb_income"), Some("Lower middle income"));
        // The 54 African members of the UN; Venezuela unclassified by income since
        // the World Bank's July 2021 revision.
        let african = countries.rows.iter().filter(|r| r.column("un_region") == Some("Africa"));
        assert_eq!(african.count(), 54);
        assert_eq!(countries.row("VEN").unwrap().column("wb_income"), Some(""));
        // The League of Arab States: 22 members, 21 of them UN members (not
        // Palestine); Syria counted since its readmission in May 2023.
        let arab: Vec<&str> = countries
            .rows
            .iter()
            .filter(|r| r.column("arab_league") == Some("true"))
            .map(|r| r.code.as_str())
            .collect();
        assert_eq!(arab.len(), 21);
        assert!(arab.contains(&"MAR") && arab.contains(&"SYR") && !arab.contains(&"TUR"));
    }

    #[test]
    fn countries_resolve_un_spellings() {
        let countries = reference_table("countries").unwrap();
        assert_eq!(countries.resolve("Türkiye"), Some("TUR"));
        assert_eq!(countries.resolve("Georgia (Country)"), Some("GEO"));
        assert_eq!(countries.resolve("Côte d'Ivoire"), Some("CIV"));
        assert_eq!(countries.resolve("Morocco "), Some("MAR"));
    }
}
