//! Numbers as each language writes them, with Western digits throughout (as
//! Moroccan administration writes Arabic too): French and Arabic `1 234,5` (narrow
//! no-break space between thousands, decimal comma, `12,5 %`), English `1,234.5`
//! and `12.5%`.

use md2030_model::Lang;

const NARROW_NBSP: char = '\u{202F}';
const NBSP: char = '\u{00A0}';

/// `value` with `decimals` digits after the separator, grouped by thousands.
pub fn number(value: f64, decimals: usize, lang: Lang) -> String {
    if !value.is_finite() {
        return "–".to_string();
    }
    let text = format!("{:.*}", decimals, value.abs());
    let (int_part, frac_part) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let (group, decimal) = match lang {
        Lang::En => (',', '.'),
        _ => (NARROW_NBSP, ','),
    };
    let mut grouped = String::with_capacity(int_part.len() + int_part.len() / 3 * 3);
    for (i, digit) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            grouped.push(group);
        }
        grouped.push(digit);
    }
    let negative = value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0');
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&grouped);
    if let Some(frac) = frac_part {
        out.push(decimal);
        out.push_str(frac);
    }
    out
}

/// A percentage: `12,5 %` (fr, ar) or `12.5%` (en).
pub fn percent(value: f64, decimals: usize, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{}%", number(value, decimals, lang)),
        _ => format!("{}{NBSP}%", number(value, decimals, lang)),
    }
}

/// A value in an indicator's unit, with the precision the unit calls for.
pub fn in_unit(value: f64, unit: &str, lang: Lang) -> String {
    match unit {
        "percent" => percent(value, 1, lang),
        "index" => number(value, 4, lang),
        "per_100" => number(value, 2, lang),
        "MAD" if value.abs() >= 1e9 => {
            let unit = match lang {
                Lang::Ar => "مليار درهم",
                Lang::Fr => "Md MAD",
                Lang::En => "bn MAD",
            };
            format!("{}{NBSP}{unit}", number(value / 1e9, 2, lang))
        }
        "MAD" if value.abs() >= 1e6 => {
            let unit = match lang {
                Lang::Ar => "مليون درهم",
                Lang::Fr => "M MAD",
                Lang::En => "M MAD",
            };
            format!("{}{NBSP}{unit}", number(value / 1e6, 1, lang))
        }
        "usd" if value.abs() >= 1e9 => {
            let unit = match lang {
                Lang::Ar => "مليار دولار",
                Lang::Fr => "Md USD",
                Lang::En => "bn USD",
            };
            format!("{}{NBSP}{unit}", number(value / 1e9, 2, lang))
        }
        "usd" => {
            let unit = match lang {
                Lang::Ar => "مليون دولار",
                Lang::Fr => "M USD",
                Lang::En => "M USD",
            };
            format!("{}{NBSP}{unit}", number(value / 1e6, 1, lang))
        }
        _ => number(value, 0, lang),
    }
}

/// A number with its sign (`+0,029`, `−0,004`), marked left-to-right in Arabic so
/// that the sign stays before the number.
pub fn signed(value: f64, decimals: usize, lang: Lang) -> String {
    let sign = if value < 0.0 { "−" } else { "+" };
    ltr_in(lang, format!("{sign}{}", number(value.abs(), decimals, lang)))
}

/// A rank as an ordinal: `1er`, `4e` (fr), `4th` (en), `4` (ar, where the
/// sentence says "rank" before it).
pub fn ordinal(rank: usize, lang: Lang) -> String {
    match lang {
        Lang::Fr if rank == 1 => "1er".into(),
        Lang::Fr => format!("{rank}e"),
        Lang::En => {
            let suffix = match (rank % 10, rank % 100) {
                (_, 11..=13) => "th",
                (1, _) => "st",
                (2, _) => "nd",
                (3, _) => "rd",
                _ => "th",
            };
            format!("{rank}{suffix}")
        }
        Lang::Ar => rank.to_string(),
    }
}

/// A change in an indicator's unit with its sign: `+20 250`, `−1,2 pt`.
pub fn signed_in_unit(value: f64, unit: &str, lang: Lang) -> String {
    let magnitude = match unit {
        // A change of a share is in percentage points, not percent.
        "percent" => {
            let points = match lang {
                Lang::Ar => "نقطة",
                _ => "pt",
            };
            format!("{}{NBSP}{points}", number(value.abs(), 1, lang))
        }
        _ => in_unit(value.abs(), unit, lang),
    };
    if value < 0.0 { format!("−{magnitude}") } else { format!("+{magnitude}") }
}

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_FR_SHORT: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
    "déc.",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
/// The month names of Moroccan administrative Arabic (as Bank Al-Maghrib and the
/// HCP write them).
const MONTHS_AR: [&str; 12] = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "ماي",
    "يونيو",
    "يوليوز",
    "غشت",
    "شتنبر",
    "أكتوبر",
    "نونبر",
    "دجنبر",
];
const QUARTERS_AR: [&str; 4] = ["الفصل الأول", "الفصل الثاني", "الفصل الثالث", "الفصل الرابع"];

