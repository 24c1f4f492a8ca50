//! Validation issues: one problem in a submitted file, located by file, row, column
//! and value, named by the rule it breaks, with a message in the steward's language.

use serde::{Deserialize, Serialize};

use crate::lang::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file is rejected.
    Error,
    /// The file is accepted; the steward should know.
    Warning,
}

/// The rule an issue breaks. The snake_case name is shown in reports and JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Unreadable,
    EmptyFile,
    UnsupportedFormat,
    Encoding,
    MalformedCsv,
    MalformedJson,
    MalformedSpreadsheet,
    /// A cell holds an Excel error (`#DIV/0!`, `#N/A`…) instead of a value.
    SpreadsheetError,
    SheetNotFound,
    NoHeader,
    MissingColumn,
    DuplicateColumn,
    UnknownColumn,
    RaggedRow,
    NoRows,
    Required,
    Type,
    Minimum,
    Maximum,
    MinLength,
    MaxLength,
    Pattern,
    Enum,
    ForeignKey,
    /// A zero-padded code typed as a number (`1` for `01`), read as the code.
    UnpaddedCode,
    ReferenceMissing,
    PrimaryKey,
    Unique,
    RowRule,
    Connector,
    Geometry,
    /// A period or date that starts after the day the file is received.
    FuturePeriod,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Unreadable => "unreadable",
            Rule::EmptyFile => "empty_file",
            Rule::UnsupportedFormat => "unsupported_format",
            Rule::Encoding => "encoding",
            Rule::MalformedCsv => "malformed_csv",
            Rule::MalformedJson => "malformed_json",
            Rule::MalformedSpreadsheet => "malformed_spreadsheet",
            Rule::SpreadsheetError => "spreadsheet_error",
            Rule::SheetNotFound => "sheet_not_found",
            Rule::NoHeader => "no_header",
            Rule::MissingColumn => "missing_column",
            Rule::DuplicateColumn => "duplicate_column",
            Rule::UnknownColumn => "unknown_column",
            Rule::RaggedRow => "ragged_row",
            Rule::NoRows => "no_rows",
            Rule::Required => "required",
            Rule::FuturePeriod => "future_period",
            Rule::Type => "type",
            Rule::Minimum => "minimum",
            Rule::Maximum => "maximum",
            Rule::MinLength => "min_length",
            Rule::MaxLength => "max_length",
            Rule::Pattern => "pattern",
            Rule::Enum => "enum",
            Rule::ForeignKey => "foreign_key",
            Rule::UnpaddedCode => "unpadded_code",
            Rule::ReferenceMissing => "reference_missing",
            Rule::PrimaryKey => "primary_key",
            Rule::Unique => "unique",
            Rule::RowRule => "row_rule",
            Rule::Connector => "connector",
            Rule::Geometry => "geometry",
        }
    }

    /// The message template in `lang`; `{expected}` is replaced by the issue's
    /// expectation (a type, a limit, a list of values, another row number…).
    fn template(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.template_english(),
            Lang::Fr => self.template_french(),
            Lang::Ar => self.template_arabic(),
        }
    }

    fn template_english(self) -> &'static str {
        match self {
            Rule::Unreadable => "the file cannot be read: {expected}",
            Rule::EmptyFile => "the file is empty",
            Rule::UnsupportedFormat => "unsupported file format: {expected}",
            Rule::Encoding => "the text is not valid {expected}; save the file as CSV UTF-8",
            Rule::MalformedCsv => "malformed CSV: {expected}",
            Rule::MalformedJson => "malformed JSON: {expected}",
            Rule::Geometry => "invalid boundary geometry: {expected}",
            Rule::MalformedSpreadsheet => "the spreadsheet cannot be read: {expected}",
            Rule::SpreadsheetError => {
                "the cell holds a spreadsheet error instead of a value: correct its formula or type the value"
            }
            Rule::SheetNotFound => "no sheet with this name; the workbook has: {expected}",
            Rule::NoHeader => {
                "no header row with this dataset's columns in the first rows; expected columns: {expected}"
            }
            Rule::MissingColumn => "required column is missing; accepted headings: {expected}",
            Rule::DuplicateColumn => {
                "two columns stand for the same field (also column {expected})"
            }
            Rule::UnknownColumn => "column not in the contract; ignored",
            Rule::RaggedRow => "the row has {expected}",
            Rule::NoRows => "the file has a header but no data rows",
            Rule::Required => "a value is required",
            Rule::FuturePeriod => {
                "after the day the file was received ({expected}): a period cannot be in the future"
            }
            Rule::Type => "not a valid {expected}",
            Rule::Minimum => "below the minimum {expected}",
            Rule::Maximum => "above the maximum {expected}",
            Rule::MinLength => "shorter than {expected} characters",
            Rule::MaxLength => "longer than {expected} characters",
            Rule::Pattern => "does not match the expected form {expected}",
            Rule::Enum => "not one of the allowed values: {expected}",
            Rule::ForeignKey => "unknown in the reference {expected}",
            Rule::UnpaddedCode => {
                "a number where a code is expected: read as {expected} (and so in every cell holding it); format the column as text"
            }
            Rule::ReferenceMissing => {
                "this dataset refers to {expected}, which has no stored version yet; ingest it first"
            }
            Rule::PrimaryKey => "duplicate key, already used at row {expected}",
            Rule::Unique => "duplicate value, already used at row {expected}",
            Rule::RowRule => "breaks the rule {expected}",
            Rule::Connector => "{expected}",
        }
    }

    fn template_french(self) -> &'static str {
        match self {
            Rule::Unreadable => "le fichier ne peut pas être lu : {expected}",
            Rule::EmptyFile => "le fichier est vide",
            Rule::UnsupportedFormat => "format de fichier non pris en charge : {expected}",
            Rule::Encoding => {
                "le texte n'est pas en {expected} valide ; enregistrez le fichier en CSV UTF-8"
            }
            Rule::MalformedCsv => "CSV mal formé : {expected}",
            Rule::MalformedJson => "JSON mal formé : {expected}",
            Rule::Geometry => "géométrie de limite invalide : {expected}",
            Rule::MalformedSpreadsheet => "le classeur ne peut pas être lu : {expected}",
            Rule::SpreadsheetError => {
                "la cellule contient une erreur de tableur au lieu d'une valeur : corrigez sa formule ou saisissez la valeur"
            }
            Rule::SheetNotFound => "aucune feuille de ce nom ; le classeur contient : {expected}",
            Rule::NoHeader => {
                "aucune ligne d'en-tête avec les colonnes de ce jeu de données dans les premières lignes ; colonnes attendues : {expected}"
            }
            Rule::MissingColumn => "colonne obligatoire absente ; intitulés acceptés : {expected}",
            Rule::DuplicateColumn => {
                "deux colonnes correspondent au même champ (aussi la colonne {expected})"
            }
            Rule::UnknownColumn => "colonne absente du contrat ; ignorée",
            Rule::RaggedRow => "la ligne a {expected}",
            Rule::NoRows => "le fichier a un en-tête mais aucune ligne de données",
            Rule::Required => "une valeur est obligatoire",
            Rule::FuturePeriod => {
                "postérieure au jour du dépôt ({expected}) : une période ne peut pas être dans le futur"
            }
            Rule::Type => "valeur invalide ; attendu : {expected}",
            Rule::Minimum => "inférieur au minimum {expected}",
            Rule::Maximum => "supérieur au maximum {expected}",
            Rule::MinLength => "plus court que {expected} caractères",
            Rule::MaxLength => "plus long que {expected} caractères",
            Rule::Pattern => "ne respecte pas la forme attendue {expected}",
            Rule::Enum => "ne fait pas partie des valeurs permises : {expected}",
            Rule::ForeignKey => "inconnu dans la référence {expected}",
            Rule::UnpaddedCode => {
                "un nombre à la place d'un code : lu comme {expected} (ici et dans toute cellule qui le contient) ; mettez la colonne au format texte"
            }
            Rule::ReferenceMissing => {
                "ce jeu de données fait référence à {expected}, qui n'a encore aucune version ; chargez-le d'abord"
            }
            Rule::PrimaryKey => "clé en double, déjà utilisée à la ligne {expected}",
            Rule::Unique => "valeur en double, déjà utilisée à la ligne {expected}",
            Rule::RowRule => "enfreint la règle {expected}",
            Rule::Connector => "{expected}",
        }
    }

    fn template_arabic(self) -> &'static str {
        match self {
            Rule::Unreadable => "تعذرت قراءة الملف: {expected}",
            Rule::EmptyFile => "الملف فارغ",
            Rule::UnsupportedFormat => "صيغة ملف غير مدعومة: {expected}",
            Rule::Encoding => "النص ليس بترميز {expected} صالح؛ احفظ الملف بصيغة CSV UTF-8",
            Rule::MalformedCsv => "ملف CSV غير سليم: {expected}",
            Rule::MalformedJson => "ملف JSON غير سليم: {expected}",
            Rule::Geometry => "هندسة حدود غير صالحة: {expected}",
            Rule::MalformedSpreadsheet => "تعذرت قراءة المصنف: {expected}",
            Rule::SpreadsheetError => {
                "تحتوي الخانة على خطأ جدول بيانات بدل قيمة: صحح صيغتها أو أدخل القيمة"
            }
            Rule::SheetNotFound => "لا توجد ورقة بهذا الاسم؛ يحتوي المصنف على: {expected}",
            Rule::NoHeader => {
                "لا يوجد سطر عناوين بأعمدة مجموعة البيانات هذه في الأسطر الأولى؛ الأعمدة المنتظرة: {expected}"
            }
            Rule::MissingColumn => "عمود إلزامي غير موجود؛ العناوين المقبولة: {expected}",
            Rule::DuplicateColumn => "عمودان يمثلان نفس الحقل (العمود {expected} أيضا)",
            Rule::UnknownColumn => "عمود غير وارد في العقد؛ تم تجاهله",
            Rule::RaggedRow => "عدد خانات السطر غير مطابق: {expected}",
            Rule::NoRows => "يحتوي الملف على عناوين دون أي سطر بيانات",
            Rule::Required => "القيمة إلزامية",
            Rule::FuturePeriod => {
                "لاحقة ليوم الإرسال ({expected}): لا يمكن أن تكون الفترة في المستقبل"
            }
            Rule::Type => "قيمة غير صالحة؛ المنتظر: {expected}",
            Rule::Minimum => "أقل من الحد الأدنى {expected}",
            Rule::Maximum => "أكبر من الحد الأقصى {expected}",
            Rule::MinLength => "أقصر من {expected} حرفا",
            Rule::MaxLength => "أطول من {expected} حرفا",
            Rule::Pattern => "لا يطابق الشكل المنتظر {expected}",
            Rule::Enum => "ليست من القيم المسموح بها: {expected}",
            Rule::ForeignKey => "غير موجود في المرجع {expected}",
            Rule::UnpaddedCode => {
                "رقم في مكان رمز: قُرئ على أنه {expected} (هنا وفي كل خانة تحتويه)؛ اجعل تنسيق العمود نصا"
            }
            Rule::ReferenceMissing => {
                "تحيل مجموعة البيانات هذه على {expected} التي لا تتوفر على أي نسخة بعد؛ قم بتحميلها أولا"
            }
            Rule::PrimaryKey => "مفتاح مكرر، سبق استعماله في السطر {expected}",
            Rule::Unique => "قيمة مكررة، سبق استعمالها في السطر {expected}",
            Rule::RowRule => "يخالف القاعدة {expected}",
            Rule::Connector => "{expected}",
        }
    }
}

