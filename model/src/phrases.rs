//! The variable parts of validation messages (what was expected, how a file was
//! read) in French and Arabic. Readers and checks state them in English, the
//! canonical form kept in JSON reports; [`localize`] gives them in the reader's
//! language when a report is rendered. A template's `{}` stands for a part kept
//! as it is (a number, a name, a list of codes).

use crate::lang::Lang;

/// (English template, French, Arabic).
const PHRASES: &[(&str, &str, &str)] = &[
    // Types (rule `type`).
    ("integer", "un nombre entier", "عدد صحيح"),
    ("number", "un nombre", "عدد"),
    ("month (YYYY-MM)", "un mois (AAAA-MM)", "شهر (YYYY-MM)"),
    ("quarter (YYYY-Qn)", "un trimestre (AAAA-Tn, écrit YYYY-Qn)", "فصل (YYYY-Qn)"),
    ("year (YYYY)", "une année (AAAA)", "سنة (YYYY)"),
    (
        "date (YYYY-MM-DD or DD/MM/YYYY)",
        "une date (AAAA-MM-JJ ou JJ/MM/AAAA)",
        "تاريخ (YYYY-MM-DD أو DD/MM/YYYY)",
    ),
    (
        "boolean (oui/non, true/false, 1/0, نعم/لا)",
        "un booléen (oui/non, true/false, 1/0, نعم/لا)",
        "قيمة منطقية (oui/non، true/false، 1/0، نعم/لا)",
    ),
    (
        "plain value (nested arrays and objects are not accepted)",
        "une valeur simple (les tableaux et objets imbriqués ne sont pas acceptés)",
        "قيمة بسيطة (لا تقبل المصفوفات والكائنات المتداخلة)",
    ),
    // Rows (rule `ragged_row`).
    (
        "{} cells, the header has {} (truncated row?)",
        "{} cellules, l'en-tête en a {} (ligne tronquée ?)",
        "{} خانات، بينما يضم سطر العناوين {} (سطر مبتور؟)",
    ),
    (
        "{} cells, the header has {}",
        "{} cellules, l'en-tête en a {}",
        "{} خانات، بينما يضم سطر العناوين {}",
    ),
    // Encodings and formats.
    ("UTF-8", "UTF-8", "UTF-8"),
    (
        "UTF-8 (the file is UTF-16)",
        "UTF-8 (le fichier est en UTF-16)",
        "UTF-8 (الملف بترميز UTF-16)",
    ),
    (
        "binary data, not delimited text",
        "des données binaires, pas du texte délimité",
        "بيانات ثنائية وليست نصا مفصولا",
    ),
    (
        "the file is not Parquet (no PAR1 signature)",
        "le fichier n'est pas un fichier Parquet (pas de signature PAR1)",
        "الملف ليس بصيغة Parquet (لا توجد علامة PAR1)",
    ),
    (
        "the file is not a spreadsheet (no zip or OLE signature)",
        "le fichier n'est pas un classeur (ni signature zip ni OLE)",
        "الملف ليس مصنفا (لا توجد علامة zip أو OLE)",
    ),
    ("a zip archive named .{}", "une archive zip nommée .{}", "أرشيف zip باسم .{}"),
    ("the workbook has no sheet", "le classeur n'a aucune feuille", "المصنف لا يحتوي على أي ورقة"),
    ("a readable zip archive ({})", "une archive zip lisible ({})", "أرشيف zip مقروء ({})"),
    (
        "a workbook of at most {} zip entries (this one has {})",
        "un classeur d'au plus {} entrées zip (celui-ci en a {})",
        "مصنف من {} عنصر zip على الأكثر (يحتوي هذا على {})",
    ),
    (
        "a workbook that expands to at most {} MB (this one expands to more: refused as a possible zip bomb)",
        "un classeur qui se décompresse en {} Mo au plus (celui-ci davantage : refusé comme possible bombe zip)",
        "مصنف لا يتجاوز حجمه بعد فك الضغط {} ميغابايت (هذا يتجاوزه: رُفض كقنبلة zip محتملة)",
    ),
    (
        "values in the first {} columns (A to {})",
        "des valeurs dans les {} premières colonnes (A à {})",
        "قيم في أول {} عمودا (من A إلى {})",
    ),
    (
        "a workbook of at most {} filled cells (send larger tables as CSV or Parquet)",
        "un classeur d'au plus {} cellules remplies (envoyez les tableaux plus grands en CSV ou Parquet)",
        "مصنف من {} خانة مملوءة على الأكثر (أرسل الجداول الأكبر بصيغة CSV أو Parquet)",
    ),
    (
        "sheet {}: a used range of at most {} cells (it spans {} rows by {} columns; save it as .xlsx or CSV)",
        "feuille {} : une plage utilisée d'au plus {} cellules (elle couvre {} lignes sur {} colonnes ; enregistrez-la en .xlsx ou CSV)",
        "الورقة {}: نطاق مستعمل من {} خانة على الأكثر (يمتد على {} سطر و{} عمود؛ احفظه بصيغة .xlsx أو CSV)",
    ),
    (
        "a Parquet column of type {} (use text, integer, float, boolean or date)",
        "une colonne Parquet de type {} (utilisez texte, entier, décimal, booléen ou date)",
        "عمود Parquet من نوع {} (استعمل نصا أو عددا صحيحا أو عشريا أو قيمة منطقية أو تاريخا)",
    ),
    // Library messages (in English) stay in the English report only.
    (
        "unreadable Parquet: {}",
        "fichier Parquet illisible (endommagé, ou pas un fichier Parquet)",
        "ملف Parquet غير مقروء (تالف أو ليس بصيغة Parquet)",
    ),
    (
        "the workbook's structure ({})",
        "la structure du classeur est illisible (fichier endommagé ou pas un classeur Excel)",
        "بنية المصنف غير مقروءة (ملف تالف أو ليس مصنف Excel)",
    ),
    ("sheet {}: its content ({})", "feuille {} : contenu illisible", "الورقة {}: محتوى غير مقروء"),
    (
        "the file has no \"Survey Year\" column and its name holds no year (e.g. egdi-2010.csv)",
        "le fichier n'a pas de colonne \"Survey Year\" et son nom ne contient aucune année (par exemple egdi-2010.csv)",
        "لا يحتوي الملف على عمود \"Survey Year\" ولا يتضمن اسمه أي سنة (مثل egdi-2010.csv)",
    ),
    ("not a regular file", "pas un fichier ordinaire", "ليس ملفا عاديا"),
    // JSON.
    ("an array of records", "un tableau d'enregistrements", "مصفوفة من السجلات"),
    (
        "an array of records, or an object holding exactly one array",
        "un tableau d'enregistrements, ou un objet contenant exactement un tableau",
        "مصفوفة من السجلات، أو كائن يحتوي على مصفوفة واحدة بالضبط",
    ),
    (
        "every item to be an object (a record)",
        "que chaque élément soit un objet (un enregistrement)",
        "أن يكون كل عنصر كائنا (سجلا)",
    ),
    (
        "the document ends too early (line {}, column {})",
        "le document s'arrête trop tôt (ligne {}, colonne {})",
        "ينتهي المستند قبل أوانه (السطر {}، العمود {})",
    ),
    (
        "a JSON syntax error (line {}, column {})",
        "une erreur de syntaxe JSON (ligne {}, colonne {})",
        "خطأ في صياغة JSON (السطر {}، العمود {})",
    ),
    (
        "a value of another kind (line {}, column {})",
        "une valeur d'une autre sorte (ligne {}, colonne {})",
        "قيمة من نوع آخر (السطر {}، العمود {})",
    ),
    // Connectors (publishers' layouts).
    (
        "the file has no census_year column and its name holds no year (e.g. rgph2014)",
        "le fichier n'a pas de colonne census_year et son nom ne contient aucune année (par exemple rgph2014)",
        "لا يحتوي الملف على عمود census_year ولا يتضمن اسمه أي سنة (مثل rgph2014)",
    ),
    (
        "country name not in the countries reference table; ISO3 code left empty",
        "nom de pays absent de la table de référence des pays ; code ISO3 laissé vide",
        "اسم البلد غير موجود في الجدول المرجعي للبلدان؛ تُرك رمز ISO3 فارغا",
    ),
    // How a file was read (the report's second line).
    ("CSV, delimiter {}, {}", "CSV, séparateur {}, {}", "CSV، الفاصل {}، {}"),
    ("JSON, {} records", "JSON, {} enregistrements", "JSON، {} سجل"),
    ("Parquet, {} rows", "Parquet, {} lignes", "Parquet، {} سطر"),
    ("spreadsheet, sheet {}", "classeur, feuille {}", "مصنف، الورقة {}"),
    (
        "{}, {} features, {} vertices (one row per vertex)",
        "{}, {} entités, {} sommets (une ligne par sommet)",
        "{}، {} كيان، {} رأس (سطر لكل رأس)",
    ),
    ("UTF-8 with BOM", "UTF-8 avec BOM", "UTF-8 مع BOM"),
    ("tab", "tabulation", "مسافة جدولة"),
];

