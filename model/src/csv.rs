//! The one rule every CSV md2030 writes follows for text cells: a cell a
//! spreadsheet would run as a formula is neutralised (OWASP's advice on CSV
//! injection). Dataset, audit, chart, results and SDMX CSVs all call it.

use std::borrow::Cow;

/// A cell that a spreadsheet will not run as a formula: text starting with `=`,
/// `+`, `-`, `@`, tab or carriage return gets a leading `'`. A plain number
/// (`-3.5`) is left alone: spreadsheets read it as a number, not a formula.
pub fn formula_safe(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.trim().parse::<f64>().is_err() {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        assert_eq!(formula_safe("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(formula_safe("+1+cmd|' /C calc'!A0"), "'+1+cmd|' /C calc'!A0");
        assert_eq!(formula_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(formula_safe("-2+3"), "'-2+3");
        assert_eq!(formula_safe("\t=1"), "'\t=1");
        assert_eq!(formula_safe("-3.5"), "-3.5");
        assert_eq!(formula_safe("-1e-3"), "-1e-3");
        assert_eq!(formula_safe("Rabat-Salé-Kénitra"), "Rabat-Salé-Kénitra");
        assert_eq!(formula_safe(""), "");
    }
}
