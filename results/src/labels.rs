//! Names for the codes that results carry: breakdown members (regions, ministries,
//! themes, enumerated categories, procedures) in the page's language.

use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use md2030_model::Lang;
use md2030_model::reference::reference_table;

/// Procedure titles from the current `procedures` version (the other names come
/// from the compiled-in reference tables and contracts).
#[derive(Debug, Clone, Default)]
pub struct Labels {
    /// Procedure id -> (French title, Arabic title).
    procedures: HashMap<String, (String, String)>,
    /// Ministry code -> its e-government ambassador, from the current `ambassadors`
    /// version.
    ambassadors: HashMap<String, Ambassador>,
    /// That version (`ambassadors@v2`) and whether it is sample data.
    pub ambassadors_version: Option<(String, bool)>,
}

/// One ministry's e-government ambassador.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ambassador {
    pub name: String,
    pub role: String,
    pub appointed_on: String,
}

impl Labels {
    /// Reads the procedure titles of a stored `procedures` version.
    pub fn from_procedures(batches: &[RecordBatch]) -> Labels {
        let mut procedures = HashMap::new();
        for batch in batches {
            let text =
                |name: &str| batch.column_by_name(name).and_then(|c| c.as_string_opt::<i32>());
            let (Some(ids), Some(fr), Some(ar)) =
                (text("procedure_id"), text("title_fr"), text("title_ar"))
            else {
                continue;
            };
            for row in 0..batch.num_rows() {
                if let (Some(id), Some(fr)) = (
                    ids.is_valid(row).then(|| ids.value(row)),
                    fr.is_valid(row).then(|| fr.value(row)),
                ) {
                    let ar = if ar.is_valid(row) { ar.value(row) } else { fr };
                    procedures.insert(id.to_string(), (fr.to_string(), ar.to_string()));
                }
            }
        }
        Labels { procedures, ..Labels::default() }
    }

    /// Adds the ambassadors of a stored `ambassadors` version (`version_id`,
    /// `synthetic` for sample data).
    pub fn with_ambassadors(
        mut self,
        batches: &[RecordBatch],
        version_id: &str,
        synthetic: bool,
    ) -> Labels {
        for batch in batches {
            let text =
                |name: &str| batch.column_by_name(name).and_then(|c| c.as_string_opt::<i32>());
            let (Some(codes), Some(names), Some(roles)) =
                (text("ministry_code"), text("name"), text("role"))
            else {
                continue;
            };
            let dates = batch
                .column_by_name("appointed_on")
                .and_then(|c| c.as_primitive_opt::<arrow_array::types::Date32Type>());
            for row in 0..batch.num_rows() {
                if !codes.is_valid(row) || !names.is_valid(row) {
                    continue;
                }
                // Days since 1970-01-01, the 719,163rd day of the common era.
                let appointed_on = dates
                    .filter(|d| d.is_valid(row))
                    .and_then(|d| {
                        chrono::NaiveDate::from_num_days_from_ce_opt(719_163 + d.value(row))
                    })
                    .map(|d| d.to_string())
                    .unwrap_or_default();
                self.ambassadors.insert(
                    codes.value(row).to_string(),
                    Ambassador {
                        name: names.value(row).to_string(),
                        role: if roles.is_valid(row) {
                            roles.value(row).to_string()
                        } else {
                            String::new()
                        },
                        appointed_on,
                    },
                );
            }
        }
        self.ambassadors_version = Some((version_id.to_string(), synthetic));
        self
    }

    /// A ministry's e-government ambassador, if the network names one.
    pub fn ambassador(&self, ministry: &str) -> Option<&Ambassador> {
        self.ambassadors.get(ministry)
    }

    /// The name of `code` as a member of `dimension` for an indicator computed from
    /// `datasets`; the code itself when nothing names it.
    pub fn member(&self, datasets: &[String], dimension: &str, code: &str, lang: Lang) -> String {
        if dimension == "procedure"
            && let Some((fr, ar)) = self.procedures.get(code)
        {
            return match lang {
                Lang::Ar => ar.clone(),
                _ => fr.clone(),
            };
        }
        if dimension == "sex" {
            let name = match (code, lang) {
                ("women", Lang::Fr) => "Femmes",
                ("women", Lang::Ar) => "نساء",
                ("women", Lang::En) => "Women",
                ("men", Lang::Fr) => "Hommes",
                ("men", Lang::Ar) => "رجال",
                ("men", Lang::En) => "Men",
                _ => code,
            };
            return name.to_string();
        }
        let table = match dimension {
            "region" => Some("regions"),
            "ministry" => Some("ministries"),
            "theme" => Some("themes"),
            _ => None,
        };
        if let Some(row) = table.and_then(reference_table).and_then(|t| t.row(code)) {
            return row.name(lang).to_string();
        }
        // An enumerated field of one of the indicator's datasets, by the dimension's
        // name or with `_code`.
        for dataset in datasets {
            let Some(contract) = md2030_model::find_contract(dataset) else { continue };
            for name in [dimension.to_string(), format!("{dimension}_code")] {
                if let Some(label) = contract.field(&name).and_then(|f| f.enum_labels.get(code)) {
                    return label.get(lang).to_string();
                }
            }
        }
        code.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_named_from_references_contracts_and_procedures() {
        let labels = Labels::default();
        let none: [String; 0] = [];
        assert_eq!(labels.member(&none, "region", "06", Lang::Fr), "Casablanca-Settat");
        assert_eq!(labels.member(&none, "region", "06", Lang::Ar), "الدار البيضاء سطات");
        let startups = ["startups".to_string()];
        assert_eq!(labels.member(&startups, "sector", "saas", Lang::En), "Software (SaaS)");
        assert_eq!(labels.member(&startups, "sector", "saas", Lang::Ar), "البرمجيات كخدمة");
        // Unknown codes are shown as they are.
        assert_eq!(labels.member(&startups, "sector", "quantum", Lang::Fr), "quantum");
        assert_eq!(labels.member(&none, "procedure", "PRC-1", Lang::Fr), "PRC-1");
    }
}