/// One problem found in a submitted file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    pub severity: Severity,
    pub rule: Rule,
    /// The file's row as a spreadsheet or text editor numbers it (1-based, header
    /// and title rows included), or the record number in a JSON array.
    pub row: Option<u64>,
    /// The contract field, or the heading as written when no field matches.
    pub column: Option<String>,
    /// The offending value as written in the file.
    pub value: Option<String>,
    /// What the rule expected: a type, a limit, allowed values, another row.
    pub expected: Option<String>,
}

impl Issue {
    pub fn error(rule: Rule) -> Issue {
        Issue {
            severity: Severity::Error,
            rule,
            row: None,
            column: None,
            value: None,
            expected: None,
        }
    }

    pub fn warning(rule: Rule) -> Issue {
        Issue { severity: Severity::Warning, ..Issue::error(rule) }
    }

    pub fn at_row(mut self, row: u64) -> Issue {
        self.row = Some(row);
        self
    }

    pub fn in_column(mut self, column: impl Into<String>) -> Issue {
        self.column = Some(column.into());
        self
    }

    pub fn with_value(mut self, value: impl Into<String>) -> Issue {
        self.value = Some(value.into());
        self
    }

    pub fn expecting(mut self, expected: impl Into<String>) -> Issue {
        self.expected = Some(expected.into());
        self
    }