/// `text` in `lang`: the translation of the first template it matches (its `{}`
/// parts carried over, themselves translated when they are phrases), else `text`
/// as it is.
pub fn localize(text: &str, lang: Lang) -> String {
    if lang == Lang::En {
        return text.to_string();
    }
    for (en, fr, ar) in PHRASES {
        if let Some(parts) = matches(en, text) {
            let target = if lang == Lang::Fr { fr } else { ar };
            return fill(target, &parts, lang);
        }
    }
    text.to_string()
}

/// The `{}` parts of `text` when it has the shape of `template`.
fn matches<'a>(template: &str, text: &'a str) -> Option<Vec<&'a str>> {
    let literals: Vec<&str> = template.split("{}").collect();
    if literals.len() == 1 {
        return (text == template).then(Vec::new);
    }
    let mut rest = text.strip_prefix(literals[0])?;
    let mut parts = Vec::new();
    let last = literals.len() - 1;
    for (idx, literal) in literals.iter().enumerate().skip(1) {
        if idx == last {
            parts.push(rest.strip_suffix(literal)?);
        } else {
            if literal.is_empty() {
                return None;
            }
            let at = rest.find(literal)?;
            parts.push(&rest[..at]);
            rest = &rest[at + literal.len()..];
        }
    }
    Some(parts)
}

