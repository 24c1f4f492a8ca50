//! Normalisation of headings, codes and labels so that what a ministry types
//! ("Région ", "REGION", "الجهة", "Niveau de maturité") matches what a contract
//! accepts. Used only for matching; stored values keep their canonical spelling.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds `text` for matching: Unicode compatibility decomposition, accents and Arabic
/// diacritics removed, tatweel removed, alef/yeh/teh-marbuta variants unified,
/// lowercased, and every run of spaces, underscores, hyphens, dots, apostrophes and
/// parentheses collapsed into one space.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ى' => 'ي',
            'ة' => 'ه',
            'ـ' => continue,
            '\u{200c}' | '\u{200d}' | '\u{200e}' | '\u{200f}' | '\u{feff}' => continue,
            _ => c,
        };
        if c.is_whitespace()
            || matches!(c, '_' | '-' | '.' | '\'' | '’' | '(' | ')' | '/' | ':' | ',')
        {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        for lower in c.to_lowercase() {
            out.push(lower);
        }
    }
    out
}

/// Trims ASCII and Unicode white space, including the no-break spaces spreadsheets
/// leave around values.
pub fn trim_cell(text: &str) -> &str {
    // Most cells start and end with a printable ASCII character: nothing to trim.
    let bytes = text.as_bytes();
    if let (Some(first), Some(last)) = (bytes.first(), bytes.last())
        && first.is_ascii_graphic()
        && last.is_ascii_graphic()
    {
        return text;
    }
    text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_removes_french_accents_case_and_punctuation() {
        assert_eq!(fold("  Niveau de Maturité "), "niveau de maturite");
        assert_eq!(fold("code_région"), "code region");
        assert_eq!(fold("Béni Mellal-Khénifra"), "beni mellal khenifra");
        assert_eq!(fold("Country Name"), fold("country-name"));
    }

    #[test]
    fn fold_unifies_arabic_letter_variants() {
        // Alef with hamza, tatweel and teh marbuta fold to the plain forms.
        assert_eq!(fold("الإدارة"), fold("الادارـه"));
        assert_eq!(fold("طنجة-تطوان-الحسيمة"), fold("طنجة تطوان الحسيمة"));
    }

    #[test]
    fn trim_cell_removes_no_break_spaces() {
        assert_eq!(trim_cell("\u{a0}Morocco \u{202f}"), "Morocco");
    }
}