    /// The problem in `lang`, without its location.
    pub fn message(&self, lang: Lang) -> String {
        let expected = crate::phrases::localize(self.expected.as_deref().unwrap_or(""), lang);
        self.rule.template(lang).replace("{expected}", &expected)
    }

    /// One report line: `FILE: row R, column C: value "V": message [rule]`.
    pub fn render(&self, file_name: &str, lang: Lang) -> String {
        self.render_as(file_name, lang, RowUnit::Row)
    }

    /// [`Issue::render`], naming the location as `unit` says (JSON files number
    /// records, not rows; a malformed document is still located by line).
    pub fn render_as(&self, file_name: &str, lang: Lang, unit: RowUnit) -> String {
        let unit = if self.rule == Rule::MalformedJson { RowUnit::Line } else { unit };
        let (row_word, column_word, value_word) = match (lang, unit) {
            (Lang::Fr, RowUnit::Row | RowUnit::Line) => ("ligne", "colonne", "valeur"),
            (Lang::Fr, RowUnit::Record) => ("enregistrement", "colonne", "valeur"),
            (Lang::Ar, RowUnit::Row | RowUnit::Line) => ("السطر", "العمود", "القيمة"),
            (Lang::Ar, RowUnit::Record) => ("السجل", "العمود", "القيمة"),
            (Lang::En, RowUnit::Row) => ("row", "column", "value"),
            (Lang::En, RowUnit::Line) => ("line", "column", "value"),
            (Lang::En, RowUnit::Record) => ("record", "column", "value"),
        };
        // The Arabic comma between the parts of an Arabic location.
        let comma = if lang == Lang::Ar { '،' } else { ',' };
        let mut line = format!("{file_name}:");
        if let Some(row) = self.row {
            line.push_str(&format!(" {row_word} {row}{comma}"));
        }
        if let Some(column) = &self.column {
            line.push_str(&format!(" {column_word} {column}{comma}"));
        }
        if let Some(value) = &self.value {
            line.push_str(&format!(" {value_word} \"{}\"{comma}", shorten(value, 80)));
        }
        if line.ends_with(comma) {
            line.pop();
        }
        // A file-level problem has no location: `FILE: message`.
        if line.ends_with(':') {
            line.pop();
        }
        let severity = match (self.severity, lang) {
            (Severity::Error, _) => "",
            (Severity::Warning, Lang::Fr) => "avertissement : ",
            (Severity::Warning, Lang::Ar) => "تنبيه: ",
            (Severity::Warning, Lang::En) => "warning: ",
        };
        format!("{line}: {severity}{} [{}]", self.message(lang), self.rule.as_str())
    }
}

