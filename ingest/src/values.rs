//! Parsing one cell of text into a typed value, the way French, Arabic and English
//! spreadsheets write numbers, dates and booleans.

use chrono::NaiveDate;

/// Which character a column uses as its decimal separator. Decided by the first
/// value that settles it (`12,5` settles comma; `12.5` settles point) or, for values
/// that cannot settle it on their own (`1,234`), by the file's hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalMark {
    Unknown,
    Comma,
    Point,
}

/// Parses a number: grouping by spaces (including no-break spaces), apostrophes,
/// or the separator that is not the decimal one; decimal comma or point; a leading
/// sign; scientific notation (`1.56647e+006`); a trailing `%` is allowed.
pub fn parse_number(text: &str, mark: &mut DecimalMark, comma_hint: bool) -> Option<f64> {
    if let Some(value) = fast_number(text, *mark) {
        return Some(value);
    }
    let text = text.strip_suffix('%').unwrap_or(text).trim_end();
    let mut compact = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' | '\'' | '’' => {}
            '−' => compact.push('-'),
            _ => compact.push(c),
        }
    }
    let (mantissa, exponent) = split_exponent(&compact);
    let has_comma = mantissa.contains(',');
    let has_point = mantissa.contains('.');
    let decimal = match (has_comma, has_point) {
        (false, false) => None,
        (true, true) => {
            let comma_last = mantissa.rfind(',') > mantissa.rfind('.');
            Some(if comma_last { ',' } else { '.' })
        }
        (true, false) => Some(match *mark {
            DecimalMark::Comma => ',',
            DecimalMark::Point => {
                if is_grouped(mantissa, ',') {
                    'x'
                } else {
                    return None;
                }
            }
            DecimalMark::Unknown if is_grouped(mantissa, ',') && !comma_hint => 'x',
            DecimalMark::Unknown => ',',
        }),
        (false, true) => Some(match *mark {
            DecimalMark::Point => '.',
            DecimalMark::Comma => {
                if is_grouped(mantissa, '.') {
                    'x'
                } else {
                    return None;
                }
            }
            DecimalMark::Unknown if is_grouped(mantissa, '.') && comma_hint => 'x',
            DecimalMark::Unknown => '.',
        }),
    };
    let mut plain = String::with_capacity(compact.len());
    let mut settled = None;
    match decimal {
        None => plain.push_str(mantissa),
        // Only grouping separators: the value is whole.
        Some('x') => {
            let separator = if has_comma { ',' } else { '.' };
            if !is_grouped(mantissa, separator) {
                return None;
            }
            plain.extend(mantissa.chars().filter(|&c| c != separator));
        }
        Some(decimal_char) => {
            let group_char = if decimal_char == ',' { '.' } else { ',' };
            let (whole, fraction) = mantissa.rsplit_once(decimal_char)?;
            if whole.contains(group_char) && !is_grouped(whole, group_char) {
                return None;
            }
            if fraction.contains(group_char) || fraction.contains(decimal_char) {
                return None;
            }
            plain.extend(whole.chars().filter(|&c| c != group_char));
            plain.push('.');
            plain.push_str(fraction);
            let this_mark =
                if decimal_char == ',' { DecimalMark::Comma } else { DecimalMark::Point };
            if *mark != DecimalMark::Unknown && *mark != this_mark {
                return None;
            }
            settled = Some(this_mark);
        }
    }
    plain.push_str(exponent);
    if !plain.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')) {
        return None;
    }
    let value = plain.parse::<f64>().ok().filter(|v| v.is_finite())?;
    if let Some(this_mark) = settled {
        *mark = this_mark;
    }
    Some(value)
}