fn fill(target: &str, parts: &[&str], lang: Lang) -> String {
    let mut out = String::new();
    let mut parts = parts.iter();
    let mut pieces = target.split("{}").peekable();
    while let Some(piece) = pieces.next() {
        out.push_str(piece);
        if pieces.peek().is_some()
            && let Some(part) = parts.next()
        {
            out.push_str(&localize(part, lang));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_are_translated_with_their_numbers_kept() {
        assert_eq!(localize("integer", Lang::Fr), "un nombre entier");
        assert_eq!(
            localize("6 cells, the header has 5 (truncated row?)", Lang::Fr),
            "6 cellules, l'en-tête en a 5 (ligne tronquée ?)"
        );
        assert_eq!(
            localize("6 cells, the header has 5", Lang::Ar),
            "6 خانات، بينما يضم سطر العناوين 5"
        );
        assert_eq!(
            localize("CSV, delimiter ';', UTF-8 with BOM", Lang::Fr),
            "CSV, séparateur ';', UTF-8 avec BOM"
        );
        assert_eq!(localize("integer", Lang::En), "integer");
        assert_eq!(localize("something else", Lang::Fr), "something else");
    }

    #[test]
    fn every_template_carries_its_parts_in_each_language() {
        for (en, fr, ar) in PHRASES {
            let n = en.matches("{}").count();
            // A translation may leave out a trailing part (a library's English
            // message), never add one.
            assert!(fr.matches("{}").count() <= n && ar.matches("{}").count() <= n, "{en}");
            assert_eq!(fr.matches("{}").count(), ar.matches("{}").count(), "{en}");
        }
    }
}