/// A period as a reader writes it: `2025-Q4` is `T4 2025`, `Q4 2025`,
/// `الفصل الرابع 2025`; `2025-12` is `déc. 2025`, `Dec 2025`, `دجنبر 2025`; a year
/// stays a year. Anything else is returned as it is.
pub fn period(period: &str, lang: Lang) -> String {
    let Some((year, part)) = period.split_once('-') else {
        return period.to_string();
    };
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return period.to_string();
    }
    if let Some(q) = part.strip_prefix('Q').and_then(|q| q.parse::<usize>().ok())
        && (1..=4).contains(&q)
    {
        return match lang {
            Lang::Fr => format!("T{q}{NBSP}{year}"),
            Lang::En => format!("Q{q}{NBSP}{year}"),
            Lang::Ar => format!("{} {year}", QUARTERS_AR[q - 1]),
        };
    }
    match part.parse::<usize>() {
        Ok(m) if part.len() == 2 && (1..=12).contains(&m) => match lang {
            Lang::Fr => format!("{}{NBSP}{year}", MONTHS_FR_SHORT[m - 1]),
            Lang::En => format!("{}{NBSP}{year}", &MONTHS_EN[m - 1][..3]),
            Lang::Ar => format!("{} {year}", MONTHS_AR[m - 1]),
        },
        _ => period.to_string(),
    }
}

/// A calendar date as a reader writes it: `2 décembre 2026`, `2 December 2026`,
/// `2 دجنبر 2026`; an ISO timestamp is read as its date. Anything unreadable is
/// returned as it is.
pub fn date(iso: &str, lang: Lang) -> String {
    let day = iso.get(..10).unwrap_or(iso);
    let parts: Vec<&str> = day.split('-').collect();
    let [y, m, d] = parts[..] else {
        return iso.to_string();
    };
    let (Ok(m), Ok(d)) = (m.parse::<usize>(), d.parse::<u32>()) else {
        return iso.to_string();
    };
    if y.len() != 4 || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return iso.to_string();
    }
    let d = if d == 1 && lang == Lang::Fr { "1er".to_string() } else { d.to_string() };
    match lang {
        Lang::Fr => format!("{d}{NBSP}{}{NBSP}{y}", MONTHS_FR[m - 1]),
        Lang::En => format!("{d}{NBSP}{}{NBSP}{y}", MONTHS_EN[m - 1]),
        Lang::Ar => format!("{d} {} {y}", MONTHS_AR[m - 1]),
    }
}

/// A left-to-right run (numbers, periods, dates, ids) kept in order inside
/// right-to-left text, between two LEFT-TO-RIGHT MARKs: a date such as 2026-11-24
/// would otherwise come out as 24-11-2026 next to Arabic letters. SVG text and
/// PDF lines have no `<bdi>` to isolate it.
pub fn ltr(text: &str) -> String {
    format!("\u{200E}{text}\u{200E}")
}

/// [`ltr`] for a line of text in `lang`: marked in Arabic, as it is elsewhere.
pub fn ltr_in(lang: Lang, text: String) -> String {
    if lang == Lang::Ar { ltr(&text) } else { text }
}

/// A period written for a line of text ([`period`]): a bare year or code kept left
/// to right in Arabic; a period written in Arabic words is Arabic text and reads
/// right to left with it.
pub fn period_in_text(period_code: &str, lang: Lang) -> String {
    let written = period(period_code, lang);
    if written.is_ascii() { ltr_in(lang, written) } else { written }
}

/// Text safe inside HTML content and double-quoted attributes (the same escapes
/// as SVG text).
pub fn html_escape(text: &str) -> String {
    crate::charts::escape_xml(text)
}

/// Percent-encoding of a query-string value (RFC 3986 unreserved characters kept).
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_groups_with_a_narrow_space_and_a_decimal_comma() {
        assert_eq!(number(1234.5, 1, Lang::Fr), "1\u{202F}234,5");
        assert_eq!(number(148_500.0, 0, Lang::Fr), "148\u{202F}500");
        assert_eq!(number(999.0, 0, Lang::Fr), "999");
        assert_eq!(percent(12.345, 1, Lang::Fr), "12,3\u{00A0}%");
        assert_eq!(number(-0.04, 1, Lang::Fr), "0,0");
    }

    #[test]
    fn periods_and_dates_as_readers_write_them() {
        assert_eq!(period("2025-Q4", Lang::Fr), "T4\u{00A0}2025");
        assert_eq!(period("2025-Q4", Lang::En), "Q4\u{00A0}2025");
        assert_eq!(period("2025-Q4", Lang::Ar), "الفصل الرابع 2025");
        assert_eq!(period("2025-12", Lang::Fr), "déc.\u{00A0}2025");
        assert_eq!(period("2025-02", Lang::En), "Feb\u{00A0}2025");
        assert_eq!(period("2025-08", Lang::Ar), "غشت 2025");
        assert_eq!(period("2024", Lang::Ar), "2024");
        assert_eq!(period("2025-Q5", Lang::Fr), "2025-Q5");
        assert_eq!(period("2025-13", Lang::Fr), "2025-13");
        assert_eq!(date("2026-12-02", Lang::Fr), "2\u{00A0}décembre\u{00A0}2026");
        assert_eq!(date("2027-03-01T08:00:00Z", Lang::Fr), "1er\u{00A0}mars\u{00A0}2027");
        assert_eq!(date("2026-12-02", Lang::En), "2\u{00A0}December\u{00A0}2026");
        assert_eq!(date("2026-12-02", Lang::Ar), "2 دجنبر 2026");
        assert_eq!(date("soon", Lang::Ar), "soon");
    }

    #[test]
    fn english_and_arabic() {
        assert_eq!(number(1_234_567.891, 2, Lang::En), "1,234,567.89");
        assert_eq!(percent(85.0, 1, Lang::En), "85.0%");
        // Western digits in Arabic, French separators.
        assert_eq!(number(240_000.0, 0, Lang::Ar), "240\u{202F}000");
        assert_eq!(in_unit(26.2e9, "MAD", Lang::En), "26.20\u{00A0}bn MAD");
        assert_eq!(signed_in_unit(-1.26, "percent", Lang::Fr), "−1,3\u{00A0}pt");
        assert_eq!(signed_in_unit(20_250.0, "jobs", Lang::En), "+20,250");
    }
}