/// The common case, a plain ASCII number with at most a decimal point, parsed
/// without allocating.
fn fast_number(text: &str, mark: DecimalMark) -> Option<f64> {
    let bytes = text.as_bytes();
    if bytes.is_empty() || bytes.len() > 40 {
        return None;
    }
    let mut points = 0;
    for &b in bytes {
        match b {
            b'0'..=b'9' | b'-' | b'+' | b'e' | b'E' => {}
            b'.' => points += 1,
            _ => return None,
        }
    }
    match (points, mark) {
        (0, _) => {}
        (1, DecimalMark::Point) => {}
        // A single point in an unknown column may be grouping ("1.234"): slow path.
        _ => return None,
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn split_exponent(text: &str) -> (&str, &str) {
    match text.find(['e', 'E']) {
        Some(idx) if idx > 0 => (&text[..idx], &text[idx..]),
        _ => (text, ""),
    }
}

/// True when `text` is digits grouped by threes with `separator` (`1,234,567`).
fn is_grouped(text: &str, separator: char) -> bool {
    let unsigned = text.trim_start_matches(['-', '+']);
    let mut groups = unsigned.split(separator);
    let Some(first) = groups.next() else {
        return false;
    };
    let mut count = 0;
    let first_ok = (1..=3).contains(&first.len()) && first.bytes().all(|b| b.is_ascii_digit());
    for group in groups {
        count += 1;
        if group.len() != 3 || !group.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    first_ok && count > 0
}

/// Parses an integer written as a number: `1 234`, `1.234` (comma locale), `126.0`.
pub fn parse_integer(text: &str, mark: &mut DecimalMark, comma_hint: bool) -> Option<i64> {
    if let Ok(value) = text.parse::<i64>() {
        return Some(value);
    }
    let value = parse_number(text, mark, comma_hint)?;
    (value.fract() == 0.0 && value.abs() < 9.0e15).then_some(value as i64)
}

/// Parses a date: ISO `2024-03-15`, `15/03/2024`, `15-03-2024`, `15.03.2024`,
/// `2024/03/15`; a time of midnight after the date is allowed (spreadsheets add it).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let date_part = match text.split_once(['T', ' ']) {
        Some((date, time)) if is_midnight(time) => date,
        Some(_) => return None,
        None => text,
    };
    let parts: Vec<&str> = date_part.split(['-', '/', '.']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(a) || !all_digits(b) || !all_digits(c) {
        return None;
    }
    let (year, month, day) = if a.len() == 4 {
        (a.parse().ok()?, b.parse().ok()?, c.parse().ok()?)
    } else if c.len() == 4 {
        (c.parse().ok()?, b.parse().ok()?, a.parse().ok()?)
    } else {
        return None;
    };
    NaiveDate::from_ymd_opt(year, month, day)
}

fn is_midnight(time: &str) -> bool {
    let time = time.trim().trim_end_matches('Z');
    matches!(time, "00:00" | "00:00:00" | "00:00:00.000" | "0:00" | "0:00:00")
}

/// Days since 1970-01-01, Arrow's Date32.
pub fn date32(date: NaiveDate) -> i32 {
    const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;
    chrono::Datelike::num_days_from_ce(&date) - UNIX_EPOCH_DAYS_FROM_CE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str, comma_hint: bool) -> Option<f64> {
        parse_number(text, &mut DecimalMark::Unknown, comma_hint)
    }

    #[test]
    fn french_numbers() {
        assert_eq!(number("1 234,5", false), Some(1234.5));
        assert_eq!(number("1\u{a0}234,5", false), Some(1234.5));
        assert_eq!(number("1\u{202f}234\u{202f}567", false), Some(1_234_567.0));
        assert_eq!(number("1.234,5", false), Some(1234.5));
        assert_eq!(number("12,75", false), Some(12.75));
        assert_eq!(number("-0,5", false), Some(-0.5));
        assert_eq!(number("45,3 %", false), Some(45.3));
    }

    #[test]
    fn english_numbers_and_scientific_notation() {
        assert_eq!(number("1,234.5", false), Some(1234.5));
        assert_eq!(number("1,234,567", false), Some(1_234_567.0));
        assert_eq!(number("0.59150", false), Some(0.5915));
        assert_eq!(number("1.56647e+006", false), Some(1_566_470.0));
        assert_eq!(number("4.37E-06", false), Some(4.37e-6));
    }

    #[test]
    fn ambiguous_values_follow_the_column_then_the_hint() {
        // "1,234" alone: thousands in a comma-delimited file, a decimal in a ';' file.
        assert_eq!(number("1,234", false), Some(1234.0));
        assert_eq!(number("1,234", true), Some(1.234));
        // Once a column has shown a decimal comma, "1.234" is grouping.
        let mut mark = DecimalMark::Unknown;
        assert_eq!(parse_number("12,5", &mut mark, false), Some(12.5));
        assert_eq!(mark, DecimalMark::Comma);
        assert_eq!(parse_number("1.234", &mut mark, false), Some(1234.0));
        // …and a decimal point contradicting it is refused.
        assert_eq!(parse_number("3.25", &mut mark, false), None);
    }

    #[test]
    fn junk_is_not_a_number() {
        for text in ["", "abc", "12abc", "1,2,3", "1.2.3", "--1", "1 23,4.5", "inf", "NaN", "1e999"]
        {
            assert_eq!(number(text, false), None, "{text}");
        }
    }

    #[test]
    fn integers_accept_whole_floats_and_grouping_only() {
        let mut mark = DecimalMark::Unknown;
        assert_eq!(parse_integer("126.0", &mut mark, false), Some(126));
        assert_eq!(parse_integer("148 500", &mut DecimalMark::Unknown, false), Some(148_500));
        assert_eq!(parse_integer("12,5", &mut DecimalMark::Unknown, false), None);
    }

    #[test]
    fn dates_iso_and_day_first() {
        let expected = NaiveDate::from_ymd_opt(2024, 3, 15);
        for text in [
            "2024-03-15",
            "15/03/2024",
            "15-03-2024",
            "15.03.2024",
            "2024/03/15",
            "2024-03-15 00:00:00",
            "2024-03-15T00:00:00Z",
        ] {
            assert_eq!(parse_date(text), expected, "{text}");
        }
        assert_eq!(parse_date("03/15/2024"), None);
        assert_eq!(parse_date("31/02/2024"), None);
        assert_eq!(parse_date("2024-03-15 10:30:00"), None);
        assert_eq!(date32(NaiveDate::from_ymd_opt(1970, 1, 2).unwrap()), 1);
    }
}
