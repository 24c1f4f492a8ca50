//! Reporting periods written the many ways ministries write them, normalised to
//! one canonical text: `YYYY-MM` for months and `YYYY-Qn` for quarters.

/// Parses a month: `2024-03`, `2024/03`, `03/2024`, `3/2024`, `2024-03-01` (a date on
/// the first of the month), or a French or English month name with a year
/// (`mars 2024`). Returns `(year, month)`.
pub fn parse_month(text: &str) -> Option<(i32, u32)> {
    let t = text.trim();
    let parts: Vec<&str> = t.split(['-', '/', ' ', '.']).filter(|p| !p.is_empty()).collect();
    let (year, month) = match parts.as_slice() {
        [a, b] if is_year(a) => (a.parse().ok()?, b.parse().ok().or_else(|| month_name(b))?),
        [a, b] if is_year(b) => (b.parse().ok()?, a.parse().ok().or_else(|| month_name(a))?),
        [y, m, "01"] | [y, m, "1"] if y.len() == 4 => (y.parse().ok()?, m.parse().ok()?),
        _ => return None,
    };
    if !(1..=12).contains(&month) || !(1900..=2200).contains(&year) {
        return None;
    }
    Some((year, month))
}

fn is_year(text: &str) -> bool {
    text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit())
}

fn month_name(text: &str) -> Option<u32> {
    let folded = crate::normalize::fold(text);
    const NAMES: [(&str, u32); 24] = [
        ("janvier", 1),
        ("fevrier", 2),
        ("mars", 3),
        ("avril", 4),
        ("mai", 5),
        ("juin", 6),
        ("juillet", 7),
        ("aout", 8),
        ("septembre", 9),
        ("octobre", 10),
        ("novembre", 11),
        ("decembre", 12),
        ("january", 1),
        ("february", 2),
        ("march", 3),
        ("april", 4),
        ("may", 5),
        ("june", 6),
        ("july", 7),
        ("august", 8),
        ("september", 9),
        ("october", 10),
        ("november", 11),
        ("december", 12),
    ];
    NAMES.iter().find(|(name, _)| *name == folded).map(|(_, m)| *m)
}

/// Parses a quarter: `2024-Q1`, `2024Q1`, `Q1 2024`, `Q1-2024`, French `T1 2024`,
/// `2024-T1`, `1T2024`. Returns `(year, quarter)`.
pub fn parse_quarter(text: &str) -> Option<(i32, u32)> {
    let compact: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '/' | '_'))
        .collect::<String>()
        .to_ascii_uppercase();
    let bytes = compact.as_bytes();
    let (year_text, quarter_char) =
        if compact.len() == 6 && bytes[4] == b'Q' || compact.len() == 6 && bytes[4] == b'T' {
            (&compact[..4], bytes[5])
        } else if compact.len() == 6 && (bytes[0] == b'Q' || bytes[0] == b'T') {
            (&compact[2..], bytes[1])
        } else if compact.len() == 6 && (bytes[1] == b'Q' || bytes[1] == b'T') {
            (&compact[2..], bytes[0])
        } else {
            return None;
        };
    let year: i32 = year_text.parse().ok()?;
    let quarter = u32::from(quarter_char.checked_sub(b'0')?);
    if !(1..=4).contains(&quarter) || !(1900..=2200).contains(&year) {
        return None;
    }
    Some((year, quarter))
}

pub fn format_month(year: i32, month: u32) -> String {
    format!("{year:04}-{month:02}")
}

pub fn format_quarter(year: i32, quarter: u32) -> String {
    format!("{year:04}-Q{quarter}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_in_every_accepted_spelling() {
        for text in [
            "2024-03",
            "2024/03",
            "03/2024",
            "3/2024",
            "2024-03-01",
            "mars 2024",
            "Mars 2024",
            "March 2024",
        ] {
            assert_eq!(parse_month(text), Some((2024, 3)), "{text}");
        }
        assert_eq!(parse_month("2024-13"), None);
        assert_eq!(parse_month("2024-03-15"), None);
        assert_eq!(parse_month("T1 2024"), None);
    }

    #[test]
    fn quarters_in_french_and_english() {
        for text in ["2024-Q1", "2024Q1", "Q1 2024", "q1-2024", "T1 2024", "2024-T1", "1T2024"] {
            assert_eq!(parse_quarter(text), Some((2024, 1)), "{text}");
        }
        assert_eq!(parse_quarter("2024-Q5"), None);
        assert_eq!(parse_quarter("2024-03"), None);
        assert_eq!(format_quarter(2024, 1), "2024-Q1");
    }
}
