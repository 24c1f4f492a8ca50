//! The validation report: every issue found (details for the first
//! [`DETAIL_LIMIT`], counts for all), and what was read.

use std::collections::BTreeMap;

use md2030_model::{Issue, Lang, Rule, Severity};
use serde::Serialize;

/// Issues kept in full; past this only counts grow, so a file with a million bad
/// cells still gets a short, complete report.
pub const DETAIL_LIMIT: usize = 500;

#[derive(Debug, Default, Clone, Serialize)]
pub struct IssueCount {
    pub severity: Option<Severity>,
    pub rule: Option<Rule>,
    pub column: String,
    pub count: u64,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Report {
    pub file_name: String,
    pub dataset: String,
    pub contract_version: String,
    /// How the file was read: format, delimiter, encoding, sheet.
    pub source_description: String,
    /// The row holding the header (rows above it were skipped as titles).
    pub header_row: Option<u64>,
    /// Contract field -> heading found in the file.
    pub mapping: BTreeMap<String, String>,
    pub data_rows: u64,
    pub blank_rows_skipped: u64,
    pub errors: u64,
    pub warnings: u64,
    pub issues: Vec<Issue>,
    pub counts: Vec<IssueCount>,
    /// Partition values present in the file (for datasets with a partition key).
    pub partitions: Vec<String>,
    #[serde(skip)]
    count_index: BTreeMap<(Severity, Rule, String), u64>,
}

impl Report {
    pub fn new(file_name: &str, dataset: &str, contract_version: &str) -> Report {
        Report {
            file_name: file_name.to_string(),
            dataset: dataset.to_string(),
            contract_version: contract_version.to_string(),
            ..Report::default()
        }
    }

    pub fn add(&mut self, issue: Issue) {
        match issue.severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
        }
        let key = (issue.severity, issue.rule, issue.column.clone().unwrap_or_default());
        *self.count_index.entry(key).or_insert(0) += 1;
        if self.issues.len() < DETAIL_LIMIT {
            self.issues.push(issue);
        }
    }

    /// Counts `count` more issues of one kind without keeping their details.
    pub fn add_uncounted(&mut self, severity: Severity, rule: Rule, column: &str, count: u64) {
        match severity {
            Severity::Error => self.errors += count,
            Severity::Warning => self.warnings += count,
        }
        *self.count_index.entry((severity, rule, column.to_string())).or_insert(0) += count;
    }

    pub fn accepted(&self) -> bool {
        self.errors == 0
    }

    /// Freezes the counts into `counts`, sorted by severity, rule and column.
    pub fn finish(&mut self) {
        self.counts = self
            .count_index
            .iter()
            .map(|((severity, rule, column), count)| IssueCount {
                severity: Some(*severity),
                rule: Some(*rule),
                column: column.clone(),
                count: *count,
            })
            .collect();
    }

    /// What an issue's row number counts in this report: records for a JSON array.
    fn row_unit(&self) -> md2030_model::RowUnit {
        if self.source_description.starts_with("JSON,") {
            md2030_model::RowUnit::Record
        } else {
            md2030_model::RowUnit::Row
        }
    }