/// What an issue's row number counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowUnit {
    /// Rows of a table (CSV lines, spreadsheet rows, Parquet rows).
    Row,
    /// Lines of a text document.
    Line,
    /// Records of a JSON array.
    Record,
}

fn shorten(value: &str, max_chars: usize) -> String {
    let escaped: String = value.chars().flat_map(|c| c.escape_debug()).collect();
    if escaped.chars().count() <= max_chars {
        return escaped;
    }
    let mut short: String = escaped.chars().take(max_chars).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_line_names_file_row_column_value_and_rule() {
        let issue = Issue::error(Rule::Maximum)
            .at_row(14)
            .in_column("maturity_level")
            .with_value("7")
            .expecting("5");
        assert_eq!(
            issue.render("procedures.csv", Lang::En),
            "procedures.csv: row 14, column maturity_level, value \"7\": above the maximum 5 [maximum]"
        );
        assert_eq!(
            issue.render("procedures.csv", Lang::Fr),
            "procedures.csv: ligne 14, colonne maturity_level, valeur \"7\": supérieur au maximum 5 [maximum]"
        );
    }

    #[test]
    fn control_characters_in_values_are_escaped() {
        let issue = Issue::error(Rule::Type)
            .at_row(2)
            .in_column("x")
            .with_value("a\u{0}b\nc")
            .expecting("integer");
        assert!(issue.render("f.csv", Lang::En).contains("\"a\\0b\\nc\""));
    }
}