    /// The report as JSON for a reader of `lang`. The fields stay canonical for
    /// scripts (rule codes, English `expected`); beside them every issue has its
    /// `message`, the sentence the text report prints in `lang` (location as row,
    /// line or record, value, what was expected), and the report its `summary`
    /// and `source` in `lang`.
    pub fn to_json(&self, lang: Lang) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        let unit = self.row_unit();
        let rendered = self.render(lang);
        if let Some(object) = value.as_object_mut() {
            object.insert("lang".into(), lang.code().into());
            object.insert(
                "summary".into(),
                rendered.lines().next().unwrap_or_default().to_string().into(),
            );
            object.insert(
                "source".into(),
                md2030_model::phrases::localize(&self.source_description, lang).into(),
            );
            if let Some(issues) = object.get_mut("issues").and_then(|i| i.as_array_mut()) {
                for (json, issue) in issues.iter_mut().zip(&self.issues) {
                    if let Some(json) = json.as_object_mut() {
                        json.insert(
                            "message".into(),
                            issue.render_as(&self.file_name, lang, unit).into(),
                        );
                    }
                }
            }
        }
        value
    }

    /// The report as text in `lang`: a verdict line, then one line per issue kept,
    /// then counts by rule and column when issues were left out.
    pub fn render(&self, lang: Lang) -> String {
        let mut out = String::new();
        let verdict = match (self.accepted(), lang) {
            (true, Lang::Fr) => "ACCEPTÉ",
            (true, Lang::Ar) => "مقبول",
            (true, Lang::En) => "ACCEPTED",
            (false, Lang::Fr) => "REJETÉ",
            (false, Lang::Ar) => "مرفوض",
            (false, Lang::En) => "REJECTED",
        };
        // One sentence per language; the six figures fill its `{}` in this order:
        // file, dataset, contract, data rows, errors, warnings.
        let template = match lang {
            Lang::Fr => {
                "{verdict} {} pour le jeu de données {} (contrat {}) : {} lignes de données, {} erreur(s), {} avertissement(s)"
            }
            Lang::Ar => {
                "{verdict} {} لمجموعة البيانات {} (العقد {}): {} سطر بيانات، {} خطأ، {} تنبيه"
            }
            Lang::En => {
                "{verdict} {} for dataset {} (contract {}): {} data rows, {} error(s), {} warning(s)"
            }
        };
        let figures = [
            self.file_name.clone(),
            self.dataset.clone(),
            self.contract_version.clone(),
            self.data_rows.to_string(),
            self.errors.to_string(),
            self.warnings.to_string(),
        ];
        // Split, then interleaved: a `{}` inside a file name stays as it is.
        let mut summary = String::new();
        for (i, piece) in template.replace("{verdict}", verdict).split("{}").enumerate() {
            summary.push_str(piece);
            summary.push_str(figures.get(i).map_or("", String::as_str));
        }
        out.push_str(&summary);
        out.push('\n');
        let unit = self.row_unit();
        let json = unit == md2030_model::RowUnit::Record;
        if !self.source_description.is_empty() {
            out.push_str(&format!(
                "  {}",
                md2030_model::phrases::localize(&self.source_description, lang)
            ));
            // A JSON array has no header row: its keys are the headings.
            if let Some(row) = self.header_row.filter(|_| !json) {
                let word = match lang {
                    Lang::Fr => "en-tête à la ligne",
                    Lang::Ar => "العناوين في السطر",
                    Lang::En => "header at row",
                };
                let comma = if lang == Lang::Ar { "،" } else { "," };
                out.push_str(&format!("{comma} {word} {row}"));
            }
            out.push('\n');
        }
        let mut sorted: Vec<&Issue> = self.issues.iter().collect();
        sorted.sort_by_key(|issue| (issue.severity, issue.row.unwrap_or(0)));
        for issue in sorted {
            out.push_str("  ");
            out.push_str(&issue.render_as(&self.file_name, lang, unit));
            out.push('\n');
        }
        let shown = self.issues.len() as u64;
        let total = self.errors + self.warnings;
        if total > shown {
            let heading = match lang {
                Lang::Fr => {
                    format!("  … et {} autres ; total par règle et colonne :", total - shown)
                }
                Lang::Ar => format!("  … و{} أخرى؛ المجموع حسب القاعدة والعمود:", total - shown),
                Lang::En => format!("  … and {} more; totals by rule and column:", total - shown),
            };
            out.push_str(&heading);
            out.push('\n');
            for count in &self.counts {
                let rule = count.rule.map(Rule::as_str).unwrap_or_default();
                out.push_str(&format!("    {rule:<18} {:<28} {}\n", count.column, count.count));
            }
        }
        out
    }

    /// The summary stored with an accepted version in the catalogue.
    pub fn summary_json(&self) -> serde_json::Value {
        let warnings: Vec<String> = self
            .issues
            .iter()
            .filter(|i| i.severity == Severity::Warning)
            .take(20)
            .map(|i| i.render(&self.file_name, Lang::En))
            .collect();
        serde_json::json!({
            "data_rows": self.data_rows,
            "blank_rows_skipped": self.blank_rows_skipped,
            "errors": self.errors,
            "warnings": self.warnings,
            "source": self.source_description,
            "header_row": self.header_row,
            "mapping": self.mapping,
            "counts": self.counts,
            "warning_lines": warnings,
            // What the file brought: the rest of a partitioned version is copied
            // from its parent (the preview compares only these).
            "partitions": self.partitions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_line_fills_its_figures_in_each_language() {
        // A `{}` in a file name is text, not a place for the next figure.
        let mut report = Report::new("talent{}.csv", "talent", "1.2");
        report.data_rows = 48;
        let first = |lang| report.render(lang).lines().next().unwrap().to_string();
        assert_eq!(
            first(Lang::En),
            "ACCEPTED talent{}.csv for dataset talent (contract 1.2): 48 data rows, 0 error(s), 0 warning(s)"
        );
        assert_eq!(
            first(Lang::Fr),
            "ACCEPTÉ talent{}.csv pour le jeu de données talent (contrat 1.2) : 48 lignes de données, 0 erreur(s), 0 avertissement(s)"
        );
        assert!(
            first(Lang::Ar)
                .starts_with("مقبول talent{}.csv لمجموعة البيانات talent (العقد 1.2): 48 سطر")
        );
    }
}
